"""Qiskit circuits and observables in Cirq (optional extra ``qiskit``; imported lazily).

* :func:`circuit_from_qiskit` — a ``qiskit.QuantumCircuit`` with ``Parameter`` /
  ``ParameterVector`` angles (expressions such as ``2*θ + 1`` are kept) to a ``cirq.Circuit``
  with sympy symbols of the same names (``θ[0]``);
* :func:`pauli_sum_from_qiskit` — a ``SparsePauliOp`` (or a label list) to ``cirq.PauliSum``;
* :func:`load_qpy` — the circuits of a ``.qpy`` file.

Conventions (tested in ``tests/interop/test_qiskit.py``):

* **qubit order** — Qiskit qubit ``k`` (its index in ``circuit.qubits``) is
  ``cirq.LineQubit(k)``; an observable ``"Z0"`` therefore acts on Qiskit's qubit 0;
* **little-endian labels** — Qiskit writes Pauli labels and bit strings with qubit 0 on the
  *right*: the label ``'ZZII'`` on four qubits is ``Z2·Z3``.  Cirq's state vectors order
  ``LineQubit(0)`` as the most significant bit, so a Qiskit ``Statevector`` and Cirq's final
  state of the same circuit differ by a bit reversal of the index (the unitaries by the
  corresponding permutation); expectation values of the same observable agree;
* **global phase** — ``QuantumCircuit.global_phase`` is dropped (no effect on any variance).

Gate table (:data:`QISKIT_GATES`): every gate is mapped to Cirq gates with the same unitary up
to a global phase (``u``/``u3`` become ``rz(λ) ry(θ) rz(φ)``, ``cy`` becomes ``S† CX S`` on the
target, ``ecr`` becomes ``RZX(π/4) X RZX(−π/4)``, ``rzx(θ) a, b`` becomes
``H_b · ZZ(θ) · H_b``).  A standard Qiskit gate outside the table is refused by name; a user-defined
composite gate (``QuantumCircuit.to_gate()``, the ``n_local`` blueprint classes) is expanded
through its definition.

References
----------
.. [1] Qiskit contributors, "Qiskit: an open-source framework for quantum computing",
   doi:10.5281/zenodo.2573505 (gate definitions of ``qiskit.circuit.library``; bit ordering:
   https://docs.quantum.ibm.com/guides/bit-ordering).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import cirq
import numpy as np
import sympy

__all__ = ["QISKIT_GATES", "circuit_from_qiskit", "pauli_sum_from_qiskit", "load_qpy", "is_qiskit_circuit",
           "is_qiskit_operator", "require_qiskit"]

_PI = sympy.pi


def require_qiskit():
    """Import ``qiskit`` or raise one clear line saying how to install it."""
    try:
        import qiskit  # noqa: PLC0415
    except ImportError:
        raise ImportError("reading Qiskit circuits needs the optional extra: pip install 'bpcalc[qiskit]'") from None
    return qiskit


def is_qiskit_circuit(obj: object) -> bool:
    """Whether ``obj`` is a ``qiskit.QuantumCircuit`` (without importing Qiskit)."""
    return any(c.__module__.startswith("qiskit") and c.__name__ == "QuantumCircuit" for c in type(obj).__mro__)


def is_qiskit_operator(obj: object) -> bool:
    """Whether ``obj`` is a ``qiskit.quantum_info.SparsePauliOp`` or ``Pauli``."""
    return any(c.__module__.startswith("qiskit") and c.__name__ in ("SparsePauliOp", "Pauli") for c in type(obj).__mro__)


def _angle(value: Any):
    """A Qiskit parameter value as a float or a sympy expression (names kept)."""
    if hasattr(value, "sympify") and getattr(value, "parameters", None):
        return sympy.sympify(value.sympify())
    try:
        return float(value)
    except TypeError:
        return sympy.sympify(value.sympify())


def _over_pi(angle):
    """``angle / π``: a float for a number, a sympy expression for a symbolic angle."""
    if isinstance(angle, sympy.Basic) and angle.free_symbols:
        return angle / _PI
    return float(angle) / np.pi


def _rzx(theta, a, b):
    # exp(-iθ Z_a X_b / 2) = H_b exp(-iθ Z_a Z_b / 2) H_b
    return [cirq.H(b), cirq.ZZPowGate(exponent=_over_pi(theta), global_shift=-0.5).on(a, b), cirq.H(b)]


def _u(theta, phi, lam, q):
    return [cirq.rz(lam).on(q), cirq.ry(theta).on(q), cirq.rz(phi).on(q)]


def _pow(gate_cls, angle, shift=0.0):
    return gate_cls(exponent=_over_pi(angle), global_shift=shift)


QISKIT_GATES: dict[str, Callable[..., list]] = {
    "rx": lambda p, q: [cirq.rx(p[0]).on(*q)],
    "ry": lambda p, q: [cirq.ry(p[0]).on(*q)],
    "rz": lambda p, q: [cirq.rz(p[0]).on(*q)],
    "rxx": lambda p, q: [_pow(cirq.XXPowGate, p[0], -0.5).on(*q)],
    "ryy": lambda p, q: [_pow(cirq.YYPowGate, p[0], -0.5).on(*q)],
    "rzz": lambda p, q: [_pow(cirq.ZZPowGate, p[0], -0.5).on(*q)],
    "rzx": lambda p, q: _rzx(p[0], *q),
    "p": lambda p, q: [_pow(cirq.ZPowGate, p[0]).on(*q)],
    "u": lambda p, q: _u(p[0], p[1], p[2], *q),
    "u3": lambda p, q: _u(p[0], p[1], p[2], *q),
    "cx": lambda p, q: [cirq.CNOT(*q)],
    "cz": lambda p, q: [cirq.CZ(*q)],
    "cy": lambda p, q: [(cirq.S**-1).on(q[1]), cirq.CNOT(*q), cirq.S(q[1])],
    "h": lambda p, q: [cirq.H(*q)],
    "x": lambda p, q: [cirq.X(*q)],
    "y": lambda p, q: [cirq.Y(*q)],
    "z": lambda p, q: [cirq.Z(*q)],
    "id": lambda p, q: [],
    "s": lambda p, q: [cirq.S(*q)],
    "sdg": lambda p, q: [(cirq.S**-1).on(*q)],
    "t": lambda p, q: [cirq.T(*q)],
    "tdg": lambda p, q: [(cirq.T**-1).on(*q)],
    "sx": lambda p, q: [(cirq.X**0.5).on(*q)],
    "swap": lambda p, q: [cirq.SWAP(*q)],
    "iswap": lambda p, q: [cirq.ISWAP(*q)],
    "crx": lambda p, q: [cirq.ControlledGate(cirq.rx(p[0])).on(*q)],
    "cry": lambda p, q: [cirq.ControlledGate(cirq.ry(p[0])).on(*q)],
    "crz": lambda p, q: [cirq.ControlledGate(cirq.rz(p[0])).on(*q)],
    "cp": lambda p, q: [_pow(cirq.CZPowGate, p[0]).on(*q)],
    "ecr": lambda p, q: _rzx(np.pi / 4, *q) + [cirq.X(q[0])] + _rzx(-np.pi / 4, *q),
    "barrier": lambda p, q: [],
}
"""Qiskit gate name -> ``f(params, cirq qubits) -> list of Cirq operations`` (same unitary
up to a global phase; ``measure`` is kept as a Cirq measurement so that terminal
measurements are dropped and mid-circuit ones refused downstream)."""


def _standard_names() -> set[str]:
    from qiskit.circuit.library import get_standard_gate_name_mapping  # noqa: PLC0415

    return set(get_standard_gate_name_mapping())


def circuit_from_qiskit(qc: Any, *, qubits: Sequence[cirq.Qid] | None = None) -> cirq.Circuit:
    """Convert a ``qiskit.QuantumCircuit`` to a ``cirq.Circuit``, symbols preserved.

    Parameters
    ----------
    qc : the Qiskit circuit (``Parameter`` / ``ParameterVector`` angles and expressions of them).
    qubits : Cirq qubits for Qiskit's qubits ``0..n-1`` (default ``cirq.LineQubit.range(n)``).

    Returns
    -------
    cirq.Circuit : gates appended in Qiskit's instruction order (``cirq.InsertStrategy.EARLIEST``),
        parameters as sympy symbols named like Qiskit's (``θ[0]``, ``theta``).

    Raises
    ------
    ImportError : Qiskit is not installed.
    ValueError : a gate outside :data:`QISKIT_GATES` (named, with the table), classical
        control, or a qubit list of the wrong length.

    Examples
    --------
    >>> from qiskit import QuantumCircuit                       # doctest: +SKIP
    >>> from qiskit.circuit import Parameter                    # doctest: +SKIP
    >>> qc = QuantumCircuit(2); qc.ry(2 * Parameter("θ") + 1, 1); qc.cx(1, 0)   # doctest: +SKIP
    >>> print(circuit_from_qiskit(qc))                          # doctest: +SKIP
    0: ──────────────────X───
                         │
    1: ───Ry(2*θ + 1)────@───
    """
    require_qiskit()
    if not is_qiskit_circuit(qc):
        raise TypeError(f"expected a qiskit.QuantumCircuit, got {type(qc).__name__}")
    qs = list(qubits) if qubits is not None else cirq.LineQubit.range(qc.num_qubits)
    if len(qs) != qc.num_qubits:
        raise ValueError(f"{len(qs)} Cirq qubits given for a Qiskit circuit on {qc.num_qubits} qubits")
    standard = _standard_names()
    ops: list[cirq.Operation] = []

    def convert(circuit, qubit_map: list[cirq.Qid], clbit_names: dict, depth: int = 0) -> None:
        for inst in circuit.data:
            op = inst.operation
            name = op.name
            targets = [qubit_map[circuit.find_bit(q).index] for q in inst.qubits]
            if getattr(op, "condition", None) is not None or name in ("if_else", "while_loop", "for_loop", "switch_case"):
                raise ValueError(f"Qiskit instruction {name!r}: classical control is not supported (bpcalc analyses unitary circuits)")
            if name == "measure":
                key = clbit_names.get(circuit.find_bit(inst.clbits[0]).index, f"c_{len(ops)}") if inst.clbits else f"m_{len(ops)}"
                ops.append(cirq.measure(*targets, key=key))
                continue
            builder = QISKIT_GATES.get(name)
            if builder is not None:
                params = [_angle(p) for p in op.params]
                ops.extend(builder(params, targets))
                continue
            definition = getattr(op, "definition", None)
            if name not in standard and definition is not None and depth < 32:
                bound = definition
                convert(bound, [targets[bound.find_bit(q).index] for q in bound.qubits], {}, depth + 1)
                continue
            raise ValueError(
                f"Qiskit gate {name!r} is not supported. Supported: {', '.join(sorted(QISKIT_GATES))}, measure "
                "(terminal), and composite gates built from these. Transpile first, e.g. "
                "qiskit.transpile(qc, basis_gates=['rx', 'ry', 'rz', 'cx'])"
            )

    clbits = {i: f"c_{i}" for i in range(qc.num_clbits)}
    convert(qc, qs, clbits)
    return cirq.Circuit(ops)


def pauli_sum_from_qiskit(op: Any, qubits: Sequence[cirq.Qid] | None = None) -> cirq.PauliSum:
    """A ``SparsePauliOp`` / ``Pauli`` (or a list of ``(label, coeff)``) as a ``cirq.PauliSum``.

    Labels are little-endian (Qiskit's convention): the *last* character acts on qubit 0, so
    ``'ZZII'`` is ``Z2·Z3``.  Qubit ``k`` is ``qubits[k]`` (default ``cirq.LineQubit(k)``).

    Raises
    ------
    ValueError : a complex coefficient (the observable must be Hermitian) or a bad label.
    """
    if is_qiskit_operator(op):
        if type(op).__name__ == "Pauli":
            from qiskit.quantum_info import SparsePauliOp  # noqa: PLC0415

            op = SparsePauliOp(op)
        items = op.to_list()
    elif isinstance(op, (list, tuple)):
        items = [(str(lab), c) for lab, c in op]
    else:
        raise TypeError(f"expected a qiskit SparsePauliOp or a list of (label, coefficient), got {type(op).__name__}")
    total = cirq.PauliSum()
    for label, coeff in items:
        c = complex(coeff)
        if abs(c.imag) > 1e-12:
            raise ValueError(f"Pauli term {label!r} has the complex coefficient {c}; the observable must be Hermitian")
        if not label or set(label) - set("IXYZ"):
            raise ValueError(f"Pauli label {label!r} must be letters I, X, Y, Z (Qiskit order: last letter = qubit 0)")
        n = len(label)
        qs = list(qubits) if qubits is not None else cirq.LineQubit.range(n)
        if len(qs) < n:
            raise ValueError(f"Pauli label {label!r} has {n} letters but only {len(qs)} qubits were given")
        paulis = {qs[k]: {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}[ch] for k, ch in enumerate(reversed(label)) if ch != "I"}
        total += cirq.PauliString(paulis, coefficient=c.real)
    return total


def load_qpy(path: str | Path) -> list:
    """The ``qiskit.QuantumCircuit`` objects stored in a ``.qpy`` file.

    Raises
    ------
    FileNotFoundError, ValueError : no such file, or not a QPY file (one line naming it).
    """
    require_qiskit()
    from qiskit import qpy  # noqa: PLC0415

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such QPY file: {path}")
    try:
        with p.open("rb") as fh:
            programs = qpy.load(fh)
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad file
        raise ValueError(f"{path}: not a readable QPY file ({type(exc).__name__}: {exc})") from None
    circuits = [c for c in programs if is_qiskit_circuit(c)]
    if not circuits:
        raise ValueError(f"{path}: the QPY file holds no QuantumCircuit")
    return circuits
