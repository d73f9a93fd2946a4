"""Named families of circuits and how to name one: built-in architectures, ``module:function``
families of ``n``, fixed circuits (files, factories, Cirq / Qiskit objects), the qubit-count
grammar of ``bpcalc compare`` / ``analyze --family``, and the grouping of parameters.

See :mod:`bpcalc.verify.architecture` for the table of built-in architectures.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc import circuits
from bpcalc.bounds.from_files import load_user_circuit

from .sizes import parse_qubits

__all__ = ["Architecture", "BUILTIN_ARCHITECTURES", "parse_qubits", "resolve_architecture", "parameter_groups"]


@dataclasses.dataclass(frozen=True)
class Architecture:
    """A family of circuits ``n -> cirq.Circuit`` with its default observable.

    Attributes
    ----------
    name : short name (``"hea"``, or the factory's function name).
    description : what the circuit is (shown in reports).
    build : ``n -> cirq.Circuit``.
    observable : default observable spec (``"local"``, ``"Z0"`` …).
    """

    name: str
    description: str
    build: Callable[[int], cirq.Circuit]
    observable: str = "local"
    fixed_n: Optional[int] = None

    def circuit(self, n: int) -> cirq.Circuit:
        """The circuit on ``n`` qubits (errors name the architecture)."""
        if self.fixed_n is not None and n != self.fixed_n:
            raise ValueError(f"{self.name} is one circuit on {self.fixed_n} qubits (a file or fixed circuit), not a family of n")
        try:
            return self.build(n)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"architecture {self.name!r} at n = {n}: {exc}") from None


def _log_layers(n: int) -> int:
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


BUILTIN_ARCHITECTURES: Mapping[str, Architecture] = {
    "hea": Architecture(
        "hea", "hardware-efficient ansatz: L = n layers of RY, RZ on every qubit and a CZ chain",
        lambda n: circuits.hardware_efficient(n, n)),
    "hea-log": Architecture(
        "hea-log", "hardware-efficient ansatz: L = ceil(log2 n) layers of RY, RZ and a CZ chain",
        lambda n: circuits.hardware_efficient(n, _log_layers(n))),
    "ala": Architecture(
        "ala", "alternating layered ansatz: 2-qubit blocks (RY, RZ, CZ), L = ceil(log2 n) layers",
        lambda n: circuits.alternating_layered(n, _log_layers(n), 2)),
    "tpa": Architecture(
        "tpa", "tensor-product ansatz: one layer of 2-qubit blocks of depth 2 (RY, RZ, CZ)",
        lambda n: circuits.tensor_product(n, 2)),
    "qcnn": Architecture(
        "qcnn", "quantum convolutional neural network (n a power of two), read out on qubit 0",
        lambda n: circuits.qcnn(n), observable="Z0"),
}
"""The built-in architectures of ``bpcalc compare`` (see the module docstring)."""


_CIRCUIT_FILE_SUFFIXES = (".qasm", ".qasm2", ".qasm3", ".json", ".qpy")


def _fixed_architecture(label: str, description: str, circuit: cirq.Circuit) -> Architecture:
    n = len(circuit.all_qubits())
    return Architecture(label, description, lambda _n: circuit, fixed_n=n)


def resolve_architecture(spec: str | Architecture) -> Architecture:
    """A built-in name (:data:`BUILTIN_ARCHITECTURES`), a ``module:function`` family of ``n``, or
    one fixed circuit: a file (``.qasm``, ``.json``, ``.qpy``), a factory without an ``n``
    argument, a ``cirq.Circuit`` or a ``qiskit.QuantumCircuit`` (compared at its own size).

    Raises
    ------
    ValueError : unknown name (listing the built-ins) or a factory that cannot be imported.
    """
    if isinstance(spec, Architecture):
        return spec
    if isinstance(spec, cirq.AbstractCircuit) or type(spec).__name__ == "QuantumCircuit":
        circuit, _ = load_user_circuit(spec)
        label = getattr(spec, "name", None) or "circuit"
        return _fixed_architecture(str(label), f"fixed circuit {label}", circuit)
    if isinstance(spec, Path):
        spec = str(spec)
    if isinstance(spec, str) and (spec.strip().lower().endswith(_CIRCUIT_FILE_SUFFIXES) or Path(spec.strip()).is_file()):
        circuit, _ = load_user_circuit(spec.strip())
        return _fixed_architecture(Path(spec.strip()).stem, f"circuit file {spec.strip()}", circuit)
    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"an architecture is a name or 'module:function', got {spec!r}")
    key = spec.strip()
    if key.lower() in BUILTIN_ARCHITECTURES:
        return BUILTIN_ARCHITECTURES[key.lower()]
    if ":" not in key:
        raise ValueError(
            f"unknown architecture {spec!r}; built-in: {sorted(BUILTIN_ARCHITECTURES)}, "
            "a family 'module:function' / 'file.py:function' taking n, or a circuit file (.qasm, .json, .qpy)"
        )
    fn = circuits.load_factory(key)  # import errors now, not at the first n
    try:
        takes_n = "n" in inspect.signature(fn).parameters or any(
            p.kind == p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        takes_n = True
    if not takes_n:
        circuit, _ = load_user_circuit(key)
        return _fixed_architecture(key.rsplit(":", 1)[-1], f"fixed circuit from {key}", circuit)

    def build(n: int) -> cirq.Circuit:
        return load_user_circuit(key, n=n)[0]

    return Architecture(key.rsplit(":", 1)[-1], f"user family {key}", build)


_LAYER_NAME = re.compile(r"^[A-Za-z]+_(\d+)_")


def parameter_groups(ansatz: cirq.AbstractCircuit, symbols: Sequence[sympy.Symbol] | None = None) -> dict[str, str]:
    """``{symbol name: group label}``: by block tag, else by layer in the name, else by moment.

    * circuits carrying bpcalc block tags: ``"layer l, block b"``;
    * symbols named ``<letters>_<layer>_…`` (the builders' ``theta_<layer>_<qubit>_<k>``):
      ``"layer l"``;
    * otherwise the moment of the parameter's first gate and its gate type:
      ``"moment m (Rx)"``.
    """
    symbols = list(symbols) if symbols is not None else circuits.parameter_symbols(ansatz)
    blocks = {s: (b.layer, b.index) for b in circuits.block_structure(ansatz) for s in b.symbols}
    first: dict[sympy.Symbol, tuple[int, str]] = {}
    for m, moment in enumerate(ansatz):
        for op in moment:
            gate = op.untagged.gate if getattr(op.untagged, "gate", None) is not None else op.untagged
            for s in cirq.parameter_symbols(op):
                first.setdefault(s, (m, type(gate).__name__))
    by_name = all(_LAYER_NAME.match(s.name) for s in symbols) and len({_LAYER_NAME.match(s.name).group(1) for s in symbols}) > 1
    out = {}
    for s in symbols:
        if s in blocks:
            out[s.name] = f"layer {blocks[s][0]}, block {blocks[s][1]}"
        elif by_name:
            out[s.name] = f"layer {int(_LAYER_NAME.match(s.name).group(1))}"
        elif s in first:
            out[s.name] = f"moment {first[s][0]} ({first[s][1]})"
        else:
            out[s.name] = "not in the ansatz"
    return out
