"""Barren plateaus ⇔ cost concentration (Arrasmith, Holmes, Cerezo, Coles 2022).

Setting: a cost ``C(θ) = Σ_i u_i Tr[V(θ) ρ_i V(θ)† O]`` *linear* in the model outputs (a VQA
with one input state, or the linear loss ``(1/N)Σ_i y_i ℓ_i`` of a QML model), where every
trainable parameter ``θ_k`` occurs in exactly one gate, a Pauli rotation
``exp(-i(±θ_k + c_k)P_k/2)`` (any fixed gates in between), and the ``m`` angles are
independent and uniform on ``[0, 2π)``.  Observable normalisation: none is assumed — every
statement relates variances of the same cost ``C``, so any rescaling of ``O`` cancels.

``arrasmith2022.loss_concentration`` (the paper's BP ⇒ cost concentration direction)
    ``max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]`` — an exponentially small gradient variance
    for every parameter, with ``m ∈ poly(n)``, forces an exponentially concentrated cost, and
    conversely.
``arrasmith2022.gradient_from_loss`` (cost concentration ⇒ BP direction)
    ``Var[∂_k C] ≤ Var[C]`` for every ``k``.
``arrasmith2022.loss_difference`` (concentration of cost differences)
    For independent ``θ, θ'``: ``Var[C(θ) − C(θ')] = 2 Var[C]`` (exact) and, by Chebyshev,
    ``Pr[|C(θ) − C(θ')| ≥ δ] ≤ 2 Var[C]/δ²``.

Derivation (bpcalc; why the constants are these).  Under the hypotheses ``C`` is a
trigonometric polynomial of degree ≤ 1 in every ``θ_k``:
``C = Σ_{ω ∈ {−1,0,1}^m} c_ω e^{iω·θ}``.  Parseval over the torus gives
``Var[C] = Σ_{ω≠0} |c_ω|²`` and ``Var[∂_k C] = Σ_{ω_k≠0} |c_ω|²`` (``|ω_k| = 1``), hence
``Σ_k Var[∂_k C] = Σ_ω |supp ω| |c_ω|²``, which lies between ``Var[C]`` and ``m Var[C]``.
Both inequalities are tight: ``m = 1`` gives equality throughout.

Notes
-----
Where the form comes from.  The paper's text was not accessible in this project (the
search corpora hold only its title and citations of it: Quantum Sci. Technol. 7, 045015
(2022)).  The paper proves that barren plateaus (exponentially small ``Var[∂_k C]``), cost
concentration (exponentially small ``Var[C]``) and narrow gorges occur together; its
statements compare ``Var[C]`` (and the variance of cost differences) with the gradient
variances up to factors polynomial in the number of parameters.  The constants registered
here are *derived* in bpcalc by the Parseval identity above (so ``source="derived"``); as
recalled, the paper's own constants are not tighter than these.  Narrow gorges (the width of
the minimum) are not registered: they need the cost's minimum, not a variance.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> t = get_theorem("arrasmith2022.loss_difference")
>>> round(t.bound("tail_probability").evaluate(var_C=1e-6, delta=0.01).value, 6)
0.02

References
----------
.. [1] A. Arrasmith, Z. Holmes, M. Cerezo, P. J. Coles, "Equivalence of quantum barren
   plateaus to cost concentration and narrow gorges", Quantum Sci. Technol. 7, 045015 (2022),
   arXiv:2104.05868 (main theorem; constants derived here, see Notes).
"""

from __future__ import annotations

from typing import Any, Optional

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation

from ..bound import Bound, Citation
from ..assumptions import assumption
from ..registry import Context, Theorem, Verification
from . import _checks

__all__ = ["THEOREMS", "LOSS_CONCENTRATION", "GRADIENT_FROM_LOSS", "LOSS_DIFFERENCE", "check_independent_rotations",
           "cost_moments"]

var_C = sympy.Symbol("var_C", nonnegative=True)
var_dk = sympy.Symbol("var_dk", nonnegative=True)
sum_var_grad = sympy.Symbol("sum_var_grad", nonnegative=True)
max_var_grad = sympy.Symbol("max_var_grad", nonnegative=True)
delta = sympy.Symbol("delta", positive=True)

MAX_AUTO_QUBITS = 10
"""Largest model for which the substitutions compute the moments with the exact engine
themselves (otherwise supply ``extra['gradient_variances']`` / ``extra['loss_variance']``)."""
MAX_AUTO_PARAMETERS = 48

CITATION = Citation(
    authors="Arrasmith, Holmes, Cerezo, Coles",
    title="Equivalence of quantum barren plateaus to cost concentration and narrow gorges",
    arxiv="2104.05868",
    year=2022,
    locator="main theorem (BP ⇔ cost concentration)",
    journal="Quantum Sci. Technol. 7, 045015 (2022)",
    note="paper text not accessible here; the constants are derived in bpcalc (Parseval on the torus) for "
         "independent Pauli-rotation angles and a cost linear in the outputs",
)

_SYMBOLS = {
    "var_C": "Var_θ[C], the variance of the cost (linear in the model outputs) over uniform θ",
    "var_dk": "Var_θ[∂_k C] of the differentiated parameter",
    "sum_var_grad": "Σ_k Var_θ[∂_k C] over all m trainable parameters",
    "max_var_grad": "max_k Var_θ[∂_k C] over all m trainable parameters",
    "delta": "threshold δ > 0 on the cost difference |C(θ) − C(θ')|",
}


def check_independent_rotations(ctx: Context) -> tuple[Optional[bool], str]:
    """Every trainable symbol sits in exactly one gate, a Pauli rotation with angle ±θ_k + c."""
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    seen: dict = {}
    for op in ctx.model.ansatz.all_operations():
        syms = cirq.parameter_symbols(op)
        if not syms:
            continue
        rot = as_pauli_rotation(op)
        if rot is None:
            return False, f"gate {op} holding {sorted(s.name for s in syms)} is not a Pauli rotation exp(-iθP/2)"
        try:
            aff = affine_angle(rot.angle)
        except ValueError as exc:
            return False, f"gate {op}: {exc}"
        if aff.symbol is None:
            continue
        if abs(abs(aff.coefficient) - 1.0) > 1e-12:
            return False, (f"gate {op}: angle {rot.angle} has frequency {abs(aff.coefficient):g}; the constants "
                           "need ±θ_k + c (frequency 1)")
        if aff.symbol in seen:
            return False, f"parameter {aff.symbol} occurs in more than one gate ({seen[aff.symbol]} and {op})"
        seen[aff.symbol] = op
    if not seen:
        return False, "the ansatz has no trainable parameter"
    return True, f"{len(seen)} independent parameters, each in one Pauli rotation of frequency 1"


def check_linear_cost(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    if ctx.model.loss == "linear":
        return True, "the cost is linear in the model outputs (VQA, or linear loss)"
    return False, (f"loss is {ctx.model.loss!r}: a non-linear loss is not a degree-1 trigonometric polynomial "
                   "in each θ_k; the relations hold for linear costs only")


ROTATIONS = assumption("independent_pauli_rotations", check_independent_rotations)
LINEAR = assumption("linear_cost", check_linear_cost)


def _exact_inputs(model: Any) -> tuple[Any, Any]:
    from ..exact import dataset_states

    has_embedding = bool(list(model.embedding.all_operations()))
    states = dataset_states(model) if (has_embedding and model.dataset is not None) else None
    if has_embedding and states is None:
        raise ValueError("the model has an embedding but no dataset")
    weights = None
    if model.loss == "linear" and model.dataset is not None:
        y = np.asarray(model.dataset.y, dtype=float)
        weights = y / len(y)
    return states, weights


def cost_moments(model: Any, *, gradients: bool = True) -> dict[str, Any]:
    """``{"gradient_variances": {name: Var[∂_k C]}, "loss_variance": Var[C]}`` from :mod:`bpcalc.bounds.exact`.

    Same weights as :func:`bpcalc.bounds.analysis.exact_variances` (``y/N`` for a linear loss with
    labels, else the engine's ``1/N``).  ``gradients=False`` computes only ``Var[C]``.

    Raises
    ------
    ValueError : the exact engine refuses the circuit or the exact budget is exceeded.
    """
    from ..exact import exact_gradient_variance, exact_loss_variance

    states, weights = _exact_inputs(model)
    kw = dict(weights=weights, method="exact", max_terms=2**15, qubits=tuple(model.qubits))
    out: dict[str, Any] = {"loss_variance": float(exact_loss_variance(model.ansatz, model.observable, states,
                                                                      **kw).value)}
    if gradients:
        g = exact_gradient_variance(model.ansatz, model.observable, states, "all", **kw)
        out["gradient_variances"] = {p.name: float(x) for p, x in zip(g.parameters, g.values)}
    return out


def _substitutions(ctx: Context) -> dict[str, Any]:
    """Numbers from ``ctx.extra`` (``gradient_variances``: name -> Var[∂_k C]; ``loss_variance``), else exact.

    The exact engine is run here only for a model-level context (``parameter=None``) of a
    small model (``n <= MAX_AUTO_QUBITS``, ``m <= MAX_AUTO_PARAMETERS``) with a linear loss:
    per-parameter contexts (e.g. :func:`bpcalc.bounds.analysis.analyze`'s loop) would repeat the same
    model-level computation for every parameter, so they need ``extra['loss_variance']`` /
    ``extra['gradient_variances']``.
    """
    grads = ctx.extra.get("gradient_variances")
    loss = ctx.extra.get("loss_variance")
    model = ctx.model
    small = (model is not None and model.loss == "linear" and model.n_qubits <= MAX_AUTO_QUBITS
             and len(model.trainable_symbols) <= MAX_AUTO_PARAMETERS)
    want_grads = grads is None
    if small and ctx.parameter is None and (loss is None or want_grads):
        try:
            found = cost_moments(model, gradients=want_grads)
        except (ValueError, TypeError, NotImplementedError, MemoryError):
            found = {}
        loss = found.get("loss_variance") if loss is None else loss
        grads = found.get("gradient_variances") if grads is None else grads
    out: dict[str, Any] = {}
    if loss is not None:
        out["var_C"] = float(loss)
    if grads:
        g = {str(k): float(v) for k, v in dict(grads).items()}
        out["sum_var_grad"] = float(sum(g.values()))
        out["max_var_grad"] = float(max(g.values()))
        if ctx.parameter is not None and ctx.parameter.name in g:
            out["var_dk"] = g[ctx.parameter.name]
    return out


_QC = r"\operatorname{Var}_{\theta}[C]"
_LATEX = {"var_C": r"\operatorname{Var}[C]", "var_dk": r"\operatorname{Var}[\partial_k C]",
          "sum_var_grad": r"\sum_k \operatorname{Var}[\partial_k C]",
          "max_var_grad": r"\max_k \operatorname{Var}[\partial_k C]", "delta": r"\delta"}

_TESTS = "tests/bounds/theorems/test_arrasmith2022.py"
_NOTE = ("Derived in bpcalc (Parseval on the torus; the paper's text was not accessible). Check: exact Pauli-path "
         "values (exact_gradient_variance / exact_loss_variance) on random Clifford+rotation circuits of 2-5 "
         "qubits and on a 3-qubit linear-loss QML model, compared with brute-force statevector averages over the "
         "exact 3-point angle grid (tests/bounds/exact/exact_brute.py); the inequalities are tight for m = 1 and "
         "fail on purpose for a frequency-2 parameter (exp(-iθP)), which the assumption check refuses.")

LOSS_CONCENTRATION = Theorem(
    key="arrasmith2022.loss_concentration",
    title="Barren plateau ⇔ cost concentration: max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]",
    citation=CITATION,
    bounds=(
        Bound("from_gradients", "upper", sum_var_grad, _QC, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="BP ⇒ cost concentration: with m ∈ poly(n) parameters, exponentially small gradient "
                    "variances force an exponentially small Var[C]."),
        Bound("from_max_gradient", "lower", max_var_grad, _QC, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="cost concentration ⇒ BP: an exponentially small Var[C] forces every Var[∂_k C] to be small."),
    ),
    assumptions=(ROTATIONS, LINEAR),
    substitutions=_substitutions,
    verification=Verification("verified", f"{_TESTS}::test_loss_concentration_exact_engines, "
                              f"{_TESTS}::test_against_brute_force_grid, {_TESTS}::test_tight_for_one_parameter",
                              _NOTE, source="derived"),
    statement="For a cost linear in the outputs and m independent uniform Pauli-rotation angles (frequency 1): "
              "max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]. A barren plateau (every Var[∂_k C] exponentially "
              "small, m ∈ poly(n)) is equivalent to exponential cost concentration. Observable normalisation: "
              "none assumed (both sides scale alike).",
    scope="loss",
    tags=("concentration", "loss", "equivalence"),
)

GRADIENT_FROM_LOSS = Theorem(
    key="arrasmith2022.gradient_from_loss",
    title="Cost concentration ⇒ barren plateau: Var[∂_k C] ≤ Var[C]",
    citation=CITATION,
    bounds=(
        Bound("variance", "upper", var_C, r"\operatorname{Var}_{\theta}[\partial_k C]", _SYMBOLS,
              citation=CITATION, latex_names=_LATEX,
              notes="For a frequency-f parameter the factor is f²; the registered form needs f = 1."),
    ),
    assumptions=(ROTATIONS, LINEAR),
    substitutions=_substitutions,
    verification=Verification("verified", f"{_TESTS}::test_loss_concentration_exact_engines, "
                              f"{_TESTS}::test_frequency_two_breaks_the_constant", _NOTE, source="derived"),
    statement="Under the same hypotheses, Var[∂_k C] ≤ Var[C] for every k. Observable normalisation: none assumed.",
    scope="loss",
    tags=("concentration", "equivalence"),
)

LOSS_DIFFERENCE = Theorem(
    key="arrasmith2022.loss_difference",
    title="Concentration of cost differences: Var[C(θ) − C(θ')] = 2 Var[C], Pr[|ΔC| ≥ δ] ≤ 2 Var[C]/δ²",
    citation=CITATION,
    bounds=(
        Bound("difference_variance", "exact", 2 * var_C, r"\operatorname{Var}_{\theta,\theta'}[C(\theta) - C(\theta')]",
              _SYMBOLS, citation=CITATION, latex_names=_LATEX),
        Bound("tail_probability", "upper", 2 * var_C / delta**2,
              r"\Pr_{\theta,\theta'}[|C(\theta) - C(\theta')| \ge \delta]", _SYMBOLS, citation=CITATION,
              latex_names=_LATEX, notes="Chebyshev; give values['delta']."),
        Bound("tail_from_gradients", "upper", 2 * sum_var_grad / delta**2,
              r"\Pr_{\theta,\theta'}[|C(\theta) - C(\theta')| \ge \delta]", _SYMBOLS, (ROTATIONS,), CITATION,
              notes="Chebyshev with Var[C] ≤ Σ_k Var[∂_k C]: gradient variances alone bound "
                    "how often two random points differ by δ.", latex_names=_LATEX),
    ),
    assumptions=(LINEAR,),
    substitutions=_substitutions,
    verification=Verification("verified", f"{_TESTS}::test_loss_difference_sampled",
                              "Derived (independence + Chebyshev). Check: 4000 independent pairs (θ, θ') on a "
                              "3-qubit random Clifford+rotation circuit (seed 11, cirq statevector), the sample mean "
                              "of (C(θ) − C(θ'))² within its 99.9 % normal interval of 2 Var[C] (exact engine); "
                              "empirical tail frequency below the Chebyshev bound.", source="derived"),
    statement="For independent uniform θ, θ': Var[C(θ) − C(θ')] = 2 Var[C], so Pr[|C(θ) − C(θ')| ≥ δ] ≤ 2 Var[C]/δ² "
              "≤ 2 Σ_k Var[∂_k C]/δ²: under a barren plateau two random points have exponentially close costs. "
              "Observable normalisation: none assumed.",
    scope="loss",
    tags=("concentration", "loss"),
)

THEOREMS = (LOSS_CONCENTRATION, GRADIENT_FROM_LOSS, LOSS_DIFFERENCE)
