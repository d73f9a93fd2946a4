"""Reports: one report model, rendered as JSON, Markdown and a LaTeX table of the bounds.

A :class:`Report` holds everything a run produced — configuration, seeds, timings, every
number (``results``), summary tables, figures and the :class:`~bpcalc.bounds.bound.Bound` objects
used.  Renderers never compute anything; they only present the model:

* :func:`to_json` — machine-readable, with the versions of bpcalc and its dependencies
  (:func:`bpcalc.verify.commands.info.collect_info`), seeds, timings and all numbers;
* :func:`to_markdown` — a human-readable page with the tables and the figures;
* :func:`bounds_latex_table` / :func:`bibtex` — a LaTeX ``table`` of the bounds (each
  formula from :meth:`Bound.latex`, each source as ``\\cite[locator]{key}``) and the
  matching BibTeX entries, ready to paste into a paper.

:func:`write_report` writes ``report.json``, ``report.md``, ``report.tex``, ``bounds.tex`` and
``bounds.bib`` into a directory (figures are written by whoever made them, into the same
directory, and referenced by relative path).

Examples
--------
>>> from bpcalc.verify.report import Report, Table, to_markdown
>>> r = Report(title="Demo", tables=(Table("Variances", ("n", "Var"), ((4, 0.0123), (6, 0.00456))),))
>>> print(to_markdown(r).splitlines()[0])
# Demo
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import os
import pathlib
import re
import unicodedata
from typing import Any, Iterable, Mapping, Optional, Sequence

import sympy

from bpcalc.bounds.bound import Bound, Citation
from bpcalc.bounds.serialization import dumps

__all__ = [
    "Table",
    "Figure",
    "Report",
    "format_cell",
    "to_json",
    "to_markdown",
    "to_text",
    "to_latex",
    "cite_key",
    "bibtex",
    "bounds_latex_table",
    "CompactRow",
    "compact_latex_table",
    "write_report",
]


# --------------------------------------------------------------------------- model


@dataclasses.dataclass(frozen=True)
class Table:
    """A table of a report: a title, column names and rows of cells (numbers or text).

    Raises
    ------
    ValueError : a row whose length differs from the number of columns.
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""

    def __post_init__(self) -> None:
        columns = tuple(str(c) for c in self.columns)
        rows = tuple(tuple(r) for r in self.rows)
        if not columns:
            raise ValueError(f"table {self.title!r} has no columns")
        for i, r in enumerate(rows):
            if len(r) != len(columns):
                raise ValueError(f"table {self.title!r}: row {i} has {len(r)} cells, expected {len(columns)} ({columns})")
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "rows", rows)

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "caption": self.caption,
            "columns": list(self.columns),
            "rows": [dict(zip(self.columns, r)) for r in self.rows],
        }


@dataclasses.dataclass(frozen=True)
class Figure:
    """A figure file (path relative to the report directory) with its caption."""

    path: str
    caption: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything a run produced, ready to be rendered.

    Attributes
    ----------
    title : the report's title.
    summary : Markdown paragraph(s) shown first (the verdict in words).
    tables : summary tables.
    figures : figures written next to the report.
    bounds : the closed forms used (rendered in the LaTeX table, listed in JSON/Markdown).
    results : every number of the run (free-form JSON-serialisable data).
    config : the configuration (command-line options, grid …).
    seeds : every seed used, by purpose.
    timings : wall times in seconds, by stage.
    info : versions (default: :func:`bpcalc.verify.commands.info.collect_info` at render time).
    created : ISO timestamp (default: now, UTC).
    notes : remarks shown at the end (caveats, refused bounds, missing pieces).
    compact : rows of the compact LaTeX table (:func:`compact_latex_table`, written as
        ``table.tex`` next to ``bounds.tex``).
    """

    title: str
    summary: str = ""
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    bounds: tuple[Bound, ...] = ()
    results: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    seeds: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    timings: Mapping[str, float] = dataclasses.field(default_factory=dict)
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    created: str = ""
    notes: tuple[str, ...] = ()
    compact: tuple["CompactRow", ...] = ()
    compact_headers: tuple[str, ...] = ("$n$",)

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("Report.title must be a non-empty string")
        for name, typ in (("tables", Table), ("figures", Figure), ("bounds", Bound), ("compact", CompactRow)):
            items = tuple(getattr(self, name))
            for item in items:
                if not isinstance(item, typ):
                    raise TypeError(f"Report.{name} must hold {typ.__name__} objects, got {type(item).__name__}")
            object.__setattr__(self, name, items)
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        if not self.created:
            object.__setattr__(self, "created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
        if not self.info:
            from .commands.info import collect_info

            object.__setattr__(self, "info", collect_info())


# --------------------------------------------------------------------------- formatting


def format_cell(value: Any) -> str:
    """Text of one table cell: ``None`` → ``—``, floats with 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if value == 0:
            return "0"
        if 1e-3 <= abs(value) < 1e4:
            return f"{value:.4g}"
        return f"{value:.3e}"
    return str(value)


# --------------------------------------------------------------------------- JSON / Markdown


def to_json(report: Report, indent: int = 2) -> str:
    """The report as JSON: versions, config, seeds, timings, tables, bounds, all results."""
    _require_report(report)
    doc = {
        "title": report.title,
        "created": report.created,
        "versions": report.info,
        "config": report.config,
        "seeds": report.seeds,
        "timings_s": report.timings,
        "summary": report.summary,
        "tables": [t.to_dict() for t in report.tables],
        "figures": [f.to_dict() for f in report.figures],
        "bounds": [b.to_dict() for b in report.bounds],
        "compact_table": [r.to_dict() for r in report.compact],
        "results": report.results,
        "notes": list(report.notes),
    }
    return dumps(doc, indent=indent)


def _md_escape(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


def _markdown_table(table: Table) -> list[str]:
    lines = [f"### {table.title}", ""]
    if table.caption:
        lines += [table.caption, ""]
    lines.append("| " + " | ".join(_md_escape(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(_md_escape(format_cell(v)) for v in row) + " |")
    lines.append("")
    return lines


def to_markdown(report: Report) -> str:
    """The report as a Markdown page (tables, figures, bounds with citations, timings, versions)."""
    _require_report(report)
    out = [f"# {report.title}", "", f"_Generated by bpcalc {report.info.get('bpcalc', '?')} on {report.created}._", ""]
    if report.summary:
        out += [report.summary.strip(), ""]
    for t in report.tables:
        out += _markdown_table(t)
    if report.figures:
        out += ["## Figures", ""]
        for f in report.figures:
            out += [f"![{_md_escape(f.caption or f.path)}]({f.path})", ""]
            pdf = f.path[:-4] + ".pdf" if f.path.lower().endswith(".png") else ""
            if f.caption:
                out += [f"*{f.caption}*" + (f" (vector: [{pdf}]({pdf}))" if pdf else ""), ""]
    if report.bounds:
        out += ["## Closed forms used", ""]
        for b in report.bounds:
            cite = f" — {b.citation.short()}" if b.citation is not None else ""
            out += [f"- **{b.name}** ({b.kind}){cite}", "", "  ```latex", f"  {b.latex(citation=False)}", "  ```", ""]
        out += ["A LaTeX table of these bounds is in `bounds.tex` (BibTeX entries in `bounds.bib`).", ""]
    if report.compact:
        out += ["A compact LaTeX table (exact value, tightest bounds, sampled interval, verdict) is in `table.tex`.", ""]
    if report.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in report.notes] + [""]
    if report.seeds or report.timings or report.config:
        out += ["## Reproducibility", ""]
        if report.config:
            out += ["Configuration:", "", "```json", dumps(report.config, indent=2), "```", ""]
        if report.seeds:
            out += ["Seeds: " + ", ".join(f"{k} = {v}" for k, v in report.seeds.items()), ""]
        if report.timings:
            out += ["Timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items()), ""]
    req = report.info.get("required", {}) if isinstance(report.info, Mapping) else {}
    if req:
        vers = ", ".join(f"{k} {v}" for k, v in req.items())
        out += [f"Versions: Python {report.info.get('python', '?')}; {vers}.", ""]
    return "\n".join(out).rstrip() + "\n"


def to_text(report: Report, max_rows: int = 60) -> str:
    """The report as plain text for the terminal: the summary, every table as aligned columns
    (at most ``max_rows`` rows each; the JSON has all), the notes and the timings.  The same
    :class:`Report` as :func:`to_markdown`, :func:`to_json` and :func:`to_latex`."""
    _require_report(report)
    out = [report.summary.replace("**", "").strip()] if report.summary else [report.title]
    for t in report.tables:
        cells = [[format_cell(v) for v in row] for row in t.rows]
        shown = cells[:max_rows]
        widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(t.columns)]
        out += ["", f"{t.title}:"] + ([f"  ({t.caption})"] if t.caption else [])
        line = "  ".join(c.ljust(w) for c, w in zip(t.columns, widths)).rstrip()
        out += [line, "-" * len(line)]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in shown]
        if len(cells) > max_rows:
            out.append(f"… {len(cells) - max_rows} more rows (use --json or --out for all)")
    if report.notes:
        out += ["", "notes:"] + [f"  - {n}" for n in report.notes]
    if report.timings:
        out += ["", "timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())]
    return "\n".join(out)


def to_latex(report: Report) -> str:
    """The report as a LaTeX fragment: the summary, every table as a booktabs ``table`` with its
    caption, and the notes (the same :class:`Report` as :func:`to_markdown` / :func:`to_text`)."""
    _require_report(report)
    out = [f"% {_tex_text(report.title)} (bpcalc {report.info.get('bpcalc', '?')}, {report.created})"]
    if report.summary:
        out += [_tex_text(p.replace("**", "")) for p in report.summary.strip().split("\n") if p.strip()]
    for t in report.tables:
        out += ["", r"\begin{table}[ht]", r"\centering", r"\begin{tabular}{" + "l" * len(t.columns) + "}",
                r"\toprule", " & ".join(_tex_text(c) for c in t.columns) + r" \\", r"\midrule"]
        out += [" & ".join(_tex_text(format_cell(v)) for v in row) + r" \\" for row in t.rows]
        out += [r"\bottomrule", r"\end{tabular}", r"\caption{" + _tex_text(t.title + (": " + t.caption if t.caption
                                                                                     else "")) + "}",
                r"\end{table}"]
    if report.notes:
        out += ["", r"\begin{itemize}"] + [r"\item " + _tex_text(n) for n in report.notes] + [r"\end{itemize}"]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- LaTeX


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def cite_key(citation: Citation) -> str:
    """A BibTeX key ``<first author><year><first title word>``, e.g. ``thanasilp2021subtleties``.

    Raises
    ------
    TypeError : ``citation`` is not a :class:`~bpcalc.bounds.bound.Citation`.
    """
    if not isinstance(citation, Citation):
        raise TypeError(f"expected a bounds.Citation, got {type(citation).__name__}")
    author = re.sub(r"[^a-z]", "", _ascii(citation.first_author.split()[-1]).lower()) or "anon"
    small = {"a", "an", "the", "on", "of", "in", "for", "and", "to"}
    words = [re.sub(r"[^a-z]", "", _ascii(w).lower()) for w in citation.title.split()]
    word = next((w for w in words if w and w not in small), "")
    return f"{author}{citation.year}{word}"


def _bib_escape(text: str) -> str:
    return text.replace("&", r"\&").replace("%", r"\%").replace("_", r"\_")


def _bib_name(full_name: str, surname: str) -> str:
    """``"Surname, Given"``: unambiguous for BibTeX also for surnames of several words."""
    given = " ".join(full_name.split())[: -len(" ".join(surname.split()))].strip()
    return f"{surname}, {given}" if given else surname


def bibtex(citations: Iterable[Citation]) -> str:
    """BibTeX ``@article`` entries (with ``eprint``/``archivePrefix``) for distinct citations.

    Authors carry their full names (``Citation.full_authors``, written ``Surname, Given``) where
    the citation has them, else the surnames it was written with.

    Examples
    --------
    >>> from bpcalc.bounds.bound import Citation
    >>> c = Citation(authors="Ortiz Marrero, Kieferová, Wiebe", title="Entanglement-induced barren plateaus",
    ...              arxiv="2010.15968", year=2021, locator="Theorem 1")
    >>> print(bibtex([c]).splitlines()[1])
      author        = {Ortiz Marrero, Carlos and Kieferová, Mária and Wiebe, Nathan},
    """
    seen: dict[str, Citation] = {}
    for c in citations:
        if not isinstance(c, Citation):
            raise TypeError(f"expected bounds.Citation objects, got {type(c).__name__}")
        seen.setdefault(cite_key(c), c)
    entries = []
    for key, c in seen.items():
        authors = " and ".join(_bib_name(f, s) for f, s in zip(c.full_authors, c.surnames)) if c.full_authors \
            else " and ".join(c.surnames)
        fields = [
            f"  author        = {{{_bib_escape(authors)}}}",
            f"  title         = {{{{{_bib_escape(c.title)}}}}}",
            f"  year          = {{{c.year}}}",
            f"  eprint        = {{{c.arxiv}}}",
            "  archivePrefix = {arXiv}",
        ]
        if c.journal:
            fields.append(f"  journal       = {{{_bib_escape(c.journal)}}}")
        entries.append(f"@article{{{key},\n" + ",\n".join(fields) + "\n}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def _tex_text(text: str) -> str:
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(repl.get(ch, ch) for ch in text)


def bounds_latex_table(
    bounds: Sequence[Bound],
    *,
    caption: str = "Closed-form bounds on the variance of the loss gradient.",
    label: str = "tab:bpcalc-bounds",
    values: Mapping[str, Any] | None = None,
) -> str:
    """A LaTeX ``table`` of bounds: name, kind, formula (``Bound.latex``) and ``\\cite`` source.

    Parameters
    ----------
    bounds : the :class:`~bpcalc.bounds.bound.Bound` objects (each should carry a citation).
    caption, label : of the LaTeX table.
    values : optional ``bound name -> number text`` (e.g. ``str(BoundValue)``) adding a
        "value" column.

    Returns
    -------
    str : needs ``\\usepackage{amsmath,booktabs}`` and the entries of :func:`bibtex`.

    Raises
    ------
    ValueError : no bounds.
    TypeError : an item that is not a Bound.
    """
    bounds = list(bounds)
    if not bounds:
        raise ValueError("bounds_latex_table needs at least one Bound")
    for b in bounds:
        if not isinstance(b, Bound):
            raise TypeError(f"bounds_latex_table takes bounds.Bound objects, got {type(b).__name__}")
    with_values = bool(values)
    spec = "l l >{$\\displaystyle}l<{$} l" + (" l" if with_values else "")
    head = "Bound & Kind & Statement & Source" + (" & Value" if with_values else "") + r" \\"
    lines = [
        "% Generated by bpcalc; needs \\usepackage{amsmath,booktabs,array} and the entries of bounds.bib.",
        "\\begin{table}[t]",
        "\\centering",
        "\\small",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        head,
        "\\midrule",
    ]
    for b in bounds:
        if b.citation is not None:
            src = f"\\cite[{_tex_text(b.citation.locator)}]{{{cite_key(b.citation)}}}"
        else:
            src = "---"
        row = [f"\\texttt{{{_tex_text(b.name)}}}", b.kind, b.latex(citation=False), src]
        if with_values:
            row.append(_tex_text(str(values.get(b.name, "---"))))
        lines.append(" & ".join(row) + r" \\")
    lines += ["\\bottomrule", "\\end{tabular}", f"\\caption{{{_tex_text(caption)}}}", f"\\label{{{label}}}", "\\end{table}"]
    return "\n".join(lines) + "\n"


#: method markers of the compact table (shown in its caption)
METHOD_MARKERS = {"exact": "", "two-design": r"^{\mathrm{2d}}", "truncated": r"^{\dagger}", "path-sampled": r"^{\sim}"}
_MARKER_TEXT = {"two-design": "2d: exact under the declared 2-design assumption (2-design chain)",
                "truncated": "$\\dagger$: truncated Pauli propagation with a rigorous error bound",
                "path-sampled": "$\\sim$: unbiased Pauli-path sampling (95\\% interval in the report)"}


@dataclasses.dataclass(frozen=True)
class CompactRow:
    """One row of :func:`compact_latex_table` (one size or one architecture).

    Attributes
    ----------
    keys : the row's labels (e.g. ``("TPE", "8")`` or ``("hea",)``).
    exact_log10, exact_method : the exact value (``log10``) and how it was obtained
        (a key of :data:`METHOD_MARKERS`).
    upper, lower, closed_form : the tightest applicable bound of each kind as
        ``(log10 value, Citation or None)``; a vacuous lower bound must not be given.
    sampled : ``(value, ci_low, ci_high)``.
    verdict : the check / scaling verdict in words.
    """

    keys: tuple[str, ...]
    exact_log10: Optional[float] = None
    exact_method: str = "exact"
    upper: Optional[tuple] = None
    lower: Optional[tuple] = None
    closed_form: Optional[tuple] = None
    sampled: Optional[tuple[float, float, float]] = None
    verdict: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(str(k) for k in self.keys))
        if self.exact_method not in METHOD_MARKERS:
            raise ValueError(f"CompactRow.exact_method must be one of {sorted(METHOD_MARKERS)}, got {self.exact_method!r}")
        for name in ("upper", "lower", "closed_form"):
            v = getattr(self, name)
            if v is not None and (len(v) != 2 or (v[1] is not None and not isinstance(v[1], Citation))):
                raise TypeError(f"CompactRow.{name} must be (log10 value, Citation or None), got {v!r}")

    def citations(self) -> list[Citation]:
        return [v[1] for v in (self.upper, self.lower, self.closed_form) if v is not None and v[1] is not None]

    def to_dict(self) -> dict:
        return {"keys": list(self.keys), "exact_log10": self.exact_log10, "exact_method": self.exact_method,
                "upper_log10": None if self.upper is None else self.upper[0],
                "lower_log10": None if self.lower is None else self.lower[0],
                "closed_form_log10": None if self.closed_form is None else self.closed_form[0],
                "sampled": None if self.sampled is None else list(self.sampled), "verdict": self.verdict}


def _tex_sci(log10: Optional[float]) -> str:
    """``$1.23\\times10^{-4}$`` from a log10 (no float underflow)."""
    if log10 is None:
        return "---"
    if not math.isfinite(log10):
        return "$0$" if log10 < 0 else "$\\infty$"
    e = math.floor(log10)
    m = 10 ** (log10 - e)
    if m >= 9.995:
        m, e = 1.0, e + 1
    if -2 <= e <= 2:
        return f"${10 ** log10:.3g}$"
    return f"${m:.2f}\\times10^{{{e}}}$"


def _tex_value(value: float) -> str:
    return _tex_sci(math.log10(value)) if value > 0 else ("$0$" if value == 0 else f"${value:.2e}$")


def _cited(entry: Optional[tuple]) -> str:
    if entry is None:
        return "---"
    text = _tex_sci(entry[0])
    if entry[1] is not None:
        text += f"~\\cite{{{cite_key(entry[1])}}}"
    return text


def compact_latex_table(
    rows: Sequence[CompactRow],
    key_headers: Sequence[str] = ("$n$",),
    *,
    caption: str = "Gradient variance: exact value, tightest applicable bounds, sampled interval and verdict.",
    label: str = "tab:bpcalc-compact",
    confidence: float = 0.95,
) -> str:
    """A compact booktabs table: one row per size or architecture, columns exact value (with
    its method marker), the tightest applicable closed form / upper / lower bound (each with
    ``\\cite`` keys matching :func:`bibtex`), the sampled interval and the verdict.

    Columns that are empty in every row are left out.

    Raises
    ------
    ValueError : no rows, or a row with a different number of keys than ``key_headers``.

    Examples
    --------
    >>> t = compact_latex_table([CompactRow(("4",), exact_log10=-2.0, sampled=(0.011, 0.009, 0.013),
    ...                                     verdict="agree")])
    >>> "\\\\toprule" in t and "$0.01$" in t
    True
    """
    rows = list(rows)
    if not rows:
        raise ValueError("compact_latex_table needs at least one row")
    for r in rows:
        if not isinstance(r, CompactRow):
            raise TypeError(f"compact_latex_table takes CompactRow objects, got {type(r).__name__}")
        if len(r.keys) != len(key_headers):
            raise ValueError(f"row {r.keys} has {len(r.keys)} keys, expected {len(key_headers)} ({list(key_headers)})")
    cols = [("exact", "exact", lambda r: None if r.exact_log10 is None else
             _tex_sci(r.exact_log10)[:-1] + METHOD_MARKERS[r.exact_method] + "$"),
            ("closed_form", "closed form", lambda r: _cited(r.closed_form) if r.closed_form else None),
            ("upper", "best upper", lambda r: _cited(r.upper) if r.upper else None),
            ("lower", "best lower", lambda r: _cited(r.lower) if r.lower else None),
            ("sampled", f"sampled [{100 * confidence:.3g}\\% CI]", lambda r: None if r.sampled is None else
             f"{_tex_value(r.sampled[0])} [{_tex_value(r.sampled[1])}, {_tex_value(r.sampled[2])}]"),
            ("verdict", "verdict", lambda r: _tex_text(r.verdict) if r.verdict else None)]
    used = [c for c in cols if any(c[2](r) is not None for r in rows)]
    spec = "l" * len(key_headers) + "l" * len(used)
    lines = ["% Generated by bpcalc; needs \\usepackage{booktabs} and the entries of bounds.bib.",
             "\\begin{table}[t]", "\\centering", "\\small", f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
             " & ".join(list(key_headers) + [c[1] for c in used]) + r" \\", "\\midrule"]
    prev = None
    for r in rows:
        if prev is not None and len(r.keys) > 1 and r.keys[:-1] != prev:
            lines.append("\\addlinespace")
        prev = r.keys[:-1]
        cells = [_tex_text(k) for k in r.keys] + [c[2](r) or "---" for c in used]
        lines.append(" & ".join(cells) + r" \\")
    markers = sorted({r.exact_method for r in rows if r.exact_log10 is not None and r.exact_method != "exact"})
    cap = _tex_text(caption)
    if markers:
        cap += " Markers: " + "; ".join(_MARKER_TEXT[m] for m in markers) + "."
    if any(r.lower is None for r in rows) and any(c[0] == "lower" for c in used):
        cap += " --- in `best lower': no applicable lower bound that is positive (vacuous ones are left out)."
    lines += ["\\bottomrule", "\\end{tabular}", f"\\caption{{{cap}}}", f"\\label{{{label}}}", "\\end{table}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- files


def _require_report(report: Any) -> None:
    if not isinstance(report, Report):
        raise TypeError(f"expected a verify.report.Report, got {type(report).__name__}")


def write_report(report: Report, out_dir: str | os.PathLike, stem: str = "report") -> dict[str, pathlib.Path]:
    """Write ``<stem>.json``, ``<stem>.md`` and ``<stem>.tex`` (:func:`to_latex`), ``bounds.tex`` (full table of the closed forms,
    if the report has bounds), ``table.tex`` (the compact table, if it has compact rows) and
    ``bounds.bib`` (every cited source of both) into ``out_dir`` (created if needed); return
    the paths by format."""
    _require_report(report)
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{stem}.json", "markdown": out / f"{stem}.md"}
    paths["json"].write_text(to_json(report), encoding="utf-8")
    paths["markdown"].write_text(to_markdown(report), encoding="utf-8")
    paths["report_latex"] = out / f"{stem}.tex"
    paths["report_latex"].write_text(to_latex(report), encoding="utf-8")
    if report.bounds:
        paths["latex"] = out / "bounds.tex"
        paths["latex"].write_text(bounds_latex_table(report.bounds), encoding="utf-8")
    if report.compact:
        paths["compact"] = out / "table.tex"
        paths["compact"].write_text(compact_latex_table(report.compact, report.compact_headers), encoding="utf-8")
    cites = [b.citation for b in report.bounds if b.citation is not None]
    cites += [c for r in report.compact for c in r.citations()]
    if report.bounds or cites:
        paths["bibtex"] = out / "bounds.bib"
        paths["bibtex"].write_text(bibtex(cites), encoding="utf-8")
    return paths
