"""Data re-uploading models: exact gradient variances per data point.

A re-uploading model interleaves data gates ``R_P(φ(x))`` with trainable gates (Pérez-Salinas
et al. 2020; the Fourier models of Schuld et al. 2021), so the data state is not prepared
before the ansatz and :mod:`bpcalc.bounds.exact.embedded` does not apply.  For a fixed data
point ``x_i`` every data gate is a Pauli rotation at a fixed angle, and the Pauli-pair
propagation of :func:`~bpcalc.bounds.exact.exact_gradient_variance` averages the trainable
rotations and branches the fixed ones exactly (``Q -> cos φ Q + sin φ Q'``, equal pairs merged,
truncation with a rigorous bound when ``method='truncate'``).  So ``Var_θ[∂_k ℓ_i]`` is exact,
one propagation per data point.

The linear loss ``L = Σ_i u_i ℓ_i`` couples the data points (``Var[∂_k L] = Σ_ij u_i u_j
E[∂_kℓ_i ∂_kℓ_j]``).  It is computed exactly by one propagation of an enlarged circuit with a
*data register* of ``m = ceil(log2 N)`` ancilla qubits in ``|+⟩^m``: the data gate of point
``i`` is selected by the register state ``|i⟩``, which is a product of commuting fixed
rotations ``R_P(φ_i) ⊗ |i⟩⟨i|  (summed over i) = Π_S R_{Z_S ⊗ P}(β_S)`` with ``β`` the Walsh–Hadamard
transform of ``(φ_i)`` (``φ_i = Σ_S β_S (−1)^{|S ∧ i|}``); the circuit is block diagonal in the
register's Z basis, so with the observable ``2^m · O ⊗ Σ_i u_i |i⟩⟨i|`` (a Pauli sum: ``Σ_S
ũ_S Z_S``) its output is exactly ``L(θ)``.  ``linear_loss=False`` skips it.

References
----------
.. [1] A. Pérez-Salinas, A. Cervera-Lierta, E. Gil-Fuster, J. I. Latorre, "Data re-uploading for a
   universal quantum classifier", Quantum 4, 226 (2020), arXiv:1907.02085.
.. [2] M. Schuld, R. Sweke, J. J. Meyer, "Effect of data encoding on the expressive power of
   variational quantum machine learning models", Phys. Rev. A 103, 032430 (2021), arXiv:2008.08605.
"""

from __future__ import annotations

import math
import time
from typing import Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc import circuits

from ..bound import AssumptionFailed
from .pauli_paths import exact_gradient_variance
from .program import circuit_symbols, resolve_parameters
from .results import GradientVarianceResult
from .states import ProductStates, as_input_states

__all__ = ["exact_reuploading_gradient_variance", "data_register_circuit", "MAX_REGISTER_QUBITS"]

MAX_REGISTER_QUBITS = 6
"""Largest data register (``2^6 = 64`` data points) for the exact linear-loss variance."""

_RANK = {"exact": 0, "tn": 0, "truncated": 1, "tn-truncated": 1, "path-sampled": 2}


def _data_symbols(circuit: cirq.AbstractCircuit, data_symbols) -> list:
    if data_symbols is None:
        return circuits.sort_symbols(s for s in cirq.parameter_symbols(circuit)
                                     if s.name.startswith("x_") and s.name[2:].isdigit())
    return list(data_symbols)


def _resolver(data_symbols: Sequence[sympy.Symbol], x: np.ndarray) -> dict:
    """``x_j -> x[j]`` for data symbols named ``x_j``, else by position."""
    out = {}
    for pos, s in enumerate(data_symbols):
        j = int(s.name[2:]) if s.name.startswith("x_") and s.name[2:].isdigit() else pos
        if j >= len(x):
            raise ValueError(f"data has {len(x)} features but the circuit uses {s}")
        out[s] = float(x[j])
    return out


def data_register_circuit(circuit: cirq.AbstractCircuit, observable, data: np.ndarray, weights: np.ndarray,
                          data_symbols: Sequence[sympy.Symbol], prefix: str = "data_register"):
    """The circuit and observable whose output is ``L(θ) = Σ_i u_i ℓ_i(θ)`` (see the module docstring).

    Returns ``(circuit, observable, register qubits)``; the register starts in ``|+⟩^m`` and
    data gates become products of fixed Pauli rotations.

    Raises
    ------
    AssumptionFailed : a data gate that is not a Pauli rotation, or more than
        ``2^MAX_REGISTER_QUBITS`` data points.
    """
    n_points = len(data)
    m = max(1, math.ceil(math.log2(max(n_points, 1))))
    if m > MAX_REGISTER_QUBITS:
        raise AssumptionFailed(f"{n_points} data points need a data register of {m} qubits "
                               f"(limit {MAX_REGISTER_QUBITS}); pass fewer points or linear_loss=False")
    size = 2**m
    reg = [cirq.NamedQubit(f"{prefix}_{b}") for b in range(m)]
    data_set = set(data_symbols)
    # Walsh–Hadamard matrix H[S, i] = (-1)^{|S & i|}: φ = H β / size ... β = H φ / size
    idx = np.arange(size)
    had = (-1.0) ** np.array([[bin(s & i).count("1") for i in idx] for s in idx])
    ops = []
    for moment in circuit:
        for op in moment.operations:
            syms = cirq.parameter_symbols(op)
            if not (syms & data_set):
                ops.append(op)
                continue
            rot = circuits.as_pauli_rotation(op)
            if rot is None:
                raise AssumptionFailed(f"data gate {op} is not a Pauli rotation exp(-iφP/2)")
            f = sympy.lambdify(list(data_symbols), sympy.sympify(rot.angle), "numpy")
            phis = np.zeros(size)
            for i, x in enumerate(data):
                phis[i] = float(f(*[_resolver(data_symbols, x)[s] for s in data_symbols]))
            # padded points (i >= N) carry weight 0: any angle will do
            beta = had @ phis / size
            for s_mask in range(size):
                if abs(beta[s_mask]) < 1e-15:
                    continue
                ps = rot.pauli * cirq.PauliString({reg[b]: cirq.Z for b in range(m) if (s_mask >> (m - 1 - b)) & 1})
                sign = 1.0 if complex(ps.coefficient).real > 0 else -1.0
                ops.append(cirq.PauliStringPhasor(ps.with_coefficient(1), exponent_neg=sign * beta[s_mask] / np.pi))
    u = np.zeros(size)
    u[:n_points] = weights
    u_tilde = had @ u / size  # Σ_i u_i |i⟩⟨i| = Σ_S ũ_S Z_S
    obs = circuits.as_pauli_sum(observable)
    terms = []
    for s_mask in range(size):
        if abs(u_tilde[s_mask]) < 1e-15:
            continue
        z = cirq.PauliString({reg[b]: cirq.Z for b in range(m) if (s_mask >> (m - 1 - b)) & 1})
        for ps in obs:
            terms.append(ps * z * float(size * u_tilde[s_mask]))
    out_obs = cirq.PauliSum.from_pauli_strings(terms) if terms else cirq.PauliSum()
    return cirq.Circuit(ops), out_obs, reg


def exact_reuploading_gradient_variance(
    circuit: cirq.AbstractCircuit,
    observable,
    data,
    parameters="all",
    *,
    data_symbols: Optional[Sequence[sympy.Symbol]] = None,
    initial_state=None,
    weights=None,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    linear_loss: bool = True,
    **kwargs,
) -> GradientVarianceResult:
    """``Var_θ[∂_k ℓ_i]`` per data point (and ``Var_θ[∂_k L]``) of a data re-uploading circuit.

    Parameters
    ----------
    circuit : data gates (Pauli rotations whose angles are functions of the data symbols) and
        trainable gates in any order (:func:`~bpcalc.bounds.exact.exact_gradient_variance`'s scope).
    observable : ``cirq.PauliSum`` / string.
    data : ``(N, n_features)`` array; column ``j`` is ``x_j``.
    parameters : trainable symbols (``'all'``, a name, a glob, a list).
    data_symbols : the data symbols (default: the symbols named ``x_j``).
    initial_state : product state (``None``: ``|0…0⟩``; a string like ``'0+1-'`` on ``qubits``).
    weights : linear-loss weights ``u`` (default ``1/N``).
    qubits : the qubit order of ``initial_state`` (default: sorted qubits of circuit and observable).
    linear_loss : also compute ``Var[∂_k L]`` exactly with the data register (else ``values``
        is ``nan`` for ``N > 1``).
    **kwargs : passed to :func:`~bpcalc.bounds.exact.exact_gradient_variance` (``method``,
        ``max_terms``, ``noise``, ``init``, ``memory_limit``, ...).  ``method='auto'`` (default)
        is exact enumeration, then ``'truncate'`` (rigorous error bound) when more than
        ``max_terms`` Pauli pairs are needed.

    Returns
    -------
    GradientVarianceResult with ``per_state`` ``(K, N)``; ``error_bound`` / ``ci_low`` /
    ``ci_high`` are those of ``values``, the per-datapoint ones are in
    ``details['per_state_error_bound']`` / ``details['per_state_ci']``.

    Examples
    --------
    >>> import cirq, sympy, numpy as np
    >>> q = cirq.LineQubit.range(2)
    >>> x, a, b = sympy.symbols("x_0 a b")
    >>> c = cirq.Circuit(cirq.rx(x).on(q[0]), cirq.ry(a).on(q[0]), cirq.CZ(*q), cirq.rx(x).on(q[0]),
    ...                  cirq.ry(b).on(q[0]))
    >>> r = exact_reuploading_gradient_variance(c, "Z0", [[0.3], [1.2]])
    >>> r.method, r.per_state.shape
    ('exact', (2, 2))
    """
    t0 = time.perf_counter()
    circuits.require_circuit(circuit)
    obs = circuits.as_pauli_sum(observable)
    dsyms = _data_symbols(circuit, data_symbols)
    data = np.atleast_2d(np.asarray(data, dtype=float))
    if data.ndim != 2 or data.shape[0] == 0 or not np.all(np.isfinite(data)):
        raise ValueError(f"data must be a finite (N, n_features) array with N >= 1, got shape {np.shape(data)}")
    trainable = [s for s in circuit_symbols(circuit) if s not in set(dsyms)]
    wanted = resolve_parameters(parameters, trainable)
    qs = tuple(sorted(set(circuit.all_qubits()) | set(q for ps in obs for q in ps.qubits))) if qubits is None \
        else tuple(qubits)
    n_points = data.shape[0]
    u = np.full(n_points, 1.0 / n_points) if weights is None else np.asarray(weights, dtype=float).ravel()
    if u.shape != (n_points,) or not np.all(np.isfinite(u)):
        raise ValueError(f"weights must be {n_points} finite numbers, got shape {u.shape}")
    k = len(wanted)
    per_state = np.zeros((k, n_points))
    per_err = np.zeros((k, n_points))
    per_lo = np.full((k, n_points), np.nan)
    per_hi = np.full((k, n_points), np.nan)
    methods = []
    in_cone = np.zeros(k, dtype=bool)
    for i, x in enumerate(data):
        resolved = cirq.resolve_parameters(circuit, _resolver(dsyms, x))
        r = _run(resolved, obs, initial_state, wanted, qs, kwargs)
        per_state[:, i] = r.values
        methods.append(r.method)
        in_cone |= r.in_light_cone
        if r.error_bound is not None:
            per_err[:, i] = r.error_bound
        if r.ci_low is not None:
            per_lo[:, i], per_hi[:, i] = r.ci_low, r.ci_high
    method = max(methods, key=lambda mth: _RANK.get(mth, 3))
    details = {"n_data": n_points, "per_state_error_bound": per_err, "route": "re-uploading: one propagation per point"}
    if not np.all(np.isnan(per_lo)):
        details["per_state_ci"] = (per_lo, per_hi)
    values = np.full(k, np.nan)
    error_bound = None if method not in ("truncated", "tn-truncated", "exact") else np.zeros(k)
    ci_low = ci_high = None
    if n_points == 1:
        values = per_state[:, 0] * u[0] ** 2
        if error_bound is not None:
            error_bound = per_err[:, 0] * u[0] ** 2
    elif linear_loss:
        reg_circuit, reg_obs, reg = data_register_circuit(circuit, obs, data, u, dsyms)
        all_q = tuple(qs) + tuple(reg)
        init = _register_initial(initial_state, qs, reg)
        r = _run(reg_circuit, reg_obs, init, wanted, all_q, kwargs)
        values = r.values
        method = max([method, r.method], key=lambda mth: _RANK.get(mth, 3))
        if r.error_bound is not None and error_bound is not None:
            error_bound = r.error_bound
        ci_low, ci_high = r.ci_low, r.ci_high
        details["linear_loss_route"] = f"data register of {len(reg)} qubits ({r.method})"
    else:
        details["linear_loss_route"] = "not computed (linear_loss=False)"
    return GradientVarianceResult(
        parameters=tuple(wanted), values=values, method=method, per_state=per_state, weights=u,
        in_light_cone=in_cone, error_bound=error_bound, ci_low=ci_low, ci_high=ci_high,
        seconds=time.perf_counter() - t0, details=details,
    )


def _run(circuit, observable, state, wanted, qubits, kwargs) -> GradientVarianceResult:
    """:func:`exact_gradient_variance`; ``method='auto'`` (default) means exact enumeration, then
    truncation with its rigorous bound when more than ``max_terms`` pairs are needed."""
    method = kwargs.get("method", "auto")
    rest = {k: v for k, v in kwargs.items() if k != "method"}
    if method != "auto":
        return exact_gradient_variance(circuit, observable, state, wanted, qubits=qubits, method=method, **rest)
    try:
        return exact_gradient_variance(circuit, observable, state, wanted, qubits=qubits, method="exact", **rest)
    except ValueError as exc:
        if "max_terms" not in str(exc):
            raise
        return exact_gradient_variance(circuit, observable, state, wanted, qubits=qubits, method="truncate", **rest)


def _register_initial(initial_state, qubits: Sequence[cirq.Qid], reg: Sequence[cirq.Qid]):
    """The product state of system (``initial_state``) and register (``|+⟩^m``)."""
    sys_state = as_input_states(initial_state, qubits)
    if not isinstance(sys_state, ProductStates) or sys_state.n_states != 1:
        raise AssumptionFailed("re-uploading models take one product initial state (None, a string, a cirq.ProductState)")
    plus = np.zeros((len(reg), 3))
    plus[:, 0] = 1.0
    return ProductStates(qubits=tuple(qubits) + tuple(reg), bloch=np.concatenate([sys_state.bloch[0], plus], axis=0))
