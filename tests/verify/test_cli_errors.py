"""Bad input to ``bpcalc`` gets one clear line on stderr and a non-zero exit — never a
traceback, a hang or a silently wrong answer (issue 13, "Bad input …" and "No lost results").

Each test runs the command in-process through :func:`bpcalc.verify.cli.main` and checks: the exit
code, exactly one line on stderr naming the problem, no ``Traceback``.  Where the right
answer is to work (``--engine density``, ``--state '+,-,-i'``, …) the test checks the result.
"""

from __future__ import annotations

import json
import math
import pathlib
import socket

import cirq
import numpy as np
import pytest

from bpcalc.verify.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors exit from parse_args
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *words):
    assert code not in (0, None), err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.fixture
def one_qubit_qasm(tmp_path):
    path = tmp_path / "c.qasm"
    path.write_text(HEADER + "qreg q[2];\nry(a) q[0];\ncx q[0], q[1];\nry(b) q[1];\n")
    return str(path)


# ----------------------------------------------------------------------------- analyze


def test_analyze_engine_density_works(capsys, one_qubit_qasm):
    code, out, err = run(capsys, "analyze", one_qubit_qasm, "--observable", "Z1", "--no-theorems", "--draws", "40",
                         "--engine", "density", "--json")
    assert code == 0, err
    doc = json.loads(out)
    sampled = {p["parameter"]: p["sampled"] for p in doc["results"]["analysis"]["parameters"]}
    assert sampled["a"] is not None and sampled["a"]["engine"] == "density_matrix"
    assert sampled["b"]["value"] > 0


def test_analyze_unknown_engine_refused_at_parse_time(capsys, one_qubit_qasm):
    code, _, err = run(capsys, "analyze", one_qubit_qasm, "--draws", "10", "--engine", "nosuch")
    assert_one_line_error(code, err, "nosuch", "density_matrix", "own")


def test_analyze_sample_zero_refused(capsys, one_qubit_qasm):
    code, _, err = run(capsys, "analyze", one_qubit_qasm, "--draws", "0")
    assert_one_line_error(code, err, "--draws", "positive")


def test_analyze_library_refuses_sample_zero_and_unknown_engine(one_qubit_qasm):
    from bpcalc.verify.architecture import analyze_architecture

    with pytest.raises(ValueError, match="sample"):
        analyze_architecture(one_qubit_qasm, "Z1", sample=0, theorems=False)
    with pytest.raises(ValueError, match="nosuch"):
        analyze_architecture(one_qubit_qasm, "Z1", sample=10, sample_engine="nosuch", theorems=False)


def test_unknown_declared_assumption_refused_with_known_keys(capsys):
    code, _, err = run(capsys, "bounds", "--declare", "nosuch_key", "--qubits", "4")
    assert_one_line_error(code, err, "nosuch_key", "blocks_are_2_designs", "embedding_two_design")


def test_known_declared_assumption_accepted(capsys):
    from bpcalc.verify.cli import build_parser

    args = build_parser().parse_args(["bounds", "--declare", "blocks_are_2_designs,embedding_two_design"])
    assert args.declare == ["blocks_are_2_designs", "embedding_two_design"]


# ----------------------------------------------------------------------------- sample / exact


def test_sample_dataset_without_embedding_refused(capsys):
    code, _, err = run(capsys, "sample", "--qubits", "4", "--dataset", "digits", "--draws", "10")
    assert_one_line_error(code, err, "--dataset digits", "--embedding")


def test_bounds_dataset_without_embedding_refused(capsys):
    code, _, err = run(capsys, "bounds", "--embedding", "none", "--dataset", "iris", "--qubits", "4")
    assert_one_line_error(code, err, "--dataset iris", "embedding")


def test_sample_huge_qubit_count_refused_before_building(capsys):
    code, _, err = run(capsys, "sample", "--qubits", "100000")
    assert_one_line_error(code, err, "100000 qubits", "bpcalc exact")
    code, _, err = run(capsys, "sample", "--qubits", "40")   # a MemoryBudgetExceeded, not a traceback
    assert_one_line_error(code, err, "40 qubits", "memory budget")


@pytest.mark.parametrize("obs, words", [("Z0*", ["'Z0*'", "ends with '*'"]),
                                        ("1e400*Z0", ["1e400", "finite"]),
                                        ("0.5*", ["ends with '*'"])])
def test_bad_observable_strings(capsys, obs, words):
    code, _, err = run(capsys, "exact", "--qubits", "4", "--observable", obs)
    assert_one_line_error(code, err, *words)


# ----------------------------------------------------------------------------- compare


def test_compare_architecture_impossible_at_every_size(capsys):
    code, _, err = run(capsys, "compare", "qcnn", "--qubits", "6")
    assert_one_line_error(code, err, "qcnn", "n = 6", "power of two")


def test_compare_unknown_parameter(capsys):
    code, _, err = run(capsys, "compare", "hea", "--qubits", "4", "--parameter", "nosuch")
    assert_one_line_error(code, err, "'nosuch'", "first")


def test_compare_mixed_sizes_still_reports_the_impossible_ones(capsys):
    code, out, err = run(capsys, "compare", "hea", "qcnn", "--qubits", "4,6")
    assert code == 0, err
    assert "qcnn n = 6" in out and "power of two" in out


# ----------------------------------------------------------------------------- demo / sweep


def test_demo_unknown_dataset_refused_before_any_point(capsys, tmp_path):
    out = tmp_path / "demo"
    code, _, err = run(capsys, "demo", "--quick", "--dataset", "nosuch", "--out", str(out))
    assert_one_line_error(code, err, "nosuch", "digits")
    assert not out.exists()


def test_demo_config_refuses_unknown_dataset():
    from bpcalc.verify.demo import DemoConfig

    with pytest.raises(ValueError, match="nosuch"):
        DemoConfig(dataset="nosuch")


def test_demo_out_below_a_file(capsys, tmp_path):
    blocker = tmp_path / "hostname"
    blocker.write_text("x")
    code, _, err = run(capsys, "demo", "--quick", "--out", str(blocker / "sub"), "--no-progress")
    assert_one_line_error(code, err, "not a directory", str(blocker))


def test_sweep_unreachable_scheduler_fails_fast_in_one_line(capsys, tmp_path):
    # a bound but non-listening socket: connections to it are refused, and no one else can take the port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        out = tmp_path / "sw.jsonl"
        code, _, err = run(capsys, "sweep", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out),
                           "--no-progress", "--qubits", "4", "--embeddings", "tpe")
    assert_one_line_error(code, err, f"tcp://127.0.0.1:{port}", "cannot reach")
    assert not out.exists()   # refused before the file is touched: a retry needs no --force


def test_malformed_scheduler_address():
    from bpcalc.verify.sweep import check_scheduler_reachable

    with pytest.raises(ValueError, match="tcp://host:port"):
        check_scheduler_reachable("tcp://nohostport")


# ----------------------------------------------------------------------------- factories


def test_factory_that_raises_gives_its_exception_and_location(capsys, tmp_path):
    f = tmp_path / "fam.py"
    f.write_text("import cirq\n\ndef boom(n=4):\n    raise RuntimeError('no circuit today')\n")
    code, _, err = run(capsys, "analyze", f"{f}:boom", "--observable", "Z0")
    assert_one_line_error(code, err, "RuntimeError: no circuit today", f"{f}:4", "boom")


def test_factory_file_that_fails_to_import(capsys, tmp_path):
    f = tmp_path / "bad.py"
    f.write_text("x = 1\ny = 1 / 0\n")
    code, _, err = run(capsys, "analyze", f"{f}:anything", "--observable", "Z0")
    assert_one_line_error(code, err, "ZeroDivisionError", f"{f}:2")


def test_family_factory_that_raises_in_compare(capsys, tmp_path):
    f = tmp_path / "fam2.py"
    f.write_text("def fam(n):\n    return {}['missing']\n")
    code, _, err = run(capsys, "compare", f"{f}:fam", "--qubits", "4")
    assert_one_line_error(code, err, "KeyError", f"{f}:2")


# ----------------------------------------------------------------------------- bounds at huge n


def test_bounds_huge_n_refused_at_once_with_the_closed_form_route(capsys):
    code, _, err = run(capsys, "bounds", "--qubits", "1000000", "--dataset", "uniform")
    assert_one_line_error(code, err, "1000000", "--theorem")
    # the digits dataset limit (64 features) is checked before any model is built
    code, _, err = run(capsys, "bounds", "--qubits", "4,100")
    assert_one_line_error(code, err, "64 PCA features")


def test_closed_form_at_a_million_qubits_in_log_space(capsys):
    code, out, err = run(capsys, "bounds", "--theorem", "thanasilp2021.tensor_product_variance",
                         "--value", "n=1000000", "--value", "s=2")
    assert code == 0, err
    line = next(l for l in out.splitlines() if "at n=1000000, s=2" in l)
    # independent: 2^{3s-3} s (2^s - 2^-s) / (n^2 (2^n + 1) (2^{2s} - 1)^2), logs by hand
    n, s = 10**6, 2
    expected = (math.log10(2 ** (3 * s - 3) * s * (2**s - 2**-s) / (2 ** (2 * s) - 1) ** 2)
                - 2 * math.log10(n) - n * math.log10(2))
    got = float(line.split("log10 ")[1].split(")")[0])
    assert abs(got - expected) < 1e-3 * abs(expected) and abs(got - expected) < 1.0
    assert "give --value for D_HS" in out   # bounds that need data are not invented


# ----------------------------------------------------------------------------- product states


def test_product_state_with_minus_i_via_the_cli(capsys):
    code, out, err = run(capsys, "exact", "--qubits", "3", "--layers", "1", "--observable", "Z0", "--state", "+,-,-i", "--json")
    assert code == 0, err
    code, _, err = run(capsys, "exact", "--qubits", "3", "--state", "0x1")
    assert_one_line_error(code, err, "--state", "'x'")


# ----------------------------------------------------------------------------- partly supported circuits


def test_fsim_parameters_get_exact_values_and_are_sampled_where_possible(capsys, tmp_path):
    f = tmp_path / "mixed.py"
    f.write_text(
        "import cirq, sympy\n"
        "def circ():\n"
        "    q = cirq.LineQubit.range(3)\n"
        "    a, b, c, d = sympy.symbols('a b c d')\n"
        "    return cirq.Circuit(cirq.ry(a).on(q[0]), cirq.ry(b).on(q[1]), cirq.CZ(q[0], q[1]),\n"
        "                        cirq.FSimGate(c, 0.3).on(q[1], q[2]), cirq.ry(d).on(q[2]))\n"
    )
    code, out, err = run(capsys, "analyze", f"{f}:circ", "--observable", "Z2", "--no-theorems", "--draws", "300",
                         "--json")
    assert code == 0, err
    params = {p["parameter"]: p for p in json.loads(out)["results"]["analysis"]["parameters"]}
    # the plain RY parameters get numbers although FSim(c) sits in the same circuit …
    assert params["d"]["sampled"] is not None and params["b"]["sampled"] is not None
    # … d sits after every other gate: independent value by exact trigonometric-grid averaging
    est = params["d"]["sampled"]
    assert est["ci_low"] <= _var_d_exact() <= est["ci_high"]
    # the exact engine writes FSim(c, 0.3) as Pauli rotations (XX, YY by c; fixed Z, ZZ rotations):
    # every parameter has an exact value, d's equal to the independent grid average
    assert abs(params["d"]["exact"]["value"] - _var_d_exact()) < 1e-10
    assert params["c"]["exact"] is not None and params["c"]["exact"]["value"] > 0
    # … the samplers still cannot differentiate c (no parameter-shift rule for its gate)
    assert params["c"]["sampled"] is None


def _var_d_exact() -> float:
    """Var[∂_d <Z2>] of the circuit above: ry(d) last, so ∂_d<Z2> = -sin d <Z2>' - cos d <X2>' and
    Var = E[(<Z2>'^2 + <X2>'^2)] / 2 over a, b, c — trigonometric polynomials of degree <= 4,
    averaged exactly on a 9-point grid per angle (statevector, no bpcalc engine)."""
    import itertools

    import sympy

    q = cirq.LineQubit.range(3)
    a, b, c = sympy.symbols("a b c")
    circ = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.ry(b).on(q[1]), cirq.CZ(q[0], q[1]),
                        cirq.FSimGate(c, 0.3).on(q[1], q[2]))
    sim = cirq.Simulator(dtype=np.complex128)
    grid = 2 * np.pi * np.arange(9) / 9
    index = {x: i for i, x in enumerate(q)}
    total = 0.0
    for va, vb, vc in itertools.product(grid, grid, grid):
        psi = sim.simulate(circ, cirq.ParamResolver({a: va, b: vb, c: vc}), qubit_order=q).final_state_vector
        z = cirq.Z(q[2]).expectation_from_state_vector(psi, index).real
        x = cirq.X(q[2]).expectation_from_state_vector(psi, index).real
        total += 0.5 * (z * z + x * x)
    return total / len(grid) ** 3


def test_docs_outside_a_checkout_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "docs")
    assert_one_line_error(code, err, "checkout", "--out")
    assert not (tmp_path / "docs").exists()


def test_docs_find_the_checkout_from_a_subdirectory(tmp_path, monkeypatch):
    from bpcalc.verify.docgen import find_docs_dir

    monkeypatch.chdir(ROOT / "tests")
    assert find_docs_dir() == ROOT / "docs"
    assert find_docs_dir(tmp_path) is None


# ----------------------------------------------------------------------------- no traceback, ever


def test_user_lookup_error_prints_its_message():
    from bpcalc.verify.cli import UserLookupError, one_line

    assert one_line(UserLookupError("no parameter 'x'; known: a, b")) == "no parameter 'x'; known: a, b"
    assert one_line(FileNotFoundError(2, "No such file or directory", "/nope")) == "No such file or directory: /nope"


def test_a_real_bug_still_raises(monkeypatch):
    import bpcalc.verify.commands.info as info

    def broken(args):
        raise ZeroDivisionError("a bug, not a user error")

    monkeypatch.setattr(info, "run", broken)
    from bpcalc.verify.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["info"])
    args.func = broken
    monkeypatch.setattr("bpcalc.verify.cli.build_parser", lambda: _FixedParser(parser, args))
    with pytest.raises(ZeroDivisionError):
        main(["info"])


class _FixedParser:
    def __init__(self, parser, args):
        self._parser, self._args = parser, args

    def parse_args(self, argv):
        return self._args

    def print_help(self):  # pragma: no cover
        self._parser.print_help()


def test_sweep_task_module_that_fails_to_import(capsys, tmp_path, monkeypatch):
    (tmp_path / "badtask.py").write_text("import os\nraise RuntimeError('half-written module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _, err = run(capsys, "sweep", "--task", "badtask:f", "--out", str(tmp_path / "o.jsonl"), "--no-progress")
    assert_one_line_error(code, err, "RuntimeError: half-written module", "badtask.py:2")
