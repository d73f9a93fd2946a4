"""Bit-packed Pauli algebra against dense matrices (cirq)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc.bounds.exact import paulis as P


def _random_strings(rng, n, count):
    letters = [None, cirq.X, cirq.Y, cirq.Z]
    qs = cirq.LineQubit.range(n)
    out = []
    for _ in range(count):
        ops = {q: letters[k] for q, k in zip(qs, rng.integers(0, 4, n)) if letters[k] is not None}
        out.append(cirq.PauliString(ops))
    return qs, out


@pytest.mark.parametrize("n", [3, 70])
def test_pack_unpack_roundtrip(n):
    rng = np.random.default_rng(1)
    qs, strings = _random_strings(rng, n, 20)
    table = P.pack_pauli_strings(strings, {q: i for i, q in enumerate(qs)}, n)
    assert table.x.shape == (20, P.n_words(n))
    for r, ps in enumerate(strings):
        assert P.unpack_pauli(table.x[r], table.z[r], qs) == ps


def test_product_phase_and_anticommutation_match_matrices():
    rng = np.random.default_rng(2)
    n = 3
    qs, a = _random_strings(rng, n, 40)
    _, b = _random_strings(rng, n, 40)
    index = {q: i for i, q in enumerate(qs)}
    ta = P.pack_pauli_strings(a, index, n)
    tb = P.pack_pauli_strings(b, index, n)
    g = P.product_phase(ta.x, ta.z, tb.x, tb.z)
    anti = P.anticommutes(ta.x, ta.z, tb.x, tb.z)
    for r in range(40):
        ma, mb = a[r].matrix(qs), b[r].matrix(qs)
        prod = P.unpack_pauli(ta.x[r] ^ tb.x[r], ta.z[r] ^ tb.z[r], qs).matrix(qs)
        np.testing.assert_allclose(ma @ mb, (1j ** g[r]) * prod, atol=1e-12)
        assert anti[r] == (not np.allclose(ma @ mb, mb @ ma))


def test_align_across_words():
    rng = np.random.default_rng(3)
    words = rng.integers(0, 2**63, size=(5, 3), dtype=np.uint64)
    bits = np.unpackbits(words.view(np.uint8), bitorder="little").reshape(5, 192)
    for d in (-130, -64, -5, 0, 1, 63, 64, 100):
        out = np.unpackbits(P.align(words, d).view(np.uint8), bitorder="little").reshape(5, 192)
        expect = np.zeros_like(bits)
        for p in range(192):
            if 0 <= p + d < 192:
                expect[:, p] = bits[:, p + d]
        np.testing.assert_array_equal(out, expect)


@pytest.mark.parametrize(
    "gate",
    [cirq.CZ, cirq.CNOT, cirq.SWAP, cirq.ISWAP, cirq.H, cirq.S, cirq.X, cirq.rx(np.pi / 2), cirq.CZ**-1],
)
def test_clifford_local_map_matches_conjugation(gate):
    k = gate.num_qubits()
    u = cirq.unitary(gate)
    lm = P.clifford_local_map(u)
    assert lm is not None
    for code in range(4**k):
        bits = [((code >> (2 * j)) & 1, (code >> (2 * j + 1)) & 1) for j in range(k)]
        image = u.conj().T @ P.pauli_matrix(bits) @ u
        out = int(lm.table[code])
        obits = [((out >> (2 * j)) & 1, (out >> (2 * j + 1)) & 1) for j in range(k)]
        np.testing.assert_allclose(image, lm.signs[code] * P.pauli_matrix(obits), atol=1e-12)


def test_non_clifford_gate_has_no_local_map():
    assert P.clifford_local_map(cirq.unitary(cirq.T)) is None
    assert P.clifford_local_map(cirq.unitary(cirq.CCZ)) is None


def test_rotation_local_map_sign_of_q_prime():
    # Q' = -i Q P for anticommuting Q, P: check every 2-qubit Q against P = X⊗Z.
    pb = [(1, 0), (0, 1)]
    lm = P.rotation_local_map(pb)
    pm = P.pauli_matrix(pb)
    for code in range(16):
        bits = [((code >> (2 * j)) & 1, (code >> (2 * j + 1)) & 1) for j in range(2)]
        qm = P.pauli_matrix(bits)
        anti = not np.allclose(qm @ pm, pm @ qm)
        assert bool(lm.table[code]) == anti
        if anti:
            flipped = [(a ^ c, b ^ d) for (a, b), (c, d) in zip(bits, pb)]
            np.testing.assert_allclose(-1j * qm @ pm, lm.signs[code] * P.pauli_matrix(flipped), atol=1e-12)


def test_bitparallel_anf_evaluation_matches_table():
    rng = np.random.default_rng(4)
    lm = P.clifford_local_map(cirq.unitary(cirq.CNOT))
    n = 130
    x = rng.integers(0, 2**63, size=(7, P.n_words(n)), dtype=np.uint64)
    z = rng.integers(0, 2**63, size=(7, P.n_words(n)), dtype=np.uint64)
    anchors = [0, 5, 64, 127]
    am = P.bit_mask(anchors, n)
    ins = []
    for off in (0, 2):
        ins += [P.align(x, off) & am, P.align(z, off) & am]
    ones = np.empty_like(x)
    ones[...] = am
    outs, sign = lm.evaluate(ins, ones)
    for r in range(7):
        for a in anchors:
            code = 0
            for j, off in enumerate((0, 2)):
                code |= int(P.get_bits(x[r], a + off)) << (2 * j)
                code |= int(P.get_bits(z[r], a + off)) << (2 * j + 1)
            new = int(lm.table[code])
            got = sum(int(P.get_bits(outs[j][r], a)) << j for j in range(4))
            assert got == new
            assert int(P.get_bits(sign[r], a)) == int(lm.signs[code] < 0)


def test_pack_rejects_complex_coefficients():
    q = cirq.LineQubit(0)
    with pytest.raises(ValueError, match="complex coefficient"):
        P.pack_pauli_strings([cirq.PauliString(cirq.X(q), coefficient=1j)], {q: 0}, 1)
