"""Classical datasets for QML experiments, prepared as rotation angles.

Real datasets come from scikit-learn's bundled copies (no network): ``digits``, ``iris``,
``breast_cancer``, ``wine``.  :func:`load_dataset` selects classes, reduces to
``n_features`` with PCA and rescales every feature to an angle range.
:func:`load_dataset_file` does the same for the user's own ``.csv`` / ``.npz`` / ``.npy`` file.
:func:`uniform_random` draws uniform random data.  Everything is seeded.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

__all__ = ["Dataset", "DATASETS", "DATASET_FILE_SUFFIXES", "load_dataset", "load_dataset_file", "uniform_random",
           "make_dataset"]

DATASET_FILE_SUFFIXES = (".csv", ".npz", ".npy")

DATASETS = ("digits", "iris", "breast_cancer", "wine")


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """Features ``x`` (``(N, n_features)`` floats) with labels ``y`` (``(N,)``).

    For two classes the labels are ``-1`` (first class) and ``+1`` (second class);
    ``classes`` keeps the original class labels.  ``source`` records how the data were made.
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    classes: tuple = ()
    source: str = ""
    seed: int | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        y = np.asarray(self.y)
        if x.ndim != 2:
            raise ValueError(f"dataset features must be a 2-D array (N, n_features), got shape {x.shape}")
        if x.shape[0] == 0:
            raise ValueError("dataset is empty")
        if y.shape != (x.shape[0],):
            raise ValueError(f"labels must have shape ({x.shape[0]},), got {y.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("dataset features contain NaN or infinite values")
        x.setflags(write=False)
        y = y.copy()
        y.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    def subset(self, n_samples: int, seed: int | None = 0) -> "Dataset":
        """A random subset of ``n_samples`` points (without replacement, seeded)."""
        if n_samples >= self.n_samples:
            return self
        idx = np.sort(np.random.default_rng(seed).choice(self.n_samples, n_samples, replace=False))
        return dataclasses.replace(self, x=self.x[idx], y=self.y[idx])


def _sklearn_loader(name: str):
    from sklearn import datasets as skd

    loaders = {
        "digits": skd.load_digits,
        "iris": skd.load_iris,
        "breast_cancer": skd.load_breast_cancer,
        "wine": skd.load_wine,
    }
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}; expected one of {DATASETS} or 'uniform'")
    return loaders[name]


def load_dataset(
    name: str,
    n_features: int,
    classes: Sequence[int] | None = (0, 1),
    n_samples: int | None = None,
    angle_range: tuple[float, float] = (0.0, np.pi),
    seed: int = 0,
) -> Dataset:
    """Load a scikit-learn dataset, keep ``classes``, PCA to ``n_features``, rescale to angles.

    Parameters
    ----------
    name : ``'digits'``, ``'iris'``, ``'breast_cancer'`` or ``'wine'``.
    n_features : number of principal components kept (one per qubit for the embeddings).
    classes : class labels to keep (``None``: all).  Two classes are relabelled ``-1/+1``.
    n_samples : keep a random subset of this size (seeded).
    angle_range : every feature is min-max rescaled to ``[lo, hi]``.
    seed : seed of the subset draw and of PCA's randomized solver.

    Raises
    ------
    ValueError : unknown dataset or class, ``n_features`` larger than the data allow.
    """
    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
    bunch = _sklearn_loader(name)()
    x, y = np.asarray(bunch.data, dtype=float), np.asarray(bunch.target)
    available = sorted(int(c) for c in np.unique(y))
    if classes is not None:
        classes = tuple(int(c) for c in classes)
        missing = [c for c in classes if c not in available]
        if missing:
            raise ValueError(f"dataset {name!r} has no class {missing}; available classes: {available}")
        if len(set(classes)) != len(classes) or len(classes) < 1:
            raise ValueError(f"classes must be distinct, got {classes}")
        keep = np.isin(y, classes)
        x, y = x[keep], y[keep]
    else:
        classes = tuple(available)
    data = _pca_angles(x, y, name, n_features, classes, angle_range, seed,
                       f"sklearn.datasets.load_{name}", f"dataset {name!r} (classes {classes})")
    if n_samples is not None:
        data = data.subset(int(n_samples), seed=seed)
    return data


def _pca_angles(x, y, name, n_features, classes, angle_range, seed, origin: str, what: str) -> Dataset:
    """Standardise, PCA to ``n_features``, min-max rescale to ``angle_range``; two classes -> ±1."""
    from sklearn.decomposition import PCA

    max_features = min(x.shape)
    if n_features > max_features:
        raise ValueError(
            f"{what} supports at most {max_features} PCA features (min of points and features), "
            f"asked for {n_features}"
        )
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    x = PCA(n_components=n_features, random_state=seed).fit_transform(x)
    lo, hi = float(angle_range[0]), float(angle_range[1])
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"angle_range must be finite with hi > lo, got {angle_range}")
    span = x.max(axis=0) - x.min(axis=0)
    x = lo + (hi - lo) * (x - x.min(axis=0)) / np.where(span > 0, span, 1.0)
    if len(classes) == 2:
        labels = np.where(y == classes[0], -1, 1)
    else:
        labels = y
    return Dataset(
        x=x,
        y=labels,
        name=name,
        classes=tuple(classes),
        source=f"{origin}; standardised; PCA({n_features}); rescaled to [{lo:g}, {hi:g}]",
        seed=seed,
    )


def _float_table(rows: list[list[str]], path: str, first_line: int) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=float)
    for i, row in enumerate(rows):
        if len(row) != out.shape[1]:
            raise ValueError(f"{path}: line {first_line + i} has {len(row)} columns, expected {out.shape[1]}")
        for j, cell in enumerate(row):
            try:
                out[i, j] = float(cell)
            except ValueError:
                raise ValueError(f"{path}: line {first_line + i}, column {j + 1}: {cell.strip()!r} is not a number") from None
    return out


def _read_feature_file(path: str, label_column) -> tuple[np.ndarray, np.ndarray | None, str]:
    """``(x, labels or None, description)`` from a CSV / NPZ / NPY file."""
    import csv
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such dataset file: {path}")
    suffix = p.suffix.lower()
    labels = None
    if suffix == ".csv":
        try:
            with p.open(newline="") as fh:
                rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ValueError(f"{path}: not a readable CSV file ({exc})") from None
        if not rows:
            raise ValueError(f"{path}: the CSV file is empty")
        header = None
        try:
            [float(c) for c in rows[0]]
        except ValueError:
            header, rows = [c.strip() for c in rows[0]], rows[1:]
        if not rows:
            raise ValueError(f"{path}: the CSV file has a header but no data rows")
        if label_column is not None:
            names = header or []
            if str(label_column) in names:
                col = names.index(str(label_column))
            else:
                try:
                    col = int(label_column)
                except ValueError:
                    raise ValueError(
                        f"{path}: no column {label_column!r}; columns: {names or 'no header (use an index 0, 1, …, -1)'}"
                    ) from None
            width = len(rows[0])
            if not -width <= col < width:
                raise ValueError(f"{path}: label column {label_column!r} is outside the {width} columns")
            col %= width
            labels = np.array([r[col].strip() if col < len(r) else "" for r in rows])
            rows = [[c for j, c in enumerate(r) if j != col] for r in rows]
        x = _float_table(rows, path, 2 if header else 1)
        return x, labels, f"{p.name} (CSV)"
    if suffix in (".npy", ".npz"):
        try:
            loaded = np.load(p, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad file
            raise ValueError(f"{path}: not a readable {suffix} file ({type(exc).__name__}: {exc})") from None
        if suffix == ".npz":
            keys = list(loaded.files)
            feat = next((k for k in ("x", "X", "features", "data") if k in keys), None)
            if feat is None:
                raise ValueError(f"{path}: no feature array; name it 'x', 'X', 'features' or 'data' (keys: {keys})")
            x = np.asarray(loaded[feat])
            lab = label_column if label_column is not None else next((k for k in ("y", "labels", "target") if k in keys), None)
            if lab is not None:
                if str(lab) not in keys:
                    raise ValueError(f"{path}: no label array {lab!r} (keys: {keys})")
                labels = np.asarray(loaded[str(lab)])
        else:
            x = np.asarray(loaded)
            if label_column is not None:
                if x.ndim != 2:
                    raise ValueError(f"{path}: features must be a 2-D array (N, features), got shape {x.shape}")
                try:
                    col = int(label_column)
                except ValueError:
                    raise ValueError(f"{path}: --label-column for a .npy file is a column index, got {label_column!r}") from None
                if not -x.shape[1] <= col < x.shape[1]:
                    raise ValueError(f"{path}: label column {col} is outside the {x.shape[1]} columns")
                labels = x[:, col]
                x = np.delete(x, col % x.shape[1], axis=1)
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.number):
            raise ValueError(f"{path}: features must be a 2-D numeric array (N, features), got {x.dtype} of shape {x.shape}")
        if labels is not None and labels.shape != (x.shape[0],):
            raise ValueError(f"{path}: {x.shape[0]} points but labels of shape {labels.shape}")
        return x.astype(float), labels, f"{p.name} ({suffix[1:].upper()})"
    raise ValueError(f"{path}: unknown dataset file type {suffix!r}; expected one of {DATASET_FILE_SUFFIXES}")


def load_dataset_file(
    path: str,
    n_features: int,
    label_column: str | int | None = None,
    n_samples: int | None = None,
    angle_range: tuple[float, float] = (0.0, np.pi),
    seed: int = 0,
) -> Dataset:
    """The user's own data: a ``.csv`` / ``.npz`` / ``.npy`` file prepared like the bundled sets.

    Same preparation as :func:`load_dataset`: standardised, PCA to ``n_features``, every
    feature min-max rescaled to ``angle_range``; two classes are relabelled ``-1/+1``.

    Parameters
    ----------
    path : ``.csv`` (optional header row; comma separated), ``.npz`` (features under ``x``,
        ``X``, ``features`` or ``data``; labels under ``y``, ``labels``, ``target`` or
        ``label_column``) or ``.npy`` (a 2-D array).
    n_features : principal components kept (one per data symbol of the embedding).
    label_column : CSV column name or index, NPY column index, NPZ key of the labels; the
        label column is removed from the features.  Without labels every point gets label
        ``+1`` (the linear loss is then the mean of the outputs).
    n_samples, angle_range, seed : as in :func:`load_dataset`.

    Raises
    ------
    FileNotFoundError, ValueError : one line naming the file and what is wrong (missing
        file, non-numeric cell with line and column, ragged rows, unknown label column, NaN,
        fewer points or features than ``n_features``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = f.write_text("a,b,c,label\\n1,2,3,0\\n2,1,0,1\\n0,0,1,0\\n3,1,2,1\\n")
    >>> d = load_dataset_file(str(f), 2, label_column="label")
    >>> d.x.shape, sorted(set(d.y.tolist())), float(d.x.min()), round(float(d.x.max()), 6)
    ((4, 2), [-1, 1], 0.0, 3.141593)
    """
    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
    x, labels, what = _read_feature_file(str(path), label_column)
    if x.shape[0] < 2:
        raise ValueError(f"{path}: needs at least 2 data points, found {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"{path}: feature value at point {bad[0]}, feature {bad[1]} is NaN or infinite")
    if labels is None:
        y, classes, origin = np.ones(x.shape[0], dtype=int), (1,), f"{what}; no labels (all +1)"
    else:
        try:
            numeric = labels.astype(float)
            if not np.all(np.isfinite(numeric)):
                raise ValueError
            y = numeric
        except ValueError:
            if labels.dtype.kind in "fc":
                raise ValueError(f"{path}: labels contain NaN or infinite values") from None
            y = labels.astype(str)
        classes = tuple(np.unique(y).tolist())
        if len(classes) > 2 and y.dtype.kind not in "fiu":
            lookup = {c: k for k, c in enumerate(classes)}
            y = np.array([lookup[v] for v in y])
            classes = tuple(range(len(lookup)))
        origin = f"{what}; labels from column {label_column!r}" if label_column is not None else f"{what}; labels"
    data = _pca_angles(x, y, str(path), n_features, classes, angle_range, seed, origin, f"dataset file {path}")
    if n_samples is not None:
        data = data.subset(int(n_samples), seed=seed)
    return data


def uniform_random(
    n_samples: int, n_features: int, angle_range: tuple[float, float] = (0.0, 2 * np.pi), seed: int = 0
) -> Dataset:
    """``n_samples`` points uniform in ``angle_range^n_features`` with random ±1 labels."""
    if n_samples < 1 or n_features < 1:
        raise ValueError(f"n_samples and n_features must be >= 1, got {n_samples}, {n_features}")
    rng = np.random.default_rng(seed)
    lo, hi = angle_range
    x = rng.uniform(lo, hi, size=(n_samples, n_features))
    y = rng.choice([-1, 1], size=n_samples)
    return Dataset(x=x, y=y, name="uniform", classes=(-1, 1), source=f"uniform on [{lo:g}, {hi:g}]", seed=seed)


def make_dataset(name: str, n_features: int, n_samples: int | None = None, seed: int = 0, **kwargs) -> Dataset:
    """``'uniform'``, any of :data:`DATASETS` by name, or a ``.csv``/``.npz``/``.npy`` file path
    (:func:`load_dataset_file`; ``label_column=`` in ``kwargs``) — for CLIs and sweeps."""
    label_column = kwargs.pop("label_column", None)
    if str(name).lower().endswith(DATASET_FILE_SUFFIXES):
        return load_dataset_file(str(name), n_features, label_column=label_column, n_samples=n_samples, seed=seed, **kwargs)
    if label_column is not None:
        raise ValueError(f"label_column is only for dataset files ({', '.join(DATASET_FILE_SUFFIXES)}), not {name!r}")
    if name == "uniform":
        return uniform_random(n_samples or 100, n_features, seed=seed)
    return load_dataset(name, n_features, n_samples=n_samples, seed=seed, **kwargs)
