"""Example circuit families for ``bpcalc analyze --family`` and ``bpcalc compare``.

A family is any function taking the number of qubits ``n`` (keyword ``n``) and returning a
``cirq.Circuit`` whose angles are sympy symbols.  Use it as ``examples/my_family.py:NAME``
(a file path) or ``my_family:NAME`` when the module is importable.

    bpcalc analyze examples/my_family.py:sim_circuit2 --observable Z0 --family examples/my_family.py:sim_circuit2 --qubits 4..12:2
    bpcalc compare hea ala examples/my_family.py:brickwork --qubits 4..16
"""

from __future__ import annotations

import cirq
import sympy


def sim_circuit2(n: int = 4, layers: int = 1) -> cirq.Circuit:
    """Circuit 2 of Sim, Johnson, Aspuru-Guzik (arXiv:1905.10876, Fig. 2) on ``n`` qubits.

    Per layer: ``RX(θ)`` and ``RZ(θ)`` on every qubit, then CNOTs ``(i -> i-1)`` for
    ``i = n-1 … 1`` (a staircase).  Symbols ``theta_x<i>`` / ``theta_z<i>`` (suffix ``_l<layer>``
    from the second layer on), stable across ``n``; ``n = 4, layers = 1`` is
    ``examples/sim2019_circuit2.qasm``.
    """
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    for layer in range(layers):
        tag = f"_l{layer}" if layer else ""
        for gate, axis in ((cirq.rx, "x"), (cirq.rz, "z")):
            c.append(cirq.Moment(gate(sympy.Symbol(f"theta_{axis}{i}{tag}")).on(q[i]) for i in range(n)))
        for i in range(n - 1, 0, -1):
            c.append(cirq.CNOT(q[i], q[i - 1]))
    return c


def brickwork(n: int = 4, layers: int = 2) -> cirq.Circuit:
    """``layers`` × (RY, RZ on every qubit; CZ on even bonds; CZ on odd bonds)."""
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    for layer in range(layers):
        c.append(cirq.Moment(cirq.ry(sympy.Symbol(f"theta_{layer}_{i}_0")).on(q[i]) for i in range(n)))
        c.append(cirq.Moment(cirq.rz(sympy.Symbol(f"theta_{layer}_{i}_1")).on(q[i]) for i in range(n)))
        for start in (0, 1):
            pairs = [cirq.CZ(q[i], q[i + 1]) for i in range(start, n - 1, 2)]
            if pairs:
                c.append(cirq.Moment(pairs))
    return c
