"""Build a :class:`circuits.Model` from a user's own circuit: files in, model out.

A researcher arrives with *their* circuit — a Cirq JSON file (``cirq.to_json``), an
OpenQASM 2/3 file (named angles become sympy symbols) or a Python factory
``module:function`` — and says which symbols are trainable and which are data.  This module
turns that into the :class:`circuits.Model` every analysis of bpcalc works on:

* :func:`load_user_circuit` — :func:`circuits.load_circuit` plus the checks a user needs:
  terminal measurements are dropped (with a note), an unknown QASM gate gets the list of
  supported gates and of what each engine accepts, empty circuits are refused;
* :func:`observable_from_spec` — ``"0.5*Z0*Z1 + X3"``, ``"local"`` or ``"global"``;
* :func:`split_embedding_ansatz` — cut the circuit into the data embedding ``U(x)`` (the
  causal past of every data gate) and the ansatz ``V(θ)``; a circuit with data re-uploading (a
  data gate after a trainable gate), which the seed paper's model ``V(θ)U(x)`` does not cover,
  becomes a ``Model(reuploading=True)`` analysed per data point by the exact engine;
* :func:`gate_support` — per operation: its role and which engine can handle it (the exact
  Pauli-path engine: Pauli rotations and Clifford gates; samplers: any unitary gate);
* :func:`prepare_model` / :func:`model_from_circuit` — all of the above in one call, with an
  optional built-in embedding (``tpe``/``hee``/``che``) and dataset;
* :func:`analyze_file` — :func:`prepare_model` followed by :func:`bpcalc.bounds.analysis.analyze`.

Examples
--------
>>> import cirq, sympy
>>> q = cirq.LineQubit.range(2)
>>> c = cirq.Circuit(cirq.rx(sympy.Symbol("x_0")).on(q[0]), cirq.ry(sympy.Symbol("theta_0")).on(q[0]),
...                  cirq.CZ(*q), cirq.ry(sympy.Symbol("theta_1")).on(q[1]))
>>> m = model_from_circuit(c, "Z1")
>>> [s.name for s in m.trainable_symbols], [s.name for s in m.data_symbols]
(['theta_0', 'theta_1'], ['x_0'])

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753, Sec. 2 (the model
   ``ℓ_i(θ) = Tr[V(θ) U(x_i)|0⟩⟨0|U(x_i)† V(θ)† O]``: embedding first, then the ansatz).
.. [2] S. Sim, P. D. Johnson, A. Aspuru-Guzik, "Expressibility and entangling capability of
   parameterized quantum circuits for hybrid quantum-classical algorithms",
   arXiv:1905.10876 (the circuits in ``examples/sim2019_*.qasm``).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Optional, Sequence

import cirq
import sympy

from bpcalc.circuits import (
    Dataset,
    Model,
    affine_angle,
    as_pauli_rotation,
    as_pauli_sum,
    check_observable_on_circuit,
    classify_symbols,
    global_cost,
    is_clifford_operation,
    load_circuit,
    local_cost,
    make_dataset,
    make_embedding,
    parse_pauli_sum,
)
from bpcalc.circuits.embeddings import EMBEDDINGS
from bpcalc.circuits.qiskit_io import circuit_from_qiskit, is_qiskit_circuit, is_qiskit_operator, pauli_sum_from_qiskit
from bpcalc.circuits.parametrize import ANGLE_KINDS, AngleParameter, parametrize_angles, split_kinds

from .exact.generators import PauliFactor, pauli_factors

__all__ = [
    "ENGINE_SCOPE",
    "QASM_GATES",
    "NAMED_OBSERVABLES",
    "OpSupport",
    "PreparedModel",
    "load_user_circuit",
    "observable_from_spec",
    "split_embedding_ansatz",
    "DataReuploading",
    "classify_operation",
    "gate_support",
    "unsupported_gate_message",
    "prepare_model",
    "model_from_circuit",
    "analyze_file",
    "EXPONENT_SYMBOL_TEXT",
    "exponent_convention_note",
]

EXPONENT_SYMBOL_TEXT = {
    "angle": "angle convention: a symbol t in an exponent (X^t, ZZ^t, TFQ style) is a half-turn count, "
             "t ~ U[0, 2) so the angle πt is uniform, and derivatives are taken by the angle πt (X^t gives the "
             "numbers of rx(φ))",
    "symbol": "symbol convention: a symbol t in an exponent (X^t, ZZ^t, TFQ style) is t ~ U[0, 2) and derivatives "
              "are taken by t itself (variances π² times those of the angle convention)",
}
"""One line per exponent convention (:data:`bpcalc.bounds.exact.EXPONENT_CONVENTIONS`), quoted in reports."""


def _in_exponent(op: cirq.Operation) -> bool:
    gate = op.untagged.gate if hasattr(op.untagged, "gate") else None
    if isinstance(gate, (cirq.Rx, cirq.Ry, cirq.Rz)):
        return False
    return isinstance(gate, cirq.EigenGate) or isinstance(op.untagged, cirq.PauliStringPhasor) or \
        isinstance(gate, (cirq.PhasedXPowGate, cirq.PauliStringPhasorGate))


def exponent_convention_note(circuit: cirq.AbstractCircuit, symbols: Sequence[sympy.Symbol],
                             convention: str = "angle") -> str:
    """One line naming the convention when the given symbols appear only in exponents, else ``''``.

    >>> import cirq, sympy
    >>> t = sympy.Symbol("t"); q = cirq.LineQubit(0)
    >>> exponent_convention_note(cirq.Circuit(cirq.X(q) ** t), [t])[:60]
    'every trainable symbol appears only in exponents (X^t): read'
    >>> exponent_convention_note(cirq.Circuit(cirq.rx(t).on(q)), [t])
    ''
    """
    if convention not in EXPONENT_SYMBOL_TEXT:
        raise ValueError(f"exponent_symbols must be one of {sorted(EXPONENT_SYMBOL_TEXT)}, got {convention!r}")
    wanted = set(symbols)
    if not wanted:
        return ""
    for op in circuit.all_operations():
        if cirq.parameter_symbols(op) & wanted and not _in_exponent(op):
            return ""
    return (f"every trainable symbol appears only in exponents (X^t): read with the {EXPONENT_SYMBOL_TEXT[convention]}; "
            "--exponent-symbols angle|symbol chooses")

ENGINE_SCOPE: dict[str, str] = {
    "exact": "exact Pauli-path engine (bounds.exact): Pauli rotations exp(-iθP/2) with angle c·θ + d "
    "(c a non-zero integer, each trainable symbol in one gate) and Clifford gates; data gates only "
    "in the embedding (simulated once per data point)",
    "sampling": "samplers (verify.sampling, Cirq simulators): trainable symbols in Pauli rotations exp(-iθP/2) "
    "with any affine angle c·θ + d (shared symbols allowed), and any constant or data-dependent unitary gate",
    "light cone": "light cones (circuits.graph): any gate; Pauli-conjugation refinement for gates on up "
    "to 3 qubits, others treated as opaque",
}
"""What each engine of bpcalc accepts (quoted in error messages and reports)."""

# OpenQASM gate names (qelib1.inc / stdgates.inc as read by Cirq) grouped by what the exact
# engine can do with them.  tests/bounds/test_from_files.py checks this table against
# classify_operation() on the operations Cirq actually builds.
QASM_GATES: dict[str, tuple[str, ...]] = {
    "Pauli rotations (exact engine + samplers)": ("rx", "ry", "rz", "rxx", "ryy", "rzz", "p", "t", "tdg"),
    "Clifford gates (exact engine + samplers)": (
        "id", "u0", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "CX", "cy", "cz", "swap", "iswap",
    ),
    "products of Pauli rotations (exact engine; samplers only with constant or data angles)": (
        "r", "u", "U", "u1", "u2", "u3", "ch", "cp", "crx", "cry", "crz", "csx", "ccx", "cswap", "rccx", "c3x",
        "c3sqrtx", "c4x",
    ),
    "other gates (samplers only, with constant or data angles; no engine differentiates a trainable angle in them)": (
        "cu", "cu1", "cu3", "rc3x",
    ),
}
"""OpenQASM gates Cirq's importer knows, grouped by engine support."""

NAMED_OBSERVABLES = ("local", "local-z", "global")


# ----------------------------------------------------------------------------- loading


def unsupported_gate_message(gate: str) -> str:
    """The explanation appended to an 'unknown gate' error: what is supported, by which engine."""
    lines = [f"gate {gate!r} is not supported. Supported OpenQASM gates (qelib1.inc / stdgates.inc):"]
    for group, names in QASM_GATES.items():
        lines.append(f"  {group}: {', '.join(names)}")
    lines.append("Engines: " + "; ".join(f"{k}: {v}" for k, v in ENGINE_SCOPE.items()))
    lines.append("Define the gate with a 'gate' block from supported gates, or pass a Cirq JSON / Python factory.")
    return "\n".join(lines)


def _drop_terminal_measurements(circuit: cirq.Circuit, source: str) -> tuple[cirq.Circuit, tuple[str, ...]]:
    if not circuit.has_measurements():
        return circuit, ()
    if not circuit.are_all_measurements_terminal():
        for m, moment in enumerate(circuit):
            for op in moment:
                if cirq.is_measurement(op) and not circuit.are_all_matches_terminal(lambda o: o is op):
                    raise ValueError(
                        f"{source}: mid-circuit measurement {op} in moment {m}; bpcalc analyses unitary "
                        "circuits (terminal measurements are ignored)"
                    )
    stripped = cirq.Circuit(
        cirq.Moment(op for op in moment if not cirq.is_measurement(op)) for moment in circuit
    )
    stripped = cirq.Circuit(m for m in stripped if len(m))
    return stripped, (f"terminal measurements of {source} were dropped (the observable defines the measurement)",)


def load_user_circuit(spec: str | Path | cirq.AbstractCircuit, **factory_kwargs: Any) -> tuple[cirq.Circuit, tuple[str, ...]]:
    """Load a user's circuit and return ``(circuit, notes)``.

    Parameters
    ----------
    spec : a ``.json`` / ``.qasm`` path, ``module:function`` / ``file.py:function``, or a circuit.
    **factory_kwargs : passed to a factory (e.g. ``n=8``).

    Returns
    -------
    (cirq.Circuit, tuple of str) : the circuit without terminal measurements, and notes on
        what was changed.

    Raises
    ------
    FileNotFoundError : no such file.
    ValueError : unparsable file (QASM: line and column), an unknown gate (with the gates and
        engines that are supported), an empty circuit, a mid-circuit measurement.
    TypeError : ``spec`` of the wrong type, a factory not returning a circuit.
    """
    if isinstance(spec, cirq.AbstractCircuit):
        circuit, source = cirq.Circuit(spec.unfreeze() if isinstance(spec, cirq.FrozenCircuit) else spec), "circuit"
    elif is_qiskit_circuit(spec):
        circuit, source = circuit_from_qiskit(spec), f"Qiskit circuit {getattr(spec, 'name', '')!s}".strip()
    elif isinstance(spec, (str, Path)):
        source = str(spec)
        try:
            circuit = load_circuit(spec, **factory_kwargs)
        except ValueError as exc:
            m = re.search(r'Unknown gate "([^"]+)"', str(exc))
            if m:
                raise ValueError(f"{exc}\n{unsupported_gate_message(m.group(1))}") from None
            raise
        except TypeError as exc:
            raise TypeError(f"factory {source!r} could not be called with {factory_kwargs}: {exc}") from None
    else:
        raise TypeError(
            f"a circuit source must be a file path, 'module:function' or a cirq.Circuit, got {type(spec).__name__}"
        )
    if not list(circuit.all_operations()):
        raise ValueError(f"{source}: the circuit is empty (no gates)")
    circuit, notes = _drop_terminal_measurements(circuit, source)
    if not list(circuit.all_operations()):
        raise ValueError(f"{source}: the circuit holds only measurements, no gates")
    return circuit, notes


def observable_from_spec(spec: object, circuit: cirq.AbstractCircuit) -> cirq.PauliSum:
    """The observable named by ``spec`` on ``circuit``'s qubits.

    ``spec``: ``"local"`` (the seed paper's ``O_L = (1/n) Σ_j |0⟩⟨0|_j``), ``"local-z"``
    (``(1/n) Σ_j Z_j``), ``"global"`` (``|0…0⟩⟨0…0|``, n <= 16), a Pauli-sum string such
    as ``"0.5*Z0*Z1 + X3"`` (qubit ``k`` is ``cirq.LineQubit(k)``, the k-th declared qubit
    of a QASM file or Qiskit circuit; ``Z(3,4)`` / ``Z(q3_4)`` grid qubits, ``Z('a')`` named
    qubits, Qiskit labels ``'ZZII'`` little-endian: see :func:`circuits.parse_pauli_sum`), a
    ``cirq.PauliSum`` / ``cirq.PauliString``, or a Qiskit ``SparsePauliOp`` (little-endian).

    Raises
    ------
    ValueError : unparsable string (with the column), or an observable acting on qubits
        that no gate of the circuit touches.
    """
    qubits = sorted(circuit.all_qubits())
    if isinstance(spec, str) and spec.strip().lower() in NAMED_OBSERVABLES:
        key = spec.strip().lower()
        if key == "local":
            obs = local_cost(qubits)
        elif key == "local-z":
            obs = local_cost(qubits, form="z")
        else:
            obs = global_cost(qubits)
    elif isinstance(spec, str):
        obs = parse_pauli_sum(spec)
    elif is_qiskit_operator(spec):
        obs = pauli_sum_from_qiskit(spec)
    else:
        obs = as_pauli_sum(spec)
    if not any(len(term.qubits) for term in obs):
        raise ValueError(f"observable {spec!r} is a constant: its gradient is zero for every circuit")
    try:
        return check_observable_on_circuit(obs, circuit)
    except ValueError as exc:
        kinds = sorted({type(q).__name__ for q in circuit.all_qubits()})
        hint = ""
        if "GridQubit" in kinds:
            q0 = min(q for q in circuit.all_qubits() if isinstance(q, cirq.GridQubit))
            hint = f"; the circuit is on grid qubits: write Z({q0.row},{q0.col}) or Z(q{q0.row}_{q0.col})"
        elif "NamedQubit" in kinds:
            q0 = min(q for q in circuit.all_qubits() if isinstance(q, cirq.NamedQubit))
            hint = f"; the circuit has named qubits: write Z('{q0.name}')"
        raise ValueError(
            f"{exc}. Qubit k of an observable string (Z3, or the last letter of a Qiskit label 'ZZII' for k = 0) is "
            "cirq.LineQubit(k): for QASM files and Qiskit circuits, the k-th declared qubit (qubits that no gate "
            f"touches are not part of the circuit){hint}"
        ) from None


# ----------------------------------------------------------------------------- splitting


def _roles(op: cirq.Operation, trainable: set, data: set) -> tuple[bool, bool]:
    syms = cirq.parameter_symbols(op)
    return bool(syms & trainable), bool(syms & data)


class DataReuploading(ValueError):
    """A data gate comes after a trainable gate: the circuit is not ``V(θ)U(x)``."""


def split_embedding_ansatz(
    circuit: cirq.AbstractCircuit,
    trainable: Sequence[sympy.Symbol],
    data: Sequence[sympy.Symbol],
) -> tuple[cirq.Circuit, cirq.Circuit]:
    """Cut ``circuit`` into ``(embedding, ansatz)`` with ``circuit ≅ embedding + ansatz``.

    The embedding is the causal past of all data gates (every operation that precedes a
    data gate through shared qubits, the data gates included); the ansatz is the rest, in
    the original moment order.  Operations on disjoint qubits commute, so the product of the
    two pieces equals the circuit's unitary.

    Raises
    ------
    ValueError : a gate mixing data and trainable symbols; :class:`DataReuploading` (a
        ``ValueError``) for a trainable gate in the causal past of a data gate, naming both
        gates and their moments.
    """
    trainable_set, data_set = set(trainable), set(data)
    ops = [(m, op) for m, moment in enumerate(circuit) for op in moment]
    for m, op in ops:
        is_t, is_d = _roles(op, trainable_set, data_set)
        if is_t and is_d:
            raise ValueError(
                f"gate {op} in moment {m} depends on both trainable and data symbols "
                f"({sorted(s.name for s in cirq.parameter_symbols(op))}); bpcalc needs separate gates "
                "for data and trainable parameters"
            )
    # predecessors through shared qubits
    last: dict[cirq.Qid, int] = {}
    preds: list[list[int]] = []
    for i, (_, op) in enumerate(ops):
        preds.append([last[q] for q in op.qubits if q in last])
        for q in op.qubits:
            last[q] = i
    in_past = [False] * len(ops)
    stack = [i for i, (_, op) in enumerate(ops) if _roles(op, trainable_set, data_set)[1]]
    origin: dict[int, int] = {i: i for i in stack}
    while stack:
        i = stack.pop()
        if in_past[i]:
            continue
        in_past[i] = True
        for p in preds[i]:
            if not in_past[p]:
                origin.setdefault(p, origin[i])
                stack.append(p)
    for i, (m, op) in enumerate(ops):
        if in_past[i] and _roles(op, trainable_set, data_set)[0]:
            dm, dop = ops[origin[i]]
            raise DataReuploading(
                f"data re-uploading: the data gate {dop} (moment {dm}) comes after the trainable gate {op} "
                f"(moment {m}). bpcalc's model is V(θ)U(x) — the embedding U(x) first, then the ansatz V(θ) "
                "(Thanasilp et al., arXiv:2110.14753, Sec. 2) — so the theorems and the exact engine do not "
                "apply to this circuit. Options: move the data gates before the trainable ones, analyse the "
                "trainable part alone (a circuit without the re-uploaded data gates), or bind the data "
                "symbols to values and estimate gradient variances by sampling"
            )

    def piece(keep: bool) -> cirq.Circuit:
        moments = []
        k = 0
        for moment in circuit:
            chosen = []
            for op in moment:
                if in_past[k] == keep:
                    chosen.append(op)
                k += 1
            if chosen:
                moments.append(cirq.Moment(chosen))
        return cirq.Circuit(moments)

    return piece(True), piece(False)


# ----------------------------------------------------------------------------- gate support


@dataclasses.dataclass(frozen=True)
class OpSupport:
    """What bpcalc's engines can do with one operation.

    Attributes
    ----------
    moment : moment index in the analysed circuit.
    operation : the operation (as a string).
    gate : a short gate name (``"Ry"``, ``"CZ"``, ``"ControlledGate"`` …).
    role : ``"trainable"``, ``"data"`` or ``"fixed"``.
    kind : ``"pauli-rotation"``, ``"clifford"``, ``"fixed-rotation"`` (a non-Clifford Pauli
        rotation by a constant angle), ``"pauli-product"`` (a gate the exact engine writes as a
        product of Pauli rotations: ``crz``, ``CZ**t``, ``FSimGate``, ``u3`` …, see
        :func:`bpcalc.bounds.exact.generators.pauli_factors`), ``"data"`` or ``"other"``.
    exact : whether the exact Pauli-path engine accepts it.
    sampling : whether the samplers accept it (trainable symbols only in Pauli rotations; any
        constant or data-dependent unitary gate).
    reason : why ``exact`` (or ``sampling``) is False (empty otherwise).
    """

    moment: int
    operation: str
    gate: str
    role: str
    kind: str
    exact: bool
    sampling: bool
    reason: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _gate_name(op: cirq.Operation) -> str:
    op = op.untagged if isinstance(op, cirq.TaggedOperation) else op
    gate = getattr(op, "gate", None)
    if gate is None:
        return type(op).__name__
    if isinstance(gate, (cirq.Rx, cirq.Ry, cirq.Rz)):
        return type(gate).__name__
    name = str(gate)
    return name if len(name) <= 12 and not name.startswith("cirq.") else type(gate).__name__


def classify_operation(op: cirq.Operation, trainable: set, data: set, moment: int = 0) -> OpSupport:
    """Classify one operation (see :class:`OpSupport`).  Pure; no simulation."""
    is_t, is_d = _roles(op, trainable, data)
    role = "trainable" if is_t else ("data" if is_d else "fixed")
    name, text = _gate_name(op), str(op)
    if is_d:
        return OpSupport(moment, text, name, role, "data", True, True,
                         "")  # data gates live in the embedding, which engines simulate exactly
    rot = as_pauli_rotation(op)
    if is_t:
        if rot is None:
            if _pauli_product(op):
                return OpSupport(moment, text, name, role, "pauli-product", True, False,
                                 f"{name} is not a single Pauli rotation: the samplers' parameter-shift rule does not "
                                 "differentiate it (the exact engine does, as a product of Pauli rotations)")
            return OpSupport(moment, text, name, role, "other", False, False,
                             f"{name} is not a product of Pauli rotations with affine angles: no gradient engine "
                             "differentiates it (write it as Pauli rotations and Clifford gates)")
        try:
            aff = affine_angle(rot.angle)
        except ValueError as exc:
            return OpSupport(moment, text, name, role, "other", False, False, str(exc))
        c = aff.coefficient
        if abs(c - round(c)) > 1e-9 or round(c) == 0:
            return OpSupport(moment, text, name, role, "pauli-rotation", False, c != 0,
                             f"angle {rot.angle}: frequency {c:g} is not a non-zero integer, so θ ~ U[0, 2π) "
                             "does not average cos²/sin² to 1/2")
        return OpSupport(moment, text, name, role, "pauli-rotation", True, True)
    if is_clifford_operation(op):
        return OpSupport(moment, text, name, role, "clifford", True, True)
    has_unitary = cirq.has_unitary(op)
    if rot is not None:
        return OpSupport(moment, text, name, role, "fixed-rotation", True, has_unitary)
    if has_unitary and _pauli_product(op):
        return OpSupport(moment, text, name, role, "pauli-product", True, has_unitary)
    return OpSupport(moment, text, name, role, "other", False, has_unitary,
                     f"{name} is neither a Pauli rotation, a Clifford gate nor a product of Pauli rotations")


def _pauli_product(op: cirq.Operation) -> bool:
    """Whether the exact engine writes ``op`` as Pauli rotations with angles affine in one symbol each."""
    pieces = pauli_factors(op)
    if pieces is None:
        return False
    last: dict = {}  # symbol -> index of its latest rotation among the pieces
    for k, piece in enumerate(pieces):
        if not isinstance(piece, PauliFactor):
            continue
        try:
            aff = affine_angle(piece.angle)
        except ValueError:
            return False
        if aff.symbol is None:
            continue
        if aff.symbol in last:  # a symbol twice in one gate: everything between must commute with it
            for other in pieces[last[aff.symbol] + 1:k]:
                if not isinstance(other, PauliFactor) or not cirq.commutes(other.pauli, piece.pauli):
                    return False
        last[aff.symbol] = k
    return True


def _generators(op: cirq.Operation, symbol: sympy.Symbol) -> list[cirq.PauliString]:
    """The Pauli generators of the rotations of ``op`` whose angle depends on ``symbol``."""
    rot = as_pauli_rotation(op)
    if rot is not None:
        return [rot.pauli] if symbol in rot.symbols else []
    pieces = pauli_factors(op) or ()
    return [p.pauli for p in pieces if isinstance(p, PauliFactor) and symbol in sympy.sympify(p.angle).free_symbols]


def gate_support(
    circuit: cirq.AbstractCircuit,
    trainable: Sequence[sympy.Symbol],
    data: Sequence[sympy.Symbol] = (),
) -> tuple[OpSupport, ...]:
    """:class:`OpSupport` of every operation, plus the shared-parameter check.

    A trainable symbol used by several gates (tied parameters) is averaged jointly by the
    exact engine when the generators of its rotations commute
    (:mod:`bpcalc.bounds.exact.ties`); gates sharing a symbol whose generators do not
    commute are marked ``exact=False``.  (The engine also refuses commuting rotations with a
    non-commuting gate between them; that needs the light cone and is reported by the engine.)
    """
    trainable_set, data_set = set(trainable), set(data)
    gens: dict[sympy.Symbol, list] = {}
    for op in circuit.all_operations():
        for s in cirq.parameter_symbols(op) & trainable_set:
            gens.setdefault(s, []).append((op, _generators(op, s)))
    clash: dict[sympy.Symbol, str] = {}
    for s, uses in gens.items():
        flat = [(op, g) for op, gs in uses for g in gs]
        for i, (op1, g1) in enumerate(flat):
            bad = next(((op2, g2) for op2, g2 in flat[i + 1:] if not cirq.commutes(g1, g2)), None)
            if bad is not None:
                clash[s] = f"{g1} (in {op1}) and {bad[1]} (in {bad[0]})"
                break
    out = []
    for m, moment in enumerate(circuit):
        for op in moment:
            s = classify_operation(op, trainable_set, data_set, m)
            shared = sorted(x.name for x in cirq.parameter_symbols(op) & trainable_set if x in clash)
            if shared and s.exact:
                why = clash[next(x for x in cirq.parameter_symbols(op) if x.name == shared[0])]
                s = dataclasses.replace(s, exact=False, reason=f"trainable symbol(s) {shared} drive non-commuting "
                                        f"rotations ({why}); the exact engine averages a shared symbol only when "
                                        "the generators of its gates commute")
            out.append(s)
    return tuple(out)


# ----------------------------------------------------------------------------- the model


@dataclasses.dataclass(frozen=True, eq=False)
class PreparedModel:
    """A :class:`circuits.Model` built from user input, with its provenance.

    Attributes
    ----------
    model : the model (embedding + ansatz + observable + dataset).
    source : where the circuit came from.
    trainable : the trainable symbols (names as in the user's circuit).
    data : the data symbols *as in the model* (``x_0 …``).
    data_names : ``{model data symbol name: user's name}`` where they differ (renamed so
        that datasets can be bound to them), else empty.
    support : :class:`OpSupport` of every operation of ``model.circuit``.
    notes : what was changed or assumed (dropped measurements, renamed symbols, defaults).
    angle_parameters : numeric angles that became parameters (``--trainable all|ry,…``,
        ``--data ry,…``), with the gate each name stands for (names as in the user's circuit,
        before data symbols are renamed to ``x_j``).
    """

    model: Model
    source: str
    trainable: tuple[sympy.Symbol, ...]
    data: tuple[sympy.Symbol, ...]
    data_names: dict
    support: tuple[OpSupport, ...]
    notes: tuple[str, ...] = ()
    angle_parameters: tuple[AngleParameter, ...] = ()

    @property
    def exact_supported(self) -> bool:
        """Whether every operation is accepted by the exact Pauli-path engine."""
        return all(s.exact for s in self.support)

    def unsupported(self, engine: str = "exact") -> tuple[OpSupport, ...]:
        """Operations that ``engine`` (``'exact'`` or ``'sampling'``) does not accept."""
        if engine not in ("exact", "sampling"):
            raise ValueError(f"engine must be 'exact' or 'sampling', got {engine!r}")
        return tuple(s for s in self.support if not getattr(s, engine))


_X_NAME = re.compile(r"^x_(\d+)$")


def _rename_data(circuit: cirq.Circuit, data: Sequence[sympy.Symbol]) -> tuple[cirq.Circuit, list, dict]:
    """Rename data symbols to ``x_0 … x_{k-1}`` when they do not already follow that scheme."""
    if all(_X_NAME.match(s.name) for s in data):
        return circuit, list(data), {}
    new = {s: sympy.Symbol(f"x_{j}") for j, s in enumerate(data)}
    clash = {s.name for s in cirq.parameter_symbols(circuit) if s not in new and s in set(new.values())}
    if clash:
        raise ValueError(f"cannot rename the data symbols to x_j: the circuit already uses {sorted(clash)}")
    renamed = cirq.resolve_parameters(circuit, cirq.ParamResolver(new))
    return renamed, list(new.values()), {v.name: k.name for k, v in new.items()}


def _as_patterns(value: Sequence[str] | str | None) -> Sequence[str] | str | None:
    if value is None or isinstance(value, str):
        return value if value != "" else ()
    return tuple(value)


def _has_all(value: Sequence[str] | str | None) -> bool:
    items = [] if value is None else [value] if isinstance(value, str) else list(value)
    return any(str(v).strip().lower() == "all" for v in items)


MAX_MAPPING_NOTE = 24


def _parametrize_numeric_angles(
    circuit: cirq.Circuit,
    trainable: Sequence[str] | str | None,
    data: Sequence[str] | str | None,
    src: str,
) -> tuple[cirq.Circuit, Any, Any, tuple[AngleParameter, ...], list[str]]:
    """Apply gate-kind words (``all``, ``ry``, …) of the role options: numeric angles -> symbols."""
    train_kinds, train_globs = split_kinds(trainable)
    data_kinds, data_globs = split_kinds(data)
    if not train_kinds and not data_kinds:
        return circuit, trainable, data, (), []
    if _has_all(trainable) and _has_all(data):
        raise ValueError("numeric angles cannot all be trainable and all be data: 'all' was given to both --trainable and --data")
    if _has_all(trainable):
        train_kinds = tuple(k for k in train_kinds if k not in data_kinds)
    elif _has_all(data):
        data_kinds = tuple(k for k in data_kinds if k not in train_kinds)
    both = set(train_kinds) & set(data_kinds)
    if both:
        raise ValueError(f"gate kinds {sorted(both)} were given both as trainable and as data")
    circuit, data_map = parametrize_angles(circuit, data_kinds) if data_kinds else (circuit, ())
    circuit, train_map = parametrize_angles(circuit, train_kinds) if train_kinds else (circuit, ())
    for role, kinds, made, given_all in (("--trainable", train_kinds, train_map, _has_all(trainable)),
                                         ("--data", data_kinds, data_map, _has_all(data))):
        if kinds and not given_all:
            missing = sorted(set(kinds) - {a.kind for a in made})
            if missing:
                raise ValueError(
                    f"{src}: {role} {','.join(missing)}: the circuit has no numeric {'/'.join(missing)} angle to turn into "
                    f"a parameter (kinds that can be: {', '.join(ANGLE_KINDS)}; p/u/u3 and controlled rotations keep their values)"
                )
    if train_kinds:
        trainable = (train_globs + tuple(a.name for a in train_map)) if train_globs else None
    if data_kinds:
        data = data_globs + tuple(a.name for a in data_map)
    mapping = tuple(data_map) + tuple(train_map)
    roles = {a.name: "data" for a in data_map}
    lines = [f"{a.describe()}{' [data]' if roles.get(a.name) else ''}" for a in sorted(mapping, key=lambda a: (a.moment, a.name))]
    shown = lines[:MAX_MAPPING_NOTE]
    more = f"; … and {len(lines) - len(shown)} more (JSON: angle_parameters)" if len(lines) > len(shown) else ""
    note = (
        f"{len(train_map)} trainable and {len(data_map)} data parameters were made from numeric angles "
        f"(kinds {', '.join(sorted({a.kind for a in mapping}))}; the values in the file are not used: every parameter is "
        f"averaged over its period): " + "; ".join(shown) + more
    )
    return circuit, trainable, data, mapping, [note]


def prepare_model(
    source: str | Path | cirq.AbstractCircuit,
    observable: object = "local",
    *,
    trainable: Sequence[str] | str | None = None,
    data: Sequence[str] | str | None = ("x_*",),
    embedding: str | cirq.AbstractCircuit | None = None,
    embedding_layers: int = 1,
    dataset: Dataset | str | None = None,
    n_data: int | None = 32,
    data_seed: int = 0,
    loss: str = "linear",
    two_design_blocks: bool = False,
    name: str = "",
    factory_kwargs: Optional[dict] = None,
    label_column: str | int | None = None,
) -> PreparedModel:
    """Load a circuit and build the :class:`circuits.Model` to analyse.

    Parameters
    ----------
    source : ``.json`` / ``.qasm`` file, ``module:function`` factory, or a ``cirq.Circuit``.
    observable : see :func:`observable_from_spec` (default ``"local"``).
    trainable : glob pattern(s) of trainable symbols (default: every symbol that is not data).
        When given, every symbol must be trainable or data.  The words ``'all'`` and the gate
        kinds ``'rx'``, ``'ry'``, ``'rz'``, ``'rxx'``, ``'ryy'``, ``'rzz'`` turn numeric angles of
        those gates into trainable parameters (:func:`circuits.parametrize_angles`; the mapping
        is in ``PreparedModel.angle_parameters`` and the notes).
    data : glob pattern(s) of data symbols (default ``x_*``; ``""`` or ``()``: none); gate
        kinds make numeric angles data parameters the same way.
    embedding : ``"tpe"``, ``"hee"``, ``"che"`` or a circuit with data symbols ``x_j``,
        prepended to a circuit without data symbols.
    embedding_layers : layers of ``hee`` / repetitions of ``che``.
    dataset : a :class:`circuits.Dataset` or a name (``"uniform"``, ``"digits"``, ``"iris"``,
        ``"breast_cancer"``, ``"wine"``) with ``n_data`` points and seed ``data_seed``;
        ``n_features`` is the embedding's number of data symbols.
    loss, two_design_blocks, name : passed to :class:`circuits.Model`.
    factory_kwargs : keyword arguments of a factory (e.g. ``{"n": 8}``).
    label_column : labels of a dataset file (``dataset="my.csv"``): column name/index or NPZ key.

    Returns
    -------
    PreparedModel

    Raises
    ------
    FileNotFoundError, ValueError, TypeError : bad files (with line/column), unknown gates,
        symbols neither trainable nor data, data re-uploading with an extra ``embedding``, observables on absent
        qubits, empty circuits, circuits without trainable parameters, a dataset without an
        embedding — each message names the offending object.

    Examples
    --------
    >>> pm = prepare_model("examples/sim2019_circuit2.qasm", "Z0")   # doctest: +SKIP
    """
    circuit, notes = load_user_circuit(source, **(factory_kwargs or {}))
    src = str(source) if not isinstance(source, cirq.AbstractCircuit) and not is_qiskit_circuit(source) else (
        name or getattr(source, "name", None) or "circuit")
    notes = list(notes)
    circuit, trainable, data, angle_map, angle_notes = _parametrize_numeric_angles(circuit, trainable, data, src)
    notes += angle_notes
    symbols = cirq.parameter_symbols(circuit)
    if not symbols:
        raise ValueError(
            f"{src}: the circuit has no parameters (no sympy symbols); there is no gradient to analyse. "
            "Pass --trainable all (API: trainable='all') to make every numeric rx/ry/rz/rxx/ryy/rzz angle a "
            "parameter, --trainable ry,rz for some gate kinds, or write angles as names (QASM: ry(theta_0) q[0];)"
        )
    roles = classify_symbols(circuit, trainable=_as_patterns(trainable), data=_as_patterns(data))
    train_syms, data_syms = list(roles.trainable), list(roles.data)
    if not train_syms:
        raise ValueError(
            f"{src}: no trainable parameters — every symbol {sorted(s.name for s in symbols)} matched the data "
            f"pattern(s) {data!r}; pass --trainable/--data patterns that select the trainable ones"
        )
    if not data_syms and embedding is None:
        notes.append("no data symbols: the model is a VQA started from |0…0⟩")
    circuit, data_syms, data_names = _rename_data(circuit, data_syms)
    if data_names:
        notes.append("data symbols renamed for binding datasets: " + ", ".join(f"{k} = {v}" for k, v in data_names.items()))
    reuploading = False
    try:
        emb_circuit, ansatz = split_embedding_ansatz(circuit, train_syms, data_syms)
    except DataReuploading:
        # data gates interleaved with trainable ones: analysed per data point by the exact engine
        # (bpcalc.bounds.exact.exact_reuploading_gradient_variance); the theorems do not apply
        if embedding is not None:
            raise
        reuploading = True
        emb_circuit, ansatz = cirq.Circuit(), cirq.Circuit(circuit)
        notes.append("data re-uploading (data gates after trainable gates): exact variances per data point; "
                     "the theorems for V(θ)U(x) models are not applied")
    if embedding is not None:
        if data_syms:
            raise ValueError(
                f"{src}: the circuit already contains data symbols {[data_names.get(s.name, s.name) for s in data_syms]}; "
                "an extra --embedding would be a second embedding. Drop --embedding, or mark those symbols trainable"
            )
        qubits = sorted(circuit.all_qubits())
        if isinstance(embedding, str):
            if embedding.lower() not in EMBEDDINGS:
                raise ValueError(f"unknown embedding {embedding!r}; expected one of {sorted(EMBEDDINGS)}")
            emb_circuit = make_embedding(embedding, len(qubits), layers=embedding_layers, qubits=qubits)
            notes.append(f"embedding {embedding.lower()} (layers {embedding_layers}) prepended on {len(qubits)} qubits")
        elif isinstance(embedding, cirq.AbstractCircuit):
            emb_circuit = cirq.Circuit(embedding)
        else:
            raise TypeError(f"embedding must be a name {sorted(EMBEDDINGS)} or a cirq.Circuit, got {type(embedding).__name__}")
        clash = set(cirq.parameter_symbols(emb_circuit)) & set(train_syms)
        if clash:
            raise ValueError(f"the embedding's data symbols {sorted(s.name for s in clash)} are trainable symbols of the circuit")
    obs = observable_from_spec(observable, circuit + emb_circuit)
    data_obj: Optional[Dataset] = None
    if dataset is not None:
        n_features = Model.n_features_of(ansatz if reuploading else emb_circuit)
        if n_features == 0:
            raise ValueError(
                f"a dataset ({dataset if isinstance(dataset, str) else dataset.name!r}) was given but the model has no "
                "data embedding: the circuit has no data symbols (x_*) and no --embedding was chosen"
            )
        if isinstance(dataset, str):
            data_obj = make_dataset(dataset, n_features, n_samples=n_data, seed=data_seed, label_column=label_column)
            notes.append(f"dataset {dataset}: {data_obj.n_samples} points, {n_features} features, seed {data_seed}"
                         + (f" ({data_obj.source})" if str(dataset).lower().endswith((".csv", ".npz", ".npy")) else ""))
        elif isinstance(dataset, Dataset):
            data_obj = dataset
        else:
            raise TypeError(f"dataset must be a circuits.Dataset or a name, got {type(dataset).__name__}")
    model = Model(
        ansatz=ansatz,
        observable=obs,
        embedding=emb_circuit if list(emb_circuit.all_operations()) else None,
        loss=loss,
        dataset=data_obj,
        two_design_blocks=two_design_blocks,
        reuploading=reuploading,
        name=name or (src if isinstance(source, cirq.AbstractCircuit) or is_qiskit_circuit(source)
                      else Path(src.split(":")[-1]).stem),
    )
    model_data = tuple(model.data_symbols)
    support = gate_support(model.circuit, train_syms, model_data)
    return PreparedModel(
        model=model,
        source=src,
        trainable=tuple(train_syms),
        data=model_data,
        data_names=data_names,
        support=support,
        notes=tuple(notes),
        angle_parameters=angle_map,
    )


def model_from_circuit(
    circuit: str | Path | cirq.AbstractCircuit,
    observable: object = "local",
    *,
    trainable: Sequence[str] | str | None = None,
    data: Sequence[str] | str | None = ("x_*",),
    dataset: Dataset | str | None = None,
    **kwargs: Any,
) -> Model:
    """The :class:`circuits.Model` of a user's circuit (see :func:`prepare_model`)."""
    return prepare_model(circuit, observable, trainable=trainable, data=data, dataset=dataset, **kwargs).model


def analyze_file(
    source: str | Path | cirq.AbstractCircuit,
    observable: object = "local",
    *,
    trainable: Sequence[str] | str | None = None,
    data: Sequence[str] | str | None = ("x_*",),
    embedding: str | None = None,
    embedding_layers: int = 1,
    dataset: Dataset | str | None = None,
    n_data: int | None = 32,
    data_seed: int = 0,
    factory_kwargs: Optional[dict] = None,
    **analyze_kwargs: Any,
):
    """:func:`prepare_model` then :func:`bpcalc.bounds.analysis.analyze` on the model.

    Returns
    -------
    The :class:`bpcalc.bounds.analysis.Analysis` of the model.
    """
    from .analysis import analyze  # noqa: PLC0415  (lazy: from_files is imported before analysis)

    pm = prepare_model(
        source, observable, trainable=trainable, data=data, embedding=embedding,
        embedding_layers=embedding_layers, dataset=dataset, n_data=n_data, data_seed=data_seed,
        factory_kwargs=factory_kwargs,
    )
    return analyze(pm.model, **analyze_kwargs)
