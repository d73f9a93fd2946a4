"""Lie-algebraic theory of barren plateaus (Ragone et al. 2023; Fontana et al. 2023).

Setting: ``V(θ)`` made of parametrized Pauli rotations ``exp(-iθ_j G_j/2)`` whose dynamical
Lie algebra (DLA) ``g = ⟨iG_1, …, iG_K⟩_Lie = z ⊕ g_1 ⊕ … ⊕ g_r`` (centre plus simple ideals) is
computed by :func:`bpcalc.bounds.exact.lie_closure`.  Constant Clifford gates (the CZ chain of a
hardware-efficient ansatz) are allowed: :func:`bpcalc.bounds.exact.clifford_frame` writes
``V(θ) = [Π_k exp(-iθ_k P'_k/2)] C`` with ``P'_k`` each Pauli conjugated through the Cliffords that
follow it, so the formulas below hold with generators ``P'_k`` and input states ``C|ψ⟩`` (exact
rewriting, not an approximation); the circuit is deep enough that ``V`` is
Haar-distributed on the group ``e^g`` (declared: ``"deep_circuit"``); ``O ∈ i g`` (plus a multiple
of the identity); ``P_{g_j}(H) = Σ_{B ∈ ONB(g_j)} |Tr[B† H]|²``.

``ragone2023.lie_algebraic_loss`` (Ragone et al., Theorem 1, Eq. (9) or (10); Fontana et al.)::

    Var_θ[ℓ] = Σ_{j=1}^{r} P_{g_j}(ρ) P_{g_j}(O) / dim g_j

(the centre contributes to the mean only).  ``g = su(2^n)`` gives the 2-design value
``(d Tr ρ² − 1)(d Tr O² − (Tr O)²)/(d(d² − 1))``; an algebra of polynomial dimension with
``O`` and ``ρ`` carrying polynomial ``g``-purity gives no barren plateau.

``ragone2023.lie_algebraic_gradient`` (derived in bpcalc, see :mod:`bpcalc.bounds.exact.lie_algebra`):
with θ_k's gate ``exp(-i(cθ_k + d)P_k/2)`` deep inside the circuit (Haar on ``e^g`` on both
sides) and ``N_{k,j}`` the number of orthonormal basis strings of ``g_j`` anticommuting with
``P_k`` (weighted for non-Pauli bases)::

    Var_θ[∂_kℓ] = c² Σ_j N_{k,j} P_{g_j}(ρ) P_{g_j}(O) / (dim g_j)²,

which for ``g = su(d)`` is McClean's ``d² Δ(O) Δ(ρ) / (2 (d² − 1)²)``.

Source of the loss formula (restated, not published).  The paper's text was not found in this
project's literature search.  The formula was compared with a Lean formalisation that cites line
numbers of the authors' TeX source (GitHub ``QudeLeap/Lean-QuantumAlg``, files
``QuantumAlg/Primitives/QNN/Interface/RagoneInterface.lean`` and
``QuantumAlg/Primitives/QNN/Core/VarianceFormula.lean``): it restates Theorem 1 / Eq. (9) as
``Var[ℓ] = Σ_j P_{g_j}(ρ) P_{g_j}(O) / dim(g_j)`` for ``g = ⊕_j g_j`` (simple and abelian ideals),
``P_g(H) = Σ_j |⟨B_j, H⟩|²`` with ``B_j`` a Hermitian Hilbert–Schmidt orthonormal basis of ``g`` —
the registered form.  Its worked example ``g = su(2)^{⊕n}``, ``ρ = |0⟩⟨0|^{⊗n}``, ``O = X_1`` gives
``Var = 1/3`` (reproduced in ``test_worked_example_su2_sum_gives_one_third``).  The equation number
(9 in the TeX the formalisation cites, possibly (10) in another version) is unconfirmed.  The
gradient form below is bpcalc's own.

The numbers come from the Lie-algebra engine of :mod:`bpcalc.bounds.exact.lie_algebra` (issue 4);
this module only registers the statements, checks their hypotheses on the model and verifies
them against deep circuits with bpcalc's exact Pauli-path engine.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> b = get_theorem("ragone2023.lie_algebraic_loss").bound("variance")
>>> round(b.evaluate(r=1, P_rho=[0.75], P_O=[4.0], dim_g=[15]).value, 4)   # su(4), Z0 on |00⟩: 1/(d+1)
0.2

References
----------
.. [1] M. Ragone, B. N. Bakalov, F. Sauvage, A. F. Kemper, C. Ortiz Marrero, M. Larocca,
   M. Cerezo, "A Lie algebraic theory of barren plateaus for deep parameterized quantum
   circuits", Nat. Commun. 15, 7172 (2024), arXiv:2309.09342, Theorem 1 (text not read here).
.. [2] E. Fontana, D. Herman, S. Chakrabarti, N. Kumar, R. Yalovetzky, J. Heredge,
   S. Hari Sureshbabu, M. Pistoia, "Characterizing barren plateaus in quantum ansätze with the
   adjoint representation", Nat. Commun. 15, 7171 (2024), arXiv:2309.07902.
.. [3] QudeLeap, Lean-QuantumAlg (Lean 4 formalisation), github.com/QudeLeap/Lean-QuantumAlg,
   ``QuantumAlg/Primitives/QNN/Interface/RagoneInterface.lean`` (restatement of [1], Theorem 1 /
   Eq. (9), citing the authors' TeX source) and ``QuantumAlg/Primitives/QNN/Core/VarianceFormula.lean``.
"""

from __future__ import annotations

from typing import Any, Optional

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation, parameter_convention

from ..bound import AssumptionFailed, Bound, Citation
from ..assumptions import assumption
from ..exact.lie_algebra import CliffordFrame, circuit_generators, clifford_frame, g_purity, lie_closure
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states

__all__ = ["THEOREMS", "LOSS", "GRADIENT", "lie_quantities"]

j = sympy.Symbol("j", positive=True, integer=True)
r = sympy.Symbol("r", positive=True, integer=True)
P_rho, P_O, dim_g, N_k = (sympy.IndexedBase(s) for s in ("P_rho", "P_O", "dim_g", "N_k"))
c_k = sympy.Symbol("c_k", real=True)

CITATION = Citation(
    authors="Ragone, Bakalov, Sauvage, Kemper, Ortiz Marrero, Larocca, Cerezo",
    title="A Lie algebraic theory of barren plateaus for deep parameterized quantum circuits",
    arxiv="2309.09342",
    year=2023,
    locator="Theorem 1 (Eq. (9) in the TeX source cited by the Lean restatement; number unconfirmed)",
    journal="Nat. Commun. 15, 7172 (2024)",
    note="paper text not read; compared with the restatement in github.com/QudeLeap/Lean-QuantumAlg "
         "(RagoneInterface.lean, VarianceFormula.lean); also Fontana et al., arXiv:2309.07902; numbers from "
         "bpcalc.bounds.exact.lie_algebra",
)
CITATION_GRAD = Citation(
    authors="Ragone, Bakalov, Sauvage, Kemper, Ortiz Marrero, Larocca, Cerezo",
    title="A Lie algebraic theory of barren plateaus for deep parameterized quantum circuits",
    arxiv="2309.09342",
    year=2023,
    locator="Theorem 1 setting; gradient form derived in bpcalc (bounds.exact.lie_algebra)",
    journal="Nat. Commun. 15, 7172 (2024)",
)

_DOMAINS = {"P_rho": "nonnegative", "P_O": "nonnegative", "dim_g": "positive integer", "N_k": "nonnegative"}
_SYMBOLS = {
    "r": "number of simple ideals g_j of the dynamical Lie algebra",
    "P_rho": "g_j-purity P_{g_j}(ρ) of the input state (mean over data states)",
    "P_O": "g_j-purity P_{g_j}(O) of the observable",
    "dim_g": "dim g_j",
}


def _frame(model: Any) -> Optional[CliffordFrame]:
    """``None`` for a circuit of Pauli rotations only; its :class:`CliffordFrame` when it has Clifford gates.

    Raises
    ------
    ValueError : a parametrized gate that is not a Pauli rotation, or a constant non-Clifford gate.
    """
    try:
        circuit_generators(model.ansatz)
        return None
    except ValueError:
        return clifford_frame(model.ansatz)


def _generator(model: Any, parameter: sympy.Symbol, frame: Optional[CliffordFrame] = None
               ) -> tuple[cirq.PauliString, float]:
    """θ_k's Pauli ``P_k`` (read in the Clifford frame ``P'_k`` when there is one) and its angle coefficient."""
    gates = [op for op in model.ansatz.all_operations() if parameter in cirq.parameter_symbols(op)]
    if len(gates) != 1:
        raise AssumptionFailed(f"{parameter} occurs in {len(gates)} gates; the gradient form needs exactly one")
    rot = as_pauli_rotation(gates[0])
    if rot is None:
        raise AssumptionFailed(f"the gate of {parameter} is not a Pauli rotation")
    pauli = rot.pauli
    if frame is not None:
        (pauli,) = [g for g, s in zip(frame.generators, frame.symbols) if s == parameter]
    return pauli.with_coefficient(1), affine_angle(rot.angle).coefficient


def _chain_factor(coefficient: float, ctx: Context, parameter: sympy.Symbol) -> float:
    """``c_k``: the derivative's chain-rule factor in the project's single convention.

    ``rx(cθ + d)`` gives ``c``; ``X**s`` (angle ``kπs``) gives ``k`` with the default
    ``exponent_symbols='angle'`` (the derivative by the angle ``πs``, as bpcalc's exact engine
    reports it) and ``kπ`` with ``'symbol'`` (see :func:`circuits.parameter_convention`).
    """
    convention = ctx.extra.get("exponent_symbols", "angle") if ctx.extra else "angle"
    return parameter_convention(coefficient, convention, str(parameter)).frequency


def _purities(ctx: Context, algebra: Any, frame: Optional[CliffordFrame]) -> dict[str, Any]:
    """``r``, ``P_rho`` (mean over the input states), ``P_O`` and ``dim_g`` of the model's algebra."""
    model = ctx.model
    qubits = tuple(model.qubits)
    if any(s is None for s in algebra.simple):
        raise AssumptionFailed("the dynamical Lie algebra could not be split into simple ideals")
    obs = g_purity(algebra, model.observable)
    o_total = _checks.pauli_delta(model.observable, len(qubits))
    if abs(obs["total"] - o_total) > 1e-9 * max(1.0, o_total):
        raise AssumptionFailed("the observable is not in the dynamical Lie algebra (O ∉ i·g)")
    states = input_states(ctx)
    if frame is not None:   # U(θ) = V(θ) C: the rotations V act on C|ψ⟩ (Clifford frame)
        states = frame.transform_states(states, qubits)
    rho = np.array([g_purity(algebra, psi, qubits)["ideals"] for psi in states]).mean(axis=0)
    return {"r": len(algebra.ideal_dimensions), "P_rho": [float(x) for x in rho],
            "P_O": [float(x) for x in obs["ideals"]], "dim_g": [int(x) for x in algebra.ideal_dimensions]}


def lie_quantities(ctx: Context, parameter: Optional[sympy.Symbol] = None) -> dict[str, Any]:
    """``r``, per-ideal ``P_rho``, ``P_O``, ``dim_g`` (and ``N_k``, ``c_k`` for a parameter).

    Raises
    ------
    ValueError : constant non-identity gates in the ansatz, ``O ∉ i g``, an unsplittable algebra,
        or (with ``parameter``) a parameter not in exactly one Pauli rotation.
    """
    model = ctx.model
    qubits = tuple(model.qubits)
    frame = ctx.memoized(("ragone2023.frame", qubits), lambda: _frame(model))
    generators = circuit_generators(model.ansatz) if frame is None else list(frame.generators)
    algebra = ctx.memoized(("ragone2023.lie_closure", qubits), lambda: lie_closure(generators, qubits))
    # the model-level numbers (g-purities of O and of the input states) once per analysis
    out = dict(ctx.memoized(("ragone2023.purities", qubits), lambda: _purities(ctx, algebra, frame)))
    if parameter is not None:
        pauli, coeff = _generator(model, parameter, frame)
        strings = algebra.pauli_strings()
        anti = np.array([0.0 if cirq.commutes(s.with_coefficient(1), pauli) else 1.0 for s in strings])
        counts = []
        for basis, paulis in zip(algebra.ideals, algebra.ideal_paulis):
            weights = np.zeros(len(strings))
            if paulis is not None:
                weights[np.asarray(paulis)] = 1.0
            else:
                weights = np.sum(np.asarray(basis) ** 2, axis=0)
            counts.append(float(anti @ weights))
        out.update({"N_k": counts, "c_k": _chain_factor(coeff, ctx, parameter)})
    return out


def check_rotation_generators(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    try:
        frame = ctx.memoized(("ragone2023.frame", tuple(ctx.model.qubits)), lambda: _frame(ctx.model))
    except ValueError as exc:
        return False, str(exc)
    if frame is None:
        return True, "the ansatz consists only of parametrized Pauli rotations"
    return True, (f"every constant gate is Clifford: read in the Clifford frame, the ansatz is {len(frame.generators)} "
                  "Pauli rotations after one Clifford on the input")


def check_observable_in_algebra(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    try:
        q = lie_quantities(ctx)
    except ValueError as exc:
        return False, str(exc)
    return True, f"O ∈ i·g; g has simple ideals of dimensions {q['dim_g']}"


ROTATIONS = assumption("rotations_in_clifford_frame", check_rotation_generators)
IN_ALGEBRA = assumption("observable_in_dla", check_observable_in_algebra)
DEEP = assumption("deep_circuit")

LOSS = Theorem(
    key="ragone2023.lie_algebraic_loss",
    title="Lie-algebraic loss variance of deep circuits: Σ_j P_gj(ρ) P_gj(O) / dim g_j",
    citation=CITATION,
    bounds=(
        Bound("variance", "exact", sympy.Sum(P_rho[j] * P_O[j] / dim_g[j], (j, 1, r)),
              quantity=r"\operatorname{Var}_{\theta}[\ell]", symbols=_SYMBOLS, citation=CITATION, domains=_DOMAINS,
              notes="the centre of g shifts the mean only; data: P_rho averaged over the data states"),
    ),
    assumptions=(ROTATIONS, IN_ALGEBRA, DEEP),
    substitutions=lambda ctx: lie_quantities(ctx) if ctx.model is not None else {},
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_ragone2023.py::test_loss_variance_matches_deep_circuits, "
        "tests/bounds/theorems/test_ragone2023.py::test_worked_example_su2_sum_gives_one_third, "
        "tests/bounds/theorems/test_ragone2023.py::test_clifford_gates_are_read_in_the_clifford_frame",
        "Deep circuits (40 layers) of parametrized rotations with DLAs su(4), su(2)⊕su(2)⊕… and a "
        "free-fermion (TFIM) algebra: the formula matches bpcalc's exact Pauli-path loss variance to 1e-4. "
        "Formula compared with the Lean restatement of Theorem 1 / Eq. (9) in github.com/QudeLeap/Lean-QuantumAlg "
        "(RagoneInterface.lean, VarianceFormula.lean, citing the authors' TeX), not with the paper's text; its "
        "worked example (su(2)^{⊕n}, |0…0⟩, O = X_1: Var = 1/3 = E_Haar⟨X⟩²) is reproduced for n = 2, 3. "
        "Clifford + rotation circuits (25 layers of RX (+RZ) and a CZ chain, n = 2–4, DLA dims 15 and 10 + 10, one "
        "with a final Hadamard so that the frame's Clifford matters) read in the Clifford frame match the exact "
        "loss and gradient variances to 1e-3 / 1e-2.",
        source="restated",
    ),
    statement="For a deep circuit of Pauli rotations with DLA g = z ⊕ g_1 ⊕ … ⊕ g_r and O ∈ i·g, "
              "Var_θ[ℓ] = Σ_j P_{g_j}(ρ) P_{g_j}(O)/dim g_j: barren plateaus iff the g-purities are small "
              "compared with dim g_j."
              " Observable normalisation: any O ∈ i·g through its g-purities P_{g_j}(O) (quadratic in O).",
    scope="loss",
    tags=("lie-algebra", "dla", "deep", "exact"),
)

GRADIENT = Theorem(
    key="ragone2023.lie_algebraic_gradient",
    title="Lie-algebraic gradient variance of deep circuits: c² Σ_j N_kj P_gj(ρ) P_gj(O) / (dim g_j)²",
    citation=CITATION_GRAD,
    bounds=(
        Bound("variance", "exact", c_k**2 * sympy.Sum(N_k[j] * P_rho[j] * P_O[j] / dim_g[j] ** 2, (j, 1, r)),
              symbols={**_SYMBOLS, "N_k": "number of basis strings of g_j anticommuting with θ_k's Pauli P_k",
                       "c_k": "chain-rule factor of ∂_k: c for an angle cθ_k + d; k for an exponent "
                              "(angle kπs, derivative by the angle πs; circuits.parameter_convention)"},
              citation=CITATION_GRAD, domains=_DOMAINS, notes="E[∂_kℓ] = 0"),
    ),
    assumptions=(ROTATIONS, IN_ALGEBRA, DEEP),
    substitutions=lambda ctx: lie_quantities(ctx, ctx.parameter) if ctx.model is not None and ctx.parameter else {},
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_ragone2023.py::test_gradient_variance_matches_deep_circuits, "
        "tests/bounds/theorems/test_ragone2023.py::test_clifford_gates_are_read_in_the_clifford_frame",
        "A parameter in the middle of a 40-layer circuit: matches the exact Pauli-path gradient variance "
        "to 1e-4 for the su(4), product and TFIM algebras.",
        source="derived",
    ),
    statement="With θ_k's gate deep inside the circuit, Var[∂_kℓ] = c² Σ_j N_{k,j} P_{g_j}(ρ)P_{g_j}(O)/(dim g_j)²."
              " Observable normalisation: any O ∈ i·g through its g-purities P_{g_j}(O) (quadratic in O).",
    scope="parameter",
    tags=("lie-algebra", "dla", "deep", "exact"),
)

THEOREMS = (LOSS, GRADIENT)
