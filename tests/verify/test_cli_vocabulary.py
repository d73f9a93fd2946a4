"""One CLI vocabulary (issue 14, deliverable 4): every command reads ``--qubits``, ``--layers``,
``--ansatz``, ``--draws`` / ``--paths`` / ``--n-data``, ``--observable`` and ``--theorem`` the same
way; old spellings work for one release with one deprecation line on stderr; unknown names are
refused in one line with exit code 2.

The parser-level tests only parse (no engine runs); a few end-to-end runs check that an old and a
new spelling give the same numbers.
"""

from __future__ import annotations

import argparse
import json

import pytest

from bpcalc.verify.cli import build_parser, main
from bpcalc.verify.commands import _args as A

# the positional arguments a command needs before its options
COMMANDS_WITH_QUBITS = {
    "bounds": [],
    "exact": [],
    "sample": [],
    "verify": [],
    "hardware": [],
    "analyze": ["circuit.qasm"],
    "compare": ["hea"],
    "demo": [],
    "sweep": [],
}
GRAMMAR = [
    ("8", (8,)),
    ("4,8,16", (4, 8, 16)),
    ("4..8", (4, 5, 6, 7, 8)),
    ("4..12:4", (4, 8, 12)),
    ("4..32:x2", (4, 8, 16, 32)),
    ("4,8..10", (4, 8, 9, 10)),
    ("8,4,4", (4, 8)),
]


def parse(argv):
    return build_parser().parse_args(argv)


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", sorted(COMMANDS_WITH_QUBITS))
@pytest.mark.parametrize("spec,expected", GRAMMAR)
def test_every_command_reads_the_same_qubits_grammar(command, spec, expected, capsys):
    args = parse([command, *COMMANDS_WITH_QUBITS[command], "--qubits", spec])
    assert args.qubits == expected
    capsys.readouterr()


@pytest.mark.parametrize("command", sorted(COMMANDS_WITH_QUBITS))
@pytest.mark.parametrize("bad", ["x", "4-8", "8..4", "0", "4,,8", "4..8:0", "4..8:x1"])
def test_every_command_refuses_bad_qubits_in_one_line(command, bad, capsys):
    code, out, err = run(capsys, command, *COMMANDS_WITH_QUBITS[command], "--qubits", bad)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--qubits" in lines[0] and "Traceback" not in err, err


def test_parse_qubits_library_function():
    assert A.parse_qubits([6, 4, 6]) == (4, 6)
    assert A.parse_qubits(5) == (5,)
    with pytest.raises(ValueError, match="cannot read qubit counts.*every integer"):
        A.parse_qubits("4to8")
    with pytest.raises(TypeError):
        A.parse_qubits(True)


@pytest.mark.parametrize("command", ["bounds", "exact", "sample", "verify", "hardware", "sweep", "demo"])
def test_space_separated_qubits_still_work_with_a_deprecation_line(command, capsys):
    args = parse([command, "--qubits", "4", "6", "8"])
    err = capsys.readouterr().err
    assert args.qubits == (4, 6, 8)
    assert err.count("\n") == 1 and "DeprecationWarning" in err and "--qubits 4,6,8" in err


@pytest.mark.parametrize("command,old", [("demo", "--n"), ("sweep", "--n")])
def test_old_n_option_is_qubits(command, old, capsys):
    args = parse([command, old, "4", "6"])
    assert args.qubits == (4, 6)
    assert "use --qubits" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["bounds", "exact", "sample", "verify", "hardware"])
def test_every_command_knows_the_same_ansatz_names_and_aliases(command, capsys):
    from bpcalc import circuits

    for name in circuits.ANSATZE:
        assert parse([command, "--ansatz", name]).ansatz == name
    for alias, key in circuits.ANSATZ_ALIASES.items():
        assert parse([command, "--ansatz", alias]).ansatz == key
    err = capsys.readouterr().err
    assert "DeprecationWarning: --ansatz tp" in err and "use --ansatz tpa" in err
    assert err.count("DeprecationWarning") == 1  # only 'tp' is a deprecated spelling
    code, _, err = run(capsys, command, "--ansatz", "nosuch")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "unknown ansatz 'nosuch'" in err


@pytest.mark.parametrize("command,default", [("bounds", None), ("exact", "log"), ("sample", "1"), ("verify", "1"),
                                             ("hardware", "1")])
def test_every_command_reads_the_same_layers_type(command, default, capsys):
    args = parse([command])
    if default is not None:
        assert args.layers == default
    for text, at9 in (("3", 3), ("n", 9), ("log", 4), ("LOG", 4)):
        assert parse([command, "--layers", text]).layers.at(9) == at9
    for bad in ("0", "x", "-1"):
        code, _, err = run(capsys, command, "--layers", bad)
        assert code == 2 and len(err.strip().splitlines()) == 1 and "--layers" in err


def test_layers_type():
    assert A.Layers("n").at(7) == 7 and A.Layers("log").at(1) == 1 and A.Layers("log").at(16) == 4
    assert json.dumps({"l": A.Layers("log")}) == '{"l": "log"}'
    with pytest.raises(ValueError, match="'n'"):
        A.Layers("2.5")


@pytest.mark.parametrize("command,old,dest,new", [
    ("sample", "--samples", "draws", "--draws"),
    ("verify", "--samples", "draws", "--draws"),
    ("analyze", "--sample", "draws", "--draws"),
    ("demo", "--n-draws", "draws", "--draws"),
    ("reproduce", "--n-draws", "draws", "--draws"),
    ("exact", "--samples", "paths", "--paths"),
    ("compare", "--samples", "paths", "--paths"),
    ("bounds", "--samples", "n_data", "--n-data"),
    ("sample", "--block-size", "block", "--block"),
    ("analyze", "--layers", "embedding_layers", "--embedding-layers"),
])
def test_old_count_spellings_map_to_the_new_ones_with_one_deprecation_line(command, old, dest, new, capsys):
    pos = {"analyze": ["c.qasm"], "compare": ["hea"], "reproduce": ["dataset-induced-bp"]}.get(command, [])
    new_args = parse([command, *pos, new, "7"])
    assert capsys.readouterr().err == ""
    old_args = parse([command, *pos, old, "7"])
    err = capsys.readouterr().err
    assert getattr(old_args, dest) == getattr(new_args, dest)
    assert int(getattr(new_args, dest) if dest != "embedding_layers" else getattr(new_args, dest).at(1)) == 7
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bpcalc: DeprecationWarning: " + old) and f"use {new}" in lines[0]


@pytest.mark.parametrize("command,pos", [("sample", []), ("exact", []), ("bounds", []), ("analyze", ["c.qasm"]),
                                         ("compare", ["hea"])])
@pytest.mark.parametrize("option", ["--draws", "--paths", "--n-data"])
def test_counts_are_positive_integers(command, pos, option, capsys):
    if option not in build_parser()._subparsers._group_actions[0].choices[command].format_help():
        pytest.skip(f"{command} has no {option}")
    code, _, err = run(capsys, command, *pos, option, "0")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "positive" in err


def test_one_default_observable_stated_in_every_help():
    sub = build_parser()._subparsers._group_actions[0].choices
    for command in ("bounds", "exact", "sample", "verify", "hardware", "analyze"):
        args = parse([command, *(["c.qasm"] if command == "analyze" else [])])
        assert args.observable == A.DEFAULT_OBSERVABLE == "local", command
        text = " ".join(sub[command].format_help().split())
        assert "'local' (default: the local cost" in text, command


def test_build_observable_forms():
    import cirq

    from bpcalc import circuits

    qs = cirq.LineQubit.range(4)
    assert A.build_observable("local", qs) == circuits.local_cost(qs)
    assert A.build_observable("local", qs, "qcnn") == cirq.PauliSum.wrap(cirq.Z(qs[0]))
    assert A.build_observable("Zmid", qs) == cirq.PauliSum.wrap(cirq.Z(qs[2]))
    assert A.build_observable("global", qs) == circuits.global_cost(qs)
    with pytest.raises(ValueError, match="outside"):
        A.build_observable("Z7", qs)


def test_theorem_selector_is_one_glob():
    keys = ["cerezo2021.local_cost_lower", "cerezo2021.global_cost_upper", "wang2021.noise_induced"]
    assert A.theorem_keys(None, keys) is None
    assert A.theorem_keys(["cerezo2021.*"], keys) == tuple(keys[:2])
    assert A.theorem_keys(["cerezo2021"], keys) == tuple(keys[:2])  # a paper name selects its theorems
    assert A.theorem_keys(["*noise*,cerezo2021.local*"], keys) == (keys[2], keys[0])
    with pytest.raises(ValueError, match="matches no registered theorem"):
        A.theorem_keys(["nosuch.*"], keys)


@pytest.mark.parametrize("command,pos", [("bounds", []), ("analyze", ["c.qasm"]), ("compare", ["hea"]),
                                         ("verify", [])])
def test_every_theorem_selector_is_the_same_option(command, pos, capsys):
    args = parse([command, *pos, "--theorem", "cerezo2021.*", "--theorem", "wang2021"])
    assert args.theorem == ["cerezo2021.*", "wang2021"]
    assert capsys.readouterr().err == ""


def test_old_theorem_filters_still_work(capsys):
    args = parse(["bounds", "--theorems", "thanasilp2021", "cerezo2021"])  # prefixes -> globs
    assert args.theorem == ["thanasilp2021*", "cerezo2021*"]
    assert "use --theorem GLOB" in capsys.readouterr().err
    args = parse(["analyze", "c.qasm", "--theorems", "cerezo2021.*"])
    assert args.theorem == ["cerezo2021.*"]
    assert "DeprecationWarning: --theorems" in capsys.readouterr().err


def test_unknown_theorem_refused_in_one_line(capsys):
    code, _, err = run(capsys, "bounds", "--theorem", "nosuch.*", "--qubits", "4")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "matches no registered theorem" in err


def test_theorem_description_by_glob(capsys):
    code, out, err = run(capsys, "bounds", "--theorem", "cerezo2021.local*")
    assert code == 0 and "cerezo2021.local_cost_lower:" in out and err == ""
    code, out, _ = run(capsys, "bounds", "--theorem", "thanasilp2021.tensor_product_variance", "--json")
    assert code == 0 and json.loads(out)["key"] == "thanasilp2021.tensor_product_variance"


def _numbers(doc):
    """The document without timings."""
    if isinstance(doc, dict):
        return {k: _numbers(v) for k, v in doc.items() if "seconds" not in k}
    if isinstance(doc, list):
        return [_numbers(v) for v in doc]
    return doc


def test_old_and_new_spellings_give_the_same_numbers(capsys):
    new = run(capsys, "exact", "--ansatz", "tpa", "--qubits", "4,6", "--observable", "Z0", "--paths", "64", "--json")
    old = run(capsys, "exact", "--ansatz", "tp", "--qubits", "4", "6", "--observable", "Z0", "--samples", "64",
              "--json")
    assert new[0] == old[0] == 0
    assert _numbers(json.loads(new[1])) == _numbers(json.loads(old[1]))
    assert old[2].count("DeprecationWarning") == 3 and new[2] == ""


def test_sample_accepts_several_sizes(capsys):
    code, out, _ = run(capsys, "sample", "--ansatz", "hea", "--qubits", "2..3", "--draws", "8", "--json")
    assert code == 0
    assert [d["n_qubits"] for d in json.loads(out)] == [2, 3]


def test_hardware_compiles_one_size(capsys):
    code, _, err = run(capsys, "hardware", "--qubits", "2,3")
    assert code == 2 and "one size" in err


def test_progress_only_on_request_and_never_on_stdout(capsys):
    quiet = run(capsys, "exact", "--qubits", "4,6", "--json")
    bars = run(capsys, "exact", "--qubits", "4,6", "--json", "--progress")
    assert quiet[0] == bars[0] == 0
    assert _numbers(json.loads(quiet[1])) == _numbers(json.loads(bars[1]))  # stdout unchanged
    assert quiet[2] == "" and "bpcalc exact" in bars[2]
    ns = argparse.Namespace(progress=None)
    assert A.show_progress(ns) is False  # stderr is not a terminal under pytest's capture


BOUNDS_HEA = ["bounds", "--ansatz", "hea", "--layers", "2", "--embedding", "none", "--observable", "global",
              "--qubits", "4,5", "--no-ensemble"]


def test_bounds_shows_only_applicable_bounds_by_default_and_what_if_behind_all(capsys):
    code, out, _ = run(capsys, *BOUNDS_HEA, "--json")
    assert code == 0
    default = json.loads(out)
    cells = [c for r in default["rows"] for c in r["cells"].values()]
    assert cells and all(c["applicable"] for c in cells)
    assert not default["refused"] and default["not_shown"]
    code, out, _ = run(capsys, *BOUNDS_HEA, "--json", "--all")
    assert code == 0
    everything = json.loads(out)
    assert set(default["columns"]) < set(everything["columns"])
    what_if = [k for r in everything["rows"] for k, c in r["cells"].items() if not c["applicable"]]
    assert what_if and all(k in everything["refused"] for k in what_if)
    from bpcalc.verify.commands.bounds import render_text

    text = render_text(default)
    assert text.splitlines()[0].startswith("verdict")  # the verdict first
    assert "--all shows their what-if values" in text and "*" not in text.split("columns")[0]


def test_latex_has_no_internal_symbol_names(capsys):
    import re

    from bpcalc.bounds.registry import default_registry

    raw = re.compile(r"(?<![\\a-zA-Z{])[a-z]{2,}_\{")  # eps_{L}, var_{dl}, comm_{plus}: identifiers, not math
    for t in default_registry().values():
        for b in t.bounds:
            latex = b.latex(citation=False)
            assert not raw.search(latex), (t.key, b.name, latex)
            assert "{var grad}" not in latex and "_" not in re.sub(r"_\{|_[a-zA-Z0-9]|\\_", "", latex), latex
    code, out, _ = run(capsys, "bounds", "--theorem", "holmes2022.*", "--latex")
    assert code == 0 and r"\varepsilon_{L}" in out and "eps_" not in out


def test_verify_theorem_selection_limits_the_checks(capsys):
    def checked(*extra):
        code, out, err = run(capsys, "verify", "--ansatz", "hea", "--qubits", "2..4", "--draws", "20", "--json", *extra)
        assert code in (0, 1), err
        return {c["bound"] for p in json.loads(out)["points"] if p["checks"] for c in p["checks"]["checks"]}

    assert any(n.startswith("holmes2022") for n in checked())
    assert not any(n.startswith("holmes2022") for n in checked("--theorem", "wang2021"))


def test_vocabulary_table_lists_real_options_and_is_in_the_cli_reference():
    from bpcalc.verify.commands import VOCABULARY
    from bpcalc.verify.docgen import cli_reference

    helps = " ".join(p.format_help() for p in build_parser()._subparsers._group_actions[0].choices.values())
    for options, _ in VOCABULARY:
        for option in options.split(", "):
            assert option in helps, option
    assert "## One vocabulary" in cli_reference() and "`--draws`" in cli_reference()


def test_compare_old_architecture_name(capsys):
    code, out, err = run(capsys, "compare", "tp", "--qubits", "4", "--json")
    assert code == 0 and "use tpa" in err


@pytest.mark.parametrize("flags", [
    ["--ansatz", "tpa", "--embedding", "hee", "--embedding-layers", "2", "--dataset", "uniform", "--n-data", "5"],
    ["--ansatz", "ala", "--layers", "2", "--embedding", "tpe", "--dataset", "iris", "--n-data", "6"],
    ["--ansatz", "hea", "--layers", "log", "--embedding", "none", "--observable", "global"],
    ["--ansatz", "qcnn", "--embedding", "none"],
])
def test_the_same_options_build_the_same_model_in_every_command(flags, capsys):
    from bpcalc.verify.commands.bounds import build_model, resolve_layers
    from bpcalc.verify.commands.sample import model_from_args

    b = parse(["bounds", *flags])
    resolve_layers(b)
    s = parse(["sample", *flags])
    mb, ms = build_model(b, 4), model_from_args(s, 4)
    assert mb.ansatz == ms.ansatz and mb.observable == ms.observable and mb.embedding == ms.embedding
    assert (mb.dataset is None) == (ms.dataset is None)
    if mb.dataset is not None:
        assert (mb.dataset.x == ms.dataset.x).all()
