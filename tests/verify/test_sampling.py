"""Sampled gradient variances and their intervals against exact values (verify.sampling)."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds.exact import exact_gradient_variance, exact_model_gradient_variance
from bpcalc.verify.backends import DensityMatrix, noise_model
from bpcalc.verify.sampling import sample_gradient_variance, sample_gradients, symbol_distributions

Q3 = cirq.LineQubit.range(3)
HEA = circuits.hardware_efficient(3, 2)


def _grid_variance(circuit, observable, symbols, wanted, m=5, data=None, loss="linear"):
    """Brute force: exact uniform average over an m-point grid per parameter (exact for trig
    polynomials of degree < m), gradients by the shift rule written out here; expectation values
    from cirq.Simulator for small grids, else from the engine (checked against Cirq in test_engine)."""
    grid = 2 * np.pi * np.arange(m) / m
    points = np.array(list(itertools.product(grid, repeat=len(symbols))))
    k = symbols.index(wanted)
    xs, ys = (np.zeros((1, 0)), np.ones(1)) if data is None else data
    data_syms = [sympy.Symbol(f"x_{j}") for j in range(xs.shape[1])]
    rows, tags = [], []
    for p in points:
        for i, x in enumerate(xs):
            for shift in (0.0, np.pi / 2, -np.pi / 2):
                v = p.copy()
                v[k] += shift
                rows.append(dict(zip(symbols + data_syms, list(v) + list(x))))
    if len(rows) <= 5000:
        sim = cirq.Simulator(dtype=np.complex128)
        ev = np.array([r[0].real for r in sim.simulate_expectation_values_sweep(circuit, [observable], rows)])
    else:
        from bpcalc.verify.engine import compile_circuit

        order = symbols + data_syms
        bc = compile_circuit(circuit, symbols=order, dtype=np.complex128)
        ev = bc.expectation(np.array([[r[s] for s in order] for r in rows]), observable)
    ev = ev.reshape(len(points), len(xs), 3)
    ell, dl = ev[:, :, 0], (ev[:, :, 1] - ev[:, :, 2]) / 2
    if loss == "linear":
        fp = np.broadcast_to(ys, ell.shape)
    elif loss == "mse":
        fp = 2 * (ell - ys)
    else:  # nll, p_y = ℓ for y > 0 else 1 − ℓ
        p = np.where(ys > 0, ell, 1 - ell)
        fp = np.where(ys > 0, -1.0, 1.0) / p
    g = (fp * dl).mean(axis=1)
    return float(g.var()), float((dl**2).mean() - 0), dl


def _small_circuit():
    a, b, c = sympy.symbols("a b c")
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit([cirq.ry(a).on(q[0]), cirq.rx(b).on(q[1]), cirq.CZ(*q), cirq.ry(c).on(q[1]), cirq.CNOT(*q)])
    obs = cirq.X(q[0]) * cirq.Z(q[1]) + 0.5 * cirq.Z(q[1]) + 0.3 * cirq.Y(q[0])
    return circuit, obs, [a, b, c]


def test_exact_engine_and_brute_force_agree_on_the_reference_instance():
    circuit, obs, syms = _small_circuit()
    brute, _, _ = _grid_variance(circuit, obs, syms, syms[0])
    assert exact_gradient_variance(circuit, obs, parameters=[syms[0]]).values[0] == pytest.approx(brute, rel=1e-9)


def test_interval_contains_brute_force_value():
    circuit, obs, syms = _small_circuit()
    for k, s in enumerate(syms):
        brute, _, _ = _grid_variance(circuit, obs, syms, s)
        assert brute > 1e-3
        est = sample_gradient_variance((circuit, obs), s.name, 4000, seed=10 + k)
        assert est.ci_low <= brute <= est.ci_high, (s, est, brute)
        assert abs(est.mean) < 5 * est.mean_stderr


def test_interval_coverage_over_seeds():
    """The bootstrap interval covers the exact value at about the stated confidence (100 seeds).

    Local cost, HEA(3, 2), 300 draws per seed.  Binomial sd of the coverage over 100 seeds is
    0.022; measured (300 seeds, see the note): bootstrap 0.93, chi-square 0.95 for this
    light-tailed case.
    """
    obs = circuits.local_cost(Q3)
    exact = exact_gradient_variance(HEA, obs, parameters=["theta_0_1_0"]).values[0]
    hits = [
        sample_gradient_variance((HEA, obs), "theta_0_1_0", 300, seed=2000 + s, n_bootstrap=500).contains(exact)
        for s in range(100)
    ]
    assert 0.87 <= np.mean(hits) <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("shots", [None, 50])
def test_interval_coverage_heavy_tailed_gradients(shots):
    """Global cost (excess kurtosis ~2.4): the chi-square interval under-covers (~0.80),
    the BCa bootstrap interval stays near nominal; with shots the corrected interval still covers."""
    obs = circuits.global_cost(Q3)
    exact = exact_gradient_variance(HEA, obs, parameters=["theta_0_1_0"]).values[0]
    boot, chi = [], []
    for s in range(300):
        e = sample_gradient_variance((HEA, obs), "theta_0_1_0", 600, shots=shots, seed=5000 + s, n_bootstrap=1000)
        boot.append(e.bootstrap_low <= exact <= e.bootstrap_high)
        chi.append(e.chi2_low <= exact <= e.chi2_high)
    assert np.mean(boot) >= 0.90
    assert np.mean(boot) > np.mean(chi)


def test_shot_noise_is_removed_and_reported():
    obs = circuits.local_cost(Q3)
    exact = exact_gradient_variance(HEA, obs, parameters=["theta_0_1_0"]).values[0]
    est = sample_gradient_variance((HEA, obs), "theta_0_1_0", 6000, shots=20, seed=3)
    assert est.shots == 20 and est.shot_noise > 0
    assert est.raw_variance == pytest.approx(est.value + est.shot_noise)
    # finite shots inflate the raw variance by the mean shot variance: raw is biased, value is not
    assert est.raw_variance > est.ci_high or est.raw_variance > exact * 1.3
    assert est.ci_low <= exact <= est.ci_high


def test_model_with_data_linear_loss_matches_exact_engine():
    n = 4
    ansatz = circuits.tensor_product(n, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                           embedding=circuits.make_embedding("hee", n, 1),
                           dataset=circuits.load_dataset("digits", n, n_samples=5), loss="linear")
    y = np.asarray(model.dataset.y, dtype=float)
    exact = exact_model_gradient_variance(model, ["theta_0_b0_1"], weights=y / len(y))
    loss_est = sample_gradient_variance(model, "theta_0_b0_1", 2500, seed=4)
    out_est = sample_gradient_variance(model, "theta_0_b0_1", 2500, seed=4, quantity="output")
    assert loss_est.quantity == "loss" and out_est.quantity == "output"
    assert loss_est.ci_low <= exact.values[0] <= loss_est.ci_high
    assert out_est.ci_low <= float(np.mean(exact.per_state[0])) <= out_est.ci_high


@pytest.mark.parametrize("loss", ["mse", "nll"])
def test_nonlinear_losses_match_brute_force(loss):
    circuit, obs, syms = _small_circuit()
    x0 = sympy.Symbol("x_0")
    q = cirq.LineQubit.range(2)
    embedding = cirq.Circuit(cirq.rx(x0).on(q[0]), cirq.rx(x0).on(q[1]))
    observable = 0.5 + 0.4 * cirq.Z(q[0]) * cirq.Z(q[1])  # in [0.1, 0.9]: a probability for the NLL
    xs = np.array([[0.3], [1.9], [2.6]])
    ys = np.array([1.0, -1.0, 1.0])
    model = circuits.Model(ansatz=circuit, observable=observable, embedding=embedding,
                           dataset=circuits.Dataset(x=xs, y=ys, name="toy"), loss=loss)
    full = embedding + circuit
    m = 5 if loss == "mse" else 16  # mse: (∂L)² has degree 4 per angle; nll: periodic quadrature
    brute, _, _ = _grid_variance(full, observable, syms, syms[1], m=m, data=(xs, ys), loss=loss)
    est = sample_gradient_variance(model, "b", 4000, seed=8)
    tol = 0 if loss == "mse" else 0.02 * brute  # the NLL grid is a quadrature, not exact
    assert est.ci_low - tol <= brute <= est.ci_high + tol, (est, brute)
    shot_est = sample_gradient_variance(model, "b", 3000, shots=200, seed=9)
    assert shot_est.ci_low - tol <= brute <= shot_est.ci_high + tol, (shot_est, brute)


def test_exponent_symbol_conventions():
    q = cirq.LineQubit.range(2)
    s, t = sympy.symbols("s t")
    pow_c = cirq.Circuit([cirq.X(q[0]) ** s, cirq.CNOT(*q), cirq.Y(q[1]) ** t])
    rot_c = cirq.Circuit([cirq.rx(s).on(q[0]), cirq.CNOT(*q), cirq.ry(t).on(q[1])])
    obs = cirq.Z(q[1])
    exact = exact_gradient_variance(rot_c, obs, parameters=["s"]).values[0]
    angle = sample_gradient_variance((pow_c, obs), "s", 4000, seed=1)
    assert angle.derivative == "d/d(pi*s)" and angle.contains(exact)
    symbol = sample_gradient_variance((pow_c, obs), "s", 4000, seed=1, exponent_symbols="symbol")
    assert symbol.value == pytest.approx(np.pi**2 * angle.value, rel=1e-9)
    with pytest.raises(ValueError, match="refuse"):
        sample_gradient_variance((pow_c, obs), "s", 10, exponent_symbols="refuse")
    d = symbol_distributions(pow_c, [s, t])
    assert (d[0].low, d[0].high) == (0.0, 2.0)
    d2 = symbol_distributions(rot_c, [s], parameter_range=(0, 1))
    assert (d2[0].low, d2[0].high, d2[0].scale) == (0.0, 1.0, 1.0)


def test_non_integer_frequency_is_noted():
    q = cirq.LineQubit(0)
    a = sympy.Symbol("a")
    est = sample_gradient_variance((cirq.Circuit(cirq.rx(0.5 * a).on(q)), cirq.Z(q)), "a", 50, seed=0)
    assert any("not integer frequencies" in n for n in est.notes)


def test_engines_agree_statistically_and_noise_reduces_the_variance():
    obs = circuits.local_cost(Q3)
    exact = exact_gradient_variance(HEA, obs, parameters=["theta_0_0_0"]).values[0]
    cq = sample_gradient_variance((HEA, obs), "theta_0_0_0", 150, engine="cirq", seed=2, confidence=0.99)
    assert cq.engine == "cirq" and cq.contains(exact)
    noisy = sample_gradient_variance((HEA, obs), "theta_0_0_0", 150, confidence=0.99,
                                     engine=DensityMatrix(noise=noise_model("depolarizing", 0.1)), seed=3)
    assert noisy.engine == "density_matrix" and noisy.ci_high < exact


def test_sample_gradients_shapes_and_bad_inputs():
    obs = circuits.local_cost(Q3)
    s = sample_gradients((HEA, obs), ["theta_0_0_0", 1], 10, seed=0)
    assert s.loss_gradients.shape == (10, 2) and s.output_gradients.shape == (10, 2, 1)
    assert sample_gradients((HEA, obs), "theta_0_0_0", 10, seed=0).loss_gradients.tolist() == \
        s.loss_gradients[:, :1].tolist()
    with pytest.raises(ValueError, match="n_samples"):
        sample_gradients((HEA, obs), "all", 1)
    with pytest.raises(ValueError, match="unknown trainable parameter"):
        sample_gradients((HEA, obs), "nope", 10)
    with pytest.raises(ValueError, match="out of range"):
        sample_gradients((HEA, obs), 999, 10)
    with pytest.raises(ValueError, match="observable"):
        sample_gradients(HEA, "all", 10)
    with pytest.raises(TypeError, match="Model"):
        sample_gradients("circuit", "all", 10, observable=obs)
    with pytest.raises(ValueError, match="adjoint"):
        sample_gradients((HEA, obs), "all", 10, engine="cirq", method="adjoint")
    with pytest.raises(ValueError, match="parameter_range"):
        sample_gradients((HEA, obs), "all", 10, parameter_range=(1, 0))
    model = circuits.Model(ansatz=circuits.tensor_product(2, 2), observable=circuits.local_cost(cirq.LineQubit.range(2)),
                           embedding=circuits.make_embedding("tpe", 2))
    with pytest.raises(ValueError, match="no dataset"):
        sample_gradients(model, "all", 10)
