"""``bpcalc sweep``: a grid over n, layers, embeddings and seeds, locally or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys

from . import _args as A

DEFAULT_TASK = "bpcalc.verify.demo:gradient_variance_point"


def run(args: argparse.Namespace) -> int:
    from ..sweep import grid, resolve_task

    task = resolve_task(args.task)
    axes = {
        "n": list(args.qubits),
        "layers": args.embedding_layers,
        "embedding": args.embeddings,
        "seed": args.seeds,
        "dataset": args.dataset,
        "n_data": args.n_data,
        "n_draws": args.draws,
    }
    points = grid(**axes)
    try:
        result = _run(task, points, args)
    except FileExistsError as exc:
        print(f"bpcalc sweep: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{len(result.records)} points in {result.path}: {len(result.ok)} ok, {len(result.failed)} failed "
        f"({result.computed} computed now, {result.elapsed_s:.1f} s)"
    )
    for rec in result.failed:
        last = (rec.error or "").strip().splitlines()[-1:] or [""]
        print(f"  failed {rec.point}: {last[0]}", file=sys.stderr)
    if args.report:
        from ..demo import report_from_records
        from ..report import write_report

        report, _rows, _fits = report_from_records(result.records, config=vars_of(args), out_dir=args.report,
                                                   title="bpcalc sweep: dataset-induced barren plateau")
        paths = write_report(report, args.report)
        print(f"report: {paths['markdown']}")
    return 1 if result.failed else 0


def _run(task, points, args: argparse.Namespace):
    from ..sweep import sweep

    return sweep(task, points, args.out, scheduler=args.scheduler, max_workers=args.workers, resume=args.resume,
                 overwrite=args.force, retries=args.retries, progress=not args.no_progress)


def _layers(text: str):
    if text in ("auto", "n"):
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must be an integer, 'n' or 'auto', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"layers must be >= 1, got {value}")
    return value


def vars_of(args: argparse.Namespace) -> dict:
    return {k: v for k, v in vars(args).items() if k != "func"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a grid of points (n, layers, embeddings, seeds) on a process pool or a Dask cluster",
        description="Evaluate a task on every point of a grid. Every finished point is appended to OUT at once "
        "(JSON lines, flushed and fsync-ed), so a killed run or a lost worker loses nothing; --resume continues. "
        "Local process pool by default; --scheduler tcp://host:port uses an existing Dask distributed cluster.",
    )
    p.add_argument("--out", default="bpcalc-out/sweep.jsonl", help="JSON-lines file of records (default: bpcalc-out/sweep.jsonl)")
    A.add_qubits(p, default="4,6,8", legacy=True)
    A.add_deprecated(p, "--n", "qubits", "--qubits", nargs="+", convert=lambda vs: A.parse_qubits(",".join(vs)))
    A.add_deprecated(p, "--layers", "embedding_layers", "--embedding-layers", nargs="+",
                     convert=lambda vs: [_layers(v) for v in vs])
    p.add_argument("--embedding-layers", type=_layers, nargs="+", default=["auto"],
                   help="embedding layers / CHE repetitions: integers, 'n' (= number of qubits) or 'auto' "
                   "(HEE: n, CHE: 1; the default)")
    p.add_argument("--embeddings", nargs="+", default=["tpe", "hee", "che"], choices=["tpe", "hee", "che"],
                   help="data embeddings (default: tpe hee che)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds, one point per seed (default: 0)")
    p.add_argument("--dataset", nargs="+", default=["digits"], choices=["digits", "iris", "breast_cancer", "wine", "uniform"],
                   help="datasets: digits, iris, breast_cancer, wine, uniform")
    p.add_argument("--n-data", type=A.positive_int, nargs="+", default=[12], help="data points per dataset (default: 12)")
    p.add_argument("--draws", type=A.positive_int, nargs="+", default=[200],
                   help="parameter draws θ ~ U[0, 2π) per sampled variance (default: 200)")
    A.add_deprecated(p, "--n-draws", "draws", "--draws", nargs="+", convert=lambda vs: [A.positive_int(v) for v in vs])
    p.add_argument("--task", default=DEFAULT_TASK, help=f"point function 'module:function' (default: {DEFAULT_TASK})")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port (default: local processes)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: number of CPUs)")
    p.add_argument("--retries", type=int, default=2, help="re-runs of a point whose worker died (default: 2)")
    p.add_argument("--resume", action="store_true", help="continue OUT, skipping finished points")
    p.add_argument("--force", action="store_true", help="overwrite OUT")
    p.add_argument("--report", default=None, metavar="DIR", help="also write a report (Markdown, JSON, LaTeX) to DIR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run, resume_hint=lambda a: f"finished points are kept in {a.out}; continue with --resume")
