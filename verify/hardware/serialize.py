"""Write and read circuits in Google's formats, and compare what comes back.

Formats (by file suffix):

* ``.pb`` — the ``cirq_google`` program proto (``api.v2.program_pb2.Program``) in binary,
  written by ``cirq_google.CIRCUIT_SERIALIZER`` (what Quantum Engine receives);
* ``.textproto`` — the same message in protobuf text format (human-readable, diffable);
* ``.json`` — Cirq JSON (``cirq.to_json`` / ``cirq.read_json``), lossless.

The program proto is NOT lossless, and :func:`compare_circuits` measures by how much:

* numbers are stored as float32, so exponents (and the ``π`` inside ``θ/π``) come back
  rounded to ~7 significant digits (relative error ≤ 6e-8);
* ``cirq.ry/rx/rz(θ)`` come back as ``Y/X/Z**(θ/π)``: the same rotation without the global
  phase ``exp(-iθ/2)``; other gates are compared up to global phase too.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Mapping

import cirq
import cirq_google
import numpy as np
from cirq_google.api.v2 import program_pb2
from google.protobuf import text_format

__all__ = [
    "FORMATS",
    "to_program_proto",
    "from_program_proto",
    "write_circuit",
    "read_circuit",
    "RoundTripReport",
    "compare_circuits",
]

#: file suffix of each format
FORMATS: Mapping[str, str] = {"proto": ".pb", "textproto": ".textproto", "json": ".json"}


def to_program_proto(circuit: cirq.AbstractCircuit) -> program_pb2.Program:
    """``cirq_google.CIRCUIT_SERIALIZER.serialize`` with a clear error.

    Raises
    ------
    ValueError : if a gate or a parameter expression cannot be serialized.
    """
    try:
        return cirq_google.CIRCUIT_SERIALIZER.serialize(cirq.Circuit(circuit))
    except (ValueError, TypeError, NotImplementedError) as exc:
        raise ValueError(f"circuit cannot be written as a Google program proto: {exc}") from exc


def from_program_proto(program: program_pb2.Program) -> cirq.Circuit:
    """The circuit held by a program proto."""
    if not isinstance(program, program_pb2.Program):
        raise TypeError(f"expected a cirq_google program_pb2.Program, got {type(program).__name__}")
    return cirq_google.CIRCUIT_SERIALIZER.deserialize(program)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    for name, ext in FORMATS.items():
        if suffix == ext:
            return name
    if suffix in (".pbtxt", ".txtpb", ".txt"):
        return "textproto"
    raise ValueError(f"cannot tell the format of {str(path)!r}: expected a suffix in {sorted(FORMATS.values())}")


def write_circuit(circuit: cirq.AbstractCircuit, path: str | os.PathLike) -> Path:
    """Write ``circuit`` to ``path`` in the format its suffix names (see :data:`FORMATS`).

    Raises
    ------
    ValueError : unknown suffix, or a circuit the program proto cannot hold.
    """
    path = Path(path)
    fmt = _format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path.write_text(cirq.to_json(cirq.Circuit(circuit)))
    elif fmt == "proto":
        path.write_bytes(to_program_proto(circuit).SerializeToString())
    else:
        path.write_text(text_format.MessageToString(to_program_proto(circuit)))
    return path


def read_circuit(path: str | os.PathLike) -> cirq.Circuit:
    """Read a circuit written by :func:`write_circuit` (or by Cirq / cirq_google directly).

    Raises
    ------
    FileNotFoundError : missing file.
    ValueError : unknown suffix or content that is not a circuit.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"circuit file {str(path)!r} not found")
    fmt = _format_of(path)
    if fmt == "json":
        obj = cirq.read_json(json_text=path.read_text())
        if not isinstance(obj, cirq.AbstractCircuit):
            raise ValueError(f"{str(path)!r} holds a {type(obj).__name__}, not a circuit")
        return cirq.Circuit(obj)
    program = program_pb2.Program()
    try:
        if fmt == "proto":
            program.ParseFromString(path.read_bytes())
        else:
            text_format.Parse(path.read_text(), program)
    except Exception as exc:
        raise ValueError(f"{str(path)!r} is not a cirq_google program proto: {exc}") from exc
    if not program.HasField("circuit"):
        raise ValueError(f"{str(path)!r} holds a program proto without a circuit")
    return from_program_proto(program)


@dataclasses.dataclass(frozen=True)
class RoundTripReport:
    """How a circuit read back compares with the original.

    Attributes
    ----------
    identical : ``loaded == original`` (true for Cirq JSON, false for the proto).
    same_structure : same qubits, moments and operation qubits moment by moment.
    same_symbols : same set of sympy symbols.
    max_operation_error : largest entry-wise deviation, up to global phase, between the
        unitaries of matching operations, over ``n_draws`` random parameter draws
        ``θ ~ U[0, 2π)`` (0 when ``identical``).
    phase_only_differences : operations whose unitaries differ by a global phase only
        (e.g. ``ry(θ)`` read back as ``Y**(θ/π)``).
    n_draws : parameter draws used.
    """

    identical: bool
    same_structure: bool
    same_symbols: bool
    max_operation_error: float
    phase_only_differences: int
    n_draws: int

    def ok(self, atol: float = 1e-5) -> bool:
        return self.same_structure and self.same_symbols and self.max_operation_error <= atol


def _op_map(moment: cirq.Moment) -> dict[frozenset, cirq.Operation]:
    return {frozenset(op.qubits): op for op in moment}


def compare_circuits(
    original: cirq.AbstractCircuit,
    loaded: cirq.AbstractCircuit,
    n_draws: int = 3,
    rng: np.random.Generator | None = None,
) -> RoundTripReport:
    """Compare a circuit read back from a file with the original, operation by operation.

    Parameters
    ----------
    original, loaded : the circuits.
    n_draws : random parameter draws (``θ ~ U[0, 2π)`` for every symbol) at which the
        operation unitaries are compared.
    rng : source of the draws (default: ``numpy.random.default_rng(0)``).
    """
    if n_draws < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    rng = rng if rng is not None else np.random.default_rng(0)
    original, loaded = cirq.Circuit(original), cirq.Circuit(loaded)
    symbols = sorted(cirq.parameter_symbols(original), key=str)
    same_symbols = set(symbols) == set(cirq.parameter_symbols(loaded))
    same_structure = len(original) == len(loaded) and all(
        set(_op_map(a)) == set(_op_map(b)) for a, b in zip(original, loaded)
    )
    if original == loaded:
        return RoundTripReport(True, True, True, 0.0, 0, n_draws)
    worst = 0.0 if same_structure else float("inf")
    phase_only = 0
    if same_structure:
        draws = [cirq.ParamResolver({s: rng.uniform(0, 2 * np.pi) for s in symbols}) for _ in range(n_draws)]
        for a, b in zip(original, loaded):
            mb = _op_map(b)
            for key, op_a in _op_map(a).items():
                op_b = mb[key]
                if op_a == op_b:
                    continue
                if cirq.is_measurement(op_a) or cirq.is_measurement(op_b):
                    if not (cirq.is_measurement(op_a) and cirq.is_measurement(op_b)) or cirq.measurement_key_names(
                        op_a
                    ) != cirq.measurement_key_names(op_b):
                        worst = float("inf")
                    continue
                order = sorted(key)
                phase_seen = False
                for r in draws:
                    ua = cirq.Circuit(cirq.resolve_parameters(op_a, r)).unitary(qubit_order=order)
                    ub = cirq.Circuit(cirq.resolve_parameters(op_b, r)).unitary(qubit_order=order)
                    overlap = np.vdot(ub.reshape(-1), ua.reshape(-1))
                    phase = overlap / abs(overlap) if abs(overlap) > 1e-12 else 1.0
                    worst = max(worst, float(np.max(np.abs(ua - phase * ub))))
                    if abs(phase - 1) > 1e-6:
                        phase_seen = True
                phase_only += phase_seen
    return RoundTripReport(False, same_structure, same_symbols, worst, phase_only, n_draws)
