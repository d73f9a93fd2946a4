"""Issue 18: every theorem page says which observable normalisation it assumes.

The convention: each registered theorem's ``statement`` contains ``"Observable normalisation:"`` followed by
what it assumes (``any O through Δ(O)``, ``O = (1/n) Σ_j |0⟩⟨0|_j``, ``none (no observable is involved …)``),
and the generated page ``docs/theorems/<key>.md`` (``bpcalc docs``) shows it.  The seed's ``r_{n,s}``
is the reason: it assumes the projector form, and with ``(1/n) Σ_j Z_j`` the variance is 4× larger.
"""

from __future__ import annotations

import pathlib

import pytest

from bpcalc.bounds.registry import default_registry

REGISTRY = default_registry()
DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "theorems"
MARK = "Observable normalisation:"


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_statement_declares_observable_normalisation(key):
    statement = REGISTRY[key].statement
    assert MARK in statement, f"{key}: the statement must say '{MARK} …' (which O it assumes, or none)"
    assert len(statement.split(MARK, 1)[1].strip()) >= 4, f"{key}: '{MARK}' is followed by nothing"


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_generated_page_shows_observable_normalisation(key):
    page = DOCS / f"{key}.md"
    assert page.exists(), f"{page} missing: run `python -m bpcalc.verify.cli docs`"
    text = " ".join(page.read_text(encoding="utf-8").split())   # the page may wrap lines
    assert MARK in text, f"{page.name} does not show the observable normalisation: regenerate the docs"


def test_the_check_can_fail():
    """A statement without the mark is caught (the test above is not vacuous)."""
    stripped = {k: t.statement.replace(MARK, "Observable:") for k, t in REGISTRY.items()}
    assert all(MARK not in s for s in stripped.values())
