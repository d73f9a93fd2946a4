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

``mele2024.nonunital_lower_bound`` (no barren plateau for late parameters under non-unital noise).
The channel acts on Z as ``Tr[Z N(ρ)] = λ Tr[Zρ] + t_z`` with ``t_z ≠ 0`` (amplitude damping ``γ``:
``λ = 1 − γ``, ``t_z = γ``), ``O = c_0 + Σ_i c_i Z_i``, and θ_k drives one X/Y rotation on qubit ``j``
followed only by diagonal operations (``b_k`` noise layers).  Walking back from θ_k, qubit ``j`` meets only
gates commuting with ``Z_j`` for ``m_j`` noise layers, back to either a *randomizing* X/Y rotation with its own
parameter (``s_0 = 0``) or the input ``|0⟩`` (``s_0 = 1``)::

    Var_θ[∂_k C̃] ≥ c_j² λ^{2b_k} z̄_j² / 2,    z̄_j = λ^{m_j} s_0 + t_z (1 − λ^{m_j}) / (1 − λ).

Nothing here depends on ``n`` or on the depth before the randomizing rotation: with a local cost the
last layers keep gradients of order ``c_j²`` (``1/n²`` for ``(1/n)Σ_j Z_j``, polynomial), while
``λ^{2b_k}`` says that only the last layers do (the effective depth).

Derivation (bpcalc).  Operations after θ_k are diagonal and the noise maps ``Z_i → λ Z_i + t_z``
(Heisenberg), so only ``c_j λ^{b_k} Z_j`` of the observable depends on θ_k, and right after its gate
``⟨Z_j⟩ = r_z cos φ ± r_⊥ sin φ`` (``φ = ±θ_k + c``, ``r`` the Bloch vector of qubit ``j`` before the gate).
For fixed other angles ``E_{θ_k}[∂_k C̃] = 0`` and ``E_{θ_k}[(∂_k C̃)²] = c_j² λ^{2b_k} (r_z² + r_⊥²)/2``, so
``Var ≥ c_j² λ^{2b_k} E[r_z²]/2 ≥ c_j² λ^{2b_k} (E r_z)²/2`` (Jensen).  Gates commuting with ``Z_j`` keep
``⟨Z_j⟩`` and each noise layer maps it to ``λ⟨Z_j⟩ + t_z``: ``r_z = λ^{m_j} s + t_z Σ_{i<m_j} λ^i`` with
``s`` the value after the randomizing rotation, whose uniform angle gives ``E[s] = 0`` (or ``s = 1`` at the
input).  Equality holds when qubit ``j`` is never rotated before θ_k (``r_⊥ = 0``, ``r_z`` deterministic).

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
>>> lower = get_theorem("mele2024.nonunital_lower_bound").bound("variance")
>>> round(lower.evaluate(c_j=1.0, lambda_z=0.7, t_z=0.3, m_j=0, s_0=1, b_k=1).value, 6)  # RY on |0⟩, AD γ = 0.3
0.245

References
----------
.. [1] A. A. Mele, A. Angrisani, S. Ghosh, S. Khatri, J. Eisert, D. Stilck França, Y. Quek,
   "Noise-induced shallow circuits and absence of barren plateaus", arXiv:2403.13927 (v2);
   Nat. Phys. 22, 751-756 (2026).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation

from ..assumptions import assumption
from ..bound import AssumptionFailed, Bound, Citation, sym
from ..registry import Context, Theorem, Verification
from . import _checks
from .noise_layers import declared_noise, noise_moments, pauli_transfer_matrix
from .singkanipa2024 import HS_NOISE, noise_inputs

__all__ = ["THEOREMS", "EFFECTIVE_DEPTH", "NONUNITAL_LOWER", "LateLayer", "late_layer"]

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

# ----------------------------------------------------------------------------- non-unital noise: lower bound

c_j = sympy.Symbol("c_j", real=True)
lam = sympy.Symbol("lambda_z", real=True)
t_z = sympy.Symbol("t_z", real=True)
m_j = sympy.Symbol("m_j", nonnegative=True, integer=True)
s_0 = sympy.Symbol("s_0", nonnegative=True)
b_k = sympy.Symbol("b_k", nonnegative=True, integer=True)

_Z_BAR = lam**m_j * s_0 + t_z * (1 - lam**m_j) / (1 - lam)
_LOWER = c_j**2 * lam ** (2 * b_k) * _Z_BAR**2 / 2

_RNG_VALUES = (0.7315, 2.2143)   # two generic angles at which a parameterized gate's commutation is tested


@dataclasses.dataclass(frozen=True)
class LateLayer:
    """Where θ_k sits and what qubit ``j`` went through before it (see :func:`late_layer`).

    Attributes
    ----------
    qubit : the qubit ``j`` of θ_k's rotation.
    moment : index of θ_k's moment; ``b_k = M − moment`` noise layers follow it.
    b_k : noise layers after θ_k's moment.
    m_j : noise layers between the randomizing rotation (or the input) and θ_k's moment.
    s_0 : ``0`` if the history of ``j`` starts at a randomizing X/Y rotation (``E⟨Z_j⟩ = 0`` after it),
        ``1`` if it reaches the input ``|0⟩`` through gates commuting with ``Z_j`` only.
    origin : the randomizing operation, or ``"input |0>"``.
    """

    qubit: cirq.Qid
    moment: int
    b_k: int
    m_j: int
    s_0: float
    origin: str


def _resolved_unitaries(op: cirq.Operation) -> list[Optional[np.ndarray]]:
    symbols = sorted(cirq.parameter_symbols(op), key=lambda s: s.name)
    out = []
    for value in _RNG_VALUES if symbols else (0.0,):
        resolved = cirq.resolve_parameters(op, {s: value + 0.37 * i for i, s in enumerate(symbols)})
        out.append(cirq.unitary(resolved, None))
    return out


def _commutes_with_z(op: cirq.Operation, qubit: cirq.Qid) -> bool:
    """``op`` is unitary and commutes with ``Z`` on ``qubit`` (tested at generic parameter values)."""
    pos = op.qubits.index(qubit)
    z = np.array([[1.0]])
    for i in range(len(op.qubits)):
        z = np.kron(z, np.diag([1.0, -1.0]) if i == pos else np.eye(2))
    units = _resolved_unitaries(op)
    return all(u is not None and np.allclose(u @ z, z @ u, atol=1e-10) for u in units)


def _is_diagonal(op: cirq.Operation) -> bool:
    units = _resolved_unitaries(op)
    return all(u is not None and np.allclose(u, np.diag(np.diag(u)), atol=1e-10) for u in units)


def _xy_rotation(op: cirq.Operation) -> Optional[tuple[Any, float]]:
    """``(symbol, coefficient)`` if ``op`` is a one-qubit X or Y rotation with an angle ``±θ + c``."""
    if len(op.qubits) != 1:
        return None
    rot = as_pauli_rotation(op)
    if rot is None or len(rot.pauli) != 1:
        return None
    if next(iter(rot.pauli.values())) not in (cirq.X, cirq.Y):
        return None
    try:
        aff = affine_angle(rot.angle)
    except ValueError:
        return None
    if aff.symbol is None or abs(abs(aff.coefficient) - 1.0) > 1e-12:
        return None
    return aff.symbol, aff.coefficient


def _occurrences(circuit: cirq.Circuit, symbol: Any) -> int:
    return sum(symbol in cirq.parameter_symbols(op) for op in circuit.all_operations())


def late_layer(circuit: cirq.AbstractCircuit, symbol: Any) -> LateLayer:
    """Locate θ_k's X/Y rotation and walk qubit ``j``'s history back (assumptions ``late_xy_rotation``,
    ``z_history_randomized``).

    Raises
    ------
    AssumptionFailed : with the reason, when θ_k is not a single X/Y rotation followed by diagonal
        operations only, or when qubit ``j``'s history meets a gate that does not commute with ``Z_j``
        before a randomizing rotation.
    """
    circuit = cirq.Circuit(circuit)
    if _occurrences(circuit, symbol) != 1:
        raise AssumptionFailed(f"{symbol} occurs in {_occurrences(circuit, symbol)} gates; the theorem needs exactly one")
    k, op = next((i, o) for i, mom in enumerate(circuit) for o in mom if symbol in cirq.parameter_symbols(o))
    if _xy_rotation(op) is None:
        raise AssumptionFailed(f"{op} holding {symbol} is not a one-qubit X or Y rotation exp(-i(±θ + c)P/2)")
    (j,) = op.qubits
    for later in circuit[k + 1:].all_operations():
        if not _is_diagonal(later):
            raise AssumptionFailed(f"{later} after {symbol}'s moment is not diagonal in the computational basis "
                                   "(the bound needs Z-diagonal operations after θ_k)")
    for a in range(k - 1, -1, -1):
        prev = circuit[a].operation_at(j)
        if prev is None or _commutes_with_z(prev, j):
            continue
        rot = _xy_rotation(prev)
        if rot is None or rot[0] == symbol or _occurrences(circuit, rot[0]) != 1:
            raise AssumptionFailed(f"qubit {j} meets {prev} before {symbol}: neither commuting with Z_{j} nor an X/Y "
                                   "rotation with its own parameter (E⟨Z_j⟩ cannot be bounded)")
        return LateLayer(j, k, len(circuit) - k, k - a, 0.0, str(prev))
    return LateLayer(j, k, len(circuit) - k, k, 1.0, "input |0>")


def _z_row(ctx: Context) -> tuple[float, float]:
    """``(λ, t_z)`` of the declared channel: ``Tr[Z N(ρ)] = λ Tr[Zρ] + t_z`` (AssumptionFailed otherwise)."""
    noise = declared_noise(ctx)
    if noise is None:
        raise AssumptionFailed("no noise channel declared (extra['noise'])")
    if list(ctx.model.embedding.all_operations()):
        raise AssumptionFailed("the model has an embedding: the noise theorems take the input |0…0⟩ and noise after "
                               "every moment of the ansatz")
    noise_moments(ctx.model.circuit, ctx.model.qubits)
    r = pauli_transfer_matrix(noise)
    if abs(r[3, 1]) > 1e-12 or abs(r[3, 2]) > 1e-12:
        raise AssumptionFailed(f"{noise} mixes X/Y into Z (Bloch z-row {r[3].round(6).tolist()}); the bound needs "
                               "Tr[Z N(ρ)] = λ Tr[Zρ] + t_z")
    if abs(r[3, 0]) <= 1e-12:
        raise AssumptionFailed(f"{noise} is unital along z (t_z = 0): no non-unital lower bound (the gradient may "
                               "vanish; see singkanipa2024.unital_noise)")
    return float(r[3, 3]), float(r[3, 0])


def _check_z_noise(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    if ctx.extra.get("noise") is None:
        return None, "no noise declared: give extra['noise'] = a non-unital single-qubit channel (e.g. cirq.amplitude_damp(0.1))"
    try:
        lam_v, t_v = _z_row(ctx)
    except AssumptionFailed as exc:
        return False, str(exc)
    return True, f"{ctx.extra['noise']} after every moment: Tr[Z N(ρ)] = {lam_v:.6g} Tr[Zρ] + {t_v:.6g}"


def _check_late(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        info = late_layer(ctx.model.circuit, ctx.parameter)
    except AssumptionFailed as exc:
        return False, str(exc)
    return True, (f"{ctx.parameter} rotates qubit {info.qubit} in moment {info.moment}; {info.b_k} noise layers and "
                  "only diagonal operations follow")


def _check_history(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        info = late_layer(ctx.model.circuit, ctx.parameter)
    except AssumptionFailed as exc:
        return False, str(exc)
    return True, f"qubit {info.qubit}'s history starts at {info.origin}, {info.m_j} noise layers before {ctx.parameter}"


def _z_coefficients(observable: cirq.PauliSum) -> dict:
    out: dict = {}
    for term in observable:
        items = list(term.items())
        if not items:
            continue
        if len(items) != 1 or items[0][1] != cirq.Z:
            raise AssumptionFailed(f"term {term} of the observable is not a single-qubit Z")
        coeff = complex(term.coefficient)
        if abs(coeff.imag) > 1e-12:
            raise AssumptionFailed(f"term {term} has a complex coefficient")
        out[items[0][0]] = out.get(items[0][0], 0.0) + coeff.real
    return out


def _check_z_observable(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    try:
        coeffs = _z_coefficients(ctx.model.observable)
    except AssumptionFailed as exc:
        return False, str(exc)
    return True, f"O = const + Σ c_i Z_i on {len(coeffs)} qubit(s)"


Z_NOISE = assumption("z_nonunital_noise", _check_z_noise)
LATE_ROTATION = assumption("late_xy_rotation", _check_late)
Z_OBSERVABLE = assumption("z_sum_observable", _check_z_observable)
HISTORY = assumption("z_history_randomized", _check_history)


def _lower_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    lam_v, t_v = _z_row(ctx)
    info = late_layer(ctx.model.circuit, ctx.parameter)
    coeffs = _z_coefficients(ctx.model.observable)
    return {"c_j": coeffs.get(info.qubit, 0.0), "lambda_z": lam_v, "t_z": t_v, "m_j": info.m_j, "s_0": info.s_0,
            "b_k": info.b_k}


NONUNITAL_CITATION = Citation(
    authors=CITATION.authors, title=CITATION.title, arxiv=CITATION.arxiv, year=CITATION.year,
    locator="absence of barren plateaus for local costs under non-unital noise (abstract of arXiv v2; journal: 'Lack of "
            "barren plateaus with non-unital noise, but only the last Θ(log n) layers matter')",
    journal=CITATION.journal,
    note="abstract read; the paper's average-case theorem (random circuits, single-qubit-gate invariant layers) and its "
         "constants were not accessible; this deterministic lower bound for θ uniform is derived in bpcalc",
)
_LOWER_TESTS = "tests/bounds/theorems/test_mele2024_nonunital.py"
_LOWER_SYMBOLS = {
    "c_j": "coefficient of Z_j in O (j = the qubit of θ_k's rotation)",
    "lambda_z": "λ in Tr[Z N(ρ)] = λ Tr[Zρ] + t_z (amplitude damping γ: 1 − γ)",
    "t_z": "t_z in Tr[Z N(ρ)] = λ Tr[Zρ] + t_z, ≠ 0 for non-unital noise (amplitude damping γ: γ)",
    "m_j": "noise layers between the randomizing rotation of qubit j (or the input) and θ_k's moment",
    "s_0": "0 after a randomizing X/Y rotation, 1 when qubit j's history reaches the input |0⟩",
    "b_k": "noise layers after θ_k's moment (M minus its index)",
}

NONUNITAL_LOWER = Theorem(
    key="mele2024.nonunital_lower_bound",
    title="Non-unital noise, local Z cost: Var[∂_k C̃] ≥ c_j² λ^{2b_k} z̄_j²/2 for late X/Y rotations (no decay in n)",
    citation=NONUNITAL_CITATION,
    bounds=(
        Bound("variance", "lower", _LOWER, r"\operatorname{Var}_{\theta}[\partial_k \tilde{C}]", _LOWER_SYMBOLS,
              citation=NONUNITAL_CITATION, latex_names={"c_j": "c_j", "lambda_z": r"\lambda", "t_z": "t_z", "m_j": "m_j",
                                              "s_0": "s_0", "b_k": "b_k"},
              notes="z̄_j = λ^{m_j} s_0 + t_z (1 − λ^{m_j})/(1 − λ) is E_θ[⟨Z_j⟩] just before θ_k's gate; it does not "
                    "depend on n or on the depth before qubit j's last randomizing rotation."),
    ),
    assumptions=(Z_NOISE, LATE_ROTATION, Z_OBSERVABLE, HISTORY),
    substitutions=_lower_substitutions,
    verification=Verification(
        "verified",
        f"{_LOWER_TESTS}::test_lower_bound_against_density_matrices, {_LOWER_TESTS}::test_lower_bound_equality_cases, "
        f"{_LOWER_TESTS}::test_lower_bound_against_pauli_paths_hea, {_LOWER_TESTS}::test_lower_bound_large_n_pauli_paths, "
        f"{_LOWER_TESTS}::test_refusals",
        "Derived in bpcalc in the setting of Mele et al.'s 'absence of barren plateaus under non-unital noise' "
        "(abstract-level source). Check: exact Var[∂_k C̃] from density matrices (3-point grids) and from the "
        "Pauli-path engine with noise= (amplitude damping, generalized amplitude damping; hardware-efficient "
        "ansatz n = 4-8, 2 layers: exact/bound 3.0-3.3; n = 12, 16, 3 layers: 1.71): exact >= bound and "
        "n²·bound independent of n; equality when qubit j is never rotated before θ_k.",
        source="derived",
    ),
    statement="Under a single-qubit channel after every moment with Tr[Z N(ρ)] = λ Tr[Zρ] + t_z, t_z ≠ 0 (e.g. amplitude "
              "damping), a parameter θ_k of an X/Y rotation on qubit j followed only by diagonal gates (b_k noise "
              "layers) has Var_θ[∂_k C̃] ≥ c_j² λ^{2b_k} z̄_j²/2 for O = c_0 + Σ_i c_i Z_i, where "
              "z̄_j = λ^{m_j} s_0 + t_z(1 − λ^{m_j})/(1 − λ) = E_θ⟨Z_j⟩ just before θ_k's gate (the non-unital drift): "
              "independent of n and of the depth, so late parameters have no barren plateau (only the last layers matter: λ^{2b_k}). "
              "Observable normalisation: O = c_0 + Σ_i c_i Z_i through the coefficient c_j of Z_j (for "
              "(1/n)Σ_j Z_j, c_j = 1/n and the bound is ∝ 1/n²; for the projector form (1/n)Σ_j|0⟩⟨0|_j, "
              "c_j = 1/(2n), 4× smaller).",
    scope="parameter",
    tags=("noise", "non-unital", "lower", "local-cost", "effective-depth"),
)

THEOREMS = (EFFECTIVE_DEPTH, NONUNITAL_LOWER)
