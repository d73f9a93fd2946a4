"""One argument vocabulary for every ``bpcalc`` command.

Every command takes its shared options from here, so a flag means the same thing everywhere:

``--qubits``
    One grammar (:func:`parse_qubits`): ``8`` (one size), ``4,8,16`` (a list), ``4..16`` (every
    integer from 4 to 16), ``4..16:2`` (step 2), ``4..64:x2`` (doubling), and combinations
    ``4,8..12``.  Always stored as a sorted tuple of distinct ints.
``--layers`` / ``--embedding-layers``
    Ansatz layers / embedding layers (repetitions), one type (:class:`Layers`): an integer,
    ``n`` (as many as qubits) or ``log`` (``ceil(log2 n)``).
``--ansatz``
    A name of :data:`bpcalc.circuits.ANSATZE` or an alias (:data:`bpcalc.circuits.ANSATZ_ALIASES`).
``--draws`` / ``--paths`` / ``--n-data``
    Parameter draws θ ~ U[0, 2π) of a sampled variance / sampled Pauli paths of the exact
    engine / data points of a dataset.
``--observable``
    Default ``local`` everywhere (:data:`DEFAULT_OBSERVABLE`): the local cost
    ``(1/n) Σ_j |0⟩⟨0|_j`` of Cerezo et al. [1]_ (on a QCNN, whose output is qubit 0: ``Z0``).
``--theorem GLOB``
    One theorem selector (:func:`select_theorems`): shell globs over registered keys; a bare
    paper name such as ``cerezo2021`` selects all its theorems.
``--progress`` / ``--no-progress``
    Progress bars on stderr (:func:`progress`), by default only when stderr is a terminal;
    stdout is never touched.

Old spellings (``--samples`` where it meant draws, paths or data points, space-separated
``--qubits 4 6 8``, ``--ansatz tp``, ``--theorems PREFIX``, ``--n``, ``--n-draws``,
``--sample``, ``--block-size``, ``--ansatz-layers``) keep working for one release and print one
line ``bpcalc: DeprecationWarning: … use …`` on stderr (:func:`deprecation`).

References
----------
.. [1] M. Cerezo, A. Sone, T. Volkoff, L. Cincio, P. J. Coles, "Cost function dependent barren
   plateaus in shallow parametrized quantum circuits", Nat. Commun. 12, 1791 (2021),
   arXiv:2001.00550.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import math
import sys
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..sizes import QUBIT_RANGE, parse_qubits

__all__ = [
    "QUBITS_HELP",
    "LAYERS_HELP",
    "DEFAULT_OBSERVABLE",
    "OBSERVABLE_HELP",
    "THEOREM_HELP",
    "ANSATZ_NAMES",
    "Layers",
    "parse_qubits",
    "qubits_type",
    "layers_type",
    "ansatz_type",
    "positive_int",
    "deprecation",
    "add_qubits",
    "add_layers",
    "add_embedding_layers",
    "add_ansatz",
    "add_block",
    "add_observable",
    "add_draws",
    "add_paths",
    "add_n_data",
    "add_theorem",
    "add_progress",
    "add_deprecated",
    "build_observable",
    "build_model",
    "build_dataset",
    "select_theorems",
    "theorem_keys",
    "progress",
    "show_progress",
    "working",
    "VOCABULARY",
    "vocabulary_markdown",
]

QUBITS_HELP = "qubit counts: 8, a list 4,8,16, a range 4..16 (every integer), 4..16:2 (step 2) or 4..64:x2 (doubling)"
LAYERS_HELP = "an integer, 'n' (as many as qubits) or 'log' (ceil log2 n)"
DEFAULT_OBSERVABLE = "local"
OBSERVABLE_HELP = ("'local' (default: the local cost (1/n)Σ_j|0⟩⟨0|_j of Cerezo et al. 2021; on qcnn, read out on "
                   "qubit 0: Z0), 'local-z' ((1/n)Σ_j Z_j), 'global' (|0…0⟩⟨0…0|), 'Zmid' (Z on the middle qubit), "
                   "or a Pauli sum like '0.5*Z0*Z1 + X3'")
THEOREM_HELP = ("theorems to use: glob over registered keys, e.g. 'cerezo2021.*' or a paper name 'cerezo2021' "
                "(repeatable or comma-separated; see bpcalc bounds --list)")
ANSATZ_NAMES = ("hea", "ala", "tpa", "qcnn")  # = sorted(circuits.ANSATZE) without importing cirq for --help
_DEPRECATED_ANSATZ = {"tp": "tpa"}

VOCABULARY: tuple[tuple[str, str], ...] = (
    ("--qubits", "qubit counts: `8`, a list `4,8,16`, a range `4..16` (every integer), `4..16:2` (step 2), "
                 "`4..64:x2` (doubling), or combinations `4,8..12`"),
    ("--ansatz", "`hea`, `ala`, `tpa`, `qcnn` (`bpcalc.circuits.ANSATZE`; aliases in `ANSATZ_ALIASES`)"),
    ("--layers", "ansatz layers of hea / ala: an integer, `n` (as many as qubits) or `log` (ceil log2 n)"),
    ("--embedding-layers", "layers of the hee embedding / repetitions of che, same values as `--layers`"),
    ("--block, --block-depth", "block size of ala / tpa; layers inside a block (default: ala 1, tpa 2)"),
    ("--draws", "parameter draws θ ~ U[0, 2π) of a sampled variance"),
    ("--paths", "sampled Pauli paths of the exact engine when enumeration is too large"),
    ("--n-data", "data points drawn from the dataset"),
    ("--observable", "default `local`: the local cost (1/n)Σ_j \\|0⟩⟨0\\|_j of Cerezo et al. 2021 (`Z0` on a qcnn, "
                     "read out on qubit 0); `local-z`, `global`, `Zmid` or a Pauli sum"),
    ("--theorem", "which theorems: a glob over registered keys (`'cerezo2021.*'`) or a paper name (`cerezo2021`); "
                  "repeatable or comma-separated"),
    ("--progress, --no-progress", "progress bars on stderr (default: only when stderr is a terminal); stdout never "
                                  "changes"),
)
"""The shared options and their one meaning (rendered into the CLI reference by ``bpcalc docs``)."""

_DEPRECATED_SPELLINGS = ("`--samples` (for draws, paths or data points), space-separated `--qubits 4 6 8`, "
                         "`--ansatz tp`, `--theorems PREFIX`, `--n`, `--n-draws`, `--sample`, `--block-size`, "
                         "`--ansatz-layers`, `--layers` for embedding layers (bounds, analyze, sweep)")


def vocabulary_markdown() -> str:
    """The shared options as a Markdown table, with the deprecated spellings."""
    rows = ["| option | meaning in every command |", "|---|---|"]
    rows += [f"| `{o}` | {m} |" for o, m in VOCABULARY]
    return "\n".join(rows + ["", f"Old spellings still accepted in this release, each with one `DeprecationWarning` "
                             f"line on stderr naming the new one: {_DEPRECATED_SPELLINGS}."])




# ----------------------------------------------------------------------------- deprecations


def deprecation(old: str, new: str, command: str | None = None) -> None:
    """Print the one-line deprecation notice of an old spelling on stderr."""
    where = f" in bpcalc {command}" if command else ""
    print(f"bpcalc: DeprecationWarning: {old}{where} is deprecated and will be removed in the next release; "
          f"use {new}", file=sys.stderr)


def _command(parser: argparse.ArgumentParser) -> str | None:
    parts = str(parser.prog).split()
    return parts[1] if len(parts) > 1 else None


class _DeprecatedAlias(argparse.Action):
    """An old option spelling: warns once per use and stores ``convert(values)`` in ``dest``."""

    def __init__(self, option_strings, dest, new: str = "", convert: Callable[[Any], Any] | None = None,
                 append: bool = False, **kwargs):
        self.new = new
        self.convert = convert
        self.append = append
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        deprecation(option_string, self.new, _command(parser))
        try:
            value = self.convert(values) if self.convert is not None else values
        except (ValueError, argparse.ArgumentTypeError) as exc:
            parser.error(f"argument {option_string}: {exc}")
        if self.append and isinstance(getattr(namespace, self.dest, None), list):
            value = getattr(namespace, self.dest) + value
        setattr(namespace, self.dest, value)


def add_deprecated(parser, old: str, dest: str, new: str, convert: Callable[[Any], Any] | None = None,
                   append: bool = False, **kwargs) -> None:
    """Accept the old spelling ``old`` (hidden from ``--help``) for the option stored in ``dest``
    (``append``: add to the list already there, for repeatable options)."""
    parser.add_argument(old, dest=dest, action=_DeprecatedAlias, new=new, convert=convert, append=append,
                        help=argparse.SUPPRESS, default=argparse.SUPPRESS, **kwargs)


# ----------------------------------------------------------------------------- qubits


def qubits_type(text: str) -> tuple[int, ...]:
    """``argparse`` type of ``--qubits`` (errors become one argparse line, exit 2)."""
    try:
        return parse_qubits(text)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Qubits(argparse.Action):
    """``--qubits SPEC``; with ``legacy=True`` also the old space-separated ``--qubits 4 6 8``."""

    def __init__(self, option_strings, dest, legacy: bool = False, range_note: bool = False, **kwargs):
        self.legacy = legacy
        self.range_note = range_note
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        items = [values] if isinstance(values, str) else list(values)
        if len(items) > 1:
            deprecation(f"space-separated {option_string} {' '.join(items)}",
                        f"{option_string} {','.join(items)}", _command(parser))
        text = ",".join(items)
        try:
            counts = parse_qubits(text)
        except (TypeError, ValueError) as exc:
            parser.error(f"argument {option_string}: {exc}")
        if self.range_note and any(QUBIT_RANGE.fullmatch(t.strip()) and ":" not in t for t in text.split(",")) \
                and len(counts) > 2:
            print(f"bpcalc: note: {option_string} {text} means every integer from {counts[0]} to {counts[-1]} "
                  f"(before this release it doubled; doubling is {counts[0]}..{counts[-1]}:x2)", file=sys.stderr)
        setattr(namespace, self.dest, counts)


def add_qubits(parser, default: str | None = None, *, legacy: bool = False, range_note: bool = False,
               help_extra: str = "", option: str = "--qubits", dest: str = "qubits") -> None:
    """Add ``--qubits`` (stored as a tuple of ints; ``default`` is parsed too, ``None`` stays None).

    ``legacy``: also accept the old space-separated form (only for commands without positional
    arguments, which it would swallow).  ``range_note``: say once that ``A..B`` no longer doubles
    (``compare`` and ``analyze --family`` doubled before).
    """
    default_text = f" (default: {default})" if default is not None else ""
    parser.add_argument(option, dest=dest, action=_Qubits, legacy=legacy, range_note=range_note,
                        nargs="+" if legacy else None, metavar="QUBITS",
                        default=None if default is None else parse_qubits(default),
                        help=QUBITS_HELP + help_extra + default_text)


# ----------------------------------------------------------------------------- layers


class Layers(str):
    """A layer count as typed: an integer, ``'n'`` or ``'log'``; :meth:`at` gives it at ``n``.

    A ``str`` (so it prints and serialises as typed).

    Examples
    --------
    >>> Layers("log").at(9), Layers("n").at(5), Layers("3").at(100)
    (4, 5, 3)
    """

    def __new__(cls, text: object) -> "Layers":
        t = str(text).strip().lower()
        if t not in ("n", "log"):
            try:
                value = int(t)
            except ValueError:
                raise ValueError(f"layers must be {LAYERS_HELP}, got {text!r}") from None
            if value < 1:
                raise ValueError(f"layers must be >= 1, got {value}")
            t = str(value)
        return super().__new__(cls, t)

    def at(self, n: int) -> int:
        """The number of layers on ``n`` qubits."""
        if self == "n":
            return int(n)
        if self == "log":
            return max(1, math.ceil(math.log2(n))) if n > 1 else 1
        return int(self)


def layers_type(text: str) -> Layers:
    """``argparse`` type of ``--layers`` / ``--embedding-layers``."""
    try:
        return Layers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_layers(parser, default: str = "1", what: str = "ansatz layers of hea / ala") -> None:
    """Add ``--layers`` (ansatz layers; a :class:`Layers`)."""
    parser.add_argument("--layers", type=layers_type, default=Layers(default), metavar="L",
                        help=f"{what}: {LAYERS_HELP} (default: {default})")


def add_embedding_layers(parser, default: str = "1") -> None:
    """Add ``--embedding-layers`` (layers of hee / repetitions of che; a :class:`Layers`)."""
    parser.add_argument("--embedding-layers", type=layers_type, default=Layers(default), metavar="L",
                        help=f"layers of --embedding hee / repetitions of che: {LAYERS_HELP} (default: {default})")


# ----------------------------------------------------------------------------- ansatz


def ansatz_type(text: str) -> str:
    """``argparse`` type of ``--ansatz``: the canonical key of :data:`bpcalc.circuits.ANSATZE`."""
    key = str(text).strip().lower()
    if key in ANSATZ_NAMES:
        return key
    if key in _DEPRECATED_ANSATZ:
        deprecation(f"--ansatz {key}", f"--ansatz {_DEPRECATED_ANSATZ[key]}")
        return _DEPRECATED_ANSATZ[key]
    from bpcalc.circuits import ansatz_key

    try:
        return ansatz_key(key)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_ansatz(parser, default: str = "hea", names: Sequence[str] = ANSATZ_NAMES) -> None:
    """Add ``--ansatz`` (a key of :data:`bpcalc.circuits.ANSATZE`; aliases accepted)."""
    parser.add_argument("--ansatz", type=ansatz_type, default=default, metavar="NAME",
                        help=f"ansatz family: {', '.join(names)} (bpcalc.circuits.ANSATZE; default: {default})")


def add_block(parser) -> None:
    """Add ``--block`` and ``--block-depth`` (blocks of ala / tpa; old ``--block-size`` accepted)."""
    parser.add_argument("--block", type=positive_int, default=2, metavar="S",
                        help="block size s of ala / tpa (default: 2)")
    parser.add_argument("--block-depth", type=positive_int, default=None, metavar="D",
                        help="layers inside each block of ala / tpa (default: ala 1, tpa 2)")
    add_deprecated(parser, "--block-size", "block", "--block", convert=_positive)


def positive_int(text: str) -> int:
    """``argparse`` type: an integer >= 1."""
    try:
        return _positive(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ValueError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise ValueError(f"must be a positive integer, got {value}")
    return value


# ----------------------------------------------------------------------------- counts


def add_draws(parser, default: int | None, old: Sequence[str] = (), help_: str | None = None) -> None:
    """Add ``--draws N`` (parameter draws θ ~ U[0, 2π)); ``old``: deprecated spellings."""
    text = help_ or "parameter draws θ ~ U[0, 2π) of each sampled variance"
    parser.add_argument("--draws", type=positive_int, default=default, metavar="N",
                        help=text + ("" if default is None else f" (default: {default})"))
    for o in old:
        add_deprecated(parser, o, "draws", "--draws", convert=_positive)


def add_paths(parser, default: int, old: Sequence[str] = ("--samples",)) -> None:
    """Add ``--paths N`` (sampled Pauli paths of the exact engine when enumeration is too large)."""
    parser.add_argument("--paths", type=positive_int, default=default, metavar="N",
                        help=f"sampled Pauli paths when exact enumeration is too large (default: {default})")
    for o in old:
        add_deprecated(parser, o, "paths", "--paths", convert=_positive)


def add_n_data(parser, default: int | None, old: Sequence[str] = (), help_: str | None = None) -> None:
    """Add ``--n-data N`` (data points drawn from the dataset)."""
    text = help_ or "data points drawn from --dataset"
    parser.add_argument("--n-data", type=positive_int, default=default, metavar="N",
                        help=text + ("" if default is None else f" (default: {default})"))
    for o in old:
        add_deprecated(parser, o, "n_data", "--n-data", convert=_positive)


# ----------------------------------------------------------------------------- observable


def add_observable(parser, default: str | None = DEFAULT_OBSERVABLE, help_: str | None = None) -> None:
    """Add ``--observable`` with the one default (``local``) and its help text."""
    parser.add_argument("--observable", default=default, metavar="OBS", help=help_ or OBSERVABLE_HELP)


def build_observable(text: str, qubits: Sequence, ansatz: str | None = None):
    """The observable named by ``--observable`` on ``qubits`` (sorted ``cirq`` qubits).

    ``'local'`` (``(1/n)Σ|0⟩⟨0|_j``; ``Z0`` for a QCNN, whose output is its first qubit),
    ``'local-z'``, ``'global'``, ``'Zmid'`` or a Pauli sum (on line qubits ``Z3`` or the
    circuit's own qubits).

    Raises
    ------
    ValueError : a Pauli sum that cannot be read or acts outside ``qubits``.
    """
    import cirq

    from bpcalc import circuits

    qs = list(qubits)
    t = str(text).strip()
    if t == "local" and ansatz == "qcnn":
        t = "Z0"
    if t == "local":
        return circuits.local_cost(qs)
    if t == "local-z":
        return circuits.local_cost(qs, form="z")
    if t == "global":
        return circuits.global_cost(qs)
    if t.lower() == "zmid":
        return cirq.PauliSum.wrap(cirq.Z(qs[len(qs) // 2]))
    obs = circuits.parse_pauli_sum(t, qubits=qs)
    outside = sorted({q for ps in obs for q in ps.qubits if q not in qs})
    if outside:
        raise ValueError(f"observable {text!r} acts on {outside}, outside the {len(qs)} qubits")
    return obs


# ----------------------------------------------------------------------------- the model


def build_dataset(args: argparse.Namespace, n: int):
    """The data of ``--dataset`` (default digits) at ``n`` features: ``--n-data`` points (default:
    all of a real dataset, 100 uniform), subset seed ``--seed``
    (:func:`bpcalc.circuits.make_dataset`)."""
    from bpcalc import circuits

    return circuits.make_dataset(getattr(args, "dataset", None) or "digits", n, n_samples=getattr(args, "n_data", None),
                                 seed=getattr(args, "seed", 0))


def build_model(args: argparse.Namespace, n: int | None, check: Callable[[int], None] | None = None):
    """The one model builder of the CLI: a ``circuits.Model`` from the shared options at ``n`` qubits.

    Ansatz ``--circuit FILE`` or ``--ansatz`` (:func:`bpcalc.circuits.make_ansatz` with
    ``--layers``, ``--block``, ``--block-depth``, ``--rotations``, ``--entangler``,
    ``--topology``), ``--observable`` (:func:`build_observable`), ``--embedding`` with
    ``--embedding-layers`` and the data of :func:`build_dataset`, ``--loss`` and
    ``--random-blocks`` (blocks declared local 2-designs).  Options a command lacks take their
    defaults.  ``check(n)`` runs before the circuit is built (e.g. a memory check).

    Raises
    ------
    ValueError : no size, a ``--dataset`` without an embedding, or what the builders refuse.
    """
    from bpcalc import circuits

    embedding_name = getattr(args, "embedding", None) or "none"
    dataset_name = getattr(args, "dataset", None)
    if dataset_name is not None and embedding_name == "none":
        raise ValueError(f"--dataset {dataset_name} needs an --embedding (tpe, hee or che): with --embedding none the "
                         "data never enter the circuit")
    circuit_file = getattr(args, "circuit", None)
    if circuit_file:
        ansatz = circuits.load_circuit(circuit_file)
        n = len(ansatz.all_qubits())
        if check is not None:
            check(n)
    else:
        if n is None:
            raise ValueError("give --qubits N (or --circuit FILE)")
        if check is not None:
            check(n)
        rotations = tuple(r.strip() for r in str(getattr(args, "rotations", "ry,rz")).split(",") if r.strip())
        ansatz = circuits.make_ansatz(args.ansatz, n, args.layers.at(n), getattr(args, "block", 2),
                                      getattr(args, "block_depth", None), rotations=rotations,
                                      entangler=getattr(args, "entangler", "cz"),
                                      topology=getattr(args, "topology", "chain"))
    qubits = sorted(ansatz.all_qubits())
    observable = build_observable(args.observable, qubits, None if circuit_file else args.ansatz)
    embedding = dataset = None
    if embedding_name != "none":
        embedding = circuits.make_embedding(embedding_name, n, args.embedding_layers.at(n), qubits=qubits)
        dataset = build_dataset(args, n)
    return circuits.Model(ansatz=ansatz, observable=observable, embedding=embedding, dataset=dataset,
                          loss=getattr(args, "loss", "linear"),
                          two_design_blocks=bool(getattr(args, "random_blocks", False)),
                          name=circuit_file or f"{args.ansatz}(n={n})")


# ----------------------------------------------------------------------------- theorems


def add_theorem(parser, help_: str = THEOREM_HELP, old: Sequence[str] = ()) -> None:
    """Add ``--theorem GLOB`` (repeatable, comma-separated; stored as a list or None)."""
    parser.add_argument("--theorem", action="append", default=None, metavar="GLOB", help=help_)
    for o in old:
        add_deprecated(parser, o, "theorem", "--theorem GLOB", nargs="*", append=True,
                       convert=lambda vs: [f"{v}*" if not any(c in v for c in "*?[") else v for v in vs])


def theorem_keys(patterns: Iterable[str] | None, keys: Iterable[str]) -> tuple[str, ...] | None:
    """The keys matching the ``--theorem`` globs (``None``: no selection was given).

    A pattern matches a key when :func:`fnmatch.fnmatchcase` does, or when it names the
    key's paper (``cerezo2021`` selects ``cerezo2021.*``).

    Examples
    --------
    >>> theorem_keys(["cerezo2021"], ["cerezo2021.a", "wang2021.b"])
    ('cerezo2021.a',)

    Raises
    ------
    ValueError : a pattern that matches no key (one line, pointing at ``bpcalc bounds --list``).
    """
    if patterns is None:
        return None
    pats = [p.strip() for v in patterns for p in str(v).split(",") if p.strip()]
    keys = list(keys)
    out: list[str] = []
    for pat in pats:
        hit = [k for k in keys if fnmatch.fnmatchcase(k, pat) or fnmatch.fnmatchcase(k, pat + ".*")]
        if not hit:
            raise ValueError(f"--theorem {pat!r} matches no registered theorem (see bpcalc bounds --list)")
        out += [k for k in hit if k not in out]
    return tuple(out)


def select_theorems(patterns: Iterable[str] | None, registry=None):
    """The registry restricted to the ``--theorem`` globs (the default registry when ``None``)."""
    from bpcalc.bounds.registry import Registry, default_registry

    registry = default_registry() if registry is None else registry
    keys = theorem_keys(patterns, [t.key for t in registry.values()])
    if keys is None:
        return registry
    return Registry([registry.get(k) for k in keys])


# ----------------------------------------------------------------------------- progress


def add_progress(parser) -> None:
    """Add ``--progress`` / ``--no-progress`` (default: bars only when stderr is a terminal)."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="progress bars on stderr (default: only when stderr is a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")


def show_progress(args: argparse.Namespace) -> bool:
    """Whether to draw bars: ``--progress`` / ``--no-progress``, else stderr is a terminal."""
    flag = getattr(args, "progress", None)
    if flag is not None:
        return bool(flag)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(items: Iterable, args: argparse.Namespace, desc: str, total: int | None = None) -> Iterator:
    """Iterate ``items`` with a tqdm bar on stderr when :func:`show_progress` (stdout untouched)."""
    if not show_progress(args):
        yield from items
        return
    from tqdm import tqdm

    with contextlib.closing(tqdm(items, total=total, desc=desc, file=sys.stderr, leave=False,
                                 dynamic_ncols=True)) as bar:
        yield from bar


@contextlib.contextmanager
def working(args: argparse.Namespace, desc: str) -> Iterator[None]:
    """A running indicator (elapsed time, tqdm on stderr) around a call that reports no steps,
    when :func:`show_progress`; stdout is never touched."""
    if not show_progress(args):
        yield
        return
    import threading

    from tqdm import tqdm

    bar = tqdm(total=None, desc=desc, file=sys.stderr, leave=False, bar_format="{desc}: {elapsed}")
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.5):
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        bar.close()
