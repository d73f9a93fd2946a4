"""The one gradient result type of :mod:`bpcalc.verify`.

Every gradient routine returns a :class:`GradientResult`: the exact and adjoint gradients of
:mod:`bpcalc.verify.gradients` and the finite-shot parameter-shift gradients measured through
any ``cirq.Sampler`` (:func:`bpcalc.verify.measurement.sampled_parameter_shift_gradient`).

:class:`bpcalc.verify.sampling.GradientSamples` is not a second result type but what the variance
estimates are computed from: ``∂_k L`` and ``∂_k ℓ_i`` over random parameter draws and data
points, each row composed from :class:`GradientResult` values with the loss.

References
----------
K. Mitarai, M. Negoro, M. Kitagawa, K. Fujii, arXiv:1803.00745; M. Schuld, V. Bergholm,
C. Gogolin, J. Izaac, N. Killoran, arXiv:1811.11184 (Eq. 14, parameter-shift rule);
T. Jones, J. Gacon, arXiv:2009.02823 (adjoint method).
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
import sympy

__all__ = ["GRADIENT_METHODS", "GradientResult"]

GRADIENT_METHODS = ("parameter_shift", "parameter_shift_shots", "adjoint")
"""How a :class:`GradientResult` was obtained: exact parameter shift, finite-shot parameter
shift (``shot_variances`` set), adjoint differentiation."""


@dataclasses.dataclass(frozen=True)
class GradientResult:
    """Gradients of ``⟨O⟩`` for a batch of parameter values.

    Attributes
    ----------
    values : ``(B, K)`` gradient values or estimates, one column per symbol in :attr:`symbols`.
    symbols : the differentiated symbols (columns).
    method : one of :data:`GRADIENT_METHODS`.
    expectations : ``(B,)`` ``⟨O⟩`` (exact or estimated) when computed, else ``None``.
    shot_variances : ``(B, K)`` unbiased shot-noise variance of :attr:`values` (``None`` if exact).
    expectation_shot_variances : ``(B,)`` shot-noise variance of :attr:`expectations`.
    shots : shots per shifted circuit and basis group (``None`` if exact).
    n_circuits_run : (circuit, resolver) pairs a sampler executed (``None`` when no sampler ran).

    Examples
    --------
    >>> import numpy as np, sympy
    >>> r = GradientResult(np.array([[0.5]]), (sympy.Symbol("a"),), "parameter_shift")
    >>> r.exact, r.shape
    (True, (1, 1))
    """

    values: np.ndarray
    symbols: tuple[sympy.Symbol, ...]
    method: str
    expectations: Optional[np.ndarray] = None
    shot_variances: Optional[np.ndarray] = None
    expectation_shot_variances: Optional[np.ndarray] = None
    shots: Optional[int] = None
    n_circuits_run: Optional[int] = None

    def __post_init__(self) -> None:
        if self.method not in GRADIENT_METHODS:
            raise ValueError(f"GradientResult.method must be one of {GRADIENT_METHODS}, got {self.method!r}")

    @property
    def exact(self) -> bool:
        """Whether :attr:`values` are exact (no shot noise)."""
        return self.shot_variances is None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.values))
