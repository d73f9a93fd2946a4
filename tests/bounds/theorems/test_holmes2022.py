"""Holmes et al. 2022 (arXiv:2101.02138): the expressibility bound against exact variances."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems import holmes2022
from bpcalc.bounds.theorems._inputs import input_states

THEOREM = get_theorem("holmes2022.expressibility")


def exact(model, s) -> float:
    return float(exact_gradient_variance(model.circuit, model.observable, parameters=[s],
                                         qubits=model.qubits).values[0])


@pytest.mark.parametrize("n,layers", [(2, 1), (2, 3), (3, 2)])
def test_bounds_bracket_exact_variance(n, layers):
    ansatz = circuits.hardware_efficient(n, layers)
    qs = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.parse_pauli_sum("Z0*Z1 + 0.5*X0 - 0.2", qubits=qs))
    for s in model.trainable_symbols[::2]:
        inst = THEOREM.instantiate(Context(model=model, parameter=s))
        assert not inst.refused, inst.refused
        v = exact(model, s)
        assert inst.value("lower").value <= v + 1e-12 <= inst.value("upper").value + 2e-12


def test_bounds_bracket_exact_variance_with_data():
    n = 2
    ansatz = circuits.hardware_efficient(n, 2)
    qs = sorted(ansatz.all_qubits())
    emb = circuits.make_embedding("hee", n, qubits=qs)
    data = circuits.uniform_random(5, n, seed=2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qs), embedding=emb, dataset=data)
    for s in model.trainable_symbols[::3]:
        inst = THEOREM.instantiate(Context(model=model, parameter=s))
        per_point = []
        for x in data.x:
            bound = cirq.resolve_parameters(emb, circuits.data_resolver(emb, x))
            per_point.append(exact_gradient_variance(bound + ansatz, model.observable, parameters=[s],
                                                     qubits=model.qubits).values[0])
        v = float(np.mean(per_point))
        assert inst.value("lower").value <= v + 1e-12 <= inst.value("upper").value + 2e-12


def test_expressive_ansatz_is_pinned_to_haar_value():
    """Both sides nearly 2-designs: ε ≈ 0 and the bracket closes around the exact variance."""
    ansatz = circuits.hardware_efficient(2, 12, rotations=("rx", "ry", "rz"))
    qs = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.parse_pauli_sum("Z0*Z1 + 0.5*X0", qubits=qs))
    s = sympy.Symbol("theta_6_0_1")
    inst = THEOREM.instantiate(Context(model=model, parameter=s))
    lo, up = inst.value("lower").value, inst.value("upper").value
    v = exact(model, s)
    assert lo <= v <= up
    assert (up - lo) < 0.01 * v
    haar = THEOREM.bound("upper").evaluate(n=2, Delta_O=5.0, Delta_rho=0.75, eps_L=0, eps_R=0).value
    assert v == pytest.approx(haar, rel=5e-3)


def test_sampled_epsilons_agree_with_exact():
    ansatz = circuits.hardware_efficient(3, 2)
    qs = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.parse_pauli_sum("Z0*Z1 + 0.5*X0", qubits=qs))
    ctx = Context(model=model, parameter=sympy.Symbol("theta_1_0_0"))
    states = input_states(ctx)
    ex = holmes2022._exact_epsilons(ctx, states)
    mc = holmes2022._sampled_epsilons(ctx, states, 200, np.random.default_rng(1), 0.95)
    for key in ("eps_L", "eps_R"):
        assert mc[key] == pytest.approx(ex[key], rel=0.15)


def test_given_epsilons_and_refusal():
    ansatz = circuits.hardware_efficient(2, 1)
    qs = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.parse_pauli_sum("Z0", qubits=qs))
    inst = THEOREM.instantiate(Context(model=model, parameter=model.trainable_symbols[0],
                                       values={"eps_L": 0.0, "eps_R": 0.0}))
    assert inst.substitutions["eps_L"] == 0.0
    a = sympy.Symbol("a")
    shared = circuits.Model(ansatz=cirq.Circuit(cirq.rx(a).on(qs[0]), cirq.ry(a).on(qs[1])),
                            observable=circuits.parse_pauli_sum("Z0", qubits=qs))
    inst = THEOREM.instantiate(Context(model=shared, parameter=a))
    assert not inst.values and "2 gates" in inst.refused[0].reason
    with pytest.raises(ValueError, match="n_samples"):
        big = circuits.hardware_efficient(6, 1)
        m6 = circuits.Model(ansatz=big, observable=circuits.parse_pauli_sum("Z0", qubits=sorted(big.all_qubits())))
        holmes2022.expressibility_epsilons(Context(model=m6, parameter=m6.trainable_symbols[0]), n_samples=2)
