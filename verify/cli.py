"""The ``bpcalc`` command line.

Each sub-command lives in its own module ``verify/commands/<name>.py`` exposing
``register(subparsers)``; this module only assembles them, so commands stay small and
independent.  Exit codes: 0 success, 1 a check failed (e.g. a violated bound), 2 bad input,
3 over the memory budget (``--memory-limit``; one line naming the method that fits),
130 interrupted (Ctrl-C or SIGTERM; finished points of long runs are kept, see ``--resume``).

A user error never prints a traceback: bad values (``ValueError``, ``TypeError``), missing or
unwritable files (``OSError``), an unknown name looked up on the user's behalf
(:class:`UserLookupError`) become one line ``bpcalc CMD: error: …`` on
stderr with exit code 2; a refused memory budget (:class:`bpcalc.bounds.memory.MemoryBudgetExceeded`)
or an allocation failure is one line with exit code 3.  A closed output pipe (``bpcalc info --json |
head -1``) ends the command quietly with exit code 141 (128 + SIGPIPE, what a shell reports for a
program killed by it).  Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from typing import Iterator, Sequence

from ._version import __version__

__all__ = ["main", "build_parser", "COMMANDS", "UserLookupError", "one_line"]

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


class UserLookupError(KeyError):
    """A name the user typed (a parameter, a theorem, a column) is not known.

    ``str()`` of a plain ``KeyError`` is the repr of its key; this one prints its message.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown name"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``bpcalc CMD: error: … (see bpcalc CMD -h)``."""

    def error(self, message: str):  # type: ignore[override]
        text = " ".join(str(message).split())
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} -h)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bpcalc",
        description="Barren-plateau calculator: bounds, exact variances and sampled checks of "
        "loss-gradient variances for Cirq QML models.",
    )
    parser.add_argument("--version", action="version", version=f"bpcalc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"bpcalc.verify.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bpcalc.verify.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def one_line(exc: BaseException) -> str:
    """The message of a user error on one line (``OSError``: ``strerror: 'filename'``)."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        text = f"{exc.strerror}: {exc.filename!s}"
        if exc.filename2 is not None:
            text += f" -> {exc.filename2!s}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _interrupt_hint(args: argparse.Namespace) -> str:
    """How to continue an interrupted long run (its finished points are on disk)."""
    hint = getattr(args, "resume_hint", None)
    return hint(args) if callable(hint) else ""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: finished points are kept and the run says how to resume."""


def _raise_terminated(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`_Terminated` while a command runs (main thread only)."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _user_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ValueError, TypeError, OSError, UserLookupError]
    try:
        from bpcalc.bounds.memory import MemoryBudgetExceeded
    except ImportError:  # pragma: no cover - bounds ships with bpcalc
        pass
    else:
        errors.append(MemoryBudgetExceeded)
    return tuple(errors)


EXIT_BROKEN_PIPE = 141
"""Exit code when the reader of stdout went away (128 + SIGPIPE)."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout replaced by an object without a descriptor
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``bpcalc`` with ``argv``; returns the exit code (see the module docstring).

    A closed output pipe ends every command the same way, once, here: no traceback, no
    "Exception ignored" message from the interpreter's final flush, exit code 141.
    """
    try:
        try:
            return _main(argv)
        finally:  # flush here, so that a reader that went away surfaces inside this try
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        with _sigterm_as_interrupt():
            return int(args.func(args) or 0)
    except MemoryError as exc:
        # MemoryBudgetExceeded (an engine's estimate was above --memory-limit; nothing was
        # allocated) or numpy's allocation failure: one line, never a traceback
        from bpcalc.bounds.memory import MemoryBudgetExceeded

        text = str(exc)
        if not isinstance(exc, MemoryBudgetExceeded):
            text = (f"out of memory{': ' + text if text else ''}; use smaller sizes, or --memory-limit "
                    "so that the engines refuse before allocating")
        print(f"bpcalc {args.command}: error: {text}", file=sys.stderr)
        return 3
    except BrokenPipeError:  # not a user error: main() ends quietly
        raise
    except _user_errors() as exc:
        print(f"bpcalc {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        what = "terminated (SIGTERM)" if isinstance(exc, _Terminated) else "interrupted"
        hint = _interrupt_hint(args)
        print(f"bpcalc {args.command}: {what}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
