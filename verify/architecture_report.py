"""The trainability report of one user circuit and its ONE rendering path.

:class:`ArchitectureReport` is a thin frozen holder: the typed
:class:`bpcalc.bounds.analysis.Analysis` (per parameter: light cone, bounds applied and refused,
exact value, sampled estimate and bound checks, family fit, verdict; the loss variance; the
family scan) plus the description of the circuit it was read from (file, gates, the notes of the
loading).  :meth:`ArchitectureReport.to_report` builds one :class:`bpcalc.verify.report.Report`
from it; terminal text (:func:`bpcalc.verify.report.to_text`), Markdown, JSON and LaTeX are
renderers of that one report, so a number changed on the Analysis changes in all four.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional, Sequence

from bpcalc.bounds.analysis import Analysis, ExactVariance, ParameterAnalysis
from bpcalc.bounds.from_files import PreparedModel

from .families import FamilyScaling, family_summary
from .fits import labelled
from .report import Report, Table, to_json, to_latex, to_markdown, to_text

__all__ = ["GateRow", "GroupSummary", "ArchitectureReport", "summarise_groups", "gate_table", "family_consistency",
           "exact_cell", "sampled_cell"]


@dataclasses.dataclass(frozen=True)
class GateRow:
    """One kind of gate of the circuit: its role, how many, and which engines accept it."""

    gate: str
    role: str
    count: int
    exact: bool
    sampling: bool
    reason: str
    example: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class GroupSummary:
    """A block / layer / moment of parameters, summarised (derived from the Analysis)."""

    group: str
    n_parameters: int
    n_in_cone: int
    width: tuple[int, int]
    depth: tuple[int, int]
    exact_log10: Optional[tuple[float, float]]
    verdicts: Mapping[str, int]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"verdicts": dict(self.verdicts)}


def _abbreviate(text: str, limit: int = 160) -> str:
    """A long observable printed as its first terms and the number of terms (the JSON keeps all)."""
    if len(text) <= limit:
        return text
    n_terms = text.count("+") + text.count("-") + 1
    return f"{text[:limit].rsplit('+', 1)[0]}+… (about {n_terms} terms; the JSON report has all)"


def _label(p: ParameterAnalysis) -> str:
    return "—" if p.verdict is None else p.verdict.label


def summarise_groups(params: Sequence[ParameterAnalysis]) -> tuple[GroupSummary, ...]:
    order: dict[str, list[ParameterAnalysis]] = {}
    for p in params:
        order.setdefault(p.group, []).append(p)
    out = []
    for g, ps in order.items():
        exact = [p.exact.log10 for p in ps if p.exact is not None]
        counts: dict[str, int] = {}
        for p in ps:
            counts[_label(p)] = counts.get(_label(p), 0) + 1
        out.append(GroupSummary(
            group=g, n_parameters=len(ps), n_in_cone=sum(bool(p.structure.in_cone) for p in ps),
            width=(min(p.structure.width for p in ps), max(p.structure.width for p in ps)),
            depth=(min(p.structure.depth for p in ps), max(p.structure.depth for p in ps)),
            exact_log10=(min(exact), max(exact)) if exact else None,
            verdicts=counts,
        ))
    return tuple(out)


def exact_cell(ev: Optional[ExactVariance]) -> str:
    """The exact value as a table cell, its method visible: plain when exact, ``± e`` when
    truncated, ``[lo, hi]`` when path-sampled (``~`` without an interval of its own), ``< x``
    below the resolution of path sampling (never 0)."""
    if ev is None:
        return "—"
    if ev.below_resolution and ev.ci_high is not None:
        return f"< {ev.ci_high:.3e}"
    text = f"{ev.value:.3e}"
    if ev.method == "truncated" and ev.error_bound is not None:
        text += f" ± {ev.error_bound:.2g}"
    if ev.sampled:
        text += f" [{ev.ci_low:.3e}, {ev.ci_high:.3e}]" if ev.ci_high is not None else "~"
    return text


def sampled_cell(p: ParameterAnalysis) -> str:
    """The sampled estimate as a table cell: value, interval and seed."""
    s = p.sampled
    if s is None:
        return "—"
    return f"{s.value:.3e} [{s.ci_low:.2e}, {s.ci_high:.2e}] seed {s.seed}"


def _best(p: ParameterAnalysis, kinds: tuple[str, ...], lower: bool) -> Any:
    # the parameter table is about Var[∂C/∂θ_k]: a bound on the loss variance (or a kernel quantity) is no
    # bound on it, even where its theorem is evaluated per parameter
    rows = [b for b in p.applicable if b.kind in kinds and b.bounds_gradient and not (lower and b.value.vacuous)]
    if not rows:
        return None
    return (max if lower else min)(rows, key=lambda b: b.value.log10)


@dataclasses.dataclass(frozen=True, eq=False)
class ArchitectureReport:
    """The trainability report of one user circuit (see :func:`analyze_architecture`): the typed
    ``analysis`` and the circuit's description; no numbers of its own."""

    source: str
    name: str
    n_gates: int
    depth: int
    observable: str
    trainable: tuple[str, ...]
    data: tuple[str, ...]
    gates: tuple[GateRow, ...]
    analysis: Analysis
    family: Optional[FamilyScaling]
    notes: tuple[str, ...]
    config: Mapping[str, Any]
    timings: Mapping[str, float]
    seed: int

    # --- views of the one typed report
    @property
    def n_qubits(self) -> int:
        return self.analysis.n_qubits

    @property
    def parameters(self) -> tuple[ParameterAnalysis, ...]:
        return self.analysis.parameters

    @property
    def groups(self) -> tuple[GroupSummary, ...]:
        return summarise_groups(self.analysis.parameters)

    @property
    def loss_variance(self):
        return self.analysis.loss_variance

    @property
    def dataset(self):
        """The dataset expressibility per subsystem (:attr:`bpcalc.bounds.measures.Measures.subsystems`)."""
        return self.analysis.measures.subsystems

    def parameter(self, name: str) -> ParameterAnalysis:
        for p in self.analysis.parameters:
            if p.parameter == str(name):
                return p
        raise ValueError(f"no trainable parameter {name!r} in this report")

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.analysis.parameters:
            counts[_label(p)] = counts.get(_label(p), 0) + 1
        return counts

    def with_analysis(self, analysis: Analysis) -> "ArchitectureReport":
        """The same circuit with another (e.g. sampled-estimates-added) analysis."""
        return dataclasses.replace(self, analysis=analysis)

    # --- the one report
    def summary(self) -> str:
        a = self.analysis
        counts = ", ".join(f"{v}: {k}" for k, v in sorted(self.verdict_counts.items()))
        lines = [f"**{self.name}** ({self.source}): {self.n_qubits} qubits, {self.n_gates} gates, depth {self.depth}, "
                 f"{len(self.trainable)} trainable and {len(self.data)} data parameters; observable "
                 f"{_abbreviate(self.observable)}.",
                 f"Exponent symbols (X^t): {(self.config or {}).get('exponent_symbols', 'angle')} convention "
                 "(--exponent-symbols angle|symbol).",
                 "", f"Per-parameter verdicts — {counts}."]
        if a.family is not None:
            lines += ["", f"Family {a.family.family} over n = {list(a.family.qubits)}: {family_summary(a.family)}."]
        if a.theorems or a.family is not None:
            what = "Theorem-based verdict" if a.family is None else "Verdict (family fit)"
            lines += ["", f"{what} for the model (bpcalc.bounds.analyze): {a.verdict.text}."]
        lines += [x for line in self.loss_lines() for x in ("", line)]
        return "\n".join(lines)

    def loss_lines(self) -> list[str]:
        """The loss variance next to the gradient variances (Arrasmith et al. 2022), as sentences."""
        la = self.analysis.loss_variance
        if la is None:
            return []
        if la.variance is None:
            return [f"Loss variance: not computed ({la.note or la.relation})."]
        out = [f"Loss variance Var[C] = {la.variance.describe()} for the {la.variance.cost}"
               + ("" if la.gradient_max is None else
                  f"; gradient variances Var[∂_k C]: max {la.gradient_max:.4g}, sum {la.gradient_sum:.4g}") + "."]
        out.append(f"Arrasmith et al. 2022 (max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]): {la.relation}.")
        return out

    def to_dict(self) -> dict:
        """The circuit's description, the typed analysis (:meth:`Analysis.to_dict`), the groups and
        the labelled family fits."""
        return {
            "source": self.source, "name": self.name, "n_qubits": self.n_qubits, "n_gates": self.n_gates,
            "depth": self.depth, "observable": self.observable, "trainable": list(self.trainable),
            "data": list(self.data), "gates": [g.to_dict() for g in self.gates],
            "analysis": self.analysis.to_dict(), "groups": [g.to_dict() for g in self.groups],
            "family": None if self.family is None else self.family.to_dict(),
            "notes": list(self.notes), "verdict_counts": self.verdict_counts,
        }

    def tables(self) -> tuple[Table, ...]:
        a = self.analysis
        param_rows = []
        for p in a.parameters:
            up, low = _best(p, ("upper", "exact"), False), _best(p, ("lower",), True)
            s = p.structure
            param_rows.append((
                p.parameter, p.group, f"{s.width}×{s.depth}" if s.in_cone else "out", len(p.applicable),
                "—" if up is None else f"≤ {up.value} ({up.theorem})",
                "—" if low is None else f"≥ {low.value} ({low.theorem})",
                exact_cell(p.exact), sampled_cell(p),
                "—" if p.verdict is None else p.verdict.size.label, "—" if p.verdict is None else p.verdict.text,
            ))
        tables = [Table(
            "parameters", ("parameter", "group", "cone w×d", "#thm", "upper/exact bound", "lower bound", "exact Var",
                           "sampled Var [CI]", "at this size", "verdict"), tuple(param_rows),
            caption="Var = Var_θ[∂C/∂θ_k] with θ ~ U[0, 2π); width×depth of the light cone towards the observable")]
        tables.append(Table(
            "groups", ("group", "parameters", "in cone", "width", "depth", "exact log10 Var (min, max)", "verdicts"),
            tuple((g.group, g.n_parameters, g.n_in_cone, f"{g.width[0]}–{g.width[1]}", f"{g.depth[0]}–{g.depth[1]}",
                   None if g.exact_log10 is None else f"{g.exact_log10[0]:.3g}, {g.exact_log10[1]:.3g}",
                   ", ".join(f"{k}: {v}" for k, v in g.verdicts.items())) for g in self.groups)))
        tables.append(Table("gates and engines", ("gate", "role", "count", "exact engine", "samplers", "reason"),
                            tuple((g.gate, g.role, g.count, g.exact, g.sampling, g.reason) for g in self.gates)))
        if a.measures.subsystems:
            tables.append(Table(
                "dataset expressibility", ("qubits", "why", "mean D_HS", "CI", "Haar value", "ratio to Haar",
                                           "product-state value"),
                tuple((str(list(d.qubits)), "; ".join(d.labels), float(d.d_hs_mean),
                       f"[{float(d.d_hs_ci.ci_low):.4g}, {float(d.d_hs_ci.ci_high):.4g}]", float(d.haar),
                       float(d.ratio_to_haar), float(d.product_max)) for d in a.measures.subsystems),
                caption="D_HS(ρ_S(x), 1/2^s) of the embedded data on each subsystem S (Thanasilp et al., "
                        "arXiv:2110.14753): close to the Haar value means a dataset-induced barren plateau"))
        checks = [c for p in a.parameters for c in p.checks]
        if checks:
            tables.append(Table(
                "bound checks (sampled estimate against each bound)", ("parameter", "bound", "kind", "verdict",
                                                                       "statistic"),
                tuple((c.parameter, c.bound, c.kind, c.verdict, c.statistic) for c in checks)))
        refusals = _refusal_summary(a.parameters)
        if refusals:
            by_theorem: dict[str, tuple[int, str]] = {}
            for key, count, reason in refusals:
                by_theorem.setdefault(key.split(" [")[0], (count, reason))
            tables.append(Table("refused theorems (first reason; --json for every parameter)",
                                ("theorem", "parameters", "reason"),
                                tuple((k, c, r[:160]) for k, (c, r) in by_theorem.items())))
        if a.family is not None:
            scan = a.family
            tables.append(Table(
                f"family {scan.family}" + (f" ({scan.observable})" if scan.observable else ""),
                ("n", "parameters", "max Var", "argmax", "median Var", "zero", "method", "seconds"),
                tuple((r["n"], r["n_parameters"], f"{r['max']:.3e}", r["argmax"], f"{r['median']:.3e}", r["n_zero"],
                       r["method"], r["seconds"]) for r in scan.rows),
                caption=family_summary(scan)))
            fits = {k: labelled(f) for k, f in scan.fits.items()}
            tables.append(Table("family fits", ("quantity", "verdict", "base", "base SE", "degree"),
                                tuple((k, f.label, f.base, f.base_se, f.degree) for k, f in list(fits.items())[:20])))
        return tuple(tables)

    def report_notes(self) -> tuple[str, ...]:
        notes = list(self.notes)
        unsupported = [g for g in self.gates if not g.exact]
        notes += [f"gates the exact engine does not accept (samplers do): {g.gate} ×{g.count}: {g.reason}"
                  if g.sampling else f"gates the exact engine does not accept (nor do the samplers): {g.gate} "
                  f"×{g.count}: {g.reason}" for g in unsupported]
        if any(p.exact is not None and p.exact.sampled for p in self.parameters):
            notes.append("exact Var with [lo, hi] or ~: path-sampled estimate (exact enumeration too large), with its "
                         "interval where the engine estimated that very quantity")
        return tuple(notes)

    def to_report(self) -> Report:
        """The one :class:`bpcalc.verify.report.Report` every rendering reads."""
        return Report(
            title=f"Trainability report: {self.name}",
            summary=self.summary(),
            tables=self.tables(),
            results=self.to_dict(),
            config=dict(self.config),
            seeds={"analysis": self.seed},
            timings=dict(self.timings),
            notes=self.report_notes(),
        )

    def to_text(self, max_rows: int = 60) -> str:
        """Terminal text: :func:`bpcalc.verify.report.to_text` of :meth:`to_report`."""
        return to_text(self.to_report(), max_rows=max_rows)

    def to_markdown(self) -> str:
        return to_markdown(self.to_report())

    def to_json(self) -> str:
        return to_json(self.to_report())

    def to_latex(self) -> str:
        return to_latex(self.to_report())


def _refusal_summary(params: Sequence[ParameterAnalysis]) -> list[tuple[str, int, str]]:
    """``(theorem [bound], number of parameters, first reason)`` for every refused bound."""
    seen: dict[str, list] = {}
    for p in params:
        for r in p.refused:
            key = f"{r.theorem} [{r.bound}]"
            if key not in seen:
                seen[key] = [0, r.reason]
            seen[key][0] += 1
    return [(k, v[0], v[1]) for k, v in seen.items()]


def gate_table(pm: PreparedModel) -> tuple[GateRow, ...]:
    rows: dict[tuple, dict] = {}
    for s in pm.support:
        key = (s.gate, s.role, s.exact, s.sampling, s.reason if not s.exact else "")
        row = rows.setdefault(key, {"gate": s.gate, "role": s.role, "count": 0, "exact": bool(s.exact),
                                    "sampling": bool(s.sampling), "reason": key[4], "example": str(s.operation)})
        row["count"] += 1
    return tuple(GateRow(**r) for r in rows.values())


def family_consistency(fam: Any, params: Sequence[ParameterAnalysis], n: int) -> list[str]:
    """A warning when the family at the file's ``n`` does not reproduce the file's exact variances."""
    if n not in fam.qubits:
        return [f"the family was not evaluated at the circuit's size n = {n}; per-parameter fits are matched by "
                "symbol name only"]
    i = fam.qubits.index(n)
    names = {p.parameter for p in params}
    missing = sorted(names - {k for k, v in fam.values.items() if v[i] is not None})
    differ = []
    for p in params:
        v = fam.values.get(p.parameter, (None,) * len(fam.qubits))[i]
        if p.exact is not None and v is not None and abs(p.exact.value - v) > 1e-9 + 1e-6 * abs(v):
            differ.append(p.parameter)
    out = []
    if missing:
        out.append(f"warning: the family at n = {n} has no parameter(s) {missing[:6]} of the circuit")
    if differ:
        out.append(f"warning: the family at n = {n} gives other variances than the circuit for {differ[:6]}: "
                   "it is not the same architecture, so its fits need not describe this circuit")
    if not out:
        out.append(f"the family at n = {n} reproduces the circuit's exact variances")
    return out
