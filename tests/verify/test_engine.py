"""The batched state-vector engine agrees with cirq.Simulator (verify.engine)."""

from __future__ import annotations

import sys
from pathlib import Path

import cirq
import numpy as np
import pytest
import sympy

sys.path.insert(0, str(Path(__file__).parent))
from _random_circuits import SYMBOLS, random_circuit, random_pauli_sum  # noqa: E402

from bpcalc.circuits import global_cost, hardware_efficient  # noqa: E402
from bpcalc.verify.engine import BatchedSimulator, compile_circuit, compile_observable  # noqa: E402

TOL = {np.complex64: 1e-6, np.complex128: 1e-10}


def _reference_state(circuit, values, qubits):
    r = dict(zip(SYMBOLS, values))
    return cirq.final_state_vector(cirq.resolve_parameters(circuit, r), qubit_order=qubits, dtype=np.complex128)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("tile_size", [1, 2, 3, 4])
def test_random_circuits_agree_with_cirq(dtype, tile_size):
    rng = np.random.default_rng(100 + tile_size)
    for _ in range(5):
        n = int(rng.integers(1, 7))
        circuit = random_circuit(n, 30, rng)
        qs = cirq.LineQubit.range(n)
        vals = rng.uniform(0, 2 * np.pi, size=(3, 3))
        obs = random_pauli_sum(n, rng)
        bc = compile_circuit(circuit, qubits=qs, symbols=SYMBOLS, dtype=dtype, tile_size=tile_size)
        states = bc.final_states(vals)
        ev = bc.expectation(vals, obs)
        sim = cirq.Simulator(dtype=np.complex128)
        for i, v in enumerate(vals):
            ref = _reference_state(circuit, v, qs)
            # exact agreement, global phase included
            np.testing.assert_allclose(states[i], ref, atol=TOL[dtype], rtol=0)
            expected = sim.simulate_expectation_values(circuit, [obs], dict(zip(SYMBOLS, v)), qubit_order=qs)[0].real
            assert abs(ev[i] - expected) < TOL[dtype]


def test_complex64_matches_complex64_cirq_on_hea():
    circuit = hardware_efficient(8, 8)
    obs = cirq.Z(cirq.LineQubit(0)) * 1.0
    bc = compile_circuit(circuit)
    vals = np.random.default_rng(0).uniform(0, 2 * np.pi, size=(4, len(bc.symbols)))
    ev = bc.expectation(vals, obs)
    sim = cirq.Simulator(dtype=np.complex64)
    for i, v in enumerate(vals):
        ref = sim.simulate_expectation_values(circuit, [obs], dict(zip(bc.symbols, v)))[0].real
        assert abs(ev[i] - ref) < 1e-6


def test_batch_rows_equal_single_evaluations_and_initial_states():
    rng = np.random.default_rng(3)
    circuit = random_circuit(4, 25, rng, generic=False)
    qs = cirq.LineQubit.range(4)
    bc = compile_circuit(circuit, qubits=qs, symbols=SYMBOLS, dtype=np.complex128)
    vals = rng.uniform(0, 2 * np.pi, size=(5, 3))
    batch = bc.final_states(vals)
    for i in range(5):
        np.testing.assert_allclose(bc.final_states(vals[i]), batch[i : i + 1], atol=1e-12)
    init = cirq.testing.random_superposition(16, random_state=1).astype(np.complex128)
    out = bc.final_states(vals[:2], initial_state=init)
    for i in range(2):
        r = dict(zip(SYMBOLS, vals[i]))
        ref = cirq.final_state_vector(cirq.resolve_parameters(circuit, r), initial_state=init, qubit_order=qs)
        np.testing.assert_allclose(out[i], ref, atol=1e-6)
    per_sample = np.stack([init, np.roll(init, 1)])
    out2 = bc.final_states(vals[:2], initial_state=per_sample)
    np.testing.assert_allclose(out2[0], out[0], atol=1e-12)


def test_non_affine_angles_and_data_symbols():
    q = cirq.LineQubit.range(3)
    x0, x1, t = sympy.symbols("x_0 x_1 t")
    circuit = cirq.Circuit(
        [cirq.H.on_each(*q), cirq.rz(x0 * x1).on(q[1]), cirq.CNOT(q[0], q[2]), cirq.ry(sympy.sin(t) + x0).on(q[2])]
    )
    bc = compile_circuit(circuit, symbols=[x0, x1, t], dtype=np.complex128)
    vals = np.array([[0.3, 1.7, 0.9], [2.0, -1.0, 4.0]])
    obs = cirq.X(q[1]) * cirq.Z(q[2]) + 0.5 * cirq.Y(q[0])
    got = bc.expectation(vals, obs)
    sim = cirq.Simulator(dtype=np.complex128)
    for i, v in enumerate(vals):
        ref = sim.simulate_expectation_values(circuit, [obs], dict(zip([x0, x1, t], v)))[0].real
        assert abs(got[i] - ref) < 1e-10


def test_many_term_observable_uses_the_walsh_hadamard_path():
    q = cirq.LineQubit.range(5)
    circuit = hardware_efficient(5, 2)
    obs = global_cost(q) + 0.25 * cirq.X(q[0]) * cirq.Y(q[3])
    bc = compile_circuit(circuit, dtype=np.complex128)
    vals = np.random.default_rng(1).uniform(0, 2 * np.pi, size=(2, len(bc.symbols)))
    got = bc.expectation(vals, compile_observable(obs, bc.qubits))
    sim = cirq.Simulator(dtype=np.complex128)
    for i, v in enumerate(vals):
        ref = sim.simulate_expectation_values(circuit, [obs], dict(zip(bc.symbols, v)))[0].real
        assert abs(got[i] - ref) < 1e-10


def test_observable_apply_matches_dense_matrix():
    rng = np.random.default_rng(4)
    qs = cirq.LineQubit.range(3)
    obs = random_pauli_sum(3, rng)
    co = compile_observable(obs, qs)
    states = np.stack([cirq.testing.random_superposition(8, random_state=s) for s in range(3)]).astype(complex)
    dense = obs.matrix(qs)
    np.testing.assert_allclose(co.apply(states), states @ dense.T, atol=1e-12)


def test_cirq_adapter_is_a_cirq_simulator():
    rng = np.random.default_rng(5)
    circuit = random_circuit(3, 20, rng)
    obs = [random_pauli_sum(3, rng), cirq.Z(cirq.LineQubit(0))]
    sweep = [dict(zip(SYMBOLS, v)) for v in rng.uniform(0, 6, size=(4, 3))]
    sim = BatchedSimulator(dtype=np.complex128)
    assert isinstance(sim, cirq.SimulatesExpectationValues)
    got = sim.simulate_expectation_values_sweep(circuit, obs, sweep, qubit_order=cirq.LineQubit.range(3))
    ref = cirq.Simulator(dtype=np.complex128).simulate_expectation_values_sweep(
        circuit, obs, sweep, qubit_order=cirq.LineQubit.range(3)
    )
    np.testing.assert_allclose(np.array(got), np.real(np.array(ref)), atol=1e-10)
    one = sim.simulate_expectation_values(circuit, obs, sweep[0], qubit_order=cirq.LineQubit.range(3))
    np.testing.assert_allclose(one, got[0], atol=1e-12)
    measured = circuit + cirq.Circuit(cirq.measure(*cirq.LineQubit.range(3), key="m"))
    with pytest.raises(ValueError, match="terminal measurements"):
        sim.simulate_expectation_values(measured, obs, sweep[0])
    ok = sim.simulate_expectation_values(measured, obs, sweep[0], qubit_order=cirq.LineQubit.range(3),
                                         permit_terminal_measurements=True)
    np.testing.assert_allclose(ok, got[0], atol=1e-12)


def test_bad_inputs_are_rejected():
    q = cirq.LineQubit.range(2)
    a = sympy.Symbol("a")
    c = cirq.Circuit(cirq.rx(a).on(q[0]), cirq.CNOT(*q))
    with pytest.raises(TypeError, match="AbstractCircuit"):
        compile_circuit("not a circuit")
    with pytest.raises(ValueError, match="measurement"):
        compile_circuit(c + cirq.Circuit(cirq.measure(q[0])))
    with pytest.raises(ValueError, match="dtype"):
        compile_circuit(c, dtype=np.float32)
    with pytest.raises(ValueError, match="tile_size"):
        compile_circuit(c, tile_size=0)
    with pytest.raises(ValueError, match="missing"):
        compile_circuit(c, symbols=[sympy.Symbol("b")])
    with pytest.raises(ValueError, match="qubit order"):
        compile_circuit(c, qubits=[q[0]])
    with pytest.raises(ValueError, match="not unitary|no unitary"):
        compile_circuit(cirq.Circuit(cirq.depolarize(0.1).on(q[0])))
    bc = compile_circuit(c)
    with pytest.raises(ValueError, match="shape"):
        bc.final_states(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        bc.final_states(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="initial_state"):
        bc.final_states(np.zeros((1, 1)), initial_state=np.ones(3))
    with pytest.raises(ValueError, match="not among"):
        compile_observable(cirq.Z(cirq.LineQubit(7)), bc.qubits)


def test_iter_final_states_chunks_agree_with_cirq():
    """The public chunked fast path (used by finite-shot expectations) against cirq.Simulator."""
    a, b = sympy.symbols("a b")
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CNOT(*q), cirq.rx(b).on(q[1]))
    values = np.random.default_rng(1).uniform(0, 2 * np.pi, (5, 2))
    bc = compile_circuit(circuit, qubits=q, symbols=(a, b), dtype=np.complex128)
    chunks = list(bc.iter_final_states(values))
    assert chunks[0][0] == 0 and chunks[-1][1] == 5
    states = np.concatenate([st for _, _, st in chunks])
    sim = cirq.Simulator(dtype=np.complex128)
    for v, st in zip(values, states):
        ref = sim.simulate(circuit, {"a": v[0], "b": v[1]}, qubit_order=q).final_state_vector
        np.testing.assert_allclose(st, ref, atol=1e-12)
