"""Two-parameter models whose loss over a dataset IS the surface.

``le.surface("sinusoid_fit", dataset=le.dataset("wave", n=64))``: the point (x, y) of the plane
is the model's two parameters, and the height is the model's mean loss over the dataset, with
exact gradient and Hessian (written out below and checked against finite differences by the
tests). Each model has a sensible default dataset, and a minibatch's surface is the same model
over a subset of the rows (``batch_surface``), so the full-batch landscape and the landscapes of
the minibatches can be compared exactly.

- ``linear_regression``: y ≈ w·x + b, mean squared error: a convex bowl, ill-conditioned when x
  is not centred;
- ``logistic_regression``: P(class 1) = σ(w₁·x₁ + w₂·x₂), mean cross-entropy: convex, a plain
  valley where the classes overlap;
- ``sinusoid_fit``: y ≈ sin(w·x + b), mean squared error: a landscape of many local minima;
- ``tanh_neuron``: y ≈ a·tanh(b·x), mean squared error: a saddle at the origin, plateaus where
  the neuron saturates.

The formulas loop over the rows with arithmetic and ufuncs only, so they run on arrays of
parameter points (the numpy engine, meshes) and compile with numba for the fused engine, summing
in the same order in both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import numpy.typing  # noqa: F401  (annotations)

from .datasets import Dataset, dataset as make_dataset
from .surfaces import Surface, add_surface_resolver


@dataclass(frozen=True)
class DataModel:
    name: str
    title: str
    formula: str
    description: str
    task: str  # the dataset task it fits: 'regression' (1-D x) or 'classification' (2-D x)
    default_dataset: Callable[[], Dataset]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    axes: tuple[str, str]  # names of the two parameters
    # (x (n,), y (n,)) -> (f_value, f_grad, f_hessian, batch_grad): batch_grad(p, q, R) is the
    # gradient of the mean loss over rows R (N, B) (particle k's batch is R[k]) at parameters
    # p, q (N,): the rows gathered into (B, N) arrays, all particles at once.
    make: Callable


# --- linear regression: L(w, b) = mean (w x + b - y)² ----------------------------------------

def _linear(X, Y):
    n = len(Y)

    def value(w, b):
        acc = 0.0 * w + 0.0 * b
        for i in range(n):
            r = w * X[i] + b - Y[i]
            acc = acc + r * r
        return acc / n

    def grad(w, b):
        gw = 0.0 * w + 0.0 * b
        gb = 0.0 * w + 0.0 * b
        for i in range(n):
            r = w * X[i] + b - Y[i]
            gw = gw + 2.0 * r * X[i]
            gb = gb + 2.0 * r
        return gw / n, gb / n

    sxx = float(2.0 * np.mean(X * X))
    sx = float(2.0 * np.mean(X))

    def hessian(w, b):
        return sxx + 0.0 * w, sx + 0.0 * w, 2.0 + 0.0 * b

    def batch_grad(w, b, R):
        x, t = X[R.T], Y[R.T]  # (B, N): row k holds every particle's k-th row
        r = w * x + b - t
        return (2.0 * r * x).sum(axis=0) / len(x), (2.0 * r).sum(axis=0) / len(x)

    return value, grad, hessian, batch_grad


# --- logistic regression: L(w1, w2) = mean softplus(z) - t z, z = w1 x1 + w2 x2 ---------------

def _logistic(X, T):
    n = len(T)
    X1 = np.ascontiguousarray(X[:, 0])
    X2 = np.ascontiguousarray(X[:, 1])

    def value(w1, w2):
        acc = 0.0 * w1 + 0.0 * w2
        for i in range(n):
            z = w1 * X1[i] + w2 * X2[i]
            # softplus(z) = max(z, 0) + log1p(exp(-|z|)): no overflow for any z
            acc = acc + (np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - T[i] * z)
        return acc / n

    def grad(w1, w2):
        g1 = 0.0 * w1 + 0.0 * w2
        g2 = 0.0 * w1 + 0.0 * w2
        for i in range(n):
            z = w1 * X1[i] + w2 * X2[i]
            e = 0.5 * (1.0 + np.tanh(0.5 * z)) - T[i]  # sigmoid(z) - t, stable
            g1 = g1 + e * X1[i]
            g2 = g2 + e * X2[i]
        return g1 / n, g2 / n

    def hessian(w1, w2):
        h11 = 0.0 * w1 + 0.0 * w2
        h12 = 0.0 * w1 + 0.0 * w2
        h22 = 0.0 * w1 + 0.0 * w2
        for i in range(n):
            z = w1 * X1[i] + w2 * X2[i]
            s = 0.5 * (1.0 + np.tanh(0.5 * z))
            c = s * (1.0 - s)
            h11 = h11 + c * X1[i] * X1[i]
            h12 = h12 + c * X1[i] * X2[i]
            h22 = h22 + c * X2[i] * X2[i]
        return h11 / n, h12 / n, h22 / n

    def batch_grad(w1, w2, R):
        x1, x2, t = X1[R.T], X2[R.T], T[R.T]  # (B, N)
        e = 0.5 * (1.0 + np.tanh(0.5 * (w1 * x1 + w2 * x2))) - t
        return (e * x1).sum(axis=0) / len(t), (e * x2).sum(axis=0) / len(t)

    return value, grad, hessian, batch_grad


# --- sinusoid fit: L(w, b) = mean (sin(w x + b) - y)² -----------------------------------------

def _sinusoid(X, Y):
    n = len(Y)

    def value(w, b):
        acc = 0.0 * w + 0.0 * b
        for i in range(n):
            r = np.sin(w * X[i] + b) - Y[i]
            acc = acc + r * r
        return acc / n

    def grad(w, b):
        gw = 0.0 * w + 0.0 * b
        gb = 0.0 * w + 0.0 * b
        for i in range(n):
            u = w * X[i] + b
            q = 2.0 * (np.sin(u) - Y[i]) * np.cos(u)
            gw = gw + q * X[i]
            gb = gb + q
        return gw / n, gb / n

    def hessian(w, b):
        hww = 0.0 * w + 0.0 * b
        hwb = 0.0 * w + 0.0 * b
        hbb = 0.0 * w + 0.0 * b
        for i in range(n):
            u = w * X[i] + b
            s = np.sin(u)
            c = np.cos(u)
            q = 2.0 * (c * c - (s - Y[i]) * s)
            hww = hww + q * X[i] * X[i]
            hwb = hwb + q * X[i]
            hbb = hbb + q
        return hww / n, hwb / n, hbb / n

    def batch_grad(w, b, R):
        x, t = X[R.T], Y[R.T]  # (B, N)
        u = w * x + b
        q = 2.0 * (np.sin(u) - t) * np.cos(u)
        return (q * x).sum(axis=0) / len(x), q.sum(axis=0) / len(x)

    return value, grad, hessian, batch_grad


# --- tanh neuron: L(a, b) = mean (a tanh(b x) - y)² -------------------------------------------

def _tanh_neuron(X, Y):
    n = len(Y)

    def value(a, b):
        acc = 0.0 * a + 0.0 * b
        for i in range(n):
            r = a * np.tanh(b * X[i]) - Y[i]
            acc = acc + r * r
        return acc / n

    def grad(a, b):
        ga = 0.0 * a + 0.0 * b
        gb = 0.0 * a + 0.0 * b
        for i in range(n):
            t = np.tanh(b * X[i])
            r = a * t - Y[i]
            ga = ga + 2.0 * r * t
            gb = gb + 2.0 * r * a * (1.0 - t * t) * X[i]
        return ga / n, gb / n

    def hessian(a, b):
        haa = 0.0 * a + 0.0 * b
        hab = 0.0 * a + 0.0 * b
        hbb = 0.0 * a + 0.0 * b
        for i in range(n):
            t = np.tanh(b * X[i])
            s = 1.0 - t * t
            r = a * t - Y[i]
            haa = haa + 2.0 * t * t
            hab = hab + 2.0 * s * X[i] * (a * t + r)
            hbb = hbb + 2.0 * a * X[i] * X[i] * s * (a * s - 2.0 * r * t)
        return haa / n, hab / n, hbb / n

    def batch_grad(a, b, R):
        x, y = X[R.T], Y[R.T]  # (B, N)
        t = np.tanh(b * x)
        r = a * t - y
        return (2.0 * r * t).sum(axis=0) / len(x), \
            (2.0 * r * a * (1.0 - t * t) * x).sum(axis=0) / len(x)

    return value, grad, hessian, batch_grad


MODELS = {m.name: m for m in (
    DataModel("linear_regression", "Linear regression", "mean (w·x + b − y)²",
              "Fitting a line: the mean squared error over (w, b) is a convex bowl, stretched "
              "when x is not centred, so plain gradient descent zig-zags.", "regression",
              lambda: make_dataset("regression", n=64, seed=0), ((-2.0, 3.0), (-2.0, 2.5)),
              ("w", "b"), _linear),
    DataModel("logistic_regression", "Logistic regression", "mean softplus(w·x) − t·(w·x)",
              "Two classes, two weights: the cross-entropy is convex, with a long flat valley "
              "where the classes overlap.", "classification",
              lambda: make_dataset("blobs", n=100, seed=0), ((-4.0, 6.0), (-4.0, 6.0)),
              ("w1", "w2"), _logistic),
    DataModel("sinusoid_fit", "Sinusoid fit", "mean (sin(w·x + b) − y)²",
              "Fitting y = sin(w·x + b): many frequencies fit a little, so the loss has many "
              "local minima; full-batch gradient descent stops in the nearest one, minibatch "
              "noise can carry SGD out.", "regression",
              lambda: make_dataset("wave", n=64, seed=0), ((-1.0, 6.0), (-3.5, 3.5)),
              ("w", "b"), _sinusoid),
    DataModel("tanh_neuron", "Single tanh neuron", "mean (a·tanh(b·x) − y)²",
              "One neuron: the origin is a saddle (no signal flows back), and where b is large "
              "the neuron saturates and the loss goes flat: vanishing gradients.", "regression",
              lambda: make_dataset("regression", n=64, seed=0), ((-3.0, 3.0), (-3.0, 3.0)),
              ("a", "b"), _tanh_neuron),
)}


def data_surface_names() -> list[str]:
    """Names of the models whose loss over a dataset is a surface."""
    return sorted(MODELS)


@dataclass(frozen=True, eq=False)
class DataSurface(Surface):
    """A Surface that is a model's mean loss over a dataset."""

    dataset: Dataset | None = None
    model: str = ""
    f_batch_grad: Callable | None = field(default=None, repr=False)  # see DataModel.make

    def batch_gradient(self, xy: "np.typing.ArrayLike", rows: "np.typing.ArrayLike"
                       ) -> np.ndarray:
        """(N, 2) the exact gradient of the mean loss over the rows ``rows[k]`` (N, B) at each
        point ``xy[k]`` (N, 2): one minibatch per point, all points at once (rows 0..n-1 give
        ``grad`` to rounding)."""
        p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        R = np.asarray(rows, dtype=np.int64).reshape(len(p), -1)
        if self.f_batch_grad is None:
            raise ValueError("this surface has no dataset to draw batches from")
        with np.errstate(all="ignore"):
            gx, gy = self.f_batch_grad(p[:, 0], p[:, 1], R)
        return np.stack([gx, gy], axis=-1)

    def batch_surface(self, indices: "np.typing.ArrayLike") -> "DataSurface":
        """The same model's loss over the rows ``indices`` only (a minibatch's landscape)."""
        if self.dataset is None:
            raise ValueError("this surface has no dataset to draw batches from")
        return data_surface(self.model, self.dataset.subset(indices), bounds=self.bounds)


def _check_fits(m: DataModel, ds: Dataset):
    if not isinstance(ds, Dataset):
        raise ValueError(f"invalid dataset: {ds!r} (must be le.dataset(...) or le.load_csv(...))")
    dims = 1 if m.task == "regression" else 2
    if ds.dims != dims:
        raise ValueError(f"{m.name} needs {dims} feature column{'s' * (dims > 1)}, the dataset "
                         f"{ds.name!r} has {ds.dims}")
    if m.task == "classification" and ds.task != "classification":
        raise ValueError(f"{m.name} needs 0/1 class labels; the dataset {ds.name!r} is a "
                         "regression dataset")


def data_surface(model: str, dataset: Dataset | None = None,
                 bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
                 ) -> DataSurface:
    """The loss surface of ``model`` (see ``data_surface_names()``) over ``dataset`` (default:
    the model's own)."""
    if model not in MODELS:
        raise ValueError(f"unknown data model {model!r}; valid: {', '.join(data_surface_names())}")
    m = MODELS[model]
    ds = m.default_dataset() if dataset is None else dataset
    _check_fits(m, ds)
    X = np.ascontiguousarray(ds.X[:, 0]) if m.task == "regression" else ds.X
    value, grad, hessian, batch_grad = m.make(X, np.ascontiguousarray(ds.y))
    b = m.bounds if bounds is None else bounds
    return DataSurface(
        name=m.name, title=f"{m.title} on {ds.name} (n = {ds.n})", formula=m.formula,
        description=m.description,
        bounds=((float(b[0][0]), float(b[0][1])), (float(b[1][0]), float(b[1][1]))),
        known_points=(), f_value=value, f_grad=grad, f_hessian=hessian, dataset=ds,
        model=m.name, f_batch_grad=batch_grad)


def _resolve(name, params=None, bounds=None, dataset=None):
    if isinstance(name, str) and name in MODELS:
        if params:
            raise ValueError(f"{name} takes a dataset, not params")
        return data_surface(name, dataset, bounds)
    return None


add_surface_resolver(_resolve)
