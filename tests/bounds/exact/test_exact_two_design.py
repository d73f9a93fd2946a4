"""2-design block chain: the seed paper's formulas, Haar Monte Carlo, and the other engines."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import scipy.stats
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.exact import two_design as T
from exact_brute import random_state


def _reduced(psi: np.ndarray, keep: list[int], n: int) -> np.ndarray:
    t = psi.reshape((2,) * n)
    rest = [q for q in range(n) if q not in keep]
    m = np.transpose(t, keep + rest).reshape(2 ** len(keep), -1)
    return m @ m.conj().T


def test_seed_r_ns_and_cross_terms_one_layer():
    n, s = 6, 2
    rng = np.random.default_rng(0)
    psis = np.stack([random_state(n, rng) for _ in range(3)])
    qs = cirq.LineQubit.range(n)
    circ = circuits.tensor_product(n, block_size=s)
    obs = circuits.local_cost(qs)
    res = T.two_design_gradient_variance(circ, obs, psis, "theta_0_b1_0", covariance=True)
    red = [_reduced(p, [2, 3], n) for p in psis]
    r = T.seed_r_ns(n, s)
    expect = np.array([[r * (np.trace(a @ b).real - 2**-s) for b in red] for a in red])
    np.testing.assert_allclose(res.covariance[0], expect, atol=1e-14)
    # general block form: 2^{2s-1}/(2^{2s}-1)^2 Δ(O_h) D_HS(ρ_h, 1/2^s), O_h = (1/2n) Σ_{j∈h} Z_j
    delta_o = 2**s * s / (4 * n**2)
    for i in range(3):
        d_hs = np.trace(red[i] @ red[i]).real - 2**-s
        assert abs(res.per_state[0, i] - T.block_gradient_variance(s, delta_o, d_hs)) < 1e-14
    assert res.method == "two-design"


@pytest.mark.parametrize("s", [1, 2, 3])
def test_seed_formula_matches_r_ns_for_product_data(s):
    n = 3 * s
    model = circuits.Model(
        embedding=circuits.tensor_product_embedding(n),
        ansatz=circuits.tensor_product(n, block_size=s),
        observable=circuits.local_cost(cirq.LineQubit.range(n)),
        dataset=circuits.uniform_random(n_features=n, n_samples=2, seed=1),
    )
    states = E.dataset_states(model)
    res = T.two_design_gradient_variance(model.ansatz, model.observable, states, "first")
    # pure product data: Tr ρ_h² = 1
    np.testing.assert_allclose(res.per_state[0], T.seed_r_ns(n, s) * (1 - 2.0**-s), atol=1e-15)


def _apply_batched(psi: np.ndarray, u: np.ndarray, qubits: list[int], n: int) -> np.ndarray:
    m = psi.shape[0]
    k = len(qubits)
    t = psi.reshape((m,) + (2,) * n)
    rest = [q for q in range(n) if q not in qubits]
    perm = [0] + [1 + q for q in qubits] + [1 + q for q in rest]
    t = np.transpose(t, perm).reshape(m, 2**k, -1)
    t = np.einsum("mab,mbr->mar", u, t)
    t = t.reshape((m,) + (2,) * n)
    return np.transpose(t, np.argsort(perm)).reshape(m, 2**n)


def _haar_gradient_samples(blocks, deriv_block, pauli_slot, n, psi, omat, draws, rng):
    """Samples of (∂ℓ)² with every block Haar and the derivative block V+ R_Z(θ) V−."""
    state = np.repeat(psi[None].astype(complex), draws, axis=0)
    out_plus, out_minus = None, None
    theta = rng.uniform(0, 2 * np.pi, draws)
    for b, qubits in enumerate(blocks):
        m = 2 ** len(qubits)
        if b != deriv_block:
            u = scipy.stats.unitary_group.rvs(m, size=draws, random_state=rng).reshape(draws, m, m)
            state = _apply_batched(state, u, qubits, n)
            continue
        vm = scipy.stats.unitary_group.rvs(m, size=draws, random_state=rng).reshape(draws, m, m)
        vp = scipy.stats.unitary_group.rvs(m, size=draws, random_state=rng).reshape(draws, m, m)
        zdiag = np.array([1 - 2 * ((i >> (len(qubits) - 1 - pauli_slot)) & 1) for i in range(m)])
        mid = _apply_batched(state, vm, qubits, n)
        outs = []
        for shift in (np.pi / 2, -np.pi / 2):
            ang = theta + shift
            rot = np.exp(-0.5j * ang[:, None] * zdiag[None, :])
            r = np.zeros((draws, m, m), dtype=complex)
            r[:, np.arange(m), np.arange(m)] = rot
            outs.append(_apply_batched(_apply_batched(mid, r, qubits, n), vp, qubits, n))
        out_plus, out_minus = outs
        state = None
        # later blocks act on both branches
        rest_blocks = blocks[b + 1 :]
        for qb in rest_blocks:
            mm = 2 ** len(qb)
            u = scipy.stats.unitary_group.rvs(mm, size=draws, random_state=rng).reshape(draws, mm, mm)
            out_plus = _apply_batched(out_plus, u, qb, n)
            out_minus = _apply_batched(out_minus, u, qb, n)
        break
    lp = np.einsum("mi,ij,mj->m", out_plus.conj(), omat, out_plus).real
    lm = np.einsum("mi,ij,mj->m", out_minus.conj(), omat, out_minus).real
    return ((lp - lm) / 2) ** 2


@pytest.mark.parametrize(
    "blocks, deriv, obs_text",
    [
        ([[0, 1], [2, 3]], 0, "Z0 + 0.5*Z1 - 0.3*X0*Y1"),
        ([[0, 1], [2, 3], [1, 2]], 0, "Z2"),
        ([[0, 1], [2, 3], [1, 2]], 1, "Z1*Z2 + 0.4*X3"),
        # qubits outside every block: pairs differing only there keep their cross terms
        ([[0, 1]], 0, "Z0*X2 + Z0*Z2 + 0.5*Y1*X2 - 0.7*X0*Y3"),
        ([[0, 1], [1, 2]], 1, "Z1*X3 + X1*Z3 + 0.6*Z2*X3"),
    ],
)
def test_chain_matches_haar_monte_carlo(blocks, deriv, obs_text):
    n = 4
    qs = cirq.LineQubit.range(n)
    rng = np.random.default_rng(2024)
    psi = random_state(n, rng)
    obs = circuits.parse_pauli_sum(obs_text)
    design = [
        T.DesignBlock(qubits=tuple(qs[q] for q in b), symbols=(sympy.Symbol(f"k{i}"),), label=str(i))
        for i, b in enumerate(blocks)
    ]
    res = T.two_design_gradient_variance(design, obs, psi, [f"k{deriv}"], qubits=qs)
    omat = obs.matrix(qs)
    samples = _haar_gradient_samples(blocks, deriv, 0, n, psi, omat, 12000, rng)
    mean, sem = samples.mean(), samples.std() / np.sqrt(len(samples))
    assert abs(res.values[0] - mean) < 4.5 * sem, (res.values[0], mean, sem)


def test_single_global_block_equals_mcclean_formula():
    n = 3
    qs = cirq.LineQubit.range(n)
    rng = np.random.default_rng(4)
    psi = random_state(n, rng)
    obs = circuits.parse_pauli_sum("Z0 + 0.3*X1*Y2")
    blk = [T.DesignBlock(qubits=tuple(qs), symbols=(sympy.Symbol("k"),))]
    d = 2**n
    delta_o = d * (1 + 0.09)
    delta_rho = 1 - 1 / d
    res = T.two_design_gradient_variance(blk, obs, psi)
    assert abs(res.values[0] - d**2 / (2 * (d**2 - 1) ** 2) * delta_o * delta_rho) < 1e-14
    loss = T.two_design_loss_variance(blk, obs, psi)
    assert abs(loss.value - delta_o * delta_rho / (d**2 - 1)) < 1e-14


def test_deep_blocks_converge_to_chain():
    """Pauli-path exact variance of ALA blocks made of deep random-rotation circuits → 2-design chain."""
    n, m = 4, 2
    qs = cirq.LineQubit.range(n)
    ala = circuits.alternating_layered(n, 2, m, block_depth=14, rotations=("rx", "ry"))
    obs = cirq.Z(qs[2])
    chain = T.two_design_gradient_variance(ala, obs, None, "theta_0_b0_14")
    paths = E.exact_gradient_variance(ala, obs, None, "theta_0_b0_14")
    assert paths.method == "exact"
    assert abs(paths.values[0] - chain.values[0]) < 0.02 * chain.values[0]
    loss_chain = T.two_design_loss_variance(ala, obs)
    loss_paths = E.exact_loss_variance(ala, obs)
    assert abs(loss_paths.value - loss_chain.value) < 0.02 * loss_chain.value


def test_blocks_from_circuit_refuses_untagged_ops():
    circ = circuits.tensor_product(4, block_size=2)
    circ.append(cirq.H(cirq.LineQubit(0)))
    with pytest.raises(ValueError, match="no block"):
        T.blocks_from_circuit(circ)
    with pytest.raises(ValueError, match="no block tags"):
        T.blocks_from_circuit(circuits.hardware_efficient(3, 1))
    with pytest.raises(TypeError):
        T.two_design_gradient_variance([("not", "a block")], "Z0")


def test_cross_terms_on_qubits_outside_every_block_survive():
    """Pairs P ⊗ Q that differ only on qubits no block touches are not twirled away: here they
    change the variance by −58 % (seed 7); the chain must keep them (Haar sampling, 4.5σ), and a
    diagonal-only computation must be rejected by the same samples."""
    n = 3
    qs = cirq.LineQubit.range(n)
    rng = np.random.default_rng(7)
    psi = random_state(n, rng)
    obs = circuits.parse_pauli_sum("Z0*X2 + Z0*Z2")
    design = [T.DesignBlock(qubits=(qs[0], qs[1]), symbols=(sympy.Symbol("k0"),), label="0")]
    full = T.two_design_gradient_variance(design, obs, psi, ["k0"], qubits=qs).values[0]
    diagonal = sum(T.two_design_gradient_variance(design, cirq.PauliSum.wrap(t), psi, ["k0"], qubits=qs).values[0]
                   for t in obs)
    samples = _haar_gradient_samples([[0, 1]], 0, 0, n, psi, obs.matrix(qs), 8000, rng)
    mean, sem = samples.mean(), samples.std() / np.sqrt(len(samples))
    assert abs(full - mean) < 4.5 * sem, (full, mean, sem)
    assert abs(diagonal - mean) > 8 * sem, (diagonal, mean, sem)


def test_chain_refuses_over_its_memory_budget_before_growing():
    import pytest

    from bpcalc.bounds.memory import MemoryBudgetExceeded

    n = 8
    c = circuits.alternating_layered(n, 2, 4)
    obs = circuits.global_cost(cirq.LineQubit.range(n)) if hasattr(circuits, "global_cost") else cirq.PauliSum.from_pauli_strings(
        [cirq.Z(q) for q in cirq.LineQubit.range(n)])
    ok = T.two_design_gradient_variance(c, obs, parameters="first", memory_limit="1GiB")
    assert ok.values[0] > 0
    with pytest.raises(MemoryBudgetExceeded, match="2-design chain"):
        T.two_design_gradient_variance(c, obs, parameters="first", memory_limit=20_000)
