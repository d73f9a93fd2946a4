"""Ortiz Marrero et al. 2021 (arXiv:2010.15968): entanglement-induced gradient bounds."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.measures import reduced_density_matrices
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.ortiz_marrero2021 import observable_halfwidth, visible_qubits

THEOREM = get_theorem("ortiz_marrero2021.entanglement_induced")


def haar_states(k: int, n: int, rng: np.random.Generator) -> np.ndarray:
    psi = rng.normal(size=(k, 2**n)) + 1j * rng.normal(size=(k, 2**n))
    return psi / np.linalg.norm(psi, axis=1, keepdims=True)


def visible_model(n: int, n_visible: int, layers: int = 2) -> circuits.Model:
    qs = cirq.LineQubit.range(n)
    ansatz = circuits.hardware_efficient(n_visible, layers, qubits=qs[:n_visible])
    obs = circuits.parse_pauli_sum("Z0" if n_visible == 1 else "Z0*Z1 + 0.5*X0", qubits=qs)
    # identity gates on the hidden qubits make them part of the model (only the data touch them)
    return circuits.Model(ansatz=ansatz, observable=obs,
                          embedding=cirq.Circuit(cirq.I.on_each(*qs[n_visible:])) if n > n_visible else None)


@pytest.mark.parametrize("n,n_visible", [(3, 1), (4, 2), (4, 1)])
def test_per_state_bounds_hold_for_haar_states(n, n_visible):
    rng = np.random.default_rng(n + 10 * n_visible)
    model = visible_model(n, n_visible)
    assert [q.x for q in visible_qubits(model)] == list(range(n_visible))
    for psi in haar_states(3, n, rng):
        for s in model.trainable_symbols[::3]:
            inst = THEOREM.instantiate(Context(model=model, parameter=s, extra={"states": psi[None]}))
            exact = exact_gradient_variance(model.circuit, model.observable, psi, parameters=[s],
                                            qubits=model.qubits).values[0]
            assert exact <= inst.value("trace_norm").value + 1e-12
            assert inst.value("trace_norm").value <= inst.value("hs_distance").value + 1e-12


def test_haar_average_formula_and_bound():
    rng = np.random.default_rng(3)
    n, n_visible = 5, 2
    states = haar_states(3000, n, rng)
    rho = reduced_density_matrices(states, list(range(n_visible)))
    d_hs = np.real(np.einsum("nab,nba->n", rho, rho)) - 2.0**-n_visible
    dv, dh = 2**n_visible, 2 ** (n - n_visible)
    page = (dv * dv - 1) / (dv * (dv * dh + 1))
    assert abs(d_hs.mean() - page) < 4 * d_hs.std() / np.sqrt(d_hs.size)
    model = visible_model(n, n_visible)
    s = model.trainable_symbols[2]
    inst = THEOREM.instantiate(Context(model=model, parameter=s, extra={"states": states[:200]},
                                       declared={"haar_random_states"}))
    haar_bound = inst.value("haar_states").value
    assert haar_bound == pytest.approx(observable_halfwidth(model.observable) ** 2 * (dv * dv - 1) / (2**n + 1))
    exact = exact_gradient_variance(model.circuit, model.observable, states[:200], parameters=[s],
                                    qubits=model.qubits).values[0]   # the data-averaged variance
    assert exact <= haar_bound


def test_trace_norm_bound_is_tight_for_a_pure_qubit():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q[0])), observable=cirq.PauliSum.wrap(cirq.Z(q[0])),
                           embedding=cirq.Circuit(cirq.I(q[1])))
    inst = THEOREM.instantiate(Context(model=model, parameter=t))
    bound = inst.value("trace_norm").value                         # ω²‖ρ_V − 1/2‖₁² = 1
    grads = [abs(np.sin(x)) for x in np.linspace(0, np.pi, 101)]    # ℓ = cos t, |∂ℓ| = |sin t|
    assert max(grads) ** 2 == pytest.approx(bound)
    assert inst.substitutions["O_halfwidth"] == pytest.approx(1.0)


def test_refused_when_parameter_is_shared():
    q = cirq.LineQubit.range(2)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q[0]), cirq.rx(t).on(q[0])),
                           observable=cirq.PauliSum.wrap(cirq.Z(q[0])))
    inst = THEOREM.instantiate(Context(model=model, parameter=t))
    assert not inst.values and "2 gates" in inst.refused[0].reason
    assert observable_halfwidth(cirq.PauliSum()) == 0.0


def test_input_states_validation():
    from bpcalc.bounds.theorems._inputs import input_states

    model = visible_model(3, 1)
    with pytest.raises(ValueError, match="shape"):
        input_states(Context(model=model, extra={"states": np.ones((2, 4))}))
    with pytest.raises(ValueError, match="normalised"):
        input_states(Context(model=model, extra={"states": np.ones((1, 8))}))
    with pytest.raises(ValueError, match="no model"):
        input_states(Context())
    emb = circuits.make_embedding("tpe", 3, qubits=cirq.LineQubit.range(3))
    data_model = circuits.Model(ansatz=model.ansatz, observable=model.observable, embedding=emb)
    with pytest.raises(ValueError, match="no dataset"):
        input_states(Context(model=data_model))


def test_schmidt_spectrum_matches_explicit_partial_trace_for_scattered_visible_qubits():
    """trace_dist2 and D_HS from singular values equal those of an explicit ρ_V (visible qubits 1 and 3 of 4)."""
    qs = cirq.LineQubit.range(4)
    ansatz = cirq.Circuit(cirq.ry(sympy.Symbol("a")).on(qs[1]), cirq.CZ(qs[1], qs[3]), cirq.rx(sympy.Symbol("b")).on(qs[3]))
    model = circuits.Model(ansatz=ansatz, observable=circuits.parse_pauli_sum("Z1*Z3", qubits=qs),
                           embedding=cirq.Circuit(cirq.I.on_each(qs[0], qs[2])))
    assert [q.x for q in visible_qubits(model)] == [1, 3]
    psi = haar_states(5, 4, np.random.default_rng(3))
    inst = THEOREM.instantiate(Context(model=model, parameter=sympy.Symbol("a"), extra={"states": psi}))
    rho = reduced_density_matrices(psi, [1, 3])
    shifted = rho - np.eye(4) / 4
    tn = np.array([np.abs(np.linalg.eigvalsh(m)).sum() for m in shifted])
    d_hs = np.real(np.einsum("nab,nba->n", rho, rho)) - 0.25
    assert inst.substitutions["trace_dist2"] == pytest.approx(np.mean(tn**2), rel=1e-10)
    assert inst.substitutions["D_HS"] == pytest.approx(np.mean(d_hs), rel=1e-10)


def test_haar_bound_is_square_of_papers_rate():
    """The registered Haar bound ω²(d_v²−1)/(d_v d_h+1) lies in [ω² d_v/(2 d_h), ω² d_v/d_h].

    arXiv:2010.15968v2 (Proposition 2, Theorem 3) gives the rate O(‖O‖ ‖H_k‖ √(D_v/D_h)); bpcalc's
    bound, evaluated from the registry (not re-typed), is its explicit-constant square, tight to 2×.
    """
    bound = THEOREM.bound("haar_states")
    for omega in (0.5, 1.0, 3.0):
        for nv in range(1, 9):
            for nh in range(0, 13):
                value = bound.evaluate(O_halfwidth=omega, n_v=nv, n=nv + nh).value
                rate = omega**2 * 2.0**nv / 2.0**nh
                assert value <= rate * (1 + 1e-12), (omega, nv, nh)
                assert value >= rate / 2 * (1 - 1e-12), (omega, nv, nh)
