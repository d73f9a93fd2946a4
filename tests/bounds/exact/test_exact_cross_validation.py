"""Cross-validation: the three engines against exact brute force and against each other.

* Pauli paths vs exact trigonometric-grid averaging: ``test_exact_pauli_paths.py``;
* 2-design chain vs exact Weingarten (Haar) averaging of the two-copy state — here;
* 2-design chain (one global block) vs Lie algebra ``su(2^n)`` — here and in the Lie tests;
* Lie algebra vs Pauli paths on deep circuits and vs sampled deep circuits — Lie tests;
* 2-design chain vs Pauli paths with deep random blocks — 2-design tests.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from exact_brute import haar_block_moments, random_state

TOL = 1e-9


@pytest.mark.parametrize(
    "blocks, deriv, obs_text",
    [
        ([[0, 1], [2, 3]], 0, "Z0 + 0.5*Z1 - 0.3*X0*Y1 + 0.2*Z0*Z3"),
        ([[0, 1], [2, 3], [1, 2]], 0, "Z2 + 0.7*X1*Y2"),
        ([[0, 1], [2, 3], [1, 2]], 2, "Z1*Z2 + 0.4*X3"),
        ([[0, 1, 2], [1, 2, 3]], 1, "Y3 - Z0*X1"),
        ([[0, 1], [2, 3], [1, 2], [0, 1]], 1, "Z0"),
    ],
)
def test_two_design_chain_matches_exact_haar_average(blocks, deriv, obs_text):
    n = 4
    qs = cirq.LineQubit.range(n)
    rng = np.random.default_rng(7)
    psis = [random_state(n, rng) for _ in range(2)]
    rhos = [np.outer(p, p.conj()) for p in psis]
    obs = circuits.parse_pauli_sum(obs_text)
    omat = obs.matrix(qs)
    design = [
        E.DesignBlock(qubits=tuple(qs[q] for q in b), symbols=(sympy.Symbol(f"k{i}"),)) for i, b in enumerate(blocks)
    ]
    res = E.two_design_gradient_variance(design, obs, np.stack(psis), [f"k{deriv}"], qubits=qs, covariance=True)
    m = len(blocks[deriv])
    pauli = np.kron(np.diag([1.0, -1.0]), np.eye(2 ** (m - 1)))  # Z on the block's first qubit
    for a in range(2):
        for b in range(2):
            ref = haar_block_moments(blocks, n, rhos[a], rhos[b], omat, deriv, pauli)
            assert abs(res.covariance[0, a, b] - ref) < TOL
    loss = E.two_design_loss_variance(design, obs, psis[0], qubits=qs)
    ref2 = haar_block_moments(blocks, n, rhos[0], rhos[0], omat)
    mean = np.real(psis[0].conj() @ omat @ psis[0]) if False else None
    del mean
    assert abs(loss.second_moment - ref2) < TOL


def test_engines_agree_on_a_global_two_design():
    """One block over all qubits: 2-design chain = Lie su(2^n) = McClean/Holmes closed form."""
    n = 3
    qs = cirq.LineQubit.range(n)
    psi = random_state(n, np.random.default_rng(1))
    obs = circuits.parse_pauli_sum("Z0 - 0.4*X1*Y2")
    gens = [cirq.X(p) for p in qs] + [cirq.Y(p) for p in qs] + [cirq.Z(a) * cirq.Z(b) for a, b in zip(qs, qs[1:])]
    k = sympy.Symbol("k")
    chain = E.two_design_gradient_variance([E.DesignBlock(qubits=tuple(qs), symbols=(k,))], obs, psi)
    # Lie gradient formula on a circuit whose generator for k is Z0 (any generator gives d²/2 anticommuting strings)
    circ = cirq.Circuit([cirq.rx(sympy.Symbol("x0")).on(qs[0]), cirq.rz(k).on(qs[0])] + [
        cirq.ry(sympy.Symbol(f"y{i}")).on(q) for i, q in enumerate(qs)] + [
        cirq.ZZ(a, b) ** sympy.Symbol(f"z{i}") for i, (a, b) in enumerate(zip(qs, qs[1:]))] + [
        cirq.rx(sympy.Symbol(f"x{i}")).on(q) for i, q in enumerate(qs) if i > 0])
    lie = E.lie_algebraic_gradient_variance(circ, obs, psi, [k])
    assert abs(chain.values[0] - lie.values[0]) < 1e-12
    assert E.dla_dimension(gens) == 63
