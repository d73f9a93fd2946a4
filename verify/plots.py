"""Figures: ``Var[∂L]`` against ``n`` (log axis) with interval bars, bounds and the verdict's fit.

A thin entry point kept for existing callers; the figures themselves are built by
:mod:`bpcalc.verify.figures` (one style, one scan figure type, captions that define every bar).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from .stats import VarianceEstimate

__all__ = ["plot_variance_scaling"]


def plot_variance_scaling(
    ns: Sequence[int],
    estimates: Sequence[VarianceEstimate],
    path: str | Path,
    *,
    bounds: Optional[Mapping[str, Sequence[tuple]]] = None,
    exact: Optional[Sequence[tuple[int, float]]] = None,
    fit: Any = None,
    title: str = "",
    ylabel: str = "",
) -> tuple[Path, Path]:
    """Plot sampled variances (with interval bars), bounds and the verdict's fit; save
    ``path``.png, ``path``.pdf and ``path``.caption.txt.

    Parameters
    ----------
    ns : qubit counts, one per estimate.
    estimates : the sampled :class:`VarianceEstimate` s.
    path : output path without suffix (a ``.png``/``.pdf`` suffix is replaced).
    bounds : ``{label: [(n, log10 |value|, kind[, sign]), ...]}``; a lower bound with
        ``sign <= 0`` at some ``n`` is vacuous there and is not drawn (the caption lists it).
    exact : ``[(n, value)]`` exact variances (open squares, drawn above the samples).
    fit : a :class:`bpcalc.verify.architecture.ScalingFit` (the verdict fit); ``None``: computed
        from the estimates.  Only the model the verdict chose is drawn.
    title, ylabel : labels (mathtext allowed; default y label ``Var_θ[∂_k C]``).

    Returns
    -------
    (png_path, pdf_path)

    Raises
    ------
    ValueError : mismatched ``ns`` and ``estimates``.
    """
    from .figures import Curve, Points, mathtext, save_figure, variance_scan, verdict_fit
    from .figures.scan import draw_scan

    ns = list(ns)
    estimates = list(estimates)
    if len(ns) != len(estimates):
        raise ValueError(f"{len(ns)} values of n but {len(estimates)} estimates")
    curves = []
    for label, pts in (bounds or {}).items():
        pts = sorted(pts)
        if not pts:
            continue
        kind = pts[0][2]
        vac = tuple(kind == "lower" and len(p) > 3 and p[3] <= 0 for p in pts)
        curves.append(Curve(label, kind, [p[0] for p in pts], [p[1] for p in pts], vac, name=label))
    ex = None
    if exact:
        ex = Points("exact", [n for n, _ in exact], [math.log10(v) if v > 0 else -math.inf for _, v in exact],
                    "exact", color_index=-1)
    if fit is None or not hasattr(fit, "label"):
        fit = verdict_fit(ns, estimates)
    stem = Path(path)
    scan = variance_scan(stem.with_suffix("").name if stem.suffix.lower() in (".png", ".pdf") else stem.name,
                         ns, estimates, curves=curves, exact=ex, fit=fit, title=title,
                         ylabel=ylabel or mathtext(r"\operatorname{Var}_{\theta}[\partial_k C]"))
    fig, caption = draw_scan(scan)
    png, pdf, _ = save_figure(fig, caption, stem)
    return png, pdf
