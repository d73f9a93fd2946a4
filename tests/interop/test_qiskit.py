"""Qiskit circuits, observables and QPY files (issue 17 item 1); runs when the extra is installed."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import cirq
import numpy as np
import pytest
import sympy

qiskit = pytest.importorskip("qiskit")
from qiskit import QuantumCircuit, qpy  # noqa: E402
from qiskit.circuit import Parameter, ParameterVector  # noqa: E402
from qiskit.quantum_info import Operator, SparsePauliOp, Statevector  # noqa: E402

from bpcalc import circuits  # noqa: E402
from bpcalc.bounds.exact import exact_gradient_variance  # noqa: E402
from bpcalc.bounds.from_files import prepare_model  # noqa: E402
from bpcalc.circuits.qiskit_io import QISKIT_GATES, circuit_from_qiskit, pauli_sum_from_qiskit  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

ARITY = {"rx": (1, 1), "ry": (1, 1), "rz": (1, 1), "p": (1, 1), "u": (1, 3), "u3": (1, 3), "h": (1, 0),
         "x": (1, 0), "y": (1, 0), "z": (1, 0), "id": (1, 0), "s": (1, 0), "sdg": (1, 0), "t": (1, 0),
         "tdg": (1, 0), "sx": (1, 0), "rxx": (2, 1), "ryy": (2, 1), "rzz": (2, 1), "rzx": (2, 1), "cx": (2, 0),
         "cz": (2, 0), "cy": (2, 0), "swap": (2, 0), "iswap": (2, 0), "crx": (2, 1), "cry": (2, 1),
         "crz": (2, 1), "cp": (2, 1), "ecr": (2, 0), "barrier": (2, 0)}


def _cirq_unitary_qiskit_order(circuit: cirq.Circuit, n: int) -> np.ndarray:
    # Qiskit is little-endian: qubit 0 is the least significant bit -> reverse Cirq's order
    return circuit.unitary(qubit_order=list(reversed(cirq.LineQubit.range(n))), dtype=np.complex128)


def test_gate_table_is_covered_by_this_test():
    assert set(ARITY) == set(QISKIT_GATES)


@pytest.mark.parametrize("name", sorted(ARITY))
@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_every_gate_has_qiskit_unitary_up_to_global_phase(name, order):
    n_qubits, n_params = ARITY[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    values = list(rng.uniform(-np.pi, np.pi, size=n_params))
    qc = QuantumCircuit(2)
    qc.h(0), qc.ry(0.3, 1)    # make qubit order visible in the unitary
    targets = list(order[:n_qubits])
    qc.append(qiskit.circuit.library.get_standard_gate_name_mapping()[name].__class__(*values)
              if name != "barrier" else qiskit.circuit.Barrier(2), targets if name != "barrier" else [0, 1])
    c = circuit_from_qiskit(qc)
    cirq.testing.assert_allclose_up_to_global_phase(
        _cirq_unitary_qiskit_order(c, 2), Operator(qc).data, atol=1e-10
    )


@pytest.mark.parametrize("name", ["rx", "ry", "rz", "rxx", "ryy", "rzz", "rzx", "p", "u", "crx", "cp"])
def test_symbolic_gates_resolve_to_the_qiskit_unitary(name):
    n_qubits, n_params = ARITY[name]
    th = ParameterVector("θ", n_params)
    qc = QuantumCircuit(2)
    qc.h(0)
    gate_cls = qiskit.circuit.library.get_standard_gate_name_mapping()[name].__class__
    qc.append(gate_cls(*[2 * p + 1 for p in th]), [1, 0][:n_qubits])
    c = circuit_from_qiskit(qc)
    assert {s.name for s in cirq.parameter_symbols(c)} == {f"θ[{k}]" for k in range(n_params)}
    values = np.random.default_rng(1).uniform(-3, 3, n_params)
    resolved = cirq.resolve_parameters(c, {f"θ[{k}]": v for k, v in enumerate(values)})
    bound = qc.assign_parameters(values)
    cirq.testing.assert_allclose_up_to_global_phase(
        _cirq_unitary_qiskit_order(resolved, 2), Operator(bound).data, atol=1e-10)


def test_expressions_names_and_qubit_order():
    theta = Parameter("θ")
    qc = QuantumCircuit(3)
    qc.ry(2 * theta + 1, 2)
    c = circuit_from_qiskit(qc)
    (op,) = list(c.all_operations())
    assert op.qubits == (cirq.LineQubit(2),)   # Qiskit qubit k is LineQubit(k)
    rot = circuits.as_pauli_rotation(op)
    assert sympy.simplify(rot.angle - (2 * sympy.Symbol("θ") + 1)) == 0


def test_sparse_pauli_op_is_little_endian():
    obs = pauli_sum_from_qiskit(SparsePauliOp(["ZZII", "IIIX"], coeffs=[0.5, -1.0]))
    q = cirq.LineQubit.range(4)
    assert cirq.approx_eq(obs, 0.5 * cirq.Z(q[2]) * cirq.Z(q[3]) - 1.0 * cirq.X(q[0]), atol=1e-14)
    # same expectation as Qiskit on a random state of the same circuit
    qc = QuantumCircuit(4)
    for k, a in enumerate([0.3, 1.1, -0.7, 2.0]):
        qc.ry(a, k)
        qc.rz(a / 2, k)
    qc.cx(0, 3)
    qc.cx(2, 1)
    expected = Statevector(qc).expectation_value(SparsePauliOp(["ZZII", "IIIX"], coeffs=[0.5, -1.0])).real
    c = circuit_from_qiskit(qc)
    psi = cirq.final_state_vector(c, qubit_order=q, dtype=np.complex128)
    got = obs.expectation_from_state_vector(psi, {qk: k for k, qk in enumerate(q)}).real
    assert got == pytest.approx(expected, abs=1e-10)
    with pytest.raises(ValueError, match="complex coefficient"):
        pauli_sum_from_qiskit(SparsePauliOp(["ZI"], coeffs=[1j]))


def test_unsupported_gate_refused_by_name_and_composite_expanded():
    qc = QuantumCircuit(3)
    qc.ccx(0, 1, 2)
    with pytest.raises(ValueError, match="Qiskit gate 'ccx' is not supported"):
        circuit_from_qiskit(qc)
    inner = QuantumCircuit(2, name="block")
    a = Parameter("a")
    inner.ry(a, 0)
    inner.cx(0, 1)
    outer = QuantumCircuit(3)
    outer.append(inner.to_gate(), [2, 1])
    c = circuit_from_qiskit(outer)
    ops = list(c.all_operations())
    assert ops[0].qubits == (cirq.LineQubit(2),) and ops[1].qubits == (cirq.LineQubit(2), cirq.LineQubit(1))


# --------------------------------------------------------------------------- round trip

FIXED = ["cx", "cz", "cy", "h", "s", "sdg", "t", "tdg", "sx", "swap", "iswap", "ecr"]
ROTATIONS = ["rx", "ry", "rz", "p", "rxx", "ryy", "rzz", "rzx"]


def _random_qiskit_circuit(n: int, n_params: int, rng: np.random.Generator):
    """Random circuit: ``n_params`` parametrized rotations (angle θ_k or 2θ_k − 0.4 for one of
    them), random fixed gates of the table, numeric rotations in between."""
    th = ParameterVector("θ", n_params)
    coefficients = [1] * n_params
    coefficients[int(rng.integers(n_params))] = 2 if n_params > 1 else 1
    qc = QuantumCircuit(n)
    for k in range(n_params):
        gate = str(rng.choice(ROTATIONS if n > 1 else ROTATIONS[:4]))
        qubits = [int(q) for q in rng.choice(n, size=2 if gate in ("rxx", "ryy", "rzz", "rzx") else 1, replace=False)]
        angle = th[k] if coefficients[k] == 1 else 2 * th[k] - 0.4
        getattr(qc, gate)(angle, *qubits)
        for _ in range(2):
            fixed = str(rng.choice(FIXED))
            if fixed in ("h", "s", "sdg", "t", "tdg", "sx"):
                getattr(qc, fixed)(int(rng.integers(n)))
            elif n > 1:
                a, b = (int(q) for q in rng.choice(n, size=2, replace=False))
                getattr(qc, fixed)(a, b)
        qc.ry(float(rng.uniform(-3, 3)), int(rng.integers(n)))
    return qc, list(th), coefficients


def _grid_variance(qc: QuantumCircuit, params: list, coefficients: list, target: int, obs: SparsePauliOp) -> float:
    """Var_θ[∂C/∂θ_target] by exact grid averaging with Qiskit's ``Statevector``.

    θ_k enters one gate as c_k θ_k + d (c_k = 1 or 2), so ∂C = (c/2)[C(θ + π/2c) − C(θ − π/2c)]
    (parameter shift on θ itself) and (∂C)² is a trigonometric polynomial of degree <= 2 c_k in
    θ_k: the uniform grid of 4 c_k + 1 points per parameter averages it exactly; E[∂C] = 0.
    """
    grids = [np.arange(4 * c + 1) * 2 * np.pi / (4 * c + 1) for c in coefficients]
    c = coefficients[target]
    total, count = 0.0, 0
    for point in itertools.product(*grids):
        values = list(point)
        grad = 0.0
        for sign in (1, -1):
            shifted = list(values)
            shifted[target] += sign * np.pi / (2 * c)
            bound = qc.assign_parameters(dict(zip(params, shifted)))
            grad += sign * c / 2 * Statevector(bound).expectation_value(obs).real
        total += grad**2
        count += 1
    return total / count


def _round_trip(seed: int, n: int, n_params: int) -> None:
    rng = np.random.default_rng(seed)
    qc, params, coefficients = _random_qiskit_circuit(n, n_params, rng)
    label = "".join(str(rng.choice(["I", "Z", "X", "Y"])) for _ in range(n))
    if set(label) == {"I"}:
        label = "Z" + label[1:]
    obs = SparsePauliOp([label, "Z" * n], coeffs=[1.0, -0.5])
    pm = prepare_model(qc, obs)
    assert {s.name for s in pm.trainable} == {p.name for p in params if p in qc.parameters}
    target = int(rng.integers(n_params))
    res = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters=[params[target].name],
                                  method="exact")
    expected = _grid_variance(qc, params, coefficients, target, obs)
    assert res.values[0] == pytest.approx(expected, abs=1e-10), (qc.draw(), label)


@pytest.mark.parametrize("seed,n", [(0, 1), (1, 2), (2, 2), (3, 3), (4, 3)])
def test_round_trip_exact_variance_equals_qiskit_statevector_grid(seed, n):
    _round_trip(seed, n, n_params=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed,n", [(s, n) for n in (2, 3, 4, 5) for s in range(10, 14)])
def test_round_trip_exact_variance_equals_qiskit_statevector_grid_slow(seed, n):
    _round_trip(seed, n, n_params=5)
