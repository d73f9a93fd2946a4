"""Tensor-network engine against independent references.

* a dense ``4^n`` Markov-transfer reference built here from ``cirq.unitary`` only (Pauli
  transfer matrices, angle averages on exact trigonometric grids) — no code shared with
  ``bpcalc.bounds.exact``;
* the Pauli-pair enumeration engine (``method='exact'``) on random circuits with every gate
  kind, Pauli sums, product-state datasets and covariances;
* brute-force parameter averaging (``exact_brute``) for the global cost on ALA and HEA.
"""

from __future__ import annotations

import itertools
import math

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.exact.tensor_network import tn_gradient_variance
from bpcalc.bounds.memory import MemoryBudgetExceeded
from exact_brute import symbol_info, two_copy_moments
from test_exact_pauli_paths import random_circuit, random_observable

TOL = 1e-10
_P = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])]  # I X Y Z


def _pauli_basis(k: int) -> np.ndarray:
    out = []
    for letters in itertools.product(range(4), repeat=k):
        m = np.ones((1, 1))
        for a in letters:
            m = np.kron(m, _P[a])
        out.append(m)
    return np.array(out)


def _ptm(u: np.ndarray) -> np.ndarray:
    """``R[P, Q] = Tr[P U† Q U] / 2^k`` (Heisenberg action on Pauli strings, Cirq order)."""
    k = int(round(math.log2(u.shape[0])))
    basis = _pauli_basis(k)
    img = np.einsum("ij,qjk,kl->qil", u.conj().T, basis, u)
    return np.real(np.einsum("pji,qij->pq", basis, img)) / 2**k


def dense_markov_reference(circuit, pauli: cirq.PauliString, qubits, bloch: np.ndarray, param) -> float:
    """``E[(∂ℓ)²]`` for a single Pauli string by a dense ``4^n`` Markov chain (n <= 8).

    Transition probabilities ``E_θ[R_θ[P, Q]²]`` (and ``E[(∂R)²]`` for ``param``) are exact
    averages over ``4f + 1`` grid points; constant gates must be Clifford (``R²`` is then a
    permutation matrix).
    """
    n = len(qubits)
    index = {q: j for j, q in enumerate(qubits)}
    info = symbol_info(circuit)
    letter = {cirq.X: 1, cirq.Y: 2, cirq.Z: 3}
    p = np.zeros((4,) * n)
    p[tuple(letter[pauli.get(q)] if q in pauli else 0 for q in qubits)] = complex(pauli.coefficient).real ** 2
    ops = list(circuit.all_operations())
    for op in reversed(ops):
        syms = list(cirq.parameter_symbols(op))
        if syms:
            (s,) = syms
            d = info[s]
            g = 4 * abs(d["k"]) + 1
            grid = np.arange(g) * d["period"] / g + 0.37
            acc = 0
            for v in grid:
                if s == param:
                    rp = _ptm(cirq.unitary(cirq.resolve_parameters(op, {s: v + d["shift"]})))
                    rm = _ptm(cirq.unitary(cirq.resolve_parameters(op, {s: v - d["shift"]})))
                    acc = acc + (d["dfac"] * (rp - rm) / 2) ** 2
                else:
                    acc = acc + _ptm(cirq.unitary(cirq.resolve_parameters(op, {s: v}))) ** 2
            m = acc / g
        else:
            m = _ptm(cirq.unitary(op)) ** 2
        k = len(op.qubits)
        axes = [index[q] for q in op.qubits]
        # Heisenberg: the weight of string Q flows to P with probability m[P, Q]
        t = np.moveaxis(p, axes, list(range(k))).reshape(4**k, -1)
        p = np.moveaxis((m @ t).reshape((4,) * n), list(range(k)), axes)
    e = np.ones((n, 4))
    e[:, 1:] = bloch[:, [0, 1, 2]]
    val = p
    for j in range(n):
        val = np.tensordot(val, e[j] ** 2, axes=(0, 0))
    return float(val)


def _random_bloch(n, rng, k=1):
    b = rng.normal(size=(k, n, 3))
    b /= np.linalg.norm(b, axis=2, keepdims=True)
    return b * rng.uniform(0.3, 1.0, size=(k, n, 1))


def _clifford_rotation_circuit(n, n_params, rng):
    """Random circuit of rotations (several kinds) and Clifford gates, non-adjacent pairs too."""
    circ, qs = random_circuit(n, n_params, rng, fixed_non_clifford=False)
    return circ, qs


@pytest.mark.parametrize("seed", range(4))
def test_dense_markov_reference(seed):
    rng = np.random.default_rng(100 + seed)
    n = 3 + seed % 3
    circ, qs = _clifford_rotation_circuit(n, 5, rng)
    pauli = cirq.PauliString({qs[j]: [cirq.X, cirq.Y, cirq.Z][rng.integers(3)] for j in rng.choice(n, 2, replace=False)})
    bloch = _random_bloch(n, rng)
    st = E.ProductStates(qubits=tuple(qs), bloch=bloch)
    res = tn_gradient_variance(circ, pauli, st)
    assert res.method == "tn"
    for i, sym in enumerate(res.parameters):
        ref = dense_markov_reference(circ, pauli, qs, bloch[0], sym)
        assert abs(res.values[i] - ref) < TOL, (sym, res.values[i], ref)


def test_dense_markov_reference_hea_n8():
    c = circuits.hardware_efficient(8, 3)
    qs = sorted(c.all_qubits())
    bloch = np.zeros((8, 3))
    bloch[:, 2] = 1.0
    res = tn_gradient_variance(c, "Z3", parameters=["theta_0_3_0", "theta_1_2_1", "theta_2_5_0"])
    for i, sym in enumerate(res.parameters):
        ref = dense_markov_reference(c, cirq.Z(qs[3]), qs, bloch, sym)
        assert abs(res.values[i] - ref) < TOL


@pytest.mark.parametrize("seed", [pytest.param(s, marks=pytest.mark.slow) if s in (2,) or s >= 8 else s for s in range(16)])
def test_agrees_with_enumeration_on_random_circuits(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    circ, qs = random_circuit(n, 6, rng)
    obs = random_observable(qs, rng, terms=int(rng.integers(1, 4)))
    st = E.ProductStates(qubits=tuple(qs), bloch=_random_bloch(n, rng, 2))
    a = E.exact_gradient_variance(circ, obs, st, method="exact", covariance=True)
    b = E.exact_gradient_variance(circ, obs, st, method="tn", covariance=True, weights=[0.3, 0.7] if seed % 2 else None)
    if seed % 2:
        a = E.exact_gradient_variance(circ, obs, st, method="exact", covariance=True, weights=[0.3, 0.7])
    assert b.method == "tn"
    np.testing.assert_allclose(b.values, a.values, atol=TOL, rtol=0)
    np.testing.assert_allclose(b.per_state, a.per_state, atol=TOL, rtol=0)
    np.testing.assert_allclose(b.covariance, a.covariance, atol=TOL, rtol=0)
    assert np.all(b.error_bound < 1e-9)


@pytest.mark.parametrize("strategy", ["environment", "per-parameter"])
def test_strategies_agree_with_enumeration_hea(strategy):
    c = circuits.hardware_efficient(6, 3)
    a = E.exact_gradient_variance(c, "Z2 + 0.5*X3*X4", method="exact")
    b = tn_gradient_variance(c, "Z2 + 0.5*X3*X4", strategy=strategy)
    np.testing.assert_allclose(b.values, a.values, atol=TOL, rtol=0)
    assert b.details["strategy"] == strategy


@pytest.mark.parametrize("ansatz", ["hea", "ala"])
def test_global_cost_against_brute_force(ansatz):
    n = 4
    c = circuits.hardware_efficient(n, 2) if ansatz == "hea" else circuits.alternating_layered(n, 2, 2)
    qs = sorted(c.all_qubits())
    obs = circuits.global_cost(qs)
    syms = E.circuit_symbols(c)
    params = [syms[0], syms[len(syms) // 2], syms[-1]]
    res = tn_gradient_variance(c, obs, parameters=params)
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    ref = [two_copy_moments(c, obs, qs, psi, p) for p in params]
    np.testing.assert_allclose(res.values, ref, atol=TOL, rtol=0)
    assert res.details["local_dimension"] == 16


@pytest.mark.parametrize("ansatz", ["hea", "ala"])
def test_global_cost_n6_against_enumeration(ansatz):
    c = circuits.hardware_efficient(6, 2) if ansatz == "hea" else circuits.alternating_layered(6, 2, 2)
    obs = circuits.global_cost(sorted(c.all_qubits()))
    syms = E.circuit_symbols(c)
    params = [syms[0], syms[len(syms) // 2]]
    a = E.exact_gradient_variance(c, obs, parameters=params, method="exact", max_terms=2**22)
    b = tn_gradient_variance(c, obs, parameters=params)
    np.testing.assert_allclose(b.values, a.values, atol=TOL, rtol=0)
    assert np.all(b.values > 0)


def test_hea_12_12_exact_value():
    """The n = 12, L = 12 HEA that enumeration cannot finish (issue 16)."""
    r = E.exact_gradient_variance(circuits.hardware_efficient(12, 12), "Z0", parameters="theta_6_0_0")
    assert r.method == "tn"
    assert "auto_choice" in r.details
    assert abs(r.values[0] - 0.0354301) < 1e-6
    assert r.error_bound[0] < 1e-10


def test_truncation_reports_bound_that_holds():
    c = circuits.hardware_efficient(8, 6)
    exact = tn_gradient_variance(c, "Z0 + Z4", parameters="theta_2_*")
    cut = tn_gradient_variance(c, "Z0 + Z4", parameters="theta_2_*", max_bond=4)
    assert exact.method == "tn"
    assert cut.method == "tn-truncated"
    assert np.all(np.abs(cut.values - exact.values) <= cut.error_bound + 1e-12)
    assert np.any(cut.error_bound > 0)


def test_memory_budget_refuses_in_one_line():
    with pytest.raises(MemoryBudgetExceeded, match="memory budget"):
        tn_gradient_variance(circuits.hardware_efficient(8, 4), "Z0 + X3", memory_limit=2000)


def test_bad_input():
    c = circuits.hardware_efficient(3, 1)
    with pytest.raises(ValueError, match="max_bond"):
        tn_gradient_variance(c, "Z0", max_bond=0)
    with pytest.raises(ValueError, match="strategy"):
        tn_gradient_variance(c, "Z0", strategy="nosuch")
    with pytest.raises(ValueError, match="product input states"):
        tn_gradient_variance(c, "Z0", np.ones(8) / np.sqrt(8))


def test_parameters_outside_the_light_cone_are_zero():
    c = circuits.hardware_efficient(6, 1)
    r = tn_gradient_variance(c, "Z0")
    a = E.exact_gradient_variance(c, "Z0", method="exact")
    np.testing.assert_array_equal(r.in_light_cone, a.in_light_cone)
    np.testing.assert_allclose(r.values, a.values, atol=TOL)


def test_marginalize_outside_keeps_overlaps_with_identity_padded_vectors():
    from bpcalc.bounds.exact.mps import MPS

    rng = np.random.default_rng(7)
    n, d = 6, 4
    bonds = [1, 3, 5, 4, 3, 2, 1]
    m = MPS([rng.normal(size=(bonds[j], d, bonds[j + 1])) for j in range(n)])
    full = m.dense().reshape((d,) * n)
    m.marginalize_outside(2, 3)
    assert m.max_bond <= 5 and m.tensors[0].shape == (1, d, 1)
    x = rng.normal(size=(d, d))
    # overlap with e_I ⊗ e_I ⊗ x ⊗ e_I ⊗ e_I (x on sites 2, 3)
    ref = np.tensordot(full[0, 0, :, :, 0, 0], x, axes=([0, 1], [0, 1]))
    got = np.tensordot(m.dense().reshape((d,) * n)[0, 0, :, :, 0, 0], x, axes=([0, 1], [0, 1]))
    assert abs(ref - got) < 1e-12
    assert abs(m.norm() - np.linalg.norm(full[0, 0, :, :, 0, 0])) < 1e-12  # gauge bookkeeping stays valid


def test_input_side_window_on_wide_hea_matches_dense_reference():
    """Environment sweep with the input side marginalized to the shrinking light cone (n = 10, L = 3)."""
    c = circuits.hardware_efficient(10, 3)
    qs = sorted(c.all_qubits())
    bloch = np.zeros((10, 3))
    bloch[:, 2] = 1.0
    res = tn_gradient_variance(c, "Z5", strategy="environment")
    assert res.details["strategy"] == "environment"
    picks = [i for i, s in enumerate(res.parameters) if res.in_light_cone[i]][::15]
    for i in picks:
        ref = dense_markov_reference(c, cirq.Z(qs[5]), qs, bloch, res.parameters[i])
        assert abs(res.values[i] - ref) < TOL, (res.parameters[i], res.values[i], ref)


@pytest.mark.parametrize("seed", range(4))
def test_loss_variance_through_the_network_agrees_with_enumeration(seed):
    rng = np.random.default_rng(300 + seed)
    n = int(rng.integers(2, 6))
    circ, qs = random_circuit(n, 5, rng)
    obs = random_observable(qs, rng, terms=int(rng.integers(1, 4)))
    st = E.ProductStates(qubits=tuple(qs), bloch=_random_bloch(n, rng, 2))
    w = [0.25, 0.75]
    a = E.exact_loss_variance(circ, obs, st, method="exact", weights=w)
    b = E.exact_loss_variance(circ, obs, st, method="tn", weights=w)
    assert b.method == "tn"
    assert abs(b.value - a.value) < TOL and abs(b.second_moment - a.second_moment) < TOL
    np.testing.assert_allclose(b.per_state, a.per_state, atol=TOL, rtol=0)
    assert b.mean == a.mean and b.error_bound < 1e-9


def two_copy_mean(circuit, m, qubits, psi) -> float:
    """``E_θ[ℓ]`` by gate-wise averaging of ``ρ`` (one copy; each angle average exact on a grid)."""
    info = symbol_info(circuit)
    rho = np.outer(psi, psi.conj())
    for op in circuit.all_operations():
        syms = list(cirq.parameter_symbols(op))
        pts = [None]
        if syms:
            d = info[syms[0]]
            g = 2 * abs(d["k"]) + 1
            pts = np.arange(g) * d["period"] / g
        acc = 0
        for v in pts:
            o = op if v is None else cirq.resolve_parameters(op, {syms[0]: float(v)})
            u = cirq.Circuit(o).unitary(qubit_order=qubits)
            acc = acc + u @ rho @ u.conj().T
        rho = acc / len(pts)
    return float(np.real(np.trace(m @ rho)))


@pytest.mark.parametrize("ansatz", ["hea", pytest.param("ala", marks=pytest.mark.slow)])
def test_loss_variance_global_cost_against_brute_force(ansatz):
    n = 4
    c = circuits.hardware_efficient(n, 2) if ansatz == "hea" else circuits.alternating_layered(n, 2, 2)
    qs = sorted(c.all_qubits())
    obs = circuits.global_cost(qs)
    r = E.exact_loss_variance(c, obs, method="tn")
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    second = two_copy_moments(c, obs, qs, psi, None)  # gate-wise averaging of ρ⊗ρ
    m = obs.matrix(qs)
    mean = two_copy_mean(c, m, qs, psi)
    assert r.method == "tn"
    assert abs(r.mean - mean) < TOL
    assert abs(r.value - (second - mean**2)) < TOL  # second_moment leaves the identity term out


def _bench_module():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[3] / "benchmarks" / "bench_tensor_network.py"
    spec = importlib.util.spec_from_file_location("bench_tensor_network", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mcclean_figure_rows_fit_and_drawing(tmp_path):
    """The docs figure of McClean Fig. 3 (small n): exact rows, dense reference, fit, drawn in the house style."""
    bench = _bench_module()
    rows = bench.mcclean_rows((2, 3, 4, 5), budget_s=1e9, log=lambda m: None)
    assert [r[0] for r in rows] == [2, 3, 4, 5] and all(r[4] == "tn" for r in rows)
    # n = 3: the same value from the dense Markov reference
    c = circuits.hardware_efficient(3, 12)
    qs = sorted(c.all_qubits())
    bloch = np.zeros((3, 3))
    bloch[:, 2] = 1.0
    ref = dense_markov_reference(c, cirq.Z(qs[0]) * cirq.Z(qs[1]), qs, bloch, E.circuit_symbols(c)[0])
    assert abs(rows[1][2] - ref) < TOL
    # the 2-design value at n = 1 qubit pair structure: d = 4 -> 4² · 4 · (3/4) / (2 · 15²)
    assert abs(bench.two_design_value(2) - 16 * 3 / 450) < 1e-15
    scan, fit = bench.mcclean_scan(rows)
    assert fit.label == "exponential" and 1.5 < fit.base < 2.5
    from bpcalc.verify.figures import draw_scan, save_scan

    f, caption = draw_scan(scan)
    assert f.axes[0].get_yscale() == "log" and "2-design" in caption
    save_scan(scan, tmp_path)
    assert (tmp_path / "mcclean_fig3.png").exists() and (tmp_path / "mcclean_fig3.caption.txt").exists()


@pytest.mark.parametrize("ansatz", ["hea", "ala"])
def test_projector_observable_equals_its_pauli_expansion(ansatz):
    c = circuits.hardware_efficient(6, 2) if ansatz == "hea" else circuits.alternating_layered(6, 2, 2)
    qs = sorted(c.all_qubits())
    syms = E.circuit_symbols(c)
    params = [syms[0], syms[len(syms) // 2], syms[-1]]
    a = tn_gradient_variance(c, circuits.global_cost(qs), parameters=params)
    b = tn_gradient_variance(c, cirq.ProjectorString({q: 0 for q in qs}), parameters=params)
    np.testing.assert_allclose(b.values, a.values, atol=TOL, rtol=0)
    assert b.method == "tn" and np.all(b.values[:2] > 0)
    # a projector on a basis state other than |0…0⟩, on part of the qubits, with a coefficient
    vals = {qs[1]: 1, qs[2]: 0, qs[4]: 1}
    expanded = cirq.PauliSum.from_pauli_strings([0.7 * cirq.PauliString()])
    for q, v in vals.items():
        expanded = expanded * (0.5 * cirq.PauliString() + (0.5 if v == 0 else -0.5) * cirq.Z(q))
    a = E.exact_gradient_variance(c, expanded, parameters=params, method="exact")
    b = tn_gradient_variance(c, cirq.ProjectorString(vals, coefficient=0.7), parameters=params)
    np.testing.assert_allclose(b.values, a.values, atol=TOL, rtol=0)


def test_projector_global_cost_beyond_the_pauli_expansion():
    """n = 20: circuits.global_cost refuses (2^20 terms); the product projector runs exactly."""
    c = circuits.hardware_efficient(20, 1)
    qs = sorted(c.all_qubits())
    with pytest.raises(ValueError):
        circuits.global_cost(qs)
    r = tn_gradient_variance(c, cirq.ProjectorString({q: 0 for q in qs}), parameters=["theta_0_0_0", "theta_0_10_1"])
    assert r.method == "tn" and r.values[0] > 0 and r.error_bound[0] < 1e-6 * r.values[0]
    # closed form: RZ and the CZs are diagonal, so ℓ = Π_j cos²(θ_j/2) (RY angles θ_j) and
    # E[(∂_{θ_0} ℓ)²] = E[sin²(θ/2) cos²(θ/2)] · E[cos⁴(θ/2)]^{n-1} = (1/8) (3/8)^{n-1}
    assert abs(r.values[0] - 0.125 * 0.375**19) <= 1e-10 * r.values[0]
    with pytest.raises(ValueError, match="basis state"):
        tn_gradient_variance(c, cirq.ProjectorString({qs[0]: 2}))
    auto = E.exact_gradient_variance(c, cirq.ProjectorString({q: 0 for q in qs}), parameters="theta_0_0_0")
    assert auto.method == "tn" and "projector" in auto.details["auto_choice"]
    assert abs(auto.values[0] - r.values[0]) < TOL


def test_input_side_is_marginalized_to_the_light_cone_window():
    """The input side lives only on the observable side's window: its bond stays at the narrow
    end of the cone (27 here; 81 when the whole light cone is evolved), values unchanged."""
    c = circuits.hardware_efficient(24, 5)
    r = tn_gradient_variance(c, "Z12", strategy="environment")
    assert r.details["strategy"] == "environment"
    assert r.details["max_bond_other_side"] <= 27
    ref = E.exact_gradient_variance(c, "Z12", parameters=[r.parameters[i] for i in range(0, len(r), 60)], method="exact")
    np.testing.assert_allclose(r.values[::60], ref.values, atol=TOL, rtol=0)
