"""Batched state-vector engine: one parametrized circuit, a whole batch of parameter draws at once.

:func:`compile_circuit` turns a ``cirq.Circuit`` into a :class:`BatchedCircuit`, a list of
numpy steps acting on a state array of shape ``(batch, 2**n)`` (Cirq's big-endian qubit order):

* **fusion into tiles** – qubits are cut into contiguous tiles of at most ``tile_size`` qubits
  (balanced sizes); every gate inside a tile is fused into one per-sample ``2^k × 2^k`` matrix (consecutive
  single-qubit gates are merged per qubit and combined by a Kronecker product, constant
  multi-qubit gates are multiplied in), applied with one batched BLAS ``matmul`` pass;
* **diagonal layers as one pass** – diagonal gates that cross tiles (``CZ``, ``ZZ``, ``CZ``
  from a rewritten ``CNOT``, parametrized ``ZZ`` rotations) are collected and applied as one
  elementwise multiply;
* **per-sample matrices** – parametrized Pauli rotations ``exp(-iθP/2)`` (``rx/ry/rz``,
  ``X/Y/Z/XX/YY/ZZPowGate``, ``PhasedXPowGate``, ``PauliStringPhasor``; see
  :func:`circuits.as_pauli_rotation`) get one matrix per sample, with angles computed from the
  symbol values by ``sympy.lambdify`` (any angle expression, e.g. ``x_0*x_1``); other
  parametrized gates fall back to ``cirq.unitary`` per sample (correct, slow);
* **no transposes** – a tile at the front of the current axis order is applied as
  ``Sᵀ Mᵀ`` and moves to the back, so sweeping the tiles in order rotates the layout back to
  the start; the layout is tracked at compile time.

Exact global phases are kept (final states equal Cirq's, not only up to phase).  Adjoint
differentiation (:meth:`BatchedCircuit.adjoint_gradient`) gives all parameters' gradients for
about four state passes per step; gradients of a fused tile use the reduced operator
``Σ_rest ψ λ†`` (one BLAS pass), so fusion is kept during differentiation.

References
----------
T. Jones, J. Gacon, "Efficient calculation of gradients in classical simulations of
variational quantum algorithms", arXiv:2009.02823 (adjoint differentiation, Algorithm 1).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Callable, Iterable, Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc.bounds.memory import MemoryBudget
from bpcalc.circuits import as_pauli_rotation, as_pauli_sum, strip_block_tags

__all__ = [
    "BatchedCircuit",
    "BatchedSimulator",
    "CompiledObservable",
    "compile_circuit",
    "compile_observable",
    "DEFAULT_TILE_SIZE",
]

STATE_COPIES = 4
"""State-sized arrays one sample needs at once (state, buffer, two shifted copies)."""
DEFAULT_TILE_SIZE = None  # None: 2 qubits per tile up to n = 8, 3 up to 14, 4 above (measured)
_CHUNK_BYTES = 48 * 2**20  # state bytes per batch chunk (two buffers are kept)
_PAULI_MATS = {
    cirq.X: np.array([[0, 1], [1, 0]], dtype=complex),
    cirq.Y: np.array([[0, -1j], [1j, 0]], dtype=complex),
    cirq.Z: np.array([[1, 0], [0, -1]], dtype=complex),
}
_EIGEN_ROTATIONS = (
    cirq.XPowGate,
    cirq.YPowGate,
    cirq.ZPowGate,
    cirq.XXPowGate,
    cirq.YYPowGate,
    cirq.ZZPowGate,
    cirq.PhasedXPowGate,
)


# ---------------------------------------------------------------------------------------
# small linear-algebra helpers
# ---------------------------------------------------------------------------------------


def _kron_batched(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kronecker product over the last two axes, broadcasting the leading batch axis."""
    out = np.einsum("...ij,...kl->...ikjl", a, b)
    return out.reshape(out.shape[:-4] + (a.shape[-2] * b.shape[-2], a.shape[-1] * b.shape[-1]))


_EYE2 = np.eye(2, dtype=complex)[None]


def _kron_many(mats: Sequence[np.ndarray]) -> np.ndarray:
    """Kronecker product of ``(…, a, a)`` matrices (leading axes broadcast), by pairwise outer products."""
    mats = list(mats)
    while len(mats) > 1:
        nxt = []
        for i in range(0, len(mats) - 1, 2):
            a, b = mats[i], mats[i + 1]
            da, db = a.shape[-1], b.shape[-1]
            out = a[..., :, None, :, None] * b[..., None, :, None, :]
            nxt.append(out.reshape(out.shape[:-4] + (da * db, da * db)))
        if len(mats) % 2:
            nxt.append(mats[-1])
        mats = nxt
    return mats[0]


class _Angles(np.ndarray):
    """Per-sample angles ``(B, n_slots)`` carrying the precomputed single-qubit rotation matrices."""

    single: Optional[np.ndarray] = None
    index: Optional[np.ndarray] = None


def _with_single_qubit_matrices(angles: np.ndarray, phases: np.ndarray, paulis: np.ndarray, which: np.ndarray) -> _Angles:
    """Attach ``exp(iφ)(cos(θ/2) I − i sin(θ/2) P)`` for the single-qubit slots ``which`` (vectorised)."""
    out = angles.view(_Angles)
    if which.size == 0:
        out.single, out.index = None, None
        return out
    th = angles[:, which]
    c = np.cos(th / 2)[:, :, None, None]
    s_ = np.sin(th / 2)[:, :, None, None]
    mats = c * np.eye(2) - 1j * s_ * paulis[None]
    mats *= np.exp(1j * phases[:, which])[:, :, None, None]
    index = np.full(angles.shape[1], -1)
    index[which] = np.arange(which.size)
    out.single, out.index = mats, index
    return out


def _embed(mat: np.ndarray, positions: Sequence[int], k: int) -> np.ndarray:
    """Embed a matrix on local ``positions`` (its qubit order) into a ``k``-qubit matrix."""
    w = len(positions)
    if w == k and list(positions) == list(range(k)):
        return mat
    rest = [q for q in range(k) if q not in positions]
    full = _kron_batched(mat, np.eye(2 ** (k - w), dtype=mat.dtype)) if rest else mat
    order = list(positions) + rest
    lead = full.shape[:-2]
    t = full.reshape(lead + (2,) * (2 * k))
    nl = len(lead)
    axes = list(range(nl)) + [nl + order.index(q) for q in range(k)] + [nl + k + order.index(q) for q in range(k)]
    return t.transpose(axes).reshape(lead + (2**k, 2**k))


def _permute_matrix(mat: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """Reorder the qubits of a ``(…, K, K)`` matrix: new qubit ``i`` is old qubit ``axes[i]``."""
    k = len(axes)
    lead = mat.shape[:-2]
    nl = len(lead)
    t = mat.reshape(lead + (2,) * (2 * k))
    perm = list(range(nl)) + [nl + a for a in axes] + [nl + k + a for a in axes]
    return t.transpose(perm).reshape(lead + (2**k, 2**k))


def _pauli_matrix(ps: cirq.PauliString, qubits: Sequence[cirq.Qid]) -> np.ndarray:
    """Matrix of a Pauli string (real ±1 coefficient included) on ``qubits`` (that order)."""
    m = np.array([[complex(ps.coefficient)]])
    for q in qubits:
        p = ps.get(q)
        m = np.kron(m, _PAULI_MATS[p] if p is not None else np.eye(2))
    return m


def _is_diagonal(m: np.ndarray) -> bool:
    return bool(np.allclose(m - np.diag(np.diag(m)), 0, atol=1e-12))


def _parity_vectors(n: int) -> np.ndarray:
    """``bits[x, q]``: bit of qubit ``q`` in basis index ``x`` (big-endian), as uint8."""
    x = np.arange(2**n, dtype=np.int64)
    return ((x[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1).astype(np.uint8)


def _z_vector(n: int, qubit_indices: Sequence[int]) -> np.ndarray:
    """``(-1)^(Σ bits of qubit_indices)`` over the ``2^n`` basis states, as float64."""
    x = np.arange(2**n, dtype=np.int64)
    parity = np.zeros(2**n, dtype=np.int64)
    for q in qubit_indices:
        parity ^= (x >> (n - 1 - q)) & 1
    return 1.0 - 2.0 * parity


def _full_diagonal(n: int, qubit_indices: Sequence[int], diag: np.ndarray) -> np.ndarray:
    """Expand a ``w``-qubit diagonal (op qubit order) to the ``2^n`` basis (canonical order)."""
    x = np.arange(2**n, dtype=np.int64)
    idx = np.zeros(2**n, dtype=np.int64)
    for q in qubit_indices:
        idx = (idx << 1) | ((x >> (n - 1 - q)) & 1)
    return diag[idx]


def _to_layout(vec: np.ndarray, order: Sequence[int]) -> np.ndarray:
    n = len(order)
    return np.ascontiguousarray(vec.reshape((2,) * n).transpose(order)).reshape(-1)


# ---------------------------------------------------------------------------------------
# slots: per-sample rotation angles
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Slot:
    """One parametrized rotation angle ``θ = f(symbols)`` and its global phase ``φ = g(symbols)``."""

    angle: sympy.Expr
    phase: sympy.Expr
    columns: tuple[int, ...]
    angle_fn: Callable
    phase_fn: Callable
    derivatives: tuple[tuple[int, Callable], ...]  # (column, dθ/dsymbol)


def _lambdify(symbols: Sequence[sympy.Symbol], expr: sympy.Expr) -> Callable:
    return sympy.lambdify(list(symbols), expr, modules="numpy")


def evaluate_slot_function(fn: Callable, columns: Sequence[int], values: np.ndarray) -> np.ndarray:
    """Evaluate a compiled slot's angle (or derivative) function on a batch of parameter rows.

    ``fn`` takes the columns ``columns`` of ``values`` (``(B, n_symbols)``); the result is
    broadcast to ``(B,)`` (a constant function gives a constant column).
    """
    out = fn(*[values[:, c] for c in columns])
    return np.broadcast_to(np.asarray(out, dtype=float), (values.shape[0],))


def _rotation_phase(gate) -> Optional[sympy.Expr]:
    """Global phase ``φ`` with ``gate = e^{iφ} exp(-iθP/2)`` for the recognised rotation gates."""
    if isinstance(gate, cirq.PauliStringPhasor):
        return sympy.pi * (sympy.sympify(gate.exponent_pos) + sympy.sympify(gate.exponent_neg)) / 2
    if isinstance(gate, _EIGEN_ROTATIONS):
        return sympy.pi * sympy.sympify(gate.exponent) * (sympy.sympify(gate.global_shift) + sympy.Rational(1, 2))
    return None


# ---------------------------------------------------------------------------------------
# factors (one per operation) and the tile builder
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Factor:
    kind: str  # "const", "rot", "generic"
    qubits: tuple[int, ...]  # canonical qubit indices, in matrix order
    matrix: Optional[np.ndarray] = None  # const: the unitary; rot: the Pauli matrix (sign included)
    diagonal: bool = False
    slot: int = -1
    op: Optional[cirq.Operation] = None  # generic: resolved per sample
    columns: tuple[int, ...] = ()


@dataclasses.dataclass
class _Segment:
    kind: str  # "layer" (per-qubit chains of 1-qubit factors), "const", "rot", "generic"
    chains: dict = dataclasses.field(default_factory=dict)  # layer: local pos -> list[_Factor]
    matrix: Optional[np.ndarray] = None  # const K×K
    factor: Optional[_Factor] = None  # rot/generic
    positions: tuple[int, ...] = ()  # rot/generic: local positions (matrix order)
    support: set = dataclasses.field(default_factory=set)


class _Block:
    """Fused gates on a fixed tuple of qubits; builds per-sample ``K × K`` matrices."""

    def __init__(self, qubits: tuple[int, ...]):
        self.qubits = qubits
        self.local = {q: i for i, q in enumerate(qubits)}
        self.k = len(qubits)
        self.segments: list[_Segment] = []

    # -- construction ------------------------------------------------------------------
    def add(self, f: _Factor) -> None:
        pos = tuple(self.local[q] for q in f.qubits)
        if len(pos) == 1 and f.kind in ("const", "rot"):
            p = pos[0]
            last = max((i for i, seg in enumerate(self.segments) if p in seg.support), default=-1)
            target = None
            if last >= 0 and self.segments[last].kind == "layer":
                target = self.segments[last]
            else:
                later = [seg for seg in self.segments[last + 1 :] if seg.kind == "layer"]
                target = later[0] if later else None
            if target is None:
                target = _Segment(kind="layer")
                self.segments.append(target)
            target.chains.setdefault(p, []).append(f)
            target.support.add(p)
            return
        if f.kind == "const":
            m = _embed(f.matrix, pos, self.k)
            if self.segments and self.segments[-1].kind == "const":
                last = self.segments[-1]
                last.matrix = m @ last.matrix
                last.support |= set(pos)
            else:
                self.segments.append(_Segment(kind="const", matrix=m, support=set(pos)))
            return
        self.segments.append(_Segment(kind=f.kind, factor=f, positions=pos, support=set(pos)))

    @property
    def is_constant(self) -> bool:
        return all(
            seg.kind == "const" or (seg.kind == "layer" and all(f.kind == "const" for c in seg.chains.values() for f in c))
            for seg in self.segments
        )

    @property
    def slots(self) -> list[int]:
        out = []
        for seg in self.segments:
            if seg.kind == "layer":
                out += [f.slot for c in seg.chains.values() for f in c if f.kind == "rot"]
            elif seg.kind == "rot":
                out.append(seg.factor.slot)
        return out

    # -- evaluation ----------------------------------------------------------------------
    @staticmethod
    def _factor_matrix(f: _Factor, angles, phases, values) -> np.ndarray:
        if f.kind == "const":
            return f.matrix[None]
        if f.kind == "rot" and isinstance(angles, _Angles) and angles.single is not None and f.matrix.shape[0] == 2:
            return angles.single[:, angles.index[f.slot]]
        if f.kind == "rot":
            theta = np.asarray(angles)[:, f.slot]
            c = np.cos(theta / 2)[:, None, None]
            s = np.sin(theta / 2)[:, None, None]
            eye = np.eye(f.matrix.shape[0])
            m = c * eye - 1j * s * f.matrix
            return m * np.exp(1j * phases[:, f.slot])[:, None, None]
        # generic: resolve per sample
        syms = sorted(cirq.parameter_symbols(f.op), key=lambda s: s.name)
        mats = []
        for row in values[:, list(f.columns)]:
            resolved = cirq.resolve_parameters(f.op, dict(zip(syms, row)))
            mats.append(cirq.unitary(resolved))
        return np.stack(mats)

    def _chain_matrix(self, chain: list[_Factor], angles, phases, values) -> np.ndarray:
        u = None
        for f in chain:
            m = self._factor_matrix(f, angles, phases, values)
            u = m if u is None else m @ u
        return u

    def segment_matrices(self, angles, phases, values) -> list[np.ndarray]:
        mats = []
        for seg in self.segments:
            if seg.kind == "layer":
                parts = [
                    self._chain_matrix(seg.chains[p], angles, phases, values) if p in seg.chains else _EYE2
                    for p in range(self.k)
                ]
                mats.append(_kron_many(parts))
            elif seg.kind == "const":
                mats.append(seg.matrix[None])
            else:
                m = self._factor_matrix(seg.factor, angles, phases, values)
                mats.append(_embed(m, seg.positions, self.k))
        return mats

    def matrix(self, angles, phases, values) -> np.ndarray:
        m = None
        for seg, s in zip(self.segments, self.segment_matrices(angles, phases, values)):
            if m is None:
                m = s
            elif seg.kind == "const" and _is_diagonal(seg.matrix):
                m = np.diag(seg.matrix)[:, None] * m  # e.g. the CZs inside a tile: scale rows
            else:
                m = s @ m
        return m if m is not None else np.eye(2**self.k)[None]

    def slot_gradients(self, angles, phases, values, r: np.ndarray) -> tuple[list[int], list[np.ndarray]]:
        """``Im Tr[G_j R]`` for every rotation slot ``j`` of the block, ``G_j = S_j P_j S_j†``.

        ``S_j`` is the product of the gates after slot ``j``; ``r`` is ``(B, K, K)`` in the
        block's qubit order.  ``Tr[S P S† R] = Tr[P · S† R S]``: one conjugation of ``R`` per
        segment, then partial traces onto single qubits for the per-qubit chains.
        """
        mats = self.segment_matrices(angles, phases, values)
        suffix: list[Optional[np.ndarray]] = [None] * len(mats)
        acc = None
        for i in range(len(mats) - 1, -1, -1):
            suffix[i] = acc
            acc = mats[i] if acc is None else acc @ mats[i]
        slots: list[int] = []
        grads: list[np.ndarray] = []
        b = r.shape[0]
        k = self.k
        for i, seg in enumerate(self.segments):
            if seg.kind == "layer":
                if not any(f.kind == "rot" for c in seg.chains.values() for f in c):
                    continue
            elif seg.kind != "rot":
                continue
            after = suffix[i]
            x = r if after is None else np.conj(np.swapaxes(after, -1, -2)) @ r @ after
            if seg.kind == "rot":
                pm = _embed(seg.factor.matrix, seg.positions, k)
                slots.append(seg.factor.slot)
                grads.append(np.imag(np.einsum("ac,bca->b", pm, x)))
                continue
            for p, chain in seg.chains.items():
                xt = x.reshape(x.shape[0], 2**p, 2, 2 ** (k - p - 1), 2**p, 2, 2 ** (k - p - 1))
                xp = np.einsum("bxiyxjy->bij", xt)
                for t, f in enumerate(chain):
                    if f.kind != "rot":
                        continue
                    later = chain[t + 1 :]
                    if later:
                        a = self._chain_matrix(later, angles, phases, values)
                        g = a @ f.matrix[None] @ np.conj(np.swapaxes(a, -1, -2))
                    else:
                        g = f.matrix[None]
                    slots.append(f.slot)
                    grads.append(np.broadcast_to(np.imag(np.einsum("bac,bca->b", np.broadcast_to(g, (xp.shape[0], 2, 2)), xp)), (b,)))
        return slots, grads


# ---------------------------------------------------------------------------------------
# steps
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class _BlockStep:
    block: _Block
    mode: str  # "back", "front", "mid", "transpose"
    before: tuple[int, ...]  # layout (axis -> qubit) before the step
    after: tuple[int, ...]
    start: int  # first axis of the block in the layout where it is applied
    axes: Optional[tuple[int, ...]]  # matrix qubit permutation to layout order (None: identity)
    const: Optional[np.ndarray] = None  # the matrix when constant (already permuted)


@dataclasses.dataclass
class _DiagStep:
    before: tuple[int, ...]
    const: Optional[np.ndarray]  # (N,) in layout order
    rotations: list  # [(slot, z-vector (N,) in layout order)]

    @property
    def after(self) -> tuple[int, ...]:
        return self.before


def _plan_block(block: _Block, layout: tuple[int, ...]) -> _BlockStep:
    n = len(layout)
    w = block.k
    positions = [layout.index(q) for q in block.qubits]
    lo = min(positions)
    contiguous = sorted(positions) == list(range(lo, lo + w))
    if contiguous:
        in_layout = layout[lo : lo + w]
        axes = tuple(block.qubits.index(q) for q in in_layout)
        axes = None if axes == tuple(range(w)) else axes
        if lo == n - w:
            return _BlockStep(block, "back", layout, layout, lo, axes)
        if lo == 0:
            after = layout[w:] + layout[:w]
            return _BlockStep(block, "front", layout, after, 0, axes)
        return _BlockStep(block, "mid", layout, layout, lo, axes)
    others = tuple(q for q in layout if q not in block.qubits)
    after = others + block.qubits
    return _BlockStep(block, "transpose", layout, after, n - w, None)


# ---------------------------------------------------------------------------------------
# observables
# ---------------------------------------------------------------------------------------


def _walsh_hadamard(c: np.ndarray, n: int) -> np.ndarray:
    t = c.reshape((2,) * n).copy()
    for ax in range(n):
        a = np.take(t, 0, axis=ax)
        b = np.take(t, 1, axis=ax)
        t = np.stack([a + b, a - b], axis=ax)
    return t.reshape(-1)


class CompiledObservable:
    """A ``cirq.PauliSum`` prepared for batched expectation values on ``qubits``.

    Terms are grouped by their X-part (flip mask ``m``); each group acts as
    ``(O_m ψ)(x) = D_m(x⊕m) ψ(x⊕m)`` with ``D_m(y) = Σ_t c_t i^{|m∧z_t|} (−1)^{y·z_t}``.
    """

    def __init__(self, observable, qubits: Sequence[cirq.Qid]):
        obs = as_pauli_sum(observable)
        self.qubits = tuple(qubits)
        index = {q: i for i, q in enumerate(self.qubits)}
        n = len(self.qubits)
        missing = [q for ps in obs for q in ps.qubits if q not in index]
        if missing:
            raise ValueError(f"observable acts on qubits {sorted(set(missing))} that are not among {list(self.qubits)}")
        groups: dict[tuple[int, ...], list[tuple[complex, tuple[int, ...]]]] = {}
        for ps in obs:
            coeff = complex(ps.coefficient)
            xs = tuple(sorted(index[q] for q, p in ps.items() if p in (cirq.X, cirq.Y)))
            zs = tuple(sorted(index[q] for q, p in ps.items() if p in (cirq.Z, cirq.Y)))
            ys = sum(1 for p in ps.values() if p == cirq.Y)
            # P = ⊗ p_q with Y = i X Z:  P = i^{#Y} X^{xs} Z^{zs}
            groups.setdefault(xs, []).append((coeff * (1j) ** ys, zs))
        self.n = n
        self.flips: list[tuple[tuple[int, ...], np.ndarray]] = []
        for xs, terms in groups.items():
            if len(terms) > 4 * n + 8:
                table = np.zeros(2**n, dtype=complex)
                for coeff, zs in terms:
                    table[sum(1 << (n - 1 - q) for q in zs)] += coeff
                d = _walsh_hadamard(table, n)
            else:
                d = np.zeros(2**n, dtype=complex)
                for coeff, zs in terms:
                    d += coeff * _z_vector(n, zs)
            if np.allclose(d.imag, 0):
                d = d.real.copy()
            self.flips.append((xs, d))

    def expectation(self, states: np.ndarray) -> np.ndarray:
        """``⟨ψ_b|O|ψ_b⟩`` for states ``(B, 2^n)`` in canonical order; real ``(B,)``."""
        b = states.shape[0]
        total = np.zeros(b)
        for xs, d in self.flips:
            if not xs:
                probs = (states.real**2 + states.imag**2).astype(np.float64)
                total += probs @ d.real if np.isrealobj(d) else np.real(probs @ d)
            else:
                flipped = np.flip(states.reshape((b,) + (2,) * self.n), axis=tuple(1 + q for q in xs)).reshape(b, -1)
                total += np.real((np.conj(flipped) * states).astype(np.complex128) @ d)
        return total

    def apply(self, states: np.ndarray) -> np.ndarray:
        """``O ψ_b`` for states ``(B, 2^n)`` in canonical order."""
        b = states.shape[0]
        out = np.zeros_like(states)
        for xs, d in self.flips:
            t = (states * d.astype(states.dtype if np.iscomplexobj(d) else states.real.dtype))
            if xs:
                t = np.flip(t.reshape((b,) + (2,) * self.n), axis=tuple(1 + q for q in xs)).reshape(b, -1)
            out += t
        return out


def compile_observable(observable, qubits: Sequence[cirq.Qid]) -> CompiledObservable:
    """Prepare ``observable`` (``cirq.PauliSum``-like) for :class:`BatchedCircuit` states on ``qubits``."""
    return CompiledObservable(observable, qubits)


# ---------------------------------------------------------------------------------------
# the compiled circuit
# ---------------------------------------------------------------------------------------


class BatchedCircuit:
    """A compiled parametrized circuit evaluated for a batch of parameter values at once.

    Build with :func:`compile_circuit`.  ``values`` arrays have shape ``(B, len(symbols))``
    with columns in the order of :attr:`symbols`.
    """

    def __init__(self, qubits, symbols, slots, steps, dtype, global_phase):
        self.qubits: tuple[cirq.Qid, ...] = tuple(qubits)
        self.symbols: tuple[sympy.Symbol, ...] = tuple(symbols)
        self.slots: tuple[_Slot, ...] = tuple(slots)
        self.steps = steps
        self.dtype = np.dtype(dtype)
        self.global_phase = global_phase
        self.n_qubits = len(self.qubits)
        self._real = np.float32 if self.dtype == np.complex64 else np.float64
        single: dict[int, np.ndarray] = {}
        for step in self.steps:
            if isinstance(step, _BlockStep):
                for seg in step.block.segments:
                    facs = [f for c in seg.chains.values() for f in c] if seg.kind == "layer" else [seg.factor]
                    for f in facs:
                        if f is not None and f.kind == "rot" and f.matrix.shape[0] == 2:
                            single[f.slot] = f.matrix
        self._single_which = np.array(sorted(single), dtype=int)
        self._single_paulis = np.array([single[j] for j in sorted(single)]).reshape(-1, 2, 2)
        for step in self.steps:
            if isinstance(step, _BlockStep) and step.const is not None:
                step.const = step.const.astype(self.dtype)
            if isinstance(step, _DiagStep):
                if step.const is not None:
                    step.const = step.const.astype(self._real if np.isrealobj(step.const) else self.dtype)
                step.rotations = [(s, z.astype(self._real)) for s, z in step.rotations]

    # -- inputs ------------------------------------------------------------------------
    def __repr__(self) -> str:
        n_blocks = sum(isinstance(s, _BlockStep) for s in self.steps)
        return (
            f"BatchedCircuit(n_qubits={self.n_qubits}, symbols={len(self.symbols)}, steps={len(self.steps)} "
            f"({n_blocks} fused blocks), dtype={self.dtype.name})"
        )

    def check_values(self, values) -> np.ndarray:
        """Validate a ``(B, n_symbols)`` array of symbol values (a 1-D array is one sample)."""
        v = np.asarray(values, dtype=float)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[1] != len(self.symbols):
            raise ValueError(
                f"values must have shape (batch, {len(self.symbols)}) for symbols "
                f"{[s.name for s in self.symbols]}, got {np.shape(values)}"
            )
        if not np.all(np.isfinite(v)):
            raise ValueError("values contain NaN or infinite entries")
        return v

    def values_from_resolvers(self, resolvers: Iterable) -> np.ndarray:
        """Stack resolvers (``cirq.Sweepable``) into a values array; every symbol must be bound."""
        rows = []
        for r in cirq.to_resolvers(resolvers):
            row = []
            for s in self.symbols:
                v = r.value_of(s)
                if isinstance(v, sympy.Basic) and v.free_symbols:
                    raise ValueError(f"resolver {r} does not bind symbol {s}")
                row.append(float(v))
            rows.append(row)
        return np.array(rows, dtype=float).reshape(len(rows), len(self.symbols))

    def angles(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample rotation angles and global phases, each ``(B, n_slots)``."""
        b = values.shape[0]
        ang = np.zeros((b, len(self.slots)))
        ph = np.zeros((b, len(self.slots)))
        for j, slot in enumerate(self.slots):
            ang[:, j] = evaluate_slot_function(slot.angle_fn, slot.columns, values)
            ph[:, j] = evaluate_slot_function(slot.phase_fn, slot.columns, values)
        return ang, ph

    def _chunk(self) -> int:
        per = (2**self.n_qubits) * self.dtype.itemsize
        return max(1, _CHUNK_BYTES // per)

    def initial_states(self, batch: int, initial_state=None) -> np.ndarray:
        """``(batch, 2^n)`` initial states: ``|0…0⟩``, a basis index, one vector, or one per sample."""
        n = 2**self.n_qubits
        if initial_state is None or (isinstance(initial_state, (int, np.integer)) and not isinstance(initial_state, bool)):
            idx = 0 if initial_state is None else int(initial_state)
            if not 0 <= idx < n:
                raise ValueError(f"initial basis state {idx} out of range for {self.n_qubits} qubits")
            out = np.zeros((batch, n), dtype=self.dtype)
            out[:, idx] = 1
            return out
        s = np.asarray(initial_state)
        if s.shape == (n,):
            return np.broadcast_to(s.astype(self.dtype), (batch, n)).copy()
        if s.shape == (batch, n):
            return s.astype(self.dtype, copy=True)
        raise ValueError(f"initial_state must have shape ({n},) or ({batch}, {n}), got {s.shape}")

    # -- stepping ------------------------------------------------------------------------
    def _block_matrix(self, step: _BlockStep, ang, ph, vals) -> np.ndarray:
        if step.const is not None:
            return step.const[None]
        m = step.block.matrix(ang, ph, vals)
        if step.axes is not None:
            m = _permute_matrix(m, step.axes)
        return m.astype(self.dtype, copy=False)

    def _apply_block(self, step: _BlockStep, state: np.ndarray, out: np.ndarray, m: np.ndarray, inverse: bool) -> np.ndarray:
        b = state.shape[0]
        n = self.n_qubits
        k = step.block.k
        kk = 2**k
        rest = 2 ** (n - k)
        if inverse:
            mt = m  # (M†)ᵀ = conj(M): use conj below
        if step.mode == "back" or (step.mode == "transpose" and not inverse):
            src = state
            if step.mode == "transpose":
                lay = step.before
                perm = [lay.index(q) for q in step.after]
                tmp = out.reshape((b,) + (2,) * n)
                np.copyto(tmp, state.reshape((b,) + (2,) * n).transpose([0] + [1 + p for p in perm]))
                src, out = out, state
            rhs = np.conj(m) if inverse else np.swapaxes(m, -1, -2)
            np.matmul(src.reshape(b, rest, kk), rhs, out=out.reshape(b, rest, kk))
            return out
        if step.mode == "transpose" and inverse:
            rhs = np.conj(m)
            np.matmul(state.reshape(b, rest, kk), rhs, out=out.reshape(b, rest, kk))
            lay = step.after
            perm = [lay.index(q) for q in step.before]
            tmp = state.reshape((b,) + (2,) * n)
            np.copyto(tmp, out.reshape((b,) + (2,) * n).transpose([0] + [1 + p for p in perm]))
            return state
        if step.mode == "front":
            if not inverse:
                lhs = np.swapaxes(state.reshape(b, kk, rest), 1, 2)
                np.matmul(lhs, np.swapaxes(m, -1, -2), out=out.reshape(b, rest, kk))
            else:
                rhs = np.swapaxes(state.reshape(b, rest, kk), 1, 2)
                np.matmul(np.conj(np.swapaxes(m, -1, -2)), rhs, out=out.reshape(b, kk, rest))
            return out
        # mid
        left = 2**step.start
        right = rest // left
        mm = np.conj(np.swapaxes(m, -1, -2)) if inverse else m
        np.matmul(mm[:, None], state.reshape(b, left, kk, right), out=out.reshape(b, left, kk, right))
        return out

    def _diag_factor(self, step: _DiagStep, ang, ph) -> Optional[np.ndarray]:
        if not step.rotations:
            return None
        arg = np.zeros((ang.shape[0], step.const.shape[0] if step.const is not None else 2**self.n_qubits), dtype=self._real)
        for slot, z in step.rotations:
            arg += (ph[:, slot, None] - 0.5 * ang[:, slot, None] * z).astype(self._real)
        return np.exp(1j * arg).astype(self.dtype)

    def _prepare_angles(self, ang: np.ndarray, ph: np.ndarray) -> "_Angles":
        """Angles with the single-qubit rotation matrices of all slots precomputed (vectorised)."""
        return _with_single_qubit_matrices(np.asarray(ang), ph, self._single_paulis, self._single_which)

    def _shifted_angles(self, base: "_Angles", ph: np.ndarray, n_shift: int, slot: int, shifts) -> tuple:
        """Tile ``base`` ``n_shift`` times with ``slot`` shifted; reuse the precomputed matrices."""
        bb = base.shape[0]
        a2 = np.tile(np.asarray(base), (n_shift, 1))
        for t, d in enumerate(shifts):
            a2[t * bb : (t + 1) * bb, slot] += d
        ph2 = np.tile(ph, (n_shift, 1))
        out = a2.view(_Angles)
        if base.single is None:
            out.single, out.index = None, None
            return out, ph2
        out.single = np.tile(base.single, (n_shift, 1, 1, 1))
        out.index = base.index
        j = base.index[slot] if slot < len(base.index) else -1
        if j >= 0:
            fresh = _with_single_qubit_matrices(a2[:, [slot]], ph2[:, [slot]], self._single_paulis[[j]], np.array([0]))
            out.single[:, j] = fresh.single[:, 0]
        return out, ph2

    def _run_steps(self, state, buf, ang, ph, vals, start, stop, inverse=False):
        """Apply steps ``[start, stop)`` (or their inverses in reverse order); returns (state, buf)."""
        if not isinstance(ang, _Angles) or (ang.single is None and self._single_which.size):
            ang = self._prepare_angles(ang, ph)
        indices = range(start, stop) if not inverse else range(stop - 1, start - 1, -1)
        for i in indices:
            step = self.steps[i]
            if isinstance(step, _BlockStep):
                m = self._block_matrix(step, ang, ph, vals)
                res = self._apply_block(step, state, buf, m, inverse)
                if res is buf:
                    state, buf = buf, state
            else:
                f = self._diag_factor(step, ang, ph)
                if step.const is not None:
                    state *= np.conj(step.const) if inverse else step.const
                if f is not None:
                    state *= np.conj(f) if inverse else f
        return state, buf

    def _to_canonical(self, state: np.ndarray, layout: tuple[int, ...]) -> np.ndarray:
        if layout == tuple(range(self.n_qubits)):
            return state
        b = state.shape[0]
        perm = [layout.index(q) for q in range(self.n_qubits)]
        t = state.reshape((b,) + (2,) * self.n_qubits).transpose([0] + [1 + p for p in perm])
        return np.ascontiguousarray(t).reshape(b, -1)

    def _from_canonical(self, state: np.ndarray, layout: tuple[int, ...]) -> np.ndarray:
        if layout == tuple(range(self.n_qubits)):
            return state
        b = state.shape[0]
        t = state.reshape((b,) + (2,) * self.n_qubits).transpose([0] + [1 + q for q in layout])
        return np.ascontiguousarray(t).reshape(b, -1)

    @property
    def final_layout(self) -> tuple[int, ...]:
        return self.steps[-1].after if self.steps else tuple(range(self.n_qubits))

    def _layout_before(self, i: int) -> tuple[int, ...]:
        if i < len(self.steps):
            return self.steps[i].before
        return self.final_layout

    # -- public evaluation ---------------------------------------------------------------
    def final_states(self, values, initial_state=None, angle_shifts: Optional[np.ndarray] = None) -> np.ndarray:
        """Final states ``(B, 2^n)`` (canonical big-endian order over :attr:`qubits`).

        Parameters
        ----------
        values : ``(B, n_symbols)`` symbol values.
        initial_state : ``None`` (``|0…0⟩``), a basis index, a state vector, or ``(B, 2^n)`` states.
        angle_shifts : optional ``(B, n_slots)`` added to the rotation angles (parameter shifts).
        """
        vals = self.check_values(values)
        b = vals.shape[0]
        out = np.empty((b, 2**self.n_qubits), dtype=self.dtype)
        init = None if initial_state is None else np.asarray(initial_state)
        per_sample = init is not None and init.ndim == 2
        ang_all, ph_all = self.angles(vals)
        if angle_shifts is not None:
            ang_all = ang_all + angle_shifts
        c = self._chunk()
        for lo in range(0, b, c):
            hi = min(b, lo + c)
            st = self.initial_states(hi - lo, init[lo:hi] if per_sample else initial_state)
            buf = np.empty_like(st)
            st, buf = self._run_steps(st, buf, ang_all[lo:hi], ph_all[lo:hi], vals[lo:hi], 0, len(self.steps))
            out[lo:hi] = self._to_canonical(st, self.final_layout)
        if self.global_phase != 1:
            out *= self.global_phase
        return out

    def iter_final_states(self, values, initial_state=None):
        """Yield ``(lo, hi, states)``: the final states of samples ``lo … hi−1`` chunk by chunk.

        The chunks are those :meth:`final_states` and :meth:`expectation` use (bounded state
        memory), so a caller that consumes states one chunk at a time (shot sampling) never holds
        all ``B`` states at once.  ``states`` is ``final_states(values[lo:hi], ...)``.
        """
        vals = self.check_values(values)
        b = vals.shape[0]
        init = None if initial_state is None else np.asarray(initial_state)
        per_sample = init is not None and init.ndim == 2
        c = self._chunk()
        for lo in range(0, b, c):
            hi = min(b, lo + c)
            yield lo, hi, self.final_states(vals[lo:hi], init[lo:hi] if per_sample else initial_state)

    def expectation(self, values, observable, initial_state=None, angle_shifts: Optional[np.ndarray] = None) -> np.ndarray:
        """``⟨O⟩`` for each sample, ``(B,)`` float (observable: PauliSum or :class:`CompiledObservable`)."""
        obs = observable if isinstance(observable, CompiledObservable) else CompiledObservable(observable, self.qubits)
        vals = self.check_values(values)
        b = vals.shape[0]
        res = np.empty(b)
        init = None if initial_state is None else np.asarray(initial_state)
        per_sample = init is not None and init.ndim == 2
        c = self._chunk()
        for lo in range(0, b, c):
            hi = min(b, lo + c)
            states = self.final_states(
                vals[lo:hi],
                init[lo:hi] if per_sample else initial_state,
                None if angle_shifts is None else angle_shifts[lo:hi],
            )
            res[lo:hi] = obs.expectation(states)
        return res

    def step_of_slot(self, slot: int) -> int:
        """Index of the step that contains rotation ``slot``."""
        for i, step in enumerate(self.steps):
            if isinstance(step, _BlockStep) and slot in step.block.slots:
                return i
            if isinstance(step, _DiagStep) and any(s == slot for s, _ in step.rotations):
                return i
        raise ValueError(f"slot {slot} is not used by any step")

    def iter_shifted_states(self, values, slots: Sequence[int], shifts: Sequence[float], initial_state=None):
        """Yield ``(lo, hi, j, states)`` with rotation ``slots[j]`` shifted by each of ``shifts``.

        ``states`` has shape ``(len(shifts) * (hi - lo), 2^n)`` (canonical order), shift-major:
        rows ``t·(hi−lo) … (t+1)·(hi−lo)−1`` hold samples ``lo … hi−1`` with shift ``shifts[t]``.
        The circuit prefix before the shifted step is simulated once per sample and shared.
        """
        vals = self.check_values(values)
        b = vals.shape[0]
        ang_all, ph_all = self.angles(vals)
        init = None if initial_state is None else np.asarray(initial_state)
        per_sample = init is not None and init.ndim == 2
        n_shift = len(shifts)
        step_of = [self.step_of_slot(s) for s in slots]
        order = sorted(range(len(slots)), key=lambda j: step_of[j])
        c = max(1, self._chunk() // max(1, n_shift))
        for lo in range(0, b, c):
            hi = min(b, lo + c)
            bb = hi - lo
            st = self.initial_states(bb, init[lo:hi] if per_sample else initial_state)
            buf = np.empty_like(st)
            pos = 0
            ph, vv = ph_all[lo:hi], vals[lo:hi]
            ang = self._prepare_angles(ang_all[lo:hi], ph)
            vv2 = np.tile(vv, (n_shift, 1))
            for j in order:
                s_idx = step_of[j]
                st, buf = self._run_steps(st, buf, ang, ph, vv, pos, s_idx)
                pos = s_idx
                big = np.repeat(st[None], n_shift, axis=0).reshape(n_shift * bb, -1)
                bigbuf = np.empty_like(big)
                a2, ph2 = self._shifted_angles(ang, ph, n_shift, slots[j], shifts)
                big, bigbuf = self._run_steps(big, bigbuf, a2, ph2, vv2, s_idx, len(self.steps))
                final = self._to_canonical(big, self.final_layout)
                if self.global_phase != 1:
                    final = final * self.global_phase
                yield lo, hi, j, final

    def shifted_expectations(self, values, observable, slots: Sequence[int], shifts: Sequence[float], initial_state=None) -> np.ndarray:
        """``⟨O⟩`` with slot ``j``'s angle shifted by each of ``shifts``: ``(B, len(slots), len(shifts))``.

        The prefix of the circuit before the shifted step is simulated once per sample and
        shared by all shifts of that slot (see :meth:`iter_shifted_states`).
        """
        obs = observable if isinstance(observable, CompiledObservable) else CompiledObservable(observable, self.qubits)
        vals = self.check_values(values)
        out = np.empty((vals.shape[0], len(slots), len(shifts)))
        for lo, hi, j, states in self.iter_shifted_states(vals, slots, shifts, initial_state):
            out[lo:hi, j, :] = obs.expectation(states).reshape(len(shifts), hi - lo).T
        return out

    def adjoint_gradient(self, values, observable, initial_state=None) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``⟨O⟩`` and ``∂⟨O⟩/∂θ_j`` for every rotation slot ``j`` by adjoint differentiation.

        Returns
        -------
        (expectations ``(B,)``, slot gradients ``(B, n_slots)``).  Combine slot gradients into
        symbol gradients with :meth:`symbol_gradients`.

        Raises
        ------
        ValueError : if a parametrized gate is not a Pauli rotation (generic gates have no slot).
        """
        obs = observable if isinstance(observable, CompiledObservable) else CompiledObservable(observable, self.qubits)
        vals = self.check_values(values)
        b = vals.shape[0]
        ang_all, ph_all = self.angles(vals)
        init = None if initial_state is None else np.asarray(initial_state)
        per_sample = init is not None and init.ndim == 2
        expect = np.empty(b)
        grads = np.zeros((b, len(self.slots)))
        c = max(1, self._chunk() // 2)
        for lo in range(0, b, c):
            hi = min(b, lo + c)
            bb = hi - lo
            ph, vv = ph_all[lo:hi], vals[lo:hi]
            ang = self._prepare_angles(ang_all[lo:hi], ph)
            psi = self.initial_states(bb, init[lo:hi] if per_sample else initial_state)
            buf = np.empty_like(psi)
            psi, buf = self._run_steps(psi, buf, ang, ph, vv, 0, len(self.steps))
            final = self._to_canonical(psi, self.final_layout)  # the global phase cancels in ℓ and ∂ℓ
            expect[lo:hi] = obs.expectation(final)
            lam = self._from_canonical(obs.apply(final).astype(self.dtype), self.final_layout)
            lbuf = np.empty_like(lam)
            for i in range(len(self.steps) - 1, -1, -1):
                step = self.steps[i]
                if isinstance(step, _BlockStep):
                    slots = step.block.slots
                    if slots:
                        self._block_gradients(step, psi, lam, ang, ph, vv, grads[lo:hi])
                    m = self._block_matrix(step, ang, ph, vv)
                    res = self._apply_block(step, psi, buf, m, True)
                    if res is buf:
                        psi, buf = buf, psi
                    res = self._apply_block(step, lam, lbuf, m, True)
                    if res is lbuf:
                        lam, lbuf = lbuf, lam
                else:
                    if step.rotations:
                        w = np.conj(lam) * psi
                        for slot, z in step.rotations:
                            grads[lo:hi, slot] += np.imag(w @ z)
                    psi, buf = self._run_steps(psi, buf, ang, ph, vv, i, i + 1, inverse=True)
                    lam, lbuf = self._run_steps(lam, lbuf, ang, ph, vv, i, i + 1, inverse=True)
        return expect, grads

    def _block_gradients(self, step: _BlockStep, psi, lam, ang, ph, vv, grads) -> None:
        """Add ``Im Tr[G_j R]`` with ``R = Σ_rest ψ λ†`` (tile axes where the step left them)."""
        b = psi.shape[0]
        n = self.n_qubits
        k = step.block.k
        kk = 2**k
        rest = 2 ** (n - k)
        if step.mode in ("back", "front", "transpose"):
            p = psi.reshape(b, rest, kk)
            l_ = lam.reshape(b, rest, kk)
            r = np.matmul(np.swapaxes(p, 1, 2), np.conj(l_))  # R_ca = Σ ψ_c conj(λ_a)
        else:
            left = 2**step.start
            right = rest // left
            p = psi.reshape(b, left, kk, right)
            l_ = lam.reshape(b, left, kk, right)
            r = np.einsum("blcr,blar->bca", p, np.conj(l_), optimize=True)
        if step.axes is not None:  # R is in layout order: back to the block's qubit order
            r = _permute_matrix(r, tuple(int(i) for i in np.argsort(step.axes)))
        slots, values = step.block.slot_gradients(ang, ph, vv, r)
        for slot, g in zip(slots, values):
            grads[:, slot] += g

    def symbol_gradients(self, values, slot_gradients: np.ndarray, symbols: Optional[Sequence] = None) -> np.ndarray:
        """Chain rule ``∂/∂s = Σ_j (∂θ_j/∂s) ∂/∂θ_j``; returns ``(B, len(symbols))``."""
        vals = self.check_values(values)
        wanted = self.symbols if symbols is None else tuple(sympy.Symbol(s) if isinstance(s, str) else s for s in symbols)
        col = {s: i for i, s in enumerate(self.symbols)}
        for s in wanted:
            if s not in col:
                raise ValueError(f"symbol {s} is not a symbol of the circuit {[x.name for x in self.symbols]}")
        out = np.zeros((vals.shape[0], len(wanted)))
        pos = {col[s]: i for i, s in enumerate(wanted)}
        for j, slot in enumerate(self.slots):
            for c, fn in slot.derivatives:
                if c in pos:
                    out[:, pos[c]] += evaluate_slot_function(fn, slot.columns, vals) * slot_gradients[:, j]
        return out

    def slots_of_symbol(self, symbol) -> list[tuple[int, Callable]]:
        """``[(slot, dθ/dsymbol function)]`` for every rotation using ``symbol``."""
        s = sympy.Symbol(symbol) if isinstance(symbol, str) else symbol
        if s not in self.symbols:
            raise ValueError(f"symbol {s} is not a symbol of the circuit")
        c = self.symbols.index(s)
        return [(j, fn) for j, slot in enumerate(self.slots) for cc, fn in slot.derivatives if cc == c]

    @property
    def generic_symbols(self) -> frozenset:
        """Symbols used by parametrized gates that are not Pauli rotations (no gradients for them)."""
        out = set()
        for step in self.steps:
            if isinstance(step, _BlockStep):
                for seg in step.block.segments:
                    if seg.kind == "generic":
                        out |= set(cirq.parameter_symbols(seg.factor.op))
        return frozenset(out)


# ---------------------------------------------------------------------------------------
# compilation
# ---------------------------------------------------------------------------------------


def _default_tile_size(n: int) -> int:
    """Fastest tile width measured for HEA gradients (benchmarks/bench_gradients.py, 2 cores)."""
    if n <= 8:
        return 2
    return 3 if n <= 14 else 4


def _check_tile_size(tile_size) -> Optional[int]:
    if tile_size is None:
        return None
    if isinstance(tile_size, bool) or not isinstance(tile_size, (int, np.integer)) or not 1 <= tile_size <= 8:
        raise ValueError(f"tile_size must be an int in 1..8, got {tile_size!r}")
    return int(tile_size)


def _rewrite(op: cirq.Operation) -> list[cirq.Operation]:
    """``CX**t(a, b) = H_b · CZ**t(a, b) · H_b`` so that CNOTs across tiles become diagonal."""
    gate = op.gate
    if isinstance(gate, cirq.CXPowGate) and gate.global_shift == 0:
        a, b = op.qubits
        return [cirq.H(b), cirq.CZPowGate(exponent=gate.exponent).on(a, b), cirq.H(b)]
    return [op]


def compile_circuit(
    circuit: cirq.AbstractCircuit,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    symbols: Optional[Sequence[sympy.Symbol]] = None,
    dtype=np.complex64,
    tile_size: Optional[int] = DEFAULT_TILE_SIZE,
    memory_limit=None,
) -> BatchedCircuit:
    """Compile a parametrized unitary circuit for batched evaluation.

    Parameters
    ----------
    circuit : unitary ``cirq.AbstractCircuit`` (no measurements or channels; bpcalc block tags
        and other tags are ignored).
    qubits : qubit order (default: ``sorted(circuit.all_qubits())``); may add idle qubits.
    symbols : column order of the ``values`` arrays (default: the circuit's symbols sorted by
        name); must contain every symbol of the circuit.
    dtype : ``numpy.complex64`` (default) or ``numpy.complex128``.
    memory_limit : memory budget (bytes, ``'4GiB'`` or a :class:`bpcalc.bounds.memory.MemoryBudget`;
        default half the available memory): refused with :class:`bpcalc.bounds.memory.MemoryBudgetExceeded`
        before anything is allocated when even one state does not fit.
    tile_size : qubits per fused tile (1..8); ``None`` picks 2 up to 8 qubits, 3 up to 14 and 4
        above (fastest in ``benchmarks/bench_gradients.py`` measurements on 2 cores).

    Returns
    -------
    BatchedCircuit

    Raises
    ------
    TypeError : if ``circuit`` is not a Cirq circuit.
    ValueError : non-unitary operations, unknown qubits, missing symbols, bad ``dtype``.

    Examples
    --------
    >>> import cirq, sympy, numpy as np
    >>> q = cirq.LineQubit.range(2)
    >>> a = sympy.Symbol("a")
    >>> bc = compile_circuit(cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CNOT(*q)))
    >>> np.round(bc.expectation([[0.0], [np.pi]], cirq.Z(q[1])), 6)
    array([ 1., -1.])
    """
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"circuit must be a cirq.AbstractCircuit, got {type(circuit).__name__}")
    dtype = np.dtype(dtype)
    if dtype not in (np.complex64, np.complex128):
        raise ValueError(f"dtype must be complex64 or complex128, got {dtype}")
    k = _check_tile_size(tile_size)
    circuit = strip_block_tags(cirq.Circuit(circuit))
    qs = tuple(sorted(circuit.all_qubits())) if qubits is None else tuple(qubits)
    if len(set(qs)) != len(qs):
        raise ValueError(f"repeated qubits in qubit order {list(qs)}")
    unknown = circuit.all_qubits() - set(qs)
    if unknown:
        raise ValueError(f"circuit acts on qubits {sorted(unknown)} missing from the qubit order")
    if not qs:
        raise ValueError("the circuit has no qubits")
    n = len(qs)
    if k is None:
        k = _default_tile_size(n)
    if n > 30:
        raise ValueError(f"{n} qubits is too many for a state-vector engine (max 30)")
    # the smallest batch holds one state, its work buffer and two parameter-shifted copies
    MemoryBudget.from_limit(memory_limit).check(
        STATE_COPIES * 2**n * np.dtype(dtype).itemsize,
        what=f"a batch of one {n}-qubit state vector ({STATE_COPIES} working copies)",
        alternative="the Pauli-path engine (bpcalc exact, path sampling) or fewer qubits",
    )
    index = {q: i for i, q in enumerate(qs)}
    circuit_symbols = set(cirq.parameter_symbols(circuit))
    if symbols is None:
        syms = tuple(sorted(circuit_symbols, key=lambda s: s.name))
    else:
        syms = tuple(sympy.Symbol(s) if isinstance(s, str) else s for s in symbols)
        missing = circuit_symbols - set(syms)
        if missing:
            raise ValueError(f"symbols {sorted(s.name for s in missing)} of the circuit are missing from symbols")
        if len(set(syms)) != len(syms):
            raise ValueError("repeated symbols")
    col = {s: i for i, s in enumerate(syms)}
    rng = np.random.default_rng(1234)

    slots: list[_Slot] = []
    factors: list[_Factor] = []
    global_phase = 1.0 + 0j
    for moment in circuit:
        for raw in moment:
            op = raw.untagged if isinstance(raw, cirq.TaggedOperation) else raw
            if cirq.is_measurement(op):
                raise ValueError(f"measurement {op} in the circuit; the engine simulates unitary circuits only")
            for op2 in _rewrite(op) if not cirq.is_parameterized(op) else [op]:
                f = _make_factor(op2, index, col, slots, rng)
                if f is None:
                    continue
                if isinstance(f, complex):
                    global_phase *= f
                    continue
                factors.append(f)

    steps = _schedule(factors, n, k)
    return BatchedCircuit(qs, syms, slots, steps, dtype, global_phase)


def _make_factor(op, index, col, slots, rng):
    qubits = tuple(index[q] for q in op.qubits)
    if not qubits:
        if cirq.is_parameterized(op):
            raise ValueError(f"parametrized global phase {op} is not supported")
        u = cirq.unitary(op, None)
        if u is None:
            raise ValueError(f"operation {op} has no unitary")
        return complex(np.asarray(u).reshape(-1)[0])
    if isinstance(getattr(op, "gate", None), cirq.IdentityGate):
        return None
    if not cirq.is_parameterized(op):
        u = cirq.unitary(op, None)
        if u is None:
            raise ValueError(f"operation {op} is not unitary (channels and measurements are not supported by the engine)")
        u = np.asarray(u, dtype=complex)
        return _Factor(kind="const", qubits=qubits, matrix=u, diagonal=_is_diagonal(u))
    rot = as_pauli_rotation(op)
    gate = getattr(op, "gate", None) if not isinstance(op, cirq.PauliStringPhasor) else op
    phase = _rotation_phase(gate) if rot is not None else None
    if rot is not None and phase is not None:
        angle = sympy.sympify(rot.angle)
        free = sorted(angle.free_symbols | sympy.sympify(phase).free_symbols, key=lambda s: s.name)
        for s in free:
            if s not in col:
                raise ValueError(f"symbol {s} missing from symbols")
        pm = _pauli_matrix(rot.pauli, op.qubits)
        # numeric self-check of the convention against cirq.unitary
        trial = {s: float(rng.uniform(0.1, 2.0)) for s in free}
        th = float(angle.subs(trial))
        phi = float(sympy.sympify(phase).subs(trial))
        expected = np.exp(1j * phi) * (np.cos(th / 2) * np.eye(pm.shape[0]) - 1j * np.sin(th / 2) * pm)
        actual = cirq.unitary(cirq.resolve_parameters(op, trial))
        if np.allclose(actual, expected, atol=1e-9):
            columns = tuple(col[s] for s in free)
            derivs = tuple((col[s], _lambdify(free, sympy.diff(angle, s))) for s in free if angle.has(s))
            slots.append(
                _Slot(
                    angle=angle,
                    phase=sympy.sympify(phase),
                    columns=columns,
                    angle_fn=_lambdify(free, angle),
                    phase_fn=_lambdify(free, phase),
                    derivatives=derivs,
                )
            )
            diagonal = all(p == cirq.Z for p in rot.pauli.values())
            return _Factor(kind="rot", qubits=qubits, matrix=pm, diagonal=diagonal, slot=len(slots) - 1)
    if not cirq.has_unitary(cirq.resolve_parameters(op, {s: 0.1 for s in cirq.parameter_symbols(op)})):
        raise ValueError(f"operation {op} is not unitary")
    syms = sorted(cirq.parameter_symbols(op), key=lambda s: s.name)
    for s in syms:
        if s not in col:
            raise ValueError(f"symbol {s} missing from symbols")
    return _Factor(kind="generic", qubits=qubits, op=op, columns=tuple(col[s] for s in syms))


def _schedule(factors: list[_Factor], n: int, k: int) -> list:
    """Tile fusion with a deferred buffer of tile-crossing diagonal gates."""
    n_tiles = (n + k - 1) // k
    sizes = [n // n_tiles + (1 if t < n % n_tiles else 0) for t in range(n_tiles)]  # balanced, <= k
    starts = np.cumsum([0] + sizes)
    tiles = [tuple(range(int(starts[t]), int(starts[t + 1]))) for t in range(n_tiles)]
    tile_of = [t for t, tile in enumerate(tiles) for _ in tile]
    open_blocks: dict[int, _Block] = {}
    diag_const: Optional[np.ndarray] = None
    diag_rots: list[tuple[int, np.ndarray]] = []
    diag_support: set[int] = set()
    steps: list = []
    layout = [tuple(range(n))]

    def emit_block(block: _Block) -> None:
        step = _plan_block(block, layout[0])
        if block.is_constant:
            m = block.matrix(np.zeros((1, 0)), np.zeros((1, 0)), np.zeros((1, 0)))
            step.const = _permute_matrix(m, step.axes)[0] if step.axes is not None else m[0]
        steps.append(step)
        layout[0] = step.after

    def flush() -> None:
        nonlocal diag_const, diag_rots, diag_support
        if open_blocks:
            # start with the tile at the front of the layout so that front-rotations chain up
            first = tile_of[layout[0][0]]
            for t in sorted(open_blocks, key=lambda t: (t - first) % n_tiles):
                emit_block(open_blocks[t])
            open_blocks.clear()
        if diag_const is not None or diag_rots:
            lay = layout[0]
            const = None if diag_const is None else _to_layout(diag_const, lay)
            if const is not None and np.allclose(const.imag, 0):
                const = const.real.copy()
            rots = [(s, _to_layout(z, lay)) for s, z in diag_rots]
            steps.append(_DiagStep(before=lay, const=const, rotations=rots))
        diag_const, diag_rots, diag_support = None, [], set()

    for f in factors:
        tset = {tile_of[q] for q in f.qubits}
        if len(tset) == 1:
            if not f.diagonal and set(f.qubits) & diag_support:
                flush()
            (t,) = tset
            open_blocks.setdefault(t, _Block(tiles[t])).add(f)
            continue
        if f.diagonal and f.kind == "const":
            d = _full_diagonal(n, f.qubits, np.diag(f.matrix))
            diag_const = d if diag_const is None else diag_const * d
            diag_support |= set(f.qubits)
            continue
        if f.diagonal and f.kind == "rot":
            diag_rots.append((f.slot, _z_vector(n, f.qubits)))
            diag_support |= set(f.qubits)
            continue
        flush()
        block = _Block(tuple(f.qubits))
        block.add(f)
        emit_block(block)
    flush()
    return steps


# ---------------------------------------------------------------------------------------
# Cirq adapter
# ---------------------------------------------------------------------------------------


class BatchedSimulator(cirq.SimulatesExpectationValues):
    """The batched engine as a ``cirq.SimulatesExpectationValues`` simulator.

    A whole sweep is evaluated in one batched pass (the circuit is compiled once per call).

    Parameters
    ----------
    dtype : ``numpy.complex64`` (default) or ``numpy.complex128``.
    tile_size : qubits per fused tile.
    threads : BLAS threads while simulating (``None``: leave the library default).

    Examples
    --------
    >>> import cirq, sympy, numpy as np
    >>> q = cirq.LineQubit(0)
    >>> c = cirq.Circuit(cirq.rx(sympy.Symbol("a")).on(q))
    >>> sim = BatchedSimulator()
    >>> res = sim.simulate_expectation_values_sweep(c, [cirq.Z(q)], cirq.Linspace("a", 0, np.pi, 3))
    >>> np.round([r[0] for r in res], 6)
    array([ 1.,  0., -1.])
    """

    def __init__(self, dtype=np.complex64, tile_size: Optional[int] = DEFAULT_TILE_SIZE, threads: Optional[int] = 1):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.complex64, np.complex128):
            raise ValueError(f"dtype must be complex64 or complex128, got {self.dtype}")
        self.tile_size = _check_tile_size(tile_size)
        self.threads = threads

    def simulate_expectation_values_sweep(
        self,
        program: cirq.AbstractCircuit,
        observables,
        params: cirq.Sweepable,
        qubit_order: cirq.QubitOrderOrList = cirq.QubitOrder.DEFAULT,
        initial_state=None,
        permit_terminal_measurements: bool = False,
    ) -> list[list[float]]:
        if not isinstance(program, cirq.AbstractCircuit):
            raise TypeError(f"program must be a cirq.AbstractCircuit, got {type(program).__name__}")
        obs_list = observables if isinstance(observables, list) else [observables]
        sums = [as_pauli_sum(o) for o in obs_list]
        circuit = cirq.Circuit(program)
        if cirq.is_measurement(circuit):
            if not permit_terminal_measurements:
                raise ValueError(
                    "Provided circuit has terminal measurements, which may skew expectation values. "
                    "If this is intentional, set permit_terminal_measurements=True."
                )
            if not circuit.are_all_measurements_terminal():
                raise ValueError("the circuit has mid-circuit measurements; the engine simulates unitary circuits")
            circuit = cirq.drop_terminal_measurements(circuit)
        all_qubits = set(circuit.all_qubits()) | {q for s in sums for ps in s for q in ps.qubits}
        qubits = cirq.QubitOrder.as_qubit_order(qubit_order).order_for(all_qubits)
        compiled = compile_circuit(circuit, qubits=qubits, dtype=self.dtype, tile_size=self.tile_size)
        values = compiled.values_from_resolvers(params)
        with blas_threads(self.threads):
            if values.shape[0] == 0:
                return []
            states = compiled.final_states(values, initial_state=initial_state)
            cols = [CompiledObservable(s, compiled.qubits).expectation(states) for s in sums]
        return [[float(c[i]) for c in cols] for i in range(values.shape[0])]

    def simulate_expectation_values_sweep_iter(
        self,
        program: cirq.AbstractCircuit,
        observables,
        params: cirq.Sweepable,
        qubit_order: cirq.QubitOrderOrList = cirq.QubitOrder.DEFAULT,
        initial_state=None,
        permit_terminal_measurements: bool = False,
    ):
        yield from self.simulate_expectation_values_sweep(
            program, observables, params, qubit_order, initial_state, permit_terminal_measurements
        )


@contextlib.contextmanager
def blas_threads(threads: Optional[int]):
    """Limit BLAS threads inside the block (``None``: leave unchanged).

    On a loaded machine OpenBLAS with more threads than free cores slows down by orders of
    magnitude, so the own engine uses one BLAS thread unless told otherwise.
    """
    if threads is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    with threadpool_limits(limits=int(threads), user_api="blas"):
        yield
