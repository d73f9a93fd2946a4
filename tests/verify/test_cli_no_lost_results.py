"""No lost results (issue 13): reruns never overwrite finished points without ``--force``, an
interrupted run says how to resume, and SIGTERM is handled like Ctrl-C (finished points kept)."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from bpcalc.verify.cli import main
from bpcalc.verify.sweep import read_records

ROOT = pathlib.Path(__file__).resolve().parents[2]

FINISHED = ('{"type": "meta", "task": "bpcalc.verify.demo:gradient_variance_point"}\n'
            '{"type": "point", "key": "k1", "point": {"n": 4}, "status": "ok", "result": {}, "error": null, '
            '"attempts": 1, "elapsed_s": 1.0, "worker": "w", "finished": "t"}\n')


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["demo", "--quick"], ["reproduce", "dataset-induced-bp", "--quick"]])
def test_rerun_without_resume_refuses_to_overwrite(capsys, tmp_path, command):
    out = tmp_path / "run"
    out.mkdir()
    points = out / "points.jsonl"
    points.write_text(FINISHED)
    code, _, err = run(capsys, *command, "--out", str(out), "--no-progress")
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert "--resume" in err and "--force" in err and "1 finished points" in err
    assert points.read_text() == FINISHED          # untouched


def test_resume_and_force_are_exclusive(capsys, tmp_path):
    code, _, err = run(capsys, "demo", "--quick", "--resume", "--force", "--out", str(tmp_path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not allowed" in err


def test_library_refuses_too(tmp_path):
    from bpcalc.verify.demo import DemoConfig, run_demo

    (tmp_path / "points.jsonl").write_text(FINISHED)
    with pytest.raises(FileExistsError, match="--resume"):
        run_demo(DemoConfig(ns=(2,), embeddings=("tpe",), n_draws=10, n_data=2, block_depth=1), tmp_path,
                 progress=False)
    assert (tmp_path / "points.jsonl").read_text() == FINISHED


def test_interrupt_message_says_how_to_resume(capsys, tmp_path, monkeypatch):
    import bpcalc.verify.demo

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bpcalc.verify.demo, "run_demo", interrupted)
    code, _, err = run(capsys, "demo", "--quick", "--out", str(tmp_path / "o"), "--no-progress")
    assert code == 130
    line = err.strip().splitlines()[-1]
    assert "interrupted" in line and "--resume" in line and str(tmp_path / "o") in line


TASK = '''
import os, threading

def task(point):
    if point["n"] == 4:
        return {"n": point["n"], "value": 1.0}
    if os.environ.get("BPCALC_TEST_BLOCK"):
        threading.Event().wait()        # never finishes: only SIGTERM ends this run
    return {"n": point["n"], "value": 2.0}
'''


def _wait_for_point(path: pathlib.Path, proc: subprocess.Popen, deadline_s: float = 300.0) -> None:
    """Wait for the event 'a point record is on disk' (polling the file; the deadline only guards a hang)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        if path.exists() and any(r.ok for r in read_records(path).values()):
            return
        if proc.poll() is not None:
            raise AssertionError(f"sweep exited early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("no point was written")


def test_sigterm_keeps_finished_points_and_says_how_to_resume(tmp_path):
    (tmp_path / "slowtask.py").write_text(TASK)
    out = tmp_path / "sweep.jsonl"
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}", BPCALC_TEST_BLOCK="1")
    argv = [sys.executable, "-m", "bpcalc.verify.cli", "sweep", "--task", "slowtask:task", "--qubits", "4,6",
            "--embeddings", "tpe", "--out", str(out), "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_point(out, proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert "terminated" in err and "--resume" in err
    done = read_records(out)
    assert [r.point["n"] for r in done.values() if r.ok] == [4]     # the finished point survived
    # resume: only the unfinished point is computed
    env.pop("BPCALC_TEST_BLOCK")
    res = subprocess.run(argv + ["--resume"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "2 ok" in res.stdout and "1 computed now" in res.stdout
    assert sorted(r.point["n"] for r in read_records(out).values() if r.ok) == [4, 6]
