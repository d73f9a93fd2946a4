"""Truncated Pauli-pair enumeration: the error bound is rigorous (issue 13, item 2).

Reference values come from brute-force state-vector averaging over exact trigonometric grids
(``exact_brute.grid_moments``), independent of the engine under test.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import exact as E
from exact_brute import grid_moments, random_state
from test_exact_pauli_paths import random_circuit, random_observable

BUDGETS = (2, 3, 5, 8, 13, 24)


def test_weight_dropped_before_a_column_is_switched_on_is_in_its_bound():
    """The issue's reproduction: true value 0.043815, old code said 'exact', 0 ± 0."""
    qs = cirq.LineQubit.range(4)
    obs = cirq.Z(qs[0]) * cirq.Z(qs[1]) + 0.5 * cirq.X(qs[2])
    circ = circuits.hardware_efficient(4, 3)
    ref = E.exact_gradient_variance(circ, obs, parameters=["theta_0_2_0"], method="exact")
    assert ref.values[0] == pytest.approx(0.043815, abs=1e-6)
    r = E.exact_gradient_variance(circ, obs, parameters=["theta_0_2_0"], method="truncate", max_terms=4)
    assert r.method == "truncated"
    assert abs(r.values[0] - ref.values[0]) <= r.error_bound[0] + 1e-12
    assert r.error_bound[0] > 0


def _truncated_values(seeds):
    """(values checked, values outside their bound, truncated values) over random instances."""
    checked = outside = truncated = 0
    for seed in seeds:
        rng = np.random.default_rng(1000 + seed)
        n = 3 + seed % 2
        circ, qs = random_circuit(n, 4, rng)
        obs = random_observable(qs, rng, terms=int(rng.integers(1, 5)))
        psis = np.stack([random_state(n, rng) for _ in range(2)])
        symbols = E.circuit_symbols(circ)
        grads, second, mean = grid_moments(circ, obs, qs, psis, symbols)
        u = np.array([0.7, 0.3])
        ref = np.einsum("i,kij,j->k", u, grads, u)
        ref_loss = u @ second @ u - (u @ mean) ** 2
        for budget in BUDGETS:
            r = E.exact_gradient_variance(circ, obs, psis, "all", weights=u, method="truncate", max_terms=budget,
                                          qubits=qs)
            bad = np.abs(r.values - ref) > r.error_bound + 1e-10
            if r.method == "exact":  # nothing dropped: must be exact
                bad |= np.abs(r.values - ref) > 1e-10
            else:
                truncated += len(ref)
            checked += len(ref)
            outside += int(bad.sum())
            lr = E.exact_loss_variance(circ, obs, psis, weights=u, method="truncate", max_terms=budget, qubits=qs)
            checked += 1
            truncated += lr.method == "truncated"
            outside += int(abs(lr.value - ref_loss) > lr.error_bound + 1e-10)
    return checked, outside, truncated


def test_truncation_bound_holds_on_random_circuits():
    checked, outside, truncated = _truncated_values(range(8))
    assert truncated >= 150
    assert outside == 0, f"{outside} of {checked} values outside their error bound"


@pytest.mark.slow
def test_truncation_bound_holds_on_many_random_circuits():
    checked, outside, truncated = _truncated_values(range(8, 60))
    assert truncated >= 1000
    assert outside == 0, f"{outside} of {checked} values outside their error bound"
