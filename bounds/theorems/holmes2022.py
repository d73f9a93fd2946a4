"""Expressibility and gradient magnitudes (Holmes, Sharma, Cerezo, Coles 2022).

Setting: ``C = Tr[O U ρ U†]`` with ``U = U_L R_P(θ_k) U_R``, ``R_P(θ) = exp(-iθP/2)``, all
angles independent and uniform; ``U_R`` (the gates before θ_k) and ``V = U_L R_P(θ_k)`` (θ_k's
gate and everything after it) are two independent ensembles.  Their distances from a
2-design are the *expressibilities* (Holmes et al., Eqs. for ``ε^ρ_{U_R}``, ``ε^O_{U_L}``)::

    ε_R = ‖ E_{U_R}[(U_R ρ U_R†)^{⊗2}] − ∫_Haar (W ρ W†)^{⊗2} dW ‖₂
    ε_L = ‖ E_{V}[(V† O V)^{⊗2}]       − ∫_Haar (W† O W)^{⊗2} dW ‖₂

(``‖·‖₂`` the Hilbert–Schmidt norm on two copies; with data, ``ρ^{⊗2}`` is replaced by
``E_x[ρ_x^{⊗2}]`` and the variance by its data average).

``holmes2022.expressibility`` (Theorem 1, constants re-derived for ``exp(-iθP/2)``)::

    | Var[∂_k C] − V_Haar | ≤ ε_L ε_R + d (Δ(O) ε_R + Δ(ρ) ε_L) / (2 (d² − 1)),
    V_Haar = d² Δ(O) Δ(ρ) / (2 (d² − 1)²),      d = 2^n,  Δ(M) = Tr M² − (Tr M)²/d.

So an ansatz whose two sides are ``ε``-close to 2-designs inherits the 2-design barren plateau
up to ``O(ε)`` — the more expressive, the flatter.

Derivation (notes-issue8.md §3): with ``K(A) = i[P, A]`` and θ_k absorbed into ``V``,
``E[∂_k C] = 0`` and ``Var = ¼ Tr[(K⊗K)(T_L) T_R]`` (``T_L``, ``T_R`` the two-copy moments).
Split ``T = H + D`` (Haar part + deviation, ``‖D‖₂ = ε``).  ``H⊗H`` gives ``V_Haar``;
``(K⊗K)(SWAP) = (4/d) Σ_{Q anticommuting with P} Q⊗Q`` and ``D`` is orthogonal to ``1`` and
``SWAP``, so each mixed term is at most ``(Δ/(d²−1)) · (1/d) · (d²/2) · ε``; ``‖K⊗K‖ = 4``
bounds the ``D⊗D`` term by ``ε_L ε_R``.  The paper states the bound for ``exp(-iθσ)`` with
cruder constants (as recalled: ``4 ε ε`` and ``2^{n+2}(…)/(2^{2n}−1)``); ours are tighter and
in bpcalc's convention — the test decides.  This project's literature search found only the
paper's abstract, so the recalled published constants and the theorem number are unconfirmed.

How ε is obtained: exactly from the second-moment channel of the model's own gates
(:func:`bpcalc.bounds.designs.second_moment_channel`, ``n <= 4``), otherwise (``n <= 7``) estimated by
Monte Carlo over θ (U-statistic of ``Tr[Y Y']²`` with a normal interval; the bounds then use the upper
confidence limit of each ε, so they hold at that confidence), or given as
``values={"eps_L": …, "eps_R": …}``.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> t = get_theorem("holmes2022.expressibility")
>>> up = t.bound("upper").evaluate(n=2, Delta_O=4.0, Delta_rho=0.75, eps_L=0.0, eps_R=0.0)
>>> round(up.value, 6)        # ε = 0: the 2-design value d²Δ(O)Δ(ρ)/(2(d²−1)²)
0.106667

References
----------
.. [1] Z. Holmes, K. Sharma, M. Cerezo, P. J. Coles, "Connecting ansatz expressibility to
   gradient magnitudes and barren plateaus", PRX Quantum 3, 010313 (2022), arXiv:2101.02138,
   Theorem 1 (and the expressibility definitions before it).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import cirq
import numpy as np
import sympy
from scipy import stats

from ..bound import AssumptionFailed, Bound, Citation, sym
from ..assumptions import assumption
from bpcalc.circuits import affine_angle, as_pauli_rotation, parameter_convention

from ..designs import ParameterSplit, haar_twirl, second_moment_channel
from ..measures import frame_potential, haar_frame_potential
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states

__all__ = ["THEOREMS", "EXPRESSIBILITY", "expressibility_epsilons", "MAX_SAMPLED_QUBITS"]

MAX_SAMPLED_QUBITS = 7
MAX_EXACT_QUBITS = 4

n, Delta_O, Delta_rho = sym("n"), sym("Delta_O"), sym("Delta_rho")
eps_L = sympy.Symbol("eps_L", nonnegative=True)
eps_R = sympy.Symbol("eps_R", nonnegative=True)
d = 2**n

CITATION = Citation(
    authors="Holmes, Sharma, Cerezo, Coles",
    title="Connecting ansatz expressibility to gradient magnitudes and barren plateaus",
    arxiv="2101.02138",
    year=2022,
    locator="Theorem 1 (expressibility bound)",
    journal="PRX Quantum 3, 010313 (2022)",
    note="only the abstract was found; constants re-derived in bpcalc for exp(-iθP/2) (tighter than the "
         "published ones as recalled, which were not compared with the paper's text)",
)


def _split_circuits(ctx: Context) -> tuple[ParameterSplit, cirq.Circuit, cirq.Circuit]:
    split = _checks.parameter_split(ctx)
    right = split.before
    left = cirq.inverse(cirq.Circuit([split.operation]) + split.after)  # V† with V = U_L R_P(θ_k)
    return split, right, left


def _exact_epsilons(ctx: Context, states: np.ndarray) -> dict[str, float]:
    model = ctx.model
    qubits = model.qubits
    dim = 2 ** len(qubits)
    _, right, left = _split_circuits(ctx)
    pp = np.einsum("ni,nj->nij", states, states).reshape(states.shape[0], dim * dim)
    x_r = np.einsum("na,nb->ab", pp, pp.conj()) / states.shape[0]
    o = model.observable.matrix(qubits)
    x_l = np.kron(o, o)
    t_r = second_moment_channel(right, qubits, x_r)
    t_l = second_moment_channel(left, qubits, x_l)
    return {
        "eps_R": float(np.linalg.norm(t_r - haar_twirl(x_r, dim))),
        "eps_L": float(np.linalg.norm(t_l - haar_twirl(x_l, dim))),
    }


def _u_statistic(k: np.ndarray, confidence: float) -> tuple[float, float]:
    """Mean over ``i ≠ j`` of a symmetric kernel matrix and its upper confidence limit."""
    k = np.array(k, dtype=float)
    np.fill_diagonal(k, np.nan)
    m = k.shape[0]
    value = float(np.nanmean(k))
    h1 = np.nanmean(k, axis=1)
    se = math.sqrt(4.0 * float(np.var(h1, ddof=1)) / m)
    return value, value + float(stats.norm.ppf(0.5 + confidence / 2)) * se


def _draw_angles(circuit: cirq.AbstractCircuit, n_samples: int, rng: np.random.Generator) -> list:
    """``[(operation, None)]`` for fixed gates and ``[(operation, (Pauli string, angles))]`` for the
    rotations, with ``n_samples`` independent uniform angles per symbol, drawn in circuit order
    (the project's convention: ``rx(s)`` with ``s ~ U[0, 2π)``, ``X**s`` with ``s ~ U[0, 2)``)."""
    drawn: dict = {}
    plan: list = []
    for op in circuit.all_operations():
        syms = cirq.parameter_symbols(op)
        if not syms:
            plan.append((op, None))
            continue
        rot = as_pauli_rotation(op)
        if rot is None or len(syms) != 1:
            raise AssumptionFailed(f"parametrized gate {op} is not a Pauli rotation of one parameter")
        (sym_,) = syms
        aff = affine_angle(rot.angle)
        if sym_ not in drawn:
            try:
                period = parameter_convention(aff.coefficient, name=str(sym_)).period
            except ValueError as exc:
                raise AssumptionFailed(f"gate {op}: {exc}") from None
            drawn[sym_] = rng.uniform(0.0, period, size=n_samples)
        plan.append((op, (cirq.PauliString(rot.pauli), aff.coefficient * drawn[sym_] + aff.offset)))
    return plan


def _apply_batched(t: np.ndarray, plan: list, qubits) -> np.ndarray:
    """Apply the drawn circuit to ``t`` of shape ``(S, d, *rest)`` (state vectors: ``rest = ()``;
    unitaries: ``rest = (d,)``), sample ``s`` with its own angles.

    A rotation ``exp(-iθP/2)`` costs one gather: ``P|r⟩ = phase(r)|r ⊕ x⟩`` with ``x`` the flip
    mask of ``P``; other gates are contracted on their qubits.
    """
    qubits = list(qubits)
    nq, dim = len(qubits), 2 ** len(qubits)
    index = {q: i for i, q in enumerate(qubits)}
    n_samples, rest = t.shape[0], t.shape[2:]
    t = np.ascontiguousarray(t, dtype=complex).reshape((n_samples,) + (2,) * nq + rest)
    rows = np.arange(dim)
    for op, rotation in plan:
        cols = [index[q] for q in op.qubits]
        if rotation is None:
            mat = cirq.unitary(op.untagged if isinstance(op, cirq.TaggedOperation) else op)
            k = len(cols)
            gather = _monomial_gather(mat, cols, nq)
            if gather is not None:  # CZ, CNOT, SWAP, Paulis, S, T …: one gather and one product
                src, coef = gather
                flat = np.ascontiguousarray(t).reshape((n_samples, dim) + rest)
                shape = (1, dim) + (1,) * len(rest)
                flat = (flat if src is None else flat[:, src]) * coef.reshape(shape)
                t = flat.reshape((n_samples,) + (2,) * nq + rest)
                continue
            out = np.tensordot(mat.reshape((2,) * (2 * k)), t, axes=(list(range(k, 2 * k)), [1 + c for c in cols]))
            t = np.moveaxis(out, list(range(k)), [1 + c for c in cols])
            continue
        pauli, angles = rotation
        flip, phase = 0, np.full(dim, complex(pauli.coefficient))  # the string's sign (±1) is part of P
        for q, p in pauli.items():
            bit = (rows >> (nq - 1 - index[q])) & 1  # big-endian: qubits[0] is the leading bit
            if p == cirq.X or p == cirq.Y:
                flip |= 1 << (nq - 1 - index[q])
            if p == cirq.Y:
                phase *= 1j * (1 - 2 * bit)
            elif p == cirq.Z:
                phase *= 1 - 2 * bit
        # exp(-iθP/2) t = cos(θ/2) t − i sin(θ/2) P t,  (P t)[r] = phase(r ⊕ x) t[r ⊕ x]
        src = rows ^ flip
        flat = np.ascontiguousarray(t).reshape((n_samples, dim) + rest)
        a = np.asarray(angles, dtype=float)
        coef = (-1j * np.sin(a / 2))[:, None] * phase[src][None, :]
        p_t = flat[:, src]
        p_t *= coef.reshape((n_samples, dim) + (1,) * len(rest))
        flat = flat * np.cos(a / 2).reshape((n_samples, 1) + (1,) * len(rest))
        flat += p_t
        t = flat.reshape((n_samples,) + (2,) * nq + rest)
    return np.ascontiguousarray(t).reshape((n_samples, dim) + rest)


def _monomial_gather(mat: np.ndarray, cols: list[int], nq: int):
    """``(src, coef)`` with ``(M t)[r] = coef[r] t[src[r]]`` on ``nq`` qubits when the gate
    matrix ``mat`` on qubits ``cols`` has one non-zero per row (``src`` is ``None`` for a diagonal
    gate); ``None`` otherwise."""
    nz = np.abs(mat) > 1e-12
    if not np.all(nz.sum(axis=1) == 1):
        return None
    local_src = np.argmax(nz, axis=1)
    local_coef = mat[np.arange(mat.shape[0]), local_src]
    k = len(cols)
    rows = np.arange(2**nq)
    shifts = [nq - 1 - c for c in cols]
    r_loc = np.zeros_like(rows)
    for j, sh in enumerate(shifts):
        r_loc |= ((rows >> sh) & 1) << (k - 1 - j)
    coef = local_coef[r_loc].astype(complex)
    if np.array_equal(local_src, np.arange(mat.shape[0])):
        return None, coef
    c_loc = local_src[r_loc]
    src = rows.copy()
    for j, sh in enumerate(shifts):
        src &= ~(1 << sh)
        src |= ((c_loc >> (k - 1 - j)) & 1) << sh
    return src, coef


def _batched_unitaries(circuit: cirq.AbstractCircuit, qubits, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``(S, d, d)`` unitaries of ``circuit`` at independent uniform angles (numpy, one pass)."""
    dim = 2 ** len(list(qubits))
    plan = _draw_angles(circuit, n_samples, rng)
    return _apply_batched(np.broadcast_to(np.eye(dim, dtype=complex), (n_samples, dim, dim)), plan, qubits)


def _sampled_epsilons(ctx: Context, states: np.ndarray, n_samples: int, rng: np.random.Generator,
                      confidence: float) -> dict[str, float]:
    """Monte Carlo ε (upper confidence limits): frame potential of ``U_R ψ`` and ``E Tr[Y Y']²``."""
    model = ctx.model
    qubits = model.qubits
    dim = 2 ** len(qubits)
    _, right, left = _split_circuits(ctx)
    plan = _draw_angles(right, n_samples, rng)
    picks = states[rng.integers(states.shape[0], size=n_samples)]
    outs = _apply_batched(picks, plan, qubits)  # U_R ψ, one state per draw (no unitary is formed)
    f2 = frame_potential(outs, t=2, confidence=2 * confidence - 1)
    eps_r2 = f2.ci_high - haar_frame_potential(dim)
    o = ctx.memoized(("observable matrix", tuple(qubits)), lambda: model.observable.matrix(qubits))
    u_l = _batched_unitaries(left, qubits, n_samples, rng)  # V† for V = U_L R_P(θ_k)
    diagonal = ctx.memoized(("observable is diagonal", tuple(qubits)),
                            lambda: bool(np.count_nonzero(o - np.diag(np.diag(o))) == 0))
    left_o = u_l * np.diag(o)[None, None, :] if diagonal else u_l @ o
    ys = left_o @ np.conj(np.transpose(u_l, (0, 2, 1)))
    # Tr[Y_i Y_j]² with Y Hermitian: Tr[Y_i Y_j] = Re Σ conj(Y_i) Y_j, the real dot product of the float views
    flat = np.ascontiguousarray(ys).reshape(n_samples, -1).view(np.float64)
    gram = (flat @ flat.T) ** 2
    _, t_hi = _u_statistic(gram, 2 * confidence - 1)
    tr, tr2 = float(np.real(np.trace(o))) ** 2, float(np.real(np.trace(o @ o)))
    a = (tr - tr2 / dim) / (dim * dim - 1)
    b = (tr2 - tr / dim) / (dim * dim - 1)
    eps_l2 = t_hi - (a * tr + b * tr2)
    return {"eps_R": math.sqrt(max(eps_r2, 0.0)), "eps_L": math.sqrt(max(eps_l2, 0.0))}


def expressibility_epsilons(ctx: Context, *, n_samples: int = 100, confidence: float = 0.95,
                            rng: Optional[np.random.Generator] = None) -> dict[str, float]:
    """``eps_L`` and ``eps_R`` for θ_k of the model (exact for n <= 4, else sampled up to n = 7).

    Parameters
    ----------
    ctx : context with model and parameter.
    n_samples : Monte Carlo draws per side (n > 4).
    confidence : level of the (upper) confidence limits used when sampling.
    rng : generator for the Monte Carlo (default seeded with 0).

    Raises
    ------
    ValueError : the split at θ_k is impossible, or ``n > MAX_SAMPLED_QUBITS``.
    """
    states = input_states(ctx)
    nq = ctx.model.n_qubits
    if nq <= MAX_EXACT_QUBITS:
        return _exact_epsilons(ctx, states)
    if nq > MAX_SAMPLED_QUBITS:
        raise AssumptionFailed(f"expressibility estimation is limited to {MAX_SAMPLED_QUBITS} qubits (n = {nq}); "
                         "give values['eps_L'] and values['eps_R']")
    if n_samples < 3:
        raise ValueError(f"n_samples must be >= 3, got {n_samples}")
    return _sampled_epsilons(ctx, states, n_samples, rng if rng is not None else np.random.default_rng(0),
                             confidence)


def _substitutions(ctx: Context) -> dict[str, Any]:
    model = ctx.model
    if model is None or ctx.parameter is None:
        return {}
    nq = model.n_qubits
    states = input_states(ctx)
    purity = np.real(np.einsum("ni,ni->n", states, states.conj())) ** 2
    out: dict[str, Any] = {"n": nq, "Delta_O": _checks.pauli_delta(model.observable, nq),
                           "Delta_rho": float(np.mean(purity - 2.0**-nq))}
    if "eps_L" not in ctx.values or "eps_R" not in ctx.values:
        rng = ctx.extra.get("rng", 0)
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        out.update(expressibility_epsilons(ctx, n_samples=int(ctx.extra.get("n_samples", 100)), rng=rng))
    return out


ROTATION = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)

V_HAAR = d**2 * Delta_O * Delta_rho / (2 * (d**2 - 1) ** 2)
CORRECTION = eps_L * eps_R + d * (Delta_O * eps_R + Delta_rho * eps_L) / (2 * (d**2 - 1))
_SYMBOLS = {
    "eps_L": "‖E_V[(V†OV)^{⊗2}] − Haar twirl of O^{⊗2}‖₂ for V = (gates after θ_k)·R_P(θ_k)",
    "eps_R": "‖E_{U_R}[(U_R ρ U_R†)^{⊗2}] − Haar twirl of ρ^{⊗2}‖₂ for U_R = gates before θ_k",
}

EXPRESSIBILITY = Theorem(
    key="holmes2022.expressibility",
    title="Expressibility bound: Var[∂_k C] within O(ε) of the 2-design value",
    citation=CITATION,
    bounds=(
        Bound("upper", "upper", V_HAAR + CORRECTION, symbols=_SYMBOLS, citation=CITATION,
              notes="V_Haar + ε_Lε_R + d(Δ(O)ε_R + Δ(ρ)ε_L)/(2(d²−1))"),
        Bound("lower", "lower", V_HAAR - CORRECTION, symbols=_SYMBOLS, citation=CITATION,
              notes="V_Haar − ε_Lε_R − d(Δ(O)ε_R + Δ(ρ)ε_L)/(2(d²−1)); informative only when positive"),
    ),
    assumptions=(ROTATION,),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_holmes2022.py::test_bounds_bracket_exact_variance, "
        "tests/bounds/theorems/test_holmes2022.py::test_expressive_ansatz_is_pinned_to_haar_value, "
        "tests/bounds/theorems/test_holmes2022.py::test_sampled_epsilons_agree_with_exact",
        "lower <= exact <= upper with exact variances from bpcalc's Pauli-path engine (n = 2, 3, HEA of "
        "several depths, every parameter, |0⟩ and data inputs), ε from the exact second-moment channel; "
        "the Monte Carlo ε agrees with the exact one. Constants derived here (module docstring): "
        "'corrected' would overstate it — the published constants (as recalled) are looser, not wrong. "
        "The literature search found only the paper's abstract; the published statement was not compared.",
        source="derived",
    ),
    statement="|Var[∂_k C] − d²Δ(O)Δ(ρ)/(2(d²−1)²)| ≤ ε_Lε_R + d(Δ(O)ε_R + Δ(ρ)ε_L)/(2(d²−1)), with ε_L, ε_R "
              "the distances of the circuit after / before θ_k from a 2-design: expressive ansätze have "
              "exponentially small gradients."
              " Observable normalisation: any O through Δ(O) = Tr O² − (Tr O)²/2^n.",
    scope="parameter",
    tags=("expressibility", "two-design", "two-sided"),
)

THEOREMS = (EXPRESSIBILITY,)
