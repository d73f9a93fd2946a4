"""The per-parameter bound columns show only bounds on the gradient variance, never a loss-variance bound."""

from __future__ import annotations

from pathlib import Path

from bpcalc.verify.architecture import analyze_architecture

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sim2019_circuit2.qasm"


def test_loss_variance_bounds_are_not_shown_as_gradient_bounds():
    report = analyze_architecture(str(EXAMPLE), "Z0")
    outside = [p for p in report.analysis.parameters if not p.structure.in_cone]
    assert outside, "the example has parameters outside the light cone"
    p = outside[0]
    loss_bounds = [b for b in p.applicable if b.theorem == "letcher2023.loss_light_cone"]
    assert loss_bounds and not any(b.bounds_gradient for b in loss_bounds)
    assert all(b.bounds_gradient for b in p.applicable if b.theorem == "letcher2023.gradient_light_cone")
    table = next(t for t in report.tables() if t.title == "parameters")
    row = next(r for r in table.rows if r[0] == p.parameter)
    lower = row[table.columns.index("lower bound")]
    # Var[∂C/∂θ] = 0 outside the cone: a positive lower bound there could only come from Var[ℓ]
    assert "loss_light_cone" not in lower and lower == "—"
