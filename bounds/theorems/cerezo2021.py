"""Cost-function-dependent barren plateaus (Cerezo, Sone, Volkoff, Cincio, Coles 2021).

Setting: an alternating layered ansatz (ALA) ``V(θ)`` on ``n`` qubits: ``L`` layers of
``m``-qubit blocks ``W``, blocks of even layers on ``[k m, (k+1) m)``, of odd layers shifted by
``m/2`` (open boundary), every block drawn from a local unitary 2-design, and θ_k's block
``W = W_A R_P(θ_k) W_B`` with ``W_A``, ``W_B`` local 2-designs.  ``C = Tr[O V ρ V†]``.

``cerezo2021.local_cost_lower`` (Theorem 2, as recalled)
    For a local cost ``O = c_0 1 + Σ_i c_i Ô_i`` with each ``Ô_i`` acting inside one aligned
    ``m``-qubit subsystem ``S_i = [i m, (i+1) m)``::

        Var[∂_k C] ≥ G_n(L, l) = 2^{m(l+1)−1} / ((2^{2m} − 1)² (2^m + 1)^{L+l})
                                 · Σ_{i ∈ i_L} Σ_{(k,k') ∈ k_{L_B}} ε(ρ_{k,k'}) ε(c_i Ô_i)

    with ``ε(M) = D_HS(M, Tr(M) 1/d_M) = Tr M² − (Tr M)²/d_M``, ``l`` the layer of θ_k's block
    counted from the input (``1 ≤ l ≤ L``), ``i_L`` the subsystems ``S_i`` that meet the
    forward light cone of the block, ``k_{L_B}`` the pairs ``k ≤ k'`` of first-layer blocks in
    its backward light cone and ``ρ_{k,k'}`` the input state reduced to ``S_k ∪ … ∪ S_{k'}``.
    The light cones are read from the actual circuit graph
    (:func:`circuits.backward_light_cone`, :func:`circuits.forward_light_cone`).  The double sum
    factorises: ``(Σ_i ε(c_i Ô_i)) (Σ_{k≤k'} ε(ρ_{k,k'}))`` — the number ``eps_sum``.
    Polynomially small when ``L ∈ O(log n)`` and ``ε(ρ)`` is not exponentially small.

``cerezo2021.global_cost_upper`` (the setting of Theorem 1; bound derived in bpcalc)
    For ANY observable, if every qubit lies in some block and all blocks are 2-designs::

        Var[∂_k C] ≤ F = 2^{2m−1} / (2^{2m} − 1) · Δ(O) / 2^n,

    ``Δ(O) = Tr O² − (Tr O)²/2^n``.  For the global cost ``O = 1 − |0…0⟩⟨0…0|``,
    ``Δ(O) = 1 − 2^{−n}``, so ``F ∈ O(2^{−n})`` at every depth: a barren plateau even for
    ``L = 1`` — the paper's Corollary 1 (``O(2^{−(1 − log₂3/m) n})``) follows.

Derivation of ``F`` (notes-issue8.md §1): write ``O = Σ_P o_P P``.  A 2-design block maps
``P⊗P`` (non-identity on its support) to the uniform mixture of non-identity ``R⊗R`` and
kills ``P⊗Q`` when ``P ≠ Q`` on its support, so (every qubit being twirled) only diagonal
Pauli pairs survive and ``E[(∂C)²] = Σ_P o_P² w_P``, where ``w_P`` is a sum over Pauli paths
of probabilities times ``Tr[ρR]² ≤ 1``; θ_k's block contributes the factor
``Pr[R anticommutes with P_k] = 2^{2m−1}/(2^{2m}−1)``, every other block is stochastic.
Hence ``w_P ≤ 2^{2m−1}/(2^{2m}−1)`` and ``Σ_P o_P² = Δ(O)/2^n``; ``E[∂C] = 0``.

Examples
--------
>>> from bounds import get_theorem
>>> t = get_theorem("cerezo2021.local_cost_lower")
>>> v = t.bound("local_cost_lower").evaluate(m=2, L=4, l=2, eps_sum=1.0)
>>> f"{v.value:.3e}"
'9.102e-06'
>>> g = get_theorem("cerezo2021.global_cost_upper").bound("global_cost_upper")
>>> g.asymptotics(m=2, Delta_O=1).describe()
'exponentially vanishing: Θ(n^0 · 2^-n)'

References
----------
.. [1] M. Cerezo, A. Sone, T. Volkoff, L. Cincio, P. J. Coles, "Cost function dependent barren
   plateaus in shallow parametrized quantum circuits", Nat. Commun. 12, 1791 (2021),
   arXiv:2001.00550, Theorem 1 (global cost), Theorem 2 (local cost), Corollaries 1–2.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import cirq
import numpy as np
import sympy

from circuits import backward_light_cone, block_structure, forward_light_cone
from circuits.blocks import Block

from ..bound import Assumption, Bound, Citation, sym
from ..designs import DESIGN_TOLERANCE, MAX_DESIGN_QUBITS, two_design_deviation
from ..measures import purities
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states, qubit_index

__all__ = ["THEOREMS", "LOCAL_COST", "GLOBAL_COST", "ALAGeometry", "alternating_layered_geometry",
           "local_cost_terms", "cone_state_sum"]

n, m, L, l = sym("n"), sym("m"), sym("L"), sym("l")
Delta_O = sym("Delta_O")
eps_sum = sympy.Symbol("eps_sum", nonnegative=True)

CITATION_LOCAL = Citation(
    authors="Cerezo, Sone, Volkoff, Cincio, Coles",
    title="Cost function dependent barren plateaus in shallow parametrized quantum circuits",
    arxiv="2001.00550",
    year=2021,
    locator="Theorem 2 (local cost, G_n(L,l))",
    journal="Nat. Commun. 12, 1791 (2021)",
    note="statement as recalled; paper body not accessible here; checked numerically in bpcalc",
)
CITATION_GLOBAL = Citation(
    authors="Cerezo, Sone, Volkoff, Cincio, Coles",
    title="Cost function dependent barren plateaus in shallow parametrized quantum circuits",
    arxiv="2001.00550",
    year=2021,
    locator="Theorem 1 and Corollary 1 (global cost): setting; closed form derived in bpcalc",
    journal="Nat. Commun. 12, 1791 (2021)",
    note="the published F_n(L,l) could not be recovered; this bound implies Corollary 1",
)


# ----------------------------------------------------------------------------- geometry


@dataclasses.dataclass(frozen=True)
class ALAGeometry:
    """An alternating layered ansatz seen from one parameter θ_k.

    ``m`` block width; ``n_layers`` = L; ``layer`` = l (1-based from the input) of θ_k's
    ``block``; ``backward`` / ``forward``: qubit positions (indices into ``model.qubits``) of
    the block's backward light cone at the ansatz input and forward light cone at its output;
    ``first_layer``: the first-layer blocks as sorted position tuples (``S_0, S_1, …``).
    """

    m: int
    n_layers: int
    layer: int
    block: Block
    backward: frozenset
    forward: frozenset
    first_layer: tuple[tuple[int, ...], ...]

    @property
    def cone_blocks(self) -> tuple[int, ...]:
        """Indices ``k`` of first-layer blocks inside the backward light cone (``k_{L_B}``)."""
        return tuple(k for k, s in enumerate(self.first_layer) if set(s) <= self.backward)


def _all_ops_in_blocks(ansatz: cirq.AbstractCircuit) -> Optional[cirq.Operation]:
    for op in ansatz.all_operations():
        if not any(isinstance(t, str) and t.startswith("bpcalc.block=") for t in getattr(op, "tags", ())):
            return op
    return None


def alternating_layered_structure(model: Any) -> tuple[int, dict[int, list[Block]]]:
    """Check that the ansatz is an ALA (see module docstring); return ``(m, layers)``.

    Raises
    ------
    ValueError : naming the first violated structural requirement.
    """
    blocks = block_structure(model.ansatz)
    if not blocks:
        raise ValueError("the ansatz carries no block tags (bpcalc.block=<layer>.<index>); "
                         "build it with circuits.alternating_layered")
    stray = _all_ops_in_blocks(model.ansatz)
    if stray is not None:
        raise ValueError(f"operation {stray} lies outside every block")
    sizes = {b.size for b in blocks}
    if len(sizes) != 1:
        raise ValueError(f"blocks have different sizes {sorted(sizes)}")
    width = sizes.pop()
    if width < 2 or width % 2:
        raise ValueError(f"block width m = {width}; the alternating layered ansatz needs an even m >= 2")
    index = qubit_index(model)
    nq = model.n_qubits
    if nq % width:
        raise ValueError(f"m = {width} does not divide n = {nq}")
    layers: dict[int, list[Block]] = {}
    for b in blocks:
        layers.setdefault(b.layer, []).append(b)
    if sorted(layers) != list(range(len(layers))):
        raise ValueError(f"block layers {sorted(layers)} are not 0..L-1")
    for j in range(len(layers) - 1):
        if max(max(b.moments) for b in layers[j]) >= min(min(b.moments) for b in layers[j + 1]):
            raise ValueError(f"layer {j} and layer {j + 1} overlap in time")
    for j, bs in layers.items():
        starts = []
        for b in bs:
            pos = sorted(index[q] for q in b.qubits)
            if pos != list(range(pos[0], pos[0] + width)):
                raise ValueError(f"block {b.layer}.{b.index} acts on non-adjacent qubits {pos}")
            starts.append(pos[0])
        shift = 0 if j % 2 == 0 else width // 2
        expected = list(range(shift, nq - width + 1, width))
        if sorted(starts) != expected:
            raise ValueError(f"layer {j} has blocks starting at {sorted(starts)}; an alternating layered "
                             f"ansatz has them at {expected}")
    return width, layers


def alternating_layered_geometry(model: Any, parameter: sympy.Symbol) -> ALAGeometry:
    """The ALA structure and θ_k's light cones, read from the circuit.

    Raises
    ------
    ValueError : not an ALA, or the parameter is in no block.
    """
    width, layers = alternating_layered_structure(model)
    block = _checks.block_of_parameter(model, parameter)
    if block is None:
        raise ValueError(f"{parameter} is in no tagged block")
    index = qubit_index(model)
    ansatz = model.ansatz
    tag = f"bpcalc.block={block.layer}.{block.index}"
    start = [(k, op) for k, moment in enumerate(ansatz) for op in moment if tag in getattr(op, "tags", ())]
    first = min(k for k, _ in start)
    prefix = cirq.Circuit(ansatz[:first])
    back = set(block.qubits)
    if list(prefix.all_operations()):
        probe = cirq.PauliString({q: cirq.Z for q in block.qubits if q in prefix.all_qubits()})
        if probe:
            back |= set(backward_light_cone(prefix, probe, refined=False).qubits)
    fwd = set(forward_light_cone(ansatz, start).qubits)
    first_layer = tuple(sorted(tuple(sorted(index[q] for q in b.qubits)) for b in layers[0]))
    return ALAGeometry(
        m=width,
        n_layers=len(layers),
        layer=block.layer + 1,
        block=block,
        backward=frozenset(index[q] for q in back),
        forward=frozenset(index[q] for q in fwd),
        first_layer=first_layer,
    )


def local_cost_terms(model: Any, width: int) -> dict[int, list[cirq.PauliString]]:
    """Group the observable's non-identity terms by aligned subsystem ``S_i = [i m, (i+1) m)``.

    Raises
    ------
    ValueError : a term acts across two aligned subsystems (not a local cost in this sense).
    """
    index = qubit_index(model)
    groups: dict[int, list[cirq.PauliString]] = {}
    for term in model.observable:
        if not term.qubits:
            continue
        pos = [index[q] for q in term.qubits]
        blocks = {p // width for p in pos}
        if len(blocks) != 1:
            raise ValueError(f"observable term {term} acts across the {width}-qubit subsystems "
                             f"{sorted(blocks)}; Theorem 2 needs each Ô_i inside one S_i")
        groups.setdefault(blocks.pop(), []).append(term)
    return groups


def observable_part_sum(model: Any, geometry: ALAGeometry) -> float:
    """``Σ_{i ∈ i_L} ε(c_i Ô_i)`` with ``ε`` on the ``2^m``-dimensional space of ``S_i``."""
    total = 0.0
    for i, terms in local_cost_terms(model, geometry.m).items():
        support = set(range(i * geometry.m, (i + 1) * geometry.m))
        if not support & geometry.forward:
            continue
        total += 2.0**geometry.m * sum(abs(complex(t.coefficient)) ** 2 for t in terms)
    return total


def cone_state_sum(states: np.ndarray, geometry: ALAGeometry) -> float:
    """``Σ_{k ≤ k' in k_{L_B}} ε(ρ_{k,k'})``, averaged over the input states (rows)."""
    cone = geometry.cone_blocks
    total = np.zeros(states.shape[0])
    for a, k in enumerate(cone):
        for kp in cone[a:]:
            region = sorted(q for j in range(k, kp + 1) for q in geometry.first_layer[j])
            total += purities(states, region) - 2.0 ** -len(region)
    return float(np.mean(total))


# ----------------------------------------------------------------------------- checks


def check_alternating_layered(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        g = alternating_layered_geometry(ctx.model, ctx.parameter)
    except ValueError as exc:
        return False, str(exc)
    return True, (f"alternating layered ansatz, L = {g.n_layers} layers of m = {g.m}-qubit blocks; "
                  f"{ctx.parameter} in block {g.block.layer}.{g.block.index} (l = {g.layer})")


def check_all_blocks_two_designs(ctx: Context) -> tuple[Optional[bool], str]:
    """Every block is a local 2-design (declared, or an exact second-moment test per block)."""
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    if getattr(ctx.model, "two_design_blocks", False) or "blocks_are_2_designs" in ctx.declared:
        return True, "declared by the user: every block is drawn from a local 2-design"
    ansatz = ctx.model.ansatz
    for b in block_structure(ansatz):
        if b.size > MAX_DESIGN_QUBITS:
            return None, f"block {b.layer}.{b.index} is too large for the exact 2-design test; declare it"
        tag = f"bpcalc.block={b.layer}.{b.index}"
        ops = [op for op in ansatz.all_operations() if tag in getattr(op, "tags", ())]
        try:
            dev = two_design_deviation(cirq.Circuit(ops), b.qubits)
        except ValueError as exc:
            return None, f"exact 2-design test impossible for block {b.layer}.{b.index}: {exc}"
        if dev > DESIGN_TOLERANCE:
            return False, (f"block {b.layer}.{b.index} is not a 2-design (second-moment deviation {dev:.3g}); "
                           "declare random blocks (Model.two_design_blocks=True) only if they are")
    return True, "every block passes the exact second-moment (2-design) test"


def check_local_cost(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        width, _ = alternating_layered_structure(ctx.model)
        groups = local_cost_terms(ctx.model, width)
    except ValueError as exc:
        return False, str(exc)
    return True, f"local cost: the terms act inside {len(groups)} aligned {width}-qubit subsystem(s)"


def check_blocks_cover_qubits(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    blocks = block_structure(ctx.model.ansatz)
    if not blocks:
        return False, "the ansatz carries no block tags"
    stray = _all_ops_in_blocks(ctx.model.ansatz)
    if stray is not None:
        return False, f"operation {stray} lies outside every block"
    covered = set().union(*(set(b.qubits) for b in blocks))
    left = set(ctx.model.qubits) - covered
    if left:
        return False, f"qubits {sorted(left)} lie in no block (their Pauli letters are never twirled)"
    if _checks.block_of_parameter(ctx.model, ctx.parameter) is None:
        return False, f"{ctx.parameter} is in no tagged block"
    return True, f"all {len(blocks)} blocks cover every qubit; {ctx.parameter} lies in one of them"


ALA = Assumption("alternating_layered_ansatz",
                 "V(θ) is an alternating layered ansatz: L layers of m-qubit blocks (m even), odd layers "
                 "shifted by m/2 with open boundaries, θ_k inside one block", check_alternating_layered)
BLOCK_DESIGNS = Assumption("blocks_are_2_designs",
                           "every block, and both parts W_A, W_B of θ_k's block, is drawn independently from "
                           "a local unitary 2-design", check_all_blocks_two_designs)
SIDES = Assumption("block_sides_two_designs",
                   "W_A and W_B (θ_k's block after / before its gate) are local 2-designs",
                   _checks.check_block_sides_two_designs)
ROTATION = Assumption("single_pauli_rotation",
                      "θ_k occurs in exactly one gate, a Pauli rotation exp(-i(±θ_k + c)P/2), θ uniform",
                      _checks.check_single_pauli_rotation)
LOCAL = Assumption("local_cost",
                   "O = c_0 1 + Σ_i c_i Ô_i with each Ô_i acting inside one aligned m-qubit subsystem "
                   "S_i = [i m, (i+1) m)", check_local_cost)
COVER = Assumption("blocks_cover_all_qubits",
                   "every gate of V(θ) lies in a tagged block and every qubit lies in some block",
                   check_blocks_cover_qubits)


# ----------------------------------------------------------------------------- numbers


def _local_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    g = alternating_layered_geometry(ctx.model, ctx.parameter)
    out: dict[str, Any] = {"m": g.m, "L": g.n_layers, "l": g.layer}
    obs = observable_part_sum(ctx.model, g)
    states = input_states(ctx)
    out["eps_sum"] = obs * cone_state_sum(states, g)
    return out


def _global_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        return {}
    nq = ctx.model.n_qubits
    return {"m": b.size, "n": nq, "Delta_O": _checks.pauli_delta(ctx.model.observable, nq)}


def _is_global_projector(model: Any) -> bool:
    nq = model.n_qubits
    terms = [t for t in model.observable if t.qubits]
    if len(terms) != 2**nq - 1:
        return False
    return all(set(t.values()) == {cirq.Z} and abs(abs(complex(t.coefficient)) - 2.0**-nq) < 1e-12 for t in terms)


def _global_scaling(ctx: Context) -> dict[str, Any]:
    """Δ(O) ≤ 1 for ``±|0…0⟩⟨0…0|`` (+ identity): an over-estimate, valid for the upper bound."""
    if ctx.model is None or not _is_global_projector(ctx.model):
        return {}
    b = _checks.block_of_parameter(ctx.model, ctx.parameter) if ctx.parameter is not None else None
    return {"Delta_O": 1, **({"m": b.size} if b is not None else {})}


_G_EXPR = 2 ** (m * (l + 1) - 1) / ((2 ** (2 * m) - 1) ** 2 * (2**m + 1) ** (L + l)) * eps_sum

LOCAL_COST = Theorem(
    key="cerezo2021.local_cost_lower",
    title="Local-cost lower bound G_n(L, l) for alternating layered ansätze of 2-design blocks",
    citation=CITATION_LOCAL,
    bounds=(
        Bound(
            name="local_cost_lower",
            kind="lower",
            expr=_G_EXPR,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            symbols={
                "l": "layer of θ_k's block counted from the input, 1 <= l <= L",
                "eps_sum": "Σ_{i∈i_L} Σ_{(k,k')∈k_{L_B}} ε(ρ_{k,k'}) ε(c_i Ô_i): light-cone sums of "
                           "ε(M) = Tr M² − (Tr M)²/d_M (mean over the input states)",
            },
            citation=CITATION_LOCAL,
            notes="E[∂_k C] = 0. ρ_{k,k'}: input state on the first-layer blocks S_k … S_k' of θ_k's "
                  "backward light cone; i_L: aligned subsystems meeting its forward light cone.",
        ),
    ),
    assumptions=(ALA, BLOCK_DESIGNS, SIDES, ROTATION, LOCAL),
    substitutions=_local_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_cerezo2021.py::test_local_cost_lower_bound_below_exact_chain, "
        "tests/bounds/theorems/test_cerezo2021.py::test_reference_chain_matches_haar_sampling, "
        "tests/bounds/theorems/test_cerezo2021.py::test_bounds_bracket_the_projects_two_design_engine",
        "G_n <= exact variance from an independent 2-design Pauli-support Markov chain (itself checked "
        "against Haar-random blocks), over n = 4..8, m = 2, 4, L = 1..4, every block position, product / "
        "entangled / mixed-in inputs and random local observables. The statement is as recalled (the paper "
        "body was not accessible); the test passed for every reading of l we tried (1-based from the input, "
        "from the output, 0-based), the registered one being 1-based from the input; slack >= 10x.",
        source="recalled",
    ),
    statement="For an alternating layered ansatz of m-qubit local 2-design blocks and a local cost "
              "O = c_0 + Σ_i c_i Ô_i, Var[∂_k C] ≥ G_n(L,l) = 2^{m(l+1)−1} / ((2^{2m}−1)²(2^m+1)^{L+l}) · "
              "Σ_{i∈i_L} Σ_{(k,k')∈k_{L_B}} ε(ρ_{k,k'}) ε(c_iÔ_i): at worst polynomially small when "
              "L ∈ O(log n).",
    scope="parameter",
    tags=("two-design", "local-cost", "light-cone", "alternating-layered"),
)

GLOBAL_COST = Theorem(
    key="cerezo2021.global_cost_upper",
    title="Global-cost upper bound for circuits of local 2-design blocks (barren plateau at any depth)",
    citation=CITATION_GLOBAL,
    bounds=(
        Bound(
            name="global_cost_upper",
            kind="upper",
            expr=2 ** (2 * m - 1) / (2 ** (2 * m) - 1) * Delta_O / 2**n,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            citation=CITATION_GLOBAL,
            notes="Holds for any observable and input state; exponentially small when Δ(O)/2^n is, e.g. the "
                  "global cost O = 1 − |0…0⟩⟨0…0| (Δ(O) = 1 − 2^-n). Derived in bpcalc (module docstring).",
        ),
    ),
    assumptions=(COVER, BLOCK_DESIGNS, SIDES, ROTATION),
    substitutions=_global_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_cerezo2021.py::test_global_cost_upper_bound_above_exact_chain, "
        "tests/bounds/theorems/test_cerezo2021.py::test_bounds_bracket_the_projects_two_design_engine",
        "exact <= F from the independent 2-design chain for the global cost |0…0⟩⟨0…0| and random "
        "observables, n = 4..8, L = 1..5, every block, |0⟩ and random inputs (largest ratio 0.06). The "
        "published F_n(L,l) could not be recovered from the sources available here; this bound is derived "
        "in the same setting and implies the published scaling (Corollary 1).",
        source="derived",
    ),
    statement="If every block is a local 2-design and every qubit lies in a block, "
              "Var[∂_k C] ≤ 2^{2m−1}/(2^{2m}−1) · Δ(O)/2^n for every observable: exponentially small for "
              "the global cost 1 − |0…0⟩⟨0…0| at every depth.",
    scope="parameter",
    tags=("two-design", "global-cost", "alternating-layered"),
    scaling=_global_scaling,
)

THEOREMS = (LOCAL_COST, GLOBAL_COST)
