"""Sample loss gradients over random parameter draws and estimate their variance.

:func:`sample_gradient_variance` is the entry point: draw the trainable parameters, compute
``∂_k L`` for each draw on any backend (exact, or with finite shots), and return a
:class:`bpcalc.verify.stats.VarianceEstimate` with a chi-square and a bootstrap interval, the shot
noise removed and reported, and the gradient mean.

Conventions (documented once, shared with :mod:`bpcalc.bounds.exact`)
---------------------------------------------------------------
* Every trainable symbol is drawn independently.  Its occurrences ``θ_j = c_j·s + d_j``
  (Pauli rotations ``exp(-iθP/2)``, :func:`circuits.affine_angle`) decide the range:

  - integer frequencies ``c_j`` (``rx(s)``, ``rx(2s+1)``): ``s ~ U[0, 2π)``, derivative ``∂/∂s``;
  - frequencies ``c_j = k_j·π`` (exponent symbols: ``X**s``, ``ZZ**s``): ``s ~ U[0, 2)`` so the
    angle is uniform; with ``exponent_symbols='angle'`` (default, as in ``bpcalc.bounds.exact``) the
    derivative is ``∂/∂(πs) = (1/π) ∂/∂s`` — ``X**s`` gives the numbers of ``rx(θ)``;
    ``'symbol'`` differentiates by ``s`` (variances × π²); ``'refuse'`` raises;
  - anything else (non-integer frequency, non-affine angle, non-rotation gate): ``s ~ U[0, 2π)``,
    ``∂/∂s``, and a note in the estimate (the angle is then not uniform modulo ``2π``).

  ``parameter_range=(lo, hi)`` overrides all of this: every trainable symbol ``~ U[lo, hi)``,
  derivative ``∂/∂s``.
* A symbol used in several gates is allowed (the derivative sums the occurrences).
* Loss ``L = (1/N) Σ_i f(ℓ_i, y_i)`` with ``∂L = (1/N) Σ_i f'(ℓ_i, y_i) ∂ℓ_i``:
  ``'linear'`` ``f = y·ℓ``; ``'mse'`` ``f = (ℓ − y)²``; ``'nll'`` ``f = −log p_y`` with
  ``p_y = ℓ`` for ``y > 0`` and ``p_y = 1 − ℓ`` otherwise (the model output is read as the
  probability of label +1, as in ``bpcalc.bounds.theorems.thanasilp2021``), clipped below at
  ``p_min`` (default ``1e-6``).  Without data (no embedding) ``L = ℓ``.
* ``quantity='loss'`` estimates ``Var_θ[∂_k L]``; ``quantity='output'`` estimates the mean over
  data points of ``Var_θ[∂_k ℓ_i]`` (what per-data-point theorems bound).
* Finite shots: ``ℓ`` (for non-linear losses) and ``∂ℓ`` come from independent shots; the
  shot-noise variance of ``∂L`` is estimated per draw (``â² v_b + b̂² v_a − v_a v_b`` for
  ``a = f'(ℓ̂)``, ``b = ∂ℓ̂``; exact for linear and MSE losses, delta method for NLL) and its
  mean is subtracted from the sample variance.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional, Sequence, Union

import cirq
import numpy as np
import sympy

from bpcalc.circuits import (EXPONENT_CONVENTIONS, Model, affine_angle, as_pauli_rotation, as_pauli_sum, parameter_convention,
                             parameter_symbols, strip_block_tags)

from .backends import Backend, make_backend
from .gradient_result import GradientResult, combine_loss_gradients
from .gradients import adjoint_gradient, parameter_shift_gradient, shot_gradient
from .stats import VarianceEstimate, estimate_variance

__all__ = [
    "SymbolDistribution",
    "sample_gradients",
    "sample_gradient_variance",
    "variance_estimates",
    "symbol_distributions",
    "EXPONENT_SYMBOLS",
    "QUANTITIES",
]

EXPONENT_SYMBOLS = EXPONENT_CONVENTIONS
QUANTITIES = ("loss", "output")
_TWO_PI = 2 * np.pi


@dataclasses.dataclass(frozen=True)
class SymbolDistribution:
    """How one trainable symbol is drawn and differentiated."""

    symbol: sympy.Symbol
    low: float
    high: float
    scale: float  # reported derivative = scale · ∂/∂symbol
    derivative: str
    note: str = ""


# ----------------------------------------------------------------------------- problem


@dataclasses.dataclass(frozen=True)
class _Problem:
    circuit: cirq.Circuit
    observable: cirq.PauliSum
    trainable: tuple[sympy.Symbol, ...]
    data_symbols: tuple[sympy.Symbol, ...]
    x: Optional[np.ndarray]
    y: Optional[np.ndarray]
    loss: str
    qubits: tuple[cirq.Qid, ...]


def _problem(model_or_circuit, observable, data) -> _Problem:
    if isinstance(model_or_circuit, Model):
        model = model_or_circuit
        if observable is not None:
            raise ValueError("pass the observable inside the Model, not as observable=")
        has_embedding = bool(list(model.embedding.all_operations()))
        x = y = None
        data_syms: tuple = ()
        if has_embedding:
            ds = data if data is not None else model.dataset
            if ds is None:
                raise ValueError("the model has an embedding but no dataset; pass data=(x, y) or a Dataset")
            if isinstance(ds, tuple):
                x, y = np.asarray(ds[0], dtype=float), np.asarray(ds[1], dtype=float)
            else:
                x, y = np.asarray(ds.x, dtype=float), np.asarray(ds.y, dtype=float)
            nf = Model.n_features_of(model.embedding)
            if x.ndim != 2 or x.shape[1] != nf or y.shape != (x.shape[0],):
                raise ValueError(f"data must be x (N, {nf}) and y (N,), got {x.shape} and {y.shape}")
            data_syms = tuple(sympy.Symbol(f"x_{j}") for j in range(nf))
        return _Problem(
            circuit=model.circuit,
            observable=model.observable,
            trainable=tuple(model.trainable_symbols),
            data_symbols=data_syms,
            x=x,
            y=y,
            loss=model.loss if has_embedding else "linear",
            qubits=tuple(model.qubits),
        )
    if isinstance(model_or_circuit, tuple) and len(model_or_circuit) == 2 and observable is None:
        circuit, observable = model_or_circuit
    else:
        circuit = model_or_circuit
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(
            f"expected a circuits.Model, a (circuit, observable) pair or a circuit with observable=, "
            f"got {type(model_or_circuit).__name__}"
        )
    if observable is None:
        raise ValueError("a bare circuit needs an observable (pass (circuit, observable) or observable=)")
    if data is not None:
        raise ValueError("data are only used with a circuits.Model (embedding + dataset)")
    obs = as_pauli_sum(observable)
    circuit = strip_block_tags(cirq.Circuit(circuit))
    qubits = tuple(sorted(set(circuit.all_qubits()) | {q for ps in obs for q in ps.qubits}))
    return _Problem(circuit, obs, tuple(parameter_symbols(circuit)), (), None, None, "linear", qubits)


def symbol_distributions(
    circuit: cirq.AbstractCircuit,
    symbols: Sequence[sympy.Symbol],
    exponent_symbols: str = "angle",
    parameter_range: Optional[tuple[float, float]] = None,
) -> tuple[SymbolDistribution, ...]:
    """Sampling range and derivative convention of each symbol (see the module docstring).

    Raises
    ------
    ValueError : bad ``exponent_symbols`` / ``parameter_range``, or an exponent symbol with
        ``exponent_symbols='refuse'``.
    """
    if exponent_symbols not in EXPONENT_SYMBOLS:
        raise ValueError(f"exponent_symbols must be one of {EXPONENT_SYMBOLS}, got {exponent_symbols!r}")
    if parameter_range is not None:
        lo, hi = (float(v) for v in parameter_range)
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            raise ValueError(f"parameter_range must be (low, high) with low < high, got {parameter_range!r}")
        return tuple(SymbolDistribution(s, lo, hi, 1.0, f"d/d{s.name}") for s in symbols)
    coeffs: dict[sympy.Symbol, list] = {s: [] for s in symbols}
    for op in circuit.all_operations():
        used = set(cirq.parameter_symbols(op)) & set(coeffs)
        if not used:
            continue
        rot = as_pauli_rotation(op)
        for s in used:
            if rot is None:
                coeffs[s].append(None)
                continue
            try:
                aff = affine_angle(rot.angle)
            except ValueError:
                coeffs[s].append(None)
                continue
            coeffs[s].append(aff.coefficient if aff.symbol == s else None)
    out = []
    for s in symbols:
        cs = coeffs[s]
        name = s.name
        convs = []
        for c in cs:
            try:
                convs.append(None if c is None else parameter_convention(c, "angle", name))
            except ValueError:
                convs.append(None)
        if cs and all(cv is not None for cv in convs) and len({(cv.period, cv.unit) for cv in convs}) == 1:
            conv = convs[0]
            if conv.unit == "half-turn":
                # one convention for every engine (circuits.parameter_convention): s ~ U[0, 2)
                conv = parameter_convention(cs[0], exponent_symbols, name)
            out.append(SymbolDistribution(s, 0.0, conv.period, conv.scale, conv.derivative))
            continue
        note = (
            f"symbol {name}: angles with coefficients {cs} are not integer frequencies; drawn from U[0, 2π), "
            "so the rotation angle is not uniform modulo 2π"
        )
        out.append(SymbolDistribution(s, 0.0, _TWO_PI, 1.0, f"d/d{name}", note))
    return tuple(out)


def _select(parameters, trainable: Sequence[sympy.Symbol]) -> tuple[tuple[sympy.Symbol, ...], bool]:
    """Resolve ``parameters`` to symbols; the bool says whether a single one was asked for."""
    names = {s.name: s for s in trainable}
    if isinstance(parameters, str) and parameters == "all":
        return tuple(trainable), False
    single = isinstance(parameters, (str, sympy.Symbol, int, np.integer))
    items = [parameters] if single else list(parameters)
    if not items:
        raise ValueError("parameters is empty")
    out = []
    for p in items:
        if isinstance(p, (bool, np.bool_)):
            raise TypeError(f"parameter {p!r} is not a symbol, name or index")
        if isinstance(p, (int, np.integer)):
            if not 0 <= int(p) < len(trainable):
                raise ValueError(f"parameter index {p} out of range: {len(trainable)} trainable parameters")
            out.append(trainable[int(p)])
        elif isinstance(p, (str, sympy.Symbol)):
            name = p if isinstance(p, str) else p.name
            if name not in names:
                raise ValueError(f"unknown trainable parameter {name!r}; known: {sorted(names)[:10]}")
            out.append(names[name])
        else:
            raise TypeError(f"parameter {p!r} is not a symbol, name or index")
    return tuple(out), single


def sample_gradients(
    model_or_circuit,
    parameters="all",
    n_samples: int = 1000,
    shots: Optional[int] = None,
    engine: Union[str, Backend] = "own",
    seed: Optional[int] = None,
    *,
    observable=None,
    method: str = "auto",
    parameter_range: Optional[tuple[float, float]] = None,
    exponent_symbols: str = "angle",
    batch_size: Optional[int] = None,
    data=None,
    p_min: float = 1e-6,
) -> GradientResult:
    """Draw parameters ``n_samples`` times and compute the loss gradients (see module docstring).

    Parameters
    ----------
    model_or_circuit : a :class:`circuits.Model`, a ``(circuit, observable)`` pair, or a circuit
        with ``observable=``.
    parameters : ``'all'``, a symbol / name / index into the trainable symbols, or a list.
    n_samples : number of parameter draws (>= 2).
    shots : ``None`` (exact gradients) or shots per circuit and basis group (>= 2).
    engine : backend name (``'own'``, ``'cirq'``, ``'density_matrix'``, ``'qsim'``, ``'auto'``)
        or a :class:`bpcalc.verify.backends.Backend` (e.g. ``DensityMatrix(noise=...)``).
    seed : seed for the draws, the shots and the bootstrap.
    observable : the observable for a bare circuit.
    method : ``'auto'``, ``'parameter_shift'`` or ``'adjoint'`` (own engine) for exact gradients.
    parameter_range : ``(low, high)`` for every trainable symbol (overrides the conventions).
    exponent_symbols : ``'angle'``, ``'symbol'`` or ``'refuse'`` (see module docstring).
    batch_size : parameter draws per backend call (default: about 2048 rows).
    data : ``(x, y)`` or a ``circuits.Dataset`` overriding the model's dataset.
    p_min : clipping of label probabilities for the NLL loss.

    Returns
    -------
    GradientResult
        :attr:`~GradientResult.values` ``(n_samples, K)`` ``∂_k L`` per draw, with the data axis
        :attr:`~GradientResult.per_datapoint` ``(n_samples, K, N)`` ``∂_k ℓ_i``, the shot-noise
        variances of both (finite shots), the symbol distributions and the run description.

    Raises
    ------
    ValueError, TypeError : bad inputs (named in the message).
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an int >= 2, got {n_samples!r}")
    if method not in ("auto", "parameter_shift", "adjoint"):
        raise ValueError(f"method must be 'auto', 'parameter_shift' or 'adjoint', got {method!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    prob = _problem(model_or_circuit, observable, data)
    wanted, _ = _select(parameters, prob.trainable)
    dists_all = symbol_distributions(prob.circuit, prob.trainable, exponent_symbols, parameter_range)
    dist = {d.symbol: d for d in dists_all}
    n = len(prob.qubits)
    backend = make_backend(engine, n_qubits=n)
    all_symbols = prob.trainable + prob.data_symbols
    prepared = backend.prepare(prob.circuit, prob.observable, symbols=all_symbols, qubits=prob.qubits)
    seq = np.random.SeedSequence(seed)
    draw_rng, shot_rng = (np.random.default_rng(s) for s in seq.spawn(2))
    n_data = 1 if prob.x is None else prob.x.shape[0]
    k = len(wanted)
    needs_ell = prob.loss in ("mse", "nll") and prob.x is not None
    if method == "auto":
        method = "adjoint" if (backend.name == "own" and shots is None and (k > 2 or needs_ell)) else "parameter_shift"
    if method == "adjoint" and backend.name != "own":
        raise ValueError("method='adjoint' needs the own engine (engine='own')")
    draws_per_batch = batch_size or max(1, min(int(n_samples), 2048 // n_data))
    lows = np.array([dist[s].low for s in prob.trainable])
    highs = np.array([dist[s].high for s in prob.trainable])
    scale = np.array([dist[s].scale for s in wanted])

    out_g = np.empty((n_samples, k, n_data))
    out_v = np.empty((n_samples, k, n_data)) if shots is not None else None
    loss_g = np.empty((n_samples, k))
    loss_v = np.empty((n_samples, k)) if shots is not None else None
    for lo in range(0, n_samples, draws_per_batch):
        hi = min(n_samples, lo + draws_per_batch)
        d = hi - lo
        theta = draw_rng.uniform(lows, highs, size=(d, len(prob.trainable)))
        if prob.x is None:
            rows = theta
        else:
            rows = np.concatenate(
                [np.repeat(theta, n_data, axis=0), np.tile(prob.x, (d, 1))], axis=1
            )
        if shots is not None:
            res = shot_gradient(prepared, rows, shots, wanted, rng=shot_rng, with_expectation=needs_ell)
        elif method == "adjoint":
            res = adjoint_gradient(prepared, rows, wanted)
        else:
            res = parameter_shift_gradient(prepared, rows, wanted, with_expectation=needs_ell)
        g = res.values.reshape(d, n_data, k) * scale
        out_g[lo:hi] = g.transpose(0, 2, 1)
        gv = None
        if shots is not None:
            gv = res.shot_variances.reshape(d, n_data, k) * scale**2
            out_v[lo:hi] = gv.transpose(0, 2, 1)
        if prob.x is None:
            loss_g[lo:hi] = g[:, 0, :]
            if gv is not None:
                loss_v[lo:hi] = gv[:, 0, :]
            continue
        y = np.tile(prob.y, d).reshape(d, n_data)
        ell = res.expectations.reshape(d, n_data) if res.expectations is not None else np.zeros((d, n_data))
        v_ell = None if res.expectation_shot_variances is None else res.expectation_shot_variances.reshape(d, n_data)
        lg, lv = combine_loss_gradients(prob.loss, ell, y, g, p_min=p_min, gradient_shot_variances=gv,
                                        ell_shot_variances=v_ell)
        loss_g[lo:hi] = lg
        if lv is not None:
            loss_v[lo:hi] = lv
    notes = [dist[s].note for s in wanted if dist[s].note]
    if shots is not None and prob.loss == "nll" and prob.x is not None:
        notes.append("NLL with finite shots: f'(ℓ̂) is biased and its shot variance uses the delta method")
    return GradientResult(
        values=loss_g,
        symbols=wanted,
        method="parameter_shift_shots" if shots is not None else method,
        shot_variances=loss_v,
        shots=shots,
        per_datapoint=out_g,
        per_datapoint_shot_variances=out_v,
        loss=prob.loss,
        has_data=prob.x is not None,
        distributions=tuple(dist[s] for s in wanted),
        engine=backend.name,
        seed=seed,
        notes=tuple(notes),
    )


def variance_estimates(
    samples: GradientResult,
    *,
    confidence: float = 0.95,
    quantity: str = "loss",
    interval: str = "bootstrap",
    n_bootstrap: int = 2000,
    rng: Optional[np.random.Generator] = None,
) -> list[VarianceEstimate]:
    """One :class:`VarianceEstimate` per differentiated parameter of ``samples``.

    ``samples`` is a sampled :class:`GradientResult` (:func:`sample_gradients`): ``quantity='loss'``
    takes its :attr:`~GradientResult.loss_gradients`, ``'output'`` its
    :attr:`~GradientResult.output_gradients` (data axis).
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}, got {quantity!r}")
    rng = np.random.default_rng(np.random.SeedSequence(samples.seed).spawn(3)[2]) if rng is None else rng
    out = []
    for j, name in enumerate(samples.parameters):
        if quantity == "loss":
            g = samples.loss_gradients[:, j]
            v = None if samples.loss_shot_variances is None else samples.loss_shot_variances[:, j]
        else:
            g = samples.output_gradients[:, j, :]
            v = None if samples.output_shot_variances is None else samples.output_shot_variances[:, j, :]
            if g.shape[1] == 1:
                g = g[:, 0]
                v = None if v is None else v[:, 0]
        out.append(
            estimate_variance(
                g,
                confidence=confidence,
                shot_variances=v,
                n_bootstrap=n_bootstrap,
                rng=rng,
                interval=interval,
                shots=samples.shots,
                engine=samples.engine,
                seed=samples.seed,
                parameter=name,
                quantity=quantity if samples.has_data else "loss=output",
                derivative=samples.distributions[j].derivative,
                notes=samples.notes,
            )
        )
    return out


def sample_gradient_variance(
    model_or_circuit,
    parameters,
    n_samples: int,
    shots: Optional[int] = None,
    engine: Union[str, Backend] = "own",
    seed: Optional[int] = None,
    *,
    confidence: float = 0.95,
    quantity: str = "loss",
    interval: str = "bootstrap",
    n_bootstrap: int = 2000,
    **kwargs,
) -> Union[VarianceEstimate, list[VarianceEstimate]]:
    """Sampled ``Var_θ[∂_k L]`` with confidence intervals.

    Parameters
    ----------
    model_or_circuit, parameters, n_samples, shots, engine, seed :
        see :func:`sample_gradients`; ``kwargs`` are passed on to it (``observable``, ``method``,
        ``parameter_range``, ``exponent_symbols``, ``batch_size``, ``data``, ``p_min``).
    confidence : level of the intervals.
    quantity : ``'loss'`` (``Var[∂L]``) or ``'output'`` (mean over data points of ``Var[∂ℓ_i]``).
    interval : the interval reported as ``ci_low/ci_high`` (``'bootstrap'`` or ``'chi2'``; both
        are always stored).
    n_bootstrap : bootstrap resamples.

    Returns
    -------
    VarianceEstimate for a single parameter (symbol, name or index); a list for ``'all'`` or a list.

    Examples
    --------
    >>> import cirq, sympy
    >>> q = cirq.LineQubit.range(2)
    >>> a, b = sympy.symbols("a b")
    >>> c = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CNOT(*q), cirq.ry(b).on(q[1]))
    >>> est = sample_gradient_variance((c, cirq.Z(q[1])), "a", 4000, seed=1)
    >>> bool(est.ci_low < 0.25 < est.ci_high)    # Var[∂_a cos a cos b] = 1/2 · 1/2
    True
    """
    samples = sample_gradients(model_or_circuit, parameters, n_samples, shots, engine, seed, **kwargs)
    estimates = variance_estimates(
        samples, confidence=confidence, quantity=quantity, interval=interval, n_bootstrap=n_bootstrap
    )
    prob_params = parameters
    single = isinstance(prob_params, (str, sympy.Symbol, int, np.integer)) and prob_params != "all"
    return estimates[0] if single else estimates


def __getattr__(name: str):
    # GradientSamples was merged into GradientResult (issue #14); the old name stays one release
    if name == "GradientSamples":
        import warnings

        warnings.warn("bpcalc.verify.sampling.GradientSamples is deprecated: sample_gradients returns the one "
                      "gradient result type, bpcalc.verify.GradientResult", DeprecationWarning, stacklevel=2)
        return GradientResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
