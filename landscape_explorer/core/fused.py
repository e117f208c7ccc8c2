"""The fused engine: one numba-compiled loop per (surface gradient, optimizer kernel) pair.

Particles are stepped to the end a few at a time (in lockstep, so that the CPU overlaps their
independent chains of dependent operations), in parallel over groups, calling the very formula
functions the numpy engine calls on arrays (see surfaces.py and optimizers.py), so
the results are bit-identical; tests check it.

Compiling a loop takes seconds, so loops are cached on disk: the loop's source is written to a
small module in the user's cache directory, named by a hash of everything it is built from (the
source of the two formula functions, this template, and the numba and package versions), and
numba caches the compiled code beside it. A later process loads it in a fraction of a second.
Formula functions that cannot be imported by name (a lambda, a closure) are compiled in memory.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile

import numpy as np

# The loop. ``grad`` and ``step`` are the numba-compiled formula functions.
_HEADER = '''import numpy as np
import numba
'''

_TEMPLATE = '''
LANES = 4  # particles stepped in lockstep: their independent chains overlap in the CPU


@numba.njit(parallel=True, nogil=True, cache=CACHE)
def drive(P, ST, table, active, clip, limit, record_at, out, last_update, steps_taken):
    n = P.shape[0]
    T = table.shape[0]
    K = ST.shape[0]
    for group in numba.prange((n + LANES - 1) // LANES):
        i0 = group * LANES
        m = min(LANES, n - i0)
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
            sc = table[t]
            for j in range(LANES):
                if live[j]:
                    x = q[2 * j]
                    y = q[2 * j + 1]
                    gx, gy = grad(x, y)
                    if clip > 0.0:
                        # torch.nn.utils.clip_grad_norm_, as the numpy engine applies it
                        c = clip / (np.sqrt(gx * gx + gy * gy) + 1e-6)
                        if c < 1.0:
                            gx = gx * c
                            gy = gy * c
                    nx = step(x, gx, st[2 * j], sc)
                    ny = step(y, gy, st[2 * j + 1], sc)
                    if np.isfinite(nx) and np.isfinite(ny) and abs(nx) < limit \\
                            and abs(ny) < limit:
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

_IMPORTS = '''
from {grad_module} import {grad_name} as _grad_py
from {step_module} import {step_name} as _step_py

grad = numba.njit(cache=True)(_grad_py)
step = numba.njit(cache=True)(_step_py)
'''

_LOOPS: dict = {}


def available() -> bool:
    if os.environ.get("LANDSCAPE_EXPLORER_NO_NUMBA"):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def loop(f_grad, kernel):
    """The compiled loop for this gradient formula and optimizer kernel (cached)."""
    key = (f_grad, kernel)
    if key not in _LOOPS:
        _LOOPS[key] = _load_cached(f_grad, kernel) or _compile_in_memory(f_grad, kernel)
    return _LOOPS[key]


def _importable(fn) -> bool:
    mod = sys.modules.get(getattr(fn, "__module__", None) or "")
    return mod is not None and getattr(mod, fn.__qualname__, None) is fn


def _cache_dir() -> str:
    base = os.environ.get("LANDSCAPE_EXPLORER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "landscape-explorer")
    return os.path.join(base, "fused")


def _load_cached(f_grad, kernel):
    if not (_importable(f_grad) and _importable(kernel)):
        return None
    import numba

    from .. import __version__

    source = _HEADER + _IMPORTS.format(grad_module=f_grad.__module__, grad_name=f_grad.__qualname__,
                             step_module=kernel.__module__, step_name=kernel.__qualname__) \
        + _TEMPLATE.replace("CACHE", "True")
    try:
        fingerprint = "\n".join([source, inspect.getsource(f_grad), inspect.getsource(kernel),
                                 numba.__version__, __version__, sys.version])
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
        module = importlib.util.module_from_spec(spec)
        # numba's cache re-imports the module by name when it loads compiled code.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except OSError:
        return None  # read-only home, full disk...: compile in memory instead
    return module.drive


def _compile_in_memory(f_grad, kernel):
    import numba

    namespace = {"grad": numba.njit(f_grad), "step": numba.njit(kernel)}
    exec(compile(_HEADER + _TEMPLATE.replace("CACHE", "False"), "<landscape_explorer fused loop>", "exec"),
         namespace)
    return namespace["drive"]


def run(engine, table, record_at, out):
    """Advance ``engine`` (simulate.Engine) by len(table) steps; see simulate.Engine.run."""
    from .simulate import DIVERGENCE_LIMIT

    drive = loop(engine.surface.f_grad, engine.opt.kernel)
    clip = -1.0 if engine.opt.clip is None else float(engine.opt.clip)
    engine.p = np.ascontiguousarray(engine.p)
    engine.buffers = np.ascontiguousarray(engine.buffers)
    drive(engine.p, engine.buffers, np.ascontiguousarray(table), engine.active, clip,
          DIVERGENCE_LIMIT, record_at, out, engine.last_update, engine.steps_taken)
