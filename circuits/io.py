"""Read users' circuits: Cirq JSON, OpenQASM 2/3, and Python factories ``module:function``.

* ``.json`` — ``cirq.to_json`` output of a circuit;
* ``.qasm`` — OpenQASM 2.0 or 3.0 through Cirq's importer (``cirq.contrib.qasm_import``,
  needs ``ply``).  Named angles that are not declared (``ry(theta_0) q[0];`` in QASM 2) become
  sympy symbols: they are declared as ``input float[64]`` and the program is read as QASM 3.
  OpenQASM 3 as ``qiskit.qasm3.dumps`` writes it is read unchanged: ``input float[64] _θ_0_;``
  declarations, Unicode identifiers (the symbols keep their names, ``_θ_0_``), ``gate``
  definitions (inlined, angles simplified: ``rz(p0)`` in a gate called with ``b`` is
  ``rz(b)``), ``include "stdgates.inc"``, ``meas[0] = measure q[0];``.  Classical control
  (``if``, ``while``) is refused in one line: bpcalc analyses unitary circuits.
  Qubits of the registers are mapped to ``cirq.LineQubit(0..n-1)`` in declaration order, so an
  observable ``"Z0*Z1"`` refers to the first two declared qubits (idle qubits keep their index);
  ``barrier`` statements are ignored;
* ``.qpy`` — a Qiskit QPY file holding one circuit (optional extra ``qiskit``), converted by
  :func:`bpcalc.circuits.qiskit_io.circuit_from_qiskit` (Qiskit qubit ``k`` is ``LineQubit(k)``);
* ``module:function`` or ``path/to/file.py:function`` — a Python callable returning a
  ``cirq.Circuit``, a ``qiskit.QuantumCircuit`` or a PennyLane tape (e.g. from
  :func:`bpcalc.circuits.pennylane_io.trace`; its ``qml.expval`` is not used: pass the observable)
  (called with the given keyword arguments,
  e.g. ``n=8`` for families).

Errors name the file, and for QASM the line and column.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import cirq
import sympy

from .symbols import parameter_symbols, symbols_matching

__all__ = [
    "load_circuit",
    "circuit_from_qasm_text",
    "load_factory",
    "classify_symbols",
    "SymbolRoles",
]

_QASM_FUNCTIONS = {"pi", "sin", "cos", "tan", "exp", "ln", "sqrt", "asin", "acos", "atan"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARRIER = re.compile(r"\bbarrier\b[^;]*;")
_GATE_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*[A-Za-z_]")


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def _free_parameters(text: str) -> list[str]:
    """Identifiers used in gate-call arguments that the program does not declare."""
    body = _strip_comments(text)
    declared = set(re.findall(r"\binput\s+(?:float|angle)(?:\[\d+\])?\s+([A-Za-z_][A-Za-z0-9_]*)", body))
    gate_params: set[str] = set()
    for m in re.finditer(r"\bgate\s+[A-Za-z_][A-Za-z0-9_]*\s*\(([^)]*)\)", body):
        gate_params.update(p.strip() for p in m.group(1).split(","))
    free: list[str] = []
    in_gate_def = 0
    for line in body.splitlines():
        if re.match(r"\s*gate\b", line):
            in_gate_def += line.count("{") - line.count("}")
            continue
        if in_gate_def > 0:
            in_gate_def += line.count("{") - line.count("}")
            continue
        for stmt in line.split(";"):
            m = _GATE_CALL.match(stmt)
            if not m:
                continue
            for ident in _IDENT.findall(m.group(2)):
                if ident not in _QASM_FUNCTIONS and ident not in declared and ident not in gate_params and ident not in free:
                    free.append(ident)
    return free


_UNICODE_IDENT = re.compile(r"(?<![\w.])[^\W\d]\w*")
_CONTROL = re.compile(r"(?<![\w.])(if|while)\s*\(")


def _ascii_identifiers(text: str) -> tuple[str, dict[str, str]]:
    """Replace identifiers with non-ASCII letters (``_θ_0_``) by ASCII names Cirq's lexer accepts.

    Returns the new text and ``{ascii name: original name}``.
    """
    if text.isascii():
        return text, {}
    names: dict[str, str] = {}
    back: dict[str, str] = {}
    used = set(_IDENT.findall(text))

    def sub(m: re.Match) -> str:
        ident = m.group(0)
        if ident.isascii():
            return ident
        if ident not in names:
            k = len(names)
            while f"bpcalc_u{k}" in used:
                k += 1
            names[ident] = f"bpcalc_u{k}"
            used.add(names[ident])
            back[names[ident]] = ident
        return names[ident]

    return _UNICODE_IDENT.sub(sub, text), back


def _refuse_classical_control(text: str, source: str) -> None:
    body = _strip_comments(text)
    m = _CONTROL.search(body)
    if m:
        line = body.count("\n", 0, m.start()) + 1
        raise ValueError(
            f"{source}: line {line}: classical control ('{m.group(1)}') is not supported: bpcalc analyses unitary "
            "circuits (parameters, gates, terminal measurements); remove the conditional part or pass the unitary part"
        )


def _snap_float(f: float):
    """``f`` as ``(p/q)/π`` or ``p/q`` (q <= 64) when it is one to 1e-12, else None."""
    from fractions import Fraction
    import math

    for scale, over_pi in ((math.pi, True), (1.0, False)):
        v = f * scale
        if v == 0:
            return None
        fr = Fraction(v).limit_denominator(64)
        if abs(float(fr) - v) <= 1e-12 * max(1.0, abs(v)):
            r = sympy.Rational(fr.numerator, fr.denominator)
            return r / sympy.pi if over_pi else r
    return None


class _CleanAngles(cirq.ParamResolver):
    """Resolve every symbol to itself and snap floats such as ``0.3183…·π`` to rationals.

    Cirq's importer builds the gates inside a ``gate`` definition with a float ``1/π``; after
    inlining, ``rz(p0)`` called with ``b`` reads ``Rz(0.318309886183791·π·b)``, which the
    exact engine cannot tell from a non-integer frequency.
    """

    def value_of(self, value, recursive: bool = True):
        out = super().value_of(value, recursive)
        if isinstance(out, sympy.Basic) and out.free_symbols:
            rep = {f: r for f in out.atoms(sympy.Float) if (r := _snap_float(float(f))) is not None}
            if rep:
                out = sympy.expand(out.xreplace(rep))
        return out


def _inline_gate_definitions(circuit: cirq.Circuit) -> cirq.Circuit:
    if not any(isinstance(op.untagged, cirq.CircuitOperation) for op in circuit.all_operations()):
        return circuit
    flat = cirq.unroll_circuit_op(circuit, deep=True, tags_to_check=None)
    symbols = cirq.parameter_symbols(flat)
    if not symbols:
        return flat
    return cirq.resolve_parameters(flat, _CleanAngles({s: s for s in symbols}))


def circuit_from_qasm_text(text: str, source: str = "<qasm>") -> cirq.Circuit:
    """Parse OpenQASM 2/3 text into a ``cirq.Circuit`` with sympy symbols for named angles.

    Raises
    ------
    ValueError : with the source name and Cirq's line/column message when parsing fails.
    """
    try:
        from cirq.contrib.qasm_import import QasmException, circuit_from_qasm
    except ImportError as exc:  # pragma: no cover - ply is a declared dependency
        raise ImportError("reading QASM needs the 'ply' package (pip install ply)") from exc
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{source}: empty QASM program")
    _refuse_classical_control(text, source)
    text, unicode_names = _ascii_identifiers(text)
    # Cirq's importer has no 'barrier'; it has no effect on the unitary, so blank it out
    # (same length, newlines kept: line/column numbers are unchanged)
    text = _BARRIER.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    program = text
    free = _free_parameters(text)
    if free:
        version = re.search(r"OPENQASM\s+(\d+)(?:\.\d+)?\s*;", text)
        if version is None:
            raise ValueError(f"{source}: missing 'OPENQASM 2.0;' or 'OPENQASM 3.0;' header")
        header_end = version.end()
        includes = list(re.finditer(r'include\s+"[^"]+"\s*;', text))
        insert_at = includes[-1].end() if includes else header_end
        # declared on the line of the last include (no newline), so line numbers in error
        # messages stay those of the user's file
        decl = "".join(f" input float[64] {name};" for name in free)
        program = text[:insert_at] + decl + text[insert_at:]
        program = program[: version.start()] + "OPENQASM 3.0;" + program[version.end():]
    try:
        circuit = circuit_from_qasm(program)
    except QasmException as exc:
        message = str(exc)
        if free:
            message += f" (note: the parameters {free} were declared as OpenQASM 3 inputs on the include line)"
        for ascii_name, name in unicode_names.items():
            message = message.replace(ascii_name, name)
        raise ValueError(f"{source}: cannot parse OpenQASM: {message}") from None
    circuit = _inline_gate_definitions(circuit)
    if unicode_names:
        renames = {sympy.Symbol(a): sympy.Symbol(u) for a, u in unicode_names.items()}
        renames.update({s: s for s in cirq.parameter_symbols(circuit) if s not in renames})
        circuit = cirq.resolve_parameters(circuit, _CleanAngles(renames))
    return _to_line_qubits(circuit, _register_offsets(text))


_QREG = re.compile(r"\bqreg\s+([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(\d+)\s*\]|\bqubit\s*(?:\[\s*(\d+)\s*\])?\s+([A-Za-z_][A-Za-z0-9_]*)")


def _register_offsets(text: str) -> dict[str, tuple[int, int]]:
    """``register name -> (offset, size)`` in declaration order (``qreg q[n];``, ``qubit[n] q;``)."""
    offsets: dict[str, tuple[int, int]] = {}
    total = 0
    for m in _QREG.finditer(_strip_comments(text)):
        name, size = (m.group(1), int(m.group(2))) if m.group(1) else (m.group(4), int(m.group(3) or 1))
        if name not in offsets:
            offsets[name] = (total, size)
            total += size
    return offsets


def _to_line_qubits(circuit: cirq.Circuit, offsets: dict[str, tuple[int, int]] | None = None) -> cirq.Circuit:
    named = sorted(circuit.all_qubits(), key=_register_key)
    if not all(isinstance(q, cirq.NamedQubit) for q in named):
        return circuit
    if offsets:
        # declared registers: qubit i of a register at offset o is LineQubit(o + i), so idle
        # declared qubits keep their index ("Z3" means the fourth declared qubit)
        mapping = {}
        for q in named:
            reg, index = _register_key(q)
            if reg not in offsets or index >= offsets[reg][1]:
                break
            mapping[q] = cirq.LineQubit(offsets[reg][0] + index)
        else:
            return circuit.transform_qubits(mapping)
    mapping = {q: cirq.LineQubit(i) for i, q in enumerate(named)}
    return circuit.transform_qubits(mapping)


def _register_key(q: cirq.Qid) -> tuple:
    name = getattr(q, "name", str(q))
    m = re.match(r"^(.*)_(\d+)$", name)
    return (m.group(1), int(m.group(2))) if m else (name, 0)


def load_factory(spec: str) -> Callable[..., Any]:
    """Import ``module:function`` or ``path/to/file.py:function`` and return the callable."""
    if ":" not in spec:
        raise ValueError(f"factory {spec!r} must look like 'module:function' or 'file.py:function'")
    target, _, attr = spec.rpartition(":")
    if not target or not attr:
        raise ValueError(f"factory {spec!r} must look like 'module:function' or 'file.py:function'")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise FileNotFoundError(f"no such Python file: {target}")
        name = f"_bpcalc_factory_{abs(hash(str(path.resolve())))}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        from ._factory import exec_user_module

        exec_user_module(module_spec.loader, module, str(path))
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise ValueError(f"cannot import module {target!r} for factory {spec!r}: {exc}") from None
    fn = getattr(module, attr, None)
    if fn is None or not callable(fn):
        raise ValueError(f"{target!r} has no callable {attr!r}")
    return fn


def load_circuit(spec: str | Path, **factory_kwargs: Any) -> cirq.Circuit:
    """Load a circuit from a ``.json``/``.qasm`` file or a ``module:function`` factory.

    Raises
    ------
    FileNotFoundError : the file does not exist.
    ValueError : unparsable file (with line/column for QASM), JSON that is not a circuit, a
        factory that does not return a circuit.
    """
    from .qiskit_io import circuit_from_qiskit, is_qiskit_circuit, load_qpy  # noqa: PLC0415 (Qiskit itself is lazy)

    if is_qiskit_circuit(spec):
        return circuit_from_qiskit(spec)
    spec_str = str(spec)
    path = Path(spec_str)
    if path.suffix.lower() == ".qpy":
        try:
            found = load_qpy(path)
        except ImportError as exc:
            raise ValueError(f"{spec_str}: {exc}") from None
        if len(found) != 1:
            raise ValueError(f"{spec_str}: the QPY file holds {len(found)} circuits; save the one to analyse on its own")
        return circuit_from_qiskit(found[0])
    if path.suffix.lower() in (".json", ".qasm", ".qasm2", ".qasm3") or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"no such circuit file: {spec_str}")
        text = path.read_text()
        suffix = path.suffix.lower()
        if suffix == ".json" or (suffix not in (".qasm", ".qasm2", ".qasm3") and text.lstrip().startswith("{")):
            try:
                obj = cirq.read_json(json_text=text)
            except Exception as exc:
                raise ValueError(f"{spec_str}: not a Cirq JSON file ({type(exc).__name__}: {exc})") from None
            if isinstance(obj, cirq.FrozenCircuit):
                obj = obj.unfreeze()
            if not isinstance(obj, cirq.Circuit):
                raise ValueError(f"{spec_str}: Cirq JSON holds a {type(obj).__name__}, not a circuit")
            return obj
        return circuit_from_qasm_text(text, source=spec_str)
    fn = load_factory(spec_str)
    from ._factory import call_factory  # the user's exception in one line, with its file:line

    circuit = call_factory(fn, spec_str, factory_kwargs)
    if is_qiskit_circuit(circuit):
        return circuit_from_qiskit(circuit)
    from .pennylane_io import circuit_from_pennylane, is_pennylane_object  # noqa: PLC0415 (PennyLane is lazy)

    if is_pennylane_object(circuit) and hasattr(circuit, "operations"):
        return circuit_from_pennylane(circuit)[0]
    if isinstance(circuit, cirq.FrozenCircuit):
        circuit = circuit.unfreeze()
    if not isinstance(circuit, cirq.Circuit):
        raise ValueError(
            f"factory {spec_str!r} returned {type(circuit).__name__}, not a cirq.Circuit, qiskit.QuantumCircuit "
            "or PennyLane tape"
        )
    return circuit


class SymbolRoles(tuple):
    """``(trainable, data)`` symbol lists returned by :func:`classify_symbols`."""

    @property
    def trainable(self) -> list[sympy.Symbol]:
        return self[0]

    @property
    def data(self) -> list[sympy.Symbol]:
        return self[1]


def classify_symbols(
    circuit: cirq.AbstractCircuit,
    trainable: Sequence[str] | str | None = None,
    data: Sequence[str] | str | None = ("x_*",),
) -> SymbolRoles:
    """Split the circuit's symbols into trainable and data symbols by glob patterns.

    Defaults: data = ``x_*``; trainable = every other symbol.  When ``trainable`` is given,
    every symbol must match exactly one role.

    Raises
    ------
    ValueError : a symbol matching neither role (when both are given), or both roles.
    """
    def patterns(value) -> list[str]:
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)

    symbols = parameter_symbols(circuit)
    data_set = {s for p in patterns(data) for s in symbols_matching(symbols, p)}
    if trainable is None:
        train_set = set(symbols) - data_set
    else:
        train_set = {s for p in patterns(trainable) for s in symbols_matching(symbols, p)}
        both = train_set & data_set
        if both:
            raise ValueError(f"symbols {sorted(s.name for s in both)} match both the trainable and the data patterns")
        neither = set(symbols) - train_set - data_set
        if neither:
            raise ValueError(
                f"symbols {sorted(s.name for s in neither)} are neither trainable ({patterns(trainable)}) "
                f"nor data ({patterns(data)}); pass patterns that cover every symbol"
            )
    return SymbolRoles(([s for s in symbols if s in train_set], [s for s in symbols if s in data_set]))
