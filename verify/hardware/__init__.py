"""bpcalc.verify.hardware — the Google-hardware path.

Place and route a circuit on a Google processor (:func:`route_on_device`), compile it to
the device's target gateset with its sympy parameters kept symbolic
(:func:`compile_for_device`), validate it with plain-words violations
(:func:`validate_for_device`), write it in Google's formats and read it back
(:func:`export_compiled`, :func:`write_circuit`, :func:`read_circuit`), and run the
gradient-variance experiment through any ``cirq.Sampler`` (:func:`run_gradient_experiment`).

One module per job: ``devices`` (targets), ``placement`` (placement and routing),
``compile`` (gatesets, symbolic forms, equivalence), ``validate``, ``serialize``,
``export``, ``experiment`` (samplers and runs).
"""

from .devices import GATESETS, HardwareTarget, load_target, read_device_specification, virtual_processors
from .placement import PLACEMENTS, RoutedCircuit, interaction_graph, place_qubits, route_on_device
from .compile import (
    CompiledCircuit,
    compile_for_device,
    decompose_symbolic_gates,
    equivalence_error,
    gateset_violations,
    merge_z_rotations,
    symbolic_rotations_to_phxz,
)
from .validate import VIOLATION_KINDS, ValidationReport, Violation, validate_for_device
from .serialize import (
    FORMATS,
    RoundTripReport,
    compare_circuits,
    from_program_proto,
    read_circuit,
    to_program_proto,
    write_circuit,
)
from .export import PROTO_NOTES, ExportResult, export_compiled
from .experiment import (
    GradientExperimentResult,
    noise_data_covers,
    noise_induced_bound,
    processor_sampler,
    run_gradient_experiment,
)

__all__ = [
    "GATESETS", "HardwareTarget", "load_target", "read_device_specification", "virtual_processors",
    "PLACEMENTS", "RoutedCircuit", "interaction_graph", "place_qubits", "route_on_device",
    "CompiledCircuit", "compile_for_device", "decompose_symbolic_gates", "equivalence_error",
    "gateset_violations", "merge_z_rotations", "symbolic_rotations_to_phxz",
    "VIOLATION_KINDS", "ValidationReport", "Violation", "validate_for_device",
    "FORMATS", "RoundTripReport", "compare_circuits", "from_program_proto", "read_circuit",
    "to_program_proto", "write_circuit",
    "PROTO_NOTES", "ExportResult", "export_compiled",
    "GradientExperimentResult", "noise_data_covers", "noise_induced_bound",
    "processor_sampler", "run_gradient_experiment",
]
