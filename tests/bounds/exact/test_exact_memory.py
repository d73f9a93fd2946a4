"""Bounded memory of the Pauli-path engine (issue 13, "Memory").

The worst commands of the issue run in a subprocess under an address-space limit
(``resource.setrlimit(RLIMIT_AS)``): they must end cleanly — a result, or one line naming the
method that fits — never a ``MemoryError`` traceback or an OOM kill.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import cirq
import pytest

from bpcalc import circuits
from bpcalc.bounds import exact as E
from bpcalc.bounds.memory import MemoryBudgetExceeded

LIMIT = 3 * 2**30


def _run_limited(code: str, timeout: int = 600) -> subprocess.CompletedProcess:
    prelude = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


def _assert_clean(proc: subprocess.CompletedProcess, expect_exit: int) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == expect_exit, (proc.returncode, proc.stderr[-2000:])
    if expect_exit:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, lines
        assert "memory budget" in lines[0] and "method='sample'" in lines[0]


def test_cli_refuses_in_one_line_under_a_small_memory_limit():
    proc = _run_limited("""
        import sys
        from bpcalc.verify.cli import main
        sys.exit(main(["exact", "--method", "exact", "--max-terms", "5000000", "--qubits", "12", "--layers", "12", "--observable", "Z0",
                       "--observable", "global", "--memory-limit", "64MiB"]))
    """)
    _assert_clean(proc, 3)


def test_library_raises_before_allocating_and_auto_falls_back_to_sampling(monkeypatch):
    import bpcalc.bounds.exact.tensor_network as tn

    import bpcalc.bounds.exact.pauli_paths as pp

    monkeypatch.setattr(tn, "AUTO_MAX_BOND_PROJECTOR", 0)  # the network routes would be exact: switched off
    monkeypatch.setattr(pp, "AUTO_TN_FALLBACK_BOND", 0)    # to test the fallback to sampling
    circ = circuits.hardware_efficient(8, 8)
    obs = circuits.global_cost(cirq.LineQubit.range(8))
    with pytest.raises(MemoryBudgetExceeded, match="method='sample'"):
        E.exact_gradient_variance(circ, obs, parameters="first", method="exact", max_terms=2**22,
                                  memory_limit="2MiB")
    with pytest.raises(MemoryBudgetExceeded, match="memory budget"):
        E.exact_loss_variance(circ, obs, method="truncate", max_terms=2**22, memory_limit="2MiB")
    small = circuits.hardware_efficient(5, 5)  # light cone small enough that 'auto' tries enumeration
    r = E.exact_gradient_variance(small, circuits.global_cost(cirq.LineQubit.range(5)), parameters="first",
                                  method="auto", max_terms=2**22, memory_limit="64KiB", n_samples=256)
    assert r.method == "path-sampled" and "memory budget" in r.details["auto_reason"]
    with pytest.raises(ValueError, match="memory size"):
        E.exact_gradient_variance(circ, obs, parameters="first", memory_limit="lots")


@pytest.mark.slow
def test_worst_commands_of_the_issue_end_cleanly_under_rlimit():
    # bpcalc exact --method exact --max-terms 5000000 (was _ArrayMemoryError), default budget
    proc = _run_limited("""
        import sys
        from bpcalc.verify.cli import main
        sys.exit(main(["exact", "--method", "exact", "--max-terms", "5000000", "--qubits", "12", "--layers", "12", "--observable", "Z0",
                       "--observable", "global"]))
    """)
    _assert_clean(proc, 3)
    # max_terms = 2**22 on the n = 12, L = 12 HEA (was OOM-killed): truncation refuses in one line
    proc = _run_limited("""
        import sys, cirq; from bpcalc import circuits
        from bpcalc.bounds import exact as E
        from bpcalc.bounds.memory import MemoryBudgetExceeded
        c = circuits.hardware_efficient(12, 12)
        try:
            E.exact_gradient_variance(c, circuits.global_cost(cirq.LineQubit.range(12)), method="truncate",
                                      max_terms=2**22)
        except MemoryBudgetExceeded as exc:
            print(exc, file=sys.stderr)
            sys.exit(3)
    """)
    _assert_clean(proc, 3)
