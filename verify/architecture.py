"""Sanity-check an architecture: per-parameter trainability reports, families, comparisons.

What an author choosing an ansatz needs, from *their* circuit:

* :func:`analyze_architecture` — load a circuit (QASM / Cirq JSON / factory, see
  :mod:`bpcalc.bounds.from_files`), run :func:`bpcalc.bounds.analysis.analyze`, and attach to its
  typed report, per trainable parameter: light-cone width and depth, which
  theorems apply (with their values) and which are refused (with the failed assumption),
  the exact variance where the exact engine applies, a sampled estimate on request, and a
  verdict with its evidence.  Parameters are grouped by block (tagged circuits), by layer
  (``<name>_<layer>_…`` symbols) or by the moment of their gate;
* :func:`family_scaling` — scaling in ``n`` is only claimed for a *family* (a function of
  ``n``): the variances at several ``n`` are fitted (exponential base with its standard
  error against a power law) and the fit is stated;
* :func:`compare_architectures` — several architectures side by side over a range of ``n``
  (:class:`Comparison`: a table, fits, and :func:`plot_comparison`).

One job per module, all re-exported here: :mod:`~bpcalc.verify.architectures` (named families,
qubit counts, parameter groups), :mod:`~bpcalc.verify.architecture_report` (the report types and
their renderings), :mod:`~bpcalc.verify.families` (``--family`` scans, sampled where the exact
engine refuses), :mod:`~bpcalc.verify.comparison` (``bpcalc compare``); this module assembles the
report of one circuit from :func:`bpcalc.bounds.analysis.analyze`'s typed report.  The numbers come
from :mod:`bpcalc.bounds` (exact engines, :mod:`bpcalc.bounds.family`, the one verdict rule).

Built-in architectures (:data:`BUILTIN_ARCHITECTURES`; every one is a ``cirq.Circuit`` from
:mod:`circuits` with RY/RZ rotations and CZ entanglers):

========  =========================================================  ================
name      circuit                                                    observable
========  =========================================================  ================
hea       hardware-efficient, CZ chain, ``L = n`` layers (deep)       local
hea-log   hardware-efficient, CZ chain, ``L = ceil(log2 n)`` layers   local
ala       alternating layered, 2-qubit blocks, ``L = ceil(log2 n)``   local
tpa       tensor-product (one layer of 2-qubit blocks, depth 2)       local
qcnn      QCNN (n a power of two), output qubit 0                     Z0
========  =========================================================  ================

``local`` is the seed paper's ``(1/n) Σ_j |0⟩⟨0|_j``.  Any ``module:function`` (or
``file.py:function``) taking ``n`` is a family too.

The compared quantity is ``Var_θ[∂C/∂θ]`` of one parameter — the *first* trainable
parameter in circuit order by default (McClean et al.'s ``θ_1``), or the largest /
mean over all parameters — computed by the exact Pauli-path engine (enumeration, or
unbiased path sampling with a confidence interval when too many Pauli pairs are needed).

References
----------
.. [1] J. R. McClean et al., "Barren plateaus in quantum neural network training
   landscapes", Nat. Commun. 9, 4812 (2018), arXiv:1803.11173 (Fig. 3: variance of
   ``∂_{θ_1} E`` vs ``n``; deep HEA).
.. [2] M. Cerezo et al., "Cost function dependent barren plateaus in shallow parametrized
   quantum circuits", arXiv:2001.00550 (ALA; ``L = O(log n)`` with local cost).
.. [3] A. Pesah et al., "Absence of barren plateaus in quantum convolutional neural
   networks", arXiv:2011.02966.
.. [4] S. Thanasilp et al., arXiv:2110.14753 (tensor-product QNN; the model).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc import circuits
from bpcalc.bounds.family import PARAMETER_CHOICES, VariancePoint
from bpcalc.bounds.from_files import (
    PreparedModel, classify_operation, exponent_convention_note, load_user_circuit, prepare_model,
)

from .architecture_report import ArchitectureReport, GateRow, GroupSummary, family_consistency, gate_table
from .architectures import BUILTIN_ARCHITECTURES, Architecture, parameter_groups, parse_qubits, resolve_architecture
from .check import check
from .comparison import Comparison, compare_architectures, plot_comparison, variance_at
from .families import FamilyScaling, as_sampled, draw_estimates, family_scaling
from .fits import ScalingFit, fit_estimates, fit_scaling

__all__ = [
    "Architecture",
    "BUILTIN_ARCHITECTURES",
    "PARAMETER_CHOICES",
    "parse_qubits",
    "resolve_architecture",
    "parameter_groups",
    "ScalingFit",
    "fit_scaling",
    "fit_estimates",
    "VariancePoint",
    "variance_at",
    "GateRow",
    "GroupSummary",
    "FamilyScaling",
    "ArchitectureReport",
    "analyze_architecture",
    "circuit_qubits",
    "select_theorems",
    "family_scaling",
    "Comparison",
    "compare_architectures",
    "plot_comparison",
]


def _not_differentiable(pm: PreparedModel) -> dict[str, str]:
    """``{trainable name: reason}`` for parameters whose gate no gradient rule differentiates
    (u3, controlled rotations, FSim … carrying the symbol).  The other parameters of the same
    circuit can still be sampled: those gates are simulated at the drawn angles."""
    trainable = set(pm.model.trainable_symbols)
    data = set(getattr(pm, "data", ()) or ())
    out: dict[str, str] = {}
    for m, moment in enumerate(pm.model.ansatz):
        for op in moment:
            syms = cirq.parameter_symbols(op) & trainable
            if not syms:
                continue
            support = classify_operation(op, trainable, data, m)
            if not support.sampling:
                for sym in sorted(syms, key=lambda x: x.name):
                    out.setdefault(sym.name, f"its gate {support.gate} (moment {m}): {support.reason}")
    return out


def select_theorems(registry=None, only: Sequence[str] = (), skip: Sequence[str] = ()):
    """The registry (default: every registered theorem) restricted by glob patterns of keys.

    Raises
    ------
    ValueError : the patterns leave no theorem (the message lists the keys).
    """
    import fnmatch

    from bpcalc.bounds.registry import Registry, default_registry

    base = registry if registry is not None else default_registry()
    if not only and not skip:
        return base
    keys = [k for k in base if (not only or any(fnmatch.fnmatchcase(k, p) for p in only))
            and not any(fnmatch.fnmatchcase(k, p) for p in skip)]
    if not keys:
        raise ValueError(f"no registered theorem is left by --theorems {list(only)} / --skip-theorems {list(skip)}; "
                         f"known: {list(base)}")
    return Registry([base[k] for k in keys])


def _describe_op(op: cirq.Operation) -> str:
    rot = circuits.as_pauli_rotation(op)
    if rot is not None:
        letters = "".join(str(p) for p in rot.pauli.values())
        qs = ",".join(str(getattr(q, "x", q)) for q in rot.pauli.qubits)
        return f"R{letters}({sympy.sstr(rot.angle)}) on {qs}"
    return str(op.untagged if isinstance(op, cirq.TaggedOperation) else op)


def analyze_architecture(
    source: str | Path | cirq.AbstractCircuit,
    observable: object = "local",
    *,
    trainable: Sequence[str] | str | None = None,
    data: Sequence[str] | str | None = ("x_*",),
    embedding: Optional[str] = None,
    embedding_layers: Any = 1,
    dataset: Optional[str | circuits.Dataset] = None,
    n_data: Optional[int] = 32,
    data_seed: int = 0,
    loss: str = "linear",
    two_design_blocks: bool = False,
    sample: Optional[int] = None,
    sample_engine: str = "own",
    seed: int = 0,
    family: Optional[str] = None,
    qubits: Optional[str | Sequence[int]] = None,
    family_method: str = "auto",
    theorems: bool = True,
    exact: bool = True,
    registry=None,
    only_theorems: Sequence[str] = (),
    skip_theorems: Sequence[str] = (),
    declared: Sequence[str] = (),
    factory_kwargs: Optional[dict] = None,
    name: str = "",
    exponent_symbols: str = "angle",
    label_column: str | int | None = None,
    memory_limit=None,
    init=None,
    noise=None,
) -> ArchitectureReport:
    """Per-parameter trainability report of a user's circuit.

    Parameters
    ----------
    source : ``.qasm`` / ``.json`` file, ``module:function`` factory, or a ``cirq.Circuit``.
    observable : ``"local"``, ``"global"``, ``"local-z"``, a Pauli-sum string or a PauliSum.
    trainable, data : glob patterns of the symbol roles (see
        :func:`bpcalc.bounds.from_files.prepare_model`).
    embedding, embedding_layers, dataset, n_data, data_seed : an optional built-in embedding
        and dataset for the dataset-dependent results.  ``embedding_layers`` is an int or a
        count of ``n`` with an ``.at(n)`` method (``bpcalc.verify.commands._args.Layers('n')`` /
        ``Layers('log')``), resolved at the circuit's qubit count once it is read.  A circuit with data symbols and no
        ``dataset`` gets ``n_data`` uniform random points (said in the notes).
    loss, two_design_blocks, declared : passed to the model / :func:`bpcalc.bounds.analysis.analyze`.
    sample : also estimate every variance from this many parameter draws
        (:func:`bpcalc.verify.sampling.sample_gradient_variance`, engine ``sample_engine``).
    seed : seed of the sampling, of path sampling and of the bootstrap intervals.
    family, qubits, family_method : fit the scaling over a family ``module:function`` of
        ``n`` at the sizes ``qubits`` (:func:`family_scaling`).  Without a family no
        scaling is claimed.
    theorems : evaluate the registered theorems (:func:`bpcalc.bounds.analysis.analyze`); ``False``
        keeps light cones, exact gradient variances and the exact loss variance ``Var[C]`` (faster).
    exact : compute exact variances where the exact engine applies.
    registry : theorem registry (default: all registered theorems).
    only_theorems, skip_theorems : glob patterns of theorem keys to keep / to leave out
        (e.g. ``skip_theorems=["mcclean2018.*"]``: exact 2-design checks cost time exponential in n).
    factory_kwargs : arguments of a factory ``source`` (e.g. ``{"n": 6}``).
    init, noise : initialization distribution (``'gaussian:0.1'``, ``'uniform:A'``) and noise
        (``cirq.depolarize(0.01)`` or a ``cirq.NoiseModel``) of the exact values
        (:func:`bpcalc.bounds.analysis.analyze`); the theorems are then refused.

    Returns
    -------
    ArchitectureReport : the typed :class:`bpcalc.bounds.analysis.Analysis` (with the sampled estimates,
        their bound checks and the family attached) and the circuit's description.

    Raises
    ------
    FileNotFoundError, ValueError, TypeError : bad input (see :func:`prepare_model`), an
        unknown family, a family the exact engine cannot fit.
    """
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 1):
        raise ValueError(f"sample must be a positive number of parameter draws (or None), got {sample!r}")
    if sample is not None and isinstance(sample_engine, str):
        from .backends import BACKENDS

        if sample_engine not in BACKENDS:
            raise ValueError(f"unknown sampling engine {sample_engine!r}; expected one of {BACKENDS}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    layers = embedding_layers
    if not isinstance(layers, (int, np.integer)) or isinstance(layers, bool):
        if not callable(getattr(layers, "at", None)):
            raise TypeError(f"embedding_layers must be an int or a layer count of n with an .at(n) method "
                            f"(bpcalc.verify.commands._args.Layers('n' / 'log')), got {layers!r}")
        # 'n' / 'log': the file's size is known once it is read
        layers = int(layers.at(circuit_qubits(source, factory_kwargs)))
    pm = prepare_model(
        source, observable, trainable=trainable, data=data, embedding=embedding,
        embedding_layers=int(layers), dataset=dataset, n_data=n_data, data_seed=data_seed, loss=loss,
        two_design_blocks=two_design_blocks, name=name, factory_kwargs=factory_kwargs, label_column=label_column,
    )
    default_data_note = ""
    if dataset is None and pm.data:
        # variances of a QML model are averages over data: without a dataset, use uniform random data
        # (bound to the model prepared above: the circuit is loaded and prepared once)
        dataset = "uniform"
        n_features = circuits.Model.n_features_of(pm.model.embedding)
        data_obj = circuits.make_dataset(dataset, n_features, n_samples=n_data, seed=data_seed)
        pm = dataclasses.replace(
            pm, model=dataclasses.replace(pm.model, dataset=data_obj),
            notes=tuple(pm.notes) + (f"dataset {dataset}: {data_obj.n_samples} points, {n_features} features, "
                                     f"seed {data_seed}",))
        default_data_note = (f"no --dataset given: uniform random data on [0, 2π) ({pm.model.dataset.n_samples} points, "
                             f"seed {data_seed}) for the {len(pm.data)} data symbol(s)")
    model = pm.model
    timings["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    from bpcalc.bounds.analysis import analyze

    registry = select_theorems(registry, only_theorems, skip_theorems) if theorems else None
    # one typed report; without theorems: light cones, exact gradient variances and Var[C] only
    analysis = analyze(model, registry=registry, declared=declared, exact=exact, rng=np.random.default_rng(seed),
                       exponent_symbols=exponent_symbols, memory_limit=memory_limit, init=init, noise=noise,
                       theorems=theorems)
    timings["theorems" if theorems else "structure"] = time.perf_counter() - t1
    skipped = _not_differentiable(pm)  # per parameter: no gradient rule for its gate
    sampled: dict = {}
    sample_note = ""
    if sample:
        t2 = time.perf_counter()
        bad = [b for b in pm.unsupported("sampling") if b.role != "trainable"]
        wanted = [sym for sym in model.trainable_symbols if sym.name not in skipped]
        if bad:
            sample_note = f"no sampled estimates: the samplers do not accept {bad[0].operation} ({bad[0].reason})"
        elif wanted:
            try:
                estimates = draw_estimates(model, int(sample), seed, sample_engine, wanted if skipped else "all")
            except ValueError as exc:
                sample_note = f"no sampled estimates: {exc}"
            else:
                sampled = {e.parameter: as_sampled(e) for e in estimates}
                analysis = analysis.with_samples(sampled, _bound_checks(analysis, estimates))
        timings["sampling"] = time.perf_counter() - t2
    fam = None
    if family is not None:
        if qubits is None:
            raise ValueError("--family needs --qubits (e.g. 4..12:2): the sizes at which the family is evaluated")
        t3 = time.perf_counter()
        fam = family_scaling(
            family, qubits, observable if isinstance(observable, str) else str(observable), method=family_method,
            seed=seed, trainable=trainable, data=data, embedding=embedding, embedding_layers=embedding_layers,
            dataset=dataset if isinstance(dataset, str) or dataset is None else None, n_data=n_data,
            data_seed=data_seed, loss=loss, two_design_blocks=two_design_blocks, sample=sample,
            sample_engine=sample_engine,
        )
        analysis = analysis.with_family(fam.scan)
        timings["family"] = time.perf_counter() - t3
    groups = parameter_groups(model.ansatz, model.trainable_symbols)
    uses: dict[str, list[str]] = {}
    for op in model.ansatz.all_operations():
        for s in cirq.parameter_symbols(op):
            uses.setdefault(s.name, []).append(_describe_op(op))
    params = []
    for p in analysis.parameters:
        why = ""
        if p.parameter in skipped and p.structure.in_cone and p.exact is None:
            why = f"no value: {skipped[p.parameter]}"
        elif p.exact is None and exact and skipped and p.structure.in_cone:
            others = ", ".join(sorted(skipped))
            why = (f"no exact value: the exact engine would have to average over {others}, whose gate it cannot "
                   "handle" + ("; the sampled value stands in" if p.parameter in sampled
                               else "" if sample else "; pass --sample N for a sampled value"))
        params.append(dataclasses.replace(p, group=groups[p.parameter], gates=tuple(uses.get(p.parameter, ())),
                                          note=why))
    analysis = dataclasses.replace(analysis, parameters=tuple(params))
    engine_note = [f"exact values with initialization {init}" * (init is not None)
                   + (" and " if init is not None and noise is not None else "")
                   + (f"noise {noise} after every moment on every qubit" if noise is not None else "")]
    notes = (list(pm.notes) + [n for n in engine_note if n] + ([default_data_note] if default_data_note else [])
             + ([sample_note] if sample_note else [])
             + list(analysis.measures.notes) + [f"{p.parameter}: {p.note}" for p in params if p.note])
    if fam is not None:
        notes += family_consistency(fam, params, model.n_qubits)
    missing = {p.exact_note for p in params if p.exact is None and p.exact_note
               and any(w in p.exact_note for w in ("refused", "failed", "not "))}
    notes += [f"exact variances: {n}" for n in sorted(missing)]
    if sampled:
        q = next(iter(sampled.values())).quantity
        notes.append("sampled Var is " + ("the mean over data points of Var[∂ℓ_i]" if q == "output" else "Var[∂C]"))
    exponent_note = exponent_convention_note(model.circuit, model.trainable_symbols, exponent_symbols)
    if exponent_note:
        notes.append(exponent_note)
    timings["total"] = time.perf_counter() - t0
    obs_text = observable if isinstance(observable, str) else str(model.observable)
    config = {
        "source": pm.source, "observable": obs_text, "trainable": trainable, "data": data, "embedding": embedding,
        "embedding_layers": str(embedding_layers), "embedding_layers_resolved": int(layers),
        "dataset": dataset if not isinstance(dataset, circuits.Dataset) else dataset.name,
        "n_data": n_data, "loss": loss, "sample": sample, "sample_engine": sample_engine, "family": family,
        "qubits": None if qubits is None else list(parse_qubits(qubits)), "theorems": theorems, "exact": exact,
        "exponent_symbols": exponent_symbols,
        "angle_parameters": [a.to_dict() for a in pm.angle_parameters],
    }
    return ArchitectureReport(
        source=pm.source, name=model.name, n_gates=len(list(model.circuit.all_operations())),
        depth=len(model.circuit), observable=obs_text, trainable=tuple(s.name for s in pm.trainable),
        data=tuple(pm.data_names.get(s.name, s.name) for s in pm.data), gates=gate_table(pm),
        analysis=analysis, family=fam, notes=tuple(notes), config=config,
        timings={k: round(v, 3) for k, v in timings.items()}, seed=seed,
    )


def circuit_qubits(source, factory_kwargs: Optional[dict] = None) -> int:
    """The number of qubits of a user's circuit (file, factory or ``cirq.Circuit``), read once to
    resolve sizes given as functions of ``n`` (``--embedding-layers n`` / ``log``)."""
    if isinstance(source, cirq.AbstractCircuit):
        return len(source.all_qubits())
    circuit, _ = load_user_circuit(source, **(factory_kwargs or {}))
    return len(circuit.all_qubits())


def _bound_checks(analysis, estimates) -> tuple:
    """The report's :class:`bpcalc.bounds.analysis.BoundCheck` s: every bound and exact value of the
    analysis against the sampled estimates (the decision rule of :func:`bpcalc.verify.check.check`)."""
    return check(analysis, estimates).checks
