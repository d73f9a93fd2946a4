"""Counterexamples found or reproduced by the soundness suite for bugs fixed elsewhere (issue 13).

Each was a strict xfail recording the bug with its exact numbers (below); the fixes of issue 13
(items 2, 3, 4) made them pass, and they now guard against regressions.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import exact as E

from brute import exact_brute


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


# ----------------------------------------------------------------------------- X**s and Y**s conventions
#
# The project's convention (bounds.exact.program, 'angle'): a symbol used as an exponent, X**s, is
# uniform on [0, 2), i.e. the rotation angle πs is uniform on [0, 2π) — the same ensemble as rx(θ)
# with θ uniform on [0, 2π).  So a circuit spelled with X**s / Y**s has exactly the values of the same
# circuit spelled with rx / ry, and both equal the brute-force truth below.

_STABILIZER_STATES = None


def _stabilizer_states_2q() -> np.ndarray:
    """The 60 two-qubit stabilizer states (a state 3-design: {V|00⟩, V Clifford} averages like Haar V)."""
    global _STABILIZER_STATES
    if _STABILIZER_STATES is None:
        from brute import _TESTS, _load

        _STABILIZER_STATES = _load("bounds_conftest_designs", _TESTS / "bounds" / "conftest.py").stabilizer_states(2)
    return _STABILIZER_STATES


def _one_sided_case(spelling: str):
    q = cirq.LineQubit.range(2)
    a, b, c = sympy.symbols("a b c")
    tail = ([(cirq.X**b).on(q[0]), cirq.CNOT(q[0], q[1]), (cirq.X**c).on(q[1])] if spelling == "pow" else
            [cirq.rx(b).on(q[0]), cirq.CNOT(q[0], q[1]), cirq.rx(c).on(q[1])])
    ansatz = cirq.Circuit([cirq.ry(a).on(q[0])] + tail)
    obs = cirq.PauliSum.from_pauli_strings([cirq.Z(q[0])])
    return circuits.Model(ansatz=ansatz, observable=obs), a


def _one_sided_truth(model, parameter) -> float:
    """V_- a 2-design (declared): average over V_-|00⟩ = the stabilizer states, θ on an exact grid."""
    from brute import gradient_variance

    return float(np.mean(gradient_variance(model.ansatz, model.observable, model.qubits, _stabilizer_states_2q(),
                                           parameter)))


def _one_sided_value(model, parameter) -> float:
    from bpcalc.bounds.registry import Context, default_registry

    inst = default_registry().get("mcclean2018.one_sided_two_design").instantiate(
        Context(model=model, parameter=parameter, declared={"v_minus_two_design"}))
    return float(inst.value("v_minus_exact").value)


def test_one_sided_two_design_matches_stabilizer_average_for_rotations():
    model, a = _one_sided_case("rot")
    truth = _one_sided_truth(model, a)
    assert truth == pytest.approx(0.1, abs=1e-12)
    assert _one_sided_value(model, a) == pytest.approx(truth, rel=1e-9, abs=1e-12)


def test_one_sided_two_design_matches_stabilizer_average_for_x_pow_gates():
    model, a = _one_sided_case("pow")
    truth = _one_sided_truth(model, a)
    assert truth == pytest.approx(0.1, abs=1e-12)  # the same ensemble as the rx spelling
    assert _one_sided_value(model, a) == pytest.approx(truth, rel=1e-9, abs=1e-12)


def _single_qubit_cliffords() -> np.ndarray:
    """The 24 one-qubit Cliffords modulo phase (BFS from H and S): an exact unitary 2-design."""
    h = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
    s = np.diag([1, 1j])
    seen = {}

    def key(u):
        k = int(np.argmax(np.abs(u.ravel()) > 1e-9))
        v = u / (u.ravel()[k] / abs(u.ravel()[k]))
        return (np.round(v, 6) + 0.0).tobytes(), v  # + 0.0: -0.0 and 0.0 must give one key

    frontier = [np.eye(2, dtype=complex)]
    seen[key(frontier[0])[0]] = frontier[0]
    while frontier:
        nxt = []
        for u in frontier:
            for g in (h, s):
                k, v = key(g @ u)
                if k not in seen:
                    seen[k] = v
                    nxt.append(v)
        frontier = nxt
    return np.stack(list(seen.values()))


def _deep_case(spelling: str):
    q = cirq.LineQubit(0)
    syms = sympy.symbols("s0:6")
    ops = [((cirq.Y if i % 2 == 0 else cirq.Z) ** x).on(q) if spelling == "pow" else
           (cirq.ry if i % 2 == 0 else cirq.rz)(x).on(q) for i, x in enumerate(syms)]
    return circuits.Model(ansatz=cirq.Circuit(ops), observable=cirq.PauliSum.from_pauli_strings([cirq.Z(q)])), syms[2]


def _deep_truth() -> float:
    """Deep circuit on one qubit (DLA su(2)): V_± Haar, i.e. averaged over the Clifford group (a
    2-design on each side); θ_k the angle of an RY, derivative with respect to the angle:
    Var = E_{C1, C2} mean_θ (∂_θ ⟨0|C1† R_Y(θ)† C2† Z C2 R_Y(θ) C1|0⟩)², θ on a 3-point grid."""
    cl = _single_qubit_cliffords()
    assert len(cl) == 24
    z = np.diag([1.0, -1.0])
    y = np.array([[0, -1j], [1j, 0]])
    psi0 = np.array([1, 0], dtype=complex)

    def ry(t):
        return np.cos(t / 2) * np.eye(2) - 1j * np.sin(t / 2) * y

    total = 0.0
    grid = 0.3 + 2 * np.pi * np.arange(3) / 3
    for c1 in cl:
        for c2 in cl:
            o = c2.conj().T @ z @ c2
            for t in grid:
                f = [np.real(np.vdot(ry(t + sh) @ c1 @ psi0, o @ ry(t + sh) @ c1 @ psi0)) for sh in (np.pi / 2, -np.pi / 2)]
                total += ((f[0] - f[1]) / 2) ** 2
    return total / (24 * 24 * 3)


def _deep_value(model, parameter) -> float:
    from bpcalc.bounds.registry import Context, default_registry

    inst = default_registry().get("ragone2023.lie_algebraic_gradient").instantiate(
        Context(model=model, parameter=parameter, declared={"deep_circuit"}))
    return float(inst.value("variance").value)


def test_lie_algebraic_gradient_matches_clifford_average_for_rotations():
    model, p = _deep_case("rot")
    truth = _deep_truth()
    assert truth == pytest.approx(2 / 9, abs=1e-12)
    assert _deep_value(model, p) == pytest.approx(truth, rel=1e-9)


def test_lie_algebraic_gradient_matches_clifford_average_for_pow_gates():
    model, p = _deep_case("pow")
    assert _deep_value(model, p) == pytest.approx(_deep_truth(), rel=1e-9)
