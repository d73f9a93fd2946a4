"""bounds.serialization: the one JSON sanitizer, and the to_dict of the types that use it."""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib

import numpy as np
import pytest
import sympy

from bpcalc.bounds.serialization import dumps, to_jsonable


def _strict(text: str):
    """json.loads that refuses NaN/Infinity (what a strict JSON reader does)."""
    def bad(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=bad)


@dataclasses.dataclass
class _Point:
    x: float
    tags: tuple


class _WithToDict:
    def to_dict(self):
        return {"value": np.float32(0.5), "when": pathlib.PurePosixPath("/tmp/x")}


def test_rules():
    x = sympy.Symbol("x")
    obj = {
        "np": [np.int64(3), np.float64(0.25), np.bool_(True), np.array([[1, 2], [3, 4]]), np.array(2.5)],
        "nonfinite": [math.inf, -math.inf, math.nan, np.float64("nan")],
        "sympy": [x**2 / 2, sympy.Rational(1, 3)],
        "containers": ({1, 1}, frozenset(), (1, (2,))),
        3: _WithToDict(),
        "dc": _Point(1.0, ("a",)),
        "other": complex(1, 2),
    }
    out = to_jsonable(obj)
    assert out == {
        "np": [3, 0.25, True, [[1, 2], [3, 4]], 2.5],
        "nonfinite": ["inf", "-inf", "nan", "nan"],
        "sympy": ["x**2/2", "1/3"],
        "containers": [[1], [], [1, [2]]],
        "3": {"value": 0.5, "when": "/tmp/x"},
        "dc": {"x": 1.0, "tags": ["a"]},
        "other": "(1+2j)",
    }
    assert type(out["np"][0]) is int and type(out["np"][1]) is float and type(out["np"][2]) is bool
    assert _strict(dumps(obj)) == out


def test_keep_nonfinite_and_raise_on_unknown():
    assert math.isnan(to_jsonable([np.nan], nonfinite="keep")[0])
    assert dumps({"v": math.inf}, nonfinite="keep") == '{"v": Infinity}'
    with pytest.raises(TypeError, match="complex is not JSON serialisable"):
        to_jsonable({"z": 1j}, unknown="raise")
    with pytest.raises(ValueError, match="nonfinite"):
        to_jsonable(1.0, nonfinite="null")
    with pytest.raises(ValueError, match="unknown"):
        to_jsonable(1.0, unknown="drop")


def test_strict_json_of_theorem_instances_and_exact_results():
    import cirq

    from bpcalc.bounds.exact import exact_gradient_variance
    from bpcalc.bounds.registry import Context, get_theorem

    inst = get_theorem("mcclean2018.two_design").instantiate(
        Context(values={"n": 4, "Delta_O": 1.0, "Delta_rho": 0.5}), check=False)
    d = _strict(dumps(inst.to_dict()))
    assert d["substitutions"] == {"n": 4.0, "Delta_O": 1.0, "Delta_rho": 0.5}
    q = cirq.LineQubit.range(2)
    c = cirq.Circuit(cirq.ry(sympy.Symbol("a")).on(q[0]), cirq.CZ(*q), cirq.ry(sympy.Symbol("b")).on(q[1]))
    r = exact_gradient_variance(c, cirq.Z(q[0]))
    d = _strict(json.dumps(r.to_dict(), allow_nan=False))
    assert d["parameters"] == ["a", "b"] and d["values"] == pytest.approx(list(r.values))


def _nan_task(point):
    return {"v": float("nan"), "a": np.arange(2), "n": point["n"]}


def _complex_task(point):
    return {"z": 1j}


def test_sweep_records_keep_nan_and_refuse_unserialisable(tmp_path):
    from bpcalc.verify.sweep import read_records, sweep

    sweep(_nan_task, [{"n": 1}], tmp_path / "s.jsonl", max_workers=1, progress=False)
    (rec,) = read_records(tmp_path / "s.jsonl").values()
    assert rec.status == "ok" and math.isnan(rec.result["v"]) and rec.result["a"] == [0, 1]
    sweep(_complex_task, [{"n": 2}], tmp_path / "t.jsonl", max_workers=1, progress=False)
    (rec,) = read_records(tmp_path / "t.jsonl").values()
    assert rec.status == "failed" and "not JSON serialisable" in rec.error
