"""Write a Cirq gate as a product of Pauli-string rotations ``exp(-i φ P / 2)``.

The exact Pauli-path engine propagates Pauli strings through Pauli rotations and Clifford
gates.  This module turns the other gates a researcher writes into those, exactly (up to a
global phase, which no loss sees):

* ``cirq.rx/ry/rz``, ``X**t``-style gates, ``XX/YY/ZZ**t``, ``PauliStringPhasor`` and
  ``PhasedXPowGate`` with a quarter-turn phase: one rotation (:func:`circuits.as_pauli_rotation`);
* any other ``cirq.EigenGate`` with exponent ``e`` (``CZ**t`` / cphase, ``CNOT**t``,
  ``ISWAP**t``, ``CCZ**t`` …): ``U = Σ_λ e^{iπeλ} Π_λ = exp(iπe H)`` with ``H = Σ_λ λ Π_λ``.
  When ``H = Σ_P h_P P`` has pairwise commuting Pauli terms with rational ``h_P``,
  ``U = Π_P exp(-i (−2π h_P e) P / 2)`` — a product of commuting rotations (the identity term is
  a global phase).  ``CZ**t`` gives angles ``πt/2, πt/2, −πt/2`` on ``Z_a, Z_b, Z_aZ_b``;
* controlled gates (``cirq.ControlledGate(cirq.rz(θ))``, i.e. ``crz``, ``crx``, controlled
  ``X**t`` …) of an ``EigenGate``: ``C-U = exp(iπe Π_c ⊗ Σ_λ (λ + shift) Π_λ)`` with ``Π_c``
  the projector on the control values (the sub-gate's global phase becomes a relative phase
  and is kept); ``crz(θ)`` = ``exp(-i(θ/2) Z_t/2) exp(+i(θ/2) Z_cZ_t/2)``;
* ``cirq.circuits.qasm_output.QasmUGate`` (OpenQASM ``u3``): ``rz(πλ) ry(πθ) rz(πφ)``;
* anything else with a Cirq decomposition (``cirq.FSimGate(θ, φ)`` = ``XX`` and ``YY``
  rotations by ``θ`` and ``CZ**(−φ/π)``; ``cirq.PhasedXZGate``; ``PhasedXPowGate`` with a
  constant phase = ``Z^{-p} X^t Z^{p}``), recursively.

Every decomposition is checked numerically: the product of the pieces, at random values of
the symbols, must equal the gate's unitary up to a global phase (atol ``1e-8``), or the gate
is refused.  That check makes the module safe against convention slips (signs, the order of
non-commuting factors, global shifts).

References
----------
.. [1] M. A. Nielsen, I. L. Chuang, *Quantum Computation and Quantum Information*, §4.2
   (rotation operators, ``exp(-iθP/2)``) and §4.3 (controlled operations).
.. [2] Cirq documentation, ``cirq.EigenGate`` (``U = Σ_λ exp(iπ t (λ + s)) Π_λ``).
"""

from __future__ import annotations

import dataclasses
import fractions
import itertools
from typing import Optional, Union

import cirq
import numpy as np
import sympy

from bpcalc import circuits

from .ties import rational

__all__ = ["PauliFactor", "pauli_factors", "has_general_gates", "MAX_GENERATOR_QUBITS"]

MAX_GENERATOR_QUBITS = 4
"""Largest gate (in qubits) whose generator is Pauli-decomposed (``4^k`` Pauli terms)."""
_RATIONAL_TOL = 1e-9
_CHECK_TOL = 1e-8
_MAX_DEPTH = 4
_PAULIS = (cirq.I, cirq.X, cirq.Y, cirq.Z)


@dataclasses.dataclass(frozen=True)
class PauliFactor:
    """The rotation ``exp(-i angle · pauli / 2)``; ``pauli`` is Hermitian (coefficient ``±1``)."""

    pauli: cirq.PauliString
    angle: sympy.Expr

    def operation(self) -> cirq.Operation:
        """The factor as a ``cirq.PauliStringPhasor`` (the engine's rotation form)."""
        sign = 1 if complex(self.pauli.coefficient).real > 0 else -1
        unit = self.pauli.with_coefficient(1)
        exponent = sympy.expand(sign * sympy.sympify(self.angle) / sympy.pi)
        if not exponent.free_symbols:
            exponent = float(exponent)
        return cirq.PauliStringPhasor(unit, exponent_neg=exponent, exponent_pos=0)


Piece = Union[PauliFactor, cirq.Operation]


def _pauli_terms(h: np.ndarray, qubits) -> Optional[list[tuple[cirq.PauliString, fractions.Fraction]]]:
    """``H = Σ h_P P`` with rational ``h_P`` and pairwise commuting ``P`` (identity dropped), else None."""
    k = len(qubits)
    dim = 2**k
    terms = []
    for letters in itertools.product(range(4), repeat=k):
        if not any(letters):
            continue
        ps = cirq.PauliString({q: _PAULIS[a] for q, a in zip(qubits, letters) if a})
        hp = np.trace(ps.matrix(qubits) @ h) / dim
        if abs(hp.imag) > _RATIONAL_TOL:
            return None
        if abs(hp.real) < _RATIONAL_TOL:
            continue
        r = rational(hp.real)
        if r is None:
            return None
        terms.append((ps, r))
    for (a, _), (b, _) in itertools.combinations(terms, 2):
        if not cirq.commutes(a, b):
            return None
    return terms


def _eigen_generator(gate) -> Optional[tuple[np.ndarray, sympy.Expr]]:
    """``(H, e)`` with ``U = exp(iπ e H)`` up to a global phase, for an ``EigenGate``."""
    try:
        comps = gate._eigen_components()  # noqa: SLF001 (Cirq's documented EigenGate hook)
    except Exception:  # pragma: no cover - an EigenGate without components
        return None
    h = sum(float(lam) * np.asarray(proj, dtype=complex) for lam, proj in comps)
    return h, sympy.sympify(gate.exponent)


def _controlled_generator(op_or_gate, qubits) -> Optional[tuple[np.ndarray, sympy.Expr]]:
    gate = op_or_gate
    if not isinstance(gate, cirq.ControlledGate):
        return None
    sub = gate.sub_gate
    if not isinstance(sub, cirq.EigenGate) or any(d != 2 for d in gate.control_qid_shape):
        return None
    try:
        comps = sub._eigen_components()  # noqa: SLF001
    except Exception:  # pragma: no cover
        return None
    shift = float(getattr(sub, "global_shift", 0.0))
    h_sub = sum((float(lam) + shift) * np.asarray(proj, dtype=complex) for lam, proj in comps)
    values = list(gate.control_values.expand())
    n_c = gate.num_controls()
    proj = np.zeros((2**n_c, 2**n_c), dtype=complex)
    for combo in values:
        idx = int("".join(str(int(b)) for b in combo), 2)
        proj[idx, idx] = 1.0
    return np.kron(proj, h_sub), sympy.sympify(sub.exponent)


def _from_generator(h: np.ndarray, e: sympy.Expr, qubits) -> Optional[list[PauliFactor]]:
    if len(qubits) > MAX_GENERATOR_QUBITS:
        return None
    terms = _pauli_terms(h, qubits)
    if terms is None:
        return None
    out = []
    for ps, r in terms:
        sign = 1 if complex(ps.coefficient).real > 0 else -1
        angle = sympy.expand(-2 * sympy.pi * sympy.Rational(r.numerator, r.denominator) * sign * e)
        out.append(PauliFactor(ps.with_coefficient(1), angle))
    return out


def _half_turns(value) -> sympy.Expr:
    """``π·value`` with Cirq's ``Mod(x, 2)`` removed (a rotation by ``π(x + 2)`` is ``−1`` times one by ``πx``)."""
    expr = sympy.sympify(value).replace(sympy.Mod, lambda a, b: a if b == 2 else sympy.Mod(a, b))
    return sympy.expand(sympy.pi * expr)


def _qasm_u(gate, q) -> list[PauliFactor]:
    return [
        PauliFactor(cirq.PauliString(cirq.Z(q)), _half_turns(gate.lmda)),
        PauliFactor(cirq.PauliString(cirq.Y(q)), _half_turns(gate.theta)),
        PauliFactor(cirq.PauliString(cirq.Z(q)), _half_turns(gate.phi)),
    ]


def _pieces(op: cirq.Operation, depth: int) -> Optional[list[Piece]]:
    op = op.untagged if isinstance(op, cirq.TaggedOperation) else op
    if len(op.qubits) == 0:  # a global phase
        return []
    if not cirq.is_parameterized(op) and not cirq.has_unitary(op):
        return None
    rot = circuits.as_pauli_rotation(op)
    if rot is not None:
        return [] if len(rot.pauli) == 0 else [PauliFactor(rot.pauli, rot.angle)]
    if not cirq.is_parameterized(op) and circuits.is_clifford_operation(op):
        return [op]
    gate = getattr(op, "gate", None)
    if any(d != 2 for d in cirq.qid_shape(op)):
        return None
    qubits = list(op.qubits)
    if gate is not None and type(gate).__name__ == "QasmUGate" and len(qubits) == 1:
        return list(_qasm_u(gate, qubits[0]))
    gen = None
    if isinstance(gate, cirq.EigenGate):
        gen = _eigen_generator(gate)
    elif isinstance(gate, cirq.ControlledGate):
        gen = _controlled_generator(gate, qubits)
    if gen is not None and not (isinstance(gen[1], sympy.Basic) and len(gen[1].free_symbols) > 1):
        found = _from_generator(gen[0], gen[1], qubits)
        if found is not None:
            return list(found)
    if depth >= _MAX_DEPTH:
        return None
    try:
        sub = cirq.decompose_once(op, None)
    except (TypeError, ValueError):  # pragma: no cover - a broken decomposition
        sub = None
    if not sub:
        return None
    out: list[Piece] = []
    for s in sub:
        p = _pieces(s, depth + 1)
        if p is None:
            return None
        out.extend(p)
    return out


def _pieces_unitary(pieces: list[Piece], qubits, resolver) -> np.ndarray:
    ops = [p.operation() if isinstance(p, PauliFactor) else p for p in pieces]
    if not ops:
        return np.eye(2 ** len(qubits), dtype=complex)
    c = cirq.resolve_parameters(cirq.Circuit(ops), resolver)
    return c.unitary(qubit_order=qubits, qubits_that_should_be_present=qubits)


def _same_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    inner = np.vdot(a.ravel(), b.ravel())
    if abs(inner) < 1e-12:
        return False
    return bool(np.allclose(a * (inner / abs(inner)), b, atol=_CHECK_TOL))


def pauli_factors(op: cirq.Operation) -> Optional[tuple[Piece, ...]]:
    """``op`` as a time-ordered product of Pauli rotations (:class:`PauliFactor`) and Clifford operations.

    Returns ``None`` when no exact decomposition is known (e.g. ``H**t``, whose generator has
    irrational Pauli coefficients, or a gate on more than :data:`MAX_GENERATOR_QUBITS` qubits
    without a Cirq decomposition).  Checked numerically at two random points of the symbols.

    Examples
    --------
    >>> import cirq, sympy
    >>> a, b = cirq.LineQubit.range(2)
    >>> t = sympy.Symbol("t")
    >>> [(str(f.pauli), f.angle) for f in pauli_factors(cirq.ControlledGate(cirq.rz(t)).on(a, b))]
    [('Z(q(1))', t/2), ('Z(q(0))*Z(q(1))', -t/2)]
    >>> len(pauli_factors(cirq.CZPowGate(exponent=t).on(a, b)))
    3
    """
    try:
        pieces = _pieces(op, 0)
    except (TypeError, ValueError, NotImplementedError, AttributeError):  # a Cirq decomposition that needs numbers
        return None
    if pieces is None:
        return None
    qubits = list(op.qubits)
    if len(qubits) > 2 * MAX_GENERATOR_QUBITS:
        return tuple(pieces)  # too large for a dense check; every piece was built exactly
    syms = sorted(cirq.parameter_symbols(op), key=lambda s: s.name)
    rng = np.random.default_rng(20261202)
    for _ in range(2 if syms else 1):
        resolver = {s: float(rng.uniform(-3.0, 3.0)) for s in syms}
        try:
            target = cirq.unitary(cirq.resolve_parameters(op, resolver))
            got = _pieces_unitary(pieces, qubits, resolver)
        except (TypeError, ValueError):
            return None
        if not _same_up_to_phase(got, target):
            return None
    return tuple(pieces)


def has_general_gates(circuit: cirq.AbstractCircuit) -> bool:
    """True if a parametrized operation is not a single Pauli rotation or a symbol drives several gates.

    Such circuits need :func:`pauli_factors` (and tied-parameter averaging), which only the
    Pauli-path enumeration implements; the tensor-network route skips them.
    """
    seen: set = set()
    for op in circuit.all_operations():
        if not cirq.is_parameterized(op):
            continue
        if circuits.as_pauli_rotation(op) is None:
            return True
        syms = cirq.parameter_symbols(op)
        if syms & seen:
            return True
        seen |= syms
    return False
