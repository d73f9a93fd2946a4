"""Dynamical Lie algebras: published dimensions, ideal splits, and the deep-circuit variance."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.exact import lie_algebra as LA
from exact_brute import random_state


def _chain(n):
    q = cirq.LineQubit.range(n)
    return q, list(zip(q, q[1:]))


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 40])
def test_tfim_open_chain_is_so_2n(n):
    """Transverse-field Ising generators {X_i, Z_i Z_i+1} (independent parameters) on an open
    chain: free fermions, g = so(2n), dim n(2n−1) — e.g. Wiersema et al. arXiv:2309.05690
    (classification, TFIM class) and Ragone et al. arXiv:2309.09342 (matchgate example)."""
    q, bonds = _chain(n)
    gens = [cirq.X(p) for p in q] + [cirq.Z(a) * cirq.Z(b) for a, b in bonds]
    assert LA.dla_dimension(gens) == n * (2 * n - 1)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_hardware_efficient_generators_give_su(n):
    """{X_i, Y_i, Z_i Z_i+1}: controllable, g = su(2^n), dim 4^n − 1 (Larocca et al.
    arXiv:2105.14377, hardware-efficient ansatz)."""
    q, bonds = _chain(n)
    gens = [cirq.X(p) for p in q] + [cirq.Y(p) for p in q] + [cirq.Z(a) * cirq.Z(b) for a, b in bonds]
    alg = LA.lie_closure(gens)
    assert alg.dimension == 4**n - 1
    assert alg.ideal_dimensions == (4**n - 1,) and alg.centre_dimension == 0


@pytest.mark.parametrize("n", [3, 4, 5])
def test_periodic_translation_invariant_ising(n):
    """Two controls Σ X_j and Σ Z_j Z_{j+1} (ring): dim 3n − 1 with a two-dimensional centre
    and a (3n − 3)-dimensional semisimple part (D'Alessandro & Isik, arXiv:2405.00898).
    Exercises the Pauli-sum (shared-parameter) closure."""
    q = cirq.LineQubit.range(n)
    hx = cirq.PauliSum.from_pauli_strings([cirq.X(p) for p in q])
    hzz = cirq.PauliSum.from_pauli_strings([cirq.Z(q[i]) * cirq.Z(q[(i + 1) % n]) for i in range(n)])
    alg = LA.lie_closure([hx, hzz])
    assert alg.dimension == 3 * n - 1
    assert alg.centre_dimension == 2
    assert sum(alg.ideal_dimensions) == 3 * n - 3


@pytest.mark.parametrize("n", [2, 3, 4])
def test_single_qubit_rotations_split_into_su2_ideals(n):
    q = cirq.LineQubit.range(n)
    alg = LA.lie_closure([cirq.X(p) for p in q] + [cirq.Y(p) for p in q])
    assert alg.dimension == 3 * n
    assert alg.ideal_dimensions == (3,) * n


def test_so4_is_split_into_two_su2():
    """so(4) ≅ su(2) ⊕ su(2): the Pauli basis {ZI, IZ, XX, YY, XY, YX} is one anticommutation
    component, but the algebra is not simple; the split must find the two ideals."""
    q, bonds = _chain(2)
    alg = LA.lie_closure([cirq.X(q[0]), cirq.X(q[1]), cirq.Z(q[0]) * cirq.Z(q[1])])
    assert alg.dimension == 6
    assert sorted(alg.ideal_dimensions) == [3, 3]
    a, b = alg.ideals
    np.testing.assert_allclose(a @ b.T, 0, atol=1e-10)  # orthogonal ideals
    # purities of an element of g add up over the ideals
    pur = LA.g_purity(alg, "X0")
    assert abs(sum(pur["ideals"]) - 4.0) < 1e-10 and abs(pur["ideals"][0] - 2.0) < 1e-10


def test_g_purity_of_su_is_hilbert_schmidt():
    n = 3
    q, bonds = _chain(n)
    alg = LA.lie_closure([cirq.X(p) for p in q] + [cirq.Y(p) for p in q] + [cirq.Z(a) * cirq.Z(b) for a, b in bonds])
    psi = random_state(n, np.random.default_rng(0))
    assert abs(LA.g_purity(alg, psi)["total"] - (1 - 2.0**-n)) < 1e-12
    assert abs(LA.g_purity(alg, "Z0 + 0.5*X1*Y2")["total"] - 2**n * 1.25) < 1e-12


def _tfim_circuit(n, layers):
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    for layer in range(layers):
        c.append(cirq.Moment(cirq.rx(sympy.Symbol(f"a_{layer}_{i}")).on(q[i]) for i in range(n)))
        for start in (0, 1):
            c.append(
                cirq.Moment(cirq.ZZ(q[i], q[i + 1]) ** sympy.Symbol(f"b_{layer}_{i}") for i in range(start, n - 1, 2))
            )
    return c, q


def test_lie_variance_is_the_deep_limit_of_pauli_paths():
    n, layers = 4, 80
    circ, q = _tfim_circuit(n, layers)
    obs = cirq.Z(q[0]) * cirq.Z(q[1]) + 0.5 * cirq.X(q[2])
    lie = LA.lie_algebraic_variance(circ, obs, "+0+0")
    deep = E.exact_loss_variance(circ, obs, "+0+0")
    assert deep.method == "exact"
    assert abs(deep.value - lie.value) < 1e-5
    params = [f"a_{layers // 2}_1", f"b_{layers // 2}_1"]
    lg = LA.lie_algebraic_gradient_variance(circ, obs, "+0+0", params)
    dg = E.exact_gradient_variance(circ, obs, "+0+0", params)
    np.testing.assert_allclose(dg.values, lg.values, rtol=2e-3)


def _sample_deep_losses(circ, qubits, obs, psi, draws, rng):
    """Monte Carlo over θ with a batched state vector (gates from circuits.as_pauli_rotation)."""
    n = len(qubits)
    index = {q: i for i, q in enumerate(qubits)}
    state = np.repeat(psi[None].astype(complex), draws, axis=0).reshape((draws,) + (2,) * n)
    for op in circ.all_operations():
        rot = circuits.as_pauli_rotation(op)
        aff = circuits.affine_angle(rot.angle)
        period = 2 * np.pi if abs(aff.coefficient - round(aff.coefficient)) < 1e-9 else 2.0
        s = rng.uniform(0, period, draws)
        phi = aff.coefficient * s + aff.offset
        pq = list(rot.pauli.qubits)
        pm = rot.pauli.matrix(pq)
        k = len(pq)
        u = np.cos(phi / 2)[:, None, None] * np.eye(2**k) - 1j * np.sin(phi / 2)[:, None, None] * pm
        axes = [index[x] for x in pq]
        rest = [a for a in range(n) if a not in axes]
        perm = [0] + [1 + a for a in axes] + [1 + a for a in rest]
        t = np.transpose(state, perm).reshape(draws, 2**k, -1)
        t = np.einsum("mab,mbr->mar", u, t).reshape((draws,) + (2,) * n)
        state = np.transpose(t, np.argsort(perm))
    flat = state.reshape(draws, -1)
    om = obs.matrix(qubits)
    return np.einsum("mi,ij,mj->m", flat.conj(), om, flat).real


def test_lie_variance_against_sampled_deep_circuit():
    n, layers = 3, 30
    circ, q = _tfim_circuit(n, layers)
    obs = cirq.Z(q[0]) * cirq.Z(q[1])
    psi = random_state(n, np.random.default_rng(9))
    lie = LA.lie_algebraic_variance(circ, obs, psi)
    losses = _sample_deep_losses(circ, q, cirq.PauliSum.wrap(obs), psi, 6000, np.random.default_rng(10))
    var = losses.var(ddof=1)
    # standard error of a sample variance: sqrt((m4 - σ^4 (m-3)/(m-1)) / m)
    c = losses - losses.mean()
    se = np.sqrt((np.mean(c**4) - var**2 * (len(c) - 3) / (len(c) - 1)) / len(c))
    assert abs(var - lie.value) < 4 * se, (var, lie.value, se)
    assert abs(losses.mean() - lie.mean) < 4 * losses.std() / np.sqrt(len(losses))


def test_two_design_block_equals_su_lie_variance():
    n = 3
    q, bonds = _chain(n)
    psi = random_state(n, np.random.default_rng(3))
    obs = circuits.parse_pauli_sum("Z0 + 0.3*X1*Y2")
    gens = [cirq.X(p) for p in q] + [cirq.Y(p) for p in q] + [cirq.Z(a) * cirq.Z(b) for a, b in bonds]
    lie = LA.lie_algebraic_variance(gens, obs, psi)
    blk = [E.DesignBlock(qubits=tuple(q), symbols=(sympy.Symbol("k"),))]
    assert abs(E.two_design_loss_variance(blk, obs, psi).value - lie.value) < 1e-12


def test_observable_outside_dla_is_refused():
    circ, q = _tfim_circuit(3, 2)
    with pytest.raises(ValueError, match="not in the dynamical Lie algebra"):
        LA.lie_algebraic_variance(circ, cirq.Z(q[0]), None)


def test_fixed_gates_are_refused():
    with pytest.raises(ValueError, match="constant gate"):
        LA.circuit_generators(circuits.hardware_efficient(3, 1))


def test_lie_closure_rejects_complex_and_empty_generators():
    q = cirq.LineQubit(0)
    with pytest.raises(ValueError, match="complex"):
        LA.lie_closure([cirq.PauliString(cirq.X(q), coefficient=1j)])
    with pytest.raises(ValueError):
        LA.lie_closure([])
    with pytest.raises(ValueError, match="max_dim"):
        LA.lie_closure([cirq.X(p) for p in cirq.LineQubit.range(3)] + [cirq.Y(p) for p in cirq.LineQubit.range(3)]
                       + [cirq.Z(cirq.LineQubit(0)) * cirq.Z(cirq.LineQubit(1)), cirq.Z(cirq.LineQubit(1)) * cirq.Z(cirq.LineQubit(2))], max_dim=20)
