"""Bounded memory: engines refuse before allocating, the CLI prints one line (issue 13, Memory).

The worst commands run in a subprocess under an address-space limit (``RLIMIT_AS``), so a
regression cannot take the machine's memory; each must exit cleanly (exit 3) with one line on
stderr naming what was needed and what fits — never a traceback, never killed.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.bounds import MemoryBudgetExceeded
from bpcalc.bounds.exact import lie_closure
from bpcalc.bounds.exact.states import dataset_states
from bpcalc.bounds.measures import data_states
from bpcalc.verify import cli
from bpcalc.verify.backends import make_backend
from bpcalc.verify.engine import compile_circuit

LIMIT = 3 * 2**30


def _limit_address_space() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _bpcalc(*argv: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "bpcalc.verify.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit_address_space, env=env)


def _assert_one_line_refusal(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 3, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_density_matrix_sample_refused_in_one_line_under_address_limit():
    """A 14-qubit density matrix needs 6 GiB: refused before Cirq allocates it."""
    proc = _bpcalc("sample", "--engine", "density_matrix", "--qubits", "14", "--layers", "1", "--draws", "10")
    _assert_one_line_refusal(proc, "density matrix", "needs 6.00 GiB", "qsim")


def test_memory_limit_flag_is_the_budget():
    proc = _bpcalc("sample", "--engine", "cirq", "--qubits", "10", "--layers", "1", "--draws", "4",
                   "--memory-limit", "16KiB")
    _assert_one_line_refusal(proc, "cirq.Simulator on 10 qubits", "16.00 KiB", "Pauli-path")


@pytest.mark.slow
def test_global_compare_at_14_qubits_exits_cleanly_under_address_limit():
    """``bpcalc compare hea-log --observable global --qubits 14``: 'Unable to allocate 3.98 GiB' before."""
    proc = _bpcalc("compare", "hea-log", "--observable", "global", "--qubits", "14", "--method", "exact")
    _assert_one_line_refusal(proc, "memory")


def test_cli_prints_budget_refusal_in_one_line(monkeypatch, capsys):
    import bpcalc.verify.commands.info as info

    def refuse(args):
        raise MemoryBudgetExceeded("a 2^40-entry table needs 8.00 TiB, above the memory budget of 1.00 GiB; use path sampling")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["info"].set_defaults(func=refuse)
    assert cli.main(["info"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["bpcalc info: error: a 2^40-entry table needs 8.00 TiB, above the memory budget of 1.00 GiB; "
                   "use path sampling"]
    assert info  # the command module exists


def test_engines_estimate_before_allocating():
    q = cirq.LineQubit.range(12)
    hea = circuits.hardware_efficient(12, 1)
    obs = cirq.Z(q[0])
    with pytest.raises(MemoryBudgetExceeded, match="density matrix.*384.00 MiB"):
        make_backend("density_matrix", memory_limit="100MiB").prepare(hea, obs)
    with pytest.raises(MemoryBudgetExceeded, match="one 12-qubit state vector"):
        compile_circuit(hea, memory_limit="64KiB")
    assert compile_circuit(hea, memory_limit="1MiB").n_qubits == 12  # 4 x 2^12 x 8 B = 128 KiB fits
    make_backend("cirq", memory_limit="1MiB").prepare(hea, obs)


def test_data_states_estimate_before_simulating():
    hea = circuits.hardware_efficient(8, 1)
    model = circuits.Model(ansatz=hea, observable=circuits.local_cost(sorted(hea.all_qubits())),
                           embedding=circuits.make_embedding("hee", 8, 1), dataset=circuits.uniform_random(20, 8, seed=1))
    with pytest.raises(MemoryBudgetExceeded, match="20 embedded data state vectors on 8 qubits"):
        data_states(model, memory_limit="100KiB")
    with pytest.raises(MemoryBudgetExceeded, match="fewer data points"):
        dataset_states(model, memory_limit="100KiB")
    assert data_states(model, memory_limit="10MiB").shape == (20, 256)


def test_lie_closure_estimates_before_splitting():
    q = cirq.LineQubit.range(4)
    gens = [cirq.X(p) for p in q] + [cirq.Y(p) for p in q] + [cirq.Z(a) * cirq.Z(b) for a, b in zip(q, q[1:])]
    assert lie_closure(gens).dimension == 255  # su(16)
    with pytest.raises(MemoryBudgetExceeded, match="255-dimensional Lie algebra.*split=False"):
        lie_closure(gens, memory_limit="1MiB")
    with pytest.raises(MemoryBudgetExceeded, match="Lie closure at dimension"):
        lie_closure(gens, memory_limit="64KiB")
    assert lie_closure(gens, split=False, memory_limit="1MiB").dimension == 255


def test_qsim_is_memory_budgeted_like_the_other_simulators(capsys):
    """qsim refuses a register over the budget before it allocates (it ignored the budget before)."""
    n = 12
    qubits = cirq.LineQubit.range(n)
    circuit = cirq.Circuit(cirq.H.on_each(*qubits))
    backend = make_backend("qsim", memory_limit="64KiB")
    assert backend.memory_limit == "64KiB"
    with pytest.raises(MemoryBudgetExceeded, match="qsim sampler on 12 qubits"):
        backend.prepare(circuit, cirq.Z(qubits[0]))
    # 3 copies of 2^12 complex64 amplitudes = 96 KiB: a 128 KiB budget is enough
    prepared = make_backend("qsim", memory_limit="128KiB").prepare(circuit, cirq.Z(qubits[0]))
    assert prepared is not None
    rc = cli.main(["sample", "--engine", "qsim", "--qubits", "12", "--layers", "1", "--samples", "4",
                   "--memory-limit", "64KiB"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert rc == 3 and len(err) == 1 and "qsim sampler on 12 qubits" in err[0] and "Pauli-path" in err[0], err
