"""Gradient experiments through cirq_google virtual engines (verify.hardware.experiment)."""

from __future__ import annotations


import cirq
import cirq_google
import numpy as np
import pytest
import sympy

from bpcalc.circuits import hardware_efficient, local_cost
from bpcalc.verify.hardware import load_target
from bpcalc.verify.hardware.experiment import (
    noise_data_covers,
    processor_sampler,
    run_gradient_experiment,
)


class RecordingSampler(cirq.Sampler):
    """Passes runs to an inner sampler and keeps every circuit it was given."""

    def __init__(self, inner):
        self.inner = inner
        self.circuits = []

    def run_sweep(self, program, params, repetitions=1):
        self.circuits.append(program)
        return self.inner.run_sweep(program, params, repetitions)


def _finite_difference(circuit, observable, values, symbol, h=1e-5):
    sim = cirq.Simulator(dtype=np.complex128)

    def ell(v):
        return float(np.real(sim.simulate_expectation_values(cirq.resolve_parameters(circuit, v), observable)[0]))

    up, down = dict(values), dict(values)
    up[symbol] += h
    down[symbol] -= h
    return (ell(up) - ell(down)) / (2 * h)


def test_noiseless_virtual_engine_agrees_with_simulator_within_shot_noise():
    circuit = hardware_efficient(3, 1)
    obs = local_cost(sorted(circuit.all_qubits()), form="z")
    sampler = RecordingSampler(processor_sampler("rainbow", seed=7))
    result = run_gradient_experiment(
        circuit, obs, "rainbow", sampler, np.random.default_rng(7), n_draws=8, shots=2000,
        symbols=["theta_0_0_0", "theta_0_1_1"],
    )
    assert result.gradients.shape == (8, 2) == result.exact_gradients.shape
    sigma = np.sqrt(result.shot_variances)
    assert np.all(np.abs(result.gradients - result.exact_gradients) <= 5 * sigma + 1e-12)
    assert min(result.agreement_pvalues) > 1e-4
    # what was run is on the device, in the gateset, read back from the proto
    device = load_target("rainbow").device
    assert sampler.circuits
    for c in sampler.circuits:
        device.validate_circuit(c)
    for v, s in zip(result.variances, result.symbols):
        assert 0 <= v.ci_low <= v.ci_high and v.n_samples == 8 and v.shots == 2000 and v.parameter == s
        assert v.raw_variance == pytest.approx(np.var(result.gradients[:, result.symbols.index(s)], ddof=1))


def test_exact_reference_gradient_matches_finite_differences_for_a_repeated_symbol():
    a = sympy.Symbol("a")
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.ry(2 * a).on(q[1]), cirq.CZ(*q), cirq.rx(sympy.Symbol("b")).on(q[0]))
    obs = cirq.Z(q[0]) * cirq.Z(q[1]) + 0.5 * cirq.X(q[1])
    rng = np.random.default_rng(2)
    result = run_gradient_experiment(
        circuit, obs, "rainbow", processor_sampler("rainbow", seed=2), rng, n_draws=3, shots=4000, symbols=["a"]
    )
    # reconstruct the draws: the experiment draws (a, b) in order of first appearance from a fresh rng
    draws = np.random.default_rng(2).uniform(0, 2 * np.pi, size=(3, 2))
    for i, (va, vb) in enumerate(draws):
        fd = _finite_difference(circuit, obs, {a: va, sympy.Symbol("b"): vb}, a)
        assert result.exact_gradients[i, 0] == pytest.approx(fd, abs=1e-6)
    assert np.all(np.abs(result.gradients - result.exact_gradients) <= 5 * np.sqrt(result.shot_variances))


def test_any_cirq_sampler_works_and_routing_is_undone_by_the_observable_map():
    circuit = hardware_efficient(5, 1, topology="ring")
    obs = cirq.Z(cirq.LineQubit(0)) * cirq.Z(cirq.LineQubit(3)) * 1.0
    result = run_gradient_experiment(
        circuit, obs, "rainbow", cirq.Simulator(seed=3), np.random.default_rng(3), n_draws=4, shots=3000,
        placement="line", via_proto=False,
    )
    assert result.compiled["routing"]["n_swaps"] > 0
    assert np.all(np.abs(result.gradients - result.exact_gradients) <= 5 * np.sqrt(result.shot_variances) + 1e-12)


def test_small_noisy_run_completes_with_intervals():
    circuit = hardware_efficient(2, 1)
    obs = local_cost(sorted(circuit.all_qubits()), form="z")
    result = run_gradient_experiment(
        circuit, obs, "rainbow", processor_sampler("rainbow", noisy=True, seed=5), np.random.default_rng(5),
        n_draws=4, shots=200, gateset="sqrt_iswap",
    )
    assert np.all(np.isfinite(result.gradients)) and result.n_circuits_run == 8
    v = result.variances[0]
    assert 0 <= v.ci_low <= v.ci_high and v.shot_noise > 0
    assert "noise-induced bound" in result.to_text()


def test_noise_data_coverage_is_reported():
    assert noise_data_covers("rainbow", "sqrt_iswap") and noise_data_covers("rainbow", "sycamore")
    assert not noise_data_covers("rainbow", "cz")


def test_experiment_input_errors():
    circuit = hardware_efficient(2, 1)
    obs = cirq.Z(cirq.LineQubit(0)) * 1.0
    rng = np.random.default_rng(0)
    sim = cirq.Simulator()
    with pytest.raises(TypeError, match="cirq.Sampler"):
        run_gradient_experiment(circuit, obs, "rainbow", object(), rng)
    with pytest.raises(TypeError, match="Generator"):
        run_gradient_experiment(circuit, obs, "rainbow", sim, 0)
    with pytest.raises(ValueError, match="n_draws"):
        run_gradient_experiment(circuit, obs, "rainbow", sim, rng, n_draws=1)
    with pytest.raises(ValueError, match="shots"):
        run_gradient_experiment(circuit, obs, "rainbow", sim, rng, shots=1)
    with pytest.raises(ValueError, match="not parameters"):
        run_gradient_experiment(circuit, obs, "rainbow", sim, rng, symbols=["nope"])
    with pytest.raises(ValueError, match="virtual processors"):
        processor_sampler("nope")


@pytest.mark.slow
def test_six_qubit_noisy_run_shrinks_gradients_and_finishes_in_minutes():
    circuit = hardware_efficient(6, 2)
    obs = local_cost(sorted(circuit.all_qubits()), form="z")
    result = run_gradient_experiment(
        circuit, obs, "rainbow", processor_sampler("rainbow", noisy=True, seed=9), np.random.default_rng(9),
        n_draws=40, shots=1000, gateset="sqrt_iswap",
    )
    # noise contracts the gradients: the noisy estimates are smaller in magnitude on average
    assert np.mean(np.abs(result.gradients)) < np.mean(np.abs(result.exact_gradients))
    assert result.agreement_pvalues[0] < 1e-3


def _fake_wang_registry():
    """A registry with a stand-in wang2021 theorem: |∂C| ≤ sqrt(8 ln 2) ω₁ √n q^(L+1) (g = 1)."""
    from bpcalc.bounds import Bound, Citation, Theorem, Verification, register, sym

    cite = Citation(authors="Wang et al.", title="Noise-induced barren plateaus", arxiv="2007.14384", year=2021,
                    locator="Theorem 1")
    omega = sympy.Symbol("omega_1", nonnegative=True)
    expr = sympy.sqrt(8 * sympy.log(2)) * omega * sympy.sqrt(sym("n")) * sym("q") ** (sym("L") + 1)
    bound = Bound("gradient_magnitude", "upper", expr, quantity=r"|\partial_k C|",
                  symbols={"omega_1": "1-norm of the Pauli coefficients"}, citation=cite)
    theorem = Theorem(key="wang2021.test_stand_in", title="stand-in", citation=cite, bounds=(bound,),
                      verification=Verification("quoted", "tests/verify/test_hardware_experiment.py"))
    return register(theorem)


def test_noise_bound_hook_evaluates_a_registered_wang_theorem():
    import math

    from bpcalc.verify.hardware import noise_induced_bound

    circuit = hardware_efficient(3, 2)
    obs = local_cost(sorted(circuit.all_qubits()), form="z")
    theta = sympy.Symbol("theta_0_0_0")
    props = cirq_google.engine.load_device_noise_properties("rainbow")
    q = max(1 - 4 * p / 3 for k, p in props.gate_pauli_errors.items() if issubclass(k.gate_type, cirq.PhasedXZGate))
    # the stand-in theorem (g = 1) alone
    from bpcalc.bounds import Registry

    stand_in = Registry([_fake_wang_registry().get("wang2021.test_stand_in")])
    out = noise_induced_bound(circuit, obs, theta, "rainbow", 2, registry=stand_in)
    assert out["available"], out
    expected = math.sqrt(8 * math.log(2)) * 1.0 * math.sqrt(3) * q ** 3
    assert out["values"][0]["value"] == pytest.approx(expected, rel=1e-9)
    # the registered theorem: generator norm g_k = 1/2 for a Pauli rotation exp(-i theta P / 2)
    out = noise_induced_bound(circuit, obs, theta, "rainbow", 2)
    assert out["available"], out
    assert out["theorem"].startswith("wang2021.")
    c = 1 / (2 * math.log(2))  # Wang et al.'s relative-entropy constant: F ∝ q^{cL+1}
    registered = 0.5 * math.sqrt(8 * math.log(2)) * math.sqrt(3) * q ** (c * 2 + 1)
    assert out["values"][0]["value"] == pytest.approx(registered, rel=1e-9)
    # without the theorem, or without noise data, the hook says why
    from bpcalc.bounds import Registry

    assert "not in the registry" in noise_induced_bound(circuit, obs, theta, "rainbow", 2, registry=Registry())["reason"]
    assert "noise data" in noise_induced_bound(circuit, obs, theta, None, 2, registry=_fake_wang_registry())["reason"]

