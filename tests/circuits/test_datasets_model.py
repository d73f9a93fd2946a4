import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits


def test_digits_pca_and_scaling():
    d = circuits.load_dataset("digits", n_features=6, classes=(0, 1), seed=1)
    assert d.n_features == 6 and set(np.unique(d.y)) == {-1, 1}
    assert np.isclose(d.x.min(), 0) and np.isclose(d.x.max(), np.pi)
    assert d.n_samples == 360  # classes 0 and 1 of sklearn's digits (178 + 182)
    again = circuits.load_dataset("digits", n_features=6, classes=(0, 1), seed=1)
    assert np.array_equal(d.x, again.x)


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "wine"])
def test_other_sklearn_datasets(name):
    d = circuits.load_dataset(name, n_features=3, classes=(0, 1), n_samples=20, seed=0)
    assert d.x.shape == (20, 3)


def test_dataset_errors():
    with pytest.raises(ValueError, match="unknown dataset"):
        circuits.load_dataset("mnist", 4)
    with pytest.raises(ValueError, match="no class"):
        circuits.load_dataset("iris", 2, classes=(0, 7))
    with pytest.raises(ValueError, match="at most"):
        circuits.load_dataset("iris", 5)
    with pytest.raises(ValueError, match="NaN"):
        circuits.Dataset(x=np.array([[0.1, np.nan]]), y=np.array([1]), name="bad")
    with pytest.raises(ValueError, match="2-D"):
        circuits.Dataset(x=np.array([0.1, 0.2]), y=np.array([1, 1]), name="bad")


def test_uniform_random_is_seeded():
    a = circuits.uniform_random(5, 3, seed=4)
    b = circuits.uniform_random(5, 3, seed=4)
    c = circuits.uniform_random(5, 3, seed=5)
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)


def _model(**kw):
    n = 4
    args = dict(
        embedding=circuits.tensor_product_embedding(n),
        ansatz=circuits.tensor_product(n, 2),
        observable=circuits.local_cost(cirq.LineQubit.range(n)),
        dataset=circuits.uniform_random(3, n),
    )
    args.update(kw)
    return circuits.Model(**args)


def test_model_properties():
    m = _model()
    assert m.n_qubits == 4
    assert all(s.name.startswith("theta") for s in m.trainable_symbols)
    assert [s.name for s in m.data_symbols] == ["x_0", "x_1", "x_2", "x_3"]
    psi = m.data_state(m.dataset.x[0])
    assert psi.shape == (16,)


def test_model_bad_input():
    q = cirq.LineQubit.range(4)
    with pytest.raises(ValueError, match="both the embedding and the ansatz"):
        _model(ansatz=circuits.tensor_product_embedding(4))
    with pytest.raises(ValueError, match="not in the circuit"):
        _model(observable=cirq.Z(cirq.LineQubit(9)))
    with pytest.raises(ValueError, match="unknown loss"):
        _model(loss="hinge")
    with pytest.raises(ValueError, match="features"):
        _model(dataset=circuits.uniform_random(3, 5))
    with pytest.raises(TypeError):
        _model(ansatz="not a circuit")
    with pytest.raises(ValueError, match="measurement"):
        _model(ansatz=circuits.tensor_product(4, 2) + cirq.Circuit(cirq.measure(*q)))
    noisy = circuits.tensor_product(4, 2) + cirq.Circuit(cirq.depolarize(0.1).on(q[0]))
    with pytest.raises(ValueError, match="non-unitary"):
        _model(ansatz=noisy)
    with pytest.raises(ValueError, match="empty"):
        _model(ansatz=cirq.Circuit())


def test_symbols_helpers():
    c = circuits.hardware_efficient(2, 1)
    order = circuits.parameter_symbols(c)
    assert order[0] == sympy.Symbol("theta_0_0_0")
    occ = circuits.symbol_occurrences(c)
    assert all(len(v) == 1 for v in occ.values())
    assert circuits.sort_symbols([sympy.Symbol("x_10"), sympy.Symbol("x_2")])[0].name == "x_2"
    assert len(circuits.symbols_matching(order, "theta_0_1_*")) == 2
