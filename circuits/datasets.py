"""Classical datasets for QML experiments, prepared as rotation angles.

Real datasets come from scikit-learn's bundled copies (no network): ``digits``, ``iris``,
``breast_cancer``, ``wine``.  :func:`load_dataset` selects classes, reduces to
``n_features`` with PCA and rescales every feature to an angle range.
:func:`uniform_random` draws uniform random data.  Everything is seeded.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

__all__ = ["Dataset", "DATASETS", "load_dataset", "uniform_random", "make_dataset"]

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
    from sklearn.decomposition import PCA

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
    max_features = min(x.shape)
    if n_features > max_features:
        raise ValueError(
            f"dataset {name!r} (classes {classes}) supports at most {max_features} PCA features, "
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
    data = Dataset(
        x=x,
        y=labels,
        name=name,
        classes=classes,
        source=f"sklearn.datasets.load_{name}; standardised; PCA({n_features}); rescaled to [{lo:g}, {hi:g}]",
        seed=seed,
    )
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
    """``'uniform'`` or any of :data:`DATASETS` by name (for CLIs and sweeps)."""
    if name == "uniform":
        return uniform_random(n_samples or 100, n_features, seed=seed)
    return load_dataset(name, n_features, n_samples=n_samples, seed=seed, **kwargs)
