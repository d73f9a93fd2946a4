"""The QML model: embedding ``U(x)``, ansatz ``V(θ)``, observable ``O``, loss, dataset.

Following the seed paper's notation (Thanasilp et al., arXiv:2110.14753, Sec. 2):
``ρ_i = U(x_i)|0⟩⟨0|U(x_i)†``, ``ℓ_i(θ) = Tr[V(θ) ρ_i V(θ)† O]`` and
``L(θ) = (1/N) Σ_i f(ℓ_i(θ), y_i)`` with ``f`` the mean-squared error (``'mse'``),
the negative log-likelihood (``'nll'``) or the linear loss ``f = y·ℓ`` (``'linear'``).
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import cirq
import numpy as np
import sympy

from ._validation import require_unitary_circuit
from .datasets import Dataset
from .embeddings import data_resolver
from .observables import check_observable_on_circuit
from .symbols import parameter_symbols, sort_symbols

__all__ = ["Model", "LOSSES"]


def _is_data_symbol(s: sympy.Symbol) -> bool:
    return s.name.startswith("x_") and s.name[2:].isdigit()

LOSSES = ("linear", "mse", "nll")


@dataclasses.dataclass(frozen=True, eq=False)
class Model:
    """A QML model, validated on construction.

    Attributes
    ----------
    ansatz : the trainable circuit ``V(θ)``; its symbols are the trainable parameters.
    observable : ``cirq.PauliSum`` (or anything :func:`circuits.as_pauli_sum` accepts).
    embedding : the data embedding ``U(x)`` with data symbols ``x_j`` (``None``: no data, a VQA
        started from ``|0…0⟩``).
    loss : ``'linear'``, ``'mse'`` or ``'nll'``.
    dataset : the data (``n_features`` must match the embedding's data symbols).
    two_design_blocks : the user declares that every tagged block of the ansatz is a local
        2-design (e.g. random blocks drawn from a 2-design ensemble); theorems that need it
        are refused otherwise.
    name : a label for reports.
    reuploading : the ansatz interleaves data gates (symbols ``x_j``) with trainable gates
        (data re-uploading, Pérez-Salinas et al. 2020, arXiv:1907.02085); the model is then
        ``ℓ_i(θ) = Tr[W(x_i, θ) ρ_0 W(x_i, θ)† O]`` with ``W`` = embedding + ansatz, and results
        that assume ``V(θ)U(x)`` (the theorems, dataset expressibility) do not apply.

    Raises
    ------
    TypeError, ValueError : non-circuits, non-unitary circuits, a symbol used by both
        embedding and ansatz, an observable on qubits outside the circuit, an unknown
        loss, or a dataset whose width does not match the embedding.
    """

    ansatz: cirq.Circuit
    observable: cirq.PauliSum
    embedding: Optional[cirq.Circuit] = None
    loss: str = "linear"
    dataset: Optional[Dataset] = None
    two_design_blocks: bool = False
    name: str = ""
    reuploading: bool = False

    def __post_init__(self) -> None:
        ansatz = cirq.Circuit(require_unitary_circuit(self.ansatz, "ansatz"))
        embedding = cirq.Circuit() if self.embedding is None else cirq.Circuit(
            require_unitary_circuit(self.embedding, "embedding")
        )
        if not list(ansatz.all_operations()):
            raise ValueError("ansatz is an empty circuit")
        shared = set(cirq.parameter_symbols(ansatz)) & set(cirq.parameter_symbols(embedding))
        if shared:
            raise ValueError(
                f"symbols {sorted(s.name for s in shared)} are used in both the embedding and the ansatz; "
                "data and trainable parameters must be distinct symbols"
            )
        full = embedding + ansatz
        observable = check_observable_on_circuit(self.observable, full)
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; expected one of {LOSSES}")
        if self.dataset is not None:
            if not isinstance(self.dataset, Dataset):
                raise TypeError(f"dataset must be a circuits.Dataset, got {type(self.dataset).__name__}")
            needed = self.n_features_of(embedding + ansatz if self.reuploading else embedding)
            if needed == 0:
                raise ValueError("a dataset was given but the embedding has no data symbols x_j")
            if self.dataset.n_features != needed:
                raise ValueError(
                    f"dataset has {self.dataset.n_features} features but the embedding uses {needed} "
                    f"(symbols x_0 .. x_{needed - 1})"
                )
        if self.reuploading and not any(_is_data_symbol(s) for s in cirq.parameter_symbols(ansatz)):
            raise ValueError("reuploading=True but the ansatz has no data symbols x_j")
        object.__setattr__(self, "ansatz", ansatz)
        object.__setattr__(self, "embedding", embedding)
        object.__setattr__(self, "observable", observable)

    @staticmethod
    def n_features_of(embedding: cirq.AbstractCircuit) -> int:
        xs = [s for s in cirq.parameter_symbols(embedding) if s.name.startswith("x_") and s.name[2:].isdigit()]
        return max((int(s.name[2:]) for s in xs), default=-1) + 1

    @property
    def circuit(self) -> cirq.Circuit:
        """``U(x) V(θ)`` as one circuit (embedding first)."""
        return self.embedding + self.ansatz

    @property
    def qubits(self) -> list[cirq.Qid]:
        return sorted(self.circuit.all_qubits() | set(q for ps in self.observable for q in ps.qubits))

    @property
    def n_qubits(self) -> int:
        return len(self.qubits)

    @property
    def trainable_symbols(self) -> list[sympy.Symbol]:
        """Trainable parameters (the ansatz's symbols; for re-uploading models without the
        data symbols ``x_j``), in order of appearance."""
        syms = parameter_symbols(self.ansatz)
        return [s for s in syms if not _is_data_symbol(s)] if self.reuploading else syms

    @property
    def data_symbols(self) -> list[sympy.Symbol]:
        """Data symbols of the embedding (and, for re-uploading models, of the ansatz)."""
        syms = set(cirq.parameter_symbols(self.embedding))
        if self.reuploading:
            syms |= {s for s in cirq.parameter_symbols(self.ansatz) if _is_data_symbol(s)}
        return sort_symbols(syms)

    def embedded_circuit(self, x: object) -> cirq.Circuit:
        """The embedding resolved with data vector ``x`` (validated)."""
        if not list(self.embedding.all_operations()):
            return cirq.Circuit()
        return cirq.resolve_parameters(self.embedding, data_resolver(self.embedding, x))

    def data_state(self, x: object, dtype=np.complex128) -> np.ndarray:
        """``U(x)|0…0⟩`` as a state vector over :attr:`qubits` (Cirq's big-endian order).

        Raises
        ------
        ValueError : a re-uploading model (its data state depends on θ).
        """
        if self.reuploading:
            raise ValueError("a data re-uploading model has no data state U(x)|0…0⟩ independent of θ")
        c = self.embedded_circuit(x)
        return cirq.final_state_vector(c, qubit_order=self.qubits, dtype=dtype)
