"""OpenQASM 3 as Qiskit writes it, the bundled Qiskit-made examples, classical control (issues 17, 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.from_files import prepare_model

ROOT = Path(__file__).resolve().parents[2]
QASM3 = ROOT / "examples" / "qiskit_hea_qasm3.qasm"
QPY = ROOT / "examples" / "qiskit_hea.qpy"


def test_bundled_qiskit_qasm3_export_analyses_unchanged():
    pm = prepare_model(QASM3, "local")
    names = [s.name for s in pm.trainable]
    assert sorted(names) == sorted(f"_θ_{k}_" for k in range(12))       # Unicode names kept
    assert any("terminal measurements" in n for n in pm.notes)
    # the rzz gate definition was inlined into CX · Rz(_θ_8_) · CX, with a clean angle
    rz = [op for op in pm.model.circuit.all_operations() if "_θ_8_" in str(op)]
    assert len(rz) == 1 and circuits.as_pauli_rotation(rz[0]).angle == circuits.as_pauli_rotation(
        cirq.rz(cirq.parameter_symbols(rz[0]).pop()).on(rz[0].qubits[0])).angle
    # 2*θ + 1 is an affine angle with integer coefficient 2: the exact engine takes it
    res = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters="all", method="exact")
    assert np.all(np.isfinite(res.values)) and max(res.values) > 0


def test_qasm3_and_qiskit_routes_agree():
    qiskit = pytest.importorskip("qiskit")
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from make_qiskit_examples import qiskit_hea
    finally:
        sys.path.pop(0)
    qc = qiskit_hea()
    text = qiskit.qasm3.dumps(qc)
    assert text == QASM3.read_text()                      # the bundled file is what Qiskit writes
    from_text = prepare_model(circuits.circuit_from_qasm_text(text), "Z1*Z3 + 0.5*X2")
    from_qiskit = prepare_model(qc, "Z1*Z3 + 0.5*X2")
    from_qpy = prepare_model(QPY, "Z1*Z3 + 0.5*X2")
    rename = {f"_θ_{k}_": f"θ[{k}]" for k in range(12)}
    values = {}
    for key, pm in (("qasm3", from_text), ("qiskit", from_qiskit), ("qpy", from_qpy)):
        res = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters="all", method="exact")
        values[key] = {rename.get(s.name, s.name): v for s, v in zip(res.parameters, res.values)}
    assert set(values["qasm3"]) == set(values["qiskit"]) == set(values["qpy"])
    for name in values["qiskit"]:
        assert values["qasm3"][name] == pytest.approx(values["qiskit"][name], abs=1e-12)
        assert values["qpy"][name] == pytest.approx(values["qiskit"][name], abs=1e-12)


def test_freshly_dumped_qasm3_with_plain_parameter_and_custom_gate():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.circuit import Parameter

    a, b = Parameter("α"), Parameter("theta")
    inner = qiskit.QuantumCircuit(2, name="blk")
    inner.ry(a, 0)
    inner.cx(0, 1)
    qc = qiskit.QuantumCircuit(3)
    qc.append(inner.to_gate(), [1, 2])
    qc.rx(b / 2 + 0.25, 0)
    qc.cz(0, 1)
    c = circuits.circuit_from_qasm_text(qiskit.qasm3.dumps(qc))
    assert {s.name for s in cirq.parameter_symbols(c)} == {"α", "theta"}
    vals = {"α": 0.7, "theta": -1.3}
    u_text = cirq.resolve_parameters(c, vals).unitary(qubit_order=cirq.LineQubit.range(3)[::-1])
    from qiskit.quantum_info import Operator

    cirq.testing.assert_allclose_up_to_global_phase(
        u_text, Operator(qc.assign_parameters({a: 0.7, b: -1.3})).data, atol=1e-10)


@pytest.mark.parametrize("program", [
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\nif(c==1) x q[0];',
    'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[1] q;\nbit[1] c;\nc[0] = measure q[0];\nif (c[0]) {\n  x q[0];\n}',
])
def test_classical_control_is_refused_in_one_clear_line(program):
    with pytest.raises(ValueError) as err:
        circuits.circuit_from_qasm_text(program, source="ctl.qasm")
    message = str(err.value)
    assert "classical control ('if') is not supported" in message and "line " in message
    assert "already defined" not in message and "\n" not in message


def test_cli_analyses_qasm3_and_qpy(cli, tmp_path):
    for path in [QASM3] + ([QPY] if _has("qiskit") else []):
        proc = cli(["analyze", str(path), "--observable", "Z3", "--no-theorems"])
        assert proc.returncode == 0, proc.stderr
        assert "12 trainable" in proc.stdout


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _utf8_env():
    import os

    return {**os.environ, "PYTHONIOENCODING": "utf-8"}
