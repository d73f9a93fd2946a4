"""bpcalc.bounds — closed-form variance bounds, trainability measures and exact variances.

Imports ``circuits``; never imports ``verify``.
"""

__all__: list[str] = []
