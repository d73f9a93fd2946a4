"""Re-uploading models vs their data-less counterparts (Barthe & Pérez-Salinas 2023), absorbed data.

Setting: a data re-uploading model (``circuits.Model(reuploading=True)``),
``ℓ_x(θ) = Tr[W(x, θ) |0…0⟩⟨0…0| W(x, θ)† O]`` with ``W`` = embedding + ansatz, whose data
gates ``exp(-iφ(x)P/2)`` are interleaved with trainable Pauli rotations; the trainable angles
are independent and uniform on ``[0, 2π)``.  The *data-less counterpart* ``ℓ_0(θ)`` is the same
circuit with every data gate removed.

``barthe2023.absorbed_data`` (derived)
    If every data gate is *absorbable* — next to a trainable rotation ``exp(-i(aθ_j + c)P/2)``
    about the same Pauli string (``a`` a nonzero integer, ``θ_j`` in no other gate; data
    rotations about the same ``P`` may sit in between) — then for every data point ``x``::

        Var_θ[∂_k ℓ_x] = Var_θ[∂_k ℓ_0]        (every k, every x; in fact equal distributions),

    and for the linear loss ``L = Σ_i u_i ℓ_{x_i}`` (``u_i = y_i/N``, or ``1/N`` without labels)::

        Var_θ[∂_k L] ≤ (Σ_i |u_i|)² · Var_θ[∂_k ℓ_0],

    with equality when all ``x_i`` coincide and the ``u_i`` have one sign.  So a re-uploading
    model whose data can be absorbed has exactly the barren plateau (or its absence) of its
    data-less model, whatever the data.

Derivation.  ``R_P(φ) R_P(aθ_j + c) = R_P(a(θ_j + φ/a) + c)``; the expectation is
``2π``-periodic in every rotation angle, so in ``θ_j`` with period ``2π/|a|``, and the circuit is
``ℓ_x(θ) = ℓ_0(θ + s(x))`` with ``s(x)_j = Σ φ(x)/a`` over the data gates absorbed by ``θ_j``.
The shift ``θ ↦ θ + s(x) (mod 2π)`` preserves the uniform product measure, and
``∂_k ℓ_x(θ) = (∂_k ℓ_0)(θ + s(x))``, so ``∂_k ℓ_x`` and ``∂_k ℓ_0`` have the same
distribution.  For the loss, ``Var[Σ u_i g_i] ≤ (Σ |u_i| √Var g_i)²`` (Cauchy–Schwarz on the
covariances) with ``Var g_i = Var_θ[∂_k ℓ_0]``.

What the paper says and what is registered.  Barthe & Pérez-Salinas relate the gradients of a
re-uploading model to those of its data-less counterpart through the model's frequency profile,
with a quantity measuring how far the data gates are from being absorbed by the trainable
layers.  Their statement and constants could not be read in this project (only the abstract
was found, see ``docs/theorems/notes-issue18.md``); the registered theorem is the
*exactly absorbed* case, derived here, where the difference vanishes identically.  It is
``source="derived"`` and says nothing about models whose data cannot be absorbed (refused, with
the first data gate that is not absorbable).

Examples
--------
>>> import cirq, sympy
>>> from bpcalc import circuits
>>> from bpcalc.bounds import get_theorem
>>> from bpcalc.bounds.registry import Context
>>> q = cirq.LineQubit.range(2)
>>> x, a, b, c = sympy.symbols("x_0 a b c")
>>> ansatz = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.ry(x).on(q[0]), cirq.CZ(*q), cirq.rx(b).on(q[0]),
...                       cirq.rx(2 * x).on(q[0]), cirq.ry(c).on(q[1]))
>>> data = circuits.Dataset(x=[[0.3], [1.1]], y=[1.0, -1.0], name="toy")
>>> model = circuits.Model(ansatz=ansatz, observable="Z0", dataset=data, reuploading=True)
>>> inst = get_theorem("barthe2023.absorbed_data").instantiate(Context(model=model, parameter=a))
>>> [(v.name, round(float(v.value), 6)) for v in inst.values]
[('per_point', 0.25), ('linear_loss', 0.25)]

References
----------
.. [1] A. Barthe, A. Pérez-Salinas, "Gradients and frequency profiles of quantum re-uploading
   models", arXiv:2311.10822 (2023) (setting: re-uploading models and their data-less
   counterparts; the registered absorbed-data identity is derived in bpcalc).
.. [2] A. Pérez-Salinas, A. Cervera-Lierta, E. Gil-Fuster, J. I. Latorre, "Data re-uploading for a
   universal quantum classifier", Quantum 4, 226 (2020), arXiv:1907.02085 (the model).
"""

from __future__ import annotations

from typing import Any, Optional

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation

from ..assumptions import assumption
from ..bound import AssumptionFailed, Bound, Citation
from ..registry import Context, Theorem, Verification

__all__ = ["THEOREMS", "ABSORBED_DATA", "absorption_map", "dataless_circuit", "MAX_AUTO_QUBITS"]

MAX_AUTO_QUBITS = 12
"""Largest model whose data-less gradient variance the substitutions compute with the exact engine."""

CITATION = Citation(
    authors="Barthe, Pérez-Salinas",
    title="Gradients and frequency profiles of quantum re-uploading models",
    arxiv="2311.10822",
    year=2023,
    locator="setting of the main results (re-uploading vs data-less model); absorbed case derived",
    note="the paper's text was not accessible here (abstract only); the registered identity is the case of "
         "exactly absorbable data gates, derived in bpcalc and checked against the exact re-uploading engine",
)

var_0 = sympy.Symbol("var_0", nonnegative=True)
u_1 = sympy.Symbol("u_1", nonnegative=True)
_SYMBOLS = {
    "var_0": "Var_θ[∂_k ℓ_0] of the data-less counterpart (every data gate removed), exact engine",
    "u_1": "Σ_i |u_i|, the 1-norm of the linear-loss weights (u_i = y_i/N, or 1/N without labels)",
}
_LATEX = {"var_0": r"\operatorname{Var}_{\theta}[\partial_k \ell_0]", "u_1": r"\|u\|_1"}


def _ops(circuit: cirq.AbstractCircuit) -> list[cirq.Operation]:
    return [op for moment in circuit for op in moment]


def _is_data(op: cirq.Operation, data: set) -> bool:
    return bool(cirq.parameter_symbols(op) & data)


def absorption_map(circuit: cirq.AbstractCircuit, data_symbols) -> dict:
    """For every data gate (index in moment order) the trainable symbol whose rotation absorbs it.

    Raises
    ------
    AssumptionFailed : no data gate, or a data gate that is not absorbable (the message names it).
    """
    data = set(data_symbols)
    ops = _ops(circuit)
    holders: dict = {}
    for op in ops:
        for s in cirq.parameter_symbols(op) - data:
            holders.setdefault(s, []).append(op)
    found: dict = {}
    for i, op in enumerate(ops):
        if not _is_data(op, data):
            continue
        rot = as_pauli_rotation(op)
        if rot is None or not rot.angle.free_symbols <= data:
            raise AssumptionFailed(f"data gate {op} is not a Pauli rotation exp(-iφ(x)P/2) with an angle in the data only")
        qubits = set(op.qubits)
        partner = None
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(ops):
                other = ops[j]
                if not qubits & set(other.qubits):
                    j += step
                    continue
                orot = as_pauli_rotation(other)
                if orot is None or set(other.qubits) != qubits or not _same_axis(orot.pauli, rot.pauli):
                    break
                if _is_data(other, data):  # data rotation about the same axis: merges, keep looking
                    j += step
                    continue
                partner = _absorber(other, orot, holders)
                break
            if partner is not None:
                break
        if partner is None:
            raise AssumptionFailed(
                f"data gate {op} is not absorbable: no trainable rotation about the same Pauli string "
                f"{rot.pauli} (own parameter, integer coefficient) next to it on its qubits")
        found[i] = partner
    if not found:
        raise AssumptionFailed("the circuit has no data gate")
    return found


def _same_axis(p: cirq.PauliString, q: cirq.PauliString) -> bool:
    a, b = cirq.PauliString(p), cirq.PauliString(q)
    return dict(a.items()) == dict(b.items())


def _absorber(op: cirq.Operation, rot, holders: dict) -> Optional[sympy.Symbol]:
    try:
        aff = affine_angle(rot.angle)
    except ValueError:
        return None
    if aff.symbol is None or len(holders.get(aff.symbol, [])) != 1:
        return None
    a = aff.coefficient
    if a == 0 or abs(a - round(a)) > 1e-12:
        return None
    return aff.symbol


def dataless_circuit(circuit: cirq.AbstractCircuit, data_symbols) -> cirq.Circuit:
    """``circuit`` without its data gates (the data-less counterpart)."""
    data = set(data_symbols)
    return cirq.Circuit(cirq.Moment(op for op in m if not _is_data(op, data)) for m in circuit)


def check_absorbable(ctx: Context) -> tuple[Optional[bool], str]:
    model = ctx.model
    if model is None:
        return None, "no model given"
    if not getattr(model, "reuploading", False):
        return False, "not a data re-uploading model (Model(reuploading=True))"
    if ctx.parameter is None:
        return None, "no differentiated parameter θ_k given"
    try:
        found = absorption_map(model.circuit, model.data_symbols)
    except AssumptionFailed as exc:
        return False, str(exc)
    for op in model.circuit.all_operations():
        if ctx.parameter in cirq.parameter_symbols(op) and as_pauli_rotation(op) is None:
            return False, f"gate {op} holding {ctx.parameter} is not a Pauli rotation"
    return True, f"all {len(found)} data gates are absorbed by trainable rotations about the same Pauli string"


ABSORBABLE = assumption("absorbable_data_gates", check_absorbable)


def _weights(model: Any) -> np.ndarray:
    n = len(model.dataset.x)
    return np.asarray(model.dataset.y, dtype=float) / n if model.dataset.y is not None else np.full(n, 1.0 / n)


def _dataless_variances(model: Any) -> dict[str, float]:
    """``Var_θ[∂_k ℓ_0]`` of the data-less circuit for every trainable parameter (one exact propagation)."""
    from ..exact import exact_gradient_variance

    circuit = dataless_circuit(model.circuit, model.data_symbols)
    r = exact_gradient_variance(circuit, model.observable, None, list(model.trainable_symbols), method="exact",
                                max_terms=2**15, qubits=tuple(model.qubits))
    return {p.name: float(v) for p, v in zip(r.parameters, r.values)}


def _substitutions(ctx: Context) -> dict[str, Any]:
    model, p = ctx.model, ctx.parameter
    if model is None or p is None:
        return {}
    out: dict[str, Any] = {}
    given = ctx.extra.get("dataless_gradient_variances")
    if given is not None and p.name in given:
        out["var_0"] = float(given[p.name])
    elif model.n_qubits <= MAX_AUTO_QUBITS:
        try:
            out["var_0"] = ctx.memoized("barthe2023.var_0", lambda: _dataless_variances(model))[p.name]
        except (ValueError, TypeError, NotImplementedError, MemoryError, KeyError):
            pass
    if model.dataset is not None and model.loss == "linear":
        out["u_1"] = float(np.sum(np.abs(_weights(model))))
    return out


_PER_POINT = r"\operatorname{Var}_{\theta}[\partial_k \ell_x] \ \forall x"
_LOSS = r"\operatorname{Var}_{\theta}[\partial_k \mathcal{L}]"
_TESTS = "tests/bounds/theorems/test_barthe2023.py"

ABSORBED_DATA = Theorem(
    key="barthe2023.absorbed_data",
    title="Absorbable re-uploaded data: Var[∂_k ℓ_x] = Var[∂_k ℓ_0] for every x; Var[∂_k L] ≤ ‖u‖₁² Var[∂_k ℓ_0]",
    citation=CITATION,
    bounds=(
        Bound("per_point", "exact", var_0, _PER_POINT, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="Every data point has the gradient variance of the data-less model (equal distributions)."),
        Bound("linear_loss", "upper", u_1**2 * var_0, _LOSS, _SYMBOLS, citation=CITATION, latex_names=_LATEX,
              notes="Linear loss L = Σ u_i ℓ_{x_i}; Cauchy–Schwarz over the correlated points; equality for "
                    "identical points with weights of one sign."),
    ),
    assumptions=(ABSORBABLE,),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        f"{_TESTS}::test_per_point_equals_dataless_exact_engine, {_TESTS}::test_linear_loss_bound_and_equality, "
        f"{_TESTS}::test_not_absorbable_differs_and_is_refused",
        "Derived in bpcalc (shift invariance of the uniform angles; the paper's text was not accessible). Check: "
        "bounds.exact.exact_reuploading_gradient_variance (one Pauli propagation per data point, and the data "
        "register for the linear loss) on random absorbable re-uploading circuits of 2-4 qubits: every per-point "
        "variance equals the data-less value to 1e-12; the loss variance is below ‖u‖₁² Var_0 and equal for "
        "repeated points. Mutation: a data gate about another axis than its neighbour (RZ next to RY) changes the "
        "per-point variances, and the check refuses it.",
        source="derived",
    ),
    statement="For a data re-uploading model whose every data gate exp(-iφ(x)P/2) sits next to a trainable rotation "
              "about the same Pauli string (own parameter, integer coefficient, angles uniform), the gradient of "
              "every data point has the distribution of the data-less model's: Var_θ[∂_k ℓ_x] = Var_θ[∂_k ℓ_0] for "
              "all x, and Var_θ[∂_k L] ≤ (Σ_i |u_i|)² Var_θ[∂_k ℓ_0] for the linear loss. Observable normalisation: "
              "any O (both sides use the same O).",
    scope="parameter",
    tags=("reuploading", "data", "exact"),
)

THEOREMS = (ABSORBED_DATA,)
