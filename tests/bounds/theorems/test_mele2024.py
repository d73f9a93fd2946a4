"""Mele et al. 2024 (arXiv:2403.13927): effective depth of noisy circuits vs density-matrix simulation."""

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
from bpcalc.bounds.registry import Context

_spec = importlib.util.spec_from_file_location("noisy_brute", pathlib.Path(__file__).with_name("noisy_brute.py"))
brute = sys.modules.setdefault("noisy_brute", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(brute)

THEOREM = get_theorem("mele2024.effective_depth")


def truncation_errors(model, noise, ell, points):
    """``|C̃(θ) − C̃_ℓ(θ)|`` on grid points: full noisy circuit vs its last ℓ moments run on |0…0⟩."""
    qs = model.qubits
    full = model.circuit
    tail = cirq.Circuit(full[len(full) - ell:]) if ell else cirq.Circuit()
    out = []
    for r in points:
        c_full = brute.noisy_cost(full, model.observable, noise, qs, r)
        if ell:
            c_tail = brute.noisy_cost(tail, model.observable, noise, qs, r)
        else:
            c_tail = float(np.real(model.observable.matrix(qs)[0, 0]))   # ⟨0…0|O|0…0⟩
        out.append(abs(c_full - c_tail))
    return out


@pytest.mark.parametrize("noise,n,layers", [(cirq.depolarize(0.1), 2, 2), (cirq.amplitude_damp(0.3), 2, 2),
                                            (cirq.generalized_amplitude_damp(0.2, 0.3), 3, 1),
                                            (cirq.amplitude_damp(0.5), 1, 4)])
def test_truncation_error_against_density_matrices(noise, n, layers):
    ansatz = circuits.hardware_efficient(n, layers)
    qs = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qs, form="z") + 0.3 + 0.5 * cirq.X(qs[0]))
    symbols = model.trainable_symbols
    rng = np.random.default_rng(n * 10 + layers)
    points = [dict(zip(symbols, rng.uniform(0, 2 * np.pi, len(symbols)))) for _ in range(6)]
    depth = len(model.circuit)
    hits = 0
    for ell in range(depth + 1):
        inst = THEOREM.instantiate(Context(model=model, values={"ell": ell}, extra={"noise": noise}))
        assert not inst.refused, inst.refused
        bound = inst.value("truncation_error").value
        errs = truncation_errors(model, noise, ell, points)
        assert max(errs) <= bound * (1 + 1e-9)
        hits += max(errs) > 0.05 * bound
    assert hits >= 1   # the bound is not vacuous on these circuits


@pytest.mark.parametrize("p", [0.05, 0.3])
def test_single_qubit_is_tight(p):
    """X, then 3 moments of RZ (M = 4), depolarizing noise, O = Z: C̃ = −q^4, C̃_ℓ = q^ℓ, so
    |C̃ − C̃_ℓ| = q^ℓ(1 + q^{M−ℓ}) against the bound 2q^ℓ (ratio (1 + q)/2 at ℓ = M − 1)."""
    q0 = cirq.LineQubit(0)
    ts = sympy.symbols("t0:3")
    ansatz = cirq.Circuit([cirq.Moment(cirq.X(q0))] + [cirq.Moment(cirq.rz(t).on(q0)) for t in ts])
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.Z(q0)))
    q = 1 - 4 * p / 3
    for ell in (1, 2, 3):
        bound = THEOREM.instantiate(Context(model=model, values={"ell": ell},
                                            extra={"noise": cirq.depolarize(p)})).value("truncation_error").value
        err = truncation_errors(model, cirq.depolarize(p), ell, [{t: 0.4 for t in ts}])[0]
        assert err == pytest.approx(q**ell * (1 + q ** (4 - ell)), rel=1e-9)
        assert bound == pytest.approx(2 * q**ell, rel=1e-9)


def test_refusals():
    q0 = cirq.LineQubit(0)
    t = sympy.Symbol("t")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(t).on(q0)), observable=cirq.PauliSum.wrap(cirq.Z(q0)))
    assert "values['ell']" in THEOREM.instantiate(Context(model=model, extra={"noise": cirq.depolarize(0.1)})).refused[0].reason
    assert "[0, 1]" in THEOREM.instantiate(Context(model=model, values={"ell": 3},
                                                   extra={"noise": cirq.depolarize(0.1)})).refused[0].reason
    assert "no noise" in THEOREM.instantiate(Context(model=model, values={"ell": 1})).refused[0].reason
    assert "q_n = 1" in THEOREM.instantiate(Context(model=model, values={"ell": 1},
                                                    extra={"noise": cirq.phase_damp(0.1)})).refused[0].reason
