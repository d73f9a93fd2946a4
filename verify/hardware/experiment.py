"""The gradient-variance experiment through the plain ``cirq.Sampler`` interface.

:func:`run_gradient_experiment` draws parameter vectors ``θ ~ U[0, 2π)``, estimates the
parameter-shift gradient ``∂_k ℓ(θ) = [ℓ(θ + π/2 e_k) − ℓ(θ − π/2 e_k)] / 2`` of
``ℓ(θ) = ⟨O⟩`` with finite shots on the COMPILED circuit (placed, routed, in the device's
gateset, read back from the program proto by default) through any ``cirq.Sampler``,
measures the observable by basis rotation (:mod:`bpcalc.verify.measurement`), and estimates
``Var_θ[∂_k ℓ]`` with a confidence interval (:func:`bpcalc.verify.stats.estimate_variance`).  The same draws are evaluated exactly with
``cirq.Simulator`` on the logical circuit, so the result also says whether the sampler
agrees with the noiseless simulator within the shot noise (noiseless engines) or by how
much noise shrinks the gradients (noisy engines).

Samplers (:func:`processor_sampler`): the noiseless virtual engine of ``cirq_google``
(``create_noiseless_virtual_engine_from_latest_templates``), the noisy quantum virtual
machine (``create_default_noisy_quantum_virtual_machine``: the processor's calibrated
``NoiseModelFromGoogleNoiseProperties``, simulated by qsim when installed).  Any other
``cirq.Sampler`` works unchanged, a real ``cirq_google.Engine`` sampler
(``engine.get_sampler(processor_id)``) included.

The shift is applied to the LOGICAL symbols: the compiled circuit is the same function of
θ as the input (exponents ``θ/π``), so resolvers built for the input circuit resolve it.
A symbol used by several gates is first split into one fresh symbol per occurrence
(:func:`bpcalc.verify.measurement.shifted_circuit`), before compilation.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Mapping, Optional, Sequence

import cirq
import cirq_google
import numpy as np
import scipy.stats
import sympy

from bpcalc.bounds.serialization import dumps
from bpcalc.circuits import as_pauli_sum, parameter_symbols

from ..measurement import estimate_expectation, group_qubitwise_commuting, shifted_circuit, shifted_resolvers
from ..stats import VarianceEstimate, estimate_variance
from .compile import CompiledCircuit, compile_for_device
from .devices import DeviceLike, load_target
from .serialize import from_program_proto, to_program_proto

__all__ = [
    "processor_sampler",
    "noise_data_covers",
    "GradientExperimentResult",
    "run_gradient_experiment",
    "noise_induced_bound",
]



def processor_sampler(processor: str, noisy: bool = False, seed: int | None = None) -> cirq.Sampler:
    """The ``cirq.Sampler`` of a ``cirq_google`` virtual processor.

    Parameters
    ----------
    processor : a virtual processor name (``'rainbow'``, ``'weber'``, ``'willow_pink'``).
    noisy : ``False``: the noiseless virtual engine
        (``create_noiseless_virtual_engine_from_latest_templates``); ``True``: the noisy
        quantum virtual machine (``create_default_noisy_quantum_virtual_machine``, qsim
        when installed) with the processor's calibrated noise model.
    seed : seed of the simulator behind the engine (``None``: the engines exactly as
        ``cirq_google`` builds them, unseeded).  With a seed the noiseless engine is built
        from the same device, specification and validators with a seeded ``cirq.Simulator``.

    Both samplers validate every circuit against the device (qubits, couplers, gateset)
    and the engine's program limits before running it, as Quantum Engine does.

    Raises
    ------
    ValueError : if ``processor`` is not a virtual processor.
    """
    names = cirq_google.engine.list_virtual_processors()
    if processor not in names:
        raise ValueError(f"no virtual engine for processor {processor!r}; virtual processors: {names}")
    if noisy:
        kwargs = {} if seed is None else {"seed": int(seed)}
        engine = cirq_google.engine.create_default_noisy_quantum_virtual_machine(processor, **kwargs)
        return engine.get_sampler(processor)
    if seed is None:
        return cirq_google.engine.create_noiseless_virtual_engine_from_latest_templates().get_sampler(processor)
    from cirq_google.engine import engine_validator, virtual_engine_factory as factory
    from cirq_google.engine.simulated_local_engine import SimulatedLocalEngine
    from cirq_google.engine.simulated_local_processor import SimulatedLocalProcessor

    spec = factory.create_device_spec_from_processor_id(processor)
    device = cirq_google.GridDevice.from_proto(spec)
    perfect = getattr(factory, "_create_perfect_calibration", None)  # private in cirq_google 1.7
    calibrations = {}
    if perfect is not None:
        calibration = perfect(device)
        calibrations = {calibration.timestamp // 1000: calibration}
    proc = SimulatedLocalProcessor(
        processor_id=processor,
        sampler=cirq.Simulator(seed=int(seed)),
        device=device,
        validator=engine_validator.create_engine_validator(),
        program_validator=engine_validator.create_program_validator(),
        calibrations=calibrations,
        device_specification=spec,
    )
    return SimulatedLocalEngine([proc]).get_sampler(processor)


def noise_data_covers(processor: str, gateset: str) -> bool:
    """Whether the processor's noise data has errors for the gateset's two-qubit gate.

    rainbow's and weber's calibration data (2021) carry √iSWAP and SYC errors but no CZ
    errors: on the ``'cz'`` gateset their noise model applies only T1/Tφ decay to CZ.
    """
    props = cirq_google.engine.load_device_noise_properties(processor)
    wanted = {"cz": cirq.CZPowGate, "sqrt_iswap": cirq.ISwapPowGate, "sycamore": cirq_google.SycamoreGate}[gateset]
    return any(issubclass(k.gate_type, wanted) for k in props.gate_pauli_errors)


@dataclasses.dataclass(frozen=True)
class GradientExperimentResult:
    """Result of :func:`run_gradient_experiment`.

    Attributes
    ----------
    processor, sampler : where it ran.
    symbols : differentiated parameters (columns of the arrays).
    n_qubits, n_draws, shots : sizes (``shots`` per shifted circuit and basis group).
    gradients : ``(n_draws, n_symbols)`` finite-shot parameter-shift gradients.
    shot_variances : their estimated shot-noise variances.
    exact_gradients : the same gradients from ``cirq.Simulator`` on the logical circuit
        (``None`` if ``reference=False``).
    variances : per symbol, shot-corrected ``Var_θ[∂ℓ]`` with a bootstrap confidence
        interval (:func:`bpcalc.verify.stats.estimate_variance`; the value is unbiased and can be
        negative when shot noise dominates, the interval is clipped at 0).
    exact_variances : per symbol, the variance of ``exact_gradients`` over the same draws.
    agreement_pvalues : per symbol, the χ² p-value of ``Σ_i (ĝ_i − g_i)² / σ̂²_i`` — large
        when the sampler agrees with the noiseless simulator within the shot noise.
    noise_bound : the noise-induced bound (Wang et al.) where available, else why not.
    compiled : the compilation summary (placement, SWAPs, gate counts).
    n_circuits_run : (circuit, resolver) pairs sent to the sampler.
    elapsed_s : wall time of the sampling.
    """

    processor: str
    sampler: str
    symbols: tuple[str, ...]
    n_qubits: int
    n_draws: int
    shots: int
    gradients: np.ndarray
    shot_variances: np.ndarray
    exact_gradients: Optional[np.ndarray]
    variances: tuple[VarianceEstimate, ...]
    exact_variances: Optional[tuple[VarianceEstimate, ...]]
    agreement_pvalues: Optional[tuple[float, ...]]
    noise_bound: dict
    compiled: dict
    n_circuits_run: int
    elapsed_s: float

    def to_dict(self) -> dict:
        return {
            "processor": self.processor,
            "sampler": self.sampler,
            "symbols": list(self.symbols),
            "n_qubits": self.n_qubits,
            "n_draws": self.n_draws,
            "shots": self.shots,
            "gradients": self.gradients.tolist(),
            "shot_variances": self.shot_variances.tolist(),
            "exact_gradients": None if self.exact_gradients is None else self.exact_gradients.tolist(),
            "variances": [v.to_dict() for v in self.variances],
            "exact_variances": None if self.exact_variances is None else [v.to_dict() for v in self.exact_variances],
            "agreement_pvalues": None if self.agreement_pvalues is None else list(self.agreement_pvalues),
            "noise_bound": self.noise_bound,
            "compiled": self.compiled,
            "n_circuits_run": self.n_circuits_run,
            "elapsed_s": self.elapsed_s,
        }

    def to_json(self) -> str:
        return dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        c = self.compiled
        r = c["routing"]
        pct = int(round(100 * self.variances[0].confidence)) if self.variances else 95
        lines = [
            f"gradient-variance experiment on {self.processor} via {self.sampler}",
            f"  {self.n_qubits} qubits, gateset {c['gateset']}, {c['compiled']['two_qubit_gates']} two-qubit gates, "
            f"placement {r['placement']} ({r['n_swaps']} SWAPs)",
            f"  {self.n_draws} parameter draws x {self.shots} shots per shifted circuit and basis group; "
            f"{self.n_circuits_run} circuits run in {self.elapsed_s:.1f} s",
        ]
        for k, s in enumerate(self.symbols):
            v = self.variances[k]
            lines.append(
                f"  Var[d l / d {s}] = {v.value:.4g}  ({pct}% CI [{v.ci_low:.4g}, {v.ci_high:.4g}], shot-noise corrected)"
            )
            if self.exact_variances is not None:
                e = self.exact_variances[k]
                lines.append(
                    f"    noiseless cirq.Simulator, same draws: {e.value:.4g}  ({pct}% CI [{e.ci_low:.4g}, {e.ci_high:.4g}])"
                )
            if self.agreement_pvalues is not None:
                lines.append(
                    f"    per-draw agreement with the noiseless simulator: chi2 p-value {self.agreement_pvalues[k]:.3g}"
                )
        nb = self.noise_bound
        if nb.get("available"):
            lines.append(f"  noise-induced bound ({nb.get('theorem')}): {nb.get('text')}")
        else:
            lines.append(f"  noise-induced bound: not compared ({nb.get('reason')})")
        return "\n".join(lines)


def _device_noise_q(processor: str) -> float | None:
    """``q = max_j (1 − 4 p_j / 3)``: the weakest single-qubit depolarizing contraction of the device."""
    props = cirq_google.engine.load_device_noise_properties(processor)
    p1 = [e for k, e in props.gate_pauli_errors.items() if issubclass(k.gate_type, cirq.PhasedXZGate)]
    return float(max(1 - 4 * p / 3 for p in p1)) if p1 else None


def noise_induced_bound(
    circuit: cirq.AbstractCircuit,
    observable: object,
    parameter: sympy.Symbol | None,
    processor: str | None,
    layers: int | None,
    registry=None,
) -> dict:
    """The noise-induced barren-plateau bound (Wang et al., arXiv:2007.14384) where available.

    Hook into the theorem library: looks up a theorem whose key starts with ``'wang2021.'``
    in ``registry`` (default: :func:`bounds.default_registry`) and instantiates it on a
    :class:`bounds.Context` with the model (``circuit`` as ansatz, ``observable``), the
    differentiated ``parameter``, and the numbers measured here for the inputs its bounds
    name: ``n`` (qubits), ``L`` (layers), ``q`` (the largest single-qubit Pauli-transfer
    factor of the device's calibrated depolarizing errors, ``q = 1 − 4p/3``) and ``omega_1``
    (1-norm of the observable's non-identity Pauli coefficients).  The numbers are also
    passed in ``Context.extra['hardware_noise']``.

    Returns
    -------
    dict
        ``{"available": False, "reason": ...}`` when the theorem, noise data or an input is
        missing or its assumptions are refused; else ``{"available": True, "theorem": key,
        "values": [...], "text": ...}``.
    """
    from bpcalc.bounds import Context, default_registry

    registry = default_registry() if registry is None else registry
    keys = [k for k in registry if str(k).startswith("wang2021.")]
    if not keys:
        return {"available": False, "reason": "theorem wang2021 (noise-induced barren plateaus) is not in the registry yet"}
    if processor is None or processor not in cirq_google.engine.list_virtual_processors():
        return {"available": False, "reason": "no calibrated noise data for this processor"}
    obs = as_pauli_sum(observable)
    numbers = {
        "n": len(cirq.Circuit(circuit).all_qubits()),
        "L": layers,
        "q": _device_noise_q(processor),
        "omega_1": float(sum(abs(complex(t.coefficient)) for t in obs if len(t) > 0)),
    }
    theorem = registry.get(keys[0])
    inputs = set().union(*(set(b.inputs) for b in theorem.bounds))
    values = {k: v for k, v in numbers.items() if k in inputs and v is not None}
    out: dict = {"available": False, "theorem": keys[0], "numbers": numbers}
    try:
        from bpcalc.circuits import Model

        model = Model(ansatz=cirq.Circuit(circuit), observable=obs)
    except (TypeError, ValueError):
        model = None
    try:
        context = Context(model=model, parameter=parameter, values=values, extra={"hardware_noise": numbers})
        inst = theorem.instantiate(context)
    except Exception as exc:  # a theorem may need inputs this hook cannot provide
        out["reason"] = f"could not evaluate {keys[0]}: {exc}"
        return out
    if not inst.values:
        reasons = "; ".join(str(r) for r in inst.refused) or "no bound applies"
        out["reason"] = f"{keys[0]} refused: {reasons}"
        return out
    out.update(
        available=True,
        values=[v.to_dict() for v in inst.values],
        text="; ".join(str(v) for v in inst.values),
    )
    return out


def _draws(symbols: Sequence[sympy.Symbol], n_draws: int, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.0, 2.0 * np.pi, size=(n_draws, len(symbols)))


def run_gradient_experiment(
    circuit: cirq.AbstractCircuit,
    observable: object,
    target: DeviceLike,
    sampler: cirq.Sampler,
    rng: np.random.Generator,
    *,
    symbols: Sequence[sympy.Symbol | str] | None = None,
    n_draws: int = 20,
    shots: int = 1000,
    gateset: str | None = None,
    placement: str = "auto",
    via_proto: bool = True,
    reference: bool = True,
    confidence: float = 0.95,
    fixed: Mapping[sympy.Symbol | str, float] | None = None,
    sampler_name: str = "",
    layers: int | None = None,
    max_repetitions_per_call: int = 1_000_000,
) -> GradientExperimentResult:
    """Sample the gradient variance of ``⟨O⟩`` on a Google device through a ``cirq.Sampler``.

    Parameters
    ----------
    circuit : the logical circuit (any qubits; no measurements).
    observable : ``cirq.PauliSum`` / ``PauliString`` / string on the circuit's qubits.
    target : processor name, ``GridDevice``, spec or ``HardwareTarget`` to compile for.
    sampler : any ``cirq.Sampler`` (:func:`processor_sampler`, a real Engine sampler, …).
    rng : source of the parameter draws and bootstrap.
    symbols : parameters to differentiate (default: the first symbol of the circuit).
    n_draws : parameter draws ``θ ~ U[0, 2π)`` (every symbol not in ``fixed``), >= 2.
    shots : repetitions per shifted circuit and basis group, >= 2.
    gateset, placement : passed to :func:`compile_for_device`.
    via_proto : run the circuit read back from its program proto (what Engine executes).
    reference : also compute exact gradients with ``cirq.Simulator`` on the logical circuit.
    confidence : of the variance intervals.
    fixed : values for symbols that are not drawn (e.g. data ``x_j``).
    sampler_name : label for reports.
    layers : the ansatz's layer count, for the noise-induced bound.
    max_repetitions_per_call : resolvers are sent in chunks below this many repetitions.

    Returns
    -------
    GradientExperimentResult

    Raises
    ------
    TypeError : a sampler that is not a ``cirq.Sampler``, an rng that is not a Generator.
    ValueError : bad sizes, unknown symbols, symbols outside Pauli rotations.
    """
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    if not isinstance(sampler, cirq.Sampler):
        raise TypeError(f"sampler must be a cirq.Sampler, got {type(sampler).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise ValueError(f"n_draws must be an int >= 2, got {n_draws!r}")
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 2:
        raise ValueError(f"shots must be an int >= 2, got {shots!r}")
    logical = cirq.Circuit(circuit)
    obs = as_pauli_sum(observable)
    all_symbols = parameter_symbols(logical)
    if not all_symbols:
        raise ValueError("the circuit has no symbols: there is no gradient to sample")
    fixed_values = {sympy.Symbol(k) if isinstance(k, str) else k: float(v) for k, v in (fixed or {}).items()}
    drawn = [s for s in all_symbols if s not in fixed_values]
    wanted = [sympy.Symbol(s) if isinstance(s, str) else s for s in (symbols or [drawn[0]])]
    unknown = [s for s in wanted if s not in set(all_symbols)]
    if unknown:
        raise ValueError(f"symbols {unknown} are not parameters of the circuit (it has {[s.name for s in all_symbols]})")
    shifted = shifted_circuit(logical, wanted)
    if isinstance(target, CompiledCircuit):
        raise TypeError("pass the target device, not a CompiledCircuit: the experiment compiles its own shifted circuit")
    tgt = load_target(target)
    compiled = compile_for_device(shifted.circuit, tgt, gateset=gateset, placement=placement)
    if not compiled.in_target_gateset:
        raise ValueError(f"compilation left operations outside the gateset: {compiled.outside_gateset[:3]}")
    run_circuit = from_program_proto(to_program_proto(compiled.circuit)) if via_proto else compiled.circuit
    physical_obs = compiled.map_observable(obs)

    thetas = _draws(drawn, n_draws, rng)
    occ = shifted.occurrences
    points = [{**fixed_values, **dict(zip(drawn, row))} for row in thetas]
    resolvers = shifted_resolvers(shifted, points)

    _, groups = group_qubitwise_commuting(physical_obs)
    per_resolver = max(1, shots * max(len(groups), 1))
    chunk = max(1, max_repetitions_per_call // per_resolver)
    start = time.perf_counter()
    means = np.zeros(len(resolvers))
    shot_vars = np.zeros(len(resolvers))
    for i in range(0, len(resolvers), chunk):
        est = estimate_expectation(sampler, run_circuit, physical_obs, resolvers[i : i + chunk], int(shots))
        means[i : i + chunk] = est.values
        shot_vars[i : i + chunk] = est.variances
    elapsed = time.perf_counter() - start

    col = {s: k for k, s in enumerate(wanted)}
    means = means.reshape(n_draws, len(occ), 2)
    shot_vars = shot_vars.reshape(n_draws, len(occ), 2)
    grads = np.zeros((n_draws, len(wanted)))
    grad_vars = np.zeros_like(grads)
    for j, (sym, _, coeff) in enumerate(occ):
        grads[:, col[sym]] += coeff * (means[:, j, 0] - means[:, j, 1]) / 2
        grad_vars[:, col[sym]] += coeff**2 * (shot_vars[:, j, 0] + shot_vars[:, j, 1]) / 4

    exact = None
    if reference:
        sim = cirq.Simulator(dtype=np.complex128)
        values = sim.simulate_expectation_values_sweep(shifted.circuit, observables=[obs], params=resolvers)
        ev = np.array([float(np.real(v[0])) for v in values]).reshape(n_draws, len(occ), 2)
        exact = np.zeros_like(grads)
        for j, (sym, _, coeff) in enumerate(occ):
            exact[:, col[sym]] += coeff * (ev[:, j, 0] - ev[:, j, 1]) / 2

    name = sampler_name or type(sampler).__name__
    variances = tuple(
        estimate_variance(
            grads[:, k], confidence=confidence, shot_variances=grad_vars[:, k], rng=rng, shots=int(shots),
            engine=name, parameter=s.name, derivative=f"d/d {s.name}",
        )
        for k, s in enumerate(wanted)
    )
    exact_variances = pvalues = None
    if exact is not None:
        exact_variances = tuple(
            estimate_variance(
                exact[:, k], confidence=confidence, rng=rng, engine="cirq.Simulator (exact, same draws)",
                parameter=s.name, derivative=f"d/d {s.name}",
            )
            for k, s in enumerate(wanted)
        )
        pv = []
        for k in range(len(wanted)):
            var = np.maximum(grad_vars[:, k], 1e-300)
            diff = grads[:, k] - exact[:, k]
            keep = grad_vars[:, k] > 0
            chi2 = float(np.sum(diff[keep] ** 2 / var[keep]))
            zero_var_mismatch = np.any((~keep) & (np.abs(diff) > 1e-9))
            pv.append(0.0 if zero_var_mismatch else float(scipy.stats.chi2.sf(chi2, max(int(keep.sum()), 1))))
        pvalues = tuple(pv)
    return GradientExperimentResult(
        processor=tgt.name,
        sampler=name,
        symbols=tuple(s.name for s in wanted),
        n_qubits=len(logical.all_qubits()),
        n_draws=int(n_draws),
        shots=int(shots),
        gradients=grads,
        shot_variances=grad_vars,
        exact_gradients=exact,
        variances=variances,
        exact_variances=exact_variances,
        agreement_pvalues=pvalues,
        noise_bound=noise_induced_bound(
            logical, obs, wanted[0], tgt.name if tgt.is_virtual else None, layers
        ),
        compiled=compiled.summary(),
        n_circuits_run=len(resolvers) * max(len(groups), 1),
        elapsed_s=elapsed,
    )
