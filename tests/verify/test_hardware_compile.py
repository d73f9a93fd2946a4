"""Compilation to Google target gatesets with symbolic parameters (verify.hardware.compile)."""

from __future__ import annotations

import cirq
import cirq_google
import numpy as np
import pytest
import sympy

from bpcalc.circuits import hardware_efficient, qcnn
from bpcalc.verify.hardware import (
    compile_for_device,
    equivalence_error,
    from_program_proto,
    load_target,
    merge_z_rotations,
    symbolic_rotations_to_phxz,
    to_program_proto,
)

CANONICAL = {
    "cz": cirq_google.GoogleCZTargetGateset,
    "sqrt_iswap": cirq.SqrtIswapTargetGateset,
    "sycamore": cirq_google.SycamoreTargetGateset,
}

a, b = sympy.symbols("a b")
_q = cirq.LineQubit.range(3)
EXOTIC = cirq.Circuit(
    cirq.ZZPowGate(exponent=a).on(_q[0], _q[1]),
    cirq.CZPowGate(exponent=2 * b).on(_q[1], _q[2]),
    cirq.PauliStringPhasor(cirq.X(_q[0]) * cirq.Y(_q[1]) * cirq.Z(_q[2]), exponent_neg=a),
    cirq.rx(b).on(_q[0]),
    cirq.CCZ(*_q),
    cirq.PhasedXPowGate(phase_exponent=b, exponent=0.3).on(_q[2]),
)

CIRCUITS = {
    "hea_chain": hardware_efficient(4, 2),
    "hea_ring_cnot_rx": hardware_efficient(5, 1, rotations=("rx", "ry", "rz"), entangler="cnot", topology="ring"),
    "qcnn": qcnn(4),
    "exotic": EXOTIC,
}


def _assert_equivalent(compiled, rng, atol):
    """Resolved compiled circuit == resolved input on the device, then the routing permutation
    (cirq's own helper semantics; tolerance parameter because √iSWAP synthesis is approximate)."""
    symbols = cirq.parameter_symbols(compiled.logical)
    for _ in range(2):
        r = {s: rng.uniform(0, 2 * np.pi) for s in symbols}
        actual = cirq.resolve_parameters(compiled.circuit, r)
        expected = cirq.resolve_parameters(compiled.logical.transform_qubits(compiled.routed.initial_map), r)
        qubit_map = compiled.routed.permutation
        qubits = sorted(qubit_map)
        initial, final = zip(*sorted(qubit_map.items(), key=lambda kv: kv[1]))
        inverse = [final.index(q) for q in initial]
        actual = actual + cirq.Circuit(cirq.QubitPermutationGate(inverse).on(*final))
        cirq.testing.assert_allclose_up_to_global_phase(
            expected.unitary(qubit_order=qubits), actual.unitary(qubit_order=qubits), atol=atol
        )


@pytest.mark.parametrize("gateset", ["cz", "sqrt_iswap", "sycamore"])
@pytest.mark.parametrize("name", sorted(CIRCUITS))
def test_compiled_circuit_is_in_gateset_valid_and_equivalent(gateset, name):
    rng = np.random.default_rng(11)
    target = load_target("rainbow")
    compiled = compile_for_device(CIRCUITS[name], target, gateset=gateset)
    gs = CANONICAL[gateset]()
    assert all(op in gs for op in compiled.circuit.all_operations())
    assert compiled.in_target_gateset
    target.device.validate_circuit(compiled.circuit)  # raises if refused
    assert set(cirq.parameter_symbols(compiled.circuit)) == set(cirq.parameter_symbols(CIRCUITS[name]))
    assert all(len(op.qubits) == 1 for op in compiled.circuit.all_operations() if cirq.is_parameterized(op))
    _assert_equivalent(compiled, rng, atol=1e-6)


def test_cz_compilation_agrees_with_cirq_permutation_helper_exactly():
    rng = np.random.default_rng(12)
    logical = hardware_efficient(5, 1, topology="ring")
    compiled = compile_for_device(logical, "rainbow", gateset="cz", placement="line")
    assert compiled.routed.n_swaps > 0
    r = {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(logical)}
    cirq.testing.assert_circuits_have_same_unitary_given_final_permutation(
        cirq.resolve_parameters(compiled.circuit, r),
        cirq.resolve_parameters(logical.transform_qubits(compiled.routed.initial_map), r),
        compiled.routed.permutation,
    )
    assert equivalence_error(compiled, r) < 1e-8


def test_plain_optimizer_leaves_symbolic_rotations_outside_the_gateset():
    """The pitfall this module fixes: still present in the installed Cirq."""
    q = cirq.GridQubit.rect(1, 2, 5, 2)
    c = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.rz(b).on(q[1]), cirq.CZ(*q))
    out = cirq.optimize_for_target_gateset(c, gateset=cirq_google.GoogleCZTargetGateset())
    assert not cirq_google.GoogleCZTargetGateset().validate(out)
    fixed = merge_z_rotations(symbolic_rotations_to_phxz(out))
    assert cirq_google.GoogleCZTargetGateset().validate(fixed)
    rng = np.random.default_rng(1)
    for _ in range(3):
        r = {a: rng.uniform(0, 2 * np.pi), b: rng.uniform(0, 2 * np.pi)}
        cirq.testing.assert_allclose_up_to_global_phase(
            cirq.resolve_parameters(c, r).unitary(), cirq.resolve_parameters(fixed, r).unitary(), atol=1e-9
        )


def test_ry_rz_layer_merges_into_one_microwave_gate_per_qubit():
    n, layers = 4, 2
    compiled = compile_for_device(hardware_efficient(n, layers), "rainbow", gateset="cz")
    singles = [op for op in compiled.circuit.all_operations() if len(op.qubits) == 1]
    assert len(singles) == n * layers
    assert all(isinstance(op.gate, cirq.PhasedXZGate) for op in singles)
    unmerged = compile_for_device(hardware_efficient(n, layers), "rainbow", gateset="cz", merge=False)
    assert sum(1 for op in unmerged.circuit.all_operations() if len(op.qubits) == 1) == 2 * n * layers


def test_same_theta_binds_the_proto_read_back_circuit():
    """Symbol scaling survives serialization: binding θ (not θ/π) reproduces the input."""
    rng = np.random.default_rng(5)
    logical = hardware_efficient(3, 1)
    compiled = compile_for_device(logical, "rainbow")
    back = from_program_proto(to_program_proto(compiled.circuit))
    r = {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(logical)}
    qubits = sorted(compiled.routed.initial_map.values())
    cirq.testing.assert_allclose_up_to_global_phase(
        cirq.resolve_parameters(back, r).unitary(qubit_order=qubits),
        cirq.resolve_parameters(logical.transform_qubits(compiled.routed.initial_map), r).unitary(qubit_order=qubits),
        atol=1e-6,
    )


def test_equivalence_error_detects_a_wrong_circuit():
    rng = np.random.default_rng(6)
    logical = hardware_efficient(3, 1)
    compiled = compile_for_device(logical, "rainbow")
    r = {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(logical)}
    assert equivalence_error(compiled, r) < 1e-9
    broken = compiled.circuit.copy()
    broken.append(cirq.X(sorted(broken.all_qubits())[0]))
    import dataclasses

    assert equivalence_error(dataclasses.replace(compiled, circuit=broken), r) > 0.1
    # the state-vector path (large circuits) gives the same verdicts
    assert equivalence_error(compiled, r, max_unitary_qubits=1) < 1e-6
    assert equivalence_error(dataclasses.replace(compiled, circuit=broken), r, max_unitary_qubits=1) > 0.1


def test_compile_refuses_bad_input():
    q = cirq.LineQubit.range(2)
    with pytest.raises(ValueError, match="single-qubit gates"):
        compile_for_device(cirq.Circuit(cirq.FSimGate(theta=a, phi=0.1).on(*q)), "rainbow")
    with pytest.raises(TypeError, match="cirq.Circuit"):
        compile_for_device("not a circuit", "rainbow")
    with pytest.raises(ValueError, match="does not support"):
        compile_for_device(hardware_efficient(2, 1), "willow_pink", gateset="sqrt_iswap")


@pytest.mark.parametrize("gateset", ["cz", "sqrt_iswap", "sycamore"])
def test_merged_symbolic_expressions_survive_the_program_proto(gateset):
    rng = np.random.default_rng(8)
    compiled = compile_for_device(EXOTIC, "rainbow", gateset=gateset)
    back = from_program_proto(to_program_proto(compiled.circuit))
    load_target("rainbow").device.validate_circuit(back)
    r = {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(EXOTIC)}
    qubits = sorted(compiled.circuit.all_qubits())
    cirq.testing.assert_allclose_up_to_global_phase(
        cirq.resolve_parameters(back, r).unitary(qubit_order=qubits),
        cirq.resolve_parameters(compiled.circuit, r).unitary(qubit_order=qubits),
        atol=1e-5,
    )
