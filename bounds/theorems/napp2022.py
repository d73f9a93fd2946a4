"""Random-walk lower bound on the gradient variance of local random circuits (Napp 2022, derived).

Setting (as :mod:`bpcalc.bounds.theorems.uvarov2021`): a layered ansatz of ``m``-qubit blocks
(``circuits.alternating_layered``; ``m = 2`` is the 1D brickwork of two-qubit Haar gates of Napp's
model), every block an independent local 2-design (declared), the first layer covering every
qubit, θ_k's block ``B`` a 2-design on both sides of its rotation, input ``|0…0⟩``, cost
``H = Σ_h c_h h`` (Pauli strings ``h``).

Napp's picture.  Under local 2-design blocks the second moment of ``∂_k⟨H⟩`` is a random walk
on Pauli supports (:mod:`bpcalc.bounds.exact.two_design`; Napp [1]_ relates the landscape
flatness to such random walks): walking backwards in time, a block that sees a non-identity
string on its qubits replaces it by a uniformly random non-identity string on them.

``napp2022.random_walk_lower`` (derived)
    Restrict the walk to the event that the support stays *one qubit*: whenever a block sees the
    single walker qubit it outputs a string that is non-identity on exactly one of its ``m``
    qubits (probability ``p_m = 3/(4^m − 1)`` for each qubit of the block), except

    * θ_k's block ``B``, which must be met (factor ``a_m = 2^{2m−1}/(4^m − 1)``, the fraction of
      uniform non-identity strings that anticommute with the rotation), and
    * a block that is the earliest on all its qubits (nothing before it), which ends the walk with
      ``z_m = 1/(2^m + 1)`` (uniform non-identity string in ``{I, Z}^m``);

    a walker on a qubit with no earlier block ends with ``1/3`` (a uniform single-qubit Pauli is
    ``Z``).  Summing over the walker's paths (a dynamic programme over ``(qubit, B met)``)::

        Var_θ[∂_k ⟨H⟩] ≥ Σ_h c_h² · W_h,     W_h = Σ_{paths of h through B} a_m · p_m^{s} · t,

    ``s`` = blocks traversed with weight-one output, ``t ∈ {z_m, 1/3}`` the end factor.  A term
    whose support is not inside the first block that touches it contributes 0 (still a lower
    bound).

Depth corollary (Napp's "no barren plateau at shallow depth for local costs").  One path
suffices: for the brickwork (``m = 2``, ``p_2 = 1/5``) and a term on one qubit whose backward
light cone contains ``B``, ``W_h ≥ a_2 · 5^{−(D−1)} · z_2 ≥ (8/75) · 5^{−(D−1)}`` with ``D`` the
number of layers, *independent of n*: at depth ``O(log n)`` the variance is at least
``1/poly(n)``.  The sum over paths (``≈ 2^D`` of them) gives a decay rate ``≈ (2/5)^D`` instead
of ``5^{−D}``.  For deep circuits the exact variance tends to its ``2^{−Θ(n)}`` value while this
bound keeps decaying with ``D`` — it is a shallow-depth statement.

Derivation.  Cross terms ``(h, h')`` vanish (the first layer covers every qubit, so the latest
block on a qubit where they differ sees different strings).  Every step of the chain has
non-negative weights and the end value for ``|0…0⟩`` (``Π`` of overlaps) is non-negative, so the
restriction to an event is a lower bound; on the weight-one event the segments are single
qubits or whole earliest blocks, whose overlaps are ``1/3`` and ``z_m``.

Notes
-----
Where the form comes from.  Napp's text was found only as its abstract and first page (ar5iv
rendering in the page corpus, see ``docs/theorems/notes-issue18.md``): the random-walk
relation and "new analytic bounds … in depth, architecture, qudit dimension, and Hamiltonian
locality" are stated there, not the bounds themselves.  The bound registered here is bpcalc's
(``source="derived"``), a lower bound by an event of the same random walk, and is checked
against the exact 2-design chain.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> b = get_theorem("napp2022.random_walk_lower").bound("variance")
>>> round(b.evaluate(T=1, c2=[1.0], W=[8 / 75]).value, 6)
0.106667

References
----------
.. [1] J. Napp, "Quantifying the barren plateau phenomenon for a model of unstructured variational
   ansätze", arXiv:2203.06174 (2022) (random-walk picture of the landscape flatness; the
   registered constants are derived in bpcalc).
"""

from __future__ import annotations

from typing import Any, Optional

import sympy

from ..assumptions import assumption
from ..bound import Bound, Citation, idx
from ..registry import Context, Theorem, Verification
from . import _checks
from .uvarov2021 import check_layered_blocks

__all__ = ["THEOREMS", "RANDOM_WALK_LOWER", "walk_weight"]

i = idx("i")
T = sympy.Symbol("T", positive=True, integer=True)
c2, W = sympy.IndexedBase("c2"), sympy.IndexedBase("W")

CITATION = Citation(
    authors="Napp",
    title="Quantifying the barren plateau phenomenon for a model of unstructured variational ansätze",
    arxiv="2203.06174",
    year=2022,
    locator="random-walk representation of the gradient variance (main text); bound derived here",
    note="only the abstract and first page were found; the registered lower bound is derived in bpcalc as an event "
         "of the same random walk and checked against the exact 2-design chain",
)


def walk_weight(blocks: Any, parameter_block: Any, term_qubits: Any, *, step: Optional[float] = None,
                end_single: float = 1.0 / 3.0, end_block: Optional[float] = None) -> float:
    """``W_h``: the weight-one random-walk event of a Pauli term on ``term_qubits`` through ``parameter_block``.

    ``blocks``: ``circuits.Block`` objects (``layer`` = time order, first layer = input side), all of
    size ``m``.  ``step`` (default ``p_m = 3/(4^m − 1)``), ``end_single`` (``1/3``) and ``end_block``
    (``z_m``) replace the factors, for mutation tests only.
    """
    order = sorted(blocks, key=lambda b: (b.layer, b.index), reverse=True)
    key_b = (parameter_block.layer, parameter_block.index)
    m = parameter_block.size
    a_m = 2.0 ** (2 * m - 1) / (4.0**m - 1)
    p_m = 3.0 / (4.0**m - 1) if step is None else step
    z_m = 1.0 / (2.0**m + 1) if end_block is None else end_block
    earliest = {}
    for pos, blk in enumerate(order):
        later = order[pos + 1:]  # earlier in time
        earliest[(blk.layer, blk.index)] = not any(set(blk.qubits) & set(o.qubits) for o in later)
    support = frozenset(term_qubits)
    # states: (frozenset support, met B) -> weight; support is the term's support until its first block
    states: dict = {(support, False): 1.0}
    done = 0.0
    for blk in order:
        k = (blk.layer, blk.index)
        qs = set(blk.qubits)
        new: dict = {}
        for (supp, met), w in states.items():
            if not supp & qs:
                if k == key_b:
                    continue  # B sees the identity: the derivative pair vanishes
                new[(supp, met)] = new.get((supp, met), 0.0) + w
                continue
            if not supp <= qs:
                continue  # support spread over several blocks: outside the event (dropped, still a lower bound)
            factor = w * (a_m if k == key_b else 1.0)
            hit = met or k == key_b
            if earliest[k]:
                if hit:
                    done += factor * z_m
                continue
            for q in blk.qubits:
                s = frozenset([q])
                new[(s, hit)] = new.get((s, hit), 0.0) + factor * p_m
        states = new
    for (supp, met), w in states.items():
        if met:
            done += w * end_single ** len(supp)
    return done


def _numbers(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    blocks = _checks.tensor_product_blocks(ctx.model)
    b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if not blocks or b is None:
        return {}
    c2s, ws = [], []
    for term in ctx.model.observable:
        if not term.qubits:
            continue
        c2s.append(float(abs(complex(term.coefficient)) ** 2))
        ws.append(walk_weight(blocks, b, term.qubits))
    if not c2s:
        c2s, ws = [0.0], [0.0]
    return {"T": len(c2s), "c2": c2s, "W": ws}


LAYERED = assumption("layered_blocks", check_layered_blocks)
DESIGNS = assumption("blocks_are_2_designs", _checks.check_all_blocks_two_designs)
SINGLE = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)

_SYMBOLS = {
    "T": "number of Pauli terms h of the cost",
    "c2": "c_h², squared coefficient of term h",
    "W": "W_h = Σ over weight-one walker paths of h through θ_k's block of a_m p_m^s t "
         "(a_m = 2^{2m−1}/(4^m−1), p_m = 3/(4^m−1), t = 1/(2^m+1) or 1/3)",
}
_TESTS = "tests/bounds/theorems/test_napp2022.py"

RANDOM_WALK_LOWER = Theorem(
    key="napp2022.random_walk_lower",
    title="Random-walk lower bound: Var[∂_k⟨H⟩] ≥ Σ_h c_h² W_h (weight-one walker through θ_k's block)",
    citation=CITATION,
    bounds=(Bound("variance", "lower", sympy.Sum(c2[i] * W[i], (i, 1, T)), symbols=_SYMBOLS, citation=CITATION,
                  latex_names={"c2": "c^2", "W": "W"},
                  notes="brickwork (m = 2): W_h ≥ (8/75)·5^{−(D−1)} for a one-qubit term whose light cone holds "
                        "θ_k's block, D layers, independent of n (no barren plateau at O(log n) depth)"),),
    assumptions=(LAYERED, DESIGNS, SINGLE),
    substitutions=_numbers,
    verification=Verification(
        "verified",
        f"{_TESTS}::test_lower_bound_against_two_design_chain, {_TESTS}::test_exact_for_one_layer, "
        f"{_TESTS}::test_mutations_fail, {_TESTS}::test_depth_corollary_independent_of_n",
        "Derived in bpcalc (paper text not accessible): the weight-one event of the 2-design random walk. Check: the "
        "exact 2-design chain (bounds.exact.two_design_gradient_variance) on alternating layered ansätze (m = 2, "
        "n = 4-10, 1-6 layers) with random Pauli-sum costs, every parameter: bound <= exact; equal for one layer. "
        "Measured ratio bound/exact: 1 (one layer), 0.63-0.77 (n = 4, 2 layers), 0.39-0.55 (n = 6, 3 layers), 0.24-0.38 (n = 8, 4 layers). Mutations p_m -> 4/(4^m-1) and z_m -> 1/3 exceed the exact value (n = 4, 2 layers).",
        source="derived",
    ),
    statement="For layered local 2-design blocks (first layer covering every qubit), input |0…0⟩ and H = Σ_h c_h h: "
              "Var[∂_k⟨H⟩] ≥ Σ_h c_h² W_h, where W_h sums, over the paths of a one-qubit walker from h back to the "
              "input through θ_k's block, a_m·(3/(4^m−1))^{steps}·(end factor 1/(2^m+1) or 1/3). For the brickwork "
              "of two-qubit blocks and a one-qubit term, W_h ≥ (8/75)·5^{−(D−1)} at depth D, independent of n. "
              "Observable normalisation: any Pauli sum through c_h².",
    scope="parameter",
    tags=("two-design", "local-cost", "lower", "depth"),
)

THEOREMS = (RANDOM_WALK_LOWER,)
