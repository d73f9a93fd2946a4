"""``--exponent-symbols angle|symbol`` (issue 17 item 5): stated in every header, note for X**t circuits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cirq
import numpy as np
import pytest
import sympy

from bpcalc.bounds.from_files import exponent_convention_note
from bpcalc.verify.architecture import analyze_architecture, compare_architectures

ROOT = Path(__file__).resolve().parents[2]


def _tfq_circuit() -> cirq.Circuit:
    t0, t1 = sympy.symbols("t0 t1")
    q = cirq.LineQubit.range(2)
    return cirq.Circuit(cirq.X(q[0]) ** t0, cirq.Y(q[1]) ** t1, cirq.CZ(*q))


def _grid(fn, points: int = 9) -> float:
    """E_t[fn(t)] for t ~ U[0, 2): uniform grid exact for trigonometric polynomials of degree < points."""
    ts = 2 * np.arange(points) / points
    return float(np.mean([fn(t) for t in ts]))


@pytest.mark.parametrize("convention,scale", [("angle", 1.0), ("symbol", np.pi**2)])
def test_exponent_convention_values_and_note(convention, scale):
    rep = analyze_architecture(_tfq_circuit(), "Z0", theorems=False, exponent_symbols=convention)
    # <Z0> after X**t0 on |0>: cos(π t0). ∂/∂t0 = -π sin(π t0); ∂/∂(π t0) = -sin(π t0)
    expected = _grid(lambda t: (np.pi * np.sin(np.pi * t)) ** 2) / np.pi**2 * scale
    assert rep.parameter("t0").exact.value == pytest.approx(expected, abs=1e-12)
    assert f"Exponent symbols (X^t): {convention} convention" in rep.to_text()
    assert any("appears only in exponents" in n and f"{convention} convention" in n for n in rep.notes)
    assert rep.to_dict()["notes"] and rep.config["exponent_symbols"] == convention


def test_no_note_for_rotation_circuits():
    t = sympy.Symbol("t")
    q = cirq.LineQubit(0)
    assert exponent_convention_note(cirq.Circuit(cirq.rx(t).on(q), cirq.X(q) ** t), [t]) == ""
    with pytest.raises(ValueError, match="exponent_symbols"):
        exponent_convention_note(cirq.Circuit(cirq.X(q) ** t), [t], "nosuch")


def test_compare_header_states_convention():
    cmp = compare_architectures(["tpa"], "4", exponent_symbols="symbol")
    assert "Exponent symbols (X^t): symbol convention" in cmp.to_text()
    assert cmp.to_report().config["exponent_symbols"] == "symbol"


def test_cli_flag_on_analyze_and_exact(cli, tmp_path):
    path = tmp_path / "tfq.json"
    path.write_text(cirq.to_json(_tfq_circuit()))
    out = {}
    for conv in ("angle", "symbol"):
        proc = cli(["analyze", str(path), "--observable", "Z0",
                               "--no-theorems", "--exponent-symbols", conv])
        assert proc.returncode == 0, proc.stderr
        assert f"{conv} convention" in proc.stdout
        out[conv] = proc.stdout
    assert "5.000e-01" in out["angle"] and "4.935e+00" in out["symbol"]
    proc = cli(["exact", "--ansatz", "hea", "--qubits", "4", "--observable", "Z0",
                           "--layers", "1", "--exponent-symbols", "symbol"])
    assert proc.returncode == 0, proc.stderr
    assert "exponent symbols (X^t): symbol convention" in proc.stdout
