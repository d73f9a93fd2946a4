"""Result types of the exact-variance engines (frozen dataclasses, JSON-ready via ``to_dict``).

Every result says how its numbers were obtained (``method``):

* ``'exact'`` — no approximation beyond floating-point round-off;
* ``'truncated'`` — Pauli pairs with the smallest weights were dropped; ``error_bound`` is
  a rigorous bound on ``|true − value|`` (per entry);
* ``'path-sampled'`` — unbiased Monte Carlo over Pauli paths; ``ci_low``/``ci_high`` form a
  confidence interval at level ``confidence`` (``ci_method`` says which);
* ``'two-design'`` — exact under the declared assumption that every block is a local
  2-design (and the differentiated block is one on both sides of its rotation);
* ``'lie-algebraic'`` — the deep-circuit (Haar on the dynamical Lie group) value;
* ``'tn'`` — tensor-network contraction with no singular value above the float64 noise
  floor discarded; ``'tn-truncated'`` — with a bond-dimension / cutoff cap that discarded
  some; in both ``error_bound`` is rigorous (see :mod:`bpcalc.bounds.exact.tensor_network`).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Optional

import numpy as np
import sympy

from ..serialization import to_jsonable

__all__ = ["GradientVarianceResult", "LossVarianceResult", "METHODS", "safe_log10"]

METHODS = ("exact", "truncated", "path-sampled", "two-design", "lie-algebraic", "tn", "tn-truncated")


def safe_log10(values) -> np.ndarray:
    """``log10`` with ``-inf`` for zeros (and no warnings)."""
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, -np.inf)
    pos = v > 0
    out[pos] = np.log10(v[pos])
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class GradientVarianceResult:
    """``Var_θ[∂_k L] = E_θ[(∂_k L)²]`` (``E[∂_k L] = 0``) for the requested parameters.

    ``L`` is the model output ``ℓ`` for a single input state, or the linear loss
    ``L = Σ_i u_i ℓ_i`` over a dataset (weights ``u``, default ``1/N``).

    Attributes
    ----------
    parameters : the symbols, in the order of the arrays.
    values : ``(K,)`` variances.
    method : see :data:`METHODS`.
    per_state : ``(K, N)`` ``Var[∂_k ℓ_i]`` for each input state ``i``.
    covariance : ``(K, N, N)`` ``E[∂_k ℓ_i ∂_k ℓ_j]`` when requested, else ``None``.
    weights : the loss weights ``u`` (``(N,)``).
    gradient_mean : ``(K,)`` ``E_θ[∂_k L]`` for non-uniform initializations (``values`` is then
        ``E[(∂_k L)²] − E[∂_k L]²``); ``None`` for the uniform default, where it is 0.
    in_light_cone : ``(K,)`` bool; parameters outside the observable's backward light cone
        have exactly zero gradient.
    error_bound : ``(K,)`` rigorous bound on ``|true − value|`` (``'truncated'``), else ``None``.
    ci_low, ci_high : ``(K,)`` confidence interval (``'path-sampled'``), else ``None``.
    confidence, ci_method : level and method (``'clopper-pearson'`` exact binomial,
        ``'empirical-bernstein'`` for bounded samples) of the interval.
    below_resolution : ``(K,)`` bool (``'path-sampled'``): no sampled path contributed, so
        the value is *not* a zero but an upper limit — the true value lies (at level
        ``confidence``) in ``[0, ci_high]``; see :attr:`upper_limit`.  ``None`` otherwise.
        A value is exactly zero only outside the light cone or when exact enumeration proved it
        (:attr:`proven_zero`).
    n_samples : number of sampled paths, ``n_terms`` the largest number of Pauli pairs held.
    seconds : wall time.
    details : engine-specific extra information (light-cone width, seed, ...).
    """

    parameters: tuple
    values: np.ndarray
    method: str
    per_state: np.ndarray
    weights: np.ndarray
    in_light_cone: np.ndarray
    covariance: Optional[np.ndarray] = None
    error_bound: Optional[np.ndarray] = None
    ci_low: Optional[np.ndarray] = None
    ci_high: Optional[np.ndarray] = None
    confidence: Optional[float] = None
    ci_method: Optional[str] = None
    n_samples: Optional[int] = None
    n_terms: Optional[int] = None
    seconds: float = 0.0
    details: dict = dataclasses.field(default_factory=dict)
    below_resolution: Optional[np.ndarray] = None
    gradient_mean: Optional[np.ndarray] = None

    @property
    def log10(self) -> np.ndarray:
        """``log10`` of :attr:`values` (``-inf`` for zeros; see :attr:`below_resolution`)."""
        return safe_log10(self.values)

    @property
    def upper_limit(self) -> np.ndarray:
        """``(K,)``: the upper limit of entries below resolution (``ci_high``), ``nan`` elsewhere."""
        out = np.full(len(self.parameters), np.nan)
        if self.below_resolution is not None and self.ci_high is not None:
            b = np.asarray(self.below_resolution, dtype=bool)
            out[b] = np.asarray(self.ci_high, dtype=float)[b]
        return out

    @property
    def proven_zero(self) -> np.ndarray:
        """``(K,)`` bool: the variance is exactly 0 (outside the light cone, exact enumeration, or a
        truncated / network value 0 whose rigorous error bound is 0)."""
        zero = np.asarray(self.values) == 0
        logs = self.details.get("log10_values") if self.details else None
        if logs is not None:   # a value that underflows float64 but has a finite log10 is no zero
            zero = zero & ~np.isfinite(np.asarray(logs, dtype=float))
        outside = ~np.asarray(self.in_light_cone, dtype=bool)
        if self.method == "exact":
            return zero
        if self.method in ("truncated", "tn", "tn-truncated", "two-design-tn", "two-design-tn-truncated") \
                and self.error_bound is not None:
            # a zero with a positive rigorous error bound is "≤ bound", not a proved 0
            return zero & ((np.asarray(self.error_bound) == 0) | outside)
        return zero & outside

    def __len__(self) -> int:
        return len(self.parameters)

    def index(self, parameter) -> int:
        """Position of a parameter given as a symbol or its name."""
        name = parameter.name if isinstance(parameter, sympy.Symbol) else str(parameter)
        for i, p in enumerate(self.parameters):
            if p.name == name:
                return i
        raise KeyError(f"parameter {name!r} is not in this result")

    def __getitem__(self, parameter) -> float:
        return float(self.values[self.index(parameter)])

    def to_dict(self) -> dict:
        """A JSON-serialisable dictionary (non-finite numbers as ``"nan"``/``"inf"`` strings)."""
        out = {
            "method": self.method,
            "parameters": [p.name for p in self.parameters],
            "values": self.values,
            "log10": self.log10,
            "per_state": self.per_state,
            "weights": self.weights,
            "in_light_cone": self.in_light_cone,
            "error_bound": self.error_bound,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "ci_method": self.ci_method,
            "n_samples": self.n_samples,
            "n_terms": self.n_terms,
            "seconds": self.seconds,
            "details": self.details,
            "below_resolution": self.below_resolution,
            "upper_limit": None if self.below_resolution is None else [
                float(v) if b else None for v, b in zip(self.upper_limit, self.below_resolution)],
            "proven_zero": self.proven_zero,
            "gradient_mean": self.gradient_mean,
        }
        if self.covariance is not None:
            out["covariance"] = self.covariance
        return to_jsonable(out)

    def as_dict(self) -> dict:
        """Deprecated spelling of :meth:`to_dict` (kept for one release)."""
        warnings.warn(f"{type(self).__name__}.as_dict() is deprecated; use to_dict()", DeprecationWarning, stacklevel=2)
        return self.to_dict()


@dataclasses.dataclass(frozen=True, eq=False)
class LossVarianceResult:
    """``Var_θ[L]`` with ``E[L]`` and ``E[L²]`` (same conventions as the gradient result).

    Attributes
    ----------
    value : ``Var_θ[L]``; ``mean`` ``E_θ[L]`` (always exact); ``second_moment`` ``E_θ[L²]``.
    per_state : ``(N,)`` ``Var[ℓ_i]``; ``per_state_mean`` ``(N,)`` ``E[ℓ_i]``.
    error_bound / ci_low / ci_high : for ``value`` (see :class:`GradientVarianceResult`).
    """

    value: float
    mean: float
    second_moment: float
    method: str
    per_state: np.ndarray
    per_state_mean: np.ndarray
    weights: np.ndarray
    error_bound: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    confidence: Optional[float] = None
    ci_method: Optional[str] = None
    n_samples: Optional[int] = None
    n_terms: Optional[int] = None
    seconds: float = 0.0
    details: dict = dataclasses.field(default_factory=dict)

    @property
    def log10(self) -> float:
        return float(safe_log10(self.value))

    def to_dict(self) -> dict:
        """A JSON-serialisable dictionary (non-finite numbers as ``"nan"``/``"inf"`` strings)."""
        return to_jsonable({k: getattr(self, k) for k in (
            "value", "mean", "second_moment", "method", "per_state", "per_state_mean", "weights", "error_bound",
            "ci_low", "ci_high", "confidence", "ci_method", "n_samples", "n_terms", "seconds", "details")} | {
            "log10": self.log10})

    def as_dict(self) -> dict:
        """Deprecated spelling of :meth:`to_dict` (kept for one release)."""
        warnings.warn(f"{type(self).__name__}.as_dict() is deprecated; use to_dict()", DeprecationWarning, stacklevel=2)
        return self.to_dict()
