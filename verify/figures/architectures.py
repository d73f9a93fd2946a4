"""Scans over architectures and families: ``compare``, ``analyze --family`` and ``exact`` over
``n``, built as :class:`Scan` data (exact values as open squares, path-sampled ones with their
interval, one fit line per series for the model the verdict chose)."""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from .labels import VAR_LOSS, mathtext
from .scan import Points, Scan, fit_line

__all__ = ["comparison_scan", "family_scan", "exact_scan", "value_points"]

_PATH_CI = "95% confidence interval of unbiased Pauli-path sampling"


def _lg(v: Optional[float]) -> Optional[float]:
    if v is None:
        return None
    return math.log10(v) if v > 0 else -math.inf


def value_points(label: str, ns: Sequence[int], values: Sequence[Optional[float]],
                 cis: Sequence[Optional[tuple]], color_index: int, interval: str = _PATH_CI) -> list[Points]:
    """Split one series into exact points (no interval) and sampled points (with interval)."""
    ex = [(n, v) for n, v, c in zip(ns, values, cis) if v is not None and (c is None or c[0] is None)]
    sa = [(n, v, c) for n, v, c in zip(ns, values, cis) if v is not None and c is not None and c[0] is not None]
    out = []
    if ex:
        out.append(Points(f"{label} (exact)", [n for n, _ in ex], [_lg(v) for _, v in ex], "exact",
                          color_index=color_index))
    if sa:
        out.append(Points(f"{label} (path-sampled)", [n for n, _, _ in sa], [_lg(v) for _, v, _ in sa], "sampled",
                          low_log10=tuple(_lg(c[0]) for *_, c in sa), high_log10=tuple(_lg(c[1]) for *_, c in sa),
                          interval=interval, color_index=color_index))
    return out


def _fits(fits: Sequence[tuple[str, Any, int]]):
    lines, unfitted = [], []
    for name, fit, i in fits:
        if fit is None:
            continue
        line = fit_line(fit, name, i)
        if line is None:
            unfitted.append(f"{name} ({fit.text})")
        else:
            lines.append(line)
    return tuple(lines), tuple(unfitted)


def comparison_scan(comparison: Any, name: str = "compare", width: str = "double") -> Scan:
    """The figure of :class:`bpcalc.verify.architecture.Comparison`."""
    pts: list[Points] = []
    notes = []
    fits = []
    for i, a in enumerate(comparison.architectures):
        series = [p for p in comparison.series(a) if p.value is not None and p.value > 0]
        pts += value_points(a, [p.n for p in series], [p.value for p in series],
                            [(p.ci_low, p.ci_high) if p.ci_low is not None else None for p in series], i)
        below = [p.n for p in comparison.series(a) if p.value == 0 and p.method == "path-sampled"]
        if below:
            notes.append(f"{a} at n = {', '.join(map(str, below))}: below the path-sampling resolution (no sampled "
                         "path survived; an upper limit, not a zero), not drawn")
        zero = [p.n for p in comparison.series(a) if p.value == 0 and p.method != "path-sampled"]
        if zero:
            notes.append(f"{a} at n = {', '.join(map(str, zero))}: exactly 0, not drawn on the log axis")
        fits.append((a, comparison.fits.get(a), i))
    lines, unfitted = _fits(fits)
    what = (f"Gradient variance of the {comparison.parameter} parameter against n for "
            + ", ".join(comparison.architectures)
            + (f" (observable {comparison.observable})" if comparison.observable else " (each architecture's own observable)"))
    return Scan(name=name, ylabel=mathtext(VAR_LOSS), points=tuple(pts), fits=lines, unfitted=unfitted,
                title="gradient variance by architecture", what=what, notes=tuple(notes), width=width)


def family_scan(scaling: Any, name: str = "family") -> Scan:
    """The figure of :class:`bpcalc.verify.architecture.FamilyScaling`: the largest and the median
    per-parameter variance against ``n`` and the verdict's fit of the largest."""
    ns = [r["n"] for r in scaling.rows]
    pts = [Points("largest per-parameter variance", ns, [_lg(r["max"]) for r in scaling.rows], "exact", color_index=0),
           Points("median per-parameter variance", ns, [_lg(r["median"]) for r in scaling.rows], "exact",
                  color_index=1)]
    lines, unfitted = _fits([("largest", scaling.fits.get("max"), 0), ("median", scaling.fits.get("median"), 1)])
    methods = sorted({r["method"] for r in scaling.rows})
    return Scan(name=name, ylabel=mathtext(VAR_LOSS), points=tuple(pts), fits=lines, unfitted=unfitted,
                title=f"family {str(scaling.family).rsplit(':', 1)[-1].rsplit('/', 1)[-1]}",
                what=f"Largest and median per-parameter gradient variance of the family {scaling.family} "
                     f"(observable {scaling.observable}) against n; values from: {', '.join(methods)}")


def exact_scan(items: Sequence[dict], name: str = "exact", ansatz: str = "", observable: str = "") -> Scan:
    """The figure of ``bpcalc exact`` over several ``n``: the largest and the median non-zero
    per-parameter variance (path-sampled values with their interval; truncated ones with their
    rigorous error bound as bars) and the verdict's fit of the largest."""
    import numpy as np

    from ..fits import fit_scaling

    ns, mx, md, mx_ci, how = [], [], [], [], set()
    trunc = False
    for item in items:
        res = item["result"]
        vals = np.asarray(res.values, dtype=float)
        k = int(np.argmax(vals))
        nz = vals[vals > 0]
        ns.append(item["n"])
        mx.append(float(vals[k]))
        md.append(float(np.median(nz)) if nz.size else 0.0)
        if res.ci_low is not None:
            mx_ci.append((float(res.ci_low[k]), float(res.ci_high[k])))
        elif res.method == "truncated" and res.error_bound is not None:
            eb = float(res.error_bound[k])
            mx_ci.append((max(vals[k] - eb, 0.0), vals[k] + eb))
            trunc = True
        else:
            mx_ci.append(None)
        how.add(res.method)
    conf = next((getattr(it["result"], "confidence", 0.95) for it in items if it["result"].ci_low is not None), 0.95)
    interval = (f"{100 * conf:.3g}% confidence interval of Pauli-path sampling"
                + ("; truncated values: ± their rigorous truncation error bound" if trunc else ""))
    pts = value_points("largest", ns, mx, mx_ci, 0, interval)
    pts.append(Points("median non-zero", ns, [_lg(v) for v in md], "exact", color_index=1))
    fit = fit_scaling(ns, mx, mx_ci) if len(set(ns)) >= 3 else None
    lines, unfitted = _fits([("largest", fit, 0)])
    what = (f"Per-parameter gradient variance of {ansatz or 'the ansatz'}"
            + (f" with observable {observable}" if observable else "")
            + f" against n, from the exact engines ({', '.join(sorted(how))})")
    return Scan(name=name, ylabel=mathtext(VAR_LOSS), points=tuple(pts), fits=lines, unfitted=unfitted,
                title=f"{ansatz} exact variances" if ansatz else "exact variances", what=what)
