"""Dynamical Lie algebras of Pauli generators and the Lie-algebraic (deep-circuit) variance.

:func:`lie_closure` computes the dynamical Lie algebra (DLA) ``g = ⟨i G_1, …, i G_K⟩_Lie``
of a set of Pauli-string generators on bit-packed strings: the bracket of two Pauli strings
is ``0`` or ``±2i`` times their product, so ``g`` is spanned by Pauli strings and the closure
is a breadth-first search over products of anticommuting pairs (no matrices).  Generators
that are Pauli *sums* (shared parameters, e.g. ``Σ_j X_j``) take a general path with
Gram–Schmidt on sparse Pauli vectors (small systems only).

The algebra is split into its centre and simple ideals ``g = z ⊕ g_1 ⊕ … ⊕ g_r`` (compact
algebras are reductive): the centre is the span of the basis strings commuting with all of
``g``; the semisimple part is split with the adjoint action of a random element (its
eigenvectors lie in single ideals; each generates its ideal).  A component spanning every
non-identity string on its support is ``su(2^k)`` and is not split further.

For a circuit deep enough to be Haar-random on the group ``e^g`` (Ragone et al. [1]_,
Theorem 1; Fontana et al. [2]_), with ``O ∈ i g``:

    Var_θ[ℓ] = Σ_j P_{g_j}(ρ) P_{g_j}(O) / dim g_j,    P_g(H) = Σ_{B ∈ ONB(g)} |Tr[B† H]|²,

and, with the differentiated rotation ``exp(-iθP/2)`` deep inside the circuit (Haar on both
sides), ``Var[∂_θ ℓ] = Σ_j N_{P,j} P_{g_j}(ρ) P_{g_j}(O) / (dim g_j)²``, where ``N_{P,j}``
counts (with weights ``Σ_Q |u_Q|²`` for a general orthonormal basis ``u`` of ``g_j``) the
basis strings of ``g_j`` that anticommute with ``P`` (derived here; it reduces to the
McClean/Holmes 2-design formula ``d²/(2(d²−1)²) Δ(O) Δ(ρ)`` for ``g = su(d)``).

References
----------
.. [1] M. Ragone, B. N. Bakalov, F. Sauvage, A. F. Kemper, C. Ortiz Marrero, M. Larocca,
   M. Cerezo, "A Lie algebraic theory of barren plateaus for deep parameterized quantum
   circuits", arXiv:2309.09342 (2023), Theorem 1.
.. [2] E. Fontana, D. Herman, S. Chakrabarti, N. Kumar, R. Yalovetzky, J. Heredge,
   S. Hari Sureshbabu, M. Pistoia, "The adjoint is all you need: characterizing barren
   plateaus in quantum ansätze", arXiv:2309.07902 (2023).
.. [3] M. Larocca, P. Czarnik, K. Sharma, G. Muraleedharan, P. J. Coles, M. Cerezo,
   "Diagnosing barren plateaus with tools from quantum optimal control", Quantum 6, 824
   (2022), arXiv:2105.14377.
.. [4] R. Wiersema, E. Kökcü, A. F. Kemper, B. N. Bakalov, "Classification of dynamical Lie
   algebras for translation-invariant 2-local spin systems in one dimension",
   arXiv:2309.05690 (2023).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Optional, Sequence

import cirq
import numpy as np
import scipy.sparse
import sympy
import scipy.sparse.csgraph

from bpcalc import circuits

from ..memory import MemoryBudget
from .paulis import n_words, pack_pauli_strings, product_phase, unpack_pauli
from .pauli_paths import resolve_parameters
from .states import loss_weights
from .program import circuit_symbols
from .results import GradientVarianceResult, LossVarianceResult
from .states import InputStates, as_input_states

__all__ = [
    "PauliLieAlgebra",
    "lie_closure",
    "dla_dimension",
    "circuit_generators",
    "CliffordFrame",
    "clifford_frame",
    "g_purity",
    "lie_algebraic_variance",
    "lie_algebraic_gradient_variance",
    "MAX_DLA_DIMENSION",
    "MAX_DENSE_SPLIT",
]

MAX_DLA_DIMENSION = 2**16
MAX_DENSE_SPLIT = 1024
_TOL = 1e-9


@dataclasses.dataclass(frozen=True, eq=False)
class PauliLieAlgebra:
    """A real Lie algebra ``g ⊂ u(2^n)`` spanned by ``i·`` (combinations of) Pauli strings.

    Attributes
    ----------
    qubits : the qubits of the Pauli strings.
    x, z : ``(N, W)`` packed Pauli strings spanning the coordinate space.
    basis : ``None`` when ``g`` is spanned by exactly these strings (``dim g = N``), else a
        ``(dim g, N)`` orthonormal basis in Pauli coordinates (normalised strings ``P/√2^n``).
    centre : ``(c, N)`` orthonormal basis of the centre in Pauli coordinates.
    ideals : tuple of ``(d_j, N)`` orthonormal bases of the simple ideals (``None`` entries
        mean "the listed coordinates" — a Pauli-spanned ideal given by index array).
    ideal_paulis : for Pauli-spanned ideals the indices of their strings, else ``None``.
    simple : per ideal, True when shown simple, None when the split was not attempted.
    """

    qubits: tuple
    x: np.ndarray
    z: np.ndarray
    basis: Optional[np.ndarray]
    centre: np.ndarray
    ideals: tuple
    ideal_paulis: tuple
    simple: tuple
    seconds: float = 0.0

    @property
    def n_paulis(self) -> int:
        return int(self.x.shape[0])

    @property
    def dimension(self) -> int:
        """``dim g``."""
        return self.n_paulis if self.basis is None else int(self.basis.shape[0])

    @property
    def centre_dimension(self) -> int:
        return int(self.centre.shape[0])

    @property
    def ideal_dimensions(self) -> tuple[int, ...]:
        return tuple(
            len(p) if p is not None else int(b.shape[0]) for b, p in zip(self.ideals, self.ideal_paulis)
        )

    def pauli_strings(self) -> list[cirq.PauliString]:
        """The coordinate Pauli strings (a basis of ``g`` when :attr:`basis` is None)."""
        return [unpack_pauli(self.x[i], self.z[i], self.qubits) for i in range(self.n_paulis)]

    def summary(self) -> str:
        parts = [f"dim g = {self.dimension}", f"centre {self.centre_dimension}"]
        dims = self.ideal_dimensions
        if dims:
            parts.append("ideals " + " ⊕ ".join(str(d) for d in dims))
        if any(s is None for s in self.simple):
            parts.append("(some ideals not split)")
        return ", ".join(parts)


# ----------------------------------------------------------------------------------------
# closure
# ----------------------------------------------------------------------------------------


def circuit_generators(circuit: cirq.AbstractCircuit, *, cliffords: bool = False) -> list[cirq.PauliString]:
    """Generators ``P`` of the parametrized Pauli rotations of ``circuit``.

    Parameters
    ----------
    circuit : parametrized Pauli rotations and (with ``cliffords=True``) constant Clifford gates.
    cliffords : ``False`` (default): refuse constant gates — the rotations' own Paulis, unit
        coefficient.  ``True``: constant Clifford gates are allowed and each rotation's Pauli is
        conjugated through the Cliffords that *follow* it (:func:`clifford_frame`; the input
        states must then be read in the same frame, ``CliffordFrame.transform_states``).

    Raises
    ------
    ValueError : a parametrized gate that is not a Pauli rotation, or a constant gate that is
        not the identity (``cliffords=False``) / not a Clifford (``cliffords=True``).
    """
    if cliffords:
        return list(clifford_frame(circuit).generators)
    circuits.require_circuit(circuit)
    gens: list = []
    for m, moment in enumerate(circuit):
        for op in moment:
            rot = circuits.as_pauli_rotation(op)
            if rot is not None and rot.is_parametrized:
                gens.append(rot.pauli.with_coefficient(1))
            elif cirq.is_parameterized(op):
                raise ValueError(f"operation {op} in moment {m} has symbols but is not a Pauli rotation")
            else:
                u = cirq.unitary(op, None)
                if u is None or not np.allclose(u, u[0, 0] * np.eye(len(u)), atol=1e-12):
                    raise ValueError(
                        f"operation {op} in moment {m} is a constant gate; the Lie-algebraic formula applies to "
                        "circuits made only of parametrized rotations (generators of the DLA); for constant "
                        "Clifford gates use circuit_generators(circuit, cliffords=True) / clifford_frame"
                    )
    return gens


@dataclasses.dataclass(frozen=True, eq=False)
class CliffordFrame:
    """A Clifford + rotation circuit rewritten as ``U(θ) = [Π_k exp(-i(c_k θ_k + d_k) P'_k / 2)] · C``.

    The product runs in time order (the first rotation acts first, right-most); ``C`` is the
    product of all constant Clifford gates, applied *first*, and ``P'_k = C_k P_k C_k†`` with
    ``C_k`` the Cliffords that follow rotation ``k`` (``R_P C = C R_{C†PC}`` read backwards:
    ``C R_P = R_{CPC†} C`` moves each Clifford to the input side).  Hence
    ``Tr[U ρ U† O] = Tr[V (CρC†) V† O]`` with ``V`` the rotations alone: the dynamical Lie
    algebra is ``⟨i P'_k⟩_Lie``, the observable is unchanged and the input states are read in
    the frame, ``C|ψ⟩`` (:meth:`transform_states`).

    Attributes
    ----------
    generators : ``P'_k`` (coefficient ``±1``), one per parametrized rotation, in time order.
    symbols : the symbol of each rotation's angle.
    clifford : the constant Clifford gates, in time order (``C`` as a circuit).
    qubits : sorted qubits of the circuit.
    """

    generators: tuple
    symbols: tuple
    clifford: cirq.Circuit
    qubits: tuple

    def transform_states(self, states: np.ndarray, qubits: Optional[Sequence[cirq.Qid]] = None) -> np.ndarray:
        """``C|ψ_i⟩`` for state vectors given as rows of ``states`` (over ``qubits``, default :attr:`qubits`)."""
        qubits = tuple(self.qubits if qubits is None else qubits)
        psis = np.atleast_2d(np.asarray(states, dtype=np.complex128))
        if psis.shape[1] != 2 ** len(qubits):
            raise ValueError(f"states must have 2**{len(qubits)} amplitudes, got {psis.shape[1]}")
        if not list(self.clifford.all_operations()):
            return psis.copy()
        n = len(qubits)
        index = {q: i for i, q in enumerate(qubits)}
        tensor = psis.reshape((len(psis),) + (2,) * n)     # axis 0: the states, axis 1 + i: qubit i
        for op in self.clifford.all_operations():
            k = len(op.qubits)
            u = cirq.unitary(op).reshape((2,) * (2 * k))
            tensor = cirq.targeted_left_multiply(u, tensor, [1 + index[q] for q in op.qubits])
        return tensor.reshape(len(psis), 2**n)


def clifford_frame(circuit: cirq.AbstractCircuit) -> CliffordFrame:
    """Move every constant Clifford gate of ``circuit`` to the input side, past the rotations.

    Each rotation's Pauli is conjugated through the Clifford gates that follow it, so that
    ``U(θ) = [Π_k R_{P'_k}(θ_k)] · C`` (see :class:`CliffordFrame`): the Cliffords act first,
    on the input state.  This is how the dynamical Lie algebra of a Clifford + rotation circuit
    (e.g. a hardware-efficient ansatz with CZ) is read.

    Raises
    ------
    ValueError : a parametrized gate that is not a Pauli rotation, or a constant gate that is
        not a Clifford (e.g. ``T``, or a constant non-Clifford rotation).

    Examples
    --------
    >>> import cirq, sympy
    >>> q = cirq.LineQubit.range(2)
    >>> a = sympy.Symbol("a")
    >>> f = clifford_frame(cirq.Circuit(cirq.rx(a).on(q[0]), cirq.CZ(*q)))
    >>> str(f.generators[0])                  # CZ X0 CZ = X0 Z1
    'X(q(0))*Z(q(1))'
    """
    circuits.require_circuit(circuit)
    # first pass, time order: classify (and validate) every operation
    items: list = []            # ("rot", PauliString, symbol) or ("cliff", op)
    for m, moment in enumerate(circuit):
        for op in moment:
            rot = circuits.as_pauli_rotation(op)
            if rot is not None and rot.is_parametrized:
                items.append(("rot", rot.pauli, circuits.affine_angle(rot.angle).symbol))
                continue
            if cirq.is_parameterized(op):
                raise ValueError(f"operation {op} in moment {m} has symbols but is not a Pauli rotation")
            u = cirq.unitary(op, None)
            if u is not None and np.allclose(u, u[0, 0] * np.eye(len(u)), atol=1e-12):
                continue
            if not cirq.has_stabilizer_effect(op):
                raise ValueError(
                    f"operation {op} in moment {m} is a constant non-Clifford gate; only Clifford gates can be "
                    "moved past the rotations (a constant non-Clifford rotation would be a generator without "
                    "a free parameter)"
                )
            items.append(("cliff", op))
    # second pass, backwards: A = the Cliffords after the current point, kept as the images A X_q A†,
    # A Z_q A† of the single-qubit Paulis (a Clifford is fixed by them); a rotation's P' = A P A† is the
    # product of its letters' images; a Clifford c met next gives A ← A c: (A c) P (A c)† = A (c P c†) A†.
    images: dict = {}

    def image(q: cirq.Qid, letter: cirq.Pauli) -> cirq.PauliString:
        got = images.get((q, letter))
        if got is not None:
            return got
        if letter == cirq.Y:   # Y = i X Z
            return 1j * image(q, cirq.X) * image(q, cirq.Z)
        return cirq.PauliString({q: letter})

    def conjugate(pauli: cirq.PauliString) -> cirq.PauliString:
        out = cirq.PauliString(coefficient=pauli.coefficient)
        for q, letter in pauli.items():
            out = out * image(q, letter)
        return out

    gens: list = []
    syms: list = []
    cliff: list = []
    for item in reversed(items):
        if item[0] == "rot":
            gens.append(conjugate(item[1]))
            syms.append(item[2])
            continue
        op = item[1]
        inverse = cirq.inverse(op)
        new = {}
        for q in op.qubits:
            for letter in (cirq.X, cirq.Z):   # c P c† = (c⁻¹)† P (c⁻¹), then through A
                new[(q, letter)] = conjugate(cirq.PauliString({q: letter}).conjugated_by(inverse))
        images.update(new)
        cliff.append(op)
    gens.reverse()
    syms.reverse()
    cliff.reverse()
    if not gens:
        raise ValueError("the circuit has no parametrized Pauli rotation")
    return CliffordFrame(tuple(gens), tuple(syms), cirq.Circuit(cliff), tuple(sorted(circuit.all_qubits())))


def _as_generators(generators) -> list[cirq.PauliSum]:
    if isinstance(generators, cirq.AbstractCircuit):
        return [cirq.PauliSum.wrap(g) for g in circuit_generators(generators)]
    if isinstance(generators, (str, cirq.PauliString, cirq.PauliSum)):
        generators = [generators]
    out = []
    for g in generators:
        if isinstance(g, cirq.Operation) and not isinstance(g, cirq.PauliString):
            g = cirq.PauliString(g)
        ps = circuits.as_pauli_sum(g)
        for term in ps:
            c = complex(term.coefficient)
            if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
                raise ValueError(f"generator {g} has a complex coefficient; generators must be Hermitian")
        out.append(ps)
    if not out:
        raise ValueError("at least one generator is needed")
    return out


def _unique_rows(x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    key = np.concatenate([x, z], axis=1)
    _, idx = np.unique(key, axis=0, return_index=True)
    idx = np.sort(idx)
    return x[idx], z[idx]


def _string_keys(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """One sortable key per string: a uint64 when ``n <= 32``, else a byte string (void)."""
    if x.shape[1] == 1 and not np.any((x | z) >> np.uint64(32)):
        return (x[:, 0] << np.uint64(32)) | z[:, 0]
    return _row_keys(x, z)


def _closure_strings(
    x: np.ndarray, z: np.ndarray, max_dim: int, budget: Optional[MemoryBudget] = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """BFS closure; returns the strings (generators first) and the number of generators."""
    keep = np.any(x != 0, axis=1) | np.any(z != 0, axis=1)
    x, z = _unique_rows(x[keep], z[keep])
    n_gens = len(x)
    small = x.shape[1] == 1 and not np.any((x | z) >> np.uint64(32))
    keyf = (lambda a, b: (a[:, 0] << np.uint64(32)) | b[:, 0]) if small else _row_keys
    allx, allz = x, z
    known = np.sort(keyf(allx, allz))
    start = 0
    while start < len(allx):
        fx, fz = allx[start:], allz[start:]
        start = len(allx)
        if budget is not None:  # one chunk: 128 x D x words uint64 temporaries (three at once)
            budget.check(3 * 128 * len(allx) * allx.shape[1] * 8 + 2 * allx.nbytes,
                         what=f"the Lie closure at dimension {len(allx)}",
                         alternative="a smaller max_dim (the closure is then refused), or fewer qubits")
        for c0 in range(0, len(fx), 128):
            cx, cz = fx[c0 : c0 + 128], fz[c0 : c0 + 128]
            anti = (np.bitwise_count((cx[:, None, :] & allz[None]) ^ (cz[:, None, :] & allx[None])).sum(axis=2) & 1).astype(bool)
            i, j = np.nonzero(anti)
            if len(i) == 0:
                continue
            px, pz = cx[i] ^ allx[j], cz[i] ^ allz[j]
            keys = keyf(px, pz)
            ukeys, first = np.unique(keys, return_index=True)
            pos = np.searchsorted(known, ukeys)
            pos = np.minimum(pos, len(known) - 1)
            fresh = known[pos] != ukeys
            if not np.any(fresh):
                continue
            sel = first[fresh]
            allx = np.concatenate([allx, px[sel]])
            allz = np.concatenate([allz, pz[sel]])
            known = np.sort(np.concatenate([known, ukeys[fresh]]))
            if len(allx) > max_dim:
                raise ValueError(f"the Lie closure exceeds max_dim = {max_dim} (dimension so far {len(allx)})")
    return allx, allz, n_gens


def _pauli_key(x: np.ndarray, z: np.ndarray) -> bytes:
    return np.concatenate([x, z]).tobytes()


def _bracket_coeff(g: int) -> float:
    """``[iP, iQ] = coeff · iR`` for anticommuting ``P, Q`` with ``PQ = i^g R``."""
    return -2.0 * (1.0 if g % 4 == 1 else -1.0)


def _closure_sums(gens: list[cirq.PauliSum], qubits, index, max_dim: int):
    """General closure for Pauli-sum generators: orthonormal basis in Pauli coordinates."""
    n = len(qubits)
    keys: dict = {}
    xs: list = []
    zs: list = []

    def coords(ps: cirq.PauliSum) -> dict:
        out = {}
        table = pack_pauli_strings(list(ps), index, n)
        for r in range(len(table)):
            if not (np.any(table.x[r]) or np.any(table.z[r])):
                continue
            k = _pauli_key(table.x[r], table.z[r])
            if k not in keys:
                keys[k] = len(xs)
                xs.append(table.x[r])
                zs.append(table.z[r])
            out[keys[k]] = out.get(keys[k], 0.0) + table.coefficients[r]
        return out

    def bracket(a: dict, b: dict) -> dict:
        out: dict = {}
        for i, ca in a.items():
            for j, cb in b.items():
                xa, za, xb, zb = xs[i], zs[i], xs[j], zs[j]
                if int(np.bitwise_count((xa & zb) ^ (za & xb)).sum()) & 1 == 0:
                    continue
                g = int(product_phase(xa, za, xb, zb))
                rx, rz = xa ^ xb, za ^ zb
                k = _pauli_key(rx, rz)
                if k not in keys:
                    keys[k] = len(xs)
                    xs.append(rx)
                    zs.append(rz)
                r = keys[k]
                out[r] = out.get(r, 0.0) + ca * cb * _bracket_coeff(g)
        return out

    basis: list[dict] = []
    dense: list[np.ndarray] = []

    def add(v: dict) -> bool:
        vec = np.zeros(len(xs))
        for i, c in v.items():
            vec[i] = c
        for _ in range(2):
            for b in dense:
                bb = np.zeros(len(xs))
                bb[: len(b)] = b
                vec -= (bb @ vec) * bb
        norm = np.linalg.norm(vec)
        if norm < 1e-8:
            return False
        vec /= norm
        dense.append(vec)
        basis.append({i: c for i, c in enumerate(vec) if abs(c) > 1e-14})
        if len(dense) > max_dim:
            raise ValueError(f"the Lie closure exceeds max_dim = {max_dim}")
        return True

    for g in gens:
        add(coords(g))
    start = 0
    while start < len(basis):
        end = len(basis)
        for a in range(start, end):
            for b in range(len(basis)):
                if b != a:
                    add(bracket(basis[a], basis[b]))
        start = end
    d = len(xs)
    mat = np.zeros((len(dense), d))
    for r, v in enumerate(dense):
        mat[r, : len(v)] = v
    return np.array(xs).reshape(-1, n_words(n)), np.array(zs).reshape(-1, n_words(n)), mat


def lie_closure(
    generators,
    qubits: Optional[Sequence[cirq.Qid]] = None,
    *,
    split: bool = True,
    max_dim: int = MAX_DLA_DIMENSION,
    rng: Optional[np.random.Generator] = None,
    memory_limit=None,
) -> PauliLieAlgebra:
    """The dynamical Lie algebra generated by ``i·generators``.

    Parameters
    ----------
    generators : Pauli strings (``cirq.PauliString``, ``'Z0*Z1'``, single-term sums), Pauli
        sums (shared-parameter generators; general path, small systems), or a circuit of
        parametrized Pauli rotations (its generators, :func:`circuit_generators`).
    qubits : qubit order (default: sorted qubits of the generators).
    split : compute the centre and the simple ideals.
    max_dim : refuse closures larger than this.
    rng : random element for the ideal split (default seed 0).
    memory_limit : budget for the closure and the ideal split (bytes, ``'4GiB'``; default half
        the available memory); estimated before allocating.

    Returns
    -------
    PauliLieAlgebra

    Raises
    ------
    ValueError : complex coefficients, no generators, or a closure beyond ``max_dim``.
    MemoryBudgetExceeded : the closure or the split (``~14 d²`` bytes for a ``d``-dimensional
        algebra) would exceed the budget; nothing was allocated.

    Examples
    --------
    >>> import cirq
    >>> q = cirq.LineQubit.range(4)
    >>> tfim = [cirq.X(p) for p in q] + [cirq.Z(a) * cirq.Z(b) for a, b in zip(q, q[1:])]
    >>> lie_closure(tfim).dimension      # so(2n), n(2n-1) = 28
    28
    """
    t0 = time.perf_counter()
    gens = _as_generators(generators)
    if qubits is None:
        qubits = sorted(set(q for g in gens for ps in g for q in ps.qubits))
    qubits = tuple(qubits)
    if not qubits:
        raise ValueError("the generators act on no qubit")
    index = {q: j for j, q in enumerate(qubits)}
    n = len(qubits)
    rng = np.random.default_rng(0) if rng is None else rng
    budget = MemoryBudget.from_limit(memory_limit)
    single = all(len([t for t in g if len(t) > 0]) <= 1 for g in gens)
    if single:
        strings = [t for g in gens for t in g if len(t) > 0]
        if not strings:
            raise ValueError("all generators are proportional to the identity")
        table = pack_pauli_strings([t.with_coefficient(1) for t in strings], index, n)
        x, z, n_gens = _closure_strings(table.x, table.z, max_dim, budget)
        basis = None
    else:
        x, z, basis = _closure_sums(gens, qubits, index, max_dim)
    if not split:
        return PauliLieAlgebra(qubits, x, z, basis, np.zeros((0, len(x))), (), (), (), time.perf_counter() - t0)
    d = len(x)
    budget.check(14 * d * d + 12 * min(d, MAX_DENSE_SPLIT) ** 2 + 8 * d * d * (basis is not None),
                 what=f"splitting the {d}-dimensional Lie algebra into ideals (d x d commutation tables)",
                 alternative="split=False (dimension only: dla_dimension), or fewer qubits")
    if basis is None:
        centre, ideals, ideal_paulis, simple = _split_pauli(x, z, n, rng, n_gens)
    else:
        centre, ideals, ideal_paulis, simple = _split_general(x, z, basis, gens, index, n, rng)
    return PauliLieAlgebra(qubits, x, z, basis, centre, ideals, ideal_paulis, simple, time.perf_counter() - t0)


def dla_dimension(generators, qubits: Optional[Sequence[cirq.Qid]] = None, max_dim: int = MAX_DLA_DIMENSION) -> int:
    """``dim g`` of the dynamical Lie algebra (no ideal split)."""
    return lie_closure(generators, qubits, split=False, max_dim=max_dim).dimension


# ----------------------------------------------------------------------------------------
# centre and simple ideals
# ----------------------------------------------------------------------------------------


def _anti_matrix(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    d = len(x)
    out = np.zeros((d, d), dtype=bool)
    for c0 in range(0, d, 256):
        cx, cz = x[c0 : c0 + 256], z[c0 : c0 + 256]
        out[c0 : c0 + 256] = (np.bitwise_count((cx[:, None, :] & z[None]) ^ (cz[:, None, :] & x[None])).sum(axis=2) & 1).astype(bool)
    return out


def _row_keys(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    rows = np.ascontiguousarray(np.concatenate([x, z], axis=1))
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def _ad_matrices(x, z, members: np.ndarray, anti: np.ndarray) -> list:
    """Sparse ad matrices (in the coordinates ``members``) of each member string."""
    keys = _row_keys(x[members], z[members])
    order = np.argsort(keys)
    sorted_keys = keys[order]
    d = len(members)
    mats = []
    for i in members:
        cols = np.nonzero(anti[i, members])[0]
        j = members[cols]
        px, pz = x[i][None] ^ x[j], z[i][None] ^ z[j]
        where = np.searchsorted(sorted_keys, _row_keys(px, pz))
        rows = order[where]
        g = product_phase(np.broadcast_to(x[i], x[j].shape), np.broadcast_to(z[i], z[j].shape), x[j], z[j])
        vals = np.where(g % 4 == 1, -2.0, 2.0)
        mats.append(scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(d, d)))
    return mats


def _generated_ideal(v: np.ndarray, ads: list, max_dim: int) -> np.ndarray:
    """Orthonormal basis (columns) of the smallest ad-invariant subspace containing ``v``."""
    q = (v / np.linalg.norm(v))[:, None]
    frontier = q
    while frontier.shape[1] and q.shape[1] < max_dim:
        cand = np.concatenate([a @ frontier for a in ads], axis=1)
        cand -= q @ (q.T @ cand)
        cand -= q @ (q.T @ cand)
        gram = cand @ cand.T
        evals, evecs = np.linalg.eigh(gram)
        top = evals[-1] if len(evals) else 0.0
        if top <= 1e-16:
            break
        frontier = evecs[:, evals > 1e-10 * max(1.0, top)]
        frontier -= q @ (q.T @ frontier)
        frontier, _ = np.linalg.qr(frontier)
        q = np.concatenate([q, frontier], axis=1)
    return q


def _split_component(members: np.ndarray, x, z, anti, n: int, rng, n_gens: int) -> tuple[list, list, list]:
    """Split one anticommutation component into simple ideals (coordinate bases).

    The first ``n_gens`` strings of ``x, z`` are the generators: a subspace invariant under
    their adjoint action is invariant under all of ``ad g``.
    """
    d = len(members)
    support = np.bitwise_or.reduce(x[members] | z[members], axis=0)
    k = int(np.bitwise_count(support).sum())
    if d == 4**k - 1:  # every non-identity string on k qubits: su(2^k), simple
        return [None], [members], [True]
    if d > MAX_DENSE_SPLIT:
        return [None], [members], [None]
    ads = _ad_matrices(x, z, members, anti)
    h = sum(r * a for r, a in zip(rng.normal(size=d), ads))
    gen_ads = [ads[k] for k, i in enumerate(members) if i < n_gens] or ads
    m = h.toarray()
    evals, evecs = np.linalg.eigh(m.T @ m)
    order = np.argsort(-evals)
    found: list[np.ndarray] = []
    total = 0
    covered = np.zeros((d, 0))
    for idx in order:
        if total >= d or evals[idx] < 1e-9 * max(1.0, evals[order[0]]):
            break
        v = evecs[:, idx]
        v = v - covered @ (covered.T @ v)
        if np.linalg.norm(v) < 1e-6:
            continue
        ideal = _generated_ideal(v, gen_ads, d)
        found.append(ideal)
        covered = np.concatenate([covered, ideal], axis=1)
        total += ideal.shape[1]
    if total != d:
        return [None], [members], [None]
    if len(found) == 1:
        return [None], [members], [True]
    bases = []
    for ideal in found:
        full = np.zeros((ideal.shape[1], len(x)))
        full[:, members] = ideal.T
        bases.append(full)
    return bases, [None] * len(found), [True] * len(found)


def _split_pauli(x, z, n, rng, n_gens: int):
    d = len(x)
    anti = _anti_matrix(x, z)
    central = ~np.any(anti, axis=1)
    centre = np.zeros((int(central.sum()), d))
    centre[np.arange(int(central.sum())), np.nonzero(central)[0]] = 1.0
    rest = np.nonzero(~central)[0]
    ideals, ideal_paulis, simple = [], [], []
    if len(rest):
        graph = scipy.sparse.csr_matrix(anti[np.ix_(rest, rest)])
        n_comp, labels = scipy.sparse.csgraph.connected_components(graph, directed=False)
        for c in range(n_comp):
            members = rest[labels == c]
            b, p, s = _split_component(members, x, z, anti, n, rng, n_gens)
            ideals += b
            ideal_paulis += p
            simple += s
    return centre, tuple(ideals), tuple(ideal_paulis), tuple(simple)


def _split_general(x, z, basis, gens, index, n, rng):
    """Centre and ideals for an algebra with a general orthonormal basis (Pauli-sum generators)."""
    dim, npa = basis.shape
    anti = _anti_matrix(x, z)
    # structure: ad of each basis element in basis coordinates
    ad_p = _ad_matrices_full(x, z, anti)
    ads = []
    for a in range(dim):
        op = scipy.sparse.csr_matrix((npa, npa))
        for p in np.nonzero(np.abs(basis[a]) > 1e-14)[0]:
            op = op + basis[a, p] * ad_p[p]
        ads.append(basis @ (op @ basis.T))
    stacked = np.concatenate(ads, axis=0)
    _, s, vt = np.linalg.svd(stacked)
    null = vt[np.sum(s > 1e-8 * max(1.0, s[0])) :]
    centre = null @ basis
    comp = np.eye(dim) - null.T @ null
    u, sv, _ = np.linalg.svd(comp)
    semi = u[:, sv > 0.5]  # orthonormal basis (dim coordinates) of the semisimple part
    ideals, simple = [], []
    if semi.shape[1]:
        ads_s = [semi.T @ a @ semi for a in ads]
        h = sum(r * a for r, a in zip(rng.normal(size=dim), ads_s))
        evals, evecs = np.linalg.eigh(h.T @ h)
        covered = np.zeros((semi.shape[1], 0))
        for idx in np.argsort(-evals):
            if covered.shape[1] >= semi.shape[1] or evals[idx] < 1e-9 * max(1.0, evals.max()):
                break
            v = evecs[:, idx] - covered @ (covered.T @ evecs[:, idx])
            if np.linalg.norm(v) < 1e-6:
                continue
            ideal = _generated_ideal(v, [scipy.sparse.csr_matrix(a) for a in ads_s], semi.shape[1])
            covered = np.concatenate([covered, ideal], axis=1)
            ideals.append((semi @ ideal).T @ basis)
            simple.append(True)
        if covered.shape[1] != semi.shape[1]:
            ideals = [semi.T @ basis]
            simple = [None]
    del gens, index, n
    return centre, tuple(ideals), tuple([None] * len(ideals)), tuple(simple)


def _ad_matrices_full(x, z, anti) -> list:
    """Like :func:`_ad_matrices` on all strings; products outside the list are dropped
    (they cannot occur for elements of the algebra)."""
    keys = _row_keys(x, z)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    d = len(x)
    mats = []
    for i in range(d):
        cols = np.nonzero(anti[i])[0]
        px, pz = x[i][None] ^ x[cols], z[i][None] ^ z[cols]
        qk = _row_keys(px, pz)
        where = np.minimum(np.searchsorted(sorted_keys, qk), d - 1)
        ok = sorted_keys[where] == qk
        rows = order[where[ok]]
        cols = cols[ok]
        g = product_phase(np.broadcast_to(x[i], x[cols].shape), np.broadcast_to(z[i], z[cols].shape), x[cols], z[cols])
        vals = np.where(g % 4 == 1, -2.0, 2.0)
        mats.append(scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(d, d)))
    return mats


# ----------------------------------------------------------------------------------------
# purities and variances
# ----------------------------------------------------------------------------------------


def _coordinates_of_observable(algebra: PauliLieAlgebra, observable: cirq.PauliSum) -> tuple[np.ndarray, float, float]:
    """Normalised Pauli coordinates ``Tr[P O]/√d`` on the algebra's strings, the identity
    coefficient, and ``‖O − Tr(O)/d‖²`` (to test ``O ∈ i g``)."""
    n = len(algebra.qubits)
    index = {q: j for j, q in enumerate(algebra.qubits)}
    pos = {_pauli_key(algebra.x[i], algebra.z[i]): i for i in range(algebra.n_paulis)}
    coords = np.zeros(algebra.n_paulis)
    identity = 0.0
    norm2 = 0.0
    for term in observable:
        c = complex(term.coefficient)
        if abs(c.imag) > 1e-12 * max(1.0, abs(c)):
            raise ValueError(f"observable term {term} has a complex coefficient")
        if len(term) == 0:
            identity += c.real
            continue
        missing = [q for q in term.qubits if q not in index]
        if missing:
            raise ValueError(f"observable term {term} acts on qubits {missing} outside the algebra's qubits")
        t = pack_pauli_strings([term.with_coefficient(1)], index, n)
        norm2 += c.real**2 * 2.0**n
        k = pos.get(_pauli_key(t.x[0], t.z[0]))
        if k is not None:
            coords[k] += c.real * np.sqrt(2.0**n)
    return coords, identity, norm2


def _coordinates_of_states(algebra: PauliLieAlgebra, states: InputStates) -> np.ndarray:
    """``Tr[P ρ_i]/√d`` on the algebra's strings: ``(N_states, n_paulis)``."""
    n = len(algebra.qubits)
    positions = [states.qubits.index(q) for q in algebra.qubits]
    vals = states.expectations(algebra.x, algebra.z, positions)
    return vals / np.sqrt(2.0**n)


def _projections(algebra: PauliLieAlgebra, coords: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Coordinates of ``coords`` (``(..., n_paulis)``) in each ideal's basis, and in the centre."""
    out = []
    for b, p in zip(algebra.ideals, algebra.ideal_paulis):
        out.append(coords[..., p] if p is not None else coords @ b.T)
    return out, coords @ algebra.centre.T


def g_purity(algebra: PauliLieAlgebra, operator, qubits: Optional[Sequence[cirq.Qid]] = None) -> dict:
    """``P_{g_j}(H) = Σ_{B ∈ ONB(g_j)} |Tr[B† H]|²`` for every simple ideal, the centre and ``g``.

    ``operator`` is an observable (anything ``circuits.as_pauli_sum`` accepts) or an input
    state (:func:`bpcalc.bounds.exact.as_input_states`; the first state is used).

    Returns
    -------
    dict with ``'ideals'`` (list of floats), ``'centre'`` and ``'total'``.
    """
    if isinstance(operator, (cirq.PauliSum, cirq.PauliString, str)):
        coords = _coordinates_of_observable(algebra, circuits.as_pauli_sum(operator))[0]
    else:
        states = as_input_states(operator, tuple(qubits) if qubits is not None else algebra.qubits)
        coords = _coordinates_of_states(algebra, states)[0]
    parts, cen = _projections(algebra, coords)
    ideal_p = [float(np.sum(p**2)) for p in parts]
    centre_p = float(np.sum(cen**2))
    return {"ideals": ideal_p, "centre": centre_p, "total": float(sum(ideal_p) + centre_p)}


def _require_split(algebra: PauliLieAlgebra) -> None:
    if any(s is None for s in algebra.simple):
        raise ValueError(
            "the dynamical Lie algebra could not be split into simple ideals (a component larger than "
            f"{MAX_DENSE_SPLIT} that is not su(2^k)); the Lie-algebraic variance formula needs the split"
        )


def _prepare(generators, observable, state, qubits):
    observable = circuits.as_pauli_sum(observable)
    gens = _as_generators(generators)
    gq = set(q for g in gens for ps in g for q in ps.qubits) | set(q for ps in observable for q in ps.qubits)
    if qubits is None:
        qubits = tuple(state.qubits) if isinstance(state, InputStates) else tuple(sorted(gq))
    qubits = tuple(qubits)
    algebra = lie_closure(gens, qubits)
    _require_split(algebra)
    states = as_input_states(state, qubits)
    ocoords, identity, onorm2 = _coordinates_of_observable(algebra, observable)
    in_g = float(np.sum(_total_projection(algebra, ocoords) ** 2))
    if abs(in_g - onorm2) > 1e-9 * max(1.0, onorm2):
        raise ValueError(
            "the observable is not in the dynamical Lie algebra (O ∉ i·g): the Lie-algebraic variance formula "
            "(Ragone et al., arXiv:2309.09342, Thm 1) needs O ∈ i·g; "
            f"‖O_g‖² = {in_g:.6g} but ‖O − Tr O/d‖² = {onorm2:.6g}"
        )
    return algebra, states, ocoords, identity


def _total_projection(algebra: PauliLieAlgebra, coords: np.ndarray) -> np.ndarray:
    if algebra.basis is None:
        return coords
    return coords @ algebra.basis.T


def lie_algebraic_variance(
    generators,
    observable,
    state=None,
    *,
    weights=None,
    qubits: Optional[Sequence[cirq.Qid]] = None,
) -> LossVarianceResult:
    """Deep-circuit ``Var_θ[L]`` from the DLA (Ragone et al., arXiv:2309.09342, Theorem 1).

    ``Var[ℓ_i] = Σ_j P_{g_j}(ρ_i) P_{g_j}(O) / dim g_j`` (and the analogous covariance for the
    linear loss over several states); ``E[ℓ_i]`` is the centre part ``Tr[ρ_i O_z]``.

    Parameters
    ----------
    generators : Pauli generators or a circuit of parametrized Pauli rotations.
    observable : must lie in ``i·g`` (plus a multiple of the identity).
    state, weights, qubits : as in :func:`bpcalc.bounds.exact.exact_loss_variance`.

    Raises
    ------
    ValueError : ``O ∉ i g``, or an algebra whose ideals could not be split.

    Examples
    --------
    >>> import cirq
    >>> q = cirq.LineQubit.range(2)
    >>> hea = [cirq.X(q[0]), cirq.Y(q[0]), cirq.X(q[1]), cirq.Y(q[1]), cirq.Z(q[0]) * cirq.Z(q[1])]
    >>> round(lie_algebraic_variance(hea, "Z0").value, 6)     # su(4), Haar: 1/(d+1)
    0.2
    """
    t0 = time.perf_counter()
    algebra, states, ocoords, identity = _prepare(generators, observable, state, qubits)
    u = loss_weights(weights, states.n_states)
    rc = _coordinates_of_states(algebra, states)  # (N, npaulis)
    oparts, ocen = _projections(algebra, ocoords)
    rparts, rcen = _projections(algebra, rc)
    n = states.n_states
    cov = np.zeros((n, n))
    contributions = []
    for op, rp, d in zip(oparts, rparts, algebra.ideal_dimensions):
        po = float(np.sum(op**2))
        gram = rp @ rp.T
        cov += gram * po / d
        contributions.append({"dim": d, "P_O": po, "P_rho": np.diag(gram).tolist()})
    mean_i = rcen @ ocen + identity  # normalised coordinates: ⟨r, o⟩ = Tr[ρ O_centre]
    value = float(u @ cov @ u)
    mean = float(u @ mean_i)
    return LossVarianceResult(
        value=value, mean=mean, second_moment=value + mean**2, method="lie-algebraic",
        per_state=np.diag(cov).copy(), per_state_mean=mean_i, weights=u, error_bound=0.0,
        seconds=time.perf_counter() - t0,
        details={"dla_dimension": algebra.dimension, "centre_dimension": algebra.centre_dimension,
                 "ideal_dimensions": list(algebra.ideal_dimensions), "contributions": contributions,
                 "assumption": "deep circuit: parameters make the circuit Haar-random on the dynamical Lie group"},
    )


def lie_algebraic_gradient_variance(
    circuit: cirq.AbstractCircuit,
    observable,
    state=None,
    parameters="all",
    *,
    weights=None,
    qubits: Optional[Sequence[cirq.Qid]] = None,
) -> GradientVarianceResult:
    """Deep-circuit ``Var[∂_k L]`` with the gate of ``θ_k`` deep inside the circuit.

    ``Var[∂_k ℓ] = Σ_j N_{k,j} P_{g_j}(ρ) P_{g_j}(O) / (dim g_j)²`` with ``N_{k,j}`` the
    (weighted) number of basis strings of ``g_j`` anticommuting with ``P_k`` (module
    docstring).  Assumes the circuit before and after the gate is Haar on ``e^g``.

    Raises
    ------
    ValueError : as :func:`lie_algebraic_variance`, or a parameter that drives no rotation.
    """
    t0 = time.perf_counter()
    circuits.require_circuit(circuit)
    algebra, states, ocoords, identity = _prepare(circuit, observable, state, qubits)
    del identity
    u = loss_weights(weights, states.n_states)
    symbols = circuit_symbols(circuit)
    wanted = resolve_parameters(parameters, symbols)
    gen_of = {}
    for op in circuit.all_operations():
        rot = circuits.as_pauli_rotation(op)
        if rot is not None and rot.is_parametrized:
            aff = circuits.affine_angle(rot.angle)
            gen_of[aff.symbol] = (rot.pauli.with_coefficient(1), aff.coefficient)
    index = {q: j for j, q in enumerate(algebra.qubits)}
    rc = _coordinates_of_states(algebra, states)
    oparts, _ = _projections(algebra, ocoords)
    rparts, _ = _projections(algebra, rc)
    n = states.n_states
    k = len(wanted)
    per_state = np.zeros((k, n))
    values = np.zeros(k)
    dims = algebra.ideal_dimensions
    for a, s in enumerate(wanted):
        if s not in gen_of:
            raise ValueError(f"parameter {s} drives no Pauli rotation")
        pauli, coeff = gen_of[s]
        freq = coeff if abs(coeff - round(coeff)) < 1e-9 else coeff / np.pi
        t = pack_pauli_strings([pauli], index, len(algebra.qubits))
        anti = (np.bitwise_count((algebra.x & t.z[0]) ^ (algebra.z & t.x[0])).sum(axis=1) & 1).astype(float)
        cov = np.zeros((n, n))
        for b, p, op, rp, d in zip(algebra.ideals, algebra.ideal_paulis, oparts, rparts, dims):
            weight_q = np.zeros(algebra.n_paulis)
            if p is not None:
                weight_q[p] = 1.0
            else:
                weight_q = np.sum(b**2, axis=0)
            nkj = float(anti @ weight_q)
            cov += (rp @ rp.T) * float(np.sum(op**2)) * nkj / d**2
        cov *= freq**2
        per_state[a] = np.diag(cov)
        values[a] = u @ cov @ u
    return GradientVarianceResult(
        parameters=tuple(wanted), values=values, method="lie-algebraic", per_state=per_state, weights=u,
        in_light_cone=values != 0, error_bound=np.zeros(k), seconds=time.perf_counter() - t0,
        details={"dla_dimension": algebra.dimension, "ideal_dimensions": list(dims),
                 "assumption": "deep circuit: Haar-random on the dynamical Lie group before and after the gate"},
    )

