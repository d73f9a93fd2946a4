"""Embedded data states without state vectors (issue 15, item 2).

References: Cirq state vectors of ``U(x_i)|ψ_0⟩`` (``complex128``) and exact trigonometric
grids of the full model (``exact_brute.grid_moments``), both independent of the Pauli-path
propagation under test; and the state-vector data route of the engine itself.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.bound import AssumptionFailed
from bpcalc.bounds.exact.embedded import EmbeddedStates, embedded_states
from bpcalc.bounds.exact.paulis import pack_pauli_strings
from exact_brute import grid_moments
from test_exact_pauli_paths import random_circuit, random_observable

TOL = 1e-10
DEFAULT_SEEDS = list(range(24))
SLOW_SEEDS = [pytest.param(s, marks=pytest.mark.slow) for s in range(24, 224)]


def random_embedding(n: int, n_features: int, rng: np.random.Generator, n_gates: int = 10) -> cirq.Circuit:
    """Random data gates (any angle function of the data), Cliffords and constant non-Clifford rotations."""
    qs = cirq.LineQubit.range(n)
    xs = sympy.symbols(f"x_0:{n_features}")
    ops = [cirq.ry(x).on(qs[int(rng.integers(n))]) for x in xs]  # every feature is used
    for _ in range(n_gates):
        kind = int(rng.integers(0, 8))
        a, b = (int(v) for v in rng.choice(n, 2, replace=False))
        x, y = xs[int(rng.integers(n_features))], xs[int(rng.integers(n_features))]
        if kind == 0:
            ops.append([cirq.rx, cirq.ry, cirq.rz][int(rng.integers(3))](x).on(qs[a]))
        elif kind == 1:
            ops.append(cirq.ry(2 * x + 0.3).on(qs[a]))
        elif kind == 2:
            ops.append(cirq.rz(x * y).on(qs[a]))  # CHE-style product of features
        elif kind == 3:
            ops.append(cirq.ZZ(qs[a], qs[b]) ** (x / np.pi))
        elif kind == 4:
            ps = cirq.PauliString({qs[a]: cirq.Y, qs[b]: cirq.X}, coefficient=-1)
            ops.append(cirq.PauliStringPhasor(ps, exponent_neg=x))
        elif kind == 5:
            ops.append([cirq.CNOT, cirq.CZ, cirq.SWAP][int(rng.integers(3))](qs[a], qs[b]))
        elif kind == 6:
            ops.append([cirq.H, cirq.S][int(rng.integers(2))].on(qs[a]))
        else:
            ops.append([cirq.T(qs[a]), cirq.rx(0.37).on(qs[a])][int(rng.integers(2))])
    return cirq.Circuit(ops)


def sv_states(emb, data, qs, psi0=None):
    out = []
    for x in data:
        c = cirq.resolve_parameters(emb, {sympy.Symbol(f"x_{j}"): float(v) for j, v in enumerate(x)})
        init = 0 if psi0 is None else psi0
        out.append(cirq.final_state_vector(c, qubit_order=qs, initial_state=init, dtype=np.complex128))
    return np.stack(out)


def random_strings(qs, rng, count=40):
    letters = [cirq.X, cirq.Y, cirq.Z]
    strings = [cirq.PauliString({q: letters[int(rng.integers(3))] for q in qs if rng.random() < 0.6})
               for _ in range(count)]
    return pack_pauli_strings(strings, {q: i for i, q in enumerate(qs)}, len(qs)), strings


@pytest.mark.parametrize("seed", DEFAULT_SEEDS[:12] + SLOW_SEEDS[:100])
def test_expectations_match_cirq_state_vectors(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    qs = cirq.LineQubit.range(n)
    emb = random_embedding(n, 3, rng)
    data = rng.uniform(-np.pi, np.pi, (4, 3))
    st = embedded_states(emb, data, qs)
    psis = sv_states(emb, data, qs)
    table, strings = random_strings(qs, rng)
    got, err = st.expectations_with_error(table.x, table.z, list(range(n)))
    qmap = {q: i for i, q in enumerate(qs)}
    want = np.array([[ps.expectation_from_state_vector(psi, qmap).real for ps in strings] for psi in psis])
    np.testing.assert_allclose(got, want, atol=TOL)
    assert not np.any(err)


@pytest.mark.parametrize("seed", DEFAULT_SEEDS + SLOW_SEEDS)
def test_data_route_matches_state_vector_route(seed):
    """Per-datapoint variances, linear-loss variance and cross terms: paths == state vectors (1e-10)."""
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(2, 5))
    emb = random_embedding(n, 2, rng, n_gates=8)
    ans, qs = random_circuit(n, int(rng.integers(2, 5)), rng)
    emb = cirq.Circuit(op.transform_qubits(dict(zip(cirq.LineQubit.range(n), qs))) for op in emb.all_operations())
    obs = random_observable(qs, rng)
    data = rng.uniform(0, np.pi, (5, 2))
    y = rng.choice([-1.0, 1.0], 5)
    model = circuits.Model(ansatz=ans, observable=obs, embedding=emb,
                           dataset=circuits.Dataset(x=data, y=y, name="random"))
    u = y / len(y)
    a = E.exact_model_gradient_variance(model, "all", weights=u, covariance=True, data_route="paths", method="exact")
    b = E.exact_model_gradient_variance(model, "all", weights=u, covariance=True, data_route="state_vector",
                                        method="exact")
    assert a.method == b.method == "exact"
    np.testing.assert_allclose(a.values, b.values, atol=TOL)
    np.testing.assert_allclose(a.per_state, b.per_state, atol=TOL)
    np.testing.assert_allclose(a.covariance, b.covariance, atol=TOL)
    assert float(np.max(a.error_bound)) < 1e-12  # only the engine's 1e-15 rounding cut-off


@pytest.mark.parametrize("seed", range(6))
def test_data_route_matches_brute_force_grid(seed):
    """Independent reference: exact parameter grid on Cirq's embedded state vectors."""
    rng = np.random.default_rng(2000 + seed)
    n = 3
    emb = random_embedding(n, 2, rng, n_gates=9)
    ans, qs = random_circuit(n, 3, rng)
    obs = random_observable(qs, rng)
    data = rng.uniform(0, np.pi, (3, 2))
    model = circuits.Model(ansatz=ans, observable=obs, embedding=emb)
    psis = sv_states(emb, data, list(qs))
    symbols = E.circuit_symbols(ans)
    grads, _, _ = grid_moments(ans, obs, list(qs), psis, symbols)
    res = E.exact_model_gradient_variance(model, "all", data=data, covariance=True, data_route="paths",
                                          method="exact")
    np.testing.assert_allclose(res.covariance, grads, atol=TOL)
    np.testing.assert_allclose(res.per_state, np.einsum("kii->ki", grads), atol=TOL)
    u = np.full(3, 1 / 3)
    np.testing.assert_allclose(res.values, np.einsum("i,kij,j->k", u, grads, u), atol=TOL)


@pytest.mark.parametrize("initial", ["+-0", "1i+", "j0-"])
def test_initial_product_state(initial):
    rng = np.random.default_rng(7)
    n = 3
    emb = random_embedding(n, 2, rng)
    ans, qs = random_circuit(n, 3, rng)
    obs = random_observable(qs, rng)
    data = rng.uniform(0, np.pi, (2, 2))
    model = circuits.Model(ansatz=ans, observable=obs, embedding=emb)
    labels = E.parse_product_state(initial, n)
    one = {"0": cirq.KET_ZERO, "1": cirq.KET_ONE, "+": cirq.KET_PLUS, "-": cirq.KET_MINUS, "+i": cirq.KET_IMAG,
           "-i": cirq.KET_MINUS_IMAG}
    psi0 = cirq.ProductState({q: one[lab] for q, lab in zip(qs, labels)}).state_vector()
    psis = sv_states(emb, data, list(qs), psi0=psi0)
    grads, _, _ = grid_moments(ans, obs, list(qs), psis, E.circuit_symbols(ans))
    res = E.exact_model_gradient_variance(model, "all", data=data, covariance=True, initial_state=initial,
                                          method="exact")
    np.testing.assert_allclose(res.covariance, grads, atol=TOL)


@pytest.mark.parametrize("seed", range(8))
def test_truncation_bounds_hold(seed):
    """tol / max_terms drop strings; the reported bounds cover the difference to the exact values."""
    rng = np.random.default_rng(3000 + seed)
    n = 4
    emb = circuits.hardware_efficient_embedding(n, 3)
    emb = cirq.Circuit(list(emb.all_operations()) + [cirq.rx(0.4).on(q) for q in cirq.LineQubit.range(n)])
    ans, qs = random_circuit(n, 3, rng)
    obs = random_observable(qs, rng)
    data = rng.uniform(0, np.pi, (4, n))
    exact_st = embedded_states(emb, data, qs)
    table, _ = random_strings(qs, rng, 30)
    want = exact_st.expectations(table.x, table.z, list(range(n)))
    kw = {"tol": 0.3} if seed % 2 else {"max_terms": 6}
    trunc = embedded_states(emb, data, qs, **kw)
    got, err = trunc.expectations_with_error(table.x, table.z, list(range(n)))
    assert np.all(np.abs(got - want) <= err + 1e-12)
    assert np.any(err > 0)
    # through the engine: values move by at most the reported error bound, method says so
    res_exact = E.exact_gradient_variance(ans, obs, exact_st, "all", covariance=False, qubits=qs, method="exact")
    res = E.exact_gradient_variance(ans, obs, trunc, "all", qubits=qs, method="exact")
    if np.any(res.error_bound > 0):
        assert res.method == "truncated"
    assert np.all(np.abs(res.values - res_exact.values) <= res.error_bound + 1e-12)
    ps_err = res.details.get("per_state_error_bound", np.zeros_like(res.per_state))
    assert np.all(np.abs(res.per_state - res_exact.per_state) <= ps_err + 1e-12)
    loss_exact = E.exact_loss_variance(ans, obs, exact_st, qubits=qs, method="exact")
    loss = E.exact_loss_variance(ans, obs, trunc, qubits=qs, method="exact")
    assert abs(loss.value - loss_exact.value) <= loss.error_bound + 1e-12


def test_no_state_vector_at_100_qubits(monkeypatch):
    """HEE (2 layers, CNOT ring) + tensor-product ansatz at n = 100: exact, no state vector built."""
    import bpcalc.bounds.exact.states as states_mod

    def refuse(*args, **kwargs):
        raise AssertionError("a state vector was built")

    monkeypatch.setattr(states_mod.StateVectors, "__post_init__", refuse)
    monkeypatch.setattr(circuits.Model, "data_state", refuse)
    n = 100
    qs = cirq.LineQubit.range(n)
    emb = circuits.hardware_efficient_embedding(n, 2)
    model = circuits.Model(ansatz=circuits.tensor_product(n, 2), observable=circuits.local_cost(qs), embedding=emb)
    data = np.random.default_rng(0).uniform(0, np.pi, (3, n))
    res = E.exact_model_gradient_variance(model, "first", data=data,
                                          method="exact")
    assert res.method == "exact" and res.per_state.shape == (1, 3)
    assert np.all(res.per_state > 0)


def test_bad_inputs_are_refused():
    qs = cirq.LineQubit.range(2)
    x = sympy.Symbol("x_0")
    with pytest.raises(AssumptionFailed, match="not a Pauli rotation"):
        embedded_states(cirq.Circuit(cirq.PhasedXZGate(x_exponent=x, z_exponent=0.1, axis_phase_exponent=0.2)
                                     .on(qs[0])), [[0.1]], qs)
    emb = cirq.Circuit(cirq.rx(x).on(qs[0]), cirq.CNOT(*qs))
    with pytest.raises(ValueError, match="tol"):
        embedded_states(emb, [[0.1]], qs, tol=-1)
    with pytest.raises(ValueError, match="max_terms"):
        embedded_states(emb, [[0.1]], qs, max_terms=0)
    with pytest.raises(ValueError, match="data must be"):
        embedded_states(emb, np.zeros((0, 1)), qs)
    with pytest.raises(ValueError, match="one product state"):
        embedded_states(emb, [[0.1]], qs, initial=np.ones((2, 4)) / 2)
    with pytest.raises(AssumptionFailed, match="not data symbols"):
        embedded_states(cirq.Circuit(cirq.rx(sympy.Symbol("theta")).on(qs[0])), [[0.1]], qs)
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(sympy.Symbol("t")).on(qs[1])), observable=cirq.Z(qs[1]),
                           embedding=emb)
    with pytest.raises(ValueError, match="data_route"):
        E.exact_model_gradient_variance(model, data=[[0.1]], data_route="magic")
    assert isinstance(embedded_states(emb, [[0.1]], qs), EmbeddedStates)
