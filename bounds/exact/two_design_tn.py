"""The local-2-design chain contracted as an MPS over qubits (the {1, SWAP} reduction).

After the twirl of an ``m``-qubit block that is a unitary 2-design, the two-copy operator on
the block lies in ``span{1_block, SWAP_block}`` and ``SWAP_block = ⊗_q SWAP_q`` is a product
operator.  So every qubit carries a two-dimensional local space.  This module uses the basis
``{e_I, ê_N}`` per qubit: ``e_I = 1 ⊗ 1`` and ``ê_N`` the *normalised* uniform mixture of the
three non-identity pairs ``(X⊗X + Y⊗Y + Z⊗Z)/√3 = (2 SWAP − 1)/√3``.  A pattern of
``I``/``N`` letters is then the support pattern of the chain of
:mod:`bpcalc.bounds.exact.two_design`, weighted per qubit instead of per segment, and with the
``1/√3`` normalisation the vector's 2-norm is its Pauli-pair 2-norm.  In that basis

* a block twirl is the orthogonal projector ``T = e_I e_Iᵀ + û ûᵀ`` on the block's
  ``2^m``-dimensional space, ``û_S = 3^{|S|/2}/sqrt(4^m − 1)`` for non-identity patterns
  ``S`` (identity stays identity; any non-identity pair becomes the uniform mixture);
* the differentiated block is ``D = 2^{2m−1}/(4^m − 1) · û ûᵀ`` (the twirl on both sides of
  its rotation times the fraction of strings that anticommute with the generator; it kills
  the identity);
* the observable ``Σ_a c_a P_a`` seeds ``Σ_a c_a² ⊗_{q ∈ supp P_a} ê_N/√3`` (pairs that differ
  on a qubit of some block are killed by the first block that touches it; a Pauli string and
  the uniform mixture on the same support have the same image under the twirl); a global
  projector ``⊗_q (1 ± Z_q)/2`` seeds the product ``⊗_q (e_I + ê_N/√3)/4`` (bond 1);
* a product input state ``⊗_q ρ_q`` closes the network with ``⊗_q (1, r_i·r_j/√3)``
  (Bloch vectors), a dataset's linear loss with the sum of these products.

Since ``T`` is symmetric, the Schrödinger (input-side) vector evolves with the same
matrices.  Every parameter at once: a backward pass stores the observable-side MPS after each
layer (consecutive blocks on disjoint qubit spans) that holds a wanted block, a forward pass
evolves the input-side MPS, and left/right environments of ``⟨F| layer |B⟩`` give every block
of the layer with its twirl replaced by ``D`` in one sweep.

Exactness.  ``T`` is an orthogonal projector and ``‖D‖ <= 2^{2m−1}/(4^m − 1) = f <= 1`` in this
basis, so a discarded singular value changes the final number by at most
``f (ε_F (‖B̃‖ + ε_B) + ‖F̃‖ ε_B)`` (``ε``: accumulated 2-norms of the discards, exact at the
orthogonality centre), reported as ``error_bound``.  With the default cutoff only singular
values below the float64 noise floor are dropped (``method='two-design-tn'``); a bond cap that
drops more gives ``'two-design-tn-truncated'``.

References
----------
.. [1] P. Braccia, P. Bermejo, L. Cincio, M. Cerezo, "Computing exact moments of local
   random quantum circuits via tensor networks", arXiv:2403.01706 (2024), Sec. III (the
   {1, SWAP} reduction of a twirled block and its MPS contraction).
.. [2] J. Napp, "Quantifying the barren plateau phenomenon for a model of unstructured
   variational ansätze", arXiv:2203.06174 (2022) (the Markov chain on supports).
.. [3] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753 (``r_{n,s}``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Optional, Sequence, Union

import cirq
import numpy as np

from bpcalc import circuits

from ..memory import MemoryBudget, MemoryBudgetExceeded
from .mps import MPS, Truncation, mps_sum, product_mps, sum_of_products_mps, transfer, transfer_right
from .pauli_paths import resolve_parameters
from .program import circuit_symbols
from .results import GradientVarianceResult
from .states import InputStates, ProductStates, as_input_states, loss_weights
from .two_design import DesignBlock, blocks_from_circuit, two_design_gradient_variance

__all__ = [
    "two_design_tn_gradient_variance",
    "design_gradient_variance",
    "design_tn_supported",
    "MAX_SPAN",
    "AUTO_CHAIN_MAX_QUBITS",
    "AUTO_MAX_SPAN",
]

#: a block is applied as one operator on the sites from its first to its last qubit
MAX_SPAN = 10
#: ``engine='auto'`` uses the chain up to this many block qubits (it is fast there), the network above
AUTO_CHAIN_MAX_QUBITS = 6
#: ``engine='auto'`` prefers the chain when a block spans more sites than this
AUTO_MAX_SPAN = 4
#: the weight of the non-identity letter that makes the basis orthonormal (Pauli-pair 2-norm)
ORTHONORMAL = 1.0 / math.sqrt(3.0)


@dataclasses.dataclass(frozen=True)
class _Block:
    lo: int  # first site of the span
    k: int  # span length
    m: int  # number of qubits of the block
    factor: float  # 2^{2m-1}/(4^m-1)
    twirl: np.ndarray  # (2^k, 2^k) projector on the span (identity on span sites outside the block)
    deriv: np.ndarray  # (2^k, 2^k) derivative map


def _span_operators(mask: Sequence[bool], mu: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Twirl and derivative operators on a span; ``mask[p]``: span site ``p`` is in the block.

    In the basis ``x_S = μ^{|S|} w_S`` (``w``: chain weights); ``μ = 1/√3`` is orthonormal.
    """
    k = len(mask)
    m = int(sum(mask))
    idx = np.arange(2**k)
    bits = (idx[:, None] >> (k - 1 - np.arange(k))[None, :]) & 1  # site p <-> bit k-1-p (merge order)
    inb = np.asarray(mask, dtype=bool)
    rest = (bits[:, ~inb] * (1 << np.arange(int((~inb).sum())))).sum(axis=1) if (~inb).any() else np.zeros(2**k, int)
    pop = bits[:, inb].sum(axis=1)
    out_w = np.where(pop > 0, (3.0 * mu) ** pop, 0.0) / (4.0**m - 1.0)  # μ^{|S|} 3^{|S|}/(4^m − 1)
    in_w = np.where(pop > 0, mu ** (-pop.astype(float)), 0.0)  # μ^{-|S'|}, S' ≠ I
    same_rest = rest[:, None] == rest[None, :]
    ident = (pop == 0).astype(float)
    proj = np.outer(out_w, in_w) * same_rest
    factor = 2.0 ** (2 * m - 1) / (4.0**m - 1.0)
    twirl = proj + np.outer(ident, ident) * same_rest
    return twirl, factor * proj, factor


def _layers(blocks: Sequence[DesignBlock], site: dict, mu: float) -> list[list[tuple[int, _Block]]]:
    """Consecutive blocks (circuit order) on pairwise disjoint site spans, as compiled operators."""
    cache: dict = {}
    layers: list[list[tuple[int, _Block]]] = []
    occupied: set = set()  # sites inside the spans of the current layer
    for t, b in enumerate(blocks):
        ss = sorted(site[q] for q in b.qubits)
        lo, hi = ss[0], ss[-1]
        if hi - lo + 1 > MAX_SPAN:
            raise ValueError(f"block {b.label or t} spans sites {lo}..{hi} (> {MAX_SPAN}); the network applies a block "
                             "on the sites between its qubits; use the 2-design chain (engine='chain')")
        mask = tuple(lo + p in ss for p in range(hi - lo + 1))
        if mask not in cache:
            cache[mask] = _span_operators(mask, mu)
        twirl, deriv, factor = cache[mask]
        op = _Block(lo=lo, k=hi - lo + 1, m=len(ss), factor=factor, twirl=twirl, deriv=deriv)
        span = range(lo, hi + 1)
        if not layers or any(j in occupied for j in span):
            layers.append([])
            occupied = set()
        layers[-1].append((t, op))
        occupied.update(span)
    return layers


def _apply_layer(mps: MPS, layer, trunc: Truncation, budget: MemoryBudget, leftward: bool = False,
                 transpose: bool = False) -> float:
    """Apply every block of ``layer`` (they commute), sweeping right (or left: fewer gauge moves);
    ``transpose``: the input side (``Tᵀ``)."""
    err = 0.0
    for _, op in (reversed(layer) if leftward else layer):
        twirl = op.twirl.T if transpose else op.twirl
        if op.k == 2:
            err += _apply_pair(mps, op.lo, twirl, trunc, budget, leftward)
        else:
            err += mps.apply_block(op.lo, op.k, twirl, trunc, budget,
                                   what=f"a {op.k}-site block of the 2-design network")
    return err


def _apply_pair(mps: MPS, lo: int, op: np.ndarray, trunc: Truncation, budget: MemoryBudget, leftward: bool) -> float:
    """A 4 x 4 operator on sites ``lo, lo+1``: one SVD at the orthogonality centre (exact 2-norm of the discard).

    The centre ends on ``lo`` (``leftward``) or ``lo + 1``, where the next block of the sweep needs it.
    """
    a0, b0 = mps.gauge
    if not (a0 == b0 and a0 in (lo, lo + 1)):
        mps.canonicalize(lo + 1 if leftward else lo)
    a, b = mps.tensors[lo], mps.tensors[lo + 1]
    cl, chi, cr = a.shape[0], a.shape[2], b.shape[2]
    if cl * cr > 4096:
        budget.check(4 * 8 * cl * 4 * cr, what=f"a 2-site block of bond {max(cl, cr)} in the 2-design network",
                     alternative="a bond-dimension cap (max_bond=)")
    m = (a.reshape(cl * 2, chi) @ b.reshape(chi, 2 * cr)).reshape(cl, 4, cr)
    m = np.matmul(op, m).reshape(cl * 2, 2 * cr)
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    r = trunc.keep(s)
    err = math.sqrt(float(np.sum(s[r:] ** 2))) if r < len(s) else 0.0
    if leftward:
        mps.tensors[lo] = (u[:, :r] * s[:r]).reshape(cl, 2, r)
        mps.tensors[lo + 1] = vt[:r].reshape(r, 2, cr)
        mps.gauge = (lo, lo)
    else:
        mps.tensors[lo] = u[:, :r].reshape(cl, 2, r)
        mps.tensors[lo + 1] = (s[:r, None] * vt[:r]).reshape(r, 2, cr)
        mps.gauge = (lo + 1, lo + 1)
    return err


def _merged(mps: MPS, lo: int, k: int) -> np.ndarray:
    m = mps.tensors[lo]
    for j in range(lo + 1, lo + k):
        m = np.tensordot(m, mps.tensors[j], axes=(m.ndim - 1, 0))
    return m.reshape(m.shape[0], -1, m.shape[-1])


def _with_op(op: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.einsum("st,atb->asb", op, m)


def _layer_values(f: MPS, b: MPS, layer) -> dict:
    """``⟨F| (layer with block t's twirl replaced by its derivative map) |B⟩`` for every block ``t``."""
    n = f.n
    segs = []  # (lo, k, op or None, t)
    starts = {op.lo: (t, op) for t, op in layer}
    j = 0
    while j < n:
        if j in starts:
            t, op = starts[j]
            segs.append((j, op.k, op, t))
            j += op.k
        else:
            segs.append((j, 1, None, None))
            j += 1
    left = [np.ones((1, 1))]
    for lo, k, op, _ in segs:
        fm, bm = _merged(f, lo, k), _merged(b, lo, k)
        left.append(transfer(left[-1], fm, _with_op(op.twirl, bm) if op is not None else bm))
    right = [np.ones((1, 1))]
    for lo, k, op, _ in reversed(segs):
        fm, bm = _merged(f, lo, k), _merged(b, lo, k)
        right.append(transfer_right(right[-1], fm, _with_op(op.twirl, bm) if op is not None else bm))
    right = right[::-1]
    out = {}
    for i, (lo, k, op, t) in enumerate(segs):
        if op is None:
            continue
        fm, bm = _merged(f, lo, k), _merged(b, lo, k)
        env = transfer(left[i], fm, _with_op(op.deriv, bm))
        out[t] = float(np.sum(env * right[i + 1]))
    return out


def _seed(observable, sites: dict, covered: set, n_sites: int, trunc: Truncation,
          budget: MemoryBudget, mu: float) -> tuple[MPS, float]:
    """The observable side ``Σ_a c_a² ⊗_{q ∈ supp P_a} ê_N/√3`` or a projector's product, and the
    natural log of a scale factor kept apart (``4^{-n}`` of a global projector underflows at n ≈ 510)."""
    if isinstance(observable, cirq.ProjectorString):
        vecs = [np.array([1.0, 0.0]) for _ in range(n_sites)]
        for q in observable.projector_dict:
            if q not in covered:
                raise ValueError(f"observable: projector qubit {q} is in no block; use the 2-design chain")
            vecs[sites[q]] = np.array([1.0, mu])  # (e_I + e_N)/4 in chain weights: the 1/4 goes to the log scale
        coef = abs(complex(observable.coefficient)) ** 2
        if coef == 0:
            return product_mps([np.zeros(2) for _ in range(n_sites)]), 0.0
        return product_mps(vecs), math.log(coef) - len(observable.projector_dict) * math.log(4.0)
    groups: dict = {}
    for ps in observable:
        if len(ps) == 0:
            continue
        c = complex(ps.coefficient)
        if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
            raise ValueError(f"observable term {ps} has a complex coefficient")
        qs = set(ps.qubits)
        inside = qs & covered
        if not inside:
            continue  # identity on every block: the derivative map kills its pairs
        if inside != qs:
            raise ValueError(f"observable term {ps} acts on qubits in no block and on block qubits; use the 2-design "
                             "chain (engine='chain')")
        key = tuple(sorted(sites[q] for q in qs))
        groups[key] = groups.get(key, 0.0) + c.real**2
    if not groups:
        return product_mps([np.zeros(2) for _ in range(n_sites)]), 0.0
    items = list(groups.items())
    total: Optional[MPS] = None
    chunk = 32
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        factors = np.zeros((len(part), n_sites, 2))
        factors[:, :, 0] = 1.0
        for a, (key, _) in enumerate(part):
            for j in key:
                factors[a, j] = (0.0, mu)
        piece = sum_of_products_mps(np.array([w for _, w in part]), factors)
        total = piece if total is None else mps_sum(total, piece)
        budget.check(4.0 * total.nbytes, what="the observable's two-copy MPS", alternative="fewer observable terms")
        total.compress(Truncation())
    assert total is not None
    return total, 0.0


def _closing(bloch: np.ndarray, pairs: Sequence[tuple[int, int, float]], trunc: Truncation, mu: float) -> MPS:
    """``Σ w ⊗_q (1, r_i·r_j/√3)`` over ``pairs`` ``(i, j, w)`` (bloch: ``(N, n_sites, 3)``)."""
    n_sites = bloch.shape[1]
    factors = np.ones((len(pairs), n_sites, 2))
    for a, (i, j, _) in enumerate(pairs):
        factors[a, :, 1] = np.einsum("qc,qc->q", bloch[i], bloch[j]) / (3.0 * mu)
    mps = sum_of_products_mps(np.array([w for _, _, w in pairs]), factors)
    if len(pairs) > 1:
        mps.compress(trunc)
    return mps


def design_tn_supported(circuit_or_blocks, observable, state=None, qubits=None) -> Optional[str]:
    """``None`` when :func:`two_design_tn_gradient_variance` handles the case, else the reason (one line)."""
    try:
        _prepare(circuit_or_blocks, observable, state, qubits, ORTHONORMAL)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def _check_observable(observable, covered: set) -> None:
    if isinstance(observable, cirq.ProjectorString):
        for q in observable.projector_dict:
            if q not in covered:
                raise ValueError(f"observable: projector qubit {q} is in no block; use the 2-design chain")
        return
    for ps in observable:
        c = complex(ps.coefficient)
        if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
            raise ValueError(f"observable term {ps} has a complex coefficient")
        qs = set(ps.qubits)
        if qs & covered and not qs <= covered:
            raise ValueError(f"observable term {ps} acts on qubits in no block and on block qubits; use the 2-design "
                             "chain (engine='chain')")


def _prepare(circuit_or_blocks, observable, state, qubits, mu: float):
    if isinstance(circuit_or_blocks, cirq.AbstractCircuit):
        blocks = blocks_from_circuit(circuit_or_blocks)
        symbols = circuit_symbols(circuit_or_blocks)
    else:
        blocks = tuple(circuit_or_blocks)
        if not blocks or not all(isinstance(b, DesignBlock) for b in blocks):
            raise TypeError("pass a block-tagged cirq.Circuit or a non-empty sequence of DesignBlock")
        symbols = [s for b in blocks for s in b.symbols]
    if not isinstance(observable, cirq.ProjectorString):
        observable = circuits.as_pauli_sum(observable)
        obs_qubits = set(q for ps in observable for q in ps.qubits)
    else:
        obs_qubits = set(observable.projector_dict)
    needed = set(q for b in blocks for q in b.qubits) | obs_qubits
    if qubits is None:
        qubits = tuple(state.qubits) if isinstance(state, InputStates) else tuple(sorted(needed))
    qubits = tuple(qubits)
    missing = needed - set(qubits)
    if missing:
        raise ValueError(f"qubits {sorted(missing)} are not among the state's qubits")
    states = as_input_states(state, qubits)
    if not isinstance(states, ProductStates):
        raise ValueError(f"the 2-design network takes product input states (ProductStates); got "
                         f"{type(states).__name__}; use the 2-design chain (engine='chain')")
    index = {q: j for j, q in enumerate(states.qubits)}
    covered_q = sorted(set(q for b in blocks for q in b.qubits), key=lambda q: index[q])
    sites = {q: j for j, q in enumerate(covered_q)}
    layers = _layers(blocks, sites, mu)
    _check_observable(observable, set(covered_q))
    bloch = states.bloch[:, [index[q] for q in covered_q], :]
    return blocks, symbols, observable, states, sites, layers, bloch


def two_design_tn_gradient_variance(
    circuit_or_blocks: Union[cirq.AbstractCircuit, Sequence[DesignBlock]],
    observable,
    state=None,
    parameters="all",
    *,
    weights=None,
    covariance: bool = False,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    max_bond: Optional[int] = None,
    cutoff: Optional[float] = None,
    memory_limit=None,
    basis_weight: Optional[float] = None,
) -> GradientVarianceResult:
    """``Var[∂_k L]`` when every block is a local 2-design, contracted as an MPS over qubits.

    The same quantity as :func:`bpcalc.bounds.exact.two_design_gradient_variance` (the chain on
    support patterns), with memory and time polynomial in the number of qubits for a fixed
    bond dimension.

    Parameters
    ----------
    circuit_or_blocks : a circuit with block tags (``circuits.alternating_layered``,
        ``tensor_product``, ``qcnn``) or a sequence of
        :class:`~bpcalc.bounds.exact.two_design.DesignBlock` in circuit order.  A block is
        applied on the sites from its first to its last qubit (at most :data:`MAX_SPAN`).
    observable : a ``cirq.PauliSum``-like observable whose non-identity terms lie on block
        qubits, or a ``cirq.ProjectorString`` on block qubits (the global cost
        ``cirq.ProjectorString({q: 0 for q in qubits})``; a product, bond dimension 1).
    state : product input states (``None`` = ``|0…0⟩``, a product-state string, a
        :class:`~bpcalc.bounds.exact.states.ProductStates` dataset).
    parameters, weights, covariance, qubits : as in
        :func:`bpcalc.bounds.exact.two_design_gradient_variance`.
    max_bond, cutoff : bond-dimension cap and relative singular-value cutoff (default: only
        the float64 noise floor ``1e-14``); the result is ``'two-design-tn-truncated'`` when a
        singular value above the noise floor was discarded, with a rigorous ``error_bound``.
    memory_limit : memory budget (``'4GiB'``, bytes, a :class:`bpcalc.bounds.memory.MemoryBudget`).
    basis_weight : the weight ``μ`` of the non-identity letter in the site basis (default
        ``1/√3``, orthonormal: the twirls are projectors and ``error_bound`` is rigorous).  Other
        values change only where rounding and the noise-floor cutoff act — a cross-check for
        deep circuits, where the rigorous bound exceeds the value
        (``details['relative_error_bound'] > 1``); ``error_bound`` is then ``nan``.

    Returns
    -------
    GradientVarianceResult with ``method='two-design-tn'`` (or ``'two-design-tn-truncated'``);
    ``n_terms`` is the largest bond dimension held, ``details['max_bond']`` too.

    Raises
    ------
    ValueError : untagged operations, overlapping blocks, a parameter in no block, entangled
        input states, observable terms on qubits outside every block, a block span above
        :data:`MAX_SPAN`.
    MemoryBudgetExceeded : before an allocation would exceed the budget.

    References
    ----------
    Braccia, Bermejo, Cincio, Cerezo, arXiv:2403.01706 (2024), Sec. III; Thanasilp et al.,
    arXiv:2110.14753 (``r_{n,s}``).

    Examples
    --------
    >>> import cirq; from bpcalc import circuits
    >>> from bpcalc.bounds.exact.two_design import seed_r_ns
    >>> n, s = 4, 2
    >>> c = circuits.tensor_product(n, block_size=s)
    >>> r = two_design_tn_gradient_variance(c, circuits.local_cost(cirq.LineQubit.range(n)), parameters="first")
    >>> bool(abs(r.values[0] - seed_r_ns(n, s) * (1 - 2**-s)) < 1e-12), r.method
    (True, 'two-design-tn')
    """
    t0 = time.perf_counter()
    mu = ORTHONORMAL if basis_weight is None else float(basis_weight)
    if not (mu > 0 and math.isfinite(mu)):
        raise ValueError(f"basis_weight must be a positive number, got {basis_weight!r}")
    if max_bond is not None and (not isinstance(max_bond, (int, np.integer)) or max_bond < 1):
        raise ValueError(f"max_bond must be a positive integer or None, got {max_bond!r}")
    if cutoff is not None and not (0.0 <= float(cutoff) < 1.0):
        raise ValueError(f"cutoff must be in [0, 1), got {cutoff!r}")
    blocks, symbols, observable, states, sites, layers, bloch = _prepare(circuit_or_blocks, observable, state, qubits, mu)
    wanted = resolve_parameters(parameters, symbols)
    block_of = {s: t for t, b in enumerate(blocks) for s in b.symbols}
    for s in wanted:
        if s not in block_of:
            raise ValueError(f"parameter {s} is in no block")
    deriv = set(block_of[s] for s in wanted)
    wanted_layers = [li for li, layer in enumerate(layers) if any(t in deriv for t, _ in layer)]
    budget = MemoryBudget.from_limit(memory_limit)
    trunc = Truncation() if cutoff is None and max_bond is None else Truncation(
        rel_cutoff=1e-14 if cutoff is None else max(float(cutoff), 1e-14), max_bond=max_bond)
    noise = Truncation()
    u = loss_weights(weights, states.n_states)
    n_data = states.n_states
    n_sites = len(sites)
    lossy = False
    # the default keeps every singular value above the float64 noise floor: nothing else is dropped
    user_cut = cutoff is not None or max_bond is not None
    peak = 1

    # backward pass: the observable side after each wanted layer
    b, log_scale = _seed(observable, sites, set(sites), n_sites, noise, budget, mu)
    eps_b = 0.0
    stored: dict = {}
    held = 0
    last_wanted = max(wanted_layers) if wanted_layers else -1
    first_wanted = min(wanted_layers) if wanted_layers else 0
    for li in range(len(layers) - 1, first_wanted - 1, -1):
        if li in wanted_layers:
            held += b.nbytes
            budget.check(2 * held, what=f"the stored observable-side MPS of {len(stored) + 1} layers",
                         alternative="fewer parameters per call")
            stored[li] = (b.copy(), eps_b, b.norm())
        if li == first_wanted:
            break
        err = _apply_layer(b, layers[li], trunc, budget, leftward=li % 2 == 0)
        lossy |= user_cut and _lossy(err, b)
        eps_b += err
        peak = max(peak, b.max_bond)

    # forward passes: one per closing (the linear loss, each data state, each pair)
    closings: list[tuple[str, tuple, list]] = []
    if n_data == 1:
        closings.append(("one", (0, 0), [(0, 0, 1.0)]))
    else:
        closings.append(("lin", (), [(i, j, float(u[i] * u[j])) for i in range(n_data) for j in range(n_data)
                                    if u[i] * u[j] != 0.0]))
        pairs = [(i, j) for i in range(n_data) for j in range(n_data)] if covariance else [(i, i) for i in range(n_data)]
        for i, j in pairs:
            closings.append(("pair", (i, j), [(i, j, 1.0)]))
    budget.check(8.0 * (len(closings) + 1) * len(deriv), what="the values")
    vals: dict = {}
    errs: dict = {}
    for name, key, pairs_w in closings:
        if not pairs_w:
            vals[(name, key)] = {t: 0.0 for t in deriv}
            errs[(name, key)] = {t: 0.0 for t in deriv}
            continue
        f = _closing(bloch, pairs_w, noise, mu)
        eps_f = 0.0
        v: dict = {}
        e: dict = {}
        for li in range(0, last_wanted + 1):
            if li in stored:
                bl, eb, nb = stored[li]
                got = _layer_values(f, bl, layers[li])
                nf = f.norm()
                for t, val in got.items():
                    if t in deriv:
                        fac = dict(layers[li])[t].factor
                        v[t] = val
                        e[t] = fac * (eps_f * (nb + eb) + nf * eb)
            if li == last_wanted:
                break
            err = _apply_layer(f, layers[li], trunc, budget, leftward=li % 2 == 1, transpose=True)
            lossy |= user_cut and _lossy(err, f)
            eps_f += err
            peak = max(peak, f.max_bond)
        vals[(name, key)] = v
        errs[(name, key)] = e

    k = len(wanted)
    order = [block_of[s] for s in wanted]
    if n_data == 1:
        one, eone = vals[("one", (0, 0))], errs[("one", (0, 0))]
        per_state = np.array([[one[t]] for t in order]).reshape(k, 1)
        values = per_state[:, 0] * u[0] ** 2
        bound = np.array([eone[t] for t in order]) * u[0] ** 2
        cov = per_state.reshape(k, 1, 1).copy() if covariance else None
    else:
        lin, elin = vals[("lin", ())], errs[("lin", ())]
        values = np.array([lin[t] for t in order])
        bound = np.array([elin[t] for t in order])
        per_state = np.array([[vals[("pair", (i, i))][t] for i in range(n_data)] for t in order]).reshape(k, n_data)
        cov = None
        if covariance:
            cov = np.array([[[vals[("pair", (i, j))][t] for j in range(n_data)] for i in range(n_data)]
                            for t in order]).reshape(k, n_data, n_data)
    # the backward light cone of the observable over the blocks: outside it the variance is 0 (proved)
    cone = set(observable.projector_dict) if isinstance(observable, cirq.ProjectorString) else \
        set(q for ps in observable for q in ps.qubits)
    in_cone = np.zeros(len(blocks), dtype=bool)
    for t in range(len(blocks) - 1, -1, -1):
        if cone & set(blocks[t].qubits):
            in_cone[t] = True
            cone |= set(blocks[t].qubits)
    inside = np.array([in_cone[t] for t in order], dtype=bool)
    raw = np.where(inside, values, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log10_values = np.where(raw > 0, np.log10(np.where(raw > 0, raw, 1.0)) + log_scale / math.log(10.0), -np.inf)
    scale = math.exp(log_scale)
    if mu != ORTHONORMAL:
        bound = np.full(len(raw), np.nan)  # the twirls are projectors (norm 1) only in the orthonormal basis
    values = raw * scale
    per_state = np.where(inside[:, None], per_state, 0.0) * scale
    bound = np.where(inside, bound, 0.0) * scale
    cov = None if cov is None else np.where(inside[:, None, None], cov, 0.0) * scale
    return GradientVarianceResult(
        parameters=tuple(wanted), values=values, method="two-design-tn-truncated" if lossy else "two-design-tn",
        per_state=per_state, weights=u, in_light_cone=inside, covariance=cov, error_bound=bound,
        n_terms=int(peak), seconds=time.perf_counter() - t0,
        details={"engine": "two-design tensor network (MPS over qubits, {1, SWAP} per qubit)",
                 "max_bond": int(peak), "layers": len(layers), "sites": n_sites,
                 "log10_values": log10_values,
                 # |true − value| / value <= this (rigorous); > 1 means the value is not certified
                 "relative_error_bound": np.where(values > 0, bound / np.where(values > 0, values, 1.0), np.where(bound > 0, np.inf, 0.0)),
                 "basis_weight": mu,
                 "blocks": [bk.label or str(bk.qubits) for bk in blocks],
                 "block_of_parameter": [blocks[block_of[s]].label for s in wanted],
                 "assumption": "every block is a unitary 2-design; the differentiated block on both sides of its rotation"},
    )


def _lossy(err: float, mps: MPS) -> bool:
    """A discard above the float64 noise floor (relative to the vector's norm)."""
    if err == 0.0:
        return False
    return err > 1e-12 * max(mps.norm(), 1e-300)


def design_gradient_variance(
    circuit_or_blocks: Union[cirq.AbstractCircuit, Sequence[DesignBlock]],
    observable,
    state=None,
    parameters="all",
    *,
    engine: str = "auto",
    weights=None,
    covariance: bool = False,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    memory_limit=None,
) -> GradientVarianceResult:
    """The 2-design variance by the cheaper engine: the support chain or the MPS network.

    ``engine='auto'`` takes the chain (:func:`~bpcalc.bounds.exact.two_design_gradient_variance`)
    when the blocks touch at most :data:`AUTO_CHAIN_MAX_QUBITS` qubits, a block spans more than
    :data:`AUTO_MAX_SPAN` sites, or the network does not apply (entangled input states,
    observable terms outside the blocks), else the network
    (:func:`two_design_tn_gradient_variance`); when the chain would exceed its memory or state
    limit the network is tried.  ``engine='chain'`` / ``'tn'`` force one.  The result's
    ``method`` says which ran (``'two-design'`` or ``'two-design-tn'``).

    Examples
    --------
    >>> import cirq; from bpcalc import circuits
    >>> c = circuits.alternating_layered(16, 16, 2)
    >>> r = design_gradient_variance(c, circuits.local_cost(cirq.LineQubit.range(16)), parameters="first")
    >>> r.method
    'two-design-tn'
    """
    if engine not in ("auto", "chain", "tn"):
        raise ValueError(f"engine must be 'auto', 'chain' or 'tn', got {engine!r}")
    kw = dict(weights=weights, covariance=covariance, qubits=qubits, memory_limit=memory_limit)
    if engine == "tn":
        return two_design_tn_gradient_variance(circuit_or_blocks, observable, state, parameters, **kw)
    if engine == "chain":
        return two_design_gradient_variance(circuit_or_blocks, observable, state, parameters, **kw)
    reason = design_tn_supported(circuit_or_blocks, observable, state, qubits)
    if reason is not None:
        return two_design_gradient_variance(circuit_or_blocks, observable, state, parameters, **kw)
    blocks = (blocks_from_circuit(circuit_or_blocks) if isinstance(circuit_or_blocks, cirq.AbstractCircuit)
              else tuple(circuit_or_blocks))
    order = {q: j for j, q in enumerate(sorted(set(q for b in blocks for q in b.qubits)))}
    n_q = len(order)
    span = max(max(order[q] for q in b.qubits) - min(order[q] for q in b.qubits) + 1 for b in blocks)
    # long spans (QCNN pooling at late levels) make the network's site operators large: the chain
    # first there (QCNN n = 16, Z0, 149 parameters: chain 10.9 s, network 14.8 s, bond 96)
    if isinstance(observable, cirq.ProjectorString) or (n_q > AUTO_CHAIN_MAX_QUBITS and span <= AUTO_MAX_SPAN):
        return two_design_tn_gradient_variance(circuit_or_blocks, observable, state, parameters, **kw)
    try:
        return two_design_gradient_variance(circuit_or_blocks, observable, state, parameters, **kw)
    except (MemoryBudgetExceeded, ValueError) as exc:
        if isinstance(exc, ValueError) and "support patterns" not in str(exc):
            raise
        return two_design_tn_gradient_variance(circuit_or_blocks, observable, state, parameters, **kw)
