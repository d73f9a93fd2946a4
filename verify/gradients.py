"""Gradients of ``⟨O⟩``: exact parameter shift, finite-shot parameter shift, adjoint differentiation.

All functions take a :class:`bpcalc.verify.backends.Prepared` circuit (any backend) and a
``(B, n_symbols)`` array of symbol values, and return a :class:`GradientResult` with one row
per sample and one column per differentiated symbol (the one gradient result type, defined in
:mod:`bpcalc.verify.gradient_result`; the finite-shot gradients of :mod:`bpcalc.verify.measurement`
return it too).

Conventions
-----------
* A parametrized gate is ``exp(-iθP/2)`` (up to a global phase); ``θ = f(symbols)``.
* Derivatives are taken with respect to the SYMBOLS: ``∂/∂s = Σ_j (∂θ_j/∂s) ∂/∂θ_j`` over every
  occurrence ``j`` of ``s`` (a symbol used in several gates is allowed).  For ``X**s``-style
  gates ``θ = π·s``, so ``∂/∂s = π ∂/∂θ`` (use the sampling module's ``exponent_symbols`` to
  differentiate by the angle instead).
* Parameter shift: ``∂ℓ/∂θ = [ℓ(θ + π/2) − ℓ(θ − π/2)] / 2`` (exact for generators with
  eigenvalues ±1/2).  With the own engine the shift is applied to the angle itself, so any
  angle expression works (chain rule by ``sympy.diff``); other backends rewrite the circuit with
  one fresh symbol per occurrence, which needs affine angles ``θ = c·s + d``.
* Finite shots: each shifted circuit is measured ``shots`` times per qubit-wise commuting
  group (basis rotation, then Z measurement), exactly as :mod:`bpcalc.verify.measurement` does through
  a ``cirq.Sampler``; the own engine samples the same distribution from exact probabilities
  (multinomial), other backends go through their ``cirq.Sampler``.  ``shot_variances`` is the
  unbiased estimate of the shot-noise variance of each gradient entry.
* Adjoint differentiation (own engine only): all gradients for about four state passes per
  fused step (Jones & Gacon, arXiv:2009.02823).

References
----------
K. Mitarai, M. Negoro, M. Kitagawa, K. Fujii, arXiv:1803.00745; M. Schuld, V. Bergholm,
C. Gogolin, J. Izaac, N. Killoran, arXiv:1811.11184 (Eq. 14, parameter-shift rule);
T. Jones, J. Gacon, arXiv:2009.02823 (adjoint method).
"""

from __future__ import annotations

from typing import Optional, Sequence

import cirq
import numpy as np
import sympy

from . import measurement
from .backends import Prepared, make_backend
from .engine import blas_threads, evaluate_slot_function
from .gradient_result import GradientResult

__all__ = [
    "GradientResult",
    "METHODS",
    "parameter_shift_gradient",
    "shot_gradient",
    "adjoint_gradient",
    "gradient",
    "differentiable_symbols",
]

METHODS = ("auto", "parameter_shift", "adjoint")
_SHIFT = np.pi / 2


def _wanted(prepared: Prepared, wrt) -> tuple[sympy.Symbol, ...]:
    if wrt is None:
        return prepared.symbols
    if isinstance(wrt, (str, sympy.Symbol)):
        wrt = [wrt]
    out = tuple(sympy.Symbol(s) if isinstance(s, str) else s for s in wrt)
    for s in out:
        if not isinstance(s, sympy.Symbol):
            raise TypeError(f"wrt must contain sympy symbols or names, got {s!r}")
        if s not in prepared.symbols:
            raise ValueError(f"symbol {s} is not a symbol of the prepared circuit {[x.name for x in prepared.symbols]}")
    return out


def differentiable_symbols(prepared: Prepared) -> tuple[sympy.Symbol, ...]:
    """Symbols that appear only in Pauli rotations (so that the shift rule applies)."""
    if prepared.has_batched_engine:
        bad = prepared.compiled.generic_symbols
    else:
        from bpcalc.circuits import as_pauli_rotation

        bad = set()
        for op in prepared.circuit.all_operations():
            if cirq.is_parameterized(op) and as_pauli_rotation(op) is None:
                bad |= set(cirq.parameter_symbols(op))
    return tuple(s for s in prepared.symbols if s not in bad and s in cirq.parameter_symbols(prepared.circuit))


def _own_slots(prepared: Prepared, wanted) -> tuple[list[int], list[tuple[int, int, object]]]:
    bc = prepared.compiled
    generic = bc.generic_symbols
    slots: list[int] = []
    uses: list[tuple[int, int, object]] = []  # (column in wanted, index in slots, dθ/ds fn)
    for k, s in enumerate(wanted):
        if s in generic:
            raise ValueError(
                f"symbol {s} enters a gate that is not a Pauli rotation exp(-iθP/2); the parameter-shift and "
                "adjoint rules implemented here need Pauli rotations"
            )
        for slot, fn in bc.slots_of_symbol(s):
            if slot not in slots:
                slots.append(slot)
            uses.append((k, slots.index(slot), fn))
    return slots, uses


def _slot_derivative(prepared: Prepared, slot: int, fn, values: np.ndarray) -> np.ndarray:
    return evaluate_slot_function(fn, prepared.compiled.slots[slot].columns, values)


def parameter_shift_gradient(prepared: Prepared, values, wrt=None, with_expectation: bool = False) -> GradientResult:
    """Exact parameter-shift gradient ``∂⟨O⟩/∂s`` for every row of ``values``.

    Parameters
    ----------
    prepared : a circuit prepared on any backend (:meth:`bpcalc.verify.backends.Backend.prepare`).
    values : ``(B, n_symbols)`` symbol values (columns in ``prepared.symbols`` order).
    wrt : symbols (or names) to differentiate; default all.
    with_expectation : also return ``⟨O⟩`` (one more evaluation).

    Returns
    -------
    GradientResult

    Raises
    ------
    ValueError : unknown symbols, or a symbol in a gate that is not a Pauli rotation.
    """
    wanted = _wanted(prepared, wrt)
    vals = np.asarray(values, dtype=float)
    vals = vals[None, :] if vals.ndim == 1 else vals
    expectations = prepared.expectation(vals) if with_expectation else None
    if prepared.has_batched_engine:
        slots, uses = _own_slots(prepared, wanted)
        grads = np.zeros((vals.shape[0], len(wanted)))
        if slots:
            with blas_threads(prepared.backend.threads):
                ev = prepared.compiled.shifted_expectations(
                    vals, prepared.compiled_observable, slots, (_SHIFT, -_SHIFT)
                )
            for k, j, fn in uses:
                grads[:, k] += _slot_derivative(prepared, slots[j], fn, vals) * (ev[:, j, 0] - ev[:, j, 1]) / 2
        return GradientResult(values=grads, symbols=wanted, method="parameter_shift", expectations=expectations)
    shifted = measurement.shifted_circuit(prepared.circuit, wanted)
    fresh = [f for _, f, _ in shifted.occurrences]
    sp = prepared.with_circuit(shifted.circuit, symbols=prepared.symbols + tuple(fresh))
    col = {s: i for i, s in enumerate(prepared.symbols)}
    b = vals.shape[0]
    m = len(shifted.occurrences)
    rows = np.empty((b, m, 2, len(prepared.symbols) + m))
    base = np.concatenate([vals, vals[:, [col[s] for s, _, _ in shifted.occurrences]]], axis=1)
    rows[:] = base[:, None, None, :]
    for j, (_, _, coeff) in enumerate(shifted.occurrences):
        delta = _SHIFT / coeff
        rows[:, j, 0, len(prepared.symbols) + j] += delta
        rows[:, j, 1, len(prepared.symbols) + j] -= delta
    ev = sp.expectation(rows.reshape(b * m * 2, -1)).reshape(b, m, 2) if m else np.zeros((b, 0, 2))
    grads = np.zeros((b, len(wanted)))
    kcol = {s: k for k, s in enumerate(wanted)}
    for j, (s, _, coeff) in enumerate(shifted.occurrences):
        grads[:, kcol[s]] += coeff * (ev[:, j, 0] - ev[:, j, 1]) / 2
    return GradientResult(values=grads, symbols=wanted, method="parameter_shift", expectations=expectations)


def adjoint_gradient(prepared: Prepared, values, wrt=None) -> GradientResult:
    """All gradients at once by adjoint differentiation (own engine only); also returns ``⟨O⟩``.

    Raises
    ------
    ValueError : if ``prepared`` is not on the own engine, or a symbol is in a non-rotation gate.
    """
    if not prepared.has_batched_engine:
        raise ValueError(
            f"adjoint differentiation needs the own engine, not the {prepared.backend.name!r} backend; "
            "use method='parameter_shift'"
        )
    wanted = _wanted(prepared, wrt)
    _own_slots(prepared, wanted)  # validates
    vals = np.asarray(values, dtype=float)
    vals = vals[None, :] if vals.ndim == 1 else vals
    with blas_threads(prepared.backend.threads):
        expect, slot_grads = prepared.compiled.adjoint_gradient(vals, prepared.compiled_observable)
    grads = prepared.compiled.symbol_gradients(vals, slot_grads, wanted)
    return GradientResult(values=grads, symbols=wanted, method="adjoint", expectations=expect)


# ----------------------------------------------------------------------------- shots


def _outcome_values(group: measurement.MeasurementGroup) -> np.ndarray:
    """Value of the group's observable for each outcome bitstring (big-endian over group.qubits)."""
    w = len(group.qubits)
    x = np.arange(2**w)
    index = {q: i for i, q in enumerate(group.qubits)}
    v = np.zeros(2**w)
    for coeff, qubits in group.terms:
        parity = np.zeros(2**w, dtype=np.int64)
        for q in qubits:
            parity ^= (x >> (w - 1 - index[q])) & 1
        v += coeff * (1.0 - 2.0 * parity)
    return v


class _OwnShotEstimator:
    """Multinomial shot sampling from the own engine's exact probabilities, group by group."""

    def __init__(self, prepared: Prepared):
        from .engine import compile_circuit

        self.prepared = prepared
        self.constant, self.groups = measurement.group_qubitwise_commuting(prepared.observable)
        qubits = prepared.compiled.qubits
        pos = {q: i for i, q in enumerate(qubits)}
        self.rotations = []
        for g in self.groups:
            ops = [op for q, p in g.basis for op in measurement.basis_change(q, p)]
            rot = compile_circuit(cirq.Circuit(ops), qubits=qubits, symbols=(), dtype=prepared.compiled.dtype) if ops else None
            self.rotations.append((rot, [pos[q] for q in g.qubits], _outcome_values(g)))
        self.n = len(qubits)

    def estimate(self, states: np.ndarray, shots: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        b = states.shape[0]
        mean = np.full(b, self.constant)
        var = np.zeros(b)
        for rot, axes, v in self.rotations:
            st = states if rot is None else rot.final_states(np.zeros((b, 0)), initial_state=states)
            probs = (st.real**2 + st.imag**2).astype(np.float64).reshape((b,) + (2,) * self.n)
            others = tuple(1 + a for a in range(self.n) if a not in axes)
            marg = probs.sum(axis=others) if others else probs
            kept = sorted(axes)
            marg = marg.transpose([0] + [1 + kept.index(a) for a in axes]).reshape(b, -1)
            marg = np.clip(marg, 0, None)
            marg /= marg.sum(axis=1, keepdims=True)
            counts = rng.multinomial(shots, marg)
            m1 = counts @ v / shots
            m2 = counts @ (v * v) / shots
            mean += m1
            var += np.maximum(m2 - m1 * m1, 0.0) / (shots - 1)
        return mean, var


def shot_gradient(
    prepared: Prepared,
    values,
    shots: int,
    wrt=None,
    rng: Optional[np.random.Generator] = None,
    with_expectation: bool = False,
) -> GradientResult:
    """Finite-shot parameter-shift gradient (basis rotation + measurement, ``shots`` per group).

    Parameters
    ----------
    prepared : circuit on any backend (own engine: exact probabilities + multinomial sampling;
        others: their ``cirq.Sampler`` through :func:`bpcalc.verify.measurement.sampled_parameter_shift_gradient`).
    values : ``(B, n_symbols)``.
    shots : shots per shifted circuit and basis group (>= 2).
    wrt : symbols to differentiate (default all).
    rng : ``numpy.random.Generator`` (also seeds the samplers of other backends).
    with_expectation : also estimate ``⟨O⟩`` with ``shots`` shots per group (independent shots).

    Returns
    -------
    GradientResult with ``shot_variances``.
    """
    shots = measurement.check_shots(shots)
    rng = np.random.default_rng() if rng is None else rng
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    wanted = _wanted(prepared, wrt)
    vals = np.asarray(values, dtype=float)
    vals = vals[None, :] if vals.ndim == 1 else vals
    b = vals.shape[0]
    exp_mean = exp_var = None
    if prepared.has_batched_engine:
        slots, uses = _own_slots(prepared, wanted)
        est = _OwnShotEstimator(prepared)
        means = np.zeros((b, len(slots), 2))
        variances = np.zeros_like(means)
        with blas_threads(prepared.backend.threads):
            for lo, hi, j, states in prepared.compiled.iter_shifted_states(vals, slots, (_SHIFT, -_SHIFT)):
                m, v = est.estimate(states, shots, rng)
                means[lo:hi, j, :] = m.reshape(2, hi - lo).T
                variances[lo:hi, j, :] = v.reshape(2, hi - lo).T
            if with_expectation:
                exp_mean = np.empty(b)
                exp_var = np.empty(b)
                for lo, hi, states in prepared.compiled.iter_final_states(vals):
                    exp_mean[lo:hi], exp_var[lo:hi] = est.estimate(states, shots, rng)
        grads = np.zeros((b, len(wanted)))
        gvar = np.zeros_like(grads)
        for k, j, fn in uses:
            d = _slot_derivative(prepared, slots[j], fn, vals)
            grads[:, k] += d * (means[:, j, 0] - means[:, j, 1]) / 2
            gvar[:, k] += d**2 * (variances[:, j, 0] + variances[:, j, 1]) / 4
    else:
        seed = int(rng.integers(2**31))
        sampler = prepared.sampler(seed)
        resolvers = prepared.resolvers(vals)
        res = measurement.sampled_parameter_shift_gradient(sampler, prepared.circuit, prepared.observable, resolvers, shots, wanted)
        grads, gvar = res.values, res.shot_variances
        if with_expectation:
            e = measurement.estimate_expectation(sampler, prepared.circuit, prepared.observable, resolvers, shots)
            exp_mean, exp_var = e.values, e.variances
    return GradientResult(
        values=grads,
        symbols=wanted,
        method="parameter_shift_shots",
        expectations=exp_mean,
        shot_variances=gvar,
        expectation_shot_variances=exp_var,
        shots=shots,
    )


def gradient(
    circuit: cirq.AbstractCircuit,
    observable,
    values,
    wrt=None,
    *,
    symbols: Optional[Sequence] = None,
    method: str = "auto",
    shots: Optional[int] = None,
    backend="own",
    seed: Optional[int] = None,
) -> GradientResult:
    """Convenience wrapper: prepare ``circuit`` on ``backend`` and differentiate.

    Parameters
    ----------
    circuit, observable : the circuit (Pauli rotations for the differentiated symbols) and a PauliSum.
    values : ``(B, n_symbols)`` values, columns in ``symbols`` order (default: sorted by name).
    wrt : symbols to differentiate (default all).
    method : ``'auto'`` (adjoint on the own engine for more than two symbols, else parameter
        shift), ``'parameter_shift'`` or ``'adjoint'``; finite ``shots`` always use the
        parameter-shift rule.
    shots : ``None`` for exact gradients, else shots per circuit and basis group.
    backend : a name (:data:`bpcalc.verify.backends.BACKENDS`) or a Backend.
    seed : seed for shot sampling.

    Examples
    --------
    >>> import cirq, sympy, numpy as np
    >>> q = cirq.LineQubit(0)
    >>> a = sympy.Symbol("a")
    >>> r = gradient(cirq.Circuit(cirq.rx(a).on(q)), cirq.Z(q), [[0.3]])
    >>> bool(abs(r.values[0, 0] + np.sin(0.3)) < 1e-6)
    True
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    n = len(set(circuit.all_qubits()))
    prepared = make_backend(backend, n_qubits=n).prepare(circuit, observable, symbols=symbols)
    if shots is not None:
        return shot_gradient(prepared, values, shots, wrt, rng=np.random.default_rng(seed))
    wanted = _wanted(prepared, wrt)
    if method == "auto":
        method = "adjoint" if prepared.has_batched_engine and len(wanted) > 2 else "parameter_shift"
    if method == "adjoint":
        return adjoint_gradient(prepared, values, wanted)
    return parameter_shift_gradient(prepared, values, wanted)
