"""Independent reference computations for the issue-8 theorem tests (not collected by pytest).

* :func:`chain_variance` — exact ``E[(∂_k C)²]`` for a circuit of local 2-design blocks by the
  Pauli-support Markov chain: a 2-design block sends ``P⊗P`` (non-identity on its support) to
  the uniform mixture of the ``4^m − 1`` non-identity ``R⊗R`` (so only the support pattern
  matters, a non-empty pattern ``A`` with probability ``3^{|A|}/(4^m − 1)``) and kills
  ``P⊗Q``, ``P ≠ Q``; θ_k's block multiplies by ``2^{2m−1}/(2^{2m} − 1)`` (the probability of
  anticommuting with the rotation's Pauli).  At the input a support ``S`` contributes
  ``3^{-|S|} Σ_{supp R = S} Tr[ρR]²``.
* :func:`haar_block_gradients` — the same quantity sampled with Haar-random blocks
  (``scipy.stats.unitary_group``) and an exact parameter-shift derivative.
* :func:`ala_layers` — the alternating layered geometry, written independently of bpcalc.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import unitary_group

PAULIS = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def ala_layers(n: int, m: int, n_layers: int) -> list[list[tuple[int, ...]]]:
    """Blocks of an open-boundary alternating layered ansatz, layer by layer from the input."""
    out = []
    for layer in range(n_layers):
        shift = 0 if layer % 2 == 0 else m // 2
        out.append([tuple(range(s, s + m)) for s in range(shift, n - m + 1, m)])
    return out


def pauli_squares_by_support(states: np.ndarray) -> np.ndarray:
    """``mean_states Σ_{supp R = S} Tr[ρR]²`` for every support mask ``S`` (bit j = qubit j)."""
    states = np.atleast_2d(states)
    n = int(np.log2(states.shape[1]))
    t_mat = np.stack([PAULIS[c].T for c in "IXYZ"])
    total = np.zeros(2**n)
    support = np.zeros([4] * n, dtype=np.int64)
    for q in range(n):
        shape = [1] * n
        shape[q] = 4
        support = support + (np.array([0, 1, 1, 1]).reshape(shape) << q)
    for psi in states:
        t = np.outer(psi, psi.conj()).reshape([2] * (2 * n))
        for q in range(n):
            k = n - q
            t = np.tensordot(t_mat, t, axes=([1, 2], [q, q + k]))
            t = np.moveaxis(t, 0, q)
        np.add.at(total, support.ravel(), (t.real**2).ravel())
    return total / states.shape[0]


def pauli_terms_to_masks(terms: list[tuple[float, str]]) -> list[tuple[float, int]]:
    """``[(coefficient, 'ZIXI…'), …] -> [(coefficient², support mask), …]`` (identity dropped)."""
    out = []
    for c, label in terms:
        mask = sum(1 << j for j, ch in enumerate(label) if ch != "I")
        if mask:
            out.append((abs(c) ** 2, mask))
    return out


def chain_variance(layers, derivative_block: tuple[int, int], terms, squares: np.ndarray) -> float:
    """Exact ``E[(∂C)²]`` (``E[∂C] = 0``); ``terms`` as from :func:`pauli_terms_to_masks`."""
    dist: dict[int, float] = {}
    for w, mask in terms:
        dist[mask] = dist.get(mask, 0.0) + w
    for li in range(len(layers) - 1, -1, -1):
        for bi, block in enumerate(layers[li]):
            bmask = sum(1 << q for q in block)
            m = len(block)
            patterns = [(bits, 3 ** bin(bits).count("1") / (4**m - 1)) for bits in range(1, 2**m)]
            new: dict[int, float] = {}
            for mask, w in dist.items():
                if not mask & bmask:
                    if (li, bi) != derivative_block:
                        new[mask] = new.get(mask, 0.0) + w
                    continue
                if (li, bi) == derivative_block:
                    w = w * 2 ** (2 * m - 1) / (4**m - 1)
                rest = mask & ~bmask
                for bits, p in patterns:
                    nm = rest
                    for j, q in enumerate(block):
                        if bits >> j & 1:
                            nm |= 1 << q
                    new[nm] = new.get(nm, 0.0) + w * p
            dist = new
    return float(sum(w * squares[mask] / 3 ** bin(mask).count("1") for mask, w in dist.items()))


def _apply(psi: np.ndarray, u: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    k = len(qubits)
    t = np.tensordot(u.reshape([2] * (2 * k)), psi.reshape([2] * n), axes=(list(range(k, 2 * k)), list(qubits)))
    return np.moveaxis(t, list(range(k)), list(qubits)).reshape(-1)


def haar_block_gradients(layers, derivative_block, pauli_label: str, observable: np.ndarray,
                         psi: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``∂C`` for Haar-random blocks; θ_k's block is ``W_A R_P(θ) W_B`` (both Haar)."""
    n = int(np.log2(psi.size))
    p = np.array([[1.0 + 0j]])
    for ch in pauli_label:
        p = np.kron(p, PAULIS[ch])
    dim = p.shape[0]
    out = np.empty(n_samples)
    for s in range(n_samples):
        us = {(li, bi): unitary_group.rvs(2 ** len(b), random_state=rng)
              for li, lay in enumerate(layers) for bi, b in enumerate(lay)}
        w_b = unitary_group.rvs(dim, random_state=rng)

        def cost(theta: float) -> float:
            st = psi.copy()
            for li, lay in enumerate(layers):
                for bi, b in enumerate(lay):
                    u = us[(li, bi)]
                    if (li, bi) == derivative_block:
                        u = u @ (np.cos(theta / 2) * np.eye(dim) - 1j * np.sin(theta / 2) * p) @ w_b
                    st = _apply(st, u, b, n)
            return float(np.vdot(st, observable @ st).real)

        out[s] = (cost(np.pi / 2) - cost(-np.pi / 2)) / 2
    return out
