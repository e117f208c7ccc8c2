"""Learning-rate schedules with torch.optim.lr_scheduler semantics (stepped once per optimizer step).

torch calls ``scheduler.step()`` after each ``optimizer.step()``, so optimizer step k (counting
from 1) uses the lr left by k - 1 scheduler steps. Where torch updates the lr recursively from
the previous one (its chainable ``get_lr``), we do the same, with the same operations in the same
order, so that the learning rates agree to the last digit, not just to the closed form.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from .validation import (ParameterError, check_choice, check_int, check_nonneg, check_positive,
                         check_real)


class _Required(str):
    """Marks a schedule parameter without a default (a str, so it stays JSON-friendly)."""

    def __repr__(self):
        return "<required>"


REQUIRED = _Required("<required>")


@dataclass(frozen=True, eq=False)
class Schedule:
    """A learning-rate schedule with its parameters fixed (made by ``schedule(name, ...)``)."""

    name: str
    params: dict  # every parameter, defaults filled in, torch names
    f_lrs: Callable  # (base_lr, params) -> endless iterator of floats, steps 1, 2, ...

    def lrs(self, base_lr: float, n: int) -> np.ndarray:
        """The lr used by optimizer steps 1..n: step k uses the lr after k-1 scheduler.step() calls."""
        return np.fromiter(self.stream(base_lr), dtype=np.float64, count=int(n))

    def stream(self, base_lr: float) -> Iterator[float]:
        """The lr of optimizer steps 1, 2, ... without end."""
        return iter(self.f_lrs(float(base_lr), self.params))

    def spec(self) -> str:
        """A call the CLI parses back into this schedule, every parameter given."""
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


# ---------------------------------------------------------------------------------------------
# The learning rates. Each yields the lr of optimizer steps 1, 2, ... without end (a generator,
# so that a run of any length is streamed in chunks, never held whole); ``last_epoch`` below is
# torch's scheduler.last_epoch (0 after construction, +1 per scheduler.step()).


def _constant_lrs(base_lr, params):
    while True:
        yield base_lr


def _step_lrs(base_lr, params):  # StepLR
    step_size, gamma = params["step_size"], params["gamma"]
    lr = base_lr
    for last_epoch in itertools.count():
        if last_epoch != 0 and last_epoch % step_size == 0:
            lr = lr * gamma
        yield lr


def _exponential_lrs(base_lr, params):  # ExponentialLR
    gamma = params["gamma"]
    lr = base_lr
    for last_epoch in itertools.count():
        if last_epoch != 0:
            lr = lr * gamma
        yield lr


def _cosine_lrs(base_lr, params):  # CosineAnnealingLR, recursive form
    T_max, eta_min = params["T_max"], params["eta_min"]
    lr = base_lr
    for last_epoch in itertools.count():
        if last_epoch == 0:
            pass
        elif (last_epoch - 1 - T_max) % (2 * T_max) == 0:
            lr = lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            lr = ((1 + math.cos(math.pi * last_epoch / T_max))
                  / (1 + math.cos(math.pi * (last_epoch - 1) / T_max))
                  * (lr - eta_min) + eta_min)
        yield lr


def _cosine_warm_restarts_lrs(base_lr, params):  # CosineAnnealingWarmRestarts
    T_0, T_mult, eta_min = params["T_0"], params["T_mult"], params["eta_min"]
    T_cur, T_i = 0, T_0
    for last_epoch in itertools.count():
        if last_epoch != 0:
            T_cur = T_cur + 1
            if T_cur >= T_i:
                T_cur = T_cur % T_i
                T_i = T_i * T_mult
        yield eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2


def _cyclic_lrs(base_lr, params):  # CyclicLR (lr only: cycle_momentum=False)
    max_lr, mode, gamma = params["max_lr"], params["mode"], params["gamma"]
    step_size_up = float(params["step_size_up"])
    down = params["step_size_down"]
    step_size_down = float(down) if down is not None else step_size_up
    total_size = step_size_up + step_size_down
    step_ratio = step_size_up / total_size
    for last_epoch in itertools.count():
        cycle = math.floor(1 + last_epoch / total_size)
        x = 1.0 + last_epoch / total_size - cycle
        if x <= step_ratio:
            scale_factor = x / step_ratio
        else:
            scale_factor = (x - 1) / (step_ratio - 1)
        base_height = (max_lr - base_lr) * scale_factor
        if mode == "triangular":
            lr = base_lr + base_height * 1.0
        elif mode == "triangular2":
            lr = base_lr + base_height * (1 / (2.0 ** (cycle - 1)))
        else:  # exp_range scales by iteration
            lr = base_lr + base_height * (gamma ** last_epoch)
        yield lr


def _linear_lrs(base_lr, params):  # LinearLR, recursive form
    start, end, total = params["start_factor"], params["end_factor"], params["total_iters"]
    lr = base_lr
    for last_epoch in itertools.count():
        if last_epoch == 0:
            lr = lr * start
        elif last_epoch <= total:
            lr = lr * (1.0 + (end - start) / (total * start + (last_epoch - 1) * (end - start)))
        yield lr


# ---------------------------------------------------------------------------------------------
# Validation: every message names the parameter and the bad value.


def _validate_constant(p):
    pass


def _validate_step(p):
    check_int("step_size", p["step_size"], 1)
    check_nonneg("gamma", p["gamma"])


def _validate_exponential(p):
    check_nonneg("gamma", p["gamma"])


def _validate_cosine(p):
    check_int("T_max", p["T_max"], 1)
    check_nonneg("eta_min", p["eta_min"])


def _validate_cosine_warm_restarts(p):
    check_int("T_0", p["T_0"], 1)
    check_int("T_mult", p["T_mult"], 1)
    check_nonneg("eta_min", p["eta_min"])


def _validate_cyclic(p):
    check_nonneg("max_lr", p["max_lr"])
    check_int("step_size_up", p["step_size_up"], 1)
    if p["step_size_down"] is not None:
        check_int("step_size_down", p["step_size_down"], 1)
    check_choice("mode", p["mode"], ("triangular", "triangular2", "exp_range"))
    if p["mode"] == "exp_range":
        # gamma ** step: above 1 it overflows within a few hundred steps
        check_real("gamma", p["gamma"], 0.0, 1.0, low_open=True)
    else:
        check_positive("gamma", p["gamma"])


def _validate_linear(p):
    check_real("start_factor", p["start_factor"], 0.0, 1.0, low_open=True)
    check_real("end_factor", p["end_factor"], 0.0, 1.0)
    check_int("total_iters", p["total_iters"], 1)


_ETA_MIN_HELP = "Smallest learning rate the cosine reaches."

# name: (f_lrs, ((param, default, help), ...), validate(params) -> None, torch class)
_REGISTRY: dict[str, tuple] = {
    "constant": (_constant_lrs, (), _validate_constant, None),
    "step": (_step_lrs, (
        ("step_size", REQUIRED, "Multiply the learning rate by gamma every step_size steps."),
        ("gamma", 0.1, "Factor applied to the learning rate every step_size steps."),
    ), _validate_step, "StepLR"),
    "exponential": (_exponential_lrs, (
        ("gamma", REQUIRED, "Factor applied to the learning rate after every step."),
    ), _validate_exponential, "ExponentialLR"),
    "cosine": (_cosine_lrs, (
        ("T_max", REQUIRED, "Steps from the initial learning rate down to eta_min (half a "
                            "cosine period)."),
        ("eta_min", 0.0, _ETA_MIN_HELP),
    ), _validate_cosine, "CosineAnnealingLR"),
    "cosine_warm_restarts": (_cosine_warm_restarts_lrs, (
        ("T_0", REQUIRED, "Steps until the first restart to the initial learning rate."),
        ("T_mult", 1, "Each period is T_mult times longer than the one before."),
        ("eta_min", 0.0, _ETA_MIN_HELP),
    ), _validate_cosine_warm_restarts, "CosineAnnealingWarmRestarts"),
    "cyclic": (_cyclic_lrs, (
        ("max_lr", REQUIRED, "Learning rate at the top of each cycle; the bottom is the "
                             "optimizer's lr."),
        ("step_size_up", 2000, "Steps from the bottom of a cycle to its top."),
        ("step_size_down", None, "Steps from the top back to the bottom (None: same as "
                                 "step_size_up)."),
        ("mode", "triangular", "'triangular' keeps the amplitude, 'triangular2' halves it "
                               "every cycle, 'exp_range' scales it by gamma**step."),
        ("gamma", 1.0, "Amplitude decay per step in 'exp_range' mode."),
    ), _validate_cyclic, "CyclicLR"),
    "linear": (_linear_lrs, (
        ("start_factor", 1.0 / 3, "The first step uses lr * start_factor."),
        ("end_factor", 1.0, "After total_iters steps the lr is lr * end_factor."),
        ("total_iters", 5, "Steps over which the factor moves linearly from start to end."),
    ), _validate_linear, "LinearLR"),
}


def schedule_names() -> list[str]:
    """The names of every schedule, sorted."""
    return sorted(_REGISTRY)


def _entry(name):
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ParameterError(
            "schedule", f"unknown schedule {name!r}; valid schedules: {', '.join(schedule_names())}"
        ) from None


def schedule_params(name: str) -> tuple:
    """((parameter, default or REQUIRED, one-sentence help), ...) for the schedule ``name``."""
    return _entry(name)[1]


def torch_scheduler_name(name: str) -> str | None:
    """The torch.optim.lr_scheduler class this schedule reproduces (None for 'constant')."""
    return _entry(name)[3]


def schedule(name: str, **kwargs: Any) -> Schedule:
    """A learning-rate schedule by name, with torch's parameter names and defaults; bad or
    missing parameters raise ``ParameterError`` naming them."""
    f_lrs, params, validate, _ = _entry(name)
    known = [p[0] for p in params]
    for k in kwargs:
        if k not in known:
            raise ParameterError(k, f"unknown parameter {k!r} for schedule {name}; valid: "
                                    f"{', '.join(known) if known else '(none)'}")
    missing = [p[0] for p in params if p[1] is REQUIRED and p[0] not in kwargs]
    if missing:
        raise ParameterError(missing[0], f"schedule {name} needs {', '.join(missing)} "
                                         "(no default)")
    values = {p[0]: kwargs.get(p[0], p[1]) for p in params}
    validate(values)
    return Schedule(name, values, f_lrs)
