"""Ragone et al. / Fontana et al. 2023: Lie-algebraic variances against deep circuits."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy
from scipy import stats

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance, exact_loss_variance
from bpcalc.bounds.registry import Context

LOSS = get_theorem("ragone2023.lie_algebraic_loss")
GRAD = get_theorem("ragone2023.lie_algebraic_gradient")


def deep_circuit(n: int, layers: int, kind: str) -> tuple[cirq.Circuit, list]:
    """'su': RX RY + ZZ (DLA su(2^n)); 'product': RX RY only (⊕ su(2)); 'tfim': RX + ZZ (free fermions)."""
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    k = 0
    for _ in range(layers):
        for i in range(n):
            gates = (cirq.rx, cirq.ry) if kind in ("su", "product") else (cirq.rx,)
            for g in gates:
                c.append(g(sympy.Symbol(f"t{k}")).on(q[i]))
                k += 1
        if kind in ("su", "tfim"):
            for i in range(n - 1):
                c.append(cirq.ZZPowGate(exponent=sympy.Symbol(f"t{k}") / np.pi, global_shift=-0.5).on(q[i], q[i + 1]))
                k += 1
    return c, q


CASES = [("su", 2, "Z0"), ("product", 2, "Z0 + 0.5*X1"), ("tfim", 3, "Z0*Z1 - 0.3*X2")]


@pytest.mark.parametrize("kind,n,obs", CASES)
def test_loss_variance_matches_deep_circuits(kind, n, obs):
    c, q = deep_circuit(n, 40, kind)
    model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum(obs, qubits=q))
    inst = LOSS.instantiate(Context(model=model, declared={"deep_circuit"}))
    assert not inst.refused, inst.refused
    exact = exact_loss_variance(model.circuit, model.observable, qubits=model.qubits).value
    assert inst.value("variance").value == pytest.approx(exact, rel=1e-3, abs=1e-4)


@pytest.mark.parametrize("kind,n,obs", CASES)
def test_gradient_variance_matches_deep_circuits(kind, n, obs):
    c, q = deep_circuit(n, 40, kind)
    model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum(obs, qubits=q))
    s = sympy.Symbol(f"t{len(model.trainable_symbols) // 2}")
    inst = GRAD.instantiate(Context(model=model, parameter=s, declared={"deep_circuit"}))
    assert not inst.refused, inst.refused
    exact = exact_gradient_variance(model.circuit, model.observable, parameters=[s], qubits=model.qubits).values[0]
    assert inst.value("variance").value == pytest.approx(exact, rel=1e-2)


def test_shallow_circuit_is_not_described():
    """Without the depth declaration the formula is refused; a shallow circuit really differs."""
    c, q = deep_circuit(2, 1, "su")
    model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum("Z0", qubits=q))
    inst = LOSS.instantiate(Context(model=model))
    assert not inst.values and "deep_circuit" in inst.refused[0].reason
    what_if = LOSS.instantiate(Context(model=model), check=False).value("variance").value
    exact = exact_loss_variance(model.circuit, model.observable, qubits=model.qubits).value
    assert abs(what_if - exact) > 1e-2


def _clifford_hea(n: int, layers: int, rotations=(cirq.ry,)) -> tuple[cirq.Circuit, list]:
    """Rotations on every qubit, then a CZ chain (constant Clifford gates), ``layers`` times."""
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    k = 0
    for _ in range(layers):
        for x in q:
            for g in rotations:
                c.append(g(sympy.Symbol(f"t{k}")).on(x))
                k += 1
        c.append(cirq.CZ(q[i], q[i + 1]) for i in range(n - 1))
    return c, q


@pytest.mark.parametrize("rotations,n,obs,final_h", [((cirq.rx,), 4, "X0*Y1", False),
                                                     ((cirq.rx,), 3, "Z0*Y1 + 0.5*X0*X1*Z2", True),
                                                     ((cirq.rx, cirq.rz), 2, "Z0*Z1", False)])
def test_clifford_gates_are_read_in_the_clifford_frame(rotations, n, obs, final_h):
    """Deep RX (+RZ) + CZ circuits: the Cliffords are moved to the input (clifford_frame); the formulas then
    equal the exact Pauli-path variances of the real circuit (rx + CZ: DLA of dimension 20 = 10 + 10 at
    n = 4, far below su(16)).  With a final Hadamard the frame's Clifford C does not normalise the DLA, so
    reading the input state as C|ψ⟩ matters (the test fails without it)."""
    c, q = _clifford_hea(n, 25, rotations)
    if final_h:
        c.append(cirq.H(q[0]))
    # a product input state that is not an eigenstate of the frame's Clifford
    embedding = cirq.Circuit([cirq.ry(1.1 + 0.3 * i).on(x) for i, x in enumerate(q)], [cirq.rz(0.7).on(x) for x in q])
    model = circuits.Model(embedding=embedding, ansatz=c, observable=circuits.parse_pauli_sum(obs, qubits=q))
    inst = LOSS.instantiate(Context(model=model, declared={"deep_circuit"}))
    assert not inst.refused, inst.refused
    exact = exact_loss_variance(model.circuit, model.observable, qubits=model.qubits).value
    assert exact > 1e-3
    assert inst.value("variance").value == pytest.approx(exact, rel=1e-3, abs=1e-4)
    s = sympy.Symbol(f"t{len(model.trainable_symbols) // 2}")
    grad = GRAD.instantiate(Context(model=model, parameter=s, declared={"deep_circuit"}))
    assert not grad.refused, grad.refused
    exact_grad = exact_gradient_variance(model.circuit, model.observable, parameters=[s], qubits=model.qubits)
    assert exact_grad.values[0] > 1e-3
    assert grad.value("variance").value == pytest.approx(exact_grad.values[0], rel=1e-2, abs=1e-6)


def test_refusals():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    non_clifford = cirq.Circuit(cirq.ry(t).on(q[0]), cirq.T(q[0]), cirq.CZ(*q), cirq.rx(t + 1).on(q[1]))
    model = circuits.Model(ansatz=non_clifford, observable=circuits.parse_pauli_sum("Z0", qubits=q))
    inst = LOSS.instantiate(Context(model=model, declared={"deep_circuit"}))
    assert not inst.values and "non-Clifford" in inst.refused[0].reason
    c, q = deep_circuit(2, 3, "product")
    outside = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum("Z0*Z1", qubits=q))
    inst = LOSS.instantiate(Context(model=outside, declared={"deep_circuit"}))
    assert not inst.values and "not in the dynamical Lie algebra" in inst.refused[0].reason


def _local_euler_circuit(n: int, layers: int) -> tuple[cirq.Circuit, list]:
    """RX·RZ·RX on every qubit, no entanglers, repeated ``layers`` times: DLA su(2)^{⊕n}."""
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    k = 0
    for _ in range(layers):
        for x in q:
            for g in (cirq.rx, cirq.rz, cirq.rx):
                c.append(g(sympy.Symbol(f"t{k}")).on(x))
                k += 1
    return c, q


@pytest.mark.parametrize("n", [2, 3])
def test_worked_example_su2_sum_gives_one_third(n):
    """Worked example of the Lean restatement (QudeLeap/Lean-QuantumAlg): g = su(2)^{⊕n}, |0…0⟩, O = X_1.

    Var = 1/3 — independently E_{U ~ Haar(SU(2))}⟨0|U†XU|0⟩² = 1/3 (checked by sampling here) — and
    the exact Pauli-path variance of a deep (20-layer) circuit agrees.
    """
    c, q = _local_euler_circuit(n, 1)
    model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum("X0", qubits=q))
    inst = LOSS.instantiate(Context(model=model, declared={"deep_circuit"}))
    assert not inst.refused, inst.refused
    assert inst.substitutions["dim_g"] == [3] * n          # su(2)^{⊕n}
    assert inst.value("variance").value == pytest.approx(1 / 3, abs=1e-12)
    rng = np.random.default_rng(n)
    u = stats.unitary_group.rvs(2, size=20000, random_state=rng)
    x = 2 * np.real(np.conj(u[:, 0, 0]) * u[:, 1, 0])       # ⟨ψ|X|ψ⟩ for |ψ⟩ = U|0⟩
    assert abs(np.mean(x**2) - 1 / 3) < 4 * np.std(x**2) / np.sqrt(x.size)
    deep, q = _local_euler_circuit(n, 20)
    deep_model = circuits.Model(ansatz=deep, observable=circuits.parse_pauli_sum("X0", qubits=q))
    exact = exact_loss_variance(deep_model.circuit, deep_model.observable, qubits=deep_model.qubits).value
    assert exact == pytest.approx(1 / 3, abs=1e-9)
    assert LOSS.instantiate(Context(model=deep_model, declared={"deep_circuit"})).value("variance").value == \
        pytest.approx(exact, abs=1e-9)
