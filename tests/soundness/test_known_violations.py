"""Counterexamples found or reproduced by the soundness suite for bugs fixed elsewhere (issue 13).

Each is a strict xfail: it fails today with the exact numbers below, and turns into an XPASS
(a failure under ``strict=True``) once the fix is merged — then remove the marker.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

import circuits
from bounds import exact as E

from brute import exact_brute


@pytest.mark.xfail(strict=True, reason="issue 13 item 2: truncation drops weight before a parameter's column is "
                   "switched on and reports method='exact', value 0, error_bound 0 (true value 0.043815)")
def test_truncated_value_lies_within_its_error_bound():
    circuit = circuits.hardware_efficient(4, 3)
    qs = sorted(circuit.all_qubits())
    obs = cirq.Z(qs[0]) * cirq.Z(qs[1]) + 0.5 * cirq.X(qs[2])
    p = sympy.Symbol("theta_0_2_0")
    psi = np.zeros(16, dtype=complex)
    psi[0] = 1
    # 24 parameters: gate-wise two-copy averaging (each gate's grid exact), not a 3^24-point grid
    truth = exact_brute.two_copy_moments(circuit, obs, qs, psi, p)
    assert truth == pytest.approx(0.043815, abs=5e-7)
    res = E.exact_gradient_variance(circuit, obs, parameters=[p], method="truncate", max_terms=4)
    value, bound = float(res.values[0]), float(np.atleast_1d(res.error_bound)[0])
    assert abs(value - truth) <= bound * (1 + 1e-9) + 1e-12, (res.method, value, bound, truth)
    assert res.method != "exact"  # something was dropped
