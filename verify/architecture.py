"""Sanity-check an architecture: per-parameter trainability reports, families, comparisons.

What an author choosing an ansatz needs, from *their* circuit:

* :func:`analyze_architecture` — load a circuit (QASM / Cirq JSON / factory, see
  :mod:`bpcalc.bounds.from_files`), run :func:`bpcalc.bounds.analysis.analyze`, and assemble one
  :class:`ParameterReport` per trainable parameter: light-cone width and depth, which
  theorems apply (with their values) and which are refused (with the failed assumption),
  the exact variance where the exact engine applies, a sampled estimate on request, and a
  verdict with its evidence.  Parameters are grouped by block (tagged circuits), by layer
  (``<name>_<layer>_…`` symbols) or by the moment of their gate;
* :func:`family_scaling` — scaling in ``n`` is only claimed for a *family* (a function of
  ``n``): the variances at several ``n`` are fitted (exponential base with its standard
  error against a power law) and the fit is stated;
* :func:`compare_architectures` — several architectures side by side over a range of ``n``
  (:class:`Comparison`: a table, fits, and :func:`plot_comparison`).

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
import inspect
import math
import re
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc import circuits
from bpcalc.bounds.analysis import parameter_verdict
from bpcalc.bounds.family import PARAMETER_CHOICES, VariancePoint, scan_family, variance_point
from bpcalc.bounds.from_files import PreparedModel, classify_operation, exponent_convention_note, load_user_circuit, prepare_model

from .report import Figure, Report, Table

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
    "ParameterReport",
    "GroupSummary",
    "FamilyScaling",
    "ArchitectureReport",
    "analyze_architecture",
    "select_theorems",
    "family_scaling",
    "Comparison",
    "compare_architectures",
    "plot_comparison",
]


# ----------------------------------------------------------------------------- inputs


def parse_qubits(spec: str | int | Sequence[int]) -> tuple[int, ...]:
    """Qubit counts from ``"4..64"`` (doubling: 4, 8, 16, 32, 64), ``"4..12:2"`` (step 2),
    ``"4,6,8"`` (a list), ``"8"`` or a sequence of ints.

    ``a..b`` doubles from ``a`` and always ends at ``b`` (``4..20`` → 4, 8, 16, 20).

    Raises
    ------
    ValueError : malformed text, counts < 1, an empty or non-increasing range.
    """
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        values = [int(spec)]
    elif isinstance(spec, str):
        text = spec.replace(" ", "")
        m = re.fullmatch(r"(\d+)\.\.(\d+)(?::(\d+))?", text)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"qubit range {spec!r} is empty (end < start)")
            if m.group(3):
                step = int(m.group(3))
                if step < 1:
                    raise ValueError(f"qubit range {spec!r}: step must be >= 1")
                values = list(range(a, b + 1, step))
            else:
                if a < 1:
                    raise ValueError(f"qubit range {spec!r} must start at >= 1")
                values, v = [], a
                while v < b:
                    values.append(v)
                    v *= 2
                values.append(b)
        elif re.fullmatch(r"\d+(,\d+)*", text):
            values = [int(v) for v in text.split(",")]
        else:
            raise ValueError(
                f"cannot read qubit counts {spec!r}; use '4..64' (doubling), '4..12:2' (step 2) or '4,6,8'"
            )
    else:
        try:
            values = [int(v) for v in spec]
        except (TypeError, ValueError):
            raise TypeError(f"qubit counts must be a string like '4..16' or a list of ints, got {spec!r}") from None
    if not values or min(values) < 1:
        raise ValueError(f"qubit counts must be >= 1, got {values}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"qubit counts must increase, got {values}")
    return tuple(values)


@dataclasses.dataclass(frozen=True)
class Architecture:
    """A family of circuits ``n -> cirq.Circuit`` with its default observable.

    Attributes
    ----------
    name : short name (``"hea"``, or the factory's function name).
    description : what the circuit is (shown in reports).
    build : ``n -> cirq.Circuit``.
    observable : default observable spec (``"local"``, ``"Z0"`` …).
    """

    name: str
    description: str
    build: Callable[[int], cirq.Circuit]
    observable: str = "local"
    fixed_n: Optional[int] = None

    def circuit(self, n: int) -> cirq.Circuit:
        """The circuit on ``n`` qubits (errors name the architecture)."""
        if self.fixed_n is not None and n != self.fixed_n:
            raise ValueError(f"{self.name} is one circuit on {self.fixed_n} qubits (a file or fixed circuit), not a family of n")
        try:
            return self.build(n)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"architecture {self.name!r} at n = {n}: {exc}") from None


def _log_layers(n: int) -> int:
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


BUILTIN_ARCHITECTURES: Mapping[str, Architecture] = {
    "hea": Architecture(
        "hea", "hardware-efficient ansatz: L = n layers of RY, RZ on every qubit and a CZ chain",
        lambda n: circuits.hardware_efficient(n, n)),
    "hea-log": Architecture(
        "hea-log", "hardware-efficient ansatz: L = ceil(log2 n) layers of RY, RZ and a CZ chain",
        lambda n: circuits.hardware_efficient(n, _log_layers(n))),
    "ala": Architecture(
        "ala", "alternating layered ansatz: 2-qubit blocks (RY, RZ, CZ), L = ceil(log2 n) layers",
        lambda n: circuits.alternating_layered(n, _log_layers(n), 2)),
    "tpa": Architecture(
        "tpa", "tensor-product ansatz: one layer of 2-qubit blocks of depth 2 (RY, RZ, CZ)",
        lambda n: circuits.tensor_product(n, 2)),
    "qcnn": Architecture(
        "qcnn", "quantum convolutional neural network (n a power of two), read out on qubit 0",
        lambda n: circuits.qcnn(n), observable="Z0"),
}
"""The built-in architectures of ``bpcalc compare`` (see the module docstring)."""


_CIRCUIT_FILE_SUFFIXES = (".qasm", ".qasm2", ".qasm3", ".json", ".qpy")


def _fixed_architecture(label: str, description: str, circuit: cirq.Circuit) -> Architecture:
    n = len(circuit.all_qubits())
    return Architecture(label, description, lambda _n: circuit, fixed_n=n)


def resolve_architecture(spec: str | Architecture) -> Architecture:
    """A built-in name (:data:`BUILTIN_ARCHITECTURES`), a ``module:function`` family of ``n``, or
    one fixed circuit: a file (``.qasm``, ``.json``, ``.qpy``), a factory without an ``n``
    argument, a ``cirq.Circuit`` or a ``qiskit.QuantumCircuit`` (compared at its own size).

    Raises
    ------
    ValueError : unknown name (listing the built-ins) or a factory that cannot be imported.
    """
    if isinstance(spec, Architecture):
        return spec
    if isinstance(spec, cirq.AbstractCircuit) or type(spec).__name__ == "QuantumCircuit":
        circuit, _ = load_user_circuit(spec)
        label = getattr(spec, "name", None) or "circuit"
        return _fixed_architecture(str(label), f"fixed circuit {label}", circuit)
    if isinstance(spec, Path):
        spec = str(spec)
    if isinstance(spec, str) and (spec.strip().lower().endswith(_CIRCUIT_FILE_SUFFIXES) or Path(spec.strip()).is_file()):
        circuit, _ = load_user_circuit(spec.strip())
        return _fixed_architecture(Path(spec.strip()).stem, f"circuit file {spec.strip()}", circuit)
    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"an architecture is a name or 'module:function', got {spec!r}")
    key = spec.strip()
    if key.lower() in BUILTIN_ARCHITECTURES:
        return BUILTIN_ARCHITECTURES[key.lower()]
    if ":" not in key:
        raise ValueError(
            f"unknown architecture {spec!r}; built-in: {sorted(BUILTIN_ARCHITECTURES)}, "
            "a family 'module:function' / 'file.py:function' taking n, or a circuit file (.qasm, .json, .qpy)"
        )
    fn = circuits.load_factory(key)  # import errors now, not at the first n
    try:
        takes_n = "n" in inspect.signature(fn).parameters or any(
            p.kind == p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        takes_n = True
    if not takes_n:
        circuit, _ = load_user_circuit(key)
        return _fixed_architecture(key.rsplit(":", 1)[-1], f"fixed circuit from {key}", circuit)

    def build(n: int) -> cirq.Circuit:
        return load_user_circuit(key, n=n)[0]

    return Architecture(key.rsplit(":", 1)[-1], f"user family {key}", build)


# ----------------------------------------------------------------------------- grouping

_LAYER_NAME = re.compile(r"^[A-Za-z]+_(\d+)_")


def parameter_groups(ansatz: cirq.AbstractCircuit, symbols: Sequence[sympy.Symbol] | None = None) -> dict[str, str]:
    """``{symbol name: group label}``: by block tag, else by layer in the name, else by moment.

    * circuits carrying bpcalc block tags: ``"layer l, block b"``;
    * symbols named ``<letters>_<layer>_…`` (the builders' ``theta_<layer>_<qubit>_<k>``):
      ``"layer l"``;
    * otherwise the moment of the parameter's first gate and its gate type:
      ``"moment m (Rx)"``.
    """
    symbols = list(symbols) if symbols is not None else circuits.parameter_symbols(ansatz)
    blocks = {s: (b.layer, b.index) for b in circuits.block_structure(ansatz) for s in b.symbols}
    first: dict[sympy.Symbol, tuple[int, str]] = {}
    for m, moment in enumerate(ansatz):
        for op in moment:
            gate = op.untagged.gate if getattr(op.untagged, "gate", None) is not None else op.untagged
            for s in cirq.parameter_symbols(op):
                first.setdefault(s, (m, type(gate).__name__))
    by_name = all(_LAYER_NAME.match(s.name) for s in symbols) and len({_LAYER_NAME.match(s.name).group(1) for s in symbols}) > 1
    out = {}
    for s in symbols:
        if s in blocks:
            out[s.name] = f"layer {blocks[s][0]}, block {blocks[s][1]}"
        elif by_name:
            out[s.name] = f"layer {int(_LAYER_NAME.match(s.name).group(1))}"
        elif s in first:
            out[s.name] = f"moment {first[s][0]} ({first[s][1]})"
        else:
            out[s.name] = "not in the ansatz"
    return out


# ----------------------------------------------------------------------------- fits

from .fits import ScalingFit, fit_estimates, fit_scaling, labelled  # noqa: E402  (the verdict fits live in verify.fits)


# ----------------------------------------------------------------------------- one size


def _bound_rows(analysis_parameter) -> tuple[dict, ...]:
    rows = []
    for r in analysis_parameter.applicable:
        rows.append({
            "theorem": r.theorem, "bound": r.bound, "kind": r.kind, "value": str(r.value),
            "log10": float(r.value.log10), "sign": int(r.value.sign), "vacuous": bool(r.value.vacuous),
            "status": r.status, "citation": r.citation,
            "asymptotics": None if r.asymptotics is None else r.asymptotics.describe(),
        })
    return tuple(rows)


def variance_at(
    architecture: str | Architecture,
    n: int,
    observable: Optional[str] = None,
    parameter: str = "first",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    with_bounds: bool = False,
    registry=None,
    exponent_symbols: str = "angle",
    memory_limit=None,
) -> VariancePoint:
    """``Var_θ[∂C/∂θ]`` of ``architecture`` on ``n`` qubits by the exact Pauli-path engine.

    ``parameter``: ``'first'`` (first trainable parameter in circuit order), ``'max'`` /
    ``'mean'`` (over all trainable parameters) or a symbol name.  ``method``,
    ``max_terms`` and ``n_samples`` go to :func:`bpcalc.bounds.exact.exact_model_gradient_variance`
    (``'auto'``: enumeration, unbiased path sampling above ``max_terms`` Pauli pairs).
    Circuits the engine does not accept give ``value=None`` with the engine's reason.
    ``memory_limit`` (bytes or ``'4GiB'``) is the engine's memory budget; above it the engine
    raises :class:`bpcalc.bounds.memory.MemoryBudgetExceeded` before allocating.
    ``with_bounds`` also evaluates the applicable theorems (:func:`bpcalc.bounds.analysis.analyze`).
    """
    arch = resolve_architecture(architecture)
    pm = prepare_model(arch.circuit(n), observable or arch.observable, name=f"{arch.name}(n={n})")

    def theorem_rows(params: list) -> tuple:
        from bpcalc.bounds.analysis import analyze

        return _bound_rows(analyze(pm.model, parameters=params, exact=False, ensemble=False,
                                   registry=registry).parameters[0])

    return variance_point(pm, arch.name, n, parameter, method=method, max_terms=max_terms, n_samples=n_samples,
                          seed=seed, exponent_symbols=exponent_symbols, memory_limit=memory_limit,
                          bounds=theorem_rows if with_bounds else None)


# ----------------------------------------------------------------------------- per parameter


@dataclasses.dataclass(frozen=True)
class ParameterReport:
    """Everything known about one trainable parameter's gradient.

    Attributes
    ----------
    name, group : the symbol and its group (block / layer / moment).
    gates : the gates using it.
    in_cone, width, depth : its light cone towards the observable (qubits, moments).
    bounds : applicable theorems with values (``theorem``, ``bound``, ``kind``, ``value``,
        ``log10``, ``status``, ``citation``, ``asymptotics``).
    refused : refused theorems (``theorem``, ``bound``, ``reason``).
    exact : ``{"value", "log10", "method", "linear_loss"}`` from the exact engine, or ``None``.
    exact_note : why there is no exact value (or where it came from).
    sampled : the sampled estimate (``value``, ``ci_low``, ``ci_high``, ``n_samples``,
        ``engine``, ``seed``, ``quantity``) when ``--sample`` was given.
    scaling : the fit over the family for this parameter (same name at every ``n``).
    verdict : ``"zero"``, ``"exponentially vanishing"``, ``"polynomial"`` or ``"not decided"``.
    verdict_text, evidence : the verdict in words and what it rests on.
    note : why a value could not be computed for this parameter (empty when nothing is missing).
    size, size_text : the answer at this size from the exact variance and the shot budget
        (:func:`bpcalc.bounds.scaling.size_verdict`): "trainable at this size", "vanishing at this
        size", "zero" or "undecided".
    """

    name: str
    group: str
    gates: tuple[str, ...]
    in_cone: bool
    width: int
    depth: int
    bounds: tuple[dict, ...]
    refused: tuple[dict, ...]
    exact: Optional[dict]
    exact_note: str
    sampled: Optional[dict]
    scaling: Optional[ScalingFit]
    verdict: str
    verdict_text: str
    evidence: tuple[str, ...]
    note: str = ""
    size: str = ""
    size_text: str = ""

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["scaling"] = None if self.scaling is None else self.scaling.to_dict()
        return d


@dataclasses.dataclass(frozen=True)
class GroupSummary:
    """A block / layer / moment of parameters, summarised."""

    group: str
    n_parameters: int
    n_in_cone: int
    width: tuple[int, int]
    depth: tuple[int, int]
    exact_log10: Optional[tuple[float, float]]
    verdicts: Mapping[str, int]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"verdicts": dict(self.verdicts)}


def _abbreviate(text: str, limit: int = 160) -> str:
    """A long observable printed as its first terms and the number of terms (the JSON keeps all)."""
    if len(text) <= limit:
        return text
    n_terms = text.count("+") + text.count("-") + 1
    return f"{text[:limit].rsplit('+', 1)[0]}+… (about {n_terms} terms; the JSON report has all)"


def _summarise_groups(params: Sequence[ParameterReport]) -> tuple[GroupSummary, ...]:
    order: dict[str, list[ParameterReport]] = {}
    for p in params:
        order.setdefault(p.group, []).append(p)
    out = []
    for g, ps in order.items():
        exact = [p.exact["log10"] for p in ps if p.exact is not None]
        counts: dict[str, int] = {}
        for p in ps:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        out.append(GroupSummary(
            group=g, n_parameters=len(ps), n_in_cone=sum(p.in_cone for p in ps),
            width=(min(p.width for p in ps), max(p.width for p in ps)),
            depth=(min(p.depth for p in ps), max(p.depth for p in ps)),
            exact_log10=(min(exact), max(exact)) if exact else None,
            verdicts=counts,
        ))
    return tuple(out)


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


def _sampled_estimates(model: circuits.Model, n_samples: int, seed: int, engine: str,
                       parameters: Any = "all") -> dict[str, dict]:
    from .sampling import sample_gradient_variance  # noqa: PLC0415  (issue 5)

    quantity = "output" if model.dataset is not None else "loss"
    ests = sample_gradient_variance(model, parameters, n_samples, engine=engine, seed=seed, quantity=quantity)
    out = {}
    for e in ests:
        out[e.parameter] = {"value": float(e.value), "ci_low": float(e.ci_low), "ci_high": float(e.ci_high),
                            "confidence": float(e.confidence), "n_samples": int(e.n_samples), "engine": str(e.engine),
                            "seed": e.seed, "quantity": quantity}
    return out


# ----------------------------------------------------------------------------- families


@dataclasses.dataclass(frozen=True)
class FamilyScaling:
    """Per-parameter variances of a family at several ``n``, and the fits.

    Attributes
    ----------
    family : the family (``module:function`` or a built-in name).
    observable : the observable spec used at every ``n``.
    qubits : the sizes.
    rows : per ``n``: ``n``, ``n_parameters``, ``max`` (and ``argmax``), ``median``, ``method``,
        ``seconds``, ``note``.
    values : ``{parameter name: (Var at each n, None where absent)}``.
    fits : ``{"max": …, "median": …, <parameter name>: …}`` (:class:`ScalingFit`); parameters
        present at >= 3 sizes are fitted individually.
    verdict : the fit of the largest per-parameter variance (the best-trainable parameter):
        if even it vanishes exponentially, every parameter does.
    """

    family: str
    observable: str
    qubits: tuple[int, ...]
    rows: tuple[dict, ...]
    values: Mapping[str, tuple[Optional[float], ...]]
    fits: Mapping[str, ScalingFit]
    verdict: ScalingFit
    summary: str

    def to_dict(self) -> dict:
        return {"family": self.family, "observable": self.observable, "qubits": list(self.qubits),
                "rows": list(self.rows), "values": {k: list(v) for k, v in self.values.items()},
                "fits": {k: v.to_dict() for k, v in self.fits.items()}, "verdict": self.verdict.to_dict(),
                "summary": self.summary}


def _family_model(family: str | Architecture, n: int, observable: str, kwargs: Mapping[str, Any]) -> PreparedModel:
    if isinstance(family, Architecture) or (isinstance(family, str) and family.lower() in BUILTIN_ARCHITECTURES):
        arch = resolve_architecture(family)
        return prepare_model(arch.circuit(n), observable, name=f"{arch.name}(n={n})", **kwargs)
    return prepare_model(family, observable, factory_kwargs={"n": n}, **kwargs)


def family_scaling(
    family: str | Architecture,
    qubits: str | Sequence[int],
    observable: str = "local",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    max_fits: int = 64,
    sample: Optional[int] = None,
    sample_engine: str = "own",
    **model_kwargs: Any,
) -> FamilyScaling:
    """Per-parameter variances of a family of circuits at several ``n`` and their fits.

    Parameters
    ----------
    family : ``module:function`` / ``file.py:function`` taking ``n``, a built-in name, or an
        :class:`Architecture`.
    qubits : sizes (see :func:`parse_qubits`); >= 3 are needed for a fit.
    observable : the observable spec at every ``n`` (``"local"``, ``"Z0"`` …).
    method, max_terms, n_samples, seed : passed to the exact engine.
    max_fits : fit at most this many individual parameters (in circuit order).
    sample, sample_engine : at sizes whose circuit the exact engine does not accept (e.g.
        controlled rotations), estimate the variances from ``sample`` parameter draws
        (:func:`bpcalc.verify.sampling.sample_gradient_variance`); the fits weight these points by
        their confidence intervals.
    **model_kwargs : :func:`bpcalc.bounds.from_files.prepare_model` options (``trainable``, ``data``,
        ``embedding``, ``dataset`` …).

    Raises
    ------
    ValueError : a size at which the family's circuit is not accepted by the exact engine
        and ``sample`` is not given (the message names the gate), or any input error of
        :func:`prepare_model`.
    """
    ns = parse_qubits(qubits)
    name = family.name if isinstance(family, Architecture) else str(family)

    def sampled(n: int, pm: PreparedModel) -> tuple[list, list, list, str]:
        # verify adds sampled estimates where the exact engine refuses the circuit
        if not sample:
            bad = pm.unsupported("exact")[0]
            raise ValueError(
                f"family {name} at n = {n}: the exact engine does not accept {bad.operation} ({bad.reason}); "
                "pass --sample N to estimate the variances by sampling instead"
            )
        if pm.unsupported("sampling"):
            bad = pm.unsupported("sampling")[0]
            raise ValueError(f"family {name} at n = {n}: neither the exact engine nor the samplers accept "
                             f"{bad.operation} ({bad.reason})")
        est = _sampled_estimates(pm.model, int(sample), seed, sample_engine)
        names = list(est)
        return (names, [est[p]["value"] for p in names], [(est[p]["ci_low"], est[p]["ci_high"]) for p in names],
                f"sampled ({sample} draws, {sample_engine})")

    scan = scan_family(lambda n: _family_model(family, n, observable, model_kwargs), ns, name=name, method=method,
                       max_terms=max_terms, n_samples=n_samples, seed=seed, max_fits=max_fits, fallback=sampled)
    fits = {k: labelled(f) for k, f in scan.fits.items()}
    complete = [k for k in fits if k not in ("max", "median")]
    verdict = fits["max"]
    exp_params = sum(1 for p in complete if fits[p].label == "exponentially vanishing")
    if verdict.label == "exponentially vanishing":
        summary = (f"even the largest per-parameter variance is {verdict.text}: every parameter of {name} has an "
                   f"exponentially vanishing gradient")
    elif verdict.label == "polynomial":
        summary = (f"the largest per-parameter variance is {verdict.text}; {exp_params} of {len(complete)} "
                   "individually fitted parameters vanish exponentially")
    else:
        summary = f"{name}: {verdict.text}"
    return FamilyScaling(name, str(observable), ns, scan.rows, scan.values, fits, verdict, summary)


# ----------------------------------------------------------------------------- the report


@dataclasses.dataclass(frozen=True, eq=False)
class ArchitectureReport:
    """The trainability report of one user circuit (see :func:`analyze_architecture`)."""

    source: str
    name: str
    n_qubits: int
    n_gates: int
    depth: int
    observable: str
    trainable: tuple[str, ...]
    data: tuple[str, ...]
    gates: tuple[dict, ...]
    parameters: tuple[ParameterReport, ...]
    groups: tuple[GroupSummary, ...]
    model_verdict: dict
    family: Optional[FamilyScaling]
    notes: tuple[str, ...]
    config: Mapping[str, Any]
    timings: Mapping[str, float]
    seed: int
    dataset: tuple[dict, ...] = ()
    loss_variance: Any = None  # bpcalc.bounds.analysis.LossAnalysis: Var[C] next to the gradient variances

    def parameter(self, name: str) -> ParameterReport:
        for p in self.parameters:
            if p.name == str(name):
                return p
        raise ValueError(f"no trainable parameter {name!r} in this report")

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.parameters:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        return counts

    def summary(self) -> str:
        counts = ", ".join(f"{v}: {k}" for k, v in sorted(self.verdict_counts.items()))
        lines = [f"**{self.name}** ({self.source}): {self.n_qubits} qubits, {self.n_gates} gates, depth {self.depth}, "
                 f"{len(self.trainable)} trainable and {len(self.data)} data parameters; observable "
                 f"{_abbreviate(self.observable)}.",
                 f"Exponent symbols (X^t): {(self.config or {}).get('exponent_symbols', 'angle')} convention "
                 "(--exponent-symbols angle|symbol).",
                 "", f"Per-parameter verdicts — {counts}."]
        if self.family is not None:
            lines += ["", f"Family {self.family.family} over n = {list(self.family.qubits)}: {self.family.summary}."]
        mv = self.model_verdict
        if mv:
            lines += ["", f"Theorem-based verdict for the model (bpcalc.bounds.analyze): {mv.get('text', mv.get('label'))}."]
        lines += [x for line in self.loss_lines() for x in ("", line)]
        return "\n".join(lines)

    def loss_lines(self) -> list[str]:
        """The loss variance next to the gradient variances (Arrasmith et al. 2022), as sentences."""
        la = self.loss_variance
        if la is None:
            return []
        if la.variance is None:
            return [f"Loss variance: not computed ({la.note or la.relation})."]
        out = [f"Loss variance Var[C] = {la.variance.describe()} for the {la.variance.cost}"
               + ("" if la.gradient_max is None else
                  f"; gradient variances Var[∂_k C]: max {la.gradient_max:.4g}, sum {la.gradient_sum:.4g}") + "."]
        out.append(f"Arrasmith et al. 2022 (max_k Var[∂_k C] ≤ Var[C] ≤ Σ_k Var[∂_k C]): {la.relation}.")
        return out

    def to_dict(self) -> dict:
        return {
            "source": self.source, "name": self.name, "n_qubits": self.n_qubits, "n_gates": self.n_gates,
            "depth": self.depth, "observable": self.observable, "trainable": list(self.trainable),
            "data": list(self.data), "gates": list(self.gates),
            "parameters": [p.to_dict() for p in self.parameters], "groups": [g.to_dict() for g in self.groups],
            "model_verdict": dict(self.model_verdict),
            "family": None if self.family is None else self.family.to_dict(),
            "notes": list(self.notes), "verdict_counts": self.verdict_counts, "dataset": list(self.dataset),
            "loss_variance": None if self.loss_variance is None else self.loss_variance.to_dict(),
        }

    def to_report(self) -> Report:
        """The :class:`bpcalc.verify.report.Report` (JSON / Markdown renderers)."""
        def fmt(x: Optional[float]) -> Optional[str]:
            return None if x is None else (f"{x:.3e}" if x != 0 else "0")

        param_rows = []
        for p in self.parameters:
            best = min((b for b in p.bounds if b["kind"] in ("upper", "exact")), key=lambda b: b["log10"], default=None)
            low = max((b for b in p.bounds if b["kind"] == "lower" and not b.get("vacuous")), key=lambda b: b["log10"],
                      default=None)
            param_rows.append((
                p.name, p.group, p.in_cone, p.width, p.depth, len(p.bounds),
                None if best is None else f"≤ {best['value']} ({best['theorem']})",
                None if low is None else f"≥ {low['value']} ({low['theorem']})",
                None if p.exact is None else fmt(p.exact["value"]) + (
                    f" [{fmt(p.exact['ci_low'])}, {fmt(p.exact['ci_high'])}]" if p.exact.get("ci_high") is not None
                    else "~" if p.exact.get("sampled") else ""),
                None if p.sampled is None else f"{fmt(p.sampled['value'])} [{fmt(p.sampled['ci_low'])}, {fmt(p.sampled['ci_high'])}]",
                p.size_text or None, p.verdict_text,
            ))
        tables = [
            Table("Parameters", ("parameter", "group", "in cone", "width", "depth", "theorems", "upper/exact bound",
                                 "lower bound", "exact Var", "sampled Var [CI]", "at this size", "verdict"),
                  tuple(param_rows),
                  caption="Var = Var_θ[∂C/∂θ_k] with θ ~ U[0, 2π); width/depth of the light cone towards the observable."),
            Table("Groups", ("group", "parameters", "in cone", "width", "depth", "exact log10 Var (min, max)", "verdicts"),
                  tuple((g.group, g.n_parameters, g.n_in_cone, f"{g.width[0]}–{g.width[1]}", f"{g.depth[0]}–{g.depth[1]}",
                         None if g.exact_log10 is None else f"{g.exact_log10[0]:.3g}, {g.exact_log10[1]:.3g}",
                         ", ".join(f"{k}: {v}" for k, v in g.verdicts.items())) for g in self.groups)),
            Table("Gates and engines", ("gate", "role", "count", "exact engine", "samplers", "reason"),
                  tuple((g["gate"], g["role"], g["count"], g["exact"], g["sampling"], g["reason"]) for g in self.gates)),
        ]
        if self.dataset:
            tables.append(Table(
                "Dataset expressibility", ("qubits", "why", "mean D_HS", "CI", "Haar value", "ratio to Haar",
                                           "product-state value"),
                tuple((str(d["qubits"]), d["labels"], d["d_hs_mean"], f"[{d['ci_low']:.4g}, {d['ci_high']:.4g}]",
                       d["haar"], d["ratio_to_haar"], d["product_max"]) for d in self.dataset),
                caption="D_HS(ρ_S(x), 1/2^s) of the embedded data on each subsystem S (Thanasilp et al., "
                        "arXiv:2110.14753): close to the Haar value means a dataset-induced barren plateau."))
        if self.family is not None:
            fam = self.family
            tables.append(Table(
                f"Family {fam.family}", ("n", "parameters", "max Var", "argmax", "median Var", "zero", "method", "seconds"),
                tuple((r["n"], r["n_parameters"], r["max"], r["argmax"], r["median"], r["n_zero"], r["method"],
                       r["seconds"]) for r in fam.rows),
                caption=fam.summary))
            tables.append(Table(
                "Fits", ("quantity", "verdict", "base", "base SE", "degree"),
                tuple((k, f.label, f.base, f.base_se, f.degree) for k, f in list(fam.fits.items())[:20])))
        refused = sorted({f"{r['theorem']} [{r['bound']}]: {r['reason']}" for p in self.parameters for r in p.refused})
        notes = list(self.notes) + [f"refused: {r}" for r in refused[:30]]
        if len(refused) > 30:
            notes.append(f"… and {len(refused) - 30} more refused bounds (see the JSON)")
        return Report(
            title=f"Trainability report: {self.name}",
            summary=self.summary(),
            tables=tuple(tables),
            results=self.to_dict(),
            config=dict(self.config),
            seeds={"analysis": self.seed},
            timings=dict(self.timings),
            notes=tuple(notes),
        )

    def to_text(self, max_rows: int = 60) -> str:
        """A compact plain-text rendering for the terminal."""
        out = [self.summary().replace("**", ""), ""]
        head = (f"{'parameter':<16}{'group':<22}{'cone w×d':>9}  {'#thm':>4}  {'exact Var':>10}  {'sampled Var':>24}  "
                f"{'at this size':<23} verdict")
        out.append(head)
        out.append("-" * len(head))
        for p in self.parameters[:max_rows]:
            ex = "—" if p.exact is None else f"{p.exact['value']:.3e}" + ("~" if p.exact.get("sampled") else "")
            sa = "—" if p.sampled is None else f"{p.sampled['value']:.2e} [{p.sampled['ci_low']:.1e},{p.sampled['ci_high']:.1e}]"
            cone = f"{p.width}×{p.depth}" if p.in_cone else "out"
            out.append(f"{p.name:<16}{p.group[:21]:<22}{cone:>9}  {len(p.bounds):>4}  {ex:>10}  {sa:>24}  "
                       f"{p.size or '—':<23} {p.verdict_text}")
        if len(self.parameters) > max_rows:
            out.append(f"… {len(self.parameters) - max_rows} more parameters (use --json or --out for all)")
        if any(p.exact is not None and p.exact.get("sampled") for p in self.parameters):
            out.append("exact Var with ~: path-sampled estimate (exact enumeration too large); its interval is in "
                       "the evidence, --json and the report")
        out += ["", "groups:"]
        for g in self.groups:
            ex = "" if g.exact_log10 is None else f", exact log10 Var in [{g.exact_log10[0]:.3g}, {g.exact_log10[1]:.3g}]"
            out.append(f"  {g.group}: {g.n_parameters} parameter(s), {g.n_in_cone} in cone, width {g.width[0]}–{g.width[1]}"
                       f"{ex}; " + ", ".join(f"{k}: {v}" for k, v in g.verdicts.items()))
        if self.dataset:
            out += ["", "dataset expressibility (D_HS of the embedded data; Haar value = dataset-induced plateau):"]
            for d in self.dataset[:12]:
                out.append(f"  qubits {d['qubits']}: mean D_HS {d['d_hs_mean']:.4g} [{d['ci_low']:.4g}, {d['ci_high']:.4g}]"
                           f", Haar {d['haar']:.4g} (×{d['ratio_to_haar']:.3g}), product states {d['product_max']:.4g}")
        unsupported = [g for g in self.gates if not g["exact"]]
        if unsupported:
            out += ["", "gates the exact engine does not accept (samplers do):"]
            out += [f"  {g['gate']} ×{g['count']}: {g['reason']}" for g in unsupported]
        refusals = _refusal_summary(self.parameters)
        if refusals:
            out += ["", "refused theorems (first reason; --json for every parameter):"]
            by_theorem: dict[str, tuple[int, str]] = {}
            for key, count, reason in refusals:
                by_theorem.setdefault(key.split(" [")[0], (count, reason))
            out += [f"  {k} ({c} parameter(s)): {r[:160]}" for k, (c, r) in by_theorem.items()]
        if self.family is not None:
            out += ["", f"family {self.family.family} ({self.family.observable}):"]
            for r in self.family.rows:
                out.append(f"  n = {r['n']:>3}: max Var {r['max']:.3e} ({r['argmax']}), median {r['median']:.3e}, "
                           f"{r['n_zero']} zero, {r['method']}, {r['seconds']} s")
            out.append(f"  {self.family.summary}")
        if self.notes:
            out += ["", "notes:"] + [f"  - {n}" for n in self.notes]
        out += ["", "timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())]
        return "\n".join(out)


def _refusal_summary(params: Sequence[ParameterReport]) -> list[tuple[str, int, str]]:
    """``(theorem [bound], number of parameters, first reason)`` for every refused bound."""
    seen: dict[str, list] = {}
    for p in params:
        for r in p.refused:
            key = f"{r['theorem']} [{r['bound']}]"
            if key not in seen:
                seen[key] = [0, r["reason"]]
            seen[key][0] += 1
    return [(k, v[0], v[1]) for k, v in seen.items()]


def _gate_table(pm: PreparedModel) -> tuple[dict, ...]:
    rows: dict[tuple, dict] = {}
    for s in pm.support:
        key = (s.gate, s.role, s.exact, s.sampling, s.reason if not s.exact else "")
        row = rows.setdefault(key, {"gate": s.gate, "role": s.role, "count": 0, "exact": s.exact,
                                    "sampling": s.sampling, "reason": key[4], "example": s.operation})
        row["count"] += 1
    return tuple(rows.values())


def _family_consistency(fam: FamilyScaling, reports: Sequence[ParameterReport], n: int) -> list[str]:
    """A warning when the family at the file's ``n`` does not reproduce the file's exact variances."""
    if n not in fam.qubits:
        return [f"the family was not evaluated at the circuit's size n = {n}; per-parameter fits are matched by "
                "symbol name only"]
    i = fam.qubits.index(n)
    names = {p.name for p in reports}
    missing = sorted(names - {k for k, v in fam.values.items() if v[i] is not None})
    differ = []
    for p in reports:
        v = fam.values.get(p.name, (None,) * len(fam.qubits))[i]
        if p.exact is not None and v is not None and abs(p.exact["value"] - v) > 1e-9 + 1e-6 * abs(v):
            differ.append(p.name)
    out = []
    if missing:
        out.append(f"warning: the family at n = {n} has no parameter(s) {missing[:6]} of the circuit")
    if differ:
        out.append(f"warning: the family at n = {n} gives other variances than the circuit for {differ[:6]}: "
                   "it is not the same architecture, so its fits need not describe this circuit")
    if not out:
        out.append(f"the family at n = {n} reproduces the circuit's exact variances")
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
    embedding_layers: int = 1,
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
) -> ArchitectureReport:
    """Per-parameter trainability report of a user's circuit.

    Parameters
    ----------
    source : ``.qasm`` / ``.json`` file, ``module:function`` factory, or a ``cirq.Circuit``.
    observable : ``"local"``, ``"global"``, ``"local-z"``, a Pauli-sum string or a PauliSum.
    trainable, data : glob patterns of the symbol roles (see
        :func:`bpcalc.bounds.from_files.prepare_model`).
    embedding, embedding_layers, dataset, n_data, data_seed : an optional built-in embedding
        and dataset for the dataset-dependent results.  A circuit with data symbols and no
        ``dataset`` gets ``n_data`` uniform random points (said in the notes).
    loss, two_design_blocks, declared : passed to the model / :func:`bpcalc.bounds.analysis.analyze`.
    sample : also estimate every variance from this many parameter draws
        (:func:`bpcalc.verify.sampling.sample_gradient_variance`, engine ``sample_engine``).
    seed : seed of the sampling, of path sampling and of the bootstrap intervals.
    family, qubits, family_method : fit the scaling over a family ``module:function`` of
        ``n`` at the sizes ``qubits`` (:func:`family_scaling`).  Without a family no
        scaling is claimed.
    theorems : evaluate the registered theorems (:func:`bpcalc.bounds.analysis.analyze`); ``False``
        keeps light cones and exact variances only (faster).
    exact : compute exact variances where the exact engine applies.
    registry : theorem registry (default: all registered theorems).
    only_theorems, skip_theorems : glob patterns of theorem keys to keep / to leave out
        (e.g. ``skip_theorems=["mcclean2018.*"]``: exact 2-design checks cost time exponential in n).
    factory_kwargs : arguments of a factory ``source`` (e.g. ``{"n": 6}``).

    Returns
    -------
    ArchitectureReport

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
    pm = prepare_model(
        source, observable, trainable=trainable, data=data, embedding=embedding,
        embedding_layers=embedding_layers, dataset=dataset, n_data=n_data, data_seed=data_seed, loss=loss,
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
    if theorems:
        from bpcalc.bounds.analysis import analyze

        registry = select_theorems(registry, only_theorems, skip_theorems)
        analysis = analyze(model, registry=registry, declared=declared, exact=exact,
                           rng=np.random.default_rng(seed), exponent_symbols=exponent_symbols,
                           memory_limit=memory_limit)
        structure = {p.parameter: p.structure for p in analysis.parameters}
        exact_map = {p.parameter: p.exact for p in analysis.parameters}
        exact_notes = {p.parameter: p.exact_note for p in analysis.parameters}
        applicable = {p.parameter: _bound_rows(p) for p in analysis.parameters}
        refused = {p.parameter: tuple({"theorem": r.theorem, "bound": r.bound, "reason": r.reason}
                                      for r in p.refused) for p in analysis.parameters}
        model_verdict = analysis.verdict.to_dict()
        typed = {p.parameter: p for p in analysis.parameters}
        loss_section = analysis.loss_variance
        dataset_rows = tuple(
            {"qubits": list(sub.qubits), "labels": "; ".join(sub.labels), "d_hs_mean": sub.d_hs_mean,
             "ci_low": float(sub.d_hs_ci.ci_low), "ci_high": float(sub.d_hs_ci.ci_high), "haar": float(sub.haar),
             "ratio_to_haar": float(sub.ratio_to_haar), "product_max": float(sub.product_max)}
            for sub in analysis.measures.subsystems)
        notes_measures = tuple(analysis.measures.notes)
        timings["theorems"] = time.perf_counter() - t1
    else:
        from bpcalc.bounds.analysis import exact_variances
        from bpcalc.bounds.measures import parameter_structure

        structure = {s.symbol: s for s in parameter_structure(model)}
        typed, loss_section = {}, None
        if exact:
            exact_map, note = exact_variances(model, model.trainable_symbols, exponent_symbols)
        else:
            exact_map, note = {}, "exact variances not requested"
        exact_notes = {s.name: note for s in model.trainable_symbols}
        applicable, refused, model_verdict = {}, {}, {}
        dataset_rows, notes_measures = (), ()
        if model.dataset is not None:
            notes_measures = ("dataset expressibility is computed with the theorems (drop --no-theorems)",)
        timings["structure"] = time.perf_counter() - t1
    sampled: dict[str, dict] = {}
    sample_note = ""
    skipped = _not_differentiable(pm)  # per parameter: no gradient rule for its gate
    if sample:
        t2 = time.perf_counter()
        bad = [b for b in pm.unsupported("sampling") if b.role != "trainable"]
        wanted = [sym for sym in model.trainable_symbols if sym.name not in skipped]
        if bad:
            sample_note = f"no sampled estimates: the samplers do not accept {bad[0].operation} ({bad[0].reason})"
        elif wanted:
            try:
                sampled = _sampled_estimates(model, int(sample), seed, sample_engine,
                                             wanted if skipped else "all")
            except ValueError as exc:
                sample_note = f"no sampled estimates: {exc}"
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
        timings["family"] = time.perf_counter() - t3
    groups = parameter_groups(model.ansatz, model.trainable_symbols)
    observable_norm = float(sum(abs(complex(t.coefficient)) for t in model.observable if t.qubits)) or 1.0
    uses: dict[str, list[str]] = {}
    for op in model.ansatz.all_operations():
        for s in cirq.parameter_symbols(op):
            uses.setdefault(s.name, []).append(_describe_op(op))
    reports = []
    for sym in model.trainable_symbols:
        st = structure[sym.name]
        ev = exact_map.get(sym.name)
        ex = None if ev is None else {"value": float(ev.value), "log10": float(ev.log10), "method": ev.method,
                                      "linear_loss": ev.linear_loss, "ci_low": ev.ci_low, "ci_high": ev.ci_high,
                                      "sampled": ev.sampled}
        scaling = fam.fits.get(sym.name) if fam is not None else None
        pa = typed.get(sym.name)
        # the one per-parameter rule (bpcalc.bounds.analysis.parameter_verdict) on the typed results;
        # verify adds the sampled estimate to its evidence
        v = parameter_verdict(bool(st.in_cone), pa.applicable if pa is not None else (),
                              pa.refused if pa is not None else (), ev, model.n_qubits, scaling=scaling,
                              observable_norm=observable_norm)
        label, text, evidence = v.label, v.text, list(v.evidence)
        sa = sampled.get(sym.name)
        if sa is not None:
            evidence.insert(1 if ev is not None else 0,
                            f"sampled Var = {sa['value']:.4g} [{sa['ci_low']:.3g}, {sa['ci_high']:.3g}] "
                            f"({sa['n_samples']} draws, {sa['engine']})")
        why = ""
        if sym.name in skipped and st.in_cone:
            why = f"no value: {skipped[sym.name]}"
        elif ex is None and exact and skipped and st.in_cone:
            others = ", ".join(sorted(skipped))
            why = (f"no exact value: the exact engine would have to average over {others}, whose gate it cannot "
                   "handle" + ("; the sampled value stands in" if sym.name in sampled
                               else "" if sample else "; pass --sample N for a sampled value"))
        reports.append(ParameterReport(
            name=sym.name, group=groups[sym.name], gates=tuple(uses.get(sym.name, ())), in_cone=bool(st.in_cone),
            width=int(st.width), depth=int(st.depth), bounds=applicable.get(sym.name, ()),
            refused=refused.get(sym.name, ()), exact=ex, exact_note=exact_notes.get(sym.name, ""),
            sampled=sampled.get(sym.name), scaling=scaling, verdict=label, verdict_text=text, evidence=tuple(evidence),
            note=why, size=v.size.label, size_text=v.size.text,
        ))
    notes = (list(pm.notes) + ([default_data_note] if default_data_note else []) + ([sample_note] if sample_note else [])
             + list(notes_measures) + [f"{r.name}: {r.note}" for r in reports if r.note])
    if fam is not None:
        notes += _family_consistency(fam, reports, model.n_qubits)
    missing = {n for n in exact_notes.values() if n and any(w in n for w in ("refused", "failed", "not "))}
    notes += [f"exact variances: {n}" for n in sorted(missing)]
    if sampled:
        q = next(iter(sampled.values()))["quantity"]
        notes.append("sampled Var is " + ("the mean over data points of Var[∂ℓ_i]" if q == "output" else "Var[∂C]"))
    exponent_note = exponent_convention_note(model.circuit, model.trainable_symbols, exponent_symbols)
    if exponent_note:
        notes.append(exponent_note)
    timings["total"] = time.perf_counter() - t0
    obs_text = observable if isinstance(observable, str) else str(model.observable)
    config = {
        "source": pm.source, "observable": obs_text, "trainable": trainable, "data": data, "embedding": embedding,
        "embedding_layers": embedding_layers, "dataset": dataset if not isinstance(dataset, circuits.Dataset) else dataset.name,
        "n_data": n_data, "loss": loss, "sample": sample, "sample_engine": sample_engine, "family": family,
        "qubits": None if qubits is None else list(parse_qubits(qubits)), "theorems": theorems, "exact": exact,
        "exponent_symbols": exponent_symbols,
        "angle_parameters": [a.to_dict() for a in pm.angle_parameters],
    }
    return ArchitectureReport(
        source=pm.source, name=model.name, n_qubits=model.n_qubits, n_gates=len(list(model.circuit.all_operations())),
        depth=len(model.circuit), observable=obs_text, trainable=tuple(s.name for s in pm.trainable),
        data=tuple(pm.data_names.get(s.name, s.name) for s in pm.data), gates=_gate_table(pm),
        parameters=tuple(reports), groups=_summarise_groups(reports), model_verdict=model_verdict, family=fam,
        notes=tuple(notes), config=config, timings={k: round(v, 3) for k, v in timings.items()}, seed=seed,
        dataset=dataset_rows, loss_variance=loss_section,
    )


# ----------------------------------------------------------------------------- comparison


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Several architectures over a range of ``n`` (see :func:`compare_architectures`)."""

    architectures: tuple[str, ...]
    descriptions: Mapping[str, str]
    qubits: tuple[int, ...]
    observable: Optional[str]
    parameter: str
    points: tuple[VariancePoint, ...]
    fits: Mapping[str, ScalingFit]
    seconds: float
    exponent_symbols: str = "angle"

    def series(self, architecture: str) -> tuple[VariancePoint, ...]:
        return tuple(p for p in self.points if p.architecture == architecture)

    def to_dict(self) -> dict:
        return {"architectures": list(self.architectures), "descriptions": dict(self.descriptions),
                "qubits": list(self.qubits), "observable": self.observable, "parameter": self.parameter,
                "points": [p.to_dict() for p in self.points],
                "fits": {k: v.to_dict() for k, v in self.fits.items()}, "seconds": self.seconds}

    def table(self) -> Table:
        """One row per ``n``, one column per architecture (``Var`` with its method)."""
        rows = []
        for n in self.qubits:
            row: list[Any] = [n]
            for a in self.architectures:
                p = next((q for q in self.points if q.architecture == a and q.n == n), None)
                if p is None or p.value is None:
                    row.append("—" if p is None else f"— ({p.method})")
                elif p.value == 0 and p.method == "path-sampled":
                    row.append("0: no sampled path survived (path-sampled)" if p.ci_high is None else
                               f"< {p.ci_high:.2e} (below resolution of path sampling)")
                else:
                    ci = "" if p.ci_low is None else f" [{p.ci_low:.2e}, {p.ci_high:.2e}]"
                    row.append(f"{p.value:.3e}{ci} ({p.method})")
            rows.append(tuple(row))
        return Table("Var[∂C/∂θ] by architecture", ("n",) + self.architectures, tuple(rows),
                     caption=f"parameter: {self.parameter}; observable: {self.observable or 'each architecture default'}")

    def to_report(self, figure: Optional[str] = None) -> Report:
        fit_rows = tuple((a, self.descriptions.get(a, ""), f.label, f.base, f.base_se, f.degree, f.text)
                         for a, f in self.fits.items())
        bound_rows = tuple((p.architecture, p.n, b["theorem"], b["bound"], b["kind"], b["value"], b["status"])
                           for p in self.points for b in p.bounds)
        tables = [self.table(), Table("Scaling", ("architecture", "circuit", "verdict", "base", "base SE", "degree", "fit"),
                                      fit_rows)]
        if bound_rows:
            tables.append(Table("Applicable theorems", ("architecture", "n", "theorem", "bound", "kind", "value", "status"),
                                bound_rows))
        notes = tuple(f"{p.architecture} n = {p.n}: {p.note}" for p in self.points if p.value is None and p.note)
        notes += self._resolution_notes()
        summary = "\n".join(f"- **{a}**: {f.text}" for a, f in self.fits.items())
        return Report(
            title="Architecture comparison: " + ", ".join(self.architectures),
            summary=summary, tables=tuple(tables),
            figures=(Figure(figure, "Var[∂C/∂θ] against n (log scale)"),) if figure else (),
            results=self.to_dict(), config={"qubits": list(self.qubits), "observable": self.observable,
                                            "parameter": self.parameter, "exponent_symbols": self.exponent_symbols},
            timings={"total": round(self.seconds, 3)}, notes=notes,
        )

    def _resolution_notes(self) -> tuple[str, ...]:
        zero = [f"{p.architecture} (n = {p.n})" for p in self.points if p.value == 0 and p.method == "path-sampled"]
        if not zero:
            return ()
        return (f"{', '.join(zero)}: no sampled Pauli path survived, so the estimate is 0 — the variance is below "
                "the path-sampling resolution (these points are left out of the fits); raise --samples, or use "
                "--method exact with a larger --max-terms",)

    def to_text(self) -> str:
        t = self.table()
        width = max(14, *(len(a) + 2 for a in self.architectures))
        cells = [[str(c) for c in row] for row in t.rows]
        colw = [4] + [max(width, *(len(r[i + 1]) for r in cells)) for i in range(len(self.architectures))]
        out = [t.caption, f"Exponent symbols (X^t): {self.exponent_symbols} convention (--exponent-symbols angle|symbol).",
               "  ".join(h.ljust(w) for h, w in zip(t.columns, colw))]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, colw)) for r in cells]
        out.append("")
        out += [f"{a}: {f.text}" for a, f in self.fits.items()]
        missing = [f"  {p.architecture} n = {p.n}: {p.note}" for p in self.points if p.value is None and p.note]
        if missing:
            out += ["", "not computed:"] + missing
        out += [f"note: {n}" for n in self._resolution_notes()]
        out.append(f"({self.seconds:.1f} s)")
        return "\n".join(out)


def _check_evaluable(arch: Architecture, ns: Sequence[int], parameter: str) -> None:
    """Raise unless ``arch`` can be built at some ``n`` in ``ns`` and has ``parameter`` there."""
    first_error = ""
    for n in ns:
        try:
            circuit = arch.circuit(n)
        except ValueError as exc:
            first_error = first_error or f"at n = {n}: {exc}"
            continue
        if parameter in PARAMETER_CHOICES:
            return
        names = sorted(s.name for s in cirq.parameter_symbols(circuit))
        if parameter in names:
            return
        first_error = first_error or (f"at n = {n}: parameter {parameter!r} is not a symbol of the circuit "
                                      f"(e.g. {names[:4]}); use one of {PARAMETER_CHOICES} or a symbol name")
    raise ValueError(f"{arch.name} cannot be evaluated at any of n = {list(ns)}; {first_error}")


def compare_architectures(
    architectures: Sequence[str | Architecture],
    qubits: str | Sequence[int] | None = "4..16",
    observable: Optional[str] = None,
    parameter: str = "first",
    *,
    method: str = "auto",
    max_terms: int = 2**17,
    n_samples: int = 2**14,
    seed: int = 0,
    bounds_up_to: int = 0,
    registry=None,
    exponent_symbols: str = "angle",
    memory_limit=None,
) -> Comparison:
    """Var[∂C/∂θ] of several architectures at several ``n``, with a scaling fit for each.

    Parameters
    ----------
    architectures : built-in names (:data:`BUILTIN_ARCHITECTURES`) or ``module:function``
        families of ``n``.
    qubits : sizes (:func:`parse_qubits`); sizes an architecture does not support (e.g. a
        QCNN at a non-power of two, a circuit file at another size) are reported as not
        computed.  ``None``: the files' own sizes when every architecture is a fixed circuit,
        else ``"4..16"``.
    observable : one observable for all (default: each architecture's own, see the table in
        the module docstring).
    parameter : ``'first'``, ``'max'``, ``'mean'`` or a symbol name (see :func:`variance_at`).
    method, max_terms, n_samples, seed : exact-engine options.
    bounds_up_to : also evaluate the registered theorems at ``n <= bounds_up_to`` (their
        assumption checks can cost exponential time in ``n``; 0 = never).

    Raises
    ------
    ValueError : unknown architecture, malformed ``qubits`` or ``parameter``; an architecture
        that cannot be built at any of the sizes, or lacks the named parameter at all of them
        (checked before anything is computed).
    """
    if isinstance(architectures, str):
        architectures = [architectures]
    archs = [resolve_architecture(a) for a in architectures]
    names = [a.name for a in archs]
    if len(set(names)) != len(names):
        raise ValueError(f"architectures must be distinct, got {names}")
    if not archs:
        raise ValueError("give at least one architecture to compare")
    if parameter not in PARAMETER_CHOICES and not isinstance(parameter, str):
        raise ValueError(f"parameter must be one of {PARAMETER_CHOICES} or a symbol name")
    if qubits is None:
        fixed = sorted({a.fixed_n for a in archs if a.fixed_n is not None})
        qubits = fixed if fixed and all(a.fixed_n is not None for a in archs) else "4..16"
    ns = parse_qubits(qubits)
    for arch in archs:  # before any computation: an architecture that cannot run at any size is an input error
        _check_evaluable(arch, ns, parameter)
    t0 = time.perf_counter()
    points = []
    for arch in archs:
        for n in ns:
            try:
                p = variance_at(arch, n, observable, parameter, method=method, max_terms=max_terms,
                                n_samples=n_samples, seed=seed, with_bounds=n <= bounds_up_to, registry=registry,
                                exponent_symbols=exponent_symbols, memory_limit=memory_limit)
            except ValueError as exc:
                p = VariancePoint(arch.name, n, parameter, None, method="not computed", note=str(exc))
            points.append(p)
    fits = {}
    for arch in archs:
        series = [p for p in points if p.architecture == arch.name and p.value is not None]
        fits[arch.name] = fit_scaling([p.n for p in series], [p.value for p in series],
                                      [(p.ci_low, p.ci_high) for p in series])
    return Comparison(tuple(names), {a.name: a.description for a in archs}, ns, observable, parameter,
                      tuple(points), fits, time.perf_counter() - t0, exponent_symbols)


def plot_comparison(comparison: Comparison, path: str | Path) -> Path:
    """Plot ``Var`` against ``n`` for every architecture (:func:`bpcalc.verify.figures.comparison_scan`:
    log axes, exact values as open squares, path-sampled ones with their interval, the
    verdict's fit line per architecture); writes ``path`` (``.png``, ``.pdf`` or ``.svg``) and
    its sibling formats and caption (``<stem>.png``, ``<stem>.pdf``, ``<stem>.caption.txt``);
    returns ``path``.

    Raises
    ------
    ValueError : ``path`` does not end in .png, .pdf or .svg.
    """
    from .figures import comparison_scan, draw_scan, save_figure

    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise ValueError(f"plot file must end in .png, .pdf or .svg, got {path.name!r}")
    fig, caption = draw_scan(comparison_scan(comparison, path.stem))
    save_figure(fig, caption, path.with_suffix(""))
    if path.suffix.lower() == ".svg":
        fig.savefig(path)
    return path
