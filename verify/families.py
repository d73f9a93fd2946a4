"""``analyze --family``: per-parameter variances of a family at several ``n`` and their fits.

The exact values and the one scaling fit come from :func:`bpcalc.bounds.family.scan_family`;
this module adds sampled estimates at the sizes the exact engine refuses and the report
labels (:func:`bpcalc.verify.fits.labelled`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional, Sequence

from bpcalc import circuits
from bpcalc.bounds.analysis import SampledEstimate
from bpcalc.bounds.family import FamilyScan, scan_family
from bpcalc.bounds.from_files import PreparedModel, prepare_model

from .architectures import BUILTIN_ARCHITECTURES, Architecture, parse_qubits, resolve_architecture
from .fits import ScalingFit, labelled

__all__ = ["FamilyScaling", "family_scaling", "family_model", "sampled_estimates", "draw_estimates", "as_sampled",
           "family_summary"]


def draw_estimates(model: circuits.Model, n_samples: int, seed: int, engine: str, parameters: Any = "all") -> list:
    """The :class:`bpcalc.verify.stats.VarianceEstimate` s of ``n_samples`` parameter draws
    (:func:`bpcalc.verify.sampling.sample_gradient_variance`): the mean over data points of
    ``Var[∂ℓ_i]`` with data (quantity ``'output'``), ``Var[∂C]`` without."""
    from .sampling import sample_gradient_variance  # noqa: PLC0415  (issue 5)

    quantity = "output" if model.dataset is not None else "loss"
    return list(sample_gradient_variance(model, parameters, n_samples, engine=engine, seed=seed, quantity=quantity))


def as_sampled(estimate: Any) -> SampledEstimate:
    """The report's :class:`bpcalc.bounds.analysis.SampledEstimate` of a ``VarianceEstimate``."""
    e = estimate
    return SampledEstimate(parameter=str(e.parameter), value=float(e.value), ci_low=float(e.ci_low),
                           ci_high=float(e.ci_high), confidence=float(e.confidence), n_samples=int(e.n_samples),
                           engine=str(e.engine), seed=e.seed, quantity=str(e.quantity), interval=str(e.interval))


def sampled_estimates(model: circuits.Model, n_samples: int, seed: int, engine: str,
                      parameters: Any = "all") -> dict[str, SampledEstimate]:
    """``{parameter: SampledEstimate}`` (value, interval, confidence, draws, engine, seed, quantity,
    interval method) from ``n_samples`` parameter draws (:func:`draw_estimates`)."""
    return {e.parameter: as_sampled(e) for e in draw_estimates(model, n_samples, seed, engine, parameters)}


@dataclasses.dataclass(frozen=True)
class FamilyScaling:
    """Per-parameter variances of a family at several ``n``, and the fits.

    Attributes
    ----------
    family : the family (``module:function`` or a built-in name).
    observable : the observable spec used at every ``n``.
    qubits : the sizes.
    rows : per ``n``: ``n``, ``n_parameters``, ``max`` (and ``argmax``), ``median``, ``method``,
        ``seconds``, ``note``.
    values : ``{parameter name: (Var at each n, None where absent)}``.
    fits : ``{"max": …, "median": …, <parameter name>: …}`` (:class:`ScalingFit`); parameters
        present at >= 3 sizes are fitted individually.
    verdict : the fit of the largest per-parameter variance (the best-trainable parameter):
        if even it vanishes exponentially, every parameter does.
    scan : the typed scan of :func:`bpcalc.bounds.family.scan_family` these labels come from (what
        :meth:`bpcalc.bounds.analysis.Analysis.with_family` puts on the typed report).
    """

    family: str
    observable: str
    qubits: tuple[int, ...]
    rows: tuple[dict, ...]
    values: Mapping[str, tuple[Optional[float], ...]]
    fits: Mapping[str, ScalingFit]
    verdict: ScalingFit
    summary: str
    scan: Optional[FamilyScan] = dataclasses.field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"family": self.family, "observable": self.observable, "qubits": list(self.qubits),
                "rows": list(self.rows), "values": {k: list(v) for k, v in self.values.items()},
                "fits": {k: v.to_dict() for k, v in self.fits.items()}, "verdict": self.verdict.to_dict(),
                "summary": self.summary}


def family_model(family: str | Architecture, n: int, observable: str, kwargs: Mapping[str, Any]) -> PreparedModel:
    layers = kwargs.get("embedding_layers")
    if layers is not None and callable(getattr(layers, "at", None)):  # 'n' / 'log': resolved at each n
        kwargs = dict(kwargs, embedding_layers=int(layers.at(n)))
    if isinstance(family, Architecture) or (isinstance(family, str) and family.lower() in BUILTIN_ARCHITECTURES):
        arch = resolve_architecture(family)
        return prepare_model(arch.circuit(n), observable, name=f"{arch.name}(n={n})", **kwargs)
    return prepare_model(family, observable, factory_kwargs={"n": n}, **kwargs)


def family_scaling(
    family: str | Architecture,
    qubits: str | Sequence[int],
    observable: str = "local",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    max_fits: int = 64,
    sample: Optional[int] = None,
    sample_engine: str = "own",
    **model_kwargs: Any,
) -> FamilyScaling:
    """Per-parameter variances of a family of circuits at several ``n`` and their fits.

    Parameters
    ----------
    family : ``module:function`` / ``file.py:function`` taking ``n``, a built-in name, or an
        :class:`Architecture`.
    qubits : sizes (see :func:`parse_qubits`); >= 3 are needed for a fit.
    observable : the observable spec at every ``n`` (``"local"``, ``"Z0"`` …).
    method, max_terms, n_samples, seed : passed to the exact engine.
    max_fits : fit at most this many individual parameters (in circuit order).
    sample, sample_engine : at sizes whose circuit the exact engine does not accept (e.g.
        controlled rotations), estimate the variances from ``sample`` parameter draws
        (:func:`bpcalc.verify.sampling.sample_gradient_variance`); the fits weight these points by
        their confidence intervals.
    **model_kwargs : :func:`bpcalc.bounds.from_files.prepare_model` options (``trainable``, ``data``,
        ``embedding``, ``dataset`` …).

    Raises
    ------
    ValueError : a size at which the family's circuit is not accepted by the exact engine
        and ``sample`` is not given (the message names the gate), or any input error of
        :func:`prepare_model`.
    """
    ns = parse_qubits(qubits)
    name = family.name if isinstance(family, Architecture) else str(family)

    def sampled(n: int, pm: PreparedModel) -> tuple[list, list, list, str]:
        # verify adds sampled estimates where the exact engine refuses the circuit
        if not sample:
            bad = pm.unsupported("exact")[0]
            raise ValueError(
                f"family {name} at n = {n}: the exact engine does not accept {bad.operation} ({bad.reason}); "
                "pass --sample N to estimate the variances by sampling instead"
            )
        if pm.unsupported("sampling"):
            bad = pm.unsupported("sampling")[0]
            raise ValueError(f"family {name} at n = {n}: neither the exact engine nor the samplers accept "
                             f"{bad.operation} ({bad.reason})")
        est = sampled_estimates(pm.model, int(sample), seed, sample_engine)
        names = list(est)
        return (names, [est[p].value for p in names], [(est[p].ci_low, est[p].ci_high) for p in names],
                f"sampled ({sample} draws, {sample_engine})")

    scan = scan_family(lambda n: family_model(family, n, observable, model_kwargs), ns, name=name, method=method,
                       max_terms=max_terms, n_samples=n_samples, seed=seed, max_fits=max_fits, fallback=sampled)
    fits = {k: labelled(f) for k, f in scan.fits.items()}
    return FamilyScaling(name, str(observable), ns, scan.rows, scan.values, fits, fits["max"], family_summary(scan),
                         scan=dataclasses.replace(scan, observable=str(observable)))


def family_summary(scan: FamilyScan) -> str:
    """The family's verdict in one sentence (from the fit of the largest per-parameter variance,
    in the report's labels)."""
    fits = {k: labelled(f) for k, f in scan.fits.items()}
    name = scan.family
    complete = [k for k in fits if k not in ("max", "median")]
    verdict = fits["max"]
    exp_params = sum(1 for p in complete if fits[p].label == "exponentially vanishing")
    if verdict.label == "exponentially vanishing":
        return (f"even the largest per-parameter variance is {verdict.text}: every parameter of {name} has an "
                f"exponentially vanishing gradient")
    if verdict.label == "polynomial":
        return (f"the largest per-parameter variance is {verdict.text}; {exp_params} of {len(complete)} "
                "individually fitted parameters vanish exponentially")
    return f"{name}: {verdict.text}"
