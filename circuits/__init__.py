"""bpcalc.circuits — Cirq circuits for QML trainability analysis.

Ansätze, data embeddings, observables, datasets, the :class:`Model`, circuit graphs and
light cones, and the recognition of Pauli rotations.  This package imports neither
``bounds`` nor ``verify``.
"""

from .ansatz import (
    ANSATZ_ALIASES,
    ANSATZE,
    ENTANGLERS,
    ROTATIONS,
    alternating_layered,
    entangling_pairs,
    ansatz_key,
    hardware_efficient,
    make_ansatz,
    qcnn,
    tensor_product,
)
from .blocks import (
    Block,
    BlockTag,
    block_operations,
    block_structure,
    block_tag,
    block_tags,
    operations_outside_blocks,
    strip_block_tags,
)
from .datasets import DATASETS, Dataset, load_dataset, load_dataset_file, make_dataset, uniform_random
from .embeddings import (
    EMBEDDINGS,
    classically_hard_embedding,
    data_resolver,
    embed,
    hardware_efficient_embedding,
    make_embedding,
    tensor_product_embedding,
    validate_data,
)
from .graph import (
    LightCone,
    ParameterLightCone,
    backward_light_cone,
    circuit_graph,
    forward_light_cone,
    parameter_light_cone,
    parameter_light_cones,
    pauli_basis,
)
from .model import LOSSES, Model
from .parametrize import ANGLE_KINDS, AngleParameter, angle_kind, parametrize_angles, split_kinds
from .observables import (
    Locality,
    as_pauli_sum,
    check_observable_on_circuit,
    global_cost,
    global_projector,
    local_cost,
    locality,
    observable_qubits,
    parse_pauli_sum,
)
from .rotations import (
    EXPONENT_CONVENTIONS,
    HALF_TURN_PERIOD,
    RADIAN_PERIOD,
    AffineAngle,
    ParameterConvention,
    PauliRotation,
    affine_angle,
    as_pauli_rotation,
    average_grid,
    is_clifford_operation,
    parameter_convention,
)
from .symbols import data_symbols, parameter_symbols, sort_symbols, symbol_occurrences, symbols_matching
from ._validation import require_circuit, require_unitary_circuit

__all__ = [name for name in dir() if not name.startswith("_")]
from .io import SymbolRoles, circuit_from_qasm_text, classify_symbols, load_circuit, load_factory

__all__ = [name for name in dir() if not name.startswith("_")]
