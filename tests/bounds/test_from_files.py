"""bpcalc.bounds.from_files: users' circuits (QASM 2/3, Cirq JSON, factories) -> circuits.Model."""

from __future__ import annotations

import pathlib

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds.from_files import (
    QASM_GATES,
    classify_operation,
    gate_support,
    load_user_circuit,
    model_from_circuit,
    observable_from_spec,
    prepare_model,
    split_embedding_ansatz,
    unsupported_gate_message,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def _assert_same_unitary(a: cirq.AbstractCircuit, b: cirq.AbstractCircuit, qubits, seed=0):
    """Compare the unitaries of two circuits at random parameter values (independent check)."""
    rng = np.random.default_rng(seed)
    symbols = cirq.parameter_symbols(a) | cirq.parameter_symbols(b)
    for _ in range(3):
        r = cirq.ParamResolver({s: float(rng.uniform(0, 2 * np.pi)) for s in symbols})
        ua = cirq.Circuit(cirq.resolve_parameters(a, r)).unitary(qubit_order=qubits)
        ub = cirq.Circuit(cirq.resolve_parameters(b, r)).unitary(qubit_order=qubits)
        cirq.testing.assert_allclose_up_to_global_phase(ua, ub, atol=1e-8)


def _sim_circuit2_by_hand() -> cirq.Circuit:
    q = cirq.LineQubit.range(4)
    tx, tz = sympy.symbols("theta_x0:4"), sympy.symbols("theta_z0:4")
    return cirq.Circuit(
        [cirq.rx(tx[i]).on(q[i]) for i in range(4)],
        [cirq.rz(tz[i]).on(q[i]) for i in range(4)],
        cirq.CNOT(q[3], q[2]), cirq.CNOT(q[2], q[1]), cirq.CNOT(q[1], q[0]),
    )


# ----------------------------------------------------------------------------- formats


def test_sim2019_circuit2_qasm_matches_the_papers_circuit():
    circuit, notes = load_user_circuit(EXAMPLES / "sim2019_circuit2.qasm")
    assert sorted(circuit.all_qubits()) == cirq.LineQubit.range(4)
    assert any("measurements" in n for n in notes)            # 'measure q -> c' dropped
    assert not circuit.has_measurements()
    _assert_same_unitary(circuit, _sim_circuit2_by_hand(), cirq.LineQubit.range(4))


def test_sim2019_circuit11_qasm3_matches_the_papers_circuit():
    circuit, _ = load_user_circuit(EXAMPLES / "sim2019_circuit11.qasm")
    q = cirq.LineQubit.range(4)
    t = sympy.symbols("theta_0:12")
    by_hand = cirq.Circuit(
        [cirq.ry(t[i]).on(q[i]) for i in range(4)], [cirq.rz(t[4 + i]).on(q[i]) for i in range(4)],
        cirq.CNOT(q[1], q[0]), cirq.CNOT(q[3], q[2]),
        cirq.ry(t[8]).on(q[1]), cirq.ry(t[9]).on(q[2]), cirq.rz(t[10]).on(q[1]), cirq.rz(t[11]).on(q[2]),
        cirq.CNOT(q[2], q[1]),
    )
    _assert_same_unitary(circuit, by_hand, q)
    pm = prepare_model(EXAMPLES / "sim2019_circuit11.qasm", "Z1*Z2")
    assert [s.name for s in pm.trainable] == [f"theta_{i}" for i in range(12)]
    assert pm.exact_supported


def test_cirq_json_with_embedding_is_split_into_embedding_and_ansatz(tmp_path):
    n = 3
    emb = circuits.make_embedding("hee", n, layers=2)
    ans = circuits.hardware_efficient(n, 2)
    path = tmp_path / "model.json"
    cirq.to_json(emb + ans, path)
    pm = prepare_model(path, "Z0", dataset="uniform", n_data=5)
    m = pm.model
    assert [s.name for s in m.data_symbols] == ["x_0", "x_1", "x_2"]
    assert set(m.trainable_symbols) == cirq.parameter_symbols(ans)
    assert m.dataset.n_samples == 5 and m.dataset.n_features == 3
    # the pieces multiply back to the original circuit (unitaries at random parameters)
    _assert_same_unitary(m.embedding + m.ansatz, emb + ans, cirq.LineQubit.range(n))
    assert cirq.parameter_symbols(m.embedding) == cirq.parameter_symbols(emb)


def test_python_factories_module_and_file_forms(tmp_path, monkeypatch):
    pm = prepare_model(f"{EXAMPLES / 'my_family.py'}:sim_circuit2", "Z0", factory_kwargs={"n": 5})
    assert pm.model.n_qubits == 5 and len(pm.trainable) == 10
    monkeypatch.syspath_prepend(str(EXAMPLES))
    m = model_from_circuit("my_family:brickwork", "local", factory_kwargs={"n": 4, "layers": 1})
    assert m.n_qubits == 4 and len(m.trainable_symbols) == 8
    with pytest.raises(TypeError, match="could not be called"):
        load_user_circuit("my_family:brickwork", qubits=3)


def test_qasm_register_offsets_and_barriers():
    text = HEADER + "qreg a[2];\nqreg q[3];\nbarrier a, q;\nry(theta_0) q[2];\nbarrier q[2];\nrx(theta_1) a[1];\n"
    c = circuits.circuit_from_qasm_text(text)
    assert sorted(c.all_qubits()) == [cirq.LineQubit(1), cirq.LineQubit(4)]   # declaration order, idle qubits count
    pm = prepare_model(c, "Z4")
    assert pm.model.observable == cirq.PauliSum.wrap(cirq.Z(cirq.LineQubit(4)))


# ----------------------------------------------------------------------------- roles and splitting


def test_split_keeps_the_causal_past_of_data_gates_in_the_embedding():
    q = cirq.LineQubit.range(3)
    x0, t0, t1 = sympy.symbols("x_0 theta_0 theta_1")
    c = cirq.Circuit(
        cirq.H(q[0]), cirq.H(q[2]),                 # H(q0) precedes the data gate; H(q2) does not
        cirq.rx(x0).on(q[0]),
        cirq.CZ(q[1], q[2]),
        cirq.ry(t0).on(q[1]), cirq.CNOT(q[0], q[1]), cirq.ry(t1).on(q[0]),
    )
    emb, ans = split_embedding_ansatz(c, [t0, t1], [x0])
    assert set(emb.all_operations()) == {cirq.H(q[0]), cirq.rx(x0).on(q[0])}
    assert len(list(ans.all_operations())) == 5
    _assert_same_unitary(emb + ans, c, q)


def test_data_reuploading_split_names_both_gates():
    from bpcalc.bounds.from_files import DataReuploading

    c, _ = load_user_circuit(EXAMPLES / "sim2019_circuit9_reupload.qasm")
    syms = {s.name: s for s in cirq.parameter_symbols(c)}
    with pytest.raises(DataReuploading, match=r"data re-uploading.*Rz.*x_0.*moment 5.*Rx.*theta_0.*moment 4"):
        split_embedding_ansatz(c, [syms[f"theta_{j}"] for j in range(3)], [syms[f"x_{j}"] for j in range(3)])


def test_data_reuploading_becomes_a_reuploading_model():
    pm = prepare_model(EXAMPLES / "sim2019_circuit9_reupload.qasm", "Z0", dataset="uniform", n_data=4)
    m = pm.model
    assert m.reuploading and not list(m.embedding.all_operations())
    assert sorted(s.name for s in m.trainable_symbols) == ["theta_0", "theta_1", "theta_2"]
    assert [s.name for s in m.data_symbols] == ["x_0", "x_1", "x_2"]
    assert any("re-uploading" in n for n in pm.notes)
    with pytest.raises(ValueError, match="re-uploading"):
        m.data_state([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="re-uploading|second embedding"):
        prepare_model(EXAMPLES / "sim2019_circuit9_reupload.qasm", "Z0", embedding="tpe")


def test_gate_mixing_data_and_trainable_symbols_is_refused():
    text = HEADER + "qreg q[1];\nrz(theta_0 + x_0) q[0];\n"
    with pytest.raises(ValueError, match="both trainable and data"):
        prepare_model(circuits.circuit_from_qasm_text(text), "Z0")


def test_symbols_neither_trainable_nor_data_are_named():
    text = HEADER + "qreg q[2];\nry(theta_0) q[0];\nry(phi) q[1];\nrx(x_0) q[0];\n"
    with pytest.raises(ValueError, match=r"\['phi'\] are neither trainable"):
        prepare_model(circuits.circuit_from_qasm_text(text), "Z0", trainable="theta_*")


def test_custom_data_pattern_is_renamed_for_datasets():
    q = cirq.LineQubit.range(2)
    a, b, t = sympy.symbols("feat_a feat_b w")
    c = cirq.Circuit(cirq.rx(a).on(q[0]), cirq.rx(b).on(q[1]), cirq.CZ(*q), cirq.ry(t).on(q[1]))
    pm = prepare_model(c, "Z1", data="feat_*", dataset="uniform", n_data=4)
    assert pm.data_names == {"x_0": "feat_a", "x_1": "feat_b"}
    assert [s.name for s in pm.trainable] == ["w"]
    assert pm.model.dataset.n_features == 2
    # binding x_0 = 0.3, x_1 = 1.1 equals binding the user's names
    got = cirq.resolve_parameters(pm.model.circuit, {"x_0": 0.3, "x_1": 1.1, "w": 0.7})
    want = cirq.resolve_parameters(c, {"feat_a": 0.3, "feat_b": 1.1, "w": 0.7})
    cirq.testing.assert_allclose_up_to_global_phase(got.unitary(q), want.unitary(q), atol=1e-10)


def test_builtin_embedding_and_dataset():
    pm = prepare_model(EXAMPLES / "sim2019_circuit2.qasm", "Z0", embedding="tpe", dataset="digits", n_data=10)
    assert [s.name for s in pm.data] == ["x_0", "x_1", "x_2", "x_3"]
    assert pm.model.dataset.n_samples == 10 and pm.model.dataset.name == "digits"
    with pytest.raises(ValueError, match="no data embedding"):
        prepare_model(EXAMPLES / "sim2019_circuit2.qasm", "Z0", dataset="uniform")
    text = HEADER + "qreg q[1];\nrx(x_0) q[0];\nry(theta_0) q[0];\n"
    with pytest.raises(ValueError, match="already contains data symbols"):
        prepare_model(circuits.circuit_from_qasm_text(text), "Z0", embedding="tpe")
    with pytest.raises(ValueError, match="unknown embedding 'zz'"):
        prepare_model(EXAMPLES / "sim2019_circuit2.qasm", "Z0", embedding="zz")


# ----------------------------------------------------------------------------- bad input


def test_unparsable_qasm_reports_the_users_line_and_column(tmp_path):
    path = tmp_path / "bad.qasm"
    # named parameters make the loader declare inputs; line numbers must stay the file's
    path.write_text(HEADER + "qreg q[2];\nry(theta_0) q[0]\ncx q[0], q[1];\n")
    with pytest.raises(ValueError, match=r"(?s)bad.qasm.*line 5, column 1"):
        load_user_circuit(path)


def test_unknown_gate_names_the_gate_and_what_each_engine_supports(tmp_path):
    path = tmp_path / "foo.qasm"
    path.write_text(HEADER + "qreg q[2];\nry(theta_0) q[0];\nfoo(theta_1) q[1];\n")
    with pytest.raises(ValueError) as info:
        load_user_circuit(path)
    msg = str(info.value)
    assert 'Unknown gate "foo" at line 5' in msg
    assert "gate 'foo' is not supported" in msg
    assert "exact Pauli-path engine" in msg and "samplers" in msg and "rzz" in msg and "crz" in msg


def test_observable_on_absent_qubits_and_constant_observables():
    c, _ = load_user_circuit(EXAMPLES / "sim2019_circuit2.qasm")
    with pytest.raises(ValueError, match=r"qubits \[cirq.LineQubit\(7\)\] that are not in the circuit"):
        observable_from_spec("Z0 + X7", c)
    with pytest.raises(ValueError, match="is a constant"):
        observable_from_spec("2.5", c)
    with pytest.raises(ValueError, match="column"):
        observable_from_spec("Z0 + Q1", c)
    local = observable_from_spec("local", c)
    assert local == circuits.local_cost(cirq.LineQubit.range(4))
    assert observable_from_spec("global", c) == circuits.global_cost(cirq.LineQubit.range(4))


def test_empty_and_parameterless_circuits(tmp_path):
    path = tmp_path / "empty.qasm"
    path.write_text(HEADER + "qreg q[3];\n")
    with pytest.raises(ValueError, match="empty"):
        load_user_circuit(path)
    path.write_text(HEADER + "qreg q[1];\ncreg c[1];\nmeasure q -> c;\n")
    with pytest.raises(ValueError, match="only measurements"):
        load_user_circuit(path)
    with pytest.raises(ValueError, match="no parameters"):
        prepare_model(cirq.Circuit(cirq.H(cirq.LineQubit(0))), "Z0")
    text = HEADER + "qreg q[1];\nrx(x_0) q[0];\n"
    with pytest.raises(ValueError, match="no trainable parameters"):
        prepare_model(circuits.circuit_from_qasm_text(text), "Z0")
    with pytest.raises(TypeError, match="circuit source"):
        load_user_circuit(3.5)
    with pytest.raises(FileNotFoundError):
        load_user_circuit(tmp_path / "missing.qasm")


def test_mid_circuit_measurement_is_refused():
    text = HEADER + "qreg q[1];\ncreg c[1];\nry(theta_0) q[0];\nmeasure q[0] -> c[0];\nrx(theta_1) q[0];\n"
    with pytest.raises(ValueError, match="mid-circuit measurement"):
        load_user_circuit(circuits.circuit_from_qasm_text(text))


# ----------------------------------------------------------------------------- gate support


def _qasm_gate_circuit(name: str) -> cirq.Circuit:
    from cirq.contrib.qasm_import import _parser

    stmt = (_parser.QasmParser.qelib_gates | _parser.QasmParser.basic_gates)[name]
    params = ",".join(["theta"] + ["0.3"] * (stmt.num_params - 1)) if stmt.num_params else ""
    qs = ",".join(f"q[{i}]" for i in range(stmt.num_args))
    call = f"{name}({params})" if params else name
    return circuits.circuit_from_qasm_text(HEADER + f"qreg q[5];\n{call} {qs};\n")


def test_qasm_gate_table_matches_the_classification_of_the_gates_cirq_builds():
    from cirq.contrib.qasm_import import _parser

    listed = {g for names in QASM_GATES.values() for g in names}
    assert listed == set(_parser.QasmParser.qelib_gates) | set(_parser.QasmParser.basic_gates)
    exact_groups = [k for k in QASM_GATES if "exact engine" in k]
    for group, names in QASM_GATES.items():
        for name in names:
            c = _qasm_gate_circuit(name)                       # first angle = trainable 'theta'
            sup = gate_support(c, [sympy.Symbol("theta")])
            assert all(s.exact for s in sup) == (group in exact_groups), (name, group)
            if cirq.parameter_symbols(c):                       # a trainable angle: Pauli rotations only
                assert all(s.sampling for s in sup) == ("+ samplers" in group), (name, group)
            const = cirq.resolve_parameters(c, {"theta": 0.3})   # constant angles: samplers take any gate
            assert all(s.sampling for s in gate_support(const, [])), name


@pytest.mark.parametrize("name", ["rx", "rzz", "cx", "cz", "h", "s", "t", "crz", "u3", "ccx", "cp"])
def test_exact_flag_agrees_with_the_exact_engine(name):
    from bpcalc.bounds.exact.pauli_paths import exact_gradient_variance

    c = cirq.Circuit([cirq.ry(sympy.Symbol(f"a{i}")).on(cirq.LineQubit(i)) for i in range(3)]) + _qasm_gate_circuit(name)
    flagged = all(s.exact for s in gate_support(c, cirq.parameter_symbols(c)))
    try:
        exact_gradient_variance(c, "Z0*Z1*Z2 + X0", parameters="all")
        accepted = True
    except ValueError:
        accepted = False
    assert flagged == accepted


def test_non_commuting_shared_symbols_and_non_integer_frequencies_are_not_exact():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    c = cirq.Circuit(cirq.ry(t).on(q[0]), cirq.rx(t).on(q[0]), cirq.rz(0.5 * sympy.Symbol("u")).on(q[0]))
    sup = gate_support(c, [t, sympy.Symbol("u")])
    assert [s.exact for s in sup] == [False, False, False]
    assert "non-commuting" in sup[0].reason and "not a non-zero integer" in sup[2].reason
    # a symbol on commuting rotations (here on different qubits) is averaged jointly: exact
    c = cirq.Circuit(cirq.ry(t).on(q[0]), cirq.ry(t).on(q[1]))
    assert all(s.exact for s in gate_support(c, [t]))
    assert classify_operation(cirq.T(q[0]), set(), set()).kind == "fixed-rotation"


def test_unsupported_gate_message_lists_every_group():
    msg = unsupported_gate_message("foo")
    for group in QASM_GATES:
        assert group in msg


def test_analyze_file_runs_bounds_analyze_on_a_qasm_file(tmp_path):
    from bpcalc.bounds.from_files import analyze_file

    path = tmp_path / "two.qasm"
    path.write_text(HEADER + "qreg q[2];\nry(theta_0) q[0];\ncx q[0], q[1];\nry(theta_1) q[1];\n")
    a = analyze_file(path, "Z1")
    # ℓ = <Z1> = cos θ0 cos θ1 from |00⟩: Var[∂ℓ/∂θ_k] = E[sin²] E[cos²] = 1/4
    assert a.n_qubits == 2
    for name in ("theta_0", "theta_1"):
        assert a.parameter(name).exact.value == pytest.approx(0.25)
