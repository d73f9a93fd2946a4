"""Variance estimates of sampled gradients with confidence intervals and shot-noise correction.

Given ``n`` i.i.d. gradient samples ``g_1..g_n`` (one per parameter draw) and, for finite
shots, each sample's estimated shot-noise variance ``σ̂²_i``:

* ``raw_variance = s² = Σ (g_i − ḡ)² / (n − 1)`` (unbiased for ``Var[ĝ]``);
* finite shots inflate it: ``Var[ĝ] = Var_θ[g] + E_θ[σ²]`` (law of total variance; the shot
  noise has mean zero given θ), so ``value = s² − mean(σ̂²)`` is unbiased for ``Var_θ[g]``
  (it can be negative when the shot noise dominates; then only the interval is meaningful);
  ``shot_noise = mean(σ̂²)`` is reported;
* **chi-square interval** ``[(n−1)s²/χ²_{1−α/2}, (n−1)s²/χ²_{α/2}]`` (exact for normal
  ``g``; wrong for heavy- or light-tailed gradients: its coverage depends on the kurtosis),
  shifted by ``−shot_noise``;
* **bootstrap interval**: BCa (bias-corrected and accelerated) interval of ``s²* − mean(σ̂²*)``
  over resamples of the pairs ``(g_i, σ̂²_i)``; distribution-free, asymptotically correct for
  any finite fourth moment.

``ci_low``/``ci_high`` hold the interval named by ``interval`` (``'bootstrap'`` by default;
the coverage test ``tests/verify/test_sampling.py::test_interval_coverage_over_seeds`` measures
both).  Lower ends are clipped at 0 (a variance is non-negative).  The gradient mean is
estimated too (it is 0 for independent uniform parameters) with its standard error.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional

import numpy as np
from scipy import stats as _st

__all__ = [
    "VarianceEstimate",
    "INTERVALS",
    "chi_square_interval",
    "bootstrap_interval",
    "estimate_variance",
]

INTERVALS = ("bootstrap", "chi2")


@dataclasses.dataclass(frozen=True)
class VarianceEstimate:
    """A sampled ``Var[∂_k L]`` with confidence intervals.

    Attributes
    ----------
    value : shot-noise-corrected variance estimate (unbiased; may be < 0 if shot noise dominates).
    ci_low, ci_high : the recommended interval (see :attr:`interval`), lower end clipped at 0.
    confidence : level of both intervals.
    n_samples : number of parameter draws.
    shots : shots per circuit and basis group (``None``: exact gradients).
    engine : backend name.
    seed : seed of the run (``None`` if not seeded).
    parameter : the differentiated symbol's name.
    quantity : ``'loss'`` (``Var[∂L]``), ``'output'`` (mean over data points of ``Var[∂ℓ_i]``) or
        ``'loss=output'`` (no data: ``L = ℓ``).
    interval : which interval ``ci_low/ci_high`` are: ``'bootstrap'`` or ``'chi2'``.
    raw_variance : sample variance before the shot-noise correction.
    shot_noise : mean estimated shot-noise variance subtracted (0 for exact gradients).
    chi2_low, chi2_high : chi-square interval (NaN when not defined, e.g. for ``'output'`` over several points).
    bootstrap_low, bootstrap_high : BCa bootstrap interval.
    n_bootstrap : bootstrap resamples.
    mean, mean_stderr : sample mean of the gradient and its standard error.
    excess_kurtosis : sample excess kurtosis (0 for normal data; the chi-square interval assumes 0).
    derivative : what was differentiated, e.g. ``'d/d theta'`` or ``'d/d(pi*s)'``.
    notes : free-text remarks (conventions, approximations).
    """

    value: float
    ci_low: float
    ci_high: float
    confidence: float
    n_samples: int
    shots: Optional[int]
    engine: str
    seed: Optional[int]
    parameter: str = ""
    quantity: str = "loss"
    interval: str = "bootstrap"
    raw_variance: float = math.nan
    shot_noise: float = 0.0
    chi2_low: float = math.nan
    chi2_high: float = math.nan
    bootstrap_low: float = math.nan
    bootstrap_high: float = math.nan
    n_bootstrap: int = 0
    mean: float = math.nan
    mean_stderr: float = math.nan
    excess_kurtosis: float = math.nan
    derivative: str = ""
    notes: tuple[str, ...] = ()

    @property
    def log10(self) -> float:
        """``log10(value)`` (``nan`` if the value is not positive)."""
        return math.log10(self.value) if self.value > 0 else math.nan

    @property
    def log10_interval(self) -> tuple[float, float]:
        """``(log10 ci_low, log10 ci_high)`` with ``-inf`` for a zero lower end."""
        lo = math.log10(self.ci_low) if self.ci_low > 0 else -math.inf
        hi = math.log10(self.ci_high) if self.ci_high > 0 else -math.inf
        return lo, hi

    def contains(self, x: float) -> bool:
        """True if ``x`` lies in ``[ci_low, ci_high]``."""
        return bool(self.ci_low <= x <= self.ci_high)

    @classmethod
    def from_dict(cls, d) -> "VarianceEstimate":
        """Inverse of :meth:`to_dict` (unknown keys ignored; ``None`` numbers read as NaN)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        kw = {}
        for k, v in d.items():
            if k not in fields:
                continue
            if v is None and k not in ("shots", "seed"):
                v = math.nan
            kw[k] = tuple(v) if k == "notes" else v
        return cls(**kw)

    def scaled(self, factor: float) -> "VarianceEstimate":
        """The estimate of ``factor · Var`` (value and interval scaled; ``factor > 0``)."""
        if not factor > 0:
            raise ValueError(f"scale factor must be positive, got {factor}")
        return dataclasses.replace(self, value=self.value * factor, ci_low=self.ci_low * factor,
                                   ci_high=self.ci_high * factor)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["notes"] = list(self.notes)
        d["log10"] = None if not self.value > 0 else self.log10
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}

    def __str__(self) -> str:
        shots = "exact" if self.shots is None else f"{self.shots} shots"
        return (
            f"Var[∂{self.parameter}] = {self.value:.4g}  {int(round(100 * self.confidence))}% {self.interval} CI "
            f"[{self.ci_low:.4g}, {self.ci_high:.4g}]  (n = {self.n_samples}, {shots}, {self.engine})"
        )


def _check_confidence(confidence: float) -> float:
    if not isinstance(confidence, (float, int)) or not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(confidence)


def _as_samples(samples, name: str = "samples") -> np.ndarray:
    g = np.asarray(samples, dtype=float)
    if g.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {g.shape}")
    if g.size < 3:
        raise ValueError(f"{name} needs at least 3 values, got {g.size}")
    if not np.all(np.isfinite(g)):
        raise ValueError(f"{name} contain NaN or infinite values")
    return g


def chi_square_interval(samples, confidence: float = 0.95) -> tuple[float, float]:
    """Chi-square interval for the variance of (assumed normal) i.i.d. samples.

    Examples
    --------
    >>> lo, hi = chi_square_interval(np.random.default_rng(0).normal(size=1000))
    >>> bool(lo < 1.0 < hi)
    True
    """
    g = _as_samples(samples)
    confidence = _check_confidence(confidence)
    n = g.size
    s2 = g.var(ddof=1)
    alpha = 1 - confidence
    return (
        float((n - 1) * s2 / _st.chi2.ppf(1 - alpha / 2, n - 1)),
        float((n - 1) * s2 / _st.chi2.ppf(alpha / 2, n - 1)),
    )


def _bootstrap_stats(g: np.ndarray, shot: Optional[np.ndarray], n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of ``var(g, ddof=1) − mean(shot)`` (rows of g may be vectors: mean over columns)."""
    n = g.shape[0]
    out = np.empty(n_bootstrap)
    chunk = max(1, int(2**22 // max(1, n * (g.shape[1] if g.ndim == 2 else 1))))
    done = 0
    while done < n_bootstrap:
        m = min(chunk, n_bootstrap - done)
        idx = rng.integers(0, n, size=(m, n))
        gs = g[idx]
        v = gs.var(axis=1, ddof=1)
        if v.ndim == 2:
            v = v.mean(axis=1)
        if shot is not None:
            sh = shot[idx].mean(axis=1)
            v = v - (sh.mean(axis=1) if sh.ndim == 2 else sh)
        out[done : done + m] = v
        done += m
    return out


def _statistic(g: np.ndarray, shot: Optional[np.ndarray]) -> float:
    v = g.var(axis=0, ddof=1)
    v = float(np.mean(v))
    return v - (0.0 if shot is None else float(shot.mean()))


def _jackknife(g: np.ndarray, shot: Optional[np.ndarray]) -> np.ndarray:
    """Leave-one-out values of the statistic, in O(n) (closed-form sums)."""
    n = g.shape[0]
    g2 = g.reshape(n, -1)
    s1 = g2.sum(axis=0) - g2
    s2 = (g2 * g2).sum(axis=0) - g2 * g2
    m = n - 1
    loo = ((s2 - s1 * s1 / m) / (m - 1)).mean(axis=1)
    if shot is not None:
        sh = shot.reshape(n, -1)
        loo = loo - (sh.sum() - sh.sum(axis=1)) / (m * sh.shape[1])
    return loo


def bootstrap_interval(
    samples,
    confidence: float = 0.95,
    n_bootstrap: int = 2000,
    rng: Optional[np.random.Generator] = None,
    shot_variances=None,
    method: str = "bca",
) -> tuple[float, float]:
    """Bootstrap interval of ``Var[g] − mean(shot_variances)`` (BCa by default).

    ``samples`` may be ``(n,)`` or ``(n, N)`` (then the statistic is the mean over the ``N``
    columns of the per-column variances; rows are resampled together).  ``method='bca'`` is the
    bias-corrected and accelerated interval (Efron 1987; acceleration from the jackknife, in
    closed form), ``'percentile'`` the plain percentile interval.

    References
    ----------
    B. Efron, "Better bootstrap confidence intervals", J. Am. Stat. Assoc. 82, 171 (1987).
    """
    g = np.asarray(samples, dtype=float)
    if g.ndim not in (1, 2) or g.shape[0] < 3 or not np.all(np.isfinite(g)):
        raise ValueError(f"samples must be a finite (n,) or (n, N) array with n >= 3, got shape {g.shape}")
    confidence = _check_confidence(confidence)
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 100:
        raise ValueError(f"n_bootstrap must be an int >= 100, got {n_bootstrap!r}")
    if method not in ("bca", "percentile"):
        raise ValueError(f"method must be 'bca' or 'percentile', got {method!r}")
    rng = np.random.default_rng() if rng is None else rng
    shot = None if shot_variances is None else np.asarray(shot_variances, dtype=float)
    if shot is not None and shot.shape != g.shape:
        raise ValueError(f"shot_variances must have the shape of samples {g.shape}, got {shot.shape}")
    reps = _bootstrap_stats(g, shot, int(n_bootstrap), rng)
    alpha = 1 - confidence
    q = np.array([alpha / 2, 1 - alpha / 2])
    if method == "bca":
        theta = _statistic(g, shot)
        frac = float(np.mean(reps < theta)) + 0.5 * float(np.mean(reps == theta))
        z0 = _st.norm.ppf(min(max(frac, 1.0 / n_bootstrap), 1 - 1.0 / n_bootstrap))
        loo = _jackknife(g, shot)
        d = loo.mean() - loo
        den = float((d * d).sum())
        a = float((d**3).sum()) / (6 * den**1.5) if den > 0 else 0.0
        zq = _st.norm.ppf(q)
        q = _st.norm.cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
    lo, hi = np.quantile(reps, q)
    return float(lo), float(hi)


def estimate_variance(
    samples,
    *,
    confidence: float = 0.95,
    shot_variances=None,
    n_bootstrap: int = 2000,
    rng: Optional[np.random.Generator] = None,
    interval: str = "bootstrap",
    shots: Optional[int] = None,
    engine: str = "",
    seed: Optional[int] = None,
    parameter: str = "",
    quantity: str = "loss",
    derivative: str = "",
    notes: tuple[str, ...] = (),
) -> VarianceEstimate:
    """Build a :class:`VarianceEstimate` from gradient samples.

    Parameters
    ----------
    samples : ``(n,)`` gradient samples, or ``(n, N)`` per-data-point gradients (the statistic
        is then the mean over points of the per-point variances; quantity ``'output'``).
    confidence : level of the intervals.
    shot_variances : same shape as ``samples``: estimated shot-noise variance of each sample.
    n_bootstrap : bootstrap resamples.
    rng : generator for the bootstrap.
    interval : which interval becomes ``ci_low/ci_high``: ``'bootstrap'`` or ``'chi2'``.
    shots, engine, seed, parameter, quantity, derivative, notes : recorded as given.

    Raises
    ------
    ValueError : fewer than 2 samples, NaN/inf, bad confidence or interval name.

    Examples
    --------
    >>> e = estimate_variance(np.random.default_rng(1).uniform(-1, 1, 4000), rng=np.random.default_rng(2))
    >>> bool(e.ci_low < 1 / 3 < e.ci_high)
    True
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    confidence = _check_confidence(confidence)
    g = np.asarray(samples, dtype=float)
    if g.ndim == 1:
        g = _as_samples(g)
    elif g.ndim != 2 or g.shape[0] < 3 or not np.all(np.isfinite(g)):
        raise ValueError(f"samples must be a finite (n,) or (n, N) array with n >= 3, got shape {g.shape}")
    shot = None if shot_variances is None else np.asarray(shot_variances, dtype=float)
    if shot is not None and shot.shape != g.shape:
        raise ValueError(f"shot_variances must have the shape of samples {g.shape}, got {shot.shape}")
    rng = np.random.default_rng(seed) if rng is None else rng
    n = g.shape[0]
    raw = g.var(axis=0, ddof=1)
    raw = float(raw.mean()) if np.ndim(raw) else float(raw)
    shot_noise = 0.0 if shot is None else float(shot.mean())
    value = raw - shot_noise
    if g.ndim == 1 and raw > 0:
        c_lo, c_hi = chi_square_interval(g, confidence)
        c_lo, c_hi = c_lo - shot_noise, c_hi - shot_noise
    elif g.ndim == 1:
        c_lo = c_hi = -shot_noise
    else:
        c_lo = c_hi = math.nan
    b_lo, b_hi = bootstrap_interval(g, confidence, n_bootstrap, rng, shot)
    flat = g if g.ndim == 1 else g.mean(axis=1)
    mean = float(flat.mean())
    mean_se = float(flat.std(ddof=1) / math.sqrt(n))
    kurt = float(_st.kurtosis(flat)) if flat.std() > 0 else math.nan
    lo, hi = (b_lo, b_hi) if interval == "bootstrap" else (c_lo, c_hi)
    if interval == "chi2" and math.isnan(lo):
        raise ValueError("the chi-square interval is defined for a single variance; use interval='bootstrap'")
    return VarianceEstimate(
        value=value,
        ci_low=max(0.0, lo),
        ci_high=max(0.0, hi),
        confidence=confidence,
        n_samples=int(n),
        shots=shots,
        engine=engine,
        seed=seed,
        parameter=parameter,
        quantity=quantity,
        interval=interval,
        raw_variance=raw,
        shot_noise=shot_noise,
        chi2_low=max(0.0, c_lo) if not math.isnan(c_lo) else math.nan,
        chi2_high=max(0.0, c_hi) if not math.isnan(c_hi) else math.nan,
        bootstrap_low=max(0.0, b_lo),
        bootstrap_high=max(0.0, b_hi),
        n_bootstrap=int(n_bootstrap),
        mean=mean,
        mean_stderr=mean_se,
        excess_kurtosis=kurt,
        derivative=derivative,
        notes=tuple(notes),
    )
