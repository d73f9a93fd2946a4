"""``bpcalc verify``: sampled variances against the bounds, a fit in ``n``, and a plot.

For every ``n``: build the model, run ``bounds.analyze`` (bounds and exact variances), sample
``Var[∂L]`` and ``Var[∂ℓ_i]``, and check every bound (holds / violated / inconclusive, see
:func:`verify.check.check`).  Then fit ``Var`` against ``n`` and plot ``log10 Var`` with the
bounds overlaid (PNG + PDF).

Examples::

    bpcalc verify --ansatz hea --qubits 4 6 8 --layers n --samples 500 --plot out/hea
    bpcalc verify --ansatz tp --qubits 4 6 8 --embedding hee --dataset digits --n-data 10 --json

Exit codes: 0 no bound violated, 1 a bound is violated, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import math

from .sample import add_model_arguments, add_sampling_arguments, model_from_args, sample_model


def _analysis(model, parameters, exact: bool, memory_limit=None):
    try:
        from bounds.analyze import analyze
    except ImportError as exc:  # pragma: no cover - bounds ships with bpcalc
        return None, f"bounds.analyze not available: {exc}"
    try:
        return analyze(model, parameters=parameters, exact=exact, ensemble=False, memory_limit=memory_limit), ""
    except (ValueError, TypeError) as exc:
        return None, f"analysis failed: {exc}"


def run(args: argparse.Namespace) -> int:
    from ..check import check, fit_scaling
    from .sample import parameters_from_args

    if len(set(args.qubits)) != len(args.qubits):
        raise ValueError("--qubits has repeated values")
    rows = []
    reports = []
    all_estimates = []
    for n in args.qubits:
        model = model_from_args(args, n)
        params = parameters_from_args(args, model)
        if len(params) != 1:
            raise ValueError("verify follows one parameter across n: use --parameters first or one name")
        estimates = sample_model(args, model, quantities=["loss", "output"])
        analysis, note = _analysis(model, params, exact=not args.no_exact, memory_limit=args.memory_limit)
        report = check(analysis, estimates) if analysis is not None else None
        est = next(e for e in estimates if e.quantity in (args.quantity, "loss=output"))
        rows.append((n, model, est, analysis, report, note))
        reports.append(report)
        all_estimates.append(est)
    fit = None
    fit_note = ""
    try:
        fit = fit_scaling([r[0] for r in rows], all_estimates)
    except ValueError as exc:
        fit_note = str(exc)
    bounds_lines: dict[str, list] = {}
    exact_points = []
    for n, _, est, _, report, _ in rows:
        if report is None:
            continue
        for c in report.checks:
            quantity_ok = c.estimate is not None and c.estimate.quantity in (est.quantity, "loss=output")
            if not quantity_ok or not math.isfinite(c.bound_log10):
                continue
            if c.bound.startswith("exact"):
                exact_points.append((n, 10**c.bound_log10))
            else:
                bounds_lines.setdefault(c.bound, []).append((n, c.bound_log10, c.kind))
    paths = None
    if args.plot:
        from ..plots import plot_variance_scaling

        paths = plot_variance_scaling([r[0] for r in rows], all_estimates, args.plot, bounds=bounds_lines,
                                      exact=exact_points, fit=fit, title=rows[0][1].name.split("(")[0])
    violated = any(r is not None and not r.ok for r in reports)
    if args.json:
        print(json.dumps({
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
                print(f"  {c.verdict:>12}  {c.bound} ({c.kind}): {c.evidence}")
        print(f"fit: {fit.describe()}" if fit is not None else f"fit: not possible ({fit_note})")
        if paths:
            print(f"plot: {paths[0]} {paths[1]}")
        print("RESULT: a bound is violated" if violated else "RESULT: no bound violated")
    return 1 if violated else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check bounds against sampled variances; fit and plot Var vs n",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p, multi_n=True)
    add_sampling_arguments(p)
    p.add_argument("--no-exact", action="store_true", help="skip the exact engine of bounds.analyze")
    p.add_argument("--plot", default=None, metavar="PATH", help="write PATH.png and PATH.pdf")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
