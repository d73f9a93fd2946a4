"""Soundness of the exact engine: ``bpcalc.bounds.exact`` (method='exact') against brute force.

Generated instances (hypothesis, derandomized): 2-5 qubits, 1-5 independent trainable
rotations of every supported kind (rx/ry/rz, X**s/Y**s/Z**s, XX/YY/ZZ**s) between Cliffords
and fixed non-Clifford gates (T, rx(0.37), ZZ**0.21), Pauli-sum observables, and |0…0⟩,
product, entangled (Haar) or dataset inputs.  The reference averages over an exact
trigonometric grid (see ``brute``); agreement is required to 1e-10 for every parameter,
every pair of input states (the covariance ``E[∂ℓ_i ∂ℓ_j]``) and the loss variance.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpcalc.bounds import exact as E

from brute import grid_moments, grid_values
from instances import gate_circuits, instances, pauli_sums

TOL = 1e-10
DEFAULT = settings(max_examples=100, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(DEFAULT, max_examples=1000)


def _check_engine_against_grid(inst):
    qs = list(inst.qubits)
    params = E.circuit_symbols(inst.circuit)
    grads, second, mean = grid_moments(inst.circuit, inst.observable, qs, inst.states, params)
    res = E.exact_gradient_variance(inst.circuit, inst.observable, inst.states, "all", method="exact",
                                    covariance=True, qubits=qs)
    assert res.method == "exact", inst.describe()
    assert [p.name for p in res.parameters] == [p.name for p in params]
    np.testing.assert_allclose(res.covariance, grads, atol=TOL, rtol=0, err_msg=inst.describe())
    u = np.full(inst.states.shape[0], 1.0 / inst.states.shape[0])
    np.testing.assert_allclose(res.values, np.einsum("i,kij,j->k", u, grads, u), atol=TOL, rtol=0,
                               err_msg=inst.describe())
    loss = E.exact_loss_variance(inst.circuit, inst.observable, inst.states, qubits=qs)
    assert loss.method == "exact"
    np.testing.assert_allclose(loss.per_state, np.diag(second) - mean**2, atol=TOL, rtol=0, err_msg=inst.describe())
    assert abs(loss.value - (u @ second @ u - (u @ mean) ** 2)) < TOL, inst.describe()


@DEFAULT
@given(instances())
def test_exact_engine_matches_grid_average(inst):
    _check_engine_against_grid(inst)


@pytest.mark.slow
@SLOW
@given(instances())
def test_exact_engine_matches_grid_average_many(inst):
    _check_engine_against_grid(inst)


@settings(DEFAULT, max_examples=25)
@given(st.integers(2, 3).flatmap(lambda n: st.tuples(st.just(n), gate_circuits(n, 3), pauli_sums(n))))
def test_grid_size_is_exact(case):
    """The derivation in ``brute``: 3 points per unit frequency average (∂ℓ)² exactly (G and
    G + 2 agree to round-off), and 5 points average the degree-4 products the MSE loss needs."""
    n, circuit, obs = case
    import cirq

    qs = cirq.LineQubit.range(n)
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    params = E.circuit_symbols(circuit)
    ell3, g3, _ = grid_values(circuit, obs, qs, psi, params, points_per_degree=1)
    ell5, g5, _ = grid_values(circuit, obs, qs, psi, params, points_per_degree=2, offset=0.577)
    np.testing.assert_allclose((g3**2).mean(-1), (g5**2).mean(-1), atol=1e-12)
    np.testing.assert_allclose((ell3**2).mean(-1), (ell5**2).mean(-1), atol=1e-12)
    ell7, g7, _ = grid_values(circuit, obs, qs, psi, params, points_per_degree=3, offset=0.91)
    np.testing.assert_allclose((ell5**2 * g5**2).mean(-1), (ell7**2 * g7**2).mean(-1), atol=1e-12)


def test_grid_of_two_points_is_not_exact():
    """The check above can fail: with 2 points per period the average of cos²(θ) is not 1/2."""
    import cirq

    q = cirq.LineQubit(0)
    s = sympy.Symbol("p0")
    circuit = cirq.Circuit(cirq.ry(s).on(q))
    ell, g, _ = grid_values(circuit, cirq.PauliSum.from_pauli_strings([cirq.Z(q)]), [q],
                            np.array([1, 0], dtype=complex), [s], points_per_degree=1, offset=0.0)
    assert (g**2).mean() == pytest.approx(0.5, abs=1e-12)  # 3 points: exact Var = 1/2
    two = np.cos(np.array([0.0, np.pi])) ** 2
    assert abs(two.mean() - 0.5) > 0.4
