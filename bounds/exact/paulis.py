"""Bit-packed symplectic Pauli strings, vectorised with numpy ``uint64`` words.

A Hermitian Pauli string on ``n`` qubits is stored as two bit vectors ``x, z`` (one bit per
qubit, qubit ``j`` in word ``j // 64``, bit ``j % 64``) meaning

    σ(x, z) = ⊗_j  i^{x_j z_j} X^{x_j} Z^{z_j}      (so (1,0)=X, (1,1)=Y, (0,1)=Z),

with any real sign ``±1`` carried separately (as a weight).  Arrays of strings have shape
``(..., W)`` with ``W = ceil(n / 64)`` words; every operation below broadcasts over the
leading axes, so millions of strings are processed with a handful of numpy calls.

Besides the algebra (commutation, products with their phase) this module compiles *local
maps* — the action of a ``k``-qubit Clifford gate or of a Pauli rotation on the ``2k`` bits
of its qubits — into algebraic normal form (XOR of ANDs), so that one moment's worth of
identical gates is applied to all strings with bit-parallel word operations.

References
----------
.. [1] S. Aaronson, D. Gottesman, "Improved simulation of stabilizer circuits",
   Phys. Rev. A 70, 052328 (2004), arXiv:quant-ph/0406196 (symplectic representation).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping, Optional, Sequence

import cirq
import numpy as np

__all__ = [
    "WORD_BITS",
    "PauliTable",
    "n_words",
    "pack_pauli_sum",
    "pack_pauli_strings",
    "unpack_pauli",
    "popcount_parity",
    "anticommutes",
    "product_phase",
    "bit_mask",
    "get_bits",
    "align",
    "LocalMap",
    "clifford_local_map",
    "rotation_local_map",
    "pauli_matrix",
]

WORD_BITS = 64
_U64 = np.uint64
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_LETTER_BITS = {cirq.X: (1, 0), cirq.Y: (1, 1), cirq.Z: (0, 1)}
_BITS_LETTER = {(0, 0): "I", (1, 0): "X", (1, 1): "Y", (0, 1): "Z"}
_MATS = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def n_words(n: int) -> int:
    """Number of 64-bit words needed for ``n`` qubits (at least one)."""
    return max(1, (int(n) + WORD_BITS - 1) // WORD_BITS)


@dataclasses.dataclass(frozen=True)
class PauliTable:
    """Packed Pauli strings with real coefficients.

    Attributes
    ----------
    x, z : ``(N, W)`` uint64 arrays.
    coefficients : ``(N,)`` float array (the Hermitian Pauli string times this number).
    n_qubits : number of qubits the bits refer to.
    """

    x: np.ndarray
    z: np.ndarray
    coefficients: np.ndarray
    n_qubits: int

    def __len__(self) -> int:
        return int(self.x.shape[0])


def bit_mask(positions: Iterable[int], n_qubits: int) -> np.ndarray:
    """A ``(W,)`` word mask with the bits at ``positions`` set."""
    out = np.zeros(n_words(n_qubits), dtype=_U64)
    for p in positions:
        out[p // WORD_BITS] |= _U64(1) << _U64(p % WORD_BITS)
    return out


def pack_pauli_strings(
    strings: Sequence[cirq.PauliString], qubit_index: Mapping[cirq.Qid, int], n_qubits: int
) -> PauliTable:
    """Pack Cirq Pauli strings (real coefficients) into a :class:`PauliTable`.

    Raises
    ------
    ValueError : a string acts on a qubit missing from ``qubit_index`` or has a complex
        coefficient (the observable must be Hermitian).
    """
    w = n_words(n_qubits)
    x = np.zeros((len(strings), w), dtype=_U64)
    z = np.zeros((len(strings), w), dtype=_U64)
    coeffs = np.zeros(len(strings))
    for r, ps in enumerate(strings):
        c = complex(ps.coefficient)
        if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
            raise ValueError(f"Pauli string {ps} has a complex coefficient; a Hermitian observable is needed")
        coeffs[r] = c.real
        for q, p in ps.items():
            if q not in qubit_index:
                raise ValueError(f"Pauli string {ps} acts on qubit {q}, which is not among the qubits {list(qubit_index)}")
            j = qubit_index[q]
            bx, bz = _LETTER_BITS[p]
            bit = _U64(1) << _U64(j % WORD_BITS)
            if bx:
                x[r, j // WORD_BITS] |= bit
            if bz:
                z[r, j // WORD_BITS] |= bit
    return PauliTable(x=x, z=z, coefficients=coeffs, n_qubits=n_qubits)


def pack_pauli_sum(
    observable: cirq.PauliSum, qubit_index: Mapping[cirq.Qid, int], n_qubits: int
) -> tuple[PauliTable, float]:
    """Pack a PauliSum: returns the non-identity terms and the identity coefficient."""
    terms = []
    identity = 0.0
    for ps in observable:
        if len(ps) == 0:
            c = complex(ps.coefficient)
            if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
                raise ValueError(f"identity term {ps} has a complex coefficient; a Hermitian observable is needed")
            identity += c.real
        else:
            terms.append(ps)
    return pack_pauli_strings(terms, qubit_index, n_qubits), identity


def unpack_pauli(x: np.ndarray, z: np.ndarray, qubits: Sequence[cirq.Qid], coefficient: float = 1.0) -> cirq.PauliString:
    """One packed string (``(W,)`` words) back to a ``cirq.PauliString`` on ``qubits``."""
    ops = {}
    for j, q in enumerate(qubits):
        bx = int(x[j // WORD_BITS] >> _U64(j % WORD_BITS)) & 1
        bz = int(z[j // WORD_BITS] >> _U64(j % WORD_BITS)) & 1
        letter = _BITS_LETTER[(bx, bz)]
        if letter != "I":
            ops[q] = {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}[letter]
    return cirq.PauliString(ops, coefficient=coefficient)


def popcount_parity(words: np.ndarray) -> np.ndarray:
    """Parity of the number of set bits over the last axis (bool array)."""
    return (np.bitwise_count(words).sum(axis=-1) & 1).astype(bool)


def anticommutes(x1: np.ndarray, z1: np.ndarray, x2: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """True where σ(x1, z1) and σ(x2, z2) anticommute (broadcast over leading axes)."""
    return popcount_parity((x1 & z2) ^ (z1 & x2))


def product_phase(x1: np.ndarray, z1: np.ndarray, x2: np.ndarray, z2: np.ndarray) -> np.ndarray:
    """``g`` (mod 4) with ``σ(x1,z1) σ(x2,z2) = i^g σ(x1⊕x2, z1⊕z2)``.

    Per qubit the phase is ``+1`` for (X,Y), (Y,Z), (Z,X), ``−1`` for the reversed orders.
    """
    nx1, nz1, nx2, nz2 = ~x1, ~z1, ~x2, ~z2
    plus = (x1 & nz1 & x2 & z2) | (x1 & z1 & nx2 & z2) | (nx1 & z1 & x2 & nz2)
    minus = (x1 & z1 & x2 & nz2) | (nx1 & z1 & x2 & z2) | (x1 & nz1 & nx2 & z2)
    g = np.bitwise_count(plus).sum(axis=-1).astype(np.int64) - np.bitwise_count(minus).sum(axis=-1).astype(np.int64)
    return g % 4


def get_bits(words: np.ndarray, position: int) -> np.ndarray:
    """The bit at qubit ``position`` of every string (uint64 0/1 array over leading axes)."""
    return (words[..., position // WORD_BITS] >> _U64(position % WORD_BITS)) & _U64(1)


def align(words: np.ndarray, d: int) -> np.ndarray:
    """Shift bits so that output bit ``p`` holds input bit ``p + d`` (zeros shifted in).

    ``d`` may be negative.  Works across word boundaries.
    """
    if d == 0:
        return words
    w = words.shape[-1]
    if w == 1:
        if abs(d) >= WORD_BITS:
            return np.zeros_like(words)
        return words >> _U64(d) if d > 0 else words << _U64(-d)
    out = np.zeros_like(words)
    if d > 0:
        q, r = divmod(d, WORD_BITS)
        if q >= w:
            return out
        if r == 0:
            out[..., : w - q] = words[..., q:]
        else:
            out[..., : w - q] = words[..., q:] >> _U64(r)
            out[..., : w - q - 1] |= words[..., q + 1 :] << _U64(WORD_BITS - r)
    else:
        q, r = divmod(-d, WORD_BITS)
        if q >= w:
            return out
        if r == 0:
            out[..., q:] = words[..., : w - q]
        else:
            out[..., q:] = words[..., : w - q] << _U64(r)
            out[..., q + 1 :] |= words[..., : w - q - 1] >> _U64(WORD_BITS - r)
    return out


# ----------------------------------------------------------------------------------------
# Local maps in algebraic normal form
# ----------------------------------------------------------------------------------------


def _anf(truth: np.ndarray) -> tuple[int, ...]:
    """Monomials (bit masks over the inputs) of the algebraic normal form of a truth table."""
    a = np.array(truth, dtype=np.uint8) & 1
    m = int(np.log2(len(a)))
    idx = np.arange(len(a))
    for i in range(m):
        sel = (idx >> i) & 1 == 1
        a[sel] ^= a[idx[sel] ^ (1 << i)]
    return tuple(int(k) for k in np.nonzero(a)[0])


def _evaluate_anf(monomials: Sequence[int], inputs: Sequence[np.ndarray], ones: np.ndarray, cache: dict) -> np.ndarray:
    """XOR over ``monomials`` of the AND of their inputs (bit-parallel); products are cached."""
    out = np.zeros_like(ones)
    for mono in monomials:
        out ^= _monomial(mono, inputs, ones, cache)
    return out


def _monomial(mono: int, inputs: Sequence[np.ndarray], ones: np.ndarray, cache: dict) -> np.ndarray:
    term = cache.get(mono)
    if term is None:
        if mono == 0:
            term = ones
        else:
            rest = mono & (mono - 1)  # drop the lowest input of the monomial ...
            j = (mono ^ rest).bit_length() - 1  # ... which is input j
            term = inputs[j] if rest == 0 else (_monomial(rest, inputs, ones, cache) & inputs[j])
        cache[mono] = term
    return term


@dataclasses.dataclass(frozen=True)
class LocalMap:
    """A map on the ``2k`` bits (``x_0, z_0, x_1, z_1, …``) of ``k`` qubits, in ANF.

    ``kind == 'clifford'``: outputs are the new bits (``2k`` functions) and the sign bit
    (1 where the image carries a minus sign).  ``kind == 'rotation'``: outputs are the
    anticommutation bit with the generator ``P`` and the sign bit of ``Q' = −i Q P``;
    ``flip_x[j], flip_z[j]`` are ``P``'s bits (``Q' = Q·P`` bitwise).

    Attributes
    ----------
    table : ``(4^k,)`` int array, the image code of each input code (Clifford) or the
        anticommutation bit (rotation); ``signs``: ``±1`` per input code.
    """

    kind: str
    k: int
    outputs: tuple[tuple[int, ...], ...]
    sign: tuple[int, ...]
    table: np.ndarray
    signs: np.ndarray
    flip_x: tuple[int, ...] = ()
    flip_z: tuple[int, ...] = ()

    def evaluate(self, inputs: Sequence[np.ndarray], ones: np.ndarray, with_sign: bool = True):
        """Evaluate on bit-parallel inputs (each a word array with bits at anchor positions).

        Returns ``(outputs list, sign words or None)``.
        """
        cache: dict = {}
        outs = [_evaluate_anf(m, inputs, ones, cache) for m in self.outputs]
        sign = _evaluate_anf(self.sign, inputs, ones, cache) if with_sign else None
        return outs, sign


def _code_letters(code: int, k: int) -> list[tuple[int, int]]:
    return [((code >> (2 * j)) & 1, (code >> (2 * j + 1)) & 1) for j in range(k)]


def pauli_matrix(bits: Sequence[tuple[int, int]]) -> np.ndarray:
    """Dense matrix of ``⊗_j σ(x_j, z_j)`` (slot 0 most significant, as in Cirq)."""
    m = np.ones((1, 1), dtype=complex)
    for b in bits:
        m = np.kron(m, _MATS[_BITS_LETTER[tuple(b)]])
    return m


def _pauli_basis(k: int) -> np.ndarray:
    return np.stack([pauli_matrix(_code_letters(c, k)) for c in range(4**k)])


def clifford_local_map(unitary: np.ndarray) -> Optional[LocalMap]:
    """The Heisenberg action ``Q ↦ U† Q U`` of a ``k``-qubit unitary on Pauli strings.

    Returns ``None`` if ``U`` is not Clifford (some image is not a signed Pauli string).
    """
    u = np.asarray(unitary, dtype=complex)
    dim = u.shape[0]
    k = int(round(np.log2(dim)))
    if 2**k != dim or u.shape != (dim, dim):
        raise ValueError(f"unitary of shape {u.shape} is not a k-qubit unitary")
    basis = _pauli_basis(k)
    table = np.zeros(4**k, dtype=np.int64)
    signs = np.ones(4**k, dtype=np.int64)
    for code in range(4**k):
        image = u.conj().T @ basis[code] @ u
        overlaps = np.einsum("pij,ji->p", basis, image) / dim
        best = int(np.argmax(np.abs(overlaps)))
        val = overlaps[best]
        if abs(abs(val) - 1) > 1e-8 or abs(val.imag) > 1e-8:
            return None
        table[code] = best
        signs[code] = 1 if val.real > 0 else -1
    outputs = []
    for j in range(2 * k):
        outputs.append(_anf((table >> j) & 1))
    sign = _anf((signs < 0).astype(np.uint8))
    return LocalMap(kind="clifford", k=k, outputs=tuple(outputs), sign=sign, table=table, signs=signs)


def rotation_local_map(pauli_bits: Sequence[tuple[int, int]]) -> LocalMap:
    """Local map of a rotation generated by the ``k``-qubit Pauli string with these bits.

    For each local code ``Q``: the anticommutation bit with ``P`` and the sign of
    ``Q' = −i Q P`` (only meaningful where they anticommute).
    """
    k = len(pauli_bits)
    anti = np.zeros(4**k, dtype=np.uint8)
    signs = np.ones(4**k, dtype=np.int64)
    for code in range(4**k):
        q = _code_letters(code, k)
        s = sum(q[j][0] * pauli_bits[j][1] + q[j][1] * pauli_bits[j][0] for j in range(k)) & 1
        anti[code] = s
        if s:
            g = 0
            for (a, b), (c, d) in zip(q, pauli_bits):
                g += _single_phase(a, b, c, d)
            ph = (g - 1) % 4  # −i · i^g = i^(g−1)
            if ph not in (0, 2):  # pragma: no cover - impossible when anticommuting
                raise AssertionError("non-real phase for anticommuting Paulis")
            signs[code] = 1 if ph == 0 else -1
    return LocalMap(
        kind="rotation",
        k=k,
        outputs=(_anf(anti),),
        sign=_anf(((signs < 0) & (anti == 1)).astype(np.uint8)),
        table=anti.astype(np.int64),
        signs=signs,
        flip_x=tuple(int(b[0]) for b in pauli_bits),
        flip_z=tuple(int(b[1]) for b in pauli_bits),
    )


def _single_phase(a: int, b: int, c: int, d: int) -> int:
    """Phase exponent of σ(a,b)σ(c,d) on one qubit (+1, −1 or 0)."""
    la, lb = _BITS_LETTER[(a, b)], _BITS_LETTER[(c, d)]
    if (la, lb) in (("X", "Y"), ("Y", "Z"), ("Z", "X")):
        return 1
    if (la, lb) in (("Y", "X"), ("Z", "Y"), ("X", "Z")):
        return -1
    return 0
