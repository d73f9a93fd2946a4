"""The theorem registry: lookup, immutability, and that every theorem names a real test."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest
import sympy

from bpcalc.bounds import Bound, Citation, Context, Theorem, Verification, get_theorem, list_theorems, register, sym
from bpcalc.bounds.registry import Registry, default_registry

ROOT = pathlib.Path(__file__).resolve().parents[2]
CITE = Citation(authors="A, B", title="T", arxiv="0000.00000", year=2020, locator="Eq. (1)")


def _dummy(key: str = "dummy.thing") -> Theorem:
    return Theorem(key=key, title="t", citation=CITE, bounds=(Bound("b", "upper", 2 ** -sym("n")),),
                   verification=Verification("quoted", ""), substitutions=lambda ctx: {"n": 3})


def test_this_issue_theorems_are_registered():
    keys = {t.key for t in list_theorems()}
    assert {"mcclean2018.two_design", "mcclean2018.one_sided_two_design", "thanasilp2021.qml_from_vqa",
            "thanasilp2021.tensor_product_variance", "thanasilp2021.tensor_product_cross_terms",
            "thanasilp2021.tensor_product_linear_loss", "thanasilp2021.tensor_product_mse_nll",
            "thanasilp2021.data_expressibility"} <= keys


@pytest.mark.parametrize("theorem", [t for t in list_theorems() if t.paper in ("mcclean2018", "thanasilp2021")],
                         ids=lambda t: t.key)
def test_every_theorem_names_an_existing_test_and_renders(theorem):
    assert theorem.verification.status in ("verified", "corrected")
    for node in theorem.verification.test.split(","):
        path, _, name = node.strip().partition("::")
        tree = ast.parse((ROOT / path).read_text())
        assert name in {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}, node
    assert re.match(r"^\d{4}\.\d{4,5}$", theorem.citation.arxiv)
    for b in theorem.bounds:
        assert b.latex().count("arXiv:") == 1
        assert b.kind in ("upper", "lower", "exact")


def test_get_theorem_and_bad_keys():
    assert get_theorem("mcclean2018.two_design").paper == "mcclean2018"
    with pytest.raises(ValueError, match="unknown theorem"):
        get_theorem("nobody2099.nothing")
    with pytest.raises(TypeError):
        get_theorem(3)
    with pytest.raises(ValueError, match="status"):
        list_theorems(status="rumoured")


def test_register_returns_a_new_registry_and_rejects_duplicates():
    before = len(default_registry())
    reg = register(_dummy())
    assert len(reg) == before + 1 and len(default_registry()) == before
    assert reg.get("dummy.thing").instantiate(Context()).values[0].value == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="duplicate"):
        reg.register(_dummy())
    with pytest.raises(ValueError, match="look like"):
        _dummy("NoDot")
    with pytest.raises(ValueError, match="must name the test"):
        Verification("verified", "")
    with pytest.raises(TypeError):
        Registry([object()])


def test_instantiate_reports_missing_numbers_as_refusals():
    t = Theorem(key="dummy.missing", title="t", citation=CITE,
                bounds=(Bound("b", "upper", sym("D_HS") * 2 ** -sym("n")),),
                verification=Verification("quoted", ""), substitutions=lambda ctx: {"n": 3})
    inst = t.instantiate(Context())
    assert inst.values == () and "D_HS" in inst.refused[0].reason
    assert t.instantiate(Context(values={"D_HS": 0.5})).values[0].value == pytest.approx(0.5 / 8)
