"""``bpcalc compare A B C``: several architectures side by side over a range of n.

A, B, C are built-in names — hea (L = n layers), hea-log (L = ceil(log2 n)), ala
(2-qubit blocks, L = ceil(log2 n)), tpa (tensor product), qcnn (n a power of two, read out on
qubit 0) —, families ``module:function`` taking n, or single circuits side by side: files
(.qasm, .json, .qpy) and factories without an n argument, each at its own size.  The compared quantity is
Var[∂C/∂θ] of the first trainable parameter (--parameter max/mean/NAME for others), from the
exact Pauli-path engine (unbiased path sampling with a confidence interval when exact
enumeration would need more than --max-terms Pauli pairs).  See
:func:`bpcalc.verify.architecture.compare_architectures`.

Examples::

    bpcalc compare hea ala qcnn --qubits 4..64:x2
    bpcalc compare hea hea-log examples/my_family.py:brickwork --qubits 4..16:2 --plot cmp.png
    bpcalc compare examples/qiskit_hea_qasm3.qasm examples/qiskit_hea.qpy hea --qubits 4 --observable Z3
"""

from __future__ import annotations

import argparse
import sys

from . import _args as A
from ._memory import add_memory_limit

__all__ = ["register", "run"]


def compact_rows(comparison) -> tuple:
    """Rows of the compact LaTeX table: per architecture and n the value with its method, the
    tightest applicable (non-vacuous) bounds when evaluated (--bounds-up-to), the verdict."""
    import math

    from bpcalc.bounds import get_theorem

    from ..report import CompactRow

    def cite(b):
        try:
            bound = get_theorem(b["theorem"]).bound(b["bound"])
            return bound.citation or get_theorem(b["theorem"]).citation
        except (KeyError, ValueError):
            return None

    rows = []
    for a in comparison.architectures:
        fit = comparison.fits.get(a)
        for p in comparison.series(a):
            if p.value is None:
                continue
            lg = math.log10(p.value) if p.value > 0 else -math.inf
            method = {"path-sampled": "path-sampled", "truncated": "truncated"}.get(p.method, "exact")
            best = {}
            for kind, pick in (("upper", min), ("lower", max), ("exact", min)):
                cands = [b for b in p.bounds if b.get("kind") == kind and b.get("log10") is not None
                         and not b.get("vacuous") and b.get("sign", 1) > 0]
                if cands:
                    b = pick(cands, key=lambda b: b["log10"])
                    best[kind] = (b["log10"], cite(b))
            rows.append(CompactRow((a, str(p.n)), exact_log10=None if method == "path-sampled" else lg,
                                   exact_method=method, upper=best.get("upper"), lower=best.get("lower"),
                                   closed_form=best.get("exact"),
                                   sampled=(p.value, p.ci_low, p.ci_high) if p.ci_low is not None else None,
                                   verdict=fit.label if fit is not None else ""))
    return tuple(rows)


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import pathlib

    from ..architecture import compare_architectures, plot_comparison
    from ..report import Figure, to_json, write_report

    registry = None if args.theorem is None else A.select_theorems(args.theorem)
    for i, arch in enumerate(args.architectures):
        if arch.strip().lower() == "tp":  # the old short name of the tensor-product ansatz
            A.deprecation("architecture tp", "tpa", "compare")
            args.architectures[i] = "tpa"
    with A.working(args, "bpcalc compare"):
        comparison = compare_architectures(
            args.architectures, args.qubits, args.observable, args.parameter, method=args.method,
            max_terms=args.max_terms, n_samples=args.paths, seed=args.seed, bounds_up_to=args.bounds_up_to,
            exponent_symbols=args.exponent_symbols, registry=registry,
            memory_limit=args.memory_limit,
        )
    if args.plot:
        figure = str(plot_comparison(comparison, args.plot))
        print(f"wrote {figure}", file=sys.stderr)
    report = comparison.to_report()
    if args.out:
        png = plot_comparison(comparison, pathlib.Path(args.out) / "compare.png")
        caption = png.with_name("compare.caption.txt").read_text(encoding="utf-8").strip()
        report = dataclasses.replace(comparison.to_report(), figures=(Figure("compare.png", caption),),
                                     compact=compact_rows(comparison), compact_headers=("architecture", "$n$"))
        paths = write_report(report, args.out)
        print(f"wrote {png}, {png.with_suffix('.pdf')}, {', '.join(str(p) for p in paths.values())}",
              file=sys.stderr)
    if args.json:
        print(to_json(report))
    else:
        print(comparison.to_text())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare architectures: Var[∂C/∂θ] against n, table + plot",
        description=__doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n\n")[2:]),
    )
    p.add_argument("architectures", nargs="+", metavar="ARCH",
                   help="hea, hea-log, ala, tpa, qcnn, module:function, or a circuit file (.qasm, .json, .qpy)")
    A.add_qubits(p, range_note=True, help_extra=" (default: 4..16:x2; the files' own sizes when every ARCH is a file)")
    A.add_observable(p, default=None, help_="one observable for all: " + A.OBSERVABLE_HELP.replace("(default: ", "(")
                     + "; default: each architecture's own (local; Z0 for qcnn; a family's own)")
    p.add_argument("--parameter", default="first", help="first (default), max, mean, or a symbol name")
    p.add_argument("--method", choices=("auto", "exact", "truncate", "sample"), default="auto",
                   help="exact engine mode (default auto: enumeration, path sampling when too large)")
    p.add_argument("--max-terms", type=int, default=2**17, help="Pauli-pair budget of exact enumeration")
    A.add_paths(p, default=2**14)
    p.add_argument("--seed", type=int, default=0, help="seed of path sampling (default 0)")
    add_memory_limit(p)
    p.add_argument("--bounds-up-to", type=int, default=0, metavar="N",
                   help="also evaluate the registered theorems for n <= N (their checks can be slow)")
    A.add_theorem(p, help_=A.THEOREM_HELP + "; with --bounds-up-to")
    A.add_progress(p)
    p.add_argument("--plot", metavar="PNG", help="write the plot of Var against n (PNG, PDF and .caption.txt)")
    p.add_argument("--json", action="store_true", help="print the full comparison as JSON")
    p.add_argument("--out", metavar="DIR", help="write report.json, report.md, compare.png/.pdf/.caption.txt, "
                   "table.tex and bounds.bib (with --bounds-up-to) into DIR")
    p.add_argument("--exponent-symbols", choices=("angle", "symbol"), default="angle",
                   help="symbols in exponents (X**t, TFQ style): 'angle' (default: t ~ U[0,2), derivative by the angle πt, "
                        "same numbers as rx) or 'symbol' (derivative by t: π² times larger)")
    p.set_defaults(func=run)
