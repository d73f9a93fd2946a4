"""Wang et al. 2021 (arXiv:2007.14384): noise-induced gradient bound vs density-matrix simulation."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

import circuits
from bounds import get_theorem
from bounds.registry import Context
from bounds.theorems.wang2021 import generator_norm

THEOREM = get_theorem("wang2021.noise_induced")


def noisy(circuit: cirq.Circuit, p: float) -> cirq.Circuit:
    """Depolarizing noise on every qubit before the circuit and after every moment."""
    qs = sorted(circuit.all_qubits())
    out = cirq.Circuit(cirq.Moment(cirq.depolarize(p).on_each(*qs)))
    for moment in circuit:
        out.append(moment)
        out.append(cirq.Moment(cirq.depolarize(p).on_each(*qs)))
    return out


def noisy_cost(circuit, observable, resolver, qubits) -> float:
    sim = cirq.DensityMatrixSimulator(dtype=np.complex128)
    rho = sim.simulate(cirq.resolve_parameters(circuit, resolver), qubit_order=qubits).final_density_matrix
    return float(np.real(np.trace(rho @ observable.matrix(qubits))))


def shift_gradient(circuit, observable, values: dict, symbol, qubits) -> float:
    plus, minus = dict(values), dict(values)
    plus[symbol] += np.pi / 2
    minus[symbol] -= np.pi / 2
    return (noisy_cost(circuit, observable, plus, qubits) - noisy_cost(circuit, observable, minus, qubits)) / 2


@pytest.mark.parametrize("p", [0.02, 0.1, 0.3])
def test_single_qubit_bound_is_nearly_tight(p):
    q0 = cirq.LineQubit(0)
    theta = sympy.Symbol("theta_0_0_0")
    ansatz = cirq.Circuit(cirq.ry(theta).on(q0))
    obs = cirq.PauliSum.wrap(cirq.Z(q0))
    model = circuits.Model(ansatz=ansatz, observable=obs)
    q = 1 - 4 * p / 3
    inst = THEOREM.instantiate(Context(model=model, parameter=theta, values={"q": q}))
    f = inst.value("gradient_magnitude").value
    circ = noisy(ansatz, p)
    grads = [abs(shift_gradient(circ, obs, {theta: t}, theta, [q0])) for t in np.linspace(0, np.pi, 9)]
    assert max(grads) == pytest.approx(q**2, rel=1e-9)          # |∂C̃| = q² |sin θ|
    assert max(grads) <= f
    assert max(grads) / f > 0.8                                 # F is within 20 % here


@pytest.mark.parametrize("n,layers,p", [(2, 1, 0.05), (3, 2, 0.02), (3, 2, 0.2)])
def test_bound_holds_under_depolarizing_noise(n, layers, p):
    rng = np.random.default_rng(n * 10 + layers)
    ansatz = circuits.hardware_efficient(n, layers, rotations=("ry", "rx"))
    qubits = sorted(ansatz.all_qubits())
    obs = circuits.parse_pauli_sum("0.5*Z0*Z1 + 0.3*X1 - 0.2*Y0", qubits=qubits) + 0.7
    model = circuits.Model(ansatz=ansatz, observable=obs)
    circ = noisy(ansatz, p)
    q = 1 - 4 * p / 3
    symbols = model.trainable_symbols
    for k in (0, len(symbols) // 2, len(symbols) - 1):
        s = symbols[k]
        inst = THEOREM.instantiate(Context(model=model, parameter=s, values={"q": q}))
        assert not inst.refused, inst.refused
        assert inst.substitutions["L"] == len(ansatz)
        f = inst.value("gradient_magnitude").value
        grads = []
        for _ in range(6):
            values = {t: float(rng.uniform(0, 2 * np.pi)) for t in symbols}
            grads.append(shift_gradient(circ, obs, values, s, qubits))
        grads = np.array(grads)
        assert np.all(np.abs(grads) <= f)
        assert np.mean(grads**2) <= inst.value("variance").value
        # the bound is not vacuous here: F < 1 = the noiseless scale of |∂C|
        assert f < np.sum(np.abs([0.5, 0.3, 0.2])) * 2


def test_generator_norm_counts_every_gate_and_coefficient():
    a = sympy.Symbol("a")
    q = cirq.LineQubit.range(2)
    c = cirq.Circuit(cirq.rx(2 * a).on(q[0]), cirq.ZZPowGate(exponent=a / np.pi).on(*q))
    assert generator_norm(c, a) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="does not occur"):
        generator_norm(c, sympy.Symbol("b"))


def test_refusals():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q[0]), cirq.CZ(*q)),
                           observable=cirq.PauliSum.wrap(cirq.Z(q[1])))
    missing = THEOREM.instantiate(Context(model=model, parameter=t))
    assert not missing.values and "values['q']" in missing.refused[0].reason
    bad_q = THEOREM.instantiate(Context(model=model, parameter=t, values={"q": 1.0}))
    assert not bad_q.values and "outside [0, 1)" in bad_q.refused[0].reason
    cz = circuits.Model(ansatz=cirq.Circuit(cirq.ry(sympy.Symbol("s")).on(q[0]), (cirq.CZ**t).on(*q)),
                        observable=cirq.PauliSum.wrap(cirq.Z(q[1])))
    inst = THEOREM.instantiate(Context(model=cz, parameter=t, values={"q": 0.9}))
    assert not inst.values and "not a Pauli rotation" in inst.refused[0].reason
