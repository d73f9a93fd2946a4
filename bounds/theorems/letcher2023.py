"""Light-cone bounds by Clifford sampling (Letcher, Woerner, Zoufal 2023).

Setting: a circuit of Clifford gates and Pauli rotations ``R_P(±θ_j + c_j)`` with independent,
uniform angles, acting on ``|0…0⟩``; a Pauli-string observable ``O = c_O Q``.  Split the circuit
as ``C_rest · F``: ``F`` holds, for every qubit, the single-qubit gates acting on it before any
multi-qubit gate (its *first layer*).

Clifford sampling (the identity behind the paper's bounds).  ``ℓ(θ)`` and ``∂_kℓ(θ)`` are
trigonometric polynomials of degree ≤ 1 in every angle, so their squares have degree ≤ 2 and
are averaged exactly by the grid ``{0, π/2, π, 3π/2}`` — the *Clifford points*, where ``C_rest``
is a Clifford circuit and the Heisenberg-evolved observable ``Q(θ) = C_rest† Q C_rest`` is a
single signed Pauli string (Cirq's stabilizer conjugation ``PauliString.conjugated_by``).
Integrating the first layer exactly gives, with ``M_q = E[r_q r_qᵀ]`` the second moment of
qubit ``q``'s Bloch vector after its first layer and ``μ = E_θ[ℓ]``::

    Var_θ[ℓ] = c_O² ( E_{θ ∈ grid}[ Π_{q ∈ supp Q(θ)} M_q[Q_q, Q_q] ] − μ² ),
    Var_θ[∂_kℓ] = c_O² E_{θ ∈ grid}[ 1{Q_k(θ) anticommutes with P_k} Π_q M_q[Q_q, Q_q] ]

(``Q_k`` the observable evolved back to θ_k's gate; ``M_q → E[∂r_q ∂r_qᵀ]`` on the qubit whose
first layer holds θ_k).  With ``g_min ≤ M_q[a, a] ≤ g_max`` for all qubits and letters and
``|LC(θ)| = |supp Q(θ)|`` the light-cone size at a Clifford point::

    c_O² (E[g_min^{|LC|}] − μ²) ≤ Var_θ[ℓ] ≤ c_O² (E[g_max^{|LC|}] − μ²)

(and the same with the indicator for ``∂_kℓ``).  For a first layer ``RZ·RY`` on ``|0⟩`` (bpcalc's
hardware-efficient ansatz) ``M = diag(1/4, 1/4, 1/2)``: the loss variance lies between
``E[(1/4)^{|LC|}]`` and ``E[(1/2)^{|LC|}]`` — exponentially small iff the light cone of the
Clifford-sampled observable is typically large.

Keys: ``letcher2023.loss_light_cone`` (scope ``loss``) and ``letcher2023.gradient_light_cone``.
The grid is enumerated exactly when it has at most :data:`MAX_EXACT_POINTS` points, else sampled
(``extra={"n_samples": …, "rng": …}``; the numbers are then Monte Carlo estimates).

Attribution (restated from the authors' code).  The paper's text was not found in this
project's literature search; its statements were compared with the AUTHORS' OWN CODE, the
repository ``Zoufalc/efficient_gradient_bounds`` (its README links the journal version
quantum-journal.org/papers/q-2024-09-25-1484).  ``code/evaluate_light_cones.py`` draws every
parameter from ``{0, π/2}``, evolves the Pauli observable through the resulting Clifford in the
Heisenberg frame (qiskit ``Pauli.evolve(Clifford(qc), frame='h')``) and takes the light cone
``|LC|`` = number of qubits on which the evolved Pauli acts non-trivially; the loss-variance
estimate is ``mean(⟨O⟩²)`` over the Clifford samples (input ``|0…0⟩``).
``code/utilities/plot_light_cones.py`` plots ``lower_bound = mean((1/4)^{|LC|})`` and
``upper_bound = mean((1/2)^{|LC|})`` with error bars ``1.96·std/√K``.  bpcalc's registered
bracket ``c_O²(E[g_min^{|LC|}] − μ²) … c_O²(E[g_max^{|LC|}] − μ²)`` reduces exactly to that pair
for an ``RZ·RY`` first layer on ``|0⟩`` (``M = diag(1/4, 1/4, 1/2)``, ``μ = 0``, ``c_O = 1``):
the loss bracket is registered as ``restated``.  The gradient bracket is not in the authors'
code; it stays ``derived``.  The exact identity above is bpcalc's own (notes-issue8.md §5).

Two-point versus four-point grid.  The authors sample ``{0, π/2}`` per angle; bpcalc's identity
uses ``{0, π/2, π, 3π/2}``, which a degree-2 trigonometric polynomial (``ℓ²``) needs.  Both give
the same bracket, and the same ``E[ℓ²]``: ``R_P(θ + π) = −i P R_P(θ)`` and conjugation by ``P``
only flips the sign of a Pauli string, so the *unsigned* evolved string — hence ``|LC|`` and
``⟨0…0|Q(θ)|0…0⟩² ∈ {0, 1}`` — depends on each angle only modulo π, and ``{0, π/2}`` is a
uniform draw of the residue classes.  Only sign-dependent averages differ: the two-point mean
``mean(⟨O⟩)`` is biased (e.g. 0.1016 for ``X1`` in the test's 10-parameter circuit, where the
exact mean is 0), so ``mean(⟨O⟩²)`` is the variance only when ``μ = 0`` (as for ``RZ·RY`` first
layers).  Checked by
``tests/bounds/theorems/test_letcher2023.py::test_bracket_reproduces_authors_light_cone_estimator``.

Examples
--------
>>> from bpcalc import circuits
>>> from bpcalc.bounds.registry import Context
>>> from bpcalc.bounds import get_theorem
>>> c = circuits.hardware_efficient(3, 1)
>>> model = circuits.Model(ansatz=c, observable=circuits.parse_pauli_sum("Z0*Z1", qubits=sorted(c.all_qubits())))
>>> inst = get_theorem("letcher2023.loss_light_cone").instantiate(Context(model=model))
>>> [round(v.value, 4) for v in inst.values]           # exact, lower, upper
[0.25, 0.0625, 0.25]

References
----------
.. [1] A. Letcher, S. Woerner, C. Zoufal, "Tight and efficient gradient bounds for parameterized
   quantum circuits", Quantum 8, 1484 (2024), arXiv:2309.12681 (text not read here).
.. [2] C. Zoufal et al., code accompanying [1]: github.com/Zoufalc/efficient_gradient_bounds,
   ``code/evaluate_light_cones.py`` (Clifford sampling of ``|LC|`` and of ``mean(⟨O⟩²)``) and
   ``code/utilities/plot_light_cones.py`` (bounds ``mean((1/4)^{|LC|})``, ``mean((1/2)^{|LC|})``).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Any, Optional

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation

from ..bound import AssumptionFailed, Bound, Citation, sym
from ..assumptions import assumption
from ..registry import Context, Theorem, Verification
from . import _checks

__all__ = ["THEOREMS", "LOSS", "GRADIENT", "CliffordSampling", "clifford_sampling", "first_layer_split",
           "MAX_EXACT_POINTS"]

MAX_EXACT_POINTS = 4**8
_GRID = (0.0, np.pi / 2, np.pi, 3 * np.pi / 2)
_PAULI = {"X": np.array([[0, 1], [1, 0]], dtype=complex), "Y": np.array([[0, -1j], [1j, 0]]),
          "Z": np.array([[1, 0], [0, -1]], dtype=complex)}
_LETTER = {cirq.X: 0, cirq.Y: 1, cirq.Z: 2}

O_norm = sym("O_norm")
E_prod, E_min, E_max = (sympy.Symbol(s, nonnegative=True) for s in ("E_prod", "E_min", "E_max"))
mu = sympy.Symbol("mu", real=True)

CITATION = Citation(
    authors="Letcher, Woerner, Zoufal",
    title="Tight and efficient gradient bounds for parameterized quantum circuits",
    arxiv="2309.12681",
    year=2023,
    locator="light-cone loss bounds mean((1/4)^|LC|) … mean((1/2)^|LC|) as computed by the authors' code "
            "(github.com/Zoufalc/efficient_gradient_bounds); theorem numbers not read",
    journal="Quantum 8, 1484 (2024)",
    note="paper text not found; loss bracket compared with the authors' code (two-point {0, π/2} Clifford "
         "sampling, qiskit Heisenberg evolution); exact identity and gradient bracket derived in bpcalc",
)

CITATION_GRAD = Citation(
    authors="Letcher, Woerner, Zoufal",
    title="Tight and efficient gradient bounds for parameterized quantum circuits",
    arxiv="2309.12681",
    year=2023,
    locator="Clifford-sampling setting; gradient bracket derived in bpcalc (theorem numbers not read)",
    journal="Quantum 8, 1484 (2024)",
    note="paper text not found and the authors' code (github.com/Zoufalc/efficient_gradient_bounds) computes "
         "loss bounds only: identity and gradient bracket derived in bpcalc",
)

# ----------------------------------------------------------------------------- structure


def first_layer_split(circuit: cirq.AbstractCircuit) -> tuple[dict, list[cirq.Operation]]:
    """``(first, rest)``: per-qubit first-layer single-qubit gates and the remaining operations."""
    first: dict[cirq.Qid, list[cirq.Operation]] = {}
    closed: set = set()
    rest: list[cirq.Operation] = []
    for op in circuit.all_operations():
        if len(op.qubits) == 1 and op.qubits[0] not in closed:
            first.setdefault(op.qubits[0], []).append(op)
        else:
            closed.update(op.qubits)
            rest.append(op)
    return first, rest


def _rotation_angle(op: cirq.Operation, symbol: sympy.Symbol, grid_value: float) -> dict:
    """Resolver putting ``op``'s rotation angle ``±θ + c`` at ``grid_value``."""
    aff = affine_angle(as_pauli_rotation(op).angle)
    return {symbol: (grid_value - aff.offset) / aff.coefficient}


def check_rotation_clifford_circuit(circuit: cirq.AbstractCircuit) -> None:
    """Raise ValueError unless every gate is Clifford or a ``R_P(±θ + c)`` with its own θ."""
    seen: set = set()
    for op in circuit.all_operations():
        syms = cirq.parameter_symbols(op)
        if not syms:
            if not cirq.has_stabilizer_effect(op.untagged if isinstance(op, cirq.TaggedOperation) else op):
                raise AssumptionFailed(f"constant gate {op} is not Clifford")
            continue
        if len(syms) > 1:
            raise AssumptionFailed(f"gate {op} depends on several parameters")
        (s,) = syms
        if s in seen:
            raise AssumptionFailed(f"parameter {s} occurs in several gates")
        seen.add(s)
        rot = as_pauli_rotation(op)
        if rot is None:
            raise AssumptionFailed(f"parametrized gate {op} is not a Pauli rotation")
        aff = affine_angle(rot.angle)
        if abs(abs(aff.coefficient) - 1) > 1e-12:
            raise AssumptionFailed(f"gate {op}: angle {rot.angle} is not ±θ + c")


def _bloch_moments(ops: list[cirq.Operation], derivative: Optional[sympy.Symbol] = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(E[r], E[r rᵀ])`` of the Bloch vector of ``ops|0⟩`` (or of ``∂r`` w.r.t. ``derivative``)."""
    syms = sorted({s for op in ops for s in cirq.parameter_symbols(op)}, key=str)
    owner = {s: op for op in ops for s in cirq.parameter_symbols(op)}
    q = ops[0].qubits[0] if ops else cirq.LineQubit(0)

    def bloch(values: dict) -> np.ndarray:
        c = cirq.resolve_parameters(cirq.Circuit(ops), values)
        u = c.unitary(qubit_order=[q]) if ops else np.eye(2)
        psi = u[:, 0]
        return np.array([np.real(np.vdot(psi, _PAULI[a] @ psi)) for a in "XYZ"])

    m1, m2 = np.zeros(3), np.zeros((3, 3))
    points = list(itertools.product(_GRID, repeat=len(syms)))
    for point in points:
        values: dict = {}
        for s, a in zip(syms, point):
            values.update(_rotation_angle(owner[s], s, a))
        if derivative is None:
            r = bloch(values)
        else:
            plus, minus = dict(values), dict(values)
            aff = affine_angle(as_pauli_rotation(owner[derivative]).angle)
            plus[derivative] += np.pi / 2 / aff.coefficient
            minus[derivative] -= np.pi / 2 / aff.coefficient
            r = (bloch(plus) - bloch(minus)) / 2
        m1 += r
        m2 += np.outer(r, r)
    return m1 / len(points), m2 / len(points)


# ----------------------------------------------------------------------------- sampling


@dataclasses.dataclass(frozen=True)
class CliffordSampling:
    """Result of :func:`clifford_sampling` (all quantities without the factor ``c_O²``).

    ``second_moment`` = ``E[Π_q M_q[Q_q,Q_q]]`` (times the anticommutation indicator for a
    gradient), ``mean`` = μ/c_O (0 for a gradient), ``e_min``/``e_max`` = ``E[g^{|LC|}]``,
    ``g_min``/``g_max`` the extreme first-layer factors, ``mean_light_cone`` = ``E|LC|``,
    ``exact`` whether the grid was enumerated, ``n_points`` the points used, ``std_error``
    of ``second_moment`` when sampled.
    """

    second_moment: float
    mean: float
    e_min: float
    e_max: float
    g_min: float
    g_max: float
    mean_light_cone: float
    exact: bool
    n_points: int
    std_error: float = 0.0

    @property
    def variance(self) -> float:
        return self.second_moment - self.mean**2


_CODE = {cirq.X: 1, cirq.Y: 2, cirq.Z: 3}
_FROM_CODE = {1: cirq.X, 2: cirq.Y, 3: cirq.Z}


@functools.lru_cache(maxsize=4096)
def _local_table(op: cirq.Operation) -> tuple[np.ndarray, np.ndarray]:
    """Conjugation ``G† P G`` of every local Pauli (base-4 code over ``op.qubits``): new code, sign."""
    k = len(op.qubits)
    new_code = np.zeros(4**k, dtype=np.int64)
    signs = np.ones(4**k)
    for code in range(4**k):
        letters = [(code // 4**j) % 4 for j in range(k)]
        ps = cirq.PauliString({q: _FROM_CODE[c] for q, c in zip(op.qubits, letters) if c})
        out = ps.conjugated_by(op) if ps else ps
        coeff = complex(out.coefficient)
        signs[code] = float(np.real(coeff))
        new_code[code] = sum(_CODE[out[q]] * 4**j for j, q in enumerate(op.qubits) if q in out.qubits)
    return new_code, signs


def _apply_table(letters: np.ndarray, sign: np.ndarray, rows: np.ndarray, cols: list[int],
                 table: tuple[np.ndarray, np.ndarray]) -> None:
    code = np.zeros(rows.size, dtype=np.int64)
    for j, c in enumerate(cols):
        code += letters[rows, c].astype(np.int64) * 4**j
    new_code, signs = table
    sign[rows] *= signs[code]
    nc = new_code[code]
    for j, c in enumerate(cols):
        letters[rows, c] = (nc // 4**j) % 4


def clifford_sampling(
    circuit: cirq.AbstractCircuit,
    observable: cirq.PauliString,
    parameter: Optional[sympy.Symbol] = None,
    *,
    n_samples: int = 2000,
    rng: Optional[np.random.Generator] = None,
    max_exact_points: int = MAX_EXACT_POINTS,
) -> CliffordSampling:
    """Clifford sampling of ``Var_θ[ℓ]`` (``parameter=None``) or ``Var_θ[∂_kℓ]`` from ``|0…0⟩``.

    All grid points are propagated at once: every Pauli string is a row of letters, every
    gate acts through its Cirq-computed conjugation table (``PauliString.conjugated_by``).

    Parameters
    ----------
    circuit : Clifford gates and Pauli rotations ``R_P(±θ + c)`` (independent θ).
    observable : a Pauli string (its coefficient is ignored: multiply by ``c_O²``).
    parameter : the differentiated θ_k, or None for the loss.
    n_samples : grid points drawn when the grid has more than ``max_exact_points`` points.
    rng : generator for the sampling (default seeded with 0).
    max_exact_points : enumerate the grid when it has at most this many points.

    Raises
    ------
    ValueError : non-Clifford constant gates, non-Pauli or shared parameters, an unknown
        ``parameter``, or ``n_samples < 2``.
    """
    check_rotation_clifford_circuit(circuit)
    qubits = sorted(circuit.all_qubits() | set(observable.qubits))
    col = {q: i for i, q in enumerate(qubits)}
    first, rest = first_layer_split(circuit)
    params_first = {s: q for q, ops in first.items() for op in ops for s in cirq.parameter_symbols(op)}
    rest_params = [s for op in rest for s in cirq.parameter_symbols(op)]
    if parameter is not None and parameter not in params_first and parameter not in rest_params:
        raise AssumptionFailed(f"parameter {parameter} does not occur in the circuit")
    deriv_qubit = params_first.get(parameter) if parameter is not None else None
    f1 = np.ones((len(qubits), 4))
    f2 = np.ones((len(qubits), 4))
    for q in qubits:
        m1, m2 = _bloch_moments(first.get(q, []), parameter if deriv_qubit == q else None)
        f1[col[q], 1:] = m1
        f2[col[q], 1:] = np.diag(m2)
    g_min, g_max = float(f2[:, 1:].min()), float(f2[:, 1:].max())
    total_points = 4 ** len(rest_params)
    exact = total_points <= max_exact_points
    if not exact and n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    rng = rng if rng is not None else np.random.default_rng(0)
    if exact:
        grid = np.array(list(itertools.product(range(4), repeat=len(rest_params))), dtype=np.int64)
        grid = grid.reshape(total_points, len(rest_params))
    else:
        grid = rng.integers(0, 4, size=(n_samples, len(rest_params)))
    rows = grid.shape[0]
    letters = np.zeros((rows, len(qubits)), dtype=np.int64)
    for q, p in observable.items():
        letters[:, col[q]] = _CODE[p]
    sign = np.ones(rows)
    indicator = np.ones(rows)
    all_rows = np.arange(rows)
    pindex = {s: j for j, s in enumerate(rest_params)}
    for op in reversed(rest):
        cols = [col[q] for q in op.qubits]
        syms = cirq.parameter_symbols(op)
        if not syms:
            _apply_table(letters, sign, all_rows, cols, _local_table(op))
            continue
        (s,) = syms
        if s == parameter:
            gen = as_pauli_rotation(op).pauli
            odd = np.zeros(rows, dtype=np.int64)
            for q, p in gen.items():
                cur = letters[:, col[q]]
                odd += (cur != 0) & (cur != _CODE[p])
            indicator *= (odd % 2 == 1)
        j = pindex[s]
        for a in range(4):
            sel = np.nonzero(grid[:, j] == a)[0]
            if sel.size:
                resolved = cirq.resolve_parameters(op, _rotation_angle(op, s, _GRID[a]))
                _apply_table(letters, sign, sel, cols, _local_table(resolved))
    if deriv_qubit is not None:
        indicator *= letters[:, col[deriv_qubit]] != 0
    idx = np.arange(len(qubits))
    prod = indicator * np.prod(f2[idx, letters], axis=1)
    mean = np.zeros(rows) if parameter is not None else sign * np.prod(f1[idx, letters], axis=1)
    weight = np.count_nonzero(letters, axis=1)
    se = 0.0 if exact else float(prod.std(ddof=1) / np.sqrt(rows))
    return CliffordSampling(
        second_moment=float(prod.mean()),
        mean=float(mean.mean()),
        e_min=float(np.mean(indicator * g_min**weight)),
        e_max=float(np.mean(indicator * g_max**weight)),
        g_min=g_min,
        g_max=g_max,
        mean_light_cone=float(weight.mean()),
        exact=exact,
        n_points=rows,
        std_error=se,
    )


# ----------------------------------------------------------------------------- checks, numbers


def _pauli_observable(model: Any) -> cirq.PauliString:
    terms = [t for t in model.observable if t.qubits]
    if len(terms) != 1:
        raise AssumptionFailed(f"the observable has {len(terms)} non-identity Pauli terms; the light-cone bounds "
                         "are for a single Pauli string (plus a constant)")
    return terms[0]


def check_pauli_observable(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    try:
        p = _pauli_observable(ctx.model)
    except ValueError as exc:
        return False, str(exc)
    return True, f"observable {p} (one Pauli string)"


def check_zero_input(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    if ctx.model.dataset is not None or ctx.model.data_symbols:
        return False, "the model embeds data; Clifford sampling here starts from |0…0⟩ (a VQA)"
    return True, "input |0…0⟩ (the embedding, if any, is a data-free part of the circuit)"


def check_clifford_rotations(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_model(ctx)
    if missing:
        return missing
    try:
        check_rotation_clifford_circuit(ctx.model.circuit)
    except ValueError as exc:
        return False, str(exc)
    return True, "Clifford gates and independent Pauli rotations R_P(±θ + c)"


def _sampling(ctx: Context, parameter: Optional[sympy.Symbol]) -> CliffordSampling:
    rng = ctx.extra.get("rng", 0)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return clifford_sampling(ctx.model.circuit, _pauli_observable(ctx.model), parameter,
                             n_samples=int(ctx.extra.get("n_samples", 2000)), rng=rng)


def _substitutions(parameter_scope: bool):
    def subs(ctx: Context) -> dict[str, Any]:
        if ctx.model is None or (parameter_scope and ctx.parameter is None):
            return {}
        res = _sampling(ctx, ctx.parameter if parameter_scope else None)
        c = abs(complex(_pauli_observable(ctx.model).coefficient))
        return {"O_norm": c, "E_prod": res.second_moment, "E_min": res.e_min, "E_max": res.e_max, "mu": res.mean}

    return subs


GATES = assumption("clifford_and_pauli_rotations", check_clifford_rotations)
PAULI_OBS = assumption("pauli_observable", check_pauli_observable)
ZERO_INPUT = assumption("zero_input", check_zero_input)

_SYMBOLS = {
    "E_prod": "E_{θ∈{0,π/2,π,3π/2}^M}[Π_q M_q[Q_q,Q_q]]: Clifford-sampled second moment (first layer integrated)",
    "E_min": "E_θ[g_min^{|LC(θ)|}], |LC| = support of the Clifford-evolved Pauli observable",
    "E_max": "E_θ[g_max^{|LC(θ)|}]",
    "mu": "E_θ[ℓ]/c_O (0 when the first layer averages every Bloch component to zero)",
}

LOSS = Theorem(
    key="letcher2023.loss_light_cone",
    title="Loss variance by Clifford sampling, bracketed by the light-cone size: E[g_min^|LC|] … E[g_max^|LC|]",
    citation=CITATION,
    bounds=(
        Bound("loss_variance", "exact", O_norm**2 * (E_prod - mu**2), quantity=r"\operatorname{Var}_{\theta}[\ell]",
              symbols=_SYMBOLS, citation=CITATION,
              notes="exact when the Clifford grid is enumerated; a Monte Carlo estimate otherwise"),
        Bound("loss_variance_lower", "lower", O_norm**2 * (E_min - mu**2), quantity=r"\operatorname{Var}_{\theta}[\ell]",
              symbols=_SYMBOLS, citation=CITATION),
        Bound("loss_variance_upper", "upper", O_norm**2 * (E_max - mu**2), quantity=r"\operatorname{Var}_{\theta}[\ell]",
              symbols=_SYMBOLS, citation=CITATION),
    ),
    assumptions=(GATES, PAULI_OBS, ZERO_INPUT),
    substitutions=_substitutions(False),
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_letcher2023.py::test_loss_variance_matches_exact_engine_and_brackets, "
        "tests/bounds/theorems/test_letcher2023.py::test_loss_variance_matches_brute_force_sampling, "
        "tests/bounds/theorems/test_letcher2023.py::test_bracket_reproduces_authors_light_cone_estimator",
        "Clifford-sampled Var[ℓ] equals bpcalc's exact Pauli-path loss variance (1e-10) and a continuous-θ "
        "statevector Monte Carlo (4σ); lower <= exact <= upper; RZ·RY first layer gives g = 1/4, 1/2. "
        "The bracket is compared with the authors' code (github.com/Zoufalc/efficient_gradient_bounds: "
        "mean((1/4)^|LC|), mean((1/2)^|LC|) over θ ∈ {0, π/2}^P, |LC| the support of the Heisenberg-evolved "
        "Pauli), re-implemented independently with cirq.PauliString.conjugated_by: on RY·RZ + CZ/CNOT circuits "
        "the registered lower/upper values equal both the four-point and the authors' two-point means exactly, "
        "and the authors' estimator mean(⟨O⟩²) equals the exact variance (μ = 0); the two-point mean of ⟨O⟩ "
        "itself is biased. Paper text not read; the exact identity is derived in bpcalc.",
        source="restated",
    ),
    statement="Var_θ[ℓ] = c_O²(E_grid[Π_q M_q] − μ²) exactly, with the Heisenberg-evolved observable a Pauli string at "
              "every Clifford point; hence c_O²(E[g_min^{|LC|}] − μ²) ≤ Var_θ[ℓ] ≤ c_O²(E[g_max^{|LC|}] − μ²)."
              " Observable normalisation: a single Pauli term with coefficient c_O (the bound scales with c_O²).",
    scope="loss",
    tags=("clifford-sampling", "light-cone", "pauli-rotations"),
)

GRADIENT = Theorem(
    key="letcher2023.gradient_light_cone",
    title="Gradient variance by Clifford sampling, bracketed by the light-cone size",
    citation=CITATION_GRAD,
    bounds=(
        Bound("gradient_variance", "exact", O_norm**2 * E_prod, symbols=_SYMBOLS, citation=CITATION_GRAD,
              notes="E[∂_kℓ] = 0; exact when the grid is enumerated, else a Monte Carlo estimate"),
        Bound("gradient_variance_lower", "lower", O_norm**2 * E_min, symbols=_SYMBOLS, citation=CITATION_GRAD),
        Bound("gradient_variance_upper", "upper", O_norm**2 * E_max, symbols=_SYMBOLS, citation=CITATION_GRAD),
    ),
    assumptions=(GATES, PAULI_OBS, ZERO_INPUT),
    substitutions=_substitutions(True),
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_letcher2023.py::test_gradient_variance_matches_exact_engine_and_brackets",
        "Clifford-sampled Var[∂_kℓ] equals bpcalc's exact Pauli-path gradient variance for every parameter "
        "(first-layer and deeper ones); lower <= exact <= upper. The gradient bracket is not in the authors' "
        "code (which computes loss bounds only) and the paper text was not read: derived in bpcalc.",
        source="derived",
    ),
    statement="Var_θ[∂_kℓ] = c_O² E_grid[1{Q_k anticommutes with P_k} Π_q M_q], bracketed by "
              "c_O² E[1{…} g_min^{|LC|}] and c_O² E[1{…} g_max^{|LC|}]."
              " Observable normalisation: a single Pauli term with coefficient c_O (the bound scales with c_O²).",
    scope="parameter",
    tags=("clifford-sampling", "light-cone", "pauli-rotations"),
)

THEOREMS = (LOSS, GRADIENT)
