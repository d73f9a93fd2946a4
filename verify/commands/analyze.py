"""``bpcalc analyze FILE``: per-parameter trainability report of your own circuit.

FILE is an OpenQASM 2/3 file (named angles become parameters), a Cirq JSON file
(``cirq.to_json``) or a Python factory ``module:function`` / ``file.py:function`` returning
a ``cirq.Circuit``.  See :func:`bpcalc.verify.architecture.analyze_architecture`.

Examples::

    bpcalc analyze examples/sim2019_circuit2.qasm --observable Z0
    bpcalc analyze examples/numeric_angles_qiskit.qasm --trainable all --observable Z0
    bpcalc analyze examples/qiskit_hea_qasm3.qasm --observable 'ZZII'
    bpcalc analyze model.json --trainable 'theta_*' --data 'x_*' --observable '0.5*Z0*Z1 + X3'
    bpcalc analyze ansatz.qasm --embedding hee --embedding-layers 2 --dataset digits
    bpcalc analyze examples/sim2019_circuit2.qasm --theorem 'cerezo2021.*' --draws 400
    bpcalc analyze examples/reuploading_3x.qasm --observable Z0 --dataset uniform --n-data 16
    bpcalc analyze examples/sim2019_circuit2.qasm --observable Z0 --init gaussian:0.1 --noise depolarize:0.01
    bpcalc analyze examples/sim2019_circuit2.qasm \\
        --family examples/my_family.py:sim_circuit2 --qubits 4..12:2
"""

from __future__ import annotations

import argparse
import sys

from . import _args as A
from ._memory import add_memory_limit

__all__ = ["register", "run", "patterns", "factory_arguments", "positive_int", "engine_name", "ENGINES",
           "declared_keys"]

ENGINES = ("own", "cirq", "density_matrix", "qsim", "auto")
_ENGINE_ALIASES = {"density": "density_matrix", "dm": "density_matrix"}


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (``--sample 0`` is refused at parse time)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def engine_name(text: str) -> str:
    """argparse type: a sampling engine (``density`` is accepted for ``density_matrix``)."""
    return _ENGINE_ALIASES.get(text.strip().lower(), text.strip().lower())


class declared_keys(argparse.Action):
    """``--declare KEY``: an assumption key of :data:`bpcalc.bounds.assumptions.CATALOGUE` (checked at parse time).

    A deprecated key is replaced by the keys it now stands for, with one deprecation line on
    stderr; a key that bpcalc always checks (not declarable) is kept, with a note that
    declaring it changes nothing.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        from bpcalc.bounds.assumptions import CATALOGUE, DEPRECATED_KEYS
        from bpcalc.bounds.registry import default_registry

        registered = {a.key for t in default_registry().values()
                      for a in (*t.assumptions, *(a for b in t.bounds for a in b.assumptions))}
        known = sorted(set(CATALOGUE) | registered)
        keys = [k.strip() for v in ([values] if isinstance(values, str) else values) for k in v.split(",") if k.strip()]
        unknown = [k for k in keys if k not in known and k not in DEPRECATED_KEYS]
        if unknown:
            parser.error(f"argument {option_string}: unknown assumption key(s) {unknown}; known keys: {', '.join(known)}")
        out: list[str] = []
        for k in keys:
            if k in DEPRECATED_KEYS:
                new, note = DEPRECATED_KEYS[k]
                print(f"bpcalc: {option_string} {note}", file=sys.stderr)
                out += [n for n in new if n not in out]
                continue
            if k in CATALOGUE and not CATALOGUE[k].declarable:
                print(f"bpcalc: note: {option_string} {k}: bpcalc checks this on the model; declaring it changes nothing",
                      file=sys.stderr)
            out.append(k)
        items = list(getattr(namespace, self.dest, None) or [])
        setattr(namespace, self.dest, items + out)


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


def used_bounds(report) -> tuple:
    """The registered :class:`bpcalc.bounds.bound.Bound` s applied to any parameter (named
    ``theorem[bound]``), for ``bounds.tex`` / ``bounds.bib``."""
    import dataclasses

    from bpcalc.bounds import get_theorem

    out = {}
    for p in report.parameters:
        for b in p.applicable:
            key = f"{b.theorem}[{b.bound}]"
            if key in out:
                continue
            try:
                out[key] = dataclasses.replace(get_theorem(b.theorem).bound(b.bound), name=key)
            except (KeyError, ValueError):
                continue
    return tuple(out.values())


def with_files(report, rendered, out_dir):
    """Add what ``--out`` writes besides the report: the bounds (-> bounds.tex, bounds.bib) and,
    for a ``--family``, its figure (family.png/.pdf/.caption.txt) and the compact table."""
    import dataclasses
    import math

    from ..report import CompactRow

    extra: dict = {"bounds": used_bounds(report)}
    fam = report.family
    if fam is not None:
        try:
            from ..figures import family_scan, save_scan

            extra["figures"] = (save_scan(family_scan(fam, "family"), out_dir),)
        except ImportError as exc:  # matplotlib is the optional 'plot' extra
            extra["notes"] = tuple(rendered.notes) + (f"no figure: {exc} (install bpcalc[plot])",)
        marker = {"path-sampled": "path-sampled", "truncated": "truncated"}
        extra["compact"] = tuple(
            CompactRow((str(r["n"]),), exact_log10=math.log10(r["max"]) if r["max"] > 0 else -math.inf,
                       exact_method=next((v for k, v in marker.items() if k in r["method"]), "exact"),
                       verdict=fam.verdict.label)
            for r in fam.rows if not r["method"].startswith("sampled"))
    return dataclasses.replace(rendered, **extra)


def _embedding_layers(args: argparse.Namespace):
    """An int, or the :class:`~bpcalc.verify.commands._args.Layers` ``n`` / ``log`` that
    :func:`~bpcalc.verify.architecture.analyze_architecture` resolves once FILE is read (n = its qubits)."""
    layers = args.embedding_layers
    return layers if layers in ("n", "log") else layers.at(1)


def run(args: argparse.Namespace) -> int:
    from bpcalc.bounds.registry import default_registry

    from ..architecture import analyze_architecture
    from ..report import to_json, to_text, write_report
    from .exact import parse_noise

    args.noise_channel = parse_noise(args.noise)  # malformed: one ValueError line before any work
    if args.init is not None:
        from bpcalc.bounds.exact.initialization import InitDistribution

        InitDistribution.parse(args.init)

    only = A.theorem_keys(args.theorem, [t.key for t in default_registry().values()])
    with A.working(args, "bpcalc analyze"):
        report = _analyze(args, analyze_architecture, only)
    rendered = report.to_report()  # the one report every output renders
    if args.out:
        rendered = with_files(report, rendered, args.out)
        paths = write_report(rendered, args.out)
        print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    if args.json:
        print(to_json(rendered))
    else:
        print(to_text(rendered, max_rows=args.max_rows))
    return 0


def _analyze(args: argparse.Namespace, analyze_architecture, only):
    return analyze_architecture(
        args.file,
        args.observable,
        trainable=patterns(args.trainable, None),
        data=patterns(args.data, ("x_*",)),
        embedding=args.embedding,
        embedding_layers=_embedding_layers(args),
        dataset=args.dataset,
        n_data=args.n_data,
        data_seed=args.data_seed,
        loss=args.loss,
        two_design_blocks=args.two_design_blocks,
        sample=args.draws,
        sample_engine=args.engine,
        seed=args.seed,
        family=args.family,
        qubits=args.qubits,
        theorems=not args.no_theorems,
        exact=not args.no_exact,
        only_theorems=only or (),
        skip_theorems=patterns(args.skip_theorems, ()),
        declared=tuple(args.declare or ()),
        memory_limit=args.memory_limit,
        factory_kwargs=factory_arguments(args.arg),
        exponent_symbols=args.exponent_symbols,
        label_column=args.label_column,
        init=args.init,
        noise=args.noise_channel,
    )


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
    A.add_observable(p, help_=A.OBSERVABLE_HELP.replace("'Zmid' (Z on the middle qubit), ", "") + " (Z3 line qubit, "
                     "Z(3,4) / Z(q3_4) grid qubit, Z('name') named qubit; a Qiskit label 'ZZII' is little-endian: its "
                     "last letter is qubit 0)")
    p.add_argument("--embedding", choices=("tpe", "hee", "che"),
                   help="prepend a built-in data embedding (circuit without data symbols)")
    A.add_embedding_layers(p)
    A.add_deprecated(p, "--layers", "embedding_layers", "--embedding-layers", convert=A.Layers)
    p.add_argument("--dataset", help="'uniform', 'digits', 'iris', 'breast_cancer', 'wine', or your own file .csv / .npz / "
                                     ".npy (standardised, PCA to the embedding's features, rescaled to [0, π])")
    p.add_argument("--label-column", metavar="COL",
                   help="labels of a --dataset file: CSV column name or index, NPY column index, NPZ key (removed from the features)")
    A.add_n_data(p, 32)
    p.add_argument("--data-seed", type=int, default=0, help="seed of the data subset (default 0)")
    p.add_argument("--loss", choices=("linear", "mse", "nll"), default="linear", help="loss (default linear)")
    p.add_argument("--two-design-blocks", action="store_true",
                   help="declare every tagged block a local 2-design (theorems that need it are refused otherwise)")
    p.add_argument("--declare", action=declared_keys, metavar="KEY",
                   help="assumption keys you assert (repeatable or comma-separated; unknown keys are refused)")
    A.add_draws(p, None, old=("--sample",), help_="also estimate every variance from N parameter draws θ ~ U[0, 2π)")
    p.add_argument("--engine", default="own", type=engine_name, choices=ENGINES,
                   help="sampling engine: own, cirq, density_matrix (alias density), qsim, auto (default own)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampling and intervals (default 0)")
    add_memory_limit(p)
    p.add_argument("--family", metavar="MODULE:FUNCTION",
                   help="a function of n building the same architecture at other sizes; fits Var against n")
    A.add_qubits(p, range_note=True, help_extra=" (sizes for --family)")
    p.add_argument("--arg", action="append", metavar="KEY=VALUE", help="argument of a factory FILE (e.g. n=6)")
    p.add_argument("--no-theorems", action="store_true",
                   help="skip the theorem checks (light cones, exact gradient variances and Var[C] only)")
    A.add_theorem(p, old=("--theorems",))
    p.add_argument("--skip-theorems", action="append", metavar="GLOB",
                   help="leave these theorem keys out (e.g. 'mcclean2018.*', whose exact 2-design checks are slow)")
    p.add_argument("--no-exact", action="store_true", help="skip exact variances")
    p.add_argument("--init", default=None, metavar="DIST",
                   help="initialization of the angles for the exact values: uniform (default), gaussian:SIGMA, "
                        "uniform:A (on [-A, A]) or a fixed value (mean and variance; the theorems are then refused)")
    p.add_argument("--noise", default=None, metavar="CHANNEL",
                   help="noise after every moment on every qubit for the exact values: depolarize:P, "
                        "asymmetric_depolarize:PX,PY,PZ, bit_flip:P, phase_flip:P, phase_damp:G, amplitude_damp:G, "
                        "generalized_amplitude_damp:P,G (the theorems are then refused)")
    p.add_argument("--max-rows", type=int, default=60, help="parameters shown in the terminal table (default 60)")
    A.add_progress(p)
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--out", metavar="DIR", help="write report.json, report.md, report.tex, bounds.tex, bounds.bib into DIR "
                   "(with --family also family.png/.pdf/.caption.txt and table.tex)")
    p.add_argument("--exponent-symbols", choices=("angle", "symbol"), default="angle",
                   help="symbols in exponents (X**t, TFQ style): 'angle' (default: t ~ U[0,2), derivative by the angle πt, "
                        "same numbers as rx) or 'symbol' (derivative by t: π² times larger)")
    p.set_defaults(func=run)
