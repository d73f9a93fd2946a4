"""Brute-force references for the exact-variance tests (independent of bounds.exact).

Exact averaging over a trigonometric grid: every parameter enters ``ℓ`` through a Pauli
rotation, so ``ℓ`` and ``(∂_k ℓ)(∂_k ℓ')`` are trigonometric polynomials of degree ``<= 2f``
in each angle (``f`` the integer frequency); the mean over ``G > 2f`` equally spaced points
per parameter is the exact uniform average.  Gates come from ``cirq.unitary`` of the
resolved operations and derivatives from the parameter-shift rule, so nothing here shares
code or conventions with the Pauli-path engine.
"""

from __future__ import annotations

import itertools
import math

import cirq
import numpy as np

from bpcalc import circuits


def _apply(states: np.ndarray, u: np.ndarray, axes: list[int], n: int) -> np.ndarray:
    """Apply ``u`` (on ``axes``) to a batch of state vectors ``(P, 2^n)``."""
    p = states.shape[0]
    k = len(axes)
    t = states.reshape((p,) + (2,) * n)
    ut = u.reshape((2,) * (2 * k))
    t = np.tensordot(t, ut, axes=([1 + a for a in axes], list(range(k, 2 * k))))
    # tensordot puts the new axes last: move them back
    rest = [a for a in range(n) if a not in axes]
    order = [0] + [None] * n
    src = list(range(1, 1 + len(rest))) + list(range(1 + len(rest), 1 + n))
    dest_axes = [1 + a for a in rest] + [1 + a for a in axes]
    t = np.moveaxis(t, src, dest_axes)
    del order
    return t.reshape(p, 2**n)


def symbol_info(circuit: cirq.AbstractCircuit, convention: str = "angle"):
    """Per symbol: (operation, frequency k, shift in the symbol for φ ± π/2, period)."""
    info = {}
    for op in circuit.all_operations():
        syms = cirq.parameter_symbols(op)
        for s in syms:
            rot = circuits.as_pauli_rotation(op)
            aff = circuits.affine_angle(rot.angle)
            c = aff.coefficient
            if abs(c - round(c)) < 1e-9:
                k, period, dfac = round(c), 2 * math.pi, float(round(c))
            else:
                k = round(c / math.pi)
                period = 2.0
                dfac = float(k) if convention == "angle" else k * math.pi
            info[s] = dict(op=op, k=k, period=period, shift=(math.pi / 2) / c, dfac=dfac)
    return info


def simulate(circuit, qubits, psi0: np.ndarray, resolver_points: dict, symbols: list) -> np.ndarray:
    """Final states for a batch of parameter points.

    ``resolver_points[s]`` is a ``(P,)`` array of values of symbol ``s``.
    """
    n = len(qubits)
    index = {q: i for i, q in enumerate(qubits)}
    npts = len(next(iter(resolver_points.values()))) if resolver_points else 1
    states = np.repeat(psi0[None, :], npts, axis=0).astype(complex)
    for op in circuit.all_operations():
        axes = [index[q] for q in op.qubits]
        syms = list(cirq.parameter_symbols(op))
        if not syms:
            states = _apply(states, cirq.unitary(op), axes, n)
            continue
        (s,) = syms
        vals = resolver_points[s]
        uniq, inv = np.unique(np.round(vals, 14), return_inverse=True)
        out = np.empty_like(states)
        for j, v in enumerate(uniq):
            sel = inv == j
            u = cirq.unitary(cirq.resolve_parameters(op, {s: float(v)}))
            out[sel] = _apply(states[sel], u, axes, n)
        states = out
    return states


def grid_moments(circuit, observable, qubits, psis: np.ndarray, params: list, convention: str = "angle"):
    """Exact ``E[∂_kℓ_i ∂_kℓ_j]`` (K, N, N), ``E[ℓ_i ℓ_j]`` (N, N) and ``E[ℓ_i]`` (N,)."""
    info = symbol_info(circuit, convention)
    symbols = list(info)
    grids = []
    for s in symbols:
        g = 2 * abs(info[s]["k"]) + 1
        grids.append(np.arange(g) * info[s]["period"] / g + 0.1234)
    points = np.array(list(itertools.product(*grids))) if symbols else np.zeros((1, 0))
    omat = circuits.as_pauli_sum(observable).matrix(qubits) if not isinstance(observable, np.ndarray) else observable
    psis = np.atleast_2d(psis)

    def ell(pts):
        res = {s: pts[:, i] for i, s in enumerate(symbols)}
        out = []
        for psi in psis:
            st = simulate(circuit, qubits, psi, res, symbols)
            out.append(np.einsum("pi,ij,pj->p", st.conj(), omat, st).real)
        return np.array(out)  # (N, P)

    base = ell(points)
    mean = base.mean(axis=1)
    second = base @ base.T / points.shape[0]
    grads = []
    for s in params:
        i = symbols.index(s)
        d = info[s]
        plus = points.copy()
        minus = points.copy()
        plus[:, i] += d["shift"]
        minus[:, i] -= d["shift"]
        g = d["dfac"] * (ell(plus) - ell(minus)) / 2.0
        grads.append(g @ g.T / points.shape[0])
    return np.array(grads), second, mean


def random_state(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return v / np.linalg.norm(v)


def _superop_apply(x: np.ndarray, u: np.ndarray, axes: list[int], n: int) -> np.ndarray:
    """``(U⊗U) X (U⊗U)†`` for a two-copy operator ``X`` on ``2n`` qubits (copy 2 after copy 1)."""
    d = 2 ** (2 * n)
    axes2 = axes + [n + a for a in axes]
    uu = np.kron(u, u)
    left = _apply(x.T, uu, axes2, 2 * n).T  # acts on rows: (UU) X
    right = _apply(left.conj(), uu, axes2, 2 * n).conj()  # X (UU)†: columns
    del d
    return right


def two_copy_moments(circuit, observable, qubits, psi: np.ndarray, param, convention: str = "angle"):
    """``E[(∂ℓ)²]`` (``param`` given) or ``E[ℓ²]`` (``param=None``) by gate-wise averaging of ``ρ⊗ρ``.

    The parameters are independent, so ``E[U^{⊗2} ρ^{⊗2} U^{†⊗2}]`` is obtained gate by gate,
    each average exact on a ``2f+1``-point grid; the differentiated gate uses the parameter
    shift rule inside the average.  Feasible for ``n <= 5``.
    """
    n = len(qubits)
    index = {q: i for i, q in enumerate(qubits)}
    info = symbol_info(circuit, convention)
    psi = np.asarray(psi, dtype=complex)
    rho = np.outer(psi, psi.conj())
    x = np.kron(rho, rho)
    for op in circuit.all_operations():
        axes = [index[q] for q in op.qubits]
        syms = list(cirq.parameter_symbols(op))
        if not syms:
            x = _superop_apply(x, cirq.unitary(op), axes, n)
            continue
        (s,) = syms
        d = info[s]
        g = 2 * abs(d["k"]) + 1
        grid = np.arange(g) * d["period"] / g
        acc = np.zeros_like(x)
        for v in grid:
            if s == param:
                up = cirq.unitary(cirq.resolve_parameters(op, {s: float(v + d["shift"])}))
                um = cirq.unitary(cirq.resolve_parameters(op, {s: float(v - d["shift"])}))
                # (∂ρ)⊗(∂ρ) with ∂ρ = dfac (U+ ρ U+† − U− ρ U−†)/2
                for ua, sa in ((up, 1), (um, -1)):
                    for ub, sb in ((up, 1), (um, -1)):
                        uab = np.kron(ua, ub)
                        axes2 = axes + [n + a for a in axes]
                        t = _apply(x.T, uab, axes2, 2 * n).T
                        t = _apply(t.conj(), uab, axes2, 2 * n).conj()
                        acc += sa * sb * t * d["dfac"] ** 2 / 4.0
            else:
                u = cirq.unitary(cirq.resolve_parameters(op, {s: float(v)}))
                acc += _superop_apply(x, u, axes, n)
        x = acc / g
    om = circuits.as_pauli_sum(observable).matrix(qubits)
    return float(np.real(np.trace(np.kron(om, om) @ x)))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def haar_twirl_block(x: np.ndarray, block: list[int], n: int) -> np.ndarray:
    """Exact ``E_U[(U⊗U)_B X (U⊗U)_B†]`` (U Haar on the qubits ``block``) by Weingarten calculus.

    ``X`` acts on two copies of ``n`` qubits (copy 1 first).  ``E[(U⊗U) A (U⊗U)†] = c1·1 + c2·F``
    with ``c1 = (Tr_B A − Tr_B(FA)/D)/(D²−1)``, ``c2 = (Tr_B(FA) − Tr_B A/D)/(D²−1)``, ``D = 2^m``.
    """
    m = len(block)
    dim = 2**m
    t = x.reshape((2,) * (4 * n))
    rows = list(_LETTERS[: 2 * n])
    cols = list(_LETTERS[2 * n : 4 * n])
    b1 = [q for q in block]
    b2 = [n + q for q in block]
    keep = [i for i in range(2 * n) if i not in b1 + b2]
    # Tr_B X: identify row/col letters on B1 and B2
    r1, c1 = rows[:], cols[:]
    for i in b1 + b2:
        c1[i] = r1[i]
    out = "".join(r1[i] for i in keep) + "".join(c1[i] for i in keep)
    tr = np.einsum("".join(r1) + "".join(c1) + "->" + out, t)
    # Tr_B (F X): (F X)[r, c] = X[F r, c]; trace sets c = r on B, i.e. X[r with B1<->B2, r]
    r2, c2 = rows[:], cols[:]
    for a, b in zip(b1, b2):
        c2[a] = r2[b]
        c2[b] = r2[a]
    tf = np.einsum("".join(r2) + "".join(c2) + "->" + out, t)
    k1 = (tr - tf / dim) / (dim**2 - 1)
    k2 = (tf - tr / dim) / (dim**2 - 1)
    # rebuild: 1_B ⊗ k1 + F_B ⊗ k2
    eye = np.eye(dim).reshape((2,) * (2 * m))
    rb = "".join(rows[i] for i in b1) + "".join(rows[i] for i in b2)
    cb = "".join(cols[i] for i in b1) + "".join(cols[i] for i in b2)
    rest_r = "".join(rows[i] for i in keep)
    rest_c = "".join(cols[i] for i in keep)
    full = "".join(rows) + "".join(cols)
    ident = np.einsum(
        "".join(rows[i] for i in b1) + "".join(cols[i] for i in b1) + ","
        + "".join(rows[i] for i in b2) + "".join(cols[i] for i in b2) + "," + rest_r + rest_c + "->" + full,
        eye, eye, k1,
    )
    swap = np.einsum(
        "".join(rows[i] for i in b1) + "".join(cols[i] for i in b2) + ","
        + "".join(rows[i] for i in b2) + "".join(cols[i] for i in b1) + "," + rest_r + rest_c + "->" + full,
        eye, eye, k2,
    )
    del rb, cb
    return (ident + swap).reshape(x.shape)


def haar_block_moments(blocks: list[list[int]], n: int, rho_a: np.ndarray, rho_b: np.ndarray, obs: np.ndarray,
                       deriv_block=None, pauli: np.ndarray = None) -> float:
    """Exact ``E[∂ℓ_a ∂ℓ_b]`` (or ``E[ℓ_a ℓ_b]``) for Haar blocks applied in order.

    The differentiated block is ``V+ exp(-iθP/2) V−`` with ``V±`` Haar and ``P`` (a matrix on the
    block) its generator.
    """
    x = np.kron(rho_a, rho_b).astype(complex)
    for i, block in enumerate(blocks):
        x = haar_twirl_block(x, block, n)
        if i == deriv_block:
            acc = np.zeros_like(x)
            for theta in (0.1, 0.1 + 2 * np.pi / 3, 0.1 + 4 * np.pi / 3):
                for sa in (1, -1):
                    for sb in (1, -1):
                        ua = _block_rotation(pauli, theta + sa * np.pi / 2, block, n)
                        ub = _block_rotation(pauli, theta + sb * np.pi / 2, block, n)
                        d = 2**n
                        t4 = x.reshape(d, d, d, d)  # (row copy1, row copy2, col copy1, col copy2)
                        t4 = np.einsum("ai,ijkl->ajkl", ua, t4)
                        t4 = np.einsum("bj,ajkl->abkl", ub, t4)
                        t4 = np.einsum("abkl,ck->abcl", t4, ua.conj())
                        t4 = np.einsum("abcl,dl->abcd", t4, ub.conj())
                        acc += sa * sb * t4.reshape(x.shape) / 4.0
            x = haar_twirl_block(acc / 3.0, block, n)
    d = 2**n
    return float(np.real(np.einsum("ac,bd,cdab->", obs, obs, x.reshape(d, d, d, d))))


def _block_rotation(pauli: np.ndarray, theta: float, block: list[int], n: int) -> np.ndarray:
    m = len(block)
    u_small = np.cos(theta / 2) * np.eye(2**m) - 1j * np.sin(theta / 2) * pauli
    # embed on `block` (qubit 0 most significant)
    full = np.zeros((2**n, 2**n), dtype=complex)
    rest = [q for q in range(n) if q not in block]
    for col in range(2**n):
        bits = [(col >> (n - 1 - q)) & 1 for q in range(n)]
        bidx = sum(bits[q] << (m - 1 - j) for j, q in enumerate(block))
        for out in range(2**m):
            amp = u_small[out, bidx]
            if amp == 0:
                continue
            nb = bits[:]
            for j, q in enumerate(block):
                nb[q] = (out >> (m - 1 - j)) & 1
            row = sum(b << (n - 1 - q) for q, b in enumerate(nb))
            full[row, col] += amp
    del rest
    return full


def simulate_density(circuit, qubits, rho0: np.ndarray, resolver_points: dict) -> np.ndarray:
    """Final density matrices, vectorised as ``(P, 4^n)`` (row qubits, then column qubits).

    ``ρ → U ρ U†`` is ``U ⊗ Ū`` on (row, column) axes; a channel is ``Σ_K K ⊗ K̄`` from
    ``cirq.kraus`` (Schrödinger picture, nothing shared with the engine's Heisenberg duals).
    """
    n = len(qubits)
    index = {q: i for i, q in enumerate(qubits)}
    npts = len(next(iter(resolver_points.values()))) if resolver_points else 1
    vecs = np.repeat(np.asarray(rho0, dtype=complex).reshape(1, -1), npts, axis=0)
    for op in circuit.all_operations():
        axes = [index[q] for q in op.qubits]
        axes2 = axes + [n + a for a in axes]
        syms = list(cirq.parameter_symbols(op))
        if not syms:
            if cirq.has_unitary(op):
                u = cirq.unitary(op)
                sup = np.kron(u, u.conj())
            else:
                sup = sum(np.kron(k, k.conj()) for k in cirq.kraus(op))
            vecs = _apply(vecs, sup, axes2, 2 * n)
            continue
        (s,) = syms
        vals = resolver_points[s]
        uniq, inv = np.unique(np.round(vals, 14), return_inverse=True)
        out = np.empty_like(vecs)
        for j, v in enumerate(uniq):
            sel = inv == j
            u = cirq.unitary(cirq.resolve_parameters(op, {s: float(v)}))
            out[sel] = _apply(vecs[sel], np.kron(u, u.conj()), axes2, 2 * n)
        vecs = out
    return vecs


def grid_moments_density(circuit, observable, qubits, rho0: np.ndarray, params: list, grids=None):
    """Noisy ``E[(∂_k ℓ)²]`` (K,), ``E[ℓ²]``, ``E[ℓ]`` and ``E[∂_k ℓ]`` (K,) by density-matrix simulation.

    ``grids`` maps symbols to ``(points, weights)`` (default: the exact uniform grid of
    ``2f + 1`` points; pass Gauss quadrature nodes for other distributions).
    """
    info = symbol_info(circuit)
    symbols = list(info)
    axes_pts, axes_w = [], []
    for s in symbols:
        if grids is not None and s in grids:
            pts, w = grids[s]
        else:
            g = 2 * abs(info[s]["k"]) + 1
            pts, w = np.arange(g) * info[s]["period"] / g + 0.1234, np.full(g, 1.0 / g)
        axes_pts.append(np.asarray(pts, dtype=float))
        axes_w.append(np.asarray(w, dtype=float))
    points = np.array(list(itertools.product(*axes_pts))) if symbols else np.zeros((1, 0))
    weights = np.array([np.prod(c) for c in itertools.product(*axes_w)]) if symbols else np.ones(1)
    n = len(qubits)
    om = circuits.as_pauli_sum(observable).matrix(qubits)
    ovec = om.T.reshape(-1)  # Tr[O ρ] = Σ_ij O_ji ρ_ij

    def ell(pts):
        res = {s: pts[:, i] for i, s in enumerate(symbols)}
        return (simulate_density(circuit, qubits, rho0, res) @ ovec).real

    base = ell(points)
    mean = float(weights @ base)
    second = float(weights @ base**2)
    grads, dmeans = [], []
    for s in params:
        i = symbols.index(s)
        d = info[s]
        plus, minus = points.copy(), points.copy()
        plus[:, i] += d["shift"]
        minus[:, i] -= d["shift"]
        g = d["dfac"] * (ell(plus) - ell(minus)) / 2.0
        grads.append(float(weights @ g**2))
        dmeans.append(float(weights @ g))
    del n
    return np.array(grads), second, mean, np.array(dmeans)
