"""Exponential concentration of quantum kernels (Thanasilp, Wang, Cerezo, Holmes 2022).

Setting: data ``x`` embedded as pure states ``ρ(x) = |ψ(x)⟩⟨ψ(x)|`` on ``n`` qubits
(``d = 2^n``); ``x, x'`` independent draws from the data distribution (here: the dataset's
empirical distribution, all ``N²`` pairs).  Kernels:

* fidelity kernel ``κ(x, x') = Tr[ρ(x) ρ(x')] = |⟨ψ(x)|ψ(x')⟩|²``;
* projected quantum kernel ``κ^PQ(x, x') = exp(−γ Σ_k ‖ρ_k(x) − ρ_k(x')‖₂²)`` with ``ρ_k`` the
  single-qubit reduced states.

``thanasilp2022_kernels.fidelity_concentration`` (expressivity-induced concentration)::

    E_{x,x'}[(κ(x,x') − 2^{-n})²] ≤ (2^n − 1)/(4^n (2^n + 1)) + ε_F²,
    ε_F = ‖E_x[ρ(x)^{⊗2}] − ∫_Haar (WρW†)^{⊗2} dW‖₂,

equality-with-``ε_F = 0`` for an embedding forming a state 2-design.  By Chebyshev,
``Pr[|κ − 2^{-n}| ≥ δ] ≤ ((2^n − 1)/(4^n(2^n + 1)) + ε_F²)/δ²``: an expressive embedding needs
exponentially many shots to resolve kernel values.  Derivation: ``E[κ²] = ‖E ρ^{⊗2}‖₂² =
2/(d(d+1)) + ε_F²`` (the Haar twirl is an orthogonal projection) and ``E[κ] = Tr ρ̄² ≥ 1/d``.

``thanasilp2022_kernels.projected_concentration`` (from the embedding measure)::

    E_{x,x'}[1 − κ^PQ(x,x')] ≤ 2γ Σ_k E_x[D_HS(ρ_k(x), 1/2)] = 2γ n D̄_HS,

with ``D̄_HS`` the mean single-qubit distance from maximally mixed (the seed paper's dataset
expressibility at ``s = 1``).  For a state 2-design ``E_x D_HS(ρ_k, 1/2) = (3/2)/(2^n + 1)``, so
``E[1 − κ^PQ] ≤ 3γn/(2^n + 1)``: the projected kernel concentrates at 1 (entanglement-induced
concentration: volume-law data states have nearly maximally mixed marginals).  Derivation:
``1 − e^{−a} ≤ a`` and ``E‖ρ_k − ρ_k'‖₂² = 2(E Tr ρ_k² − Tr ρ̄_k²) ≤ 2 E D_HS(ρ_k, 1/2)``.

The paper's Theorems (expressivity-, entanglement-, global-measurement- and noise-induced
concentration) are stated with trace-norm expressivity and probability bounds ``Pr[|κ − μ| ≥ δ]
≤ β/δ²`` (as recalled); the paper's text was not found in this project's literature search, so
its constants are unconfirmed and the forms above are derived in bpcalc (notes-issue8.md §7) and
checked numerically.  The authors' repository
(``Supanut-Thanasilp/Exponential-concentration-in-quantum-kernel-methods``) plots
``⟨|κ^{FQ} − 1/2^n|⟩_x`` and ``⟨|κ^{PQ} − 1|⟩_x``: the concentration points are ``1/2^n`` for the
fidelity kernel and ``1`` for the projected kernel, as in the forms above; its noise model is
depolarizing with ``q = 1 − p``.

``thanasilp2022_kernels.noise_induced`` (noise-induced concentration, unital local noise)::

    |κ̃(x, x') − 2^{-n}| ≤ q^{2M} (1 − 2^{-n})   for every pair x, x',

with ``κ̃(x, x') = Tr[ρ̃(x) ρ̃(x')]`` the fidelity kernel of the noisy embedded states, a unital
single-qubit channel (``extra["noise"]``) after each of the ``M`` moments of the embedding and
``q`` its HS contraction coefficient (``1 − 4p/3`` for depolarizing ``p``).  Derivation:
``κ̃ − 2^{-n} = Tr[(ρ̃ − 1/d)(ρ̃' − 1/d)]`` and, the noise being unital, ``ρ̃ − 1/d`` is the image of
the traceless ``|0⟩⟨0| − 1/d`` under ``M`` noise layers (and unitaries):
``‖ρ̃ − 1/d‖₂ ≤ q^M √(1 − 1/d)``; Cauchy–Schwarz.  Deterministic (every pair, any data), exact for
one qubit with ``RX(x)`` embeddings at ``x, x' ∈ {0, π}``.  The fidelity-kernel bound above
refuses noisy embeddings (its pure-state assumption).

``thanasilp2022_kernels.global_measurement`` (global-measurement-induced concentration): for a
product embedding ``ρ(x) = ⊗_k ρ_k(x_{F_k})`` (no entangling gate, disjoint feature sets) and
independent features, ``κ = Π_k κ_k`` with independent factors, so ``E[κ] = Π_k E[κ_k]``,
``E[κ²] = Π_k E[κ_k²]`` and ``Pr[κ ≥ δ] ≤ Π_k E[κ_k]/δ``: unless every qubit's data states coincide,
the fidelity kernel (a global measurement) concentrates at 0 exponentially in ``n`` without any
entanglement.  Expectations are over the distribution in which every feature is drawn
independently from its column of the dataset (declared: ``independent_features``).

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> t = get_theorem("thanasilp2022_kernels.fidelity_concentration")
>>> t.bound("two_design").asymptotics().describe()
'exponentially vanishing: Θ(n^0 · 4^-n)'
>>> p = get_theorem("thanasilp2022_kernels.projected_concentration").bound("two_design")
>>> round(p.evaluate(n=10, gamma=1.0).value, 5)
0.02927

References
----------
.. [1] S. Thanasilp, S. Wang, M. Cerezo, Z. Holmes, "Exponential concentration in quantum kernel
   methods", Nat. Commun. 15, 5200 (2024), arXiv:2208.11060.
.. [2] H.-Y. Huang et al., "Power of data in quantum machine learning", Nat. Commun. 12, 2631
   (2021), arXiv:2011.01938 (projected quantum kernel).
.. [3] S. Thanasilp et al., code accompanying [1]:
   github.com/Supanut-Thanasilp/Exponential-concentration-in-quantum-kernel-methods.
"""

from __future__ import annotations

import itertools
from typing import Any, Optional

import cirq
import numpy as np
import sympy

from ..assumptions import assumption
from ..bound import AssumptionFailed, Bound, Citation, sym
from ..measures import reduced_density_matrices
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states
from .noise_layers import declared_noise, hs_contraction, is_unital, noise_moments

__all__ = ["THEOREMS", "FIDELITY", "PROJECTED", "NOISE_INDUCED", "GLOBAL_MEASUREMENT", "fidelity_kernel",
           "projected_kernel", "fidelity_expressivity", "product_factors", "product_kernel_moments"]

n, D_HS, q = sym("n"), sym("D_HS"), sym("q")
M = sympy.Symbol("M", positive=True, integer=True)
eps_F = sympy.Symbol("eps_F", nonnegative=True)
gamma = sympy.Symbol("gamma", positive=True)
d = 2**n

CITATION = Citation(
    authors="Thanasilp, Wang, Cerezo, Holmes",
    title="Exponential concentration in quantum kernel methods",
    arxiv="2208.11060",
    year=2022,
    locator="expressivity- and entanglement-induced concentration (Theorems 1-2 as recalled)",
    journal="Nat. Commun. 15, 5200 (2024)",
    note="paper text not found; Hilbert-Schmidt forms derived in bpcalc; the authors' code "
         "(github.com/Supanut-Thanasilp/Exponential-concentration-in-quantum-kernel-methods) measures "
         "|κ^FQ − 1/2^n| and |κ^PQ − 1|, the same concentration points",
)

CITATION_NOISE = Citation(
    authors="Thanasilp, Wang, Cerezo, Holmes",
    title="Exponential concentration in quantum kernel methods",
    arxiv="2208.11060",
    year=2022,
    locator="noise-induced concentration (theorem text not read)",
    journal="Nat. Commun. 15, 5200 (2024)",
    note="paper text not found; the Hilbert-Schmidt form for unital local noise is derived in bpcalc; the authors' "
         "code models depolarizing noise with q = 1 − p",
)


def fidelity_kernel(states: np.ndarray) -> np.ndarray:
    """``κ_ij = |⟨ψ_i|ψ_j⟩|²`` for rows of ``states``."""
    g = np.asarray(states).conj() @ np.asarray(states).T
    return np.abs(g) ** 2


def projected_kernel(states: np.ndarray, gamma_value: float = 1.0) -> np.ndarray:
    """``κ^PQ_ij = exp(−γ Σ_k ‖ρ_k(x_i) − ρ_k(x_j)‖₂²)`` from single-qubit reduced states.

    Raises
    ------
    ValueError : ``gamma_value <= 0``.
    """
    if not gamma_value > 0:
        raise ValueError(f"gamma must be positive, got {gamma_value}")
    psi = np.atleast_2d(states)
    nq = int(round(np.log2(psi.shape[1])))
    dist = np.zeros((psi.shape[0], psi.shape[0]))
    for k in range(nq):
        r = reduced_density_matrices(psi, [k]).reshape(psi.shape[0], 4)
        gram = np.real(r.conj() @ r.T)
        sq = np.real(np.sum(np.abs(r) ** 2, axis=1))
        dist += sq[:, None] + sq[None, :] - 2 * gram
    return np.exp(-gamma_value * dist)


def fidelity_expressivity(states: np.ndarray) -> float:
    """``ε_F = ‖(1/N) Σ_i ρ_i^{⊗2} − Haar‖₂`` of the empirical ensemble of pure states (exact)."""
    k = fidelity_kernel(states)
    dim = np.atleast_2d(states).shape[1]
    return float(np.sqrt(max(float(np.mean(k**2)) - 2.0 / (dim * (dim + 1)), 0.0)))


def mean_single_qubit_distance(states: np.ndarray) -> float:
    """Mean over qubits ``k`` and states of ``D_HS(ρ_k, 1/2) = Tr ρ_k² − 1/2``."""
    psi = np.atleast_2d(states)
    nq = int(round(np.log2(psi.shape[1])))
    vals = []
    for k in range(nq):
        r = reduced_density_matrices(psi, [k])
        vals.append(np.real(np.einsum("nab,nba->n", r, r)) - 0.5)
    return float(np.mean(vals))


def check_embedded_data(ctx: Context) -> tuple[Optional[bool], str]:
    if ctx.model is None:
        return None, "no model given"
    try:
        states = input_states(ctx)
    except ValueError as exc:
        return False, str(exc)
    if states.shape[0] < 2:
        return False, "kernel concentration needs at least two embedded data states"
    return True, f"{states.shape[0]} embedded data states on {ctx.model.n_qubits} qubits"


DATA = assumption("embedded_data", check_embedded_data)
DESIGN = assumption("embedding_two_design", _checks.check_embedding_two_design)


def check_pure_states(ctx: Context) -> tuple[Optional[bool], str]:
    """The data states are pure: a unitary embedding of |0…0⟩ (or normalised state vectors in extra['states'])."""
    if ctx.model is None:
        return None, "no model given"
    if ctx.extra.get("noise") is not None:
        return False, ("noise is declared (extra['noise']): the embedded data states are mixed; see "
                       "thanasilp2022_kernels.noise_induced")
    if ctx.extra.get("density_matrices") is not None:
        return False, ("mixed data states (extra['density_matrices']) are not covered: the 2-design reference "
                       "2/(d(d+1)) and ε_F are defined for pure states; noise-induced concentration is a separate "
                       "statement")
    return True, ("pure data states: circuits.Model embeddings are unitary (noise channels are refused) and "
                  "extra['states'] holds normalised state vectors")


PURE = assumption("pure_data_states", check_pure_states)


def _fidelity_subs(ctx: Context) -> dict[str, Any]:
    if ctx.model is None:
        return {}
    states = input_states(ctx)
    return {"n": ctx.model.n_qubits, "eps_F": fidelity_expressivity(states)}


def _projected_subs(ctx: Context) -> dict[str, Any]:
    if ctx.model is None:
        return {}
    states = input_states(ctx)
    return {"n": ctx.model.n_qubits, "gamma": float(ctx.values.get("gamma", 1.0)),
            "D_HS": mean_single_qubit_distance(states)}


FIDELITY = Theorem(
    key="thanasilp2022_kernels.fidelity_concentration",
    title="Fidelity-kernel concentration from embedding expressivity: E[(κ − 2^-n)²] ≤ (2^n−1)/(4^n(2^n+1)) + ε²",
    citation=CITATION,
    bounds=(
        Bound("expressivity", "upper", (d - 1) / (d**2 * (d + 1)) + eps_F**2,
              quantity=r"\mathbb{E}_{x,x'}[(\kappa(x,x') - 2^{-n})^2]",
              symbols={"eps_F": "‖E_x[ρ(x)^{⊗2}] − Haar twirl‖₂, the embedding's distance from a state 2-design"},
              citation=CITATION, notes="Chebyshev: Pr[|κ − 2^-n| ≥ δ] ≤ (this)/δ²"),
        Bound("two_design", "exact", (d - 1) / (d**2 * (d + 1)),
              quantity=r"\mathbb{E}_{x,x'}[(\kappa(x,x') - 2^{-n})^2]", assumptions=(DESIGN,), citation=CITATION,
              notes="state 2-design embedding: E κ = 2^-n and Var κ = (d−1)/(d²(d+1))"),
    ),
    assumptions=(DATA, PURE),
    substitutions=_fidelity_subs,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_fidelity_bound_on_embeddings, "
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_two_design_values_against_haar_sampling, "
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_fidelity_needs_pure_states",
        "Kernel matrices from simulated embeddings (TPE, HEE, CHE): E[(κ − 2^-n)²] <= bound over the dataset's "
        "N² pairs; the 2-design value against Haar-random states (Monte Carlo, 4σ) and the exact 2-design of "
        "single-qubit stabilizer states (ε_F = 0). Derived in bpcalc (paper text not found); the concentration "
        "point 1/2^n matches the authors' code, which plots ⟨|κ^FQ − 1/2^n|⟩_x.",
        source="derived",
    ),
    statement="E_{x,x'}[(κ − 2^{-n})²] ≤ (2^n−1)/(4^n(2^n+1)) + ε_F² with ε_F the embedding's HS distance from a "
              "state 2-design: expressive embeddings concentrate the fidelity kernel exponentially. Assumes pure data "
              "states (a unitary embedding). Observable normalisation: none "
              "(no observable is involved; a kernel of the data states).",
    scope="ensemble",
    tags=("kernel", "concentration", "expressivity", "data"),
)

PROJECTED = Theorem(
    key="thanasilp2022_kernels.projected_concentration",
    title="Projected-kernel concentration from single-qubit embedding measures: E[1 − κ^PQ] ≤ 2γ n D̄_HS",
    citation=CITATION,
    bounds=(
        Bound("embedding_measure", "upper", 2 * gamma * n * D_HS,
              quantity=r"\mathbb{E}_{x,x'}[1 - \kappa^{PQ}(x,x')]",
              symbols={"gamma": "projected-kernel bandwidth γ (values['gamma'], default 1)",
                       "D_HS": "mean over qubits k and data x of D_HS(ρ_k(x), 1/2)"},
              citation=CITATION, notes="Markov: Pr[1 − κ^PQ ≥ δ] ≤ (this)/δ"),
        Bound("two_design", "upper", 3 * gamma * n / (d + 1),
              quantity=r"\mathbb{E}_{x,x'}[1 - \kappa^{PQ}(x,x')]",
              symbols={"gamma": "projected-kernel bandwidth γ"}, assumptions=(DESIGN,), citation=CITATION,
              notes="E_Haar D_HS(ρ_k, 1/2) = (3/2)/(2^n + 1)"),
    ),
    assumptions=(DATA, PURE),
    substitutions=_projected_subs,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_projected_bound_on_embeddings, "
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_two_design_values_against_haar_sampling",
        "Projected kernels from simulated embeddings below 2γ n D̄_HS for several γ; the Haar-state value "
        "(3/2)/(2^n+1) of the single-qubit distance by Monte Carlo (4σ). Derived in bpcalc (paper text not "
        "found); the concentration point 1 matches the authors' code, which plots ⟨|κ^PQ − 1|⟩_x.",
        source="derived",
    ),
    statement="E_{x,x'}[1 − κ^PQ] ≤ 2γ Σ_k E_x D_HS(ρ_k(x), 1/2): embeddings whose single-qubit marginals are "
              "nearly maximally mixed (volume-law entangled, e.g. 2-designs: ≤ 3γn/(2^n+1)) concentrate the "
              "projected kernel at 1. Observable normalisation: none "
              "(no observable is involved; a kernel of the data states).",
    scope="ensemble",
    tags=("kernel", "concentration", "entanglement", "data"),
)



def _check_noisy_embedding(ctx: Context) -> tuple[Optional[bool], str]:
    if ctx.model is None:
        return None, "no model given"
    noise = ctx.extra.get("noise")
    if noise is None:
        return None, ("no noise declared: give extra['noise'] = a unital single-qubit cirq channel acting on every "
                      "qubit after every moment of the embedding")
    model = ctx.model
    if model.dataset is None or not model.data_symbols or len(model.dataset.x) < 2:
        return False, "noise-induced kernel concentration needs an embedding with data symbols and >= 2 data points"
    try:
        declared_noise(ctx)
        moments = noise_moments(model.embedding, model.qubits)
    except AssumptionFailed as exc:
        return False, str(exc)
    if not is_unital(noise):
        return False, f"{noise} is not unital: the embedded states do not approach 1/2^n (no concentration at 2^-n)"
    q_n = hs_contraction(noise, model.n_qubits)
    if not q_n < 1:
        return False, f"{noise} is not strictly contractive: q = {q_n:.6g} >= 1"
    return True, f"unital {noise} after each of the embedding's {moments} moments, q = {q_n:.6g}"


NOISY_EMBEDDING = assumption("unital_noisy_embedding", _check_noisy_embedding)


def _noise_subs(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.extra.get("noise") is None:
        return {}
    model = ctx.model
    return {"n": model.n_qubits, "q": hs_contraction(declared_noise(ctx), model.n_qubits),
            "M": noise_moments(model.embedding, model.qubits)}


NOISE_INDUCED = Theorem(
    key="thanasilp2022_kernels.noise_induced",
    title="Noise-induced kernel concentration: |κ̃(x,x') − 2^-n| ≤ q^{2M}(1 − 2^-n) for every pair (unital noise)",
    citation=CITATION_NOISE,
    bounds=(
        Bound("fidelity_deviation", "upper", q**(2 * M) * (1 - 2**-n),
              quantity=r"\max_{x,x'} |\tilde{\kappa}(x,x') - 2^{-n}|",
              symbols={"q": "HS contraction of one unital noise layer (the norm of the channel's Bloch matrix; "
                            "depolarizing p: 1 − 4p/3)",
                       "M": "number of moments of the embedding = noise layers (noise after every moment)"},
              citation=CITATION_NOISE,
              notes="For every pair of data points, deterministically: κ̃ − 2^-n = Tr[(ρ̃ − 1/d)(ρ̃' − 1/d)]."),
    ),
    assumptions=(NOISY_EMBEDDING,),
    substitutions=_noise_subs,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_noise_induced_against_density_matrices, "
        "tests/bounds/theorems/test_thanasilp2022_kernels.py::test_noise_induced_tight_and_refusals",
        "Derived in bpcalc (the paper's noise-induced concentration theorem was not read; its setting, the fidelity "
        "kernel Tr[ρ̃(x)ρ̃(x')] of noisy embeddings concentrating at 2^-n, is the one registered). Check: "
        "cirq.DensityMatrixSimulator of TPE/HEE embeddings with depolarizing and asymmetric Pauli noise after every "
        "moment, 2-3 qubits, all pairs of a random dataset: max |κ̃ − 2^-n| <= bound; one qubit with RX(x) "
        "embeddings at x, x' ∈ {0, π} attains the bound.",
        source="derived",
    ),
    statement="If a unital single-qubit channel with HS contraction q < 1 acts after every one of the M moments of "
              "the embedding, |Tr[ρ̃(x)ρ̃(x')] − 2^{-n}| ≤ q^{2M}(1 − 2^{-n}) for every pair x, x': the fidelity "
              "kernel concentrates at 2^{-n} exponentially in the embedding depth, whatever the data. Observable "
              "normalisation: none (no observable is involved; a kernel of the data states).",
    scope="ensemble",
    tags=("kernel", "concentration", "noise", "data"),
)


MAX_PRODUCT_COMBINATIONS = 4096
"""Largest number of feature combinations enumerated for one qubit's factor of a product embedding."""


def product_factors(model: Any) -> dict:
    """``{qubit: its embedding gates}`` of a product embedding (structure only, no simulation).

    Raises
    ------
    AssumptionFailed : no dataset, an entangling gate, or a feature entering two qubits.
    """
    if model.dataset is None or not model.data_symbols:
        raise AssumptionFailed("the global-measurement statement needs a data embedding and a dataset")
    per_qubit: dict = {q: [] for q in model.qubits}
    for op in model.embedding.all_operations():
        if len(op.qubits) != 1:
            raise AssumptionFailed(f"embedding gate {op} acts on {len(op.qubits)} qubits: the statement is for "
                                   "product (unentangled) embeddings ρ(x) = ⊗_k ρ_k(x)")
        per_qubit[op.qubits[0]].append(op)
    owner: dict = {}
    for q, ops in per_qubit.items():
        for sym_ in cirq.parameter_symbols(cirq.Circuit(ops)):
            if sym_ in owner and owner[sym_] != q:
                raise AssumptionFailed(f"feature {sym_} enters qubits {owner[sym_]} and {q}: the per-qubit factors "
                                       "are then not independent")
            owner[sym_] = q
    x = np.asarray(model.dataset.x, dtype=float)
    for q, ops in per_qubit.items():
        n_feats = len(cirq.parameter_symbols(cirq.Circuit(ops)))
        if len(x) ** n_feats > MAX_PRODUCT_COMBINATIONS:
            raise AssumptionFailed(f"qubit {q} uses {n_feats} features: {len(x)}^{n_feats} combinations exceed "
                                   f"{MAX_PRODUCT_COMBINATIONS}")
    return per_qubit


def product_kernel_moments(model: Any) -> list[tuple[float, float]]:
    """``[(E κ_k, E κ_k²)]`` per qubit of a product embedding, features independent with the dataset's marginals.

    Every embedding gate acts on one qubit; the features used by different qubits are disjoint
    (:func:`product_factors`).  For qubit ``k`` with features ``F_k`` every combination of the ``N``
    observed values of each feature in ``F_k`` is simulated (single-qubit circuits);
    ``κ_k = |⟨ψ_k|ψ_k'⟩|²``.

    Raises
    ------
    AssumptionFailed : see :func:`product_factors`.
    """
    x = np.asarray(model.dataset.x, dtype=float) if model.dataset is not None else None
    out = []
    for q, ops in product_factors(model).items():
        circ = cirq.Circuit(ops)
        feats = sorted(cirq.parameter_symbols(circ), key=lambda s_: int(s_.name[2:]))
        if not feats:
            out.append((1.0, 1.0))
            continue
        columns = [x[:, int(f.name[2:])] for f in feats]
        states = []
        for combo in itertools.product(*columns):
            resolved = cirq.resolve_parameters(circ, dict(zip(feats, combo)))
            states.append(cirq.final_state_vector(resolved, qubit_order=[q], dtype=np.complex128))
        k = fidelity_kernel(np.stack(states))
        out.append((float(np.mean(k)), float(np.mean(k**2))))
    return out


def _check_product(ctx: Context) -> tuple[Optional[bool], str]:
    if ctx.model is None:
        return None, "no model given"
    try:
        factors = product_factors(ctx.model)
    except AssumptionFailed as exc:
        return False, str(exc)
    return True, f"product embedding over {len(factors)} qubits with disjoint features"


PRODUCT = assumption("product_embedding_disjoint_features", _check_product)
INDEPENDENT = assumption("independent_features")
mu_prod = sympy.Symbol("mu_prod", nonnegative=True)
m2_prod = sympy.Symbol("m2_prod", nonnegative=True)
mu_max = sympy.Symbol("mu_max", nonnegative=True)
delta = sympy.Symbol("delta", positive=True)


def _global_subs(ctx: Context) -> dict[str, Any]:
    if ctx.model is None:
        return {}
    moments = product_kernel_moments(ctx.model)
    return {"n": ctx.model.n_qubits, "mu_prod": float(np.prod([m for m, _ in moments])),
            "m2_prod": float(np.prod([m2 for _, m2 in moments])), "mu_max": max(m for m, _ in moments)}


_GM_SYMBOLS = {"mu_prod": "Π_k E[κ_k], κ_k = |⟨ψ_k(x)|ψ_k(x')⟩|² the single-qubit factors",
               "m2_prod": "Π_k E[κ_k²]", "mu_max": "max_k E[κ_k]", "delta": "threshold δ > 0 (values['delta'])"}
_GM_TESTS = "tests/bounds/theorems/test_thanasilp2022_kernels.py"
CITATION_GM = Citation(
    authors="Thanasilp, Wang, Cerezo, Holmes",
    title="Exponential concentration in quantum kernel methods",
    arxiv="2208.11060",
    year=2022,
    locator="global-measurement-induced concentration (theorem text not read)",
    journal="Nat. Commun. 15, 5200 (2024)",
    note="paper text not found; the product identities are derived in bpcalc",
)


GLOBAL_MEASUREMENT = Theorem(
    key="thanasilp2022_kernels.global_measurement",
    title="Global-measurement concentration of the fidelity kernel of product embeddings: E[κ] = Π_k E[κ_k] ≤ μ_max^n",
    citation=CITATION_GM,
    bounds=(
        Bound("mean", "exact", mu_prod, r"\mathbb{E}_{x,x'}[\kappa(x,x')]", _GM_SYMBOLS, citation=CITATION_GM,
              latex_names={"mu_prod": r"\prod_k \mathbb{E}[\kappa_k]"}),
        Bound("second_moment", "exact", m2_prod, r"\mathbb{E}_{x,x'}[\kappa(x,x')^2]", _GM_SYMBOLS, citation=CITATION_GM,
              latex_names={"m2_prod": r"\prod_k \mathbb{E}[\kappa_k^2]"}),
        Bound("mean_uniform", "upper", mu_max**n, r"\mathbb{E}_{x,x'}[\kappa(x,x')]", _GM_SYMBOLS, citation=CITATION_GM,
              latex_names={"mu_max": r"\left(\max_k \mathbb{E}[\kappa_k]\right)"},
              notes="exponentially small in n as soon as every single-qubit factor has E[κ_k] <= μ_max < 1"),
        Bound("tail", "upper", mu_prod / delta, r"\Pr_{x,x'}[\kappa(x,x') \ge \delta]", _GM_SYMBOLS, citation=CITATION_GM,
              latex_names={"mu_prod": r"\prod_k \mathbb{E}[\kappa_k]"}, notes="Markov (κ >= 0)."),
    ),
    assumptions=(DATA, PURE, PRODUCT, INDEPENDENT),
    substitutions=_global_subs,
    verification=Verification(
        "verified",
        f"{_GM_TESTS}::test_global_measurement_against_enumeration, {_GM_TESTS}::test_global_measurement_refusals",
        "Derived in bpcalc (κ of product states factorises; independence of the factors gives the product of "
        "moments). Check: every combination of the features' observed values is embedded with the full n-qubit "
        "circuit (cirq statevectors, no factorisation used) and the kernel moments over all pairs are compared "
        "with the products of single-qubit moments; the tail bound against the enumerated frequency.",
        source="derived",
    ),
    statement="For a product embedding ρ(x) = ⊗_k ρ_k(x) with independent features, the fidelity kernel is a global "
              "measurement and factorises: E[κ] = Π_k E[κ_k] and E[κ²] = Π_k E[κ_k²], so E[κ] <= μ_max^n and "
              "Pr[κ >= δ] <= Π_k E[κ_k]/δ: the kernel concentrates at 0 exponentially in n without any entanglement "
              "(unless every qubit's data states coincide). Observable normalisation: none "
              "(no observable is involved; a kernel of the data states).",
    scope="ensemble",
    tags=("kernel", "concentration", "global-measurement", "data"),
)

THEOREMS = (FIDELITY, PROJECTED, NOISE_INDUCED, GLOBAL_MEASUREMENT)
