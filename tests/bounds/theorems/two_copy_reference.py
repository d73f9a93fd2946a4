"""Dense two-copy moments ``E[σ⊗σ]`` of circuits of local 2-design blocks (independent of bpcalc's engines).

The block twirls act on the Pauli-pair coefficients of ``ρ⊗ρ`` in time order: pairs that differ on a block
vanish, pairs that agree on it become uniform over the block's non-identity strings (the exact 2-design
twirl).  ``input_relative_error`` is the smallest ε with ``(1−ε)Y ≼ X ≼ (1+ε)Y``, ``Y = 2Π_sym/(d(d+1))``
the Haar two-copy state of a pure input.  Used by ``test_schuster2024.py`` and the soundness suite.
"""

from __future__ import annotations

import functools
import itertools

import cirq
import numpy as np

PAULI = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])]


def ala_blocks(n: int, layers: int, m: int = 2):
    out = []
    for layer in range(layers):
        start = 0 if layer % 2 == 0 else m // 2
        out.extend(tuple(range(s, s + m)) for s in range(start, n - m + 1, m))
    return out


def two_copy_coefficients(n: int, blocks) -> np.ndarray:
    """Coefficients c[P, Q] of E[σ⊗σ] = Σ c[P,Q] P⊗Q (axes: p_1..p_n, q_1..q_n; 0=I, 1=X, 2=Y, 3=Z)."""
    d = 2**n
    c = np.zeros((4,) * (2 * n))
    for idx in itertools.product((0, 3), repeat=2 * n):
        c[idx] = 1.0 / d**2
    for blk in blocks:
        m = len(blk)
        axes = list(blk) + [n + q for q in blk]
        t = np.moveaxis(c, axes, list(range(2 * m)))
        rest = t.shape[2 * m:]
        t = t.reshape((4**m, 4**m) + rest)
        diag = np.einsum("ss...->s...", t)
        new = np.zeros_like(t)
        new[0, 0] = t[0, 0]
        avg = diag[1:].sum(axis=0) / (4**m - 1)
        for s in range(1, 4**m):
            new[s, s] = avg
        c = np.moveaxis(new.reshape((4,) * (2 * m) + rest), list(range(2 * m)), axes)
    return c


@functools.lru_cache(maxsize=None)
def _pauli_matrix(idx: tuple) -> np.ndarray:
    out = np.eye(1)
    for k in idx:
        out = np.kron(out, PAULI[k])
    return out


def dense_moments(n: int, blocks, obs_matrix: np.ndarray):
    """(X as a d²×d² matrix, exact Var[ℓ]) for observable obs_matrix."""
    d = 2**n
    c = two_copy_coefficients(n, blocks)
    X = np.zeros((d * d, d * d), dtype=complex)
    for idx in zip(*np.nonzero(np.abs(c) > 1e-15)):
        X += c[idx] * np.kron(_pauli_matrix(tuple(idx[:n])), _pauli_matrix(tuple(idx[n:])))
    second = np.real(np.trace(np.kron(obs_matrix, obs_matrix) @ X))
    marginal = np.einsum("aibi->ab", X.reshape(d, d, d, d))
    first = np.real(np.trace(obs_matrix @ marginal))
    return X, second - first**2


def input_relative_error(X: np.ndarray, d: int) -> float:
    swap = np.zeros((d * d, d * d))
    for a in range(d):
        for b in range(d):
            swap[a * d + b, b * d + a] = 1
    w, v = np.linalg.eigh((np.eye(d * d) + swap) / 2)
    sym = v[:, w > 0.5]
    assert np.allclose(sym @ (sym.conj().T @ X @ sym) @ sym.conj().T, X, atol=1e-12)  # X lives on Sym
    eig = np.linalg.eigvalsh(sym.conj().T @ X @ sym) * d * (d + 1) / 2
    return float(np.max(np.abs(eig - 1)))


def projector(n: int) -> cirq.PauliSum:
    qs = cirq.LineQubit.range(n)
    terms = []
    for bits in itertools.product((0, 1), repeat=n):
        ps = cirq.PauliString({qs[j]: cirq.Z for j in range(n) if bits[j]}) * (1.0 / 2**n)
        terms.append(ps)
    return cirq.PauliSum.from_pauli_strings(terms)


