"""Compile a Cirq circuit + observable into a Pauli-path program.

The program keeps only the operations in the backward (causal) light cone of the
observable — every other gate acts on qubits where the Heisenberg-evolved observable is the
identity and cannot change the loss — renumbers the cone's qubits ``0..m-1`` and groups each
moment's identical gates into bit-parallel instructions:

* :class:`CliffordGroup` — the same Clifford gate (a :class:`~bpcalc.bounds.exact.paulis.LocalMap`)
  on several disjoint qubit tuples with the same relative offsets;
* :class:`RotationGroup` — parametrized Pauli rotations with the same Pauli pattern;
* :class:`FixedRotation` — one non-Clifford rotation with a constant angle (exact branching);
* :class:`NoiseChannel` — a single-qubit channel (``cirq.depolarize``, ``asymmetric_depolarize``,
  ``bit_flip``, ``phase_flip``, ``phase_damp``, ``amplitude_damp``,
  ``generalized_amplitude_damp``, or any single-qubit channel with Kraus operators) in the
  Heisenberg picture: ``E*(σ_b) = Σ_a T[a, b] σ_a`` with the real transfer matrix
  ``T[a, b] = ½ Tr[σ_a Σ_K K† σ_b K]`` (index 0..3 = I, X, Y, Z).  Pauli channels are
  diagonal (``σ_b`` damped by its eigenvalue); amplitude damping sends ``Z`` to
  ``(1−γ) Z + γ I`` (a branch into the string without that ``Z``, see ``theory.md`` §4).

Parameter conventions (defined once in :func:`circuits.parameter_convention`, used by every
engine of bpcalc):

* every trainable symbol ``s`` enters exactly one Pauli rotation ``exp(-i φ P / 2)`` of the
  light cone, with ``φ = c·s + d`` (``circuits.affine_angle``);
* ``c`` a non-zero integer (``cirq.rx(s)``, ``cirq.rx(2*s + 1)``): ``s ~ U[0, 2π)``,
  derivatives are ``∂/∂s`` (a factor ``c²`` in the variance);
* ``c = kπ`` with ``k`` a non-zero integer (``cirq.X**s``, ``cirq.ZZ**s``,
  ``cirq.PauliStringPhasor(..., exponent_neg=s)``: ``s`` is an exponent in half turns).
  With ``exponent_symbols='angle'`` (default) the *rotation angle* is the variable:
  ``s ~ U[0, 2)`` so that ``πs ~ U[0, 2π)``, and derivatives are ``∂/∂(πs)`` — ``X**s``
  gives the same numbers as ``rx(φ)``.  ``exponent_symbols='symbol'`` keeps ``s ~ U[0, 2)``
  but differentiates by ``s`` itself (variances times ``π²``); ``'refuse'`` raises.
* the offset ``d`` does not matter (the angle is uniform modulo ``2π``).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from typing import Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc import circuits

from ..bound import AssumptionFailed
from .generators import PauliFactor, pauli_factors
from .paulis import LocalMap, PauliTable, bit_mask, clifford_local_map, n_words, pack_pauli_sum, rotation_local_map
from .ties import tie_convention

__all__ = [
    "resolve_parameters",
    "ParameterInfo",
    "CliffordGroup",
    "RotationGroup",
    "FixedRotation",
    "TiedRotation",
    "NoiseChannel",
    "MultiQubitChannel",
    "multi_qubit_transfer_matrix",
    "OperationNoiseModel",
    "MAX_CHANNEL_QUBITS",
    "PauliPathProgram",
    "channel_transfer_matrix",
    "compile_program",
    "circuit_symbols",
    "backward_cone_moments",
    "forward_cone_qubits",
    "EXPONENT_CONVENTIONS",
    "MAX_CLIFFORD_QUBITS",
]

EXPONENT_CONVENTIONS = circuits.EXPONENT_CONVENTIONS
MAX_CLIFFORD_QUBITS = 4
_TOL = 1e-9
_LETTERS = {cirq.X: (1, 0), cirq.Y: (1, 1), cirq.Z: (0, 1)}


@dataclasses.dataclass(frozen=True)
class ParameterInfo:
    """A trainable symbol of the light cone and the rotation it drives.

    ``frequency`` is the chain-rule factor of the derivative (``c`` or ``k``, see the module
    docstring); the variance carries ``frequency²``.  A *tied* parameter (one symbol driving
    several commuting Pauli rotations, see :class:`TiedRotation`) has ``tied=True``, its
    averaging ``period`` and ``frequency = (1 or π)/q`` (the derivative by the reported
    variable in units of the integer-harmonic variable ``u``).
    """

    symbol: sympy.Symbol
    frequency: float
    moment: int
    operation: cirq.Operation
    pauli: cirq.PauliString
    unit: str  # 'radian' or 'half-turn'
    period: Optional[float] = None  # s ~ U[0, period); None: the convention's (2π or 2)
    operations: tuple = ()  # tied parameters: every (operation, moment) the symbol drives
    tied: bool = False


@dataclasses.dataclass(frozen=True)
class CliffordGroup:
    lmap: LocalMap
    offsets: tuple[int, ...]
    anchors: tuple[int, ...]
    anchor_mask: np.ndarray
    clear_mask: np.ndarray


@dataclasses.dataclass(frozen=True)
class RotationGroup:
    lmap: LocalMap
    offsets: tuple[int, ...]
    anchors: tuple[int, ...]
    anchor_mask: np.ndarray
    params: tuple[int, ...]  # index into PauliPathProgram.parameters, per anchor
    flip_x_mask: np.ndarray  # P's x bits for all anchors together
    flip_z_mask: np.ndarray


@dataclasses.dataclass(frozen=True)
class FixedRotation:
    lmap: LocalMap
    offsets: tuple[int, ...]
    anchor: int
    anchor_mask: np.ndarray
    cos: float
    sin: float
    flip_x_mask: np.ndarray
    flip_z_mask: np.ndarray
    operation: cirq.Operation


@dataclasses.dataclass(frozen=True)
class TiedRotation:
    """One symbol driving several commuting Pauli rotations, averaged jointly (:mod:`~bpcalc.bounds.exact.ties`).

    ``exp(-i φ_j P_j / 2)`` with ``φ_j = harmonics[j]·u + phases[j]``, ``u ~ U[0, 2π)``; per
    rotation ``j`` the rotation's local map, offsets, anchor and flip masks as in
    :class:`FixedRotation`.  ``amplification`` bounds the l1 growth of the pair weights
    (``2^k``), ``derivative_amplification`` that of the differentiated column
    (``(Σ|n_j|)² 2^k``, before the chain-rule factor).
    """

    param: int
    lmaps: tuple
    offsets: tuple
    anchors: tuple[int, ...]
    anchor_masks: tuple
    flip_x_masks: tuple
    flip_z_masks: tuple
    harmonics: tuple[int, ...]
    phases: tuple[float, ...]
    operations: tuple

    @property
    def amplification(self) -> float:
        return 2.0 ** len(self.harmonics)

    @property
    def derivative_amplification(self) -> float:
        return float(sum(abs(h) for h in self.harmonics)) ** 2 * self.amplification


@dataclasses.dataclass(frozen=True)
class NoiseChannel:
    """A single-qubit channel on local qubit ``qubit``: ``E*(σ_b) = Σ_a transfer[a, b] σ_a``.

    ``diagonal`` channels (Pauli channels, phase damping) only rescale each Pauli letter;
    the others branch a string into several (they need pair mode).  ``amplification`` is
    ``max_b Σ_a |transfer[a, b]|``, the largest growth of the l1 weight of one copy.
    """

    qubit: int
    anchor_mask: np.ndarray
    transfer: np.ndarray  # (4, 4) real, rows/columns I, X, Y, Z
    diagonal: bool
    amplification: float
    operation: cirq.Operation


_PAULI_MATRICES = (
    np.eye(2, dtype=complex),
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
)


def channel_transfer_matrix(kraus: Sequence[np.ndarray]) -> np.ndarray:
    """Heisenberg transfer matrix ``T[a, b] = ½ Tr[σ_a Σ_K K† σ_b K]`` of a single-qubit channel.

    Raises
    ------
    ValueError : the Kraus operators are not 2×2 or the channel is not trace preserving.

    Examples
    --------
    >>> import cirq
    >>> t = channel_transfer_matrix(cirq.kraus(cirq.amplitude_damp(0.1)))
    >>> [round(float(v), 6) for v in (t[0, 3], t[3, 3], t[1, 1], t[2, 2])]  # Z -> 0.1 I + 0.9 Z
    [0.1, 0.9, 0.948683, 0.948683]
    """
    ks = [np.asarray(k, dtype=complex) for k in kraus]
    if not ks or any(k.shape != (2, 2) for k in ks):
        raise ValueError("a single-qubit channel needs 2x2 Kraus operators")
    if not np.allclose(sum(k.conj().T @ k for k in ks), np.eye(2), atol=1e-10):
        raise ValueError("the channel is not trace preserving (sum of K^dagger K is not the identity)")
    t = np.zeros((4, 4))
    for b, sb in enumerate(_PAULI_MATRICES):
        dual = sum(k.conj().T @ sb @ k for k in ks)
        for a, sa in enumerate(_PAULI_MATRICES):
            t[a, b] = 0.5 * float(np.trace(sa @ dual).real)
    t[np.abs(t) < 1e-15] = 0.0
    return t


@dataclasses.dataclass(frozen=True)
class MultiQubitChannel:
    """A channel on ``k = len(qubits)`` local qubits: ``E*(σ_b) = Σ_a transfer[a, b] σ_a``.

    Pauli strings on the channel's qubits are indexed ``Σ_j letter_j 4^j`` (letter of
    ``qubits[j]``: 0..3 = I, X, Y, Z).  Pauli channels (``cirq.depolarize(p, n_qubits=2)``,
    two-qubit ``asymmetric_depolarize``) are ``diagonal``: every string is scaled by its
    Pauli-transfer eigenvalue; other Kraus channels branch (pair mode).
    ``amplification = max_b Σ_a |transfer[a, b]|``.
    """

    qubits: tuple[int, ...]
    transfer: np.ndarray  # (4^k, 4^k) real
    diagonal: bool
    amplification: float
    operation: cirq.Operation


MAX_TIED_ROTATIONS = 62
"""Most rotations one shared symbol may drive inside the light cone (bit masks of 64-bit words)."""
MAX_CHANNEL_QUBITS = 3
"""Largest channel (in qubits) whose ``4^k × 4^k`` Pauli-transfer matrix the engine builds."""


def _pauli_string_matrix(index: int, k: int) -> np.ndarray:
    """``σ`` of the multi-letter ``index`` (letter of qubit ``j`` = digit ``j`` base 4) in Cirq's qubit order."""
    mat = np.ones((1, 1), dtype=complex)
    for j in range(k):
        mat = np.kron(mat, _PAULI_MATRICES[(index >> (2 * j)) & 3])
    return mat


def multi_qubit_transfer_matrix(kraus: Sequence[np.ndarray], k: int) -> np.ndarray:
    """``T[a, b] = 2^{-k} Tr[σ_a Σ_K K† σ_b K]`` of a ``k``-qubit channel (indices as in :class:`MultiQubitChannel`).

    Raises
    ------
    ValueError : Kraus operators of the wrong size or a channel that is not trace preserving.

    Examples
    --------
    >>> import cirq
    >>> t = multi_qubit_transfer_matrix(cirq.kraus(cirq.depolarize(0.15, n_qubits=2)), 2)
    >>> round(float(t[0, 0]), 6), round(float(t[5, 5]), 6), bool(np.allclose(t, np.diag(np.diag(t))))
    (1.0, 0.84, True)
    """
    dim = 2**k
    ks = [np.asarray(kk, dtype=complex) for kk in kraus]
    if not ks or any(kk.shape != (dim, dim) for kk in ks):
        raise ValueError(f"a {k}-qubit channel needs {dim}x{dim} Kraus operators")
    if not np.allclose(sum(kk.conj().T @ kk for kk in ks), np.eye(dim), atol=1e-10):
        raise ValueError("the channel is not trace preserving (sum of K^dagger K is not the identity)")
    sig = [_pauli_string_matrix(i, k) for i in range(4**k)]
    t = np.zeros((4**k, 4**k))
    for b, sb in enumerate(sig):
        dual = sum(kk.conj().T @ sb @ kk for kk in ks)
        for a, sa in enumerate(sig):
            t[a, b] = float(np.trace(sa @ dual).real) / dim
    t[np.abs(t) < 1e-15] = 0.0
    return t


def _multi_qubit_channel(op: cirq.Operation, local: dict, m: int) -> MultiQubitChannel:
    k = len(op.qubits)
    if k > MAX_CHANNEL_QUBITS:
        raise AssumptionFailed(
            f"noise channel {op} in moment {m} acts on {k} qubits; the Pauli-path engine builds Pauli-transfer "
            f"matrices of channels on at most {MAX_CHANNEL_QUBITS} qubits"
        )
    try:
        t = multi_qubit_transfer_matrix(cirq.kraus(op), k)
    except ValueError as exc:
        raise ValueError(f"noise channel {op} in moment {m}: {exc}") from None
    return MultiQubitChannel(
        qubits=tuple(local[q] for q in op.qubits), transfer=t, diagonal=bool(np.all(t == np.diag(np.diag(t)))),
        amplification=float(np.abs(t[:, 1:]).sum(axis=0).max()), operation=op,
    )


class OperationNoiseModel(cirq.NoiseModel):
    """A ``k``-qubit channel after every ``k``-qubit operation, on that operation's qubits.

    The usual model of two-qubit gate errors (``cirq.depolarize(p, n_qubits=2)`` after every
    CZ); channels and measurements get no noise.

    Examples
    --------
    >>> import cirq
    >>> a, b = cirq.LineQubit.range(2)
    >>> c = cirq.Circuit(cirq.H(a), cirq.CZ(a, b)).with_noise(OperationNoiseModel(cirq.depolarize(0.1, n_qubits=2)))
    >>> len(c), sum(1 for op in c.all_operations() if not cirq.has_unitary(op))
    (3, 1)
    """

    def __init__(self, channel: cirq.Gate) -> None:
        if not cirq.has_kraus(channel):
            raise ValueError(f"{channel} is not a channel")
        self.channel = channel
        self.k = cirq.num_qubits(channel)

    def noisy_moment(self, moment: cirq.Moment, system_qubits):
        extra = [self.channel.on(*op.qubits) for op in moment.operations
                 if len(op.qubits) == self.k and not cirq.is_measurement(op)
                 and (cirq.is_parameterized(op) or cirq.has_unitary(op))]
        return [moment, cirq.Moment(extra)] if extra else moment


def _noise_channel(op: cirq.Operation, local: dict, n_local: int, m: int):
    if len(op.qubits) != 1:
        return _multi_qubit_channel(op, local, m)
    try:
        t = channel_transfer_matrix(cirq.kraus(op))
    except ValueError as exc:
        raise ValueError(f"noise channel {op} in moment {m}: {exc}") from None
    j = local[op.qubits[0]]
    off = t[:, 1:].copy()
    off[1:, :] -= np.diag(np.diag(t)[1:])
    return NoiseChannel(
        qubit=j, anchor_mask=bit_mask([j], n_local), transfer=t, diagonal=bool(np.all(off == 0)),
        amplification=float(np.abs(t[:, 1:]).sum(axis=0).max()), operation=op,
    )


@dataclasses.dataclass(frozen=True, eq=False)
class PauliPathProgram:
    """A compiled circuit: instructions per moment (circuit order) on the cone's qubits.

    Attributes
    ----------
    qubits : the light cone's qubits (local index = position in this tuple).
    state_qubits : the qubits the input state is defined on (default: the light cone's qubits).
    positions : index in ``state_qubits`` of each local qubit.
    moments : per moment, the tuple of instructions (circuit order).
    parameters : the trainable symbols inside the light cone, in order of appearance.
    symbols : every symbol of the circuit, in order of appearance.
    observable : the non-identity terms, packed on local qubits.
    identity : the coefficient of the identity term.
    n_fixed_rotations : instructions that branch a string into several: non-Clifford constant
        rotations and non-diagonal channels in the cone (they need pair mode).
    n_channels : noise channels in the cone.
    n_tied : :class:`TiedRotation` instructions (shared symbols / multi-term generators); only
        exact (or truncated) Pauli-pair enumeration handles them.
    exponent_symbols : the convention used for half-turn symbols.
    """

    qubits: tuple
    state_qubits: tuple
    positions: tuple[int, ...]
    moments: tuple[tuple, ...]
    parameters: tuple[ParameterInfo, ...]
    symbols: tuple[sympy.Symbol, ...]
    observable: PauliTable
    identity: float
    n_fixed_rotations: int
    exponent_symbols: str
    n_channels: int = 0
    n_tied: int = 0

    @property
    def n_local(self) -> int:
        return len(self.qubits)

    @property
    def n_words(self) -> int:
        return n_words(self.n_local)

    @property
    def parameter_index(self) -> dict:
        return {p.symbol: i for i, p in enumerate(self.parameters)}

    def amplification_suffix(self) -> list[float]:
        """``A[m]``: product of ``(|cos| + |sin|)²`` over fixed rotations in moments ``< m``.

        Bounds how much a unit of pair weight held before moment ``m`` (backwards) can grow.
        """
        out = [1.0] * (len(self.moments) + 1)
        for m, moment in enumerate(self.moments):
            f = 1.0
            for ins in moment:
                if isinstance(ins, FixedRotation):
                    f *= (abs(ins.cos) + abs(ins.sin)) ** 2
                elif isinstance(ins, TiedRotation):
                    f *= ins.amplification
                elif isinstance(ins, (NoiseChannel, MultiQubitChannel)):
                    f *= max(ins.amplification, 1.0) ** 2
            out[m + 1] = out[m] * f
        return out


_INV_PI = sympy.pi**-1


def _op_symbols(op: cirq.Operation, eigen_types: dict) -> list:
    """Symbols of one operation; ``eigen_types`` caches ``isinstance(type, EigenGate)``."""
    gate = getattr(op, "gate", None)
    is_eigen = False
    if gate is not None:
        t = type(gate)
        is_eigen = eigen_types.get(t)
        if is_eigen is None:
            is_eigen = eigen_types[t] = isinstance(gate, cirq.EigenGate)
    if is_eigen:
        e = gate.exponent
        te = type(e)
        if te is sympy.Symbol:
            return [e]
        if te is sympy.Mul:  # e.g. θ/π from cirq.rx(θ)
            args = e.args
            if len(args) == 2:
                a, b = args
                if type(a) is not sympy.Symbol:
                    a, b = b, a
                if type(a) is sympy.Symbol and (b == _INV_PI or b.is_Number):
                    return [a]
        return sorted(e.free_symbols, key=lambda s: s.name) if isinstance(e, sympy.Basic) else []
    return circuits.sort_symbols(cirq.parameter_symbols(op))


def circuit_symbols(circuit: cirq.AbstractCircuit) -> list[sympy.Symbol]:
    """Every symbol of ``circuit`` in order of first appearance (fast path for Eigen gates)."""
    circuits.require_circuit(circuit)
    seen: dict = {}
    eigen_types: dict = {}
    for moment in circuit:
        for op in moment.operations:
            for s in _op_symbols(op, eigen_types):
                seen.setdefault(s, None)
    return list(seen)


def backward_cone_moments(circuit: cirq.AbstractCircuit, support: set) -> tuple[list[list[cirq.Operation]], set]:
    """Operations of the causal backward light cone of ``support``, per moment, and its qubits."""
    reached = set(support)
    kept: list[list[cirq.Operation]] = [[] for _ in range(len(circuit))]
    for m in range(len(circuit) - 1, -1, -1):
        for op in circuit[m].operations:
            qs = op.qubits
            if not reached.isdisjoint(qs):
                kept[m].append(op)
                reached.update(qs)
    return kept, reached


def forward_cone_qubits(circuit: cirq.AbstractCircuit, start: dict) -> set:
    """Qubits of the causal forward light cone of operations ``start`` (``{op: moment}``)."""
    first = min(start.values(), default=len(circuit))
    reached: set = set()
    starters = {m: [] for m in start.values()}
    for op, m in start.items():
        starters[m].append(op)
    for m in range(first, len(circuit)):
        for op in starters.get(m, []):
            reached.update(op.qubits)
        for op in circuit[m].operations:
            if any(q in reached for q in op.qubits):
                reached.update(op.qubits)
    return reached


def _frequency(coefficient: float, op: cirq.Operation, convention: str) -> tuple[float, str]:
    """Chain-rule factor and unit of a symbol (the convention of :func:`circuits.parameter_convention`)."""
    try:
        conv = circuits.parameter_convention(coefficient, convention)
    except ValueError as exc:
        raise AssumptionFailed(f"operation {op}: {exc}") from None
    return conv.frequency, conv.unit


def _pauli_slots(pauli: cirq.PauliString, local: dict) -> tuple[list[int], list[tuple[int, int]]]:
    items = sorted(((local[q], _LETTERS[p]) for q, p in pauli.items()), key=lambda t: t[0])
    return [i for i, _ in items], [b for _, b in items]


def _rotation_of(item) -> Optional[tuple[cirq.PauliString, object]]:
    """``(pauli, angle)`` of an expanded item if it is a Pauli rotation, else None."""
    kind, obj, _, rot = item
    if kind == "factor":
        return obj.pauli, obj.angle
    return None if rot is None else (rot.pauli, rot.angle)


def _is_clifford(op: cirq.Operation, cache: dict) -> bool:
    if len(op.qubits) > MAX_CLIFFORD_QUBITS:
        return False
    gate = getattr(op, "gate", None)
    key = (gate, len(op.qubits)) if gate is not None else None
    if key is not None:
        try:
            if key in cache:
                return cache[key]
        except TypeError:  # an unhashable gate
            key = None
    u = cirq.unitary(op, None)
    found = u is not None and clifford_local_map(u) is not None
    if key is not None:
        cache[key] = found
    return found


def _expand_moment(ops: Sequence[cirq.Operation], m: int, cache: dict) -> list[list[tuple]]:
    """The moment's operations as layers of items ``(kind, object, origin operation)``.

    ``kind`` is ``'op'`` (a channel, a Pauli rotation, a Clifford gate, or an operation the
    main loop refuses) or ``'factor'`` (a :class:`~bpcalc.bounds.exact.generators.PauliFactor`
    of a decomposed gate); the ``j``-th piece of a decomposed gate goes to layer ``j``, so that
    every layer acts on disjoint qubits and layers are in time order.
    """
    layers: list[list[tuple]] = [[]]
    for op in ops:
        if cirq.is_measurement(op):
            raise AssumptionFailed(f"the circuit contains a measurement {op} in moment {m}; a unitary circuit is needed")
        param = cirq.is_parameterized(op)
        if not param and not cirq.has_unitary(op) and cirq.has_kraus(op):
            layers[0].append(("op", op, op, None))
            continue
        rot = circuits.as_pauli_rotation(op)
        if rot is not None:
            layers[0].append(("op", op, op, rot))
            continue
        if not param:
            if len(op.qubits) == 0:
                continue
            if _is_clifford(op, cache):
                layers[0].append(("op", op, op, None))
                continue
        pieces = pauli_factors(op)
        if pieces is None:
            if param:
                raise AssumptionFailed(
                    f"operation {op} in moment {m} has symbols {sorted(cirq.parameter_names(op)) or '(symbolic angles)'} "
                    "but is not a product of Pauli rotations with rational generator coefficients; the exact engine "
                    "takes rx/ry/rz, X**t-style gates, XX/YY/ZZ**t, PauliStringPhasor, CZ**t / cphase, controlled "
                    "rotations (crz …), FSimGate, PhasedXPowGate / PhasedXZGate, u3 (QasmUGate) and gates whose Cirq "
                    "decomposition consists of those"
                )
            layers[0].append(("op", op, op, None))  # the main loop names what is wrong with it
            continue
        for j, piece in enumerate(pieces):
            while len(layers) <= j:
                layers.append([])
            if isinstance(piece, PauliFactor):
                layers[j].append(("factor", piece, op, None))
            else:
                layers[j].append(("op", piece, op, circuits.as_pauli_rotation(piece)))
    return [layer for layer in layers if layer] or [[]]


def _item_op(item) -> cirq.Operation:
    kind, obj = item[0], item[1]
    return obj.operation() if kind == "factor" else obj


def _commutes_with(item, pauli: cirq.PauliString) -> bool:
    """Does the item commute with every rotation ``exp(-iφ·pauli/2)``?  (Conservative: False if unsure.)"""
    op = _item_op(item)
    if not set(op.qubits) & set(pauli.qubits):
        return True
    rot = _rotation_of(item)
    if rot is not None:
        return bool(cirq.commutes(rot[0], pauli))
    qs = list(op.qubits)
    restricted = cirq.PauliString({q: pauli[q] for q in qs if q in pauli.qubits})
    mat = restricted.matrix(qs)
    if not cirq.is_parameterized(op) and cirq.has_unitary(op):
        u = cirq.unitary(op)
        return bool(np.allclose(u @ mat, mat @ u, atol=1e-10))
    if not cirq.is_parameterized(op) and cirq.has_kraus(op):
        ks = [np.asarray(k) for k in cirq.kraus(op)]
        if set(pauli.qubits) - set(qs):
            # The rotation also acts outside the channel's qubits.  Unlike a unitary, a channel that
            # commutes with the restricted rotation need not commute with the full one (amplitude
            # damping on the control of a ZZ rotation moves population between the control's
            # eigenspaces).  The outside part matters only through its ±1 eigenspaces, so one extra
            # qubit carrying Z represents it exactly.
            z = np.diag([1.0, -1.0])
            mat = np.kron(mat, z)
            ks = [np.kron(k, np.eye(2)) for k in ks]
        sup = sum(np.kron(k, k.conj()) for k in ks)
        for phi in (0.7, 2.1):
            r = np.cos(phi / 2) * np.eye(len(mat)) - 1j * np.sin(phi / 2) * mat
            sr = np.kron(r, r.conj())
            if not np.allclose(sup @ sr, sr @ sup, atol=1e-10):
                return False
        return True
    return False


def _tied_groups(subs: list, exponent_symbols: str) -> dict:
    """``{symbol: (first sub-moment, [(sub, index, unit pauli, coefficient, offset, origin)], TieConvention)}``.

    A symbol is *tied* when it drives several Pauli rotations of the light cone.  Refused (one
    line naming the gates) when two of its generators do not commute, or when a rotation cannot
    be moved next to the first one because a gate in between does not commute with it.
    """
    counts: dict = {}
    eigen_types: dict = {}
    for _, items in subs:
        for kind, obj, _, _ in items:
            syms = obj.angle.free_symbols if kind == "factor" else _op_symbols(obj, eigen_types)
            for sym in syms:
                counts[sym] = counts.get(sym, 0) + 1
    shared = {sym for sym, c in counts.items() if c > 1}
    if not shared:
        return {}
    occ: dict = {}
    for si, (m, items) in enumerate(subs):
        for ii, item in enumerate(items):
            kind, obj = item[0], item[1]
            syms = obj.angle.free_symbols if kind == "factor" else _op_symbols(obj, eigen_types)
            if not shared.intersection(syms):
                continue
            rot = _rotation_of(item)
            if rot is None:
                continue
            pauli, angle = rot
            try:
                aff = circuits.affine_angle(angle)
            except ValueError as exc:
                raise AssumptionFailed(f"operation {item[2]} in moment {m}: {exc}") from None
            if aff.symbol is None:
                continue
            sign = 1.0 if complex(pauli.coefficient).real > 0 else -1.0
            occ.setdefault(aff.symbol, []).append(
                (si, ii, pauli.with_coefficient(1), sign * aff.coefficient, sign * aff.offset, item[2], m)
            )
    tied = {s: lst for s, lst in occ.items() if len(lst) > 1}
    if not tied:
        return {}
    member = {(o[0], o[1]): s for s, lst in tied.items() for o in lst}
    out = {}
    for sym, lst in tied.items():
        if len(lst) > MAX_TIED_ROTATIONS:
            raise AssumptionFailed(
                f"symbol {sym} drives {len(lst)} rotations in the light cone; the joint average of a shared symbol "
                f"handles at most {MAX_TIED_ROTATIONS} (use one symbol per gate, or a smaller light cone)"
            )
        for a in range(len(lst)):
            for b in range(a + 1, len(lst)):
                if not cirq.commutes(lst[a][2], lst[b][2]):
                    raise AssumptionFailed(
                        f"symbol {sym} drives non-commuting rotations: {lst[a][2]} (in {lst[a][5]}, moment {lst[a][6]}) "
                        f"and {lst[b][2]} (in {lst[b][5]}, moment {lst[b][6]}); a shared parameter is averaged exactly "
                        "only when the generators of its gates commute (use one symbol per gate)"
                    )
        first = min(o[0] for o in lst)
        for si, ii, pauli, _, _, origin, m in lst:
            for sj in range(first, si):
                for jj, other in enumerate(subs[sj][1]):
                    owner = member.get((sj, jj))
                    if owner == sym or (sj == first and owner is None):
                        continue
                    if not _commutes_with(other, pauli):
                        raise AssumptionFailed(
                            f"symbol {sym}: its rotation {pauli} (in {origin}, moment {m}) does not commute with "
                            f"{other[2]} (moment {subs[sj][0]}) between it and the symbol's first gate; a shared "
                            "parameter is averaged exactly only when its rotations can be brought together"
                        )
        try:
            conv = tie_convention([o[3] for o in lst], exponent_symbols, sym.name)
        except ValueError as exc:
            raise AssumptionFailed(f"symbol {sym} (gates {sorted({str(o[5]) for o in lst})}): {exc}") from None
        out[sym] = (first, lst, conv)
    return out


def compile_program(
    circuit: cirq.AbstractCircuit,
    observable: cirq.PauliSum,
    state_qubits: Optional[Sequence[cirq.Qid]] = None,
    exponent_symbols: str = "angle",
    symbols: Optional[Sequence[sympy.Symbol]] = None,
) -> PauliPathProgram:
    """Compile ``circuit`` and ``observable`` into a :class:`PauliPathProgram`.

    Gates that are not single Pauli rotations or Cliffords are first written as products of
    Pauli rotations (:func:`~bpcalc.bounds.exact.generators.pauli_factors`: ``crz``, ``CZ**t``,
    ``FSimGate``, ``u3`` …); the pieces of one gate become consecutive program moments.  A
    symbol driving several rotations of the light cone becomes one :class:`TiedRotation`
    (averaged jointly, :mod:`~bpcalc.bounds.exact.ties`), placed right after the moment of its
    first rotation.

    Raises
    ------
    TypeError : ``circuit`` is not a Cirq circuit.
    AssumptionFailed : (a ``ValueError``) the circuit is outside the engine's scope: a shared
        symbol whose rotations do not commute (or cannot be brought together), a non-affine
        angle, a non-integer frequency of an independent symbol (or non-rational ones of a
        shared symbol), a symbol inside a gate that is not a product of Pauli rotations, a
        constant gate that is neither Clifford nor such a product, measurements, or an
        observable on qubits the state does not cover.
    """
    circuits.require_circuit(circuit)
    if exponent_symbols not in EXPONENT_CONVENTIONS:
        raise ValueError(f"exponent_symbols must be one of {EXPONENT_CONVENTIONS}, got {exponent_symbols!r}")
    observable = circuits.as_pauli_sum(observable)
    obs_support = set(q for ps in observable for q in ps.qubits)
    kept, reached = backward_cone_moments(circuit, obs_support)
    cone_qubits = sorted(q for q in reached)
    # only the light cone's qubits matter; by default the state lives on them
    state_qubits = tuple(cone_qubits) if state_qubits is None else tuple(state_qubits)
    missing = set(cone_qubits) - set(state_qubits)
    if missing:
        raise AssumptionFailed(f"qubits {sorted(missing)} of the circuit/observable are not among the state's qubits")
    local = {q: j for j, q in enumerate(cone_qubits)}
    n_local = len(cone_qubits)
    state_index = {q: j for j, q in enumerate(state_qubits)}
    positions = tuple(state_index[q] for q in cone_qubits)

    clifford_cache: dict = {}
    subs = [(m, layer) for m, ops in enumerate(kept) for layer in _expand_moment(ops, m, clifford_cache)]
    ties = _tied_groups(subs, exponent_symbols)
    tied_items = {(o[0], o[1]) for _, lst, _ in ties.values() for o in lst}
    placed: dict = {}
    for sym, (first, lst, _) in ties.items():
        placed.setdefault(first, []).append(sym)

    parameters: list[ParameterInfo] = []
    seen_symbols: dict = {}
    lmap_cache: dict = {}
    moments: list[tuple] = []
    n_fixed = 0
    n_channels = 0
    n_tied = 0
    for si, (m, items) in enumerate(subs):
        clifford_groups: dict = {}
        rotation_groups: dict = {}
        fixed: list = []
        for ii, item in enumerate(items):
            if (si, ii) in tied_items:
                continue
            op = _item_op(item)
            if not cirq.is_parameterized(op) and not cirq.has_unitary(op) and cirq.has_kraus(op):
                ch = _noise_channel(op, local, n_local, m)
                if np.allclose(ch.transfer, np.eye(len(ch.transfer)), atol=1e-15):
                    continue  # e.g. depolarize(0)
                fixed.append(ch)
                n_channels += 1
                n_fixed += not ch.diagonal
                continue
            rot = item[3] if item[0] == "op" else circuits.as_pauli_rotation(op)
            if rot is not None and len(rot.pauli) == 0:
                continue  # a global phase
            if rot is not None and rot.is_parametrized:
                try:
                    aff = circuits.affine_angle(rot.angle)
                except ValueError as exc:
                    raise AssumptionFailed(f"operation {op} in moment {m}: {exc}") from None
                if aff.symbol in seen_symbols:  # pragma: no cover - shared symbols are tied above
                    raise AssumptionFailed(f"symbol {aff.symbol} drives two rotations ({seen_symbols[aff.symbol]} and {op})")
                seen_symbols[aff.symbol] = op
                freq, unit = _frequency(aff.coefficient, item[2], exponent_symbols)
                slots, bits = _pauli_slots(rot.pauli, local)
                parameters.append(
                    ParameterInfo(symbol=aff.symbol, frequency=freq, moment=m, operation=op, pauli=rot.pauli, unit=unit)
                )
                offsets = tuple(s - slots[0] for s in slots)
                key = (tuple(bits), offsets)
                rotation_groups.setdefault(key, []).append((slots[0], len(parameters) - 1))
                continue
            if cirq.is_parameterized(op):  # pragma: no cover - refused by _expand_moment
                raise AssumptionFailed(f"operation {op} in moment {m} carries symbols but is not a Pauli rotation")
            if rot is not None:
                phi = float(rot.angle) * (1.0 if complex(rot.pauli.coefficient).real > 0 else -1.0)
                quarter = phi / (math.pi / 2)
                if abs(quarter - round(quarter)) > 1e-12:
                    slots, bits = _pauli_slots(rot.pauli, local)
                    offsets = tuple(s - slots[0] for s in slots)
                    lm = lmap_cache.setdefault(("rot", tuple(bits)), rotation_local_map(bits))
                    fx = bit_mask([s for s, b in zip(slots, bits) if b[0]], n_local)
                    fz = bit_mask([s for s, b in zip(slots, bits) if b[1]], n_local)
                    fixed.append(
                        FixedRotation(
                            lmap=lm, offsets=offsets, anchor=slots[0], anchor_mask=bit_mask([slots[0]], n_local),
                            cos=math.cos(phi), sin=math.sin(phi), flip_x_mask=fx, flip_z_mask=fz, operation=op,
                        )
                    )
                    n_fixed += 1
                    continue
            if len(op.qubits) == 0:
                continue
            if len(op.qubits) > MAX_CLIFFORD_QUBITS:
                raise AssumptionFailed(
                    f"operation {op} acts on {len(op.qubits)} qubits; constant gates on more than "
                    f"{MAX_CLIFFORD_QUBITS} qubits are not supported (decompose it)"
                )
            u = cirq.unitary(op, None)
            if u is None:
                raise AssumptionFailed(f"operation {op} in moment {m} has no unitary (a channel or measurement?)")
            key_u = (u.shape, np.round(u, 12).tobytes())
            if key_u not in lmap_cache:
                lmap_cache[key_u] = clifford_local_map(u)
            lm = lmap_cache[key_u]
            if lm is None:
                raise AssumptionFailed(
                    f"operation {op} in moment {m} is neither Clifford nor a product of Pauli rotations; the "
                    "Pauli-path engine handles Clifford gates, Pauli rotations (trainable or constant) and gates that "
                    "decompose into them exactly"
                )
            if np.array_equal(lm.table, np.arange(len(lm.table))) and np.all(lm.signs == 1):
                continue  # identity (up to phase)
            slots = [local[q] for q in op.qubits]
            offsets = tuple(s - slots[0] for s in slots)
            clifford_groups.setdefault((id(lm), offsets), (lm, []))[1].append(slots[0])
        instructions: list = []
        for (_, offsets), (lm, anchors) in clifford_groups.items():
            am = bit_mask(anchors, n_local)
            clear = np.zeros_like(am)
            for off in offsets:
                clear |= bit_mask([a + off for a in anchors], n_local)
            instructions.append(CliffordGroup(lmap=lm, offsets=offsets, anchors=tuple(anchors), anchor_mask=am, clear_mask=clear))
        for (bits, offsets), members in rotation_groups.items():
            lm = lmap_cache.setdefault(("rot", bits), rotation_local_map(list(bits)))
            anchors = [a for a, _ in members]
            fx = bit_mask([a + off for a in anchors for off, b in zip(offsets, bits) if b[0]], n_local)
            fz = bit_mask([a + off for a in anchors for off, b in zip(offsets, bits) if b[1]], n_local)
            instructions.append(
                RotationGroup(
                    lmap=lm, offsets=offsets, anchors=tuple(anchors), anchor_mask=bit_mask(anchors, n_local),
                    params=tuple(p for _, p in members), flip_x_mask=fx, flip_z_mask=fz,
                )
            )
        instructions.extend(fixed)
        moments.append(tuple(instructions))
        for sym in placed.get(si, []):
            _, lst, conv = ties[sym]
            parameters.append(ParameterInfo(
                symbol=sym, frequency=conv.frequency, moment=lst[0][6], operation=lst[0][5], pauli=lst[0][2],
                unit=conv.unit, period=conv.period, operations=tuple((o[5], o[6]) for o in lst), tied=True,
            ))
            moments.append((_tied_rotation(lst, conv, len(parameters) - 1, local, n_local, lmap_cache),))
            n_tied += 1
            n_fixed += 1
    obs_table, identity = pack_pauli_sum(observable, local, n_local)
    return PauliPathProgram(
        qubits=tuple(cone_qubits),
        state_qubits=state_qubits,
        positions=positions,
        moments=tuple(moments),
        parameters=tuple(parameters),
        symbols=tuple(circuit_symbols(circuit) if symbols is None else symbols),
        observable=obs_table,
        identity=identity,
        n_fixed_rotations=n_fixed,
        exponent_symbols=exponent_symbols,
        n_channels=n_channels,
        n_tied=n_tied,
    )


def _tied_rotation(lst, conv, param: int, local: dict, n_local: int, lmap_cache: dict) -> TiedRotation:
    lmaps, offsets, anchors, ams, fxs, fzs = [], [], [], [], [], []
    for o in lst:
        slots, bits = _pauli_slots(o[2], local)
        lmaps.append(lmap_cache.setdefault(("rot", tuple(bits)), rotation_local_map(list(bits))))
        offsets.append(tuple(s - slots[0] for s in slots))
        anchors.append(slots[0])
        ams.append(bit_mask([slots[0]], n_local))
        fxs.append(bit_mask([s for s, b in zip(slots, bits) if b[0]], n_local))
        fzs.append(bit_mask([s for s, b in zip(slots, bits) if b[1]], n_local))
    return TiedRotation(
        param=param, lmaps=tuple(lmaps), offsets=tuple(offsets), anchors=tuple(anchors), anchor_masks=tuple(ams),
        flip_x_masks=tuple(fxs), flip_z_masks=tuple(fzs), harmonics=conv.harmonics,
        phases=tuple(float(o[4]) for o in lst), operations=tuple(o[5] for o in lst),
    )


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
