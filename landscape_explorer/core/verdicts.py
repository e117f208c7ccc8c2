"""Verdicts: for every particle, where it ended up and what that means.

Reached the global minimum, stuck in a local one (and how far above the global it is), stalled
near a saddle, crawling on a plateau, diverged, or still moving.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .critical import NEAR, CriticalPoint, PointLocator, format_number, format_xy
from .surfaces import surface as get_surface

VERDICT_KINDS = ("global_min", "local_min", "saddle", "plateau", "diverged", "moving")

_AT_POINT_GRAD = 1e-2  # x largest gradient: above this a particle near a point is still moving
_AT_MIN_LOSS = 1e-2  # x value range: a particle this close to a minimum's value is at it
# A plateau's gradient is tiny beside the surface's average slope (its loss range over its
# width): far below it, far from critical points, is a plateau. (Not relative to the largest
# gradient: Rosenbrock's walls are so steep that its valley floor would all count as flat.)
_PLATEAU_GRAD = 1e-3

@dataclass(frozen=True)
class Verdict:
    """Where one particle ended up and what that means, in one plain sentence (``detail``)."""

    kind: str  # one of VERDICT_KINDS
    detail: str  # one plain sentence with the numbers
    point: CriticalPoint | None  # the critical point the particle is at, if any
    xy: tuple[float, float] = (math.nan, math.nan)  # where the particle is
    loss: float = math.nan

    def __str__(self):
        return self.detail



# ---------------------------------------------------------------------------------------------
# Verdicts.


def verdicts(result: Any) -> list[Verdict]:
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
    loc = PointLocator(surf)
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
        where = format_xy(pos)
        if status[i] == "diverged":
            after = (f" after {int(steps_taken[i])} of {steps} steps"
                     if steps_taken is not None and steps is not None else "")
            out.append(Verdict("diverged", f"diverged{after}: the next step would have left the "
                               f"finite range, so it stopped at {where} (loss {format_number(L)})",
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
                                   f"{format_xy(c.xy)}: loss {format_number(L)}", c, pos, L))
            elif c.kind == "local_min":
                gap = c.value - gv if gv is not None else math.nan
                ref = f" ({format_number(gv)} at {format_xy(gpoint.xy)})" if gpoint is not None and \
                    gv is not None else ""
                out.append(Verdict("local_min", f"stuck in a local minimum at {format_xy(c.xy)}: "
                                   f"loss {format_number(L)}, {format_number(gap)} above the global minimum{ref}",
                                   c, pos, L))
            else:
                name = {"saddle": "a saddle point", "max": "a maximum",
                        "degenerate": "a degenerate critical point"}[c.kind]
                out.append(Verdict("saddle", f"stalled near {name} at {format_xy(c.xy)}: loss "
                                   f"{format_number(L)}, gradient norm {format_number(gn[i])}, Hessian eigenvalues "
                                   f"{format_number(c.eigenvalues[0])} and {format_number(c.eigenvalues[1])}",
                                   c, pos, L))
            continue
        if np.isfinite(gn[i]) and gn[i] <= _PLATEAU_GRAD * sc.value_range / sc.span:
            out.append(Verdict("plateau", f"crawling on a plateau (a nearly flat region) at "
                               f"{where}: gradient norm {format_number(gn[i])}, no critical point within "
                               f"{format_number(NEAR * sc.span)} (loss {format_number(L)})", None, pos, L))
            continue
        after = f" after {steps} steps" if steps is not None else ""
        out.append(Verdict("moving", f"still moving at {where}{after}: loss {format_number(L)}, "
                           f"gradient norm {format_number(gn[i])}", None, pos, L))
    return out

