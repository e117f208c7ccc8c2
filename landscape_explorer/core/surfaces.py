"""Loss surfaces: exact, vectorized value, gradient and Hessian over arrays of shape (..., 2).

Each surface is written once, as three elementwise formulas of (x, y): value, gradient and Hessian.
They use only arithmetic and numpy ufuncs (np.sin, np.exp, ...), never array-only operations or
Python branches on values, so the same function works on numpy arrays (the reference path) and on
scalars inside a numba-compiled loop (the fused fast path in simulate.py), giving bit-identical
results in both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

KINDS = ("global_min", "local_min", "saddle", "max")


@dataclass(frozen=True)
class KnownPoint:
    xy: tuple[float, float]
    value: float
    kind: str  # one of KINDS


@dataclass(frozen=True)
class Surface:
    name: str
    title: str
    description: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    known_points: tuple[KnownPoint, ...]
    # Elementwise formulas (see module docstring).
    f_value: Callable  # (x, y) -> v
    f_grad: Callable  # (x, y) -> (gx, gy)
    f_hessian: Callable  # (x, y) -> (hxx, hxy, hyy)
    formula: str = ""  # human-readable, e.g. "x² + y²"

    def value(self, xy) -> np.ndarray:
        x, y = _split(xy)
        with np.errstate(all="ignore"):
            return _full(self.f_value(x, y), x.shape)

    def grad(self, xy) -> np.ndarray:
        x, y = _split(xy)
        with np.errstate(all="ignore"):
            gx, gy = self.f_grad(x, y)
        return np.stack([_full(gx, x.shape), _full(gy, x.shape)], axis=-1)

    def hessian(self, xy) -> np.ndarray:
        x, y = _split(xy)
        with np.errstate(all="ignore"):
            hxx, hxy, hyy = self.f_hessian(x, y)
        hxx, hxy, hyy = (_full(h, x.shape) for h in (hxx, hxy, hyy))
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    @property
    def global_minimum(self) -> KnownPoint | None:
        mins = [p for p in self.known_points if p.kind == "global_min"]
        return min(mins, key=lambda p: p.value) if mins else None


def _split(xy):
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape[-1:] != (2,):
        raise ValueError(f"xy must have shape (..., 2), got {xy.shape}")
    return xy[..., 0], xy[..., 1]


def _full(a, shape):
    """Formulas may return a constant (e.g. the bowl's Hessian); give every output the input's shape."""
    a = np.asarray(a, dtype=np.float64)
    return a if a.shape == shape else np.broadcast_to(a, shape).copy()


_REGISTRY: dict[str, Surface] = {}


def register(surface: Surface) -> Surface:
    _REGISTRY[surface.name] = surface
    return surface


def surface_names() -> list[str]:
    return sorted(_REGISTRY)


def surface(name: str) -> Surface:
    if isinstance(name, Surface):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown surface {name!r}; valid surfaces: {', '.join(surface_names())}"
        ) from None


# ---------------------------------------------------------------------------------------------
# Built-in surfaces.


def _bowl_value(x, y):
    return x * x + y * y


def _bowl_grad(x, y):
    return 2.0 * x, 2.0 * y


def _bowl_hessian(x, y):
    return 2.0 + 0.0 * x, 0.0 * x, 2.0 + 0.0 * y


register(
    Surface(
        name="bowl",
        title="Bowl",
        formula="x² + y²",
        description="A perfectly round convex bowl: one minimum, every optimizer should find it. "
        "The baseline to compare step sizes and momentum on.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        known_points=(KnownPoint((0.0, 0.0), 0.0, "global_min"),),
        f_value=_bowl_value,
        f_grad=_bowl_grad,
        f_hessian=_bowl_hessian,
    )
)
