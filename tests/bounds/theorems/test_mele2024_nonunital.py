"""Mele et al. 2024 (arXiv:2403.13927): non-unital lower bound for late parameters vs exact noisy variances.

References: density matrices of the noisy circuit (``noisy_brute``: noise after every moment built moment by
moment, exact 3-point grids) and the Pauli-path engine with ``noise=`` (independent of the theorem module).
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.exact import exact_gradient_variance
from bpcalc.bounds.registry import Context

_spec = importlib.util.spec_from_file_location("noisy_brute", pathlib.Path(__file__).with_name("noisy_brute.py"))
brute = sys.modules.setdefault("noisy_brute", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(brute)

THEOREM = get_theorem("mele2024.nonunital_lower_bound")
AD, GAD = cirq.amplitude_damp(0.3), cirq.generalized_amplitude_damp(0.2, 0.4)


def bound(model, parameter, noise) -> float:
    inst = THEOREM.instantiate(Context(model=model, parameter=parameter, extra={"noise": noise}))
    assert not inst.refused, inst.refused
    return inst.value("variance").value


def _sym(name):
    return sympy.Symbol(name)


def _small_circuits():
    q = cirq.LineQubit.range(3)
    a, b, c, d, e = (_sym(s) for s in "abcde")
    one = cirq.Circuit([cirq.ry(a).on(q[0]), cirq.rz(b).on(q[0]), cirq.rx(c).on(q[0])])
    two = cirq.Circuit([cirq.Moment([cirq.ry(a).on(q[0]), cirq.rx(b).on(q[1])]), cirq.Moment([cirq.CZ(q[0], q[1])]),
                        cirq.Moment([cirq.ry(c).on(q[0]), cirq.ry(d).on(q[1])]), cirq.Moment([cirq.CZ(q[0], q[1])])])
    three = cirq.Circuit([cirq.Moment([cirq.ry(a).on(q[0]), cirq.ry(b).on(q[1]), cirq.H(q[2])]),
                          cirq.Moment([cirq.CZ(q[0], q[1])]), cirq.Moment([cirq.CZ(q[1], q[2])]),
                          cirq.Moment([cirq.rx(d).on(q[0]), cirq.ry(e).on(q[1]), cirq.I(q[2])])])
    return [(one, cirq.Z(q[0]), (c,)),
            (two, 0.5 * cirq.Z(q[0]) - 0.8 * cirq.Z(q[1]) + 0.2, (c, d)),
            (three, cirq.Z(q[0]) + cirq.Z(q[1]) + 0.3 * cirq.Z(q[2]), (d, e))]


@pytest.mark.parametrize("noise,every", [(AD, False), pytest.param(AD, True, marks=pytest.mark.slow),
                                         pytest.param(GAD, True, marks=pytest.mark.slow),
                                         pytest.param(cirq.amplitude_damp(0.05), True, marks=pytest.mark.slow)])
def test_lower_bound_against_density_matrices(noise, every):
    """Exact Var[∂_k C̃] (3-point grids of density matrices) >= the bound; the Pauli-path engine agrees.
    Default run: one late parameter per circuit; slow run: all of them, three channels."""
    for circuit, obs, params in _small_circuits():
        model = circuits.Model(ansatz=circuit, observable=cirq.PauliSum.wrap(obs))
        for p in params if every else params[:1]:
            b = bound(model, p, noise)
            _, var = brute.gradient_moments(model.circuit, model.observable, noise, model.qubits, p)
            assert var >= b * (1 - 1e-9) - 1e-12, (str(circuit), p, var, b)
            assert b > (0.02 * var if noise in (AD, GAD) else 0.0)   # not vacuous (weak noise: a weak bound)
            engine = exact_gradient_variance(model.circuit, model.observable, parameters=p, noise=noise, method="exact")
            assert float(engine.values[0]) == pytest.approx(var, rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("noise", [AD, GAD])
def test_lower_bound_equality_cases(noise):
    """Qubit j never rotated before θ_k (only diagonal gates): ⟨Z_j⟩ is deterministic, r_⊥ = 0, equality."""
    q = cirq.LineQubit.range(2)
    lam, t = 1 - 0.3, 0.3
    if noise is GAD:   # Tr[Z N(ρ)] = (1 − γ) Tr[Zρ] + γ(2p − 1) for cirq's generalized_amplitude_damp(p, γ)
        lam, t = 1 - 0.4, 0.4 * (2 * 0.2 - 1)
    theta, a = _sym("theta"), _sym("a")
    # one qubit, the rotation alone: Var = λ²/2 · (E⟨Z⟩ before)², E⟨Z⟩ = 1 (no noise layer before)
    model = circuits.Model(ansatz=cirq.Circuit([cirq.ry(theta).on(q[0])]), observable=cirq.PauliSum.wrap(cirq.Z(q[0])))
    _, var = brute.gradient_moments(model.circuit, model.observable, noise, model.qubits, theta)
    assert var == pytest.approx(lam**2 / 2, rel=1e-9)
    assert bound(model, theta, noise) == pytest.approx(var, rel=1e-9)
    # two qubits: RZ, CZ, CZ before, RZ after: m = 3 noise layers before, b = 2 after
    circuit = cirq.Circuit([cirq.Moment([cirq.rz(a).on(q[0]), cirq.ry(_sym("b")).on(q[1])]),
                            cirq.Moment([cirq.CZ(q[0], q[1])]), cirq.Moment([cirq.CZ(q[0], q[1])]),
                            cirq.Moment([cirq.ry(theta).on(q[0]), cirq.I(q[1])]),
                            cirq.Moment([cirq.rz(_sym("c")).on(q[0]), cirq.I(q[1])])])
    obs = cirq.PauliSum.wrap(0.7 * cirq.Z(q[0]) + 0.4 * cirq.Z(q[1]))
    model = circuits.Model(ansatz=circuit, observable=obs)
    _, var = brute.gradient_moments(model.circuit, model.observable, noise, model.qubits, theta)
    z_bar = lam**3 + t * (1 - lam**3) / (1 - lam)
    assert var == pytest.approx(0.7**2 * lam**4 * z_bar**2 / 2, rel=1e-9)   # hand formula = density matrices
    assert bound(model, theta, noise) == pytest.approx(var, rel=1e-9)


def test_mean_z_before_the_rotation_is_z_bar():
    """The derivation's intermediate: E_θ⟨Z_j⟩ just before θ_k's gate = λ^m t-drift (s_0 = 0), density matrices."""
    q = cirq.LineQubit.range(2)
    a, b = _sym("a"), _sym("b")
    head = cirq.Circuit([cirq.Moment([cirq.ry(a).on(q[0]), cirq.rx(b).on(q[1])]), cirq.Moment([cirq.CZ(q[0], q[1])])])
    grid = brute.grid([a, b])
    mean = np.mean([brute.noisy_cost(head, cirq.PauliSum.wrap(cirq.Z(q[0])), AD, q, r) for r in grid])
    lam, t = 0.7, 0.3
    assert mean == pytest.approx(t * (1 - lam**2) / (1 - lam), rel=1e-9)   # m = 2 noise layers after the RY


@pytest.mark.parametrize("noise", [cirq.amplitude_damp(0.1), GAD])
def test_lower_bound_against_pauli_paths_hea(noise):
    """Hardware-efficient ansatz, 2 layers, O = (1/n) Σ Z_j, n = 4, 6, 8: exact (Pauli paths, noise=) >= bound
    for every last-layer RY; n² · bound is the same for every n (no barren plateau beyond the 1/n² of O)."""
    scaled = []
    for n in (4, 6, 8):
        ans = circuits.hardware_efficient(n, 2)
        qs = sorted(ans.all_qubits())
        model = circuits.Model(ansatz=ans, observable=circuits.local_cost(qs, form="z"))
        late = [s for s in model.trainable_symbols if s.name.startswith("theta_1_") and s.name.endswith("_0")]
        assert len(late) == n
        for p in late[:2] + late[-1:]:
            b = bound(model, p, noise)
            exact = float(exact_gradient_variance(model.circuit, model.observable, parameters=p, noise=noise,
                                                  method="exact").values[0])
            assert exact >= b * (1 - 1e-9)
            assert b > 0.05 * exact
            scaled.append(n**2 * b)
    assert max(scaled) == pytest.approx(min(scaled), rel=1e-12)


def test_refusals():
    ans = circuits.hardware_efficient(3, 2)
    qs = sorted(ans.all_qubits())
    model = circuits.Model(ansatz=ans, observable=circuits.local_cost(qs, form="z"))
    late = next(s for s in model.trainable_symbols if s.name == "theta_1_0_0")
    early = next(s for s in model.trainable_symbols if s.name == "theta_0_0_0")
    rz = next(s for s in model.trainable_symbols if s.name == "theta_1_0_1")

    def refused(m, p, noise):
        inst = THEOREM.instantiate(Context(model=m, parameter=p, extra={"noise": noise} if noise else {}))
        return " ".join(str(r) for r in inst.refused) if inst.refused else ""

    assert "unital along z" in refused(model, late, cirq.depolarize(0.1))
    assert "unital along z" in refused(model, late, cirq.phase_damp(0.1))
    assert "not diagonal" in refused(model, early, AD)        # an RY follows θ_k on the same qubit
    assert "X or Y rotation" in refused(model, rz, AD)
    assert refused(model, late, None)                          # no noise declared
    xobs = circuits.Model(ansatz=ans, observable=cirq.PauliSum.wrap(cirq.Z(qs[0]) + cirq.X(qs[1])))
    assert "not a single-qubit Z" in refused(xobs, late, AD)
    # qubit 0 meets a fixed H before θ_k: E⟨Z_0⟩ is not controlled
    theta = _sym("theta")
    hmodel = circuits.Model(ansatz=cirq.Circuit([cirq.H(qs[0]), cirq.ry(theta).on(qs[0])]),
                            observable=cirq.PauliSum.wrap(cirq.Z(qs[0])))
    assert "cannot be bounded" in refused(hmodel, theta, AD)


def test_lower_bound_large_n_pauli_paths():
    """n = 12, 16, three HEA layers, AD γ = 0.1, a middle qubit's last RY: exact/bound = 1.71 at both sizes and
    n² · bound is n-independent (measured 0.02546)."""
    noise = cirq.amplitude_damp(0.1)
    ratios = []
    for n in (12, 16):
        ans = circuits.hardware_efficient(n, 3)
        qs = sorted(ans.all_qubits())
        model = circuits.Model(ansatz=ans, observable=circuits.local_cost(qs, form="z"))
        p = next(s for s in model.trainable_symbols if s.name == f"theta_2_{n // 2}_0")
        b = bound(model, p, noise)
        exact = float(exact_gradient_variance(model.circuit, model.observable, parameters=p, noise=noise,
                                              method="exact").values[0])
        assert exact >= b
        ratios.append(exact / b)
        assert n**2 * b == pytest.approx(0.025455, rel=1e-4)
    assert ratios[0] == pytest.approx(ratios[1], rel=1e-9) and ratios[0] < 2
