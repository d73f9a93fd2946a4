"""Tests of verify.sweep: records per point, resume, worker loss on a local pool and on Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from bpcalc.verify.sweep import grid, point_key, read_records, resolve_task, sweep, task_name


# Point functions must be importable by worker processes (fork on Linux; cloudpickle by value on Dask).
def square(point: dict) -> dict:
    return {"value": point["x"] ** 2, "pid": os.getpid()}


def fails_on_three(point: dict) -> dict:
    if point["x"] == 3:
        raise RuntimeError("three is bad")
    return {"value": point["x"] ** 2}


def kill_once(point: dict) -> dict:
    """Kill the worker process the first time the point ``x == victim`` is computed.

    The killed process's id is written to ``dir/killed-<x>`` first (flushed before the kill),
    so a test can tell the recomputed result from the lost one.
    """
    marker = os.path.join(point["dir"], f"killed-{point['x']}")
    if point["x"] == point["victim"] and not os.path.exists(marker):
        _write_atomically(marker, str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return {"value": point["x"] ** 2, "pid": os.getpid()}


def kill_always(point: dict) -> dict:
    if point["x"] == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"value": point["x"] ** 2}


def gated_square(point: dict) -> dict:
    """Square ``x``; points with ``x >= stop_at`` first announce themselves and wait for a gate file.

    The announcement ``dir/running-<x>`` (this process's id) is the event a test waits for:
    it is written only after the driver has recorded every earlier point (one worker, one
    point in flight), so the test knows exactly what the file holds without timing anything.
    """
    if point["x"] >= point["stop_at"] and not os.path.exists(point["gate"]):
        _write_atomically(os.path.join(point["dir"], f"running-{point['x']}"), str(os.getpid()))
        while not os.path.exists(point["gate"]):  # released by the test, or killed with its driver
            time.sleep(0.05)
    return {"value": point["x"] ** 2}


def _write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _wait_for(condition, what: str, proc=None, limit_s: float = 600.0) -> None:
    """Poll until ``condition()`` holds: an event, not a timing margin.

    ``limit_s`` only turns a hang (a bug) into a failure; no passing run depends on it.
    If ``proc`` (a subprocess) exits first, fail at once with its exit status.
    """
    deadline = time.monotonic() + limit_s
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"subprocess exited with status {proc.returncode} before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {limit_s:.0f} s for {what}")
        time.sleep(0.05)


def _pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, already exited but not reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _processes_mentioning(text: str) -> list[str]:
    ps = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines()[1:] if text in line and line.split()[1][:1] not in ("Z", "X")]


def _point_lines(path) -> list[dict]:
    return [r for r in _lines(path) if r["type"] == "point"]


def _lines(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def test_grid_is_the_cartesian_product():
    pts = grid(n=[4, 6], emb=["tpe", "hee", "che"], seed=0)
    assert len(pts) == 6
    assert {(p["n"], p["emb"]) for p in pts} == {(n, e) for n in (4, 6) for e in ("tpe", "hee", "che")}
    assert all(p["seed"] == 0 for p in pts)


def test_grid_and_key_reject_bad_input():
    with pytest.raises(ValueError, match="empty"):
        grid(n=[])
    with pytest.raises(ValueError, match="at least one axis"):
        grid()
    with pytest.raises(TypeError, match="JSON scalar"):
        grid(n=[object()])
    with pytest.raises(TypeError, match="mapping"):
        point_key([1, 2])
    with pytest.raises(ValueError, match="not finite"):
        point_key({"x": float("nan")})


def test_point_key_ignores_field_order_and_separates_points():
    assert point_key({"a": 1, "b": "x"}) == point_key({"b": "x", "a": 1})
    assert point_key({"a": 1}) != point_key({"a": 2})
    assert point_key({"a": 1}) != point_key({"a": 1.5})


def test_local_sweep_writes_one_record_per_point(tmp_path):
    out = tmp_path / "s.jsonl"
    pts = grid(x=list(range(6)))
    res = sweep(square, pts, out, max_workers=2, progress=False)
    assert [r.result["value"] for r in res.records] == [x * x for x in range(6)]
    lines = _lines(out)
    assert lines[0]["type"] == "meta" and lines[0]["task"] == task_name(square)
    assert sorted(rec["point"]["x"] for rec in lines if rec["type"] == "point") == list(range(6))
    assert res.computed == 6 and not res.failed


def test_exception_is_recorded_as_failed_not_lost(tmp_path):
    out = tmp_path / "s.jsonl"
    res = sweep(fails_on_three, grid(x=[1, 2, 3, 4]), out, max_workers=2, progress=False)
    failed = res.failed
    assert len(failed) == 1 and failed[0].point["x"] == 3
    assert "three is bad" in failed[0].error
    assert len(res.ok) == 3


def test_existing_file_needs_resume_or_overwrite(tmp_path):
    out = tmp_path / "s.jsonl"
    sweep(square, grid(x=[1]), out, max_workers=1, progress=False)
    with pytest.raises(FileExistsError):
        sweep(square, grid(x=[1]), out, max_workers=1, progress=False)
    with pytest.raises(ValueError, match="refusing to mix"):
        sweep(fails_on_three, grid(x=[1]), out, max_workers=1, progress=False, resume=True)
    res = sweep(square, grid(x=[1]), out, max_workers=1, progress=False, overwrite=True)
    assert res.computed == 1


def test_resume_skips_finished_points_and_retries_failed(tmp_path):
    out = tmp_path / "s.jsonl"
    sweep(square, grid(x=[0, 1, 2]), out, max_workers=1, progress=False)
    # append a torn line, as if the process was killed while writing
    with open(out, "a") as fh:
        fh.write('{"type": "point", "key": "abc')
    res = sweep(square, grid(x=[0, 1, 2, 3, 4]), out, max_workers=2, progress=False, resume=True)
    assert res.computed == 2
    assert [r.result["value"] for r in res.records] == [0, 1, 4, 9, 16]
    records = read_records(out)
    assert len(records) == 5


def test_killed_sweep_process_resumes_without_loss(tmp_path):
    """Kill the driver mid-sweep (SIGKILL), resume, and check every point is there exactly once.

    Event-driven: the third point announces itself (a file) and blocks on a gate, so the
    driver is killed while exactly two points are recorded and one is in flight, however
    slow or loaded the machine is.
    """
    out = tmp_path / "s.jsonl"
    gate = tmp_path / "gate"
    points = grid(x=list(range(8)), stop_at=2, gate=str(gate), dir=str(tmp_path))
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from test_sweep import gated_square\n"
        "from verify.sweep import sweep\n"
        "sweep(gated_square, %r, %r, max_workers=1, progress=False)\n"
    ) % (os.path.dirname(__file__), points, str(out))
    announced = tmp_path / "running-2"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        _wait_for(announced.exists, "the third point to start", proc=proc)
    finally:
        proc.kill()  # the driver only: its pool worker must notice and exit by itself
        proc.wait()
    try:
        worker_pid = int(announced.read_text())
        assert worker_pid != proc.pid
        before = read_records(out)
        assert sorted(r.point["x"] for r in before.values()) == [0, 1]  # recorded before the third was submitted
        # no orphaned pool worker of the killed driver is left running (its watchdog notices the dead parent)
        _wait_for(lambda: not _pid_alive(worker_pid), f"the orphaned pool worker {worker_pid} to exit", limit_s=120)
        _wait_for(lambda: not _processes_mentioning(str(out)), "every process of the killed sweep to exit", limit_s=120)
    finally:
        gate.write_text("open")  # releases a lingering worker even when the checks above fail
    other = grid(x=list(range(8)), stop_at=8, gate=str(gate), dir=str(tmp_path))
    res = sweep(gated_square, other, out, max_workers=2, progress=False, resume=True)
    # stop_at differs, so the points differ: resume must compute all 8 new points ...
    assert res.computed == 8
    res2 = sweep(gated_square, points, out, max_workers=2, progress=False, resume=True)
    # ... while the original grid only needs the points the killed run did not finish
    assert res2.computed == 6
    assert [r.result["value"] for r in res2.records] == [x * x for x in range(8)]
    # every point of both grids is in the file exactly once: none lost, none duplicated
    keys = [r["key"] for r in _point_lines(out)]
    assert sorted(keys) == sorted(point_key(p) for p in points + other)


def test_local_worker_killed_mid_sweep_is_retried(tmp_path):
    out = tmp_path / "s.jsonl"
    pts = grid(x=list(range(6)), victim=2, dir=str(tmp_path))
    res = sweep(kill_once, pts, out, max_workers=2, progress=False)
    killed_pid = int((tmp_path / "killed-2").read_text())  # the worker really died
    assert not res.failed
    assert [r.result["value"] for r in res.records] == [x * x for x in range(6)]
    assert res.records[2].result["pid"] != killed_pid  # recomputed by another process
    assert sorted(r["key"] for r in _point_lines(out)) == sorted(point_key(p) for p in pts)  # each once


def test_point_that_always_kills_its_worker_is_recorded_failed(tmp_path):
    out = tmp_path / "s.jsonl"
    res = sweep(kill_always, grid(x=[0, 1, 2, 3]), out, max_workers=2, retries=1, progress=False)
    failed = {r.point["x"]: r for r in res.failed}
    assert set(failed) == {1}
    assert "worker process died" in failed[1].error and failed[1].attempts == 2
    assert sorted(r.result["value"] for r in res.ok) == [0, 4, 9]


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="callable"):
        sweep(3, grid(x=[1]), tmp_path / "a.jsonl")
    with pytest.raises(ValueError, match="retries"):
        sweep(square, grid(x=[1]), tmp_path / "a.jsonl", retries=-1)
    with pytest.raises(ValueError, match="no points"):
        sweep(square, [], tmp_path / "a.jsonl")
    with pytest.raises(ValueError, match="mutually exclusive"):
        sweep(square, grid(x=[1]), tmp_path / "a.jsonl", resume=True, overwrite=True)
    with pytest.raises(ValueError, match="module:function"):
        resolve_task("nocolon")
    with pytest.raises(ValueError, match="no attribute"):
        resolve_task("bpcalc.verify.sweep:nope")
    assert resolve_task("bpcalc.verify.sweep:grid") is grid


def test_dask_local_cluster_with_a_worker_killed_mid_sweep(tmp_path):
    """What the sweep promises on Dask, whichever workers the scheduler picks.

    Every point is recorded exactly once, none is lost, and the point whose worker process
    was killed is recomputed by another process.  Which worker runs which point (one worker
    may well run them all) is the scheduler's choice and is not asserted.
    """
    import distributed  # a declared test dependency (extra 'distributed', in 'all'): fail, never skip
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    out = tmp_path / "s.jsonl"
    pts = grid(x=list(range(8)), victim=3, dir=str(tmp_path))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    ) as cluster:
        res = sweep(kill_once, pts, out, scheduler=cluster.scheduler_address, progress=False)
    killed_pid = int((tmp_path / "killed-3").read_text())  # a worker process really died mid-sweep
    assert not res.failed, [r.error for r in res.failed]
    assert [r.result["value"] for r in res.records] == [x * x for x in range(8)]
    victim = res.records[3]
    assert victim.point["x"] == 3 and victim.ok
    assert victim.result["pid"] != killed_pid and not victim.worker.endswith(f":{killed_pid}")
    lines = _point_lines(out)
    assert sorted(r["key"] for r in lines) == sorted(point_key(p) for p in pts)  # each once, none lost


def test_sweep_command_runs_resumes_and_refuses_to_overwrite(tmp_path, capsys):
    from bpcalc.verify.cli import main

    out = tmp_path / "s.jsonl"
    args = ["sweep", "--out", str(out), "--qubits", "2,4", "--embeddings", "tpe", "--draws", "20", "--n-data", "3",
            "--workers", "2", "--no-progress", "--report", str(tmp_path / "rep")]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "2 points" in first and "2 ok" in first
    records = read_records(out)
    assert {r.point["n"] for r in records.values()} == {2, 4}
    for r in records.values():  # TPE: D_HS = 3/4 exactly, prediction r_{n,2}·3/4
        n = r.point["n"]
        assert r.result["output"]["bound"]["value"] == pytest.approx(2 * 8 / (n**2 * 225) * 0.75)
    assert (tmp_path / "rep" / "report.md").exists()
    assert main(args) == 2  # exists: needs --resume or --force
    assert main(args + ["--resume"]) == 0
    assert "0 computed now" in capsys.readouterr().out
