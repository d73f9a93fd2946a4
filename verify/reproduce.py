"""Reproduce the seed paper's numerical experiment: the dataset-induced barren plateau.

Thanasilp, Wang, Nghiem, Coles, Cerezo, *Subtleties in the trainability of quantum machine
learning models*, arXiv:2110.14753: a tensor-product QNN (one layer of 2-qubit blocks, local
cost) that is trainable as a variational algorithm gets a barren plateau from the data
embedding alone.  The reproduction is one configuration of the experiment of
:mod:`bpcalc.verify.experiment` (:meth:`~bpcalc.verify.experiment.ExperimentConfig.reproduction`;
the demo is the other):

* embeddings TPE, HEE (``n`` layers) and CHE (ZZ feature map) on two datasets: scikit-learn's
  digits (classes 0/1, PCA to ``n`` features) and uniform random data;
* **sampled** points for ``n = 4 … 16`` (the registry's prediction ``r_{n,s} · mean D_HS``, the
  exact 2-design chain and Pauli-path values, the sampled variance with a confidence interval
  and the check);
* **exact** points beyond (no sampling): state vectors up to ``n = 20`` for the entangling
  embeddings, product states up to ``n = 256`` for TPE (digits allows at most 64 PCA features);

then fits the decay base of ``mean D_HS`` and of the variance (sampled, and divided by
``r_{n,s}``) per embedding and dataset with standard errors, draws (a) ``mean D_HS`` against
``n`` with the Haar reference and (b) ``Var`` against ``n`` — sampled with intervals, exact
values and the prediction overlaid — and writes the report (:mod:`bpcalc.verify.report`).  Every
point is one record of a :func:`bpcalc.verify.sweep.sweep` file, so ``resume=True`` continues a
stopped run and a Dask scheduler can be given.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil
from typing import Any, Mapping, Sequence

from .experiment import (
    ExperimentConfig,
    ExperimentResult,
    exact_point,
    experiment_fits,
    experiment_point,
    experiment_points,
    run_experiment,
)

__all__ = [
    "ReproductionConfig",
    "ReproductionResult",
    "reproduction_points",
    "reproduction_point",
    "exact_point",
    "fits",
    "reproduce_dataset_induced_bp",
    "write_docs_page",
    "EXPERIMENTS",
]

EXPERIMENTS = ("dataset-induced-bp",)

ReproductionConfig = ExperimentConfig.reproduction
"""The reproduction's configuration: :meth:`bpcalc.verify.experiment.ExperimentConfig.reproduction`."""

ReproductionResult = ExperimentResult
"""What :func:`reproduce_dataset_induced_bp` produced (:class:`bpcalc.verify.experiment.ExperimentResult`)."""

reproduction_point = experiment_point


def reproduction_points(config: ExperimentConfig) -> list[dict]:
    """Sweep points (sampled and exact), most expensive first; checks are Bonferroni-adjusted
    (:func:`bpcalc.verify.experiment.experiment_points`)."""
    return experiment_points(config)


def fits(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict]:
    """Per ``dataset/embedding``: decay bases (± standard error) of mean D_HS, of the sampled
    variance and of the sampled variance divided by ``r_{n,s}``
    (:func:`bpcalc.verify.experiment.experiment_fits`)."""
    return experiment_fits(rows, "reproduction")


def reproduce_dataset_induced_bp(config: ExperimentConfig = ReproductionConfig(),
                                 out_dir: str | os.PathLike = "bpcalc-out/dataset-induced-bp", *,
                                 scheduler: Any = None, resume: bool = False, progress: bool = True,
                                 force: bool = False) -> ExperimentResult:
    """Run the experiment (see the module docstring) and write its report into ``out_dir``.

    ``resume`` continues ``out_dir/points.jsonl``; ``force`` discards it.  Without either,
    finished results are never overwritten (:class:`FileExistsError` before any work).

    Raises
    ------
    TypeError : ``config`` is not a :func:`ReproductionConfig` (an ``ExperimentConfig``).
    """
    if not isinstance(config, ExperimentConfig):
        raise TypeError(f"config must be a ReproductionConfig (an ExperimentConfig), got {type(config).__name__}")
    return run_experiment(config, out_dir, scheduler=scheduler, resume=resume, force=force, progress=progress)


def write_docs_page(result: ReproductionResult, docs_dir: str | os.PathLike = "docs") -> pathlib.Path:
    """Copy the figures (PNG) to ``docs/reproduction/`` and write ``docs/reproduction.md``."""
    from .report import to_markdown

    docs = pathlib.Path(docs_dir)
    img = docs / "reproduction"
    img.mkdir(parents=True, exist_ok=True)
    src = pathlib.Path(result.paths["markdown"]).parent
    figures = []
    for f in result.report.figures:
        shutil.copyfile(src / f.path, img / f.path)
        figures.append(dataclasses.replace(f, path=f"reproduction/{f.path}"))
    report = dataclasses.replace(result.report, figures=tuple(figures), results={}, config={})
    text = to_markdown(report)
    text = text.replace("A LaTeX table of these bounds is in `bounds.tex` (BibTeX entries in `bounds.bib`).",
                        "`bpcalc reproduce dataset-induced-bp` also writes a LaTeX table of these bounds "
                        "(`bounds.tex`, `bounds.bib`), a compact table (`table.tex`), every number "
                        "(`report.json`) and each figure as a vector PDF.")
    text = re.sub(r" \(vector: \[[^]]*\]\([^)]*\)\)", "", text)  # the PDFs stay in the output directory
    text = re.sub(r"A compact LaTeX table .* is in `table.tex`.\n\n", "", text)
    intro = ("This page is generated by `bpcalc reproduce dataset-induced-bp --docs docs` "
             "(see [Concepts](concepts.md#dataset-expressibility) for the theory).\n\n")
    lines = text.split("\n", 2)
    page = docs / "reproduction.md"
    page.write_text(lines[0] + "\n\n" + intro + (lines[2] if len(lines) > 2 else ""), encoding="utf-8")
    return page
