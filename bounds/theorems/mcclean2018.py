"""Two-design gradient variance (McClean et al. 2018; Haar terms of Holmes et al. 2022).

Setting: ``C(θ) = Tr[U ρ U† O]`` with ``U = V_+ R_P(θ_k) V_-``, ``R_P(θ) = exp(-iθP/2)``,
``d = 2**n``, ``Δ(M) = Tr M² − (Tr M)²/d``.

* ``mcclean2018.two_design`` — both ``V_-`` and ``V_+`` independent 2-designs on all ``n``
  qubits (exact):  ``Var[∂_k C] = d² / (2 (d² − 1)²) · Δ(O) · Δ(ρ)``  — ``Θ(4^{-n})`` for
  fixed ``Δ(O)/d`` and pure ``ρ``.
* ``mcclean2018.one_sided_two_design`` — only one side a 2-design (Holmes et al.'s
  Theorem 1 with ``ε = 0``, written exactly here):
  ``V_-`` 2-design:  ``Var = Δ(ρ) · E_{V_+}‖[P, V_+† O V_+]‖₂² / (4(d² − 1)) ≤ Δ(O)Δ(ρ)/(d² − 1)``;
  ``V_+`` 2-design:  ``Var = Δ(O) · E_{V_-}‖[P, V_- ρ V_-†]‖₂² / (4(d² − 1)) ≤ Δ(O)Δ(ρ)/(d² − 1)``.

Derivation (all verified numerically, see ``tests/bounds/test_mcclean2018.py``):
``∂_k C = Tr[σ A]`` with ``σ = V_-ρV_-†`` and ``A = (i/2)[P, V_+†OV_+]`` traceless, so the
2-design average over ``V_-`` gives ``Tr(A²)Δ(ρ)/(d²−1)`` and ``Tr A² = ‖[P, W]‖²/4``;
averaging ``W = V_+†OV_+`` over a 2-design gives ``E‖[P,W]‖² = 2d²Δ(O)/(d²−1)``.  The one-sided
upper bound uses ``‖[P, X]‖₂ ≤ 2‖X − Tr X/d‖₂``.  The expressibility corrections of Holmes
et al. (``ε = ‖A^{(2)}‖``) are not registered.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> t = get_theorem("mcclean2018.two_design")
>>> v = t.bound("variance").evaluate(n=10**6, Delta_O=1, Delta_rho=1)
>>> round(v.log10, 2)
-602060.29
>>> t.bound("variance").asymptotics(Delta_O=1, Delta_rho=1).describe()
'exponentially vanishing: Θ(n^0 · 4^-n)'

References
----------
.. [1] J. R. McClean, S. Boixo, V. N. Smelyanskiy, R. Babbush, H. Neven, "Barren plateaus in
   quantum neural network training landscapes", Nat. Commun. 9, 4812 (2018), arXiv:1803.11173.
.. [2] Z. Holmes, K. Sharma, M. Cerezo, P. J. Coles, "Connecting ansatz expressibility to
   gradient magnitudes and barren plateaus", PRX Quantum 3, 010313 (2022), arXiv:2101.02138,
   Theorem 1.
"""

from __future__ import annotations

from typing import Any

import cirq
import numpy as np
import sympy

from ..bound import AssumptionFailed, Bound, Citation, sym
from ..assumptions import assumption
from ..designs import AUTO_DESIGN_QUBITS, second_moment_channel
from ..registry import Context, Theorem, Verification
from . import _checks

__all__ = ["THEOREMS", "TWO_DESIGN", "ONE_SIDED", "commutator_moments"]

n = sym("n")
d = 2**n
Delta_O, Delta_rho = sym("Delta_O"), sym("Delta_rho")
comm_plus = sympy.Symbol("comm_plus", nonnegative=True)
comm_minus = sympy.Symbol("comm_minus", nonnegative=True)

MCCLEAN = Citation(
    authors="McClean, Boixo, Smelyanskiy, Babbush, Neven",
    title="Barren plateaus in quantum neural network training landscapes",
    arxiv="1803.11173",
    year=2018,
    locator="Sec. 'Gradients in random circuits' (2-design variance)",
    journal="Nat. Commun. 9, 4812 (2018)",
    note="closed-form constant derived and checked in bpcalc",
)
HOLMES = Citation(
    authors="Holmes, Sharma, Cerezo, Coles",
    title="Connecting ansatz expressibility to gradient magnitudes and barren plateaus",
    arxiv="2101.02138",
    year=2022,
    locator="Theorem 1 (Haar terms, ε = 0)",
    journal="PRX Quantum 3, 010313 (2022)",
    note="exact one-sided form derived in bpcalc; expressibility corrections not included",
)

SINGLE_ROTATION = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)
V_MINUS = assumption("v_minus_two_design", _checks.check_global_two_design("before"))
V_PLUS = assumption("v_plus_two_design", _checks.check_global_two_design("after"))

_SYMBOLS = {
    "comm_plus": "E_{V+} ||[P, V_+^† O V_+]||_2^2 (squared HS norm of the commutator)",
    "comm_minus": "E_{V-} ||[P, V_- rho V_-^†]||_2^2, averaged over the data states",
}


def _input_second_moment(model: Any, measures: Any = None) -> np.ndarray:
    """``E_x[ρ_x ⊗ ρ_x]`` over the dataset (``|0⟩⟨0|^{⊗2}`` without data)."""
    dim = 2**model.n_qubits
    cached = getattr(measures, "data_states", None)
    if model.dataset is None or not list(model.embedding.all_operations()):
        psi = np.zeros((1, dim), dtype=complex)
        psi[0, 0] = 1.0
    elif cached is not None:
        psi = np.asarray(cached)
    else:
        psi = np.stack([model.data_state(x) for x in model.dataset.x])
    pp = np.einsum("ni,nj->nij", psi, psi).reshape(psi.shape[0], dim * dim)
    return np.einsum("na,nb->ab", pp, pp.conj()) / psi.shape[0]


def commutator_moments(ctx: Context) -> dict[str, float]:
    """Exact ``comm_plus`` and ``comm_minus`` for the model's own ``V_±`` (n <= 5).

    ``E‖[P, X]‖² = 2 Tr E[X²] − 2 Tr[(P⊗P) E[X⊗X] F]`` with ``E[X⊗X]`` from the exact
    gate-by-gate second-moment channel.
    """
    model = ctx.model
    nq = model.n_qubits
    if nq > AUTO_DESIGN_QUBITS:
        raise AssumptionFailed(f"exact commutator moments limited to {AUTO_DESIGN_QUBITS} qubits")
    qubits = model.qubits
    split = _checks.parameter_split(ctx)
    dim = 2**nq
    p = cirq.PauliString(split.rotation.pauli).matrix(qubits)
    o = model.observable.matrix(qubits)
    swap = np.zeros((dim * dim, dim * dim))
    for a in range(dim):
        for b in range(dim):
            swap[a * dim + b, b * dim + a] = 1
    pp = np.kron(p, p)
    # W = V_+^† O V_+ : the channel of the inverse circuit
    ww = second_moment_channel(cirq.inverse(split.after), qubits, np.kron(o, o))
    c_plus = 2 * np.real(np.trace(o @ o)) - 2 * np.real(np.trace(pp @ ww @ swap))
    ss = second_moment_channel(split.before, qubits, _input_second_moment(model, ctx.measures))
    tr_s2 = np.real(np.trace(ss @ swap))  # E Tr σ²
    c_minus = 2 * tr_s2 - 2 * np.real(np.trace(pp @ ss @ swap))
    return {"comm_plus": float(c_plus), "comm_minus": float(c_minus)}


def _substitutions(ctx: Context) -> dict[str, Any]:
    model = ctx.model
    if model is None:
        return {}
    nq = model.n_qubits
    out: dict[str, Any] = {"n": nq, "Delta_O": _checks.pauli_delta(model.observable, nq),
                           "Delta_rho": 1.0 - 2.0**-nq}
    return out


def _scaling(ctx: Context) -> dict[str, Any]:
    """Δ(O) ≤ d‖O‖²_∞ (‖O‖ held fixed) and Δ(ρ) ≤ 1: over-estimates, valid for the upper/exact forms."""
    if ctx.model is None:
        return {}
    return {"Delta_O": _checks.observable_norm_bound(ctx.model.observable) ** 2 * 2**n, "Delta_rho": 1}


def _one_sided_substitutions(ctx: Context) -> dict[str, Any]:
    out = _substitutions(ctx)
    if ctx.model is not None and ctx.parameter is not None and ctx.model.n_qubits <= AUTO_DESIGN_QUBITS:
        out.update(commutator_moments(ctx))
    return out


TWO_DESIGN = Theorem(
    key="mcclean2018.two_design",
    title="Gradient variance when both sides of θ_k are 2-designs",
    citation=MCCLEAN,
    bounds=(
        Bound(
            name="variance",
            kind="exact",
            expr=d**2 / (2 * (d**2 - 1) ** 2) * Delta_O * Delta_rho,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            citation=MCCLEAN,
            notes="E[∂_k C] = 0. Input ρ is the data state; for pure states Δ(ρ) = 1 − 2^-n.",
        ),
    ),
    assumptions=(SINGLE_ROTATION, V_MINUS, V_PLUS),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/test_mcclean2018.py::test_two_design_variance_exact_clifford_average",
        "Exact average over the full 1- and 2-qubit Clifford groups (exact unitary 2-designs) on both "
        "sides, random mixed ρ, random Hermitian O, every Pauli P: equal to 1e-10.",
        source="recalled",
    ),
    statement="If V_- and V_+ are independent unitary 2-designs on all n qubits, "
              "Var[∂_k C] = d²Δ(O)Δ(ρ) / (2(d²−1)²)."
              " Observable normalisation: any O through Δ(O) = Tr O² − (Tr O)²/2^n (for (1/n)Σ_j Z_j, Δ(O) = 2^n/n; for O_L = (1/n)Σ_j|0⟩⟨0|_j, 2^n/(4n)).",
    scope="parameter",
    tags=("two-design", "global"),
    scaling=_scaling,
)

ONE_SIDED = Theorem(
    key="mcclean2018.one_sided_two_design",
    title="Gradient variance when one side of θ_k is a 2-design (Haar terms of Holmes et al.)",
    citation=HOLMES,
    bounds=(
        Bound("v_minus_exact", "exact",
              Delta_rho * comm_plus / (4 * (d**2 - 1)), symbols=_SYMBOLS, assumptions=(V_MINUS,),
              citation=HOLMES, notes="V_- a 2-design; V_+ arbitrary (its parameters averaged in comm_plus)."),
        Bound("v_minus_upper", "upper",
              Delta_O * Delta_rho / (d**2 - 1), assumptions=(V_MINUS,), citation=HOLMES,
              notes="uses ||[P, X]||_2 <= 2||X - Tr X/d||_2"),
        Bound("v_plus_exact", "exact",
              Delta_O * comm_minus / (4 * (d**2 - 1)), symbols=_SYMBOLS, assumptions=(V_PLUS,),
              citation=HOLMES, notes="V_+ a 2-design; V_- arbitrary (its parameters averaged in comm_minus)."),
        Bound("v_plus_upper", "upper",
              Delta_O * Delta_rho / (d**2 - 1), assumptions=(V_PLUS,), citation=HOLMES,
              notes="uses ||[P, X]||_2 <= 2||X - Tr X/d||_2"),
    ),
    assumptions=(SINGLE_ROTATION,),
    substitutions=_one_sided_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/test_mcclean2018.py::test_one_sided_exact_and_upper_clifford_average",
        "One side averaged exactly over the 2-qubit Clifford group, the other a fixed circuit with "
        "parameters averaged on the exact 3-point grid: exact forms equal to 1e-10, upper bounds hold.",
        source="derived",
    ),
    statement="If only V_- (or only V_+) is a 2-design, the variance is Δ(ρ)·E‖[P,V_+†OV_+]‖²/(4(d²−1)) "
              "(resp. Δ(O)·E‖[P,V_-ρV_-†]‖²/(4(d²−1))), at most Δ(O)Δ(ρ)/(d²−1)."
              " Observable normalisation: any O through Δ(O) = Tr O² − (Tr O)²/2^n.",
    scope="parameter",
    tags=("two-design", "one-sided"),
    scaling=_scaling,
)

THEOREMS = (TWO_DESIGN, ONE_SIDED)
