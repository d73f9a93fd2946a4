"""Reduced per-site bases of the pair space (bounds/exact/pair_space.py) and the global cost at depth.

References: the full ``d = 16`` pair-space contraction (``_reduced_basis=False``), brute-force
two-copy averaging of ``ρ ⊗ ρ`` on exact grids (``exact_brute.two_copy_moments``), Pauli-pair
enumeration, closed forms, and a dense ``4^12`` Markov chain (slow).
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.exact.mps import MPS, Truncation
from bpcalc.bounds.exact.pair_space import BasisMPS, as_basis_mps, basis_overlap
from bpcalc.bounds.exact.tensor_network import product_projector, tn_gradient_variance
from exact_brute import two_copy_moments

TOL = 1e-10
STRATEGIES = ("middle", "per-parameter", "environment")


def _deep(ansatz: str, n: int) -> cirq.Circuit:
    return circuits.hardware_efficient(n, n) if ansatz == "hea" else circuits.alternating_layered(n, n, 2)


@pytest.mark.parametrize("ansatz", ["hea", "ala"])
def test_reduced_basis_matches_full_pair_space_and_brute_force(ansatz):
    """Deep circuits, global cost: reduced bases == full d = 16 == gate-wise averaged ρ⊗ρ (n = 4)."""
    n = 4
    c = _deep(ansatz, n)
    qs = sorted(c.all_qubits())
    proj = cirq.ProjectorString({q: 0 for q in qs})
    syms = E.circuit_symbols(c)
    params = [syms[0], syms[len(syms) // 2], syms[-1]]
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    ref = [two_copy_moments(c, circuits.global_cost(qs), qs, psi, p) for p in params]
    assert min(ref[:2]) > 1e-6  # (the last RZ before the diagonal cost has variance 0)
    full = tn_gradient_variance(c, proj, parameters=params, strategy="per-parameter", _reduced_basis=False)
    np.testing.assert_allclose(full.values, ref, atol=TOL, rtol=0)
    for strategy in STRATEGIES:
        red = tn_gradient_variance(c, proj, parameters=params, strategy=strategy)
        assert red.method == "tn" and "reduced" in red.details["representation"]
        np.testing.assert_allclose(red.values, ref, atol=TOL, rtol=0)
        assert np.all(red.error_bound < 1e-12)


@pytest.mark.parametrize("ansatz", ["hea", "ala"])
def test_reduced_basis_n6_against_enumeration_and_full(ansatz):
    """n = 6, L = 6, global cost with a product-state dataset: every strategy, reduced vs full vs enumeration."""
    n = 6
    c = _deep(ansatz, n)
    qs = sorted(c.all_qubits())
    rng = np.random.default_rng(7)
    bloch = rng.normal(size=(2, n, 3))
    bloch /= np.linalg.norm(bloch, axis=2, keepdims=True)
    st = E.ProductStates(qubits=tuple(qs), bloch=bloch * 0.8)
    syms = E.circuit_symbols(c)
    params = [syms[0], syms[len(syms) // 3], syms[-2]]
    ref = E.exact_gradient_variance(c, circuits.global_cost(qs), st, parameters=params, method="exact",
                                    max_terms=2**22)
    proj = cirq.ProjectorString({q: 0 for q in qs})
    full = tn_gradient_variance(c, proj, st, parameters=params, _reduced_basis=False, strategy="per-parameter")
    np.testing.assert_allclose(full.values, ref.values, atol=TOL, rtol=0)
    for strategy in STRATEGIES:
        red = tn_gradient_variance(c, proj, st, parameters=params, strategy=strategy)
        np.testing.assert_allclose(red.values, ref.values, atol=TOL, rtol=0)
        np.testing.assert_allclose(red.per_state, ref.per_state, atol=TOL, rtol=0)


def test_middle_strategy_on_pauli_sums_and_markov_chain():
    """The meet-in-the-middle strategy on the Markov (d = 4) and pair paths against enumeration."""
    c = circuits.hardware_efficient(6, 4)
    for obs in ("Z2", "Z2 + 0.5*X3*X4"):
        a = E.exact_gradient_variance(c, obs, parameters=["theta_0_2_0", "theta_2_3_1", "theta_3_4_0"], method="exact")
        b = tn_gradient_variance(c, obs, parameters=["theta_0_2_0", "theta_2_3_1", "theta_3_4_0"], strategy="middle")
        assert b.details["strategy"] == "middle"
        np.testing.assert_allclose(b.values, a.values, atol=TOL, rtol=0)


def test_basis_mps_gates_match_plain_mps():
    """A random vector in reduced bases, random two-site gates: same dense vector as the plain MPS."""
    rng = np.random.default_rng(3)
    n, d = 4, 16
    plain = MPS([rng.normal(size=(1 if j == 0 else 3, d, 1 if j == n - 1 else 3)) for j in range(n)])
    reduced, err = as_basis_mps(plain)
    assert err < 1e-12
    np.testing.assert_allclose(reduced.dense(), plain.dense(), atol=1e-12)
    proj = np.zeros((d, d))
    proj[:5, :5] = np.eye(5)  # a rank-5 site map: the basis shrinks to 5
    reduced.apply_site(1, proj)
    plain.apply_site(1, proj)
    assert reduced.local_dims[1] == 5
    for lo, toward_left in ((0, False), (2, True), (1, False)):
        g = rng.normal(size=(d * d, d * d))
        e1 = reduced.apply_block(lo, 2, g, Truncation(), toward_left=toward_left)
        e2 = plain.apply_block(lo, 2, g, Truncation())
        assert e1 < 1e-9 and e2 < 1e-9
        np.testing.assert_allclose(reduced.dense(), plain.dense(), atol=1e-9 * np.abs(plain.dense()).max())
    other = MPS([rng.normal(size=(1 if j == 0 else 2, d, 1 if j == n - 1 else 2)) for j in range(n)])
    ref = float(other.dense() @ plain.dense())
    assert abs(basis_overlap(other, reduced) - ref) <= 1e-9 * abs(ref)
    assert abs(basis_overlap(reduced, other) - ref) <= 1e-9 * abs(ref)
    both, _ = as_basis_mps(other)
    assert abs(basis_overlap(both, reduced) - ref) <= 1e-9 * abs(ref)
    assert isinstance(reduced.copy(), BasisMPS)


def test_product_projector_recognizes_the_expanded_global_cost():
    qs = cirq.LineQubit.range(4)
    p = product_projector(circuits.global_cost(qs))
    assert p == cirq.ProjectorString({q: 0 for q in qs})
    signed = cirq.PauliSum.from_pauli_strings([0.3 * cirq.PauliString()])
    for q, v in ((qs[0], 1), (qs[2], 0)):
        signed = signed * (0.5 * cirq.PauliString() + (0.5 if v == 0 else -0.5) * cirq.Z(q))
    p = product_projector(signed)
    assert p.projector_dict == {qs[0]: 1, qs[2]: 0} and abs(complex(p.coefficient) - 0.3) < 1e-12
    assert product_projector(circuits.local_cost(qs)) is None
    assert product_projector(cirq.PauliSum.wrap(cirq.X(qs[0]))) is None
    broken = circuits.global_cost(qs) + 1e-3 * cirq.Z(qs[0]) * cirq.Z(qs[1])
    assert product_projector(broken) is None


def test_auto_routes_the_expanded_global_cost_to_the_projector_network():
    """n = 8, L = 8 HEA: the 256-term Pauli sum reaches the network as a bond-1 projector."""
    c = circuits.hardware_efficient(8, 8)
    qs = sorted(c.all_qubits())
    r = E.exact_gradient_variance(c, circuits.global_cost(qs), parameters="theta_0_0_0")
    assert r.method == "tn" and "product projector" in r.details["auto_choice"]
    assert r.details["strategy"] == "middle"
    # the value of the full d = 16 pair space, per-parameter strategy (before the reduction)
    assert abs(r.values[0] - 1.27690446802007e-05) <= 1e-10 * r.values[0]


def test_cli_exact_passes_a_projector_at_n20(capsys):
    """``bpcalc exact --observable global`` at n = 20: no 2^20-term expansion; the closed form
    (1/8)(3/8)^19 of a one-layer HEA (RZ and CZ diagonal: ℓ = Π cos²(θ_j/2))."""
    from bpcalc.verify.cli import main

    rc = main(["exact", "--ansatz", "hea", "--qubits", "20", "--layers", "1", "--observable", "global",
               "--parameters", "theta_0_0_0", "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    import json

    data = json.loads(out)
    text = json.dumps(data)
    assert "projector" in text
    value = _first_value(data)
    assert abs(value - 0.125 * 0.375**19) <= 1e-10 * value


def _first_value(data) -> float:
    if isinstance(data, dict):
        if "values" in data and isinstance(data["values"], list) and data["values"]:
            return float(data["values"][0])
        for v in data.values():
            try:
                return _first_value(v)
            except LookupError:
                pass
    if isinstance(data, list):
        for v in data:
            try:
                return _first_value(v)
            except LookupError:
                pass
    raise LookupError("no values")


@pytest.mark.slow
def test_hea_12_12_z0_against_dense_markov_chain():
    """Issue 16's check: n = 12, L = 12 HEA, Z0, RY angle of layer 6 on qubit 0, against a dense
    4^12 Markov chain built from cirq.unitary only (tests/bounds/exact/test_exact_tensor_network.py)."""
    from test_exact_tensor_network import dense_markov_reference

    c = circuits.hardware_efficient(12, 12)
    qs = sorted(c.all_qubits())
    r = tn_gradient_variance(c, "Z0", parameters="theta_6_0_0")
    bloch = np.zeros((12, 3))
    bloch[:, 2] = 1.0
    ref = dense_markov_reference(c, cirq.Z(qs[0]), qs, bloch, r.parameters[0])
    assert abs(r.values[0] - ref) < TOL
    assert abs(ref - 0.0354301) < 1e-6


@pytest.mark.slow
def test_compare_deep_hea_global_cost_is_exact_and_exponential():
    """Issue 14/16: ``bpcalc compare hea --observable global --qubits 4..12:2`` from exact values
    (the expanded global cost reaches the network as a projector; measured base 3.79 [3.70, 3.89])."""
    from bpcalc.verify.comparison import compare_architectures

    cmp = compare_architectures(["hea"], "4..12:2", "global")
    points = cmp.series("hea")
    assert [p.n for p in points] == [4, 6, 8, 10, 12]
    assert all(p.value is not None and p.value > 0 and p.ci_low is None for p in points)
    assert all(p.method in ("exact", "tn") for p in points)
    assert abs(points[-1].value - 5.63540609105917e-08) <= 1e-9 * points[-1].value
    fit = cmp.fits["hea"]
    assert fit.label.startswith("exponential") and 3.5 < fit.base < 4.1
