"""Block structure of layered ansätze: the typed block tag and the blocks read from a circuit.

A block is identified by a :class:`BlockTag` ``(layer, index)``.  On a circuit, builders tag
every operation of a multi-qubit block with the tag's *wire form*, the plain string
``"bpcalc.block=<layer>.<index>"`` (``str(BlockTag(layer, index))``, also returned by
:func:`block_tag`), so that it survives ``cirq.to_json`` / ``cirq.read_json`` without a custom
resolver.  :class:`BlockTag` is the only code that writes or parses that string: every reader
asks :func:`block_tags` (the tags of one operation), :func:`operations_outside_blocks`,
:func:`block_operations` or :func:`block_structure`.

Examples
--------
>>> tag = BlockTag(1, 3)
>>> str(tag)
'bpcalc.block=1.3'
>>> BlockTag.parse("bpcalc.block=1.3") == tag
True
>>> BlockTag.parse("some other tag") is None
True
>>> import cirq
>>> op = cirq.X(cirq.LineQubit(0)).with_tags(block_tag(0, 2), "mine")
>>> block_tags(op)
(BlockTag(layer=0, index=2),)
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar, Optional

import cirq
import sympy

from ._validation import require_circuit
from .symbols import sort_symbols

__all__ = [
    "Block",
    "BlockTag",
    "block_tag",
    "block_tags",
    "block_operations",
    "operations_outside_blocks",
    "block_structure",
    "strip_block_tags",
]


@dataclasses.dataclass(frozen=True, order=True)
class BlockTag:
    """The identity of one block of a layered ansatz: ``layer`` and ``index`` within the layer.

    ``str(tag)`` is the wire form put on operations (``"bpcalc.block=<layer>.<index>"``);
    :meth:`parse` reads it back.  Tags order by ``(layer, index)``.
    """

    layer: int
    index: int

    PREFIX: ClassVar[str] = "bpcalc.block="
    _PATTERN: ClassVar[re.Pattern] = re.compile(r"^bpcalc\.block=(\d+)\.(\d+)$")

    def __post_init__(self) -> None:
        for name in ("layer", "index"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"BlockTag.{name} must be a non-negative int, got {value!r}")

    def __str__(self) -> str:
        return f"{self.PREFIX}{self.layer}.{self.index}"

    @property
    def label(self) -> str:
        """``"<layer>.<index>"``, as messages name a block."""
        return f"{self.layer}.{self.index}"

    @classmethod
    def parse(cls, tag: Any) -> Optional["BlockTag"]:
        """The :class:`BlockTag` an operation tag denotes, or ``None`` if it is not a block tag.

        Accepts a :class:`BlockTag` itself or its wire-form string; any other tag (other
        libraries' tags, malformed strings) gives ``None``.
        """
        if isinstance(tag, BlockTag):
            return tag
        if not isinstance(tag, str):
            return None
        match = cls._PATTERN.match(tag)
        return cls(int(match.group(1)), int(match.group(2))) if match else None


def block_tag(layer: int, index: int) -> str:
    """The wire-form tag string marking an operation as part of block ``index`` in ``layer``.

    >>> block_tag(0, 1)
    'bpcalc.block=0.1'
    """
    return str(BlockTag(layer, index))


def block_tags(op: cirq.Operation) -> tuple[BlockTag, ...]:
    """The block tags carried by ``op`` (usually zero or one), in tag order."""
    return tuple(t for t in (BlockTag.parse(tag) for tag in getattr(op, "tags", ())) if t is not None)


def operations_outside_blocks(circuit: cirq.AbstractCircuit) -> list[cirq.Operation]:
    """Operations of ``circuit`` that carry no block tag (in circuit order)."""
    require_circuit(circuit)
    return [op for op in circuit.all_operations() if not block_tags(op)]


def block_operations(circuit: cirq.AbstractCircuit, block: "Block | BlockTag") -> list[cirq.Operation]:
    """Operations of ``circuit`` tagged with ``block`` (a :class:`Block` or :class:`BlockTag`)."""
    require_circuit(circuit)
    tag = block.tag if isinstance(block, Block) else block
    if not isinstance(tag, BlockTag):
        raise TypeError(f"block must be a Block or BlockTag, got {type(block).__name__}")
    return [op for op in circuit.all_operations() if tag in block_tags(op)]


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

    @property
    def tag(self) -> BlockTag:
        """This block's :class:`BlockTag`."""
        return BlockTag(self.layer, self.index)


def block_structure(circuit: cirq.AbstractCircuit) -> tuple[Block, ...]:
    """Blocks of ``circuit`` (empty if it carries no block tags), sorted by (layer, index)."""
    require_circuit(circuit)
    qubits: dict[BlockTag, set] = {}
    symbols: dict[BlockTag, set] = {}
    moments: dict[BlockTag, set] = {}
    for m, moment in enumerate(circuit):
        for op in moment:
            for key in block_tags(op):
                qubits.setdefault(key, set()).update(op.qubits)
                symbols.setdefault(key, set()).update(cirq.parameter_symbols(op))
                moments.setdefault(key, set()).add(m)
    return tuple(
        Block(
            layer=k.layer,
            index=k.index,
            qubits=tuple(sorted(qubits[k])),
            symbols=tuple(sort_symbols(symbols[k])),
            moments=tuple(sorted(moments[k])),
        )
        for k in sorted(qubits)
    )


def strip_block_tags(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """A copy of ``circuit`` without bpcalc's block tags (other tags kept)."""
    require_circuit(circuit)

    def strip(op: cirq.Operation) -> cirq.Operation:
        if not isinstance(op, cirq.TaggedOperation):
            return op
        kept = [t for t in op.tags if BlockTag.parse(t) is None]
        return op.untagged.with_tags(*kept) if kept else op.untagged

    return cirq.Circuit(cirq.Moment(strip(op) for op in moment) for moment in circuit)
