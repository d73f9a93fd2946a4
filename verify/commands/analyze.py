"""``bpcalc analyze FILE``: per-parameter trainability report of your own circuit.

FILE is an OpenQASM 2/3 file (named angles become parameters), a Cirq JSON file
(``cirq.to_json``) or a Python factory ``module:function`` / ``file.py:function`` returning
a ``cirq.Circuit``.  See :func:`verify.architecture.analyze_architecture`.

Examples::

    bpcalc analyze examples/sim2019_circuit2.qasm --observable Z0
    bpcalc analyze examples/numeric_angles_qiskit.qasm --trainable all --observable Z0
    bpcalc analyze examples/qiskit_hea_qasm3.qasm --observable 'ZZII'
    bpcalc analyze model.json --trainable 'theta_*' --data 'x_*' --observable '0.5*Z0*Z1 + X3'
    bpcalc analyze ansatz.qasm --embedding hee --layers 2 --dataset digits --observable local
    bpcalc analyze examples/sim2019_circuit2.qasm --observable local \\
        --family examples/my_family.py:sim_circuit2 --qubits 4..12:2
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register", "run", "patterns", "factory_arguments"]


def patterns(values: list[str] | None, default):
    """Glob patterns from repeated / comma-separated options (``None``: the default; ``''``: none)."""
    if values is None:
        return default
    out = [p.strip() for v in values for p in v.split(",")]
    return tuple(p for p in out if p)


def factory_arguments(items: list[str] | None) -> dict:
    """``['n=6', 'layers=2']`` -> ``{'n': 6, 'layers': 2}`` (ints, floats, else strings)."""
    out: dict = {}
    for item in items or ():
        if "=" not in item:
            raise ValueError(f"--arg {item!r} must look like KEY=VALUE, e.g. --arg n=6")
        key, value = item.split("=", 1)
        for cast in (int, float):
            try:
                out[key.strip()] = cast(value)
                break
            except ValueError:
                continue
        else:
            out[key.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    from ..architecture import analyze_architecture
    from ..report import to_json, write_report

    report = analyze_architecture(
        args.file,
        args.observable,
        trainable=patterns(args.trainable, None),
        data=patterns(args.data, ("x_*",)),
        embedding=args.embedding,
        embedding_layers=args.layers,
        dataset=args.dataset,
        n_data=args.n_data,
        data_seed=args.data_seed,
        loss=args.loss,
        two_design_blocks=args.two_design_blocks,
        sample=args.sample,
        sample_engine=args.engine,
        seed=args.seed,
        family=args.family,
        qubits=args.qubits,
        theorems=not args.no_theorems,
        exact=not args.no_exact,
        only_theorems=patterns(args.theorems, ()),
        skip_theorems=patterns(args.skip_theorems, ()),
        declared=tuple(args.declare or ()),
        factory_kwargs=factory_arguments(args.arg),
        exponent_symbols=args.exponent_symbols,
        label_column=args.label_column,
    )
    rendered = report.to_report()
    if args.out:
        paths = write_report(rendered, args.out)
        print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    if args.json:
        print(to_json(rendered))
    else:
        print(report.to_text(max_rows=args.max_rows))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="per-parameter trainability report of your circuit (QASM, Cirq JSON or module:function)",
        description=__doc__.split("\n\n")[0] + " Scaling in n is only claimed for a --family.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n\n")[2:]),
    )
    p.add_argument("file", help="circuit: .qasm, .json (cirq.to_json), module:function or file.py:function")
    p.add_argument("--trainable", action="append", metavar="GLOB",
                   help="trainable symbols (glob, repeatable or comma-separated); default: every non-data symbol. "
                        "'all' or gate kinds rx,ry,rz,rxx,ryy,rzz make numeric angles parameters (named "
                        "<kind>_q<qubit>_m<moment>; mapping in the notes)")
    p.add_argument("--data", action="append", metavar="GLOB",
                   help="data symbols (glob); default 'x_*'; '' for none; gate kinds (e.g. rx) make numeric angles data")
    p.add_argument("--observable", default="local",
                   help="'local' ((1/n) Σ|0⟩⟨0|_j, default), 'local-z', 'global', or a Pauli sum like '0.5*Z0*Z1 + X3' "
                        "(Z3 line qubit, Z(3,4) / Z(q3_4) grid qubit, Z('name') named qubit; a Qiskit label "
                        "'ZZII' is little-endian: its last letter is qubit 0)")
    p.add_argument("--embedding", choices=("tpe", "hee", "che"),
                   help="prepend a built-in data embedding (circuit without data symbols)")
    p.add_argument("--layers", type=int, default=1, help="layers of --embedding hee / repetitions of che (default 1)")
    p.add_argument("--dataset", help="'uniform', 'digits', 'iris', 'breast_cancer', 'wine', or your own file .csv / .npz / "
                                     ".npy (standardised, PCA to the embedding's features, rescaled to [0, π])")
    p.add_argument("--label-column", metavar="COL",
                   help="labels of a --dataset file: CSV column name or index, NPY column index, NPZ key (removed from the features)")
    p.add_argument("--n-data", type=int, default=32, help="data points drawn from --dataset (default 32)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the data subset (default 0)")
    p.add_argument("--loss", choices=("linear", "mse", "nll"), default="linear", help="loss (default linear)")
    p.add_argument("--two-design-blocks", action="store_true",
                   help="declare every tagged block a local 2-design (theorems that need it are refused otherwise)")
    p.add_argument("--declare", action="append", metavar="KEY", help="assumption keys you assert (repeatable)")
    p.add_argument("--sample", type=int, metavar="N", help="also estimate every variance from N parameter draws")
    p.add_argument("--engine", default="own", help="sampling engine: own, cirq, qsim, density (default own)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampling and intervals (default 0)")
    p.add_argument("--family", metavar="MODULE:FUNCTION",
                   help="a function of n building the same architecture at other sizes; fits Var against n")
    p.add_argument("--qubits", metavar="RANGE", help="sizes for --family: '4..16' (doubling), '4..12:2' or '4,6,8'")
    p.add_argument("--arg", action="append", metavar="KEY=VALUE", help="argument of a factory FILE (e.g. n=6)")
    p.add_argument("--no-theorems", action="store_true", help="skip the theorem checks (light cones + exact only)")
    p.add_argument("--theorems", action="append", metavar="GLOB",
                   help="evaluate only these theorem keys (e.g. 'cerezo2021.*'; repeatable)")
    p.add_argument("--skip-theorems", action="append", metavar="GLOB",
                   help="leave these theorem keys out (e.g. 'mcclean2018.*', whose exact 2-design checks are slow)")
    p.add_argument("--no-exact", action="store_true", help="skip exact variances")
    p.add_argument("--max-rows", type=int, default=60, help="parameters shown in the terminal table (default 60)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--out", metavar="DIR", help="write report.json, report.md, bounds.tex, bounds.bib into DIR")
    p.add_argument("--exponent-symbols", choices=("angle", "symbol"), default="angle",
                   help="symbols in exponents (X**t, TFQ style): 'angle' (default: t ~ U[0,2), derivative by the angle πt, "
                        "same numbers as rx) or 'symbol' (derivative by t: π² times larger)")
    p.set_defaults(func=run)
