r"""Exact averages over a parameter shared by several commuting Pauli rotations (frequency matching).

A symbol ``s`` that drives several rotations ``exp(-i φ_j P_j / 2)`` with pairwise commuting
``P_j`` and angles ``φ_j = c_j s + d_j`` (a ``crz``: ``c = ±1/2`` on ``Z_t`` and ``Z_c Z_t``;
``CZ**t``: ``c = ±π/2``; a QAOA layer: one ``γ`` on every edge) is averaged *jointly*: the
loss is a trigonometric polynomial in ``s`` whose frequencies are sums of the ``±c_j``.

**Period.** All ``c_j`` must be rational multiples of one unit (``1``: radians, or ``π``:
half-turn exponents, see :func:`circuits.parameter_convention`): ``c_j = (p_j / q_j)·unit``.
With ``q = lcm(q_j)`` and ``u = (unit·s) / q`` the angles are ``φ_j = n_j u + d_j`` with integer
harmonics ``n_j = p_j q / q_j``, so the loss is ``2π``-periodic in ``u``: ``s`` is averaged
uniformly over ``[0, q·2π)`` (radians) or ``[0, 2q)`` (exponents) — the project's period
times ``q`` (``crz(θ)``: ``θ ~ U[0, 4π)``, the period of ``CRz``; integer ``c_j`` keep the
usual period).  The reported derivative is ``∂/∂s`` (radians), ``∂/∂(πs)``
(``exponent_symbols='angle'``) or ``∂/∂s`` (``'symbol'``), i.e. ``(1/q)∂/∂u`` or ``(π/q)∂/∂u``.

**Heisenberg expansion.** Let ``Q`` be a Pauli string and ``A`` the set of ``j`` with
``{Q, P_j} = 0``.  Since ``R_j^† Q R_j = Q e^{-iφ_j P_j}`` for ``j ∈ A`` and ``R_j`` commutes with
``Q`` otherwise, and the ``P_j`` commute,

.. math::  U^† Q U = \sum_{S \subseteq A} F_{A,S}(u)\, Q_S,\qquad
           F_{A,S}(u) = \prod_{j\in S}\sin φ_j \prod_{j\in A\setminus S}\cos φ_j ,

where ``Q_S`` is ``Q`` with the single-rotation flips ``Q → Q'_j = −iQP_j`` of ``j ∈ S`` applied
(the flip of ``j`` keeps the anticommutation with every other ``P_l``, because ``P_l`` commutes
with ``P_j``: the set ``A`` is the same for every ``Q_S``).  For the pair ``(Q, R)`` of the
two-copy observable the averaged map is therefore

.. math::  (Q, R) \mapsto \sum_{S\subseteq A_Q,\, S'\subseteq A_R}
           \mathbb E_u\!\left[F_{A_Q,S} F_{A_R,S'}\right] (Q_S, R_{S'}),

and at the differentiated parameter ``E_u[∂_u F_{A_Q,S} ∂_u F_{A_R,S'}]`` (times the squared
chain-rule factor) replaces the plain average; since every other parameter is averaged
independently, ``E[(∂_s ℓ)^2]`` is the sum of those weights times ``Tr[ρQ]Tr[ρR]``.

**Frequency matching (why the averages are exact).** Write ``ℓ(u) = Σ_ω c_ω e^{iωu}``
(``c_{-ω} = \bar c_ω``, ``|ω| <= D = Σ_j |n_j|``).  Parseval on the period gives
``E_u[ℓ^2] = Σ_ω |c_ω|^2`` and ``E_u[(∂_u ℓ)^2] = Σ_ω ω^2 |c_ω|^2`` (the mean of
``e^{i(ω+ω')u}`` is ``1`` if ``ω' = −ω`` and ``0`` otherwise: only matching frequencies
survive); ``E_u[∂_u ℓ] = 0`` (``ℓ`` is periodic), so ``Var[∂_s ℓ] = E[(∂_s ℓ)^2]``.  The same holds
for every product ``F F'`` above, a trigonometric polynomial of degree ``<= D_Q + D_R`` with
``D_Q = Σ_{j∈A_Q}|n_j|``: the mean of ``e^{iku}`` over ``N`` equispaced points of ``[0, 2π)``
is ``1`` if ``N | k`` and ``0`` otherwise, so an ``N = D_Q + D_R + 1``-point grid reproduces
the period average of every harmonic ``|k| < N`` exactly (:func:`pair_coefficients`).  A
coefficient is *exactly* zero when no choice of signs makes ``Σ ±n_j`` over ``A_Q`` and ``A_R``
(with multiplicity) vanish (:func:`zero_sum_possible`); the remaining ones that round to
below :data:`SNAP` are set to zero and their size is added to the engine's error bound.

**l1 growth (for the truncation bound).** ``Σ_{S,S'} |E[F F']| <= E[Π(|cos|+|sin|)^{…}] <=
2^{(|A_Q|+|A_R|)/2} <= 2^k`` for ``k`` rotations; the derivative map is bounded by
``(Σ_j |n_j|)^2 2^k``.

**Non-commuting ties** (``rx(θ)`` and ``rz(θ)`` on one qubit, or two commuting rotations with a
non-commuting gate between them) are refused: the expansion above needs a single ``A`` per
string, and the loss is then not a product of the per-gate trigonometric factors.

References
----------
.. [1] Parseval's identity for trigonometric polynomials, e.g. A. Zygmund, *Trigonometric
   Series*, Ch. I; exact equispaced quadrature, Ch. X.
.. [2] M. Schuld, R. Sweke, J. J. Meyer, "Effect of data encoding on the expressive power of
   variational quantum machine-learning models", PRA 103, 032430 (2021), arXiv:2008.08605
   (the loss as a Fourier series whose frequencies are sums of generator eigenvalue gaps).
.. [3] D. Wierichs, J. Izaac, C. Wang, C. Y.-Y. Lin, "General parameter-shift rules for
   quantum gradients", Quantum 6, 677 (2022), arXiv:2107.12390 (frequencies of tied gates).
"""

from __future__ import annotations

import dataclasses
import fractions
import math
from typing import Optional, Sequence

import numpy as np

__all__ = [
    "TieConvention",
    "tie_convention",
    "rational",
    "zero_sum_possible",
    "pair_coefficients",
    "mean_coefficients",
    "SNAP",
    "MAX_DENOMINATOR",
]

MAX_DENOMINATOR = 64
"""Largest denominator of a rational angle coefficient (``crz``: 2, ``CZ**t``: 2)."""
SNAP = 1e-13
"""Averages whose computed size is below this (relative to 1) are set to zero (error reported)."""
_RATIONAL_TOL = 1e-9


def rational(value: float) -> Optional[fractions.Fraction]:
    """``value`` as a fraction with denominator ``<= MAX_DENOMINATOR``, or None.

    >>> rational(0.5), rational(math.pi)
    (Fraction(1, 2), None)
    """
    f = fractions.Fraction(float(value)).limit_denominator(MAX_DENOMINATOR)
    return f if abs(float(f) - float(value)) < _RATIONAL_TOL else None


@dataclasses.dataclass(frozen=True)
class TieConvention:
    """How a shared symbol is averaged: ``φ_j = harmonics[j]·u + d_j`` with ``u ~ U[0, 2π)``.

    Attributes
    ----------
    harmonics : integer ``n_j`` per rotation.
    q : the lcm of the denominators (``s`` winds ``q`` project periods per period of ``u``).
    period : ``s ~ U[0, period)``.
    frequency : chain-rule factor: reported derivative ``= frequency · ∂/∂u``.
    unit : ``'radian'`` or ``'half-turn'``.
    """

    harmonics: tuple[int, ...]
    q: int
    period: float
    frequency: float
    unit: str


def tie_convention(coefficients: Sequence[float], exponent_symbols: str = "angle", name: str = "s") -> TieConvention:
    """The joint averaging convention of a symbol entering angles ``c_j·s + d_j``.

    Raises
    ------
    ValueError : a coefficient is zero or not a rational multiple of 1 (or of π for all), or an
        exponent symbol with ``exponent_symbols='refuse'``.

    Examples
    --------
    >>> c = tie_convention([0.5, -0.5])          # crz(θ)
    >>> c.harmonics, c.q, round(c.period / math.pi, 6), c.frequency
    ((1, -1), 2, 4.0, 0.5)
    >>> c = tie_convention([math.pi / 2, math.pi / 2, -math.pi / 2])   # CZ**t
    >>> c.harmonics, c.period, c.frequency, c.unit
    ((1, 1, -1), 4.0, 0.5, 'half-turn')
    """
    cs = [float(c) for c in coefficients]
    if not cs or any(c == 0 for c in cs):
        raise ValueError(f"symbol {name} has a zero angle coefficient")
    rs = [rational(c) for c in cs]
    unit, base_period, base_chain = "radian", 2 * math.pi, 1.0
    if any(r is None for r in rs):
        rs = [rational(c / math.pi) for c in cs]
        if any(r is None for r in rs):
            raise ValueError(
                f"symbol {name} enters angles with coefficients {[round(c, 6) for c in cs]}: exact averaging needs "
                f"rational multiples (denominator <= {MAX_DENOMINATOR}) of one unit, 1 (radians) or π (exponents), "
                "so that the loss is periodic in the symbol"
            )
        if exponent_symbols == "refuse":
            raise ValueError(
                f"symbol {name} is an exponent and exponent_symbols='refuse' was given; pass 'angle' or 'symbol'"
            )
        unit, base_period = "half-turn", 2.0
        base_chain = 1.0 if exponent_symbols == "angle" else math.pi
    q = 1
    for r in rs:
        q = q * r.denominator // math.gcd(q, r.denominator)
    harmonics = tuple(int(r * q) for r in rs)
    return TieConvention(harmonics, q, base_period * q, base_chain / q, unit)


def zero_sum_possible(values: Sequence[int]) -> bool:
    """Can ``Σ ±v`` (one sign per entry) vanish?  If not, the average of the product is exactly 0.

    >>> zero_sum_possible([1, 1]), zero_sum_possible([1, 2]), zero_sum_possible([])
    (True, False, True)
    """
    sums = {0}
    for v in values:
        v = abs(int(v))
        sums = {s + v for s in sums} | {s - v for s in sums}
    return 0 in sums


def _bits(mask: int, k: int) -> list[int]:
    return [j for j in range(k) if (mask >> j) & 1]


def _factor_values(harm: np.ndarray, phases: np.ndarray, active: int, sines: int, u: np.ndarray):
    """``F_{A,S}(u)`` and ``∂_u F_{A,S}(u)`` on the grid ``u``."""
    k = len(harm)
    vals = np.ones_like(u)
    terms = []
    for j in _bits(active, k):
        phi = harm[j] * u + phases[j]
        if (sines >> j) & 1:
            terms.append((np.sin(phi), harm[j] * np.cos(phi)))
        else:
            terms.append((np.cos(phi), -harm[j] * np.sin(phi)))
    for f, _ in terms:
        vals = vals * f
    deriv = np.zeros_like(u)
    for i, (_, d) in enumerate(terms):
        prod = d
        for i2, (f, _) in enumerate(terms):
            if i2 != i:
                prod = prod * f
        deriv = deriv + prod
    return vals, deriv


def pair_coefficients(
    harmonics: Sequence[int], phases: Sequence[float], keys: np.ndarray, derivative: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``E_u[F_{A_Q,S_Q} F_{A_R,S_R}]`` and (if ``derivative``) ``E_u[∂F ∂F]`` for rows of ``keys``.

    ``keys`` is ``(K, 4)`` of bit masks ``(A_Q, S_Q, A_R, S_R)``.  Exact (see the module
    docstring): equispaced grids of ``D_Q + D_R + 1`` points, exact zeros from
    :func:`zero_sum_possible`, values below :data:`SNAP` set to zero.

    Examples
    --------
    One rotation (harmonic 1): ``E[cos²] = E[sin²] = 1/2``, ``E[cos sin] = 0``; derivative ``E[sin²] = 1/2``:

    >>> import numpy as np
    >>> plain, der = pair_coefficients([1], [0.0], np.array([[1, 0, 1, 0], [1, 1, 1, 1], [1, 0, 1, 1]]), True)
    >>> plain.round(12).tolist(), der.round(12).tolist()
    ([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])
    """
    harm = np.asarray(harmonics, dtype=float)
    ph = np.asarray(phases, dtype=float)
    k = len(harm)
    keys = np.asarray(keys, dtype=np.int64).reshape(-1, 4)
    plain = np.zeros(len(keys))
    der = np.zeros(len(keys))
    for i, (aq, sq, ar, sr) in enumerate(keys.tolist()):
        hs = [harm[j] for j in _bits(aq, k)] + [harm[j] for j in _bits(ar, k)]
        if not zero_sum_possible(hs):
            continue
        n = int(sum(abs(h) for h in hs)) + 1
        u = 2 * np.pi * np.arange(n) / n
        fq, dq = _factor_values(harm, ph, aq, sq, u)
        fr, dr = _factor_values(harm, ph, ar, sr, u)
        v = float(np.mean(fq * fr))
        plain[i] = v if abs(v) > SNAP else 0.0
        if derivative:
            dv = float(np.mean(dq * dr))
            der[i] = dv if abs(dv) > SNAP else 0.0
    return plain, der


def mean_coefficients(harmonics: Sequence[int], phases: Sequence[float], keys: np.ndarray) -> np.ndarray:
    """``E_u[F_{A,S}]`` for rows ``(A, S)`` of ``keys`` (single-copy average, exact as above).

    >>> import numpy as np
    >>> mean_coefficients([1, 1], [0.0, 0.0], np.array([[3, 3], [3, 0], [1, 1]])).round(12).tolist()
    [0.5, 0.5, 0.0]
    """
    harm = np.asarray(harmonics, dtype=float)
    ph = np.asarray(phases, dtype=float)
    k = len(harm)
    keys = np.asarray(keys, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(keys))
    for i, (a, s) in enumerate(keys.tolist()):
        hs = [harm[j] for j in _bits(a, k)]
        if not zero_sum_possible(hs):
            continue
        n = int(sum(abs(h) for h in hs)) + 1
        u = 2 * np.pi * np.arange(n) / n
        f, _ = _factor_values(harm, ph, a, s, u)
        v = float(np.mean(f))
        out[i] = v if abs(v) > SNAP else 0.0
    return out
