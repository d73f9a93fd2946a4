"""Strings users type: product states with |−i⟩, Pauli sums with a dangling '*' or an overflowing
coefficient, and an alternating layered ansatz whose shifted layers would be empty (issue 13)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds.exact import exact_gradient_variance, parse_product_state, product_state


def test_alternating_layered_block_equal_to_n_with_two_layers_is_a_clear_error():
    with pytest.raises(ValueError, match=r"block_size 4 = n .*shifted"):
        circuits.alternating_layered(4, 2, 4)
    assert len(cirq.parameter_symbols(circuits.alternating_layered(4, 1, 4))) == 8   # one layer is fine
    assert len(circuits.alternating_layered(8, 3, 4)) > 0                           # m <= n/2 is fine


@pytest.mark.parametrize("spec, n, labels", [
    ("+-i", 3, ("+", "-", "+i")),           # compact: one letter per qubit
    ("+,-,-i", 3, ("+", "-", "-i")),         # separated: |−i⟩ unambiguous
    ("+ - -i", 3, ("+", "-", "-i")),
    ("0, 1, i, j", 4, ("0", "1", "+i", "-i")),
    ("0-i", 2, ("0", "-i")),                 # old strings keep working when the length says so
    ("0j+", 3, ("0", "-i", "+")),
])
def test_product_state_grammar(spec, n, labels):
    assert parse_product_state(spec, n) == labels


@pytest.mark.parametrize("spec, n, match", [
    ("-i-i", 3, "4 letters for 3 qubits"),   # 'j-' + 'i' or '-' + 'ij'? refused, not guessed
    ("+-i", 4, "3 letters for 4 qubits"),
    ("0x", 2, r"\['x'\]"),
    ("0,+,k", 3, r"\['k'\]"),
    ("0,+", 3, "2 tokens for 3 qubits"),
])
def test_product_state_grammar_refusals(spec, n, match):
    with pytest.raises(ValueError, match=match):
        parse_product_state(spec, n)


def test_minus_i_state_agrees_with_cirq_product_state():
    """'+,-,-i' gives the same exact variance as the same state spelled as a cirq.ProductState
    (whose Bloch vectors come from projectors, not from the string grammar)."""
    q = cirq.LineQubit.range(3)
    circuit = circuits.hardware_efficient(3, 1, rotations=("rx", "rz"))
    observable = cirq.PauliSum.wrap(cirq.Y(q[2]) * cirq.Z(q[1]))
    spelled = cirq.KET_PLUS(q[0]) * cirq.KET_MINUS(q[1]) * cirq.KET_MINUS_IMAG(q[2])
    b_string = product_state("+,-,-i", q).bloch
    b_cirq = product_state(spelled, q).bloch
    np.testing.assert_allclose(b_string, b_cirq, atol=1e-12)
    assert b_string[..., 2, 1].item() == -1.0
    v1 = exact_gradient_variance(circuit, observable, "+,-,-i", method="exact").values
    v2 = exact_gradient_variance(circuit, observable, spelled, method="exact").values
    np.testing.assert_allclose(v1, v2, atol=1e-12)
    assert np.any(v1 > 1e-3)   # a non-trivial comparison


@pytest.mark.parametrize("text, match", [("Z0*", "ends with"), ("0.5*Z0*", "ends with"), ("1e400*Z0", "finite"),
                                         ("Z0 + 2*", "ends with")])
def test_pauli_sum_refusals(text, match):
    with pytest.raises(ValueError, match=match):
        circuits.parse_pauli_sum(text)


def test_pauli_sum_still_parses_the_usual_forms():
    ps = circuits.parse_pauli_sum("0.5*Z0*Z1 - X2 + 1e-3 * Y3")
    q = cirq.LineQubit.range(4)
    assert ps == 0.5 * cirq.Z(q[0]) * cirq.Z(q[1]) - cirq.X(q[2]) + 1e-3 * cirq.Y(q[3])
