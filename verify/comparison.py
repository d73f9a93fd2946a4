"""``bpcalc compare``: several architectures side by side over a range of ``n``.

Every value is :func:`bpcalc.bounds.family.variance_point`'s (exact engines only); the fits are
the one rule of :func:`bpcalc.bounds.scaling.fit_scaling` with the report labels; this module
renders the :class:`Comparison` (table, text, report) and its plot.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import cirq

from bpcalc.bounds.family import PARAMETER_CHOICES, VariancePoint, variance_point
from bpcalc.bounds.from_files import prepare_model

from .architectures import Architecture, parse_qubits, resolve_architecture
from .fits import ScalingFit, fit_scaling
from .report import Figure, Report, Table, to_text

__all__ = ["variance_at", "Comparison", "compare_architectures", "plot_comparison"]


def variance_at(
    architecture: str | Architecture,
    n: int,
    observable: Optional[str] = None,
    parameter: str = "first",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    with_bounds: bool = False,
    registry=None,
    exponent_symbols: str = "angle",
    memory_limit=None,
) -> VariancePoint:
    """``Var_θ[∂C/∂θ]`` of ``architecture`` on ``n`` qubits by the exact Pauli-path engine.

    ``parameter``: ``'first'`` (first trainable parameter in circuit order), ``'max'`` /
    ``'mean'`` (over all trainable parameters) or a symbol name.  ``method``,
    ``max_terms`` and ``n_samples`` go to :func:`bpcalc.bounds.exact.exact_model_gradient_variance`
    (``'auto'``: enumeration, unbiased path sampling above ``max_terms`` Pauli pairs).
    Circuits the engine does not accept give ``value=None`` with the engine's reason.
    ``memory_limit`` (bytes or ``'4GiB'``) is the engine's memory budget; above it the engine
    raises :class:`bpcalc.bounds.memory.MemoryBudgetExceeded` before allocating.
    ``with_bounds`` also evaluates the applicable theorems (:func:`bpcalc.bounds.analysis.analyze`).
    """
    arch = resolve_architecture(architecture)
    pm = prepare_model(arch.circuit(n), observable or arch.observable, name=f"{arch.name}(n={n})")

    def theorem_rows(params: list) -> tuple:
        from bpcalc.bounds.analysis import analyze

        return analyze(pm.model, parameters=params, exact=False, ensemble=False,
                       registry=registry).parameters[0].applicable

    return variance_point(pm, arch.name, n, parameter, method=method, max_terms=max_terms, n_samples=n_samples,
                          seed=seed, exponent_symbols=exponent_symbols, memory_limit=memory_limit,
                          bounds=theorem_rows if with_bounds else None)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Several architectures over a range of ``n`` (see :func:`compare_architectures`)."""

    architectures: tuple[str, ...]
    descriptions: Mapping[str, str]
    qubits: tuple[int, ...]
    observable: Optional[str]
    parameter: str
    points: tuple[VariancePoint, ...]
    fits: Mapping[str, ScalingFit]
    seconds: float
    exponent_symbols: str = "angle"

    def series(self, architecture: str) -> tuple[VariancePoint, ...]:
        return tuple(p for p in self.points if p.architecture == architecture)

    def to_dict(self) -> dict:
        return {"architectures": list(self.architectures), "descriptions": dict(self.descriptions),
                "qubits": list(self.qubits), "observable": self.observable, "parameter": self.parameter,
                "points": [p.to_dict() for p in self.points],
                "fits": {k: v.to_dict() for k, v in self.fits.items()}, "seconds": self.seconds}

    def table(self) -> Table:
        """One row per ``n``, one column per architecture (``Var`` with its method)."""
        rows = []
        for n in self.qubits:
            row: list[Any] = [n]
            for a in self.architectures:
                p = next((q for q in self.points if q.architecture == a and q.n == n), None)
                if p is None or p.value is None:
                    row.append("—" if p is None else f"— ({p.method})")
                elif p.value == 0 and p.method == "path-sampled":
                    row.append("0: no sampled path survived (path-sampled)" if p.ci_high is None else
                               f"< {p.ci_high:.2e} (below resolution of path sampling)")
                else:
                    ci = "" if p.ci_low is None else f" [{p.ci_low:.2e}, {p.ci_high:.2e}]"
                    row.append(f"{p.value:.3e}{ci} ({p.method})")
            rows.append(tuple(row))
        return Table("Var[∂C/∂θ] by architecture", ("n",) + self.architectures, tuple(rows),
                     caption=f"parameter: {self.parameter}; observable: {self.observable or 'each architecture default'}")

    def to_report(self, figure: Optional[str] = None) -> Report:
        fit_rows = tuple((a, self.descriptions.get(a, ""), f.label, f.base, f.base_se, f.degree, f.text)
                         for a, f in self.fits.items())
        bound_rows = tuple((p.architecture, p.n, b.theorem, b.bound, b.kind, str(b.value), b.status)
                           for p in self.points for b in p.bounds)
        tables = [self.table(), Table("Scaling", ("architecture", "circuit", "verdict", "base", "base SE", "degree", "fit"),
                                      fit_rows)]
        if bound_rows:
            tables.append(Table("Applicable theorems", ("architecture", "n", "theorem", "bound", "kind", "value", "status"),
                                bound_rows))
        notes = tuple(f"{p.architecture} n = {p.n}: {p.note}" for p in self.points if p.value is None and p.note)
        notes += self._resolution_notes()
        summary = "\n".join([f"Exponent symbols (X^t): {self.exponent_symbols} convention "
                             "(--exponent-symbols angle|symbol).", ""]
                            + [f"- **{a}**: {f.text}" for a, f in self.fits.items()])
        return Report(
            title="Architecture comparison: " + ", ".join(self.architectures),
            summary=summary, tables=tuple(tables),
            figures=(Figure(figure, "Var[∂C/∂θ] against n (log scale)"),) if figure else (),
            results=self.to_dict(), config={"qubits": list(self.qubits), "observable": self.observable,
                                            "parameter": self.parameter, "exponent_symbols": self.exponent_symbols},
            timings={"total": round(self.seconds, 3)}, notes=notes,
        )

    def _resolution_notes(self) -> tuple[str, ...]:
        zero = [f"{p.architecture} (n = {p.n})" for p in self.points if p.value == 0 and p.method == "path-sampled"]
        if not zero:
            return ()
        return (f"{', '.join(zero)}: no sampled Pauli path survived, so the estimate is 0 — the variance is below "
                "the path-sampling resolution (these points are left out of the fits); raise --samples, or use "
                "--method exact with a larger --max-terms",)

    def to_text(self) -> str:
        """Terminal text: :func:`bpcalc.verify.report.to_text` of :meth:`to_report` (one report, every rendering)."""
        return to_text(self.to_report())


def _check_evaluable(arch: Architecture, ns: Sequence[int], parameter: str) -> None:
    """Raise unless ``arch`` can be built at some ``n`` in ``ns`` and has ``parameter`` there."""
    first_error = ""
    for n in ns:
        try:
            circuit = arch.circuit(n)
        except ValueError as exc:
            first_error = first_error or f"at n = {n}: {exc}"
            continue
        if parameter in PARAMETER_CHOICES:
            return
        names = sorted(s.name for s in cirq.parameter_symbols(circuit))
        if parameter in names:
            return
        first_error = first_error or (f"at n = {n}: parameter {parameter!r} is not a symbol of the circuit "
                                      f"(e.g. {names[:4]}); use one of {PARAMETER_CHOICES} or a symbol name")
    raise ValueError(f"{arch.name} cannot be evaluated at any of n = {list(ns)}; {first_error}")


def compare_architectures(
    architectures: Sequence[str | Architecture],
    qubits: str | Sequence[int] | None = "4..16:x2",
    observable: Optional[str] = None,
    parameter: str = "first",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    bounds_up_to: int = 0,
    registry=None,
    exponent_symbols: str = "angle",
    memory_limit=None,
) -> Comparison:
    """Var[∂C/∂θ] of several architectures at several ``n``, with a scaling fit for each.

    Parameters
    ----------
    architectures : built-in names (:data:`BUILTIN_ARCHITECTURES`) or ``module:function``
        families of ``n``.
    qubits : sizes (:func:`parse_qubits`); sizes an architecture does not support (e.g. a
        QCNN at a non-power of two, a circuit file at another size) are reported as not
        computed.  ``None``: the files' own sizes when every architecture is a fixed circuit,
        else ``"4..16:x2"`` (4, 8, 16).
    observable : one observable for all (default: each architecture's own, see the table in
        the module docstring).
    parameter : ``'first'``, ``'max'``, ``'mean'`` or a symbol name (see :func:`variance_at`).
    method, max_terms, n_samples, seed : exact-engine options.
    bounds_up_to : also evaluate the registered theorems at ``n <= bounds_up_to`` (their
        assumption checks can cost exponential time in ``n``; 0 = never).

    Raises
    ------
    ValueError : unknown architecture, malformed ``qubits`` or ``parameter``; an architecture
        that cannot be built at any of the sizes, or lacks the named parameter at all of them
        (checked before anything is computed).
    """
    if isinstance(architectures, str):
        architectures = [architectures]
    archs = [resolve_architecture(a) for a in architectures]
    names = [a.name for a in archs]
    if len(set(names)) != len(names):
        raise ValueError(f"architectures must be distinct, got {names}")
    if not archs:
        raise ValueError("give at least one architecture to compare")
    if parameter not in PARAMETER_CHOICES and not isinstance(parameter, str):
        raise ValueError(f"parameter must be one of {PARAMETER_CHOICES} or a symbol name")
    if qubits is None:
        fixed = sorted({a.fixed_n for a in archs if a.fixed_n is not None})
        qubits = fixed if fixed and all(a.fixed_n is not None for a in archs) else "4..16:x2"
    ns = parse_qubits(qubits)
    for arch in archs:  # before any computation: an architecture that cannot run at any size is an input error
        _check_evaluable(arch, ns, parameter)
    t0 = time.perf_counter()
    points = []
    for arch in archs:
        for n in ns:
            try:
                p = variance_at(arch, n, observable, parameter, method=method, max_terms=max_terms,
                                n_samples=n_samples, seed=seed, with_bounds=n <= bounds_up_to, registry=registry,
                                exponent_symbols=exponent_symbols, memory_limit=memory_limit)
            except ValueError as exc:
                p = VariancePoint(arch.name, n, parameter, None, method="not computed", note=str(exc))
            points.append(p)
    fits = {}
    for arch in archs:
        series = [p for p in points if p.architecture == arch.name and p.value is not None]
        fits[arch.name] = fit_scaling([p.n for p in series], [p.value for p in series],
                                      [(p.ci_low, p.ci_high) for p in series])
    return Comparison(tuple(names), {a.name: a.description for a in archs}, ns, observable, parameter,
                      tuple(points), fits, time.perf_counter() - t0, exponent_symbols)


def plot_comparison(comparison: Comparison, path: str | Path) -> Path:
    """Plot ``Var`` against ``n`` for every architecture (:func:`bpcalc.verify.figures.comparison_scan`:
    log axes, exact values as open squares, path-sampled ones with their interval, the
    verdict's fit line per architecture); writes ``path`` (``.png``, ``.pdf`` or ``.svg``) and
    its sibling formats and caption (``<stem>.png``, ``<stem>.pdf``, ``<stem>.caption.txt``);
    returns ``path``.

    Raises
    ------
    ValueError : ``path`` does not end in .png, .pdf or .svg.
    """
    from .figures import comparison_scan, draw_scan, save_figure

    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise ValueError(f"plot file must end in .png, .pdf or .svg, got {path.name!r}")
    fig, caption = draw_scan(comparison_scan(comparison, path.stem))
    save_figure(fig, caption, path.with_suffix(""))
    if path.suffix.lower() == ".svg":
        fig.savefig(path)
    return path
