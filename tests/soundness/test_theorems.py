"""Soundness of the theorem registry: every bound that applies is compared with an exact value.

For each generated instance every registered theorem (``bounds.default_registry()``, as
``bpcalc bounds --list`` shows) is instantiated with the project's own assumption checks; each
bound it evaluates is compared with the bounded quantity computed independently of bpcalc's
engines:

* concrete circuits (no declared ensembles): brute-force statevector averages over an exact
  trigonometric grid (``brute``), so a bound about the circuit's θ-ensemble is checked on
  exactly that ensemble (also when a check found an *exact* 2-design among the concrete gates);
* declared 2-design blocks (alternating layered ansatz, tensor-product QNN): the exact
  2-design Pauli-support chain of ``two_design_reference`` (cross-checked against Haar sampling
  in ``tests/bounds/theorems``).

A violation is a finding: it fails here (counterexamples for known, separately fixed bugs are
kept in ``test_known_violations.py`` as strict xfails).  Bounds whose quantity this module does
not know how to compute make the test fail too, so a new theorem cannot slip through unchecked.
"""

from __future__ import annotations

import collections

import cirq
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpcalc import circuits
from bpcalc.bounds.registry import Context, default_registry

from brute import gradient_variance, grid_values, loss_variance, noisy_brute, two_copy_reference, two_design_reference as tdr
from instances import ANGLES, CLIFFORDS_1, CLIFFORDS_2, gate_circuits, pauli_sums

REGISTRY = default_registry()
DEFAULT = settings(derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RTOL, ATOL = 1e-9, 1e-12

VAR_GRAD = r"\operatorname{Var}_{\theta}[\partial_k C]"
VAR_LOSS = r"\operatorname{Var}_{\theta}[\ell]"
VAR_GRAD_X = r"\mathbb{E}_x \operatorname{Var}_{\theta}[\partial_k \ell_x]"
DESIGN_KEYS = {"blocks_are_2_designs", "block_sides_two_designs", "v_minus_two_design", "v_plus_two_design",
               "embedding_two_design", "haar_random_states", "deep_circuit"}

# which (theorem, bound) pairs were evaluated and compared in the current family run (_run_family)
SEEN: collections.Counter = collections.Counter()


def compare(kind: str, value: float, truth: float) -> bool:
    """Does ``truth`` satisfy ``truth <= value`` / ``>=`` / ``==`` (relative 1e-9, absolute 1e-12)?"""
    slack = RTOL * max(abs(value), abs(truth)) + ATOL
    if kind == "upper":
        return truth <= value + slack
    if kind == "lower":
        return truth >= value - slack
    return abs(truth - value) <= slack


def check_every_theorem(model, parameter, truths: dict, *, context_extra=None, declared=(), skip=(), values=None) -> list:
    """Instantiate every registered theorem; compare each evaluated bound with ``truths[quantity]``.

    Returns the list of violations ``(theorem, bound, kind, value, truth)``; raises if a bound
    was evaluated whose quantity is not in ``truths``.
    """
    violations = []
    ctx = Context(model=model, parameter=parameter, extra=context_extra or {}, declared=frozenset(declared),
                  values=values or {})
    for key, theorem in REGISTRY.items():
        if key in skip:
            continue
        inst = theorem.instantiate(ctx)
        for v in inst.values:
            bound = theorem.bound(v.name)
            if bound.quantity not in truths:
                raise AssertionError(f"{key}.{v.name} evaluated on a generated instance, but the suite cannot "
                                     f"compute its quantity {bound.quantity!r}: extend tests/soundness")
            truth = truths[bound.quantity]
            if truth is None:  # a quantity listed in UNCHECKED
                SEEN[(key, v.name, "not compared")] += 1
                continue
            if callable(truth):  # needs the instance's numbers (e.g. a kernel bandwidth)
                truth = truth(inst.substitutions)
            value = float(v.value)
            SEEN[(key, v.name)] += 1
            if not compare(bound.kind, value, truth):
                violations.append((key, v.name, bound.kind, value, truth))
    return violations


FIDELITY_CONC = r"\mathbb{E}_{x,x'}[(\kappa(x,x') - 2^{-n})^2]"
PROJECTED_CONC = r"\mathbb{E}_{x,x'}[1 - \kappa^{PQ}(x,x')]"


def kernel_truths(states: np.ndarray) -> dict:
    """Kernel-concentration quantities of an ensemble of pure states (uniform over pairs, x = x' included).

    Fidelity kernel ``κ = |⟨ψ_x|ψ_x'⟩|²``; projected kernel
    ``κ^PQ = exp(-γ Σ_j ‖ρ_j(x) − ρ_j(x')‖_F²)`` with ``ρ_j`` the one-qubit marginals.
    """
    states = np.atleast_2d(states)
    n = int(np.log2(states.shape[1]))
    kappa = np.abs(states.conj() @ states.T) ** 2
    t = states.reshape((states.shape[0],) + (2,) * n)
    marg = []
    for j in range(n):
        m = np.moveaxis(t, 1 + j, 1).reshape(states.shape[0], 2, -1)
        marg.append(np.einsum("xai,xbi->xab", m, m.conj()))
    marg = np.stack(marg, axis=1)  # (N, n, 2, 2)
    diff = marg[:, None] - marg[None, :]
    dist = np.real(np.einsum("xyjab,xyjab->xy", diff, diff.conj()))
    return {FIDELITY_CONC: float(np.mean((kappa - 2.0**-n) ** 2)),
            PROJECTED_CONC: lambda subs: float(np.mean(1 - np.exp(-float(subs["gamma"]) * dist)))}


# ----------------------------------------------------------------------------- concrete circuits


@st.composite
def prefixes(draw, n: int, clifford_only: bool):
    """A fixed input-preparation circuit: |0…0⟩, a product state or an entangled state."""
    qs = cirq.LineQubit.range(n)
    kind = draw(st.sampled_from(("zero", "product", "entangled")))
    ops = []
    if kind in ("product", "entangled"):
        for q in qs:
            if clifford_only:
                ops.append(draw(st.sampled_from(CLIFFORDS_1 + (cirq.I,))).on(q))
            else:
                ops += [cirq.ry(draw(st.sampled_from(ANGLES))).on(q), cirq.rz(draw(st.sampled_from(ANGLES))).on(q)]
    if kind == "entangled":
        for j in range(n - 1):
            ops.append(draw(st.sampled_from(CLIFFORDS_2)).on(qs[j], qs[j + 1]))
    return kind, cirq.Circuit(ops)


@st.composite
def concrete_models(draw, clifford_family: bool = False, max_qubits: int = 4, visible_hidden: bool = False):
    """(model, parameter): a generated circuit on 2-``max_qubits`` qubits with a fixed input preparation.

    ``clifford_family``: rx/ry/rz between Cliffords, a single Pauli-string observable, |0…0⟩
    input — the setting of Letcher et al.'s light-cone bounds.  ``visible_hidden``: the setting of
    Ortiz Marrero et al. (trainable circuit on visible qubits, entangled with hidden ones).
    """
    n = draw(st.integers(2, max_qubits))
    k = draw(st.integers(1, 4))
    if visible_hidden:
        # trainable circuit and O on 2 visible qubits; 1-2 hidden qubits entangled by the input preparation
        n_v, n = 2, 2 + draw(st.integers(1, max_qubits - 2))
        qs = cirq.LineQubit.range(n)
        ansatz = cirq.Circuit([cirq.I(q) for q in qs[:n_v]]) + draw(gate_circuits(n_v, k))
        obs = draw(pauli_sums(n_v))
        prefix = cirq.Circuit([cirq.ry(draw(st.sampled_from(ANGLES))).on(q) for q in qs])
        prefix += cirq.Circuit(cirq.CNOT(qs[j], qs[j + 1]) for j in range(n - 1))
        prefix += cirq.Circuit([cirq.rx(draw(st.sampled_from(ANGLES))).on(q) for q in qs])
        model = circuits.Model(ansatz=ansatz, observable=obs, embedding=prefix)
        parameter = draw(st.sampled_from(sorted(cirq.parameter_symbols(ansatz), key=lambda s: s.name)))
        return model, parameter, f"visible {n_v} + hidden {n - n_v}"
    if clifford_family:
        ansatz = draw(gate_circuits(n, k, clifford_only_fixed=True, kinds=("rx", "ry", "rz")))
        obs = draw(pauli_sums(n, max_terms=1))
        obs = cirq.PauliSum.from_pauli_strings([term / term.coefficient for term in obs])
        kind, prefix = "zero", cirq.Circuit()
    else:
        ansatz = draw(gate_circuits(n, k))
        obs = draw(pauli_sums(n))
        kind, prefix = draw(prefixes(n, clifford_only=False))
    qs = cirq.LineQubit.range(n)
    ansatz = cirq.Circuit([cirq.I(q) for q in qs]) + ansatz  # every qubit belongs to the model
    model = circuits.Model(ansatz=ansatz, observable=obs, embedding=prefix if list(prefix.all_operations()) else None)
    parameter = draw(st.sampled_from(sorted(cirq.parameter_symbols(ansatz), key=lambda s: s.name)))
    return model, parameter, kind


def _concrete_truths(model, parameter) -> dict:
    qs = model.qubits
    psi = np.zeros(2 ** len(qs), dtype=complex)
    psi[0] = 1
    circuit = model.circuit
    var = float(gradient_variance(circuit, model.observable, qs, psi, parameter)[0])
    # one input state: the data average E_x of the entanglement-induced bounds is that state's value
    return {VAR_GRAD: var, VAR_GRAD_X: var, VAR_LOSS: float(loss_variance(circuit, model.observable, qs, psi)[0])}


def _run_concrete(case):
    model, parameter, kind = case
    violations = check_every_theorem(model, parameter, _concrete_truths(model, parameter))
    assert not violations, (kind, str(parameter), violations, str(model.circuit), str(model.observable))



# ----------------------------------------------------------------------------- declared 2-design blocks


def _labels(observable: cirq.PauliSum, qubits) -> list[tuple[float, str]]:
    return [(float(complex(t.coefficient).real), "".join(str(t.get(q, "I")) if q in t.qubits else "I" for q in qubits))
            for t in observable]


def _block_of(symbol: sympy.Symbol) -> tuple[int, int]:
    layer, block, _ = symbol.name.split("_")[1:]
    return int(layer), int(block[1:])


@st.composite
def design_models(draw, families=("ala", "tp"), in_kinds=("zero", "product", "entangled", "dataset", "embedded data")):
    """A 2-design-block model: ALA (L layers of m-qubit blocks, odd layers shifted) or one layer
    of disjoint blocks (tensor-product QNN), declared random; local, global or random local
    observable; |0…0⟩, product, entangled or a 2-3 state dataset as inputs."""
    from instances import haar_state, product_state

    family = draw(st.sampled_from(families))
    m = 2
    n = draw(st.sampled_from((4, 6)))
    n_layers = draw(st.integers(1, 3)) if family == "ala" else 1
    ansatz = circuits.alternating_layered(n, n_layers, m) if family == "ala" else circuits.tensor_product(n, m)
    qubits = sorted(ansatz.all_qubits())
    obs_kind = draw(st.sampled_from(("local", "local-z", "global", "random-local")))
    if obs_kind == "local":
        obs = circuits.local_cost(qubits)
    elif obs_kind == "local-z":
        obs = circuits.local_cost(qubits, form="z")
    elif obs_kind == "global":
        obs = circuits.global_cost(qubits)
    else:
        total = cirq.PauliSum()
        for i in range(n // m):
            letters = [draw(st.sampled_from("IXYZ")) for _ in range(m)]
            if set(letters) == {"I"}:
                letters[0] = "Z"
            total += cirq.PauliString({qubits[i * m + j]: getattr(cirq, c) for j, c in enumerate(letters) if c != "I"},
                                      coefficient=draw(st.sampled_from((1.0, -0.5, 0.3, 2.0))))
        obs = total
    in_kind = draw(st.sampled_from(in_kinds))
    zero = np.zeros(2**n, dtype=complex)
    zero[0] = 1
    if in_kind == "zero":
        states = zero[None]
    elif in_kind == "product":
        states = product_state([(draw(st.sampled_from(ANGLES)), draw(st.sampled_from(ANGLES))) for _ in range(n)])[None]
    elif in_kind == "entangled":
        states = haar_state(n, draw(st.integers(0, 10**6)))[None]
    elif in_kind == "dataset":
        states = np.stack([haar_state(n, draw(st.integers(0, 10**6))) if draw(st.booleans()) else
                           product_state([(draw(st.sampled_from(ANGLES)), 0.0) for _ in range(n)])
                           for _ in range(draw(st.integers(2, 3)))])
    model = circuits.Model(ansatz=ansatz, observable=obs, two_design_blocks=True)
    if in_kind == "embedded data":  # a data embedding and a labelled random dataset on the model itself
        emb_name = draw(st.sampled_from(("tpe", "hee")))
        emb = circuits.make_embedding(emb_name, n, qubits=qubits) if emb_name == "tpe" else \
            circuits.make_embedding(emb_name, n, 1, qubits=qubits)
        data = circuits.uniform_random(draw(st.integers(2, 4)), n, seed=draw(st.integers(0, 1000)))
        model = circuits.Model(ansatz=ansatz, observable=obs, embedding=emb, dataset=data, two_design_blocks=True)
        states = np.stack([model.data_state(x) for x in data.x])
        in_kind = f"{emb_name} data"
    parameter = draw(st.sampled_from(model.trainable_symbols))
    layers = tdr.ala_layers(n, m, n_layers) if family == "ala" else [[tuple(range(i, i + m)) for i in range(0, n, m)]]
    return model, parameter, states, layers, f"{family} n={n} L={n_layers} O={obs_kind} input={in_kind}"


VAR_GRAD_I = r"\operatorname{Var}_{\theta}[\partial_k \ell_i]"
VAR_GRAD_LOSS = r"\operatorname{Var}_{\theta}[\partial_k \mathcal{L}]"
# quantities this suite does not yet compute independently (they are reported, not compared):
# the pair moment E[∂ℓ_i ∂ℓ_j] of thanasilp2021.tensor_product_cross_terms names no pair (i, j)
UNCHECKED = {r"\mathbb{E}_{\theta}[\partial_k \ell_i\, \partial_k \ell_j]"}


def operator_squares_by_support(rho: np.ndarray) -> np.ndarray:
    """``Σ_{supp R = S} Tr[ρR]²`` for every support mask ``S`` of a Hermitian operator ``ρ``."""
    n = int(np.log2(rho.shape[0]))
    t_mat = np.stack([tdr.PAULIS[c].T for c in "IXYZ"])
    support = np.zeros([4] * n, dtype=np.int64)
    for q in range(n):
        shape = [1] * n
        shape[q] = 4
        support = support + (np.array([0, 1, 1, 1]).reshape(shape) << q)
    t = rho.reshape([2] * (2 * n))
    for q in range(n):
        t = np.moveaxis(np.tensordot(t_mat, t, axes=([1, 2], [q, q + n - q])), 0, q)
    total = np.zeros(2**n)
    np.add.at(total, support.ravel(), (t.real**2).ravel())
    return total


DHS_PRODUCT = r"D_{\mathrm{HS}}(\rho_x^{(S)}, \mathbb{1}/2^{s})"


def _dhs(states: np.ndarray, subs) -> float:
    """Mean over data states and contiguous s-qubit blocks S of ``Tr[(ρ_S − 1/2^s)²]``."""
    s = int(subs["s"])
    n = int(np.log2(states.shape[1]))
    out = []
    for psi in states:
        for start in range(0, n - s + 1, s):
            t = np.moveaxis(psi.reshape([2] * n), list(range(start, start + s)), list(range(s))).reshape(2**s, -1)
            rho = t @ t.conj().T
            d = rho - np.eye(2**s) / 2**s
            out.append(float(np.real(np.trace(d @ d))))
    return float(np.mean(out))


def _run_design(case):
    model, parameter, states, layers, label = case
    terms = tdr.pauli_terms_to_masks(_labels(model.observable, model.qubits))
    # E[∂C] = 0, so Var = E[(∂C)²]: the exact 2-design chain, averaged over the input states
    truth = tdr.chain_variance(layers, _block_of(parameter), terms, tdr.pauli_squares_by_support(states))
    truths = {VAR_GRAD: truth, VAR_GRAD_I: truth, **kernel_truths(states), DHS_PRODUCT: lambda subs: _dhs(states, subs)}
    if model.dataset is not None and model.loss == "linear":
        # L = Σ_i (y_i/N) ℓ_i = Tr[O V ρ_u V†] with ρ_u = Σ_i (y_i/N) ρ_i: the chain on ρ_u
        u = np.asarray(model.dataset.y, dtype=float) / len(model.dataset.y)
        rho_u = np.einsum("i,ia,ib->ab", u, states, states.conj())
        truths[VAR_GRAD_LOSS] = tdr.chain_variance(layers, _block_of(parameter), terms,
                                                   operator_squares_by_support(rho_u))
    for q in UNCHECKED:
        truths[q] = None
    # theorems about the concrete gates (not the declared ensemble) are checked on concrete circuits above
    concrete = [k for k, t in REGISTRY.items() if not ({a.key for a in t.assumptions} |
                {a.key for b in t.bounds for a in b.assumptions}) & DESIGN_KEYS]
    violations = check_every_theorem(model, parameter, truths,
                                     context_extra={} if model.dataset is not None else {"states": states},
                                     skip=set(concrete))
    assert not violations, (label, str(parameter), truth, violations)



# ----------------------------------------------------------------------------- QML losses on datasets


@st.composite
def data_models(draw):
    """A generated circuit after a data embedding (TPE or HEE) of a labelled random dataset,
    with a linear or MSE loss (NLL is left out: its bounds need a declared p_min, and its loss is not a
    trigonometric polynomial, so no exact grid gives the truth)."""
    n = draw(st.integers(2, 3))
    qs = cirq.LineQubit.range(n)
    ansatz = cirq.Circuit([cirq.I(q) for q in qs]) + draw(gate_circuits(n, draw(st.integers(1, 3)), symbol_prefix="t"))
    obs = draw(pauli_sums(n))
    emb_name = draw(st.sampled_from(("tpe", "hee")))
    emb = circuits.make_embedding(emb_name, n, qubits=qs)
    data = circuits.uniform_random(draw(st.integers(2, 4)), n, seed=draw(st.integers(0, 1000)))
    loss = draw(st.sampled_from(("linear", "mse")))
    model = circuits.Model(ansatz=ansatz, observable=obs, embedding=emb, dataset=data, loss=loss)
    parameter = draw(st.sampled_from(model.trainable_symbols))
    return model, parameter, f"{emb_name} data, loss {loss}"


def _loss_gradient_variance(model, parameter):
    """Exact ``Var_θ[∂_k L]``, ``L = (1/N) Σ_i f(ℓ_i, y_i)``: linear ``f = yℓ`` (degree 2 in each
    parameter after squaring, 3-point grid would do) and MSE ``f = (ℓ − y)²`` (``(∂L)²`` has degree 4:
    5 points per unit frequency); ``None`` for NLL (not a trigonometric polynomial: no exact grid)."""
    if model.loss == "nll":
        return None
    states = np.stack([model.data_state(x) for x in model.dataset.x])
    y = np.asarray(model.dataset.y, dtype=float)
    ell, grads, _ = grid_values(model.ansatz, model.observable, model.qubits, states, [parameter], points_per_degree=2)
    g = grads[0]
    d_loss = (y @ g) / len(y) if model.loss == "linear" else (2.0 / len(y)) * np.sum((ell - y[:, None]) * g, axis=0)
    return float(np.mean(d_loss**2) - np.mean(d_loss) ** 2)


def _run_data(case):
    from bpcalc.bounds.analysis import analyze
    from bpcalc.bounds.registry import Registry

    model, parameter, label = case
    truth = _loss_gradient_variance(model, parameter)
    # the loss-level theorem for any circuit; analyze supplies its per-data-point inputs from the exact engine
    registry = Registry([REGISTRY.get("thanasilp2021.qml_from_vqa")])
    a = analyze(model, parameters=[parameter], registry=registry, ensemble=False)
    violations = []
    for r in a.parameters[0].applicable:
        bound = REGISTRY.get(r.theorem).bound(r.bound)
        assert bound.quantity == VAR_GRAD_LOSS, (r.theorem, bound.quantity)
        if truth is None:
            SEEN[(r.theorem, r.bound, "not compared")] += 1
            continue
        SEEN[(r.theorem, r.bound)] += 1
        if not compare(bound.kind, float(r.value.value), truth):
            violations.append((r.theorem, r.bound, bound.kind, float(r.value.value), truth))
    assert not violations, (label, str(parameter), violations, str(model.ansatz), str(model.observable))


# ----------------------------------------------------------------------------- noisy circuits and kernels

NOISY_MAG = r"|\partial_k \tilde{C}(\theta)| \ \forall\theta"
NOISY_VAR = r"\operatorname{Var}_{\theta}[\partial_k \tilde{C}]"
TRUNCATION = r"|\tilde{C}(\theta) - \tilde{C}_{\ell}(\theta)| \ \forall\theta"
COST_DEVIATION = r"|\tilde{C}(\theta) - \operatorname{Tr}[O]/2^{n}| \ \forall\theta"
NOISY_KERNEL = r"\max_{x,x'} |\tilde{\kappa}(x,x') - 2^{-n}|"
# (channel, Wang et al.'s q = max|q_σ| for a Pauli channel, else None); written out by hand, independent of
# the theorem modules' transfer matrices
CHANNELS = ((cirq.depolarize(0.05), 1 - 4 * 0.05 / 3), (cirq.depolarize(0.25), 1 - 4 * 0.25 / 3),
            (cirq.asymmetric_depolarize(0.1, 0.05, 0.02), 1 - 2 * (0.05 + 0.02)),
            (cirq.amplitude_damp(0.2), None), (cirq.amplitude_damp(0.6), None),
            (cirq.generalized_amplitude_damp(0.3, 0.2), None), (cirq.phase_damp(0.3), None), (cirq.bit_flip(0.1), None))
NOISE_TAGGED = {k for k, t in REGISTRY.items() if "noise" in t.tags}


@st.composite
def noisy_models(draw):
    """A generated rx/ry/rz circuit (fixed Cliffords and non-Cliffords between) on 1-3 qubits, input |0…0⟩, with
    a single-qubit channel after every moment (extra['noise']) and a truncation depth ℓ for the effective depth."""
    n = draw(st.sampled_from((1, 1, 2, 3)))
    qs = cirq.LineQubit.range(n)
    if n == 1:  # one qubit, one Pauli: the regime where the bounds are tight, so a wrong constant shows
        ops = [draw(st.sampled_from((cirq.rx, cirq.ry, cirq.rz)))(sympy.Symbol(f"p{k}")).on(qs[0])
               for k in range(draw(st.integers(1, 2)))]
        ansatz = cirq.Circuit(ops)
        obs = draw(pauli_sums(1, max_terms=1))
    else:
        ansatz = draw(gate_circuits(n, draw(st.integers(1, 3)), kinds=("rx", "ry", "rz")))
        obs = draw(pauli_sums(n))
    ansatz = cirq.Circuit([cirq.I(q) for q in qs]) + ansatz
    # unital Pauli channels twice as often: there the gradient bounds are attained (one qubit)
    channel, wang_q = draw(st.sampled_from(CHANNELS[:3] + CHANNELS))
    model = circuits.Model(ansatz=ansatz, observable=obs)
    parameter = draw(st.sampled_from(model.trainable_symbols))
    ell = draw(st.integers(0, len(model.circuit)))
    values = {"ell": ell}
    if wang_q is not None:  # Wang et al.: L + 1 noise layers = the M moments' noise layers
        values.update(q=wang_q, L=len(model.circuit) - 1)
    return model, parameter, channel, values, f"n={n} {channel} ell={ell}"


def _noisy_truths(model, parameter, channel, ell) -> dict:
    qs, circuit = model.qubits, model.circuit
    symbols = sorted(cirq.parameter_symbols(circuit), key=lambda s: s.name)
    points = noisy_brute.grid(symbols)
    grads = np.array([noisy_brute.noisy_gradient(circuit, model.observable, channel, qs, r, parameter) for r in points])
    # sup_θ |∂C̃|: the grid plus a 16-point sweep of θ_k (the others at the grid's first point)
    sweep = [{**points[0], parameter: points[0][parameter] + 2 * np.pi * j / 16} for j in range(16)]
    mag = max(float(np.max(np.abs(grads))), max(abs(noisy_brute.noisy_gradient(circuit, model.observable, channel, qs,
                                                                                r, parameter)) for r in sweep))
    tail = cirq.Circuit(circuit[len(circuit) - ell:]) if ell else None
    start = float(np.real(model.observable.matrix(qs)[0, 0]))
    costs = [noisy_brute.noisy_cost(circuit, model.observable, channel, qs, r) for r in points]
    trunc = max(abs(c - (noisy_brute.noisy_cost(tail, model.observable, channel, qs, r) if ell else start))
                for c, r in zip(costs, points))
    centre = float(np.real(np.trace(model.observable.matrix(qs)))) / 2 ** len(qs)
    # grid maxima are lower estimates of the suprema, so a violation found here is real
    return {NOISY_MAG: mag, NOISY_VAR: float(np.mean(grads**2) - np.mean(grads) ** 2),
            TRUNCATION: float(trunc), COST_DEVIATION: max(abs(c - centre) for c in costs)}


def _run_noisy(case):
    model, parameter, channel, values, label = case
    truths = _noisy_truths(model, parameter, channel, values["ell"])
    violations = check_every_theorem(model, parameter, truths, context_extra={"noise": channel}, values=values,
                                     skip=set(REGISTRY) - NOISE_TAGGED)
    assert not violations, (label, str(parameter), violations, str(model.circuit), str(model.observable))


@st.composite
def nonunital_models(draw):
    """Late X/Y rotations under non-unital noise (the setting of ``mele2024.nonunital_lower_bound``): a first
    moment of rx/ry/rz/identity gates, 0-2 CZ moments, a last rotation moment, sometimes a diagonal tail; a Z-sum
    observable; amplitude or generalized amplitude damping after every moment.  At most 3 symbols (3-point grids)."""
    n = draw(st.integers(1, 3))
    qs = cirq.LineQubit.range(n)
    budget = [3]

    def rotation(q, name, kinds):
        kind = draw(st.sampled_from(kinds))
        if kind is None or budget[0] == 0:
            return cirq.I(q)
        budget[0] -= 1
        return kind(sympy.Symbol(f"{name}{q.x}")).on(q)

    late = draw(st.integers(0, n - 1))   # the qubit that surely gets a late rotation
    last = cirq.Moment([draw(st.sampled_from((cirq.rx, cirq.ry)))(sympy.Symbol(f"b{late}")).on(qs[late])]
                       + [cirq.I(q) for q in qs if q != qs[late]])
    budget[0] -= 1
    ops = [cirq.Moment([rotation(q, "a", (cirq.rx, cirq.ry, cirq.rz, None)) for q in qs])]
    for _ in range(draw(st.integers(0, 2)) if n > 1 else 0):
        i = draw(st.integers(0, n - 2))
        ops.append(cirq.Moment([cirq.CZ(qs[i], qs[i + 1])]))
    ops.append(last)
    if draw(st.booleans()):
        ops.append(cirq.Moment([rotation(q, "c", (cirq.rz, None)) for q in qs]))
    model = circuits.Model(ansatz=cirq.Circuit(ops),
                           observable=sum((draw(st.sampled_from((-1.0, -0.5, 0.3, 1.0))) * cirq.Z(q) for q in qs),
                                          cirq.PauliSum()) + draw(st.sampled_from((0.0, 0.4))))
    channel, _ = draw(st.sampled_from(CHANNELS[3:6]))
    parameter = sympy.Symbol(f"b{late}")
    values = {"ell": draw(st.integers(0, len(model.circuit)))}
    return model, parameter, channel, values, f"non-unital n={n} {channel}"


def _run_nonunital(case):
    """Only the lower bound is compared here (exact Var from the 3-point grid); the other noise theorems are
    exercised on these circuits by ``noisy_models``."""
    model, parameter, channel, values, label = case
    _, var = noisy_brute.gradient_moments(model.circuit, model.observable, channel, model.qubits, parameter)
    violations = check_every_theorem(model, parameter, {NOISY_VAR: var}, context_extra={"noise": channel},
                                     values=values, skip=set(REGISTRY) - {"mele2024.nonunital_lower_bound"})
    assert not violations, (label, str(parameter), violations, str(model.circuit), str(model.observable))


@st.composite
def noisy_kernel_models(draw):
    """A TPE/HEE/CHE data embedding of 2-4 random data points on 1-3 qubits with a unital (or, to exercise the
    refusal, non-unital) channel after every moment of the embedding."""
    n = draw(st.integers(1, 3))
    qs = cirq.LineQubit.range(n)
    name = draw(st.sampled_from(("tpe", "hee", "che") if n > 1 else ("tpe",)))
    emb = circuits.make_embedding(name, n, qubits=qs) if name == "tpe" else \
        circuits.make_embedding(name, n, draw(st.integers(1, 2)), qubits=qs)
    data = circuits.uniform_random(draw(st.integers(2, 4)), n, seed=draw(st.integers(0, 1000)))
    model = circuits.Model(ansatz=circuits.hardware_efficient(n, 1, qubits=qs), observable=circuits.local_cost(qs),
                           embedding=emb, dataset=data)
    channel, _ = draw(st.sampled_from(CHANNELS))
    return model, channel, f"{name} n={n} N={len(data.x)} {channel}"


def _run_noisy_kernel(case):
    model, channel, label = case
    sim = cirq.DensityMatrixSimulator(dtype=np.complex128)
    rhos = []
    for x in model.dataset.x:
        c = noisy_brute.noisy_circuit(model.embedded_circuit(x), channel, model.qubits)
        rhos.append(sim.simulate(c, qubit_order=model.qubits).final_density_matrix)
    rhos = np.stack(rhos)
    kappa = np.real(np.einsum("aij,bji->ab", rhos, rhos))
    truths = {NOISY_KERNEL: float(np.max(np.abs(kappa - 2.0 ** -model.n_qubits)))}
    violations = check_every_theorem(model, None, truths, context_extra={"noise": channel},
                                     skip=set(REGISTRY) - NOISE_TAGGED)
    assert not violations, (label, violations)


KERNEL_MEAN = r"\mathbb{E}_{x,x'}[\kappa(x,x')]"
KERNEL_SECOND = r"\mathbb{E}_{x,x'}[\kappa(x,x')^2]"
KERNEL_TAIL = r"\Pr_{x,x'}[\kappa(x,x') \ge \delta]"


@st.composite
def product_kernel_models(draw):
    """A product embedding (TPE, or random single-qubit rotations of disjoint feature sets with fixed gates) of
    2-3 data points on 1-3 qubits, features declared independent; a threshold δ for the tail bound."""
    n = draw(st.integers(1, 3))
    qs = cirq.LineQubit.range(n)
    if draw(st.booleans()):
        emb = circuits.make_embedding("tpe", n, qubits=qs)
        n_features = n
    else:
        ops, j = [], 0
        for q in qs:
            for _ in range(draw(st.integers(0, 2))):
                gate = draw(st.sampled_from((cirq.rx, cirq.ry, cirq.rz)))
                ops.append(gate(draw(st.sampled_from((1, 2, -1))) * sympy.Symbol(f"x_{j}")).on(q))
                j += 1
                if draw(st.booleans()):
                    ops.append(draw(st.sampled_from(CLIFFORDS_1 + (cirq.T,))).on(q))
        if j == 0:
            ops.append(cirq.rx(sympy.Symbol("x_0")).on(qs[0]))
            j = 1
        emb, n_features = cirq.Circuit(ops), j
    data = circuits.uniform_random(draw(st.integers(2, 3)), n_features, seed=draw(st.integers(0, 1000)))
    model = circuits.Model(ansatz=circuits.hardware_efficient(n, 1, qubits=qs), observable=circuits.local_cost(qs),
                           embedding=emb, dataset=data)
    return model, draw(st.sampled_from((0.05, 0.3, 0.7))), f"n={n} features={n_features} N={len(data.x)}"


def _run_product_kernel(case):
    import itertools

    model, delta, label = case
    x = np.asarray(model.dataset.x)
    combos = list(itertools.product(*[x[:, j] for j in range(x.shape[1])]))
    states = np.stack([model.data_state(np.array(c)) for c in combos])   # full n-qubit simulation, no factorisation
    kappa = np.abs(states.conj() @ states.T) ** 2
    truths = {KERNEL_MEAN: float(np.mean(kappa)), KERNEL_SECOND: float(np.mean(kappa**2)),
              KERNEL_TAIL: float(np.mean(kappa >= delta))}
    # the other kernel theorems are about the dataset's own pairs; this family is about the product distribution
    violations = check_every_theorem(model, None, truths, declared={"independent_features"}, values={"delta": delta},
                                     skip=set(REGISTRY) - {"thanasilp2022_kernels.global_measurement"})
    assert not violations, (label, violations, str(model.embedding))


# ----------------------------------------------------------------------------- data re-uploading

PER_POINT = r"\operatorname{Var}_{\theta}[\partial_k \ell_x] \ \forall x"
ROTATIONS = (cirq.rx, cirq.ry, cirq.rz)


@st.composite
def reuploading_models(draw):
    """A re-uploading circuit on 1-3 qubits: layers of [trainable rotation (coefficient ±1 or 2), data rotation
    c·x_j (or c·x_j²) about the same axis (sometimes another axis: not absorbable, refused)], CZ/CNOT between
    layers, a final trainable layer; a labelled dataset of 1-3 points and the linear loss."""
    n = draw(st.integers(1, 3))
    qs = cirq.LineQubit.range(n)
    ops, k = [], 0
    for layer in range(draw(st.integers(1, 2 if n < 3 else 1))):  # <= 6 parameters: the brute grid stays small
        for q in qs:
            axis = draw(st.integers(0, 2))
            theta = sympy.Symbol(f"t{k}")
            k += 1
            ops.append(ROTATIONS[axis](draw(st.sampled_from((1, -1, 2))) * theta + draw(st.sampled_from(ANGLES))).on(q))
            x = sympy.Symbol(f"x_{draw(st.integers(0, 1))}")
            phi = draw(st.sampled_from((0.7, 1.0, 1.9))) * (x if draw(st.booleans()) else x**2)
            data_axis = axis if draw(st.integers(0, 5)) else (axis + 1) % 3
            ops.append(ROTATIONS[data_axis](phi).on(q))
        if n > 1:
            gate = draw(st.sampled_from((cirq.CZ, cirq.CNOT)))
            ops.extend(gate(qs[j], qs[j + 1]) for j in range(n - 1))
    ops.extend(ROTATIONS[draw(st.integers(0, 2))](sympy.Symbol(f"t{k + j}")).on(q) for j, q in enumerate(qs))
    ansatz = cirq.Circuit(ops)
    n_points = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    n_features = 1 + max(int(str(sym)[2:]) for sym in cirq.parameter_symbols(ansatz) if str(sym).startswith("x_"))
    x = rng.uniform(-2, 2, size=(n_points, n_features))
    if draw(st.booleans()):
        x[:] = x[0]  # repeated points: the loss bound's equality case
    y = rng.choice([-1.0, 1.0], size=n_points)
    data = circuits.Dataset(x=x, y=y, name="reuploading")
    model = circuits.Model(ansatz=ansatz, observable=draw(pauli_sums(n)), dataset=data, reuploading=True)
    parameter = draw(st.sampled_from(model.trainable_symbols))
    return model, parameter, f"n={n} N={n_points}"


def _run_reuploading(case):
    model, parameter, label = case
    qs = model.qubits
    zero = np.zeros(2 ** len(qs), dtype=complex)
    zero[0] = 1
    grads = []
    for x in model.dataset.x:
        resolved = cirq.resolve_parameters(model.circuit, {s: float(v) for s, v in zip(model.data_symbols, x)})
        _, g, _ = grid_values(resolved, model.observable, qs, zero[None], [parameter])
        grads.append(g[0, 0])
    grads = np.array(grads)  # (N, P): the same grid points for every data point
    per_point = grads.var(axis=1)
    u = np.asarray(model.dataset.y, dtype=float) / len(model.dataset.y)
    truths = {PER_POINT: lambda subs: float(per_point[np.argmax(np.abs(per_point - float(subs["var_0"])))]),
              VAR_GRAD_LOSS: float((u @ grads).var())}
    violations = check_every_theorem(model, parameter, truths, skip=set(REGISTRY) - {"barthe2023.absorbed_data"})
    assert not violations, (label, str(parameter), violations, str(model.circuit), str(model.observable))


# ----------------------------------------------------------------------------- relative-error 2-designs


@st.composite
def relative_error_models(draw):
    """A brickwork of 2-qubit 2-design blocks on 2 or 4 qubits (1-4 layers), a Pauli sum or the global projector;
    the relative error is the input-specific ε_ρ of the dense two-copy moment (the ordering the bound uses)."""
    n = draw(st.sampled_from((2, 4)))
    layers = 1 if n == 2 else draw(st.integers(1, 4))
    qs = cirq.LineQubit.range(n)
    obs = two_copy_reference.projector(n) if draw(st.booleans()) else draw(pauli_sums(n))
    model = circuits.Model(ansatz=circuits.alternating_layered(n, layers, 2, qubits=qs), observable=obs,
                           two_design_blocks=True)
    return model, two_copy_reference.ala_blocks(n, layers), f"n={n} L={layers} O={obs}"


def _run_relative_error(case):
    model, blocks, label = case
    n = model.n_qubits
    X, var = two_copy_reference.dense_moments(n, blocks, model.observable.matrix(model.qubits))
    eps = two_copy_reference.input_relative_error(X, 2**n)
    violations = check_every_theorem(model, None, {VAR_LOSS: float(var)}, declared={"relative_error_two_design"},
                                     values={"epsilon": eps},
                                     skip=set(REGISTRY) - {"schuster2024.relative_error_concentration"})
    assert not violations, (label, eps, violations)


# ----------------------------------------------------------------------------- the tests


def _run_family(strategy, run, max_examples: int, expected: set) -> None:
    """Run ``run`` on ``max_examples`` generated instances, then require that every (theorem, bound)
    in ``expected`` was actually evaluated and compared at least once (so a change that makes the
    assumption checks refuse everything, or the generator miss a family, fails instead of passing
    vacuously)."""
    SEEN.clear()

    @settings(DEFAULT, max_examples=max_examples)
    @given(strategy)
    def prop(case):
        run(case)

    prop()
    missing = set(expected) - set(SEEN)
    assert not missing, f"no generated instance reached {sorted(missing)}; reached {dict(SEEN)}"


HOLMES = {("holmes2022.expressibility", "upper"), ("holmes2022.expressibility", "lower")}
LETCHER = {(f"letcher2023.{t}", b) for t, q in (("gradient_light_cone", "gradient_variance"),
                                                ("loss_light_cone", "loss_variance"))
           for b in (q, f"{q}_lower", f"{q}_upper")}
ORTIZ = {("ortiz_marrero2021.entanglement_induced", "trace_norm"), ("ortiz_marrero2021.entanglement_induced", "hs_distance")}
DESIGN = {("cerezo2021.global_cost_upper", "global_cost_upper"), ("cerezo2021.local_cost_lower", "local_cost_lower"),
          ("cerezo2021.global_cost_projector", "global_cost_upper"),
          ("thanasilp2022_kernels.fidelity_concentration", "expressivity"),
          ("thanasilp2022_kernels.projected_concentration", "embedding_measure"),
          ("napp2022.random_walk_lower", "variance")}
TENSOR_PRODUCT = {("thanasilp2021.tensor_product_variance", "general"), ("thanasilp2021.tensor_product_variance", "local_cost"),
                  ("thanasilp2021.tensor_product_linear_loss", "general")}
TP_DATA = design_models(families=("tp",), in_kinds=("embedded data",))
QML = {("thanasilp2021.qml_from_vqa", b) for b in ("linear_minkowski", "linear_paper", "mse_minkowski", "mse_paper")}

# The default run stays on 2-3 qubits for concrete circuits: the exact 2-design tests inside the
# assumption checks (second-moment channels, 16^n) dominate the time.  The slow run goes to 4.
# Default: 40 + 30 + 25 + 30 + 15 + 20 = 160 instances; slow: 400 + 300 + 300 + 300 + 150 + 200 = 1650.


def test_theorems_hold_on_concrete_circuits():
    _run_family(concrete_models(max_qubits=3), _run_concrete, 40, HOLMES)


def test_theorems_hold_on_clifford_rotation_circuits():
    _run_family(concrete_models(clifford_family=True, max_qubits=3), _run_concrete, 30, LETCHER | HOLMES)


def test_theorems_hold_on_visible_hidden_circuits():
    _run_family(concrete_models(visible_hidden=True, max_qubits=3), _run_concrete, 25, ORTIZ | HOLMES)


def test_theorems_hold_on_declared_two_design_blocks():
    _run_family(design_models(), _run_design, 30, DESIGN)


def test_theorems_hold_on_declared_tensor_product_with_data():
    _run_family(TP_DATA, _run_design, 15, TENSOR_PRODUCT)


def test_theorems_hold_on_qml_losses():
    _run_family(data_models(), _run_data, 20, QML)


@pytest.mark.slow
def test_theorems_hold_on_concrete_circuits_many():
    _run_family(concrete_models(), _run_concrete, 400, HOLMES)


@pytest.mark.slow
def test_theorems_hold_on_clifford_rotation_circuits_many():
    _run_family(concrete_models(clifford_family=True), _run_concrete, 300, LETCHER | HOLMES)


@pytest.mark.slow
def test_theorems_hold_on_visible_hidden_circuits_many():
    _run_family(concrete_models(visible_hidden=True), _run_concrete, 300, ORTIZ | HOLMES)


@pytest.mark.slow
def test_theorems_hold_on_declared_two_design_blocks_many():
    _run_family(design_models(), _run_design, 300, DESIGN)


@pytest.mark.slow
def test_theorems_hold_on_declared_tensor_product_with_data_many():
    _run_family(TP_DATA, _run_design, 150, TENSOR_PRODUCT)


@pytest.mark.slow
def test_theorems_hold_on_qml_losses_many():
    _run_family(data_models(), _run_data, 200, QML)


NOISY = {(k, b) for k in ("singkanipa2024.unital_noise", "singkanipa2024.hs_contractive_noise", "wang2021.noise_induced")
         for b in ("gradient_magnitude", "variance")} | {("mele2024.effective_depth", "truncation_error"),
                                                  ("singkanipa2024.unital_cost_concentration", "cost_deviation")}
NOISY_KERNELS = {("thanasilp2022_kernels.noise_induced", "fidelity_deviation")}
NONUNITAL = {("mele2024.nonunital_lower_bound", "variance")}


def test_theorems_hold_on_noisy_circuits():
    _run_family(noisy_models(), _run_noisy, 30, NOISY)


def test_theorems_hold_on_nonunital_late_rotations():
    _run_family(nonunital_models(), _run_nonunital, 15, NONUNITAL)


@pytest.mark.slow
def test_theorems_hold_on_nonunital_late_rotations_many():
    _run_family(nonunital_models(), _run_nonunital, 150, NONUNITAL)


def test_theorems_hold_on_noisy_kernels():
    _run_family(noisy_kernel_models(), _run_noisy_kernel, 15, NOISY_KERNELS)


@pytest.mark.slow
def test_theorems_hold_on_noisy_circuits_many():
    _run_family(noisy_models(), _run_noisy, 300, NOISY)


@pytest.mark.slow
def test_theorems_hold_on_noisy_kernels_many():
    _run_family(noisy_kernel_models(), _run_noisy_kernel, 150, NOISY_KERNELS)


PRODUCT_KERNELS = {("thanasilp2022_kernels.global_measurement", b) for b in ("mean", "second_moment", "mean_uniform", "tail")}


def test_theorems_hold_on_product_kernels():
    _run_family(product_kernel_models(), _run_product_kernel, 20, PRODUCT_KERNELS)


@pytest.mark.slow
def test_theorems_hold_on_product_kernels_many():
    _run_family(product_kernel_models(), _run_product_kernel, 200, PRODUCT_KERNELS)


REUPLOADING = {("barthe2023.absorbed_data", "per_point"), ("barthe2023.absorbed_data", "linear_loss")}


def test_theorems_hold_on_reuploading_models():
    _run_family(reuploading_models(), _run_reuploading, 25, REUPLOADING)


@pytest.mark.slow
def test_theorems_hold_on_reuploading_models_many():
    _run_family(reuploading_models(), _run_reuploading, 250, REUPLOADING)


RELATIVE_ERROR = {("schuster2024.relative_error_concentration", "loss_variance")}


def test_theorems_hold_on_relative_error_designs():
    _run_family(relative_error_models(), _run_relative_error, 10, RELATIVE_ERROR)


@pytest.mark.slow
def test_theorems_hold_on_relative_error_designs_many():
    _run_family(relative_error_models(), _run_relative_error, 100, RELATIVE_ERROR)
