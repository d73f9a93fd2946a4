"""Hypothesis strategies for the soundness suite: small circuits, observables and inputs.

Every instance is drawn from explicit, finite menus (gate kinds, angles, coefficients), so
hypothesis can shrink a counterexample to a readable circuit.  Nothing here imports the
engine under test; the brute-force references live in :mod:`brute`.
"""

from __future__ import annotations

import dataclasses

import cirq
import numpy as np
import sympy
from hypothesis import strategies as st

# fixed angles and coefficients: exact binary fractions or simple decimals, so a reported
# counterexample can be typed back in
ANGLES = (0.0, 0.3, -0.7, 1.1, np.pi / 4, np.pi / 2, 2.0)
COEFFS = (1.0, -1.0, 0.5, -0.25, 2.0, 0.3)

ROTATION_KINDS = ("rx", "ry", "rz", "X**s", "Y**s", "Z**s", "XX**s", "YY**s", "ZZ**s")
CLIFFORDS_1 = (cirq.H, cirq.S, cirq.X, cirq.Z)
CLIFFORDS_2 = (cirq.CZ, cirq.CNOT, cirq.SWAP)
NON_CLIFFORD = ("T", "rx(0.37)", "ZZ**0.21")


def rotation(kind: str, symbol: sympy.Symbol, a: cirq.Qid, b: cirq.Qid) -> cirq.Operation:
    """One trainable Pauli rotation of the given kind (two-qubit kinds act on ``a, b``)."""
    return {
        "rx": lambda: cirq.rx(symbol).on(a),
        "ry": lambda: cirq.ry(symbol).on(a),
        "rz": lambda: cirq.rz(symbol).on(a),
        "X**s": lambda: (cirq.X**symbol).on(a),
        "Y**s": lambda: (cirq.Y**symbol).on(a),
        "Z**s": lambda: (cirq.Z**symbol).on(a),
        "XX**s": lambda: (cirq.XX**symbol).on(a, b),
        "YY**s": lambda: (cirq.YY**symbol).on(a, b),
        "ZZ**s": lambda: (cirq.ZZ**symbol).on(a, b),
    }[kind]()


def fixed_non_clifford(kind: str, a: cirq.Qid, b: cirq.Qid) -> cirq.Operation:
    return {"T": lambda: cirq.T(a), "rx(0.37)": lambda: cirq.rx(0.37).on(a),
            "ZZ**0.21": lambda: (cirq.ZZ**0.21).on(a, b)}[kind]()


@st.composite
def gate_circuits(draw, n: int, n_params: int, *, clifford_only_fixed: bool = False,
                  kinds: tuple = ROTATION_KINDS, symbol_prefix: str = "p") -> cirq.Circuit:
    """A circuit on ``LineQubit.range(n)`` with exactly ``n_params`` independent trainable symbols.

    Between rotations: Cliffords and (unless ``clifford_only_fixed``) fixed non-Clifford gates.
    """
    qs = cirq.LineQubit.range(n)
    ops = []
    for k in range(n_params):
        for _ in range(draw(st.integers(0, 2))):
            a, b = draw(st.permutations(range(n)))[:2]
            fixed = draw(st.sampled_from(("c1", "c2") if clifford_only_fixed else ("c1", "c2", "nc")))
            if fixed == "c1":
                ops.append(draw(st.sampled_from(CLIFFORDS_1)).on(qs[a]))
            elif fixed == "c2":
                ops.append(draw(st.sampled_from(CLIFFORDS_2)).on(qs[a], qs[b]))
            else:
                ops.append(fixed_non_clifford(draw(st.sampled_from(NON_CLIFFORD)), qs[a], qs[b]))
        a, b = draw(st.permutations(range(n)))[:2]
        ops.append(rotation(draw(st.sampled_from(kinds)), sympy.Symbol(f"{symbol_prefix}{k}"), qs[a], qs[b]))
    # an entangling tail so the last rotation is not trivially outside the observable's cone
    for _ in range(draw(st.integers(0, 2))):
        a, b = draw(st.permutations(range(n)))[:2]
        ops.append(draw(st.sampled_from(CLIFFORDS_2)).on(qs[a], qs[b]))
    return cirq.Circuit(ops)


@st.composite
def pauli_sums(draw, n: int, max_terms: int = 3, letters: str = "XYZ") -> cirq.PauliSum:
    """A Pauli sum of 1..max_terms non-identity strings of weight 1..min(n, 3)."""
    qs = cirq.LineQubit.range(n)
    terms = []
    for _ in range(draw(st.integers(1, max_terms))):
        support = draw(st.permutations(range(n)))[: draw(st.integers(1, min(n, 3)))]
        ps = cirq.PauliString({qs[j]: {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}[draw(st.sampled_from(letters))]
                               for j in support})
        terms.append(draw(st.sampled_from(COEFFS)) * ps)
    total = cirq.PauliSum.from_pauli_strings(terms)
    if not list(total):  # terms cancelled: fall back to one string
        total = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[0])])
    return total


def product_state(angles: list[tuple[float, float]]) -> np.ndarray:
    """``⊗_j (cos(a/2)|0⟩ + e^{ib} sin(a/2)|1⟩)``, big-endian like Cirq."""
    psi = np.ones(1, dtype=complex)
    for a, b in angles:
        psi = np.kron(psi, np.array([np.cos(a / 2), np.exp(1j * b) * np.sin(a / 2)]))
    return psi


def haar_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return v / np.linalg.norm(v)


@st.composite
def input_states(draw, n: int, kinds=("zero", "product", "entangled", "dataset")) -> tuple[str, np.ndarray]:
    """``(kind, states)`` with ``states`` of shape ``(N, 2^n)``: |0…0⟩, a product state, an
    entangled (Haar-random, seeded) state, or a dataset of 2-3 mixed product/entangled states."""
    kind = draw(st.sampled_from(kinds))
    if kind == "zero":
        psi = np.zeros(2**n, dtype=complex)
        psi[0] = 1
        return kind, psi[None]
    if kind == "product":
        return kind, product_state([(draw(st.sampled_from(ANGLES)), draw(st.sampled_from(ANGLES))) for _ in range(n)])[None]
    if kind == "entangled":
        return kind, haar_state(n, draw(st.integers(0, 10**6)))[None]
    states = []
    for _ in range(draw(st.integers(2, 3))):
        if draw(st.booleans()):
            states.append(haar_state(n, draw(st.integers(0, 10**6))))
        else:
            states.append(product_state([(draw(st.sampled_from(ANGLES)), draw(st.sampled_from(ANGLES)))
                                         for _ in range(n)]))
    return kind, np.stack(states)


@dataclasses.dataclass(frozen=True)
class Instance:
    """One generated problem (``describe`` prints it for a failure message)."""

    circuit: cirq.Circuit
    observable: cirq.PauliSum
    qubits: tuple
    input_kind: str
    states: np.ndarray

    def describe(self) -> str:
        return (f"n = {len(self.qubits)}, input {self.input_kind} ({self.states.shape[0]} state(s)), "
                f"O = {self.observable}\n{self.circuit}")


@st.composite
def instances(draw, n_qubits=(2, 5), n_params=(1, 5), input_kinds=("zero", "product", "entangled", "dataset"),
              **circuit_kw) -> Instance:
    n = draw(st.integers(*n_qubits))
    k = draw(st.integers(*n_params))
    circuit = draw(gate_circuits(n, k, **circuit_kw))
    obs = draw(pauli_sums(n))
    kind, states = draw(input_states(n, input_kinds))
    return Instance(circuit, obs, tuple(cirq.LineQubit.range(n)), kind, states)
