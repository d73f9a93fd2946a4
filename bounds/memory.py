"""Memory budget shared by every engine: estimate before allocating, refuse in one line.

Every engine of bpcalc (Pauli-pair tables, state-vector batches, density matrices, Lie-algebra
bases, tensor networks) estimates the bytes it is about to allocate and calls
:meth:`MemoryBudget.check` first.  When the estimate exceeds the budget, the engine stops
*before* allocating with a :class:`MemoryBudgetExceeded` whose message names what was needed
and which method would fit — instead of being killed by the kernel or raising a bare
``MemoryError`` from numpy.

The default budget is half of the memory available to this process: the smaller of the
machine's available memory (``MemAvailable`` in ``/proc/meminfo``, else the physical memory)
and the address-space limit ``RLIMIT_AS`` when one is set.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional, Union

__all__ = [
    "MemoryBudget",
    "MemoryBudgetExceeded",
    "available_memory",
    "format_bytes",
    "parse_bytes",
]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


class MemoryBudgetExceeded(MemoryError):
    """An engine would need more memory than its budget allows; nothing was allocated.

    The message is one line: what was needed, the budget, and the method that would fit.
    """


def parse_bytes(text: Union[str, int, float]) -> int:
    """Parse a memory size such as ``'4GiB'``, ``'500MB'``, ``'2e9'`` or ``1024`` into bytes.

    Examples
    --------
    >>> parse_bytes("4GiB")
    4294967296
    >>> parse_bytes("500 MB")
    500000000
    >>> parse_bytes(2048)
    2048
    """
    if isinstance(text, bool):
        raise TypeError(f"memory size must be a number of bytes or a string like '4GiB', got {text!r}")
    if isinstance(text, (int, float)):
        value, unit = float(text), ""
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
        if m is None or m.group(2).lower() not in _UNITS:
            raise ValueError(
                f"cannot read memory size {text!r}: use a number of bytes or a unit "
                "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB (e.g. '4GiB')"
            )
        value, unit = float(m.group(1)), m.group(2).lower()
    n = value * _UNITS[unit]
    if not (n > 0) or n != n or n == float("inf"):
        raise ValueError(f"memory size must be positive and finite, got {text!r}")
    return int(n)


def format_bytes(n: float) -> str:
    """Format a byte count for a message (binary units).

    Examples
    --------
    >>> format_bytes(3 * 2**30)
    '3.00 GiB'
    >>> format_bytes(512)
    '512 B'
    """
    n = float(n)
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{int(n)} B"


def _address_space_in_use() -> int:
    """Virtual memory of this process in bytes (``VmSize``; 0 where unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def available_memory() -> int:
    """Bytes this process can allocate: min(available machine memory, RLIMIT_AS soft limit − address space in use)."""
    avail: Optional[int] = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 8 * 1024**3
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
            # the limit caps the *address space*, of which this process already uses some
            avail = min(avail, max(int(soft) - _address_space_in_use(), 0))
    except (ImportError, ValueError, OSError):
        pass
    return int(avail)


@dataclass(frozen=True)
class MemoryBudget:
    """How many bytes one engine call may allocate.

    Parameters
    ----------
    limit_bytes
        The budget in bytes.

    Examples
    --------
    >>> budget = MemoryBudget.from_limit("1GiB")
    >>> budget.check(2**20, what="a 2^17-entry state vector")  # fits: returns None
    >>> try:
    ...     budget.check(2**33, what="a 2^30-entry state vector", alternative="path sampling")
    ... except MemoryBudgetExceeded as exc:
    ...     print(exc)
    a 2^30-entry state vector needs 8.00 GiB, above the memory budget of 1.00 GiB; use path sampling (or raise the budget with --memory-limit / memory_limit=)
    """

    limit_bytes: int

    def __post_init__(self) -> None:
        if isinstance(self.limit_bytes, bool) or not isinstance(self.limit_bytes, int) or self.limit_bytes <= 0:
            raise ValueError(f"limit_bytes must be a positive integer, got {self.limit_bytes!r}")

    @classmethod
    def default(cls) -> "MemoryBudget":
        """Half of the memory available to this process (see :func:`available_memory`)."""
        return cls(max(1, available_memory() // 2))

    @classmethod
    def from_limit(cls, limit: Union[None, str, int, float, "MemoryBudget"]) -> "MemoryBudget":
        """A budget from ``None`` (the default), a size (``'4GiB'``, bytes) or a budget."""
        if limit is None:
            return cls.default()
        if isinstance(limit, MemoryBudget):
            return limit
        return cls(parse_bytes(limit))

    def fits(self, n_bytes: float) -> bool:
        """Whether ``n_bytes`` fit in the budget."""
        return float(n_bytes) <= self.limit_bytes

    def check(self, n_bytes: float, what: str, alternative: Optional[str] = None) -> None:
        """Raise :class:`MemoryBudgetExceeded` (one line) if ``n_bytes`` exceed the budget.

        Parameters
        ----------
        n_bytes
            Estimated bytes about to be allocated.
        what
            What would be allocated, e.g. ``"exact enumeration of 2^22 Pauli pairs"``.
        alternative
            The method that would fit, e.g. ``"method='sample' (path sampling)"``.
        """
        if self.fits(n_bytes):
            return
        hint = f"; use {alternative}" if alternative else ""
        raise MemoryBudgetExceeded(
            f"{what} needs {format_bytes(n_bytes)}, above the memory budget of "
            f"{format_bytes(self.limit_bytes)}{hint} (or raise the budget with --memory-limit / memory_limit=)"
        )
