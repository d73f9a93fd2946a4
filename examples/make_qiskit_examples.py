"""Regenerate the Qiskit-made examples (needs ``pip install 'bpcalc[qiskit]'``).

* ``qiskit_hea_qasm3.qasm`` — ``qiskit.qasm3.dumps`` of a 4-qubit hardware-efficient circuit with
  a ``ParameterVector("θ", 12)`` (RY/RZ layers, CX chain, one RZZ, terminal measurements);
* ``qiskit_hea.qpy`` — the same circuit written with ``qiskit.qpy.dump``.

Run from the repository root: ``python examples/make_qiskit_examples.py``.
"""

from pathlib import Path

from qiskit import QuantumCircuit, qasm3, qpy
from qiskit.circuit import ParameterVector


def qiskit_hea(n: int = 4) -> QuantumCircuit:
    """A small hardware-efficient ansatz written the Qiskit way (θ[k], one rzz, measure_all)."""
    theta = ParameterVector("θ", 3 * n)
    qc = QuantumCircuit(n, name="qiskit_hea")
    for q in range(n):
        qc.ry(theta[q], q)
        qc.rz(theta[n + q], q)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    qc.rzz(theta[2 * n], 0, n - 1)
    for q in range(1, n):
        qc.ry(2 * theta[2 * n + q] + 1, q)
    qc.measure_all()
    return qc


if __name__ == "__main__":
    here = Path(__file__).parent
    qc = qiskit_hea()
    (here / "qiskit_hea_qasm3.qasm").write_text(qasm3.dumps(qc))
    with open(here / "qiskit_hea.qpy", "wb") as fh:
        qpy.dump(qc, fh)
