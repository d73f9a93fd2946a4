"""Circuit graph and light-cone timings (issue 2): 50-qubit, 10-layer HEA.

Run: ``python benchmarks/bench_graph.py``.  Prints the best of 5 runs for building the DAG,
the plain backward cone, the refined cone (cold and warm cache) and all parameter cones.
"""

from __future__ import annotations

import time

import cirq

from bpcalc import circuits


def best_of(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    n, layers = 50, 10
    c = circuits.hardware_efficient(n, layers)
    obs = cirq.Z(cirq.LineQubit(n // 2))
    local = circuits.local_cost(cirq.LineQubit.range(n))
    t_cold = time.perf_counter()
    circuits.backward_light_cone(c, obs)
    t_cold = time.perf_counter() - t_cold
    rows = [
        ("circuit_graph (DAG)", best_of(lambda: circuits.circuit_graph(c))),
        ("backward cone, plain, Z_25", best_of(lambda: circuits.backward_light_cone(c, obs, refined=False))),
        ("backward cone, refined, Z_25 (first call)", t_cold),
        ("backward cone, refined, Z_25 (warm cache)", best_of(lambda: circuits.backward_light_cone(c, obs))),
        ("backward cone, refined, local cost (50 terms)", best_of(lambda: circuits.backward_light_cone(c, local), 2)),
    ]
    cone = circuits.backward_light_cone(c, obs)
    rows.append(("parameter_light_cones, all 1000 params", best_of(lambda: circuits.parameter_light_cones(c, obs), 3)))
    rows.append(("total: DAG + refined cone + all parameter cones",
                 best_of(lambda: (circuits.circuit_graph(c), circuits.parameter_light_cones(c, obs)), 3)))
    print(f"HEA n={n} layers={layers}: {len(list(c.all_operations()))} operations; refined cone of Z_25: "
          f"width {cone.width}, depth {cone.depth}, {cone.size} ops")
    for name, seconds in rows:
        print(f"{name:<60} {seconds * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
