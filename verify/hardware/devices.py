"""Google processors as compilation targets: virtual processors, ``GridDevice``s, spec files.

A :class:`HardwareTarget` bundles what the rest of :mod:`bpcalc.verify.hardware` needs to know
about a processor: the ``cirq_google.GridDevice`` (qubits, couplers, gateset), its device
graph, the compilation target gatesets it advertises and, when known, the
``DeviceSpecification`` proto it came from.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Union

import cirq
import cirq_google
import networkx as nx
from cirq_google.api import v2
from google.protobuf import text_format
from google.protobuf.message import DecodeError

__all__ = [
    "HardwareTarget",
    "GATESETS",
    "load_target",
    "virtual_processors",
    "read_device_specification",
]

#: Compilation target gatesets by name: ``'cz'`` (Google CZ), ``'sqrt_iswap'``, ``'sycamore'``.
GATESETS = ("cz", "sqrt_iswap", "sycamore")

_GATESET_TYPES = {
    "cz": cirq_google.GoogleCZTargetGateset,
    "sqrt_iswap": cirq.SqrtIswapTargetGateset,
    "sycamore": cirq_google.SycamoreTargetGateset,
}
_TWO_QUBIT_GATE = {"cz": cirq.CZ, "sqrt_iswap": cirq.SQRT_ISWAP, "sycamore": cirq_google.SYC}

DeviceLike = Union[str, os.PathLike, cirq_google.GridDevice, v2.device_pb2.DeviceSpecification, "HardwareTarget"]


def virtual_processors() -> list[str]:
    """Names of the virtual processors shipped with ``cirq_google`` (e.g. rainbow, weber)."""
    return list(cirq_google.engine.list_virtual_processors())


def _gateset_name(gateset: cirq.CompilationTargetGateset) -> str | None:
    # SycamoreTargetGateset and SqrtIswap are unrelated classes; GoogleCZ subclasses CZTargetGateset.
    for name, cls in _GATESET_TYPES.items():
        if isinstance(gateset, cls):
            return name
    if isinstance(gateset, cirq.CZTargetGateset):
        return "cz"
    return None


@dataclasses.dataclass(frozen=True, eq=False)
class HardwareTarget:
    """A Google processor (real or virtual) that circuits are placed on and compiled for.

    Attributes
    ----------
    name : processor id (``'rainbow'``) or a label for a user-supplied device.
    device : the ``cirq_google.GridDevice`` that validates circuits.
    specification : the ``DeviceSpecification`` proto, when the target came from one.
    is_virtual : True for a virtual processor shipped with ``cirq_google`` (noise data and a
        virtual engine are available for it).
    """

    name: str
    device: cirq_google.GridDevice
    specification: v2.device_pb2.DeviceSpecification | None = None
    is_virtual: bool = False

    @property
    def graph(self) -> nx.Graph:
        """The device graph: nodes are ``cirq.GridQubit``s, edges the couplers."""
        return self.device.metadata.nx_graph

    @property
    def qubits(self) -> list[cirq.GridQubit]:
        return sorted(self.device.metadata.qubit_set)

    @property
    def gatesets(self) -> tuple[str, ...]:
        """Names of the compilation target gatesets the device supports (see :data:`GATESETS`).

        Taken from ``device.metadata.compilation_target_gatesets``; for a device that lists
        none, a target is offered for every two-qubit gate (CZ, √iSWAP, SYC) in its gateset.
        """
        found: list[str] = []
        for gs in self.device.metadata.compilation_target_gatesets:
            name = _gateset_name(gs)
            if name is not None and name not in found:
                found.append(name)
        if not found:
            pair = cirq.GridQubit.rect(1, 2)
            found = [n for n, g in _TWO_QUBIT_GATE.items() if g.on(*pair) in self.device.metadata.gateset]
        return tuple(found)

    def gateset(self, name: str | None = None) -> tuple[str, cirq.CompilationTargetGateset]:
        """``(name, gateset)``: the canonical target gateset ``name`` (``None``: the device's first).

        The canonical gatesets are ``cirq_google.GoogleCZTargetGateset()``,
        ``cirq.SqrtIswapTargetGateset()`` and ``cirq_google.SycamoreTargetGateset()`` without
        the device's additional gate families, so a compiled circuit uses exactly one kind of
        two-qubit gate.

        Raises
        ------
        ValueError : if the name is unknown or the device does not support that gateset.
        """
        available = self.gatesets
        if not available:
            raise ValueError(f"device {self.name!r} advertises no CZ, sqrt-iSWAP or Sycamore gateset")
        if name is None:
            name = available[0]
        if name not in GATESETS:
            raise ValueError(f"unknown gateset {name!r}; expected one of {GATESETS}")
        if name not in available:
            raise ValueError(
                f"processor {self.name!r} does not support the {name!r} gateset; it supports {list(available)}"
            )
        return name, _GATESET_TYPES[name]()

    def __repr__(self) -> str:
        return f"HardwareTarget({self.name!r}, {len(self.qubits)} qubits, gatesets={list(self.gatesets)})"


def read_device_specification(path: str | os.PathLike) -> v2.device_pb2.DeviceSpecification:
    """Read a ``DeviceSpecification`` proto from a text (``.txt``, ``.textproto``) or binary file.

    Raises
    ------
    FileNotFoundError : if the file does not exist.
    ValueError : if the file is neither a text nor a binary ``DeviceSpecification``.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"device specification file {str(p)!r} not found")
    data = p.read_bytes()
    spec = v2.device_pb2.DeviceSpecification()
    errors = []
    try:
        text_format.Parse(data.decode("utf-8"), spec)
        return spec
    except (UnicodeDecodeError, text_format.ParseError) as exc:
        errors.append(f"text format: {exc}")
    spec = v2.device_pb2.DeviceSpecification()
    try:
        spec.ParseFromString(data)
    except DecodeError as exc:
        errors.append(f"binary: {exc}")
    else:
        if spec.valid_qubits:
            return spec
        errors.append("binary: parsed, but it lists no qubits")
    raise ValueError(f"{str(p)!r} is not a cirq_google DeviceSpecification proto ({'; '.join(errors)})")


def _from_specification(spec: v2.device_pb2.DeviceSpecification, name: str, virtual: bool) -> HardwareTarget:
    try:
        device = cirq_google.GridDevice.from_proto(spec)
    except ValueError as exc:
        raise ValueError(f"device specification {name!r} is not a valid GridDevice: {exc}") from exc
    return HardwareTarget(name=name, device=device, specification=spec, is_virtual=virtual)


def load_target(device: DeviceLike) -> HardwareTarget:
    """Make a :class:`HardwareTarget` from a processor name, a device, a spec proto or a file.

    Parameters
    ----------
    device : one of

        * the name of a virtual processor (``'rainbow'``, ``'weber'``, ``'willow_pink'``;
          see :func:`virtual_processors`);
        * a ``cirq_google.GridDevice``;
        * a ``DeviceSpecification`` proto, or the path of a file holding one (text or binary),
          e.g. saved from ``engine.get_processor(pid).get_device_specification()``;
        * a :class:`HardwareTarget` (returned unchanged).

    Raises
    ------
    ValueError : unknown processor name or a file that is not a device specification.
    TypeError : any other object.

    Examples
    --------
    >>> t = load_target("rainbow")
    >>> len(t.qubits), sorted(t.gatesets)
    (23, ['cz', 'sqrt_iswap', 'sycamore'])
    """
    if isinstance(device, HardwareTarget):
        return device
    if isinstance(device, cirq_google.GridDevice):
        return HardwareTarget(name="grid_device", device=device)
    if isinstance(device, v2.device_pb2.DeviceSpecification):
        return _from_specification(device, "device_specification", False)
    if isinstance(device, (str, os.PathLike)):
        text = os.fspath(device)
        if text in virtual_processors():
            spec = cirq_google.engine.virtual_engine_factory.create_device_spec_from_processor_id(text)
            return _from_specification(spec, text, True)
        if Path(text).is_file():
            return _from_specification(read_device_specification(text), Path(text).name, False)
        raise ValueError(
            f"unknown processor {text!r}: expected one of the virtual processors {virtual_processors()} "
            "or the path of a DeviceSpecification proto file"
        )
    raise TypeError(
        "device must be a processor name, a cirq_google.GridDevice, a DeviceSpecification proto or a "
        f"file path, got {type(device).__name__}"
    )
