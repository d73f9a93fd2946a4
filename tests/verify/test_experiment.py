"""The demo and the reproduction are two configurations of one experiment (issue 14)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bpcalc.verify import demo, reproduce
from bpcalc.verify.experiment import (
    ExperimentConfig,
    experiment_fits,
    experiment_point,
    experiment_points,
    experiment_report,
    experiment_rows,
    run_experiment,
)


def test_demo_and_reproduction_are_configurations_of_one_type():
    d, r = demo.DemoConfig(), reproduce.ReproductionConfig()
    assert type(d) is type(r) is ExperimentConfig
    assert (d.layout, d.datasets, d.sampled_ns, d.exact_ns, d.product_ns) == \
        ("demo", ("digits",), (4, 6, 8, 10, 12), (), ())
    assert (r.layout, r.datasets, r.sampled_ns, r.exact_ns, r.product_ns) == \
        ("reproduction", ("digits", "uniform"), (4, 6, 8, 10, 12, 14, 16), (18, 20), (20, 32, 64, 128, 256))
    # the same settings differ only in the fields that say so
    diff = {f.name for f in dataclasses.fields(ExperimentConfig) if getattr(d, f.name) != getattr(r, f.name)}
    assert diff == {"layout", "datasets", "sampled_ns", "exact_ns", "product_ns", "large_n_data", "large_n_draws"}
    # one runner, one point task
    assert demo.gradient_variance_point.__module__ == reproduce.exact_point.__module__ == "bpcalc.verify.experiment"
    assert reproduce.reproduction_point is experiment_point


def test_points_of_both_configurations():
    d = experiment_points(demo.DemoConfig(ns=(4, 6), embeddings=("tpe", "hee"), confidence=0.9))
    assert [(p["n"], p["embedding"]) for p in d] == [(6, "tpe"), (6, "hee"), (4, "tpe"), (4, "hee")]
    assert {p["mode"] for p in d} == {"sampled"} and {p["dataset"] for p in d} == {"digits"}
    assert d[0]["confidence"] == pytest.approx(1 - 0.1 / 8)
    r = experiment_points(reproduce.ReproductionConfig(sampled_ns=(4, 14), exact_ns=(16,), product_ns=(32, 128),
                                                       embeddings=("tpe", "che")))
    sampled = [p for p in r if p["mode"] == "sampled"]
    exact = [p for p in r if p["mode"] == "exact"]
    assert len(sampled) == 2 * 2 * 2 and sampled[0]["n"] == 14  # most expensive first
    # n > 12: fewer data points and draws; exact-only points: product sizes for TPE, state vectors otherwise
    assert {(p["n"], p["n_data"], p["n_draws"]) for p in sampled} == {(4, 12, 200), (14, 6, 100)}
    assert sorted((p["dataset"], p["embedding"], p["n"]) for p in exact) == [
        ("digits", "che", 16), ("digits", "tpe", 32), ("uniform", "che", 16), ("uniform", "tpe", 32),
        ("uniform", "tpe", 128)]  # digits has 64 features at most
    assert all("n_draws" not in p and p["n_data"] == 6 for p in exact)


def test_configuration_is_validated_in_one_place():
    for make in (demo.DemoConfig, reproduce.ReproductionConfig):
        with pytest.raises(ValueError, match="multiple of block_size"):
            make(**({"ns": (3,)} if make is demo.DemoConfig else {"sampled_ns": (3,)}))
        with pytest.raises(ValueError, match="n_draws"):
            make(n_draws=5)
        with pytest.raises(ValueError, match="embeddings"):
            make(embeddings=("xyz",))
    with pytest.raises(ValueError, match="layout"):
        ExperimentConfig(layout="other")
    with pytest.raises(ValueError, match="exact_ns"):
        reproduce.ReproductionConfig(exact_ns=(26,))
    with pytest.raises(TypeError, match="ReproductionConfig"):
        reproduce.reproduce_dataset_induced_bp({"sampled_ns": (4,)})
    with pytest.raises(TypeError, match="ExperimentConfig"):
        run_experiment({"ns": (4,)}, "out")


def test_one_runner_for_both_layouts(tmp_path):
    """A tiny reproduction (sampled and exact-only points) and a tiny demo through the same
    runner: files, rows, fits and report in each layout."""
    cfg = reproduce.ReproductionConfig(embeddings=("tpe",), datasets=("uniform",), sampled_ns=(2, 4, 6),
                                       exact_ns=(), product_ns=(8,), n_draws=40, n_data=3, large_n_data=3,
                                       block_depth=2, workers=1)
    res = reproduce.reproduce_dataset_induced_bp(cfg, tmp_path / "r", progress=False)
    assert res.failed == 0 and [r["mode"] for r in res.rows] == ["sampled"] * 3 + ["exact"]
    f = res.fits["uniform/tpe"]
    assert f["sampled"]["ns"] == [2, 4, 6] and f["d_hs_all_n"]["n_range"] == [2, 8]
    # TPE: product data states, D_HS = 3/4 at every n: base 1 of mean D_HS over every n
    assert f["d_hs_all_n"]["base"] == pytest.approx(1.0, abs=1e-9)
    for name in ("report.md", "report.json", "points.jsonl", "d_hs_uniform.png", "variance_uniform_tpe.png"):
        assert (tmp_path / "r" / name).exists(), name
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    assert doc["title"].startswith("Reproduction") and doc["config"]["layout"] == "reproduction"
    # the demo layout of the same records: keyed by embedding, the demo's tables
    from bpcalc.verify.sweep import read_records

    records = list(read_records(tmp_path / "r" / "points.jsonl").values())
    rep, rows, fits = experiment_report(records, demo.DemoConfig(ns=(2, 4, 6), embeddings=("tpe",)))
    assert set(fits) == {"tpe"} and rep.title.startswith("bpcalc demo")
    assert fits["tpe"]["sampled"] == f["sampled"]
    loss = experiment_rows(records, "loss")
    assert len(loss) == 3 and len(rows) == 4  # exact-only points have no loss variance
    assert experiment_fits(rows, "reproduction")["uniform/tpe"]["sampled"] == f["sampled"]
