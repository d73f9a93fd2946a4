import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits

QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
ry(theta_0) q[0];
rz(2*x_1) q[1];
cx q[0],q[2];
rx(pi/4) q[2];
"""

QASM3 = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[2] q;
ry(theta) q[0];
cx q[0], q[1];
"""


def test_qasm2_named_angles_become_symbols(tmp_path):
    path = tmp_path / "c.qasm"
    path.write_text(QASM2)
    c = circuits.load_circuit(path)
    assert {s.name for s in cirq.parameter_symbols(c)} == {"theta_0", "x_1"}
    assert sorted(c.all_qubits()) == cirq.LineQubit.range(3)
    resolved = cirq.resolve_parameters(c, {"theta_0": 0.7, "x_1": 0.2})
    q = cirq.LineQubit.range(3)
    expected = cirq.Circuit(cirq.ry(0.7)(q[0]), cirq.rz(0.4)(q[1]), cirq.CNOT(q[0], q[2]), cirq.rx(np.pi / 4)(q[2]))
    cirq.testing.assert_allclose_up_to_global_phase(
        cirq.unitary(resolved), cirq.unitary(expected), atol=1e-8
    )


def test_qasm3_inputs(tmp_path):
    path = tmp_path / "c3.qasm"
    path.write_text(QASM3)
    c = circuits.load_circuit(path)
    assert cirq.parameter_symbols(c) == {sympy.Symbol("theta")}


def test_qasm_errors_have_line_numbers(tmp_path):
    path = tmp_path / "bad.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nry(0.3) q[0]\ncx q[0];\n')
    with pytest.raises(ValueError, match="line 5"):
        circuits.load_circuit(path)
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfoo q[0];\n')
    with pytest.raises(ValueError, match='Unknown gate "foo" at line 4'):
        circuits.load_circuit(path)


def test_json_round_trip_and_errors(tmp_path):
    c = circuits.hardware_efficient(3, 2)
    path = tmp_path / "c.json"
    cirq.to_json(c, path)
    assert circuits.load_circuit(path) == c
    cirq.to_json(cirq.X, tmp_path / "gate.json")
    with pytest.raises(ValueError, match="not a circuit"):
        circuits.load_circuit(tmp_path / "gate.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a Cirq JSON"):
        circuits.load_circuit(tmp_path / "junk.json")
    with pytest.raises(FileNotFoundError):
        circuits.load_circuit(tmp_path / "missing.qasm")


def test_factory_module_and_file(tmp_path):
    assert circuits.load_circuit("bpcalc.circuits.ansatz:hardware_efficient", n=2, layers=1) == circuits.hardware_efficient(2, 1)
    f = tmp_path / "family.py"
    f.write_text("import circuits\n\ndef make(n):\n    return circuits.qcnn(n)\n\ndef bad(n):\n    return 3\n")
    assert circuits.load_circuit(f"{f}:make", n=4) == circuits.qcnn(4)
    with pytest.raises(ValueError, match="not a cirq.Circuit"):
        circuits.load_circuit(f"{f}:bad", n=4)
    with pytest.raises(ValueError, match="no callable"):
        circuits.load_circuit(f"{f}:nothing")
    with pytest.raises(ValueError, match="cannot import"):
        circuits.load_circuit("no_such_module_xyz:f")


def test_classify_symbols():
    c = circuits.tensor_product_embedding(2) + circuits.hardware_efficient(2, 1)
    roles = circuits.classify_symbols(c)
    assert all(s.name.startswith("theta") for s in roles.trainable)
    assert [s.name for s in roles.data] == ["x_0", "x_1"]
    with pytest.raises(ValueError, match="neither trainable"):
        circuits.classify_symbols(c, trainable="theta_0_0_*")
    with pytest.raises(ValueError, match="both"):
        circuits.classify_symbols(c, trainable="*", data="x_*")
