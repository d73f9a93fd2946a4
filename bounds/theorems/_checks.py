"""Assumption checks shared by theorem modules (each returns ``(holds, reason)``).

Every check takes a :class:`bpcalc.bounds.registry.Context` and never assumes: missing information
gives ``(None, "why")``.  Reusable in any ``bounds/theorems/<paper>.py``.
"""

from __future__ import annotations

from typing import Any, Optional

import cirq
import numpy as np

from bpcalc.circuits import block_operations, block_structure, operations_outside_blocks
from bpcalc.circuits.blocks import Block

from ..bound import AssumptionFailed
from ..designs import AUTO_DESIGN_QUBITS, DESIGN_TOLERANCE, ParameterSplit, split_at_parameter, two_design_deviation

__all__ = [
    "need_model",
    "need_parameter",
    "pauli_delta",
    "observable_norm_bound",
    "parameter_split",
    "check_single_pauli_rotation",
    "tensor_product_blocks",
    "block_of_parameter",
    "check_tensor_product_structure",
    "check_parameter_in_block",
    "check_block_sides_two_designs",
    "check_all_blocks_two_designs",
    "check_embedding_two_design",
    "check_observable_block_local",
    "check_local_cost_form",
    "check_local_cost_z_form",
    "check_global_two_design",
    "check_loss",
    "block_observable_delta",
]


def need_model(ctx: Any) -> Optional[tuple[None, str]]:
    if ctx.model is None:
        return None, "no model given"
    return None


def need_parameter(ctx: Any) -> Optional[tuple[None, str]]:
    if ctx.model is None:
        return None, "no model given"
    if ctx.parameter is None:
        return None, "no differentiated parameter θ_k given"
    return None


def pauli_delta(observable: cirq.PauliSum, n_qubits: int) -> float:
    """``Δ(O) = Tr O² − (Tr O)²/d = d Σ_{P≠I} c_P²`` on ``n_qubits`` qubits (real coefficients)."""
    total = 0.0
    for term in observable:
        if len(term.qubits) == 0:
            continue
        total += float(abs(complex(term.coefficient)) ** 2)
    return float(2.0**n_qubits * total)


def observable_norm_bound(observable: cirq.PauliSum) -> float:
    """``Σ |c_P| ≥ ‖O‖_∞`` (exact for e.g. the local cost ``(1/n)Σ|0⟩⟨0|_j``)."""
    return float(sum(abs(complex(t.coefficient)) for t in observable))


def parameter_split(ctx: Any) -> ParameterSplit:
    return split_at_parameter(ctx.model.ansatz, ctx.parameter)


def check_single_pauli_rotation(ctx: Any) -> tuple[Optional[bool], str]:
    """θ_k sits in exactly one gate, a Pauli rotation ``exp(-i(±θ+d)P/2)``."""
    missing = need_parameter(ctx)
    if missing:
        return missing
    try:
        split = parameter_split(ctx)
    except ValueError as exc:
        return False, str(exc)
    if abs(abs(split.coefficient) - 1.0) > 1e-12:
        return False, f"the angle of {ctx.parameter} is {split.rotation.angle}; the theorem needs ±θ + const"
    return True, f"{ctx.parameter} enters once, as exp(-iθ {split.rotation.pauli} / 2)"


def tensor_product_blocks(model: Any) -> tuple[Block, ...]:
    return block_structure(model.ansatz)


def block_of_parameter(model: Any, parameter: Any) -> Optional[Block]:
    for b in tensor_product_blocks(model):
        if parameter in b.symbols:
            return b
    return None


def check_tensor_product_structure(ctx: Any) -> tuple[Optional[bool], str]:
    """The ansatz is ONE layer of disjoint, equal-size blocks covering every qubit."""
    missing = need_model(ctx)
    if missing:
        return missing
    model = ctx.model
    blocks = tensor_product_blocks(model)
    if not blocks:
        return False, "the ansatz carries no block tags (bpcalc.block=<layer>.<index>)"
    layers = {b.layer for b in blocks}
    if len(layers) != 1:
        return False, f"the ansatz has {len(layers)} layers of blocks; the theorem needs one layer"
    seen: set = set()
    for b in blocks:
        if seen & set(b.qubits):
            return False, f"block {b.layer}.{b.index} overlaps another block"
        seen |= set(b.qubits)
    if seen != set(model.qubits):
        return False, f"blocks cover {len(seen)} of {model.n_qubits} qubits"
    untagged = operations_outside_blocks(model.ansatz)
    if untagged:
        return False, f"{len(untagged)} ansatz operation(s) outside every block (e.g. {untagged[0]})"
    sizes = {b.size for b in blocks}
    if len(sizes) != 1:
        return False, f"blocks have different sizes {sorted(sizes)}"
    s = sizes.pop()
    return True, f"one layer of {len(blocks)} disjoint {s}-qubit blocks (n = {model.n_qubits} = {s}·{len(blocks)})"


def check_parameter_in_block(ctx: Any) -> tuple[Optional[bool], str]:
    missing = need_parameter(ctx)
    if missing:
        return missing
    b = block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        return False, f"{ctx.parameter} is in no tagged block"
    return True, f"{ctx.parameter} is in block {b.layer}.{b.index} on qubits {list(b.qubits)}"


def _block_split(ctx: Any) -> tuple[Block, ParameterSplit]:
    b = block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        raise AssumptionFailed(f"{ctx.parameter} is in no tagged block")
    ops = [op for op in ctx.model.ansatz.all_operations() if set(op.qubits) <= set(b.qubits)]
    return b, split_at_parameter(cirq.Circuit(ops), ctx.parameter)


def check_block_sides_two_designs(ctx: Any) -> tuple[Optional[bool], str]:
    """The parts of θ_k's block before and after its gate are local 2-designs.

    Holds when the user declares random 2-design blocks (``Model.two_design_blocks`` or
    ``'blocks_are_2_designs'`` in ``context.declared``), or when an exact second-moment test
    (:func:`bpcalc.bounds.designs.two_design_deviation`) finds both sides to be exact 2-designs.
    """
    missing = need_parameter(ctx)
    if missing:
        return missing
    # declaring 'blocks_are_2_designs' implies this key (bounds.assumptions.resolve_declared)
    if getattr(ctx.model, "two_design_blocks", False) or "block_sides_two_designs" in ctx.declared:
        return True, "declared by the user: the blocks are random local 2-designs on both sides of θ_k"
    try:
        b, split = _block_split(ctx)
    except ValueError as exc:
        return False, str(exc)
    if b.size > AUTO_DESIGN_QUBITS:
        return None, (f"block of {b.size} qubits is too large for the exact 2-design test "
                      f"(<= {AUTO_DESIGN_QUBITS}); declare random blocks if they are 2-designs")
    try:
        dev_minus = two_design_deviation(split.before, b.qubits)
        dev_plus = two_design_deviation(split.after, b.qubits)
    except ValueError as exc:
        return None, f"exact 2-design test impossible: {exc}"
    if dev_minus < DESIGN_TOLERANCE and dev_plus < DESIGN_TOLERANCE:
        return True, "both sides are exact 2-designs (second-moment test)"
    return False, (f"not a 2-design: exact second-moment test gives deviation {dev_minus:.3g} before and "
                   f"{dev_plus:.3g} after {ctx.parameter} (0 for a 2-design); the block's uniform-angle "
                   "rotations are not a recognised 2-design family — declare random blocks "
                   "(Model.two_design_blocks=True) only if the blocks really are drawn from a 2-design")


def check_observable_block_local(ctx: Any) -> tuple[Optional[bool], str]:
    """Every term of the observable acts inside a single block."""
    missing = need_model(ctx)
    if missing:
        return missing
    blocks = tensor_product_blocks(ctx.model)
    if not blocks:
        return False, "no blocks"
    for term in ctx.model.observable:
        if not term.qubits:
            continue
        if not any(set(term.qubits) <= set(b.qubits) for b in blocks):
            return False, f"observable term {term} straddles blocks"
    return True, "every observable term acts inside one block"


def block_observable_delta(ctx: Any) -> float:
    """``Δ(O_h)`` of the observable's terms inside θ_k's block, on the block's ``2^s`` space."""
    b = block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        raise AssumptionFailed(f"{ctx.parameter} is in no block")
    terms = [t for t in ctx.model.observable if t.qubits and set(t.qubits) <= set(b.qubits)]
    return pauli_delta(cirq.PauliSum.from_pauli_strings(terms) if terms else cirq.PauliSum(), b.size)


def _single_z_coefficients(ctx: Any) -> tuple[Optional[dict], str]:
    zs = {}
    for term in ctx.model.observable:
        if not term.qubits:
            continue
        if len(term.qubits) != 1 or term[term.qubits[0]] != cirq.Z:
            return None, f"term {term} is not a single-qubit Z"
        zs[term.qubits[0]] = complex(term.coefficient)
    if set(zs) != set(ctx.model.qubits):
        return None, "not every qubit carries a Z term"
    return zs, ""


def check_local_cost_form(ctx: Any) -> tuple[Optional[bool], str]:
    """The observable is ``O_L = (1/n) Σ_j |0⟩⟨0|_j`` up to a constant: single ``Z_j`` with coefficient 1/(2n)."""
    missing = need_model(ctx)
    if missing:
        return missing
    n = ctx.model.n_qubits
    zs, why = _single_z_coefficients(ctx)
    if zs is None:
        return False, why
    bad = [q for q, c in zs.items() if abs(c - 1.0 / (2 * n)) > 1e-12]
    if bad:
        hint = (" (this is (1/n)Σ_j Z_j: use the bound for that normalisation, 4× larger)"
                if all(abs(c - 1.0 / n) <= 1e-12 for c in zs.values()) else "")
        return False, f"Z coefficients are not 1/(2n) = {1 / (2 * n):g} (O_L = (1/n)Σ|0⟩⟨0|_j){hint}"
    return True, "O = (1/n) Σ_j |0⟩⟨0|_j (local cost, projector normalisation)"


def check_local_cost_z_form(ctx: Any) -> tuple[Optional[bool], str]:
    """The observable is ``(1/n) Σ_j Z_j`` up to a constant: single ``Z_j`` with coefficient 1/n."""
    missing = need_model(ctx)
    if missing:
        return missing
    n = ctx.model.n_qubits
    zs, why = _single_z_coefficients(ctx)
    if zs is None:
        return False, why
    bad = [q for q, c in zs.items() if abs(c - 1.0 / n) > 1e-12]
    if bad:
        hint = (" (this is O_L = (1/n)Σ_j|0⟩⟨0|_j: use the projector-normalised bound, 4× smaller)"
                if all(abs(c - 1.0 / (2 * n)) <= 1e-12 for c in zs.values()) else "")
        return False, f"Z coefficients are not 1/n = {1 / n:g} (O = (1/n)Σ_j Z_j){hint}"
    return True, "O = (1/n) Σ_j Z_j (local cost, Pauli-Z normalisation)"


def check_global_two_design(side: str):
    """Check factory: V_- (``side='before'``) or V_+ (``'after'``) is a 2-design on ALL qubits."""

    def check(ctx: Any) -> tuple[Optional[bool], str]:
        missing = need_parameter(ctx)
        if missing:
            return missing
        key = f"v_{'minus' if side == 'before' else 'plus'}_two_design"
        if key in ctx.declared:  # also implied by declaring 'global_two_design' (bounds.assumptions)
            return True, "declared by the user"
        blocks = tensor_product_blocks(ctx.model)
        if getattr(ctx.model, "two_design_blocks", False) and len(blocks) == 1 and \
                set(blocks[0].qubits) == set(ctx.model.qubits):
            return True, "declared by the user: the single block spans all qubits"
        n = ctx.model.n_qubits
        if n > AUTO_DESIGN_QUBITS:
            return None, (f"exact 2-design test limited to {AUTO_DESIGN_QUBITS} qubits (n = {n}); "
                          f"declare {key!r} if it holds")
        try:
            split = parameter_split(ctx)
            part = split.before if side == "before" else split.after
            dev = two_design_deviation(part, ctx.model.qubits)
        except ValueError as exc:
            return None, f"exact 2-design test impossible: {exc}"
        if dev < DESIGN_TOLERANCE:
            return True, f"the gates {side} {ctx.parameter} form an exact 2-design (second-moment test)"
        return False, f"the gates {side} {ctx.parameter} are not a 2-design (second-moment deviation {dev:.3g})"

    return check


def check_loss(*losses: str):
    """Check factory: the model's loss is one of ``losses``."""

    def check(ctx: Any) -> tuple[Optional[bool], str]:
        if ctx.model is None:
            loss = ctx.extra.get("loss")
            if loss is None:
                return None, "no model (and no extra['loss']) given"
        else:
            loss = ctx.model.loss
        if loss in losses:
            return True, f"loss is {loss!r}"
        return False, f"loss is {loss!r}, the bound is for {' / '.join(losses)}"

    return check


def check_all_blocks_two_designs(ctx: Any) -> tuple[Optional[bool], str]:
    """Every block is a local 2-design (declared, or an exact second-moment test per block)."""
    missing = need_model(ctx)
    if missing:
        return missing
    if getattr(ctx.model, "two_design_blocks", False) or "blocks_are_2_designs" in ctx.declared:
        return True, "declared by the user: every block is drawn from a local 2-design"
    ansatz = ctx.model.ansatz
    for b in block_structure(ansatz):
        if b.size > AUTO_DESIGN_QUBITS:
            return None, f"block {b.layer}.{b.index} is too large for the exact 2-design test; declare it"
        ops = block_operations(ansatz, b)
        try:
            dev = two_design_deviation(cirq.Circuit(ops), b.qubits)
        except ValueError as exc:
            return None, f"exact 2-design test impossible for block {b.layer}.{b.index}: {exc}"
        if dev > DESIGN_TOLERANCE:
            return False, (f"block {b.layer}.{b.index} is not a 2-design (second-moment deviation {dev:.3g}); "
                           "declare random blocks (Model.two_design_blocks=True) only if they are")
    return True, "every block passes the exact second-moment (2-design) test"


def check_embedding_two_design(ctx: Any) -> tuple[Optional[bool], str]:
    """The embedded data states form a state 2-design: declared, or refuted by a frame-potential measurement."""
    if "embedding_two_design" in ctx.declared:
        return True, "declared by the user"
    ens = getattr(ctx.measures, "ensemble", None) if ctx.measures is not None else None
    if ens is None:
        return None, "not declared and no frame-potential measurement available"
    fp = ens.frame_potential
    if ens.consistent_with_two_design:
        return None, (f"frame potential {fp.value:.3g} [{fp.ci_low:.3g}, {fp.ci_high:.3g}] is consistent with "
                      f"Haar's {ens.haar_frame_potential:.3g}: statistical evidence only, not a proof; declare "
                      "'embedding_two_design' to apply")
    return False, (f"frame potential {fp.value:.3g} [{fp.ci_low:.3g}, {fp.ci_high:.3g}] differs from Haar's "
                   f"{ens.haar_frame_potential:.3g}: the embedded data are not a 2-design")
