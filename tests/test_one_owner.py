"""One owner per concept (issue #14, deliverable 5), checked on the source with ``ast``.

* one JSON protocol: result types define ``to_dict`` (``as_dict`` only as a deprecated alias
  that warns and delegates), and one JSON sanitizer, :mod:`bpcalc.bounds.serialization`;
* one block-tag format: only :mod:`bpcalc.circuits.blocks` spells or parses ``bpcalc.block=``;
* one name per meaning for module constants: no upper-case constant is imported under
  another name (``AUTO_DESIGN_QUBITS as MAX_DESIGN_QUBITS`` made one name mean 4 and 5).
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("circuits", "bounds", "verify")
SANITIZER = ROOT / "bounds" / "serialization.py"
BLOCKS = ROOT / "circuits" / "blocks.py"


def _sources() -> dict[pathlib.Path, ast.Module]:
    return {p: ast.parse(p.read_text(), filename=str(p)) for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


SOURCES = _sources()


def _rel(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT))


# ----------------------------------------------------------------------------- JSON protocol


def misnamed_to_dict(sources) -> list[str]:
    """Methods that return a dict under another name than ``to_dict`` (``to_json`` must return text)."""
    return [f"{_rel(p)}:{n.lineno} {n.name}" for p, tree in sources.items() for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.name in ("to_json", "as_json", "to_json_dict", "asdict", "as_dict")
            and n.returns is not None and ast.unparse(n.returns) in ("dict", "Mapping", "dict[str, Any]")
            and not _is_deprecated_alias(n)]


def test_json_text_and_dict_are_not_confused():
    bad = misnamed_to_dict(SOURCES)
    assert not bad, "a method returning a dict is to_dict (to_json returns JSON text):\n" + "\n".join(bad)


def _is_deprecated_alias(fn: ast.FunctionDef) -> bool:
    """``warnings.warn(..., DeprecationWarning, ...)`` then ``return self.to_dict()``."""
    text = ast.unparse(fn)
    return "DeprecationWarning" in text and "warn(" in text and "return self.to_dict()" in text


def as_dict_definitions(sources) -> list[str]:
    return [f"{_rel(p)}:{n.lineno}" for p, tree in sources.items() for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.name == "as_dict" and not _is_deprecated_alias(n)]


def _calls_itself(fn: ast.FunctionDef) -> bool:
    return any(isinstance(c, ast.Call) and ast.unparse(c.func).split(".")[-1] == fn.name for c in ast.walk(fn))


def _isinstance_types(fn: ast.FunctionDef) -> set[str]:
    out: set[str] = set()
    for c in ast.walk(fn):
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "isinstance" and len(c.args) == 2:
            out |= set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", ast.unparse(c.args[1])))
    return out


def _returns_container(fn: ast.FunctionDef) -> bool:
    return any(isinstance(r, ast.Return) and isinstance(r.value, (ast.ListComp, ast.DictComp, ast.List, ast.Dict))
               for r in ast.walk(fn))


def sanitizers(sources) -> list[str]:
    """Functions that convert data trees to JSON outside the one sanitizer module.

    A sanitizer: a recursive function walking containers (isinstance on list/tuple/dict/
    Mapping) that returns converted containers and converts numbers (mentions ``float``,
    ``isfinite``, ``floating``, ``generic`` or ``ndarray``),
    a function named like one, or a ``json.dump(s)(..., default=...)`` hook.
    """
    bad = []
    for p, tree in sources.items():
        if p == SANITIZER:
            continue
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if re.search(r"jsonable|sanitiz|json_default|^_?plain$", n.name):
                    bad.append(f"{_rel(p)}:{n.lineno} def {n.name}")
                    continue
                types = _isinstance_types(n)
                text = ast.unparse(n)
                if _calls_itself(n) and types & {"list", "tuple", "dict", "Mapping"} and _returns_container(n) and \
                        re.search(r"\bfloat\b|isfinite|floating|generic|ndarray", text):
                    bad.append(f"{_rel(p)}:{n.lineno} def {n.name} (recursive converter)")
            elif isinstance(n, ast.Call) and ast.unparse(n.func) in ("json.dumps", "json.dump") and \
                    any(k.arg == "default" for k in n.keywords):
                bad.append(f"{_rel(p)}:{n.lineno} {ast.unparse(n.func)}(..., default=...)")
    return bad


def test_no_as_dict_spelling():
    bad = as_dict_definitions(SOURCES)
    assert not bad, "define to_dict (as_dict only as a deprecated alias that warns):\n" + "\n".join(bad)


def test_one_json_sanitizer():
    bad = sanitizers(SOURCES)
    assert not bad, ("use bpcalc.bounds.serialization.to_jsonable / dumps instead of another sanitizer:\n"
                     + "\n".join(bad))


# canonical JSON used as a hash key (not a writer): its bytes must never change
HASH_KEY_FUNCTIONS = {("verify/sweep.py", "_canonical")}


def direct_json_writers(sources) -> list[str]:
    """``json.dump``/``json.dumps`` calls outside the sanitizer module (and the hash-key function)."""
    bad = []
    for p, tree in sources.items():
        if p == SANITIZER:
            continue
        allowed = {id(c) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
                   and (_rel(p), fn.name) in HASH_KEY_FUNCTIONS for c in ast.walk(fn)}
        bad += [f"{_rel(p)}:{n.lineno} {ast.unparse(n)[:70]}" for n in ast.walk(tree)
                if isinstance(n, ast.Call) and ast.unparse(n.func) in ("json.dumps", "json.dump") and id(n) not in allowed]
    return bad


def test_every_json_writer_uses_the_sanitizer():
    bad = direct_json_writers(SOURCES)
    assert not bad, "write JSON with bpcalc.bounds.serialization.dumps:\n" + "\n".join(bad)


def test_rules_catch_the_old_spellings():
    """The detectors are not vacuous: each old pattern is flagged."""
    old = ast.parse('''
import json, math
def _jsonable(value):
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
def plain(v):
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return float(v)
class R:
    def as_dict(self):
        return {}
def write(obj):
    return json.dumps(obj, default=str)
''')
    fake = {ROOT / "bounds" / "old.py": old}
    assert len(sanitizers(fake)) == 3
    assert as_dict_definitions(fake) == ["bounds/old.py:12"]
    assert direct_json_writers(fake) == ["bounds/old.py:15 json.dumps(obj, default=str)"]


def test_deprecated_as_dict_alias_warns_and_agrees():
    import cirq
    import warnings

    from bpcalc.bounds.exact import exact_gradient_variance, exact_loss_variance
    from bpcalc.bounds.measures import Estimate

    q = cirq.LineQubit.range(2)
    c = cirq.Circuit(cirq.ry(__import__("sympy").Symbol("a")).on(q[0]), cirq.CZ(*q))
    r = exact_gradient_variance(c, cirq.Z(q[0]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = r.as_dict()
    assert any(issubclass(w.category, DeprecationWarning) and "to_dict" in str(w.message) for w in caught)
    assert old == r.to_dict()


# ----------------------------------------------------------------------------- block tags


def test_block_tag_format_has_one_owner():
    bad = []
    for p, tree in SOURCES.items():
        if p == BLOCKS:
            continue
        for n in ast.walk(tree):
            # docstrings / messages may *name* the format; code must not build or parse it
            if isinstance(n, (ast.Call, ast.Compare)) and "bpcalc.block=" in ast.unparse(n) and not (
                    isinstance(n, ast.Call) and ast.unparse(n.func).split(".")[-1] in ("AssumptionFailed", "ValueError")):
                bad.append(f"{_rel(p)}:{n.lineno} {ast.unparse(n)[:80]}")
            if isinstance(n, ast.JoinedStr) and "bpcalc.block=" in ast.unparse(n):
                bad.append(f"{_rel(p)}:{n.lineno} builds a block tag by hand")
    assert not bad, "use circuits.BlockTag / block_tags / operations_outside_blocks:\n" + "\n".join(bad)


# ----------------------------------------------------------------------------- constants


def test_no_constant_imported_under_another_name():
    bad = [f"{_rel(p)}:{n.lineno} {a.name} as {a.asname}"
           for p, tree in SOURCES.items() for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
           for a in n.names if a.asname and a.name.isupper() and a.asname != a.name]
    assert not bad, "a constant keeps its name (one name per meaning):\n" + "\n".join(bad)


def test_design_qubit_limits_have_one_name_each():
    from bpcalc.bounds import designs

    assert designs.MAX_DESIGN_QUBITS == 5 and designs.AUTO_DESIGN_QUBITS == 4
    assert designs.AUTO_DESIGN_QUBITS <= designs.MAX_DESIGN_QUBITS
    # every user of a limit in the theorem checks means the automatic-test limit
    users = {_rel(p) for p, tree in SOURCES.items() for n in ast.walk(tree)
             if isinstance(n, ast.Name) and n.id == "MAX_DESIGN_QUBITS"}
    assert users == {"bounds/designs.py"}, users


@pytest.mark.parametrize("n_qubits", [5])
def test_five_qubit_register_is_not_auto_tested(n_qubits):
    """Above AUTO_DESIGN_QUBITS the exact 2-design test is not run by itself: undecided, asks to declare."""
    import cirq
    import sympy

    from bpcalc import circuits
    from bpcalc.bounds.registry import Context
    from bpcalc.bounds.theorems import _checks

    qs = cirq.LineQubit.range(n_qubits)
    ansatz = circuits.hardware_efficient(n_qubits, 1)
    model = circuits.Model(ansatz=ansatz, observable=cirq.Z(qs[0]))
    sym = sorted(cirq.parameter_symbols(ansatz), key=str)[0]
    holds, reason = _checks.check_global_two_design("before")(Context(model=model, parameter=sympy.Symbol(str(sym))))
    assert holds is None and "declare" in reason


# ----------------------------------------------------------------------------- the to_dict protocol


def _to_dict_classes() -> dict[str, type]:
    """Every public class of the three packages (defined there) that has a ``to_dict``."""
    import importlib
    import inspect
    import pkgutil

    found: dict[str, type] = {}
    for pkg in ("bpcalc.circuits", "bpcalc.bounds", "bpcalc.verify"):
        root = importlib.import_module(pkg)
        for name in [pkg] + [m.name for m in pkgutil.walk_packages(root.__path__, pkg + ".")]:
            module = importlib.import_module(name)
            for cname, cls in vars(module).items():
                if inspect.isclass(cls) and cls.__module__ == name and not cname.startswith("_") \
                        and hasattr(cls, "to_dict") and cname != "SupportsToDict":
                    found[f"{name}.{cls.__qualname__}"] = cls
    return found


def to_dict_nonconformance(cls: type) -> list[str]:
    """Why ``cls.to_dict`` is not ``to_dict(self) -> dict`` of :class:`SupportsToDict` (empty: conforms)."""
    import inspect
    import typing

    from bpcalc.bounds import SupportsToDict

    raw = inspect.getattr_static(cls, "to_dict")
    if not inspect.isfunction(raw):
        return [f"to_dict is a {type(raw).__name__}, not a method"]
    bad = []
    if not issubclass(cls, SupportsToDict):
        bad.append("not a SupportsToDict")
    params = list(inspect.signature(raw).parameters.values())
    if len(params) != 1 or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        bad.append(f"signature {inspect.signature(raw)} (expected to_dict(self))")
    ret = inspect.signature(raw).return_annotation
    ret = ret if not isinstance(ret, str) else {"dict": dict, "Dict": dict}.get(ret.split("[")[0], ret)
    if typing.get_origin(ret) is not None:
        ret = typing.get_origin(ret)
    if ret is not dict:
        bad.append(f"return annotation {inspect.signature(raw).return_annotation!r} (expected dict)")
    return bad


TO_DICT_CLASSES = None


def _classes() -> dict[str, type]:
    global TO_DICT_CLASSES
    if TO_DICT_CLASSES is None:
        TO_DICT_CLASSES = _to_dict_classes()
    return TO_DICT_CLASSES


def test_every_to_dict_conforms_to_the_protocol():
    classes = _classes()
    assert len(classes) >= 40, sorted(classes)  # discovery works (47 classes when written)
    bad = [f"{name}: {why}" for name, cls in sorted(classes.items()) for why in to_dict_nonconformance(cls)]
    assert not bad, "to_dict must be to_dict(self) -> dict (bpcalc.bounds.SupportsToDict):\n" + "\n".join(bad)


def test_protocol_check_catches_nonconforming_to_dict():
    from bpcalc.bounds import SupportsToDict
    from bpcalc.bounds.serialization import dumps

    class Args:
        def to_dict(self, verbose) -> dict:
            return {}

    class Prop:
        @property
        def to_dict(self) -> dict:
            return {}

    class Text:
        def to_dict(self) -> str:
            return "{}"

    class Good:
        def to_dict(self) -> dict:
            return {"x": 1}

    assert to_dict_nonconformance(Args) and to_dict_nonconformance(Prop) and to_dict_nonconformance(Text)
    assert to_dict_nonconformance(Good) == [] and isinstance(Good(), SupportsToDict)
    assert not isinstance(object(), SupportsToDict)
    assert dumps([Good()]) == '[{"x": 1}]'  # to_jsonable dispatches on the protocol


# classes the instance test below does not build (no cheap example yet): the signature test above
# still checks them; an instance check is still owed for each (issue #14).  A new class with
# to_dict must be reached by the examples or be added here.
NO_EXAMPLE_YET = frozenset({
    "bpcalc.bounds.family.FamilyScan",
    "bpcalc.bounds.family.VariancePoint",
    "bpcalc.bounds.measures.EnsembleExpressibility",
    "bpcalc.bounds.measures.SubsystemExpressibility",
    "bpcalc.bounds.registry.Verification",
    "bpcalc.verify.architecture_report.ArchitectureReport",
    "bpcalc.verify.architecture_report.GroupSummary",
    "bpcalc.verify.comparison.Comparison",
    "bpcalc.verify.families.FamilyScaling",
    "bpcalc.verify.hardware.experiment.GradientExperimentResult",
    "bpcalc.verify.hardware.validate.ValidationReport",
})


def _example_objects() -> list:
    """Real results of cheap runs (a 2-qubit analysis, theorems, exact and sampled variances, fits)."""
    import cirq
    import numpy as np
    import sympy

    from bpcalc import circuits
    from bpcalc.bounds import analyze, default_registry
    from bpcalc.bounds.exact import exact_gradient_variance, exact_loss_variance
    from bpcalc.bounds.measures import Estimate
    from bpcalc.bounds.from_files import classify_operation
    from bpcalc.bounds.registry import Context
    from bpcalc.bounds.scaling import fit_scaling, size_verdict
    from bpcalc.verify.check import check
    from bpcalc.verify.fits import fit_estimates
    from bpcalc.verify.report import CompactRow, Figure, Table
    from bpcalc.verify.stats import estimate_variance
    from bpcalc.verify.sweep import SweepRecord

    ansatz = circuits.hardware_efficient(2, 1)
    model = circuits.Model(ansatz=ansatz, observable=circuits.local_cost(sorted(ansatz.all_qubits())))
    theta = sorted(model.trainable_symbols, key=str)[0]
    ctx = Context(model=model, parameter=sympy.Symbol(str(theta)))
    out: list = [analyze(model, ensemble=False)]
    for th in default_registry().values():
        out += [th, th.instantiate(ctx)]  # Instance: values, refusals, applicability
    out.append(default_registry()["mcclean2018.two_design"].bound("variance").asymptotics(Delta_O=1, Delta_rho=1))
    q = cirq.LineQubit.range(2)
    a = sympy.Symbol("a")
    c = cirq.Circuit(cirq.ry(a).on(q[0]), cirq.CZ(*q))
    out.append(exact_gradient_variance(c, cirq.Z(q[0])))
    out.append(exact_loss_variance(c, cirq.Z(q[0])))
    ests = [estimate_variance(np.random.default_rng(k).normal(scale=2.0 ** -k, size=40), n_bootstrap=100,
                              parameter="a") for k in range(3)]
    out += ests
    out.append(check([{"parameter": "a", "name": "b", "kind": "upper", "value": 2.0}], ests[0]))
    from bpcalc.bounds.analysis import SampledEstimate
    from bpcalc.verify.architecture_report import gate_table
    from bpcalc.bounds.from_files import prepare_model
    sym = str(theta)
    out.append(out[0].with_samples({sym: SampledEstimate(sym, 0.1, 0.05, 0.2, 0.95, 40, "own", 7, "loss=output")}))
    out.append(gate_table(prepare_model(ansatz)))
    out.append(fit_estimates([2, 4, 6], ests))
    out.append(fit_scaling([2, 4, 6], [0.5, 0.12, 0.03]))
    out.append(size_verdict(1e-6))
    out.append(classify_operation(cirq.ry(a).on(q[0]), {a}, set()))
    out.append(circuits.parametrize_angles(cirq.Circuit(cirq.rx(0.3).on(q[0])))[1])
    out += [Table("t", ("a", "b"), ((1, np.float64(2.5)),)), Figure("f.png", "a figure")]
    citation = default_registry()["mcclean2018.two_design"].citation
    out.append(CompactRow(("hea", "2"), exact_log10=-1.2, upper=(-0.5, citation), sampled=(0.06, 0.05, 0.07)))
    out.append(SweepRecord("k", {"n": 2}, "ok", result={"v": np.float64(0.25), "ci": (0.2, float("inf"))}))
    out.append(Estimate(0.5, 0.4, 0.6, 0.95, 100, "bootstrap"))
    return out


def _reachable_to_dict_objects(roots) -> list:
    import dataclasses

    from bpcalc.bounds import SupportsToDict

    seen: dict[int, object] = {}
    stack = [(r, 0) for r in roots]
    while stack:
        o, depth = stack.pop()
        if depth > 12 or id(o) in seen:
            continue
        seen[id(o)] = o
        if isinstance(o, dict):
            stack += [(v, depth + 1) for v in o.values()]
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack += [(v, depth + 1) for v in o]
        elif dataclasses.is_dataclass(o) and not isinstance(o, type):
            stack += [(getattr(o, f.name), depth + 1) for f in dataclasses.fields(o)]
    return [o for o in seen.values() if isinstance(o, SupportsToDict) and not isinstance(o, type)]


def test_every_to_dict_output_is_json_through_dumps():
    """to_dict() of real instances is a dict that ``dumps(..., unknown='raise')`` writes, equal to dumps(obj)."""
    import json

    from bpcalc.bounds.serialization import dumps

    classes = _classes()
    objects = _reachable_to_dict_objects(_example_objects())
    reached = {f"{type(o).__module__}.{type(o).__qualname__}" for o in objects}
    bad = []
    for o in objects:
        name = f"{type(o).__module__}.{type(o).__qualname__}"
        d = o.to_dict()
        if not isinstance(d, dict):
            bad.append(f"{name}: to_dict returned {type(d).__name__}")
            continue
        try:
            text = dumps(d, unknown="raise")
        except TypeError as exc:
            bad.append(f"{name}: {exc}")
            continue
        if json.loads(text) != json.loads(dumps(o, unknown="raise")):
            bad.append(f"{name}: dumps(obj) differs from dumps(obj.to_dict())")
    assert not bad, "\n".join(bad)
    missing = sorted(set(classes) - reached - NO_EXAMPLE_YET)
    assert not missing, "classes with to_dict that no example reaches (add an example or NO_EXAMPLE_YET):\n" + \
        "\n".join(missing)
    assert NO_EXAMPLE_YET <= set(classes), sorted(NO_EXAMPLE_YET - set(classes))
