"""``bpcalc reproduce``: reproduce a paper's numerical experiment (``dataset-induced-bp``)."""

from __future__ import annotations

import argparse
import sys

from . import _args as A
from .demo import DATASET_CHOICES, resume_hint


def run(args: argparse.Namespace) -> int:
    from ..reproduce import ReproductionConfig, reproduce_dataset_induced_bp, write_docs_page

    kw = {}
    if args.quick:
        kw.update(sampled_ns=(4, 6, 8), exact_ns=(10,), product_ns=(16, 32), n_draws=100, n_data=6,
                  large_n_draws=60, large_n_data=4, block_depth=8)
    for name, attr in (("sampled_n", "sampled_ns"), ("exact_n", "exact_ns"), ("product_n", "product_ns")):
        v = getattr(args, name)
        if v is not None:
            kw[attr] = tuple(v)
    for name in ("embeddings", "datasets"):
        v = getattr(args, name)
        if v:
            kw[name] = tuple(v)
    for name, attr in (("draws", "n_draws"), ("n_data", "n_data"), ("block_depth", "block_depth"), ("seed", "seed"),
                       ("workers", "workers")):
        v = getattr(args, name)
        if v is not None:
            kw[attr] = v
    config = ReproductionConfig(**kw)
    result = reproduce_dataset_induced_bp(config, args.out, scheduler=args.scheduler, resume=args.resume,
                                          progress=not args.no_progress, force=args.force)
    print(f"reproduction of the dataset-induced barren plateau: {len(result.rows)} points in {result.elapsed_s:.0f} s")
    print("fitted decay bases b (± standard error), value ≈ C·b^-n over the sampled range:")
    for key, f in result.fits.items():
        ds, emb = key.split("/")
        parts = []
        for label, name in (("mean D_HS", "d_hs"), ("Var", "sampled"), ("Var/r_ns", "sampled_normalised")):
            if "base" in f.get(name, {}):
                parts.append(f"{label} {f[name]['base']:.3f} ± {f[name]['base_stderr']:.3f}")
        print(f"  {ds:>8} {emb.upper()}: " + "; ".join(parts))
    print(f"report: {result.paths['markdown']}")
    if args.docs:
        page = write_docs_page(result, args.docs)
        print(f"docs page: {page}")
    if result.failed:
        print(f"{result.failed} point(s) failed; see the report's notes", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce",
        help="reproduce the seed paper's experiment: reproduce dataset-induced-bp",
        description="Reproduce the numerical experiment of Thanasilp et al., arXiv:2110.14753 (dataset-induced "
        "barren plateaus): TPE, HEE and CHE embeddings on digits (PCA) and uniform random data; sampled variances "
        "up to n = 16 and exact values beyond; plots of mean D_HS and Var against n; fitted decay bases.",
    )
    p.add_argument("experiment", choices=["dataset-induced-bp"], help="the experiment")
    p.add_argument("--out", default="bpcalc-out/dataset-induced-bp", help="output directory")
    p.add_argument("--docs", default=None, metavar="DOCS_DIR",
                   help="also write DOCS_DIR/reproduction.md and its figures (e.g. --docs docs)")
    p.add_argument("--embeddings", nargs="+", choices=["tpe", "hee", "che"], default=None)
    p.add_argument("--datasets", nargs="+", default=None, choices=DATASET_CHOICES, help="default: digits uniform")
    A.add_qubits(p, option="--sampled-n", dest="sampled_n", legacy=True,
                 help_extra=": the sampled sizes (default: 4..16:2)")
    A.add_qubits(p, option="--exact-n", dest="exact_n", legacy=True,
                 help_extra=": exact-only sizes, entangling embeddings (default: 18,20)")
    A.add_qubits(p, option="--product-n", dest="product_n", legacy=True,
                 help_extra=": exact-only sizes for TPE (default: 20,32..256:x2)")
    A.add_draws(p, None, old=("--n-draws",), help_="parameter draws θ ~ U[0, 2π) for n <= 12 (default: 200)")
    A.add_n_data(p, None, help_="data points for n <= 12 (default: 12)")
    p.add_argument("--block-depth", type=int, default=None, help="RY-RZ-CZ layers per block (default: 12)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--workers", type=int, default=None, help="local worker processes")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port")
    p.add_argument("--quick", action="store_true", help="a small grid (a minute)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue OUT/points.jsonl")
    again.add_argument("--force", action="store_true",
                       help="discard the finished points of an earlier run in OUT (refused without it)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run, resume_hint=resume_hint)
