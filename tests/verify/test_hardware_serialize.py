"""Validation reports and Google formats (verify.hardware.validate / serialize / export)."""

from __future__ import annotations

import json

import cirq
import cirq_google
import numpy as np
import pytest
import sympy
from cirq_google.api.v2 import program_pb2
from google.protobuf import text_format

from bpcalc.circuits import hardware_efficient
from bpcalc.verify.hardware import (
    compare_circuits,
    compile_for_device,
    export_compiled,
    load_target,
    read_circuit,
    to_program_proto,
    validate_for_device,
    write_circuit,
)

a = sympy.Symbol("a")
G = cirq.GridQubit
DEVICE = load_target("rainbow").device


def _device_accepts(circuit) -> bool:
    try:
        DEVICE.validate_circuit(circuit)
        return True
    except (ValueError, AttributeError):  # symbolic FSim angles raise AttributeError inside Cirq
        return False


@pytest.fixture(scope="module")
def compiled():
    return compile_for_device(hardware_efficient(4, 2), "rainbow")


def test_compiled_circuit_validates(compiled):
    report = validate_for_device(compiled.circuit, "rainbow")
    assert report.ok and report.device_accepts and report.serializable and not report.violations
    assert "VALID" in report.to_text()


@pytest.mark.parametrize(
    "circuit, kind",
    [
        (cirq.Circuit(cirq.X(G(0, 0))), "qubit_off_device"),  # (0, 0) is not on rainbow
        (cirq.Circuit(cirq.X(cirq.LineQubit(0))), "line_qubit"),
        (cirq.Circuit(cirq.CZ(G(5, 2), G(6, 3))), "qubits_not_coupled"),
        (cirq.Circuit(cirq.XX(G(5, 2), G(5, 3))), "unsupported_gate"),
        (cirq.Circuit(cirq.CZPowGate(exponent=a).on(G(5, 2), G(5, 3))), "symbolic_gate"),
        (cirq.Circuit(cirq.FSimGate(theta=a, phi=0.0).on(G(5, 2), G(5, 3))), "symbolic_gate"),
    ],
)
def test_violations_are_named_and_agree_with_the_device(circuit, kind):
    report = validate_for_device(circuit, "rainbow")
    assert kind in report.kinds()
    assert not report.ok
    assert report.device_accepts == _device_accepts(circuit) is False
    text = report.to_text()
    assert "INVALID" in text and any(v.message in text for v in report.violations)


def test_unserializable_expression_is_reported_although_the_device_accepts_it():
    circuit = cirq.Circuit(cirq.rx(sympy.sin(a)).on(G(5, 2)))
    report = validate_for_device(circuit, "rainbow")
    assert _device_accepts(circuit) and report.device_accepts
    assert not report.serializable and "not_serializable" in report.kinds() and not report.ok
    with pytest.raises(ValueError, match="program proto"):
        to_program_proto(circuit)


def test_validate_refuses_non_circuits():
    with pytest.raises(TypeError):
        validate_for_device([cirq.X(G(5, 2))], "rainbow")


@pytest.mark.parametrize("suffix", [".pb", ".textproto", ".json"])
def test_round_trip_of_the_compiled_circuit(compiled, tmp_path, suffix):
    path = write_circuit(compiled.circuit, tmp_path / f"c{suffix}")
    back = read_circuit(path)
    report = compare_circuits(compiled.circuit, back, rng=np.random.default_rng(0))
    assert report.same_structure and report.same_symbols and report.ok(1e-6)
    assert report.identical == (suffix == ".json")
    assert _device_accepts(back)


def test_proto_drops_the_ry_global_phase_and_rounds_to_float32(tmp_path):
    q = G(5, 2)
    original = cirq.Circuit(cirq.ry(a).on(q), cirq.rz(0.123456789).on(q), cirq.measure(q, key="m"))
    back = read_circuit(write_circuit(original, tmp_path / "c.pb"))
    report = compare_circuits(original, back, rng=np.random.default_rng(1))
    assert not report.identical and report.same_structure and report.ok(1e-6)
    assert report.phase_only_differences == 2  # ry and rz come back without their global phase
    ry_back = back[0].operations[0]
    assert type(ry_back.gate) is cirq.YPowGate
    # exponent a/π is stored with π as a float32: resolving a = π gives π / float32(π), not exactly 1
    e = float(cirq.resolve_parameters(ry_back.gate.exponent, {a: np.pi}))
    assert e == pytest.approx(np.pi / float(np.float32(np.pi)), rel=1e-12) and e != 1.0
    rz_back = back[1].operations[0]
    assert float(rz_back.gate.exponent) == float(np.float32(0.123456789 / np.pi))
    assert cirq.measurement_key_names(back) == {"m"}


def test_compare_detects_a_changed_circuit(compiled):
    changed = compiled.circuit.copy()
    changed[0] = cirq.Moment(op if i else cirq.X(op.qubits[0]) for i, op in enumerate(changed[0]) if len(op.qubits) == 1)
    report = compare_circuits(compiled.circuit, changed)
    assert not report.ok(1e-3)


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_circuit(tmp_path / "missing.pb")
    (tmp_path / "c.qasm").write_text("OPENQASM 2.0;")
    with pytest.raises(ValueError, match="suffix"):
        read_circuit(tmp_path / "c.qasm")
    (tmp_path / "bad.pb").write_bytes(b"\xff\xff\xff")
    with pytest.raises(ValueError, match="program proto"):
        read_circuit(tmp_path / "bad.pb")
    (tmp_path / "q.json").write_text(cirq.to_json(cirq.LineQubit(0)))
    with pytest.raises(ValueError, match="not a circuit"):
        read_circuit(tmp_path / "q.json")


def test_export_writes_files_that_cirq_google_reads_and_the_device_accepts(compiled, tmp_path):
    result = export_compiled(compiled, tmp_path / "out")
    assert result.ok()
    # read back with cirq_google directly, not with our reader
    program = program_pb2.Program()
    program.ParseFromString(result.files["proto"].read_bytes())
    from_binary = cirq_google.CIRCUIT_SERIALIZER.deserialize(program)
    text_program = text_format.Parse(result.files["textproto"].read_text(), program_pb2.Program())
    from_text = cirq_google.CIRCUIT_SERIALIZER.deserialize(text_program)
    from_json = cirq.read_json(json_text=result.files["json"].read_text())
    for circuit in (from_binary, from_text, from_json):
        DEVICE.validate_circuit(circuit)
        assert set(cirq.parameter_symbols(circuit)) == set(cirq.parameter_symbols(compiled.logical))
    assert from_json == compiled.circuit
    report = json.loads(result.files["report_json"].read_text())
    assert report["validation"]["ok"] and report["summary"]["routing"]["n_swaps"] == 0
    assert "float32" in result.files["report_txt"].read_text()
    with pytest.raises(TypeError, match="CompiledCircuit"):
        export_compiled(compiled.circuit, tmp_path / "x")
