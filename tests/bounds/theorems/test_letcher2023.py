"""Letcher, Woerner, Zoufal 2023 (arXiv:2309.12681): Clifford sampling and light-cone brackets."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance, exact_loss_variance
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.letcher2023 import clifford_sampling, first_layer_split
from bpcalc.circuits import affine_angle, as_pauli_rotation

LOSS = get_theorem("letcher2023.loss_light_cone")
GRAD = get_theorem("letcher2023.gradient_light_cone")
CASES = [(3, 2, "Z0*Z1"), (3, 2, "X1"), (3, 1, "0.5*Y0*Z2"), (2, 3, "-Z1")]


def model_of(n, layers, obs, rotations=("ry", "rz")):
    c = circuits.hardware_efficient(n, layers, rotations=rotations)
    return circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum(obs, qubits=sorted(c.all_qubits())))


@pytest.mark.parametrize("n,layers,obs", CASES)
def test_loss_variance_matches_exact_engine_and_brackets(n, layers, obs):
    model = model_of(n, layers, obs)
    inst = LOSS.instantiate(Context(model=model))
    assert not inst.refused, inst.refused
    exact = exact_loss_variance(model.circuit, model.observable, qubits=model.qubits).value
    assert inst.value("loss_variance").value == pytest.approx(exact, abs=1e-10)
    assert inst.value("loss_variance_lower").value <= exact + 1e-12 <= inst.value("loss_variance_upper").value + 2e-12


def test_first_layer_factors_are_quarter_and_half():
    model = model_of(3, 2, "Z0*Z1")
    res = clifford_sampling(model.circuit, list(model.observable)[0])
    assert res.exact and (res.g_min, res.g_max) == (pytest.approx(0.25), pytest.approx(0.5))
    first, rest = first_layer_split(model.circuit)
    assert all(len(ops) == 2 for ops in first.values()) and rest


@pytest.mark.parametrize("n,layers,obs", CASES[:3])
def test_gradient_variance_matches_exact_engine_and_brackets(n, layers, obs):
    model = model_of(n, layers, obs)
    for s in model.trainable_symbols:
        inst = GRAD.instantiate(Context(model=model, parameter=s))
        exact = exact_gradient_variance(model.circuit, model.observable, parameters=[s], qubits=model.qubits).values[0]
        assert inst.value("gradient_variance").value == pytest.approx(exact, abs=1e-10), s
        assert inst.value("gradient_variance_lower").value <= exact + 1e-12
        assert exact <= inst.value("gradient_variance_upper").value + 1e-12


def _batched_expectation(circuit: cirq.Circuit, observable: cirq.PauliSum, values: dict, qubits) -> np.ndarray:
    """``⟨O⟩`` for a batch of parameter values (each symbol -> array of angles), numpy statevector."""
    n = len(qubits)
    size = len(next(iter(values.values())))
    psi = np.zeros((size,) + (2,) * n, dtype=complex)
    psi[(slice(None),) + (0,) * n] = 1
    col = {q: i for i, q in enumerate(qubits)}

    def apply(state, mat, cols):
        k = len(cols)
        t = np.tensordot(mat.reshape((2,) * (2 * k)), state, axes=(list(range(k, 2 * k)), [1 + c for c in cols]))
        return np.moveaxis(t, list(range(k)), [1 + c for c in cols])

    for op in circuit.all_operations():
        cols = [col[q] for q in op.qubits]
        syms = cirq.parameter_symbols(op)
        if not syms:
            psi = apply(psi, cirq.unitary(op.untagged), cols)
            continue
        (s,) = syms
        rot = as_pauli_rotation(op)
        aff = affine_angle(rot.angle)
        angle = aff.coefficient * values[s] + aff.offset
        p = cirq.PauliString(rot.pauli).matrix(op.qubits)
        p_psi = apply(psi, p, cols)
        shape = (size,) + (1,) * n
        psi = np.cos(angle / 2).reshape(shape) * psi - 1j * np.sin(angle / 2).reshape(shape) * p_psi
    o = observable.matrix(qubits)
    flat = psi.reshape(size, -1)
    return np.real(np.einsum("si,ij,sj->s", flat.conj(), o, flat))


def test_loss_variance_matches_brute_force_sampling():
    """Continuous uniform θ (no grid): the Clifford-grid identity itself, within 4 sigma."""
    rng = np.random.default_rng(5)
    model = model_of(3, 2, "X1", rotations=("rx", "ry"))
    inst = LOSS.instantiate(Context(model=model))
    values = {s: rng.uniform(0, 2 * np.pi, size=40000) for s in model.trainable_symbols}
    ell = _batched_expectation(model.circuit, model.observable, values, model.qubits)
    sq = (ell - ell.mean()) ** 2
    assert abs(sq.mean() - inst.value("loss_variance").value) < 4 * sq.std() / np.sqrt(sq.size)


def test_sampled_mode_agrees_with_exact_within_ci():
    model = model_of(3, 3, "Z1")
    res = clifford_sampling(model.circuit, list(model.observable)[0], n_samples=20000, rng=np.random.default_rng(2))
    exact = exact_loss_variance(model.circuit, model.observable, qubits=model.qubits).value
    assert not res.exact
    assert abs(res.variance - exact) < 4 * res.std_error


def test_refusals_and_errors():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    z = circuits.parse_pauli_sum("Z1", qubits=q)
    non_clifford = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q[0]), cirq.T(q[0]), cirq.CNOT(*q)), observable=z)
    inst = LOSS.instantiate(Context(model=non_clifford))
    assert not inst.values and "not Clifford" in inst.refused[0].reason
    two_terms = model_of(2, 1, "Z0 + Z1")
    inst = LOSS.instantiate(Context(model=two_terms))
    assert not inst.values and "2 non-identity Pauli terms" in inst.refused[0].reason
    with pytest.raises(ValueError, match="does not occur"):
        clifford_sampling(two_terms.circuit, cirq.Z(q[0]) * 1, sympy.Symbol("nope"))


# ----------------------------------------------------------------------------- the authors' estimator


def _authors_circuit() -> tuple[cirq.Circuit, list]:
    """RY·RZ on every qubit, CZ + CNOT, RY·RZ on qubits 0, 1, CNOT + CZ: 10 parameters, |0…0⟩ input."""
    q = cirq.LineQubit.range(3)
    s = iter(sympy.symbols("a0:10"))
    c = cirq.Circuit([cirq.ry(next(s)).on(x) if k == 0 else cirq.rz(next(s)).on(x) for x in q for k in (0, 1)])
    c.append([cirq.CZ(q[0], q[1]), cirq.CNOT(q[1], q[2])])
    c.append([cirq.ry(next(s)).on(x) if k == 0 else cirq.rz(next(s)).on(x) for x in q[:2] for k in (0, 1)])
    c.append([cirq.CNOT(q[0], q[1]), cirq.CZ(q[1], q[2])])
    return c, q


def _evolved_distribution(circuit: cirq.Circuit, observable: cirq.PauliString, grid) -> dict:
    """Exact distribution of the signed Heisenberg-evolved Pauli string ``U(θ)† Q U(θ)`` over θ ∈ grid^P.

    Every parameter is put at each grid value with weight 1/|grid| and every gate is applied with
    ``cirq.PauliString.conjugated_by`` (last gate first); identical strings are merged.  This is the
    full enumeration of the grid, aggregated — independent of bpcalc's batched conjugation tables.
    """
    dist = {observable: 1.0}
    for op in reversed(list(circuit.all_operations())):
        syms = cirq.parameter_symbols(op)
        branches = [cirq.resolve_parameters(op, {next(iter(syms)): a}) for a in grid] if syms else [op]
        new: dict = {}
        for ps, w in dist.items():
            for b in branches:
                out = ps.conjugated_by(b)
                new[out] = new.get(out, 0.0) + w / len(branches)
        dist = new
    return dist


def _authors_estimates(dist: dict) -> dict:
    """The quantities of the authors' code: mean((1/4)^|LC|), mean((1/2)^|LC|), mean(⟨O⟩²), mean(⟨O⟩)."""
    z_type = {ps: all(p == cirq.Z for p in ps.values()) for ps in dist}   # ⟨0…0|Q|0…0⟩ ≠ 0
    return {
        "lower": sum(w * 0.25 ** len(ps) for ps, w in dist.items()),
        "upper": sum(w * 0.5 ** len(ps) for ps, w in dist.items()),
        "second": sum(w for ps, w in dist.items() if z_type[ps]),
        "mean": sum(w * float(np.real(complex(ps.coefficient))) for ps, w in dist.items() if z_type[ps]),
    }


FOUR = (0.0, np.pi / 2, np.pi, 3 * np.pi / 2)
TWO = (0.0, np.pi / 2)


@pytest.mark.parametrize("obs", ["Z0*Z2", "X1", "Y0*Z1*X2", "Z2"])
def test_bracket_reproduces_authors_light_cone_estimator(obs):
    """Registered bracket = mean((1/4)^|LC|), mean((1/2)^|LC|) of Zoufalc/efficient_gradient_bounds.

    The authors draw θ ∈ {0, π/2}^P; bpcalc's identity needs {0, π/2, π, 3π/2}^P.  Both grids give
    the same light-cone means and the same E[⟨O⟩²] (the unsigned evolved string depends on each
    angle modulo π); only the signed mean differs.
    """
    c, q = _authors_circuit()
    model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum(obs, qubits=q))
    assert len(model.trainable_symbols) == 10
    inst = LOSS.instantiate(Context(model=model))
    assert not inst.refused, inst.refused
    assert inst.substitutions["mu"] == pytest.approx(0.0, abs=1e-12)
    res = clifford_sampling(c, list(model.observable)[0])
    assert res.exact and (res.g_min, res.g_max) == (pytest.approx(0.25), pytest.approx(0.5))
    ps = list(model.observable)[0]
    four = _authors_estimates(_evolved_distribution(c, ps, FOUR))
    two = _authors_estimates(_evolved_distribution(c, ps, TWO))
    lower, upper = inst.value("loss_variance_lower").value, inst.value("loss_variance_upper").value
    assert lower == pytest.approx(four["lower"], abs=1e-12) and upper == pytest.approx(four["upper"], abs=1e-12)
    assert lower == pytest.approx(two["lower"], abs=1e-12) and upper == pytest.approx(two["upper"], abs=1e-12)
    # the four-point grid gives the exact variance; the authors' two-point mean(⟨O⟩²) equals it since μ = 0
    exact = exact_loss_variance(model.circuit, model.observable, qubits=model.qubits).value
    assert four["second"] - four["mean"] ** 2 == pytest.approx(exact, abs=1e-12)
    assert four["mean"] == pytest.approx(0.0, abs=1e-12)
    assert two["second"] == pytest.approx(exact, abs=1e-12)
    assert inst.value("loss_variance").value == pytest.approx(exact, abs=1e-10)
    if obs == "X1":   # the signed two-point mean is biased: 13/128 instead of 0
        assert two["mean"] == pytest.approx(13 / 128, abs=1e-12)
