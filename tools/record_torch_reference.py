"""Record the torch reference that tests/core/test_torch_reference.py checks our optimizers and
schedules against, so that CI checks torch parity without torch installed.

torch is never a dependency of landscape-explorer; this tool runs in a separate environment:

    python3 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install numpy torch==2.13.0 lion-pytorch==0.2.5
    PYTHONPATH=$PWD /tmp/torchvenv/bin/python tools/record_torch_reference.py

It writes tests/data/torch_reference.npz (np.savez_compressed; rows every RECORD_EVERY steps,
about 0.4 MB) in about ten minutes. What is recorded:

- For every configuration in OPTIMIZER_CONFIGS and SCHEDULE_CONFIGS, on every surface in
  SURFACES, from that surface's starts: the path of torch.optim's optimizer (lion: lion-pytorch's
  Lion, the reference implementation; gd: torch.optim.SGD, which is what gd is), with float64
  parameter tensors and torch's defaults for everything not listed, stepped STEPS times with the
  gradient of landscape_explorer's own surface (an exact analytic gradient, the same function
  le.simulate uses, so that only the optimizer is under test), and the torch scheduler stepped
  after every optimizer step, as torch's documentation prescribes. One (N, 2) parameter steps N
  starts at once; every optimizer here is elementwise, so that is N separate 2-D problems.
- Each path twice. torch's float64 sqrt on CPU is not correctly rounded (it is off by one ulp in
  about 1 call in 75 on x86 AVX2; this tool counts). Run "ieee" replaces torch's Tensor.sqrt,
  Tensor.sqrt_ and torch.sqrt by the correctly rounded IEEE sqrt (numpy's, which
  landscape_explorer uses) and changes nothing else: everything else is torch's own code and
  kernels, so our optimizers must reproduce it bit for bit. Run "torch" is torch untouched. Per
  call the tool compares torch's sqrt with the IEEE one, asserts they never differ by more than
  one ulp, and records how often they differ and the first step at which they differ for each
  particle: up to that step the two runs are the same computation, and the tool asserts they
  agree bit for bit.
- The band of paths a sqrt accurate to one ulp allows (see BAND_RUNS), per row and particle;
  the tool refuses to write a recording in which torch's own run leaves it.
- The learning rate torch's scheduler set for every step.
- torch's signatures (defaults) and which bad hyperparameters torch rejects.
- Gradients of the surfaces at fixed probe points, so that the test can tell "a surface formula
  changed since the recording" (re-record) from "an optimizer is wrong".

Re-record whenever a configuration is added here or a surface's gradient formula changes.
"""
from __future__ import annotations

import argparse
import datetime
import inspect
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
import lion_pytorch

import landscape_explorer as le

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "torch_reference.npz"

STEPS = 200
RECORD_EVERY = 5  # rows kept: steps 0, 5, ..., 200 (le.simulate's record_every)

# Three starts per surface, inside its plot bounds, from which every configuration below stays
# finite and far inside le.simulate's divergence limit for STEPS steps (the tool checks).
SURFACES = {
    "rosenbrock": [[-1.5, 2.0], [1.2, 0.8], [-0.3, -0.7]],
    "rastrigin": [[2.3, -1.7], [-0.6, 0.4], [3.9, 3.1]],
    "himmelblau": [[0.5, 0.5], [-4.0, 1.0], [2.5, -3.5]],
    "beale": [[1.0, 1.0], [-1.0, 1.5], [2.0, -0.5]],
}

TORCH_CLASSES = {
    "gd": "torch.optim.SGD", "sgd": "torch.optim.SGD", "adam": "torch.optim.Adam",
    "adamw": "torch.optim.AdamW", "adagrad": "torch.optim.Adagrad",
    "rmsprop": "torch.optim.RMSprop", "adadelta": "torch.optim.Adadelta",
    "adamax": "torch.optim.Adamax", "nadam": "torch.optim.NAdam", "radam": "torch.optim.RAdam",
    "lion": "lion_pytorch.Lion",
}

# (id, optimizer, hyperparameters): each optimizer's defaults, and configurations that between
# them switch on every flag and move every hyperparameter off its default.
OPTIMIZER_CONFIGS = [
    ("gd", "gd", dict(lr=1e-3)),
    ("sgd-default", "sgd", dict()),
    ("sgd-momentum", "sgd", dict(lr=1e-4, momentum=0.9)),
    ("sgd-nesterov-wd", "sgd", dict(lr=1e-4, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("sgd-dampening", "sgd", dict(lr=1e-4, momentum=0.8, dampening=0.3)),
    ("sgd-maximize", "sgd", dict(lr=2e-6, momentum=0.5, weight_decay=0.5, maximize=True)),
    ("adam-default", "adam", dict()),
    ("adam-lr", "adam", dict(lr=1e-2)),
    ("adam-amsgrad-wd-eps", "adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.1, eps=1e-3)),
    ("adam-betas-decoupled", "adam", dict(lr=1e-2, betas=(0.3, 0.7), weight_decay=0.1,
                                          decoupled_weight_decay=True)),
    ("adam-maximize", "adam", dict(lr=1e-2, maximize=True)),
    ("adamw-default", "adamw", dict()),
    ("adamw-amsgrad-wd", "adamw", dict(lr=1e-2, amsgrad=True, weight_decay=0.3)),
    ("adamw-maximize-betas-eps", "adamw", dict(lr=1e-2, betas=(0.8, 0.9), eps=1e-2,
                                               maximize=True)),
    ("adagrad-default", "adagrad", dict()),
    ("adagrad-lrdecay-wd-acc", "adagrad", dict(lr_decay=0.01, weight_decay=0.1,
                                               initial_accumulator_value=0.5)),
    ("adagrad-maximize-eps", "adagrad", dict(lr=0.05, eps=1e-2, maximize=True)),
    ("rmsprop-default", "rmsprop", dict()),
    ("rmsprop-lr", "rmsprop", dict(lr=1e-3)),
    ("rmsprop-centered-momentum-wd", "rmsprop", dict(lr=1e-3, centered=True, momentum=0.5,
                                                     weight_decay=0.1)),
    ("rmsprop-centered", "rmsprop", dict(lr=1e-3, centered=True)),
    ("rmsprop-alpha-eps-maximize", "rmsprop", dict(lr=1e-3, alpha=0.45, eps=1e-2,
                                                   maximize=True)),
    ("adadelta-default", "adadelta", dict()),
    ("adadelta-rho-wd", "adadelta", dict(rho=0.5, weight_decay=0.1)),
    ("adadelta-lr-eps-maximize", "adadelta", dict(lr=0.01, eps=1e-4, maximize=True)),
    ("adamax-default", "adamax", dict()),
    ("adamax-betas-wd", "adamax", dict(betas=(0.3, 0.8), weight_decay=0.1)),
    ("adamax-eps-maximize", "adamax", dict(lr=1e-2, eps=0.5, maximize=True)),
    ("nadam-default", "nadam", dict()),
    ("nadam-decoupled", "nadam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("nadam-wd-momentumdecay", "nadam", dict(weight_decay=0.1, momentum_decay=0.01)),
    ("nadam-betas-eps-maximize", "nadam", dict(betas=(0.5, 0.9), eps=1e-2, maximize=True)),
    ("radam-default", "radam", dict()),
    ("radam-betas", "radam", dict(lr=1e-4, betas=(0.5, 0.9))),
    ("radam-decoupled", "radam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("radam-wd-eps-maximize", "radam", dict(lr=1e-4, weight_decay=0.1, eps=1e-2,
                                            maximize=True)),
    ("lion-default", "lion", dict()),
    ("lion-betas-wd", "lion", dict(lr=1e-2, betas=(0.5, 0.8), weight_decay=0.5)),
]

# (id, optimizer, hyperparameters, schedule, schedule arguments): every schedule, each with an
# optimizer that uses the learning rate its own way (bias-corrected step sizes, lr_decay,
# decoupled weight decay 1 - lr * wd, NAdam's mu-weighted values, ...).
SCHEDULE_CONFIGS = [
    ("constant-sgd", "sgd", dict(lr=1e-4, momentum=0.9), "constant", dict()),
    ("step-adam", "adam", dict(lr=1e-2), "step", dict(step_size=30, gamma=0.5)),
    ("exponential-sgd", "sgd", dict(lr=1e-4, momentum=0.9), "exponential", dict(gamma=0.99)),
    ("cosine-rmsprop", "rmsprop", dict(lr=1e-3), "cosine", dict(T_max=20, eta_min=1e-5)),
    ("cosine-restarts-adamw", "adamw", dict(lr=1e-2, weight_decay=0.3), "cosine",
     dict(T_max=35)),
    ("cosine-warm-restarts-adagrad", "adagrad", dict(lr=0.05, lr_decay=0.01),
     "cosine_warm_restarts", dict(T_0=25, eta_min=1e-3)),
    ("cosine-warm-restarts-tmult-nadam", "nadam", dict(lr=1e-2), "cosine_warm_restarts",
     dict(T_0=10, T_mult=2)),
    ("cyclic-gd", "gd", dict(lr=1e-4), "cyclic", dict(max_lr=1e-3, step_size_up=20)),
    ("cyclic-triangular2-radam", "radam", dict(lr=1e-3), "cyclic",
     dict(max_lr=2e-2, step_size_up=15, step_size_down=35, mode="triangular2")),
    ("cyclic-exp-range-adamax", "adamax", dict(lr=1e-3), "cyclic",
     dict(max_lr=1e-2, step_size_up=10, mode="exp_range", gamma=0.99)),
    ("linear-adadelta", "adadelta", dict(), "linear", dict()),
    ("linear-factors-lion", "lion", dict(lr=1e-2), "linear",
     dict(start_factor=0.1, end_factor=0.5, total_iters=60)),
]

# Schedules on their own: the lr of every step for SCHEDULE_LR_STEPS steps from each base lr
# (the cases of tests/core/test_schedules.py, and then some).
SCHEDULE_LR_CASES = [
    ("step", dict(step_size=7)),
    ("step", dict(step_size=30, gamma=0.5)),
    ("exponential", dict(gamma=0.97)),
    ("cosine", dict(T_max=50)),
    ("cosine", dict(T_max=37, eta_min=0.001)),
    ("cosine_warm_restarts", dict(T_0=10)),
    ("cosine_warm_restarts", dict(T_0=7, T_mult=2, eta_min=0.01)),
    ("cyclic", dict(max_lr=0.5, step_size_up=13)),
    ("cyclic", dict(max_lr=0.5, step_size_up=20, step_size_down=7, mode="triangular2")),
    ("cyclic", dict(max_lr=0.3, step_size_up=9, mode="exp_range", gamma=0.99)),
    ("cyclic", dict(max_lr=0.5)),
    ("linear", dict()),
    ("linear", dict(start_factor=0.1, end_factor=0.7, total_iters=40)),
]
SCHEDULE_LR_BASES = (0.1, 0.0123)
SCHEDULE_LR_STEPS = 300

TORCH_SCHEDULERS = {
    "constant": None,  # no scheduler: the lr stays the optimizer's
    "step": "StepLR", "exponential": "ExponentialLR", "cosine": "CosineAnnealingLR",
    "cosine_warm_restarts": "CosineAnnealingWarmRestarts", "cyclic": "CyclicLR",
    "linear": "LinearLR",
}

# Hyperparameters torch rejects (ValueError) and boundary values it accepts; recorded with
# torch's verdict so that the test can hold our validation to it.
VALIDATION_CASES = [
    ("sgd", dict(lr=-1.0)), ("sgd", dict(momentum=-0.1)), ("sgd", dict(weight_decay=-0.1)),
    ("sgd", dict(nesterov=True)), ("sgd", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("adam", dict(betas=(1.0, 0.9))), ("adam", dict(betas=(0.9, -0.1))), ("adam", dict(eps=-1.0)),
    ("adamw", dict(weight_decay=-0.1)), ("adadelta", dict(rho=1.1)), ("adadelta", dict(lr=-1.0)),
    ("rmsprop", dict(alpha=-0.5)), ("rmsprop", dict(momentum=-0.5)),
    ("adagrad", dict(lr_decay=-1.0)), ("adagrad", dict(initial_accumulator_value=-1.0)),
    ("adamax", dict(betas=(0.9, 1.0))), ("nadam", dict(momentum_decay=-1.0)),
    ("radam", dict(eps=-1e-8)),
    # accepted by torch
    ("sgd", dict(lr=0.0)), ("sgd", dict(momentum=0.9, nesterov=True)),
    ("adam", dict(betas=(0.0, 0.0))), ("adadelta", dict(rho=1.0)), ("adadelta", dict(rho=0.0)),
    ("rmsprop", dict(alpha=0.0)), ("adagrad", dict(eps=0.0)), ("nadam", dict(momentum_decay=0.0)),
]


# ---------------------------------------------------------------------------------------------

def torch_class(name):
    module, cls = TORCH_CLASSES[name].rsplit(".", 1)
    return getattr({"torch.optim": torch.optim, "lion_pytorch": lion_pytorch}[module], cls)


def torch_scheduler(opt, sched_name, kw, lr):
    cls = TORCH_SCHEDULERS[sched_name]
    if cls is None:
        return None
    if sched_name == "cyclic":
        # Our cyclic schedule is CyclicLR's learning rate with the optimizer's lr as base_lr;
        # it does not cycle momentum.
        kw = dict(kw, base_lr=lr, cycle_momentum=False)
    return getattr(torch.optim.lr_scheduler, cls)(opt, **kw)


def ulps_apart(a, b):
    """|a - b| in units in the last place, for finite float64 arrays of one sign each."""
    ia = np.asarray(a, dtype=np.float64).view(np.int64)
    ib = np.asarray(b, dtype=np.float64).view(np.int64)
    oa = np.where(ia < 0, np.int64(-2**63) - ia, ia)
    ob = np.where(ib < 0, np.int64(-2**63) - ib, ib)
    return np.abs(oa - ob)


class ReplacedSqrt:
    """Within ``with``: torch's sqrt replaced by the correctly rounded one (``nudge=None``), or
    by another sqrt that is never more than one ulp from it, as torch's own: ``nudge=(rng,
    rate)`` moves each positive result one ulp up or down at random, with probability
    ``rate``. With ``nudge=None`` every call is also compared with torch's own sqrt."""

    def __init__(self, n_particles, nudge=None):
        self.n = n_particles
        self.nudge = nudge
        self.step = 0  # the optimizer step being taken (1-based), set by the caller
        self.elements = 0
        self.mismatches = 0
        self.max_ulps = 0
        self.first_mismatch = np.zeros(n_particles, dtype=np.int64)  # 0: never

    def _sqrt(self, t):
        if t.dtype != torch.float64 or tuple(t.shape) != (self.n, 2):
            raise AssertionError(f"unexpected sqrt operand {t.dtype} {tuple(t.shape)}")
        x = t.detach().numpy()
        ieee = np.sqrt(x)
        if self.nudge is not None:
            rng, rate = self.nudge
            u = rng.random(ieee.shape)
            up, down = u < rate / 2, (u >= rate / 2) & (u < rate)
            out = np.where(up & (ieee > 0), np.nextafter(ieee, np.inf), ieee)
            return torch.from_numpy(np.where(down & (ieee > 0), np.nextafter(ieee, 0.0), out))
        own = self._torch_sqrt(t.detach()).numpy()
        d = ulps_apart(own, ieee)
        if d.max() > 1:
            raise AssertionError(f"torch's sqrt is {d.max()} ulps off at step {self.step}")
        self.elements += d.size
        self.mismatches += int((d != 0).sum())
        self.max_ulps = max(self.max_ulps, int(d.max()))
        hit = (d != 0).any(axis=1) & (self.first_mismatch == 0)
        self.first_mismatch[hit] = self.step
        return torch.from_numpy(ieee)

    def __enter__(self):
        self._saved = (torch.Tensor.sqrt, torch.Tensor.sqrt_, torch.sqrt)
        self._torch_sqrt = torch.Tensor.sqrt
        replaced = self._sqrt

        def sqrt(t, *, out=None):
            return replaced(t) if out is None else out.copy_(replaced(t))

        torch.Tensor.sqrt = lambda t: replaced(t)
        torch.Tensor.sqrt_ = lambda t: t.copy_(replaced(t))
        torch.sqrt = sqrt
        return self

    def __exit__(self, *exc):
        torch.Tensor.sqrt, torch.Tensor.sqrt_, torch.sqrt = self._saved


def run_torch(surface, starts, name, hp, sched_name, sched_kw, sqrt=None):
    """(path (STEPS + 1, N, 2), lrs (STEPS,)): torch's optimizer from ``starts``."""
    param = torch.tensor(np.array(starts, dtype=np.float64), dtype=torch.float64,
                         requires_grad=True)
    opt = torch_class(name)([param], **hp)
    sched = torch_scheduler(opt, sched_name, sched_kw, hp.get("lr", opt.defaults["lr"]))
    path = [param.detach().numpy().copy()]
    lrs = []
    for step in range(1, STEPS + 1):
        if sqrt is not None:
            sqrt.step = step
        param.grad = torch.from_numpy(surface.grad(param.detach().numpy().copy()))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
        path.append(param.detach().numpy().copy())
    return np.array(path), np.array(lrs, dtype=np.float64)


# The band of paths that torch's sqrt, accurate to one ulp, allows. Each configuration is run
# again with the sqrt of a few such admissible sqrt functions: one ulp off at random in every
# call, and one ulp off at random in BAND_RATE of the calls (about torch's own rate). Per row and
# particle, the band is BAND_MARGIN times the largest distance any of them has put between
# itself and the correctly rounded run so far, and never less than BAND_MARGIN ulps of the
# particle's largest coordinate so far (a step perturbed at all can round its coordinate to the
# neighbouring float). The tool checks that torch's own run lies inside it.
BAND_RUNS = ((1.0, 11), (1.0, 12), (1.0, 13), (0.0125, 21), (0.0125, 22), (0.0125, 23))
BAND_MARGIN = 4.0


def band_exponents(deviation, path):
    """Per row and particle, the smallest k with BAND_MARGIN * (deviation so far, or one ulp of
    the largest coordinate so far) <= 2**k."""
    dev = np.maximum.accumulate(deviation.max(axis=-1), axis=0)  # (rows, N)
    ulp = np.spacing(np.maximum.accumulate(np.abs(path).max(axis=-1), axis=0))
    bound = BAND_MARGIN * np.maximum(dev, ulp)
    k = np.ceil(np.log2(bound)).astype(np.int16)
    assert (bound <= np.exp2(k.astype(np.float64))).all()
    return k


def record_config(cfg_id, name, hp, sched_name, sched_kw):
    out = dict(paths=[], torch_xor=[], first_sqrt_mismatch=[], sqrt_band=[])
    stats, lrs_all = [], None
    for sname, starts in SURFACES.items():
        surface = le.surface(sname)
        n = len(starts)
        args = (surface, starts, name, hp, sched_name, sched_kw)
        with ReplacedSqrt(n) as sq:
            ieee, lrs = run_torch(*args, sq)
        real, lrs_real = run_torch(*args)
        nudged = []
        for rate, seed in BAND_RUNS if sq.elements else ():  # no sqrt: nothing to nudge
            with ReplacedSqrt(n, (np.random.default_rng(seed), rate)) as nq:
                nudged.append(run_torch(*args, nq)[0])
        where = f"{cfg_id} on {sname}"
        for run in (ieee, real, *nudged):
            assert np.isfinite(run).all(), f"{where}: not finite"
            assert np.abs(run).max() < 1e3, f"{where}: runs away"
        assert (np.abs(ieee[-1] - ieee[0]) > 1e-3).any(axis=1).all(), f"{where}: barely moves"
        assert np.array_equal(lrs, lrs_real)
        if lrs_all is None:
            lrs_all = lrs
        assert np.array_equal(lrs, lrs_all), f"{where}: the schedule depends on the surface?"
        if sq.elements == 0:
            assert np.array_equal(ieee, real), f"{where}: no sqrt, yet the runs differ"
        for i, s in enumerate(sq.first_mismatch):
            same_until = STEPS + 1 if s == 0 else s  # rows 0 .. s-1 come before step s
            assert np.array_equal(ieee[:same_until, i], real[:same_until, i]), \
                f"{where}: the runs differ before torch's sqrt did"
        band = band_exponents(np.max([np.abs(r - ieee) for r in [ieee, *nudged]], axis=0), ieee)
        rows = ieee[::RECORD_EVERY]
        out["paths"].append(rows)
        out["torch_xor"].append(real[::RECORD_EVERY].view(np.uint64) ^ rows.view(np.uint64))
        out["first_sqrt_mismatch"].append(sq.first_mismatch)
        out["sqrt_band"].append(band[::RECORD_EVERY])
        d = np.abs(real - ieee).max(axis=-1)
        within = np.exp2(band.astype(np.float64))
        stats.append(dict(surface=sname, sqrt_elements=sq.elements,
                          sqrt_mismatches=sq.mismatches, sqrt_max_ulps=sq.max_ulps,
                          max_abs_torch_vs_ieee_path=float(d.max()),
                          max_abs_sqrt_band=float(within[-1].max()),
                          torch_within_band=bool((d <= within).all())))
    return {k: np.stack(v) for k, v in out.items()}, lrs_all, stats


def schedule_lrs(name, kw, base_lr):
    """The lr torch's scheduler gives optimizer steps 1..SCHEDULE_LR_STEPS."""
    param = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([param], lr=base_lr)
    sched = torch_scheduler(opt, name, kw, base_lr)
    out = []
    for _ in range(SCHEDULE_LR_STEPS):
        out.append(opt.param_groups[0]["lr"])
        param.grad = torch.ones(2, dtype=torch.float64)
        opt.step()
        sched.step()
    return out


def describe_default(v):
    if v is inspect.Parameter.empty:
        return {"required": True}
    if isinstance(v, tuple):
        return {"value": list(v), "type": "tuple"}
    return {"value": v, "type": type(v).__name__}


def signature_defaults(cls, skip=("self", "params", "optimizer")):
    return {k: describe_default(p.default)
            for k, p in inspect.signature(cls.__init__).parameters.items()
            if k not in skip and p.kind is not p.VAR_KEYWORD}


def torch_verdict(name, hp):
    try:
        torch_class(name)([torch.zeros(2, requires_grad=True)], **hp)
    except ValueError as e:
        return {"rejected": True, "message": str(e)}
    return {"rejected": False, "message": ""}


def git_commit():
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "landscape_explorer"], capture_output=True, text=True,
                               check=True).stdout.strip()
        return out + (" (landscape_explorer modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    configs = []
    for cfg_id, name, hp in OPTIMIZER_CONFIGS:
        configs.append(dict(id=cfg_id, optimizer=name, hyperparams=hp, schedule="constant",
                            schedule_args={}, torch_class=TORCH_CLASSES[name],
                            torch_scheduler=None))
    for cfg_id, name, hp, sched, kw in SCHEDULE_CONFIGS:
        configs.append(dict(id=cfg_id, optimizer=name, hyperparams=hp, schedule=sched,
                            schedule_args=kw, torch_class=TORCH_CLASSES[name],
                            torch_scheduler=TORCH_SCHEDULERS[sched] and
                            "torch.optim.lr_scheduler." + TORCH_SCHEDULERS[sched]))
    assert len({c["id"] for c in configs}) == len(configs)

    arrays, lrs = {}, []
    for c in configs:
        rec, lr, stats = record_config(c["id"], c["optimizer"], c["hyperparams"],
                                       c["schedule"], c["schedule_args"])
        for k, v in rec.items():
            arrays.setdefault(k, []).append(v)
        lrs.append(lr)
        c["per_surface"] = stats
        print(f"{c['id']:36s} sqrt off {sum(s['sqrt_mismatches'] for s in stats):4d}"
              f" / {sum(s['sqrt_elements'] for s in stats):5d}   |torch - ieee| "
              f"{max(s['max_abs_torch_vs_ieee_path'] for s in stats):.2g}  band "
              f"{max(s['max_abs_sqrt_band'] for s in stats):.2g}  within "
              f"{all(s['torch_within_band'] for s in stats)}", flush=True)

    outside = [f"{c['id']} on {s['surface']}" for c in configs for s in c["per_surface"]
               if not s["torch_within_band"]]
    if outside:
        raise SystemExit(f"torch's own run leaves the band of its sqrt: {', '.join(outside)}")

    probes = {}
    for sname, starts in SURFACES.items():
        (x0, x1), (y0, y1) = le.surface(sname).bounds
        gx, gy = np.meshgrid(np.linspace(x0, x1, 7), np.linspace(y0, y1, 7))
        probes[sname] = np.concatenate([np.array(starts), np.stack([gx, gy], -1).reshape(-1, 2)])
    elements = sum(s["sqrt_elements"] for c in configs for s in c["per_surface"])
    mismatches = sum(s["sqrt_mismatches"] for c in configs for s in c["per_surface"])
    meta = dict(
        about="torch reference trajectories for tests/core/test_torch_reference.py; "
              "see tools/record_torch_reference.py",
        install="pip install numpy torch==2.13.0 lion-pytorch==0.2.5 (a venv of its own)",
        command="PYTHONPATH=$PWD python " + " ".join(
            ["tools/record_torch_reference.py", *(argv if argv is not None else sys.argv[1:])]),
        recorded_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        landscape_explorer_commit=git_commit(),
        torch=torch.__version__, lion_pytorch=metadata.version("lion-pytorch"),
        numpy=np.__version__, python=platform.python_version(), machine=platform.machine(),
        torch_cpu_capability=torch.backends.cpu.get_cpu_capability(),
        steps=STEPS, record_every=RECORD_EVERY, surfaces=SURFACES,
        band=dict(runs=[dict(rate=r, seed=sd) for r, sd in BAND_RUNS], margin=BAND_MARGIN),
        sqrt=dict(elements=elements, mismatches=mismatches, max_ulps=max(
            s["sqrt_max_ulps"] for c in configs for s in c["per_surface"])),
        configs=configs,
        signatures={name: signature_defaults(torch_class(name))
                    for name in TORCH_CLASSES if name != "gd"},
        scheduler_signatures={
            s: signature_defaults(getattr(torch.optim.lr_scheduler, cls))
            for s, cls in TORCH_SCHEDULERS.items() if cls is not None},
        schedule_lr_cases=[dict(schedule=n, schedule_args=kw) for n, kw in SCHEDULE_LR_CASES],
        schedule_lr_bases=SCHEDULE_LR_BASES,
        validation=[dict(optimizer=n, hyperparams=hp, **torch_verdict(n, hp))
                    for n, hp in VALIDATION_CASES],
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),  # UTF-8 JSON
        # (configs, surfaces, rows, N, 2): the runs with the correctly rounded sqrt
        paths=np.stack(arrays["paths"]),
        # the bits of torch's own runs XOR those of ``paths`` (0 where they are the same)
        torch_xor=np.stack(arrays["torch_xor"]),
        # (configs, surfaces, N): the first step at which torch's sqrt differed (0: never)
        first_sqrt_mismatch=np.stack(arrays["first_sqrt_mismatch"]),
        # (configs, surfaces, rows, N): 2**k, the band that one-ulp sqrt errors allow (int16 k;
        # see band_exponents)
        sqrt_band=np.stack(arrays["sqrt_band"]),
        lrs=np.stack(lrs),  # (configs, STEPS): the lr torch used at steps 1..STEPS
        # (cases, bases, SCHEDULE_LR_STEPS): schedules alone, from each base lr
        schedule_lrs=np.array([[schedule_lrs(n, kw, b) for b in SCHEDULE_LR_BASES]
                               for n, kw in SCHEDULE_LR_CASES], dtype=np.float64),
        **{f"probe_xy_{s}": p for s, p in probes.items()},
        **{f"probe_grad_{s}": le.surface(s).grad(p) for s, p in probes.items()},
    )
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); torch sqrt off by one ulp in "
          f"{mismatches} of {elements} calls ({100 * mismatches / max(elements, 1):.2f} %)")


if __name__ == "__main__":
    sys.exit(main())
