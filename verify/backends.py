"""One interface for every simulator: the own batched engine, Cirq, noisy density matrices, qsim.

A :class:`Backend` prepares a parametrized circuit and an observable once
(:meth:`Backend.prepare`) and returns a :class:`Prepared` object that evaluates
``⟨O⟩`` for a whole ``(B, n_symbols)`` array of symbol values, and exposes a
``cirq.Sampler`` for finite-shot experiments.  Gradients (:mod:`bpcalc.verify.gradients`) are written
against this interface only.

Backends
--------
``own``             :class:`OwnEngine` — :mod:`bpcalc.verify.engine` (numpy, complex64/complex128).
``cirq``            :class:`CirqSimulator` — ``cirq.Simulator``.
``density_matrix``  :class:`DensityMatrix` — ``cirq.DensityMatrixSimulator`` with any
                    ``cirq.NoiseModel`` (see :func:`noise_model`).
``qsim``            :class:`QSim` — ``qsimcirq.QSimSimulator`` (optional extra
                    ``bpcalc[fast]``), ``cpu_threads`` = core count by default; with a noise
                    model expectation values are averages over ``repetitions`` quantum
                    trajectories (``QSimOptions.ev_noisy_repetitions``).
``auto``            the own engine below :data:`AUTO_QSIM_QUBITS` qubits, qsim from there on
                    when installed (measured crossover, see ``benchmarks/bench_gradients.py``).

Examples
--------
>>> import cirq, sympy, numpy as np
>>> q = cirq.LineQubit.range(2)
>>> c = cirq.Circuit(cirq.ry(sympy.Symbol("a")).on(q[0]), cirq.CNOT(*q))
>>> p = make_backend("own").prepare(c, cirq.Z(q[1]), symbols=[sympy.Symbol("a")])
>>> np.round(p.expectation(np.array([[0.0], [np.pi / 2]])), 6)
array([1., 0.])
"""

from __future__ import annotations

import abc
import dataclasses
import os
from typing import Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc.bounds.memory import MemoryBudget, MemoryBudgetExceeded
from bpcalc.circuits import as_pauli_sum, strip_block_tags

from . import engine as _engine
from .engine import blas_threads

__all__ = [
    "AUTO_QSIM_QUBITS",
    "BACKENDS",
    "NOISE_MODELS",
    "Backend",
    "Prepared",
    "OwnEngine",
    "CirqSimulator",
    "DensityMatrix",
    "QSim",
    "make_backend",
    "noise_model",
    "qsim_available",
    "blas_threads",
]

AUTO_QSIM_QUBITS = 18
BACKENDS = ("own", "cirq", "density_matrix", "qsim", "auto")
_SIM_COPIES = 3  # a Cirq simulation holds the state, a buffer and the expectation's work copy
NOISE_MODELS = ("depolarizing", "amplitude_damping", "phase_damping", "bit_flip", "phase_flip")


def qsim_available() -> bool:
    """True if ``qsimcirq`` can be imported."""
    try:
        import qsimcirq  # noqa: F401
    except ImportError:
        return False
    return True


def noise_model(kind: str, p: float) -> cirq.NoiseModel:
    """A ``cirq.NoiseModel`` applying the single-qubit channel ``kind(p)`` after every moment.

    Parameters
    ----------
    kind : one of :data:`NOISE_MODELS`.
    p : the channel strength in ``[0, 1]``.

    Raises
    ------
    ValueError : unknown kind or ``p`` outside ``[0, 1]``.
    """
    if not isinstance(p, (int, float, np.floating)) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"noise strength p must be in [0, 1], got {p!r}")
    channels = {
        "depolarizing": cirq.depolarize,
        "amplitude_damping": cirq.amplitude_damp,
        "phase_damping": cirq.phase_damp,
        "bit_flip": cirq.bit_flip,
        "phase_flip": cirq.phase_flip,
    }
    if kind not in channels:
        raise ValueError(f"unknown noise model {kind!r}; expected one of {NOISE_MODELS}")
    return cirq.ConstantQubitNoiseModel(channels[kind](float(p)))


def _symbols_of(circuit: cirq.AbstractCircuit, symbols: Optional[Sequence]) -> tuple[sympy.Symbol, ...]:
    found = set(cirq.parameter_symbols(circuit))
    if symbols is None:
        return tuple(sorted(found, key=lambda s: s.name))
    syms = tuple(sympy.Symbol(s) if isinstance(s, str) else s for s in symbols)
    missing = found - set(syms)
    if missing:
        raise ValueError(f"symbols {sorted(s.name for s in missing)} of the circuit are not among the given symbols")
    return syms


def _qubits_of(circuit, observable: cirq.PauliSum, qubits) -> tuple[cirq.Qid, ...]:
    if qubits is not None:
        return tuple(qubits)
    return tuple(sorted(set(circuit.all_qubits()) | {q for ps in observable for q in ps.qubits}))


def _check_values(values, n_symbols: int) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2 or v.shape[1] != n_symbols:
        raise ValueError(f"values must have shape (batch, {n_symbols}), got {np.shape(values)}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values contain NaN or infinite entries")
    return v


class Prepared(abc.ABC):
    """A circuit + observable prepared on a backend.

    Attributes
    ----------
    backend : the :class:`Backend`.
    circuit : the (tag-stripped) circuit.
    observable : the ``cirq.PauliSum``.
    symbols : column order of ``values``.
    qubits : qubit order.
    """

    compiled = None
    """The batched engine's compiled circuit (:class:`bpcalc.verify.engine.BatchedCircuit`) when this
    backend has one: the gradient routines then use its fast paths (shifted expectations in one
    pass, adjoint differentiation, exact outcome probabilities); ``None`` otherwise."""

    @property
    def has_batched_engine(self) -> bool:
        """Whether :attr:`compiled` offers the batched engine's fast paths."""
        return self.compiled is not None

    def __init__(self, backend: "Backend", circuit: cirq.Circuit, observable: cirq.PauliSum, symbols, qubits):
        self.backend = backend
        self.circuit = circuit
        self.observable = observable
        self.symbols = tuple(symbols)
        self.qubits = tuple(qubits)

    @abc.abstractmethod
    def expectation(self, values) -> np.ndarray:
        """``⟨O⟩`` for every row of ``values`` (``(B, n_symbols)``), as a real ``(B,)`` array."""

    def resolvers(self, values) -> list[cirq.ParamResolver]:
        v = _check_values(values, len(self.symbols))
        return [cirq.ParamResolver(dict(zip(self.symbols, row.tolist()))) for row in v]

    def sampler(self, seed: Optional[int] = None) -> cirq.Sampler:
        """A ``cirq.Sampler`` simulating the same physics (noise included)."""
        return self.backend.sampler(seed)

    def with_circuit(self, circuit: cirq.AbstractCircuit, symbols: Sequence) -> "Prepared":
        """The same backend and observable on another circuit (e.g. a shifted copy)."""
        return self.backend.prepare(circuit, self.observable, symbols=symbols, qubits=self.qubits)


class _CirqPrepared(Prepared):
    def __init__(self, backend, circuit, observable, symbols, qubits, simulator):
        super().__init__(backend, circuit, observable, symbols, qubits)
        self._simulator = simulator

    def expectation(self, values) -> np.ndarray:
        res = self._simulator.simulate_expectation_values_sweep(
            self.circuit, observables=[self.observable], params=self.resolvers(values), qubit_order=list(self.qubits)
        )
        return np.array([float(np.real(r[0])) for r in res])


class OwnPrepared(Prepared):
    """A circuit prepared on the own batched engine (:attr:`compiled` is set)."""

    def __init__(self, backend: "OwnEngine", circuit, observable, symbols, qubits):
        super().__init__(backend, circuit, observable, symbols, qubits)
        self.compiled = _engine.compile_circuit(
            circuit, qubits=qubits, symbols=symbols, dtype=backend.dtype, tile_size=backend.tile_size,
            memory_limit=backend.memory_limit,
        )
        self.compiled_observable = _engine.compile_observable(observable, self.compiled.qubits)

    def expectation(self, values) -> np.ndarray:
        with blas_threads(self.backend.threads):
            return self.compiled.expectation(values, self.compiled_observable)


@dataclasses.dataclass(frozen=True)
class Backend(abc.ABC):
    """A simulator behind the common interface."""

    @property
    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def prepare(self, circuit, observable, symbols=None, qubits=None) -> Prepared:
        """Prepare ``circuit`` and ``observable``; ``symbols`` fixes the column order of values."""

    @abc.abstractmethod
    def sampler(self, seed: Optional[int] = None) -> cirq.Sampler:
        """A ``cirq.Sampler`` with the same physics."""

    def check_memory(self, n_qubits: int) -> None:
        """Refuse (:class:`bpcalc.bounds.memory.MemoryBudgetExceeded`, one line) a register whose
        states would not fit the backend's memory budget, before anything is allocated.

        Default: :data:`_SIM_COPIES` state vectors of ``2^n`` amplitudes; backends holding
        density matrices override it.
        """
        if n_qubits > 60:  # more than 2^64 bytes: do not even form the number
            raise MemoryBudgetExceeded(f"state vectors on {n_qubits} qubits need 2^{n_qubits + 3} bytes or more, far above "
                                       "any memory budget; use the Pauli-path engine (bpcalc exact, no state vectors)")
        itemsize = np.dtype(getattr(self, "dtype", np.complex64)).itemsize
        MemoryBudget.from_limit(getattr(self, "memory_limit", None)).check(
            _SIM_COPIES * 2**n_qubits * itemsize,
            what=f"{'cirq.Simulator' if self.name == 'cirq' else f'the {self.name} sampler'} on {n_qubits} qubits "
                 f"(state vector, {_SIM_COPIES} working copies)",
            alternative="the Pauli-path engine (bpcalc exact, path sampling) or fewer qubits",
        )

    @property
    def noisy(self) -> bool:
        return False

    def describe(self) -> dict:
        return {"name": self.name, **{f.name: repr(getattr(self, f.name)) for f in dataclasses.fields(self)}}

    def _common(self, circuit, observable, symbols, qubits):
        if not isinstance(circuit, cirq.AbstractCircuit):
            raise TypeError(f"circuit must be a cirq.AbstractCircuit, got {type(circuit).__name__}")
        obs = as_pauli_sum(observable)
        circuit = strip_block_tags(cirq.Circuit(circuit))
        if cirq.is_measurement(circuit):
            raise ValueError("the circuit contains measurements; pass it without measurements")
        return circuit, obs, _symbols_of(circuit, symbols), _qubits_of(circuit, obs, qubits)


@dataclasses.dataclass(frozen=True)
class OwnEngine(Backend):
    """The batched numpy engine of :mod:`bpcalc.verify.engine` (noiseless)."""

    dtype: type = np.complex64
    tile_size: Optional[int] = _engine.DEFAULT_TILE_SIZE
    threads: Optional[int] = 1
    memory_limit: Optional[object] = None

    @property
    def name(self) -> str:
        return "own"

    def prepare(self, circuit, observable, symbols=None, qubits=None) -> Prepared:
        circuit, obs, syms, qs = self._common(circuit, observable, symbols, qubits)
        return OwnPrepared(self, circuit, obs, syms, qs)

    def sampler(self, seed: Optional[int] = None) -> cirq.Sampler:
        return cirq.Simulator(dtype=self.dtype, seed=seed)


@dataclasses.dataclass(frozen=True)
class _SimulatorBackend(Backend):
    """A backend that is one Cirq simulator: expectations through ``simulate_expectation_values_sweep``,
    samples through the same simulator (``seed`` overridable per sampler), memory checked first."""

    @abc.abstractmethod
    def _simulator(self, seed: Optional[int] = None):
        """The simulator, seeded with ``seed`` (``None``: the backend's own seed)."""

    @property
    def noisy(self) -> bool:
        return getattr(self, "noise", None) is not None

    def prepare(self, circuit, observable, symbols=None, qubits=None) -> Prepared:
        circuit, obs, syms, qs = self._common(circuit, observable, symbols, qubits)
        self.check_memory(len(qs))
        return _CirqPrepared(self, circuit, obs, syms, qs, self._simulator())

    def sampler(self, seed: Optional[int] = None) -> cirq.Sampler:
        return self._simulator(seed)


@dataclasses.dataclass(frozen=True)
class CirqSimulator(_SimulatorBackend):
    """``cirq.Simulator`` (noiseless state vectors)."""

    dtype: type = np.complex64
    seed: Optional[int] = None
    memory_limit: Optional[object] = None

    @property
    def name(self) -> str:
        return "cirq"

    def _simulator(self, seed: Optional[int] = None) -> cirq.Simulator:
        return cirq.Simulator(dtype=self.dtype, seed=self.seed if seed is None else seed)


@dataclasses.dataclass(frozen=True)
class DensityMatrix(_SimulatorBackend):
    """``cirq.DensityMatrixSimulator`` with an optional ``cirq.NoiseModel`` (exact mixed states)."""

    noise: Optional[cirq.NoiseModel] = None
    dtype: type = np.complex64
    seed: Optional[int] = None
    memory_limit: Optional[object] = None

    @property
    def name(self) -> str:
        return "density_matrix"

    def check_memory(self, n_qubits: int) -> None:
        """:data:`_SIM_COPIES` density matrices of ``4^n`` entries must fit the budget."""
        if n_qubits > 30:
            raise MemoryBudgetExceeded(f"a density matrix on {n_qubits} qubits needs 2^{2 * n_qubits + 3} bytes or more, far "
                                       "above any memory budget; use backend 'qsim' (noisy trajectories) or bpcalc exact")
        MemoryBudget.from_limit(self.memory_limit).check(
            _SIM_COPIES * 4**n_qubits * np.dtype(self.dtype).itemsize,
            what=f"a {n_qubits}-qubit density matrix ({_SIM_COPIES} working copies of 4^{n_qubits} entries)",
            alternative="backend 'qsim' (noisy trajectories on state vectors) or fewer qubits",
        )

    def _simulator(self, seed=None) -> cirq.DensityMatrixSimulator:
        return cirq.DensityMatrixSimulator(noise=self.noise, dtype=self.dtype, seed=self.seed if seed is None else seed)


@dataclasses.dataclass(frozen=True)
class QSim(_SimulatorBackend):
    """``qsimcirq.QSimSimulator``; with ``noise``, expectations average ``repetitions`` trajectories.

    Memory: qsim holds single-precision state vectors (8 bytes per amplitude, one trajectory at a
    time); :meth:`prepare` refuses a register whose working copies would exceed ``memory_limit``
    (:meth:`Backend.check_memory`) before qsim allocates anything.
    """

    cpu_threads: Optional[int] = None
    noise: Optional[cirq.NoiseModel] = None
    repetitions: int = 100
    seed: Optional[int] = None
    max_fused_gate_size: int = 2
    memory_limit: Optional[object] = None

    @property
    def name(self) -> str:
        return "qsim"

    def _simulator(self, seed=None):
        try:
            import qsimcirq
        except ImportError as exc:
            raise ValueError("the qsim backend needs qsimcirq: pip install 'bpcalc[fast]'") from exc
        threads = self.cpu_threads or os.cpu_count() or 1
        options = qsimcirq.QSimOptions(
            cpu_threads=int(threads),
            ev_noisy_repetitions=int(self.repetitions) if self.noise is not None else 1,
            max_fused_gate_size=int(self.max_fused_gate_size),
        )
        return qsimcirq.QSimSimulator(options, seed=self.seed if seed is None else seed, noise=self.noise)


def make_backend(
    backend="own",
    *,
    n_qubits: Optional[int] = None,
    noise: Optional[cirq.NoiseModel] = None,
    dtype=np.complex64,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    repetitions: int = 100,
    memory_limit=None,
) -> Backend:
    """Build a backend by name (or pass a :class:`Backend` through).

    Parameters
    ----------
    backend : ``'own'``, ``'cirq'``, ``'density_matrix'``, ``'qsim'``, ``'auto'`` or a Backend.
    n_qubits : needed by ``'auto'`` (own engine below :data:`AUTO_QSIM_QUBITS`, qsim above).
    noise : a ``cirq.NoiseModel`` (``density_matrix`` and ``qsim`` only; ``'auto'`` with noise
        picks qsim trajectories if installed, else the density-matrix simulator).
    dtype : complex64 or complex128 (own, cirq, density_matrix).
    seed : simulator seed (trajectories, samplers).
    threads : BLAS threads for the own engine (default 1), cpu threads for qsim (default all).
    repetitions : qsim trajectories per noisy expectation value.
    memory_limit : memory budget of the simulator (bytes, ``'4GiB'``; default half the
        available memory): states / density matrices that would not fit are refused with
        :class:`bpcalc.bounds.memory.MemoryBudgetExceeded` before anything is allocated.

    Raises
    ------
    ValueError : unknown name, noise with a noiseless backend, or qsim not installed.
    """
    if isinstance(backend, Backend):
        return backend
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a name {BACKENDS} or a Backend, got {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
    if noise is not None and not isinstance(noise, cirq.NoiseModel):
        raise TypeError(f"noise must be a cirq.NoiseModel, got {type(noise).__name__}")
    if backend == "auto":
        if noise is not None:
            backend = "qsim" if qsim_available() else "density_matrix"
        elif n_qubits is not None and n_qubits >= AUTO_QSIM_QUBITS and qsim_available():
            backend = "qsim"
        else:
            backend = "own"
    if noise is not None and backend in ("own", "cirq"):
        raise ValueError(f"backend {backend!r} is noiseless; use 'density_matrix' or 'qsim' with a noise model")
    if backend == "own":
        return OwnEngine(dtype=dtype, threads=1 if threads is None else threads, memory_limit=memory_limit)
    if backend == "cirq":
        return CirqSimulator(dtype=dtype, seed=seed, memory_limit=memory_limit)
    if backend == "density_matrix":
        return DensityMatrix(noise=noise, dtype=dtype, seed=seed, memory_limit=memory_limit)
    if not qsim_available():
        raise ValueError("the qsim backend needs qsimcirq: pip install 'bpcalc[fast]'")
    return QSim(cpu_threads=threads, noise=noise, repetitions=repetitions, seed=seed, memory_limit=memory_limit)
