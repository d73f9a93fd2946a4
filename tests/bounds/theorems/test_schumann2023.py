"""Schumann, Wilhelm, Ciani 2023 (arXiv:2310.08405): noisy 2-design layers, exact loss variance.

References independent of the theorem module: dense superoperators from Kraus operators, density matrices
of every single-qubit Clifford sequence (an exact unitary 2-design), seeded Haar sampling for two qubits.
"""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import scipy.stats

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.schumann2023 import layer_constants

THEOREM = get_theorem("schumann2023.two_design_layers")
CHANNELS = [cirq.amplitude_damp(0.3), cirq.generalized_amplitude_damp(0.3, 0.2), cirq.depolarize(0.1),
            cirq.asymmetric_depolarize(0.05, 0.1, 0.02)]
PAULI = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])]


def kraus_n(channel, n):
    ks = [np.array([[1.0]])]
    for _ in range(n):
        ks = [np.kron(a, k) for a in ks for k in cirq.kraus(channel)]
    return ks


def apply(ks, rho):
    return sum(k @ rho @ k.conj().T for k in ks)


def theorem_value(model, noise, layers):
    inst = THEOREM.instantiate(Context(model=model, values={"L": layers}, extra={"noise": noise},
                                       declared=frozenset({"two_design_noise_layers"})))
    assert not inst.refused, inst.refused
    return inst.value("loss_variance").value


@pytest.mark.parametrize("channel", CHANNELS)
def test_layer_constants_against_dense_superoperators(channel):
    for n in (1, 2):
        d = 2**n
        ks = kraus_n(channel, n)
        paulis = [np.array([[1.0]])]
        for _ in range(n):
            paulis = [np.kron(a, p) for a in paulis for p in PAULI]
        f = sum(np.linalg.norm(apply(ks, p)) ** 2 for p in paulis[1:]) / (d * (d * d - 1))
        g = np.linalg.norm(apply(ks, np.eye(d) / d) - np.eye(d) / d) ** 2
        assert layer_constants(channel, n) == pytest.approx((f, g), rel=1e-12, abs=1e-14)


def _model(n, obs):
    ansatz = circuits.hardware_efficient(n, 1)
    return circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(obs))


@pytest.mark.parametrize("channel", CHANNELS[:3])
def test_one_qubit_clifford_layers_exact(channel):
    """All 24^L sequences of single-qubit Cliffords (an exact 2-design) with noise after each: exact variance."""
    q = cirq.LineQubit(0)
    obs = cirq.Z(q) + 0.5 * cirq.X(q) + 0.3
    o = cirq.PauliSum.wrap(obs).matrix([q])
    cliffords = [cirq.unitary(c) for c in cirq.SingleQubitCliffordGate.all_single_qubit_cliffords]
    assert len(cliffords) == 24
    ks = kraus_n(channel, 1)
    for layers in (1, 2, 3):
        states = [np.diag([1.0, 0.0]).astype(complex)]
        for _ in range(layers):
            states = [apply(ks, u @ rho @ u.conj().T) for rho in states for u in cliffords]
        costs = np.array([np.real(np.trace(o @ rho)) for rho in states])
        assert theorem_value(_model(1, obs), channel, layers) == pytest.approx(costs.var(), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("channel", [CHANNELS[0], CHANNELS[2]])
def test_two_qubit_haar_layers_sampled(channel):
    """2500 seeded Haar-random 2-qubit circuits per depth (L = 1, 3): the sample variance is within 5 standard errors."""
    qs = cirq.LineQubit.range(2)
    obs = cirq.Z(qs[0]) + 0.7 * cirq.X(qs[0]) * cirq.Z(qs[1]) - 0.4 * cirq.Y(qs[1])
    o = cirq.PauliSum.wrap(obs).matrix(qs)
    ks = kraus_n(channel, 2)
    rng = np.random.default_rng(7)
    for layers in (1, 3):
        costs = []
        for _ in range(2500):
            rho = np.zeros((4, 4), dtype=complex)
            rho[0, 0] = 1
            for u in scipy.stats.unitary_group.rvs(4, size=layers, random_state=rng).reshape(layers, 4, 4):
                rho = apply(ks, u @ rho @ u.conj().T)
            costs.append(np.real(np.trace(o @ rho)))
        costs = np.array(costs)
        dev = (costs - costs.mean()) ** 2
        stderr = dev.std() / np.sqrt(len(costs))
        value = theorem_value(_model(2, obs), channel, layers)
        assert abs(dev.mean() - value) <= 5 * stderr, (layers, dev.mean(), value, stderr)


def test_unital_decay_and_nonunital_floor():
    qs = cirq.LineQubit.range(3)
    model = _model(3, cirq.Z(qs[0]))
    dep = [theorem_value(model, cirq.depolarize(0.1), layers) for layers in range(1, 8)]
    ratios = np.array(dep[1:]) / np.array(dep[:-1])
    f, _ = layer_constants(cirq.depolarize(0.1), 3)
    assert ratios == pytest.approx(f, rel=1e-12)                 # exactly f per layer: exponential in L
    ad = [theorem_value(model, cirq.amplitude_damp(0.3), layers) for layers in (80, 160)]
    assert ad[0] == pytest.approx(ad[1], rel=1e-9) and ad[1] > 0   # the purity floor g/(1 − f)


def test_refusals():
    qs = cirq.LineQubit.range(2)
    model = _model(2, cirq.Z(qs[0]))
    undeclared = THEOREM.instantiate(Context(model=model, values={"L": 2}, extra={"noise": cirq.depolarize(0.1)}))
    assert undeclared.refused
    no_noise = THEOREM.instantiate(Context(model=model, values={"L": 2}, declared=frozenset({"two_design_noise_layers"})))
    assert any("noise" in str(r) for r in no_noise.refused)
    unitary = THEOREM.instantiate(Context(model=model, values={"L": 2}, extra={"noise": cirq.X},
                                          declared=frozenset({"two_design_noise_layers"})))
    assert unitary.refused
