"""schuster2024.relative_error_concentration against dense two-copy moments of local 2-design circuits.

For an ensemble of layered local 2-design blocks the two-copy state ``X = E[σ⊗σ]`` (``σ = VρV†``,
``ρ = |0…0⟩⟨0…0|``) is computed by applying the exact block twirls in time order to the Pauli-pair
coefficients of ``ρ⊗ρ`` (pairs that differ on a block vanish, pairs that agree become uniform over the
non-identity strings of the block).  The Haar two-copy state is ``Y = 2Π_sym/(d(d+1))``; the input-specific
relative error ``ε_ρ`` (the smallest ε with ``(1−ε)Y ≼ X ≼ (1+ε)Y``) is read off the spectrum of ``X`` on the
symmetric subspace.  The derivation only uses that ordering, so the bound must hold with ``ε_ρ``.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.exact import two_design_loss_variance
from bpcalc.bounds.theorems.schuster2024 import centred_norms

from two_copy_reference import PAULI, ala_blocks, dense_moments, input_relative_error, projector

THEOREM = get_theorem("schuster2024.relative_error_concentration")
def _bound(model, eps):
    ctx = Context(model=model, values={"epsilon": eps}, declared={"relative_error_two_design"})
    inst = THEOREM.instantiate(ctx)
    assert not inst.refused, inst.refused
    return inst.value("loss_variance").value, inst.substitutions


def test_haar_equality():
    n = 3
    qs = cirq.LineQubit.range(n)
    for obs in (projector(n), 0.4 * cirq.Z(qs[0]) * cirq.X(qs[2]) - 1.1 * cirq.Y(qs[1])):
        obs = cirq.PauliSum.wrap(obs)
        ansatz = circuits.alternating_layered(n, 1, n, qubits=qs)  # one block on all qubits: a global 2-design
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        X, var = dense_moments(n, [tuple(range(n))], obs.matrix(qs))
        assert input_relative_error(X, 2**n) < 1e-12
        exact = two_design_loss_variance(ansatz, obs, None, qubits=qs).value
        assert var == pytest.approx(float(exact), rel=1e-10)
        bound, _ = _bound(model, 0.0)
        assert bound == pytest.approx(var, rel=1e-10)


CASES = [(2, 2), (4, 2), (4, 3), (4, 5)]


@pytest.mark.parametrize("n,layers", CASES)
def test_bound_with_input_relative_error(n, layers):
    qs = cirq.LineQubit.range(n)
    ansatz = circuits.alternating_layered(n, layers, 2, qubits=qs) if n > 2 else \
        circuits.alternating_layered(2, 1, 2, qubits=qs)
    blocks = ala_blocks(n, layers) if n > 2 else [(0, 1)]
    rng = np.random.default_rng(n * 10 + layers)
    observables = [projector(n), cirq.PauliSum.wrap(cirq.PauliString({q: cirq.Z for q in qs})),
                   cirq.PauliSum.wrap(cirq.Z(qs[0])),
                   cirq.PauliSum.from_pauli_strings([float(rng.normal()) * cirq.PauliString(
                       {q: PAULI_GATES[int(rng.integers(4))] for q in qs}) for _ in range(3)])]
    for obs in observables:
        X, var = dense_moments(n, blocks, obs.matrix(qs))
        eps = input_relative_error(X, 2**n)
        exact = float(two_design_loss_variance(ansatz, obs, None, qubits=qs).value)
        assert var == pytest.approx(exact, rel=1e-9, abs=1e-14)
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        bound, _ = _bound(model, eps)
        assert var <= bound * (1 + 1e-9) + 1e-15, (obs, eps, var, bound)


PAULI_GATES = [cirq.I, cirq.X, cirq.Y, cirq.Z]


def test_mutation_without_trace_norm_fails():
    """Dropping ε‖Ô‖₁² (the Haar value times (1+ε)) is violated: the relative error acts additively.

    Measured (n = 4, O = Z_0): exact 0.2 vs (1+ε)·Haar 0.118 (1-2 layers), 0.0733 vs 0.0648 (5 layers)."""
    failures = 0
    for n, layers in ((4, 2),):
        qs = cirq.LineQubit.range(n)
        blocks = ala_blocks(n, layers) if n > 2 else [(0, 1)]
        for obs in (projector(n), cirq.PauliSum.wrap(cirq.Z(qs[0]))):
            X, var = dense_moments(n, blocks, obs.matrix(qs))
            eps = input_relative_error(X, 2**n)
            h2, _ = centred_norms(obs.matrix(qs))
            failures += var > (1 + eps) * h2 / (2**n * (2**n + 1)) * (1 + 1e-6)
    assert failures > 0


def test_refused_without_declaration_or_epsilon():
    qs = cirq.LineQubit.range(2)
    model = circuits.Model(ansatz=circuits.alternating_layered(2, 1, 2, qubits=qs), observable=projector(2),
                           two_design_blocks=True)
    assert not THEOREM.instantiate(Context(model=model, values={"epsilon": 0.1})).values
    assert not THEOREM.instantiate(Context(model=model, declared={"relative_error_two_design"})).values
