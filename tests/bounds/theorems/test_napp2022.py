"""Random-walk lower bound (Napp 2022, derived) against the exact 2-design chain."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.exact import two_design_gradient_variance
from bpcalc.bounds.theorems import _checks, napp2022

THEOREM = get_theorem("napp2022.random_walk_lower")


def _random_pauli_sum(qs, n_terms: int, max_weight: int, seed: int) -> cirq.PauliSum:
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(n_terms):
        w = int(rng.integers(1, max_weight + 1))
        start = int(rng.integers(0, len(qs) - w + 1))
        ps = cirq.PauliString({qs[start + j]: [cirq.X, cirq.Y, cirq.Z][rng.integers(3)] for j in range(w)})
        terms.append(float(rng.normal()) * ps)
    return cirq.PauliSum.from_pauli_strings(terms)


def _compare(n, layers, obs, qs):
    ansatz = circuits.alternating_layered(n, layers, 2, qubits=qs)
    model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
    exact = two_design_gradient_variance(ansatz, obs, None, "all", qubits=qs)
    pairs = []
    for s in model.trainable_symbols:
        inst = THEOREM.instantiate(Context(model=model, parameter=s))
        assert not inst.refused, inst.refused
        pairs.append((inst.value("variance").value, exact[s]))
    return model, pairs


@pytest.mark.parametrize("n,layers,seed", [(4, 2, 1), (6, 3, 3), (8, 4, 4),
                                           pytest.param(10, 6, 5, marks=pytest.mark.slow)])
def test_lower_bound_against_two_design_chain(n, layers, seed):
    qs = cirq.LineQubit.range(n)
    _, pairs = _compare(n, layers, _random_pauli_sum(qs, 4, 2, seed), qs)
    informative = 0
    for lb, ex in pairs:
        assert lb <= ex * (1 + 1e-9) + 1e-15, (lb, ex)
        informative += lb > 0
    assert informative > 0


def test_exact_for_one_layer():
    qs = cirq.LineQubit.range(4)
    obs = cirq.PauliSum.from_pauli_strings([0.7 * cirq.Z(qs[0]), -1.3 * cirq.X(qs[2]) * cirq.Y(qs[3])])
    _, pairs = _compare(4, 1, obs, qs)
    for lb, ex in pairs:
        assert lb == pytest.approx(ex, rel=1e-12)


def _weights(n, layers, term_qubit, p_m=None, end=None):
    """W for every parameter block with the given step/end factors (mutations patch the module's constants)."""
    qs = cirq.LineQubit.range(n)
    ansatz = circuits.alternating_layered(n, layers, 2, qubits=qs)
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.Z(qs[term_qubit])), two_design_blocks=True)
    exact = two_design_gradient_variance(ansatz, model.observable, None, "all", qubits=qs)
    blocks = _checks.tensor_product_blocks(model)
    out = []
    for s in model.trainable_symbols:
        b = _checks.block_of_parameter(model, s)
        out.append((mutated_weight(blocks, b, [qs[term_qubit]], p_m, end), exact[s]))
    return out


def mutated_weight(blocks, b, qubits, p_m, end):
    """walk_weight with the step factor and the end factor z_m replaced (None: registered)."""
    kw = {}
    if p_m is not None:
        kw["step"] = p_m
    if end is not None:
        kw["end_block"] = end
    return napp2022.walk_weight(blocks, b, qubits, **kw)


def test_mutations_fail():
    # measured bound/exact ratios: 0.63-0.77 (n = 4, 2 layers), 0.39-0.55 (n = 6, 3 layers)
    for n, layers, j in ((4, 2, 1), (6, 3, 2)):
        for lb, ex in _weights(n, layers, j):
            assert lb <= ex * (1 + 1e-9)
    # a larger step probability (4/15 instead of 3/15) exceeds the exact chain (ratio 1.026)
    assert any(lb > ex * (1 + 1e-6) for lb, ex in _weights(4, 2, 1, p_m=4 / 15))
    # a larger end factor (1/3 instead of z_2 = 1/5) too (ratio 1.28)
    assert any(lb > ex * (1 + 1e-6) for lb, ex in _weights(4, 2, 1, end=1 / 3))


def test_depth_corollary_independent_of_n():
    # brickwork, Z on a middle qubit, θ_k's block on the first layer under it: W >= (8/75) 5^{-(D-1)} for every n
    for depth in (2, 3, 4):
        values = []
        for n in (8, 12, 16):
            qs = cirq.LineQubit.range(n)
            ansatz = circuits.alternating_layered(n, depth, 2, qubits=qs)
            model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.Z(qs[n // 2])),
                                   two_design_blocks=True)
            s = next(s for s in model.trainable_symbols
                     if _checks.block_of_parameter(model, s).layer == 0 and qs[n // 2] in
                     _checks.block_of_parameter(model, s).qubits)
            lb = THEOREM.instantiate(Context(model=model, parameter=s)).value("variance").value
            assert lb >= 8 / 75 * 5.0 ** -(depth - 1) * (1 - 1e-12)
            values.append(lb)
        assert max(values) == pytest.approx(min(values), rel=1e-12)  # the walk never sees the far qubits
