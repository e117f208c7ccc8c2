"""The fast engine's elementary functions: sin, cos and exp that vectorize across particles.

The exact engine (fused.py) calls libm's sin, cos and exp, one particle at a time: a call the
compiler cannot vectorize, and most of the time of a step on Rastrigin or Ackley. Analysis that
does not need the last bit (basin maps, particle clouds, random restarts, sweeps) may use the
fast engine instead: the same fused loop with these polynomial versions inlined, which the
compiler turns into SIMD code over 4 particles at a time (AVX2). Runs the user watches live stay
on the exact engine.

Accuracy, per evaluation, against libm (tests/core/test_fast_engine.py checks it over hundreds of
thousands of points, uniform and near the hard cases):

- ``sin``, ``cos``: Cody-Waite reduction by pi/2 in three fused multiply-adds (pi/2 to about
  100 bits, fdlibm's split), then fdlibm's polynomial kernels on [-pi/4, pi/4]. For
  |x| <= ``TRIG_RANGE``: |fast - libm| <= ``ULP_BOUND`` ulps of libm's result
  + ``REDUCTION_ERROR`` * |x|. The second term (the reduction's error, 1e-26 at |x| = 1e5)
  matters only within about 1e-14 |x| of a zero of the function, where the result itself is
  tiny. Beyond TRIG_RANGE (a particle far outside any plot) the result stays in [-1, 1] and
  loses accuracy.
- ``exp``: reduction by ln 2 in two fused multiply-adds, a degree-13 Taylor polynomial on
  [-ln2/2, ln2/2], and scaling by 2**n in two halves (so that subnormal results and overflow to
  inf come out right). Within ``ULP_BOUND`` ulps of libm over the whole range.

Differences of a few ulps per evaluation add up along a path: where a start lies near the border
between two basins, the fast engine may send it to the neighbouring basin. Tests bound the
fraction of a basin map that differs from the exact engine's.
"""
from __future__ import annotations

import types

import numba
import numpy as np
from llvmlite import ir
from numba.core import types as nt
from numba.extending import intrinsic

from .optimizers import prepare_numba

ULP_BOUND = 2  # ulps of libm's result, per evaluation (see the module docstring)
TRIG_RANGE = 1e5  # |x| up to which sin and cos keep the bound
REDUCTION_ERROR = 1e-31  # sin, cos: the bound's term in |x| (see the docstring)

_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00  # first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11  # next 33 bits
_PIO2_3 = 2.02226624871116645580e-21  # next 33 bits
_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11
_LOG2E = 1.44269504088896338700e+00
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in 32 bits: n * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_EXP_LIMIT = 800.0  # beyond it exp is 0 or inf whatever the input; keeps 2**n in range

_MODULE = None


def numpy_namespace() -> types.ModuleType:
    """A module like numpy whose sin, cos and exp are this module's compiled fast versions: a
    surface's gradient formula, compiled with it as its ``np``, is the fast engine's gradient."""
    global _MODULE
    if _MODULE is None:
        mod = types.ModuleType("landscape_explorer_fast_numpy")
        mod.__dict__.update({k: v for k, v in np.__dict__.items() if not k.startswith("__")})
        mod.sin, mod.cos, mod.exp = sin, cos, exp  # type: ignore[attr-defined]
        _MODULE = mod
    return _MODULE


_fma = prepare_numba()  # the compiled fused multiply-add (llvm.fma)
_jit = numba.njit(inline="always", error_model="numpy")


@intrinsic
def _as_double(typingctx, bits):
    sig = nt.float64(nt.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@_jit
def _pow2(n):  # 2**n for an integral float n in [-1022, 1023], exactly
    return _as_double(np.int64(n + 1023.0) << 52)  # type: ignore[call-arg]


@_jit
def _reduce(x):
    """(r, q): x = r + k pi/2 with |r| <= pi/4 (to about 2**-90 |x|), q = k mod 4."""
    k = np.rint(x * _INVPIO2)
    r = _fma(-k, _PIO2_1, x)
    r = _fma(-k, _PIO2_2, r)
    r = _fma(-k, _PIO2_3, r)
    return r, k - 4.0 * np.floor(k * 0.25)


@_jit
def _sin_kernel(r):
    z = r * r
    p = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    return r + r * z * (_S1 + z * p)


@_jit
def _cos_kernel(r):
    z = r * r
    p = z * z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + p)


@_jit
def sin(x):
    """sin(x), vectorizable; see the module docstring for its accuracy."""
    r, q = _reduce(x)
    s = _sin_kernel(r)
    c = _cos_kernel(r)
    v = c if (q == 1.0) | (q == 3.0) else s
    return -v if q >= 2.0 else v


@_jit
def cos(x):
    """cos(x), vectorizable; see the module docstring for its accuracy."""
    r, q = _reduce(x)
    s = _sin_kernel(r)
    c = _cos_kernel(r)
    v = s if (q == 1.0) | (q == 3.0) else c
    return -v if (q == 1.0) | (q == 2.0) else v


@_jit
def exp(x):
    """exp(x), vectorizable; see the module docstring for its accuracy."""
    x = min(max(x, -_EXP_LIMIT), _EXP_LIMIT) if x == x else x
    n = np.rint(x * _LOG2E)
    r = _fma(-n, _LN2_HI, x)
    r = _fma(-n, _LN2_LO, r)
    p = 1.0 / 6227020800.0  # Taylor: 1/13!, then Horner down to 1
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    n = n if n == n else 0.0  # nan: any scale will do, p carries the nan
    h = np.floor(0.5 * n)
    return p * _pow2(h) * _pow2(n - h)
