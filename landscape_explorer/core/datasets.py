"""Small seeded datasets made in numpy (nothing is downloaded), and a user's CSV.

``le.dataset(name, n=..., noise=..., seed=...)`` gives a ``Dataset``: features ``X`` (n, d),
targets ``y`` (n,), and whether it is a regression or a classification (labels 0/1) task.

- ``regression``: 1-D, y = 0.8·x + 0.3 plus Gaussian noise, and a few outliers (5 %);
- ``wave``: 1-D, y = sin(2.5·x + 0.5) plus noise: the data a sinusoid fit should find;
- ``moons``, ``circles``, ``spirals``, ``xor``, ``blobs``: 2-D, two classes.
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field

import numpy as np
import numpy.typing  # noqa: F401  (annotations)

from .validation import check_int

MAX_SAMPLES = 100_000
MAX_CSV_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features and targets of a small dataset; ``task`` is 'regression' or 'classification'."""

    name: str
    X: np.ndarray = field(repr=False)  # (n, d) float64
    y: np.ndarray = field(repr=False)  # (n,) float64; 0.0 / 1.0 for classification
    task: str
    description: str = ""
    feature_names: tuple[str, ...] = ()
    target_name: str = "y"
    # How dataset() made it ({"name", "n", "noise", "seed"}): what a scenario file writes to
    # make it again. None for a CSV or a minibatch, which no such call makes.
    recipe: dict | None = field(default=None, compare=False)

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.y)

    @property
    def dims(self) -> int:
        """Number of feature columns."""
        return self.X.shape[1]

    def subset(self, indices: "np.typing.ArrayLike") -> "Dataset":
        """The rows ``indices`` (a minibatch)."""
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(self.name, self.X[idx], self.y[idx], self.task, self.description,
                       self.feature_names, self.target_name)


def _check_noise(v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or \
            not math.isfinite(v) or not 0 <= v <= 10:
        raise ValueError(f"invalid noise: {v!r} (must be a number in [0, 10])")
    return float(v)


def _regression(n, noise, rng):
    x = rng.uniform(-2.0, 2.0, n)
    y = 0.8 * x + 0.3 + noise * rng.standard_normal(n)
    k = max(1, n // 20)  # outliers: the points a squared loss overreacts to
    out = rng.choice(n, size=k, replace=False)
    y[out] += rng.choice([-1.0, 1.0], size=k) * rng.uniform(2.0, 4.0, size=k)
    return x[:, None], y, "regression", "y = 0.8x + 0.3 + noise, with 5 % outliers"


def _wave(n, noise, rng):
    x = rng.uniform(-2.0, 2.0, n)
    y = np.sin(2.5 * x + 0.5) + noise * rng.standard_normal(n)
    return x[:, None], y, "regression", "y = sin(2.5x + 0.5) + noise"


def _labels(n, rng):
    t = np.zeros(n)
    t[n // 2:] = 1.0
    return t


def _moons(n, noise, rng):
    t = _labels(n, rng)
    a = rng.uniform(0, math.pi, n)
    x = np.where(t == 0, np.cos(a), 1.0 - np.cos(a))
    y = np.where(t == 0, np.sin(a), 0.5 - np.sin(a))
    X = np.stack([x, y], -1) + noise * rng.standard_normal((n, 2))
    return X, t, "classification", "two interleaving half circles"


def _circles(n, noise, rng):
    t = _labels(n, rng)
    a = rng.uniform(0, 2 * math.pi, n)
    r = np.where(t == 0, 1.0, 0.5)
    X = np.stack([r * np.cos(a), r * np.sin(a)], -1) + noise * rng.standard_normal((n, 2))
    return X, t, "classification", "a small circle inside a large one"


def _spirals(n, noise, rng):
    t = _labels(n, rng)
    s = rng.uniform(0.0, 1.0, n)
    a = 3.0 * math.pi * s + np.where(t == 0, 0.0, math.pi)
    r = 0.2 + 1.8 * s
    X = np.stack([r * np.cos(a), r * np.sin(a)], -1) + noise * rng.standard_normal((n, 2))
    return X, t, "classification", "two interleaved spirals"


def _xor(n, noise, rng):
    X = rng.uniform(-1.0, 1.0, (n, 2))
    t = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.float64)
    X = X + noise * rng.standard_normal((n, 2))
    return X, t, "classification", "class = sign(x1) xor sign(x2)"


def _blobs(n, noise, rng):
    t = _labels(n, rng)
    centers = np.where(t[:, None] == 0, [[-1.0, -0.5]], [[1.0, 0.5]])
    X = centers + (0.5 + noise) * rng.standard_normal((n, 2))
    return X, t, "classification", "two overlapping Gaussian blobs"


_MAKERS = {"regression": (_regression, 0.3), "wave": (_wave, 0.15), "moons": (_moons, 0.1),
           "circles": (_circles, 0.08), "spirals": (_spirals, 0.05), "xor": (_xor, 0.05),
           "blobs": (_blobs, 0.3)}


def dataset_names() -> list[str]:
    """Names of the built-in datasets."""
    return sorted(_MAKERS)


def dataset(name: str, n: int = 200, noise: float | None = None, seed: int = 0) -> Dataset:
    """A seeded built-in dataset (see the module docstring); the same arguments give the same
    data on every machine."""
    if name not in _MAKERS:
        raise ValueError(f"unknown dataset {name!r}; valid datasets: {', '.join(dataset_names())}")
    make, default_noise = _MAKERS[name]
    n = check_int("n", n, 4, MAX_SAMPLES)
    noise = default_noise if noise is None else _check_noise(noise)
    seed = check_int("seed", seed, 0, 2 ** 63 - 1)
    rng = np.random.default_rng(seed)
    X, y, task, text = make(n, noise, rng)
    names = ("x",) if X.shape[1] == 1 else ("x1", "x2")
    return Dataset(name, np.ascontiguousarray(X, dtype=np.float64),
                   np.ascontiguousarray(y, dtype=np.float64), task, text, names,
                   recipe={"name": name, "n": n, "noise": noise, "seed": seed})


def load_csv(path: "str | os.PathLike[str]", target: str | None = None, features: list[str] | None = None,
             task: str | None = None) -> Dataset:
    """A dataset from a CSV file with a header row: ``features`` (default: every column but the
    target) and ``target`` (default: the last column). Errors name the column, the row and the
    cell: a missing column, a non-numeric or non-finite cell, too few rows."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise ValueError(f"cannot read {path!r}: {e.strerror}") from None
    import stat

    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"cannot read {path!r}: not a regular file")
    if st.st_size > MAX_CSV_BYTES:
        raise ValueError(f"{path}: {st.st_size} bytes is too large (at most {MAX_CSV_BYTES})")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"cannot read {path!r}: {e}".splitlines()[0]) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"{path}: empty file (expected a header row and data rows)")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        raise ValueError(f"{path}: repeated column names in the header: {header}")
    target = header[-1] if target is None else target
    if target not in header:
        raise ValueError(f"{path}: no column {target!r} (columns: {', '.join(header)})")
    features = [h for h in header if h != target] if features is None else list(features)
    for c in features:
        if c not in header:
            raise ValueError(f"{path}: no column {c!r} (columns: {', '.join(header)})")
    if not features:
        raise ValueError(f"{path}: no feature columns besides the target {target!r}")
    data = rows[1:]
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} data rows (at least 4 are needed)")
    if len(data) > MAX_SAMPLES:
        raise ValueError(f"{path}: {len(data)} data rows (at most {MAX_SAMPLES})")
    cols = [header.index(c) for c in features] + [header.index(target)]
    out = np.empty((len(data), len(cols)))
    for i, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}: row {i} has {len(row)} cells, the header has "
                             f"{len(header)}")
        for j, col in enumerate(cols):
            cell = row[col].strip()
            try:
                v = float(cell)
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                raise ValueError(f"{path}: row {i}, column {header[col]!r}: {cell!r} is not a "
                                 "finite number")
            out[i - 2, j] = v
    y = out[:, -1]
    if task is None:
        task = "classification" if set(np.unique(y)) <= {0.0, 1.0} else "regression"
    elif task not in ("regression", "classification"):
        raise ValueError(f"invalid task: {task!r} (must be 'regression' or 'classification')")
    if task == "classification" and not set(np.unique(y)) <= {0.0, 1.0}:
        raise ValueError(f"{path}: a classification target must be 0 or 1 (column {target!r})")
    return Dataset(os.path.basename(path), np.ascontiguousarray(out[:, :-1]),
                   np.ascontiguousarray(y), task, f"{len(y)} rows of {path}",
                   tuple(features), target)
