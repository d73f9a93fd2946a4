"""Larocca et al. 2022 (arXiv:2105.14377): controllable deep circuits, against sampled deep circuits.

Independent values: uniformly random angles of a deep Clifford + rotation circuit, simulated by
the brute-force statevector code of tests/bounds/exact/exact_brute.py (parameter shift for the
gradient), with 99.9 % normal intervals; and the Lie-algebraic engine on the Clifford-frame
generators.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import scipy.stats
import sympy

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.exact import clifford_frame, lie_algebraic_variance


def _batched_states(circ: cirq.Circuit, qs, values: dict) -> np.ndarray:
    """Final states for a batch of angle points (numpy; gates from Cirq's unitaries and Pauli matrices)."""
    n = len(qs)
    m = len(next(iter(values.values())))
    index = {q: i for i, q in enumerate(qs)}
    psi = np.zeros((m,) + (2,) * n, dtype=complex)
    psi[(slice(None),) + (0,) * n] = 1
    for op in circ.all_operations():
        axes = [1 + index[q] for q in op.qubits]
        k = len(axes)
        rot = circuits.as_pauli_rotation(op)
        if rot is not None and rot.is_parametrized:
            aff = circuits.affine_angle(rot.angle)
            t = aff.coefficient * values[aff.symbol] + aff.offset
            p = rot.pauli.matrix(op.qubits)
            u = (np.cos(t / 2)[:, None, None] * np.eye(2**k) - 1j * np.sin(t / 2)[:, None, None] * p)
        else:
            u = np.broadcast_to(cirq.unitary(op), (m, 2**k, 2**k))
        u = u.reshape((m,) + (2,) * (2 * k))
        letters = "abcdefghijklmnop"
        st = "z" + letters[:n]
        ins = [st[a] for a in axes]
        outs = [c.upper() for c in ins]
        gate = "z" + "".join(outs) + "".join(ins)
        res = st
        for a, o in zip(axes, outs):
            res = res[:a] + o + res[a + 1:]
        psi = np.einsum(f"{gate},{st}->{res}", u, psi)
    return psi.reshape(m, 2**n)

LOSS = get_theorem("larocca2022.controllable_loss")
GRAD = get_theorem("larocca2022.controllable_gradient")
Z99 = scipy.stats.norm.ppf(0.9995)


def _sampled(circ, obs, k_sym, m: int, seed: int):
    qs = sorted(circ.all_qubits())
    syms = sorted(cirq.parameter_symbols(circ), key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 2 * np.pi, (m, len(syms)))
    omat = obs.matrix(qs)

    def ell(pts):
        st = _batched_states(circ, qs, {s: pts[:, i] for i, s in enumerate(syms)})
        return np.einsum("pi,ij,pj->p", st.conj(), omat, st).real

    values = ell(x)
    i = syms.index(k_sym)
    plus, minus = x.copy(), x.copy()
    plus[:, i] += np.pi / 2
    minus[:, i] -= np.pi / 2
    grads = (ell(plus) - ell(minus)) / 2
    return values, grads


def _agrees(samples_sq: np.ndarray, value: float) -> bool:
    se = np.std(samples_sq) / np.sqrt(len(samples_sq))
    return abs(np.mean(samples_sq) - value) < Z99 * se


def test_controllable_deep_circuit_sampled():
    n = 2
    circ = circuits.hardware_efficient(n, 24, rotations=("rx", "ry"), entangler="cz")
    qs = sorted(circ.all_qubits())
    obs = circuits.parse_pauli_sum("0.6*Z0 + 0.5*X0*Y1 - 0.3*Z1", qubits=qs)
    model = circuits.Model(ansatz=circ, observable=obs)
    k = model.trainable_symbols[len(model.trainable_symbols) // 2]
    ctx = Context(model=model, parameter=k, declared={"deep_circuit"})
    loss, grad = LOSS.instantiate(ctx), GRAD.instantiate(ctx)
    assert not loss.refused and not grad.refused, (loss.refused, grad.refused)
    assert "dim g = 15" in loss.applicability.checks[0].reason
    d = 2**n
    delta_o = d * (0.36 + 0.25 + 0.09)
    assert loss.value("variance").value == pytest.approx(delta_o * (1 - 1 / d) / (d**2 - 1), rel=1e-12)
    values, grads = _sampled(circ, obs, k, 6000, seed=3)
    assert abs(np.mean(values)) < Z99 * np.std(values) / np.sqrt(len(values))
    assert _agrees(values**2, loss.value("variance").value)
    assert _agrees(grads**2, grad.value("variance").value)
    # the Lie-algebraic engine on the frame generators, with the input state read in the frame
    frame = clifford_frame(circ)
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    lie = lie_algebraic_variance(list(frame.generators), obs, frame.transform_states(psi[None, :], qs), qubits=qs)
    assert lie.value == pytest.approx(loss.value("variance").value, rel=1e-9)


def test_uncontrollable_refused_and_different():
    n = 2
    circ = circuits.hardware_efficient(n, 24, rotations=("ry",), entangler="cz")
    qs = sorted(circ.all_qubits())
    obs = circuits.parse_pauli_sum("Z0", qubits=qs)
    model = circuits.Model(ansatz=circ, observable=obs)
    inst = LOSS.instantiate(Context(model=model, declared={"deep_circuit"}))
    assert not inst.values
    reason = inst.refused[0].reason
    assert "not controllable" in reason and "dim g = 6" in reason and "ideals" in reason
    # and the formula would be wrong here: the real circuit is not Haar on SU(4)
    formula = LOSS.bound("variance").evaluate(n=n, Delta_O=4.0, Delta_rho=0.75).value
    values, _ = _sampled(circ, obs, model.trainable_symbols[0], 4000, seed=4)
    assert not _agrees(values**2, formula)


def test_non_clifford_and_missing_declaration():
    q = cirq.LineQubit.range(2)
    circ = cirq.Circuit(cirq.rx(sympy.Symbol("a")).on(q[0]), cirq.T(q[1]), cirq.CZ(*q))
    model = circuits.Model(ansatz=circ, observable=cirq.PauliSum.wrap(cirq.Z(q[0])))
    inst = LOSS.instantiate(Context(model=model))
    assert not inst.values and "non-Clifford" in inst.refused[0].reason
    ok = circuits.Model(ansatz=circuits.hardware_efficient(2, 3, rotations=("rx", "ry")),
                        observable=cirq.PauliSum.wrap(cirq.Z(q[0])))
    undeclared = LOSS.instantiate(Context(model=ok))
    assert not undeclared.values and "deep_circuit" in undeclared.refused[0].reason


def test_batched_simulator_matches_cirq():
    circ = circuits.hardware_efficient(2, 3, rotations=("rx", "ry"), entangler="cz")
    qs = sorted(circ.all_qubits())
    syms = sorted(cirq.parameter_symbols(circ), key=lambda s: s.name)
    x = np.random.default_rng(0).uniform(0, 2 * np.pi, (3, len(syms)))
    st = _batched_states(circ, qs, {s: x[:, i] for i, s in enumerate(syms)})
    for j in range(3):
        ref = cirq.final_state_vector(cirq.resolve_parameters(circ, dict(zip(syms, x[j]))), qubit_order=qs,
                                      dtype=np.complex128)
        assert abs(np.vdot(ref, st[j])) == pytest.approx(1.0, abs=1e-12)
