"""``bpcalc bounds``: listing, single theorems, the table over n, and bad input."""

from __future__ import annotations

import json

import pytest

from bpcalc.verify.cli import main
from bpcalc.verify.commands.bounds import parse_qubits, render_latex, render_text


def test_list_and_single_theorem(capsys):
    assert main(["bounds", "--list"]) == 0
    out = capsys.readouterr().out
    assert "thanasilp2021.tensor_product_variance" in out and "arXiv:2110.14753" in out and "[verified; recalled]" in out and "[verified; derived]" in out
    assert main(["bounds", "--theorem", "mcclean2018.two_design", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\frac" in out and "arXiv:1803.11173" in out


def test_table_json_and_latex(capsys):
    args = ["bounds", "--ansatz", "tpa", "--block", "2", "--embedding", "hee", "--embedding-layers", "2", "--dataset", "digits",
            "--n-data", "8", "--qubits", "4,6", "--theorem", "thanasilp2021", "--no-exact", "--no-ensemble",
            "--random-blocks"]
    assert main(args + ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in result["rows"]] == [4, 6]
    cell = result["rows"][0]["cells"]["thanasilp2021.tensor_product_variance:local_cost"]
    assert cell["applicable"] and cell["value"] > 0
    assert any("local_cost" in c["column"] for c in result["closed_forms"])
    assert r"\begin{tabular}" in render_latex(result)
    text = render_text(result)
    assert "columns" in text and "tensor_product_variance:local_cost" in text


def test_bad_input(capsys):
    assert main(["bounds", "--theorem", "nobody2099.x"]) == 2
    assert "matches no registered theorem" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # a malformed --qubits is refused by the parser
        main(["bounds", "--qubits", "4,x", "--no-exact"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["bounds", "--ansatz", "mystery"])
    with pytest.raises(ValueError):
        parse_qubits("")
    assert parse_qubits("4..8:2,5") == [4, 5, 6, 8]


@pytest.mark.slow
def test_issue_example_runs_on_real_digits(capsys):
    assert main(["bounds", "--ansatz", "tpa", "--block", "2", "--embedding", "hee", "--embedding-layers", "2",
                 "--dataset", "digits", "--qubits", "4,6,8,10"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") > 10 and "tensor_product_variance" in out


def test_global_projector_bound_and_sampled_exact_column(capsys, monkeypatch):
    """Theorem 1 (i) of Cerezo et al. end to end; a path-sampled 'exact' value shows its interval."""
    import bpcalc.bounds.exact.pauli_paths as pp

    import bpcalc.bounds.exact.tensor_network as tn

    monkeypatch.setattr(pp, "AUTO_TN_FALLBACK_BOND", 0)  # keep the path-sampled route (the network would be exact)
    monkeypatch.setattr(tn, "AUTO_MAX_BOND_PROJECTOR", 0)  # also for the global cost's projector route
    args = ["bounds", "--ansatz", "ala", "--block", "2", "--layers", "2", "--block-depth", "2", "--embedding", "none",
            "--qubits", "4,8", "--observable", "global", "--random-blocks", "--theorem", "cerezo2021", "--no-ensemble"]
    assert main(args + ["--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    rows = {r["n"]: r for r in result["rows"]}
    cell = rows[8]["cells"]["cerezo2021.global_cost_projector:global_cost_upper"]
    assert cell["applicable"] and 0 < cell["value"] < rows[4]["cells"][
        "cerezo2021.global_cost_projector:global_cost_upper"]["value"]
    exact4, exact8 = rows[4]["exact"], rows[8]["exact"]
    assert exact4["method"] == "exact" and exact4["ci_high"] is None and exact4["text"] == f"{exact4['value']:.3g}"
    assert exact8["method"] == "path-sampled" and exact8["ci_low"] <= exact8["value"] <= exact8["ci_high"]
    text = render_text(result)
    # no Pauli path survived: an upper limit, never a zero (issue 13 item 1)
    assert exact8["value"] == 0 and exact8["below_resolution"]
    assert f"< {exact8['ci_high']:.3g} (below resolution of path sampling)" in text and "path-sampled estimate" in text


def test_sampled_exact_with_label_weights_keeps_the_interval_on_the_linear_loss(capsys, monkeypatch):
    """With a labelled dataset the engine's interval is for the linear loss, not for the dataset mean."""
    import bpcalc.bounds.exact.pauli_paths as pp

    import bpcalc.bounds.exact.tensor_network as tn

    monkeypatch.setattr(pp, "AUTO_TN_FALLBACK_BOND", 0)  # keep the path-sampled route (the network would be exact)
    monkeypatch.setattr(tn, "AUTO_MAX_BOND_PROJECTOR", 0)  # also for the global cost's projector route
    args = ["bounds", "--ansatz", "ala", "--block", "2", "--layers", "2", "--block-depth", "2", "--embedding", "tpe",
            "--dataset", "uniform", "--n-data", "4", "--qubits", "8", "--observable", "global", "--random-blocks",
            "--theorem", "cerezo2021", "--no-ensemble", "--json"]
    assert main(args) == 0
    exact = json.loads(capsys.readouterr().out)["rows"][0]["exact"]
    assert exact["method"] == "path-sampled" and exact["sampled"]
    assert exact["ci_low"] is None and exact["text"].endswith("~")
    lo, hi = exact["linear_loss_ci"]
    assert lo <= exact["linear_loss"] <= hi
