"""The ``bpcalc`` command line.

Each sub-command lives in its own module ``verify/commands/<name>.py`` exposing
``register(subparsers)``; this module only assembles them, so commands stay small and
independent.  Exit codes: 0 success, 1 a check failed (e.g. a violated bound), 2 bad input,
3 over the memory budget (``--memory-limit``; one line naming the method that fits).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ._version import __version__

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = (
    "info",
    "demo",
    "bounds",
    "exact",
    "analyze",
    "compare",
    "sample",
    "verify",
    "hardware",
    "reproduce",
    "sweep",
    "docs",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bpcalc",
        description="Barren-plateau calculator: bounds, exact variances and sampled checks of "
        "loss-gradient variances for Cirq QML models.",
    )
    parser.add_argument("--version", action="version", version=f"bpcalc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"verify.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"verify.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except MemoryError as exc:
        # MemoryBudgetExceeded (an engine's estimate was above --memory-limit; nothing was
        # allocated) or numpy's allocation failure: one line, never a traceback
        from bounds.memory import MemoryBudgetExceeded

        text = str(exc)
        if not isinstance(exc, MemoryBudgetExceeded):
            text = (f"out of memory{': ' + text if text else ''}; use smaller sizes, or --memory-limit "
                    "so that the engines refuse before allocating")
        print(f"bpcalc {args.command}: error: {text}", file=sys.stderr)
        return 3
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"bpcalc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
