"""Pesah et al. 2021 (arXiv:2011.02966): QCNN lower bound against the exact 2-design chain."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.pesah2021 import truncated_path_sum
from bpcalc.circuits import block_structure

from two_design_reference import chain_variance, pauli_squares_by_support, pauli_terms_to_masks

THEOREM = get_theorem("pesah2021.qcnn_lower")


def qcnn_model(n: int, obs: str = "Z0") -> circuits.Model:
    c = circuits.qcnn(n)
    return circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum(obs, qubits=sorted(c.all_qubits())),
                          two_design_blocks=True)


def reference(model: circuits.Model, symbol, states: np.ndarray, squares=None) -> float:
    blocks = sorted(block_structure(model.ansatz), key=lambda b: min(b.moments))
    layers = [[tuple(q.x for q in b.qubits)] for b in blocks]
    where = next(i for i, b in enumerate(blocks) if symbol in b.symbols)
    n = model.n_qubits
    terms = []
    for t in model.observable:
        lab = "".join(str(t[q]) if q in t.qubits else "I" for q in model.qubits)
        terms.append((abs(complex(t.coefficient)), lab))
    squares = pauli_squares_by_support(states) if squares is None else squares
    return chain_variance(layers, (where, 0), pauli_terms_to_masks(terms), squares)


@pytest.mark.parametrize("n,obs", [(4, "Z0"), (4, "0.7*X0 - 0.2*Z0"), (8, "Z0")])
def test_lower_bound_below_exact_chain(n, obs):
    rng = np.random.default_rng(n)
    model = qcnn_model(n, obs)
    zero = np.zeros((1, 2**n), dtype=complex)
    zero[0, 0] = 1
    ent = rng.normal(size=(1, 2**n)) + 1j * rng.normal(size=(1, 2**n))
    ent /= np.linalg.norm(ent)
    squares = {"zero": pauli_squares_by_support(zero), "ent": pauli_squares_by_support(ent)}
    for s in model.trainable_symbols[:: (1 if n == 4 else 8)]:
        for name, states in (("zero", None), ("zero", zero), ("ent", ent)):
            extra = {} if states is None else {"states": states}
            inst = THEOREM.instantiate(Context(model=model, parameter=s, extra=extra))
            assert not inst.refused, inst.refused
            exact = reference(model, s, None, squares[name])
            assert 0 < inst.value("truncated_paths").value <= exact * (1 + 1e-9)


def test_full_support_recovers_the_exact_chain():
    model = qcnn_model(4, "Z0")
    psi = np.zeros((1, 16))
    psi[0, 0] = 1
    for s in model.trainable_symbols[::2]:
        assert 8 / 15 * truncated_path_sum(model, s, psi, max_support=4) == pytest.approx(reference(model, s, psi))


def test_polynomial_decay_with_n():
    """P_2 of the first convolution parameter: constant ratio per doubling of n (≈ n^-3.5)."""
    values = []
    for n in (8, 16, 32, 64):
        model = qcnn_model(n)
        values.append(truncated_path_sum(model, model.trainable_symbols[0], None))
    ratios = np.array(values[1:]) / np.array(values[:-1])
    assert np.all(ratios > 0.05)
    assert ratios.max() / ratios.min() < 1.05       # a power law, not exp(-c n)
    slope = np.polyfit(np.log([8, 16, 32, 64]), np.log(values), 1)[0]
    assert -4.0 < slope < -3.0


def test_refusals():
    model = qcnn_model(4)
    ala = circuits.alternating_layered(4, 2, 2)
    other = circuits.Model(ansatz=ala, observable=circuits.parse_pauli_sum("Z0", qubits=sorted(ala.all_qubits())),
                           two_design_blocks=True)
    inst = THEOREM.instantiate(Context(model=other, parameter=other.trainable_symbols[0]))
    assert not inst.values and "circuits.qcnn" in inst.refused[0].reason
    plain = circuits.Model(ansatz=model.ansatz, observable=model.observable)
    inst = THEOREM.instantiate(Context(model=plain, parameter=plain.trainable_symbols[0]))
    assert not inst.values and "2-design" in inst.refused[0].reason
    with pytest.raises(ValueError, match="max_support"):
        truncated_path_sum(model, model.trainable_symbols[0], None, max_support=0)
    with pytest.raises(ValueError, match="no tagged block"):
        truncated_path_sum(model, cirq.LineQubit(0), None)  # not a symbol of the circuit


def test_lower_bound_below_the_projects_two_design_engine():
    from bpcalc.bounds.exact.two_design import two_design_gradient_variance

    model = qcnn_model(8, "Z0")
    symbols = model.trainable_symbols[::6]
    engine = two_design_gradient_variance(model.ansatz, model.observable, None, parameters=symbols,
                                          qubits=model.qubits)
    for s, value in zip(engine.parameters, engine.values):
        bound = THEOREM.instantiate(Context(model=model, parameter=s)).value("truncated_paths").value
        assert 0 < bound <= value
