"""Exact variances for layered ansätze whose blocks are local 2-designs (a Markov chain on supports).

Declare that every block of a layered ansatz (alternating layered, tensor product, QCNN, or
any circuit whose operations carry ``circuits.block_tag``) is drawn from a unitary 2-design
on its qubits.  In the Heisenberg picture the two-copy observable ``Σ c_Q c_R (Q, R)`` is
then propagated block by block (latest block first) with the exact twirl

    E_U[U^{†⊗2} (P ⊗ P') U^{⊗2}] = δ_{PP'} (4^m − 1)^{-1} Σ_{S ≠ I} S ⊗ S     (P ≠ I),

identity staying identity: pairs that differ on a block vanish, pairs that agree become
the uniform mixture of the ``4^m − 1`` non-identity strings on the block.  That mixture is
recorded only by its *support pattern*: the block's qubits are split into segments (by the
earlier block that will next act on them, or by the input state), and each segment is
either identity or uniformly non-identity — a Markov chain on supports (Napp [1]_; Braccia
et al. [2]_ contract the same chain as a tensor network).  The block that holds ``θ_k`` is
assumed to be a 2-design on both sides of its rotation ``R_P(θ_k)``: it acts as a twirl
times the factor ``2^{2m−1}/(4^m − 1)`` (the fraction of non-identity strings that
anticommute with ``P``), and kills pairs that are identity on the block.

The input state enters through ``Tr[ρ_i (Q_c ⊗ P)] Tr[ρ_j (R_c ⊗ P)]`` averaged over the
uniform non-identity ``P`` on each segment; for one layer of ``s``-qubit blocks and
``O_L = (1/n) Σ_j |0⟩⟨0|_j`` this reproduces the seed paper's
``Var[∂_k ℓ] = r_{n,s} D_HS(ρ^{(h)}, 1/2^s)`` and its cross terms [3]_.

References
----------
.. [1] J. Napp, "Quantifying the barren plateau phenomenon for a model of unstructured
   variational ansätze", arXiv:2203.06174 (2022).
.. [2] P. Braccia, P. Bermejo, L. Cincio, M. Cerezo, "Computing exact moments of local
   random quantum circuits via tensor networks", arXiv:2403.01706 (2024).
.. [3] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753, Eqs. for the
   tensor-product QNN (``r_{n,s}``) and its general block form.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Optional, Sequence, Union

import cirq
import numpy as np

from bpcalc import circuits

from .pauli_paths import resolve_parameters
from .states import loss_weights
from ..memory import MemoryBudget
from .program import circuit_symbols
from .results import GradientVarianceResult, LossVarianceResult
from .states import InputStates, as_input_states

__all__ = [
    "DesignBlock",
    "blocks_from_circuit",
    "two_design_gradient_variance",
    "two_design_loss_variance",
    "seed_r_ns",
    "block_gradient_variance",
    "MAX_CHAIN_STATES",
]

MAX_CHAIN_STATES = 2_000_000
_CHAIN_ENTRY_BYTES = 350  # dict slot + key tuple of five ints (measured with sys.getsizeof, rounded up)


@dataclasses.dataclass(frozen=True)
class DesignBlock:
    """A block assumed to be a unitary 2-design on ``qubits`` (``symbols``: its parameters)."""

    qubits: tuple
    symbols: tuple = ()
    label: str = ""

    @property
    def size(self) -> int:
        return len(self.qubits)


def blocks_from_circuit(circuit: cirq.AbstractCircuit) -> tuple[DesignBlock, ...]:
    """The tagged blocks of ``circuit`` in circuit order.

    Raises
    ------
    ValueError : the circuit has no block tags, or an operation outside every block, or
        two blocks that overlap in time on a shared qubit.
    """
    circuits.require_circuit(circuit)
    blocks = circuits.block_structure(circuit)
    if not blocks:
        raise ValueError(
            "the circuit carries no block tags (circuits.block_tag); build it with circuits.alternating_layered / "
            "tensor_product / qcnn, or pass a list of DesignBlock"
        )
    for m, moment in enumerate(circuit):
        for op in moment:
            if not circuits.block_tags(op):
                raise ValueError(f"operation {op} in moment {m} belongs to no block; every gate must be inside a 2-design block")
    ordered = sorted(blocks, key=lambda b: (min(b.moments), b.layer, b.index))
    # consecutive blocks on each qubit suffice (max(a) < min(b) <= max(b) < min(c)): linear, not quadratic
    last: dict = {}
    for b in ordered:
        for q in b.qubits:
            a = last.get(q)
            if a is not None and max(a.moments) >= min(b.moments):
                raise ValueError(f"blocks {a.layer}.{a.index} and {b.layer}.{b.index} overlap in time on shared qubits")
            last[q] = b
    return tuple(DesignBlock(qubits=b.qubits, symbols=b.symbols, label=f"{b.layer}.{b.index}") for b in ordered)


def seed_r_ns(n: int, s: int) -> float:
    """``r_{n,s} = s · 2^{3(s−1)} / (n² (2^{2s} − 1)²)`` of the seed paper (arXiv:2110.14753)."""
    return s * 2.0 ** (3 * (s - 1)) / (n**2 * (2.0 ** (2 * s) - 1) ** 2)


def block_gradient_variance(s: int, delta_o: float, d_hs: float) -> float:
    """General block form ``2^{2s−1}/(2^{2s} − 1)² · Δ(O_h) · D_HS(ρ^{(h)}, 1/2^s)``."""
    return 2.0 ** (2 * s - 1) / (2.0 ** (2 * s) - 1) ** 2 * delta_o * d_hs


@dataclasses.dataclass(frozen=True)
class _Segment:
    qubits: tuple[int, ...]  # state-qubit indices
    consumer: int  # index of the earlier block that acts next on these qubits (-1: the input state)


def _segments(blocks: Sequence[DesignBlock], index: dict) -> tuple[list[list[int]], list[_Segment]]:
    """Segments of each block, grouped by the earlier block that next acts on each qubit."""
    per_block: list[list[int]] = []
    segs: list[_Segment] = []
    for t, b in enumerate(blocks):
        groups: dict = {}
        for q in b.qubits:
            consumer = -1
            for t2 in range(t - 1, -1, -1):
                if q in blocks[t2].qubits:
                    consumer = t2
                    break
            groups.setdefault(consumer, []).append(index[q])
        ids = []
        for consumer, qs in sorted(groups.items()):
            ids.append(len(segs))
            segs.append(_Segment(qubits=tuple(sorted(qs)), consumer=consumer))
        per_block.append(ids)
    return per_block, segs


def _bits(pauli: cirq.PauliString, index: dict) -> tuple[int, int]:
    x = z = 0
    for q, p in pauli.items():
        j = index[q]
        if p in (cirq.X, cirq.Y):
            x |= 1 << j
        if p in (cirq.Z, cirq.Y):
            z |= 1 << j
    return x, z


def _chain(
    blocks: Sequence[DesignBlock],
    observable: cirq.PauliSum,
    index: dict,
    derivative_blocks: Sequence[int],
    max_states: int,
    budget: Optional[MemoryBudget] = None,
):
    """Backward chain: dict ``(S, qx, qz, rx, rz) -> weights (1 + len(derivative_blocks),)``.

    The dictionary is checked against the memory budget after every block: an entry costs its
    key (a tuple of five Python ints, ~350 bytes with the dict slot) and its weight array.
    """
    per_block, segs = _segments(blocks, index)
    n_cols = 1 + len(derivative_blocks)
    budget = budget if budget is not None else MemoryBudget.default()
    entry_bytes = _CHAIN_ENTRY_BYTES + 8 * n_cols + 112
    col_of = {b: 1 + i for i, b in enumerate(derivative_blocks)}
    terms = [(ps, float(complex(ps.coefficient).real)) for ps in observable if len(ps) > 0]
    # A pair P ⊗ Q that differs on a qubit of some block is killed by the first block (in this
    # backward order) that touches such a qubit, so only pairs that agree on every covered qubit
    # are seeded: n terms give ~n pairs instead of n² when the blocks cover the register.
    covered = 0
    for b in blocks:
        for q in b.qubits:
            covered |= 1 << index[q]
    by_covered_part: dict = {}
    for ps, c in terms:
        x, z = _bits(ps, index)
        by_covered_part.setdefault((x & covered, z & covered), []).append((x, z, c))
    states: dict = {}
    for group in by_covered_part.values():
        for xa, za, ca in group:
            for xb, zb, cb in group:
                key = (0, xa, za, xb, zb)
                w = states.setdefault(key, np.zeros(n_cols))
                w[0] += ca * cb
    for t in range(len(blocks) - 1, -1, -1):
        block = blocks[t]
        m = block.size
        bmask = 0
        for q in block.qubits:
            bmask |= 1 << index[q]
        my_segs = per_block[t]
        patterns = []
        for sub in range(1, 2 ** len(my_segs)):
            prob = 1.0
            act = 0
            for i, sid in enumerate(my_segs):
                if (sub >> i) & 1:
                    prob *= 4.0 ** len(segs[sid].qubits) - 1.0
                    act |= 1 << sid
            patterns.append((act, prob / (4.0**m - 1.0)))
        factor = 2.0 ** (2 * m - 1) / (4.0**m - 1.0)
        col = col_of.get(t)
        consumed_mask = 0
        for sid, seg in enumerate(segs):
            if seg.consumer == t:
                consumed_mask |= 1 << sid
        new: dict = {}
        for (s_act, qx, qz, rx, rz), w in states.items():
            consumed = s_act & consumed_mask
            cq = (qx & bmask, qz & bmask)
            cr = (rx & bmask, rz & bmask)
            if not consumed and cq == (0, 0) and cr == (0, 0):
                if col is not None:
                    w = w.copy()
                    w[col] = 0.0
                key = (s_act, qx, qz, rx, rz)
                if key in new:
                    new[key] += w
                else:
                    new[key] = w.copy()
                continue
            if cq != cr:
                continue  # the pair differs on the block: the twirl kills it
            w = w.copy()
            if col is not None:
                w[col] = w[0] * factor
            rest = s_act & ~consumed_mask
            nqx, nqz, nrx, nrz = qx & ~bmask, qz & ~bmask, rx & ~bmask, rz & ~bmask
            for act, prob in patterns:
                key = (rest | act, nqx, nqz, nrx, nrz)
                if key in new:
                    new[key] += prob * w
                else:
                    new[key] = prob * w
        states = new
        budget.check(len(states) * entry_bytes, what=f"the 2-design chain ({len(states):,} support patterns after "
                     f"block {t})", alternative="fewer parameters per call or the Pauli-path engine with "
                     "method='sample'")
        if len(states) > max_states:
            raise ValueError(
                f"the 2-design chain holds {len(states)} support patterns (limit {max_states}); "
                "use a smaller cone or the Pauli-path engine with sampling"
            )
    return states, segs


def _evaluate(states: dict, segs, input_states: InputStates, u: np.ndarray, covariance: bool):
    n = input_states.n_states
    n_cols = len(next(iter(states.values()))) if states else 1
    per_state = np.zeros((n_cols, n))
    lin = np.zeros(n_cols)
    cov = np.zeros((n_cols, n, n)) if covariance else None
    cache: dict = {}
    for (s_act, qx, qz, rx, rz), w in states.items():
        seg_qubits = [segs[i].qubits for i in range(len(segs)) if (s_act >> i) & 1]
        key = (s_act, qx, qz, rx, rz)
        v = cache.get(key)
        if v is None:
            v = input_states.support_average(seg_qubits, qx, qz, rx, rz)
            cache[key] = v
        per_state += np.outer(w, np.diag(v))
        lin += w * float(u @ v @ u)
        if covariance:
            cov += w[:, None, None] * v[None]
    return per_state, lin, cov


def _prepare(circuit_or_blocks, observable, state, qubits):
    if isinstance(circuit_or_blocks, cirq.AbstractCircuit):
        blocks = blocks_from_circuit(circuit_or_blocks)
        symbols = circuit_symbols(circuit_or_blocks)
    else:
        blocks = tuple(circuit_or_blocks)
        if not blocks or not all(isinstance(b, DesignBlock) for b in blocks):
            raise TypeError("pass a block-tagged cirq.Circuit or a non-empty sequence of DesignBlock")
        symbols = [s for b in blocks for s in b.symbols]
    observable = circuits.as_pauli_sum(observable)
    needed = set(q for b in blocks for q in b.qubits) | set(q for ps in observable for q in ps.qubits)
    if qubits is None:
        qubits = tuple(state.qubits) if isinstance(state, InputStates) else tuple(sorted(needed))
    qubits = tuple(qubits)
    missing = needed - set(qubits)
    if missing:
        raise ValueError(f"qubits {sorted(missing)} are not among the state's qubits")
    for ps in observable:
        c = complex(ps.coefficient)
        if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
            raise ValueError(f"observable term {ps} has a complex coefficient")
    states = as_input_states(state, qubits)
    index = {q: j for j, q in enumerate(qubits)}
    return blocks, symbols, observable, states, index


def two_design_gradient_variance(
    circuit_or_blocks: Union[cirq.AbstractCircuit, Sequence[DesignBlock]],
    observable,
    state=None,
    parameters="all",
    *,
    weights=None,
    covariance: bool = False,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    max_states: int = MAX_CHAIN_STATES,
    memory_limit=None,
) -> GradientVarianceResult:
    """``Var[∂_k L]`` when every block is a local 2-design (exact under that assumption).

    Parameters
    ----------
    circuit_or_blocks : a circuit with block tags (``circuits.alternating_layered``,
        ``tensor_product``, ``qcnn``) or a sequence of :class:`DesignBlock` in circuit order.
    observable, state, weights, covariance, qubits : as in
        :func:`bpcalc.bounds.exact.exact_gradient_variance`.
    parameters : which parameters (``'all'``, names, symbols, patterns); every parameter of a
        block gets the block's value.
    memory_limit : memory budget (``'4GiB'``, bytes, a :class:`bpcalc.bounds.memory.MemoryBudget`;
        default half of the available memory); the chain refuses with
        :class:`bpcalc.bounds.memory.MemoryBudgetExceeded` before it would exceed it.

    Returns
    -------
    GradientVarianceResult with ``method='two-design'``.

    Raises
    ------
    ValueError : untagged operations, overlapping blocks, a parameter in no block, too many
        support patterns.

    Examples
    --------
    >>> import cirq; from bpcalc import circuits
    >>> n, s = 4, 2
    >>> c = circuits.tensor_product(n, block_size=s)
    >>> r = two_design_gradient_variance(c, circuits.local_cost(cirq.LineQubit.range(n)), parameters="first")
    >>> bool(abs(r.values[0] - seed_r_ns(n, s) * (1 - 2**-s)) < 1e-12)
    True
    """
    t0 = time.perf_counter()
    blocks, symbols, observable, states, index = _prepare(circuit_or_blocks, observable, state, qubits)
    wanted = resolve_parameters(parameters, symbols)
    block_of = {}
    for t, b in enumerate(blocks):
        for s in b.symbols:
            block_of[s] = t
    for s in wanted:
        if s not in block_of:
            raise ValueError(f"parameter {s} is in no block")
    deriv = sorted(set(block_of[s] for s in wanted))
    u = loss_weights(weights, states.n_states)
    budget = MemoryBudget.from_limit(memory_limit)
    chain, segs = _chain(blocks, observable, index, deriv, max_states, budget)
    n = states.n_states
    k = len(wanted)
    if covariance:
        budget.check(8.0 * (1 + len(deriv)) * n * n * 2, what=f"the {n} x {n} covariance of {1 + len(deriv)} columns",
                     alternative="covariance=False or fewer data points")
    if chain:
        per_state_c, lin_c, cov_c = _evaluate(chain, segs, states, u, covariance)
    else:
        per_state_c = np.zeros((1 + len(deriv), n))
        lin_c = np.zeros(1 + len(deriv))
        cov_c = np.zeros((1 + len(deriv), n, n)) if covariance else None
    col = {b: 1 + i for i, b in enumerate(deriv)}
    values = np.array([lin_c[col[block_of[s]]] for s in wanted])
    per_state = np.array([per_state_c[col[block_of[s]]] for s in wanted]).reshape(k, n)
    cov = np.array([cov_c[col[block_of[s]]] for s in wanted]).reshape(k, n, n) if covariance else None
    return GradientVarianceResult(
        parameters=tuple(wanted), values=values, method="two-design", per_state=per_state, weights=u,
        in_light_cone=values != 0, covariance=cov, error_bound=np.zeros(k), n_terms=len(chain),
        seconds=time.perf_counter() - t0,
        details={"blocks": [b.label or str(b.qubits) for b in blocks], "block_of_parameter": [blocks[block_of[s]].label for s in wanted],
                 "assumption": "every block is a unitary 2-design; the differentiated block on both sides of its rotation"},
    )


def two_design_loss_variance(
    circuit_or_blocks: Union[cirq.AbstractCircuit, Sequence[DesignBlock]],
    observable,
    state=None,
    *,
    weights=None,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    max_states: int = MAX_CHAIN_STATES,
    memory_limit=None,
) -> LossVarianceResult:
    """``Var[L]`` when every block is a local 2-design (exact under that assumption).

    ``E[ℓ_i] = Σ_Q c_Q Tr[ρ_i Q]`` over the terms no block touches (a twirl averages every
    other non-identity string to zero).
    """
    t0 = time.perf_counter()
    blocks, _, observable, states, index = _prepare(circuit_or_blocks, observable, state, qubits)
    u = loss_weights(weights, states.n_states)
    chain, segs = _chain(blocks, observable, index, [], max_states, MemoryBudget.from_limit(memory_limit))
    n = states.n_states
    if chain:
        per_state_c, lin_c, _ = _evaluate(chain, segs, states, u, False)
        second_i, second = per_state_c[0], float(lin_c[0])
    else:
        second_i, second = np.zeros(n), 0.0
    covered = set(q for b in blocks for q in b.qubits)
    mean_i = np.zeros(n)
    identity = 0.0
    for ps in observable:
        c = float(complex(ps.coefficient).real)
        if len(ps) == 0:
            identity += c
        elif not (set(ps.qubits) & covered):
            x, z = _bits(ps, index)
            mean_i += c * _single_expectation(states, x, z)
    mean = float(u @ mean_i)
    return LossVarianceResult(
        value=second - mean**2, mean=mean + identity * float(u.sum()), second_moment=second, method="two-design",
        per_state=second_i - mean_i**2, per_state_mean=mean_i + identity, weights=u, error_bound=0.0,
        n_terms=len(chain), seconds=time.perf_counter() - t0,
        details={"assumption": "every block is a unitary 2-design"},
    )


def _single_expectation(states: InputStates, x: int, z: int) -> np.ndarray:
    from .paulis import n_words

    n = states.n_qubits
    w = n_words(n)
    xa = np.zeros((1, w), dtype=np.uint64)
    za = np.zeros((1, w), dtype=np.uint64)
    for j in range(n):
        if (x >> j) & 1:
            xa[0, j // 64] |= np.uint64(1) << np.uint64(j % 64)
        if (z >> j) & 1:
            za[0, j // 64] |= np.uint64(1) << np.uint64(j % 64)
    return states.expectations(xa, za, list(range(n)))[:, 0]

