"""Ragone et al. / Fontana et al. 2023: Lie-algebraic variances against deep circuits."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

import circuits
from bounds import get_theorem
from bounds.exact import exact_gradient_variance, exact_loss_variance
from bounds.registry import Context

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


def test_refusals():
    hea = circuits.hardware_efficient(2, 2)
    model = circuits.Model(ansatz=hea, observable=circuits.parse_pauli_sum("Z0", qubits=sorted(hea.all_qubits())))
    inst = LOSS.instantiate(Context(model=model, declared={"deep_circuit"}))
    assert not inst.values and "constant gate" in inst.refused[0].reason
    c, q = deep_circuit(2, 3, "product")
    outside = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum("Z0*Z1", qubits=q))
    inst = LOSS.instantiate(Context(model=outside, declared={"deep_circuit"}))
    assert not inst.values and "not in the dynamical Lie algebra" in inst.refused[0].reason
