"""The one scaling fit and verdict rule (bounds.scaling)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpcalc.bounds.scaling import MIN_SIZES, fit_scaling, shots_to_resolve, size_verdict

NS = [4, 6, 8, 10, 12, 14]


def test_exact_exponential_and_polynomial_are_told_apart():
    exp = fit_scaling(NS, [0.3 * 2.0**-n for n in NS])
    assert exp.label == "exponential" and exp.base == pytest.approx(2.0, rel=1e-9)
    assert exp.base_ci[0] <= 2.0 <= exp.base_ci[1]
    assert "exact values" in exp.text and exp.chosen is exp.exponential
    pol = fit_scaling(NS, [0.7 * n**-2.0 for n in NS])
    assert pol.label == "polynomial" and pol.degree == pytest.approx(-2.0, abs=1e-9)


def test_mcclean_like_two_design_value_is_exponential():
    # the 2-design value of a Pauli gradient variance, 2^n / (2 (2^{2n} - 1)) ~ 2^{-n}/2, not a pure exponential
    vals = [2.0**n / (2 * (4.0**n - 1)) for n in NS]
    fit = fit_scaling(NS, vals)
    assert fit.label == "exponential" and fit.base == pytest.approx(2.0, rel=0.01)


@pytest.mark.parametrize("k", range(1, MIN_SIZES))
def test_never_decides_from_fewer_than_min_sizes(k):
    fit = fit_scaling(NS[:k], [2.0**-n for n in NS[:k]])
    assert fit.label == "undecided" and "too few sizes" in fit.reason


def test_below_resolution_values_are_upper_limits_not_zeros():
    vals = [1e-2, 1e-3, 1e-4, 0.0, 0.0]
    cis = [None, None, None, (0.0, 5e-5), (0.0, 5e-5)]
    fit = fit_scaling([4, 6, 8, 10, 12], vals, cis)
    assert fit.label == "undecided"
    assert "below the resolution" in fit.reason and fit.ns == (4, 6, 8)
    assert [n for n, _ in fit.excluded] == [10, 12]


def test_exact_zeros_everywhere_are_zero_but_below_resolution_is_not():
    assert fit_scaling(NS, [0.0] * len(NS)).label == "zero"
    fit = fit_scaling(NS, [0.0] * len(NS), [(0.0, 1e-5)] * len(NS))
    assert fit.label == "undecided"


def test_flat_values_are_polynomial_without_decay():
    fit = fit_scaling(NS, [0.25] * len(NS))
    assert fit.label == "polynomial" and "no significant" in fit.text


def test_residuals_that_reject_both_models_give_undecided():
    # wild scatter with tight intervals: chi^2 ~ 1e4 (the "base 3.08 ± 3.8, chi² = 2.2e4" case)
    vals = [1e-2, 1e-6, 1e-3, 1e-7, 1e-4, 1e-8]
    fit = fit_scaling(NS, vals, [(0.99 * v, 1.01 * v) for v in vals])
    assert fit.label == "undecided" and "reject both" in fit.reason


def test_short_noisy_range_is_undecided_when_both_models_fit():
    ns = [8, 9, 10, 11]
    vals = [0.5 * n**-2.0 for n in ns]
    fit = fit_scaling(ns, vals, [(0.5 * v, 2.0 * v) for v in vals])
    assert fit.label == "undecided" and ("equally well" in fit.reason or "allow a base" in fit.reason)


def test_base_interval_covers_the_true_base_for_sampled_values():
    """Lognormal noise of known width, intervals from it: the 95 % base interval covers b = 1.7."""
    rng = np.random.default_rng(1234)
    sigma = 0.15  # decades
    ns = np.array(NS)
    covered, trials = 0, 400
    for _ in range(trials):
        y = math.log10(0.2) - ns * math.log10(1.7) + rng.normal(0, sigma, ns.size)
        vals = 10**y
        z = 1.959963984540054
        cis = [(v * 10 ** (-z * sigma), v * 10 ** (z * sigma)) for v in vals]
        fit = fit_scaling(ns, vals, cis)
        covered += fit.base_ci[0] <= 1.7 <= fit.base_ci[1]
    assert covered / trials >= 0.93


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="qubit counts"):
        fit_scaling([4, 6], [0.1])
    with pytest.raises(ValueError, match="non-negative"):
        fit_scaling([4, 6, 8, 10], [0.1, -1.0, 0.1, 0.1])
    with pytest.raises(ValueError, match="non-negative"):
        fit_scaling([4, 6, 8, 10], [0.1, float("nan"), 0.1, 0.1])
    with pytest.raises(ValueError, match="positive"):
        fit_scaling([0, 6, 8, 10], [0.1, 0.1, 0.1, 0.1])


def test_size_verdict_uses_the_stated_shot_budget():
    assert shots_to_resolve(1e-4, 2.0) == pytest.approx(2.0**2 / 2e-4)
    assert size_verdict(1e-3).label == "trainable at this size"
    assert size_verdict(1e-3, shot_budget=100).label == "vanishing at this size"
    assert size_verdict(None, upper_limit=1e-12).label == "vanishing at this size"
    assert size_verdict(0.0, upper_limit=1e-2).label == "undecided"
    assert size_verdict(None, proved_zero=True).label == "zero"
