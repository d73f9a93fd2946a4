"""Causal-cone lower bound on the gradient variance (Uvarov & Biamonte 2021, constants derived here).

Setting: a layered ansatz of ``m``-qubit blocks (``circuits.alternating_layered``), every block
an independent local 2-design (declared: ``Model.two_design_blocks`` or
``"blocks_are_2_designs"``), the blocks of the first layer covering every qubit, θ_k's block
``B`` a 2-design on both sides of its rotation, input ``|0…0⟩`` and a cost
``H = Σ_h c_h h`` (Pauli strings ``h``).  For each term ``h`` its causal cone is read off the
block structure backwards in time: a block is in the cone when it touches the current support,
which then grows by the block's qubits.  ``N_first(h)`` counts the first-layer blocks of the
cone, ``N_mid(h)`` the others.  Then::

    Var_θ[∂_k ⟨H⟩] ≥ Σ_{h : B ∈ cone(h)} c_h² · a_m · f_m^{N_mid(h)} · z_m^{N_first(h)},
    a_m = 2^{2m−1}/(4^m − 1),  f_m = 3^m/(4^m − 1),  z_m = 1/(2^m + 1).

Uvarov & Biamonte's message — the bound depends on the width of each term's causal cone, so
local terms with narrow cones keep gradients polynomially large at logarithmic depth — holds
with these constants.  Observable normalisation: any Pauli sum through ``c_h²`` (for
``(1/n)Σ_j Z_j``: ``c_h = 1/n``; for ``O_L = (1/n)Σ_j|0⟩⟨0|_j``: ``1/(2n)``, a quarter of the
bound).

Derivation (bpcalc).  Under local 2-design blocks the second moment is a Markov chain on Pauli
strings (the 2-design support chain of :mod:`bpcalc.bounds.exact.two_design`): a block that sees a
non-identity string on its qubits replaces it by a uniformly random non-identity string;
cross terms between different ``h`` vanish because the first layer covers every qubit.  At
``B`` the string after ``V_+`` is uniform and anticommutes with the rotation's Pauli with
probability ``a_m`` (the derivative keeps the weight then, and is zero otherwise); at the end
the value is 1 for strings in ``{I, Z}^n`` and 0 otherwise.  Restrict to the event that every
non-first-layer block of the cone (including ``V_−`` of ``B``) outputs a string that is
non-identity on all its ``m`` qubits (probability ``f_m`` each; the support then follows the
cone and ``B`` is reached) and that every first-layer block of the cone outputs a string in
``{I, Z}^m`` (probability ``z_m`` each; these are the last operations on their qubits).  The
event's probability is the bound.  It is exact for one block (``m = 2``, ``h = Z_0``:
``a_2 z_2 = 8/75``, McClean's value).

Notes
-----
Where the form comes from.  The paper's text (arXiv:2011.10530, J. Phys. A 54, 245301 (2021))
was not found in this project's search corpora (only citations of it).  Its lower bound is
recalled to depend on the causal-cone width of each Pauli term through factors exponential in
that width; the constants registered here are bpcalc's (``source="derived"``) and are checked
against the exact 2-design chain.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> b = get_theorem("uvarov2021.causal_cone_lower").bound("variance")
>>> round(b.evaluate(m=2, T=1, c2=[1.0], N_mid=[0], N_first=[1]).value, 6)
0.106667

References
----------
.. [1] A. V. Uvarov, J. D. Biamonte, "On barren plateaus and cost function locality in
   variational quantum algorithms", J. Phys. A: Math. Theor. 54, 245301 (2021),
   arXiv:2011.10530 (causal-cone lower bound; constants derived here).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import sympy

from bpcalc.circuits import operations_outside_blocks

from ..bound import Bound, Citation, idx, sym
from ..assumptions import assumption
from ..registry import Context, Theorem, Verification
from . import _checks

__all__ = ["THEOREMS", "CAUSAL_CONE_LOWER", "cone_counts"]

m = sym("m")
i = idx("i")
T = sympy.Symbol("T", positive=True, integer=True)
c2, N_mid, N_first = sympy.IndexedBase("c2"), sympy.IndexedBase("N_mid"), sympy.IndexedBase("N_first")
a_m = 2 ** (2 * m - 1) / (4**m - 1)
f_m = 3**m / (4**m - 1)
z_m = 1 / (2**m + 1)

CITATION = Citation(
    authors="Uvarov, Biamonte",
    title="On barren plateaus and cost function locality in variational quantum algorithms",
    arxiv="2011.10530",
    year=2021,
    locator="lower bound from the causal cone of each Pauli term (main theorem)",
    journal="J. Phys. A: Math. Theor. 54, 245301 (2021)",
    note="paper text not accessible here; constants derived in bpcalc from the 2-design Pauli chain",
)


def cone_counts(blocks: Any, parameter_block: Any, term_qubits: Any) -> tuple[bool, int, int]:
    """``(B in cone, N_mid, N_first)`` of a Pauli term on ``term_qubits`` (blocks: ``circuits.Block``)."""
    first = min(b.layer for b in blocks)
    support = set(term_qubits)
    hit, n_mid, n_first = False, 0, 0
    for blk in sorted(blocks, key=lambda b: (b.layer, b.index), reverse=True):
        if not set(blk.qubits) & support:
            continue
        support |= set(blk.qubits)
        if (blk.layer, blk.index) == (parameter_block.layer, parameter_block.index):
            hit = True
        if blk.layer == first:
            n_first += 1
        else:
            n_mid += 1
    return hit, n_mid, n_first


def _blocks(ctx: Context):
    return _checks.tensor_product_blocks(ctx.model)


def check_layered_blocks(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    blocks = _blocks(ctx)
    if not blocks:
        return False, "the ansatz carries no block tags (bpcalc.block=<layer>.<index>)"
    untagged = operations_outside_blocks(ctx.model.ansatz)
    if untagged:
        return False, f"{len(untagged)} ansatz operation(s) outside every block (e.g. {untagged[0]})"
    sizes = {b.size for b in blocks}
    if len(sizes) != 1:
        return False, f"blocks have different sizes {sorted(sizes)}"
    first = min(b.layer for b in blocks)
    covered = set().union(*(set(b.qubits) for b in blocks if b.layer == first))
    if covered != set(ctx.model.qubits):
        return False, f"the first layer of blocks covers {len(covered)} of {ctx.model.n_qubits} qubits"
    if list(ctx.model.embedding.all_operations()):
        return False, "the bound is for the input |0…0⟩ (the model has an embedding)"
    given = ctx.extra.get("states")
    if given is not None:  # explicit input state vectors (shape (N, 2**n)) replace |0…0⟩
        v = np.asarray(given)
        v = v[None] if v.ndim == 1 else v
        if v.shape[-1] < 1 or not np.allclose(np.abs(v[:, 0]), 1.0, atol=1e-12):
            return False, "the bound is for the input |0…0⟩; the given input states differ (found by the soundness suite: " \
                          "an entangled input gives an exact variance below the bound)"
    if _checks.block_of_parameter(ctx.model, ctx.parameter) is None:
        return False, f"{ctx.parameter} is in no block"
    return True, f"{len(blocks)} blocks of {sizes.pop()} qubits; the first layer covers every qubit; input |0…0⟩"


def _numbers(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    blocks = _blocks(ctx)
    b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if not blocks or b is None:
        return {}
    c2s, mids, firsts = [], [], []
    for term in ctx.model.observable:
        if not term.qubits:
            continue
        hit, n_mid, n_first = cone_counts(blocks, b, term.qubits)
        if hit:
            c2s.append(float(abs(complex(term.coefficient)) ** 2))
            mids.append(n_mid)
            firsts.append(n_first)
    if not c2s:
        c2s, mids, firsts = [0.0], [0], [0]
    return {"m": b.size, "T": len(c2s), "c2": c2s, "N_mid": mids, "N_first": firsts}


LAYERED = assumption("layered_blocks", check_layered_blocks)
DESIGNS = assumption("blocks_are_2_designs", _checks.check_all_blocks_two_designs)
SINGLE = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)

_SYMBOLS = {
    "T": "number of Pauli terms h of the cost whose causal cone contains θ_k's block",
    "c2": "c_h², squared coefficient of term h",
    "N_mid": "blocks of h's causal cone outside the first layer (θ_k's block included if it is one)",
    "N_first": "first-layer blocks of h's causal cone",
}

CAUSAL_CONE_LOWER = Theorem(
    key="uvarov2021.causal_cone_lower",
    title="Causal-cone lower bound: Var[∂_k⟨H⟩] ≥ Σ_h c_h² a_m f_m^{N_mid(h)} z_m^{N_first(h)}",
    citation=CITATION,
    bounds=(Bound("variance", "lower", sympy.Sum(c2[i] * a_m * f_m ** N_mid[i] * z_m ** N_first[i], (i, 1, T)),
                  symbols=_SYMBOLS, citation=CITATION,
                  latex_names={"c2": "c^2", "N_mid": r"N_{\mathrm{mid}}", "N_first": r"N_{\mathrm{first}}"},
                  notes="a_m = 2^{2m−1}/(4^m−1), f_m = 3^m/(4^m−1), z_m = 1/(2^m+1); terms whose cone misses "
                        "θ_k's block contribute 0 (exactly)"),),
    assumptions=(LAYERED, DESIGNS, SINGLE),
    substitutions=_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_uvarov2021.py::test_lower_bound_against_two_design_chain, "
        "tests/bounds/theorems/test_uvarov2021.py::test_tight_for_one_block",
        "Derived in bpcalc (paper text not accessible): event bound on the 2-design Pauli chain. Check: the exact "
        "2-design chain (bounds.exact.two_design_gradient_variance) on alternating layered ansätze (n = 4, 6, "
        "m = 2, 1-4 layers) with random Pauli-sum costs, every parameter: bound <= exact; equality for one "
        "2-qubit block and h = Z_0 (8/75).",
        source="derived",
    ),
    statement="For layered local 2-design blocks (first layer covering every qubit), input |0…0⟩ and H = Σ_h c_h h: "
              "Var[∂_k⟨H⟩] ≥ Σ_{h: θ_k's block in cone(h)} c_h² · 2^{2m−1}/(4^m−1) · (3^m/(4^m−1))^{N_mid(h)} · "
              "(1/(2^m+1))^{N_first(h)}: exponential only in the number of blocks of each term's causal cone. "
              "Observable normalisation: any Pauli sum through c_h² ((1/n)Σ_j Z_j: c_h = 1/n; O_L: 1/(2n)).",
    scope="parameter",
    tags=("local-cost", "light-cone", "two-design", "lower-bound"),
)

THEOREMS = (CAUSAL_CONE_LOWER,)
