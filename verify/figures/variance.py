"""Scans of sampled and exact gradient variances: the figures of ``verify``, the demo and
the reproduction (Thanasilp et al., arXiv:2110.14753, Fig. 2), built as :class:`Scan` data.

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753 (2021).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

from .labels import D_HS, VAR_POINT, bound_label, mathtext
from .scan import Curve, FitLine, Points, Scan, fit_line

__all__ = ["interval_text", "estimate_points", "verdict_fit", "variance_scan", "experiment_variance_scan",
           "dhs_scan", "EMBEDDING_LABELS"]

EMBEDDING_LABELS = {"tpe": "TPE", "hee": "HEE", "che": "CHE"}


def _lg(x: Optional[float]) -> Optional[float]:
    if x is None:
        return None
    x = float(x)
    return math.log10(x) if x > 0 else -math.inf


def interval_text(estimate: Any) -> str:
    """Definition of a :class:`bpcalc.verify.stats.VarianceEstimate`'s bars, e.g. ``"95% BCa bootstrap
    confidence interval (200 parameter draws)"``."""
    kind = {"bootstrap": "BCa bootstrap", "chi2": "chi-square"}.get(estimate.interval, estimate.interval)
    draws = f" ({estimate.n_samples} parameter draws" + (f", {estimate.shots} shots" if estimate.shots else "") + ")"
    return f"{100 * estimate.confidence:.3g}% {kind} confidence interval{draws if estimate.n_samples else ''}"


def estimate_points(ns: Sequence[int], estimates: Sequence[Any], label: str = "sampled", color_index: int = 0) -> Points:
    """Sampled :class:`bpcalc.verify.stats.VarianceEstimate` s as :class:`Points` with their intervals."""
    ests = list(estimates)
    texts = sorted({interval_text(e) for e in ests})
    return Points(label, tuple(ns), tuple(_lg(e.value) for e in ests), "sampled",
                  low_log10=tuple(_lg(e.ci_low) for e in ests), high_log10=tuple(_lg(e.ci_high) for e in ests),
                  interval="; ".join(texts), color_index=color_index)


def verdict_fit(ns: Sequence[int], estimates: Sequence[Any]):
    """The verdict fit of sampled estimates (:func:`bpcalc.verify.architecture.fit_estimates`)."""
    from ..fits import fit_estimates

    return fit_estimates(ns, estimates)


def _fit_lines(fit, series: str, color_index: int) -> tuple[tuple[FitLine, ...], tuple[str, ...]]:
    if fit is None:
        return (), ()
    line = fit_line(fit, series, color_index)
    if line is None:
        return (), (f"{series} ({fit.text})",)
    return (line,), ()


def variance_scan(
    name: str,
    ns: Sequence[int],
    estimates: Sequence[Any],
    *,
    curves: Sequence[Curve] = (),
    exact: Optional[Points] = None,
    fit: Any = None,
    title: str = "",
    ylabel: str = mathtext(r"\operatorname{Var}_{\theta}[\partial_k C]"),
    what: str = "",
    notes: Sequence[str] = (),
    width: str = "single",
) -> Scan:
    """One sampled series (with bars), exact points, bound curves and the verdict's fit line."""
    pts = [estimate_points(ns, estimates)]
    if exact is not None:
        pts.append(exact)
    fits, unfitted = _fit_lines(fit, "sampled", 0)
    return Scan(name=name, ylabel=ylabel, points=tuple(pts), curves=tuple(curves), fits=fits, title=title,
                what=what or "Sampled gradient variance against n", notes=tuple(notes), width=width,
                unfitted=unfitted)


def _bound(key: str, name: str):
    from bpcalc.bounds import get_theorem

    return get_theorem(key).bound(name)


def experiment_variance_scan(rows: Sequence[Mapping[str, Any]], name: str, embedding: str, dataset: str = "",
                             title: str = "", estimate_from_dict=None) -> Scan:
    """The variance figure of one embedding of the demo / reproduction: sampled mean over data
    of ``Var[∂_k ℓ_i]`` (bars), the exact value on the concrete circuit (Pauli paths), the seed
    paper's prediction ``r_{n,s}·mean D_HS`` and the Haar-embedding value, and the verdict fit."""
    sel = sorted(rows, key=lambda r: r["n"])
    samp = [r for r in sel if r.get("estimate")]
    ests = [estimate_from_dict(r["estimate"]) for r in samp]
    ns = [r["n"] for r in samp]
    pred = _bound("thanasilp2021.tensor_product_variance", "local_cost")
    haar = _bound("thanasilp2021.tensor_product_variance", "haar_data")
    curves = []
    pred_pts = [(r["n"], r.get("bound_log10") if r.get("bound_log10") is not None else _lg(r.get("bound")))
                for r in sel if r.get("bound") is not None or r.get("bound_log10") is not None]
    if pred_pts:
        curves.append(Curve(bound_label(pred) + " (measured)", "exact", [p[0] for p in pred_pts],
                            [p[1] for p in pred_pts], name="prediction r_{n,s} mean D_HS"))
    curves.append(Curve(f"Haar-random data [{haar.citation.first_author.split()[-1]} {haar.citation.year}]"
                        if haar.citation is not None else "Haar-random data", "reference", [r["n"] for r in sel],
                        [math.log10(r["r_ns"] * r["haar"]) for r in sel], name="Haar-random embedding"))
    ex = [(r["n"], r["exact_circuit"]) for r in sel if r.get("exact_circuit") is not None]
    how = sorted({r.get("exact_circuit_method", "exact") for r in sel})
    exact = Points(f"Pauli paths on this circuit ({', '.join(how)})", [n for n, _ in ex], [_lg(v) for _, v in ex], "exact",
                   color_index=-1) if ex else None
    fit = verdict_fit(ns, ests) if ests else None
    emb = EMBEDDING_LABELS.get(embedding, embedding)
    what = (f"{emb}{', ' + dataset + ' data' if dataset else ''}: mean over data points of the per-point gradient "
            "variance against n; prediction: Thanasilp et al. (2021) Theorem 2 with the measured mean D_HS; "
            "Haar: the same with Haar-random embedded states")
    if not ests:
        pts = tuple(p for p in (exact,) if p is not None)
        return Scan(name=name, ylabel=mathtext(VAR_POINT), points=pts, curves=tuple(curves), title=title or emb,
                    what=what)
    return variance_scan(name, ns, ests, curves=curves, exact=exact, fit=fit, title=title or emb,
                         ylabel=mathtext(VAR_POINT), what=what)


def dhs_scan(rows: Sequence[Mapping[str, Any]], name: str = "d_hs", title: str = "", block_size: int = 2) -> Scan:
    """Mean reduced Hilbert–Schmidt distance ``D_HS(ρ^(h), 1/2^s)`` of the embedded data on
    block 0 per embedding (bars: Student-t interval of the mean over data points), with the
    Haar value ``(2^s − 2^{-s})/(2^n + 1)`` ([1]_, Eq. (11))."""
    groups = list(dict.fromkeys((r["embedding"], r.get("dataset", "")) for r in rows))
    pts = []
    conf = None
    for i, (emb, ds) in enumerate(groups):
        sel = sorted((r for r in rows if r["embedding"] == emb and r.get("dataset", "") == ds), key=lambda r: r["n"])
        has_ci = all(r.get("d_hs_ci") for r in sel)
        lab = EMBEDDING_LABELS.get(emb, emb) + (f" ({ds})" if ds and len({g[1] for g in groups}) > 1 else "")
        idx = list(EMBEDDING_LABELS).index(emb) if emb in EMBEDDING_LABELS else i
        pts.append(Points(
            lab, [r["n"] for r in sel], [_lg(r["d_hs_mean"]) for r in sel], "sampled",
            low_log10=tuple(_lg(r["d_hs_ci"][0]) for r in sel) if has_ci else None,
            high_log10=tuple(_lg(r["d_hs_ci"][1]) for r in sel) if has_ci else None,
            interval="95% Student-t confidence interval of the mean over the data points" if has_ci else "",
            color_index=idx))
        conf = conf or has_ci
    ns = sorted({r["n"] for r in rows})
    s = block_size
    haar = Curve(mathtext(r"(2^{s} - 2^{-s})/(2^{n} + 1)") + " (Haar)", "reference", ns,
                 [math.log10((2**s - 2.0**-s) / (2.0**n + 1)) for n in ns], name="Haar value")
    return Scan(name=name, ylabel=mathtext(D_HS), points=tuple(pts), curves=(haar,), title=title or "data expressibility",
                what=f"Mean over data points of the reduced Hilbert-Schmidt distance of the embedded data on block 0 "
                     f"(s = {s} qubits) to the maximally mixed state, against n; a product embedding stays at "
                     f"1 - 2^-s, a Haar-random one follows the dash-dotted line")
