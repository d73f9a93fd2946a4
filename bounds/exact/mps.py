"""Matrix product states over qubits with a tracked orthogonality centre (numpy only).

The working object of the tensor-network engine (:mod:`bpcalc.bounds.exact.tensor_network`): a
vector on ``d^n`` entries (``d = 4`` Pauli letters per qubit for a single-string Markov
chain, ``d = 16`` letter pairs for a Pauli sum) stored as site tensors ``A_j`` of shape
``(χ_{j}, d, χ_{j+1})``.

Truncation is only ever done at the orthogonality centre (every site to its left
left-isometric, every site to its right right-isometric), so the discarded singular values
of one split are the Schmidt coefficients of the whole vector and
``sqrt(Σ discarded s²)`` is the *exact* 2-norm of the change (Schollwöck 2011, §4.5).
:meth:`MPS.apply_block` returns that norm; callers add them up (triangle inequality).

References
----------
.. [1] U. Schollwöck, "The density-matrix renormalization group in the age of matrix
   product states", Ann. Phys. 326, 96 (2011), arXiv:1008.3477.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import scipy.linalg

from ..memory import MemoryBudget

__all__ = ["MPS", "Truncation", "mps_sum", "overlap", "product_mps", "sum_of_products_mps", "transfer", "transfer_right"]

#: singular values below this fraction of the largest one are float64 round-off
NOISE_FLOOR = 1e-14


def _svd(mat: np.ndarray):
    """``U, s, Vᵀ`` (thin) by LAPACK ``gesdd``, falling back to ``gesvd`` when it does not converge."""
    try:
        return scipy.linalg.svd(mat, full_matrices=False, lapack_driver="gesdd", check_finite=False)
    except np.linalg.LinAlgError:  # pragma: no cover - gesdd convergence failure
        return scipy.linalg.svd(mat, full_matrices=False, lapack_driver="gesvd", check_finite=False)


class Truncation:
    """How singular values are kept: ``rel_cutoff`` (fraction of the largest) and ``max_bond``.

    The default keeps everything above the float64 noise floor (``rel_cutoff = 1e-14``).
    """

    __slots__ = ("rel_cutoff", "max_bond")

    def __init__(self, rel_cutoff: float = NOISE_FLOOR, max_bond: Optional[int] = None) -> None:
        self.rel_cutoff = float(rel_cutoff)
        self.max_bond = None if max_bond is None else int(max_bond)

    def keep(self, s: np.ndarray) -> int:
        """Number of leading singular values (descending) to keep."""
        if len(s) == 0 or s[0] <= 0:
            return 1
        r = int(np.count_nonzero(s > self.rel_cutoff * s[0]))
        if self.max_bond is not None:
            r = min(r, self.max_bond)
        return max(r, 1)


class MPS:
    """A mutable matrix product state (the engine's working object, not public API).

    Attributes
    ----------
    tensors : list of ``(χl, d, χr)`` arrays.
    center : index of the orthogonality centre, or ``None`` when the gauge is unknown.
    """

    def __init__(self, tensors: Sequence[np.ndarray], center: Optional[int] = None) -> None:
        self.tensors = [np.asarray(t, dtype=float) for t in tensors]
        # sites < gauge[0] are left-isometric, sites > gauge[1] right-isometric
        self.gauge = (0, len(self.tensors) - 1) if center is None else (center, center)

    # --- bookkeeping -------------------------------------------------------------------
    @property
    def center(self) -> Optional[int]:
        a, b = self.gauge
        return a if a == b else None

    @property
    def n(self) -> int:
        return len(self.tensors)

    @property
    def d(self) -> int:
        return int(self.tensors[0].shape[1])

    @property
    def bonds(self) -> list[int]:
        return [int(t.shape[2]) for t in self.tensors[:-1]]

    @property
    def max_bond(self) -> int:
        return max([1] + self.bonds)

    @property
    def nbytes(self) -> int:
        return int(sum(t.nbytes for t in self.tensors))

    def copy(self) -> "MPS":
        m = MPS([t.copy() for t in self.tensors])
        m.gauge = self.gauge
        return m

    # --- gauge -------------------------------------------------------------------------
    def _qr_left(self, j: int) -> None:
        a = self.tensors[j]
        cl, d, cr = a.shape
        q, r = np.linalg.qr(a.reshape(cl * d, cr))
        self.tensors[j] = q.reshape(cl, d, q.shape[1])
        self.tensors[j + 1] = np.tensordot(r, self.tensors[j + 1], axes=(1, 0))

    def _qr_right(self, j: int) -> None:
        a = self.tensors[j]
        cl, d, cr = a.shape
        q, r = np.linalg.qr(a.reshape(cl, d * cr).T)
        self.tensors[j] = q.T.reshape(q.shape[1], d, cr)
        self.tensors[j - 1] = np.tensordot(self.tensors[j - 1], r.T, axes=(2, 0))

    def canonicalize(self, center: int) -> None:
        """Bring the orthogonality centre to ``center`` (QR sweeps over the non-canonical part)."""
        a, b = self.gauge
        for j in range(a, center):
            self._qr_left(j)
        for j in range(b, center, -1):
            self._qr_right(j)
        self.gauge = (center, center)

    def norm(self) -> float:
        """2-norm of the vector."""
        self.canonicalize(self.gauge[0])
        return float(np.linalg.norm(self.tensors[self.gauge[0]]))

    # --- operations --------------------------------------------------------------------
    def apply_site(self, j: int, op: np.ndarray) -> None:
        """``A_j ← op · A_j`` on the physical index (a dense ``d × d`` matrix)."""
        self.tensors[j] = np.tensordot(op, self.tensors[j], axes=(1, 1)).transpose(1, 0, 2)
        a, b = self.gauge
        self.gauge = (min(a, j), max(b, j))

    def apply_block(
        self, lo: int, k: int, op, trunc: Truncation, budget: Optional[MemoryBudget] = None, what: str = ""
    ) -> float:
        """Apply ``op`` (a ``d^k × d^k`` matrix, dense or scipy.sparse) to sites ``lo..lo+k-1``.

        The centre is moved to ``lo`` first, the sites are merged, ``op`` applied and the
        block split again by SVDs (centre ends on ``lo + k - 1``).  Returns the 2-norm of
        the change caused by discarded singular values (exact: canonical form).
        """
        if k == 1:
            self.canonicalize(lo)
            dense = op.toarray() if hasattr(op, "toarray") else np.asarray(op)
            self.apply_site(lo, dense)
            return 0.0
        self.canonicalize(lo)
        d = self.d
        cl = self.tensors[lo].shape[0]
        cr = self.tensors[lo + k - 1].shape[2]
        big = d**k
        if budget is not None:
            # merged block, op result and SVD workspace (~4 copies)
            budget.check(4 * 8 * cl * big * cr, what=what or f"a {k}-site block of bond {max(cl, cr)}",
                         alternative="a bond-dimension cap (max_bond=) or method='sample' (path sampling)")
        m = self.tensors[lo]
        for j in range(lo + 1, lo + k):
            m = np.tensordot(m, self.tensors[j], axes=(m.ndim - 1, 0))
        m = m.reshape(cl, big, cr)
        m = np.asarray(op @ m.transpose(1, 0, 2).reshape(big, cl * cr)).reshape(big, cl, cr).transpose(1, 0, 2)
        # physical-leg compression: a leg whose values span fewer than d directions (e.g. a
        # site just projected by an averaged rotation: 3 of 4 letters, 6 of 16 letter pairs)
        # is split in that subspace (SVDs of (χ r) × (r χ) instead of (χ d) × (d χ))
        err, legs, dims = 0.0, [], [d] * k
        if k > 1:
            t = m.reshape((cl,) + (d,) * k + (cr,))
            for p in range(k):
                u, s, _ = np.linalg.svd(np.moveaxis(t, 1 + p, 0).reshape(d, -1), full_matrices=False)
                r = int(np.count_nonzero(s > NOISE_FLOOR * s[0])) if len(s) and s[0] > 0 else 1
                r = max(r, 1)
                if r < d:
                    err += math.sqrt(float(np.sum(s[r:] ** 2)))  # exact 2-norm change (canonical centre)
                    w = u[:, :r]
                    t = np.moveaxis(np.tensordot(w.T, t, axes=(1, 1 + p)), 0, 1 + p)
                    legs.append(w)
                    dims[p] = r
                else:
                    legs.append(None)
            m = t
        left = cl
        rest = m.reshape(cl, -1)
        for p in range(k - 1):
            rows = left * dims[p]
            mat = rest.reshape(rows, -1)
            u, s, vt = _svd(mat)
            r = trunc.keep(s)
            err += math.sqrt(float(np.sum(s[r:] ** 2)))
            self.tensors[lo + p] = self._embed(u[:, :r].reshape(left, dims[p], r), legs[p] if legs else None)
            rest = s[:r, None] * vt[:r]
            left = r
        self.tensors[lo + k - 1] = self._embed(rest.reshape(left, dims[k - 1], cr), legs[k - 1] if legs else None)
        self.gauge = (lo + k - 1, lo + k - 1)
        return err

    @staticmethod
    def _embed(a: np.ndarray, w: Optional[np.ndarray]) -> np.ndarray:
        """``(χl, r, χr)`` coordinates in the leg basis ``w`` (``d × r``, orthonormal) -> ``(χl, d, χr)``."""
        if w is None:
            return a
        return np.einsum("arb,dr->adb", a, w)

    def compress(self, trunc: Truncation, lo: int = 0, hi: Optional[int] = None) -> float:
        """Right-to-left SVD sweep over the bonds of sites ``lo..hi``; returns the 2-norm change.

        With the default :class:`Truncation` this only removes numerically-zero Schmidt
        values, i.e. it brings those bonds to their numerical rank.
        """
        hi = self.n - 1 if hi is None else hi
        self.canonicalize(hi)
        err = 0.0
        for j in range(hi, lo, -1):
            a = self.tensors[j]
            cl, d, cr = a.shape
            u, s, vt = _svd(a.reshape(cl, d * cr))
            r = trunc.keep(s)
            err += math.sqrt(float(np.sum(s[r:] ** 2)))
            self.tensors[j] = vt[:r].reshape(r, d, cr)
            self.tensors[j - 1] = np.tensordot(self.tensors[j - 1], u[:, :r] * s[:r], axes=(2, 0))
        self.gauge = (lo, lo)
        return err

    def marginalize_outside(self, lo: int, hi: int, index: int = 0) -> None:
        """Contract every site outside ``lo..hi`` with the unit vector ``e_index`` (in place).

        The sites outside become ``e_index`` (bond 1); the result is the vector
        ``(⊗_{j∉[lo,hi]} e_index e_indexᵀ) v``, which agrees with ``v`` on every overlap with a
        vector that is ``e_index`` outside the window (the identity letter ``I``, index 0, in
        the tensor network: the averaged gates fix ``I…I``).  No singular value is discarded.
        """
        n = self.n
        if lo <= 0 and hi >= n - 1:
            return
        d = self.d
        unit = np.zeros((1, d, 1))
        unit[0, index, 0] = 1.0
        if lo > 0:
            v = self.tensors[0][:, index, :]
            for j in range(1, lo):
                v = v @ self.tensors[j][:, index, :]
            self.tensors[lo] = np.tensordot(v, self.tensors[lo], axes=(1, 0))
            for j in range(lo):
                self.tensors[j] = unit
        if hi < n - 1:
            v = self.tensors[n - 1][:, index, :]
            for j in range(n - 2, hi, -1):
                v = self.tensors[j][:, index, :] @ v
            self.tensors[hi] = np.tensordot(self.tensors[hi], v, axes=(2, 0))
            for j in range(hi + 1, n):
                self.tensors[j] = unit
        # sites outside are units (isometric); the modified sites lo / hi are not
        a, b = self.gauge
        changed = ([lo] if lo > 0 else []) + ([hi] if hi < n - 1 else [])
        a = lo if lo > 0 else a
        b = hi if hi < n - 1 else b
        self.gauge = (min([a] + changed), max([b] + changed))

    def dense(self) -> np.ndarray:
        """The full ``d^n`` vector (tests only)."""
        v = np.ones((1, 1))
        for t in self.tensors:
            v = np.tensordot(v, t, axes=(v.ndim - 1, 0))
        return v.reshape(-1)


def product_mps(vectors: Sequence[np.ndarray]) -> MPS:
    """A product vector ``⊗_j v_j`` (bond dimension 1)."""
    return MPS([np.asarray(v, dtype=float).reshape(1, -1, 1) for v in vectors])


def sum_of_products_mps(weights: np.ndarray, factors: np.ndarray) -> MPS:
    """``Σ_t w_t ⊗_j f[t, j]`` with ``factors`` of shape ``(T, n, d)`` (bond ``T``, uncompressed)."""
    w = np.asarray(weights, dtype=float)
    f = np.asarray(factors, dtype=float)
    t, n, d = f.shape
    if n == 1:
        return MPS([np.einsum("t,td->d", w, f[:, 0]).reshape(1, d, 1)])
    tensors = []
    first = np.zeros((1, d, t))
    first[0] = (w[:, None] * f[:, 0]).T
    tensors.append(first)
    for j in range(1, n - 1):
        a = np.zeros((t, d, t))
        idx = np.arange(t)
        a[idx, :, idx] = f[:, j]
        tensors.append(a)
    last = np.zeros((t, d, 1))
    last[:, :, 0] = f[:, n - 1]
    tensors.append(last)
    return MPS(tensors)



def mps_sum(a: MPS, b: MPS) -> MPS:
    """The direct sum ``a + b`` of two MPS on the same sites (bond dimensions add; exact).

    Examples
    --------
    >>> import numpy as np
    >>> one = product_mps([np.array([1.0, 0.0]), np.array([0.0, 1.0])])
    >>> round(overlap(mps_sum(one, one), one), 12)
    2.0
    """
    n = a.n
    if n == 1:
        return MPS([a.tensors[0] + b.tensors[0]])
    out = []
    for j, (x, y) in enumerate(zip(a.tensors, b.tensors)):
        if j == 0:
            out.append(np.concatenate([x, y], axis=2))
        elif j == n - 1:
            out.append(np.concatenate([x, y], axis=0))
        else:
            z = np.zeros((x.shape[0] + y.shape[0], x.shape[1], x.shape[2] + y.shape[2]))
            z[: x.shape[0], :, : x.shape[2]] = x
            z[x.shape[0] :, :, x.shape[2] :] = y
            out.append(z)
    return MPS(out)

def transfer(env: np.ndarray, fa: np.ndarray, ba: np.ndarray) -> np.ndarray:
    """Left environment step ``E'[c, e] = Σ E[a, b] F[a, s, c] B[b, s, e]``."""
    t = np.tensordot(env, fa, axes=(0, 0))  # (b, s, c)
    return np.tensordot(t, ba, axes=([0, 1], [0, 1]))  # (c, e)


def transfer_right(env: np.ndarray, fa: np.ndarray, ba: np.ndarray) -> np.ndarray:
    """Right environment step ``E'[a, b] = Σ F[a, s, c] B[b, s, e] E[c, e]``."""
    t = np.tensordot(fa, env, axes=(2, 0))  # (a, s, e)
    return np.tensordot(t, ba, axes=([1, 2], [1, 2]))  # (a, b)


def overlap(a: MPS, b: MPS) -> float:
    """``⟨a|b⟩`` (real vectors)."""
    env = np.ones((1, 1))
    for fa, ba in zip(a.tensors, b.tensors):
        env = transfer(env, fa, ba)
    return float(env.sum())
