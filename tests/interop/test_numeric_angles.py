"""Numeric angles -> parameters (``--trainable all|ry,rz``, ``--data``; issue 17 item 3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.from_files import prepare_model

ROOT = Path(__file__).resolve().parents[2]
NUMERIC = ROOT / "examples" / "numeric_angles_qiskit.qasm"


def _symbolic_twin(text: str) -> str:
    """The same program with every numeric ry angle replaced by a name (by hand, independently)."""
    out, k = [], 0
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("ry("):
            out.append(f"ry(t{k}) " + s.split(")", 1)[1].strip())
            k += 1
        else:
            out.append(line)
    return "\n".join(out)


def test_parametrize_angles_mapping_and_unitary():
    q = cirq.GridQubit.rect(1, 2, 3, 4)
    c = cirq.Circuit(cirq.ry(0.3).on(q[0]), cirq.rx(0.4).on(q[1]), cirq.CZ(*q), cirq.ZZ(*q) ** 0.2,
                     cirq.rz(1.2).on(q[1]), cirq.T(q[0]))
    new, mapping = circuits.parametrize_angles(c, kinds="all")
    assert [a.name for a in mapping] == ["ry_q3_4_m0", "rx_q3_5_m0", "rzz_q3_4_q3_5_m2", "rz_q3_5_m3"]
    assert [a.kind for a in mapping] == ["ry", "rx", "rzz", "rz"]
    assert mapping[2].value == pytest.approx(0.2 * np.pi)
    # resolving the new symbols at the old values gives back the old unitary (T gate untouched)
    resolved = cirq.resolve_parameters(new, {a.name: a.value for a in mapping})
    np.testing.assert_allclose(cirq.unitary(resolved), cirq.unitary(c), atol=1e-12)
    # by kind
    only_rz, m2 = circuits.parametrize_angles(c, kinds=["rz"])
    assert [a.name for a in m2] == ["rz_q3_5_m3"]
    assert {s.name for s in cirq.parameter_symbols(only_rz)} == {"rz_q3_5_m3"}
    with pytest.raises(ValueError, match="unknown gate kind 'u3'"):
        circuits.parametrize_angles(c, kinds=["u3"])


def test_numeric_qasm_is_refused_without_option_and_analysed_with_it():
    with pytest.raises(ValueError, match="--trainable all"):
        prepare_model(NUMERIC, "Z0")
    pm = prepare_model(NUMERIC, "Z0", trainable="all")
    assert len(pm.trainable) == 9 and len(pm.angle_parameters) == 9
    assert pm.trainable[0].name == "ry_q0_m0"
    assert any("ry_q0_m0 = ry on q(0), moment 0 (was 0.7324)" in n for n in pm.notes)
    # same exact variances as the hand-written symbolic twin of the file
    twin = prepare_model(circuits.circuit_from_qasm_text(_symbolic_twin(NUMERIC.read_text())), "Z0")
    a = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters="all", method="exact")
    b = exact_gradient_variance(twin.model.circuit, twin.model.observable, parameters="all", method="exact")
    np.testing.assert_allclose(a.values, b.values, atol=1e-12)
    assert max(a.values) > 0.01


def test_trainable_and_data_by_kind():
    text = """OPENQASM 2.0; include "qelib1.inc"; qreg q[2];
    rx(0.1) q[0]; rx(0.2) q[1]; cz q[0],q[1]; ry(0.3) q[0]; ry(0.4) q[1]; rz(0.5) q[0];"""
    c = circuits.circuit_from_qasm_text(text)
    pm = prepare_model(c, "Z0*Z1", trainable="ry,rz".split(","), data=["rx"])
    assert [s.name for s in pm.trainable] == ["ry_q0_m2", "ry_q1_m2", "rz_q0_m3"]
    assert len(pm.data) == 2   # renamed to x_0, x_1 for datasets, names kept in data_names
    assert sorted(pm.data_names.values()) == ["rx_q0_m0", "rx_q1_m0"]
    # 'all' for trainable takes the kinds not claimed as data
    pm2 = prepare_model(c, "Z0*Z1", trainable="all", data=["rx"])
    assert len(pm2.trainable) == 3 and len(pm2.data) == 2
    with pytest.raises(ValueError, match="both as trainable and as data"):
        prepare_model(c, "Z0", trainable=["ry"], data=["ry"])
    with pytest.raises(ValueError, match="no numeric rxx angle"):
        prepare_model(c, "Z0", trainable=["rxx"])


def test_cli_trainable_all_on_numeric_qasm(cli):
    proc = cli(["analyze", str(NUMERIC), "--trainable", "all", "--observable", "Z0",
         "--no-theorems"])
    assert proc.returncode == 0, proc.stderr
    assert "ry_q0_m0 = ry on q(0), moment 0 (was 0.7324)" in proc.stdout
    js = cli(["analyze", str(NUMERIC), "--trainable", "ry", "--observable", "Z0", "--no-theorems", "--json"])
    import json

    mapping = json.loads(js.stdout)["config"]["angle_parameters"]
    assert mapping[0] == {"name": "ry_q0_m0", "kind": "ry", "qubits": ["q(0)"], "moment": 0, "value": 0.7324}
    refused = cli(["analyze", str(NUMERIC), "--observable", "Z0", "--no-theorems"])
    assert refused.returncode != 0 and "--trainable all" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_real_qiskit_qasm2_export_with_bound_values():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.circuit.library import real_amplitudes

    qc = real_amplitudes(3, reps=2)
    bound = qc.assign_parameters(np.random.default_rng(0).uniform(-3, 3, qc.num_parameters))
    bound.measure_all()
    text = qiskit.qasm2.dumps(bound)
    with pytest.raises(ValueError, match="no parameters"):
        prepare_model(circuits.circuit_from_qasm_text(text), "Z0")
    pm = prepare_model(circuits.circuit_from_qasm_text(text), "Z0*Z2", trainable="all")
    assert len(pm.trainable) == qc.num_parameters
    # same variances as the symbolic Qiskit circuit (the bound values play no role); the
    # parameters appear in the same circuit order on both sides
    sym = prepare_model(qc, "Z0*Z2")
    a = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters="all", method="exact")
    b = exact_gradient_variance(sym.model.circuit, sym.model.observable, parameters="all", method="exact")
    np.testing.assert_allclose(a.values, b.values, atol=1e-12)
    assert max(a.values) > 0.01
