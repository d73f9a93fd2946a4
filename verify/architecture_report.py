"""The trainability report of one user circuit (:class:`ArchitectureReport`) and its renderings.

:func:`bpcalc.verify.architecture.analyze_architecture` fills it from the typed report of
:func:`bpcalc.bounds.analysis.analyze` (plus sampled estimates and a family's fits); this module
holds the report types and renders them (terminal text, :class:`bpcalc.verify.report.Report` for
Markdown / JSON / LaTeX).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional, Sequence

from bpcalc.bounds.from_files import PreparedModel

from .families import FamilyScaling
from .fits import ScalingFit
from .report import Report, Table

__all__ = ["ParameterReport", "GroupSummary", "ArchitectureReport", "bound_rows", "summarise_groups", "gate_table", "family_consistency"]


def bound_rows(analysis_parameter) -> tuple[dict, ...]:
    rows = []
    for r in analysis_parameter.applicable:
        rows.append({
            "theorem": r.theorem, "bound": r.bound, "kind": r.kind, "value": str(r.value),
            "log10": float(r.value.log10), "sign": int(r.value.sign), "vacuous": bool(r.value.vacuous),
            "status": r.status, "citation": r.citation,
            "asymptotics": None if r.asymptotics is None else r.asymptotics.describe(),
        })
    return tuple(rows)


@dataclasses.dataclass(frozen=True)
class ParameterReport:
    """Everything known about one trainable parameter's gradient.

    Attributes
    ----------
    name, group : the symbol and its group (block / layer / moment).
    gates : the gates using it.
    in_cone, width, depth : its light cone towards the observable (qubits, moments).
    bounds : applicable theorems with values (``theorem``, ``bound``, ``kind``, ``value``,
        ``log10``, ``status``, ``citation``, ``asymptotics``).
    refused : refused theorems (``theorem``, ``bound``, ``reason``).
    exact : ``{"value", "log10", "method", "linear_loss"}`` from the exact engine, or ``None``.
    exact_note : why there is no exact value (or where it came from).
    sampled : the sampled estimate (``value``, ``ci_low``, ``ci_high``, ``n_samples``,
        ``engine``, ``seed``, ``quantity``) when ``--sample`` was given.
    scaling : the fit over the family for this parameter (same name at every ``n``).
    verdict : ``"zero"``, ``"exponentially vanishing"``, ``"polynomial"`` or ``"not decided"``.
    verdict_text, evidence : the verdict in words and what it rests on.
    note : why a value could not be computed for this parameter (empty when nothing is missing).
    size, size_text : the answer at this size from the exact variance and the shot budget
        (:func:`bpcalc.bounds.scaling.size_verdict`): "trainable at this size", "vanishing at this
        size", "zero" or "undecided".
    """

    name: str
    group: str
    gates: tuple[str, ...]
    in_cone: bool
    width: int
    depth: int
    bounds: tuple[dict, ...]
    refused: tuple[dict, ...]
    exact: Optional[dict]
    exact_note: str
    sampled: Optional[dict]
    scaling: Optional[ScalingFit]
    verdict: str
    verdict_text: str
    evidence: tuple[str, ...]
    note: str = ""
    size: str = ""
    size_text: str = ""

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["scaling"] = None if self.scaling is None else self.scaling.to_dict()
        return d


@dataclasses.dataclass(frozen=True)
class GroupSummary:
    """A block / layer / moment of parameters, summarised."""

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


def summarise_groups(params: Sequence[ParameterReport]) -> tuple[GroupSummary, ...]:
    order: dict[str, list[ParameterReport]] = {}
    for p in params:
        order.setdefault(p.group, []).append(p)
    out = []
    for g, ps in order.items():
        exact = [p.exact["log10"] for p in ps if p.exact is not None]
        counts: dict[str, int] = {}
        for p in ps:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        out.append(GroupSummary(
            group=g, n_parameters=len(ps), n_in_cone=sum(p.in_cone for p in ps),
            width=(min(p.width for p in ps), max(p.width for p in ps)),
            depth=(min(p.depth for p in ps), max(p.depth for p in ps)),
            exact_log10=(min(exact), max(exact)) if exact else None,
            verdicts=counts,
        ))
    return tuple(out)


@dataclasses.dataclass(frozen=True, eq=False)
class ArchitectureReport:
    """The trainability report of one user circuit (see :func:`analyze_architecture`)."""

    source: str
    name: str
    n_qubits: int
    n_gates: int
    depth: int
    observable: str
    trainable: tuple[str, ...]
    data: tuple[str, ...]
    gates: tuple[dict, ...]
    parameters: tuple[ParameterReport, ...]
    groups: tuple[GroupSummary, ...]
    model_verdict: dict
    family: Optional[FamilyScaling]
    notes: tuple[str, ...]
    config: Mapping[str, Any]
    timings: Mapping[str, float]
    seed: int
    dataset: tuple[dict, ...] = ()
    loss_variance: Any = None  # bpcalc.bounds.analysis.LossAnalysis: Var[C] next to the gradient variances

    def parameter(self, name: str) -> ParameterReport:
        for p in self.parameters:
            if p.name == str(name):
                return p
        raise ValueError(f"no trainable parameter {name!r} in this report")

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.parameters:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        return counts

    def summary(self) -> str:
        counts = ", ".join(f"{v}: {k}" for k, v in sorted(self.verdict_counts.items()))
        lines = [f"**{self.name}** ({self.source}): {self.n_qubits} qubits, {self.n_gates} gates, depth {self.depth}, "
                 f"{len(self.trainable)} trainable and {len(self.data)} data parameters; observable "
                 f"{_abbreviate(self.observable)}.",
                 f"Exponent symbols (X^t): {(self.config or {}).get('exponent_symbols', 'angle')} convention "
                 "(--exponent-symbols angle|symbol).",
                 "", f"Per-parameter verdicts — {counts}."]
        if self.family is not None:
            lines += ["", f"Family {self.family.family} over n = {list(self.family.qubits)}: {self.family.summary}."]
        mv = self.model_verdict
        if mv:
            lines += ["", f"Theorem-based verdict for the model (bpcalc.bounds.analyze): {mv.get('text', mv.get('label'))}."]
        lines += [x for line in self.loss_lines() for x in ("", line)]
        return "\n".join(lines)

    def loss_lines(self) -> list[str]:
        """The loss variance next to the gradient variances (Arrasmith et al. 2022), as sentences."""
        la = self.loss_variance
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
        return {
            "source": self.source, "name": self.name, "n_qubits": self.n_qubits, "n_gates": self.n_gates,
            "depth": self.depth, "observable": self.observable, "trainable": list(self.trainable),
            "data": list(self.data), "gates": list(self.gates),
            "parameters": [p.to_dict() for p in self.parameters], "groups": [g.to_dict() for g in self.groups],
            "model_verdict": dict(self.model_verdict),
            "family": None if self.family is None else self.family.to_dict(),
            "notes": list(self.notes), "verdict_counts": self.verdict_counts, "dataset": list(self.dataset),
            "loss_variance": None if self.loss_variance is None else self.loss_variance.to_dict(),
        }

    def to_report(self) -> Report:
        """The :class:`bpcalc.verify.report.Report` (JSON / Markdown renderers)."""
        def fmt(x: Optional[float]) -> Optional[str]:
            return None if x is None else (f"{x:.3e}" if x != 0 else "0")

        param_rows = []
        for p in self.parameters:
            best = min((b for b in p.bounds if b["kind"] in ("upper", "exact")), key=lambda b: b["log10"], default=None)
            low = max((b for b in p.bounds if b["kind"] == "lower" and not b.get("vacuous")), key=lambda b: b["log10"],
                      default=None)
            param_rows.append((
                p.name, p.group, p.in_cone, p.width, p.depth, len(p.bounds),
                None if best is None else f"≤ {best['value']} ({best['theorem']})",
                None if low is None else f"≥ {low['value']} ({low['theorem']})",
                None if p.exact is None else fmt(p.exact["value"]) + (
                    f" [{fmt(p.exact['ci_low'])}, {fmt(p.exact['ci_high'])}]" if p.exact.get("ci_high") is not None
                    else "~" if p.exact.get("sampled") else ""),
                None if p.sampled is None else f"{fmt(p.sampled['value'])} [{fmt(p.sampled['ci_low'])}, {fmt(p.sampled['ci_high'])}]",
                p.size_text or None, p.verdict_text,
            ))
        tables = [
            Table("Parameters", ("parameter", "group", "in cone", "width", "depth", "theorems", "upper/exact bound",
                                 "lower bound", "exact Var", "sampled Var [CI]", "at this size", "verdict"),
                  tuple(param_rows),
                  caption="Var = Var_θ[∂C/∂θ_k] with θ ~ U[0, 2π); width/depth of the light cone towards the observable."),
            Table("Groups", ("group", "parameters", "in cone", "width", "depth", "exact log10 Var (min, max)", "verdicts"),
                  tuple((g.group, g.n_parameters, g.n_in_cone, f"{g.width[0]}–{g.width[1]}", f"{g.depth[0]}–{g.depth[1]}",
                         None if g.exact_log10 is None else f"{g.exact_log10[0]:.3g}, {g.exact_log10[1]:.3g}",
                         ", ".join(f"{k}: {v}" for k, v in g.verdicts.items())) for g in self.groups)),
            Table("Gates and engines", ("gate", "role", "count", "exact engine", "samplers", "reason"),
                  tuple((g["gate"], g["role"], g["count"], g["exact"], g["sampling"], g["reason"]) for g in self.gates)),
        ]
        if self.dataset:
            tables.append(Table(
                "Dataset expressibility", ("qubits", "why", "mean D_HS", "CI", "Haar value", "ratio to Haar",
                                           "product-state value"),
                tuple((str(d["qubits"]), d["labels"], d["d_hs_mean"], f"[{d['ci_low']:.4g}, {d['ci_high']:.4g}]",
                       d["haar"], d["ratio_to_haar"], d["product_max"]) for d in self.dataset),
                caption="D_HS(ρ_S(x), 1/2^s) of the embedded data on each subsystem S (Thanasilp et al., "
                        "arXiv:2110.14753): close to the Haar value means a dataset-induced barren plateau."))
        if self.family is not None:
            fam = self.family
            tables.append(Table(
                f"Family {fam.family}", ("n", "parameters", "max Var", "argmax", "median Var", "zero", "method", "seconds"),
                tuple((r["n"], r["n_parameters"], r["max"], r["argmax"], r["median"], r["n_zero"], r["method"],
                       r["seconds"]) for r in fam.rows),
                caption=fam.summary))
            tables.append(Table(
                "Fits", ("quantity", "verdict", "base", "base SE", "degree"),
                tuple((k, f.label, f.base, f.base_se, f.degree) for k, f in list(fam.fits.items())[:20])))
        refused = sorted({f"{r['theorem']} [{r['bound']}]: {r['reason']}" for p in self.parameters for r in p.refused})
        notes = list(self.notes) + [f"refused: {r}" for r in refused[:30]]
        if len(refused) > 30:
            notes.append(f"… and {len(refused) - 30} more refused bounds (see the JSON)")
        return Report(
            title=f"Trainability report: {self.name}",
            summary=self.summary(),
            tables=tuple(tables),
            results=self.to_dict(),
            config=dict(self.config),
            seeds={"analysis": self.seed},
            timings=dict(self.timings),
            notes=tuple(notes),
        )

    def to_text(self, max_rows: int = 60) -> str:
        """A compact plain-text rendering for the terminal."""
        out = [self.summary().replace("**", ""), ""]
        head = (f"{'parameter':<16}{'group':<22}{'cone w×d':>9}  {'#thm':>4}  {'exact Var':>10}  {'sampled Var':>24}  "
                f"{'at this size':<23} verdict")
        out.append(head)
        out.append("-" * len(head))
        for p in self.parameters[:max_rows]:
            ex = "—" if p.exact is None else f"{p.exact['value']:.3e}" + ("~" if p.exact.get("sampled") else "")
            sa = "—" if p.sampled is None else f"{p.sampled['value']:.2e} [{p.sampled['ci_low']:.1e},{p.sampled['ci_high']:.1e}]"
            cone = f"{p.width}×{p.depth}" if p.in_cone else "out"
            out.append(f"{p.name:<16}{p.group[:21]:<22}{cone:>9}  {len(p.bounds):>4}  {ex:>10}  {sa:>24}  "
                       f"{p.size or '—':<23} {p.verdict_text}")
        if len(self.parameters) > max_rows:
            out.append(f"… {len(self.parameters) - max_rows} more parameters (use --json or --out for all)")
        if any(p.exact is not None and p.exact.get("sampled") for p in self.parameters):
            out.append("exact Var with ~: path-sampled estimate (exact enumeration too large); its interval is in "
                       "the evidence, --json and the report")
        out += ["", "groups:"]
        for g in self.groups:
            ex = "" if g.exact_log10 is None else f", exact log10 Var in [{g.exact_log10[0]:.3g}, {g.exact_log10[1]:.3g}]"
            out.append(f"  {g.group}: {g.n_parameters} parameter(s), {g.n_in_cone} in cone, width {g.width[0]}–{g.width[1]}"
                       f"{ex}; " + ", ".join(f"{k}: {v}" for k, v in g.verdicts.items()))
        if self.dataset:
            out += ["", "dataset expressibility (D_HS of the embedded data; Haar value = dataset-induced plateau):"]
            for d in self.dataset[:12]:
                out.append(f"  qubits {d['qubits']}: mean D_HS {d['d_hs_mean']:.4g} [{d['ci_low']:.4g}, {d['ci_high']:.4g}]"
                           f", Haar {d['haar']:.4g} (×{d['ratio_to_haar']:.3g}), product states {d['product_max']:.4g}")
        unsupported = [g for g in self.gates if not g["exact"]]
        if unsupported:
            out += ["", "gates the exact engine does not accept (samplers do):"]
            out += [f"  {g['gate']} ×{g['count']}: {g['reason']}" for g in unsupported]
        refusals = _refusal_summary(self.parameters)
        if refusals:
            out += ["", "refused theorems (first reason; --json for every parameter):"]
            by_theorem: dict[str, tuple[int, str]] = {}
            for key, count, reason in refusals:
                by_theorem.setdefault(key.split(" [")[0], (count, reason))
            out += [f"  {k} ({c} parameter(s)): {r[:160]}" for k, (c, r) in by_theorem.items()]
        if self.family is not None:
            out += ["", f"family {self.family.family} ({self.family.observable}):"]
            for r in self.family.rows:
                out.append(f"  n = {r['n']:>3}: max Var {r['max']:.3e} ({r['argmax']}), median {r['median']:.3e}, "
                           f"{r['n_zero']} zero, {r['method']}, {r['seconds']} s")
            out.append(f"  {self.family.summary}")
        if self.notes:
            out += ["", "notes:"] + [f"  - {n}" for n in self.notes]
        out += ["", "timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())]
        return "\n".join(out)


def _refusal_summary(params: Sequence[ParameterReport]) -> list[tuple[str, int, str]]:
    """``(theorem [bound], number of parameters, first reason)`` for every refused bound."""
    seen: dict[str, list] = {}
    for p in params:
        for r in p.refused:
            key = f"{r['theorem']} [{r['bound']}]"
            if key not in seen:
                seen[key] = [0, r["reason"]]
            seen[key][0] += 1
    return [(k, v[0], v[1]) for k, v in seen.items()]


def gate_table(pm: PreparedModel) -> tuple[dict, ...]:
    rows: dict[tuple, dict] = {}
    for s in pm.support:
        key = (s.gate, s.role, s.exact, s.sampling, s.reason if not s.exact else "")
        row = rows.setdefault(key, {"gate": s.gate, "role": s.role, "count": 0, "exact": s.exact,
                                    "sampling": s.sampling, "reason": key[4], "example": s.operation})
        row["count"] += 1
    return tuple(rows.values())


def family_consistency(fam: FamilyScaling, reports: Sequence[ParameterReport], n: int) -> list[str]:
    """A warning when the family at the file's ``n`` does not reproduce the file's exact variances."""
    if n not in fam.qubits:
        return [f"the family was not evaluated at the circuit's size n = {n}; per-parameter fits are matched by "
                "symbol name only"]
    i = fam.qubits.index(n)
    names = {p.name for p in reports}
    missing = sorted(names - {k for k, v in fam.values.items() if v[i] is not None})
    differ = []
    for p in reports:
        v = fam.values.get(p.name, (None,) * len(fam.qubits))[i]
        if p.exact is not None and v is not None and abs(p.exact["value"] - v) > 1e-9 + 1e-6 * abs(v):
            differ.append(p.name)
    out = []
    if missing:
        out.append(f"warning: the family at n = {n} has no parameter(s) {missing[:6]} of the circuit")
    if differ:
        out.append(f"warning: the family at n = {n} gives other variances than the circuit for {differ[:6]}: "
                   "it is not the same architecture, so its fits need not describe this circuit")
    if not out:
        out.append(f"the family at n = {n} reproduces the circuit's exact variances")
    return out
