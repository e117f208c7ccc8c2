"""Basins of attraction: 256 x 256 starts x 500 `adam` steps on `rastrigin`.

Measured in the same run:
  - ``analysis.basins`` on the fast engine (core/fast.py: vectorized sin, cos, exp), as the app's
    basin maps run it, and how many starts it labels differently from the exact engine,
  - the core's throughput on exactly this work: one ``simulate`` of all 65,536 starts with
    record_every=steps (the floor: basins cannot be faster than simulating the starts),
  - ``analysis.basins`` (chunked simulation with progress/cancel checks, then classifying every end
    point by Newton steps to the critical point it sits at),
and the analysis overhead, both in seconds and as a share. The fused loop is compiled (and the
surface's critical points found) before timing; both are once per process.

    python benchmarks/basins.py [--resolution 256] [--steps 500] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import landscape_explorer as le
from timing import best_of
from landscape_explorer.core.basins import basins
from landscape_explorer.core import fused
from landscape_explorer.core.critical import PointLocator, critical_points
from landscape_explorer.core.simulate import Engine
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resolution", type=int, default=256)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--optimizer", default="adam(lr=0.05)")
    ap.add_argument("--surface", default="rastrigin")
    args = ap.parse_args()
    from landscape_explorer.cli.common import parse_optimizer

    opt = parse_optimizer(args.optimizer)
    surf = le.surface(args.surface)
    res, steps = args.resolution, args.steps
    work = res * res * steps

    t0 = time.perf_counter()
    for fast in (False, True):  # compile (or load) both fused loops, find the critical points
        fused.wait_ready(Engine(surf, opt, np.full((4, 2), 0.3), 0, fast=fast))
    critical_points(surf)
    warm_s = time.perf_counter() - t0

    b = basins(surf, opt, resolution=res, steps=steps)
    starts = np.stack(np.meshgrid(b.xs, b.ys), axis=-1).reshape(-1, 2)

    t_core, sim = best_of(args.repeat, lambda: le.simulate(surf, opt, starts, steps,
                                                           record_every=steps))
    t_basins, b = best_of(args.repeat, lambda: basins(surf, opt, resolution=res, steps=steps))
    t_fast, bf = best_of(args.repeat, lambda: basins(surf, opt, resolution=res, steps=steps,
                                                     fast=True))
    differ = float(np.mean(bf.labels != b.labels))
    same = np.array_equal(sim.final.reshape(res, res, 2), b.final)

    t0 = time.perf_counter()
    PointLocator(surf, b.bounds).locate(b.final.reshape(-1, 2))
    t_classify = time.perf_counter() - t0

    print(f"{opt.spec()} on {surf.name}: {res}x{res} starts x {steps} steps "
          f"({work / 1e6:.1f} M particle-steps), best of {args.repeat}")
    print(f"(warm-up: numba compile + critical points, once per process: {warm_s:.2f} s)")
    print(f"  core simulate, all starts at once     {t_core:7.3f} s   "
          f"{work / t_core / 1e6:7.1f} M particle-steps/s")
    print(f"  analysis.basins, fast engine          {t_fast:7.3f} s   "
          f"{work / t_fast / 1e6:7.1f} M particle-steps/s   (target <= 0.25 s: "
          f"{'met' if t_fast <= 0.25 else 'not met'}); labels differing from the exact "
          f"engine's: {100 * differ:.3f}% of starts")
    print(f"  analysis.basins, exact engine         {t_basins:7.3f} s   "
          f"{work / t_basins / 1e6:7.1f} M particle-steps/s")
    print(f"    of which classifying the end points {t_classify:7.3f} s")
    print(f"  analysis overhead over the core:      {t_basins - t_core:+7.3f} s "
          f"({100 * (t_basins / t_core - 1):+.1f}%)")
    print(f"  target <= 1 s: {'met' if t_basins <= 1.0 else 'not met'}")
    print(f"  end points identical to one simulate() of all starts: {same}")
    print(f"  global minimum reached from {100 * b.global_min_fraction:.2f}% of starts; "
          f"{len(b.fractions)} outcomes")


if __name__ == "__main__":
    main()
