"""``bpcalc demo``: the seed paper's dataset-induced barren plateau, end to end, in minutes.

The model (Thanasilp et al., arXiv:2110.14753, the tensor-product QNN): one layer of
``s = 2``-qubit blocks, the local cost ``O_L = (1/n) Σ_j |0⟩⟨0|_j``, a linear loss
``L = (1/N) Σ_i y_i ℓ_i`` on the digits dataset (classes 0 and 1, PCA to ``n`` features),
and three data embeddings: tensor-product (TPE), hardware-efficient with ``n`` layers (HEE)
and the classically-hard ZZ feature map (CHE).  The differentiated parameter ``θ_k`` is the
middle rotation of block 0; every block is ``block_depth`` layers of ``RY RZ`` and a CZ, deep
enough to be close to a local 2-design on both sides of ``θ_k`` (the seed paper's assumption,
declared with ``Model.two_design_blocks=True``).

For every embedding and ``n`` one *point* (:func:`gradient_variance_point`, also the default
task of ``bpcalc sweep``) computes, for the per-datapoint quantity
``mean_i Var_θ[∂_k ℓ_i]`` and for the linear loss ``Var_θ[∂_k L]``:

1. **bound** — the seed paper's exact prediction from the theorem registry
   (``thanasilp2021.tensor_product_variance`` → ``r_{n,s} · mean_i D_HS(ρ_i^{(h)}, 1/4)`` and
   ``thanasilp2021.tensor_product_linear_loss`` → ``r_{n,s} · Δ(ρ̄_y^{(h)})``), with the
   dataset expressibility measured on the embedded data (:mod:`bpcalc.bounds.measures`);
2. **exact** — two exact engines (:mod:`bpcalc.bounds.exact`): the 2-design Markov chain (exact
   under the declared assumption: an independent computation of the same number) and Pauli
   paths on the *concrete* circuit (exact for the rotation angles actually drawn);
3. **sampled** — ``n_draws`` parameter draws on the batched state-vector engine with a
   bootstrap confidence interval (:func:`bpcalc.verify.sampling.sample_gradients`);
4. **check** — :func:`bpcalc.verify.check.check` of the bound and of the concrete exact value
   against the sampled interval, and the relative difference between bound and 2-design chain.

:func:`run_demo` evaluates the points on a local process pool through :func:`bpcalc.verify.sweep.sweep`
(one JSON record per point in ``points.jsonl``), fits the decay base per embedding
(the one fit, :func:`bpcalc.bounds.scaling.fit_scaling`), plots (:func:`bpcalc.verify.plots.plot_variance_scaling`) and
writes the report (:mod:`bpcalc.verify.report`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import pathlib
import time
from typing import Any, Mapping, Optional, Sequence

import numpy as np

__all__ = [
    "EMBEDDING_NAMES",
    "DemoConfig",
    "DemoResult",
    "build_point_model",
    "gradient_variance_point",
    "demo_points",
    "fit_rows",
    "summary_rows",
    "report_from_records",
    "run_demo",
    "format_summary",
]

EMBEDDING_NAMES = {"tpe": "TPE", "hee": "HEE", "che": "CHE"}
_POINT_DEFAULTS = {
    "layers": "auto",
    "dataset": "digits",
    "n_data": 12,
    "n_draws": 200,
    "seed": 0,
    "block_size": 2,
    "block_depth": 12,
    "confidence": 0.95,
    "n_bootstrap": 2000,
}


@dataclasses.dataclass(frozen=True)
class DemoConfig:
    """What the demo computes (defaults: the README's ``bpcalc demo``).

    Attributes
    ----------
    embeddings : ``'tpe'``, ``'hee'``, ``'che'``.
    ns : qubit counts (multiples of ``block_size``).
    dataset : ``'digits'`` (or another scikit-learn set, or ``'uniform'``).
    n_data : data points ``N``.
    n_draws : parameter draws per sampled variance.
    block_size, block_depth : the tensor-product QNN's blocks.
    layers : embedding depth: ``'auto'`` (HEE: ``n`` layers, CHE: 1 repetition, TPE: 1) or an int.
    seed : master seed (data subset, parameter draws, bootstrap).
    confidence : family-wise level of all checks (Bonferroni-adjusted per check, see :func:`demo_points`).
    workers : local worker processes (default: the number of CPUs).
    """

    embeddings: tuple[str, ...] = ("tpe", "hee", "che")
    ns: tuple[int, ...] = (4, 6, 8, 10, 12)
    dataset: str = "digits"
    n_data: int = 12
    n_draws: int = 200
    block_size: int = 2
    block_depth: int = 12
    layers: Any = "auto"
    seed: int = 0
    confidence: float = 0.95
    workers: Optional[int] = None

    def __post_init__(self) -> None:
        emb = tuple(str(e).lower() for e in self.embeddings)
        bad = [e for e in emb if e not in EMBEDDING_NAMES]
        if bad or not emb:
            raise ValueError(f"embeddings must be a non-empty subset of {sorted(EMBEDDING_NAMES)}, got {self.embeddings}")
        ns = tuple(int(n) for n in self.ns)
        if not ns:
            raise ValueError("ns must not be empty")
        for name in ("n_data", "n_draws", "block_size", "block_depth"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if self.n_draws < 10:
            raise ValueError(f"n_draws must be >= 10 for a meaningful interval, got {self.n_draws}")
        if self.n_data < 2:
            raise ValueError(f"n_data must be >= 2, got {self.n_data}")
        for n in ns:
            if n < self.block_size or n % self.block_size:
                raise ValueError(f"every n must be a positive multiple of block_size = {self.block_size}, got n = {n}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")
        _check_layers(self.layers)
        from bpcalc.circuits.datasets import DATASETS

        if self.dataset not in (*DATASETS, "uniform"):
            raise ValueError(f"unknown dataset {self.dataset!r}; expected one of {(*DATASETS, 'uniform')}")
        object.__setattr__(self, "embeddings", emb)
        object.__setattr__(self, "ns", ns)

    def points(self) -> list[dict]:
        """One sweep point per (embedding, n), the most expensive (largest n) first."""
        return demo_points(self)


def _check_layers(layers: Any) -> None:
    if layers in ("auto", "n"):
        return
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 1:
        raise ValueError(f"layers must be a positive integer, 'n' or 'auto', got {layers!r}")


def demo_points(config: DemoConfig) -> list[dict]:
    """The sweep points of ``config`` (largest ``n`` first, for load balancing).

    ``config.confidence`` is the family-wise level of all checks: each point's intervals use
    the Bonferroni level ``1 − (1 − confidence) / m`` for the ``m = 2 × points`` checks (the
    per-datapoint and the loss variance of every point), with enough bootstrap resamples to
    resolve the tails.
    """
    m = 2 * len(config.ns) * len(config.embeddings)
    per_check = 1.0 - (1.0 - config.confidence) / m
    n_boot = int(max(2000, math.ceil(40.0 / (1.0 - per_check))))
    pts = []
    for n in sorted(config.ns, reverse=True):
        for e in config.embeddings:
            pts.append({
                "n": n, "embedding": e, "layers": config.layers, "dataset": config.dataset,
                "n_data": config.n_data, "n_draws": config.n_draws, "seed": config.seed,
                "block_size": config.block_size, "block_depth": config.block_depth,
                "confidence": round(per_check, 6), "n_bootstrap": n_boot,
            })
    return pts


# --------------------------------------------------------------------------- one point


def _embedding_layers(embedding: str, layers: Any, n: int) -> int:
    if layers == "n":
        return n
    if layers == "auto":
        return {"tpe": 1, "hee": n, "che": 1}[embedding]
    return int(layers)


def _point_seed(point: Mapping[str, Any]) -> int:
    """A per-point seed derived from the master seed, n and embedding (stable across runs)."""
    emb = sorted(EMBEDDING_NAMES).index(point["embedding"])
    return int(np.random.SeedSequence([int(point["seed"]), int(point["n"]), emb]).generate_state(1)[0])


def build_point_model(point: Mapping[str, Any]):
    """The demo's model for one point, and the differentiated parameter (middle of block 0).

    Returns
    -------
    (circuits.Model, sympy.Symbol, dict) : the model, ``θ_k`` and the resolved settings.

    Raises
    ------
    ValueError : unknown embedding or dataset, ``n`` not a multiple of the block size.
    """
    from bpcalc import circuits

    p = {**_POINT_DEFAULTS, **dict(point)}
    missing = [k for k in ("n", "embedding") if k not in point]
    if missing:
        raise ValueError(f"a demo point needs {missing}; got {sorted(point)}")
    n, emb = int(p["n"]), str(p["embedding"]).lower()
    if emb not in EMBEDDING_NAMES:
        raise ValueError(f"unknown embedding {emb!r}; expected one of {sorted(EMBEDDING_NAMES)}")
    _check_layers(p["layers"])
    s, depth = int(p["block_size"]), int(p["block_depth"])
    layers = _embedding_layers(emb, p["layers"], n)
    ansatz = circuits.tensor_product(n, block_size=s, block_depth=depth)
    qubits = sorted(ansatz.all_qubits())
    if p["dataset"] == "uniform":
        data = circuits.uniform_random(int(p["n_data"]), n, seed=int(p["seed"]))
    else:
        data = circuits.load_dataset(str(p["dataset"]), n_features=n, n_samples=int(p["n_data"]), seed=int(p["seed"]))
    model = circuits.Model(
        ansatz=ansatz,
        observable=circuits.local_cost(qubits),
        embedding=circuits.make_embedding(emb, n, layers=layers),
        loss="linear",
        dataset=data,
        two_design_blocks=True,
        name=f"{EMBEDDING_NAMES[emb]} n={n}",
    )
    block0 = [sym for sym in model.trainable_symbols if f"_b0_" in sym.name]
    parameter = block0[len(block0) // 2]
    settings = {"n": n, "embedding": emb, "layers": layers, "block_size": s, "block_depth": depth,
                "dataset": str(p["dataset"]), "n_data": data.n_samples, "n_draws": int(p["n_draws"]),
                "seed": int(p["seed"]), "confidence": float(p["confidence"]), "n_bootstrap": int(p["n_bootstrap"]),
                "parameter": parameter.name}
    return model, parameter, settings


def _bound_value(instance, name: str) -> Optional[dict]:
    for v in instance.values:
        if v.name == name:
            return {"value": v.value, "log10": v.log10, "sign": v.sign, "scientific": str(v)}
    return None


def gradient_variance_point(point: Mapping[str, Any]) -> dict:
    """Bound, exact and sampled gradient variances, and their check, for one demo point.

    Parameters
    ----------
    point : ``n`` and ``embedding`` (required); ``layers``, ``dataset``, ``n_data``,
        ``n_draws``, ``seed``, ``block_size``, ``block_depth``, ``confidence`` (optional).

    Returns
    -------
    dict : JSON-ready numbers: ``settings``, ``expressibility`` (mean D_HS with CI, Haar
        reference), and for ``"output"`` (``mean_i Var[∂ℓ_i]``) and ``"loss"`` (linear loss)
        each the ``bound``, ``exact_two_design``, ``exact_circuit``, ``sampled`` and
        ``checks``; ``timings``.

    Raises
    ------
    ValueError : a bad point (see :func:`build_point_model`).
    """
    from bpcalc.bounds import Context, get_theorem
    from bpcalc.bounds.exact import exact_gradient_variance
    from bpcalc.bounds.exact.two_design import two_design_gradient_variance
    from bpcalc.bounds.measures import Measures, data_states, dataset_expressibility

    from .backends import blas_threads

    # one BLAS thread per point: points run in parallel processes, and oversubscribed
    # OpenBLAS threads slow a loaded machine down by large factors
    with blas_threads(1):
        return _gradient_variance_point(point)


def _gradient_variance_point(point: Mapping[str, Any]) -> dict:
    from bpcalc.bounds import Context, get_theorem
    from bpcalc.bounds.exact import exact_gradient_variance
    from bpcalc.bounds.exact.two_design import two_design_gradient_variance
    from bpcalc.bounds.measures import Measures, data_states, dataset_expressibility

    from .check import check
    from .sampling import sample_gradients, variance_estimates

    timings: dict[str, float] = {}
    t = time.perf_counter()
    model, theta, settings = build_point_model(point)
    n, s = settings["n"], settings["block_size"]
    y = np.asarray(model.dataset.y, dtype=float)
    weights = y / len(y)
    states = data_states(model)
    timings["data_states"] = time.perf_counter() - t

    # dataset expressibility on block 0 (the block of θ_k), and the registry's closed forms
    t = time.perf_counter()
    block = tuple(range(s))
    sub = dataset_expressibility(states, {block: ("block 0.0",)}, labels_y=y, confidence=settings["confidence"])[0]
    measures = Measures(
        n_qubits=n, qubits=tuple(model.qubits), observable_support=tuple(range(n)), observable_max_weight=1,
        observable_is_local=True, parameters=(), subsystems=(sub,), ensemble=None, n_data=len(y),
        dataset=model.dataset.name, notes=("demo: block-0 expressibility only",),
    )
    ctx = Context(model=model, parameter=theta, measures=measures)
    per_point = get_theorem("thanasilp2021.tensor_product_variance").instantiate(ctx)
    linear = get_theorem("thanasilp2021.tensor_product_linear_loss").instantiate(ctx)
    haar = get_theorem("thanasilp2021.tensor_product_variance").instantiate(ctx, check=False)
    timings["bounds"] = time.perf_counter() - t

    # exact engines: 2-design chain (exact under the declared assumption) and Pauli paths (concrete circuit)
    t = time.perf_counter()
    chain = two_design_gradient_variance(model.ansatz, model.observable, states, [theta], weights=weights,
                                         qubits=model.qubits)
    timings["exact_two_design"] = time.perf_counter() - t
    t = time.perf_counter()
    paths = exact_gradient_variance(model.ansatz, model.observable, states, [theta], weights=weights,
                                    qubits=model.qubits)
    timings["exact_circuit"] = time.perf_counter() - t

    # sampled gradients on the batched state-vector engine
    t = time.perf_counter()
    seed = _point_seed(settings)
    samples = sample_gradients(model, [theta], settings["n_draws"], seed=seed)
    est_out = variance_estimates(samples, quantity="output", confidence=settings["confidence"],
                                 n_bootstrap=settings["n_bootstrap"])[0]
    est_loss = variance_estimates(samples, quantity="loss", confidence=settings["confidence"],
                                  n_bootstrap=settings["n_bootstrap"])[0]
    timings["sampled"] = time.perf_counter() - t

    out: dict[str, Any] = {"settings": {**settings, "sampling_seed": seed}}
    out["expressibility"] = {
        "block": list(block),
        "d_hs_mean": sub.d_hs_mean,
        "d_hs_ci": [sub.d_hs_ci.ci_low, sub.d_hs_ci.ci_high],
        "d_hs_min": sub.d_hs_min,
        "d_hs_max": sub.d_hs_max,
        "haar": sub.haar,
        "product_max": sub.product_max,
        "label_weighted_delta": sub.label_weighted_delta,
        "r_ns": s * 2.0 ** (3 * (s - 1)) / (n**2 * (2.0 ** (2 * s) - 1) ** 2),
    }
    for quantity, inst, bound_name, est, chain_value, path_value in (
        ("output", per_point, "local_cost", est_out, float(np.mean(chain.per_state[0])), float(np.mean(paths.per_state[0]))),
        ("loss", linear, "local_cost", est_loss, float(chain.values[0]), float(paths.values[0])),
    ):
        bound = _bound_value(inst, bound_name)
        records = []
        if bound is not None:
            records.append({"parameter": theta.name, "name": f"{inst.theorem}[{bound_name}]", "kind": "exact",
                            "value": bound["value"], "quantity": quantity})
        records.append({"parameter": theta.name, "name": f"exact circuit ({paths.method})", "kind": "exact",
                        "value": path_value, "quantity": quantity})
        report = check(records, [est])
        out[quantity] = {
            "bound": bound,
            "bound_theorem": f"{inst.theorem}[{bound_name}]",
            "refused": [r.to_dict() for r in inst.refused],
            "exact_two_design": chain_value,
            "exact_circuit": path_value,
            "exact_circuit_method": paths.method,
            "bound_vs_chain_rel_diff": (abs(bound["value"] - chain_value) / abs(chain_value)
                                        if bound is not None and chain_value != 0 else None),
            "sampled": est.to_dict(),
            "checks": [c.to_dict() for c in report.checks],
            "verdict": "agree" if all(c.verdict == "holds" for c in report.checks) and bound is not None else
                       ("violated" if report.violated else "inconclusive"),
        }
    haar_bound = _bound_value(haar, "haar_data")
    out["output"]["haar_bound"] = haar_bound
    out["timings"] = timings
    return out


# --------------------------------------------------------------------------- aggregation


def _estimate_from_dict(d: Mapping[str, Any]):
    from .stats import VarianceEstimate

    return VarianceEstimate.from_dict(d)


def summary_rows(records: Sequence[Any], quantity: str = "output") -> list[dict]:
    """One row per successful point (embedding order TPE, HEE, CHE; then n)."""
    rows = []
    for rec in records:
        if not getattr(rec, "ok", False):
            continue
        r = rec.result
        q = r[quantity]
        sampled = q["sampled"]
        rows.append({
            "embedding": r["settings"]["embedding"],
            "n": r["settings"]["n"],
            "layers": r["settings"]["layers"],
            "d_hs_mean": r["expressibility"]["d_hs_mean"],
            "d_hs_ci": r["expressibility"].get("d_hs_ci"),
            "haar": r["expressibility"]["haar"],
            "r_ns": r["expressibility"]["r_ns"],
            "bound": None if q["bound"] is None else q["bound"]["value"],
            "exact_two_design": q["exact_two_design"],
            "exact_circuit": q["exact_circuit"],
            "exact_circuit_method": q.get("exact_circuit_method", "exact"),
            "sampled": sampled["value"],
            "ci_low": sampled["ci_low"],
            "ci_high": sampled["ci_high"],
            "verdict": q["verdict"],
            "estimate": sampled,
            "seconds": rec.elapsed_s,
        })
    order = {e: i for i, e in enumerate(("tpe", "hee", "che"))}
    return sorted(rows, key=lambda row: (order.get(row["embedding"], 9), row["n"]))


def _span(ns: Sequence[int]) -> str:
    ns = sorted(set(int(n) for n in ns))
    return f"n = {ns[0]}…{ns[-1]}" if len(ns) > 2 else "n = " + ", ".join(map(str, ns))


def scaling_sentence(name: str, verdict: Mapping[str, Any], raw: Optional[Mapping[str, Any]] = None,
                     quantity: str = "Var/r_{n,s}") -> str:
    """One sentence on how ``quantity`` scales, written from the verdict fit (a
    :meth:`bpcalc.verify.architecture.ScalingFit.to_dict`) and never ahead of it.

    * exponential (the verdict rule chose it): the base ± standard error;
    * flat: the base is within two standard errors of 1 (said with the raw decay, when given,
      so that the 1/n² of the local cost is not mistaken for a plateau);
    * polynomial / not decided: says that these sizes cannot establish exponential decay and
      what would decide it (larger n, more repetitions of the embedding, more draws).

    Examples
    --------
    >>> v = {"label": "polynomial", "base": 1.345, "base_se": 0.095, "degree": -1.1, "degree_se": 0.2,
    ...      "ns": [4, 6, 8, 10, 12]}
    >>> "power law" in scaling_sentence("CHE", v)
    True
    """
    label = verdict.get("label", "not decided")
    base, se = verdict.get("base"), verdict.get("base_se")
    span = _span(verdict.get("ns") or [])
    decide = ("larger n (the two models separate as n grows), more repetitions of the embedding, or more "
              "parameter draws per point would decide it")
    if base is not None and se is not None and abs(base - 1.0) <= 2 * se and label != "exponentially vanishing":
        text = f"{name}: {quantity} is flat within its errors (base {base:.3f} ± {se:.3f} over {span})"
        if raw and raw.get("base") is not None:
            text += (f"; the raw variance falls with base {raw['base']:.3f} ± {raw['base_se']:.3f}, which is the "
                     "1/n² of the local cost's normalisation (r_{n,s}), not a dataset-induced plateau")
        return text + "."
    if label == "exponentially vanishing":
        return (f"{name}: {quantity} decays exponentially, base {base:.3f} ± {se:.3f} over {span} — a barren "
                "plateau induced by the data.")
    if label == "polynomial":
        deg, dse = verdict.get("degree"), verdict.get("degree_se")
        text = f"{name}: over {span} a power law describes {quantity} better than an exponential"
        if deg is not None:
            text += f" (degree {deg:.2f}" + (f" ± {dse:.2f}" if dse is not None else "") + ")"
        if base is not None and se is not None:
            text += f"; an exponential fit would have base {base:.3f} ± {se:.3f}"
        return text + f", so these sizes do not establish exponential decay; {decide}."
    why = verdict.get("text", "not decided")
    return f"{name}: the scaling of {quantity} is not decided over {span} ({why}); {decide}."


def fit_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict]:
    """Per embedding: decay base of the sampled variance (raw, and divided by ``r_{n,s}``,
    i.e. of the effective ``D_HS``) and of the bound, with standard errors, and the verdict
    (:func:`bpcalc.verify.fits.fit_estimates`) of both -- every number from the one fit,
    :func:`bpcalc.bounds.scaling.fit_scaling`."""
    from bpcalc.bounds.scaling import fit_scaling

    from .fits import fit_estimates, fit_summary

    out: dict[str, dict] = {}
    for emb in dict.fromkeys(r["embedding"] for r in rows):
        sel = [r for r in rows if r["embedding"] == emb]
        ns = [r["n"] for r in sel]
        if len(set(ns)) < 3:
            out[emb] = {"note": "fewer than 3 values of n: no fit"}
            continue
        ests = [_estimate_from_dict(r["estimate"]) for r in sel]
        entry: dict[str, Any] = {}
        try:
            norm_ests = [e.scaled(1.0 / r["r_ns"]) for e, r in zip(ests, sel)]
            entry["sampled"] = fit_summary(ns, ests)
            entry["sampled_normalised"] = fit_summary(ns, norm_ests)
            entry["verdict"] = fit_estimates(ns, ests).to_dict()
            entry["verdict_normalised"] = fit_estimates(ns, norm_ests).to_dict()
        except ValueError as exc:
            entry["note"] = str(exc)
        bounds = [r for r in sel if r["bound"] is not None and r["bound"] > 0]
        if len({r["n"] for r in bounds}) >= 3:
            x = [r["n"] for r in bounds]
            lg = np.log10([r["bound"] for r in bounds])
            lgn = lg - np.log10([r["r_ns"] for r in bounds])
            entry["bound_base"] = float(fit_scaling(x, log10_values=lg).base)
            entry["bound_normalised_base"] = float(fit_scaling(x, log10_values=lgn).base)
        out[emb] = entry
    return out


def _fmt(v: Any) -> str:
    from .report import format_cell

    return format_cell(v)


def format_summary(rows: Sequence[Mapping[str, Any]], fits: Mapping[str, Mapping[str, Any]]) -> str:
    """The console table: one line per (embedding, n), then the fitted decay bases."""
    conf = rows[0]["estimate"]["confidence"] if rows else 0.95
    head = f"{'emb':<4} {'n':>3} {'mean D_HS':>10} {'bound r·D_HS':>13} {'exact 2-des':>12} {'exact circ':>11} " \
           f"{'sampled [CI]':>32} {'check':>8}"
    lines = ["mean over data points of Var[∂_k ℓ_i] (θ_k: middle rotation of block 0); "
             f"CI: {100 * conf:.3g}% bootstrap per check", head, "-" * len(head)]
    for r in rows:
        ci = f"{_fmt(r['sampled'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        lines.append(f"{EMBEDDING_NAMES[r['embedding']]:<4} {r['n']:>3} {_fmt(r['d_hs_mean']):>10} {_fmt(r['bound']):>13} "
                     f"{_fmt(r['exact_two_design']):>12} {_fmt(r['exact_circuit']):>11} {ci:>32} {r['verdict']:>8}")
    lines.append("")
    lines.append("decay base b of Var ≈ C·b^-n (sampled; ± standard error); normalised = Var / r_{n,s} (the effective D_HS):")
    for emb, f in fits.items():
        if "sampled" not in f:
            lines.append(f"  {EMBEDDING_NAMES.get(emb, emb)}: {f.get('note', 'no fit')}")
            continue
        raw, norm = f["sampled"], f["sampled_normalised"]
        lines.append(f"  {EMBEDDING_NAMES.get(emb, emb)}: b = {raw['base']:.3f} ± {raw['base_stderr']:.3f}   "
                     f"normalised b = {norm['base']:.3f} ± {norm['base_stderr']:.3f}   "
                     f"(bound: {f.get('bound_base', math.nan):.3f}, normalised {f.get('bound_normalised_base', math.nan):.3f})")
    return "\n".join(lines)


def _plots(rows: Sequence[Mapping[str, Any]], fits: Mapping[str, Any], out_dir: pathlib.Path, quantity_label: str = ""):
    """One variance figure per embedding and one D_HS figure (:mod:`bpcalc.verify.figures`); returns
    the report's Figures (captions define every bar and list what is not drawn)."""
    from .figures import dhs_scan, experiment_variance_scan, save_scan

    figures = []
    for emb in dict.fromkeys(r["embedding"] for r in rows):
        sel = [r for r in rows if r["embedding"] == emb]
        figures.append(save_scan(experiment_variance_scan(sel, f"variance_{emb}", emb,
                                                          estimate_from_dict=_estimate_from_dict), out_dir))
    figures.append(save_scan(dhs_scan(rows, "d_hs"), out_dir))
    return figures


def plot_dhs(rows: Sequence[Mapping[str, Any]], path: pathlib.Path, title: str = "") -> pathlib.Path:
    """``mean D_HS`` against ``n`` per embedding (log axis; bars: Student-t interval of the mean
    over data points), with the Haar reference; PNG + PDF + caption (:func:`bpcalc.verify.figures.dhs_scan`)."""
    from .figures import dhs_scan, draw_scan, save_figure

    path = pathlib.Path(path)
    fig, caption = draw_scan(dhs_scan(rows, path.with_suffix("").name, title=title))
    png, _pdf, _txt = save_figure(fig, caption, path)
    return png


def compact_rows(rows: Sequence[Mapping[str, Any]]) -> tuple:
    """Rows of the compact LaTeX table (:func:`bpcalc.verify.report.compact_latex_table`): per
    embedding and n the exact value on the circuit (with its method), the seed paper's closed
    form at the measured D_HS (cited), the sampled interval and the check verdict."""
    from bpcalc.bounds import get_theorem

    from .report import CompactRow

    cite = get_theorem("thanasilp2021.tensor_product_variance").bound("local_cost").citation
    marker = {"exact": "exact", "path-sampled": "path-sampled", "truncated": "truncated"}
    out = []
    for r in rows:
        ex = r.get("exact_circuit")
        out.append(CompactRow(
            (EMBEDDING_NAMES.get(r["embedding"], r["embedding"]), str(r["n"])),
            exact_log10=None if ex is None else (math.log10(ex) if ex > 0 else -math.inf),
            exact_method=marker.get(r.get("exact_circuit_method", "exact"), "exact"),
            closed_form=None if r["bound"] is None or r["bound"] <= 0 else (math.log10(r["bound"]), cite),
            sampled=(r["sampled"], r["ci_low"], r["ci_high"]), verdict=r["verdict"]))
    return tuple(out)


def _summary(rows: Sequence[Mapping[str, Any]], fits: Mapping[str, Any], n_ok: int, agree: int) -> str:
    """The report's opening paragraph, written from the checks and the verdict fits."""
    text = [f"{n_ok} points; bounds, exact values and sampled intervals agree in {agree} of {2 * n_ok} checks."]
    for emb, f in fits.items():
        name = EMBEDDING_NAMES.get(emb, emb)
        if "verdict_normalised" not in f:
            text.append(f"{name}: {f.get('note', 'no fit')}.")
            continue
        dhs = [r["d_hs_mean"] for r in sorted(rows, key=lambda r: r["n"]) if r["embedding"] == emb]
        sent = scaling_sentence(name, f["verdict_normalised"], f.get("verdict"),
                                quantity="the variance divided by r_{n,s} (the data's expressibility)")
        if dhs:
            sent = sent[:-1] + f" (mean D_HS {dhs[0]:.3g} at the smallest n, {dhs[-1]:.3g} at the largest)."
        text.append(sent)
    return " ".join(text)


def report_from_records(records: Sequence[Any], config: Optional[Mapping[str, Any]] = None,
                        out_dir: Optional[str | os.PathLike] = None, timings: Optional[Mapping[str, float]] = None,
                        title: str = "bpcalc demo: dataset-induced barren plateau"):
    """Build the :class:`bpcalc.verify.report.Report` of demo/sweep records (and its figures if
    ``out_dir`` is given)."""
    from bpcalc.bounds import get_theorem

    from .report import Report, Table

    rows = summary_rows(records, "output")
    loss_rows = summary_rows(records, "loss")
    fits = fit_rows(rows)
    figures: Sequence[Any] = ()
    plot_note = None
    if out_dir and rows:
        try:
            figures = _plots(rows, fits, pathlib.Path(out_dir), "mean over data of Var[∂ℓ_i]")
        except ImportError as exc:  # matplotlib is the optional 'plot' extra
            plot_note = f"no figures: {exc} (install bpcalc[plot])"
    table = Table(
        "Per-datapoint gradient variance  mean_i Var[∂_k ℓ_i]",
        ("embedding", "n", "mean D_HS", "Haar D_HS", "bound r·D_HS", "exact (2-design chain)", "exact (circuit)",
         "sampled", "CI low", "CI high", "check"),
        tuple((EMBEDDING_NAMES[r["embedding"]], r["n"], r["d_hs_mean"], r["haar"], r["bound"], r["exact_two_design"],
               r["exact_circuit"], r["sampled"], r["ci_low"], r["ci_high"], r["verdict"]) for r in rows),
        caption="bound: thanasilp2021.tensor_product_variance[local_cost] with the measured mean D_HS; exact "
                "(2-design chain): bounds.exact.two_design; exact (circuit): Pauli paths on the concrete blocks; "
                "sampled: parameter-shift gradients with a bootstrap interval; check: 'agree' when the interval "
                "contains both the bound and the exact circuit value.",
    )
    loss_table = Table(
        "Linear-loss gradient variance  Var[∂_k L],  L = (1/N) Σ_i y_i ℓ_i",
        ("embedding", "n", "bound r·Δ(ρ̄_y)", "exact (2-design chain)", "exact (circuit)", "sampled", "CI low",
         "CI high", "check"),
        tuple((EMBEDDING_NAMES[r["embedding"]], r["n"], r["bound"], r["exact_two_design"], r["exact_circuit"],
               r["sampled"], r["ci_low"], r["ci_high"], r["verdict"]) for r in loss_rows),
        caption="bound: thanasilp2021.tensor_product_linear_loss[local_cost].",
    )
    fit_table = Table(
        "Fitted decay bases  Var ≈ C · b^(−n)",
        ("embedding", "b (sampled)", "± s.e.", "verdict (Var)", "b of Var/r_{n,s}", "± s.e.", "verdict (Var/r_{n,s})",
         "b (bound)", "b (bound / r_{n,s})"),
        tuple((EMBEDDING_NAMES.get(e, e),
               f.get("sampled", {}).get("base"), f.get("sampled", {}).get("base_stderr"),
               f.get("verdict", {}).get("label"),
               f.get("sampled_normalised", {}).get("base"), f.get("sampled_normalised", {}).get("base_stderr"),
               f.get("verdict_normalised", {}).get("label"),
               f.get("bound_base"), f.get("bound_normalised_base"))
              for e, f in fits.items()),
        caption="Weighted least squares of log10 Var against n and the verdict: the one fit and rule, "
                "bpcalc.bounds.scaling.fit_scaling (exponential only when it fits better by Δχ² ≥ 2 with a "
                "significant decay, never from fewer than 4 sizes; 'not decided' otherwise). r_{n,s} = "
                "s·2^{3(s−1)}/(n²(2^{2s}−1)²) carries the 1/n² of the local cost's normalisation, so the base of "
                "Var/r_{n,s} is the decay of the data's expressibility alone: ≈ 1 means no dataset-induced plateau.",
    )
    n_ok = len(rows)
    agree = sum(r["verdict"] == "agree" for r in rows) + sum(r["verdict"] == "agree" for r in loss_rows)
    failed = [rec for rec in records if not getattr(rec, "ok", False)]
    summary = _summary(rows, fits, n_ok, agree)
    notes = [
        "Blocks are declared local 2-designs (Model.two_design_blocks=True); the concrete blocks are "
        "RY-RZ-CZ layers deep enough to be close to one — the ratio exact(circuit)/exact(2-design chain) shows how close.",
    ]
    if plot_note:
        notes.append(plot_note)
    for rec in failed:
        err = (rec.error or "").strip().splitlines()[-1:] or [""]
        notes.append(f"point {rec.point} failed: {err[0]}")
    refused = {}
    for rec in records:
        if getattr(rec, "ok", False):
            for rf in rec.result["output"]["refused"] + rec.result["loss"]["refused"]:
                refused.setdefault(rf["bound"], rf["reason"])
    for name, reason in refused.items():
        notes.append(f"refused bound {name}: {reason}")
    bounds = tuple(
        dataclasses.replace(get_theorem(key).bound(name), name=f"{key}[{name}]")
        for key, name in (("thanasilp2021.tensor_product_variance", "local_cost"),
                          ("thanasilp2021.tensor_product_variance", "haar_data"),
                          ("thanasilp2021.tensor_product_linear_loss", "local_cost"),
                          ("thanasilp2021.data_expressibility", "haar"),
                          ("thanasilp2021.data_expressibility", "product"))
    )
    seeds = {"master": (config or {}).get("seed", 0)}
    for rec in records:
        if getattr(rec, "ok", False):
            st = rec.result["settings"]
            seeds[f"{st['embedding']} n={st['n']} (parameter draws)"] = st["sampling_seed"]
    return Report(
        title=title,
        summary=summary,
        tables=(table, loss_table, fit_table),
        figures=tuple(figures),
        bounds=bounds,
        results={"points": [rec.summary() for rec in records], "fits": fits},
        config=dict(config or {}),
        seeds=seeds,
        timings=dict(timings or {}),
        notes=tuple(notes),
        compact=compact_rows(rows),
        compact_headers=("embedding", "$n$"),
    ), rows, fits


@dataclasses.dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` produced: the report, its files, the table rows and the fits."""

    report: Any
    paths: Mapping[str, pathlib.Path]
    rows: tuple
    fits: Mapping[str, Any]
    elapsed_s: float
    failed: int

    @property
    def ok(self) -> bool:
        return self.failed == 0 and all(r["verdict"] != "violated" for r in self.rows)


def run_demo(config: DemoConfig = DemoConfig(), out_dir: str | os.PathLike = "bpcalc-report", *,
             progress: bool = True, resume: bool = False, force: bool = False) -> DemoResult:
    """Run the demo: points on a local process pool (one record per point in
    ``out_dir/points.jsonl``), fits, plots and the report in ``out_dir``.

    ``resume`` continues an existing ``points.jsonl`` (finished points are not recomputed);
    ``force`` discards it.  Without either, finished results are never overwritten.

    Raises
    ------
    TypeError : ``config`` is not a :class:`DemoConfig`.
    FileExistsError : ``out_dir/points.jsonl`` holds results and neither ``resume`` nor
        ``force`` is set (nothing is computed).
    ValueError : both ``resume`` and ``force``.
    OSError : ``out_dir`` cannot be created.
    """
    from .report import write_report
    from .sweep import check_fresh_output, sweep

    if not isinstance(config, DemoConfig):
        raise TypeError(f"config must be a DemoConfig, got {type(config).__name__}")
    t0 = time.perf_counter()
    out = pathlib.Path(out_dir)
    points = config.points()
    check_fresh_output(out / "points.jsonl", resume=resume, force=force)
    out.mkdir(parents=True, exist_ok=True)
    result = sweep(gradient_variance_point, points, out / "points.jsonl", max_workers=config.workers,
                   resume=resume, overwrite=force, progress=progress, desc="demo points")
    t_points = time.perf_counter() - t0
    t1 = time.perf_counter()
    cfg = dataclasses.asdict(config)
    report, rows, fits = report_from_records(result.records, cfg, out, timings={"points": t_points})
    t_report = time.perf_counter() - t1
    report = dataclasses.replace(report, timings={"points (parallel)": t_points, "fits, plots, report": t_report,
                                                  "total": time.perf_counter() - t0})
    paths = write_report(report, out)
    return DemoResult(report=report, paths=paths, rows=tuple(rows), fits=fits,
                      elapsed_s=time.perf_counter() - t0, failed=len(result.failed))
