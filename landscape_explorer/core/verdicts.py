"""Verdicts: for every particle, where it ended up and what that means.

Reached the global minimum, stuck in a local one (and how far above the global it is), stalled
near a saddle, crawling on a plateau, diverged, left the domain of f, still moving, started on a
stationary point (the gradient at the start is zero, so no step ever moves it) or not started (no
step taken yet).

The kinds (VERDICT_KINDS) are defined here and nowhere else; every other module (the app's
styles, sweeps, lessons) takes them from this module.

``left_domain``: on a surface with an undefined region (a typed ``log(x)`` left of zero,
``sqrt(x)``), the particle's next step would have landed where f is undefined, so it stopped at
its last point inside the domain (or it started outside it and never moved). Distinct from
``diverged``, which is a step to a non-finite or far-away point: there f is defined, the step size
is what went wrong; here the function is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .critical import NEAR, CriticalPoint, PointLocator, format_number, format_xy
from .surfaces import surface as get_surface

VERDICT_KINDS = ("global_min", "local_min", "saddle", "plateau", "diverged", "left_domain",
                 "moving", "stationary_start", "not_started")

_AT_POINT_GRAD = 1e-2  # x largest gradient: above this a particle near a point is still moving
_AT_MIN_LOSS = 1e-2  # x value range: a particle this close to a minimum's value is at it
# A plateau's gradient is tiny beside the surface's average slope (its loss range over its
# width): far below it, far from critical points, is a plateau. (Not relative to the largest
# gradient: Rosenbrock's walls are so steep that its valley floor would all count as flat.)
_PLATEAU_GRAD = 1e-3
# ... and flat across as well as along: its curvature is small beside the surface's average
# curvature (value range over width squared). Rosenbrock's valley floor has a small gradient
# too, but walls either side curving several times more than that average.
_PLATEAU_CURVATURE = 0.3

_POINT_NAMES = {"global_min": "the global minimum", "local_min": "a local minimum",
                "saddle": "a saddle point", "max": "a maximum",
                "degenerate": "a degenerate critical point"}


@dataclass(frozen=True)
class Verdict:
    """Where one particle ended up and what that means, in one plain sentence (``detail``)."""

    kind: str  # one of VERDICT_KINDS
    detail: str  # one plain sentence with the numbers
    point: CriticalPoint | None  # the critical point the particle is at, if any
    xy: tuple[float, float] = (math.nan, math.nan)  # where the particle is
    loss: float = math.nan
    gap: float = math.nan  # local_min: how far its value is above the global minimum's

    def __str__(self):
        return self.detail


# ---------------------------------------------------------------------------------------------
# Verdicts.


def verdicts(result: Any, locator: PointLocator | None = None) -> list[Verdict]:
    """One Verdict per particle of a SimulationResult (or a live Stepper)."""
    if hasattr(result, "path"):
        xy = result.path[-1]
        starts = result.path[0]
        steps = int(result.steps)
    else:  # a Stepper
        xy = result.positions
        starts = result.starts
        steps = int(result.step)
    return verdicts_at(result.surface, xy, status=np.asarray(result.status),
                       steps_taken=np.asarray(result.steps_taken), steps=steps, starts=starts,
                       locator=locator, left_domain=getattr(result, "left_domain", None))


def verdicts_at(surface, xy, status=None, steps_taken=None, steps=None, starts=None,
                locator: PointLocator | None = None, left_domain=None) -> list[Verdict]:
    """Verdicts for particles at xy (N, 2). Optional: status ('diverged', ...) and step counts
    (steps_taken per particle, steps overall) let the verdict say that a particle diverged and
    after how many steps, or has not taken a step yet; starts (N, 2) let it say that a particle
    never left its start; left_domain (N,) bool, which of the stopped ones stopped at the edge
    of f's domain (simulate's ``left_domain``). ``locator`` (a PointLocator of the surface, reused between calls)
    saves building one, and the critical point search behind it, on every call."""
    surf = get_surface(surface)
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    status = np.asarray(["moving"] * n if status is None else status, dtype=object).reshape(n)
    taken = None if steps_taken is None else np.asarray(steps_taken).reshape(n)
    starts = None if starts is None else np.asarray(starts, dtype=np.float64).reshape(n, 2)
    left = np.zeros(n, dtype=bool) if left_domain is None else \
        np.asarray(left_domain, dtype=bool).reshape(n)
    loc = locator if locator is not None and locator.surf == surf else PointLocator(surf)
    sc = loc.sc
    vr = sc.value_range  # values below 1e-12 of it are round-off and read 0
    with np.errstate(all="ignore"):
        loss = surf.value(xy)
        g = surf.grad(xy)
        gn = np.sqrt((g * g).sum(-1))
        curvature = np.abs(surf.hessian(xy)).max(axis=(-2, -1))
    gv = loc.global_value
    gpoint = next((c for c in loc.points if c.kind == "global_min"), None)
    # Only particles that have moved need the (Newton) search for the point they sit at.
    idx = np.full(n, -1, dtype=np.int64)
    unstarted = np.zeros(n, dtype=bool) if taken is None else \
        (taken == 0) & (status != "diverged")
    if steps is not None and steps == 0:
        unstarted |= status != "diverged"
    located = ~unstarted & (status != "diverged")
    if located.any():
        idx[located] = loc.locate(xy[located])

    def num(v):
        return format_number(v, vr)

    out = []
    for i in range(n):
        pos = (float(xy[i, 0]), float(xy[i, 1]))
        L = float(loss[i])
        where = format_xy(pos)
        c = loc.points[idx[i]] if idx[i] >= 0 else None
        if left[i]:
            if not math.isfinite(L):  # it is where f is undefined: it started there
                detail = (f"left the domain of f at {where}: it started where f is undefined, "
                          "so no step moves it; pick another start")
                L = math.nan
            else:
                after = (f" after {int(taken[i])} of {steps} steps"
                         if taken is not None and steps is not None else "")
                detail = (f"left the domain of f at {where}: the next step lands where f is "
                          f"undefined, so it stopped there{after} (loss {num(L)})")
            out.append(Verdict("left_domain", detail, None, pos, L))
            continue
        if status[i] == "diverged":
            after = (f" after {int(taken[i])} of {steps} steps"
                     if taken is not None and steps is not None else "")
            out.append(Verdict("diverged", f"diverged{after}: the next step would have left the "
                               f"finite range, so it stopped at {where} (loss {num(L)})",
                               None, pos, L))
            continue
        if unstarted[i]:
            out.append(Verdict("not_started", f"not started: at {where}, loss {num(L)}, "
                               f"gradient norm {format_number(gn[i])}", None, pos, L))
            continue
        if starts is not None and np.array_equal(xy[i], starts[i]):
            # Every step left it exactly where it began: the gradient there is zero, or too
            # small to change a float64 coordinate.
            what = _POINT_NAMES[c.kind] if c is not None else "a flat spot"
            gtext = "exactly 0" if gn[i] == 0 else f"{format_number(gn[i])}, too small to move it"
            out.append(Verdict("stationary_start", f"started on a stationary point ({what}) at "
                               f"{where}: the gradient there is {gtext}, so no step moves it; "
                               f"pick another start (loss {num(L)})", c, pos, L))
            continue
        # At a critical point means near it and nearly still (a small gradient) or, for a
        # minimum, nearly at its bottom: a particle bouncing across a point with a large
        # gradient and loss (an unstable step size) is moving, not stalled.
        if c is not None and not (gn[i] <= _AT_POINT_GRAD * sc.grad or (
                c.is_min and L - c.value <= _AT_MIN_LOSS * vr)):
            c = None
        if c is not None:
            if c.kind == "global_min":
                out.append(Verdict("global_min", f"reached the global minimum at "
                                   f"{format_xy(c.xy)}: loss {num(L)}", c, pos, L))
            elif c.kind == "local_min":
                gap = c.value - gv if gv is not None else math.nan
                ref = f" ({num(gv)} at {format_xy(gpoint.xy)})" \
                    if gpoint is not None and gv is not None else ""
                out.append(Verdict("local_min", f"stuck in a local minimum at {format_xy(c.xy)}: "
                                   f"loss {num(L)}, {num(gap)} above the global minimum{ref}",
                                   c, pos, L, gap))
            else:
                out.append(Verdict("saddle", f"stalled near {_POINT_NAMES[c.kind]} at "
                                   f"{format_xy(c.xy)}: loss {num(L)}, gradient norm "
                                   f"{format_number(gn[i])}, Hessian eigenvalues "
                                   f"{format_number(c.eigenvalues[0])} and "
                                   f"{format_number(c.eigenvalues[1])}", c, pos, L))
            continue
        if np.isfinite(gn[i]) and gn[i] <= _PLATEAU_GRAD * vr / sc.span and \
                curvature[i] <= _PLATEAU_CURVATURE * vr / sc.span ** 2:
            out.append(Verdict("plateau", f"crawling on a plateau (a nearly flat region) at "
                               f"{where}: gradient norm {format_number(gn[i])}, no critical point "
                               f"within {format_number(NEAR * sc.span)} (loss {num(L)})",
                               None, pos, L))
            continue
        after = f" after {steps} steps" if steps is not None else ""
        out.append(Verdict("moving", f"still moving at {where}{after}: loss {num(L)}, "
                           f"gradient norm {format_number(gn[i])}", None, pos, L))
    return out


def classify_arrays(surface, xy, status=None, steps_taken=None, steps=None, starts=None,
                    locator: PointLocator | None = None, left_domain=None) -> np.ndarray:
    """The verdict kinds alone, for many particles at once (sweeps): (N,) array of strings,
    element for element ``[v.kind for v in verdicts_at(same arguments)]`` without building a
    sentence per particle (the sentences are most of verdicts_at's cost over thousands of
    starts). The same rules in the same order as verdicts_at, written on arrays; a test checks
    the two agree over many starts on several surfaces. Add a new kind to both."""
    surf = get_surface(surface)
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    status = np.asarray(["moving"] * n if status is None else status, dtype=object).reshape(n)
    taken = None if steps_taken is None else np.asarray(steps_taken).reshape(n)
    loc = locator if locator is not None and locator.surf == surf else PointLocator(surf)
    sc = loc.sc
    vr = sc.value_range
    with np.errstate(all="ignore"):
        loss = surf.value(xy)
        g = surf.grad(xy)
        gn = np.sqrt((g * g).sum(-1))
        curvature = np.abs(surf.hessian(xy)).max(axis=(-2, -1))
    diverged = status == "diverged"
    unstarted = np.zeros(n, dtype=bool) if taken is None else (taken == 0) & ~diverged
    if steps is not None and steps == 0:
        unstarted |= ~diverged
    located = ~unstarted & ~diverged
    idx = np.full(n, -1, dtype=np.int64)
    if located.any():
        idx[located] = loc.locate(xy[located])
    stationary = np.zeros(n, dtype=bool) if starts is None else \
        (xy == np.asarray(starts, dtype=np.float64).reshape(n, 2)).all(axis=1)
    # The critical point each particle is at, as arrays over the points (index -1: none).
    kinds_of = np.array([c.kind for c in loc.points] + ["none"], dtype=object)
    values_of = np.array([c.value for c in loc.points] + [np.nan])
    is_min_of = np.array([c.is_min for c in loc.points] + [False])
    k = np.where(idx >= 0, idx, len(loc.points))
    with np.errstate(invalid="ignore"):
        still = (gn <= _AT_POINT_GRAD * sc.grad) | \
            (is_min_of[k] & (loss - values_of[k] <= _AT_MIN_LOSS * vr))
        plateau = np.isfinite(gn) & (gn <= _PLATEAU_GRAD * vr / sc.span) & \
            (curvature <= _PLATEAU_CURVATURE * vr / sc.span ** 2)
    at_point = (idx >= 0) & still
    point_kind = kinds_of[k]
    out = np.full(n, "moving", dtype=object)
    # Later assignments win: the rules are applied from the last to the first.
    out[plateau] = "plateau"
    out[at_point] = "saddle"
    out[at_point & (point_kind == "local_min")] = "local_min"
    out[at_point & (point_kind == "global_min")] = "global_min"
    out[stationary] = "stationary_start"
    out[unstarted] = "not_started"
    out[diverged] = "diverged"
    if left_domain is not None:  # first of verdicts_at's rules, so applied last here
        out[np.asarray(left_domain, dtype=bool).reshape(n)] = "left_domain"
    return out
