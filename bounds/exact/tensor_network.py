"""Exact gradient variances by contracting the averaged two-copy circuit as an MPS over qubits.

The pair propagation of :mod:`bpcalc.bounds.exact.pauli_paths` (theory notes §3–4) is a *linear*
map on the vector of pair weights ``w(Q, R)``, and every averaged gate acts only on the
Pauli letters of its own qubits.  So the weight vector is a matrix product state over the
light cone's qubits and each gate a small operator on its sites:

* single Pauli-string observable without constant non-Clifford rotations: only diagonal
  pairs ``(Q, Q)`` occur, the chain is a Markov chain on ``{I, X, Y, Z}`` per qubit
  (``d = 4``): an averaged rotation is a stochastic matrix (``Q`` stays, or — when it
  anticommutes with the generator — goes to ``Q'`` with probability ½), a Clifford gate a
  permutation (signs square away on diagonal pairs);
* Pauli sums (and constant non-Clifford rotations): the pair space, ``d = 16`` letter pairs
  per qubit, with the signs of ``(Q', R')``; the observable ``O ⊗ O`` is the site-wise
  product of the MPS of ``O`` (a product operator such as the global cost
  ``|0…0⟩⟨0…0| = ⊗ (1 + Z)/2`` has bond dimension 1);
* the differentiated rotation keeps only anticommuting pairs (``½ (Q, R) + ½ (Q', R')``,
  times the chain-rule factor ``c²``);
* the input state closes the network with ``⊗_j Tr[ρ_j Q_j] Tr[ρ_j R_j]`` (product states;
  a dataset's linear loss ``Σ u_i ℓ_i`` uses the bond-``N`` sum of its product states).

Gates on non-neighbouring qubits are applied between SWAPs (exact permutations of sites).

In the pair space each site is stored in a reduced orthonormal basis of the subspace the
averaged gates leave it in (:mod:`bpcalc.bounds.exact.pair_space`: 6 of the 16 letter pairs
after an averaged rotation, 3–4 for the global cost on the hardware-efficient ansatz), exact.

Every parameter at once: one backward pass stores the observable-side MPS ``B`` after each
layer holding a wanted parameter, one forward pass evolves the input-side MPS ``F``; at such
a layer the left/right environments of ``⟨F| layer |B⟩`` give every parameter of the layer
(its gate replaced by the derivative map) for the cost of one sweep.

Exactness and error bounds.  Singular values are only discarded at the orthogonality centre,
so each discard changes the vector by exactly ``δ = sqrt(Σ s²_discarded)`` in 2-norm.  Every
averaged gate is an average of orthogonal maps (conjugation by a unitary in the Pauli basis),
so it does not increase 2-norms; the derivative map has norm ``<= c²``.  Hence for parameter
``k`` at a layer with stored ``B̃`` (accumulated discards ``ε_B``) and forward ``F̃``
(``ε_F``)::

    |value − value~| <= c² (ε_F (‖B̃‖ + ε_B) + ‖F̃‖ ε_B),

a rigorous bound reported as ``error_bound``.  With the default settings only singular
values below the float64 noise floor (``1e-14`` of the largest at that bond) are dropped:
``method='tn'``, the bound covering those.  With ``max_bond`` or a larger ``cutoff``,
``method='tn-truncated'`` whenever a singular value above the noise floor was dropped.

References
----------
.. [1] M. Cerezo et al., arXiv:2001.00550; S. Thanasilp et al., arXiv:2110.14753 (the
   averaged second moments).
.. [2] P. Braccia, P. Bermejo, L. Cincio, M. Cerezo, "Computing exact moments of local
   random quantum circuits via tensor networks", arXiv:2403.01706.
.. [3] J. Napp, "Quantifying the barren plateau phenomenon for a model of unstructured
   variational ansätze", arXiv:2203.06174 (Markov chain on Pauli strings).
.. [4] U. Schollwöck, Ann. Phys. 326, 96 (2011), arXiv:1008.3477 (MPS, canonical forms).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Optional, Sequence, Union

import cirq
import numpy as np
import scipy.sparse
import sympy
from threadpoolctl import threadpool_limits

from bpcalc import circuits

from ..bound import AssumptionFailed
from ..memory import MemoryBudget, MemoryBudgetExceeded
from .mps import MPS, NOISE_FLOOR, Truncation, mps_sum, product_mps, sum_of_products_mps, transfer, transfer_right
from .pair_space import BasisMPS, as_basis_mps, basis_overlap
from .program import (CliffordGroup, FixedRotation, PauliPathProgram, RotationGroup, circuit_symbols, compile_program,
                      resolve_parameters)
from .results import GradientVarianceResult
from .states import InputStates, ProductStates, as_input_states, loss_weights, state_qubits

__all__ = [
    "tn_gradient_variance",
    "tn_loss_second_moment",
    "TNSecondMoment",
    "product_projector",
    "route_gradient_variance",
    "TN_METHODS",
    "AUTO_MAX_BOND",
    "AUTO_MAX_WORK",
    "AUTO_MAX_BOND_PROJECTOR",
    "AUTO_MAX_FLOPS",
    "TN_BLAS_THREADS",
    "BondCapExceeded",
    "tn_cost_estimate",
]

TN_METHODS = ("tn", "auto")
STRATEGIES = ("auto", "environment", "per-parameter", "middle")
#: ``strategy='auto'`` contracts each parameter separately up to this many parameters
AUTO_PER_PARAMETER = 4
#: ``method='auto'`` gives up on the network (and falls back to enumeration / sampling) when
#: an exact bond dimension would exceed this (512: the HEA with n = 1000, L = 10 needs 365)
AUTO_MAX_BOND = 512
#: ``method='auto'`` with a Pauli sum that is a product projector (the expanded global cost): the
#: network runs with bond dimensions up to this (meet-in-the-middle: ~300 for the n = L = 12
#: hardware-efficient ansatz, 587 for n = L = 16, the largest global cost a Pauli sum can spell:
#: 27 s idle in reduced bases), else enumeration / path sampling decide as before
AUTO_MAX_BOND_PROJECTOR = 1024
#: the Pauli-pair engine's own fallback to the network (``pauli_paths._auto_tensor_network``)
#: tries it only when (wanted parameters) × (moments) × (light-cone qubits) is at most this
AUTO_MAX_WORK = 50_000
#: ``method='auto'`` tries the network only when :func:`tn_cost_estimate` (worst-case flops of
#: the block SVDs with every bond at its light-cone bound, capped at :data:`AUTO_MAX_BOND`) is
#: at most this; ``method='tn'`` has no such limit
AUTO_MAX_FLOPS = 4e12
#: BLAS threads used by the contractions.  One: the SVDs / QRs are of moderate size, and with
#: more threads than free cores OpenBLAS threads spin (measured on 2 shared cores, load ~12:
#: HEA n = 64, L = 8, every parameter, 31 s CPU with the default threads vs 1.2 s with one)
TN_BLAS_THREADS = 1
#: largest merged block ``d^k`` of one gate
MAX_BLOCK = 2**16


class BondCapExceeded(RuntimeError):
    """An exact contraction needed a bond dimension above the cap (``method='auto'``)."""


class _StrictTruncation(Truncation):
    """Keeps everything above the noise floor and raises when that exceeds ``max_bond``."""

    def keep(self, s: np.ndarray) -> int:
        if len(s) == 0 or s[0] <= 0:
            return 1
        r = int(np.count_nonzero(s > NOISE_FLOOR * s[0]))
        if self.max_bond is not None and r > self.max_bond:
            raise BondCapExceeded(f"an exact bond dimension of {r} exceeds the cap {self.max_bond}")
        return max(r, 1)


class _CountingTruncation(Truncation):
    """A truncation that remembers whether it dropped anything above the noise floor."""

    __slots__ = ("lossy",)

    def __init__(self, rel_cutoff: float, max_bond: Optional[int]) -> None:
        super().__init__(rel_cutoff, max_bond)
        self.lossy = False

    def keep(self, s: np.ndarray) -> int:
        r = super().keep(s)
        if len(s) and s[0] > 0 and r < int(np.count_nonzero(s > NOISE_FLOOR * s[0])):
            self.lossy = True
        return r


# ----------------------------------------------------------------------------------------
# gates as local operators
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class _Gate:
    """One averaged gate on the contiguous sites ``lo .. lo+k-1`` (backward map ``op``)."""

    lo: int
    k: int
    op: object  # scipy.sparse matrix, d^k x d^k: new[out] = Σ op[out, in] old[in]
    deriv: object = None
    param: Optional[int] = None

    @property
    def hi(self) -> int:
        return self.lo + self.k - 1


def _letter(code: np.ndarray, j: int) -> np.ndarray:
    return (code >> (2 * j)) & 3


def _encode(q: np.ndarray, r: Optional[np.ndarray], k: int, ranks: Sequence[int], pair: bool) -> np.ndarray:
    """Merged block index (first site most significant) of slot codes ``q`` (and ``r``)."""
    d = 16 if pair else 4
    out = np.zeros(q.shape, dtype=np.int64)
    for j in range(k):
        c = _letter(q, j) * 4 + _letter(r, j) if pair else _letter(q, j)
        out += c * d ** (k - 1 - ranks[j])
    return out


def _sparse(rows, cols, vals, size) -> scipy.sparse.csr_matrix:
    rows = np.concatenate(rows)
    cols = np.concatenate(cols)
    vals = np.concatenate(vals)
    keep = vals != 0
    return scipy.sparse.coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(size, size)).tocsr()


def _gate_operator(kind: str, lmap, k: int, ranks: Sequence[int], pair: bool, extra: tuple = ()) -> scipy.sparse.csr_matrix:
    """The averaged backward map of one gate on its ``k`` sites.

    ``kind``: ``'clifford'`` (``lmap.table`` images, ``lmap.signs``), ``'rotation'``
    (uniformly averaged), ``'derivative'`` (``extra = (c²,)``) or ``'fixed'``
    (``extra = (cos φ, sin φ)``).
    """
    size = (16 if pair else 4) ** k
    codes = np.arange(4**k, dtype=np.int64)
    table = np.asarray(lmap.table, dtype=np.int64)
    signs = np.asarray(lmap.signs, dtype=float)
    fcode = 0
    if kind != "clifford":
        for j in range(k):
            fcode |= (int(lmap.flip_x[j]) | (int(lmap.flip_z[j]) << 1)) << (2 * j)
    if not pair:
        q = codes
        col = _encode(q, None, k, ranks, False)
        if kind == "clifford":
            return _sparse([_encode(table[q], None, k, ranks, False)], [col], [np.ones(len(q))], size)
        a = table[q].astype(bool)
        qf = q ^ fcode
        if kind == "rotation":
            w_stay, w_flip = np.where(a, 0.5, 1.0), np.where(a, 0.5, 0.0)
        elif kind == "derivative":
            w_stay = w_flip = np.where(a, 0.5 * extra[0], 0.0)
        else:  # pragma: no cover - fixed rotations always use pair mode
            raise AssertionError("constant non-Clifford rotations need pair mode")
        return _sparse([col, _encode(qf, None, k, ranks, False)], [col, col], [w_stay, w_flip], size)
    q, r = (g.ravel() for g in np.meshgrid(codes, codes, indexing="ij"))
    col = _encode(q, r, k, ranks, True)
    if kind == "clifford":
        return _sparse([_encode(table[q], table[r], k, ranks, True)], [col], [signs[q] * signs[r]], size)
    aq, ar = table[q].astype(bool), table[r].astype(bool)
    qf, rf = q ^ fcode, r ^ fcode
    sq, sr = signs[q], signs[r]
    both1 = aq & ar
    if kind == "rotation":
        w_stay = np.where(~aq & ~ar, 1.0, np.where(both1, 0.5, 0.0))
        w_flip = np.where(both1, 0.5 * sq * sr, 0.0)
        return _sparse([col, _encode(qf, rf, k, ranks, True)], [col, col], [w_stay, w_flip], size)
    if kind == "derivative":
        w_stay = np.where(both1, 0.5 * extra[0], 0.0)
        w_flip = np.where(both1, 0.5 * extra[0] * sq * sr, 0.0)
        return _sparse([col, _encode(qf, rf, k, ranks, True)], [col, col], [w_stay, w_flip], size)
    c, s = extra
    rows, vals = [], []
    for q_out, wq in ((q, np.where(aq, c, 1.0)), (qf, np.where(aq, s * sq, 0.0))):
        for r_out, wr in ((r, np.where(ar, c, 1.0)), (rf, np.where(ar, s * sr, 0.0))):
            rows.append(_encode(q_out, r_out, k, ranks, True))
            vals.append(wq * wr)
    return _sparse(rows, [col] * 4, vals, size)


def _swap_operator(d: int) -> scipy.sparse.csr_matrix:
    a, b = np.meshgrid(np.arange(d), np.arange(d), indexing="ij")
    return scipy.sparse.coo_matrix((np.ones(d * d), ((b * d + a).ravel(), (a * d + b).ravel())), shape=(d * d, d * d)).tocsr()


def _compile_layers(program: PauliPathProgram, pair: bool, wanted: set) -> list[tuple[_Gate, ...]]:
    """The program's moments as layers of gates on contiguous, disjoint site blocks.

    A gate on non-neighbouring sites becomes SWAP layers, the gate on the gathered block,
    and the inverse SWAP layers.  Derivative operators are built only for ``wanted``.
    """
    d = 16 if pair else 4
    cache: dict = {}
    swap = _swap_operator(d)

    def operator(kind, lmap, k, ranks, extra=()):
        key = (kind, id(lmap), tuple(ranks), extra)
        if key not in cache:
            if d**k > MAX_BLOCK:
                raise ValueError(
                    f"a gate on {k} qubits needs a {d}^{k}-dimensional block in the tensor network (limit "
                    f"{MAX_BLOCK}); use method='exact' (Pauli-pair enumeration) or decompose the gate"
                )
            op = _gate_operator(kind, lmap, k, ranks, pair, extra)
            cache[key] = op.toarray() if k == 1 else op
        return cache[key]

    layers: list[tuple[_Gate, ...]] = []
    for moment in program.moments:
        items = []  # (slots, op, deriv, param)
        for ins in moment:
            if isinstance(ins, CliffordGroup):
                for a in ins.anchors:
                    slots = [a + off for off in ins.offsets]
                    items.append((slots, ("clifford", ins.lmap, ()), None, None))
            elif isinstance(ins, RotationGroup):
                for a, p in zip(ins.anchors, ins.params):
                    slots = [a + off for off in ins.offsets]
                    f2 = float(program.parameters[p].frequency) ** 2
                    der = ("derivative", ins.lmap, (f2,)) if p in wanted else None
                    items.append((slots, ("rotation", ins.lmap, ()), der, p if p in wanted else None))
            elif isinstance(ins, FixedRotation):
                slots = [ins.anchor + off for off in ins.offsets]
                items.append((slots, ("fixed", ins.lmap, (float(ins.cos), float(ins.sin))), None, None))
        main: list[_Gate] = []
        extra_layers: list[tuple[_Gate, ...]] = []
        for slots, spec, der, p in items:
            k = len(slots)
            order = sorted(range(k), key=lambda j: slots[j])
            ranks = [0] * k
            for pos, j in enumerate(order):
                ranks[j] = pos
            lo = min(slots)
            op = operator(spec[0], spec[1], k, ranks, spec[2])
            dop = operator(der[0], der[1], k, ranks, der[2]) if der is not None else None
            gate = _Gate(lo=lo, k=k, op=op, deriv=dop, param=p)
            srt = sorted(slots)
            if srt == list(range(lo, lo + k)):
                main.append(gate)
                continue
            swaps = []
            for i in range(1, k):
                for pos in range(srt[i], lo + i, -1):
                    swaps.append(pos - 1)
            extra_layers.extend((_Gate(lo=s, k=2, op=swap),) for s in swaps)
            extra_layers.append((gate,))
            extra_layers.extend((_Gate(lo=s, k=2, op=swap),) for s in reversed(swaps))
        if main:
            layers.append(tuple(sorted(main, key=lambda g: g.lo)))
        layers.extend(extra_layers)
    return layers


# ----------------------------------------------------------------------------------------
# the two MPS end points
# ----------------------------------------------------------------------------------------

_ONE_HOT = np.eye(4)


def _program_letters(program: PauliPathProgram) -> np.ndarray:
    """``(T, n_local)`` letter codes (0 I, 1 X, 2 Z, 3 Y) of the observable's terms."""
    obs = program.observable
    n = program.n_local
    out = np.zeros((len(obs), n), dtype=np.int64)
    for j in range(n):
        w, b = divmod(j, 64)
        bx = (obs.x[:, w] >> np.uint64(b)) & np.uint64(1)
        bz = (obs.z[:, w] >> np.uint64(b)) & np.uint64(1)
        out[:, j] = (bx + 2 * bz).astype(np.int64)
    return out


def _observable_mps(program: PauliPathProgram, pair: bool, trunc: Truncation) -> tuple[MPS, float]:
    """``O ⊗ O`` restricted to its diagonal (``pair=False``) or in the pair space."""
    letters = _program_letters(program)
    c = np.asarray(program.observable.coefficients, dtype=float)
    if not pair:
        vecs = [_ONE_HOT[letters[0, j]] for j in range(program.n_local)]
        vecs[0] = vecs[0] * c[0] ** 2
        return product_mps(vecs), 0.0
    err = 0.0
    acc: Optional[MPS] = None
    chunk = 128
    for start in range(0, len(c), chunk):
        part = sum_of_products_mps(c[start : start + chunk], _ONE_HOT[letters[start : start + chunk]])
        acc = part if acc is None else mps_sum(acc, part)
        err += acc.compress(trunc)
    one = acc
    tensors = []
    for t in one.tensors:
        a, _, b = t.shape
        tensors.append(np.einsum("aqb,crd->acqrbd", t, t).reshape(a * a, 16, b * b))
    two = MPS(tensors)
    # ‖O⊗O − Õ⊗Õ‖ <= ‖O−Õ‖ (‖O‖ + ‖Õ‖)
    n1 = one.norm()
    err2 = two.compress(trunc) + err * (2 * n1 + err)
    return two, err2


def _projector_stand_in(projector: "cirq.ProjectorString") -> cirq.PauliSum:
    """A Pauli sum with the projector's support (``Σ_j Z_j``): it fixes the light cone and the
    compiled program; the observable side itself is built by :func:`_projector_mps`."""
    if not isinstance(projector, cirq.ProjectorString) or not projector.projector_dict:
        raise ValueError(f"observable: expected a non-empty cirq.ProjectorString, got {projector!r}")
    coef = complex(projector.coefficient)
    if abs(coef.imag) > 1e-12:
        raise ValueError(f"observable: a projector with a complex coefficient ({coef}) is not Hermitian")
    for q, v in projector.projector_dict.items():
        if v not in (0, 1):
            raise ValueError(f"observable: projector value {v!r} on {q} is not a qubit basis state (0 or 1)")
    return cirq.PauliSum.from_pauli_strings([cirq.Z(q) for q in sorted(projector.projector_dict)])


def product_projector(observable) -> Optional["cirq.ProjectorString"]:
    """The ``cirq.ProjectorString`` equal to ``observable`` when it is ``c ⊗_{j∈S} (1 ± Z_j)/2``, else ``None``.

    Recognizes the expanded global cost :func:`bpcalc.circuits.global_cost`
    (``2^{-n} Σ_{T ⊆ S} Z_T``) and its sign variants, so that the tensor network can use the
    bond-1 product instead of ``2^n`` Pauli terms.  Exact test: every one of the ``2^|S|``
    terms must be present with coefficient ``c 2^{-|S|} Π_{j∈T} (±1)`` (relative tolerance
    ``1e-12``).

    Examples
    --------
    >>> import cirq
    >>> from bpcalc import circuits
    >>> product_projector(circuits.global_cost(cirq.LineQubit.range(3)))
    cirq.ProjectorString(projector_dict={cirq.LineQubit(0): 0, cirq.LineQubit(1): 0, cirq.LineQubit(2): 0},coefficient=(1+0j))
    >>> product_projector(circuits.local_cost(cirq.LineQubit.range(3))) is None
    True
    """
    if isinstance(observable, cirq.ProjectorString):
        return observable
    if not isinstance(observable, cirq.PauliSum):
        return None
    terms = {}
    for ps in observable:
        if any(p != cirq.Z for p in ps.values()):
            return None
        coef = complex(ps.coefficient)
        if abs(coef.imag) > 1e-12 * max(abs(coef), 1e-300):
            return None
        terms[frozenset(ps.qubits)] = coef.real
    support = sorted(set().union(*terms)) if terms else []
    if not support or len(terms) != 2 ** len(support) or len(support) > 62:
        return None
    c0 = terms.get(frozenset())
    if not c0:
        return None
    sign = {}
    for q in support:
        cq = terms.get(frozenset([q]))
        if cq is None or abs(abs(cq) - abs(c0)) > 1e-12 * abs(c0):
            return None
        sign[q] = 1.0 if cq * c0 > 0 else -1.0
    for t, coef in terms.items():
        want = c0 * math.prod(sign[q] for q in t)
        if abs(coef - want) > 1e-12 * abs(c0):
            return None
    return cirq.ProjectorString({q: 0 if sign[q] > 0 else 1 for q in support}, coefficient=c0 * 2 ** len(support))


def _projector_mps(program: PauliPathProgram, projector: "cirq.ProjectorString") -> MPS:
    """``P ⊗ P`` for ``P = c ⊗_j (1 ± Z_j)/2`` in the pair space: a product (bond dimension 1).

    Letters are coded I 0, X 1, Z 2, Y 3 and a pair ``(Q, R)`` as ``4 Q + R`` (as :func:`_encode`);
    qubits of the light cone outside the projector's support carry the identity pair.
    """
    values = projector.projector_dict
    vecs = []
    for q in program.qubits:
        f = np.zeros(4)
        f[0] = 1.0
        if q in values:
            f[0] = 0.5
            f[2] = 0.5 if values[q] == 0 else -0.5
        vecs.append(np.outer(f, f).reshape(16))
    vecs[0] = vecs[0] * float(complex(projector.coefficient).real) ** 2
    return product_mps(vecs)


def _site_expectations(states: ProductStates, positions: Sequence[int]) -> np.ndarray:
    """``(N, n_local, 4)`` ``Tr[ρ_j σ]`` in letter order (I, X, Z, Y)."""
    b = states.bloch[:, list(positions), :]
    e = np.ones(b.shape[:2] + (4,))
    e[:, :, 1] = b[:, :, 0]
    e[:, :, 2] = b[:, :, 2]
    e[:, :, 3] = b[:, :, 1]
    return e


def _input_mps(e: np.ndarray, left: np.ndarray, right: np.ndarray, pair: bool, trunc: Truncation) -> MPS:
    """``Σ_{i,i'} left_i right_{i'} ⊗_j Tr[ρ_{ij} Q_j] Tr[ρ_{i'j} R_j]`` (diag: ``Q = R``)."""
    li = np.nonzero(left)[0]
    ri = np.nonzero(right)[0]
    terms_w = []
    terms_f = []
    for i in li:
        for i2 in ri:
            if pair:
                f = np.einsum("jq,jr->jqr", e[i], e[i2]).reshape(e.shape[1], 16)
            else:
                f = e[i] * e[i2]
            terms_w.append(left[i] * right[i2])
            terms_f.append(f)
    if len(terms_w) == 1:
        vecs = list(terms_f[0])
        vecs[0] = vecs[0] * terms_w[0]
        return product_mps(vecs)
    m = sum_of_products_mps(np.array(terms_w), np.stack(terms_f))
    m.compress(Truncation())
    return m


def _reduce_input(f: MPS) -> MPS:
    """The input side in reduced bases when that drops nothing (product states), else unchanged.

    Either way the result represents the same vector exactly; the engine works with mixed
    plain / reduced-basis sides (:func:`~bpcalc.bounds.exact.pair_space.basis_overlap`).
    """
    out, err = as_basis_mps(f)
    return out if err == 0.0 else f


# ----------------------------------------------------------------------------------------
# passes
# ----------------------------------------------------------------------------------------


def _apply_layer(
    mps: MPS,
    layer: Sequence[_Gate],
    trunc: Truncation,
    budget: MemoryBudget,
    transpose: bool,
    active: Optional[np.ndarray] = None,
    replace: Optional[_Gate] = None,
) -> float:
    """Apply one layer (backward map, or its transpose for the input side).

    ``active`` (backward only): sites where the vector may differ from the identity letter;
    gates on inactive sites act trivially (every averaged gate fixes ``I…I``) and are
    skipped, and ``active`` grows with the sites of the applied gates (the light cone).
    ``replace``: this gate's derivative map is used instead of its averaged map.
    """
    err = 0.0
    blocks = []
    for g in layer:
        if active is not None:
            if not active[g.lo : g.hi + 1].any():
                continue
            active[g.lo : g.hi + 1] = True
        op = g.deriv if g is replace else g.op
        op = op.T if transpose else op
        if g.k == 1:
            mps.apply_site(g.lo, op)
        else:
            blocks.append((g, op))
    if isinstance(mps, BasisMPS):
        return err + mps.apply_blocks([(g.lo, g.k, op) for g, op in blocks], trunc, budget)
    for g, op in blocks:
        err += mps.apply_block(g.lo, g.k, op, trunc, budget, what=f"a {g.k}-site gate block")
    return err


def _merged(mps: MPS, lo: int, hi: int) -> np.ndarray:
    m = mps.tensors[lo]
    for j in range(lo + 1, hi + 1):
        m = np.tensordot(m, mps.tensors[j], axes=(m.ndim - 1, 0))
    return m.reshape(m.shape[0], -1, m.shape[-1])


def _apply_op_mid(op, m: np.ndarray) -> np.ndarray:
    cl, big, cr = m.shape
    return np.asarray(op @ m.transpose(1, 0, 2).reshape(big, cl * cr)).reshape(big, cl, cr).transpose(1, 0, 2)


def _layer_values(f: MPS, b: MPS, layer: Sequence[_Gate]) -> dict:
    """``⟨F| layer with gate g → its derivative |B⟩`` for every gate of ``layer`` with a parameter."""
    f = f.expanded() if isinstance(f, BasisMPS) else f
    b = b.expanded() if isinstance(b, BasisMPS) else b
    n = f.n
    units = []  # (lo, hi, gate or None)
    by_lo = {g.lo: g for g in layer}
    j = 0
    while j < n:
        g = by_lo.get(j)
        if g is None:
            units.append((j, j, None))
            j += 1
        else:
            units.append((g.lo, g.hi, g))
            j = g.hi + 1
    cache: dict = {}

    def block(u):
        lo, hi, g = u
        if (lo, "f") not in cache:
            cache[(lo, "f")] = _merged(f, lo, hi)
            cache[(lo, "b")] = _merged(b, lo, hi)
        return cache[(lo, "f")], cache[(lo, "b")]

    def step(env, u, right: bool, op=None):
        lo, hi, g = u
        if lo == hi and g is None:
            fa, ba = f.tensors[lo], b.tensors[lo]
        else:
            fa, ba = block(u)
            ba = _apply_op_mid(op if op is not None else g.op, ba)
        return transfer_right(env, fa, ba) if right else transfer(env, fa, ba)

    lefts = [np.ones((1, 1))]
    for u in units[:-1]:
        lefts.append(step(lefts[-1], u, False))
    rights = [np.ones((1, 1))]
    for u in reversed(units[1:]):
        rights.append(step(rights[-1], u, True))
    rights = rights[::-1]
    out = {}
    for i, u in enumerate(units):
        g = u[2]
        if g is None or g.param is None:
            continue
        env = step(lefts[i], u, False, op=g.deriv)
        out[g.param] = float(np.sum(env * rights[i]))
    return out


@dataclasses.dataclass
class _Stored:
    mps: MPS
    err: float
    norm: Optional[float]
    active: np.ndarray


def _backward(layers, b0: MPS, active0: np.ndarray, wanted_layers: list[int], trunc, budget: MemoryBudget):
    """Observable-side pass: ``B`` after every wanted layer (circuit order), with its error."""
    stored: dict = {}
    first = min(wanted_layers)
    b = b0
    active = active0.copy()
    err = 0.0
    held = 0
    peak = b.max_bond
    for li in range(len(layers) - 1, first - 1, -1):
        if li in wanted_layers:
            budget.check(held + 2 * b.nbytes, what=f"the stored observable-side MPS ({len(stored) + 1} layers, bond {b.max_bond})",
                         alternative="fewer parameters, a bond-dimension cap (max_bond=) or method='sample'")
            stored[li] = _Stored(b.copy(), err, None, active.copy())  # norm computed when needed
            held += b.nbytes
        if li == first:
            break
        err += _apply_layer(b, layers[li], trunc, budget, transpose=False, active=active)
        peak = max(peak, b.max_bond)
    return stored, peak


def _active_windows(layers, active0: np.ndarray) -> list[tuple[int, int]]:
    """``(lo, hi)``: hull of the sites where ``layer_l ⋯ layer_last |B⟩`` may differ from ``I``.

    Entry ``l`` is the hull after the backward map of layer ``l``; entry ``len(layers)`` the
    observable's own support.  Outside it the observable side is the identity letter, so the
    input side only matters through its marginal on the window (the averaged gates fix ``I…I``).
    """
    active = active0.copy()
    out = [None] * (len(layers) + 1)

    def hull():
        idx = np.nonzero(active)[0]
        return (int(idx[0]), int(idx[-1])) if len(idx) else (0, -1)

    out[len(layers)] = hull()
    for li in range(len(layers) - 1, -1, -1):
        for g in layers[li]:
            if active[g.lo : g.hi + 1].any():
                active[g.lo : g.hi + 1] = True
        out[li] = hull()
    return out


def _environment_values(layers, inputs: list, stored: dict, freq2: dict, trunc, budget, bond_cap: Optional[int],
                        windows: Optional[list] = None):
    """Every parameter from one forward pass per input (left/right environments per layer).

    With ``windows`` (:func:`_active_windows`) the input side is marginalized (contracted with
    the identity letter) outside the observable side's window before every layer, and gates
    that only touch marginalized sites are skipped: exact, and it keeps the input side's bond
    dimension bounded by the shrinking light cone instead of the whole circuit.
    Raises :class:`BondCapExceeded` when the input-side bond exceeds ``bond_cap``.
    """
    last = max(stored)
    values = {p: np.zeros(len(inputs)) for p in freq2}
    bounds = {p: np.zeros(len(inputs)) for p in freq2}
    peak = 1
    for t, f0 in enumerate(inputs):
        f = f0.copy()
        err = 0.0
        for li in range(last + 1):
            if windows is not None:
                lo, hi = windows[li]
                f.marginalize_outside(lo, hi)
            if li in stored:
                s = stored[li]
                vals = _layer_values(f, s.mps, layers[li])
                fn = f.norm() if s.err else 0.0  # norms only enter the bound when something was dropped
                if err and s.norm is None:
                    s.norm = s.mps.norm()
                for p, v in vals.items():
                    values[p][t] = v
                    bounds[p][t] = freq2[p] * (err * ((s.norm or 0.0) + s.err) + fn * s.err)
            if li == last:
                break
            layer = layers[li]
            if windows is not None:
                lo, hi = windows[li + 1]
                layer = [g for g in layer if g.hi >= lo and g.lo <= hi]
            err += _apply_layer(f, layer, trunc, budget, transpose=True)
            peak = max(peak, f.max_bond)
            if bond_cap is not None and f.max_bond > bond_cap:
                raise BondCapExceeded(f"input-side bond {f.max_bond} > {bond_cap}")
    return values, bounds, peak


def _per_parameter_values(layers, inputs: list, stored: dict, freq2: dict, trunc, budget):
    """Every parameter by its own backward contraction from its layer (small observable-side bonds)."""
    in_norms = [f.norm() for f in inputs]
    values = {p: np.zeros(len(inputs)) for p in freq2}
    bounds = {p: np.zeros(len(inputs)) for p in freq2}
    peak = 1
    for li, s in stored.items():
        for g in layers[li]:
            if g.param is None:
                continue
            v = s.mps.copy()
            active = s.active.copy()
            err = freq2[g.param] * s.err + _apply_layer(v, layers[li], trunc, budget, False, active, replace=g)
            for l2 in range(li - 1, -1, -1):
                err += _apply_layer(v, layers[l2], trunc, budget, False, active)
                peak = max(peak, v.max_bond)
            for t, f in enumerate(inputs):
                values[g.param][t] = basis_overlap(f, v)
                bounds[g.param][t] = in_norms[t] * err
    return values, bounds, peak


def _middle_values(layers, inputs: list, b0: MPS, b0_err: float, active0: np.ndarray, params: dict, freq2: dict,
                   trunc, budget, windows: list):
    """Every wanted parameter by meeting in the middle: the observable side is propagated backwards
    to the middle of the circuit (or to just after the parameter's layer), the input side forwards
    with the derivative map inserted at the parameter's layer, and the two are overlapped.

    Each side then only carries about half of the circuit's depth, so its bond dimension is that of
    a circuit of half the depth (the bond of deep circuits grows with depth until it saturates).
    ``params``: ``{parameter index: (layer index, gate)}``.

    Error bound: the input side's discards before the derivative are scaled by ``c²`` (the
    derivative map's norm; every averaged map is contractive), so with ``ε_F`` and ``ε_B`` the
    accumulated discards of the two sides, ``|value − value~| <= ε_F (‖B̃‖ + ε_B) + ‖F̃‖ ε_B``.
    """
    n_layers = len(layers)
    half = n_layers // 2
    meet = {p: max(li + 1, half) for p, (li, _) in params.items()}
    wanted_m = sorted(set(meet.values()), reverse=True)
    sides: dict = {}
    b = b0.copy()
    active = active0.copy()
    err = b0_err
    peak = b.max_bond
    li = n_layers
    for m in wanted_m:
        while li > m:
            li -= 1
            err += _apply_layer(b, layers[li], trunc, budget, transpose=False, active=active)
            peak = max(peak, b.max_bond)
        budget.check(sum(x[0].nbytes for x in sides.values()) + 2 * b.nbytes,
                     what=f"the observable-side MPS at the middle of the circuit (bond {b.max_bond})",
                     alternative="a bond-dimension cap (max_bond=) or method='sample'")
        sides[m] = (b.copy(), err)
    values = {p: np.zeros(len(inputs)) for p in params}
    bounds = {p: np.zeros(len(inputs)) for p in params}
    norms: dict = {}
    for p, (lp, gate) in params.items():
        m = meet[p]
        bm, eb = sides[m]
        if eb and m not in norms:
            norms[m] = bm.norm()
        for t, f0 in enumerate(inputs):
            f = f0.copy()
            e_before = e_after = 0.0
            for l in range(m):
                lo, hi = windows[l]
                f.marginalize_outside(lo, hi)
                lo, hi = windows[l + 1]
                layer = [g for g in layers[l] if g is gate or (g.hi >= lo and g.lo <= hi)]
                e = _apply_layer(f, layer, trunc, budget, transpose=True, replace=gate if l == lp else None)
                if l < lp:
                    e_before += e
                else:
                    e_after += e
                peak = max(peak, f.max_bond)
            lo, hi = windows[m]
            f.marginalize_outside(lo, hi)
            values[p][t] = basis_overlap(f, bm)
            ef = freq2[p] * e_before + e_after
            if ef or eb:
                bounds[p][t] = ef * (norms.get(m, bm.norm()) + eb) + f.norm() * eb
    return values, bounds, peak


# ----------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------


def _blas_threads(fn):
    """Run ``fn`` with :data:`TN_BLAS_THREADS` BLAS threads (``threadpoolctl``)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=TN_BLAS_THREADS, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


def tn_cost_estimate(program: PauliPathProgram, max_bond: int = AUTO_MAX_BOND) -> dict:
    """Worst-case cost model of the network for a compiled program (``method='auto'``).

    Every block SVD of a ``k``-qubit gate splits ``(d χ) × (d χ)`` matrices; the exact bond
    at a cut is at most ``d^m`` with ``m`` the number of sites between the cut and the nearer
    edge of the light-cone window of that layer (both MPS live on that window), and the
    attempt is abandoned above ``max_bond``.  So ``Σ_cuts (d · min(d^m, max_bond))³`` bounds
    the SVD flops of one pass up to a constant; ``(1 + inputs)`` passes.

    Returns
    -------
    dict with ``flops`` (the model), ``local_dimension`` and ``bond_bound`` (the largest
    ``min(d^m, max_bond)``).

    References
    ----------
    .. [1] U. Schollwöck, Ann. Phys. 326, 96 (2011), §4 (Schmidt rank across a cut is at most
       the dimension of the smaller side; SVD cost cubic in the bond dimension).

    Examples
    --------
    >>> from bpcalc import circuits
    >>> c = circuits.hardware_efficient(4, 1)
    >>> p = compile_program(c, circuits.as_pauli_sum("Z1"), sorted(c.all_qubits()), "angle")
    >>> tn_cost_estimate(p)
    {'flops': 12288.0, 'local_dimension': 4, 'bond_bound': 4}
    """
    pair = not (len(program.observable) == 1 and program.n_fixed_rotations == 0)
    d = 16 if pair else 4
    layers = _compile_layers(program, pair, set())
    active0 = np.zeros(program.n_local, dtype=bool)
    active0[np.nonzero(_program_letters(program).any(axis=0))[0]] = True
    windows = _active_windows(layers, active0)
    log_cap = math.log(max_bond) / math.log(d)
    flops, peak = 0.0, 1
    for li, layer in enumerate(layers):
        lo, hi = windows[li]
        for g in layer:
            if g.k < 2 or g.hi < lo or g.lo > hi:
                continue
            for cut in range(g.lo, g.hi):
                m = min(cut - lo + 1, hi - cut)
                chi = max_bond if m >= log_cap else d**m
                peak = max(peak, chi)
                flops += float(d * chi) ** 3
    return {"flops": flops, "local_dimension": d, "bond_bound": int(peak)}


def _check_options(max_bond, cutoff) -> None:
    if max_bond is not None and (isinstance(max_bond, bool) or not isinstance(max_bond, (int, np.integer)) or max_bond < 1):
        raise ValueError(f"max_bond must be a positive integer or None, got {max_bond!r}")
    if cutoff is not None and not (isinstance(cutoff, (int, float)) and 0 <= cutoff < 1):
        raise ValueError(f"cutoff must be a number in [0, 1) (relative singular-value cutoff) or None, got {cutoff!r}")


@_blas_threads
def tn_gradient_variance(
    circuit: cirq.AbstractCircuit,
    observable,
    state=None,
    parameters: Union[str, sympy.Symbol, Sequence] = "all",
    *,
    weights=None,
    covariance: bool = False,
    exponent_symbols: str = "angle",
    qubits: Optional[Sequence[cirq.Qid]] = None,
    max_bond: Optional[int] = None,
    cutoff: Optional[float] = None,
    memory_limit=None,
    strategy: str = "auto",
    _strict_bond: Optional[int] = None,
    _reduced_basis: bool = True,
) -> GradientVarianceResult:
    """``Var_θ[∂_k L]`` by contracting the averaged two-copy circuit as an MPS (every parameter).

    Same circuits, observables, parameter selection and conventions as
    :func:`bpcalc.bounds.exact.exact_gradient_variance` (which calls this with ``method='tn'``).

    Parameters
    ----------
    circuit, observable, state, parameters, weights, covariance, exponent_symbols, qubits
        As in :func:`~bpcalc.bounds.exact.exact_gradient_variance`; ``state`` must be a product
        state (or a dataset of product states, e.g. a tensor-product embedding).  ``observable``
        may also be a ``cirq.ProjectorString`` such as the global cost
        ``cirq.ProjectorString({q: 0 for q in qubits})`` = ``|0…0⟩⟨0…0|``: a product
        ``⊗ (1 ± Z)/2`` of bond dimension 1, for any number of qubits (no ``2^n`` Pauli terms).
    max_bond : cap on the bond dimension (``None``: no cap).
    cutoff : relative singular-value cutoff (default: the float64 noise floor ``1e-14``).
    memory_limit : memory budget (``None``: half the available memory; ``'4GiB'``; bytes).
    strategy : ``'environment'`` (one backward pass storing the observable side, one forward
        pass per input state with left/right environments at every layer holding a
        parameter), ``'per-parameter'`` (one backward contraction per parameter from the
        stored observable side — cheaper when the input side entangles faster than the
        observable side, as for ``|0…0⟩`` inputs), ``'middle'`` (per parameter: the observable
        side propagated backwards to the middle of the circuit, the input side forwards with the
        derivative inserted, then overlapped — each side carries half the depth, which keeps the
        bond small for observables that entangle the whole register, such as a projector) or
        ``'auto'`` (for at most ``AUTO_PER_PARAMETER`` parameters: middle for a projector
        observable, else per-parameter; else environments, switching to per-parameter when
        the input-side bond exceeds four times the observable side's).

    Returns
    -------
    GradientVarianceResult
        ``method='tn'`` (nothing above the noise floor discarded) or ``'tn-truncated'``;
        ``error_bound`` is a rigorous bound on ``|true − value|`` in both cases;
        ``details`` holds the largest bond dimensions (``max_bond_backward`` / ``_forward``),
        the local dimension (4: Markov chain, 16: pair space) and the number of layers.

    Raises
    ------
    ValueError : as :func:`~bpcalc.bounds.exact.exact_gradient_variance`, or an entangled input state.
    MemoryBudgetExceeded : the contraction would exceed the memory budget (nothing allocated).

    Examples
    --------
    >>> from bpcalc import circuits
    >>> r = tn_gradient_variance(circuits.hardware_efficient(4, 2), "Z0", parameters="theta_0_0_0")
    >>> r.method, round(float(r.values[0]), 6)
    ('tn', 0.3125)
    """
    t0 = time.perf_counter()
    _check_options(max_bond, cutoff)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    circuits.require_circuit(circuit)
    projector = observable if isinstance(observable, cirq.ProjectorString) else None
    observable = _projector_stand_in(projector) if projector is not None else circuits.as_pauli_sum(observable)
    budget = MemoryBudget.from_limit(memory_limit)
    sq = state_qubits(circuit, observable, state, qubits)
    symbols = circuit_symbols(circuit)
    wanted_symbols = resolve_parameters(parameters, symbols)
    program = compile_program(circuit, observable, sq, exponent_symbols, symbols=symbols)
    if program.n_tied or program.n_channels:
        raise AssumptionFailed("the tensor network handles neither parameters that drive several rotations (shared "
                               "symbols, crz, CZ**t, FSim) nor noise channels; use method='exact' (Pauli-pair "
                               "enumeration)")
    states = as_input_states(state, program.state_qubits)
    if not isinstance(states, ProductStates):
        raise ValueError(
            "the tensor-network engine needs product input states (any number of qubits, or a dataset of them); "
            "for entangled state vectors use method='exact' (Pauli-pair enumeration) or 'sample'"
        )
    u = loss_weights(weights, states.n_states)
    pindex = program.parameter_index
    in_cone = np.array([s in pindex for s in wanted_symbols], dtype=bool)
    k = len(wanted_symbols)
    n_states = states.n_states
    values = np.zeros(k)
    per_state = np.zeros((k, n_states))
    cov = np.zeros((k, n_states, n_states)) if covariance else None
    error_bound = np.zeros(k)
    pair = projector is not None or not (len(program.observable) == 1 and program.n_fixed_rotations == 0)
    details = {
        "light_cone_qubits": program.n_local,
        "n_parameters_in_cone": len(program.parameters),
        "n_observable_terms": len(program.observable) if projector is None else f"projector on {len(projector.projector_dict)} qubits (product)",
        "exponent_symbols": exponent_symbols,
        "local_dimension": 16 if pair else 4,
        "representation": "pair space (16 letter pairs per qubit)" if pair else "Markov chain on Pauli letters (4 per qubit)",
    }
    base = dict(parameters=tuple(wanted_symbols), weights=u, in_light_cone=in_cone)
    pos_of = {pindex[s]: i for i, s in enumerate(wanted_symbols) if s in pindex}
    if not pos_of or len(program.observable) == 0:
        return GradientVarianceResult(
            values=values, method="tn", per_state=per_state, covariance=cov, error_bound=error_bound,
            n_terms=0, seconds=time.perf_counter() - t0, details=details, **base,
        )
    if _strict_bond is not None:
        trunc: Truncation = _StrictTruncation(NOISE_FLOOR, _strict_bond)
    else:
        trunc = _CountingTruncation(NOISE_FLOOR if cutoff is None else max(float(cutoff), NOISE_FLOOR), max_bond)
    layers = _compile_layers(program, pair, set(pos_of))
    wanted_layers = sorted({li for li, layer in enumerate(layers) for g in layer if g.param is not None})
    b0, err0 = (_projector_mps(program, projector), 0.0) if projector is not None else _observable_mps(program, pair, trunc)
    reduced = _reduced_basis
    if reduced:
        b0, e_red = as_basis_mps(b0)
        err0 += e_red
        details["representation"] = "pair space in reduced per-site bases (invariant subspaces of the averaged gates)"
    active0 = np.zeros(program.n_local, dtype=bool)
    active0[np.nonzero(_program_letters(program).any(axis=0))[0]] = True
    if strategy == "auto" and projector is not None and len(pos_of) <= AUTO_PER_PARAMETER:
        # a projector's observable side entangles across the whole register at every layer: meet in the middle
        strategy = "middle"
    if strategy == "middle":
        stored, peak_b = {}, 0
    else:
        stored, peak_b = _backward(layers, b0, active0, wanted_layers, trunc, budget)
    if err0:
        for s in stored.values():
            s.err += err0
    freq2 = {p: float(program.parameters[p].frequency) ** 2 for p in pos_of}
    e = _site_expectations(states, program.positions)
    unit = np.eye(n_states)
    targets = [(unit[i], unit[i]) for i in range(n_states)]
    if n_states > 1:
        targets.append((u, u))
    if covariance:
        targets += [(unit[i], unit[j]) for i in range(n_states) for j in range(i + 1, n_states)]
    inputs = [_input_mps(e, left, right, pair, trunc) for left, right in targets]
    if reduced:
        inputs = [_reduce_input(f) for f in inputs]
    if strategy == "auto":
        strategy = "per-parameter" if len(pos_of) <= AUTO_PER_PARAMETER else "environment"
        cap = max(64, 4 * peak_b)
    else:
        cap = None
    details["strategy"] = strategy
    if strategy == "environment":
        try:
            vals, bnds, peak_f = _environment_values(layers, inputs, stored, freq2, trunc, budget, cap,
                                                     windows=_active_windows(layers, active0))
        except BondCapExceeded as exc:
            details["strategy"] = "per-parameter"
            details["strategy_reason"] = f"environment sweep abandoned: {exc}"
            strategy = "per-parameter"
    if strategy == "per-parameter":
        vals, bnds, peak_f = _per_parameter_values(layers, inputs, stored, freq2, trunc, budget)
    if strategy == "middle":
        params = {g.param: (li, g) for li, layer in enumerate(layers) for g in layer if g.param is not None}
        vals, bnds, peak = _middle_values(layers, inputs, b0, err0, active0, params, freq2, trunc, budget,
                                          _active_windows(layers, active0))
        peak_b = peak_f = peak
    for p, pos in pos_of.items():
        per_state[pos] = vals[p][:n_states]
        if n_states == 1:
            values[pos] = vals[p][0] * u[0] ** 2
            error_bound[pos] = bnds[p][0] * u[0] ** 2
        else:
            values[pos] = vals[p][n_states]
            error_bound[pos] = bnds[p][n_states]
        if covariance:
            cov[pos][np.diag_indices(n_states)] = per_state[pos]
            t = n_states + 1
            for i in range(n_states):
                for j in range(i + 1, n_states):
                    cov[pos, i, j] = cov[pos, j, i] = vals[p][t]
                    t += 1
    lossy = bool(getattr(trunc, "lossy", False))
    details.update(
        n_layers=len(layers), max_bond_backward=int(peak_b), max_bond_other_side=int(peak_f),
        truncation={"max_bond": max_bond, "cutoff": NOISE_FLOOR if cutoff is None else float(cutoff),
                    "discarded_above_noise_floor": lossy},
        error_bound_kind="rigorous (2-norm of discarded singular values, contractive averaged gates)",
    )
    return GradientVarianceResult(
        values=values, method="tn-truncated" if lossy else "tn", per_state=per_state, covariance=cov,
        error_bound=error_bound, n_terms=int(max(peak_b, peak_f)), seconds=time.perf_counter() - t0,
        details=details, **base,
    )


@dataclasses.dataclass(frozen=True)
class TNSecondMoment:
    """``E_θ[L²]`` (and ``E_θ[ℓ_i²]`` per state) from the tensor network.

    Attributes
    ----------
    value : ``E_θ[L²]`` of the linear loss ``L = Σ_i u_i ℓ_i`` (without the identity term).
    per_state : ``(N,)`` ``E_θ[ℓ_i²]``.
    error_bound : rigorous bound on ``|true − value|`` (and on each ``per_state`` entry, scaled
        by the same rule: see the module docstring).
    method : ``'tn'`` (nothing above the float64 noise floor discarded) or ``'tn-truncated'``.
    max_bond : the largest bond dimension reached.
    details : representation, light cone, layers, truncation.
    """

    value: float
    per_state: np.ndarray
    error_bound: float
    per_state_error_bound: np.ndarray
    method: str
    max_bond: int
    details: dict


@_blas_threads
def tn_loss_second_moment(
    circuit: cirq.AbstractCircuit,
    observable,
    state=None,
    *,
    weights=None,
    exponent_symbols: str = "angle",
    qubits: Optional[Sequence[cirq.Qid]] = None,
    max_bond: Optional[int] = None,
    cutoff: Optional[float] = None,
    memory_limit=None,
) -> TNSecondMoment:
    """``E_θ[L²]`` by contracting the whole averaged two-copy circuit (no derivative inserted).

    The observable side ``O ⊗ O`` is propagated backwards through every layer (the same MPS
    pass as :func:`tn_gradient_variance`) and closed with the input states; the identity term
    of ``O`` is left out (``L`` is the loss of the non-identity terms, so that
    ``Var[L] = E[L²] − E[L]²`` with ``E[L]`` from the single-copy propagation, as
    :func:`bpcalc.bounds.exact.exact_loss_variance` does with ``method='tn'``).

    Parameters
    ----------
    circuit, observable, state, weights, exponent_symbols, qubits, max_bond, cutoff, memory_limit
        As in :func:`tn_gradient_variance` (product input states only).

    Returns
    -------
    TNSecondMoment

    Raises
    ------
    ValueError : an entangled input state, bad options.
    MemoryBudgetExceeded : the contraction would exceed the memory budget.

    References
    ----------
    .. [1] P. Braccia, P. Bermejo, L. Cincio, M. Cerezo, arXiv:2403.01706 (moments of local
       random circuits by tensor networks).

    Examples
    --------
    >>> from bpcalc import circuits
    >>> r = tn_loss_second_moment(circuits.hardware_efficient(3, 1), "Z0")
    >>> r.method, round(r.value, 6)
    ('tn', 0.5)
    """
    _check_options(max_bond, cutoff)
    circuits.require_circuit(circuit)
    observable = circuits.as_pauli_sum(observable)
    budget = MemoryBudget.from_limit(memory_limit)
    sq = state_qubits(circuit, observable, state, qubits)
    program = compile_program(circuit, observable, sq, exponent_symbols, symbols=circuit_symbols(circuit))
    states = as_input_states(state, program.state_qubits)
    if not isinstance(states, ProductStates):
        raise ValueError(
            "the tensor-network engine needs product input states (any number of qubits, or a dataset of them); "
            "for entangled state vectors use method='exact' (Pauli-pair enumeration) or 'sample'"
        )
    u = loss_weights(weights, states.n_states)
    n_states = states.n_states
    pair = not (len(program.observable) == 1 and program.n_fixed_rotations == 0)
    details = {
        "light_cone_qubits": program.n_local,
        "n_observable_terms": len(program.observable),
        "local_dimension": 16 if pair else 4,
        "representation": "pair space (16 letter pairs per qubit)" if pair else "Markov chain on Pauli letters (4 per qubit)",
    }
    if len(program.observable) == 0:
        z = np.zeros(n_states)
        return TNSecondMoment(0.0, z, 0.0, z.copy(), "tn", 1, details)
    trunc = _CountingTruncation(NOISE_FLOOR if cutoff is None else max(float(cutoff), NOISE_FLOOR), max_bond)
    layers = _compile_layers(program, pair, set())
    b, err = _observable_mps(program, pair, trunc)
    active = np.zeros(program.n_local, dtype=bool)
    active[np.nonzero(_program_letters(program).any(axis=0))[0]] = True
    peak = b.max_bond
    for li in range(len(layers) - 1, -1, -1):
        err += _apply_layer(b, layers[li], trunc, budget, transpose=False, active=active)
        peak = max(peak, b.max_bond)
    e = _site_expectations(states, program.positions)
    unit = np.eye(n_states)
    targets = [(unit[i], unit[i]) for i in range(n_states)] + [(u, u)]
    vals, bnds = [], []
    for left, right in targets:
        f = _input_mps(e, left, right, pair, trunc)
        vals.append(basis_overlap(f, b))
        bnds.append(f.norm() * err if err else 0.0)
    lossy = bool(trunc.lossy)
    details.update(n_layers=len(layers), max_bond=int(peak),
                   truncation={"max_bond": max_bond, "cutoff": NOISE_FLOOR if cutoff is None else float(cutoff),
                               "discarded_above_noise_floor": lossy},
                   error_bound_kind="rigorous (2-norm of discarded singular values, contractive averaged gates)")
    return TNSecondMoment(
        value=float(vals[-1]), per_state=np.array(vals[:n_states]), error_bound=float(bnds[-1]),
        per_state_error_bound=np.array(bnds[:n_states]), method="tn-truncated" if lossy else "tn", max_bond=int(peak),
        details=details,
    )


def route_gradient_variance(
    circuit: cirq.AbstractCircuit,
    observable,
    state=None,
    parameters="all",
    *,
    method: str,
    max_terms: int = 2**17,
    memory_limit=None,
    branching_estimate=None,
    branching_slack: float = 3.0,
    **kwargs,
) -> Optional[GradientVarianceResult]:
    """The tensor-network hook of :func:`bpcalc.bounds.exact.exact_gradient_variance`.

    ``method='tn'``: runs :func:`tn_gradient_variance`.  ``method='auto'``: returns ``None``
    (enumeration decides) when every Pauli pair of the light cone fits ``max_terms``, when
    sampled paths branch little enough for enumeration (the estimate enumeration itself uses)
    the input is not a product state or the cost model (:func:`tn_cost_estimate`) exceeds
    :data:`AUTO_MAX_FLOPS`; otherwise
    runs the network exactly with bond dimensions up
    to :data:`AUTO_MAX_BOND` and within the memory budget, and returns ``None`` (enumeration
    with its work budget, then path sampling) if that is exceeded.  ``details['auto_choice']``
    says why the network ran.  ``branching_estimate(program)`` is enumeration's own cost model
    (the mean log2 branching of sampled Pauli paths, passed in by the Pauli-path engine so that
    this module does not import it) and ``branching_slack`` its tolerance.
    """
    if method == "tn":
        return tn_gradient_variance(circuit, observable, state, parameters, memory_limit=memory_limit, **kwargs)
    if method == "auto" and isinstance(observable, cirq.ProjectorString):
        res = tn_gradient_variance(circuit, observable, state, parameters, memory_limit=memory_limit, **kwargs)
        res.details["auto_choice"] = ("tensor network: the projector observable is a product of bond dimension 1; "
                                      "the other engines would need its 2^n Pauli terms")
        return res
    if method != "auto" or isinstance(max_terms, bool) or not isinstance(max_terms, (int, np.integer)) or max_terms < 1:
        return None  # enumeration validates and reports
    circuits.require_circuit(circuit)
    obs = circuits.as_pauli_sum(observable)
    sq = state_qubits(circuit, obs, state, kwargs.get("qubits"))
    program = compile_program(circuit, obs, sq, kwargs.get("exponent_symbols", "angle"))
    if program.n_tied or program.n_channels:
        return None  # tied parameters (crz, CZ**t, shared symbols) and channels: only Pauli-pair enumeration
    diag = len(program.observable) == 1 and program.n_fixed_rotations == 0
    if (2 if diag else 4) * program.n_local <= math.log2(max_terms) or len(program.observable) == 0:
        return None
    if not isinstance(as_input_states(state, program.state_qubits), ProductStates):
        return None
    projector = product_projector(obs) if len(obs) > 2 else None
    if projector is not None:
        try:
            res = tn_gradient_variance(circuit, projector, state, parameters, memory_limit=memory_limit,
                                       _strict_bond=AUTO_MAX_BOND_PROJECTOR, **kwargs)
        except (BondCapExceeded, MemoryBudgetExceeded):
            return None
        res.details["auto_choice"] = (f"tensor network: the observable's {len(obs)} Pauli terms are the product projector "
                                      f"{projector} (bond dimension 1), exact with bond <= {AUTO_MAX_BOND_PROJECTOR}; "
                                      "enumeration and path sampling would need all terms")
        return res
    pindex = program.parameter_index
    if not any(s in pindex for s in resolve_parameters(parameters, circuit_symbols(circuit))):
        return None
    # the environment sweep costs one backward and one forward pass whatever the number of
    # parameters: the model is the SVD flops with bonds at their light-cone bound (capped)
    n_inputs = as_input_states(state, program.state_qubits).n_states
    cost = tn_cost_estimate(program, AUTO_MAX_BOND)
    flops = cost["flops"] * (1 + n_inputs + (1 if n_inputs > 1 else 0))
    if flops > AUTO_MAX_FLOPS:
        return None  # too expensive for an automatic attempt (method='tn' still runs it)
    if branching_estimate is None:
        return None  # no enumeration cost model given: let enumeration decide
    branching = branching_estimate(program)
    if branching <= math.log2(max_terms) + branching_slack:
        return None  # enumeration is expected to fit its budget
    try:
        res = tn_gradient_variance(
            circuit, observable, state, parameters, memory_limit=memory_limit, _strict_bond=AUTO_MAX_BOND, **kwargs
        )
    except (BondCapExceeded, MemoryBudgetExceeded):
        return None
    res.details["auto_choice"] = (
        f"tensor network: sampled Pauli paths branch {branching:.1f} times on average, so exact enumeration would "
        f"exceed max_terms = {max_terms} Pauli pairs; the network's cost model ({flops:.1e} flops worst case, "
        f"<= {AUTO_MAX_FLOPS:.0e}) admits it and the exact contraction fits (bond <= {AUTO_MAX_BOND}, memory budget)"
    )
    return res
