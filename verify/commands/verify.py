"""``bpcalc verify``: sampled variances against the bounds, a fit in ``n``, and a plot.

For every ``n``: build the model, run ``bpcalc.bounds.analysis`` (bounds and exact variances), sample
``Var[∂L]`` and ``Var[∂ℓ_i]``, and check every bound (holds / violated / inconclusive, see
:func:`bpcalc.verify.check.check`).  Then fit ``Var`` against ``n`` and plot ``log10 Var`` with the
bounds overlaid (PNG + PDF).

Examples::

    bpcalc verify --ansatz hea --qubits 4..8:2 --layers n --draws 500 --plot out/hea
    bpcalc verify --ansatz tpa --qubits 4,6,8 --embedding hee --dataset digits --n-data 10 --json

Exit codes: 0 no bound violated, 1 a bound is violated, 2 bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys

from . import _args as A
from .sample import add_model_arguments, add_sampling_arguments, model_from_args, sample_model


def _analysis(model, parameters, exact: bool, memory_limit=None, registry=None):
    try:
        from bpcalc.bounds.analysis import analyze
    except ImportError as exc:  # pragma: no cover - bounds ships with bpcalc
        return None, f"bpcalc.bounds.analysis not available: {exc}"
    try:
        return analyze(model, parameters=parameters, exact=exact, ensemble=False, memory_limit=memory_limit,
                       registry=registry), ""
    except (ValueError, TypeError) as exc:
        return None, f"analysis failed: {exc}"


def _bound_object(label: str):
    """The registered :class:`bpcalc.bounds.bound.Bound` of a record label ``theorem[bound]`` (or None)."""
    if "[" not in label or not label.endswith("]"):
        return None
    key, name = label[:-1].split("[", 1)
    try:
        from bpcalc.bounds import get_theorem

        return get_theorem(key).bound(name)
    except (KeyError, ValueError):
        return None


def _records(rows, est_quantity: str):
    """Per n: the bound records (with sign) of the followed parameter and quantity."""
    from ..check import bound_records

    out = []
    for n, _, est, analysis, _, _ in rows:
        if analysis is None:
            continue
        for rec in bound_records(analysis):
            if rec.parameter != est.parameter:
                continue
            if not rec.quantity or est.quantity not in (rec.quantity, "loss=output"):
                continue  # bounds on other quantities (ensemble / kernel theorems) or the other variance
            out.append((n, rec))
    return out


def _scan(args, rows, estimates, fit):
    """The verify figure: sampled variances, exact values, every applicable bound (vacuous
    ones listed in the caption), the verdict's fit."""
    from ..figures import Curve, Points, bound_label, mathtext, variance_scan

    est0 = rows[0][2]
    by_bound: dict[str, list] = {}
    exact = []
    for n, rec in _records(rows, est0.quantity):
        if rec.kind == "exact" and rec.name.startswith("exact"):
            exact.append((n, rec.log10 if rec.sign > 0 else -math.inf, rec.name))
        else:
            by_bound.setdefault(rec.name, []).append((n, rec))
    curves = []
    for name, pts in by_bound.items():
        b = _bound_object(name)
        label = (bound_label(b) if b is not None else name)
        kind = pts[0][1].kind
        curves.append(Curve(label, kind, [n for n, _ in pts], [r.log10 for _, r in pts],
                            [r.kind == "lower" and r.sign <= 0 for _, r in pts], name=name))
    ex = None
    if exact:
        how = sorted({e[2][len("exact ("):-1] if e[2].startswith("exact (") else e[2] for e in exact})
        ex = Points("exact" if how == ["exact"] else f"exact ({', '.join(how)})", [e[0] for e in exact], [e[1] for e in exact], "exact", color_index=-1)
    from ..figures.variance import verdict_fit

    vfit = verdict_fit([r[0] for r in rows], estimates)
    model = rows[0][1]
    name = model.name.split("(")[0]
    q = r"\mathbb{E}_{i}\,\operatorname{Var}_{\theta}[\partial_k \ell_i]" if est0.quantity == "output" else \
        r"\operatorname{Var}_{\theta}[\partial_k C]"
    return variance_scan(
        "verify", [r[0] for r in rows], estimates, curves=curves, exact=ex, fit=vfit,
        title=f"{name}: parameter {est0.parameter}", ylabel=mathtext(q),
        what=f"Gradient variance of {name} (parameter {est0.parameter}, quantity {est0.quantity}) against n: "
             "sampled, exact, and every applicable bound of bounds.analyze",
    )


def _report(args, rows, fit, fit_note, figure):
    """The verify report: checks per n, compact table rows, the bounds used."""
    from ..report import CompactRow, Report, Table

    bounds_used = {}
    check_rows = []
    compact = []
    for n, _, est, analysis, rep, note in rows:
        recs = [r for m, r in _records([(n, None, est, analysis, rep, note)], est.quantity)] if analysis else []
        for r in recs:
            b = _bound_object(r.name)
            if b is not None:
                bounds_used.setdefault(r.name, dataclasses.replace(b, name=r.name))
        def best(kind, pick):
            cands = [r for r in recs if r.kind == kind and not r.name.startswith("exact") and r.sign > 0]
            if not cands:
                return None
            r = pick(cands, key=lambda r: r.log10)
            b = _bound_object(r.name)
            return (r.log10, None if b is None else b.citation)
        ex = next((r for r in recs if r.name.startswith("exact")), None)
        method = "exact"
        if ex is not None and "path-sampled" in ex.name:
            method = "path-sampled"
        elif ex is not None and "truncated" in ex.name:
            method = "truncated"
        verdicts = [c.verdict for c in rep.checks] if rep is not None else []
        verdict = ("violated" if "violated" in verdicts else "holds" if verdicts and all(v == "holds" for v in verdicts)
                   else "inconclusive" if verdicts else "no bounds")
        compact.append(CompactRow((str(n),), exact_log10=None if ex is None else (ex.log10 if ex.sign > 0 else -math.inf),
                                  exact_method=method, upper=best("upper", min), lower=best("lower", max),
                                  closed_form=best("exact", min), sampled=(est.value, est.ci_low, est.ci_high),
                                  verdict=verdict))
        for c in (rep.checks if rep is not None else ()):
            check_rows.append((n, c.bound, c.kind, c.verdict, c.statistic))
    tables = (Table("Checks", ("n", "bound", "kind", "verdict", "evidence"), tuple(check_rows)),) if check_rows else ()
    summary = f"Fit: {fit.describe()}." if fit is not None else f"Fit: not possible ({fit_note})."
    from ..figures.variance import verdict_fit

    vfit = verdict_fit([r[0] for r in rows], [r[2] for r in rows])
    if vfit is not None:
        summary += f" Verdict: {vfit.text}."
    return Report(title=f"bpcalc verify: {rows[0][1].name.split('(')[0]}", summary=summary, tables=tables,
                  figures=(figure,) if figure is not None else (), bounds=tuple(bounds_used.values()),
                  results={"points": [{"n": n, "estimate": e.to_dict(), "checks": None if r is None else r.to_dict()}
                                      for n, _, e, _, r, _ in rows]},
                  config={k: v for k, v in vars(args).items() if k != "func"}, compact=tuple(compact))


def run(args: argparse.Namespace) -> int:
    from bpcalc.bounds.scaling import fit_scaling

    from ..check import check
    from .sample import parameters_from_args

    registry = None if args.theorem is None else A.select_theorems(args.theorem)
    rows = []
    reports = []
    all_estimates = []
    for n in A.progress(args.qubits, args, "bpcalc verify: n", total=len(args.qubits)):
        model = model_from_args(args, n)
        params = parameters_from_args(args, model)
        if len(params) != 1:
            raise ValueError("verify follows one parameter across n: use --parameters first or one name")
        estimates = sample_model(args, model, quantities=["loss", "output"])
        analysis, note = _analysis(model, params, exact=not args.no_exact, memory_limit=args.memory_limit,
                                   registry=registry)
        report = check(analysis, estimates) if analysis is not None else None
        est = next(e for e in estimates if e.quantity in (args.quantity, "loss=output"))
        rows.append((n, model, est, analysis, report, note))
        reports.append(report)
        all_estimates.append(est)
    fit = None
    fit_note = ""
    levels = {e.confidence for e in all_estimates}
    try:
        fit = fit_scaling([r[0] for r in rows], [e.value for e in all_estimates],
                          [(e.ci_low, e.ci_high) for e in all_estimates], interval_confidence=levels.pop())
    except ValueError as exc:
        fit_note = str(exc)
    if fit is not None and fit.exponential is None:  # fewer than 3 sizes with a positive estimate
        fit, fit_note = None, fit.reason or fit.text
    paths = None
    figure = None
    if args.plot or args.out:
        from ..figures import save_figure
        from ..figures.scan import draw_scan

        scan = _scan(args, rows, all_estimates, fit)
        fig, caption = draw_scan(scan)
        if args.plot:
            png, pdf, _ = save_figure(fig, caption, args.plot)
            paths = (png, pdf)
        if args.out:
            import pathlib

            from ..report import Figure

            png, pdf, _ = save_figure(fig, caption, pathlib.Path(args.out) / "verify")
            paths = paths or (png, pdf)
            figure = Figure(png.name, caption)
    violated = any(r is not None and not r.ok for r in reports)
    if args.json:
        from bpcalc.bounds.serialization import dumps
        print(dumps({
            "points": [{"n": n, "estimate": est.to_dict(), "checks": None if rep is None else rep.to_dict(),
                        "note": note} for n, _, est, _, rep, note in rows],
            "fit": None if fit is None else fit.to_dict(), "fit_note": fit_note,
            "plot": None if paths is None else [str(p) for p in paths],
            "violated": violated,
        }, indent=2))
    else:
        for n, model, est, analysis, report, note in rows:
            print(f"n = {n}: {est}")
            if report is None:
                print(f"  no bounds: {note}")
                continue
            for c in report.checks:
                print(f"  {c.verdict:>12}  {c.bound} ({c.kind}): {c.statistic}")
        print(f"fit: {fit.describe()}" if fit is not None else f"fit: not possible ({fit_note})")
        if paths:
            print(f"plot: {paths[0]} {paths[1]}")
    if args.out:
        from ..report import write_report

        written = write_report(_report(args, rows, fit, fit_note, figure), args.out)
        print(f"wrote {', '.join(str(p) for p in written.values())}", file=sys.stderr)
        print("RESULT: a bound is violated" if violated else "RESULT: no bound violated")
    return 1 if violated else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check bounds against sampled variances; fit and plot Var vs n",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p, multi_n=True)
    add_sampling_arguments(p)
    A.add_progress(p)
    A.add_theorem(p)
    p.add_argument("--no-exact", action="store_true", help="skip the exact engine of bounds.analyze")
    p.add_argument("--plot", default=None, metavar="PATH", help="write PATH.png, PATH.pdf and PATH.caption.txt")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write verify.png/.pdf, report.md, report.json, table.tex, bounds.tex and bounds.bib into DIR")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
