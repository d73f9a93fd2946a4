"""``bpcalc exact`` command line."""

from __future__ import annotations

import json

import cirq
import numpy as np

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.verify.cli import main


def test_exact_table_reports_method_and_values(capsys):
    assert main(["exact", "--ansatz", "hea", "--qubits", "6", "--layers", "2", "--observable", "Z0", "--parameters", "first", "--loss"]) == 0
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
    argv = ["exact", "--ansatz", "hea", "--qubits", "200", "--observable", "Zmid", "--paths", "4096"]
    assert main(argv + ["--method", "sample"]) == 0
    out = capsys.readouterr().out
    assert "path-sampled (4096 paths, 95% CI clopper-pearson)" in out
    assert "summary over" in out
    # 'auto' (the default): the light cone's exact network is admitted by its cost model (issue 16)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "tensor network, exact" in out and "path-sampled" not in out


def _code(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # malformed --qubits / --layers are refused by the parser (exit 2)
        return exc.code


def test_exact_bad_input_exit_code(capsys):
    assert _code(["exact", "--qubits", "x"]) == 2
    assert main(["exact", "--qubits", "4", "--parameters", "nope"]) == 2
    assert _code(["exact", "--qubits", "4", "--layers", "0"]) == 2
    assert main(["exact", "--qubits", "4", "--observable", "Z9"]) == 2
    err = capsys.readouterr().err
    assert "bpcalc exact: error" in err


def test_sampled_zero_prints_upper_limit_not_zero(capsys):
    """Issue 13 item 1: no '(the rest exactly 0)' for path-sampled zeros; an upper limit instead."""
    assert main(["exact", "--qubits", "10", "--observable", "global", "--method", "sample", "--paths", "64",
                 "--parameters", "theta_0_*"]) == 0
    out = capsys.readouterr().out
    assert "below resolution of path sampling" in out
    assert "the rest exactly 0" not in out
    ub = 1 - 0.025 ** (1 / 64)
    assert f"< {ub:.2g}" in out
    assert main(["exact", "--qubits", "10", "--observable", "global", "--method", "sample", "--paths", "64",
                 "--parameters", "theta_0_*", "--json"]) == 0
    grad = json.loads(capsys.readouterr().out)[0]["gradient"]
    assert all(grad["below_resolution"]) and not any(grad["proven_zero"])
    assert all(u is not None and u > 0 for u in grad["upper_limit"])


def test_scaling_fit_does_not_call_sampled_zeros_identically_zero():
    from bpcalc.verify.architecture import fit_scaling

    fit = fit_scaling([10, 12, 14], [0.0, 0.0, 0.0], [(0.0, 5.6e-5), (0.0, 5.6e-5), (0.0, 5.6e-5)])
    assert fit.label != "zero" and "below the resolution" in fit.text
    assert fit_scaling([10, 12, 14], [0.0, 0.0, 0.0]).label == "zero"  # proved zeros (no interval) stay zero


def test_exact_noise_flag_matches_library(capsys):
    assert main(["exact", "--qubits", "4", "--layers", "3", "--observable", "local", "--noise", "amplitude_damp:0.05",
                 "--parameters", "theta_2_*", "--json"]) == 0
    grad = json.loads(capsys.readouterr().out)[0]["gradient"]
    qs = cirq.LineQubit.range(4)
    ref = E.exact_gradient_variance(circuits.hardware_efficient(4, 3), circuits.local_cost(qs), None, "theta_2_*",
                                    noise=cirq.amplitude_damp(0.05))
    np.testing.assert_allclose(grad["values"], ref.values, atol=1e-15)
    noiseless = E.exact_gradient_variance(circuits.hardware_efficient(4, 3), circuits.local_cost(qs), None,
                                          "theta_2_*")
    assert not np.allclose(ref.values, noiseless.values)
    assert main(["exact", "--noise", "depolarize"]) == 2
    assert "takes 1 number" in capsys.readouterr().err


def test_exact_init_and_noise_flags_together(capsys):
    assert main(["exact", "--qubits", "4", "--layers", "2", "--observable", "Z0", "--noise", "depolarize:0.01", "--init", "gaussian:0.1",
                 "--parameters", "first", "--json"]) == 0
    grad = json.loads(capsys.readouterr().out)[0]["gradient"]
    ref = E.exact_gradient_variance(circuits.hardware_efficient(4, 2), "Z0", None, "first",
                                    noise=cirq.depolarize(0.01), init="gaussian:0.1")
    np.testing.assert_allclose(grad["values"], ref.values, atol=1e-15)
    np.testing.assert_allclose(grad["gradient_mean"], ref.gradient_mean, atol=1e-15)
    assert main(["exact", "--init", "cauchy:1"]) == 2


def test_exact_two_design_says_which_engine_ran(capsys):
    """Few block qubits: the support chain; more: the MPS network (same numbers: tests of two_design_tn)."""
    assert main(["exact", "--ansatz", "ala", "--block", "2", "--qubits", "4,12", "--layers", "3",
                 "--parameters", "theta_0_b0_0", "--two-design"]) == 0
    out = capsys.readouterr().out
    assert "two_design: 2-design support chain" in out
    assert "two_design: 2-design network (MPS over qubits" in out
    assert "NOT certified" not in out
    qs = cirq.LineQubit.range(12)
    ref = E.two_design_gradient_variance(circuits.alternating_layered(12, 3, 2), circuits.local_cost(qs), None,
                                         ["theta_0_b0_0"])
    assert f"{ref.values[0]:.4e}" in out
