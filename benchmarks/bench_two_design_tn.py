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
jobs: wall times are inflated and noisy):

``--compare`` (every parameter; seconds chain / network, ratio, max relative difference)::

    n=8    local: chain  0.08s tn 0.06s ratio   1.3 rel 7.9e-15   global: chain 0.15s tn 0.04s ratio  3.9 rel 3.9e-15
    n=10   local: chain  0.50s tn 0.10s ratio   5.2 rel 8.5e-15   global: chain 1.78s tn 0.09s ratio 19.9 rel 8.0e-15
    n=12   local: chain  2.58s tn 0.14s ratio  19.1 rel 2.3e-14   global: chain 4.16s tn 0.10s ratio 43.2 rel 1.2e-14
    n=14   local: chain 28.00s tn 0.12s ratio 226.0 rel 6.5e-14   global: chain --    tn 0.41s (bond 16)

(n = 4, 6: both below 0.1 s, the chain slightly faster: ``engine='auto'`` keeps the chain up to
6 block qubits.)

``--local`` (first block, network only; OPENBLAS_NUM_THREADS=1)::

    n=64    blocks    2016  Var = 3.361928e-12   bond 14  error bound 2.0e-15  two-design-tn    2.77 s
    n=128   blocks    8128  Var = 3.793780e-19   bond 14  error bound 1.9e-11  two-design-tn   12.84 s
    n=256   blocks   32640  Var = 2.617315e-32   bond 14  error bound 1.2e-03  two-design-tn   26.50 s
    n=512   blocks  130816  Var = 1.738093e-111  bond 14  error bound 7.7e+12                  82.22 s
    n=1000  blocks  499500  Var = 8.899607e-260  bond 14  error bound 1.6e+43                 178.03 s

(n = 512 and 1000 ran before the 'truncated' label was restricted to user cutoffs and were
labelled 'two-design-tn-truncated'; nothing above the noise floor was dropped.)  From n = 128 on
the rigorous bound exceeds the value; ``basis_weight=1`` (another site basis) gives 3.79378005e-19
at n = 128 (agreement 1e-8) but 2.65901042e-32 at n = 256 (1.6 % apart) and -1.887e-60 at n = 512
(negative: rounding; the default basis gave 1.7e-111 with its bound 7.7e12): deep local-cost
values beyond n ~ 128 are not reliable, and are never labelled as certified.

``--global`` (first block, ``cirq.ProjectorString``)::

    n=16    Var = 1.020321e-10  bond 32  error bound 1.2e-22   0.08 s
    n=32    Var = 2.182894e-20  bond 66  error bound 6.6e-30   0.93 s
    n=48    Var = 5.050251e-30  bond 68  error bound 4.2e-38   2.49 s
    n=64    Var = 1.175508e-39  bond 68  error bound 1.8e-46   4.57 s
    n=128   Var = 3.454467e-78   bond 68  error bound 1.9e-80  19.56 s
    n=256   Var = 2.983336e-155  bond 68  error bound 1.4e-148 62.72 s   (bound above the value: not certified)

``--all-parameters`` (local cost)::

    n=32    496 parameters   min 1.538e-11 max 2.800e-08  bond 66   2.78 s
    n=64    2016 parameters  min 1.492e-18 max 4.121e-12  bond 68  10.93 s
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
