"""In-process ``bpcalc`` runs for the interop tests (no interpreter start-up per call)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(capsys, monkeypatch):
    """``cli([...])`` runs ``bpcalc.verify.cli.main`` from the repository root: ``returncode, stdout, stderr``."""
    from bpcalc.verify.cli import main

    monkeypatch.chdir(ROOT)

    def run(args):
        capsys.readouterr()
        rc = main([str(a) for a in args])
        out = capsys.readouterr()
        return SimpleNamespace(returncode=rc, stdout=out.out, stderr=out.err)

    return run
