"""Export a compiled circuit for Google hardware: files, read-back checks and a report.

:func:`export_compiled` writes the compiled circuit as a binary program proto, as a
text-format program proto and as Cirq JSON, reads every file back, compares it with the
compiled circuit (:func:`bpcalc.verify.hardware.compare_circuits`), re-validates what was read on
the device, checks the compiled circuit against the input at resolved parameters, and
writes a JSON and a plain-text report next to the circuits.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import cirq
import numpy as np

from bpcalc.bounds.serialization import dumps

from .compile import CompiledCircuit, equivalence_error
from .devices import DeviceLike, load_target
from .serialize import FORMATS, RoundTripReport, compare_circuits, read_circuit, write_circuit
from .validate import ValidationReport, validate_for_device

__all__ = ["ExportResult", "export_compiled", "PROTO_NOTES"]

PROTO_NOTES = (
    "The program proto stores numbers as float32: exponents (and the pi inside theta/pi) come back "
    "rounded to about 7 significant digits.",
    "cirq.rx/ry/rz(theta) come back as X/Y/Z**(theta/pi): the same rotation without the global phase "
    "exp(-i theta/2). Bind the SAME theta values as for the input circuit.",
    "Cirq JSON round-trips exactly.",
)


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What :func:`export_compiled` wrote and checked.

    Attributes
    ----------
    directory : the output directory.
    files : ``{'proto': …, 'textproto': …, 'json': …, 'logical_json': …, 'report_json': …,
        'report_txt': …}`` paths.
    validation : validation of the compiled circuit on the device.
    round_trips : per format, the comparison of the file read back with the compiled circuit.
    readback_valid : per format, whether the circuit read back validates on the device.
    equivalence_errors : deviation (up to global phase and routing permutation) between the
        compiled and the input circuit at random resolved parameters.
    """

    directory: Path
    files: dict[str, Path]
    validation: ValidationReport
    round_trips: dict[str, RoundTripReport]
    readback_valid: dict[str, bool]
    equivalence_errors: tuple[float, ...]

    def ok(self, atol: float = 1e-5) -> bool:
        return (
            self.validation.ok
            and all(r.ok(atol) for r in self.round_trips.values())
            and all(self.readback_valid.values())
            and max(self.equivalence_errors, default=0.0) <= atol
        )


def _report_text(compiled: CompiledCircuit, result: dict, validation: ValidationReport) -> str:
    s = compiled.summary()
    r = s["routing"]
    lines = [
        f"bpcalc hardware export for {s['processor']} (gateset {s['gateset']})",
        "",
        f"logical circuit:  {s['logical']['qubits']} qubits, {s['logical']['moments']} moments, "
        f"{s['logical']['two_qubit_gates']} two-qubit gates",
        f"compiled circuit: {s['compiled']['qubits']} qubits, {s['compiled']['moments']} moments, "
        f"{s['compiled']['two_qubit_gates']} two-qubit gates, {s['compiled']['single_qubit_gates']} single-qubit gates",
        f"placement: {r['placement']}; SWAPs inserted: {r['n_swaps']} "
        f"(overhead {r['swap_overhead']:.2f} extra two-qubit gates per logical one)",
        "strategies tried: " + ", ".join(f"{k}={v if isinstance(v, int) else 'n/a'}" for k, v in r["candidates"]),
        "initial map: " + ", ".join(f"{k}->{v}" for k, v in r["initial_map"].items()),
        "final map:   " + ", ".join(f"{k}->{v}" for k, v in r["final_map"].items()),
        f"in target gateset: {s['compiled']['in_target_gateset']}",
        "",
        validation.to_text(),
        "",
        "equivalence with the input circuit (resolved parameters, up to global phase and routing permutation): "
        f"max deviation {max(result['equivalence_errors'], default=0.0):.2e} over {len(result['equivalence_errors'])} draws",
        "read-back checks:",
    ]
    for fmt, rt in result["round_trips"].items():
        lines.append(
            f"  {fmt:<10} identical={rt['identical']} structure={rt['same_structure']} symbols={rt['same_symbols']} "
            f"max op deviation={rt['max_operation_error']:.2e} validates={result['readback_valid'][fmt]}"
        )
    lines += ["", "notes:"] + [f"  - {n}" for n in PROTO_NOTES]
    return "\n".join(lines) + "\n"


def export_compiled(
    compiled: CompiledCircuit,
    directory: str | os.PathLike,
    target: DeviceLike | None = None,
    stem: str = "circuit",
    n_draws: int = 3,
    rng: np.random.Generator | None = None,
) -> ExportResult:
    """Write ``compiled`` in Google's formats, read everything back and report.

    Parameters
    ----------
    compiled : the output of :func:`bpcalc.verify.hardware.compile_for_device`.
    directory : output directory (created if missing).
    target : the device to validate on (default: ``compiled.processor``).
    stem : base file name.
    n_draws : random parameter draws ``θ ~ U[0, 2π)`` for the equivalence and read-back checks.
    rng : source of the draws (default ``numpy.random.default_rng(0)``).

    Returns
    -------
    ExportResult

    Raises
    ------
    TypeError : if ``compiled`` is not a :class:`CompiledCircuit`.
    """
    if not isinstance(compiled, CompiledCircuit):
        raise TypeError(f"compiled must be a CompiledCircuit (from compile_for_device), got {type(compiled).__name__}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be >= 1, got {n_draws}")
    target = load_target(target if target is not None else compiled.processor)
    rng = rng if rng is not None else np.random.default_rng(0)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    round_trips: dict[str, RoundTripReport] = {}
    readback_valid: dict[str, bool] = {}
    validation = validate_for_device(compiled.circuit, target)
    for fmt, ext in FORMATS.items():
        path = write_circuit(compiled.circuit, out / f"{stem}{ext}")
        files[fmt] = path
        back = read_circuit(path)
        round_trips[fmt] = compare_circuits(compiled.circuit, back, n_draws=n_draws, rng=rng)
        readback_valid[fmt] = validate_for_device(back, target, check_serialization=False).ok
    files["logical_json"] = write_circuit(compiled.logical, out / f"{stem}_logical.json")
    symbols = sorted(cirq.parameter_symbols(compiled.logical), key=str)
    errors = tuple(
        equivalence_error(compiled, {s: rng.uniform(0, 2 * np.pi) for s in symbols}, rng=rng) for _ in range(n_draws)
    )
    result = {
        "summary": compiled.summary(),
        "validation": validation.to_dict(),
        "round_trips": {k: dataclasses.asdict(v) for k, v in round_trips.items()},
        "readback_valid": readback_valid,
        "equivalence_errors": list(errors),
        "notes": list(PROTO_NOTES),
        "files": {k: p.name for k, p in files.items()},
    }
    files["report_json"] = out / f"{stem}_report.json"
    files["report_txt"] = out / f"{stem}_report.txt"
    result["files"].update(report_json=files["report_json"].name, report_txt=files["report_txt"].name)
    files["report_json"].write_text(dumps(result, indent=2))
    files["report_txt"].write_text(_report_text(compiled, result, validation))
    return ExportResult(out, files, validation, round_trips, readback_valid, errors)
