"""The seed paper: Thanasilp, Wang, Nghiem, Coles, Cerezo, arXiv:2110.14753.

*Subtleties in the trainability of quantum machine learning models*, Quantum Mach. Intell.
5, 21 (2023).  Notation: data states ``ρ_i = U(x_i)|0⟩⟨0|U(x_i)†``, model outputs
``ℓ_i(θ) = Tr[V(θ)ρ_iV(θ)†O]``, loss ``L = (1/N) Σ_i f(ℓ_i, y_i)``; ``θ`` uniform.

Registered theorems
-------------------
``thanasilp2021.qml_from_vqa``  (the paper's Theorem 1, VQA ⇒ QML)
    ``Var[∂_k L] ≤ ( (1/N) Σ_i g_i · sqrt(Var[∂_k ℓ_i] + E[∂_k ℓ_i]²) )²`` with
    ``g_i = max|∂f/∂ℓ_i|`` (the tighter Minkowski form, proven here: ``Var[X] ≤ E[X²]`` and
    Minkowski's inequality in ``L²(θ)``) and the paper's form with ``√2·g_i`` (a factor 2
    looser, hence also valid).  MSE: ``g_i = 2(‖O‖_∞ + |y_i|)``; NLL with ``p_{y_i} = ℓ_i``
    (or ``1 − ℓ_i``) and ``p ≥ p_min``: ``g_i = 1/p_min``; linear loss ``f = y ℓ``: ``g_i = |y_i|``.
``thanasilp2021.tensor_product_variance``  (dataset-induced barren plateau, per data point)
    One layer of ``s``-qubit blocks, both sides of θ_k's gate local 2-designs:
    ``Var[∂_k ℓ_i] = 2^{2s−1}/(2^{2s}−1)² · Δ(O_h) · D_HS(ρ_i^{(h)}, 1/2^s)``, and for the
    local cost in the *projector* normalisation ``O_L = (1/n)Σ_j|0⟩⟨0|_j`` (bound ``local_cost``):
    ``= r_{n,s} · D_HS``, ``r_{n,s} = s·2^{3(s−1)} / (n²(2^{2s}−1)²)``.  In the *Pauli-Z*
    normalisation ``O = (1/n)Σ_j Z_j`` (bound ``local_cost_z``) the coefficients double, so
    ``Δ(O_h)`` and the variance are **4×** larger: ``4 r_{n,s} · D_HS``.
``thanasilp2021.tensor_product_cross_terms``
    ``E[∂_k ℓ_i ∂_k ℓ_j] = 2^{2s−1}/(2^{2s}−1)² · Δ(O_h) · (Tr[ρ_i^{(h)}ρ_j^{(h)}] − 2^{−s})``.
``thanasilp2021.tensor_product_linear_loss``
    Linear loss: ``Var[∂_k L] = 2^{2s−1}/(2^{2s}−1)² · Δ(O_h) · Δ(ρ̄_y^{(h)})`` (exact) with
    ``ρ̄_y = (1/N)Σ_i y_i ρ_i^{(h)}`` and ``Δ(M) = Tr M² − (Tr M)²/2^s`` — the cross terms summed.
``thanasilp2021.tensor_product_mse_nll``
    MSE / NLL: ``Var[∂_k L] ≤ κ_s Δ(O_h) ((1/N)Σ_i g_i sqrt(D_HS(ρ_i^{(h)}, 1/2^s)))²`` (Theorem 1
    with the exact per-point variances), Minkowski and paper forms.
``thanasilp2021.data_expressibility``
    Haar-random (2-design) embedded states: ``E_x[D_HS(ρ_x^{(S)}, 1/2^s)] = (2^s − 2^{−s})/(2^n + 1)``;
    a product (tensor-product) embedding: ``D_HS = 1 − 2^{−s}`` for every data point.

Theorem numbering
-----------------
"Theorem 1" is the paper's VQA ⇒ QML result.  The numbering of the tensor-product result and
of the Haar-embedding statement is given as "Theorem 2" / "Corollary" from the arXiv version
as recalled; it could not be checked against the text in this environment (no access to the
paper body), so the citations say "see Sec. on dataset-induced barren plateaus".  Every
formula is derived and verified numerically in ``tests/bounds/test_thanasilp2021.py``.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> t = get_theorem("thanasilp2021.tensor_product_variance")
>>> print(t.bound("local_cost").latex(citation=False))
\\operatorname{Var}_{\\theta}[\\partial_k \\ell_i] = \\frac{2^{3 s - 3} D_{\\mathrm{HS}} s}{n^{2} \\left(2^{2 s} - 1\\right)^{2}}
>>> t.bound("haar_data").asymptotics(s=2).describe()
'exponentially vanishing: Θ(n^-2 · 2^-n)'

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", Quantum Mach. Intell. 5, 21 (2023),
   arXiv:2110.14753.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import sympy

from ..bound import AssumptionFailed, Bound, Citation, idx, sym
from ..assumptions import assumption
from ..registry import Context, Theorem, Verification
from . import _checks

__all__ = [
    "THEOREMS",
    "QML_FROM_VQA",
    "TENSOR_PRODUCT_VARIANCE",
    "TENSOR_PRODUCT_CROSS_TERMS",
    "TENSOR_PRODUCT_LINEAR_LOSS",
    "TENSOR_PRODUCT_MSE_NLL",
    "DATA_EXPRESSIBILITY",
    "kappa",
    "r_ns",
    "r_ns_z",
]

n, s, N = sym("n"), sym("s"), sym("N")
D_HS, O_norm, p_min = sym("D_HS"), sym("O_norm"), sym("p_min")
i = idx("i")
var_dl, mean_dl = sympy.IndexedBase("var_dl"), sympy.IndexedBase("mean_dl")
y, D = sympy.IndexedBase("y"), sympy.IndexedBase("D")
Delta_Oh = sympy.Symbol("Delta_Oh", nonnegative=True)
Delta_rho_y = sympy.Symbol("Delta_rho_y", nonnegative=True)
overlap = sympy.Symbol("overlap", nonnegative=True)

kappa = 2 ** (2 * s - 1) / (2 ** (2 * s) - 1) ** 2
"""``κ_s = 2^{2s−1}/(2^{2s}−1)²`` (sympy expression in ``s``)."""
r_ns = s * 2 ** (3 * (s - 1)) / (n**2 * (2 ** (2 * s) - 1) ** 2)
"""``r_{n,s} = s·2^{3(s−1)}/(n²(2^{2s}−1)²) = κ_s · Δ(O_h)`` for ``O_L = (1/n)Σ_j|0⟩⟨0|_j``
(projector normalisation: ``Δ(O_h) = s·2^s/(4n²)``)."""
r_ns_z = 4 * r_ns
"""``4 r_{n,s} = κ_s · Δ(O_h)`` for ``O = (1/n)Σ_j Z_j`` (Pauli-Z normalisation: ``Δ(O_h) = s·2^s/n²``)."""

_SYMBOLS = {
    "var_dl": "Var_θ[∂_k ℓ_i], per data point i",
    "mean_dl": "E_θ[∂_k ℓ_i], per data point i",
    "y": "label y_i, per data point i",
    "D": "D_HS(ρ_i^(h), 1/2^s) of data point i on θ_k's block",
    "Delta_Oh": "Δ(O_h) = Tr O_h² − (Tr O_h)²/2^s for the observable terms inside θ_k's block",
    "Delta_rho_y": "Δ(ρ̄_y) with ρ̄_y = (1/N) Σ_i y_i ρ_i^(h) (label-weighted mean reduced data state)",
    "overlap": "Tr[ρ_i^(h) ρ_j^(h)] for two data points i ≠ j",
    "D_HS": "D_HS(ρ^(h), 1/2^s) = Tr(ρ^(h))² − 2^-s of the data state on θ_k's block",
}

PAPER = "2110.14753"
_AUTH = "Thanasilp, Wang, Nghiem, Coles, Cerezo"
_TITLE = "Subtleties in the trainability of quantum machine learning models"
_JOURNAL = "Quantum Mach. Intell. 5, 21 (2023)"


def _cite(locator: str, note: str = "") -> Citation:
    return Citation(authors=_AUTH, title=_TITLE, arxiv=PAPER, year=2021, locator=locator, journal=_JOURNAL, note=note)


THM1 = _cite("Theorem 1")
DIBP = _cite("Sec. 'Dataset-induced barren plateaus'",
             note="stated there as a theorem (Theorem 2 as recalled; number not checked against the text); "
                  "formula derived and verified in bpcalc")
CROSS = _cite("Sec. 'Dataset-induced barren plateaus'",
              note="cross terms derived in bpcalc from the 2-design average, verified numerically")
HAAR = _cite("Sec. 'Dataset-induced barren plateaus' (Haar-random embedding)",
             note="numbering not checked against the text; identity derived and verified in bpcalc")


# ----------------------------------------------------------------------------- checks


def _per_datapoint(ctx: Context) -> tuple[Optional[bool], str]:
    have = ("var_dl" in ctx.values) or ("per_datapoint" in ctx.extra)
    if have:
        return True, "per-datapoint gradient moments supplied"
    return None, ("per-datapoint Var[∂ℓ_i], E[∂ℓ_i] not available (supply extra['per_datapoint'] from an "
                  "exact engine or values['var_dl'])")


def _p_min_known(ctx: Context) -> tuple[Optional[bool], str]:
    if "p_min" in ctx.values:
        p = float(ctx.values["p_min"])
        if 0 < p <= 1:
            return True, f"p_min = {p:g} given"
        return False, f"p_min = {p!r} is not in (0, 1]"
    return None, "NLL needs a lower bound p_min > 0 on the label probabilities (values['p_min'])"


def _product_embedding(ctx: Context) -> tuple[Optional[bool], str]:
    if ctx.model is None:
        return None, "no model given"
    ops = list(ctx.model.embedding.all_operations())
    if not ops:
        return False, "no embedding"
    multi = [op for op in ops if len(op.qubits) > 1]
    if multi:
        return False, f"the embedding has entangling gates (e.g. {multi[0]})"
    return True, "the embedding is a product of single-qubit gates: pure product data states"


LOSS_MSE = assumption("loss_mse", _checks.check_loss("mse"))
LOSS_NLL = assumption("loss_nll", _checks.check_loss("nll"))
LOSS_LINEAR = assumption("loss_linear", _checks.check_loss("linear"))
P_MIN = assumption("p_min_positive", _p_min_known)
PER_POINT = assumption("per_datapoint_moments", _per_datapoint)
TP_STRUCTURE = assumption("tensor_product_ansatz", _checks.check_tensor_product_structure)
IN_BLOCK = assumption("parameter_in_block", _checks.check_parameter_in_block)
SINGLE_ROTATION = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)
BLOCK_DESIGNS = assumption("block_sides_two_designs", _checks.check_block_sides_two_designs)
OBS_BLOCK_LOCAL = assumption("observable_block_local", _checks.check_observable_block_local)
LOCAL_COST = assumption("local_projector_cost", _checks.check_local_cost_form)
LOCAL_COST_Z = assumption("local_cost_z", _checks.check_local_cost_z_form)
HAAR_EMBEDDING = assumption("embedding_two_design", _checks.check_embedding_two_design)
PRODUCT_EMBEDDING = assumption("product_embedding", _product_embedding)

_TP_COMMON = (TP_STRUCTURE, IN_BLOCK, SINGLE_ROTATION, BLOCK_DESIGNS, OBS_BLOCK_LOCAL)


# ----------------------------------------------------------------------------- numbers


def _model_numbers(ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    model = ctx.model
    if model is None:
        return out
    out["n"] = model.n_qubits
    out["O_norm"] = _checks.observable_norm_bound(model.observable)
    if model.dataset is not None:
        out["N"] = model.dataset.n_samples
        out["y"] = [float(v) for v in model.dataset.y]
    return out


def _theorem1_numbers(ctx: Context) -> dict[str, Any]:
    out = _model_numbers(ctx)
    per = ctx.extra.get("per_datapoint")
    if per is not None:
        out["var_dl"] = list(per["var_dl"])
        out["mean_dl"] = list(per.get("mean_dl", [0.0] * len(per["var_dl"])))
        out.setdefault("N", len(out["var_dl"]))
    return out


def _block_measures(ctx: Context):
    from ..measures import measures as compute_measures

    b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        raise AssumptionFailed(f"{ctx.parameter} is in no block")
    index = {q: j for j, q in enumerate(ctx.model.qubits)}
    key = tuple(sorted(index[q] for q in b.qubits))
    m = ctx.measures
    if m is None:
        m = compute_measures(ctx.model, ensemble=False)
    return b, m.subsystem(key)


def _tensor_numbers(ctx: Context) -> dict[str, Any]:
    out = _model_numbers(ctx)
    if ctx.model is None or ctx.parameter is None:
        return out
    b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        return out
    out["s"] = b.size
    out["Delta_Oh"] = _checks.block_observable_delta(ctx)
    if ctx.model.dataset is not None:
        _, sub = _block_measures(ctx)
        out["D_HS"] = sub.d_hs_mean
        out["D"] = [float(v) for v in sub.d_hs]
        out["Delta_rho_y"] = sub.label_weighted_delta
        nd = len(sub.d_hs)
        if nd >= 2:
            tr_mean_sq = sub.mean_state_delta + 2.0**-b.size  # Tr ρ̄²
            out["overlap"] = float((nd**2 * tr_mean_sq - np.sum(sub.purity)) / (nd * (nd - 1)))
    return out


def _expressibility_numbers(ctx: Context) -> dict[str, Any]:
    if ctx.model is None:
        return {}
    out: dict[str, Any] = {"n": ctx.model.n_qubits}
    b = None
    if ctx.parameter is not None:
        b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        blocks = _checks.tensor_product_blocks(ctx.model)
        b = blocks[0] if blocks else None
    if b is not None:
        out["s"] = b.size
    return out


# ----------------------------------------------------------------------------- theorems
_LATEX = {
    "var_dl": r"\operatorname{Var}[\partial_k \ell]",
    "mean_dl": r"\mathbb{E}[\partial_k \ell]",
    "D": r"D_{\mathrm{HS}}",
    "Delta_Oh": r"\Delta(O_h)",
    "Delta_rho_y": r"\Delta(\bar{\rho}_y)",
    "overlap": r"\operatorname{Tr}[\rho_i^{(h)}\rho_j^{(h)}]",
}


_TILES = ((sympy.Eq(sympy.Mod(n, s), 0), "the tensor-product QNN's blocks of s qubits tile the n qubits: s divides n"),)
_DOMAINS = {"var_dl": "nonnegative", "mean_dl": "real", "y": "real", "D": "nonnegative"}


def _B(*args: Any, **kw: Any) -> Bound:
    return Bound(*args, latex_names=_LATEX, domains=_DOMAINS, **kw)



_mink = lambda g: (sympy.Sum(g * sympy.sqrt(var_dl[i] + mean_dl[i] ** 2), (i, 1, N)) / N) ** 2  # noqa: E731
_paper = lambda g: (sympy.Sum(sympy.sqrt(2) * g * sympy.sqrt(var_dl[i] + mean_dl[i] ** 2), (i, 1, N)) / N) ** 2  # noqa: E731
_g_mse = 2 * (O_norm + sympy.Abs(y[i]))
_g_nll = 1 / p_min
_g_lin = sympy.Abs(y[i])
_QL = r"\operatorname{Var}_{\theta}[\partial_k \mathcal{L}]"

QML_FROM_VQA = Theorem(
    key="thanasilp2021.qml_from_vqa",
    title="Loss-gradient variance from per-datapoint output variances (VQA ⇒ QML)",
    citation=THM1,
    bounds=(
        _B("mse_minkowski", "upper", _mink(_g_mse), _QL, _SYMBOLS, (LOSS_MSE,), THM1,
              "Minkowski form: Var ≤ E[(∂L)²] ≤ ((1/N)Σ‖f'_i ∂ℓ_i‖_{L²})²"),
        _B("mse_paper", "upper", _paper(_g_mse), _QL, _SYMBOLS, (LOSS_MSE,), THM1,
              "the paper's form with g_i = √2·max|f'|: a factor 2 above the Minkowski form"),
        _B("nll_minkowski", "upper", _mink(_g_nll), _QL, _SYMBOLS, (LOSS_NLL, P_MIN), THM1),
        _B("nll_paper", "upper", _paper(_g_nll), _QL, _SYMBOLS, (LOSS_NLL, P_MIN), THM1),
        _B("linear_minkowski", "upper", _mink(_g_lin), _QL, _SYMBOLS, (LOSS_LINEAR,), THM1),
        _B("linear_paper", "upper", _paper(_g_lin), _QL, _SYMBOLS, (LOSS_LINEAR,), THM1),
    ),
    assumptions=(PER_POINT,),
    substitutions=_theorem1_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/test_thanasilp2021.py::test_theorem1_mse_linear_exact_grid, "
        "tests/bounds/test_thanasilp2021.py::test_theorem1_nll_dense_grid",
        "Brute-force Var[∂L] (exact 5-point grid per parameter for MSE/linear; 48-point grid for NLL) on a "
        "2-qubit, 4-parameter model with entangled data: both forms hold. "
        "The paper's √2 is not needed — Var[X] ≤ E[X²] and Minkowski's inequality in L²(θ) give "
        "the same bound without it (tighter by 2); both are registered.",
        source="recalled",
    ),
    statement="Var[∂_k L] ≤ ((1/N) Σ_i g_i √(Var[∂_k ℓ_i] + E[∂_k ℓ_i]²))², g_i = max|∂f/∂ℓ_i| "
              "(paper: √2·max|∂f/∂ℓ_i|). If every ℓ_i has a barren plateau and g_i ∈ poly(n), so does L."
              " Observable normalisation: any O; it enters through Var[∂_k ℓ_i], E[∂_k ℓ_i] and, for MSE, ‖O‖_∞.",
    scope="loss",
    tags=("qml", "loss"),
)

_QI = r"\operatorname{Var}_{\theta}[\partial_k \ell_i]"
TENSOR_PRODUCT_VARIANCE = Theorem(
    key="thanasilp2021.tensor_product_variance",
    title="Dataset-induced barren plateau: per-datapoint variance of the tensor-product QNN",
    citation=DIBP,
    bounds=(
        _B("general", "exact", kappa * Delta_Oh * D_HS, _QI, _SYMBOLS, (), DIBP,
              "any observable whose terms sit inside blocks; E[∂ℓ_i] = 0"),
        _B("local_cost", "exact", r_ns * D_HS, _QI, _SYMBOLS, (LOCAL_COST,), DIBP,
              "observable O_L = (1/n)Σ_j|0⟩⟨0|_j (projector normalisation): r_{n,s} = κ_s·Δ(O_h) with "
              "Δ(O_h) = s·2^s/(4n²)", constraints=_TILES),
        _B("local_cost_z", "exact", r_ns_z * D_HS, _QI, _SYMBOLS, (LOCAL_COST_Z,), DIBP,
              "observable (1/n)Σ_j Z_j (Pauli-Z normalisation): Δ(O_h) = s·2^s/n², 4× the projector form",
              constraints=_TILES),
        _B("haar_data", "exact", r_ns * (2**s - 2 ** (-s)) / (2**n + 1),
              r"\mathbb{E}_{x}\operatorname{Var}_{\theta}[\partial_k \ell_x]", _SYMBOLS,
              (LOCAL_COST, HAAR_EMBEDDING), DIBP,
              "local cost, averaged over Haar-random (2-design) embedded data: Θ(n^-2 2^-n)", constraints=_TILES),
    ),
    assumptions=_TP_COMMON,
    substitutions=_tensor_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/test_thanasilp2021.py::test_tensor_product_variance_exact_clifford, "
        "tests/bounds/theorems/test_thanasilp2021_normalisation.py::test_both_normalisations_against_two_design_chain",
        "n = 4, s = 2, entangled (HEE) data states: exact average over the 2-qubit Clifford group on both "
        "sides of the rotation equals κ_s Δ(O_h) D_HS and r_{n,s} D_HS to 1e-10. Observable normalisation: "
        "r_{n,s} holds for O_L = (1/n)Σ_j|0⟩⟨0|_j only; for (1/n)Σ_j Z_j the 2-design chain "
        "(bounds.exact.two_design) gives 4 r_{n,s} D_HS (n = 4, 6; s = 1, 2, 3), which the bound "
        "local_cost_z registers; each bound refuses the other normalisation.",
        source="recalled",
    ),
    statement="For one layer of s-qubit blocks whose two sides around θ_k are local 2-designs and an "
              "observable with terms inside blocks: Var[∂_k ℓ_i] = 2^{2s−1}/(2^{2s}−1)² Δ(O_h) "
              "D_HS(ρ_i^{(h)}, 1/2^s). Observable normalisation: for O_L = (1/n)Σ_j|0⟩⟨0|_j (projector) this "
              "is r_{n,s} D_HS with r_{n,s} = s·2^{3(s−1)}/(n²(2^{2s}−1)²); for (1/n)Σ_j Z_j it is 4 r_{n,s} D_HS. "
              "The Haar-data form uses the projector normalisation.",
    scope="parameter",
    tags=("qml", "dataset-induced", "tensor-product", "two-design"),
)

TENSOR_PRODUCT_CROSS_TERMS = Theorem(
    key="thanasilp2021.tensor_product_cross_terms",
    title="Cross terms between data points for the tensor-product QNN",
    citation=CROSS,
    bounds=(
        _B("general", "exact", kappa * Delta_Oh * (overlap - 2 ** (-s)),
              r"\mathbb{E}_{\theta}[\partial_k \ell_i\, \partial_k \ell_j]", _SYMBOLS, (), CROSS,
              "instantiated with the dataset average of Tr[ρ_iρ_j] over pairs i ≠ j"),
    ),
    assumptions=_TP_COMMON,
    substitutions=_tensor_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/test_thanasilp2021.py::test_cross_terms_exact_clifford",
        "Exact 2-qubit Clifford averages of ∂ℓ_i∂ℓ_j for pairs of entangled data states equal the formula to 1e-10.",
        source="derived",
    ),
    statement="E[∂_k ℓ_i ∂_k ℓ_j] = 2^{2s−1}/(2^{2s}−1)² Δ(O_h) (Tr[ρ_i^{(h)}ρ_j^{(h)}] − 2^{−s})."
              " Observable normalisation: any block-local O through Δ(O_h) (for O_L = (1/n)Σ_j|0⟩⟨0|_j, Δ(O_h) = s·2^s/(4n²); for (1/n)Σ_j Z_j, s·2^s/n²).",
    scope="parameter",
    tags=("qml", "dataset-induced", "tensor-product", "two-design"),
)

TENSOR_PRODUCT_LINEAR_LOSS = Theorem(
    key="thanasilp2021.tensor_product_linear_loss",
    title="Exact loss-gradient variance of a linear loss on the tensor-product QNN",
    citation=CROSS,
    bounds=(
        _B("general", "exact", kappa * Delta_Oh * Delta_rho_y, _QL, _SYMBOLS, (LOSS_LINEAR,), CROSS),
        _B("local_cost", "exact", r_ns * Delta_rho_y, _QL, _SYMBOLS, (LOSS_LINEAR, LOCAL_COST), CROSS,
           "observable O_L = (1/n)Σ_j|0⟩⟨0|_j (projector normalisation)", constraints=_TILES),
        _B("local_cost_z", "exact", r_ns_z * Delta_rho_y, _QL, _SYMBOLS, (LOSS_LINEAR, LOCAL_COST_Z), CROSS,
           "observable (1/n)Σ_j Z_j (Pauli-Z normalisation): 4× the projector form", constraints=_TILES),
    ),
    assumptions=_TP_COMMON,
    substitutions=_tensor_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/test_thanasilp2021.py::test_linear_loss_exact_clifford, "
        "tests/bounds/theorems/test_thanasilp2021_normalisation.py::test_linear_loss_both_normalisations",
        "Exact Clifford average of (∂L)² for L = (1/N)Σ y_i ℓ_i with 6 entangled data points equals "
        "κ_s Δ(O_h) Δ(ρ̄_y) to 1e-10.",
        source="derived",
    ),
    statement="L = (1/N)Σ_i y_i ℓ_i: Var[∂_k L] = 2^{2s−1}/(2^{2s}−1)² Δ(O_h) Δ((1/N)Σ_i y_i ρ_i^{(h)}). "
              "Observable normalisation: any block-local O through Δ(O_h); r_{n,s} for O_L = (1/n)Σ_j|0⟩⟨0|_j, "
              "4 r_{n,s} for (1/n)Σ_j Z_j.",
    scope="loss",
    tags=("qml", "dataset-induced", "tensor-product", "loss"),
)

_mink_d = lambda g: kappa * Delta_Oh * (sympy.Sum(g * sympy.sqrt(D[i]), (i, 1, N)) / N) ** 2  # noqa: E731
TENSOR_PRODUCT_MSE_NLL = Theorem(
    key="thanasilp2021.tensor_product_mse_nll",
    title="Loss-gradient variance bound for MSE / NLL on the tensor-product QNN",
    citation=THM1,
    bounds=(
        _B("mse_minkowski", "upper", _mink_d(_g_mse), _QL, _SYMBOLS, (LOSS_MSE,), THM1),
        _B("mse_paper", "upper", 2 * _mink_d(_g_mse), _QL, _SYMBOLS, (LOSS_MSE,), THM1),
        _B("nll_minkowski", "upper", _mink_d(_g_nll), _QL, _SYMBOLS, (LOSS_NLL, P_MIN), THM1),
        _B("nll_paper", "upper", 2 * _mink_d(_g_nll), _QL, _SYMBOLS, (LOSS_NLL, P_MIN), THM1),
    ),
    assumptions=_TP_COMMON,
    substitutions=_tensor_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/test_thanasilp2021.py::test_tensor_product_mse_bound_exact_clifford, "
        "tests/bounds/test_thanasilp2021.py::test_tensor_product_nll_bound_exact_clifford",
        "n = 2, s = 1, every block side a single-qubit Clifford (exact 2-design), entangled data: the exact "
        "Var[∂L] (5-point θ grid for MSE, 64-point for NLL with p ∈ [0.2, 0.8]) lies below both forms.",
        source="derived",
    ),
    statement="Theorem 1 with Var[∂ℓ_i] = κ_s Δ(O_h) D_HS(ρ_i^{(h)}, 1/2^s), E[∂ℓ_i] = 0."
              " Observable normalisation: any block-local O through Δ(O_h) and ‖O‖_∞ (MSE).",
    scope="loss",
    tags=("qml", "dataset-induced", "tensor-product", "loss"),
)

DATA_EXPRESSIBILITY = Theorem(
    key="thanasilp2021.data_expressibility",
    title="Reduced data-state distance for Haar-random and product embeddings",
    citation=HAAR,
    bounds=(
        _B("haar", "exact", (2**s - 2 ** (-s)) / (2**n + 1),
              r"\mathbb{E}_{x}[D_{\mathrm{HS}}(\rho_x^{(S)}, \mathbb{1}/2^{s})]", _SYMBOLS, (HAAR_EMBEDDING,), HAAR,
              "E Tr ρ_S² = (2^s + 2^{n−s})/(2^n + 1) for Haar states"),
        _B("product", "exact", 1 - 2 ** (-s),
              r"D_{\mathrm{HS}}(\rho_x^{(S)}, \mathbb{1}/2^{s})", _SYMBOLS, (PRODUCT_EMBEDDING,), HAAR,
              "every pure product state has pure reductions"),
    ),
    substitutions=_expressibility_numbers,
    verification=Verification(
        "verified",
        "tests/bounds/test_thanasilp2021.py::test_haar_embedding_exact_stabilizer_states, "
        "tests/bounds/test_thanasilp2021.py::test_product_embedding_value",
        "Exact average over all stabilizer states (a state 3-design) for n = 2, 3, 4 and every s; TPE data "
        "states measured through bounds.measures.",
        source="recalled",
    ),
    statement="If the embedded states form a 2-design, E_x[D_HS(ρ_x^{(S)}, 1/2^s)] = (2^s − 2^{−s})/(2^n + 1); "
              "a product embedding gives 1 − 2^{−s}."
              " Observable normalisation: none (no observable is involved; a property of the embedded data).",
    scope="ensemble",
    tags=("qml", "embedding", "expressibility"),
)

THEOREMS = (
    QML_FROM_VQA,
    TENSOR_PRODUCT_VARIANCE,
    TENSOR_PRODUCT_CROSS_TERMS,
    TENSOR_PRODUCT_LINEAR_LOSS,
    TENSOR_PRODUCT_MSE_NLL,
    DATA_EXPRESSIBILITY,
)
