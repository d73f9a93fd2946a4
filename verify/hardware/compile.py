"""Compile a placed circuit to a Google target gateset, keeping sympy parameters symbolic.

``cirq.optimize_for_target_gateset`` compiles every unparametrized gate but leaves
symbolic ``Ry``/``Rz``/``Rx`` (and symbolic two-qubit gates) untouched, so its output is
not in the target gateset, and a symbolic ``CZ**t`` or ``ZZ**t`` is refused by Google
devices.  :func:`compile_for_device` closes the gap:

1. symbolic multi-qubit Pauli rotations ``exp(-iθP/2)`` (``ZZPowGate``, ``XXPowGate``,
   ``PauliStringPhasor``) and symbolic ``CZPowGate`` are decomposed into fixed Clifford
   gates and symbolic single-qubit ``Z`` rotations; any other wide gate is decomposed into
   one- and two-qubit gates;
2. the circuit is placed and routed (:func:`bpcalc.verify.hardware.route_on_device`);
3. ``cirq.optimize_for_target_gateset`` compiles the fixed gates (SWAPs included);
4. every symbolic single-qubit Pauli rotation becomes a symbolic ``cirq.PhasedXZGate``
   (``Rx(θ) → PhXZ(a=0, x=θ/π, z=0)``, ``Ry(θ) → PhXZ(a=½, x=θ/π, z=0)``,
   ``Rz(θ) → PhXZ(a=0, x=0, z=θ/π)``; each equal up to a global phase), which every Google
   target gateset and device accepts;
5. neighbouring single-qubit gates where one is a ``Z`` rotation are merged exactly
   (``Z^t`` after ``PhXZ(a, x, z)`` is ``PhXZ(a, x, z+t)``; before it, ``PhXZ(a−t, x, z+t)``),
   so an ``Ry(θ) Rz(φ)`` layer costs one microwave gate.

The symbols keep their meaning: the compiled circuit is a function of the SAME ``θ`` as
the input (exponents are ``θ/π``), so a resolver for the input circuit resolves the
compiled one, and :func:`equivalence_error` checks that they agree (up to global phase and
the routing permutation) at resolved parameter values.
"""

from __future__ import annotations

import dataclasses

import cirq
import numpy as np
import sympy

from bpcalc.circuits import as_pauli_rotation

from .devices import DeviceLike, load_target
from .placement import RoutedCircuit, route_on_device

__all__ = [
    "CompiledCircuit",
    "compile_for_device",
    "decompose_symbolic_gates",
    "symbolic_rotations_to_phxz",
    "merge_z_rotations",
    "equivalence_error",
    "gateset_violations",
]


def _is_zero(value) -> bool:
    if isinstance(value, sympy.Basic):
        return value == 0
    return float(value) == 0.0


def _untag(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    return cirq.Circuit(cirq.Moment(op.untagged for op in moment) for moment in circuit)


def _keep_for_routing(op: cirq.Operation) -> bool:
    n = len(op.qubits)
    if cirq.is_measurement(op):
        return True
    return n == 1 or (n == 2 and not cirq.is_parameterized(op))


def _symbolic_wide_op(op: cirq.Operation) -> list[cirq.Operation]:
    """Fixed Cliffords + symbolic single-qubit Z rotations equal to ``op`` up to global phase."""
    gate = op.gate
    if type(gate) is cirq.CZPowGate and not cirq.is_parameterized(gate.global_shift):
        # CZ**t = Z_a**(t/2) Z_b**(t/2) ZZ**(-t/2)  (up to global phase)
        t = gate.exponent
        a, b = op.qubits
        zz = cirq.PauliStringPhasor(cirq.Z(a) * cirq.Z(b), exponent_neg=-t / 2, exponent_pos=0)
        return [cirq.Z(a) ** (t / 2), cirq.Z(b) ** (t / 2), *cirq.decompose(zz, keep=_keep_for_routing)]
    rotation = as_pauli_rotation(op)
    if rotation is None:
        raise ValueError(
            f"symbolic gate {op!r} cannot be compiled with its parameter kept symbolic: Google devices take "
            "symbols only in single-qubit gates. Express it with Pauli rotations (cirq.rx/ry/rz, ZZPowGate, "
            "cirq.PauliStringPhasor) or resolve its parameters first."
        )
    phasor = cirq.PauliStringPhasor(rotation.pauli, exponent_neg=rotation.angle / sympy.pi, exponent_pos=0)
    return list(cirq.decompose(phasor, keep=_keep_for_routing))


def decompose_symbolic_gates(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """Rewrite symbolic multi-qubit gates and gates on 3+ qubits as one- and two-qubit gates.

    Symbolic Pauli rotations on several qubits and symbolic ``CZPowGate`` become fixed
    Clifford gates around a symbolic single-qubit ``Z`` rotation; unparametrized gates on
    three or more qubits are decomposed by ``cirq.decompose``.  Tags are dropped.

    Raises
    ------
    ValueError : for a symbolic multi-qubit gate that is not a Pauli rotation or ``CZ**t``.
    """
    out = cirq.Circuit()
    for moment in _untag(circuit):
        ops: list[cirq.Operation] = []
        changed = False
        for op in moment:
            if _keep_for_routing(op):
                ops.append(op)
                continue
            changed = True
            if cirq.is_parameterized(op):
                ops.extend(_symbolic_wide_op(op))
            else:
                ops.extend(cirq.decompose(op, keep=_keep_for_routing))
        if changed:
            out.append(ops)
        else:
            out.append(cirq.Moment(ops))
    return out


def _phxz_of_rotation(op: cirq.Operation) -> cirq.Operation | None:
    gate = op.gate
    if type(gate) is cirq.PhasedXPowGate and gate.global_shift == 0:
        # Z^p X^e Z^-p = PhXZ(a=p, x=e, z=0), also for a symbolic phase exponent p
        return cirq.PhasedXZGate(axis_phase_exponent=gate.phase_exponent, x_exponent=gate.exponent, z_exponent=0).on(
            *op.qubits
        )
    rotation = as_pauli_rotation(op)
    if rotation is None or len(op.qubits) != 1:
        return None
    (q,) = op.qubits
    pauli = rotation.pauli.get(q)
    sign = 1 if complex(rotation.pauli.coefficient).real > 0 else -1
    t = sympy.sympify(rotation.angle) * sign / sympy.pi
    t = float(t) if not t.free_symbols else sympy.expand(t)
    if pauli == cirq.X:
        return cirq.PhasedXZGate(axis_phase_exponent=0, x_exponent=t, z_exponent=0).on(q)
    if pauli == cirq.Y:
        return cirq.PhasedXZGate(axis_phase_exponent=sympy.Rational(1, 2), x_exponent=t, z_exponent=0).on(q)
    return cirq.PhasedXZGate(axis_phase_exponent=0, x_exponent=0, z_exponent=t).on(q)


def symbolic_rotations_to_phxz(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """Replace symbolic single-qubit Pauli rotations by equal (up to phase) ``PhasedXZGate``s.

    ``Rx(θ) → PhXZ(a=0, x=θ/π, z=0)``, ``Ry(θ) → PhXZ(a=½, x=θ/π, z=0)``,
    ``Rz(θ), Z**t → PhXZ(a=0, x=0, z=θ/π)``, ``PhasedXPowGate(p, e) → PhXZ(a=p, x=e, z=0)``.
    Other operations are kept.
    """

    def convert(op: cirq.Operation, _: int) -> cirq.OP_TREE:
        if len(op.qubits) == 1 and cirq.is_parameterized(op):
            new = _phxz_of_rotation(op)
            if new is not None:
                return new
        return op

    return cirq.map_operations(circuit, convert).unfreeze(copy=False)


def _phxz_parts(op: cirq.Operation):
    """``(a, x, z)`` of a PhasedXZGate or of a single-qubit Z/X/Y rotation, else None."""
    if len(op.qubits) != 1:
        return None
    gate = op.gate
    if isinstance(gate, cirq.PhasedXZGate):
        return gate.axis_phase_exponent, gate.x_exponent, gate.z_exponent
    new = _phxz_of_rotation(op)
    if new is None:
        return None
    return new.gate.axis_phase_exponent, new.gate.x_exponent, new.gate.z_exponent


def merge_z_rotations(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """Merge a single-qubit ``Z`` rotation into a neighbouring ``PhasedXZGate`` exactly.

    With ``PhXZ(a, x, z) = Z^z Z^a X^x Z^{-a}``: ``Z^t`` after ``PhXZ(a, x, z)`` is
    ``PhXZ(a, x, z + t)`` and ``Z^t`` before it is ``PhXZ(a − t, x, z + t)``.  Only pairs
    with a symbolic member are merged (fixed pairs are the optimizer's job).
    """

    def merge(op1: cirq.Operation, op2: cirq.Operation) -> cirq.Operation | None:
        if len(op1.qubits) != 1 or op1.qubits != op2.qubits:
            return None
        if not (cirq.is_parameterized(op1) or cirq.is_parameterized(op2)):
            return None
        p1, p2 = _phxz_parts(op1), _phxz_parts(op2)
        if p1 is None or p2 is None:
            return None
        (a1, x1, z1), (a2, x2, z2) = p1, p2
        if _is_zero(x2):  # op2 is Z^z2
            a, x, z = a1, x1, z1 + z2
        elif _is_zero(x1):  # op1 is Z^z1
            a, x, z = a2 - z1, x2, z2 + z1
        else:
            return None
        simp = lambda v: sympy.expand(v) if isinstance(v, sympy.Basic) else v  # noqa: E731
        return cirq.PhasedXZGate(axis_phase_exponent=simp(a), x_exponent=simp(x), z_exponent=simp(z)).on(
            *op1.qubits
        )

    merged = cirq.merge_operations(circuit, merge)
    return cirq.drop_empty_moments(merged).unfreeze(copy=False)


def gateset_violations(circuit: cirq.AbstractCircuit, gateset: cirq.Gateset) -> list[cirq.Operation]:
    """Operations of ``circuit`` that are not in ``gateset``."""
    return [op for op in circuit.all_operations() if op not in gateset]


@dataclasses.dataclass(frozen=True)
class CompiledCircuit:
    """A circuit compiled for a Google processor.

    Attributes
    ----------
    circuit : the compiled circuit on the device's qubits, in the target gateset, with the
        input's sympy symbols (same meaning: resolve it with the input's resolver).
    logical : the input circuit (tags removed), the reference for equivalence checks.
    routed : placement and routing (maps, SWAP count).
    gateset : ``'cz'``, ``'sqrt_iswap'`` or ``'sycamore'``.
    processor : the target's name.
    outside_gateset : operations not in the target gateset (empty when compilation succeeded).
    """

    circuit: cirq.Circuit
    logical: cirq.Circuit
    routed: RoutedCircuit
    gateset: str
    processor: str
    outside_gateset: tuple[cirq.Operation, ...] = ()

    @property
    def in_target_gateset(self) -> bool:
        return not self.outside_gateset

    @property
    def two_qubit_gates(self) -> int:
        return sum(1 for op in self.circuit.all_operations() if len(op.qubits) == 2)

    @property
    def single_qubit_gates(self) -> int:
        return sum(1 for op in self.circuit.all_operations() if len(op.qubits) == 1)

    def map_observable(self, observable: object) -> cirq.PauliSum:
        """The logical observable on the physical qubits at the end of the compiled circuit."""
        return self.routed.map_observable(observable)

    def summary(self) -> dict:
        """Plain-data summary of placement, routing and compilation (for reports and JSON)."""
        logical_2q = sum(1 for op in self.logical.all_operations() if len(op.qubits) == 2)
        return {
            "processor": self.processor,
            "gateset": self.gateset,
            "logical": {
                "qubits": len(self.logical.all_qubits()),
                "moments": len(self.logical),
                "two_qubit_gates": logical_2q,
                "operations": sum(1 for _ in self.logical.all_operations()),
            },
            "compiled": {
                "qubits": len(self.circuit.all_qubits()),
                "moments": len(self.circuit),
                "two_qubit_gates": self.two_qubit_gates,
                "single_qubit_gates": self.single_qubit_gates,
                "symbols": sorted(s.name for s in cirq.parameter_symbols(self.circuit)),
                "in_target_gateset": self.in_target_gateset,
                "outside_gateset": [str(op) for op in self.outside_gateset],
            },
            "routing": self.routed.summary(),
        }


def compile_for_device(
    circuit: cirq.AbstractCircuit,
    target: DeviceLike,
    gateset: str | None = None,
    placement: str = "auto",
    merge: bool = True,
) -> CompiledCircuit:
    """Place, route and compile ``circuit`` for a Google processor, keeping symbols symbolic.

    Parameters
    ----------
    circuit : a unitary circuit (measurements allowed) on any qubits, with sympy parameters.
    target : processor name (``'rainbow'``), ``GridDevice``, spec proto/file or
        :class:`~bpcalc.verify.hardware.HardwareTarget`.
    gateset : ``'cz'``, ``'sqrt_iswap'`` or ``'sycamore'`` (``None``: the device's first).
    placement : see :data:`bpcalc.verify.hardware.PLACEMENTS`.
    merge : merge symbolic Z rotations into neighbouring single-qubit gates.

    Returns
    -------
    CompiledCircuit

    Raises
    ------
    TypeError : if ``circuit`` is not a Cirq circuit.
    ValueError : unsupported gateset, a symbolic gate with no symbolic compilation, a
        placement that does not apply.

    Examples
    --------
    >>> from bpcalc.circuits import hardware_efficient
    >>> cc = compile_for_device(hardware_efficient(4, 1), "rainbow")
    >>> cc.in_target_gateset, cc.routed.n_swaps
    (True, 0)
    """
    if not isinstance(circuit, cirq.AbstractCircuit):
        raise TypeError(f"circuit must be a cirq.Circuit, got {type(circuit).__name__}")
    target = load_target(target)
    name, gs = target.gateset(gateset)
    logical = _untag(circuit)
    prepared = decompose_symbolic_gates(logical)
    routed = route_on_device(prepared, target, placement=placement)
    compiled = cirq.optimize_for_target_gateset(cirq.Circuit(_untag(routed.circuit)), gateset=gs)
    compiled = symbolic_rotations_to_phxz(compiled)
    if merge:
        compiled = merge_z_rotations(compiled)
    compiled = cirq.drop_empty_moments(compiled).unfreeze(copy=False)
    outside = tuple(gateset_violations(compiled, gs))
    return CompiledCircuit(
        circuit=compiled,
        logical=logical,
        routed=routed,
        gateset=name,
        processor=target.name,
        outside_gateset=outside,
    )


# ---------------------------------------------------------------------------------------
# equivalence on resolved parameters


def _error_up_to_phase(a: np.ndarray, b: np.ndarray) -> float:
    overlap = np.vdot(b.reshape(-1), a.reshape(-1))
    phase = overlap / abs(overlap) if abs(overlap) > 1e-12 else 1.0
    return float(np.max(np.abs(a - phase * b)))


def equivalence_error(
    compiled: CompiledCircuit,
    resolver: cirq.ParamResolverOrSimilarType,
    max_unitary_qubits: int = 10,
    rng: np.random.Generator | None = None,
) -> float:
    """Largest entry-wise deviation, up to global phase, between the resolved compiled circuit
    and the resolved input circuit placed on the device and followed by the routing permutation.

    Up to ``max_unitary_qubits`` qubits the full unitaries are compared; above, the final
    states of three inputs (``|0…0⟩`` and two random product states drawn from ``rng``).
    Measurements are removed before the comparison.
    """
    physical = sorted(compiled.routed.initial_map.values())
    expected = cirq.drop_terminal_measurements(compiled.logical) if compiled.logical.has_measurements() else compiled.logical
    actual = compiled.circuit
    if actual.has_measurements():
        actual = cirq.drop_terminal_measurements(actual)
    expected = cirq.resolve_parameters(expected.transform_qubits(compiled.routed.initial_map), resolver)
    actual = cirq.resolve_parameters(actual, resolver)
    if cirq.is_parameterized(expected) or cirq.is_parameterized(actual):
        raise ValueError("the resolver does not bind every symbol of the circuit")
    permutation = compiled.routed.permutation
    perm = [physical.index(permutation[q]) for q in physical]
    expected = expected + cirq.Circuit(cirq.QubitPermutationGate(perm).on(*physical))
    if len(physical) <= max_unitary_qubits:
        return _error_up_to_phase(
            actual.unitary(qubit_order=physical), expected.unitary(qubit_order=physical)
        )
    rng = rng if rng is not None else np.random.default_rng(0)
    worst = 0.0
    for k in range(3):
        prep = cirq.Circuit()
        if k:
            prep = cirq.Circuit(
                cirq.PhasedXZGate(
                    axis_phase_exponent=rng.uniform(-1, 1), x_exponent=rng.uniform(0, 1), z_exponent=rng.uniform(-1, 1)
                ).on(q)
                for q in physical
            )
        a = cirq.final_state_vector(prep + actual, qubit_order=physical)
        e = cirq.final_state_vector(prep + expected, qubit_order=physical)
        worst = max(worst, _error_up_to_phase(a, e))
    return worst
