"""The dataset-induced barren-plateau experiment: one definition, two configurations.

The seed paper's model (Thanasilp et al., arXiv:2110.14753, the tensor-product QNN): one layer of
``s = 2``-qubit blocks, the local cost ``O_L = (1/n) Σ_j |0⟩⟨0|_j``, a linear loss
``L = (1/N) Σ_i y_i ℓ_i`` on a dataset (scikit-learn's digits, classes 0 and 1, PCA to ``n``
features, or uniform random data), and three data embeddings: tensor-product (TPE),
hardware-efficient with ``n`` layers (HEE) and the classically-hard ZZ feature map (CHE).  The
differentiated parameter ``θ_k`` is the middle rotation of block 0; every block is
``block_depth`` layers of ``RY RZ`` and a CZ, deep enough to be close to a local 2-design on both
sides of ``θ_k`` (the seed paper's assumption, declared with ``Model.two_design_blocks=True``).

An :class:`ExperimentConfig` says which points to compute; :func:`run_experiment` computes them
on a process pool or a Dask scheduler through :func:`bpcalc.verify.sweep.sweep` (one JSON record
per point in ``points.jsonl``, so ``resume=True`` continues a stopped run and ``force=True``
discards it), fits the decay bases with the one fit (:func:`bpcalc.bounds.scaling.fit_scaling`),
draws the figures (:mod:`bpcalc.verify.figures`) and writes the report (:mod:`bpcalc.verify.report`).
The two configurations are

* :meth:`ExperimentConfig.demo` -- ``bpcalc demo``: digits data, sampled points ``n = 4 … 12``;
* :meth:`ExperimentConfig.reproduction` -- ``bpcalc reproduce dataset-induced-bp``: digits and
  uniform data, sampled points ``n = 4 … 16`` (fewer data points and draws above ``n = 12``) and
  exact-only points beyond (state vectors up to ``n = 20`` for the entangling embeddings,
  product states up to ``n = 256`` for TPE; digits allows at most 64 PCA features).

Every point (:func:`experiment_point`) computes, for the per-datapoint quantity
``mean_i Var_θ[∂_k ℓ_i]`` and for the linear loss ``Var_θ[∂_k L]``:

1. **bound** — the seed paper's exact prediction from the theorem registry
   (``thanasilp2021.tensor_product_variance`` → ``r_{n,s} · mean_i D_HS(ρ_i^{(h)}, 1/4)`` and
   ``thanasilp2021.tensor_product_linear_loss`` → ``r_{n,s} · Δ(ρ̄_y^{(h)})``), with the
   dataset expressibility measured on the embedded data (:mod:`bpcalc.bounds.measures`);
2. **exact** — two exact engines (:mod:`bpcalc.bounds.exact`): the 2-design Markov chain (exact
   under the declared assumption: an independent computation of the same number) and Pauli
   paths on the *concrete* circuit (exact for the rotation angles actually drawn);
3. **sampled** (``mode = 'sampled'`` points only) — ``n_draws`` parameter draws on the batched
   state-vector engine with a bootstrap confidence interval
   (:func:`bpcalc.verify.sampling.sample_gradients`);
4. **check** — :func:`bpcalc.verify.check.check` of the bound and of the concrete exact value
   against the sampled interval, and the relative difference between bound and 2-design chain.

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753 (Theorem 2, Fig. 3).
"""

from __future__ import annotations

import dataclasses
import math
import os
import pathlib
import time
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from .stats import VarianceEstimate

__all__ = [
    "DIGITS_MAX_FEATURES",
    "EMBEDDING_NAMES",
    "LAYOUTS",
    "ExperimentConfig",
    "ExperimentResult",
    "build_point_model",
    "experiment_fits",
    "experiment_point",
    "experiment_points",
    "experiment_report",
    "experiment_rows",
    "exact_point",
    "format_summary",
    "gradient_variance_point",
    "run_experiment",
    "scaling_sentence",
]

EMBEDDING_NAMES = {"tpe": "TPE", "hee": "HEE", "che": "CHE"}
LAYOUTS = ("demo", "reproduction")
"""The report layouts: ``'demo'`` (per embedding: per-datapoint and loss tables, decay bases of
the variance and the bound) and ``'reproduction'`` (per dataset and embedding: decay bases of mean
D_HS and the variance, one table of every sampled and exact point)."""
DIGITS_MAX_FEATURES = 64
LARGE_N = 12
"""Sampled points with ``n`` above this use ``large_n_data`` data points and ``large_n_draws`` draws."""
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
_ORDER = {e: i for i, e in enumerate(EMBEDDING_NAMES)}


def _positive_int(name: str, v: Any, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be {'a positive integer' if minimum == 1 else f'an integer >= {minimum}'}, "
                         f"got {v!r}")
    return int(v)


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """What the experiment computes: one configuration (see :meth:`demo`, :meth:`reproduction`).

    Attributes
    ----------
    layout : the report's layout, one of :data:`LAYOUTS`.
    embeddings : ``'tpe'``, ``'hee'``, ``'che'``.
    datasets : ``'digits'``, ``'uniform'`` or another scikit-learn set.
    sampled_ns : ``n`` with sampled variances (multiples of ``block_size``).
    exact_ns : ``n`` with exact values only, for the entangling embeddings (state vectors, ``<= 24``).
    product_ns : ``n`` with exact values only, for TPE (product states; digits is capped at 64).
    n_data, n_draws : data points ``N`` and parameter draws per sampled variance for ``n <= 12``.
    large_n_data, large_n_draws : the same for sampled ``n > 12`` (cost grows like ``2^n``) and
        ``large_n_data`` for the exact-only points (``None``: as for ``n <= 12``).
    block_size, block_depth : the tensor-product QNN's blocks.
    layers : embedding depth: ``'auto'`` (HEE: ``n`` layers, CHE: 1 repetition, TPE: 1), ``'n'`` or an int.
    seed : master seed (data subset, parameter draws, bootstrap).
    confidence : family-wise level of all checks (Bonferroni-adjusted per check, see :func:`experiment_points`).
    workers : local worker processes (default: the number of CPUs).
    """

    layout: str = "demo"
    embeddings: tuple[str, ...] = ("tpe", "hee", "che")
    datasets: tuple[str, ...] = ("digits",)
    sampled_ns: tuple[int, ...] = (4, 6, 8, 10, 12)
    exact_ns: tuple[int, ...] = ()
    product_ns: tuple[int, ...] = ()
    n_data: int = 12
    n_draws: int = 200
    large_n_data: Optional[int] = None
    large_n_draws: Optional[int] = None
    block_size: int = 2
    block_depth: int = 12
    layers: Any = "auto"
    seed: int = 0
    confidence: float = 0.95
    workers: Optional[int] = None

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")
        emb = tuple(str(e).lower() for e in self.embeddings)
        bad = [e for e in emb if e not in EMBEDDING_NAMES]
        if bad or not emb:
            raise ValueError(f"embeddings must be a non-empty subset of {sorted(EMBEDDING_NAMES)}, got {self.embeddings}")
        from bpcalc.circuits.datasets import DATASETS

        datasets = (self.datasets,) if isinstance(self.datasets, str) else tuple(self.datasets)
        if not datasets:
            raise ValueError("datasets must not be empty")
        unknown = [d for d in datasets if d not in (*DATASETS, "uniform")]
        if unknown:
            raise ValueError(f"unknown dataset {', '.join(map(repr, unknown))}; expected one of {(*DATASETS, 'uniform')}")
        for name in ("block_size", "block_depth"):
            _positive_int(name, getattr(self, name))
        for name in ("n_draws", "large_n_draws"):
            v = getattr(self, name)
            if v is not None and _positive_int(name, v) < 10:
                raise ValueError(f"{name} must be >= 10 for a meaningful interval, got {v}")
        for name in ("n_data", "large_n_data"):
            v = getattr(self, name)
            if v is not None and _positive_int(name, v) < 2:
                raise ValueError(f"{name} must be >= 2, got {v}")
        for name in ("sampled_ns", "exact_ns", "product_ns"):
            ns = tuple(int(n) for n in getattr(self, name))
            for n in ns:
                if n < self.block_size or n % self.block_size:
                    raise ValueError(f"every n must be a positive multiple of block_size = {self.block_size}, "
                                     f"got n = {n} in {name}")
            object.__setattr__(self, name, ns)
        if not self.sampled_ns:
            raise ValueError("sampled_ns (ns) must not be empty")
        if max(self.exact_ns, default=0) > 24:
            raise ValueError("exact_ns uses state vectors: n <= 24")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")
        _check_layers(self.layers)
        object.__setattr__(self, "embeddings", emb)
        object.__setattr__(self, "datasets", datasets)

    @classmethod
    def demo(cls, *, ns: Sequence[int] = (4, 6, 8, 10, 12), dataset: str = "digits", **kw) -> "ExperimentConfig":
        """``bpcalc demo``: one dataset, sampled points only (defaults: the README's run).

        ``ns`` and ``dataset`` are the demo's names of ``sampled_ns`` and ``datasets``; other
        keywords are fields of :class:`ExperimentConfig`.

        Examples
        --------
        >>> cfg = ExperimentConfig.demo(ns=(4, 6), embeddings=("tpe",))
        >>> cfg.layout, cfg.ns, cfg.dataset, len(experiment_points(cfg))
        ('demo', (4, 6), 'digits', 2)
        """
        return cls(layout="demo", sampled_ns=tuple(ns), datasets=(dataset,), **kw)

    @classmethod
    def reproduction(cls, **kw) -> "ExperimentConfig":
        """``bpcalc reproduce dataset-induced-bp``: digits and uniform data, sampled points up to
        ``n = 16`` and exact-only points beyond (keywords: fields of :class:`ExperimentConfig`).

        Examples
        --------
        >>> cfg = ExperimentConfig.reproduction()
        >>> cfg.datasets, cfg.sampled_ns[-1], cfg.product_ns[-1]
        (('digits', 'uniform'), 16, 256)
        """
        defaults = dict(layout="reproduction", datasets=("digits", "uniform"), sampled_ns=(4, 6, 8, 10, 12, 14, 16),
                        exact_ns=(18, 20), product_ns=(20, 32, 64, 128, 256), large_n_data=6, large_n_draws=100)
        return cls(**{**defaults, **kw})

    @property
    def ns(self) -> tuple[int, ...]:
        """The sampled sizes (the demo's name of :attr:`sampled_ns`)."""
        return self.sampled_ns

    @property
    def dataset(self) -> str:
        """The first dataset (the demo's single dataset)."""
        return self.datasets[0]

    def points(self) -> list[dict]:
        """The sweep points (:func:`experiment_points`)."""
        return experiment_points(self)


def experiment_points(config: ExperimentConfig) -> list[dict]:
    """The sweep points of ``config``: sampled and exact-only, the most expensive (largest n) first.

    ``config.confidence`` is the family-wise level of all checks: each sampled point's intervals
    use the Bonferroni level ``1 − (1 − confidence) / m`` for the ``m = 2 × sampled points``
    checks (the per-datapoint and the loss variance of every point), with enough bootstrap
    resamples to resolve the tails.
    """
    sampled = [(d, e, n) for d in config.datasets for e in config.embeddings for n in config.sampled_ns]
    m = 2 * len(sampled)
    per_check = 1.0 - (1.0 - config.confidence) / m
    n_boot = int(max(2000, math.ceil(40.0 / (1.0 - per_check))))
    large_data = config.large_n_data or config.n_data
    large_draws = config.large_n_draws or config.n_draws
    pts = []
    for d, e, n in sampled:
        big = n > LARGE_N
        pts.append({"mode": "sampled", "n": n, "embedding": e, "dataset": d, "layers": config.layers,
                    "n_data": large_data if big else config.n_data, "n_draws": large_draws if big else config.n_draws,
                    "seed": config.seed, "block_size": config.block_size, "block_depth": config.block_depth,
                    "confidence": round(per_check, 7), "n_bootstrap": n_boot})
    for d in config.datasets:
        for e in config.embeddings:
            for n in (config.product_ns if e == "tpe" else config.exact_ns):
                if (d == "digits" and n > DIGITS_MAX_FEATURES) or n in config.sampled_ns:
                    continue
                pts.append({"mode": "exact", "n": n, "embedding": e, "dataset": d, "layers": config.layers,
                            "n_data": large_data, "seed": config.seed, "block_size": config.block_size,
                            "block_depth": config.block_depth})
    return sorted(pts, key=lambda p: (-p["n"] if p["mode"] == "sampled" else -min(p["n"], 16)))


# --------------------------------------------------------------------------- one point


def _check_layers(layers: Any) -> None:
    if layers in ("auto", "n"):
        return
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 1:
        raise ValueError(f"layers must be a positive integer, 'n' or 'auto', got {layers!r}")


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
    """The model of one experiment point, and the differentiated parameter (middle of block 0).

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
        raise ValueError(f"an experiment point needs {missing}; got {sorted(point)}")
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
    """Bound, exact and sampled gradient variances, and their check, for one sampled point.

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
    from .backends import blas_threads

    # one BLAS thread per point: points run in parallel processes, and oversubscribed
    # OpenBLAS threads slow a loaded machine down by large factors
    with blas_threads(1):
        return _gradient_variance_point(point)


def _exact_values(model, states, theta, weights, timings: dict):
    """Exact ``Var[∂_θ L]`` of one point two ways: the 2-design chain (exact under the declared
    block assumption) and the Pauli-path engine on the concrete circuit; times go into ``timings``."""
    from bpcalc.bounds.exact import exact_gradient_variance
    from bpcalc.bounds.exact.two_design_tn import design_gradient_variance

    t = time.perf_counter()
    # the support chain or the MPS network, whichever is cheaper (result.method says which)
    chain = design_gradient_variance(model.ansatz, model.observable, states, [theta], weights=weights,
                                     qubits=model.qubits)
    timings["exact_two_design"] = time.perf_counter() - t
    t = time.perf_counter()
    paths = exact_gradient_variance(model.ansatz, model.observable, states, [theta], weights=weights,
                                    qubits=model.qubits)
    timings["exact_circuit"] = time.perf_counter() - t
    return chain, paths


def _gradient_variance_point(point: Mapping[str, Any]) -> dict:
    from bpcalc.bounds import Context, get_theorem
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
    chain, paths = _exact_values(model, states, theta, weights, timings)

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


def _product_d_hs(states, block: Sequence[int]) -> np.ndarray:
    """``Tr ρ_S² − 2^{-s}`` of product states from their Bloch vectors."""
    bloch = np.asarray(states.bloch)  # (N, n, 3)
    purity = np.prod((1.0 + np.sum(bloch[:, list(block), :] ** 2, axis=2)) / 2.0, axis=1)
    return purity - 2.0 ** -len(block)


def exact_point(point: Mapping[str, Any]) -> dict:
    """Exact values only (no sampling): mean D_HS, the registry's prediction (log space),
    the 2-design chain and Pauli paths on the concrete circuit.

    Product data states (TPE) work for hundreds of qubits; entangled ones use state vectors.
    """
    from bpcalc.bounds import get_theorem
    from bpcalc.bounds.exact import ProductStates, dataset_states

    from .backends import blas_threads

    with blas_threads(1):
        timings: dict[str, float] = {}
        t = time.perf_counter()
        model, theta, settings = build_point_model(point)
        n, s = settings["n"], settings["block_size"]
        states = dataset_states(model)
        block = tuple(range(s))
        if isinstance(states, ProductStates):
            d_hs = _product_d_hs(states, block)
        else:
            from bpcalc.bounds.measures import hs_distance_to_maximally_mixed, reduced_density_matrices

            d_hs = hs_distance_to_maximally_mixed(reduced_density_matrices(np.asarray(states.vectors), block))
        timings["data_states"] = time.perf_counter() - t
        y = np.asarray(model.dataset.y, dtype=float)
        weights = y / len(y)
        chain, paths = _exact_values(model, states, theta, weights, timings)
        tpv = get_theorem("thanasilp2021.tensor_product_variance")
        bound = tpv.bound("local_cost").evaluate(n=n, s=s, D_HS=float(np.mean(d_hs)))
        haar = tpv.bound("haar_data").evaluate(n=n, s=s)
        r_ns = s * 2.0 ** (3 * (s - 1)) / (n**2 * (2.0 ** (2 * s) - 1) ** 2)
        return {
            "settings": {**settings, "mode": "exact", "states": type(states).__name__},
            "expressibility": {"block": list(block), "d_hs_mean": float(np.mean(d_hs)),
                               "d_hs_min": float(np.min(d_hs)), "d_hs_max": float(np.max(d_hs)),
                               "haar": (2.0**s - 2.0**-s) / (2.0**n + 1.0), "r_ns": r_ns},
            "output": {"bound": {"value": bound.value, "log10": bound.log10, "scientific": str(bound)},
                       "haar_bound": {"value": haar.value, "log10": haar.log10, "scientific": str(haar)},
                       "exact_two_design": float(np.mean(chain.per_state[0])),
                       "exact_circuit": float(np.mean(paths.per_state[0])),
                       "exact_circuit_method": paths.method},
            "timings": timings,
        }


def experiment_point(point: Mapping[str, Any]) -> dict:
    """The sweep task: ``mode = 'sampled'`` (the default) → :func:`gradient_variance_point`,
    ``'exact'`` → :func:`exact_point`.

    Raises
    ------
    ValueError : an unknown mode, or a bad point (see :func:`build_point_model`).
    """
    mode = point.get("mode", "sampled")
    core = {k: v for k, v in point.items() if k != "mode"}
    if mode == "sampled":
        out = gradient_variance_point(core)
        out["settings"]["mode"] = "sampled"
        return out
    if mode == "exact":
        return exact_point(core)
    raise ValueError(f"mode must be 'sampled' or 'exact', got {mode!r}")


# --------------------------------------------------------------------------- aggregation


def experiment_rows(records: Sequence[Any], quantity: str = "output") -> list[dict]:
    """One row per successful point, sorted by dataset, embedding (TPE, HEE, CHE) and n.

    ``quantity``: ``'output'`` (``mean_i Var[∂_k ℓ_i]``, every point) or ``'loss'`` (the linear
    loss, sampled points only).  Exact-only points have no ``estimate`` (``sampled``, ``ci_low``
    and ``ci_high`` are ``None``).
    """
    if quantity not in ("output", "loss"):
        raise ValueError(f"quantity must be 'output' or 'loss', got {quantity!r}")
    rows = []
    for rec in records:
        if not getattr(rec, "ok", False):
            continue
        r = rec.result
        st = r["settings"]
        if quantity not in r:
            continue  # exact-only points have no loss variance
        q = r[quantity]
        est = q.get("sampled")
        bound = q.get("bound")
        rows.append({
            "mode": st.get("mode", "sampled"),
            "embedding": st["embedding"],
            "dataset": st.get("dataset", "digits"),
            "n": st["n"],
            "layers": st.get("layers"),
            "d_hs_mean": r["expressibility"]["d_hs_mean"],
            "d_hs_ci": r["expressibility"].get("d_hs_ci"),
            "haar": r["expressibility"]["haar"],
            "r_ns": r["expressibility"]["r_ns"],
            "bound": None if not bound else bound["value"],
            "bound_log10": None if not bound else bound["log10"],
            "exact_two_design": q["exact_two_design"],
            "exact_circuit": q["exact_circuit"],
            "exact_circuit_method": q.get("exact_circuit_method", "exact"),
            "estimate": est,
            "sampled": None if not est else est["value"],
            "ci_low": None if not est else est["ci_low"],
            "ci_high": None if not est else est["ci_high"],
            "verdict": q.get("verdict"),
            "loss_verdict": r.get("loss", {}).get("verdict"),
            "n_data": st["n_data"],
            "n_draws": st.get("n_draws"),
            "seconds": rec.elapsed_s,
        })
    return sorted(rows, key=lambda row: (row["dataset"], _ORDER.get(row["embedding"], 9), row["n"]))


def _fit_key(row: Mapping[str, Any], layout: str) -> str:
    return row["embedding"] if layout == "demo" else f"{row['dataset']}/{row['embedding']}"


def _dhs_estimate(row: Mapping[str, Any], confidence: float = 0.95) -> VarianceEstimate:
    """``mean D_HS`` as a VarianceEstimate-shaped value so that :func:`bpcalc.verify.fits.fit_summary`
    can fit it (its interval is the Student-t interval over data points)."""
    ci = row.get("d_hs_ci") or [row["d_hs_mean"] * 0.999, row["d_hs_mean"] * 1.001]
    lo = max(ci[0], row["d_hs_mean"] * 1e-3)
    return VarianceEstimate(row["d_hs_mean"], lo, max(ci[1], row["d_hs_mean"] * 1.0001), confidence,
                            row["n_data"], None, "exact", None, quantity="d_hs")


def experiment_fits(rows: Sequence[Mapping[str, Any]], layout: str = "demo") -> dict[str, dict]:
    """Decay bases with standard errors and the verdicts, every number from the one fit
    (:func:`bpcalc.bounds.scaling.fit_scaling`).

    Keyed by embedding (``layout='demo'``) or ``dataset/embedding`` (``'reproduction'``); each
    entry has, over the sampled points (weighted by their intervals),
    ``sampled`` / ``sampled_normalised`` (the variance and the variance divided by ``r_{n,s}``,
    i.e. the effective ``D_HS``: :func:`bpcalc.verify.fits.fit_summary`), ``verdict`` /
    ``verdict_normalised`` (:func:`bpcalc.verify.fits.fit_estimates`) and ``d_hs`` (mean D_HS);
    over every point (exact values, unweighted) ``d_hs_all_n``, ``bound_base`` and
    ``bound_normalised_base``; or a ``note`` saying why a fit is missing.
    """
    from bpcalc.bounds.scaling import fit_scaling

    from .fits import fit_estimates, fit_summary

    out: dict[str, dict] = {}
    for key in dict.fromkeys(_fit_key(r, layout) for r in rows):
        sel = [r for r in rows if _fit_key(r, layout) == key]
        samp = [r for r in sel if r["mode"] == "sampled" and r["estimate"]]
        entry: dict[str, Any] = {}
        ns = [r["n"] for r in samp]
        if len(set(ns)) < 3:
            entry["note"] = "fewer than 3 values of n: no fit"
        else:
            ests = [VarianceEstimate.from_dict(r["estimate"]) for r in samp]
            norm_ests = [e.scaled(1.0 / r["r_ns"]) for e, r in zip(ests, samp)]
            try:
                entry["sampled"] = fit_summary(ns, ests)
                entry["sampled_normalised"] = fit_summary(ns, norm_ests)
                entry["verdict"] = fit_estimates(ns, ests).to_dict()
                entry["verdict_normalised"] = fit_estimates(ns, norm_ests).to_dict()
            except ValueError as exc:
                entry["note"] = str(exc)
            try:
                entry["d_hs"] = fit_summary(ns, [_dhs_estimate(r) for r in samp])
            except ValueError as exc:
                entry["d_hs"] = {"note": str(exc)}
        bounds = [r for r in sel if r["bound"] is not None and r["bound"] > 0]
        if len({r["n"] for r in bounds}) >= 3:
            x = [r["n"] for r in bounds]
            lg = np.array([r["bound_log10"] if r["bound_log10"] is not None else math.log10(r["bound"])
                           for r in bounds])
            entry["bound_base"] = float(fit_scaling(x, log10_values=lg).base)
            entry["bound_normalised_base"] = float(
                fit_scaling(x, log10_values=lg - np.log10([r["r_ns"] for r in bounds])).base)
        allx = [r for r in sel if r["d_hs_mean"] > 0]
        if len({r["n"] for r in allx}) >= 3:
            x = [r["n"] for r in allx]
            f = fit_scaling(x, log10_values=np.log10([r["d_hs_mean"] for r in allx]))
            entry["d_hs_all_n"] = {"base": f.base, "base_stderr": f.base_se, "n_range": [min(x), max(x)],
                                   "unweighted": True}
        out[key] = entry
    return out


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


def _figures(rows: Sequence[Mapping[str, Any]], out: pathlib.Path, layout: str = "demo"):
    """(a) mean D_HS per dataset and (b) the variance of each embedding per dataset
    (:mod:`bpcalc.verify.figures`); returns the report's Figures (captions define every bar and
    list what is not drawn).  File names: ``d_hs``, ``variance_<embedding>`` (demo layout) or
    ``d_hs_<dataset>``, ``variance_<dataset>_<embedding>`` (reproduction layout)."""
    from .figures import dhs_scan, experiment_variance_scan, save_scan

    figures = []
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    if layout == "demo":
        for emb in dict.fromkeys(r["embedding"] for r in rows):
            sel = [r for r in rows if r["embedding"] == emb]
            figures.append(save_scan(experiment_variance_scan(sel, f"variance_{emb}", emb,
                                                              estimate_from_dict=VarianceEstimate.from_dict), out))
        figures.append(save_scan(dhs_scan(rows, "d_hs"), out))
        return figures
    for ds in datasets:
        sel = [r for r in rows if r["dataset"] == ds and r["n"] <= 24]  # TPE's product-state points beyond: table
        figures.append(save_scan(dhs_scan(sel, f"d_hs_{ds}", title=f"(a) data expressibility, {ds} data"), out))
    for ds in datasets:
        for emb in dict.fromkeys(r["embedding"] for r in rows):
            sel = [r for r in rows if r["dataset"] == ds and r["embedding"] == emb]
            if not any(r["mode"] == "sampled" and r["estimate"] for r in sel):
                continue
            sel = [dict(r, estimate=r["estimate"] if r["mode"] == "sampled" else None) for r in sel]
            scan = experiment_variance_scan(sel, f"variance_{ds}_{emb}", emb, ds,
                                            title=f"(b) {EMBEDDING_NAMES[emb]}, {ds} data",
                                            estimate_from_dict=VarianceEstimate.from_dict)
            figures.append(save_scan(scan, out))
    return figures


def compact_rows(rows: Sequence[Mapping[str, Any]], layout: str = "demo") -> tuple:
    """Rows of the compact LaTeX table (:func:`bpcalc.verify.report.compact_latex_table`): per
    (dataset,) embedding and n the exact value on the circuit (with its method), the seed paper's
    closed form at the measured D_HS (cited), the sampled interval and the check verdict."""
    from bpcalc.bounds import get_theorem

    from .report import CompactRow

    cite = get_theorem("thanasilp2021.tensor_product_variance").bound("local_cost").citation
    marker = {"exact": "exact", "path-sampled": "path-sampled", "truncated": "truncated"}
    out = []
    for r in rows:
        ex = r.get("exact_circuit")
        est = r.get("estimate")
        if r.get("bound_log10") is not None:
            closed = (r["bound_log10"], cite)
        else:
            closed = None if r.get("bound") is None or r["bound"] <= 0 else (math.log10(r["bound"]), cite)
        key = (EMBEDDING_NAMES.get(r["embedding"], r["embedding"]), str(r["n"]))
        out.append(CompactRow(
            key if layout == "demo" else (r["dataset"], *key),
            exact_log10=None if ex is None else (math.log10(ex) if ex > 0 else -math.inf),
            exact_method=marker.get(r.get("exact_circuit_method", "exact"), "exact"),
            closed_form=closed,
            sampled=None if not est else (est["value"], est["ci_low"], est["ci_high"]),
            verdict=r.get("verdict") or ""))
    return tuple(out)


def _demo_summary(rows: Sequence[Mapping[str, Any]], fits: Mapping[str, Any], n_ok: int, agree: int) -> str:
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


def _demo_report(records: Sequence[Any], config: Optional[Mapping[str, Any]] = None,
                 out_dir: Optional[str | os.PathLike] = None, timings: Optional[Mapping[str, float]] = None,
                 title: str = "bpcalc demo: dataset-induced barren plateau"):
    from bpcalc.bounds import get_theorem

    from .report import Report, Table

    rows = experiment_rows(records, "output")
    loss_rows = experiment_rows(records, "loss")
    fits = experiment_fits(rows, "demo")
    figures: Sequence[Any] = ()
    plot_note = None
    if out_dir and rows:
        try:
            figures = _figures(rows, pathlib.Path(out_dir), "demo")
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
    summary = _demo_summary(rows, fits, n_ok, agree)
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
            for rf in rec.result["output"].get("refused", []) + rec.result.get("loss", {}).get("refused", []):
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
            if "sampling_seed" in st:
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
        compact=compact_rows(rows, "demo"),
        compact_headers=("embedding", "$n$"),
    ), rows, fits


def _scaling_sentences(rows) -> list[str]:
    """Per dataset and embedding: how Var / r_{n,s} scales over the sampled sizes, from the one
    verdict rule (:func:`scaling_sentence`), never written ahead of the fits."""
    from .fits import fit_estimates

    out = []
    for ds in dict.fromkeys(r["dataset"] for r in rows):
        for emb in dict.fromkeys(r["embedding"] for r in rows):
            samp = [r for r in rows if r["dataset"] == ds and r["embedding"] == emb and r["mode"] == "sampled"
                    and r["estimate"]]
            if len({r["n"] for r in samp}) < 3:
                continue
            ests = [VarianceEstimate.from_dict(r["estimate"]) for r in samp]
            ns = [r["n"] for r in samp]
            try:
                norm = fit_estimates(ns, [e.scaled(1.0 / r["r_ns"]) for e, r in zip(ests, samp)])
                raw = fit_estimates(ns, ests)
            except ValueError as exc:
                out.append(f"{ds} {EMBEDDING_NAMES[emb]}: no fit ({exc}).")
                continue
            out.append(scaling_sentence(f"{EMBEDDING_NAMES[emb]} ({ds} data)", norm.to_dict(), raw.to_dict(),
                                        quantity="Var/r_{n,s}"))
    return out


def _reproduction_report(records, config: ExperimentConfig, out: Optional[pathlib.Path], timings: Mapping[str, float]):
    from bpcalc.bounds import get_theorem

    from .report import Report, Table

    rows = experiment_rows(records, "output")
    fit = experiment_fits(rows, "reproduction")
    figures: Sequence[Any] = ()
    notes = []
    if rows and out is not None:
        try:
            figures = _figures(rows, out, "reproduction")
        except ImportError as exc:  # matplotlib is the optional 'plot' extra
            notes.append(f"no figures: {exc} (install bpcalc[plot])")
    data_table = Table(
        "All points: mean over data of Var[∂_k ℓ_i]",
        ("dataset", "embedding", "n", "mode", "mean D_HS", "Haar D_HS", "prediction r·D_HS", "exact (2-design chain)",
         "exact (circuit)", "sampled", "CI low", "CI high", "check"),
        tuple((r["dataset"], EMBEDDING_NAMES[r["embedding"]], r["n"], r["mode"], r["d_hs_mean"], r["haar"],
               r["bound"] if r["bound"] is not None else None, r["exact_two_design"], r["exact_circuit"],
               r["estimate"]["value"] if r["estimate"] else None,
               r["estimate"]["ci_low"] if r["estimate"] else None,
               r["estimate"]["ci_high"] if r["estimate"] else None, r["verdict"] or "—") for r in rows),
        caption="prediction: thanasilp2021.tensor_product_variance[local_cost] at the measured mean D_HS (evaluated "
                "in log space); exact (2-design chain): bounds.exact.two_design; exact (circuit): Pauli paths on the "
                "concrete RY-RZ-CZ blocks; sampled: parameter shift with a Bonferroni-adjusted bootstrap interval.",
    )

    def g(f: Mapping, key: str, field: str):
        return f.get(key, {}).get(field)

    fit_table = Table(
        "Fitted decay bases b (value ≈ C · b^(−n)) with standard errors",
        ("dataset", "embedding", "b of mean D_HS", "± s.e.", "b of Var", "± s.e.", "b of Var / r_{n,s}", "± s.e.",
         "b of mean D_HS (all n, exact)", "n range"),
        tuple((k.split("/")[0], EMBEDDING_NAMES[k.split("/")[1]], g(f, "d_hs", "base"), g(f, "d_hs", "base_stderr"),
               g(f, "sampled", "base"), g(f, "sampled", "base_stderr"),
               g(f, "sampled_normalised", "base"), g(f, "sampled_normalised", "base_stderr"),
               g(f, "d_hs_all_n", "base"), "–".join(map(str, g(f, "d_hs_all_n", "n_range") or [])))
              for k, f in fit.items()),
        caption="Weighted fits over the sampled range (bpcalc.bounds.scaling.fit_scaling, the one fit); the last "
                "columns fit log10 mean D_HS over every n including the exact-only points (unweighted). A base ≈ 1 is flat; the Haar value "
                "decays with base 2.",
    )
    n_s = sum(r["mode"] == "sampled" for r in rows)
    agree = sum(r["verdict"] == "agree" for r in rows) + sum(r["loss_verdict"] == "agree" for r in rows)
    summary = (
        f"{len(rows)} points ({n_s} sampled, {len(rows) - n_s} exact only); in the sampled points the registry's "
        f"prediction, the exact values and the sampled intervals agree in {agree} of {2 * n_s} checks "
        f"(family-wise level {config.confidence:g})."
    )
    summary += " " + " ".join(_scaling_sentences(rows))
    fitted = []
    for k, f in fit.items():
        if "base" in f.get("d_hs", {}):
            ds, emb = k.split("/")
            fitted.append(f"{ds} {EMBEDDING_NAMES[emb]} {f['d_hs']['base']:.2f} ± {f['d_hs']['base_stderr']:.2f}")
    if fitted:
        summary += (" Fitted decay base of mean D_HS over the sampled range (the Haar value has base 2): "
                    + "; ".join(fitted) + ".")
    bounds = tuple(dataclasses.replace(get_theorem(k).bound(b), name=f"{k}[{b}]")
                   for k, b in (("thanasilp2021.tensor_product_variance", "local_cost"),
                                ("thanasilp2021.tensor_product_variance", "haar_data"),
                                ("thanasilp2021.data_expressibility", "haar"),
                                ("thanasilp2021.data_expressibility", "product")))
    if "hee" in config.embeddings:
        notes.append(
            "HEE is circuits.hardware_efficient_embedding: RX(x_j) rotations and a CNOT ring in brick moments, "
            "the same data re-uploaded in every layer (L = n). The ring matters: with an open CNOT chain the "
            "embedded states are phase states in the X basis that never scramble the end qubit, and the mean "
            "D_HS stays far above the Haar value (0.116 against 0.0146 at n = 8); with the ring it follows the "
            "Haar value (2^s - 2^-s)/(2^n + 1), base 2. CHE (one repetition) is a phase state in the Z basis "
            "whose pairwise angles x_i·x_j randomise the phases; with one repetition it stays above the Haar value.")
    if any(r["dataset"] == "uniform" and r["embedding"] == "che" for r in rows):
        notes.append(
            "For uniform data the per-point D_HS of CHE is heavy-tailed (the off-diagonal elements of the "
            "reduced state are products of n − 2 factors |cos(c_j/2)|), so the mean over a few data points "
            "typically lies below the ensemble mean; prediction, exact values and samples use the same data "
            "points and agree regardless.")
    notes += [f"point {rec.point} failed: {((rec.error or '').strip().splitlines() or [''])[-1]}"
              for rec in records if not rec.ok]
    return Report(
        title="Reproduction: dataset-induced barren plateaus (Thanasilp et al., arXiv:2110.14753)",
        summary=summary, tables=(fit_table, data_table), figures=tuple(figures), bounds=bounds,
        results={"points": [rec.summary() for rec in records], "fits": fit},
        config=dataclasses.asdict(config), seeds={"master": config.seed}, timings=dict(timings), notes=tuple(notes),
        compact=compact_rows(rows, "reproduction"), compact_headers=("data", "embedding", "$n$"),
    ), rows, fit


def experiment_report(records: Sequence[Any], config: ExperimentConfig | Mapping[str, Any] | None = None,
                      out_dir: Optional[str | os.PathLike] = None, timings: Optional[Mapping[str, float]] = None,
                      title: Optional[str] = None):
    """The :class:`bpcalc.verify.report.Report` of the experiment's point records (and its figures
    if ``out_dir`` is given), in the layout of ``config`` (a mapping, e.g. a sweep's settings,
    gets the demo layout); returns ``(report, rows, fits)``."""
    out = None if out_dir is None else pathlib.Path(out_dir)
    if isinstance(config, ExperimentConfig) and config.layout == "reproduction":
        return _reproduction_report(records, config, out, dict(timings or {}))
    cfg = dataclasses.asdict(config) if isinstance(config, ExperimentConfig) else config
    return _demo_report(records, cfg, out, timings, **({"title": title} if title else {}))


@dataclasses.dataclass(frozen=True)
class ExperimentResult:
    """What :func:`run_experiment` produced: the report, its files, the table rows and the fits."""

    report: Any
    paths: Mapping[str, pathlib.Path]
    rows: tuple
    fits: Mapping[str, Any]
    elapsed_s: float
    failed: int

    @property
    def ok(self) -> bool:
        """No point failed and no check reported a violated bound."""
        return self.failed == 0 and all(r["verdict"] != "violated" for r in self.rows)


def run_experiment(config: ExperimentConfig, out_dir: str | os.PathLike, *, scheduler: Any = None,
                   resume: bool = False, force: bool = False, progress: bool = True) -> ExperimentResult:
    """Run the experiment of ``config``: points on a local process pool or a Dask ``scheduler``
    (one record per point in ``out_dir/points.jsonl``), fits, figures and the report in ``out_dir``.

    ``resume`` continues an existing ``points.jsonl`` (finished points are not recomputed);
    ``force`` discards it.  Without either, finished results are never overwritten.

    Raises
    ------
    TypeError : ``config`` is not an :class:`ExperimentConfig`.
    FileExistsError : ``out_dir/points.jsonl`` holds results and neither ``resume`` nor
        ``force`` is set (nothing is computed).
    ValueError : both ``resume`` and ``force``; an unreachable scheduler address.
    OSError : ``out_dir`` cannot be created.
    """
    from .report import write_report
    from .sweep import check_fresh_output, check_scheduler_reachable, sweep

    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"config must be an ExperimentConfig (DemoConfig / ReproductionConfig), got "
                        f"{type(config).__name__}")
    t0 = time.perf_counter()
    out = pathlib.Path(out_dir)
    points = experiment_points(config)
    check_fresh_output(out / "points.jsonl", resume=resume, force=force)
    if isinstance(scheduler, str):
        check_scheduler_reachable(scheduler)
    out.mkdir(parents=True, exist_ok=True)
    result = sweep(experiment_point, points, out / "points.jsonl", scheduler=scheduler, max_workers=config.workers,
                   resume=resume, overwrite=force, progress=progress, desc=f"{config.layout} points")
    t_points = time.perf_counter() - t0
    t1 = time.perf_counter()
    report, rows, fits = experiment_report(result.records, config, out, timings={"points": t_points})
    t_report = time.perf_counter() - t1
    report = dataclasses.replace(report, timings={"points (parallel)": t_points, "fits, plots, report": t_report,
                                                  "total": time.perf_counter() - t0})
    paths = write_report(report, out)
    return ExperimentResult(report=report, paths=paths, rows=tuple(rows), fits=fits,
                            elapsed_s=time.perf_counter() - t0, failed=len(result.failed))
