"""Observables on any qubits (issue 17 item 6): grid, line, named qubits, Qiskit labels."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.from_files import observable_from_spec, prepare_model


def test_qubit_forms():
    g = cirq.GridQubit
    assert circuits.parse_pauli_sum("Z(3,4)") == cirq.PauliSum.wrap(cirq.Z(g(3, 4)))
    assert circuits.parse_pauli_sum("Z(q3_4)*X(q3_5)") == cirq.PauliSum.wrap(cirq.Z(g(3, 4)) * cirq.X(g(3, 5)))
    assert circuits.parse_pauli_sum("Z(3, -1)") == cirq.PauliSum.wrap(cirq.Z(g(3, -1)))
    assert circuits.parse_pauli_sum("Z0 + Z(1)") == cirq.Z(cirq.LineQubit(0)) + cirq.Z(cirq.LineQubit(1))
    assert circuits.parse_pauli_sum("Y('anc')") == cirq.PauliSum.wrap(cirq.Y(cirq.NamedQubit("anc")))
    # Qiskit labels are little-endian: last letter = qubit 0
    q = cirq.LineQubit.range(4)
    assert circuits.parse_pauli_sum("0.5*ZZII - IIIX") == 0.5 * cirq.Z(q[2]) * cirq.Z(q[3]) - cirq.X(q[0])
    assert circuits.parse_pauli_sum("XI", qubits=[g(0, 0), g(0, 1)]) == cirq.PauliSum.wrap(cirq.X(g(0, 1)))


@pytest.mark.parametrize("bad", ["Z0*", "Z(3,)", "1e400*Z0", "Z0*Z0", "ZZ2", "Z('a)"])
def test_bad_observables_one_line(bad):
    with pytest.raises(ValueError) as err:
        circuits.parse_pauli_sum(bad)
    assert "\n" not in str(err.value)


def test_grid_circuit_observable_and_exact_variance():
    q = cirq.GridQubit.rect(2, 2, 3, 4)
    a, b, c = sympy.symbols("a b c")
    circ = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.ry(b).on(q[1]), cirq.CZ(q[0], q[1]), cirq.rx(c).on(q[1]))
    pm = prepare_model(circ, "Z(3,4)*Z(q3_5)")
    res = exact_gradient_variance(pm.model.circuit, pm.model.observable, parameters="all", method="exact")
    # same circuit on line qubits with Z0*Z1: the qubit naming must not change the numbers
    line = circ.transform_qubits({q[0]: cirq.LineQubit(0), q[1]: cirq.LineQubit(1)})
    ref = exact_gradient_variance(line, circuits.parse_pauli_sum("Z0*Z1"), parameters="all", method="exact")
    np.testing.assert_allclose(res.values, ref.values, atol=1e-14)
    assert max(res.values) > 0
    with pytest.raises(ValueError, match=r"write Z\(3,4\) or Z\(q3_4\)"):
        observable_from_spec("Z0", circ)
