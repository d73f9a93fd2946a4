"""Non-uniform initializations (issue 15, item 6) against quadrature over the parameters.

The reference averages ``ℓ`` and its parameter-shift derivatives over Gauss–Hermite nodes
(Gaussian), Gauss–Legendre nodes (uniform on [−a, a]) or a single point (fixed value) by
density-matrix simulation (``exact_brute.grid_moments_density``), independently of the
engine's moment rules.  Trigonometric integrands make the quadratures exact to ~1e-14 with the
node counts used.
"""

from __future__ import annotations

import math

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from exact_brute import grid_moments_density, random_state, symbol_info
from test_exact_pauli_paths import random_observable

TOL = 1e-10


def init_circuit(n: int, rng: np.random.Generator):
    """Rotations with offsets, frequency 2, a negative-coefficient Pauli phasor and X**s."""
    qs = cirq.LineQubit.range(n)
    a, b, c = sympy.symbols("a b c")
    q = [qs[int(i)] for i in rng.permutation(n)]
    ops = [cirq.H(qs[0]), cirq.ry(a).on(q[0]), cirq.CNOT(q[0], q[1]),
           cirq.rz(2 * b + 0.3).on(q[1]), cirq.rx(0.37).on(q[0]), cirq.CZ(q[1], q[-1]),
           (cirq.X ** c).on(q[-1]) if rng.random() < 0.5 else cirq.PauliStringPhasor(
               cirq.PauliString({q[-1]: cirq.Y, q[0]: cirq.X}, coefficient=-1), exponent_neg=c),
           cirq.S(q[0])]
    return cirq.Circuit(ops), qs, [a, b, c]


def quadrature(spec: str, nodes: int = 20):
    spec = str(spec)
    kind, _, arg = spec.partition(":")
    if kind == "gaussian":
        x, w = np.polynomial.hermite_e.hermegauss(nodes)
        return x * float(arg), w / w.sum()
    if kind == "uniform":
        x, w = np.polynomial.legendre.leggauss(nodes)
        return x * float(arg), w / w.sum()
    return np.array([float(spec)]), np.ones(1)


def _check(seed: int, spec):
    rng = np.random.default_rng(seed)
    n = 3
    circ, qs, syms = init_circuit(n, rng)
    obs = random_observable(qs, rng, terms=int(rng.integers(1, 3)))
    psi = random_state(n, rng)
    info = symbol_info(circ)
    specs = spec if isinstance(spec, dict) else {s.name: spec for s in syms}
    grids = {}
    for s in syms:
        sp = specs.get(s.name, "uniform")
        if sp == "uniform":
            continue
        x, w = quadrature(sp)
        # the distribution is on the angle variable v: v = s (radians) or π s (exponent symbols)
        grids[s] = (x / math.pi if info[s]["period"] == 2.0 else x, w)
    grads, second, mean, dmeans = grid_moments_density(circ, obs, qs, np.outer(psi, psi.conj()), syms, grids)
    res = E.exact_gradient_variance(circ, obs, psi, syms, init=spec, qubits=qs)
    np.testing.assert_allclose(res.gradient_mean, dmeans, atol=TOL)
    np.testing.assert_allclose(res.values, grads - dmeans**2, atol=TOL)
    loss = E.exact_loss_variance(circ, obs, psi, init=spec, qubits=qs)
    assert abs(loss.mean - mean) < TOL
    assert abs(loss.value - (second - mean**2)) < TOL


@pytest.mark.parametrize("seed, spec", [(0, "gaussian:0.1"), (1, "uniform:0.5"), (2, {"a": "gaussian:0.3", "c": "1.1"}),
                                        (3, 0.4)])
def test_initializations_match_quadrature(seed, spec):
    _check(seed, spec)


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["gaussian:0.1", "gaussian:0.7", "uniform:0.5", "uniform:2.0", "0.4",
                                  {"a": "gaussian:0.3", "c": "1.1"}])
@pytest.mark.parametrize("seed", [0, 1])
def test_initializations_match_quadrature_grid(seed, spec):
    _check(seed, spec)


@pytest.mark.slow
def test_initializations_match_quadrature_many():
    for seed in range(2, 40):
        for spec in ["gaussian:0.2", "uniform:1.3", "-0.8", {"b": "gaussian:1.5", "*": "uniform:0.4"}]:
            _check(seed, spec)


def test_uniform_init_is_the_default_and_bad_specifications_are_refused():
    circ = circuits.hardware_efficient(4, 2)
    obs = circuits.local_cost(cirq.LineQubit.range(4))
    base = E.exact_gradient_variance(circ, obs, None, "theta_0_*")
    same = E.exact_gradient_variance(circ, obs, None, "theta_0_*", init="uniform")
    np.testing.assert_array_equal(base.values, same.values)
    small = E.exact_gradient_variance(circ, obs, None, "theta_0_*", init="gaussian:0.05")
    assert small.gradient_mean is not None and np.all(np.isfinite(small.values))
    with pytest.raises(ValueError, match="exact enumeration only"):
        E.exact_gradient_variance(circ, obs, None, "theta_0_*", init="gaussian:0.1", method="sample")
    with pytest.raises(ValueError, match="not understood"):
        E.exact_gradient_variance(circ, obs, None, "theta_0_*", init="cauchy:1")
