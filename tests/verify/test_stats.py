"""Variance estimates and intervals (verify.stats)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bpcalc.verify.stats import bootstrap_interval, chi_square_interval, estimate_variance


def test_chi_square_interval_matches_the_textbook_formula():
    g = np.random.default_rng(0).normal(0, 2, 50)
    lo, hi = chi_square_interval(g, 0.9)
    s2 = g.var(ddof=1)
    assert lo == pytest.approx(49 * s2 / stats.chi2.ppf(0.95, 49))
    assert hi == pytest.approx(49 * s2 / stats.chi2.ppf(0.05, 49))


def test_bootstrap_covers_for_normal_and_uniform_data():
    rng = np.random.default_rng(1)
    hits = {"bca": 0, "percentile": 0}
    for _ in range(200):
        g = rng.uniform(-1, 1, 200)  # variance 1/3
        for m in hits:
            lo, hi = bootstrap_interval(g, 0.95, 400, rng, method=m)
            hits[m] += lo <= 1 / 3 <= hi
    assert hits["bca"] / 200 >= 0.89 and hits["percentile"] / 200 >= 0.87


def test_shot_noise_correction_arithmetic():
    rng = np.random.default_rng(2)
    g = rng.normal(0, 1, 1000)
    shot = np.full(1000, 0.25)
    e = estimate_variance(g, shot_variances=shot, rng=rng, shots=10)
    assert e.raw_variance == pytest.approx(g.var(ddof=1))
    assert e.shot_noise == pytest.approx(0.25)
    assert e.value == pytest.approx(g.var(ddof=1) - 0.25)
    lo, hi = chi_square_interval(g)
    assert (e.chi2_low, e.chi2_high) == pytest.approx((lo - 0.25, hi - 0.25))
    assert e.ci_low == e.bootstrap_low and e.interval == "bootstrap"
    c = estimate_variance(g, interval="chi2", rng=rng)
    assert (c.ci_low, c.ci_high) == (c.chi2_low, c.chi2_high)
    assert abs(e.mean - g.mean()) < 1e-12 and e.mean_stderr == pytest.approx(g.std(ddof=1) / np.sqrt(1000))


def test_matrix_samples_average_per_column_variances():
    rng = np.random.default_rng(3)
    g = rng.normal(0, [1.0, 2.0, 3.0], size=(2000, 3))
    e = estimate_variance(g, rng=rng, quantity="output")
    assert e.value == pytest.approx(g.var(axis=0, ddof=1).mean())
    assert e.ci_low < (1 + 4 + 9) / 3 < e.ci_high
    assert np.isnan(e.chi2_low)
    with pytest.raises(ValueError, match="chi-square"):
        estimate_variance(g, interval="chi2")


def test_negative_corrected_value_keeps_a_non_negative_interval():
    g = np.random.default_rng(4).normal(0, 0.1, 100)
    e = estimate_variance(g, shot_variances=np.full(100, 1.0), rng=np.random.default_rng(0))
    assert e.value < 0 and e.ci_low == 0.0 and np.isnan(e.log10)
    assert e.to_dict()["log10"] is None


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 3"):
        estimate_variance([1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        estimate_variance([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="confidence"):
        estimate_variance([1.0, 2.0, 3.0], confidence=1.5)
    with pytest.raises(ValueError, match="interval"):
        estimate_variance([1.0, 2.0, 3.0], interval="magic")
    with pytest.raises(ValueError, match="shape"):
        estimate_variance([1.0, 2.0, 3.0], shot_variances=[1.0])
    with pytest.raises(ValueError, match="n_bootstrap"):
        bootstrap_interval([1.0, 2.0, 3.0], n_bootstrap=5)
