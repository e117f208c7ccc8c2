"""Network slices: how long a 100x100 slice of a depth-10, width-16 MLP on 500 points takes
(target <= 3 s), beside a naive loop that evaluates the network once per grid point, and how
many optimizer steps per second a run takes on the slice, full batch and on minibatches
(target >= 100); and minibatch SGD on sinusoid_fit with 1,000 particles (steps/s).

    python benchmarks/data_surfaces.py [--grid 100] [--points 500] [--depth 10] [--width 16]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import landscape_explorer as le


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=100)
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--width", type=int, default=16)
    a = ap.parse_args()

    ds = le.dataset("moons", n=a.points, seed=0)
    t0 = time.perf_counter()
    s = le.nn_slice(ds, hidden=(a.width,), depth=a.depth, epochs=300, seed=0)
    t_train = time.perf_counter() - t0
    X, Y = np.meshgrid(np.linspace(-1, 1, a.grid), np.linspace(-1, 1, a.grid))
    grid = np.stack([X, Y], -1)
    t0 = time.perf_counter()
    V = s.value(grid)
    t_slice = time.perf_counter() - t0

    # Naive: one forward pass per grid point (on a sample of points, scaled up).
    sample = grid.reshape(-1, 2)[:: max(1, a.grid * a.grid // 200)]
    t0 = time.perf_counter()
    naive = [s.network.loss_and_grad((s.center + p @ s.directions)[None], ds.X, ds.y,
                                     need_grad=False)[0][0] for p in sample]
    t_naive = (time.perf_counter() - t0) * (a.grid * a.grid) / len(sample)
    idx = np.arange(0, a.grid * a.grid, max(1, a.grid * a.grid // 200))[: len(sample)]
    err = np.abs(np.array(naive) - V.ravel()[idx]).max()

    opt = le.optimizer("adam", lr=0.02)
    st = le.Stepper(s, opt, [[0.7, -0.5]])
    st.advance(5)
    t0 = time.perf_counter()
    st.advance(200)
    steps_per_s = 200 / (time.perf_counter() - t0)

    st = le.Stepper(s, opt, [[0.7, -0.5]], batch_size=32)
    st.advance(5)
    t0 = time.perf_counter()
    st.advance(200)
    mini_steps_per_s = 200 / (time.perf_counter() - t0)

    sin = le.surface("sinusoid_fit")
    starts = np.random.default_rng(0).uniform((-1.0, -3.5), (6.0, 3.5), (1000, 2))
    le.simulate(sin, le.optimizer("sgd", lr=0.2), starts, 10, batch_size=4)  # warm up
    t0 = time.perf_counter()
    le.simulate(sin, le.optimizer("sgd", lr=0.2), starts, 500, batch_size=4, record_every=500)
    sin_steps_per_s = 500 / (time.perf_counter() - t0)

    print(f"MLP {a.depth}x{a.width} relu on {a.points} points ({s.network.n_params} "
          f"parameters), trained in {t_train:.2f} s")
    print(f"{a.grid}x{a.grid} slice: {t_slice:.2f} s (target <= 3 s); a naive per-point loop: "
          f"{t_naive:.1f} s ({t_naive / t_slice:.1f}x slower); largest difference {err:.1e}")
    print(f"live stepping on the slice: {steps_per_s:.0f} steps/s per run full batch, "
          f"{mini_steps_per_s:.0f} on minibatches of 32 (target >= 100)")
    print(f"minibatch SGD (batch 4) on sinusoid_fit, 1,000 particles: {sin_steps_per_s:.0f} "
          "steps/s")


if __name__ == "__main__":
    main()
