"""Density-matrix references for the noise theorems (independent of bounds.exact and of the theorem modules).

Noise convention: a single-qubit channel on every qubit after every moment (built here moment
by moment, not with cirq's ``with_noise``), input ``|0…0⟩``.  Derivatives by the parameter-shift
rule on the rotation angle (every symbol sits in ``rx/ry/rz`` gates of frequency 1).
"""

from __future__ import annotations

import cirq
import numpy as np


def noisy_circuit(circuit: cirq.Circuit, noise, qubits) -> cirq.Circuit:
    out = cirq.Circuit()
    for moment in circuit:
        out.append(moment)
        out.append(cirq.Moment(noise.on_each(*qubits)))
    return out


def final_density_matrix(circuit: cirq.Circuit, noise, qubits, resolver) -> np.ndarray:
    sim = cirq.DensityMatrixSimulator(dtype=np.complex128)
    c = cirq.resolve_parameters(noisy_circuit(circuit, noise, qubits), resolver)
    return sim.simulate(c, qubit_order=qubits).final_density_matrix


def noisy_cost(circuit, observable, noise, qubits, resolver) -> float:
    rho = final_density_matrix(circuit, noise, qubits, resolver)
    return float(np.real(np.trace(rho @ observable.matrix(qubits))))


def noisy_gradient(circuit, observable, noise, qubits, resolver: dict, symbol) -> float:
    """``∂C̃/∂θ`` for a symbol in one rotation of frequency 1 (parameter shift ±π/2)."""
    plus, minus = dict(resolver), dict(resolver)
    plus[symbol] = resolver[symbol] + np.pi / 2
    minus[symbol] = resolver[symbol] - np.pi / 2
    return (noisy_cost(circuit, observable, noise, qubits, plus)
            - noisy_cost(circuit, observable, noise, qubits, minus)) / 2


def grid(symbols, points: int = 3, offset: float = 0.1234):
    """Every point of the equispaced grid of ``points`` angles per symbol (exact for degree-2 averages)."""
    axes = [offset + 2 * np.pi * np.arange(points) / points for _ in symbols]
    mesh = np.meshgrid(*axes, indexing="ij")
    return [dict(zip(symbols, (float(m.ravel()[i]) for m in mesh))) for i in range(mesh[0].size)]


def gradient_moments(circuit, observable, noise, qubits, symbol):
    """``(max |∂C̃|, Var ∂C̃)`` over the exact 3-point grid (the variance is exact; the max is a lower
    estimate of ``sup_θ |∂C̃|``)."""
    symbols = sorted(cirq.parameter_symbols(circuit), key=lambda s: s.name)
    g = np.array([noisy_gradient(circuit, observable, noise, qubits, r, symbol) for r in grid(symbols)])
    return float(np.max(np.abs(g))), float(np.mean(g**2) - np.mean(g) ** 2)
