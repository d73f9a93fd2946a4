"""bounds.assumptions: one catalogue of assumption keys, each with one meaning."""

from __future__ import annotations

import warnings

import cirq
import pytest

from bpcalc import circuits
from bpcalc.bounds.assumptions import CATALOGUE, DEPRECATED_KEYS, assumption, meaning, resolve_declared
from bpcalc.bounds.registry import Context, default_registry

REGISTRY = default_registry()


def _registered():
    """(theorem key, Assumption) for every assumption of every registered theorem and bound."""
    return [(t.key, a) for t in REGISTRY.values() for a in (*t.assumptions, *(a for b in t.bounds for a in b.assumptions))]


USED = {a.key for _, a in _registered()}


def test_every_key_used_by_a_theorem_is_catalogued_with_its_meaning():
    missing = sorted({f"{t}: {a.key}" for t, a in _registered() if a.key not in CATALOGUE})
    assert not missing, f"add these keys to bounds/assumptions.py: {missing}"
    wrong = sorted({f"{t}: {a.key}" for t, a in _registered() if a.text != CATALOGUE[a.key].meaning})
    assert not wrong, f"build assumptions with bounds.assumptions.assumption (one text per key): {wrong}"


def test_no_catalogue_key_is_unused():
    """A key is used by a theorem, or is a declaration shorthand for used keys."""
    unused = sorted(k for k, e in CATALOGUE.items() if k not in USED and not (e.implies and set(e.implies) <= USED))
    assert not unused, f"catalogue keys no theorem uses: {unused}"


def test_one_check_per_key():
    """Every theorem that needs a key checks it the same way (the same Assumption), so one model gets
    one verdict per hypothesis (before: uvarov2021 left 'blocks_are_2_designs' undecided where cerezo2021's
    exact test refuted it; thanasilp2022_kernels ignored the frame-potential evidence thanasilp2021 used)."""
    by_key: dict[str, set] = {}
    for _, a in _registered():
        by_key.setdefault(a.key, set()).add(a)
    several = {k: len(v) for k, v in by_key.items() if len(v) > 1}
    assert not several, f"keys checked in more than one way: {several}"


def test_split_keys_mean_one_thing_each():
    """'local_cost' named Cerezo's m-local cost and Thanasilp's O_L; 'blocks_are_2_designs' meant
    'every block' in cerezo2021/uvarov2021 but 'θ_k's block sides' in thanasilp2021."""
    by_key: dict[str, set[str]] = {}
    for t, a in _registered():
        by_key.setdefault(a.key, set()).add(t.split(".")[0])
    assert "local_cost" not in by_key
    assert by_key["block_local_cost"] == {"cerezo2021"}
    assert by_key["local_projector_cost"] == {"thanasilp2021"}
    assert "thanasilp2021" in by_key["block_sides_two_designs"]
    assert "thanasilp2021" not in by_key["blocks_are_2_designs"]


def _model(n=4):
    ansatz = circuits.tensor_product(n, 2)
    qs = sorted(ansatz.all_qubits())
    return circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qs),
                          embedding=circuits.make_embedding("tpe", n, 1),
                          dataset=circuits.load_dataset("digits", n, n_samples=3))


MODEL = _model()
PARAM = MODEL.trainable_symbols[0]


@pytest.mark.parametrize("key", sorted(k for k, e in CATALOGUE.items() if e.declarable and k in USED))
def test_declaring_a_declarable_key_makes_it_hold(key):
    ctx = Context(model=MODEL, parameter=PARAM, declared={key})
    checks = [a.evaluate(ctx) for _, a in _registered() if a.key == key]
    assert checks and all(c.holds is True for c in checks), [str(c) for c in checks]


@pytest.mark.parametrize("key", sorted(k for k, e in CATALOGUE.items() if not e.declarable))
def test_declaring_a_checked_key_changes_nothing(key):
    plain = Context(model=MODEL, parameter=PARAM)
    declared = Context(model=MODEL, parameter=PARAM, declared={key})
    for _, a in _registered():
        if a.key == key:
            assert a.evaluate(declared) == a.evaluate(plain)


def test_implications_resolve_transitively():
    keys, notes = resolve_declared(["global_two_design"])
    assert keys == {"global_two_design", "v_minus_two_design", "v_plus_two_design"} and notes == ()
    keys, _ = resolve_declared(["blocks_are_2_designs"])
    assert keys == {"blocks_are_2_designs", "block_sides_two_designs"}
    assert resolve_declared(["my_own_key"])[0] == {"my_own_key"}  # user theorems' keys pass through


def test_declared_all_blocks_satisfies_the_block_sides_hypothesis():
    ctx = Context(model=MODEL, parameter=PARAM, declared={"blocks_are_2_designs"})
    sides = [a for _, a in _registered() if a.key == "block_sides_two_designs"]
    assert sides and all(a.evaluate(ctx).holds is True for a in sides)


def test_deprecated_key_maps_to_the_new_keys_with_a_warning():
    new, note = DEPRECATED_KEYS["local_cost"]
    assert set(new) == {"block_local_cost", "local_projector_cost"} and "deprecated" in note
    with pytest.warns(DeprecationWarning, match="local_cost"):
        ctx = Context(model=MODEL, declared={"local_cost"})
    assert {"block_local_cost", "local_projector_cost"} <= ctx.declared and "local_cost" not in ctx.declared


def test_cli_declare_accepts_deprecated_key_with_one_line(capsys):
    from bpcalc.verify.cli import build_parser

    args = build_parser().parse_args(["bounds", "--declare", "local_cost,embedding_two_design"])
    assert args.declare == ["block_local_cost", "local_projector_cost", "embedding_two_design"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "deprecated" in err[0] and "block_local_cost" in err[0]


def test_cli_declare_notes_a_checked_key(capsys):
    from bpcalc.verify.cli import build_parser

    args = build_parser().parse_args(["bounds", "--declare", "loss_mse"])
    assert args.declare == ["loss_mse"]
    assert "changes nothing" in capsys.readouterr().err


def test_assumption_factory_refusals():
    assert assumption("deep_circuit").text == meaning("deep_circuit")
    with pytest.raises(KeyError, match="unknown assumption key 'nope'.*deep_circuit"):
        assumption("nope")
    with pytest.raises(ValueError, match="not declarable"):
        assumption("loss_mse")
    with pytest.raises(TypeError, match="declared"):
        Context(declared="deep_circuit")


def test_controllable_can_be_declared_above_the_closure_limit():
    """Before: for n > MAX_CONTROLLABILITY_QUBITS the check asked for a declaration and then ignored it."""
    from bpcalc.bounds.theorems.larocca2022 import MAX_CONTROLLABILITY_QUBITS, check_controllable

    n = MAX_CONTROLLABILITY_QUBITS + 1
    model = circuits.Model(ansatz=circuits.hardware_efficient(n, 1), observable=cirq.Z(cirq.LineQubit(0)))
    assert check_controllable(Context(model=model))[0] is None
    holds, reason = check_controllable(Context(model=model, declared={"controllable"}))
    assert holds is True and "declared" in reason
