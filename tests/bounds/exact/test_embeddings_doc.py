"""Every Python block of docs/guide/embeddings-reuploading.md runs and prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "guide" / "embeddings-reuploading.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def test_page_is_in_the_nav():
    assert "guide/embeddings-reuploading.md" in (ROOT / "mkdocs.yml").read_text()
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("k", range(len(BLOCKS)))
def test_block_runs(k, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(BLOCKS[k], f"{PAGE.name}[block {k}]", "exec"), {"__name__": "__doc_block__"})
    out = capsys.readouterr().out
    assert out.strip()
    assert "exact" in out or "truncated" in out
