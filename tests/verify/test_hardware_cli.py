"""``bpcalc hardware`` (verify.commands.hardware)."""

from __future__ import annotations

import json

import cirq
import cirq_google
import pytest
from cirq_google.api.v2 import program_pb2
from google.protobuf import text_format

from bpcalc.verify.cli import main


def test_export_writes_proto_json_and_report_that_read_back_and_validate(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["hardware", "--processor", "rainbow", "--ansatz", "hea", "--qubits", "6", "--layers", "2", "--export", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "VALID" in text and "SWAPs inserted: 0" in text
    for name in ("circuit.pb", "circuit.textproto", "circuit.json", "circuit_report.json", "circuit_report.txt"):
        assert (out / name).is_file()
    device = cirq_google.engine.create_device_from_processor_id("rainbow")
    binary = program_pb2.Program()
    binary.ParseFromString((out / "circuit.pb").read_bytes())
    textual = text_format.Parse((out / "circuit.textproto").read_text(), program_pb2.Program())
    for program in (binary, textual):
        circuit = cirq_google.CIRCUIT_SERIALIZER.deserialize(program)
        device.validate_circuit(circuit)
        assert len(cirq.parameter_symbols(circuit)) == 24
    device.validate_circuit(cirq.read_json(json_text=(out / "circuit.json").read_text()))
    report = json.loads((out / "circuit_report.json").read_text())
    assert report["validation"]["ok"]


def test_compiled_circuit_file_can_be_recompiled_from_a_circuit_file(tmp_path, capsys):
    out = tmp_path / "a"
    assert main(["hardware", "--qubits", "3", "--export", str(out)]) == 0
    capsys.readouterr()
    rc = main(["hardware", "--circuit", str(out / "circuit_logical.json"), "--gateset", "sqrt_iswap", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["validation"]["ok"] and data["summary"]["gateset"] == "sqrt_iswap"


def test_run_prints_estimates_with_intervals(capsys):
    rc = main(["hardware", "--qubits", "2", "--layers", "1", "--run", "--draws", "4", "--shots", "200", "--seed", "1"])
    text = capsys.readouterr().out
    assert rc == 0 and "CI [" in text and "noiseless cirq.Simulator" in text


def test_run_noisy_json(capsys):
    rc = main(["hardware", "--qubits", "2", "--run", "--noisy", "--draws", "3", "--shots", "100", "--json",
               "--gateset", "sqrt_iswap", "--observable", "Z0*Z1"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["n_draws"] == 3 and len(data["variances"]) == 1
    v = data["variances"][0]
    assert 0 <= v["ci_low"] <= v["ci_high"] and v["shots"] == 100


@pytest.mark.parametrize(
    "argv, message",
    [
        (["hardware", "--processor", "nope", "--qubits", "2"], "unknown processor"),
        (["hardware", "--processor", "willow_pink", "--qubits", "2", "--gateset", "sycamore"], "does not support"),
        (["hardware", "--ansatz", "hea"], "--qubits"),
        (["hardware", "--qubits", "30"], "qubits"),
        (["hardware", "--qubits", "2", "--run", "--observable", "Q7"], "cannot parse"),
    ],
)
def test_bad_input_exits_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_run_with_a_spec_file_asks_for_a_sampler(tmp_path, capsys):
    spec = cirq_google.engine.virtual_engine_factory.create_device_spec_from_processor_id("rainbow")
    path = tmp_path / "spec.textproto"
    path.write_text(text_format.MessageToString(spec))
    assert main(["hardware", "--device-spec", str(path), "--qubits", "2"]) == 0
    capsys.readouterr()
    assert main(["hardware", "--device-spec", str(path), "--qubits", "2", "--run"]) == 2
    assert "cirq.Sampler" in capsys.readouterr().err
