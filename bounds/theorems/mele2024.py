"""Noise-induced effective depth (Mele, Angrisani, Ghosh, Khatri, Eisert, Stilck França, Quek 2024).

Setting: ``model.circuit`` (``M`` moments, input ``|0…0⟩``) with a single-qubit channel ``N`` on
every qubit after every moment (declared as ``extra["noise"]``, see :mod:`.noise_layers`), noisy
cost ``C̃(θ) = Tr[O Φ_θ(|0…0⟩⟨0…0|)]``.  ``C̃_ℓ(θ)`` is the cost of the *truncated* circuit: only
the last ``ℓ`` moments (each followed by its noise layer), run on ``|0…0⟩``.
``q = q_n(N^{⊗n})`` is the HS contraction coefficient of one noise layer (exact,
:func:`.noise_layers.hs_contraction`).

``mele2024.effective_depth`` (Hilbert–Schmidt form, every circuit, unital or not)::

    |C̃(θ) − C̃_ℓ(θ)| ≤ √(2 Δ(O)) · q^ℓ   for every θ,

so the cost depends on the first ``M − ℓ`` moments only through a term that decays
exponentially in ``ℓ``: the noisy circuit is effectively as deep as its last
``ℓ* ≈ ln(√(2Δ(O))/ε) / ln(1/q)`` moments, whatever ``M``.  With non-unital noise this is the
mechanism behind Mele et al.'s "absence of barren plateaus" for local costs: the last layers
keep a non-trivial, trainable dependence on θ (compare ``singkanipa2024.hs_contractive_noise``,
whose bound for last-layer parameters does not decay), while everything earlier is forgotten.

Derivation (bpcalc).  Let ``σ`` be the state entering the last ``ℓ`` moments and ``Φ_last`` those
moments with their noise.  ``C̃ − C̃_ℓ = Tr[O Φ_last(σ − |0⟩⟨0|)] = Tr[Ô Φ_last(σ − |0⟩⟨0|)]``
(``Φ_last`` is trace preserving and ``σ − |0⟩⟨0|`` traceless); unitaries keep ``‖·‖₂`` and every
noise layer contracts traceless operators by ``q``, so ``|·| ≤ ‖Ô‖₂ q^ℓ ‖σ − |0⟩⟨0|‖₂`` with
``‖Ô‖₂ = √Δ(O)`` and ``‖σ − |0⟩⟨0|‖₂² = Tr σ² + 1 − 2⟨0|σ|0⟩ ≤ 2``.

Notes
-----
Where the form comes from.  The abstract of arXiv:2403.13927 (v2) was read in this project's
page corpus; the theorems' text was not.  A third-party review note (found with the code search)
says the published Theorem 1 (Nat. Phys. 22, 751 (2026)) bounds the *mean absolute* deviation
``E|C̃ − C̃_ℓ| ≤ ‖O‖_∞ e^{−αℓ}`` over circuits whose layers are invariant under random single-qubit
gates, with the second-moment version as Theorem 2 and the contraction constant
``c = (‖D‖² + ‖t‖²)/3`` of the channel's Bloch representation in Methods Eq. (22).  That
average-case, log-depth statement is *not* registered: it needs a declared ensemble of random
single-qubit gates.  What is registered is the deterministic HS mechanism (``source="derived"``),
valid for every circuit but with the prefactor ``√Δ(O) ∝ 2^{n/2}``, so its effective depth grows
linearly in ``n`` (not logarithmically), and only while the noise layer is HS-contractive
(``q_n < 1``; for amplitude damping only on few qubits, see :mod:`.singkanipa2024`).

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> b = get_theorem("mele2024.effective_depth").bound("truncation_error")
>>> round(b.evaluate(Delta_O=2.0, q=0.5, ell=3).value, 6)   # one qubit, O = Z
0.25

References
----------
.. [1] A. A. Mele, A. Angrisani, S. Ghosh, S. Khatri, J. Eisert, D. Stilck França, Y. Quek,
   "Noise-induced shallow circuits and absence of barren plateaus", arXiv:2403.13927 (v2);
   Nat. Phys. 22, 751-756 (2026).
"""

from __future__ import annotations

from typing import Any, Optional

import sympy

from ..assumptions import assumption
from ..bound import AssumptionFailed, Bound, Citation, sym
from ..registry import Context, Theorem, Verification
from . import _checks
from .singkanipa2024 import HS_NOISE, noise_inputs

__all__ = ["THEOREMS", "EFFECTIVE_DEPTH"]

q, Delta_O = sym("q"), sym("Delta_O")
ell = sympy.Symbol("ell", nonnegative=True, integer=True)

CITATION = Citation(
    authors="Mele, Angrisani, Ghosh, Khatri, Eisert, Stilck França, Quek",
    title="Noise-induced shallow circuits and absence of barren plateaus",
    arxiv="2403.13927",
    year=2024,
    locator="effective-depth mechanism (per a third-party note, Theorem 1 of the journal version is an average-case "
            "statement; not registered); arXiv v2",
    journal="Nat. Phys. 22, 751-756 (2026), doi:10.1038/s41567-026-03245-z",
    note="abstract read; theorem text not accessible; deterministic Hilbert-Schmidt form derived in bpcalc",
)


def _check_depth(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    value = ctx.values.get("ell")
    if value is None:
        return None, "give values['ell'] = the number of final moments the truncated circuit keeps"
    depth = len(ctx.model.circuit)
    if not (isinstance(value, (int,)) or float(value).is_integer()) or not 0 <= int(value) <= depth:
        return False, f"ell = {value!r} must be an integer in [0, {depth}] (the circuit has {depth} moments)"
    return True, f"the truncated circuit keeps the last {int(value)} of {depth} moments"


NOISE = HS_NOISE   # the same check as singkanipa2024 (one check per assumption key)
DEPTH = assumption("truncation_depth", _check_depth)


def _substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None:
        return {}
    info = noise_inputs(ctx)
    return {"q": info["q"], "Delta_O": _checks.pauli_delta(ctx.model.observable, info["n"])}


EFFECTIVE_DEPTH = Theorem(
    key="mele2024.effective_depth",
    title="Noise-induced effective depth: |C̃(θ) − C̃_ℓ(θ)| ≤ √(2Δ(O)) q^ℓ (last ℓ moments on |0…0⟩)",
    citation=CITATION,
    bounds=(
        Bound("truncation_error", "upper", sympy.sqrt(2 * Delta_O) * q**ell,
              r"|\tilde{C}(\theta) - \tilde{C}_{\ell}(\theta)| \ \forall\theta",
              {"Delta_O": "Δ(O) = Tr O² − (Tr O)²/2^n = 2^n Σ_{P≠I} ω_P²",
               "q": "HS contraction coefficient of one noise layer N^{⊗n} on traceless operators",
               "ell": "ℓ, the number of final moments kept by the truncated circuit (values['ell'])"},
              citation=CITATION, latex_names={"ell": r"\ell"},
              notes="For every θ and every circuit; the first M − ℓ moments enter only through this term."),
    ),
    assumptions=(NOISE, DEPTH),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_mele2024.py::test_truncation_error_against_density_matrices, "
        "tests/bounds/theorems/test_mele2024.py::test_single_qubit_is_tight",
        "Derived in bpcalc (abstract-level source; per a third-party note the journal's Theorem 1 is an average-case "
        "statement, not registered). Check: cirq.DensityMatrixSimulator of the full and the truncated noisy circuits (depolarizing, "
        "amplitude damping, generalized amplitude damping), 1-3 qubits, every ℓ, a grid of θ: |C̃ − C̃_ℓ| <= bound; "
        "one qubit, X then RZ moments, depolarizing: |C̃ − C̃_ℓ| = q^ℓ(1 + q^{M−ℓ}) against 2q^ℓ (ratio (1 + q)/2 "
        "at ℓ = M − 1).",
        source="derived",
    ),
    statement="Under local noise after every moment whose n-qubit layer is HS-contractive (q_n < 1), the noisy cost "
              "differs from the cost of its last ℓ moments run on |0…0⟩ by at most √(2Δ(O)) q^ℓ for every θ: deep "
              "noisy circuits are effectively shallow (here: depth ~ n ln2 / (2 ln(1/q)) + ln(1/ε)/ln(1/q)). "
              "Observable normalisation: any O through Δ(O) = 2^n Σ_{P≠I} ω_P².",
    scope="loss",
    tags=("noise", "deterministic", "depth", "effective-depth"),
)

THEOREMS = (EFFECTIVE_DEPTH,)
