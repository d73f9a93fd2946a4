"""Block structure of layered ansätze, recorded as string tags on operations.

Builders tag every operation of a multi-qubit block with ``"bpcalc.block=<layer>.<index>"``
(a plain string, so it survives ``cirq.to_json``).  :func:`block_structure` reads the
blocks back from any circuit carrying such tags.
"""

from __future__ import annotations

import dataclasses
import re

import cirq
import sympy

from ._validation import require_circuit
from .symbols import sort_symbols

__all__ = ["Block", "block_tag", "block_structure", "strip_block_tags"]

_TAG = re.compile(r"^bpcalc\.block=(\d+)\.(\d+)$")


def block_tag(layer: int, index: int) -> str:
    """The tag string marking an operation as part of block ``index`` in ``layer``."""
    return f"bpcalc.block={layer}.{index}"


@dataclasses.dataclass(frozen=True)
class Block:
    """One block of a layered ansatz: its position, qubits and trainable symbols."""

    layer: int
    index: int
    qubits: tuple[cirq.Qid, ...]
    symbols: tuple[sympy.Symbol, ...]
    moments: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.qubits)


def block_structure(circuit: cirq.AbstractCircuit) -> tuple[Block, ...]:
    """Blocks of ``circuit`` (empty if it carries no block tags), sorted by (layer, index)."""
    require_circuit(circuit)
    qubits: dict[tuple[int, int], set] = {}
    symbols: dict[tuple[int, int], set] = {}
    moments: dict[tuple[int, int], set] = {}
    for m, moment in enumerate(circuit):
        for op in moment:
            for tag in getattr(op, "tags", ()):
                match = _TAG.match(str(tag)) if isinstance(tag, str) else None
                if match:
                    key = (int(match.group(1)), int(match.group(2)))
                    qubits.setdefault(key, set()).update(op.qubits)
                    symbols.setdefault(key, set()).update(cirq.parameter_symbols(op))
                    moments.setdefault(key, set()).add(m)
    return tuple(
        Block(
            layer=k[0],
            index=k[1],
            qubits=tuple(sorted(qubits[k])),
            symbols=tuple(sort_symbols(symbols[k])),
            moments=tuple(sorted(moments[k])),
        )
        for k in sorted(qubits)
    )


def strip_block_tags(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """A copy of ``circuit`` without bpcalc's block tags (other tags kept)."""
    def strip(op: cirq.Operation) -> cirq.Operation:
        if not isinstance(op, cirq.TaggedOperation):
            return op
        kept = [t for t in op.tags if not (isinstance(t, str) and _TAG.match(t))]
        return op.untagged.with_tags(*kept) if kept else op.untagged

    return cirq.Circuit(cirq.Moment(strip(op) for op in moment) for moment in circuit)
