"""Core throughput: particle-steps per second of `adam` on `rastrigin`.

100,000 particles x 200 steps (record_every=200), measured in one run against
  - our numpy engine (the same kernels stepping whole arrays),
  - a straightforward per-particle Python loop (on a subsample: it is slow),
  - torch.optim.Adam on the same work, when torch is installed,
and the ratios. Results are compared too: fused vs numpy must be bit-identical.

Then every elementwise optimizer on the fused engine on the bowl, against plain `gd` in the
same run: the bowl's gradient costs next to nothing, so the ratio is the kernel's own cost
(sgd does gd's arithmetic plus a momentum buffer).

    python benchmarks/core_throughput.py [--particles 100000] [--steps 200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import landscape_explorer as le
from landscape_explorer.core import simulate as simmod

LR = 0.05


def best_of(repeat, fn):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def run_ours(starts, steps):
    return le.simulate("rastrigin", le.optimizer("adam", lr=LR), starts, steps,
                       record_every=steps).final


def run_numpy_engine(starts, steps):
    fused_min_work = simmod.FUSED_MIN_WORK
    simmod.FUSED_MIN_WORK = math.inf  # every batch on the numpy engine
    try:
        return run_ours(starts, steps)
    finally:
        simmod.FUSED_MIN_WORK = fused_min_work


# The kernel configurations of the bowl comparison (momentum on where an optimizer has it).
KERNEL_CONFIGS = {"sgd": dict(momentum=0.9), "rmsprop": dict(momentum=0.9)}


def kernel_rates(n, steps, repeat):
    """M particle-steps/s of every elementwise optimizer on the fused engine on the bowl."""
    starts = np.random.default_rng(1).uniform(-2, 2, (n, 2))
    fused_min_work = simmod.FUSED_MIN_WORK
    simmod.FUSED_MIN_WORK = 0
    rates = {}
    try:
        for name in le.optimizer_names():
            opt = le.optimizer(name, lr=1e-3, **KERNEL_CONFIGS.get(name, {}))
            if not opt.elementwise:
                continue
            le.simulate("bowl", opt, starts[:8], 2)  # compile, or load from the disk cache
            t, _ = best_of(repeat, lambda: le.simulate("bowl", opt, starts, steps,
                                                       record_every=steps))
            rates[name] = n * steps / t / 1e6
    finally:
        simmod.FUSED_MIN_WORK = fused_min_work
    return rates


def run_python_loop(starts, steps):
    """What one would write first: one particle at a time, Adam written out in plain Python."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    out = np.empty_like(starts)
    for i, (x, y) in enumerate(starts):
        p = [x, y]
        m = [0.0, 0.0]
        v = [0.0, 0.0]
        for t in range(1, steps + 1):
            for j in range(2):
                g = 2.0 * p[j] + 20.0 * math.pi * math.sin(2.0 * math.pi * p[j])
                m[j] = b1 * m[j] + (1 - b1) * g
                v[j] = b2 * v[j] + (1 - b2) * g * g
                mhat = m[j] / (1 - b1 ** t)
                vhat = v[j] / (1 - b2 ** t)
                p[j] -= LR * mhat / (math.sqrt(vhat) + eps)
        out[i] = p
    return out


def run_torch(starts, steps):
    import torch

    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=LR)
    two_pi = 2.0 * math.pi
    with torch.no_grad():
        for _ in range(steps):
            p.grad = 2.0 * p + 20.0 * math.pi * torch.sin(two_pi * p)
            opt.step()
    return p.detach().numpy().copy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loop-particles", type=int, default=500)
    args = ap.parse_args()
    n, steps = args.particles, args.steps
    work = n * steps
    starts = np.random.default_rng(0).uniform(-5.12, 5.12, (n, 2))
    rates = {}

    t0 = time.perf_counter()
    small = starts[: max(1, simmod.FUSED_MIN_WORK // steps + 1)]
    run_ours(small, steps)  # compiles the fused loop, or loads it from the on-disk cache
    compile_s = time.perf_counter() - t0

    t, ours = best_of(args.repeat, lambda: run_ours(starts, steps))
    rates["landscape-explorer (fused)"] = work / t
    t, numpy_out = best_of(args.repeat, lambda: run_numpy_engine(starts, steps))
    rates["landscape-explorer (numpy engine)"] = work / t
    m = args.loop_particles
    t, loop_out = best_of(1, lambda: run_python_loop(starts[:m], steps))
    rates["per-particle Python loop"] = m * steps / t

    torch_out = None
    try:
        import torch

        t, torch_out = best_of(args.repeat, lambda: run_torch(starts, steps))
        rates[f"torch.optim.Adam ({torch.__version__}, {torch.get_num_threads()} threads)"] = \
            work / t
    except ImportError:
        pass

    print(f"adam(lr={LR}) on rastrigin: {n:,} particles x {steps} steps, best of {args.repeat}")
    print(f"(first use of the fused loop, compiled or loaded from the disk cache: "
          f"{compile_s:.2f} s, once per process; not in the figures below)")
    base = rates["landscape-explorer (fused)"]
    for name, r in rates.items():
        print(f"  {name:<52} {r / 1e6:9.2f} M particle-steps/s   ours is {base / r:6.2f}x")
    print("results:")
    print(f"  fused == numpy engine, bit for bit: {np.array_equal(ours, numpy_out)}")
    print(f"  max |ours - python loop| on the loop's particles: "
          f"{np.abs(ours[:m] - loop_out).max():.3g}")
    if torch_out is not None:
        print(f"  max |ours - torch| over all particles: {np.abs(ours - torch_out).max():.3g}"
              f"   identical: {np.array_equal(ours, torch_out)}")

    kr = kernel_rates(n, steps, args.repeat)
    print(f"fused engine on the bowl, {n:,} particles x {steps} steps (momentum 0.9 for sgd "
          f"and rmsprop), against gd in the same run:")
    for name, r in kr.items():
        print(f"  {name:<10} {r:9.2f} M particle-steps/s   {r / kr['gd']:5.2f}x gd")


if __name__ == "__main__":
    main()
