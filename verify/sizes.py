"""The one grammar of qubit counts (``--qubits`` and every library function taking sizes).

Comma-separated items, each ``N``, ``A..B`` (every integer from A to B), ``A..B:S`` (step S)
or ``A..B:xF`` (geometric: A, A·F, A·F², … up to B); or a sequence of ints.  The CLI's
``--qubits`` (:mod:`bpcalc.verify.commands._args`) and the family scans and comparisons
(:func:`bpcalc.verify.families.family_scaling`, :func:`bpcalc.verify.comparison.compare`) read
sizes with this one function.
"""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["QUBIT_RANGE", "parse_qubits"]

QUBIT_RANGE = re.compile(r"(\d+)\.\.(\d+)(?::(x|\*)?(\d+))?")


def parse_qubits(text: str | int | Sequence[int]) -> tuple[int, ...]:
    """Qubit counts from the one ``--qubits`` grammar, as a sorted tuple of distinct ints.

    Comma-separated items, each ``N``, ``A..B`` (every integer from A to B), ``A..B:S`` (step
    S) or ``A..B:xF`` (geometric: A, A·F, A·F², … up to B).  A sequence of ints is accepted too.

    Examples
    --------
    >>> parse_qubits("4..8")
    (4, 5, 6, 7, 8)
    >>> parse_qubits("4..12:4"), parse_qubits("4..64:x2"), parse_qubits("4,8..10")
    ((4, 8, 12), (4, 8, 16, 32, 64), (4, 8, 9, 10))

    Raises
    ------
    ValueError : malformed text (naming the accepted forms), an empty range, counts < 1.
    """
    if isinstance(text, bool):
        raise TypeError(f"qubit counts must be integers or text like 4..16, got {text!r}")
    if isinstance(text, int):
        values = [text]
    elif isinstance(text, str):
        values = []
        items = [t.strip() for t in text.split(",")]
        if not any(items):
            raise ValueError("--qubits needs at least one qubit count, e.g. 8, 4,8,16 or 4..16")
        for item in items:
            if not item:
                raise ValueError(f"--qubits {text!r} has an empty item; use e.g. 4,8,16")
            if item.isdigit():
                values.append(int(item))
                continue
            m = QUBIT_RANGE.fullmatch(item.replace(" ", ""))
            if not m:
                raise ValueError(f"cannot read qubit counts --qubits {text!r} (at {item!r}); use 8, 4,8,16, 4..16 (every integer), "
                                 "4..16:2 (step 2) or 4..64:x2 (doubling)")
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"--qubits range {item!r} is empty (end < start)")
            step = int(m.group(4)) if m.group(4) else 1
            if m.group(3):  # geometric
                if step < 2 or a < 1:
                    raise ValueError(f"--qubits range {item!r}: a factor x2 or more and a start >= 1 are needed")
                v = a
                while v <= b:
                    values.append(v)
                    v *= step
            else:
                if step < 1:
                    raise ValueError(f"--qubits range {item!r}: the step must be >= 1")
                values.extend(range(a, b + 1, step))
    else:
        try:
            values = [int(v) for v in text]
        except (TypeError, ValueError):
            raise TypeError(f"qubit counts must be integers or text like 4..16, got {text!r}") from None
        if not values:
            raise ValueError("--qubits needs at least one qubit count")
    bad = [v for v in values if v < 1]
    if bad:
        raise ValueError(f"qubit counts must be >= 1, got {bad[0]}")
    return tuple(sorted(set(values)))
