"""Mathtext labels from the LaTeX the bounds use (:meth:`bpcalc.bounds.bound.Bound.latex`).

matplotlib's mathtext renders a subset of TeX; :func:`mathtext` rewrites the few commands the
bounds use that it lacks (``\\operatorname``, ``\\text``, ``\\displaystyle``, ``\\quad``) and
checks that the result parses, so a figure shows the same symbols as ``bounds.tex``.

Examples
--------
>>> mathtext(r"\\operatorname{Var}_{\\theta}[\\partial_k C]")
'$\\\\mathrm{Var}_{\\\\theta}[\\\\partial_k C]$'
>>> bound_rhs(r"\\operatorname{Var}[x] \\leq \\frac{1}{2^{n}}")
'\\\\frac{1}{2^{n}}'
"""

from __future__ import annotations

import functools
import re

__all__ = ["mathtext", "bound_rhs", "bound_label", "VAR_LOSS", "VAR_POINT", "D_HS"]

#: y-axis quantities (same symbols as the bounds' ``quantity`` fields).
VAR_LOSS = r"\operatorname{Var}_{\theta}[\partial_k C]"
VAR_POINT = r"\mathbb{E}_{i}\,\operatorname{Var}_{\theta}[\partial_k \ell_i]"
D_HS = r"\overline{D}_{\mathrm{HS}}(\rho^{(h)}, \mathbb{1}/2^{s})"

_REWRITES = (
    (re.compile(r"\\operatorname\*?\{([^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\text\{([^{}]*)\}"), r"\\mathrm{\1}"),
    (re.compile(r"\\(displaystyle|textstyle)\s*"), ""),
    (re.compile(r"\\q?quad"), r"\\ "),
    (re.compile(r"\\middle\|"), "|"),
)


@functools.lru_cache(maxsize=512)
def _parses(text: str) -> bool:
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(text)
    except (ValueError, RuntimeError):
        return False
    return True


def mathtext(latex: str, fallback: str | None = None) -> str:
    """``$…$`` mathtext of a LaTeX math string, or ``fallback`` (default: the plain text) when
    mathtext cannot render it.

    Raises
    ------
    TypeError : ``latex`` is not a string.
    """
    if not isinstance(latex, str):
        raise TypeError(f"mathtext takes a LaTeX string, got {type(latex).__name__}")
    body = latex.strip().strip("$")
    for pattern, repl in _REWRITES:
        body = pattern.sub(repl, body)
    text = f"${body}$"
    if _parses(text):
        return text
    return fallback if fallback is not None else latex


def bound_rhs(latex: str) -> str:
    """The right-hand side of ``quantity \\leq/\\geq/= expr`` (the whole text if no relation)."""
    parts = re.split(r"\\leq|\\geq|\\le\b|\\ge\b|(?<![<>\\])=", latex, maxsplit=1)
    return parts[-1].strip()


def bound_label(bound, max_chars: int = 90) -> str:
    """Legend text of a :class:`bpcalc.bounds.bound.Bound`: its right-hand side in mathtext and its
    source (``[first author year]``); the name when the formula is too long or unrenderable."""
    c = bound.citation
    cite = f" [{c.first_author.split()[-1]} {c.year}]" if c is not None else ""
    rhs = bound_rhs(bound.latex(citation=False))
    rel = {"upper": r"\leq", "lower": r"\geq", "exact": "="}.get(bound.kind, "")
    if len(rhs) <= max_chars:
        text = mathtext(f"{rel} {rhs}", fallback="")
        if text:
            return text + cite
    where = f" [{c.first_author.split()[-1]} {c.year}" + (f", {c.locator}" if c.locator else "") + "]" if c else ""
    return f"{bound.kind} bound{where}"
