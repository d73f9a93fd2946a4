"""The base install needs neither Qiskit nor PennyLane (they are imported lazily)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_BLOCK = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('qiskit', 'pennylane'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, _Block())
"""


def test_packages_import_without_the_extras_and_qpy_fails_in_one_line():
    code = _BLOCK + """
import bpcalc.verify.cli, bpcalc.bounds.from_files, bpcalc.verify.architecture; from bpcalc import circuits, bounds, verify
assert not any(m.split('.')[0] in ('qiskit', 'pennylane') for m in sys.modules)
c = circuits.load_circuit('examples/qiskit_hea_qasm3.qasm')      # QASM 3 needs no Qiskit
assert len(c.all_qubits()) == 4
rc = verify.cli.main(['analyze', 'examples/qiskit_hea.qpy', '--observable', 'Z0', '--no-theorems'])
assert rc == 2, rc
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'bpcalc[qiskit]'" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
