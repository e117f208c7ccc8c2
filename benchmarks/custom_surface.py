"""Typed surfaces against the built-in they equal: throughput, and the time to a new mesh.

- `adam` on the typed "sin(3*x) + 0.5*x**2 + y**2" vs the built-in `sin_quadratic` (the same
  function), 100,000 particles x 200 steps on the fused engine, in the same run; target: the
  typed one at >= 0.8x the built-in's particle-steps per second.
- From text to the numbers of a 200x200 mesh: parse + differentiate + generate code (sympy
  already imported, as in the app after the first formula), then values and normals' gradients
  over the grid; target (with drawing, in the app): under 150 ms. sympy's first import is
  reported separately: the app pays it once, in the background.

    python benchmarks/custom_surface.py [--particles 100000] [--steps 200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import landscape_explorer as le

TYPED = "sin(3*x) + 0.5*x**2 + y**2"


def best_of(repeat, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    t0 = time.perf_counter()
    import sympy  # noqa: F401
    t_import = time.perf_counter() - t0

    typed = le.surface(TYPED, bounds=((-3, 3), (-2, 2)))
    builtin = le.surface("sin_quadratic")
    rng = np.random.default_rng(0)
    starts = np.stack([rng.uniform(-3, 3, a.particles), rng.uniform(-2, 2, a.particles)], -1)
    opt = le.optimizer("adam", lr=0.05)
    work = a.particles * a.steps
    # First calls compile (and cache) the fused loops; not timed.
    le.simulate(typed, opt, starts, a.steps, record_every=a.steps)
    le.simulate(builtin, opt, starts, a.steps, record_every=a.steps)
    t_b, rb = best_of(a.repeat, lambda: le.simulate(builtin, opt, starts, a.steps,
                                                    record_every=a.steps))
    t_t, rt = best_of(a.repeat, lambda: le.simulate(typed, opt, starts, a.steps,
                                                    record_every=a.steps))
    print(f"adam, {a.particles:,} particles x {a.steps} steps (fused engine)")
    print(f"  built-in sin_quadratic: {work / t_b / 1e6:7.1f} M particle-steps/s")
    print(f"  typed {TYPED!r}: {work / t_t / 1e6:7.1f} M particle-steps/s")
    print(f"  ratio typed / built-in: {t_b / t_t:.2f}x (target >= 0.8x)")
    print(f"  largest end-point difference: {np.abs(rt.final - rb.final).max():.2e}")

    xs = np.linspace(-3, 3, 200)
    ys = np.linspace(-2, 2, 200)
    grid = np.stack(np.meshgrid(xs, ys), -1)

    def to_mesh(k=[0]):
        k[0] += 1  # a new text every time: nothing cached
        s = le.surface(f"sin(3*x) + 0.5*x**2 + y**2 + {k[0]}e-9*x*y",
                       bounds=((-3, 3), (-2, 2)))
        return s.value(grid), s.grad(grid)

    t_mesh, _ = best_of(max(a.repeat, 5), to_mesh)
    print(f"text -> 200x200 mesh numbers: {1e3 * t_mesh:.1f} ms (best of {max(a.repeat, 5)}); "
          f"sympy's first import: {1e3 * t_import:.0f} ms")


if __name__ == "__main__":
    main()
