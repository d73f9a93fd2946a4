"""bpcalc.verify — sampled gradients on Cirq simulators and Google-hardware formats, checks, CLI."""

from ._version import __version__

__all__ = ["__version__"]
