"""Thanasilp et al. 2022 (arXiv:2208.11060): fidelity and projected quantum-kernel concentration."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.thanasilp2022_kernels import fidelity_expressivity, projected_kernel

FIDELITY = get_theorem("thanasilp2022_kernels.fidelity_concentration")
PROJECTED = get_theorem("thanasilp2022_kernels.projected_concentration")


def kernel_model(name: str, n: int, layers: int = 1, n_data: int = 24, seed: int = 0) -> circuits.Model:
    qs = cirq.LineQubit.range(n)
    emb = circuits.make_embedding(name, n, layers=layers, qubits=qs)
    return circuits.Model(ansatz=circuits.hardware_efficient(n, 1, qubits=qs),
                          observable=circuits.local_cost(qs), embedding=emb,
                          dataset=circuits.uniform_random(n_data, n, seed=seed))


def simulated_states(model: circuits.Model) -> np.ndarray:
    sim = cirq.Simulator(dtype=np.complex128)
    return np.stack([sim.simulate(model.embedded_circuit(x), qubit_order=model.qubits).final_state_vector
                     for x in model.dataset.x])


def single_qubit_marginals(psi: np.ndarray, n: int) -> np.ndarray:
    """``(N, n, 2, 2)`` marginals by explicit partial traces (independent of bounds.measures)."""
    t = psi.reshape((psi.shape[0],) + (2,) * n)
    out = np.empty((psi.shape[0], n, 2, 2), dtype=complex)
    for k in range(n):
        m = np.moveaxis(t, 1 + k, 1).reshape(psi.shape[0], 2, -1)
        out[:, k] = np.einsum("nai,nbi->nab", m, m.conj())
    return out


@pytest.mark.parametrize("name,layers", [("tpe", 1), ("hee", 1), ("hee", 4), ("che", 2)])
def test_fidelity_bound_on_embeddings(name, layers):
    n = 4
    model = kernel_model(name, n, layers)
    psi = simulated_states(model)
    kappa = np.abs(psi.conj() @ psi.T) ** 2
    lhs = float(np.mean((kappa - 2.0**-n) ** 2))
    inst = FIDELITY.instantiate(Context(model=model))
    assert not inst.refused or inst.refused[0].bound == "two_design"
    assert lhs <= inst.value("expressivity").value + 1e-12


@pytest.mark.parametrize("gamma", [0.5, 1.0, 3.0])
def test_projected_bound_on_embeddings(gamma):
    n = 4
    for name, layers in (("tpe", 1), ("hee", 3), ("che", 1)):
        model = kernel_model(name, n, layers)
        psi = simulated_states(model)
        marg = single_qubit_marginals(psi, n)
        diff = marg[:, None] - marg[None, :]
        dist = np.real(np.einsum("ijkab,ijkba->ij", diff, diff))
        lhs = float(np.mean(1 - np.exp(-gamma * dist)))
        assert np.allclose(np.exp(-gamma * dist), projected_kernel(psi, gamma))
        inst = PROJECTED.instantiate(Context(model=model, values={"gamma": gamma}))
        assert lhs <= inst.value("embedding_measure").value + 1e-12


def test_two_design_values_against_haar_sampling():
    # exact: the six single-qubit stabilizer states form a state 2-design
    s = 1 / np.sqrt(2)
    stab = np.array([[1, 0], [0, 1], [s, s], [s, -s], [s, 1j * s], [s, -1j * s]], dtype=complex)
    assert fidelity_expressivity(stab) == pytest.approx(0.0, abs=1e-7)
    kappa = np.abs(stab.conj() @ stab.T) ** 2
    exact = FIDELITY.bound("two_design").evaluate(n=1).value
    assert np.mean((kappa - 0.5) ** 2) == pytest.approx(exact)
    # Monte Carlo: Haar-random states on n = 3 qubits
    rng = np.random.default_rng(4)
    n = 3
    psi = rng.normal(size=(600, 2**n)) + 1j * rng.normal(size=(600, 2**n))
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    kappa = np.abs(psi.conj() @ psi.T) ** 2
    pairs = (kappa[np.triu_indices(600, 1)] - 2.0**-n) ** 2
    value = FIDELITY.bound("two_design").evaluate(n=n).value
    assert abs(pairs.mean() - value) < 4 * pairs.std() / np.sqrt(600)   # conservative (pairs are dependent)
    d_hs = np.real(np.einsum("nkab,nkba->nk", *[single_qubit_marginals(psi, n)] * 2)) - 0.5
    assert abs(d_hs.mean() - 1.5 / (2**n + 1)) < 4 * d_hs.std() / np.sqrt(d_hs.size)
    two = PROJECTED.bound("two_design").evaluate(n=n, gamma=1.0).value
    assert two == pytest.approx(2 * 1.0 * n * 1.5 / (2**n + 1))


def test_concentration_grows_with_expressive_embeddings():
    product = FIDELITY.instantiate(Context(model=kernel_model("tpe", 4))).substitutions["eps_F"]
    # HEE with L = n layers (the seed paper's setting; CNOT ring)
    deep = FIDELITY.instantiate(Context(model=kernel_model("hee", 4, layers=4, n_data=40))).substitutions["eps_F"]
    assert deep < product


def test_refused_without_data():
    qs = cirq.LineQubit.range(2)
    model = circuits.Model(ansatz=circuits.hardware_efficient(2, 1, qubits=qs), observable=circuits.local_cost(qs))
    inst = FIDELITY.instantiate(Context(model=model))
    assert not inst.values and "at least two" in inst.refused[0].reason
    with pytest.raises(ValueError, match="gamma"):
        projected_kernel(np.eye(2), 0.0)


def _two_copy_distance(rhos: np.ndarray) -> float:
    """‖E ρ^{⊗2} − Haar pure-state twirl‖₂ by dense matrices (Haar: Π_sym / (d(d+1)/2))."""
    d = rhos.shape[1]
    avg = np.mean([np.kron(r, r) for r in rhos], axis=0)
    swap = np.zeros((d * d, d * d))
    for a in range(d):
        for b in range(d):
            swap[a * d + b, b * d + a] = 1
    haar = (np.eye(d * d) + swap) / (d * (d + 1))
    return float(np.linalg.norm(avg - haar))


def test_fidelity_needs_pure_states():
    """ε_F = sqrt(mean κ² − 2/(d(d+1))) is the distance from the Haar twirl only for pure states."""
    rng = np.random.default_rng(5)
    n, d = 2, 4
    psis = rng.normal(size=(6, d)) + 1j * rng.normal(size=(6, d))
    psis /= np.linalg.norm(psis, axis=1)[:, None]
    rhos = np.einsum("ni,nj->nij", psis, psis.conj())
    assert fidelity_expressivity(psis) == pytest.approx(_two_copy_distance(rhos), rel=1e-9)
    mixed = 0.6 * rhos + 0.4 * np.eye(d) / d
    k = np.real(np.einsum("aij,bji->ab", mixed, mixed))
    eps_kernel = np.sqrt(max(np.mean(k**2) - 2 / (d * (d + 1)), 0.0))
    assert abs(eps_kernel - _two_copy_distance(mixed)) > 0.05
    qs = cirq.LineQubit.range(n)
    model = circuits.Model(ansatz=circuits.hardware_efficient(n, 1, qubits=qs), observable=circuits.local_cost(qs))
    inst = FIDELITY.instantiate(Context(model=model, extra={"states": psis, "density_matrices": mixed}))
    assert not inst.values and "pure" in inst.refused[0].reason.lower()
    ok = FIDELITY.instantiate(Context(model=model, extra={"states": psis}))
    assert ok.values


# ----------------------------------------------------------------------------- noise-induced concentration

NOISY = get_theorem("thanasilp2022_kernels.noise_induced")


def noisy_embedded_states(model: circuits.Model, noise) -> np.ndarray:
    """``ρ̃(x)``: the embedding with ``noise`` on every qubit after every moment (built moment by moment)."""
    sim = cirq.DensityMatrixSimulator(dtype=np.complex128)
    out = []
    for x in model.dataset.x:
        c = cirq.Circuit()
        for moment in model.embedded_circuit(x):
            c.append(moment)
            c.append(cirq.Moment(noise.on_each(*model.qubits)))
        out.append(sim.simulate(c, qubit_order=model.qubits).final_density_matrix)
    return np.stack(out)


@pytest.mark.parametrize("name,n,layers,noise", [("tpe", 2, 1, cirq.depolarize(0.05)), ("hee", 3, 1, cirq.depolarize(0.1)),
                                                 ("hee", 2, 2, cirq.asymmetric_depolarize(0.05, 0.1, 0.02)),
                                                 ("che", 2, 1, cirq.depolarize(0.2))])
def test_noise_induced_against_density_matrices(name, n, layers, noise):
    model = kernel_model(name, n, layers, n_data=8, seed=n + layers)
    rho = noisy_embedded_states(model, noise)
    kappa = np.real(np.einsum("aij,bji->ab", rho, rho))
    lhs = float(np.max(np.abs(kappa - 2.0**-n)))
    inst = NOISY.instantiate(Context(model=model, extra={"noise": noise}))
    assert not inst.refused, inst.refused
    assert inst.substitutions["M"] == len(model.embedding)
    bound = inst.value("fidelity_deviation").value
    assert lhs <= bound * (1 + 1e-9)
    # the pure-state theorem refuses the noisy embedding instead of reporting the noiseless value
    pure = FIDELITY.instantiate(Context(model=model, extra={"noise": noise}))
    assert not pure.values and "mixed" in pure.refused[0].reason


def test_noise_induced_tight_and_refusals():
    """One qubit, RX(x) embedding, x, x' ∈ {0, π}: κ̃ − 1/2 = ±q²/2 = the bound q^{2M}(1 − 1/2), M = 1."""
    q0 = cirq.LineQubit(0)
    x = sympy.Symbol("x_0")
    emb = cirq.Circuit(cirq.rx(x).on(q0))
    data = circuits.Dataset(x=np.array([[0.0], [np.pi]]), y=np.array([1.0, -1.0]), name="two points")
    model = circuits.Model(ansatz=cirq.Circuit(cirq.ry(sympy.Symbol("t")).on(q0)), observable=cirq.PauliSum.wrap(cirq.Z(q0)),
                           embedding=emb, dataset=data)
    p = 0.1
    rho = noisy_embedded_states(model, cirq.depolarize(p))
    kappa = np.real(np.einsum("aij,bji->ab", rho, rho))
    bound = NOISY.instantiate(Context(model=model, extra={"noise": cirq.depolarize(p)})).value("fidelity_deviation").value
    assert np.max(np.abs(kappa - 0.5)) == pytest.approx(bound, rel=1e-9)
    assert bound == pytest.approx((1 - 4 * p / 3) ** 2 / 2, rel=1e-12)
    refused = NOISY.instantiate(Context(model=model, extra={"noise": cirq.amplitude_damp(0.1)}))
    assert not refused.values and "not unital" in refused.refused[0].reason
    undeclared = NOISY.instantiate(Context(model=model))
    assert not undeclared.values and "no noise" in undeclared.refused[0].reason


# ----------------------------------------------------------------------------- global-measurement concentration

GLOBAL = get_theorem("thanasilp2022_kernels.global_measurement")


def enumerated_kernel(model: circuits.Model) -> np.ndarray:
    """κ over all pairs of the product-of-marginals distribution: every combination of the features'
    observed values, embedded with the full n-qubit circuit (no factorisation used)."""
    import itertools

    x = np.asarray(model.dataset.x)
    combos = list(itertools.product(*[x[:, j] for j in range(x.shape[1])]))
    states = np.stack([model.data_state(np.array(c)) for c in combos])
    return np.abs(states.conj() @ states.T) ** 2


def product_model(n: int, n_data: int, seed: int, custom: bool = False) -> circuits.Model:
    qs = cirq.LineQubit.range(n)
    if custom:   # two features on qubit 0, none on the last qubit, fixed gates in between
        xs = sympy.symbols(f"x_0:{n}")
        ops = [cirq.H(qs[0]), cirq.rx(xs[0]).on(qs[0]), cirq.rz(2 * xs[1]).on(qs[0])]
        ops += [cirq.ry(xs[j + 1]).on(qs[j]) for j in range(1, n - 1)] + [cirq.T(qs[-1])]
        emb = cirq.Circuit(ops)
        data = circuits.uniform_random(n_data, n, seed=seed)
    else:
        emb = circuits.make_embedding("tpe", n, qubits=qs)
        data = circuits.uniform_random(n_data, n, seed=seed)
    return circuits.Model(ansatz=circuits.hardware_efficient(n, 1, qubits=qs), observable=circuits.local_cost(qs),
                          embedding=emb, dataset=data)


@pytest.mark.parametrize("n,n_data,custom", [(1, 3, False), (2, 3, False), (3, 3, False), (3, 2, True), (2, 4, True)])
def test_global_measurement_against_enumeration(n, n_data, custom):
    model = product_model(n, n_data, seed=n + n_data, custom=custom)
    kappa = enumerated_kernel(model)
    inst = GLOBAL.instantiate(Context(model=model, values={"delta": 0.3}, declared={"independent_features"}))
    assert not inst.refused, inst.refused
    assert float(np.mean(kappa)) == pytest.approx(inst.value("mean").value, rel=1e-10)
    assert float(np.mean(kappa**2)) == pytest.approx(inst.value("second_moment").value, rel=1e-10)
    assert float(np.mean(kappa)) <= inst.value("mean_uniform").value * (1 + 1e-12)
    assert float(np.mean(kappa >= 0.3)) <= inst.value("tail").value + 1e-12
    # on the dataset's own pairs (not independent features) the product is generally NOT the mean
    own = np.abs(simulated_states(model).conj() @ simulated_states(model).T) ** 2
    if n >= 2 and not custom:
        assert abs(float(np.mean(own)) - inst.value("mean").value) > 1e-6


def test_global_measurement_refusals():
    model = kernel_model("hee", 3, 1, n_data=3)
    inst = GLOBAL.instantiate(Context(model=model, declared={"independent_features"}))
    assert not inst.values and "acts on 2 qubits" in inst.refused[0].reason
    tpe = product_model(2, 3, seed=1)
    undeclared = GLOBAL.instantiate(Context(model=tpe))
    assert not undeclared.values and "independent_features" in undeclared.refused[0].reason
    noisy = GLOBAL.instantiate(Context(model=tpe, declared={"independent_features"}, extra={"noise": cirq.depolarize(0.1)}))
    assert not noisy.values and "mixed" in noisy.refused[0].reason
