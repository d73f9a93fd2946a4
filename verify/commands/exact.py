"""``bpcalc exact``: exact gradient variances (no circuit sampling) for an ansatz family.

Examples::

    bpcalc exact --ansatz hea --qubits 1000 --layers 10
    bpcalc exact --ansatz hea --qubits 8,16,32 --observable local --parameters first
    bpcalc exact --ansatz tpa --block 2 --qubits 4,8 --observable local --two-design
    bpcalc exact --ansatz ala --block 2 --qubits 8 --layers 3 --parameters 'theta_0_b0_*' --json

For each ``n`` the ansatz is built, :func:`bounds.exact.exact_gradient_variance` computes
``Var[∂_k ℓ]`` for the selected parameters (Pauli-path propagation: exact enumeration when the
Pauli pairs fit the budget, otherwise unbiased path sampling with a confidence interval, or
truncation with a rigorous error bound with ``--method truncate``), and the table says which
method produced each number.  ``--two-design`` adds the 2-design block chain (blocks declared
local 2-designs) and ``--lie`` the deep-circuit Lie-algebraic value.  Input state ``|0…0⟩``
unless ``--state`` is given.  Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

__all__ = ["register", "run", "build_ansatz", "build_observable"]

ANSATZE = ("hea", "ala", "tpa", "qcnn")


def _qubit_counts(text: str) -> list[int]:
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = int(part)
        except ValueError as exc:
            raise ValueError(f"--qubits must be integers like 8 or 8,16,32 (got {part!r})") from exc
        if value < 1:
            raise ValueError(f"qubit counts must be positive, got {value}")
        out.append(value)
    if not out:
        raise ValueError("--qubits needs at least one qubit count")
    return sorted(set(out))


def _layers(text: str, n: int) -> int:
    t = str(text).strip().lower()
    if t == "log":
        return max(1, math.ceil(math.log2(n)))
    if t == "n":
        return n
    try:
        value = int(t)
    except ValueError as exc:
        raise ValueError(f"--layers must be an integer, 'log' (ceil log2 n) or 'n', got {text!r}") from exc
    if value < 1:
        raise ValueError(f"--layers must be >= 1, got {value}")
    return value


def build_ansatz(args: argparse.Namespace, n: int):
    """The ansatz circuit described by the arguments at ``n`` qubits."""
    import circuits

    layers = _layers(args.layers, n)
    if args.ansatz == "hea":
        return circuits.hardware_efficient(n, layers, entangler=args.entangler)
    if args.ansatz == "ala":
        return circuits.alternating_layered(n, layers, args.block, block_depth=args.block_depth or 1)
    if args.ansatz == "tpa":
        return circuits.tensor_product(n, args.block, block_depth=args.block_depth or 2)
    return circuits.qcnn(n)


def build_observable(text: str, n: int):
    """``'local'`` (seed paper's ``(1/n)Σ|0⟩⟨0|_j``), ``'local-z'``, ``'global'``, ``'Zmid'`` or a Pauli sum."""
    import cirq

    import circuits

    qs = cirq.LineQubit.range(n)
    t = text.strip()
    if t == "local":
        return circuits.local_cost(qs)
    if t == "local-z":
        return circuits.local_cost(qs, form="z")
    if t == "global":
        return circuits.global_cost(qs)
    if t.lower() == "zmid":
        return cirq.PauliSum.wrap(cirq.Z(qs[n // 2]))
    obs = circuits.parse_pauli_sum(t)
    outside = [q for ps in obs for q in ps.qubits if q not in qs]
    if outside:
        raise ValueError(f"observable {text!r} acts on {sorted(set(outside))}, outside the {n} qubits")
    return obs


def _state(text: str, n: int):
    t = text.strip()
    if t in ("0", "zero"):
        return None
    if t in ("+", "plus"):
        return "+" * n
    if len(t) == n and set(t) <= set("01+-ij"):
        return t
    raise ValueError(f"--state must be 0, +, or a product-state string of length n like '0+1-' (got {text!r})")


def _fmt(v: float) -> str:
    return "0" if v == 0 else f"{v:.4e}"


def _log10(v: float) -> str:
    return "-inf" if v <= 0 else f"{math.log10(v):7.3f}"


def _interval(res, i: int) -> str:
    if res.ci_low is not None:
        return f"[{_fmt(res.ci_low[i])}, {_fmt(res.ci_high[i])}]"
    if res.error_bound is not None and res.method in ("truncated", "tn-truncated"):
        return f"± {res.error_bound[i]:.2e}"
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


def _compute(args: argparse.Namespace, n: int) -> dict:
    from bounds import exact as E

    circ = build_ansatz(args, n)
    obs = build_observable(args.observable, n)
    state = _state(args.state, n)
    res = E.exact_gradient_variance(
        circ, obs, state, args.parameters, method=args.method, max_terms=args.max_terms,
        n_samples=args.samples, confidence=args.confidence, rng=args.seed,
    )
    out: dict[str, Any] = {"n": n, "layers": _layers(args.layers, n), "result": res}
    if args.loss:
        out["loss"] = E.exact_loss_variance(
            circ, obs, state, method=args.method, max_terms=args.max_terms, n_samples=args.samples,
            confidence=args.confidence, rng=args.seed,
        )
    if args.two_design:
        try:
            out["two_design"] = E.two_design_gradient_variance(circ, obs, state, args.parameters)
        except ValueError as exc:
            out["two_design_error"] = str(exc)
    if args.lie:
        try:
            out["lie"] = E.lie_algebraic_gradient_variance(circ, obs, state, args.parameters)
        except ValueError as exc:
            out["lie_error"] = str(exc)
    return out


def _print_run(args: argparse.Namespace, item: dict) -> None:
    res = item["result"]
    n = item["n"]
    print(
        f"n = {n}  ansatz {args.ansatz}  layers {item['layers']}  observable {args.observable}  "
        f"light cone {res.details.get('light_cone_qubits')} qubits, {int(res.in_light_cone.sum())}/{len(res)} "
        f"selected parameters inside  [{res.seconds:.3f} s]"
    )
    print(f"  method: {_method_text(res)}")
    extra = [k for k in ("two_design", "lie") if k in item]
    per_param = args.per_parameter or len(res) <= 12
    if per_param:
        head = f"  {'parameter':<22} {'Var[dL/dθ]':>12} {'log10':>8}  {'CI / error bound':<28}"
        for k in extra:
            head += f" {k:>12}"
        print(head)
        for i, p in enumerate(res.parameters):
            line = f"  {p.name:<22} {_fmt(res.values[i]):>12} {_log10(res.values[i]):>8}  {_interval(res, i):<28}"
            for k in extra:
                line += f" {_fmt(item[k].values[i]):>12}"
            print(line)
    else:
        vals = res.values
        nonzero = vals[vals > 0]
        order = sorted(range(len(vals)), key=lambda i: -vals[i])[:5]
        print(f"  summary over {len(vals)} parameters: {int(res.in_light_cone.sum())} in the causal light cone, "
              f"{len(nonzero)} with non-zero variance (the rest exactly 0)")
        if len(nonzero):
            import numpy as np

            print(f"    non-zero variances: max {_fmt(float(nonzero.max()))} (log10 {_log10(float(nonzero.max())).strip()}), "
                  f"median {_fmt(float(np.median(nonzero)))}, min {_fmt(float(nonzero.min()))} "
                  f"(log10 {_log10(float(nonzero.min())).strip()})")
        print("    largest:")
        for i in order:
            print(f"      {res.parameters[i].name:<22} {_fmt(vals[i]):>12} {_log10(vals[i]):>8}  {_interval(res, i)}")
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


def run(args: argparse.Namespace) -> int:
    if args.ansatz in ("ala", "tpa") and args.block < 1:
        raise ValueError(f"--block must be >= 1, got {args.block}")
    counts = _qubit_counts(args.qubits)
    items = [_compute(args, n) for n in counts]
    if args.json:
        payload = []
        for item in items:
            entry = {"n": item["n"], "layers": item["layers"], "ansatz": args.ansatz, "observable": args.observable,
                     "gradient": item["result"].as_dict()}
            for k in ("loss", "two_design", "lie"):
                if k in item:
                    entry[k] = item[k].as_dict()
            for k in ("two_design_error", "lie_error"):
                if k in item:
                    entry[k] = item[k]
            payload.append(entry)
        print(json.dumps(payload, indent=2))
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
    p.add_argument("--ansatz", choices=ANSATZE, default="hea", help="ansatz family (default hea)")
    p.add_argument("--qubits", default="8", help="qubit count(s), e.g. 1000 or 8,16,32")
    p.add_argument("--layers", default="log", help="layers: an integer, 'log' (ceil log2 n, default) or 'n'")
    p.add_argument("--block", type=int, default=2, help="block size for ala/tpa (default 2)")
    p.add_argument("--block-depth", type=int, default=None, help="depth inside each block (ala 1, tpa 2)")
    p.add_argument("--entangler", choices=("cz", "cnot"), default="cz", help="hea entangler (default cz)")
    p.add_argument("--observable", default="Z0",
                   help="'Z0'-style Pauli sum, 'Zmid', 'local' (seed paper's (1/n)Σ|0><0|), 'local-z' or 'global'")
    p.add_argument("--state", default="0", help="input product state: 0 (default), + or a string like '0+1-'")
    p.add_argument("--parameters", default="all", help="all (default), first, last, a symbol name or a glob pattern")
    p.add_argument("--method", choices=("auto", "exact", "truncate", "sample", "tn"), default="auto",
                   help="auto: exact enumeration if the Pauli pairs fit, else the exact tensor network if it fits, "
                        "else path sampling (default); tn: tensor network")
    p.add_argument("--max-terms", type=int, default=2**17, help="Pauli-pair budget of exact enumeration")
    p.add_argument("--samples", type=int, default=2**16, help="sampled Pauli paths (default 65536)")
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level of sampled intervals")
    p.add_argument("--seed", type=int, default=0, help="seed of the path sampler")
    p.add_argument("--loss", action="store_true", help="also the loss variance Var[ℓ]")
    p.add_argument("--two-design", action="store_true", help="also the 2-design block chain (ala/tpa/qcnn)")
    p.add_argument("--lie", action="store_true", help="also the deep-circuit Lie-algebraic value")
    p.add_argument("--per-parameter", action="store_true", help="print every parameter (default: a summary when > 12)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
