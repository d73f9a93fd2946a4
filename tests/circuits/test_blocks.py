"""circuits.blocks: the typed block tag (BlockTag) and the readers built on it."""

from __future__ import annotations

import itertools

import cirq
import pytest
import sympy

from bpcalc import circuits
from bpcalc.circuits import BlockTag


@pytest.mark.parametrize("layer,index", [(0, 0), (0, 7), (3, 12), (10, 0), (123, 4567)])
def test_tag_round_trip(layer, index):
    tag = BlockTag(layer, index)
    wire = str(tag)
    assert wire == circuits.block_tag(layer, index)
    assert BlockTag.parse(wire) == tag
    assert BlockTag.parse(tag) is tag
    assert (tag.layer, tag.index) == (layer, index)
    assert tag.label == f"{layer}.{index}"


@pytest.mark.parametrize("text", ["bpcalc.block=1", "bpcalc.block=1.2.3", "bpcalc.block=-1.2", "bpcalc.block=a.b",
                                  "bpcalc.block=1.2 ", "xbpcalc.block=1.2", "", 3, None, ("bpcalc.block=1.2",)])
def test_parse_rejects_other_tags(text):
    assert BlockTag.parse(text) is None


@pytest.mark.parametrize("layer,index", [(-1, 0), (0, -2), (True, 0), (0, 1.0), ("0", 1)])
def test_tag_validates(layer, index):
    with pytest.raises(ValueError, match="BlockTag"):
        BlockTag(layer, index)


def test_tags_order_by_layer_then_index():
    tags = [BlockTag(l, i) for l, i in itertools.product(range(3), range(3))]
    assert sorted(reversed(tags)) == tags


BUILDERS = [
    lambda: circuits.tensor_product(4, 2),
    lambda: circuits.alternating_layered(8, 3, block_size=4),
    lambda: circuits.qcnn(8),
]


@pytest.mark.parametrize("build", BUILDERS)
def test_builders_tag_every_operation_once_and_json_round_trip(build):
    c = build()
    assert all(len(circuits.block_tags(op)) == 1 for op in c.all_operations())
    assert circuits.operations_outside_blocks(c) == []
    blocks = circuits.block_structure(c)
    # block_operations partitions the circuit's operations
    parts = [circuits.block_operations(c, b) for b in blocks]
    assert sum(len(p) for p in parts) == len(list(c.all_operations()))
    for b, ops in zip(blocks, parts):
        assert {q for op in ops for q in op.qubits} == set(b.qubits)
        assert circuits.block_operations(c, b.tag) == ops
    back = cirq.read_json(json_text=cirq.to_json(c))
    assert circuits.block_structure(back) == blocks
    assert {circuits.block_tags(op) for op in back.all_operations()} == {(b.tag,) for b in blocks}


def test_outside_blocks_and_strip_keep_other_tags():
    c = circuits.tensor_product(4, 2)
    q = cirq.LineQubit(0)
    extra = cirq.rz(sympy.Symbol("z")).on(q).with_tags("user-tag")
    both = cirq.X(q).with_tags("user-tag", circuits.block_tag(5, 0))
    c2 = c + cirq.Circuit([extra, both])
    assert circuits.operations_outside_blocks(c2) == [extra]
    assert circuits.block_structure(c2)[-1].tag == BlockTag(5, 0)
    stripped = circuits.strip_block_tags(c2)
    assert circuits.block_structure(stripped) == ()
    assert [op.tags for op in stripped.all_operations() if op.tags] == [("user-tag",), ("user-tag",)]


def test_block_operations_refuses_other_types():
    with pytest.raises(TypeError, match="Block or BlockTag"):
        circuits.block_operations(circuits.tensor_product(4, 2), "bpcalc.block=0.0")
