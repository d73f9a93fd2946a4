"""Gradients: adjoint, exact and finite-shot parameter shift, on every backend (verify.gradients)."""

from __future__ import annotations

import sys
from pathlib import Path

import cirq
import numpy as np
import pytest
import sympy

sys.path.insert(0, str(Path(__file__).parent))
from _random_circuits import SYMBOLS, random_circuit, random_pauli_sum  # noqa: E402

from bpcalc.verify.backends import CirqSimulator, DensityMatrix, OwnEngine, make_backend, noise_model  # noqa: E402
from bpcalc.verify.gradients import (  # noqa: E402
    adjoint_gradient,
    differentiable_symbols,
    gradient,
    parameter_shift_gradient,
    shot_gradient,
)


def _finite_differences(prepared, vals, wrt, h=1e-6):
    out = np.zeros((vals.shape[0], len(wrt)))
    for k, s in enumerate(wrt):
        i = prepared.symbols.index(s)
        vp, vm = vals.copy(), vals.copy()
        vp[:, i] += h
        vm[:, i] -= h
        out[:, k] = (prepared.expectation(vp) - prepared.expectation(vm)) / (2 * h)
    return out


@pytest.mark.parametrize("tile_size", [1, 4])
def test_adjoint_and_parameter_shift_match_finite_differences(tile_size):
    rng = np.random.default_rng(tile_size)
    for _ in range(4):
        n = int(rng.integers(1, 6))
        circuit = random_circuit(n, 25, rng, generic=False)
        qs = cirq.LineQubit.range(n)
        obs = random_pauli_sum(n, rng)
        present = [s for s in SYMBOLS if s in cirq.parameter_symbols(circuit)]
        if not present:
            continue
        vals = rng.uniform(0, 2 * np.pi, size=(3, 3))
        own = OwnEngine(dtype=np.complex128, tile_size=tile_size).prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
        ref = CirqSimulator(dtype=np.complex128).prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
        fd = _finite_differences(ref, vals, present)
        adj = adjoint_gradient(own, vals, present)
        np.testing.assert_allclose(adj.values, fd, atol=1e-6)
        np.testing.assert_allclose(adj.expectations, ref.expectation(vals), atol=1e-10)
        np.testing.assert_allclose(parameter_shift_gradient(own, vals, present).values, fd, atol=1e-6)
        np.testing.assert_allclose(parameter_shift_gradient(ref, vals, present).values, fd, atol=1e-6)


def test_complex64_adjoint_is_accurate():
    from bpcalc.circuits import hardware_efficient, local_cost

    c = hardware_efficient(6, 4)
    obs = local_cost(cirq.LineQubit.range(6))
    own = OwnEngine().prepare(c, obs)
    ref = OwnEngine(dtype=np.complex128).prepare(c, obs)
    vals = np.random.default_rng(0).uniform(0, 2 * np.pi, size=(4, len(own.symbols)))
    np.testing.assert_allclose(adjoint_gradient(own, vals).values, adjoint_gradient(ref, vals).values, atol=1e-6)


def test_chain_rule_for_non_affine_angles_on_the_own_engine():
    q = cirq.LineQubit.range(2)
    a, b = sympy.symbols("a b")
    c = cirq.Circuit([cirq.ry(a * b).on(q[0]), cirq.CNOT(*q), cirq.rx(sympy.cos(a)).on(q[1]), cirq.rz(2 * b).on(q[0])])
    obs = cirq.X(q[0]) * cirq.Z(q[1]) + 0.3 * cirq.Z(q[1])
    own = OwnEngine(dtype=np.complex128).prepare(c, obs, symbols=[a, b])
    vals = np.array([[0.4, 1.3], [2.2, -0.7]])
    fd = _finite_differences(own, vals, [a, b])
    np.testing.assert_allclose(adjoint_gradient(own, vals).values, fd, atol=1e-6)
    np.testing.assert_allclose(parameter_shift_gradient(own, vals).values, fd, atol=1e-6)


def test_exponent_symbols_are_differentiated_by_the_symbol():
    """For X**s the angle is π·s, so ∂/∂s = π ∂/∂θ."""
    q = cirq.LineQubit(0)
    s, t = sympy.symbols("s t")
    obs = cirq.Z(q)
    pow_c = OwnEngine(dtype=np.complex128).prepare(cirq.Circuit(cirq.X(q) ** s), obs)
    rot_c = OwnEngine(dtype=np.complex128).prepare(cirq.Circuit(cirq.rx(t).on(q)), obs)
    g_pow = adjoint_gradient(pow_c, [[0.3]]).values[0, 0]
    g_rot = adjoint_gradient(rot_c, [[0.3 * np.pi]]).values[0, 0]
    assert g_pow == pytest.approx(np.pi * g_rot, abs=1e-10)
    assert g_rot == pytest.approx(-np.sin(0.3 * np.pi), abs=1e-10)


def test_noisy_density_matrix_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    circuit = random_circuit(3, 15, rng, generic=False)
    obs = random_pauli_sum(3, rng)
    qs = cirq.LineQubit.range(3)
    present = [s for s in SYMBOLS if s in cirq.parameter_symbols(circuit)]
    for kind in ("depolarizing", "amplitude_damping"):
        dm = DensityMatrix(noise=noise_model(kind, 0.05), dtype=np.complex128).prepare(
            circuit, obs, symbols=SYMBOLS, qubits=qs
        )
        vals = rng.uniform(0, 2 * np.pi, size=(2, 3))
        g = parameter_shift_gradient(dm, vals, present).values
        np.testing.assert_allclose(g, _finite_differences(dm, vals, present), atol=1e-6)
        clean = CirqSimulator(dtype=np.complex128).prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
        assert not np.allclose(dm.expectation(vals), clean.expectation(vals), atol=1e-3)


def test_shot_gradient_is_unbiased_with_calibrated_shot_variance():
    rng = np.random.default_rng(9)
    circuit = random_circuit(3, 20, rng, generic=False)
    obs = random_pauli_sum(3, rng)
    qs = cirq.LineQubit.range(3)
    own = OwnEngine(dtype=np.complex128).prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
    present = [s for s in SYMBOLS if s in cirq.parameter_symbols(circuit)]
    point = rng.uniform(0, 2 * np.pi, size=(1, 3))
    vals = np.repeat(point, 400, axis=0)
    exact = adjoint_gradient(own, point, present)
    res = shot_gradient(own, vals, shots=200, wrt=present, rng=np.random.default_rng(1), with_expectation=True)
    mean = res.values.mean(axis=0)
    se = np.sqrt(res.values.var(axis=0, ddof=1) / vals.shape[0])
    assert np.all(np.abs(mean - exact.values[0]) < 4.5 * se)
    ratio = res.values.var(axis=0, ddof=1) / res.shot_variances.mean(axis=0)
    assert np.all((ratio > 0.75) & (ratio < 1.33)), ratio  # sd of the ratio ~ sqrt(2/399) = 0.07
    z = (res.expectations.mean() - exact.expectations[0]) / np.sqrt(res.expectations.var(ddof=1) / 400)
    assert abs(z) < 4.5


def test_sampler_path_and_own_path_have_the_same_statistics():
    rng = np.random.default_rng(11)
    circuit = random_circuit(2, 12, rng, generic=False)
    obs = random_pauli_sum(2, rng)
    qs = cirq.LineQubit.range(2)
    present = [s for s in SYMBOLS if s in cirq.parameter_symbols(circuit)]
    point = np.repeat(rng.uniform(0, 2 * np.pi, size=(1, 3)), 40, axis=0)
    own = OwnEngine().prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
    cs = CirqSimulator().prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
    a = shot_gradient(own, point, 100, present, rng=np.random.default_rng(2))
    b = shot_gradient(cs, point, 100, present, rng=np.random.default_rng(3))
    diff = a.values.mean(0) - b.values.mean(0)
    se = np.sqrt(a.values.var(0, ddof=1) / 40 + b.values.var(0, ddof=1) / 40)
    assert np.all(np.abs(diff) < 4.5 * se + 1e-12)
    # the shot-noise variance estimates agree within sampling error
    np.testing.assert_allclose(a.shot_variances.mean(0), b.shot_variances.mean(0), rtol=0.2)


def test_qsim_backend_matches_own_engine():
    import qsimcirq  # noqa: F401 - a declared test dependency (extra 'fast', in 'all'): fail, never skip
    rng = np.random.default_rng(13)
    circuit = random_circuit(4, 20, rng, generic=False)
    obs = random_pauli_sum(4, rng)
    qs = cirq.LineQubit.range(4)
    vals = rng.uniform(0, 2 * np.pi, size=(3, 3))
    present = [s for s in SYMBOLS if s in cirq.parameter_symbols(circuit)]
    qsim = make_backend("qsim", threads=1).prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
    own = make_backend("own").prepare(circuit, obs, symbols=SYMBOLS, qubits=qs)
    np.testing.assert_allclose(qsim.expectation(vals), own.expectation(vals), atol=1e-5)
    np.testing.assert_allclose(
        parameter_shift_gradient(qsim, vals, present).values, adjoint_gradient(own, vals, present).values, atol=1e-4
    )


def test_refusals():
    q = cirq.LineQubit.range(2)
    a, b = sympy.symbols("a b")
    c = cirq.Circuit([cirq.FSimGate(a, 0.2).on(*q), cirq.ry(b).on(q[0])])
    obs = cirq.Z(q[0])
    own = OwnEngine().prepare(c, obs)
    assert differentiable_symbols(own) == (b,)
    assert differentiable_symbols(CirqSimulator().prepare(c, obs)) == (b,)
    with pytest.raises(ValueError, match="not a Pauli rotation"):
        adjoint_gradient(own, [[0.1, 0.2]], [a])
    with pytest.raises(ValueError, match="not a Pauli rotation"):
        parameter_shift_gradient(CirqSimulator().prepare(c, obs), [[0.1, 0.2]], [a])
    assert parameter_shift_gradient(own, [[0.1, 0.2]], [b]).values.shape == (1, 1)
    with pytest.raises(ValueError, match="own engine"):
        adjoint_gradient(CirqSimulator().prepare(c, obs), [[0.1, 0.2]], [b])
    with pytest.raises(ValueError, match="not a symbol"):
        parameter_shift_gradient(own, [[0.1, 0.2]], ["zz"])
    with pytest.raises(ValueError, match="shots"):
        shot_gradient(own, [[0.1, 0.2]], shots=1, wrt=[b])
    with pytest.raises(ValueError, match="method"):
        gradient(c, obs, [[0.1, 0.2]], method="magic")


def test_gradient_convenience_wrapper():
    q = cirq.LineQubit.range(2)
    a, b = sympy.symbols("a b")
    c = cirq.Circuit([cirq.ry(a).on(q[0]), cirq.CNOT(*q), cirq.ry(b).on(q[1])])
    obs = cirq.Z(q[1])
    vals = np.array([[0.3, 1.1]])
    # <Z1> = cos a cos b
    expected = np.array([[-np.sin(0.3) * np.cos(1.1), -np.cos(0.3) * np.sin(1.1)]])
    for backend in ("own", "cirq"):
        np.testing.assert_allclose(gradient(c, obs, vals, backend=backend).values, expected, atol=1e-6)
    np.testing.assert_allclose(gradient(c, obs, vals, method="adjoint").values, expected, atol=1e-6)


def test_one_gradient_result_type_for_exact_and_sampler_gradients():
    """Exact, adjoint and finite-shot gradients through any cirq.Sampler share GradientResult."""
    import ast
    import pathlib

    import cirq as _cirq
    import numpy as _np
    import sympy as _sympy

    from bpcalc.verify.backends import make_backend as _make_backend
    from bpcalc.verify.gradient_result import GradientResult as _GR
    from bpcalc.verify.gradients import GradientResult as _GR2, adjoint_gradient as _adj, \
        parameter_shift_gradient as _ps
    from bpcalc.verify.measurement import sampled_parameter_shift_gradient as _sampled

    assert _GR is _GR2
    q = _cirq.LineQubit.range(2)
    a, b = _sympy.symbols("a b")
    circuit = _cirq.Circuit(_cirq.ry(a).on(q[0]), _cirq.CNOT(*q), _cirq.rx(b).on(q[1]))
    obs = _cirq.Z(q[1]) * 1.0
    vals = _np.array([[0.4, 1.3], [2.0, -0.7]])
    prepared = _make_backend("own").prepare(circuit, obs, symbols=(a, b))
    exact, adj = _ps(prepared, vals), _adj(prepared, vals)
    shot = _sampled(_cirq.Simulator(seed=2), circuit, obs, [{"a": v[0], "b": v[1]} for v in vals], shots=4000)
    for r in (exact, adj, shot):
        assert type(r) is _GR and r.shape == (2, 2) and r.symbols == (a, b)
    assert exact.exact and adj.exact and not shot.exact
    assert shot.method == "parameter_shift_shots" and shot.shots == 4000 and shot.n_circuits_run == 2 * 2 * 2 * 1
    _np.testing.assert_allclose(adj.values, exact.values, atol=1e-5)
    z = (shot.values - exact.values) / _np.sqrt(shot.shot_variances)
    assert _np.all(_np.abs(z) < 5), z
    # no second gradient result dataclass anywhere in verify
    root = pathlib.Path(__file__).resolve().parents[2] / "verify"
    names = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # (hardware's GradientExperimentResult is a report of a hardware run's variance estimates)
            if isinstance(node, ast.ClassDef) and "Gradient" in node.name and node.name.endswith(("Result", "Estimate")) \
                    and "Experiment" not in node.name:
                names.append(f"{path.name}:{node.name}")
    assert names == ["gradient_result.py:GradientResult"], names
