"""Sub-commands of ``bpcalc``: one module per command, each exposing ``register(subparsers)``."""

from ._args import VOCABULARY, vocabulary_markdown

__all__ = ["VOCABULARY", "vocabulary_markdown"]
