"""Surfaces from Python callables: ``le.surface_from_function(f, grad=None, hessian=None, ...)``.

``f(x, y)`` is a vectorized numpy function (arrays in, an array of the same shape out), as the
built-in formulas are. Derivatives that are not given are computed numerically, and the surface
says so (``exact_derivatives`` is False, its title and description say "approximate"):

- the gradient by the complex step, ``Im f(x + ih, y) / h``, which is exact to round-off, when
  ``f`` accepts complex input and is analytic (checked against central differences on sample
  points); otherwise by central differences with a step of about ``eps**(1/3)`` of the
  coordinate (error around 1e-10 relative);
- the Hessian by central differences of the gradient (about ``eps**(1/3)`` when the gradient is
  exact, ``eps**(1/4)`` when it is itself a difference).

Python callables are not compiled by numba: such a surface always runs on the numpy engine.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .surfaces import Surface
from .validation import check_bounds

Bounds = tuple[tuple[float, float], tuple[float, float]]
_EPS = np.finfo(float).eps
_COMPLEX_STEP = 1e-30


def _samples(bounds, n=7):
    (x0, x1), (y0, y1) = bounds
    t = (np.arange(n) + 0.37) / n
    X, Y = np.meshgrid(x0 + t * (x1 - x0), y0 + t[::-1] * (y1 - y0))
    return X.ravel(), Y.ravel()


def _call(name, fn, x, y, outputs):
    try:
        with np.errstate(all="ignore"):
            out = fn(x, y)
    except Exception as e:  # the user's code: report what it raised, in one line
        raise ValueError(f"{name}(x, y) raised {type(e).__name__}: {e}".splitlines()[0]) from None
    parts = (out,) if outputs == 1 else out
    try:
        parts = [np.broadcast_to(np.asarray(p, dtype=np.float64), np.shape(x)) for p in parts]
    except (TypeError, ValueError):
        raise ValueError(f"{name}(x, y) must return {outputs} array(s) of x's shape, as numbers") \
            from None
    if len(parts) != outputs:
        raise ValueError(f"{name}(x, y) must return {outputs} arrays, got {len(parts)}")
    return parts


def _central_grad(f):
    def grad(x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        hx = _EPS ** (1 / 3) * np.maximum(1.0, np.abs(x))
        hy = _EPS ** (1 / 3) * np.maximum(1.0, np.abs(y))
        gx = (f(x + hx, y) - f(x - hx, y)) / (2 * hx)
        gy = (f(x, y + hy) - f(x, y - hy)) / (2 * hy)
        return gx, gy
    return grad


def _complex_step_grad(f):
    def grad(x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        gx = np.imag(f(x + 1j * _COMPLEX_STEP, y + 0j)) / _COMPLEX_STEP
        gy = np.imag(f(x + 0j, y + 1j * _COMPLEX_STEP)) / _COMPLEX_STEP
        return gx, gy
    return grad


def _hessian_from_grad(grad, exact_grad: bool):
    power = 1 / 3 if exact_grad else 1 / 4

    def hessian(x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        hx = _EPS ** power * np.maximum(1.0, np.abs(x))
        hy = _EPS ** power * np.maximum(1.0, np.abs(y))
        gxp, gyp = grad(x + hx, y)
        gxm, gym = grad(x - hx, y)
        hxx = (np.asarray(gxp) - gxm) / (2 * hx)
        hxy1 = (np.asarray(gyp) - gym) / (2 * hx)
        gxp, gyp = grad(x, y + hy)
        gxm, gym = grad(x, y - hy)
        hyy = (np.asarray(gyp) - gym) / (2 * hy)
        hxy2 = (np.asarray(gxp) - gxm) / (2 * hy)
        return hxx, 0.5 * (hxy1 + hxy2), hyy
    return hessian


def _complex_step_works(f, x, y) -> bool:
    """Whether f takes complex input analytically: the complex-step gradient agrees with
    central differences on sample points."""
    try:
        with np.errstate(all="ignore"):
            cs = _complex_step_grad(f)(x, y)
            fd = _central_grad(f)(x, y)
    except Exception:  # f rejects complex numbers (math.sin, comparisons, ...)
        return False
    cs, fd = np.asarray(cs, dtype=np.float64), np.asarray(fd, dtype=np.float64)
    ok = np.isfinite(cs) & np.isfinite(fd)
    if ok.mean() < 0.9:
        return False
    return bool(np.all(np.abs(cs[ok] - fd[ok]) <= 1e-5 * (1.0 + np.abs(fd[ok]))))


def surface_from_function(f: Callable, grad: Callable | None = None,
                          hessian: Callable | None = None,
                          bounds: Bounds = ((-3.0, 3.0), (-3.0, 3.0)), name: str | None = None,
                          description: str = "") -> Surface:
    """A Surface from a vectorized numpy function ``f(x, y)``; ``grad(x, y) -> (gx, gy)`` and
    ``hessian(x, y) -> (hxx, hxy, hyy)`` when known (see the module docstring for what is
    computed when they are not)."""
    for label, fn in (("f", f), ("grad", grad), ("hessian", hessian)):
        if fn is not None and not callable(fn):
            raise ValueError(f"invalid {label}: {fn!r} (must be a function of x and y)")
    if f is None:
        raise ValueError("invalid f: None (must be a function of x and y)")
    b = check_bounds(bounds)
    x, y = _samples(b)
    (v,) = _call("f", f, x, y, 1)
    if not np.isfinite(v).any():
        raise ValueError("f(x, y) is not finite anywhere inside the bounds")
    how = []
    if grad is None:
        if _complex_step_works(f, x, y):
            grad, grad_exact = _complex_step_grad(f), True
            how.append("gradient by the complex step (exact to round-off)")
        else:
            grad, grad_exact = _central_grad(f), False
            how.append("gradient by central differences")
    else:
        _call("grad", grad, x, y, 2)
        grad_exact = True
    if hessian is None:
        hessian = _hessian_from_grad(grad, grad_exact)
        how.append("Hessian by central differences of the gradient")
    else:
        _call("hessian", hessian, x, y, 3)
    exact = not how
    label = name or getattr(f, "__name__", "") or "function"
    if label == "<lambda>":
        label = "function"
    text = description or "A Python function."
    if not exact:
        text += " Approximate derivatives: " + "; ".join(how) + "."
    return Surface(
        name=label, title=label + ("" if exact else " (approximate derivatives)"),
        description=text, bounds=b, known_points=(), f_value=f, f_grad=grad, f_hessian=hessian,
        formula=label, exact_derivatives=exact, compilable=False)
