"""One figure type for every scan over ``n``: values on a log axis, bounds, one fit, a caption.

A :class:`Scan` is plain data (what to draw); :func:`draw_scan` turns it into a matplotlib
``Figure`` and its caption; :func:`save_scan` writes ``<stem>.png``, ``<stem>.pdf`` (vector)
and ``<stem>.caption.txt`` and returns the :class:`bpcalc.verify.report.Figure` for the report.
The rules (issue 19) are enforced here, once:

* variances on a log y axis (log x too when ``n`` doubles), integer ticks for ``n``;
* exact values (open black-edged squares) drawn above sampled ones (filled circles);
* every error bar is defined in the caption (which interval, which confidence);
* a vacuous bound (a lower bound ``<= 0``, :attr:`bpcalc.bounds.bound.BoundValue.vacuous`) is
  never drawn: it is listed in the caption;
* one fit line per series, and only for the model the verdict rule chose
  (:func:`bpcalc.verify.architecture.fit_scaling`), with its base ± standard error in the legend;
* the legend sits outside the axes.

Examples
--------
>>> s = Scan("demo", "Var", (Points("sampled", (4, 6, 8), (-2.0, -2.5, -3.0), "sampled",
...          low_log10=(-2.1, -2.6, -3.1), high_log10=(-1.9, -2.4, -2.9), interval="95% bootstrap CI"),))
>>> fig, caption = draw_scan(s)
>>> fig.axes[0].get_yscale(), "95% bootstrap CI" in caption
('log', True)
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
from typing import Any, Optional, Sequence

import numpy as np

from .style import color, doubling, new_figure, style_context, wide_range

__all__ = ["Points", "Curve", "FitLine", "Scan", "fit_line", "draw_scan", "save_scan", "save_figure"]

_KIND_STYLE = {"upper": "--", "lower": ":", "exact": "-", "reference": "-."}
_KIND_WORD = {"upper": "upper bound (dashed)", "lower": "lower bound (dotted)", "exact": "closed form (solid)",
              "reference": "reference (dash-dotted)"}
# smallest value a float axis can show; smaller log10 values are left out and said so
_MIN_LOG10 = -300.0


@dataclasses.dataclass(frozen=True)
class Points:
    """Values at several ``n`` (log10, so they may underflow a float), optionally with intervals.

    Attributes
    ----------
    label : legend text (mathtext allowed).
    ns : sizes.
    log10 : ``log10`` of each value (``-inf`` for an exact 0, which a log axis cannot show).
    kind : ``'sampled'`` (filled circles) or ``'exact'`` (open squares, drawn on top).
    low_log10, high_log10 : interval ends (``-inf`` for a lower end at 0; ``None`` entries or
        ``None`` for no bar).
    interval : what the bars are, e.g. ``"95% BCa bootstrap confidence interval over 200 draws"``
        (required when there are bars).
    color_index : palette index.
    """

    label: str
    ns: tuple[int, ...]
    log10: tuple[float, ...]
    kind: str = "sampled"
    low_log10: Optional[tuple[Optional[float], ...]] = None
    high_log10: Optional[tuple[Optional[float], ...]] = None
    interval: str = ""
    color_index: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("sampled", "exact"):
            raise ValueError(f"Points.kind must be 'sampled' or 'exact', got {self.kind!r}")
        object.__setattr__(self, "ns", tuple(int(n) for n in self.ns))
        object.__setattr__(self, "log10", tuple(float(v) for v in self.log10))
        if len(self.ns) != len(self.log10):
            raise ValueError(f"Points {self.label!r}: {len(self.ns)} sizes but {len(self.log10)} values")
        for name in ("low_log10", "high_log10"):
            v = getattr(self, name)
            if v is not None:
                v = tuple(None if x is None else float(x) for x in v)
                if len(v) != len(self.ns):
                    raise ValueError(f"Points {self.label!r}: {name} has {len(v)} entries, expected {len(self.ns)}")
                object.__setattr__(self, name, v)
        if self.has_bars and not self.interval:
            raise ValueError(f"Points {self.label!r}: error bars need their definition in 'interval'")

    @property
    def has_bars(self) -> bool:
        return self.low_log10 is not None and any(x is not None for x in self.low_log10)


@dataclasses.dataclass(frozen=True)
class Curve:
    """A bound or reference value at several ``n``.

    Attributes
    ----------
    label : legend text (mathtext allowed); ``name`` is used in the caption.
    kind : ``'upper'``, ``'lower'``, ``'exact'`` (a closed form) or ``'reference'``.
    ns, log10 : the values (``log10 |value|``).
    vacuous : per size, True when the bound says nothing there (a lower bound ``<= 0``); those
        sizes are not drawn.
    """

    label: str
    kind: str
    ns: tuple[int, ...]
    log10: tuple[float, ...]
    vacuous: Optional[tuple[bool, ...]] = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KIND_STYLE:
            raise ValueError(f"Curve.kind must be one of {sorted(_KIND_STYLE)}, got {self.kind!r}")
        object.__setattr__(self, "ns", tuple(int(n) for n in self.ns))
        object.__setattr__(self, "log10", tuple(float(v) for v in self.log10))
        vac = self.vacuous if self.vacuous is not None else (False,) * len(self.ns)
        object.__setattr__(self, "vacuous", tuple(bool(v) for v in vac))
        if not (len(self.ns) == len(self.log10) == len(self.vacuous)):
            raise ValueError(f"Curve {self.label!r}: sizes, values and vacuous flags differ in length")

    def drawn(self) -> list[tuple[int, float]]:
        return sorted((n, v) for n, v, vac in zip(self.ns, self.log10, self.vacuous)
                      if not vac and math.isfinite(v) and v > _MIN_LOG10)


@dataclasses.dataclass(frozen=True)
class FitLine:
    """The fitted model the verdict chose: ``log10 Var = a − n log10 b`` (exponential) or
    ``a + p log10 n`` (power law), drawn over ``[n_min, n_max]``."""

    series: str
    model: str
    n_min: float
    n_max: float
    log10_prefactor: float
    base: Optional[float] = None
    base_se: Optional[float] = None
    degree: Optional[float] = None
    degree_se: Optional[float] = None
    color_index: int = 0

    def __post_init__(self) -> None:
        if self.model not in ("exponential", "polynomial"):
            raise ValueError(f"FitLine.model must be 'exponential' or 'polynomial', got {self.model!r}")

    def predict_log10(self, n) -> np.ndarray:
        x = np.asarray(n, dtype=float)
        if self.model == "exponential":
            return self.log10_prefactor - x * math.log10(self.base)
        return self.log10_prefactor + self.degree * np.log10(x)

    @property
    def label(self) -> str:
        if self.model == "exponential":
            return rf"fit {self.series}: $\propto b^{{-n}}$, $b = {self.base:.3g} \pm {self.base_se:.2g}$"
        return rf"fit {self.series}: $\propto n^{{p}}$, $p = {self.degree:.2f} \pm {self.degree_se or 0:.2g}$"


def fit_line(fit: Any, series: str, color_index: int = 0) -> Optional[FitLine]:
    """The :class:`FitLine` of a verdict fit (:class:`bpcalc.verify.architecture.ScalingFit`), or
    ``None`` when the verdict chose no model ("not decided", "zero")."""
    label = getattr(fit, "label", None)
    if label not in ("exponentially vanishing", "polynomial") or len(fit.ns) < 2:
        return None
    model = "exponential" if label == "exponentially vanishing" else "polynomial"
    a = fit.log10_prefactor if model == "exponential" else fit.log10_poly_prefactor
    if a is None:
        return None
    return FitLine(series, model, min(fit.ns), max(fit.ns), a, fit.base, fit.base_se, fit.degree,
                   getattr(fit, "degree_se", None), color_index)


@dataclasses.dataclass(frozen=True)
class Scan:
    """Everything one scan figure shows.

    Attributes
    ----------
    name : file stem.
    ylabel : mathtext y label (the quantity, e.g. ``mathtext(VAR_LOSS)``).
    points, curves, fits : what is drawn.
    title : short title.
    what : first caption sentence (what is plotted against what).
    notes : further caption sentences (e.g. points left out and why).
    width : ``'single'`` or ``'double'`` column.
    log_y : log y axis (variances: always).
    """

    name: str
    ylabel: str
    points: tuple[Points, ...] = ()
    curves: tuple[Curve, ...] = ()
    fits: tuple[FitLine, ...] = ()
    title: str = ""
    what: str = ""
    notes: tuple[str, ...] = ()
    width: str = "single"
    log_y: bool = True
    xlabel: str = r"qubits $n$"
    unfitted: tuple[str, ...] = ()


def _all_ns(scan: Scan) -> list[int]:
    ns = {n for p in scan.points for n in p.ns} | {n for c in scan.curves for n in c.ns}
    return sorted(ns)


def _pow10(v: float) -> float:
    return 10.0**v if math.isfinite(v) else 0.0


def draw_scan(scan: Scan):
    """Draw ``scan``; returns ``(matplotlib Figure, caption text)``.

    Raises
    ------
    TypeError : ``scan`` is not a :class:`Scan`.
    ValueError : nothing to draw.
    """
    if not isinstance(scan, Scan):
        raise TypeError(f"draw_scan takes a Scan, got {type(scan).__name__}")
    ns_all = _all_ns(scan)
    if not ns_all:
        raise ValueError(f"figure {scan.name!r}: nothing to draw (no points and no curves)")
    caption: list[str] = []
    if scan.what:
        caption.append(scan.what.rstrip(".") + ".")
    left_out: list[str] = []
    with style_context():
        fig, ax = new_figure(scan.width)
        if scan.log_y:
            ax.set_yscale("log")
        drawn_values: list[float] = []
        for p in scan.points:
            keep = [i for i, v in enumerate(p.log10) if math.isfinite(v) and v > _MIN_LOG10]
            gone = [p.ns[i] for i in range(len(p.ns)) if i not in keep]
            if gone:
                left_out.append(f"{p.label}: n = {', '.join(map(str, gone))} (value 0 or below 1e-300, not on a log axis)")
            if not keep:
                continue
            x = np.array([p.ns[i] for i in keep], dtype=float)
            y = np.array([_pow10(p.log10[i]) for i in keep])
            drawn_values += list(y)
            if p.kind == "exact":
                ax.plot(x, y, "s", ms=5.5, mfc="none", mec="black" if p.color_index < 0 else color(p.color_index),
                        mew=1.1, ls="none", zorder=5, label=p.label)
                if p.has_bars:
                    _bars(ax, p, keep, x, y, zorder=4.5)
            else:
                ax.plot(x, y, "o", ms=3.5, color=color(p.color_index), ls="none", zorder=3, label=p.label)
                if p.has_bars:
                    _bars(ax, p, keep, x, y, zorder=2.5)
            if p.has_bars:
                open_low = [p.ns[i] for i in keep if p.low_log10[i] is not None and not math.isfinite(p.low_log10[i])]
                caption.append(f"Bars on {_strip_math(p.label)}: {p.interval}"
                               + (f" (at n = {', '.join(map(str, open_low))} the interval reaches 0 or below: its "
                                  "bar runs to the bottom edge)" if open_low else "") + ".")
        vacuous_notes = []
        kinds_used = set()
        for c in scan.curves:
            pts = c.drawn()
            vac = [n for n, v in zip(c.ns, c.vacuous) if v]
            if vac:
                vacuous_notes.append(f"{c.name or _strip_math(c.label)} at n = {', '.join(map(str, vac))}")
            if not pts:
                continue
            kinds_used.add(c.kind)
            ax.plot([q[0] for q in pts], [_pow10(q[1]) for q in pts], _KIND_STYLE[c.kind],
                    color="black" if c.kind == "reference" else color(_curve_color(scan, c)), lw=1.0, zorder=2,
                    label=c.label)
            drawn_values += [_pow10(q[1]) for q in pts]
        if kinds_used:
            caption.append("Lines: " + ", ".join(_KIND_WORD[k] for k in ("exact", "upper", "lower", "reference")
                                                 if k in kinds_used) + ".")
        if vacuous_notes:
            caption.append("Not drawn, vacuous (a lower bound <= 0 says nothing about a variance): "
                           + "; ".join(vacuous_notes) + ".")
        for f in scan.fits:
            grid = np.linspace(f.n_min, f.n_max, 60)
            ax.plot(grid, 10.0 ** f.predict_log10(grid), "-", lw=0.7, alpha=0.8, color=color(f.color_index),
                    zorder=1.5, label=f.label)
        if scan.fits:
            caption.append("Thin lines: the weighted least-squares fit of log10 Var of the model the verdict chose "
                           "(exponential b^-n or power law n^p; verify.architecture.fit_scaling); legend: estimate "
                           "± one standard error.")
        if scan.unfitted:
            caption.append("No fit line for " + "; ".join(scan.unfitted) + ".")
        if left_out:
            caption.append("Left out: " + "; ".join(left_out) + ".")
        caption += [n.rstrip(".") + "." for n in scan.notes]
        _axes(ax, scan, ns_all, drawn_values)
    return fig, " ".join(caption)


def _curve_color(scan: Scan, curve: Curve) -> int:
    # curves take the palette after the point series
    offset = 1 + max((p.color_index for p in scan.points), default=-1)
    return offset + [c for c in scan.curves if c.kind != "reference"].index(curve) if curve.kind != "reference" else 0


def _bars(ax, p: Points, keep, x, y, zorder: float) -> None:
    lo = np.array([_pow10(p.low_log10[i]) if p.low_log10[i] is not None else y[j] for j, i in enumerate(keep)])
    hi = np.array([_pow10(p.high_log10[i]) if p.high_log10[i] is not None else y[j] for j, i in enumerate(keep)])
    lo_err = np.where(lo > 0, y - lo, y * (1 - 1e-3))  # lower end 0: the bar runs to the bottom edge
    ax.errorbar(x, y, yerr=np.vstack([np.maximum(lo_err, 0), np.maximum(hi - y, 0)]), fmt="none",
                ecolor="black" if p.kind == "exact" and p.color_index < 0 else color(p.color_index), elinewidth=0.8,
                capsize=2, zorder=zorder)


def _strip_math(text: str) -> str:
    return text.replace("$", "").replace("\\", "")


def _axes(ax, scan: Scan, ns_all: Sequence[int], values: Sequence[float]) -> None:
    from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, NullLocator, StrMethodFormatter

    if doubling(ns_all) or wide_range(ns_all):
        ax.set_xscale("log", base=2)
        lo, hi = min(ns_all), max(ns_all)
        ticks = ns_all if doubling(ns_all) else [2**k for k in range(math.ceil(math.log2(lo)),
                                                                     math.floor(math.log2(hi)) + 1)]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlim(lo / 1.15, hi * 1.15)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
        lo, hi = min(ns_all), max(ns_all)
        pad = max(0.4, 0.05 * (hi - lo))
        ax.set_xlim(lo - pad, hi + pad)
    pos = [v for v in values if v > 0]
    if scan.log_y and pos:
        ax.set_ylim(min(pos) / 3.0, max(pos) * 3.0)
    ax.set_xlabel(scan.xlabel)
    ax.set_ylabel(scan.ylabel)
    if scan.title:
        ax.set_title(scan.title)
    ax.grid(True, which="major", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        if scan.width == "double":
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                      frameon=False)
        else:
            ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1, frameon=False)


def save_figure(fig, caption: str, stem: str | pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """Write ``stem.png`` (200 dpi), ``stem.pdf`` (vector) and ``stem.caption.txt``."""
    stem = pathlib.Path(stem)
    if stem.suffix.lower() in (".png", ".pdf", ".svg"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, pdf, txt = stem.with_suffix(".png"), stem.with_suffix(".pdf"), stem.parent / f"{stem.name}.caption.txt"
    import logging

    font_log = logging.getLogger("fontTools")
    level = font_log.level
    font_log.setLevel(logging.ERROR)  # TrueType subsetting chatter of the PDF backend
    try:
        with style_context():
            fig.savefig(png, dpi=200)
            fig.savefig(pdf)
    finally:
        font_log.setLevel(level)
    txt.write_text(caption.strip() + "\n", encoding="utf-8")
    return png, pdf, txt


def save_scan(scan: Scan, out_dir: str | pathlib.Path):
    """Draw ``scan`` and write its files into ``out_dir``; returns the report's
    :class:`bpcalc.verify.report.Figure` (path relative to ``out_dir``, with the caption)."""
    from ..report import Figure

    fig, caption = draw_scan(scan)
    png, _pdf, _txt = save_figure(fig, caption, pathlib.Path(out_dir) / scan.name)
    return Figure(png.name, caption)
