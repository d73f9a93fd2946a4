"""Circuit DAGs and light cones.

:func:`circuit_graph` turns a circuit into a ``networkx.DiGraph`` whose nodes are the
operations (with their moment index) and whose edges follow each qubit wire.
:func:`backward_light_cone` finds the operations that can influence an observable, in two
flavours: the plain causal cone (as ``cirq.transformers.lightcone_filter``), and a
commutation-aware refinement that back-propagates the observable in the Heisenberg picture
and drops every gate that commutes with it (e.g. ``Rz`` and ``CZ`` in front of ``Z``).

The refinement tracks, for every qubit, the set of Pauli letters the Heisenberg-evolved
observable may carry there (a product-set over-approximation of its Pauli support); a gate
is dropped only if it commutes with *every* Pauli string in that set, so removing it leaves
the expectation value unchanged for every parameter value and every input state.
Parametrized gates are analysed at generic angles.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Iterable, Optional

import cirq
import networkx as nx
import numpy as np
import sympy

from ._validation import require_circuit
from .observables import check_observable_on_circuit, observable_qubits

__all__ = [
    "LightCone",
    "circuit_graph",
    "backward_light_cone",
    "forward_light_cone",
    "parameter_light_cone",
    "parameter_light_cones",
    "ParameterLightCone",
    "pauli_basis",
]

_PAULI_MATS = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}
_LETTERS = "IXYZ"
_GENERIC_ANGLES = (0.5772156649015329, 1.3247179572447460)
_MAX_REFINED_QUBITS = 3


def circuit_graph(circuit: cirq.AbstractCircuit) -> nx.DiGraph:
    """The circuit as a DAG.

    Nodes are integers ``0..N-1`` in moment order with attributes ``op`` (the operation),
    ``moment`` (its moment index) and ``qubits``.  An edge ``u → v`` with attribute
    ``qubit`` joins consecutive operations on the same wire.
    """
    require_circuit(circuit)
    g = nx.DiGraph()
    last: dict[cirq.Qid, int] = {}
    node = 0
    for m, moment in enumerate(circuit):
        for op in moment:
            g.add_node(node, op=op, moment=m, qubits=tuple(op.qubits))
            for q in op.qubits:
                if q in last:
                    if g.has_edge(last[q], node):
                        g.edges[last[q], node]["qubits"] += (q,)
                    else:
                        g.add_edge(last[q], node, qubit=q, qubits=(q,))
                last[q] = node
            node += 1
    return g


@dataclasses.dataclass(frozen=True)
class LightCone:
    """A set of operations (with moment indices) and the qubits they and the observable touch."""

    operations: tuple[tuple[int, cirq.Operation], ...]
    qubits: frozenset
    refined: bool

    @property
    def width(self) -> int:
        """Number of qubits in the cone."""
        return len(self.qubits)

    @property
    def depth(self) -> int:
        """Number of distinct moments holding an operation of the cone."""
        return len({m for m, _ in self.operations})

    @property
    def size(self) -> int:
        return len(self.operations)

    @property
    def symbols(self) -> frozenset:
        return frozenset(s for _, op in self.operations for s in cirq.parameter_symbols(op))

    def contains(self, op: cirq.Operation) -> bool:
        return any(o == op for _, o in self.operations)

    def circuit(self) -> cirq.Circuit:
        """The sub-circuit of the cone, moment structure kept (empty moments dropped)."""
        by_moment: dict[int, list[cirq.Operation]] = {}
        for m, op in self.operations:
            by_moment.setdefault(m, []).append(op)
        return cirq.Circuit(cirq.Moment(by_moment[m]) for m in sorted(by_moment))


def _generic(op: cirq.Operation, which: int) -> cirq.Operation:
    symbols = cirq.parameter_symbols(op)
    if not symbols:
        return op
    value = _GENERIC_ANGLES[which]
    return cirq.resolve_parameters(op, {s: value + 0.1 * k for k, s in enumerate(sorted(symbols, key=str))})


@functools.lru_cache(maxsize=4096)
def pauli_basis(k: int) -> tuple[tuple[str, ...], np.ndarray]:
    """The ``4^k`` Pauli strings on ``k`` qubits: labels (``'IX'`` …, letters in ``IXYZ`` order,
    qubit 0 first) and their matrices, shape ``(4^k, 2^k, 2^k)`` (cached; do not modify)."""
    labels = list(itertools.product(_LETTERS, repeat=k))
    mats = []
    for lab in labels:
        m = np.array([[1.0 + 0j]])
        for c in lab:
            m = np.kron(m, _PAULI_MATS[c])
        mats.append(m)
    return tuple("".join(lab) for lab in labels), np.array(mats)


@functools.lru_cache(maxsize=65536)
def _conjugate_letters(gate_key: cirq.Operation, letter_sets: tuple[frozenset, ...]) -> Optional[tuple[frozenset, ...]]:
    """Propagate letter sets through ``U† P U``; ``None`` if ``U`` commutes with all of them."""
    k = len(letter_sets)
    labels, mats = pauli_basis(k)
    unitaries = [cirq.unitary(_generic(gate_key, w)) for w in range(len(_GENERIC_ANGLES))]
    commutes = True
    out = [set() for _ in range(k)]
    for combo in itertools.product(*[sorted(s) for s in letter_sets]):
        p = _pauli_basis_matrix(combo)
        for u in unitaries:
            conj = u.conj().T @ p @ u
            if commutes and not np.allclose(conj, p, atol=1e-9):
                commutes = False
            coeffs = np.einsum("kij,ji->k", mats.conj(), conj) / (2**k)
            for lab, c in zip(labels, coeffs):
                if abs(c) > 1e-9:
                    for i, ch in enumerate(lab):
                        out[i].add(ch)
    if commutes:
        return None
    return tuple(frozenset(s) for s in out)


def _pauli_basis_matrix(combo: tuple[str, ...]) -> np.ndarray:
    m = np.array([[1.0 + 0j]])
    for c in combo:
        m = np.kron(m, _PAULI_MATS[c])
    return m


def _canonical(op: cirq.Operation) -> cirq.Operation:
    """The op with its symbols renamed to canonical ones and qubits to LineQubits (cache key)."""
    symbols = sorted(cirq.parameter_symbols(op), key=str)
    mapping = {s: sympy.Symbol(f"_s{k}") for k, s in enumerate(symbols)}
    op = op.untagged if isinstance(op, cirq.TaggedOperation) else op
    if mapping:
        op = cirq.resolve_parameters(op, mapping)
    return op.transform_qubits({q: cirq.LineQubit(i) for i, q in enumerate(op.qubits)})


@dataclasses.dataclass
class _PreparedOp:
    qubits: tuple
    key: Optional[cirq.Operation]  # canonical op for the conjugation cache; None: treat as opaque


def _prepare(ops: list[tuple[int, cirq.Operation]]) -> list[_PreparedOp]:
    canon: dict[cirq.Operation, cirq.Operation] = {}
    out = []
    for _, op in ops:
        if len(op.qubits) > _MAX_REFINED_QUBITS:
            out.append(_PreparedOp(tuple(op.qubits), None))
            continue
        key = canon.get(op)
        if key is None:
            key = _canonical(op)
            if not cirq.has_unitary(_generic(key, 0)):
                key = None
            canon[op] = key
        out.append(_PreparedOp(tuple(op.qubits), key))
    return out


def _term_cone(
    prepared: list[_PreparedOp], term: cirq.PauliString, refined: bool
) -> tuple[set[int], set]:
    letters: dict[cirq.Qid, frozenset] = {q: frozenset({str(p)}) for q, p in term.items()}
    kept: set[int] = set()
    qubits: set = set(letters)
    full = frozenset("XYZ")
    identity = frozenset("I")
    for idx in range(len(prepared) - 1, -1, -1):
        op = prepared[idx]
        if not any(q in letters for q in op.qubits):
            continue
        if not refined:
            kept.add(idx)
            for q in op.qubits:
                letters[q] = full
                qubits.add(q)
            continue
        if op.key is None:
            new = tuple(frozenset("IXYZ") for _ in op.qubits)
        else:
            new = _conjugate_letters(op.key, tuple(letters.get(q, identity) for q in op.qubits))
            if new is None:
                continue
        kept.add(idx)
        for q, s in zip(op.qubits, new):
            qubits.add(q)
            if s - identity:
                letters[q] = s
            else:
                letters.pop(q, None)
    return kept, qubits


def _flatten(circuit: cirq.AbstractCircuit) -> list[tuple[int, cirq.Operation]]:
    return [(m, op) for m, moment in enumerate(circuit) for op in moment]


def backward_light_cone(
    circuit: cirq.AbstractCircuit, observable: object, refined: bool = True
) -> LightCone:
    """Operations of ``circuit`` that can influence ``⟨O⟩`` for the observable ``O``.

    Parameters
    ----------
    circuit : any Cirq circuit (unitary operations).
    observable : ``cirq.PauliSum``/``PauliString`` or a Pauli-sum string.
    refined : drop gates that commute with the Heisenberg-evolved observable (default).
        ``False`` gives the plain causal cone.

    Returns
    -------
    LightCone : the cone's operations, qubits (including the observable's support),
        width and depth.  Simulating :meth:`LightCone.circuit` gives the same expectation
        value as the full circuit.

    Raises
    ------
    ValueError : if the observable acts on qubits outside the circuit.
    """
    ops = _flatten(circuit)
    kept, qubits = _backward(ops, check_observable_on_circuit(observable, circuit), refined)
    return LightCone(operations=tuple(ops[i] for i in kept), qubits=qubits, refined=refined)


def _backward(
    ops: list[tuple[int, cirq.Operation]], observable: cirq.PauliSum, refined: bool
) -> tuple[list[int], frozenset]:
    prepared = _prepare(ops) if refined else [_PreparedOp(tuple(op.qubits), None) for _, op in ops]
    kept: set[int] = set()
    qubits: set = set()
    for term in observable:
        if not term.qubits:
            continue
        k, q = _term_cone(prepared, term, refined)
        kept |= k
        qubits |= q
    return sorted(kept), frozenset(qubits)


def forward_light_cone(circuit: cirq.AbstractCircuit, start: Iterable[tuple[int, cirq.Operation]]) -> LightCone:
    """Operations causally after the given ``(moment, op)`` pairs (the pairs included)."""
    ops = _flatten(circuit)
    start = list(start)
    start_ids = {i for i, pair in enumerate(ops) if pair in start}
    if not start_ids:
        return LightCone(operations=(), qubits=frozenset(), refined=False)
    first = min(start_ids)
    live: set = set()
    kept: set[int] = set()
    for i in range(first, len(ops)):
        _, op = ops[i]
        if i in start_ids or live.intersection(op.qubits):
            kept.add(i)
            live.update(op.qubits)
    return LightCone(operations=tuple(ops[i] for i in sorted(kept)), qubits=frozenset(live), refined=False)


@dataclasses.dataclass(frozen=True)
class ParameterLightCone:
    """How one parameter reaches the observable.

    ``gates``: the ``(moment, op)`` pairs using the symbol; ``in_cone``: whether any of them is
    in the observable's (refined) backward cone — if not, the gradient is identically zero;
    ``backward``: the observable's backward cone; ``forward``: the causal future of the
    parameter's gates intersected with the backward cone (the region through which the
    parameter acts on the observable); ``width``/``depth`` of that region.
    """

    symbol: sympy.Symbol
    gates: tuple[tuple[int, cirq.Operation], ...]
    in_cone: bool
    backward: LightCone
    forward: LightCone

    @property
    def width(self) -> int:
        return self.forward.width

    @property
    def depth(self) -> int:
        return self.forward.depth


def parameter_light_cones(
    circuit: cirq.AbstractCircuit,
    observable: object,
    refined: bool = True,
    symbols: Iterable[sympy.Symbol] | None = None,
) -> dict[sympy.Symbol, ParameterLightCone]:
    """:class:`ParameterLightCone` of every parameter (or of ``symbols``) in one pass.

    The causal future of each parameter is propagated forward as a bitmask over parameters
    (one big integer per wire), so all cones cost about one sweep of the circuit plus one
    backward cone.
    """
    require_circuit(circuit)
    ops = _flatten(circuit)
    cone_idx, cone_qubits = _backward(ops, check_observable_on_circuit(observable, circuit), refined)
    cone = LightCone(operations=tuple(ops[i] for i in cone_idx), qubits=cone_qubits, refined=refined)
    order: dict[sympy.Symbol, int] = {}
    for _, op in ops:
        for sym in sorted(cirq.parameter_symbols(op), key=str):
            order.setdefault(sym, len(order))
    wanted = list(order) if symbols is None else [sympy.Symbol(x) if isinstance(x, str) else x for x in symbols]
    for sym in wanted:
        if sym not in order:
            raise ValueError(f"symbol {sym} does not occur in the circuit")
    wire: dict[cirq.Qid, int] = {}
    masks: list[int] = []
    gates: dict[sympy.Symbol, list[tuple[int, cirq.Operation]]] = {sym: [] for sym in order}
    gate_idx: dict[sympy.Symbol, list[int]] = {sym: [] for sym in order}
    for i, pair in enumerate(ops):
        op = pair[1]
        mask = 0
        for sym in cirq.parameter_symbols(op):
            mask |= 1 << order[sym]
            gates[sym].append(pair)
            gate_idx[sym].append(i)
        for q in op.qubits:
            mask |= wire.get(q, 0)
        for q in op.qubits:
            wire[q] = mask
        masks.append(mask)
    cone_set = set(cone_idx)
    obs_qubits = observable_qubits(observable)
    result = {}
    for sym in wanted:
        bit = 1 << order[sym]
        region_idx = [i for i in cone_idx if masks[i] & bit]
        region = tuple(ops[i] for i in region_idx)
        reached = frozenset(q for q, m in wire.items() if m & bit)
        region_qubits = frozenset(q for _, op in region for q in op.qubits) | (obs_qubits & reached)
        result[sym] = ParameterLightCone(
            symbol=sym,
            gates=tuple(gates[sym]),
            in_cone=any(i in cone_set for i in gate_idx[sym]),
            backward=cone,
            forward=LightCone(operations=region, qubits=region_qubits, refined=cone.refined),
        )
    return result


def parameter_light_cone(
    circuit: cirq.AbstractCircuit,
    symbol: sympy.Symbol | str,
    observable: object,
    refined: bool = True,
) -> ParameterLightCone:
    """The light cone connecting parameter ``symbol`` to the observable.

    Use :func:`parameter_light_cones` to analyse many parameters of one circuit.

    Raises
    ------
    ValueError : if ``symbol`` does not occur in ``circuit``.
    """
    if isinstance(symbol, str):
        symbol = sympy.Symbol(symbol)
    return parameter_light_cones(circuit, observable, refined=refined, symbols=[symbol])[symbol]
