"""``bpcalc sample``: sampled gradient variances with confidence intervals.

Examples::

    bpcalc sample --ansatz hea --qubits 8 --layers 8 --draws 2000
    bpcalc sample --ansatz hea --qubits 4..8:2 --layers n --draws 500
    bpcalc sample --ansatz tpa --qubits 6 --block 2 --embedding hee --dataset digits --n-data 20 \\
        --loss mse --parameters all --shots 1000 --engine own --seed 1 --json
    bpcalc sample --circuit model.json --observable "Z0*Z1" --engine density_matrix --noise depolarizing:0.01

Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse

from . import _args as A
from ._memory import add_memory_limit

ANSATZE = A.ANSATZ_NAMES
EMBEDDINGS = ("none", "tpe", "hee", "che")


def add_model_arguments(p: argparse.ArgumentParser, multi_n: bool = False) -> None:
    """Arguments describing a model (shared by ``sample`` and ``verify``)."""
    g = p.add_argument_group("model")
    A.add_ansatz(g, default="hea")
    A.add_qubits(g, default="4,6,8" if multi_n else None, legacy=True)
    A.add_layers(g, default="1")
    g.add_argument("--rotations", default="ry,rz", help="rotation gates per layer (default: ry,rz)")
    g.add_argument("--entangler", default="cz", choices=("cz", "cnot"), help="hea entangler (default: cz)")
    g.add_argument("--topology", default="chain", choices=("chain", "ring", "brick"), help="hea topology")
    A.add_block(g)
    A.add_observable(g)
    g.add_argument("--embedding", choices=EMBEDDINGS, default="none", help="data embedding (default: none)")
    A.add_embedding_layers(g)
    g.add_argument("--dataset", default=None, choices=("digits", "iris", "breast_cancer", "wine", "uniform"),
                   help="digits (default with --embedding), iris, breast_cancer, wine or uniform; needs --embedding")
    A.add_n_data(g, 10)
    g.add_argument("--loss", default="linear", choices=("linear", "mse", "nll"), help="loss (default: linear)")
    g.add_argument("--circuit", default=None, help="a circuit file (.json / .qasm / module:function) instead of --ansatz")


def add_sampling_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of the sampler (shared by ``sample`` and ``verify``)."""
    g = p.add_argument_group("sampling")
    g.add_argument("--parameters", default="first",
                   help="'first', 'all', or comma-separated names of trainable symbols (default: first)")
    A.add_draws(g, 1000, old=("--samples",))
    g.add_argument("--shots", type=int, default=None, help="shots per circuit and basis group (default: exact)")
    g.add_argument("--engine", default="own", choices=("own", "cirq", "density_matrix", "qsim", "auto"),
                   help="simulator (default: own)")
    g.add_argument("--noise", default=None, help="KIND:P, e.g. depolarizing:0.01 (density_matrix / qsim / auto)")
    g.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    g.add_argument("--confidence", type=float, default=0.95, help="interval level (default: 0.95)")
    g.add_argument("--quantity", default="loss", choices=("loss", "output"),
                   help="Var[dL] ('loss') or the mean over data points of Var[dl_i] ('output')")
    g.add_argument("--exponent-symbols", default="angle", choices=("angle", "symbol", "refuse"),
                   help="convention for X**s-style symbols (default: angle)")
    add_memory_limit(g)


def check_simulable(n: int, engine: str = "own", memory_limit=None) -> None:
    """Refuse, before building anything, a size whose state vectors cannot be stored.

    Asks the backend (:meth:`bpcalc.verify.backends.Backend.check_memory`): state vectors of
    ``2^n`` amplitudes, or ``4^n`` for the density-matrix engine; the Pauli-path engine
    (``bpcalc exact``) needs none.

    Raises
    ------
    ValueError : ``n < 1``.
    bounds.memory.MemoryBudgetExceeded : the vectors exceed the memory budget (one line).
    """
    from ..backends import make_backend

    if n < 1:
        raise ValueError(f"--qubits must be >= 1, got {n}")
    # the backend owns its memory estimate (state vectors, or 4^n density matrices)
    make_backend(engine, n_qubits=n, memory_limit=memory_limit).check_memory(n)


def model_from_args(args: argparse.Namespace, n: int | None):
    """Build a ``circuits.Model`` from the model arguments (``n`` qubits; the CLI's one builder,
    :func:`bpcalc.verify.commands._args.build_model`), after checking that its state vectors fit."""
    engine = getattr(args, "engine", "own")
    memory_limit = getattr(args, "memory_limit", None)
    return A.build_model(args, n, check=lambda m: check_simulable(m, engine, memory_limit))


def parameters_from_args(args: argparse.Namespace, model) -> list:
    if args.parameters == "first":
        return [model.trainable_symbols[0]]
    if args.parameters == "all":
        return list(model.trainable_symbols)
    return [p.strip() for p in args.parameters.split(",") if p.strip()]


def backend_from_args(args: argparse.Namespace, n: int):
    from ..backends import make_backend, noise_model

    noise = None
    if args.noise:
        kind, _, p = args.noise.partition(":")
        try:
            strength = float(p)
        except ValueError as exc:
            raise ValueError(f"--noise must be KIND:P, e.g. depolarizing:0.01, got {args.noise!r}") from exc
        noise = noise_model(kind, strength)
    return make_backend(args.engine, n_qubits=n, noise=noise, seed=args.seed, memory_limit=args.memory_limit)


def sample_model(args: argparse.Namespace, model, quantities=None) -> list:
    """Estimates for the model (one per parameter and quantity)."""
    from ..sampling import sample_gradients, variance_estimates

    backend = backend_from_args(args, model.n_qubits)
    samples = sample_gradients(model, parameters_from_args(args, model), args.draws, args.shots, backend,
                               args.seed, exponent_symbols=args.exponent_symbols)
    out = []
    for q in quantities or [args.quantity]:
        out += variance_estimates(samples, confidence=args.confidence, quantity=q)
    return out


def _row(e) -> str:
    return (f"{e.parameter:<16} {e.value:>11.4g}  [{e.ci_low:.4g}, {e.ci_high:.4g}]  "
            f"chi2 [{e.chi2_low:.4g}, {e.chi2_high:.4g}]  mean {e.mean:+.3g}±{e.mean_stderr:.2g}  "
            f"shot noise {e.shot_noise:.3g}")


def run(args: argparse.Namespace) -> int:
    if args.draws < 3:
        raise ValueError("--draws must be >= 3")
    sizes = [None] if args.circuit or args.qubits is None else list(args.qubits)
    runs = []
    for n in A.progress(sizes, args, "bpcalc sample: n", total=len(sizes)):
        model = model_from_args(args, n)
        runs.append((model, sample_model(args, model)))
    if args.json:
        docs = [{"model": model.name, "n_qubits": model.n_qubits, "estimates": [e.to_dict() for e in estimates]}
                for model, estimates in runs]
        from bpcalc.bounds.serialization import dumps
        print(dumps(docs[0] if len(docs) == 1 else docs, indent=2))
    else:
        for model, estimates in runs:
            e0 = estimates[0]
            shots = "exact gradients" if e0.shots is None else f"{e0.shots} shots"
            print(f"{model.name}: {model.n_qubits} qubits, loss {model.loss}, {e0.n_samples} draws, {shots}, "
                  f"engine {e0.engine}, {int(round(100 * e0.confidence))}% {e0.interval} intervals "
                  f"(quantity {e0.quantity})")
            print(f"{'parameter':<16} {'Var':>11}  CI")
            for e in estimates:
                print(_row(e))
            for note in e0.notes:
                print(f"note: {note}")
    if args.out:
        from pathlib import Path

        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        from bpcalc.bounds.serialization import dumps
        Path(args.out).write_text(dumps([e.to_dict() for _, estimates in runs for e in estimates], indent=2))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="sampled gradient variances with confidence intervals",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    add_sampling_arguments(p)
    A.add_progress(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--out", default=None, help="also write the estimates as JSON to this file")
    p.set_defaults(func=run)
