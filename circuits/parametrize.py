"""Turn numeric rotation angles into parameters: circuits exported with bound values.

A circuit exported from another toolkit after binding (a Qiskit QASM 2 export, a QASM file
written by hand with ``ry(0.7324) q[0];``) has no symbols: there is no gradient to analyse.
The variance of a gradient does not depend on the values of the parameters (each parameter is
averaged over its full period), so the numeric angles can be replaced by fresh symbols without
changing the question asked.  :func:`parametrize_angles` does that for the gate kinds chosen
and returns the mapping ``symbol name -> gate``.

Gate kinds (what Cirq's QASM importer and Cirq users write):

============ =================================================== ==========================
kind         Cirq gate                                           new gate
============ =================================================== ==========================
``rx``       ``cirq.Rx(rads=a)``                                 ``cirq.rx(θ)``
``ry``       ``cirq.Ry(rads=a)``                                 ``cirq.ry(θ)``
``rz``       ``cirq.Rz(rads=a)``                                 ``cirq.rz(θ)``
``rxx``      ``cirq.XXPowGate(exponent=a/π)`` (QASM ``rxx(a)``)  ``cirq.XXPowGate(exponent=θ/π)``
``ryy``      ``cirq.YYPowGate``                                  idem
``rzz``      ``cirq.ZZPowGate``                                  idem
============ =================================================== ==========================

Every such gate with a numeric angle becomes ``exp(-i θ P / 2)`` with its own symbol, named
``<kind>_q<qubits>_m<moment>`` (``ry_q0_m3``: the ``ry`` on qubit 0 in moment 3; grid qubit
``(3, 4)`` is written ``3_4``, two-qubit gates list both qubits: ``rzz_q0_q1_m5``).
``p``/``u``/``u3``, controlled rotations and ``X**t``-style gates are left as they are:
after import a ``p(π/4)`` cannot be told apart from a ``t`` gate.

Examples
--------
>>> import cirq
>>> q = cirq.LineQubit.range(2)
>>> c = cirq.Circuit(cirq.ry(0.3).on(q[0]), cirq.CZ(*q), cirq.rz(1.2).on(q[1]))
>>> new, mapping = parametrize_angles(c, kinds="all")
>>> [(a.name, a.kind, a.value) for a in mapping]
[('ry_q0_m0', 'ry', 0.3), ('rz_q1_m2', 'rz', 1.2)]
>>> sorted(s.name for s in cirq.parameter_symbols(parametrize_angles(c, kinds=["rz"])[0]))
['rz_q1_m2']

References
----------
.. [1] J. R. McClean, S. Boixo, V. N. Smelyanskiy, R. Babbush, H. Neven, "Barren plateaus in
   quantum neural network training landscapes", Nat. Commun. 9, 4812 (2018),
   arXiv:1803.11173 (the variance is over uniformly drawn angles: the values in a file play
   no role).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterable, Sequence

import cirq
import numpy as np
import sympy

from ._validation import require_circuit

__all__ = ["ANGLE_KINDS", "AngleParameter", "parametrize_angles", "angle_kind", "split_kinds"]

ANGLE_KINDS: tuple[str, ...] = ("rx", "ry", "rz", "rxx", "ryy", "rzz")
"""Gate kinds whose numeric angles :func:`parametrize_angles` can turn into parameters."""

_SINGLE = {cirq.Rx: ("rx", cirq.rx), cirq.Ry: ("ry", cirq.ry), cirq.Rz: ("rz", cirq.rz)}
_DOUBLE = {cirq.XXPowGate: "rxx", cirq.YYPowGate: "ryy", cirq.ZZPowGate: "rzz"}


@dataclasses.dataclass(frozen=True)
class AngleParameter:
    """A numeric angle that became a parameter.

    Attributes
    ----------
    name : the new symbol's name.
    kind : the gate kind (``'ry'``, ``'rzz'``, …).
    qubits : the gate's qubits.
    moment : the moment index of the gate.
    value : the angle that was in the circuit (radians, the ``a`` of ``exp(-i a P / 2)``).
    """

    name: str
    kind: str
    qubits: tuple
    moment: int
    value: float

    def describe(self) -> str:
        """``'ry_q0_m3 = ry on q(0), moment 3 (was 0.7324)'``."""
        qs = ", ".join(str(q) for q in self.qubits)
        return f"{self.name} = {self.kind} on {qs}, moment {self.moment} (was {self.value:.6g})"

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "qubits": [str(q) for q in self.qubits],
                "moment": self.moment, "value": self.value}


def _qubit_label(q: cirq.Qid) -> str:
    if isinstance(q, cirq.LineQubit):
        return str(q.x)
    if isinstance(q, cirq.GridQubit):
        return f"{q.row}_{q.col}".replace("-", "m")
    return re.sub(r"[^A-Za-z0-9_]", "_", str(q))


def angle_kind(op: cirq.Operation) -> tuple[str, float] | None:
    """``(kind, angle in radians)`` of an operation with a numeric rotation angle, else None."""
    gate = op.gate
    if gate is None:
        return None
    for cls, (kind, _) in _SINGLE.items():
        if type(gate) is cls:
            rads = gate._rads  # noqa: SLF001 - Rx/Ry/Rz keep their angle here
            if cirq.is_parameterized(gate):
                return None
            return kind, float(rads)
    kind = _DOUBLE.get(type(gate))
    if kind is not None and not cirq.is_parameterized(gate):
        return kind, float(gate.exponent) * float(np.pi)
    return None


def split_kinds(values: Iterable[str] | str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split option values into ``(gate kinds, glob patterns)``; ``'all'`` is every kind.

    >>> split_kinds(["ry", "theta_*", "rz"])
    (('ry', 'rz'), ('theta_*',))
    >>> split_kinds("all")[0]
    ('rx', 'ry', 'rz', 'rxx', 'ryy', 'rzz')
    """
    if values is None:
        return (), ()
    items = [values] if isinstance(values, str) else list(values)
    kinds: list[str] = []
    globs: list[str] = []
    for item in items:
        key = item.strip().lower()
        if key == "all":
            kinds.extend(k for k in ANGLE_KINDS if k not in kinds)
        elif key in ANGLE_KINDS:
            if key not in kinds:
                kinds.append(key)
        elif item.strip():
            globs.append(item.strip())
    return tuple(kinds), tuple(globs)


def parametrize_angles(
    circuit: cirq.AbstractCircuit,
    kinds: Sequence[str] | str = "all",
    *,
    prefix: str = "",
) -> tuple[cirq.Circuit, tuple[AngleParameter, ...]]:
    """Replace numeric rotation angles of the given gate kinds by fresh symbols.

    Parameters
    ----------
    circuit : the circuit.
    kinds : ``'all'`` or gate kinds among :data:`ANGLE_KINDS` (``['ry', 'rz']``).
    prefix : prepended to every new symbol name.

    Returns
    -------
    (cirq.Circuit, tuple of AngleParameter) : the new circuit (same moments, same qubits) and
        the mapping, in circuit order.

    Raises
    ------
    ValueError : an unknown kind, or a new name that the circuit already uses.
    """
    require_circuit(circuit)
    wanted = [kinds] if isinstance(kinds, str) else list(kinds)
    selected: set[str] = set()
    for k in wanted:
        key = str(k).strip().lower()
        if key == "all":
            selected.update(ANGLE_KINDS)
        elif key in ANGLE_KINDS:
            selected.add(key)
        else:
            raise ValueError(f"unknown gate kind {k!r} for numeric angles; expected 'all' or some of {list(ANGLE_KINDS)}")
    existing = {s.name for s in cirq.parameter_symbols(circuit)}
    mapping: list[AngleParameter] = []
    moments = []
    for m, moment in enumerate(circuit):
        ops = []
        for op in moment:
            found = angle_kind(op)
            if found is None or found[0] not in selected or cirq.is_measurement(op):
                ops.append(op)
                continue
            kind, value = found
            name = f"{prefix}{kind}_" + "_".join(f"q{_qubit_label(q)}" for q in op.qubits) + f"_m{m}"
            if name in existing:
                raise ValueError(f"cannot name the {kind} angle in moment {m} {name!r}: the circuit already has that symbol")
            sym = sympy.Symbol(name)
            if kind in ("rx", "ry", "rz"):
                new_gate = _SINGLE[type(op.gate)][1](sym)
            else:
                new_gate = type(op.gate)(exponent=sym / sympy.pi, global_shift=op.gate.global_shift)
            new_op = new_gate.on(*op.qubits)
            if op.tags:
                new_op = new_op.with_tags(*op.tags)
            ops.append(new_op)
            mapping.append(AngleParameter(name, kind, tuple(op.qubits), m, value))
        moments.append(cirq.Moment(ops))
    return cirq.Circuit(moments), tuple(mapping)
