"""The demo end to end on a tiny configuration, its point function, and its input checks."""

from __future__ import annotations

import json
import math

import pytest

from bpcalc.verify.demo import DemoConfig, build_point_model, demo_points, gradient_variance_point, run_demo


def _r_ns(n: int, s: int = 2) -> float:
    return s * 2.0 ** (3 * (s - 1)) / (n**2 * (2.0 ** (2 * s) - 1) ** 2)


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
    from bpcalc.verify.cli import main

    out = tmp_path_factory.mktemp("demo")
    argv = ["demo", "--out", str(out), "--qubits", "2,4,6", "--embeddings", "tpe", "hee", "--draws", "60",
            "--n-data", "4", "--block-depth", "12", "--workers", "2", "--no-progress"]
    return out, main(argv)


def test_tiny_demo_writes_report_with_agreeing_numbers(tiny_demo, capsys):
    out, rc = tiny_demo
    for name in ("report.md", "report.json", "bounds.tex", "bounds.bib", "points.jsonl", "d_hs.png",
                 "variance_tpe.png", "variance_hee.png"):
        assert (out / name).exists(), name
    doc = json.loads((out / "report.json").read_text())
    assert doc["versions"]["bpcalc"]
    points = doc["results"]["points"]
    assert len(points) == 6 and all(p["status"] == "ok" for p in points)
    for p in points:
        r = p["result"]
        n = r["settings"]["n"]
        q = r["output"]
        # the registry's prediction and the 2-design Markov chain are independent computations
        assert q["exact_two_design"] == pytest.approx(q["bound"]["value"], rel=1e-9)
        assert q["bound"]["value"] == pytest.approx(_r_ns(n) * r["expressibility"]["d_hs_mean"], rel=1e-9)
        if r["settings"]["embedding"] == "tpe":
            # product data states: pure 2-qubit reductions, D_HS = 1 - 1/4 exactly
            assert r["expressibility"]["d_hs_mean"] == pytest.approx(0.75, abs=1e-9)
        lo, hi = q["sampled"]["ci_low"], q["sampled"]["ci_high"]
        assert lo <= q["exact_circuit"] <= hi
    assert rc == 0
    md = (out / "report.md").read_text()
    assert "| TPE | 2 |" in md and "Fitted decay bases" in md
    assert "\\cite[" in (out / "bounds.tex").read_text()


def test_tiny_demo_figures_tables_and_text_follow_the_fits(tiny_demo):
    out, _ = tiny_demo
    doc = json.loads((out / "report.json").read_text())
    for f in doc["figures"]:
        stem = f["path"][:-4]
        assert (out / f"{stem}.pdf").exists() and (out / f"{stem}.caption.txt").read_text().strip() == f["caption"]
        assert "confidence interval" in f["caption"]  # every bar defined
    table = (out / "table.tex").read_text()
    assert "\\toprule" in table and "\\cite{thanasilp2021subtleties}" in table
    assert "@article{thanasilp2021subtleties" in (out / "bounds.bib").read_text()
    summary = doc["summary"]
    assert "every entangling embedding" not in summary
    for emb, name in (("tpe", "TPE"), ("hee", "HEE")):
        verdict = doc["results"]["fits"][emb]["verdict_normalised"]
        says_exp = f"{name}: the variance divided by r_{{n,s}} (the data's expressibility) decays exponentially" in summary
        assert says_exp == (verdict["label"] == "exponentially vanishing"), (emb, verdict["label"], summary)


def test_tiny_demo_fits_tpe_flat_after_normalisation(tiny_demo):
    out, _ = tiny_demo
    fits = json.loads((out / "report.json").read_text())["results"]["fits"]
    # TPE: D_HS is constant, so the bound / r_{n,s} has base exactly 1
    assert fits["tpe"]["bound_normalised_base"] == pytest.approx(1.0, abs=1e-9)
    assert math.isfinite(fits["hee"]["sampled"]["base"])


def test_point_function_matches_closed_form_for_tpe():
    r = gradient_variance_point({"n": 4, "embedding": "tpe", "n_draws": 40, "n_data": 3, "block_depth": 2})
    assert r["expressibility"]["d_hs_mean"] == pytest.approx(0.75)
    assert r["output"]["bound"]["value"] == pytest.approx(_r_ns(4) * 0.75)
    assert r["settings"]["parameter"].startswith("theta_0_b0_")
    json.dumps(r)  # JSON-ready


def test_shallow_blocks_are_caught_by_the_check():
    """RY-RZ-CZ blocks of depth 1 are far from 2-designs: the sampled interval excludes the
    2-design prediction while it contains the exact value of the concrete circuit."""
    r = gradient_variance_point({"n": 2, "embedding": "tpe", "n_draws": 400, "n_data": 4, "block_depth": 1})
    q = r["output"]
    assert q["verdict"] == "violated"
    verdicts = {c["bound"].split("[")[0].split(" (")[0]: c["verdict"] for c in q["checks"]}
    assert verdicts["thanasilp2021.tensor_product_variance"] == "violated"
    assert verdicts["exact circuit"] == "holds"


def test_demo_points_use_bonferroni_levels():
    cfg = DemoConfig(ns=(4, 6), embeddings=("tpe",), confidence=0.9)
    pts = demo_points(cfg)
    assert [p["n"] for p in pts] == [6, 4]
    assert pts[0]["confidence"] == pytest.approx(1 - 0.1 / 4)
    assert pts[0]["n_bootstrap"] >= 40 / (0.1 / 4) - 1


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="multiple of block_size"):
        DemoConfig(ns=(3,))
    with pytest.raises(ValueError, match="embeddings"):
        DemoConfig(embeddings=("xyz",))
    with pytest.raises(ValueError, match="n_draws"):
        DemoConfig(n_draws=5)
    with pytest.raises(ValueError, match="layers"):
        DemoConfig(layers=0)
    with pytest.raises(ValueError, match="needs"):
        build_point_model({"n": 4})
    with pytest.raises(ValueError, match="unknown embedding"):
        build_point_model({"n": 4, "embedding": "zz"})
    with pytest.raises(TypeError, match="DemoConfig"):
        run_demo({"ns": (4,)})
