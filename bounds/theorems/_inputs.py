"""Input states and small helpers shared by the issue-8 theorem modules.

Private to ``bpcalc.bounds.theorems``: the theorem modules of Cerezo et al. 2021, Wang et al. 2021,
Holmes et al. 2022, Pesah et al. 2021, Letcher et al. 2023, Ortiz Marrero et al. 2021 and
Thanasilp et al. 2022 (kernels) read the model's input states through :func:`input_states`,
so that every theorem sees the same convention:

* ``context.extra["states"]`` (state vectors, shape ``(N, 2**n)`` over ``model.qubits``) if given;
* otherwise, a model with a dataset: the embedded data states ``U(x_i)|0…0⟩``;
* otherwise the embedding (without data symbols) applied to ``|0…0⟩`` — a VQA.
"""

from __future__ import annotations

from typing import Any

import cirq
import numpy as np

from ..bound import AssumptionFailed
from ..measures import MAX_STATE_QUBITS, data_states

__all__ = ["input_states", "pauli_one_norm", "nonidentity_terms", "qubit_index"]


def input_states(ctx: Any, max_qubits: int = MAX_STATE_QUBITS) -> np.ndarray:
    """The model's input states as rows of a ``(N, 2**n)`` array (see the module docstring).

    Raises
    ------
    ValueError : no model, too many qubits, wrong shapes, or data symbols without a dataset.
    """
    model = ctx.model
    if model is None:
        raise AssumptionFailed("no model given")
    n = model.n_qubits
    given = ctx.extra.get("states") if ctx.extra is not None else None
    if given is not None:
        psi = np.asarray(given, dtype=complex)
        if psi.ndim == 1:
            psi = psi[None, :]
        if psi.ndim != 2 or psi.shape[1] != 2**n:
            raise ValueError(f"extra['states'] must have shape (N, 2**{n}), got {psi.shape}")
        norms = np.linalg.norm(psi, axis=1)
        if not np.allclose(norms, 1.0, atol=1e-8):
            raise ValueError("extra['states'] rows must be normalised state vectors")
        return psi
    if n > max_qubits:
        raise AssumptionFailed(f"input states of n = {n} qubits exceed the simulation limit {max_qubits}")
    cached = getattr(getattr(ctx, "measures", None), "data_states", None)
    if cached is not None and model.dataset is not None and np.shape(cached)[-1] == 2**n:
        return np.asarray(cached, dtype=complex)
    if model.dataset is not None:
        return data_states(model, max_qubits=max_qubits)
    if model.data_symbols:
        raise AssumptionFailed("the embedding has data symbols but the model has no dataset; "
                         "give a dataset or extra['states']")
    psi = cirq.final_state_vector(model.embedding, qubit_order=model.qubits, dtype=np.complex128) \
        if list(model.embedding.all_operations()) else _zero(n)
    return np.asarray(psi, dtype=complex)[None, :]


def _zero(n: int) -> np.ndarray:
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1.0
    return psi


def nonidentity_terms(observable: cirq.PauliSum) -> list[cirq.PauliString]:
    """The observable's Pauli terms acting on at least one qubit."""
    return [t for t in observable if t.qubits]


def pauli_one_norm(observable: cirq.PauliSum) -> float:
    """``Σ |ω_P|`` over the non-identity Pauli terms (the identity part has zero gradient)."""
    return float(sum(abs(complex(t.coefficient)) for t in nonidentity_terms(observable)))


def qubit_index(model: Any) -> dict:
    """``qubit -> position`` in ``model.qubits`` (Cirq's sorted, big-endian order)."""
    return {q: i for i, q in enumerate(model.qubits)}
