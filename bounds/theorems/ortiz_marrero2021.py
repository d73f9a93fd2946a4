"""Entanglement-induced barren plateaus (Ortiz Marrero, Kieferová, Wiebe 2021).

Setting: the qubits split into *visible* ones ``V`` (those the trainable circuit and the
observable act on, ``n_v`` qubits, ``d_v = 2^{n_v}``) and *hidden* ones ``H`` (only touched by
the state preparation / embedding, ``n_h`` qubits, ``d_h = 2^{n_h}``).  The trainable unitary
``V(θ)`` sees only the reduced input ``ρ_V = Tr_H ρ``; ``ℓ = Tr[O V(θ) ρ_V V(θ)†]``.  If the
input is highly entangled between ``V`` and ``H`` (volume law), ``ρ_V`` is close to maximally
mixed and every gradient is small, however the visible circuit is chosen.

``ortiz_marrero2021.entanglement_induced`` (the setting of the paper's Proposition 2 and
Theorem 3; explicit constants derived in bpcalc).  For θ_k in one gate
``exp(-i(±θ_k + c)P/2)`` and every θ::

    |∂_k ℓ(θ)| ≤ ω · ‖ρ_V − 1/d_v‖₁ ≤ ω · sqrt(d_v · D_HS(ρ_V, 1/d_v)),
    ω = (λ_max(O) − λ_min(O)) / 2,

so ``Var_θ[∂_kℓ] ≤ ω² ‖ρ_V − 1/d_v‖₁² ≤ ω² d_v D_HS(ρ_V, 1/d_v)`` (averaged over data points
when there are several).  For Haar-random input states on ``V ⊗ H`` (Page / Lubkin:
``E[Tr ρ_V²] = (d_v + d_h)/(d_v d_h + 1)``)::

    E_ψ Var_θ[∂_kℓ] ≤ ω² (d_v² − 1) / (d_v d_h + 1) = ω² (4^{n_v} − 1)/(2^n + 1),

exponentially small in the number of hidden qubits.  Derivation: ``∂_kℓ = ½ Tr[K(O') (ρ' − 1/d_v)]``
with ``K(A) = i[P, A]`` (traceless, so the identity part of ``ρ'`` drops), Hölder, and
``‖[P, A]‖_∞ ≤ 2 min_c ‖A − c‖_∞``; the first inequality is attained by ``RY`` on a pure qubit.

Relation to the paper (arXiv:2010.15968v2, 11 Mar 2021, read as a PDF text extraction; v2 has no
"Theorem 1").  For ``D_h ≥ D_v``, Proposition 1 bounds ``|Tr((O⊗I)(ρ − I/(D_v D_h)))|`` by
``O(‖O‖_∞ √(log D_v − n_v^{(1)}))`` under an area law and ``O(‖O‖_∞ √(D_v/D_h))`` under a volume
law; Proposition 2 gives ``O(‖O‖_∞ √(D_v/D_h))`` with high probability over ``U`` drawn from a
unitary 2-design (Markov's inequality); Theorem 3 (gradients in unitary networks) states that for
``ρ(θ)`` from a unitary 2-design ``E|Tr_v(O Tr_h ρ(θ))|`` is Lipschitz in θ with constant
``Λ ∈ O(‖O‖_∞ ‖H_k‖_∞ √(D_v/D_h))``; Theorem 4 treats Boltzmann machines and Lemma 5 is Lévy's lemma.
The registered forms are bpcalc's explicit-constant versions of Proposition 2 / Theorem 3
(``source = "derived"``): ``ω‖ρ_V − 1/d_v‖₁`` is the Lipschitz constant for the generator
``P/2`` (``‖H_k‖_∞ = 1/2``, ``ω ≤ ‖O‖_∞``), and the Haar average::

    ω² (d_v² − 1)/(d_v d_h + 1) ≤ ω² d_v/d_h      (and ≥ ω² d_v/(2 d_h) for d_v ≥ 2)

is the explicit-constant square of the paper's ``√(D_v/D_h)`` rate (checked in
``test_haar_bound_is_square_of_papers_rate``).

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> b = get_theorem("ortiz_marrero2021.entanglement_induced").bound("haar_states")
>>> round(b.evaluate(O_halfwidth=1, n_v=2, n=12).log10, 3)
-2.436
>>> b.asymptotics(O_halfwidth=1, n_v=2).describe()
'exponentially vanishing: Θ(n^0 · 2^-n)'

References
----------
.. [1] C. Ortiz Marrero, M. Kieferová, N. Wiebe, "Entanglement-induced barren plateaus",
   PRX Quantum 2, 040316 (2021), arXiv:2010.15968 (v2: Propositions 1–2, Theorem 3, Lemma 5).
.. [2] D. N. Page, "Average entropy of a subsystem", Phys. Rev. Lett. 71, 1291 (1993).
"""

from __future__ import annotations

from typing import Any, Optional

import cirq
import numpy as np
import sympy

from ..bound import AssumptionFailed, Bound, Citation, sym
from ..assumptions import assumption
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states, pauli_one_norm, qubit_index

__all__ = ["THEOREMS", "ENTANGLEMENT", "visible_qubits", "observable_halfwidth", "MAX_VISIBLE_QUBITS"]

MAX_VISIBLE_QUBITS = 10

n, D_HS = sym("n"), sym("D_HS")
O_halfwidth = sympy.Symbol("O_halfwidth", nonnegative=True)
n_v = sympy.Symbol("n_v", positive=True, integer=True)
trace_dist2 = sympy.Symbol("trace_dist2", nonnegative=True)

CITATION = Citation(
    authors="Ortiz Marrero, Kieferová, Wiebe",
    title="Entanglement-induced barren plateaus",
    arxiv="2010.15968",
    year=2021,
    locator="Proposition 2 and Theorem 3 (arXiv:2010.15968v2)",
    journal="PRX Quantum 2, 040316 (2021)",
    note="paper (v2) states O(‖O‖_∞‖H_k‖_∞ √(D_v/D_h)) rates; the explicit-constant deterministic and "
         "Haar-average forms are derived in bpcalc (ω²(d_v²−1)/(d_v d_h+1) ≤ ω² d_v/d_h)",
)


def visible_qubits(model: Any) -> list[cirq.Qid]:
    """Qubits touched by the trainable circuit or the observable (the rest are hidden)."""
    vis = set(model.ansatz.all_qubits()) | {q for t in model.observable for q in t.qubits}
    return [q for q in model.qubits if q in vis]


def observable_halfwidth(observable: cirq.PauliSum, max_qubits: int = 12) -> float:
    """``(λ_max − λ_min)/2`` (exact up to ``max_qubits`` support qubits, else the Pauli 1-norm)."""
    support = sorted({q for t in observable for q in t.qubits})
    if not support:
        return 0.0
    if len(support) > max_qubits:
        return pauli_one_norm(observable)
    ev = np.linalg.eigvalsh(observable.matrix(support))
    return float((ev[-1] - ev[0]) / 2)


def _visible_spectra(ctx: Context) -> tuple[np.ndarray, int]:
    """Eigenvalues of every input's visible reduced state ``ρ_V`` (rows; padded with zeros to ``d_v``
    only implicitly), from the Schmidt decomposition ``|ψ⟩ = Σ_i √λ_i |v_i⟩|h_i⟩``.

    Only ``min(d_v, d_h)`` eigenvalues can be nonzero; the singular values of the ``d_v × d_h``
    coefficient matrix give them without forming ``ρ_V`` (a 10-qubit visible register would
    otherwise need a dense 1024×1024 eigen-decomposition per data point).
    """
    model = ctx.model
    vis = visible_qubits(model)
    if len(vis) > MAX_VISIBLE_QUBITS:
        raise AssumptionFailed(f"{len(vis)} visible qubits exceed the limit {MAX_VISIBLE_QUBITS} for reduced states")
    index = qubit_index(model)
    psi = np.asarray(input_states(ctx), dtype=complex)
    n = model.n_qubits
    v_axes = [index[q] for q in vis]
    h_axes = [i for i in range(n) if i not in v_axes]
    t = psi.reshape((psi.shape[0],) + (2,) * n).transpose([0] + [1 + a for a in v_axes + h_axes])
    mat = t.reshape(psi.shape[0], 2 ** len(v_axes), 2 ** len(h_axes))
    s = np.linalg.svd(mat, compute_uv=False)
    return s**2, len(vis)


def _substitutions(ctx: Context) -> dict[str, Any]:
    model = ctx.model
    if model is None:
        return {}
    lam, nv = _visible_spectra(ctx)
    dv = 2**nv
    # ‖ρ_V − 1/d_v‖₁: the nonzero Schmidt weights shifted by 1/d_v, plus d_v − r eigenvalues equal to −1/d_v
    trace_norms = np.abs(lam - 1.0 / dv).sum(axis=1) + (dv - lam.shape[1]) / dv
    d_hs = (lam**2).sum(axis=1) - 1.0 / dv
    return {
        "n": model.n_qubits,
        "n_v": nv,
        "O_halfwidth": observable_halfwidth(model.observable),
        "D_HS": float(np.mean(d_hs)),
        "trace_dist2": float(np.mean(trace_norms**2)),
    }


def _scaling(ctx: Context) -> dict[str, Any]:
    if ctx.model is None:
        return {}
    return {"O_halfwidth": observable_halfwidth(ctx.model.observable), "n_v": len(visible_qubits(ctx.model))}


def check_parameter_visible(ctx: Context) -> tuple[Optional[bool], str]:
    ok, why = _checks.check_single_pauli_rotation(ctx)
    if not ok:
        return ok, why
    vis = visible_qubits(ctx.model)
    hidden = len(ctx.model.qubits) - len(vis)
    if hidden == 0:
        return False, ("no hidden qubits: the trainable circuit and the observable touch every qubit, so there is "
                       "no visible/hidden split (the setting of the theorem)")
    return True, f"{why}; {len(vis)} visible, {hidden} hidden qubit(s)"


ROTATION = assumption("single_pauli_rotation_on_visible", check_parameter_visible)
HAAR = assumption("haar_random_states")

_SYMBOLS = {
    "O_halfwidth": "ω = (λ_max(O) − λ_min(O))/2",
    "n_v": "number of visible qubits (those of the trainable circuit and of O)",
    "trace_dist2": "mean over inputs of ‖ρ_V − 1/d_v‖₁², ρ_V the visible reduced state",
    "D_HS": "mean over inputs of D_HS(ρ_V, 1/d_v) = Tr ρ_V² − 2^{-n_v}",
}
_Q = r"\mathbb{E}_x \operatorname{Var}_{\theta}[\partial_k \ell_x]"

ENTANGLEMENT = Theorem(
    key="ortiz_marrero2021.entanglement_induced",
    title="Entanglement-induced barren plateau: gradients bounded by the visible state's distance from 1/d_v",
    citation=CITATION,
    bounds=(
        Bound("trace_norm", "upper", O_halfwidth**2 * trace_dist2, quantity=_Q, symbols=_SYMBOLS, citation=CITATION,
              constraints=((sympy.Le(trace_dist2, 4), "a trace distance ‖ρ_V − 1/d_v‖₁ is at most 2"),),
              notes="holds for every θ: (∂_kℓ)² ≤ ω²‖ρ_V − 1/d_v‖₁²"),
        Bound("hs_distance", "upper", O_halfwidth**2 * 2**n_v * D_HS, quantity=_Q, symbols=_SYMBOLS,
              citation=CITATION, constraints=((sympy.Le(D_HS, 1 - 2**-n_v), "D_HS(ρ_V, 1/d_v) <= 1 − 2^-n_v"),), notes="‖X‖₁² ≤ d_v ‖X‖₂²"),
        Bound("haar_states", "upper", O_halfwidth**2 * (4**n_v - 1) / (2**n + 1),
              quantity=r"\mathbb{E}_{\psi\sim\mathrm{Haar}} \operatorname{Var}_{\theta}[\partial_k \ell]",
              symbols=_SYMBOLS, assumptions=(HAAR,), citation=CITATION,
              constraints=((sympy.Le(n_v, n), "the visible qubits are among the n qubits: n_v <= n"),),
              notes="E_Haar D_HS(ρ_V, 1/d_v) = (d_v² − 1)/(d_v(d_v d_h + 1)); exponentially small in n − n_v"),
    ),
    assumptions=(ROTATION,),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_ortiz_marrero2021.py::test_per_state_bounds_hold_for_haar_states, "
        "tests/bounds/theorems/test_ortiz_marrero2021.py::test_haar_average_formula_and_bound, "
        "tests/bounds/theorems/test_ortiz_marrero2021.py::test_trace_norm_bound_is_tight_for_a_pure_qubit, "
        "tests/bounds/theorems/test_ortiz_marrero2021.py::test_haar_bound_is_square_of_papers_rate",
        "Exact Var_θ from bpcalc's Pauli-path engine for Haar-random inputs on visible⊗hidden (n = 3, 4; "
        "n_v = 1, 2) below both per-state bounds; the Haar-average reduced distance matches Page's formula "
        "(Monte Carlo, 4σ); max_θ|∂ℓ| = ω‖ρ_V − 1/2‖₁ for RY on a pure qubit; the registered Haar bound lies "
        "between ω²d_v/(2d_h) and ω²d_v/d_h, the square of the √(D_v/D_h) rate of Proposition 2 / Theorem 3 of "
        "arXiv:2010.15968v2 (read as a PDF text extraction; its statements are O(·) rates). "
        "Explicit constants derived in bpcalc.",
        source="derived",
    ),
    statement="For a trainable circuit on visible qubits and any input ρ, |∂_kℓ| ≤ ω‖ρ_V − 1/d_v‖₁ ≤ "
              "ω sqrt(d_v D_HS(ρ_V, 1/d_v)); for Haar-random (volume-law) inputs E Var[∂_kℓ] ≤ "
              "ω²(d_v² − 1)/(d_v d_h + 1): exponentially small in the number of hidden qubits."
              " Observable normalisation: any O through its Pauli 1-norm ω as written (O → cO rescales the bound by |c|).",
    scope="parameter",
    tags=("entanglement", "data", "visible-hidden"),
    scaling=_scaling,
)

THEOREMS = (ENTANGLEMENT,)
