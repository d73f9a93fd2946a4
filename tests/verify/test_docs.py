"""The generated documentation pages match the code, and the site builds with --strict."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import sympy

from bpcalc.bounds.bound import Assumption, Bound, Citation, sym
from bpcalc.bounds.registry import Registry, Theorem, Verification
from bpcalc.verify.docgen import GENERATED_MARK, cli_reference, stale_docs, theorem_index, theorem_page, write_docs

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _theorem():
    cite = Citation(authors="McClean, Boixo, Smelyanskiy, Babbush, Neven",
                    title="Barren plateaus in quantum neural network training landscapes",
                    arxiv="1803.11173", year=2018, locator="Eq. (5)")
    n = sym("n")
    b = Bound("variance", "exact", 2 ** (2 * n) / (2 * (2 ** (2 * n) - 1) ** 2) * sym("Delta_O") * sym("Delta_rho"),
              citation=cite)
    return Theorem(key="example.two_design", title="Two-design gradient variance", citation=cite, bounds=(b,),
                   assumptions=(Assumption("two_design", "V_- and V_+ are 2-designs <both sides>"),),
                   verification=Verification("verified", "tests/x.py::test_y", "brute force"),
                   statement="If $U$ is a 2-design then Var < 1 & so on.")


def test_theorem_page_has_statement_assumptions_formula_citation_and_verification():
    t = _theorem()
    page = theorem_page(t)
    assert page.startswith(GENERATED_MARK)
    assert "# Two-design gradient variance" in page
    assert "arXiv:1803.11173" in page and "Eq. (5)" in page
    assert "`two_design`" in page and "not machine-checkable" in page
    assert t.bounds[0].latex(citation=False) in page  # LaTeX source block
    assert sympy.latex(2 ** (2 * sym("n"))) in page
    assert "tests/x.py::test_y" in page and "**verified**" in page
    assert "Var &lt; 1 &amp; so on" in page  # raw HTML block is escaped
    with pytest.raises(TypeError, match="Theorem"):
        theorem_page("not a theorem")


def test_theorem_index_links_every_theorem():
    reg = Registry([_theorem()])
    index = theorem_index(reg)
    assert "[`example.two_design`](example.two_design.md)" in index
    assert "No theorem" in theorem_index(Registry([]))


def test_write_docs_then_nothing_is_stale_and_orphans_are_removed(tmp_path):
    reg = Registry([_theorem()])
    (tmp_path / "theorems").mkdir()
    orphan = tmp_path / "theorems" / "gone.md"
    orphan.write_text(GENERATED_MARK + "\nold\n")
    handwritten = tmp_path / "theorems" / "notes.md"
    handwritten.write_text("# notes by hand\n")
    assert "theorems/gone.md" in stale_docs(tmp_path, reg)
    write_docs(tmp_path, reg)
    assert stale_docs(tmp_path, reg) == []
    assert not orphan.exists() and handwritten.exists()
    assert (tmp_path / "theorems" / "example.two_design.md").exists()


def test_cli_reference_lists_every_command():
    from bpcalc.verify.cli import build_parser
    import argparse

    text = cli_reference()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        assert f"## `bpcalc {name}`" in text


def test_committed_generated_pages_are_up_to_date():
    stale = stale_docs(DOCS)
    assert not stale, f"out-of-date generated docs {stale}: run `bpcalc docs` and commit the result"


def test_mkdocs_builds_strict(tmp_path):
    import mkdocs  # noqa: F401 - a declared test dependency (extra 'docs', in 'all'): fail, never skip

    assert (ROOT / "mkdocs.yml").exists()
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]


def test_theorem_nav_in_mkdocs_yml_lists_generated_and_handwritten_pages(tmp_path):
    from bpcalc.verify.docgen import NAV_BEGIN, NAV_END

    root = tmp_path / "project"
    docs = root / "docs"
    (docs / "theorems").mkdir(parents=True)
    (docs / "theorems" / "notes-issue8.md").write_text("# Notes\n")
    (root / "mkdocs.yml").write_text(f"nav:\n  - Theorems:\n    - Overview: theorems/index.md\n    {NAV_BEGIN}\n    {NAV_END}\n")
    reg = Registry([_theorem()])
    assert "mkdocs.yml (theorem nav)" in stale_docs(docs, reg)
    write_docs(docs, reg)
    text = (root / "mkdocs.yml").read_text()
    assert "    - example.two_design: theorems/example.two_design.md\n" in text
    assert "    - notes-issue8: theorems/notes-issue8.md\n" in text
    assert stale_docs(docs, reg) == []
