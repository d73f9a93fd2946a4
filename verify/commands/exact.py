"""``bpcalc exact``: exact gradient variances (no circuit sampling) for an ansatz family.

Examples::

    bpcalc exact --ansatz hea --qubits 1000 --layers 10 --observable Z0
    bpcalc exact --ansatz hea --qubits 8..32:x2 --parameters first
    bpcalc exact --ansatz hea --qubits 8 --observable Z0 --paths 4096
    bpcalc exact --ansatz tpa --block 2 --qubits 4,8 --two-design
    bpcalc exact --ansatz ala --block 2 --qubits 8 --layers 3 --parameters 'theta_0_b0_*' --json

For each ``n`` the ansatz is built, :func:`bpcalc.bounds.exact.exact_gradient_variance` computes
``Var[∂_k ℓ]`` for the selected parameters (Pauli-path propagation: exact enumeration when the
Pauli pairs fit the budget, otherwise unbiased path sampling with a confidence interval, or
truncation with a rigorous error bound with ``--method truncate``), and the table says which
method produced each number.  ``--two-design`` adds the 2-design block value (blocks declared
local 2-designs; the support chain or its MPS network, whichever is cheaper) and ``--lie`` the deep-circuit Lie-algebraic value.  Input state ``|0…0⟩``
unless ``--state`` is given; observable the local cost unless ``--observable`` is given.  Exit codes: 0 success, 2 bad input, 3 over the memory budget
(``--memory-limit``; nothing was allocated, the message names the method that fits).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from . import _args as A
from ._memory import add_memory_limit

__all__ = ["register", "run", "build_ansatz", "build_observable"]

ANSATZE = A.ANSATZ_NAMES


def build_ansatz(args: argparse.Namespace, n: int):
    """The ansatz circuit described by the arguments at ``n`` qubits (:func:`bpcalc.circuits.make_ansatz`),
    or the user's ``--circuit``."""
    from bpcalc import circuits

    if getattr(args, "circuit", None):
        return _user_circuit(args.circuit, n)
    return circuits.make_ansatz(args.ansatz, n, args.layers.at(n), args.block, args.block_depth,
                                entangler=args.entangler)


def _user_circuit(spec: str, n: int):
    """``--circuit``: a file or a factory (called with ``n=`` when it takes it); its symbols are the parameters."""
    import inspect

    from bpcalc.bounds.from_files import load_user_circuit

    kwargs = {}
    if ":" in spec and not spec.endswith((".json", ".qasm")):
        from bpcalc.circuits import load_factory

        if "n" in inspect.signature(load_factory(spec)).parameters:
            kwargs["n"] = n
    circuit, _ = load_user_circuit(spec, **kwargs)
    return circuit


def build_observable(text: str, n: int, ansatz: str | None = None):
    """``'local'`` (the default: ``(1/n)Σ|0⟩⟨0|_j``; ``Z0`` on a qcnn), ``'local-z'``, ``'global'``,
    ``'Zmid'`` or a Pauli sum on ``n`` line qubits (:func:`bpcalc.verify.commands._args.build_observable`)."""
    import cirq

    return A.build_observable(text, cirq.LineQubit.range(n), ansatz)


def _state(text: str, n: int):
    t = text.strip()
    if t in ("0", "zero"):
        return None
    if t in ("+", "plus"):
        return "+" * n
    from bpcalc.bounds.exact import parse_product_state

    try:
        return ",".join(parse_product_state(t, n))
    except ValueError as exc:
        raise ValueError(f"--state: {exc}") from None


_NOISE_CHANNELS = {
    "depolarize": ("depolarize", 1),
    "asymmetric_depolarize": ("asymmetric_depolarize", 3),
    "bit_flip": ("bit_flip", 1),
    "phase_flip": ("phase_flip", 1),
    "phase_damp": ("phase_damp", 1),
    "amplitude_damp": ("amplitude_damp", 1),
    "generalized_amplitude_damp": ("generalized_amplitude_damp", 2),
}


def parse_noise(text):
    """``'depolarize:0.01'`` → ``cirq.depolarize(0.01)`` (after every moment on every qubit).

    Accepted: ``depolarize:P``, ``asymmetric_depolarize:PX,PY,PZ``, ``bit_flip:P``,
    ``phase_flip:P``, ``phase_damp:G``, ``amplitude_damp:G``,
    ``generalized_amplitude_damp:P,G`` (``None`` or ``'none'``: noiseless).
    """
    import cirq

    if text is None or str(text).strip().lower() in ("", "none"):
        return None
    name, _, rest = str(text).strip().partition(":")
    name = name.strip().lower().replace("-", "_")
    if name not in _NOISE_CHANNELS:
        raise ValueError(f"--noise {text!r}: unknown channel {name!r}; use one of {', '.join(_NOISE_CHANNELS)} "
                         "followed by ':' and its probabilities, e.g. depolarize:0.01")
    attr, n_args = _NOISE_CHANNELS[name]
    try:
        values = [float(v) for v in rest.split(",")] if rest.strip() else []
    except ValueError:
        raise ValueError(f"--noise {text!r}: the parameters must be numbers, e.g. {name}:0.01") from None
    if len(values) != n_args:
        raise ValueError(f"--noise {text!r}: {name} takes {n_args} number(s) after ':'")
    if not all(math.isfinite(v) and 0 <= v <= 1 for v in values):
        raise ValueError(f"--noise {text!r}: probabilities must lie in [0, 1]")
    try:
        return getattr(cirq, attr)(*values)
    except ValueError as exc:
        raise ValueError(f"--noise {text!r}: {exc}") from None


def _fmt(v: float) -> str:
    return "0" if v == 0 else f"{v:.4e}"


def _log10(v: float) -> str:
    return "-inf" if v <= 0 else f"{math.log10(v):7.3f}"


def _below(res, i: int) -> bool:
    b = getattr(res, "below_resolution", None)
    return b is not None and bool(b[i])


def _value_text(res, i: int) -> str:
    """The value, or ``< upper limit`` when no sampled path contributed (never a false 0)."""
    if _below(res, i):
        return f"< {res.ci_high[i]:.2g}"
    return _fmt(res.values[i])


def _log10_text(res, i: int) -> str:
    if _below(res, i):
        return f"< {math.log10(res.ci_high[i]):.2f}" if res.ci_high[i] > 0 else "-inf"
    return _log10(res.values[i])


def _interval(res, i: int) -> str:
    if _below(res, i):
        return "(below resolution of path sampling)"
    if res.ci_low is not None:
        return f"[{_fmt(res.ci_low[i])}, {_fmt(res.ci_high[i])}]"
    if res.error_bound is not None and res.method in ("truncated", "tn-truncated"):
        return f"± {res.error_bound[i]:.2e}"
    if res.error_bound is not None and res.values[i] == 0 and not res.proven_zero[i]:
        return f"± {res.error_bound[i]:.2e} (0 within the rigorous bound, not proved)"
    return ""


def _method_text(res) -> str:
    if res.method == "path-sampled":
        return f"path-sampled ({res.n_samples} paths, {res.confidence:.0%} CI {res.ci_method})"
    if res.method == "truncated":
        return f"truncated ({res.n_terms} Pauli pairs kept, rigorous error bound)"
    if res.method == "exact":
        return f"exact ({res.n_terms} Pauli pairs at most)"
    if res.method in ("tn", "tn-truncated"):
        kind = "exact" if res.method == "tn" else "truncated, rigorous error bound"
        return f"tensor network, {kind} (bond dimension {res.n_terms} at most)"
    return res.method


def _needs_pauli_sum(args: argparse.Namespace) -> bool:
    """Whether a computation besides the gradient variances needs the observable's Pauli terms."""
    return bool(args.loss or args.two_design or args.lie)


def _projector_observable(args: argparse.Namespace, n: int):
    """``--observable global`` for the gradient variances as a ``cirq.ProjectorString`` when the
    tensor network will take it (method ``tn``, or ``auto`` beyond the ``2^n``-term expansion's
    limit of 16 qubits; no noise, uniform initialization): a bond-1 product instead of ``2^n``
    Pauli terms; ``None`` otherwise.  (With ``auto`` up to 16 qubits the engine recognizes the
    expanded sum as the projector itself and runs the network with a bond cap, else falls back
    to enumeration / path sampling.)"""
    import cirq

    from bpcalc import circuits
    from bpcalc.circuits.observables import MAX_GLOBAL_COST_QUBITS

    init = getattr(args, "init", None)
    if args.method == "auto" and n <= MAX_GLOBAL_COST_QUBITS:
        return None
    if (str(args.observable).strip() != "global" or args.method not in ("auto", "tn")
            or getattr(args, "noise_channel", None) is not None
            or not (init is None or str(init).strip().lower() == "uniform")):
        return None
    return circuits.global_projector(cirq.LineQubit.range(n))


def _compute(args: argparse.Namespace, n: int) -> dict:
    from bpcalc.bounds import exact as E

    circ = build_ansatz(args, n)
    grad_obs = _projector_observable(args, n)
    obs = build_observable(args.observable, n, args.ansatz) if grad_obs is None or _needs_pauli_sum(args) else None
    state = _state(args.state, n)
    res = E.exact_gradient_variance(
        circ, obs if grad_obs is None else grad_obs, state, args.parameters, method=args.method, max_terms=args.max_terms,
        n_samples=args.paths, confidence=args.confidence, rng=args.seed, memory_limit=args.memory_limit,
        exponent_symbols=getattr(args, "exponent_symbols", "angle"),
        noise=args.noise_channel, init=args.init,
    )
    out: dict[str, Any] = {"n": n, "layers": args.layers.at(n), "result": res}
    if args.loss:
        out["loss"] = E.exact_loss_variance(
            circ, obs, state, method=args.method, max_terms=args.max_terms, n_samples=args.paths,
            confidence=args.confidence, rng=args.seed, memory_limit=args.memory_limit, noise=args.noise_channel,
            init=args.init,
        )
    if args.two_design:
        try:
            out["two_design"] = E.design_gradient_variance(circ, obs, state, args.parameters)  # chain or network
        except ValueError as exc:
            out["two_design_error"] = str(exc)
    if args.lie:
        try:
            out["lie"] = E.lie_algebraic_gradient_variance(circ, obs, state, args.parameters)
        except ValueError as exc:
            out["lie_error"] = str(exc)
    return out


def _print_run(args: argparse.Namespace, item: dict) -> None:
    import numpy as np

    res = item["result"]
    n = item["n"]
    what = (f"circuit {args.circuit}" if getattr(args, "circuit", None)
            else f"ansatz {args.ansatz}  layers {item['layers']}")
    print(
        f"n = {n}  {what}  observable {args.observable}  "
        f"light cone {res.details.get('light_cone_qubits')} qubits, {int(res.in_light_cone.sum())}/{len(res)} "
        f"selected parameters inside  [{res.seconds:.3f} s]"
    )
    print(f"  method: {_method_text(res)}; exponent symbols (X^t): {getattr(args, 'exponent_symbols', 'angle')} convention"
          + (f"  noise: {args.noise_channel} after every moment" if getattr(args, "noise_channel", None) is not None else ""))
    tied = res.details.get("tied_parameters")
    if tied:  # symbols driving several rotations (crz, CZ**t, FSim, shared symbols): their own period
        print("  averaged jointly over their period (several rotations each): "
              + ", ".join(f"{k} ~ U[0, {v['period']:.6g})" for k, v in list(tied.items())[:6])
              + (" …" if len(tied) > 6 else ""))
    extra = [k for k in ("two_design", "lie") if k in item]
    if "two_design" in item:
        td = item["two_design"]
        engine = ("2-design network (MPS over qubits, bond dimension "
                  f"{td.n_terms} at most{', truncated' if td.method == 'two-design-tn-truncated' else ''})"
                  if td.method.startswith("two-design-tn") else "2-design support chain")
        rel = td.details.get("relative_error_bound")
        if rel is not None and np.any(~(np.asarray(rel) <= 1.0)):
            engine += "; NOT certified for some parameters: the rigorous error bound exceeds the value"
        print(f"  two_design: {engine} [{td.seconds:.3f} s]")
    per_param = args.per_parameter or len(res) <= 12
    if per_param:
        head = f"  {'parameter':<22} {'Var[dL/dθ]':>12} {'log10':>8}  {'CI / error bound':<28}"
        for k in extra:
            head += f" {k:>12}"
        print(head)
        for i, p in enumerate(res.parameters):
            line = f"  {p.name:<22} {_value_text(res, i):>12} {_log10_text(res, i):>8}  {_interval(res, i):<28}"
            for k in extra:
                line += f" {_fmt(item[k].values[i]):>12}"
            print(line)
    else:
        vals = res.values
        nonzero = vals[vals > 0]
        below = [i for i in range(len(vals)) if _below(res, i)]
        proven = int(np.sum(res.proven_zero))
        order = sorted(range(len(vals)), key=lambda i: -vals[i])[:5]
        parts = [f"{len(nonzero)} with non-zero variance"]
        if below:
            top = max(float(res.ci_high[i]) for i in below)
            parts.append(f"{len(below)} < {top:.2g} (below resolution of path sampling)")
        if proven:
            parts.append(f"{proven} exactly 0 (" + ("outside the light cone" if res.method == "path-sampled"
                                                   else "outside the light cone or proved: exact, error bound 0") + ")")
        bounded = [i for i in range(len(vals)) if vals[i] == 0 and not res.proven_zero[i] and not _below(res, i)
                   and res.error_bound is not None]
        if bounded:
            top = max(float(res.error_bound[i]) for i in bounded)
            parts.append(f"{len(bounded)} computed as 0, i.e. ≤ {top:.2g} (the {res.method} result's rigorous error "
                         "bound; not a proved 0)")
        print(f"  summary over {len(vals)} parameters: {int(res.in_light_cone.sum())} in the causal light cone, "
              + ", ".join(parts))
        if len(nonzero):
            print(f"    non-zero variances: max {_fmt(float(nonzero.max()))} (log10 {_log10(float(nonzero.max())).strip()}), "
                  f"median {_fmt(float(np.median(nonzero)))}, min {_fmt(float(nonzero.min()))} "
                  f"(log10 {_log10(float(nonzero.min())).strip()})")
        print("    largest:")
        for i in order:
            print(f"      {res.parameters[i].name:<22} {_value_text(res, i):>12} {_log10_text(res, i):>8}  {_interval(res, i)}")
            for k in extra:
                print(f"        {k}: {_fmt(item[k].values[i])}")
    for k in ("two_design_error", "lie_error"):
        if k in item:
            print(f"  {k.replace('_error', '')}: not applicable: {item[k]}")
    if "loss" in item:
        loss = item["loss"]
        ci = "" if loss.ci_low is None else f"  CI [{_fmt(loss.ci_low)}, {_fmt(loss.ci_high)}]"
        print(f"  loss: Var[ℓ] = {_fmt(loss.value)} (log10 {_log10(loss.value).strip()}), E[ℓ] = {loss.mean:.6g}, "
              f"method {loss.method}{ci}")


def _write_files(args: argparse.Namespace, items: list) -> None:
    """``--plot PATH`` / ``--out DIR``: the figure over n (:func:`bpcalc.verify.figures.exact_scan`) and,
    for ``--out``, report.md/json and the compact table."""
    import math
    import pathlib
    import sys

    from ..figures import draw_scan, exact_scan, save_figure
    from ..report import CompactRow, Figure, Report, Table, write_report

    scan = exact_scan(items, "exact", ansatz=args.ansatz, observable=args.observable)
    fig, caption = draw_scan(scan)
    if args.plot:
        png, pdf, _ = save_figure(fig, caption, args.plot)
        print(f"wrote {png}, {pdf}", file=sys.stderr)
    if not args.out:
        return
    png, _pdf, _ = save_figure(fig, caption, pathlib.Path(args.out) / "exact")
    rows, compact = [], []
    for item in items:
        res = item["result"]
        k = max(range(len(res)), key=lambda i: res.values[i])
        v = float(res.values[k])
        ci = (float(res.ci_low[k]), float(res.ci_high[k])) if res.ci_low is not None else None
        rows.append((item["n"], item["layers"], res.parameters[k].name, v, None if ci is None else ci[0],
                     None if ci is None else ci[1], _method_text(res)))
        method = res.method if res.method in ("path-sampled", "truncated") else "exact"
        compact.append(CompactRow((str(item["n"]),), exact_log10=None if method == "path-sampled" else
                                  (math.log10(v) if v > 0 else -math.inf), exact_method=method,
                                  sampled=(v, ci[0], ci[1]) if ci is not None else None))
    report = Report(
        title=f"bpcalc exact: {args.ansatz}, observable {args.observable}",
        summary=scan.what + ".",
        tables=(Table("Largest per-parameter variance", ("n", "layers", "parameter", "Var", "CI low", "CI high", "method"),
                      tuple(rows)),),
        figures=(Figure(png.name, caption),), config={k: v for k, v in vars(args).items() if k != "func"},
        seeds={"paths": args.seed}, compact=tuple(compact),
        results={"points": [{"n": it["n"], "gradient": it["result"].to_dict()} for it in items]})
    written = write_report(report, args.out)
    print(f"wrote {', '.join(str(p) for p in written.values())}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    import sys

    from bpcalc.bounds.memory import MemoryBudget, MemoryBudgetExceeded

    counts = args.qubits
    if getattr(args, "circuit", None) and tuple(counts) == (8,) and ":" not in str(args.circuit):
        counts = [len(_user_circuit(args.circuit, 0).all_qubits())]  # a file: its own width
    args.memory_limit = MemoryBudget.from_limit(args.memory_limit)  # bad sizes: one ValueError line
    args.noise_channel = parse_noise(getattr(args, "noise", None))
    if args.init is not None:
        from bpcalc.bounds.exact.initialization import InitDistribution

        InitDistribution.parse(args.init)  # malformed: one ValueError line before any work
    if args.noise_channel is not None and (args.two_design or args.lie):
        raise ValueError("--two-design and --lie describe noiseless circuits; drop them with --noise")
    try:
        if len(counts) == 1:  # one size: a running indicator (the engines report no steps)
            with A.working(args, f"bpcalc exact: n = {counts[0]}"):
                items = [_compute(args, counts[0])]
        else:
            items = [_compute(args, n) for n in A.progress(counts, args, "bpcalc exact: n", total=len(counts))]
    except MemoryBudgetExceeded as exc:
        print(f"bpcalc exact: error: {exc}", file=sys.stderr)
        return 3
    if args.plot or args.out:
        _write_files(args, items)
    if args.json:
        payload = []
        for item in items:
            entry = {"n": item["n"], "layers": item["layers"], "ansatz": args.ansatz, "observable": args.observable,
                     "gradient": item["result"].to_dict()}
            for k in ("loss", "two_design", "lie"):
                if k in item:
                    entry[k] = item[k].to_dict()
            for k in ("two_design_error", "lie_error"):
                if k in item:
                    entry[k] = item[k]
            payload.append(entry)
        from bpcalc.bounds.serialization import dumps
        print(dumps(payload, indent=2))
        return 0
    for item in items:
        _print_run(args, item)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "exact",
        help="exact gradient variances (Pauli paths, 2-design chain, Lie algebra) — no circuit sampling",
        description=__doc__.split("\n\n")[0],
    )
    A.add_ansatz(p, default="hea")
    p.add_argument("--circuit", metavar="FILE", default=None,
                   help="your own circuit instead of --ansatz: .qasm, .json, module:function or file.py:function "
                        "(called with n=QUBITS if it takes n); crz, u3, CZ**t, FSim … with symbols are exact")
    A.add_qubits(p, default="8", legacy=True)
    A.add_layers(p, default="log")
    A.add_block(p)
    p.add_argument("--entangler", choices=("cz", "cnot"), default="cz", help="hea entangler (default cz)")
    A.add_observable(p)
    p.add_argument("--state", default="0",
                   help="input product state: 0 (default), +, one of 0 1 + - i j per qubit like '0+1-' (i = |+i>, "
                   "j = |-i>), or comma-separated tokens like '0,+,-i'")
    p.add_argument("--parameters", default="all", help="all (default), first, last, a symbol name or a glob pattern")
    p.add_argument("--method", choices=("auto", "exact", "truncate", "sample", "tn"), default="auto",
                   help="auto: exact enumeration if the Pauli pairs fit, else the exact tensor network if it fits, "
                        "else path sampling (default); tn: tensor network")
    p.add_argument("--max-terms", type=int, default=2**17, help="Pauli-pair budget of exact enumeration")
    A.add_paths(p, default=2**16)
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level of sampled intervals")
    p.add_argument("--seed", type=int, default=0, help="seed of the path sampler")
    p.add_argument("--noise", default=None,
                   help="noise after every moment on every qubit: depolarize:P, asymmetric_depolarize:PX,PY,PZ, "
                        "bit_flip:P, phase_flip:P, phase_damp:G, amplitude_damp:G, generalized_amplitude_damp:P,G")
    p.add_argument("--init", default=None,
                   help="initialization of the angles: uniform (default), gaussian:SIGMA, uniform:A (on [-A, A]) or "
                        "a fixed value; non-uniform ones are computed by exact enumeration (mean and variance)")
    add_memory_limit(p)
    p.add_argument("--loss", action="store_true", help="also the loss variance Var[ℓ]")
    p.add_argument("--two-design", action="store_true", help="also the 2-design block value (ala/tpa/qcnn): support chain or MPS network, whichever is cheaper")
    p.add_argument("--lie", action="store_true", help="also the deep-circuit Lie-algebraic value")
    p.add_argument("--per-parameter", action="store_true", help="print every parameter (default: a summary when > 12)")
    A.add_progress(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--plot", metavar="PATH", default=None,
                   help="write the variance over --qubits as PATH.png, PATH.pdf and PATH.caption.txt")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write exact.png/.pdf/.caption.txt, report.md, report.json and table.tex into DIR")
    p.add_argument("--exponent-symbols", choices=("angle", "symbol"), default="angle",
                   help="symbols in exponents (X**t, TFQ style): 'angle' (default: t ~ U[0,2), derivative by the angle πt, "
                        "same numbers as rx) or 'symbol' (derivative by t: π² times larger)")
    p.set_defaults(func=run)
