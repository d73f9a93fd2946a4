"""Time per one-parameter gradient sample: own batched engine vs cirq.Simulator, qsim, PennyLane.

Workload (issue 5): hardware-efficient ansatz with ``L = n`` layers (RY, RZ on every qubit, CZ
chain in even/odd moments), observable ``Z_0``, gradient of the FIRST parameter
(``theta_0_0_0``: the worst case for prefix sharing) by the parameter-shift rule, complex64,
parameters drawn uniformly.  One "gradient sample" = one parameter draw.

* own      — ``verify`` engine, parameter shift, a batch of draws per call (``--own-threads``
             BLAS threads, default 1);
* own-adj  — own engine, adjoint differentiation: ALL parameters per draw (for reference);
* cirq     — ``cirq.Simulator(dtype=complex64)``, one sweep with the two shifted resolvers;
* qsim     — ``qsimcirq`` with ``cpu_threads=2``, same sweep (``qsim1``: ``cpu_threads=1``, for a
             fair comparison on a loaded machine, where 2 OpenMP threads on 2 busy cores stall);
* auto     — what ``make_backend('auto')`` picks (own below 18 qubits, qsim from 18 on);
* pl-adj   — PennyLane ``lightning.qubit`` adjoint gradient w.r.t. the first parameter only
             (when PennyLane is installed; it is not a bpcalc dependency).

Run:  ``python benchmarks/bench_gradients.py [--qubits 8 12 16 20] [--min-time 2]``
Prints milliseconds per gradient sample and the ratios (other / own).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import cirq
import numpy as np

from bpcalc import circuits
from bpcalc.verify.backends import OwnEngine, make_backend, qsim_available
from bpcalc.verify.gradients import adjoint_gradient, parameter_shift_gradient


def _timeit(fn, min_time: float, max_calls: int = 1000) -> float:
    """Seconds per call of ``fn`` (one warm-up call, then repeat until ``min_time``)."""
    fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or calls >= max_calls:
            return elapsed / calls


def _shifted_resolvers(symbols, theta, k=0):
    plus, minus = theta.copy(), theta.copy()
    plus[k] += np.pi / 2
    minus[k] -= np.pi / 2
    return [dict(zip(symbols, plus)), dict(zip(symbols, minus))]


def _cirq_like(simulator, circuit, obs, symbols, rng):
    def one():
        theta = rng.uniform(0, 2 * np.pi, len(symbols))
        ev = simulator.simulate_expectation_values_sweep(circuit, [obs], _shifted_resolvers(symbols, theta))
        return (ev[0][0] - ev[1][0]).real / 2

    return one


def _pennylane_hea_qnode(qml, n: int, layers: int):
    """PennyLane ``lightning.qubit`` QNode of the same HEA (RY, RZ, CZ even/odd bonds), adjoint mode,
    as a function of (first parameter, remaining parameters) in layer-major order."""
    dev = qml.device("lightning.qubit", wires=n)

    @qml.qnode(dev, diff_method="adjoint")
    def f(first, rest):
        params = [first] + list(rest)
        i = 0
        for _ in range(layers):
            for q in range(n):
                qml.RY(params[i], wires=q)
                i += 1
            for q in range(n):
                qml.RZ(params[i], wires=q)
                i += 1
            for a in range(0, n - 1, 2):
                qml.CZ(wires=[a, a + 1])
            for a in range(1, n - 1, 2):
                qml.CZ(wires=[a, a + 1])
        return qml.expval(qml.PauliZ(0))

    return f


def _pennylane(n: int, layers: int, rng):
    try:
        import pennylane as qml
        from pennylane import numpy as pnp
    except ImportError:
        return None
    f = _pennylane_hea_qnode(qml, n, layers)
    grad = qml.grad(f, argnums=0)
    n_params = 2 * n * layers

    def one():
        theta = rng.uniform(0, 2 * np.pi, n_params)
        return grad(pnp.array(theta[0], requires_grad=True), pnp.array(theta[1:], requires_grad=False))

    return one


def _check_pennylane_matches(n: int, layers: int) -> float:
    """|PennyLane gradient − own gradient| at one random point (both conventions must agree)."""
    import pennylane as qml
    from pennylane import numpy as pnp

    rng = np.random.default_rng(0)
    circuit = circuits.hardware_efficient(n, layers)
    prepared = OwnEngine(dtype=np.complex128).prepare(circuit, cirq.Z(cirq.LineQubit(0)))
    symbols = prepared.symbols
    theta = rng.uniform(0, 2 * np.pi, len(symbols))
    own = adjoint_gradient(prepared, theta[None, :], [symbols[0]]).values[0, 0]
    # PennyLane order: layer-major, RY then RZ, qubit-minor — map from the symbol names
    order = []
    for layer in range(layers):
        for k in range(2):
            for q in range(n):
                order.append(symbols.index(next(s for s in symbols if s.name == f"theta_{layer}_{q}_{k}")))
    f = _pennylane_hea_qnode(qml, n, layers)
    p = theta[order]
    pl = qml.grad(f, argnums=0)(pnp.array(p[0], requires_grad=True), pnp.array(p[1:], requires_grad=False))
    return abs(float(pl) - own)


def bench(n: int, min_time: float, own_threads: int, batch: int | None) -> dict:
    rng = np.random.default_rng(n)
    circuit = circuits.hardware_efficient(n, n)
    obs = cirq.Z(cirq.LineQubit(0)) * 1.0
    row: dict = {"n": n}
    prepared = OwnEngine(threads=own_threads).prepare(circuit, obs)
    symbols = prepared.symbols
    first = [s for s in symbols if s.name == "theta_0_0_0"]
    b = batch or max(1, min(512, 2 ** (22 - n)))
    vals = rng.uniform(0, 2 * np.pi, size=(b, len(symbols)))
    row["own_batch"] = b
    row["own"] = _timeit(lambda: parameter_shift_gradient(prepared, vals, first), min_time) / b
    bad = min(b, max(1, b // 4))
    row["own_adjoint_all"] = _timeit(lambda: adjoint_gradient(prepared, vals[:bad]), min_time) / bad
    sims = {"cirq": cirq.Simulator(dtype=np.complex64)}
    if qsim_available():
        import qsimcirq

        sims["qsim"] = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=2))
        sims["qsim1"] = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=1))
    for name, sim in sims.items():
        row[name] = _timeit(_cirq_like(sim, circuit, obs, symbols, rng), min_time, max_calls=200)
    auto = make_backend("auto", n_qubits=n)
    row["auto_backend"] = auto.name
    row["auto"] = row["own"] if auto.name == "own" else row.get("qsim", float("nan"))
    pl = _pennylane(n, n, rng)
    row["pennylane"] = _timeit(pl, min_time, max_calls=200) if pl is not None else float("nan")
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--qubits", type=int, nargs="+", default=[8, 12, 16, 20])
    p.add_argument("--min-time", type=float, default=2.0, help="seconds of timing per entry (default 2)")
    p.add_argument("--own-threads", type=int, default=1, help="BLAS threads of the own engine (default 1)")
    p.add_argument("--batch", type=int, default=None, help="draws per own-engine call (default: 2^(22-n), <= 512)")
    p.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = p.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}")
    try:
        import pennylane  # noqa: F401

        print(f"# PennyLane lightning check at n=4: |Δgrad| = {_check_pennylane_matches(4, 2):.2e}")
    except ImportError:
        print("# PennyLane not installed: pl-adj column skipped")
    rows = []
    header = (f"{'n':>3} {'own ms':>9} {'own-adj ms':>10} {'cirq ms':>9} {'qsim ms':>9} {'qsim1 ms':>9} "
              f"{'pl-adj ms':>9} {'cirq/own':>9} {'qsim/own':>9} {'qsim1/own':>9} {'pl/own':>7} {'auto':>5} "
              f"{'qsim/auto':>9}")
    print(header)
    for n in args.qubits:
        r = bench(n, args.min_time, args.own_threads, args.batch)
        rows.append(r)
        nan = float("nan")
        ms = {k: 1e3 * r[k] for k in ("own", "own_adjoint_all", "cirq", "qsim", "qsim1", "pennylane") if k in r}
        print(f"{n:>3} {ms['own']:>9.3f} {ms['own_adjoint_all']:>10.3f} {ms['cirq']:>9.2f} "
              f"{ms.get('qsim', nan):>9.2f} {ms.get('qsim1', nan):>9.2f} {ms['pennylane']:>9.2f} "
              f"{r['cirq'] / r['own']:>9.1f} {r.get('qsim', nan) / r['own']:>9.2f} "
              f"{r.get('qsim1', nan) / r['own']:>9.2f} {r['pennylane'] / r['own']:>7.2f} "
              f"{r['auto_backend']:>5} {r.get('qsim', nan) / r['auto']:>9.2f}", flush=True)
    print(f"# load after: {os.getloadavg()}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
