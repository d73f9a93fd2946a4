"""bpcalc's figures: one style (:mod:`.style`), one scan figure type (:mod:`.scan`), mathtext
labels from the bounds' LaTeX (:mod:`.labels`), and the scans of each command
(:mod:`.variance`: verify, demo, reproduction; :mod:`.architectures`: compare,
analyze --family, exact over n).

Every figure is written as PNG, vector PDF and ``<name>.caption.txt``; the caption defines
every error bar and lists what is not drawn (vacuous bounds, values a log axis cannot show).
"""

from .architectures import comparison_scan, exact_scan, family_scan
from .labels import bound_label, mathtext
from .scan import Curve, FitLine, Points, Scan, draw_scan, fit_line, save_figure, save_scan
from .style import COLUMN_WIDTHS, PALETTE, new_figure, style_context
from .variance import dhs_scan, estimate_points, experiment_variance_scan, interval_text, variance_scan, verdict_fit

__all__ = [
    "COLUMN_WIDTHS", "PALETTE", "new_figure", "style_context",
    "mathtext", "bound_label",
    "Points", "Curve", "FitLine", "Scan", "draw_scan", "fit_line", "save_figure", "save_scan",
    "interval_text", "estimate_points", "verdict_fit", "variance_scan", "experiment_variance_scan", "dhs_scan",
    "comparison_scan", "family_scan", "exact_scan",
]
