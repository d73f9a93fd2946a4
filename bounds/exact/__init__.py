"""bpcalc.bounds.exact — exact gradient and loss variances without sampling the circuit.

Four engines (see the theory notes, §3–4):

* :mod:`~bpcalc.bounds.exact.pauli_paths` — Pauli-path propagation for circuits of Pauli
  rotations and Clifford gates (exact enumeration, truncation with a rigorous error bound, or
  unbiased path sampling with a confidence interval); other gates (``crz``, ``CZ**t``,
  ``FSimGate``, ``u3`` …) are written as Pauli rotations by
  :mod:`~bpcalc.bounds.exact.generators`, and a symbol driving several commuting rotations is
  averaged jointly by :mod:`~bpcalc.bounds.exact.ties`;
* :mod:`~bpcalc.bounds.exact.tensor_network` — the same pair propagation contracted as a matrix
  product state over qubits (exact far beyond enumeration: the averaged circuit is local);
* :mod:`~bpcalc.bounds.exact.two_design` — the Markov chain on supports for layered ansätze whose
  blocks are local 2-designs, and :mod:`~bpcalc.bounds.exact.two_design_tn` the same chain as an
  MPS over qubits ({1, SWAP} per qubit; ``design_gradient_variance`` picks the cheaper one);
* :mod:`~bpcalc.bounds.exact.lie_algebra` — dynamical Lie algebras of Pauli generators and the
  deep-circuit (Lie-algebraic) variance.
"""

from .paulis import PauliTable, anticommutes, pack_pauli_sum, pack_pauli_strings, product_phase, unpack_pauli
from .program import EXPONENT_CONVENTIONS, NoiseChannel, PauliPathProgram, channel_transfer_matrix, compile_program
from .program import MultiQubitChannel, OperationNoiseModel, multi_qubit_transfer_matrix
from .generators import PauliFactor, pauli_factors
from .ties import TieConvention, tie_convention
from .initialization import InitDistribution, resolve_init
from .results import GradientVarianceResult, LossVarianceResult
from .states import (
    InputStates,
    ProductStates,
    StateVectors,
    as_input_states,
    dataset_states,
    parse_product_state,
    product_state,
    zero_state,
)
from .embedded import EmbeddedStates, embedded_states
from .reuploading import exact_reuploading_gradient_variance
from .pauli_paths import (
    BudgetExceeded,
    circuit_symbols,
    exact_gradient_variance,
    exact_loss_variance,
    exact_model_gradient_variance,
    resolve_parameters,
)
from .tensor_network import tn_gradient_variance
from .two_design import (
    DesignBlock,
    block_gradient_variance,
    blocks_from_circuit,
    seed_r_ns,
    two_design_gradient_variance,
    two_design_loss_variance,
)
from .two_design_tn import design_gradient_variance, two_design_tn_gradient_variance
from .lie_algebra import (
    PauliLieAlgebra,
    circuit_generators,
    CliffordFrame,
    clifford_frame,
    dla_dimension,
    g_purity,
    lie_algebraic_gradient_variance,
    lie_algebraic_variance,
    lie_closure,
)

__all__ = [
    "NoiseChannel",
    "channel_transfer_matrix",
    "InitDistribution",
    "resolve_init",
    "PauliTable",
    "anticommutes",
    "pack_pauli_sum",
    "pack_pauli_strings",
    "product_phase",
    "unpack_pauli",
    "EXPONENT_CONVENTIONS",
    "PauliPathProgram",
    "compile_program",
    "MultiQubitChannel",
    "OperationNoiseModel",
    "multi_qubit_transfer_matrix",
    "PauliFactor",
    "pauli_factors",
    "TieConvention",
    "tie_convention",
    "GradientVarianceResult",
    "LossVarianceResult",
    "InputStates",
    "ProductStates",
    "StateVectors",
    "EmbeddedStates",
    "embedded_states",
    "exact_reuploading_gradient_variance",
    "as_input_states",
    "dataset_states",
    "product_state",
    "parse_product_state",
    "zero_state",
    "BudgetExceeded",
    "circuit_symbols",
    "exact_gradient_variance",
    "exact_loss_variance",
    "exact_model_gradient_variance",
    "resolve_parameters",
    "tn_gradient_variance",
    "DesignBlock",
    "block_gradient_variance",
    "blocks_from_circuit",
    "seed_r_ns",
    "two_design_gradient_variance",
    "two_design_loss_variance",
    "two_design_tn_gradient_variance",
    "design_gradient_variance",
    "PauliLieAlgebra",
    "circuit_generators",
    "CliffordFrame",
    "clifford_frame",
    "dla_dimension",
    "g_purity",
    "lie_algebraic_gradient_variance",
    "lie_algebraic_variance",
    "lie_closure",
]
