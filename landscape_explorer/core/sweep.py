"""Fair comparisons: every optimizer at every learning rate from many starts.

``le.sweep(surface, optimizers, lrs, starts, steps, seeds=1)`` runs each optimizer × learning
rate × seed from every start on the core's engine (the fused one where it applies) and gives a
table with one row per optimizer and learning rate: the success rate (the fraction of runs whose
verdict is "reached the global minimum", with a Wilson 95 % interval), the median and 90th
percentile of the steps taken to reach the target loss (over the runs that reached it), the
divergence rate and quantiles of the final loss. ``best()`` picks each optimizer's learning rate
(highest success rate, then fewest median steps, then the lowest median final loss) and
``tuned()`` compares the optimizers at their own best: the fair comparison.

A sweep is a pure function over its cells, so it runs unchanged on a Dask cluster:
``le.sweep(..., client=dask.distributed.Client(...))`` maps the cells over the workers and gathers
the same table.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import numpy.typing  # noqa: F401  (annotations)

from .cancel import CancelCheck, check_cancel
from .critical import global_minimum_value, resolve_bounds
from .optimizers import Optimizer, optimizer as make_optimizer
from .surfaces import Surface, surface as get_surface

MAX_CELLS = 10_000
MAX_WORK = 5 * 10 ** 10  # particle-steps in one sweep
Z95 = 1.959963984540054  # the 97.5 % quantile of the standard normal


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (95 % by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes a bound is exactly 0 or 1 (the formula gives it up to round-off).
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


@dataclass(frozen=True)
class SweepCell:
    """One optimizer at one learning rate, over every start and seed."""

    optimizer: str  # the spec without lr, e.g. "sgd(momentum=0.9)"
    lr: float
    runs: int
    success_rate: float
    success_ci: tuple[float, float]
    reached_target: float  # fraction of runs whose loss got to the target
    median_steps: float | None  # to reach the target, over the runs that did; None if none did
    p90_steps: float | None
    divergence_rate: float
    final_loss_quantiles: tuple[float, float, float]  # 10 %, 50 %, 90 %

    def as_dict(self) -> dict:
        """JSON-ready: the fields, with tuples as lists."""
        d = asdict(self)
        d["success_ci"] = list(self.success_ci)
        d["final_loss_quantiles"] = list(self.final_loss_quantiles)
        return d


@dataclass(frozen=True)
class SweepResult:
    """What ``sweep`` returns: the cells, one per optimizer and learning rate, and what they were
    measured on."""

    surface: str
    steps: int
    starts: np.ndarray = field(repr=False)
    seeds: int
    target: float
    cells: tuple[SweepCell, ...]

    def best(self) -> dict[str, SweepCell]:
        """Each optimizer's best cell: highest success rate, then fewest median steps to the
        target, then the lowest median final loss."""
        out: dict[str, SweepCell] = {}
        for c in self.cells:
            if c.optimizer not in out or _rank(c) < _rank(out[c.optimizer]):
                out[c.optimizer] = c
        return out

    def tuned(self) -> list[SweepCell]:
        """The optimizers at their own best learning rates, best first."""
        return sorted(self.best().values(), key=_rank)

    def as_dict(self) -> dict:
        """JSON-ready: the cells, each optimizer's best and the tuned comparison."""
        return {"surface": self.surface, "steps": self.steps, "starts": len(self.starts),
                "seeds": self.seeds, "target": self.target,
                "cells": [c.as_dict() for c in self.cells],
                "best": {k: v.as_dict() for k, v in self.best().items()},
                "tuned": [c.as_dict() for c in self.tuned()]}


def _rank(c: SweepCell):
    return (-c.success_rate, math.inf if c.median_steps is None else c.median_steps,
            c.final_loss_quantiles[1])


def sweep_starts(surface: Surface | str, n: int, kind: str = "uniform",
                 center: tuple[float, float] | None = None, sigma: float = 0.1,
                 bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
                 seed: int = 0) -> np.ndarray:
    """n starts (n, 2): a uniform ``grid`` (the nearest square count), ``uniform`` random, or
    ``gaussian`` around ``center`` with std ``sigma`` times the bounds' span; seeded."""
    surf = get_surface(surface)
    b = resolve_bounds(surf, bounds)
    (x0, x1), (y0, y1) = b
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 10 ** 7:
        raise ValueError(f"invalid starts: {n!r} (must be an integer in [1, 10000000])")
    rng = np.random.default_rng(seed)
    if kind == "grid":
        k = max(1, int(round(math.sqrt(n))))
        xs = x0 + (np.arange(k) + 0.5) * (x1 - x0) / k
        ys = y0 + (np.arange(k) + 0.5) * (y1 - y0) / k
        X, Y = np.meshgrid(xs, ys)
        return np.stack([X.ravel(), Y.ravel()], -1)
    if kind == "uniform":
        return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], -1)
    if kind == "gaussian":
        if center is None:
            raise ValueError("gaussian starts need a center")
        c = np.asarray(center, dtype=np.float64).reshape(2)
        span = max(x1 - x0, y1 - y0)
        return c + sigma * span * rng.standard_normal((n, 2))
    raise ValueError(f"invalid start kind: {kind!r} (must be 'grid', 'uniform' or 'gaussian')")


def row_name(opt: Optimizer) -> str:
    """The optimizer's spec without its learning rate: the row name of the table."""
    spec = opt.spec()
    name, _, args = spec.partition("(")
    parts = [a for a in args.rstrip(")").split(", ") if a and not a.startswith("lr=")]
    if opt.schedule is not None:
        parts.append(f"schedule={opt.schedule.spec()}")
    return f"{name}({', '.join(parts)})" if parts else name


def _surface_ref(surf: Surface):
    """What a worker process needs to rebuild the surface: its name (and, for a typed
    formula, its parameters and bounds); or the object itself when it pickles by reference."""
    if surf.expression:
        return ("expression", surf.expression, dict(surf.params), surf.bounds)
    try:
        if get_surface(surf.name) is surf:
            return ("name", surf.name)
    except ValueError:
        pass
    return ("object", surf)


def _surface_from_ref(ref) -> Surface:
    if ref[0] == "expression":
        return get_surface(ref[1], params=ref[2], bounds=ref[3])
    if ref[0] == "name":
        return get_surface(ref[1])
    return ref[1]


def run_cell(task: dict) -> SweepCell:
    """One cell of a sweep (a pure function of ``task``)."""
    return run_cells([task])[0]


def run_cells(tasks: Sequence[dict], progress: Callable[[float], None] | None = None,
              cancel: CancelCheck = None) -> list[SweepCell]:
    """Cells of a sweep on one surface: a pure function of ``tasks``, what Dask workers run on
    a chunk of the grid. Every cell is simulated, then the end points of all of them are
    classified together: one vectorized pass over thousands of points costs far less than one
    per cell (the per-call work of the critical-point matching dominated small cells), and
    gives each point the same kind (the classification is point by point). ``progress``
    (fraction of the simulations) and ``cancel`` as everywhere in the core."""
    from .critical import PointLocator
    from .verdicts import classify_arrays

    if not tasks:
        return []
    surf = _surface_from_ref(tasks[0]["surface"])
    runs = []
    total = sum(len(t["seeds"]) for t in tasks)
    for t in tasks:
        for seed in t["seeds"]:
            check_cancel(cancel, "sweep")
            runs.append(_simulate_run(surf, t, seed))
            if progress is not None:
                progress(len(runs) / total)
    check_cancel(cancel, "sweep")
    n_starts = [len(t["starts"]) for t in tasks for _ in t["seeds"]]
    kinds = classify_arrays(
        surf, np.concatenate([r["final"] for r in runs]),
        status=np.concatenate([r["status"] for r in runs]),
        steps_taken=np.concatenate([r["steps_taken"] for r in runs]),
        steps=tasks[0]["steps"] if len({t["steps"] for t in tasks}) == 1 else None,
        starts=np.concatenate([t["starts"] for t in tasks for _ in t["seeds"]]),
        locator=PointLocator(surf),
        left_domain=np.concatenate([r["left"] for r in runs]))
    bounds = np.cumsum([0] + n_starts)
    out, k = [], 0
    for t in tasks:
        mine = range(k, k + len(t["seeds"]))
        k += len(t["seeds"])
        out.append(_cell(t, [runs[i] for i in mine],
                         np.concatenate([kinds[bounds[i]:bounds[i + 1]] for i in mine])))
    return out


def _simulate_run(surf: Surface, task: dict, seed: int) -> dict:
    """One seed of one cell: where its particles end and what the table needs of their paths."""
    from .simulate import simulate

    steps = task["steps"]
    every = max(1, steps // 100)
    res = simulate(surf, task["optimizer"], task["starts"], steps, seed=seed,
                   record_every=every)
    hit = res.loss <= task["target"]
    first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
    # A particle stopped at the edge of f's domain is "diverged" to the engine but not to
    # the reader: it is counted by its own verdict, not as a divergence.
    n = len(task["starts"])
    left = np.zeros(n, dtype=bool) if res.left_domain is None else np.asarray(res.left_domain)
    status = np.asarray(res.status)
    return {"final": res.final, "status": status, "steps_taken": res.steps_taken, "left": left,
            "reached": np.where(first >= 0, res.step_index[np.maximum(first, 0)], np.nan),
            "diverged": (status == "diverged") & ~left, "final_loss": res.final_loss}


def _cell(task: dict, runs: list, kinds: np.ndarray) -> SweepCell:
    """The table's row of one cell from its runs (every seed) and their particles' kinds."""
    n = len(kinds)
    wins = int(np.sum(kinds == "global_min"))
    reached = np.concatenate([r["reached"] for r in runs])
    got = reached[~np.isnan(reached)]
    q = np.quantile(np.concatenate([r["final_loss"] for r in runs]), [0.1, 0.5, 0.9])
    diverged = np.concatenate([r["diverged"] for r in runs])
    return SweepCell(
        optimizer=task["row"], lr=float(task["optimizer"].lr), runs=n, success_rate=wins / n,
        success_ci=wilson_interval(wins, n), reached_target=len(got) / n,
        median_steps=float(np.median(got)) if len(got) else None,
        p90_steps=float(np.quantile(got, 0.9)) if len(got) else None,
        divergence_rate=float(np.mean(diverged)),
        final_loss_quantiles=(float(q[0]), float(q[1]), float(q[2])))


# Cells a Dask task runs together: enough to classify their end points in one pass, few enough
# that the cluster's workers share the grid.
DASK_CHUNK = 4


def sweep(surface: Surface | str, optimizers: Sequence[Any], lrs: Sequence[float],
          starts: int | np.typing.ArrayLike, steps: int, seeds: int = 1,
          target: float | None = None, seed: int = 0, client: Any = None,
          progress: Callable[[float], None] | None = None,
          cancel: CancelCheck = None) -> SweepResult:
    """Run the sweep (see the module docstring). ``starts`` is an (N, 2) array or a count of
    uniform random starts; ``target`` defaults to the global minimum's value plus 1 % of the
    loss range over the bounds. ``progress(fraction)`` and ``cancel()`` as everywhere in the core;
    ``client``: a dask.distributed Client to run the cells on."""
    surf = get_surface(surface)
    opts = [o if isinstance(o, Optimizer) else make_optimizer(o) for o in optimizers]
    if not opts:
        raise ValueError("invalid optimizers: give at least one")
    lrs = list(lrs)
    if not lrs:
        raise ValueError("invalid lrs: give at least one learning rate")
    for v in lrs:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or \
                not math.isfinite(v) or v <= 0:
            raise ValueError(f"invalid lr: {v!r} (learning rates must be finite numbers > 0)")
    if isinstance(starts, (int, np.integer)) and not isinstance(starts, bool):
        starts = sweep_starts(surf, int(starts), seed=seed)
    starts = np.asarray(starts, dtype=np.float64)
    if starts.ndim != 2 or starts.shape[1] != 2 or not len(starts) or \
            not np.isfinite(starts).all():
        raise ValueError(f"invalid starts: shape {starts.shape} (must be finite, (N, 2))")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"invalid steps: {steps!r} (must be an integer >= 1)")
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or not 1 <= seeds <= 1000:
        raise ValueError(f"invalid seeds: {seeds!r} (must be an integer in [1, 1000])")
    cells = len(opts) * len(lrs)
    if cells > MAX_CELLS:
        raise ValueError(f"too many cells: {cells} optimizer x learning rate pairs (at most "
                         f"{MAX_CELLS})")
    work = cells * seeds * len(starts) * int(steps)
    if work > MAX_WORK:
        raise ValueError(f"sweep too large: {work:.3g} particle-steps (at most {MAX_WORK:.0e})")
    if target is None:
        g = global_minimum_value(surf)
        (x0, x1), (y0, y1) = surf.bounds
        X, Y = np.meshgrid(np.linspace(x0, x1, 64), np.linspace(y0, y1, 64))
        values = surf.value(np.stack([X, Y], -1))
        values = values[np.isfinite(values)]
        span = float(values.max() - values.min()) if values.size else 1.0
        lowest = g if g is not None else (float(values.min()) if values.size else 0.0)
        target = lowest + 0.01 * span
    elif not (isinstance(target, (int, float)) and math.isfinite(target)):
        raise ValueError(f"invalid target: {target!r} (must be a finite number)")
    ref = _surface_ref(surf)
    tasks = [{"surface": ref, "optimizer": o.with_hyperparams(lr=float(lr)),
              "row": row_name(o), "starts": starts, "steps": int(steps),
              "seeds": [seed + k for k in range(seeds)], "target": float(target)}
             for o in opts for lr in lrs]
    if client is not None:
        chunks = [tasks[i:i + DASK_CHUNK] for i in range(0, len(tasks), DASK_CHUNK)]
        futures = client.map(run_cells, chunks, pure=False)
        out = []
        for fut in futures:
            check_cancel(cancel, "sweep")
            out.extend(fut.result())
            if progress is not None:
                progress(len(out) / len(tasks))
    else:
        # The simulations are nine tenths of the work; the last tenth classifies them all.
        out = run_cells(tasks, cancel=cancel, progress=None if progress is None else
                        (lambda f: progress(0.9 * f)))
        if progress is not None:
            progress(1.0)
    return SweepResult(surf.name, int(steps), starts, int(seeds), float(target), tuple(out))


# ---------------------------------------------------------------------------------------------
# The heatmap: one drawing for the CLI's PNG and the app's Sweep tab.

_VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]


def viridis(t: float) -> tuple[int, int, int]:
    """The viridis color of t in [0, 1] (five stops, linear between): the success-rate scale."""
    t = min(1.0, max(0.0, float(t))) * (len(_VIRIDIS) - 1)
    i = min(int(t), len(_VIRIDIS) - 2)
    f = t - i
    a, b = _VIRIDIS[i], _VIRIDIS[i + 1]
    return (int(round(a[0] + f * (b[0] - a[0]))), int(round(a[1] + f * (b[1] - a[1]))),
            int(round(a[2] + f * (b[2] - a[2]))))


@dataclass(frozen=True)
class HeatmapPicture:
    """The heatmap image (RGB (H, W, 3) uint8) and where its cells are, so a click can be
    mapped back to the optimizer and learning rate under it."""

    image: np.ndarray = field(repr=False)
    rows: tuple[str, ...]  # optimizers, top to bottom
    cols: tuple[float, ...]  # learning rates, left to right
    left: int
    top: int
    cell_w: int
    cell_h: int

    def cell_at(self, x: float, y: float) -> tuple[str, float] | None:
        """(optimizer, lr) of the cell under pixel (x, y) of the image, or None."""
        j = math.floor((x - self.left) / self.cell_w)
        i = math.floor((y - self.top) / self.cell_h)
        if 0 <= i < len(self.rows) and 0 <= j < len(self.cols):
            return self.rows[i], self.cols[j]
        return None

    def cell_center(self, optimizer: str, lr: float) -> tuple[float, float]:
        """Pixel (x, y) at the middle of a cell."""
        return (self.left + (self.cols.index(lr) + 0.5) * self.cell_w,
                self.top + (self.rows.index(optimizer) + 0.5) * self.cell_h)


def heatmap_picture(result: SweepResult, cell_w: int = 86, cell_h: int = 54,
                    title: bool = True, font_px: int = 18) -> HeatmapPicture:
    """Optimizer (rows) x learning rate (columns), colored by success rate (viridis),
    annotated with the percentage, the best cell of each row outlined in red. ``title=False``
    leaves out the title lines (the app shows them in its own label); ``font_px`` sizes the
    labels (the margins follow)."""
    from PIL import Image, ImageDraw, ImageFont

    rows = list(dict.fromkeys(c.optimizer for c in result.cells))
    cols = sorted({c.lr for c in result.cells})
    by = {(c.optimizer, c.lr): c for c in result.cells}
    best = {c.optimizer: c.lr for c in result.best().values()}
    font = ImageFont.load_default(size=font_px)
    small = ImageFont.load_default(size=max(8, round(font_px * 5 / 6)))
    title_font = ImageFont.load_default(size=22)
    heading = f"Share of runs that reach the global minimum of {result.surface}"
    subtitle = (f"{len(result.starts)} starts x {result.seeds} seed{'s' * (result.seeds > 1)}, "
                f"{result.steps} steps each")
    left = 24 + max(int(font.getlength(r)) for r in rows)
    top, bottom, right = (92 if title else 12), round(3.9 * font_px), round(7.8 * font_px)
    W = left + cell_w * len(cols) + right
    if title:
        W = max(W, 48 + int(title_font.getlength(heading)))
    H = top + cell_h * len(rows) + bottom
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    if title:
        d.text((24, 16), heading, fill="black", font=title_font)
        d.text((24, 50), subtitle, fill=(80, 80, 80), font=small)
    for i, r in enumerate(rows):
        y = top + i * cell_h
        d.text((left - 12, y + cell_h / 2), r, fill="black", font=font, anchor="rm")
        for j, lr in enumerate(cols):
            x = left + j * cell_w
            c = by.get((r, lr))
            if c is None:
                d.rectangle([x, y, x + cell_w - 2, y + cell_h - 2], fill=(235, 235, 235))
                continue
            rgb = viridis(c.success_rate)
            d.rectangle([x, y, x + cell_w - 2, y + cell_h - 2], fill=rgb)
            ink = "black" if sum(rgb) > 380 else "white"
            pct = 100 * c.success_rate
            label = f"{pct:.0f}%" if pct == 0 or pct >= 9.95 else f"{pct:.1f}%"
            d.text((x + cell_w / 2, y + cell_h / 2), label, fill=ink, font=font, anchor="mm")
    # Outlines last, so a neighbour's fill never paints over part of one.
    for i, r in enumerate(rows):
        if r in best:
            ox, oy = left + cols.index(best[r]) * cell_w, top + i * cell_h
            d.rectangle([ox - 1, oy - 1, ox + cell_w - 1, oy + cell_h - 1],
                        outline=(215, 25, 28), width=4)
    for j, lr in enumerate(cols):
        xc = left + j * cell_w + cell_w / 2
        d.text((xc, top + len(rows) * cell_h + 8), f"{lr:.2g}", fill="black", font=small,
               anchor="ma")
    d.text((left + cell_w * len(cols) / 2, H - round(1.3 * font_px)),
           "learning rate (best of each row outlined)", fill="black", font=font, anchor="ms")
    bar = round(1.2 * font_px)
    bx, by0, bh = left + cell_w * len(cols) + round(1.6 * font_px), top, cell_h * len(rows)
    for k in range(bh):
        d.line([bx, by0 + k, bx + bar, by0 + k], fill=viridis(1 - k / max(1, bh - 1)))
    d.text((bx + bar + 8, by0), "100%", fill="black", font=small, anchor="lt")
    d.text((bx + bar + 8, by0 + bh), "0%", fill="black", font=small, anchor="lb")
    return HeatmapPicture(np.asarray(img), tuple(rows), tuple(cols), left, top, cell_w, cell_h)


# ---------------------------------------------------------------------------------------------
# Repeated noisy runs: one start, K seeds.

MAX_REPEATS = 200


@dataclass(frozen=True)
class RepeatResult:
    """One run repeated over seeds ``seed .. seed+K-1`` from the same start: the K paths, their
    losses and outcomes. Row k is exactly ``simulate(surface, optimizer, [start], steps,
    seed=seed+k)`` (noise and minibatches are drawn from the seed)."""

    seeds: tuple[int, ...]
    step_index: np.ndarray  # (L,)
    paths: np.ndarray  # (K, L, 2)
    losses: np.ndarray  # (K, L)
    status: np.ndarray  # (K,) str
    kinds: tuple[str, ...]  # (K,) verdict kinds

    def band(self, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> np.ndarray:
        """(len(quantiles), L): the loss quantiles over the K runs at every recorded step."""
        return loss_band(self.losses, quantiles)

    def count(self, kind: str) -> int:
        """How many of the K runs got verdict ``kind`` (e.g. "global_min")."""
        return sum(k == kind for k in self.kinds)


def loss_band(losses: np.typing.ArrayLike,
              quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> np.ndarray:
    """Quantiles over runs (axis 0) of losses (K, L) at each step: (len(quantiles), L). The
    quantiles interpolate linearly between runs (numpy's default), so with K = 1 every row is
    that run's curve."""
    arr = np.asarray(losses, dtype=np.float64)
    if arr.ndim != 2 or not arr.shape[0] or not arr.shape[1]:
        raise ValueError(f"invalid losses: shape {arr.shape} (must be (runs, steps), non-empty)")
    return np.quantile(arr, np.asarray(quantiles, dtype=np.float64), axis=0)


def repeat_runs(surface: Surface | str, optimizer: Any, start: np.typing.ArrayLike, steps: int,
                repeats: int, seed: int = 0, record_every: int = 1,
                batch_size: int | None = None) -> RepeatResult:
    """Run ``optimizer`` from ``start`` once per seed ``seed .. seed+repeats-1`` (each on its
    own minibatches when ``batch_size`` is given, as simulate draws them). One simulate
    call per seed: a seed's noise stream is drawn for the particles of its own call, so putting
    the seeds side by side as particles of one call would give other numbers than the run
    alone (the app's main run must stay exactly the seed-``seed`` run)."""
    from .simulate import simulate
    from .verdicts import verdicts

    surf = get_surface(surface)
    opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or \
            not 1 <= repeats <= MAX_REPEATS:
        raise ValueError(f"invalid repeats: {repeats!r} (must be an integer in [1, "
                         f"{MAX_REPEATS}])")
    p0 = np.asarray(start, dtype=np.float64).reshape(1, 2)
    seeds = tuple(int(seed) + k for k in range(int(repeats)))
    results = [simulate(surf, opt, p0, steps, seed=s, record_every=record_every,
                        batch_size=batch_size) for s in seeds]
    kinds = tuple(verdicts(r)[0].kind for r in results)
    return RepeatResult(seeds, results[0].step_index,
                        np.stack([r.path[:, 0] for r in results]),
                        np.stack([r.loss[:, 0] for r in results]),
                        np.array([str(r.status[0]) for r in results]), kinds)
