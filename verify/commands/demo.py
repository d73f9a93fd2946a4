"""``bpcalc demo``: the README's main command — the seed paper's dataset-induced barren plateau."""

from __future__ import annotations

import argparse
import sys
import time

from . import _args as A

DATASET_CHOICES = ("digits", "iris", "breast_cancer", "wine", "uniform")


def resume_hint(args: argparse.Namespace) -> str:
    """What to type to continue an interrupted run (finished points are in OUT/points.jsonl)."""
    return (f"finished points are kept in {args.out}/points.jsonl; continue with "
            f"`bpcalc {args.command} ... --out {args.out} --resume` (same options)")


def run(args: argparse.Namespace) -> int:
    from ..demo import DemoConfig, format_summary, run_demo

    kw = {}
    if args.quick:
        kw.update(ns=(4, 6, 8), n_draws=100, n_data=8, block_depth=8)
    if args.qubits:
        kw["ns"] = tuple(args.qubits)
    if args.embeddings:
        kw["embeddings"] = tuple(args.embeddings)
    for name, attr in (("draws", "n_draws"), ("n_data", "n_data"), ("block_depth", "block_depth"),
                       ("workers", "workers"), ("seed", "seed"), ("dataset", "dataset")):
        value = getattr(args, name)
        if value is not None:
            kw[attr] = value
    config = DemoConfig(**kw)
    from ..sweep import check_fresh_output

    check_fresh_output(f"{args.out}/points.jsonl", resume=args.resume, force=args.force)
    t0 = time.perf_counter()
    print(
        f"bpcalc demo: tensor-product QNN ({config.block_size}-qubit blocks, local cost, linear loss) on "
        f"{config.dataset} data; embeddings {', '.join(e.upper() for e in config.embeddings)}; "
        f"n = {', '.join(map(str, config.ns))}; {config.n_draws} parameter draws × {config.n_data} data points per point",
        file=sys.stderr,
    )
    result = run_demo(config, args.out, progress=not args.no_progress, resume=args.resume, force=args.force)
    print(format_summary(result.rows, result.fits))
    print()
    print(f"report: {result.paths['markdown']}  (also {result.paths['json'].name}, {result.paths['latex'].name}, "
          f"{result.paths['bibtex'].name} and figures in {result.paths['markdown'].parent})")
    print(f"wall time: {time.perf_counter() - t0:.1f} s")
    if result.failed:
        print(f"{result.failed} point(s) failed; see the report's notes", file=sys.stderr)
        return 1
    if not result.ok:
        print("a check reported a violated bound; see the report", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="the main job: bounds, exact and sampled variances for the seed paper's model, with a report",
        description="The seed paper's dataset-induced barren plateau (Thanasilp et al., arXiv:2110.14753): the "
        "tensor-product QNN with 2-qubit blocks and a local cost on the digits dataset, with the TPE, HEE and CHE "
        "embeddings for n = 4..12. For every point: the registry's exact prediction r_{n,s}·mean D_HS, the exact "
        "variance (2-design chain and Pauli paths), the sampled variance with a confidence interval and the check; "
        "then the fitted decay base per embedding, a summary table, and a report (Markdown, JSON, LaTeX, plots).",
    )
    p.add_argument("--out", default="bpcalc-report", help="report directory (default: bpcalc-report)")
    A.add_qubits(p, legacy=True, help_extra=" (default: 4..12:2)")
    A.add_deprecated(p, "--n", "qubits", "--qubits", nargs="+", convert=lambda vs: A.parse_qubits(",".join(vs)))
    p.add_argument("--embeddings", nargs="+", choices=["tpe", "hee", "che"], default=None,
                   help="embeddings (default: tpe hee che)")
    p.add_argument("--dataset", default=None, choices=DATASET_CHOICES,
                   help="digits (default), iris, breast_cancer, wine or uniform")
    A.add_draws(p, None, old=("--n-draws",), help_="parameter draws θ ~ U[0, 2π) per sampled variance (default: 200)")
    A.add_n_data(p, None, help_="data points (default: 12)")
    p.add_argument("--block-depth", type=int, default=None, help="RY-RZ-CZ layers per block (default: 12)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default: 0)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: number of CPUs)")
    p.add_argument("--quick", action="store_true", help="a smaller run: n = 4 6 8, fewer draws (seconds)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="reuse finished points in OUT/points.jsonl")
    again.add_argument("--force", action="store_true",
                       help="discard the finished points of an earlier run in OUT (refused without it)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run, resume_hint=resume_hint)
