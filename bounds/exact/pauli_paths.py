"""Exact gradient and loss variances of Pauli-rotation circuits by Pauli-path propagation.

For ``R_P(θ) = exp(-iθP/2)`` and a Pauli string ``Q`` anticommuting with ``P``,
``R_P(θ)† Q R_P(θ) = cos θ Q + sin θ Q'`` with ``Q' = −i Q P``.  Propagating the two-copy
observable ``O ⊗ O = Σ c_Q c_R (Q, R)`` backwards through the circuit (Heisenberg picture)
and averaging every angle over a full period (``E[cos²] = E[sin²] = ½``,
``E[cos] = E[sin] = E[cos sin] = 0``) gives a linear chain on *pairs* of Pauli strings:

* Clifford gate ``C``: ``(Q, R) → (C†QC, C†RC)`` with signs;
* parametrized rotation: both commute with ``P`` → unchanged; both anticommute →
  ``½(Q, R) + ½(Q', R')``; exactly one anticommutes → the pair vanishes;
* the differentiated rotation ``θ_k``: the same, but pairs that commute with ``P`` vanish
  (``∂_θ(cos θ Q + sin θ Q') = −sin θ Q + cos θ Q'``), times the chain-rule factor ``c²``;
* constant non-Clifford rotation: exact branching ``Q → cos φ Q + sin φ Q'``.

Finally ``E_θ[∂_kℓ_i ∂_kℓ_j] = Σ w_{QR} Tr[ρ_i Q] Tr[ρ_j R]`` and ``E[∂_k ℓ] = 0``.  One
backward pass carries one weight column per requested parameter, so all parameters cost one
pass.  Two engines share the compiled program (:mod:`bpcalc.bounds.exact.program`):

* **exact enumeration** — pairs held as bit-packed arrays, equal pairs merged; when more
  than ``max_terms`` pairs remain, either give up (``method='exact'``), drop the lightest
  pairs and report a rigorous error bound (``'truncate'``: a dropped pair of weight ``w`` can
  change the result by at most ``|w|`` times the amplification of the remaining constant
  non-Clifford rotations, since ``|Tr[ρQ]| <= 1`` and the chain is otherwise
  weight-non-increasing), or switch to sampling (``'auto'``);
* **path sampling** — an unbiased Monte Carlo estimator: sample the initial pair with
  probability ``∝ |c_Q c_R|``, at each rotation follow ``(Q,R)`` or ``(Q',R')`` with
  probability ½, importance-weight constant rotations.  For a single Pauli observable the
  chain is a Markov chain on strings and each sample lies in ``[0, c²]`` (``{0, c²}`` for
  computational-basis inputs: exact Clopper–Pearson intervals).  All operations are
  vectorised over samples with bit-parallel word operations.

References
----------
.. [1] S. Thanasilp et al., arXiv:2110.14753 (the seed paper; model, loss, notation).
.. [2] M. S. Rudolph et al., "Classical surrogate simulation of quantum systems with
   LOWESA", arXiv:2308.09109, and E. Fontana et al., arXiv:2306.05400 (Pauli-path
   propagation with uniform-angle averaging).
.. [3] A. Letcher, S. Woerner, C. Zoufal, arXiv:2309.12681 (Pauli paths and Clifford
   sampling for loss variances).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
import time
from typing import Optional, Sequence, Union

import cirq
import numpy as np
import scipy.stats
import sympy

from bpcalc import circuits

from .paulis import LocalMap, align, bit_mask, popcount_parity
from .program import (
    CliffordGroup,
    FixedRotation,
    MAX_CHANNEL_QUBITS,
    MultiQubitChannel,
    NoiseChannel,
    OperationNoiseModel,
    PauliPathProgram,
    RotationGroup,
    TiedRotation,
    circuit_symbols,
    compile_program,
    resolve_parameters,
    forward_cone_qubits,
)
from ..bound import AssumptionFailed
from ..memory import MemoryBudget, MemoryBudgetExceeded
from .initialization import angle_moments, resolve_init
from .results import GradientVarianceResult, LossVarianceResult
from .ties import SNAP, mean_coefficients, pair_coefficients
from .states import InputStates, ProductStates, as_input_states, loss_weights, state_qubits

__all__ = [
    "exact_gradient_variance",
    "exact_loss_variance",
    "exact_model_gradient_variance",
    "resolve_parameters",
    "circuit_symbols",
    "PATH_METHODS",
    "BudgetExceeded",
]

PATH_METHODS = ("auto", "exact", "truncate", "sample")
AUTO_BRANCHING_SLACK = 3.0
AUTO_TN_FALLBACK_BOND = 64
"""Largest bond dimension ``method='auto'`` lets the tensor network reach before it samples paths."""
AUTO_WORK_FACTOR = 16
MAX_WEIGHT_ENTRIES = 2**24
TIED_CHUNK = 2**20
"""Rows a tied parameter expands at once (larger inputs are expanded slice by slice)."""
_U64 = np.uint64


class BudgetExceeded(RuntimeError):
    """Exact enumeration needed more than ``max_terms`` Pauli pairs."""


_MEMORY_ALTERNATIVE = (
    "method='sample' (path sampling, bpcalc exact --method sample), fewer parameters per call, "
    "or method='truncate' with a smaller max_terms"
)


def _row_bytes(n_words: int, diag: bool, n_cols: int) -> int:
    """Bytes of one Pauli-pair row: packed strings (2 or 4 arrays of words) and weight columns."""
    return 8 * n_words * (2 if diag else 4) + 8 * n_cols


def _need_rows(budget: Optional[MemoryBudget], rows: "_Rows", n_rows: float, step: str) -> None:
    """Check that ``n_rows`` rows shaped like ``rows`` fit the budget *before* allocating them."""
    if budget is None:
        return
    nbytes = n_rows * _row_bytes(rows.qx.shape[1], rows.diag, rows.w.shape[1])
    budget.check(nbytes, what=f"exact Pauli-pair enumeration ({step}: {int(n_rows):,} rows)",
                 alternative=_MEMORY_ALTERNATIVE)


# ----------------------------------------------------------------------------------------
# symbols and parameter selection
# ----------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------
# bit-parallel primitives shared by both engines
# ----------------------------------------------------------------------------------------


def _inputs(x: np.ndarray, z: np.ndarray, offsets: Sequence[int], am: np.ndarray) -> list[np.ndarray]:
    ins = []
    for off in offsets:
        ins.append(align(x, off) & am)
        ins.append(align(z, off) & am)
    return ins


def _ones(x: np.ndarray, am: np.ndarray) -> np.ndarray:
    o = np.empty_like(x)
    o[...] = am
    return o


def _apply_clifford(x, z, lmap: LocalMap, offsets, am, clear, need_sign: bool):
    outs, sign = lmap.evaluate(_inputs(x, z, offsets, am), _ones(x, am), with_sign=need_sign)
    nx = x & ~clear
    nz = z & ~clear
    for j, off in enumerate(offsets):
        nx |= align(outs[2 * j], -off)
        nz |= align(outs[2 * j + 1], -off)
    neg = popcount_parity(sign) if sign is not None else None
    return nx, nz, neg


def _rotation_bits(x, z, lmap: LocalMap, offsets, am, need_sign: bool):
    outs, sign = lmap.evaluate(_inputs(x, z, offsets, am), _ones(x, am), with_sign=need_sign)
    return outs[0], sign


def _flip(x, z, f, lmap: LocalMap, offsets) -> None:
    for j, off in enumerate(offsets):
        sh = align(f, -off)
        if lmap.flip_x[j]:
            x ^= sh
        if lmap.flip_z[j]:
            z ^= sh


def _anchor_flip_masks(lmap: LocalMap, offsets, anchor: int, n_local: int):
    fx = bit_mask([anchor + off for off, b in zip(offsets, lmap.flip_x) if b], n_local)
    fz = bit_mask([anchor + off for off, b in zip(offsets, lmap.flip_z) if b], n_local)
    return fx, fz


# ----------------------------------------------------------------------------------------
# exact enumeration
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Rows:
    """Pairs ``(Q, R)`` (``R`` is ``Q`` in diagonal mode) with weight columns.

    ``w`` has room for every column but only ``w[:, :active]`` is meaningful: a parameter's
    column is activated when the backward pass reaches its gate (it is zero before), which
    halves the average work of all-parameter runs.
    """

    qx: np.ndarray
    qz: np.ndarray
    rx: Optional[np.ndarray]
    rz: Optional[np.ndarray]
    w: np.ndarray  # (N, C), valid columns [:active]
    active: int = 1

    @property
    def diag(self) -> bool:
        return self.rx is None

    def __len__(self) -> int:
        return int(self.qx.shape[0])

    @property
    def weights(self) -> np.ndarray:
        return self.w[:, : self.active]

    def take(self, idx) -> "_Rows":
        qx = self.qx[idx]
        w = np.empty((qx.shape[0], self.w.shape[1]))
        w[:, : self.active] = self.w[idx, : self.active]
        return _Rows(
            qx, self.qz[idx],
            None if self.diag else self.rx[idx], None if self.diag else self.rz[idx], w, self.active,
        )

    def extend(self, other: "_Rows") -> "_Rows":
        cat = np.concatenate
        n1, n2 = len(self), len(other)
        w = np.empty((n1 + n2, self.w.shape[1]))
        w[:n1, : self.active] = self.w[:, : self.active]
        w[n1:, : self.active] = other.w[:, : self.active]
        return _Rows(
            cat([self.qx, other.qx]), cat([self.qz, other.qz]),
            None if self.diag else cat([self.rx, other.rx]), None if self.diag else cat([self.rz, other.rz]),
            w, self.active,
        )


def _merge(rows: _Rows, tiny: float, budget: Optional[MemoryBudget] = None) -> tuple[_Rows, np.ndarray]:
    """Sum the weights of equal pairs; drop pairs whose weights are all below ``tiny``.

    Returns the merged rows and the absolute weight dropped per column.
    """
    n = len(rows)
    # the rows, two copies of the sort keys, the order and the merged rows
    _need_rows(budget, rows, 4 * n, "merging equal pairs")
    dropped = np.zeros(rows.w.shape[1])
    if n == 0:
        return rows, dropped
    keys = [rows.qx, rows.qz] if rows.diag else [rows.qx, rows.qz, rows.rx, rows.rz]
    key = np.concatenate(keys, axis=1)
    if key.shape[1] == 1:
        order = np.argsort(key[:, 0], kind="stable")
    else:
        order = np.lexsort(key.T[::-1])
    ks = key[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(ks[1:] != ks[:-1], axis=1)
    starts = np.nonzero(new)[0]
    act = rows.active
    w = np.add.reduceat(rows.w[order, :act], starts, axis=0)
    sel = order[starts]
    merged = _Rows(
        rows.qx[sel], rows.qz[sel], None if rows.diag else rows.rx[sel], None if rows.diag else rows.rz[sel],
        np.empty((len(sel), rows.w.shape[1])), act,
    )
    merged.w[:, :act] = w
    small = np.max(np.abs(w), axis=1) <= tiny
    if np.any(small):
        dropped[:act] = np.abs(w[small]).sum(axis=0)
        merged = merged.take(~small)
    return merged, dropped


def _truncate(rows: _Rows, max_terms: int, budget: Optional[MemoryBudget] = None) -> tuple[_Rows, np.ndarray]:
    _need_rows(budget, rows, len(rows) + max_terms, "truncation")
    size = np.max(np.abs(rows.weights), axis=1)
    keep = np.argpartition(-size, max_terms - 1)[:max_terms]
    mask = np.zeros(len(rows), dtype=bool)
    mask[keep] = True
    dropped = np.zeros(rows.w.shape[1])
    dropped[: rows.active] = np.abs(rows.weights[~mask]).sum(axis=0)
    return rows.take(mask), dropped


def _initial_rows(program: PauliPathProgram, n_cols: int, force_pair: bool = False) -> _Rows:
    obs = program.observable
    c = obs.coefficients
    diag = len(obs) == 1 and program.n_fixed_rotations == 0 and not force_pair
    if diag:
        w = np.zeros((1, n_cols))
        w[0, 0] = c[0] ** 2
        return _Rows(obs.x.copy(), obs.z.copy(), None, None, w)
    t = len(obs)
    a, b = np.meshgrid(np.arange(t), np.arange(t), indexing="ij")
    a, b = a.ravel(), b.ravel()
    w = np.zeros((len(a), n_cols))
    w[:, 0] = c[a] * c[b]
    return _Rows(obs.x[a].copy(), obs.z[a].copy(), obs.x[b].copy(), obs.z[b].copy(), w)


def _exact_pairs(
    program: PauliPathProgram,
    columns: Sequence[int],
    max_terms: int,
    truncate: bool,
    max_work: Optional[float] = None,
    budget: Optional[MemoryBudget] = None,
    moments: Optional[dict] = None,
    tol: float = 0.0,
) -> tuple[_Rows, np.ndarray, int, bool]:
    """Backward pair propagation.  Column 0: no derivative; column 1+i: parameter columns[i].

    Returns (rows, error bound per column, largest number of rows held, whether any pair
    with non-zero weight was dropped by truncation).
    Raises BudgetExceeded when more than ``max_terms`` rows remain and ``truncate`` is False,
    or when more than ``max_work`` row-updates were spent (used by ``method='auto'``), and
    :class:`~bpcalc.bounds.memory.MemoryBudgetExceeded` before any allocation that would not fit
    ``budget``.  ``moments`` (``{parameter index: (c, s, cc, ss, cs)}``) gives the
    non-uniform angle distributions (see :func:`_exact_rotation_general`); the others are
    uniform.

    Notes
    -----
    Why the error bound is rigorous.  The exact result is linear in the pair weights held at
    any step ``t`` of the backward pass: ``value = Σ_{QR} w_{QR} f_t(Q, R)`` with
    ``f_t(Q, R) = Tr[(ρ_a ⊗ ρ_b) T_t(Q ⊗ R)]``, where ``T_t`` is the rest of the pass (in the
    Schrödinger-dual picture): averages over the angle distribution of conjugations ``U† · U``
    on both copies, Clifford and fixed-angle conjugations, and duals of CPTP noise channels —
    every one of them unital and completely positive, hence of operator norm ``<= 1`` (Russo–Dye),
    so ``|f_t(Q, R)| <= ‖Q ⊗ R‖ = 1``, and ``<= (Σ|u|)²`` for the linear loss, whose two-copy
    input ``(Σ_i u_i ρ_i)^{⊗2}`` has trace norm ``<= (Σ|u|)²``.  Dropping pairs of total l1
    weight ``e`` at step ``t`` therefore changes the value by at most ``e`` (times ``(Σ|u|)²``),
    whatever comes after — no amplification by the remaining fixed rotations, whose l1 growth
    ``(|cos φ| + |sin φ|)²`` the previous bound multiplied in — and errors made at different
    steps add (triangle inequality).  A parameter's column is created as ``freq² · D · W⁰``
    (the derivative of a conjugation is ``freq`` times the conjugation at the shifted angle), so
    it inherits ``freq²`` times column 0's error accumulated so far (issue 13, item 2), and
    later drops in it count once.  ``tol`` drops every pair whose weights are all
    ``<= tol · (Σ|c|)²`` (coefficient threshold, counted as truncation when it drops
    anything), ``max_terms`` the lightest pairs beyond that many.
    """
    work = 0.0
    n_cols = 1 + len(columns)
    wanted = set(columns)
    assigned: dict = {}
    t = len(program.observable)
    if budget is not None:
        budget.check(
            t * t * _row_bytes(program.observable.x.shape[1], False, n_cols),
            what=f"the initial Pauli-pair table ({t}² pairs of observable terms)", alternative=_MEMORY_ALTERNATIVE,
        )
    moments = moments or {}
    rows = _initial_rows(program, n_cols, force_pair=bool(moments))
    scale = float(np.abs(program.observable.coefficients).sum() ** 2) or 1.0
    floor = 1e-15 * scale  # below float64 resolution of the result: dropped, bounded, not "truncation"
    tiny = max(floor, float(tol) * scale)
    err = np.zeros(n_cols)
    n_dropped = 0
    peak = len(rows)
    last_merge = max(len(rows), 1)
    n_local = program.n_local
    params = program.parameters

    for m in range(len(program.moments) - 1, -1, -1):
        for ins in program.moments[m]:
            if len(rows) == 0:
                break
            if isinstance(ins, CliffordGroup):
                _need_rows(budget, rows, 3 * len(rows), "a Clifford layer")
                rows.qx, rows.qz, nq = _apply_clifford(
                    rows.qx, rows.qz, ins.lmap, ins.offsets, ins.anchor_mask, ins.clear_mask, not rows.diag
                )
                if not rows.diag:
                    rows.rx, rows.rz, nr = _apply_clifford(
                        rows.rx, rows.rz, ins.lmap, ins.offsets, ins.anchor_mask, ins.clear_mask, True
                    )
                    flip = nq ^ nr
                    if np.any(flip):
                        rows.w[flip, : rows.active] *= -1.0
            elif isinstance(ins, RotationGroup):
                for anchor, p in zip(ins.anchors, ins.params):
                    work += len(rows)
                    col = None
                    if p in wanted:
                        col = assigned[p] = rows.active
                        rows.active += 1
                        # the new column is freq² × (column 0 restricted to anticommuting pairs):
                        # whatever column 0 has lost so far is lost for it too (see the docstring)
                        err[col] = params[p].frequency ** 2 * err[0]
                    if p in moments:
                        rows = _exact_rotation_general(
                            rows, ins, anchor, col, params[p].frequency, n_local, moments[p], budget
                        )
                    else:
                        rows = _exact_rotation(rows, ins, anchor, col, params[p].frequency, n_local, budget)
                    peak = max(peak, len(rows))
                if max_work is not None and work > max_work:
                    raise BudgetExceeded(f"exact enumeration exceeded its work budget ({max_work:.3g} row updates)")
            elif isinstance(ins, NoiseChannel):
                rows = _exact_channel(rows, ins, budget)
            elif isinstance(ins, MultiQubitChannel):
                rows = _exact_multi_channel(rows, ins, budget)
            elif isinstance(ins, TiedRotation):
                p = ins.param
                work += len(rows)
                col = None
                chain = float(params[p].frequency)
                if p in wanted:
                    col = assigned[p] = rows.active
                    rows.active += 1
                    err[col] = chain**2 * ins.derivative_amplification * err[0]
                rows, snapped = _exact_tied(rows, ins, col, chain, budget)
                err += snapped  # no amplification by what follows (see the Notes)
            else:
                rows = _exact_fixed_rotation(rows, ins, budget)
            peak = max(peak, len(rows))
            if len(rows) > 2 * last_merge or len(rows) > max_terms:
                rows, dropped = _merge(rows, tiny, budget)
                err += dropped  # no amplification: see the Notes
                if tiny > floor and np.any(dropped > 0):
                    n_dropped += 1
                last_merge = max(len(rows), 1)
                if len(rows) > max_terms:
                    if not truncate:
                        raise BudgetExceeded(f"more than {max_terms} Pauli pairs are needed")
                    rows, dropped = _truncate(rows, max_terms, budget)
                    err += dropped
                    n_dropped += int(np.count_nonzero(dropped))
    rows, dropped = _merge(rows, tiny, budget)
    err += dropped
    if tiny > floor and np.any(dropped > 0):
        n_dropped += 1
    # reorder the columns as requested (parameters whose gate was never reached stay zero)
    out = np.zeros((len(rows), n_cols))
    out_err = np.zeros(n_cols)
    out[:, 0] = rows.w[:, 0]
    out_err[0] = err[0]
    for i, p in enumerate(columns):
        if p in assigned:
            out[:, 1 + i] = rows.w[:, assigned[p]]
            out_err[1 + i] = err[assigned[p]]
        else:  # never reached because every pair was dropped: the whole column 0 error applies
            out_err[1 + i] = params[p].frequency ** 2 * err[0]
    rows.w = out
    rows.active = n_cols
    return rows, out_err, peak, n_dropped > 0


_CODE_TO_INDEX = np.array([0, 1, 3, 2])  # (x | z << 1) -> I, X, Y, Z index of the transfer matrix
_INDEX_BITS = ((0, 0), (1, 0), (1, 1), (0, 1))  # I, X, Y, Z -> (x, z)


def _letter_index(x: np.ndarray, z: np.ndarray, qubit: int) -> np.ndarray:
    """Index (0..3 = I, X, Y, Z) of each string's letter on local qubit ``qubit``."""
    word, bit = divmod(qubit, 64)
    xb = (x[:, word] >> _U64(bit)) & _U64(1)
    zb = (z[:, word] >> _U64(bit)) & _U64(1)
    return _CODE_TO_INDEX[(xb | (zb << _U64(1))).astype(np.intp)]


def _set_letter(x: np.ndarray, z: np.ndarray, qubit: int, index) -> None:
    """Set the letter on ``qubit`` (in place) to ``index`` (scalar or per row)."""
    word, bit = divmod(qubit, 64)
    index = np.asarray(index)
    xs = np.array([b[0] for b in _INDEX_BITS], dtype=_U64)[index]
    zs = np.array([b[1] for b in _INDEX_BITS], dtype=_U64)[index]
    clear = ~(_U64(1) << _U64(bit))
    x[:, word] = (x[:, word] & clear) | (xs << _U64(bit))
    z[:, word] = (z[:, word] & clear) | (zs << _U64(bit))


def _exact_channel(rows: _Rows, ch: NoiseChannel, budget: Optional[MemoryBudget] = None) -> _Rows:
    """Heisenberg-picture channel on both copies: ``(Q, R) → Σ_{a,b} T[a,q] T[b,r] (Q_a, R_b)``."""
    t = ch.transfer
    act = rows.active
    if rows.diag:  # diagonal channel (pair mode is used otherwise): (Q, Q) -> T[q, q]² (Q, Q)
        letter = _letter_index(rows.qx, rows.qz, ch.qubit)
        rows.w[:, :act] *= (np.diag(t)[letter] ** 2)[:, None]
        return rows
    for part in ("q", "r"):
        x = rows.qx if part == "q" else rows.rx
        z = rows.qz if part == "q" else rows.rz
        letter = _letter_index(x, z, ch.qubit)
        if ch.diagonal:
            rows.w[:, :act] *= np.diag(t)[letter][:, None]
            continue
        _need_rows(budget, rows, 5 * len(rows), "branching at a noise channel")
        pieces = []
        ident = np.nonzero(letter == 0)[0]
        if len(ident):
            pieces.append(rows.take(ident))
        for b in (1, 2, 3):
            idx = np.nonzero(letter == b)[0]
            if len(idx) == 0:
                continue
            for a in range(4):
                if t[a, b] == 0.0:
                    continue
                piece = rows.take(idx)
                px = piece.qx if part == "q" else piece.rx
                pz = piece.qz if part == "q" else piece.rz
                _set_letter(px, pz, ch.qubit, a)
                piece.w[:, :act] *= t[a, b]
                pieces.append(piece)
        if not pieces:
            return rows.take(np.zeros(0, dtype=np.intp))
        out = pieces[0]
        for piece in pieces[1:]:
            out = out.extend(piece)
        rows = out
    return rows


# ----------------------------------------------------------------------------------------
# multi-qubit channels (program.MultiQubitChannel)
# ----------------------------------------------------------------------------------------


def _channel_index(x: np.ndarray, z: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    """Multi-letter index ``Σ_j letter_j 4^j`` of each string on the channel's qubits."""
    idx = np.zeros(x.shape[0], dtype=np.intp)
    for j, q in enumerate(qubits):
        idx |= _letter_index(x, z, q) << (2 * j)
    return idx


def _set_channel_index(x: np.ndarray, z: np.ndarray, qubits: Sequence[int], index) -> None:
    index = np.asarray(index)
    for j, q in enumerate(qubits):
        _set_letter(x, z, q, (index >> (2 * j)) & 3)


def _branch_channel(x, z, w, ch: MultiQubitChannel):
    """One copy through ``E*``: ``σ_b → Σ_a T[a, b] σ_a`` (``w`` is ``(N,)`` or ``(N, C)``); returns index arrays.

    Returns ``(rows, new index, factor)``: the source row of every output, the multi-letter
    index to write on it and the transfer-matrix factor.
    """
    t = ch.transfer
    idx = _channel_index(x, z, ch.qubits)
    src, new, fac = [np.nonzero(idx == 0)[0]], [np.zeros(int(np.sum(idx == 0)), dtype=np.intp)], [
        np.ones(int(np.sum(idx == 0)))]
    for b in np.unique(idx[idx != 0]):
        sel = np.nonzero(idx == b)[0]
        for a in np.nonzero(t[:, b])[0]:
            src.append(sel)
            new.append(np.full(len(sel), a, dtype=np.intp))
            fac.append(np.full(len(sel), t[a, b]))
    return np.concatenate(src), np.concatenate(new), np.concatenate(fac)


def _exact_multi_channel(rows: _Rows, ch: MultiQubitChannel, budget: Optional[MemoryBudget] = None) -> _Rows:
    """Heisenberg-picture ``k``-qubit channel on both copies (pair weights ``T[a,q] T[b,r]``)."""
    t = ch.transfer
    act = rows.active
    if rows.diag or ch.diagonal:
        for x, z in ((rows.qx, rows.qz),) + (() if rows.diag else ((rows.rx, rows.rz),)):
            d = np.diag(t)[_channel_index(x, z, ch.qubits)]
            rows.w[:, :act] *= ((d**2) if rows.diag else d)[:, None]
        return rows
    fan = int(max(1, np.count_nonzero(t[:, 1:], axis=0).max()))
    for part in ("q", "r"):
        _need_rows(budget, rows, (fan + 1) * len(rows), "branching at a multi-qubit noise channel")
        x = rows.qx if part == "q" else rows.rx
        z = rows.qz if part == "q" else rows.rz
        src, new, fac = _branch_channel(x, z, None, ch)
        out = rows.take(src)
        ox = out.qx if part == "q" else out.rx
        oz = out.qz if part == "q" else out.rz
        _set_channel_index(ox, oz, ch.qubits, new)
        out.w[:, :act] *= fac[:, None]
        rows = out
    return rows


def _mean_multi_channel(x: np.ndarray, z: np.ndarray, w: np.ndarray, ch: MultiQubitChannel):
    """Single-copy ``E*`` of a ``k``-qubit channel."""
    src, new, fac = _branch_channel(x, z, w, ch)
    nx, nz = x[src].copy(), z[src].copy()
    _set_channel_index(nx, nz, ch.qubits, new)
    return nx, nz, w[src] * fac


def _sample_multi_channel(ch: MultiQubitChannel, qx, qz, rx, rz, weight, rng) -> np.ndarray:
    """Follow one branch per copy with probability ``∝ |T[a, b]|`` (importance weight ``sign · Σ_a |T[a, b]|``)."""
    t = ch.transfer
    diag = np.diag(t)
    if rx is None:
        return weight * diag[_channel_index(qx, qz, ch.qubits)] ** 2
    for x, z in ((qx, qz), (rx, rz)):
        idx = _channel_index(x, z, ch.qubits)
        if ch.diagonal:
            weight = weight * diag[idx]
            continue
        new = idx.copy()
        factor = np.ones(len(idx))
        u = rng.random(len(idx))
        for b in np.unique(idx[idx != 0]):
            sel = np.nonzero(idx == b)[0]
            col = t[:, b]
            norm = float(np.abs(col).sum())
            if norm == 0.0:
                factor[sel] = 0.0
                continue
            cum = np.cumsum(np.abs(col)) / norm
            a = np.minimum(np.searchsorted(cum, u[sel], side="right"), len(col) - 1)
            new[sel] = a
            factor[sel] = np.sign(col[a]) * norm
        _set_channel_index(x, z, ch.qubits, new)
        weight = weight * factor
    return weight


def _exact_rotation(
    rows: _Rows, g: RotationGroup, anchor: int, col: Optional[int], freq: float, n_local: int,
    budget: Optional[MemoryBudget] = None,
) -> _Rows:
    # scratch of the bit-parallel evaluation, the branched copies and their concatenation
    _need_rows(budget, rows, 4 * len(rows), "branching at a rotation")
    am = bit_mask([anchor], n_local)
    aq, nq = _rotation_bits(rows.qx, rows.qz, g.lmap, g.offsets, am, not rows.diag)
    a_q = np.any(aq != 0, axis=1)
    if rows.diag:
        both = a_q
    else:
        ar, nr = _rotation_bits(rows.rx, rows.rz, g.lmap, g.offsets, am, True)
        a_r = np.any(ar != 0, axis=1)
        die = a_q != a_r
        if np.any(die):
            keep = ~die
            rows = rows.take(keep)
            a_q, nq, nr = a_q[keep], nq[keep], nr[keep]
        both = a_q
    if col is not None:
        rows.w[:, col] = rows.w[:, 0] * both * (freq**2)
    idx = np.nonzero(both)[0]
    if len(idx) == 0:
        return rows
    fx, fz = _anchor_flip_masks(g.lmap, g.offsets, anchor, n_local)
    new = rows.take(idx)
    act = rows.active
    new.qx ^= fx
    new.qz ^= fz
    new.w[:, :act] *= 0.5
    if not rows.diag:
        new.rx ^= fx
        new.rz ^= fz
        s = popcount_parity(nq[idx]) ^ popcount_parity(nr[idx])
        new.w[s, :act] *= -1.0
    rows.w[idx, :act] *= 0.5
    return rows.extend(new)


def params_freq2(program: PauliPathProgram, p: int) -> float:
    return float(program.parameters[p].frequency) ** 2


def _exact_rotation_general(
    rows: _Rows, g: RotationGroup, anchor: int, col: Optional[int], freq: float, n_local: int,
    mom: tuple, budget: Optional[MemoryBudget] = None,
) -> _Rows:
    """Average a rotation with angle moments ``mom = (c, s, cc, ss, cs)`` (pair mode).

    With ``Q → cos φ Q + sin φ Q'`` (``Q`` anticommuting with ``P``), per pair:
    both anticommute → ``cc (Q,R) + ss (Q',R') + cs [(Q,R') + (Q',R)]``; only ``Q`` →
    ``c (Q,R) + s (Q',R)``; only ``R`` → ``c (Q,R) + s (Q,R')``; neither → unchanged.  The
    differentiated column (``col``, created from column 0) uses ``−sin φ Q + cos φ Q'`` on
    both copies: both anticommute → ``ss (Q,R) + cc (Q',R') − cs [(Q,R') + (Q',R)]``, times
    ``freq²``; otherwise the pair vanishes (``theory.md`` §4).
    """
    c, s, cc, ss, cs = mom[:5]
    _need_rows(budget, rows, 6 * len(rows), "branching at a non-uniformly initialized rotation")
    am = bit_mask([anchor], n_local)
    aq, nq = _rotation_bits(rows.qx, rows.qz, g.lmap, g.offsets, am, True)
    ar, nr = _rotation_bits(rows.rx, rows.rz, g.lmap, g.offsets, am, True)
    a_q = np.any(aq != 0, axis=1)
    a_r = np.any(ar != 0, axis=1)
    sq = np.where(popcount_parity(nq), -1.0, 1.0)
    sr = np.where(popcount_parity(nr), -1.0, 1.0)
    both = a_q & a_r
    fx, fz = _anchor_flip_masks(g.lmap, g.offsets, anchor, n_local)
    act = rows.active
    plain = [j for j in range(act) if j != col]
    w0 = rows.w[:, 0].copy()
    f2 = freq**2

    def block(idx, plain_factor, deriv_factor, flip_q, flip_r):
        new = rows.take(idx)
        if flip_q:
            new.qx ^= fx
            new.qz ^= fz
        if flip_r:
            new.rx ^= fx
            new.rz ^= fz
        new.w[:, plain] *= plain_factor[:, None]
        if col is not None:
            new.w[:, col] = w0[idx] * deriv_factor
        return new

    all_idx = np.arange(len(rows))
    keep = np.where(both, cc, np.where(a_q | a_r, c, 1.0))
    out = block(all_idx, keep, np.where(both, ss * f2, 0.0), False, False)
    iq = np.nonzero(a_q)[0]
    if len(iq):
        out = out.extend(block(iq, np.where(both[iq], cs, s) * sq[iq], np.where(both[iq], -cs * f2, 0.0) * sq[iq],
                               True, False))
    ir = np.nonzero(a_r)[0]
    if len(ir):
        out = out.extend(block(ir, np.where(both[ir], cs, s) * sr[ir], np.where(both[ir], -cs * f2, 0.0) * sr[ir],
                               False, True))
    ib = np.nonzero(both)[0]
    if len(ib):
        out = out.extend(block(ib, ss * sq[ib] * sr[ib], cc * f2 * sq[ib] * sr[ib], True, True))
    return out


def _exact_mean_general(program: PauliPathProgram, moments: dict, deriv: Optional[int] = None):
    """Single-copy ``E_θ[U† O U]`` (``deriv is None``) or ``E_θ[∂_deriv (U† O U)]`` with angle moments.

    Uniform parameters (absent from ``moments``) kill anticommuting strings; the others map
    an anticommuting ``Q`` to ``c Q + s Q'``; at the differentiated gate (factor
    ``σ · freq``, in ``moments`` as the sixth entry) to ``−s Q + c Q'`` and commuting strings
    vanish.  Channels and fixed rotations as in :func:`_exact_mean`.
    """
    obs = program.observable
    x, z, w = obs.x.copy(), obs.z.copy(), obs.coefficients.astype(float).copy()
    n_local = program.n_local
    for m in range(len(program.moments) - 1, -1, -1):
        for ins in program.moments[m]:
            if len(w) == 0:
                return x, z, w
            if isinstance(ins, TiedRotation) and ins.param == deriv:  # uniform over a full period: E[∂ℓ] = 0
                return x[:0], z[:0], w[:0]
            if isinstance(ins, RotationGroup):
                for anchor, p in zip(ins.anchors, ins.params):
                    am = bit_mask([anchor], n_local)
                    a, neg = _rotation_bits(x, z, ins.lmap, ins.offsets, am, True)
                    anti = np.any(a != 0, axis=1)
                    sign = np.where(popcount_parity(neg), -1.0, 1.0)
                    fx, fz = _anchor_flip_masks(ins.lmap, ins.offsets, anchor, n_local)
                    mom = moments.get(p)
                    if p == deriv and mom is None:  # uniform: E[sin] = E[cos] = 0, the mean vanishes
                        return x[:0], z[:0], w[:0]
                    if p == deriv:
                        c, s = mom[0], mom[1]
                        fac = mom[5]
                        idx = np.nonzero(anti)[0]
                        nx, nz, nw = x[idx] ^ fx, z[idx] ^ fz, w[idx] * c * sign[idx] * fac
                        x, z, w = np.concatenate([x[idx], nx]), np.concatenate([z[idx], nz]), np.concatenate(
                            [w[idx] * (-s) * fac, nw])
                    elif mom is None:
                        keep = ~anti
                        x, z, w = x[keep], z[keep], w[keep]
                    else:
                        c, s = mom[0], mom[1]
                        idx = np.nonzero(anti)[0]
                        nx, nz, nw = x[idx] ^ fx, z[idx] ^ fz, w[idx] * s * sign[idx]
                        w = np.where(anti, w * c, w)
                        x, z, w = np.concatenate([x, nx]), np.concatenate([z, nz]), np.concatenate([w, nw])
            else:
                sub = dataclasses.replace(program, moments=((ins,),), observable=dataclasses.replace(
                    program.observable, x=x, z=z, coefficients=w))
                x, z, w = _exact_mean(sub)
    return x, z, w


def _exact_fixed_rotation(rows: _Rows, g: FixedRotation, budget: Optional[MemoryBudget] = None) -> _Rows:
    if rows.diag:  # pragma: no cover - diag mode is never used with fixed rotations
        raise AssertionError("fixed rotations need pair mode")
    c, s = g.cos, g.sin
    for part in ("q", "r"):
        _need_rows(budget, rows, 4 * len(rows), "branching at a fixed-angle rotation")
        x = rows.qx if part == "q" else rows.rx
        z = rows.qz if part == "q" else rows.rz
        a, neg = _rotation_bits(x, z, g.lmap, g.offsets, g.anchor_mask, True)
        idx = np.nonzero(np.any(a != 0, axis=1))[0]
        if len(idx) == 0:
            continue
        new = rows.take(idx)
        sign = np.where(popcount_parity(neg[idx]), -1.0, 1.0)
        if part == "q":
            new.qx ^= g.flip_x_mask
            new.qz ^= g.flip_z_mask
        else:
            new.rx ^= g.flip_x_mask
            new.rz ^= g.flip_z_mask
        new.w[:, : rows.active] *= (s * sign)[:, None]
        rows.w[idx, : rows.active] *= c
        rows = rows.extend(new)
    return rows


def _tied_anticommuting(x: np.ndarray, z: np.ndarray, ins: TiedRotation) -> np.ndarray:
    """``(N, k)`` bool: does each string anticommute with each rotation of the tied group?"""
    out = np.zeros((x.shape[0], len(ins.harmonics)), dtype=bool)
    for j in range(len(ins.harmonics)):
        a, _ = _rotation_bits(x, z, ins.lmaps[j], ins.offsets[j], ins.anchor_masks[j], False)
        out[:, j] = np.any(a != 0, axis=1)
    return out


def _tied_flip(x: np.ndarray, z: np.ndarray, ins: TiedRotation, j: int) -> np.ndarray:
    """Flip (in place) every string by rotation ``j`` (``Q → Q'_j``); return the ``±1`` signs."""
    _, neg = _rotation_bits(x, z, ins.lmaps[j], ins.offsets[j], ins.anchor_masks[j], True)
    x ^= ins.flip_x_masks[j]
    z ^= ins.flip_z_masks[j]
    return np.where(popcount_parity(neg), -1.0, 1.0)


def _exact_tied(
    rows: _Rows, ins: TiedRotation, col: Optional[int], chain: float, budget: Optional[MemoryBudget] = None
) -> tuple[_Rows, np.ndarray]:
    """Average a tied parameter on both copies (:mod:`~bpcalc.bounds.exact.ties`, pair mode).

    Each pair ``(Q, R)`` becomes ``Σ_{S ⊆ A_Q, S' ⊆ A_R} E_u[F F'] (Q_S, R_S')``; the
    differentiated column ``col`` (created from column 0) gets ``chain² E_u[∂F ∂F']``.
    Returns the rows and, per column, a bound on the error of the averages set to zero
    below :data:`~bpcalc.bounds.exact.ties.SNAP`.
    """
    k = len(ins.harmonics)
    bit = np.int64(1) << np.arange(k, dtype=np.int64)
    aq = _tied_anticommuting(rows.qx, rows.qz, ins)
    ar = _tied_anticommuting(rows.rx, rows.rz, ins)
    fan = 2.0 ** (aq.sum(axis=1) + ar.sum(axis=1))
    if float(fan.sum()) > TIED_CHUNK and len(rows) > 1:  # expand in slices: the zero averages go before the next
        ends = np.searchsorted(np.cumsum(fan), np.arange(TIED_CHUNK, float(fan.sum()), TIED_CHUNK), side="right")
        edges = sorted({0, len(rows), *(int(e) for e in ends if 0 < e < len(rows))})
        out, snapped = None, np.zeros(rows.w.shape[1])
        for lo, hi in zip(edges[:-1], edges[1:]):
            part, sn = _exact_tied(rows.take(np.arange(lo, hi)), ins, col, chain, budget)
            snapped += sn
            out = part if out is None else out.extend(part)
        return out, snapped
    _need_rows(budget, rows, 2.0 * float(fan.sum()) + len(rows), "expanding a tied parameter")
    act = rows.active
    n_cols = rows.w.shape[1]
    snapped = np.zeros(n_cols)
    plain_cols = [c for c in range(act) if c != col]
    snapped[plain_cols] = SNAP * np.abs(rows.w[:, plain_cols] * fan[:, None]).sum(axis=0)
    if col is not None:
        snapped[col] = SNAP * chain**2 * float(np.abs(rows.w[:, 0] * fan).sum())
    masks = {"aq": aq.astype(np.int64) @ bit, "ar": ar.astype(np.int64) @ bit,
             "sq": np.zeros(len(rows), dtype=np.int64), "sr": np.zeros(len(rows), dtype=np.int64)}
    cur = rows
    for j in range(k):
        for part in ("q", "r"):
            amask = masks["a" + part]
            idx = np.nonzero(amask & bit[j])[0]
            if len(idx) == 0:
                continue
            new = cur.take(idx)
            x = new.qx if part == "q" else new.rx
            zz = new.qz if part == "q" else new.rz
            sign = _tied_flip(x, zz, ins, j)
            new.w[:, :act] *= sign[:, None]
            extra = {key: val[idx].copy() for key, val in masks.items()}
            extra["s" + part] |= bit[j]
            cur = cur.extend(new)
            masks = {key: np.concatenate([masks[key], extra[key]]) for key in masks}
    keys = np.stack([masks["aq"], masks["sq"], masks["ar"], masks["sr"]], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.ravel()
    plain, der = pair_coefficients(ins.harmonics, ins.phases, uniq, col is not None)
    cp = plain[inv]
    w0 = cur.w[:, 0].copy()
    cur.w[:, plain_cols] *= cp[:, None]
    keep = cp != 0
    if col is not None:
        cd = der[inv]
        cur.w[:, col] = w0 * cd * chain**2
        keep |= cd != 0
    if not np.all(keep):
        cur = cur.take(keep)
    return cur, snapped


def _mean_tied(x: np.ndarray, z: np.ndarray, w: np.ndarray, ins: TiedRotation):
    """Single-copy average of a tied parameter: ``Q → Σ_{S ⊆ A} E_u[F_{A,S}] Q_S`` (exact)."""
    k = len(ins.harmonics)
    bit = np.int64(1) << np.arange(k, dtype=np.int64)
    amask = _tied_anticommuting(x, z, ins).astype(np.int64) @ bit
    smask = np.zeros(len(w), dtype=np.int64)
    for j in range(k):
        idx = np.nonzero(amask & bit[j])[0]
        if len(idx) == 0:
            continue
        nx, nz = x[idx].copy(), z[idx].copy()
        sign = _tied_flip(nx, nz, ins, j)
        x, z = np.concatenate([x, nx]), np.concatenate([z, nz])
        w = np.concatenate([w, w[idx] * sign])
        amask = np.concatenate([amask, amask[idx]])
        smask = np.concatenate([smask, smask[idx] | bit[j]])
    uniq, inv = np.unique(np.stack([amask, smask], axis=1), axis=0, return_inverse=True)
    c = mean_coefficients(ins.harmonics, ins.phases, uniq)[inv.ravel()]
    keep = c != 0
    return x[keep], z[keep], (w * c)[keep]


def _exact_mean(program: PauliPathProgram) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Single-copy propagation: ``E_θ[U† O U]`` as packed strings with weights."""
    obs = program.observable
    x, z, w = obs.x.copy(), obs.z.copy(), obs.coefficients.astype(float).copy()
    n_local = program.n_local
    for m in range(len(program.moments) - 1, -1, -1):
        for ins in program.moments[m]:
            if len(w) == 0:
                return x, z, w
            if isinstance(ins, CliffordGroup):
                x, z, neg = _apply_clifford(x, z, ins.lmap, ins.offsets, ins.anchor_mask, ins.clear_mask, True)
                w = np.where(neg, -w, w)
            elif isinstance(ins, RotationGroup):
                a, _ = _rotation_bits(x, z, ins.lmap, ins.offsets, ins.anchor_mask, False)
                keep = ~np.any(a != 0, axis=1)
                x, z, w = x[keep], z[keep], w[keep]
            elif isinstance(ins, TiedRotation):
                x, z, w = _mean_tied(x, z, w, ins)
            elif isinstance(ins, MultiQubitChannel):
                x, z, w = _mean_multi_channel(x, z, w, ins)
            elif isinstance(ins, NoiseChannel):
                letter = _letter_index(x, z, ins.qubit)
                xs, zs, ws = [x[letter == 0]], [z[letter == 0]], [w[letter == 0]]
                for b in (1, 2, 3):
                    sel = letter == b
                    if not np.any(sel):
                        continue
                    for a in range(4):
                        if ins.transfer[a, b] != 0.0:
                            nx, nz = x[sel].copy(), z[sel].copy()
                            _set_letter(nx, nz, ins.qubit, a)
                            xs.append(nx)
                            zs.append(nz)
                            ws.append(w[sel] * ins.transfer[a, b])
                x, z, w = np.concatenate(xs), np.concatenate(zs), np.concatenate(ws)
            else:
                a, neg = _rotation_bits(x, z, ins.lmap, ins.offsets, ins.anchor_mask, True)
                idx = np.nonzero(np.any(a != 0, axis=1))[0]
                if len(idx):
                    sign = np.where(popcount_parity(neg[idx]), -1.0, 1.0)
                    nx, nz = x[idx] ^ ins.flip_x_mask, z[idx] ^ ins.flip_z_mask
                    nw = w[idx] * ins.sin * sign
                    w[idx] *= ins.cos
                    x, z, w = np.concatenate([x, nx]), np.concatenate([z, nz]), np.concatenate([w, nw])
    del n_local
    return x, z, w


# ----------------------------------------------------------------------------------------
# path sampling
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Accumulator:
    """Running sums for sampled estimates of several targets (per parameter)."""

    n_params: int
    n_targets: int
    s1: np.ndarray = None
    s2: np.ndarray = None
    l1: np.ndarray = None
    l2: np.ndarray = None
    vmin: np.ndarray = None
    vmax: np.ndarray = None
    negative: np.ndarray = None
    n: int = 0
    cov: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.s1 = np.zeros((self.n_params, self.n_targets))
        self.s2 = np.zeros((self.n_params, self.n_targets))
        self.l1 = np.zeros(self.n_targets)
        self.l2 = np.zeros(self.n_targets)
        self.vmin = np.full(self.n_targets, np.inf)
        self.vmax = np.zeros(self.n_targets)
        self.negative = np.zeros(self.n_targets, dtype=bool)


@dataclasses.dataclass
class _Paths:
    qx: np.ndarray
    qz: np.ndarray
    rx: Optional[np.ndarray]
    rz: Optional[np.ndarray]
    weight: np.ndarray
    records: list
    branches: np.ndarray


def _propagate_paths(
    program: PauliPathProgram, columns: dict, m_samples: int, rng: np.random.Generator, count: bool = False
) -> _Paths:
    """Sample ``m_samples`` backward Pauli paths (vectorised); record derivative indicators."""
    obs = program.observable
    c = obs.coefficients
    t = len(obs)
    diag = t == 1 and program.n_fixed_rotations == 0
    total = float(np.abs(c).sum())
    prob = np.abs(c) / total
    a = rng.choice(t, size=m_samples, p=prob) if t > 1 else np.zeros(m_samples, dtype=np.intp)
    qx, qz = obs.x[a].copy(), obs.z[a].copy()
    if diag:
        weight = np.full(m_samples, c[0] ** 2)
        rx = rz = None
    else:
        b = rng.choice(t, size=m_samples, p=prob) if t > 1 else np.zeros(m_samples, dtype=np.intp)
        rx, rz = obs.x[b].copy(), obs.z[b].copy()
        weight = total**2 * np.sign(c[a]) * np.sign(c[b])
    branches = np.zeros(m_samples, dtype=np.int64) if count else None
    records = []
    bitgen = rng.bit_generator
    for m in range(len(program.moments) - 1, -1, -1):
        for ins in program.moments[m]:
            if isinstance(ins, CliffordGroup):
                qx, qz, nq = _apply_clifford(qx, qz, ins.lmap, ins.offsets, ins.anchor_mask, ins.clear_mask, not diag)
                if not diag:
                    rx, rz, nr = _apply_clifford(rx, rz, ins.lmap, ins.offsets, ins.anchor_mask, ins.clear_mask, True)
                    weight = np.where(nq ^ nr, -weight, weight)
            elif isinstance(ins, RotationGroup):
                aq, nq = _rotation_bits(qx, qz, ins.lmap, ins.offsets, ins.anchor_mask, not diag)
                if diag:
                    both = aq
                else:
                    ar, nr = _rotation_bits(rx, rz, ins.lmap, ins.offsets, ins.anchor_mask, True)
                    die = np.any((aq ^ ar) != 0, axis=1)
                    weight = np.where(die, 0.0, weight)
                    both = aq & ar
                if count:
                    branches += np.bitwise_count(both).sum(axis=1).astype(np.int64)
                r = bitgen.random_raw(both.size).reshape(both.shape).astype(_U64, copy=False)
                f = both & r
                if not diag:
                    s = popcount_parity(nq & f) ^ popcount_parity(nr & f)
                    weight = np.where(s, -weight, weight)
                    _flip(rx, rz, f, ins.lmap, ins.offsets)
                _flip(qx, qz, f, ins.lmap, ins.offsets)
                wanted = [(anchor, columns[p]) for anchor, p in zip(ins.anchors, ins.params) if p in columns]
                if wanted:
                    records.append((both, wanted))
            elif isinstance(ins, NoiseChannel):
                weight = _sample_channel(ins, qx, qz, rx, rz, weight, rng)
            elif isinstance(ins, MultiQubitChannel):
                weight = _sample_multi_channel(ins, qx, qz, rx, rz, weight, rng)
            elif isinstance(ins, TiedRotation):
                if not count:  # pragma: no cover - refused before sampling (_refuse_sampling)
                    raise AssertionError("path sampling does not handle tied parameters")
                for part in ((qx, qz),) if rx is None else ((qx, qz), (rx, rz)):
                    branches += _tied_anticommuting(part[0], part[1], ins).sum(axis=1)
            else:
                weight = _sample_fixed(ins, qx, qz, rx, rz, weight, rng)
                if count:
                    branches += 1
    return _Paths(qx, qz, rx, rz, weight, records, branches)


def _sample_chunk(
    program: PauliPathProgram,
    columns: dict,
    states: InputStates,
    u: np.ndarray,
    m_samples: int,
    rng: np.random.Generator,
    acc: _Accumulator,
    want_cov: bool,
) -> None:
    paths = _propagate_paths(program, columns, m_samples, rng)
    weight = paths.weight
    eq = states.expectations(paths.qx, paths.qz, program.positions)  # (N, M)
    er = eq if paths.rx is None else states.expectations(paths.rx, paths.rz, program.positions)
    per_state = weight[None, :] * eq * er  # (N, M)
    lin = weight * (u @ eq) * (u @ er)
    values = np.concatenate([per_state, lin[None, :]], axis=0)  # (T, M)
    acc.n += m_samples
    acc.l1 += values.sum(axis=1)
    acc.l2 += (values**2).sum(axis=1)
    nzv = values != 0
    absv = np.abs(values)
    acc.vmin = np.minimum(acc.vmin, np.where(nzv, absv, np.inf).min(axis=1))
    acc.vmax = np.maximum(acc.vmax, absv.max(axis=1))
    acc.negative |= np.any(values < 0, axis=1)
    nz = np.nonzero(np.any(nzv, axis=0))[0]
    if len(nz) == 0 or not paths.records:
        return
    vals = values[:, nz]  # (T, M_nz)
    sq = vals**2
    for both, wanted in paths.records:
        bn = both[nz]
        bits = np.empty((len(wanted), len(nz)))
        for i, (anchor, _) in enumerate(wanted):
            bits[i] = ((bn[:, anchor // 64] >> _U64(anchor % 64)) & _U64(1)).astype(float)
        cols = [col for _, col in wanted]
        acc.s1[cols] += bits @ vals.T
        acc.s2[cols] += bits @ sq.T
        if want_cov:
            wq = weight[nz] * eq[:, nz]  # (N, M_nz)
            for i, col in enumerate(cols):
                acc.cov[col] += (wq * bits[i]) @ er[:, nz].T


def _sample_chunk_size(program: PauliPathProgram, n_states: int, budget: MemoryBudget, covariance: bool) -> int:
    """Paths per vectorised batch: ``2^14``, fewer when one batch would not fit the budget."""
    words = program.observable.x.shape[1]
    n_groups = sum(isinstance(ins, RotationGroup) for moment in program.moments for ins in moment)
    # strings of both copies (and their scratch), one derivative record per rotation group,
    # and the (targets x paths) expectation / value arrays
    per_path = 8 * words * (8 + n_groups) + 8 * (n_states + 1) * (6 + (2 * n_states if covariance else 0))
    chunk = 2**14
    while chunk > 64 and not budget.fits(chunk * per_path):
        chunk //= 2
    budget.check(chunk * per_path, what=f"a batch of {chunk} sampled Pauli paths",
                 alternative="fewer input states or parameters per call")
    return chunk


def estimate_branching(program: PauliPathProgram, rng: np.random.Generator, n_paths: int = 256) -> float:
    """Mean number of branch points on a sampled backward Pauli path.

    ``2^mean`` is a rough size of the pair set exact enumeration will meet; ``method='auto'``
    goes straight to sampling when it is far above the ``max_terms`` budget.
    """
    if len(program.observable) == 0:
        return 0.0
    return float(_propagate_paths(program, {}, n_paths, rng, count=True).branches.mean())


def _sample_fixed(ins: FixedRotation, qx, qz, rx, rz, weight, rng) -> np.ndarray:
    c, s = ins.cos, ins.sin
    norm = abs(c) + abs(s)
    p_branch = abs(s) / norm
    for x, z in ((qx, qz), (rx, rz)):
        a, neg = _rotation_bits(x, z, ins.lmap, ins.offsets, ins.anchor_mask, True)
        anti = np.any(a != 0, axis=1)
        go = anti & (rng.random(len(weight)) < p_branch)
        stay = anti & ~go
        sign = np.where(popcount_parity(neg), -1.0, 1.0)
        weight = np.where(stay, weight * norm * np.sign(c), weight)
        weight = np.where(go, weight * norm * np.sign(s) * sign, weight)
        x[go] ^= ins.flip_x_mask
        z[go] ^= ins.flip_z_mask
    return weight


def _sample_channel(ch: NoiseChannel, qx, qz, rx, rz, weight, rng) -> np.ndarray:
    """Follow one branch of a channel per copy, with probability ``∝ |T[a, b]|`` (importance weight)."""
    t = ch.transfer
    if rx is None:  # diagonal mode, diagonal channel: both copies carry the same letter
        return weight * np.diag(t)[_letter_index(qx, qz, ch.qubit)] ** 2
    for x, z in ((qx, qz), (rx, rz)):
        letter = _letter_index(x, z, ch.qubit)
        if ch.diagonal:
            weight = weight * np.diag(t)[letter]
            continue
        new = letter.copy()
        factor = np.ones(len(letter))
        u = rng.random(len(letter))
        for b in (1, 2, 3):
            sel = np.nonzero(letter == b)[0]
            if len(sel) == 0:
                continue
            col = t[:, b]
            norm = float(np.abs(col).sum())
            if norm == 0.0:
                factor[sel] = 0.0
                continue
            cum = np.cumsum(np.abs(col)) / norm
            a = np.minimum(np.searchsorted(cum, u[sel], side="right"), 3)
            new[sel] = a
            factor[sel] = np.sign(col[a]) * norm
        _set_letter(x, z, ch.qubit, new)
        weight = weight * factor
    return weight


def _clopper_pearson(k: np.ndarray, n: int, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - confidence
    k = np.asarray(k, dtype=float)
    lo = np.where(k > 0, scipy.stats.beta.ppf(alpha / 2, np.maximum(k, 1e-300), n - k + 1), 0.0)
    hi = np.where(k < n, scipy.stats.beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1e-300)), 1.0)
    return lo, hi


def _path_weight_bound(program: PauliPathProgram) -> float:
    """Largest possible |weight| of one sampled path (before the input-state factors)."""
    c = np.abs(program.observable.coefficients)
    diag = len(c) == 1 and program.n_fixed_rotations == 0
    bound = float(c[0] ** 2) if diag else float(c.sum() ** 2)
    for moment in program.moments:
        for ins in moment:
            if isinstance(ins, FixedRotation):
                bound *= (abs(ins.cos) + abs(ins.sin)) ** 2
            elif isinstance(ins, (NoiseChannel, MultiQubitChannel)):
                bound *= max(ins.amplification, 1.0) ** 2
    return bound


def _value_bounds(program: PauliPathProgram, u: np.ndarray, n_states: int) -> np.ndarray:
    """Per-target bound on one sample's |value| (|Tr ρQ| <= 1): weight bound, times (Σ|u|)² for the loss."""
    w = _path_weight_bound(program)
    return np.concatenate([np.full(n_states, w), [w * float(np.abs(u).sum()) ** 2]])


def _sample_ranges(program: PauliPathProgram, states: InputStates, u: np.ndarray, n_states: int):
    """Known range ``[lower, upper]`` of one sample per target, and which targets are binary.

    ``upper`` is :func:`_value_bounds`.  Samples are ``≥ 0`` in diagonal mode (one Pauli
    term, no fixed rotation: ``c² Tr[ρQ]²``), else in ``[−upper, upper]``.  A target is
    *binary* (every sample is ``0`` or ``upper``) in diagonal mode when every input qubit is a
    Pauli eigenstate (``Tr[ρQ] ∈ {0, ±1}``), for the loss target only with one input state.
    """
    upper = _value_bounds(program, u, n_states)
    diag = len(program.observable) == 1 and program.n_fixed_rotations == 0
    lower = np.zeros_like(upper) if diag else -upper
    binary = np.zeros(len(upper), dtype=bool)
    if diag and program.n_channels == 0 and isinstance(states, ProductStates):
        b = np.abs(states.bloch)
        eigen = bool(np.all((np.abs(b - 1) < 1e-15).sum(axis=2) == 1) and np.all((b < 1e-15).sum(axis=2) == 2))
        if eigen:
            binary[:n_states] = True
            binary[n_states] = n_states == 1
    return lower, upper, binary


def _intervals(s1, s2, n, lower, upper, binary, confidence):
    """Mean and a confidence interval per entry, valid for bounded samples (any tails).

    Every sample of an entry lies in the known range ``[lower, upper]`` (``upper > 0``) and
    the target (a second moment) is ``≥ 0``.  Three constructions, each with coverage
    ``≥ confidence`` for every distribution on that range (not only asymptotically):

    * all samples ``0``: ``0 <= E X <= upper · P(X ≠ 0)``; Clopper–Pearson with ``k = 0``
      bounds ``P(X ≠ 0)``, so the interval is ``[0, upper · (1 − (α/2)^{1/n})]``;
    * binary entries (every sample ``0`` or ``upper``): the exact Clopper–Pearson interval of
      ``P(X = upper)`` times ``upper``;
    * otherwise the empirical-Bernstein bound [1]_ (Theorem 4) applied to ``X`` and to
      ``−X`` at level ``α/2`` each: with ``R = upper − lower`` and ``V`` the unbiased sample
      variance, ``|X̄ − E X| <= sqrt(2 V ln(4/α) / n) + 7 R ln(4/α) / (3 (n − 1))``; the
      interval is then clipped to ``[0, upper]`` (where the target lies).  Unlike the normal
      approximation it does not under-cover heavy-tailed (rare large) samples.

    References
    ----------
    .. [1] A. Maurer and M. Pontil, "Empirical Bernstein bounds and sample variance
       penalization", COLT 2009, arXiv:0907.3740.
    """
    alpha = 1 - confidence
    mean = s1 / n
    shape = mean.shape
    lower = np.broadcast_to(lower, shape)
    upper = np.broadcast_to(upper, shape)
    binary = np.broadcast_to(binary, shape)
    var = np.maximum(s2 / n - mean**2, 0.0) * n / max(n - 1, 1)
    log_term = math.log(4.0 / alpha)
    half = np.sqrt(2.0 * var * log_term / n) + 7.0 * (upper - lower) * log_term / (3.0 * max(n - 1, 1))
    lo = np.clip(mean - half, 0.0, upper)
    hi = np.clip(mean + half, 0.0, upper)
    entry_zero = np.broadcast_to(s2, shape) == 0
    use_cp = binary | entry_zero
    if np.any(use_cp):
        k = np.where(entry_zero, 0.0, np.rint(s1 / np.where(upper > 0, upper, 1.0)))
        cl, ch = _clopper_pearson(np.clip(k, 0, n), n, confidence)
        lo = np.where(use_cp, cl * upper, lo)
        hi = np.where(use_cp, ch * upper, hi)
    if np.all(use_cp):
        method = "clopper-pearson"
    else:
        method = "empirical-bernstein" if not np.any(use_cp) else "clopper-pearson/empirical-bernstein"
    return mean, lo, hi, method


# ----------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------


def _pair_expectations(states: InputStates, rows: _Rows, positions):
    """``Tr[ρ_i Q]``, ``Tr[ρ_i R]`` of the pairs and bounds on their errors (one call for both copies)."""
    if rows.diag:
        eq, dq = states.expectations_with_error(rows.qx, rows.qz, positions)
        return eq, eq, dq, dq
    r = len(rows)
    e, d = states.expectations_with_error(
        np.concatenate([rows.qx, rows.rx]), np.concatenate([rows.qz, rows.rz]), positions
    )
    return e[:, :r], e[:, r:], d[:, :r], d[:, r:]


def _expectation_error(w: np.ndarray, dq: np.ndarray, dr: np.ndarray, u: np.ndarray):
    """Bounds on how much errors ``dq, dr`` of the state expectations change ``Σ w a_Q a_R``.

    ``|a a' − â â'| <= |a| |a' − â'| + |â'| |a − â| <= U e' + (U + e') e`` with ``|a| <= U``
    (``U = 1`` per state, ``Σ|u|`` for the linear loss).  Returns ``(per parameter column and
    state, per parameter column)``; zeros when the states are exact.
    """
    if not (np.any(dq) or np.any(dr)):
        return np.zeros((w.shape[1], dq.shape[0])), np.zeros(w.shape[1])
    aw = np.abs(w)
    per = aw.T @ (dr + (1.0 + dr) * dq).T
    big_u = float(np.abs(u).sum())
    eq_l, er_l = np.abs(u) @ dq, np.abs(u) @ dr
    lin = aw.T @ (big_u * er_l + (big_u + er_l) * eq_l)
    return per, lin


def _auto_try_exact(program: PauliPathProgram, max_terms: int, details: dict) -> tuple[bool, Optional[float]]:
    """``method='auto'``: attempt exact enumeration, and with which work budget?

    Yes when the light cone is small enough that every Pauli pair fits in the budget
    (``4^m`` strings, ``16^m`` pairs); otherwise when a few sampled paths branch less than
    ``log2(max_terms) + AUTO_BRANCHING_SLACK`` times (the attempt still has a work budget).
    """
    diag = len(program.observable) == 1 and program.n_fixed_rotations == 0
    bound = (2 if diag else 4) * program.n_local
    if bound <= math.log2(max_terms):
        details["auto_reason_exact"] = "light cone small enough for every Pauli pair"
        return True, None
    branching = estimate_branching(program, np.random.default_rng(12345))
    details["estimated_branching"] = branching
    return branching <= math.log2(max_terms) + AUTO_BRANCHING_SLACK, AUTO_WORK_FACTOR * max_terms


def _column_batches(columns: list, max_terms: int) -> list[list]:
    """Split parameter columns so that a pair table holds at most MAX_WEIGHT_ENTRIES weights."""
    size = max(1, MAX_WEIGHT_ENTRIES // max(max_terms, 1) - 1)
    return [columns[i : i + size] for i in range(0, len(columns), size)] or [[]]


def _init_moments(program: PauliPathProgram, init, method: str) -> dict:
    """``{parameter index: (c, s, cc, ss, cs, σ·freq)}`` for the non-uniform parameters of the cone."""
    if init is None or (isinstance(init, str) and init.strip().lower() == "uniform"):
        return {}
    dists = resolve_init(init, list(program.symbols))
    out = {}
    for i, p in enumerate(program.parameters):
        dist = dists.get(p.symbol)
        if dist is None or dist.is_uniform:
            continue
        if p.tied:
            raise ValueError(
                f"symbol {p.symbol.name} drives several rotations (a tied parameter or a multi-term generator such as "
                f"crz / CZ**t); only the uniform initialization over its period {p.period:g} is implemented for it"
            )
        k = p.frequency if (p.unit == "radian" or program.exponent_symbols == "angle") else p.frequency / math.pi
        aff = circuits.affine_angle(circuits.as_pauli_rotation(p.operation).angle)
        sign = 1.0 if complex(p.pauli.coefficient).real > 0 else -1.0
        out[i] = angle_moments(dist, float(k), float(aff.offset), sign) + (sign * float(p.frequency),)
    if out and method in ("truncate", "sample"):
        raise ValueError(
            f"a non-uniform initialization is computed by exact enumeration only; use method='exact' or 'auto' "
            f"(got method={method!r})"
        )
    return out


def _refuse_sampling(program: PauliPathProgram, why_not_exact: Optional[str], max_terms: int) -> None:
    """Path sampling does not implement tied parameters: refuse in one line instead."""
    if program.n_tied == 0:
        return
    names = [p.symbol.name for p in program.parameters if p.tied]
    lead = f"{why_not_exact} (max_terms = {max_terms}); " if why_not_exact else ""
    raise AssumptionFailed(
        f"{lead}path sampling does not handle parameters that drive several rotations ({', '.join(names[:5])}"
        f"{' …' if len(names) > 5 else ''}: shared symbols or gates such as crz, CZ**t, FSim); use method='exact' "
        "with a larger max_terms, or method='truncate' (rigorous error bound)"
    )


def _as_rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")


def _check_common(method, max_terms, n_samples, confidence):
    if method not in PATH_METHODS:
        raise ValueError(f"method must be one of {PATH_METHODS}, got {method!r}")
    if isinstance(max_terms, bool) or not isinstance(max_terms, (int, np.integer)) or max_terms < 1:
        raise ValueError(f"max_terms must be a positive integer, got {max_terms!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if not (0 < confidence < 1):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _check_tol(tol, method) -> None:
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    if tol > 0 and method != "truncate":
        raise ValueError(f"tol > 0 drops Pauli pairs: use method='truncate' (got method={method!r})")


def _validated_inputs(circuit, observable, state, qubits, method, max_terms, n_samples, confidence):
    """Check the arguments shared by the public entry points; return ``(PauliSum, state qubit order)``."""
    _check_common(method, max_terms, n_samples, confidence)
    circuits.require_circuit(circuit)
    observable = circuits.as_pauli_sum(observable)
    return observable, state_qubits(circuit, observable, state, qubits)


def _with_noise(circuit: cirq.AbstractCircuit, noise) -> cirq.AbstractCircuit:
    """The circuit with ``noise`` applied: ``None``, a ``cirq.NoiseModel`` or a channel gate.

    A single-qubit channel gate (``cirq.depolarize(0.01)``) becomes
    ``cirq.ConstantQubitNoiseModel``: the channel on every qubit after every moment (Cirq's
    convention); a ``k``-qubit channel gate (``cirq.depolarize(0.02, n_qubits=2)``) follows
    every ``k``-qubit operation, on its qubits (:class:`~bpcalc.bounds.exact.program.OperationNoiseModel`).
    """
    if noise is None:
        return circuit
    if not isinstance(noise, (cirq.NoiseModel, cirq.Gate)):
        raise TypeError(
            f"noise must be None, a cirq.NoiseModel or a single-qubit channel gate such as cirq.depolarize(0.01), "
            f"got {type(noise).__name__}"
        )
    if isinstance(noise, cirq.Gate) and (not cirq.has_kraus(noise) or cirq.has_unitary(noise)
                                         or cirq.num_qubits(noise) > MAX_CHANNEL_QUBITS):
        raise ValueError(f"noise gate {noise} must be a channel on 1..{MAX_CHANNEL_QUBITS} qubits "
                         "(e.g. cirq.depolarize(0.01), cirq.depolarize(0.02, n_qubits=2))")
    if isinstance(noise, cirq.Gate) and cirq.num_qubits(noise) > 1:
        noise = OperationNoiseModel(noise)
    return cirq.Circuit(circuit).with_noise(noise)


def _restrict_observable(circuit, observable: cirq.PauliSum, program: PauliPathProgram, wanted: list) -> cirq.PauliSum:
    """Drop terms outside the forward light cone of the wanted parameters' gates (exact)."""
    start = {}
    for p in wanted:
        info = program.parameters[p]
        for op, moment in info.operations or ((info.operation, info.moment),):
            start[op] = min(start.get(op, moment), moment)  # equal operations: the earliest reaches furthest
    reach = forward_cone_qubits(circuit, start)
    kept = [ps for ps in observable if len(ps) > 0 and any(q in reach for q in ps.qubits)]
    return cirq.PauliSum.from_pauli_strings(kept) if kept else cirq.PauliSum()


def exact_gradient_variance(
    circuit: cirq.AbstractCircuit,
    observable,
    state=None,
    parameters: Union[str, sympy.Symbol, Sequence] = "all",
    *,
    weights=None,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**16,
    confidence: float = 0.95,
    rng: Union[int, np.random.Generator, None] = 0,
    covariance: bool = False,
    exponent_symbols: str = "angle",
    qubits: Optional[Sequence[cirq.Qid]] = None,
    memory_limit: Union[None, str, int, MemoryBudget] = None,
    noise=None,
    init=None,
    tol: float = 0.0,
) -> GradientVarianceResult:
    """Exact ``Var_θ[∂_k L]`` for Pauli-rotation circuits, by Pauli-path propagation.

    Parameters
    ----------
    circuit : Pauli rotations with independent trainable symbols (``rx/ry/rz``,
        ``XPowGate**s``-style gates, ``XX/YY/ZZPowGate``, ``cirq.PauliStringPhasor``; integer
        frequencies) and constant gates that are Clifford or Pauli rotations.
    observable : ``cirq.PauliSum`` / ``PauliString`` / string like ``'Z0'``.
    state : input state(s): ``None`` (``|0…0⟩``), a product-state string ``'0+1-'``,
        ``cirq.ProductState``, a state vector, an ``(N, 2^n)`` array of state vectors (a
        dataset), or :class:`~bpcalc.bounds.exact.states.ProductStates` /
        :class:`~bpcalc.bounds.exact.states.StateVectors` (e.g. from
        :func:`~bpcalc.bounds.exact.states.dataset_states`).
    parameters : ``'all'``, ``'first'``, a symbol, a name, a glob pattern or a sequence.
    weights : loss weights ``u`` for ``L = Σ_i u_i ℓ_i`` over the input states (default
        ``1/N``; with one state ``L = ℓ``).
    method : ``'auto'`` (exact enumeration when every Pauli pair fits ``max_terms``, else the
        exact tensor network when it fits, else enumeration or path sampling), ``'exact'``
        (raise instead), ``'truncate'`` (drop light pairs, report a rigorous ``error_bound``),
        ``'sample'``, or ``'tn'`` (:func:`bpcalc.bounds.exact.tensor_network.tn_gradient_variance`).
    max_terms : budget of Pauli pairs for exact enumeration.
    n_samples : number of sampled paths (``'sample'`` / ``'auto'`` fallback).
    confidence : level of the sampled confidence intervals.
    rng : seed or ``numpy.random.Generator`` for path sampling.
    covariance : also return ``E[∂_kℓ_i ∂_kℓ_j]`` for all pairs of states.
    exponent_symbols : ``'angle'`` / ``'symbol'`` / ``'refuse'``: convention for symbols used
        as exponents (``X**s``), see :mod:`bpcalc.bounds.exact.program`.
    qubits : the qubits the state is defined on (default: the state's, or the sorted
        qubits of circuit and observable).
    memory_limit : memory budget (bytes, ``'4GiB'`` or a :class:`~bpcalc.bounds.memory.MemoryBudget`;
        default half the available memory).  Pair tables and sample batches are estimated
        before they are allocated; ``'auto'`` switches to path sampling when exact enumeration
        would not fit, ``'exact'`` / ``'truncate'`` raise
        :class:`~bpcalc.bounds.memory.MemoryBudgetExceeded` (one line naming the method that fits).
    noise : ``None``, a ``cirq.NoiseModel`` (e.g. ``cirq.ConstantQubitNoiseModel``) or a
        single-qubit channel gate (``cirq.depolarize(0.01)``: after every moment on every
        qubit).  Channels may also sit in the circuit itself.  Single-qubit channels are
        propagated exactly in the Heisenberg picture (:class:`~bpcalc.bounds.exact.program.NoiseChannel`);
        θ-independent noise keeps ``E[∂_k ℓ] = 0`` and the parameter-shift structure.
    init : initialization distribution of the angles (:mod:`bpcalc.bounds.exact.initialization`):
        ``None``/``'uniform'`` (default, full period), ``'gaussian:SIGMA'``, ``'uniform:A'``
        (on ``[−A, A]``), a number (fixed value), or ``{name: spec, '*': default}``.  With a
        non-uniform distribution ``E[∂_k L] ≠ 0``: ``gradient_mean`` holds it and ``values``
        the variance ``E[(∂_k L)²] − E[∂_k L]²``, both exact (exact enumeration only).
    tol : with ``method='truncate'``: also drop every Pauli pair whose weights are all
        ``<= tol · (Σ|c|)²`` (``c`` the observable's coefficients) after each merge — a
        coefficient threshold that keeps deep circuits with many fixed-angle rotations
        tractable; the dropped weight enters ``error_bound`` (rigorous, per parameter, see
        ``_exact_pairs``) and ``method`` is ``'truncated'`` when anything was dropped.

    Returns
    -------
    GradientVarianceResult

    Raises
    ------
    ValueError : shared symbols, non-integer frequencies, symbols in non-rotation gates,
        constant non-Clifford gates that are not Pauli rotations, an unknown parameter, an
        exceeded budget with ``method='exact'``, or a malformed state.
    MemoryBudgetExceeded : the computation would not fit ``memory_limit`` (nothing allocated).
    TypeError : a non-circuit or an unsupported state type.

    Examples
    --------
    >>> from bpcalc import circuits
    >>> c = circuits.hardware_efficient(4, 2)
    >>> r = exact_gradient_variance(c, "Z0", parameters="theta_0_0_0")
    >>> r.method, round(float(r.values[0]), 6)
    ('exact', 0.3125)
    """
    budget = MemoryBudget.from_limit(memory_limit)  # a bad size is refused before any work
    _check_tol(tol, method)
    uniform = init is None or (isinstance(init, str) and init.strip().lower() == "uniform")
    if method == "tn" and (noise is not None or not uniform):
        raise AssumptionFailed("the tensor-network engine handles noiseless circuits with uniform initialization; "
                               "use method='exact' (Pauli-pair enumeration) for noise or other initializations")
    if method in ("tn", "auto") and noise is None and uniform:  # the tensor network (bounds.exact.tensor_network)
        from .tensor_network import route_gradient_variance

        routed = route_gradient_variance(
            circuit, observable, state, parameters, method=method, max_terms=max_terms, weights=weights,
            covariance=covariance, exponent_symbols=exponent_symbols, qubits=qubits, memory_limit=budget,
            branching_estimate=lambda program: estimate_branching(program, np.random.default_rng(12345)),
            branching_slack=AUTO_BRANCHING_SLACK,
        )
        if routed is not None:
            return routed
    t0 = time.perf_counter()
    observable, sq = _validated_inputs(circuit, observable, state, qubits, method, max_terms, n_samples, confidence)
    circuit = _with_noise(circuit, noise)
    symbols = circuit_symbols(circuit)
    wanted_symbols = resolve_parameters(parameters, symbols)
    program = compile_program(circuit, observable, sq, exponent_symbols, symbols=symbols)
    sq = program.state_qubits
    states = as_input_states(state, sq)
    u = loss_weights(weights, states.n_states)
    pindex = program.parameter_index
    in_cone = np.array([s in pindex for s in wanted_symbols], dtype=bool)
    wanted = [pindex[s] for s in wanted_symbols if s in pindex]
    if wanted and len(program.observable) > 1 and len(wanted) < len(program.parameters):
        reduced = _restrict_observable(circuit, observable, program, wanted)
        if len(reduced) < len(program.observable):
            program = compile_program(circuit, reduced, sq, exponent_symbols, symbols=symbols)
            pindex = program.parameter_index
            wanted = [pindex[s] for s in wanted_symbols if s in pindex]
    k = len(wanted_symbols)
    n = states.n_states
    values = np.zeros(k)
    per_state = np.zeros((k, n))
    cov = np.zeros((k, n, n)) if covariance else None
    details = {
        "light_cone_qubits": program.n_local,
        "n_parameters_in_cone": len(program.parameters),
        "n_observable_terms": len(program.observable),
        "exponent_symbols": exponent_symbols,
    }
    tied = {p.symbol.name: {"period": p.period, "rotations": len(p.operations)} for p in program.parameters if p.tied}
    if tied:  # shared symbols / multi-term generators, averaged jointly over their period (bounds.exact.ties)
        details["tied_parameters"] = tied
    pos_of = {}  # position in wanted_symbols of each program parameter index
    for i, s in enumerate(wanted_symbols):
        if s in pindex:
            pos_of[pindex[s]] = i
    columns = sorted(pos_of)
    base = dict(parameters=tuple(wanted_symbols), weights=u, in_light_cone=in_cone)
    if not columns or len(program.observable) == 0:
        return GradientVarianceResult(
            values=values, method="exact", per_state=per_state, covariance=cov, error_bound=np.zeros(k),
            n_terms=0, seconds=time.perf_counter() - t0, details=details, **base,
        )
    gen = _as_rng(rng)
    moments = _init_moments(program, init, method)
    use_exact = method in ("exact", "truncate")
    limit = None
    if moments:
        dists = resolve_init(init, list(program.symbols))
        details["init"] = {p.symbol.name: f"{dists[p.symbol].kind}:{dists[p.symbol].scale:g}" for p in program.parameters}
        use_exact = True
    elif method == "auto" and program.n_tied:
        use_exact = True  # path sampling does not handle tied parameters
    elif method == "auto":
        use_exact, limit = _auto_try_exact(program, max_terms, details)
    fallback = None
    grad_mean = np.zeros(k) if moments else None
    if use_exact:
        try:
            batches = _column_batches(columns, max_terms)
            peak = 0
            eb = np.zeros(k)
            eb_state = np.zeros((k, n))
            truncated = False
            for batch in batches:
                rows, err, pk, dropped_any = _exact_pairs(
                    program, batch, max_terms, truncate=(method == "truncate"), max_work=limit, budget=budget,
                    moments=moments, tol=tol,
                )
                peak = max(peak, pk)
                budget.check(8.0 * len(rows) * n * 4, what=f"input-state expectations of {len(rows):,} Pauli pairs "
                             f"for {n} state(s)", alternative=_MEMORY_ALTERNATIVE)
                eq, er, dq, dr = _pair_expectations(states, rows, program.positions)
                w = rows.w[:, 1:]  # (R, batch)
                ps = w.T @ (eq * er).T  # (batch, N)
                lin = w.T @ ((u @ eq) * (u @ er))
                truncated |= dropped_any
                ps_err, lin_err = _expectation_error(w, dq, dr, u)
                truncated |= bool(np.any(ps_err > 0))
                for j, p in enumerate(batch):
                    i = pos_of[p]
                    per_state[i] = ps[j]
                    values[i] = lin[j]
                    eb[i] = err[1 + j] * float(np.abs(u).sum() ** 2) + lin_err[j]
                    eb_state[i] = err[1 + j] + ps_err[j]
                    if covariance:
                        cov[i] = (eq * w[:, j]) @ er.T
                    if moments:  # E[∂ℓ_i] ≠ 0: subtract the squared mean (single-copy, exact)
                        mx, mz, mw = _exact_mean_general(program, moments, p)
                        if len(mw):
                            e, de = states.expectations_with_error(mx, mz, program.positions)
                            e, de = e @ mw, de @ np.abs(mw)
                        else:
                            e, de = np.zeros(n), np.zeros(n)
                        grad_mean[i] = float(u @ e)
                        per_state[i] -= e**2
                        values[i] -= grad_mean[i] ** 2
                        g_err = float(np.abs(u) @ de)  # |e² − ê²| <= E (2|ê| + E)
                        eb[i] += g_err * (2 * abs(grad_mean[i]) + g_err)
                        eb_state[i] += de * (2 * np.abs(e) + de)
                        if covariance:
                            cov[i] -= np.outer(e, e)
        except BudgetExceeded as exc:
            if moments:
                raise ValueError(
                    f"exact enumeration with a non-uniform initialization needs more than max_terms = {max_terms} "
                    "Pauli pairs; raise max_terms (path sampling covers uniform initialization only)"
                ) from None
            if method == "exact":
                raise ValueError(
                    f"exact enumeration needs more than max_terms = {max_terms} Pauli pairs; raise max_terms, "
                    "or use method='truncate' (rigorous error bound) or 'sample' (confidence interval)"
                ) from None
            fallback = str(exc)
        except MemoryBudgetExceeded as exc:
            if method != "auto" or moments:
                raise MemoryBudgetExceeded(str(exc)) from None
            fallback = f"exact enumeration would not fit the memory budget: {exc}"
        else:
            details["max_pairs"] = peak
            if truncated:
                details["per_state_error_bound"] = eb_state
            return GradientVarianceResult(
                values=values, method="truncated" if truncated else "exact",
                per_state=per_state, covariance=cov, error_bound=eb, n_terms=peak,
                seconds=time.perf_counter() - t0, details=details, gradient_mean=grad_mean, **base,
            )
    elif method == "auto":
        fallback = "estimated branching too large for exact enumeration"
    if method == "auto" and noise is None and uniform and isinstance(states, ProductStates):
        # before sampling: the tensor network is exact where enumeration is not (e.g. global costs)
        routed = _auto_tensor_network(circuit, observable, state, parameters, program, wanted_symbols, weights,
                                      covariance, exponent_symbols, qubits, budget, fallback)
        if routed is not None:
            return routed
    # path sampling
    _refuse_sampling(program, fallback, max_terms)
    col_index = {p: j for j, p in enumerate(columns)}
    acc = _Accumulator(n_params=len(columns), n_targets=n + 1)
    if covariance:
        acc.cov = np.zeros((len(columns), n, n))
    chunk = _sample_chunk_size(program, n, budget, covariance)
    done = 0
    while done < n_samples:
        mm = min(chunk, n_samples - done)
        _sample_chunk(program, col_index, states, u, mm, gen, acc, covariance)
        done += mm
    freq2 = np.array([program.parameters[p].frequency ** 2 for p in columns])
    lower, upper, binary = _sample_ranges(program, states, u, n)
    mean, lo, hi, ci_method = _intervals(
        acc.s1, acc.s2, acc.n, lower[None, :], upper[None, :], binary[None, :], confidence
    )
    ci_low = np.zeros(k)
    ci_high = np.zeros(k)
    below = np.zeros(k, dtype=bool)
    for j, p in enumerate(columns):
        i = pos_of[p]
        f2 = freq2[j]
        per_state[i] = mean[j, :n] * f2
        values[i] = mean[j, n] * f2
        ci_low[i] = lo[j, n] * f2
        ci_high[i] = hi[j, n] * f2
        # no sampled path contributed: an upper limit, not a zero (the parameter is in the cone)
        below[i] = acc.s2[j, n] == 0
        if covariance:
            cov[i] = acc.cov[j] / acc.n * f2
    details["seed"] = rng if isinstance(rng, (int, np.integer)) else None
    return GradientVarianceResult(
        values=values, method="path-sampled", per_state=per_state, covariance=cov, ci_low=ci_low, ci_high=ci_high,
        confidence=confidence, ci_method=ci_method, n_samples=acc.n, seconds=time.perf_counter() - t0,
        details=details | {"auto_reason": fallback}, below_resolution=below, **base,
    )


def _auto_tensor_network(circuit, observable, state, parameters, program, wanted_symbols, weights, covariance,
                         exponent_symbols, qubits, budget, why_not_enumeration):
    """``method='auto'`` after enumeration gave up: the exact tensor network if its work
    (:data:`bounds.exact.tensor_network.AUTO_MAX_WORK`) and bond dimension
    (:data:`AUTO_TN_FALLBACK_BOND`, small so that a failed attempt is cheap) stay small and it
    fits the memory budget; ``None`` (path sampling) otherwise."""
    from . import tensor_network as tn

    pindex = program.parameter_index
    n_wanted = sum(1 for s in wanted_symbols if s in pindex)
    if n_wanted == 0 or n_wanted * len(program.moments) * program.n_local > tn.AUTO_MAX_WORK:
        return None
    try:
        res = tn.tn_gradient_variance(circuit, observable, state, parameters, weights=weights, covariance=covariance,
                                      exponent_symbols=exponent_symbols, qubits=qubits, memory_limit=budget,
                                      _strict_bond=AUTO_TN_FALLBACK_BOND)
    except (tn.BondCapExceeded, MemoryBudgetExceeded, AssumptionFailed):
        return None
    res.details["auto_choice"] = (f"tensor network: {why_not_enumeration}; the exact network fits "
                                  f"(bond <= {AUTO_TN_FALLBACK_BOND}, memory budget), so no path sampling was needed")
    return res


def exact_loss_variance(
    circuit: cirq.AbstractCircuit,
    observable,
    state=None,
    *,
    weights=None,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**16,
    confidence: float = 0.95,
    rng: Union[int, np.random.Generator, None] = 0,
    exponent_symbols: str = "angle",
    qubits: Optional[Sequence[cirq.Qid]] = None,
    memory_limit: Union[None, str, int, MemoryBudget] = None,
    noise=None,
    init=None,
    tol: float = 0.0,
) -> LossVarianceResult:
    """Exact ``Var_θ[L]`` (and ``E_θ[L]``) of ``L = Σ_i u_i ℓ_i``, ``ℓ_i = Tr[U ρ_i U† O]``.

    Same arguments and conventions as :func:`exact_gradient_variance`.  ``E_θ[L]`` is always
    exact (single-copy propagation); ``E_θ[L²]`` is exact, truncated or sampled.  ``method='tn'``
    contracts ``E_θ[L²]`` as a tensor network
    (:func:`bpcalc.bounds.exact.tensor_network.tn_loss_second_moment`, product input states).

    Examples
    --------
    >>> from bpcalc import circuits
    >>> r = exact_loss_variance(circuits.hardware_efficient(3, 1), "Z0")
    >>> r.method, round(r.value, 6)
    ('exact', 0.5)
    """
    t0 = time.perf_counter()
    use_tn = method == "tn"  # E[L²] from the tensor network (bounds.exact.tensor_network)
    observable, sq = _validated_inputs(circuit, observable, state, qubits, "exact" if use_tn else method, max_terms,
                                       n_samples, confidence)
    _check_tol(tol, "exact" if use_tn else method)
    if use_tn and (noise is not None or init is not None):
        raise ValueError("method='tn' needs a noiseless circuit with uniformly initialized angles; "
                         "use method='exact' for noise or init=")
    budget = MemoryBudget.from_limit(memory_limit)
    circuit = _with_noise(circuit, noise)
    program = compile_program(circuit, observable, sq, exponent_symbols)
    states = as_input_states(state, program.state_qubits)
    u = loss_weights(weights, states.n_states)
    moments = _init_moments(program, init, method)
    mx, mz, mw = _exact_mean_general(program, moments) if moments else _exact_mean(program)
    if len(mw):
        mean_e, mean_d = states.expectations_with_error(mx, mz, program.positions)
        mean_i, mean_d = mean_e @ mw, mean_d @ np.abs(mw)
    else:
        mean_i, mean_d = np.zeros(states.n_states), np.zeros(states.n_states)
    mean_l = float(u @ mean_i)
    details = {"light_cone_qubits": program.n_local, "n_observable_terms": len(program.observable)}
    if len(program.observable) == 0:
        return LossVarianceResult(
            value=0.0, mean=mean_l + program.identity * float(u.sum()), second_moment=0.0, method="exact",
            per_state=np.zeros(states.n_states), per_state_mean=mean_i + program.identity, weights=u,
            error_bound=0.0, n_terms=0, seconds=time.perf_counter() - t0, details=details,
        )
    ident = program.identity
    if use_tn:
        from .tensor_network import tn_loss_second_moment

        sm = tn_loss_second_moment(circuit, observable, state, weights=weights, exponent_symbols=exponent_symbols,
                                   qubits=qubits, memory_limit=budget)
        return LossVarianceResult(
            value=sm.value - mean_l**2, mean=mean_l + ident * float(u.sum()), second_moment=sm.value, method=sm.method,
            per_state=sm.per_state - mean_i**2, per_state_mean=mean_i + ident, weights=u, error_bound=sm.error_bound,
            n_terms=sm.max_bond, seconds=time.perf_counter() - t0, details=details | sm.details,
        )
    use_exact = method in ("exact", "truncate")
    limit = None
    if moments or (method == "auto" and program.n_tied):
        use_exact = True
    elif method == "auto":
        use_exact, limit = _auto_try_exact(program, max_terms, details)
    if use_exact:
        try:
            rows, err, peak, dropped_any = _exact_pairs(
                program, [], max_terms, truncate=(method == "truncate"), max_work=limit, budget=budget,
                moments=moments, tol=tol,
            )
            budget.check(8.0 * len(rows) * states.n_states * 4, what=f"input-state expectations of {len(rows):,} "
                         f"Pauli pairs for {states.n_states} state(s)", alternative=_MEMORY_ALTERNATIVE)
        except BudgetExceeded:
            if method == "exact" or moments:
                raise ValueError(
                    f"exact enumeration needs more than max_terms = {max_terms} Pauli pairs; raise max_terms, "
                    "or use method='truncate' or 'sample' (uniform initialization only)"
                ) from None
        except MemoryBudgetExceeded as exc:
            if method != "auto" or moments:
                raise MemoryBudgetExceeded(str(exc)) from None
        else:
            eq, er, dq, dr = _pair_expectations(states, rows, program.positions)
            w = rows.w[:, 0]
            second_i = (eq * er) @ w
            second = float(((u @ eq) * (u @ er)) @ w)
            ps_err, lin_err = _expectation_error(w[:, None], dq, dr, u)
            # Var = E[L²] − E[L]²: the error of the mean's square adds (|m² − m̂²| <= E (2|m̂| + E))
            mean_err = float(np.abs(u) @ mean_d)
            state_err = float(lin_err[0]) + mean_err * (2 * abs(mean_l) + mean_err)  # from truncated input states
            err = err.copy()
            err[0] = err[0] * np.abs(u).sum() ** 2 + state_err
            truncated = dropped_any or state_err > 0
            return LossVarianceResult(
                value=second - mean_l**2, mean=mean_l + ident * float(u.sum()), second_moment=second,
                method="truncated" if truncated else "exact", per_state=second_i - mean_i**2,
                per_state_mean=mean_i + ident, weights=u, error_bound=float(err[0]),
                n_terms=peak, seconds=time.perf_counter() - t0, details=details,
            )
    _refuse_sampling(program, None if method == "sample" else "exact enumeration did not fit", max_terms)
    gen = _as_rng(rng)
    n = states.n_states
    acc = _Accumulator(n_params=0, n_targets=n + 1)
    chunk = _sample_chunk_size(program, n, budget, False)
    done = 0
    while done < n_samples:
        mm = min(chunk, n_samples - done)
        _sample_chunk(program, {}, states, u, mm, gen, acc, False)
        done += mm
    lower, upper, binary = _sample_ranges(program, states, u, n)
    mean2, lo, hi, ci_method = _intervals(acc.l1, acc.l2, acc.n, lower, upper, binary, confidence)
    return LossVarianceResult(
        value=float(mean2[n] - mean_l**2), mean=mean_l + ident * float(u.sum()), second_moment=float(mean2[n]),
        method="path-sampled", per_state=mean2[:n] - mean_i**2, per_state_mean=mean_i + ident, weights=u,
        ci_low=float(lo[n] - mean_l**2), ci_high=float(hi[n] - mean_l**2), confidence=confidence,
        ci_method=ci_method, n_samples=acc.n, seconds=time.perf_counter() - t0, details=details,
    )


def exact_model_gradient_variance(
    model,
    parameters="all",
    *,
    data=None,
    weights=None,
    data_route: str = "auto",
    initial_state=None,
    states=None,
    **kwargs,
) -> GradientVarianceResult:
    """:func:`exact_gradient_variance` for a :class:`circuits.Model`.

    The input states are the embedded data states (``model.dataset`` or ``data``), the one
    state ``U|0…0⟩`` of a fixed embedding without data symbols, or ``initial_state`` (default
    ``|0…0⟩``) when the model has no embedding.  ``values`` is
    ``Var[∂_k L]`` for the linear loss ``L = Σ_i u_i ℓ_i`` (default ``u_i = 1/N``);
    ``per_state`` holds ``Var[∂_k ℓ_i]`` and ``covariance=True`` the cross terms
    ``E[∂_kℓ_i ∂_kℓ_j]``, from which Theorem 1 of the seed paper bounds non-linear losses.

    ``data_route`` says how the data states enter:

    * ``'auto'`` (default): product states (Bloch vectors) when the embedding has no
      multi-qubit gates, else ``'paths'``;
    * ``'paths'``: no state vector — the Pauli strings left by the averaged ansatz are
      propagated through ``U(x_i)`` at fixed angles down to ``initial_state``, all data
      points together (:class:`~bpcalc.bounds.exact.embedded.EmbeddedStates`; any number
      of qubits);
    * ``'state_vector'``: simulate ``U(x_i)|0…0⟩`` (``n <= 24``).
    ``states``: the model's input states when already computed (an analysis computes them once,
    :func:`bpcalc.bounds.analysis.input_states`, and hands them on).

    A data re-uploading model (``model.reuploading``) is refused (``AssumptionFailed``):
    use :func:`~bpcalc.bounds.exact.reuploading.exact_reuploading_gradient_variance`.

    Raises
    ------
    TypeError : ``model`` is not a :class:`circuits.Model`.
    ValueError : an embedding with data symbols but no data, an unknown ``data_route``.
    """
    from .embedded import embedded_states
    from .states import dataset_states

    if not isinstance(model, circuits.Model):
        raise TypeError(f"model must be a circuits.Model, got {type(model).__name__}")
    routes = ("auto", "paths", "state_vector")
    if data_route not in routes:
        raise ValueError(f"data_route must be one of {routes}, got {data_route!r}")
    if getattr(model, "reuploading", False):
        raise AssumptionFailed(
            "a data re-uploading model (data gates inside the ansatz) is analysed by "
            "bpcalc.bounds.exact.exact_reuploading_gradient_variance (one propagation per data point), "
            "not by exact_model_gradient_variance"
        )
    has_embedding = bool(list(model.embedding.all_operations()))
    if states is not None:
        if data is not None or initial_state is not None:
            raise ValueError("give either states or data / initial_state, not both")
    elif has_embedding and data is None and model.dataset is None:
        if model.data_symbols:
            raise ValueError("the model's embedding has data symbols but no dataset; pass data=(N, n_features)")
        data = np.zeros((1, 0))  # a fixed, data-free embedding prepares one input state U|0…0⟩
    if states is not None:
        pass  # computed once by the caller (an analysis) and handed on
    elif not has_embedding:
        states = initial_state
    else:
        x = model.dataset.x if data is None else data
        product = all(len(op.qubits) <= 1 for op in model.embedding.all_operations())
        if data_route == "paths" or (data_route == "auto" and (not product or initial_state is not None)):
            states = embedded_states(model.embedding, x, tuple(model.qubits), initial_state,
                                     memory_limit=kwargs.get("memory_limit"))
        else:
            if initial_state is not None:
                raise ValueError("initial_state with data_route='state_vector' is not supported; use data_route='paths'")
            states = dataset_states(model, x)
    return exact_gradient_variance(
        model.ansatz, model.observable, states, parameters, weights=weights, qubits=tuple(model.qubits), **kwargs
    )
