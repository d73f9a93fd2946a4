"""Causal-cone lower bound (Uvarov & Biamonte 2021, constants derived) against the exact 2-design chain."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.exact import two_design_gradient_variance

THEOREM = get_theorem("uvarov2021.causal_cone_lower")


def _random_pauli_sum(qs, n_terms: int, max_weight: int, seed: int) -> cirq.PauliSum:
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(n_terms):
        w = int(rng.integers(1, max_weight + 1))
        start = int(rng.integers(0, len(qs) - w + 1))
        ps = cirq.PauliString({qs[start + j]: [cirq.X, cirq.Y, cirq.Z][rng.integers(3)] for j in range(w)})
        terms.append(float(rng.normal()) * ps)
    return cirq.PauliSum.from_pauli_strings(terms)


@pytest.mark.parametrize("n,layers,seed", [(4, 1, 0), (4, 2, 1), (6, 2, 2), (6, 3, 3), (6, 4, 4)])
def test_lower_bound_against_two_design_chain(n, layers, seed):
    qs = cirq.LineQubit.range(n)
    ansatz = circuits.alternating_layered(n, layers, 2, qubits=qs)
    obs = _random_pauli_sum(qs, 4, 3, seed)
    model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
    exact = two_design_gradient_variance(ansatz, obs, None, "all", qubits=qs)
    informative = 0
    for s in model.trainable_symbols:
        inst = THEOREM.instantiate(Context(model=model, parameter=s))
        assert not inst.refused, inst.refused
        lb = inst.value("variance").value
        assert lb <= exact[s] * (1 + 1e-9) + 1e-15, (s, lb, exact[s])
        if exact[s] > 0:
            informative += lb > 0
        else:
            assert lb == 0
    assert informative > 0


def test_tight_for_one_block():
    qs = cirq.LineQubit.range(2)
    ansatz = circuits.alternating_layered(2, 1, 2, qubits=qs)
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.Z(qs[0])), two_design_blocks=True)
    s = model.trainable_symbols[0]
    exact = two_design_gradient_variance(ansatz, model.observable, None, s, qubits=qs).values[0]
    lb = THEOREM.instantiate(Context(model=model, parameter=s)).value("variance").value
    assert exact == pytest.approx(8 / 75, rel=1e-12)
    assert lb == pytest.approx(exact, rel=1e-12)


def test_refusals():
    qs = cirq.LineQubit.range(4)
    hea = circuits.Model(ansatz=circuits.hardware_efficient(4, 2), observable=circuits.local_cost(qs))
    inst = THEOREM.instantiate(Context(model=hea, parameter=hea.trainable_symbols[0]))
    assert not inst.values and "block tags" in inst.refused[0].reason
    ala = circuits.Model(ansatz=circuits.alternating_layered(4, 2, 2, qubits=qs), observable=circuits.local_cost(qs))
    inst = THEOREM.instantiate(Context(model=ala, parameter=ala.trainable_symbols[0]))
    assert not inst.values and "2-design" in inst.refused[0].reason
