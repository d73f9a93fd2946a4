"""Families of circuits: exact variances at several ``n`` and the one scaling fit.

What ``bpcalc analyze --family`` and ``bpcalc compare`` compute, with the exact engines only
(:func:`bpcalc.bounds.exact.exact_model_gradient_variance`: enumeration, truncation with a
rigorous error bound, or unbiased path sampling with a confidence interval); the verdict is
:func:`bpcalc.bounds.scaling.fit_scaling`'s.  :mod:`bpcalc.verify` adds sampled estimates
where the exact engines refuse a size (through the ``fallback`` of :func:`scan_family`) and
renders the results.

* :func:`variance_point` — ``Var[∂C/∂θ]`` of one parameter (``'first'``, ``'max'``, ``'mean'``
  or a name) of one model: a :class:`VariancePoint`;
* :func:`scan_family` — every parameter's variance at every size, the largest and the median
  per size, and the fits: a :class:`FamilyScan`.

Examples
--------
>>> from bpcalc import circuits
>>> from bpcalc.bounds.from_files import prepare_model
>>> scan = scan_family(lambda n: prepare_model(circuits.hardware_efficient(n, 1), "Z0"), [2, 3, 4, 5])
>>> [round(r["max"], 4) for r in scan.rows]
[0.5, 0.5, 0.5, 0.5]
>>> scan.fits["max"].label
'polynomial'

References
----------
.. [1] J. R. McClean et al., "Barren plateaus in quantum neural network training
   landscapes", Nat. Commun. 9, 4812 (2018), arXiv:1803.11173 (Fig. 3: the variance of
   ``∂_{θ_1} E`` against ``n``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
import sympy

from bpcalc import circuits

from .scaling import ScalingFit, fit_scaling

__all__ = ["PARAMETER_CHOICES", "VariancePoint", "select_parameters", "variance_point", "FamilyScan",
           "scan_family"]

PARAMETER_CHOICES = ("first", "max", "mean")


@dataclasses.dataclass(frozen=True)
class VariancePoint:
    """``Var_θ[∂C/∂θ]`` of one architecture at one ``n``.

    Attributes
    ----------
    architecture, n : which circuit.
    parameter : the parameter's name, or ``"max over K"`` / ``"mean over K"``.
    value : the variance (``None`` when not computed; see ``note``).
    ci_low, ci_high : confidence interval when the value is sampled.
    method : ``"exact"``, ``"truncated"``, ``"path-sampled"``, ``"sampled"`` or ``"not computed"``.
    seconds : wall time of this point.
    note : why a value is missing, or which parameter attained the max.
    bounds : applicable theorems at this ``n`` (:class:`bpcalc.bounds.analysis.BoundResult`), when requested.
    """

    architecture: str
    n: int
    parameter: str
    value: Optional[float]
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    method: str = ""
    seconds: float = 0.0
    note: str = ""
    bounds: tuple = ()

    @property
    def log10(self) -> Optional[float]:
        if self.value is None:
            return None
        return -math.inf if self.value <= 0 else math.log10(self.value)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} | {
            "bounds": [b.to_dict() for b in self.bounds], "log10": self.log10}


def select_parameters(model: circuits.Model, parameter: str) -> tuple[list[sympy.Symbol], str]:
    """``(symbols, mode)`` for ``parameter`` in ``'first'``, ``'max'``, ``'mean'`` or a symbol name.

    Raises
    ------
    ValueError : a name that is not a trainable symbol of the model.
    """
    trainable = list(model.trainable_symbols)
    if parameter == "first":
        return trainable[:1], "first"
    if parameter in ("max", "mean"):
        return trainable, parameter
    names = {s.name: s for s in trainable}
    if parameter not in names:
        raise ValueError(
            f"parameter {parameter!r} is not a trainable symbol of the circuit (first ones: {list(names)[:6]}); "
            f"use one of {PARAMETER_CHOICES} or a symbol name"
        )
    return [names[parameter]], "named"


def variance_point(
    prepared: Any,
    architecture: str,
    n: int,
    parameter: str = "first",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    exponent_symbols: str = "angle",
    memory_limit=None,
    bounds: Callable[[list], tuple] | None = None,
) -> VariancePoint:
    """``Var_θ[∂C/∂θ]`` of a prepared model (:class:`bpcalc.bounds.from_files.PreparedModel`) by the
    exact engine; a circuit the engine refuses gives ``value=None`` with the engine's reason.

    ``parameter``: ``'first'`` (first trainable parameter in circuit order), ``'max'`` / ``'mean'``
    (over all trainable parameters) or a symbol name.  ``bounds(symbols)`` (optional) returns the
    applicable theorems (:class:`bpcalc.bounds.analysis.BoundResult`), kept with the point.

    Raises
    ------
    ValueError : unknown parameter name.
    """
    from .exact import exact_model_gradient_variance

    t0 = time.perf_counter()
    params, mode = select_parameters(prepared.model, parameter)
    bound_rows: tuple = () if bounds is None else tuple(bounds(params[:1] if mode != "named" else params))
    label = params[0].name if mode in ("first", "named") else f"{mode} over {len(params)}"
    if not prepared.exact_supported:
        bad = prepared.unsupported("exact")[0]
        return VariancePoint(architecture, n, label, None, method="not computed", seconds=time.perf_counter() - t0,
                             note=f"exact engine: {bad.operation}: {bad.reason}", bounds=bound_rows)
    try:
        budget = {} if memory_limit is None else {"memory_limit": memory_limit}
        res = exact_model_gradient_variance(prepared.model, params, method=method, max_terms=max_terms,
                                            n_samples=n_samples, rng=seed, exponent_symbols=exponent_symbols, **budget)
    except ValueError as exc:
        return VariancePoint(architecture, n, label, None, method="not computed", seconds=time.perf_counter() - t0,
                             note=f"exact engine refused: {exc}", bounds=bound_rows)
    values = np.asarray(res.values, dtype=float)
    lo = None if res.ci_low is None else np.asarray(res.ci_low, dtype=float)
    hi = None if res.ci_high is None else np.asarray(res.ci_high, dtype=float)
    note = ""
    if mode == "mean":
        value = float(values.mean())
        ci = (None, None) if lo is None else (float(lo.mean()), float(hi.mean()))
    else:
        k = int(np.argmax(values)) if mode == "max" else 0
        value = float(values[k])
        ci = (None, None) if lo is None else (float(lo[k]), float(hi[k]))
        if mode == "max":
            note = f"attained by {res.parameters[k].name}"
    return VariancePoint(architecture, n, label, value, ci[0], ci[1], method=str(res.method),
                         seconds=time.perf_counter() - t0, note=note, bounds=bound_rows)


@dataclasses.dataclass(frozen=True)
class FamilyScan:
    """Per-parameter variances of a family at several ``n`` and the fits (:func:`scan_family`).

    Attributes
    ----------
    family : the family's name.
    qubits : the sizes.
    rows : per ``n``: ``n``, ``n_parameters``, ``max`` (and ``argmax``), ``median`` (of the
        positive values), ``n_zero``, ``method``, ``seconds``.
    values : ``{parameter name: (Var at each n, None where absent)}``.
    fits : ``{"max": …, "median": …, <parameter name>: …}`` (:class:`bpcalc.bounds.scaling.ScalingFit`);
        parameters present at >= 3 sizes are fitted individually.  Sampled zeros enter the
        ``max`` / ``median`` fits as upper limits, never as zeros.
    observable : the observable spec at every ``n`` (when known).
    """

    family: str
    qubits: tuple[int, ...]
    rows: tuple[dict, ...]
    values: Mapping[str, tuple[Optional[float], ...]]
    fits: Mapping[str, ScalingFit]
    observable: str = ""

    @property
    def verdict(self) -> ScalingFit:
        """The fit of the largest per-parameter variance: if even it vanishes exponentially, every parameter does."""
        return self.fits["max"]

    def to_dict(self) -> dict:
        return {"family": self.family, "qubits": list(self.qubits), "rows": list(self.rows),
                "values": {k: list(v) for k, v in self.values.items()},
                "fits": {k: v.to_dict() for k, v in self.fits.items()}, "observable": self.observable,
                "verdict": self.verdict.to_dict()}


def scan_family(
    models: Callable[[int], Any],
    qubits: Sequence[int],
    *,
    name: str = "family",
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    max_fits: int = 64,
    fallback: Optional[Callable[[int, Any], tuple[list, Sequence[float], list, str]]] = None,
) -> FamilyScan:
    """Exact per-parameter variances of ``models(n)`` (a :class:`~bpcalc.bounds.from_files.PreparedModel`)
    at every ``n`` of ``qubits``, and the one scaling fit of the largest, the median and each
    parameter's variance.

    ``fallback(n, prepared)`` is asked at sizes whose circuit the exact engine does not accept;
    it returns ``(names, values, intervals, method)`` (e.g. sampled estimates with their
    confidence intervals, which then weight the fits) or raises ``ValueError`` saying why not.

    Raises
    ------
    ValueError : a size at which the exact engine refuses the circuit and no ``fallback`` is
        given (the message names the gate), or what ``models`` / ``fallback`` raise.
    """
    from .exact import exact_model_gradient_variance

    ns = tuple(int(n) for n in qubits)
    per: dict[str, dict[int, float]] = {}
    per_ci: dict[str, dict[int, tuple[float, float]]] = {}
    rows = []
    limits_max, limits_median = [], []
    for n in ns:
        t0 = time.perf_counter()
        pm = models(n)
        if pm.exact_supported:
            res = exact_model_gradient_variance(pm.model, "all", method=method, max_terms=max_terms,
                                                n_samples=n_samples, rng=seed)
            names = [p.name for p in res.parameters]
            vals = np.asarray(res.per_state, dtype=float).mean(axis=1)
            single = np.asarray(res.per_state).shape[1] == 1
            cis = ([(float(lo), float(hi)) for lo, hi in zip(res.ci_low, res.ci_high)]
                   if single and res.ci_low is not None else [None] * len(names))
            how = str(res.method)
        elif fallback is not None:
            names, vals, cis, how = fallback(n, pm)
            vals = np.asarray(vals, dtype=float)
        else:
            bad = pm.unsupported("exact")[0]
            raise ValueError(
                f"family {name} at n = {n}: the exact engine does not accept {bad.operation} ({bad.reason}); "
                "pass --sample N to estimate the variances by sampling instead"
            )
        for p, v, c in zip(names, vals, cis):
            per.setdefault(p, {})[n] = float(v)
            if c is not None:
                per_ci.setdefault(p, {})[n] = c
        k = int(np.argmax(vals))
        positive = vals[vals > 0]
        # sampled zeros keep their upper limits, so no fit reads "below resolution" as "zero"
        uppers = [c[1] for c in cis if c is not None and c[1] is not None and c[1] > 0]
        limits_max.append((0.0, max(uppers)) if not vals[k] > 0 and uppers else None)
        limits_median.append((0.0, max(uppers)) if not positive.size and uppers else None)
        rows.append({"n": n, "n_parameters": len(vals), "max": float(vals[k]), "argmax": names[k],
                     "median": float(np.median(positive)) if positive.size else 0.0,
                     "n_zero": int(np.sum(vals <= 0)), "method": how,
                     "seconds": round(time.perf_counter() - t0, 3)})
    fits: dict[str, ScalingFit] = {
        "max": fit_scaling(ns, [r["max"] for r in rows], limits_max),
        "median": fit_scaling(ns, [r["median"] for r in rows], limits_median),
    }
    for p in [p for p, d in per.items() if len(d) >= 3][:max_fits]:
        sizes = sorted(per[p])
        fits[p] = fit_scaling(sizes, [per[p][n] for n in sizes], [per_ci.get(p, {}).get(n) for n in sizes])
    values = {p: tuple(d.get(n) for n in ns) for p, d in per.items()}
    return FamilyScan(name, ns, tuple(rows), values, fits)
