"""Clifford + rotation circuits: generators read by conjugating through the following Cliffords.

Checked against dense computations that share nothing with the frame code: the full circuit
unitary from Cirq versus ``C · Π_k exp(-iθ_k P'_k/2)`` built from matrices; the tangent
``∂_k U U†`` at θ = 0; and the rank of the tangent space of a deep circuit at random angles,
which equals ``dim g`` of the dynamical Lie algebra (Larocca et al. 2022).
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import scipy.linalg
import sympy

from bpcalc import circuits
from bpcalc.bounds.exact import circuit_generators, clifford_frame, dla_dimension, lie_closure


def _random_clifford_rotation_circuit(n: int, n_rot: int, seed: int) -> cirq.Circuit:
    rng = np.random.default_rng(seed)
    qs = cirq.LineQubit.range(n)
    ops = []
    cliffords = [cirq.H, cirq.S, cirq.X, cirq.S**-1, cirq.Y]
    for k in range(n_rot):
        ops.append([cirq.rx, cirq.ry, cirq.rz][rng.integers(3)](sympy.Symbol(f"t{k}")).on(qs[rng.integers(n)]))
        for _ in range(2):
            if rng.random() < 0.5 and n > 1:
                a, b = rng.choice(n, 2, replace=False)
                ops.append([cirq.CZ, cirq.CNOT, cirq.SWAP, cirq.ISWAP][rng.integers(4)](qs[a], qs[b]))
            else:
                ops.append(cliffords[rng.integers(len(cliffords))](qs[rng.integers(n)]))
    return cirq.Circuit(ops)


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    k = np.argmax(np.abs(b))
    phase = a.flat[k] / b.flat[k]
    return abs(abs(phase) - 1) < 1e-9 and np.allclose(a, phase * b, atol=1e-9)


@pytest.mark.parametrize("n,n_rot,seed", [(1, 4, 0), (2, 6, 1), (3, 8, 2), (4, 8, 3)])
def test_frame_reproduces_the_circuit_unitary(n, n_rot, seed):
    circ = _random_clifford_rotation_circuit(n, n_rot, seed)
    frame = clifford_frame(circ)
    qs = cirq.LineQubit.range(n)
    rng = np.random.default_rng(seed)
    theta = {sympy.Symbol(f"t{k}"): float(rng.uniform(0, 2 * np.pi)) for k in range(n_rot)}
    u = cirq.resolve_parameters(circ, theta).unitary(qubit_order=qs)
    v = np.eye(2**n, dtype=complex)
    for p, s in zip(frame.generators, frame.symbols):
        v = scipy.linalg.expm(-0.5j * theta[s] * p.matrix(qs)) @ v
    c = cirq.Circuit(frame.clifford.all_operations(), cirq.IdentityGate(n).on(*qs)).unitary(qubit_order=qs)
    assert _equal_up_to_phase(u, v @ c)            # the Cliffords act first, on the input side
    assert not _equal_up_to_phase(u, c @ v)         # the other side is wrong for these circuits
    # expectation values: the input state is read in the frame, C|ψ⟩
    obs = circuits.parse_pauli_sum("0.7*Z0 + 0.2*X0", qubits=qs).matrix(qs)
    psi = np.random.default_rng(seed).normal(size=2**n) + 0j
    psi /= np.linalg.norm(psi)
    lhs = np.real((u @ psi).conj() @ obs @ (u @ psi))
    phi = v @ frame.transform_states(psi[None, :], qs)[0]
    assert lhs == pytest.approx(np.real(phi.conj() @ obs @ phi), abs=1e-10)


def test_tangent_at_zero_is_the_conjugated_generator():
    """∂_k U U† at θ = 0 equals −(i/2) C_k P_k C_k† with C_k the Cliffords after rotation k (finite differences)."""
    circ = _random_clifford_rotation_circuit(3, 5, 7)
    qs = cirq.LineQubit.range(3)
    frame = clifford_frame(circ)
    zero = {s: 0.0 for s in frame.symbols}
    u0 = cirq.resolve_parameters(circ, zero).unitary(qubit_order=qs)
    h = 1e-6
    for p, s in zip(frame.generators, frame.symbols):
        up = cirq.resolve_parameters(circ, {**zero, s: h}).unitary(qubit_order=qs)
        um = cirq.resolve_parameters(circ, {**zero, s: -h}).unitary(qubit_order=qs)
        tangent = (up - um) / (2 * h) @ u0.conj().T
        np.testing.assert_allclose(tangent, -0.5j * p.matrix(qs), atol=1e-6)


def _tangent_rank(circ: cirq.Circuit, qs, seed: int) -> int:
    """Rank of {U† ∂_k U} (as real vectors) at random θ: dim of the reachable manifold's tangent space."""
    rng = np.random.default_rng(seed)
    syms = sorted(cirq.parameter_symbols(circ), key=lambda s: s.name)
    theta = {s: float(rng.uniform(0, 2 * np.pi)) for s in syms}
    u = cirq.resolve_parameters(circ, theta).unitary(qubit_order=qs)
    vecs = []
    for s in syms:
        up = cirq.resolve_parameters(circ, {**theta, s: theta[s] + np.pi / 2}).unitary(qubit_order=qs)
        um = cirq.resolve_parameters(circ, {**theta, s: theta[s] - np.pi / 2}).unitary(qubit_order=qs)
        d = u.conj().T @ (up - um) / 2      # exact derivative for frequency-1 rotations
        d = d - np.trace(d) / len(d) * np.eye(len(d))
        vecs.append(np.concatenate([d.real.ravel(), d.imag.ravel()]))
    sv = np.linalg.svd(np.array(vecs), compute_uv=False)
    return int(np.sum(sv > 1e-8 * sv[0]))


@pytest.mark.parametrize("rotations,entangler,expected", [
    (("ry",), "cz", None),            # real orthogonal circuits: so(4)-type algebra, not su(4)
    (("rx", "ry"), "cz", 15),         # controllable: su(4)
    (("rz",), "cz", None),            # abelian
])
def test_dla_dimension_matches_deep_tangent_rank(rotations, entangler, expected):
    n = 2
    circ = circuits.hardware_efficient(n, 12, rotations=rotations, entangler=entangler)
    qs = sorted(circ.all_qubits())
    with pytest.raises(ValueError, match="constant gate"):
        circuit_generators(circ)
    gens = circuit_generators(circ, cliffords=True)
    dim = dla_dimension(gens, qs)
    if expected is not None:
        assert dim == expected
    assert _tangent_rank(circ, qs, seed=1) == dim


def test_controllable_three_qubit_hea_and_decomposition():
    one = circuits.hardware_efficient(3, 1, rotations=("rx", "ry"), entangler="cz")
    # one layer: the reachable set is (local rotations)·C, dim su(2)^3 = 9; two layers: su(8)
    assert dla_dimension(circuit_generators(one, cliffords=True), sorted(one.all_qubits())) == 9
    circ = circuits.hardware_efficient(3, 2, rotations=("rx", "ry"), entangler="cz")
    frame = clifford_frame(circ)
    alg = lie_closure(list(frame.generators), frame.qubits)
    assert alg.dimension == 63
    ry = circuits.hardware_efficient(3, 2, rotations=("ry",), entangler="cz")
    alg_ry = lie_closure(circuit_generators(ry, cliffords=True), sorted(ry.all_qubits()))
    assert alg_ry.dimension < 63


def test_non_clifford_constant_gate_refused():
    q = cirq.LineQubit.range(2)
    circ = cirq.Circuit(cirq.rx(sympy.Symbol("a")).on(q[0]), cirq.T(q[0]), cirq.CZ(*q))
    with pytest.raises(ValueError, match="non-Clifford"):
        clifford_frame(circ)
