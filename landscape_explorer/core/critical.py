"""Critical points of a surface: every minimum, saddle and maximum inside the bounds.

``critical_points(surface)`` runs Newton's method on the gradient from a grid of seeds (plus the
surface's analytically known points), keeps only points where the gradient really vanishes at an
isolated point, deduplicates them and classifies them by the Hessian's eigenvalues.
``PointLocator`` matches many end points to those critical points at once (verdicts and basin
maps use it). numpy only, like the rest of ``core``.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cancel import CancelCheck, check_cancel
from .surfaces import Surface, surface as get_surface
from .validation import check_bounds

CRITICAL_KINDS = ("global_min", "local_min", "saddle", "max", "degenerate")

# Scales below are relative to the surface: its bounds' span, the largest gradient norm and
# the typical (90th percentile) Hessian eigenvalue and the value range over a grid of the bounds.
_SEED_GRID = 121  # seeds per axis for the critical point search
_NEWTON_ITERS = 80
GRAD_TOL = 1e-7  # x largest gradient: a critical point's gradient is below this
_ZERO_EIG = 1e-6  # x typical |eigenvalue|: an eigenvalue below this counts as zero (degenerate)
_RING = 1e-2  # x span: radius of the ring that tells an isolated point from a flat region
_MERGE = 1e-6  # x span: points closer than this are the same critical point
NEAR = 1e-2  # x span: a particle within this distance of a critical point is "at" it
_VALUE_TOL = 1e-9  # x value range: minima within this of the lowest are all global


# Points per evaluation of the derivatives in a cancellable search: a network slice's Hessian
# at 4,096 seeds takes ~10 s here, and cancel must answer within a fraction of that.
_CANCEL_CHUNK = 256


def _derivatives(surf: Surface, q: np.ndarray, cancel: CancelCheck):
    """Gradient and Hessian at points q; in chunks, checking ``cancel`` between them, when
    there is a cancel to check."""
    if cancel is None or len(q) <= _CANCEL_CHUNK:
        return surf.grad(q), surf.hessian(q)
    gs, hs = [], []
    for i in range(0, len(q), _CANCEL_CHUNK):
        check_cancel(cancel, "critical-point search")
        gs.append(surf.grad(q[i:i + _CANCEL_CHUNK]))
        hs.append(surf.hessian(q[i:i + _CANCEL_CHUNK]))
    return np.concatenate(gs), np.concatenate(hs)


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point of a surface found numerically: where, its value, its kind and the
    Hessian's eigenvalues there."""

    xy: tuple[float, float]
    value: float
    kind: str  # one of CRITICAL_KINDS
    eigenvalues: tuple[float, float]  # of the Hessian, ascending
    degenerate: bool = False  # a zero eigenvalue: the kind comes from the values around it

    @property
    def is_min(self) -> bool:
        """True for a global or local minimum."""
        return self.kind in ("global_min", "local_min")

    def describe(self) -> str:
        """One plain sentence: kind, place, value and curvature."""
        names = {"global_min": "global minimum", "local_min": "local minimum",
                 "saddle": "saddle point", "max": "maximum", "degenerate": "degenerate point"}
        return (f"{names[self.kind]} at {format_xy(self.xy)}, value {format_number(self.value)}, "
                f"Hessian eigenvalues {format_number(self.eigenvalues[0])} and {format_number(self.eigenvalues[1])}")

    def __str__(self):
        return self.describe()




def format_number(v: float, scale: float | None = None) -> str:
    """A number as people read it: 4 significant digits in the everyday range, 3 with an
    exponent outside it. With ``scale`` (the size of the values it is computed from, e.g. a
    surface's value range), anything below 1e-12 of it is round-off and reads 0: Ackley's
    minimum comes out as -4.4e-16, which is 0."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == 0.0 or (scale is not None and abs(v) <= ROUND_OFF * abs(float(scale))):
        return "0"
    if 1e-4 <= abs(v) < 1e6:
        return f"{v:.4g}"
    return f"{v:.3g}"


ROUND_OFF = 1e-12  # x a value's scale: below this a difference is floating-point round-off


def format_xy(xy, scale: float | None = None) -> str:
    """(x, y) as people read it; coordinates below 1e-9 (or 1e-12 x ``scale``) are round-off
    around zero and read 0."""
    tol = 1e-9 if scale is None else ROUND_OFF * abs(float(scale))
    x, y = (float(v) for v in xy)
    return f"({format_number(x) if abs(x) > tol else '0'}, {format_number(y) if abs(y) > tol else '0'})"


# ---------------------------------------------------------------------------------------------
# Symmetric 2x2 eigen-decomposition and Newton's method on the gradient, vectorized.


def sym_eig(H):
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
    lo, hi, _, _ = sym_eig(surf.hessian(xy))
    return np.stack([lo, hi], axis=-1)


def newton(surf: Surface, p: np.ndarray, iters: int, max_step: float, damping: float,
            box=None, merge: float = 0.0, cancel: CancelCheck = None):
    """Newton's method on the gradient (finds minima, saddles and maxima alike), with the step
    length capped at max_step and eigenvalues below ``damping`` damped so a singular Hessian
    gives a short step, not an infinite one. Points whose step has become negligible stop.

    For the seed search: ``box`` ((x0, x1), (y0, y1)) drops seeds that wander out of it, and
    ``merge`` > 0 stops all but one of the seeds that have come within ``merge`` of each other
    (slow, linear convergence to a degenerate point otherwise iterates every seed). Dropped and
    merged seeds come back as NaN. ``cancel``: checked every iteration (core.cancel)."""
    p = p.copy()
    live = np.arange(len(p))
    d2 = damping * damping
    for it in range(iters):
        check_cancel(cancel, "critical-point search")
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
            g, H = _derivatives(surf, q, cancel)
            lo, hi, v_lo, v_hi = sym_eig(H)
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
class Scales:
    span: float
    grad: float
    eig: float
    value_range: float


def resolve_bounds(surf: Surface, bounds):
    """The bounds given, checked, or the surface's own."""
    return check_bounds(surf.bounds if bounds is None else bounds)


def grid_points(bounds, n):
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([X.ravel(), Y.ravel()], axis=-1)


def surface_scales(surf: Surface, bounds) -> Scales:
    (x0, x1), (y0, y1) = bounds
    pts = grid_points(bounds, 64)
    with np.errstate(all="ignore"):
        g = surf.grad(pts)
        gn = np.sqrt((g * g).sum(-1))
        lo, hi, _, _ = sym_eig(surf.hessian(pts))
        v = surf.value(pts)
    ok = np.isfinite(gn)
    # The largest gradient, not a typical one: on a plateau almost every gradient underflows.
    gs = float(gn[ok].max()) if ok.any() else 1.0
    e = np.maximum(np.abs(lo), np.abs(hi))
    e = e[np.isfinite(e)]
    es = float(np.percentile(e, 90)) if e.size else 1.0
    v = v[np.isfinite(v)]
    vr = float(v.max() - v.min()) if v.size else 1.0
    return Scales(span=max(x1 - x0, y1 - y0), grad=gs if gs > 0 else 1.0,
                   eig=es if es > 0 else 1.0, value_range=vr if vr > 0 else 1.0)


_SCALES_CACHE: dict = {}
_SEARCH_LOCKS: dict = {}
_SEARCH_LOCKS_GUARD = threading.Lock()


def scales_of(surface) -> Scales:
    """The surface's own scales over its plotting bounds (span, largest gradient, typical
    curvature, value range), computed once per surface and process: what "small" means for it."""
    surf = get_surface(surface)
    sc = _SCALES_CACHE.get(surf)
    if sc is None:
        sc = _SCALES_CACHE[surf] = surface_scales(surf, resolve_bounds(surf, None))
    return sc


# ---------------------------------------------------------------------------------------------
# Critical points.

_CACHE: dict = {}


def critical_points(surface: Surface | str, bounds: Any = None,
                    grid: int = _SEED_GRID, cancel: CancelCheck = None) -> list[CriticalPoint]:
    """Every minimum, saddle and maximum of ``surface`` inside ``bounds`` (default: the surface's
    plotting bounds), each with .xy, .value, .kind in CRITICAL_KINDS and .eigenvalues; sorted by
    kind, then value. Points where the Hessian is singular are classified by the values on a
    small ring around them: lower all round is a (degenerate) minimum, higher all round a
    maximum, mixed (a monkey saddle) is 'degenerate'. Flat regions, where the gradient vanishes
    over an area rather than at a point, are not critical points and are not listed.
    ``cancel`` (core.cancel): a search on an expensive surface (a network slice) can
    be stopped; it raises Cancelled and keeps nothing.
    """
    surf = get_surface(surface)
    b = resolve_bounds(surf, bounds)
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ValueError(f"invalid grid: {grid!r} (must be an integer >= 2)")
    key = (surf, b, int(grid))
    if key not in _CACHE:
        # One search per key at a time: the app's verdicts and its Analyze panel both ask for a
        # new surface's points from their own threads; the second waits for the first's
        # answer instead of doing the same work beside it (on a network slice, minutes).
        with _SEARCH_LOCKS_GUARD:
            lock = _SEARCH_LOCKS.setdefault(key, threading.Lock())
        while not lock.acquire(timeout=0.1):
            check_cancel(cancel, "critical-point search")  # cancel answers while waiting too
        try:
            if key not in _CACHE:
                _CACHE[key] = tuple(_find_critical_points(surf, b, int(grid), cancel))
        finally:
            lock.release()
    return list(_CACHE[key])


def has_cached_critical_points(surface, bounds=None, grid: int = _SEED_GRID) -> bool:
    """Whether ``critical_points`` with these arguments would answer at once (already computed
    in this process): the app uses it to decide whether to compute them in a worker thread."""
    surf = get_surface(surface)
    return (surf, resolve_bounds(surf, bounds), int(grid)) in _CACHE


def _find_critical_points(surf: Surface, b, grid: int,
                          cancel: CancelCheck = None) -> list[CriticalPoint]:
    sc = surface_scales(surf, b)
    (x0, x1), (y0, y1) = b
    known = np.array([p.xy for p in surf.known_points], dtype=np.float64).reshape(-1, 2)
    seeds = np.concatenate([grid_points(b, grid), known])
    pad = 0.1 * sc.span
    p = newton(surf, seeds, _NEWTON_ITERS, 0.05 * sc.span, 1e-12 * sc.eig,
                box=((x0 - pad, x1 + pad), (y0 - pad, y1 + pad)), merge=1e-7 * sc.span,
                cancel=cancel)
    check_cancel(cancel, "critical-point search")
    p = p[np.isfinite(p).all(-1)]
    margin = 1e-9 * sc.span
    inside = (p[:, 0] >= x0 - margin) & (p[:, 0] <= x1 + margin) & \
        (p[:, 1] >= y0 - margin) & (p[:, 1] <= y1 + margin)
    return _classify_candidates(surf, p[inside], sc)


def _classify_candidates(surf: Surface, p: np.ndarray, sc: Scales,
                         global_value: float | None = None) -> list[CriticalPoint]:
    """Keep the candidates that are isolated critical points, merge duplicates, classify."""
    gtol = GRAD_TOL * sc.grad
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
    p = newton(surf, p, 20, 1e-3 * sc.span, 1e-12 * sc.eig)
    with np.errstate(all="ignore"):
        g = surf.grad(p)
        gn = np.sqrt((g * g).sum(-1))
    p = p[np.isfinite(gn) & (gn <= gtol)]
    p = _merge_greedy(p, 10 * cell)
    if not len(p):
        return []
    # Round-off around zero (1e-33 where the point is at 0) only clutters what users read.
    p = np.where(np.abs(p) < 1e-14 * sc.span, 0.0, p)
    values = surf.value(p)
    lo, hi, _, _ = sym_eig(surf.hessian(p))
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
        if k == "min":  # lowest is set: there is at least this minimum
            k = "global_min" if lowest is not None and values[i] <= lowest + vtol else "local_min"
        out.append(CriticalPoint((float(p[i, 0]), float(p[i, 1])), float(values[i]), k,
                                 (float(lo[i]), float(hi[i])), degenerate[i]))
    order = {k: j for j, k in enumerate(CRITICAL_KINDS)}
    out.sort(key=lambda c: (order[c.kind], c.value, c.xy))
    return out


def _merge_greedy(p: np.ndarray, radius: float) -> np.ndarray:
    """The points of ``p`` in order, each kept unless a point kept before it lies within
    ``radius`` (farther than ``radius`` from all kept: kept). Kept points are bucketed in
    squares of side ``radius``, so each point is compared with the few in the 3 x 3 squares
    around it (every point within ``radius`` is there) instead of with all kept so far, which
    was quadratic: seconds for the thousands of end points a sweep matches."""
    kept: list[np.ndarray] = []
    buckets: dict = {}
    for q in p:
        bx, by = math.floor(q[0] / radius), math.floor(q[1] / radius)
        near = [k for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                for k in buckets.get((bx + dx, by + dy), ())]
        if near and np.min(np.hypot(*(np.asarray([kept[k] for k in near]) - q).T)) <= radius:
            continue
        buckets.setdefault((bx, by), []).append(len(kept))
        kept.append(q)
    return np.asarray(kept).reshape(-1, 2)


def _ring(p: np.ndarray, r: float, n: int = 16) -> np.ndarray:
    a = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return p[..., None, :] + r * np.stack([np.cos(a), np.sin(a)], -1)


def _isolated(surf: Surface, p: np.ndarray, sc: Scales) -> np.ndarray:
    """True where the gradient grows on a small ring around p: an isolated critical point, not a
    point of a flat region (where it underflows to zero over an area)."""
    with np.errstate(all="ignore"):
        g = surf.grad(_ring(p, _RING * sc.span, 8))
        gn = np.sqrt((g * g).sum(-1))
    gn = np.where(np.isfinite(gn), gn, np.inf)
    return gn.max(-1) > 10 * GRAD_TOL * sc.grad


def _ring_kind(surf: Surface, q: np.ndarray, v: float, sc: Scales) -> str:
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


class PointLocator:
    """Finds the critical point each of many points sits at (within NEAR x span), vectorized.
    Points near a critical point outside the bounds (a run may leave them) get new entries."""

    def __init__(self, surf: Surface, bounds=None):
        self.surf = surf
        self.bounds = resolve_bounds(surf, bounds)
        check_resolvable(surf, self.bounds)  # ResolutionError rather than wrong kinds
        own = self.bounds == resolve_bounds(surf, None)
        self.sc = scales_of(surf) if own else surface_scales(surf, self.bounds)
        self.points = list(critical_points(surf, self.bounds))
        self.global_value = global_minimum_value(surf, self.bounds)

    def locate(self, xy: np.ndarray) -> np.ndarray:
        """Index into self.points for each row of xy, or -1 when not at a critical point."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        idx = np.full(len(xy), -1, dtype=np.int64)
        if len(xy) == 0:
            return idx
        sc = self.sc
        near = NEAR * sc.span
        c = newton(self.surf, xy, 40, 0.5 * near, 1e-12 * sc.eig)
        with np.errstate(all="ignore"):
            g = self.surf.grad(c)
            gn = np.sqrt((g * g).sum(-1))
            dist = np.hypot(*(c - xy).T)
        ok = np.isfinite(gn) & (gn <= GRAD_TOL * sc.grad) & (dist <= near)
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
        """Index of the known point nearest each of ``rep``, or -1 where none is within
        1e-3 x span."""
        return nearest_within(rep, np.array([p.xy for p in self.points]).reshape(-1, 2),
                              1e-3 * self.sc.span)



def nearest_within(points: np.ndarray, known: np.ndarray, radius: float) -> np.ndarray:
    """For each of ``points`` (n, 2), the index of the nearest of ``known`` (m, 2) (the first
    of equals), or -1 where none is within ``radius``. Only the known points whose x lies
    within ``radius`` of a point's are measured (known sorted by x, a window each): every point
    within ``radius`` is among them, and the n x m distance table over thousands of sweep end
    points and hundreds of critical points was most of the matching."""
    n = len(points)
    best = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(known) == 0:
        return best
    order = np.argsort(known[:, 0], kind="stable")
    kx = known[order, 0]
    lo = np.searchsorted(kx, points[:, 0] - radius, side="left")
    hi = np.searchsorted(kx, points[:, 0] + radius, side="right")
    best_d = np.full(n, np.inf)
    for k in range(int((hi - lo).max(initial=0))):
        live = lo + k < hi
        idx = np.where(live, order[np.minimum(lo + k, len(kx) - 1)], 0)
        d = np.hypot(points[:, 0] - known[idx, 0], points[:, 1] - known[idx, 1])
        # Nearer, or as near with a smaller index (the first of equals, as argmin gives).
        better = live & ((d < best_d) | ((d == best_d) & (idx < best)))
        best_d = np.where(better, d, best_d)
        best = np.where(better, idx, best)
    return np.where(best_d <= radius, best, -1)


# ---------------------------------------------------------------------------------------------
# What the search can resolve.

# Bounds narrower than this many float64 steps (ulps) of their largest coordinate cannot be
# gridded, differentiated and told apart reliably.
_MIN_SPAN_ULPS = 1e6
# Critical points closer than this x span are too close for the ring test that classifies
# degenerate points (radius 1e-3 x span, _ring_kind) to tell them apart.
_MIN_SEPARATION = 2e-3


class ResolutionError(ValueError):
    """Bounds on which critical points, verdicts and basin labels cannot be trusted (see
    ``resolution_problem``); the message is one line that says why and what to do."""


def check_resolvable(surface: Surface | str, bounds: Any = None) -> None:
    """Raise ResolutionError where ``resolution_problem`` finds one. Verdicts (PointLocator) and
    basin maps call it before answering: a wrong kind is worse than none."""
    surf = get_surface(surface)
    b = resolve_bounds(surf, bounds)
    problem = resolution_problem(surf, b)
    if problem:
        (x0, x1), (y0, y1) = b
        raise ResolutionError(f"bounds x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g} are outside "
                              f"what the critical-point search can resolve: {problem}")


_RESOLUTION_CACHE: dict = {}


def resolution_problem(surface: Surface | str, bounds: Any = None) -> str | None:
    """Why ``critical_points(surface, bounds)`` cannot be trusted on these bounds, in one
    sentence, or None where it can: bounds too narrow for float64, a surface that overflows
    float64 inside them, or critical points closer together than the search's scale (bounds
    far wider than the surface's features). Verdicts and basin maps lean on the same search.
    The answer is kept per (surface, bounds), as the critical points are: every verdict asks
    (a sweep: once per cell), and on a surface with hundreds of critical points the pairwise
    distances took longer than classifying a thousand end points."""
    surf = get_surface(surface)
    b = resolve_bounds(surf, bounds)
    key = (surf, b)
    if key not in _RESOLUTION_CACHE:
        _RESOLUTION_CACHE[key] = _resolution_problem(surf, b)
    return _RESOLUTION_CACHE[key]


def _resolution_problem(surf: Surface, b: tuple) -> str | None:
    (x0, x1), (y0, y1) = b
    for axis, lo, hi in (("x", x0, x1), ("y", y0, y1)):
        big = max(abs(lo), abs(hi), np.finfo(float).tiny)
        if hi - lo < _MIN_SPAN_ULPS * np.spacing(big):
            return (f"the {axis} bounds are {hi - lo:.3g} wide at coordinates near {big:.3g}: "
                    "too narrow to resolve in double precision; widen them")
    pts = grid_points(b, 64)
    with np.errstate(all="ignore"):
        if surf.domain_limited:  # where f is undefined (log(x) left of 0) the search looks not,
            # nor on the domain's edge, where f is defined but its slope is not (acos at x = 1)
            pts = pts[np.isfinite(surf.value(pts)) & np.isfinite(surf.grad(pts)).all(axis=-1)]
        finite = (np.isfinite(surf.value(pts)).all() and np.isfinite(surf.grad(pts)).all()
                  and np.isfinite(surf.hessian(pts)).all())
    if not finite:
        return ("the surface's values or derivatives overflow double precision inside these "
                "bounds; narrow them")
    cps = critical_points(surf, b)
    if len(cps) > 1:
        xy = np.array([c.xy for c in cps])
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        np.fill_diagonal(d, np.inf)
        closest = float(d.min())
        wide = max(x1 - x0, y1 - y0)
        if closest < _MIN_SEPARATION * wide:
            return (f"critical points {closest:.3g} apart are too close to tell apart in bounds "
                    f"{wide:.3g} wide; narrow the bounds to at most "
                    f"{closest / _MIN_SEPARATION:.3g} wide around them")
    return None
