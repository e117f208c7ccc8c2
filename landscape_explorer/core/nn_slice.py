"""2-D slices of a real network's loss landscape (Li et al., "Visualizing the Loss Landscape of
Neural Nets", NeurIPS 2018).

``le.nn_slice(dataset, hidden=(16, 16), activation="relu", skip=False, directions="filter")``
trains a small MLP on the dataset in numpy, full space, with the project's own optimizer (the
same torch-exact Adam the app shows), then returns a Surface over (α, β):

    L(θ* + α·d₁ + β·d₂)

- ``directions="filter"``: random Gaussian directions with filter normalization: each filter
  (the incoming weights of one neuron, a row of a layer's weight matrix) of dᵢ is rescaled to
  the norm of the same filter of θ*; biases are zeroed, as the paper does;
- ``directions="pca"``: the first two principal directions of the training trajectory
  (θₜ − θ*), orthonormal; the trajectory's projection is ``surface.trajectory`` (§7 of the
  paper), ending at (0, 0).

Values and gradients on the slice are exact (backpropagation, projected on d₁ and d₂), computed
for many (α, β) at once: each point's weights, one batched matrix product per layer. The 2x2 Hessian on the slice is central
differences of that exact gradient. The surface exposes ``center`` (θ*), ``directions`` (2 × P)
and ``param_shapes`` so anyone can check the normalization.

``surface_from_loss(loss_fn, grad_fn, center, directions)`` makes the same kind of surface from
any framework's flat-parameter loss and gradient.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import numpy.typing  # noqa: F401  (annotations)

from .cancel import CancelCheck, check_cancel
from .datasets import Dataset
from .surfaces import Surface
from .validation import check_int

MAX_DEPTH = 20
MAX_WIDTH = 128
# Grid points evaluated together: each has its own weights, and one batched matmul per layer
# does them all. Small chunks keep the activations in cache; measured on a 10 x 16 MLP over 500
# points, 16 points per chunk ran twice as fast as one point at a time and 2.4 x as fast as 256.
_CHUNK_POINTS = 16
# The value-only path (SliceValues) sizes its chunks by the activations instead: this many
# float64 per activation buffer (1 MiB) stays in cache whatever the width and the data size.
_CHUNK_FLOATS = 1 << 17


# ---------------------------------------------------------------------------------------------
# The network: an MLP over flat parameter vectors, batched over many parameter vectors at once.


@dataclass(frozen=True)
class MLP:
    """Layer sizes, activation and skip connections of a multilayer perceptron whose parameters
    are one flat vector: each layer's weight matrix (out, in), row-major, then its bias (out,)."""

    sizes: tuple[int, ...]  # input, hidden..., output
    activation: str = "relu"
    skip: bool = False  # residual connections between hidden layers of equal width
    task: str = "classification"  # output: one logit (cross-entropy) or one value (MSE)

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        shapes: list[tuple[int, ...]] = []
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            shapes += [(b, a), (b,)]
        return shapes

    @property
    def n_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes)

    def unflatten(self, theta: np.ndarray) -> list[np.ndarray]:
        """Views of (G, P) or (P,) parameters as the layers' (..., out, in) and (..., out)."""
        out, i = [], 0
        lead = theta.shape[:-1]
        for s in self.param_shapes:
            k = int(np.prod(s))
            out.append(theta[..., i:i + k].reshape(lead + s))
            i += k
        return out

    def init(self, rng: np.random.Generator) -> np.ndarray:
        """He (relu) or Glorot (tanh) initialization, biases zero."""
        parts = []
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            std = math.sqrt(2.0 / a) if self.activation == "relu" else math.sqrt(2.0 / (a + b))
            parts += [rng.standard_normal(b * a) * std, np.zeros(b)]
        return np.concatenate(parts)

    def _act(self, z):
        return np.maximum(z, 0.0) if self.activation == "relu" else np.tanh(z)

    def _act_grad(self, z, a):
        return (z > 0).astype(z.dtype) if self.activation == "relu" else 1.0 - a * a

    def residual(self, layer: int) -> bool:
        """Whether hidden layer ``layer`` adds its input to its output (a skip connection)."""
        n_layers = len(self.sizes) - 1
        return self.skip and 0 < layer < n_layers - 1 and \
            self.sizes[layer] == self.sizes[layer + 1]

    def forward(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The network's output (n,) for one parameter vector theta (P,) at the rows X (n, d):
        the logit (classification) or the value (regression), as loss_and_grad computes it."""
        out = self.loss_and_grad(np.asarray(theta, dtype=np.float64).reshape(1, -1),
                                 np.asarray(X, dtype=np.float64), np.zeros(len(X)),
                                 need_grad=False, output=True)
        return out[0]

    def loss_and_grad(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray,
                      need_grad: bool = True, output: bool = False):
        """Mean loss (G,) and its gradient (G, P) for G parameter vectors theta (G, P), over
        the rows X (n, d), y (n,) for all of them, or X (G, n, d), y (G, n): each its own."""
        params = self.unflatten(theta)
        G, n = theta.shape[0], y.shape[-1]
        h = X if X.ndim == 3 else np.broadcast_to(X, (G,) + X.shape)
        n_layers = len(self.sizes) - 1
        cache = []
        for layer in range(n_layers):
            W, b = params[2 * layer], params[2 * layer + 1]
            z = np.matmul(h, np.swapaxes(W, 1, 2)) + b[:, None, :]
            if layer == n_layers - 1:
                cache.append((h, z, None))
                h = z
                break
            a = self._act(z)
            cache.append((h, z, a))
            h = h + a if self.residual(layer) else a
        out = h[..., 0]  # (G, n)
        if output:  # the outputs themselves (forward)
            return out
        with np.errstate(over="ignore"):
            if self.task == "classification":
                loss = np.mean(np.maximum(out, 0) + np.log1p(np.exp(-np.abs(out))) - y * out,
                               axis=1)
                dout = (0.5 * (1.0 + np.tanh(0.5 * out)) - y) / n
            else:
                r = out - y
                loss = np.mean(r * r, axis=1)
                dout = 2.0 * r / n
        if not need_grad:
            return loss, None
        grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
        dh = dout[..., None]  # (G, n, 1)
        for layer in range(n_layers - 1, -1, -1):
            h_in, z, a = cache[layer]
            W = params[2 * layer]
            if layer == n_layers - 1:
                dz = dh
            else:
                dz = dh * self._act_grad(z, a)
            grads[2 * layer] = np.matmul(np.swapaxes(dz, 1, 2), h_in)  # (G, out, in)
            grads[2 * layer + 1] = dz.sum(axis=1)
            dh_in = np.matmul(dz, W)
            if layer != n_layers - 1 and self.residual(layer):
                dh_in = dh_in + dh
            dh = dh_in
        return loss, np.concatenate([g.reshape(G, -1) for g in grads], axis=1)


class SliceValues:
    """L(center + α·d₁ + β·d₂) for many (α, β) at once, value only: the fast path of a slice's
    mesh (a 100 x 100 grid is 10,000 networks).

    Per layer the weights of every point of a chunk are made directly in the layout the batched
    matmul wants, (points, in, out) and contiguous, from the transposed center and directions
    (W(α, β)ᵀ = W*ᵀ + α·D₁ᵀ + β·D₂ᵀ): numpy hands each point's product to BLAS. The first layer
    is linear in (α, β) over fixed data, so X·W(α, β)ᵀ = X·W*ᵀ + α·X·D₁ᵀ + β·X·D₂ᵀ is three
    products made once. Activations are computed in place in buffers reused across chunks, and
    chunks run on one thread per CPU core (numpy's matmul and ufuncs release the GIL)."""

    def __init__(self, model: MLP, center: np.ndarray, dirs: np.ndarray, X: np.ndarray,
                 y: np.ndarray):
        self.model, self.X, self.y = model, X, y
        c_parts = model.unflatten(center)
        d1, d2 = model.unflatten(dirs[0]), model.unflatten(dirs[1])
        n_layers = len(model.sizes) - 1
        self.layers = []
        for layer in range(n_layers):
            W, b = 2 * layer, 2 * layer + 1
            wt = [np.ascontiguousarray(p[W].T) for p in (c_parts, d1, d2)]  # (in, out)
            bias = [p[b].copy() for p in (c_parts, d1, d2)]
            self.layers.append((wt, bias))
        (w0, w1, w2), _ = self.layers[0]
        self.first = (X @ w0, X @ w1, X @ w2)  # (n, out): the first layer's products
        width = max(model.sizes[1:])
        self.chunk = max(1, _CHUNK_FLOATS // (len(y) * width))
        self._local = threading.local()  # each thread's activation buffers

    def _buffer(self, key: str, shape: tuple) -> np.ndarray:
        buffers = self._local.__dict__.setdefault("buffers", {})
        buf = buffers.get(key)
        if buf is None or buf.shape != shape:
            buf = buffers[key] = np.empty(shape)
        return buf

    def __call__(self, ab: np.ndarray) -> np.ndarray:
        """(G,) the mean loss at each point ab (G, 2)."""
        ab = np.asarray(ab, dtype=np.float64).reshape(-1, 2)
        out = np.empty(len(ab))
        starts = range(0, len(ab), self.chunk)

        def run(i: int) -> None:
            out[i:i + self.chunk] = self._chunk(ab[i:i + self.chunk])

        workers = min(len(starts), os.cpu_count() or 1)
        if workers <= 1:
            for i in starts:
                run(i)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, starts))
        return out

    def _chunk(self, ab: np.ndarray) -> np.ndarray:
        m = self.model
        g, n = len(ab), len(self.y)
        a = ab[:, 0, None, None]
        b = ab[:, 1, None, None]
        n_layers = len(m.sizes) - 1
        relu = m.activation == "relu"
        h = self.X  # the input; the first layer uses its products instead
        with np.errstate(over="ignore", invalid="ignore"):
            for layer in range(n_layers):
                (w0, w1, w2), (b0, b1, b2) = self.layers[layer]
                width = w0.shape[1]
                z = self._buffer(f"z{layer % 2}{width}", (g, n, width))
                bias = b0 + a * b1 + b * b2  # (g, 1, out)
                if layer == 0:
                    x0, x1, x2 = self.first
                    np.multiply(a, x1, out=z)
                    z += b * x2
                    z += x0
                else:
                    wt = w0 + a * w1 + b * w2  # (g, in, out), contiguous
                    np.matmul(h, wt, out=z)
                z += bias
                if layer == n_layers - 1:
                    h = z
                    break
                if relu:
                    np.maximum(z, 0.0, out=z)
                else:
                    np.tanh(z, out=z)
                if m.residual(layer):
                    z += h  # the input h is the other buffer: the next layer writes there
                h = z
            o = h[..., 0]  # (g, n)
            if m.task == "classification":
                loss = np.mean(np.maximum(o, 0) + np.log1p(np.exp(-np.abs(o))) - self.y * o,
                               axis=1)
            else:
                r = o - self.y
                loss = np.mean(r * r, axis=1)
        return loss


# ---------------------------------------------------------------------------------------------
# Directions.


def filter_normalized_directions(model: MLP, center: np.ndarray, rng: np.random.Generator
                                 ) -> np.ndarray:
    """Two random Gaussian directions (2, P), each weight-matrix row rescaled to the norm of the
    same row of ``center``; biases zero (Li et al. 2018, §4)."""
    out = np.zeros((2, model.n_params))
    for k in range(2):
        d = rng.standard_normal(model.n_params)
        d_parts = model.unflatten(d)
        c_parts = model.unflatten(center)
        for i, (dp, cp) in enumerate(zip(d_parts, c_parts)):
            if i % 2 == 1:
                dp[...] = 0.0  # biases
                continue
            dn = np.linalg.norm(dp, axis=1, keepdims=True)
            cn = np.linalg.norm(cp, axis=1, keepdims=True)
            dp *= np.where(dn > 0, cn / np.where(dn > 0, dn, 1.0), 0.0)
        out[k] = d
    return out


def pca_directions(trajectory: np.ndarray, center: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal directions (2, P) of trajectory - center, orthonormal, and the
    trajectory's coordinates along them (T, 2)."""
    M = trajectory - center
    _, _, vt = np.linalg.svd(M, full_matrices=False)
    d = vt[:2].copy()
    if d.shape[0] < 2:
        raise ValueError("the training trajectory is too short for two PCA directions")
    return d, M @ d.T


# ---------------------------------------------------------------------------------------------
# Slice surfaces.


@dataclass(frozen=True, eq=False)
class SliceSurface(Surface):
    """L(center + α·d₁ + β·d₂) over (α, β); see the module docstring."""

    center: np.ndarray | None = field(default=None, repr=False)  # θ* (P,)
    directions: np.ndarray | None = field(default=None, repr=False)  # (2, P)
    param_shapes: tuple = ()
    trajectory: np.ndarray | None = field(default=None, repr=False)  # (T, 2) for PCA slices
    network: MLP | None = None
    dataset: Dataset | None = None
    train_loss: float = math.nan
    # (ab (N, 2), rows (N, B)) -> (N, 2): the slice gradient of the loss over each point's rows
    f_batch_grad: Callable | None = field(default=None, repr=False)
    # nn_slice's arguments, normalized (``slice_recipe``), the dataset as le.dataset's: what a
    # scenario file writes to make the same slice again. None: not made from a recipe (a CSV
    # dataset, surface_from_loss).
    recipe: dict | None = field(default=None, repr=False)

    def network_output(self, point: "np.typing.ArrayLike", X: "np.typing.ArrayLike"
                       ) -> np.ndarray:
        """The network at the slice's point (α, β), θ* + α·d₁ + β·d₂, applied to the rows X
        (n, d): its logits (classification) or values (regression), (n,). What a point of the
        slice stands for, as a model of the data."""
        if self.network is None or self.center is None or self.directions is None:
            raise ValueError("this slice has no network to evaluate")
        a, b = (float(v) for v in np.asarray(point, dtype=np.float64).reshape(2))
        theta = self.center + a * self.directions[0] + b * self.directions[1]
        rows = np.asarray(X, dtype=np.float64)
        return self.network.forward(theta, rows.reshape(len(rows), -1))

    def batch_gradient(self, xy: "np.typing.ArrayLike", rows: "np.typing.ArrayLike"
                       ) -> np.ndarray:
        """(N, 2) the exact slice gradient of the mean loss over the rows ``rows[k]`` (N, B) of
        the dataset at each point ``xy[k]`` (N, 2): one minibatch per point."""
        if self.f_batch_grad is None:
            raise ValueError("this slice has no dataset to draw batches from")
        p = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        R = np.asarray(rows, dtype=np.int64).reshape(len(p), -1)
        with np.errstate(all="ignore"):
            return self.f_batch_grad(p, R)

    def batch_surface(self, indices: "np.typing.ArrayLike") -> "SliceSurface":
        """The same slice (same center and directions) of the loss over the rows ``indices``
        only: a minibatch's landscape."""
        if self.network is None or self.dataset is None or self.center is None or \
                self.directions is None:
            raise ValueError("this slice has no network and dataset to draw batches from")
        return _make_slice(self.network, self.dataset.subset(indices), self.center,
                           self.directions, self.bounds, self.title, self.description,
                           self.trajectory, self.train_loss)

    @property
    def skip(self) -> bool:
        """Whether the sliced network has skip connections."""
        return bool(self.network is not None and self.network.skip)


def _chunked(fn, xy: np.ndarray, step: int, outputs: int):
    flat = xy.reshape(-1, 2)
    parts = [fn(flat[i:i + step]) for i in range(0, len(flat), step)]
    if outputs == 1:
        return np.concatenate(parts) if parts else np.zeros(0)
    return tuple(np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)
                 for k in range(outputs))


def _slice_functions(loss_many: Callable, grad_many: Callable, chunk: int,
                     value_chunk: int | None = None):
    """Elementwise formula functions over (α, β) from batched loss / slice-gradient, called
    ``chunk`` points at a time (values ``value_chunk`` at a time: default ``chunk``)."""
    value_chunk = chunk if value_chunk is None else value_chunk

    def f_value(a, b):
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64))
        xy = np.stack([a.ravel(), b.ravel()], -1)
        return _chunked(loss_many, xy, value_chunk, 1).reshape(a.shape)

    def f_grad(a, b):
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64))
        xy = np.stack([a.ravel(), b.ravel()], -1)
        g = _chunked(grad_many, xy, chunk, 1).reshape(-1, 2)
        return g[:, 0].reshape(a.shape), g[:, 1].reshape(a.shape)

    def f_hessian(a, b):
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64))
        h = 1e-4 * (1.0 + np.maximum(np.abs(a), np.abs(b)))
        gxp = np.stack(f_grad(a + h, b), -1)
        gxm = np.stack(f_grad(a - h, b), -1)
        gyp = np.stack(f_grad(a, b + h), -1)
        gym = np.stack(f_grad(a, b - h), -1)
        hxx = (gxp[..., 0] - gxm[..., 0]) / (2 * h)
        hyy = (gyp[..., 1] - gym[..., 1]) / (2 * h)
        hxy = 0.5 * ((gxp[..., 1] - gxm[..., 1]) + (gyp[..., 0] - gym[..., 0])) / (2 * h)
        return hxx, hxy, hyy

    return f_value, f_grad, f_hessian


def nn_slice(dataset: Dataset, hidden: Sequence[int] = (16, 16), depth: int | None = None,
             activation: str = "relu", skip: bool = False, directions: str = "filter",
             seed: int = 0, epochs: int = 300, lr: float = 0.01, span: float = 1.0,
             progress: Callable[[float], None] | None = None,
             cancel: CancelCheck = None) -> SliceSurface:
    """Train an MLP on ``dataset`` and return its loss over a 2-D slice (module docstring).

    ``hidden`` gives the hidden widths; ``depth`` (if given) repeats ``hidden[0]`` that many
    times instead. Training is ``epochs`` full-batch steps of Adam(lr). The slice spans
    [-span, span]² in units of the directions. ``progress(fraction)`` is called during training
    and ``cancel()`` polled (core.cancel protocol).
    """
    from .optimizers import optimizer

    if not isinstance(dataset, Dataset):
        raise ValueError(f"invalid dataset: {dataset!r} (must be le.dataset(...) or "
                         "le.load_csv(...))")
    if activation not in ("relu", "tanh"):
        raise ValueError(f"invalid activation: {activation!r} (must be 'relu' or 'tanh')")
    if directions not in ("filter", "pca"):
        raise ValueError(f"invalid directions: {directions!r} (must be 'filter' or 'pca')")
    if not isinstance(skip, (bool, np.bool_)):
        raise ValueError(f"invalid skip: {skip!r} (must be True or False)")
    if isinstance(hidden, int):
        hidden = (hidden,)
    widths = [check_int("hidden width", w, 1, MAX_WIDTH) for w in hidden]
    if not widths:
        raise ValueError("invalid hidden: () (give at least one hidden width)")
    if depth is not None:
        widths = [widths[0]] * check_int("depth", depth, 1, MAX_DEPTH)
    if len(widths) > MAX_DEPTH:
        raise ValueError(f"invalid hidden: {len(widths)} layers (at most {MAX_DEPTH})")
    epochs = check_int("epochs", epochs, 1, 100_000)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"invalid seed: {seed!r} (must be an integer >= 0)")
    if not (isinstance(span, (int, float)) and math.isfinite(span) and span > 0):
        raise ValueError(f"invalid span: {span!r} (must be a finite number > 0)")

    model = MLP((dataset.dims, *widths, 1), activation, bool(skip), dataset.task)
    rng = np.random.default_rng(seed)
    theta = model.init(rng)
    opt = optimizer("adam", lr=lr)
    state = opt.init(theta)
    X, y = dataset.X, dataset.y
    keep_every = max(1, epochs // 200)
    trajectory = [theta.copy()]
    for t in range(epochs):
        if t % 20 == 0:
            check_cancel(cancel, "training")
            if progress is not None:
                progress(t / epochs)
        _, g = model.loss_and_grad(theta[None], X, y)
        theta, state = opt.update(g[0], state, theta)
        if (t + 1) % keep_every == 0 or t + 1 == epochs:
            trajectory.append(theta.copy())
    if not np.isfinite(theta).all():
        raise ValueError(f"training diverged (Adam lr={lr}): try a smaller lr")
    center = theta
    traj = np.array(trajectory)
    proj = None
    if directions == "filter":
        dirs = filter_normalized_directions(model, center, rng)
    else:
        dirs, proj = pca_directions(traj, center)
    if progress is not None:
        progress(1.0)
    if proj is not None:
        lim = float(np.abs(proj).max()) * 1.2
        bounds = ((-lim, lim), (-lim, lim))
    else:
        bounds = ((-float(span), float(span)), (-float(span), float(span)))
    kind = "with" if skip else "without"
    arch = f"{len(widths)}×{widths[0]}" if len(set(widths)) == 1 else "-".join(map(str, widths))
    train_loss = float(model.loss_and_grad(center[None], X, y, need_grad=False)[0][0])
    recipe = None if dataset.recipe is None else {
        "dataset": dataset_recipe(dataset), "hidden": list(widths), "activation": activation,
        "skip": bool(skip), "directions": directions, "seed": int(seed), "epochs": epochs,
        "lr": float(lr), "span": float(span)}
    surf = _make_slice(
        model, dataset, center, dirs, bounds,
        title=f"MLP {arch} {activation}, {kind} skip connections, on {dataset.name}: "
              f"{directions} slice",
        description=f"The loss of a trained {arch} {activation} network on a 2-D slice through "
                    f"its parameters ({directions} directions, Li et al. 2018). Gradients on the "
                    "slice are exact; the Hessian is differences of them.",
        trajectory=proj, train_loss=train_loss)
    return dataclasses.replace(surf, recipe=recipe) if recipe is not None else surf


def _make_slice(model: MLP, dataset: Dataset, center: np.ndarray, dirs: np.ndarray,
                bounds, title: str, description: str, trajectory: np.ndarray | None,
                train_loss: float) -> SliceSurface:
    """The slice surface of ``model`` over ``dataset`` through ``center`` along ``dirs``."""
    X, y = dataset.X, dataset.y
    loss_many = SliceValues(model, center, dirs, X, y)

    def grad_many(ab):
        _, g = model.loss_and_grad(center + ab @ dirs, X, y)
        return (g @ dirs.T).ravel()

    def batch_grad(ab, R):
        out = np.empty((len(ab), 2))
        for i in range(0, len(ab), _CHUNK_POINTS):
            r = R[i:i + _CHUNK_POINTS]
            _, g = model.loss_and_grad(center + ab[i:i + _CHUNK_POINTS] @ dirs, X[r], y[r])
            out[i:i + _CHUNK_POINTS] = g @ dirs.T
        return out

    # SliceValues chunks by itself: give it the whole grid
    f_value, f_grad, f_hessian = _slice_functions(loss_many, grad_many, _CHUNK_POINTS,
                                                  value_chunk=1 << 62)
    return SliceSurface(
        name="nn_slice", title=title, formula="L(θ* + α·d₁ + β·d₂)", description=description,
        bounds=bounds, known_points=(), f_value=f_value, f_grad=f_grad, f_hessian=f_hessian,
        exact_derivatives=False, compilable=False, center=center, directions=dirs,
        param_shapes=tuple(model.param_shapes), trajectory=trajectory, network=model,
        dataset=dataset, train_loss=train_loss, f_batch_grad=batch_grad)


def surface_from_loss(loss_fn: Callable[[np.ndarray], float],
                      grad_fn: Callable[[np.ndarray], np.ndarray], center: np.typing.ArrayLike,
                      directions: np.typing.ArrayLike,
                      span: float = 1.0, name: str = "slice") -> SliceSurface:
    """A slice L(center + α·d₁ + β·d₂) of any model: ``loss_fn(theta) -> float`` and
    ``grad_fn(theta) -> (P,)`` over flat parameter vectors (PyTorch, JAX, ...: see the README
    for a ten-line adapter). Evaluated one parameter vector at a time."""
    center = np.asarray(center, dtype=np.float64).ravel()
    dirs = np.asarray(directions, dtype=np.float64)
    if dirs.shape != (2, center.size):
        raise ValueError(f"directions must have shape (2, {center.size}), got {dirs.shape}")
    if not (np.isfinite(center).all() and np.isfinite(dirs).all()):
        raise ValueError("center and directions must be finite")
    if not callable(loss_fn) or not callable(grad_fn):
        raise ValueError("loss_fn and grad_fn must be functions of a flat parameter vector")

    def loss_many(ab):
        return np.array([float(loss_fn(center + p @ dirs)) for p in ab])

    def grad_many(ab):
        return np.array([dirs @ np.asarray(grad_fn(center + p @ dirs), dtype=np.float64)
                         for p in ab]).ravel()

    f_value, f_grad, f_hessian = _slice_functions(loss_many, grad_many, 1)
    return SliceSurface(
        name=name, title=name, formula="L(θ* + α·d₁ + β·d₂)",
        description="A 2-D slice of a model's loss through its parameters.",
        bounds=((-span, span), (-span, span)), known_points=(), f_value=f_value,
        f_grad=f_grad, f_hessian=f_hessian, exact_derivatives=False, compilable=False,
        center=center, directions=dirs, param_shapes=((center.size,),))


def nonconvexity(surface: Surface, resolution: int = 41, threshold: float = 0.1) -> float:
    """Fraction of the slice where the 2-D Hessian has a negative eigenvalue of at least
    ``threshold`` times the positive one in size: |λ_min / λ_max| > threshold with λ_min < 0
    (the paper's measure of non-convexity, §6)."""
    (x0, x1), (y0, y1) = surface.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    H = surface.hessian(np.stack([X, Y], -1))
    e = np.linalg.eigvalsh(H)
    lo, hi = e[..., 0].ravel(), e[..., 1].ravel()
    ratio = np.abs(lo) / np.maximum(np.abs(hi), 1e-300)
    return float(np.mean((lo < 0) & (ratio > threshold)))


def grid_minima(surface: Surface, resolution: int = 61) -> int:
    """How many grid points of the slice are lower than all eight neighbours (local minima that
    the grid resolves), the border excluded."""
    (x0, x1), (y0, y1) = surface.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    V = surface.value(np.stack([X, Y], -1))
    c = V[1:-1, 1:-1]
    lower = np.ones_like(c, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx or dy:
                lower &= c < V[1 + dy:V.shape[0] - 1 + dy, 1 + dx:V.shape[1] - 1 + dx]
    return int(lower.sum())


# ---------------------------------------------------------------------------------------------
# Slices by recipe (scenario files name a slice by how it is made), and their measures.

RECIPE_KEYS = ("dataset", "hidden", "activation", "skip", "directions", "seed", "epochs", "lr",
               "span")
_SLICES: dict = {}  # recipe key -> SliceSurface, the most recent few
_SLICES_KEPT = 4
_SLICE_LOCKS: dict = {}
_SLICES_LOCK = threading.Lock()


def dataset_recipe(data: Dataset) -> dict:
    """le.dataset's arguments that make ``data`` again, every one spelled out (a None noise,
    the dataset's default, left out): one form, however the dataset was asked for."""
    if data.recipe is None:
        raise ValueError(f"the dataset {data.name!r} was not made by le.dataset")
    return {k: v for k, v in data.recipe.items() if v is not None}


def recipe_key(recipe: dict) -> str:
    """One text per recipe: equal texts, the same slice."""
    return json.dumps(recipe, sort_keys=True)


def slice_from_recipe(recipe: dict, progress: Callable[[float], None] | None = None,
                      cancel: CancelCheck = None) -> SliceSurface:
    """``nn_slice(le.dataset(**recipe["dataset"]), **the rest)``: the slice a scenario file
    names (a normalized recipe, as ``SliceSurface.recipe`` holds it). Training takes seconds,
    so the last few slices are kept, and two threads asking for the same one (the app's worker
    and a lesson's numbers) train it once. Training is deterministic: the same recipe on the
    same machine gives the same weights (across machines, the BLAS may differ in the last bits,
    and the slice with it)."""
    from .datasets import dataset

    key = recipe_key(recipe)
    with _SLICES_LOCK:
        lock = _SLICE_LOCKS.setdefault(key, threading.Lock())
    with lock:
        if key in _SLICES:
            return _SLICES[key]
        r = dict(recipe)
        data = dataset(**r.pop("dataset"))
        surf = nn_slice(data, progress=progress, cancel=cancel, **r)
        with _SLICES_LOCK:
            _SLICES[key] = surf
            while len(_SLICES) > _SLICES_KEPT:
                _SLICES.pop(next(iter(_SLICES)))
        return surf


def cached_slice(recipe: dict) -> SliceSurface | None:
    """The slice of ``recipe`` if it is already trained (no waiting), else None."""
    return _SLICES.get(recipe_key(recipe))


_MEASURES: dict = {}  # recipe key -> measures
_MEASURES_BY_OBJECT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def slice_measures(surface: Surface) -> dict:
    """What the landscape of a slice looks like, in two numbers: ``nonconvexity`` (the share
    of the slice where the Hessian has a sizeable negative eigenvalue) and ``grid_minima``
    (the local minima a 61 x 61 grid resolves). Seconds of work on a deep network: kept per
    recipe (or per surface object, for a slice without one)."""
    found = cached_slice_measures(surface)
    if found is not None:
        return found
    measures = {"nonconvexity": nonconvexity(surface), "grid_minima": grid_minima(surface)}
    recipe = getattr(surface, "recipe", None)
    if recipe is not None:
        _MEASURES[recipe_key(recipe)] = measures
    else:
        _MEASURES_BY_OBJECT[surface] = measures
    return dict(measures)


def cached_slice_measures(surface: Surface) -> dict | None:
    """``slice_measures(surface)`` if already worked out, else None (never computes)."""
    recipe = getattr(surface, "recipe", None)
    found = _MEASURES.get(recipe_key(recipe)) if recipe is not None else \
        _MEASURES_BY_OBJECT.get(surface)
    return None if found is None else dict(found)
