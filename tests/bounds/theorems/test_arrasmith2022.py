"""Arrasmith et al. 2022 (arXiv:2104.05868): gradient variance ⇔ cost variance, against exact values.

Exact values: the Pauli-path engine (``exact_gradient_variance`` / ``exact_loss_variance``)
and, independently, brute-force statevector averages over the exact 3-point angle grids of
``tests/bounds/exact/exact_brute.py``.
"""

from __future__ import annotations

import pathlib
import sys

import cirq
import numpy as np
import pytest
import scipy.stats
import sympy

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.exact import exact_gradient_variance, exact_loss_variance

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "exact"))
from exact_brute import grid_moments, random_state, simulate  # noqa: E402

CONC = get_theorem("arrasmith2022.loss_concentration")
GRAD = get_theorem("arrasmith2022.gradient_from_loss")
DIFF = get_theorem("arrasmith2022.loss_difference")


def random_circuit(n: int, n_rot: int, seed: int) -> cirq.Circuit:
    """Random Pauli rotations (fresh symbols) interleaved with random Clifford gates."""
    rng = np.random.default_rng(seed)
    qs = cirq.LineQubit.range(n)
    ops = []
    for k in range(n_rot):
        gate = [cirq.rx, cirq.ry, cirq.rz][rng.integers(3)]
        ops.append(gate(sympy.Symbol(f"t{k}")).on(qs[rng.integers(n)]))
        r = rng.integers(4)
        if n > 1 and r == 0:
            a, b = rng.choice(n, 2, replace=False)
            ops.append(cirq.CZ(qs[a], qs[b]))
        elif n > 1 and r == 1:
            a, b = rng.choice(n, 2, replace=False)
            ops.append(cirq.CNOT(qs[a], qs[b]))
        elif r == 2:
            ops.append(cirq.H(qs[rng.integers(n)]))
        else:
            ops.append(cirq.S(qs[rng.integers(n)]))
    return cirq.Circuit(ops)


def random_observable(n: int, seed: int) -> cirq.PauliSum:
    rng = np.random.default_rng(seed + 1000)
    qs = cirq.LineQubit.range(n)
    terms = []
    for _ in range(3):
        ps = cirq.PauliString({q: [cirq.X, cirq.Y, cirq.Z][rng.integers(3)] for q in qs if rng.random() < 0.6})
        terms.append(float(rng.normal()) * ps)
    return cirq.PauliSum.from_pauli_strings(terms) + 0.3


@pytest.mark.parametrize("n,n_rot,seed", [(2, 4, 0), (3, 6, 1), (4, 8, 2), (5, 10, 3)])
def test_loss_concentration_exact_engines(n, n_rot, seed):
    circ = random_circuit(n, n_rot, seed)
    obs = random_observable(n, seed)
    model = circuits.Model(ansatz=circ, observable=obs)
    g = exact_gradient_variance(circ, obs, None, "all", method="exact", qubits=model.qubits)
    v = exact_loss_variance(circ, obs, None, method="exact", qubits=model.qubits).value
    assert v > 1e-4
    inst = CONC.instantiate(Context(model=model))
    assert not inst.refused, inst.refused
    assert inst.value("from_gradients").value == pytest.approx(float(g.values.sum()), rel=1e-12)
    assert inst.value("from_max_gradient").value == pytest.approx(float(g.values.max()), rel=1e-12)
    assert float(g.values.max()) <= v * (1 + 1e-12) <= float(g.values.sum()) * (1 + 1e-12)
    for s in model.trainable_symbols:
        gi = GRAD.instantiate(Context(model=model, parameter=s, extra={"loss_variance": v}))
        assert g[s] <= gi.value("variance").value * (1 + 1e-12)


@pytest.mark.parametrize("seed", [4, 5])
def test_against_brute_force_grid(seed):
    """The relations hold for brute-force grid averages (no Pauli-path code involved), with entangled input."""
    n = 3
    circ = random_circuit(n, 5, seed)
    obs = random_observable(n, seed)
    qs = cirq.LineQubit.range(n)
    psi = random_state(n, np.random.default_rng(seed))
    syms = sorted(cirq.parameter_symbols(circ), key=lambda s: s.name)
    grads, second, mean = grid_moments(circ, obs, qs, psi[None, :], syms)
    var_grads = grads[:, 0, 0]
    var_c = float(second[0, 0] - mean[0] ** 2)
    assert var_grads.max() <= var_c * (1 + 1e-10) <= var_grads.sum() * (1 + 1e-10)
    model = circuits.Model(ansatz=circ, observable=obs)
    extra = {"gradient_variances": {s.name: float(v) for s, v in zip(syms, var_grads)}, "loss_variance": var_c}
    inst = CONC.instantiate(Context(model=model, extra=extra))
    assert inst.value("from_gradients").value == pytest.approx(var_grads.sum(), rel=1e-12)
    # the exact engine agrees with the brute force on the same input state
    g = exact_gradient_variance(circ, obs, psi, syms, method="exact", qubits=qs)
    np.testing.assert_allclose(g.values, var_grads, atol=1e-12)
    assert exact_loss_variance(circ, obs, psi, method="exact", qubits=qs).value == pytest.approx(var_c, abs=1e-12)


def test_linear_loss_qml_model():
    data = circuits.uniform_random(5, 3, seed=2)
    ansatz = circuits.hardware_efficient(3, 1, rotations=("ry", "rz"))
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(cirq.LineQubit.range(3), form="z"),
                           embedding=circuits.make_embedding("hee", 3, 1), dataset=data, loss="linear")
    inst = CONC.instantiate(Context(model=model))
    assert not inst.refused, inst.refused
    ub, lb = inst.value("from_gradients").value, inst.value("from_max_gradient").value
    var_c = DIFF.instantiate(Context(model=model)).value("difference_variance").value / 2
    assert 0 < lb <= var_c <= ub
    mse = circuits.Model(ansatz=ansatz, observable=model.observable, embedding=model.embedding, dataset=data,
                         loss="mse")
    refused = CONC.instantiate(Context(model=mse))
    assert not refused.values and "linear" in refused.refused[0].reason


def test_tight_for_one_parameter():
    q = cirq.LineQubit(0)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q)), observable=cirq.PauliSum.wrap(cirq.Z(q)))
    inst = CONC.instantiate(Context(model=model))
    # C = cos t: Var[C] = Var[∂C] = 1/2
    assert inst.value("from_gradients").value == pytest.approx(0.5, abs=1e-14)
    assert inst.value("from_max_gradient").value == pytest.approx(0.5, abs=1e-14)


def test_frequency_two_breaks_the_constant():
    """exp(-iθZ) (frequency 2): Var[∂C] = 4 Var[C] > Var[C]; the check refuses it."""
    q = cirq.LineQubit(0)
    t = sympy.Symbol("t")
    circ = cirq.Circuit(cirq.H(q), cirq.rz(2 * t).on(q))
    model = circuits.Model(ansatz=circ, observable=cirq.PauliSum.wrap(cirq.X(q)))
    grads, second, mean = grid_moments(circ, model.observable, [q], np.array([[1, 0]], dtype=complex), [t])
    assert grads[0, 0, 0] == pytest.approx(4 * (second[0, 0] - mean[0] ** 2), rel=1e-10)
    inst = GRAD.instantiate(Context(model=model, parameter=t, extra={"loss_variance": 0.5}))
    assert not inst.values and "frequency 2" in inst.refused[0].reason
    # per-parameter contexts never run the model-level engine themselves: refused with the missing number
    ok = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q)), observable=cirq.PauliSum.wrap(cirq.Z(q)))
    missing = GRAD.instantiate(Context(model=ok, parameter=t))
    assert not missing.values and "var_C" in missing.refused[0].reason
    shared = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q), cirq.rx(t).on(q)),
                            observable=cirq.PauliSum.wrap(cirq.Z(q)))
    inst = CONC.instantiate(Context(model=shared))
    assert not inst.values and "more than one gate" in inst.refused[0].reason


def test_loss_difference_sampled():
    n = 3
    circ = random_circuit(n, 6, 11)
    obs = random_observable(n, 11)
    qs = cirq.LineQubit.range(n)
    model = circuits.Model(ansatz=circ, observable=obs)
    inst = DIFF.instantiate(Context(model=model, values={"delta": 0.5}))
    assert not inst.refused, inst.refused
    var_c = inst.value("difference_variance").value / 2
    rng = np.random.default_rng(11)
    syms = sorted(cirq.parameter_symbols(circ), key=lambda s: s.name)
    m = 4000
    omat = obs.matrix(qs)
    psi0 = np.zeros(2**n, dtype=complex)
    psi0[0] = 1.0

    def costs(x):  # batched statevector simulation, independent of the Pauli-path engine
        st = simulate(circ, qs, psi0, {s: x[:, i] for i, s in enumerate(syms)}, syms)
        return np.einsum("pi,ij,pj->p", st.conj(), omat, st).real

    diffs = costs(rng.uniform(0, 2 * np.pi, (m, len(syms)))) - costs(rng.uniform(0, 2 * np.pi, (m, len(syms))))
    # the sample variance of m draws is within a (kurtosis-robust) 99.9 % band of 2 Var[C]
    expected = inst.value("difference_variance").value
    assert expected == pytest.approx(2 * var_c)
    se = np.sqrt(np.var(diffs**2) / m)
    assert abs(np.mean(diffs**2) - expected) < scipy.stats.norm.ppf(0.9995) * se
    assert np.mean(np.abs(diffs) >= 0.5) <= inst.value("tail_probability").value
    assert inst.value("tail_probability").value <= inst.value("tail_from_gradients").value + 1e-12
