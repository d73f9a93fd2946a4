"""The 2-design network (MPS over qubits, {1, SWAP} per qubit) against the support chain, Haar
sampling and the seed paper's r_{n,s}."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import scipy.stats
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.exact import two_design as T
from bpcalc.bounds.exact import two_design_tn as N
from bpcalc.bounds.exact.states import ProductStates


def _random_blocks(n: int, n_blocks: int, rng: np.random.Generator, max_size: int = 3) -> list:
    """Random blocks of 1..max_size consecutive-ish qubits (a span of at most max_size + 1)."""
    qs = cirq.LineQubit.range(n)
    out = []
    for i in range(n_blocks):
        m = int(rng.integers(1, max_size + 1))
        lo = int(rng.integers(0, n - m + 1))
        span = list(range(lo, min(n, lo + m + 1)))
        picked = sorted(rng.choice(span, size=m, replace=False).tolist())
        out.append(T.DesignBlock(qubits=tuple(qs[q] for q in picked), symbols=(sympy.Symbol(f"k{i}"),), label=str(i)))
    return out


def _random_product_states(n: int, n_states: int, rng: np.random.Generator) -> ProductStates:
    b = rng.normal(size=(n_states, n, 3))
    b *= (rng.uniform(0.2, 1.0, size=(n_states, n, 1)) / np.linalg.norm(b, axis=2, keepdims=True))
    return ProductStates(qubits=tuple(cirq.LineQubit.range(n)), bloch=b)


def _random_observable(n: int, rng: np.random.Generator) -> cirq.PauliSum:
    qs = cirq.LineQubit.range(n)
    terms = []
    for _ in range(int(rng.integers(1, 5))):
        support = rng.choice(n, size=int(rng.integers(1, 4)), replace=False)
        paulis = {qs[int(q)]: (cirq.X, cirq.Y, cirq.Z)[int(rng.integers(3))] for q in support}
        terms.append(cirq.PauliString(paulis, coefficient=float(rng.normal())))
    return cirq.PauliSum.from_pauli_strings(terms)


@pytest.mark.parametrize("kind", ["tpa", "ala2", "ala3", "qcnn"])
@pytest.mark.parametrize("obs_kind", ["local", "global", "z"])
def test_network_equals_chain_on_layered_ansatze(kind, obs_kind):
    n = 8
    qs = cirq.LineQubit.range(n)
    circ = {"tpa": circuits.tensor_product(n, 2), "ala2": circuits.alternating_layered(n, 4, 2),
            "ala3": circuits.alternating_layered(6, 3, 3), "qcnn": circuits.qcnn(n)}[kind]
    if kind == "ala3":
        n, qs = 6, qs[:6]
    obs = {"local": circuits.local_cost(qs), "global": circuits.global_cost(qs), "z": 0.7 * cirq.Z(qs[1]) * cirq.X(qs[2])}[obs_kind]
    chain = T.two_design_gradient_variance(circ, obs, "+0" * (n // 2))
    net = N.two_design_tn_gradient_variance(circ, obs, "+0" * (n // 2))
    assert net.method == "two-design-tn"
    assert net.parameters == chain.parameters
    np.testing.assert_allclose(net.values, chain.values, rtol=0, atol=1e-10 * max(1.0, np.max(chain.values)))
    assert np.all(net.error_bound < 1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_network_equals_chain_on_random_blocks_datasets_and_observables(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 8))
    blocks = _random_blocks(n, int(rng.integers(2, 9)), rng)
    covered = set(q for b in blocks for q in b.qubits)
    qs = [q for q in cirq.LineQubit.range(n) if q in covered]
    obs = _random_observable(n, rng)
    obs = cirq.PauliSum.from_pauli_strings([ps for ps in obs if set(ps.qubits) <= covered] or [cirq.Z(qs[0])])
    states = _random_product_states(n, 3, rng)
    w = rng.uniform(0.1, 1.0, size=3)
    chain = T.two_design_gradient_variance(blocks, obs, states, weights=w, covariance=True)
    net = N.two_design_tn_gradient_variance(blocks, obs, states, weights=w, covariance=True)
    scale = max(1.0, float(np.max(np.abs(chain.covariance))))
    np.testing.assert_allclose(net.values, chain.values, atol=1e-10 * scale, rtol=0)
    np.testing.assert_allclose(net.per_state, chain.per_state, atol=1e-10 * scale, rtol=0)
    np.testing.assert_allclose(net.covariance, chain.covariance, atol=1e-10 * scale, rtol=0)


def test_network_reproduces_seed_r_ns():
    """One layer of s-qubit blocks, O_L = (1/n) Σ |0⟩⟨0|_j, |0…0⟩: r_{n,s} (1 − 2^{-s}) for every block."""
    for n, s in [(6, 2), (6, 3), (8, 4)]:
        res = N.two_design_tn_gradient_variance(circuits.tensor_product(n, s), circuits.local_cost(cirq.LineQubit.range(n)))
        np.testing.assert_allclose(res.values, T.seed_r_ns(n, s) * (1 - 2.0**-s), rtol=1e-12, atol=0)


def _apply(state: np.ndarray, u: np.ndarray, qubits: list[int], n: int) -> np.ndarray:
    """Batched ``u ⊗ 1`` on ``qubits`` of state vectors ``state`` (draws, 2^n)."""
    draws, k = state.shape[0], len(qubits)
    rest = [q for q in range(n) if q not in qubits]
    t = state.reshape((draws,) + (2,) * n).transpose([0] + [1 + q for q in qubits + rest]).reshape(draws, 2**k, -1)
    t = np.einsum("mab,mbr->mar", u, t).reshape((draws,) + (2,) * n)
    return t.transpose([0] + [1 + int(i) for i in np.argsort(qubits + rest)]).reshape(draws, 2**n)


def test_network_inside_haar_sampling_interval():
    """Haar blocks (scipy unitary_group); the derivative block is V+ R_Z(θ) V− (parameter shift)."""
    n, draws = 4, 6000
    rng = np.random.default_rng(11)
    blocks = [[0, 1], [2, 3], [1, 2], [0, 1]]
    deriv = 2
    qs = cirq.LineQubit.range(n)
    obs = circuits.parse_pauli_sum("Z0 + 0.5*Z1*Z2 - 0.3*X3")
    design = [T.DesignBlock(qubits=tuple(qs[q] for q in b), symbols=(sympy.Symbol(f"k{i}"),)) for i, b in enumerate(blocks)]
    res = N.two_design_tn_gradient_variance(design, obs, "+0-1", [f"k{deriv}"])
    psi = cirq.final_state_vector(cirq.Circuit([cirq.H(qs[0]), cirq.X(qs[3]), cirq.H(qs[2]), cirq.Z(qs[2])]),
                                  qubit_order=qs)
    state = np.repeat(psi[None].astype(complex), draws, axis=0)
    haar = lambda m: scipy.stats.unitary_group.rvs(m, size=draws, random_state=rng).reshape(draws, m, m)  # noqa: E731
    for b in blocks[:deriv]:
        state = _apply(state, haar(4), b, n)
    state = _apply(state, haar(4), blocks[deriv], n)
    theta = rng.uniform(0, 2 * np.pi, draws)
    vp = haar(4)
    later = [haar(4) for _ in blocks[deriv + 1 :]]
    outs = []
    for shift in (np.pi / 2, -np.pi / 2):
        r = np.zeros((draws, 4, 4), dtype=complex)
        z = np.array([1, 1, -1, -1])  # Z on the block's first qubit
        r[:, np.arange(4), np.arange(4)] = np.exp(-0.5j * (theta + shift)[:, None] * z[None, :])
        out = _apply(_apply(state, r, blocks[deriv], n), vp, blocks[deriv], n)
        for b, u in zip(blocks[deriv + 1 :], later):
            out = _apply(out, u, b, n)
        outs.append(np.einsum("mi,ij,mj->m", out.conj(), obs.matrix(qs), out).real)
    samples = ((outs[0] - outs[1]) / 2) ** 2
    mean, sem = samples.mean(), samples.std() / np.sqrt(draws)
    assert abs(res.values[0] - mean) < 4.5 * sem, (res.values[0], mean, sem)
    assert sem < 0.2 * res.values[0]  # the interval is informative


def test_global_projector_is_a_bond_one_product():
    n = 10
    qs = cirq.LineQubit.range(n)
    circ = circuits.alternating_layered(n, 3, 2)
    proj = N.two_design_tn_gradient_variance(circ, cirq.ProjectorString({q: 0 for q in qs}), None, "first")
    chain = T.two_design_gradient_variance(circ, circuits.global_cost(qs), None, "first")
    assert abs(proj.values[0] - chain.values[0]) < 1e-12 * chain.values[0]


def test_truncation_is_reported_with_a_bound_that_holds():
    n = 12
    qs = cirq.LineQubit.range(n)
    circ = circuits.alternating_layered(n, 6, 2)
    obs = cirq.ProjectorString({q: 0 for q in qs})
    exact = N.two_design_tn_gradient_variance(circ, obs, "+" * n)
    cut = N.two_design_tn_gradient_variance(circ, obs, "+" * n, max_bond=2)
    assert exact.method == "two-design-tn" and cut.method == "two-design-tn-truncated"
    assert exact.n_terms > 2 and cut.n_terms <= 2
    diff = np.abs(cut.values - exact.values)
    assert np.all(diff <= cut.error_bound + 1e-15)
    assert np.any(diff > 0)


def test_router_says_which_engine_ran_and_refusals_are_one_line():
    n = 12
    qs = cirq.LineQubit.range(n)
    circ = circuits.alternating_layered(n, 2, 2)
    obs = circuits.local_cost(qs)
    assert N.design_gradient_variance(circ, obs, None, "first").method == "two-design-tn"
    small = circuits.alternating_layered(4, 2, 2)
    assert N.design_gradient_variance(small, circuits.local_cost(qs[:4]), None, "first").method == "two-design"
    # entangled input: the chain
    psi = np.ones(2**4) / 4.0
    psi[3] *= -1
    r = N.design_gradient_variance(small, circuits.local_cost(qs[:4]), psi, "first", engine="auto")
    assert r.method == "two-design"
    assert "product input states" in N.design_tn_supported(small, circuits.local_cost(qs[:4]), psi)
    with pytest.raises(ValueError, match="product input states"):
        N.two_design_tn_gradient_variance(small, circuits.local_cost(qs[:4]), psi)
    # a term on a qubit outside every block and on block qubits: refused, the chain handles it
    tp = circuits.tensor_product(2, 2)
    mixed = cirq.Z(qs[0]) * cirq.X(qs[2])
    with pytest.raises(ValueError, match="in no block"):
        N.two_design_tn_gradient_variance(tp, mixed, None, qubits=qs[:3])
    assert N.design_gradient_variance(tp, mixed, None, qubits=qs[:3]).method == "two-design"
    with pytest.raises(ValueError, match="engine must be"):
        N.design_gradient_variance(small, "Z0", engine="fast")
    with pytest.raises(ValueError, match="max_bond"):
        N.two_design_tn_gradient_variance(small, "Z0", max_bond=0)


def test_memory_budget_is_checked_before_storing():
    n = 16
    circ = circuits.alternating_layered(n, 8, 2)
    with pytest.raises(E.MemoryBudgetExceeded if hasattr(E, "MemoryBudgetExceeded") else MemoryError):
        N.two_design_tn_gradient_variance(circ, circuits.local_cost(cirq.LineQubit.range(n)), memory_limit=2000)


def test_blocks_from_circuit_still_refuses_overlapping_blocks():
    a, b, c = cirq.LineQubit.range(3)
    circ = cirq.Circuit([
        cirq.Moment([cirq.X(a).with_tags(circuits.block_tag(0, 0)), cirq.X(b).with_tags(circuits.block_tag(0, 1))]),
        cirq.Moment([cirq.CZ(a, b).with_tags(circuits.block_tag(0, 0))]),
    ])
    with pytest.raises(ValueError, match="overlap in time"):
        T.blocks_from_circuit(circ)
    ok = cirq.Circuit([cirq.Moment([cirq.X(a).with_tags(circuits.block_tag(0, 0))]),
                       cirq.Moment([cirq.CZ(a, b).with_tags(circuits.block_tag(1, 0)), cirq.X(c).with_tags(circuits.block_tag(1, 1))])])
    assert len(T.blocks_from_circuit(ok)) == 3


def test_global_projector_far_below_float64_range_keeps_its_log10():
    """One layer of 2-qubit blocks: every other block multiplies the variance by the same factor,
    so log10 Var is linear in n; n = 8, 10 from the chain, n = 700 (4^{-n} underflows) from the network."""
    ref = []
    for n in (8, 10):
        qs = cirq.LineQubit.range(n)
        ref.append(np.log10(T.two_design_gradient_variance(circuits.tensor_product(n, 2), circuits.global_cost(qs),
                                                            None, "first").values[0]))
    n = 700
    qs = cirq.LineQubit.range(n)
    blocks = [T.DesignBlock(qubits=(qs[2 * h], qs[2 * h + 1]), symbols=(sympy.Symbol(f"k{h}"),)) for h in range(n // 2)]
    r = N.two_design_tn_gradient_variance(blocks, cirq.ProjectorString({q: 0 for q in qs}), None, ["k0"])
    expected = ref[0] + (n - 8) / 2 * (ref[1] - ref[0])
    assert r.values[0] == 0.0 and r.in_light_cone[0]  # underflows float64; not claimed to be a proved zero
    assert not r.proven_zero[0]
    assert abs(r.details["log10_values"][0] - expected) < 1e-9 * abs(expected)


def test_other_basis_weight_gives_the_same_values_without_a_bound():
    n = 8
    qs = cirq.LineQubit.range(n)
    circ = circuits.alternating_layered(n, 5, 2)
    chain = T.two_design_gradient_variance(circ, circuits.local_cost(qs), "+0" * 4)
    for mu in (1.0, 0.3):
        net = N.two_design_tn_gradient_variance(circ, circuits.local_cost(qs), "+0" * 4, basis_weight=mu)
        np.testing.assert_allclose(net.values, chain.values, rtol=1e-10, atol=0)
        assert np.all(np.isnan(net.error_bound))
    default = N.two_design_tn_gradient_variance(circ, circuits.local_cost(qs), "+0" * 4)
    assert np.all(default.details["relative_error_bound"] < 1e-8)
    with pytest.raises(ValueError, match="basis_weight"):
        N.two_design_tn_gradient_variance(circ, circuits.local_cost(qs), basis_weight=-1.0)


def test_router_keeps_the_chain_for_long_block_spans():
    c = circuits.qcnn(8)  # pooling blocks at the last level span 5 sites
    r = N.design_gradient_variance(c, cirq.Z(cirq.LineQubit(0)), None, "first")
    assert r.method == "two-design"
    assert N.design_gradient_variance(c, cirq.Z(cirq.LineQubit(0)), None, "first", engine="tn").method == "two-design-tn"


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_network_equals_chain_on_larger_random_blocks(seed):
    rng = np.random.default_rng(100 + seed)
    n = 10
    blocks = _random_blocks(n, 14, rng, max_size=3)
    covered = set(q for b in blocks for q in b.qubits)
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(q) * (0.1 + j) for j, q in enumerate(sorted(covered))])
    states = _random_product_states(n, 2, rng)
    chain = T.two_design_gradient_variance(blocks, obs, states)
    net = N.two_design_tn_gradient_variance(blocks, obs, states)
    np.testing.assert_allclose(net.values, chain.values, rtol=1e-10, atol=1e-14 * np.max(chain.values))
