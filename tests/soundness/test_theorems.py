"""Soundness of the theorem registry: every bound that applies is compared with an exact value.

For each generated instance every registered theorem (``bounds.default_registry()``, as
``bpcalc bounds --list`` shows) is instantiated with the project's own assumption checks; each
bound it evaluates is compared with the bounded quantity computed independently of bpcalc's
engines:

* concrete circuits (no declared ensembles): brute-force statevector averages over an exact
  trigonometric grid (``brute``), so a bound about the circuit's θ-ensemble is checked on
  exactly that ensemble (also when a check found an *exact* 2-design among the concrete gates);
* declared 2-design blocks (alternating layered ansatz, tensor-product QNN): the exact
  2-design Pauli-support chain of ``two_design_reference`` (cross-checked against Haar sampling
  in ``tests/bounds/theorems``).

A violation is a finding: it fails here (counterexamples for known, separately fixed bugs are
kept in ``test_known_violations.py`` as strict xfails).  Bounds whose quantity this module does
not know how to compute make the test fail too, so a new theorem cannot slip through unchecked.
"""

from __future__ import annotations

import collections

import cirq
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import circuits
from bounds.registry import Context, default_registry

from .brute import gradient_variance, loss_variance, two_design_reference as tdr
from .instances import ANGLES, CLIFFORDS_1, CLIFFORDS_2, gate_circuits, pauli_sums

REGISTRY = default_registry()
DEFAULT = settings(derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RTOL, ATOL = 1e-9, 1e-12

VAR_GRAD = r"\operatorname{Var}_{\theta}[\partial_k C]"
VAR_LOSS = r"\operatorname{Var}_{\theta}[\ell]"
DESIGN_KEYS = {"blocks_are_2_designs", "block_sides_two_designs", "v_minus_two_design", "v_plus_two_design",
               "embedding_two_design", "haar_random_states", "deep_circuit"}

# which (theorem, bound) pairs were evaluated and compared, over the whole run (reported by
# test_coverage_report at the end of the module)
SEEN: collections.Counter = collections.Counter()


def compare(kind: str, value: float, truth: float) -> bool:
    """Does ``truth`` satisfy ``truth <= value`` / ``>=`` / ``==`` (relative 1e-9, absolute 1e-12)?"""
    slack = RTOL * max(abs(value), abs(truth)) + ATOL
    if kind == "upper":
        return truth <= value + slack
    if kind == "lower":
        return truth >= value - slack
    return abs(truth - value) <= slack


def check_every_theorem(model, parameter, truths: dict, *, context_extra=None, declared=(), skip=()) -> list:
    """Instantiate every registered theorem; compare each evaluated bound with ``truths[quantity]``.

    Returns the list of violations ``(theorem, bound, kind, value, truth)``; raises if a bound
    was evaluated whose quantity is not in ``truths``.
    """
    violations = []
    ctx = Context(model=model, parameter=parameter, extra=context_extra or {}, declared=frozenset(declared))
    for key, theorem in REGISTRY.items():
        if key in skip:
            continue
        inst = theorem.instantiate(ctx)
        for v in inst.values:
            bound = theorem.bound(v.name)
            if bound.quantity not in truths:
                raise AssertionError(f"{key}.{v.name} evaluated on a generated instance, but the suite cannot "
                                     f"compute its quantity {bound.quantity!r}: extend tests/soundness")
            truth = truths[bound.quantity]
            value = float(v.value)
            SEEN[(key, v.name)] += 1
            if not compare(bound.kind, value, truth):
                violations.append((key, v.name, bound.kind, value, truth))
    return violations


# ----------------------------------------------------------------------------- concrete circuits


@st.composite
def prefixes(draw, n: int, clifford_only: bool):
    """A fixed input-preparation circuit: |0…0⟩, a product state or an entangled state."""
    qs = cirq.LineQubit.range(n)
    kind = draw(st.sampled_from(("zero", "product", "entangled")))
    ops = []
    if kind in ("product", "entangled"):
        for q in qs:
            if clifford_only:
                ops.append(draw(st.sampled_from(CLIFFORDS_1 + (cirq.I,))).on(q))
            else:
                ops += [cirq.ry(draw(st.sampled_from(ANGLES))).on(q), cirq.rz(draw(st.sampled_from(ANGLES))).on(q)]
    if kind == "entangled":
        for j in range(n - 1):
            ops.append(draw(st.sampled_from(CLIFFORDS_2)).on(qs[j], qs[j + 1]))
    return kind, cirq.Circuit(ops)


@st.composite
def concrete_models(draw, clifford_family: bool = False):
    """(model, parameter): a generated circuit on 2-4 qubits with a fixed input preparation.

    ``clifford_family``: rx/ry/rz between Cliffords, a single Pauli-string observable, |0…0⟩
    input — the setting of Letcher et al.'s light-cone bounds.
    """
    n = draw(st.integers(2, 4))
    k = draw(st.integers(1, 4))
    if clifford_family:
        ansatz = draw(gate_circuits(n, k, clifford_only_fixed=True, kinds=("rx", "ry", "rz")))
        obs = draw(pauli_sums(n, max_terms=1))
        obs = cirq.PauliSum.from_pauli_strings([term / term.coefficient for term in obs])
        kind, prefix = "zero", cirq.Circuit()
    else:
        ansatz = draw(gate_circuits(n, k))
        obs = draw(pauli_sums(n))
        kind, prefix = draw(prefixes(n, clifford_only=False))
    qs = cirq.LineQubit.range(n)
    ansatz = cirq.Circuit([cirq.I(q) for q in qs]) + ansatz  # every qubit belongs to the model
    model = circuits.Model(ansatz=ansatz, observable=obs, embedding=prefix if list(prefix.all_operations()) else None)
    parameter = draw(st.sampled_from(sorted(cirq.parameter_symbols(ansatz), key=lambda s: s.name)))
    return model, parameter, kind


def _concrete_truths(model, parameter) -> dict:
    qs = model.qubits
    psi = np.zeros(2 ** len(qs), dtype=complex)
    psi[0] = 1
    circuit = model.circuit
    return {VAR_GRAD: float(gradient_variance(circuit, model.observable, qs, psi, parameter)[0]),
            VAR_LOSS: float(loss_variance(circuit, model.observable, qs, psi)[0])}


def _run_concrete(case):
    model, parameter, kind = case
    violations = check_every_theorem(model, parameter, _concrete_truths(model, parameter))
    assert not violations, (kind, str(parameter), violations, str(model.circuit), str(model.observable))


@settings(DEFAULT, max_examples=40)
@given(concrete_models())
def test_theorems_hold_on_concrete_circuits(case):
    _run_concrete(case)


@settings(DEFAULT, max_examples=30)
@given(concrete_models(clifford_family=True))
def test_theorems_hold_on_clifford_rotation_circuits(case):
    _run_concrete(case)


@pytest.mark.slow
@settings(DEFAULT, max_examples=400)
@given(concrete_models())
def test_theorems_hold_on_concrete_circuits_many(case):
    _run_concrete(case)


@pytest.mark.slow
@settings(DEFAULT, max_examples=300)
@given(concrete_models(clifford_family=True))
def test_theorems_hold_on_clifford_rotation_circuits_many(case):
    _run_concrete(case)


def test_coverage_report():
    """Runs last in this module (pytest keeps file order): which bounds the generated instances reached."""
    print("\nsoundness coverage:", dict(SEEN))
