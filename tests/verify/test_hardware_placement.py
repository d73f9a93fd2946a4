"""Targets, placement and routing on Google processors (verify.hardware.devices / placement)."""

from __future__ import annotations

import cirq
import cirq_google
import numpy as np
import pytest
import sympy
from google.protobuf import text_format

from bpcalc.circuits import hardware_efficient
from bpcalc.verify.hardware import (
    PLACEMENTS,
    load_target,
    place_qubits,
    read_device_specification,
    route_on_device,
    virtual_processors,
)


def _resolve_random(circuit, rng):
    syms = cirq.parameter_symbols(circuit)
    return cirq.resolve_parameters(circuit, {s: rng.uniform(0, 2 * np.pi) for s in syms})


@pytest.mark.parametrize("name", ["rainbow", "weber", "willow_pink"])
def test_virtual_processors_load_with_their_graph(name):
    assert name in virtual_processors()
    t = load_target(name)
    meta = cirq_google.engine.create_device_from_processor_id(name).metadata
    assert set(t.qubits) == set(meta.qubit_set)
    assert {frozenset(e) for e in t.graph.edges} == set(meta.qubit_pairs)
    assert "cz" in t.gatesets and t.is_virtual


def test_device_specification_files_text_and_binary(tmp_path):
    spec = cirq_google.engine.virtual_engine_factory.create_device_spec_from_processor_id("rainbow")
    (tmp_path / "spec.textproto").write_text(text_format.MessageToString(spec))
    (tmp_path / "spec.pb").write_bytes(spec.SerializeToString())
    for fname in ("spec.textproto", "spec.pb"):
        t = load_target(str(tmp_path / fname))
        assert set(t.qubits) == set(load_target("rainbow").qubits)
        assert not t.is_virtual and t.specification is not None
    assert read_device_specification(tmp_path / "spec.pb") == spec
    # GridDevice and proto objects are accepted as such
    assert len(load_target(cirq_google.GridDevice.from_proto(spec)).qubits) == 23
    assert len(load_target(spec).qubits) == 23


def test_bad_targets_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown processor"):
        load_target("no_such_processor")
    with pytest.raises(TypeError, match="processor name"):
        load_target(42)
    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"\xff\xfe not a proto")
    with pytest.raises(ValueError, match="DeviceSpecification"):
        load_target(str(junk))
    with pytest.raises(FileNotFoundError):
        read_device_specification(tmp_path / "missing.textproto")
    with pytest.raises(ValueError, match="does not support"):
        load_target("willow_pink").gateset("sycamore")
    with pytest.raises(ValueError, match="unknown gateset"):
        load_target("rainbow").gateset("fsim")


def _all_two_qubit_ops_on_couplers(circuit, target):
    edges = {frozenset(e) for e in target.graph.edges}
    return all(frozenset(op.qubits) in edges for op in circuit.all_operations() if len(op.qubits) == 2)


@pytest.mark.parametrize("placement", ["embed", "line"])
def test_chain_is_placed_without_swaps(placement):
    target = load_target("rainbow")
    r = route_on_device(hardware_efficient(6, 2), target, placement=placement)
    assert r.n_swaps == 0
    assert set(r.circuit.all_qubits()) <= set(target.qubits)
    assert _all_two_qubit_ops_on_couplers(r.circuit, target)
    assert r.initial_map == r.final_map


def test_routing_inserts_swaps_and_tracks_the_permutation():
    rng = np.random.default_rng(3)
    target = load_target("rainbow")
    logical = hardware_efficient(5, 2, topology="ring")  # odd ring: no SWAP-free placement on a grid
    r = route_on_device(logical, target, placement="line")
    assert r.n_swaps > 0
    assert _all_two_qubit_ops_on_couplers(r.circuit, target)
    resolver = {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(logical)}
    actual = cirq.resolve_parameters(cirq.Circuit(op.untagged for op in r.circuit.all_operations()), resolver)
    expected = cirq.resolve_parameters(logical.transform_qubits(r.initial_map), resolver)
    cirq.testing.assert_circuits_have_same_unitary_given_final_permutation(actual, expected, r.permutation)


def test_map_observable_follows_each_logical_qubit_to_its_final_position():
    rng = np.random.default_rng(4)
    logical = hardware_efficient(5, 2, topology="ring")
    r = route_on_device(logical, "rainbow", placement="line")
    assert r.n_swaps > 0 and r.initial_map != r.final_map
    resolver = {s: rng.uniform(0, 2 * np.pi) for s in cirq.parameter_symbols(logical)}
    sim = cirq.Simulator(dtype=np.complex128)
    routed = cirq.resolve_parameters(r.circuit, resolver)
    for q in sorted(logical.all_qubits()):
        obs = cirq.Z(q) * 1.0
        want = sim.simulate_expectation_values(cirq.resolve_parameters(logical, resolver), obs)[0]
        got = sim.simulate_expectation_values(routed, r.map_observable(obs))[0]
        assert abs(want - got) < 1e-8


def test_auto_is_never_worse_than_any_single_strategy():
    # LineQubit circuits: 'keep' and 'grid' do not apply; the odd ring (5) has no bipartite embedding
    cases = ((hardware_efficient(6, 2, topology="ring"), {"keep", "grid"}),
             (hardware_efficient(5, 1, topology="ring"), {"keep", "grid", "embed"}))
    for circuit, inapplicable in cases:
        auto = route_on_device(circuit, "rainbow")
        refused = set()
        for strategy in PLACEMENTS[1:]:
            try:
                other = route_on_device(circuit, "rainbow", placement=strategy)
            except ValueError:
                refused.add(strategy)
                continue
            assert auto.n_swaps <= other.n_swaps, strategy
        assert refused == inapplicable  # the comparison really ran against every other strategy


def test_grid_placement_keeps_the_layout_of_a_grid_circuit():
    qs = cirq.GridQubit.rect(2, 3, top=100, left=100)  # far off the device
    pairs = [(a, b) for a in qs for b in qs if a < b and a.is_adjacent(b)]
    circuit = cirq.Circuit(cirq.CZ(a, b) for a, b in pairs)
    r = route_on_device(circuit, "rainbow", placement="grid")
    assert r.n_swaps == 0
    for a, b in pairs:
        assert r.initial_map[a].is_adjacent(r.initial_map[b])
    with pytest.raises(ValueError, match="GridQubit"):
        place_qubits(hardware_efficient(3, 1), "rainbow", "grid")


def test_keep_placement_and_its_refusal():
    a, b = cirq.GridQubit(5, 2), cirq.GridQubit(5, 3)
    r = route_on_device(cirq.Circuit(cirq.CZ(a, b)), "rainbow", placement="keep")
    assert r.initial_map == {a: a, b: b} and r.n_swaps == 0
    with pytest.raises(ValueError, match="not on the device"):
        place_qubits(cirq.Circuit(cirq.CZ(*cirq.GridQubit.rect(1, 2))), "rainbow", "keep")


def test_placement_errors():
    with pytest.raises(ValueError, match="only 23|has 23"):
        route_on_device(hardware_efficient(24, 1), "rainbow", placement="line")
    with pytest.raises(ValueError, match="decompose"):
        route_on_device(cirq.Circuit(cirq.CCZ(*cirq.LineQubit.range(3))), "rainbow")
    with pytest.raises(ValueError, match="unknown placement"):
        route_on_device(hardware_efficient(2, 1), "rainbow", placement="magic")
    with pytest.raises(ValueError, match="not in the placed circuit"):
        route_on_device(hardware_efficient(2, 1), "rainbow").map_observable(cirq.Z(cirq.LineQubit(7)))


def test_routing_keeps_symbols():
    c = hardware_efficient(5, 1, topology="ring")
    r = route_on_device(c, "rainbow", placement="line")
    assert cirq.parameter_symbols(r.circuit) == cirq.parameter_symbols(c)
    assert all(isinstance(s, sympy.Symbol) for s in cirq.parameter_symbols(r.circuit))
