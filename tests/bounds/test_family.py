"""bounds.family: exact family scans and variance points (what analyze --family and compare compute)."""

from __future__ import annotations

import pathlib
import types

import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds.exact import exact_model_gradient_variance
from bpcalc.bounds.family import scan_family, select_parameters, variance_point
from bpcalc.bounds.from_files import prepare_model

FAMILY = f"{pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'my_family.py'}:sim_circuit2"


def _sim2(n: int, observable: str = "Z0"):
    return prepare_model(FAMILY, observable, factory_kwargs={"n": n})


def test_scan_recovers_the_closed_form_and_base_two():
    # Sim et al.'s circuit 2 with a Z string on all qubits ("Z0" after the CNOT ladder): Var[∂/∂θ_x0] = 2^-n
    scan = scan_family(_sim2, [4, 6, 8, 10], name="sim2")
    for n, row in zip(scan.qubits, scan.rows):
        assert row["max"] == pytest.approx(2.0**-n, rel=1e-9) and row["method"] == "exact"
    assert scan.verdict.label == "exponential" and scan.verdict.base == pytest.approx(2.0, rel=1e-6)
    assert scan.fits["theta_x0"].base == pytest.approx(2.0, rel=1e-6)
    assert scan.values["theta_x0"] == pytest.approx(tuple(2.0**-n for n in (4, 6, 8, 10)), rel=1e-9)


def test_variance_point_choices_agree_with_the_engine():
    pm = _sim2(5, "local")
    res = exact_model_gradient_variance(pm.model, "all")
    values = np.asarray(res.values)
    first = variance_point(pm, "sim2", 5, "first")
    assert first.value == pytest.approx(values[0], rel=1e-12) and first.parameter == res.parameters[0].name
    best = variance_point(pm, "sim2", 5, "max")
    assert best.value == pytest.approx(values.max(), rel=1e-12) and "attained by" in best.note
    assert variance_point(pm, "sim2", 5, "mean").value == pytest.approx(values.mean(), rel=1e-12)
    with pytest.raises(ValueError, match="not a trainable symbol"):
        select_parameters(pm.model, "nope")


def _refused(n: int):
    bad = types.SimpleNamespace(operation="G(q0)", reason="no rule for G")
    return types.SimpleNamespace(exact_supported=False, unsupported=lambda engine="exact": (bad,),
                                 model=circuits.Model(ansatz=circuits.hardware_efficient(n, 1), observable="Z0"))


def test_sizes_the_exact_engine_refuses_go_to_the_fallback_or_fail_naming_the_gate():
    with pytest.raises(ValueError, match="G\\(q0\\).*no rule for G"):
        scan_family(_refused, [2, 3, 4])
    asked = []

    def fallback(n, pm):
        asked.append(n)
        v = 2.0**-n
        return ["a", "b"], [v, v / 2], [(0.9 * v, 1.1 * v), (0.45 * v, 0.55 * v)], "sampled (stub)"

    scan = scan_family(_refused, [2, 3, 4, 5], fallback=fallback)
    assert asked == [2, 3, 4, 5] and all(r["method"] == "sampled (stub)" for r in scan.rows)
    assert scan.fits["a"].weighted and scan.verdict.label == "exponential"  # per-parameter fits use the intervals
    assert scan.verdict.base == pytest.approx(2.0, rel=1e-6)


def test_analyze_with_a_family_decides_the_scaling_from_the_exact_scan():
    from bpcalc.bounds.analysis import analyze
    from bpcalc.bounds.registry import Registry, default_registry

    model = _sim2(4).model
    a = analyze(model, registry=Registry([default_registry()["letcher2023.gradient_light_cone"]]),
                family=_sim2, qubits=[4, 6, 8, 10])
    assert a.family is not None and a.verdict.label == "exponentially vanishing"
    assert a.verdict.base == pytest.approx(2.0, rel=1e-6)                  # Var = 2^-n exactly
    assert a.parameter("theta_x0").verdict.label == "exponentially vanishing"
    assert a.parameter("theta_z0").verdict.label == "zero"                  # outside the light cone
    assert "family" in str(a) and "family" in a._repr_markdown_()
    without = analyze(model, registry=Registry([default_registry()["letcher2023.gradient_light_cone"]]))
    assert without.verdict.label == "not decided"                          # one size decides no scaling
