"""Figures: ``log10 Var[∂L]`` against ``n`` with confidence bars, bounds and the fitted decay.

Uses matplotlib's object API with the Agg canvas (no pyplot, no global backend switch), and
writes every figure as PNG and PDF.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from .check import ScalingFit
from .stats import VarianceEstimate

__all__ = ["plot_variance_scaling"]


def _log10(x: float) -> float:
    return math.log10(x) if x > 0 else math.nan


def plot_variance_scaling(
    ns: Sequence[int],
    estimates: Sequence[VarianceEstimate],
    path: str | Path,
    *,
    bounds: Optional[Mapping[str, Sequence[tuple[int, float, str]]]] = None,
    exact: Optional[Sequence[tuple[int, float]]] = None,
    fit: Optional[ScalingFit] = None,
    title: str = "",
    ylabel: str = r"$\log_{10}\,\mathrm{Var}[\partial_k L]$",
) -> tuple[Path, Path]:
    """Plot sampled variances (with CI bars), bounds and a fit; save ``path``.png and ``path``.pdf.

    Parameters
    ----------
    ns : qubit counts, one per estimate.
    estimates : the sampled :class:`VarianceEstimate` s.
    path : output path without suffix (a ``.png``/``.pdf`` suffix is replaced).
    bounds : ``{label: [(n, log10 value, kind), ...]}`` drawn as lines (upper: dashed,
        lower: dotted, exact: solid).
    exact : ``[(n, value)]`` exact variances (markers).
    fit : a :class:`verify.check.ScalingFit` drawn as a thin line.
    title, ylabel : labels.

    Returns
    -------
    (png_path, pdf_path)

    Raises
    ------
    ValueError : mismatched ``ns`` and ``estimates``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ns = list(ns)
    estimates = list(estimates)
    if len(ns) != len(estimates):
        raise ValueError(f"{len(ns)} values of n but {len(estimates)} estimates")
    stem = Path(path)
    if stem.suffix.lower() in (".png", ".pdf"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(6.0, 4.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = np.array(ns, dtype=float)
    y = np.array([_log10(e.value) for e in estimates])
    lo = np.array([_log10(e.ci_low) for e in estimates])
    hi = np.array([_log10(e.ci_high) for e in estimates])
    lo_filled = np.where(np.isfinite(lo), lo, np.nanmin(np.concatenate([lo[np.isfinite(lo)], y[np.isfinite(y)], [0.0]])) - 1)
    yerr = np.vstack([np.where(np.isfinite(y), y - lo_filled, 0), np.where(np.isfinite(y), hi - y, 0)])
    conf = estimates[0].confidence if estimates else 0.95
    kind = estimates[0].interval if estimates else "bootstrap"
    ax.errorbar(x, y, yerr=yerr, fmt="o", color="C0", capsize=3,
                label=f"sampled ({100 * conf:.3g}% {kind} CI)")
    if exact:
        ex = np.array([(n, _log10(v)) for n, v in exact], dtype=float)
        ax.plot(ex[:, 0], ex[:, 1], "s", mfc="none", color="k", label="exact")
    styles = {"upper": "--", "lower": ":", "exact": "-"}
    for i, (label, pts) in enumerate((bounds or {}).items()):
        pts = sorted(pts)
        if not pts:
            continue
        bx = [p[0] for p in pts]
        by = [p[1] for p in pts]
        ax.plot(bx, by, styles.get(pts[0][2], "-."), color=f"C{(i + 1) % 10}", label=f"{label} ({pts[0][2]})")
    if fit is not None:
        xx = np.linspace(min(fit.ns), max(fit.ns), 50)
        ax.plot(xx, fit.predict_log10(xx, "exponential"), "-", lw=0.8, color="C0", alpha=0.6,
                label=f"fit: base {fit.base:.3g} ± {fit.base_stderr:.2g}")
    ax.set_xlabel("n (qubits)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    png = stem.with_suffix(".png")
    pdf = stem.with_suffix(".pdf")
    fig.savefig(png, dpi=150)
    fig.savefig(pdf)
    return png, pdf
