"""A circuit with ``u3`` and ``crz`` gates carrying trainable symbols (see docs/guide: exact engine).

``bpcalc exact --circuit examples/crz_u3.py:circuit --qubits 4 --observable Z1`` and
``bpcalc analyze examples/crz_u3.py:circuit --arg n=4 --observable Z1`` give exact
variances: ``u3(a, b, c)`` is written as ``rz(πc) ry(πa) rz(πb)`` (independent symbols) and
``crz(t)`` as the two commuting rotations ``exp(-i(t/2)Z_t/2) exp(+i(t/2)Z_cZ_t/2)``,
averaged jointly over ``t ~ U[0, 4π)``.
"""

import cirq
import sympy
from cirq.circuits.qasm_output import QasmUGate


def circuit(n: int = 4) -> cirq.Circuit:
    """``u3`` on every qubit, a ladder of ``crz``, then ``ry`` on every qubit."""
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    for j in range(n):
        c.append(QasmUGate(sympy.Symbol(f"a_{j}"), sympy.Symbol(f"b_{j}"), sympy.Symbol(f"c_{j}")).on(q[j]))
    for j in range(n - 1):
        c.append(cirq.ControlledGate(cirq.rz(sympy.Symbol(f"t_{j}"))).on(q[j], q[j + 1]))
    for j in range(n):
        c.append(cirq.ry(sympy.Symbol(f"r_{j}")).on(q[j]))
    return c
