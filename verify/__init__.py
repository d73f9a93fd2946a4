"""bpcalc.verify — sampled gradients on Cirq simulators and Google-hardware formats, checks, CLI.

The public names below are imported lazily (PEP 562), so that ``bpcalc --help`` and
``bpcalc --version`` answer without importing Cirq.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

# public name -> sub-module that defines it (issue 5: engines, gradients, sampling, statistics,
# checks; issue 7: sweeps, reports, the demo and the seed-paper reproduction)
_LAZY = {
    "Backend": "backends",
    "CirqSimulator": "backends",
    "DensityMatrix": "backends",
    "OwnEngine": "backends",
    "QSim": "backends",
    "make_backend": "backends",
    "noise_model": "backends",
    "CheckReport": "check",
    "ScalingFit": "fits",
    "fit_estimates": "fits",
    "fit_scaling": "fits",
    "BatchedCircuit": "engine",
    "BatchedSimulator": "engine",
    "compile_circuit": "engine",
    "GradientResult": "gradients",
    "adjoint_gradient": "gradients",
    "gradient": "gradients",
    "parameter_shift_gradient": "gradients",
    "shot_gradient": "gradients",
    "estimate_expectation": "measurement",
    "sampled_parameter_shift_gradient": "measurement",
    "plot_variance_scaling": "plots",
    "sample_gradient_variance": "sampling",
    "sample_gradients": "sampling",
    "VarianceEstimate": "stats",
    "DemoConfig": "demo",
    "ExperimentConfig": "experiment",
    "ExperimentResult": "experiment",
    "run_experiment": "experiment",
    "gradient_variance_point": "demo",
    "run_demo": "demo",
    "Figure": "report",
    "Report": "report",
    "Table": "report",
    "bibtex": "report",
    "bounds_latex_table": "report",
    "to_json": "report",
    "to_markdown": "report",
    "write_report": "report",
    "ReproductionConfig": "reproduce",
    "reproduce_dataset_induced_bp": "reproduce",
    "SweepRecord": "sweep",
    "SweepResult": "sweep",
    "grid": "sweep",
    "read_records": "sweep",
}

# ``check`` and ``sweep`` are also the names of sub-modules: import the functions from them
# (``from bpcalc.verify.check import check``), so that ``bpcalc.verify.check`` always means one thing.
__all__ = ["__version__", *_LAZY]


# deprecated public names (one release): name -> sub-module whose __getattr__ warns and answers
_DEPRECATED = {"GradientSamples": "sampling"}  # merged into GradientResult (issue #14)


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        return getattr(importlib.import_module(f".{_DEPRECATED[name]}", __name__), name)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
