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
pass.  Two engines share the compiled program (:mod:`bounds.exact.program`):

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

import circuits

from .paulis import LocalMap, align, bit_mask, popcount_parity
from .program import (
    CliffordGroup,
    FixedRotation,
    PauliPathProgram,
    RotationGroup,
    circuit_symbols,
    compile_program,
    forward_cone_qubits,
)
from .results import GradientVarianceResult, LossVarianceResult
from .states import InputStates, as_input_states

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
AUTO_WORK_FACTOR = 16
MAX_WEIGHT_ENTRIES = 2**24
_U64 = np.uint64


class BudgetExceeded(RuntimeError):
    """Exact enumeration needed more than ``max_terms`` Pauli pairs."""


# ----------------------------------------------------------------------------------------
# symbols and parameter selection
# ----------------------------------------------------------------------------------------


def resolve_parameters(parameters, symbols: Sequence[sympy.Symbol]) -> list[sympy.Symbol]:
    """Turn a parameter selection into a list of symbols of the circuit.

    ``parameters`` may be ``'all'``, ``'first'``, ``'last'``, a symbol, a name, a glob
    pattern (``'theta_0_*'``), or a sequence of those.

    Raises
    ------
    ValueError : a name or pattern matching no symbol of the circuit.
    TypeError : anything else.
    """
    symbols = list(symbols)
    by_name = {s.name: s for s in symbols}
    if isinstance(parameters, str):
        if parameters == "all":
            return symbols
        if parameters in ("first", "last"):
            if not symbols:
                raise ValueError("the circuit has no trainable symbols")
            return [symbols[0] if parameters == "first" else symbols[-1]]
        if parameters in by_name:
            return [by_name[parameters]]
        if any(ch in parameters for ch in "*?["):
            hits = [s for s in symbols if fnmatch.fnmatchcase(s.name, parameters)]
            if not hits:
                raise ValueError(f"pattern {parameters!r} matches no symbol of the circuit")
            return hits
        raise ValueError(
            f"{parameters!r} is not a symbol of the circuit (use 'all', 'first', a symbol name or a glob pattern); "
            f"symbols start with {[s.name for s in symbols[:5]]}"
        )
    if isinstance(parameters, sympy.Symbol):
        if parameters not in by_name.values():
            raise ValueError(f"symbol {parameters} is not in the circuit")
        return [parameters]
    if isinstance(parameters, (list, tuple, set, frozenset)):
        out: list = []
        for p in parameters:
            for s in resolve_parameters(p, symbols):
                if s not in out:
                    out.append(s)
        return out
    raise TypeError(f"parameters must be 'all', a symbol, a name or a sequence of them, got {type(parameters).__name__}")


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


def _merge(rows: _Rows, tiny: float) -> tuple[_Rows, np.ndarray]:
    """Sum the weights of equal pairs; drop pairs whose weights are all below ``tiny``.

    Returns the merged rows and the absolute weight dropped per column.
    """
    n = len(rows)
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


def _truncate(rows: _Rows, max_terms: int) -> tuple[_Rows, np.ndarray]:
    size = np.max(np.abs(rows.weights), axis=1)
    keep = np.argpartition(-size, max_terms - 1)[:max_terms]
    mask = np.zeros(len(rows), dtype=bool)
    mask[keep] = True
    dropped = np.zeros(rows.w.shape[1])
    dropped[: rows.active] = np.abs(rows.weights[~mask]).sum(axis=0)
    return rows.take(mask), dropped


def _initial_rows(program: PauliPathProgram, n_cols: int) -> _Rows:
    obs = program.observable
    c = obs.coefficients
    diag = len(obs) == 1 and program.n_fixed_rotations == 0
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
) -> tuple[_Rows, np.ndarray, int]:
    """Backward pair propagation.  Column 0: no derivative; column 1+i: parameter columns[i].

    Returns (rows, error bound per column, largest number of rows held).
    Raises BudgetExceeded when more than ``max_terms`` rows remain and ``truncate`` is False,
    or when more than ``max_work`` row-updates were spent (used by ``method='auto'``).
    """
    work = 0.0
    n_cols = 1 + len(columns)
    wanted = set(columns)
    assigned: dict = {}
    rows = _initial_rows(program, n_cols)
    scale = float(np.abs(program.observable.coefficients).sum() ** 2) or 1.0
    tiny = 1e-15 * scale
    amp = program.amplification_suffix()
    err = np.zeros(n_cols)
    peak = len(rows)
    last_merge = max(len(rows), 1)
    n_local = program.n_local
    params = program.parameters

    for m in range(len(program.moments) - 1, -1, -1):
        for ins in program.moments[m]:
            if len(rows) == 0:
                break
            if isinstance(ins, CliffordGroup):
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
                    rows = _exact_rotation(rows, ins, anchor, col, params[p].frequency, n_local)
                    peak = max(peak, len(rows))
                if max_work is not None and work > max_work:
                    raise BudgetExceeded(f"exact enumeration exceeded its work budget ({max_work:.3g} row updates)")
            else:
                rows = _exact_fixed_rotation(rows, ins)
            peak = max(peak, len(rows))
            if len(rows) > 2 * last_merge or len(rows) > max_terms:
                rows, dropped = _merge(rows, tiny)
                err += dropped * amp[m]
                last_merge = max(len(rows), 1)
                if len(rows) > max_terms:
                    if not truncate:
                        raise BudgetExceeded(f"more than {max_terms} Pauli pairs are needed")
                    rows, dropped = _truncate(rows, max_terms)
                    err += dropped * amp[m]
    rows, dropped = _merge(rows, tiny)
    err += dropped
    # reorder the columns as requested (parameters whose gate was never reached stay zero)
    out = np.zeros((len(rows), n_cols))
    out_err = np.zeros(n_cols)
    out[:, 0] = rows.w[:, 0]
    out_err[0] = err[0]
    for i, p in enumerate(columns):
        if p in assigned:
            out[:, 1 + i] = rows.w[:, assigned[p]]
            out_err[1 + i] = err[assigned[p]]
    rows.w = out
    rows.active = n_cols
    return rows, out_err, peak


def _exact_rotation(rows: _Rows, g: RotationGroup, anchor: int, col: Optional[int], freq: float, n_local: int) -> _Rows:
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


def _exact_fixed_rotation(rows: _Rows, g: FixedRotation) -> _Rows:
    if rows.diag:  # pragma: no cover - diag mode is never used with fixed rotations
        raise AssertionError("fixed rotations need pair mode")
    c, s = g.cos, g.sin
    for part in ("q", "r"):
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
    return bound


def _value_bounds(program: PauliPathProgram, u: np.ndarray, n_states: int) -> np.ndarray:
    """Per-target bound on one sample's |value| (|Tr ρQ| <= 1): weight bound, times (Σ|u|)² for the loss."""
    w = _path_weight_bound(program)
    return np.concatenate([np.full(n_states, w), [w * float(np.abs(u).sum()) ** 2]])


def _intervals(s1, s2, n, vmin, vmax, negative, confidence, zero_bound=None):
    """Mean and CI per entry; Clopper–Pearson when every sample is 0 or one value b.

    When every sample is 0, the Clopper–Pearson upper limit is scaled by ``zero_bound``
    (the largest value one sample could have taken), so the interval is ``[0, > 0]``
    rather than the misleading ``[0, 0]``.
    """
    mean = s1 / n
    binary = (~negative) & np.isfinite(vmin) & (np.abs(vmax - vmin) <= 1e-12 * np.maximum(vmax, 1e-300))
    all_zero = ~np.isfinite(vmin)
    var = np.maximum(s2 / n - mean**2, 0.0)
    z = scipy.stats.norm.ppf(0.5 + confidence / 2)
    half = z * np.sqrt(var / max(n - 1, 1))
    lo, hi = mean - half, mean + half
    fallback = np.broadcast_to(np.where(np.isfinite(vmin), vmax, 0.0) if zero_bound is None else zero_bound, mean.shape)
    # an entry whose own samples are all 0 (e.g. a parameter no sampled path reached)
    entry_zero = np.broadcast_to(s2, mean.shape) == 0
    b = np.where(entry_zero, fallback, np.broadcast_to(np.where(np.isfinite(vmin), vmax, 0.0), mean.shape))
    use_cp = np.broadcast_to(binary | all_zero, mean.shape) | entry_zero
    if np.any(use_cp):
        k = np.where(b > 0, np.rint(s1 / np.where(b > 0, b, 1.0)), 0.0)
        cl, ch = _clopper_pearson(k, n, confidence)
        lo = np.where(use_cp, cl * b, lo)
        hi = np.where(use_cp, ch * b, hi)
    method = "clopper-pearson" if np.all(use_cp) else ("normal" if not np.any(use_cp) else "clopper-pearson/normal")
    return mean, lo, hi, method


# ----------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------


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


def _validated_inputs(circuit, observable, state, qubits, method, max_terms, n_samples, confidence):
    """Check the arguments shared by the public entry points; return ``(PauliSum, state qubit order)``."""
    _check_common(method, max_terms, n_samples, confidence)
    circuits.require_circuit(circuit)
    observable = circuits.as_pauli_sum(observable)
    return observable, _state_qubits(circuit, observable, state, qubits)


def _state_qubits(circuit, observable, state, qubits):
    """The qubit order of the input state, or ``None`` for ``|0…0⟩`` on the light cone.

    An explicit ``qubits`` or an :class:`InputStates` fixes the order; other state formats
    (vectors, strings) are read on the sorted qubits of circuit and observable.
    """
    if qubits is None and state is None:
        return None
    needed = set(circuit.all_qubits()) | set(q for ps in observable for q in ps.qubits)
    if qubits is not None:
        qs = tuple(qubits)
    elif isinstance(state, InputStates):
        qs = tuple(state.qubits)
    else:
        qs = tuple(sorted(needed))
    missing = needed - set(qs)
    if missing:
        raise ValueError(f"qubits {sorted(missing)} of the circuit/observable are not among the state's qubits {list(qs)}")
    return qs


def _loss_weights(weights, n_states: int) -> np.ndarray:
    if weights is None:
        return np.full(n_states, 1.0 / n_states)
    u = np.asarray(weights, dtype=float).ravel()
    if u.shape != (n_states,):
        raise ValueError(f"weights must have one entry per input state ({n_states}), got shape {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError("weights must be finite")
    return u


def _restrict_observable(circuit, observable: cirq.PauliSum, program: PauliPathProgram, wanted: list) -> cirq.PauliSum:
    """Drop terms outside the forward light cone of the wanted parameters' gates (exact)."""
    start = {program.parameters[p].operation: program.parameters[p].moment for p in wanted}
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
        dataset), or :class:`~bounds.exact.states.ProductStates` /
        :class:`~bounds.exact.states.StateVectors` (e.g. from
        :func:`~bounds.exact.states.dataset_states`).
    parameters : ``'all'``, ``'first'``, a symbol, a name, a glob pattern or a sequence.
    weights : loss weights ``u`` for ``L = Σ_i u_i ℓ_i`` over the input states (default
        ``1/N``; with one state ``L = ℓ``).
    method : ``'auto'`` (exact enumeration when every Pauli pair fits ``max_terms``, else the
        exact tensor network when it fits, else enumeration or path sampling), ``'exact'``
        (raise instead), ``'truncate'`` (drop light pairs, report a rigorous ``error_bound``),
        ``'sample'``, or ``'tn'`` (:func:`bounds.exact.tensor_network.tn_gradient_variance`).
    max_terms : budget of Pauli pairs for exact enumeration.
    n_samples : number of sampled paths (``'sample'`` / ``'auto'`` fallback).
    confidence : level of the sampled confidence intervals.
    rng : seed or ``numpy.random.Generator`` for path sampling.
    covariance : also return ``E[∂_kℓ_i ∂_kℓ_j]`` for all pairs of states.
    exponent_symbols : ``'angle'`` / ``'symbol'`` / ``'refuse'``: convention for symbols used
        as exponents (``X**s``), see :mod:`bounds.exact.program`.
    qubits : the qubits the state is defined on (default: the state's, or the sorted
        qubits of circuit and observable).

    Returns
    -------
    GradientVarianceResult

    Raises
    ------
    ValueError : shared symbols, non-integer frequencies, symbols in non-rotation gates,
        constant non-Clifford gates that are not Pauli rotations, an unknown parameter, an
        exceeded budget with ``method='exact'``, or a malformed state.
    TypeError : a non-circuit or an unsupported state type.

    Examples
    --------
    >>> import circuits
    >>> c = circuits.hardware_efficient(4, 2)
    >>> r = exact_gradient_variance(c, "Z0", parameters="theta_0_0_0")
    >>> r.method, round(float(r.values[0]), 6)
    ('exact', 0.3125)
    """
    if method in ("tn", "auto"):  # the tensor-network engine (bounds.exact.tensor_network)
        from .tensor_network import route_gradient_variance

        routed = route_gradient_variance(
            circuit, observable, state, parameters, method=method, max_terms=max_terms, weights=weights,
            covariance=covariance, exponent_symbols=exponent_symbols, qubits=qubits,
        )
        if routed is not None:
            return routed
    t0 = time.perf_counter()
    observable, sq = _validated_inputs(circuit, observable, state, qubits, method, max_terms, n_samples, confidence)
    symbols = circuit_symbols(circuit)
    wanted_symbols = resolve_parameters(parameters, symbols)
    program = compile_program(circuit, observable, sq, exponent_symbols, symbols=symbols)
    sq = program.state_qubits
    states = as_input_states(state, sq)
    u = _loss_weights(weights, states.n_states)
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
    use_exact = method in ("exact", "truncate")
    limit = None
    if method == "auto":
        use_exact, limit = _auto_try_exact(program, max_terms, details)
    fallback = None
    if use_exact:
        try:
            batches = _column_batches(columns, max_terms)
            peak = 0
            eb = np.zeros(k)
            truncated = False
            for batch in batches:
                rows, err, pk = _exact_pairs(program, batch, max_terms, truncate=(method == "truncate"), max_work=limit)
                peak = max(peak, pk)
                eq = states.expectations(rows.qx, rows.qz, program.positions)
                er = eq if rows.diag else states.expectations(rows.rx, rows.rz, program.positions)
                w = rows.w[:, 1:]  # (R, batch)
                ps = w.T @ (eq * er).T  # (batch, N)
                lin = w.T @ ((u @ eq) * (u @ er))
                scale = float(np.abs(program.observable.coefficients).sum() ** 2)
                truncated |= bool(np.any(err[1:] > 1e-12 * max(1.0, scale)))
                for j, p in enumerate(batch):
                    i = pos_of[p]
                    per_state[i] = ps[j]
                    values[i] = lin[j]
                    eb[i] = err[1 + j] * float(np.abs(u).sum() ** 2)
                    if covariance:
                        cov[i] = (eq * w[:, j]) @ er.T
        except BudgetExceeded as exc:
            if method == "exact":
                raise ValueError(
                    f"exact enumeration needs more than max_terms = {max_terms} Pauli pairs; raise max_terms, "
                    "or use method='truncate' (rigorous error bound) or 'sample' (confidence interval)"
                ) from None
            fallback = str(exc)
        else:
            details["max_pairs"] = peak
            return GradientVarianceResult(
                values=values, method="truncated" if (method == "truncate" and truncated) else "exact",
                per_state=per_state, covariance=cov, error_bound=eb, n_terms=peak,
                seconds=time.perf_counter() - t0, details=details, **base,
            )
    elif method == "auto":
        fallback = "estimated branching too large for exact enumeration"
    # path sampling
    col_index = {p: j for j, p in enumerate(columns)}
    acc = _Accumulator(n_params=len(columns), n_targets=n + 1)
    if covariance:
        acc.cov = np.zeros((len(columns), n, n))
    chunk = 2**14
    done = 0
    while done < n_samples:
        mm = min(chunk, n_samples - done)
        _sample_chunk(program, col_index, states, u, mm, gen, acc, covariance)
        done += mm
    freq2 = np.array([program.parameters[p].frequency ** 2 for p in columns])
    mean, lo, hi, ci_method = _intervals(
        acc.s1, acc.s2, acc.n, acc.vmin[None, :], acc.vmax[None, :], acc.negative[None, :], confidence,
        zero_bound=_value_bounds(program, u, n)[None, :],
    )
    ci_low = np.zeros(k)
    ci_high = np.zeros(k)
    for j, p in enumerate(columns):
        i = pos_of[p]
        f2 = freq2[j]
        per_state[i] = mean[j, :n] * f2
        values[i] = mean[j, n] * f2
        ci_low[i] = lo[j, n] * f2
        ci_high[i] = hi[j, n] * f2
        if covariance:
            cov[i] = acc.cov[j] / acc.n * f2
    details["seed"] = rng if isinstance(rng, (int, np.integer)) else None
    return GradientVarianceResult(
        values=values, method="path-sampled", per_state=per_state, covariance=cov, ci_low=ci_low, ci_high=ci_high,
        confidence=confidence, ci_method=ci_method, n_samples=acc.n, seconds=time.perf_counter() - t0,
        details=details | {"auto_reason": fallback}, **base,
    )


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
) -> LossVarianceResult:
    """Exact ``Var_θ[L]`` (and ``E_θ[L]``) of ``L = Σ_i u_i ℓ_i``, ``ℓ_i = Tr[U ρ_i U† O]``.

    Same arguments and conventions as :func:`exact_gradient_variance`.  ``E_θ[L]`` is always
    exact (single-copy propagation); ``E_θ[L²]`` is exact, truncated or sampled.

    Examples
    --------
    >>> import circuits
    >>> r = exact_loss_variance(circuits.hardware_efficient(3, 1), "Z0")
    >>> r.method, round(r.value, 6)
    ('exact', 0.5)
    """
    t0 = time.perf_counter()
    observable, sq = _validated_inputs(circuit, observable, state, qubits, method, max_terms, n_samples, confidence)
    program = compile_program(circuit, observable, sq, exponent_symbols)
    states = as_input_states(state, program.state_qubits)
    u = _loss_weights(weights, states.n_states)
    mx, mz, mw = _exact_mean(program)
    mean_i = (states.expectations(mx, mz, program.positions) @ mw) if len(mw) else np.zeros(states.n_states)
    mean_l = float(u @ mean_i)
    details = {"light_cone_qubits": program.n_local, "n_observable_terms": len(program.observable)}
    if len(program.observable) == 0:
        return LossVarianceResult(
            value=0.0, mean=mean_l + program.identity * float(u.sum()), second_moment=0.0, method="exact",
            per_state=np.zeros(states.n_states), per_state_mean=mean_i + program.identity, weights=u,
            error_bound=0.0, n_terms=0, seconds=time.perf_counter() - t0, details=details,
        )
    ident = program.identity
    use_exact = method in ("exact", "truncate")
    limit = None
    if method == "auto":
        use_exact, limit = _auto_try_exact(program, max_terms, details)
    if use_exact:
        try:
            rows, err, peak = _exact_pairs(program, [], max_terms, truncate=(method == "truncate"), max_work=limit)
        except BudgetExceeded:
            if method == "exact":
                raise ValueError(
                    f"exact enumeration needs more than max_terms = {max_terms} Pauli pairs; raise max_terms, "
                    "or use method='truncate' or 'sample'"
                ) from None
        else:
            eq = states.expectations(rows.qx, rows.qz, program.positions)
            er = eq if rows.diag else states.expectations(rows.rx, rows.rz, program.positions)
            w = rows.w[:, 0]
            second_i = (eq * er) @ w
            second = float(((u @ eq) * (u @ er)) @ w)
            truncated = method == "truncate" and err[0] > 1e-12
            return LossVarianceResult(
                value=second - mean_l**2, mean=mean_l + ident * float(u.sum()), second_moment=second,
                method="truncated" if truncated else "exact", per_state=second_i - mean_i**2,
                per_state_mean=mean_i + ident, weights=u, error_bound=float(err[0] * np.abs(u).sum() ** 2),
                n_terms=peak, seconds=time.perf_counter() - t0, details=details,
            )
    gen = _as_rng(rng)
    n = states.n_states
    acc = _Accumulator(n_params=0, n_targets=n + 1)
    done = 0
    while done < n_samples:
        mm = min(2**14, n_samples - done)
        _sample_chunk(program, {}, states, u, mm, gen, acc, False)
        done += mm
    mean2, lo, hi, ci_method = _intervals(acc.l1, acc.l2, acc.n, acc.vmin, acc.vmax, acc.negative, confidence)
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
    **kwargs,
) -> GradientVarianceResult:
    """:func:`exact_gradient_variance` for a :class:`circuits.Model`.

    The input states are the embedded data states (``model.dataset`` or ``data``; product
    states when the embedding has no entangling gates, so any ``n`` works), or ``|0…0⟩``
    when the model has no embedding.  ``values`` is ``Var[∂_k L]`` for the linear loss
    ``L = Σ_i u_i ℓ_i`` (default ``u_i = 1/N``); ``per_state`` holds ``Var[∂_k ℓ_i]`` and
    ``covariance=True`` the cross terms, from which Theorem 1 of the seed paper bounds
    non-linear losses.

    Raises
    ------
    TypeError : ``model`` is not a :class:`circuits.Model`.
    """
    from .states import dataset_states

    if not isinstance(model, circuits.Model):
        raise TypeError(f"model must be a circuits.Model, got {type(model).__name__}")
    has_embedding = bool(list(model.embedding.all_operations()))
    if has_embedding and (data is not None or model.dataset is not None):
        states = dataset_states(model, data)
    elif has_embedding:
        raise ValueError("the model has an embedding but no dataset; pass data=(N, n_features)")
    else:
        states = None
    return exact_gradient_variance(
        model.ansatz, model.observable, states, parameters, weights=weights, qubits=tuple(model.qubits), **kwargs
    )
