"""``bpcalc bounds``: registered theorems evaluated on a model family, as a table over n.

Examples::

    bpcalc bounds --ansatz tpa --block 2 --embedding hee --embedding-layers 2 --dataset digits --qubits 4..10:2
    bpcalc bounds --ansatz tpa --block 2 --embedding hee --embedding-layers n --dataset digits --qubits 4,6,8 \\
        --random-blocks --json
    bpcalc bounds --ansatz hea --layers n --embedding none --observable global --qubits 4..8
    bpcalc bounds --list
    bpcalc bounds --theorem thanasilp2021.tensor_product_variance --latex
    bpcalc bounds --theorem 'cerezo2021.*' --ansatz ala --layers 2 --embedding none --qubits 4,8

For every ``n`` the model is built, :func:`bpcalc.bounds.analysis.analyze` checks every registered
theorem's assumptions on it and the bounds whose assumptions hold are shown, after the verdict
(the fitted trend of the exact variance over n).  ``--all`` adds the "what-if" values
(``value*``: the formula evaluated although an assumption fails; the failed assumption is listed
under the table).  The exact variance (``bpcalc.bounds.exact``) is shown when available.
``--theorem GLOB`` without ``--qubits`` describes the selected theorems instead (with
``--latex`` their formulas, with ``--value`` their closed forms at those numbers).
Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from . import _args as A
from .analyze import declared_keys
from ._memory import add_memory_limit

__all__ = ["register", "run", "build_model", "parse_qubits", "collect"]

ANSATZE = A.ANSATZ_NAMES
DEFAULT_QUBITS = "4,6,8"
# bounds analyses the built circuit at every n: light cones and measures cost ~ n^2 (about 2 min at n = 200)
MAX_ANALYSED_QUBITS = 512
EMBEDDINGS = ("none", "tpe", "hee", "che")


def parse_qubits(text: str) -> list[int]:
    """``'4,6,8'``, ``'4..10'`` (every integer) or ``'4..10:2'`` -> a sorted list of distinct
    qubit counts (the one ``--qubits`` grammar, :func:`bpcalc.verify.commands._args.parse_qubits`)."""
    return list(A.parse_qubits(text))


def resolve_layers(args: argparse.Namespace) -> None:
    """Set ``args.layers`` (ansatz) and ``args.embedding_layers`` from what was typed.

    Before this release ``--layers`` meant embedding layers here and ``--ansatz-layers`` the
    ansatz's.  For one release: with the old ``--ansatz-layers``, or with an ansatz that has no
    layers (tpa, qcnn) and an embedding, a ``--layers`` without ``--embedding-layers`` keeps its
    old meaning (with a deprecation line); otherwise it is the ansatz's layers (with a note
    when an embedding is used, whose layers were meant before).
    """
    old_ansatz = getattr(args, "ansatz_layers", None)
    layers, emb = args.layers, args.embedding_layers
    if old_ansatz is not None:
        if layers is not None and emb is None:
            A.deprecation("--layers for embedding layers", "--embedding-layers", "bounds")
            emb = layers
        layers = old_ansatz
    elif layers is not None and emb is None and args.embedding != "none":
        if args.ansatz in ("tpa", "qcnn"):
            A.deprecation(f"--layers for embedding layers (the ansatz {args.ansatz} has none)", "--embedding-layers",
                          "bounds")
            emb, layers = layers, None
        else:
            print("bpcalc: note: --layers is the ansatz's layers in bpcalc bounds (embedding layers: "
                  "--embedding-layers, default 1)", file=sys.stderr)
    args.layers = A.Layers("1") if layers is None else layers
    args.embedding_layers = A.Layers("1") if emb is None else emb
    args.ansatz_layers = None


def _dataset(args: argparse.Namespace, n: int):
    """The data of the model at ``n`` qubits (one PCA feature per qubit)."""
    return A.build_dataset(args, n)


def build_model(args: argparse.Namespace, n: int):
    """The ``circuits.Model`` described by the command-line arguments at ``n`` qubits
    (the CLI's one builder, :func:`bpcalc.verify.commands._args.build_model`)."""
    return A.build_model(args, n)


def _default_parameter(model) -> Any:
    from bpcalc import circuits

    blocks = circuits.block_structure(model.ansatz)
    if blocks:
        syms = blocks[0].symbols
        return syms[len(syms) // 2]
    syms = model.trainable_symbols
    return syms[len(syms) // 2]


def _values(items: list[str] | None) -> dict:
    out: dict = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--value {item!r} must look like KEY=NUMBER, e.g. --value p_min=0.05")
        try:
            number = float(value)
            out[key.strip()] = int(value) if value.strip().lstrip("+-").isdigit() else number
            if not math.isfinite(number):
                raise ValueError(f"--value {item!r}: {value!r} is not finite")
        except ValueError as exc:
            raise ValueError(f"--value {item!r}: {value!r} is not a number") from exc
    return out


def collect(args: argparse.Namespace) -> dict:
    """Build every model, analyse it and gather the table, closed forms and verdict (JSON-ready)."""
    import sympy

    from bpcalc.bounds.analysis import analyze, fit_decay
    from bpcalc.bounds.registry import Context

    registry = A.select_theorems(args.theorem)
    qubits = list(args.qubits or A.parse_qubits(DEFAULT_QUBITS))
    if max(qubits) > MAX_ANALYSED_QUBITS:
        raise ValueError(
            f"--qubits {max(qubits)} is above {MAX_ANALYSED_QUBITS}: bpcalc bounds builds and analyses the circuit at "
            "every n (light cones per parameter and per data subsystem, time growing like n^2); for a closed form "
            "at large n use `bpcalc bounds --theorem KEY --value n=1000000 --value s=2` (log-space evaluation)"
        )
    declared = tuple(args.declare or ())
    values = _values(args.value)
    if args.embedding != "none":  # the data must exist at the largest n before any model is built
        _dataset(args, max(qubits))
    rows, columns, refusals, not_shown = [], {}, {}, set()
    for n in A.progress(qubits, args, "bpcalc bounds: n", total=len(qubits)):
        model = build_model(args, n)
        param = args.parameter or _default_parameter(model)
        analysis = analyze(model, parameters=[param], registry=registry, declared=declared, values=values,
                           exact=not args.no_exact, ensemble=not args.no_ensemble, memory_limit=args.memory_limit)
        pa = analysis.parameters[0]
        applicable = {(r.theorem, r.bound): r for r in pa.applicable}
        applicable.update({(r.theorem, r.bound): r for r in analysis.ensemble})
        ctx = Context(model=model, parameter=sympy.Symbol(pa.parameter),
                      values=values, measures=analysis.measures, declared=frozenset(declared),
                      extra={} if pa.exact is None else {"per_datapoint": {
                          "var_dl": list(pa.exact.per_state), "mean_dl": [0.0] * len(pa.exact.per_state)}})
        cells: dict[str, dict] = {}
        reasons = {(r.theorem, r.bound): r.reason for r in (*pa.refused, *analysis.ensemble_refused)}
        not_shown.update(f"{k[0]}:{k[1]}" for k in reasons if k not in applicable)
        for t in registry.values():
            keys = [(t.key, b.name) for b in t.bounds]
            values_ = [applicable[k].value for k in keys if k in applicable]
            if args.all and any(k not in applicable for k in keys):
                try:  # what-if values: the formula although an assumption fails
                    values_ = t.instantiate(ctx, check=False).values
                except (ValueError, TypeError) as exc:  # its quantities do not exist for this model
                    for k in keys:
                        if k not in applicable:
                            refusals.setdefault(f"{k[0]}:{k[1]}", f"{reasons.get(k, 'refused')} (what-if value not "
                                                                  f"computable: {' '.join(str(exc).split())})")
            for v in values_:
                key = f"{t.key}:{v.name}"
                ok = (t.key, v.name) in applicable
                columns.setdefault(key, {"theorem": t.key, "bound": v.name, "kind": v.kind,
                                         "status": t.verification.status, "source": t.verification.source})
                cells[key] = {"log10": v.log10 if math.isfinite(v.log10) else None, "value": v.value,
                              "text": str(v), "applicable": ok, "sign": v.sign, "vacuous": v.vacuous}
                if not ok and key not in refusals:
                    refusals[key] = reasons.get((t.key, v.name), "not evaluated by analyze")
        sub = analysis.measures.for_parameter(pa.parameter)
        rows.append({
            "n": n,
            "parameter": pa.parameter,
            "d_hs_mean": None if sub is None else sub.d_hs_mean,
            "d_hs_haar": None if sub is None else sub.haar,
            "exact": None if pa.exact is None else pa.exact.to_dict(),
            "cells": cells,
            "verdict_at_n": analysis.verdict.to_dict(),
            "seconds": analysis.seconds,
        })
    closed = []
    for key, col in columns.items():
        t = registry.get(col["theorem"])
        b = t.bound(col["bound"])
        closed.append({"column": key, "latex": b.latex(citation=False), "citation": (b.citation or t.citation).short(),
                       "status": t.verification.status, "plain": str(b.expr)})
    trends = {}
    for key in columns:
        pts = [(r["n"], r["cells"][key]["log10"]) for r in rows if key in r["cells"] and r["cells"][key]["log10"] is not None]
        if len({p[0] for p in pts}) >= 3:
            trends[key] = fit_decay([p[0] for p in pts], [p[1] for p in pts]).to_dict()
    ex = [(r["n"], r["exact"]["log10"]) for r in rows if r["exact"] and r["exact"]["log10"] is not None]
    if len(ex) >= 3:
        trends["exact"] = fit_decay([p[0] for p in ex], [p[1] for p in ex]).to_dict()
    return {
        "model": {k: v for k, v in vars(args).items() if k not in ("func",)},
        "qubits": qubits,
        "columns": columns,
        "rows": rows,
        "refused": refusals,
        "not_shown": sorted(not_shown - set(columns)),
        "closed_forms": closed,
        "trends": trends,
    }


def _short(key: str) -> str:
    theorem, bound = key.split(":")
    return f"{theorem.split('.', 1)[1]}:{bound}"


def verdict_line(result: dict) -> str:
    """The verdict, shown first: the scaling of the exact variance over n (the one verdict rule)
    when exact values exist at several n, else the verdict at the largest n."""
    if "exact" in result["trends"]:
        return f"verdict: {result['trends']['exact']['text']}"
    last = result["rows"][-1]
    v = last.get("verdict_at_n") or {}
    text = v.get("text") or v.get("label") or "not decided"
    return f"verdict at n = {last['n']}: {text}"


def render_text(result: dict) -> str:
    cols = list(result["columns"])
    lines = [verdict_line(result), ""]
    header = ["n", "D_HS", "Haar"] + [f"[{i + 1}]" for i in range(len(cols))] + ["exact"]
    table = []
    for r in result["rows"]:
        row = [str(r["n"]),
               "-" if r["d_hs_mean"] is None else f"{r['d_hs_mean']:.3g}",
               "-" if r["d_hs_haar"] is None else f"{r['d_hs_haar']:.3g}"]
        for c in cols:
            cell = r["cells"].get(c)
            row.append("-" if cell is None else cell["text"] + ("" if cell["applicable"] else "*"))
        row.append("-" if r["exact"] is None else r["exact"]["text"])
        table.append(row)
    widths = [max(len(x[i]) for x in [header] + table) for i in range(len(header))]
    fmt = "  ".join("{:>" + str(w) + "}" for w in widths)
    lines.append(fmt.format(*header))
    lines.extend(fmt.format(*row) for row in table)
    lines.append("")
    lines.append("D_HS: mean D_HS(ρ_S(x), 1/2^s) of the data on the differentiated parameter's input support; "
                 "Haar: (2^s - 2^-s)/(2^n + 1); exact: Var[∂_k ℓ] from bounds.exact (dataset mean; "
                 "'v [lo, hi]' = path-sampled estimate with its 95% interval, 'v~' = path-sampled without an interval of "
                 "its own, when exact enumeration is too large)")
    if any(not c["applicable"] for r in result["rows"] for c in r["cells"].values()):
        lines.append("columns (value* = assumption fails, formula shown as a what-if):")
    else:
        lines.append("columns (bounds whose assumptions hold for this model):")
    for i, c in enumerate(cols):
        col = result["columns"][c]
        form = next(f for f in result["closed_forms"] if f["column"] == c)
        trend = result["trends"].get(c)
        extra = f"; trend over n: {trend['text']}" if trend else ""
        lines.append(f"  [{i + 1}] {_short(c)} ({col['kind']}, {col['status']}; {form['citation']}){extra}")
        lines.append(f"      {form['latex']}")
    if result["refused"]:
        lines.append("not applicable (*):")
        for c, why in result["refused"].items():
            lines.append(f"  {_short(c)}: {why}")
    hidden = result.get("not_shown") or []
    if hidden and result["model"].get("all"):
        lines.append(f"{len(hidden)} other refused bound(s) have no what-if value for this model (their inputs do "
                     "not exist for it)")
    elif hidden:
        lines.append(f"{len(hidden)} other registered bound(s) are refused for this model (an assumption fails); "
                     "--all shows their what-if values and the failed assumption")
    lines.append(f"parameter: {result['rows'][0]['parameter']}")
    return "\n".join(lines)


def _latex_number(text: str) -> str:
    number, space, note = text.partition(" ")
    mantissa, sep, exponent = number.partition("e")
    return f"${mantissa}" + (rf"\times 10^{{{exponent}}}" if sep else "") + "$" + (rf"\ \text{{{note}}}" if space else "")


def render_latex(result: dict) -> str:
    cols = list(result["columns"])
    out = [r"\begin{tabular}{r" + "r" * (len(cols) + 3) + "}", r"\hline"]
    out.append(" & ".join([r"$n$", r"$\overline{D}_{\mathrm{HS}}$", "Haar"] + [f"[{i + 1}]" for i in range(len(cols))]
                          + ["exact"]) + r" \\ \hline")
    for r in result["rows"]:
        cells = [str(r["n"]), "-" if r["d_hs_mean"] is None else f"{r['d_hs_mean']:.3g}",
                 "-" if r["d_hs_haar"] is None else f"{r['d_hs_haar']:.3g}"]
        for c in cols:
            cell = r["cells"].get(c)
            cells.append("-" if cell is None else _latex_number(cell["text"]) + ("" if cell["applicable"] else "$^*$"))
        cells.append("-" if r["exact"] is None else r["exact"]["text"].replace("[", "$[").replace("]", "]$"))
        out.append(" & ".join(cells) + r" \\")
    out += [r"\hline", r"\end{tabular}", ""]
    for i, c in enumerate(cols):
        form = next(f for f in result["closed_forms"] if f["column"] == c)
        out.append(f"% [{i + 1}] {c} ({form['citation']}, {form['status']})")
        out.append(r"\begin{equation}" + form["latex"] + r"\end{equation}")
    return "\n".join(out)


def _closed_form(bound, values: dict) -> str:
    """A bound's value at the given numbers (log space, any n), or which inputs it still needs."""
    missing = [x for x in bound.inputs if x not in values and x.split("[")[0] not in values]
    if missing:
        return f"(give --value for {', '.join(missing)})"
    used = {k: v for k, v in values.items() if k in {x.split("[")[0] for x in bound.inputs}}
    v = bound.evaluate(used)
    return f"{v}  (log10 {v.log10:.6g}) at {', '.join(f'{k}={x}' for k, x in used.items())}"

def _per_datapoint(col: dict) -> bool:
    """True for a column bounding the same quantity as the exact value (mean over data of
    Var[∂ℓ_i]): theorems of scope 'parameter' (not the loss's or the kernel's)."""
    from bpcalc.bounds.registry import get_theorem

    return get_theorem(col["theorem"]).scope == "parameter"


def _scan(result: dict):
    """The bounds figure: every applicable bound over n (vacuous ones listed in the caption,
    not drawn) and the exact variance."""
    from bpcalc.bounds.registry import get_theorem

    from ..figures import Curve, Points, Scan, bound_label, mathtext

    curves = []
    for key, col in result["columns"].items():
        if not _per_datapoint(col):
            continue
        pts = [(r["n"], r["cells"][key]) for r in result["rows"] if key in r["cells"] and r["cells"][key]["applicable"]]
        if not pts:
            continue
        b = get_theorem(col["theorem"]).bound(col["bound"])
        curves.append(Curve(bound_label(b), col["kind"], [n for n, _ in pts],
                            [c["log10"] if c["log10"] is not None else -math.inf for _, c in pts],
                            [bool(c.get("vacuous")) or c["log10"] is None for _, c in pts], name=key))
    ex = [(r["n"], r["exact"]) for r in result["rows"] if r["exact"]]
    pts = ()
    if ex:
        pts = (Points("exact" , [n for n, _ in ex],
                      [e["log10"] if e.get("log10") is not None else -math.inf for _, e in ex], "exact",
                      color_index=-1),)
    m = result["model"]
    from ..figures.labels import VAR_POINT

    return Scan(name="bounds", ylabel=mathtext(VAR_POINT), points=pts,
                curves=tuple(curves), width="double", title=f"{m.get('ansatz')} / {m.get('embedding')}: applicable bounds",
                what=f"Applicable registered bounds (bounds.analyze) and the exact variance against n for ansatz "
                     f"{m.get('ansatz')}, embedding {m.get('embedding')}, observable {m.get('observable')}; "
                     "bounds whose assumptions fail, and bounds on other quantities (the loss, kernels), are not "
                     "drawn (see the table in report.md)")


def write_outputs(args: argparse.Namespace, result: dict, out_dir) -> dict:
    """``--out DIR``: report.md/json, bounds.tex (every closed form shown), table.tex (one row
    per n: exact value, tightest applicable bound of each kind, cited), bounds.bib, and the
    figure bounds.png/.pdf/.caption.txt."""
    import dataclasses

    from bpcalc.bounds.registry import get_theorem

    from ..report import CompactRow, Report, Table, write_report

    bounds_used = tuple(dataclasses.replace(get_theorem(c["theorem"]).bound(c["bound"]), name=key)
                        for key, c in result["columns"].items())
    compact = []
    for r in result["rows"]:
        best = {}
        for kind, pick in (("upper", min), ("lower", max), ("exact", min)):
            cands = [(k, c) for k, c in r["cells"].items() if c["applicable"] and result["columns"][k]["kind"] == kind
                     and _per_datapoint(result["columns"][k])
                     and c["log10"] is not None and not c.get("vacuous") and c.get("sign", 1) > 0]
            if cands:
                k, c = pick(cands, key=lambda kc: kc[1]["log10"])
                col = result["columns"][k]
                best[kind] = (c["log10"], get_theorem(col["theorem"]).bound(col["bound"]).citation
                              or get_theorem(col["theorem"]).citation)
        e = r["exact"]
        method = "exact"
        if e and e.get("method") in ("path-sampled", "truncated"):
            method = e["method"]
        compact.append(CompactRow((str(r["n"]),), exact_log10=None if not e else e.get("log10"), exact_method=method,
                                  upper=best.get("upper"), lower=best.get("lower"), closed_form=best.get("exact"),
                                  verdict=str(r["verdict_at_n"].get("label", r["verdict_at_n"].get("verdict", "")))))
    table = Table("Bounds over n", ("n",) + tuple(result["columns"]) + ("exact",),
                  tuple((r["n"],) + tuple(r["cells"][k]["text"] + ("" if r["cells"][k]["applicable"] else " *")
                                          if k in r["cells"] else None for k in result["columns"])
                        + (None if not r["exact"] else r["exact"].get("text"),) for r in result["rows"]),
                  caption="* : the theorem's assumptions fail for this model (value shown for comparison only).")
    figures = ()
    notes = [f"refused {k}: {v}" for k, v in result["refused"].items()]
    try:
        from ..figures import save_scan

        figures = (save_scan(_scan(result), out_dir),)
    except ImportError as exc:  # matplotlib is the optional 'plot' extra
        notes.append(f"no figure: {exc} (install bpcalc[plot])")
    except ValueError as exc:  # nothing applicable to draw
        notes.append(f"no figure: {exc}")
    notes.append("table.tex: per n the exact mean over data of Var[∂ℓ_i] and the tightest applicable bound of "
                 "each kind on that same quantity (theorems of scope 'parameter'); bounds on the loss or on "
                 "kernels are in bounds.tex and the table above.")
    report = Report(title=f"bpcalc bounds: {args.ansatz} / {args.embedding}", tables=(table,), figures=figures,
                    bounds=bounds_used, results=result, config=result["model"], notes=tuple(notes),
                    compact=tuple(compact))
    return write_report(report, out_dir)


def run(args: argparse.Namespace) -> int:
    if args.no_what_if:
        A.deprecation("--no-what-if", "nothing: only bounds whose assumptions hold are shown unless --all", "bounds")
    resolve_layers(args)
    if args.list:
        theorems = list(A.select_theorems(args.theorem).values())
        if args.json:
            from bpcalc.bounds.serialization import dumps
            print(dumps([t.to_dict() for t in theorems], indent=2))
            return 0
        for t in theorems:
            print(f"{t.key}  [{t.verification.status}; {t.verification.source}]  {t.title}")
            print(f"    {t.citation.short()}")
            print(f"    bounds: {', '.join(f'{b.name} ({b.kind})' for b in t.bounds)}; test: {t.verification.test}")
        return 0
    if args.theorem and args.qubits is None:
        theorems = list(A.select_theorems(args.theorem).values())
        if args.json:
            from bpcalc.bounds.serialization import dumps
            docs = [t.to_dict() for t in theorems]
            print(dumps(docs[0] if len(docs) == 1 else docs, indent=2))
            return 0
        for i, t in enumerate(theorems):
            if i:
                print()
            if args.latex:
                print(t.latex(citation=True))
                continue
            print(f"{t.key}: {t.title}\n{t.citation}\nstatus: {t.verification.status}, source: {t.verification.source} ({t.verification.test})")
            if t.statement:
                print(t.statement)
            for b in t.bounds:
                print(f"  {b.name} ({b.kind}): {b.latex(citation=False)}")
                if args.value:
                    print(f"      = {_closed_form(b, _values(args.value))}")
                for a in (*t.assumptions, *b.assumptions):
                    print(f"      assumes: {a.text}")
        return 0
    result = collect(args)
    if args.out:
        written = write_outputs(args, result, args.out)
        print(f"wrote {', '.join(str(p) for p in written.values())}", file=sys.stderr)
    if args.json:
        from bpcalc.bounds.serialization import dumps
        print(dumps(result, indent=2))
    elif args.latex:
        print(render_latex(result))
    else:
        print(render_text(result))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bounds", help="registered theorems evaluated on a model family (table over n)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--list", action="store_true", help="list the registered theorems (those of --theorem) with "
                   "citation and status")
    A.add_theorem(p, help_=A.THEOREM_HELP + "; without --qubits: describe them (with --latex their formulas)",
                  old=("--theorems",))
    A.add_ansatz(p, default="tpa")
    A.add_block(p)
    p.add_argument("--layers", type=A.layers_type, default=None, metavar="L",
                   help=f"ansatz layers of hea / ala: {A.LAYERS_HELP} (default: 1)")
    A.add_deprecated(p, "--ansatz-layers", "ansatz_layers", "--layers", convert=A.Layers)
    p.add_argument("--embedding", choices=EMBEDDINGS, default="hee", help="data embedding (default: hee)")
    p.add_argument("--embedding-layers", type=A.layers_type, default=None, metavar="L",
                   help=f"layers of --embedding hee / repetitions of che: {A.LAYERS_HELP} (default: 1)")
    p.add_argument("--dataset", default=None, choices=("digits", "iris", "breast_cancer", "wine", "uniform"),
                   help="digits (default), iris, breast_cancer, wine or uniform; needs an --embedding")
    A.add_n_data(p, None, old=("--samples",), help_="data points (default: all for real data, 100 uniform)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data subset (default: 0)")
    add_memory_limit(p)
    A.add_qubits(p, legacy=True, help_extra=f" (default: {DEFAULT_QUBITS})")
    A.add_observable(p)
    p.add_argument("--loss", default="linear", choices=("linear", "mse", "nll"), help="loss (default: linear)")
    p.add_argument("--parameter", default=None, help="differentiated parameter (default: middle of the first block)")
    p.add_argument("--random-blocks", action="store_true",
                   help="declare the ansatz blocks random local 2-designs (Model.two_design_blocks)")
    p.add_argument("--declare", action=declared_keys, metavar="KEY",
                   help="declare an assumption key to hold (repeatable or comma-separated; unknown keys are refused)")
    p.add_argument("--value", action="append",
                   help="supply a number, e.g. --value p_min=0.05 (repeatable); with --theorem KEY: evaluate its closed "
                   "forms at these numbers, e.g. --value n=1000000 --value s=2")
    p.add_argument("--all", action="store_true",
                   help="also show bounds whose assumptions fail (what-if values, marked *, with the failed assumption)")
    p.add_argument("--no-what-if", action="store_true", help=argparse.SUPPRESS)  # deprecated: the default now
    p.add_argument("--no-exact", action="store_true", help="skip exact variances (bounds.exact)")
    p.add_argument("--no-ensemble", action="store_true", help="skip frame potential / KL expressibility")
    A.add_progress(p)
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write report.md, report.json, bounds.tex, table.tex, bounds.bib and bounds.png/.pdf into DIR")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--latex", action="store_true", help="LaTeX table and formulas")
    p.set_defaults(func=run)
