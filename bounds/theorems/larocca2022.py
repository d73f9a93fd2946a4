"""DLA diagnosis of barren plateaus (Larocca, Czarnik, Sharma, Muraleedharan, Coles, Cerezo 2022).

Setting: a periodic ansatz of parametrized Pauli rotations and constant Clifford gates (e.g. a
hardware-efficient ansatz with CZ).  Its dynamical Lie algebra (DLA) is read by moving every
Clifford to the input side: ``U(θ) = [Π_k exp(-iθ_k P'_k/2)] · C`` with ``P'_k`` the rotation's
Pauli conjugated through the Cliffords that follow it (:func:`bpcalc.bounds.exact.clifford_frame`);
``g = ⟨i P'_k⟩_Lie``.  The circuit is *controllable* when ``g = su(2^n)`` (``dim g = 4^n − 1``).
For a controllable circuit deep enough to be (approximately) Haar on ``SU(2^n)`` — the
paper's criterion for a barren plateau from a full DLA — the variances take the unitary
2-design values.  ``d = 2^n``, ``Δ(O) = Tr O² − (Tr O)²/d``, ``Δ(ρ) = Tr ρ² − 1/d``.
Observable normalisation: any Hermitian ``O``, through ``Δ(O)`` (for ``(1/n)Σ_j Z_j``:
``Δ(O) = d/n``; for ``O_L = (1/n)Σ_j|0⟩⟨0|_j``: ``d/(4n)``).

``larocca2022.controllable_loss``
    ``Var_θ[ℓ] = Δ(O) Δ(ρ) / (d² − 1)``.
``larocca2022.controllable_gradient``
    with θ_k's rotation (frequency 1) deep inside the circuit:
    ``Var_θ[∂_k ℓ] = d² Δ(O) Δ(ρ) / (2 (d² − 1)²)``.

The assumption check ``controllable`` computes ``dim g`` and, when the circuit is not
controllable, the decomposition of ``g`` into its centre and simple ideals — the diagnosis the
paper proposes: ``dim g`` exponential in ``n`` signals a barren plateau for deep circuits,
polynomial ``dim g`` can avoid it (the quantitative ``1/dim g`` law is Ragone et al.'s,
registered as ``ragone2023.lie_algebraic_loss``).

Notes
-----
Where the form comes from.  The paper's text was not accessible in this project; the
statement that a controllable deep circuit forms a 2-design on ``SU(2^n)`` (hence McClean's
values) is recalled, and the two closed forms are the standard Haar second moments
(Weingarten), derived here and checked numerically (``source="derived"``).  The Clifford-frame
reading of the generators is bpcalc's and is tested against the dense circuit unitary, the
tangent ``∂_kU U†`` at θ = 0 and the rank of the tangent space of deep circuits
(tests/bounds/exact/test_clifford_frame.py).

Examples
--------
>>> from bpcalc import circuits
>>> from bpcalc.bounds import get_theorem
>>> from bpcalc.bounds.registry import Context
>>> m = circuits.Model(ansatz=circuits.hardware_efficient(2, 3, rotations=("rx", "ry")),
...                    observable=circuits.parse_pauli_sum("Z0"))
>>> get_theorem("larocca2022.controllable_loss").applicability(Context(model=m)).checks[0].reason
'dim g = 15 = 4^2 − 1: g = su(4), the circuit is controllable'

References
----------
.. [1] M. Larocca, P. Czarnik, K. Sharma, G. Muraleedharan, P. J. Coles, M. Cerezo,
   "Diagnosing barren plateaus: tools from quantum optimal control", Quantum 6, 824 (2022),
   arXiv:2105.14377 (controllability ⇒ 2-design ⇒ barren plateau; DLA dimension as diagnostic).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import sympy

from ..bound import Bound, Citation, sym
from ..assumptions import assumption
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states

__all__ = ["THEOREMS", "CONTROLLABLE_LOSS", "CONTROLLABLE_GRADIENT", "MAX_CONTROLLABILITY_QUBITS", "diagnose"]

n, Delta_O, Delta_rho = sym("n"), sym("Delta_O"), sym("Delta_rho")
d = 2**n

MAX_CONTROLLABILITY_QUBITS = 6
"""Largest ``n`` for which the check closes the DLA itself (``dim su(2^6) = 4095``)."""
MAX_SPLIT_DIMENSION = 1024

CITATION = Citation(
    authors="Larocca, Czarnik, Sharma, Muraleedharan, Coles, Cerezo",
    title="Diagnosing barren plateaus: tools from quantum optimal control",
    arxiv="2105.14377",
    year=2022,
    locator="controllability ⇒ deep circuits form 2-designs (main results)",
    journal="Quantum 6, 824 (2022)",
    note="paper text not accessible here; the statement is recalled, the Haar second moments are derived "
         "and checked by sampling deep circuits",
)


def diagnose(circuit: Any, qubits: Any = None) -> dict[str, Any]:
    """``{"dim": dim g, "n": n, "controllable": bool, "centre": c, "ideals": [dim g_j, …]}`` of a circuit.

    Generators are read through the Clifford gates (:func:`bpcalc.bounds.exact.clifford_frame`);
    the split into centre and simple ideals is computed when ``dim g ≤ 1024``.

    Raises
    ------
    ValueError : gates that are neither Pauli rotations nor Cliffords, or a closure too large.
    """
    from ..exact.lie_algebra import clifford_frame, lie_closure

    frame = clifford_frame(circuit)
    qubits = tuple(frame.qubits if qubits is None else qubits)
    nq = len(qubits)
    alg = lie_closure(list(frame.generators), qubits, split=False, max_dim=4**nq)
    out: dict[str, Any] = {"dim": alg.dimension, "n": nq, "controllable": alg.dimension == 4**nq - 1}
    if not out["controllable"] and alg.dimension <= MAX_SPLIT_DIMENSION:
        full = lie_closure(list(frame.generators), qubits, max_dim=4**nq)
        out["centre"] = int(full.centre_dimension)
        out["ideals"] = [int(x) for x in full.ideal_dimensions]
    return out


def check_controllable(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    if "controllable" in ctx.declared:
        return True, "declared by the user"
    nq = ctx.model.n_qubits
    if nq > MAX_CONTROLLABILITY_QUBITS:
        return None, (f"n = {nq} > {MAX_CONTROLLABILITY_QUBITS}: the DLA closure is not computed here; declare "
                      "'controllable' if g = su(2^n)")
    if "controllable" in ctx.declared:
        return True, "declared by the user"
    qubits = tuple(ctx.model.qubits)

    def closure() -> tuple[Optional[dict], str]:  # once per analysis: it depends on the ansatz only
        try:
            return diagnose(ctx.model.ansatz, qubits), ""
        except ValueError as exc:
            return None, str(exc)

    info, error = ctx.memoized(("larocca2022.diagnose", qubits), closure)
    if info is None:
        return False, error
    full = 4**nq - 1
    if info["controllable"]:
        return True, f"dim g = {info['dim']} = 4^{nq} − 1: g = su({2**nq}), the circuit is controllable"
    parts = ""
    if "ideals" in info:
        parts = f"; g = centre of dim {info['centre']} ⊕ simple ideals of dims {info['ideals']}"
    return False, f"dim g = {info['dim']} < 4^{nq} − 1 = {full}: not controllable{parts}"


def _numbers(ctx: Context) -> dict[str, Any]:
    model = ctx.model
    if model is None:
        return {}
    out: dict[str, Any] = {"n": model.n_qubits, "Delta_O": _checks.pauli_delta(model.observable, model.n_qubits)}
    try:
        states = input_states(ctx)
    except ValueError:
        return out
    purity = np.mean(np.sum(np.abs(np.einsum("ni,nj->nij", states, states.conj())) ** 2, axis=(1, 2)))
    out["Delta_rho"] = float(purity - 2.0**-model.n_qubits)
    return out


CONTROLLABLE = assumption("controllable", check_controllable)
DEEP = assumption("deep_circuit")
SINGLE = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)

_TESTS = "tests/bounds/theorems/test_larocca2022.py"
_NOTE = ("Derived Haar second moments for a controllable circuit (statement recalled; paper text not accessible). "
         "Check: 2-qubit hardware-efficient ansatz (rx, ry, CZ; 24 layers; controllable, dim g = 15) with "
         "6000 uniformly random θ (seed 3): sample Var[ℓ] and Var[∂_kℓ] (parameter shift, middle parameter) within "
         "their 99.9 % normal intervals of the formulas; equal to lie_algebraic_variance on the Clifford-frame "
         "generators; refused for the real (ry + CZ) ansatz, whose DLA is smaller and whose sampled variance "
         "differs from the formula.")

CONTROLLABLE_LOSS = Theorem(
    key="larocca2022.controllable_loss",
    title="Controllable deep circuit (g = su(2^n)): Var[ℓ] = Δ(O)Δ(ρ)/(d² − 1)",
    citation=CITATION,
    bounds=(Bound("variance", "exact", Delta_O * Delta_rho / (d**2 - 1), r"\operatorname{Var}_{\theta}[\ell]",
                  citation=CITATION, notes="Haar on SU(d); data: Δ(ρ) averaged over the input states"),),
    assumptions=(CONTROLLABLE, DEEP),
    substitutions=_numbers,
    verification=Verification("verified", f"{_TESTS}::test_controllable_deep_circuit_sampled, "
                              f"{_TESTS}::test_uncontrollable_refused_and_different", _NOTE, source="derived"),
    statement="If the dynamical Lie algebra of the circuit is su(2^n) (controllable) and the circuit is deep, "
              "it forms a 2-design and Var[ℓ] = Δ(O)Δ(ρ)/(4^n − 1): exponentially small for ‖O‖ = O(1). "
              "dim g is the diagnostic. Observable normalisation: any O through Δ(O) = Tr O² − (Tr O)²/2^n.",
    scope="loss",
    tags=("lie-algebra", "controllability", "two-design", "depth"),
)

CONTROLLABLE_GRADIENT = Theorem(
    key="larocca2022.controllable_gradient",
    title="Controllable deep circuit: Var[∂_k ℓ] = d² Δ(O)Δ(ρ) / (2(d² − 1)²)",
    citation=CITATION,
    bounds=(Bound("variance", "exact", d**2 * Delta_O * Delta_rho / (2 * (d**2 - 1) ** 2),
                  citation=CITATION, notes="θ_k's rotation deep inside the circuit (Haar on both sides)"),),
    assumptions=(CONTROLLABLE, DEEP, SINGLE),
    substitutions=_numbers,
    verification=Verification("verified", f"{_TESTS}::test_controllable_deep_circuit_sampled", _NOTE,
                              source="derived"),
    statement="For a controllable deep circuit with θ_k's rotation deep inside: Var[∂_k ℓ] = "
              "4^n Δ(O)Δ(ρ)/(2(4^n − 1)²) (McClean's 2-design value). Observable normalisation: any O through Δ(O).",
    scope="parameter",
    tags=("lie-algebra", "controllability", "two-design", "depth"),
)

THEOREMS = (CONTROLLABLE_LOSS, CONTROLLABLE_GRADIENT)
