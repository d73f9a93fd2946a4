"""Fixed-angle rotations at scale (issue 15, item 1): merging, coefficient threshold ``tol``,
and the rigorous error bound without amplification by the remaining fixed rotations.

References: brute-force state-vector averaging over exact trigonometric grids
(``exact_brute.grid_moments``), independent of the engine.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E
from exact_brute import grid_moments, random_state

TOLS = (1e-3, 1e-2, 5e-2, 0.2)


def fixed_heavy_circuit(n: int, n_params: int, rng: np.random.Generator):
    """Trainable rotations interleaved with many constant non-Clifford rotations and Cliffords."""
    qs = cirq.LineQubit.range(n)
    syms = list(sympy.symbols(f"p0:{n_params}"))
    ops = []
    for s in syms:
        for _ in range(3):
            a, b = (int(v) for v in rng.choice(n, 2, replace=False))
            kind = int(rng.integers(4))
            phi = float(rng.uniform(0.1, 3.0))
            if kind == 0:
                ops.append([cirq.rx, cirq.ry, cirq.rz][int(rng.integers(3))](phi).on(qs[a]))
            elif kind == 1:
                ops.append(cirq.ZZ(qs[a], qs[b]) ** (phi / np.pi))
            elif kind == 2:
                ops.append(cirq.CNOT(qs[a], qs[b]))
            else:
                ops.append(cirq.XX(qs[a], qs[b]) ** (phi / np.pi))
        a = int(rng.integers(n))
        ops.append([cirq.rx, cirq.ry, cirq.rz][int(rng.integers(3))](s).on(qs[a]))
    return cirq.Circuit(ops), qs


def _check(seeds):
    checked = outside = truncated = 0
    for seed in seeds:
        rng = np.random.default_rng(500 + seed)
        n = 3
        circ, qs = fixed_heavy_circuit(n, 3, rng)
        obs = cirq.PauliSum.from_pauli_strings([cirq.Z(qs[0]), 0.5 * cirq.X(qs[1]) * cirq.Y(qs[2])])
        psis = np.stack([random_state(n, rng) for _ in range(2)])
        symbols = E.circuit_symbols(circ)
        grads, second, mean = grid_moments(circ, obs, list(qs), psis, symbols)
        u = np.array([0.6, -0.4])
        ref = np.einsum("i,kij,j->k", u, grads, u)
        ref_loss = u @ second @ u - (u @ mean) ** 2
        for tol in TOLS:
            r = E.exact_gradient_variance(circ, obs, psis, "all", weights=u, method="truncate", tol=tol, qubits=qs)
            bad = np.abs(r.values - ref) > r.error_bound + 1e-10
            if r.method == "exact":
                bad |= np.abs(r.values - ref) > 1e-10
            else:
                truncated += len(ref)
            checked += len(ref)
            outside += int(bad.sum())
            per_bound = r.details.get("per_state_error_bound", np.zeros_like(r.per_state))
            outside += int(np.sum(np.abs(r.per_state - np.einsum("kii->ki", grads)) > per_bound + 1e-10)) if \
                "per_state_error_bound" in r.details else 0
            lr = E.exact_loss_variance(circ, obs, psis, weights=u, method="truncate", tol=tol, qubits=qs)
            checked += 1
            truncated += lr.method == "truncated"
            outside += int(abs(lr.value - ref_loss) > lr.error_bound + 1e-10)
    return checked, outside, truncated


def test_tol_truncation_bound_holds_with_many_fixed_rotations():
    checked, outside, truncated = _check(range(12))
    assert truncated >= 60
    assert outside == 0, f"{outside} of {checked} values outside their error bound"


@pytest.mark.slow
def test_tol_truncation_bound_holds_on_200_instances():
    checked, outside, truncated = _check(range(12, 212))
    assert truncated >= 1000
    assert outside == 0, f"{outside} of {checked} values outside their error bound"


def test_bound_is_not_amplified_by_fixed_rotations():
    """A data-resolved HEE (40 fixed non-Clifford rotations) + HEA: the truncated value keeps a
    useful bound (<= 5% of the value); the former l1 bound multiplied in Π(|cos|+|sin|)² ≈ 10^5."""
    n = 4
    qs = cirq.LineQubit.range(n)
    rng = np.random.default_rng(3)
    emb = circuits.embed(circuits.hardware_efficient_embedding(n, 5), rng.uniform(0.3, 2.8, n))
    emb = cirq.Circuit(list(emb.all_operations()) + [cirq.ry(float(v)).on(q) for q, v in zip(qs, rng.uniform(0.3, 2.8, n))])
    circ = emb + circuits.hardware_efficient(n, 2)
    exact = E.exact_gradient_variance(circ, "Z0", None, "theta_0_0_0", method="exact", qubits=qs)
    r = E.exact_gradient_variance(circ, "Z0", None, "theta_0_0_0", method="truncate", tol=1e-5, qubits=qs)
    amp = np.prod([(abs(np.cos(float(rot.angle))) + abs(np.sin(float(rot.angle)))) ** 2
                   for op in emb.all_operations() if (rot := circuits.as_pauli_rotation(op)) is not None
                   and abs(np.sin(float(rot.angle)) * np.cos(float(rot.angle))) > 1e-9])
    assert amp > 1e4
    assert r.method == "truncated"
    assert abs(r.values[0] - exact.values[0]) <= r.error_bound[0] + 1e-12
    assert r.error_bound[0] <= 0.05 * exact.values[0]


def test_tol_is_validated():
    c = circuits.hardware_efficient(2, 1)
    with pytest.raises(ValueError, match="tol must be"):
        E.exact_gradient_variance(c, "Z0", method="truncate", tol=-1.0)
    with pytest.raises(ValueError, match="method='truncate'"):
        E.exact_gradient_variance(c, "Z0", method="exact", tol=0.1)
    with pytest.raises(ValueError, match="method='truncate'"):
        E.exact_loss_variance(c, "Z0", method="auto", tol=0.1)
