"""Readable str() and Jupyter reprs (_repr_markdown_/_repr_latex_/_repr_html_) of bounds, theorems, registry."""

from __future__ import annotations

import html.parser
import re

import pytest

from bpcalc.bounds.bound import Assumption, Bound, Citation, sym
from bpcalc.bounds.registry import Registry, Theorem, Verification, default_registry

REGISTRY = default_registry()
THEOREMS = list(REGISTRY.values())
VOID = {"br", "hr", "img", "meta", "input"}


class _Balanced(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def assert_well_formed_html(text: str) -> None:
    p = _Balanced()
    p.feed(text)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack)


def assert_balanced_braces(tex: str) -> None:
    depth = 0
    for m in re.finditer(r"\\[{}]|[{}]", tex):
        if m.group() in ("\\{", "\\}"):
            continue
        depth += 1 if m.group() == "{" else -1
        assert depth >= 0, tex
    assert depth == 0, tex


def _assumption_keys(t):
    return {a.key for a in (*t.assumptions, *(a for b in t.bounds for a in b.assumptions))}


@pytest.mark.parametrize("theorem", THEOREMS, ids=lambda t: t.key)
def test_theorem_reprs(theorem):
    text = str(theorem)
    lines = text.splitlines()
    assert lines[0] == f"{theorem.key}: {theorem.title}"
    assert len(lines) == 3 + len(theorem.bounds) + len(_assumption_keys(theorem))
    assert "Theorem(" not in text and "<function" not in text
    md = theorem._repr_markdown_()
    assert theorem.key in md and all(f"**{b.name}**" in md for b in theorem.bounds)
    assert all(f"`{k}`" in md for k in _assumption_keys(theorem))
    tex = theorem._repr_latex_()
    assert tex.startswith("$$") and tex.endswith("$$") and tex.count("$$") == 2
    assert_balanced_braces(tex)
    assert all(b.latex(citation=False) in tex for b in theorem.bounds)
    page = theorem._repr_html_()
    assert_well_formed_html(page)
    assert all(f"<code>{k}</code>" in page for k in _assumption_keys(theorem))


@pytest.mark.parametrize("bound", [b for t in THEOREMS for b in t.bounds], ids=lambda b: b.name)
def test_bound_reprs(bound):
    text = str(bound)
    assert "\n" not in text and text.startswith(f"{bound.name}: ")
    assert {"upper": " ≤ ", "lower": " ≥ ", "exact": " = "}[bound.kind] in text
    assert "\\operatorname" not in text and "{" not in text.split(" ≤ ")[0].split(" ≥ ")[0].split(" = ")[0]
    tex = bound._repr_latex_()
    assert tex == f"$${bound.latex(citation=False)}$$"
    assert_balanced_braces(tex)
    assert_well_formed_html(bound._repr_html_())
    md = bound._repr_markdown_()
    assert md.startswith(f"**{bound.name}**") and tex in md


def test_text_is_escaped_for_each_format():
    cite = Citation(authors="A, B", title="t", arxiv="0000.00000", year=2020, locator="Eq. (1) & <2>")
    nasty = Theorem(key="x_y.a_b", title="<script>alert(1)</script> & 100% of $money_{x}, a | b",
                    citation=cite, verification=Verification("quoted", ""),
                    bounds=(Bound("b_1", "upper", sym("n"), citation=cite,
                                  assumptions=(Assumption("k_1", "x < y & z"),)),))
    page = nasty._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "x &lt; y &amp; z" in page
    assert_well_formed_html(page)
    tex = nasty._repr_latex_()
    assert_balanced_braces(tex)
    assert r"\&" in tex and r"\_" in tex
    reg = Registry([nasty])
    assert r"\%" in reg._repr_latex_() and r"\$" in reg._repr_latex_()
    assert "<script>" not in reg._repr_html_()
    row = reg._repr_markdown_().splitlines()[2]
    assert row.count(" | ") == 4 and r"a \| b" in row  # the title's pipe does not break the table


def test_registry_listing():
    text = str(REGISTRY).splitlines()
    assert len(text) == len(REGISTRY) and all(line.split()[0] in REGISTRY for line in text)
    md = REGISTRY._repr_markdown_().splitlines()
    assert len(md) == len(REGISTRY) + 2 and all(f"`{k}`" in "\n".join(md) for k in REGISTRY)
    page = REGISTRY._repr_html_()
    assert_well_formed_html(page)
    assert page.count("<tr>") == len(REGISTRY) + 1
    tex = REGISTRY._repr_latex_()
    assert_balanced_braces(tex)
    assert tex.count(r" \\ ") == len(REGISTRY) - 1
    assert repr(REGISTRY).startswith(f"Registry({len(REGISTRY)} theorems: ")


def test_reprs_are_short_and_name_the_object():
    for t in THEOREMS:
        assert repr(t) == f"<Theorem {t.key}: {t.title}>"
        for b in t.bounds:
            assert repr(b).startswith(f"<Bound {b.name} ({b.kind}): ") and "\n" not in repr(b)
