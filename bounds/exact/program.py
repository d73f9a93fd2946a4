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
from .paulis import LocalMap, PauliTable, bit_mask, clifford_local_map, n_words, pack_pauli_sum, rotation_local_map

__all__ = [
    "resolve_parameters",
    "ParameterInfo",
    "CliffordGroup",
    "RotationGroup",
    "FixedRotation",
    "NoiseChannel",
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
    docstring); the variance carries ``frequency²``.
    """

    symbol: sympy.Symbol
    frequency: float
    moment: int
    operation: cirq.Operation
    pauli: cirq.PauliString
    unit: str  # 'radian' or 'half-turn'


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


def _noise_channel(op: cirq.Operation, local: dict, n_local: int, m: int) -> NoiseChannel:
    if len(op.qubits) != 1:
        raise AssumptionFailed(
            f"noise channel {op} in moment {m} acts on {len(op.qubits)} qubits; the Pauli-path engine handles "
            "single-qubit channels (depolarize, asymmetric_depolarize, bit/phase flip, phase_damp, amplitude_damp, "
            "generalized_amplitude_damp, or any single-qubit Kraus channel)"
        )
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
                elif isinstance(ins, NoiseChannel):
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


def compile_program(
    circuit: cirq.AbstractCircuit,
    observable: cirq.PauliSum,
    state_qubits: Optional[Sequence[cirq.Qid]] = None,
    exponent_symbols: str = "angle",
    symbols: Optional[Sequence[sympy.Symbol]] = None,
) -> PauliPathProgram:
    """Compile ``circuit`` and ``observable`` into a :class:`PauliPathProgram`.

    Raises
    ------
    TypeError : ``circuit`` is not a Cirq circuit.
    AssumptionFailed : (a ``ValueError``) the circuit is outside the engine's scope: a symbol used by two rotations of the light cone, a non-affine angle or a
        non-integer frequency, a symbol inside a gate that is not a Pauli rotation, a
        constant non-Clifford gate that is not a Pauli rotation, measurements, multi-qubit
        channels, or an observable on qubits the state does not cover.
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

    parameters: list[ParameterInfo] = []
    seen_symbols: dict = {}
    lmap_cache: dict = {}
    moments: list[tuple] = []
    n_fixed = 0
    n_channels = 0
    for m, ops in enumerate(kept):
        clifford_groups: dict = {}
        rotation_groups: dict = {}
        fixed: list = []
        for op in ops:
            if cirq.is_measurement(op):
                raise AssumptionFailed(f"the circuit contains a measurement {op} in moment {m}; a unitary circuit is needed")
            if not cirq.is_parameterized(op) and not cirq.has_unitary(op) and cirq.has_kraus(op):
                ch = _noise_channel(op, local, n_local, m)
                if np.allclose(ch.transfer, np.eye(4), atol=1e-15):
                    continue  # e.g. depolarize(0)
                fixed.append(ch)
                n_channels += 1
                n_fixed += not ch.diagonal
                continue
            rot = circuits.as_pauli_rotation(op)
            if rot is not None and len(rot.pauli) == 0:
                continue  # a global phase
            if rot is not None and rot.is_parametrized:
                try:
                    aff = circuits.affine_angle(rot.angle)
                except ValueError as exc:
                    raise AssumptionFailed(f"operation {op} in moment {m}: {exc}") from None
                if aff.symbol in seen_symbols:
                    raise AssumptionFailed(
                        f"symbol {aff.symbol} drives two rotations of the light cone ({seen_symbols[aff.symbol]} and {op}); "
                        "the exact engines need independent parameters (one gate per symbol)"
                    )
                seen_symbols[aff.symbol] = op
                freq, unit = _frequency(aff.coefficient, op, exponent_symbols)
                slots, bits = _pauli_slots(rot.pauli, local)
                parameters.append(
                    ParameterInfo(symbol=aff.symbol, frequency=freq, moment=m, operation=op, pauli=rot.pauli, unit=unit)
                )
                offsets = tuple(s - slots[0] for s in slots)
                key = (tuple(bits), offsets)
                rotation_groups.setdefault(key, []).append((slots[0], len(parameters) - 1))
                continue
            if cirq.is_parameterized(op):
                raise AssumptionFailed(
                    f"operation {op} in moment {m} has symbols {sorted(s.name for s in cirq.parameter_symbols(op))} "
                    "but is not a Pauli rotation exp(-iθP/2); only rx/ry/rz, XPowGate-style gates, XX/YY/ZZPowGate "
                    "and cirq.PauliStringPhasor may carry trainable symbols"
                )
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
                    f"operation {op} in moment {m} is neither Clifford nor a Pauli rotation; the Pauli-path engine "
                    "handles Clifford gates, Pauli rotations with trainable symbols and constant-angle Pauli rotations"
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
