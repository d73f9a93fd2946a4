"""bpcalc.verify — sampled gradients on Cirq simulators and Google-hardware formats, checks, CLI."""

from ._version import __version__

__all__ = ["__version__"]

# issue 5: batched engine, backends, gradients, sampling, statistics, checks
from .backends import Backend, CirqSimulator, DensityMatrix, OwnEngine, QSim, make_backend, noise_model
from .check import CheckReport, ScalingFit, check, fit_scaling
from .engine import BatchedCircuit, BatchedSimulator, compile_circuit
from .gradients import GradientResult, adjoint_gradient, gradient, parameter_shift_gradient, shot_gradient
from .measurement import estimate_expectation, sampled_parameter_shift_gradient
from .plots import plot_variance_scaling
from .sampling import GradientSamples, sample_gradient_variance, sample_gradients
from .stats import VarianceEstimate

__all__ += [
    "Backend", "CirqSimulator", "DensityMatrix", "OwnEngine", "QSim", "make_backend", "noise_model",
    "CheckReport", "ScalingFit", "check", "fit_scaling",
    "BatchedCircuit", "BatchedSimulator", "compile_circuit",
    "GradientResult", "adjoint_gradient", "gradient", "parameter_shift_gradient", "shot_gradient",
    "estimate_expectation", "sampled_parameter_shift_gradient",
    "plot_variance_scaling",
    "GradientSamples", "sample_gradient_variance", "sample_gradients",
    "VarianceEstimate",
]

# issue 7: sweeps, reports, the demo and the seed-paper reproduction
from .demo import DemoConfig, gradient_variance_point, run_demo
from .report import Figure, Report, Table, bibtex, bounds_latex_table, to_json, to_markdown, write_report
from .reproduce import ReproductionConfig, reproduce_dataset_induced_bp
from .sweep import SweepRecord, SweepResult, grid, read_records, sweep

__all__ += [
    "DemoConfig", "gradient_variance_point", "run_demo",
    "Figure", "Report", "Table", "bibtex", "bounds_latex_table", "to_json", "to_markdown", "write_report",
    "ReproductionConfig", "reproduce_dataset_induced_bp",
    "SweepRecord", "SweepResult", "grid", "read_records", "sweep",
]
