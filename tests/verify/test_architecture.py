"""bpcalc.verify.architecture: per-parameter reports, family fits and comparisons of user circuits.

Reference values are closed forms derived independently of the engines (see
examples/sim2019_circuit2.qasm): for Sim et al.'s circuit 2 (arXiv:1905.10876) — RX, RZ on
every qubit, then the CNOT staircase (i -> i-1) — the Heisenberg picture maps Z_j to
Z_j Z_{j+1} … Z_{n-1}, so with θ ~ U[0, 2π):

* observable Z0: ℓ = Π_i cos θ_xi, Var[∂ℓ/∂θ_xk] = 2^-n; RZ angles do not enter;
* observable Z_{n-1}: only θ_x(n-1) enters, Var = 1/2;
* local cost (1/n) Σ_j |0⟩⟨0|_j: Var[∂/∂θ_xk] = (2^(k+1) − 1) / (4 n² 2^n).
"""

from __future__ import annotations

import pathlib

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds.from_files import load_user_circuit, prepare_model
from bpcalc.bounds.registry import Registry, default_registry
from bpcalc.verify.architecture import (
    BUILTIN_ARCHITECTURES,
    analyze_architecture,
    compare_architectures,
    family_scaling,
    fit_scaling,
    parameter_groups,
    parse_qubits,
    plot_comparison,
    resolve_architecture,
    variance_at,
)
from bpcalc.verify.report import to_json, to_markdown

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SIM2 = EXAMPLES / "sim2019_circuit2.qasm"
FAMILY = f"{EXAMPLES / 'my_family.py'}:sim_circuit2"


def local_cost_closed_form(n: int, k: int) -> float:
    return (2 ** (k + 1) - 1) / (4 * n**2 * 2**n)


def fast_registry() -> Registry:
    """All registered theorems except those whose checks compute exact unitary moments (seconds per parameter)."""
    slow = ("mcclean2018.", "holmes2022.")
    return Registry([t for t in default_registry().values() if not t.key.startswith(slow)])


# ----------------------------------------------------------------------------- inputs


def test_parse_qubits_forms_and_errors():
    # the one --qubits grammar (bpcalc.verify.sizes): a..b is every integer, a..b:x2 doubles
    assert parse_qubits("4..64:x2") == (4, 8, 16, 32, 64)
    assert parse_qubits("4..8") == (4, 5, 6, 7, 8)
    assert parse_qubits("4..12:4") == (4, 8, 12)
    assert parse_qubits("3,5,9") == (3, 5, 9)
    assert parse_qubits([2, 3]) == (2, 3) and parse_qubits(7) == (7,)
    for bad in ("8..4", "4-8", "0..4", "4,,8", "a..b"):
        with pytest.raises(ValueError):
            parse_qubits(bad)


def test_resolve_architecture_builtins_and_families():
    assert set(BUILTIN_ARCHITECTURES) == {"hea", "hea-log", "ala", "tpa", "qcnn"}
    hea = resolve_architecture("hea")
    assert len(circuits.parameter_symbols(hea.circuit(4))) == 2 * 4 * 4      # L = n layers of RY, RZ
    assert len(circuits.parameter_symbols(resolve_architecture("hea-log").circuit(8))) == 2 * 8 * 3
    fam = resolve_architecture(FAMILY)
    assert fam.name == "sim_circuit2" and len(fam.circuit(5).all_qubits()) == 5
    with pytest.raises(ValueError, match="unknown architecture 'heaa'.*built-in"):
        resolve_architecture("heaa")
    with pytest.raises(ValueError, match="power of two"):
        resolve_architecture("qcnn").circuit(6)


def test_parameter_groups_by_block_layer_and_moment():
    ala = circuits.alternating_layered(4, 2, 2)
    g = parameter_groups(ala)
    assert g["theta_0_b0_0"] == "layer 0, block 0" and g["theta_1_b0_0"] == "layer 1, block 0"
    hea = circuits.hardware_efficient(3, 2)
    assert parameter_groups(hea)["theta_1_2_0"] == "layer 1"
    qasm, _ = load_user_circuit(SIM2)
    g = parameter_groups(qasm)
    assert g["theta_x2"] == "moment 0 (Rx)" and g["theta_z2"] == "moment 1 (Rz)"


# ----------------------------------------------------------------------------- fits


def test_fit_scaling_against_synthetic_laws():
    ns = [4, 6, 8, 10, 12]
    exp = fit_scaling(ns, [3.0 * 2.0**-n for n in ns])
    assert exp.label == "exponentially vanishing" and exp.base == pytest.approx(2.0, rel=1e-6)
    poly = fit_scaling(ns, [0.7 * n**-2.0 for n in ns])
    assert poly.label == "polynomial" and poly.degree == pytest.approx(-2.0, abs=1e-6)
    flat = fit_scaling(ns, [0.3] * 5)
    assert flat.label == "polynomial" and "no significant decay" in flat.text
    assert fit_scaling(ns, [0.0] * 5).label == "zero"
    few = fit_scaling([4, 6, 8], [0.1, 0.0, 0.0])
    assert few.label == "not decided" and "left out" in " ".join(few.evidence)
    # sampled values with wide intervals: both laws fit, so no verdict; tight intervals decide
    # (4 sizes: the one verdict rule never decides from fewer, bounds.scaling.MIN_SIZES)
    vals = [2.0**-n for n in (4, 8, 16, 32)]
    near = [2.0**-n for n in (8, 9, 10, 11)]
    wide = fit_scaling([8, 9, 10, 11], near, [(0.05 * v, 10.0 * v) for v in near])
    assert wide.label == "not decided" and ("fit equally well" in wide.text or "allow a base" in wide.text)
    assert fit_scaling([4, 8, 16], vals[:3], [(0.99 * v, 1.01 * v) for v in vals[:3]]).label == "not decided"
    tight = fit_scaling([4, 8, 16, 32], vals, [(0.99 * v, 1.01 * v) for v in vals])
    assert tight.label == "exponentially vanishing" and tight.base == pytest.approx(2.0, rel=1e-3)
    with pytest.raises(ValueError):
        fit_scaling([4, 6], [0.1])


# ----------------------------------------------------------------------------- one circuit


def test_sim2019_circuit2_report_matches_closed_forms():
    r = analyze_architecture(SIM2, "Z0", theorems=False)
    assert r.n_qubits == 4 and r.trainable == tuple(f"theta_{a}{i}" for a in "xz" for i in range(4))
    for i in range(4):
        px, pz = r.parameter(f"theta_x{i}"), r.parameter(f"theta_z{i}")
        assert px.exact.value == pytest.approx(2.0**-4, abs=1e-12)
        assert px.structure.in_cone and px.verdict.label == "not decided"      # one size: no scaling claimed
        assert "single size" in px.verdict.text
        assert not pz.structure.in_cone and pz.verdict.label == "zero"          # RZ commutes with the Z string
    loc = analyze_architecture(SIM2, "local", theorems=False)
    for k in range(4):
        assert loc.parameter(f"theta_x{k}").exact.value == pytest.approx(local_cost_closed_form(4, k), rel=1e-9)
    last = analyze_architecture(SIM2, "Z3", theorems=False)
    assert last.parameter("theta_x3").exact.value == pytest.approx(0.5, abs=1e-12)
    assert last.parameter("theta_x0").verdict.label == "zero"
    groups = {g.group: g for g in r.groups}
    assert groups["moment 0 (Rx)"].n_in_cone == 4 and groups["moment 1 (Rz)"].n_in_cone == 0


def test_sampled_estimates_cover_the_closed_form():
    r = analyze_architecture(SIM2, "Z3", theorems=False, sample=1500, seed=11)
    for p in r.parameters:
        truth = 0.5 if p.parameter == "theta_x3" else 0.0
        s = p.sampled
        assert s.n_samples == 1500 and s.seed == 11
        assert s.ci_low <= truth <= s.ci_high or abs(s.value - truth) < 1e-12, (p.parameter, s)


def test_theorems_are_reported_per_parameter_with_values():
    # a 2-qubit tensor-product QNN declared to have 2-design blocks, TPE data: the seed
    # paper's tensor-product theorems apply; the report must carry their numbers unchanged
    from bpcalc.bounds.analysis import analyze

    ansatz = circuits.tensor_product(2, 2)
    c = circuits.make_embedding("tpe", 2) + ansatz
    r = analyze_architecture(c, "local", dataset="uniform", n_data=6, two_design_blocks=True,
                             registry=fast_registry(), name="tpa2")
    pm_model = prepare_model(c, "local", dataset="uniform", n_data=6, two_design_blocks=True).model
    direct = analyze(pm_model, registry=fast_registry(), rng=np.random.default_rng(0))
    for p in r.parameters:
        d = direct.parameter(p.parameter)
        assert {(b.theorem, b.bound) for b in p.applicable} == {(x.theorem, x.bound) for x in d.applicable}
        for b in p.applicable:
            x = next(y for y in d.applicable if (y.theorem, y.bound) == (b.theorem, b.bound))
            assert float(b.value.log10) == pytest.approx(float(x.value.log10))
        assert p.group == "layer 0, block 0"
    assert any(b.theorem.startswith("thanasilp2021.tensor_product") for p in r.parameters for b in p.applicable)
    md = to_markdown(r.to_report())
    assert "Trainability report: tpa2" in md and "| theta_0_b0_0 |" in md


# ----------------------------------------------------------------------------- families


def test_family_fit_recovers_base_two_and_the_power_law():
    fam = family_scaling(FAMILY, "4..12:2", "Z0")
    assert fam.verdict.label == "exponentially vanishing"
    assert fam.verdict.base == pytest.approx(2.0, rel=1e-5)              # Var = 2^-n exactly
    for n, row in zip(fam.qubits, fam.rows):
        assert row["max"] == pytest.approx(2.0**-n, rel=1e-9)
    assert fam.fits["theta_x0"].base == pytest.approx(2.0, rel=1e-5)
    loc = family_scaling(FAMILY, "4..12:2", "local")
    # the largest variance is the last qubit's, (2^n − 1)/(4 n² 2^n) ~ 1/(4 n²): a power law
    for n, row in zip(loc.qubits, loc.rows):
        assert row["max"] == pytest.approx(local_cost_closed_form(n, n - 1), rel=1e-9)
        assert row["argmax"] == f"theta_x{n - 1}"
    assert loc.verdict.label == "polynomial" and loc.verdict.degree == pytest.approx(-2.0, abs=0.15)
    assert loc.fits["theta_x0"].label == "exponentially vanishing"


def test_family_in_the_report_and_its_errors():
    r = analyze_architecture(SIM2, "Z0", theorems=False, family=FAMILY, qubits="4..10:2")  # >= 4 sizes for a verdict
    assert r.parameter("theta_x0").verdict.label == "exponentially vanishing"
    assert "base 2" in r.parameter("theta_x0").verdict.text
    assert r.parameter("theta_z0").verdict.label == "zero"
    assert r.family is not None and "family" in r.to_text()
    assert any("reproduces the circuit's exact variances" in n for n in r.notes)
    other = analyze_architecture(SIM2, "Z0", theorems=False, family=f"{EXAMPLES / 'my_family.py'}:brickwork",
                                 qubits="4..8:2")
    assert any("has no parameter(s)" in n for n in other.notes)
    with pytest.raises(ValueError, match="--qubits"):
        analyze_architecture(SIM2, "Z0", theorems=False, family=FAMILY)
    with pytest.raises(ValueError, match="cannot import module"):
        analyze_architecture(SIM2, "Z0", theorems=False, family="no_such_module_xyz:f", qubits="4,6,8")


def test_family_outside_the_exact_engine_falls_back_to_sampling(tmp_path):
    fam = tmp_path / "crz_family.py"
    fam.write_text(
        "import cirq, numpy, sympy\n"
        "class Opaque(cirq.Gate):  # a constant CRz(0.7) known only by its matrix (no decomposition)\n"
        "    def _num_qubits_(self):\n"
        "        return 2\n"
        "    def _unitary_(self):\n"
        "        return numpy.diag([1, 1, numpy.exp(-0.35j), numpy.exp(0.35j)])\n"
        "def build(n):\n"
        "    q = cirq.LineQubit.range(n)\n"
        "    c = cirq.Circuit([cirq.ry(sympy.Symbol(f't{i}')).on(q[i]) for i in range(n)])\n"
        "    c.append(Opaque().on(q[0], q[1]))\n"
        "    c.append(cirq.CNOT(q[i], q[i - 1]) for i in range(n - 1, 0, -1))\n"
        "    return c\n"
    )
    spec = f"{fam}:build"
    with pytest.raises(ValueError, match="--sample"):
        family_scaling(spec, "2,4,6", "Z0")
    # a constant CRz: not Clifford, so not for the exact engine; it commutes with the Z string
    # Z0…Z_{n-1}, so Var[∂/∂t0] = 2^-n (as for Sim's circuit 2)
    res = family_scaling(spec, "2,4,6,8", "Z0", sample=3000, seed=2)  # >= 4 sizes for a verdict
    assert all(r["method"].startswith("sampled") for r in res.rows)
    fit = res.fits["t0"]
    assert fit.label == "exponentially vanishing"
    assert abs(fit.base - 2.0) < 3 * fit.base_se + 0.05


# ----------------------------------------------------------------------------- comparison


def test_compare_three_architectures(tmp_path):
    cmp = compare_architectures([FAMILY, "tpa", "qcnn"], "2,4,8,16", "Z0")  # 4 sizes (bounds.scaling.MIN_SIZES)
    sim = cmp.series("sim_circuit2")
    assert [p.value for p in sim] == pytest.approx([2.0**-n for n in (2, 4, 8, 16)], rel=1e-9)
    assert cmp.fits["sim_circuit2"].label == "exponentially vanishing"
    assert cmp.fits["sim_circuit2"].base == pytest.approx(2.0, rel=1e-5)
    # a tensor-product block's first parameter sees only its own block: the same Var at every n
    tpa = [p.value for p in cmp.series("tpa")]
    assert tpa == pytest.approx([tpa[0]] * 4, rel=1e-12) and tpa[0] > 0.1
    assert cmp.fits["tpa"].label == "polynomial"
    q = cmp.series("qcnn")
    assert all(p.value is not None and p.value > 0 for p in q)
    png = plot_comparison(cmp, tmp_path / "cmp.png")
    assert png.stat().st_size > 1000
    rep = cmp.to_report("cmp.png")
    assert "sim_circuit2" in to_markdown(rep) and '"architectures"' in to_json(rep)
    text = cmp.to_text()
    assert "exponentially vanishing with base 2" in text


def test_compare_reports_unsupported_sizes_and_gates(tmp_path):
    fam = tmp_path / "crz_family.py"
    fam.write_text(
        "import cirq, sympy\n"
        "def build(n):\n"
        "    q = cirq.LineQubit.range(n)\n"
        "    return cirq.Circuit([cirq.ry(sympy.Symbol(f't{i}')).on(q[i]) for i in range(n)],\n"
        "                        cirq.PhasedXPowGate(phase_exponent=sympy.Symbol('c'), exponent=0.3).on(q[0]))\n"
    )
    cmp = compare_architectures(["qcnn", f"{fam}:build"], "4,6,8", "Z0")
    q6 = next(p for p in cmp.series("qcnn") if p.n == 6)
    assert q6.value is None and "power of two" in q6.note
    b = cmp.series("build")[0]
    assert b.value is None and "exact engine" in b.note and "not a product of Pauli rotations" in b.note
    with pytest.raises(ValueError, match="distinct"):
        compare_architectures(["hea", "hea"], "4,6,8")


def test_variance_at_parameter_choices():
    first = variance_at(FAMILY, 5, "local", "first")
    assert first.parameter == "theta_x0"
    assert first.value == pytest.approx(local_cost_closed_form(5, 0), rel=1e-9)
    best = variance_at(FAMILY, 5, "local", "max")
    assert best.value == pytest.approx(local_cost_closed_form(5, 4), rel=1e-9) and "theta_x4" in best.note
    mean = variance_at(FAMILY, 5, "local", "mean")
    assert mean.value == pytest.approx(sum(local_cost_closed_form(5, k) for k in range(5)) / 10, rel=1e-9)
    with pytest.raises(ValueError, match="not a trainable symbol"):
        variance_at(FAMILY, 5, "local", "nope")


@pytest.mark.slow
def test_full_theorem_analysis_of_the_published_circuit():
    """All registered theorems on Sim et al.'s circuit 2 (slow: exact 2-design checks)."""
    r = analyze_architecture(SIM2, "Z0")
    assert r.analysis.verdict.label == "not decided"
    for p in r.parameters:
        assert p.refused                       # the theorems say why they do not apply
        assert p.exact is not None
    assert r.parameter("theta_x1").exact.value == pytest.approx(1 / 16)


@pytest.mark.slow
def test_compare_builtins_up_to_64_qubits():
    cmp = compare_architectures(["hea", "ala", "qcnn"], "4..64:x2")
    assert cmp.fits["ala"].label == "polynomial" and cmp.fits["qcnn"].label == "polynomial"
    assert cmp.fits["hea"].label != "polynomial"          # exponential, or undecided within the intervals
    hea16 = next(p for p in cmp.series("hea") if p.n == 16)
    ala16 = next(p for p in cmp.series("ala") if p.n == 16)
    assert hea16.ci_high < ala16.value                      # the deep HEA has the smaller gradients


def test_gates_outside_every_engine_are_named_in_the_report():
    q = cirq.LineQubit.range(2)
    a, c = sympy.symbols("a c")
    # (CRz(c) is exact now; a symbolic phase Z^-c X^0.3 Z^c is outside both engines)
    circuit = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CNOT(q[0], q[1]),
                           cirq.PhasedXPowGate(phase_exponent=c, exponent=0.3).on(q[1]))
    r = analyze_architecture(circuit, "Z1", theorems=False, sample=50)
    row = next(g for g in r.gates if g.role == "trainable" and not g.exact)
    assert not row.sampling and "not a product of Pauli rotations" in row.reason
    params = {p.parameter: p for p in r.parameters}
    # per parameter (issue 13): the RY parameter is sampled although CRz(c) shares the circuit;
    # c, whose gate has no gradient rule, has no value and says why
    assert params["a"].sampled is not None and params["c"].sampled is None
    assert not params["c"].structure.in_cone or "not a product of Pauli rotations" in params["c"].note
    assert all(p.exact is None for p in r.parameters)
    assert any("exact engine refused" in n for n in r.notes)
    assert "gates the exact engine does not accept" in r.to_text()


def test_dataset_expressibility_is_reported_for_an_embedding(tmp_path):
    # TPE gives pure product data states, so on any 2-qubit subsystem D_HS = 1 − 2^-2 = 0.75
    # exactly; the Haar value on 2 of 4 qubits is (4 − 1/4)/(2^4 + 1) (Thanasilp et al.)
    path = tmp_path / "tpa4.json"
    cirq.to_json(circuits.tensor_product(4, 2), path)
    reg = fast_registry()
    tpe = analyze_architecture(path, "local", embedding="tpe", dataset="uniform", n_data=4, registry=reg)
    blocks = [d for d in tpe.dataset if len(d.qubits) == 2]
    assert blocks
    for d in blocks:
        assert d.d_hs_mean == pytest.approx(0.75, abs=1e-9)
        assert d.haar == pytest.approx((4 - 0.25) / 17)
    hee = analyze_architecture(path, "local", embedding="hee", embedding_layers=4, dataset="uniform", n_data=4,
                               registry=reg)
    assert min(d.d_hs_mean for d in hee.dataset if len(d.qubits) == 2) < 0.75
    assert "dataset expressibility" in hee.to_text()


def test_data_symbols_without_a_dataset_get_uniform_data():
    q = cirq.LineQubit.range(2)
    x0, t = sympy.symbols("x_0 t")
    c = cirq.Circuit(cirq.rx(x0).on(q[0]), cirq.CNOT(*q), cirq.ry(t).on(q[1]))
    r = analyze_architecture(c, "Z1", theorems=False, n_data=7)
    assert any("uniform random data" in n and "7 points" in n for n in r.notes)
    # ℓ(x) = <Z1> = cos x · cos t: Var_t[∂_t ℓ] = cos² x / 2, averaged over the 7 uniform points
    data = circuits.make_dataset("uniform", 1, n_samples=7, seed=0)
    want = float(np.mean(np.cos(data.x[:, 0]) ** 2) / 2)
    assert r.parameter("t").exact.value == pytest.approx(want, rel=1e-9)


def test_global_cost_beyond_enumeration_is_exact_by_the_tensor_network():
    """Issue 16: where enumeration gives up, 'auto' contracts the tensor network before it samples."""
    ansatz = circuits.alternating_layered(8, 2, 2, block_depth=2)
    qubits = sorted(ansatz.all_qubits())
    r = analyze_architecture(ansatz, circuits.global_cost(qubits), theorems=False, trainable="theta_*")
    methods = {p.exact.method for p in r.parameters if p.exact is not None}
    assert "tn" in methods and "path-sampled" not in methods, methods


def test_path_sampled_exact_values_are_marked_with_their_interval(monkeypatch):
    """When exact enumeration is too large the engine samples paths: the report must not present
    the estimate (often 0) as an exact value.  (The tensor-network fallback is switched off here
    so that the engine samples.)"""
    import bpcalc.bounds.exact.pauli_paths as pp

    import bpcalc.bounds.exact.tensor_network as tn

    monkeypatch.setattr(pp, "AUTO_TN_FALLBACK_BOND", 0)
    monkeypatch.setattr(tn, "AUTO_MAX_BOND_PROJECTOR", 0)   # and the global cost's projector route
    ansatz = circuits.alternating_layered(8, 2, 2, block_depth=2)
    qubits = sorted(ansatz.all_qubits())
    r = analyze_architecture(ansatz, circuits.global_cost(qubits), theorems=False, trainable="theta_*")
    sampled = [p for p in r.parameters if p.exact is not None and p.exact.method == "path-sampled"]
    assert sampled, [p.exact for p in r.parameters]
    for p in sampled:
        assert p.exact.ci_low <= p.exact.value <= p.exact.ci_high
        if p.structure.in_cone:
            assert p.verdict.label != "zero"  # a sampled 0 is not an identically vanishing gradient
        assert any("[" in e and "path-sampled" in e for e in p.verdict.evidence)
    text = r.to_text()
    assert "~" in text and "path-sampled estimate" in text
    assert "terms; the JSON report has all" in r.summary()  # the 256-term observable is abbreviated
