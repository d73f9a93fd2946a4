"""Singkanipa & Lidar 2024 (arXiv:2402.08721): HS-contraction gradient bounds vs density matrices."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.noise_layers import hs_contraction

_spec = importlib.util.spec_from_file_location("noisy_brute", pathlib.Path(__file__).with_name("noisy_brute.py"))
brute = sys.modules.setdefault("noisy_brute", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(brute)

UNITAL = get_theorem("singkanipa2024.unital_noise")
HS = get_theorem("singkanipa2024.hs_contractive_noise")


def dense_contraction(channel, n: int) -> float:
    """``max ‖N^{⊗n}(A)‖₂/‖A‖₂`` over traceless A, from the dense superoperator on matrix units."""
    kraus = [np.asarray(k) for k in cirq.kraus(channel)]
    big = [np.array([[1.0]])]
    for _ in range(n):
        big = [np.kron(a, k) for a in big for k in kraus]
    d = 2**n
    basis = []
    for i in range(d):
        for j in range(d):
            e = np.zeros((d, d), dtype=complex)
            e[i, j] = 1
            basis.append(e)
    sup = np.stack([sum(k @ e @ k.conj().T for k in big).ravel() for e in basis], axis=1)
    # traceless subspace: orthonormal basis of matrices with zero trace
    trace_vec = np.eye(d).ravel() / np.sqrt(d)
    proj = np.eye(d * d) - np.outer(trace_vec, trace_vec)
    u, s, _ = np.linalg.svd(proj)
    tl = u[:, : d * d - 1]
    return float(np.linalg.norm(sup @ tl, 2))


@pytest.mark.parametrize("channel", [cirq.depolarize(0.1), cirq.amplitude_damp(0.3), cirq.phase_damp(0.2),
                                     cirq.generalized_amplitude_damp(0.3, 0.2),
                                     cirq.asymmetric_depolarize(0.05, 0.1, 0.02)])
def test_hs_contraction_against_dense_matrices(channel):
    for n in (1, 2, 3):
        assert hs_contraction(channel, n) == pytest.approx(dense_contraction(channel, n), rel=1e-9, abs=1e-12)


def test_amplitude_damping_not_hs_contractive_on_many_qubits():
    values = [hs_contraction(cirq.amplitude_damp(0.1), n) for n in range(1, 7)]
    assert values[0] == pytest.approx(np.sqrt(0.9))
    assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))     # non-decreasing in n
    assert values[2] < 1 < values[3]                                   # contractive up to n = 3 only
    assert dense_contraction(cirq.amplitude_damp(0.1), 4) > 1          # independent confirmation
    qs = cirq.LineQubit.range(4)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit([cirq.ry(t).on(qs[0])] + [cirq.I(q) for q in qs[1:]]),
                           observable=cirq.PauliSum.wrap(cirq.Z(qs[0])))
    inst = HS.instantiate(Context(model=model, parameter=t, extra={"noise": cirq.amplitude_damp(0.1)}))
    assert not inst.values and "not HS-contractive" in inst.refused[0].reason


def _random_model(n: int, layers: int, seed: int):
    rng = np.random.default_rng(seed)
    qs = cirq.LineQubit.range(n)
    ops, k = [], 0
    for _ in range(layers):
        for q in qs:
            s = sympy.Symbol(f"t{k}")
            k += 1
            ops.append([cirq.rx, cirq.ry, cirq.rz][rng.integers(3)](s).on(q))
        for j in range(n - 1):
            ops.append(cirq.CZ(qs[j], qs[j + 1]))
    obs = cirq.PauliSum.wrap(cirq.Z(qs[0]) * cirq.Z(qs[-1])) if n > 1 else cirq.PauliSum.wrap(cirq.Z(qs[0]))
    obs += 0.5 * cirq.X(qs[0])
    return circuits.Model(ansatz=cirq.Circuit(ops), observable=obs), qs


def _check_theorem(theorem, channel, n, layers, seed, which):
    model, qs = _random_model(n, layers, seed)
    symbols = model.trainable_symbols
    params = [symbols[0], symbols[-1]] if which == "both" else [symbols[0]]
    for p in params:
        inst = theorem.instantiate(Context(model=model, parameter=p, extra={"noise": channel}))
        assert not inst.refused, inst.refused
        f = inst.value("gradient_magnitude").value
        mx, var = brute.gradient_moments(model.circuit, model.observable, channel, qs, p)
        assert mx <= f * (1 + 1e-9)
        assert var <= inst.value("variance").value * (1 + 1e-9)
        exact = exact_gradient_variance(model.circuit, model.observable, parameters=p, noise=channel, method="exact")
        assert float(exact.values[0]) == pytest.approx(var, rel=1e-7, abs=1e-12)   # the engine agrees


@pytest.mark.parametrize("channel,n,layers", [(cirq.depolarize(0.05), 2, 2), (cirq.depolarize(0.2), 3, 1),
                                              (cirq.asymmetric_depolarize(0.1, 0.02, 0.05), 2, 2)])
def test_unital_bound_against_density_matrices(channel, n, layers):
    _check_theorem(UNITAL, channel, n, layers, seed=n + layers, which="both")


@pytest.mark.parametrize("channel,n,layers", [(cirq.amplitude_damp(0.2), 2, 2), (cirq.amplitude_damp(0.5), 3, 1),
                                              (cirq.generalized_amplitude_damp(0.3, 0.2), 2, 2),
                                              (cirq.depolarize(0.1), 2, 2)])
def test_hs_bound_against_density_matrices(channel, n, layers):
    _check_theorem(HS, channel, n, layers, seed=10 + n + layers, which="both")


@pytest.mark.parametrize("p", [0.02, 0.2])
def test_unital_bound_tight_for_one_qubit(p):
    """One RY then depolarizing noise, O = Z: C̃ = q cos θ, max|∂C̃| = q = F exactly."""
    q0 = cirq.LineQubit(0)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q0)), observable=cirq.PauliSum.wrap(cirq.Z(q0)))
    inst = UNITAL.instantiate(Context(model=model, parameter=t, extra={"noise": cirq.depolarize(p)}))
    f = inst.value("gradient_magnitude").value
    exact = max(abs(brute.noisy_gradient(model.circuit, model.observable, cirq.depolarize(p), [q0], {t: th}, t))
                for th in np.linspace(0, np.pi, 13))
    assert exact == pytest.approx(1 - 4 * p / 3, rel=1e-9)
    assert f == pytest.approx(exact, rel=1e-9)


def test_unital_refuses_amplitude_damping_and_undeclared_noise():
    q0 = cirq.LineQubit(0)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q0)), observable=cirq.PauliSum.wrap(cirq.Z(q0)))
    inst = UNITAL.instantiate(Context(model=model, parameter=t, extra={"noise": cirq.amplitude_damp(0.1)}))
    assert not inst.values and "not unital" in inst.refused[0].reason
    inst = UNITAL.instantiate(Context(model=model, parameter=t))
    assert not inst.values and "no noise declared" in inst.refused[0].reason
    inst = UNITAL.instantiate(Context(model=model, parameter=t, extra={"noise": cirq.phase_damp(0.2)}))
    assert not inst.values and "q_n = 1" in inst.refused[0].reason
    inst = UNITAL.instantiate(Context(model=model, parameter=t, extra={"noise": cirq.X}))   # a unitary: q = 1
    assert not inst.values and "X on 1 qubits is not HS-contractive" in inst.refused[0].reason
    inst = UNITAL.instantiate(Context(model=model, parameter=t, extra={"noise": "depolarize"}))
    assert not inst.values and "must be a single-qubit cirq channel gate" in inst.refused[0].reason


def test_late_parameter_keeps_gradient_under_amplitude_damping():
    """Non-unital noise: the bound for the last-layer parameter does not decay with depth, and the exact
    gradient of a late parameter stays large while an early one decays (the q^{b_k} structure)."""
    q0 = cirq.LineQubit(0)
    syms = sympy.symbols("a0:4")
    ansatz = cirq.Circuit([cirq.ry(s).on(q0) if i % 2 == 0 else cirq.rx(s).on(q0) for i, s in enumerate(syms)])
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.Z(q0)))
    ch = cirq.amplitude_damp(0.6)
    early = HS.instantiate(Context(model=model, parameter=syms[0], extra={"noise": ch}))
    late = HS.instantiate(Context(model=model, parameter=syms[-1], extra={"noise": ch}))
    assert early.substitutions["b_k"] == 4 and late.substitutions["b_k"] == 1
    assert early.value("gradient_magnitude").value < 0.3 * late.value("gradient_magnitude").value
    _, v_early = brute.gradient_moments(ansatz, model.observable, ch, [q0], syms[0])
    _, v_late = brute.gradient_moments(ansatz, model.observable, ch, [q0], syms[-1])
    assert v_early <= early.value("variance").value and v_late <= late.value("variance").value
    assert v_late > 10 * v_early


def test_noise_convention_refusals_and_bad_inputs():
    """Idle qubits get no noise from with_noise (refused by noise_moments); bad channels / sizes: one clear error."""
    from bpcalc.bounds.theorems.noise_layers import MAX_NONUNITAL_QUBITS, noise_moments

    qs = cirq.LineQubit.range(2)
    with pytest.raises(ValueError, match="carry no gate"):
        noise_moments(cirq.Circuit(cirq.ry(sympy.Symbol("t")).on(qs[0])), qs)
    assert noise_moments(cirq.Circuit(cirq.ry(sympy.Symbol("t")).on(qs[0]), cirq.CZ(*qs)), qs) == 2
    with pytest.raises(ValueError, match="positive integer"):
        hs_contraction(cirq.depolarize(0.1), 0)
    with pytest.raises(ValueError, match="single-qubit cirq channel"):
        hs_contraction(cirq.CZ, 2)
    with pytest.raises(ValueError, match="computed up to"):
        hs_contraction(cirq.amplitude_damp(0.1), MAX_NONUNITAL_QUBITS + 1)
    assert hs_contraction(cirq.depolarize(0.1), 1000) == pytest.approx(1 - 0.4 / 3)   # unital: any n


COST = get_theorem("singkanipa2024.unital_cost_concentration")


@pytest.mark.parametrize("channel,n,layers", [(cirq.depolarize(0.1), 2, 2), (cirq.depolarize(0.3), 3, 1),
                                              (cirq.asymmetric_depolarize(0.05, 0.1, 0.02), 2, 1)])
def test_cost_concentration_against_density_matrices(channel, n, layers):
    model, qs = _random_model(n, layers, seed=20 + n)
    inst = COST.instantiate(Context(model=model, extra={"noise": channel}))
    assert not inst.refused, inst.refused
    bound = inst.value("cost_deviation").value
    centre = float(np.real(np.trace(model.observable.matrix(qs)))) / 2**n
    rng = np.random.default_rng(n)
    symbols = model.trainable_symbols
    devs = [abs(brute.noisy_cost(model.circuit, model.observable, channel, qs,
                                 dict(zip(symbols, rng.uniform(0, 2 * np.pi, len(symbols))))) - centre)
            for _ in range(8)]
    assert max(devs) <= bound * (1 + 1e-9)
    assert max(devs) > 1e-3 * bound
    # tight: one qubit, RZ on |0⟩ (stays |0⟩), O = Z: C̃ = q^M exactly
    q0 = cirq.LineQubit(0)
    t = sympy.Symbol("t")
    one = circuits.Model(ansatz=cirq.Circuit([cirq.Moment(cirq.rz(t).on(q0))] * 1 + [cirq.Moment(cirq.I(q0))] * 2),
                         observable=cirq.PauliSum.wrap(cirq.Z(q0)))
    value = COST.instantiate(Context(model=one, extra={"noise": cirq.depolarize(0.1)})).value("cost_deviation").value
    exact = brute.noisy_cost(one.circuit, one.observable, cirq.depolarize(0.1), [q0], {t: 0.3})
    assert exact == pytest.approx(value, rel=1e-9) and exact == pytest.approx((1 - 0.4 / 3) ** 3, rel=1e-9)
    refused = COST.instantiate(Context(model=one, extra={"noise": cirq.amplitude_damp(0.1)}))
    assert not refused.values and "not unital" in refused.refused[0].reason
