"""The seed paper's theorems against independent exact values.

Exact values come from brute-force averaging: equally spaced parameter grids (exact for the
trig polynomials involved), dense trapezoidal grids (NLL, analytic periodic integrand), and
full enumerations of the Clifford group (an exact unitary 2-design) or of all stabilizer
states (an exact state 3-design).
"""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import Context, get_theorem
from bpcalc.bounds.measures import measures, purities

KAPPA = lambda s: 2 ** (2 * s - 1) / (2 ** (2 * s) - 1) ** 2  # noqa: E731


def partial_state(psi: np.ndarray, keep: tuple[int, ...], n: int) -> np.ndarray:
    """Reduced density matrix by explicit reshaping (independent of bounds.measures)."""
    t = psi.reshape((2,) * n)
    rest = [j for j in range(n) if j not in keep]
    m = np.transpose(t, list(keep) + rest).reshape(2 ** len(keep), -1)
    return m @ m.conj().T


# ----------------------------------------------------------------------------- Theorem 1


def _two_qubit_model(loss: str, observable=None, n_params: int = 4, seed: int = 3):
    q = cirq.LineQubit.range(2)
    t = sympy.symbols("theta_0 theta_1 theta_2 theta_3")
    ops = [cirq.ry(t[0]).on(q[0]), cirq.ry(t[1]).on(q[1]), cirq.CNOT(q[0], q[1]), cirq.rz(t[2]).on(q[0]),
           cirq.ry(t[3]).on(q[1])]
    if n_params == 2:
        ops = [cirq.ry(t[0]).on(q[0]), cirq.CNOT(q[0], q[1]), cirq.ry(t[1]).on(q[0])]
    ansatz = cirq.Circuit(ops)
    obs = observable if observable is not None else circuits.local_cost(q)
    data = circuits.uniform_random(4, 2, seed=seed)
    return circuits.Model(ansatz=ansatz, observable=obs, embedding=circuits.make_embedding("hee", 2, 1),
                          dataset=data, loss=loss), ansatz, q


def _outputs_on_grid(model, ansatz, q, grid_points: int, k: int):
    """ℓ_i and ∂_k ℓ_i (parameter shift) on the full product grid, shape (G, N).

    Gate matrices come from Cirq once per distinct angle; products are formed in numpy.
    """
    syms = model.trainable_symbols
    nodes = 2 * np.pi * np.arange(grid_points) / grid_points
    o = model.observable.matrix(q)
    psis = np.stack([model.data_state(x) for x in model.dataset.x])
    ops = list(ansatz.all_operations())
    cache: dict = {}

    def gate(i, value):
        key = (i, round(float(value), 12))
        if key not in cache:
            op = ops[i]
            resolved = cirq.resolve_parameters(op, {s: float(value) for s in cirq.parameter_symbols(op)})
            cache[key] = cirq.Circuit(resolved).unitary(qubit_order=q)
        return cache[key]

    index = {s: j for j, s in enumerate(syms)}

    def ell(v):
        u = np.eye(2 ** len(q), dtype=complex)
        for i, op in enumerate(ops):
            ps = list(cirq.parameter_symbols(op))
            u = gate(i, v[index[ps[0]]] if ps else 0.0) @ u
        phi = psis @ u.T
        return np.real(np.einsum("ni,ij,nj->n", phi.conj(), o, phi))

    ells, dells = [], []
    for vals in itertools.product(nodes, repeat=len(syms)):
        v = list(vals)
        ells.append(ell(v))
        vp, vm = v.copy(), v.copy()
        vp[k] += np.pi / 2
        vm[k] -= np.pi / 2
        dells.append((ell(vp) - ell(vm)) / 2)
    return np.array(ells), np.array(dells)


def _per_point(dl: np.ndarray) -> dict:
    return {"var_dl": list(dl.var(axis=0)), "mean_dl": list(dl.mean(axis=0))}


def test_theorem1_mse_linear_exact_grid():
    model, ansatz, q = _two_qubit_model("mse")
    ell, dl = _outputs_on_grid(model, ansatz, q, grid_points=5, k=1)
    y = np.asarray(model.dataset.y, dtype=float)
    theorem = get_theorem("thanasilp2021.qml_from_vqa")
    # MSE: ∂L = (1/N) Σ 2(ℓ_i − y_i) ∂ℓ_i has degree 2 per parameter, its square degree 4: 5 points are exact
    dL = np.mean(2 * (ell - y) * dl, axis=1)
    var_mse = dL.var()
    inst = theorem.instantiate(Context(model=model, parameter=sympy.Symbol("theta_1"),
                                       extra={"per_datapoint": _per_point(dl)}))
    mink, paper = inst.value("mse_minkowski").value, inst.value("mse_paper").value
    assert var_mse > 1e-4
    assert mink >= var_mse
    assert paper == pytest.approx(2 * mink, rel=1e-12)
    # linear loss L = (1/N) Σ y_i ℓ_i
    lin_model = circuits.Model(ansatz=ansatz, observable=model.observable, embedding=model.embedding,
                               dataset=model.dataset, loss="linear")
    var_lin = np.mean(y * dl, axis=1).var()
    inst = theorem.instantiate(Context(model=lin_model, parameter=sympy.Symbol("theta_1"),
                                       extra={"per_datapoint": _per_point(dl)}))
    assert inst.value("linear_minkowski").value >= var_lin > 1e-5
    assert [r.bound for r in inst.refused if "loss" in r.reason][:1] == ["mse_minkowski"]


def test_theorem1_nll_dense_grid():
    q = cirq.LineQubit.range(2)
    obs = cirq.PauliSum.from_pauli_strings([cirq.PauliString(0.5), cirq.PauliString(0.3, cirq.Z(q[0]))])
    model, ansatz, q = _two_qubit_model("nll", observable=obs, n_params=2)
    ell, dl = _outputs_on_grid(model, ansatz, q, grid_points=96, k=1)
    y = np.asarray(model.dataset.y, dtype=float)
    p = np.where(y > 0, ell, 1 - ell)                      # p_y = ℓ or 1 − ℓ, in [0.2, 0.8]
    dL = np.mean(-np.sign(y) * dl / p, axis=1)             # ∂(−log p_y)
    var_nll = dL.var()
    theorem = get_theorem("thanasilp2021.qml_from_vqa")
    ctx = Context(model=model, parameter=sympy.Symbol("theta_1"), values={"p_min": 0.2},
                  extra={"per_datapoint": _per_point(dl)})
    inst = theorem.instantiate(ctx)
    assert p.min() >= 0.2 - 1e-12
    assert inst.value("nll_minkowski").value >= var_nll > 1e-4
    assert inst.value("nll_paper").value >= inst.value("nll_minkowski").value
    # without p_min the NLL bounds are refused, naming the missing assumption
    inst = theorem.instantiate(ctx.replace(values={}))
    assert {r.bound for r in inst.refused} >= {"nll_minkowski", "nll_paper"}
    assert any("p_min" in r.reason for r in inst.refused)


# ----------------------------------------------------------------------------- tensor-product QNN


@pytest.fixture(scope="module")
def tp_setup(tools):
    n, s = 4, 2
    ansatz = circuits.tensor_product(n, s)
    qubits = sorted(ansatz.all_qubits())
    data = circuits.load_dataset("digits", n, n_samples=6, seed=2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qubits),
                           embedding=circuits.make_embedding("hee", n, 2), dataset=data, loss="linear",
                           two_design_blocks=True)
    theta = sympy.Symbol("theta_0_b0_4")  # ry on qubit 0 inside block 0 (qubits 0, 1)
    psis = np.stack([model.data_state(x) for x in data.x])
    rhos = np.stack([partial_state(p, (0, 1), n) for p in psis])
    cl = tools.clifford_group(2)
    cl_dag = np.transpose(cl.conj(), (0, 2, 1))
    o_full = model.observable.matrix(qubits)
    # block-0 part of O: (1/(2n)) (Z_0 + Z_1) (+ identity, irrelevant for derivatives)
    o_block = (np.kron(tools.PAULI["Z"], np.eye(2)) + np.kron(np.eye(2), tools.PAULI["Z"])) / (2 * n)
    p_block = np.kron(tools.PAULI["Y"], np.eye(2))
    w = cl_dag @ o_block @ cl
    rp, rm = tools.rotation(p_block, np.pi / 2), tools.rotation(p_block, -np.pi / 2)
    m = 0.5 * (rp.conj().T @ w @ rp - rm.conj().T @ w @ rm)
    t_moment = tools.vec_moment(np.transpose(m, (0, 2, 1)))
    g = np.stack([(cl @ r @ cl_dag).reshape(len(cl), -1) for r in rhos])  # (N, |C|, 16)
    cross = np.real(np.einsum("iap,pq,jaq->ij", g, t_moment, g)) / len(cl)
    return dict(model=model, theta=theta, psis=psis, rhos=rhos, cross=cross, n=n, s=s, cl=cl, o_full=o_full,
                o_block=o_block, p_block=p_block)


def test_tensor_product_reduction_matches_full_space(tp_setup, tools):
    """Honesty check of the brute force: the 4-qubit derivative equals the block-reduced one."""
    rng = np.random.default_rng(0)
    n, cl = tp_setup["n"], tp_setup["cl"]
    other = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))[0]
    p_full = np.kron(tp_setup["p_block"], np.eye(4))
    for a, b in rng.integers(0, len(cl), size=(5, 2)):
        vm, vp = np.kron(cl[a], np.eye(4)), np.kron(cl[b], other)
        full = []
        for th in (np.pi / 2, -np.pi / 2):
            u = vp @ tools.rotation(p_full, th) @ vm
            full.append(np.real(np.einsum("ni,ij,nj->n", (tp_setup["psis"] @ u.T).conj(), tp_setup["o_full"],
                                          tp_setup["psis"] @ u.T)))
        d_full = (full[0] - full[1]) / 2
        red = []
        for th in (np.pi / 2, -np.pi / 2):
            u = cl[b] @ tools.rotation(tp_setup["p_block"], th) @ cl[a]
            red.append(np.real(np.einsum("nij,ji->n", tp_setup["rhos"], u.conj().T @ tp_setup["o_block"] @ u)))
        np.testing.assert_allclose(d_full, (red[0] - red[1]) / 2, atol=1e-12)


def test_tensor_product_variance_exact_clifford(tp_setup, tools):
    s, n = tp_setup["s"], tp_setup["n"]
    exact = np.diag(tp_setup["cross"])
    d_hs = np.array([np.real(np.trace(r @ r)) - 2.0**-s for r in tp_setup["rhos"]])
    delta_oh = tools.delta(tp_setup["o_block"])
    theorem = get_theorem("thanasilp2021.tensor_product_variance")
    for e, dh in zip(exact, d_hs):
        assert theorem.bound("general").evaluate(s=s, Delta_Oh=delta_oh, D_HS=dh).value == pytest.approx(e, rel=1e-10)
        assert theorem.bound("local_cost").evaluate(n=n, s=s, D_HS=dh).value == pytest.approx(e, rel=1e-10)
    inst = theorem.instantiate(Context(model=tp_setup["model"], parameter=tp_setup["theta"]))
    assert inst.value("general").value == pytest.approx(exact.mean(), rel=1e-9)
    assert inst.value("local_cost").value == pytest.approx(exact.mean(), rel=1e-9)
    assert [r.bound for r in inst.refused] == ["local_cost_z", "haar_data"]   # O_L, not (1/n)ΣZ_j; no Haar data


def test_cross_terms_exact_clifford(tp_setup, tools):
    s = tp_setup["s"]
    rhos, cross = tp_setup["rhos"], tp_setup["cross"]
    delta_oh = tools.delta(tp_setup["o_block"])
    bound = get_theorem("thanasilp2021.tensor_product_cross_terms").bound("general")
    off = []
    for i, j in itertools.combinations(range(len(rhos)), 2):
        overlap = float(np.real(np.trace(rhos[i] @ rhos[j])))
        assert bound.evaluate(s=s, Delta_Oh=delta_oh, overlap=overlap).value == pytest.approx(cross[i, j], rel=1e-9,
                                                                                              abs=1e-15)
        off.append(cross[i, j])
    inst = get_theorem("thanasilp2021.tensor_product_cross_terms").instantiate(
        Context(model=tp_setup["model"], parameter=tp_setup["theta"]))
    assert inst.value("general").value == pytest.approx(np.mean(off), rel=1e-9)


def test_linear_loss_exact_clifford(tp_setup):
    y = np.asarray(tp_setup["model"].dataset.y, dtype=float)
    nd = len(y)
    exact = float(y @ tp_setup["cross"] @ y) / nd**2
    inst = get_theorem("thanasilp2021.tensor_product_linear_loss").instantiate(
        Context(model=tp_setup["model"], parameter=tp_setup["theta"]))
    assert exact > 0
    assert inst.value("general").value == pytest.approx(exact, rel=1e-9)
    assert inst.value("local_cost").value == pytest.approx(exact, rel=1e-9)


def test_tensor_product_mse_bound_exact_clifford(tools):
    """n = 2, s = 1: every block a single-qubit Clifford (exact 2-design), θ on an exact 5-point grid."""
    n = 2
    ansatz = circuits.tensor_product(n, 1)
    qubits = sorted(ansatz.all_qubits())
    data = circuits.uniform_random(4, n, seed=7)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qubits),
                           embedding=circuits.make_embedding("hee", n, 1), dataset=data, loss="mse",
                           two_design_blocks=True)
    theta = sympy.Symbol("theta_0_b0_2")  # ry on qubit 0
    psis = np.stack([model.data_state(x) for x in data.x])
    r0 = np.stack([partial_state(p, (0,), n) for p in psis])
    r1 = np.stack([partial_state(p, (1,), n) for p in psis])
    c1 = tools.clifford_group(1)
    proj = np.diag([1.0, 0.0]).astype(complex)
    ycol = np.asarray(data.y, dtype=float)

    def a_of(u):  # Tr[ρ^{(0)} U† |0⟩⟨0| U] for a batch of U
        return np.real(np.einsum("nij,kji->kn", r0, np.transpose(u.conj(), (0, 2, 1)) @ proj @ u))

    grid = 2 * np.pi * np.arange(5) / 5
    us, dus = [], []
    for vm, vp, th in itertools.product(c1, c1, grid):
        us.append(vp @ tools.rotation(tools.PAULI["Y"], th) @ vm)
        dus.append((vp @ tools.rotation(tools.PAULI["Y"], th + np.pi / 2) @ vm,
                    vp @ tools.rotation(tools.PAULI["Y"], th - np.pi / 2) @ vm))
    a = a_of(np.stack(us))                                                   # (G0, N)
    da = (a_of(np.stack([d[0] for d in dus])) - a_of(np.stack([d[1] for d in dus]))) / 2
    b = np.real(np.einsum("nij,kji->kn", r1, np.transpose(c1.conj(), (0, 2, 1)) @ proj @ c1))  # (24, N)
    ell = (a[:, None, :] + b[None, :, :]) / n                                # (G0, 24, N)
    dl = np.broadcast_to(da[:, None, :] / n, ell.shape)
    dL = np.mean(2 * (ell - ycol) * dl, axis=2)
    var = dL.var()
    per_point = (da / n).var(axis=0) + (da / n).mean(axis=0) ** 2
    d_hs = np.array([np.real(np.trace(r @ r)) - 0.5 for r in r0])
    theorem = get_theorem("thanasilp2021.tensor_product_mse_nll")
    inst = theorem.instantiate(Context(model=model, parameter=theta))
    assert var > 1e-4
    assert inst.value("mse_minkowski").value >= var
    assert inst.value("mse_paper").value >= inst.value("mse_minkowski").value
    # the per-point variance used inside the bound is itself exact for s = 1
    expected = KAPPA(1) * (2 * (1 / (2 * n)) ** 2) * d_hs
    np.testing.assert_allclose(per_point, expected, rtol=1e-10)


# ----------------------------------------------------------------------------- embeddings


@pytest.mark.parametrize("n", [2, 3])
def test_haar_embedding_exact_stabilizer_states(n, tools):
    states = tools.stabilizer_states(n)
    bound = get_theorem("thanasilp2021.data_expressibility").bound("haar")
    for size in range(1, n + 1):
        for keep in itertools.combinations(range(n), size):
            d_hs = [np.real(np.trace(r @ r)) - 2.0**-size for r in (partial_state(p, keep, n) for p in states)]
            assert bound.evaluate(n=n, s=size).value == pytest.approx(np.mean(d_hs), rel=1e-10)
            np.testing.assert_allclose(purities(states, keep) - 2.0**-size, d_hs, atol=1e-12)


@pytest.mark.slow
def test_haar_embedding_exact_stabilizer_states_n4(tools):
    test_haar_embedding_exact_stabilizer_states(4, tools)


def test_product_embedding_value():
    n = 4
    ansatz = circuits.tensor_product(n, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                           embedding=circuits.make_embedding("tpe", n), dataset=circuits.load_dataset("digits", n,
                                                                                                       n_samples=10))
    m = measures(model, ensemble=False)
    theorem = get_theorem("thanasilp2021.data_expressibility")
    inst = theorem.instantiate(Context(model=model, parameter=sympy.Symbol("theta_0_b0_0"), measures=m))
    assert [v.name for v in inst.values] == ["product"]
    for sub in m.subsystems:
        np.testing.assert_allclose(sub.d_hs, inst.value("product").value, atol=1e-12)


# ----------------------------------------------------------------------------- refusals


def test_tensor_product_refused_without_declared_designs_and_for_other_ansatze():
    n = 4
    data = circuits.load_dataset("digits", n, n_samples=5)
    theorem = get_theorem("thanasilp2021.tensor_product_variance")
    tpa = circuits.tensor_product(n, 2)
    model = circuits.Model(ansatz=tpa, observable=circuits.local_cost(sorted(tpa.all_qubits())),
                           embedding=circuits.make_embedding("hee", n, 1), dataset=data)
    app = theorem.applicability(Context(model=model, parameter=sympy.Symbol("theta_0_b0_4")))
    assert not app.applicable
    failed = {c.key: c for c in app.failed}
    assert set(failed) == {"block_sides_two_designs", "embedding_two_design", "local_cost_z"}  # O_L: projector form
    assert failed["block_sides_two_designs"].holds is False
    assert "not a 2-design" in failed["block_sides_two_designs"].reason
    hea = circuits.hardware_efficient(n, 2)
    model = circuits.Model(ansatz=hea, observable=circuits.local_cost(sorted(hea.all_qubits())),
                           embedding=circuits.make_embedding("hee", n, 1), dataset=data, two_design_blocks=True)
    app = theorem.applicability(Context(model=model, parameter=model.trainable_symbols[0]))
    assert "tensor_product_ansatz" in {c.key for c in app.failed}
    assert theorem.instantiate(Context(model=model, parameter=model.trainable_symbols[0])).values == ()


def test_tensor_product_nll_bound_exact_clifford(tools):
    """NLL with p_y = ℓ (or 1 − ℓ) ∈ [0.2, 0.8]: blocks single-qubit Cliffords, θ on a dense grid."""
    n = 2
    ansatz = circuits.tensor_product(n, 1)
    qubits = sorted(ansatz.all_qubits())
    obs = cirq.PauliSum.from_pauli_strings([cirq.PauliString(0.5), cirq.PauliString(0.15, cirq.Z(qubits[0])),
                                            cirq.PauliString(0.15, cirq.Z(qubits[1]))])
    data = circuits.uniform_random(4, n, seed=11)
    model = circuits.Model(ansatz=ansatz, observable=obs, embedding=circuits.make_embedding("hee", n, 1),
                           dataset=data, loss="nll", two_design_blocks=True)
    psis = np.stack([model.data_state(x) for x in data.x])
    r0 = np.stack([partial_state(p, (0,), n) for p in psis])
    r1 = np.stack([partial_state(p, (1,), n) for p in psis])
    c1 = tools.clifford_group(1)
    z = tools.PAULI["Z"]
    ycol = np.asarray(data.y, dtype=float)

    def z_of(rho, u):  # Tr[ρ U† Z U]
        return np.real(np.einsum("nij,kji->kn", rho, np.transpose(u.conj(), (0, 2, 1)) @ z @ u))

    grid = 2 * np.pi * np.arange(64) / 64
    us, up, um = [], [], []
    for vm, vp, th in itertools.product(c1, c1, grid):
        for lst, shift in ((us, 0.0), (up, np.pi / 2), (um, -np.pi / 2)):
            lst.append(vp @ tools.rotation(tools.PAULI["Y"], th + shift) @ vm)
    a = z_of(r0, np.stack(us))
    da = (z_of(r0, np.stack(up)) - z_of(r0, np.stack(um))) / 2
    b = z_of(r1, c1)
    ell = 0.5 + 0.15 * (a[:, None, :] + b[None, :, :])
    dl = 0.15 * da[:, None, :]
    p = np.where(ycol > 0, ell, 1 - ell)
    dL = np.mean(-np.sign(ycol) * dl / p, axis=2)
    var = dL.var()
    inst = get_theorem("thanasilp2021.tensor_product_mse_nll").instantiate(
        Context(model=model, parameter=sympy.Symbol("theta_0_b0_2"), values={"p_min": 0.2}))
    assert p.min() >= 0.2 - 1e-12 and var > 1e-4
    assert inst.value("nll_minkowski").value >= var
    assert inst.value("nll_paper").value >= inst.value("nll_minkowski").value
