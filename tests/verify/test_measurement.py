"""Finite-shot estimation through any cirq.Sampler (verify.measurement)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc.verify.measurement import (
    basis_change,
    estimate_expectation,
    group_qubitwise_commuting,
    measurement_circuit,
    sampled_parameter_shift_gradient,
    shifted_circuit,
)

A, B = sympy.symbols("a b")
Q = [cirq.GridQubit(0, 0), cirq.GridQubit(0, 1), cirq.GridQubit(1, 0)]


def _circuit() -> cirq.Circuit:
    q0, q1, q2 = Q
    return cirq.Circuit(
        [
            cirq.ry(A).on(q0),
            (cirq.X ** (B / np.pi)).on(q1),
            cirq.H(q2),
            cirq.CZ(q0, q1),
            cirq.rz(2 * A + 0.3).on(q1),
            cirq.CNOT(q1, q2),
            cirq.rx(B).on(q2),
        ]
    )


def _observable() -> cirq.PauliSum:
    q0, q1, q2 = Q
    return 0.7 * cirq.X(q0) * cirq.Z(q1) + 0.3 * cirq.Y(q1) - 0.5 * cirq.Z(q0) + 0.4 * cirq.Y(q2) * cirq.X(q0) + 0.25


def _exact(circuit, obs, values) -> float:
    sim = cirq.Simulator(dtype=np.complex128)
    return float(sim.simulate_expectation_values(circuit, [obs], values)[0].real)


def test_groups_are_qubitwise_commuting_and_cover_every_term():
    obs = _observable()
    constant, groups = group_qubitwise_commuting(obs)
    assert constant == pytest.approx(0.25)
    covered = []
    for g in groups:
        basis = dict(g.basis)
        for coeff, qubits in g.terms:
            covered.append((round(coeff, 12), tuple(sorted(qubits))))
        assert len(basis) == len(g.qubits)
    expected = sorted((round(ps.coefficient.real, 12), tuple(sorted(ps.qubits))) for ps in obs if len(ps))
    assert sorted(covered) == expected
    # The rebuilt observable (from groups and bases) equals the original.
    rebuilt = cirq.PauliSum.from_pauli_strings([cirq.PauliString(constant)])
    for g in groups:
        basis = dict(g.basis)
        for coeff, qubits in g.terms:
            rebuilt += cirq.PauliString({q: basis[q] for q in qubits}, coefficient=coeff)
    assert rebuilt == obs


def test_complex_coefficient_is_rejected():
    with pytest.raises(ValueError, match="Hermitian"):
        group_qubitwise_commuting(1j * cirq.Z(Q[0]))
    with pytest.raises(TypeError):
        group_qubitwise_commuting(3)
    # strings go through the one Pauli-sum coercion (circuits.as_pauli_sum), like everywhere else
    assert group_qubitwise_commuting("Z0") == group_qubitwise_commuting(cirq.Z(cirq.LineQubit(0)))


@pytest.mark.parametrize("pauli", [cirq.X, cirq.Y, cirq.Z])
def test_basis_change_maps_z_to_pauli(pauli):
    q = Q[0]
    ops = basis_change(q, pauli)
    u = cirq.unitary(cirq.Circuit(ops)) if ops else np.eye(2)
    np.testing.assert_allclose(u.conj().T @ cirq.unitary(cirq.Z) @ u, cirq.unitary(pauli), atol=1e-12)


def test_measurement_circuit_refuses_measured_circuit():
    c = cirq.Circuit(cirq.measure(Q[0], key="m"))
    _, groups = group_qubitwise_commuting(cirq.Z(Q[0]) * 1.0)
    with pytest.raises(ValueError, match="measurements"):
        measurement_circuit(c, groups[0])


def test_estimate_expectation_matches_exact_within_shot_error():
    c, obs = _circuit(), _observable()
    params = [{"a": 0.3, "b": 1.1}, {"a": 2.0, "b": -0.7}, {"a": 5.1, "b": 3.3}]
    est = estimate_expectation(cirq.Simulator(seed=3), c, obs, params, shots=4000)
    exact = np.array([_exact(c, obs, p) for p in params])
    z = (est.values - exact) / np.sqrt(est.variances)
    assert np.all(np.abs(z) < 4.5), z
    assert est.n_groups == len(group_qubitwise_commuting(obs)[1])


def test_shot_variance_is_calibrated():
    """The reported shot variance matches the spread of repeated estimates."""
    c, obs = _circuit(), _observable()
    sampler = cirq.Simulator(seed=11)
    params = [{"a": 0.9, "b": 0.4}] * 200
    est = estimate_expectation(sampler, c, obs, params, shots=50)
    empirical = est.values.var(ddof=1)
    reported = est.variances.mean()
    # 200 draws: the ratio's relative error is about sqrt(2/199) ~ 0.1.
    assert 0.7 < empirical / reported < 1.4


def test_sampled_gradient_matches_finite_differences():
    c, obs = _circuit(), _observable()
    params = [{"a": 0.3, "b": 1.1}, {"a": 4.0, "b": 2.2}]
    est = sampled_parameter_shift_gradient(cirq.Simulator(seed=5), c, obs, params, shots=3000)
    assert est.symbols == (A, B)
    h = 1e-6
    for r, p in enumerate(params):
        for k, s in enumerate(("a", "b")):
            plus, minus = dict(p), dict(p)
            plus[s] += h
            minus[s] -= h
            exact = (_exact(c, obs, plus) - _exact(c, obs, minus)) / (2 * h)
            z = (est.values[r, k] - exact) / np.sqrt(est.shot_variances[r, k])
            assert abs(z) < 4.5, (r, s, est.values[r, k], exact)


def test_shifted_circuit_records_occurrences_and_coefficients():
    sc = shifted_circuit(_circuit())
    coeffs = {(str(s), round(c, 9)) for s, _, c in sc.occurrences}
    assert coeffs == {("a", 1.0), ("a", 2.0), ("b", 1.0)}
    assert len(sc.occurrences) == 4  # a twice, b twice (X**(b/pi) and rx(b))


def test_non_rotation_gate_is_refused():
    c = cirq.Circuit(cirq.FSimGate(A, 0.1).on(Q[0], Q[1]))
    with pytest.raises(ValueError, match="not a Pauli rotation"):
        sampled_parameter_shift_gradient(cirq.Simulator(), c, cirq.Z(Q[0]) * 1.0, [{"a": 0.1}], shots=10)


def test_bad_inputs():
    c, obs = _circuit(), _observable()
    with pytest.raises(ValueError, match="shots"):
        estimate_expectation(cirq.Simulator(), c, obs, [{"a": 0.1, "b": 0.2}], shots=1)
    with pytest.raises(TypeError, match="Sampler"):
        estimate_expectation(object(), c, obs, [{"a": 0.1, "b": 0.2}], shots=10)
    with pytest.raises(ValueError, match="does not bind"):
        sampled_parameter_shift_gradient(cirq.Simulator(), c, obs, [{"a": 0.1}], shots=10)
    with pytest.raises(ValueError, match="do not occur"):
        sampled_parameter_shift_gradient(cirq.Simulator(), c, obs, [{"a": 0.1, "b": 0.1}], shots=10, symbols=["zz"])


def test_works_with_a_validating_virtual_engine_sampler():
    import cirq_google  # a required dependency
    engine = cirq_google.engine.create_noiseless_virtual_engine_from_latest_templates()
    sampler = engine.get_sampler("rainbow")
    q0, q1 = cirq.GridQubit(5, 3), cirq.GridQubit(5, 4)
    c = cirq.Circuit([cirq.ry(A).on(q0), (cirq.X ** (B / np.pi)).on(q1), cirq.CZ(q0, q1)])
    obs = cirq.X(q0) * cirq.Z(q1) + 0.5 * cirq.Y(q1)
    p = {"a": 0.8, "b": 0.4}
    est = sampled_parameter_shift_gradient(sampler, c, obs, [p], shots=2000)
    h = 1e-6
    exact = (_exact(c, obs, {"a": 0.8 + h, "b": 0.4}) - _exact(c, obs, {"a": 0.8 - h, "b": 0.4})) / (2 * h)
    assert abs(est.values[0, 0] - exact) < 5 * np.sqrt(est.shot_variances[0, 0])
