"""Noise-induced barren plateaus with 2-design layers (Schumann, Wilhelm, Ciani 2023).

Setting (the paper's second case, "the parameterized quantum circuit at each layer forms a unitary
2-design"): ``L`` layers, layer ``l`` = a unitary ``U_l`` drawn from a unitary 2-design on all ``n``
qubits (independently per layer), followed by a single-qubit channel ``N`` on every qubit
(``extra["noise"]``); input ``|0…0⟩``; cost ``C = Tr[O Φ(|0⟩⟨0|)]``.  ``d = 2^n``.

``schumann2023.two_design_layers`` (exact, every CPTP ``N``, unital or not)::

    Var_U[C] = Δ(N†(O)) · p_{L−1} / (d² − 1),
    p_{L−1} = f^{L−1} (1 − 1/d) + g (1 − f^{L−1}) / (1 − f),

with ``N† `` the Heisenberg picture of ``N^{⊗n}``, ``Δ(A) = Tr Â²`` (``Â`` the traceless part) and the
layer constants of ``N^{⊗n}`` (exact, :func:`layer_constants`)::

    f = Σ_{P≠I} ‖N^{⊗n}(P)‖₂² / (d (d² − 1)) = ((Σ_p c_p)^n − c_I^n) / (4^n − 1),   c_p = Σ_q R_qp²,
    g = ‖N^{⊗n}(1/d) − 1/d‖₂² = ((1 + ‖t‖²)/2)^n − 2^{−n},

``R`` the single-qubit Pauli transfer matrix and ``t`` its translation (``g = 0`` for unital noise).
Unital noise: ``Var ∝ f^{L−1}`` decays exponentially in the number of layers on top of the ``1/d``
of the 2-design (a noise-induced barren plateau); non-unital noise: the purity floor ``g/(1 − f)``
keeps the variance at ``Δ(N†O) g /((1 − f)(d² − 1))``, still exponentially small in ``n``.

Derivation (bpcalc).  ``σ_l`` = the state after ``l`` layers, ``p_l = E‖σ_l − 1/d‖₂²``.  For a
2-design ``U`` and any Hermitian ``A``, ``E_U Tr[A UσU†] = Tr A/d`` and
``Var_U Tr[A UσU†] = Δ(A) ‖σ − 1/d‖₂² / (d² − 1)``; with ``A = N†(O)`` and ``σ = σ_{L−1}`` (independent of
``U_L``) the mean does not depend on ``σ``, hence ``Var[C] = Δ(A) p_{L−1}/(d² − 1)``.  One layer:
``N(UσU†) − 1/d = [N(1/d) − 1/d] + N(U σ̂ U†)`` (both traceless, ``N`` trace preserving); the cross term
averages to zero (``E_U Uσ̂U† = 0``) and ``E_U ‖N(Uσ̂U†)‖₂² = f ‖σ̂‖₂²`` (the 2-design twirl of the
traceless sector is ``Π/(d² − 1)``), so ``p_l = f p_{l−1} + g`` exactly, ``p_0 = 1 − 1/d``.

Notes
-----
Source: the abstract of arXiv:2310.08405 (v3 and the ar5iv rendering, in the page corpus): NIBPs for
arbitrary CPTP layers "1) when a parameter-shift rule holds, 2) when the parameterized quantum circuit at
each layer forms a unitary 2-design".  The theorem text and its constants were not accessible; the exact
variance above is derived in bpcalc (``source="derived"``).  The first case (parameter-shift rule,
arbitrary CPTP layers) is what :mod:`.singkanipa2024` registers in Hilbert–Schmidt form.  The 2-design
layers are a declared hypothesis (``two_design_noise_layers``): no check establishes them on a circuit.

Examples
--------
>>> import cirq
>>> f, g = layer_constants(cirq.depolarize(0.03), 1)
>>> round(f, 6), g                  # one qubit: f = (1 − 4p/3)², unital: g = 0
(0.9216, 0.0)
>>> f, g = layer_constants(cirq.amplitude_damp(0.5), 1)
>>> round(f, 6), round(g, 6)        # f = (2(1 − γ) + (1 − γ)²)/3, g = γ²/2
(0.416667, 0.125)

References
----------
.. [1] M. Schumann, F. K. Wilhelm, A. Ciani, "Emergence of noise-induced barren plateaus in arbitrary
   layered noise models", arXiv:2310.08405 (v3).
"""

from __future__ import annotations

import itertools
from typing import Any

import cirq
import numpy as np
import sympy

from ..assumptions import assumption
from ..bound import AssumptionFailed, Bound, Citation, sym
from ..registry import Context, Theorem, Verification
from . import _checks
from .noise_layers import declared_noise, pauli_transfer_matrix

__all__ = ["THEOREMS", "TWO_DESIGN_LAYERS", "layer_constants", "heisenberg_delta"]

n = sym("n")
L = sym("L")
f_s = sympy.Symbol("f", nonnegative=True)
g_s = sympy.Symbol("g", nonnegative=True)
Delta_A = sympy.Symbol("Delta_A", nonnegative=True)

MAX_QUBITS = 30
"""Largest ``n`` evaluated (the Heisenberg image of each term has up to ``4^weight`` Pauli strings)."""

CITATION = Citation(
    authors="Schumann, Wilhelm, Ciani",
    title="Emergence of noise-induced barren plateaus in arbitrary layered noise models",
    arxiv="2310.08405",
    year=2023,
    locator="case 2 of the abstract: every layer a unitary 2-design, arbitrary CPTP noise (arXiv v3); theorem "
            "number not read",
    note="abstract read (v3, ar5iv); theorem text not accessible; exact variance derived in bpcalc in the paper's "
         "setting",
)

_PAULI_NAMES = (None, cirq.X, cirq.Y, cirq.Z)


def layer_constants(channel: Any, n_qubits: int) -> tuple[float, float]:
    """``(f, g)`` of the layer ``N^{⊗n}`` (see the module docstring; exact).

    Raises
    ------
    ValueError : bad channel or ``n_qubits < 1``.
    """
    if not isinstance(n_qubits, (int, np.integer)) or n_qubits < 1:
        raise ValueError(f"n_qubits must be a positive integer, got {n_qubits!r}")
    r = pauli_transfer_matrix(channel)
    c = (r**2).sum(axis=0)                       # c_p = Σ_q R_qp²
    d2 = 4.0**n_qubits
    f = (float(c.sum()) ** n_qubits - float(c[0]) ** n_qubits) / (d2 - 1)
    t2 = float((r[1:, 0] ** 2).sum())
    g = ((1 + t2) / 2) ** n_qubits - 2.0**-n_qubits
    return f, max(g, 0.0)


def heisenberg_delta(observable: cirq.PauliSum, channel: Any, qubits: Any) -> float:
    """``Δ(N†(O)) = d Σ_{Q≠I} a_Q²`` with ``N†(O) = Σ_Q a_Q Q`` the Heisenberg image under ``N^{⊗n}``."""
    r = pauli_transfer_matrix(channel)
    index = {q: i for i, q in enumerate(qubits)}
    image: dict = {}
    for term in observable:
        coeff = complex(term.coefficient)
        ops = {index[q]: _PAULI_NAMES.index(p) for q, p in term.items()}
        sites = sorted(ops)
        rows = [[(j, r[ops[s], j]) for j in range(4) if abs(r[ops[s], j]) > 0] for s in sites]
        for combo in itertools.product(*rows):
            key = tuple((s, j) for s, (j, _) in zip(sites, combo) if j)
            value = coeff * float(np.prod([v for _, v in combo])) if combo else coeff
            image[key] = image.get(key, 0.0) + value
    d = 2.0 ** len(qubits)
    return float(d * sum(abs(v) ** 2 for k, v in image.items() if k))


TWO_DESIGN_LAYERS = assumption("two_design_noise_layers")


def _substitutions(ctx: Context) -> dict[str, Any]:
    model = ctx.model
    if model is None:
        return {}
    noise = declared_noise(ctx)
    if noise is None:
        raise AssumptionFailed("no noise channel declared (extra['noise'] = a single-qubit cirq channel)")
    nq = model.n_qubits
    if nq > MAX_QUBITS:
        raise AssumptionFailed(f"evaluated up to n = {MAX_QUBITS} qubits, got {nq}")
    f, g = layer_constants(noise, nq)
    if not f < 1 - 1e-12:
        raise AssumptionFailed(f"{noise} does not contract the traceless sector (f = {f:.6g}): a unitary channel")
    return {"n": nq, "f": f, "g": g, "Delta_A": heisenberg_delta(model.observable, noise, model.qubits)}


_P = f_s ** (L - 1) * (1 - 2**-n) + g_s * (1 - f_s ** (L - 1)) / (1 - f_s)
_TESTS = "tests/bounds/theorems/test_schumann2023.py"

TWO_DESIGN_NOISE = Theorem(
    key="schumann2023.two_design_layers",
    title="2-design layers with noise: Var[C] = Δ(N†O) (f^{L−1}(1 − 1/d) + g(1 − f^{L−1})/(1 − f))/(d² − 1)",
    citation=CITATION,
    bounds=(
        Bound("loss_variance", "exact", Delta_A * _P / (4**n - 1), r"\operatorname{Var}_{U}[\tilde{C}]",
              {"Delta_A": "Δ(N†(O)), the squared HS norm of the traceless part of the observable's Heisenberg image "
                          "under one noise layer",
               "f": "((Σ_p c_p)^n − c_I^n)/(4^n − 1), c_p = Σ_q R_qp² (R the channel's Pauli transfer matrix): the "
                    "mean contraction of ‖σ − 1/d‖₂² per 2-design layer",
               "g": "‖N^{⊗n}(1/d) − 1/d‖₂² = ((1 + ‖t‖²)/2)^n − 2^{-n} (0 for unital noise)",
               "L": "number of layers (2-design, then noise on every qubit); values['L']"},
              citation=CITATION, latex_names={"Delta_A": r"\Delta_A"},
              notes="Exact for independent 2-design layers; unital noise: ∝ f^{L−1}, exponentially small in L."),
    ),
    assumptions=(TWO_DESIGN_LAYERS,),
    substitutions=_substitutions,
    verification=Verification(
        "verified",
        f"{_TESTS}::test_layer_constants_against_dense_superoperators, {_TESTS}::test_one_qubit_clifford_layers_exact, "
        f"{_TESTS}::test_two_qubit_haar_layers_sampled",
        "Derived in bpcalc (abstract-level source). Check: f, g against dense 4^n × 4^n superoperators (n = 1, 2); "
        "one qubit: every sequence of L = 1-3 single-qubit Cliffords (an exact 2-design) with amplitude damping, "
        "generalized amplitude damping, depolarizing noise, density matrices: equality to 1e-12; two qubits: 2500 "
        "Haar-random circuits per L = 1, 3 (seeded), within 5 standard errors.",
        source="derived",
    ),
    statement="If each of L layers is a unitary 2-design on all n qubits followed by a single-qubit channel N on every "
              "qubit (input |0…0⟩), Var_U[C] = Δ(N†(O)) p_{L−1}/(d² − 1) with p_{L−1} = f^{L−1}(1 − 1/d) + "
              "g(1 − f^{L−1})/(1 − f): unital noise adds an exponential decay in L (a noise-induced barren plateau) "
              "to the 2-design's 1/d; non-unital noise stops at a purity floor g/(1 − f). Observable normalisation: "
              "any O through Δ(N†(O)) (O → cO scales the variance by c²).",
    scope="loss",
    tags=("noise", "two-design", "depth", "exact"),
)

THEOREMS = (TWO_DESIGN_NOISE,)
