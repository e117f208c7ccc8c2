"""Optimizers over (N, 2) float64 particle arrays, with torch.optim's names, defaults and equations.

Each optimizer is a pure transformation in the style of optax: ``opt.init(params)`` returns an
``OptState`` and ``opt.update(grads, state, params)`` returns ``(new_params, new_state)`` without
touching its inputs.

Under that API every optimizer is one ``OptimizerDef`` (see "Adding an optimizer" below):

- ``params``: its hyperparameters (``HyperParam``: torch name, default, valid range, slider scale),
  from which the factory's validation is generated;
- ``state_names``: one name per buffer of per-coordinate state (torch's: exp_avg, ...), which
  ``init`` fills (zeros unless given) with shape (K, N, 2);
- ``scalars(step, lr, hp) -> Scalars``: a NamedTuple of floats, the hyperparameters and
  everything that depends only on the step number (bias corrections, the scheduled lr...),
  computed once per step, not once per particle; ``step`` counts from 1 as torch's
  ``state['step']`` does after increment;
- ``kernel(p, g, st, sc) -> (new_p, new_st)``: the update itself, elementwise and pure. ``st``
  is a tuple of the K state buffers (in ``state_names`` order) and ``new_st`` the tuple of
  their new values; the kernel reads named scalars (``sc.lr``). It uses only arithmetic, numpy
  ufuncs and ``_fma(a, b, c)`` (a * b + c rounded once, wherever torch's own kernels fuse: see
  "Fused multiply-add" below; numba-compiled code needs ``prepare_numba()`` first, which
  ``Optimizer.kernel`` does by itself once numba is loaded), and branches only on the scalars
  (hyperparameters), never on array values, so the same function runs on whole arrays (each
  buffer (N, 2)) and on floats inside a numba loop (one coordinate of one particle), bit for bit
  the same. Pure, it keeps its state in registers there: a kernel that stored into an array
  ran ten times slower. Kernels are module-level functions that close over nothing: every
  number they need comes through ``sc``, so numba compiles each kernel once, whatever the
  hyperparameters.

Adding an elementwise optimizer: a Scalars NamedTuple, its ``scalars`` and ``kernel`` functions
and one ``register(OptimizerDef(...))`` here, plus its recorded torch reference in tests/data.
The numpy engine, the fused engine, validation, the CLI and the app's forms pick it up from
the registry.

Gradient noise (``noise``) and gradient-norm clipping (``clip``) are applied by the step driver
(driver.py) to the raw gradient before the update, as a minibatch gradient and
``torch.nn.utils.clip_grad_norm_`` would be.
"""
from __future__ import annotations

import itertools
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .validation import ParameterError, check_bool, check_int, check_real, range_text, shown

Kernel = Callable[..., Any]  # (p, g, st, sc) -> new p


class OptState(NamedTuple):
    """An optimizer's state between steps: steps taken and the (K, N, 2) buffers."""

    # optimizer steps taken so far (shadows tuple.count, as torch's state['step'] reads better)
    count: int  # type: ignore[assignment]
    buffers: np.ndarray  # (K, N, 2)


KINDS = ("float", "int", "bool", "pair")
SCALES = ("linear", "log")


@dataclass(frozen=True)
class HyperParam:
    """One hyperparameter: its torch name and default, its valid range (from which the factory's
    validation is generated) and what the app needs to build a control for it."""

    name: str
    default: Any
    help: str  # one sentence, shown as a tooltip in the app and by `landscape-explorer list`
    kind: str = "float"  # widget and validation kind: "float" | "int" | "bool" | "pair"
    low: float | None = None  # valid range (None: unbounded on that side); for a pair, of each
    high: float | None = None
    low_open: bool = False  # True: the value must be > low (else >= low)
    high_open: bool = False  # True: the value must be < high (else <= high)
    scale: str = "linear"  # "log" | "linear": how a slider maps onto the value
    typical: tuple[float, float] | None = None  # a slider's span; the valid range may be wider

    def __post_init__(self) -> None:
        if self.kind not in KINDS + ("schedule",):
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.scale not in SCALES:
            raise ValueError(f"{self.name}: unknown scale {self.scale!r}")
        if self.scale == "log" and self.typical is not None and self.typical[0] <= 0:
            raise ValueError(f"{self.name}: a log slider needs a typical span above 0")

    @property
    def allowed(self) -> str:
        """The valid values in words, as error messages and tooltips say them."""
        if self.kind == "bool":
            return "True or False"
        text = range_text(self.low, self.high, self.low_open, self.high_open,
                          integer=self.kind == "int")
        if self.kind == "pair":
            return f"a pair, each {text}"
        return text

    def check(self, value: Any) -> Any:
        """The value if it is valid, else ``ParameterError`` naming this parameter."""
        if value is None and self.default is None:
            return None  # an optional setting left off (clip)
        if self.kind == "bool":
            return check_bool(self.name, value)
        if self.kind == "int":
            return check_int(self.name, value,
                             None if self.low is None else int(self.low),
                             None if self.high is None else int(self.high))
        if self.kind == "pair":
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise ParameterError(self.name, f"invalid {self.name}: {shown(value)} (must be a "
                                                "pair of numbers)")
            return tuple(check_real(self.name, v, self.low, self.high, self.low_open,
                                    self.high_open, label=f"{self.name}[{i}]")
                         for i, v in enumerate(value))
        if self.kind == "float":
            check_real(self.name, value, self.low, self.high, self.low_open, self.high_open)
        return value


@dataclass(frozen=True, eq=False)
class Optimizer:
    """An optimizer with its hyperparameters fixed (made by ``optimizer(name, ...)``)."""

    name: str
    hyperparams: dict  # every hyperparameter, defaults filled in (torch names: lr, betas, ...)
    defn: "OptimizerDef"
    noise: float = 0.0
    clip: float | None = None
    schedule: Any = None  # schedules.Schedule or None
    _lr_window: list = field(default_factory=list, repr=False, compare=False)

    @property
    def n_state(self) -> int:
        """The number of state buffers (K)."""
        return self.defn.n_state

    @property
    def elementwise(self) -> bool:
        """True if the update is an elementwise kernel (both engines run it), False if it is a
        whole-array ``step`` (annealing, perturbed GD, Langevin: numpy engine only)."""
        return self.defn.kernel is not None

    @property
    def kernel(self) -> Kernel | None:
        """The elementwise kernel, ready for numba if numba is loaded; None if not elementwise."""
        if "numba" in sys.modules:  # whoever asks for the kernel may be about to compile it
            prepare_numba()
        return self.defn.kernel

    @property
    def lr(self) -> float:
        """The base learning rate (before any schedule)."""
        return float(self.hyperparams["lr"])

    def lrs(self, start: int, count: int) -> np.ndarray:
        """Learning rates for optimizer steps start+1 .. start+count (torch: the scheduler steps
        once after each optimizer step). A schedule is streamed: only the last window asked
        for is kept (runs ask for consecutive windows), so memory does not grow with the run."""
        if self.schedule is None:
            return np.full(count, self.lr)
        w = self._lr_window  # [first step index held, held lrs, iterator positioned after them]
        if not w or start < w[0]:
            w[:] = [0, np.empty(0), self.schedule.stream(self.lr)]
        first, held, it = w
        pos = first + len(held)
        if start > pos:  # skip ahead without keeping what is skipped
            for _ in itertools.islice(it, start - pos):
                pass
            first, held, pos = start, np.empty(0), start
        need = start + count
        if need > pos:
            more = np.fromiter(itertools.islice(it, need - pos), dtype=np.float64,
                               count=need - pos)
            held = np.concatenate([held[start - first:], more])
            first = start
        w[:] = [first, held, it]
        return held[start - first: start - first + count].copy()

    def scalars(self, step: int, lr: float) -> tuple:
        """The kernel's named scalars (a NamedTuple of floats) for optimizer step ``step`` >= 1
        with learning rate ``lr``. Extreme hyperparameters inside the valid ranges (lr 1e308,
        a bias correction of 1e-300) may overflow here without a warning: an infinite scalar
        makes a non-finite step, which the step driver refuses (the particle diverges)."""
        with np.errstate(all="ignore"):
            return self.defn.scalars(step, lr, self.hyperparams)

    def scalar_table(self, start: int, count: int) -> np.ndarray:
        """(count, S) float64: the scalars of steps start+1 .. start+count, one row per step."""
        lrs = self.lrs(start, count)
        # scalars() row by row, under one errstate (entering it per row cost as much as the row)
        with np.errstate(all="ignore"):
            rows = [self.defn.scalars(start + j + 1, lrs[j], self.hyperparams)
                    for j in range(count)]
        width = len(self.scalars(start + 1, self.lr)) if not rows else len(rows[0])
        return np.array(rows, dtype=np.float64).reshape(count, width)

    def init(self, params: Any) -> OptState:
        """The state before the first step, for particles at ``params`` (N, 2)."""
        params = np.asarray(params, dtype=np.float64)
        return OptState(0, np.asarray(self.defn.make_state(params, self.hyperparams),
                                      dtype=np.float64).reshape((self.n_state,) + params.shape))

    def update(self, grads: Any, state: OptState, params: Any,
               ctx: Any = None) -> tuple[np.ndarray, OptState]:
        """One step. ``ctx`` (see OptimizerDef.step) is needed only by non-elementwise optimizers."""
        params = np.asarray(params, dtype=np.float64)
        grads = np.asarray(grads, dtype=np.float64)
        step = state.count + 1
        sc = self.scalars(step, self.lrs(state.count, 1)[0])
        if not self.elementwise and ctx is None:
            raise ValueError(f"{self.name} needs a context (surface and rng) to step")
        new, buffers = self.apply(params, grads, state.buffers, sc, ctx)
        return new, OptState(step, buffers)

    def apply(self, params: np.ndarray, grads: np.ndarray, buffers: np.ndarray, sc: tuple,
              ctx: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """(new params, new buffers) of one update with scalars ``sc`` on (N, 2) arrays; the
        inputs are left as they are."""
        with np.errstate(all="ignore"):
            kernel = self.kernel
            if kernel is not None:
                new, new_st = kernel(params, grads, tuple(buffers), sc)
                new_buffers = np.array(new_st, dtype=np.float64).reshape(buffers.shape)
            else:
                assert self.defn.step is not None
                new_buffers = buffers.copy()
                new = self.defn.step(params.copy(), grads, new_buffers, sc, ctx)
        return np.asarray(new, dtype=np.float64), new_buffers

    def with_hyperparams(self, **changes: Any) -> "Optimizer":
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
    """Everything about one kind of optimizer: the registry's entry (see the module docstring)."""

    name: str
    title: str
    description: str
    params: tuple[HyperParam, ...]
    scalars: Callable[[int, float, Mapping[str, Any]], tuple]  # (step >= 1, lr, hp) -> Scalars
    kernel: Kernel | None  # (p, g, st, sc) -> (new p, new st); see module docstring
    # Optimizers that are not elementwise (they need the loss, random numbers or the whole
    # gradient vector: annealing, perturbed GD, Langevin dynamics) give ``step`` instead of
    # ``kernel``: step(p, g, st, sc, ctx) -> new p, with p, g (N, 2), st (K, N, 2) updated in
    # place, and ctx.value(xy) -> (N,) the loss, ctx.grad(xy) -> (N, 2), ctx.rng a seeded
    # numpy Generator. They run on the numpy engine only.
    step: Callable[..., Any] | None = None
    state_names: tuple[str, ...] = ()  # one per buffer, torch's names (exp_avg, exp_avg_sq, ...)
    velocity: str | None = None  # the buffer that is a velocity / momentum (step arrows), if any
    rule: str = ""  # the update rule in one or two lines of math, shown in the app
    # (params (N, 2), hp) -> buffers (K, N, 2); None: every buffer starts at zero
    init: Callable[[np.ndarray, Mapping[str, Any]], np.ndarray] | None = None
    # Rules across parameters that a range cannot say (sgd: nesterov needs momentum), run after
    # every parameter passed its own range check: (**hp) -> None, raises ParameterError.
    cross_check: Callable[..., None] | None = None

    def __post_init__(self) -> None:
        if (self.kernel is None) == (self.step is None):
            raise ValueError(f"{self.name}: give exactly one of kernel and step")
        if self.velocity is not None and self.velocity not in self.state_names:
            raise ValueError(f"{self.name}: velocity {self.velocity!r} is not a state buffer")

    @property
    def n_state(self) -> int:
        """The number of state buffers (K)."""
        return len(self.state_names)

    def param(self, name: str) -> HyperParam:
        """The hyperparameter called ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def buffer_index(self, name: str) -> int:
        """The index k of the state buffer called ``name`` (buffers[k])."""
        return self.state_names.index(name)

    def make_state(self, params: np.ndarray, hp: Mapping[str, Any]) -> np.ndarray:
        """The buffers before the first step, (K,) + params.shape."""
        if self.init is not None:
            return self.init(params, hp)
        return np.zeros((self.n_state,) + np.shape(params))

    def validate(self, hp: Mapping[str, Any]) -> None:
        """Check every hyperparameter against its range, then the cross-parameter rules; raises
        ``ParameterError`` naming the first bad one."""
        for p in self.params:
            p.check(hp[p.name])
        if self.cross_check is not None:
            self.cross_check(**hp)


_REGISTRY: dict[str, OptimizerDef] = {}

COMMON_PARAMS = (
    HyperParam("noise", 0.0, "Standard deviation of Gaussian noise added to each gradient "
               "component, seeded: models the noise of a minibatch gradient.",
               low=0.0, typical=(0.0, 2.0)),
    HyperParam("clip", None, "If set, gradients whose norm exceeds this value are rescaled to "
               "it, as torch.nn.utils.clip_grad_norm_ does.",
               low=0.0, low_open=True, scale="log", typical=(0.01, 100.0)),
    HyperParam("schedule", None, "Learning-rate schedule stepped once per optimizer step, "
               "with torch.optim.lr_scheduler semantics.", kind="schedule"),
)


def register(defn: OptimizerDef) -> OptimizerDef:
    """Add an optimizer to the registry (by its name)."""
    _REGISTRY[defn.name] = defn
    return defn


def optimizer_names() -> list[str]:
    """The names of every registered optimizer, sorted."""
    return sorted(_REGISTRY)


def optimizer_def(name: str) -> OptimizerDef:
    """The registry entry of ``name``; an unknown name raises ValueError listing the valid ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ParameterError(
            "optimizer",
            f"unknown optimizer {name!r}; valid optimizers: {', '.join(optimizer_names())}"
        ) from None


def optimizer(name: str, **kwargs: Any) -> Optimizer:
    """An optimizer by torch name with validated hyperparameters (torch's names and defaults),
    plus ``noise``, ``clip`` and ``schedule`` (see COMMON_PARAMS)."""
    defn = optimizer_def(name)
    noise = kwargs.pop("noise", 0.0)
    clip = kwargs.pop("clip", None)
    schedule = kwargs.pop("schedule", None)
    known = {p.name for p in defn.params}
    for k in kwargs:
        if k not in known:
            raise ParameterError(
                k, f"unknown hyperparameter {k!r} for {name}; valid: "
                f"{', '.join([p.name for p in defn.params] + [p.name for p in COMMON_PARAMS])}"
            )
    hp = {p.name: kwargs.get(p.name, p.default) for p in defn.params}
    # JSON gives lists where torch takes tuples (betas)
    hp = {k: tuple(v) if isinstance(v, list) else v for k, v in hp.items()}
    noise_param, clip_param, _ = COMMON_PARAMS
    noise_param.check(noise)
    clip_param.check(clip)
    if schedule is not None:
        from .schedules import Schedule

        if not isinstance(schedule, Schedule):
            raise ParameterError("schedule", f"schedule must be a Schedule (le.schedule(...)), "
                                             f"got {schedule!r}")
    defn.validate(hp)
    return Optimizer(defn.name, hp, defn, float(noise), None if clip is None else float(clip),
                     schedule)
# ---------------------------------------------------------------------------------------------
# Fused multiply-add. torch's CPU kernels compute ``add(alpha=)``, ``addcmul`` and ``lerp`` with
# one rounding (an FMA instruction: ATen's vec::fmadd, and compiler contraction in the scalar
# tails), so a bit-exact copy needs a * b + c rounded once. numpy has no fma ufunc, so on the
# numpy path it is emulated exactly (Boldo & Melquiond, "Emulation of FMA and correctly rounded
# sums: proved algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008); once numba
# is loaded, a compiled ufunc over LLVM's llvm.fma.f64 takes its place, on both paths.

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant


def fma_emulated(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> Any:
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
_NUMBA_FMA_LOCK = threading.Lock()


def prepare_numba() -> Callable[..., Any]:
    """Make the kernels compilable by numba (imports numba). Optimizer.kernel calls this itself
    whenever numba is already loaded; call it before ``numba.njit(defn.kernel)`` otherwise."""
    global _fma
    if _NUMBA_FMA is not None:
        _fma = _NUMBA_FMA
        return _NUMBA_FMA
    # The app warms this up in a background thread while the window opens; a caller that
    # comes meanwhile waits for that compile instead of compiling a second one.
    with _NUMBA_FMA_LOCK:
        return _compile_numba_fma()


def _compile_numba_fma() -> Callable[..., Any]:
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
        return _llvm_fma(a, b, c)  # type: ignore[call-arg]  # numba's typing, not Python's

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
# Flags and derived numbers travel as floats in the Scalars tuple; kernels branch only on them.


def _flag(v: Any) -> float:
    return 1.0 if v else 0.0


def _lr(default: float, help: str = "Learning rate: the scale of each step.",
        typical: tuple[float, float] = (1e-4, 1.0)) -> HyperParam:
    return HyperParam("lr", default, help, low=0.0, scale="log", typical=typical)


def _nonneg(name: str, default: float, help: str, typical: tuple[float, float] = (0.0, 1.0),
            scale: str = "linear") -> HyperParam:
    return HyperParam(name, default, help, low=0.0, scale=scale, typical=typical)


def _flag_param(name: str, default: bool, help: str) -> HyperParam:
    return HyperParam(name, default, help, kind="bool")


_MAXIMIZE = _flag_param("maximize", False, "If True, climb the surface: step along the "
                        "gradient instead of against it.")
_EPS_HELP = "Added to the denominator to keep the step finite where the gradient history is zero."
_WD_HELP = "L2 penalty: weight_decay times the parameter is added to the gradient."
_DECOUPLED_HELP = ("If True, shrink the parameter directly (as AdamW) instead of adding weight "
                   "decay to the gradient.")


def _eps(default: float, help: str = _EPS_HELP) -> HyperParam:
    return _nonneg("eps", default, help, typical=(1e-12, 1e-2), scale="log")


def _weight_decay(default: float = 0.0, help: str = _WD_HELP) -> HyperParam:
    return _nonneg("weight_decay", default, help, typical=(0.0, 0.1))


def _betas(default: tuple[float, float], help: str) -> HyperParam:
    return HyperParam("betas", default, help, kind="pair", low=0.0, high=1.0, high_open=True,
                      typical=(0.0, 0.999))


# --- gd ---------------------------------------------------------------------------------------

class GDScalars(NamedTuple):
    lr: float


def _gd_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> GDScalars:
    return GDScalars(float(lr))


def _gd_kernel(p, g, st, sc):
    return _fma(-sc.lr, g, p), st  # as torch's param.add_(grad, alpha=-lr)


register(OptimizerDef(
    name="gd", title="Gradient descent",
    description="Plain gradient descent: step against the gradient, scaled by the learning rate.",
    params=(_lr(0.01, "Learning rate: the step is lr times the gradient."),),
    scalars=_gd_scalars, kernel=_gd_kernel,
    rule="θ ← θ − η·g",
))


# --- sgd --------------------------------------------------------------------------------------

class SGDScalars(NamedTuple):
    lr: float
    momentum: float
    one_minus_dampening: float
    weight_decay: float
    nesterov: float
    maximize: float
    first_step: float


def _sgd_cross_check(lr, momentum, dampening, weight_decay, nesterov, maximize):
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ParameterError("nesterov", f"invalid nesterov: True with momentum={momentum!r}, "
                             f"dampening={dampening!r} (Nesterov momentum requires a momentum "
                             "and zero dampening)")


def _sgd_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> SGDScalars:
    return SGDScalars(float(lr), float(hp["momentum"]), float(1 - hp["dampening"]),
                      float(hp["weight_decay"]), _flag(hp["nesterov"]), _flag(hp["maximize"]),
                      _flag(step == 1))


def _sgd_kernel(p, g, st, sc):
    (buf,) = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        g = _fma(sc.weight_decay, p, g)
    if sc.momentum != 0.0:
        if sc.first_step != 0.0:
            buf = g  # torch: the buffer starts as a copy of the first gradient
        else:
            buf = _fma(sc.one_minus_dampening, g, buf * sc.momentum)
        if sc.nesterov != 0.0:
            g = _fma(sc.momentum, buf, g)
        else:
            g = buf
    return _fma(-sc.lr, g, p), (buf,)


register(OptimizerDef(
    name="sgd", title="SGD",
    description="Stochastic gradient descent (torch.optim.SGD), with optional heavy-ball or "
                "Nesterov momentum and weight decay.",
    params=(
        _lr(0.001),
        _nonneg("momentum", 0.0, "Momentum factor: how much of the previous step is kept "
                "(0 disables momentum).", typical=(0.0, 0.99)),
        _nonneg("dampening", 0.0, "Dampening for momentum: scales down the new gradient "
                "added to the momentum buffer."),
        _weight_decay(),
        _flag_param("nesterov", False, "Use Nesterov momentum: evaluate the step after the "
                    "momentum look-ahead."),
        _MAXIMIZE,
    ),
    scalars=_sgd_scalars, kernel=_sgd_kernel, cross_check=_sgd_cross_check,
    state_names=("momentum_buffer",), velocity="momentum_buffer",
    rule="b ← μ·b + (1 − τ)·g  (b₁ = g),  θ ← θ − η·b\n"
         "Nesterov: θ ← θ − η·(g + μ·b);  weight decay: g ← g + λ·θ",
))


# --- adam / adamw -----------------------------------------------------------------------------

class AdamScalars(NamedTuple):
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    amsgrad: float
    maximize: float
    decoupled: float
    one_minus_beta1: float  # the lerp weight
    one_minus_beta2: float
    step_size: float  # lr / bias_correction1
    bias_correction2_sqrt: float
    decay_factor: float  # 1 - lr * weight_decay


def _adam_scalars_impl(step, lr, hp, decoupled) -> AdamScalars:
    beta1, beta2 = hp["betas"]
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    wd = hp["weight_decay"]
    return AdamScalars._make(float(v) for v in (
        lr, beta1, beta2, hp["eps"], wd, _flag(hp["amsgrad"]), _flag(hp["maximize"]),
        _flag(decoupled), 1 - beta1, 1 - beta2, step_size, bias_correction2_sqrt, 1 - lr * wd))


def _adam_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> AdamScalars:
    return _adam_scalars_impl(step, lr, hp, hp["decoupled_weight_decay"])


def _adamw_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> AdamScalars:
    return _adam_scalars_impl(step, lr, hp, True)


def _adam_kernel(p, g, st, sc):
    m, v, v_max = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        if sc.decoupled != 0.0:
            p = p * sc.decay_factor
        else:
            g = _fma(sc.weight_decay, p, g)
    w = sc.one_minus_beta1
    if w < 0.5:
        m = _fma(w, g - m, m)
    else:
        m = _fma(w - 1.0, g - m, g)
    v = _fma(sc.one_minus_beta2 * g, g, v * sc.beta2)
    if sc.amsgrad != 0.0:
        v_max = np.maximum(v_max, v)
        denom = np.sqrt(v_max) / sc.bias_correction2_sqrt + sc.eps
    else:
        denom = np.sqrt(v) / sc.bias_correction2_sqrt + sc.eps
    return p + (-sc.step_size) * m / denom, (m, v, v_max)


_BETAS_HELP = ("Coefficients (beta1, beta2) of the running averages of the gradient and of its "
               "square.")
_ADAM_COMMON = (_betas((0.9, 0.999), _BETAS_HELP), _eps(1e-8))
_AMSGRAD = _flag_param("amsgrad", False, "Use AMSGrad: normalize by the largest second-moment "
                       "average seen so far.")
_ADAM_STATE_NAMES = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

register(OptimizerDef(
    name="adam", title="Adam",
    description="Adam (torch.optim.Adam): steps scaled by running averages of the gradient and "
                "its square, with bias correction.",
    params=(
        _lr(0.001),
        *_ADAM_COMMON,
        _weight_decay(),
        _AMSGRAD,
        _MAXIMIZE,
        _flag_param("decoupled_weight_decay", False, "If True, shrink the parameter directly "
                    "(AdamW) instead of adding weight decay to the gradient."),
    ),
    scalars=_adam_scalars, kernel=_adam_kernel, state_names=_ADAM_STATE_NAMES,
    velocity="exp_avg",
    rule="m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²\n"
         "θ ← θ − η·m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)",
))

register(OptimizerDef(
    name="adamw", title="AdamW",
    description="AdamW (torch.optim.AdamW): Adam with decoupled weight decay that shrinks the "
                "parameters directly.",
    params=(
        _lr(0.001),
        *_ADAM_COMMON,
        _weight_decay(0.01, "Decoupled weight decay: each step multiplies the parameter by "
                      "(1 - lr * weight_decay)."),
        _AMSGRAD,
        _MAXIMIZE,
    ),
    scalars=_adamw_scalars, kernel=_adam_kernel, state_names=_ADAM_STATE_NAMES,
    velocity="exp_avg",
    rule="θ ← θ·(1 − η·λ),  m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²\n"
         "θ ← θ − η·m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)",
))


# --- adagrad ----------------------------------------------------------------------------------

class AdagradScalars(NamedTuple):
    clr: float  # lr / (1 + (step - 1) * lr_decay)
    weight_decay: float
    eps: float
    maximize: float


def _adagrad_init(p: np.ndarray, hp: Mapping[str, Any]) -> np.ndarray:
    return np.full((1,) + np.shape(p), float(hp["initial_accumulator_value"]))


def _adagrad_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> AdagradScalars:
    clr = lr / (1 + (step - 1) * hp["lr_decay"])
    return AdagradScalars(float(clr), float(hp["weight_decay"]), float(hp["eps"]),
                          _flag(hp["maximize"]))


def _adagrad_kernel(p, g, st, sc):
    (s,) = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        g = _fma(sc.weight_decay, p, g)
    s = _fma(1.0 * g, g, s)
    std = np.sqrt(s) + sc.eps
    return p + (-sc.clr) * g / std, (s,)


register(OptimizerDef(
    name="adagrad", title="Adagrad",
    description="Adagrad (torch.optim.Adagrad): each coordinate's step shrinks with the sum "
                "of its squared gradients.",
    params=(
        _lr(0.01),
        _nonneg("lr_decay", 0.0, "Learning-rate decay: step t uses lr / (1 + (t - 1) * "
                "lr_decay).", typical=(0.0, 0.1)),
        _weight_decay(),
        _nonneg("initial_accumulator_value", 0.0, "Starting value of the sum of squared "
                "gradients."),
        _eps(1e-10),
        _MAXIMIZE,
    ),
    scalars=_adagrad_scalars, kernel=_adagrad_kernel, init=_adagrad_init,
    state_names=("sum",),
    rule="s ← s + g²,  θ ← θ − η / (1 + (t − 1)·decay) · g / (√s + ε)",
))


# --- rmsprop ----------------------------------------------------------------------------------

class RMSpropScalars(NamedTuple):
    lr: float
    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: float
    maximize: float
    one_minus_alpha: float


def _rmsprop_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> RMSpropScalars:
    alpha = hp["alpha"]
    return RMSpropScalars._make(float(v) for v in (
        lr, alpha, hp["eps"], hp["weight_decay"], hp["momentum"], _flag(hp["centered"]),
        _flag(hp["maximize"]), 1 - alpha))


def _rmsprop_kernel(p, g, st, sc):
    square_avg, grad_avg, buf = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        g = _fma(sc.weight_decay, p, g)
    square_avg = _fma(sc.one_minus_alpha * g, g, square_avg * sc.alpha)
    if sc.centered != 0.0:
        w = sc.one_minus_alpha
        if w < 0.5:
            grad_avg = _fma(w, g - grad_avg, grad_avg)
        else:
            grad_avg = _fma(w - 1.0, g - grad_avg, g)
        avg = np.sqrt(_fma(-1.0 * grad_avg, grad_avg, square_avg))
    else:
        avg = np.sqrt(square_avg)
    avg = avg + sc.eps
    if sc.momentum > 0.0:
        buf = buf * sc.momentum + 1.0 * g / avg
        return _fma(-sc.lr, buf, p), (square_avg, grad_avg, buf)
    return p + (-sc.lr) * g / avg, (square_avg, grad_avg, buf)


register(OptimizerDef(
    name="rmsprop", title="RMSprop",
    description="RMSprop (torch.optim.RMSprop): steps divided by a running root-mean-square "
                "of recent gradients.",
    params=(
        _lr(0.01),
        _nonneg("alpha", 0.99, "Smoothing constant of the running average of squared "
                "gradients.", typical=(0.5, 0.999)),
        _eps(1e-8),
        _weight_decay(),
        _nonneg("momentum", 0.0, "Momentum factor applied to the normalized step (0 "
                "disables momentum).", typical=(0.0, 0.99)),
        _flag_param("centered", False, "If True, normalize by the estimated variance of the "
                    "gradient instead of its raw second moment."),
        _MAXIMIZE,
    ),
    scalars=_rmsprop_scalars, kernel=_rmsprop_kernel,
    state_names=("square_avg", "grad_avg", "momentum_buffer"), velocity="momentum_buffer",
    rule="v ← α·v + (1 − α)·g²,  θ ← θ − η·g / (√v + ε)\n"
         "momentum: b ← μ·b + g / (√v + ε), θ ← θ − η·b;  centered: v − ḡ² for v",
))


# --- adadelta ---------------------------------------------------------------------------------

class AdadeltaScalars(NamedTuple):
    lr: float
    rho: float
    eps: float
    weight_decay: float
    maximize: float
    one_minus_rho: float


def _adadelta_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> AdadeltaScalars:
    rho = hp["rho"]
    return AdadeltaScalars._make(float(v) for v in (
        lr, rho, hp["eps"], hp["weight_decay"], _flag(hp["maximize"]), 1 - rho))


def _adadelta_kernel(p, g, st, sc):
    square_avg, acc_delta = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        g = _fma(sc.weight_decay, p, g)
    square_avg = _fma(sc.one_minus_rho * g, g, square_avg * sc.rho)
    std = np.sqrt(square_avg + sc.eps)
    delta = np.sqrt(acc_delta + sc.eps) / std * g
    acc_delta = _fma(sc.one_minus_rho * delta, delta, acc_delta * sc.rho)
    return _fma(-sc.lr, delta, p), (square_avg, acc_delta)


register(OptimizerDef(
    name="adadelta", title="Adadelta",
    description="Adadelta (torch.optim.Adadelta): steps sized by the ratio of running RMS of "
                "past steps to running RMS of gradients.",
    params=(
        _lr(1.0, "Coefficient that scales the step before it is applied.", typical=(0.01, 10.0)),
        HyperParam("rho", 0.9, "Smoothing constant of the running averages of squared "
                   "gradients and squared steps.", low=0.0, high=1.0, typical=(0.5, 0.999)),
        _eps(1e-6, "Added inside the square roots; also sets the size of the very first steps."),
        _weight_decay(),
        _MAXIMIZE,
    ),
    scalars=_adadelta_scalars, kernel=_adadelta_kernel,
    state_names=("square_avg", "acc_delta"),
    rule="v ← ρ·v + (1 − ρ)·g²,  Δ ← √(u + ε) / √(v + ε) · g\n"
         "u ← ρ·u + (1 − ρ)·Δ²,  θ ← θ − η·Δ",
))


# --- adamax -----------------------------------------------------------------------------------

class AdamaxScalars(NamedTuple):
    clr: float  # lr / bias_correction1
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    maximize: float
    one_minus_beta1: float


def _adamax_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> AdamaxScalars:
    beta1, beta2 = hp["betas"]
    bias_correction = 1 - beta1 ** step
    clr = lr / bias_correction
    return AdamaxScalars._make(float(v) for v in (
        clr, beta1, beta2, hp["eps"], hp["weight_decay"], _flag(hp["maximize"]), 1 - beta1))


def _adamax_kernel(p, g, st, sc):
    m, u = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        g = _fma(sc.weight_decay, p, g)
    w = sc.one_minus_beta1
    if w < 0.5:
        m = _fma(w, g - m, m)
    else:
        m = _fma(w - 1.0, g - m, g)
    u = np.maximum(u * sc.beta2, np.abs(g) + sc.eps)
    return p + (-sc.clr) * m / u, (m, u)


register(OptimizerDef(
    name="adamax", title="Adamax",
    description="Adamax (torch.optim.Adamax): Adam with the running RMS replaced by a decaying "
                "maximum of gradient magnitudes.",
    params=(
        _lr(0.002),
        _betas((0.9, 0.999), "Coefficients (beta1, beta2) of the running average of the "
               "gradient and of the decaying maximum of its magnitude."),
        _eps(1e-8),
        _weight_decay(),
        _MAXIMIZE,
    ),
    scalars=_adamax_scalars, kernel=_adamax_kernel,
    state_names=("exp_avg", "exp_inf"), velocity="exp_avg",
    rule="m ← β₁·m + (1 − β₁)·g,  u ← max(β₂·u, |g| + ε)\n"
         "θ ← θ − η / (1 − β₁ᵗ) · m / u",
))


# --- nadam ------------------------------------------------------------------------------------
# torch keeps mu_product as a 0-d tensor of torch's scalar dtype: float32 unless the default
# dtype is float64. We follow the default (float32), so the product is rounded to float32 after
# every multiplication, as torch does.

class NAdamScalars(NamedTuple):
    weight_decay: float
    decoupled: float
    maximize: float
    one_minus_beta1: float
    beta2: float
    one_minus_beta2: float
    bias_correction2: float
    eps: float
    grad_coef: float  # -lr * (1 - mu_t) / (1 - mu_product)
    exp_avg_coef: float  # -lr * mu_{t+1} / (1 - mu_product * mu_{t+1})
    decay_factor: float  # 1 - lr * weight_decay


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


def _nadam_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> NAdamScalars:
    beta1, beta2 = hp["betas"]
    md = hp["momentum_decay"]
    t = float(step)
    bias_correction2 = 1 - beta2 ** t
    mu = _nadam_mu(beta1, md, t)
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * md)))
    mu_product = _nadam_mu_product(beta1, md, int(t))
    mu_product_next = mu_product * mu_next
    v_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
    v_avg = (-lr * mu_next) / (1.0 - mu_product_next)
    wd = hp["weight_decay"]
    return NAdamScalars._make(float(v) for v in (
        wd, _flag(hp["decoupled_weight_decay"]), _flag(hp["maximize"]), 1 - beta1, beta2,
        1 - beta2, bias_correction2, hp["eps"], v_grad, v_avg, 1 - lr * wd))


def _nadam_kernel(p, g, st, sc):
    m, v = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        if sc.decoupled != 0.0:
            p = p * sc.decay_factor
        else:
            g = _fma(sc.weight_decay, p, g)
    w = sc.one_minus_beta1
    if w < 0.5:
        m = _fma(w, g - m, m)
    else:
        m = _fma(w - 1.0, g - m, g)
    v = _fma(sc.one_minus_beta2 * g, g, v * sc.beta2)
    denom = np.sqrt(v / sc.bias_correction2) + sc.eps
    p = p + sc.grad_coef * g / denom
    return p + sc.exp_avg_coef * m / denom, (m, v)


register(OptimizerDef(
    name="nadam", title="NAdam",
    description="NAdam (torch.optim.NAdam): Adam with Nesterov momentum and a momentum "
                "schedule that warms up over the first steps.",
    params=(
        _lr(0.002),
        *_ADAM_COMMON,
        _weight_decay(),
        _nonneg("momentum_decay", 0.004, "Sets how fast the momentum coefficient mu_t "
                "approaches beta1.", typical=(0.0, 0.01)),
        _flag_param("decoupled_weight_decay", False, _DECOUPLED_HELP),
        _MAXIMIZE,
    ),
    scalars=_nadam_scalars, kernel=_nadam_kernel,
    state_names=("exp_avg", "exp_avg_sq"), velocity="exp_avg",
    rule="m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,  μₜ = β₁·(1 − ½·0.96^(t·ψ))\n"
         "θ ← θ − η·[(1 − μₜ)·g / (1 − Πμ) + μₜ₊₁·m / (1 − Πμ·μₜ₊₁)] / (√v̂ + ε)",
))


# --- radam ------------------------------------------------------------------------------------

class RAdamScalars(NamedTuple):
    lr: float
    weight_decay: float
    decoupled: float
    maximize: float
    one_minus_beta1: float
    beta2: float
    one_minus_beta2: float
    bias_correction1: float
    bias_correction2_sqrt: float
    eps: float
    rectify: float  # 1.0 once rho_t > 5
    rect: float  # the rectification term r_t
    decay_factor: float  # 1 - lr * weight_decay


def _radam_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> RAdamScalars:
    beta1, beta2 = hp["betas"]
    t = float(step)
    bias_correction1 = 1 - beta1 ** t
    bias_correction2 = 1 - beta2 ** t
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        rectify = 1.0
    else:
        rect, rectify = 0.0, 0.0
    wd = hp["weight_decay"]
    return RAdamScalars._make(float(v) for v in (
        lr, wd, _flag(hp["decoupled_weight_decay"]), _flag(hp["maximize"]), 1 - beta1, beta2,
        1 - beta2, bias_correction1, bias_correction2 ** 0.5, hp["eps"], rectify, rect,
        1 - lr * wd))


def _radam_kernel(p, g, st, sc):
    m, v = st
    if sc.maximize != 0.0:
        g = -g
    if sc.weight_decay != 0.0:
        if sc.decoupled != 0.0:
            p = p * sc.decay_factor
        else:
            g = _fma(sc.weight_decay, p, g)
    w = sc.one_minus_beta1
    if w < 0.5:
        m = _fma(w, g - m, m)
    else:
        m = _fma(w - 1.0, g - m, g)
    v = _fma(sc.one_minus_beta2 * g, g, v * sc.beta2)
    bias_corrected_exp_avg = m / sc.bias_correction1
    if sc.rectify != 0.0:
        # torch computes float / tensor as tensor.reciprocal() * float
        adaptive_lr = (1.0 / (np.sqrt(v) + sc.eps)) * sc.bias_correction2_sqrt
        return p + -1.0 * (bias_corrected_exp_avg * sc.lr * adaptive_lr * sc.rect), (m, v)
    return p + -1.0 * (bias_corrected_exp_avg * sc.lr), (m, v)


register(OptimizerDef(
    name="radam", title="RAdam",
    description="RAdam (torch.optim.RAdam): Adam whose adaptive step is switched on, and "
                "rectified, only once the variance estimate is reliable.",
    params=(
        _lr(0.001),
        *_ADAM_COMMON,
        _weight_decay(),
        _flag_param("decoupled_weight_decay", False, _DECOUPLED_HELP),
        _MAXIMIZE,
    ),
    scalars=_radam_scalars, kernel=_radam_kernel,
    state_names=("exp_avg", "exp_avg_sq"), velocity="exp_avg",
    rule="m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²\n"
         "θ ← θ − η·m̂·rₜ / (√v̂ + ε) once ρₜ > 5, else θ ← θ − η·m̂",
))


# --- lion -------------------------------------------------------------------------------------
# Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", in the operation order of
# the lion-pytorch reference (lucidrains/lion-pytorch, update_fn).

class LionScalars(NamedTuple):
    lr: float
    beta1: float
    one_minus_beta1: float
    beta2: float
    one_minus_beta2: float
    decay_factor: float  # 1 - lr * weight_decay


def _lion_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> LionScalars:
    beta1, beta2 = hp["betas"]
    return LionScalars._make(float(v) for v in (
        lr, beta1, 1.0 - beta1, beta2, 1.0 - beta2, 1.0 - lr * hp["weight_decay"]))


def _lion_kernel(p, g, st, sc):
    (m,) = st
    p = p * sc.decay_factor
    update = np.sign(_fma(sc.one_minus_beta1, g, m * sc.beta1))
    p = _fma(-sc.lr, update, p)
    return p, (_fma(sc.one_minus_beta2, g, m * sc.beta2),)


register(OptimizerDef(
    name="lion", title="Lion",
    description="Lion (Chen et al. 2023): steps of fixed size lr in the sign of an "
                "interpolated momentum, with decoupled weight decay.",
    params=(
        _lr(1e-4, "Learning rate: every coordinate moves by exactly lr per step (plus weight "
            "decay)."),
        _betas((0.9, 0.99), "beta1 interpolates momentum and gradient for the step's sign; "
               "beta2 is the momentum's decay."),
        _weight_decay(0.0, "Decoupled weight decay: each step multiplies the parameter by "
                      "(1 - lr * weight_decay)."),
    ),
    scalars=_lion_scalars, kernel=_lion_kernel,
    state_names=("exp_avg",), velocity="exp_avg",
    rule="θ ← θ·(1 − η·λ) − η·sign(β₁·m + (1 − β₁)·g)\n"
         "m ← β₂·m + (1 − β₂)·g",
))
