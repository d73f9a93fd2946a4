"""Bound verdicts, scaling fits and plots (verify.check, verify.plots)."""

from __future__ import annotations

import math

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.verify.check import BoundRecord, bound_records, check
from bpcalc.verify.fits import fit_estimates, fit_summary
from bpcalc.verify.plots import plot_variance_scaling
from bpcalc.verify.stats import VarianceEstimate


def _est(value, lo, hi, parameter="a", quantity="loss=output"):
    return VarianceEstimate(value, lo, hi, 0.95, 1000, None, "own", 0, parameter=parameter, quantity=quantity)


@pytest.mark.parametrize(
    "kind, bound, verdict",
    [
        ("upper", 2.0, "holds"),
        ("upper", 1.05, "inconclusive"),
        ("upper", 0.5, "violated"),
        ("lower", 0.5, "holds"),
        ("lower", 1.05, "inconclusive"),
        ("lower", 2.0, "violated"),
        ("exact", 1.05, "holds"),
        ("exact", 2.0, "violated"),
        ("lower", 0.0, "holds"),
        ("upper", 0.0, "violated"),
    ],
)
def test_decision_rule(kind, bound, verdict):
    rep = check([{"parameter": "a", "name": "b", "kind": kind, "value": bound}], _est(1.0, 0.9, 1.1))
    assert rep.checks[0].verdict == verdict
    assert rep.ok == (verdict != "violated")


def test_underflowing_bounds_compare_in_log_space():
    tiny = BoundRecord("a", "tiny", "upper", log10=-400.0, sign=1)
    assert check([tiny], _est(1e-300, 1e-301, 1e-299)).checks[0].verdict == "violated"
    exact = BoundRecord("a", "tiny exact", "exact", log10=-400.0, sign=1)
    assert check([exact], _est(0.0, 0.0, 1e-310)).checks[0].verdict == "holds"
    assert check([exact], _est(1e-300, 1e-301, 1e-299)).checks[0].verdict == "violated"


def test_quantity_mismatch_is_inconclusive():
    rec = BoundRecord("a", "per point", "upper", log10=0.0, sign=1, quantity="output")
    rep = check([rec], _est(0.5, 0.4, 0.6, quantity="loss"))
    assert rep.checks[0].verdict == "inconclusive" and "quantity='output'" in rep.checks[0].statistic
    assert check([rec], _est(0.5, 0.4, 0.6, quantity="output")).checks[0].verdict == "holds"


def test_check_with_a_real_analysis():
    from bpcalc.bounds.analysis import analyze
    from bpcalc.verify.sampling import sample_gradient_variance

    n = 3
    model = circuits.Model(ansatz=circuits.hardware_efficient(n, 2),
                           observable=circuits.local_cost(cirq.LineQubit.range(n)))
    analysis = analyze(model, parameters=["theta_0_1_0"], ensemble=False)
    records = bound_records(analysis)
    assert any(r.kind == "exact" for r in records)
    est = sample_gradient_variance(model, "theta_0_1_0", 3000, seed=5)
    rep = check(analysis, est)
    exact_checks = [c for c in rep.checks if c.bound.startswith("exact")]
    assert exact_checks and all(c.verdict == "holds" for c in exact_checks)


def test_fit_recovers_exponential_and_polynomial_decay():
    """The decay bases of sampled estimates come from the one fit (bounds.scaling.fit_scaling)."""
    ns = [4, 6, 8, 10, 12]
    exp_est = [_est(3 * 2.0**-n, 3 * 2.0**-n * 0.9, 3 * 2.0**-n * 1.1) for n in ns]
    fit = fit_summary(ns, exp_est)
    assert fit["better"] == "exponential" and fit["base"] == pytest.approx(2.0, rel=1e-6)
    assert fit["label"] == "exponential" and fit["base_stderr"] < 0.05
    assert fit_estimates(ns, exp_est).base_se == pytest.approx(fit["base_stderr"])
    poly_est = [_est(n**-2.0, n**-2.0 * 0.9, n**-2.0 * 1.1) for n in ns]
    pfit = fit_summary(ns, poly_est)
    assert pfit["better"] == "polynomial" and pfit["degree"] == pytest.approx(-2.0, rel=1e-6)
    with pytest.raises(ValueError, match=">= 3"):
        fit_summary([4, 6], exp_est[:2])
    with pytest.raises(ValueError, match="estimates"):
        fit_summary([4, 6, 8], exp_est)


def test_fit_standard_error_matches_a_direct_weighted_fit():
    """base ± s.e. of the one fit against an independent weighted least squares (numpy.polyfit
    with weights 1/σ), σ from each interval as (log10 hi − log10 lo) / (2 z)."""
    import numpy as np
    from scipy import stats

    ns = [4, 6, 8, 10, 12]
    rng = np.random.default_rng(3)
    vals = [2.0**-n * float(np.exp(rng.normal(0, 0.05))) for n in ns]
    ests = [_est(v, v * 0.85, v * 1.2) for v in vals]
    z = stats.norm.ppf(0.975)
    sig = np.array([(np.log10(1.2) - np.log10(0.85)) / (2 * z)] * len(ns))
    coef, cov = np.polyfit(ns, np.log10(vals), 1, w=1 / sig, cov="unscaled")
    chi2 = float(np.sum(((np.log10(vals) - np.polyval(coef, ns)) / sig) ** 2))
    slope_se = float(np.sqrt(cov[0, 0] * max(1.0, chi2 / (len(ns) - 2))))
    fit = fit_summary(ns, ests)
    assert fit["base"] == pytest.approx(10 ** -coef[0], rel=1e-9)
    assert fit["base_stderr"] == pytest.approx(10 ** -coef[0] * np.log(10) * slope_se, rel=1e-9)


def test_plot_writes_png_and_pdf(tmp_path):
    ns = [4, 6, 8]
    ests = [_est(2.0**-n, 2.0**-n * 0.8, 2.0**-n * 1.2) for n in ns]
    fit = fit_estimates(ns, ests)
    png, pdf = plot_variance_scaling(ns, ests, tmp_path / "fig.png",
                                     bounds={"upper": [(n, math.log10(2.0 ** -(n - 1)), "upper") for n in ns]},
                                     exact=[(n, 2.0**-n) for n in ns], fit=fit, title="test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError):
        plot_variance_scaling([4], ests, tmp_path / "x")


def test_bad_bound_records():
    with pytest.raises(ValueError, match="kind"):
        check([{"parameter": "a", "kind": "sideways", "value": 1.0}], _est(1, 0.9, 1.1))
    with pytest.raises(TypeError):
        check([{"parameter": "a", "kind": "upper", "value": 1.0}], [object()])
