"""Understanding a landscape: its critical points, where each run ended up, basins of attraction.

- ``critical_points(surface)`` finds every minimum, saddle and maximum inside the bounds: Newton's
  method on the gradient from a grid of seeds (plus the surface's analytically known points),
  kept only where the gradient really vanishes at an isolated point, deduplicated, and
  classified by the Hessian's eigenvalues.
- ``verdicts(result)`` says, for every particle, whether it reached the global minimum, is stuck
  in a local one (and how far above the global it is), stalled near a saddle, crawls on a
  plateau, diverged, or is still moving.
- ``basins(surface, optimizer)`` runs a grid of starts and labels each by the critical point it
  ends at; ``random_restarts`` runs K random starts and keeps the best.

numpy only, like the rest of ``core``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .optimizers import Optimizer, optimizer as make_optimizer
from .surfaces import Surface, surface as get_surface

CRITICAL_KINDS = ("global_min", "local_min", "saddle", "max", "degenerate")
VERDICT_KINDS = ("global_min", "local_min", "saddle", "plateau", "diverged", "moving")

# Scales below are relative to the surface: its bounds' span, the largest gradient norm and
# the typical (90th percentile) Hessian eigenvalue and the value range over a grid of the bounds.
_SEED_GRID = 121  # seeds per axis for the critical point search
_NEWTON_ITERS = 80
_GRAD_TOL = 1e-7  # x largest gradient: a critical point's gradient is below this
_ZERO_EIG = 1e-6  # x typical |eigenvalue|: an eigenvalue below this counts as zero (degenerate)
_RING = 1e-2  # x span: radius of the ring that tells an isolated point from a flat region
_MERGE = 1e-6  # x span: points closer than this are the same critical point
_NEAR = 1e-2  # x span: a particle within this distance of a critical point is "at" it
_AT_POINT_GRAD = 1e-2  # x largest gradient: above this a particle near a point is still moving
_AT_MIN_LOSS = 1e-2  # x value range: a particle this close to a minimum's value is at it
# A plateau's gradient is tiny beside the surface's average slope (its loss range over its
# width): far below it, far from critical points, is a plateau. (Not relative to the largest
# gradient: Rosenbrock's walls are so steep that its valley floor would all count as flat.)
_PLATEAU_GRAD = 1e-3
_VALUE_TOL = 1e-9  # x value range: minima within this of the lowest are all global


@dataclass(frozen=True)
class CriticalPoint:
    xy: tuple[float, float]
    value: float
    kind: str  # one of CRITICAL_KINDS
    eigenvalues: tuple[float, float]  # of the Hessian, ascending
    degenerate: bool = False  # a zero eigenvalue: the kind comes from the values around it

    @property
    def is_min(self) -> bool:
        return self.kind in ("global_min", "local_min")

    def describe(self) -> str:
        names = {"global_min": "global minimum", "local_min": "local minimum",
                 "saddle": "saddle point", "max": "maximum", "degenerate": "degenerate point"}
        return (f"{names[self.kind]} at {_fmt_xy(self.xy)}, value {_g(self.value)}, "
                f"Hessian eigenvalues {_g(self.eigenvalues[0])} and {_g(self.eigenvalues[1])}")

    def __str__(self):
        return self.describe()


@dataclass(frozen=True)
class Verdict:
    kind: str  # one of VERDICT_KINDS
    detail: str  # one plain sentence with the numbers
    point: CriticalPoint | None  # the critical point the particle is at, if any
    xy: tuple[float, float] = (math.nan, math.nan)  # where the particle is
    loss: float = math.nan

    def __str__(self):
        return self.detail


def _g(v: float) -> str:
    v = float(v)
    if v == 0.0 or (1e-4 <= abs(v) < 1e6):
        return f"{v:.4g}" if abs(v) >= 1e-12 else "0"
    return f"{v:.3g}"


def _fmt_xy(xy) -> str:
    x, y = (float(v) for v in xy)
    # Tiny coordinates are round-off around zero: print them as 0.
    return f"({_g(x) if abs(x) > 1e-9 else '0'}, {_g(y) if abs(y) > 1e-9 else '0'})"


# ---------------------------------------------------------------------------------------------
# Symmetric 2x2 eigen-decomposition and Newton's method on the gradient, vectorized.


def _sym_eig(H):
    """Eigenvalues (ascending) and eigenvectors of symmetric 2x2 matrices H (..., 2, 2).
    Returns lo, hi (...) and v_lo, v_hi (..., 2)."""
    a, b, d = H[..., 0, 0], H[..., 0, 1], H[..., 1, 1]
    with np.errstate(all="ignore"):
        m = 0.5 * (a + d)
        r = np.hypot(0.5 * (a - d), b)
        theta = 0.5 * np.arctan2(2.0 * b, a - d)
    c, s = np.cos(theta), np.sin(theta)
    v_hi = np.stack([c, s], axis=-1)
    v_lo = np.stack([-s, c], axis=-1)
    return m - r, m + r, v_lo, v_hi


def eigenvalues(surface, xy) -> np.ndarray:
    """The Hessian's eigenvalues at xy (..., 2), ascending, as (..., 2)."""
    surf = get_surface(surface)
    lo, hi, _, _ = _sym_eig(surf.hessian(xy))
    return np.stack([lo, hi], axis=-1)


def _newton(surf: Surface, p: np.ndarray, iters: int, max_step: float, damping: float,
            box=None, merge: float = 0.0):
    """Newton's method on the gradient (finds minima, saddles and maxima alike), with the step
    length capped at max_step and eigenvalues below ``damping`` damped so a singular Hessian
    gives a short step, not an infinite one. Points whose step has become negligible stop.

    For the seed search: ``box`` ((x0, x1), (y0, y1)) drops seeds that wander out of it, and
    ``merge`` > 0 stops all but one of the seeds that have come within ``merge`` of each other
    (slow, linear convergence to a degenerate point otherwise iterates every seed). Dropped and
    merged seeds come back as NaN."""
    p = p.copy()
    live = np.arange(len(p))
    d2 = damping * damping
    for it in range(iters):
        if live.size == 0:
            break
        if box is not None and it % 5 == 4:
            (x0, x1), (y0, y1) = box
            q = p[live]
            out = (q[:, 0] < x0) | (q[:, 0] > x1) | (q[:, 1] < y0) | (q[:, 1] > y1)
            p[live[out]] = np.nan
            live = live[~out]
            if merge > 0 and live.size:
                k = np.round(p[live] / merge)
                _, first = np.unique(k[:, 0] + 1j * k[:, 1], return_index=True)
                keep = np.zeros(live.size, dtype=bool)
                keep[first] = True
                p[live[~keep]] = np.nan
                live = live[keep]
        q = p[live]
        with np.errstate(all="ignore"):
            g = surf.grad(q)
            lo, hi, v_lo, v_hi = _sym_eig(surf.hessian(q))
            c_lo = (g * v_lo).sum(-1)
            c_hi = (g * v_hi).sum(-1)
            s = (c_lo * lo / (lo * lo + d2))[..., None] * v_lo + \
                (c_hi * hi / (hi * hi + d2))[..., None] * v_hi
            s = np.where(np.isfinite(s), s, 0.0)
            n = np.sqrt((s * s).sum(-1))
            s *= np.minimum(1.0, max_step / np.maximum(n, 1e-300))[..., None]
            new = q - s
            ok = np.isfinite(new).all(-1)
        p[live[ok]] = new[ok]
        # Converged to round-off (or stuck on a flat spot): nothing more to gain.
        scale = np.maximum(np.abs(q).max(-1), 1e-300)
        live = live[ok & (n > 1e-15 * scale) & (n > 0)]
    return p


@dataclass(frozen=True)
class _Scales:
    span: float
    grad: float
    eig: float
    value_range: float


def _bounds_of(surf: Surface, bounds):
    if bounds is None:
        bounds = surf.bounds
    try:
        (x0, x1), (y0, y1) = bounds
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise ValueError(f"invalid bounds: {bounds!r} (must be ((xmin, xmax), (ymin, ymax)))") \
            from None
    if not all(map(math.isfinite, (x0, x1, y0, y1))) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"invalid bounds: {bounds!r} (must be finite with min < max)")
    return (x0, x1), (y0, y1)


def _grid(bounds, n):
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([X.ravel(), Y.ravel()], axis=-1)


def _scales(surf: Surface, bounds) -> _Scales:
    (x0, x1), (y0, y1) = bounds
    pts = _grid(bounds, 64)
    with np.errstate(all="ignore"):
        g = surf.grad(pts)
        gn = np.sqrt((g * g).sum(-1))
        lo, hi, _, _ = _sym_eig(surf.hessian(pts))
        v = surf.value(pts)
    ok = np.isfinite(gn)
    # The largest gradient, not a typical one: on a plateau almost every gradient underflows.
    gs = float(gn[ok].max()) if ok.any() else 1.0
    e = np.maximum(np.abs(lo), np.abs(hi))
    e = e[np.isfinite(e)]
    es = float(np.percentile(e, 90)) if e.size else 1.0
    v = v[np.isfinite(v)]
    vr = float(v.max() - v.min()) if v.size else 1.0
    return _Scales(span=max(x1 - x0, y1 - y0), grad=gs if gs > 0 else 1.0,
                   eig=es if es > 0 else 1.0, value_range=vr if vr > 0 else 1.0)


# ---------------------------------------------------------------------------------------------
# Critical points.

_CACHE: dict = {}


def critical_points(surface, bounds=None, grid: int = _SEED_GRID) -> list[CriticalPoint]:
    """Every minimum, saddle and maximum of ``surface`` inside ``bounds`` (default: the surface's
    plotting bounds), each with .xy, .value, .kind in CRITICAL_KINDS and .eigenvalues; sorted by
    kind, then value. Points where the Hessian is singular are classified by the values on a
    small ring around them: lower all round is a (degenerate) minimum, higher all round a
    maximum, mixed (a monkey saddle) is 'degenerate'. Flat regions, where the gradient vanishes
    over an area rather than at a point, are not critical points and are not listed.
    """
    surf = get_surface(surface)
    b = _bounds_of(surf, bounds)
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ValueError(f"invalid grid: {grid!r} (must be an integer >= 2)")
    key = (surf, b, int(grid))
    if key not in _CACHE:
        _CACHE[key] = tuple(_find_critical_points(surf, b, int(grid)))
    return list(_CACHE[key])


def _find_critical_points(surf: Surface, b, grid: int) -> list[CriticalPoint]:
    sc = _scales(surf, b)
    (x0, x1), (y0, y1) = b
    known = np.array([p.xy for p in surf.known_points], dtype=np.float64).reshape(-1, 2)
    seeds = np.concatenate([_grid(b, grid), known])
    pad = 0.1 * sc.span
    p = _newton(surf, seeds, _NEWTON_ITERS, 0.05 * sc.span, 1e-12 * sc.eig,
                box=((x0 - pad, x1 + pad), (y0 - pad, y1 + pad)), merge=1e-7 * sc.span)
    p = p[np.isfinite(p).all(-1)]
    margin = 1e-9 * sc.span
    inside = (p[:, 0] >= x0 - margin) & (p[:, 0] <= x1 + margin) & \
        (p[:, 1] >= y0 - margin) & (p[:, 1] <= y1 + margin)
    return _classify_candidates(surf, p[inside], sc)


def _classify_candidates(surf: Surface, p: np.ndarray, sc: _Scales,
                         global_value: float | None = None) -> list[CriticalPoint]:
    """Keep the candidates that are isolated critical points, merge duplicates, classify."""
    gtol = _GRAD_TOL * sc.grad
    with np.errstate(all="ignore"):
        g = surf.grad(p)
        gn = np.sqrt((g * g).sum(-1))
    p = p[np.isfinite(gn) & (gn <= gtol)]
    if len(p) == 0:
        return []
    # Snap to a fine lattice (most seeds land on identical points), drop flat regions, polish
    # with Newton steps (the search stopped at its tolerance), then merge what polishing joined.
    cell = _MERGE * sc.span
    q = np.round(p / cell)
    _, first = np.unique(q[:, 0] + 1j * q[:, 1], return_index=True)
    p = p[np.sort(first)]
    p = p[_isolated(surf, p, sc)]
    p = _newton(surf, p, 20, 1e-3 * sc.span, 1e-12 * sc.eig)
    with np.errstate(all="ignore"):
        g = surf.grad(p)
        gn = np.sqrt((g * g).sum(-1))
    p = p[np.isfinite(gn) & (gn <= gtol)]
    kept: list[np.ndarray] = []
    for q in p:
        if not kept or np.min(np.hypot(*(np.asarray(kept) - q).T)) > 10 * cell:
            kept.append(q)
    if not kept:
        return []
    p = np.asarray(kept)
    # Round-off around zero (1e-33 where the point is at 0) only clutters what users read.
    p = np.where(np.abs(p) < 1e-14 * sc.span, 0.0, p)
    values = surf.value(p)
    lo, hi, _, _ = _sym_eig(surf.hessian(p))
    zero = _ZERO_EIG * sc.eig
    kinds = []
    degenerate = []
    for i in range(len(p)):
        if not (np.isfinite(values[i]) and np.isfinite(lo[i]) and np.isfinite(hi[i])):
            kinds.append("flat")
            degenerate.append(True)
        elif abs(lo[i]) <= zero or abs(hi[i]) <= zero:
            degenerate.append(True)
            kinds.append(_ring_kind(surf, p[i], values[i], sc))
        else:
            degenerate.append(False)
            kinds.append("min" if lo[i] > 0 else "max" if hi[i] < 0 else "saddle")
    mins = [values[i] for i in range(len(p)) if kinds[i] == "min"]
    lowest = min(mins) if mins else None
    if global_value is not None:
        lowest = global_value if lowest is None else min(lowest, global_value)
    vtol = _VALUE_TOL * sc.value_range + 1e-12
    out = []
    for i in range(len(p)):
        k = kinds[i]
        if k == "flat":
            continue
        if k == "min":
            k = "global_min" if values[i] <= lowest + vtol else "local_min"
        out.append(CriticalPoint((float(p[i, 0]), float(p[i, 1])), float(values[i]), k,
                                 (float(lo[i]), float(hi[i])), degenerate[i]))
    order = {k: j for j, k in enumerate(CRITICAL_KINDS)}
    out.sort(key=lambda c: (order[c.kind], c.value, c.xy))
    return out


def _ring(p: np.ndarray, r: float, n: int = 16) -> np.ndarray:
    a = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return p[..., None, :] + r * np.stack([np.cos(a), np.sin(a)], -1)


def _isolated(surf: Surface, p: np.ndarray, sc: _Scales) -> np.ndarray:
    """True where the gradient grows on a small ring around p: an isolated critical point, not a
    point of a flat region (where it underflows to zero over an area)."""
    with np.errstate(all="ignore"):
        g = surf.grad(_ring(p, _RING * sc.span, 8))
        gn = np.sqrt((g * g).sum(-1))
    gn = np.where(np.isfinite(gn), gn, np.inf)
    return gn.max(-1) > 10 * _GRAD_TOL * sc.grad


def _ring_kind(surf: Surface, q: np.ndarray, v: float, sc: _Scales) -> str:
    with np.errstate(all="ignore"):
        around = surf.value(_ring(q, 1e-3 * sc.span, 32))
    if np.all(around == v):
        return "flat"
    if np.all(around > v):
        return "min"
    if np.all(around < v):
        return "max"
    return "degenerate"


def global_minimum_value(surface, bounds=None) -> float | None:
    """The lowest minimum inside the bounds (critical points and the surface's known global
    minimum), or None if the surface has none there."""
    surf = get_surface(surface)
    vals = [c.value for c in critical_points(surf, bounds) if c.kind == "global_min"]
    gm = surf.global_minimum
    if gm is not None:
        vals.append(float(gm.value))
    return min(vals) if vals else None


# ---------------------------------------------------------------------------------------------
# Where particles are: matching end points to critical points.


class _Locator:
    """Finds the critical point each of many points sits at (within _NEAR x span), vectorized.
    Points near a critical point outside the bounds (a run may leave them) get new entries."""

    def __init__(self, surf: Surface, bounds=None):
        self.surf = surf
        self.bounds = _bounds_of(surf, bounds)
        self.sc = _scales(surf, self.bounds)
        self.points = list(critical_points(surf, self.bounds))
        self.global_value = global_minimum_value(surf, self.bounds)

    def locate(self, xy: np.ndarray) -> np.ndarray:
        """Index into self.points for each row of xy, or -1 when not at a critical point."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        idx = np.full(len(xy), -1, dtype=np.int64)
        if len(xy) == 0:
            return idx
        sc = self.sc
        near = _NEAR * sc.span
        c = _newton(self.surf, xy, 40, 0.5 * near, 1e-12 * sc.eig)
        with np.errstate(all="ignore"):
            g = self.surf.grad(c)
            gn = np.sqrt((g * g).sum(-1))
            dist = np.hypot(*(c - xy).T)
        ok = np.isfinite(gn) & (gn <= _GRAD_TOL * sc.grad) & (dist <= near)
        if not ok.any():
            return idx
        cell = 1e-4 * sc.span
        q = np.round(c[ok] / cell)
        # One complex key per point: a 1-D unique is several times faster than unique(axis=0).
        uniq, inverse = np.unique(q[:, 0] + 1j * q[:, 1], return_inverse=True)
        inverse = inverse.reshape(-1)
        # A representative of each distinct end point, matched to the nearest known point.
        rep = np.zeros((len(uniq), 2))
        rep[inverse] = c[ok]
        rep_idx = self._match(rep)
        missing = rep_idx < 0
        if missing.any():
            new = _classify_candidates(self.surf, rep[missing], sc, self.global_value)
            if new:
                self.points.extend(new)
                rep_idx = self._match(rep)
        idx[ok] = rep_idx[inverse]
        return idx

    def _match(self, rep: np.ndarray) -> np.ndarray:
        if not self.points:
            return np.full(len(rep), -1, dtype=np.int64)
        known = np.array([p.xy for p in self.points])
        d = np.hypot(rep[:, None, 0] - known[None, :, 0], rep[:, None, 1] - known[None, :, 1])
        j = d.argmin(1)
        return np.where(d[np.arange(len(rep)), j] <= 1e-3 * self.sc.span, j, -1)


# ---------------------------------------------------------------------------------------------
# Verdicts.


def verdicts(result) -> list[Verdict]:
    """One Verdict per particle of a SimulationResult (or a live Stepper)."""
    if hasattr(result, "path"):
        xy = result.path[-1]
        status = np.asarray(result.status)
        taken = np.asarray(result.steps_taken)
        steps = int(result.steps)
    else:  # a Stepper
        xy = result.positions
        status = np.asarray(result.status)
        taken = np.asarray(result.steps_taken)
        steps = int(result.step)
    return verdicts_at(result.surface, xy, status=status, steps_taken=taken, steps=steps)


def verdicts_at(surface, xy, status=None, steps_taken=None, steps=None) -> list[Verdict]:
    """Verdicts for particles at xy (N, 2); status ('diverged', ...) and step counts, if given,
    let the verdict say that a particle diverged and after how many steps."""
    surf = get_surface(surface)
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    status = np.asarray(["moving"] * n if status is None else status, dtype=object)
    loc = _Locator(surf)
    sc = loc.sc
    idx = loc.locate(xy)
    with np.errstate(all="ignore"):
        loss = surf.value(xy)
        g = surf.grad(xy)
        gn = np.sqrt((g * g).sum(-1))
    gv = loc.global_value
    gpoint = next((c for c in loc.points if c.kind == "global_min"), None)
    out = []
    for i in range(n):
        pos = (float(xy[i, 0]), float(xy[i, 1]))
        L = float(loss[i])
        where = _fmt_xy(pos)
        if status[i] == "diverged":
            after = (f" after {int(steps_taken[i])} of {steps} steps"
                     if steps_taken is not None and steps is not None else "")
            out.append(Verdict("diverged", f"diverged{after}: the next step would have left the "
                               f"finite range, so it stopped at {where} (loss {_g(L)})",
                               None, pos, L))
            continue
        # At a critical point means near it and nearly still (a small gradient) or, for a
        # minimum, nearly at its bottom: a particle bouncing across a point with a large
        # gradient and loss (an unstable step size) is moving, not stalled.
        c = loc.points[idx[i]] if idx[i] >= 0 else None
        if c is not None and not (gn[i] <= _AT_POINT_GRAD * sc.grad or (
                c.is_min and L - c.value <= _AT_MIN_LOSS * sc.value_range)):
            c = None
        if c is not None:
            if c.kind == "global_min":
                out.append(Verdict("global_min", f"reached the global minimum at "
                                   f"{_fmt_xy(c.xy)}: loss {_g(L)}", c, pos, L))
            elif c.kind == "local_min":
                gap = c.value - gv if gv is not None else math.nan
                ref = f" ({_g(gv)} at {_fmt_xy(gpoint.xy)})" if gpoint is not None and \
                    gv is not None else ""
                out.append(Verdict("local_min", f"stuck in a local minimum at {_fmt_xy(c.xy)}: "
                                   f"loss {_g(L)}, {_g(gap)} above the global minimum{ref}",
                                   c, pos, L))
            else:
                name = {"saddle": "a saddle point", "max": "a maximum",
                        "degenerate": "a degenerate critical point"}[c.kind]
                out.append(Verdict("saddle", f"stalled near {name} at {_fmt_xy(c.xy)}: loss "
                                   f"{_g(L)}, gradient norm {_g(gn[i])}, Hessian eigenvalues "
                                   f"{_g(c.eigenvalues[0])} and {_g(c.eigenvalues[1])}",
                                   c, pos, L))
            continue
        if np.isfinite(gn[i]) and gn[i] <= _PLATEAU_GRAD * sc.value_range / sc.span:
            out.append(Verdict("plateau", f"crawling on a plateau (a nearly flat region) at "
                               f"{where}: gradient norm {_g(gn[i])}, no critical point within "
                               f"{_g(_NEAR * sc.span)} (loss {_g(L)})", None, pos, L))
            continue
        after = f" after {steps} steps" if steps is not None else ""
        out.append(Verdict("moving", f"still moving at {where}{after}: loss {_g(L)}, "
                           f"gradient norm {_g(gn[i])}", None, pos, L))
    return out


# ---------------------------------------------------------------------------------------------
# Basins of attraction.


class Cancelled(Exception):
    """Raised by ``basins`` when its ``cancel`` callback returns True."""


@dataclass(frozen=True)
class Outcome:
    label: str  # "global_min at (3, 2)", "diverged", "not_converged", ...
    kind: str  # a CRITICAL_KINDS entry, 'diverged' or 'not_converged'
    point: CriticalPoint | None


@dataclass(frozen=True)
class BasinsResult:
    surface: Surface
    optimizer: Optimizer
    bounds: tuple
    steps: int
    seed: int
    xs: np.ndarray  # (res,) x of each column's starts
    ys: np.ndarray  # (res,) y of each row's starts (row 0 is the lowest y)
    labels: np.ndarray  # (res, res) int: index into outcomes; labels[i, j] is start (xs[j], ys[i])
    outcomes: list  # Outcome, the critical points first, then 'diverged', 'not_converged'
    final: np.ndarray = field(repr=False)  # (res, res, 2) where each start ended
    seconds: float = 0.0

    @property
    def resolution(self) -> int:
        return len(self.xs)

    @property
    def counts(self) -> np.ndarray:
        return np.bincount(self.labels.ravel(), minlength=len(self.outcomes))

    @property
    def fractions(self) -> dict:
        """Share of starts per outcome label (outcomes reached by at least one start), summing
        to 1."""
        c = self.counts
        total = c.sum()
        return {o.label: float(c[i] / total) for i, o in enumerate(self.outcomes) if c[i]}

    @property
    def global_min_fraction(self) -> float:
        c = self.counts
        return float(sum(c[i] for i, o in enumerate(self.outcomes) if o.kind == "global_min")
                     / c.sum())

    def colors(self) -> np.ndarray:
        """(len(outcomes), 3) uint8: global minima in greens, other minima from a qualitative
        palette, diverged near black, not converged light gray."""
        return outcome_colors(self.outcomes)

    def image(self) -> np.ndarray:
        """(res, res, 3) uint8 RGB with row 0 at the *top* (highest y), ready to save or show."""
        return self.colors()[self.labels[::-1]]


_GREENS = [(27, 158, 119), (102, 194, 102), (0, 109, 44), (161, 217, 155)]
_PALETTE = [(230, 159, 0), (86, 180, 233), (213, 94, 0), (0, 114, 178), (204, 121, 167),
            (240, 228, 66), (148, 103, 189), (140, 86, 75), (23, 190, 207), (255, 152, 150),
            (197, 176, 213), (196, 156, 148), (158, 218, 229), (219, 219, 141), (255, 187, 120),
            (174, 199, 232)]


def outcome_colors(outcomes) -> np.ndarray:
    out = np.zeros((len(outcomes), 3), dtype=np.uint8)
    gi = oi = 0
    for i, o in enumerate(outcomes):
        if o.kind == "global_min":
            out[i] = _GREENS[gi % len(_GREENS)]
            gi += 1
        elif o.kind == "diverged":
            out[i] = (40, 40, 40)
        elif o.kind == "not_converged":
            out[i] = (200, 200, 200)
        else:
            out[i] = _PALETTE[oi % len(_PALETTE)]
            oi += 1
    return out


def _label(c: CriticalPoint) -> str:
    return f"{c.kind} at {_fmt_xy(c.xy)}"


def _check_callable(name, f):
    if f is not None and not callable(f):
        raise ValueError(f"invalid {name}: {f!r} (must be callable or None)")


def _fused_possible(opt) -> bool:
    """Whether simulate's fused (numba) engine can run this optimizer."""
    try:
        from . import fused
        ok = fused.available()
    except Exception:  # an engine without it: the numpy path does the work
        ok = False
    return ok and opt.noise == 0 and opt.kernel is not None


def basins(surface, optimizer, resolution: int = 256, steps: int = 500, bounds=None, seed: int = 0,
           progress=None, cancel=None, chunk_rows: int | None = None) -> BasinsResult:
    """Basins of attraction of ``optimizer`` on ``surface``: one start at the center of each cell
    of a resolution x resolution grid over the bounds, each run for ``steps`` steps and labelled
    by the critical point it ends at (or 'diverged', 'not_converged').

    Rows of starts are simulated in chunks; after each chunk ``progress(fraction_done)`` is
    called and, if ``cancel()`` returns True, ``Cancelled`` is raised. Chunk sizes and the seed
    of each chunk depend only on the arguments, so a seed gives the same map every time; without
    gradient noise every start's end point is exactly what ``simulate`` gives for it alone.
    """
    import time

    from .simulate import FUSED_MIN_WORK, _Engine

    t0 = time.perf_counter()
    surf = get_surface(surface)
    opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer)
    for name, v, lo in (("resolution", resolution, 1), ("steps", steps, 0)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"invalid {name}: {v!r} (must be an integer >= {lo})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"invalid seed: {seed!r} (must be an integer)")
    _check_callable("progress", progress)
    _check_callable("cancel", cancel)
    res, steps = int(resolution), int(steps)
    b = _bounds_of(surf, bounds)
    (x0, x1), (y0, y1) = b
    xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
    ys = y0 + (np.arange(res) + 0.5) * (y1 - y0) / res
    if chunk_rows is None:
        # As many rows as fit in about a million starts: the engine is most efficient on one
        # big batch (splitting 256 x 256 in four costs ~10% on two cores), and pieces of steps
        # inside each chunk, not small chunks, keep cancel prompt.
        chunk_rows = max(1, min(res, (1 << 20) // res))
    final = np.empty((res, res, 2))
    diverged = np.zeros((res, res), dtype=bool)
    X = np.broadcast_to(xs, (res, res))
    fused = _fused_possible(opt)
    for k, r0 in enumerate(range(0, res, chunk_rows)):
        if cancel is not None and cancel():
            raise Cancelled("basins computation cancelled")
        r1 = min(res, r0 + chunk_rows)
        starts = np.stack([X[r0:r1].ravel(), np.repeat(ys[r0:r1], res)], axis=-1)
        chunk_seed = int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, k]).generate_state(1)[0])
        # A chunk also runs its steps in pieces, so that cancel answers within a fraction of a
        # second even when one row of starts takes long: big enough pieces for the fused engine
        # where it applies, small ones on the numpy engine. Same engine, same random stream:
        # the end points are those of one simulate() call.
        n = len(starts)
        work = max(1, n * steps)
        # Pieces of near-equal size (a short last piece would fall off the fused engine).
        pieces = max(1, min(steps, work // (4 * FUSED_MIN_WORK if fused else 250_000)))
        sizes = [steps // pieces + (1 if i < steps % pieces else 0) for i in range(pieces)]
        eng = _Engine(surf, opt, starts, chunk_seed)  # what simulate() runs, in pieces
        for size in sizes:
            eng.run(size)
            if eng.count < steps:
                if cancel is not None and cancel():
                    raise Cancelled("basins computation cancelled")
                if progress is not None:
                    progress((r0 + (r1 - r0) * eng.count / steps) / res)
        status, _ = eng.status()
        final[r0:r1] = eng.p.reshape(r1 - r0, res, 2)
        diverged[r0:r1] = (np.asarray(status) == "diverged").reshape(r1 - r0, res)
        if progress is not None:
            progress(r1 / res)
    if cancel is not None and cancel():
        raise Cancelled("basins computation cancelled")

    loc = _Locator(surf, b)
    flat = final.reshape(-1, 2)
    idx = np.full(len(flat), -1, dtype=np.int64)
    live = ~diverged.ravel()
    idx[live] = loc.locate(flat[live])
    outcomes = [Outcome(_label(c), c.kind, c) for c in loc.points]
    n = len(outcomes)
    outcomes += [Outcome("diverged", "diverged", None), Outcome("not_converged", "not_converged",
                                                                 None)]
    labels = np.where(~live, n, np.where(idx >= 0, idx, n + 1)).reshape(res, res).astype(np.int32)
    return BasinsResult(surf, opt, b, steps, int(seed), xs, ys, labels, outcomes, final,
                        time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# Random restarts.


@dataclass(frozen=True)
class RestartsResult:
    starts: np.ndarray  # (K, 2)
    result: object  # the SimulationResult of all K runs
    best: int  # index of the run with the lowest final loss (among those that did not diverge)

    @property
    def best_point(self) -> np.ndarray:
        return self.result.final[self.best]

    @property
    def best_loss(self) -> float:
        return float(self.result.final_loss[self.best])

    @property
    def best_verdict(self) -> Verdict:
        r = self.result
        return verdicts_at(r.surface, r.final[self.best:self.best + 1],
                           status=r.status[self.best:self.best + 1],
                           steps_taken=r.steps_taken[self.best:self.best + 1], steps=r.steps)[0]


def random_restarts(surface, optimizer, k: int = 10, steps: int = 300, bounds=None, seed: int = 0,
                    record_every: int = 1) -> RestartsResult:
    """The classical remedy: run ``k`` starts drawn uniformly over the bounds (seeded) and keep
    the one that ends lowest."""
    from .simulate import simulate

    surf = get_surface(surface)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"invalid k: {k!r} (must be an integer >= 1)")
    (x0, x1), (y0, y1) = _bounds_of(surf, bounds)
    rng = np.random.default_rng(seed)
    starts = np.stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)], axis=-1)
    res = simulate(surf, optimizer, starts, steps, seed=seed, record_every=record_every)
    loss = np.where(np.asarray(res.status) == "diverged", np.inf, res.final_loss)
    best = int(np.argmin(loss))
    return RestartsResult(starts, res, best)


def uniform_starts(surface, n: int, bounds=None, seed: int = 0) -> np.ndarray:
    """n starts drawn uniformly over the bounds (seeded), (n, 2)."""
    surf = get_surface(surface)
    (x0, x1), (y0, y1) = _bounds_of(surf, bounds)
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], axis=-1)


def gaussian_starts(center, n: int, sigma: float, seed: int = 0) -> np.ndarray:
    """n starts drawn from a Gaussian of std ``sigma`` around ``center`` (seeded), (n, 2)."""
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"invalid sigma: {sigma!r} (must be a finite number >= 0)")
    c = np.asarray(center, dtype=np.float64).reshape(2)
    rng = np.random.default_rng(seed)
    return c + sigma * rng.standard_normal((n, 2))
