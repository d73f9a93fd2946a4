"""``analyze(model)``: which theorems apply to a model, their numbers, and a verdict.

For every trainable parameter (or the ones asked for) :func:`analyze` builds a
:class:`~bpcalc.bounds.registry.Context` (model, parameter, :mod:`~bpcalc.bounds.measures`) and asks every
registered theorem whether its assumptions hold — *checked* on the model's actual structure
(block layout, exact 2-design tests, observable form, loss), never assumed.  Applicable
bounds are evaluated (log-space numbers); refused ones keep the failing assumption.  When
the exact engine (:mod:`bpcalc.bounds.exact`) can handle the model, the exact variance is shown
next to the bounds.  The verdict says "exponentially vanishing (base b)", "polynomial" or
"not decided: why", with its evidence.

A single model is one ``n``; scaling in ``n`` is decided either by a theorem whose inputs
have a known ``n``-dependence (``Theorem.scaling``) or, for a family of models, by
:func:`fit_decay` on values at several ``n`` (what ``bpcalc bounds --qubits 4,6,8`` does).

Examples
--------
>>> from bpcalc import circuits
>>> from bpcalc.bounds.analysis import analyze
>>> n = 4
>>> ansatz = circuits.tensor_product(n, 2)
>>> model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
...                        embedding=circuits.make_embedding("hee", n, 2),
...                        dataset=circuits.load_dataset("digits", n, n_samples=20),
...                        two_design_blocks=True)
>>> a = analyze(model, parameters=["theta_0_b0_3"], exact=False)
>>> p = a.parameters[0]
>>> sorted(r.bound for r in p.applicable if r.theorem == "thanasilp2021.tensor_product_variance")
['general', 'local_cost']
>>> a.verdict.label
'not decided'
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np
import sympy

from bpcalc.circuits import Model

from .bound import Asymptotics, AssumptionFailed, BoundValue, Check
from .memory import MemoryBudgetExceeded
from .measures import Measures, ParameterStructure, measures as compute_measures
from .registry import Context, Registry, Theorem, default_registry

__all__ = [
    "BoundResult",
    "RefusedBound",
    "ExactVariance",
    "ParameterAnalysis",
    "Verdict",
    "Analysis",
    "analyze",
    "fit_decay",
    "exact_variances",
]


@dataclasses.dataclass(frozen=True)
class BoundResult:
    """One applicable bound evaluated on the model."""

    theorem: str
    bound: str
    kind: str
    value: BoundValue
    status: str
    citation: str
    latex: str
    asymptotics: Optional[Asymptotics] = None

    def to_dict(self) -> dict:
        return {
            "theorem": self.theorem,
            "bound": self.bound,
            "kind": self.kind,
            "value": self.value.to_dict(),
            "status": self.status,
            "citation": self.citation,
            "latex": self.latex,
            "asymptotics": None if self.asymptotics is None else self.asymptotics.to_dict(),
        }


@dataclasses.dataclass(frozen=True)
class RefusedBound:
    """A bound whose assumptions are not met (or whose numbers are missing)."""

    theorem: str
    bound: str
    reason: str
    failed: tuple[Check, ...] = ()

    def to_dict(self) -> dict:
        return {"theorem": self.theorem, "bound": self.bound, "reason": self.reason,
                "failed": [c.to_dict() for c in self.failed]}


@dataclasses.dataclass(frozen=True)
class ExactVariance:
    """Exact ``Var[∂_k ℓ]`` (dataset mean), per data point, and the linear-loss variance.

    ``method`` is the engine's (``exact``, ``truncated`` or ``path-sampled``).  A sampled
    ``value`` comes with its confidence interval ``ci_low``/``ci_high`` when the engine
    estimated that very quantity (no label weights); with label weights the engine's interval
    belongs to ``linear_loss`` and is kept as ``linear_loss_ci``.
    """

    value: float
    per_state: tuple[float, ...] = dataclasses.field(repr=False)
    linear_loss: Optional[float] = None
    method: str = "exact"
    seconds: float = 0.0
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    linear_loss_ci: Optional[tuple[float, float]] = None
    below_resolution: bool = False  # no sampled path contributed: an upper limit (ci_high), not a zero

    @property
    def sampled(self) -> bool:
        """True when the value is a path-sampled estimate, not an exact (or truncated) one."""
        return self.method == "path-sampled"

    def describe(self, digits: int = 3) -> str:
        """``'3.13e-04'`` when exact; ``'0 [0, 4.31e-05]'`` (estimate and interval) or ``'8.9e-06~'``
        (estimate without an interval of its own) when sampled."""
        if self.below_resolution and self.ci_high is not None:
            return f"< {self.ci_high:.{digits}g} (below resolution of path sampling)"
        text = f"{self.value:.{digits}g}"
        if self.sampled:
            text += (f" [{self.ci_low:.{digits}g}, {self.ci_high:.{digits}g}]" if self.ci_high is not None
                     else "~")
        return text

    @property
    def log10(self) -> float:
        return -math.inf if self.value <= 0 else math.log10(self.value)

    def to_dict(self) -> dict:
        return {"value": self.value, "log10": None if self.value <= 0 else self.log10,
                "per_state_mean": float(np.mean(self.per_state)) if self.per_state else None,
                "per_state_min": float(np.min(self.per_state)) if self.per_state else None,
                "per_state_max": float(np.max(self.per_state)) if self.per_state else None,
                "linear_loss": self.linear_loss, "method": self.method, "seconds": self.seconds,
                "below_resolution": self.below_resolution,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "sampled": self.sampled,
                "linear_loss_ci": None if self.linear_loss_ci is None else list(self.linear_loss_ci),
                "text": self.describe()}


@dataclasses.dataclass(frozen=True)
class ParameterAnalysis:
    """Everything known about one parameter's gradient."""

    parameter: str
    structure: ParameterStructure
    applicable: tuple[BoundResult, ...]
    refused: tuple[RefusedBound, ...]
    exact: Optional[ExactVariance]
    exact_note: str = ""

    def to_dict(self) -> dict:
        return {
            "parameter": self.parameter,
            "structure": self.structure.to_dict(),
            "applicable": [r.to_dict() for r in self.applicable],
            "refused": [r.to_dict() for r in self.refused],
            "exact": None if self.exact is None else self.exact.to_dict(),
            "exact_note": self.exact_note,
        }


@dataclasses.dataclass(frozen=True)
class Verdict:
    """``label`` in {"exponentially vanishing", "polynomial", "not decided"} with evidence."""

    label: str
    text: str
    evidence: tuple[str, ...]
    base: Optional[float] = None
    degree: Optional[float] = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, eq=False)
class Analysis:
    """Result of :func:`analyze` (JSON-able via :meth:`to_dict`)."""

    model: str
    n_qubits: int
    loss: str
    measures: Measures
    parameters: tuple[ParameterAnalysis, ...]
    ensemble: tuple[BoundResult, ...]
    ensemble_refused: tuple[RefusedBound, ...]
    verdict: Verdict
    seconds: float

    def parameter(self, name: str | sympy.Symbol) -> ParameterAnalysis:
        for p in self.parameters:
            if p.parameter == str(name):
                return p
        raise ValueError(f"parameter {name!s} was not analysed")

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "n_qubits": self.n_qubits,
            "loss": self.loss,
            "measures": self.measures.to_dict(),
            "parameters": [p.to_dict() for p in self.parameters],
            "ensemble": [r.to_dict() for r in self.ensemble],
            "ensemble_refused": [r.to_dict() for r in self.ensemble_refused],
            "verdict": self.verdict.to_dict(),
            "seconds": self.seconds,
        }


# ----------------------------------------------------------------------------- exact hook


def exact_variances(model: Model, parameters: Sequence[sympy.Symbol], exponent_symbols: str = "angle",
                    memory_limit=None, init=None, noise=None) -> tuple[dict, str]:
    """Exact per-parameter variances from :mod:`bpcalc.bounds.exact` (``({}, why)`` if unavailable).

    ``exponent_symbols``: convention for symbols in exponents (``X**t``), see
    :data:`bpcalc.bounds.exact.EXPONENT_CONVENTIONS`.  ``init`` / ``noise``: initialization
    distribution and noise model of the engine (``None``: uniform, noiseless).  Data
    re-uploading models (``model.reuploading``) go to
    :func:`bpcalc.bounds.exact.exact_reuploading_gradient_variance` (one propagation per data
    point, the linear loss with a data register).

    Returns ``{symbol name: ExactVariance}`` and a note.  The engine's own refusals
    (:class:`~bpcalc.bounds.bound.AssumptionFailed`, e.g. gates that are not Pauli rotations, and
    :class:`~bpcalc.bounds.memory.MemoryBudgetExceeded`) become the note; anything else raises.
    """
    try:
        from .exact import exact_model_gradient_variance
    except ImportError as exc:  # the exact engine is optional
        return {}, f"exact engine not available ({exc})"
    y = None if model.dataset is None else np.asarray(model.dataset.y, dtype=float)
    weights = None
    if model.loss == "linear" and y is not None:
        weights = y / len(y)
    start = time.perf_counter()
    try:
        # the budget reaches the engine only when given (engines without one use the default)
        budget = {} if memory_limit is None else {"memory_limit": memory_limit}
        if init is not None:
            budget["init"] = init
        if noise is not None:
            budget["noise"] = noise
        if getattr(model, "reuploading", False):
            from .exact import exact_reuploading_gradient_variance

            if model.dataset is None:
                return {}, "exact engine: a data re-uploading model needs a dataset"
            res = exact_reuploading_gradient_variance(
                model.circuit, model.observable, model.dataset.x, list(parameters), weights=weights,
                data_symbols=model.data_symbols, qubits=tuple(model.qubits), linear_loss=weights is not None,
                exponent_symbols=exponent_symbols, **budget)
        else:
            res = exact_model_gradient_variance(model, list(parameters), weights=weights,
                                                exponent_symbols=exponent_symbols, **budget)
    except (AssumptionFailed, MemoryBudgetExceeded) as exc:
        # outside the engine's scope, or over the memory budget (the message names the method
        # that fits); any other exception is a bug and propagates
        return {}, f"exact engine refused: {exc}"
    seconds = time.perf_counter() - start
    out = {}
    for k, p in enumerate(res.parameters):
        per = tuple(float(v) for v in np.atleast_1d(res.per_state[k]))
        out[p.name] = ExactVariance(
            value=float(np.mean(per)),
            per_state=per,
            linear_loss=float(res.values[k]) if weights is not None else None,
            method=str(res.method),
            seconds=seconds,
            ci_low=None if res.ci_low is None or weights is not None else float(np.atleast_1d(res.ci_low)[k]),
            ci_high=None if res.ci_high is None or weights is not None else float(np.atleast_1d(res.ci_high)[k]),
            linear_loss_ci=None if res.ci_low is None or weights is None else (
                float(np.atleast_1d(res.ci_low)[k]), float(np.atleast_1d(res.ci_high)[k])),
            below_resolution=bool(getattr(res, "below_resolution", None) is not None and res.below_resolution[k]
                                  and float(np.mean(per)) == 0.0),
        )
    tied = res.details.get("tied_parameters") or {}
    joint = ("; averaged jointly over their own period (symbols driving several rotations: crz, CZ**t, FSim, "
             "shared symbols): " + ", ".join(f"{k} ~ U[0, {v['period']:.6g})" for k, v in tied.items())) if tied else ""
    return out, f"bpcalc.bounds.exact ({res.method}){joint}"


# ----------------------------------------------------------------------------- core


def _classify(theorem: Theorem, bound_name: str, context: Context) -> Optional[Asymptotics]:
    if theorem.scaling is None:
        return None
    try:
        scaled = dict(theorem.scaling(context))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not scaled:
        return None
    b = theorem.bound(bound_name)
    fixed = {k: v for k, v in scaled.items() if k in b.inputs}
    if set(b.inputs) - set(fixed) - {"n"}:
        return None
    try:
        return b.asymptotics("n", fixed)
    except (ValueError, TypeError, ZeroDivisionError):
        return None


def _evaluate(theorems: Iterable[Theorem], context: Context) -> tuple[list[BoundResult], list[RefusedBound]]:
    applicable, refused = [], []
    for t in theorems:
        inst = t.instantiate(context)
        for v in inst.values:
            b = t.bound(v.name)
            applicable.append(BoundResult(
                theorem=t.key, bound=v.name, kind=v.kind, value=v, status=t.verification.status,
                citation=(b.citation or t.citation).short(), latex=b.latex(citation=False),
                asymptotics=_classify(t, v.name, context),
            ))
        for r in inst.refused:
            refused.append(RefusedBound(t.key, r.bound, r.reason, r.failed))
    return applicable, refused


def analyze(
    model: Model,
    *,
    parameters: Optional[Sequence[sympy.Symbol | str]] = None,
    registry: Optional[Registry] = None,
    declared: Iterable[str] = (),
    values: Optional[Mapping[str, Any]] = None,
    exact: bool = True,
    ensemble: bool = True,
    rng: Optional[np.random.Generator] = None,
    measures: Optional[Measures] = None,
    exponent_symbols: str = "angle",
    memory_limit=None,
    init=None,
    noise=None,
) -> Analysis:
    """Applicable bounds with numbers, refused bounds with reasons, exact values, verdict.

    Parameters
    ----------
    model : the model (``circuits.Model``).
    parameters : trainable symbols (or names) to analyse; default all.
    registry : theorems to use (default :func:`bpcalc.bounds.registry.default_registry`).
    declared : assumption keys the user asserts (e.g. ``"embedding_two_design"``).
    values : numbers the user supplies (e.g. ``{"p_min": 0.05}``), override the theorems'.
    exact : also compute exact variances with :mod:`bpcalc.bounds.exact` when possible.
    ensemble : compute the frame potential / KL expressibility of the data ensemble.
    rng : generator for the bootstrap intervals.
    measures : precomputed :func:`bpcalc.bounds.measures.measures` of this model.
    exponent_symbols : convention of the exact engine for symbols in exponents (``X**t``):
        ``'angle'`` (default) or ``'symbol'`` (:data:`bpcalc.bounds.exact.EXPONENT_CONVENTIONS`).
    init, noise : initialization distribution (``'gaussian:0.1'``, ``'uniform:A'``, see
        :mod:`bpcalc.bounds.exact.initialization`) and noise (a ``cirq.NoiseModel`` or a
        single-qubit channel gate) of the exact values.  The theorems are stated for uniform,
        noiseless circuits, so with either they are refused (the exact values remain).

    Raises
    ------
    TypeError : ``model`` is not a Model.
    ValueError : unknown parameter names.
    """
    if not isinstance(model, Model):
        raise TypeError(f"analyze needs a circuits.Model, got {type(model).__name__}")
    start = time.perf_counter()
    registry = registry if registry is not None else default_registry()
    by_name = {s.name: s for s in model.trainable_symbols}
    if parameters is None:
        wanted = list(model.trainable_symbols)
    else:
        wanted = []
        for p in parameters:
            name = p.name if isinstance(p, sympy.Symbol) else str(p)
            if name not in by_name:
                raise ValueError(f"unknown trainable parameter {name!r}; the ansatz has {sorted(by_name)[:8]}…")
            wanted.append(by_name[name])
    m = measures if measures is not None else compute_measures(model, rng=rng, ensemble=ensemble)
    exact_map, exact_note = (exact_variances(model, wanted, exponent_symbols, memory_limit, init=init, noise=noise)
                             if exact else ({}, "exact variances not requested"))
    per_theorems = [t for t in registry.values() if t.scope in ("parameter", "loss")]
    ens_theorems = [t for t in registry.values() if t.scope == "ensemble"]
    uniform = init is None or (isinstance(init, str) and init.strip().lower() == "uniform")
    out_of_scope = ("data re-uploading: the theorems are stated for the model V(θ)U(x) (embedding first)"
                    if getattr(model, "reuploading", False) else
                    "non-uniform initialization: the theorems assume θ uniform on [0, 2π)" if not uniform else
                    "noise: the theorems are stated for noiseless circuits" if noise is not None else "")
    refused_all = ()
    if out_of_scope:
        refused_all = tuple(RefusedBound(t.key, "*", out_of_scope) for t in per_theorems)
        per_theorems = []
    declared = frozenset(declared)
    base_values = dict(values or {})
    results = []
    for sym in wanted:
        extra: dict[str, Any] = {}
        ev = exact_map.get(sym.name)
        if ev is not None and uniform:  # E[∂ℓ_i] = 0 only for the uniform initialization
            extra["per_datapoint"] = {"var_dl": list(ev.per_state), "mean_dl": [0.0] * len(ev.per_state)}
        ctx = Context(model=model, parameter=sym, values=base_values, measures=m, declared=declared, extra=extra)
        applicable, refused = _evaluate(per_theorems, ctx)
        refused = list(refused_all) + list(refused)
        results.append(ParameterAnalysis(
            parameter=sym.name, structure=m.parameter(sym), applicable=tuple(applicable), refused=tuple(refused),
            exact=ev, exact_note=exact_note if ev is None else f"from {exact_note}",
        ))
    first = wanted[0] if wanted else None
    ctx = Context(model=model, parameter=first, values=base_values, measures=m, declared=declared)
    if out_of_scope:
        ens_app, ens_ref = [], [RefusedBound(t.key, "*", out_of_scope) for t in ens_theorems]
    else:
        ens_app, ens_ref = _evaluate(ens_theorems, ctx)
    verdict = _verdict(results, m, ens_app)
    return Analysis(
        model=model.name or "model",
        n_qubits=model.n_qubits,
        loss=model.loss,
        measures=m,
        parameters=tuple(results),
        ensemble=tuple(ens_app),
        ensemble_refused=tuple(ens_ref),
        verdict=verdict,
        seconds=time.perf_counter() - start,
    )


# ----------------------------------------------------------------------------- verdicts


def _verdict(params: Sequence[ParameterAnalysis], m: Measures, ensemble: Sequence[BoundResult]) -> Verdict:
    evidence: list[str] = []
    trusted = [r for p in params for r in p.applicable if r.status in ("verified", "corrected")]
    vanishing = [r for r in trusted if r.kind in ("upper", "exact") and r.asymptotics is not None
                 and r.asymptotics.exponentially_vanishing]
    if vanishing:
        best = max(vanishing, key=lambda r: (round(r.asymptotics.base or 0.0, 9), r.kind == "exact"))
        a = best.asymptotics
        evidence.append(f"{best.theorem} [{best.bound}] ({best.citation}): {a.describe()}")
        for r in vanishing[:3]:
            if r is not best:
                evidence.append(f"{r.theorem} [{r.bound}]: {r.asymptotics.describe()}")
        base = a.base
        return Verdict("exponentially vanishing", f"exponentially vanishing (base {base:.4g}: Var ∈ O({base:.4g}^-n))",
                       tuple(evidence), base=base, degree=a.degree)
    poly = [r for r in trusted if r.kind in ("lower", "exact") and r.asymptotics is not None
            and r.asymptotics.kind == "polynomial" and not r.value.vacuous]
    if poly:
        r = poly[0]
        evidence.append(f"{r.theorem} [{r.bound}] ({r.citation}): {r.asymptotics.describe()}")
        return Verdict("polynomial", f"polynomial: Var ∈ Ω(n^{r.asymptotics.degree:g})", tuple(evidence),
                       degree=r.asymptotics.degree)
    reasons = []
    numeric = [r for r in trusted if r.kind in ("upper", "exact")]
    if numeric:
        r = min(numeric, key=lambda r: r.value.log10)
        evidence.append(f"at n = {m.n_qubits}: {r.theorem} [{r.bound}] = {r.value} "
                        "(a value at one n; its n-dependence runs through data-dependent quantities)")
    for sub in m.subsystems[:3]:
        evidence.append(
            f"data on qubits {list(sub.qubits)} (s = {sub.size}): mean D_HS = {sub.d_hs_mean:.4g} "
            f"[{sub.d_hs_ci.ci_low:.4g}, {sub.d_hs_ci.ci_high:.4g}] vs Haar {sub.haar:.4g} "
            f"(×{sub.ratio_to_haar:.3g}) and product-state value {sub.product_max:.4g}"
        )
    exacts = [p.exact for p in params if p.exact is not None]
    if exacts:
        below = sum(e.below_resolution for e in exacts)
        evidence.append(f"exact Var at n = {m.n_qubits}: min {min(e.value for e in exacts):.3g}, "
                        f"max {max(e.value for e in exacts):.3g} over {len(exacts)} parameter(s)"
                        + (f" ({below} below the path-sampling resolution: upper limits, not zeros)" if below else ""))
    if not trusted:
        reasons.append("no registered theorem applies to this model (see the refused bounds)")
    else:
        reasons.append("the applicable bounds depend on n through data-dependent quantities")
    reasons.append("analyse a family over several n (bpcalc bounds --qubits …, bpcalc.bounds.fit_scaling)")
    return Verdict("not decided", "not decided: " + "; ".join(reasons), tuple(evidence))


def fit_decay(ns: Sequence[int], log10_values: Sequence[float]) -> Verdict:
    """Decide exponential vs polynomial decay from exact values at several ``n`` (log10 given).

    The one fit and verdict rule of :func:`bpcalc.bounds.scaling.fit_scaling` (never from
    fewer than :data:`bpcalc.bounds.scaling.MIN_SIZES` sizes; residuals can reject both
    models), in log space so that values far below a double's range are fine.

    Raises
    ------
    ValueError : fewer than 3 distinct ``n``, non-finite values.
    """
    from .scaling import fit_scaling

    x = [int(v) for v in ns]
    y = [float(v) for v in log10_values]
    if len(x) != len(y) or len(set(x)) < 3:
        raise ValueError("fit_decay needs values at >= 3 distinct n")
    if not all(np.isfinite(y)):
        raise ValueError("fit_decay needs finite n and log10 values")
    fit = fit_scaling(x, log10_values=y)
    label = {"exponential": "exponentially vanishing", "undecided": "not decided"}.get(fit.label, fit.label)
    text = fit.text.replace("exponential:", "exponentially vanishing:", 1) if fit.label == "exponential" else \
        fit.text.replace("undecided:", "not decided:", 1) if fit.label == "undecided" else fit.text
    evidence = (fit.describe(), f"n = {x}")
    return Verdict(label, text, evidence, base=fit.base if fit.label == "exponential" else None,
                   degree=fit.degree if fit.label == "polynomial" else None)


