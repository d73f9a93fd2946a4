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
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import cirq
import numpy as np
import sympy
from threadpoolctl import threadpool_limits

from bpcalc.circuits import Model

from .bound import Asymptotics, AssumptionFailed, BoundValue, Check
from .memory import MemoryBudgetExceeded
from .measures import Measures, ParameterStructure, measures as compute_measures
from .registry import Context, Registry, Theorem, default_registry
from .family import FamilyScan, scan_family
from .scaling import DEFAULT_SHOT_BUDGET, ScalingFit, SizeVerdict, size_verdict

THEOREM_BLAS_THREADS = 1
"""BLAS threads while the theorems are checked and evaluated (small dense matrices; see :func:`analyze`)."""

__all__ = [
    "BoundResult",
    "RefusedBound",
    "ExactVariance",
    "LossVariance",
    "LossAnalysis",
    "ParameterVerdict",
    "SampledEstimate",
    "BoundCheck",
    "CHECK_VERDICTS",
    "ParameterAnalysis",
    "Verdict",
    "Analysis",
    "analyze",
    "fit_decay",
    "exact_variances",
    "model_loss_variance",
    "input_states",
    "parameter_verdict",
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
    scope: str = ""  # the theorem's scope: 'parameter' (Var[∂ℓ_i] of the outputs), 'loss' (of the cost), 'ensemble'
    quantity: str = ""  # LaTeX of the bounded quantity (the bound's left-hand side)

    @property
    def bounds_gradient(self) -> bool:
        """True when the bounded quantity is a derivative (``Var[∂_k …]``, ``|∂_k …|``), not a loss
        variance or a kernel/expressibility quantity (those are no bound on one parameter's gradient).
        A result without a recorded quantity counts as a gradient bound."""
        return not self.quantity or r"\partial" in self.quantity

    def to_dict(self) -> dict:
        return {
            "theorem": self.theorem,
            "scope": self.scope,
            "quantity": self.quantity,
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
    error_bound: Optional[float] = None  # rigorous bound on |true − value| of the cost's gradient variance (truncated)
    cost: Optional[float] = None  # Var[∂_k C] of the cost C whose variance is Analysis.loss (same weights)

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
        if self.method == "truncated" and self.error_bound is not None:
            text += f" ± {self.error_bound:.2g} (truncated)"
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
                "error_bound": self.error_bound, "cost": self.cost,
                "text": self.describe()}

    @property
    def upper_limit(self) -> Optional[float]:
        """The value's upper limit when it is below the resolution of path sampling, else ``None``."""
        return self.ci_high if self.below_resolution else None


@dataclasses.dataclass(frozen=True)
class LossVariance:
    """Exact ``Var_θ[C]`` of the cost ``C = Σ_i u_i ℓ_i`` whose gradient variances are
    :attr:`ExactVariance.cost` (Arrasmith et al. 2022 relate the two).

    ``cost`` says which cost: ``u_i = y_i/N`` for a linear loss with labels, else ``u_i = 1/N``
    (the mean model output).  ``method`` is the engine's; a truncated value has a rigorous
    ``error_bound``, a path-sampled one its interval ``ci_low``/``ci_high``.
    """

    value: float
    mean: float
    method: str
    cost: str
    error_bound: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    seconds: float = 0.0

    def describe(self, digits: int = 3) -> str:
        text = f"{self.value:.{digits}g}"
        if self.method == "truncated" and self.error_bound is not None:
            text += f" ± {self.error_bound:.2g}"
        if self.ci_high is not None:
            text += f" [{self.ci_low:.{digits}g}, {self.ci_high:.{digits}g}]"
        return f"{text} ({self.method})"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"text": self.describe()}


@dataclasses.dataclass(frozen=True)
class LossAnalysis:
    """The loss variance next to the gradient variances (Arrasmith et al. 2022).

    ``variance``: exact ``Var[C]`` (``None`` with ``note`` saying why);
    ``gradient_max`` / ``gradient_sum``: ``max_k`` / ``Σ_k Var[∂_k C]`` over the analysed
    parameters; ``relation``: the check ``max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]`` in words
    (it holds when every parameter is an independent frequency-1 rotation and the cost is linear,
    the theorem's hypotheses; ``holds`` is ``None`` when it was not checked); ``bounds`` /
    ``refused``: the loss-level theorems evaluated once for the model.
    """

    variance: Optional[LossVariance]
    gradient_max: Optional[float]
    gradient_sum: Optional[float]
    relation: str
    holds: Optional[bool]
    bounds: tuple[BoundResult, ...] = ()
    refused: tuple[RefusedBound, ...] = ()
    note: str = ""

    def to_dict(self) -> dict:
        return {"variance": None if self.variance is None else self.variance.to_dict(),
                "gradient_max": self.gradient_max, "gradient_sum": self.gradient_sum, "relation": self.relation,
                "holds": self.holds, "bounds": [b.to_dict() for b in self.bounds],
                "refused": [r.to_dict() for r in self.refused], "note": self.note}


@dataclasses.dataclass(frozen=True)
class ParameterVerdict:
    """One parameter's verdict with its evidence.

    ``label``: ``"zero"`` (proved: outside the light cone, or an exact 0), ``"exponentially
    vanishing"`` / ``"polynomial"`` (from a trusted theorem's n-dependence or the family's
    scaling fit) or ``"not decided"`` (one size decides no scaling); ``size``: the answer at this
    size from the exact variance and a stated shot budget (:func:`bpcalc.bounds.scaling.size_verdict`).
    """

    label: str
    text: str
    evidence: tuple[str, ...]
    size: SizeVerdict

    def to_dict(self) -> dict:
        return {"label": self.label, "text": self.text, "evidence": list(self.evidence), "size": self.size.to_dict()}


@dataclasses.dataclass(frozen=True)
class SampledEstimate:
    """A sampled ``Var`` of one parameter's gradient with its confidence interval (pure data;
    :mod:`bpcalc.verify` computes it and attaches it with :meth:`Analysis.with_samples`).

    ``quantity``: ``'output'`` (mean over data points of ``Var[∂ℓ_i]``), ``'loss'``
    (``Var[∂C]``) or ``'loss=output'`` (no data); ``interval``: how ``ci_low``/``ci_high`` were
    obtained (``'bootstrap'``, ``'chi2'``); ``confidence``: their level; ``n_samples``: the
    parameter draws; ``engine``/``seed``: what drew them.

    Examples
    --------
    >>> SampledEstimate("t", 0.12, 0.1, 0.15, 0.95, 400, "own", 7, "loss", "bootstrap").describe()
    '0.12 [0.1, 0.15] (95% bootstrap CI, 400 draws, own, seed 7)'
    """

    parameter: str
    value: float
    ci_low: float
    ci_high: float
    confidence: float
    n_samples: int
    engine: str
    seed: Optional[int]
    quantity: str
    interval: str = "bootstrap"

    def describe(self, digits: int = 3) -> str:
        return (f"{self.value:.{digits}g} [{self.ci_low:.{digits}g}, {self.ci_high:.{digits}g}] "
                f"({100 * self.confidence:g}% {self.interval} CI, {self.n_samples} draws, {self.engine}, "
                f"seed {self.seed})")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"text": self.describe()}


CHECK_VERDICTS = ("holds", "violated", "inconclusive")
"""Verdicts of a :class:`BoundCheck` (the decision rule is :func:`bpcalc.verify.check.check`'s)."""


@dataclasses.dataclass(frozen=True)
class BoundCheck:
    """One bound (or exact value) confronted with a sampled estimate (pure data; computed by
    :func:`bpcalc.verify.check.check`, attached with :meth:`Analysis.with_samples`).

    ``bound``: ``'theorem[bound]'`` or ``'exact (method)'``; ``kind``: ``'upper'``, ``'lower'`` or
    ``'exact'``; ``verdict``: one of :data:`CHECK_VERDICTS`; ``statistic``: the comparison in
    words (estimate, interval and level against the bound's value); ``compared``: which sampled
    quantity against which bound; ``bound_log10`` / ``ratio_log10``: ``log10`` of the bound and of
    estimate / bound (``None`` when not finite).
    """

    parameter: str
    bound: str
    kind: str
    verdict: str
    statistic: str
    compared: str
    bound_log10: Optional[float] = None
    ratio_log10: Optional[float] = None

    def __post_init__(self) -> None:
        if self.verdict not in CHECK_VERDICTS:
            raise ValueError(f"BoundCheck verdict must be one of {CHECK_VERDICTS}, got {self.verdict!r}")

    def describe(self) -> str:
        return f"{self.verdict}: {self.bound} ({self.kind}): {self.statistic}"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ParameterAnalysis:
    """Everything known about one parameter's gradient: its light cone (``structure``), the
    applicable bounds with values, the refused ones with the failed assumption, the exact value
    (method, interval or error bound, upper limit when below resolution) and the verdict; once
    :mod:`bpcalc.verify` attached them, the ``sampled`` estimate and the bound ``checks``
    (:meth:`Analysis.with_samples`); with a family, its own ``scaling`` fit
    (:meth:`Analysis.with_family`).  ``group`` / ``gates``: its block, layer or moment and the gates
    that use it (filled by whoever knows the circuit's layout); ``note``: why a value is missing."""

    parameter: str
    structure: ParameterStructure
    applicable: tuple[BoundResult, ...]
    refused: tuple[RefusedBound, ...]
    exact: Optional[ExactVariance]
    exact_note: str = ""
    verdict: Optional[ParameterVerdict] = None
    sampled: Optional[SampledEstimate] = None
    checks: tuple[BoundCheck, ...] = ()
    scaling: Optional[ScalingFit] = None
    group: str = ""
    gates: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict:
        return {
            "parameter": self.parameter,
            "group": self.group,
            "gates": list(self.gates),
            "structure": self.structure.to_dict(),
            "applicable": [r.to_dict() for r in self.applicable],
            "refused": [r.to_dict() for r in self.refused],
            "exact": None if self.exact is None else self.exact.to_dict(),
            "exact_note": self.exact_note,
            "sampled": None if self.sampled is None else self.sampled.to_dict(),
            "checks": [c.to_dict() for c in self.checks],
            "scaling": None if self.scaling is None else self.scaling.to_dict(),
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "note": self.note,
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
    """Result of :func:`analyze`: the one typed report of a model (JSON-able via :meth:`to_dict`).

    ``parameters``: per parameter (:class:`ParameterAnalysis`); ``loss_variance``: the loss
    variance next to the gradient variances (:class:`LossAnalysis`); ``ensemble``: bounds on the
    data ensemble; ``verdict``: the scaling verdict from the theorems (one size decides no
    scaling; the per-parameter answer at this size is in each ``ParameterAnalysis.verdict``).
    ``str()`` is the terminal rendering; Jupyter shows :meth:`_repr_markdown_` /
    :meth:`_repr_html_` / :meth:`_repr_latex_` (:mod:`bpcalc.bounds.rendering`).
    """

    model: str
    n_qubits: int
    loss: str
    measures: Measures
    parameters: tuple[ParameterAnalysis, ...]
    ensemble: tuple[BoundResult, ...]
    ensemble_refused: tuple[RefusedBound, ...]
    verdict: Verdict
    seconds: float
    loss_variance: Optional[LossAnalysis] = None
    shot_budget: float = DEFAULT_SHOT_BUDGET
    timings: Mapping[str, float] = dataclasses.field(default_factory=dict)
    family: Optional[FamilyScan] = None
    observable_norm: float = 1.0
    theorems: bool = True  # False: no theorem was evaluated (light cones, exact values and Var[C] only)

    def __str__(self) -> str:
        from .rendering import analysis_text

        return analysis_text(self)

    def _repr_markdown_(self) -> str:
        from .rendering import analysis_markdown

        return analysis_markdown(self)

    def _repr_html_(self) -> str:
        from .rendering import analysis_html

        return analysis_html(self)

    def _repr_latex_(self) -> str:
        from .rendering import analysis_latex

        return analysis_latex(self)

    def parameter(self, name: str | sympy.Symbol) -> ParameterAnalysis:
        for p in self.parameters:
            if p.parameter == str(name):
                return p
        raise ValueError(f"parameter {name!s} was not analysed")

    def with_samples(self, sampled: Mapping[str, SampledEstimate],
                     checks: Iterable[BoundCheck] = ()) -> "Analysis":
        """A NEW :class:`Analysis` whose parameters carry ``sampled[name]`` and their ``checks``
        (matched by parameter name); this one is unchanged.  The sampled estimate joins each
        parameter's verdict evidence (after the exact value).

        Raises
        ------
        TypeError : a value that is not a :class:`SampledEstimate` / :class:`BoundCheck`.
        ValueError : a name that is not an analysed parameter.
        """
        names = {p.parameter for p in self.parameters}
        by_param: dict[str, list[BoundCheck]] = {}
        for c in checks:
            if not isinstance(c, BoundCheck):
                raise TypeError(f"with_samples: checks must be BoundCheck objects, got {type(c).__name__}")
            by_param.setdefault(c.parameter, []).append(c)
        for k, v in sampled.items():
            if not isinstance(v, SampledEstimate):
                raise TypeError(f"with_samples: sampled[{k!r}] must be a SampledEstimate, got {type(v).__name__}")
        unknown = sorted((set(sampled) | set(by_param)) - names)
        if unknown:
            raise ValueError(f"with_samples: {unknown[:6]} are not analysed parameters (known: {sorted(names)[:6]}…)")
        out = []
        for p in self.parameters:
            est = sampled.get(p.parameter, p.sampled)
            verdict = p.verdict
            if est is not None and verdict is not None and est is not p.sampled:
                line = (f"sampled Var = {est.value:.4g} [{est.ci_low:.3g}, {est.ci_high:.3g}] "
                        f"({est.n_samples} draws, {est.engine}, seed {est.seed})")
                ev = list(verdict.evidence)
                ev.insert(1 if p.exact is not None else 0, line)
                verdict = dataclasses.replace(verdict, evidence=tuple(ev))
            out.append(dataclasses.replace(p, sampled=est, verdict=verdict,
                                           checks=p.checks + tuple(by_param.get(p.parameter, ()))))
        return dataclasses.replace(self, parameters=tuple(out))

    def with_family(self, scan: FamilyScan) -> "Analysis":
        """A NEW :class:`Analysis` with the family ``scan`` (:func:`bpcalc.bounds.family.scan_family`):
        each parameter gets its own fit (matched by name) and its verdict from the one rule
        (:func:`parameter_verdict` with ``scaling``); the model's verdict becomes the fit of the
        largest per-parameter variance."""
        if not isinstance(scan, FamilyScan):
            raise TypeError(f"with_family needs a bpcalc.bounds.family.FamilyScan, got {type(scan).__name__}")
        params = []
        for p in self.parameters:
            fit = scan.fits.get(p.parameter)
            verdict = parameter_verdict(p.structure.in_cone, p.applicable, p.refused, p.exact, self.n_qubits,
                                        scaling=fit, shot_budget=self.shot_budget,
                                        observable_norm=self.observable_norm)
            if p.sampled is not None:  # keep the sampled evidence
                line = next((e for e in (p.verdict.evidence if p.verdict else ()) if e.startswith("sampled Var")), None)
                if line is not None:
                    ev = list(verdict.evidence)
                    ev.insert(1 if p.exact is not None else 0, line)
                    verdict = dataclasses.replace(verdict, evidence=tuple(ev))
            params.append(dataclasses.replace(p, scaling=fit, verdict=verdict))
        return dataclasses.replace(self, parameters=tuple(params), family=scan, verdict=_family_verdict(scan))

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
            "loss_variance": None if self.loss_variance is None else self.loss_variance.to_dict(),
            "shot_budget": self.shot_budget,
            "seconds": self.seconds,
            "timings": dict(self.timings),
            "family": None if self.family is None else self.family.to_dict(),
            "observable_norm": self.observable_norm,
            "theorems": self.theorems,
        }


# ----------------------------------------------------------------------------- exact hook


def _cost_weights(model: Model) -> Optional[np.ndarray]:
    """``u_i = y_i/N`` for a linear loss with labels, else ``None`` (the engines' ``1/N``)."""
    if model.loss == "linear" and model.dataset is not None:
        y = np.asarray(model.dataset.y, dtype=float)
        return y / len(y)
    return None


def _cost_name(model: Model) -> str:
    if _cost_weights(model) is not None:
        return "linear loss C = Σ_i (y_i/N) ℓ_i"
    if model.dataset is not None:
        return "mean model output C = (1/N) Σ_i ℓ_i"
    return "cost C = Tr[O U ρ U†]"


SHARED_STATE_VECTOR_QUBITS = 14
"""Largest ``n`` at which an analysis simulates entangled data states once as state vectors (the
measures need them); above it the exact engines propagate Pauli strings through the embedding."""


def input_states(model: Model, memory_limit=None):
    """The exact engines' input states of ``model``, computed once per analysis and handed on:
    the embedded data states or ``None`` (``|0…0⟩``, no embedding).  Product states when the
    embedding has no entangling gates; state vectors (:func:`bpcalc.bounds.exact.dataset_states`,
    shared with the measures, which need them anyway) up to :data:`SHARED_STATE_VECTOR_QUBITS`
    qubits; beyond that no state vector at all (:func:`bpcalc.bounds.exact.embedded_states`).

    Raises
    ------
    ValueError : an embedding with data symbols but no dataset.
    """
    from .exact import dataset_states, embedded_states

    ops = list(model.embedding.all_operations())
    if not ops:
        return None
    x = None if model.dataset is None else model.dataset.x
    if x is None:
        if model.data_symbols:
            raise ValueError("the model's embedding has data symbols but no dataset")
        x = np.zeros((1, 0))   # a fixed, data-free embedding: the one input state U|0…0⟩
    budget = {} if memory_limit is None else {"memory_limit": memory_limit}
    if any(len(op.qubits) > 1 for op in ops) and model.n_qubits > SHARED_STATE_VECTOR_QUBITS:
        return embedded_states(model.embedding, x, tuple(model.qubits), None, **budget)
    return dataset_states(model, x, **budget)


def exact_variances(model: Model, parameters: Sequence[sympy.Symbol], exponent_symbols: str = "angle",
                    memory_limit=None, init=None, noise=None, *, states: Any = "compute") -> tuple[dict, str]:
    """Exact per-parameter variances from :mod:`bpcalc.bounds.exact` (``({}, why)`` if unavailable).

    ``exponent_symbols``: convention for symbols in exponents (``X**t``), see
    :data:`bpcalc.bounds.exact.EXPONENT_CONVENTIONS`.  ``init`` / ``noise``: initialization
    distribution and noise model of the engine (``None``: uniform, noiseless).  ``states``: the
    input states from :func:`input_states` (default: computed here).  Data re-uploading models
    (``model.reuploading``) go to :func:`bpcalc.bounds.exact.exact_reuploading_gradient_variance`
    (one propagation per data point, the linear loss with a data register).

    Returns ``{symbol name: ExactVariance}`` and a note.  The engine's own refusals
    (:class:`~bpcalc.bounds.bound.AssumptionFailed`, e.g. gates that are not Pauli rotations, and
    :class:`~bpcalc.bounds.memory.MemoryBudgetExceeded`) become the note; anything else raises.
    """
    from . import exact as engines

    weights = _cost_weights(model)
    start = time.perf_counter()
    try:
        # the budget reaches the engine only when given (engines without one use the default)
        budget = {} if memory_limit is None else {"memory_limit": memory_limit}
        if init is not None:
            budget["init"] = init
        if noise is not None:
            budget["noise"] = noise
        if getattr(model, "reuploading", False):
            if model.dataset is None:
                return {}, "exact engine: a data re-uploading model needs a dataset"
            res = engines.exact_reuploading_gradient_variance(
                model.circuit, model.observable, model.dataset.x, list(parameters), weights=weights,
                data_symbols=model.data_symbols, qubits=tuple(model.qubits), linear_loss=weights is not None,
                exponent_symbols=exponent_symbols, **budget)
        else:
            given = {} if isinstance(states, str) or states is None else {"states": states}
            res = engines.exact_model_gradient_variance(model, list(parameters), weights=weights,
                                                        exponent_symbols=exponent_symbols, **given, **budget)
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
            error_bound=None if res.error_bound is None else float(np.atleast_1d(res.error_bound)[k]),
            cost=float(res.values[k]),
        )
    tied = res.details.get("tied_parameters") or {}
    joint = ("; averaged jointly over their own period (symbols driving several rotations: crz, CZ**t, FSim, "
             "shared symbols): " + ", ".join(f"{k} ~ U[0, {v['period']:.6g})" for k, v in tied.items())) if tied else ""
    return out, f"bpcalc.bounds.exact ({res.method}){joint}"


def model_loss_variance(model: Model, exponent_symbols: str = "angle", memory_limit=None, *,
                        states: Any = "compute", init=None, noise=None) -> tuple[Optional[LossVariance], str]:
    """Exact ``Var_θ[C]`` of the cost whose gradient variances :func:`exact_variances` gives
    (same weights, same input ``states``), with a note; ``(None, why)`` when the engine refuses.

    Examples
    --------
    >>> from bpcalc import circuits
    >>> m = circuits.Model(ansatz=circuits.hardware_efficient(3, 1), observable=circuits.global_cost(
    ...     sorted(circuits.hardware_efficient(3, 1).all_qubits())))
    >>> v, note = model_loss_variance(m)
    >>> v.method, v.value > 0
    ('exact', True)
    """
    from .exact import exact_loss_variance as engine

    start = time.perf_counter()
    try:
        budget = {} if memory_limit is None else {"memory_limit": memory_limit}
        if init is not None:
            budget["init"] = init
        if noise is not None:
            budget["noise"] = noise
        if isinstance(states, str):
            states = input_states(model, memory_limit)
        res = engine(model.ansatz, model.observable, states, weights=_cost_weights(model),
                     qubits=tuple(model.qubits), exponent_symbols=exponent_symbols, **budget)
    except (AssumptionFailed, MemoryBudgetExceeded) as exc:
        return None, f"exact engine refused the loss variance: {exc}"
    return LossVariance(
        value=float(res.value), mean=float(res.mean), method=str(res.method), cost=_cost_name(model),
        error_bound=None if res.error_bound is None or res.method != "truncated" else float(res.error_bound),
        ci_low=None if res.ci_low is None else float(res.ci_low),
        ci_high=None if res.ci_high is None else float(res.ci_high),
        seconds=time.perf_counter() - start,
    ), f"bpcalc.bounds.exact ({res.method})"


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
                asymptotics=_classify(t, v.name, context), scope=t.scope, quantity=b.quantity,
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
    loss_variance: bool = True,
    shot_budget: float = DEFAULT_SHOT_BUDGET,
    init=None,
    noise=None,
    family: Optional[Callable[[int], Any]] = None,
    qubits: Sequence[int] = (),
    theorems: bool = True,
) -> Analysis:
    """Applicable bounds with numbers, refused bounds with reasons, exact values, verdicts.

    The model's data states are computed once (:func:`input_states`) and handed to the exact
    engines and to the measures; model-level results the theorems need for every parameter are
    kept for the whole analysis (:meth:`bpcalc.bounds.registry.Context.memoized`).

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
    memory_limit : memory budget of the exact engines (bytes or ``'4GiB'``).
    loss_variance : with ``exact``, also compute ``Var[C]`` next to the gradient variances
        (:class:`LossAnalysis`, Arrasmith et al. 2022).
    shot_budget : shots per parameter-shift term that the per-parameter answer at this size
        accepts (:func:`bpcalc.bounds.scaling.size_verdict`).
    init, noise : initialization distribution (``'gaussian:0.1'``, ``'uniform:A'``, see
        :mod:`bpcalc.bounds.exact.initialization`) and noise (a ``cirq.NoiseModel`` or a
        channel gate) of the exact values.  The theorems are stated for uniform, noiseless
        circuits with the embedding first, so with either (or a data re-uploading model) they
        are refused, each with that reason (the exact values remain).
    family, qubits : the same architecture at other sizes, ``n -> PreparedModel``
        (:func:`bpcalc.bounds.from_files.prepare_model`), scanned with the exact engines at
        ``qubits`` (:func:`bpcalc.bounds.family.scan_family`): the scaling verdict of the
        model (the fit of the largest variance) and of every parameter (its own fit, matched by
        name) then rests on that fit.
    theorems : ``False`` evaluates no theorem and skips the state-based measures (dataset
        expressibility): light cones, exact gradient variances and the loss variance only.

    Raises
    ------
    TypeError : ``model`` is not a Model.
    ValueError : unknown parameter names.

    References
    ----------
    .. [1] A. Arrasmith, Z. Holmes, M. Cerezo, P. J. Coles, "Equivalence of quantum barren
       plateaus to cost concentration and narrow gorges", Quantum Sci. Technol. 7, 045015 (2022),
       arXiv:2104.05868.
    """
    if not isinstance(model, Model):
        raise TypeError(f"analyze needs a circuits.Model, got {type(model).__name__}")
    if not shot_budget > 0:
        raise ValueError(f"shot_budget must be positive, got {shot_budget!r}")
    start = time.perf_counter()
    timings: dict[str, float] = {}
    registry = registry if registry is not None else default_registry()
    if not theorems:
        registry, ensemble = Registry(()), False
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
    uniform = init is None or (isinstance(init, str) and init.strip().lower() == "uniform")
    reuploading = bool(getattr(model, "reuploading", False))
    out_of_scope = ("data re-uploading: the theorems are stated for the model V(θ)U(x) (embedding first)"
                    if reuploading else
                    "non-uniform initialization: the theorems assume θ uniform on [0, 2π)" if not uniform else
                    "noise: the theorems are stated for noiseless circuits" if noise is not None else "")
    t = time.perf_counter()
    states: Any = "compute"
    if exact and not reuploading:
        try:  # once per analysis: the exact engines and the measures share them
            states = input_states(model, memory_limit)
        except (ValueError, MemoryBudgetExceeded):
            states = "compute"  # the engines say why (their own refusal travels into the note)
    vectors = getattr(states, "vectors", None)
    timings["data states"] = time.perf_counter() - t
    t = time.perf_counter()
    if measures is None and not theorems:  # structure only: the state-based measures serve the theorems
        m = dataclasses.replace(compute_measures(model, rng=rng, ensemble=False, max_qubits=-1), notes=(
            ("dataset expressibility is computed with the theorems (drop --no-theorems)",)
            if model.dataset is not None else ()))
    else:
        m = measures if measures is not None else compute_measures(
            model, rng=rng, ensemble=ensemble, **({} if vectors is None else {"states": np.asarray(vectors)}))
    timings["measures"] = time.perf_counter() - t
    t = time.perf_counter()
    exact_map, exact_note = (exact_variances(model, wanted, exponent_symbols, memory_limit, init=init, noise=noise,
                                             states=states) if exact else ({}, "exact variances not requested"))
    loss_var, loss_note = (None, "exact variances not requested")
    if exact and loss_variance and reuploading:
        loss_note = "the loss variance of a data re-uploading model is not computed (per-datapoint propagation only)"
    elif exact and loss_variance:
        loss_var, loss_note = model_loss_variance(model, exponent_symbols, memory_limit, states=states,
                                                  init=init, noise=noise)
    timings["exact"] = time.perf_counter() - t
    t = time.perf_counter()
    # the theorems' checks multiply many small matrices (2^n ≤ 128): threaded BLAS only adds
    # synchronisation, and on a loaded machine its spinning threads cost 5-10x in wall time
    with threadpool_limits(limits=THEOREM_BLAS_THREADS, user_api="blas"):
        results, ens_app, ens_ref, loss_section = _theorems(
            model, wanted, registry, declared, values, m, exact_map, exact_note, loss_var, loss_note, exact,
            shot_budget, out_of_scope, uniform, noise=noise if (uniform and not reuploading) else None)
    timings["theorems"] = time.perf_counter() - t
    verdict = _verdict(results, m, ens_app)
    scan = None
    if family is not None:
        if len(qubits) < 1:
            raise ValueError("a family needs the sizes to scan (qubits=[4, 6, 8, 10])")
        t = time.perf_counter()
        scan = scan_family(family, qubits, name=model.name or "family")
        timings["family"] = time.perf_counter() - t
    a = Analysis(
        model=model.name or "model",
        n_qubits=model.n_qubits,
        loss=model.loss,
        measures=m,
        parameters=tuple(results),
        ensemble=tuple(ens_app),
        ensemble_refused=tuple(ens_ref),
        verdict=verdict,
        seconds=time.perf_counter() - start,
        loss_variance=loss_section,
        shot_budget=float(shot_budget),
        timings={k: round(v, 4) for k, v in timings.items()},
        observable_norm=_observable_norm(model),
        theorems=theorems,
    )
    return a if scan is None else a.with_family(scan)


def _family_verdict(scan: FamilyScan) -> Verdict:
    """The model's verdict from a family scan: the one fit of the largest per-parameter variance."""
    fit = scan.verdict
    label = {"exponential": "exponentially vanishing", "undecided": "not decided"}.get(fit.label, fit.label)
    text = fit.text
    if fit.label == "exponential":
        text = "exponentially vanishing:" + text[len("exponential:"):]
    elif fit.label == "undecided":
        text = "not decided" + text[len("undecided"):]
    return Verdict(label, text, (f"family {scan.family} over n = {list(scan.qubits)}: the largest per-parameter "
                                 "variance at each n", fit.describe()),
                   base=fit.base if fit.label == "exponential" else None,
                   degree=fit.degree if fit.label == "polynomial" else None)


def _theorems(model, wanted, registry, declared, values, m, exact_map, exact_note, loss_var, loss_note, exact,
              shot_budget, out_of_scope="", uniform=True, noise=None):
    """Per-parameter, ensemble and loss-level theorems on one memo (see :func:`analyze`);
    ``out_of_scope``: why every theorem is refused (noise, non-uniform init, re-uploading).  With
    ``noise`` a single-qubit channel gate (uniform init, no re-uploading) the theorems about noisy
    circuits (tag ``"noise"``) are evaluated with ``extra["noise"]``; the others are refused."""
    noise_channel = noise if isinstance(noise, cirq.Gate) else None
    kept = {k for k, t_ in registry.items() if "noise" in t_.tags} if noise_channel is not None else set()
    per_theorems = [t_ for t_ in registry.values() if t_.scope in ("parameter", "loss")]
    ens_theorems = [t_ for t_ in registry.values() if t_.scope == "ensemble"]
    loss_theorems = [t_ for t_ in registry.values() if t_.scope == "loss"]
    refused_all: tuple = ()
    ens_refused_all: list = []
    if out_of_scope:
        refused_all = tuple(RefusedBound(t_.key, "*", out_of_scope) for t_ in per_theorems if t_.key not in kept)
        ens_refused_all = [RefusedBound(t_.key, "*", out_of_scope) for t_ in ens_theorems if t_.key not in kept]
        per_theorems, ens_theorems, loss_theorems = ([t_ for t_ in ts if t_.key in kept]
                                                     for ts in (per_theorems, ens_theorems, loss_theorems))
    noise_extra = {"noise": noise_channel} if kept else {}
    declared = frozenset(declared)
    base_values = dict(values or {})
    memo: dict = {}
    shared: dict[str, Any] = dict(noise_extra)
    # Arrasmith et al.'s theorems take exact numbers only (a sampled or truncated value is no input of a bound)
    if (exact_map and len(exact_map) == len(model.trainable_symbols)
            and all(v.method == "exact" and v.cost is not None for v in exact_map.values())):
        shared["gradient_variances"] = {k: v.cost for k, v in exact_map.items()}
    if loss_var is not None and loss_var.method == "exact":
        shared["loss_variance"] = loss_var.value
    observable_norm = _observable_norm(model)
    results = []
    for sym in wanted:
        # the loss-level numbers (Var[C], every Var[∂_k C]) go to the model-level loss section only: bounds
        # on Var[C] or Var[C(θ) − C(θ')] are no bounds on one parameter's gradient variance
        extra: dict[str, Any] = dict(noise_extra)
        ev = exact_map.get(sym.name)
        if ev is not None and uniform:  # E[∂ℓ_i] = 0 only for the uniform initialization
            extra["per_datapoint"] = {"var_dl": list(ev.per_state), "mean_dl": [0.0] * len(ev.per_state)}
        ctx = Context(model=model, parameter=sym, values=base_values, measures=m, declared=declared, extra=extra,
                      memo=memo)
        applicable, refused = _evaluate(per_theorems, ctx)
        refused = list(refused_all) + list(refused)
        structure = m.parameter(sym)
        results.append(ParameterAnalysis(
            parameter=sym.name, structure=structure, applicable=tuple(applicable), refused=tuple(refused),
            exact=ev, exact_note=exact_note if ev is None else f"from {exact_note}",
            verdict=parameter_verdict(structure.in_cone, applicable, refused, ev, model.n_qubits,
                                      shot_budget=shot_budget, observable_norm=observable_norm),
        ))
    first = wanted[0] if wanted else None
    ctx = Context(model=model, parameter=first, values=base_values, measures=m, declared=declared, memo=memo,
                  extra=noise_extra)
    ens_app, ens_ref = _evaluate(ens_theorems, ctx)
    ens_ref = ens_refused_all + list(ens_ref)
    loss_section = None
    if exact:
        model_ctx = Context(model=model, parameter=None, values=base_values, measures=m, declared=declared,
                            extra=shared, memo=memo)
        loss_section = _loss_analysis(loss_var, loss_note, exact_map, loss_theorems, model_ctx)
    return results, ens_app, ens_ref, loss_section


def _observable_norm(model: Model) -> float:
    """``Σ |c_P|`` over the observable's non-identity Pauli terms: an upper bound on the spread
    of single-shot outcomes that sets the shots of :func:`bpcalc.bounds.scaling.shots_to_resolve`."""
    total = float(sum(abs(complex(t.coefficient)) for t in model.observable if t.qubits))
    return total if total > 0 else 1.0


def _loss_analysis(variance: Optional[LossVariance], note: str, exact_map: Mapping[str, ExactVariance],
                   theorems: Sequence[Theorem], ctx: Context) -> LossAnalysis:
    costs = [e.cost for e in exact_map.values() if e.cost is not None]
    exact_costs = bool(costs) and all(e.method in ("exact", "truncated") for e in exact_map.values())
    g_max = max(costs) if costs else None
    g_sum = float(sum(costs)) if costs else None
    applicable, refused = _evaluate(theorems, ctx) if theorems else ([], [])
    hypotheses = any(r.theorem == "arrasmith2022.loss_concentration" for r in applicable)
    checked = any(t.key == "arrasmith2022.loss_concentration" for t in theorems)
    complete = len(exact_map) == len(ctx.model.trainable_symbols)
    if variance is None or not costs:
        relation, holds = "not checked: " + (note if variance is None else "no exact gradient variances"), None
    elif not (exact_costs and variance.method in ("exact", "truncated")):
        relation, holds = "not checked: path-sampled values (the relation is checked on exact values only)", None
    else:
        tol = 1e-9 * max(abs(variance.value), g_sum, 1e-300) + (variance.error_bound or 0.0) + sum(
            e.error_bound or 0.0 for e in exact_map.values())
        holds = (g_max <= variance.value + tol) and (not complete or variance.value <= g_sum + tol)
        upper = f" ≤ Σ_k Var[∂_k C] = {g_sum:.4g}" if complete else " (Σ_k over a subset of the parameters: not compared)"
        relation = f"max_k Var[∂_k C] = {g_max:.4g} ≤ Var[C] = {variance.value:.4g}{upper}"
        if not checked:
            relation += " (arrasmith2022.loss_concentration was not selected: its hypotheses were not checked)"
        elif not hypotheses:
            relation += " — Arrasmith et al.'s hypotheses do not all hold here, so the relation is not guaranteed"
        if holds:
            relation = "holds: " + relation
        elif hypotheses:
            relation = "VIOLATED although the hypotheses hold (a bug; please report): " + relation
        else:
            relation = "does not hold: " + relation
    return LossAnalysis(variance, g_max, g_sum, relation, holds, tuple(applicable), tuple(refused),
                        "" if variance is not None else note)


def parameter_verdict(
    in_cone: bool,
    applicable: Sequence[BoundResult],
    refused: Sequence[RefusedBound],
    exact: Optional[ExactVariance],
    n: int,
    *,
    scaling: Any = None,
    shot_budget: float = DEFAULT_SHOT_BUDGET,
    observable_norm: float = 1.0,
) -> ParameterVerdict:
    """The verdict of one parameter with its evidence (the one per-parameter rule).

    In order: outside the light cone or an exact 0 → ``"zero"`` (proved); a family's scaling fit
    (``scaling``: a :class:`bpcalc.bounds.scaling.ScalingFit`) that decided → its label; a trusted
    (verified or corrected) upper/exact bound whose n-dependence is exponentially vanishing →
    ``"exponentially vanishing"``; a non-vacuous lower/exact bound with polynomial n-dependence →
    ``"polynomial"``; else ``"not decided"`` (one size decides no scaling).  ``size`` answers at
    this size from the exact variance (:func:`bpcalc.bounds.scaling.size_verdict`).
    """
    evidence: list[str] = []
    if exact is not None:
        interval = (f" [{exact.ci_low:.3g}, {exact.ci_high:.3g}]" if exact.ci_high is not None
                    else " (sampled, no interval of its own)" if exact.sampled else "")
        evidence.append(f"exact Var = {exact.value:.4g}{interval} at n = {n} ({exact.method})")
    proved_zero = (not in_cone) or (exact is not None and exact.value == 0 and exact.method == "exact")
    size = size_verdict(None if exact is None else exact.value, upper_limit=None if exact is None else exact.upper_limit,
                        proved_zero=proved_zero, observable_norm=observable_norm, shot_budget=shot_budget)
    if not in_cone:
        return ParameterVerdict("zero", "zero: outside the observable's light cone, ∂C/∂θ ≡ 0",
                                tuple(evidence + ["no gate of this parameter is in the observable's backward light cone"]),
                                size)
    if proved_zero:
        return ParameterVerdict("zero", "zero: the exact variance is 0 (the gradient vanishes identically)",
                                tuple(evidence), size)
    if scaling is not None:
        label = {"exponential": "exponentially vanishing", "undecided": "not decided"}.get(scaling.label, scaling.label)
        if label in ("exponentially vanishing", "polynomial", "zero"):
            more = list(getattr(scaling, "evidence", ())[:1]) or [scaling.describe()]
            return ParameterVerdict(label, scaling.text, tuple(evidence + [scaling.text] + more), size)
    trusted = [r for r in applicable if r.status in ("verified", "corrected")]
    vanishing = [r for r in trusted if r.kind in ("upper", "exact") and r.asymptotics is not None
                 and r.asymptotics.exponentially_vanishing]
    if vanishing:
        best = max(vanishing, key=lambda r: r.asymptotics.base or 0.0)
        a = best.asymptotics
        return ParameterVerdict(
            "exponentially vanishing", f"exponentially vanishing with base {a.base:.4g} ({best.theorem})",
            tuple(evidence + [f"{best.theorem} [{best.bound}] = {best.value} ({best.citation}): {a.describe()}"]), size)
    poly = [r for r in trusted if r.kind in ("lower", "exact") and not r.value.vacuous
            and r.asymptotics is not None and r.asymptotics.kind == "polynomial"]
    if poly:
        a = poly[0].asymptotics
        return ParameterVerdict("polynomial", f"polynomial ({poly[0].theorem}: {a.describe()})",
                                tuple(evidence + [f"{poly[0].theorem} [{poly[0].bound}] = {poly[0].value}"]), size)
    why = []
    if applicable:
        why.append(f"{len(applicable)} bound(s) apply at n = {n}, none fixes the n-dependence")
        evidence += [f"{r.theorem} [{r.bound}] ({r.kind}) = {r.value} ({r.status})" for r in applicable[:3]]
    elif refused:
        why.append(f"no theorem applies ({len(refused)} bounds refused)")
        evidence += [f"refused {r.theorem} [{r.bound}]: {r.reason}" for r in refused[:2]]
    else:
        why.append("no theorem applies")
    if scaling is not None:
        why.append(f"family fit: {scaling.text}")
    else:
        why.append(f"single size n = {n}, no scaling claimed (use --family)")
    return ParameterVerdict("not decided", "not decided: " + "; ".join(why), tuple(evidence + [size.text]), size)


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


