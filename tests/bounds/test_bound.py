"""The Bound type: log-space evaluation, asymptotics, LaTeX, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from bpcalc.bounds.bound import Assumption, Bound, Check, Citation, format_log10, idx, sym

n = sym("n")
CITE = Citation(authors="A, B", title="T", arxiv="0000.00000", year=2020, locator="Eq. (1)")


def test_two_design_form_at_a_million_qubits_is_finite_in_log_space():
    d = 2**n
    b = Bound("v", "exact", d**2 / (2 * (d**2 - 1) ** 2), citation=CITE)
    v = b.evaluate(n=10**6)
    expected = -2 * 10**6 * math.log10(2) - math.log10(2)  # d²/(2(d²−1)²) = 4^-n/2 (1 + O(4^-n))
    assert v.value == 0.0 and v.underflows and v.sign == 1
    assert math.isfinite(v.log10) and v.log10 == pytest.approx(expected, abs=1e-9)
    assert str(v).endswith("e-602061")


def test_small_values_match_float_arithmetic():
    b = Bound("v", "upper", sym("s") * 2 ** (3 * (sym("s") - 1)) / (n**2 * (2 ** (2 * sym("s")) - 1) ** 2))
    for nn, ss in [(4, 2), (10, 1), (12, 3)]:
        exact = ss * 2 ** (3 * (ss - 1)) / (nn**2 * (2 ** (2 * ss) - 1) ** 2)
        assert b.evaluate(n=nn, s=ss).value == pytest.approx(exact, rel=1e-14)


def test_per_datapoint_sums_evaluate_without_expansion():
    g = sympy.IndexedBase("g")
    i = idx()
    b = Bound("v", "upper", (sympy.Sum(sympy.sqrt(g[i]), (i, 1, sym("N"))) / sym("N")) ** 2, symbols={"g": "per point"})
    vals = np.linspace(0.1, 1.0, 500)
    assert b.evaluate(N=500, g=vals).value == pytest.approx(np.mean(np.sqrt(vals)) ** 2, rel=1e-12)
    with pytest.raises(ValueError, match="entries"):
        b.evaluate(N=600, g=vals)
    with pytest.raises(TypeError, match="per data point"):
        b.evaluate(N=3, g=1.0)


@pytest.mark.parametrize("expr,kind,base,degree", [
    (2**(2 * n) / (2 * (2**(2 * n) - 1) ** 2), "exponential", 4, 0),
    (n / (2**n + 1), "exponential", 2, 1),
    (3 * n**2 / (n + 1) ** 4, "polynomial", 1, -2),
    (sympy.Integer(5), "polynomial", 1, 0),
])
def test_asymptotic_classification(expr, kind, base, degree):
    a = Bound("v", "upper", expr).asymptotics()
    assert a.kind == kind
    assert a.base == pytest.approx(base, rel=1e-6)
    assert a.degree == pytest.approx(degree, abs=1e-6)
    if kind == "exponential":
        assert a.base_expr == base and a.exponentially_vanishing


def test_superexponential_and_zero():
    assert Bound("v", "upper", sympy.exp(-n**2)).asymptotics().kind == "superexponential"
    assert Bound("v", "upper", 0 * n).asymptotics().kind == "zero"


def test_latex_and_substitute():
    b = Bound("v", "exact", sym("D_HS") / (2**n + 1), citation=CITE)
    assert r"D_{\mathrm{HS}}" in b.latex()
    assert "arXiv:0000.00000" in b.latex()
    assert b.latex(citation=False).startswith(r"\operatorname{Var}") and " = " in b.latex(citation=False)
    haar = b.substitute(D_HS=(2 ** sym("s") - 2 ** (-sym("s"))))
    assert set(haar.inputs) == {"n", "s"}
    assert haar.evaluate(n=4, s=2).value == pytest.approx((4 - 0.25) / 17)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="kind"):
        Bound("v", "sideways", n)
    with pytest.raises(ValueError, match="not described"):
        Bound("v", "upper", sympy.Symbol("mystery") * n)
    b = Bound("v", "upper", sym("D_HS") / n)
    with pytest.raises(ValueError, match="missing"):
        b.evaluate(n=3)
    with pytest.raises(ValueError, match="unknown inputs"):
        b.evaluate(n=3, D_HS=0.1, q_bogus=1)
    with pytest.raises(ValueError, match="finite"):
        b.evaluate(n=3, D_HS=float("nan"))
    with pytest.raises(ValueError, match="finite"):
        b.evaluate(n=3, D_HS=float("inf"))
    with pytest.raises(TypeError):
        b.evaluate(n=3, D_HS="0.1")
    with pytest.raises(ValueError, match="cannot evaluate|non-finite"):
        Bound("v", "upper", 1 / (n - 3)).evaluate(n=3)
    with pytest.raises(ValueError):
        sym("not_a_standard_symbol")
    with pytest.raises(ValueError):
        Citation(authors="", title="t", arxiv="1", year=2020, locator="x")


def test_assumption_checks_never_assume():
    undeclared = Assumption("needs_declaration", "some hypothesis")
    ctx = type("Ctx", (), {"declared": frozenset()})()
    assert undeclared.evaluate(ctx).holds is None
    ctx.declared = frozenset({"needs_declaration"})
    assert undeclared.evaluate(ctx).holds is True
    boom = Assumption("boom", "raises", lambda c: (_ for _ in ()).throw(ValueError("no data")))
    c = boom.evaluate(ctx)
    assert isinstance(c, Check) and c.holds is None and "no data" in c.reason


def test_format_log10():
    assert format_log10(-602060.292) == "5.1e-602061"
    assert format_log10(0.0) == "1.0e0"
    assert format_log10(-math.inf, 0) == "0"


def test_non_positive_lower_bounds_are_marked_vacuous():
    import sympy as sp
    from bpcalc.bounds.bound import Bound

    x = sp.Symbol("x", real=True)
    low = Bound(name="low", kind="lower", expr=x - 1, quantity="V", symbols={"x": "a number"})
    assert low.evaluate(x=0.5).vacuous and "(vacuous)" in str(low.evaluate(x=0.5))
    assert low.evaluate(x=1).vacuous  # exactly zero says nothing either
    assert not low.evaluate(x=3).vacuous and "vacuous" not in str(low.evaluate(x=3))
    up = Bound(name="up", kind="upper", expr=x - 1, quantity="V", symbols={"x": "a number"})
    assert not up.evaluate(x=0.5).vacuous  # a negative upper bound is a claim (and checkable), not vacuous
    assert low.evaluate(x=0.5).to_dict()["vacuous"] is True
