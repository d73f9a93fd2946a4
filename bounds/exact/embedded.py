"""Embedded data states without state vectors: Heisenberg propagation through ``U(x)``.

For a model ``U(x)`` then ``V(θ)`` the exact engines need ``Tr[ρ_i Q] = ⟨ψ_0| U(x_i)† Q
U(x_i) |ψ_0⟩`` for the Pauli strings ``Q`` that the averaged ``V(θ)`` leaves behind
(:func:`bpcalc.bounds.exact.exact_gradient_variance` asks its input states for exactly these
numbers).  :class:`EmbeddedStates` computes them without any state vector: every string is
propagated backwards through the embedding, whose data gates are Pauli rotations at fixed
angles ``φ(x_i)`` (``R_P(φ)† Q R_P(φ) = cos φ Q + sin φ Q'`` for ``Q`` anticommuting with
``P``, ``Q' = −i Q P``), Clifford gates permute strings, constant rotations branch the same
way, and the result is read off on the product state ``|ψ_0⟩`` (``|0…0⟩`` by default).  All
data points are propagated together: every string carries one weight column per data point
(the strings are shared, the cosines and sines differ), and equal strings are merged after
every branching.

Truncation.  ``tol`` drops strings whose weights are all ``<= tol`` (every requested string
starts with weight 1), ``max_terms`` keeps the heaviest strings; both are rigorous: a dropped
weight ``w`` on string ``S`` changes ``Tr[ρ_i Q]`` by exactly ``w · Tr[ρ_0 W† S W]`` with ``W``
the part of the embedding still ahead (a unitary, or a unital channel dual), so by at most
``|w|``, per data point; errors of different steps add.  :meth:`EmbeddedStates.expectations_with_error`
returns these bounds; with ``tol = 0`` and no ``max_terms`` nothing is dropped and the
numbers are exact (to floating-point rounding).

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753 (the model
   ``ℓ_i = Tr[V(θ) U(x_i) ρ_0 U(x_i)† V(θ)† O]``).
.. [2] M. S. Rudolph et al., arXiv:2308.09109, and E. Fontana et al., arXiv:2306.05400
   (Pauli propagation through fixed-angle rotations; merging and truncation).
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc import circuits

from ..bound import AssumptionFailed
from ..memory import MemoryBudget
from .paulis import WORD_BITS, align, bit_mask, n_words, popcount_parity
from .program import CliffordGroup, FixedRotation, NoiseChannel, PauliPathProgram, RotationGroup, compile_program
from .states import InputStates, ProductStates, as_input_states

__all__ = ["EmbeddedStates", "embedded_states", "data_placeholders", "DataPlaceholders"]

_U64 = np.uint64


# ----------------------------------------------------------------------------------------
# data gates -> placeholder rotations with per-data-point angles
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DataPlaceholders:
    """A circuit whose data gates are replaced by rotations of fresh symbols.

    Attributes
    ----------
    circuit : the circuit with every data gate ``R_P(φ(x))`` replaced by ``R_P(t_k)``.
    symbols : the placeholder symbols ``t_k``, one per data gate.
    angles : per placeholder, the value of ``t_k`` as a function of the data (a sympy expression
        in the data symbols): ``±φ(x)/π`` for a data gate ``R_{±P}(φ(x))``.
    data_symbols : the data symbols (``x_0, x_1, …``), the columns of the data array.
    """

    circuit: cirq.Circuit
    symbols: tuple
    angles: tuple
    data_symbols: tuple

    def angle_values(self, data: np.ndarray) -> np.ndarray:
        """``(n_placeholders, N)`` angles ``φ_k(x_i)`` for a data array ``(N, n_features)``."""
        data = np.atleast_2d(np.asarray(data, dtype=float))
        out = np.empty((len(self.symbols), data.shape[0]))
        cols = {s: j for j, s in enumerate(self.data_symbols)}
        for k, expr in enumerate(self.angles):
            free = sorted(expr.free_symbols, key=lambda s: s.name)
            f = sympy.lambdify(free, expr, "numpy")
            vals = f(*[data[:, cols[s]] for s in free])
            out[k] = np.broadcast_to(np.asarray(vals, dtype=float), (data.shape[0],))
        return out


def data_placeholders(circuit: cirq.AbstractCircuit, data_symbols: Sequence[sympy.Symbol],
                      prefix: str = "_data_t") -> DataPlaceholders:
    """Replace every gate that depends on ``data_symbols`` by a Pauli rotation of a fresh symbol.

    A data gate ``R_{±P}(φ(x))`` becomes ``exp(-iπ t_k P/2)`` (``cirq.PauliStringPhasor``
    with ``exponent_neg = t_k``) and ``t_k = ±φ(x)/π`` is recorded.

    Raises
    ------
    AssumptionFailed : a data gate that is not a Pauli rotation ``exp(-iφP/2)`` (its angle may
        be any function of the data), or a gate mixing data and other symbols.
    """
    data_set = set(data_symbols)
    symbols, angles = [], []
    moments = []
    for m, moment in enumerate(circuit):
        ops = []
        for op in moment.operations:
            syms = cirq.parameter_symbols(op)
            if not (syms & data_set):
                ops.append(op)
                continue
            if syms - data_set:
                raise AssumptionFailed(
                    f"gate {op} in moment {m} mixes data symbols with {sorted(s.name for s in syms - data_set)}; "
                    "data and trainable parameters must sit in separate gates"
                )
            rot = circuits.as_pauli_rotation(op)
            if rot is None:
                raise AssumptionFailed(
                    f"data gate {op} in moment {m} is not a Pauli rotation exp(-iφP/2); the data route propagates "
                    "Pauli strings through rx/ry/rz, XX/YY/ZZ**x and PauliStringPhasor data gates"
                )
            t = sympy.Symbol(f"{prefix}{len(symbols)}")
            symbols.append(t)
            sign = 1.0 if complex(rot.pauli.coefficient).real > 0 else -1.0
            # the placeholder is exp(-i π t P / 2) about the unsigned P, so t = ±φ/π (a bare
            # symbol as exponent: no sympy simplification in Cirq's constructor)
            angles.append(sympy.sympify(rot.angle) * sign / sympy.pi)
            ops.append(cirq.PauliStringPhasor(rot.pauli.with_coefficient(1), exponent_neg=t))
        moments.append(cirq.Moment(ops))
    return DataPlaceholders(circuit=cirq.Circuit(moments), symbols=tuple(symbols), angles=tuple(angles),
                            data_symbols=tuple(data_symbols))


def placeholder_cos_sin(program: PauliPathProgram, ph: DataPlaceholders, data: np.ndarray) -> dict:
    """``{parameter index: (cos φ_eff, sin φ_eff)}`` (arrays over data points) for the placeholders.

    ``φ_eff`` is the rotation angle about the program's unsigned generator (the sign of a
    ``−P`` generator and the affine map ``t -> c t + d`` of the compiled symbol applied), so
    ``Q -> cos φ_eff Q + sin φ_eff Q'`` with the program's ``Q'`` (as for fixed rotations).
    """
    values = ph.angle_values(data)
    index = {s: k for k, s in enumerate(ph.symbols)}
    out = {}
    for i, p in enumerate(program.parameters):
        k = index.get(p.symbol)
        if k is None:
            continue
        rot = circuits.as_pauli_rotation(p.operation)
        aff = circuits.affine_angle(rot.angle)
        sign = 1.0 if complex(rot.pauli.coefficient).real > 0 else -1.0
        phi = (aff.coefficient * values[k] + aff.offset) * sign
        out[i] = (np.cos(phi), np.sin(phi))
    return out


# ----------------------------------------------------------------------------------------
# bit-parallel helpers (public primitives of bounds.exact.paulis only)
# ----------------------------------------------------------------------------------------


def _inputs(x, z, offsets, am):
    ins = []
    for off in offsets:
        ins.append(align(x, off) & am)
        ins.append(align(z, off) & am)
    return ins


def _ones(x, am):
    o = np.empty_like(x)
    o[...] = am
    return o


def _clifford(x, z, ins: CliffordGroup):
    outs, sign = ins.lmap.evaluate(_inputs(x, z, ins.offsets, ins.anchor_mask), _ones(x, ins.anchor_mask), True)
    nx = x & ~ins.clear_mask
    nz = z & ~ins.clear_mask
    for j, off in enumerate(ins.offsets):
        nx |= align(outs[2 * j], -off)
        nz |= align(outs[2 * j + 1], -off)
    return nx, nz, popcount_parity(sign)


def _anticommuting(x, z, lmap, offsets, am):
    """Rows anticommuting with the rotation anchored at ``am`` and the sign bit of ``Q'``."""
    outs, sign = lmap.evaluate(_inputs(x, z, offsets, am), _ones(x, am), True)
    return np.any(outs[0] != 0, axis=1), popcount_parity(sign)


def _flip_masks(lmap, offsets, anchor: int, n_local: int):
    fx = bit_mask([anchor + off for off, b in zip(offsets, lmap.flip_x) if b], n_local)
    fz = bit_mask([anchor + off for off, b in zip(offsets, lmap.flip_z) if b], n_local)
    return fx, fz


_CODE_TO_INDEX = np.array([0, 1, 3, 2])  # (x | z << 1) -> I, X, Y, Z
_INDEX_BITS = ((0, 0), (1, 0), (1, 1), (0, 1))


def _letter(x, z, qubit):
    word, bit = divmod(qubit, WORD_BITS)
    xb = (x[:, word] >> _U64(bit)) & _U64(1)
    zb = (z[:, word] >> _U64(bit)) & _U64(1)
    return _CODE_TO_INDEX[(xb | (zb << _U64(1))).astype(np.intp)]


def _set_letter(x, z, qubit, index):
    word, bit = divmod(qubit, WORD_BITS)
    xs = np.array([b[0] for b in _INDEX_BITS], dtype=_U64)[index]
    zs = np.array([b[1] for b in _INDEX_BITS], dtype=_U64)[index]
    clear = ~(_U64(1) << _U64(bit))
    x[:, word] = (x[:, word] & clear) | (xs << _U64(bit))
    z[:, word] = (z[:, word] & clear) | (zs << _U64(bit))


def remap_strings(x: np.ndarray, z: np.ndarray, targets: Sequence[int], n_target: int):
    """Move bit ``j`` of packed strings to bit ``targets[j]`` of strings on ``n_target`` qubits."""
    w = n_words(n_target)
    nx = np.zeros((x.shape[0], w), dtype=_U64)
    nz = np.zeros((x.shape[0], w), dtype=_U64)
    for j, t in enumerate(targets):
        sw, sb = divmod(j, WORD_BITS)
        tw, tb = divmod(int(t), WORD_BITS)
        nx[:, tw] |= ((x[:, sw] >> _U64(sb)) & _U64(1)) << _U64(tb)
        nz[:, tw] |= ((z[:, sw] >> _U64(sb)) & _U64(1)) << _U64(tb)
    return nx, nz


# ----------------------------------------------------------------------------------------
# propagation of tagged strings with one weight column per data point
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Tagged:
    x: np.ndarray
    z: np.ndarray
    src: np.ndarray  # (R,) index of the string this row descends from
    w: np.ndarray  # (R, N) weights per data point

    def take(self, idx) -> "_Tagged":
        return _Tagged(self.x[idx], self.z[idx], self.src[idx], self.w[idx])

    def extend(self, other: "_Tagged") -> "_Tagged":
        c = np.concatenate
        return _Tagged(c([self.x, other.x]), c([self.z, other.z]), c([self.src, other.src]), c([self.w, other.w]))


def _merge(rows: _Tagged) -> _Tagged:
    """Sum the weights of equal (string, source) rows; drop rows whose weights are all exactly 0."""
    if len(rows.src) == 0:
        return rows
    key = np.concatenate([rows.x, rows.z, rows.src[:, None].astype(_U64)], axis=1)
    order = np.lexsort(key.T[::-1])
    ks = key[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(ks[1:] != ks[:-1], axis=1)
    starts = np.nonzero(new)[0]
    w = np.add.reduceat(rows.w[order], starts, axis=0)
    sel = order[starts]
    out = _Tagged(rows.x[sel], rows.z[sel], rows.src[sel], w)
    nz = np.any(w != 0.0, axis=1)
    return out if np.all(nz) else out.take(nz)


def _drop(rows: _Tagged, err: np.ndarray, tol: float, max_terms: Optional[int]) -> _Tagged:
    """Drop light rows (``|w| <= tol`` everywhere, then all but the ``max_terms`` heaviest) and
    add their ``|w|`` to ``err`` (per source string and data point; see the module docstring)."""
    size = np.max(np.abs(rows.w), axis=1)
    drop = size <= tol if tol > 0 else np.zeros(len(size), dtype=bool)
    if max_terms is not None and len(size) - int(drop.sum()) > max_terms:
        keep = np.argpartition(-np.where(drop, -1.0, size), max_terms - 1)[:max_terms]
        drop = np.ones(len(size), dtype=bool)
        drop[keep] = False
    if not np.any(drop):
        return rows
    np.add.at(err, rows.src[drop], np.abs(rows.w[drop]))
    return rows.take(~drop)


def _row_bytes(words: int, n_cols: int) -> int:
    return 16 * words + 8 + 8 * n_cols


@dataclasses.dataclass(frozen=True, eq=False)
class EmbeddedStates(InputStates):
    """Data states ``U(x_i)|ψ_0⟩`` given by a compiled embedding and per-data-point angles.

    Build with :func:`embedded_states`.  :meth:`expectations` propagates the requested
    Pauli strings backwards through the embedding (no state vector; see the module docstring).

    Attributes
    ----------
    qubits : the state's qubits (the model's qubits).
    program : the embedding compiled on ``qubits`` (data gates are placeholder rotations).
    angles : ``{parameter index of program: (cos, sin)}``, arrays of length ``N``.
    initial : the product state ``|ψ_0⟩`` on ``qubits`` (one state).
    tol, max_terms : truncation (see the module docstring); ``0`` / ``None``: exact.
    memory_limit : budget for the string tables (checked before each branching).
    """

    qubits: tuple
    program: PauliPathProgram
    angles: dict
    initial: ProductStates
    n_data: int
    tol: float = 0.0
    max_terms: Optional[int] = None
    memory_limit: object = None

    @property
    def n_states(self) -> int:
        return int(self.n_data)

    @property
    def exact(self) -> bool:
        """True when nothing can be dropped (``tol == 0`` and no ``max_terms``)."""
        return self.tol == 0 and self.max_terms is None

    def expectations(self, x: np.ndarray, z: np.ndarray, positions: Sequence[int]) -> np.ndarray:
        return self.expectations_with_error(x, z, positions)[0]

    def expectations_with_error(self, x, z, positions):
        """``(values, errors)``: ``Tr[ρ_i σ(x, z)]`` (``(N, n_strings)``) and rigorous bounds on
        their truncation errors (zeros when exact)."""
        x = np.atleast_2d(x)
        z = np.atleast_2d(z)
        prog = self.program
        local_of_state = {j: i for i, j in enumerate(prog.positions)}
        try:
            targets = [local_of_state[int(p)] for p in positions]
        except KeyError:  # pragma: no cover - every state qubit is in the embedding program
            raise ValueError("a string acts on a qubit outside the embedded state") from None
        sx, sz = remap_strings(x, z, targets, prog.n_local)
        key = np.concatenate([sx, sz], axis=1)
        if len(key) == 0:
            return np.zeros((self.n_states, 0)), np.zeros((self.n_states, 0))
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        w_words = sx.shape[1]
        values, errors = self._propagate(uniq[:, :w_words].copy(), uniq[:, w_words:].copy())
        return values[:, inverse], errors[:, inverse]

    def _propagate(self, ux: np.ndarray, uz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prog = self.program
        n = self.n_states
        s = len(ux)
        budget = MemoryBudget.from_limit(self.memory_limit)
        rows = _Tagged(ux, uz, np.arange(s), np.ones((s, n)))
        err = np.zeros((s, n))
        n_local = prog.n_local
        words = ux.shape[1]
        for m in range(len(prog.moments) - 1, -1, -1):
            for ins in prog.moments[m]:
                if len(rows.src) == 0:
                    break
                budget.check(3 * len(rows.src) * _row_bytes(words, n), what=f"data-state propagation "
                             f"({len(rows.src):,} strings x {n} data points)",
                             alternative="fewer data points per call, or tol= / max_terms= (truncation with an error bound)")
                if isinstance(ins, CliffordGroup):
                    rows.x, rows.z, neg = _clifford(rows.x, rows.z, ins)
                    rows.w[neg] *= -1.0
                    continue
                if isinstance(ins, NoiseChannel):
                    rows = self._channel(rows, ins)
                elif isinstance(ins, FixedRotation):
                    anti, neg = _anticommuting(rows.x, rows.z, ins.lmap, ins.offsets, ins.anchor_mask)
                    rows = _branch(rows, anti, neg, ins.flip_x_mask, ins.flip_z_mask, ins.cos, ins.sin)
                elif isinstance(ins, RotationGroup):
                    for anchor, p in zip(ins.anchors, ins.params):
                        if p not in self.angles:
                            raise AssumptionFailed(
                                f"symbol {prog.parameters[p].symbol} of the embedding is not a data symbol; "
                                "an embedding may only depend on the data"
                            )
                        c, sn = self.angles[p]
                        anti, neg = _anticommuting(rows.x, rows.z, ins.lmap, ins.offsets, bit_mask([anchor], n_local))
                        fx, fz = _flip_masks(ins.lmap, ins.offsets, anchor, n_local)
                        rows = _branch(rows, anti, neg, fx, fz, c, sn)
                rows = _merge(rows)
                rows = _drop(rows, err, self.tol, self.max_terms)
        e0 = self.initial.expectations(rows.x, rows.z, prog.positions)[0]  # (R,)
        vals = np.zeros((s, n))
        np.add.at(vals, rows.src, rows.w * e0[:, None])
        return vals.T, err.T

    def _channel(self, rows: _Tagged, ch: NoiseChannel) -> _Tagged:
        t = ch.transfer
        letter = _letter(rows.x, rows.z, ch.qubit)
        pieces = [rows.take(np.nonzero(letter == 0)[0])]
        for b in (1, 2, 3):
            idx = np.nonzero(letter == b)[0]
            if len(idx) == 0:
                continue
            for a in range(4):
                if t[a, b] == 0.0:
                    continue
                piece = rows.take(idx)
                piece.x = piece.x.copy()
                piece.z = piece.z.copy()
                _set_letter(piece.x, piece.z, ch.qubit, a)
                piece.w = piece.w * t[a, b]
                pieces.append(piece)
        out = pieces[0]
        for p in pieces[1:]:
            out = out.extend(p)
        return out


def _branch(rows: _Tagged, anti, neg, fx, fz, c, s) -> _Tagged:
    """``Q -> c Q + s Q'`` for anticommuting rows (``c, s`` scalars or per-data-point arrays)."""
    idx = np.nonzero(anti)[0]
    if len(idx) == 0:
        return rows
    new = rows.take(idx)
    new.x = new.x ^ fx
    new.z = new.z ^ fz
    sign = np.where(neg[idx], -1.0, 1.0)
    new.w = new.w * (sign[:, None] * np.asarray(s, dtype=float)[None, ...])
    rows.w[idx] = rows.w[idx] * np.asarray(c, dtype=float)[None, ...]
    return rows.extend(new)


def embedded_states(
    embedding: cirq.AbstractCircuit,
    data,
    qubits: Sequence[cirq.Qid],
    initial=None,
    *,
    data_symbols: Optional[Sequence[sympy.Symbol]] = None,
    tol: float = 0.0,
    max_terms: Optional[int] = None,
    memory_limit=None,
) -> EmbeddedStates:
    """The data states ``U(x_i)|ψ_0⟩`` of ``embedding`` for every row of ``data``, as
    :class:`EmbeddedStates` (no state vector; any number of qubits).

    Parameters
    ----------
    embedding : circuit of Clifford gates, Pauli rotations whose angles are any function of
        the data symbols (``x_0, x_1, …``) and constant Pauli rotations.
    data : ``(N, n_features)`` array (a 1-D array is one data point).
    qubits : the state's qubits (e.g. ``model.qubits``).
    initial : ``|ψ_0⟩``: ``None`` (``|0…0⟩``), a product-state string (``'0+1-'``) or a
        ``cirq.ProductState``.
    data_symbols : the data symbols (default: the ``x_j`` of the embedding, column ``j``).
    tol, max_terms : truncation with rigorous error bounds (default: exact).
    memory_limit : memory budget of the propagation.

    Raises
    ------
    AssumptionFailed : a data gate that is not a Pauli rotation, a constant gate that is
        neither Clifford nor a Pauli rotation, a symbol that is not data.
    ValueError : malformed data or initial state.

    Examples
    --------
    >>> import cirq, numpy as np
    >>> from bpcalc import circuits
    >>> from bpcalc.bounds.exact.paulis import pack_pauli_strings
    >>> q = cirq.LineQubit.range(3)
    >>> emb = circuits.hardware_efficient_embedding(3, 2)
    >>> st = embedded_states(emb, [[0.1, 0.2, 0.3]], q)
    >>> t = pack_pauli_strings([cirq.Z(q[0]) * cirq.X(q[1])], {qq: i for i, qq in enumerate(q)}, 3)
    >>> psi = cirq.final_state_vector(circuits.embed(emb, [0.1, 0.2, 0.3]), qubit_order=q)
    >>> zx = cirq.Z(q[0]) * cirq.X(q[1])
    >>> sv = zx.expectation_from_state_vector(psi, {qq: i for i, qq in enumerate(q)}).real
    >>> bool(abs(st.expectations(t.x, t.z, [0, 1, 2])[0, 0] - sv) < 1e-6)
    True
    """
    qs = tuple(qubits)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    if max_terms is not None and (isinstance(max_terms, bool) or not isinstance(max_terms, (int, np.integer))
                                  or max_terms < 1):
        raise ValueError(f"max_terms must be a positive integer or None, got {max_terms!r}")
    circuits.require_circuit(embedding)
    data = np.asarray(data, dtype=float)
    if data.ndim == 1:
        data = data[None]
    if data.ndim != 2 or data.shape[0] == 0:
        raise ValueError(f"data must be an (N, n_features) array with N >= 1, got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("data must be finite")
    if data_symbols is None:
        n_features = circuits.Model.n_features_of(embedding)
        data_symbols = [sympy.Symbol(f"x_{j}") for j in range(n_features)]
    data_symbols = tuple(data_symbols)
    if data.shape[1] < len(data_symbols):
        raise ValueError(f"data has {data.shape[1]} features but the embedding uses {len(data_symbols)}")
    extra = set(cirq.parameter_symbols(embedding)) - set(data_symbols)
    if extra:
        raise AssumptionFailed(f"the embedding has symbols {sorted(s.name for s in extra)} that are not data symbols")
    ph = data_placeholders(embedding, data_symbols)
    observed = cirq.PauliSum.from_pauli_strings([cirq.PauliString(cirq.Z(q)) for q in qs])
    program = compile_program(ph.circuit, observed, qs, "angle")
    angles = placeholder_cos_sin(program, ph, data[:, : len(data_symbols)])
    init = as_input_states(initial, qs)
    if not isinstance(init, ProductStates) or init.n_states != 1:
        raise ValueError("initial must be one product state (None for |0…0⟩, a string like '0+1-', a cirq.ProductState)")
    return EmbeddedStates(qubits=qs, program=program, angles=angles, initial=init, n_data=int(data.shape[0]),
                          tol=float(tol), max_terms=None if max_terms is None else int(max_terms),
                          memory_limit=memory_limit)
