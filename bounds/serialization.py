"""The one JSON protocol of bpcalc: ``to_dict()`` on result types, and one sanitizer.

Every result, report and record type of bpcalc exposes ``to_dict() -> dict`` (never
``as_dict``): the :class:`SupportsToDict` protocol, checked for every public class of
``bpcalc.circuits``, ``bpcalc.bounds`` and ``bpcalc.verify`` by ``tests/test_one_owner.py``.  Its values may still hold numpy scalars and arrays, sympy expressions,
paths, non-finite floats or nested objects with their own ``to_dict``; :func:`to_jsonable`
turns any such tree into plain JSON data, and :func:`dumps` writes it.  Every JSON writer
of bpcalc (``bpcalc … --json``, report files, sweep records, exact-variance results) goes
through these two functions, so a number is written the same way everywhere:

* numpy scalars → Python ``int`` / ``float`` / ``bool``; arrays → (nested) lists;
* non-finite floats → the strings ``"nan"``, ``"inf"``, ``"-inf"`` (valid JSON; a reader
  gets them back with ``float(s)``), or kept as floats with ``nonfinite="keep"`` for
  writers that emit JSON's ``NaN``/``Infinity`` extension on purpose;
* sympy objects → their ``sympy.sstr`` text; paths → ``str``;
* :class:`SupportsToDict` objects (``to_dict()``) → that dictionary; other dataclasses → ``dataclasses.asdict``;
* mapping keys → ``str``; tuples, sets and frozensets → lists;
* anything else → ``str(obj)``, or ``TypeError`` with ``unknown="raise"``.

Examples
--------
>>> import numpy as np
>>> to_jsonable({"v": np.float64(0.25), "n": np.int64(3), "bad": float("inf"), 1: (np.array([1.0, np.nan]),)})
{'v': 0.25, 'n': 3, 'bad': 'inf', '1': [[1.0, 'nan']]}
>>> dumps({"log10": float("-inf")})
'{"log10": "-inf"}'
>>> to_jsonable([float("nan")], nonfinite="keep")
[nan]
"""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib
import sys
from typing import Any, Literal, Mapping, Protocol, runtime_checkable

__all__ = ["SupportsToDict", "to_jsonable", "dumps", "NONFINITE_MODES", "UNKNOWN_MODES"]

NONFINITE_MODES = ("string", "keep")
UNKNOWN_MODES = ("str", "raise")


@runtime_checkable
class SupportsToDict(Protocol):
    """A result type of bpcalc: ``to_dict()`` returns its data as a ``dict``.

    The dictionary's values may hold numpy, sympy, path and nested ``to_dict`` objects;
    :func:`to_jsonable` (and so :func:`dumps`) turns them into JSON.  ``to_dict`` takes no
    arguments besides ``self``.  ``isinstance(obj, SupportsToDict)`` checks that ``obj`` has a
    ``to_dict`` attribute (``typing.runtime_checkable``); the signature and the JSON-ability of
    the output are checked by the test suite for every bpcalc class.

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Point:
    ...     x: float
    ...     def to_dict(self) -> dict:
    ...         return {"x": self.x, "kind": "point"}
    >>> isinstance(Point(1.5), SupportsToDict), isinstance(1.5, SupportsToDict)
    (True, False)
    >>> dumps(Point(float("nan")))
    '{"x": "nan", "kind": "point"}'
    """

    def to_dict(self) -> dict:
        ...


def _nonfinite(value: float, nonfinite: str) -> Any:
    if math.isfinite(value) or nonfinite == "keep":
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def to_jsonable(obj: Any, *, nonfinite: Literal["string", "keep"] = "string",
                unknown: Literal["str", "raise"] = "str") -> Any:
    """A JSON-safe copy of ``obj`` (see the module docstring for the rules).

    Parameters
    ----------
    obj : any tree of mappings, sequences, numbers, numpy / sympy objects, dataclasses and
        objects with ``to_dict()``.
    nonfinite : ``"string"`` (default; ``nan``/``±inf`` become ``"nan"``/``"inf"``/``"-inf"``)
        or ``"keep"`` (left as floats, for ``json.dumps(..., allow_nan=True)`` writers).
    unknown : ``"str"`` (default; other objects become ``str(obj)``) or ``"raise"``
        (``TypeError`` naming the type — for writers that must not lose information).

    Raises
    ------
    ValueError : an unknown ``nonfinite`` / ``unknown`` mode.
    TypeError : ``unknown="raise"`` and an object of no known kind.
    """
    if nonfinite not in NONFINITE_MODES:
        raise ValueError(f"nonfinite must be one of {NONFINITE_MODES}, got {nonfinite!r}")
    if unknown not in UNKNOWN_MODES:
        raise ValueError(f"unknown must be one of {UNKNOWN_MODES}, got {unknown!r}")
    return _convert(obj, nonfinite, unknown)


def _convert(obj: Any, nonfinite: str, unknown: str) -> Any:
    # numpy / sympy are only consulted when already imported: an object of theirs implies it
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(obj, np.ndarray):
            return [_convert(x, nonfinite, unknown) for x in obj.tolist()] if obj.ndim else \
                _convert(obj.item(), nonfinite, unknown)
        if isinstance(obj, np.generic):
            obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return _nonfinite(float(obj), nonfinite)
    if isinstance(obj, Mapping):
        return {str(k): _convert(v, nonfinite, unknown) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_convert(x, nonfinite, unknown) for x in obj]
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(obj, sympy.Basic):
        return sympy.sstr(obj)
    if isinstance(obj, pathlib.PurePath):
        return str(obj)
    if isinstance(obj, SupportsToDict) and not isinstance(obj, type) and callable(obj.to_dict):
        return _convert(obj.to_dict(), nonfinite, unknown)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _convert(dataclasses.asdict(obj), nonfinite, unknown)
    if unknown == "raise":
        raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable "
                        "(give it a to_dict() method or convert it first)")
    return str(obj)


def dumps(obj: Any, *, indent: int | None = None, nonfinite: Literal["string", "keep"] = "string",
          unknown: Literal["str", "raise"] = "str", **json_kwargs: Any) -> str:
    """``json.dumps(to_jsonable(obj, ...))``: the one way bpcalc writes JSON.

    ``ensure_ascii=False`` and ``allow_nan`` (``False`` unless ``nonfinite="keep"``) are set
    here; other keyword arguments (``sort_keys``, ``separators``) pass through to
    :func:`json.dumps`.

    >>> dumps({"b": 1, "a": (2, 3)}, sort_keys=True)
    '{"a": [2, 3], "b": 1}'
    """
    json_kwargs.setdefault("ensure_ascii", False)
    json_kwargs.setdefault("allow_nan", nonfinite == "keep")
    return json.dumps(to_jsonable(obj, nonfinite=nonfinite, unknown=unknown), indent=indent, **json_kwargs)
