"""Basins of attraction and random restarts.

``basins(surface, optimizer)`` runs a grid of starts and labels each by the critical point it
ends at; ``random_restarts`` runs K random starts and keeps the best.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .cancel import CancelCheck, Cancelled, check_cancel  # noqa: F401  Cancelled: what basins raises
from .critical import CriticalPoint, PointLocator, check_resolvable, format_xy, resolve_bounds
from .optimizers import Optimizer, optimizer as make_optimizer
from .surfaces import Surface, surface as get_surface
from .verdicts import Verdict, verdicts_at

if TYPE_CHECKING:
    from .simulate import SimulationResult



@dataclass(frozen=True)
class Outcome:
    label: str  # "global_min at (3, 2)", "diverged", "not_converged", ...
    kind: str  # a CRITICAL_KINDS entry, 'diverged' or 'not_converged'
    point: CriticalPoint | None


@dataclass(frozen=True)
class BasinsResult:
    """A basins-of-attraction map: for each start of a grid, the outcome it ended at."""

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
        """Starts per side of the grid."""
        return len(self.xs)

    @property
    def counts(self) -> np.ndarray:
        """Starts per outcome label, (len(outcomes),)."""
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
        """Share of starts that ended at a global minimum."""
        c = self.counts
        return float(sum(c[i] for i, o in enumerate(self.outcomes) if o.kind == "global_min")
                     / c.sum())

    def colors(self) -> np.ndarray:
        """(len(outcomes), 3) uint8, keyed to the critical points (outcome i is the i-th
        critical point of the surface in these bounds, whatever the optimizer): two maps of one
        surface color each minimum alike. Global minima in greens, other points from a palette
        of their own (not the runs' colors, which are drawn over the map), diverged near black,
        not converged light gray."""
        return outcome_colors(self.outcomes)

    def image(self) -> np.ndarray:
        """(res, res, 3) uint8 RGB with row 0 at the *top* (highest y), ready to save or show."""
        return self.colors()[self.labels[::-1]]


# Paul Tol's "muted" scheme without its green (the global minimum's) and olive (a run color),
# then his "dark" and "pale" ones: distinguishable, and apart from the runs' Okabe–Ito colors.
# Particle-steps per piece of a chunk on the fused engine: big enough that a piece's call
# overhead is nothing, small enough that cancel answers within a fraction of a second.
FUSED_PIECE = 8_000_000
GLOBAL_MIN_COLORS = [(27, 158, 119), (102, 194, 102), (0, 109, 44), (161, 217, 155)]
BASIN_COLORS = [(204, 102, 119), (136, 204, 238), (221, 204, 119), (51, 34, 136), (68, 170, 153),
                (170, 68, 153), (136, 34, 85), (68, 119, 170), (102, 51, 0), (187, 204, 238),
                (238, 204, 221), (204, 221, 170), (119, 119, 119), (255, 204, 204),
                (170, 170, 0), (102, 17, 0)]
DIVERGED_COLOR = (40, 40, 40)
NOT_CONVERGED_COLOR = (200, 200, 200)


def outcome_colors(outcomes) -> np.ndarray:
    out = np.zeros((len(outcomes), 3), dtype=np.uint8)
    gi = oi = 0
    for i, o in enumerate(outcomes):
        if o.kind == "global_min":
            out[i] = GLOBAL_MIN_COLORS[gi % len(GLOBAL_MIN_COLORS)]
            gi += 1
        elif o.kind == "diverged":
            out[i] = DIVERGED_COLOR
        elif o.kind == "not_converged":
            out[i] = NOT_CONVERGED_COLOR
        else:
            out[i] = BASIN_COLORS[oi % len(BASIN_COLORS)]
            oi += 1
    return out


def _label(c: CriticalPoint) -> str:
    return f"{c.kind} at {format_xy(c.xy)}"


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


def basins(surface: Surface | str, optimizer: Optimizer | str, resolution: int = 256,
           steps: int = 500, bounds: Any = None, seed: int = 0,
           progress: Callable[[float], None] | None = None, cancel: CancelCheck = None,
           chunk_rows: int | None = None, fast: bool = False) -> BasinsResult:
    """Basins of attraction of ``optimizer`` on ``surface``: one start at the center of each cell
    of a resolution x resolution grid over the bounds, each run for ``steps`` steps and labelled
    by the critical point it ends at (or 'diverged', 'not_converged').

    Rows of starts are simulated in chunks; after each chunk ``progress(fraction_done)`` is
    called and, if ``cancel()`` returns True, ``Cancelled`` is raised. Chunk sizes and the seed
    of each chunk depend only on the arguments, so a seed gives the same map every time; without
    gradient noise every start's end point is exactly what ``simulate`` gives for it alone.

    ``fast``: step on the fast engine (fast.py: sin, cos and exp vectorized across starts,
    within a few ulps of libm's per evaluation), several times faster on surfaces made of them;
    starts near the border of two basins may then land in the neighbouring one (the tests bound
    how many).
    """
    import time

    from .simulate import Engine

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
    b = resolve_bounds(surf, bounds)
    check_resolvable(surf, b)  # before the work: no map labelled with wrong kinds
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
        check_cancel(cancel, "basins computation")
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
        pieces = max(1, min(steps, work // (FUSED_PIECE if fused else 250_000)))
        sizes = [steps // pieces + (1 if i < steps % pieces else 0) for i in range(pieces)]
        eng = Engine(surf, opt, starts, chunk_seed, fast=fast)  # simulate()'s work, in pieces
        for size in sizes:
            eng.run(size)
            if eng.count < steps:
                check_cancel(cancel, "basins computation")
                if progress is not None:
                    progress((r0 + (r1 - r0) * eng.count / steps) / res)
        status, _ = eng.status()
        final[r0:r1] = eng.p.reshape(r1 - r0, res, 2)
        diverged[r0:r1] = (np.asarray(status) == "diverged").reshape(r1 - r0, res)
        if progress is not None:
            progress(r1 / res)
    check_cancel(cancel, "basins computation")

    loc = PointLocator(surf, b)
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
    result: "SimulationResult"  # of all K runs
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


def random_restarts(surface: Surface | str, optimizer: Optimizer | str, k: int = 10,
                    steps: int = 300, bounds: Any = None, seed: int = 0,
                    record_every: int = 1) -> RestartsResult:
    """The classical remedy: run ``k`` starts drawn uniformly over the bounds (seeded) and keep
    the one that ends lowest."""
    from .simulate import simulate

    surf = get_surface(surface)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"invalid k: {k!r} (must be an integer >= 1)")
    (x0, x1), (y0, y1) = resolve_bounds(surf, bounds)
    rng = np.random.default_rng(seed)
    starts = np.stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)], axis=-1)
    res = simulate(surf, optimizer, starts, steps, seed=seed, record_every=record_every)
    loss = np.where(np.asarray(res.status) == "diverged", np.inf, res.final_loss)
    best = int(np.argmin(loss))
    return RestartsResult(starts, res, best)


def uniform_starts(surface, n: int, bounds=None, seed: int = 0) -> np.ndarray:
    """n starts drawn uniformly over the bounds (seeded), (n, 2)."""
    surf = get_surface(surface)
    (x0, x1), (y0, y1) = resolve_bounds(surf, bounds)
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], axis=-1)


def gaussian_starts(center, n: int, sigma: float, seed: int = 0) -> np.ndarray:
    """n starts drawn from a Gaussian of std ``sigma`` around ``center`` (seeded), (n, 2)."""
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"invalid sigma: {sigma!r} (must be a finite number >= 0)")
    c = np.asarray(center, dtype=np.float64).reshape(2)
    rng = np.random.default_rng(seed)
    return c + sigma * rng.standard_normal((n, 2))
