"""The tensor network's ``method='auto'`` cost model and BLAS thread limit (issue 16).

No timing assertions: the cost model is checked against its definition (a light-cone bound
on the bond dimension that the contraction never exceeds) and on which cases it admits.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
from threadpoolctl import threadpool_info

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.exact import tensor_network as T
from bpcalc.bounds.exact.program import circuit_symbols, compile_program
from bpcalc.bounds.exact.states import state_qubits


def _program(c, obs):
    obs = circuits.as_pauli_sum(obs)
    return compile_program(c, obs, state_qubits(c, obs, None, None), "angle", symbols=circuit_symbols(c))


def test_cost_model_admits_wide_shallow_hea_and_refuses_wide_deep():
    """HEA n = 1000, L = ceil(log2 n) = 10, Z on the middle qubit: admitted for every parameter
    (the environment sweep's cost does not grow with the number of parameters, which the old
    (parameters × moments × sites) work estimate charged); n = 30, L = 30 is refused."""
    wide = _program(circuits.hardware_efficient(1000, 10), cirq.Z(cirq.LineQubit(500)))
    cost = T.tn_cost_estimate(wide)
    assert 2 * cost["flops"] <= T.AUTO_MAX_FLOPS
    assert cost["local_dimension"] == 4 and cost["bond_bound"] == T.AUTO_MAX_BOND
    assert len(wide.parameters) * len(wide.moments) * wide.n_local > T.AUTO_MAX_WORK  # what blocked it before
    deep = _program(circuits.hardware_efficient(30, 30), cirq.Z(cirq.LineQubit(15)))
    assert 2 * T.tn_cost_estimate(deep)["flops"] > T.AUTO_MAX_FLOPS


def test_cost_model_flops_by_hand_and_bond_bound_holds():
    """A 4-qubit, 1-layer HEA: the CZ chain's three cuts in a window of 4 sites have bounds
    4, 16, 4 (d^m with m sites to the nearer edge), and the exact contraction stays within
    them (max bond <= bound)."""
    c = circuits.hardware_efficient(4, 1)
    p = _program(c, "Z1")
    cost = T.tn_cost_estimate(p)
    layers = T._compile_layers(p, False, set())
    win = T._active_windows(layers, np.array([False, True, False, False]))
    expected = 0.0
    for li, layer in enumerate(layers):
        lo, hi = win[li]
        for g in layer:
            if g.k == 2 and g.lo >= lo and g.hi <= hi:
                m = min(g.lo - lo + 1, hi - g.lo)
                expected += float(4 * 4**m) ** 3
    assert cost["flops"] == pytest.approx(expected) and expected > 0
    r = T.tn_gradient_variance(c, "Z1", strategy="environment")
    assert max(r.details["max_bond_backward"], r.details["max_bond_other_side"]) <= cost["bond_bound"]
    assert T.tn_cost_estimate(p, max_bond=2)["bond_bound"] == 2


def test_auto_routes_wide_shallow_hea_to_the_network():
    """Enumeration's budget too small for the light cone, cost model small: ``auto`` runs the
    exact network, says why, and agrees with ``method='tn'``."""
    c = circuits.hardware_efficient(24, 5)
    obs = cirq.Z(cirq.LineQubit(12))
    auto = E.exact_gradient_variance(c, obs, method="auto", max_terms=2**6)
    assert auto.method == "tn"
    assert "cost model" in auto.details["auto_choice"]
    tn = T.tn_gradient_variance(c, obs)
    np.testing.assert_allclose(auto.values, tn.values, atol=1e-12, rtol=0)


def test_contraction_runs_with_the_blas_thread_limit(monkeypatch):
    seen = []
    original = T._environment_values

    def spy(*args, **kwargs):
        seen.extend(m["num_threads"] for m in threadpool_info() if m.get("user_api") == "blas")
        return original(*args, **kwargs)

    monkeypatch.setattr(T, "_environment_values", spy)
    T.tn_gradient_variance(circuits.hardware_efficient(6, 2), "Z3", strategy="environment")
    assert seen and all(n == T.TN_BLAS_THREADS for n in seen)
