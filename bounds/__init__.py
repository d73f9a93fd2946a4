"""bpcalc.bounds — closed-form variance bounds, trainability measures and exact variances.

Imports ``circuits``; never imports ``verify``.
"""

__all__: list[str] = []

from .bound import Assumption, AssumptionFailed, Asymptotics, Bound, BoundValue, Check, Citation, format_log10, idx, sym
from .registry import (
    Context,
    Instance,
    Registry,
    Theorem,
    Verification,
    default_registry,
    get_theorem,
    list_theorems,
    register,
)

__all__ += [
    "Assumption", "AssumptionFailed", "Asymptotics", "Bound", "BoundValue", "Check", "Citation", "format_log10", "idx", "sym",
    "Context", "Instance", "Registry", "Theorem", "Verification",
    "default_registry", "get_theorem", "list_theorems", "register",
]

from .from_files import analyze_file, load_user_circuit, model_from_circuit, observable_from_spec, prepare_model

__all__ += ["analyze_file", "load_user_circuit", "model_from_circuit", "observable_from_spec", "prepare_model"]

from .memory import MemoryBudget, MemoryBudgetExceeded, parse_bytes

__all__ += ["MemoryBudget", "MemoryBudgetExceeded", "parse_bytes"]

from .scaling import ScalingFit, SizeVerdict, fit_scaling, size_verdict

__all__ += ["ScalingFit", "SizeVerdict", "fit_scaling", "size_verdict"]

from . import exact
from .exact import (
    GradientVarianceResult, LossVarianceResult, ProductStates, StateVectors, dataset_states, dla_dimension,
    exact_gradient_variance, exact_loss_variance, exact_model_gradient_variance, g_purity, lie_algebraic_gradient_variance,
    lie_algebraic_variance, lie_closure, seed_r_ns, two_design_gradient_variance, two_design_loss_variance,
)

__all__ += [
    "exact", "GradientVarianceResult", "LossVarianceResult", "ProductStates", "StateVectors", "dataset_states",
    "dla_dimension", "exact_gradient_variance", "exact_loss_variance", "exact_model_gradient_variance", "g_purity",
    "lie_algebraic_gradient_variance", "lie_algebraic_variance", "lie_closure", "seed_r_ns",
    "two_design_gradient_variance", "two_design_loss_variance",
]

from .measures import Measures
from .analysis import Analysis, LossAnalysis, LossVariance, ParameterAnalysis, ParameterVerdict, analyze

__all__ += ["Measures", "Analysis", "LossAnalysis", "LossVariance", "ParameterAnalysis", "ParameterVerdict", "analyze"]

from .family import FamilyScan, VariancePoint, scan_family, variance_point

__all__ += ["FamilyScan", "VariancePoint", "scan_family", "variance_point"]

from . import assumptions, display, serialization
from .assumptions import AssumptionKey
from .serialization import SupportsToDict, to_jsonable

__all__ += ["assumptions", "display", "serialization", "AssumptionKey", "SupportsToDict", "to_jsonable"]
