"""Dataset expressibility and structural measures."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

import circuits
from bounds.measures import (
    data_states,
    frame_potential,
    haar_frame_potential,
    kl_expressibility,
    measures,
    parameter_structure,
    purities,
    reduced_density_matrices,
)


def _tpa_model(n=4, embedding="hee", layers=2, samples=12, **kw):
    ansatz = circuits.tensor_product(n, 2)
    return circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                          embedding=circuits.make_embedding(embedding, n, layers),
                          dataset=circuits.load_dataset("digits", n, n_samples=samples), **kw)


def test_reduced_density_matrices_match_cirq():
    rng = np.random.default_rng(0)
    psi = rng.normal(size=(3, 16)) + 1j * rng.normal(size=(3, 16))
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    for keep in [(0,), (1, 3), (2, 0)]:
        ours = reduced_density_matrices(psi, keep)
        for k in range(3):
            ref = cirq.density_matrix_from_state_vector(psi[k], list(keep))
            np.testing.assert_allclose(ours[k], ref, atol=1e-12)
        np.testing.assert_allclose(purities(psi, keep), np.real(np.einsum("nab,nba->n", ours, ours)), atol=1e-12)


def test_frame_potential_of_all_stabilizer_states_is_haar(tools):
    states = tools.stabilizer_states(2)
    n_states = len(states)
    fp = frame_potential(states)
    with_diagonal = fp.value * (n_states - 1) / n_states + 1 / n_states  # a 3-design: E over independent pairs
    assert with_diagonal == pytest.approx(haar_frame_potential(4), rel=1e-10)
    assert fp.ci_low <= fp.value <= fp.ci_high


def test_kl_expressibility_separates_haar_from_product_states():
    rng = np.random.default_rng(1)
    g = rng.normal(size=(300, 8)) + 1j * rng.normal(size=(300, 8))
    haar = g / np.linalg.norm(g, axis=1, keepdims=True)
    kl_haar = kl_expressibility(haar, bins=20, rng=np.random.default_rng(2), n_boot=50)
    const = np.tile(haar[:1], (300, 1)) + 1e-3 * haar
    const /= np.linalg.norm(const, axis=1, keepdims=True)
    kl_const = kl_expressibility(const, bins=20, rng=np.random.default_rng(2), n_boot=50)
    assert kl_haar.value < 0.1 < kl_const.value
    assert kl_haar.ci_low <= kl_haar.ci_high < kl_const.ci_low <= kl_const.ci_high


def test_measures_of_tensor_product_model():
    model = _tpa_model()
    m = measures(model, rng=np.random.default_rng(0))
    p = m.parameter("theta_0_b0_4")
    assert p.input_support == (0, 1) and p.block == (0, 0) and p.in_cone and p.width == 2
    sub = m.for_parameter("theta_0_b0_4")
    states = data_states(model)
    rho = reduced_density_matrices(states, (0, 1))
    expected = np.real(np.einsum("nab,nba->n", rho, rho)) - 0.25
    np.testing.assert_allclose(sub.d_hs, expected, atol=1e-12)
    assert sub.d_hs_min <= sub.d_hs_mean <= sub.d_hs_max
    assert sub.d_hs_ci.ci_low <= sub.d_hs_mean <= sub.d_hs_ci.ci_high
    y = np.asarray(model.dataset.y, float)
    rbar = np.tensordot(y, rho, axes=1) / len(y)
    assert sub.label_weighted_delta == pytest.approx(np.real(np.trace(rbar @ rbar)) - np.real(np.trace(rbar)) ** 2 / 4)
    assert m.ensemble is not None and m.ensemble.frame_potential.value >= 0
    d = m.to_dict()
    assert d["subsystems"][0]["haar"] == pytest.approx((4 - 0.25) / 17)


def test_structure_without_data_and_light_cones_of_hea():
    ansatz = circuits.hardware_efficient(5, 1)
    model = circuits.Model(ansatz=ansatz, observable=circuits.parse_pauli_sum("Z2", qubits=sorted(ansatz.all_qubits())))
    m = measures(model)
    assert m.subsystems == () and any("no dataset" in note for note in m.notes)
    widths = {p.symbol: p.width for p in parameter_structure(model)}
    assert max(widths.values()) <= 3


def test_bad_input():
    n = 21
    ansatz = circuits.tensor_product(n, 1, 1)
    big = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                         embedding=circuits.make_embedding("tpe", n), dataset=circuits.uniform_random(3, n))
    with pytest.raises(ValueError, match="exceeds the limit 20"):
        data_states(big)
    assert any("state-based measures not computed" in note for note in measures(big).notes)
    with pytest.raises(TypeError):
        measures("not a model")
    with pytest.raises(ValueError, match="non-finite"):
        purities(np.array([[np.nan, 0, 0, 1]]), (0,))
    with pytest.raises(ValueError, match="power of two"):
        purities(np.ones((2, 3)), (0,))
    with pytest.raises(ValueError, match="subsystem"):
        reduced_density_matrices(np.eye(4)[:1], (0, 0))
    with pytest.raises(ValueError, match="at least 3"):
        frame_potential(np.eye(4)[:2])
