"""Initialization distributions of the trainable angles for the exact engines.

The default is uniform on a full period (the barren-plateau convention).  Small-angle and
warm-start initializations change every average: with independent angles only the moments
``c = E cos φ``, ``s = E sin φ``, ``cc = E cos² φ``, ``ss = E sin² φ`` and
``cs = E sin φ cos φ`` of each rotation angle ``φ`` enter the two-copy propagation
(``theory.md`` §4), and ``E[∂_k ℓ] ≠ 0`` in general.

A distribution is placed on the *angle variable* ``v`` of a parameter: the symbol itself for
``rx(θ)``-style gates (``φ = k θ + d``), the angle ``π s`` for exponent symbols (``X**s``,
``φ = k π s + d``) — the variable whose uniform distribution is the project's convention.
With ``χ(t) = E[e^{itv}]`` and ``φ = σ (k v + d)`` (``σ = ±1`` the sign of the rotation's
Pauli), ``E[e^{iφ}] = e^{iσd} χ(σk)`` and ``E[e^{2iφ}] = e^{2iσd} χ(2σk)``, from which
``c, s = Re, Im E[e^{iφ}]``, ``cc, ss = (1 ± Re E[e^{2iφ}])/2``, ``cs = Im E[e^{2iφ}]/2``.

References
----------
.. [1] K. Zhang et al., "Escaping from the barren plateau via Gaussian initializations in
   deep variational quantum circuits", NeurIPS 2022, arXiv:2203.09376.
.. [2] E. Grant et al., "An initialization strategy for addressing barren plateaus in
   parametrized quantum circuits", Quantum 3, 214 (2019) (identity-block initialization).
"""

from __future__ import annotations

import cmath
import dataclasses
import math
from typing import Mapping, Union

import numpy as np
import sympy

__all__ = ["InitDistribution", "INIT_KINDS", "resolve_init", "angle_moments"]

INIT_KINDS = ("uniform", "gaussian", "interval", "fixed")


@dataclasses.dataclass(frozen=True)
class InitDistribution:
    """Distribution of one angle variable ``v``.

    ``kind`` is ``'uniform'`` (on ``[0, 2π)``, the default), ``'gaussian'`` (``N(0, scale²)``),
    ``'interval'`` (uniform on ``[−scale, scale]``) or ``'fixed'`` (``v = scale``).

    Examples
    --------
    >>> InitDistribution.parse("gaussian:0.1")
    InitDistribution(kind='gaussian', scale=0.1)
    >>> round(abs(InitDistribution.parse("uniform:3.141592653589793").characteristic(1)), 12)
    0.0
    """

    kind: str = "uniform"
    scale: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in INIT_KINDS:
            raise ValueError(f"initialization kind must be one of {INIT_KINDS}, got {self.kind!r}")
        if not math.isfinite(self.scale):
            raise ValueError(f"initialization scale must be finite, got {self.scale!r}")
        if self.kind in ("gaussian", "interval") and not self.scale > 0:
            raise ValueError(f"a {self.kind} initialization needs a positive width, got {self.scale!r}")

    @property
    def is_uniform(self) -> bool:
        return self.kind == "uniform"

    def characteristic(self, t: float) -> complex:
        """``E[e^{i t v}]`` (``t`` a non-zero integer for the uniform distribution)."""
        if self.kind == "uniform":
            return 1.0 + 0j if t == 0 else 0j
        if self.kind == "gaussian":
            return complex(math.exp(-0.5 * (self.scale * t) ** 2))
        if self.kind == "interval":
            x = t * self.scale
            return complex(1.0 if x == 0 else math.sin(x) / x)
        return cmath.exp(1j * t * self.scale)

    @classmethod
    def parse(cls, spec: Union[str, float, int, "InitDistribution"]) -> "InitDistribution":
        """``'uniform'``, ``'gaussian:SIGMA'``, ``'uniform:A'`` (on ``[−A, A]``), a number (fixed value)."""
        if isinstance(spec, InitDistribution):
            return spec
        if isinstance(spec, bool):
            raise TypeError(f"an initialization must be a string like 'gaussian:0.1' or a number, got {spec!r}")
        if isinstance(spec, (int, float, np.integer, np.floating)):
            return cls("fixed", float(spec))
        if not isinstance(spec, str):
            raise TypeError(f"an initialization must be a string like 'gaussian:0.1' or a number, got {type(spec).__name__}")
        try:
            return cls("fixed", float(spec))
        except ValueError:
            pass
        name, _, arg = spec.strip().lower().partition(":")
        try:
            value = float(arg) if arg.strip() else None
        except ValueError:
            raise ValueError(f"initialization {spec!r}: {arg!r} is not a number") from None
        if name == "uniform" and value is None:
            return cls("uniform")
        if name == "uniform":
            return cls("interval", value)
        if name in ("gaussian", "normal") and value is not None:
            return cls("gaussian", value)
        if name == "fixed" and value is not None:
            return cls("fixed", value)
        raise ValueError(
            f"initialization {spec!r} not understood; use 'uniform', 'gaussian:SIGMA', 'uniform:A' or a number"
        )


def resolve_init(init, symbols) -> dict:
    """``{symbol: InitDistribution}`` for the given symbols.

    ``init`` is ``None``/``'uniform'``, one specification for every parameter, or a mapping
    ``{symbol or name: specification}`` (key ``'*'``: the default for the others, else uniform).

    Raises
    ------
    ValueError : a mapping key that names no symbol, or a malformed specification.
    """
    symbols = list(symbols)
    if init is None:
        return {s: InitDistribution() for s in symbols}
    if isinstance(init, Mapping):
        default = InitDistribution.parse(init.get("*", "uniform"))
        by_name = {s.name: s for s in symbols}
        out = {s: default for s in symbols}
        for key, spec in init.items():
            if key == "*":
                continue
            name = key.name if isinstance(key, sympy.Symbol) else str(key)
            if name not in by_name:
                raise ValueError(f"init names {name!r}, which is not a symbol of the circuit")
            out[by_name[name]] = InitDistribution.parse(spec)
        return out
    dist = InitDistribution.parse(init)
    return {s: dist for s in symbols}


def angle_moments(dist: InitDistribution, k: float, offset: float, sign: float) -> tuple[float, ...]:
    """``(c, s, cc, ss, cs)`` of ``φ = sign · (k v + offset)`` for ``v ~ dist``.

    Examples
    --------
    >>> [round(v, 12) for v in angle_moments(InitDistribution(), 1, 0.3, 1)]
    [0.0, 0.0, 0.5, 0.5, 0.0]
    >>> c, s, cc, ss, cs = angle_moments(InitDistribution("fixed", 0.2), 2, 0.1, -1)
    >>> round(c - math.cos(-0.5), 12), round(cs - math.sin(-0.5) * math.cos(-0.5), 12)
    (0.0, 0.0)
    """
    m1 = cmath.exp(1j * sign * offset) * dist.characteristic(sign * k)
    m2 = cmath.exp(2j * sign * offset) * dist.characteristic(2 * sign * k)
    return (m1.real, m1.imag, 0.5 * (1 + m2.real), 0.5 * (1 - m2.real), 0.5 * m2.imag)
