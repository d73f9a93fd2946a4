"""Figures read back as data (matplotlib artists, captions), not pixels: axis scales, labels,
which lines exist, no vacuous bound drawn, fit line only for the verdict's model."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_hex  # noqa: E402

from bpcalc.verify.architecture import fit_scaling  # noqa: E402
from bpcalc.verify.figures import (  # noqa: E402
    COLUMN_WIDTHS, PALETTE, Curve, Points, Scan, bound_label, draw_scan, mathtext, save_scan, variance_scan,
)
from bpcalc.verify.figures.labels import bound_rhs  # noqa: E402
from bpcalc.verify.stats import VarianceEstimate  # noqa: E402

NS = (4, 6, 8, 10)


def _est(v: float, rel: float = 0.2, conf: float = 0.95) -> VarianceEstimate:
    return VarianceEstimate(v, v * (1 - rel), v * (1 + rel), conf, 200, None, "own", 0)


def _lines(fig):
    return {ln.get_label(): ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")}


def _scan(values, curves=(), width="single", ns=NS):
    ests = [_est(v) for v in values]
    return variance_scan("t", ns, ests, curves=curves, fit=fit_scaling(list(ns), values, [(e.ci_low, e.ci_high)
                                                                                            for e in ests]),
                         width=width)


def test_log_y_integer_x_ticks_and_labels():
    fig, caption = draw_scan(_scan([2.0**-n for n in NS]))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xscale() == "linear"
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert ax.get_ylabel().startswith("$") and "Var" in ax.get_ylabel()
    assert ax.get_xlabel() == r"qubits $n$"


def test_doubling_n_uses_log_x_with_the_sizes_as_ticks():
    ns = (4, 8, 16, 32)
    fig, _ = draw_scan(_scan([n**-2.0 for n in ns], ns=ns))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [int(t) for t in ax.get_xticks()] == list(ns)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4", "8", "16", "32"]


def test_vacuous_lower_bound_is_listed_not_drawn():
    lows = Curve("holmes lower", "lower", NS, [-0.9, -0.6, -0.3, 0.0], [True] * 4, name="holmes2022.expressibility[lower]")
    partly = Curve("other lower", "lower", NS, [-3.0, -4.0, -5.0, -6.0], [True, False, False, False], name="other")
    up = Curve("upper", "upper", NS, [-0.5] * 4, name="up")
    fig, caption = draw_scan(_scan([2.0**-n for n in NS], curves=(lows, partly, up)))
    lines = _lines(fig)
    assert "holmes lower" not in lines  # wholly vacuous: no line at all
    assert list(lines["other lower"].get_xdata()) == [6, 8, 10]  # the vacuous n = 4 is left out
    assert lines["upper"].get_linestyle() == "--" and lines["other lower"].get_linestyle() == ":"
    assert "holmes2022.expressibility[lower] at n = 4, 6, 8, 10" in caption and "other at n = 4" in caption


def test_fit_line_only_for_the_model_the_verdict_chose():
    # exact exponential data: the verdict is exponential; one fit line through the points, base 2 in the legend
    fig, caption = draw_scan(_scan([2.0**-n for n in NS]))
    fits = [label for label in _lines(fig) if label.startswith("fit")]
    assert len(fits) == 1 and "b = 2" in fits[0] and "\\pm" in fits[0]
    ln = _lines(fig)[fits[0]]
    assert np.allclose(np.log2(ln.get_ydata()), -ln.get_xdata(), atol=0.05)
    # power-law data: the line is a power law (straight in log-log), with the degree in the legend
    vals = [float(n) ** -2 for n in NS]
    fig, _ = draw_scan(_scan(vals))
    fits = [label for label in _lines(fig) if label.startswith("fit")]
    assert len(fits) == 1 and "n^{p}" in fits[0]
    ln = _lines(fig)[fits[0]]
    assert np.allclose(ln.get_ydata(), ln.get_xdata() ** -2.0, rtol=0.05)
    # not decided (sampled decay that an exponential and a power law fit equally well): no line, caption says why
    ns = (4, 5, 6)
    ests = [_est(2.0**-n, rel=0.5) for n in ns]
    fit = fit_scaling(list(ns), [e.value for e in ests], [(e.ci_low, e.ci_high) for e in ests])
    assert fit.label == "not decided"
    fig, caption = draw_scan(variance_scan("t", ns, ests, fit=fit))
    assert not [label for label in _lines(fig) if label.startswith("fit")]
    assert "No fit line for sampled (not decided" in caption


def test_exact_values_drawn_above_sampled_and_bars_defined():
    exact = Points("exact", NS, [-n * math.log10(2) for n in NS], "exact", color_index=-1)
    scan = variance_scan("t", NS, [_est(2.0**-n) for n in NS], exact=exact)
    fig, caption = draw_scan(scan)
    lines = _lines(fig)
    assert lines["exact"].get_zorder() > lines["sampled"].get_zorder()
    assert lines["exact"].get_marker() == "s" and lines["exact"].get_markerfacecolor() == "none"
    assert "95% BCa bootstrap confidence interval (200 parameter draws)" in caption
    with pytest.raises(ValueError, match="interval"):
        Points("x", (4,), (-1.0,), low_log10=(-1.1,), high_log10=(-0.9,))


def test_legend_outside_the_axes_and_column_widths():
    for width in ("single", "double"):
        fig, _ = draw_scan(_scan([2.0**-n for n in NS], curves=(Curve("u", "upper", NS, [-0.5] * 4),), width=width))
        assert fig.get_figwidth() == pytest.approx(COLUMN_WIDTHS[width])
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        leg = fig.axes[0].get_legend().get_window_extent(r)
        ax = fig.axes[0].get_window_extent(r)
        assert not leg.overlaps(ax)
    assert COLUMN_WIDTHS == {"single": 3.4, "double": 7.0}


def test_palette_is_okabe_ito():
    fig, _ = draw_scan(_scan([2.0**-n for n in NS], curves=(Curve("u", "upper", NS, [-0.5] * 4),)))
    used = {to_hex(ln.get_color()).upper() for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")}
    assert used <= {c.upper() for c in PALETTE} | {"#000000"}


def test_values_below_float_range_are_left_out_and_said():
    pts = Points("exact", (4, 1000), (-2.0, -400.0), "exact")
    fig, caption = draw_scan(Scan("t", "$y$", (pts,)))
    assert list(_lines(fig)["exact"].get_xdata()) == [4]
    assert "n = 1000" in caption


def test_save_scan_writes_png_pdf_and_caption(tmp_path):
    fig_entry = save_scan(_scan([2.0**-n for n in NS]), tmp_path)
    assert fig_entry.path == "t.png"
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "t.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "t.caption.txt").read_text().strip() == fig_entry.caption


def test_mathtext_from_the_bounds_latex():
    from bpcalc.bounds import get_theorem

    assert mathtext(r"\operatorname{Var}_{\theta}[\partial_k C]") == r"$\mathrm{Var}_{\theta}[\partial_k C]$"
    b = get_theorem("thanasilp2021.tensor_product_variance").bound("local_cost")
    label = bound_label(b)
    assert label.startswith("$=") and "D_{\\mathrm{HS}}" in label and "Thanasilp 2021" in label
    assert bound_rhs(b.latex(citation=False)) in label
    long = get_theorem("holmes2022.expressibility").bound("upper")
    assert bound_label(long).startswith("upper bound [Holmes 2022")


def test_demo_figures_from_rows(tmp_path):
    """The demo/reproduction figure: prediction and Haar curves, exact squares, caption."""
    from bpcalc.verify.demo import _estimate_from_dict
    from bpcalc.verify.figures import dhs_scan, experiment_variance_scan

    rows = []
    for n in (4, 6, 8):
        r_ns = 2 * 2.0**3 / (n**2 * 15.0**2)
        v = r_ns * 0.75
        rows.append({"embedding": "tpe", "n": n, "d_hs_mean": 0.75, "d_hs_ci": [0.75, 0.75], "haar": 3.75 / (2**n + 1),
                     "r_ns": r_ns, "bound": v, "exact_circuit": v * 1.01, "exact_circuit_method": "exact",
                     "estimate": _est(v).to_dict()})
    fig, caption = draw_scan(experiment_variance_scan(rows, "v", "tpe", estimate_from_dict=_estimate_from_dict))
    labels = list(_lines(fig))
    assert any("Thanasilp 2021" in lb and lb.startswith("$") for lb in labels)
    assert any(lb.startswith("Haar-random data") for lb in labels)
    assert "Pauli paths on this circuit (exact)" in labels
    fig, caption = draw_scan(dhs_scan(rows))
    assert fig.axes[0].get_yscale() == "log" and "Student-t" in caption


def test_verify_cli_out_lists_vacuous_bound_and_writes_tables(tmp_path, capsys):
    from bpcalc.verify.cli import main

    out = tmp_path / "v"
    rc = main(["verify", "--ansatz", "hea", "--qubits", "3..5", "--layers", "1", "--draws", "60",
               "--out", str(out)])
    assert rc in (0, 1)
    for name in ("verify.png", "verify.pdf", "verify.caption.txt", "report.md", "report.json", "bounds.tex",
                 "bounds.bib", "table.tex"):
        assert (out / name).exists(), name
    caption = (out / "verify.caption.txt").read_text()
    doc = json.loads((out / "report.json").read_text())
    assert doc["figures"][0]["caption"] == caption.strip()
    # the Holmes et al. lower bound is negative here: listed as vacuous, never drawn
    assert "vacuous" in caption and "holmes2022.expressibility[lower]" in caption
    assert "95% BCa bootstrap confidence interval" in caption
    keys = {line.split("{", 1)[1].rstrip(",") for line in (out / "bounds.bib").read_text().splitlines()
            if line.startswith("@")}
    import re

    cited = set(re.findall(r"\\cite(?:\[[^]]*\])?\{([^}]*)\}", (out / "table.tex").read_text()
                           + (out / "bounds.tex").read_text()))
    assert cited and cited <= keys
    assert "\\toprule" in (out / "table.tex").read_text()


def test_scaling_sentence_follows_the_verdict():
    from bpcalc.verify.demo import scaling_sentence

    poly = {"label": "polynomial", "base": 1.345, "base_se": 0.095, "degree": -1.1, "degree_se": 0.2,
            "ns": [4, 6, 8, 10, 12]}
    text = scaling_sentence("CHE", poly)
    assert "decays exponentially" not in text and "power law" in text
    assert "larger n" in text and "repetitions of the embedding" in text
    expo = dict(poly, label="exponentially vanishing", base=2.1, base_se=0.05)
    assert "decays exponentially, base 2.100 ± 0.050" in scaling_sentence("HEE", expo)
    flat = dict(poly, base=0.97, base_se=0.04)
    text = scaling_sentence("TPE", flat, raw={"base": 1.31, "base_se": 0.05})
    assert "flat within its errors" in text and "1.310" in text and "1/n²" in text
    undecided = dict(poly, label="not decided", text="both fit")
    assert "not decided" in scaling_sentence("CHE", undecided) and "larger n" in scaling_sentence("CHE", undecided)


def test_wide_range_of_n_uses_log_x_with_powers_of_two():
    ns = (4, 6, 8, 12, 16, 32, 64)
    pts = Points("exact", ns, [-0.1 * n for n in ns], "exact")
    fig, _ = draw_scan(Scan("t", "$y$", (pts,)))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and [int(t) for t in ax.get_xticks()] == [4, 8, 16, 32, 64]
