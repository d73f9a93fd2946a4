"""A network (or truncated) value 0 is a proved zero only when its rigorous error bound is 0."""

from __future__ import annotations

import numpy as np
import sympy

from bpcalc.bounds.exact.results import GradientVarianceResult


def _result(method: str) -> GradientVarianceResult:
    k = 4
    return GradientVarianceResult(
        parameters=tuple(sympy.symbols("a b c d")), values=np.array([0.0, 0.0, 0.1, 0.0]), method=method,
        per_state=np.zeros((1, k)), weights=np.ones(1), in_light_cone=np.array([True, True, True, False]),
        error_bound=np.array([0.0, 1e-12, 1e-12, 1e-12]),
    )


def test_network_zero_with_a_positive_bound_is_not_proved():
    for method in ("tn", "tn-truncated", "two-design-tn", "truncated"):
        assert _result(method).proven_zero.tolist() == [True, False, False, True], method


def test_exact_enumeration_zero_is_proved():
    r = GradientVarianceResult(
        parameters=tuple(sympy.symbols("a b")), values=np.array([0.0, 0.2]), method="exact",
        per_state=np.zeros((1, 2)), weights=np.ones(1), in_light_cone=np.array([True, True]))
    assert r.proven_zero.tolist() == [True, False]
