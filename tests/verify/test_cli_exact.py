"""``bpcalc exact`` command line."""

from __future__ import annotations

import json

import cirq
import numpy as np

import circuits
from bounds import exact as E
from verify.cli import main


def test_exact_table_reports_method_and_values(capsys):
    assert main(["exact", "--ansatz", "hea", "--qubits", "6", "--layers", "2", "--parameters", "first", "--loss"]) == 0
    out = capsys.readouterr().out
    assert "method: exact" in out and "theta_0_0_0" in out and "Var[ℓ]" in out
    ref = E.exact_gradient_variance(circuits.hardware_efficient(6, 2), "Z0", None, "first")
    assert f"{ref.values[0]:.4e}" in out


def test_exact_json_matches_library(capsys):
    assert main(["exact", "--ansatz", "tpa", "--block", "2", "--qubits", "4,6", "--observable", "local",
                 "--parameters", "theta_0_b0_*", "--two-design", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [p["n"] for p in payload] == [4, 6]
    for entry in payload:
        n = entry["n"]
        circ = circuits.tensor_product(n, 2, block_depth=2)
        obs = circuits.local_cost(cirq.LineQubit.range(n))
        ref = E.exact_gradient_variance(circ, obs, None, "theta_0_b0_*")
        np.testing.assert_allclose(entry["gradient"]["values"], ref.values, atol=1e-15)
        assert entry["gradient"]["method"] == "exact"
        np.testing.assert_allclose(entry["two_design"]["values"], E.seed_r_ns(n, 2) * 0.75, atol=1e-15)


def test_exact_large_n_is_path_sampled_with_ci(capsys):
    assert main(["exact", "--ansatz", "hea", "--qubits", "200", "--observable", "Zmid", "--samples", "4096"]) == 0
    out = capsys.readouterr().out
    assert "path-sampled (4096 paths, 95% CI clopper-pearson)" in out
    assert "summary over" in out


def test_exact_bad_input_exit_code(capsys):
    assert main(["exact", "--qubits", "x"]) == 2
    assert main(["exact", "--qubits", "4", "--parameters", "nope"]) == 2
    assert main(["exact", "--qubits", "4", "--layers", "0"]) == 2
    assert main(["exact", "--qubits", "4", "--observable", "Z9"]) == 2
    err = capsys.readouterr().err
    assert "bpcalc exact: error" in err
