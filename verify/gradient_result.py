"""The one gradient result type of :mod:`bpcalc.verify`.

Every gradient routine returns a :class:`GradientResult`: the exact and adjoint gradients of
:mod:`bpcalc.verify.gradients`, the finite-shot parameter-shift gradients measured through any
``cirq.Sampler`` (:func:`bpcalc.verify.measurement.sampled_parameter_shift_gradient`), and the
loss gradients over random parameter draws and data points of
:func:`bpcalc.verify.sampling.sample_gradients` (which the variance estimates are computed from).

A result is a batch of ``B`` rows and ``K`` symbol columns.  A sampled loss-gradient result also
carries a data axis: :attr:`GradientResult.per_datapoint` holds ``∂_k ℓ_i`` ``(B, K, N)`` per
data point ``i`` and :attr:`GradientResult.values` the loss gradient
``∂_k L = (1/N) Σ_i f'(ℓ_i, y_i) ∂_k ℓ_i`` (:func:`combine_loss_gradients`, with the loss
derivatives of :func:`loss_derivatives`).  Without data ``L = ℓ`` and ``N = 1``.

References
----------
K. Mitarai, M. Negoro, M. Kitagawa, K. Fujii, arXiv:1803.00745; M. Schuld, V. Bergholm,
C. Gogolin, J. Izaac, N. Killoran, arXiv:1811.11184 (Eq. 14, parameter-shift rule);
T. Jones, J. Gacon, arXiv:2009.02823 (adjoint method); M. Cerezo, A. Sone, T. Volkoff,
L. Cincio, P. J. Coles, Nat. Commun. 12, 1791 (2021), arXiv:2001.00550 (loss of a dataset,
Eq. 1).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Optional

import numpy as np
import sympy

from bpcalc.circuits import LOSSES

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .sampling import SymbolDistribution

__all__ = ["GRADIENT_METHODS", "GradientResult", "combine_loss_gradients", "loss_derivatives"]

GRADIENT_METHODS = ("parameter_shift", "parameter_shift_shots", "adjoint")
"""How a :class:`GradientResult` was obtained: exact parameter shift, finite-shot parameter
shift (``shot_variances`` set), adjoint differentiation."""


@dataclasses.dataclass(frozen=True)
class GradientResult:
    """Gradients for a batch of parameter values, optionally over the points of a dataset.

    Attributes
    ----------
    values : ``(B, K)`` gradient values or estimates, one column per symbol in :attr:`symbols`
        (``∂_k⟨O⟩``; for a sampled result of :func:`bpcalc.verify.sampling.sample_gradients`
        the loss gradient ``∂_k L`` of each parameter draw).
    symbols : the differentiated symbols (columns).
    method : one of :data:`GRADIENT_METHODS`.
    expectations : ``(B,)`` ``⟨O⟩`` (exact or estimated) when computed, else ``None``.
    shot_variances : ``(B, K)`` unbiased shot-noise variance of :attr:`values` (``None`` if exact).
    expectation_shot_variances : ``(B,)`` shot-noise variance of :attr:`expectations`.
    shots : shots per shifted circuit and basis group (``None`` if exact).
    n_circuits_run : (circuit, resolver) pairs a sampler executed (``None`` when no sampler ran).
    per_datapoint : ``(B, K, N)`` ``∂_k ℓ_i`` per row and data point (the data axis), or
        ``None`` (then :attr:`output_gradients` is :attr:`values` with ``N = 1``).
    per_datapoint_shot_variances : ``(B, K, N)`` shot-noise variances of :attr:`per_datapoint`.
    loss : the loss that combined the data points into :attr:`values` (one of
        ``circuits.LOSSES``), or ``None`` for plain ``⟨O⟩`` gradients.
    has_data : whether a dataset was used (without data ``L = ℓ`` and both quantities coincide).
    distributions : how each differentiated symbol was drawn (sampled results).
    engine, seed : backend name and seed of a sampled result.
    notes : remarks (conventions, approximations).

    Examples
    --------
    >>> import numpy as np, sympy
    >>> r = GradientResult(np.array([[0.5]]), (sympy.Symbol("a"),), "parameter_shift")
    >>> r.exact, r.shape, r.n_samples, r.n_data, r.parameters
    (True, (1, 1), 1, 1, ('a',))
    >>> r.output_gradients.shape    # no data axis: one data point
    (1, 1, 1)
    """

    values: np.ndarray
    symbols: tuple[sympy.Symbol, ...]
    method: str
    expectations: Optional[np.ndarray] = None
    shot_variances: Optional[np.ndarray] = None
    expectation_shot_variances: Optional[np.ndarray] = None
    shots: Optional[int] = None
    n_circuits_run: Optional[int] = None
    per_datapoint: Optional[np.ndarray] = None
    per_datapoint_shot_variances: Optional[np.ndarray] = None
    loss: Optional[str] = None
    has_data: bool = False
    distributions: tuple["SymbolDistribution", ...] = ()
    engine: Optional[str] = None
    seed: Optional[int] = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.method not in GRADIENT_METHODS:
            raise ValueError(f"GradientResult.method must be one of {GRADIENT_METHODS}, got {self.method!r}")
        if self.loss is not None and self.loss not in LOSSES:
            raise ValueError(f"GradientResult.loss must be one of {LOSSES} or None, got {self.loss!r}")
        if self.per_datapoint is not None:
            shape = np.shape(self.per_datapoint)
            if len(shape) != 3 or shape[:2] != tuple(np.shape(self.values)):
                raise ValueError(f"GradientResult.per_datapoint must be (B, K, N) with (B, K) = "
                                 f"{tuple(np.shape(self.values))} (values), got {shape}")
        if self.per_datapoint_shot_variances is not None and self.per_datapoint is None:
            raise ValueError("GradientResult.per_datapoint_shot_variances needs per_datapoint")

    @property
    def exact(self) -> bool:
        """Whether :attr:`values` are exact (no shot noise)."""
        return self.shot_variances is None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.values))

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names of the differentiated symbols (the columns)."""
        return tuple(s.name for s in self.symbols)

    @property
    def n_samples(self) -> int:
        """Rows (parameter draws)."""
        return int(np.shape(self.values)[0])

    @property
    def n_data(self) -> int:
        """Data points ``N`` of the data axis (1 without one)."""
        return 1 if self.per_datapoint is None else int(np.shape(self.per_datapoint)[2])

    # the two quantities a variance estimate is taken of (verify.sampling.variance_estimates)
    @property
    def loss_gradients(self) -> np.ndarray:
        """``(B, K)`` ``∂_k L`` (:attr:`values`)."""
        return self.values

    @property
    def loss_shot_variances(self) -> Optional[np.ndarray]:
        """``(B, K)`` shot-noise variances of :attr:`loss_gradients` (:attr:`shot_variances`)."""
        return self.shot_variances

    @property
    def output_gradients(self) -> np.ndarray:
        """``(B, K, N)`` ``∂_k ℓ_i`` (:attr:`per_datapoint`, or :attr:`values` with ``N = 1``)."""
        return np.asarray(self.values)[:, :, None] if self.per_datapoint is None else self.per_datapoint

    @property
    def output_shot_variances(self) -> Optional[np.ndarray]:
        """``(B, K, N)`` shot-noise variances of :attr:`output_gradients`, ``None`` if exact."""
        if self.per_datapoint is None:
            return None if self.shot_variances is None else np.asarray(self.shot_variances)[:, :, None]
        return self.per_datapoint_shot_variances


def loss_derivatives(loss: str, ell: np.ndarray, y: np.ndarray, p_min: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """``f'(ℓ, y)`` and ``f''(ℓ, y)`` of the per-data-point loss ``f`` (elementwise).

    ``'linear'`` ``f = y·ℓ``; ``'mse'`` ``f = (ℓ − y)²``; ``'nll'`` ``f = −log p_y`` with
    ``p_y = ℓ`` for ``y > 0`` and ``1 − ℓ`` otherwise, clipped below at ``p_min``.

    >>> f1, f2 = loss_derivatives("mse", np.array([0.5]), np.array([1.0]))
    >>> float(f1[0]), float(f2[0])
    (-1.0, 2.0)
    """
    if loss == "linear":
        return np.broadcast_to(y, ell.shape).astype(float), np.zeros_like(ell)
    if loss == "mse":
        return 2.0 * (ell - y), np.full_like(ell, 2.0)
    if loss == "nll":
        positive = y > 0
        p = np.where(positive, ell, 1.0 - ell)
        p = np.maximum(p, p_min)
        sign = np.where(positive, -1.0, 1.0)
        return sign / p, 1.0 / p**2
    raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")


def combine_loss_gradients(
    loss: str,
    ell: np.ndarray,
    y: np.ndarray,
    gradients: np.ndarray,
    *,
    p_min: float = 1e-6,
    gradient_shot_variances: Optional[np.ndarray] = None,
    ell_shot_variances: Optional[np.ndarray] = None,
) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """``∂_k L = (1/N) Σ_i f'(ℓ_i, y_i) ∂_k ℓ_i`` per row, and its shot-noise variance.

    Parameters
    ----------
    loss : one of ``circuits.LOSSES``.
    ell, y : ``(B, N)`` outputs ``ℓ_i`` and labels ``y_i``.
    gradients : ``(B, N, K)`` ``∂_k ℓ_i`` (data-point axis before the symbol axis).
    p_min : clipping of label probabilities for the NLL loss.
    gradient_shot_variances : ``(B, N, K)`` shot variances of ``gradients`` (``None``: exact).
    ell_shot_variances : ``(B, N)`` shot variances of ``ell`` (``None``: zero).

    Returns
    -------
    ``(B, K)`` loss gradients and, with ``gradient_shot_variances``, their ``(B, K)`` shot-noise
    variances ``(1/N²) Σ_i (â² v_b + b̂² v_a − v_a v_b)`` for ``a = f'(ℓ̂_i)``, ``b = ∂ℓ̂_i``
    from independent shots (exact for linear and MSE losses, delta method ``v_a = f''² v_ℓ``
    for NLL); else ``None``.

    >>> g = np.array([[[1.0], [3.0]]])            # one row, N = 2 data points, K = 1
    >>> combine_loss_gradients("linear", np.zeros((1, 2)), np.array([[1.0, -1.0]]), g)[0]
    array([[-1.]])
    """
    n_data = gradients.shape[1]
    f1, f2 = loss_derivatives(loss, ell, y, p_min)
    loss_g = np.einsum("dn,dnk->dk", f1, gradients) / n_data
    if gradient_shot_variances is None:
        return loss_g, None
    v_ell = ell_shot_variances if ell_shot_variances is not None else np.zeros(ell.shape)
    v_a = (f2**2 * v_ell)[:, :, None]
    a = f1[:, :, None]
    var_ab = a**2 * gradient_shot_variances + gradients**2 * v_a - v_a * gradient_shot_variances
    return loss_g, var_ab.sum(axis=1) / n_data**2
