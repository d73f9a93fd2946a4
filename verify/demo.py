"""``bpcalc demo``: the seed paper's dataset-induced barren plateau, end to end, in minutes.

The demo is one configuration of the experiment of :mod:`bpcalc.verify.experiment`
(:meth:`~bpcalc.verify.experiment.ExperimentConfig.demo`: the tensor-product QNN with 2-qubit
blocks and a local cost on the digits dataset, embeddings TPE, HEE and CHE, sampled points
``n = 4 … 12``); the reproduction (:mod:`bpcalc.verify.reproduce`) is the other.  This module
keeps the demo's names: :func:`DemoConfig` builds the configuration, :func:`run_demo` runs it.

References
----------
.. [1] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", arXiv:2110.14753.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Sequence

from .experiment import (
    EMBEDDING_NAMES,
    ExperimentConfig,
    ExperimentResult,
    build_point_model,
    compact_rows,
    experiment_fits,
    experiment_points,
    experiment_report,
    experiment_rows,
    format_summary,
    gradient_variance_point,
    scaling_sentence,
)
from .stats import VarianceEstimate

__all__ = [
    "EMBEDDING_NAMES",
    "DemoConfig",
    "DemoResult",
    "build_point_model",
    "compact_rows",
    "gradient_variance_point",
    "demo_points",
    "fit_rows",
    "summary_rows",
    "report_from_records",
    "run_demo",
    "format_summary",
    "scaling_sentence",
]

DemoConfig = ExperimentConfig.demo
"""The demo's configuration: ``DemoConfig(ns=…, dataset=…, embeddings=…, n_draws=…, …)`` is
:meth:`bpcalc.verify.experiment.ExperimentConfig.demo` (defaults: the README's ``bpcalc demo``)."""

DemoResult = ExperimentResult
"""What :func:`run_demo` produced (:class:`bpcalc.verify.experiment.ExperimentResult`)."""

_estimate_from_dict = VarianceEstimate.from_dict


def demo_points(config: ExperimentConfig) -> list[dict]:
    """The sweep points of ``config`` (largest ``n`` first; Bonferroni-adjusted levels), see
    :func:`bpcalc.verify.experiment.experiment_points`."""
    return experiment_points(config)


def summary_rows(records: Sequence[Any], quantity: str = "output") -> list[dict]:
    """One row per successful point (:func:`bpcalc.verify.experiment.experiment_rows`)."""
    return experiment_rows(records, quantity)


def fit_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict]:
    """Per embedding: decay bases and verdicts (:func:`bpcalc.verify.experiment.experiment_fits`)."""
    return experiment_fits(rows, "demo")


def report_from_records(records: Sequence[Any], config: Optional[Mapping[str, Any]] = None,
                        out_dir: Optional[str | os.PathLike] = None, timings: Optional[Mapping[str, float]] = None,
                        title: str = "bpcalc demo: dataset-induced barren plateau"):
    """The demo-layout :class:`bpcalc.verify.report.Report` of demo / sweep records (and its
    figures if ``out_dir`` is given); returns ``(report, rows, fits)``."""
    return experiment_report(records, config, out_dir, timings, title)


def run_demo(config: ExperimentConfig = DemoConfig(), out_dir: str | os.PathLike = "bpcalc-report", *,
             progress: bool = True, resume: bool = False, force: bool = False) -> ExperimentResult:
    """Run the demo (:func:`bpcalc.verify.experiment.run_experiment`): points on a local process
    pool (one record per point in ``out_dir/points.jsonl``), fits, plots and the report in ``out_dir``.

    ``resume`` continues an existing ``points.jsonl`` (finished points are not recomputed);
    ``force`` discards it.  Without either, finished results are never overwritten.

    Raises
    ------
    TypeError : ``config`` is not a :func:`DemoConfig` (an ``ExperimentConfig``).
    FileExistsError : ``out_dir/points.jsonl`` holds results and neither ``resume`` nor
        ``force`` is set (nothing is computed).
    ValueError : both ``resume`` and ``force``.
    OSError : ``out_dir`` cannot be created.
    """
    from .experiment import run_experiment

    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"config must be a DemoConfig (an ExperimentConfig), got {type(config).__name__}")
    return run_experiment(config, out_dir, resume=resume, force=force, progress=progress)
