"""Verdict fits of ``Var`` against ``n`` for the reports and figures of :mod:`bpcalc.verify`.

A thin layer over the one fit and verdict rule, :func:`bpcalc.bounds.scaling.fit_scaling`, that
keeps the labels of the reports ("exponentially vanishing", "polynomial", "zero", "not decided")
and the fields the figures draw a fit line from.  Both :mod:`bpcalc.verify.architecture` and
:mod:`bpcalc.verify.figures` import it (so neither imports the other for a fit).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional, Sequence

__all__ = ["ScalingFit", "fit_scaling", "fit_estimates", "fit_summary", "labelled", "size_range"]


@dataclasses.dataclass(frozen=True)
class ScalingFit:
    """A fit of ``log10 Var`` against ``n`` (see :func:`fit_scaling`).

    ``label``: ``"exponentially vanishing"``, ``"polynomial"``, ``"zero"`` (all values exactly
    0) or ``"not decided"``; ``base`` (with ``base_se``) for exponential decay ``Var ∝ b^-n``;
    ``degree`` for ``Var ∝ n^p``; ``text`` and ``evidence`` say how it was decided.
    """

    label: str
    text: str
    ns: tuple[int, ...]
    log10: tuple[float, ...]
    base: Optional[float] = None
    base_se: Optional[float] = None
    degree: Optional[float] = None
    evidence: tuple[str, ...] = ()
    method: str = ""
    degree_se: Optional[float] = None
    log10_prefactor: Optional[float] = None
    log10_poly_prefactor: Optional[float] = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def size_range(ns: Sequence[int]) -> str:
    return f"{ns[0]}..{ns[-1]}, {len(ns)} sizes" if len(ns) > 3 else ", ".join(str(n) for n in ns)


def fit_scaling(
    ns: Sequence[int],
    values: Sequence[float],
    ci: Optional[Sequence[Optional[tuple[Optional[float], Optional[float]]]]] = None,
    confidence: float = 0.95,
) -> ScalingFit:
    """Decide how ``Var`` scales with ``n`` from values at several ``n``.

    The fit and the verdict are the one rule of :func:`bpcalc.bounds.scaling.fit_scaling` (weighted
    least squares of ``log10 Var`` against ``n`` and ``log10 n``; never a verdict from fewer
    than :data:`bpcalc.bounds.scaling.MIN_SIZES` sizes or from a fit whose residuals reject it;
    below-resolution values are upper limits, not data).  This wrapper keeps the labels of the
    architecture reports: "exponentially vanishing", "polynomial", "zero", "not decided".
    ``confidence`` is the level of the intervals ``ci`` (it sets their weights).

    Raises
    ------
    ValueError : lengths differ, NaN or negative values.
    """
    from bpcalc.bounds.scaling import fit_scaling as one_fit

    ns = [int(n) for n in ns]
    vals = [float(v) for v in values]
    cis = list(ci) if ci is not None else [None] * len(vals)
    if not (len(ns) == len(vals) == len(cis)):
        raise ValueError(f"fit_scaling: {len(ns)} qubit counts, {len(vals)} values, {len(cis)} intervals")
    if any(math.isnan(v) for v in vals):
        raise ValueError("fit_scaling: NaN variance")
    return labelled(one_fit(ns, vals, cis, interval_confidence=confidence))


def labelled(fit: Any) -> ScalingFit:
    """The report's :class:`ScalingFit` of a :class:`bpcalc.bounds.scaling.ScalingFit` (same fit and
    verdict; the labels of the reports: "exponentially vanishing", "polynomial", "zero", "not decided")."""
    label = {"exponential": "exponentially vanishing", "undecided": "not decided"}.get(fit.label, fit.label)
    text = fit.text
    if fit.label == "exponential":
        text = "exponentially vanishing with" + text[len("exponential:"):]
    elif fit.label == "undecided":
        text = "not decided" + text[len("undecided"):]
    evidence = [f"log10 Var = {[round(y, 3) for y in fit.log10_values]} at n = {list(fit.ns)}"]
    evidence += [f"n = {n} left out: {why}" for n, why in fit.excluded]
    if fit.exponential is not None:
        evidence.append(fit.describe())
    ex, po = fit.exponential, fit.polynomial
    base_se = None if ex is None else fit.base * math.log(10) * ex.slope_se
    return ScalingFit(
        label, text, fit.ns, fit.log10_values, base=fit.base, base_se=base_se, degree=fit.degree,
        evidence=tuple(evidence), method="bpcalc.bounds.scaling.fit_scaling",
        degree_se=None if po is None else po.slope_se,
        log10_prefactor=None if ex is None else ex.intercept,
        log10_poly_prefactor=None if po is None else po.intercept,
    )


def fit_estimates(ns: Sequence[int], estimates: Sequence[Any]) -> Optional[ScalingFit]:
    """:func:`fit_scaling` of sampled :class:`bpcalc.verify.stats.VarianceEstimate` s, weighted by their
    intervals at their confidence level; ``None`` with fewer than 3 sizes.

    Raises
    ------
    ValueError : estimates at different confidence levels, or mismatched lengths.
    """
    ns = list(ns)
    estimates = list(estimates)
    if len(ns) != len(estimates):
        raise ValueError(f"fit_estimates: {len(ns)} sizes but {len(estimates)} estimates")
    if len(set(ns)) < 3:
        return None
    conf = {e.confidence for e in estimates}
    if len(conf) > 1:
        raise ValueError(f"estimates at different confidence levels {sorted(conf)} cannot be fitted together")
    return fit_scaling(ns, [e.value for e in estimates], [(e.ci_low, e.ci_high) for e in estimates],
                       confidence=conf.pop())


def fit_summary(ns: Sequence[int], estimates: Sequence[Any]) -> dict:
    """Decay base and degree (± standard errors) of sampled estimates, from the one fit.

    :func:`bpcalc.bounds.scaling.fit_scaling`, weighted by the estimates' intervals; the keys
    ``base``, ``base_stderr``, ``degree``, ``degree_stderr``, ``better`` (the model with the
    smaller χ², not a verdict), ``chi2_exponential``, ``ns`` and the verdict ``label``.

    Raises
    ------
    ValueError : fewer than 3 sizes with a positive estimate, estimates at different
        confidence levels, mismatched lengths.
    """
    from bpcalc.bounds.scaling import fit_scaling

    ns, estimates = list(ns), list(estimates)
    if len(ns) != len(estimates):
        raise ValueError(f"{len(ns)} values of n but {len(estimates)} estimates")
    levels = {e.confidence for e in estimates}
    if len(levels) > 1:
        raise ValueError(f"estimates at different confidence levels {sorted(levels)} cannot be fitted together")
    fit = fit_scaling(ns, [e.value for e in estimates], [(e.ci_low, e.ci_high) for e in estimates],
                      interval_confidence=levels.pop() if levels else 0.95)
    if fit.exponential is None:
        raise ValueError(f"no fit: positive estimates at >= 3 distinct n needed ({fit.reason or fit.text})")
    return {"base": fit.base, "base_stderr": fit.base_se, "degree": fit.degree, "degree_stderr": fit.degree_se,
            "better": fit.better, "chi2_exponential": fit.exponential.chi2, "ns": list(fit.ns), "label": fit.label}
