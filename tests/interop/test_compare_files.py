"""``compare`` takes files side by side (issue 17 item 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cirq
import pytest

from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.from_files import prepare_model
from bpcalc.verify.architecture import compare_architectures, resolve_architecture

ROOT = Path(__file__).resolve().parents[2]
QASM3 = str(ROOT / "examples" / "qiskit_hea_qasm3.qasm")
SIM2 = str(ROOT / "examples" / "sim2019_circuit2.qasm")


def test_files_side_by_side_with_a_family():
    cmp = compare_architectures([QASM3, SIM2, "hea"], "4", "Z3")
    values = {p.architecture: p.value for p in cmp.points}
    for path in (QASM3, SIM2):
        pm = prepare_model(path, "Z3")
        first = pm.model.trainable_symbols[0]
        ref = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters=[first], method="exact")
        assert values[Path(path).stem] == pytest.approx(float(ref.values[0]), abs=1e-14)
    assert values["hea"] is not None


def test_file_at_another_size_is_not_computed_with_reason():
    cmp = compare_architectures([QASM3], "4,6", "Z0")
    by_n = {p.n: p for p in cmp.points}
    assert by_n[4].value is not None and by_n[6].value is None
    assert "one circuit on 4 qubits" in by_n[6].note


def test_default_sizes_are_the_files_own_and_fixed_factory(tmp_path):
    factory = tmp_path / "fixed.py"
    factory.write_text("import cirq, sympy\n"
                       "def my_circuit():\n"
                       "    q = cirq.LineQubit.range(4)\n"
                       "    return cirq.Circuit([cirq.ry(sympy.Symbol(f't{k}')).on(q[k]) for k in range(4)] + [cirq.CZ(q[0], q[3])])\n")
    arch = resolve_architecture(f"{factory}:my_circuit")
    assert arch.fixed_n == 4
    cmp = compare_architectures([QASM3, f"{factory}:my_circuit"], None, "Z3")
    assert cmp.qubits == (4,) and all(p.value is not None for p in cmp.points)


def test_cli_compare_files(cli):
    proc = cli(["compare", "examples/qiskit_hea_qasm3.qasm",
                           "examples/sim2019_circuit2.qasm", "--observable", "Z3"])
    assert proc.returncode == 0, proc.stderr
    assert "qiskit_hea_qasm3" in proc.stdout and "sim2019_circuit2" in proc.stdout
