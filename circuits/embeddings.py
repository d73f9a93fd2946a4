"""Data embeddings ``U(x)`` with data symbols ``x_0 .. x_{n-1}``.

Resolve an embedding with a data vector (:func:`embed`) to get the embedded circuit;
simulate it from ``|0…0⟩`` to get the data state ``ρ(x) = U(x)|0⟩⟨0|U(x)†``.

The three embeddings studied in the seed paper [1]_ (Sec. on dataset-induced barren
plateaus, following Thanasilp et al. [2]_ and Havlíček et al. [3]_):

* tensor-product embedding (TPE): ``RX(x_j) RY(x_j)`` on qubit ``j`` (no entanglement);
* hardware-efficient embedding (HEE): ``layers`` × (``RX(x_j)`` on every qubit, CNOT
  ring in brick moments), data re-uploaded in every layer;
* classically-hard embedding (CHE, ZZ feature map): ``reps`` × (``H`` on every qubit,
  ``RZ(x_j)``, then for each pair ``i<j``: ``CNOT(i,j) RZ(x_i x_j) CNOT(i,j)``).

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, arXiv:2110.14753.
.. [2] S. Thanasilp, S. Wang, M. Cerezo, Z. Holmes, "Exponential concentration in quantum
   kernel methods", arXiv:2208.11060.
.. [3] V. Havlíček et al., "Supervised learning with quantum-enhanced feature spaces",
   Nature 567, 209 (2019), arXiv:1804.11358.
"""

from __future__ import annotations

from typing import Sequence

import cirq
import numpy as np
import sympy

from ._validation import require_circuit, require_positive_int, resolve_qubits
from .ansatz import ROTATIONS, entangling_pairs
from .symbols import data_symbols, sort_symbols

__all__ = [
    "EMBEDDINGS",
    "tensor_product_embedding",
    "hardware_efficient_embedding",
    "classically_hard_embedding",
    "make_embedding",
    "embed",
    "data_resolver",
    "validate_data",
]


def tensor_product_embedding(
    n: int, rotations: Sequence[str] = ("rx", "ry"), qubits: Sequence[cirq.Qid] | None = None
) -> cirq.Circuit:
    """TPE: on qubit ``j`` apply ``rotations`` (default ``RX(x_j) RY(x_j)``)."""
    qs = resolve_qubits(n, qubits)
    xs = data_symbols(len(qs))
    circuit = cirq.Circuit()
    for name in rotations:
        if name not in ROTATIONS:
            raise ValueError(f"unknown rotation {name!r}; expected one of {sorted(ROTATIONS)}")
        circuit.append(cirq.Moment(ROTATIONS[name](x).on(q) for x, q in zip(xs, qs)))
    return circuit


def hardware_efficient_embedding(
    n: int,
    layers: int,
    rotations: Sequence[str] = ("rx",),
    entangler: str = "cnot",
    topology: str = "ring",
    qubits: Sequence[cirq.Qid] | None = None,
) -> cirq.Circuit:
    """HEE: ``layers`` × (``RX(x_j)`` on qubit ``j``, CNOT ring in brick moments).

    The data are re-uploaded in every layer, as in the seed paper.  The ring matters: with
    an open CNOT chain, the 2-qubit reduced states of uniform random data stay far from
    maximally mixed (mean ``D_HS`` ≈ 0.116 at ``n = 8``, ``L = 8``), while with the ring they
    follow the Haar value ``(2^s − 2^{−s})/(2^n + 1)`` (measured 0.0112 vs 0.0146 at ``n = 8``,
    7.4e-4 vs 9.2e-4 at ``n = 12``; see ``tests/circuits/test_embeddings_observables.py``).
    """
    from .ansatz import ENTANGLERS

    qs = resolve_qubits(n, qubits)
    layers = require_positive_int(layers, "layers")
    if entangler not in ENTANGLERS:
        raise ValueError(f"unknown entangler {entangler!r}; expected one of {sorted(ENTANGLERS)}")
    xs = data_symbols(len(qs))
    circuit = cirq.Circuit()
    for layer in range(layers):
        for name in rotations:
            if name not in ROTATIONS:
                raise ValueError(f"unknown rotation {name!r}; expected one of {sorted(ROTATIONS)}")
            circuit.append(cirq.Moment(ROTATIONS[name](x).on(q) for x, q in zip(xs, qs)))
        for pairs in entangling_pairs(len(qs), topology, layer):
            circuit.append(cirq.Moment(ENTANGLERS[entangler](qs[a], qs[b]) for a, b in pairs))
    return circuit


def classically_hard_embedding(
    n: int, reps: int = 2, entanglement: str = "full", qubits: Sequence[cirq.Qid] | None = None
) -> cirq.Circuit:
    """CHE (ZZ feature map): ``reps`` × (H, RZ(x_j), CNOT·RZ(x_i x_j)·CNOT on pairs).

    ``entanglement``: ``'full'`` (all pairs ``i<j``) or ``'linear'`` (neighbours only).
    """
    qs = resolve_qubits(n, qubits)
    reps = require_positive_int(reps, "reps")
    if entanglement not in ("full", "linear"):
        raise ValueError(f"entanglement must be 'full' or 'linear', got {entanglement!r}")
    xs = data_symbols(len(qs))
    pairs = (
        [(i, j) for i in range(len(qs)) for j in range(i + 1, len(qs))]
        if entanglement == "full"
        else [(i, i + 1) for i in range(len(qs) - 1)]
    )
    circuit = cirq.Circuit()
    for _ in range(reps):
        circuit.append(cirq.Moment(cirq.H.on_each(qs)))
        circuit.append(cirq.Moment(cirq.rz(x).on(q) for x, q in zip(xs, qs)))
        for i, j in pairs:
            circuit.append([cirq.CNOT(qs[i], qs[j]), cirq.rz(xs[i] * xs[j]).on(qs[j]), cirq.CNOT(qs[i], qs[j])])
    return circuit


EMBEDDINGS = {
    "tpe": tensor_product_embedding,
    "hee": hardware_efficient_embedding,
    "che": classically_hard_embedding,
}


def make_embedding(name: str, n: int, layers: int = 1, qubits: Sequence[cirq.Qid] | None = None) -> cirq.Circuit:
    """Build an embedding by short name: ``'tpe'``, ``'hee'`` (``layers``) or ``'che'`` (``reps = layers``)."""
    key = name.lower()
    if key == "tpe":
        return tensor_product_embedding(n, qubits=qubits)
    if key == "hee":
        return hardware_efficient_embedding(n, layers, qubits=qubits)
    if key == "che":
        return classically_hard_embedding(n, reps=layers, qubits=qubits)
    raise ValueError(f"unknown embedding {name!r}; expected one of {sorted(EMBEDDINGS)}")


def validate_data(x: object, n_features: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float array of shape ``(n_features,)``; raise on NaN/inf or bad shape."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1 or arr.shape[0] != n_features:
        raise ValueError(f"{name} must be a vector of {n_features} features, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values: {arr}")
    return arr


def data_resolver(embedding: cirq.AbstractCircuit, x: object) -> cirq.ParamResolver:
    """The resolver binding ``x_j`` to ``x[j]`` for the data symbols of ``embedding``."""
    require_circuit(embedding, "embedding")
    symbols = sort_symbols(s for s in cirq.parameter_symbols(embedding) if s.name.startswith("x_"))
    n_features = max((int(s.name[2:]) for s in symbols), default=-1) + 1
    values = validate_data(x, n_features)
    return cirq.ParamResolver({sympy.Symbol(f"x_{j}"): float(values[j]) for j in range(n_features)})


def embed(embedding: cirq.AbstractCircuit, x: object) -> cirq.Circuit:
    """The embedding circuit with its data symbols resolved to the vector ``x``."""
    return cirq.resolve_parameters(cirq.Circuit(embedding), data_resolver(embedding, x))
