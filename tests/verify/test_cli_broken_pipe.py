"""A closed output pipe (``bpcalc info --json | head -1``) ends every command quietly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

EXIT_BROKEN_PIPE = 141  # bpcalc.verify.cli.EXIT_BROKEN_PIPE: 128 + SIGPIPE


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """Run ``bpcalc ARGS`` with stdout a pipe whose reader is already gone (deterministic EPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "bpcalc.verify.cli", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [("info", "--json"), ("info",)])
def test_broken_pipe_is_quiet(args):
    proc = _run_into_closed_pipe(*args)
    assert proc.stderr == "", proc.stderr
    assert proc.returncode == EXIT_BROKEN_PIPE


@pytest.mark.parametrize("args", [("--help",), ("bounds", "--help")])
def test_help_into_a_closed_pipe_is_quiet(args):
    proc = _run_into_closed_pipe(*args)
    assert proc.stderr == "", proc.stderr
    assert proc.returncode in (0, EXIT_BROKEN_PIPE)  # argparse may drop the failed write itself


def test_head_dash_one_through_a_shell():
    """The README's pipeline: the first line arrives, and nothing is printed on stderr."""
    proc = subprocess.run(f'"{sys.executable}" -m bpcalc.verify.cli info --json | head -1', shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "{"
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr and proc.stderr == ""
