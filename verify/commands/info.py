"""``bpcalc info``: versions and which optional backends are importable."""

from __future__ import annotations

import argparse
import importlib
import platform
import sys

from .._version import __version__

OPTIONAL = {
    "qsimcirq": "fast: qsim state-vector backend",
    "matplotlib": "plot: figures",
    "dask": "distributed: sweeps on a Dask cluster",
    "distributed": "distributed: sweeps on a Dask cluster",
    "pennylane": "benchmarks only: PennyLane lightning comparison",
    "mkdocs": "docs: build the documentation",
}
REQUIRED = ("cirq", "cirq_google", "sympy", "numpy", "scipy", "networkx", "sklearn")


def _version_of(module: str) -> str | None:
    try:
        mod = importlib.import_module(module)
    except Exception:
        return None
    return str(getattr(mod, "__version__", "installed"))


def collect_info() -> dict:
    """Versions of bpcalc, Python and every required / optional dependency."""
    return {
        "bpcalc": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "required": {m: _version_of(m) for m in REQUIRED},
        "optional": {m: {"version": _version_of(m), "purpose": p} for m, p in OPTIONAL.items()},
    }


def run(args: argparse.Namespace) -> int:
    info = collect_info()
    if args.json:
        from bpcalc.bounds.serialization import dumps
        print(dumps(info, indent=2))
        return 0
    print(f"bpcalc {info['bpcalc']}  (Python {info['python']}, {info['platform']})")
    print("required:")
    for m, v in info["required"].items():
        print(f"  {m:<12} {v or 'MISSING'}")
    print("optional:")
    for m, d in info["optional"].items():
        status = d["version"] or "not installed"
        print(f"  {m:<12} {status:<14} {d['purpose']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="versions and optional backends")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
