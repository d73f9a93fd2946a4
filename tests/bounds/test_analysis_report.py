"""The one typed report of ``bounds.analyze``: loss variance next to the gradient variances,
per-parameter verdicts, data states computed once, per-analysis memo, renderings, and the fast
paths of the sampled expressibilities (checked against Cirq)."""

from __future__ import annotations

import itertools
import json

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds.analysis import analyze
from bpcalc.bounds.registry import Registry, default_registry


def _vqa(n: int = 2, layers: int = 1) -> circuits.Model:
    ansatz = circuits.hardware_efficient(n, layers)
    return circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())))


def _grid_cost_moments(model: circuits.Model) -> tuple[np.ndarray, np.ndarray]:
    """``(C(θ) on the grid, ∂_k C(θ) on the grid)``: every angle on {0, 2π/3, 4π/3}, which averages
    trigonometric polynomials of degree <= 2 per angle exactly (C and C² for frequency-1 rotations)."""
    symbols = list(model.trainable_symbols)
    qubits = sorted(model.ansatz.all_qubits())
    obs = model.observable.matrix(qubits)
    sim = cirq.Simulator(dtype=np.complex128)

    def cost(values):
        psi = sim.simulate(model.ansatz, cirq.ParamResolver(dict(zip(symbols, values))),
                           qubit_order=qubits).final_state_vector
        return float(np.real(np.conj(psi) @ obs @ psi))

    grid = 2 * np.pi * np.arange(3) / 3
    costs, grads = [], []
    for point in itertools.product(grid, repeat=len(symbols)):
        costs.append(cost(point))
        g = []
        for k in range(len(symbols)):  # parameter shift (exact for frequency-1 rotations)
            plus, minus = list(point), list(point)
            plus[k] += np.pi / 2
            minus[k] -= np.pi / 2
            g.append((cost(plus) - cost(minus)) / 2)
        grads.append(g)
    return np.array(costs), np.array(grads)


def test_loss_variance_next_to_gradient_variances_against_brute_force_grid():
    model = _vqa(2, 1)
    a = analyze(model)
    costs, grads = _grid_cost_moments(model)
    la = a.loss_variance
    assert la is not None and la.variance is not None and la.variance.method == "exact"
    assert la.variance.value == pytest.approx(np.var(costs), rel=1e-9, abs=1e-14)
    assert la.variance.mean == pytest.approx(np.mean(costs), rel=1e-9, abs=1e-14)
    brute = np.var(grads, axis=0)
    names = [s.name for s in model.trainable_symbols]
    for k, name in enumerate(names):
        assert a.parameter(name).exact.cost == pytest.approx(brute[k], rel=1e-9, abs=1e-14)
    assert la.gradient_max == pytest.approx(brute.max(), rel=1e-9)
    assert la.gradient_sum == pytest.approx(brute.sum(), rel=1e-9)
    # Arrasmith et al. 2022: max_k Var[∂_k C] <= Var[C] <= Σ_k Var[∂_k C]
    assert la.holds is True and la.relation.startswith("holds")
    assert brute.max() <= np.var(costs) + 1e-12 <= brute.sum() + 2e-12
    keys = {(b.theorem, b.bound) for b in la.bounds}
    assert ("arrasmith2022.loss_concentration", "from_gradients") in keys
    json.dumps(a.to_dict())


def test_loss_level_numbers_stay_out_of_the_per_parameter_bounds():
    """Var[C] and Var[C(θ) − C(θ')] are not bounds on one parameter's Var[∂_k C]: they are evaluated once,
    in the loss section, so that bpcalc verify never compares them with a gradient estimate."""
    a = analyze(_vqa(2, 1))
    for p in a.parameters:
        assert not [r for r in p.applicable if r.theorem.startswith("arrasmith2022.")]
    got = {(r.theorem, r.bound): r.value.value for r in a.loss_variance.bounds}
    assert got[("arrasmith2022.loss_difference", "difference_variance")] == pytest.approx(
        2 * a.loss_variance.variance.value, rel=1e-12)


def test_one_parameter_makes_the_relation_tight():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("theta_0_0_0")
    ansatz = cirq.Circuit(cirq.H(q[0]), cirq.ry(t).on(q[0]), cirq.CNOT(q[0], q[1]))
    model = circuits.Model(ansatz=ansatz, observable=cirq.Z(q[0]) + 0.5 * cirq.Z(q[1]))
    la = analyze(model).loss_variance
    assert la.variance.value == pytest.approx(la.gradient_max, rel=1e-12) == pytest.approx(la.gradient_sum)


def test_per_parameter_verdicts_zero_and_size_with_stated_shot_budget():
    q = cirq.LineQubit.range(2)
    a_, b_ = sympy.symbols("a b")
    ansatz = cirq.Circuit(cirq.ry(a_).on(q[0]), cirq.ry(b_).on(q[1]))
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.from_pauli_strings([cirq.Z(q[0])]))
    a = analyze(model)
    assert a.parameter("b").verdict.label == "zero" and a.parameter("b").verdict.size.label == "zero"
    va = a.parameter("a").verdict
    assert va.label == "not decided"                       # one size: no scaling claimed
    assert va.size.label == "trainable at this size"      # Var = 1/2 needs 1 shot
    assert va.size.shots_needed == pytest.approx(1.0)     # ‖Z‖² / (2 · 1/2)
    tight = analyze(model, shot_budget=0.5)
    assert tight.parameter("a").verdict.size.label == "vanishing at this size"
    with pytest.raises(ValueError, match="shot_budget"):
        analyze(model, shot_budget=0)


def test_data_states_are_simulated_once_per_analysis(monkeypatch):
    n = 3
    model = circuits.Model(embedding=circuits.hardware_efficient_embedding(n, layers=1),
                           ansatz=circuits.tensor_product(n, block_size=2) if n % 2 == 0 else circuits.hardware_efficient(n, 1),
                           observable=circuits.local_cost(cirq.LineQubit.range(n)),
                           dataset=circuits.load_dataset("digits", n_features=n, n_samples=7))
    calls = []
    original = circuits.Model.data_state

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(circuits.Model, "data_state", counting)
    a = analyze(model, registry=Registry([default_registry()["cerezo2021.local_cost_lower"]]))
    assert a.parameters[0].exact is not None
    assert len(calls) == 7  # before: 14 (the measures and the exact engine each simulated them)


def test_lie_closure_is_computed_once_per_analysis(monkeypatch):
    from bpcalc.bounds.theorems import larocca2022

    calls = []
    original = larocca2022.diagnose

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(larocca2022, "diagnose", counting)
    reg = default_registry()
    analyze(_vqa(2, 1), registry=Registry([reg["larocca2022.controllable_gradient"],
                                           reg["larocca2022.controllable_loss"]]))
    assert len(calls) == 1  # before: once per parameter and theorem (8 here)


def test_renderings_read_the_same_report():
    a = analyze(_vqa(2, 1))
    text = str(a)
    md = a._repr_markdown_()
    html = a._repr_html_()
    tex = a._repr_latex_()
    for name in (p.parameter for p in a.parameters):
        assert name in text and name in md and name in html
        assert name.replace("_", r"\_") in tex
    assert "loss variance" in text and "Arrasmith" in md and "<table>" in html
    assert tex.startswith(r"\begin{tabular}") and "theta_0" not in tex  # underscores escaped
    assert a.verdict.text.split(":")[0] in text


def test_monomial_and_rotation_fast_paths_match_cirq():
    from bpcalc.bounds.theorems import holmes2022 as H

    q = cirq.LineQubit.range(3)
    s = sympy.symbols("s0:5")
    circuit = cirq.Circuit(
        cirq.H(q[0]), cirq.rx(s[0]).on(q[1]), cirq.CNOT(q[0], q[2]), cirq.ry(s[1]).on(q[2]), cirq.CZ(q[1], q[2]),
        cirq.S(q[1]), cirq.Y(q[0]), cirq.rz(s[2]).on(q[0]), cirq.SWAP(q[0], q[1]), cirq.XX(q[0], q[2]) ** s[3],
        cirq.PauliString({q[0]: cirq.Y, q[1]: cirq.Z}) ** 0.5, cirq.ry(s[4]).on(q[1]), cirq.ISWAP(q[1], q[2]),
    )
    rng = np.random.default_rng(3)
    u = H._batched_unitaries(circuit, q, 4, rng)
    rng = np.random.default_rng(3)
    plan = H._draw_angles(circuit, 4, rng)
    for i in range(4):
        values = {}
        for op, rot in plan:
            if rot is not None:
                (sym_,) = cirq.parameter_symbols(op)
                aff = circuits.affine_angle(circuits.as_pauli_rotation(op).angle)
                values[sym_] = (rot[1][i] - aff.offset) / aff.coefficient
        want = cirq.Circuit(cirq.resolve_parameters(circuit, values)).unitary(qubit_order=q)
        # equal up to a global phase (X**t and exp(-iπtX/2) differ by one; it cancels in every ε)
        assert cirq.allclose_up_to_global_phase(u[i], want, atol=1e-10)
    psi = np.random.default_rng(4).normal(size=(4, 8)) + 0j
    states = H._apply_batched(psi, plan, q)
    assert np.allclose(states, np.einsum("sab,sb->sa", u, psi), atol=1e-10)
