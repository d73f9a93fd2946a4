"""Validate a circuit against a Google device and say what is wrong in plain words.

``GridDevice.validate_circuit`` stops at the first problem with a terse message.
:func:`validate_for_device` checks every operation, explains each violation (qubit off the
device, qubits that are not coupled, a gate or a symbolic gate the device refuses, a
``LineQubit``), checks that the circuit can be written in Google's program proto, and
records whether the device's own ``validate_circuit`` accepts the circuit (the authority).
"""

from __future__ import annotations

import dataclasses

import cirq
import cirq_google

from bpcalc.bounds.serialization import dumps

from .devices import DeviceLike, load_target

__all__ = ["Violation", "ValidationReport", "validate_for_device", "VIOLATION_KINDS"]

VIOLATION_KINDS = (
    "line_qubit",
    "qubit_off_device",
    "qubits_not_coupled",
    "symbolic_gate",
    "unsupported_gate",
    "not_serializable",
    "device_rejects",
)


@dataclasses.dataclass(frozen=True)
class Violation:
    """One problem: the moment index, the operation, its kind and a plain-words explanation."""

    moment: int
    operation: str
    kind: str
    message: str


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """Result of :func:`validate_for_device`.

    Attributes
    ----------
    processor : the device's name.
    n_operations, n_qubits, n_moments : size of the circuit checked.
    violations : every problem found (empty when valid).
    device_accepts : whether ``device.validate_circuit`` accepted the circuit.
    device_message : the device's own error message when it refused.
    serializable : whether ``cirq_google.CIRCUIT_SERIALIZER`` could serialize the circuit.
    """

    processor: str
    n_operations: int
    n_qubits: int
    n_moments: int
    violations: tuple[Violation, ...]
    device_accepts: bool
    device_message: str = ""
    serializable: bool = True

    @property
    def ok(self) -> bool:
        return self.device_accepts and self.serializable and not self.violations

    def kinds(self) -> set[str]:
        return {v.kind for v in self.violations}

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["ok"] = self.ok
        return d

    def to_json(self) -> str:
        return dumps(self.to_dict(), indent=2)

    def to_text(self, max_items: int = 20) -> str:
        """A human-readable report (at most ``max_items`` violations listed)."""
        head = (
            f"Validation on {self.processor}: {'VALID' if self.ok else 'INVALID'} "
            f"({self.n_qubits} qubits, {self.n_moments} moments, {self.n_operations} operations)"
        )
        lines = [head]
        lines.append(f"  device.validate_circuit: {'accepted' if self.device_accepts else 'refused'}")
        if self.device_message:
            lines.append(f"    device says: {self.device_message}")
        lines.append(f"  Google program proto: {'serializable' if self.serializable else 'NOT serializable'}")
        for v in self.violations[:max_items]:
            where = f"moment {v.moment}" if v.moment >= 0 else "circuit"
            lines.append(f"  - {where}: {v.message}")
        if len(self.violations) > max_items:
            lines.append(f"  ... and {len(self.violations) - max_items} more violations")
        return "\n".join(lines)


def _explain(op: cirq.Operation, moment: int, target) -> list[Violation]:
    device = target.device
    meta = device.metadata
    found: list[Violation] = []
    text = str(op)
    for q in op.qubits:
        if isinstance(q, cirq.LineQubit):
            found.append(
                Violation(
                    moment, text, "line_qubit",
                    f"{text} acts on {q!r}: Google devices address cirq.GridQubit; place the circuit on "
                    f"{target.name} first (verify.hardware.compile_for_device or route_on_device).",
                )
            )
        elif q not in meta.qubit_set:
            found.append(
                Violation(
                    moment, text, "qubit_off_device",
                    f"{text} acts on {q}, which is not one of the {len(meta.qubit_set)} qubits of {target.name}.",
                )
            )
    if len(op.qubits) == 2 and all(q in meta.qubit_set for q in op.qubits):
        if frozenset(op.qubits) not in meta.qubit_pairs and not cirq.is_measurement(op):
            a, b = op.qubits
            found.append(
                Violation(
                    moment, text, "qubits_not_coupled",
                    f"{text} couples {a} and {b}, which have no coupler on {target.name}; route the circuit "
                    "(insert SWAPs) first.",
                )
            )
    try:
        in_gateset = op in meta.gateset
    except (AttributeError, TypeError, ValueError):  # e.g. FSimGateFamily cannot compare symbolic angles
        in_gateset = False
    if not in_gateset:
        if cirq.is_parameterized(op):
            syms = ", ".join(sorted(s.name for s in cirq.parameter_symbols(op)))
            found.append(
                Violation(
                    moment, text, "symbolic_gate",
                    f"{text} has symbolic parameters ({syms}) in a gate {target.name} accepts only with fixed "
                    "values (e.g. CZ**t, FSim(θ, φ)); Google devices take symbols only in single-qubit gates. "
                    "Compile it (compile_for_device) or resolve the parameters.",
                )
            )
        else:
            found.append(
                Violation(
                    moment, text, "unsupported_gate",
                    f"{text}: the gate {op.gate!r} is not in {target.name}'s gateset; compile the circuit to one "
                    "of the device's target gatesets first.",
                )
            )
    return found


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def validate_for_device(circuit: cirq.AbstractCircuit, target: DeviceLike, check_serialization: bool = True) -> ValidationReport:
    """Validate ``circuit`` on a Google device and explain every violation.

    Parameters
    ----------
    circuit : the circuit (typically :attr:`CompiledCircuit.circuit`).
    target : processor name, ``GridDevice``, spec proto/file or ``HardwareTarget``.
    check_serialization : also try ``cirq_google.CIRCUIT_SERIALIZER.serialize``.

    Returns
    -------
    ValidationReport
        ``report.ok`` is True only if the device accepts the circuit, it serializes and no
        violation was found.

    Raises
    ------
    TypeError : if ``circuit`` is not a Cirq circuit.

    Examples
    --------
    >>> import cirq
    >>> r = validate_for_device(cirq.Circuit(cirq.CZ(*cirq.LineQubit.range(2))), "rainbow")
    >>> r.ok, sorted(r.kinds())
    (False, ['line_qubit'])
    """
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    target = load_target(target)
    violations: list[Violation] = []
    for i, moment in enumerate(circuit):
        for op in moment:
            violations.extend(_explain(op, i, target))
    try:
        target.device.validate_circuit(circuit)
        accepts, message = True, ""
    except Exception as exc:  # ValueError, or AttributeError from symbolic FSim gates
        accepts, message = False, str(exc)
        if not violations:
            violations.append(Violation(-1, "", "device_rejects", f"{target.name} refuses the circuit: {exc}"))
    serializable = True
    if check_serialization:
        try:
            cirq_google.CIRCUIT_SERIALIZER.serialize(cirq.Circuit(circuit))
        except Exception as whole:  # the serializer raises ValueError, TypeError or others
            serializable = False
            found = False
            for i, moment in enumerate(circuit):
                for op in moment:
                    try:
                        cirq_google.CIRCUIT_SERIALIZER.serialize(cirq.Circuit(op))
                    except Exception as exc:
                        found = True
                        violations.append(
                            Violation(
                                i, str(op), "not_serializable",
                                f"{op} cannot be written in Google's program proto ({_first_line(exc)}); "
                                "only sympy symbols combined by +, * and ** survive, and the gate must be one "
                                "the serializer knows.",
                            )
                        )
            if not found:
                violations.append(
                    Violation(-1, "", "not_serializable", f"the circuit cannot be written as a Google program proto: {whole}")
                )
    return ValidationReport(
        processor=target.name,
        n_operations=sum(1 for _ in circuit.all_operations()),
        n_qubits=len(circuit.all_qubits()),
        n_moments=len(circuit),
        violations=tuple(violations),
        device_accepts=accepts,
        device_message=message,
        serializable=serializable,
    )
