"""Shared input checks for the circuits package (clear errors, never wrong answers)."""

from __future__ import annotations

import numbers
from typing import Iterable, Sequence

import cirq

__all__ = [
    "require_positive_int",
    "require_circuit",
    "require_unitary_circuit",
    "resolve_qubits",
]


def require_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def require_circuit(circuit: object, name: str = "circuit") -> cirq.AbstractCircuit:
    """Raise TypeError unless ``circuit`` is a Cirq circuit."""
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(
            f"{name} must be a cirq.Circuit (or cirq.FrozenCircuit), got {type(circuit).__name__}"
        )
    return circuit


def require_unitary_circuit(circuit: object, name: str = "circuit") -> cirq.AbstractCircuit:
    """Raise unless ``circuit`` is a Cirq circuit made of unitary operations only.

    Measurements, resets and noise channels are refused: the analyses of this library
    need a unitary circuit (append measurements only when sampling).
    """
    circuit = require_circuit(circuit, name)
    for moment_index, moment in enumerate(circuit):
        for op in moment:
            if cirq.is_measurement(op):
                raise ValueError(
                    f"{name} contains a measurement {op} in moment {moment_index}; "
                    "a unitary circuit is needed (measurements are added by the samplers)"
                )
            if cirq.is_parameterized(op):
                # Parametrized gates: unitary for every resolution if the gate type is.
                if not cirq.has_unitary(cirq.resolve_parameters(op, _generic_resolver(op))):
                    raise ValueError(
                        f"{name} contains a non-unitary operation {op} in moment {moment_index}"
                    )
            elif not cirq.has_unitary(op):
                raise ValueError(
                    f"{name} contains a non-unitary operation {op} (a channel, reset or "
                    f"measurement) in moment {moment_index}; a unitary circuit is needed"
                )
    return circuit


def _generic_resolver(op: cirq.Operation) -> dict:
    return {s: 0.3217 for s in cirq.parameter_symbols(op)}


def resolve_qubits(
    n: int, qubits: Sequence[cirq.Qid] | None, name: str = "qubits"
) -> list[cirq.Qid]:
    """Return ``qubits`` (validated to have length ``n``) or ``cirq.LineQubit.range(n)``."""
    n = require_positive_int(n, "n")
    if qubits is None:
        return list(cirq.LineQubit.range(n))
    qubits = list(qubits)
    if len(qubits) != n:
        raise ValueError(f"{name} has {len(qubits)} qubits but n = {n}")
    if len(set(qubits)) != n:
        raise ValueError(f"{name} contains repeated qubits: {qubits}")
    for q in qubits:
        if not isinstance(q, cirq.Qid):
            raise TypeError(f"{name} must contain cirq qubits, got {q!r}")
    return qubits


def as_qubit_list(qubits: Iterable[cirq.Qid]) -> list[cirq.Qid]:
    out = list(qubits)
    if not out:
        raise ValueError("at least one qubit is needed")
    return out
