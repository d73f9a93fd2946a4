"""The ``--memory-limit`` option, defined once for every command that runs an engine.

``bpcalc analyze|compare|sample|verify|bounds|exact --memory-limit 4GiB``: the budget every
engine estimates its allocations against (:class:`bpcalc.bounds.memory.MemoryBudget`); a run that
would exceed it stops before allocating with one line naming the method that fits
(:class:`bpcalc.bounds.memory.MemoryBudgetExceeded`, printed by :func:`bpcalc.verify.cli.main`, exit 3).
"""

from __future__ import annotations

import argparse

__all__ = ["MEMORY_LIMIT_HELP", "add_memory_limit", "memory_size"]

MEMORY_LIMIT_HELP = "memory budget for engines, e.g. 4GiB (default: half of available memory)"


def memory_size(text: str) -> int:
    """``argparse`` type: a memory size such as ``4GiB`` or ``500MB``, in bytes."""
    from bpcalc.bounds.memory import parse_bytes  # lazy: `bpcalc --help` imports no engine

    try:
        return parse_bytes(text)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_memory_limit(parser) -> None:
    """Add ``--memory-limit SIZE`` (stored as bytes in ``args.memory_limit``, default ``None``)."""
    parser.add_argument("--memory-limit", metavar="SIZE", type=memory_size, default=None, help=MEMORY_LIMIT_HELP)
