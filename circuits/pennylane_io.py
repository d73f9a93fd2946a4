"""PennyLane quantum functions, QNodes and tapes in Cirq (optional extra ``pennylane``; lazy).

* :func:`trace` — run a quantum function / QNode on sympy symbols and return its tape;
  ``trace(qfunc, weights=(2, 3), x=(3,))`` makes the symbols ``weights_0_0 … weights_1_2``
  and ``x_0 … x_2`` (arguments named ``x`` are data under bpcalc's default ``x_*`` pattern);
* :func:`circuit_from_pennylane` — a tape, quantum function or QNode to ``(cirq.Circuit,
  observable)``: the gates with symbols preserved (``2*w + 1`` kept), and the ``qml.expval``
  observable as a ``cirq.PauliSum`` (``None`` without one).

Conventions: wire ``k`` (an int) is ``cirq.LineQubit(k)``, a string wire ``'a'`` is
``cirq.NamedQubit('a')``; PennyLane orders wires like Cirq (wire 0 is the most significant
bit), so state vectors agree without reordering.  ``qml.Rot(φ, θ, ω)`` becomes
``rz(φ) ry(θ) rz(ω)`` and ``qml.U3(θ, φ, δ)`` becomes ``rz(δ) ry(θ) rz(φ)`` (equal up to a
global phase); ``IsingXX/YY/ZZ(θ)`` are ``exp(-iθ P⊗P / 2)``.  Gates outside
:data:`PENNYLANE_GATES` are expanded through their PennyLane decomposition, or refused by name.

References
----------
.. [1] V. Bergholm et al., "PennyLane: Automatic differentiation of hybrid quantum-classical
   computations", arXiv:1811.04968 (operations and their decompositions).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping

import cirq
import numpy as np
import sympy

__all__ = ["PENNYLANE_GATES", "trace", "circuit_from_pennylane", "is_pennylane_object", "require_pennylane"]

_PI = sympy.pi


def require_pennylane():
    """Import ``pennylane`` or raise one clear line saying how to install it."""
    try:
        import pennylane  # noqa: PLC0415
    except ImportError:
        raise ImportError("reading PennyLane circuits needs the optional extra: pip install 'bpcalc[pennylane]'") from None
    return pennylane


def is_pennylane_object(obj: object) -> bool:
    """Whether ``obj`` is a PennyLane tape / QuantumScript or QNode (without importing PennyLane)."""
    return any(c.__module__.startswith("pennylane") for c in type(obj).__mro__)


def _over_pi(angle):
    if isinstance(angle, sympy.Basic) and angle.free_symbols:
        return angle / _PI
    return float(angle) / np.pi


def _pow(cls, angle, shift=0.0):
    return cls(exponent=_over_pi(angle), global_shift=shift)


def _angle(value):
    if isinstance(value, sympy.Basic):
        return value if value.free_symbols else float(value)
    return float(np.real(value))


PENNYLANE_GATES: dict[str, Callable[..., list]] = {
    "RX": lambda p, q: [cirq.rx(p[0]).on(*q)],
    "RY": lambda p, q: [cirq.ry(p[0]).on(*q)],
    "RZ": lambda p, q: [cirq.rz(p[0]).on(*q)],
    "PhaseShift": lambda p, q: [_pow(cirq.ZPowGate, p[0]).on(*q)],
    "Rot": lambda p, q: [cirq.rz(p[0]).on(*q), cirq.ry(p[1]).on(*q), cirq.rz(p[2]).on(*q)],
    "U3": lambda p, q: [cirq.rz(p[2]).on(*q), cirq.ry(p[0]).on(*q), cirq.rz(p[1]).on(*q)],
    "IsingXX": lambda p, q: [_pow(cirq.XXPowGate, p[0], -0.5).on(*q)],
    "IsingYY": lambda p, q: [_pow(cirq.YYPowGate, p[0], -0.5).on(*q)],
    "IsingZZ": lambda p, q: [_pow(cirq.ZZPowGate, p[0], -0.5).on(*q)],
    "CRX": lambda p, q: [cirq.ControlledGate(cirq.rx(p[0])).on(*q)],
    "CRY": lambda p, q: [cirq.ControlledGate(cirq.ry(p[0])).on(*q)],
    "CRZ": lambda p, q: [cirq.ControlledGate(cirq.rz(p[0])).on(*q)],
    "ControlledPhaseShift": lambda p, q: [_pow(cirq.CZPowGate, p[0]).on(*q)],
    "CNOT": lambda p, q: [cirq.CNOT(*q)],
    "CZ": lambda p, q: [cirq.CZ(*q)],
    "CY": lambda p, q: [(cirq.S**-1).on(q[1]), cirq.CNOT(*q), cirq.S(q[1])],
    "Hadamard": lambda p, q: [cirq.H(*q)],
    "PauliX": lambda p, q: [cirq.X(*q)],
    "PauliY": lambda p, q: [cirq.Y(*q)],
    "PauliZ": lambda p, q: [cirq.Z(*q)],
    "S": lambda p, q: [cirq.S(*q)],
    "T": lambda p, q: [cirq.T(*q)],
    "SX": lambda p, q: [(cirq.X**0.5).on(*q)],
    "SWAP": lambda p, q: [cirq.SWAP(*q)],
    "ISWAP": lambda p, q: [cirq.ISWAP(*q)],
    "Identity": lambda p, q: [],
    "Barrier": lambda p, q: [],
}
"""PennyLane operation name -> ``f(params, cirq qubits) -> Cirq operations`` (same unitary
up to a global phase)."""


def _symbols(name: str, shape) -> Any:
    shape = () if shape is None else ((shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))
    if shape == ():
        return sympy.Symbol(name)
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sympy.Symbol(name + "_" + "_".join(str(i) for i in idx))
    return out


def trace(qfunc: Any, **shapes: Any):
    """The tape of ``qfunc`` (or a QNode's function) called on sympy symbols.

    Parameters
    ----------
    qfunc : a quantum function or ``qml.QNode``.
    **shapes : for each argument of ``qfunc``, its shape (``()`` or ``None`` for a scalar, an
        int or a tuple for arrays); arguments not named keep their defaults.

    Raises
    ------
    ImportError : PennyLane is not installed.
    ValueError : an argument without a shape and without a default, or an unknown name.
    """
    qml = require_pennylane()
    func = getattr(qfunc, "func", qfunc)
    if not callable(func):
        raise TypeError(f"expected a PennyLane quantum function or QNode, got {type(qfunc).__name__}")
    sig = inspect.signature(func)
    unknown = set(shapes) - set(sig.parameters)
    if unknown:
        raise ValueError(f"{func.__name__} has no argument(s) {sorted(unknown)}; its arguments: {list(sig.parameters)}")
    kwargs = {}
    for name, param in sig.parameters.items():
        if name in shapes:
            kwargs[name] = _symbols(name, shapes[name])
        elif param.default is inspect.Parameter.empty:
            raise ValueError(f"give the shape of argument {name!r} of {func.__name__} (e.g. {name}=(2, 3) or {name}=())")
    return qml.tape.make_qscript(func)(**kwargs)


def _qubit(wire) -> cirq.Qid:
    if isinstance(wire, (int, np.integer)):
        return cirq.LineQubit(int(wire))
    return cirq.NamedQubit(str(wire))


def _convert_ops(operations, depth: int = 0) -> list[cirq.Operation]:
    ops: list[cirq.Operation] = []
    for op in operations:
        name = op.name
        qubits = [_qubit(w) for w in op.wires]
        builder = PENNYLANE_GATES.get(name)
        if builder is not None:
            ops.extend(builder([_angle(p) for p in op.data], qubits))
            continue
        if name.startswith("Adjoint(") and name[8:-1] in ("S", "T", "SX"):
            base = PENNYLANE_GATES[name[8:-1]]([], qubits)[0]
            ops.append(cirq.inverse(base))
            continue
        if getattr(op, "has_decomposition", False) and depth < 16:
            try:
                decomposition = op.decomposition()
            except Exception:  # noqa: BLE001 - a decomposition that needs numbers
                decomposition = None
            if decomposition is not None:
                ops.extend(_convert_ops(decomposition, depth + 1))
                continue
        raise ValueError(
            f"PennyLane operation {name!r} is not supported. Supported: {', '.join(sorted(PENNYLANE_GATES))} "
            "and operations whose decomposition uses only these"
        )
    return ops


def _observable(tape) -> cirq.PauliSum | None:
    measurements = list(getattr(tape, "measurements", ()))
    if not measurements:
        return None
    if len(measurements) > 1 or type(measurements[0]).__name__ != "ExpectationMP" or measurements[0].obs is None:
        raise ValueError("the PennyLane circuit must return one qml.expval(observable); got "
                         + ", ".join(type(m).__name__ for m in measurements))
    obs = measurements[0].obs
    rep = getattr(obs, "pauli_rep", None)
    if rep is None:
        raise ValueError(f"the observable {obs} is not a sum of Pauli words; write it with qml.PauliX/Y/Z, @, + and *")
    total = cirq.PauliSum()
    for word, coeff in rep.items():
        c = complex(coeff)
        if abs(c.imag) > 1e-12:
            raise ValueError(f"observable term {word} has the complex coefficient {c}; it must be Hermitian")
        paulis = {_qubit(w): {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}[p] for w, p in word.items() if p != "I"}
        total += cirq.PauliString(paulis, coefficient=c.real)
    return total


def circuit_from_pennylane(obj: Any, **shapes: Any) -> tuple[cirq.Circuit, cirq.PauliSum | None]:
    """``(cirq.Circuit, observable)`` of a PennyLane tape, quantum function or QNode.

    ``shapes`` (for a function / QNode) are the argument shapes of :func:`trace`.

    Examples
    --------
    >>> import pennylane as qml                                        # doctest: +SKIP
    >>> def f(w):
    ...     qml.RY(2 * w[0] + 1, wires=0); qml.CNOT(wires=[0, 1]); qml.RX(w[1], wires=1)
    ...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))           # doctest: +SKIP
    >>> circuit, obs = circuit_from_pennylane(f, w=(2,))               # doctest: +SKIP
    >>> str(obs)                                                       # doctest: +SKIP
    '1.000*Z(q(0))*Z(q(1))'
    """
    require_pennylane()
    tape = obj if hasattr(obj, "operations") and hasattr(obj, "measurements") else trace(obj, **shapes)
    return cirq.Circuit(_convert_ops(tape.operations)), _observable(tape)
