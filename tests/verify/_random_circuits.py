"""Seeded random parametrized circuits for the engine and gradient tests (not a test module)."""

from __future__ import annotations

import cirq
import numpy as np
import sympy

SYMBOLS = sympy.symbols("a b c")


def random_circuit(n: int, depth: int, rng: np.random.Generator, generic: bool = True) -> cirq.Circuit:
    """Rotations (affine symbols, reused), XPow/ZZ/XX/PhasedX exponents, Pauli-string phasors,
    Cliffords, CNOTs, SWAP/ISWAP, CCZ, random 2-qubit unitaries and (``generic``) FSim gates."""
    qs = cirq.LineQubit.range(n)

    def angle():
        s = SYMBOLS[rng.integers(len(SYMBOLS))]
        return float(rng.choice([1.0, -2.0, 0.5])) * s + float(rng.uniform(-1, 1))

    ops = []
    for _ in range(depth):
        kind = int(rng.integers(16))
        pick = [qs[i] for i in rng.choice(n, size=min(3, n), replace=False)]
        a = pick[0]
        b = pick[1] if n > 1 else None
        c = pick[2] if n > 2 else None
        if kind == 0:
            ops.append(cirq.rx(angle()).on(a))
        elif kind == 1:
            ops.append(cirq.ry(angle()).on(a))
        elif kind == 2:
            ops.append(cirq.rz(angle()).on(a))
        elif kind == 3:
            ops.append(cirq.XPowGate(exponent=angle() / np.pi, global_shift=0.2).on(a))
        elif kind == 4 and b is not None:
            ops.append(cirq.ZZPowGate(exponent=angle()).on(a, b))
        elif kind == 5 and b is not None:
            ops.append(cirq.XXPowGate(exponent=angle()).on(a, b))
        elif kind == 6:
            ops.append(cirq.PhasedXPowGate(phase_exponent=0.5, exponent=angle()).on(a))
        elif kind == 7 and b is not None:
            ops.append(cirq.PauliStringPhasor(cirq.X(a) * cirq.Y(b), exponent_neg=angle(), exponent_pos=0.1))
        elif kind == 8 and b is not None:
            ops.append(cirq.CZ(a, b))
        elif kind == 9 and b is not None:
            ops.append(cirq.CNOT(a, b))
        elif kind == 10:
            ops.append([cirq.H, cirq.T, cirq.S, cirq.X**0.3][int(rng.integers(4))].on(a))
        elif kind == 11 and b is not None:
            ops.append([cirq.SWAP, cirq.ISWAP, cirq.CZ**0.7][int(rng.integers(3))].on(a, b))
        elif kind == 12 and b is not None and generic:
            ops.append(cirq.FSimGate(theta=angle(), phi=0.3).on(a, b))
        elif kind == 13 and c is not None:
            ops.append(cirq.CCZ(a, b, c))
        elif kind == 14 and b is not None:
            ops.append(cirq.MatrixGate(cirq.testing.random_unitary(4, random_state=int(rng.integers(2**31)))).on(a, b))
        elif kind == 15:
            ops.append(cirq.YPowGate(exponent=angle()).on(a))
    return cirq.Circuit(ops)


def random_pauli_sum(n: int, rng: np.random.Generator, terms: int = 5) -> cirq.PauliSum:
    """Random Hermitian Pauli sum normalised to sum |c| = 1 (plus a constant)."""
    qs = cirq.LineQubit.range(n)
    strings = []
    for _ in range(terms):
        d = {q: [cirq.X, cirq.Y, cirq.Z][int(rng.integers(3))] for q in qs if rng.random() < 0.6}
        strings.append(cirq.PauliString(d, coefficient=float(rng.normal())))
    total = sum(abs(complex(s.coefficient)) for s in strings) + 0.3
    ps = cirq.PauliSum.from_pauli_strings([s * (1 / total) for s in strings])
    return ps + 0.3 / total
