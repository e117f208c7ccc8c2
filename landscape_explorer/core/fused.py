"""The numba side of both engines: compiled surface gradients and the fused stepping loop.

Both engines evaluate a surface's gradient with the same numba-compiled formula (``gradient``):
the numpy engine over all particles at once, the fused engine inside its loop. So both call the
same elementary functions (libm's exp, sin, cos...), not numpy's own SIMD loops, which on some
CPUs (AVX-512) differ from libm in the last bit; with the optimizer's kernel and the step
driver's formulas (driver.py) using only correctly rounded operations, the two engines agree
bit for bit on every CPU. Tests check it for every optimizer on every surface.

The fused engine: one numba-compiled loop per (surface gradient, optimizer kernel) pair.
Particles are stepped to the end a few at a time (in lockstep, so that the CPU overlaps their
independent chains of dependent operations), in parallel over groups, calling the very formula
functions the numpy engine calls on arrays (see surfaces.py, optimizers.py and driver.py).

Compiling takes seconds, so compiled code is cached on disk: the source is written to a small
module in the user's cache directory, named by a hash of everything it is built from (the source
of the formula functions, this template, and the numba and package versions), and numba caches
the compiled code beside it. A later process loads it in a fraction of a second. Formula
functions that cannot be imported by name (a lambda, a closure) are compiled in memory.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
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
LANES = 4  # particles stepped in lockstep: their independent chains overlap in the CPU


@numba.njit(parallel=True, nogil=True, CACHE_KW)
def drive(P, ST, table, active, clip, limit, record_at, out, last_update, steps_taken):
    n = P.shape[0]
    for group in numba.prange((n + LANES - 1) // LANES):
        i0 = group * LANES
        run_group(i0, min(LANES, n - i0), P, ST, table, active, clip, limit, record_at, out,
                  last_update, steps_taken)


# One group of particles, to the end. A function of its own, outside the parallel loop: numba's
# parallel analysis cannot take the kernel inlined, and inlined it must be (see the header).
@numba.njit(nogil=True, CACHE_KW)
def run_group(i0, m, P, ST, table, active, clip, limit, record_at, out, last_update,
              steps_taken):
    T = table.shape[0]
    K = ST.shape[0]
    q = np.zeros(2 * LANES)  # x0, y0, x1, y1, ...
    u = np.zeros(2 * LANES)  # the last update of each coordinate
    st = np.zeros((2 * LANES, K))
    live = np.zeros(LANES, dtype=np.bool_)
    for j in range(m):
        q[2 * j] = P[i0 + j, 0]
        q[2 * j + 1] = P[i0 + j, 1]
        live[j] = active[i0 + j]
        for s in range(K):
            st[2 * j, s] = ST[s, i0 + j, 0]
            st[2 * j + 1, s] = ST[s, i0 + j, 1]
    for t in range(T):
        sc = SCALARS
        for j in range(LANES):
            if live[j]:
                x = q[2 * j]
                y = q[2 * j + 1]
                gx, gy = grad(x, y)
                if clip > 0.0:
                    c = clip_factor(gx, gy, clip)
                    gx = gx * c
                    gy = gy * c
                nx, sx = step(x, gx, STATE_X, sc)
                ny, sy = step(y, gy, STATE_Y, sc)
STORE_STATE
                if accepted(nx, ny, limit):
                    u[2 * j] = nx - x
                    u[2 * j + 1] = ny - y
                    q[2 * j] = nx
                    q[2 * j + 1] = ny
                    steps_taken[i0 + j] += 1
                else:
                    # Diverged: it stays at its last finite point from here on.
                    live[j] = False
                    active[i0 + j] = False
                    u[2 * j] = 0.0
                    u[2 * j + 1] = 0.0
        r = record_at[t]
        if r >= 0:
            for j in range(m):
                out[r, i0 + j, 0] = q[2 * j]
                out[r, i0 + j, 1] = q[2 * j + 1]
    for j in range(m):
        P[i0 + j, 0] = q[2 * j]
        P[i0 + j, 1] = q[2 * j + 1]
        last_update[i0 + j, 0] = u[2 * j]
        last_update[i0 + j, 1] = u[2 * j + 1]
        for s in range(K):
            ST[s, i0 + j, 0] = st[2 * j, s]
            ST[s, i0 + j, 1] = st[2 * j + 1, s]
'''

_GRAD_IMPORT = '''
from {grad_module} import {grad_name} as _grad_py

grad = numba.njit(CACHE_ARGS)(_grad_py)
'''

_STEP_IMPORT = '''
from {step_module} import {step_name} as _step_py
from {scalars_module} import {scalars_name} as Scalars

step = numba.njit(CACHE_ARGS)(_step_py)
'''

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


def _loop_source(scalars_type: type, n_state: int) -> str:
    """The loop's template for this Scalars type and number of state buffers: the scalars of
    step t built from the table's row, the state passed to the kernel as a tuple of floats and
    stored back (a kernel keeps its state in registers; see optimizers.py)."""
    width = len(scalars_type._fields)  # type: ignore[attr-defined]
    ctor = "Scalars(" + ", ".join(f"table[t, {i}]" for i in range(width)) + ")"

    def state(row: str) -> str:
        items = [f"st[{row}, {k}]" for k in range(n_state)]
        return "(" + ", ".join(items) + ("," if n_state == 1 else "") + ")"

    indent = " " * 16
    store = "".join(f"{indent}st[2 * j, {k}] = sx[{k}]\n{indent}st[2 * j + 1, {k}] = sy[{k}]\n"
                    for k in range(n_state))
    return (_LOOP_TEMPLATE.replace("SCALARS", ctor).replace("STATE_X", state("2 * j"))
            .replace("STATE_Y", state("2 * j + 1")).replace("STORE_STATE\n", store))


def gradient(f_grad: Callable) -> Callable[[np.ndarray], np.ndarray] | None:
    """The compiled gradient of formula ``f_grad`` over points (N, 2) -> (N, 2), as the fused
    loop computes it; None if numba is not available or cannot compile the formula."""
    if not available():
        return None
    if f_grad not in _GRADIENTS:
        _GRADIENTS[f_grad] = _compiled_gradient(f_grad)
    return _GRADIENTS[f_grad]


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


def loop(f_grad: Callable, kernel: Callable, scalars_type: type, n_state: int) -> Callable:
    """The compiled loop for this gradient formula, optimizer kernel, Scalars type and number
    of state buffers (cached)."""
    key = (f_grad, kernel, scalars_type, n_state)
    if key not in _LOOPS:
        _LOOPS[key] = _build(_loop_source(scalars_type, n_state), "drive", f_grad, kernel,
                             scalars_type)
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
           scalars_type: type | None) -> Callable:
    parts = [f_grad] + ([kernel, scalars_type] if kernel is not None else [])
    if all(_importable(p) for p in parts):
        fn = _load_cached(template, entry, f_grad, kernel, scalars_type)
        if fn is not None:
            return fn
    return _compile_in_memory(template, entry, f_grad, kernel, scalars_type)


def _source(template: str, f_grad: Callable, kernel: Callable | None,
            scalars_type: type | None, cache: bool) -> str:
    src = _HEADER.format(driver_module=driver.__name__)
    src += _GRAD_IMPORT.format(grad_module=f_grad.__module__, grad_name=f_grad.__qualname__)
    if kernel is not None and scalars_type is not None:
        src += _STEP_IMPORT.format(step_module=kernel.__module__, step_name=kernel.__qualname__,
                                   scalars_module=scalars_type.__module__,
                                   scalars_name=scalars_type.__qualname__)
    src += template
    return (src.replace("CACHE_ARGS", "inline='always', cache=True" if cache else "inline='always'")
            .replace("CACHE_KW", "cache=True" if cache else "cache=False"))


def _load_cached(template: str, entry: str, f_grad: Callable, kernel: Callable | None,
                 scalars_type: type | None) -> Callable | None:
    import numba

    from .. import __version__

    source = _source(template, f_grad, kernel, scalars_type, cache=True)
    try:
        parts = [source, inspect.getsource(f_grad), inspect.getsource(driver),
                 numba.__version__, __version__, sys.version]
        if kernel is not None and scalars_type is not None:
            parts += [inspect.getsource(kernel), repr(scalars_type._fields)]  # type: ignore[attr-defined]
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
                       scalars_type: type | None) -> Callable:
    import numba

    body = _HEADER.format(driver_module=driver.__name__) + template
    body = body.replace("CACHE_ARGS", "inline='always'").replace("CACHE_KW", "cache=False")
    namespace: dict[str, Any] = {"grad": numba.njit(inline="always")(f_grad)}
    if kernel is not None:
        namespace.update(step=numba.njit(inline="always")(kernel), Scalars=scalars_type)
    exec(compile(body, "<landscape_explorer fused loop>", "exec"), namespace)
    return namespace[entry]


def run(engine: Any, table: np.ndarray, record_at: np.ndarray, out: np.ndarray,
        limit: float = driver.DIVERGENCE_LIMIT) -> None:
    """Advance ``engine`` (simulate.Engine) by len(table) steps; see simulate.Engine.run."""
    opt = engine.opt
    drive = loop(engine.surface.f_grad, opt.kernel, type(opt.scalars(1, opt.lr)), opt.n_state)
    clip = driver.NO_CLIP if opt.clip is None else float(opt.clip)
    engine.p = np.ascontiguousarray(engine.p)
    engine.buffers = np.ascontiguousarray(engine.buffers)
    drive(engine.p, engine.buffers, np.ascontiguousarray(table), engine.active, clip,
          limit, record_at, out, engine.last_update, engine.steps_taken)
