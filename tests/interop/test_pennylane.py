"""PennyLane quantum functions / QNodes (issue 17 item 4); runs when the extra is installed."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import cirq
import numpy as np
import pytest

qml = pytest.importorskip("pennylane")

from bpcalc.bounds.exact import exact_gradient_variance  # noqa: E402
from bpcalc.bounds.from_files import prepare_model  # noqa: E402
from bpcalc.circuits.pennylane_io import PENNYLANE_GATES, circuit_from_pennylane, trace  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

GATES = {"RX": (1, 1), "RY": (1, 1), "RZ": (1, 1), "PhaseShift": (1, 1), "Rot": (1, 3), "U3": (1, 3),
         "IsingXX": (2, 1), "IsingYY": (2, 1), "IsingZZ": (2, 1), "CRX": (2, 1), "CRY": (2, 1), "CRZ": (2, 1),
         "ControlledPhaseShift": (2, 1), "CNOT": (2, 0), "CZ": (2, 0), "CY": (2, 0), "Hadamard": (1, 0),
         "PauliX": (1, 0), "PauliY": (1, 0), "PauliZ": (1, 0), "S": (1, 0), "T": (1, 0), "SX": (1, 0),
         "SWAP": (2, 0), "ISWAP": (2, 0), "Identity": (1, 0), "Barrier": (1, 0)}


def test_table_covered():
    assert set(GATES) == set(PENNYLANE_GATES)


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_gate_unitary_up_to_global_phase(name):
    n_wires, n_params = GATES[name]
    values = np.random.default_rng(len(name)).uniform(-3, 3, n_params)
    wires = [1, 0][:n_wires]

    def f():
        qml.Hadamard(wires=0)
        qml.RY(0.3, wires=1)
        getattr(qml, name)(*values, wires=wires)

    tape = qml.tape.make_qscript(f)()
    expected = qml.matrix(tape, wire_order=[0, 1])
    c, _ = circuit_from_pennylane(tape)
    got = c.unitary(qubit_order=cirq.LineQubit.range(2), dtype=np.complex128)
    cirq.testing.assert_allclose_up_to_global_phase(got, expected, atol=1e-10)


def _random_qfunc(n: int, rng: np.random.Generator):
    gates = ["RX", "RY", "RZ", "IsingXX", "IsingZZ", "PhaseShift"]
    plan = [(str(rng.choice(gates)), [int(w) for w in rng.choice(n, size=2, replace=False)]) for _ in range(3)]
    fixed = [(str(rng.choice(["CNOT", "CZ", "Hadamard", "S", "T"])), [int(w) for w in rng.choice(n, size=2, replace=False)])
             for _ in range(3)]

    def qfunc(w):
        for k, ((g, ws), (h, vs)) in enumerate(zip(plan, fixed)):
            getattr(qml, g)(w[k], wires=ws if g.startswith("Ising") else ws[:1])
            getattr(qml, h)(wires=vs if h in ("CNOT", "CZ") else vs[:1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1) + 0.5 * qml.PauliY(n - 1))

    return qfunc


@pytest.mark.parametrize("seed,n", [(0, 2), (1, 3)])
def test_round_trip_exact_variance_equals_default_qubit_grid(seed, n):
    rng = np.random.default_rng(seed)
    qfunc = _random_qfunc(n, rng)
    circuit, obs = circuit_from_pennylane(qfunc, w=(3,))
    pm = prepare_model(circuit, obs)
    res = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters=["w_0", "w_1", "w_2"],
                                  method="exact")
    node = qml.QNode(qfunc, qml.device("default.qubit", wires=n))
    grid = np.arange(5) * 2 * np.pi / 5          # (∂C)² has degree <= 2 in each angle: exact
    for k in range(3):
        total = 0.0
        for point in itertools.product(grid, repeat=3):
            w = np.array(point)
            plus, minus = w.copy(), w.copy()
            plus[k] += np.pi / 2
            minus[k] -= np.pi / 2
            total += (0.5 * (float(node(plus)) - float(node(minus)))) ** 2
        assert res.values[k] == pytest.approx(total / len(grid) ** 3, abs=1e-10)


def test_factory_example_analyses(cli, tmp_path):
    from bpcalc import circuits

    qnode = circuits.load_factory(str(ROOT / "examples" / "pennylane_factory.py") + ":qnode_model")(3, 1)
    circuit, obs = circuit_from_pennylane(qnode, weights=(1, 3, 3), x=(3,))
    assert {s.name for s in cirq.parameter_symbols(circuit)} == {f"weights_0_{j}_{k}" for j in range(3)
                                                                 for k in range(3)} | {"x_0", "x_1", "x_2"}
    assert str(obs) == "1.000*Z(q(0))*Z(q(1))"
    proc = cli(["analyze", "examples/pennylane_factory.py:circuit",
                           "--arg", "n=3", "--arg", "layers=1", "--observable", "Z0*Z1", "--no-theorems"])
    assert proc.returncode == 0, proc.stderr
    assert "9 trainable and 3 data parameters" in proc.stdout


def test_unsupported_and_bad_measurement():
    def f(w):
        qml.RY(w, wires=0)
        return qml.probs(wires=[0])

    with pytest.raises(ValueError, match="one qml.expval"):
        circuit_from_pennylane(f, w=())
    with pytest.raises(ValueError, match="give the shape of argument 'w'"):
        circuit_from_pennylane(f)
