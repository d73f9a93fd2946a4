"""Layered local noise: Pauli transfer matrices and Hilbert–Schmidt contraction coefficients.

Shared by the noise theorems of issue 18 (:mod:`.singkanipa2024`, :mod:`.mele2024`,
:mod:`.thanasilp2022_kernels`).  The noise convention is the one of the exact engines
(``bounds.exact`` ``noise=``) and of ``bpcalc exact --noise``: a single-qubit channel ``N`` acts on
every qubit after every moment of ``model.circuit`` (``cirq.Circuit.with_noise(N)``), so a circuit
of ``M`` moments has ``M`` noise layers ``N^{⊗n}``; the input is ``|0…0⟩``.  A theorem context
declares the channel as ``extra["noise"]`` (a ``cirq`` single-qubit channel gate such as
``cirq.depolarize(0.01)`` or ``cirq.amplitude_damp(0.05)``).

HS contraction coefficient.  For a channel ``Φ`` on ``n`` qubits,
``q_n(Φ) = sup {‖Φ(A)‖₂ / ‖A‖₂ : A ≠ 0 Hermitian, Tr A = 0}``; differences of states and
commutators are traceless, so ``‖Φ(ρ) − Φ(σ)‖₂ ≤ q_n ‖ρ − σ‖₂``.  For ``Φ = N^{⊗n}`` with the
single-qubit Pauli transfer matrix ``R`` (``R_ij = Tr[P_i N(P_j)]/2``, ``P = I, X, Y, Z``):

* unital ``N`` (``R = 1 ⊕ M``): ``q_n = ‖M‖`` for every ``n`` (the traceless sector is
  ``⊕_{S≠∅} M^{⊗S}`` and ``‖M‖ ≤ 1``);
* non-unital ``N`` (``R`` has a first column ``(1, t)``): ``q_n² = λ_max`` of ``K^{⊗n}``
  compressed to the complement of ``|I⟩^{⊗n}``, ``K = RᵀR``.  :func:`hs_contraction` computes it
  exactly from the eigen-decomposition of ``K`` (secular equation over the ``C(n+3, 3)``
  eigenvalue classes of ``K^{⊗n}``).  ``q_n`` does not decrease with ``n``
  (``q_{n+1} ≥ q_n (1 + ‖t‖²)^{1/2}``): amplitude damping ``γ`` is HS-contractive only up to
  ``n ≈ 1/γ`` qubits (the Hilbert–Schmidt distance is not monotone under non-unital channels).

Examples
--------
>>> import cirq
>>> round(hs_contraction(cirq.depolarize(0.03), 5), 6)     # 1 − 4p/3
0.96
>>> round(hs_contraction(cirq.amplitude_damp(0.1), 1), 6)   # √(1 − γ)
0.948683
>>> hs_contraction(cirq.amplitude_damp(0.1), 20) > 1         # not HS-contractive on 20 qubits
True

References
----------
.. [1] P. Singkanipa, D. A. Lidar, "Beyond unital noise in variational quantum algorithms:
   noise-induced barren plateaus and limit sets", Quantum 9, 1617 (2025), arXiv:2402.08721
   (HS-contractive maps).
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Optional

import cirq
import numpy as np
import scipy.optimize

from ..bound import AssumptionFailed

__all__ = ["MAX_NONUNITAL_QUBITS", "pauli_transfer_matrix", "is_unital", "hs_contraction", "declared_noise",
           "noise_moments", "moment_of_parameter"]

MAX_NONUNITAL_QUBITS = 64
"""Largest ``n`` for which :func:`hs_contraction` evaluates a non-unital channel (``C(n+3,3)`` classes)."""

_PAULIS = (np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0]))


def pauli_transfer_matrix(channel: Any) -> np.ndarray:
    """The real 4×4 matrix ``R_ij = Tr[P_i N(P_j)] / 2`` of a single-qubit channel (``P = I, X, Y, Z``).

    Raises
    ------
    ValueError : ``channel`` is not a single-qubit channel with Kraus operators.
    """
    if not isinstance(channel, cirq.Gate) or cirq.num_qubits(channel) != 1 or not cirq.has_kraus(channel):
        raise ValueError(f"noise {channel!r} must be a single-qubit cirq channel gate (e.g. cirq.depolarize(0.01))")
    kraus = [np.asarray(k, dtype=complex) for k in cirq.kraus(channel)]
    r = np.empty((4, 4))
    for j, pj in enumerate(_PAULIS):
        out = sum(k @ pj @ k.conj().T for k in kraus)
        for i, pi in enumerate(_PAULIS):
            r[i, j] = float(np.real(np.trace(pi @ out))) / 2
    return r


def is_unital(channel: Any, atol: float = 1e-12) -> bool:
    """``N(1) = 1``: the translation part ``t = R[1:, 0]`` vanishes."""
    return bool(np.all(np.abs(pauli_transfer_matrix(channel)[1:, 0]) <= atol))


def hs_contraction(channel: Any, n_qubits: int) -> float:
    """``q_n = sup ‖N^{⊗n}(A)‖₂/‖A‖₂`` over traceless Hermitian ``A ≠ 0`` (exact; see the module docstring).

    Raises
    ------
    ValueError : bad channel or ``n_qubits < 1``.
    AssumptionFailed : a non-unital channel on more than :data:`MAX_NONUNITAL_QUBITS` qubits.
    """
    if not isinstance(n_qubits, (int, np.integer)) or n_qubits < 1:
        raise ValueError(f"n_qubits must be a positive integer, got {n_qubits!r}")
    r = pauli_transfer_matrix(channel)
    if np.all(np.abs(r[1:, 0]) <= 1e-12):
        return float(np.linalg.norm(r[1:, 1:], 2))
    if n_qubits > MAX_NONUNITAL_QUBITS:
        raise AssumptionFailed(f"the HS contraction of a non-unital channel is computed up to n = "
                               f"{MAX_NONUNITAL_QUBITS} qubits, got n = {n_qubits}")
    lam, vec = np.linalg.eigh(r.T @ r)
    lam = np.clip(lam, 0.0, None)
    c2 = vec[0, :] ** 2                      # |⟨v_i, e_I⟩|²
    classes: dict[float, list[float]] = {}   # eigenvalue of K^{⊗n} -> [dimension, weight of e_I^{⊗n}]
    for k in itertools.product(range(n_qubits + 1), repeat=3):
        if sum(k) > n_qubits:
            continue
        counts = (n_qubits - sum(k),) + k
        mult = math.factorial(n_qubits)
        for c in counts:
            mult //= math.factorial(c)
        value = float(np.prod([lam[i] ** counts[i] for i in range(4)]))
        weight = float(mult * np.prod([c2[i] ** counts[i] for i in range(4)]))
        key = round(value, 13)
        entry = classes.setdefault(key, [0.0, 0.0])
        entry[0] += mult
        entry[1] += weight
    candidates = [0.0]
    weighted = []
    for value, (dim, weight) in classes.items():
        if weight <= 1e-15 * max(1.0, dim):
            candidates.append(value)            # the whole eigenspace is orthogonal to e_I^{⊗n}
        else:
            weighted.append((value, weight))
            if dim >= 2:
                candidates.append(value)        # dim − 1 directions survive the compression
    weighted.sort(reverse=True)
    if len(weighted) >= 2:
        (top, _), (second, _) = weighted[0], weighted[1]

        def secular(mu: float) -> float:
            return sum(w / (v - mu) for v, w in weighted)

        lo, hi = second, top
        eps = 1e-15 * max(1.0, top)
        candidates.append(scipy.optimize.brentq(secular, lo + eps, hi - eps, xtol=1e-15, rtol=1e-14, maxiter=500))
    return float(math.sqrt(max(candidates)))


def declared_noise(ctx: Any) -> Optional[Any]:
    """The channel declared in ``ctx.extra["noise"]`` (``None`` if absent).

    Raises
    ------
    AssumptionFailed : the declared object is not a single-qubit channel.
    """
    noise = ctx.extra.get("noise") if ctx.extra is not None else None
    if noise is None:
        return None
    try:
        pauli_transfer_matrix(noise)
    except ValueError as exc:
        raise AssumptionFailed(str(exc)) from None
    return noise


def noise_moments(circuit: cirq.AbstractCircuit, qubits: Any) -> int:
    """``M`` = the number of noise layers ``cirq.Circuit.with_noise`` puts on ``circuit`` (one per moment).

    Raises
    ------
    AssumptionFailed : the circuit leaves a model qubit idle (``with_noise`` would not reach it)
        or has moments that ``with_noise`` skips.
    """
    circuit = cirq.Circuit(circuit)
    missing = set(qubits) - set(circuit.all_qubits())
    if missing:
        raise AssumptionFailed(f"qubits {sorted(missing)} carry no gate: noise after every moment acts only on the "
                               "circuit's qubits (add cirq.I on them)")
    noisy = circuit.with_noise(cirq.depolarize(0.01))
    if len(noisy) != 2 * len(circuit):
        raise AssumptionFailed("the circuit has moments that cirq's with_noise leaves without noise")
    return len(circuit)


def moment_of_parameter(circuit: cirq.AbstractCircuit, symbol: Any) -> list[int]:
    """Indices of the moments holding a gate with ``symbol`` (empty if absent)."""
    return [i for i, moment in enumerate(cirq.Circuit(circuit))
            if any(symbol in cirq.parameter_symbols(op) for op in moment)]
