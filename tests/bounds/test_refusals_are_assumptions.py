"""Only a failed assumption is a refusal; bugs propagate (issue 13, item 6).

``Theorem.instantiate`` used to turn a KeyError/AttributeError inside a substitution into a
"refused" row, and ``analyze`` turned any exception of the exact engine into a note.  Now
only :class:`bpcalc.bounds.bound.AssumptionFailed` (and a memory budget, whose message names the
method that fits) is a refusal / note.
"""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from bpcalc import circuits
from bpcalc.bounds import MemoryBudgetExceeded, get_theorem
from bpcalc.bounds.bound import AssumptionFailed
from bpcalc.bounds.registry import Context

analyze_module = importlib.import_module("bpcalc.bounds.analysis")


def _model():
    hea = circuits.hardware_efficient(2, 1)
    return circuits.Model(ansatz=hea, observable=circuits.local_cost(sorted(hea.all_qubits())))


def _with_substitution(fn):
    t = get_theorem("mcclean2018.one_sided_two_design")
    return dataclasses.replace(t, substitutions=fn)


@pytest.mark.parametrize("bug", [KeyError("Delta_O"), AttributeError("'NoneType' object has no attribute 'qubits'"),
                                 TypeError("unsupported operand"), ZeroDivisionError("division by zero")])
def test_buggy_substitution_raises(bug):
    def buggy(ctx):
        raise bug

    theorem = _with_substitution(buggy)
    model = _model()
    with pytest.raises(type(bug)):
        theorem.instantiate(Context(model=model, parameter=model.trainable_symbols[0]), check=False)


def test_failed_assumption_in_substitution_is_a_refusal():
    def refuses(ctx):
        raise AssumptionFailed("the observable is not in the dynamical Lie algebra")

    theorem = _with_substitution(refuses)
    model = _model()
    inst = theorem.instantiate(Context(model=model, parameter=model.trainable_symbols[0]), check=False)
    assert not inst.values and all("dynamical Lie algebra" in r.reason for r in inst.refused)


def test_buggy_assumption_check_raises():
    from bpcalc.bounds.bound import Assumption

    def buggy_check(ctx):
        return {}["missing"]

    with pytest.raises(KeyError):
        Assumption("x_holds", "x holds", buggy_check).evaluate(Context())


@pytest.mark.parametrize("bug", [KeyError("p"), RuntimeError("engine bug"), IndexError("index 3 is out of bounds")])
def test_buggy_exact_engine_raises_in_analyze(monkeypatch, bug):
    import bpcalc.bounds.exact

    def buggy(*args, **kwargs):
        raise bug

    monkeypatch.setattr(bpcalc.bounds.exact, "exact_model_gradient_variance", buggy)
    with pytest.raises(type(bug)):
        analyze_module.exact_variances(_model(), list(_model().trainable_symbols)[:1])


@pytest.mark.parametrize("refusal", [AssumptionFailed("operation u3 is not a Pauli rotation"),
                                     MemoryBudgetExceeded("exact enumeration needs 8 GiB; use path sampling")])
def test_engine_refusal_becomes_a_note(monkeypatch, refusal):
    import bpcalc.bounds.exact

    def refuses(*args, **kwargs):
        raise refusal

    monkeypatch.setattr(bpcalc.bounds.exact, "exact_model_gradient_variance", refuses)
    out, note = analyze_module.exact_variances(_model(), list(_model().trainable_symbols)[:1])
    assert out == {} and str(refusal) in note


def test_unsupported_gate_is_still_a_note():
    import cirq
    import sympy

    q = cirq.LineQubit.range(1)  # Z^-a X^0.3 Z^a: a tie across a non-commuting rotation
    c = cirq.Circuit(cirq.PhasedXPowGate(phase_exponent=sympy.Symbol("a"), exponent=0.3).on(q[0]))
    model = circuits.Model(ansatz=c, observable=circuits.local_cost(q))
    out, note = analyze_module.exact_variances(model, [sympy.Symbol("a")])
    assert out == {} and "refused" in note
