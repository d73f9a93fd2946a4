"""Brute-force references for the soundness suite (independent of the engines under test).

Exact trigonometric grids
-------------------------
Every trainable symbol ``s`` enters the circuit through one Pauli rotation ``exp(-i φ P/2)``
with ``φ = c s + d``.  For ``c`` an integer (``rx``-style, period 2π in ``s``) or ``c = kπ``
(``X**s``-style, period 2 in ``s``) the state is a trigonometric polynomial of degree ``f = |k|``
in the phase ``2π s / period``, so ``ℓ = Tr[O U ρ U†]`` has degree ``≤ 2f`` and ``∂ℓ`` too.  Any
product of ``r`` such factors has degree ``≤ 2fr`` per parameter, and the mean of a
trigonometric polynomial of degree ``D`` over ``G ≥ D + 1`` equispaced points of its period is
its exact average (the sum of ``e^{ijx}`` over ``G`` equispaced points vanishes for
``0 < |j| < G``).  Hence ``G = 3`` points per parameter (``f = 1``) are exact for
``E[ℓ]``, ``E[ℓ ℓ']`` and ``E[(∂ℓ)(∂ℓ')]`` (degree 2) — as ``exact_brute.grid_moments`` uses —
and ``G = 5`` for the MSE loss, whose ``(∂L)²`` has degree 4.  ``test_grid_size_is_exact``
checks the derivation numerically (``G`` and ``G + 2`` agree; ``G - 1`` may not).

Derivatives use the parameter-shift rule on ``cirq.unitary`` of the resolved gates; the
derivative is taken with respect to the rotation angle ``φ`` over its period (the project's
``'angle'`` convention: ``s ~ U[0, 2)`` for ``X**s``, i.e. ``φ = πs ~ U[0, 2π)``).
"""

from __future__ import annotations

import importlib.util
import itertools
import pathlib
import sys

import cirq
import numpy as np


def _load(name: str, path: pathlib.Path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_TESTS = pathlib.Path(__file__).resolve().parents[1]
exact_brute = _load("exact_brute", _TESTS / "bounds" / "exact" / "exact_brute.py")
two_design_reference = _load("two_design_reference", _TESTS / "bounds" / "theorems" / "two_design_reference.py")

noisy_brute = _load("noisy_brute", _TESTS / "bounds" / "theorems" / "noisy_brute.py")
two_copy_reference = _load("two_copy_reference", _TESTS / "bounds" / "theorems" / "two_copy_reference.py")
grid_moments = exact_brute.grid_moments
symbol_info = exact_brute.symbol_info


def grid_values(circuit, observable, qubits, states, params, points_per_degree: int = 1, offset: float = 0.1234):
    """``ℓ_i`` and ``∂_k ℓ_i`` on a full equispaced grid.

    Returns ``(ell, grads, symbols)``: ``ell`` ``(N, P)``, ``grads`` ``(K, N, P)`` for the
    ``params`` (in that order), ``P`` grid points, ``G = 2|k| · points_per_degree + 1`` points
    per symbol (``points_per_degree = 1``: exact for degree-2 averages, ``2``: degree 4).
    """
    info = symbol_info(circuit)
    symbols = list(info)
    grids = []
    for s in symbols:
        g = 2 * abs(info[s]["k"]) * points_per_degree + 1
        grids.append(np.arange(g) * info[s]["period"] / g + offset)
    points = np.array(list(itertools.product(*grids))) if symbols else np.zeros((1, 0))
    omat = observable.matrix(qubits)
    states = np.atleast_2d(states)

    def ell(pts):
        res = {s: pts[:, i] for i, s in enumerate(symbols)}
        out = []
        for psi in states:
            st = exact_brute.simulate(circuit, list(qubits), psi, res, symbols)
            out.append(np.einsum("pi,ij,pj->p", st.conj(), omat, st).real)
        return np.array(out)

    base = ell(points)
    grads = []
    for s in params:
        i = symbols.index(s)
        d = info[s]
        plus, minus = points.copy(), points.copy()
        plus[:, i] += d["shift"]
        minus[:, i] -= d["shift"]
        grads.append(d["dfac"] * (ell(plus) - ell(minus)) / 2.0)
    return base, np.array(grads), symbols


def gradient_variance(circuit, observable, qubits, states, param) -> np.ndarray:
    """Exact ``Var_θ[∂ℓ_i]`` per input state (grid of 3 points per unit frequency)."""
    grads, _, _ = grid_moments(circuit, observable, list(qubits), np.atleast_2d(states), [param])
    return np.diag(grads[0]).copy()  # E[∂ℓ] = 0 exactly (a derivative of a periodic function)


def loss_variance(circuit, observable, qubits, states) -> np.ndarray:
    """Exact ``Var_θ[ℓ_i]`` per input state."""
    _, second, mean = grid_moments(circuit, observable, list(qubits), np.atleast_2d(states), [])
    return np.diag(second) - mean**2


def unitary_matrix(circuit: cirq.Circuit, qubits) -> np.ndarray:
    return cirq.unitary(cirq.Circuit(circuit), qubit_order=list(qubits)) if list(circuit.all_operations()) \
        else np.eye(2 ** len(qubits))
