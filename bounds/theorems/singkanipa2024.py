"""Noise-induced barren plateaus beyond unital noise (Singkanipa & Lidar 2024; Schumann et al. 2023).

Setting: ``model.circuit`` (``M`` moments, input ``|0…0⟩``) with a single-qubit channel ``N``
on every qubit after every moment (``cirq.Circuit.with_noise(N)``; declared as
``extra["noise"]``, the convention of ``bounds.exact`` ``noise=`` and ``bpcalc exact --noise``);
noisy cost ``C̃(θ) = Tr[O Φ_θ(|0…0⟩⟨0…0|)]``; θ_k in Pauli rotations ``exp(-i(cθ_k + d)P/2)``
(``g_k = Σ|c|/2``), the last of them in moment ``i_k``, so that ``b_k = M − i_k`` noise layers follow
it.  ``q = q_n(N^{⊗n})`` is the Hilbert–Schmidt contraction coefficient of one noise layer on
traceless operators (:func:`.noise_layers.hs_contraction`, exact); ``Δ(O) = Tr O² − (Tr O)²/d``.

``singkanipa2024.unital_noise`` (unital ``N``, ``q < 1``)::

    |∂_k C̃(θ)| ≤ 2 g_k √Δ(O) √(1 − 2^{-n}) q^M   for every θ,

so ``Var_θ[∂_k C̃] ≤`` its square: a noise-induced barren plateau once ``M ≳ n ln 2 / (2 ln(1/q))``,
for every parameter (the exponent ``M`` does not depend on where θ_k sits).

``singkanipa2024.unital_cost_concentration`` (unital ``N``, ``q < 1``)::

    |C̃(θ) − Tr[O]/2^n| ≤ √Δ(O) √(1 − 2^{-n}) q^M   for every θ

(the noise-induced limit set of unital noise is the single point ``Tr[O]/2^n``).

``singkanipa2024.hs_contractive_noise`` (any CPTP ``N`` with ``q_n < 1``)::

    |∂_k C̃(θ)| ≤ 2 g_k √Δ(O) √(1 − 2^{-n}) q^{b_k}   for every θ.

Only the layers *after* θ_k contract: parameters early in the circuit lose their gradient, the
last layers keep theirs (no barren plateau is implied for them; for amplitude damping compare
Mele et al.'s absence of barren plateaus for local costs under non-unital noise).

Derivation (bpcalc).  ``∂_k C̃ = Σ_gates Tr[O Φ_after(K)]`` with ``K = −i(c/2)[P, σ]``, ``σ`` the
state at the gate.  ``K`` is traceless, every noise layer maps traceless operators to traceless
operators with ``‖Φ(K)‖₂ ≤ q ‖K‖₂`` and unitaries keep ``‖·‖₂``, so
``|Tr[O Φ_after(K)]| = |Tr[Ô Φ_after(K)]| ≤ √Δ(O) q^{b} ‖K‖₂``; ``‖[P, σ]‖₂ = ‖[P, σ − 1/d]‖₂ ≤
2‖σ − 1/d‖₂ ≤ 2√(1 − 1/d)``.  For unital noise ``σ − 1/d`` itself is the image of the traceless
``|0⟩⟨0| − 1/d`` under the ``i`` earlier noise layers: ``‖σ − 1/d‖₂ ≤ q^i √(1 − 1/d)``, and
``i + b = M``.

Notes
-----
Where the form comes from.  The abstracts of arXiv:2402.08721 (v1-v6) and of arXiv:2310.08405
(Schumann, Wilhelm, Ciani, "Emergence of noise-induced barren plateaus in arbitrary layered
noise models") were read in this project's page corpus; their theorems' text was not.  Both
papers establish noise-induced barren plateaus for unital layers and, for non-unital maps, for
the class Singkanipa & Lidar call HS-contractive (which, per their abstract, "includes amplitude
damping"); the forms registered here are *derived* in bpcalc in that setting (``source="derived"``).
Finding: for the *n-qubit* layer ``N^{⊗n}`` of local amplitude damping the HS contraction
coefficient grows with ``n`` and exceeds 1 (``γ = 0.1``: 0.949, 0.970, 0.991, 1.013 for
n = 1..4; ``γ = 0.5``: 0.707, 0.809, 0.926, 1.059): local amplitude damping is HS-contractive
only on few qubits, and the registered theorem refuses when ``q_n ≥ 1``.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> b = get_theorem("singkanipa2024.unital_noise").bound("gradient_magnitude")
>>> round(b.evaluate(n=1, M=2, q=0.9, g_k=0.5, Delta_O=2.0).value, 6)   # one qubit, O = Z
0.81

References
----------
.. [1] P. Singkanipa, D. A. Lidar, "Beyond unital noise in variational quantum algorithms:
   noise-induced barren plateaus and limit sets", Quantum 9, 1617 (2025), arXiv:2402.08721
   (v6; earlier versions titled "... and fixed points").
.. [2] M. Schumann, F. K. Wilhelm, A. Ciani, "Emergence of noise-induced barren plateaus in
   arbitrary layered noise models", arXiv:2310.08405 (v3).
"""

from __future__ import annotations

from typing import Any, Optional

import sympy

from ..assumptions import assumption
from ..bound import AssumptionFailed, Bound, Citation, sym
from ..registry import Context, Theorem, Verification
from . import _checks
from .noise_layers import declared_noise, hs_contraction, is_unital, moment_of_parameter, noise_moments
from . import wang2021
from .wang2021 import generator_norm

__all__ = ["THEOREMS", "UNITAL", "HS_CONTRACTIVE", "COST_CONCENTRATION", "noise_inputs"]

n, q, Delta_O = sym("n"), sym("q"), sym("Delta_O")
M = sympy.Symbol("M", positive=True, integer=True)
g_k = sympy.Symbol("g_k", nonnegative=True)
b_k = sympy.Symbol("b_k", nonnegative=True, integer=True)

CITATION = Citation(
    authors="Singkanipa, Lidar",
    title="Beyond unital noise in variational quantum algorithms: noise-induced barren plateaus and limit sets",
    arxiv="2402.08721",
    year=2024,
    locator="NIBP theorems for unital and HS-contractive non-unital maps (theorem numbers not read; arXiv v6)",
    journal="Quantum 9, 1617 (2025)",
    note="only the abstract was accessible; the Hilbert-Schmidt forms are derived in bpcalc in the paper's setting "
         "(see also Schumann, Wilhelm, Ciani, arXiv:2310.08405v3, arbitrary layered CPTP noise)",
)

_SYMBOLS = {
    "g_k": "Σ |c|/2 over the gates exp(-i(c θ_k + d)P/2) holding θ_k (1/2 for one rx/ry/rz)",
    "Delta_O": "Δ(O) = Tr O² − (Tr O)²/2^n = 2^n Σ_{P≠I} ω_P², the squared HS norm of O's traceless part",
    "M": "the number of moments of model.circuit = number of noise layers (noise after every moment)",
    "q": "HS contraction coefficient of one noise layer N^{⊗n} on traceless operators (exact, from the channel)",
    "b_k": "noise layers after θ_k: M minus the index of the last moment holding θ_k",
}
_LATEX = {"g_k": "g_k", "b_k": "b_k", "M": "M"}


def noise_inputs(ctx: Context) -> dict[str, Any]:
    """``{"n", "M", "q", "unital"}`` of the declared noise on ``ctx.model`` (AssumptionFailed if not usable)."""
    model = ctx.model
    noise = declared_noise(ctx)
    if noise is None:
        raise AssumptionFailed("no noise channel declared (extra['noise'])")
    if list(model.embedding.all_operations()):
        raise AssumptionFailed("the model has an embedding: the noise theorems take the input |0…0⟩ and noise after "
                               "every moment of the ansatz (the exact engines prepare embedded states without noise)")
    return {"n": model.n_qubits, "M": noise_moments(model.circuit, model.qubits),
            "q": hs_contraction(noise, model.n_qubits), "unital": is_unital(noise)}


def _check_noise(unital: bool):
    def check(ctx: Context) -> tuple[Optional[bool], str]:
        missing = _checks.need_model(ctx)
        if missing:
            return missing
        if ctx.extra.get("noise") is None:
            return None, ("no noise declared: give extra['noise'] = a single-qubit cirq channel acting on every "
                          "qubit after every moment (e.g. cirq.depolarize(0.01))")
        try:
            info = noise_inputs(ctx)
        except AssumptionFailed as exc:
            return False, str(exc)
        if unital and not info["unital"]:
            return False, f"{ctx.extra['noise']} is not unital (N(1) ≠ 1); use singkanipa2024.hs_contractive_noise"
        if not info["q"] < 1:
            return False, (f"{ctx.extra['noise']} on {info['n']} qubits is not HS-contractive: q_n = {info['q']:.6g} "
                           ">= 1 (the HS norm of traceless operators is not reduced by a noise layer)")
        return True, (f"{ctx.extra['noise']} after each of the {info['M']} moments, "
                      f"{'unital' if info['unital'] else 'non-unital'}, HS contraction q_{info['n']} = {info['q']:.6g}")
    return check


ROTATIONS = wang2021.ROTATIONS   # one check per assumption key (bounds.assumptions)
UNITAL_NOISE = assumption("unital_hs_contractive_noise", _check_noise(True))
HS_NOISE = assumption("hs_contractive_noise", _check_noise(False))


def _substitutions(ctx: Context) -> dict[str, Any]:
    model = ctx.model
    if model is None:
        return {}
    info = noise_inputs(ctx)
    out = {"n": info["n"], "M": info["M"], "q": info["q"], "Delta_O": _checks.pauli_delta(model.observable, info["n"])}
    if ctx.parameter is not None:
        out["g_k"] = generator_norm(model.circuit, ctx.parameter)
        out["b_k"] = info["M"] - max(moment_of_parameter(model.circuit, ctx.parameter))
    return out


_F_UNITAL = 2 * g_k * sympy.sqrt(Delta_O) * sympy.sqrt(1 - 2**-n) * q**M
_F_HS = 2 * g_k * sympy.sqrt(Delta_O) * sympy.sqrt(1 - 2**-n) * q**b_k
_MAG = r"|\partial_k \tilde{C}(\theta)| \ \forall\theta"
_VAR = r"\operatorname{Var}_{\theta}[\partial_k \tilde{C}]"
_TESTS = "tests/bounds/theorems/test_singkanipa2024.py"

UNITAL = Theorem(
    key="singkanipa2024.unital_noise",
    title="Unital noise: |∂_k C̃| ≤ 2 g_k √Δ(O) √(1 − 2^-n) q^M for every θ (Hilbert–Schmidt form)",
    citation=CITATION,
    bounds=(
        Bound("gradient_magnitude", "upper", _F_UNITAL, _MAG, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="For every θ; M = noise layers (moments). The state side contracts by q per layer before θ_k, "
                    "the operator side per layer after it."),
        Bound("variance", "upper", _F_UNITAL**2, _VAR, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="Var ≤ E[(∂C̃)²] ≤ F²."),
    ),
    assumptions=(ROTATIONS, UNITAL_NOISE),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        f"{_TESTS}::test_unital_bound_against_density_matrices, {_TESTS}::test_hs_contraction_against_dense_matrices, "
        f"{_TESTS}::test_unital_bound_tight_for_one_qubit",
        "Derived in bpcalc (abstract-level source). Check: cirq.DensityMatrixSimulator on the noisy circuit "
        "(with_noise), parameter-shift derivatives on a grid of θ: max|∂C̃| <= F for depolarizing and asymmetric "
        "Pauli noise on 1-3 qubits; exact Var (pauli_paths engine with noise=) <= F²; one RY on one qubit with "
        "O = Z reaches F (tight). q_n compared with the dense 4^n × 4^n transfer matrix for n = 1..4.",
        source="derived",
    ),
    statement="Under a unital single-qubit channel after every moment on every qubit (HS contraction q < 1), "
              "|∂_k C̃(θ)| ≤ 2 g_k √Δ(O) √(1 − 2^{-n}) q^M for every θ and every parameter, M the number of moments. "
              "Observable normalisation: any O through Δ(O) = 2^n Σ_{P≠I} ω_P² (O → cO scales the bound by |c|).",
    scope="parameter",
    tags=("noise", "deterministic", "depth", "unital"),
)

HS_CONTRACTIVE = Theorem(
    key="singkanipa2024.hs_contractive_noise",
    title="HS-contractive (possibly non-unital) noise: |∂_k C̃| ≤ 2 g_k √Δ(O) √(1 − 2^-n) q^{b_k}",
    citation=CITATION,
    bounds=(
        Bound("gradient_magnitude", "upper", _F_HS, _MAG, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="For every θ; only the b_k noise layers after θ_k contract (non-unital noise does not drive the "
                    "state to 1/d)."),
        Bound("variance", "upper", _F_HS**2, _VAR, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="Var ≤ E[(∂C̃)²] ≤ F²."),
    ),
    assumptions=(ROTATIONS, HS_NOISE),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        f"{_TESTS}::test_hs_bound_against_density_matrices, {_TESTS}::test_hs_contraction_against_dense_matrices, "
        f"{_TESTS}::test_amplitude_damping_not_hs_contractive_on_many_qubits",
        "Derived in bpcalc (abstract-level source). Check: density-matrix simulation with amplitude damping and "
        "generalized amplitude damping after every moment, 1-3 qubits, parameters early and late: max|∂C̃| <= F; "
        "exact Var (pauli_paths engine with noise=) <= F². Finding: local amplitude damping is HS-contractive only "
        "on few qubits (q_n > 1 from n = 4 at γ = 0.1), refused beyond.",
        source="derived",
    ),
    statement="Under any single-qubit channel after every moment whose n-qubit layer is HS-contractive (q_n < 1), "
              "|∂_k C̃(θ)| ≤ 2 g_k √Δ(O) √(1 − 2^{-n}) q^{b_k} for every θ, b_k the noise layers after θ_k: early "
              "parameters lose their gradients, the last layers need not. Observable normalisation: any O through "
              "Δ(O).",
    scope="parameter",
    tags=("noise", "deterministic", "depth", "non-unital"),
)

COST_CONCENTRATION = Theorem(
    key="singkanipa2024.unital_cost_concentration",
    title="Unital noise: the noisy cost concentrates at Tr[O]/2^n, |C̃(θ) − Tr[O]/2^n| ≤ √Δ(O) √(1 − 2^-n) q^M",
    citation=CITATION,
    bounds=(
        Bound("cost_deviation", "upper", sympy.sqrt(Delta_O) * sympy.sqrt(1 - 2**-n) * q**M,
              r"|\tilde{C}(\theta) - \operatorname{Tr}[O]/2^{n}| \ \forall\theta",
              {k: v for k, v in _SYMBOLS.items() if k in ("Delta_O", "M", "q")}, citation=CITATION, latex_names=_LATEX,
              notes="The noise-induced limit set of unital noise is the single value Tr[O]/2^n, reached exponentially "
                    "in the number of noise layers."),
    ),
    assumptions=(UNITAL_NOISE,),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        f"{_TESTS}::test_cost_concentration_against_density_matrices, "
        "tests/soundness/test_theorems.py::test_theorems_hold_on_noisy_circuits",
        "Derived in bpcalc: C̃ − Tr[O]/d = Tr[Ô (σ − 1/d)] and ‖σ − 1/d‖₂ <= q^M √(1 − 1/d) (M unital noise layers "
        "acting on the traceless |0⟩⟨0| − 1/d). Check: density-matrix simulation on a grid of θ (depolarizing, "
        "asymmetric Pauli noise, 1-3 qubits); one qubit, O = Z, no rotation away from |0⟩: equality.",
        source="derived",
    ),
    statement="Under a unital single-qubit channel after every moment (HS contraction q < 1) the noisy cost satisfies "
              "|C̃(θ) − Tr[O]/2^n| ≤ √Δ(O) √(1 − 2^{-n}) q^M for every θ: the landscape flattens onto the "
              "maximally-mixed value (the noise-induced limit set of unital noise is a point). Observable "
              "normalisation: any O through Δ(O).",
    scope="loss",
    tags=("noise", "deterministic", "depth", "unital", "concentration"),
)

THEOREMS = (UNITAL, HS_CONTRACTIVE, COST_CONCENTRATION)
