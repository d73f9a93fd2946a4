"""analyze(model): applicable vs refused theorems, exact values, verdicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds.analysis import analyze, fit_decay
from bpcalc.bounds.registry import Registry, default_registry


def _only(*papers):
    return Registry([t for t in default_registry().values() if t.paper in papers])


def _tpa(n=4, declared_blocks=True, loss="linear"):
    ansatz = circuits.tensor_product(n, 2)
    return circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                          embedding=circuits.make_embedding("hee", n, 2),
                          dataset=circuits.load_dataset("digits", n, n_samples=12), loss=loss,
                          two_design_blocks=declared_blocks)


def test_tensor_product_model_with_declared_random_blocks():
    model = _tpa()
    a = analyze(model, parameters=["theta_0_b0_4"], registry=_only("thanasilp2021", "mcclean2018"), exact=False)
    p = a.parameter("theta_0_b0_4")
    got = {(r.theorem, r.bound): r for r in p.applicable}
    sub = a.measures.for_parameter("theta_0_b0_4")
    r_ns = 2 * 2**3 / (4**2 * 15**2)
    assert got[("thanasilp2021.tensor_product_variance", "local_cost")].value.value == pytest.approx(r_ns * sub.d_hs_mean)
    assert ("thanasilp2021.tensor_product_linear_loss", "general") in got
    refused = {(r.theorem, r.bound): r for r in p.refused}
    assert "loss is 'linear'" in refused[("thanasilp2021.tensor_product_mse_nll", "mse_minkowski")].reason
    assert any(c.key == "v_minus_two_design" for c in refused[("mcclean2018.two_design", "variance")].failed)
    assert a.verdict.label == "not decided" and a.verdict.evidence
    json.dumps(a.to_dict())


def test_tensor_product_model_without_declaration_refuses_and_says_why():
    a = analyze(_tpa(declared_blocks=False), parameters=["theta_0_b0_4"], registry=_only("thanasilp2021"),
                exact=False, ensemble=False)
    p = a.parameters[0]
    assert not [r for r in p.applicable if r.theorem.startswith("thanasilp2021.tensor_product")]
    reasons = [r.reason for r in p.refused if r.theorem == "thanasilp2021.tensor_product_variance"]
    assert reasons and all("not a 2-design" in r for r in reasons)


def test_declared_global_two_design_gives_exponential_verdict():
    ansatz = circuits.hardware_efficient(3, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())))
    a = analyze(model, parameters=[model.trainable_symbols[4]], declared={"global_two_design"},
                registry=_only("mcclean2018"), exact=False)
    assert a.verdict.label == "exponentially vanishing"
    assert a.verdict.base == pytest.approx(2.0, rel=1e-6)   # Δ(O) ≤ d‖O‖²: Var ≲ 2^n · 4^-n
    assert "mcclean2018.two_design" in a.verdict.evidence[0]


def test_exact_hook_reports_the_exact_value():
    """The 4-qubit model is well inside the exact engine's reach: the hook must give the exact value
    (not merely a value-or-reason), and a data point's value must match a brute-force average."""
    import importlib.util
    import pathlib
    import sys

    import sympy

    if "exact_brute" not in sys.modules:  # the brute-force reference next to the exact-engine tests
        spec = importlib.util.spec_from_file_location("exact_brute", pathlib.Path(__file__).parent / "exact" / "exact_brute.py")
        sys.modules["exact_brute"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["exact_brute"])
    two_copy_moments = sys.modules["exact_brute"].two_copy_moments

    model = _tpa()
    a = analyze(model, parameters=["theta_0_b0_4"], registry=_only("thanasilp2021"), ensemble=False)
    p = a.parameters[0]
    assert p.exact is not None, p.exact_note
    assert p.exact.method == "exact" and "exact" in p.exact_note
    assert len(p.exact.per_state) == 12 and p.exact.value == pytest.approx(np.mean(p.exact.per_state), rel=1e-12)
    # gate-wise exact grid average of (∂ℓ)² on two copies: shares no code with the Pauli-path engine
    brute = two_copy_moments(model.ansatz, model.observable, model.qubits, model.data_state(model.dataset.x[0]),
                             sympy.Symbol("theta_0_b0_4"))
    assert p.exact.per_state[0] == pytest.approx(brute, rel=1e-9, abs=1e-14)
    assert any(r.theorem == "thanasilp2021.qml_from_vqa" for r in p.applicable)
    assert p.exact.linear_loss is not None and 0 < p.exact.linear_loss


def test_fit_decay_tells_exponential_from_polynomial():
    ns = np.array([4, 6, 8, 10, 12])
    exp = fit_decay(ns, np.log10(0.3 * 3.0 ** -ns))
    assert exp.label == "exponentially vanishing" and exp.base == pytest.approx(3.0, rel=1e-9)
    pol = fit_decay(ns, np.log10(2.0 * ns**-2.0))
    assert pol.label == "polynomial" and pol.degree == pytest.approx(-2.0, rel=1e-9)
    with pytest.raises(ValueError):
        fit_decay([4, 6], [0.0, -1.0])
    with pytest.raises(ValueError):
        fit_decay([4, 6, 8], [0.0, float("nan"), -1.0])


def test_bad_input():
    with pytest.raises(TypeError):
        analyze("model")
    with pytest.raises(ValueError, match="unknown trainable parameter"):
        analyze(_tpa(), parameters=["nope"], exact=False)
