"""Issue 14: one typed report (``bpcalc.bounds.analysis.Analysis``) rendered four ways.

The terminal text, Markdown, JSON and LaTeX of ``bpcalc analyze`` all come from the same
Analysis: a number changed on it changes in every rendering; sampled estimates attached by
verify appear in every rendering with their seed and interval; ``--no-theorems`` keeps the exact
loss variance; ``--embedding-layers n`` / ``log`` resolve at the file's qubit count.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import pytest

from bpcalc.bounds.analysis import BoundCheck, SampledEstimate
from bpcalc.verify.architecture import analyze_architecture
from bpcalc.verify.cli import main
from bpcalc.verify.commands._args import Layers

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIM2 = str(ROOT / "examples" / "sim2019_circuit2.qasm")


def _renderings(report) -> dict[str, str]:
    return {"text": report.to_text(), "markdown": report.to_markdown(), "json": report.to_json(),
            "latex": report.to_latex()}


def _row(text: str, name: str) -> str:
    """The line of the parameters table (text / Markdown / LaTeX) that starts with ``name``."""
    for line in text.splitlines():
        stripped = line.lstrip("| ").replace("\\_", "_")
        if stripped.startswith(name + " ") or stripped.startswith(name + "|") or stripped.startswith(name + " &"):
            return line
    raise AssertionError(f"no row for {name}")


def test_a_number_changed_on_the_analysis_changes_in_all_four_renderings():
    rep = analyze_architecture(SIM2, "Z0", theorems=False)
    p = rep.parameter("theta_x0")
    # closed form (examples/sim2019_circuit2.qasm): C = Π_i cos θ_xi, so Var[∂C/∂θ_x0] = 2^-4
    assert p.exact.value == pytest.approx(2.0**-4, abs=1e-12)
    before = _renderings(rep)
    for kind in ("text", "markdown", "latex"):
        assert "6.250e-02" in _row(before[kind], "theta_x0"), kind
    # change one number on the typed report: every rendering follows, none keeps the old one
    changed = dataclasses.replace(p, exact=dataclasses.replace(p.exact, value=0.123456789))
    analysis = dataclasses.replace(rep.analysis, parameters=tuple(
        changed if q.parameter == "theta_x0" else q for q in rep.analysis.parameters))
    after = _renderings(rep.with_analysis(analysis))
    for kind in ("text", "markdown", "latex"):
        row = _row(after[kind], "theta_x0")
        assert "1.235e-01" in row and "6.250e-02" not in row, (kind, row)
        assert "6.250e-02" in _row(after[kind], "theta_x1"), kind  # the others unchanged
    doc = json.loads(after["json"])
    params = {q["parameter"]: q for q in doc["results"]["analysis"]["parameters"]}
    assert params["theta_x0"]["exact"]["value"] == 0.123456789
    assert params["theta_x1"]["exact"]["value"] == pytest.approx(2.0**-4)
    assert rep.parameter("theta_x0").exact.value == pytest.approx(2.0**-4)  # the original is untouched
    # the loss variance too (one object, four renderings)
    la = rep.analysis.loss_variance
    moved = dataclasses.replace(la, variance=dataclasses.replace(la.variance, value=0.4321))
    out = _renderings(rep.with_analysis(dataclasses.replace(rep.analysis, loss_variance=moved)))
    for kind in ("text", "markdown", "latex"):
        assert "Var[C] = 0.432" in out[kind], kind
    assert json.loads(out["json"])["results"]["analysis"]["loss_variance"]["variance"]["value"] == 0.4321


def test_sampled_estimates_appear_in_every_rendering_with_seed_and_interval():
    rep = analyze_architecture(SIM2, "Z3", theorems=False, sample=300, seed=17)
    s = rep.parameter("theta_x3").sampled
    assert isinstance(s, SampledEstimate) and s.seed == 17 and s.n_samples == 300 and s.engine == "own"
    assert 0 < s.confidence < 1 and s.interval in ("bootstrap", "chi2") and s.ci_low <= s.value <= s.ci_high
    # independent closed form: C = cos θ_x3, Var[∂C/∂θ_x3] = 1/2 (a 95% interval; fixed seed)
    assert s.ci_low <= 0.5 <= s.ci_high
    cell = f"[{s.ci_low:.2e}, {s.ci_high:.2e}] seed 17"
    out = _renderings(rep)
    for kind in ("text", "markdown", "latex"):
        assert cell in _row(out[kind], "theta_x3"), kind
        assert "bound checks" in out[kind], kind
    # the Jupyter / str() renderings of the same Analysis (bpcalc.bounds.rendering) show it too
    short = f"[{s.ci_low:.3g}, {s.ci_high:.3g}] seed 17"
    assert short in str(rep.analysis) and short in rep.analysis._repr_markdown_()
    doc = json.loads(out["json"])
    j = next(q for q in doc["results"]["analysis"]["parameters"] if q["parameter"] == "theta_x3")
    assert j["sampled"]["seed"] == 17 and j["sampled"]["ci_low"] == s.ci_low and j["sampled"]["ci_high"] == s.ci_high
    # the exact value 1/2 is checked against the interval (verify's rule), on the same report
    checks = rep.parameter("theta_x3").checks
    assert checks and all(isinstance(c, BoundCheck) for c in checks)
    exact_check = next(c for c in checks if c.kind == "exact")
    assert exact_check.verdict == "holds" and "0.5" in exact_check.statistic
    assert j["checks"][0]["verdict"] == checks[0].verdict
    # parameters outside the light cone: the sampler's float residue is no violation of Var = 0
    assert all(c.verdict != "violated" for q in rep.parameters for c in q.checks)


def test_with_samples_returns_a_new_analysis_and_refuses_bad_input():
    rep = analyze_architecture(SIM2, "Z3", theorems=False)
    a = rep.analysis
    est = SampledEstimate("theta_x3", 0.49, 0.4, 0.6, 0.95, 100, "own", 3, "loss", "bootstrap")
    chk = BoundCheck("theta_x3", "exact (exact)", "exact", "holds", "contains 0.5", "sampled Var against 0.5")
    b = a.with_samples({"theta_x3": est}, [chk])
    assert b is not a and a.parameter("theta_x3").sampled is None and not a.parameter("theta_x3").checks
    assert b.parameter("theta_x3").sampled is est and b.parameter("theta_x3").checks == (chk,)
    assert any("sampled Var = 0.49" in e for e in b.parameter("theta_x3").verdict.evidence)
    with pytest.raises(ValueError, match="not analysed parameters"):
        a.with_samples({"nope": dataclasses.replace(est, parameter="nope")})
    with pytest.raises(TypeError, match="SampledEstimate"):
        a.with_samples({"theta_x3": {"value": 0.5}})
    with pytest.raises(ValueError, match="verdict must be one of"):
        BoundCheck("theta_x3", "b", "upper", "maybe", "", "")


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("observable, want", [("Z0", 2.0**-4), ("Z3", 0.5)])
def test_no_theorems_still_reports_the_exact_loss_variance(capsys, observable, want):
    # closed forms: Z0 -> C = Π_i cos θ_xi, Var[C] = (1/2)^4; Z3 -> C = cos θ_x3, Var[C] = 1/2
    rep = analyze_architecture(SIM2, observable, theorems=False)
    la = rep.loss_variance
    assert la is not None and la.variance is not None
    assert la.variance.value == pytest.approx(want, abs=1e-12) and la.variance.method == "exact"
    assert not rep.analysis.theorems and all(not p.applicable and not p.refused for p in rep.parameters)
    code, out, err = _run(capsys, "analyze", SIM2, "--observable", observable, "--no-theorems")
    assert code == 0, err
    assert f"Loss variance Var[C] = {want:.3g}" in out


def test_embedding_layers_n_and_log_resolve_at_the_files_qubit_count(capsys):
    common = ("--embedding", "hee", "--dataset", "uniform", "--n-data", "4", "--no-theorems", "--json",
              "--observable", "Z0")
    docs = {}
    for layers in ("n", "log", "4", "2"):
        code, out, err = _run(capsys, "analyze", SIM2, "--embedding-layers", layers, *common)
        assert code == 0, err
        docs[layers] = json.loads(out)
    assert docs["n"]["config"]["embedding_layers_resolved"] == 4      # SIM2 has 4 qubits
    assert docs["log"]["config"]["embedding_layers_resolved"] == 2    # ceil(log2 4)

    def values(doc):
        a = doc["results"]["analysis"]
        return {"Var[C]": a["loss_variance"]["variance"]["value"],
                **{p["parameter"]: p["exact"]["value"] for p in a["parameters"]}}

    # the same numbers as the explicit integers (Var[C] depends on the embedding's depth here)
    assert values(docs["n"]) == pytest.approx(values(docs["4"]), abs=1e-14)
    assert values(docs["log"]) == pytest.approx(values(docs["2"]), abs=1e-14)
    assert abs(values(docs["n"])["Var[C]"] - values(docs["log"])["Var[C]"]) > 1e-3
    # the library takes the same layer count of n
    rep = analyze_architecture(SIM2, "Z0", embedding="hee", embedding_layers=Layers("n"), dataset="uniform",
                               n_data=4, theorems=False)
    assert rep.config["embedding_layers_resolved"] == 4
    with pytest.raises(TypeError, match="embedding_layers"):
        analyze_architecture(SIM2, "Z0", embedding="hee", embedding_layers="n", theorems=False)
