"""``bpcalc sample``: sampled gradient variances with confidence intervals.

Examples::

    bpcalc sample --ansatz hea --qubits 8 --layers 8 --samples 2000
    bpcalc sample --ansatz tp --qubits 6 --block-size 2 --embedding hee --dataset digits --n-data 20 \\
        --loss mse --parameters all --shots 1000 --engine own --seed 1 --json
    bpcalc sample --circuit model.json --observable "Z0*Z1" --engine density_matrix --noise depolarizing:0.01

Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse

from ._memory import add_memory_limit

ANSATZE = ("hea", "ala", "tp", "qcnn")
EMBEDDINGS = ("none", "tpe", "hee", "che")


def add_model_arguments(p: argparse.ArgumentParser, multi_n: bool = False) -> None:
    """Arguments describing a model (shared by ``sample`` and ``verify``)."""
    g = p.add_argument_group("model")
    g.add_argument("--ansatz", choices=ANSATZE, default="hea", help="ansatz family (default: hea)")
    if multi_n:
        g.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8], help="qubit counts (default: 4 6 8)")
    else:
        g.add_argument("--qubits", type=int, default=None, help="number of qubits")
    g.add_argument("--layers", default="1", help="layers; 'n' for as many layers as qubits (default: 1)")
    g.add_argument("--rotations", default="ry,rz", help="rotation gates per layer (default: ry,rz)")
    g.add_argument("--entangler", default="cz", choices=("cz", "cnot"), help="hea entangler (default: cz)")
    g.add_argument("--topology", default="chain", choices=("chain", "ring", "brick"), help="hea topology")
    g.add_argument("--block-size", type=int, default=2, help="block size for ala / tp (default: 2)")
    g.add_argument("--block-depth", type=int, default=1, help="block depth for ala / tp (default: 1)")
    g.add_argument("--observable", default="local",
                   help="'local', 'local-z', 'global' or a Pauli sum like '0.5*Z0*Z1 + X2' (default: local)")
    g.add_argument("--embedding", choices=EMBEDDINGS, default="none", help="data embedding (default: none)")
    g.add_argument("--embedding-layers", type=int, default=1, help="embedding layers / repetitions")
    g.add_argument("--dataset", default=None, choices=("digits", "iris", "breast_cancer", "wine", "uniform"),
                   help="digits (default with --embedding), iris, breast_cancer, wine or uniform; needs --embedding")
    g.add_argument("--n-data", type=int, default=10, help="data points (default: 10)")
    g.add_argument("--loss", default="linear", choices=("linear", "mse", "nll"), help="loss (default: linear)")
    g.add_argument("--circuit", default=None, help="a circuit file (.json / .qasm / module:function) instead of --ansatz")


def add_sampling_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of the sampler (shared by ``sample`` and ``verify``)."""
    g = p.add_argument_group("sampling")
    g.add_argument("--parameters", default="first",
                   help="'first', 'all', or comma-separated names of trainable symbols (default: first)")
    g.add_argument("--samples", type=int, default=1000, help="parameter draws (default: 1000)")
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


def _layers(text: str, n: int) -> int:
    if str(text).strip().lower() == "n":
        return n
    try:
        value = int(text)
    except ValueError as exc:
        raise ValueError(f"--layers must be an integer or 'n', got {text!r}") from exc
    if value < 1:
        raise ValueError(f"--layers must be >= 1, got {value}")
    return value


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
    """Build a ``circuits.Model`` from the model arguments (``n`` qubits)."""
    from bpcalc import circuits

    if args.dataset is not None and args.embedding == "none":
        raise ValueError(f"--dataset {args.dataset} needs --embedding tpe|hee|che: without an embedding the data "
                         "never enter the circuit")
    engine = getattr(args, "engine", "own")
    memory_limit = getattr(args, "memory_limit", None)
    rotations = tuple(r.strip() for r in args.rotations.split(",") if r.strip())
    if args.circuit:
        ansatz = circuits.load_circuit(args.circuit)
        qubits = sorted(ansatz.all_qubits())
        n = len(qubits)
        check_simulable(n, engine, memory_limit)
    else:
        if n is None:
            raise ValueError("give --qubits N (or --circuit FILE)")
        check_simulable(n, engine, memory_limit)
        layers = _layers(args.layers, n)
        if args.ansatz == "hea":
            ansatz = circuits.hardware_efficient(n, layers, rotations=rotations, entangler=args.entangler,
                                                 topology=args.topology)
        elif args.ansatz == "ala":
            ansatz = circuits.alternating_layered(n, layers, args.block_size, args.block_depth, rotations=rotations)
        elif args.ansatz == "tp":
            ansatz = circuits.tensor_product(n, args.block_size, args.block_depth, rotations=rotations)
        else:
            ansatz = circuits.qcnn(n)
        qubits = sorted(ansatz.all_qubits())
    obs_text = args.observable
    if args.ansatz == "qcnn" and not args.circuit and obs_text == "local":
        obs_text = "Z0"
    if obs_text == "local":
        observable = circuits.local_cost(qubits)
    elif obs_text == "local-z":
        observable = circuits.local_cost(qubits, form="z")
    elif obs_text == "global":
        observable = circuits.global_cost(qubits)
    else:
        observable = circuits.parse_pauli_sum(obs_text, qubits=qubits)
    embedding = dataset = None
    if args.embedding != "none":
        embedding = circuits.make_embedding(args.embedding, n, args.embedding_layers, qubits=qubits)
        dataset = circuits.make_dataset(args.dataset or "digits", n, n_samples=args.n_data, seed=args.seed)
    name = args.circuit or f"{args.ansatz}(n={n})"
    return circuits.Model(ansatz=ansatz, observable=observable, embedding=embedding, dataset=dataset,
                          loss=args.loss, name=name)


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
    samples = sample_gradients(model, parameters_from_args(args, model), args.samples, args.shots, backend,
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
    if args.samples < 3:
        raise ValueError("--samples must be >= 3")
    model = model_from_args(args, args.qubits)
    estimates = sample_model(args, model)
    if args.json:
        from bpcalc.bounds.serialization import dumps
        print(dumps({"model": model.name, "n_qubits": model.n_qubits,
                     "estimates": [e.to_dict() for e in estimates]}, indent=2))
    else:
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
        Path(args.out).write_text(dumps([e.to_dict() for e in estimates], indent=2))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="sampled gradient variances with confidence intervals",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    add_sampling_arguments(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--out", default=None, help="also write the estimates as JSON to this file")
    p.set_defaults(func=run)
