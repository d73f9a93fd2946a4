"""The user's own data: ``--dataset PATH`` CSV / NPZ / NPY (issue 17 item 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA

from bpcalc import circuits
from bpcalc.bounds.from_files import prepare_model

ROOT = Path(__file__).resolve().parents[2]


def _raw(seed=0, n=40, f=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, f)) @ rng.normal(size=(f, f))
    y = (x[:, 0] > 0).astype(int)
    return x, y


def _expected_angles(x, k):
    """Independent re-implementation of the documented preparation: standardise, PCA, [0, π]."""
    z = (x - x.mean(0)) / x.std(0)
    p = PCA(n_components=k, random_state=0).fit_transform(z)
    return np.pi * (p - p.min(0)) / (p.max(0) - p.min(0))


@pytest.mark.parametrize("fmt", ["csv", "npz", "npy"])
def test_formats_give_the_same_prepared_data(tmp_path, fmt):
    x, y = _raw()
    if fmt == "csv":
        path = tmp_path / "d.csv"
        lines = ["f0,f1,f2,f3,f4,cls"] + [",".join(f"{v:.17g}" for v in row) + f",{c}" for row, c in zip(x, y)]
        path.write_text("\n".join(lines) + "\n")
        label = "cls"
    elif fmt == "npz":
        path = tmp_path / "d.npz"
        np.savez(path, x=x, y=y)
        label = None
    else:
        path = tmp_path / "d.npy"
        np.save(path, np.column_stack([x, y]))
        label = -1
    d = circuits.load_dataset_file(str(path), 3, label_column=label)
    np.testing.assert_allclose(d.x, _expected_angles(x, 3), atol=1e-9)
    np.testing.assert_array_equal(d.y, np.where(y == 0, -1, 1))


def test_bad_files_one_line(tmp_path):
    cases = {
        "ragged.csv": "1,2,3\n4,5\n",
        "text.csv": "a,b\n1,2\n3,oops\n",
        "empty.csv": "",
        "one.csv": "1,2,3\n",
    }
    msgs = {}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ValueError) as err:
            circuits.load_dataset_file(str(tmp_path / name), 1)
        msgs[name] = str(err.value)
        assert "\n" not in msgs[name] and name in msgs[name]
    assert "line 2 has 2 columns" in msgs["ragged.csv"]
    assert "line 3, column 2: 'oops' is not a number" in msgs["text.csv"]
    (tmp_path / "garbage.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="garbage.npy: not a readable"):
        circuits.load_dataset_file(str(tmp_path / "garbage.npy"), 1)
    np.savez(tmp_path / "k.npz", a=np.ones((3, 2)))
    with pytest.raises(ValueError, match="no feature array"):
        circuits.load_dataset_file(str(tmp_path / "k.npz"), 1)
    (tmp_path / "l.csv").write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(ValueError, match="no column 'zz'"):
        circuits.load_dataset_file(str(tmp_path / "l.csv"), 1, label_column="zz")
    with pytest.raises(ValueError, match="at most 1 PCA features"):
        circuits.load_dataset_file(str(tmp_path / "l.csv"), 3, label_column="b")
    with pytest.raises(FileNotFoundError):
        circuits.load_dataset_file(str(tmp_path / "missing.csv"), 1)


def test_model_and_cli_with_a_csv(cli, tmp_path):
    x, y = _raw(n=12, f=4)
    path = tmp_path / "mine.csv"
    path.write_text("\n".join(",".join(f"{v:.6f}" for v in row) + f",{c}" for row, c in zip(x, y)) + "\n")
    pm = prepare_model(ROOT / "examples" / "sim2019_circuit2.qasm", "Z0", embedding="tpe", dataset=str(path),
                       label_column=-1, n_data=8)
    assert pm.model.dataset.n_samples == 8 and pm.model.dataset.n_features == 4
    assert any("mine.csv (CSV)" in n for n in pm.notes)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3\n")
    proc = cli(["analyze", "examples/sim2019_circuit2.qasm",
                           "--embedding", "tpe", "--dataset", str(bad), "--observable", "Z0", "--no-theorems"])
    assert proc.returncode != 0 and "bad.csv: line 2 has 1 columns" in proc.stderr
    assert "Traceback" not in proc.stderr
