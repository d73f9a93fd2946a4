import cirq
import pytest
import sympy

from bpcalc import circuits


def test_hea_symbols_and_qubits():
    c = circuits.hardware_efficient(3, 2, rotations=("ry", "rz"))
    names = {s.name for s in cirq.parameter_symbols(c)}
    assert names == {f"theta_{l}_{q}_{k}" for l in range(2) for q in range(3) for k in range(2)}
    assert sorted(c.all_qubits()) == cirq.LineQubit.range(3)


def test_hea_on_user_qubits():
    qs = cirq.GridQubit.rect(1, 4)
    c = circuits.hardware_efficient(4, 1, qubits=qs)
    assert set(c.all_qubits()) == set(qs)


@pytest.mark.parametrize("topology,n,expected", [("chain", 4, 3), ("ring", 4, 4), ("ring", 5, 5), ("brick", 4, 2)])
def test_hea_entangler_count(topology, n, expected):
    c = circuits.hardware_efficient(n, 1, topology=topology, entangler="cnot")
    assert sum(1 for op in c.all_operations() if len(op.qubits) == 2) == expected


def test_hea_entanglers_in_parallel_moments():
    c = circuits.hardware_efficient(8, 1, rotations=("ry",))
    # one rotation moment + two brick moments (even bonds, odd bonds)
    assert len(c) == 3


@pytest.mark.parametrize(
    "call,error",
    [
        (lambda: circuits.hardware_efficient(0, 1), ValueError),
        (lambda: circuits.hardware_efficient(3, 0), ValueError),
        (lambda: circuits.hardware_efficient(3.5, 1), TypeError),
        (lambda: circuits.hardware_efficient(3, 1, rotations=("rq",)), ValueError),
        (lambda: circuits.hardware_efficient(3, 1, entangler="iswap"), ValueError),
        (lambda: circuits.hardware_efficient(3, 1, topology="star"), ValueError),
        (lambda: circuits.hardware_efficient(3, 1, qubits=cirq.LineQubit.range(2)), ValueError),
        (lambda: circuits.alternating_layered(6, 2, 4), ValueError),
        (lambda: circuits.alternating_layered(6, 2, 1), ValueError),
        (lambda: circuits.tensor_product(5, 2), ValueError),
        (lambda: circuits.qcnn(6), ValueError),
    ],
)
def test_bad_builder_input(call, error):
    with pytest.raises(error):
        call()


def test_alternating_layered_blocks_shift():
    c = circuits.alternating_layered(8, 2, block_size=4)
    blocks = circuits.block_structure(c)
    layer0 = [b.qubits for b in blocks if b.layer == 0]
    layer1 = [b.qubits for b in blocks if b.layer == 1]
    q = cirq.LineQubit.range(8)
    assert layer0 == [tuple(q[0:4]), tuple(q[4:8])]
    assert layer1 == [tuple(q[2:6])]
    # every parameter belongs to exactly one block
    all_syms = [s for b in blocks for s in b.symbols]
    assert len(all_syms) == len(set(all_syms)) == len(cirq.parameter_symbols(c))


def test_tensor_product_is_one_layer_of_disjoint_blocks():
    c = circuits.tensor_product(6, 2, block_depth=2)
    blocks = circuits.block_structure(c)
    assert len(blocks) == 3 and all(b.layer == 0 and b.size == 2 for b in blocks)
    # no gate crosses a block boundary
    for op in c.all_operations():
        if len(op.qubits) == 2:
            a, b = sorted(q.x for q in op.qubits)
            assert a // 2 == b // 2


def test_qcnn_reduces_to_one_qubit():
    c = circuits.qcnn(8)
    # the final layer acts on qubit 0 only
    last = [op for op in c[-1]]
    assert {q for op in last for q in op.qubits} == {cirq.LineQubit(0)}
    assert len(cirq.parameter_symbols(c)) > 0


def test_block_tags_survive_json_and_strip():
    c = circuits.tensor_product(4, 2)
    back = cirq.read_json(json_text=cirq.to_json(c))
    assert circuits.block_structure(back) == circuits.block_structure(c)
    stripped = circuits.strip_block_tags(c)
    assert circuits.block_structure(stripped) == ()
    assert cirq.approx_eq(
        cirq.unitary(cirq.resolve_parameters(stripped, {s: 0.3 for s in cirq.parameter_symbols(c)})),
        cirq.unitary(cirq.resolve_parameters(c, {s: 0.3 for s in cirq.parameter_symbols(c)})),
    )


def test_rotation_recognition_matches_unitary():
    import numpy as np
    import scipy.linalg

    t = sympy.Symbol("t")
    q = cirq.LineQubit.range(2)
    ops = [
        cirq.rx(t).on(q[0]),
        cirq.ry(2 * t).on(q[0]),
        cirq.Z(q[1]) ** t,
        cirq.XX(*q) ** t,
        cirq.PauliStringPhasor(cirq.Z(q[0]) * cirq.Y(q[1]), exponent_neg=t, exponent_pos=-t / 2),
        cirq.PhasedXPowGate(phase_exponent=0.5, exponent=t).on(q[0]),
    ]
    for op in ops:
        rot = circuits.as_pauli_rotation(op)
        assert rot is not None, op
        for value in (0.3, 1.7):
            angle = float(sympy.sympify(rot.angle).subs(t, value))
            qs = op.qubits
            expected = scipy.linalg.expm(-0.5j * angle * rot.pauli.matrix(qs))
            actual = cirq.unitary(cirq.resolve_parameters(op, {t: value}))
            cirq.testing.assert_allclose_up_to_global_phase(actual, expected, atol=1e-9)
    assert circuits.as_pauli_rotation(cirq.CZ(*q)) is None
    assert circuits.affine_angle(3 * t + 1).coefficient == 3
    with pytest.raises(ValueError):
        circuits.affine_angle(t**2)
    with pytest.raises(ValueError):
        circuits.affine_angle(t * sympy.Symbol("u"))
    assert np.isclose(circuits.affine_angle(sympy.pi * t).coefficient, np.pi)
