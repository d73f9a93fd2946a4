"""Pair-space MPS in a reduced local basis per site (exact symmetry reduction of the 16 letter pairs).

In the pair space of :mod:`bpcalc.bounds.exact.tensor_network` every site carries 16 letter
pairs ``(Q, R)``, but after a uniformly averaged rotation ``R_P(θ) ⊗ R_P(θ)`` the weights on
that qubit lie in the fixed space of the twirl, the commutant of ``{R_P ⊗ R_P}``: 6 of the 16
directions (``(Q, R)`` with ``Q, R ∈ {I, P}`` and the rotating block spanned by
``(A, A) + (B, B)`` and ``(A, B) − (B, A)`` for the two letters ``A, B`` that anticommute
with ``P``).  A two-qubit Clifford gate maps a product of such subspaces into a product of
slightly larger ones, and the next averaged rotation projects back.

:class:`BasisMPS` stores site ``j`` as coordinates ``(χ, r_j, χ)`` in an orthonormal basis
``W_j`` (``16 × r_j``) of a subspace that provably contains the vector's physical leg: the
full vector is ``(⊗_j W_j)`` applied to the coordinates.  A gate ``G`` on sites ``lo..hi``
gets new bases ``W'_p`` = the range of leg ``p`` of ``G (⊗ W_p)`` (numerical rank of a
``16 × (16^{k-1} Π r)`` matrix; structural zeros, so the rank is clear-cut), and acts as the
small matrix ``(⊗ W'_p)ᵀ G (⊗ W_p)``.  The bases depend only on the gates (not on the
weights), so the reduction is exact; the norm of the part outside the new bases,
``σ_{r+1} ‖x‖`` (round-off), is added to the discarded-weight error like every other
discard.  SVDs and QRs then run on ``(χ r) × (r χ)`` instead of ``(16 χ) × (16 χ)``
matrices; the Schmidt ranks (bond dimensions) are basis independent and unchanged.

Blocks of one layer are applied from the end nearer the orthogonality centre (splitting
towards the next block), so the centre is not swept back across the chain before every
layer.

References
----------
.. [1] P. Braccia, P. Bermejo, L. Cincio, M. Cerezo, "Computing exact moments of local
   random quantum circuits via tensor networks", arXiv:2403.01706 (commutant of the
   averaged two-copy gates).
.. [2] U. Schollwöck, Ann. Phys. 326, 96 (2011), arXiv:1008.3477 (canonical forms,
   truncation at the orthogonality centre).
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from ..memory import MemoryBudget
from .mps import MPS, NOISE_FLOOR, Truncation, transfer

__all__ = ["BasisMPS", "basis_overlap", "as_basis_mps", "RANGE_TOLERANCE"]

#: singular values of a gate's leg map below this fraction of the largest are round-off
#: (the leg maps are built from 0, ±½, ±1, cos, sin entries: true ranks are clear-cut)
RANGE_TOLERANCE = 1e-12


def _leg_range(t: np.ndarray, p: int) -> tuple[np.ndarray, float, float]:
    """Orthonormal basis of the range of leg ``p`` of ``t``, the largest dropped and the largest singular value."""
    mat = np.moveaxis(t, p, 0).reshape(t.shape[p], -1)
    u, s, _ = np.linalg.svd(mat, full_matrices=False)
    if len(s) == 0 or s[0] <= 0:
        return u[:, :1], 0.0, 0.0
    r = max(int(np.count_nonzero(s > RANGE_TOLERANCE * s[0])), 1)
    return u[:, :r].copy(), float(s[r]) if r < len(s) else 0.0, float(s[0])


def _kron_all(mats: Sequence[np.ndarray]) -> np.ndarray:
    out = mats[0]
    for m in mats[1:]:
        out = np.kron(out, m)
    return out


class BasisMPS(MPS):
    """An :class:`~bpcalc.bounds.exact.mps.MPS` of coordinates in per-site orthonormal bases.

    Attributes
    ----------
    tensors : list of ``(χl, r_j, χr)`` coordinate arrays.
    bases : list of ``(d, r_j)`` arrays with orthonormal columns (``d = 16`` letter pairs).

    The represented vector is ``(⊗_j W_j) · coords``; its 2-norm is the coordinates' 2-norm.
    """

    def __init__(self, tensors: Sequence[np.ndarray], bases: Sequence[np.ndarray], center: Optional[int] = None) -> None:
        super().__init__(tensors, center)
        self.bases = [np.asarray(w, dtype=float) for w in bases]
        #: round-off dropped by single-site maps since the last :meth:`apply_blocks` (2-norm bound)
        self.pending_error = 0.0
        self._bound = math.inf  # bound on the 2-norm while the gauge is not canonical

    def _norm_bound(self) -> float:
        a, b = self.gauge
        if a == b:
            return float(np.linalg.norm(self.tensors[a]))
        if math.isinf(self._bound):
            self._bound = MPS(self.tensors).norm()  # (a copy of the list: the gauge of self is kept)
        return self._bound

    @property
    def d(self) -> int:
        return int(self.bases[0].shape[0])

    @property
    def local_dims(self) -> list[int]:
        """``r_j``: the reduced local dimension of every site."""
        return [int(w.shape[1]) for w in self.bases]

    def copy(self) -> "BasisMPS":
        m = BasisMPS([t.copy() for t in self.tensors], list(self.bases))
        m.gauge = self.gauge
        m.pending_error = self.pending_error
        m._bound = self._bound
        return m

    def expanded(self) -> MPS:
        """The same vector as a plain :class:`MPS` with full local dimension ``d``."""
        m = MPS([np.einsum("arb,dr->adb", t, w) for t, w in zip(self.tensors, self.bases)])
        m.gauge = self.gauge  # ⊗ W_j is an isometry: canonical sites stay canonical
        return m

    def dense(self) -> np.ndarray:
        """The full ``d^n`` vector (tests only)."""
        return self.expanded().dense()

    # --- gates -------------------------------------------------------------------------
    def _reduced_op(self, lo: int, k: int, op) -> tuple[np.ndarray, list[np.ndarray], float, float]:
        """``(⊗ W'_p)ᵀ op (⊗ W_p)``, the new bases, a bound on the norm of the dropped part per unit
        input norm and the operator norm of ``op (⊗ W_p)``.

        Projecting leg ``p`` onto ``W'_p`` changes ``T = G X`` by at most
        ``σ_{r+1}(G_p) sqrt(d^{k-1}) ‖X‖`` (``G_p`` the leg-``p`` unfolding of ``G``); the legs
        add up (triangle inequality, projections are contractive).
        """
        w_in = [self.bases[j] for j in range(lo, lo + k)]
        g = np.asarray(op @ _kron_all(w_in))  # (d^k, Π r)
        d = self.d
        t = g.reshape((d,) * k + (g.shape[1],))
        w_out, drop, top = [], 0.0, 0.0
        for p in range(k):
            w, s, s0 = _leg_range(t, p)
            w_out.append(w)
            drop += s * math.sqrt(d ** (k - 1))
            top = max(top, s0)
        return _kron_all(w_out).T @ g, w_out, drop, top

    def apply_site(self, j: int, op) -> None:
        """``A_j ← op · A_j`` (``op`` a ``d × d`` matrix on the full letter pairs)."""
        dense = op.toarray() if hasattr(op, "toarray") else np.asarray(op)
        red, (w,), drop, top = self._reduced_op(j, 1, dense)
        bound = self._norm_bound()
        if drop:
            self.pending_error += drop * bound
        self.tensors[j] = np.tensordot(red, self.tensors[j], axes=(1, 1)).transpose(1, 0, 2)
        self.bases[j] = w
        a, b = self.gauge
        self.gauge = (min(a, j), max(b, j))
        self._bound = bound * top  # ‖op W‖ bounds the growth of the norm

    def apply_block(self, lo: int, k: int, op, trunc: Truncation, budget: Optional[MemoryBudget] = None,
                    what: str = "", toward_left: bool = False) -> float:
        """Apply ``op`` (``d^k × d^k`` on the full letter pairs) to sites ``lo..lo+k-1``.

        The block is merged at the orthogonality centre, the reduced operator applied and the
        block split by SVDs: left to right (centre ends on ``lo + k - 1``) or, with
        ``toward_left``, right to left (centre ends on ``lo``).  Returns the 2-norm of the
        change (discarded singular values plus the round-off outside the new bases).
        """
        if k == 1:
            self.canonicalize(lo)
            self.apply_site(lo, op)
            err, self.pending_error = self.pending_error, 0.0
            return err
        hi = lo + k - 1
        self.canonicalize(hi if toward_left else lo)
        red, w_out, drop, _ = self._reduced_op(lo, k, op)
        cl = self.tensors[lo].shape[0]
        cr = self.tensors[hi].shape[2]
        r_in, r_out = red.shape[1], red.shape[0]
        if budget is not None:
            budget.check(4 * 8 * cl * max(r_in, r_out) * cr, what=what or f"a {k}-site block of bond {max(cl, cr)}",
                         alternative="a bond-dimension cap (max_bond=) or method='sample' (path sampling)")
        m = self.tensors[lo]
        for j in range(lo + 1, lo + k):
            m = np.tensordot(m, self.tensors[j], axes=(m.ndim - 1, 0))
        m = m.reshape(cl, r_in, cr)
        err = drop * float(np.linalg.norm(m)) if drop else 0.0
        m = np.tensordot(red, m, axes=(1, 1)).transpose(1, 0, 2)  # (cl, r_out, cr)
        dims = [w.shape[1] for w in w_out]
        for p, w in enumerate(w_out):
            self.bases[lo + p] = w
        if not toward_left:
            left = cl
            rest = m.reshape(cl, -1)
            for p in range(k - 1):
                u, s, vt = np.linalg.svd(rest.reshape(left * dims[p], -1), full_matrices=False)
                r = trunc.keep(s)
                err += math.sqrt(float(np.sum(s[r:] ** 2)))
                self.tensors[lo + p] = u[:, :r].reshape(left, dims[p], r)
                rest = s[:r, None] * vt[:r]
                left = r
            self.tensors[hi] = rest.reshape(left, dims[k - 1], cr)
            self.gauge = (hi, hi)
        else:
            right = cr
            rest = m.reshape(-1, cr)
            for p in range(k - 1, 0, -1):
                u, s, vt = np.linalg.svd(rest.reshape(-1, dims[p] * right), full_matrices=False)
                r = trunc.keep(s)
                err += math.sqrt(float(np.sum(s[r:] ** 2)))
                self.tensors[lo + p] = vt[:r].reshape(r, dims[p], right)
                rest = u[:, :r] * s[:r]
                right = r
            self.tensors[lo] = rest.reshape(cl, dims[0], right)
            self.gauge = (lo, lo)
        return err

    def apply_blocks(self, blocks: Sequence[tuple[int, int, object]], trunc: Truncation,
                     budget: Optional[MemoryBudget] = None) -> float:
        """Apply disjoint blocks ``(lo, k, op)`` of one layer, starting from the end nearer the centre.

        Returns the 2-norm bound of everything dropped, including the round-off of the single-site
        maps applied since the last call (:attr:`pending_error`)."""
        err, self.pending_error = self.pending_error, 0.0
        if not blocks:
            return err
        blocks = sorted(blocks, key=lambda b: b[0])
        a, b = self.gauge
        mid = 0.5 * (a + b)
        first_lo, last_hi = blocks[0][0], blocks[-1][0] + blocks[-1][1] - 1
        toward_left = abs(mid - last_hi) < abs(mid - first_lo)
        order = reversed(blocks) if toward_left else blocks
        for lo, k, op in order:
            err += self.apply_block(lo, k, op, trunc, budget, what=f"a {k}-site gate block", toward_left=toward_left)
        return err

    def marginalize_outside(self, lo: int, hi: int, index: int = 0) -> None:
        """Contract every site outside ``lo..hi`` with the unit letter pair ``e_index`` (in place).

        As :meth:`MPS.marginalize_outside`, in coordinates: the contraction vector of site
        ``j`` is row ``index`` of ``W_j``; the sites outside become ``e_index`` (basis
        ``e_index``, coordinate 1).
        """
        n = self.n
        if lo <= 0 and hi >= n - 1:
            return
        self._bound = self._norm_bound()  # a projection: the norm does not grow
        d = self.d
        e = np.zeros((d, 1))
        e[index, 0] = 1.0
        unit = np.ones((1, 1, 1))
        if lo > 0:
            v = np.tensordot(self.tensors[0], self.bases[0][index], axes=(1, 0))
            for j in range(1, lo):
                v = v @ np.tensordot(self.tensors[j], self.bases[j][index], axes=(1, 0))
            self.tensors[lo] = np.tensordot(v, self.tensors[lo], axes=(1, 0))
            for j in range(lo):
                self.tensors[j] = unit
                self.bases[j] = e
        if hi < n - 1:
            v = np.tensordot(self.tensors[n - 1], self.bases[n - 1][index], axes=(1, 0))
            for j in range(n - 2, hi, -1):
                v = np.tensordot(self.tensors[j], self.bases[j][index], axes=(1, 0)) @ v
            self.tensors[hi] = np.tensordot(self.tensors[hi], v, axes=(2, 0))
            for j in range(hi + 1, n):
                self.tensors[j] = unit
                self.bases[j] = e
        a, b = self.gauge
        changed = ([lo] if lo > 0 else []) + ([hi] if hi < n - 1 else [])
        a = lo if lo > 0 else a
        b = hi if hi < n - 1 else b
        self.gauge = (min([a] + changed), max([b] + changed))


def as_basis_mps(mps: MPS) -> tuple[BasisMPS, float]:
    """A plain MPS in per-site bases = the ranges of its physical legs; returns ``(m, error)``.

    Each site is reduced at the orthogonality centre, so the reported error (2-norm of the
    dropped directions, singular values below the noise floor ``1e-14`` of the largest) is
    exact; it is ``0`` for product vectors.
    """
    d = mps.d
    out = BasisMPS([t.copy() for t in mps.tensors], [np.eye(d)] * mps.n)
    out.gauge = mps.gauge
    err = 0.0
    for j in range(out.n):
        out.canonicalize(j)
        t = out.tensors[j]
        u, s, _ = np.linalg.svd(np.moveaxis(t, 1, 0).reshape(t.shape[1], -1), full_matrices=False)
        r = max(int(np.count_nonzero(s > NOISE_FLOOR * s[0])), 1) if len(s) and s[0] > 0 else 1
        err += math.sqrt(float(np.sum(s[r:] ** 2)))
        out.tensors[j] = np.tensordot(u[:, :r].T, t, axes=(1, 1)).transpose(1, 0, 2)
        out.bases[j] = out.bases[j] @ u[:, :r]
    return out, err


def basis_overlap(a: MPS, b: MPS) -> float:
    """``⟨a|b⟩`` for plain or reduced-basis MPS (site matrices ``W_aᵀ W_b`` between coordinates)."""
    env = np.ones((1, 1))
    for j, (fa, ba) in enumerate(zip(a.tensors, b.tensors)):
        wa = a.bases[j] if isinstance(a, BasisMPS) else None
        wb = b.bases[j] if isinstance(b, BasisMPS) else None
        if wa is not None and wb is not None:
            ba = np.tensordot(wa.T @ wb, ba, axes=(1, 1)).transpose(1, 0, 2)
        elif wa is not None:
            ba = np.tensordot(wa.T, ba, axes=(1, 1)).transpose(1, 0, 2)
        elif wb is not None:
            ba = np.einsum("arb,dr->adb", ba, wb)
        env = transfer(env, fa, ba)
    return float(env.sum())
