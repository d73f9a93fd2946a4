"""``bpcalc analyze`` and ``bpcalc compare``: one command from a file to a report; bad input."""

from __future__ import annotations

import json
import pathlib

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.verify.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SIM2 = str(EXAMPLES / "sim2019_circuit2.qasm")
FAMILY = f"{EXAMPLES / 'my_family.py'}:sim_circuit2"
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # malformed options are refused by the parser (exit 2)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_qasm_file_one_command(capsys):
    code, out, err = run(capsys, "analyze", SIM2, "--observable", "Z0", "--no-theorems")
    assert code == 0, err
    assert "sim2019_circuit2" in out and "4 qubits" in out
    line = next(l for l in out.splitlines() if l.startswith("theta_x0"))
    assert "6.250e-02" in line                     # Var = 2^-4, closed form
    assert "zero: outside the observable's light cone" in next(l for l in out.splitlines() if l.startswith("theta_z0"))


def test_analyze_json_output_with_family(capsys):
    code, out, err = run(capsys, "analyze", SIM2, "--observable", "Z0", "--no-theorems", "--json",
                         "--family", FAMILY, "--qubits", "4..10:2")
    assert code == 0, err
    doc = json.loads(out)
    params = {p["parameter"]: p for p in doc["results"]["analysis"]["parameters"]}
    assert params["theta_x0"]["exact"]["value"] == pytest.approx(1 / 16)
    assert params["theta_x0"]["verdict"]["label"] == "exponentially vanishing"
    assert doc["results"]["family"]["verdict"]["base"] == pytest.approx(2.0, rel=1e-5)
    assert doc["config"]["qubits"] == [4, 6, 8, 10]


def test_analyze_cirq_json_with_theorems_and_dataset(tmp_path, capsys):
    path = tmp_path / "tpa2.json"
    cirq.to_json(circuits.make_embedding("tpe", 2) + circuits.tensor_product(2, 2), path)
    code, out, err = run(capsys, "analyze", str(path), "--trainable", "theta_*", "--data", "x_*",
                         "--dataset", "uniform", "--n-data", "5", "--out", str(tmp_path / "rep"))
    assert code == 0, err
    assert "8 trainable and 2 data parameters" in out
    assert "refused theorems" in out
    assert (tmp_path / "rep" / "report.md").is_file() and (tmp_path / "rep" / "report.json").is_file()


def test_analyze_factory_with_arguments_and_sampling(capsys):
    code, out, err = run(capsys, "analyze", FAMILY, "--arg", "n=3", "--observable", "Z2", "--no-theorems",
                         "--draws", "400", "--seed", "5")
    assert code == 0, err
    assert "3 qubits" in out
    row = next(l for l in out.splitlines() if l.startswith("theta_x2"))
    assert "5.000e-01" in row and "[" in row       # exact 1/2 and a sampled interval


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text, argv, message",
    [
        (HEADER + "qreg q[2];\nry(theta_0) q[0]\ncx q[0], q[1];\n", [], "line 5, column 1"),
        (HEADER + "qreg q[2];\nfoo(theta_0) q[0];\n", [], "gate 'foo' is not supported"),
        (HEADER + "qreg q[2];\nry(theta_0) q[0];\nry(phi) q[1];\n", ["--trainable", "theta_*"],
         "['phi'] are neither trainable"),
        (HEADER + "qreg q[2];\nry(theta_0) q[0];\ncx q[0], q[1];\n", ["--observable", "Z0 + X5"],
         "not in the circuit"),
        (HEADER + "qreg q[2];\n", [], "empty"),
        (HEADER + "qreg q[1];\nry(theta_0) q[0];\n", ["--init", "gaussian"], "initialization 'gaussian'"),
        (HEADER + "qreg q[1];\nry(theta_0) q[0];\n", ["--family", "x:y"], "--qubits"),
        (HEADER + "qreg q[1];\nry(theta_0) q[0];\n", ["--dataset", "uniform"], "no data embedding"),
    ],
    ids=["syntax", "unknown-gate", "neither-role", "absent-qubit", "empty", "bad-init", "family-no-qubits", "no-embedding"],
)
def test_analyze_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, text, argv, message):
    path = tmp_path / "c.qasm"
    path.write_text(text)
    code, out, err = run(capsys, "analyze", str(path), "--no-theorems", *argv)
    assert code == 2
    assert message in err, err


def test_analyze_missing_file_and_bad_factory_argument(tmp_path, capsys):
    code, _, err = run(capsys, "analyze", str(tmp_path / "nope.qasm"))
    assert code == 2 and "no such circuit file" in err
    code, _, err = run(capsys, "analyze", FAMILY, "--arg", "n")
    assert code == 2 and "KEY=VALUE" in err


# ----------------------------------------------------------------------------- compare


def test_compare_three_architectures_one_command(tmp_path, capsys):
    png = tmp_path / "cmp.png"
    code, out, err = run(capsys, "compare", FAMILY, "tpa", "qcnn", "--qubits", "2,4,8,16", "--observable", "Z0",
                         "--plot", str(png))
    assert code == 0, err
    assert png.stat().st_size > 1000
    assert "sim_circuit2: exponentially vanishing with base 2" in out
    assert "tpa: polynomial" in out and "qcnn:" in out
    code, out, err = run(capsys, "compare", "hea-log", "ala", "--qubits", "4,6,8", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["results"]["architectures"] == ["hea-log", "ala"]
    assert len(doc["results"]["points"]) == 6


def test_compare_bad_input(capsys):
    code, _, err = run(capsys, "compare", "hea", "nosuch", "--qubits", "4,6,8")
    assert code == 2 and "unknown architecture 'nosuch'" in err
    code, _, err = run(capsys, "compare", "hea", "--qubits", "4-8")
    assert code == 2 and "cannot read qubit counts" in err


def test_analyze_theorem_selection(capsys, tmp_path):
    path = tmp_path / "two.qasm"
    path.write_text(HEADER + "qreg q[2];\nry(theta_0) q[0];\ncx q[0], q[1];\nry(theta_1) q[1];\n")
    code, out, err = run(capsys, "analyze", str(path), "--observable", "Z1", "--theorem", "cerezo2021.*", "--json")
    assert code == 0, err
    refused = {r["theorem"] for p in json.loads(out)["results"]["analysis"]["parameters"] for r in p["refused"]}
    assert refused and all(k.startswith("cerezo2021.") for k in refused)
    code, _, err = run(capsys, "analyze", str(path), "--theorem", "nosuch.*")
    assert code == 2 and "matches no registered theorem" in err


# ----------------------------------------------------------------------------- issue 15: re-uploading, --init, --noise


def test_analyze_reuploading_model_gives_exact_values(capsys):
    """A re-uploading circuit is analysed (not refused): exact per-datapoint values, theorems refused."""
    import json

    from bpcalc import circuits
    from bpcalc.bounds.exact import exact_reuploading_gradient_variance
    from bpcalc.bounds.from_files import load_user_circuit

    code, out, err = run(capsys, "analyze", "examples/reuploading_3x.qasm", "--observable", "Z0", "--dataset",
                         "uniform", "--n-data", "4", "--json", "--theorem", "cerezo2021.*")
    assert code == 0, err
    rep = json.loads(out)
    assert any("re-uploading" in n for n in rep["notes"])
    p0 = next(p for p in rep["results"]["analysis"]["parameters"] if p["parameter"] == "theta_0")
    assert p0["exact"]["method"] == "exact" and p0["applicable"] == []
    assert all("re-uploading" in r["reason"] for r in p0["refused"]) and p0["refused"]
    c, _ = load_user_circuit("examples/reuploading_3x.qasm")
    data = circuits.make_dataset("uniform", 3, n_samples=4, seed=0)
    ref = exact_reuploading_gradient_variance(c, "Z0", data.x, "theta_0", weights=data.y / 4)
    assert abs(p0["exact"]["value"] - float(np.mean(ref.per_state[0]))) < 1e-12
    assert abs(p0["exact"]["linear_loss"] - float(ref.values[0])) < 1e-12


def test_analyze_init_and_noise_change_the_exact_value(capsys, tmp_path):
    from bpcalc.bounds.exact import exact_gradient_variance
    import cirq

    path = tmp_path / "c.qasm"
    path.write_text(HEADER + "qreg q[2];\nry(theta_0) q[0];\ncx q[0], q[1];\nry(theta_1) q[1];\n")
    code, out, err = run(capsys, "analyze", str(path), "--observable", "Z1", "--no-theorems", "--init", "gaussian:0.3",
                         "--noise", "depolarize:0.05")
    assert code == 0, err
    q = cirq.LineQubit.range(2)
    import sympy

    c = cirq.Circuit(cirq.ry(sympy.Symbol("theta_0")).on(q[0]), cirq.CNOT(*q), cirq.ry(sympy.Symbol("theta_1")).on(q[1]))
    ref = exact_gradient_variance(c, "Z1", None, "theta_0", init="gaussian:0.3", noise=cirq.depolarize(0.05),
                                  method="exact", qubits=q)
    plain = exact_gradient_variance(c, "Z1", None, "theta_0", method="exact", qubits=q)
    row = next(line for line in out.splitlines() if line.startswith("theta_0"))
    assert f"{float(ref.values[0]):.3e}" in row
    assert f"{float(plain.values[0]):.3e}" not in row
    assert "initialization gaussian:0.3" in out and "depolarize" in out
