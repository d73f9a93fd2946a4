"""The one scaling fit and the one verdict rule: how does ``Var[∂ℓ]`` scale with ``n``?

Every command and :mod:`bpcalc.verify.check` decide "exponential" vs "polynomial" here, so that the
same numbers always get the same verdict.

The fit
    ``log10 Var`` is fitted by (weighted) least squares against ``n`` (exponential model
    ``Var = A·b^-n``) and against ``log10 n`` (power law ``Var = C·n^p``).  Weights come from the
    confidence intervals of sampled values; exact values are fitted unweighted and the
    standard errors come from the residual scatter.

The verdict rule
    * ``"zero"``: every value is an exact 0 (proved, not below resolution);
    * ``"undecided"`` with the reason when fewer than :data:`MIN_SIZES` sizes carry a positive
      value (below-resolution values are upper limits, never data points), when the residuals
      reject both models, or when the two models fit equally well;
    * ``"exponential"`` (base ``b`` with its interval) when the exponential model is accepted,
      clearly better than the power law, and its decay is significant;
    * ``"polynomial"`` (degree with its interval) when the power law is accepted and clearly
      better, or when the data show no significant decay.

    Acceptance: with intervals, a model is rejected when its χ² goodness-of-fit p-value is
    below :data:`REJECT_P`; "clearly better" means a χ² smaller by at least
    :data:`CHI2_MARGIN`.  For exact values (no noise model) a model is rejected when its RMS
    residual exceeds :data:`EXACT_RMS_TOL` decades, and "clearly better" means a residual sum
    of squares at least :data:`EXACT_SSR_RATIO` times smaller.

A single size gets :func:`size_verdict`: "trainable at this size" or "vanishing at this size"
from the number of shots needed to resolve a gradient of typical size ``sqrt(Var)``.

References
----------
.. [1] McClean, Boixo, Smelyanskiy, Babbush, Neven, "Barren plateaus in quantum neural network
   training landscapes", Nat. Commun. 9, 4812 (2018), arXiv:1803.11173 (Fig. 3: exponential
   decay of the gradient variance with n, read off a log-linear fit).
.. [2] Larocca et al., "Barren plateaus in variational quantum computing", Nat. Rev. Phys. (2025),
   arXiv:2405.00781 (definition: Var ∈ O(b^-n), b > 1).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional, Sequence

import numpy as np
from scipy import stats as _st

__all__ = [
    "CHI2_MARGIN",
    "EXACT_RMS_TOL",
    "EXACT_SSR_RATIO",
    "MIN_SIZES",
    "REJECT_P",
    "ModelFit",
    "ScalingFit",
    "SizeVerdict",
    "fit_scaling",
    "shots_to_resolve",
    "size_verdict",
]

MIN_SIZES = 4
"""No verdict from fewer sizes: two-parameter models fitted to 3 points leave 1 degree of freedom."""
REJECT_P = 0.01
"""A model whose χ² goodness-of-fit p-value is below this is rejected by its residuals."""
CHI2_MARGIN = 2.0
"""Both models have two parameters: a χ² difference below this (Akaike-weight ratio < e) decides nothing."""
EXACT_RMS_TOL = 0.1
"""Exact values: a model whose RMS residual in log10 exceeds this (26 % relative) is rejected."""
EXACT_SSR_RATIO = 4.0
"""Exact values: the chosen model's residual sum of squares must be this many times smaller."""
FLAT_BASE = 1.05
"""Without significant decay, "polynomial" needs the base interval to exclude bases above this."""
DEFAULT_SHOT_BUDGET = 10**6
"""Shots per gradient component that :func:`size_verdict` accepts as affordable by default."""


@dataclasses.dataclass(frozen=True)
class ModelFit:
    """One model's fit ``log10 Var = intercept + slope·x``.

    ``x = n`` for ``model='exponential'`` (``slope = -log10 b``) and ``x = log10 n`` for
    ``model='polynomial'`` (``slope = p``).  ``p_value`` is the χ² goodness of fit (``None`` for
    unweighted fits of exact values); ``rms`` is the RMS residual in decades.
    """

    model: str
    intercept: float
    slope: float
    slope_se: float
    chi2: float
    dof: int
    p_value: Optional[float]
    rms: float

    def predict_log10(self, n) -> np.ndarray:
        x = np.asarray(n, dtype=float)
        return self.intercept + self.slope * (x if self.model == "exponential" else np.log10(x))


@dataclasses.dataclass(frozen=True)
class ScalingFit:
    """Fits of ``Var`` against ``n`` and the verdict (see the module docstring for the rule).

    Attributes
    ----------
    label : ``"exponential"``, ``"polynomial"``, ``"zero"`` or ``"undecided"``.
    text : one sentence with the numbers (base and interval, degree, sizes, data kind).
    reason : for ``"undecided"``, why (too few sizes, fit quality, values below resolution).
    ns, log10_values, log10_errors : the points fitted (errors ``None`` for exact values).
    excluded : ``(n, why)`` of points left out (below resolution, exact 0).
    exponential, polynomial : the two model fits (``None`` with fewer than 3 points).
    base, base_ci : decay base ``b`` of ``Var ∝ b^-n`` and its interval at ``confidence``.
    degree, degree_ci : exponent ``p`` of ``Var ∝ n^p`` and its interval.
    weighted : whether intervals weighted the fit.
    """

    label: str
    text: str
    reason: str
    ns: tuple[int, ...]
    log10_values: tuple[float, ...]
    log10_errors: Optional[tuple[float, ...]]
    excluded: tuple[tuple[int, str], ...]
    exponential: Optional[ModelFit]
    polynomial: Optional[ModelFit]
    base: Optional[float]
    base_ci: Optional[tuple[float, float]]
    degree: Optional[float]
    degree_ci: Optional[tuple[float, float]]
    weighted: bool
    confidence: float

    @property
    def decided(self) -> bool:
        return self.label in ("exponential", "polynomial", "zero")

    @property
    def chosen(self) -> Optional[ModelFit]:
        """The model the verdict chose (``None`` unless exponential / polynomial)."""
        return {"exponential": self.exponential, "polynomial": self.polynomial}.get(self.label)

    @property
    def base_se(self) -> Optional[float]:
        """Standard error of :attr:`base` (delta method: ``b · ln 10 · se(slope)``)."""
        if self.exponential is None or self.base is None:
            return None
        return float(self.base * math.log(10) * self.exponential.slope_se)

    @property
    def degree_se(self) -> Optional[float]:
        """Standard error of :attr:`degree`."""
        return None if self.polynomial is None else self.polynomial.slope_se

    @property
    def better(self) -> Optional[str]:
        """The model with the smaller χ² (weighted) or residual sum of squares (exact values).

        A description of the two fits, not a verdict: :attr:`label` is the verdict.
        """
        if self.exponential is None or self.polynomial is None:
            return None
        return "exponential" if self.exponential.chi2 <= self.polynomial.chi2 else "polynomial"

    def predict_log10(self, n, model: Optional[str] = None) -> np.ndarray:
        fit = {"exponential": self.exponential, "polynomial": self.polynomial}.get(model or self.label)
        if fit is None:
            raise ValueError(f"no {model or self.label!r} fit to predict from")
        return fit.predict_log10(n)

    def describe(self) -> str:
        parts = [self.text]
        for f in (self.exponential, self.polynomial):
            if f is not None:
                q = f"p = {f.p_value:.2g}" if f.p_value is not None else f"RMS residual {f.rms:.2g} dec"
                what = (f"base {10 ** -f.slope:.4g}" if f.model == "exponential" else f"degree {f.slope:.3g}")
                parts.append(f"{f.model}: {what}, χ² = {f.chi2:.3g} ({q})")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"base_se": self.base_se, "degree_se": self.degree_se,
                                           "better": self.better, "description": self.describe()}


def _wls(x: np.ndarray, y: np.ndarray, se: Optional[np.ndarray], model: str) -> ModelFit:
    w = np.ones_like(y) if se is None else 1.0 / se**2
    a_mat = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(a_mat.T @ (w[:, None] * a_mat))
    coef = cov @ (a_mat.T @ (w * y))
    resid = y - a_mat @ coef
    chi2 = float(np.sum(w * resid**2))
    dof = len(x) - 2
    if se is None:
        scale = chi2 / dof if dof > 0 else 0.0  # residual variance (unweighted): errors from the scatter
        p = None
    else:
        scale = max(1.0, chi2 / dof) if dof > 0 else 1.0  # inflate errors when the fit is poor
        p = float(_st.chi2.sf(chi2, dof)) if dof > 0 else None
    slope_se = float(math.sqrt(cov[1, 1] * scale))
    return ModelFit(model, float(coef[0]), float(coef[1]), slope_se, chi2, dof, p,
                    float(math.sqrt(np.mean(resid**2))))


def _sizes(ns: Sequence[int]) -> str:
    return f"n = {ns[0]}..{ns[-1]} ({len(ns)} sizes)" if len(ns) > 3 else "n = " + ", ".join(str(n) for n in ns)


def fit_scaling(
    ns: Sequence[int],
    values: Optional[Sequence[float]] = None,
    intervals: Optional[Sequence[Optional[tuple[Optional[float], Optional[float]]]]] = None,
    *,
    log10_values: Optional[Sequence[float]] = None,
    confidence: float = 0.95,
    interval_confidence: float = 0.95,
) -> ScalingFit:
    """Fit ``Var`` against ``n`` and decide exponential / polynomial / undecided.

    Parameters
    ----------
    ns : qubit counts.
    values : variances at those ``n`` (exact, truncated or sampled).
    intervals : per point ``(low, high)`` of a confidence interval at level
        ``interval_confidence``, or ``None`` for an exact value.  A point with value 0 and an
        interval ``(0, high)`` is *below resolution*: an upper limit, left out of the fit.
    log10_values : instead of ``values``, exact values given as ``log10 Var`` (for values that
        underflow a double, e.g. closed-form bounds at ``n = 10**6``).
    confidence : level of the reported intervals of the base and the degree.

    Raises
    ------
    ValueError : lengths differ, NaN or negative values, non-positive ``n``, bad levels.

    Examples
    --------
    >>> ns = [4, 6, 8, 10, 12]
    >>> fit = fit_scaling(ns, [0.3 * 2.0 ** -n for n in ns])
    >>> fit.label, round(fit.base, 6)
    ('exponential', 2.0)
    >>> fit_scaling(ns, [0.5 * n ** -2.0 for n in ns]).label
    'polynomial'
    >>> fit_scaling([4, 6, 8], [0.1, 0.01, 0.001]).reason
    'too few sizes: 3 with a positive value, 4 needed'
    """
    ns = [int(n) for n in ns]
    if (values is None) == (log10_values is None):
        raise ValueError("fit_scaling: give exactly one of values and log10_values")
    logs: Optional[list[float]] = None
    if log10_values is not None:
        logs = [float(y) for y in log10_values]
        if intervals is not None:
            raise ValueError("fit_scaling: log10_values are exact values; intervals are not accepted with them")
        if len(logs) != len(ns) or not all(math.isfinite(y) for y in logs):
            raise ValueError(f"fit_scaling: need one finite log10 value per n, got {logs}")
        values = [1.0] * len(logs)  # placeholders: every point is positive and exact
    vals = [float(v) for v in values]
    cis = list(intervals) if intervals is not None else [None] * len(vals)
    if not (len(ns) == len(vals) == len(cis)):
        raise ValueError(f"fit_scaling: {len(ns)} qubit counts, {len(vals)} values, {len(cis)} intervals")
    if any(n <= 0 for n in ns):
        raise ValueError(f"fit_scaling: qubit counts must be positive, got {ns}")
    if any(math.isnan(v) or v < 0 for v in vals):
        raise ValueError(f"fit_scaling: variances must be non-negative numbers, got {vals}")
    for level in (confidence, interval_confidence):
        if not 0 < level < 1:
            raise ValueError(f"fit_scaling: confidence levels must lie in (0, 1), got {level}")

    keep: list[tuple[int, float, Optional[tuple[float, float]]]] = []
    excluded: list[tuple[int, str]] = []
    log_of: dict = {}
    for i, (n, v, c) in enumerate(zip(ns, vals, cis)):
        if logs is not None:
            log_of[len(keep)] = logs[i]
        has_ci = c is not None and c[0] is not None and c[1] is not None
        if v > 0:
            keep.append((n, v, (float(c[0]), float(c[1])) if has_ci else None))
        elif has_ci and c[1] > 0:
            excluded.append((n, f"below resolution (< {c[1]:.3g}): an upper limit, not a data point"))
        else:
            excluded.append((n, "exactly 0"))

    def _ly(k: int) -> float:
        return log_of[k] if k in log_of else math.log10(keep[k][1])

    def result(label, text, reason="", ex=None, po=None, weighted=False, errs=None):
        base = base_ci = degree = degree_ci = None
        if ex is not None:
            t = float(_st.t.ppf(0.5 + confidence / 2, max(ex.dof, 1)))
            base = 10 ** -ex.slope
            base_ci = (10 ** -(ex.slope + t * ex.slope_se), 10 ** -(ex.slope - t * ex.slope_se))
        if po is not None:
            t = float(_st.t.ppf(0.5 + confidence / 2, max(po.dof, 1)))
            degree, degree_ci = po.slope, (po.slope - t * po.slope_se, po.slope + t * po.slope_se)
        return ScalingFit(label, text, reason, tuple(n for n, _, _ in keep),
                          tuple(_ly(k) for k in range(len(keep))), errs, tuple(excluded), ex, po,
                          base, base_ci, degree, degree_ci, weighted, confidence)

    if vals and not keep and all(why == "exactly 0" for _, why in excluded):
        return result("zero", f"zero: the variance is exactly 0 at every n ({_sizes(ns)})")
    sizes = sorted({n for n, _, _ in keep})
    below = [n for n, why in excluded if why.startswith("below")]
    x = np.array([n for n, _, _ in keep], dtype=float)
    y = np.array([_ly(k) for k in range(len(keep))])
    z = float(_st.norm.ppf(0.5 + interval_confidence / 2))
    sampled = [c for _, _, c in keep if c is not None]
    weighted = bool(sampled)
    se = None
    if weighted:
        rel = [(hi - lo) / (2 * v) for (_, v, c) in keep if c is not None for lo, hi in [c] if hi > lo]
        exact_rel = min(min(rel), 0.5) if rel else 1e-6
        errs = []
        for _, v, c in keep:
            if c is None:  # exact among sampled: as trusted as the best sampled point, not infinitely more
                errs.append(exact_rel / math.log(10))
                continue
            lo, hi = c
            if lo > 0 and hi > lo:
                errs.append((math.log10(hi) - math.log10(lo)) / (2 * z))
            elif hi > v:
                errs.append((math.log10(hi) - math.log10(v)) / z)
            else:
                errs.append(1.0)
        se = np.maximum(np.array(errs), 1e-6)
    errs_t = tuple(float(e) for e in se) if se is not None else None
    if len(sizes) < MIN_SIZES:
        reason = f"too few sizes: {len(sizes)} with a positive value, {MIN_SIZES} needed"
        if below:
            reason += f" (n = {below} below the resolution of the sampled values: compute them exactly or with more samples)"
        ex = po = None
        if len(sizes) >= 3:  # the fits are reported (weighted when intervals are known), the verdict is not
            ex, po = _wls(x, y, se, "exponential"), _wls(np.log10(x), y, se, "polynomial")
            return result("undecided", f"undecided: {reason}", reason, ex, po, weighted, errs_t)
        return result("undecided", f"undecided: {reason}", reason)
    ex = _wls(x, y, se, "exponential")
    po = _wls(np.log10(x), y, se, "polynomial")
    kind = "sampled values, weighted by their intervals" if weighted else "exact values"
    where = f"{_sizes(sizes)}, {kind}"
    if below:
        where += f"; n = {below} below resolution, left out"

    if weighted:
        ok_e, ok_p = ex.p_value is None or ex.p_value >= REJECT_P, po.p_value is None or po.p_value >= REJECT_P
        diff = po.chi2 - ex.chi2  # > 0: exponential better
        close = abs(diff) < CHI2_MARGIN
        quality = f"p = {ex.p_value:.2g} (exponential), {po.p_value:.2g} (power law)"
    else:
        ok_e, ok_p = ex.rms <= EXACT_RMS_TOL, po.rms <= EXACT_RMS_TOL
        ssr_e, ssr_p = ex.chi2, po.chi2
        diff = ssr_p - ssr_e
        close = not (max(ssr_e, ssr_p) >= EXACT_SSR_RATIO * min(ssr_e, ssr_p) and max(ssr_e, ssr_p) > 1e-20)
        quality = f"RMS residual {ex.rms:.2g} (exponential), {po.rms:.2g} (power law) decades"

    t_e = float(_st.t.ppf(0.5 + confidence / 2, max(ex.dof, 1)))
    decays = ex.slope + t_e * ex.slope_se < 0  # base significantly above 1
    base = 10 ** -ex.slope

    if not ok_e and not ok_p:
        reason = f"the residuals reject both models ({quality}); add sizes or repetitions"
        return result("undecided", f"undecided: {reason} ({where})", reason, ex, po, weighted, errs_t)
    base_hi = 10 ** -(ex.slope - t_e * ex.slope_se)
    if not decays and ok_p and base_hi <= FLAT_BASE:
        lo, hi = po.slope - t_e * po.slope_se, po.slope + t_e * po.slope_se
        return result("polynomial", f"polynomial: no significant decay; Var ∝ n^{po.slope:.2f} "
                      f"[{lo:.2f}, {hi:.2f}] ({where})", "", ex, po, weighted, errs_t)
    if not decays and ok_p:
        reason = (f"no significant decay, but the data allow a base up to {base_hi:.3g} ({quality}); "
                  "add samples or sizes")
        return result("undecided", f"undecided: {reason} ({where})", reason, ex, po, weighted, errs_t)
    if close and ok_e and ok_p:
        reason = (f"an exponential (base {base:.3g}) and a power law (degree {po.slope:.2f}) fit equally well "
                  f"({quality}); larger n would decide")
        return result("undecided", f"undecided: {reason} ({where})", reason, ex, po, weighted, errs_t)
    if ok_e and (diff > 0 or not ok_p) and decays:
        r = result("exponential", "", "", ex, po, weighted, errs_t)
        lo, hi = r.base_ci
        text = (f"exponential: base {base:.4g} [{lo:.4g}, {hi:.4g}] ({confidence:.0%} interval), "
                f"Var ∝ base^-n ({where})")
        return dataclasses.replace(r, text=text)
    if ok_p and (diff < 0 or not ok_e):
        r = result("polynomial", "", "", ex, po, weighted, errs_t)
        lo, hi = r.degree_ci
        return dataclasses.replace(r, text=f"polynomial: Var ∝ n^{po.slope:.3g} [{lo:.3g}, {hi:.3g}] "
                                   f"({confidence:.0%} interval; {where})")
    reason = (f"the exponential model fits but its decay is not significant (base {base:.3g}); {quality}"
              if ok_e else f"no model is clearly better ({quality})")
    return result("undecided", f"undecided: {reason} ({where})", reason, ex, po, weighted, errs_t)


# ----------------------------------------------------------------------------- one size


def shots_to_resolve(variance: float, observable_norm: float = 1.0) -> float:
    """Shots per parameter-shift term needed to resolve a gradient of size ``sqrt(variance)``.

    The parameter-shift estimate ``(ℓ(θ+π/2) − ℓ(θ−π/2))/2`` with ``N`` shots per term has a
    variance of at most ``2·‖O‖²/(4N) = ‖O‖²/(2N)``; it resolves a typical gradient
    ``|∂ℓ| ≈ sqrt(Var)`` at one standard error when ``‖O‖²/(2N) ≤ Var``, i.e.
    ``N ≥ ‖O‖² / (2 Var)``.  Returns ``inf`` for a zero variance.

    Examples
    --------
    >>> shots_to_resolve(1e-4)
    5000.0
    """
    if not variance >= 0 or not observable_norm > 0:
        raise ValueError(f"need variance >= 0 and observable_norm > 0, got {variance}, {observable_norm}")
    return math.inf if variance == 0 else observable_norm**2 / (2.0 * variance)


@dataclasses.dataclass(frozen=True)
class SizeVerdict:
    """``label`` in {"trainable at this size", "vanishing at this size", "zero", "undecided"}."""

    label: str
    text: str
    shots_needed: Optional[float]
    shot_budget: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def size_verdict(
    variance: Optional[float],
    *,
    upper_limit: Optional[float] = None,
    proved_zero: bool = False,
    observable_norm: float = 1.0,
    shot_budget: float = DEFAULT_SHOT_BUDGET,
) -> SizeVerdict:
    """Per-parameter answer at one size from its (exact) variance and a stated shot budget.

    "vanishing at this size" when more than ``shot_budget`` shots per parameter-shift term are
    needed to resolve the gradient (:func:`shots_to_resolve`); a below-resolution value (an
    ``upper_limit``) is vanishing only when even the upper limit needs more shots than the
    budget, else undecided.

    Examples
    --------
    >>> size_verdict(1e-3).label
    'trainable at this size'
    >>> size_verdict(1e-9).label
    'vanishing at this size'
    >>> size_verdict(None, upper_limit=1e-3).label
    'undecided'
    """
    if not shot_budget > 0:
        raise ValueError(f"shot_budget must be positive, got {shot_budget}")
    if proved_zero:
        return SizeVerdict("zero", "zero: the gradient vanishes identically (proved)", math.inf, shot_budget)
    budget = f"budget {shot_budget:.3g} shots per parameter-shift term"
    if variance is None or variance == 0:
        if upper_limit is None:
            return SizeVerdict("undecided", "undecided: no variance available", None, shot_budget)
        need = shots_to_resolve(upper_limit, observable_norm)
        if need > shot_budget:
            return SizeVerdict("vanishing at this size", f"vanishing at this size: Var < {upper_limit:.3g} needs "
                               f"> {need:.3g} shots to resolve ({budget})", need, shot_budget)
        return SizeVerdict("undecided", f"undecided: Var below resolution (< {upper_limit:.3g}); the upper limit "
                           f"alone needs {need:.3g} shots ({budget})", need, shot_budget)
    need = shots_to_resolve(variance, observable_norm)
    if need <= shot_budget:
        return SizeVerdict("trainable at this size", f"trainable at this size: Var = {variance:.3g} needs "
                           f"{need:.3g} shots to resolve ({budget})", need, shot_budget)
    return SizeVerdict("vanishing at this size", f"vanishing at this size: Var = {variance:.3g} needs "
                       f"{need:.3g} shots to resolve ({budget})", need, shot_budget)
