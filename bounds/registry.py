"""The theorem registry: every published bound bpcalc knows, with checks and numbers.

A :class:`Theorem` bundles one or more :class:`~bpcalc.bounds.bound.Bound` objects with the paper
they come from, the hypotheses that must hold for a concrete model (each checked on a
:class:`Context`, never assumed), a function producing the numbers to substitute, and a
:class:`Verification` record naming the test that checks it numerically.

How to add a theorem module (the one mechanism)
-----------------------------------------------
1. Create ``bounds/theorems/<paper>.py`` (``<paper>`` = first author + year, e.g.
   ``cerezo2021``) that defines a module-level tuple ``THEOREMS = (Theorem(...), ...)``.
   Keys are ``"<paper>.<name>"``, e.g. ``"cerezo2021.local_cost_lower"``.
2. Add ONE line to ``bounds/theorems/__init__.py``: ``from . import <paper>``.

That is all: :func:`default_registry` collects ``THEOREMS`` from every sub-module imported
by ``bpcalc.bounds.theorems`` (sorted by key), and rejects duplicate keys.  Do not call
:func:`register` from a theorem module — it returns a *new* registry for user code that
wants extra theorems at run time; there is no global mutable state.

Worked example (a complete theorem module)
------------------------------------------
>>> import sympy
>>> from bpcalc.bounds.bound import Assumption, Bound, Citation, sym
>>> from bpcalc.bounds.registry import Context, Theorem, Verification, register
>>> n = sym("n")
>>> cite = Citation(authors="McClean, Boixo, Smelyanskiy, Babbush, Neven",
...                 title="Barren plateaus in quantum neural network training landscapes",
...                 arxiv="1803.11173", year=2018, locator="Eq. (5)")
>>> def blocks_are_designs(ctx):          # -> (True | False | None, reason)
...     if ctx.model is None:
...         return None, "no model given"
...     return (True, "declared by the user") if ctx.model.two_design_blocks else (
...         False, "the ansatz is not declared a 2-design")
>>> example = Theorem(
...     key="example.two_design",
...     title="Two-design gradient variance",
...     citation=cite,
...     bounds=(Bound("variance", "exact",
...                   2**(2*n) / (2 * (2**(2*n) - 1)**2) * sym("Delta_O") * sym("Delta_rho"),
...                   citation=cite),),
...     assumptions=(Assumption("two_design", "V_- and V_+ are 2-designs", blocks_are_designs),),
...     substitutions=lambda ctx: {"n": ctx.n_qubits},
...     verification=Verification("verified", "tests/bounds/test_x.py::test_y", "brute force"),
... )
>>> reg = register(example)                               # a new registry (default + example)
>>> ctx = Context(values={"n": 4, "Delta_O": 1.0, "Delta_rho": 0.9375})
>>> reg.get("example.two_design").applicability(ctx).applicable   # no model: undecided
False
>>> inst = reg.get("example.two_design").instantiate(ctx, check=False)
>>> f"{inst.values[0].value:.6f}"
'0.001845'
>>> print(reg.get("example.two_design"))          # readable text (Jupyter: Markdown / LaTeX / HTML)
example.two_design: Two-design gradient variance
  McClean et al. 2018, arXiv:1803.11173, Eq. (5)
  status: verified (source: recalled)
  variance: Var_θ[∂_k C] = 2**(2*n)*Delta_O*Delta_rho/(2*(2**(2*n) - 1)**2)
  assumes two_design: V_- and V_+ are 2-designs
>>> reg._repr_markdown_().splitlines()[0]
'| theorem | title | status | source | bounds |'
>>> len(str(reg).splitlines()) == len(reg)             # the listing: one line per theorem
True

Inside a theorem module, use ``THEOREMS = (example,)`` instead of :func:`register`.

The :class:`Context` a theorem sees
-----------------------------------
``model`` (a :class:`circuits.Model` or ``None``), ``parameter`` (the differentiated
``sympy.Symbol`` θ_k, or ``None`` for model-level statements), ``values`` (numbers given
by the user; they override ``substitutions``), ``measures`` (a
:class:`bpcalc.bounds.measures.Measures` computed by :func:`bpcalc.bounds.analysis`, or ``None``),
``declared`` (assumption keys the user asserts, e.g. ``{"random_blocks"}``) and ``extra``
(free-form, e.g. exact variances).  Checks must handle missing pieces by returning
``(None, "why")``.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import re
import types
import warnings
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Optional

import numpy as np
import sympy

from . import display
from .assumptions import resolve_declared
from .bound import Assumption, AssumptionFailed, Bound, BoundValue, Check, Citation
from .memory import MemoryBudgetExceeded
from .serialization import to_jsonable

__all__ = [
    "STATUSES",
    "SOURCES",
    "Context",
    "Verification",
    "Applicability",
    "Refusal",
    "Instance",
    "Theorem",
    "Registry",
    "default_registry",
    "register",
    "get_theorem",
    "list_theorems",
]

STATUSES = ("verified", "quoted", "corrected")
SOURCES = ("published", "restated", "recalled", "derived")
"""Where a registered formula comes from: ``published`` (compared with the paper's own text),
``restated`` (compared with a faithful restatement — the authors' code, a formalisation citing
the paper's source, or a third-party summary — but not with the paper's text), ``recalled``
(the published statement as the field knows it, compared with nothing in this project) or
``derived`` (derived in bpcalc in the paper's setting, because the published constants could
not be confirmed or do not survive the numerical check)."""
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclasses.dataclass(frozen=True, eq=False)
class Context:
    """What a theorem's checks and substitutions may look at.

    Attributes
    ----------
    model : ``circuits.Model`` or ``None``.
    parameter : the differentiated trainable symbol θ_k (``None``: model-level statement).
    values : symbol name -> number (or sequence for per-datapoint IndexedBases); overrides
        the theorem's own ``substitutions``.
    measures : ``bpcalc.bounds.measures.Measures`` or ``None`` if not computed.
    declared : keys of assumptions the user asserts to hold (see :mod:`bpcalc.bounds.assumptions`;
        deprecated keys are replaced by their new keys, with a DeprecationWarning, and implied keys added).
    extra : anything else (e.g. ``{"exact_variance": ...}``).
    memo : a dict shared by the contexts of one analysis (:func:`bpcalc.bounds.analysis.analyze`
        passes one to every parameter's context), so that model-level results a theorem needs
        for every parameter (a Lie closure, an observable's matrix) are computed once; ``None``
        (default): nothing is kept.  See :meth:`memoized`.
    """

    model: Any = None
    parameter: Optional[sympy.Symbol] = None
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    measures: Any = None
    declared: frozenset = frozenset()
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    memo: Optional[dict] = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.parameter is not None and not isinstance(self.parameter, sympy.Symbol):
            raise TypeError(f"Context.parameter must be a sympy.Symbol, got {type(self.parameter).__name__}")
        if not isinstance(self.values, Mapping):
            raise TypeError("Context.values must be a mapping name -> number")
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))
        if isinstance(self.declared, str):
            raise TypeError(f"Context.declared must be a collection of assumption keys, got the string {self.declared!r}")
        declared, notes = resolve_declared(self.declared)
        for note in notes:
            warnings.warn(note, DeprecationWarning, stacklevel=3)
        object.__setattr__(self, "declared", declared)

    @property
    def n_qubits(self) -> int:
        """``values['n']`` if given, else the model's qubit count.

        Raises
        ------
        ValueError : neither is available.
        """
        if "n" in self.values:
            return int(self.values["n"])
        if self.model is not None:
            return int(self.model.n_qubits)
        raise ValueError("the number of qubits is unknown: give a model or values['n']")

    def replace(self, **changes: Any) -> "Context":
        return dataclasses.replace(self, **changes)

    def memoized(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept in :attr:`memo` under ``key`` for the other contexts of the same analysis.

        ``key`` must name everything the result depends on besides the model (which all
        contexts sharing a memo have in common); a ``compute`` that raises is not kept.

        Examples
        --------
        >>> ctx = Context(memo={})
        >>> ctx.memoized("answer", lambda: 42), ctx.replace().memoized("answer", lambda: 0)
        (42, 42)
        """
        if self.memo is None:
            return compute()
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclasses.dataclass(frozen=True)
class Verification:
    """How a theorem was checked in this project.

    status : ``"verified"`` (a test compares it with an independent exact value),
        ``"corrected"`` (the published form disagreed with the test; the registered form
        is the corrected one and ``note`` says why) or ``"quoted"`` (taken from the paper,
        no numerical check yet — analyses label its numbers as such).
    test : pytest node id(s) of the checking test(s), comma-separated.
    note : what was compared, and any correction with its derivation.
    source : where the formula comes from, one of :data:`SOURCES` (``"published"``,
        ``"restated"``, ``"recalled"``, ``"derived"``).  The status says whether a test checks the formula;
        the source says whether the formula is the paper's own text.
    """

    status: str
    test: str
    note: str = ""
    source: str = "recalled"

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"Verification.source must be one of {SOURCES}, got {self.source!r}")
        if self.status not in STATUSES:
            raise ValueError(f"Verification.status must be one of {STATUSES}, got {self.status!r}")
        if self.status != "quoted" and not (isinstance(self.test, str) and self.test.strip()):
            raise ValueError(f"a {self.status!r} theorem must name the test that checks it")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Applicability:
    """Per-assumption outcome of :meth:`Theorem.applicability`.

    ``checks`` holds every distinct assumption (theorem-level first); ``bound_status`` maps
    each bound name to whether all of its (and the theorem's) assumptions hold.
    """

    theorem: str
    checks: tuple[Check, ...]
    bound_status: Mapping[str, bool]

    @property
    def applicable(self) -> bool:
        """At least one bound of the theorem applies."""
        return any(self.bound_status.values())

    @property
    def failed(self) -> tuple[Check, ...]:
        """Checks that did not pass (violated or undecided)."""
        return tuple(c for c in self.checks if not c.passed)

    def reason(self) -> str:
        if not self.failed:
            return "all assumptions hold"
        return "; ".join(str(c) for c in self.failed)

    def to_dict(self) -> dict:
        return {
            "theorem": self.theorem,
            "applicable": self.applicable,
            "checks": [c.to_dict() for c in self.checks],
            "bound_status": dict(self.bound_status),
        }


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A bound that was not evaluated, and why (failed checks or a missing number)."""

    bound: str
    reason: str
    failed: tuple[Check, ...] = ()

    def to_dict(self) -> dict:
        return {"bound": self.bound, "reason": self.reason, "failed": [c.to_dict() for c in self.failed]}


@dataclasses.dataclass(frozen=True)
class Instance:
    """A theorem instantiated on a context: numbers for the bounds that apply."""

    theorem: str
    values: tuple[BoundValue, ...]
    refused: tuple[Refusal, ...]
    applicability: Applicability
    substitutions: Mapping[str, Any]
    status: str

    def value(self, bound: str) -> BoundValue:
        for v in self.values:
            if v.name == bound:
                return v
        raise KeyError(f"{self.theorem}: no evaluated bound {bound!r} (evaluated: {[v.name for v in self.values]})")

    def to_dict(self) -> dict:
        return {
            "theorem": self.theorem,
            "status": self.status,
            "values": [v.to_dict() for v in self.values],
            "refused": [r.to_dict() for r in self.refused],
            "applicability": self.applicability.to_dict(),
            "substitutions": to_jsonable({k: _numeric(v) for k, v in self.substitutions.items()}),
        }


def _numeric(value: Any) -> Any:
    """A substituted number (or array of numbers) as floats; anything else unchanged."""
    try:
        return np.asarray(value, dtype=float).tolist()
    except (TypeError, ValueError):
        return value


SubstitutionFn = Callable[[Context], Mapping[str, Any]]


@dataclasses.dataclass(frozen=True, eq=False)
class Theorem:
    """A registered theorem.

    Attributes
    ----------
    key : ``"<paper>.<name>"`` (lower case, dotted), unique in the registry.
    title : one line.
    citation : :class:`Citation` of the statement (paper, arXiv id, theorem/equation).
    bounds : the symbolic statements (each a :class:`Bound`; names unique).
    verification : :class:`Verification` (test + status + note).
    assumptions : hypotheses shared by all bounds (each bound may add its own).
    substitutions : ``f(context) -> {symbol name: number}`` giving the numbers for the
        bounds' inputs (from ``context.model`` / ``context.measures``); may omit names it
        cannot supply — bounds needing them are refused with that reason.  It raises
        :class:`~bpcalc.bounds.bound.AssumptionFailed` when a hypothesis fails on the instance (a
        refusal with that reason); any other exception is a bug and propagates.
    statement : the theorem in words (Markdown/LaTeX allowed).
    scope : ``"parameter"`` (about one ∂_k), ``"loss"`` (the whole loss) or ``"ensemble"``
        (about an embedding ensemble rather than a gradient).
    tags : free keywords (``"two-design"``, ``"local-cost"``, ``"noise"`` …).
    scaling : optional ``f(context) -> {symbol name: number or sympy expression in sym("n")}``
        saying how the bounds' inputs scale with ``n`` for the model's family (e.g.
        ``{"Delta_O": O_norm**2 * 2**n}``, an upper bound on Δ(O) at fixed ‖O‖).  Used by
        :func:`bpcalc.bounds.analysis.analyze` to classify a bound's asymptotics; return ``{}`` (or leave
        ``None``) when the n-dependence is unknown — e.g. data-dependent quantities.  Only give
        scalings that keep the bound's direction valid (over-estimates for upper bounds).
    """

    key: str
    title: str
    citation: Citation
    bounds: tuple[Bound, ...]
    verification: Verification
    assumptions: tuple[Assumption, ...] = ()
    substitutions: Optional[SubstitutionFn] = None
    statement: str = ""
    scope: str = "parameter"
    tags: tuple[str, ...] = ()
    scaling: Optional[SubstitutionFn] = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise ValueError(f"Theorem key {self.key!r} must look like '<paper>.<name>' (lower case)")
        if not isinstance(self.citation, Citation):
            raise TypeError(f"Theorem {self.key}: citation must be a Citation")
        if not isinstance(self.verification, Verification):
            raise TypeError(f"Theorem {self.key}: verification must be a Verification")
        bounds = tuple(self.bounds)
        if not bounds:
            raise ValueError(f"Theorem {self.key}: needs at least one Bound")
        for b in bounds:
            if not isinstance(b, Bound):
                raise TypeError(f"Theorem {self.key}: bounds must be Bound objects, got {type(b).__name__}")
        names = [b.name for b in bounds]
        if len(set(names)) != len(names):
            raise ValueError(f"Theorem {self.key}: bound names must be unique, got {names}")
        for a in self.assumptions:
            if not isinstance(a, Assumption):
                raise TypeError(f"Theorem {self.key}: assumptions must be Assumption objects")
        if self.substitutions is not None and not callable(self.substitutions):
            raise TypeError(f"Theorem {self.key}: substitutions must be callable")
        if self.scaling is not None and not callable(self.scaling):
            raise TypeError(f"Theorem {self.key}: scaling must be callable")
        if self.scope not in ("parameter", "loss", "ensemble"):
            raise ValueError(f"Theorem {self.key}: scope must be 'parameter', 'loss' or 'ensemble'")
        object.__setattr__(self, "bounds", bounds)
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def paper(self) -> str:
        return self.key.split(".")[0]

    def bound(self, name: str) -> Bound:
        for b in self.bounds:
            if b.name == name:
                return b
        raise KeyError(f"theorem {self.key} has no bound {name!r}; it has {[b.name for b in self.bounds]}")

    # -- checking ------------------------------------------------------------------

    def applicability(self, context: Context) -> Applicability:
        """Check every assumption on ``context`` (theorem-level and per bound)."""
        if not isinstance(context, Context):
            raise TypeError(f"expected a bounds.registry.Context, got {type(context).__name__}")
        results: dict[str, Check] = {}
        for a in self.assumptions:
            results.setdefault(a.key, a.evaluate(context))
        status = {}
        for b in self.bounds:
            ok = all(results[a.key].passed for a in self.assumptions)
            for a in b.assumptions:
                if a.key not in results:
                    results[a.key] = a.evaluate(context)
                ok = ok and results[a.key].passed
            status[b.name] = ok
        return Applicability(self.key, tuple(results.values()), MappingProxyType(status))

    # -- numbers -------------------------------------------------------------------

    def instantiate(self, context: Context, *, check: bool = True) -> Instance:
        """Evaluate the bounds on ``context``.

        Parameters
        ----------
        context : the model / measures / numbers.
        check : if True (default) only bounds whose assumptions hold are evaluated; the others
            are listed in ``refused``.  ``check=False`` evaluates the formulas regardless
            (a what-if table; the applicability is still reported).

        Returns
        -------
        Instance
        """
        app = self.applicability(context)
        subs: dict[str, Any] = {}
        sub_error = ""
        if self.substitutions is not None and (app.applicable or not check):
            try:
                subs.update(dict(self.substitutions(context)))
            except (AssumptionFailed, MemoryBudgetExceeded) as exc:
                # only a failed hypothesis (or a memory budget, naming the method that fits) is a
                # refusal; any other exception is a bug and propagates
                sub_error = f"numbers could not be obtained: {exc}"
        subs.update(dict(context.values))
        values, refused = [], []
        checks = {c.key: c for c in app.checks}
        for b in self.bounds:
            if check and not app.bound_status[b.name]:
                failed = tuple(checks[a.key] for a in (*self.assumptions, *b.assumptions) if not checks[a.key].passed)
                refused.append(Refusal(b.name, "; ".join(str(c) for c in failed), failed))
                continue
            missing = [name for name in b.inputs if name not in subs]
            if missing:
                why = f"no value for {missing}" + (f" ({sub_error})" if sub_error else "")
                refused.append(Refusal(b.name, why))
                continue
            try:
                values.append(b.evaluate({name: subs[name] for name in b.inputs}))
            except ValueError as exc:
                if app.bound_status[b.name]:
                    raise  # the hypotheses hold: a value outside the bound's domain is a bug
                # a what-if (check=False) with failed hypotheses: inputs may lie outside the domain
                refused.append(Refusal(b.name, f"evaluation failed: {exc}"))
        used = {k: v for k, v in subs.items() if any(k in b.inputs for b in self.bounds)}
        return Instance(self.key, tuple(values), tuple(refused), app, MappingProxyType(used),
                        self.verification.status)

    # -- presentation --------------------------------------------------------------

    def latex(self, citation: bool = True) -> str:
        """All bounds as LaTeX lines (one per bound), each with the citation."""
        return " \\\\\n".join(b.latex(citation=citation) for b in self.bounds)

    def __str__(self) -> str:
        """Key and title, citation, status, one line per bound, the assumptions."""
        return display.theorem_text(self)

    def __repr__(self) -> str:
        return f"<Theorem {self.key}: {self.title}>"

    def _repr_markdown_(self) -> str:
        return display.theorem_markdown(self)

    def _repr_latex_(self) -> str:
        return display.theorem_latex(self)

    def _repr_html_(self) -> str:
        return display.theorem_html(self)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "citation": self.citation.to_dict(),
            "citation_short": self.citation.short(),
            "bounds": [b.to_dict() for b in self.bounds],
            "assumptions": [{"key": a.key, "text": a.text} for a in self.assumptions],
            "verification": self.verification.to_dict(),
            "statement": self.statement,
            "scope": self.scope,
            "tags": list(self.tags),
        }


class Registry(Mapping[str, Theorem]):
    """An immutable mapping key -> :class:`Theorem` (sorted by key)."""

    def __init__(self, theorems: Iterable[Theorem] = ()) -> None:
        items: dict[str, Theorem] = {}
        for t in theorems:
            if not isinstance(t, Theorem):
                raise TypeError(f"a Registry holds Theorem objects, got {type(t).__name__}")
            if t.key in items:
                raise ValueError(f"duplicate theorem key {t.key!r}")
            items[t.key] = t
        self._items = MappingProxyType(dict(sorted(items.items())))

    def __getitem__(self, key: str) -> Theorem:
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, default: Any = ...) -> Theorem:  # type: ignore[override]
        """The theorem ``key``; a ValueError naming the known keys if absent."""
        if key in self._items:
            return self._items[key]
        if default is not ...:
            return default
        raise ValueError(f"unknown theorem {key!r}; known: {list(self._items)}")

    def __repr__(self) -> str:
        return f"Registry({len(self)} theorems: {', '.join(self._items)})"

    def __str__(self) -> str:
        """One line per theorem: ``key  [status; source]  title``."""
        return display.registry_text(self.values())

    def _repr_markdown_(self) -> str:
        return display.registry_markdown(self.values())

    def _repr_latex_(self) -> str:
        return display.registry_latex(self.values())

    def _repr_html_(self) -> str:
        return display.registry_html(self.values())

    def register(self, *theorems: Theorem) -> "Registry":
        """A new registry with ``theorems`` added (duplicate keys rejected)."""
        return Registry([*self._items.values(), *theorems])

    def list(self, *, paper: Optional[str] = None, status: Optional[str] = None,
             tag: Optional[str] = None, scope: Optional[str] = None) -> tuple[Theorem, ...]:
        out = []
        for t in self._items.values():
            if paper is not None and t.paper != paper:
                continue
            if status is not None and t.verification.status != status:
                continue
            if tag is not None and tag not in t.tags:
                continue
            if scope is not None and t.scope != scope:
                continue
            out.append(t)
        return tuple(out)


def _theorems_of(package: types.ModuleType) -> list[Theorem]:
    found: list[Theorem] = []
    for name, obj in sorted(vars(package).items()):
        if isinstance(obj, types.ModuleType) and obj.__name__.startswith(package.__name__ + "."):
            theorems = getattr(obj, "THEOREMS", None)
            if theorems is None:
                continue
            if not isinstance(theorems, tuple):
                raise TypeError(f"{obj.__name__}.THEOREMS must be a tuple of Theorem")
            found.extend(theorems)
    return found


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of every theorem module imported by ``bpcalc.bounds.theorems`` (built once)."""
    package = importlib.import_module("bpcalc.bounds.theorems")
    return Registry(_theorems_of(package))


def register(*theorems: Theorem, registry: Optional[Registry] = None) -> Registry:
    """A NEW registry = ``registry`` (default: :func:`default_registry`) plus ``theorems``.

    For user code; theorem modules declare ``THEOREMS`` instead (see the module docstring).
    """
    return (registry if registry is not None else default_registry()).register(*theorems)


def get_theorem(key: str, registry: Optional[Registry] = None) -> Theorem:
    """The theorem with ``key``.

    Raises
    ------
    ValueError : unknown key (the message lists the known keys).
    """
    if not isinstance(key, str):
        raise TypeError(f"theorem key must be a string, got {type(key).__name__}")
    return (registry if registry is not None else default_registry()).get(key)


def list_theorems(registry: Optional[Registry] = None, *, paper: Optional[str] = None,
                  status: Optional[str] = None, tag: Optional[str] = None,
                  scope: Optional[str] = None) -> tuple[Theorem, ...]:
    """Registered theorems sorted by key, optionally filtered."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    return (registry if registry is not None else default_registry()).list(
        paper=paper, status=status, tag=tag, scope=scope)
