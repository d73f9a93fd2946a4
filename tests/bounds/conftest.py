"""Independent exact tools for the bounds tests.

* The n-qubit Clifford group modulo phases (n = 1: 24 elements, n = 2: 11520), enumerated by
  breadth-first search from H, S and CNOT.  It is an exact unitary 2-design (even 3-design),
  so averages over it are exact Haar second moments — computed without any Weingarten formula.
* All n-qubit stabilizer states (a complex projective 3-design).
* Brute-force parameter averaging helpers (equally spaced grids are exact for trig polynomials).
"""

from __future__ import annotations

import functools
import itertools
import types

import numpy as np
import pytest

I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
S = np.diag([1, 1j])
PAULI = {"I": I2, "X": X, "Y": Y, "Z": Z}


def kron(*ms):
    out = np.eye(1, dtype=complex)
    for m in ms:
        out = np.kron(out, m)
    return out


def on(gate, position, n):
    """Single-qubit ``gate`` on qubit ``position`` of ``n`` (big-endian)."""
    return kron(*[gate if j == position else I2 for j in range(n)])


def cnot(c, t, n):
    p0 = np.diag([1, 0]).astype(complex)
    p1 = np.diag([0, 1]).astype(complex)
    return kron(*[p0 if j == c else I2 for j in range(n)]) + kron(
        *[p1 if j == c else (X if j == t else I2) for j in range(n)])


def _canonical(m: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Phase-normalised copy snapped to 12 decimals (so round-off cannot accumulate) and its key."""
    flat = m.reshape(-1)
    k = int(np.argmax(np.abs(flat) > 1e-6))
    m = np.round(m * (abs(flat[k]) / flat[k]), 12) + 0.0
    return np.round(m, 7).tobytes(), m


def _generators(n):
    gens = []
    for j in range(n):
        gens += [on(H, j, n), on(S, j, n)]
    for a, b in itertools.permutations(range(n), 2):
        gens.append(cnot(a, b, n))
    return gens


@functools.lru_cache(maxsize=None)
def clifford_group(n: int) -> np.ndarray:
    """All n-qubit Cliffords modulo phase, shape (|C_n|, 2^n, 2^n)."""
    gens = _generators(n)
    start = np.eye(2**n, dtype=complex)
    seen = {_canonical(start)[0]: start}
    frontier = [start]
    while frontier:
        nxt = []
        for u in frontier:
            for g in gens:
                k, v = _canonical(g @ u)
                if k not in seen:
                    seen[k] = v
                    nxt.append(v)
        frontier = nxt
    return np.stack(list(seen.values()))


@functools.lru_cache(maxsize=None)
def stabilizer_states(n: int) -> np.ndarray:
    """All n-qubit stabilizer states modulo phase, shape (count, 2^n)."""
    gens = _generators(n)
    start = np.zeros(2**n, dtype=complex)
    start[0] = 1
    seen = {_canonical(start)[0]: start}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for g in gens:
                k, w = _canonical(g @ v)
                if k not in seen:
                    seen[k] = w
                    nxt.append(w)
        frontier = nxt
    out = np.stack(list(seen.values()))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def vec_moment(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``mean_k vec(A_k) vec(B_k)^T`` for batches of matrices (row-major vec)."""
    b = a if b is None else b
    va = a.reshape(a.shape[0], -1)
    vb = b.reshape(b.shape[0], -1)
    return va.T @ vb / a.shape[0]


def pair_trace_moment(ma: np.ndarray, mb: np.ndarray) -> complex:
    """``E[Tr(A)Tr(B)]``-style contraction: ``E_{a,b}[Tr(σ_a M_b)²]`` = sum(S ∘ T) with
    ``S = E vec(σ)vec(σ)^T`` and ``T = E vec(M^T)vec(M^T)^T``."""
    return complex(np.sum(ma * mb))


def rotation(p: np.ndarray, theta: float) -> np.ndarray:
    """``exp(-iθP/2)`` for a Pauli (string) matrix ``p``."""
    return np.cos(theta / 2) * np.eye(p.shape[0]) - 1j * np.sin(theta / 2) * p


def random_density(d: int, rng: np.random.Generator, rank: int | None = None) -> np.ndarray:
    g = rng.normal(size=(d, rank or d)) + 1j * rng.normal(size=(d, rank or d))
    rho = g @ g.conj().T
    return rho / np.trace(rho)


def random_hermitian(d: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    return (g + g.conj().T) / 2


def delta(m: np.ndarray) -> float:
    d = m.shape[0]
    return float(np.real(np.trace(m @ m)) - np.real(np.trace(m)) ** 2 / d)


@pytest.fixture(scope="session")
def tools():
    return types.SimpleNamespace(
        clifford_group=clifford_group, stabilizer_states=stabilizer_states, vec_moment=vec_moment,
        rotation=rotation, random_density=random_density, random_hermitian=random_hermitian, delta=delta,
        kron=kron, on=on, cnot=cnot, PAULI=PAULI, H=H, S=S,
    )
