"""ragone2023.lie_algebraic_gradient in the project's parameter convention (issue 13, item 4).

For ``X**s``-style gates the exact engine differentiates by the angle ``πs`` (default
``exponent_symbols='angle'``); the theorem's ``c_k`` must be the same chain-rule factor
(``circuits.parameter_convention``), not the raw coefficient ``π`` (a factor π² too large).
"""

from __future__ import annotations

import cirq
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.registry import Context


def _deep_pow_circuit(n: int, layers: int) -> tuple[cirq.Circuit, list]:
    """X**s, Y**s and ZZ**s layers (DLA su(2^n)) — exponents, angle π·s."""
    q = cirq.LineQubit.range(n)
    c = cirq.Circuit()
    k = 0
    for _ in range(layers):
        for i in range(n):
            for g in (cirq.X, cirq.Y):
                c.append((g ** sympy.Symbol(f"t{k}")).on(q[i]))
                k += 1
        for i in range(n - 1):
            c.append((cirq.ZZ ** sympy.Symbol(f"t{k}")).on(q[i], q[i + 1]))
            k += 1
    return c, q


@pytest.mark.parametrize("convention", ["angle", "symbol"])
def test_ragone_gradient_matches_exact_engine_for_exponent_gates(convention):
    """Side by side with bpcalc's exact engine, in the same convention (was π² times too large)."""
    c, q = _deep_pow_circuit(2, 40)
    model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum("Z0", qubits=q))
    s = sympy.Symbol(f"t{len(model.trainable_symbols) // 2}")
    assert isinstance((next(op for op in c.all_operations() if s in cirq.parameter_symbols(op))).gate,
                      (cirq.XPowGate, cirq.YPowGate, cirq.ZZPowGate))
    theorem = get_theorem("ragone2023.lie_algebraic_gradient")
    inst = theorem.instantiate(Context(model=model, parameter=s, declared={"deep_circuit"},
                                       extra={"exponent_symbols": convention}))
    assert not inst.refused, inst.refused
    exact = exact_gradient_variance(model.circuit, model.observable, parameters=[s], qubits=model.qubits,
                                    exponent_symbols=convention).values[0]
    assert inst.value("variance").value == pytest.approx(exact, rel=1e-2)
