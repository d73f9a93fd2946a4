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


def _terms(harm: np.ndarray, ph: np.ndarray, js: list[int], sines: np.ndarray, u: np.ndarray):
    """Per row of ``sines`` (bit masks ``S``): ``F_{A,S}(u)`` and ``∂_u F_{A,S}(u)`` for ``A = js``, shape ``(C, N)``."""
    c = len(sines)
    if not js:
        return np.ones((c, len(u))), np.zeros((c, len(u)))
    jj = np.asarray(js, dtype=np.int64)
    phi = harm[jj][:, None] * u[None, :] + ph[jj][:, None]  # (a, N)
    is_sin = ((np.asarray(sines, dtype=np.int64)[:, None] >> jj[None, :]) & 1).astype(bool)[:, :, None]  # (C, a, 1)
    f = np.where(is_sin, np.sin(phi)[None], np.cos(phi)[None])  # (C, a, N)
    d = np.where(is_sin, (harm[jj][:, None] * np.cos(phi))[None], (-harm[jj][:, None] * np.sin(phi))[None])
    ones = np.ones((c, 1, len(u)))
    before = np.cumprod(np.concatenate([ones, f[:, :-1]], axis=1), axis=1)  # Π_{i<j} f_i
    after = np.cumprod(np.concatenate([ones, f[:, :0:-1]], axis=1), axis=1)[:, ::-1]  # Π_{i>j} f_i
    return np.prod(f, axis=1), np.sum(d * before * after, axis=1)


_CHUNK = 4096


def _grouped(keys: np.ndarray, cols: tuple):
    """Rows of ``keys`` grouped by the values of ``cols`` (the anticommutation masks)."""
    uniq, inv = np.unique(keys[:, list(cols)], axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    for g in range(len(uniq)):
        yield uniq[g], order[starts[g]:starts[g + 1]]


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
    for (aq, ar), rows in _grouped(keys, (0, 2)):
        jq, jr = _bits(int(aq), k), _bits(int(ar), k)
        hs = [harm[j] for j in jq] + [harm[j] for j in jr]
        if not zero_sum_possible(hs):
            continue  # no matching frequencies: every average is exactly 0
        n = int(sum(abs(h) for h in hs)) + 1
        u = 2 * np.pi * np.arange(n) / n
        for lo in range(0, len(rows), _CHUNK):
            sel = rows[lo:lo + _CHUNK]
            fq, dq = _terms(harm, ph, jq, keys[sel, 1], u)
            fr, dr = _terms(harm, ph, jr, keys[sel, 3], u)
            v = np.mean(fq * fr, axis=1)
            plain[sel] = np.where(np.abs(v) > SNAP, v, 0.0)
            if derivative:
                dv = np.mean(dq * dr, axis=1)
                der[sel] = np.where(np.abs(dv) > SNAP, dv, 0.0)
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
    for (a,), rows in _grouped(keys, (0,)):
        js = _bits(int(a), k)
        if not zero_sum_possible([harm[j] for j in js]):
            continue
        n = int(sum(abs(harm[j]) for j in js)) + 1
        u = 2 * np.pi * np.arange(n) / n
        for lo in range(0, len(rows), _CHUNK):
            sel = rows[lo:lo + _CHUNK]
            f, _ = _terms(harm, ph, js, keys[sel, 1], u)
            v = np.mean(f, axis=1)
            out[sel] = np.where(np.abs(v) > SNAP, v, 0.0)
    return out
