import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits


@pytest.mark.parametrize("name", ["tpe", "hee", "che"])
def test_embedding_resolves_with_data(name):
    n = 4
    emb = circuits.make_embedding(name, n, layers=2)
    assert {s.name for s in cirq.parameter_symbols(emb)} == {f"x_{j}" for j in range(n)}
    x = np.linspace(0.1, 1.0, n)
    c = circuits.embed(emb, x)
    assert not cirq.is_parameterized(c)
    psi = cirq.final_state_vector(c, qubit_order=cirq.LineQubit.range(n))
    assert np.isclose(np.linalg.norm(psi), 1, atol=1e-6)


def test_tpe_state_is_product_of_rx_ry():
    x = np.array([0.3, 1.1])
    c = circuits.embed(circuits.tensor_product_embedding(2), x)
    single = [cirq.unitary(cirq.ry(v)) @ cirq.unitary(cirq.rx(v)) @ np.array([1, 0]) for v in x]
    expected = np.kron(single[0], single[1])
    cirq.testing.assert_allclose_up_to_global_phase(cirq.final_state_vector(c), expected, atol=1e-6)


def test_che_uses_products_of_features():
    emb = circuits.classically_hard_embedding(3, reps=1)
    exprs = [op.gate.exponent for op in emb.all_operations() if isinstance(op.gate, cirq.ZPowGate)]
    x0, x1 = sympy.symbols("x_0 x_1")
    assert any(sympy.simplify(e * sympy.pi - x0 * x1) == 0 for e in exprs)


@pytest.mark.parametrize("bad", [[0.1, np.nan, 0.2], [0.1, np.inf, 0.3], [0.1, 0.2], [[0.1, 0.2, 0.3]]])
def test_bad_data_rejected(bad):
    with pytest.raises(ValueError):
        circuits.embed(circuits.tensor_product_embedding(3), bad)


def test_local_cost_forms():
    q = cirq.LineQubit.range(3)
    proj = circuits.local_cost(q)
    m = proj.matrix(q)
    p0 = np.diag([1.0, 0.0])
    eye = np.eye(2)
    expected = (np.kron(np.kron(p0, eye), eye) + np.kron(np.kron(eye, p0), eye) + np.kron(np.kron(eye, eye), p0)) / 3
    assert np.allclose(m, expected)
    z = circuits.local_cost(q, form="z")
    assert np.isclose(z.matrix(q)[0, 0], 1) and np.isclose(z.matrix(q)[-1, -1], -1)
    with pytest.raises(ValueError):
        circuits.local_cost(q, form="x")


def test_global_cost_is_projector_on_zero():
    q = cirq.LineQubit.range(3)
    m = circuits.global_cost(q).matrix(q)
    target = np.zeros((8, 8))
    target[0, 0] = 1
    assert np.allclose(m, target)
    with pytest.raises(ValueError):
        circuits.global_cost(cirq.LineQubit.range(17))


def test_parse_pauli_sum_and_locality():
    ps = circuits.parse_pauli_sum("0.5*Z0*Z1 + X3 - 2")
    q = cirq.LineQubit
    expected = 0.5 * cirq.Z(q(0)) * cirq.Z(q(1)) + cirq.X(q(3)) - 2
    assert ps == expected
    loc = circuits.locality(ps)
    assert loc.max_weight == 2 and loc.support == {q(0), q(1), q(3)} and loc.is_local
    with pytest.raises(ValueError, match="column"):
        circuits.parse_pauli_sum("Z0 + W1")
    with pytest.raises(TypeError):
        circuits.as_pauli_sum(3.0)


def test_observable_outside_circuit_rejected():
    c = circuits.hardware_efficient(2, 1)
    with pytest.raises(ValueError, match="not in the circuit"):
        circuits.check_observable_on_circuit(cirq.Z(cirq.LineQubit(5)), c)


def _mean_reduced_dhs(embedding, data, n):
    out = []
    for x in data:
        psi = cirq.final_state_vector(circuits.embed(embedding, x), qubit_order=cirq.LineQubit.range(n))
        t = psi.reshape(4, -1)
        rho = t @ t.conj().T
        out.append(np.real(np.trace(rho @ rho)) - 0.25)
    return float(np.mean(out))


def test_hee_with_n_layers_approaches_the_haar_value_and_tpe_does_not():
    """Seed paper's picture: HEE (n layers) reduced states near maximally mixed; TPE constant 1 - 2^-s."""
    n = 8
    data = np.random.default_rng(1).uniform(0, 2 * np.pi, (60, n))
    haar = (2**2 - 2**-2) / (2**n + 1)
    hee = _mean_reduced_dhs(circuits.hardware_efficient_embedding(n, n), data, n)
    assert 0.5 * haar < hee < 1.5 * haar
    # the open chain does not scramble qubit 0: far above the Haar value
    chain = _mean_reduced_dhs(circuits.hardware_efficient_embedding(n, n, topology="chain"), data, n)
    assert chain > 5 * haar
    tpe = _mean_reduced_dhs(circuits.tensor_product_embedding(n), data, n)
    assert np.isclose(tpe, 1 - 2**-2, atol=1e-5)
