"""Core throughput: particle-steps per second of every elementwise optimizer on four surfaces.

100,000 particles x 200 steps by default, each measured in one run against
  - torch.optim (the same optimizer and hyperparameters, gradient written out in torch), when
    torch is installed,
  - our numpy engine (the same kernels stepping whole arrays; on fewer steps, it is slow),
single-threaded (numba and torch limited to one thread; CPU time of the process, so that other
programs on a shared machine do not count) and on all cores (wall time), with the ratio ours /
torch single-threaded. Then the C reference (benchmarks/adam_rastrigin.c, compiled now when a C
compiler is present, strict IEEE and -ffast-math) against Adam on Rastrigin on the exact engine
and on the fast engine (core/fast.py), and the exactness check fused == numpy engine.

On a machine shared with other work only the ratios within one run mean anything.

    python benchmarks/core_throughput.py [--particles 100000] [--steps 200] [--repeat 3]
        [--surfaces bowl,rastrigin,rosenbrock,ackley] [--optimizers gd,sgd,...]
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import tempfile
import time

import numba
import numpy as np

import landscape_explorer as le
from landscape_explorer.core import fused, simulate as simmod

HERE = os.path.dirname(os.path.abspath(__file__))

# name shown -> (our optimizer, hyperparameters); torch gets the same.
CONFIGS = {
    "gd": ("gd", dict(lr=1e-3)),
    "sgd": ("sgd", dict(lr=1e-3)),
    "sgd+momentum": ("sgd", dict(lr=1e-3, momentum=0.9)),
    "sgd+nesterov": ("sgd", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    "adagrad": ("adagrad", dict(lr=1e-3)),
    "rmsprop": ("rmsprop", dict(lr=1e-3)),
    "rmsprop+momentum": ("rmsprop", dict(lr=1e-3, momentum=0.9)),
    "adadelta": ("adadelta", dict(lr=1e-3)),
    "adam": ("adam", dict(lr=1e-3)),
    "adamw": ("adamw", dict(lr=1e-3)),
    "adamax": ("adamax", dict(lr=1e-3)),
    "nadam": ("nadam", dict(lr=1e-3)),
    "radam": ("radam", dict(lr=1e-3)),
    "lion": ("lion", dict(lr=1e-3)),
}


def timed(fn, repeat, clock):
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = clock()
        out = fn()
        best = min(best, clock() - t0)
    return best, out


def torch_grad(torch, surface, p):
    two_pi = 2.0 * math.pi
    if surface == "bowl":
        return 2.0 * p
    if surface == "rastrigin":
        return 2.0 * p + 20.0 * math.pi * torch.sin(two_pi * p)
    x, y = p[:, 0], p[:, 1]
    if surface == "rosenbrock":
        w = y - x * x
        return torch.stack([-2.0 * (1.0 - x) - 400.0 * x * w, 200.0 * w], 1)
    if surface == "ackley":
        r = math.sqrt(0.5) * torch.hypot(x, y)
        d = r + 1e-300
        e = torch.exp(-0.2 * r)
        c = torch.exp(0.5 * (torch.cos(two_pi * x) + torch.cos(two_pi * y)))
        return torch.stack([2 * e * (x / d) + math.pi * torch.sin(two_pi * x) * c,
                            2 * e * (y / d) + math.pi * torch.sin(two_pi * y) * c], 1)
    raise ValueError(surface)


def torch_optimizer(torch, name, hp, params):
    classes = {"gd": "SGD", "sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
               "adadelta": "Adadelta", "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax",
               "nadam": "NAdam", "radam": "RAdam"}
    if name not in classes:
        return None
    return getattr(torch.optim, classes[name])(params, **hp)


def run_torch(torch, surface, name, hp, starts, steps):
    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(torch, name, hp, [p])
    with torch.no_grad():
        for _ in range(steps):
            p.grad = torch_grad(torch, surface, p)
            opt.step()
    return p.detach().numpy()


def run_ours(surface, opt, starts, steps, fast=False):
    eng = simmod.Engine(le.surface(surface), opt, starts, 0, fast=fast)
    eng.run(steps)
    eng.status()  # what simulate() adds: the outcome of every particle
    return eng.p


def warm(surface, opt, fast=False):
    eng = simmod.Engine(le.surface(surface), opt, np.full((8, 2), 0.3), 0, fast=fast)
    fused.wait_ready(eng)  # compiled (or loaded from the disk cache) before timing


def c_reference(n, steps):
    """{'strict': M/s, 'fast-math': M/s} of adam_rastrigin.c, or {} without a C compiler."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    out = {}
    if cc is None:
        return out
    with tempfile.TemporaryDirectory() as d:
        for label, flags in (("strict", ["-O2", "-march=native"]),
                             ("fast-math", ["-O3", "-march=native", "-ffast-math"])):
            exe = os.path.join(d, label)
            src = os.path.join(HERE, "adam_rastrigin.c")
            for libs in (["-lmvec", "-lm"], ["-lm"]):  # glibc's vector math, where there is one
                if subprocess.run([cc, *flags, "-o", exe, src, *libs],
                                  capture_output=True).returncode == 0:
                    break
            else:
                continue
            r = subprocess.run([exe, str(n), str(steps)], capture_output=True, text=True)
            out[label] = float(r.stdout.split()[0])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--numpy-steps", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--surfaces", default="bowl,rastrigin,rosenbrock,ackley")
    ap.add_argument("--optimizers", default=",".join(CONFIGS))
    args = ap.parse_args()
    n, steps = args.particles, args.steps
    work = n * steps
    try:
        import torch
    except ImportError:
        torch = None
    cores = numba.config.NUMBA_NUM_THREADS
    simmod.FUSED_MIN_WORK = 0
    print(f"{n:,} particles x {steps} steps, best of {args.repeat}; M particle-steps/s. "
          f"1T: one thread (CPU time), {cores}T: all cores (wall time); numpy engine on "
          f"{args.numpy_steps} steps")
    print(f"{'surface':<11}{'optimizer':<18}{'ours 1T':>9}{f'ours {cores}T':>9}"
          f"{'torch 1T':>10}{'numpy 1T':>10}{'ours/torch':>12}")
    starts = np.random.default_rng(1).uniform(-2, 2, (n, 2))
    worst = math.inf
    for surface in args.surfaces.split(","):
        for label in args.optimizers.split(","):
            name, hp = CONFIGS[label]
            opt = le.optimizer(name, **hp)
            warm(surface, opt)
            numba.set_num_threads(1)
            t1, _ = timed(lambda: run_ours(surface, opt, starts, steps), args.repeat,
                          time.process_time)
            numba.set_num_threads(cores)
            tn, _ = timed(lambda: run_ours(surface, opt, starts, steps), args.repeat,
                          time.perf_counter)
            simmod.FUSED_MIN_WORK = math.inf
            tnp, _ = timed(lambda: run_ours(surface, opt, starts, args.numpy_steps), 1,
                           time.process_time)
            simmod.FUSED_MIN_WORK = 0
            row = f"{surface:<11}{label:<18}{work / t1 / 1e6:9.1f}{work / tn / 1e6:9.1f}"
            if torch is not None and torch_optimizer(torch, name, hp, [torch.zeros(1)]):
                torch.set_num_threads(1)
                tt, _ = timed(lambda: run_torch(torch, surface, name, hp, starts, steps),
                              args.repeat, time.process_time)
                ratio = tt / t1
                worst = min(worst, ratio)
                row += f"{work / tt / 1e6:10.1f}"
            else:
                ratio = None
                row += f"{'-':>10}"
            row += f"{n * args.numpy_steps / tnp / 1e6:10.1f}"
            row += f"{ratio:11.2f}x" if ratio is not None else f"{'-':>12}"
            print(row, flush=True)
    if torch is not None and worst < math.inf:
        print(f"slowest ratio to torch.optim, single-threaded: {worst:.2f}x (target >= 2)")

    # The C reference: Adam on Rastrigin, starts in [-5.12, 5.12].
    starts = np.random.default_rng(0).uniform(-5.12, 5.12, (n, 2))
    opt = le.optimizer("adam", lr=0.05)
    numba.set_num_threads(1)
    rates = {}
    for fast in (False, True):
        warm("rastrigin", opt, fast)
        t, _ = timed(lambda: run_ours("rastrigin", opt, starts, steps, fast), args.repeat,
                     time.process_time)
        rates[fast] = work / t / 1e6
    numba.set_num_threads(cores)
    c = c_reference(n, steps)
    print(f"adam(lr=0.05) on rastrigin, one thread: exact engine {rates[False]:.1f}, "
          f"fast engine {rates[True]:.1f} M particle-steps/s")
    if c:
        for label, fast in (("strict", False), ("fast-math", True)):
            if label in c:
                print(f"  C reference, {label:<9}: {c[label]:7.1f} M/s; ours "
                      f"({'fast' if fast else 'exact'} engine) is {rates[fast] / c[label]:.2f}x "
                      f"of it")
    else:
        print("  (no C compiler: no C reference)")
    simmod.FUSED_MIN_WORK = 0
    a = le.simulate("rastrigin", opt, starts[:20000], 50, record_every=50).final
    simmod.FUSED_MIN_WORK = math.inf
    b = le.simulate("rastrigin", opt, starts[:20000], 50, record_every=50).final
    print(f"fused == numpy engine, bit for bit: {np.array_equal(a, b)}")


if __name__ == "__main__":
    main()
