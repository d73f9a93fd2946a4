"""Cerezo et al. 2021 (arXiv:2001.00550): G_n <= exact <= F against an independent 2-design chain."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.cerezo2021 import (
    alternating_layered_geometry,
    alternating_layered_structure,
    guaranteed_first_layer_hits,
    product_projector_form,
)

from two_design_reference import (
    ala_layers,
    chain_variance,
    haar_block_gradients,
    pauli_squares_by_support,
    pauli_terms_to_masks,
)

LOCAL = get_theorem("cerezo2021.local_cost_lower")
GLOBAL = get_theorem("cerezo2021.global_cost_upper")
PROJECTOR = get_theorem("cerezo2021.global_cost_projector")
TRACELESS = get_theorem("cerezo2021.global_cost_traceless")


def labels(observable: cirq.PauliSum, qubits) -> list[tuple[float, str]]:
    out = []
    for term in observable:
        lab = "".join(str(term.get(q, "I")) if q in term.qubits else "I" for q in qubits)
        out.append((float(complex(term.coefficient).real), lab))
    return out


def block_of(symbol: sympy.Symbol) -> tuple[int, int]:
    layer, block, _ = symbol.name.split("_")[1:]
    return int(layer), int(block[1:])


def random_local_observable(n: int, m: int, rng: np.random.Generator, qubits) -> cirq.PauliSum:
    total = cirq.PauliSum()
    for i in range(n // m):
        for _ in range(2):
            letters = rng.choice(list("IXYZ"), size=m)
            if set(letters) == {"I"}:
                letters[0] = "Z"
            ps = {qubits[i * m + j]: getattr(cirq, c) for j, c in enumerate(letters) if c != "I"}
            total += cirq.PauliString(ps, coefficient=float(rng.normal()))
    return total + 0.3


def input_cases(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    zero = np.zeros(2**n, dtype=complex)
    zero[0] = 1
    prod = np.array([1.0 + 0j])
    for _ in range(n):
        v = rng.normal(size=2) + 1j * rng.normal(size=2)
        prod = np.kron(prod, v / np.linalg.norm(v))
    ent = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return {"zero": zero[None], "product": prod[None], "entangled": (ent / np.linalg.norm(ent))[None],
            "mixture": np.stack([zero, prod])}


SLOW = pytest.mark.slow
GEOMETRIES = [(4, 2, 1), (4, 2, 2), (4, 2, 3), (6, 2, 2), (6, 2, 3),
              pytest.param(8, 2, 2, marks=SLOW), pytest.param(8, 2, 4, marks=SLOW),
              pytest.param(8, 4, 1, marks=SLOW), pytest.param(8, 4, 2, marks=SLOW)]


@pytest.mark.parametrize("n,m,n_layers", GEOMETRIES)
def test_local_cost_lower_bound_below_exact_chain(n, m, n_layers):
    rng = np.random.default_rng(100 * n + 10 * m + n_layers)
    ansatz = circuits.alternating_layered(n, n_layers, m)
    qubits = sorted(ansatz.all_qubits())
    observables = [circuits.local_cost(qubits, form="z"), circuits.local_cost(qubits),
                   random_local_observable(n, m, rng, qubits)]
    layers = ala_layers(n, m, n_layers)
    for obs in observables:
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
        seen = set()
        for s in model.trainable_symbols:
            if block_of(s) in seen:
                continue
            seen.add(block_of(s))
            for name, states in input_cases(n, rng).items():
                inst = LOCAL.instantiate(Context(model=model, parameter=s, extra={"states": states}))
                assert not inst.refused, inst.refused
                g = inst.value("local_cost_lower").value
                exact = chain_variance(layers, block_of(s), terms, pauli_squares_by_support(states))
                assert g > 0
                assert g <= exact * (1 + 1e-9), (n, m, n_layers, s, name, g, exact)


def test_local_cost_lower_bound_with_dataset_states():
    n, m, n_layers = 6, 2, 2
    ansatz = circuits.alternating_layered(n, n_layers, m)
    qubits = sorted(ansatz.all_qubits())
    emb = circuits.make_embedding("tpe", n, qubits=qubits)
    data = circuits.uniform_random(4, n, seed=3)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qubits), embedding=emb,
                           dataset=data, two_design_blocks=True)
    states = np.stack([model.data_state(x) for x in data.x])
    terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
    s = sympy.Symbol("theta_1_b1_0")
    inst = LOCAL.instantiate(Context(model=model, parameter=s))
    g = inst.value("local_cost_lower").value
    exact = chain_variance(ala_layers(n, m, n_layers), (1, 1), terms, pauli_squares_by_support(states))
    assert 0 < g <= exact


@pytest.mark.parametrize("n,m,n_layers", [(4, 2, 1), (4, 2, 3), (6, 2, 2), pytest.param(8, 2, 1, marks=SLOW),
                                           pytest.param(8, 2, 5, marks=SLOW), pytest.param(8, 4, 2, marks=SLOW)])
def test_global_cost_upper_bound_above_exact_chain(n, m, n_layers):
    rng = np.random.default_rng(7 * n + n_layers)
    ansatz = circuits.alternating_layered(n, n_layers, m)
    qubits = sorted(ansatz.all_qubits())
    layers = ala_layers(n, m, n_layers)
    for obs in (circuits.global_cost(qubits), random_local_observable(n, m, rng, qubits)):
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
        for s in model.trainable_symbols[:: max(1, len(model.trainable_symbols) // 5)]:
            for states in input_cases(n, rng).values():
                inst = GLOBAL.instantiate(Context(model=model, parameter=s, extra={"states": states}))
                f = inst.value("global_cost_upper").value
                exact = chain_variance(layers, block_of(s), terms, pauli_squares_by_support(states))
                assert exact <= f * (1 + 1e-9), (n, m, n_layers, s, exact, f)


def test_global_cost_bound_is_exponential_for_the_global_projector():
    ansatz = circuits.alternating_layered(6, 2, 2)
    qubits = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.global_cost(qubits), two_design_blocks=True)
    ctx = Context(model=model, parameter=model.trainable_symbols[0])
    scaling = GLOBAL.scaling(ctx)
    asym = GLOBAL.bound("global_cost_upper").asymptotics(**scaling)
    assert asym.exponentially_vanishing and asym.base == pytest.approx(2.0)


def test_reference_chain_matches_haar_sampling():
    """The reference chain (used by the tests above) against Haar-random blocks, 4-sigma."""
    rng = np.random.default_rng(11)
    n, m, n_layers = 4, 2, 3
    layers = ala_layers(n, m, n_layers)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi /= np.linalg.norm(psi)
    obs_terms = [(1.0, "ZZII"), (0.5, "IIXI")]
    mat = sum(c * np.kron(np.kron(circuits_pauli(lab[0]), circuits_pauli(lab[1])),
                          np.kron(circuits_pauli(lab[2]), circuits_pauli(lab[3]))) for c, lab in obs_terms)
    exact = chain_variance(layers, (1, 0), pauli_terms_to_masks(obs_terms), pauli_squares_by_support(psi))
    g = haar_block_gradients(layers, (1, 0), "ZI", mat, psi, 1500, rng)
    sq = g**2
    assert abs(sq.mean() - exact) < 4 * sq.std() / np.sqrt(sq.size)
    assert abs(g.mean()) < 4 * g.std() / np.sqrt(g.size)


def circuits_pauli(ch: str) -> np.ndarray:
    return {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
            "Z": np.diag([1.0, -1.0])}[ch]


def test_refused_without_two_design_blocks():
    ansatz = circuits.alternating_layered(4, 2, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())))
    inst = LOCAL.instantiate(Context(model=model, parameter=model.trainable_symbols[0]))
    assert not inst.values
    assert "not a 2-design" in inst.refused[0].reason


def test_refused_for_straddling_observable_and_non_ala():
    ansatz = circuits.alternating_layered(4, 2, 2)
    q = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.Z(q[0]) * cirq.Z(q[2])),
                           two_design_blocks=True)
    inst = LOCAL.instantiate(Context(model=model, parameter=model.trainable_symbols[0]))
    assert not inst.values and "fit no" in inst.refused[0].reason
    hea = circuits.hardware_efficient(4, 2)
    model = circuits.Model(ansatz=hea, observable=circuits.local_cost(sorted(hea.all_qubits())),
                           two_design_blocks=True)
    inst = LOCAL.instantiate(Context(model=model, parameter=model.trainable_symbols[0]))
    assert not inst.values and "block tags" in inst.refused[0].reason
    with pytest.raises(ValueError, match="block tags"):
        alternating_layered_structure(model)


def test_geometry_light_cones_from_circuit():
    ansatz = circuits.alternating_layered(8, 3, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                           two_design_blocks=True)
    g = alternating_layered_geometry(model, sympy.Symbol("theta_1_b1_0"))  # layer 1 block on qubits 3, 4
    assert (g.m, g.n_layers, g.layer) == (2, 3, 2)
    assert g.backward == frozenset({2, 3, 4, 5})
    assert g.forward == frozenset({2, 3, 4, 5})
    assert g.cone_blocks == (1, 2)
    with pytest.raises(ValueError, match="no tagged block"):
        alternating_layered_geometry(model, sympy.Symbol("nope"))


def test_l_conventions_all_below_exact_documented():
    """The registered l (1-based from the input) and the alternatives all stay below the chain."""
    n, m, n_layers = 6, 2, 3
    ansatz = circuits.alternating_layered(n, n_layers, m)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits()), form="z"),
                           two_design_blocks=True)
    terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
    psi = np.zeros(2**n)
    psi[0] = 1
    bound = LOCAL.bound("local_cost_lower")
    for layer, block in itertools.product(range(n_layers), range(2)):
        s = sympy.Symbol(f"theta_{layer}_b{block}_0")
        subs = LOCAL.substitutions(Context(model=model, parameter=s))
        exact = chain_variance(ala_layers(n, m, n_layers), (layer, block), terms, pauli_squares_by_support(psi))
        for l_value in (layer + 1, n_layers - layer, layer):
            g = bound.evaluate({**subs, "l": l_value}).value
            assert g <= exact


def test_bounds_bracket_the_projects_two_design_engine():
    """G_n <= exact <= F with bpcalc's own 2-design chain (bounds.exact.two_design), which also
    agrees with the independent reference chain of these tests."""
    from bpcalc.bounds.exact.two_design import two_design_gradient_variance

    n, m, n_layers = 6, 2, 3
    ansatz = circuits.alternating_layered(n, n_layers, m)
    qubits = sorted(ansatz.all_qubits())
    rng = np.random.default_rng(21)
    obs = random_local_observable(n, m, rng, qubits)
    model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
    states = input_cases(n, rng)["entangled"]
    symbols = [s for s in model.trainable_symbols if s.name.endswith("_0")]
    engine = two_design_gradient_variance(model.ansatz, model.observable, states[0], parameters=symbols,
                                          qubits=model.qubits)
    terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
    squares = pauli_squares_by_support(states)
    for s, value in zip(engine.parameters, engine.values):
        ctx = Context(model=model, parameter=s, extra={"states": states})
        assert value == pytest.approx(chain_variance(ala_layers(n, m, n_layers), block_of(s), terms, squares),
                                      rel=1e-9, abs=1e-14)
        assert LOCAL.instantiate(ctx).value("local_cost_lower").value <= value
        assert value <= GLOBAL.instantiate(ctx).value("global_cost_upper").value


# ----------------------------------------------------------------------------- Theorem 1 (i), Eq. (12)


def random_projector(m: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    z = rng.normal(size=(2**m, rank)) + 1j * rng.normal(size=(2**m, rank))
    q, _ = np.linalg.qr(z)
    return q @ q.conj().T


def matrix_to_pauli_sum(mat: np.ndarray, qubits) -> cirq.PauliSum:
    """Independent Pauli expansion ``c_P = Tr[P M]/2^n`` by one contraction per qubit (not bpcalc's)."""
    n = len(qubits)
    t_mat = np.stack([circuits_pauli(c).T for c in "IXYZ"])
    t = np.asarray(mat, dtype=complex).reshape([2] * (2 * n))
    for q in range(n):
        t = np.tensordot(t_mat, t, axes=([1, 2], [q, q + n - q]))
        t = np.moveaxis(t, 0, q)
    t = t / 2**n
    strings = []
    for letters in itertools.product(range(4), repeat=n):
        c = t[letters]
        if abs(c) > 1e-12:
            assert abs(c.imag) < 1e-10
            strings.append(cirq.PauliString({q: (cirq.X, cirq.Y, cirq.Z)[k - 1] for q, k in zip(qubits, letters) if k},
                                            coefficient=float(c.real)))
    return cirq.PauliSum.from_pauli_strings(strings)


def product_projector_observable(n: int, m: int, ranks, c0: float, c1: float, rng, qubits):
    mat = np.array([[1.0 + 0j]])
    for r in ranks:
        mat = np.kron(mat, random_projector(m, r, rng))
    return matrix_to_pauli_sum(c0 * np.eye(2**n) + c1 * mat, qubits)


def f12(n, m, L, l, c1sqr):
    """Eq. (12) typed independently of the registered expression."""
    return 2.0 ** (2 * m + (2 * m - 1) * (L - l)) / ((2 ** (2 * m) - 1) * 3 ** (n / m) * 2 ** ((2 - 3 / m) * n)) * c1sqr


@pytest.mark.parametrize("n,m,n_layers", [(4, 2, 1), (4, 2, 2), (4, 2, 4), (6, 2, 1), (6, 2, 3),
                                           pytest.param(8, 2, 2, marks=SLOW), pytest.param(8, 2, 5, marks=SLOW),
                                           pytest.param(8, 4, 1, marks=SLOW), pytest.param(8, 4, 3, marks=SLOW)])
def test_projector_bound_above_exact_chain(n, m, n_layers):
    rng = np.random.default_rng(1000 + 100 * n + 10 * m + n_layers)
    ansatz = circuits.alternating_layered(n, n_layers, m)
    qubits = sorted(ansatz.all_qubits())
    layers = ala_layers(n, m, n_layers)
    global_projector = circuits.global_cost(qubits)
    ranks = tuple(int(r) for r in rng.integers(1, 2**m, size=n // m))
    observables = [(global_projector, 1.0), (1 - global_projector, 1.0),
                   (product_projector_observable(n, m, ranks, 0.4, -1.7, rng, qubits),
                    1.7**2 * float(np.prod(np.square(ranks))))]
    worst = 0.0
    for obs, c1sqr in observables:
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
        for s in model.trainable_symbols[:: max(1, len(model.trainable_symbols) // 6)]:
            layer, _ = block_of(s)
            f = PROJECTOR.instantiate(Context(model=model, parameter=s)).value("global_cost_upper").value
            assert f == pytest.approx(f12(n, m, n_layers, layer + 1, c1sqr), rel=1e-9)
            for states in input_cases(n, rng).values():  # F does not depend on the input state
                exact = chain_variance(layers, block_of(s), terms, pauli_squares_by_support(states))
                assert exact <= f * (1 + 1e-9), (n, m, n_layers, s, exact, f)
                worst = max(worst, exact / f)
    assert worst > 1e-4  # the check is not vacuous


def test_projector_form_recognition():
    rng = np.random.default_rng(5)
    qubits = cirq.LineQubit.range(4)
    form = product_projector_form(circuits.global_cost(qubits), qubits, 2)
    assert (form.c0, form.c1, form.ranks) == (pytest.approx(0.0, abs=1e-12), pytest.approx(1.0), (1, 1))
    form = product_projector_form(1 - circuits.global_cost(qubits), qubits, 2)
    assert (form.c0, form.c1) == (pytest.approx(1.0), pytest.approx(-1.0))
    obs = product_projector_observable(4, 2, (2, 3), 0.25, 2.5, rng, qubits)
    form = product_projector_form(obs, qubits, 2)
    # (2, 3) or an equivalent decomposition with complementary projectors; the smallest c1² R wins
    assert form.c1_squared_R <= 2.5**2 * 36 * (1 + 1e-9)
    recon = form.c0 * np.eye(16) + 0j
    assert form.c1_squared_R == pytest.approx(form.c1**2 * np.prod(np.square(form.ranks)))
    assert np.allclose(cirq.PauliSum.matrix(obs, qubits), cirq.PauliSum.matrix(obs, qubits).conj().T)
    assert recon.shape == (16, 16)
    for bad, why in [(circuits.local_cost(qubits), "two distinct eigenvalues"),
                     (cirq.PauliSum.wrap(cirq.Z(qubits[0]) * cirq.Z(qubits[2])), "not c_0 1 \\+ c_1|trivial"),
                     (cirq.PauliSum.wrap(cirq.Z(cirq.LineQubit(9))), "outside the circuit")]:
        with pytest.raises(ValueError, match=why):
            product_projector_form(bad, qubits, 2)
    ansatz = circuits.alternating_layered(4, 2, 2)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())),
                           two_design_blocks=True)
    inst = PROJECTOR.instantiate(Context(model=model, parameter=model.trainable_symbols[0]))
    assert not inst.values and "projector" in inst.refused[0].reason


def test_projector_bound_log_space_and_corollary_rate():
    """At n = 10^6 the bound underflows a float but not its log10; the rate is Corollary 1 (i)'s."""
    bound = PROJECTOR.bound("global_cost_upper")
    v = bound.evaluate(n=10**6, m=2, L=20, l=1, c1sqR=1)
    expected = (4 + 3 * 19) * np.log10(2) - np.log10(15) - 5e5 * np.log10(3) - 0.5e6 * np.log10(2)
    assert v.log10 == pytest.approx(expected, rel=1e-12)
    for m in (2, 4, 6):
        asym = bound.asymptotics(m=m, L=3, l=1, c1sqR=1)
        assert asym.exponentially_vanishing
        base = 3 ** (1 / m) * 2 ** (2 - 3 / m)
        assert asym.base == pytest.approx(base, rel=1e-6)
        # Corollary 1 (i): F in O(2^{-(1 - log2(3)/m) n}) even for c1²R = 2^n
        assert base / 2 >= 2 ** (1 - np.log2(3) / m) - 1e-12


def test_printed_case_ii_is_violated():
    """Theorem 1 (ii), Eq. (13) as printed — 2^{2m(L−l+1)+1} / (3^{2n/m} 2^{(3−4/m)n}) Σ_ij c_i c_j —
    is below the exact variance of O = Z^{⊗n} (every Ô_1k = Z⊗Z traceless, Tr Ô² = 2^m).
    Checked with the reference chain and with Haar-random blocks (independent of the chain)."""
    n, m, n_layers = 6, 2, 1
    layers = ala_layers(n, m, n_layers)
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1
    printed = 2.0 ** (2 * m * 1 + 1) / (3 ** (2 * n / m) * 2 ** ((3 - 4 / m) * n))
    exact = chain_variance(layers, (0, 0), pauli_terms_to_masks([(1.0, "Z" * n)]), pauli_squares_by_support(psi))
    assert exact == pytest.approx(8 / 15 * (1 / 5) ** 3, rel=1e-12)  # closed form for |0…0⟩: (2^m+1)^{-n/m}
    assert exact > 6 * printed
    rng = np.random.default_rng(3)
    obs = np.array([[1.0 + 0j]])
    for _ in range(n):
        obs = np.kron(obs, circuits_pauli("Z"))
    g = haar_block_gradients(layers, (0, 0), "ZI", obs, psi, 1000, rng)
    sq = g**2
    assert sq.mean() - 4 * sq.std() / np.sqrt(sq.size) > printed  # heavy-tailed: a 4-sigma one-sided check


def test_local_bound_with_straddling_terms():
    """Eq. (16) allows Ô_i^{μ} ⊗ Ô_i^{μ'} across S_k, S_k+1; G_n stays below the chain."""
    rng = np.random.default_rng(41)
    for n, m, n_layers in [(4, 2, 2), (6, 2, 3), (8, 4, 2)]:
        ansatz = circuits.alternating_layered(n, n_layers, m)
        q = sorted(ansatz.all_qubits())
        half = m // 2
        obs = cirq.PauliSum()
        for k in range(n // m - 1):
            left = {q[k * m + half + j]: cirq.X if j % 2 else cirq.Z for j in range(half)}
            right = {q[(k + 1) * m + j]: cirq.Y for j in range(half)}
            obs += cirq.PauliString({**left, **right}, coefficient=float(rng.normal()))
        obs += cirq.PauliString(cirq.Z(q[0]), coefficient=0.5)
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
        layers = ala_layers(n, m, n_layers)
        for states in (input_cases(n, rng)["zero"], input_cases(n, rng)["product"]):
            squares = pauli_squares_by_support(states)
            for s in model.trainable_symbols[:: max(1, len(model.trainable_symbols) // 6)]:
                inst = LOCAL.instantiate(Context(model=model, parameter=s, extra={"states": states}))
                g = inst.value("local_cost_lower").value
                assert 0 <= g <= chain_variance(layers, block_of(s), terms, squares)


# ----------------------------------------------------------------------------- the warm-up example


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_warm_up_closed_forms_against_exact_engine(n):
    """Cerezo et al.'s warm-up (Results): V = ⊗_j exp(iθ_j X/2) on |0…0⟩ gives
    Var[∂C_G] = (1/8)(3/8)^{n−1} for C_G = 1 − Π_j cos²(θ_j/2) and Var[∂C_L] = 1/(8n²)
    for C_L = 1 − (1/n) Σ_j cos²(θ_j/2): published closed forms checked with the Pauli-path engine."""
    from bpcalc.bounds.exact import exact_gradient_variance

    qubits = cirq.LineQubit.range(n)
    thetas = sympy.symbols(f"t0:{n}")
    circuit = cirq.Circuit(cirq.rx(-t).on(q) for t, q in zip(thetas, qubits))
    o_global = 1 - circuits.global_cost(qubits)
    o_local = 1 - circuits.local_cost(qubits)
    vg = exact_gradient_variance(circuit, o_global, parameters=thetas[0], qubits=qubits).values[0]
    vl = exact_gradient_variance(circuit, o_local, parameters=thetas[0], qubits=qubits).values[0]
    assert vg == pytest.approx(0.125 * 0.375 ** (n - 1), rel=1e-12)
    assert vl == pytest.approx(1 / (8 * n**2), rel=1e-12)


# ----------------------------------------------------------------------------- Theorem 1 (ii), corrected


def full_support_observable(n: int, m: int, qubits, rng: np.random.Generator, k: int = 3) -> cirq.PauliSum:
    """Random Pauli sum whose every term is non-identity on every S_k, with mixed signs."""
    strings = []
    for _ in range(k):
        ps = {}
        for b in range(n // m):
            letters = rng.choice(list("IXYZ"), size=m)
            while set(letters) == {"I"}:
                letters = rng.choice(list("IXYZ"), size=m)
            ps.update({qubits[b * m + j]: getattr(cirq, c) for j, c in enumerate(letters) if c != "I"})
        strings.append(cirq.PauliString(ps, coefficient=float(rng.choice([-1, 1]) * rng.uniform(0.3, 1))))
    return cirq.PauliSum.from_pauli_strings(strings) + 0.2


@pytest.mark.parametrize("n,m,n_layers", [(4, 2, 1), (4, 2, 2), (4, 2, 5), (6, 2, 1), (6, 2, 2), (6, 2, 3),
                                           (8, 2, 1), (8, 2, 4), (8, 4, 1), (8, 4, 2)])
def test_traceless_bound_above_exact_chain(n, m, n_layers):
    rng = np.random.default_rng(2000 + 100 * n + 10 * m + n_layers)
    ansatz = circuits.alternating_layered(n, n_layers, m)
    qubits = sorted(ansatz.all_qubits())
    layers = ala_layers(n, m, n_layers)
    z_all = cirq.PauliSum.wrap(cirq.PauliString({q: cirq.Z for q in qubits}))
    balanced = z_all - cirq.PauliSum.wrap(cirq.PauliString({q: cirq.X for q in qubits}))  # Σ c_i = 0
    worst = 0.0
    for obs in (z_all, balanced, full_support_observable(n, m, qubits, rng)):
        model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
        terms = pauli_terms_to_masks(labels(model.observable, model.qubits))
        for s in model.trainable_symbols[:: max(1, len(model.trainable_symbols) // 6)]:
            f = TRACELESS.instantiate(Context(model=model, parameter=s)).value("global_cost_upper").value
            for states in input_cases(n, rng).values():
                exact = chain_variance(layers, block_of(s), terms, pauli_squares_by_support(states))
                assert exact <= f * (1 + 1e-9), (n, m, n_layers, s, exact, f)
                worst = max(worst, exact / f)
    assert worst > 1e-3  # not vacuous


def _minimal_first_layer_hits(n: int, m: int, n_layers: int) -> int:
    """Brute force over every way support can shrink: the fewest first-layer blocks a path can touch.

    Units of a layer are its blocks plus, for a shifted layer, the two uncovered edge halves; a
    touched unit can pass its support to any non-empty subset of the units of the previous
    layer that overlap it."""
    def units(layer: int) -> list[frozenset]:
        shift = 0 if layer % 2 == 0 else m // 2
        out = [frozenset(range(s, s + m)) for s in range(shift, n - m + 1, m)]
        if shift:
            out = [frozenset(range(shift))] + out + [frozenset(range(n - shift, n))]
        return out

    last = units(n_layers - 1)
    touched_sets = {frozenset(i for i, u in enumerate(last) if u & frozenset(range(k * m, (k + 1) * m)))
                    for k in range(n // m)}
    # every S_k is touched: the starting units are any set covering all S_k (minimal ones suffice)
    start = set()
    for choice in itertools.product(*[sorted(t) for t in touched_sets]):
        start.add(frozenset(choice))
    states = start
    for layer in range(n_layers - 2, -1, -1):
        prev, cur = units(layer), units(layer + 1)
        nxt = set()
        for st in states:
            options = [[j for j, u in enumerate(prev) if u & cur[i]] for i in sorted(st)]
            for pick in itertools.product(*options):
                nxt.add(frozenset(pick))
        states = nxt
    return min(len(st) for st in states)


@pytest.mark.parametrize("n,m", [(4, 2), (6, 2), (8, 2), (12, 2), (8, 4), (12, 4)])
def test_guaranteed_hits_never_exceed_the_brute_force_minimum(n, m):
    for n_layers in range(1, 6):
        assert 1 <= guaranteed_first_layer_hits(n, m, n_layers) <= _minimal_first_layer_hits(n, m, n_layers)


def test_traceless_bound_refuses_local_terms_and_decays_exponentially():
    ansatz = circuits.alternating_layered(6, 1, 2)
    qubits = sorted(ansatz.all_qubits())
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(qubits), two_design_blocks=True)
    inst = TRACELESS.instantiate(Context(model=model, parameter=model.trainable_symbols[0]))
    assert not inst.values and "identity on S_" in inst.refused[0].reason
    model = circuits.Model(ansatz=ansatz, observable=cirq.PauliSum.wrap(cirq.PauliString({q: cirq.Z for q in qubits})),
                           two_design_blocks=True)
    ctx = Context(model=model, parameter=model.trainable_symbols[0])
    asym = TRACELESS.bound("global_cost_upper").asymptotics(**TRACELESS.scaling(ctx))
    # Δ(O)/2^n = 1 and h = n/m at L = 1: base (15/8)^{1/2} per qubit
    assert asym.exponentially_vanishing and asym.base == pytest.approx((15 / 8) ** 0.5, rel=1e-6)
