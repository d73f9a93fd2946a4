"""Two-design variance theorems against exact Clifford-group averages (an exact 2-design)."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem


def _shift_operator(w: np.ndarray, p: np.ndarray, rotation, theta: float = 0.0) -> np.ndarray:
    """Parameter-shift derivative operator: ∂_θ Tr[σ R(θ)†WR(θ)] = Tr[σ M] (batched over W)."""
    rp = rotation(p, theta + np.pi / 2)
    rm = rotation(p, theta - np.pi / 2)
    return 0.5 * (rp.conj().T @ w @ rp - rm.conj().T @ w @ rm)


def _exact_variance(sigmas: np.ndarray, ms: np.ndarray, tools) -> float:
    """E_{σ, M independent}[Tr(σM)²] = Σ E[vec σ vec σ^T] ∘ E[vec M^T vec M^T^T]."""
    s = tools.vec_moment(sigmas)
    t = tools.vec_moment(np.transpose(ms, (0, 2, 1)))
    return float(np.real(np.sum(s * t)))


@pytest.mark.parametrize("n", [1, 2])
def test_two_design_variance_exact_clifford_average(n, tools):
    rng = np.random.default_rng(10 + n)
    d = 2**n
    cl = tools.clifford_group(n)
    rho = tools.random_density(d, rng)
    obs = tools.random_hermitian(d, rng)
    bound = get_theorem("mcclean2018.two_design").bound("variance")
    strings = ["X", "Y", "Z"] if n == 1 else ["ZI", "XY", "IY"]
    for letters in strings:
        p = tools.kron(*[tools.PAULI[c] for c in letters])
        sig = cl @ rho @ np.transpose(cl.conj(), (0, 2, 1))
        w = np.transpose(cl.conj(), (0, 2, 1)) @ obs @ cl
        exact = _exact_variance(sig, _shift_operator(w, p, tools.rotation), tools)
        mean = np.real(np.einsum("aij,ji->", sig.mean(0)[None], _shift_operator(w, p, tools.rotation).mean(0)))
        value = bound.evaluate(n=n, Delta_O=tools.delta(obs), Delta_rho=tools.delta(rho)).value
        assert abs(mean) < 1e-12
        assert value == pytest.approx(exact, rel=1e-10, abs=1e-14)


def _grid_unitaries(circuit: cirq.Circuit, qubits, m: int = 3) -> np.ndarray:
    syms = sorted(cirq.parameter_symbols(circuit), key=str)
    out = []
    for vals in itertools.product(2 * np.pi * np.arange(m) / m, repeat=len(syms)):
        out.append(cirq.unitary(cirq.resolve_parameters(circuit, dict(zip(syms, vals)))) if syms else
                   circuit.unitary(qubit_order=qubits))
    return np.stack(out)


def test_one_sided_exact_and_upper_clifford_average(tools):
    q = cirq.LineQubit.range(2)
    a, b, c, t = sympy.symbols("a b c t")
    after = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CNOT(q[0], q[1]), cirq.rz(b).on(q[1]), cirq.ry(c).on(q[0]))
    before = cirq.Circuit(cirq.rx(a).on(q[0]), cirq.CZ(q[0], q[1]), cirq.ry(b).on(q[1]))
    rot = cirq.Circuit(cirq.rx(t).on(q[1]))
    obs = circuits.local_cost(q)
    o = obs.matrix(q)
    p = np.kron(np.eye(2), tools.PAULI["X"])
    cl = tools.clifford_group(2)
    cl_dag = np.transpose(cl.conj(), (0, 2, 1))
    theorem = get_theorem("mcclean2018.one_sided_two_design")

    # V_- a 2-design (Clifford), V_+ = `after` with its parameters on the exact grid
    model = circuits.Model(ansatz=rot + after, observable=obs)
    inst = theorem.instantiate(Context(model=model, parameter=t), check=False)
    rho0 = np.zeros((4, 4), complex)
    rho0[0, 0] = 1
    sig = cl @ rho0 @ cl_dag
    vp = _grid_unitaries(after, q)
    w = np.transpose(vp.conj(), (0, 2, 1)) @ o @ vp
    exact_minus = _exact_variance(sig, _shift_operator(w, p, tools.rotation), tools)
    assert inst.value("v_minus_exact").value == pytest.approx(exact_minus, rel=1e-10)
    assert inst.value("v_minus_upper").value >= exact_minus * (1 - 1e-12)

    # V_+ a 2-design (Clifford), V_- = `before` on the exact grid, data states from an embedding
    data = circuits.uniform_random(3, 2, seed=4)
    model = circuits.Model(ansatz=before + rot, observable=obs, embedding=circuits.make_embedding("hee", 2, 1),
                           dataset=data)
    inst = theorem.instantiate(Context(model=model, parameter=t), check=False)
    vm = _grid_unitaries(before, q)
    sigmas = []
    for x in data.x:
        psi = model.data_state(x)
        rho = np.outer(psi, psi.conj())
        sigmas.append(vm @ rho @ np.transpose(vm.conj(), (0, 2, 1)))
    sig = np.concatenate(sigmas)
    w = cl_dag @ o @ cl
    exact_plus = _exact_variance(sig, _shift_operator(w, p, tools.rotation), tools)
    assert inst.value("v_plus_exact").value == pytest.approx(exact_plus, rel=1e-10)
    assert inst.value("v_plus_upper").value >= exact_plus * (1 - 1e-12)


def test_two_design_refused_for_hardware_efficient_ansatz():
    ansatz = circuits.hardware_efficient(3, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())))
    ctx = Context(model=model, parameter=model.trainable_symbols[3])
    app = get_theorem("mcclean2018.two_design").applicability(ctx)
    assert not app.applicable
    failed = {c.key for c in app.failed}
    assert failed & {"v_minus_two_design", "v_plus_two_design"}
    assert "not a 2-design" in app.reason()
    inst = get_theorem("mcclean2018.two_design").instantiate(ctx)
    assert inst.values == () and inst.refused[0].bound == "variance"


def test_two_design_applies_when_declared_and_classifies_base_four():
    ansatz = circuits.hardware_efficient(3, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())))
    ctx = Context(model=model, parameter=model.trainable_symbols[3], declared={"global_two_design"})
    inst = get_theorem("mcclean2018.two_design").instantiate(ctx)
    d = 8
    delta_o = 8 * 3 * (1 / 6) ** 2  # d Σ c² for (1/n)Σ|0⟩⟨0|_j: Z_j with coefficient 1/(2n)
    expected = d**2 / (2 * (d**2 - 1) ** 2) * delta_o * (1 - 1 / d)
    assert inst.value("variance").value == pytest.approx(expected, rel=1e-12)
    asym = get_theorem("mcclean2018.two_design").bound("variance").asymptotics(Delta_O=1, Delta_rho=1)
    assert asym.kind == "exponential" and asym.base_expr == 4
