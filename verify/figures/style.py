"""The one style of bpcalc's figures: palette, journal column widths, fonts, axis rules.

Every figure of bpcalc is drawn with matplotlib's object API on an Agg canvas (no pyplot, no
global backend switch) inside :func:`style_context`, so all figures share fonts, line widths
and the colour-blind-safe Okabe–Ito palette [1]_, and have the width of one (3.4 in) or two
(7.0 in) journal columns (APS/IOP/Quantum column widths).

References
----------
.. [1] M. Okabe and K. Ito, "Color Universal Design (CUD): how to make figures and
   presentations that are friendly to colorblind people" (2008), https://jfly.uni-koeln.de/color/.

Examples
--------
>>> COLUMN_WIDTHS["single"], COLUMN_WIDTHS["double"]
(3.4, 7.0)
>>> len(PALETTE), PALETTE[0]
(7, '#0072B2')
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

__all__ = ["PALETTE", "COLUMN_WIDTHS", "RC", "color", "style_context", "new_figure", "doubling", "wide_range"]

#: Okabe–Ito colours (black is kept for exact values and references), most distinct first.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
#: Figure widths in inches: one journal column, two columns.
COLUMN_WIDTHS = {"single": 3.4, "double": 7.0}
#: rcParams applied while a figure is drawn (not globally).
RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.0,
    "lines.markersize": 4,
    "errorbar.capsize": 2,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.4,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "mathtext.fontset": "cm",
}


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Apply :data:`RC` for the duration of drawing and saving one figure."""
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def new_figure(width: str = "single", aspect: Optional[float] = None):
    """A matplotlib ``Figure`` (Agg canvas) of a journal column width and one axes.

    Parameters
    ----------
    width : ``'single'`` (3.4 in) or ``'double'`` (7.0 in).
    aspect : height / width (default 0.78 for one column, 0.45 for two).

    Returns
    -------
    (figure, axes)

    Raises
    ------
    ValueError : unknown ``width``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if width not in COLUMN_WIDTHS:
        raise ValueError(f"width must be one of {sorted(COLUMN_WIDTHS)}, got {width!r}")
    w = COLUMN_WIDTHS[width]
    aspect = aspect if aspect is not None else (0.78 if width == "single" else 0.45)
    fig = Figure(figsize=(w, w * aspect))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def doubling(ns) -> bool:
    """True when the sizes grow geometrically (each at least 1.5× the previous): use a log-x
    axis with the sizes as ticks.

    >>> doubling([4, 8, 16, 32]), doubling([4, 6, 8, 10])
    (True, False)
    """
    s = sorted(set(int(n) for n in ns))
    return len(s) >= 3 and all(b >= 1.5 * a for a, b in zip(s, s[1:]))


def wide_range(ns) -> bool:
    """True when the sizes span a factor >= 10 without growing geometrically (e.g. 4, 6, …, 16,
    32, 64): a log-x axis with powers of two as ticks.

    >>> wide_range([4, 6, 8, 16, 32, 64]), wide_range([4, 6, 8, 10, 12])
    (True, False)
    """
    s = sorted(set(int(n) for n in ns))
    return len(s) >= 2 and s[0] > 0 and s[-1] >= 10 * s[0] and not doubling(s)
