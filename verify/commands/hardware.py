"""``bpcalc hardware``: place, route, compile, validate, export and run on Google processors.

Examples::

    bpcalc hardware --processor rainbow --ansatz hea --qubits 6 --layers 2 --export out/
    bpcalc hardware --processor rainbow --ansatz hea --qubits 6 --layers 2 --run --noisy
    bpcalc hardware --device-spec my_processor.textproto --circuit model.json --gateset sqrt_iswap

Exit codes: 0 success, 1 the compiled circuit does not validate (or a read-back check
fails), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys

from . import _args as A

ANSATZE = A.ANSATZ_NAMES
OBSERVABLES = ("local", "local-z", "global")


def _build_circuit(args: argparse.Namespace):
    from bpcalc import circuits

    if args.circuit:
        from ..hardware import read_circuit

        return read_circuit(args.circuit), None
    if args.qubits is None:
        raise ValueError("give --qubits (with --ansatz) or --circuit FILE")
    if len(args.qubits) != 1:
        raise ValueError(f"--qubits {','.join(map(str, args.qubits))}: bpcalc hardware compiles one size; give one")
    n = args.qubits[0]
    layers = args.layers.at(n)
    rotations = tuple(r.strip() for r in args.rotations.split(",") if r.strip())
    c = circuits.make_ansatz(args.ansatz, n, layers, args.block, args.block_depth, rotations=rotations,
                             entangler=args.entangler, topology=args.topology)
    return c, {"hea": layers, "ala": layers, "tpa": 1}.get(args.ansatz)


def _observable(args: argparse.Namespace, circuit):
    return A.build_observable(args.observable, sorted(circuit.all_qubits()), None if args.circuit else args.ansatz)


def _target(args: argparse.Namespace):
    from ..hardware import load_target

    if args.device_spec:
        return load_target(args.device_spec)
    return load_target(args.processor)


def _export(args, compiled, target, quiet: bool = False) -> int:
    from ..hardware import export_compiled

    result = export_compiled(compiled, args.export, target=target)
    if quiet:
        pass
    elif args.json:
        from bpcalc.bounds.serialization import dumps
        print(dumps({"files": {k: str(v) for k, v in result.files.items()}, "ok": result.ok()}, indent=2))
    else:
        print(result.files["report_txt"].read_text(), end="")
        print("files:")
        for k, p in result.files.items():
            print(f"  {k:<12} {p}")
    return 0 if result.ok() else 1


def _run(args, circuit, layers, target) -> int:
    import numpy as np

    from ..hardware import compile_for_device
    from ..hardware.experiment import noise_data_covers, processor_sampler, run_gradient_experiment

    if not target.is_virtual:
        raise ValueError(
            "--run needs a virtual processor (rainbow, weber, willow_pink) for its engine; with a device "
            "specification file, call verify.hardware.run_gradient_experiment with your own cirq.Sampler "
            "(e.g. a cirq_google.Engine sampler)"
        )
    observable = _observable(args, circuit)
    gateset = target.gateset(args.gateset)[0]
    if args.noisy and not noise_data_covers(target.name, gateset):
        print(
            f"note: {target.name}'s calibration data has no {gateset!r} two-qubit gate errors; the noise model "
            "applies only T1/Tphi decay to those gates (try --gateset sqrt_iswap)",
            file=sys.stderr,
        )
    sampler = processor_sampler(target.name, noisy=args.noisy, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    result = run_gradient_experiment(
        circuit,
        observable,
        target,
        sampler,
        rng,
        symbols=args.parameter or None,
        n_draws=args.draws,
        shots=args.shots,
        gateset=gateset,
        placement=args.placement,
        via_proto=not args.no_proto,
        confidence=args.confidence,
        sampler_name=f"{target.name} {'noisy quantum virtual machine' if args.noisy else 'noiseless virtual engine'}",
        layers=layers,
    )
    print(result.to_json() if args.json else result.to_text())
    if args.export:
        from pathlib import Path

        out = Path(args.export)
        out.mkdir(parents=True, exist_ok=True)
        (out / "experiment.json").write_text(result.to_json())
        if not args.json:
            print(f"results: {out / 'experiment.json'}")
    return 0


def run(args: argparse.Namespace) -> int:
    from ..hardware import compile_for_device, validate_for_device

    target = _target(args)
    circuit, layers = _build_circuit(args)
    if args.run:
        rc = 0
        if args.export:
            compiled = compile_for_device(circuit, target, gateset=args.gateset, placement=args.placement)
            rc = _export(args, compiled, target, quiet=args.json)
        return max(rc, _run(args, circuit, layers, target))
    compiled = compile_for_device(circuit, target, gateset=args.gateset, placement=args.placement)
    if args.export:
        return _export(args, compiled, target)
    report = validate_for_device(compiled.circuit, target)
    if args.json:
        from bpcalc.bounds.serialization import dumps
        print(dumps({"summary": compiled.summary(), "validation": report.to_dict()}, indent=2))
    else:
        s = compiled.summary()
        r = s["routing"]
        print(
            f"{s['processor']} / {s['gateset']}: {s['compiled']['qubits']} qubits, {s['compiled']['moments']} moments, "
            f"{s['compiled']['two_qubit_gates']} two-qubit gates; placement {r['placement']}, {r['n_swaps']} SWAPs"
        )
        print(report.to_text())
    return 0 if report.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hardware",
        help="place, route, compile, validate and export for Google processors; run gradient experiments",
        description="Compile a circuit for a Google processor (virtual processors rainbow, weber, willow_pink, or a "
        "DeviceSpecification file) keeping its parameters symbolic, validate it, export it as a program proto "
        "(binary and text) and Cirq JSON, or run the gradient-variance experiment on the virtual engine.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--processor", default="rainbow", help="virtual processor name (default: rainbow)")
    where.add_argument("--device-spec", default=None, metavar="FILE", help="DeviceSpecification proto (text or binary)")
    p.add_argument("--circuit", default=None, metavar="FILE", help="circuit file (.json Cirq JSON, .pb, .textproto)")
    A.add_ansatz(p, default="hea")
    A.add_qubits(p, legacy=True, help_extra=" (one size)")
    A.add_layers(p, default="1")
    p.add_argument("--rotations", default="ry,rz", help="rotations per layer, comma-separated (default: ry,rz)")
    p.add_argument("--entangler", default="cz", choices=["cz", "cnot"], help="entangling gate (default: cz)")
    p.add_argument("--topology", default="chain", choices=["chain", "ring", "brick"], help="HEA topology (default: chain)")
    A.add_block(p)
    p.add_argument("--gateset", default=None, choices=["cz", "sqrt_iswap", "sycamore"],
                   help="target gateset (default: the device's first)")
    p.add_argument("--placement", default="auto", choices=["auto", "keep", "embed", "line", "grid", "router"],
                   help="qubit placement strategy (default: auto = fewest SWAPs)")
    p.add_argument("--export", default=None, metavar="DIR",
                   help="write circuit.pb/.textproto/.json and a validation report (with --run: experiment.json)")
    p.add_argument("--run", action="store_true", help="run the gradient-variance experiment on the virtual engine")
    p.add_argument("--noisy", action="store_true", help="with --run: use the processor's calibrated noise model")
    A.add_draws(p, 20)
    p.add_argument("--shots", type=int, default=1000, help="shots per shifted circuit and basis group (default: 1000)")
    p.add_argument("--parameter", action="append", default=None, metavar="SYMBOL",
                   help="parameter to differentiate (repeatable; default: the first)")
    A.add_observable(p)
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals (default: 0.95)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws and of the simulator (default: 0)")
    p.add_argument("--no-proto", action="store_true", help="with --run: run the compiled circuit without the proto round trip")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
