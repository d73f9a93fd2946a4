"""The assumption catalogue: every assumption key a registered theorem uses, defined once.

A theorem's hypotheses are :class:`~bpcalc.bounds.bound.Assumption` objects; their keys are
what a user *declares* (``bpcalc bounds --declare KEY``, ``analyze(..., declared=...)``,
``Context(declared=...)``) and what a refusal names.  A key means one thing everywhere: its
meaning is written here, once, and theorem modules build their assumptions with
:func:`assumption` (which takes the text from this catalogue).  Two theorems that need
different hypotheses use different keys.

``declarable`` says whether declaring the key can make the assumption hold: ``True`` for
hypotheses no check can establish on a circuit (random 2-design blocks, Haar-random data,
deep circuits, a controllable generator set beyond the size the DLA closure is computed at);
``False`` for properties bpcalc always checks on the model (the loss, the observable's form,
the ansatz structure) — declaring those changes nothing.

Keys that were renamed because they meant two things are in :data:`DEPRECATED_KEYS`; they
are still accepted for one release (:func:`resolve_declared` maps them to the new keys and
says so).

Examples
--------
>>> CATALOGUE["block_local_cost"].declarable
False
>>> keys, notes = resolve_declared(["blocks_are_2_designs", "local_cost"])
>>> sorted(keys)
['block_local_cost', 'block_sides_two_designs', 'blocks_are_2_designs', 'local_projector_cost']
>>> notes[0][:38]
"'local_cost' is deprecated: it named t"
>>> assumption("deep_circuit").check is None   # holds only when declared
True

References
----------
.. [1] M. Cerezo et al., "Cost function dependent barren plateaus in shallow parametrized
   quantum circuits", Nat. Commun. 12, 1791 (2021), arXiv:2001.00550 (Eq. (16): the m-local
   cost of ``block_local_cost``).
.. [2] S. Thanasilp et al., "Subtleties in the trainability of quantum machine learning models",
   Quantum Mach. Intell. 5, 21 (2023), arXiv:2110.14753 (``O_L`` of ``local_projector_cost``).
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Iterable, Mapping, Optional

from .bound import Assumption, CheckFn

__all__ = ["AssumptionKey", "CATALOGUE", "DEPRECATED_KEYS", "assumption", "resolve_declared", "meaning"]


@dataclasses.dataclass(frozen=True)
class AssumptionKey:
    """One catalogue entry: an assumption key, what it means, and whether declaring it counts.

    Attributes
    ----------
    key : the identifier (``snake_case``).
    meaning : the hypothesis in words (the text every theorem using the key shows).
    declarable : declaring the key makes the assumption hold (else it is always checked).
    implies : keys that hold whenever this one is declared (e.g. ``global_two_design`` →
        ``v_minus_two_design``, ``v_plus_two_design``).
    """

    key: str
    meaning: str
    declarable: bool = False
    implies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.key.isidentifier() or self.key != self.key.lower():
            raise ValueError(f"assumption key must be a lower-case identifier, got {self.key!r}")
        if not self.meaning.strip():
            raise ValueError(f"assumption {self.key!r} needs a meaning")


_ROTATION = "θ_k occurs in exactly one gate, a Pauli rotation exp(-i(±θ_k + c)P/2)"
_UNIFORM = "angles independent and uniform modulo their period (rx(θ): θ ~ U[0, 2π); X**s: s ~ U[0, 2))"

_ENTRIES = (
    # --- the parametrized gates
    AssumptionKey("single_pauli_rotation", f"{_ROTATION}; {_UNIFORM}"),
    AssumptionKey("independent_pauli_rotations",
                  "every θ_k occurs in exactly one gate, a Pauli rotation exp(-i(±θ_k + c)P/2); the angles are "
                  "independent and uniform on [0, 2π)"),
    AssumptionKey("pauli_generators", "every gate holding θ_k is a Pauli rotation exp(-i(cθ_k + d)P/2)"),
    AssumptionKey("rotations_in_clifford_frame",
                  "V(θ) consists of parametrized Pauli rotations and constant Clifford gates (any tying of the "
                  "angles); moving the Cliffords to the input side leaves Pauli rotations exp(-iθ P'/2), P' = C_k P C_k† "
                  "with C_k the Cliffords after the rotation, acting after one Clifford C on the input state"),
    AssumptionKey("clifford_and_pauli_rotations",
                  "every constant gate is Clifford; every parametrized gate is a Pauli rotation exp(-i(±θ+c)P/2) "
                  "with its own θ, uniform on [0, 2π)"),
    AssumptionKey("single_pauli_rotation_on_visible",
                  "θ_k occurs in exactly one gate exp(-i(±θ_k + c)P/2) of the trainable circuit, which acts on the "
                  "visible qubits only (by construction: V = qubits of the ansatz and of O), and at least one qubit "
                  "is hidden (touched only by the embedding)"),
    # --- ansatz structure (read from circuits.BlockTag block tags)
    AssumptionKey("alternating_layered_ansatz",
                  "V(θ) is an alternating layered ansatz: L layers of m-qubit blocks (m even), odd layers shifted by "
                  "m/2 with open boundaries, θ_k inside one block"),
    AssumptionKey("blocks_cover_all_qubits",
                  "every gate of V(θ) lies in a tagged block and every qubit lies in some block"),
    AssumptionKey("layered_blocks", "layered m-qubit blocks, the first layer covering every qubit, input |0…0⟩"),
    AssumptionKey("tensor_product_ansatz", "V(θ) is one layer of disjoint s-qubit blocks (n = s·ξ)"),
    AssumptionKey("parameter_in_block", "θ_k belongs to one block h"),
    AssumptionKey("qcnn_structure",
                  "V(θ) is the QCNN of circuits.qcnn (convolution + pooling two-qubit blocks, log₂ n levels)"),
    # --- randomness of the circuit (declarable: no finite check proves them in general)
    AssumptionKey("blocks_are_2_designs",
                  "every block of V(θ), and both parts W_A, W_B of θ_k's block, is drawn independently from a "
                  "local unitary 2-design (Model.two_design_blocks=True declares it)",
                  declarable=True, implies=("block_sides_two_designs",)),
    AssumptionKey("block_sides_two_designs",
                  "inside θ_k's block, the gates before (W_B) and after (W_A) θ_k are independent local 2-designs",
                  declarable=True),
    AssumptionKey("v_minus_two_design",
                  "V_- (all gates before θ_k, on all n qubits) is drawn from a unitary 2-design", declarable=True),
    AssumptionKey("v_plus_two_design",
                  "V_+ (all gates after θ_k, on all n qubits) is drawn from a unitary 2-design, independent of V_-",
                  declarable=True),
    AssumptionKey("global_two_design",
                  "both V_- and V_+ (all gates before / after θ_k, on all n qubits) are independent unitary "
                  "2-designs (declaration shorthand)", declarable=True,
                  implies=("v_minus_two_design", "v_plus_two_design")),
    AssumptionKey("deep_circuit",
                  "the circuit is deep enough to be Haar-distributed on its dynamical Lie group e^g (on both sides "
                  "of θ_k for the gradient; = SU(2^n) when the circuit is controllable) — declare it when it holds",
                  declarable=True),
    AssumptionKey("controllable",
                  "the DLA of the circuit (generators read through its Clifford gates) is su(2^n): "
                  "dim g = 4^n − 1 (computed up to a size limit, declarable beyond it)", declarable=True),
    # --- observable / cost
    AssumptionKey("block_local_cost",
                  "O = c_0 1 + Σ_i c_i Ô_i^{μ_i} ⊗ Ô_i^{μ'_i} (Cerezo et al. 2021, Eq. (16)): Pauli products on "
                  "m/2 + m/2 qubits, each term inside one aligned S_k = [k m, (k+1) m) or straddling the last m/2 "
                  "qubits of S_k and the first m/2 of S_k+1"),
    AssumptionKey("local_projector_cost",
                  "O = O_L = (1/n) Σ_j |0⟩⟨0|_j (projector normalisation; = 1/2 + (1/2n) Σ_j Z_j)"),
    AssumptionKey("local_cost_z", "O = (1/n) Σ_j Z_j (Pauli-Z normalisation, up to a constant)"),
    AssumptionKey("global_projector_cost",
                  "O = c_0 1 + c_1 ⊗_k Ô_1k with every Ô_1k a non-trivial projector (rank r_k) on the aligned "
                  "subsystem S_k (Eq. (10) with N = 1, case (i) of Theorem 1)"),
    AssumptionKey("global_traceless_cost",
                  "O = c_0 1 + Σ_i c_i ⊗_k Ô_ik with every Ô_ik traceless on S_k (Eq. (10), case (ii) of "
                  "Theorem 1): every Pauli term acts non-trivially on every aligned S_k"),
    AssumptionKey("observable_block_local", "every observable term acts inside one block"),
    AssumptionKey("pauli_observable", "the observable is c_O·Q (+ a constant) with Q one Pauli string"),
    AssumptionKey("observable_in_dla", "O ∈ i·g (up to a multiple of the identity)"),
    AssumptionKey("linear_cost", "the cost is linear in the outputs: C = Σ_i u_i Tr[V ρ_i V† O]"),
    # --- loss
    AssumptionKey("loss_mse", "the loss is the mean squared error f = (ℓ − y)²"),
    AssumptionKey("loss_nll", "the loss is the negative log-likelihood f = −log p_y with p_y = ℓ (or 1 − ℓ)"),
    AssumptionKey("loss_linear", "the loss is linear, f = y·ℓ"),
    AssumptionKey("p_min_positive", "label probabilities satisfy p ≥ p_min > 0"),
    AssumptionKey("per_datapoint_moments", "Var[∂ℓ_i] and E[∂ℓ_i] are known for every data point"),
    # --- input states / data
    AssumptionKey("zero_input", "the input state is |0…0⟩ (no data embedding)"),
    AssumptionKey("product_embedding", "the embedding has no entangling gate (e.g. TPE)"),
    AssumptionKey("embedded_data", "the model embeds at least two data points as pure states (or extra['states'])"),
    AssumptionKey("pure_data_states",
                  "the embedded data states are pure, ρ(x) = |ψ(x)⟩⟨ψ(x)| (the fidelity kernel is then "
                  "|⟨ψ(x)|ψ(x')⟩|² and the Haar reference is the pure-state 2-design)"),
    AssumptionKey("embedding_two_design", "the embedded data states form a state 2-design (Haar-like)",
                  declarable=True),
    AssumptionKey("haar_random_states",
                  "the input states are Haar-random (volume-law entangled) on visible ⊗ hidden qubits",
                  declarable=True),
    # --- noise
    AssumptionKey("local_pauli_noise",
                  "local Pauli noise N_j(σ) = q_σ σ with max|q_σ| <= q < 1 acts on every qubit on the input state "
                  "and after each of the L layers (declared through values['q'])"),
    AssumptionKey("unital_hs_contractive_noise",
                  "a unital single-qubit channel N (extra['noise']) acts on every qubit after every moment, with HS "
                  "contraction q = ‖Bloch matrix of N‖ < 1; input |0…0⟩"),
    AssumptionKey("hs_contractive_noise",
                  "a single-qubit channel N (extra['noise'], unital or not) acts on every qubit after every moment, "
                  "and the layer N^{⊗n} is HS-contractive: q_n < 1 on traceless operators; input |0…0⟩"),
    AssumptionKey("truncation_depth",
                  "0 <= ℓ <= M: the truncated circuit is the last ℓ moments run on |0…0⟩ (values['ell'])"),
    AssumptionKey("two_design_noise_layers",
                  "the circuit is L layers, each an independent unitary 2-design on all n qubits followed by the "
                  "single-qubit channel extra['noise'] on every qubit; input |0…0⟩ (declared)", declarable=True),
    AssumptionKey("z_nonunital_noise",
                  "a single-qubit channel N (extra['noise']) acts on every qubit after every moment with "
                  "Tr[Z N(ρ)] = λ Tr[Zρ] + t_z (no X/Y admixture into Z) and t_z ≠ 0 (non-unital along z: amplitude "
                  "damping, generalized amplitude damping with p ≠ 1/2); input |0…0⟩, no embedding"),
    AssumptionKey("late_xy_rotation",
                  "θ_k occurs in exactly one gate, an X or Y rotation exp(-i(±θ_k + c)P/2) on one qubit j, and every "
                  "operation in the moments after it is diagonal in the computational basis (RZ, CZ, ZZ, …)"),
    AssumptionKey("z_sum_observable",
                  "O = c_0 + Σ_i c_i Z_i: every non-identity term is a single-qubit Z (any normalisation)"),
    AssumptionKey("z_history_randomized",
                  "walking back from θ_k's moment, qubit j meets only gates commuting with Z_j until the input |0⟩ "
                  "or an X/Y rotation exp(-i(±θ_a + c)P/2) on j whose θ_a occurs in no other gate"),
    AssumptionKey("unital_noisy_embedding",
                  "a unital single-qubit channel (extra['noise'], HS contraction q < 1) acts on every qubit after "
                  "every moment of the data embedding U(x); ρ(x) is the noisy embedded state of |0…0⟩"),
    AssumptionKey("product_embedding_disjoint_features",
                  "every embedding gate acts on one qubit and no feature enters two qubits: ρ(x) = ⊗_k ρ_k(x_{F_k}) "
                  "with disjoint feature sets F_k"),
    AssumptionKey("independent_features",
                  "x and x' are independent draws of a distribution under which the features are independent, each "
                  "distributed as its column of the dataset (declared; the empirical joint distribution of a dataset "
                  "is generally not of this form)", declarable=True),
    # --- data re-uploading (issue 18, theoremsA)
    AssumptionKey("absorbable_data_gates",
                  "re-uploading model: every data gate is a Pauli rotation exp(-iφ(x)P/2) next to (no other gate on "
                  "its qubits in between, except data rotations about the same P) a trainable rotation "
                  "exp(-i(aθ_j + c)P/2) about the same Pauli string, a a nonzero integer, θ_j in no other gate, all "
                  "trainable angles independent and uniform on [0, 2π)"),
    AssumptionKey("relative_error_two_design",
                  "the ensemble of V(θ) over θ is an ε-approximate unitary 2-design in relative error, "
                  "(1−ε)Φ_Haar ≼ Φ_V ≼ (1+ε)Φ_Haar on two copies (e.g. two layers of 2ξ-qubit patch 2-designs, "
                  "Schuster et al. 2024; ε is given as values['epsilon'])", declarable=True),
)

CATALOGUE: Mapping[str, AssumptionKey] = MappingProxyType({e.key: e for e in _ENTRIES})
"""Every assumption key of the registered theorems, by key."""

DEPRECATED_KEYS: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType({
    "local_cost": (("block_local_cost", "local_projector_cost"),
                   "'local_cost' is deprecated: it named two different hypotheses; use 'block_local_cost' "
                   "(Cerezo et al. 2021, Eq. (16), m-local terms of an alternating layered ansatz) or "
                   "'local_projector_cost' (Thanasilp et al., O_L = (1/n) Σ_j |0⟩⟨0|_j)"),
})
"""Old key -> (the keys it now stands for, the deprecation line).  Accepted for one release."""


def _check_catalogue() -> None:
    if len(CATALOGUE) != len(_ENTRIES):
        raise ValueError("duplicate key in the assumption catalogue")
    for e in _ENTRIES:
        for k in e.implies:
            if k not in CATALOGUE:
                raise ValueError(f"assumption {e.key!r} implies unknown key {k!r}")
    for old, (new, _) in DEPRECATED_KEYS.items():
        if old in CATALOGUE or not set(new) <= set(CATALOGUE):
            raise ValueError(f"deprecated key {old!r} must map to catalogue keys only")


_check_catalogue()


def meaning(key: str) -> str:
    """The catalogue's meaning of ``key``.

    Raises
    ------
    KeyError : an unknown key (the message lists the known ones).
    """
    try:
        return CATALOGUE[key].meaning
    except KeyError:
        raise KeyError(f"unknown assumption key {key!r}; known keys: {', '.join(sorted(CATALOGUE))}") from None


def assumption(key: str, check: Optional[CheckFn] = None, latex: str = "") -> Assumption:
    """The :class:`~bpcalc.bounds.bound.Assumption` ``key`` with the catalogue's meaning as its text.

    Parameters
    ----------
    key : a key of :data:`CATALOGUE`.
    check : ``check(context) -> (holds, reason)``; ``None`` means the assumption holds only
        when declared (allowed for declarable keys only).
    latex : optional LaTeX form.

    Raises
    ------
    KeyError : unknown key.
    ValueError : ``check=None`` for a key that cannot be declared (it could never hold).
    """
    entry = CATALOGUE.get(key)
    if entry is None:
        meaning(key)  # raises the KeyError listing the known keys
    if check is None and not entry.declarable:
        raise ValueError(f"assumption {key!r} is not declarable, so it needs a check")
    return Assumption(key, entry.meaning, check, latex)


def resolve_declared(keys: Iterable[str]) -> tuple[frozenset, tuple[str, ...]]:
    """Declared keys with deprecated ones replaced and implications added.

    Returns ``(keys, notes)``: the keys to put in ``Context.declared`` and one deprecation
    line per deprecated key used.  Unknown keys pass through unchanged (user theorems may
    define their own).
    """
    out: set[str] = set()
    notes: list[str] = []
    for k in keys:
        if k in DEPRECATED_KEYS:
            new, note = DEPRECATED_KEYS[k]
            out.update(new)
            if note not in notes:
                notes.append(note)
        else:
            out.add(k)
    todo = list(out)
    while todo:
        entry = CATALOGUE.get(todo.pop())
        for k in entry.implies if entry is not None else ():
            if k not in out:
                out.add(k)
                todo.append(k)
    return frozenset(out), tuple(notes)
