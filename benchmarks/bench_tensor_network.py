"""Benchmarks of the tensor-network engine (issue 16).  Run: ``python benchmarks/bench_tensor_network.py [name ...]``.

* ``hea-log``: HEA with ``L = ceil(log2 n)`` layers, ``Z`` on the middle qubit, every parameter;
* ``mcclean``: McClean et al. 2018 Fig. 3 redone exactly — deep HEA (``L = 4n`` here capped by
  ``--max-layers``), ``Var[∂_{θ_1} ⟨Z_0 Z_1⟩]`` vs ``n``, fitted decay base vs the 2-design value
  ``d² / (2 (d² − 1)²) · Δ(O) Δ(ρ)`` (theory notes §2);
* ``vs-sampling``: time of the exact network against path sampling to the network's accuracy;
* ``hea12``: the n = 12, L = 12 HEA value that enumeration cannot finish.

Each line prints the measured seconds; nothing here is asserted (tests hold the checks).
"""

from __future__ import annotations

import argparse
import math
import time

import cirq
import numpy as np

from bpcalc import circuits
from bpcalc.bounds import exact as E


def hea_log(ns=(16, 64, 256, 1000), strategy="auto"):
    for n in ns:
        layers = max(1, math.ceil(math.log2(n)))
        c = circuits.hardware_efficient(n, layers)
        obs = cirq.Z(cirq.LineQubit(n // 2))
        t = time.perf_counter()
        r = E.tn_gradient_variance(c, obs, strategy=strategy)
        dt = time.perf_counter() - t
        nz = r.values[r.values > 0]
        print(f"hea-log n={n} L={layers}: {len(r)} parameters ({int(r.in_light_cone.sum())} in cone), method {r.method}, "
              f"max {nz.max():.4e} min {nz.min():.4e}, bound {r.error_bound.max():.1e}, "
              f"bond {r.details['max_bond_backward']}/{r.details['max_bond_other_side']} ({r.details['strategy']}), {dt:.2f} s",
              flush=True)


def mcclean(ns=(2, 4, 6, 8, 10, 12), layers_per_qubit=4, max_layers=48, budget_s=600.0):
    t_all = time.perf_counter()
    rows = []
    for n in ns:
        layers = min(layers_per_qubit * n, max_layers)
        c = circuits.hardware_efficient(n, layers)
        qs = cirq.LineQubit.range(n)
        obs = cirq.Z(qs[0]) * cirq.Z(qs[1])
        t = time.perf_counter()
        r = E.tn_gradient_variance(c, obs, parameters="theta_0_0_0")
        dt = time.perf_counter() - t
        d = 2.0**n
        # 2-design value for O = Z0 Z1 (Δ(O) = d), ρ = |0><0| (Δ(ρ) = 1 − 1/d)
        haar = d**2 / (2 * (d**2 - 1) ** 2) * d * (1 - 1 / d)
        rows.append((n, float(r.values[0]), haar))
        print(f"mcclean n={n} L={layers}: Var = {r.values[0]:.6e} (bound {r.error_bound[0]:.1e}, {r.method}), "
              f"2-design {haar:.6e}, ratio {r.values[0] / haar:.3f}, {dt:.1f} s", flush=True)
        if time.perf_counter() - t_all > budget_s:
            break
    if len(rows) >= 3:
        ns_, vs, hs = (np.array(x) for x in zip(*rows))
        slope = np.polyfit(ns_, np.log2(vs), 1)[0]
        slope_h = np.polyfit(ns_, np.log2(hs), 1)[0]
        print(f"mcclean fit: Var ~ b^-n with b = {2 ** -slope:.3f} (2-design: {2 ** -slope_h:.3f})")


def vs_sampling():
    cases = [
        ("hea 10x6 Z0", circuits.hardware_efficient(10, 6), "Z0", "theta_1_0_0"),
        ("hea 8x8 Z0Z1", circuits.hardware_efficient(8, 8), "Z0*Z1", "theta_0_0_0"),
        ("ala 8x4 global", circuits.alternating_layered(8, 4, 2), None, "theta_0_b0_0"),
    ]
    for name, c, obs, p in cases:
        if obs is None:
            obs = circuits.global_cost(sorted(c.all_qubits()))
        t = time.perf_counter()
        r = E.tn_gradient_variance(c, obs, parameters=p)
        t_tn = time.perf_counter() - t
        t = time.perf_counter()
        s = E.exact_gradient_variance(c, obs, parameters=p, method="sample", n_samples=2**16, rng=1)
        t_s = time.perf_counter() - t
        half = (s.ci_high[0] - s.ci_low[0]) / 2
        if s.values[0] == 0:
            print(f"{name}: tn {r.values[0]:.6e} ({r.method}, {t_tn:.2f} s); sampling: no sampled path survived in "
                  f"{t_s:.2f} s (below resolution: < {s.ci_high[0]:.1e})", flush=True)
            continue
        rel = half / abs(s.values[0])
        # samples needed for the sampler's relative half-width to reach 1e-6 (CLT scaling)
        need = 2**16 * (rel / 1e-6) ** 2
        print(f"{name}: tn {r.values[0]:.6e} ({r.method}, {t_tn:.2f} s); sampling {s.values[0]:.4e} "
              f"±{rel:.1%} in {t_s:.2f} s -> ~{need * t_s / 2**16 / 3600:.2g} h for ±1e-6 relative", flush=True)


def hea12():
    t = time.perf_counter()
    r = E.exact_gradient_variance(circuits.hardware_efficient(12, 12), "Z0", parameters="theta_6_0_0")
    print(f"hea12: {r.values[0]:.10f} ({r.method}, bound {r.error_bound[0]:.1e}), {time.perf_counter() - t:.2f} s; "
          f"{r.details.get('auto_choice')}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", default=["hea12", "hea-log", "mcclean", "vs-sampling"])
    ap.add_argument("--qubits", default="16,64,256,1000", help="hea-log qubit counts")
    args = ap.parse_args()
    for name in args.names:
        if name == "hea-log":
            hea_log(tuple(int(x) for x in args.qubits.split(",")))
        elif name == "mcclean":
            mcclean()
        elif name == "vs-sampling":
            vs_sampling()
        elif name == "hea12":
            hea12()
        else:
            raise SystemExit(f"unknown benchmark {name!r}")
