"""Symbols of parametrized circuits: ordering, occurrences, naming conventions.

Naming conventions used by every builder of :mod:`circuits`:

* trainable parameters: ``theta_<layer>_<qubit>_<k>`` for per-qubit rotations
  (``k`` indexes the rotations applied to that qubit within the layer) and
  ``theta_<layer>_b<block>_<k>`` for parameters of multi-qubit blocks;
* data (embedding) parameters: ``x_<j>`` for feature ``j`` (0-based).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

import cirq
import sympy

from ._validation import require_circuit

__all__ = [
    "parameter_symbols",
    "symbol_occurrences",
    "data_symbols",
    "sort_symbols",
    "symbols_matching",
]

_TRAILING_INT = re.compile(r"(\d+)")


def _natural_key(symbol: sympy.Symbol) -> tuple:
    parts = _TRAILING_INT.split(symbol.name)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def sort_symbols(symbols: Iterable[sympy.Symbol]) -> list[sympy.Symbol]:
    """Sort symbols naturally (``x_2`` before ``x_10``)."""
    return sorted(symbols, key=_natural_key)


def parameter_symbols(circuit: cirq.AbstractCircuit) -> list[sympy.Symbol]:
    """All sympy symbols of ``circuit``, in order of first appearance (moment by moment)."""
    require_circuit(circuit)
    seen: dict[sympy.Symbol, None] = {}
    for moment in circuit:
        for op in moment:
            for s in sort_symbols(cirq.parameter_symbols(op)):
                seen.setdefault(s, None)
    return list(seen)


def symbol_occurrences(
    circuit: cirq.AbstractCircuit,
) -> dict[sympy.Symbol, list[tuple[int, cirq.Operation]]]:
    """Map each symbol to the ``(moment_index, operation)`` pairs that use it."""
    require_circuit(circuit)
    occ: dict[sympy.Symbol, list[tuple[int, cirq.Operation]]] = defaultdict(list)
    for i, moment in enumerate(circuit):
        for op in moment:
            for s in cirq.parameter_symbols(op):
                occ[s].append((i, op))
    return dict(occ)


def data_symbols(n_features: int) -> list[sympy.Symbol]:
    """The data symbols ``x_0 .. x_{n_features-1}`` used by the embeddings."""
    return [sympy.Symbol(f"x_{j}") for j in range(n_features)]


def symbols_matching(symbols: Iterable[sympy.Symbol], pattern: str) -> list[sympy.Symbol]:
    """Symbols whose names match a shell-style glob ``pattern`` (``'theta_*'``)."""
    import fnmatch

    return [s for s in symbols if fnmatch.fnmatchcase(s.name, pattern)]
