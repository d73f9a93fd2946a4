"""Cost-function-dependent barren plateaus (Cerezo, Sone, Volkoff, Cincio, Coles 2021).

Setting (Fig. 3 of [1]): an alternating layered ansatz (ALA) ``V(θ)`` on ``n = m ξ`` qubits:
``L`` layers of ``m``-qubit blocks ``W_kl``, ``l = 1 … L`` counted from the input (``L`` the
last layer), blocks of alternate layers shifted by ``m/2`` (bpcalc: open boundaries), every
block drawn from a local unitary 2-design, and θ_k's block ``W = W_A R_σ(θ_k) W_B`` with
``W_A``, ``W_B`` local 2-designs (Eq. (7)).  ``C = Tr[O V ρ V†]`` (Eq. (6)).  The statements
below were compared with the journal text (Nat. Commun. 12, 1791).

``cerezo2021.local_cost_lower`` (Theorem 2, Eqs. (16)–(18); published)
    For an ``m``-local cost ``O = c_0 1 + Σ_i c_i Ô_i^{μ_i} ⊗ Ô_i^{μ'_i}`` (Pauli products on
    ``m/2 + m/2`` qubits, inside one ``S_k`` or straddling ``S_k``, ``S_{k+1}``)::

        Var[∂_k C] ≥ G_n(L, l) = 2^{m(l+1)−1} / ((2^{2m} − 1)² (2^m + 1)^{L+l})
                                 · Σ_{i ∈ i_L} Σ_{(k,k') ∈ k_{L_B}, k' ≥ k} c_i² ε(ρ_{k,k'}) ε(Ô_i)

    with ``ε(M) = D_HS(M, Tr(M) 1/d_M) = Tr M² − (Tr M)²/d_M``, ``i_L`` the terms acting on
    qubits of the forward light cone of θ_k's block, ``k_{L_B}`` the subsystems ``S_k`` in its
    backward light cone and ``ρ_{k,k'}`` the input reduced to ``S_k S_{k+1} … S_{k'}``.  The
    light cones are read from the actual circuit graph (:func:`circuits.backward_light_cone`,
    :func:`circuits.forward_light_cone`).  The double sum factorises:
    ``(Σ_i c_i² ε(Ô_i)) (Σ_{k≤k'} ε(ρ_{k,k'}))`` — the number ``eps_sum``.  Polynomially small
    when ``L ∈ O(log n)`` and one term is (Corollary 2).

``cerezo2021.global_cost_projector`` (Theorem 1 (i), Eq. (12); published)
    For ``O = c_0 1 + c_1 ⊗_k Ô_1k`` with non-trivial projectors ``Ô_1k`` of rank ``r_k`` on
    ``S_k`` and ``R = Π_k r_k²``::

        Var[∂_k C] ≤ F_n(L, l) = 2^{2m + (2m−1)(L−l)} / ((2^{2m} − 1) 3^{n/m} 2^{(2 − 3/m) n}) · c_1² R,

    exponentially small for the global cost ``1 − |0…0⟩⟨0…0|`` (Corollary 1 (i):
    ``O(2^{−(1 − log₂3/m) n})`` when ``c_1² R ∈ O(2^n)`` and ``L ∈ O(poly log n)``).  The form is
    recognised from the Pauli expansion by :func:`product_projector_form`.

    Case (ii) of Theorem 1, Eq. (13) (every ``Ô_ik`` traceless with ``Tr Ô_ik² ≤ 2^m``), as
    printed — ``2^{2m(L−l+1)+1} / (3^{2n/m} 2^{(3−4/m)n}) Σ_{i,j} c_i c_j`` — fails the same
    numerical check: for ``O = Z^{⊗n}`` on ``|0…0⟩`` the exact variance decays like
    ``(2^m + 1)^{−n/m}`` while the printed bound decays like ``(3² 2^{3m−4})^{−n/m}``; at
    ``n = 8, m = 2`` the exact value is 45× (``L = l = 1``) to 86× (``L = l = 4``) above it (and ``Σ_{i,j} c_i c_j = (Σ_i c_i)²`` vanishes
    for ``c = (1, −1)``).  It is not registered; the corrected bound below replaces it
    (``docs/theorems/notes-issue8.md`` §1).

``cerezo2021.global_cost_traceless`` (Theorem 1 (ii) setting; corrected bound derived in bpcalc)
    If every Pauli term of ``O`` acts non-trivially on every ``S_k`` (traceless ``Ô_ik``)::

        Var[∂_k C] ≤ 2^{2m−1}/(2^{2m}−1) · β_m^h · Δ(O)/2^n,   β_m = (3^m − 1)/(4^m − 1),

    ``h = ⌈H_L / 2^{L−1}⌉`` (:func:`guaranteed_first_layer_hits`; ``H_L = ξ`` for an aligned last
    layer, ``⌈ξ/2⌉`` for a shifted one) and ``Δ(O)/2^n = Σ_P o_P² ≤ (Σ_i |c_i|)²``.  Proof: every
    support path starts on all of ``S_1 … S_ξ``; each unit of a layer (a block, or an uncovered
    edge half) overlaps at most two units of the previous one, so a path touches at least ``h``
    first-layer blocks, each of which emits a uniformly random non-empty pattern ``A``; the input
    term ``3^{−|S|} Σ_{supp R = S} Tr[ρR]² ≤ (2/3)^{|S|}`` then averages to ``β_m`` per block.

``cerezo2021.global_cost_upper`` (the setting of Theorem 1; bound derived in bpcalc)
    For ANY observable, if every qubit lies in some block and all blocks are 2-designs::

        Var[∂_k C] ≤ F = 2^{2m−1} / (2^{2m} − 1) · Δ(O) / 2^n,

    ``Δ(O) = Tr O² − (Tr O)²/2^n``.  For the global cost ``O = 1 − |0…0⟩⟨0…0|``,
    ``Δ(O) = 1 − 2^{−n}``, so ``F ∈ O(2^{−n})`` at every depth, where the published ``F_n(L, l)``
    grows as ``2^{(2m−1)(L−l)}``; for observables with large ``Δ(O)/2^n`` (a single global Pauli)
    it is weak.

Derivation of ``F`` (notes-issue8.md §1): write ``O = Σ_P o_P P``.  A 2-design block maps
``P⊗P`` (non-identity on its support) to the uniform mixture of non-identity ``R⊗R`` and
kills ``P⊗Q`` when ``P ≠ Q`` on its support, so (every qubit being twirled) only diagonal
Pauli pairs survive and ``E[(∂C)²] = Σ_P o_P² w_P``, where ``w_P`` is a sum over Pauli paths
of probabilities times ``Tr[ρR]² ≤ 1``; θ_k's block contributes the factor
``Pr[R anticommutes with P_k] = 2^{2m−1}/(2^{2m}−1)``, every other block is stochastic.
Hence ``w_P ≤ 2^{2m−1}/(2^{2m}−1)`` and ``Σ_P o_P² = Δ(O)/2^n``; ``E[∂C] = 0``.

The paper's warm-up closed forms (``V = ⊗_j e^{iθ_j X/2}`` on ``|0…0⟩``:
``Var[∂C_G] = (1/8)(3/8)^{n−1}``, ``Var[∂C_L] = 1/(8n²)``) check :mod:`bpcalc.bounds.exact` in the tests.

Examples
--------
>>> from bpcalc.bounds import get_theorem
>>> t = get_theorem("cerezo2021.local_cost_lower")
>>> v = t.bound("local_cost_lower").evaluate(m=2, L=4, l=2, eps_sum=1.0)
>>> f"{v.value:.3e}"
'9.102e-06'
>>> f = get_theorem("cerezo2021.global_cost_projector").bound("global_cost_upper")
>>> f"{f.evaluate(n=8, m=2, L=2, l=2, c1sqR=1).value:.3e}"
'8.230e-04'
>>> g = get_theorem("cerezo2021.global_cost_upper").bound("global_cost_upper")
>>> g.asymptotics(m=2, Delta_O=1).describe()
'exponentially vanishing: Θ(n^0 · 2^-n)'

References
----------
.. [1] M. Cerezo, A. Sone, T. Volkoff, L. Cincio, P. J. Coles, "Cost function dependent barren
   plateaus in shallow parametrized quantum circuits", Nat. Commun. 12, 1791 (2021),
   arXiv:2001.00550, Theorem 1 (global cost, Eqs. (10)–(13)), Theorem 2 (local cost,
   Eqs. (16)–(18)), Corollaries 1–2 (Eqs. (14), (15), (19), (20)), Proposition 2 (Eq. (8)).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Optional, Sequence

import cirq
import numpy as np
import sympy

from bpcalc.circuits import (
    backward_light_cone, block_structure, block_tags, forward_light_cone, operations_outside_blocks, pauli_basis,
)
from bpcalc.circuits.blocks import Block

from ..bound import AssumptionFailed, Bound, Citation, sym
from ..assumptions import assumption
from ..measures import purities
from ..registry import Context, Theorem, Verification
from . import _checks
from ._inputs import input_states, qubit_index

__all__ = ["THEOREMS", "LOCAL_COST", "GLOBAL_PROJECTOR", "GLOBAL_TRACELESS", "GLOBAL_COST", "ALAGeometry",
           "ProductProjectorForm", "alternating_layered_geometry", "local_cost_terms", "cone_state_sum",
           "product_projector_form", "full_support_terms", "guaranteed_first_layer_hits"]

n, m, L, l = sym("n"), sym("m"), sym("L"), sym("l")
Delta_O = sym("Delta_O")
eps_sum = sympy.Symbol("eps_sum", nonnegative=True)

_PAPER = Citation(
    authors="Cerezo, Sone, Volkoff, Cincio, Coles",
    title="Cost function dependent barren plateaus in shallow parametrized quantum circuits",
    arxiv="2001.00550",
    year=2021,
    locator="Theorems 1-2, Corollaries 1-2",
    journal="Nat. Commun. 12, 1791 (2021)",
    note="compared with the journal text (a text extraction of the Nat. Commun. PDF); checked numerically in bpcalc",
)
CITATION_LOCAL = dataclasses.replace(_PAPER, locator="Theorem 2, Eqs. (16)-(18) (local cost, G_n(L,l))")
CITATION_PROJECTOR = dataclasses.replace(_PAPER, locator="Theorem 1 (i), Eqs. (10)-(12); Corollary 1 (i), Eq. (14)")
CITATION_TRACELESS = dataclasses.replace(
    _PAPER,
    locator="Theorem 1 (ii), Eq. (13): setting; the printed constant fails, closed form derived in bpcalc",
    note="replaces the printed Eq. (13), which the exact 2-design variance violates (notes-issue8.md §1)",
)
CITATION_GLOBAL = dataclasses.replace(
    _PAPER,
    locator="Theorem 1 and Corollary 1 (global cost): setting; closed form derived in bpcalc",
    note="complements the published F_n(L,l): valid for every observable; the published case (i) is "
         "cerezo2021.global_cost_projector, the corrected case (ii) cerezo2021.global_cost_traceless",
)


# ----------------------------------------------------------------------------- geometry


@dataclasses.dataclass(frozen=True)
class ALAGeometry:
    """An alternating layered ansatz seen from one parameter θ_k.

    ``m`` block width; ``n_layers`` = L; ``layer`` = l (1-based from the input) of θ_k's
    ``block``; ``backward`` / ``forward``: qubit positions (indices into ``model.qubits``) of
    the block's backward light cone at the ansatz input and forward light cone at its output;
    ``first_layer``: the first-layer blocks as sorted position tuples (``S_0, S_1, …``).
    """

    m: int
    n_layers: int
    layer: int
    block: Block
    backward: frozenset
    forward: frozenset
    first_layer: tuple[tuple[int, ...], ...]

    @property
    def cone_blocks(self) -> tuple[int, ...]:
        """Indices ``k`` of first-layer blocks inside the backward light cone (``k_{L_B}``)."""
        return tuple(k for k, s in enumerate(self.first_layer) if set(s) <= self.backward)


def _all_ops_in_blocks(ansatz: cirq.AbstractCircuit) -> Optional[cirq.Operation]:
    stray = operations_outside_blocks(ansatz)
    return stray[0] if stray else None


def alternating_layered_structure(model: Any) -> tuple[int, dict[int, list[Block]]]:
    """Check that the ansatz is an ALA (see module docstring); return ``(m, layers)``.

    Raises
    ------
    ValueError : naming the first violated structural requirement.
    """
    blocks = block_structure(model.ansatz)
    if not blocks:
        raise AssumptionFailed("the ansatz carries no block tags (bpcalc.block=<layer>.<index>); "
                         "build it with circuits.alternating_layered")
    stray = _all_ops_in_blocks(model.ansatz)
    if stray is not None:
        raise AssumptionFailed(f"operation {stray} lies outside every block")
    sizes = {b.size for b in blocks}
    if len(sizes) != 1:
        raise AssumptionFailed(f"blocks have different sizes {sorted(sizes)}")
    width = sizes.pop()
    if width < 2 or width % 2:
        raise AssumptionFailed(f"block width m = {width}; the alternating layered ansatz needs an even m >= 2")
    index = qubit_index(model)
    nq = model.n_qubits
    if nq % width:
        raise AssumptionFailed(f"m = {width} does not divide n = {nq}")
    layers: dict[int, list[Block]] = {}
    for b in blocks:
        layers.setdefault(b.layer, []).append(b)
    if sorted(layers) != list(range(len(layers))):
        raise AssumptionFailed(f"block layers {sorted(layers)} are not 0..L-1")
    for j in range(len(layers) - 1):
        if max(max(b.moments) for b in layers[j]) >= min(min(b.moments) for b in layers[j + 1]):
            raise AssumptionFailed(f"layer {j} and layer {j + 1} overlap in time")
    for j, bs in layers.items():
        starts = []
        for b in bs:
            pos = sorted(index[q] for q in b.qubits)
            if pos != list(range(pos[0], pos[0] + width)):
                raise AssumptionFailed(f"block {b.layer}.{b.index} acts on non-adjacent qubits {pos}")
            starts.append(pos[0])
        shift = 0 if j % 2 == 0 else width // 2
        expected = list(range(shift, nq - width + 1, width))
        if sorted(starts) != expected:
            raise AssumptionFailed(f"layer {j} has blocks starting at {sorted(starts)}; an alternating layered "
                             f"ansatz has them at {expected}")
    return width, layers


def alternating_layered_geometry(model: Any, parameter: sympy.Symbol) -> ALAGeometry:
    """The ALA structure and θ_k's light cones, read from the circuit.

    Raises
    ------
    ValueError : not an ALA, or the parameter is in no block.
    """
    width, layers = alternating_layered_structure(model)
    block = _checks.block_of_parameter(model, parameter)
    if block is None:
        raise AssumptionFailed(f"{parameter} is in no tagged block")
    index = qubit_index(model)
    ansatz = model.ansatz
    start = [(k, op) for k, moment in enumerate(ansatz) for op in moment if block.tag in block_tags(op)]
    first = min(k for k, _ in start)
    prefix = cirq.Circuit(ansatz[:first])
    back = set(block.qubits)
    if list(prefix.all_operations()):
        probe = cirq.PauliString({q: cirq.Z for q in block.qubits if q in prefix.all_qubits()})
        if probe:
            back |= set(backward_light_cone(prefix, probe, refined=False).qubits)
    fwd = set(forward_light_cone(ansatz, start).qubits)
    first_layer = tuple(sorted(tuple(sorted(index[q] for q in b.qubits)) for b in layers[0]))
    return ALAGeometry(
        m=width,
        n_layers=len(layers),
        layer=block.layer + 1,
        block=block,
        backward=frozenset(index[q] for q in back),
        forward=frozenset(index[q] for q in fwd),
        first_layer=first_layer,
    )


def local_cost_terms(model: Any, width: int) -> dict[int, list[cirq.PauliString]]:
    """Group the observable's non-identity terms by their ``m``-qubit window (Eq. (16) of [1]).

    A term ``c_i Ô_i^{μ_i} ⊗ Ô_i^{μ'_i}`` of an ``m``-local cost lies inside an aligned
    subsystem ``S_k = [k m, (k+1) m)`` or straddles the last ``m/2`` qubits of ``S_k`` and the
    first ``m/2`` of ``S_{k+1}``.  Keys are window start positions (``k m`` or ``k m + m/2``);
    a term that fits an aligned window is filed there.

    Raises
    ------
    ValueError : a term fits no such window (not an m-local cost in the sense of Eq. (16)).
    """
    index = qubit_index(model)
    n_qubits = len(index)
    half = width // 2
    groups: dict[int, list[cirq.PauliString]] = {}
    for term in model.observable:
        if not term.qubits:
            continue
        pos = [index[q] for q in term.qubits]
        lo, hi = min(pos), max(pos)
        aligned = (lo // width) * width
        straddle = ((lo - half) // width) * width + half if lo >= half else None
        if hi < aligned + width:
            start = aligned
        elif straddle is not None and hi < straddle + width and straddle + width <= n_qubits:
            start = straddle
        else:
            raise AssumptionFailed(f"observable term {term} acts on qubits {sorted(pos)}, which fit no {width}-qubit "
                             f"window S_k or straddling window (last m/2 of S_k, first m/2 of S_k+1); "
                             "Theorem 2 needs an m-local cost of the form of Eq. (16)")
        groups.setdefault(start, []).append(term)
    return groups


def observable_part_sum(model: Any, geometry: ALAGeometry) -> float:
    """``Σ_{i ∈ i_L} c_i² ε(Ô_i)``, ``ε`` on the ``2^m``-dimensional space of ``Ô_i``'s window.

    ``i_L``: terms whose (non-identity) support meets the forward light cone of θ_k's block.
    For a Pauli product ``ε(Ô_i) = Tr Ô_i² − (Tr Ô_i)²/2^m = 2^m``.
    """
    index = qubit_index(model)
    total = 0.0
    for terms in local_cost_terms(model, geometry.m).values():  # raises unless O is m-local (Eq. (16))
        for term in terms:
            if {index[q] for q in term.qubits} & geometry.forward:
                total += 2.0**geometry.m * abs(complex(term.coefficient)) ** 2
    return total


def cone_state_sum(states: np.ndarray, geometry: ALAGeometry) -> float:
    """``Σ_{k ≤ k' in k_{L_B}} ε(ρ_{k,k'})``, averaged over the input states (rows)."""
    cone = geometry.cone_blocks
    total = np.zeros(states.shape[0])
    for a, k in enumerate(cone):
        for kp in cone[a:]:
            region = sorted(q for j in range(k, kp + 1) for q in geometry.first_layer[j])
            total += purities(states, region) - 2.0 ** -len(region)
    return float(np.mean(total))


# ----------------------------------------------------------------------------- Theorem 1 (i)


@dataclasses.dataclass(frozen=True)
class ProductProjectorForm:
    """``O = c_0 1 + c_1 ⊗_k Π_k`` with a non-trivial projector ``Π_k`` of rank ``r_k`` on each ``S_k``.

    The form of Eq. (10) of [1] with ``N = 1`` and every ``Ô_1k`` a projector (case (i) of
    Theorem 1); ``R = Π_k r_k²``.
    """

    c0: float
    c1: float
    ranks: tuple[int, ...]

    @property
    def c1_squared_R(self) -> float:
        """``c_1² R`` with ``R = Π_k r_k²`` (Theorem 1 (i))."""
        return float(self.c1**2 * np.prod([float(r) ** 2 for r in self.ranks]))


def product_projector_form(observable: cirq.PauliSum, qubits: Sequence[cirq.Qid], width: int,
                           atol: float = 1e-9) -> ProductProjectorForm:
    """Write ``O`` as ``c_0 1 + c_1 ⊗_k Π_k`` over the aligned ``S_k = [k m, (k+1) m)`` (Eq. (10), case (i)).

    Each ``Π_k`` is read off the part of ``O`` supported inside ``S_k`` (which equals
    ``c_1 Π_{j≠k}(r_j/2^m) (Π_k − r_k/2^m)`` for a product), both eigenspaces are tried, and the
    candidate is accepted only if every Pauli coefficient of ``c_1 ⊗_k Π_k`` matches ``O``.
    When several decompositions exist the one with the smallest ``c_1² R`` is returned.

    Raises
    ------
    ValueError : ``O`` is not of that form (naming the first failing subsystem or term).
    """
    qubits = list(qubits)
    n_qubits = len(qubits)
    if width < 1 or n_qubits % width:
        raise AssumptionFailed(f"block width m = {width} does not divide n = {n_qubits}")
    index = {q: i for i, q in enumerate(qubits)}
    extra = set(observable.qubits) - set(index)
    if extra:
        raise AssumptionFailed(f"observable acts on qubits {sorted(extra)} outside the circuit")
    n_blocks = n_qubits // width
    identity = 0.0
    coeffs: dict[tuple[str, ...], float] = {}
    for term in observable:
        c = complex(term.coefficient)
        if abs(c.imag) > atol:
            raise AssumptionFailed(f"term {term} has a complex coefficient: the observable is not Hermitian")
        if not term.qubits:
            identity += c.real
            continue
        letters = ["I"] * n_qubits
        for q, p in term.items():
            letters[index[q]] = str(p)
        key = tuple("".join(letters[k * width:(k + 1) * width]) for k in range(n_blocks))
        coeffs[key] = coeffs.get(key, 0.0) + c.real
    coeffs = {k: v for k, v in coeffs.items() if v != 0.0}
    labels, basis = pauli_basis(width)
    position = {label: i for i, label in enumerate(labels)}
    dim = 2**width
    blank = "I" * width
    choices: list[list[tuple[np.ndarray, int, float]]] = []
    for k in range(n_blocks):
        marginal = np.zeros((dim, dim), dtype=complex)
        for key, v in coeffs.items():
            if all(part == blank for j, part in enumerate(key) if j != k):
                marginal += v * basis[position[key[k]]]
        vals, vecs = np.linalg.eigh(marginal)
        scale = max(1.0, float(np.max(np.abs(vals))))
        if np.max(vals) - np.min(vals) <= atol * scale:
            raise AssumptionFailed(f"O has no part acting on S_{k} alone, so Ô_1{k} would be trivial "
                             "(Theorem 1 (i) needs a non-trivial projector on every S_k)")
        high = vals > (vals.max() + vals.min()) / 2
        if np.ptp(vals[high]) > 1e-7 * scale or np.ptp(vals[~high]) > 1e-7 * scale:
            raise AssumptionFailed(f"the part of O on S_{k} has more than two distinct eigenvalues: Ô_1{k} is not a "
                             "projector (up to scale)")
        gap = float(vals[high].mean() - vals[~high].mean())
        options = []
        for side, sign in ((high, 1.0), (~high, -1.0)):
            proj = vecs[:, side] @ vecs[:, side].conj().T
            paulis = np.real(np.einsum("pij,ji->p", basis, proj)) / dim
            options.append((paulis, int(side.sum()), sign * gap))
        choices.append(options)
    best: Optional[ProductProjectorForm] = None
    for pick in itertools.product((0, 1), repeat=n_blocks):
        parts = [choices[k][pick[k]] for k in range(n_blocks)]
        ranks = [r for _, r, _ in parts]
        c1_values = [alpha / np.prod([r / dim for j, r in enumerate(ranks) if j != k])
                     for k, (_, _, alpha) in enumerate(parts)]
        c1 = float(c1_values[0])
        if not np.allclose(c1_values, c1, rtol=1e-7, atol=atol):
            continue
        # Hilbert–Schmidt residual ‖(O − c_0) − c_1 ⊗ Π_k‖² / 2^n over the non-identity Pauli
        # coefficients, without enumerating the product: Σ_P pred_P² = c_1² Π_k r_k/2^m.
        coeff_of = [dict(zip(labels, paulis)) for paulis, _, _ in parts]
        identity_pred = c1 * float(np.prod([r / dim for r in ranks]))
        total_pred = c1**2 * float(np.prod([r / dim for r in ranks])) - identity_pred**2
        residual, covered = 0.0, 0.0
        for key, v in coeffs.items():
            pred = c1
            for k, part in enumerate(key):
                pred *= coeff_of[k][part]
            residual += (v - pred) ** 2
            covered += pred**2
        residual += max(total_pred - covered, 0.0)
        scale = max(1.0, c1**2, sum(v * v for v in coeffs.values()))
        if residual > 1e-12 * scale:
            continue
        c0 = identity - c1 * float(np.prod([r / dim for r in ranks]))
        form = ProductProjectorForm(c0=c0, c1=c1, ranks=tuple(ranks))
        if best is None or form.c1_squared_R < best.c1_squared_R:
            best = form
    if best is None:
        raise AssumptionFailed("O is not c_0 1 + c_1 ⊗_k Π_k with non-trivial projectors Π_k on the aligned "
                         f"{width}-qubit subsystems (Theorem 1 (i), Eq. (10) with N = 1)")
    return best


# ----------------------------------------------------------------------------- checks


def check_alternating_layered(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        g = alternating_layered_geometry(ctx.model, ctx.parameter)
    except ValueError as exc:
        return False, str(exc)
    return True, (f"alternating layered ansatz, L = {g.n_layers} layers of m = {g.m}-qubit blocks; "
                  f"{ctx.parameter} in block {g.block.layer}.{g.block.index} (l = {g.layer})")


def check_local_cost(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        width, _ = alternating_layered_structure(ctx.model)
        groups = local_cost_terms(ctx.model, width)
    except ValueError as exc:
        return False, str(exc)
    return True, (f"m-local cost (Eq. (16)): the terms act inside {len(groups)} {width}-qubit window(s), "
                  "aligned S_k or straddling S_k, S_k+1")


def check_blocks_cover_qubits(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    blocks = block_structure(ctx.model.ansatz)
    if not blocks:
        return False, "the ansatz carries no block tags"
    stray = _all_ops_in_blocks(ctx.model.ansatz)
    if stray is not None:
        return False, f"operation {stray} lies outside every block"
    covered = set().union(*(set(b.qubits) for b in blocks))
    left = set(ctx.model.qubits) - covered
    if left:
        return False, f"qubits {sorted(left)} lie in no block (their Pauli letters are never twirled)"
    if _checks.block_of_parameter(ctx.model, ctx.parameter) is None:
        return False, f"{ctx.parameter} is in no tagged block"
    return True, f"all {len(blocks)} blocks cover every qubit; {ctx.parameter} lies in one of them"


ALA = assumption("alternating_layered_ansatz", check_alternating_layered)
BLOCK_DESIGNS = assumption("blocks_are_2_designs", _checks.check_all_blocks_two_designs)
SIDES = assumption("block_sides_two_designs", _checks.check_block_sides_two_designs)
ROTATION = assumption("single_pauli_rotation", _checks.check_single_pauli_rotation)
LOCAL = assumption("block_local_cost", check_local_cost)
COVER = assumption("blocks_cover_all_qubits", check_blocks_cover_qubits)


# ----------------------------------------------------------------------------- numbers


def _local_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    g = alternating_layered_geometry(ctx.model, ctx.parameter)
    out: dict[str, Any] = {"m": g.m, "L": g.n_layers, "l": g.layer}
    obs = observable_part_sum(ctx.model, g)
    states = input_states(ctx)
    out["eps_sum"] = obs * cone_state_sum(states, g)
    return out


def _global_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    b = _checks.block_of_parameter(ctx.model, ctx.parameter)
    if b is None:
        return {}
    nq = ctx.model.n_qubits
    return {"m": b.size, "n": nq, "Delta_O": _checks.pauli_delta(ctx.model.observable, nq)}


def _is_global_projector(model: Any) -> bool:
    nq = model.n_qubits
    terms = [t for t in model.observable if t.qubits]
    if len(terms) != 2**nq - 1:
        return False
    return all(set(t.values()) == {cirq.Z} and abs(abs(complex(t.coefficient)) - 2.0**-nq) < 1e-12 for t in terms)


def _global_scaling(ctx: Context) -> dict[str, Any]:
    """Δ(O) ≤ 1 for ``±|0…0⟩⟨0…0|`` (+ identity): an over-estimate, valid for the upper bound."""
    if ctx.model is None or not _is_global_projector(ctx.model):
        return {}
    b = _checks.block_of_parameter(ctx.model, ctx.parameter) if ctx.parameter is not None else None
    return {"Delta_O": 1, **({"m": b.size} if b is not None else {})}


_G_EXPR = 2 ** (m * (l + 1) - 1) / ((2 ** (2 * m) - 1) ** 2 * (2**m + 1) ** (L + l)) * eps_sum

LOCAL_COST = Theorem(
    key="cerezo2021.local_cost_lower",
    title="Local-cost lower bound G_n(L, l) for alternating layered ansätze of 2-design blocks",
    citation=CITATION_LOCAL,
    bounds=(
        Bound(
            name="local_cost_lower",
            kind="lower",
            expr=_G_EXPR,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            symbols={
                "l": "layer of θ_k's block counted from the input, 1 <= l <= L",
                "eps_sum": "Σ_{i∈i_L} Σ_{(k,k')∈k_{L_B}} ε(ρ_{k,k'}) ε(c_i Ô_i): light-cone sums of "
                           "ε(M) = Tr M² − (Tr M)²/d_M (mean over the input states)",
            },
            citation=CITATION_LOCAL,
            notes="E[∂_k C] = 0 (Proposition 2). ρ_{k,k'}: input state reduced to S_k … S_k' (k' ≥ k, both in "
                  "θ_k's backward light cone); i_L: terms acting on qubits of its forward light cone; Eq. (18).",
        ),
    ),
    assumptions=(ALA, BLOCK_DESIGNS, SIDES, ROTATION, LOCAL),
    substitutions=_local_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_cerezo2021.py::test_local_cost_lower_bound_below_exact_chain, "
        "tests/bounds/theorems/test_cerezo2021.py::test_reference_chain_matches_haar_sampling, "
        "tests/bounds/theorems/test_cerezo2021.py::test_bounds_bracket_the_projects_two_design_engine",
        "G_n <= exact variance from an independent 2-design Pauli-support Markov chain (itself checked "
        "against Haar-random blocks), over n = 4..8, m = 2, 4, L = 1..4, every block position, product / "
        "entangled / mixed-in inputs, random local observables and terms straddling two subsystems; slack >= 10x. "
        "Statement, index sets (i_L: terms acting on qubits in the forward light cone; k_L_B: subsystems S_k in "
        "the backward light cone, pairs k' >= k; rho_k,k' the input on S_k ... S_k'), the c_i^2 factor and the "
        "convention for l (layer index 1..L from the input, L the last layer) compared with the journal text. "
        "Deviation: the paper's S_k are the blocks of the last layer; with open boundaries bpcalc uses the aligned "
        "partition [k m, (k+1) m) (the same subsystems whenever the last layer is aligned).",
        source="published",
    ),
    statement="For an alternating layered ansatz of m-qubit local 2-design blocks and a local cost "
              "O = c_0 + Σ_i c_i Ô_i, Var[∂_k C] ≥ G_n(L,l) = 2^{m(l+1)−1} / ((2^{2m}−1)²(2^m+1)^{L+l}) · "
              "Σ_{i∈i_L} Σ_{(k,k')∈k_{L_B}} ε(ρ_{k,k'}) ε(c_iÔ_i): at worst polynomially small when "
              "L ∈ O(log n)."
              " Observable normalisation: O = c_0 + Σ_i c_i Ô_i with Pauli-product terms, through Σ_i c_i² ε(Ô_i) (eps_sum); O_L = (1/n)Σ_j|0⟩⟨0|_j has c_i = 1/(2n) on Z_j, (1/n)Σ_j Z_j has c_i = 1/n (4× the variance bound).",
    scope="parameter",
    tags=("two-design", "local-cost", "light-cone", "alternating-layered"),
)

GLOBAL_COST = Theorem(
    key="cerezo2021.global_cost_upper",
    title="Global-cost upper bound for circuits of local 2-design blocks (barren plateau at any depth)",
    citation=CITATION_GLOBAL,
    bounds=(
        Bound(
            name="global_cost_upper",
            kind="upper",
            expr=2 ** (2 * m - 1) / (2 ** (2 * m) - 1) * Delta_O / 2**n,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            citation=CITATION_GLOBAL,
            notes="Holds for any observable and input state; exponentially small when Δ(O)/2^n is, e.g. the "
                  "global cost O = 1 − |0…0⟩⟨0…0| (Δ(O) = 1 − 2^-n). Derived in bpcalc (module docstring).",
        ),
    ),
    assumptions=(COVER, BLOCK_DESIGNS, SIDES, ROTATION),
    substitutions=_global_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_cerezo2021.py::test_global_cost_upper_bound_above_exact_chain, "
        "tests/bounds/theorems/test_cerezo2021.py::test_bounds_bracket_the_projects_two_design_engine",
        "exact <= F from the independent 2-design chain for the global cost |0…0⟩⟨0…0| and random "
        "observables, n = 4..8, L = 1..5, every block, |0⟩ and random inputs (largest ratio 0.06). Derived "
        "in the setting of Theorem 1; valid for every observable and depth, where the published F_n(L,l) "
        "(cerezo2021.global_cost_projector) covers projector products and grows with L − l.",
        source="derived",
    ),
    statement="If every block is a local 2-design and every qubit lies in a block, "
              "Var[∂_k C] ≤ 2^{2m−1}/(2^{2m}−1) · Δ(O)/2^n for every observable: exponentially small for "
              "the global cost 1 − |0…0⟩⟨0…0| at every depth."
              " Observable normalisation: any O through Δ(O) = Tr O² − (Tr O)²/2^n (for (1/n)Σ_j Z_j, Δ(O) = 2^n/n; for O_L = (1/n)Σ_j|0⟩⟨0|_j, 2^n/(4n)).",
    scope="parameter",
    tags=("two-design", "global-cost", "alternating-layered"),
    scaling=_global_scaling,
)

c1sqR = sympy.Symbol("c1sqR", nonnegative=True)
_F12_EXPR = (2 ** (2 * m + (2 * m - 1) * (L - l))
             / ((2 ** (2 * m) - 1) * 3 ** (n / m) * 2 ** ((2 - 3 / m) * n)) * c1sqR)


def _projector_form(ctx: Context) -> ProductProjectorForm:
    width, _ = alternating_layered_structure(ctx.model)
    return product_projector_form(ctx.model.observable, ctx.model.qubits, width)


def check_projector_form(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        form = _projector_form(ctx)
    except ValueError as exc:
        return False, str(exc)
    return True, (f"O = {form.c0:.6g}·1 + {form.c1:.6g}·⊗_k Π_k with projector ranks {list(form.ranks)} "
                  f"(c_1² R = {form.c1_squared_R:.6g})")


PROJECTOR = assumption("global_projector_cost", check_projector_form)


def _projector_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    g = alternating_layered_geometry(ctx.model, ctx.parameter)
    form = _projector_form(ctx)
    return {"m": g.m, "L": g.n_layers, "l": g.layer, "n": ctx.model.n_qubits, "c1sqR": form.c1_squared_R}


def _projector_scaling(ctx: Context) -> dict[str, Any]:
    """Fixed depth and position; equal ranks r give ``c_1² R = c_1² r^{2n/m}`` as ``n`` grows."""
    if ctx.model is None or ctx.parameter is None:
        return {}
    try:
        g = alternating_layered_geometry(ctx.model, ctx.parameter)
        form = _projector_form(ctx)
    except ValueError:
        return {}
    if len(set(form.ranks)) != 1:
        return {}
    r = sympy.Integer(form.ranks[0])
    return {"m": g.m, "L": g.n_layers, "l": g.layer,
            "c1sqR": sympy.nsimplify(form.c1**2) * r ** (2 * n / g.m)}


GLOBAL_PROJECTOR = Theorem(
    key="cerezo2021.global_cost_projector",
    title="Global-cost upper bound F_n(L, l) for a tensor product of projectors (Theorem 1 (i))",
    citation=CITATION_PROJECTOR,
    bounds=(
        Bound(
            name="global_cost_upper",
            kind="upper",
            expr=_F12_EXPR,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            symbols={
                "l": "layer of θ_k's block counted from the input, 1 <= l <= L",
                "c1sqR": "c_1² R, R = Π_k r_k² (ranks of the projectors Ô_1k on S_k)",
            },
            citation=CITATION_PROJECTOR,
            notes="Eq. (12). Exponentially small in n for fixed L − l when c_1² R = O(2^n) (Corollary 1 (i): "
                  "O(2^{-(1 - log2(3)/m) n}) for L = O(poly log n)); grows as 2^{(2m-1)(L-l)} with the "
                  "number of layers after θ_k's block.",
        ),
    ),
    assumptions=(ALA, BLOCK_DESIGNS, SIDES, ROTATION, PROJECTOR),
    substitutions=_projector_substitutions,
    verification=Verification(
        "verified",
        "tests/bounds/theorems/test_cerezo2021.py::test_projector_bound_above_exact_chain, "
        "tests/bounds/theorems/test_cerezo2021.py::test_projector_form_recognition",
        "exact <= F_n(L,l) from the independent 2-design chain for |0…0⟩⟨0…0|, 1 − |0…0⟩⟨0…0| and random "
        "projectors of ranks 1-3, n = 4..8, m = 2, 4, L = 1..5, every block, |0⟩, random product and Haar "
        "inputs (largest ratio 0.12). Eq. (12) compared with the journal text. The printed case (ii), Eq. (13) "
        "(traceless Ô_ik), is violated by the same check (exact/F = 45 at n = 8, m = 2, L = l = 1, up to 86 at L = l = 4; see "
        "docs/theorems/notes-issue8.md); the corrected bound is cerezo2021.global_cost_traceless.",
        source="published",
    ),
    statement="For an alternating layered ansatz of m-qubit local 2-design blocks and "
              "O = c_0 + c_1 ⊗_k Ô_1k with non-trivial projectors Ô_1k of rank r_k on S_k, "
              "Var[∂_k C] ≤ F_n(L,l) = 2^{2m+(2m−1)(L−l)} / ((2^{2m}−1) 3^{n/m} 2^{(2−3/m)n}) · c_1² Π_k r_k²: "
              "a barren plateau for the global cost even at depth O(log n)."
              " Observable normalisation: O = c_0 + c_1 ⊗_k Ô_1k as written (projector form, e.g. the global cost 1 − |0⟩⟨0|^{⊗n} has c_1 = −1); the variance scales with c_1².",
    scope="parameter",
    tags=("two-design", "global-cost", "alternating-layered"),
    scaling=_projector_scaling,
)

# ----------------------------------------------------------------------------- Theorem 1 (ii), corrected

h_hits = sympy.Symbol("h", positive=True)
_BETA = (3**m - 1) / (4**m - 1)
_F_TRACELESS = 2 ** (2 * m - 1) / (2 ** (2 * m) - 1) * _BETA**h_hits * Delta_O / 2**n


def full_support_terms(model: Any, width: int) -> int:
    """Check that every non-identity term acts non-trivially on every aligned ``S_k``; return the count.

    This is the Pauli-level content of Theorem 1 (ii) of [1] (every ``Ô_ik`` traceless): the
    Pauli expansion of ``⊗_k Ô_ik`` then has no identity factor on any ``S_k``.

    Raises
    ------
    ValueError : naming the first term and subsystem where the term is the identity.
    """
    index = qubit_index(model)
    n_blocks = model.n_qubits // width
    count = 0
    for term in model.observable:
        if not term.qubits:
            continue
        hit = {index[q] // width for q in term.qubits}
        missing = sorted(set(range(n_blocks)) - hit)
        if missing:
            raise AssumptionFailed(f"observable term {term} is the identity on S_{missing[0]} = qubits "
                             f"[{missing[0] * width}, {(missing[0] + 1) * width}); Theorem 1 (ii) needs every "
                             "factor Ô_ik traceless (every Pauli term non-identity on every S_k)")
        count += 1
    if not count:
        raise AssumptionFailed("the observable is a multiple of the identity (no gradient)")
    return count


def guaranteed_first_layer_hits(n_qubits: int, width: int, n_layers: int) -> int:
    """``h = ⌈H_L / 2^{L−1}⌉``: first-layer blocks every support path must still touch.

    ``H_L = ξ`` when the last layer is aligned, ``⌈ξ/2⌉`` when it is shifted; going one layer
    towards the input the number of touched units (blocks, or the uncovered edge halves of a
    shifted layer) can at most halve, because every unit overlaps at most two units of the
    next layer.
    """
    xi = n_qubits // width
    last_aligned = (n_layers - 1) % 2 == 0
    hits = xi if last_aligned else -(-xi // 2)
    return max(1, -(-hits // 2 ** (n_layers - 1)))


def check_full_support(ctx: Context) -> tuple[Optional[bool], str]:
    missing = _checks.need_parameter(ctx)
    if missing:
        return missing
    try:
        width, _ = alternating_layered_structure(ctx.model)
        count = full_support_terms(ctx.model, width)
    except ValueError as exc:
        return False, str(exc)
    return True, f"all {count} Pauli terms act non-trivially on every {width}-qubit subsystem S_k"


FULL_SUPPORT = assumption("global_traceless_cost", check_full_support)


def _traceless_substitutions(ctx: Context) -> dict[str, Any]:
    if ctx.model is None or ctx.parameter is None:
        return {}
    g = alternating_layered_geometry(ctx.model, ctx.parameter)
    nq = ctx.model.n_qubits
    return {"m": g.m, "n": nq, "h": guaranteed_first_layer_hits(nq, g.m, g.n_layers),
            "Delta_O": _checks.pauli_delta(ctx.model.observable, nq)}


def _traceless_scaling(ctx: Context) -> dict[str, Any]:
    """Fixed depth: ``h ≥ n / (m 2^{L−1})`` (aligned last layer) or ``n / (m 2^L)`` — under-estimates of
    ``h``, so over-estimates of the bound; ``Δ(O)/2^n`` kept at its value (``Σ_P o_P²``)."""
    if ctx.model is None or ctx.parameter is None:
        return {}
    try:
        g = alternating_layered_geometry(ctx.model, ctx.parameter)
    except ValueError:
        return {}
    shift = 0 if (g.n_layers - 1) % 2 == 0 else 1
    sum_sq = _checks.pauli_delta(ctx.model.observable, ctx.model.n_qubits) / 2.0**ctx.model.n_qubits
    return {"m": g.m, "h": n / (g.m * 2 ** (g.n_layers - 1 + shift)),
            "Delta_O": sympy.nsimplify(sum_sq, rational=True) * 2**n}


GLOBAL_TRACELESS = Theorem(
    key="cerezo2021.global_cost_traceless",
    title="Global-cost upper bound for traceless tensor-product observables (Theorem 1 (ii), corrected)",
    citation=CITATION_TRACELESS,
    bounds=(
        Bound(
            name="global_cost_upper",
            kind="upper",
            expr=_F_TRACELESS,
            quantity=r"\operatorname{Var}_{\theta}[\partial_k C]",
            symbols={"h": "⌈H_L / 2^{L−1}⌉ first-layer blocks every support path touches (H_L = ξ = n/m for an "
                          "aligned last layer, ⌈ξ/2⌉ for a shifted one)",
                     "Delta_O": "Δ(O) = Tr O² − (Tr O)²/2^n (so Δ(O)/2^n = Σ_P o_P² ≤ (Σ_i |c_i|)² when "
                                "Tr Ô_ik² ≤ 2^m)"},
            notes="Exponentially small in n at fixed depth: β_m^{n/(m 2^{L−1})}, β_m = (3^m − 1)/(4^m − 1) "
                  "(8/15 for m = 2); trivial once 2^{L−1} ≳ n/m.",
        ),
    ),
    assumptions=(ALA, BLOCK_DESIGNS, SIDES, ROTATION, FULL_SUPPORT),
    substitutions=_traceless_substitutions,
    verification=Verification(
        "corrected",
        "tests/bounds/theorems/test_cerezo2021.py::test_traceless_bound_above_exact_chain, "
        "tests/bounds/theorems/test_cerezo2021.py::test_guaranteed_hits_never_exceed_the_brute_force_minimum, "
        "tests/bounds/theorems/test_cerezo2021.py::test_printed_case_ii_is_violated",
        "The printed Eq. (13), 2^{2m(L−l+1)+1}/(3^{2n/m} 2^{(3−4/m)n}) Σ_ij c_i c_j, is violated by the exact "
        "2-design variance of Z^{⊗n} (45x at n = 8, m = 2, L = l = 1; also (Σ c_i)² = 0 for c = (1, −1)). "
        "Registered instead, derived in bpcalc: Var ≤ 2^{2m−1}/(2^{2m}−1) β_m^h Δ(O)/2^n. Proof: only diagonal "
        "Pauli pairs survive; every term is non-identity on every S_k, so the chain starts from H_L touched units "
        "of the last layer; each unit overlaps at most two units of the previous layer, so at least h first-layer "
        "blocks are touched; each outputs a uniformly random non-empty pattern A, and the input term "
        "3^{-|S|} Σ_{supp R=S} Tr[ρR]² ≤ (2/3)^{|S|} averages to β_m = (3^m−1)/(4^m−1) per touched block. "
        "Checked: exact <= F from the independent chain for Z^{⊗n}, random full-support Pauli sums with mixed "
        "signs, n = 4..8, m = 2, 4, L = 1..5 (both parities), four inputs.",
        source="derived",
    ),
    statement="For an alternating layered ansatz of m-qubit local 2-design blocks and an observable whose every "
              "Pauli term acts non-trivially on every S_k (Theorem 1 (ii): traceless Ô_ik), "
              "Var[∂_k C] ≤ 2^{2m−1}/(2^{2m}−1) · ((3^m−1)/(4^m−1))^h · Δ(O)/2^n with h = ⌈H_L/2^{L−1}⌉: "
              "exponentially small in n at fixed depth."
              " Observable normalisation: any O; it enters through its Pauli coefficients / Δ(O) as written, so O → cO rescales the bound by c².",
    scope="parameter",
    tags=("two-design", "global-cost", "alternating-layered"),
    scaling=_traceless_scaling,
)

THEOREMS = (LOCAL_COST, GLOBAL_PROJECTOR, GLOBAL_TRACELESS, GLOBAL_COST)
