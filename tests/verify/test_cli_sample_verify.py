"""``bpcalc sample`` and ``bpcalc verify``."""

from __future__ import annotations

import json

import pytest

from bpcalc.verify.cli import main


def test_sample_json(capsys):
    rc = main(["sample", "--ansatz", "hea", "--qubits", "3", "--layers", "2", "--draws", "200",
               "--parameters", "all", "--seed", "1", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_qubits"] == 3 and len(out["estimates"]) == 12
    e = out["estimates"][0]
    assert e["ci_low"] <= e["value"] <= e["ci_high"] and e["n_samples"] == 200


def test_sample_with_data_shots_and_noise(capsys):
    rc = main(["sample", "--ansatz", "tpa", "--block-depth", "1", "--qubits", "4", "--embedding", "tpe", "--n-data", "3", "--loss", "mse",
               "--draws", "8", "--shots", "50", "--engine", "density_matrix", "--noise", "depolarizing:0.01"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "50 shots" in text and "density_matrix" in text


def test_verify_writes_plot_and_reports(tmp_path, capsys):
    stem = tmp_path / "hea"
    rc = main(["verify", "--ansatz", "hea", "--qubits", "2..4", "--layers", "1", "--draws", "300",
               "--plot", str(stem), "--json", "--confidence", "0.999"])
    out = json.loads(capsys.readouterr().out)
    # every bound checked is a theorem (or the exact value): with a fixed seed none may be violated
    assert rc == 0 and out["violated"] is False
    assert (tmp_path / "hea.png").exists() and (tmp_path / "hea.pdf").exists()
    # HEA, one layer, local cost (1/n)·Σ Z_i, ∂/∂θ_0_0_0: the exact engine gives 1/(8 n²) at every n,
    # so the truth is polynomial of degree -2; each 99.9 % interval must contain it
    for p in out["points"]:
        e = p["estimate"]
        assert e["parameter"] == "theta_0_0_0"
        assert e["ci_low"] <= 1 / (8 * p["n"] ** 2) <= e["ci_high"], p
        assert p["checks"]["counts"]["violated"] == 0 and p["checks"]["counts"]["holds"] >= 1
    fit = out["fit"]
    assert fit["better"] == "polynomial"
    assert abs(fit["degree"] + 2) < 3 * fit["degree_se"]
    assert fit["label"] == "undecided"  # the one verdict rule: never from 3 sizes


def test_bad_input_exit_code(capsys):
    assert main(["sample", "--ansatz", "hea", "--draws", "10"]) == 2
    assert "--qubits" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # a malformed --layers is refused by the parser
        main(["sample", "--qubits", "3", "--layers", "x", "--draws", "10"])
    assert exc.value.code == 2
    assert main(["sample", "--qubits", "3", "--noise", "depolarizing", "--engine", "density_matrix",
                 "--draws", "10"]) == 2
