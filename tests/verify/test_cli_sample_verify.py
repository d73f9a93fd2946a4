"""``bpcalc sample`` and ``bpcalc verify``."""

from __future__ import annotations

import json

from verify.cli import main


def test_sample_json(capsys):
    rc = main(["sample", "--ansatz", "hea", "--qubits", "3", "--layers", "2", "--samples", "200",
               "--parameters", "all", "--seed", "1", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_qubits"] == 3 and len(out["estimates"]) == 12
    e = out["estimates"][0]
    assert e["ci_low"] <= e["value"] <= e["ci_high"] and e["n_samples"] == 200


def test_sample_with_data_shots_and_noise(capsys):
    rc = main(["sample", "--ansatz", "tp", "--qubits", "4", "--embedding", "tpe", "--n-data", "3", "--loss", "mse",
               "--samples", "8", "--shots", "50", "--engine", "density_matrix", "--noise", "depolarizing:0.01"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "50 shots" in text and "density_matrix" in text


def test_verify_writes_plot_and_reports(tmp_path, capsys):
    stem = tmp_path / "hea"
    rc = main(["verify", "--ansatz", "hea", "--qubits", "2", "3", "4", "--layers", "1", "--samples", "300",
               "--plot", str(stem), "--json", "--confidence", "0.999"])
    out = json.loads(capsys.readouterr().out)
    assert rc in (0, 1) and rc == int(out["violated"])
    assert (tmp_path / "hea.png").exists() and (tmp_path / "hea.pdf").exists()
    assert out["fit"]["better"] in ("exponential", "polynomial")
    assert all(p["checks"] is not None for p in out["points"])


def test_bad_input_exit_code(capsys):
    assert main(["sample", "--ansatz", "hea", "--samples", "10"]) == 2
    assert "--qubits" in capsys.readouterr().err
    assert main(["sample", "--qubits", "3", "--layers", "x", "--samples", "10"]) == 2
    assert main(["sample", "--qubits", "3", "--noise", "depolarizing", "--engine", "density_matrix",
                 "--samples", "10"]) == 2
