"""Renderings of one :class:`~bpcalc.bounds.analysis.Analysis`: terminal text, Markdown, HTML, LaTeX.

Every rendering reads the same typed report (nothing is recomputed, nothing is parsed back
from text), including the sampled estimates :mod:`bpcalc.verify` attached
(:meth:`~bpcalc.bounds.analysis.Analysis.with_samples`): ``str(analysis)`` is :func:`analysis_text`, and Jupyter shows
``_repr_markdown_`` / ``_repr_html_`` / ``_repr_latex_``.  Numbers keep their method: exact
values are printed plain, truncated ones with ``±`` their rigorous error bound, path-sampled
ones with their interval, and a value below the resolution of path sampling as an upper
limit ``< x``, never as 0.

Examples
--------
>>> from bpcalc import circuits
>>> from bpcalc.bounds.analysis import analyze
>>> ansatz = circuits.hardware_efficient(3, 1)
>>> a = analyze(circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits()))),
...             parameters=["theta_0_0_0"])
>>> print(str(a).splitlines()[0])
model: 3 qubits, loss linear, 1 parameter(s) analysed
>>> "| parameter |" in a._repr_markdown_() and a._repr_latex_().startswith("\\\\begin{tabular}")
True
"""

from __future__ import annotations

import html
from typing import Any, Optional

__all__ = ["analysis_rows", "analysis_text", "analysis_markdown", "analysis_html", "analysis_latex"]

COLUMNS = ("parameter", "light cone (w×d)", "applicable", "refused", "exact Var[∂C]", "sampled Var [CI]",
           "size verdict", "verdict")


def _exact(p: Any) -> str:
    if p.exact is None:
        return "—"
    return p.exact.describe() + ("" if p.exact.method == "exact" or p.exact.below_resolution
                                 or p.exact.method == "truncated" else f" ({p.exact.method})")


def analysis_rows(a: Any) -> list[tuple[str, ...]]:
    """One row per parameter, cells as text (:data:`COLUMNS`)."""
    rows = []
    for p in a.parameters:
        s = p.structure
        cone = f"{s.width}×{s.depth}" if s.in_cone else "outside"
        v = p.verdict
        sa = getattr(p, "sampled", None)
        sampled = "—" if sa is None else f"{sa.value:.3g} [{sa.ci_low:.3g}, {sa.ci_high:.3g}] seed {sa.seed}"
        rows.append((p.parameter, cone, str(len(p.applicable)), str(len(p.refused)), _exact(p), sampled,
                     "—" if v is None else v.size.label, "—" if v is None else v.label))
    return rows


def _loss_lines(a: Any) -> list[str]:
    la = a.loss_variance
    if la is None:
        return []
    if la.variance is None:
        return [f"loss variance: not computed ({la.note or la.relation})"]
    lines = [f"loss variance Var[C] = {la.variance.describe()}, C the {la.variance.cost}"]
    if la.gradient_max is not None:
        lines.append(f"gradient variances Var[∂_k C]: max {la.gradient_max:.4g}, sum {la.gradient_sum:.4g}")
    lines.append(f"Arrasmith et al. 2022 (max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]): {la.relation}")
    return lines


def _head(a: Any) -> list[str]:
    out = [f"{a.model}: {a.n_qubits} qubits, loss {a.loss}, {len(a.parameters)} parameter(s) analysed",
           f"verdict (scaling in n): {a.verdict.text}"]
    scan = getattr(a, "family", None)
    if scan is not None:
        out.append(f"family {scan.family}: largest Var at n = " + ", ".join(
            f"{r['n']}: {r['max']:.3g} ({r['method']})" for r in scan.rows))
    return out


def analysis_text(a: Any, max_rows: int = 40) -> str:
    """Plain text for the terminal (``str(analysis)``)."""
    rows = analysis_rows(a)
    out = _head(a) + [""]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(COLUMNS)]
    out.append("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)))
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows[:max_rows]]
    if len(rows) > max_rows:
        out.append(f"… {len(rows) - max_rows} more parameter(s) (to_dict() has all)")
    loss = _loss_lines(a)
    if loss:
        out += [""] + loss
    out += ["", f"size verdicts: shot budget {a.shot_budget:.3g} per parameter-shift term"]
    out += [f"evidence: {e}" for e in a.verdict.evidence[:4]]
    out.append(f"({a.seconds:.2f} s)")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def analysis_markdown(a: Any) -> str:
    """A Markdown table per parameter, the loss variance and the verdict with its evidence."""
    out = [f"**{_md_cell(a.model)}**: {a.n_qubits} qubits, loss {a.loss}", "",
           f"**Verdict (scaling in n):** {_md_cell(a.verdict.text)}", "",
           *([_md_cell(_head(a)[2]), ""] if getattr(a, "family", None) is not None else []),
           "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in analysis_rows(a)]
    loss = _loss_lines(a)
    if loss:
        out += [""] + [f"- {_md_cell(x)}" for x in loss]
    if a.verdict.evidence:
        out += ["", "Evidence:"] + [f"- {_md_cell(e)}" for e in a.verdict.evidence]
    return "\n".join(out)


def analysis_html(a: Any) -> str:
    """An HTML table (Jupyter)."""
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in analysis_rows(a))
    loss = "".join(f"<li>{esc(x)}</li>" for x in _loss_lines(a))
    ev = "".join(f"<li>{esc(e)}</li>" for e in a.verdict.evidence)
    return (f"<div><p><b>{esc(a.model)}</b>: {a.n_qubits} qubits, loss {esc(a.loss)}</p>"
            f"<p><b>Verdict (scaling in n):</b> {esc(a.verdict.text)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            + (f"<ul>{loss}</ul>" if loss else "") + (f"<p>Evidence:</p><ul>{ev}</ul>" if ev else "") + "</div>")


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_SYMBOLS = {"×": r"$\times$", "—": "--", "≤": r"$\le$", "±": r"$\pm$", "∂": r"$\partial$",
                  "Σ": r"$\Sigma$", "…": r"\dots{}", "<": r"$<$"}


def _tex(text: str) -> str:
    out = "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))
    for k, v in _LATEX_SYMBOLS.items():
        out = out.replace(k, v)
    return out


def analysis_latex(a: Any, caption: Optional[str] = None) -> str:
    """A LaTeX ``tabular`` of the per-parameter results (booktabs rules), then the verdict."""
    cols = "l" * len(COLUMNS)
    out = [rf"\begin{{tabular}}{{{cols}}}", r"\toprule", " & ".join(_tex(c) for c in COLUMNS) + r" \\", r"\midrule"]
    out += [" & ".join(_tex(c) for c in r) + r" \\" for r in analysis_rows(a)]
    out += [r"\bottomrule", r"\end{tabular}"]
    out.append("")
    out.append(_tex(caption or f"{a.model}: {a.verdict.text}"))
    for line in _loss_lines(a):
        out += ["", _tex(line)]
    return "\n".join(out)
