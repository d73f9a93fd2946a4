"""Calling a user's circuit factory: its exception becomes one line with its location."""

from __future__ import annotations

import inspect
import os
import traceback
from typing import Any, Callable, Mapping

__all__ = ["FactoryError", "call_factory", "exec_user_module"]


class FactoryError(ValueError):
    """A user's factory (``module:function``) raised; the message names the exception and
    the file:line where it was raised (the user's code, not bpcalc's)."""


def _location(exc: BaseException, fn: Callable) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop call_factory's own frame
    if not frames:
        return ""
    try:
        home = inspect.getsourcefile(fn) or ""
    except TypeError:
        home = ""
    mine = [f for f in frames if home and f.filename == home]
    frame = (mine or frames)[-1]
    return f" (at {frame.filename}:{frame.lineno}, in {frame.name})"


def call_factory(fn: Callable[..., Any], spec: str, kwargs: Mapping[str, Any]) -> Any:
    """``fn(**kwargs)``; any exception of the user's code is re-raised as :class:`FactoryError`.

    Arguments that do not fit the factory's signature raise ``TypeError`` before the call.

    Examples
    --------
    >>> def broken(n):
    ...     raise RuntimeError("no circuit for n = %d" % n)
    >>> try:
    ...     call_factory(broken, "my:broken", {"n": 3})
    ... except FactoryError as exc:
    ...     print(str(exc).split(" (at ")[0])
    factory 'my:broken' raised RuntimeError: no circuit for n = 3
    """
    try:
        inspect.signature(fn).bind(**kwargs)
    except TypeError as exc:  # wrong arguments for the factory: the caller's TypeError, unchanged
        raise TypeError(f"{getattr(fn, '__name__', spec)}() {exc}") from None
    except ValueError:  # no introspectable signature (a builtin): just call it
        pass
    try:
        return fn(**kwargs)
    except Exception as exc:  # noqa: BLE001 - the user's code: any failure is reported, in one line
        text = " ".join(str(exc).split()) or "(no message)"
        raise FactoryError(f"factory {spec!r} raised {type(exc).__name__}: {text}{_location(exc, fn)}") from exc


def exec_user_module(loader: Any, module: Any, path: str) -> None:
    """Execute a user's factory file; an error in it becomes one :class:`FactoryError` line."""
    try:
        loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's file: any failure is reported, in one line
        text = " ".join(str(exc).split()) or "(no message)"
        real = os.path.realpath(path)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == real]
        where = f" (at {path}:{frames[-1].lineno})" if frames else ""
        raise FactoryError(f"importing {path} raised {type(exc).__name__}: {text}{where}") from exc
