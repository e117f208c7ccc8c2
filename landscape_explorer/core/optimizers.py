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
  into ``st[0]``, ``st[1]``, ... and returns the new parameter. It uses only arithmetic, numpy
  ufuncs and ``_fma(a, b, c)`` (a * b + c rounded once, wherever torch's own kernels fuse: see
  "Fused multiply-add" below; numba-compiled code needs ``prepare_numba()`` first, which
  ``Optimizer.kernel`` does by itself once numba is loaded), and
  branches only on the scalars ``sc`` (hyperparameters), never on array values, so the
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
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np


class OptState(NamedTuple):
    count: int  # optimizer steps taken so far
    buffers: np.ndarray  # (K, N, 2)


@dataclass(frozen=True)
class HyperParam:
    """One hyperparameter: its torch name and default, and what the app needs to build a control
    for it and the factory needs to validate it."""

    name: str
    default: Any
    help: str  # one sentence, shown as a tooltip in the app and by `landscape-explorer list`
    kind: str = "float"  # widget and validation kind: "float" | "int" | "bool" | "pair"
    low: float | None = None  # valid range (None: unbounded on that side)
    high: float | None = None
    low_open: bool = False  # True: the value must be > low (else >= low)
    high_open: bool = False  # True: the value must be < high (else <= high)
    scale: str = "linear"  # "log" | "linear": how a slider maps onto the value
    typical: tuple[float, float] | None = None  # a slider's span; the valid range may be wider


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
        if "numba" in sys.modules:  # whoever asks for the kernel may be about to compile it
            prepare_numba()
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
                new = self.kernel(params, grads, buffers, sc)
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
        """A call that the CLI parses back into this optimizer: lr and every hyperparameter that
        differs from its default (the schedule is given by ``schedule.spec()``)."""
        defaults = {p.name: p.default for p in self.defn.params}
        args = [f"{k}={v!r}" for k, v in self.hyperparams.items()
                if k == "lr" or v != defaults.get(k)]
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
    state_names: tuple[str, ...] = ()  # one per buffer, torch's names (exp_avg, exp_avg_sq, ...)
    velocity: str | None = None  # the buffer that is a velocity / momentum (step arrows), if any
    rule: str = ""  # the update rule in one or two lines of math, shown in the app


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
    # JSON gives lists where torch takes tuples (betas)
    hp = {k: tuple(v) if isinstance(v, list) else v for k, v in hp.items()}
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


def is_real(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def check_nonneg_number(name, v):
    if not is_real(v) or not math.isfinite(v) or v < 0:
        raise ValueError(f"invalid {name}: {v!r} (must be a finite number >= 0)")


def check_positive_number(name, v):
    if not is_real(v) or not math.isfinite(v) or v <= 0:
        raise ValueError(f"invalid {name}: {v!r} (must be a finite number > 0)")


def check_unit_interval(name, v):
    """0 <= v < 1, as torch requires of betas."""
    if not is_real(v) or not (0.0 <= v < 1.0):
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
    return _fma(-sc[0], g, p)  # as torch's param.add_(grad, alpha=-lr)


register(OptimizerDef(
    name="gd", title="Gradient descent",
    description="Plain gradient descent: step against the gradient, scaled by the learning rate.",
    params=(HyperParam("lr", 0.01, "Learning rate: the step is lr times the gradient."),),
    validate=_gd_validate, n_state=0, init=no_state, scalars=_gd_scalars, kernel=_gd_kernel,
))


# ---------------------------------------------------------------------------------------------
# Fused multiply-add. torch's CPU kernels compute ``add(alpha=)``, ``addcmul`` and ``lerp`` with
# one rounding (an FMA instruction: ATen's vec::fmadd, and compiler contraction in the scalar
# tails), so a bit-exact copy needs a * b + c rounded once. numpy has no fma ufunc, so on the
# numpy path it is emulated exactly (Boldo & Melquiond, "Emulation of FMA and correctly rounded
# sums: proved algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008); once numba
# is loaded, a compiled ufunc over LLVM's llvm.fma.f64 takes its place, on both paths.

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant


def fma_emulated(a, b, c):
    """a * b + c with a single rounding, elementwise, in plain numpy.

    Exact for all finite inputs whose product neither overflows nor falls below ~1e-290
    (Veltkamp/Dekker's exact product); where it does, the result is non-finite or off by a
    subnormal amount, a particle that is diverging or standing still either way.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    scalar = a.ndim == b.ndim == c.ndim == 0
    if scalar:
        c = c.reshape(1)  # the rounding to odd below edits an array's bits in place
    with np.errstate(all="ignore"):
        uh = a * b  # a * b = uh + ul exactly (Veltkamp's split, Dekker's product)
        t = _SPLIT * a
        ah = t - (t - a)
        al = a - ah
        t = _SPLIT * b
        bh = t - (t - b)
        bl = b - bh
        ul = ah * bh
        ul -= uh
        ul += ah * bl
        ul += al * bh
        ul += al * bl
        th = c + uh  # c + uh = th + tl exactly (Knuth's TwoSum)
        z = th - c
        tl = c - (th - z)
        tl += uh - z
        v = tl + ul  # tl + ul rounded to odd: TwoSum, then off an even neighbour toward e
        z = v - tl
        e = tl - (v - z)
        e += ul - z
        bits = v.view(np.int64)
        bits += ((e != 0) & ((bits & 1) == 0)) * (1 - 2 * ((e < 0) ^ (v < 0)))
        out = th + v
        # Where the error-free transformations break down (inf, nan, overflow) the result is
        # non-finite either way; give the plain expression's.
        bad = ~np.isfinite(out)
        if bad.any():
            out = np.where(bad, a * b + c, out)
    return out[0] if scalar else out


_fma = fma_emulated  # kernels call this name; prepare_numba() swaps in the compiled ufunc
_NUMBA_FMA = None


def prepare_numba():
    """Make the kernels compilable by numba (imports numba). Optimizer.kernel calls this itself
    whenever numba is already loaded; call it before ``numba.njit(defn.kernel)`` otherwise."""
    global _fma, _NUMBA_FMA
    if _NUMBA_FMA is not None:
        _fma = _NUMBA_FMA
        return _NUMBA_FMA
    import numba
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def _llvm_fma(typingctx, a, b, c):
        sig = types.float64(types.float64, types.float64, types.float64)

        def codegen(context, builder, signature, args):
            d = ir.DoubleType()
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d, d]),
                                                "llvm.fma.f64")
            return builder.call(fn, list(args))

        return sig, codegen

    @numba.vectorize(["float64(float64, float64, float64)"], nopython=True)
    def fma(a, b, c):
        return _llvm_fma(a, b, c)

    _NUMBA_FMA = _fma = fma
    return fma


# ---------------------------------------------------------------------------------------------
# torch.optim optimizers. Each kernel follows the operation order of torch's single-tensor
# implementation (torch/optim/<name>.py, ``_single_tensor_<name>``), which is what torch runs on
# CPU by default, so that the rounding matches. torch's fused ops unfold as (fma: one rounding):
#   t.add_(o, alpha=a)              -> fma(a, o, t)
#   t.addcmul_(a, b, value=v)       -> fma(v * a, b, t)
#   t.addcdiv_(a, b, value=v)       -> t + v * a / b
#   t.lerp_(end, w)                 -> fma(w, end - t, t) if |w| < 0.5 else fma(w - 1, end - t, end)
# Flags and derived numbers travel as floats in ``sc``; kernels branch only on them.


def check_in_range(name, v, lo, hi, hi_open=False):
    ok = is_real(v) and lo <= v and (v < hi if hi_open else v <= hi)
    if not ok:
        raise ValueError(f"invalid {name}: {v!r} (must be in [{lo}, {hi}{')' if hi_open else ']'})")


def check_betas(v):
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise ValueError(f"invalid betas: {v!r} (must be a pair (beta1, beta2))")
    for i, b in enumerate(v):
        if not is_real(b) or not (0.0 <= b < 1.0):
            raise ValueError(f"invalid betas[{i}]: {b!r} in betas={tuple(v)!r} (must be in [0, 1))")


def _flag(v) -> float:
    return 1.0 if v else 0.0


def _state_zeros(k):
    def init(p, hp):
        return np.zeros((k,) + np.shape(p))
    init.__name__ = f"zeros_{k}"
    return init


_MAXIMIZE = HyperParam("maximize", False, "If True, climb the surface: step along the gradient "
                       "instead of against it.")
_LR_HELP = "Learning rate: the scale of each step."
_EPS_HELP = "Added to the denominator to keep the step finite where the gradient history is zero."
_WD_HELP = "L2 penalty: weight_decay times the parameter is added to the gradient."
_BETAS_HELP = ("Coefficients (beta1, beta2) of the running averages of the gradient and of its "
               "square.")


# --- sgd --------------------------------------------------------------------------------------

def _sgd_validate(lr, momentum, dampening, weight_decay, nesterov, maximize):
    check_nonneg_number("lr", lr)
    check_nonneg_number("momentum", momentum)
    check_nonneg_number("dampening", dampening)
    check_nonneg_number("weight_decay", weight_decay)
    check_bool("nesterov", nesterov)
    check_bool("maximize", maximize)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(f"invalid nesterov: True with momentum={momentum!r}, dampening="
                         f"{dampening!r} (Nesterov momentum requires a momentum and zero dampening)")


def _sgd_scalars(step, lr, hp):
    return (lr, hp["momentum"], 1 - hp["dampening"], hp["weight_decay"], _flag(hp["nesterov"]),
            _flag(hp["maximize"]), _flag(step == 1))


def _sgd_kernel(p, g, st, sc):
    if sc[5] != 0.0:
        g = -g
    if sc[3] != 0.0:
        g = _fma(sc[3], p, g)
    if sc[1] != 0.0:
        if sc[6] != 0.0:
            st[0] = g  # torch: the buffer starts as a copy of the first gradient
        else:
            st[0] = _fma(sc[2], g, st[0] * sc[1])
        if sc[4] != 0.0:
            g = _fma(sc[1], st[0], g)
        else:
            g = st[0]
    return _fma(-sc[0], g, p)


register(OptimizerDef(
    name="sgd", title="SGD",
    description="Stochastic gradient descent (torch.optim.SGD), with optional heavy-ball or "
                "Nesterov momentum and weight decay.",
    params=(
        HyperParam("lr", 0.001, _LR_HELP),
        HyperParam("momentum", 0.0, "Momentum factor: how much of the previous step is kept "
                   "(0 disables momentum)."),
        HyperParam("dampening", 0.0, "Dampening for momentum: scales down the new gradient "
                   "added to the momentum buffer."),
        HyperParam("weight_decay", 0.0, _WD_HELP),
        HyperParam("nesterov", False, "Use Nesterov momentum: evaluate the step after the "
                   "momentum look-ahead."),
        _MAXIMIZE,
    ),
    validate=_sgd_validate, n_state=1, init=_state_zeros(1), scalars=_sgd_scalars,
    kernel=_sgd_kernel,
))


# --- adam / adamw -----------------------------------------------------------------------------
# sc: 0 lr, 1 beta1, 2 beta2, 3 eps, 4 weight_decay, 5 amsgrad, 6 maximize, 7 decoupled,
#     8 1-beta1 (lerp weight), 9 1-beta2, 10 step_size, 11 bias_correction2_sqrt,
#     12 1-lr*weight_decay


def _adam_validate(lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay=True):
    check_nonneg_number("lr", lr)
    check_betas(betas)
    check_nonneg_number("eps", eps)
    check_nonneg_number("weight_decay", weight_decay)
    check_bool("amsgrad", amsgrad)
    check_bool("maximize", maximize)
    check_bool("decoupled_weight_decay", decoupled_weight_decay)


def _adam_scalars_impl(step, lr, hp, decoupled):
    beta1, beta2 = hp["betas"]
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    wd = hp["weight_decay"]
    return (lr, beta1, beta2, hp["eps"], wd, _flag(hp["amsgrad"]), _flag(hp["maximize"]),
            _flag(decoupled), 1 - beta1, 1 - beta2, step_size, bias_correction2_sqrt,
            1 - lr * wd)


def _adam_scalars(step, lr, hp):
    return _adam_scalars_impl(step, lr, hp, hp["decoupled_weight_decay"])


def _adamw_scalars(step, lr, hp):
    return _adam_scalars_impl(step, lr, hp, True)


def _adam_kernel(p, g, st, sc):
    if sc[6] != 0.0:
        g = -g
    if sc[4] != 0.0:
        if sc[7] != 0.0:
            p = p * sc[12]
        else:
            g = _fma(sc[4], p, g)
    w = sc[8]
    if w < 0.5:
        st[0] = _fma(w, g - st[0], st[0])
    else:
        st[0] = _fma(w - 1.0, g - st[0], g)
    st[1] = _fma(sc[9] * g, g, st[1] * sc[2])
    if sc[5] != 0.0:
        st[2] = np.maximum(st[2], st[1])
        denom = np.sqrt(st[2]) / sc[11] + sc[3]
    else:
        denom = np.sqrt(st[1]) / sc[11] + sc[3]
    return p + (-sc[10]) * st[0] / denom


_ADAM_COMMON = (
    HyperParam("betas", (0.9, 0.999), _BETAS_HELP),
    HyperParam("eps", 1e-8, _EPS_HELP),
)

register(OptimizerDef(
    name="adam", title="Adam",
    description="Adam (torch.optim.Adam): steps scaled by running averages of the gradient and "
                "its square, with bias correction.",
    params=(
        HyperParam("lr", 0.001, _LR_HELP),
        *_ADAM_COMMON,
        HyperParam("weight_decay", 0.0, _WD_HELP),
        HyperParam("amsgrad", False, "Use AMSGrad: normalize by the largest second-moment "
                   "average seen so far."),
        _MAXIMIZE,
        HyperParam("decoupled_weight_decay", False, "If True, shrink the parameter directly "
                   "(AdamW) instead of adding weight decay to the gradient."),
    ),
    validate=_adam_validate, n_state=3, init=_state_zeros(3), scalars=_adam_scalars,
    kernel=_adam_kernel,
))

register(OptimizerDef(
    name="adamw", title="AdamW",
    description="AdamW (torch.optim.AdamW): Adam with decoupled weight decay that shrinks the "
                "parameters directly.",
    params=(
        HyperParam("lr", 0.001, _LR_HELP),
        *_ADAM_COMMON,
        HyperParam("weight_decay", 0.01, "Decoupled weight decay: each step multiplies the "
                   "parameter by (1 - lr * weight_decay)."),
        HyperParam("amsgrad", False, "Use AMSGrad: normalize by the largest second-moment "
                   "average seen so far."),
        _MAXIMIZE,
    ),
    validate=_adam_validate, n_state=3, init=_state_zeros(3), scalars=_adamw_scalars,
    kernel=_adam_kernel,
))


# --- adagrad ----------------------------------------------------------------------------------
# sc: 0 clr, 1 weight_decay, 2 eps, 3 maximize

def _adagrad_validate(lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize):
    check_nonneg_number("lr", lr)
    check_nonneg_number("lr_decay", lr_decay)
    check_nonneg_number("weight_decay", weight_decay)
    check_nonneg_number("initial_accumulator_value", initial_accumulator_value)
    check_nonneg_number("eps", eps)
    check_bool("maximize", maximize)


def _adagrad_init(p, hp):
    return np.full((1,) + np.shape(p), float(hp["initial_accumulator_value"]))


def _adagrad_scalars(step, lr, hp):
    clr = lr / (1 + (step - 1) * hp["lr_decay"])
    return (clr, hp["weight_decay"], hp["eps"], _flag(hp["maximize"]))


def _adagrad_kernel(p, g, st, sc):
    if sc[3] != 0.0:
        g = -g
    if sc[1] != 0.0:
        g = _fma(sc[1], p, g)
    st[0] = _fma(1.0 * g, g, st[0])
    std = np.sqrt(st[0]) + sc[2]
    return p + (-sc[0]) * g / std


register(OptimizerDef(
    name="adagrad", title="Adagrad",
    description="Adagrad (torch.optim.Adagrad): each coordinate's step shrinks with the sum "
                "of its squared gradients.",
    params=(
        HyperParam("lr", 0.01, _LR_HELP),
        HyperParam("lr_decay", 0.0, "Learning-rate decay: step t uses lr / (1 + (t - 1) * "
                   "lr_decay)."),
        HyperParam("weight_decay", 0.0, _WD_HELP),
        HyperParam("initial_accumulator_value", 0.0, "Starting value of the sum of squared "
                   "gradients."),
        HyperParam("eps", 1e-10, _EPS_HELP),
        _MAXIMIZE,
    ),
    validate=_adagrad_validate, n_state=1, init=_adagrad_init, scalars=_adagrad_scalars,
    kernel=_adagrad_kernel,
))


# --- rmsprop ----------------------------------------------------------------------------------
# sc: 0 lr, 1 alpha, 2 eps, 3 weight_decay, 4 momentum, 5 centered, 6 maximize, 7 1-alpha
# state: square_avg, grad_avg, momentum_buffer

def _rmsprop_validate(lr, alpha, eps, weight_decay, momentum, centered, maximize):
    check_nonneg_number("lr", lr)
    check_nonneg_number("alpha", alpha)
    check_nonneg_number("eps", eps)
    check_nonneg_number("weight_decay", weight_decay)
    check_nonneg_number("momentum", momentum)
    check_bool("centered", centered)
    check_bool("maximize", maximize)


def _rmsprop_scalars(step, lr, hp):
    alpha = hp["alpha"]
    return (lr, alpha, hp["eps"], hp["weight_decay"], hp["momentum"], _flag(hp["centered"]),
            _flag(hp["maximize"]), 1 - alpha)


def _rmsprop_kernel(p, g, st, sc):
    if sc[6] != 0.0:
        g = -g
    if sc[3] != 0.0:
        g = _fma(sc[3], p, g)
    st[0] = _fma(sc[7] * g, g, st[0] * sc[1])
    if sc[5] != 0.0:
        w = sc[7]
        if w < 0.5:
            st[1] = _fma(w, g - st[1], st[1])
        else:
            st[1] = _fma(w - 1.0, g - st[1], g)
        avg = np.sqrt(_fma(-1.0 * st[1], st[1], st[0]))
    else:
        avg = np.sqrt(st[0])
    avg = avg + sc[2]
    if sc[4] > 0.0:
        st[2] = st[2] * sc[4] + 1.0 * g / avg
        return _fma(-sc[0], st[2], p)
    return p + (-sc[0]) * g / avg


register(OptimizerDef(
    name="rmsprop", title="RMSprop",
    description="RMSprop (torch.optim.RMSprop): steps divided by a running root-mean-square "
                "of recent gradients.",
    params=(
        HyperParam("lr", 0.01, _LR_HELP),
        HyperParam("alpha", 0.99, "Smoothing constant of the running average of squared "
                   "gradients."),
        HyperParam("eps", 1e-8, _EPS_HELP),
        HyperParam("weight_decay", 0.0, _WD_HELP),
        HyperParam("momentum", 0.0, "Momentum factor applied to the normalized step (0 "
                   "disables momentum)."),
        HyperParam("centered", False, "If True, normalize by the estimated variance of the "
                   "gradient instead of its raw second moment."),
        _MAXIMIZE,
    ),
    validate=_rmsprop_validate, n_state=3, init=_state_zeros(3), scalars=_rmsprop_scalars,
    kernel=_rmsprop_kernel,
))


# --- adadelta ---------------------------------------------------------------------------------
# sc: 0 lr, 1 rho, 2 eps, 3 weight_decay, 4 maximize, 5 1-rho
# state: square_avg, acc_delta

def _adadelta_validate(lr, rho, eps, weight_decay, maximize):
    check_nonneg_number("lr", lr)
    check_in_range("rho", rho, 0.0, 1.0)
    check_nonneg_number("eps", eps)
    check_nonneg_number("weight_decay", weight_decay)
    check_bool("maximize", maximize)


def _adadelta_scalars(step, lr, hp):
    rho = hp["rho"]
    return (lr, rho, hp["eps"], hp["weight_decay"], _flag(hp["maximize"]), 1 - rho)


def _adadelta_kernel(p, g, st, sc):
    if sc[4] != 0.0:
        g = -g
    if sc[3] != 0.0:
        g = _fma(sc[3], p, g)
    st[0] = _fma(sc[5] * g, g, st[0] * sc[1])
    std = np.sqrt(st[0] + sc[2])
    delta = np.sqrt(st[1] + sc[2]) / std * g
    st[1] = _fma(sc[5] * delta, delta, st[1] * sc[1])
    return _fma(-sc[0], delta, p)


register(OptimizerDef(
    name="adadelta", title="Adadelta",
    description="Adadelta (torch.optim.Adadelta): steps sized by the ratio of running RMS of "
                "past steps to running RMS of gradients.",
    params=(
        HyperParam("lr", 1.0, "Coefficient that scales the step before it is applied."),
        HyperParam("rho", 0.9, "Smoothing constant of the running averages of squared "
                   "gradients and squared steps."),
        HyperParam("eps", 1e-6, "Added inside the square roots; also sets the size of the "
                   "very first steps."),
        HyperParam("weight_decay", 0.0, _WD_HELP),
        _MAXIMIZE,
    ),
    validate=_adadelta_validate, n_state=2, init=_state_zeros(2), scalars=_adadelta_scalars,
    kernel=_adadelta_kernel,
))


# --- adamax -----------------------------------------------------------------------------------
# sc: 0 clr, 1 beta1, 2 beta2, 3 eps, 4 weight_decay, 5 maximize, 6 1-beta1
# state: exp_avg, exp_inf

def _adamax_validate(lr, betas, eps, weight_decay, maximize):
    check_nonneg_number("lr", lr)
    check_betas(betas)
    check_nonneg_number("eps", eps)
    check_nonneg_number("weight_decay", weight_decay)
    check_bool("maximize", maximize)


def _adamax_scalars(step, lr, hp):
    beta1, beta2 = hp["betas"]
    bias_correction = 1 - beta1 ** step
    clr = lr / bias_correction
    return (clr, beta1, beta2, hp["eps"], hp["weight_decay"], _flag(hp["maximize"]), 1 - beta1)


def _adamax_kernel(p, g, st, sc):
    if sc[5] != 0.0:
        g = -g
    if sc[4] != 0.0:
        g = _fma(sc[4], p, g)
    w = sc[6]
    if w < 0.5:
        st[0] = _fma(w, g - st[0], st[0])
    else:
        st[0] = _fma(w - 1.0, g - st[0], g)
    st[1] = np.maximum(st[1] * sc[2], np.abs(g) + sc[3])
    return p + (-sc[0]) * st[0] / st[1]


register(OptimizerDef(
    name="adamax", title="Adamax",
    description="Adamax (torch.optim.Adamax): Adam with the running RMS replaced by a decaying "
                "maximum of gradient magnitudes.",
    params=(
        HyperParam("lr", 0.002, _LR_HELP),
        HyperParam("betas", (0.9, 0.999), "Coefficients (beta1, beta2) of the running average "
                   "of the gradient and of the decaying maximum of its magnitude."),
        HyperParam("eps", 1e-8, _EPS_HELP),
        HyperParam("weight_decay", 0.0, _WD_HELP),
        _MAXIMIZE,
    ),
    validate=_adamax_validate, n_state=2, init=_state_zeros(2), scalars=_adamax_scalars,
    kernel=_adamax_kernel,
))


# --- nadam ------------------------------------------------------------------------------------
# sc: 0 weight_decay, 1 decoupled, 2 maximize, 3 1-beta1, 4 beta2, 5 1-beta2, 6 bias_correction2,
#     7 eps, 8 value for grad, 9 value for exp_avg, 10 1-lr*weight_decay
# state: exp_avg, exp_avg_sq
#
# torch keeps mu_product as a 0-d tensor of torch's scalar dtype: float32 unless the default
# dtype is float64. We follow the default (float32), so the product is rounded to float32 after
# every multiplication, as torch does.

_MU_PRODUCTS: dict = {}


def _nadam_mu(beta1, momentum_decay, step):
    return beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))


def _nadam_mu_product(beta1, momentum_decay, step):
    """mu_1 * ... * mu_step with torch's float32 rounding; cached, as it only grows."""
    key = (float(beta1), float(momentum_decay))
    seq = _MU_PRODUCTS.setdefault(key, [1.0])
    while len(seq) <= step:
        t = len(seq)
        mu = _nadam_mu(beta1, momentum_decay, float(t))
        seq.append(float(np.float32(np.float32(seq[-1]) * np.float32(mu))))
    return seq[step]


def _nadam_validate(lr, betas, eps, weight_decay, momentum_decay, decoupled_weight_decay,
                    maximize):
    check_nonneg_number("lr", lr)
    check_betas(betas)
    check_nonneg_number("eps", eps)
    check_nonneg_number("weight_decay", weight_decay)
    check_nonneg_number("momentum_decay", momentum_decay)
    check_bool("decoupled_weight_decay", decoupled_weight_decay)
    check_bool("maximize", maximize)


def _nadam_scalars(step, lr, hp):
    beta1, beta2 = hp["betas"]
    md = hp["momentum_decay"]
    step = float(step)
    bias_correction2 = 1 - beta2 ** step
    mu = _nadam_mu(beta1, md, step)
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
    mu_product = _nadam_mu_product(beta1, md, int(step))
    mu_product_next = mu_product * mu_next
    v_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
    v_avg = (-lr * mu_next) / (1.0 - mu_product_next)
    wd = hp["weight_decay"]
    return (wd, _flag(hp["decoupled_weight_decay"]), _flag(hp["maximize"]), 1 - beta1, beta2,
            1 - beta2, bias_correction2, hp["eps"], v_grad, v_avg, 1 - lr * wd)


def _nadam_kernel(p, g, st, sc):
    if sc[2] != 0.0:
        g = -g
    if sc[0] != 0.0:
        if sc[1] != 0.0:
            p = p * sc[10]
        else:
            g = _fma(sc[0], p, g)
    w = sc[3]
    if w < 0.5:
        st[0] = _fma(w, g - st[0], st[0])
    else:
        st[0] = _fma(w - 1.0, g - st[0], g)
    st[1] = _fma(sc[5] * g, g, st[1] * sc[4])
    denom = np.sqrt(st[1] / sc[6]) + sc[7]
    p = p + sc[8] * g / denom
    return p + sc[9] * st[0] / denom


register(OptimizerDef(
    name="nadam", title="NAdam",
    description="NAdam (torch.optim.NAdam): Adam with Nesterov momentum and a momentum "
                "schedule that warms up over the first steps.",
    params=(
        HyperParam("lr", 0.002, _LR_HELP),
        *_ADAM_COMMON,
        HyperParam("weight_decay", 0.0, _WD_HELP),
        HyperParam("momentum_decay", 0.004, "Sets how fast the momentum coefficient mu_t "
                   "approaches beta1."),
        HyperParam("decoupled_weight_decay", False, "If True, shrink the parameter directly "
                   "(as AdamW) instead of adding weight decay to the gradient."),
        _MAXIMIZE,
    ),
    validate=_nadam_validate, n_state=2, init=_state_zeros(2), scalars=_nadam_scalars,
    kernel=_nadam_kernel,
))


# --- radam ------------------------------------------------------------------------------------
# sc: 0 lr, 1 weight_decay, 2 decoupled, 3 maximize, 4 1-beta1, 5 beta2, 6 1-beta2,
#     7 bias_correction1, 8 bias_correction2**0.5, 9 eps, 10 rectify (rho_t > 5), 11 rect,
#     12 1-lr*weight_decay
# state: exp_avg, exp_avg_sq

def _radam_validate(lr, betas, eps, weight_decay, decoupled_weight_decay, maximize):
    check_nonneg_number("lr", lr)
    check_betas(betas)
    check_nonneg_number("eps", eps)
    check_nonneg_number("weight_decay", weight_decay)
    check_bool("decoupled_weight_decay", decoupled_weight_decay)
    check_bool("maximize", maximize)


def _radam_scalars(step, lr, hp):
    beta1, beta2 = hp["betas"]
    step = float(step)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        rectify = 1.0
    else:
        rect, rectify = 0.0, 0.0
    wd = hp["weight_decay"]
    return (lr, wd, _flag(hp["decoupled_weight_decay"]), _flag(hp["maximize"]), 1 - beta1,
            beta2, 1 - beta2, bias_correction1, bias_correction2 ** 0.5, hp["eps"], rectify,
            rect, 1 - lr * wd)


def _radam_kernel(p, g, st, sc):
    if sc[3] != 0.0:
        g = -g
    if sc[1] != 0.0:
        if sc[2] != 0.0:
            p = p * sc[12]
        else:
            g = _fma(sc[1], p, g)
    w = sc[4]
    if w < 0.5:
        st[0] = _fma(w, g - st[0], st[0])
    else:
        st[0] = _fma(w - 1.0, g - st[0], g)
    st[1] = _fma(sc[6] * g, g, st[1] * sc[5])
    bias_corrected_exp_avg = st[0] / sc[7]
    if sc[10] != 0.0:
        # torch computes float / tensor as tensor.reciprocal() * float
        adaptive_lr = (1.0 / (np.sqrt(st[1]) + sc[9])) * sc[8]
        return p + -1.0 * (bias_corrected_exp_avg * sc[0] * adaptive_lr * sc[11])
    return p + -1.0 * (bias_corrected_exp_avg * sc[0])


register(OptimizerDef(
    name="radam", title="RAdam",
    description="RAdam (torch.optim.RAdam): Adam whose adaptive step is switched on, and "
                "rectified, only once the variance estimate is reliable.",
    params=(
        HyperParam("lr", 0.001, _LR_HELP),
        *_ADAM_COMMON,
        HyperParam("weight_decay", 0.0, _WD_HELP),
        HyperParam("decoupled_weight_decay", False, "If True, shrink the parameter directly "
                   "(as AdamW) instead of adding weight decay to the gradient."),
        _MAXIMIZE,
    ),
    validate=_radam_validate, n_state=2, init=_state_zeros(2), scalars=_radam_scalars,
    kernel=_radam_kernel,
))


# --- lion -------------------------------------------------------------------------------------
# Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", in the operation order of
# the lion-pytorch reference (lucidrains/lion-pytorch, update_fn).
# sc: 0 lr, 1 beta1, 2 1-beta1, 3 beta2, 4 1-beta2, 5 1-lr*weight_decay

def _lion_validate(lr, betas, weight_decay):
    check_nonneg_number("lr", lr)
    check_betas(betas)
    check_nonneg_number("weight_decay", weight_decay)


def _lion_scalars(step, lr, hp):
    beta1, beta2 = hp["betas"]
    return (lr, beta1, 1.0 - beta1, beta2, 1.0 - beta2, 1.0 - lr * hp["weight_decay"])


def _lion_kernel(p, g, st, sc):
    p = p * sc[5]
    update = np.sign(_fma(sc[2], g, st[0] * sc[1]))
    p = _fma(-sc[0], update, p)
    st[0] = _fma(sc[4], g, st[0] * sc[3])
    return p


register(OptimizerDef(
    name="lion", title="Lion",
    description="Lion (Chen et al. 2023): steps of fixed size lr in the sign of an "
                "interpolated momentum, with decoupled weight decay.",
    params=(
        HyperParam("lr", 1e-4, "Learning rate: every coordinate moves by exactly lr per step "
                   "(plus weight decay)."),
        HyperParam("betas", (0.9, 0.99), "beta1 interpolates momentum and gradient for the "
                   "step's sign; beta2 is the momentum's decay."),
        HyperParam("weight_decay", 0.0, "Decoupled weight decay: each step multiplies the "
                   "parameter by (1 - lr * weight_decay)."),
    ),
    validate=_lion_validate, n_state=1, init=_state_zeros(1), scalars=_lion_scalars,
    kernel=_lion_kernel,
))
from . import escape  # noqa: E402,F401  registers the escape methods
