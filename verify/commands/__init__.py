"""Sub-commands of ``bpcalc``: one module per command, each exposing ``register(subparsers)``."""
