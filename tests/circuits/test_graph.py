import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits


def _random_resolver(circuit, rng):
    return {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(circuit)}


def _expectation(circuit, observable, qubits):
    psi = cirq.final_state_vector(circuit, qubit_order=qubits, dtype=np.complex128) if list(
        circuit.all_operations()
    ) else None
    if psi is None:
        psi = np.zeros(2 ** len(qubits), dtype=complex)
        psi[0] = 1
    return np.real(observable.expectation_from_state_vector(psi, {q: i for i, q in enumerate(qubits)}))


def _random_clifford_rotation_circuit(n, depth, rng):
    qs = cirq.LineQubit.range(n)
    ops = []
    k = 0
    for _ in range(depth):
        for q in qs:
            gate = rng.choice(["rx", "ry", "rz", "h", "s", "x**t"])
            s = sympy.Symbol(f"t{k}")
            k += 1
            ops.append(
                {
                    "rx": cirq.rx(s),
                    "ry": cirq.ry(s),
                    "rz": cirq.rz(s),
                    "h": cirq.H,
                    "s": cirq.S,
                    "x**t": cirq.XPowGate(exponent=s),
                }[gate].on(q)
            )
        for _ in range(n // 2):
            a, b = rng.choice(n, 2, replace=False)
            ops.append([cirq.CZ, cirq.CNOT, cirq.SWAP, cirq.ISWAP][rng.integers(4)](qs[a], qs[b]))
    return cirq.Circuit(ops)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("refined", [False, True])
def test_cone_subcircuit_gives_same_expectation(seed, refined):
    rng = np.random.default_rng(seed)
    n = 5
    circuit = _random_clifford_rotation_circuit(n, 3, rng)
    qs = cirq.LineQubit.range(n)
    for text in ["Z0", "X2", "0.5*Z1*Z3 + Y4", "Z0*Z1*Z2*Z3*Z4"]:
        obs = circuits.parse_pauli_sum(text)
        cone = circuits.backward_light_cone(circuit, obs, refined=refined)
        assert set(obs.qubits) <= cone.qubits
        sub = cone.circuit()
        for _ in range(2):
            res = _random_resolver(circuit, rng)
            full = _expectation(cirq.resolve_parameters(circuit, res), obs, qs)
            part = _expectation(cirq.resolve_parameters(sub, res), obs, qs)
            assert np.isclose(full, part, atol=1e-9), (text, refined)


def test_cone_of_hea_models_and_simulator_agree():
    rng = np.random.default_rng(7)
    n = 6
    model_circuit = circuits.hardware_efficient_embedding(n, 2) + circuits.hardware_efficient(n, 2)
    qs = cirq.LineQubit.range(n)
    obs = circuits.local_cost(qs)
    cone = circuits.backward_light_cone(model_circuit, obs)
    res = _random_resolver(model_circuit, rng)
    assert np.isclose(
        _expectation(cirq.resolve_parameters(model_circuit, res), obs, qs),
        _expectation(cirq.resolve_parameters(cone.circuit(), res), obs, qs),
        atol=1e-9,
    )


def test_refined_cone_drops_commuting_gates():
    n = 4
    c = circuits.hardware_efficient(n, 1)  # Ry, Rz, CZ chain
    z0 = cirq.Z(cirq.LineQubit(0))
    plain = circuits.backward_light_cone(c, z0, refined=False)
    refined = circuits.backward_light_cone(c, z0, refined=True)
    assert plain.width == 2 and plain.size == 5
    # Rz and CZ commute with Z0: only Ry on qubit 0 remains
    assert refined.size == 1 and refined.width == 1
    assert refined.symbols == {sympy.Symbol("theta_0_0_0")}


def test_plain_cone_matches_cirq_lightcone_filter_baseline():
    from cirq.transformers import lightcone_filter  # cirq-core is a required dependency

    q = cirq.LineQubit.range(6)
    for seed in range(4):
        circuit = _random_clifford_rotation_circuit(6, 3, np.random.default_rng(seed))
        cone = circuits.backward_light_cone(circuit, cirq.Z(q[2]), refined=False)
        filtered = lightcone_filter(circuit + cirq.Circuit(cirq.measure(q[2])))
        expected = [(m, op) for m, moment in enumerate(filtered[:-1]) for op in moment]
        assert list(cone.operations) == expected


def test_graph_edges_follow_wires():
    c = circuits.hardware_efficient(3, 1, rotations=("ry",))
    g = circuits.circuit_graph(c)
    assert g.number_of_nodes() == len(list(c.all_operations()))
    import networkx as nx

    assert nx.is_directed_acyclic_graph(g)
    for u, v, data in g.edges(data=True):
        assert data["qubit"] in g.nodes[u]["qubits"] and data["qubit"] in g.nodes[v]["qubits"]


def test_parameter_light_cone():
    n = 6
    c = circuits.hardware_efficient(n, 2, rotations=("ry",))
    z0 = cirq.Z(cirq.LineQubit(0))
    near = circuits.parameter_light_cone(c, "theta_1_0_0", z0)
    far = circuits.parameter_light_cone(c, "theta_0_5_0", z0)
    assert near.in_cone and near.width >= 1
    assert not far.in_cone  # two brick layers cannot carry qubit 5 to qubit 0
    with pytest.raises(ValueError, match="does not occur"):
        circuits.parameter_light_cone(c, "nope", z0)


def test_cone_of_param_outside_has_zero_gradient():
    # a parameter outside the cone cannot change the expectation value
    n = 6
    c = circuits.hardware_efficient(n, 2, rotations=("ry",))
    q = cirq.LineQubit.range(n)
    z0 = circuits.as_pauli_sum(cirq.Z(q[0]))
    rng = np.random.default_rng(0)
    res = _random_resolver(c, rng)
    base = _expectation(cirq.resolve_parameters(c, res), z0, q)
    res[sympy.Symbol("theta_0_5_0")] += 1.0
    assert np.isclose(base, _expectation(cirq.resolve_parameters(c, res), z0, q), atol=1e-9)


def test_bad_inputs():
    with pytest.raises(TypeError):
        circuits.circuit_graph("not a circuit")
    c = circuits.hardware_efficient(2, 1)
    with pytest.raises(ValueError):
        circuits.backward_light_cone(c, cirq.Z(cirq.LineQubit(7)))
