"""The seed's r_{n,s} carries its observable normalisation (issue 18, fix).

``r_{n,s}`` is derived for ``O_L = (1/n)Σ_j|0⟩⟨0|_j = 1/2 + (1/2n)Σ_j Z_j``; with
``(1/n)Σ_j Z_j`` the variance is 4× larger.  Both bounds are compared with the 2-design
Pauli-support chain of :mod:`bpcalc.bounds.exact.two_design` (an engine that never sees r_{n,s}),
and each refuses the other normalisation.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.exact import dataset_states, two_design_gradient_variance, two_design_loss_variance

VARIANCE = get_theorem("thanasilp2021.tensor_product_variance")
LINEAR = get_theorem("thanasilp2021.tensor_product_linear_loss")


def _model(n: int, s: int, form: str, loss: str = "linear"):
    qs = cirq.LineQubit.range(n)
    return circuits.Model(
        embedding=circuits.make_embedding("hee", n, 1),
        ansatz=circuits.tensor_product(n, block_size=s),
        observable=circuits.local_cost(qs, form=form),
        dataset=circuits.uniform_random(n_features=n, n_samples=3, seed=5),
        loss=loss,
        two_design_blocks=True,
    )


@pytest.mark.parametrize("n,s", [(4, 1), (4, 2), (6, 2), (6, 3)])
def test_both_normalisations_against_two_design_chain(n, s):
    for form, bound, other in (("projector", "local_cost", "local_cost_z"), ("z", "local_cost_z", "local_cost")):
        model = _model(n, s, form)
        theta = model.trainable_symbols[0]
        exact = two_design_gradient_variance(model.ansatz, model.observable, dataset_states(model), theta)
        inst = VARIANCE.instantiate(Context(model=model, parameter=theta))
        assert inst.value(bound).value == pytest.approx(float(np.mean(exact.per_state[0])), rel=1e-9)
        assert inst.value("general").value == pytest.approx(float(np.mean(exact.per_state[0])), rel=1e-9)
        refused = {r.bound: r.reason for r in inst.refused}
        assert other in refused and "4×" in refused[other]
    # the two normalisations differ by exactly 4 (independent of the theorem module)
    proj, z = _model(n, s, "projector"), _model(n, s, "z")
    t = proj.trainable_symbols[0]
    v_p = two_design_gradient_variance(proj.ansatz, proj.observable, dataset_states(proj), t).per_state[0]
    v_z = two_design_gradient_variance(z.ansatz, z.observable, dataset_states(z), t).per_state[0]
    np.testing.assert_allclose(v_z, 4 * v_p, rtol=1e-12)


def test_linear_loss_both_normalisations():
    n, s = 4, 2
    for form, bound in (("projector", "local_cost"), ("z", "local_cost_z")):
        model = _model(n, s, form)
        theta = model.trainable_symbols[0]
        y = np.asarray(model.dataset.y, dtype=float)
        exact = two_design_gradient_variance(model.ansatz, model.observable, dataset_states(model), theta,
                                             weights=y / len(y))
        inst = LINEAR.instantiate(Context(model=model, parameter=theta))
        assert inst.value(bound).value == pytest.approx(float(exact.values[0]), rel=1e-9)


def test_other_observables_refused_by_both():
    model = circuits.Model(ansatz=circuits.tensor_product(4, block_size=2),
                           observable=circuits.parse_pauli_sum("0.25*Z0 + 0.25*Z1 + 0.25*Z2 + 0.5*Z3",
                                                               qubits=cirq.LineQubit.range(4)),
                           two_design_blocks=True)
    inst = VARIANCE.instantiate(Context(model=model, parameter=model.trainable_symbols[0], values={"D_HS": 0.75}))
    refused = {r.bound for r in inst.refused}
    assert {"local_cost", "local_cost_z"} <= refused
    assert inst.value("general").value > 0
