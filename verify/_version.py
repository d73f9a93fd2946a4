"""The installed bpcalc version."""

from __future__ import annotations

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("bpcalc")
except Exception:  # pragma: no cover - running from a source tree without install
    __version__ = "0.1.0"
