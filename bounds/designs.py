"""Unitary 2-designs: exact second-moment tests for parametrized circuits.

Theorems built on "the gates before (after) θ_k form a 2-design" are only applied when that
is *checked*.  :func:`two_design_deviation` computes the ensemble's exact second-moment
channel ``Φ(X) = E_θ[U^{⊗2} X U^{†⊗2}]`` (θ independent and uniform in the project's convention,
:func:`circuits.parameter_convention`: ``rx(θ)`` with ``θ ~ U[0, 2π)``, ``X**s`` with
``s ~ U[0, 2)``; one gate per parameter: the average factorises gate by gate, and each gate's
average is exact on the grid of :func:`circuits.average_grid`) and compares it with the Haar channel
``Φ_H(X) = a·1 + b·SWAP`` (Weingarten), on random probe operators.  Zero deviation (to
round-off) means an exact 2-design.

:func:`split_at_parameter` cuts a circuit at the single gate of θ_k into
``V_-`` (before), the rotation ``R_P(θ_k)`` and ``V_+`` (after).

Examples
--------
>>> import cirq, sympy
>>> q = cirq.LineQubit.range(1)
>>> euler = cirq.Circuit(cirq.rz(sympy.Symbol("a")).on(q[0]), cirq.ry(sympy.Symbol("b")).on(q[0]),
...                      cirq.rz(sympy.Symbol("c")).on(q[0]))
>>> round(two_design_deviation(euler, q, rng=np.random.default_rng(0)), 3) > 0   # uniform Euler angles
True

References
----------
.. [1] C. Dankert, R. Cleve, J. Emerson, E. Livine, "Exact and approximate unitary
   2-designs", Phys. Rev. A 80, 012304 (2009), arXiv:quant-ph/0606161.
.. [2] J. R. McClean et al., arXiv:1803.11173 (2-designs and barren plateaus).
"""

from __future__ import annotations

import functools

import dataclasses
from typing import Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation, average_grid
from bpcalc.circuits.rotations import PauliRotation

from .bound import AssumptionFailed

__all__ = [
    "MAX_DESIGN_QUBITS",
    "AUTO_DESIGN_QUBITS",
    "ParameterSplit",
    "split_at_parameter",
    "haar_twirl",
    "second_moment_channel",
    "two_design_deviation",
    "DESIGN_TOLERANCE",
]

MAX_DESIGN_QUBITS = 5
"""Largest register :func:`two_design_deviation` accepts at all (larger ones are refused)."""
AUTO_DESIGN_QUBITS = 4
"""Largest register on which :mod:`bpcalc.bounds.analysis` runs the exact 2-design test by itself
(each test costs a few ``16^n``-sized tensor contractions per gate; 0.1–1 s at ``n = 4``,
tens of seconds at ``n = 5``).  Larger registers need a user declaration."""
DESIGN_TOLERANCE = 1e-9


@dataclasses.dataclass(frozen=True)
class ParameterSplit:
    """A circuit cut at the only gate of one parameter: ``U = V_+ · R_P(c·θ + d) · V_-``."""

    symbol: sympy.Symbol
    before: cirq.Circuit
    operation: cirq.Operation
    rotation: PauliRotation
    coefficient: float
    after: cirq.Circuit


def _flat_ops(circuit: cirq.AbstractCircuit) -> list[cirq.Operation]:
    return [op for moment in circuit for op in moment]


def split_at_parameter(circuit: cirq.AbstractCircuit, symbol: sympy.Symbol | str) -> ParameterSplit:
    """Cut ``circuit`` at the gate holding ``symbol``.

    Raises
    ------
    AssumptionFailed : (a ``ValueError``) the symbol occurs in no gate or in several, or its gate is not a Pauli
        rotation ``exp(-i(cθ+d)P/2)``.
    """
    if isinstance(symbol, str):
        symbol = sympy.Symbol(symbol)
    ops = _flat_ops(circuit)
    where = [i for i, op in enumerate(ops) if symbol in cirq.parameter_symbols(op)]
    if not where:
        raise AssumptionFailed(f"parameter {symbol} does not occur in the circuit")
    if len(where) > 1:
        raise AssumptionFailed(f"parameter {symbol} occurs in {len(where)} gates; the theorem needs it in exactly one")
    (i,) = where
    rot = as_pauli_rotation(ops[i])
    if rot is None:
        raise AssumptionFailed(f"the gate of {symbol} ({ops[i]}) is not a Pauli rotation exp(-iθP/2)")
    try:
        aff = affine_angle(rot.angle)
    except ValueError as exc:
        raise AssumptionFailed(f"the gate of {symbol} ({ops[i]}): {exc}") from None
    return ParameterSplit(
        symbol=symbol,
        before=cirq.Circuit(ops[:i]),
        operation=ops[i],
        rotation=rot,
        coefficient=aff.coefficient,
        after=cirq.Circuit(ops[i + 1 :]),
    )


def _swap(d: int) -> np.ndarray:
    f = np.zeros((d * d, d * d))
    for a in range(d):
        for b in range(d):
            f[a * d + b, b * d + a] = 1.0
    return f


def haar_twirl(x: np.ndarray, d: int) -> np.ndarray:
    """``E_{U~Haar}[U^{⊗2} X U^{†⊗2}] = α·1 + β·F`` (F the swap), exact (Weingarten)."""
    x = np.asarray(x)
    if x.shape != (d * d, d * d):
        raise ValueError(f"X must be {d * d}x{d * d} for d = {d}, got {x.shape}")
    f = _swap(d)
    tr, trf = np.trace(x), np.trace(x @ f)
    alpha = (tr - trf / d) / (d * d - 1)
    beta = (trf - tr / d) / (d * d - 1)
    return alpha * np.eye(d * d) + beta * f


def _local_unitary(op: cirq.Operation) -> np.ndarray:
    return cirq.unitary(op.untagged if isinstance(op, cirq.TaggedOperation) else op)


def _apply_local(x: np.ndarray, u: np.ndarray, positions: Sequence[int], n: int) -> np.ndarray:
    """``(U⊗U) X (U⊗U)†`` for ``U`` acting on qubit ``positions``; ``x`` has shape ``(B,) + (2,)*4n``."""
    k = len(positions)
    ut = u.reshape((2,) * (2 * k))
    uc = u.conj().reshape((2,) * (2 * k))
    out = x
    for offset, mat in ((0, ut), (n, ut), (2 * n, uc), (3 * n, uc)):
        axes = [1 + offset + p for p in positions]
        out = cirq.linalg.targeted_left_multiply(mat, out, axes)
    return out


def _gate_twirl(op: cirq.Operation, positions: Sequence[int], n: int, x: np.ndarray) -> np.ndarray:
    """Apply one gate's averaged channel to the tensor ``x`` (shape ``(B,) + (2,)*4n``)."""
    symbols = cirq.parameter_symbols(op)
    if not symbols:
        return _apply_local(x, _local_unitary(op), positions, n)
    if len(symbols) > 1:
        raise AssumptionFailed(f"gate {op} depends on several parameters")
    (s,) = symbols
    rot = as_pauli_rotation(op)
    if rot is None:
        raise AssumptionFailed(f"parametrized gate {op} is not a Pauli rotation")
    aff = affine_angle(rot.angle)
    try:
        # U^{⊗2}⊗Ū^{⊗2} has harmonics 0, ±1, ±2 of the angle: exact on the convention's grid
        nodes, weights = average_grid(aff.coefficient, 2)
    except ValueError as exc:
        raise AssumptionFailed(f"gate {op}: {exc}") from None
    out = np.zeros(x.shape, dtype=complex)
    for t, w in zip(nodes, weights):
        u = _local_unitary(cirq.resolve_parameters(op, {s: float(t)}))
        out += w * _apply_local(x, u, positions, n)
    return out


def second_moment_channel(circuit: cirq.AbstractCircuit, qubits: Sequence[cirq.Qid], x: np.ndarray) -> np.ndarray:
    """``E_θ[U^{⊗2} X U^{†⊗2}]`` for the circuit's uniform independent parameters (exact).

    ``x`` may be one ``d²×d²`` matrix or a batch ``(k, d², d²)``.

    Raises
    ------
    ValueError : a parameter occurs in several gates, a parametrized gate is not a Pauli
        rotation, too many qubits (> :data:`MAX_DESIGN_QUBITS`).
    """
    qubits = list(qubits)
    if len(qubits) > MAX_DESIGN_QUBITS:
        raise AssumptionFailed(f"exact 2-design test limited to {MAX_DESIGN_QUBITS} qubits, got {len(qubits)}")
    outside = set(circuit.all_qubits()) - set(qubits)
    if outside:
        raise AssumptionFailed(f"circuit acts on qubits {sorted(outside)} outside {qubits}")
    seen: dict[sympy.Symbol, int] = {}
    for op in _flat_ops(circuit):
        for s in cirq.parameter_symbols(op):
            seen[s] = seen.get(s, 0) + 1
    shared = sorted(str(s) for s, c in seen.items() if c > 1)
    if shared:
        raise AssumptionFailed(f"parameters {shared} occur in several gates; the exact test needs independent gates")
    n = len(qubits)
    dim = 2**n
    arr = np.asarray(x, dtype=complex)
    single = arr.ndim == 2
    batch = arr[None] if single else arr
    if batch.shape[1:] != (dim * dim, dim * dim):
        raise ValueError(f"X must be {dim * dim}x{dim * dim} (two copies of {n} qubits), got {arr.shape}")
    out = batch.reshape((batch.shape[0],) + (2,) * (4 * n))
    index = {q: i for i, q in enumerate(qubits)}
    for op in _flat_ops(circuit):
        out = _gate_twirl(op, [index[q] for q in op.qubits], n, out)
    out = out.reshape(batch.shape)
    return out[0] if single else out


def two_design_deviation(
    circuit: cirq.AbstractCircuit,
    qubits: Sequence[cirq.Qid],
    *,
    rng: Optional[np.random.Generator] = None,
    probes: int = 1,
) -> float:
    """Largest relative distance ``‖Φ(X) − Φ_H(X)‖_F / ‖X‖_F`` over random probes ``X``.

    ``0`` (below :data:`DESIGN_TOLERANCE`) iff the ensemble is an exact unitary 2-design on
    ``qubits`` (with probability one over the probes: a nonzero linear map is nonzero on a
    random input).  An empty circuit (the identity) has deviation > 0.

    Parameters
    ----------
    circuit : parametrized circuit on (a subset of) ``qubits``.
    qubits : the register of the design (its dimension is ``2**len(qubits)``).
    rng : random generator for the probes (default: seeded with 0).
    probes : number of random Gaussian probe operators (one suffices with probability one;
        more only guard against an unlucky near-kernel draw).
    """
    if rng is None:
        return _seeded_deviation(cirq.FrozenCircuit(circuit), tuple(qubits), probes)
    return _deviation(circuit, qubits, rng, probes)


@functools.lru_cache(maxsize=512)
def _seeded_deviation(circuit: cirq.FrozenCircuit, qubits: tuple, probes: int) -> float:
    """Memoised default-seed deviation: analyses ask the same question for several theorems."""
    return _deviation(circuit, qubits, np.random.default_rng(0), probes)


def _deviation(circuit, qubits, rng: np.random.Generator, probes: int) -> float:
    d = 2 ** len(list(qubits))
    k = max(1, probes)
    xs = rng.normal(size=(k, d * d, d * d)) + 1j * rng.normal(size=(k, d * d, d * d))
    out = second_moment_channel(circuit, qubits, xs)
    worst = 0.0
    for x, y in zip(xs, out):
        worst = max(worst, float(np.linalg.norm(y - haar_twirl(x, d)) / np.linalg.norm(x)))
    return worst
