"""A model whose embedding has no data symbols (a fixed state preparation) is analysed, not refused."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import bounds, circuits
from bpcalc.bounds.exact import exact_gradient_variance, exact_model_gradient_variance


def _models():
    ans = circuits.hardware_efficient(3, 2)
    qs = sorted(ans.all_qubits())
    prep = cirq.Circuit(cirq.H.on_each(qs), cirq.CZ(qs[0], qs[1]), cirq.ry(0.7).on(qs[2]))
    obs = circuits.parse_pauli_sum("Z0 + 0.5*X1*X2", qubits=qs)
    return circuits.Model(embedding=prep, ansatz=ans, observable=obs), prep, ans, obs, qs


def test_fixed_embedding_equals_the_prepared_input_state():
    model, prep, ans, obs, qs = _models()
    got = exact_model_gradient_variance(model, "all")
    psi = cirq.final_state_vector(prep, qubit_order=qs, dtype=np.complex128)
    ref = exact_gradient_variance(ans, obs, psi[None, :], "all", qubits=tuple(qs))
    np.testing.assert_allclose(got.values, ref.values, atol=1e-12)
    assert max(ref.values) > 0.01


def test_analyze_reports_exact_values_for_a_fixed_embedding():
    model, prep, ans, obs, qs = _models()
    a = bounds.analyze(model)
    psi = cirq.final_state_vector(prep, qubit_order=qs, dtype=np.complex128)
    ref = exact_gradient_variance(ans, obs, psi[None, :], "all", qubits=tuple(qs))
    for p, v in zip(ref.parameters, ref.values):
        assert a.parameter(p.name).exact.value == pytest.approx(v, abs=1e-12)


def test_data_symbols_without_a_dataset_are_still_refused():
    ans = circuits.hardware_efficient(2, 1)
    qs = sorted(ans.all_qubits())
    emb = circuits.EMBEDDINGS["tpe"](2)
    model = circuits.Model(embedding=emb, ansatz=ans, observable=circuits.parse_pauli_sum("Z0", qubits=qs))
    with pytest.raises(ValueError, match="data symbols"):
        exact_model_gradient_variance(model, "all")
