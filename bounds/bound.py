"""The :class:`Bound` type: a closed-form statement about a variance, evaluated in log space.

A :class:`Bound` is a sympy expression over named symbols (``n``, ``L``, ``m``, ``s``,
``D_HS`` …) with a kind (``"upper"``, ``"lower"`` or ``"exact"``), the assumptions under
which it holds (:class:`Assumption`, each optionally machine-checkable), and a
:class:`Citation` (arXiv id + theorem / equation).  Numbers are computed with mpmath, whose
exponent range is unbounded, so ``2**-(10**6)`` is represented exactly in ``log10`` instead of
underflowing to ``0.0``.

Worked example
--------------
>>> import sympy
>>> from bpcalc.bounds.bound import Bound, Citation, sym
>>> n = sym("n")
>>> d = 2**n
>>> b = Bound(
...     name="two_design_variance",
...     kind="exact",
...     expr=d**2 / (2 * (d**2 - 1) ** 2) * sym("Delta_O") * sym("Delta_rho"),
...     citation=Citation(authors="McClean, Boixo, Smelyanskiy, Babbush, Neven",
...                       title="Barren plateaus in quantum neural network training landscapes",
...                       arxiv="1803.11173", year=2018, locator="Eq. (5)"),
... )
>>> v = b.evaluate(n=10**6, Delta_O=1, Delta_rho=1)
>>> round(v.log10, 3), v.value              # finite log10; the float underflows honestly
(-602060.292, 0.0)
>>> str(v)
'5.1e-602061'
>>> b.asymptotics(Delta_O=1, Delta_rho=1).describe()
'exponentially vanishing: Θ(n^0 · 4^-n)'
>>> print(b.latex(citation=False))
\\operatorname{Var}_{\\theta}[\\partial_k C] = \\frac{2^{2 n} \\Delta_{O} \\Delta_{\\rho}}{2 \\left(2^{2 n} - 1\\right)^{2}}
>>> print(b)                                # readable text; Jupyter shows Markdown / LaTeX / HTML
two_design_variance: Var_θ[∂_k C] = 2**(2*n)*Delta_O*Delta_rho/(2*(2**(2*n) - 1)**2) (exact; McClean et al. 2018, arXiv:1803.11173, Eq. (5))
>>> b._repr_markdown_().splitlines()[0]
'**two_design_variance** (exact value) · McClean et al. 2018, arXiv:1803.11173, Eq. (5)'
>>> print(b._repr_latex_()[:45])
$$\\operatorname{Var}_{\\theta}[\\partial_k C] =

Symbols
-------
Use :func:`sym` for the project's standard symbols (:data:`STANDARD_SYMBOLS`) so that
every theorem module shares the *same* ``sympy.Symbol`` objects (sympy compares symbols
by name *and* assumptions).  Any other symbol must be described in ``Bound.symbols``.
Per-datapoint quantities are ``sympy.IndexedBase`` objects summed with ``sympy.Sum`` over
``i = 1..N``; pass a sequence of length ``N`` for them to :meth:`Bound.evaluate`.

Conventions: ``R_P(θ) = exp(-iθP/2)``, ``θ ~ U[0, 2π)``, ``d = 2**n``,
``D_HS(A, B) = Tr[(A - B)^2]``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Callable, Literal, Mapping, Optional, Sequence

import mpmath
import numpy as np
import sympy

from . import display
from .citations import full_authors as _full_authors
from .citations import matches as _matches_surname

__all__ = [
    "KINDS",
    "AssumptionFailed",
    "STANDARD_SYMBOLS",
    "sym",
    "idx",
    "Citation",
    "Assumption",
    "Check",
    "Bound",
    "BoundValue",
    "Asymptotics",
    "format_log10",
    "DOMAINS",
]

KINDS = ("upper", "lower", "exact")


class AssumptionFailed(ValueError):
    """A hypothesis of a theorem (or the scope of an engine) does not hold on this instance.

    The only exception that :meth:`bpcalc.bounds.registry.Theorem.instantiate` turns into a
    *refusal*; any other exception of a substitution or check is a bug and propagates.
    A ``ValueError`` so that callers written for ``ValueError`` keep working.
    """

_RELATION = {"upper": r"\le", "lower": r"\ge", "exact": "="}
_WORKDPS = 40

# name -> (sympy assumptions, meaning, LaTeX name or None)
_STANDARD: dict[str, tuple[dict, str, Optional[str]]] = {
    "n": ({"positive": True, "integer": True}, "number of qubits", None),
    "d": ({"positive": True, "integer": True}, "Hilbert-space dimension 2**n", None),
    "L": ({"positive": True, "integer": True}, "number of layers (circuit depth in layers)", None),
    "l": ({"nonnegative": True, "integer": True}, "layer index of the differentiated parameter", None),
    "m": ({"positive": True, "integer": True}, "qubits per block (block width)", None),
    "s": ({"positive": True, "integer": True}, "qubits per block of the tensor-product QNN", None),
    "xi": ({"positive": True, "integer": True}, "number of blocks, n = s·xi", r"\xi"),
    "k": ({"nonnegative": True, "integer": True}, "index of the differentiated parameter", None),
    "N": ({"positive": True, "integer": True}, "number of data points", None),
    "w": ({"positive": True, "integer": True}, "light-cone width (qubits)", None),
    "q": ({"nonnegative": True}, "noise parameter max|q_sigma| < 1", None),
    "D_HS": ({"nonnegative": True}, "Hilbert-Schmidt distance D_HS(rho, 1/d) = Tr rho^2 - 1/d", r"D_{\mathrm{HS}}"),
    "Delta_O": ({"nonnegative": True}, "Δ(O) = Tr[O^2] - Tr[O]^2/d, squared HS norm of the traceless part of O", r"\Delta_{O}"),
    "Delta_rho": ({"nonnegative": True}, "Δ(ρ) = Tr[ρ^2] - 1/d for the input state", r"\Delta_{\rho}"),
    "r_ns": ({"nonnegative": True}, "r_{n,s} = s·2^{3(s-1)} / (n^2 (2^{2s}-1)^2)", r"r_{n,s}"),
    "epsilon": ({"nonnegative": True}, "distance of an ensemble from a 2-design", r"\epsilon"),
    "p_min": ({"positive": True}, "smallest label probability (NLL loss)", r"p_{\min}"),
    "O_norm": ({"nonnegative": True}, "operator norm ||O||_inf of the observable", r"\|O\|_{\infty}"),
    "y_max": ({"nonnegative": True}, "max |y_i| over the labels", r"y_{\max}"),
}


def _make_symbol(name: str) -> sympy.Symbol:
    assumptions, _, _ = _STANDARD[name]
    return sympy.Symbol(name, **assumptions)


def _standard_constraints() -> tuple[tuple[sympy.Basic, str], ...]:
    """Relations every valid value of the standard symbols satisfies (added to each Bound using them)."""
    S = _make_symbol
    return (
        (sympy.Le(S("D_HS"), 1), "D_HS = Tr ρ² − 1/d is at most 1 − 1/d"),
        (sympy.Le(S("Delta_rho"), 1), "Δ(ρ) = Tr ρ² − 1/d is at most 1 − 1/d"),
        (sympy.Le(S("Delta_rho"), 1 - 2 ** -S("n")), "Δ(ρ) = Tr ρ² − 2^-n is at most 1 − 2^-n"),
        (sympy.Lt(S("q"), 1), "a noise parameter max|q_σ| is below 1"),
        (sympy.Le(S("p_min"), 1), "a probability is at most 1"),
        (sympy.Le(S("l"), S("L")), "the layer index l is at most the number of layers L"),
        (sympy.Le(S("m"), S("n")), "a block of m qubits fits in the n-qubit register"),
        (sympy.Le(S("s"), S("n")), "s qubits are among the n qubits"),
        (sympy.Le(S("w"), S("n")), "a light cone of w qubits fits in the n-qubit register"),
    )


STANDARD_SYMBOLS: Mapping[str, str] = MappingProxyType({k: v[1] for k, v in _STANDARD.items()})
"""Meaning of every standard symbol name (``sym(name)`` returns the shared Symbol)."""


def sym(name: str) -> sympy.Symbol:
    """The project's standard sympy symbol called ``name`` (see :data:`STANDARD_SYMBOLS`).

    Raises
    ------
    ValueError : ``name`` is not a standard symbol (create your own ``sympy.Symbol`` and
        describe it in ``Bound.symbols`` instead).
    """
    if name not in _STANDARD:
        raise ValueError(f"{name!r} is not a standard symbol; known: {sorted(_STANDARD)}")
    return _make_symbol(name)


def idx(name: str = "i") -> sympy.Symbol:
    """A summation index (positive integer symbol), e.g. ``i`` for data points."""
    return sympy.Symbol(name, positive=True, integer=True)


def _latex_symbol_names() -> dict[sympy.Symbol, str]:
    return {_make_symbol(k): v[2] for k, v in _STANDARD.items() if v[2]}


_GREEK = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
                   "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split())


def readable_latex_name(name: str) -> str:
    r"""LaTeX for a symbol name without a declared one: ``eps_L`` -> ``\varepsilon_{L}``,
    ``var_dl`` -> ``\mathrm{var}_{\mathrm{dl}}`` (never the bare identifier ``eps_{L}``).

    Examples
    --------
    >>> readable_latex_name("eps_L"), readable_latex_name("n_v"), readable_latex_name("c1sqR")
    ('\\varepsilon_{L}', 'n_{v}', '\\mathrm{c1sqR}')
    """

    def part(p: str) -> str:
        if p == "eps":
            return r"\varepsilon"
        if p in _GREEK:
            return "\\" + p
        if len(p) == 1 or p.isdigit():
            return p
        return r"\mathrm{" + p + "}"

    base, *subs = [p for p in name.split("_") if p] or [name]
    return part(base) + ("_{" + ",".join(part(s) for s in subs) + "}" if subs else "")


# ----------------------------------------------------------------------------- citation


@dataclasses.dataclass(frozen=True)
class Citation:
    """Where a statement comes from.

    Attributes
    ----------
    authors : "Surname, Surname, ..." (or "Surname et al.").
    title : the paper's title.
    arxiv : arXiv identifier, e.g. ``"1803.11173"``.
    year : year of the arXiv version cited.
    locator : theorem / equation / section, e.g. ``"Theorem 1"``, ``"Eq. (5)"``.
    journal : published reference if any.
    note : e.g. "Haar term of Holmes et al. 2022, Theorem 1".
    full_authors : full names, one per surname of ``authors`` (``"Jarrod R. McClean", …``);
        default: from :data:`bpcalc.bounds.citations.FULL_AUTHORS` by arXiv identifier, or
        ``()`` when the paper is not listed there.
    """

    authors: str
    title: str
    arxiv: str
    year: int
    locator: str
    journal: str = ""
    note: str = ""
    full_authors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for f in ("authors", "title", "arxiv", "locator"):
            if not isinstance(getattr(self, f), str) or not getattr(self, f).strip():
                raise ValueError(f"Citation.{f} must be a non-empty string")
        if not isinstance(self.year, int) or not 1900 < self.year < 2200:
            raise ValueError(f"Citation.year must be a plausible int year, got {self.year!r}")
        surnames = self.surnames
        given = tuple(self.full_authors)
        if given:
            if not all(isinstance(f, str) for f in given) or len(given) != len(surnames) or not all(
                    _matches_surname(f, s) for f, s in zip(given, surnames)):
                raise ValueError(f"Citation.full_authors {given} must give one full name ending with each surname "
                                 f"of authors={self.authors!r}")
        elif "et al" not in self.authors:
            given = _full_authors(self.arxiv, surnames)
        object.__setattr__(self, "full_authors", given)

    @property
    def surnames(self) -> tuple[str, ...]:
        """The surnames of :attr:`authors` (``"Ortiz Marrero, Kieferová"`` -> two)."""
        return tuple(a.strip() for a in self.authors.split(",") if a.strip())

    @property
    def first_author(self) -> str:
        return self.authors.split(",")[0].strip().split(" et al")[0]

    def short(self) -> str:
        """``"McClean et al. 2018, arXiv:1803.11173, Eq. (5)"``."""
        several = "," in self.authors or "et al" in self.authors
        who = f"{self.first_author} et al." if several else self.first_author
        return f"{who} {self.year}, arXiv:{self.arxiv}, {self.locator}"

    def __str__(self) -> str:
        text = f"{self.authors}, \"{self.title}\", arXiv:{self.arxiv} ({self.year})"
        if self.journal:
            text += f", {self.journal}"
        text += f"; {self.locator}"
        if self.note:
            text += f" ({self.note})"
        return text

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# ----------------------------------------------------------------------------- assumptions


@dataclasses.dataclass(frozen=True)
class Check:
    """The outcome of checking one assumption on a concrete model / context.

    ``holds`` is ``True`` (met), ``False`` (violated) or ``None`` (could not be decided —
    treated as *not* met: bpcalc never assumes).
    """

    key: str
    text: str
    holds: Optional[bool]
    reason: str

    @property
    def passed(self) -> bool:
        return self.holds is True

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        mark = {True: "ok", False: "FAILS", None: "undecided"}[self.holds]
        return f"[{mark}] {self.text}: {self.reason}"


CheckFn = Callable[[Any], "tuple[Optional[bool], str] | Check"]


@dataclasses.dataclass(frozen=True)
class Assumption:
    """A hypothesis of a theorem, with an optional machine check.

    Attributes
    ----------
    key : short identifier, e.g. ``"blocks_are_2_designs"``.
    text : the hypothesis in words.
    check : ``check(context) -> (holds, reason)`` with ``holds`` in {True, False, None};
        ``context`` is a :class:`bpcalc.bounds.registry.Context`.  ``None`` (no check) means the
        assumption can only be *declared*: it holds iff ``key`` is in ``context.declared``.
    latex : optional LaTeX form.
    """

    key: str
    text: str
    check: Optional[CheckFn] = None
    latex: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.isidentifier():
            raise ValueError(f"Assumption.key must be an identifier string, got {self.key!r}")
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError("Assumption.text must be a non-empty string")
        if self.check is not None and not callable(self.check):
            raise TypeError(f"Assumption.check must be callable or None, got {type(self.check).__name__}")

    def evaluate(self, context: Any) -> Check:
        """Check this assumption on ``context``; exceptions become a failed check with the reason."""
        declared = getattr(context, "declared", frozenset()) or frozenset()
        if self.check is None:
            if self.key in declared:
                return Check(self.key, self.text, True, "declared by the user")
            return Check(self.key, self.text, None, "cannot be checked automatically and was not declared "
                         f"(declare {self.key!r} if it holds)")
        try:
            out = self.check(context)
        except (ValueError, MemoryError) as exc:  # a hypothesis that cannot be established; bugs propagate
            return Check(self.key, self.text, None, f"check could not run: {exc}")
        if isinstance(out, Check):
            return out
        holds, reason = out
        if holds not in (True, False, None):
            raise TypeError(f"assumption {self.key!r}: check returned holds={holds!r}; expected True/False/None")
        return Check(self.key, self.text, holds, str(reason))


# ----------------------------------------------------------------------------- values


def format_log10(log10: float, sign: int = 1, digits: int = 2) -> str:
    """Scientific notation from a log10 magnitude: ``format_log10(-602060.3) == '5.1e-602061'``."""
    if sign == 0 or log10 == -math.inf:
        return "0"
    if not math.isfinite(log10):
        return "nan" if math.isnan(log10) else ("inf" if sign > 0 else "-inf")
    exponent = math.floor(log10)
    mantissa = 10 ** (log10 - exponent)
    if round(mantissa, digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    prefix = "-" if sign < 0 else ""
    return f"{prefix}{mantissa:.{digits - 1}f}e{exponent:+d}".replace("e+", "e")


@dataclasses.dataclass(frozen=True)
class BoundValue:
    """A bound evaluated at numbers.

    Attributes
    ----------
    name, kind : of the :class:`Bound`.
    value : the value as a float (may be ``0.0`` by underflow — use ``log10``).
    log10 : ``log10(|value|)`` computed in arbitrary-exponent arithmetic (``-inf`` iff the
        value is exactly zero).
    sign : -1, 0 or +1.
    inputs : the numbers substituted (symbol name -> float or list of floats).
    """

    name: str
    kind: str
    value: float
    log10: float
    sign: int
    inputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def underflows(self) -> bool:
        """True when ``value`` is 0.0 only because of float underflow."""
        return self.sign != 0 and self.value == 0.0

    @property
    def vacuous(self) -> bool:
        """True for a lower bound that is ``≤ 0``: every bounded quantity here (a variance, a
        second moment, a gradient magnitude) is non-negative, so it says nothing."""
        return self.kind == "lower" and self.sign <= 0

    def __str__(self) -> str:
        text = format_log10(self.log10, self.sign)
        return f"{text} (vacuous)" if self.vacuous else text

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "log10": None if not math.isfinite(self.log10) else self.log10,
            "sign": self.sign,
            "vacuous": self.vacuous,
            "scientific": str(self),
            "inputs": dict(self.inputs),
        }


# ----------------------------------------------------------------------------- asymptotics


@dataclasses.dataclass(frozen=True)
class Asymptotics:
    """Growth of ``f(n)`` as ``n → ∞``, fitted as ``f ≈ C · n^degree · base^(-n)``.

    Attributes
    ----------
    kind : ``"exponential"`` (base ≠ 1), ``"polynomial"`` (base = 1; degree 0 = constant),
        ``"superexponential"`` (log f / n → ±∞), ``"zero"`` (identically zero) or
        ``"undetermined"``.
    base : ``b`` in ``b^-n`` (``b > 1``: exponentially vanishing; ``b < 1``: growing).
    base_expr : ``b`` as an exact sympy number when recognised, else ``None``.
    degree : polynomial degree ``p`` of the ``n^p`` factor.
    prefactor_log10 : ``log10 C``.
    vanishing : whether ``f → 0``.
    """

    kind: str
    base: Optional[float] = None
    base_expr: Optional[sympy.Expr] = None
    degree: Optional[float] = None
    prefactor_log10: Optional[float] = None
    vanishing: Optional[bool] = None
    note: str = ""

    @property
    def exponentially_vanishing(self) -> bool:
        return self.kind == "superexponential" and bool(self.vanishing) or (
            self.kind == "exponential" and self.base is not None and self.base > 1
        )

    def describe(self) -> str:
        def fmt_deg(p: Optional[float]) -> str:
            if p is None:
                return "?"
            fr = Fraction(p).limit_denominator(12)
            return str(fr) if abs(float(fr) - p) < 1e-6 else f"{p:.3g}"

        def fmt_base() -> str:
            if self.base_expr is not None:
                text = sympy.sstr(self.base_expr)
                return text if self.base_expr.is_Atom else f"({text})"
            return f"{self.base:.6g}"

        if self.kind == "zero":
            return "identically zero"
        if self.kind == "exponential":
            word = "exponentially vanishing" if self.base > 1 else "exponentially growing"
            return f"{word}: Θ(n^{fmt_deg(self.degree)} · {fmt_base()}^-n)"
        if self.kind == "polynomial":
            word = "polynomially vanishing" if self.vanishing else ("constant" if abs(self.degree or 0) < 1e-9 else "polynomial")
            return f"{word}: Θ(n^{fmt_deg(self.degree)})"
        if self.kind == "superexponential":
            return "super-exponentially " + ("vanishing" if self.vanishing else "growing")
        return "undetermined" + (f": {self.note}" if self.note else "")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "base": self.base,
            "base_expr": None if self.base_expr is None else sympy.sstr(self.base_expr),
            "degree": self.degree,
            "prefactor_log10": self.prefactor_log10,
            "vanishing": self.vanishing,
            "exponentially_vanishing": self.exponentially_vanishing,
            "description": self.describe(),
            "note": self.note,
        }


_BASE_CANDIDATES = (2, 3, 4, 5, 6, 8, 9, 16)


def _recognise(x: float) -> Optional[sympy.Expr]:
    """An exact form of a fitted base (integers, simple rationals, small roots/products)."""
    if not math.isfinite(x) or x <= 0:
        return None
    guess = sympy.nsimplify(x, [sympy.sqrt(2), sympy.sqrt(3), sympy.Rational(1, 3) * sympy.log(3)],
                            tolerance=1e-9, rational=False)
    try:
        if abs(float(guess) - x) < 1e-9 * max(1.0, abs(x)) and sympy.count_ops(guess) <= 8:
            return guess
    except TypeError:
        return None
    return None


# ----------------------------------------------------------------------------- the Bound


DOMAINS = frozenset({"real", "positive", "nonnegative", "integer", "positive integer", "nonnegative integer"})
"""Declared meanings an input can have (see :meth:`Bound.validate`)."""


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value[:4]) + (", ..." if len(value) > 4 else "") + "]"
    f = float(value)
    return str(int(f)) if f == int(f) and abs(f) < 1e15 else f"{f:g}"


def _to_mpf(value: Any, what: str) -> mpmath.mpf:
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected a number, got bool")
    if isinstance(value, (sympy.Basic,)):
        if not value.is_number:
            raise TypeError(f"{what}: expected a number, got the expression {value}")
        value = sympy.N(value, _WORKDPS)
        out = mpmath.mpf(str(value))
    elif isinstance(value, Fraction):
        out = mpmath.mpf(value.numerator) / value.denominator
    elif isinstance(value, (numbers.Real, np.floating, np.integer)):
        out = mpmath.mpf(int(value)) if isinstance(value, (int, np.integer)) else mpmath.mpf(float(value))
    elif isinstance(value, mpmath.mpf):
        out = value
    else:
        raise TypeError(f"{what}: expected a real number, got {type(value).__name__}")
    if not mpmath.isfinite(out):
        raise ValueError(f"{what}: value must be finite, got {value!r}")
    return out


@dataclasses.dataclass(frozen=True)
class Bound:
    r"""A closed-form bound (or exact value) on a variance, with its hypotheses and source.

    Parameters
    ----------
    name : identifier, unique within its theorem, e.g. ``"two_design_variance"``.
    kind : ``"upper"`` (quantity ≤ expr), ``"lower"`` (quantity ≥ expr) or ``"exact"``.
    expr : sympy expression.  Free symbols should come from :func:`sym`; per-datapoint
        quantities are ``sympy.IndexedBase`` objects inside ``sympy.Sum(…, (i, 1, N))``.
    quantity : LaTeX of the bounded quantity (left-hand side).
    symbols : meaning of each non-standard symbol / IndexedBase (name -> text); standard
        symbols are described automatically.  Every free symbol must be described.
    assumptions : hypotheses of *this* bound (see :class:`Assumption`).
    citation : source of the statement.
    notes : derivation remarks, corrections, caveats.
    latex_names : LaTeX for non-standard symbol / IndexedBase names, e.g.
        ``{"var_dl": r"\operatorname{Var}[\partial_k \ell]"}``.
    domains : declared meaning of per-datapoint (IndexedBase) inputs, one of :data:`DOMAINS`
        (scalar symbols carry theirs as sympy assumptions: ``positive``, ``nonnegative``,
        ``integer``); :meth:`evaluate` refuses values outside it.
    constraints : ``(sympy relation, reason)`` pairs between inputs that every valid input
        satisfies, e.g. ``(sympy.Eq(sympy.Mod(n, s), 0), "s divides n")`` or
        ``(q < 1, "a noise parameter is below 1")``; checked by :meth:`evaluate`.

    Raises
    ------
    ValueError, TypeError : unknown kind, non-sympy expression, undescribed symbols.
    """

    name: str
    kind: Literal["upper", "lower", "exact"]
    expr: sympy.Expr
    quantity: str = r"\operatorname{Var}_{\theta}[\partial_k C]"
    symbols: Mapping[str, str] = dataclasses.field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    citation: Optional[Citation] = None
    notes: str = ""
    latex_names: Mapping[str, str] = dataclasses.field(default_factory=dict)
    domains: Mapping[str, str] = dataclasses.field(default_factory=dict)
    constraints: tuple[tuple[sympy.Basic, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("Bound.name must be a non-empty string")
        object.__setattr__(self, "latex_names", MappingProxyType(dict(self.latex_names)))
        for key, dom in dict(self.domains).items():
            if dom not in DOMAINS:
                raise ValueError(f"Bound {self.name!r}: domain of {key} must be one of {sorted(DOMAINS)}, got {dom!r}")
        object.__setattr__(self, "domains", MappingProxyType(dict(self.domains)))
        constraints = tuple(self.constraints)
        for c in constraints:
            if not (isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], sympy.core.relational.Relational)
                    and isinstance(c[1], str)):
                raise TypeError(f"Bound {self.name!r}: constraints must be (sympy relation, reason) pairs, got {c!r}")
        object.__setattr__(self, "constraints", constraints)
        if self.kind not in KINDS:
            raise ValueError(f"Bound {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        expr = self.expr
        if isinstance(expr, (int, float, Fraction)):
            expr = sympy.nsimplify(expr)
        if not isinstance(expr, sympy.Basic):
            raise TypeError(f"Bound {self.name!r}: expr must be a sympy expression, got {type(expr).__name__}")
        if not isinstance(self.assumptions, tuple):
            object.__setattr__(self, "assumptions", tuple(self.assumptions))
        for a in self.assumptions:
            if not isinstance(a, Assumption):
                raise TypeError(f"Bound {self.name!r}: assumptions must be Assumption objects, got {type(a).__name__}")
        if self.citation is not None and not isinstance(self.citation, Citation):
            raise TypeError(f"Bound {self.name!r}: citation must be a Citation")
        meanings = {k: v for k, v in STANDARD_SYMBOLS.items()}
        meanings.update(dict(self.symbols))
        missing = sorted(name for name in self.input_names(expr) if name not in meanings)
        if missing:
            raise ValueError(f"Bound {self.name!r}: symbols {missing} are not described; add them to `symbols`")
        used = {name: meanings[name] for name in self.input_names(expr)}
        object.__setattr__(self, "expr", expr)
        object.__setattr__(self, "symbols", MappingProxyType(used))

    # -- structure -----------------------------------------------------------------

    @staticmethod
    def input_names(expr: sympy.Basic) -> list[str]:
        """Names of the free symbols and IndexedBases of ``expr`` (summation indices excluded)."""
        return sorted({s.name for s in expr.free_symbols if isinstance(s, sympy.Symbol)})

    @staticmethod
    def _indexed_names(expr: sympy.Basic) -> set[str]:
        return {str(b.label) for b in expr.atoms(sympy.IndexedBase)}

    @property
    def inputs(self) -> list[str]:
        """The names that :meth:`evaluate` needs values for."""
        return self.input_names(self.expr)

    @property
    def relation(self) -> str:
        return {"upper": "<=", "lower": ">=", "exact": "=="}[self.kind]

    def substitute(self, values: Optional[Mapping[str, Any]] = None, **kw: Any) -> "Bound":
        """A new Bound with some symbols replaced by numbers or expressions (partial evaluation).

        Values may be sympy expressions (e.g. ``D_HS = (2**s - 2**-s)/(2**n + 1)``).
        """
        mapping = self._symbol_map(dict(values or {}, **kw), allow_missing=True, exact=True)
        expr = self.expr.subs(mapping)
        extra = dict(self.symbols)
        for v in mapping.values():
            for name in self.input_names(sympy.sympify(v)):
                if name not in extra and name not in STANDARD_SYMBOLS:
                    extra[name] = f"symbol introduced by substitution into {self.name}"
        return dataclasses.replace(self, expr=expr, symbols=extra)

    def _symbol_map(self, values: Mapping[str, Any], allow_missing: bool, exact: bool) -> dict:
        indexed = self._indexed_names(self.expr)
        by_name = {s.name: s for s in self.expr.free_symbols
                   if isinstance(s, sympy.Symbol) and s.name not in indexed}
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise ValueError(f"Bound {self.name!r}: unknown inputs {unknown}; it takes {self.inputs}")
        if not allow_missing:
            missing = sorted(set(self.inputs) - set(values))
            if missing:
                raise ValueError(f"Bound {self.name!r}: missing values for {missing}")
        out = {}
        for name, v in values.items():
            if name in indexed and not isinstance(v, (list, tuple, np.ndarray)):
                raise TypeError(f"Bound {self.name!r}: {name} is per data point; give a sequence of numbers")
            if name in by_name:
                if isinstance(v, (list, tuple, np.ndarray)):
                    raise TypeError(f"Bound {self.name!r}: {name} takes a single number, got a sequence")
                out[by_name[name]] = sympy.sympify(v) if exact else v
        return out

    # -- evaluation ----------------------------------------------------------------

    def _reduce_sums(self, mp_inputs: Mapping[str, Any]) -> tuple[sympy.Expr, dict]:
        """Replace every ``Sum`` over per-datapoint IndexedBases by its numeric value.

        Each summand is lambdified once (IndexedBase entries as plain arguments) and
        evaluated term by term in mpmath, so ``N`` in the thousands costs milliseconds.
        Returns the reduced expression and ``{placeholder Dummy: mpf value}``.
        """
        expr = self.expr
        sums = sorted(expr.atoms(sympy.Sum), key=sympy.default_sort_key)
        if not sums:
            if expr.atoms(sympy.Indexed):
                raise ValueError(f"Bound {self.name!r}: per-datapoint quantities must appear inside a Sum")
            return expr, {}
        scalars = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
        placeholders: dict = {}
        replace = {}
        for s in sums:
            if s.function.atoms(sympy.Sum):
                raise ValueError(f"Bound {self.name!r}: nested sums are not supported")
            if len(s.limits) != 1:
                raise ValueError(f"Bound {self.name!r}: sums must have one index")
            index, lo, hi = s.limits[0]
            limits = []
            for lim in (lo, hi):
                lim_val = lim.subs({scalars[f.name]: sympy.Integer(int(mp_inputs[f.name]))
                                    for f in lim.free_symbols if f.name in mp_inputs and f.name in scalars})
                if not lim_val.is_Integer:
                    raise ValueError(f"Bound {self.name!r}: summation limit {lim} needs an integer value")
                limits.append(int(lim_val))
            lo_i, hi_i = limits
            summand = s.function
            entries = {}
            for ind in summand.atoms(sympy.Indexed):
                if ind.indices != (index,):
                    raise ValueError(f"Bound {self.name!r}: {ind} must be indexed by the summation index {index}")
                label = str(ind.base.label)
                seq = mp_inputs.get(label)
                if seq is None:
                    raise ValueError(f"Bound {self.name!r}: missing the per-datapoint values {label}")
                if not isinstance(seq, list):
                    raise TypeError(f"Bound {self.name!r}: {label} must be a sequence (one number per data point)")
                if len(seq) < hi_i or lo_i < 1:
                    raise ValueError(f"Bound {self.name!r}: {label} has {len(seq)} entries, the sum needs {lo_i}..{hi_i}")
                entries[ind] = (sympy.Dummy(label), seq)
            dummies = [v[0] for v in entries.values()]
            body = summand.xreplace({k: v[0] for k, v in entries.items()})
            others = sorted((f for f in body.free_symbols if f not in dummies), key=lambda f: f.name)
            if index in others:
                raise ValueError(f"Bound {self.name!r}: the summand may use {index} only through indexed data")
            fn = sympy.lambdify(dummies + others, body, modules="mpmath")
            fixed = [mp_inputs[f.name] for f in others]
            total = mpmath.mpf(0)
            with mpmath.workdps(_WORKDPS):
                for j in range(lo_i, hi_i + 1):
                    total += fn(*[v[1][j - 1] for v in entries.values()], *fixed)
            d = sympy.Dummy("sum")
            placeholders[d] = total
            replace[s] = d
        return expr.xreplace(replace), placeholders

    def evaluate(self, values: Optional[Mapping[str, Any]] = None, **kw: Any) -> BoundValue:
        """Evaluate at numbers, in arbitrary-exponent arithmetic (correct at ``n = 10**6``).

        Parameters
        ----------
        values, **kw : symbol name -> number (and IndexedBase name -> sequence of numbers).

        Returns
        -------
        BoundValue : ``value`` (float, may underflow to 0.0) and ``log10`` (always right).

        Raises
        ------
        ValueError : missing or unknown inputs, non-finite inputs, a non-real or
            non-finite result.
        TypeError : non-numeric inputs.
        """
        vals = dict(values or {}, **kw)
        self._symbol_map(vals, allow_missing=False, exact=False)
        mp_inputs: dict[str, Any] = {}
        for name, v in vals.items():
            if isinstance(v, (list, tuple, np.ndarray)):
                mp_inputs[name] = [_to_mpf(x, f"{self.name}: {name}[{j}]") for j, x in enumerate(np.ravel(np.asarray(v, dtype=object)))]
            else:
                mp_inputs[name] = _to_mpf(v, f"{self.name}: {name}")
        self.validate(mp_inputs)
        expr, placeholders = self._reduce_sums(mp_inputs)
        args, arg_vals = [], []
        for s in sorted(expr.free_symbols, key=lambda s: s.name):
            args.append(s)
            arg_vals.append(placeholders[s] if s in placeholders else mp_inputs[s.name])
        with mpmath.workdps(_WORKDPS):
            fn = sympy.lambdify(args, expr, modules="mpmath")
            try:
                raw = fn(*arg_vals)
            except (ZeroDivisionError, ValueError, OverflowError) as exc:
                raise ValueError(f"Bound {self.name!r}: cannot evaluate at {vals}: {exc}") from exc
            raw = mpmath.mpmathify(raw)
            if isinstance(raw, mpmath.mpc):
                if abs(raw.imag) > mpmath.mpf(10) ** (-_WORKDPS // 2) * max(1, abs(raw.real)):
                    raise ValueError(f"Bound {self.name!r}: complex value {raw} at {vals}")
                raw = raw.real
            if not mpmath.isfinite(raw):
                raise ValueError(f"Bound {self.name!r}: non-finite value {raw} at {vals}")
            sign = 0 if raw == 0 else (1 if raw > 0 else -1)
            log10 = -math.inf if sign == 0 else float(mpmath.log10(abs(raw)))
            value = float(raw)
        inputs = {k: ([float(x) for x in v] if isinstance(v, list) else float(v)) for k, v in mp_inputs.items()}
        return BoundValue(self.name, self.kind, value, log10, sign, inputs)

    def validate(self, values: Mapping[str, Any]) -> None:
        """Refuse inputs outside their declared meaning (one line naming the input and why).

        Scalar inputs are checked against their symbol's sympy assumptions (``integer``,
        ``positive``, ``nonnegative``), per-datapoint inputs against :attr:`domains`, and all
        together against :attr:`constraints`.

        Raises
        ------
        ValueError : e.g. ``n = -4`` (a number of qubits is a positive integer), ``D_HS = -1``,
            ``s = 3, n = 4`` (s must divide n).

        Examples
        --------
        >>> from bpcalc.bounds import get_theorem
        >>> b = get_theorem("mcclean2018.two_design").bound("variance")
        >>> b.validate({"n": -4, "Delta_O": 1, "Delta_rho": 1})
        Traceback (most recent call last):
        ...
        ValueError: Bound 'variance': input n = -4 is not positive, expected a positive integer (n: number of qubits)
        """
        by_name = {s.name: s for s in self.expr.free_symbols if isinstance(s, sympy.Symbol)}
        indexed = self._indexed_names(self.expr)
        for name, v in values.items():
            if name in indexed:
                dom = self.domains.get(name, "real")
                for j, x in enumerate(v):
                    self._check_domain(f"{name}[{j + 1}]", x, dom, name)
                continue
            symbol = by_name.get(name)
            if symbol is None:
                continue
            a = symbol.assumptions0
            if a.get("integer"):
                dom = "positive integer" if a.get("positive") else (
                    "nonnegative integer" if a.get("nonnegative") else "integer")
            else:
                dom = "positive" if a.get("positive") else ("nonnegative" if a.get("nonnegative") else "real")
            self._check_domain(name, values[name], dom, name)
        standard = tuple(c for c in _standard_constraints() if c[0].free_symbols <= self.expr.free_symbols)
        for relation, reason in (*standard, *self.constraints):
            free = sorted((f for f in relation.free_symbols if isinstance(f, sympy.Symbol)), key=lambda f: f.name)
            if any(f.name not in values for f in free):
                continue
            args = [values[f.name] for f in free]
            with mpmath.workdps(_WORKDPS):
                lhs = sympy.lambdify(free, relation.lhs, modules="mpmath")(*args)
                rhs = sympy.lambdify(free, relation.rhs, modules="mpmath")(*args)
                tol = mpmath.mpf(10) ** -9 * max(1, abs(lhs), abs(rhs))
                op = relation.rel_op
                ok = {"==": abs(lhs - rhs) <= tol, "<=": lhs <= rhs + tol, ">=": lhs >= rhs - tol,
                      "<": lhs < rhs, ">": lhs > rhs, "!=": abs(lhs - rhs) > tol}[op]
            if not ok:
                shown = ", ".join(f"{f.name} = {_show(values[f.name])}" for f in free)
                raise ValueError(f"Bound {self.name!r}: inputs {shown} violate {sympy.sstr(relation)} ({reason})")

    def _check_domain(self, label: str, value: Any, dom: str, name: str) -> None:
        bad = ""
        if "integer" in dom and value != mpmath.floor(value):
            bad = "not an integer"
        if dom.startswith("positive") and not value > 0:
            bad = "not positive"
        if dom.startswith("nonnegative") and value < 0:
            bad = "negative"
        if bad:
            meaning = self.symbols.get(name) or STANDARD_SYMBOLS.get(name, "")
            what = dom if "integer" in dom else f"{dom} number"
            raise ValueError(f"Bound {self.name!r}: input {label} = {_show(value)} is {bad}, expected a {what}"
                             + (f" ({name}: {meaning})" if meaning else ""))

    def log10(self, values: Optional[Mapping[str, Any]] = None, **kw: Any) -> float:
        """Shortcut for ``evaluate(...).log10``."""
        return self.evaluate(values, **kw).log10

    # -- asymptotics -----------------------------------------------------------------

    def asymptotics(self, n: str = "n", values: Optional[Mapping[str, Any]] = None, **kw: Any) -> Asymptotics:
        """Classify the growth in ``n`` once every other input is fixed.

        Other inputs may be numbers or sympy expressions in ``n`` (e.g. the Haar value of
        ``D_HS``).  The classification fits ``ln f = a n + p ln n + c`` at
        ``n = 10^3 … 10^7`` (with a ``1/n`` correction) in arbitrary precision (so no underflow), checks the fit on a
        fourth point, and recognises exact bases (``4``, ``2/√3`` …).

        Returns
        -------
        Asymptotics : ``kind`` exponential (with ``base`` b in ``b^-n``), polynomial
            (with ``degree``), superexponential, zero or undetermined.
        """
        vals = dict(values or {}, **kw)
        b = self.substitute(vals) if vals else self
        free = [x for x in b.inputs]
        if n not in free:
            if free:
                raise ValueError(f"Bound {self.name!r}: give values for {free} to classify in {n!r}")
            v = b.evaluate()
            if v.sign == 0:
                return Asymptotics("zero", vanishing=True, note=f"identically zero, independent of {n}")
            return Asymptotics("polynomial", base=1.0, base_expr=sympy.Integer(1), degree=0.0,
                               prefactor_log10=v.log10, vanishing=v.sign == 0,
                               note=f"independent of {n}")
        others = [x for x in free if x != n]
        if others:
            raise ValueError(f"Bound {self.name!r}: give values for {others} to classify in {n!r}")
        pts = [10**3, 10**4, 10**5, 10**6, 10**7]
        lns = []
        for p in pts:
            v = b.evaluate({n: p})
            if v.sign == 0:
                return Asymptotics("zero", vanishing=True)
            lns.append(v.log10 * math.log(10))
        # solve ln f = a n + p ln n + c + e/n on the last four points, check on the first
        A = np.array([[x, math.log(x), 1.0, 1.0 / x] for x in pts[1:]])
        with np.errstate(all="ignore"):
            a, deg, c, _ = np.linalg.solve(A, np.array(lns[1:]))
        pred0 = a * pts[0] + deg * math.log(pts[0]) + c + _ / pts[0]
        scale = max(1.0, abs(lns[0]))
        if not np.isfinite(pred0) or abs(pred0 - lns[0]) > 1e-3 * scale:
            # curvature beyond a·n + p·ln n: super-exponential or slowly varying factor
            slope_hi = (lns[4] - lns[3]) / (pts[4] - pts[3])
            slope_lo = (lns[1] - lns[0]) / (pts[1] - pts[0])
            if abs(slope_hi) > 2 * abs(slope_lo) + 1e-12 and abs(slope_hi) > 1e-6:
                return Asymptotics("superexponential", vanishing=slope_hi < 0, note="log f / n not constant")
            return Asymptotics("undetermined", note="f(n) is not of the form C·n^p·b^-n at n = 10^3..10^7")
        if abs(a) < 1e-7:  # |ln b| below 1e-7: indistinguishable from 1 up to n ~ 10^6 (1/n corrections)
            deg_r = float(Fraction(deg).limit_denominator(12))
            deg = deg_r if abs(deg_r - deg) < 1e-5 else float(deg)
            return Asymptotics("polynomial", base=1.0, base_expr=sympy.Integer(1), degree=deg,
                               prefactor_log10=c / math.log(10), vanishing=deg < -1e-9)
        base = math.exp(-a)
        deg_r = float(Fraction(deg).limit_denominator(12))
        deg = deg_r if abs(deg_r - deg) < 1e-4 else float(deg)
        return Asymptotics("exponential", base=base, base_expr=_recognise(base), degree=deg,
                           prefactor_log10=c / math.log(10), vanishing=base > 1)

    # -- presentation ------------------------------------------------------------------

    def latex(self, citation: bool = True, quantity: Optional[str] = None) -> str:
        """``quantity  ≤/≥/=  expr`` in LaTeX, optionally followed by the citation."""
        names = _latex_symbol_names()
        for s in self.expr.free_symbols:
            if isinstance(s, sympy.Symbol) and s.name in self.latex_names:
                names[s] = self.latex_names[s.name]
            elif isinstance(s, sympy.Symbol) and s not in names and (len(s.name) > 1 and s.name not in _GREEK):
                names[s] = readable_latex_name(s.name)  # no internal identifiers in LaTeX
        rhs = sympy.latex(self.expr, symbol_names=names)
        text = f"{quantity or self.quantity} {_RELATION[self.kind]} {rhs}"
        if citation and self.citation is not None:
            text += r" \quad \text{[" + self.citation.short().replace("_", r"\_") + "]}"
        return text

    def __str__(self) -> str:
        """One readable line: ``name: quantity ≤/≥/= expr (kind; citation)``."""
        return display.bound_text(self)

    def __repr__(self) -> str:
        return f"<Bound {self.name} ({self.kind}): {sympy.sstr(self.expr)}>"

    def _repr_markdown_(self) -> str:
        """Jupyter: name, kind, citation, the formula (MathJax) and the assumptions."""
        return display.bound_markdown(self)

    def _repr_latex_(self) -> str:
        """Jupyter: the formula as display math."""
        return display.bound_latex(self)

    def _repr_html_(self) -> str:
        """Jupyter: as :meth:`_repr_markdown_`, in HTML."""
        return display.bound_html(self)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "expr": sympy.sstr(self.expr),
            "latex": self.latex(citation=False),
            "symbols": dict(self.symbols),
            "assumptions": [{"key": a.key, "text": a.text} for a in self.assumptions],
            "citation": None if self.citation is None else self.citation.to_dict(),
            "notes": self.notes,
        }

