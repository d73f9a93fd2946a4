"""Observables (cost operators) as ``cirq.PauliSum`` and their locality.

* :func:`local_cost` — ``(1/n) Σ_j |0⟩⟨0|_j`` (``form='projector'``, the seed paper's
  ``O_L``) or ``(1/n) Σ_j Z_j`` (``form='z'``);
* :func:`global_cost` — ``|0…0⟩⟨0…0|`` expanded into its ``2^n`` Z-strings;
* :func:`global_projector` — the same operator as a ``cirq.ProjectorString`` (any ``n``; the
  tensor-network engine takes it as a bond-1 product);
* :func:`parse_pauli_sum` — ``"0.5*Z0*Z1 + X3"`` on ``cirq.LineQubit``s, ``Z(3,4)`` /
  ``Z(q3_4)`` on grid qubits, ``Z('name')`` on named qubits, Qiskit labels ``'ZZII'``;
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
    "global_projector",
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


def global_projector(qubits: Iterable[cirq.Qid]) -> cirq.ProjectorString:
    """Global cost ``|0…0⟩⟨0…0|`` as a ``cirq.ProjectorString`` (no ``2^n`` expansion, any ``n``).

    Examples
    --------
    >>> p = global_projector(cirq.LineQubit.range(20))
    >>> len(p.projector_dict), set(p.projector_dict.values())
    (20, {0})
    """
    qs = _qubit_list(qubits)
    return cirq.ProjectorString({q: 0 for q in qs})


_COEF = re.compile(r"\s*(?P<coef>(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))\s*(?:\*\s*|(?=[IXYZ])|$)")
_FACTOR = re.compile(
    r"\s*(?P<letter>[IXYZ])(?:"
    r"(?P<line>\d+)"                                                         # Z3      line qubit
    r"|\(\s*(?P<row>-?\d+)\s*,\s*(?P<col>-?\d+)\s*\)"                    # Z(3,4)  grid qubit
    r"|\(\s*q(?P<grow>-?\d+)_(?P<gcol>-?\d+)\s*\)"                         # Z(q3_4) grid qubit
    r"|\(\s*(?P<pline>\d+)\s*\)"                                            # Z(3)    line qubit
    r"|\(\s*(?P<quote>['\"])(?P<name>[^'\"]+)(?P=quote)\s*\)"                # Z('a')  named qubit
    r")\s*\*?"
)
_LABEL = re.compile(r"\s*(?P<label>[IXYZ]+)\s*$")
_PAULI_OF = {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}


def _split_terms(text: str) -> list[tuple[int, str, str]]:
    """Signed terms ``(column, sign, text)``: split at top-level ``+``/``-`` (not in ``(...)``/quotes/exponents)."""
    tokens = []
    start, sign, depth, quote = 0, "+", 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in "+-" and depth == 0:
            prev = text[:i].rstrip()
            if prev and prev[-1] not in "eE*+-":
                tokens.append((start, sign, text[start:i]))
                sign, start = ch, i + 1
    tokens.append((start, sign, text[start:]))
    return tokens


def _factor_qubit(m: re.Match) -> tuple[cirq.Qid, object]:
    if m.group("line") is not None or m.group("pline") is not None:
        k = int(m.group("line") if m.group("line") is not None else m.group("pline"))
        return cirq.LineQubit(k), k
    if m.group("row") is not None:
        return cirq.GridQubit(int(m.group("row")), int(m.group("col"))), None
    if m.group("grow") is not None:
        return cirq.GridQubit(int(m.group("grow")), int(m.group("gcol"))), None
    return cirq.NamedQubit(m.group("name")), None


def parse_pauli_sum(text: str, qubits: Sequence[cirq.Qid] | None = None) -> cirq.PauliSum:
    """Parse ``"0.5*Z0*Z1 - X3 + 2"`` into a ``cirq.PauliSum``, on any kind of qubit.

    Qubit forms (one Pauli letter ``I``, ``X``, ``Y``, ``Z`` then the qubit):

    * ``Z3`` or ``Z(3)`` — ``cirq.LineQubit(3)``, or ``qubits[3]`` when ``qubits`` is given;
    * ``Z(3,4)`` or ``Z(q3_4)`` — ``cirq.GridQubit(3, 4)`` (Cirq prints it ``q(3, 4)``);
    * ``Z('name')`` — ``cirq.NamedQubit('name')`` (any qubit with a name);
    * a term written as a Qiskit label, letters only (``'ZZII'``): **little-endian**, the last
      letter acts on qubit 0, so ``'ZZII'`` is ``Z2*Z3`` (qubit ``k`` as for ``Z3``).

    Raises
    ------
    ValueError : naming the offending term and its column.

    Examples
    --------
    >>> print(parse_pauli_sum("0.5*Z(3,4)*X(q3_5) - Z('anc')"))
    0.500*Z(q(3, 4))*X(q(3, 5))-1.000*Z(anc)
    >>> parse_pauli_sum("2*ZZII") == parse_pauli_sum("2*Z2*Z3")
    True
    >>> parse_pauli_sum("Z0*")
    Traceback (most recent call last):
    ...
    ValueError: term 'Z0*' at column 1 of 'Z0*' ends with '*': a factor is missing (expected e.g. '0.5*Z0*Z1')
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("observable string is empty")
    total = cirq.PauliSum()
    for col, sign, term in _split_terms(text):
        stripped = term.strip()
        if stripped and stripped[0] in "+-":
            if stripped[0] == "-":
                sign = "-" if sign == "+" else "+"
            term = stripped[1:]
        if not term.strip():
            raise ValueError(f"empty term at column {col + 1} in observable {text!r}")
        bad = ValueError(
            f"cannot parse term {term.strip()!r} at column {col + 1} of {text!r}; expected e.g. '0.5*Z0*Z1' "
            "(Pauli letters I, X, Y, Z with a qubit: Z3 line qubit, Z(3,4) or Z(q3_4) grid qubit, Z('name') named "
            "qubit), or a Qiskit label like 'ZZII' (last letter = qubit 0)"
        )
        if term.rstrip().endswith("*"):
            raise ValueError(
                f"term {term.strip()!r} at column {col + 1} of {text!r} ends with '*': a factor is missing "
                "(expected e.g. '0.5*Z0*Z1')"
            )
        rest = term
        coef = 1.0
        m = _COEF.match(rest)
        if m:
            coef = float(m.group("coef"))
            if not np.isfinite(coef):
                raise ValueError(f"coefficient {m.group('coef')!r} at column {col + 1} of {text!r} is not a finite "
                                 "double-precision number (|c| < 1.8e308)")
            rest = rest[m.end():]
        if sign == "-":
            coef = -coef
        paulis: dict = {}
        if not rest.strip():
            if not m:
                raise bad
        elif _LABEL.match(rest) and not _FACTOR.match(rest):
            label = _LABEL.match(rest).group("label")
            for k, letter in enumerate(reversed(label)):
                if letter == "I":
                    continue
                if qubits is not None and k >= len(qubits):
                    raise ValueError(f"label {label!r} in {text!r} has {len(label)} letters but only {len(qubits)} qubits are given")
                paulis[qubits[k] if qubits is not None else cirq.LineQubit(k)] = _PAULI_OF[letter]
        else:
            while rest.strip():
                f = _FACTOR.match(rest)
                if not f:
                    raise bad
                q, k = _factor_qubit(f)
                if k is not None and qubits is not None:
                    if k >= len(qubits):
                        raise ValueError(f"qubit index {k} in {text!r} is outside the {len(qubits)} qubits given")
                    q = qubits[k]
                if q in paulis:
                    raise ValueError(f"qubit {q} appears twice in term {term.strip()!r}")
                if f.group("letter") != "I":
                    paulis[q] = _PAULI_OF[f.group("letter")]
                rest = rest[f.end():]
        total += cirq.PauliString(paulis, coefficient=coef)
    return total


def as_pauli_sum(observable: object) -> cirq.PauliSum:
    """Coerce an observable to ``cirq.PauliSum`` (the one coercion every layer uses).

    Accepts a ``cirq.PauliSum``, ``cirq.PauliString`` (``cirq.Z(q)`` included), a Pauli gate
    operation, a Pauli-sum string like ``'0.5*Z0*Z1'`` (:func:`parse_pauli_sum`) or a list /
    tuple of those (summed).

    Examples
    --------
    >>> import cirq
    >>> q = cirq.LineQubit.range(2)
    >>> print(as_pauli_sum([cirq.Z(q[0]), 0.5 * cirq.X(q[1])]))
    1.000*Z(q(0))+0.500*X(q(1))
    >>> as_pauli_sum(3)
    Traceback (most recent call last):
    ...
    TypeError: observable must be a cirq.PauliSum, cirq.PauliString, a string like '0.5*Z0*Z1' or a list of those, got int
    """
    if isinstance(observable, cirq.PauliSum):
        return observable
    if isinstance(observable, (cirq.PauliString, cirq.Pauli, cirq.GateOperation)):
        try:
            return cirq.PauliSum.wrap(observable)
        except (TypeError, ValueError):
            pass
    elif isinstance(observable, str):
        return parse_pauli_sum(observable)
    elif isinstance(observable, (list, tuple)):
        total = cirq.PauliSum()
        for term in observable:
            total += as_pauli_sum(term)
        return total
    raise TypeError(
        "observable must be a cirq.PauliSum, cirq.PauliString, a string like '0.5*Z0*Z1' or a list of those, "
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
