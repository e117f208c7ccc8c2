"""The numba side of both engines: compiled surface gradients and the fused stepping loop.

Both engines evaluate a surface's gradient with the same numba-compiled formula (``gradient``):
the numpy engine over all particles at once, the fused engine inside its loop. So both call the
same elementary functions (libm's exp, sin, cos...), not numpy's own SIMD loops, which on some
CPUs (AVX-512) differ from libm in the last bit; with the optimizer's kernel and the step
driver's formulas (driver.py) using only correctly rounded operations, the two engines agree
bit for bit on every CPU. Tests check it for every optimizer on every surface.

The fused engine: one numba-compiled loop per (surface gradient, optimizer kernel, flags)
triple. Particles are stepped to the end in blocks of 128, in parallel over blocks; each step
is one loop across the block that calls the very formula functions the numpy engine calls on
arrays (see surfaces.py, optimizers.py and driver.py), written so that the compiler vectorizes
it (SIMD across particles) wherever the gradient needs no call into libm: the kernel's branches
are on scalars, constant 0/1 scalars (flags, a zero weight decay...) are compiled in so that
those branches fold away, divisions follow IEEE (numpy's error model, no ZeroDivisionError
test), a particle that diverges keeps its point by a select, and the buffers are rows of one
array. Vectorizing changes no result: every operation is still one IEEE operation, rounded as
on the numpy engine.

The fast engine (``loop(..., fast=True)``, for analysis only) is the same loop with the
gradient's sin, cos and exp replaced by fast.py's polynomial versions, which vectorize too.

Compiling takes seconds, so compiled code is cached on disk: the source is written to a small
module in the user's cache directory, named by a hash of everything it is built from (the source
of the formula functions, this template, and the numba and package versions), and numba caches
the compiled code beside it. A later process loads it in a fraction of a second. Formula
functions that cannot be imported by name (a lambda, a closure) are compiled in memory. Nobody
waits for a compile: ``ready`` starts it in a background thread and says whether it is done,
and simulate.Engine steps on the numpy engine until it is (the environment variable
LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER makes it wait instead, as the tests of this engine do).
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import re
import sys
import tempfile
import threading
from typing import Any, Callable

import numpy as np

from . import driver

# Every formula is inlined into the loop (numba's inline='always'), and a kernel's state goes in
# and out as a tuple of floats: called across numba's function boundary, or handed its state as
# array views (each one reference-counted), the kernels ran 3 to 10 times slower.
_HEADER = '''import numpy as np
import numba
from {driver_module} import clip_factor as _clip_factor_py, accepted as _accepted_py

clip_factor = numba.njit(CACHE_ARGS)(_clip_factor_py)
accepted = numba.njit(CACHE_ARGS)(_accepted_py)
'''

_GRAD_TEMPLATE = '''

@numba.njit(nogil=True, CACHE_KW)
def gradients(P, G):
    for i in range(P.shape[0]):
        G[i, 0], G[i, 1] = grad(P[i, 0], P[i, 1])
'''

_LOOP_TEMPLATE = '''
BLOCK = 128  # particles stepped together: the inner loop runs across them


@numba.njit(parallel=True, nogil=True, CACHE_KW)
def drive(P, ST, table, active, clip, limit, record_at, out, last_update, steps_taken):
    n = P.shape[0]
    for block in numba.prange((n + BLOCK - 1) // BLOCK):
        i0 = block * BLOCK
        run_block(i0, min(BLOCK, n - i0), P, ST, table, active, clip, limit, record_at, out,
                  last_update, steps_taken)


# One block of particles, to the end. A function of its own, outside the parallel loop: numba's
# parallel analysis cannot take the kernel inlined, and inlined it must be (see the header).
# Its inner loop, one step of every particle of the block, is straight-line code: the kernel's
# branches are on scalars (folded away where the loop was specialized for them, selects where
# not), and a particle that diverges keeps its point by a select, not a branch; so the compiler
# vectorizes it across particles wherever the gradient needs no call into libm.
@numba.njit(nogil=True, CACHE_KW)
def run_block(i0, m, P, ST, table, active, clip, limit, record_at, out, last_update,
              steps_taken):
    T = table.shape[0]
    # All buffers are float rows of one array, a constant distance apart: the compiler sees
    # that they cannot overlap (with separate arrays it would have to check at run time, and
    # gives up vectorizing beyond a handful of them); all of one width, they fill the same
    # vector registers.
    B = np.zeros((ROWS, BLOCK))
    # Positions are double-buffered: written as a select into the other buffer, never as a
    # store back to where they were read, which compilers turn into a masked store (slow on
    # many CPUs). The two buffers also give the last update at the end without a store per
    # step.
    x = B[0]
    y = B[1]
    xn = B[2]
    yn = B[3]
    live = B[4]  # 1.0 while the particle has not diverged
    taken = B[5]  # steps taken in this call (exact as a float up to 2**53)
STATE_ALLOC
    for j in range(m):
        x[j] = P[i0 + j, 0]
        y[j] = P[i0 + j, 1]
        live[j] = 1.0 if active[i0 + j] else 0.0
STATE_LOAD
    # Two steps per turn, x -> xn and back, so each buffer keeps its name (the compiler
    # vectorizes the loop over particles only when it can tell the buffers apart).
    for t0 in range(0, T, 2):
STEP_X_TO_XN
        if t0 + 1 < T:
STEP_XN_TO_X
    if T % 2 == 1:  # the last step went into (xn, yn)
        x, xn = xn, x
        y, yn = yn, y
    for j in range(m):
        P[i0 + j, 0] = x[j]
        P[i0 + j, 1] = y[j]
        # The last step's update: 0 where it was refused or the particle was not live, for
        # then the point was copied.
        last_update[i0 + j, 0] = x[j] - xn[j]
        last_update[i0 + j, 1] = y[j] - yn[j]
        active[i0 + j] = live[j] != 0.0
        steps_taken[i0 + j] += np.int64(taken[j])
STATE_SAVE
'''

# One step of every particle of the block from (x, y) into (xn, yn): indented into the
# template twice with names and the step's index replaced.
_STEP_CODE = '''t = T_INDEX
sc = SCALARS
for j in range(m):
    xj = x[j]
    yj = y[j]
    gx, gy = grad(xj, yj)
CLIP
    nx, sx = step(xj, gx, STATE_X, sc)
    ny, sy = step(yj, gy, STATE_Y, sc)
    # As on the numpy engine, the state of every particle is updated, live or not; only a
    # live particle whose new point is accepted moves (one that is refused has diverged: it
    # stays at its last finite point from here on).
STATE_STORE
    ok = (live[j] != 0.0) & accepted(nx, ny, limit)
    xn[j] = nx if ok else xj
    yn[j] = ny if ok else yj
    live[j] = 1.0 if ok else 0.0
    taken[j] += live[j]
r = record_at[t]
if r >= 0:
    for j in range(m):
        out[r, i0 + j, 0] = xn[j]
        out[r, i0 + j, 1] = yn[j]
'''

_CLIP_CODE = '''    c = clip_factor(gx, gy, clip)
    gx = gx * c
    gy = gy * c
'''

_GRAD_IMPORT = '''
from {grad_module} import {grad_name} as _grad_py

grad = numba.njit(CACHE_ARGS)(_grad_py)
'''

# The fast engine's gradient: the same formula with fast.py's sin, cos and exp as its numpy.
_FAST_GRAD = '''
import types as _types
from landscape_explorer.core.fast import numpy_namespace as _fast_numpy

_grad_py = _types.FunctionType(_grad_py.__code__, dict(_grad_py.__globals__, np=_fast_numpy()),
                               _grad_py.__name__, _grad_py.__defaults__, _grad_py.__closure__)
grad = numba.njit(CACHE_ARGS)(_grad_py)
'''

_STEP_IMPORT = '''
from {step_module} import {step_name} as _step_py
from {scalars_module} import {scalars_name} as Scalars

step = numba.njit(CACHE_ARGS)(_step_py)
'''

# IEEE arithmetic, as numpy's: x / 0 is inf or nan, not a ZeroDivisionError. numba's default
# (Python's) tests every divisor and may raise, a branch out of the loop that keeps the compiler
# from vectorizing any loop with a division in it.
_MODEL = "error_model='numpy'"
_INLINE = "inline='always', " + _MODEL

_LOOPS: dict = {}
_GRADIENTS: dict = {}


def available() -> bool:
    """Whether numba can be used (installed, and LANDSCAPE_EXPLORER_NO_NUMBA not set)."""
    if os.environ.get("LANDSCAPE_EXPLORER_NO_NUMBA"):
        return False
    try:
        import numba
    except ImportError:
        return False
    return bool(numba.__version__)


def _loop_source(scalars_type: type, n_state: int, static: tuple = (),
                 clip: bool = False) -> str:
    """The loop's template for this Scalars type and number of state buffers: the scalars of
    step t built from the table's row, with the ``static`` (column, value) pairs written in as
    constants (see ``static_columns``), the state passed to the kernel as a tuple of floats and
    stored back (a kernel keeps its state in registers; see optimizers.py), the gradient
    clipped only in a loop built with ``clip``."""
    width = len(scalars_type._fields)  # type: ignore[attr-defined]
    fixed = dict(static)
    ctor = "Scalars(" + ", ".join(repr(fixed[i]) if i in fixed else f"table[t, {i}]"
                                  for i in range(width)) + ")"

    def state(axis: str) -> str:
        items = [f"s{axis}{k}[j]" for k in range(n_state)]
        return "(" + ", ".join(items) + ("," if n_state == 1 else "") + ")"

    def lines(indent: int, fmt: str) -> str:
        return "".join(" " * indent + fmt.format(k=k, a=a) + "\n"
                       for k in range(n_state) for a in "xy")

    col = {"x": 0, "y": 1}
    save = "".join(f"        ST[{k}, i0 + j, {col[a]}] = s{a}{k}[j]\n"
                   for k in range(n_state) for a in "xy")
    load = "".join(f"        s{a}{k}[j] = ST[{k}, i0 + j, {col[a]}]\n"
                   for k in range(n_state) for a in "xy")
    if n_state:
        save = "    for j in range(m):\n" + save
    body = (_STEP_CODE.replace("SCALARS", ctor).replace("STATE_X", state("x"))
            .replace("STATE_Y", state("y"))
            .replace("STATE_STORE\n", lines(4, "s{a}{k}[j] = s{a}[{k}]"))
            .replace("CLIP\n", _CLIP_CODE if clip else ""))

    def step_code(t: str, swap: bool, indent: int) -> str:
        code = body.replace("T_INDEX", t)
        if swap:  # from (xn, yn) into (x, y)
            code = re.sub(r"\b(x|y)n\b", r"\1_", code)
            code = re.sub(r"\b(x|y)\b", r"\1n", code)
            code = re.sub(r"\b(x|y)_", r"\1", code)
        return "".join(" " * indent + line + "\n" if line else "\n"
                       for line in code.splitlines())

    alloc = "".join(f"    s{a}{k} = B[{6 + 2 * k + col[a]}]\n" for k in range(n_state) for a in "xy")
    return (_LOOP_TEMPLATE.replace("STATE_ALLOC\n", alloc).replace("ROWS", str(6 + 2 * n_state))
            .replace("STATE_LOAD\n", load).replace("STATE_SAVE\n", save)
            .replace("STEP_X_TO_XN\n", step_code("t0", False, 8))
            .replace("STEP_XN_TO_X\n", step_code("t0 + 1", True, 12)))


def static_columns(opt: Any) -> tuple:
    """The (column, value) pairs of ``opt``'s scalar table that the compiled loop takes as
    constants: columns that depend on neither the step nor the learning rate (flags,
    hyperparameters) and hold exactly 0.0 or 1.0. With them constant, the compiler folds the
    kernel's branches on them (maximize, amsgrad, a zero weight decay or momentum...) out of the
    loop instead of computing both sides. Only 0 and 1 are specialized, so moving a slider does
    not make a new loop to compile."""
    probes = [opt.scalars(1, opt.lr), opt.scalars(2, 0.5 * opt.lr + 1e-3),
              opt.scalars(1000, 2.0 * opt.lr + 1e-3)]
    out = []
    for i, v in enumerate(probes[0]):
        v = float(v)
        if all(float(p[i]) == v for p in probes[1:]) and v in (0.0, 1.0) \
                and str(v) in ("0.0", "1.0"):  # not -0.0: a constant must be the same bits
            out.append((i, v))
    return tuple(out)


def gradient(f_grad: Callable) -> Callable[[np.ndarray], np.ndarray] | None:
    """The compiled gradient of formula ``f_grad`` over points (N, 2) -> (N, 2), as the fused
    loop computes it; None if numba is not available or cannot compile the formula."""
    if not available():
        return None
    build = _GRADIENT_BUILDS.get(f_grad)
    if build is not None and f_grad not in _GRADIENTS:
        build.join()  # compiling in the background already (gradient_ready): not twice
    if f_grad not in _GRADIENTS:
        _GRADIENTS[f_grad] = _compiled_gradient(f_grad)
    return _GRADIENTS[f_grad]


_GRADIENT_BUILDS: dict = {}


def gradient_ready(f_grad: Callable) -> bool:
    """Whether ``gradient(f_grad)`` returns at once (compiled, or nothing to compile). If not,
    its compilation is started in a background thread, once, and this says False until it is
    done: the app's live runs wait for it without freezing the window (a typed formula's
    first compile takes about half a second). LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER: True."""
    if f_grad in _GRADIENTS or not available() or \
            os.environ.get("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER"):
        return True
    with _BUILD_LOCK:
        if f_grad not in _GRADIENT_BUILDS:
            def build():
                _GRADIENTS[f_grad] = _compiled_gradient(f_grad)

            _GRADIENT_BUILDS[f_grad] = t = threading.Thread(
                target=build, name="landscape-explorer gradient compile", daemon=True)
            t.start()
    return f_grad in _GRADIENTS


def wait_gradient_ready(f_grad: Callable, timeout: float | None = None) -> bool:
    """Wait for a background gradient compile started by ``gradient_ready`` (tests,
    benchmarks); True if it is done."""
    build = _GRADIENT_BUILDS.get(f_grad)
    if build is not None:
        build.join(timeout)
    return gradient_ready(f_grad)


def _compiled_gradient(f_grad: Callable) -> Callable[[np.ndarray], np.ndarray] | None:
    try:
        kernel = _build(_GRAD_TEMPLATE, "gradients", f_grad, None, None)
        kernel(np.zeros((1, 2)), np.empty((1, 2)))  # compile (or load) now: can it?
    except Exception:  # a formula numba cannot compile: the numpy engine uses numpy's
        return None

    def compiled(xy: np.ndarray) -> np.ndarray:
        p = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
        g = np.empty_like(p)
        kernel(p, g)
        return g.reshape(np.shape(xy))

    return compiled


def loop(f_grad: Callable, kernel: Callable, scalars_type: type, n_state: int,
         static: tuple = (), clip: bool = False, fast: bool = False) -> Callable:
    """The compiled loop for this gradient formula, optimizer kernel, Scalars type, number of
    state buffers, constant scalar columns (``static_columns``) and clipping (cached); with
    ``fast``, the fast engine's (fast.py's sin, cos and exp in the gradient)."""
    key = (f_grad, kernel, scalars_type, n_state, static, clip, fast)
    if key not in _LOOPS:
        _LOOPS[key] = _build(_loop_source(scalars_type, n_state, static, clip), "drive",
                             f_grad, kernel, scalars_type, fast)
    return _LOOPS[key]


def _importable(obj: Any) -> bool:
    mod = sys.modules.get(getattr(obj, "__module__", None) or "")
    return mod is not None and getattr(mod, obj.__qualname__, None) is obj


def _cache_dir() -> str:
    base = os.environ.get("LANDSCAPE_EXPLORER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "landscape-explorer")
    return os.path.join(base, "fused")


def _build(template: str, entry: str, f_grad: Callable, kernel: Callable | None,
           scalars_type: type | None, fast: bool = False) -> Callable:
    parts = [f_grad] + ([kernel, scalars_type] if kernel is not None else [])
    if all(_importable(p) for p in parts):
        fn = _load_cached(template, entry, f_grad, kernel, scalars_type, fast)
        if fn is not None:
            return fn
    return _compile_in_memory(template, entry, f_grad, kernel, scalars_type, fast)


def _source(template: str, f_grad: Callable, kernel: Callable | None,
            scalars_type: type | None, cache: bool, fast: bool = False) -> str:
    src = _HEADER.format(driver_module=driver.__name__)
    src += _GRAD_IMPORT.format(grad_module=f_grad.__module__, grad_name=f_grad.__qualname__)
    if fast:
        src += _FAST_GRAD
    if kernel is not None and scalars_type is not None:
        src += _STEP_IMPORT.format(step_module=kernel.__module__, step_name=kernel.__qualname__,
                                   scalars_module=scalars_type.__module__,
                                   scalars_name=scalars_type.__qualname__)
    src += template
    return (src.replace("CACHE_ARGS", _INLINE + (", cache=True" if cache else ""))
            .replace("CACHE_KW", _MODEL + (", cache=True" if cache else ", cache=False")))


def _load_cached(template: str, entry: str, f_grad: Callable, kernel: Callable | None,
                 scalars_type: type | None, fast: bool = False) -> Callable | None:
    import numba

    from .. import __version__

    source = _source(template, f_grad, kernel, scalars_type, cache=True, fast=fast)
    try:
        parts = [source, inspect.getsource(f_grad), inspect.getsource(driver),
                 numba.__version__, __version__, sys.version]
        if kernel is not None and scalars_type is not None:
            parts += [inspect.getsource(kernel), repr(scalars_type._fields)]  # type: ignore[attr-defined]
        if fast:
            from . import fast as fast_module

            parts.append(inspect.getsource(fast_module))
        fingerprint = "\n".join(parts)
    except (OSError, TypeError):
        return None
    name = "le_fused_" + hashlib.sha256(fingerprint.encode()).hexdigest()[:20]
    directory = _cache_dir()
    path = os.path.join(directory, name + ".py")
    try:
        os.makedirs(directory, exist_ok=True)
        if not os.path.exists(path):
            # Written whole under a temporary name, then renamed: a concurrent process sees
            # either no file or the complete one.
            fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                f.write(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        # numba's cache re-imports the module by name when it loads compiled code.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except OSError:
        return None  # read-only home, full disk...: compile in memory instead
    return getattr(module, entry)


def _compile_in_memory(template: str, entry: str, f_grad: Callable, kernel: Callable | None,
                       scalars_type: type | None, fast: bool = False) -> Callable:
    import numba

    body = _HEADER.format(driver_module=driver.__name__) + template
    body = body.replace("CACHE_ARGS", _INLINE).replace("CACHE_KW", _MODEL + ", cache=False")
    if fast:
        import types

        from .fast import numpy_namespace

        f_grad = types.FunctionType(f_grad.__code__, dict(f_grad.__globals__, np=numpy_namespace()),
                                    f_grad.__name__, f_grad.__defaults__, f_grad.__closure__)
    namespace: dict[str, Any] = {"grad": numba.njit(inline="always", error_model="numpy")(f_grad)}
    if kernel is not None:
        namespace.update(step=numba.njit(inline="always", error_model="numpy")(kernel),
                         Scalars=scalars_type)
    exec(compile(body, "<landscape_explorer fused loop>", "exec"), namespace)
    return namespace[entry]


def _loop_args(engine: Any, table: np.ndarray | None) -> tuple:
    opt = engine.opt
    static = static_columns(opt)
    if table is not None and not all((table[:, i] == v).all() for i, v in static):
        static = ()  # a column the probes took for constant is not: read every one from the table
    return (engine.surface.f_grad, opt.kernel, type(opt.scalars(1, opt.lr)), opt.n_state,
            static, opt.clip is not None, bool(getattr(engine, "fast", False)))


_READY: set = set()  # loop keys compiled (or loaded) and called once: no compile left
_BUILDING: dict = {}  # loop key -> threading.Event set when its build has finished
_BUILD_LOCK = threading.Lock()


def ready(engine: Any, table: np.ndarray | None = None) -> bool:
    """Whether the loop ``run(engine, table, ...)`` needs is compiled, so that running it starts
    at once. If not, its compilation (or loading from the disk cache) is started in a
    background thread, once; meanwhile the caller steps on the numpy engine, which computes
    the same thing (see simulate.Engine.run)."""
    args = _loop_args(engine, table)
    key = args
    if key in _READY or os.environ.get("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER"):
        return True  # (the variable: wait for the compiler, as tests of the fused engine do)
    with _BUILD_LOCK:
        if key in _READY:
            return True
        if key not in _BUILDING:
            done = threading.Event()
            _BUILDING[key] = done
            threading.Thread(target=_build_now, args=(key, args, engine.buffers.shape[0], done),
                             name="landscape-explorer compile", daemon=True).start()
    return False


def _build_now(key: tuple, args: tuple, n_state: int, done: threading.Event) -> None:
    try:
        drive = loop(*args)
        # Compile (or load) for the argument types run() passes, by running it on no particles.
        drive(np.zeros((0, 2)), np.zeros((n_state, 0, 2)), np.zeros((1, len(args[2]._fields))),
              np.zeros(0, dtype=np.bool_), driver.NO_CLIP, driver.DIVERGENCE_LIMIT,
              np.full(1, -1, dtype=np.int64), np.zeros((0, 0, 2)), np.zeros((0, 2)),
              np.zeros(0, dtype=np.int64))
        _READY.add(key)
    except Exception:  # run() will meet the same error in the caller's thread and report it
        pass
    finally:
        done.set()


def wait_ready(engine: Any, timeout: float | None = None) -> bool:
    """Wait for a background build started by ``ready`` (tests, benchmarks); True if ready."""
    if ready(engine):
        return True
    done = _BUILDING.get(_loop_args(engine, None))
    if done is not None:
        done.wait(timeout)
    return ready(engine)


def run(engine: Any, table: np.ndarray, record_at: np.ndarray, out: np.ndarray,
        limit: float = driver.DIVERGENCE_LIMIT) -> None:
    """Advance ``engine`` (simulate.Engine) by len(table) steps; see simulate.Engine.run."""
    opt = engine.opt
    args = _loop_args(engine, table)
    drive = loop(*args)
    clip = driver.NO_CLIP if opt.clip is None else float(opt.clip)
    engine.p = np.ascontiguousarray(engine.p)
    engine.buffers = np.ascontiguousarray(engine.buffers)
    drive(engine.p, engine.buffers, np.ascontiguousarray(table), engine.active, clip,
          limit, record_at, out, engine.last_update, engine.steps_taken)
    _READY.add(args)
