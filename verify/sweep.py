"""Parameter sweeps: a grid of points, a pure function per point, one JSON line per result.

:func:`sweep` evaluates ``func(point)`` for every point of a grid (see :func:`grid`) on a
local process pool (default) or on an existing Dask distributed cluster, and appends one
JSON record per finished point to a JSON-lines file *as soon as it finishes* (flushed and
``fsync``-ed).  A killed run therefore loses at most the points that were being computed,
and ``resume=True`` continues where it stopped: points whose record says ``"ok"`` are
skipped.

Worker loss is tolerated and never silent:

* local pool (:class:`concurrent.futures.ProcessPoolExecutor`): at most ``max_workers``
  points are in flight, so when a worker process dies the points that were running are
  known.  Each is re-run alone in a fresh pool; a point that kills its worker again is
  retried up to ``retries`` times and then recorded with ``status = "failed"``;
* Dask (``distributed.Client(address)``): the scheduler re-runs tasks of a lost worker on
  the remaining workers; a task that keeps killing workers raises ``KilledWorker`` and is
  recorded as failed.

An exception raised by ``func`` is recorded (``status = "failed"`` with the traceback); it
is deterministic, so it is not retried.

Record format (one JSON object per line)::

    {"type": "meta", "task": "module:function", "bpcalc": "...", "n_points": 12, "started": "..."}
    {"type": "point", "key": "<16 hex>", "point": {...}, "status": "ok" | "failed",
     "result": {...} | null, "error": null | "...", "attempts": 1, "elapsed_s": 0.12,
     "worker": "host:pid", "finished": "2024-01-01T00:00:00+00:00"}

Examples
--------
>>> from bpcalc.verify.sweep import grid, sweep
>>> from bpcalc.verify.demo import gradient_variance_point
>>> points = grid(n=[4, 6, 8], embedding=["tpe", "hee"], seed=[0, 1])
>>> result = sweep(gradient_variance_point, points, "bp.jsonl", max_workers=2)   # doctest: +SKIP
>>> result = sweep(gradient_variance_point, points, "bp.jsonl",
...                scheduler="tcp://head:8786", resume=True)                     # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as _dt
import hashlib
import itertools
import json
import math
import os
import pathlib
import socket
import sys
import time
import traceback
import warnings
from typing import Any, Callable, Iterable, Mapping, Sequence

from bpcalc.bounds.serialization import dumps

from ._version import __version__

__all__ = [
    "SweepRecord",
    "SweepResult",
    "grid",
    "point_key",
    "read_records",
    "check_fresh_output",
    "check_scheduler_reachable",
    "sweep",
    "task_name",
    "resolve_task",
]

_SCALARS = (str, int, float, bool, type(None))


# --------------------------------------------------------------------------- points


def grid(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """The Cartesian product of named axes, as a list of point dictionaries.

    Parameters
    ----------
    **axes : each keyword is an axis name, its value a non-empty sequence of JSON scalars
        (str, int, float, bool, None).  A scalar is treated as a one-value axis.

    Returns
    -------
    list of dict
        One dictionary per grid point, the last axis varying fastest.

    Raises
    ------
    ValueError : an empty axis or no axes at all.
    TypeError : a value that is not a JSON scalar.

    Examples
    --------
    >>> grid(n=[4, 6], embedding=["tpe", "hee"])  # doctest: +NORMALIZE_WHITESPACE
    [{'n': 4, 'embedding': 'tpe'}, {'n': 4, 'embedding': 'hee'},
     {'n': 6, 'embedding': 'tpe'}, {'n': 6, 'embedding': 'hee'}]
    """
    if not axes:
        raise ValueError("grid() needs at least one axis, e.g. grid(n=[4, 6, 8])")
    names, values = [], []
    for name, axis in axes.items():
        if isinstance(axis, _SCALARS):
            axis = [axis]
        axis = list(axis)
        if not axis:
            raise ValueError(f"grid axis {name!r} is empty")
        for v in axis:
            _check_scalar(v, f"grid axis {name!r}")
        names.append(name)
        values.append(axis)
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


def _check_scalar(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: value {value!r} is not finite")
    if isinstance(value, (list, tuple)):
        for v in value:
            _check_scalar(v, where)
        return
    if not isinstance(value, _SCALARS):
        raise TypeError(
            f"{where}: value {value!r} of type {type(value).__name__} is not a JSON scalar "
            "(str, int, float, bool, None or a list of them)"
        )


def _canonical(point: Mapping[str, Any]) -> str:
    return json.dumps(point, sort_keys=True, separators=(",", ":"), allow_nan=False)


def point_key(point: Mapping[str, Any]) -> str:
    """A stable 16-hex-digit key of a point (SHA-256 of its canonical JSON).

    Key order does not matter: ``point_key({"a": 1, "b": 2}) == point_key({"b": 2, "a": 1})``.

    Raises
    ------
    TypeError : ``point`` is not a mapping with string keys and JSON-scalar values.
    """
    if not isinstance(point, Mapping):
        raise TypeError(f"a sweep point must be a mapping (dict), got {type(point).__name__}")
    for k, v in point.items():
        if not isinstance(k, str):
            raise TypeError(f"sweep point keys must be strings, got {k!r}")
        _check_scalar(v, f"sweep point field {k!r}")
    return hashlib.sha256(_canonical(point).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- records


@dataclasses.dataclass(frozen=True)
class SweepRecord:
    """The outcome of one point: ``status`` ``"ok"`` (with ``result``) or ``"failed"`` (with ``error``)."""

    key: str
    point: dict
    status: str
    result: Any = None
    error: str | None = None
    attempts: int = 1
    elapsed_s: float = 0.0
    worker: str = ""
    finished: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        """The record as written to the sweep file (one JSON line, ``"type": "point"``)."""
        return {"type": "point", **dataclasses.asdict(self)}

    def to_json(self) -> dict:
        """Deprecated spelling of :meth:`to_dict` (it returns a dict, not JSON text)."""
        warnings.warn("SweepRecord.to_json() is deprecated; use to_dict()", DeprecationWarning, stacklevel=2)
        return self.to_dict()

    def summary(self) -> dict:
        """The fields a report keeps of this record (point, status, result, error, timing, worker)."""
        return {"point": self.point, "status": self.status, "result": self.result, "error": self.error,
                "elapsed_s": self.elapsed_s, "worker": self.worker}


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """All records of a sweep file after a run, in the order of the requested points.

    Attributes
    ----------
    path : the JSON-lines file.
    records : one record per requested point (the latest one written for its key).
    computed : number of points evaluated in this run (the rest were resumed from the file).
    elapsed_s : wall time of this run.
    """

    path: pathlib.Path
    records: tuple[SweepRecord, ...]
    computed: int
    elapsed_s: float

    @property
    def ok(self) -> list[SweepRecord]:
        return [r for r in self.records if r.ok]

    @property
    def failed(self) -> list[SweepRecord]:
        return [r for r in self.records if not r.ok]

    def results(self) -> list[tuple[dict, Any]]:
        """``(point, result)`` for every successful point."""
        return [(r.point, r.result) for r in self.records if r.ok]


def read_records(path: str | os.PathLike) -> dict[str, SweepRecord]:
    """Point records of a sweep file, keyed by point key; the latest record of a key wins.

    A torn last line (the process was killed while writing) is ignored, so its point
    counts as not done.  A missing file gives an empty dictionary.
    """
    path = pathlib.Path(path)
    out: dict[str, SweepRecord] = {}
    if not path.exists():
        return out
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(obj, dict) or obj.get("type") != "point":
                continue
            fields = {f.name for f in dataclasses.fields(SweepRecord)}
            rec = SweepRecord(**{k: v for k, v in obj.items() if k in fields})
            out[rec.key] = rec
    return out


def check_fresh_output(path: str | os.PathLike, *, resume: bool = False, force: bool = False) -> None:
    """Refuse, before any work, to overwrite a sweep file that holds results.

    Parameters
    ----------
    path : the JSON-lines file a run is about to write.
    resume : the run continues the file (allowed).
    force : the run discards the file (allowed).

    Raises
    ------
    ValueError : both ``resume`` and ``force``.
    FileExistsError : ``path`` is not empty and neither flag is set; the message counts
        the finished points and names ``--resume`` and ``--force``.
    NotADirectoryError : a parent of ``path`` is a file (the run could not write it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_fresh_output(d / "points.jsonl")          # no file yet: fine
    >>> _ = (d / "points.jsonl").write_text("{}")
    >>> check_fresh_output(d / "points.jsonl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileExistsError: ... holds the results of an earlier run (0 finished points); rerun with --resume to continue it or --force to overwrite it
    """
    if resume and force:
        raise ValueError("--resume and --force are mutually exclusive")
    path = pathlib.Path(path)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(20, "not a directory (cannot hold the output)", str(parent))
            break
    if resume or force or not path.exists() or path.stat().st_size == 0:
        return
    finished = sum(1 for r in read_records(path).values() if r.ok)
    raise FileExistsError(
        f"{path} holds the results of an earlier run ({finished} finished points); "
        "rerun with --resume to continue it or --force to overwrite it"
    )


def check_scheduler_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, when a Dask scheduler address cannot be reached.

    ``distributed.Client`` retries a refused connection until its (long) timeout and then
    raises a long chained traceback; a plain TCP connect answers in milliseconds.

    Raises
    ------
    ValueError : a malformed address, or nothing listens there (the message names it).
    """
    import socket as _socket
    from urllib.parse import urlsplit

    if not isinstance(address, str) or not address.strip():
        raise ValueError("scheduler address is empty; expected e.g. tcp://host:8786")
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"scheduler address {address!r} is malformed ({exc}); expected e.g. tcp://host:8786") from None
    if parts.scheme not in ("tcp", "tls") or not host or port is None:
        if parts.scheme in ("inproc", "ucx", "ws", "wss"):
            return  # not a plain TCP address: leave it to distributed
        raise ValueError(f"scheduler address {address!r} must look like tcp://host:port")
    try:
        with _socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ValueError(f"cannot reach the Dask scheduler at {address} ({reason}); is it running?") from None


def _read_meta(path: pathlib.Path) -> list[dict]:
    metas = []
    if path.exists():
        with path.open("r", encoding="utf-8") as fh:
            for line in fh:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict) and obj.get("type") == "meta":
                    metas.append(obj)
    return metas


class _Writer:
    """Appends JSON lines, flushed and fsync-ed one by one (single writer: the driver)."""

    def __init__(self, path: pathlib.Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        needs_newline = False
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                needs_newline = fh.read(1) != b"\n"
        self._fh = path.open("a", encoding="utf-8")
        if needs_newline:  # a torn line from a killed run: start a fresh line
            self._fh.write("\n")

    def write(self, obj: dict) -> None:
        self._fh.write(dumps(obj, nonfinite="keep", unknown="raise", ensure_ascii=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


# --------------------------------------------------------------------------- tasks


def task_name(func: Callable) -> str:
    """``"module:qualname"`` of a function (recorded in the sweep file's meta line)."""
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return f"{module}:{name}"


def resolve_task(spec: str) -> Callable:
    """Import ``"package.module:function"`` and return the function.

    Raises
    ------
    ValueError : malformed spec, unknown module or attribute, or not callable.
    """
    import importlib

    if not isinstance(spec, str) or ":" not in spec:
        raise ValueError(f"task must be 'package.module:function', got {spec!r}")
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ValueError(f"task {spec!r}: cannot import module {module_name!r} ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing: one line, with its location
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        text = " ".join(str(exc).split())
        raise ValueError(f"task {spec!r}: importing {module_name!r} raised {type(exc).__name__}: {text}{where}") from exc
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"task {spec!r}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"task {spec!r} is not callable")
    return obj


def _call(func: Callable, point: dict) -> dict:
    """Run one point in a worker; exceptions become a failed outcome, never escape."""
    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        result = func(dict(point))
        dumps(result, nonfinite="keep", unknown="raise")  # fail here, in the worker, if unserialisable
        return {"status": "ok", "result": result, "error": None, "elapsed_s": time.perf_counter() - t0, "worker": worker}
    except Exception:  # noqa: BLE001 - any failure of the user's function is recorded
        return {
            "status": "failed",
            "result": None,
            "error": traceback.format_exc(limit=20),
            "elapsed_s": time.perf_counter() - t0,
            "worker": worker,
        }


def _exit_with_parent(parent_pid: int) -> None:
    """Pool initializer: a worker whose driver was killed exits instead of lingering."""
    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="bpcalc-sweep-watchdog", daemon=True).start()


def _pool(workers: int) -> cf.ProcessPoolExecutor:
    return cf.ProcessPoolExecutor(max_workers=workers, initializer=_exit_with_parent, initargs=(os.getpid(),))


def _terminate_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Kill the worker processes of ``pool`` (an interrupted sweep does not wait for them)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, AttributeError):  # pragma: no cover - already gone
            pass


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- engine


def sweep(
    func: Callable[[dict], Any],
    points: Iterable[Mapping[str, Any]],
    out: str | os.PathLike,
    *,
    scheduler: Any = None,
    max_workers: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    retries: int = 2,
    progress: bool = True,
    desc: str = "sweep",
) -> SweepResult:
    """Evaluate ``func(point)`` on every point, writing one JSON record per finished point.

    Parameters
    ----------
    func : a picklable (module-level) function of one ``dict`` returning a JSON-serialisable
        value (numbers, strings, lists, dicts; numpy scalars and arrays are converted).
    points : the points, e.g. from :func:`grid`.  Duplicates are evaluated once.
    out : the JSON-lines file.
    scheduler : ``None`` for a local process pool; a Dask scheduler address
        (``"tcp://host:port"``) or a ``distributed.Client`` for an existing cluster.
    max_workers : local pool size (default: the number of CPUs, at most the number of points).
    resume : continue an existing file: points whose latest record is ``"ok"`` are skipped,
        failed and missing points are (re-)computed.
    overwrite : start afresh, truncating an existing file.
    retries : how many times a point whose worker died is re-run before it is recorded
        as failed (local pool; on Dask the scheduler's ``allowed-failures`` decides).
    progress : show a tqdm progress bar on stderr.
    desc : label of the progress bar.

    Returns
    -------
    SweepResult

    Raises
    ------
    FileExistsError : ``out`` exists and neither ``resume`` nor ``overwrite`` is set.
    ValueError : ``resume`` on a file written by a different task, bad ``retries`` or
        ``max_workers``, both ``resume`` and ``overwrite``.
    TypeError : ``func`` not callable, a point that is not a dict of JSON scalars.
    ImportError : a scheduler was given but ``distributed`` is not installed.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    if max_workers is not None and (isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1):
        raise ValueError(f"max_workers must be a positive integer, got {max_workers!r}")
    if resume and overwrite:
        raise ValueError("resume and overwrite are mutually exclusive")
    path = pathlib.Path(out)
    unique: dict[str, dict] = {}
    for p in points:
        key = point_key(p)
        unique.setdefault(key, dict(p))
    if not unique:
        raise ValueError("sweep() got no points")

    name = task_name(func)
    if isinstance(scheduler, str):
        check_scheduler_reachable(scheduler)
    if path.exists() and path.stat().st_size > 0:
        if overwrite:
            path.unlink()
        elif not resume:
            raise FileExistsError(f"{path} exists; pass resume=True (--resume) to continue it or overwrite=True (--force)")
        else:
            tasks = {m.get("task") for m in _read_meta(path)}
            if tasks and name not in tasks:
                raise ValueError(f"{path} was written by task {sorted(t for t in tasks if t)}, not {name!r}; refusing to mix sweeps")

    done = read_records(path) if resume else {}
    todo = {k: p for k, p in unique.items() if not (k in done and done[k].ok)}
    t0 = time.perf_counter()
    writer = _Writer(path)
    try:
        writer.write(
            {
                "type": "meta",
                "task": name,
                "bpcalc": __version__,
                "n_points": len(unique),
                "n_todo": len(todo),
                "resumed": bool(resume and done),
                "scheduler": scheduler if isinstance(scheduler, (str, type(None))) else type(scheduler).__name__,
                "started": _now(),
            }
        )
        if todo:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc=desc, file=sys.stderr, disable=not progress, unit="pt", leave=True)
            try:
                if scheduler is None:
                    workers = min(max_workers or os.cpu_count() or 1, len(todo))
                    _run_local(func, todo, writer, workers, retries, bar)
                else:
                    _run_dask(func, todo, writer, scheduler, bar)
            finally:
                bar.close()
    finally:
        writer.close()

    final = read_records(path)
    records = tuple(final[k] for k in unique if k in final)
    missing = [unique[k] for k in unique if k not in final]
    if missing:  # pragma: no cover - would be a bug of this module
        raise RuntimeError(f"sweep lost {len(missing)} points without a record: {missing[:3]}")
    return SweepResult(path=path, records=records, computed=len(todo), elapsed_s=time.perf_counter() - t0)


def _emit(writer: _Writer, bar: Any, key: str, point: dict, outcome: dict, attempts: int) -> None:
    rec = SweepRecord(
        key=key,
        point=point,
        status=outcome["status"],
        result=outcome.get("result"),
        error=outcome.get("error"),
        attempts=attempts,
        elapsed_s=float(outcome.get("elapsed_s", 0.0)),
        worker=str(outcome.get("worker", "")),
        finished=_now(),
    )
    writer.write(rec.to_dict())
    bar.update(1)


def _run_local(func: Callable, todo: dict[str, dict], writer: _Writer, workers: int, retries: int, bar: Any) -> None:
    """Local pool with at most ``workers`` points in flight (so a dead worker's points are known)."""
    from concurrent.futures.process import BrokenProcessPool

    queue = list(todo)
    attempts = {k: 0 for k in todo}
    suspects: list[str] = []  # points in flight when a worker died: re-run alone

    def isolate(key: str) -> None:
        while True:
            attempts[key] += 1
            with _pool(1) as solo:
                fut = solo.submit(_call, func, todo[key])
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    if attempts[key] > retries:
                        outcome = {
                            "status": "failed",
                            "error": f"worker process died while computing this point ({attempts[key]} attempts, "
                            "the last one alone in its own process)",
                        }
                    else:
                        continue
            _emit(writer, bar, key, todo[key], outcome, attempts[key])
            return

    while queue or suspects:
        for key in suspects:
            isolate(key)
        suspects = []
        if not queue:
            break
        pool = _pool(workers)
        in_flight: dict[cf.Future, str] = {}
        broken = False
        try:
            while (queue or in_flight) and not broken:
                while queue and len(in_flight) < workers:
                    key = queue[0]
                    try:
                        fut = pool.submit(_call, func, todo[key])
                    except BrokenProcessPool:  # a worker died since the last wait
                        broken = True
                        break
                    queue.pop(0)
                    attempts[key] += 1
                    in_flight[fut] = key
                if broken and not in_flight:
                    break
                finished, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    key = in_flight.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(key)
                        continue
                    _emit(writer, bar, key, todo[key], outcome, attempts[key])
            if broken:
                # every other point in flight died with the pool: they are suspects too
                for fut, key in in_flight.items():
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        suspects.append(key)
                        continue
                    _emit(writer, bar, key, todo[key], outcome, attempts[key])
                in_flight.clear()
                # a suspect's shared-pool attempt does not count against it: it may be innocent
                for key in suspects:
                    attempts[key] -= 1
        except KeyboardInterrupt:
            # Ctrl-C / SIGTERM: finished points are already on disk; stop the points in flight
            # at once instead of waiting for them (a resumed run recomputes them)
            _terminate_pool(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(func: Callable, todo: dict[str, dict], writer: _Writer, scheduler: Any, bar: Any) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("a Dask scheduler was given but 'distributed' is not installed: pip install 'bpcalc[distributed]'") from exc

    own = isinstance(scheduler, str)
    if own:
        if not scheduler.strip():
            raise ValueError("scheduler address is empty; expected e.g. tcp://host:8786")
        client = Client(scheduler, timeout="30s")
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        raise TypeError(f"scheduler must be an address string or a distributed.Client, got {type(scheduler).__name__}")
    try:
        futures = {}
        for key, point in todo.items():
            fut = client.submit(_call, func, point, key=f"bpcalc-sweep-{key}-{os.urandom(4).hex()}", pure=False)
            futures[fut] = key
        for fut in as_completed(list(futures)):
            key = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # KilledWorker, lost connection, cancelled
                outcome = {
                    "status": "failed",
                    "error": f"{type(exc).__name__}: {exc} (the task's worker died repeatedly or the task was lost)",
                }
            _emit(writer, bar, key, todo[key], outcome, 1)
    finally:
        if own:
            client.close()
