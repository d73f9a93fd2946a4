"""Human-readable forms of bounds, theorems and the registry: text, Markdown, LaTeX, HTML.

One renderer per form, used by ``str()`` and by the IPython/Jupyter display hooks
(``_repr_markdown_``, ``_repr_latex_``, ``_repr_html_``) of
:class:`~bpcalc.bounds.bound.Bound`, :class:`~bpcalc.bounds.registry.Theorem` and
:class:`~bpcalc.bounds.registry.Registry`.  The functions read the objects' public
attributes only (duck typing), so this module imports neither of them.

Math is written for MathJax (``$$…$$`` in Markdown and LaTeX, ``\\[…\\]`` in HTML); all
other text is escaped for its format.

Examples
--------
>>> plain_tex(r"\\operatorname{Var}_{\\theta}[\\partial_k C]")
'Var_θ[∂_k C]'
>>> html_text("a < b & c")
'a &lt; b &amp; c'
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable

import sympy

__all__ = [
    "RELATION_TEXT",
    "plain_tex",
    "html_text",
    "latex_text",
    "bound_text",
    "bound_markdown",
    "bound_latex",
    "bound_html",
    "theorem_text",
    "theorem_markdown",
    "theorem_latex",
    "theorem_html",
    "registry_text",
    "registry_markdown",
    "registry_latex",
    "registry_html",
]

RELATION_TEXT = {"upper": "≤", "lower": "≥", "exact": "="}
"""The relation a bound's kind stands for: ``quantity ≤ expr`` for an upper bound, etc."""
_KIND_TEXT = {"upper": "upper bound", "lower": "lower bound", "exact": "exact value"}

_TEX_WORDS = {
    r"\theta": "θ", r"\partial": "∂", r"\ell": "ℓ", r"\rho": "ρ", r"\Delta": "Δ", r"\sigma": "σ",
    r"\mathbb{E}": "E", r"\sum": "Σ", r"\left": "", r"\right": "", r"\,": " ", r"\cdot": "·",
}


def plain_tex(tex: str) -> str:
    r"""A LaTeX snippet as readable Unicode text (``\operatorname{Var}_{\theta}`` → ``Var_θ``)."""
    out = re.sub(r"\\(?:operatorname|mathrm|text|mathbf)\{([^{}]*)\}", r"\1", tex)
    for word, repl in sorted(_TEX_WORDS.items(), key=lambda kv: -len(kv[0])):
        out = out.replace(word, repl)
    out = re.sub(r"_\{([^{}]*)\}", r"_\1", out)
    out = out.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", out).strip()


def html_text(text: Any) -> str:
    """``str(text)`` escaped for HTML."""
    return html.escape(str(text), quote=True)


def latex_text(text: Any) -> str:
    r"""``str(text)`` escaped for use inside ``\text{…}``."""
    out = str(text)
    for ch, repl in (("\\", r"\backslash "), ("{", r"\{"), ("}", r"\}"), ("_", r"\_"), ("&", r"\&"),
                     ("%", r"\%"), ("#", r"\#"), ("$", r"\$"), ("^", r"\^{}")):
        out = out.replace(ch, repl)
    return out


def _md_text(text: Any) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")


def _assumptions(obj: Any) -> tuple:
    return tuple(getattr(obj, "assumptions", ()) or ())


def _citation(obj: Any) -> str:
    c = getattr(obj, "citation", None)
    return c.short() if c is not None else ""


# ----------------------------------------------------------------------------- bounds


def _bound_line(bound: Any) -> str:
    return f"{bound.name}: {plain_tex(bound.quantity)} {RELATION_TEXT[bound.kind]} {sympy.sstr(bound.expr)}"


def bound_text(bound: Any) -> str:
    """``'name: Var_θ[∂_k C] ≤ expr (upper; Author et al. YEAR, arXiv:…, Eq. (k))'``."""
    where = "; ".join(x for x in (bound.kind, _citation(bound)) if x)
    return f"{_bound_line(bound)} ({where})"


def bound_latex(bound: Any) -> str:
    """The bound as display math for MathJax: ``$$quantity \\le expr$$``."""
    return f"$${bound.latex(citation=False)}$$"


def bound_markdown(bound: Any) -> str:
    """The bound with its kind, citation and assumptions, as Markdown."""
    lines = [f"**{_md_text(bound.name)}** ({_KIND_TEXT[bound.kind]})" + (f" · {_md_text(_citation(bound))}"
                                                                     if _citation(bound) else ""), "",
             bound_latex(bound)]
    if _assumptions(bound):
        lines += ["", "Assumptions:"] + [f"- `{a.key}`: {_md_text(a.text)}" for a in _assumptions(bound)]
    return "\n".join(lines)


def bound_html(bound: Any) -> str:
    """The bound as an HTML fragment (math in ``\\[…\\]`` for MathJax)."""
    cite = _citation(bound)
    parts = [f"<div class=\"bpcalc-bound\"><p><b>{html_text(bound.name)}</b> ({_KIND_TEXT[bound.kind]})"
             + (f" · <i>{html_text(cite)}</i>" if cite else "") + "</p>",
             f"<p>\\[{html_text(bound.latex(citation=False))}\\]</p>"]
    if _assumptions(bound):
        items = "".join(f"<li><code>{html_text(a.key)}</code>: {html_text(a.text)}</li>" for a in _assumptions(bound))
        parts.append(f"<p>Assumptions:</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


# ----------------------------------------------------------------------------- theorems


def _theorem_assumptions(theorem: Any) -> list:
    seen: dict[str, Any] = {}
    for a in (*_assumptions(theorem), *(a for b in theorem.bounds for a in _assumptions(b))):
        seen.setdefault(a.key, a)
    return list(seen.values())


def theorem_text(theorem: Any) -> str:
    """Several lines: key and title, citation, status, one line per bound, the assumptions."""
    v = theorem.verification
    lines = [f"{theorem.key}: {theorem.title}",
             f"  {theorem.citation.short()}",
             f"  status: {v.status} (source: {v.source})"]
    lines += [f"  {_bound_line(b)}" for b in theorem.bounds]
    lines += [f"  assumes {a.key}: {a.text}" for a in _theorem_assumptions(theorem)]
    return "\n".join(lines)


def theorem_latex(theorem: Any) -> str:
    """All bounds of the theorem as one MathJax display block, with the citation as text."""
    rows = [b.latex(citation=False) + r" \quad \text{(" + latex_text(b.name) + ")}" for b in theorem.bounds]
    rows.append(r"\text{" + latex_text(theorem.citation.short()) + "}")
    return "$$\\begin{gathered}" + " \\\\ ".join(rows) + "\\end{gathered}$$"


def theorem_markdown(theorem: Any) -> str:
    """The theorem as Markdown: heading, citation and status, statement, bounds, assumptions."""
    v = theorem.verification
    lines = [f"### `{theorem.key}` — {_md_text(theorem.title)}", "",
             f"*{_md_text(theorem.citation.short())}* · status **{v.status}** (source: {v.source})"]
    if theorem.statement:
        lines += ["", theorem.statement.strip()]
    for b in theorem.bounds:
        lines += ["", f"**{_md_text(b.name)}** ({_KIND_TEXT[b.kind]}):", "", bound_latex(b)]
    assumptions = _theorem_assumptions(theorem)
    if assumptions:
        lines += ["", "Assumptions:"] + [f"- `{a.key}`: {_md_text(a.text)}" for a in assumptions]
    return "\n".join(lines)


def theorem_html(theorem: Any) -> str:
    """The theorem as an HTML fragment."""
    v = theorem.verification
    parts = [f"<div class=\"bpcalc-theorem\"><h4><code>{html_text(theorem.key)}</code> — {html_text(theorem.title)}</h4>",
             f"<p><i>{html_text(theorem.citation.short())}</i> · status <b>{html_text(v.status)}</b> "
             f"(source: {html_text(v.source)})</p>"]
    if theorem.statement:
        parts.append(f"<p>{html_text(theorem.statement.strip())}</p>")
    items = "".join(f"<li><b>{html_text(b.name)}</b> ({_KIND_TEXT[b.kind]}): "
                    f"\\({html_text(b.latex(citation=False))}\\)</li>" for b in theorem.bounds)
    parts.append(f"<ul>{items}</ul>")
    assumptions = _theorem_assumptions(theorem)
    if assumptions:
        items = "".join(f"<li><code>{html_text(a.key)}</code>: {html_text(a.text)}</li>" for a in assumptions)
        parts.append(f"<p>Assumptions:</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


# ----------------------------------------------------------------------------- registry


def _rows(theorems: Iterable[Any]) -> list[tuple[str, str, str, str, str]]:
    return [(t.key, t.title, t.verification.status, t.verification.source,
             ", ".join(f"{b.name} ({b.kind})" for b in t.bounds)) for t in theorems]


def registry_text(theorems: Iterable[Any]) -> str:
    """One line per theorem: ``key  [status; source]  title``."""
    rows = _rows(theorems)
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(f"{k.ljust(width)}  [{status}; {source}]  {title}" for k, title, status, source, _ in rows)


def registry_markdown(theorems: Iterable[Any]) -> str:
    """A Markdown table: theorem, title, status, source, bounds."""
    lines = ["| theorem | title | status | source | bounds |", "|---|---|---|---|---|"]
    lines += [f"| `{k}` | {_md_text(title)} | {status} | {source} | {_md_text(bounds)} |"
              for k, title, status, source, bounds in _rows(theorems)]
    return "\n".join(lines)


def registry_latex(theorems: Iterable[Any]) -> str:
    """A MathJax ``array`` of theorem keys, statuses and titles."""
    rows = [r"\text{" + latex_text(k) + r"} & \text{" + latex_text(status) + r"} & \text{" + latex_text(title) + "}"
            for k, title, status, _, _ in _rows(theorems)]
    return "$$\\begin{array}{lll}" + " \\\\ ".join(rows) + "\\end{array}$$"


def registry_html(theorems: Iterable[Any]) -> str:
    """An HTML table: theorem, title, status, source, bounds."""
    head = "".join(f"<th>{h}</th>" for h in ("theorem", "title", "status", "source", "bounds"))
    body = "".join("<tr>" + "".join(f"<td>{html_text(x)}</td>" for x in row) + "</tr>" for row in _rows(theorems))
    return f"<table class=\"bpcalc-registry\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
