"""Data re-uploading models (issue 15, item 3) against two-copy brute force.

The reference averages ``U_a(θ) ⊗ U_b(θ)`` gate by gate on the two-copy density matrix
``ρ_0 ⊗ ρ_0`` (dense matrices, each trainable angle averaged exactly on a ``3``-point grid,
the differentiated one with the parameter-shift rule inside the average), where copy ``a``
carries the data gates of point ``x_i`` and copy ``b`` those of ``x_j``: this gives
``E[∂ℓ_i ∂ℓ_j]`` with no Pauli propagation at all.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc.bounds.exact.reuploading import data_register_circuit, exact_reuploading_gradient_variance

TOL = 1e-10


def reuploading_model(n: int, reps: int = 3):
    """``reps`` x (RX(x_j) data layer, RY/RZ trainable per qubit, CZ ring)."""
    q = cirq.LineQubit.range(n)
    ops, k = [], 0
    for _ in range(reps):
        ops += [cirq.rx(sympy.Symbol(f"x_{j}")).on(q[j]) for j in range(n)]
        for j in range(n):
            ops += [cirq.ry(sympy.Symbol(f"t_{k}")).on(q[j]), cirq.rz(sympy.Symbol(f"t_{k + 1}")).on(q[j])]
            k += 2
        if n > 1:
            ops += [cirq.CZ(q[j], q[(j + 1) % n]) for j in range(n if n > 2 else 1)]
    return cirq.Circuit(ops), q


def _full(op, qs):
    return cirq.Circuit(op).unitary(qubit_order=qs)


def brute_cross(circuit, obs, qs, xa, xb, param) -> float:
    """``E_θ[∂ℓ(x_a) ∂ℓ(x_b)]`` by two-copy gate-wise averaging (dense, n <= 3)."""
    d = 2 ** len(qs)
    rho = np.zeros((d, d), dtype=complex)
    rho[0, 0] = 1.0
    x = np.kron(rho, rho)
    res_a = {sympy.Symbol(f"x_{j}"): v for j, v in enumerate(xa)}
    res_b = {sympy.Symbol(f"x_{j}"): v for j, v in enumerate(xb)}

    def conj(x, ua, ub):
        u = np.kron(ua, ub)
        return u @ x @ u.conj().T

    for op in circuit.all_operations():
        syms = cirq.parameter_symbols(op)
        if not syms:
            u = _full(op, qs)
            x = conj(x, u, u)
        elif all(s.name.startswith("x_") for s in syms):
            x = conj(x, _full(cirq.resolve_parameters(op, res_a), qs), _full(cirq.resolve_parameters(op, res_b), qs))
        else:
            (s,) = syms
            acc = np.zeros_like(x)
            for v in 0.1 + 2 * np.pi * np.arange(3) / 3:
                if s.name == param:
                    up = _full(cirq.resolve_parameters(op, {s: v + np.pi / 2}), qs)
                    um = _full(cirq.resolve_parameters(op, {s: v - np.pi / 2}), qs)
                    for ua, sa in ((up, 1), (um, -1)):
                        for ub, sb in ((up, 1), (um, -1)):
                            acc += sa * sb * conj(x, ua, ub) / 4.0
                else:
                    u = _full(cirq.resolve_parameters(op, {s: v}), qs)
                    acc += conj(x, u, u)
            x = acc / 3
    om = obs.matrix(qs)
    return float(np.real(np.trace(np.kron(om, om) @ x)))


@pytest.mark.parametrize("n", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_per_datapoint_variances_16_points(n):
    """The issue's model (3 x RX data + RY/RZ + CZ ring) with 16 data points equals brute force."""
    rng = np.random.default_rng(n)
    circ, qs = reuploading_model(n)
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[0])] + ([0.5 * cirq.X(qs[0]) * cirq.X(qs[1])] if n > 1 else []))
    data = rng.uniform(0, 2 * np.pi, (16, n))
    params = ["t_0", f"t_{2 * n + 1}", f"t_{6 * n - 2}"]
    res = exact_reuploading_gradient_variance(circ, obs, data, params, linear_loss=False)
    assert res.method == "exact"
    want = np.array([[brute_cross(circ, obs, qs, x, x, p) for x in data] for p in params])
    np.testing.assert_allclose(res.per_state, want, atol=TOL)
    assert np.all(np.isnan(res.values))


@pytest.mark.parametrize("seed", [0, 1, pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)])
def test_linear_loss_with_data_register(seed):
    """Var[∂L] = Σ u_i u_j E[∂ℓ_i ∂ℓ_j] (cross terms from brute force), via the data register."""
    rng = np.random.default_rng(10 + seed)
    n = 2
    circ, qs = reuploading_model(n, reps=2)
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[0]), 0.3 * cirq.Y(qs[1])])
    n_points = 3 + seed  # 3, 4 (padded register and full register), 5, 6
    data = rng.uniform(0, 2 * np.pi, (n_points, n))
    u = rng.normal(size=n_points)
    params = ["t_0", "t_5"]
    res = exact_reuploading_gradient_variance(circ, obs, data, params, weights=u)
    assert res.method == "exact"
    for k, p in enumerate(params):
        cross = np.array([[brute_cross(circ, obs, qs, a, b, p) for b in data] for a in data])
        assert abs(res.values[k] - u @ cross @ u) < TOL
        np.testing.assert_allclose(res.per_state[k], np.diag(cross), atol=TOL)


def test_register_circuit_reproduces_the_weighted_loss():
    """At fixed θ the register circuit's output is Σ u_i ℓ_i(θ) (state vectors, no averaging)."""
    rng = np.random.default_rng(5)
    circ, qs = reuploading_model(2, reps=2)
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[0]) * cirq.X(qs[1])])
    data = rng.uniform(0, 2 * np.pi, (5, 2))
    u = rng.normal(size=5)
    dsyms = [sympy.Symbol("x_0"), sympy.Symbol("x_1")]
    rc, ro, reg = data_register_circuit(circ, obs, data, u, dsyms)
    theta = {s: float(rng.uniform(0, 6)) for s in cirq.parameter_symbols(circ) if s.name.startswith("t_")}
    allq = list(qs) + list(reg)
    init = cirq.Circuit(cirq.H.on_each(*reg))
    psi = cirq.final_state_vector(init + cirq.resolve_parameters(rc, theta), qubit_order=allq, dtype=np.complex128)
    got = ro.expectation_from_state_vector(psi, {q: i for i, q in enumerate(allq)}).real
    want = 0.0
    for x, w in zip(data, u):
        r = {**theta, **{s: float(v) for s, v in zip(dsyms, x)}}
        ps = cirq.final_state_vector(cirq.resolve_parameters(circ, r), qubit_order=qs, dtype=np.complex128)
        want += w * obs.expectation_from_state_vector(ps, {q: i for i, q in enumerate(qs)}).real
    assert abs(got - want) < TOL


def test_bad_inputs():
    circ, qs = reuploading_model(2, reps=1)
    with pytest.raises(ValueError, match="data must be"):
        exact_reuploading_gradient_variance(circ, "Z0", np.zeros((0, 2)))
    with pytest.raises(ValueError, match="weights"):
        exact_reuploading_gradient_variance(circ, "Z0", np.zeros((2, 2)), weights=[1.0])
    with pytest.raises(ValueError, match="not a symbol|matches no symbol"):
        exact_reuploading_gradient_variance(circ, "Z0", np.zeros((2, 2)), "x_0")


def test_model_entry_point_refuses_reuploading_models():
    """exact_model_gradient_variance must not treat the re-uploaded x_j as trainable parameters."""
    from bpcalc import circuits
    from bpcalc.bounds.bound import AssumptionFailed
    from bpcalc.bounds.exact import exact_model_gradient_variance

    circ, qs = reuploading_model(2, reps=2)
    model = circuits.Model(ansatz=circ, observable=cirq.Z(qs[0]), reuploading=True,
                           dataset=circuits.Dataset(x=np.zeros((2, 2)), y=np.ones(2), name="zeros"))
    assert [s.name for s in model.data_symbols] == ["x_0", "x_1"]
    assert all(s.name.startswith("t_") for s in model.trainable_symbols)
    with pytest.raises(AssumptionFailed, match="exact_reuploading_gradient_variance"):
        exact_model_gradient_variance(model)
