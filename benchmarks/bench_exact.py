"""Exact-variance timings (issue 4): Pauli paths at 1000 qubits, and the largest n in 10 s.

Run: ``python benchmarks/bench_exact.py [--quick]``.

Setting: product input ``|0…0⟩``, hardware-efficient ansatz (RY, RZ per qubit, CZ chain in
brick moments) with ``L = ceil(log2 n)`` layers, 1-local observable ``Z`` on the middle qubit
(the widest light cone).  Times are wall-clock for ``bpcalc.bounds.exact.exact_gradient_variance``
(compiling the circuit's light cone included, building the Cirq circuit excluded — it is
reported separately).  Prints one table row per run: n, layers, what was computed, method,
seconds, value (the largest variance for all-parameter runs) and its confidence interval.

Recorded on the 2-core development machine while other jobs kept it loaded (load average
6-8), 65536 sampled paths per run:

* n = 1000, L = 10, all 20000 parameters (440 in the light cone): path-sampled, 0.38 s;
  largest variance 0.0206, 95% Clopper–Pearson CI [0.0195, 0.0217];
* n = 1000, L = 10, one parameter: 0.36 s;
* largest n in 10 s (all parameters): n = 32000 (L = 15) in 6.7 s; n = 64000 (L = 16) took
  12.1 s.  Building the Cirq circuit itself took 3 s / 132 s / 332 s at n = 1000 / 32000 / 64000.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import cirq
import numpy as np

from bpcalc import circuits
from bpcalc.bounds import exact as E

TARGET_SECONDS = 10.0


def _row(n, layers, what, res, seconds, build):
    i = int(np.argmax(res.values))
    ci = "" if res.ci_low is None else f"[{res.ci_low[i]:.4g}, {res.ci_high[i]:.4g}]"
    bound = "" if res.error_bound is None else f"±{res.error_bound[i]:.1e}"
    print(
        f"{n:>7} {layers:>3} {what:<26} {res.method:<13} {seconds:8.3f} {build:8.2f} "
        f"{res.values[i]:11.5g} {ci or bound:<24} cone={res.details.get('light_cone_qubits')} "
        f"params_in_cone={int(res.in_light_cone.sum())}"
    )


def run(n: int, parameters, n_samples: int) -> tuple[float, object, float, int]:
    layers = max(1, math.ceil(math.log2(n)))
    t0 = time.perf_counter()
    circ = circuits.hardware_efficient(n, layers)
    build = time.perf_counter() - t0
    obs = cirq.Z(cirq.LineQubit(n // 2))
    if parameters == "middle":
        parameters = f"theta_{layers - 1}_{n // 2}_0"
    t0 = time.perf_counter()
    res = E.exact_gradient_variance(circ, obs, None, parameters, n_samples=n_samples)
    return time.perf_counter() - t0, res, build, layers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the largest-n search")
    ap.add_argument("--samples", type=int, default=2**16, help="sampled Pauli paths per run")
    args = ap.parse_args()
    print(f"cores available: {os.cpu_count()}, samples per sampled run: {args.samples}")
    print(f"{'n':>7} {'L':>3} {'computed':<26} {'method':<13} {'seconds':>8} {'build_s':>8} {'value(max)':>11} CI / bound")
    for n in (16, 64, 256, 1000):
        for what, params in (("all parameters", "all"), ("one parameter (middle)", "middle")):
            seconds, res, build, layers = run(n, params, args.samples)
            _row(n, layers, what, res, seconds, build)
    if args.quick:
        return
    print(f"\nlargest n with all-parameter variances in < {TARGET_SECONDS:.0f} s (engine time; circuit build excluded):")
    best = None
    n = 1000
    while True:
        n *= 2
        seconds, res, build, layers = run(n, "all", args.samples)
        _row(n, layers, "all parameters", res, seconds, build)
        if seconds > TARGET_SECONDS or build > 150:
            break
        best = (n, seconds)
    print(f"largest n reached in {TARGET_SECONDS:.0f} s: {best[0] if best else '< 2000'}"
          + (f" ({best[1]:.2f} s)" if best else ""))


if __name__ == "__main__":
    main()
