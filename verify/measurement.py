"""Finite-shot estimation of Pauli-sum expectations and parameter-shift gradients through any ``cirq.Sampler``.

This module only talks to a :class:`cirq.Sampler` (``run_batch`` / ``run_sweep`` with a list of
resolvers and ``repetitions = shots``), so it works with ``cirq.Simulator``,
``cirq.DensityMatrixSimulator``, ``qsimcirq.QSimSimulator``, and ``cirq_google`` engine or
virtual-engine samplers that validate circuits against a device (GridQubits, device gate sets).

API
---
``group_qubitwise_commuting(observable) -> (constant: float, groups: tuple[MeasurementGroup, ...])``
    Split a ``cirq.PauliSum`` into qubit-wise commuting groups (greedy, deterministic order);
    ``constant`` is the identity coefficient.  Raises ``ValueError`` for complex coefficients.
``basis_change(qubit, pauli) -> list[cirq.Operation]``
    ``U`` with ``U† Z U = pauli``: ``[]`` for Z, ``[Y**-0.5]`` for X, ``[X**0.5]`` for Y.
``measurement_circuit(circuit, group) -> cirq.Circuit``
    ``circuit`` + one moment of basis rotations (``Y**-0.5`` for X, ``X**0.5`` for Y: both
    ``XPowGate``/``YPowGate``, accepted by Google devices) + one moment
    ``cirq.measure(*group.qubits, key=group.key)``.
``estimate_expectation(sampler, circuit, observable, params, shots) -> ExpectationEstimate``
    ``⟨O⟩`` for every resolver in ``params`` (any ``cirq.Sweepable``): ``values[r]`` and
    ``variances[r]`` (unbiased estimate of the variance of ``values[r]`` caused by the finite
    number of shots).  One circuit per basis group, all sent in ONE ``sampler.run_batch`` call
    with ``params_list = [resolvers] * n_groups`` and ``repetitions = shots``.
``shifted_circuit(circuit, symbols) -> ShiftedCircuit``
    Rewrite ``circuit`` so that every occurrence ``j`` of a differentiated symbol ``s`` uses its
    own fresh symbol ``<s>__ps<j>``; records the chain-rule coefficient ``c_j`` of
    ``θ_j = c_j s + d_j``.  Raises ``ValueError`` if an occurrence is not a Pauli rotation
    ``exp(-iθP/2)`` (see :func:`circuits.as_pauli_rotation`) or its angle is not affine in one symbol.
``sampled_parameter_shift_gradient(sampler, circuit, observable, params, shots, symbols=None)
-> GradientResult``
    Finite-shot parameter-shift gradient ``∂⟨O⟩/∂s = Σ_j c_j [ℓ(θ_j + π/2) − ℓ(θ_j − π/2)] / 2``
    for each symbol ``s`` in ``symbols`` (default: all symbols of ``circuit`` in order of first
    appearance) and each resolver in ``params`` (which must bind every symbol of the circuit).
    ``values`` and ``shot_variances`` have shape ``(n_resolvers, n_symbols)``; ``shot_variances`` is the
    unbiased shot-noise variance of each gradient entry (independent shots for the ``±`` terms).
    All shifted evaluations go through one ``run_batch`` call (one program per basis group).
``resolver_values(resolver) -> dict[sympy.Symbol, float]``
    The numbers bound by a resolver-like object (string keys become symbols).

Types: ``MeasurementGroup(basis, terms, key)`` (``.qubits``), ``ExpectationEstimate(values,
variances, shots, n_groups)``, ``ShiftedCircuit(circuit, symbols, occurrences)``,
and the one gradient result type :class:`bpcalc.verify.gradient_result.GradientResult` — frozen dataclasses.

Conventions: derivatives are taken with respect to the SYMBOL (``∂/∂s = Σ_j c_j ∂/∂θ_j``).
Qubit-wise commuting groups are measured in the Z basis after a basis change; the value of a
Pauli term on a shot is ``(-1)^(parity of its measured bits)``.  ``shots >= 2`` (the shot-noise
variance needs two shots).

Examples
--------
>>> import cirq, sympy
>>> q = cirq.GridQubit(0, 0)
>>> a = sympy.Symbol("a")
>>> est = sampled_parameter_shift_gradient(
...     cirq.Simulator(seed=1), cirq.Circuit(cirq.ry(a).on(q)), cirq.Z(q) * 1.0,
...     [{"a": 0.5}], shots=4000)
>>> bool(abs(est.values[0, 0] + 0.479) < 0.1)   # d/da cos(a) = -sin(0.5)
True
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping, Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc.circuits import affine_angle, as_pauli_rotation, as_pauli_sum, parameter_symbols

from .gradient_result import GradientResult

__all__ = [
    "shifted_resolvers",
    "MeasurementGroup",
    "ExpectationEstimate",
    "ShiftedCircuit",
    "group_qubitwise_commuting",
    "basis_change",
    "measurement_circuit",
    "estimate_expectation",
    "shifted_circuit",
    "sampled_parameter_shift_gradient",
    "resolver_values",
    "check_shots",
]

_COEFF_TOL = 1e-10


@dataclasses.dataclass(frozen=True)
class MeasurementGroup:
    """Qubit-wise commuting Pauli terms measured together.

    Attributes
    ----------
    basis : ``((qubit, pauli), ...)`` sorted by qubit; the measurement basis of each qubit.
    terms : ``((coefficient, (qubit, ...)), ...)``: each term's real coefficient and support.
    key : the measurement key used in :func:`measurement_circuit`.
    """

    basis: tuple[tuple[cirq.Qid, cirq.Pauli], ...]
    terms: tuple[tuple[float, tuple[cirq.Qid, ...]], ...]
    key: str

    @property
    def qubits(self) -> tuple[cirq.Qid, ...]:
        return tuple(q for q, _ in self.basis)


@dataclasses.dataclass(frozen=True)
class ExpectationEstimate:
    """Finite-shot estimates of ``⟨O⟩`` for a list of resolvers.

    Attributes
    ----------
    values : ``(n_resolvers,)`` sample means.
    variances : ``(n_resolvers,)`` unbiased estimates of ``Var(values[r])`` due to shot noise.
    shots : repetitions per circuit (each basis group gets ``shots`` shots).
    n_groups : number of basis groups (circuits) measured.
    """

    values: np.ndarray
    variances: np.ndarray
    shots: int
    n_groups: int


@dataclasses.dataclass(frozen=True)
class ShiftedCircuit:
    """A circuit whose differentiated symbol occurrences carry their own symbols.

    Attributes
    ----------
    circuit : the rewritten circuit.
    symbols : the differentiated symbols, in order.
    occurrences : ``((symbol, fresh_symbol, coefficient), ...)`` one per occurrence, with the
        chain-rule coefficient ``c`` of the occurrence's angle ``θ = c·s + d``.
    """

    circuit: cirq.Circuit
    symbols: tuple[sympy.Symbol, ...]
    occurrences: tuple[tuple[sympy.Symbol, sympy.Symbol, float], ...]


def group_qubitwise_commuting(observable) -> tuple[float, tuple[MeasurementGroup, ...]]:
    """Split ``observable`` into qubit-wise commuting groups (greedy first fit).

    Parameters
    ----------
    observable : ``cirq.PauliSum`` / ``cirq.PauliString`` (or a list of them) with real coefficients.

    Returns
    -------
    (constant, groups) : the identity coefficient and the measurement groups.

    Raises
    ------
    TypeError : for non-Pauli observables.
    ValueError : for a complex coefficient (a non-Hermitian observable).
    """
    obs = as_pauli_sum(observable)
    constant = 0.0
    bases: list[dict[cirq.Qid, cirq.Pauli]] = []
    members: list[list[tuple[float, tuple[cirq.Qid, ...]]]] = []
    terms = sorted(obs, key=lambda ps: (len(ps), sorted((str(q), str(p)) for q, p in ps.items())))
    for ps in terms:
        coeff = complex(ps.coefficient)
        if abs(coeff.imag) > _COEFF_TOL * max(1.0, abs(coeff)):
            raise ValueError(f"observable term {ps} has a complex coefficient; the observable must be Hermitian")
        if len(ps) == 0:
            constant += coeff.real
            continue
        paulis = dict(ps.items())
        for basis, mem in zip(bases, members):
            if all(basis.get(q, p) == p for q, p in paulis.items()):
                basis.update(paulis)
                mem.append((coeff.real, tuple(sorted(paulis))))
                break
        else:
            bases.append(dict(paulis))
            members.append([(coeff.real, tuple(sorted(paulis)))])
    groups = tuple(
        MeasurementGroup(basis=tuple(sorted(b.items())), terms=tuple(m), key=f"bpcalc_m{g}")
        for g, (b, m) in enumerate(zip(bases, members))
    )
    return constant, groups


def basis_change(qubit: cirq.Qid, pauli: cirq.Pauli) -> list[cirq.Operation]:
    """Operations ``U`` with ``U† Z U = pauli`` on ``qubit`` (so a Z measurement after ``U`` measures ``pauli``)."""
    if pauli == cirq.Z:
        return []
    if pauli == cirq.X:
        return [(cirq.Y**-0.5).on(qubit)]
    if pauli == cirq.Y:
        return [(cirq.X**0.5).on(qubit)]
    raise ValueError(f"unknown Pauli {pauli!r}")


def _check_no_measurements(circuit: cirq.AbstractCircuit) -> None:
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"circuit must be a cirq.AbstractCircuit, got {type(circuit).__name__}")
    if cirq.is_measurement(circuit):
        raise ValueError("circuit already contains measurements; pass the circuit without measurements")


def measurement_circuit(circuit: cirq.AbstractCircuit, group: MeasurementGroup) -> cirq.Circuit:
    """``circuit`` followed by the basis change of ``group`` and a measurement with key ``group.key``."""
    _check_no_measurements(circuit)
    rotations = [op for q, p in group.basis for op in basis_change(q, p)]
    out = cirq.Circuit(circuit)
    if rotations:
        out.append(cirq.Moment(rotations))
    out.append(cirq.Moment([cirq.measure(*group.qubits, key=group.key)]))
    return out


def _group_statistics(bits: np.ndarray, group: MeasurementGroup) -> tuple[float, float]:
    """Mean of the group's value over shots and the unbiased variance of that mean."""
    index = {q: i for i, q in enumerate(group.qubits)}
    bits = np.asarray(bits, dtype=np.int64)
    shot_values = np.zeros(bits.shape[0])
    for coeff, qubits in group.terms:
        parity = np.bitwise_xor.reduce(bits[:, [index[q] for q in qubits]], axis=1)
        shot_values += coeff * (1.0 - 2.0 * parity)
    shots = shot_values.shape[0]
    return float(shot_values.mean()), float(shot_values.var(ddof=1) / shots)


def check_shots(shots: int) -> int:
    """``shots`` as an ``int`` >= 2 (two shots give a shot-noise variance), else one clear error.

    >>> check_shots(100)
    100
    """
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)):
        raise TypeError(f"shots must be an int, got {type(shots).__name__}")
    if shots < 2:
        raise ValueError(f"shots must be >= 2 (the shot-noise variance needs two shots), got {shots}")
    return int(shots)


def _check_sampler(sampler) -> None:
    if not isinstance(sampler, cirq.Sampler):
        raise TypeError(f"sampler must be a cirq.Sampler, got {type(sampler).__name__}")


def resolver_values(resolver: cirq.ParamResolverOrSimilarType) -> dict[sympy.Symbol, float]:
    """``{symbol: float}`` of a resolver-like object (string keys become symbols)."""
    r = cirq.ParamResolver(resolver)
    out: dict[sympy.Symbol, float] = {}
    for k, v in r.param_dict.items():
        key = sympy.Symbol(k) if isinstance(k, str) else k
        out[key] = float(v)
    return out


def _run_groups(
    sampler: cirq.Sampler,
    circuit: cirq.AbstractCircuit,
    groups: Sequence[MeasurementGroup],
    resolvers: list[cirq.ParamResolver],
    shots: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum over groups of means and shot variances, for each resolver."""
    means = np.zeros(len(resolvers))
    variances = np.zeros(len(resolvers))
    if not groups or not resolvers:
        return means, variances
    programs = [measurement_circuit(circuit, g) for g in groups]
    results = sampler.run_batch(programs, params_list=[resolvers] * len(groups), repetitions=shots)
    if len(results) != len(groups):
        raise RuntimeError(f"sampler returned {len(results)} result lists for {len(groups)} programs")
    for group, per_group in zip(groups, results):
        if len(per_group) != len(resolvers):
            raise RuntimeError(f"sampler returned {len(per_group)} results for {len(resolvers)} resolvers")
        for r, result in enumerate(per_group):
            m, v = _group_statistics(result.measurements[group.key], group)
            means[r] += m
            variances[r] += v
    return means, variances


def estimate_expectation(
    sampler: cirq.Sampler,
    circuit: cirq.AbstractCircuit,
    observable,
    params: cirq.Sweepable,
    shots: int,
) -> ExpectationEstimate:
    """Estimate ``⟨O⟩`` with ``shots`` shots per basis group for every resolver of ``params``.

    Parameters
    ----------
    sampler : any ``cirq.Sampler``.
    circuit : the state-preparation circuit, without measurements.
    observable : ``cirq.PauliSum`` (real coefficients).
    params : a ``cirq.Sweepable`` (resolver, dict, list of dicts, ``cirq.Sweep``) binding every symbol.
    shots : repetitions per basis group (>= 2).

    Returns
    -------
    ExpectationEstimate
    """
    _check_sampler(sampler)
    _check_no_measurements(circuit)
    shots = check_shots(shots)
    constant, groups = group_qubitwise_commuting(observable)
    resolvers = list(cirq.to_resolvers(params))
    means, variances = _run_groups(sampler, circuit, groups, resolvers, shots)
    return ExpectationEstimate(values=means + constant, variances=variances, shots=shots, n_groups=len(groups))


def shifted_circuit(circuit: cirq.AbstractCircuit, symbols: Optional[Iterable[sympy.Symbol]] = None) -> ShiftedCircuit:
    """Give every occurrence of a differentiated symbol its own fresh symbol.

    Parameters
    ----------
    circuit : a circuit of Pauli rotations (for the differentiated symbols) and any other gates.
    symbols : symbols to differentiate (default: all, in order of first appearance).

    Raises
    ------
    ValueError : if a differentiated symbol appears in an operation that is not a Pauli
        rotation ``exp(-iθP/2)``, or in an angle that is not affine in that one symbol, or
        if a requested symbol does not occur in the circuit.
    """
    _check_no_measurements(circuit)
    all_symbols = parameter_symbols(circuit)
    wanted = tuple(all_symbols if symbols is None else (sympy.Symbol(s) if isinstance(s, str) else s for s in symbols))
    missing = [s for s in wanted if s not in set(all_symbols)]
    if missing:
        raise ValueError(f"symbols {missing} do not occur in the circuit")
    wanted_set = set(wanted)
    occurrences: list[tuple[sympy.Symbol, sympy.Symbol, float]] = []
    moments = []
    for moment in circuit:
        ops = []
        for op in moment:
            used = set(cirq.parameter_symbols(op)) & wanted_set
            if not used:
                ops.append(op)
                continue
            rotation = as_pauli_rotation(op)
            if rotation is None:
                raise ValueError(
                    f"operation {op} uses {sorted(map(str, used))} but is not a Pauli rotation exp(-iθP/2); "
                    "the parameter-shift rule implemented here needs Pauli rotations"
                )
            angle = affine_angle(rotation.angle)
            fresh = sympy.Symbol(f"{angle.symbol.name}__ps{len(occurrences)}")
            occurrences.append((angle.symbol, fresh, angle.coefficient))
            ops.append(cirq.resolve_parameters(op, {angle.symbol: fresh}))
        moments.append(cirq.Moment(ops))
    return ShiftedCircuit(circuit=cirq.Circuit(moments), symbols=wanted, occurrences=tuple(occurrences))


def shifted_resolvers(
    shifted: ShiftedCircuit, base: Iterable[Mapping[sympy.Symbol, float]]
) -> list[cirq.ParamResolver]:
    """Resolvers of ``shifted.circuit`` for the parameter-shift rule, two per occurrence.

    For every parameter point in ``base`` (symbol -> value of the ORIGINAL circuit) and every
    occurrence ``(symbol, fresh, coefficient)`` of :attr:`ShiftedCircuit.occurrences`, the
    occurrence's fresh symbol is shifted by ``±(π/2)/coefficient`` (its angle by ``±π/2``) while
    every other occurrence keeps the point's value.  Order: point, occurrence, then ``+``, ``−``.
    """
    occ = shifted.occurrences
    resolvers: list[cirq.ParamResolver] = []
    for values in base:
        common = dict(values)
        for sym, fresh, _ in occ:
            common[fresh] = values[sym]
        for sym, fresh, coeff in occ:
            delta = (np.pi / 2) / coeff
            for sign in (1.0, -1.0):
                shifted_values = dict(common)
                shifted_values[fresh] = values[sym] + sign * delta
                resolvers.append(cirq.ParamResolver(shifted_values))
    return resolvers


def sampled_parameter_shift_gradient(
    sampler: cirq.Sampler,
    circuit: cirq.AbstractCircuit,
    observable,
    params: cirq.Sweepable,
    shots: int,
    symbols: Optional[Iterable[sympy.Symbol]] = None,
) -> GradientResult:
    """Finite-shot parameter-shift gradient of ``⟨O⟩`` through any ``cirq.Sampler``.

    For each resolver ``r`` of ``params`` and each symbol ``s``:
    ``∂⟨O⟩/∂s = Σ_j c_j [ℓ(θ_j + π/2) − ℓ(θ_j − π/2)] / 2`` over the occurrences ``j`` of ``s``
    (``θ_j = c_j s + d_j``), each ``ℓ`` estimated with ``shots`` shots per basis group.

    Parameters
    ----------
    sampler : any ``cirq.Sampler``.
    circuit : circuit without measurements whose differentiated symbols sit in Pauli rotations.
    observable : ``cirq.PauliSum`` with real coefficients.
    params : ``cirq.Sweepable`` binding every symbol of the circuit.
    shots : repetitions per (shifted circuit, basis group), >= 2.
    symbols : symbols to differentiate (default: all, in order of first appearance).

    Returns
    -------
    GradientResult : ``method='parameter_shift_shots'`` with ``shot_variances``, ``shots`` and
        ``n_circuits_run``.

    Raises
    ------
    ValueError : non-Pauli-rotation occurrences, unbound symbols, ``shots < 2``.

    References
    ----------
    K. Mitarai et al., arXiv:1803.00745; M. Schuld et al., arXiv:1811.11184 (Eq. 14,
    parameter-shift rule for gates with two eigenvalues ±1/2).
    """
    _check_sampler(sampler)
    shots = check_shots(shots)
    shifted = shifted_circuit(circuit, symbols)
    all_symbols = parameter_symbols(circuit)
    constant, groups = group_qubitwise_commuting(observable)
    base = [resolver_values(r) for r in cirq.to_resolvers(params)]
    for i, values in enumerate(base):
        unbound = [s for s in all_symbols if s not in values]
        if unbound:
            raise ValueError(f"resolver {i} does not bind symbols {unbound}")
    occ = shifted.occurrences
    resolvers = shifted_resolvers(shifted, base)
    means, variances = _run_groups(sampler, shifted.circuit, groups, resolvers, shots)
    n_occ = len(occ)
    means = means.reshape(len(base), max(n_occ, 1), 2) if n_occ else np.zeros((len(base), 0, 2))
    variances = variances.reshape(means.shape)
    col = {s: k for k, s in enumerate(shifted.symbols)}
    grad = np.zeros((len(base), len(shifted.symbols)))
    grad_var = np.zeros_like(grad)
    for j, (sym, _, coeff) in enumerate(occ):
        grad[:, col[sym]] += coeff * (means[:, j, 0] - means[:, j, 1]) / 2
        grad_var[:, col[sym]] += coeff**2 * (variances[:, j, 0] + variances[:, j, 1]) / 4
    return GradientResult(
        values=grad,
        symbols=shifted.symbols,
        method="parameter_shift_shots",
        shot_variances=grad_var,
        shots=shots,
        n_circuits_run=len(resolvers) * len(groups),
    )
