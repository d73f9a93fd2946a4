"""Observables (cost operators) as ``cirq.PauliSum`` and their locality.

* :func:`local_cost` — ``(1/n) Σ_j |0⟩⟨0|_j`` (``form='projector'``, the seed paper's
  ``O_L``) or ``(1/n) Σ_j Z_j`` (``form='z'``);
* :func:`global_cost` — ``|0…0⟩⟨0…0|`` expanded into its ``2^n`` Z-strings;
* :func:`parse_pauli_sum` — ``"0.5*Z0*Z1 + X3"`` on ``cirq.LineQubit``s;
* :func:`locality` — support, maximal weight and per-term weights.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Iterable, Sequence

import cirq
import numpy as np

from ._validation import require_circuit

__all__ = [
    "Locality",
    "local_cost",
    "global_cost",
    "parse_pauli_sum",
    "as_pauli_sum",
    "locality",
    "observable_qubits",
    "check_observable_on_circuit",
    "MAX_GLOBAL_COST_QUBITS",
]

MAX_GLOBAL_COST_QUBITS = 16


def _qubit_list(qubits: Iterable[cirq.Qid]) -> list[cirq.Qid]:
    if isinstance(qubits, int):
        raise TypeError("pass a list of qubits, e.g. cirq.LineQubit.range(n), not an int")
    qs = list(qubits)
    if not qs:
        raise ValueError("an observable needs at least one qubit")
    if len(set(qs)) != len(qs):
        raise ValueError(f"repeated qubits: {qs}")
    return qs


def local_cost(qubits: Iterable[cirq.Qid], form: str = "projector") -> cirq.PauliSum:
    """Local cost ``(1/n) Σ_j |0⟩⟨0|_j = 1/2 + (1/2n) Σ_j Z_j`` or ``(1/n) Σ_j Z_j`` (``form='z'``)."""
    qs = _qubit_list(qubits)
    n = len(qs)
    if form == "projector":
        return cirq.PauliSum.from_pauli_strings(
            [cirq.PauliString(0.5)] + [cirq.PauliString(cirq.Z(q), coefficient=0.5 / n) for q in qs]
        )
    if form == "z":
        return cirq.PauliSum.from_pauli_strings([cirq.PauliString(cirq.Z(q), coefficient=1.0 / n) for q in qs])
    raise ValueError(f"form must be 'projector' or 'z', got {form!r}")


def global_cost(qubits: Iterable[cirq.Qid]) -> cirq.PauliSum:
    """Global cost ``|0…0⟩⟨0…0| = 2^{-n} Σ_{S ⊆ [n]} Z_S`` (``n <= 16``: ``2^n`` terms)."""
    qs = _qubit_list(qubits)
    n = len(qs)
    if n > MAX_GLOBAL_COST_QUBITS:
        raise ValueError(
            f"global_cost expands into 2^n Pauli strings; n = {n} exceeds {MAX_GLOBAL_COST_QUBITS}. "
            "Use cirq.ProjectorString for simulation or the closed-form global-cost bounds."
        )
    terms = []
    for mask in itertools.product((0, 1), repeat=n):
        ps = cirq.PauliString({q: cirq.Z for q, b in zip(qs, mask) if b}, coefficient=2.0**-n)
        terms.append(ps)
    return cirq.PauliSum.from_pauli_strings(terms)


_TERM = re.compile(r"^\s*(?:(?P<coef>[-+]?\s*(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))\s*\*?\s*)?(?P<paulis>(?:[IXYZ]\d+\s*\*?\s*)*)$")
_PAULI = re.compile(r"([IXYZ])(\d+)")


def parse_pauli_sum(text: str, qubits: Sequence[cirq.Qid] | None = None) -> cirq.PauliSum:
    """Parse ``"0.5*Z0*Z1 - X3 + 2"`` into a ``cirq.PauliSum``.

    Qubit ``k`` is ``cirq.LineQubit(k)``, or ``qubits[k]`` when ``qubits`` is given.

    Raises
    ------
    ValueError : naming the offending term and its column (a dangling ``*``, an unknown
        letter, a repeated qubit, a coefficient that overflows to infinity).

    Examples
    --------
    >>> print(parse_pauli_sum("0.5*Z0*Z1 - X2"))
    0.500*Z(q(0))*Z(q(1))-1.000*X(q(2))
    >>> parse_pauli_sum("Z0*")
    Traceback (most recent call last):
    ...
    ValueError: term 'Z0*' at column 1 of 'Z0*' ends with '*': a factor is missing (expected e.g. '0.5*Z0*Z1')
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("observable string is empty")
    # split into signed terms, remembering columns
    tokens = []
    start = 0
    depth_sign = "+"
    s = text
    i = 0
    while i < len(s):
        ch = s[i]
        prev = s[:i].rstrip()
        if ch in "+-" and prev and prev[-1] not in "eE*+-":
            tokens.append((start, depth_sign, s[start:i]))
            depth_sign = ch
            start = i + 1
        i += 1
    tokens.append((start, depth_sign, s[start:]))
    total = cirq.PauliSum()
    for col, sign, term in tokens:
        stripped = term.strip()
        if stripped and stripped[0] in "+-":
            if stripped[0] == "-":
                sign = "-" if sign == "+" else "+"
            term = stripped[1:]
        if not term.strip():
            raise ValueError(f"empty term at column {col + 1} in observable {text!r}")
        m = _TERM.match(term)
        if not m or (m.group("coef") is None and not m.group("paulis").strip()):
            raise ValueError(
                f"cannot parse term {term.strip()!r} at column {col + 1} of {text!r}; "
                "expected e.g. '0.5*Z0*Z1' (Pauli letters I, X, Y, Z followed by a qubit index)"
            )
        if term.strip().endswith("*"):
            raise ValueError(
                f"term {term.strip()!r} at column {col + 1} of {text!r} ends with '*': a factor is missing "
                "(expected e.g. '0.5*Z0*Z1')"
            )
        coef = float(m.group("coef").replace(" ", "")) if m.group("coef") else 1.0
        if not np.isfinite(coef):
            raise ValueError(
                f"coefficient {m.group('coef').strip()!r} at column {col + 1} of {text!r} is not a finite "
                "double-precision number (|c| < 1.8e308)"
            )
        if sign == "-":
            coef = -coef
        paulis = {}
        for letter, idx in _PAULI.findall(m.group("paulis")):
            k = int(idx)
            if qubits is not None:
                if k >= len(qubits):
                    raise ValueError(f"qubit index {k} in {text!r} is outside the {len(qubits)} qubits given")
                q = qubits[k]
            else:
                q = cirq.LineQubit(k)
            if q in paulis:
                raise ValueError(f"qubit {k} appears twice in term {term.strip()!r}")
            if letter != "I":
                paulis[q] = {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}[letter]
        total += cirq.PauliString(paulis, coefficient=coef)
    return total


def as_pauli_sum(observable: object) -> cirq.PauliSum:
    """Coerce a PauliString / PauliSum / Pauli-sum string to ``cirq.PauliSum``."""
    if isinstance(observable, cirq.PauliSum):
        return observable
    if isinstance(observable, (cirq.PauliString, cirq.Pauli)):
        return cirq.PauliSum.wrap(observable)
    if isinstance(observable, str):
        return parse_pauli_sum(observable)
    raise TypeError(
        f"observable must be a cirq.PauliSum, cirq.PauliString or a string like '0.5*Z0*Z1', "
        f"got {type(observable).__name__}"
    )


def observable_qubits(observable: object) -> frozenset:
    """Qubits on which some term of the observable acts non-trivially."""
    return frozenset(q for ps in as_pauli_sum(observable) for q in ps.qubits)


@dataclasses.dataclass(frozen=True)
class Locality:
    """Locality of an observable: ``support``, maximal term weight, per-term weights."""

    support: frozenset
    max_weight: int
    weights: tuple[int, ...]
    n_terms: int

    @property
    def is_local(self) -> bool:
        """True when every term acts on at most two qubits (a k-local cost with k = O(1))."""
        return self.max_weight <= 2


def locality(observable: object) -> Locality:
    """Support, maximal weight and per-term weights of an observable."""
    ps = as_pauli_sum(observable)
    weights = tuple(len(p.qubits) for p in ps)
    return Locality(
        support=observable_qubits(ps),
        max_weight=max(weights, default=0),
        weights=weights,
        n_terms=len(weights),
    )


def check_observable_on_circuit(observable: object, circuit: cirq.AbstractCircuit) -> cirq.PauliSum:
    """Return the observable as a PauliSum; raise if it acts on qubits outside ``circuit``."""
    require_circuit(circuit)
    ps = as_pauli_sum(observable)
    for term in ps:
        c = complex(term.coefficient)
        if not np.isfinite(c.real) or not np.isfinite(c.imag):
            raise ValueError(f"observable term {term} has a non-finite coefficient")
        if abs(c.imag) > 1e-12:
            raise ValueError(f"observable term {term} has a complex coefficient; the observable must be Hermitian")
    outside = observable_qubits(ps) - set(circuit.all_qubits())
    if outside:
        raise ValueError(
            f"observable acts on qubits {sorted(outside)} that are not in the circuit "
            f"(circuit qubits: {sorted(circuit.all_qubits())})"
        )
    return ps
