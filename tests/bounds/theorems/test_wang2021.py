"""Wang et al. 2021 (arXiv:2007.14384): noise-induced gradient bound vs density-matrix simulation."""

from __future__ import annotations

import math
from functools import reduce

import cirq
import numpy as np
import pytest
import scipy.optimize
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.wang2021 import generator_norm

THEOREM = get_theorem("wang2021.noise_induced")
C = 1 / (2 * math.log(2))   # c of the exponent cL + 1, computed here independently of the module


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
    """One RY between two noise layers (L = 1): max|∂C̃| = q² exactly, below F = √(2 ln 2) q^{c+1}."""
    q0 = cirq.LineQubit(0)
    theta = sympy.Symbol("theta_0_0_0")
    ansatz = cirq.Circuit(cirq.ry(theta).on(q0))
    obs = cirq.PauliSum.wrap(cirq.Z(q0))
    model = circuits.Model(ansatz=ansatz, observable=obs)
    q = 1 - 4 * p / 3
    inst = THEOREM.instantiate(Context(model=model, parameter=theta, values={"q": q}))
    assert inst.substitutions["L"] == 1
    f = inst.value("gradient_magnitude").value
    circ = noisy(ansatz, p)
    grads = [abs(shift_gradient(circ, obs, {theta: t}, theta, [q0])) for t in np.linspace(0, np.pi, 9)]
    exact = max(grads)
    assert exact == pytest.approx(q**2, rel=1e-9)              # |∂C̃| = q² |sin θ|, attained at θ = π/2
    assert exact <= f
    # independent value of the ratio for F = √(8 ln 2)·½·1·√1·q^{c+1}: q^{1−c}/√(2 ln 2)
    assert exact / f == pytest.approx(q ** (1 - C) / math.sqrt(2 * math.log(2)), rel=1e-9)
    assert exact / f > 0.7                                      # F is within 30 % here


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


# ---------------------------------------------------------------- worst position: the last layer
# An independent numpy density-matrix simulation of the 3-qubit circuit below (hand-built
# matrices, explicit depolarizing maps), fast enough to maximise |∂C̃| over the landscape.

_I2 = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.diag([1.0, -1.0]).astype(complex)
_P0, _P1 = np.diag([1.0, 0.0]).astype(complex), np.diag([0.0, 1.0]).astype(complex)


def _on(op: np.ndarray, j: int) -> np.ndarray:
    return reduce(np.kron, [op if k == j else _I2 for k in range(3)])


def _ry(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)


def _rx(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


_CZ01 = np.kron(np.diag([1, 1, 1, -1]).astype(complex), _I2)
_CZ12 = np.kron(_I2, np.diag([1, 1, 1, -1]).astype(complex))
_CNOT20 = reduce(np.kron, [_I2, _I2, _P0]) + reduce(np.kron, [_X, _I2, _P1])
_OBS = 0.6 * _on(_Z, 0) + 0.4 * _on(_X, 0) @ _on(_Z, 1)


def _np_cost(x: np.ndarray, p: float) -> float:
    """C̃ for angles x = (a0, a1, a2, b0, b1, b2, θ), depolarizing p on the input and after each moment."""
    paulis = [[_on(P, j) for P in (_X, _Y, _Z)] for j in range(3)]

    def depolarize(rho):
        for j in range(3):
            rho = (1 - p) * rho + p / 3 * sum(P @ rho @ P for P in paulis[j])
        return rho

    layers = [reduce(np.kron, [_ry(x[0]), _ry(x[1]), _ry(x[2])]), _CZ01, _CZ12,
              reduce(np.kron, [_rx(x[3]), _rx(x[4]), _rx(x[5])]), _CNOT20, _on(_ry(x[6]), 0)]
    rho = np.zeros((8, 8), dtype=complex)
    rho[0, 0] = 1.0
    rho = depolarize(rho)
    for u in layers:
        rho = depolarize(u @ rho @ u.conj().T)
    return float(np.real(np.trace(rho @ _OBS)))


def _np_gradient(x: np.ndarray, p: float) -> float:
    plus, minus = np.array(x, dtype=float), np.array(x, dtype=float)
    plus[6] += np.pi / 2
    minus[6] -= np.pi / 2
    return (_np_cost(plus, p) - _np_cost(minus, p)) / 2


def _closed_form_zero_angles(theta: float, q: float) -> float:
    """∂C̃ at a = b = 0 (derived by hand; every state before the last gate is diagonal).

    After the input noise and moments 1-4 (5 noise layers) each qubit has z = q^5 (the CZs act
    trivially on diagonal states).  CNOT(2→0) maps Z0 → Z2 Z0 and Z0 Z1 → Z2 Z0 Z1, so
    ⟨Z0⟩ = q^10, ⟨Z0 Z1⟩ = q^15; the next noise layer gives q^11 and q^17.  RY(θ) on qubit 0
    sends Z0 to cos θ Z0 + sin θ X0, and the final noise layer multiplies Z0 by q and X0 Z1 by q²:
    C̃ = 0.6 q^12 cos θ + 0.4 q^19 sin θ.
    """
    return -0.6 * q**12 * np.sin(theta) + 0.4 * q**19 * np.cos(theta)


@pytest.mark.parametrize("p", [0.05, 0.2])
def test_last_layer_parameter_three_qubits_entangled(p):
    """The worst position of the proof (a = L noise layers before the gate, b = 1 after) on 3 qubits."""
    qs = cirq.LineQubit.range(3)
    a = [sympy.Symbol(f"a{j}") for j in range(3)]
    b = [sympy.Symbol(f"b{j}") for j in range(3)]
    theta = sympy.Symbol("theta_last")
    ansatz = cirq.Circuit(
        cirq.Moment(cirq.ry(a[j]).on(qs[j]) for j in range(3)),
        cirq.Moment(cirq.CZ(qs[0], qs[1])),
        cirq.Moment(cirq.CZ(qs[1], qs[2])),
        cirq.Moment(cirq.rx(b[j]).on(qs[j]) for j in range(3)),
        cirq.Moment(cirq.CNOT(qs[2], qs[0])),
        cirq.Moment(cirq.ry(theta).on(qs[0])),                  # the differentiated gate, last moment
    )
    obs = 0.6 * cirq.Z(qs[0]) + 0.4 * cirq.X(qs[0]) * cirq.Z(qs[1])
    model = circuits.Model(ansatz=ansatz, observable=obs)
    q = 1 - 4 * p / 3
    inst = THEOREM.instantiate(Context(model=model, parameter=theta, values={"q": q}))
    assert not inst.refused, inst.refused
    assert inst.substitutions["L"] == 6 and inst.substitutions["omega_1"] == pytest.approx(1.0)
    f = inst.value("gradient_magnitude").value
    assert f == pytest.approx(math.sqrt(8 * math.log(2)) * 0.5 * 1.0 * math.sqrt(3) * q ** (6 * C + 1), rel=1e-12)
    circ = noisy(ansatz, p)
    syms = [*a, *b, theta]
    # 1) zero pre-angles: Cirq's density-matrix gradient equals the hand-derived closed form
    grid = np.linspace(0, 2 * np.pi, 13)
    sim = [shift_gradient(circ, obs, {**{s: 0.0 for s in syms}, theta: t}, theta, qs) for t in grid]
    np.testing.assert_allclose(sim, [_closed_form_zero_angles(t, q) for t in grid], atol=1e-12)
    # 2) random points: Cirq and the independent numpy simulation agree, and both are <= F
    rng = np.random.default_rng(7)
    for _ in range(6):
        x = rng.uniform(0, 2 * np.pi, 7)
        g = shift_gradient(circ, obs, dict(zip(syms, map(float, x))), theta, qs)
        assert g == pytest.approx(_np_gradient(x, p), abs=1e-10)
        assert abs(g) <= f
    # 3) maximise |∂C̃| over the whole landscape (numpy simulation, Nelder-Mead, 3 starts)
    best = 0.0
    for _ in range(3):
        res = scipy.optimize.minimize(lambda x: -abs(_np_gradient(x, p)), rng.uniform(0, 2 * np.pi, 7),
                                      method="Nelder-Mead", options={"maxfev": 300})
        best = max(best, -res.fun)
    assert best >= math.hypot(0.6 * q**12, 0.4 * q**19)        # at least the zero-angle peak
    assert best <= f, f"max|∂C̃| = {best:.4g} > F = {f:.4g}"
    # informative (below the noiseless scale 2 g ‖ω‖₁ = 1 of |∂C|) only for strong noise at this
    # size: F = 1.41 at p = 0.05, 0.39 at p = 0.2
    assert (f < 1.0) == (p >= 0.2)


def test_log_space_evaluation_at_scale():
    """n = 10^6, L = 10^4: F underflows a float but its log10 is exact, with exponent cL + 1."""
    bound = THEOREM.bound("gradient_magnitude")
    n, L, q, g, w = 10**6, 10**4, 0.9, 0.5, 1.5
    v = bound.evaluate(n=n, L=L, q=q, g_k=g, omega_1=w)
    expected = (math.log10(math.sqrt(8 * math.log(2)) * g * w) + 0.5 * math.log10(n)
                + (C * L + 1) * math.log10(q))
    assert v.log10 == pytest.approx(expected, rel=1e-9)
    assert v.value == 0.0 and v.underflows and v.sign == 1   # ≈ 10^-325: below the smallest float
    var = THEOREM.bound("variance").evaluate(n=n, L=L, q=q, g_k=g, omega_1=w)
    assert var.log10 == pytest.approx(2 * expected, rel=1e-9)
    # the earlier q^{L+1} form would be ~ 10^-455 here: the registered exponent is not L + 1
    assert abs(v.log10 - (expected - (C * L + 1) * math.log10(q) + (L + 1) * math.log10(q))) > 100


def test_registered_as_restated_form():
    assert THEOREM.verification.source == "restated"
    assert "restate" in THEOREM.citation.note and "cL+1" in THEOREM.citation.note.replace(" ", "")
