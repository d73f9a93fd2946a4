"""Input states for the exact engines: Pauli expectations ``Tr[ρ_i Q]`` of packed strings.

Three kinds, all holding ``N >= 1`` states (a dataset) on a fixed list of qubits:

* :class:`ProductStates` — per-qubit Bloch vectors ``(r_x, r_y, r_z)``; ``Tr[ρ Q] =
  ∏_j r_{j, Q_j}`` (``r_I = 1``).  Any number of qubits (thousands).
* :class:`StateVectors` — state vectors in Cirq's big-endian order (``n <= 24``).
* anything else is converted by :func:`as_input_states`: ``None`` (``|0…0⟩``), a 1-D
  vector, a 2-D array of vectors, a ``cirq.ProductState``, a list of those.

:func:`dataset_states` embeds a dataset with a :class:`circuits.Model`'s embedding; for an
embedding without entangling gates it returns :class:`ProductStates` (so the seed paper's
tensor-product embedding works for any ``n``).
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import cirq
import numpy as np

from ..memory import MemoryBudget
from .paulis import WORD_BITS

__all__ = [
    "state_qubits",
    "loss_weights",
    "InputStates",
    "ProductStates",
    "StateVectors",
    "zero_state",
    "product_state",
    "parse_product_state",
    "as_input_states",
    "dataset_states",
    "MAX_STATE_VECTOR_QUBITS",
]

MAX_STATE_VECTOR_QUBITS = 24
_U64 = np.uint64


class InputStates:
    """Interface: ``qubits``, ``n_states`` and ``expectations(x, z, positions)``."""

    qubits: tuple

    @property
    def n_states(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def n_qubits(self) -> int:
        return len(self.qubits)

    def expectations(self, x: np.ndarray, z: np.ndarray, positions: Sequence[int]) -> np.ndarray:
        """``Tr[ρ_i σ(x, z)]`` for packed strings on local qubits ``0..len(positions)-1``.

        ``positions[j]`` is the index in :attr:`qubits` of local qubit ``j``.  Returns an
        ``(n_states, N)`` float array (signs of the strings are applied by the caller).
        """
        raise NotImplementedError  # pragma: no cover

    def expectations_with_error(self, x: np.ndarray, z: np.ndarray, positions: Sequence[int]):
        """``(expectations, error bounds)``; the bounds are zero for states known exactly.

        Input states computed with truncation (e.g. embedded data states propagated with a
        threshold, :class:`bpcalc.bounds.exact.embedded.EmbeddedStates`) override this.
        """
        e = self.expectations(x, z, positions)
        return e, np.zeros_like(e)

    def support_average(
        self, segments: Sequence[Sequence[int]], qx: int, qz: int, rx: int, rz: int
    ) -> np.ndarray:
        """Average of ``Tr[ρ_i (Q_c ⊗ P)] Tr[ρ_j (R_c ⊗ P)]`` over ``P``.

        ``P`` is, independently on each segment (a list of state-qubit indices), uniform over
        the ``4^|σ| − 1`` non-identity Pauli strings on the segment and identity elsewhere;
        ``Q_c, R_c`` are Pauli strings given as integer bit masks over the state's qubit
        indices (disjoint from the segments).  Returns an ``(n_states, n_states)`` array.
        Used by the 2-design block chain.
        """
        raise NotImplementedError  # pragma: no cover


def _letter_codes(x: np.ndarray, z: np.ndarray, j: int) -> np.ndarray:
    w, b = divmod(j, WORD_BITS)
    bx = (x[:, w] >> _U64(b)) & _U64(1)
    bz = (z[:, w] >> _U64(b)) & _U64(1)
    return (bx + (bz << _U64(1))).astype(np.intp)  # 0 I, 1 X, 2 Z, 3 Y


@dataclasses.dataclass(frozen=True, eq=False)
class ProductStates(InputStates):
    """Product states given by Bloch vectors.

    Attributes
    ----------
    qubits : the qubits, in the order of the second axis of ``bloch``.
    bloch : ``(N, n, 3)`` array of Bloch vectors ``(r_x, r_y, r_z)`` with ``|r| <= 1``.
    """

    qubits: tuple
    bloch: np.ndarray

    def __post_init__(self) -> None:
        b = np.asarray(self.bloch, dtype=float)
        if b.ndim == 2:
            b = b[None]
        if b.ndim != 3 or b.shape[2] != 3:
            raise ValueError(f"bloch must have shape (N, n, 3), got {np.shape(self.bloch)}")
        if b.shape[1] != len(self.qubits):
            raise ValueError(f"bloch has {b.shape[1]} qubits but {len(self.qubits)} qubits were given")
        if not np.all(np.isfinite(b)):
            raise ValueError("bloch vectors must be finite")
        norms = np.linalg.norm(b, axis=2)
        if np.any(norms > 1 + 1e-9):
            bad = np.argwhere(norms > 1 + 1e-9)[0]
            raise ValueError(f"Bloch vector of state {bad[0]}, qubit {self.qubits[bad[1]]} has length {norms[tuple(bad)]:.6g} > 1")
        object.__setattr__(self, "qubits", tuple(self.qubits))
        object.__setattr__(self, "bloch", b)

    @property
    def n_states(self) -> int:
        return int(self.bloch.shape[0])

    def _tables(self, positions: Sequence[int]) -> np.ndarray:
        # (n_local, N, 4) indexed by letter code 0 I, 1 X, 2 Z, 3 Y
        b = self.bloch[:, list(positions), :]  # (N, n_local, 3)
        t = np.empty((len(positions), b.shape[0], 4))
        t[:, :, 0] = 1.0
        t[:, :, 1] = b[:, :, 0].T
        t[:, :, 2] = b[:, :, 2].T
        t[:, :, 3] = b[:, :, 1].T
        return t

    def is_basis_state(self) -> bool:
        """True when every qubit of every state is ``|0⟩`` or ``|1⟩``."""
        b = self.bloch
        return bool(np.all(np.abs(b[:, :, :2]) < 1e-15) and np.all(np.abs(np.abs(b[:, :, 2]) - 1) < 1e-15))

    def expectations(self, x: np.ndarray, z: np.ndarray, positions: Sequence[int]) -> np.ndarray:
        x = np.atleast_2d(x)
        z = np.atleast_2d(z)
        n_local = len(positions)
        if self.is_basis_state():
            # Tr[ρ Q] = 0 unless Q ∈ {I, Z}^n; then the product of the Z signs.
            zero_x = ~np.any(x != 0, axis=1)
            flips = self.bloch[:, list(positions), 2] < 0  # (N, n_local)
            out = np.zeros((self.n_states, x.shape[0]))
            for i in range(self.n_states):
                mask = np.zeros(x.shape[1], dtype=_U64)
                for j in np.nonzero(flips[i])[0]:
                    mask[j // WORD_BITS] |= _U64(1) << _U64(j % WORD_BITS)
                par = (np.bitwise_count(z & mask).sum(axis=1) & 1).astype(float)
                out[i] = np.where(zero_x, 1.0 - 2.0 * par, 0.0)
            return out
        tables = self._tables(positions)
        out = np.ones((self.n_states, x.shape[0]))
        for j in range(n_local):
            codes = _letter_codes(x, z, j)
            out *= tables[j][:, codes]
        return out

    def support_average(self, segments, qx, qz, rx, rz) -> np.ndarray:
        n = self.n_states
        b = self.bloch
        out = np.ones((n, n))
        used = set()
        for seg in segments:
            seg = list(seg)
            used.update(seg)
            # Σ_{P≠I on seg} Tr[ρ_i P] Tr[ρ_j P] = ∏_q (1 + r_i·r_j) − 1
            prod = np.ones((n, n))
            for q in seg:
                prod *= 1.0 + b[:, q, :] @ b[:, q, :].T
            out *= (prod - 1.0) / (4.0 ** len(seg) - 1.0)
        ea = self._mask_expectation(qx, qz)
        eb = self._mask_expectation(rx, rz)
        return out * np.outer(ea, eb)

    def _mask_expectation(self, mx: int, mz: int) -> np.ndarray:
        val = np.ones(self.n_states)
        bits = mx | mz
        j = 0
        while bits:
            if bits & 1:
                bx, bz = (mx >> j) & 1, (mz >> j) & 1
                col = {(1, 0): 0, (1, 1): 1, (0, 1): 2}[(bx, bz)]
                val = val * self.bloch[:, j, col]
            bits >>= 1
            j += 1
        return val


def _pauli_apply(psi: np.ndarray, n: int, xmask: int, zmask: int) -> np.ndarray:
    """``σ(x, z) ψ`` for state vectors ``psi`` of shape (N, 2^n); masks over index bits."""
    idx = np.arange(2**n)
    phase = (-1.0) ** (np.bitwise_count(idx & zmask) & 1)
    y = bin(xmask & zmask).count("1")
    out = np.empty_like(psi)
    out[:, idx ^ xmask] = psi * phase
    return out * (1j**y)


@dataclasses.dataclass(frozen=True, eq=False)
class StateVectors(InputStates):
    """Pure states given as normalised state vectors (Cirq's big-endian order).

    Attributes
    ----------
    qubits : the qubits (qubit ``qubits[0]`` is the most significant index bit).
    vectors : ``(N, 2^n)`` complex array.
    """

    qubits: tuple
    vectors: np.ndarray

    def __post_init__(self) -> None:
        v = np.asarray(self.vectors, dtype=complex)
        if v.ndim == 1:
            v = v[None]
        n = len(self.qubits)
        if n > MAX_STATE_VECTOR_QUBITS:
            raise ValueError(
                f"state vectors on {n} qubits are too large (limit {MAX_STATE_VECTOR_QUBITS}); "
                "use ProductStates for product inputs"
            )
        if v.ndim != 2 or v.shape[1] != 2**n:
            raise ValueError(f"state vectors must have shape (N, 2^{n}) = (N, {2**n}), got {np.shape(self.vectors)}")
        if not np.all(np.isfinite(v)):
            raise ValueError("state vectors must be finite")
        norms = np.linalg.norm(v, axis=1)
        if np.any(np.abs(norms - 1) > 1e-6):
            raise ValueError(f"state vectors must be normalised; norms {norms[np.abs(norms - 1) > 1e-6][:3]}")
        object.__setattr__(self, "qubits", tuple(self.qubits))
        object.__setattr__(self, "vectors", v / norms[:, None])

    @property
    def n_states(self) -> int:
        return int(self.vectors.shape[0])

    def _masks(self, x: np.ndarray, z: np.ndarray, positions: Sequence[int]):
        n = self.n_qubits
        xm = np.zeros(x.shape[0], dtype=np.int64)
        zm = np.zeros(x.shape[0], dtype=np.int64)
        for j, p in enumerate(positions):
            w, b = divmod(j, WORD_BITS)
            bit = 1 << (n - 1 - p)
            xm |= (((x[:, w] >> _U64(b)) & _U64(1)).astype(np.int64)) * bit
            zm |= (((z[:, w] >> _U64(b)) & _U64(1)).astype(np.int64)) * bit
        return xm, zm

    def expectations(self, x: np.ndarray, z: np.ndarray, positions: Sequence[int]) -> np.ndarray:
        x = np.atleast_2d(x)
        z = np.atleast_2d(z)
        xm, zm = self._masks(x, z, positions)
        keys = np.stack([xm, zm], axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        n = self.n_qubits
        idx = np.arange(2**n, dtype=np.int64)
        psi = self.vectors
        vals = np.empty((self.n_states, len(uniq)))
        for u, (a, b) in enumerate(uniq):
            a, b = int(a), int(b)
            sign = 1.0 - 2.0 * (np.bitwise_count(idx & b) & 1)
            # ⟨ψ| i^{|a∧b|} X^a Z^b |ψ⟩ = i^{y} Σ_k conj(ψ[k ⊕ a]) (−1)^{k·b} ψ[k]
            s = np.sum(np.conj(psi[:, idx ^ a]) * psi * sign, axis=1) * (1j ** bin(a & b).count("1"))
            vals[:, u] = s.real
        return vals[:, inverse.ravel()]

    def support_average(self, segments, qx, qz, rx, rz) -> np.ndarray:
        n = self.n_qubits
        big = lambda m: sum(1 << (n - 1 - j) for j in range(n) if (m >> j) & 1)  # noqa: E731
        phi_q = _pauli_apply(self.vectors, n, big(qx), big(qz))
        phi_r = _pauli_apply(self.vectors, n, big(rx), big(rz))
        segs = [list(s) for s in segments]
        k = len(segs)
        total = np.zeros((self.n_states, self.n_states), dtype=complex)
        # inclusion–exclusion over which segments may carry non-identity Paulis
        for sub in range(2**k):
            qubits_a = [q for i in range(k) if (sub >> i) & 1 for q in segs[i]]
            sign = (-1) ** (k - bin(sub).count("1"))
            h = self._pair_trace(qubits_a, phi_q, phi_r)
            total += sign * h
        denom = np.prod([4.0 ** len(s) - 1.0 for s in segs]) if segs else 1.0
        return (total / denom).real

    def _pair_trace(self, keep: list[int], phi_q: np.ndarray, phi_r: np.ndarray) -> np.ndarray:
        """``Σ_{P on keep} Tr[ρ_i Q_c P] Tr[ρ_j R_c P] = 2^|A| Tr[X_A^{(i)} Y_A^{(j)}]``."""
        n = self.n_qubits
        psi = self.vectors.reshape((self.n_states,) + (2,) * n)
        pq = phi_q.reshape(psi.shape)
        pr = phi_r.reshape(psi.shape)
        rest = [q for q in range(n) if q not in keep]
        perm = [0] + [1 + q for q in keep] + [1 + q for q in rest]
        da, dr = 2 ** len(keep), 2 ** len(rest)
        a = psi.transpose(perm).reshape(self.n_states, da, dr)
        bq = pq.transpose(perm).reshape(self.n_states, da, dr)
        br = pr.transpose(perm).reshape(self.n_states, da, dr)
        # X_A^{(i)} = Tr_rest[|ψ_i⟩⟨Q_c ψ_i|] = A_i B_i^†   (Q_c Hermitian)
        xa = np.einsum("iar,ibr->iab", a, np.conj(bq))
        ya = np.einsum("iar,ibr->iab", a, np.conj(br))
        return da * np.einsum("iab,jba->ij", xa, ya)


def zero_state(qubits: Sequence[cirq.Qid]) -> ProductStates:
    """``|0…0⟩`` on ``qubits``."""
    qs = tuple(qubits)
    b = np.zeros((1, len(qs), 3))
    b[:, :, 2] = 1.0
    return ProductStates(qubits=qs, bloch=b)


_BLOCH = {"0": (0, 0, 1), "1": (0, 0, -1), "+": (1, 0, 0), "-": (-1, 0, 0), "i": (0, 1, 0), "+i": (0, 1, 0),
          "j": (0, -1, 0), "-i": (0, -1, 0)}


def parse_product_state(spec: str, n: int) -> tuple[str, ...]:
    """Split a product-state string into one label per qubit.

    Grammar (both forms name ``|0⟩ |1⟩ |+⟩ |−⟩ |+i⟩ |−i⟩``):

    * **separated**: tokens separated by commas and/or spaces, one per qubit, each one of
      ``0 1 + - +i -i`` (``i`` and ``j`` are accepted for ``+i`` and ``-i``):
      ``'+, -, -i'`` is ``|+⟩|−⟩|−i⟩``.  Always unambiguous.
    * **compact**: one character per qubit from ``0 1 + - i j`` (``j`` = ``|−i⟩``):
      ``'+-i'`` on 3 qubits is ``|+⟩|−⟩|+i⟩``.  Older strings that wrote ``|−i⟩`` as the two
      characters ``-i`` still work: when the string has more characters than qubits and
      reading *every* ``-i`` as ``|−i⟩`` gives exactly one label per qubit, that reading is
      used (``'0-i'`` on 2 qubits is ``|0⟩|−i⟩``).  Any other length is refused.

    Returns
    -------
    tuple of labels from ``0 1 + - +i -i``.

    Raises
    ------
    ValueError : an unknown token, or a number of labels other than ``n`` (the message shows
        both forms).

    Examples
    --------
    >>> parse_product_state("+-i", 3)
    ('+', '-', '+i')
    >>> parse_product_state("+,-,-i", 3)
    ('+', '-', '-i')
    >>> parse_product_state("0-i", 2)
    ('0', '-i')
    """
    if not isinstance(spec, str):
        raise TypeError(f"a product-state string must be a str, got {type(spec).__name__}")
    canon = {"0": "0", "1": "1", "+": "+", "-": "-", "i": "+i", "+i": "+i", "j": "-i", "-i": "-i"}
    text = spec.strip()
    help_ = (f"write one of 0 1 + - i j per qubit (j = |-i>), or tokens separated by commas: "
             f"'{', '.join(['0', '+', '-i'][:max(1, min(n, 3))])}'")
    if any(c in text for c in ", \t"):
        tokens = [t for t in text.replace(",", " ").split() if t]
        bad = [t for t in tokens if t.lower() not in canon]
        if bad:
            raise ValueError(f"unknown token(s) {bad} in product state {spec!r}; tokens are 0 1 + - +i -i (or i j)")
        if len(tokens) != n:
            raise ValueError(f"product state {spec!r} has {len(tokens)} tokens for {n} qubits")
        return tuple(canon[t.lower()] for t in tokens)
    bad = sorted({c for c in text if c not in "01+-ij"})
    if bad:
        raise ValueError(f"unknown letter(s) {bad} in product state {spec!r}; {help_}")
    if len(text) == n:
        return tuple(canon[c] for c in text)
    legacy = text.replace("-i", "j")
    if len(text) > n and len(legacy) == n:
        return tuple(canon[c] for c in legacy)
    raise ValueError(f"product state {spec!r} has {len(text)} letters for {n} qubits; {help_}")


def product_state(spec, qubits: Sequence[cirq.Qid]) -> ProductStates:
    """A product state from a string, an ``(n, 3)`` Bloch array, or a ``cirq.ProductState``.

    Strings follow :func:`parse_product_state`: ``'0+1-'`` (one of ``0 1 + - i j`` per
    qubit, ``i`` = ``|+i⟩``, ``j`` = ``|−i⟩``) or separated tokens ``'0, +, -i'``.
    """
    qs = tuple(qubits)
    if isinstance(spec, cirq.ProductState):
        b = np.zeros((len(qs), 3))
        b[:, 2] = 1.0
        index = {q: j for j, q in enumerate(qs)}
        for q, st in spec:
            if q not in index:
                raise ValueError(f"cirq.ProductState names qubit {q}, which is not among {qs}")
            rho = st.projector()
            b[index[q]] = [
                float(np.real(np.trace(rho @ np.array([[0, 1], [1, 0]])))),
                float(np.real(np.trace(rho @ np.array([[0, -1j], [1j, 0]])))),
                float(np.real(np.trace(rho @ np.array([[1, 0], [0, -1]])))),
            ]
        return ProductStates(qubits=qs, bloch=b)
    if isinstance(spec, str):
        b = np.array([_BLOCH[c] for c in parse_product_state(spec, len(qs))], dtype=float)
        return ProductStates(qubits=qs, bloch=b)
    b = np.asarray(spec, dtype=float)
    return ProductStates(qubits=qs, bloch=b)


def as_input_states(state, qubits: Sequence[cirq.Qid]) -> InputStates:
    """Coerce ``state`` to :class:`InputStates` on ``qubits``.

    Accepts ``None`` (``|0…0⟩``), :class:`InputStates` (qubits must contain ``qubits``),
    a ``cirq.ProductState``, a product-state string, a 1-D state vector, a 2-D array of
    state vectors (a dataset), or a list of 1-D vectors.

    Raises
    ------
    TypeError, ValueError : naming what was wrong.
    """
    qs = tuple(qubits)
    if state is None:
        return zero_state(qs)
    if isinstance(state, InputStates):
        missing = [q for q in qs if q not in state.qubits]
        if missing:
            raise ValueError(f"the input state is defined on {list(state.qubits)} but qubits {missing} are needed")
        return state
    if isinstance(state, (cirq.ProductState, str)):
        return product_state(state, qs)
    if isinstance(state, (list, tuple)) and state and all(np.ndim(s) == 1 for s in state):
        state = np.stack([np.asarray(s, dtype=complex) for s in state])
    if isinstance(state, np.ndarray):
        if state.ndim in (1, 2) and state.shape[-1] == 2 ** len(qs):
            return StateVectors(qubits=qs, vectors=state)
        raise ValueError(
            f"a state-vector input must have length 2^{len(qs)} = {2 ** len(qs)} (qubits {list(qs)}); "
            f"got an array of shape {state.shape}"
        )
    raise TypeError(
        "state must be None, a bounds.exact ProductStates/StateVectors, a cirq.ProductState, a string like "
        f"'0+01', or state vector(s) as numpy arrays; got {type(state).__name__}"
    )


def dataset_states(
    model, data: Optional[np.ndarray] = None, product: Optional[bool] = None, memory_limit=None
) -> InputStates:
    """Embedded data states ``U(x_i)|0…0⟩`` of a :class:`circuits.Model` on ``model.qubits``.

    Parameters
    ----------
    model : circuits.Model with an embedding and (unless ``data`` is given) a dataset.
    data : ``(N, n_features)`` array; default ``model.dataset.x``.
    product : force (True) or forbid (False) the product-state path; default: used when the
        embedding has no multi-qubit gates (then any number of qubits works).
    memory_limit : budget for the ``N`` state vectors (bytes, ``'4GiB'``; default half the
        available memory).

    Raises
    ------
    ValueError : no data, or state vectors requested for too many qubits.
    MemoryBudgetExceeded : the state vectors would not fit (checked before simulating).
    """
    if data is None:
        if model.dataset is None:
            raise ValueError("the model has no dataset; pass data=(N, n_features) array")
        data = model.dataset.x
    data = np.asarray(data, dtype=float)
    if data.ndim == 1:
        data = data[None]
    qubits = tuple(model.qubits)
    emb_ops = list(model.embedding.all_operations())
    is_product = all(len(op.qubits) <= 1 for op in emb_ops)
    if product is None:
        product = is_product
    if product and not is_product:
        raise ValueError("the embedding has multi-qubit gates; its states are not product states")
    if product:
        index = {q: j for j, q in enumerate(qubits)}
        bloch = np.zeros((len(data), len(qubits), 3))
        for i, x in enumerate(data):
            circ = model.embedded_circuit(x)
            per_qubit: dict = {q: [] for q in qubits}
            for op in circ.all_operations():
                if len(op.qubits) == 1:
                    per_qubit[op.qubits[0]].append(op)
            for q, ops in per_qubit.items():
                bloch[i, index[q]] = _bloch_of(ops)
        return ProductStates(qubits=qubits, bloch=bloch)
    if len(qubits) > MAX_STATE_VECTOR_QUBITS:
        raise ValueError(
            f"the embedded states live on {len(qubits)} qubits; state vectors are limited to {MAX_STATE_VECTOR_QUBITS}"
        )
    check_state_vectors(len(data), len(qubits), memory_limit)
    vecs = np.stack([model.data_state(x) for x in data])
    return StateVectors(qubits=qubits, vectors=vecs)


def check_state_vectors(n_states: int, n_qubits: int, memory_limit=None, itemsize: int = 16) -> None:
    """Refuse (before simulating) ``n_states`` state vectors of ``n_qubits`` that exceed the budget.

    The stack of ``N`` vectors, plus one list copy before stacking and one simulation's work.

    Raises
    ------
    MemoryBudgetExceeded : one line naming what was needed and what fits.
    """
    need = (2 * n_states + 2) * 2**n_qubits * itemsize
    MemoryBudget.from_limit(memory_limit).check(
        need,
        what=f"{n_states} embedded data state vectors on {n_qubits} qubits",
        alternative="fewer data points, a product-state embedding, or fewer qubits",
    )


def _bloch_of(ops: list[cirq.Operation]) -> np.ndarray:
    """Bloch vector of ``(product of single-qubit ops)|0⟩``."""
    u = np.eye(2, dtype=complex)
    for op in ops:
        u = cirq.unitary(op) @ u
    psi = u[:, 0]
    rho = np.outer(psi, psi.conj())
    return np.array([2 * rho[1, 0].real, 2 * rho[1, 0].imag, (rho[0, 0] - rho[1, 1]).real])


def loss_weights(weights, n_states: int) -> np.ndarray:
    """Per-state weights of a linear loss ``L = Σ_i u_i ℓ_i`` (default: the mean, ``u_i = 1/N``).

    Raises
    ------
    ValueError : not one finite weight per input state.
    """
    if weights is None:
        return np.full(n_states, 1.0 / n_states)
    u = np.asarray(weights, dtype=float).ravel()
    if u.shape != (n_states,):
        raise ValueError(f"weights must have one entry per input state ({n_states}), got shape {u.shape}")
    if not np.all(np.isfinite(u)):
        raise ValueError("weights must be finite")
    return u


def state_qubits(circuit, observable, state, qubits):
    """The qubit order of the input state, or ``None`` for ``|0…0⟩`` on the light cone.

    An explicit ``qubits`` or an :class:`InputStates` fixes the order; other state formats
    (vectors, strings) are read on the sorted qubits of circuit and observable.
    """
    if qubits is None and state is None:
        return None
    needed = set(circuit.all_qubits()) | set(q for ps in observable for q in ps.qubits)
    if qubits is not None:
        qs = tuple(qubits)
    elif isinstance(state, InputStates):
        qs = tuple(state.qubits)
    else:
        qs = tuple(sorted(needed))
    missing = needed - set(qs)
    if missing:
        raise ValueError(f"qubits {sorted(missing)} of the circuit/observable are not among the state's qubits {list(qs)}")
    return qs
