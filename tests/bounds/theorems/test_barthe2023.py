"""barthe2023.absorbed_data against the exact re-uploading engine (one Pauli propagation per data point)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance, exact_reuploading_gradient_variance
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.barthe2023 import dataless_circuit

THEOREM = get_theorem("barthe2023.absorbed_data")
ROT = (cirq.rx, cirq.ry, cirq.rz)


def absorbable_circuit(n: int, layers: int, seed: int, *, break_one: bool = False) -> cirq.Circuit:
    """Layers of [trainable rotation, data rotation about the same axis (angle c·x_j or c·x_j²)] + CZ chain."""
    rng = np.random.default_rng(seed)
    qs = cirq.LineQubit.range(n)
    ops, k = [], 0
    for layer in range(layers):
        for i, q in enumerate(qs):
            axis = int(rng.integers(3))
            theta = sympy.Symbol(f"t{k}")
            k += 1
            ops.append(ROT[axis](int(rng.choice([1, -1, 2])) * theta + float(rng.uniform(0, 1))).on(q))
            x = sympy.Symbol(f"x_{int(rng.integers(2))}")
            phi = float(rng.uniform(0.5, 2)) * (x if rng.integers(2) else x**2)
            data_axis = (axis + 1) % 3 if (break_one and layer == 0 and i == 0) else axis
            ops.append(ROT[data_axis](phi).on(q))
        ops.extend(cirq.CZ(qs[j], qs[j + 1]) for j in range(layers % 2, n - 1, 2))
    ops.extend(ROT[int(rng.integers(3))](sympy.Symbol(f"t{k + j}")).on(q) for j, q in enumerate(qs))
    return cirq.Circuit(ops)


def model_of(circuit, obs, data, y=None):
    y = np.ones(len(data)) if y is None else y
    return circuits.Model(ansatz=circuit, observable=obs, dataset=circuits.Dataset(x=data, y=y, name="d"),
                          reuploading=True)


@pytest.mark.parametrize("seed", range(4))
def test_per_point_equals_dataless_exact_engine(seed):
    n = 2 + seed % 3
    c = absorbable_circuit(n, 2, seed)
    qs = sorted(c.all_qubits())
    obs = cirq.Z(qs[0]) * cirq.X(qs[-1]) + 0.5 * cirq.Y(qs[1])
    data = np.random.default_rng(seed).uniform(-2, 2, size=(3, 2))
    r = exact_reuploading_gradient_variance(c, obs, data, method="exact", linear_loss=False)
    r0 = exact_gradient_variance(dataless_circuit(c, sympy.symbols("x_0 x_1")), obs, None, list(r.parameters),
                                 method="exact", qubits=qs)
    assert np.max(r0.values) > 1e-3  # not a trivial zero
    np.testing.assert_allclose(r.per_state, np.repeat(r0.values[:, None], 3, axis=1), rtol=1e-10, atol=1e-12)
    model = model_of(c, obs, data)
    for p, v0 in zip(r.parameters[:4], r0.values[:4]):
        inst = THEOREM.instantiate(Context(model=model, parameter=p))
        vals = {v.name: float(v.value) for v in inst.values}
        assert vals["per_point"] == pytest.approx(v0, rel=1e-10, abs=1e-12)


def test_linear_loss_bound_and_equality():
    c = absorbable_circuit(3, 2, 11)
    qs = sorted(c.all_qubits())
    obs = cirq.Z(qs[0]) * cirq.Z(qs[1]) + cirq.X(qs[2])
    rng = np.random.default_rng(5)
    data, y = rng.uniform(-2, 2, size=(4, 2)), np.array([1.0, -1.0, 1.0, 1.0])
    model = model_of(c, obs, data, y)
    r = exact_reuploading_gradient_variance(c, obs, data, method="exact", weights=y / 4)
    ratios = []
    for p, v in zip(r.parameters, r.values):
        inst = THEOREM.instantiate(Context(model=model, parameter=p))
        bound = {b.name: float(b.value) for b in inst.values}["linear_loss"]
        assert v <= bound * (1 + 1e-9) + 1e-12
        ratios.append(v / bound if bound > 0 else 1.0)
    assert min(ratios) < 0.9  # distinct points: strictly below for some parameter
    same = np.repeat(data[:1], 4, axis=0)  # identical points, weights of one sign: equality
    r2 = exact_reuploading_gradient_variance(c, obs, same, method="exact")
    m2 = model_of(c, obs, same)
    for p, v in zip(r2.parameters, r2.values):
        bound = {b.name: float(b.value) for b in THEOREM.instantiate(Context(model=m2, parameter=p)).values}
        assert v == pytest.approx(bound["linear_loss"], rel=1e-9, abs=1e-12)


def test_not_absorbable_differs_and_is_refused():
    c = absorbable_circuit(2, 2, 3, break_one=True)
    qs = sorted(c.all_qubits())
    obs = cirq.Z(qs[0]) + cirq.X(qs[1])
    data = np.array([[0.4, 1.3], [1.7, -0.6]])
    r = exact_reuploading_gradient_variance(c, obs, data, method="exact", linear_loss=False)
    r0 = exact_gradient_variance(dataless_circuit(c, sympy.symbols("x_0 x_1")), obs, None, list(r.parameters),
                                 method="exact", qubits=qs)
    assert np.max(np.abs(r.per_state - r0.values[:, None])) > 1e-3  # the identity really needs absorption
    inst = THEOREM.instantiate(Context(model=model_of(c, obs, data), parameter=r.parameters[0]))
    assert not inst.values
    assert "not absorbable" in inst.applicability.reason()


def test_refuses_models_without_reuploading():
    q = cirq.LineQubit.range(2)
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(sympy.Symbol("a")).on(q[0]), cirq.CZ(*q)), observable="Z0")
    inst = THEOREM.instantiate(Context(model=model, parameter=sympy.Symbol("a")))
    assert not inst.values
