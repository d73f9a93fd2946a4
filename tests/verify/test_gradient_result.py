"""One gradient result type (issue #14): sampled loss gradients are a GradientResult with a data axis."""

from __future__ import annotations

import warnings

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.verify.gradient_result import GradientResult, combine_loss_gradients, loss_derivatives
from bpcalc.verify.sampling import sample_gradients, variance_estimates


def _toy_model(loss: str):
    a, b = sympy.symbols("a b")
    x0 = sympy.Symbol("x_0")
    q = cirq.LineQubit.range(2)
    ansatz = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CZ(*q), cirq.rx(b).on(q[1]))
    embedding = cirq.Circuit(cirq.rx(x0).on(q[0]), cirq.rx(x0).on(q[1]))
    observable = 0.5 + 0.4 * cirq.Z(q[0]) * cirq.Z(q[1])
    data = circuits.Dataset(x=np.array([[0.3], [1.9], [2.6]]), y=np.array([1.0, -1.0, 1.0]), name="toy")
    return circuits.Model(ansatz=ansatz, observable=observable, embedding=embedding, dataset=data, loss=loss)


@pytest.mark.parametrize("loss", ["linear", "mse", "nll"])
def test_sampled_loss_gradient_is_the_derivative_of_the_loss(loss):
    """values = ∂L per draw, checked by central finite differences of L(θ) computed with cirq."""
    model = _toy_model(loss)
    r = sample_gradients(model, "all", 3, seed=5, method="parameter_shift")
    assert type(r) is GradientResult and r.has_data and r.loss == loss
    assert r.values.shape == (3, 2) and r.per_datapoint.shape == (3, 2, 3) and r.n_data == 3
    assert r.loss_gradients is r.values and r.output_gradients is r.per_datapoint and r.parameters == ("a", "b")
    # the draws, regenerated the way sample_gradients draws them (same seed sequence)
    draw_rng = np.random.default_rng(np.random.SeedSequence(5).spawn(2)[0])
    theta = draw_rng.uniform([d.low for d in r.distributions], [d.high for d in r.distributions], size=(3, 2))
    sim = cirq.Simulator(dtype=np.complex128)
    xs, ys = model.dataset.x, model.dataset.y

    def big_l(t):
        rows = [{"a": t[0], "b": t[1], "x_0": x[0]} for x in xs]
        ell = np.array([v[0].real for v in sim.simulate_expectation_values_sweep(model.circuit, [model.observable], rows)])
        if loss == "linear":
            return float(np.mean(ys * ell))
        if loss == "mse":
            return float(np.mean((ell - ys) ** 2))
        return float(np.mean(-np.log(np.where(ys > 0, ell, 1 - ell))))

    h = 1e-4
    for i, t in enumerate(theta):
        for k in range(2):
            e = np.zeros(2)
            e[k] = h
            fd = (big_l(t + e) - big_l(t - e)) / (2 * h)
            assert r.values[i, k] == pytest.approx(fd, abs=1e-6), (i, k)


def test_shot_variance_of_the_combined_loss_gradient_is_unbiased():
    """MSE with independent Gaussian noise on ℓ and ∂ℓ: the returned variance is the spread of ∂L."""
    rng = np.random.default_rng(0)
    m = 200_000
    ell, y = np.array([0.3, 0.7]), np.array([1.0, -1.0])
    grad = np.array([[0.5], [-0.2]])  # (N, K)
    v_ell, v_g = np.array([0.01, 0.02]), np.array([[0.03], [0.01]])
    ell_hat = ell + np.sqrt(v_ell) * rng.standard_normal((m, 2))
    g_hat = grad + np.sqrt(v_g) * rng.standard_normal((m, 2, 1))
    lg, lv = combine_loss_gradients("mse", ell_hat, np.broadcast_to(y, (m, 2)), g_hat,
                                    gradient_shot_variances=np.broadcast_to(v_g, (m, 2, 1)),
                                    ell_shot_variances=np.broadcast_to(v_ell, (m, 2)))
    assert lg.shape == lv.shape == (m, 1)
    assert float(lv.mean()) == pytest.approx(float(lg.var()), rel=0.02)
    exact_mean = float(np.mean(2 * (ell - y) * grad[:, 0]))
    assert float(lg.mean()) == pytest.approx(exact_mean, abs=5 * float(lg.std()) / np.sqrt(m))


def test_loss_derivatives_and_bad_loss():
    f1, f2 = loss_derivatives("nll", np.array([0.25, 0.25]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(f1, [-4.0, 1 / 0.75])
    np.testing.assert_allclose(f2, [16.0, 1 / 0.75**2])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        loss_derivatives("hinge", np.zeros(1), np.zeros(1))


def test_result_without_data_axis_and_bad_fields():
    a = sympy.Symbol("a")
    r = GradientResult(np.array([[0.5], [0.1]]), (a,), "parameter_shift_shots", shot_variances=np.array([[0.1], [0.2]]))
    assert r.output_gradients.shape == (2, 1, 1) and r.output_shot_variances[:, 0, 0].tolist() == [0.1, 0.2]
    assert r.loss is None and not r.has_data and r.n_samples == 2 and r.n_data == 1
    with pytest.raises(ValueError, match="per_datapoint must be"):
        GradientResult(np.zeros((2, 1)), (a,), "adjoint", per_datapoint=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="loss must be one of"):
        GradientResult(np.zeros((2, 1)), (a,), "adjoint", loss="hinge")


def test_old_gradient_samples_name_is_a_deprecated_alias():
    from bpcalc import verify
    from bpcalc.verify import sampling

    for owner in (sampling, verify):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert owner.GradientSamples is GradientResult
        assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert "GradientSamples" not in verify.__all__ and "GradientSamples" not in sampling.__all__


def test_variance_estimates_read_the_data_axis():
    """quantity='output' averages Var[∂ℓ_i] over the data axis; 'loss' takes values."""
    r = sample_gradients(_toy_model("linear"), "b", 400, seed=3)
    out = variance_estimates(r, quantity="output", n_bootstrap=100)[0]
    loss = variance_estimates(r, quantity="loss", n_bootstrap=100)[0]
    assert loss.value == pytest.approx(float(np.var(r.values[:, 0], ddof=1)))
    assert out.value == pytest.approx(float(np.mean(np.var(r.per_datapoint[:, 0, :], axis=0, ddof=1))))
