"""Pauli-path engine against brute-force parameter averaging (exact to 1e-9)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from exact_brute import grid_moments, random_state, two_copy_moments

TOL = 1e-9


def random_circuit(n: int, n_params: int, rng: np.random.Generator, fixed_non_clifford: bool = True):
    """A random circuit mixing every supported gate kind, ``n_params`` independent symbols."""
    qs = cirq.LineQubit.range(n)
    syms = iter(sympy.symbols(f"p0:{n_params}"))
    left = n_params
    ops = []
    cliff1 = [cirq.H, cirq.S, cirq.X, cirq.rx(np.pi / 2)]
    cliff2 = [cirq.CZ, cirq.CNOT, cirq.SWAP, cirq.ISWAP]
    while left:
        kind = rng.integers(0, 9)
        a, b = (int(v) for v in rng.choice(n, 2, replace=False))
        if kind == 0:
            s = next(syms)
            ops.append([cirq.rx, cirq.ry, cirq.rz][rng.integers(3)](s).on(qs[a]))
        elif kind == 1:
            s = next(syms)
            ops.append((cirq.X ** s).on(qs[a]))
        elif kind == 2:
            s = next(syms)
            ops.append(cirq.ZZ(qs[a], qs[b]) ** s)
        elif kind == 3:
            s = next(syms)
            ps = cirq.PauliString({qs[a]: cirq.Y, qs[b]: cirq.X}, coefficient=-1)
            ops.append(cirq.PauliStringPhasor(ps, exponent_neg=s))
        elif kind == 4:
            s = next(syms)
            ops.append(cirq.ry(2 * s + 0.3).on(qs[a]))
        elif kind in (5, 6):
            ops.append(cliff2[rng.integers(4)](qs[a], qs[b]))
            continue
        elif kind == 7:
            ops.append(cliff1[rng.integers(4)].on(qs[a]))
            continue
        else:
            if fixed_non_clifford:
                choice = rng.integers(3)
                if choice == 0:
                    ops.append(cirq.T(qs[a]))
                elif choice == 1:
                    ops.append(cirq.rx(0.37).on(qs[a]))
                else:
                    ops.append(cirq.ZZ(qs[a], qs[b]) ** 0.21)
            continue
        left -= 1
    return cirq.Circuit(ops), qs


def random_observable(qs, rng, terms=3):
    letters = [cirq.X, cirq.Y, cirq.Z]
    out = []
    for _ in range(terms):
        k = rng.integers(1, 3)
        support = rng.choice(len(qs), k, replace=False)
        out.append(cirq.PauliString({qs[j]: letters[rng.integers(3)] for j in support}, coefficient=rng.normal()))
    return cirq.PauliSum.from_pauli_strings(out)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, pytest.param(4, marks=pytest.mark.slow), pytest.param(5, marks=pytest.mark.slow)])
def test_random_circuits_match_grid_average(seed):
    rng = np.random.default_rng(seed)
    n = 3 + seed % 2
    circ, qs = random_circuit(n, 6, rng)
    obs = random_observable(qs, rng)
    psis = np.stack([random_state(n, rng) for _ in range(2)])
    symbols = E.circuit_symbols(circ)
    grads, second, mean = grid_moments(circ, obs, qs, psis, symbols)
    res = E.exact_gradient_variance(circ, obs, psis, "all", covariance=True, qubits=qs)
    assert res.method == "exact"
    np.testing.assert_allclose(res.covariance, grads, atol=TOL)
    u = np.full(2, 0.5)
    np.testing.assert_allclose(res.values, np.einsum("i,kij,j->k", u, grads, u), atol=TOL)
    loss = E.exact_loss_variance(circ, obs, psis, qubits=qs)
    assert loss.method == "exact"
    np.testing.assert_allclose(loss.per_state_mean, mean, atol=TOL)
    np.testing.assert_allclose(loss.per_state, np.diag(second) - mean**2, atol=TOL)
    assert abs(loss.value - (u @ second @ u - (u @ mean) ** 2)) < TOL


def test_fixed_non_clifford_rotations_branch_exactly():
    rng = np.random.default_rng(11)
    qs = cirq.LineQubit.range(3)
    a, b, c = sympy.symbols("a b c")
    circ = cirq.Circuit(
        cirq.ry(a).on(qs[0]), cirq.T(qs[1]), cirq.CNOT(qs[0], qs[1]), cirq.rx(0.37).on(qs[2]),
        cirq.ZZ(qs[1], qs[2]) ** 0.21, cirq.rz(b).on(qs[1]), cirq.H(qs[2]), cirq.XX(qs[0], qs[2]) ** c,
        cirq.PhasedXPowGate(phase_exponent=0.5, exponent=0.3).on(qs[0]),
    )
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[0]) * cirq.X(qs[1]), 0.5 * cirq.Y(qs[2])])
    psi = random_state(3, rng)
    grads, second, mean = grid_moments(circ, obs, qs, psi[None], [a, b, c])
    res = E.exact_gradient_variance(circ, obs, psi, "all")
    np.testing.assert_allclose(res.values, grads[:, 0, 0], atol=TOL)
    loss = E.exact_loss_variance(circ, obs, psi)
    assert abs(loss.value - (second[0, 0] - mean[0] ** 2)) < TOL


def test_hea_n6_product_input_matches_grid():
    n = 6
    circ = circuits.hardware_efficient(n, 1, rotations=("ry",), entangler="cz")
    rng = np.random.default_rng(5)
    bloch = rng.normal(size=(n, 3))
    bloch /= np.linalg.norm(bloch, axis=1, keepdims=True)
    qs = cirq.LineQubit.range(n)
    states = E.ProductStates(qubits=qs, bloch=bloch)
    psi = np.ones(1, dtype=complex)
    for r in bloch:
        theta, phi = np.arccos(r[2]), np.arctan2(r[1], r[0])
        psi = np.kron(psi, np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)]))
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[2]) * cirq.X(qs[3]), 0.3 * cirq.Y(qs[0])])
    symbols = E.circuit_symbols(circ)
    grads, second, mean = grid_moments(circ, obs, qs, psi[None], symbols)
    res = E.exact_gradient_variance(circ, obs, states, "all")
    np.testing.assert_allclose(res.values, grads[:, 0, 0], atol=TOL)
    res_vec = E.exact_gradient_variance(circ, obs, psi, "all")
    np.testing.assert_allclose(res_vec.values, grads[:, 0, 0], atol=TOL)
    loss = E.exact_loss_variance(circ, obs, states)
    assert abs(loss.value - (second[0, 0] - mean[0] ** 2)) < TOL


def test_deeper_hea_matches_two_copy_averaging():
    n = 3
    circ = circuits.hardware_efficient(n, 4, entangler="cnot", topology="ring")
    qs = cirq.LineQubit.range(n)
    psi = random_state(n, np.random.default_rng(8))
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[1]), 0.5 * cirq.X(qs[0]) * cirq.X(qs[2])])
    res = E.exact_gradient_variance(circ, obs, psi, ["theta_0_0_0", "theta_1_2_0", "theta_3_1_1"])
    for s, v in zip(res.parameters, res.values):
        assert abs(v - two_copy_moments(circ, obs, qs, psi, s)) < TOL
    loss = E.exact_loss_variance(circ, obs, psi)
    assert abs(loss.second_moment - two_copy_moments(circ, obs, qs, psi, None)) < TOL


@pytest.mark.slow
def test_hea_n4_three_layers_matches_two_copy_averaging():
    n = 4
    circ = circuits.hardware_efficient(n, 3)
    qs = cirq.LineQubit.range(n)
    psi = np.zeros(2**n)
    psi[0] = 1.0
    res = E.exact_gradient_variance(circ, "Z1", None, "all")
    for s, v in zip(res.parameters, res.values):
        assert abs(v - two_copy_moments(circ, "Z1", qs, psi, s)) < TOL


def test_mixed_product_input():
    # A mixed product state is a convex combination of pure product states: check linearity
    # of E[(∂ℓ)²] in ρ⊗ρ through two pure states with equal weights (dephased |+⟩ = mix of |+⟩,|−⟩).
    n = 3
    qs = cirq.LineQubit.range(n)
    circ = circuits.hardware_efficient(n, 2)
    mixed = E.ProductStates(qubits=qs, bloch=np.array([[0.0, 0, 0], [0.6, 0, 0], [0, 0, 1.0]]))
    res = E.exact_gradient_variance(circ, "Z0*Z1", mixed, "all")
    # ρ⊗ρ for ρ = Σ p_a ρ_a: E_θ[(∂ Tr[ρ O_θ])²] = Σ_ab p_a p_b E[∂ℓ_a ∂ℓ_b]
    comps = []
    for s0 in (1, -1):
        for s1 in (1, -1):
            comps.append(((0.5) * (0.8 if s1 == 1 else 0.2), [[s0, 0, 0], [s1, 0, 0], [0, 0, 1.0]]))
    bl = np.array([c[1] for c in comps], dtype=float)
    p = np.array([c[0] for c in comps])
    pure = E.ProductStates(qubits=qs, bloch=bl)
    cov = E.exact_gradient_variance(circ, "Z0*Z1", pure, "all", covariance=True).covariance
    np.testing.assert_allclose(res.values, np.einsum("a,kab,b->k", p, cov, p), atol=TOL)


def test_exponent_symbol_conventions():
    qs = cirq.LineQubit.range(2)
    s, t = sympy.symbols("s t")
    circ = cirq.Circuit((cirq.X ** s).on(qs[0]), cirq.CNOT(*qs), (cirq.Y ** t).on(qs[1]))
    psi = random_state(2, np.random.default_rng(0))
    for conv in ("angle", "symbol"):
        grads, _, _ = grid_moments(circ, "Z1", qs, psi[None], [s, t], convention=conv)
        res = E.exact_gradient_variance(circ, "Z1", psi, "all", exponent_symbols=conv)
        np.testing.assert_allclose(res.values, grads[:, 0, 0], atol=TOL)
    same = E.exact_gradient_variance(
        cirq.Circuit(cirq.rx(s).on(qs[0]), cirq.CNOT(*qs), cirq.ry(t).on(qs[1])), "Z1", psi, "all"
    )
    np.testing.assert_allclose(same.values, E.exact_gradient_variance(circ, "Z1", psi, "all").values, atol=TOL)
    with pytest.raises(ValueError, match="exponent"):
        E.exact_gradient_variance(circ, "Z1", psi, "all", exponent_symbols="refuse")


def test_parameters_outside_light_cone_are_exact_zeros():
    circ = circuits.hardware_efficient(10, 2)
    res = E.exact_gradient_variance(circ, "Z0", None, "all")
    assert res.method == "exact"
    assert np.all(res.values[~res.in_light_cone] == 0)
    assert 0 < res.in_light_cone.sum() < len(res.parameters)
    # the commutation-aware cone of circuits is tighter: parameters outside it vanish too
    cone = circuits.backward_light_cone(circ, cirq.Z(cirq.LineQubit(0)))
    inside = {s for _, op in cone.operations for s in cirq.parameter_symbols(op)}
    for sym, v in zip(res.parameters, res.values):
        if sym not in inside:
            assert abs(v) < 1e-15
        else:
            assert v > 0


def test_truncation_error_bound_holds():
    circ = circuits.hardware_efficient(8, 4)
    exact = E.exact_gradient_variance(circ, "Z4", None, "theta_0_*", max_terms=2**20, method="exact")
    trunc = E.exact_gradient_variance(circ, "Z4", None, "theta_0_*", max_terms=300, method="truncate")
    assert trunc.method == "truncated"
    assert np.all(np.abs(trunc.values - exact.values) <= trunc.error_bound + 1e-12)
    assert np.any(trunc.error_bound > 0)
    loss_t = E.exact_loss_variance(circ, "Z4", max_terms=300, method="truncate")
    loss_e = E.exact_loss_variance(circ, "Z4", method="exact", max_terms=2**20)
    assert abs(loss_t.value - loss_e.value) <= loss_t.error_bound + 1e-12


def test_path_sampling_confidence_intervals_cover_exact():
    circ = circuits.hardware_efficient(8, 3)
    exact = E.exact_gradient_variance(circ, "Z3", None, "all", method="exact", max_terms=2**20)
    samp = E.exact_gradient_variance(circ, "Z3", None, "all", method="sample", n_samples=2**15, rng=7, confidence=0.99)
    assert samp.method == "path-sampled" and samp.ci_method == "clopper-pearson"
    inside = (exact.values >= samp.ci_low - 1e-12) & (exact.values <= samp.ci_high + 1e-12)
    assert inside[exact.in_light_cone].mean() >= 0.95
    assert np.all(samp.values[~samp.in_light_cone] == 0)


def test_pair_sampling_with_signed_weights():
    rng = np.random.default_rng(3)
    circ, qs = random_circuit(4, 6, rng)
    obs = random_observable(qs, rng)
    psi = random_state(4, rng)
    exact = E.exact_gradient_variance(circ, obs, psi, "all", qubits=qs)
    samp = E.exact_gradient_variance(circ, obs, psi, "all", method="sample", n_samples=2**16, rng=1, qubits=qs)
    assert samp.ci_method == "empirical-bernstein"
    z = (samp.values - exact.values) / np.maximum((samp.ci_high - samp.ci_low) / 3.92, 1e-12)
    assert np.all(np.abs(z) < 4)
    lsamp = E.exact_loss_variance(circ, obs, psi, method="sample", n_samples=2**16, rng=2, qubits=qs)
    lex = E.exact_loss_variance(circ, obs, psi, qubits=qs)
    assert lsamp.ci_low - 1e-3 <= lex.value <= lsamp.ci_high + 1e-3


def test_auto_switches_to_sampling_for_wide_cones():
    circ = circuits.hardware_efficient(60, 6)
    res = E.exact_gradient_variance(circ, "Z30", None, "theta_5_30_0", n_samples=2**12, method="sample")
    assert res.method == "path-sampled"
    assert res.ci_low[0] <= res.values[0] <= res.ci_high[0]
    # auto: enumeration would exceed its budget, so the exact tensor network runs (issue 16)
    auto = E.exact_gradient_variance(circ, "Z30", None, "theta_5_30_0", n_samples=2**12)
    assert auto.method == "tn" and auto.details["auto_choice"]
    assert res.ci_low[0] <= auto.values[0] <= res.ci_high[0]


def test_model_with_product_embedding_matches_state_vectors():
    n = 4
    model = circuits.Model(
        embedding=circuits.tensor_product_embedding(n),
        ansatz=circuits.tensor_product(n, block_size=2, block_depth=1),
        observable=circuits.local_cost(cirq.LineQubit.range(n)),
        dataset=circuits.uniform_random(n_features=n, n_samples=3, seed=0),
    )
    prod = E.exact_model_gradient_variance(model, "all", covariance=True)
    vecs = E.dataset_states(model, product=False)
    ref = E.exact_gradient_variance(model.ansatz, model.observable, vecs, "all", covariance=True)
    assert isinstance(E.dataset_states(model), E.ProductStates)
    np.testing.assert_allclose(prod.covariance, ref.covariance, atol=TOL)
    np.testing.assert_allclose(prod.values, ref.values, atol=TOL)


# ---------------------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------------------


def test_refuses_shared_symbols():
    q = cirq.LineQubit.range(2)
    a = sympy.Symbol("a")
    circ = cirq.Circuit(cirq.rx(a).on(q[0]), cirq.CZ(*q), cirq.ry(a).on(q[0]))
    with pytest.raises(ValueError, match="non-commuting rotations"):
        E.exact_gradient_variance(circ, "Z0")


def test_refuses_non_integer_frequency():
    q = cirq.LineQubit(0)
    a = sympy.Symbol("a")
    with pytest.raises(ValueError, match="frequency"):
        E.exact_gradient_variance(cirq.Circuit(cirq.rx(0.5 * a).on(q)), "Z0")


def test_refuses_symbols_in_non_rotation_gates():
    q = cirq.LineQubit.range(2)
    a = sympy.Symbol("a")
    circ = cirq.Circuit(cirq.H(q[0]), cirq.PhasedFSimGate(theta=0.3, zeta=a).on(*q))
    with pytest.raises(ValueError, match="not a product of Pauli rotations"):
        E.exact_gradient_variance(circ, "Z1")


def test_refuses_non_clifford_fixed_gates():
    # (CCZ and other constant gates on <= 3 qubits are now decomposed into fixed rotations)
    q = cirq.LineQubit.range(5)
    big = cirq.MatrixGate(cirq.testing.random_unitary(32, random_state=1)).on(*q)
    circ = cirq.Circuit(cirq.H.on_each(*q), big, cirq.rx(sympy.Symbol("a")).on(q[0]))
    with pytest.raises(ValueError, match="more than 4 qubits|neither Clifford nor"):
        E.exact_gradient_variance(circ, "Z0")


def test_exact_method_reports_budget():
    circ = circuits.hardware_efficient(8, 4)
    with pytest.raises(ValueError, match="max_terms"):
        E.exact_gradient_variance(circ, "Z4", None, "all", method="exact", max_terms=50)


@pytest.mark.parametrize(
    "kwargs, err",
    [
        (dict(parameters="nope"), ValueError),
        (dict(parameters=3.5), TypeError),
        (dict(method="magic"), ValueError),
        (dict(n_samples=1), ValueError),
        (dict(confidence=1.5), ValueError),
        (dict(state=np.ones(3)), ValueError),
        (dict(state=object()), TypeError),
        (dict(state=np.ones((2, 16)) / 4, weights=[1.0]), ValueError),
        (dict(exponent_symbols="degrees"), ValueError),
    ],
)
def test_bad_arguments(kwargs, err):
    circ = circuits.hardware_efficient(4, 1)
    with pytest.raises(err):
        E.exact_gradient_variance(circ, "Z0", **kwargs)


def test_bad_product_state():
    qs = cirq.LineQubit.range(2)
    with pytest.raises(ValueError, match="length"):
        E.ProductStates(qubits=qs, bloch=np.array([[0, 0, 1.5], [0, 0, 1]]))
    with pytest.raises(ValueError, match="letter"):
        E.product_state("0x", qs)


def test_sampled_zero_has_positive_upper_limit():
    """No surviving path must not read as a certain zero: the interval is [0, CP upper > 0]."""
    from bpcalc import circuits
    from bpcalc.bounds.exact import exact_gradient_variance

    c = circuits.hardware_efficient(60, 12)
    r = exact_gradient_variance(
        c, cirq.Z(cirq.LineQubit(30)), parameters=["theta_0_30_0"], method="sample", n_samples=16, rng=1
    )
    assert r.values[0] == 0.0
    assert r.ci_low[0] == 0.0
    # Clopper–Pearson with 0 successes out of 16 at 95%: 1 - 0.025**(1/16) (per-sample bound 1)
    assert np.isclose(r.ci_high[0], 1 - 0.025 ** (1 / 16), rtol=1e-6)


def test_sampled_zero_is_flagged_below_resolution_not_a_proved_zero():
    """Issue 13 item 1: a path-sampled value with no surviving path is an upper limit."""
    c = circuits.hardware_efficient(60, 12)
    qs = cirq.LineQubit.range(60)
    r = E.exact_gradient_variance(
        c, cirq.Z(qs[30]), parameters=["theta_0_30_0", "theta_11_0_0"], method="sample", n_samples=16, rng=1
    )
    # theta_0_30_0 is in the cone but no sampled path reached it; theta_11_0_0 (last layer,
    # qubit 0) is outside the backward light cone of Z30: a proved zero
    assert list(r.in_light_cone) == [True, False]
    assert list(r.below_resolution) == [True, False]
    assert list(r.proven_zero) == [False, True]
    assert np.isclose(r.upper_limit[0], r.ci_high[0]) and np.isnan(r.upper_limit[1])
    d = r.to_dict()
    assert d["below_resolution"] == [True, False]
    assert d["upper_limit"][0] == pytest.approx(r.ci_high[0]) and d["upper_limit"][1] is None
    assert d["proven_zero"] == [False, True]


def test_exact_zero_is_proved_zero_and_not_below_resolution():
    circ = circuits.hardware_efficient(4, 2)
    r = E.exact_gradient_variance(circ, "Z0", parameters="all", method="exact")
    assert r.below_resolution is None
    assert np.all(r.proven_zero == (r.values == 0))
