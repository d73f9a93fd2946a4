"""Compare sampled gradient variances with bounds.

:func:`check` confronts every bound of an analysis (``bpcalc.bounds.analysis.Analysis``, or any
object following the minimal protocol below) with the matching
:class:`~bpcalc.verify.stats.VarianceEstimate` and gives a verdict with its statistical evidence.
How sampled variances scale with ``n`` is decided by the one fit and verdict rule,
:func:`bpcalc.bounds.scaling.fit_scaling` (for estimates: :func:`bpcalc.verify.fits.fit_estimates`).

Decision rule (``[lo, hi]`` is the estimate's confidence interval at level ``c``)
-------------------------------------------------------------------------------------
* upper bound ``U`` (``Var ≤ U``): **violated** if ``lo > U`` (the whole interval lies above
  the bound); **holds** if ``hi ≤ U`` (the whole interval lies below: the data support the
  bound); **inconclusive** otherwise (the interval contains ``U``: consistent, not confirmed).
* lower bound ``B`` (``Var ≥ B``): **violated** if ``hi < B``; **holds** if ``lo ≥ B``;
  **inconclusive** otherwise.
* exact value ``E``: **holds** if ``lo ≤ E ≤ hi`` (up to :data:`EXACT_TOLERANCE`, floating-point
  residue); **violated** otherwise.
* an estimate or bound that is not a finite number, or a quantity mismatch (a bound on
  ``Var[∂ℓ_i]`` against an estimate of ``Var[∂L]``), is **inconclusive** with the reason.

Comparisons are made in ``log10`` so that bounds that underflow a float (``2^-1000``) still
compare correctly.  Each verdict is a test at level ``1 − c``; with many bounds some false
"violated" verdicts are expected at rate ``≤ (1 − c)/2`` per true bound (use a higher
``confidence`` in :func:`bpcalc.verify.sampling.sample_gradient_variance` for a family of checks).

Minimal protocol (when ``bpcalc.bounds.analysis`` is not used)
-----------------------------------------------------
``analysis`` may be an iterable of bound records, each a mapping or object with ``parameter``
(name), ``name``, ``kind`` (``'upper' | 'lower' | 'exact'``), ``value`` (a float, or an object
with ``log10`` and ``sign`` like ``bounds.BoundValue``) and optionally ``quantity``
(``'loss'`` or ``'output'``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping, Optional

from bpcalc.bounds.analysis import CHECK_VERDICTS, BoundCheck

from .stats import VarianceEstimate

__all__ = [
    "VERDICTS",
    "BoundRecord",
    "BoundCheck",
    "CheckReport",
    "check",
    "bound_records",
]

VERDICTS = CHECK_VERDICTS
"""The verdicts of a check (one vocabulary with :class:`bpcalc.bounds.analysis.BoundCheck`)."""

EXACT_TOLERANCE = 1e-12
"""Absolute floating-point tolerance (times ``max(1, |E|)``) of the exact-value rule: a simulated
gradient of a parameter outside the light cone is ``~1e-16``, not a violation of ``Var = 0``."""


@dataclasses.dataclass(frozen=True)
class BoundRecord:
    """A bound value to test: ``Var[∂_parameter] (kind) value``."""

    parameter: str
    name: str
    kind: str
    log10: float
    sign: int
    quantity: str = ""  # 'loss', 'output' or '' (unknown)
    citation: str = ""

    @property
    def value(self) -> float:
        if self.sign == 0:
            return 0.0
        return self.sign * 10.0**self.log10 if self.log10 > -300 else 0.0


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """All verdicts of :func:`check`."""

    checks: tuple[BoundCheck, ...]
    confidence: float
    estimates: tuple[VarianceEstimate, ...] = ()

    @property
    def violated(self) -> tuple[BoundCheck, ...]:
        return tuple(c for c in self.checks if c.verdict == "violated")

    @property
    def ok(self) -> bool:
        """True if no bound is violated."""
        return not self.violated

    def counts(self) -> dict[str, int]:
        return {v: sum(c.verdict == v for c in self.checks) for v in VERDICTS}

    def to_dict(self) -> dict:
        return {"confidence": self.confidence, "counts": self.counts(), "checks": [c.to_dict() for c in self.checks],
                "estimates": [e.to_dict() for e in self.estimates]}

    def __str__(self) -> str:
        lines = [f"{c.verdict:>12}  {c.parameter}  {c.bound} ({c.kind}): {c.statistic}" for c in self.checks]
        return "\n".join(lines) if lines else "(no bounds to check)"


# ----------------------------------------------------------------------------- inputs


def _log10_sign(value: Any) -> tuple[float, int]:
    if hasattr(value, "log10") and hasattr(value, "sign"):
        lg = float(value.log10() if callable(value.log10) else value.log10)
        return lg, int(value.sign)
    v = float(getattr(value, "value", value))
    if v == 0:
        return -math.inf, 0
    if not math.isfinite(v):
        return math.nan, 1
    return math.log10(abs(v)), 1 if v > 0 else -1


def _field(obj: Any, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _scope_quantity(result: Any, theorem_key: str) -> str:
    """The estimated quantity a bound is about, from its scope (carried by the typed result; a
    plain record without one falls back to the registered theorem's)."""
    scope = _field(result, "scope", "") or ""
    if not scope and theorem_key:
        from bpcalc.bounds.registry import get_theorem

        try:
            scope = get_theorem(theorem_key).scope
        except (KeyError, ValueError):  # a theorem that is not registered: quantity unknown
            scope = ""
    return {"parameter": "output", "loss": "loss"}.get(scope, "")


def bound_records(analysis: Any) -> list[BoundRecord]:
    """Flatten an ``Analysis`` (or the minimal protocol) into :class:`BoundRecord` s.

    For a ``bpcalc.bounds.analysis.Analysis``: every applicable bound of every parameter (theorem scope
    ``'parameter'`` → quantity ``'output'``, ``'loss'`` → ``'loss'``) and the exact variances
    (``exact.value``: mean over data points of ``Var[∂ℓ_i]``, quantity ``'output'``;
    ``exact.linear_loss``: ``Var[∂L]`` for a linear loss, quantity ``'loss'``).
    """
    if hasattr(analysis, "parameters") and not isinstance(analysis, Mapping):
        out: list[BoundRecord] = []
        for p in analysis.parameters:
            name = str(_field(p, "parameter"))
            for r in _field(p, "applicable", ()) or ():
                lg, sg = _log10_sign(_field(r, "value"))
                theorem = str(_field(r, "theorem", ""))
                label = f"{theorem}[{_field(r, 'bound', '')}]" if theorem else str(_field(r, "bound", _field(r, "name", "")))
                out.append(BoundRecord(name, label, str(_field(r, "kind")), lg, sg, _scope_quantity(r, theorem),
                                       str(_field(r, "citation", ""))))
            ex = _field(p, "exact")
            if ex is not None:
                lg, sg = _log10_sign(float(_field(ex, "value")))
                out.append(BoundRecord(name, f"exact ({_field(ex, 'method', 'exact')})", "exact", lg, sg, "output"))
                ll = _field(ex, "linear_loss")
                if ll is not None:
                    lg, sg = _log10_sign(float(ll))
                    out.append(BoundRecord(name, "exact linear loss", "exact", lg, sg, "loss"))
        return out
    if isinstance(analysis, (BoundRecord,)):
        return [analysis]
    records = []
    for item in analysis:
        if isinstance(item, BoundRecord):
            records.append(item)
            continue
        kind = str(_field(item, "kind"))
        if kind not in ("upper", "lower", "exact"):
            raise ValueError(f"bound kind must be 'upper', 'lower' or 'exact', got {kind!r} in {item!r}")
        lg, sg = _log10_sign(_field(item, "value"))
        records.append(BoundRecord(str(_field(item, "parameter")), str(_field(item, "name", kind)), kind, lg, sg,
                                   str(_field(item, "quantity", "") or "")))
    return records


def _as_estimates(estimates: Any) -> list[VarianceEstimate]:
    if isinstance(estimates, VarianceEstimate):
        return [estimates]
    if isinstance(estimates, Mapping):
        items = list(estimates.values())
    else:
        items = list(estimates)
    flat: list[VarianceEstimate] = []
    for e in items:
        if isinstance(e, VarianceEstimate):
            flat.append(e)
        elif isinstance(e, (list, tuple)):
            flat.extend(_as_estimates(e))
        else:
            raise TypeError(f"estimates must be VarianceEstimate objects, got {type(e).__name__}")
    return flat


def _lg(x: float) -> float:
    return math.log10(x) if x > 0 else -math.inf


def _verdict(rec: BoundRecord, est: VarianceEstimate) -> tuple[str, str, float]:
    lo, hi = _lg(est.ci_low), _lg(est.ci_high)
    interval = (f"estimate {est.value:.3g} with {100 * est.confidence:g}% {est.interval} CI "
                f"[{est.ci_low:.3g}, {est.ci_high:.3g}] (n = {est.n_samples}"
                f"{'' if est.shots is None else f', {est.shots} shots'})")
    b = rec.log10
    ratio = (_lg(est.value) - b) if (est.value > 0 and rec.sign > 0 and math.isfinite(b)) else math.nan
    if math.isnan(b) or math.isnan(est.ci_low) or math.isnan(est.ci_high):
        return "inconclusive", f"{interval}; the bound or the interval is not a number", ratio
    bound_text = f"bound {'0' if rec.sign == 0 else f'{rec.sign * 10 ** b:.3g}' if b > -300 else f'10^{b:.1f}'}"
    if rec.sign < 0:
        b = -math.inf  # a negative value: compare as below every non-negative variance
        bound_text = f"bound {rec.value:.3g} (negative)"
    if rec.kind == "upper":
        if rec.sign < 0 or (rec.sign == 0):
            if est.ci_low > 0:
                return "violated", f"{interval} lies above the non-positive upper {bound_text}", ratio
            return "inconclusive", f"{interval} reaches 0 = the upper {bound_text}", ratio
        if lo > b:
            return "violated", f"{interval} lies entirely above the upper {bound_text}", ratio
        if hi <= b:
            return "holds", f"{interval} lies entirely below the upper {bound_text}", ratio
        return "inconclusive", f"{interval} contains the upper {bound_text}", ratio
    if rec.kind == "lower":
        if rec.sign <= 0:
            return "holds", f"the lower {bound_text} is not positive: trivially true", ratio
        if hi < b:
            return "violated", f"{interval} lies entirely below the lower {bound_text}", ratio
        if lo >= b:
            return "holds", f"{interval} lies entirely above the lower {bound_text}", ratio
        return "inconclusive", f"{interval} contains the lower {bound_text}", ratio
    if rec.kind == "exact":
        e = rec.value if rec.sign != 0 else 0.0
        if rec.sign > 0 and b < -300:
            inside = lo <= b <= hi
        else:  # a floating-point residue (a sampled 3e-16 for an exact 0) is no violation
            tol = EXACT_TOLERANCE * max(1.0, abs(e))
            inside = est.ci_low - tol <= e <= est.ci_high + tol
        if inside:
            return "holds", f"{interval} contains the exact value {e:.4g}", ratio
        return "violated", f"{interval} excludes the exact value {e:.4g}", ratio
    raise ValueError(f"unknown bound kind {rec.kind!r}")


def check(analysis: Any, estimates: Any) -> CheckReport:
    """Verdicts (holds / violated / inconclusive) for every bound against the sampled estimates.

    Parameters
    ----------
    analysis : ``bpcalc.bounds.analysis.Analysis``, or an iterable of bound records (see module
        docstring), or :class:`BoundRecord` s.
    estimates : a :class:`VarianceEstimate`, a list of them, or a mapping name -> estimate(s).
        Estimates are matched to bounds by parameter name and quantity (``'loss'`` vs
        ``'output'``; ``'loss=output'`` matches both).

    Returns
    -------
    CheckReport

    Raises
    ------
    TypeError : estimates of the wrong type.
    ValueError : malformed bound records.

    Examples
    --------
    >>> from bpcalc.verify.stats import estimate_variance
    >>> import numpy as np
    >>> est = estimate_variance(np.random.default_rng(0).normal(0, 0.1, 5000), parameter="a",
    ...                         rng=np.random.default_rng(1))
    >>> rep = check([{"parameter": "a", "name": "loose", "kind": "upper", "value": 0.1},
    ...              {"parameter": "a", "name": "wrong", "kind": "upper", "value": 0.001}], est)
    >>> [c.verdict for c in rep.checks]
    ['holds', 'violated']
    """
    records = bound_records(analysis)
    ests = _as_estimates(estimates)
    confidence = ests[0].confidence if ests else math.nan
    out = []
    used: dict[int, VarianceEstimate] = {}
    for rec in records:
        same = [e for e in ests if e.parameter == rec.parameter]
        match = [e for e in same if not rec.quantity or e.quantity in (rec.quantity, "loss=output")]
        if not match:
            if same:
                have = sorted({e.quantity for e in same})
                out.append(_bound_check(rec, "inconclusive",
                                        f"the bound is about Var[{'∂L' if rec.quantity == 'loss' else '∂ℓ_i'}] but "
                                        f"the estimates are of {have}; sample with quantity='{rec.quantity}'",
                                        None, math.nan))
            continue
        est = match[0]
        used[id(est)] = est
        verdict, evidence, ratio = _verdict(rec, est)
        out.append(_bound_check(rec, verdict, evidence, est, ratio))
    return CheckReport(checks=tuple(out), confidence=confidence, estimates=tuple(used.values()))


def _finite(x: float) -> Optional[float]:
    return float(x) if x is not None and math.isfinite(x) else None


def _bound_check(rec: BoundRecord, verdict: str, statistic: str, est: Optional[VarianceEstimate],
                 ratio: float) -> BoundCheck:
    """The typed :class:`bpcalc.bounds.analysis.BoundCheck` of one record against one estimate."""
    if est is not None:
        compared = (f"sampled Var ({est.quantity}, {100 * est.confidence:g}% {est.interval} CI, {est.n_samples} "
                    f"draws) against the {rec.kind} value {rec.name}")
    else:
        compared = f"the {rec.kind} value {rec.name}"
    return BoundCheck(parameter=rec.parameter, bound=rec.name, kind=rec.kind, verdict=verdict, statistic=statistic,
                      compared=compared, bound_log10=_finite(rec.log10), ratio_log10=_finite(ratio))
