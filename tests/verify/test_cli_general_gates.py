"""``bpcalc exact --circuit`` and ``bpcalc analyze`` on circuits with crz and u3 symbols."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bpcalc.bounds import exact as E
from bpcalc.circuits import load_circuit
from bpcalc.verify.cli import main

FACTORY = f"{Path(__file__).resolve().parents[2] / 'examples' / 'crz_u3.py'}:circuit"


def test_exact_circuit_file_matches_the_library(capsys):
    assert main(["exact", "--circuit", FACTORY, "--qubits", "4", "--observable", "Z1", "--loss", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    circ = load_circuit(FACTORY, n=4)
    ref = E.exact_gradient_variance(circ, "Z1", method="exact")
    np.testing.assert_allclose(entry["gradient"]["values"], ref.values, atol=1e-15)
    assert entry["gradient"]["method"] == "exact"
    names = entry["gradient"]["parameters"]
    assert entry["gradient"]["values"][names.index("t_0")] > 0      # the crz parameter has a value
    assert entry["gradient"]["values"][names.index("a_1")] > 0      # so has u3's theta


def test_exact_circuit_text_names_the_joint_period(capsys):
    assert main(["exact", "--circuit", FACTORY, "--qubits", "4", "--observable", "Z1"]) == 0
    out = capsys.readouterr().out
    assert "circuit " in out and "t_0 ~ U[0, 12.5664)" in out


def test_exact_circuit_sampling_is_refused_in_one_line(capsys):
    assert main(["exact", "--circuit", FACTORY, "--qubits", "4", "--observable", "Z1", "--method", "sample"]) == 2
    err = capsys.readouterr().err
    assert "path sampling does not handle" in err and len(err.strip().splitlines()) == 1


def test_analyze_gives_exact_numbers_for_crz_and_u3(capsys):
    code = main(["analyze", FACTORY, "--arg", "n=4", "--observable", "Z1", "--no-theorems", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    params = {p["parameter"]: p for p in doc["results"]["analysis"]["parameters"]}
    ref = E.exact_gradient_variance(load_circuit(FACTORY, n=4), "Z1", method="exact")
    for sym, v in zip(ref.parameters, ref.values):
        assert params[sym.name]["exact"]["value"] == pytest.approx(float(v), abs=1e-15)
        assert not params[sym.name]["note"].startswith("no value")
    assert params["t_0"]["exact"]["value"] > 0 and params["a_1"]["exact"]["value"] > 0
