"""Exact 2-design tests: the Haar twirl formula and the gate-by-gate second-moment channel."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import sympy

from bpcalc.bounds.designs import haar_twirl, second_moment_channel, split_at_parameter, two_design_deviation


@pytest.mark.parametrize("n", [1, 2])
def test_haar_twirl_equals_clifford_group_average(n, tools):
    d = 2**n
    cl = tools.clifford_group(n)
    rng = np.random.default_rng(n)
    x = rng.normal(size=(d * d, d * d)) + 1j * rng.normal(size=(d * d, d * d))
    uu = np.einsum("aij,akl->aikjl", cl, cl).reshape(len(cl), d * d, d * d)
    avg = np.mean(uu @ x @ np.transpose(uu.conj(), (0, 2, 1)), axis=0)
    np.testing.assert_allclose(haar_twirl(x, d), avg, atol=1e-12)


def test_second_moment_channel_matches_dense_grid_average():
    q = cirq.LineQubit.range(2)
    a, b = sympy.symbols("a b")
    c = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CNOT(q[0], q[1]), cirq.XPowGate(exponent=2 * b / np.pi).on(q[1]))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))
    ref = np.zeros_like(x)
    nodes = 2 * np.pi * np.arange(11) / 11
    for ta, tb in itertools.product(nodes, nodes):
        u = cirq.unitary(cirq.resolve_parameters(c, {a: ta, b: tb}))
        uu = np.kron(u, u)
        ref += uu @ x @ uu.conj().T / len(nodes) ** 2
    np.testing.assert_allclose(second_moment_channel(c, q, x), ref, atol=1e-12)


def test_uniform_angle_blocks_are_not_two_designs():
    q = cirq.LineQubit.range(2)
    s = sympy.symbols("a:6")
    euler = cirq.Circuit(cirq.rz(s[0]).on(q[0]), cirq.ry(s[1]).on(q[0]), cirq.rz(s[2]).on(q[0]))
    assert two_design_deviation(euler, q[:1]) > 1e-3
    assert two_design_deviation(cirq.Circuit(), q) > 0.5
    with pytest.raises(ValueError, match="several gates"):
        second_moment_channel(cirq.Circuit(cirq.rx(s[0]).on(q[0]), cirq.rx(s[0]).on(q[1])), q, np.eye(16))
    with pytest.raises(ValueError, match="limited"):
        second_moment_channel(cirq.Circuit(), cirq.LineQubit.range(6), np.eye(4))


def test_split_at_parameter():
    q = cirq.LineQubit.range(2)
    a, b = sympy.symbols("a b")
    c = cirq.Circuit(cirq.H(q[0]), cirq.ry(a).on(q[0]), cirq.CZ(*q), cirq.rz(b).on(q[1]))
    split = split_at_parameter(c, "a")
    assert len(list(split.before.all_operations())) == 1 and len(list(split.after.all_operations())) == 2
    assert split.coefficient == 1.0
    with pytest.raises(ValueError, match="does not occur"):
        split_at_parameter(c, "zzz")
