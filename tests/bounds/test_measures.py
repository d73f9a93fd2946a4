"""Dataset expressibility and structural measures."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds.measures import (
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


@pytest.mark.parametrize("subsystem", [(0,), (2, 4), (0, 1, 2), (1, 2, 3, 5), (0, 1, 2, 3, 4), (0, 1, 2, 3, 4, 5)])
def test_overlap_matrix_matches_explicit_reduced_states(subsystem):
    """Both routes (reduced states, or the complement's Gram matrix) against Tr[ρ_i ρ_j] by hand."""
    from bpcalc.bounds.measures import overlap_matrix, reduced_density_matrices

    rng = np.random.default_rng(len(subsystem))
    psi = rng.normal(size=(5, 64)) + 1j * rng.normal(size=(5, 64))
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    rho = reduced_density_matrices(psi, subsystem)
    explicit = np.array([[np.trace(a @ b).real for b in rho] for a in rho])
    assert np.allclose(overlap_matrix(psi, subsystem), explicit, atol=1e-12)


def test_dataset_expressibility_deltas_match_explicit_mixtures():
    from bpcalc.bounds.measures import dataset_expressibility, reduced_density_matrices

    rng = np.random.default_rng(3)
    psi = rng.normal(size=(7, 32)) + 1j * rng.normal(size=(7, 32))
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    y = rng.normal(size=7)
    for sub in [(1,), (0, 3), (0, 1, 2, 3, 4)]:
        (res,) = dataset_expressibility(psi, [sub], labels_y=y)
        rho = reduced_density_matrices(psi, sub)
        d = 2 ** len(sub)
        mix = rho.mean(axis=0)
        lab = np.tensordot(y, rho, axes=1) / 7
        assert res.mean_state_delta == pytest.approx(np.trace(mix @ mix).real - np.trace(mix).real ** 2 / d, abs=1e-12)
        assert res.label_weighted_delta == pytest.approx(np.trace(lab @ lab).real - np.trace(lab).real ** 2 / d,
                                                         abs=1e-12)
        assert np.allclose(res.purity, [np.trace(r @ r).real for r in rho], atol=1e-12)
