"""bounds.analyze(model, noise=channel): the noise theorems are evaluated (the others refused), against the engine."""

from __future__ import annotations

import cirq
import pytest

from bpcalc import circuits
from bpcalc.bounds import analyze
from bpcalc.bounds.exact import exact_gradient_variance

NOISE_KEYS = {"singkanipa2024.unital_noise", "singkanipa2024.hs_contractive_noise",
              "singkanipa2024.unital_cost_concentration", "mele2024.effective_depth", "mele2024.nonunital_lower_bound"}


@pytest.mark.parametrize("channel", [cirq.depolarize(0.05), cirq.amplitude_damp(0.1)])
def test_analyze_with_noise_evaluates_the_noise_theorems(channel):
    qs = cirq.LineQubit.range(3)
    model = circuits.Model(ansatz=circuits.hardware_efficient(3, 2, qubits=qs),
                           observable=circuits.local_cost(qs, form="z"))
    a = analyze(model, noise=channel, values={"ell": 2}, ensemble=False)
    for p in a.parameters:
        keys = {r.theorem for r in p.applicable}
        assert keys and keys <= NOISE_KEYS, keys
        assert any(r.reason.startswith("noise:") for r in p.refused)   # the noiseless theorems
        exact = exact_gradient_variance(model.circuit, model.observable, parameters=p.parameter, noise=channel,
                                        method="exact")
        assert p.exact.value == pytest.approx(float(exact.values[0]), rel=1e-9)
        for r in p.applicable:
            if r.bound == "variance" and r.kind == "upper":
                assert float(exact.values[0]) <= float(r.value.value)
            if r.bound == "variance" and r.kind == "lower":
                assert float(exact.values[0]) >= float(r.value.value) > 0
        # non-unital noise: the last-layer RY parameters get the lower bound, the others are refused by it
        lower = any(r.theorem == "mele2024.nonunital_lower_bound" for r in p.applicable)
        name = str(p.parameter)
        late_ry = name.startswith("theta_1_") and name.endswith("_0")
        assert lower == (late_ry and channel == cirq.amplitude_damp(0.1)), p.parameter
    unital = {r.theorem for r in a.parameters[0].applicable if r.theorem == "singkanipa2024.unital_noise"}
    assert bool(unital) == (channel == cirq.depolarize(0.05))


def test_analyze_without_noise_does_not_evaluate_them():
    qs = cirq.LineQubit.range(2)
    model = circuits.Model(ansatz=circuits.hardware_efficient(2, 1, qubits=qs), observable=circuits.local_cost(qs))
    a = analyze(model, ensemble=False)
    assert not {r.theorem for p in a.parameters for r in p.applicable} & NOISE_KEYS


def test_embedding_refused():
    qs = cirq.LineQubit.range(2)
    emb = cirq.Circuit(cirq.H.on_each(*qs))
    model = circuits.Model(ansatz=circuits.hardware_efficient(2, 1, qubits=qs), observable=circuits.local_cost(qs),
                           embedding=emb)
    a = analyze(model, noise=cirq.depolarize(0.05), ensemble=False, exact=False)
    reasons = [r.reason for r in a.parameters[0].refused if r.theorem == "singkanipa2024.unital_noise"]
    assert reasons and "embedding" in reasons[0]
