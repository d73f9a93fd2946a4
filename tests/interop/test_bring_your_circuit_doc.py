"""Every Python block of docs/guide/bring-your-circuit.md runs (extras: when installed)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guide" / "bring-your-circuit.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def test_page_is_in_the_nav():
    assert "guide/bring-your-circuit.md" in (ROOT / "mkdocs.yml").read_text()
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("k", range(len(BLOCKS)))
def test_block_runs(k, monkeypatch, capsys):
    code = BLOCKS[k]
    for extra in ("qiskit", "pennylane"):
        if re.search(rf"^\s*(import|from) {extra}\b", code, flags=re.M):
            pytest.importorskip(extra)
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{PAGE.name}[block {k}]", "exec"), {"__name__": "__doc_block__"})
    assert capsys.readouterr().out.strip()
