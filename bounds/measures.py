"""Trainability measures of a :class:`circuits.Model`: locality, light cones, data expressibility.

What the theorems need as numbers:

* the observable's locality and each parameter's light cone (width, depth, and the input
  qubits on which the gradient depends — its *input support*);
* **dataset expressibility** (Thanasilp et al., arXiv:2110.14753, Sec. on dataset-induced
  barren plateaus): for every block / input support ``S`` of ``s`` qubits, the reduced data
  states ``ρ_S(x_i)`` and ``D_HS(ρ_S(x_i), 1/2^s) = Tr ρ_S² − 2^{-s}`` per data point, with
  mean (and a confidence interval), min and max over the dataset, the purities, the Haar
  reference ``(2^s − 2^{-s})/(2^n + 1)`` and the label-weighted ``Δ((1/N)Σ_i y_i ρ_S(x_i))``
  that fixes the variance of a linear loss;
* the embedded ensemble's distance from a state 2-design: the frame potential
  ``F₂ = E_{x≠x'} |⟨ψ(x)|ψ(x')⟩|⁴`` against Haar's ``2/(d(d+1))`` (U-statistic with a
  normal confidence interval from its Hoeffding projection) and Sim et al.'s KL
  expressibility (histogram of pairwise fidelities against ``(d−1)(1−F)^{d−2}``, bootstrap
  interval over data points).

Data states come from Cirq simulation (``model.data_state``), so ``n <= 20``
(:data:`MAX_STATE_QUBITS`); beyond that a ValueError says so.

Examples
--------
>>> from bpcalc import circuits
>>> from bpcalc.bounds.measures import measures
>>> n = 4
>>> model = circuits.Model(ansatz=circuits.tensor_product(n, 2), observable=circuits.local_cost(
...     circuits.tensor_product(n, 2).all_qubits()), embedding=circuits.make_embedding("tpe", n),
...     dataset=circuits.uniform_random(20, n, seed=1))
>>> m = measures(model, rng=np.random.default_rng(0))
>>> round(m.subsystems[0].d_hs_mean, 6)                     # product data states: 1 - 2^-2
0.75
>>> round(m.subsystems[0].haar, 6)                          # Haar reference (4 - 1/4)/(16 + 1)
0.220588

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, arXiv:2110.14753.
.. [2] S. Sim, P. D. Johnson, A. Aspuru-Guzik, "Expressibility and entangling capability of
   parameterized quantum circuits", Adv. Quantum Technol. 2, 1900070 (2019),
   arXiv:1905.10876 (KL expressibility, Eq. (1)).
.. [3] A. J. Scott, "Optimizing quantum process tomography with unitary 2-designs",
   J. Phys. A 41, 055308 (2008), arXiv:0711.1017 (frame potential).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Iterable, Mapping, Optional, Sequence

import cirq
import numpy as np
import sympy
from scipy import stats

from bpcalc.circuits import Model, backward_light_cone, block_structure, locality, parameter_light_cones

from .exact.states import check_state_vectors

__all__ = [
    "MAX_STATE_QUBITS",
    "Estimate",
    "ParameterStructure",
    "SubsystemExpressibility",
    "EnsembleExpressibility",
    "Measures",
    "data_states",
    "reduced_density_matrices",
    "purities",
    "hs_distance_to_maximally_mixed",
    "traceless_norm2",
    "overlap_matrix",
    "haar_reduced_distance",
    "haar_frame_potential",
    "frame_potential",
    "kl_expressibility",
    "parameter_structure",
    "dataset_expressibility",
    "ensemble_expressibility",
    "measures",
]

MAX_STATE_QUBITS = 20


# ----------------------------------------------------------------------------- small types


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A statistic with a confidence interval (``ci_low == ci_high == value`` when exact)."""

    value: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    method: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _mean_ci(values: np.ndarray, confidence: float) -> Estimate:
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if v.size < 2:
        return Estimate(m, m, m, confidence, int(v.size), "single value")
    se = float(v.std(ddof=1) / math.sqrt(v.size))
    t = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1))
    return Estimate(m, m - t * se, m + t * se, confidence, int(v.size), "mean over data points, Student t interval")


# ----------------------------------------------------------------------------- states


def data_states(
    model: Model, *, max_qubits: int = MAX_STATE_QUBITS, dtype=np.complex128, memory_limit=None
) -> np.ndarray:
    """``U(x_i)|0…0⟩`` for every data point, shape ``(N, 2**n)`` (Cirq simulation).

    Raises
    ------
    ValueError : no dataset or no embedding, ``n > max_qubits``, non-finite data.
    TypeError : ``model`` is not a :class:`circuits.Model`.
    MemoryBudgetExceeded : the ``N`` state vectors exceed ``memory_limit`` (bytes or ``'4GiB'``;
        default half the available memory); checked before simulating.
    """
    if not isinstance(model, Model):
        raise TypeError(f"expected a circuits.Model, got {type(model).__name__}")
    if model.dataset is None:
        raise ValueError("the model has no dataset: dataset expressibility needs data")
    if not list(model.embedding.all_operations()):
        raise ValueError("the model has no embedding: dataset expressibility needs an embedding U(x)")
    n = model.n_qubits
    if n > max_qubits:
        raise ValueError(
            f"state-based measures simulate 2^n amplitudes; n = {n} exceeds the limit {max_qubits}. "
            "Use the closed-form bounds (e.g. the Haar reference) or fewer qubits."
        )
    x = np.asarray(model.dataset.x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("dataset contains non-finite values")
    check_state_vectors(len(x), n, memory_limit, np.dtype(dtype).itemsize)
    return np.stack([model.data_state(row, dtype=dtype) for row in x])


def _as_batch(states: np.ndarray) -> tuple[np.ndarray, int]:
    psi = np.asarray(states)
    if psi.ndim == 1:
        psi = psi[None, :]
    if psi.ndim != 2:
        raise ValueError(f"states must have shape (N, 2**n), got {psi.shape}")
    n = int(round(math.log2(psi.shape[1])))
    if 2**n != psi.shape[1]:
        raise ValueError(f"state dimension {psi.shape[1]} is not a power of two")
    if not np.all(np.isfinite(psi)):
        raise ValueError("states contain non-finite amplitudes")
    return psi, n


def _check_subsystem(subsystem: Sequence[int], n: int) -> tuple[int, ...]:
    sub = tuple(int(i) for i in subsystem)
    if not sub or len(set(sub)) != len(sub) or min(sub) < 0 or max(sub) >= n:
        raise ValueError(f"subsystem must be distinct qubit indices in [0, {n}), got {subsystem}")
    return sub


def reduced_density_matrices(states: np.ndarray, subsystem: Sequence[int]) -> np.ndarray:
    """``ρ_S`` of each pure state (rows of ``states``), shape ``(N, 2^s, 2^s)``.

    Qubit index ``j`` is the ``j``-th qubit in Cirq's big-endian order; ``ρ_S`` is ordered by
    ``subsystem`` as given.
    """
    m = _bipartite_matrices(*_as_batch(states), subsystem)
    return np.einsum("nab,ncb->nac", m, m.conj())


def _bipartite_matrices(psi: np.ndarray, n: int, subsystem: Sequence[int]) -> np.ndarray:
    """Each state as a ``2^s × 2^r`` matrix, rows indexed by ``subsystem``, columns by the rest."""
    sub = _check_subsystem(subsystem, n)
    rest = [j for j in range(n) if j not in sub]
    t = psi.reshape((psi.shape[0],) + (2,) * n).transpose((0, *[j + 1 for j in sub], *[j + 1 for j in rest]))
    return t.reshape(psi.shape[0], 2 ** len(sub), 2 ** len(rest))


def purities(states: np.ndarray, subsystem: Sequence[int]) -> np.ndarray:
    """``Tr ρ_S²`` per state (computed on the smaller side of the bipartition)."""
    psi, n = _as_batch(states)
    sub = _check_subsystem(subsystem, n)
    rest = [j for j in range(n) if j not in sub]
    if not rest:
        return np.real(np.einsum("ni,ni->n", psi, psi.conj())) ** 2
    small = sub if len(sub) <= len(rest) else tuple(rest)
    rho = reduced_density_matrices(psi, small)
    return np.real(np.einsum("nab,nba->n", rho, rho))


def hs_distance_to_maximally_mixed(rho: np.ndarray) -> np.ndarray:
    """``D_HS(ρ, 1/d) = Tr ρ² − 1/d`` for one matrix or a batch ``(N, d, d)`` (unit trace)."""
    r = np.asarray(rho)
    d = r.shape[-1]
    return np.real(np.einsum("...ab,...ba->...", r, r)) - 1.0 / d


def traceless_norm2(m: np.ndarray) -> float:
    """``Δ(M) = Tr M² − (Tr M)²/d``, the squared HS norm of the traceless part (Hermitian M).

    ``Tr M² = Σ_ab M_ab M_ba`` is summed elementwise (``O(d²)``, no matrix product).
    """
    m = np.asarray(m)
    d = m.shape[-1]
    return float(np.real(np.sum(m * m.T)) - np.real(np.trace(m)) ** 2 / d)


def overlap_matrix(states: np.ndarray, subsystem: Sequence[int]) -> np.ndarray:
    """``G_ij = Tr[ρ_S(x_i) ρ_S(x_j)]`` for pure states (rows), shape ``(N, N)``.

    Computed on the cheaper side of the bipartition ``S | S̄``: from the reduced states
    (``N 4^s 2^r + N² 4^s`` operations) or, with ``ψ_i`` reshaped to a ``2^s × 2^r`` matrix
    ``m_i``, from ``Tr[ρ_i ρ_j] = ‖m_i† m_j‖_F²`` (``N² 2^s 4^r``), which never forms a
    ``2^s × 2^s`` matrix — for ``S`` the whole register it is ``|⟨ψ_i|ψ_j⟩|²``.
    """
    psi, n = _as_batch(states)
    sub = _check_subsystem(subsystem, n)
    n_states, s, r = psi.shape[0], len(sub), n - len(sub)
    via_rho = n_states * 4.0**s * 2.0**r + n_states**2 * 4.0**s
    via_rest = n_states**2 * 2.0**s * 4.0**r
    if via_rho <= via_rest:
        rho = reduced_density_matrices(psi, sub)
        flat = rho.reshape(n_states, -1)
        rho_t = np.swapaxes(rho, 1, 2).reshape(n_states, -1)
        return np.real(flat @ rho_t.T)
    m = _bipartite_matrices(psi, n, sub)
    gram = np.empty((n_states, n_states))
    for i in range(n_states):
        x = np.einsum("ab,jac->jbc", m[i].conj(), m)
        gram[i] = np.sum(np.abs(x) ** 2, axis=(1, 2))
    return gram


def haar_reduced_distance(n: int, s: int) -> float:
    """``E_{ψ~Haar}[D_HS(ρ_S, 1/2^s)] = (2^s − 2^{-s})/(2^n + 1)`` (s of n qubits)."""
    if not (isinstance(n, (int, np.integer)) and isinstance(s, (int, np.integer))) or not 1 <= s <= n:
        raise ValueError(f"need integers 1 <= s <= n, got n={n!r}, s={s!r}")
    return (2.0**s - 2.0**-s) / (2.0**n + 1.0)


# ----------------------------------------------------------------------------- ensembles


def haar_frame_potential(d: int, t: int = 2) -> float:
    """``E_{Haar}|⟨ψ|φ⟩|^{2t} = 1 / binom(d + t − 1, t)``."""
    return 1.0 / math.comb(d + t - 1, t)


def _gram_fidelities(psi: np.ndarray) -> np.ndarray:
    g = psi.conj() @ psi.T
    return np.abs(g) ** 2


def frame_potential(states: np.ndarray, t: int = 2, confidence: float = 0.95) -> Estimate:
    """Frame potential ``F_t = E_{x≠x'}|⟨ψ(x)|ψ(x')⟩|^{2t}`` of the embedded data ensemble.

    U-statistic over all pairs ``i ≠ j``; the interval uses the Hoeffding projection
    (``Var ≈ 4 Var(h₁)/N``).  A (state) t-design has ``F_t`` equal to
    :func:`haar_frame_potential`; every ensemble has ``F_t ≥`` that value.

    Raises
    ------
    ValueError : fewer than 3 states, ``t < 1``.
    """
    psi, n = _as_batch(states)
    if psi.shape[0] < 3:
        raise ValueError("the frame potential needs at least 3 data states")
    if t < 1:
        raise ValueError(f"t must be >= 1, got {t}")
    k = _gram_fidelities(psi) ** t
    np.fill_diagonal(k, np.nan)
    m = psi.shape[0]
    h1 = np.nanmean(k, axis=1)
    value = float(np.nanmean(k))
    se = math.sqrt(4.0 * float(np.var(h1, ddof=1)) / m)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return Estimate(value, value - z * se, value + z * se, confidence, m,
                    "U-statistic over pairs, normal interval from the Hoeffding projection")


def _haar_bin_log_probs(edges: np.ndarray, d: int) -> np.ndarray:
    """log P_Haar(F in [a, b)) = log((1−a)^{d−1} − (1−b)^{d−1}), stable for huge d."""
    out = np.empty(len(edges) - 1)
    for j, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        if a >= 1.0:
            out[j] = -np.inf
            continue
        la = (d - 1) * math.log1p(-a)
        if b >= 1.0:
            out[j] = la
        else:
            lb = (d - 1) * math.log1p(-b)
            out[j] = la + math.log1p(-math.exp(lb - la))
    return out


def _kl_from_fidelities(f: np.ndarray, edges: np.ndarray, log_q: np.ndarray) -> float:
    counts, _ = np.histogram(f, bins=edges)
    if counts.sum() == 0:  # no pair of distinct data points (e.g. a one-point bootstrap draw)
        return float("nan")
    p = counts / counts.sum()
    mask = p > 0
    return float(np.sum(p[mask] * (np.log(p[mask]) - log_q[mask])))


def kl_expressibility(
    states: np.ndarray,
    bins: int = 75,
    confidence: float = 0.95,
    n_boot: int = 200,
    rng: Optional[np.random.Generator] = None,
) -> Estimate:
    """Sim et al.'s expressibility ``KL(P_data(F) ‖ P_Haar(F))`` over pairwise fidelities.

    ``P_Haar(F) = (d−1)(1−F)^{d−2}`` integrated exactly over each of ``bins`` equal bins on
    ``[0, 1]`` (in log space, so huge ``d`` is fine).  The interval is a percentile bootstrap
    over data points (pairs of the same original point excluded).  The plug-in histogram
    estimator is biased upwards (by about ``(bins − 1)/(2·pairs)``), and resampling adds to
    that bias, so for near-Haar ensembles the interval can lie above the point estimate: it
    measures resampling variability, not the bias.  Compare models at equal ``N`` and ``bins``.

    Raises
    ------
    ValueError : fewer than 3 states or ``bins < 2``.
    """
    psi, n = _as_batch(states)
    m = psi.shape[0]
    if m < 3:
        raise ValueError("KL expressibility needs at least 3 data states")
    if bins < 2:
        raise ValueError(f"bins must be >= 2, got {bins}")
    rng = rng if rng is not None else np.random.default_rng(0)
    fid = _gram_fidelities(psi)
    edges = np.linspace(0.0, 1.0, bins + 1)
    log_q = _haar_bin_log_probs(edges, 2**n)
    iu = np.triu_indices(m, 1)
    value = _kl_from_fidelities(np.clip(fid[iu], 0.0, 1.0), edges, log_q)
    boots = []
    for _ in range(max(0, n_boot)):
        idx = rng.integers(0, m, size=m)
        sub = fid[np.ix_(idx, idx)]
        a, b = np.triu_indices(m, 1)
        keep = idx[a] != idx[b]
        boots.append(_kl_from_fidelities(np.clip(sub[a[keep], b[keep]], 0.0, 1.0), edges, log_q))
    if boots:
        lo, hi = np.quantile(boots, [0.5 - confidence / 2, 0.5 + confidence / 2])
    else:
        lo = hi = value
    return Estimate(value, float(lo), float(hi), confidence, m,
                    f"histogram KL with {bins} bins, percentile bootstrap over data points ({n_boot} draws)")


# ----------------------------------------------------------------------------- structure


@dataclasses.dataclass(frozen=True)
class ParameterStructure:
    """How one trainable parameter reaches the observable.

    ``width``/``depth``: of its light cone (causal future ∩ the observable's backward cone);
    ``input_support``: indices of the qubits (in ``model.qubits`` order) whose reduced input
    state the gradient depends on; ``block``: ``(layer, index)`` of its block, if tagged.
    """

    symbol: str
    in_cone: bool
    width: int
    depth: int
    input_support: tuple[int, ...]
    block: Optional[tuple[int, int]]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def parameter_structure(model: Model) -> tuple[ParameterStructure, ...]:
    """Light-cone width/depth, input support and block of every trainable parameter."""
    if not isinstance(model, Model):
        raise TypeError(f"expected a circuits.Model, got {type(model).__name__}")
    index = {q: i for i, q in enumerate(model.qubits)}
    cones = parameter_light_cones(model.ansatz, model.observable)
    blocks = block_structure(model.ansatz)
    block_of = {s: (b.layer, b.index) for b in blocks for s in b.symbols}
    out = []
    all_terms = list(model.observable)
    supports: dict[tuple[int, ...], frozenset] = {}  # parameters reaching the same terms share one cone
    for sym in model.trainable_symbols:
        cone = cones[sym]
        reached = set(cone.forward.qubits)
        key = tuple(i for i, t in enumerate(all_terms) if set(t.qubits) & reached)
        if cone.in_cone and key:
            if key not in supports:
                terms = cirq.PauliSum.from_pauli_strings([all_terms[i] for i in key])
                supports[key] = frozenset(backward_light_cone(model.ansatz, terms).qubits)
            support_q = supports[key]
        else:
            support_q = frozenset()
        out.append(ParameterStructure(
            symbol=str(sym),
            in_cone=bool(cone.in_cone),
            width=int(cone.width),
            depth=int(cone.depth),
            input_support=tuple(sorted(index[q] for q in support_q)),
            block=block_of.get(sym),
        ))
    return tuple(out)


# ----------------------------------------------------------------------------- expressibility


@dataclasses.dataclass(frozen=True, eq=False)
class SubsystemExpressibility:
    """Dataset expressibility on one subsystem ``S`` (qubit indices into ``model.qubits``).

    Attributes
    ----------
    qubits : indices of ``S``; ``labels`` say why it was chosen (block, input support).
    d_hs : ``D_HS(ρ_S(x_i), 1/2^s)`` per data point; ``purity`` : ``Tr ρ_S(x_i)²``.
    d_hs_mean : mean over the data with a confidence interval; ``d_hs_min``/``d_hs_max``.
    haar : Haar reference ``(2^s − 2^{-s})/(2^n + 1)``; ``product_max`` : ``1 − 2^{-s}``
        (the value for pure product data states on ``S``).
    label_weighted_delta : ``Δ((1/N) Σ_i y_i ρ_S(x_i))`` (fixes a linear loss's variance).
    mean_state_delta : ``Δ((1/N) Σ_i ρ_S(x_i))``.
    """

    qubits: tuple[int, ...]
    labels: tuple[str, ...]
    n_qubits: int
    d_hs: np.ndarray
    purity: np.ndarray
    d_hs_ci: Estimate
    haar: float
    label_weighted_delta: float
    mean_state_delta: float

    @property
    def size(self) -> int:
        return len(self.qubits)

    @property
    def d_hs_mean(self) -> float:
        return float(np.mean(self.d_hs))

    @property
    def d_hs_min(self) -> float:
        return float(np.min(self.d_hs))

    @property
    def d_hs_max(self) -> float:
        return float(np.max(self.d_hs))

    @property
    def product_max(self) -> float:
        return 1.0 - 2.0 ** -self.size

    @property
    def ratio_to_haar(self) -> float:
        return self.d_hs_mean / self.haar

    def to_dict(self) -> dict:
        return {
            "qubits": list(self.qubits),
            "labels": list(self.labels),
            "n_qubits": self.n_qubits,
            "s": self.size,
            "d_hs_mean": self.d_hs_mean,
            "d_hs_ci": self.d_hs_ci.to_dict(),
            "d_hs_min": self.d_hs_min,
            "d_hs_max": self.d_hs_max,
            "purity_mean": float(np.mean(self.purity)),
            "haar": self.haar,
            "product_max": self.product_max,
            "ratio_to_haar": self.ratio_to_haar,
            "label_weighted_delta": self.label_weighted_delta,
            "mean_state_delta": self.mean_state_delta,
        }


def dataset_expressibility(
    states: np.ndarray,
    subsystems: Mapping[tuple[int, ...], Sequence[str]] | Iterable[Sequence[int]],
    labels_y: Optional[np.ndarray] = None,
    confidence: float = 0.95,
) -> tuple[SubsystemExpressibility, ...]:
    """:class:`SubsystemExpressibility` of the data states on each subsystem.

    Parameters
    ----------
    states : ``(N, 2**n)`` pure data states.
    subsystems : qubit-index tuples (or a mapping tuple -> labels).
    labels_y : the labels ``y_i`` (for the label-weighted Δ); default all ones.
    """
    psi, n = _as_batch(states)
    if isinstance(subsystems, Mapping):
        items = [(tuple(k), tuple(v)) for k, v in subsystems.items()]
    else:
        items = [(tuple(k), ()) for k in subsystems]
    y = np.ones(psi.shape[0]) if labels_y is None else np.asarray(labels_y, dtype=float)
    if y.shape != (psi.shape[0],) or not np.all(np.isfinite(y)):
        raise ValueError(f"labels must be {psi.shape[0]} finite numbers")
    out = []
    for sub, labels in items:
        sub = _check_subsystem(sub, n)
        # Δ(Σ_i w_i ρ_i) = wᵀ G w − (Σ_i w_i)²/2^s with G the overlap matrix Tr[ρ_i ρ_j]
        gram = overlap_matrix(psi, sub)
        pur = np.diag(gram).copy()
        w_label = y / psi.shape[0]
        w_mean = np.full(psi.shape[0], 1.0 / psi.shape[0])
        lw = float(w_label @ gram @ w_label - np.sum(w_label) ** 2 / 2.0 ** len(sub))
        ms = float(w_mean @ gram @ w_mean - 1.0 / 2.0 ** len(sub))
        d_hs = pur - 2.0 ** -len(sub)
        out.append(SubsystemExpressibility(
            qubits=sub, labels=labels, n_qubits=n, d_hs=d_hs, purity=pur,
            d_hs_ci=_mean_ci(d_hs, confidence), haar=haar_reduced_distance(n, len(sub)),
            label_weighted_delta=lw, mean_state_delta=ms,
        ))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class EnsembleExpressibility:
    """Distance of the embedded data ensemble from a state 2-design."""

    frame_potential: Estimate
    haar_frame_potential: float
    kl: Estimate
    n_states: int

    @property
    def frame_potential_excess(self) -> float:
        """``F₂ − F₂^Haar`` (``= ‖E[ψ^{⊗2}] − E_Haar[ψ^{⊗2}]‖₂²`` in the limit of many states)."""
        return self.frame_potential.value - self.haar_frame_potential

    @property
    def consistent_with_two_design(self) -> bool:
        """Haar's frame potential lies inside the interval (statistical, not a proof)."""
        return self.frame_potential.ci_low <= self.haar_frame_potential <= self.frame_potential.ci_high

    def to_dict(self) -> dict:
        return {
            "frame_potential": self.frame_potential.to_dict(),
            "haar_frame_potential": self.haar_frame_potential,
            "frame_potential_excess": self.frame_potential_excess,
            "frame_potential_ratio": self.frame_potential.value / self.haar_frame_potential,
            "consistent_with_two_design": self.consistent_with_two_design,
            "kl": self.kl.to_dict(),
            "n_states": self.n_states,
        }


def ensemble_expressibility(states: np.ndarray, *, confidence: float = 0.95, bins: int = 75,
                            n_boot: int = 200, rng: Optional[np.random.Generator] = None) -> EnsembleExpressibility:
    """Frame potential and KL expressibility of the data states (see the module docstring)."""
    psi, n = _as_batch(states)
    return EnsembleExpressibility(
        frame_potential=frame_potential(psi, 2, confidence),
        haar_frame_potential=haar_frame_potential(2**n, 2),
        kl=kl_expressibility(psi, bins=bins, confidence=confidence, n_boot=n_boot, rng=rng),
        n_states=int(psi.shape[0]),
    )


# ----------------------------------------------------------------------------- all together


@dataclasses.dataclass(frozen=True, eq=False)
class Measures:
    """Everything :func:`measures` computes for one model (see the module docstring)."""

    n_qubits: int
    qubits: tuple
    observable_support: tuple[int, ...]
    observable_max_weight: int
    observable_is_local: bool
    parameters: tuple[ParameterStructure, ...]
    subsystems: tuple[SubsystemExpressibility, ...]
    ensemble: Optional[EnsembleExpressibility]
    n_data: int
    dataset: str
    notes: tuple[str, ...] = ()
    data_states: Optional[np.ndarray] = dataclasses.field(default=None, repr=False)
    """The simulated data states ``(N, 2**n)`` when small enough (<= 2**22 amplitudes), for reuse
    by theorem modules (``ctx.measures.data_states``); ``None`` otherwise."""

    def parameter(self, symbol: sympy.Symbol | str) -> ParameterStructure:
        name = str(symbol)
        for p in self.parameters:
            if p.symbol == name:
                return p
        raise ValueError(f"no trainable parameter {name!r}")

    def subsystem(self, qubits: Sequence[int]) -> SubsystemExpressibility:
        key = tuple(sorted(int(q) for q in qubits))
        for s in self.subsystems:
            if tuple(sorted(s.qubits)) == key:
                return s
        raise ValueError(f"no dataset-expressibility entry for subsystem {key}")

    def for_parameter(self, symbol: sympy.Symbol | str) -> Optional[SubsystemExpressibility]:
        """The expressibility of the parameter's input support (None if not computed)."""
        p = self.parameter(symbol)
        if not p.input_support:
            return None
        try:
            return self.subsystem(p.input_support)
        except ValueError:
            return None

    def to_dict(self) -> dict:
        return {
            "n_qubits": self.n_qubits,
            "observable": {
                "support": list(self.observable_support),
                "max_weight": self.observable_max_weight,
                "is_local": self.observable_is_local,
            },
            "parameters": [p.to_dict() for p in self.parameters],
            "subsystems": [s.to_dict() for s in self.subsystems],
            "ensemble": None if self.ensemble is None else self.ensemble.to_dict(),
            "n_data": self.n_data,
            "dataset": self.dataset,
            "notes": list(self.notes),
        }


def measures(
    model: Model,
    *,
    rng: Optional[np.random.Generator] = None,
    confidence: float = 0.95,
    ensemble: bool = True,
    max_qubits: int = MAX_STATE_QUBITS,
    max_subsystem: int = 12,
    states: Optional[np.ndarray] = None,
) -> Measures:
    """Locality, light cones and (when the model has data) dataset expressibility.

    Subsystems analysed: every tagged block of the ansatz and every parameter's input
    support (up to ``max_subsystem`` qubits).  State-based measures need ``n <= max_qubits``;
    for larger models (or models without data) only the structural measures are returned and
    ``notes`` says why.

    Parameters
    ----------
    model : the model.
    rng : generator for the bootstrap (default seeded with 0).
    confidence : level of every interval.
    ensemble : also compute the frame potential and KL expressibility.
    states : precomputed data states (``(N, 2**n)``), to avoid re-simulating.

    Raises
    ------
    TypeError : not a Model.
    ValueError : non-finite data, bad ``confidence``.
    """
    if not isinstance(model, Model):
        raise TypeError(f"expected a circuits.Model, got {type(model).__name__}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    rng = rng if rng is not None else np.random.default_rng(0)
    index = {q: i for i, q in enumerate(model.qubits)}
    loc = locality(model.observable)
    params = parameter_structure(model)
    notes: list[str] = []
    subs: dict[tuple[int, ...], list[str]] = {}
    for b in block_structure(model.ansatz):
        subs.setdefault(tuple(sorted(index[q] for q in b.qubits)), []).append(f"block {b.layer}.{b.index}")
    support_of: dict[tuple[int, ...], list[str]] = {}
    for p in params:
        if p.input_support:
            support_of.setdefault(p.input_support, []).append(p.symbol)
    for key, names in support_of.items():
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        subs.setdefault(key, []).append(f"input support of {len(names)} parameter(s) ({shown})")
    for key in list(subs):
        if len(key) > max_subsystem:
            del subs[key]
            notes.append(f"subsystem {key} skipped: more than {max_subsystem} qubits")
    sub_results: tuple[SubsystemExpressibility, ...] = ()
    ens = None
    kept_states = None
    n_data = 0 if model.dataset is None else model.dataset.n_samples
    if model.dataset is None or not list(model.embedding.all_operations()):
        notes.append("no dataset/embedding: dataset expressibility not computed")
    elif model.n_qubits > max_qubits and states is None:
        notes.append(f"n = {model.n_qubits} > {max_qubits}: state-based measures not computed")
    else:
        psi = data_states(model, max_qubits=max_qubits) if states is None else _as_batch(states)[0]
        if psi.shape != (n_data, 2**model.n_qubits):
            raise ValueError(f"states must have shape ({n_data}, {2**model.n_qubits}), got {psi.shape}")
        if psi.size <= 2**22:
            kept_states = psi
            kept_states.setflags(write=False)
        y = np.asarray(model.dataset.y, dtype=float)
        sub_results = dataset_expressibility(psi, {k: tuple(v) for k, v in sorted(subs.items())}, y, confidence)
        if ensemble:
            if psi.shape[0] >= 3:
                ens = ensemble_expressibility(psi, confidence=confidence, rng=rng)
            else:
                notes.append("fewer than 3 data points: ensemble measures not computed")
    return Measures(
        n_qubits=model.n_qubits,
        qubits=tuple(model.qubits),
        observable_support=tuple(sorted(index[q] for q in loc.support)),
        observable_max_weight=loc.max_weight,
        observable_is_local=loc.is_local,
        parameters=params,
        subsystems=sub_results,
        ensemble=ens,
        n_data=n_data,
        dataset="" if model.dataset is None else model.dataset.name,
        notes=tuple(notes),
        data_states=kept_states,
    )
