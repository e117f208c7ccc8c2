"""Optimizers over (N, 2) float64 particle arrays, with torch.optim's names, defaults and equations.

Each optimizer is a pure transformation in the style of optax: ``opt.init(params)`` returns an
``OptState`` and ``opt.update(grads, state, params)`` returns ``(new_params, new_state)`` without
touching its inputs.

Under that API every optimizer is three small functions (see ``Optimizer``):

- ``init(params, hp) -> buffers`` of shape (K, N, 2), the per-coordinate state (exp_avg, ...);
- ``scalars(step, lr, hp) -> tuple of floats``: the hyperparameters and everything that depends
  only on the step number (bias corrections, the scheduled lr...), computed once per step, not
  once per particle; ``step`` counts from 1 as torch's ``state['step']`` does after increment;
- ``kernel(p, g, st, sc) -> new_p``: the update itself, elementwise. It writes the new state
  into ``st[0]``, ``st[1]``, ... and returns the new parameter. It uses only arithmetic and numpy
  ufuncs and branches only on the scalars ``sc`` (hyperparameters), never on array values, so the
  same function runs on whole arrays (``st`` is (K, N, 2)) and on scalars inside a numba loop
  (``st`` is a length-K vector, one coordinate of one particle), bit for bit the same. Kernels
  are module-level functions that close over nothing: every number they need comes through
  ``sc``, so numba compiles each kernel once, whatever the hyperparameters.

Gradient noise (``noise``) and gradient-norm clipping (``clip``) are applied by the caller
(``simulate``/``Stepper``) to the raw gradient before the update, as a minibatch gradient and
``torch.nn.utils.clip_grad_norm_`` would be.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np


class OptState(NamedTuple):
    count: int  # optimizer steps taken so far
    buffers: np.ndarray  # (K, N, 2)


@dataclass(frozen=True)
class HyperParam:
    name: str
    default: Any
    help: str  # one sentence, shown as a tooltip in the app and by `landscape-explorer list`


@dataclass(frozen=True, eq=False)
class Optimizer:
    name: str
    hyperparams: dict  # every hyperparameter, defaults filled in (torch names: lr, betas, ...)
    defn: "OptimizerDef"
    noise: float = 0.0
    clip: float | None = None
    schedule: Any = None  # schedules.Schedule or None
    _lr_cache: list = field(default_factory=list, repr=False, compare=False)

    @property
    def n_state(self) -> int:
        return self.defn.n_state

    @property
    def kernel(self) -> Callable:
        return self.defn.kernel

    @property
    def lr(self) -> float:
        return float(self.hyperparams["lr"])

    def lrs(self, start: int, count: int) -> np.ndarray:
        """Learning rates for optimizer steps start+1 .. start+count (torch: the scheduler steps
        once after each optimizer step)."""
        if self.schedule is None:
            return np.full(count, self.lr)
        need = start + count
        if len(self._lr_cache) < need:
            n = max(need, 2 * len(self._lr_cache), 256)
            self._lr_cache[:] = list(self.schedule.lrs(self.lr, n))
        return np.asarray(self._lr_cache[start:need], dtype=np.float64)

    def scalars(self, step: int, lr: float) -> np.ndarray:
        return np.asarray(self.defn.scalars(step, lr, self.hyperparams), dtype=np.float64)

    def init(self, params) -> OptState:
        params = np.asarray(params, dtype=np.float64)
        return OptState(0, np.asarray(self.defn.init(params, self.hyperparams), dtype=np.float64).reshape(
            (self.n_state,) + params.shape))

    def update(self, grads, state: OptState, params, ctx=None) -> tuple[np.ndarray, OptState]:
        """One step. ``ctx`` (see OptimizerDef.step) is needed only by non-elementwise optimizers."""
        params = np.asarray(params, dtype=np.float64)
        grads = np.asarray(grads, dtype=np.float64)
        buffers = state.buffers.copy()
        step = state.count + 1
        sc = self.scalars(step, self.lrs(state.count, 1)[0])
        with np.errstate(all="ignore"):
            if self.defn.kernel is not None:
                new = self.defn.kernel(params, grads, buffers, sc)
            else:
                if ctx is None:
                    raise ValueError(f"{self.name} needs a context (surface and rng) to step")
                new = self.defn.step(params.copy(), grads, buffers, sc, ctx)
        return np.asarray(new, dtype=np.float64), OptState(step, buffers)

    def with_hyperparams(self, **changes) -> "Optimizer":
        """A new optimizer of the same kind with some hyperparameters changed (validated)."""
        kw = {k: v for k, v in self.hyperparams.items()}
        kw.update(noise=self.noise, clip=self.clip, schedule=self.schedule)
        kw.update(changes)
        return optimizer(self.name, **kw)

    def spec(self) -> str:
        """A call that `optimizer_from_spec` parses back into this optimizer."""
        args = [f"{k}={v!r}" for k, v in self.hyperparams.items()]
        if self.noise:
            args.append(f"noise={self.noise!r}")
        if self.clip is not None:
            args.append(f"clip={self.clip!r}")
        return f"{self.name}({', '.join(args)})"


@dataclass(frozen=True)
class OptimizerDef:
    name: str
    title: str
    description: str
    params: tuple[HyperParam, ...]
    validate: Callable  # (**hyperparams) -> None, raises ValueError naming the parameter
    n_state: int
    init: Callable  # (params (N, 2), hp dict) -> buffers (K, N, 2)
    scalars: Callable  # (step >= 1, lr, hp dict) -> tuple of floats
    kernel: Callable | None  # (p, g, st, sc) -> new p; see module docstring
    # Optimizers that are not elementwise (they need the loss, random numbers or the whole
    # gradient vector: annealing, perturbed GD, Langevin dynamics) give ``step`` instead of
    # ``kernel``: step(p, g, st, sc, ctx) -> new p, with p, g (N, 2), st (K, N, 2) updated in
    # place, and ctx.value(xy) -> (N,) the loss, ctx.grad(xy) -> (N, 2), ctx.rng a seeded
    # numpy Generator. They run on the numpy path only.
    step: Callable | None = None


_REGISTRY: dict[str, OptimizerDef] = {}

COMMON_PARAMS = (
    HyperParam("noise", 0.0, "Standard deviation of Gaussian noise added to each gradient "
               "component, seeded: models the noise of a minibatch gradient."),
    HyperParam("clip", None, "If set, gradients whose norm exceeds this value are rescaled to "
               "it, as torch.nn.utils.clip_grad_norm_ does."),
    HyperParam("schedule", None, "Learning-rate schedule stepped once per optimizer step, "
               "with torch.optim.lr_scheduler semantics."),
)


def register(defn: OptimizerDef) -> OptimizerDef:
    _REGISTRY[defn.name] = defn
    return defn


def optimizer_names() -> list[str]:
    return sorted(_REGISTRY)


def optimizer_def(name: str) -> OptimizerDef:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown optimizer {name!r}; valid optimizers: {', '.join(optimizer_names())}"
        ) from None


def optimizer(name: str, **kwargs) -> Optimizer:
    defn = optimizer_def(name)
    noise = kwargs.pop("noise", 0.0)
    clip = kwargs.pop("clip", None)
    schedule = kwargs.pop("schedule", None)
    known = {p.name for p in defn.params}
    for k in kwargs:
        if k not in known:
            raise ValueError(
                f"unknown hyperparameter {k!r} for {name}; valid: "
                f"{', '.join([p.name for p in defn.params] + [p.name for p in COMMON_PARAMS])}"
            )
    hp = {p.name: kwargs.get(p.name, p.default) for p in defn.params}
    check_nonneg_number("noise", noise)
    if clip is not None:
        check_positive_number("clip", clip)
    if schedule is not None:
        from .schedules import Schedule

        if not isinstance(schedule, Schedule):
            raise ValueError(f"schedule must be a Schedule (le.schedule(...)), got {schedule!r}")
    defn.validate(**hp)
    return Optimizer(defn.name, hp, defn, float(noise), None if clip is None else float(clip),
                     schedule)


# ---------------------------------------------------------------------------------------------
# Validation helpers: every message names the parameter and the bad value.


def _is_real(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def check_nonneg_number(name, v):
    if not _is_real(v) or not math.isfinite(v) or v < 0:
        raise ValueError(f"invalid {name}: {v!r} (must be a finite number >= 0)")


def check_positive_number(name, v):
    if not _is_real(v) or not math.isfinite(v) or v <= 0:
        raise ValueError(f"invalid {name}: {v!r} (must be a finite number > 0)")


def check_unit_interval(name, v):
    """0 <= v < 1, as torch requires of betas."""
    if not _is_real(v) or not (0.0 <= v < 1.0):
        raise ValueError(f"invalid {name}: {v!r} (must be in [0, 1))")


def check_bool(name, v):
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"invalid {name}: {v!r} (must be True or False)")


# ---------------------------------------------------------------------------------------------
# gd: plain gradient descent, p <- p - lr * g.


def _gd_validate(lr):
    check_nonneg_number("lr", lr)


def no_state(p, hp):
    return np.zeros((0,) + np.shape(p))


def _gd_scalars(step, lr, hp):
    return (lr,)


def _gd_kernel(p, g, st, sc):
    return p - sc[0] * g


register(OptimizerDef(
    name="gd", title="Gradient descent",
    description="Plain gradient descent: step against the gradient, scaled by the learning rate.",
    params=(HyperParam("lr", 0.01, "Learning rate: the step is lr times the gradient."),),
    validate=_gd_validate, n_state=0, init=no_state, scalars=_gd_scalars, kernel=_gd_kernel,
))
