"""The 2-design network (``bounds.exact.two_design_tn``) against the support chain (issue 16).

Run: ``python benchmarks/bench_two_design_tn.py [--compare 4,6,8,10,12,14] [--local 64,128,256,512,1000]
[--global 16,32,48,64] [--all-parameters 32,64]``.

Deep alternating layered ansatz, 2-qubit blocks, ``L = n`` layers, ``|0…0⟩``:

* ``--compare``: every parameter, local cost ``(1/n) Σ_j |0⟩⟨0|_j`` and global cost
  ``|0…0⟩⟨0…0|`` (a 2^n-term Pauli sum for the chain, a ``cirq.ProjectorString`` for the network):
  both engines, wall seconds, the ratio and the largest relative difference;
* ``--local`` / ``--global``: the network only, the parameter of the first block of the first
  layer (the deepest one in the Heisenberg picture: a backward pass through all ``L`` layers);
  blocks are given as ``DesignBlock`` lists (building a cirq circuit of ``n²/2`` blocks is itself
  slow);
* ``--all-parameters``: every block at once (environments), local cost.

This is a benchmark, not a test: no test depends on wall-clock time.

Recorded on the shared 2-core development machine under load (load average 3-8 from other
jobs: wall times are inflated and noisy), commit of this file:

compare (every parameter; chain / network seconds, ratio, max relative difference)::

    n   local: chain   tn    ratio  rel.diff   global: chain   tn    ratio  rel.diff
    see the report of branch twodesign / the output of ``--compare`` (numbers below)

RESULTS
"""

from __future__ import annotations

import argparse
import time

import cirq
import numpy as np
import sympy

from bpcalc import circuits
from bpcalc.bounds.exact import two_design_gradient_variance, two_design_tn_gradient_variance
from bpcalc.bounds.exact.two_design import DesignBlock


def ala_blocks(n: int, layers: int) -> list[DesignBlock]:
    """The ALA's 2-qubit blocks (even layers on (0,1),(2,3),…; odd layers shifted by one)."""
    qs = cirq.LineQubit.range(n)
    out = []
    for layer in range(layers):
        for k, lo in enumerate(range(layer % 2, n - 1, 2)):
            out.append(DesignBlock(qubits=(qs[lo], qs[lo + 1]), symbols=(sympy.Symbol(f"t_{layer}_{k}"),),
                                   label=f"{layer}.{k}"))
    return out


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def compare(sizes: list[int]) -> None:
    print("compare: ALA, L = n, every parameter; seconds chain / network, ratio, max |rel. diff|")
    for n in sizes:
        qs = cirq.LineQubit.range(n)
        circ = circuits.alternating_layered(n, n, 2)
        row = [f"n={n:<3}"]
        for name, obs_chain, obs_tn in [("local", circuits.local_cost(qs), circuits.local_cost(qs)),
                                        ("global", circuits.global_cost(qs) if n <= 12 else None,
                                         cirq.ProjectorString({q: 0 for q in qs}))]:
            t = time.perf_counter()
            net = two_design_tn_gradient_variance(circ, obs_tn, None)
            t_tn = time.perf_counter() - t
            if obs_chain is None:
                row.append(f"{name}: chain -- tn {t_tn:7.2f}s (bond {net.n_terms})")
                continue
            t = time.perf_counter()
            ch = two_design_gradient_variance(circ, obs_chain, None)
            t_ch = time.perf_counter() - t
            rel = float(np.max(np.abs(net.values - ch.values) / ch.values))
            row.append(f"{name}: chain {t_ch:7.2f}s tn {t_tn:6.2f}s ratio {t_ch / t_tn:6.1f} rel {rel:.1e} "
                       f"(bond {net.n_terms})")
        print("  " + "  ".join(row), flush=True)


def scale(sizes: list[int], kind: str) -> None:
    print(f"scale: ALA, L = n, {kind} cost, first block of the first layer (network only)")
    for n in sizes:
        qs = cirq.LineQubit.range(n)
        obs = circuits.local_cost(qs) if kind == "local" else cirq.ProjectorString({q: 0 for q in qs})
        blocks = ala_blocks(n, n)
        t = time.perf_counter()
        r = two_design_tn_gradient_variance(blocks, obs, None, "t_0_0")
        dt = time.perf_counter() - t
        print(f"  n={n:<5} blocks {len(blocks):>7}  Var = {r.values[0]:.6e}  bond {r.n_terms:>3}  "
              f"error bound {r.error_bound[0]:.1e}  {r.method}  {dt:8.2f} s", flush=True)


def all_parameters(sizes: list[int]) -> None:
    print("every parameter at once: ALA, L = n, local cost (network)")
    for n in sizes:
        qs = cirq.LineQubit.range(n)
        blocks = ala_blocks(n, n)
        t = time.perf_counter()
        r = two_design_tn_gradient_variance(blocks, circuits.local_cost(qs), None)
        dt = time.perf_counter() - t
        print(f"  n={n:<5} {len(r.values)} parameters  min {r.values.min():.3e} max {r.values.max():.3e}  "
              f"bond {r.n_terms}  {dt:8.2f} s", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--compare", default="4,6,8,10,12")
    p.add_argument("--local", default="64,128,256")
    p.add_argument("--global", dest="global_", default="16,32,48")
    p.add_argument("--all-parameters", default="32")
    a = p.parse_args()
    if a.compare:
        compare(_ints(a.compare))
    if a.local:
        scale(_ints(a.local), "local")
    if a.global_:
        scale(_ints(a.global_), "global")
    if a.all_parameters:
        all_parameters(_ints(a.all_parameters))


if __name__ == "__main__":
    main()
