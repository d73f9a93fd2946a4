"""Tests of verify.report: one report model rendered as JSON, Markdown and LaTeX."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import sympy

from bpcalc.bounds.bound import Bound, Citation, sym
from bpcalc.verify import __version__
from bpcalc.verify.report import (
    Figure,
    Report,
    Table,
    bibtex,
    bounds_latex_table,
    cite_key,
    format_cell,
    to_json,
    to_markdown,
    write_report,
)

CITE = Citation(
    authors="Thanasilp, Wang, Nghiem, Coles, Cerezo",
    title="Subtleties in the trainability of quantum machine learning models",
    arxiv="2110.14753",
    year=2021,
    locator="Theorem 2",
)
MCCLEAN = Citation(
    authors="McClean, Boixo, Smelyanskiy, Babbush, Neven",
    title="Barren plateaus in quantum neural network training landscapes",
    arxiv="1803.11173",
    year=2018,
    locator="Eq. (5)",
)


def _bounds():
    n, s = sym("n"), sym("s")
    r = s * 2 ** (3 * (s - 1)) / (n**2 * (2 ** (2 * s) - 1) ** 2)
    b1 = Bound("dataset_induced_variance", "exact", r * sym("D_HS"), citation=CITE)
    d = 2**n
    b2 = Bound("two_design_variance", "exact", d**2 / (2 * (d**2 - 1) ** 2) * sym("Delta_O") * sym("Delta_rho"), citation=MCCLEAN)
    return b1, b2


def _report(**kw):
    base = dict(
        title="Test report",
        summary="All bounds hold.",
        tables=(Table("Variances", ("n", "Var", "ok"), ((4, 0.0123456, True), (6, 1.5e-7, False), (8, None, True))),),
        figures=(Figure("var.png", "Var vs n"),),
        bounds=_bounds(),
        results={"var": np.array([0.1, 0.2]), "log10": -math.inf, "bad": float("nan"), "n": np.int64(4)},
        config={"n": [4, 6, 8]},
        seeds={"theta": 7, "data": 0},
        timings={"sample": 1.25},
    )
    base.update(kw)
    return Report(**base)


def test_json_has_versions_seeds_timings_and_all_numbers():
    doc = json.loads(to_json(_report()))
    assert doc["versions"]["bpcalc"] == __version__
    assert doc["versions"]["required"]["cirq"]
    assert doc["seeds"] == {"theta": 7, "data": 0}
    assert doc["timings_s"]["sample"] == 1.25
    assert doc["results"]["var"] == [0.1, 0.2]
    assert doc["results"]["log10"] == "-inf" and doc["results"]["bad"] == "nan"
    assert doc["results"]["n"] == 4
    assert doc["tables"][0]["rows"][0] == {"n": 4, "Var": 0.0123456, "ok": True}
    names = [b["name"] for b in doc["bounds"]]
    assert names == ["dataset_induced_variance", "two_design_variance"]
    assert doc["bounds"][0]["citation"]["arxiv"] == "2110.14753"


def test_markdown_renders_every_row_figure_and_bound():
    md = to_markdown(_report())
    assert md.startswith("# Test report\n")
    table_rows = [l for l in md.splitlines() if l.startswith("| ")]
    assert len(table_rows) == 1 + 3  # header + rows
    assert "| 4 | 0.01235 | yes |" in md
    assert "| 6 | 1.500e-07 | no |" in md
    assert "| 8 | — | yes |" in md
    assert "![Var vs n](var.png)" in md
    assert "arXiv:2110.14753" in md and "arXiv:1803.11173" in md
    assert "theta = 7" in md


def test_format_cell():
    assert format_cell(None) == "—"
    assert format_cell(0.5) == "0.5"
    assert format_cell(np.float64(2.5e-9)) == "2.500e-09"
    assert format_cell(np.int32(3)) == "3"
    assert format_cell(float("inf")) == "∞"


def test_latex_table_contains_each_formula_and_a_matching_cite_key():
    b1, b2 = _bounds()
    tex = bounds_latex_table([b1, b2], values={"dataset_induced_variance": "1.2e-3"})
    for b in (b1, b2):
        assert sympy.latex(b.expr).replace(" ", "")[:20] in tex.replace(" ", "") or b.latex(citation=False) in tex
        assert b.latex(citation=False) in tex
    keys = re.findall(r"\\cite\[[^\]]*\]\{([^}]*)\}", tex)
    assert keys == [cite_key(CITE), cite_key(MCCLEAN)]
    bib = bibtex([CITE, MCCLEAN, CITE])
    assert re.findall(r"@article\{([^,]*),", bib) == keys  # deduplicated, same keys
    assert "eprint        = {2110.14753}" in bib
    assert tex.count("{") == tex.count("}")  # balanced (escaped braces are counted on both sides)
    assert r"\texttt{dataset\_induced\_variance}" in tex
    assert "1.2e-3" in tex and tex.count(r" \\") == 3  # header + 2 rows


def test_cite_key_is_author_year_word():
    assert cite_key(CITE) == "thanasilp2021subtleties"
    assert cite_key(MCCLEAN) == "mcclean2018barren"


def test_write_report_writes_all_formats(tmp_path):
    paths = write_report(_report(), tmp_path / "out")
    assert set(paths) == {"json", "markdown", "report_latex", "latex", "bibtex"}
    for p in paths.values():
        assert p.exists() and p.stat().st_size > 0
    paths = write_report(_report(bounds=()), tmp_path / "out2")
    assert set(paths) == {"json", "markdown", "report_latex"}


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="row 0 has 1 cells"):
        Table("t", ("a", "b"), ((1,),))
    with pytest.raises(TypeError, match="Table"):
        Report(title="x", tables=("not a table",))
    with pytest.raises(ValueError, match="title"):
        Report(title="")
    with pytest.raises(ValueError, match="at least one"):
        bounds_latex_table([])
    with pytest.raises(TypeError, match="Bound"):
        bounds_latex_table(["x"])
    with pytest.raises(TypeError, match="Report"):
        to_json({"title": "x"})
    with pytest.raises(TypeError, match="Citation"):
        cite_key("paper")
