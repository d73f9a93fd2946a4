"""Noisy circuits (issue 15, item 4): Heisenberg-picture channels against density-matrix grids.

References are density-matrix simulations (Kraus operators from ``cirq.kraus``, Schrödinger
picture) averaged over exact trigonometric grids (``exact_brute.grid_moments_density``).
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import exact as E
from exact_brute import grid_moments_density, random_state
from test_exact_pauli_paths import random_circuit, random_observable

TOL = 1e-10


def random_channel(rng: np.random.Generator) -> cirq.Gate:
    kind = int(rng.integers(7))
    p = float(rng.uniform(0.02, 0.3))
    if kind == 0:
        return cirq.depolarize(p)
    if kind == 1:
        px, py, pz = (float(v) for v in rng.uniform(0, 0.1, 3))
        return cirq.asymmetric_depolarize(px, py, pz)
    if kind == 2:
        return cirq.bit_flip(p)
    if kind == 3:
        return cirq.phase_flip(p)
    if kind == 4:
        return cirq.phase_damp(p)
    if kind == 5:
        return cirq.amplitude_damp(p)
    return cirq.generalized_amplitude_damp(float(rng.uniform(0, 1)), p)


def noisy_instance(seed: int):
    rng = np.random.default_rng(seed)
    n = 2 + seed % 3
    circ, qs = random_circuit(n, 3, rng)
    ops = list(circ.all_operations())
    for _ in range(int(rng.integers(1, 5))):
        pos = int(rng.integers(0, len(ops) + 1))
        ops.insert(pos, random_channel(rng).on(qs[int(rng.integers(n))]))
    noisy = cirq.Circuit(ops)
    obs = random_observable(qs, rng, terms=int(rng.integers(1, 4)))
    psi = random_state(n, rng)
    return noisy, qs, obs, np.outer(psi, psi.conj()), psi


def _check(seed: int) -> None:
    circ, qs, obs, rho, psi = noisy_instance(seed)
    symbols = E.circuit_symbols(circ)
    grads, second, mean, dmeans = grid_moments_density(circ, obs, qs, rho, symbols)
    np.testing.assert_allclose(dmeans, 0, atol=TOL)  # E[∂ℓ] = 0 survives θ-independent noise
    res = E.exact_gradient_variance(circ, obs, psi, "all", method="exact", qubits=qs)
    np.testing.assert_allclose(res.values, grads, atol=TOL)
    loss = E.exact_loss_variance(circ, obs, psi, method="exact", qubits=qs)
    assert abs(loss.mean - mean) < TOL
    assert abs(loss.value - (second - mean**2)) < TOL


@pytest.mark.parametrize("seed", range(12))
def test_noisy_random_circuits_match_density_matrix_grids(seed):
    _check(seed)


@pytest.mark.slow
def test_noisy_random_circuits_match_density_matrix_grids_200():
    for seed in range(12, 212):
        _check(seed)


def test_noise_model_argument_matches_noisy_circuit_and_sampling_is_unbiased():
    n = 3
    circ = circuits.hardware_efficient(n, 2, rotations=("ry",))  # 6 symbols: a 3^6 grid
    qs = cirq.LineQubit.range(n)
    obs = cirq.Z(qs[0]) * cirq.Z(qs[1]) + 0.5 * cirq.X(qs[2])
    model = cirq.ConstantQubitNoiseModel(cirq.amplitude_damp(0.1))
    noisy = cirq.Circuit(circ).with_noise(model)
    rho = np.zeros((2**n, 2**n), dtype=complex)
    rho[0, 0] = 1
    grads, second, mean, _ = grid_moments_density(noisy, obs, qs, rho, E.circuit_symbols(noisy))
    res = E.exact_gradient_variance(circ, obs, None, "all", noise=model, qubits=qs)
    np.testing.assert_allclose(res.values, grads, atol=TOL)
    res2 = E.exact_gradient_variance(circ, obs, None, "all", noise=cirq.amplitude_damp(0.1), qubits=qs)
    np.testing.assert_allclose(res2.values, grads, atol=TOL)
    samp = E.exact_gradient_variance(circ, obs, None, "all", noise=model, qubits=qs, method="sample",
                                     n_samples=2**15, rng=3)
    assert np.all((grads >= samp.ci_low - 1e-12) & (grads <= samp.ci_high + 1e-12))
    with pytest.raises(TypeError, match="noise must be"):
        E.exact_gradient_variance(circ, obs, None, "all", noise="depolarize")
    # two-qubit channels are accepted now (after every two-qubit gate); four-qubit ones and unitaries are not
    with pytest.raises(ValueError, match="channel on 1..3 qubits"):
        E.exact_gradient_variance(circ, obs, None, "all", noise=cirq.depolarize(0.1, n_qubits=4))
    with pytest.raises(ValueError, match="channel on 1..3 qubits"):
        E.exact_gradient_variance(circ, obs, None, "all", noise=cirq.H)


def test_amplitude_damping_keeps_local_variance_while_depolarizing_vanishes_with_depth():
    """Mele et al. 2024 (arXiv:2403.13927): non-unital noise does not wash out the last layers."""
    n = 4
    qs = cirq.LineQubit.range(n)
    obs = circuits.local_cost(qs)
    ad, dep = [], []
    depths = (2, 4, 8, 16)
    for layers in depths:
        circ = circuits.hardware_efficient(n, layers)
        last = f"theta_{layers - 1}_*"
        ad.append(E.exact_gradient_variance(circ, obs, None, last, noise=cirq.amplitude_damp(0.1),
                                            method="exact", max_terms=2**20).values.max())
        dep.append(E.exact_gradient_variance(circ, obs, None, last, noise=cirq.depolarize(0.1),
                                             method="exact", max_terms=2**20).values.max())
    ad, dep = np.array(ad), np.array(dep)
    # amplitude damping: bounded away from 0 at every depth (converges to a fixed point)
    assert ad.min() > 0.2 * ad[0] and abs(ad[-1] - ad[-2]) < 0.05 * ad[-2]
    # depolarizing: exponential decay in depth, each doubling multiplies it by < 0.5
    assert np.all(dep[1:] / dep[:-1] < 0.5) and dep[-1] < 1e-3 * dep[0]
