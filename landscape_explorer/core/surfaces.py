"""Loss surfaces: exact, vectorized value, gradient and Hessian over arrays of shape (..., 2).

Each surface is written once, as three elementwise formulas of (x, y): value, gradient and Hessian.
They use only arithmetic and numpy ufuncs (np.sin, np.exp, ...), never array-only operations or
Python branches on values, so the same function works on numpy arrays (the reference path) and on
scalars inside a numba-compiled loop (the fused fast path in simulate.py), giving bit-identical
results in both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

KINDS = ("global_min", "local_min", "saddle", "max")


@dataclass(frozen=True)
class KnownPoint:
    """An analytically known critical point: where, its value, and its kind (see KINDS)."""

    xy: tuple[float, float]
    value: float
    kind: str  # one of KINDS


@dataclass(frozen=True)
class Surface:
    """A loss surface of (x, y): exact value, gradient and Hessian over arrays (..., 2)."""

    name: str
    title: str
    description: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    known_points: tuple[KnownPoint, ...]
    # Elementwise formulas (see module docstring).
    f_value: Callable  # (x, y) -> v
    f_grad: Callable  # (x, y) -> (gx, gy)
    f_hessian: Callable  # (x, y) -> (hxx, hxy, hyy)
    formula: str = ""  # human-readable, e.g. "x² + y²"
    expression: str = ""  # the typed text, for a surface made from a formula (expressions.py)
    params: tuple[tuple[str, float], ...] = ()  # its named parameters' values
    exact_derivatives: bool = True  # False: gradient and Hessian are numerical approximations
    compilable: bool = True  # whether the fused (numba) engine can compile f_grad
    # f is undefined (non-finite) in part of the plane, as a typed log(x) left of zero: the
    # engines then check every new point and stop a particle before it steps out of the domain.
    domain_limited: bool = False
    # Where the app starts runs when the surface is picked: a point from which the default runs
    # move and show what the surface teaches. Default: upper-left of the bounds.
    default_start: tuple[float, float] | None = None

    def __post_init__(self):
        if self.default_start is None:
            (x0, x1), (y0, y1) = self.bounds
            object.__setattr__(self, "default_start",
                               (x0 + 0.2 * (x1 - x0), y0 + 0.8 * (y1 - y0)))
        else:
            object.__setattr__(self, "default_start", tuple(float(v) for v in self.default_start))

    def value(self, xy: ArrayLike) -> np.ndarray:
        """(...) the loss at points (..., 2)."""
        x, y = _split(xy)
        with np.errstate(all="ignore"):
            return _full(self.f_value(x, y), x.shape)

    def grad(self, xy: ArrayLike) -> np.ndarray:
        """(..., 2) the exact gradient at points (..., 2)."""
        x, y = _split(xy)
        with np.errstate(all="ignore"):
            gx, gy = self.f_grad(x, y)
        return np.stack([_full(gx, x.shape), _full(gy, x.shape)], axis=-1)

    def hessian(self, xy: ArrayLike) -> np.ndarray:
        """(..., 2, 2) the exact Hessian at points (..., 2)."""
        x, y = _split(xy)
        with np.errstate(all="ignore"):
            hxx, hxy, hyy = self.f_hessian(x, y)
        hxx, hxy, hyy = (_full(h, x.shape) for h in (hxx, hxy, hyy))
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    @property
    def global_minimum(self) -> KnownPoint | None:
        """The lowest known global minimum (None if unbounded below)."""
        mins = [p for p in self.known_points if p.kind == "global_min"]
        return min(mins, key=lambda p: p.value) if mins else None


def _split(xy):
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape[-1:] != (2,):
        raise ValueError(f"xy must have shape (..., 2), got {xy.shape}")
    return xy[..., 0], xy[..., 1]


def _full(a, shape):
    """Formulas may return a constant (e.g. the bowl's Hessian); give every output the input's shape."""
    a = np.asarray(a, dtype=np.float64)
    return a if a.shape == shape else np.broadcast_to(a, shape).copy()


_REGISTRY: dict[str, Surface] = {}


def register(surface: Surface) -> Surface:
    """Add a surface to the registry (by its name)."""
    _REGISTRY[surface.name] = surface
    return surface


def surface_names() -> list[str]:
    """The names of every registered surface, sorted."""
    return sorted(_REGISTRY)


SurfaceResolver = Callable[..., "Surface | None"]
_RESOLVERS: list[SurfaceResolver] = []


def add_surface_resolver(resolver: SurfaceResolver) -> None:
    """Let ``surface()`` accept more than the registered names: ``resolver(name, params=...,
    bounds=..., dataset=...)`` returns a Surface, or None when ``name`` is not its kind, or
    raises ValueError saying what is wrong with it (expressions.py resolves typed formulas this
    way, data_surfaces.py a model's loss over a dataset)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def surface(name: str | Surface, params: dict[str, float] | None = None, bounds: Any = None,
            dataset: Any = None) -> Surface:
    """A built-in surface by name (``surface_names()``); a function of x and y typed as text
    (``surface("x**4 - 3*x**2 + y**2", params=..., bounds=...)``, see expressions.py); or a
    model's loss over a dataset (``surface("sinusoid_fit", dataset=...)``, data_surfaces.py)."""
    if isinstance(name, Surface):
        return name
    if isinstance(name, str) and name in _REGISTRY:
        if params or bounds is not None or dataset is not None:
            raise ValueError(f"surface {name!r} is built in: it takes no params, bounds or "
                             "dataset")
        return _REGISTRY[name]
    for resolve in _RESOLVERS:
        found = resolve(name, params=params, bounds=bounds, dataset=dataset)
        if found is not None:
            return found
    raise ValueError(
        f"unknown surface {name!r}; valid surfaces: {', '.join(surface_names())}, or a "
        "function of x and y such as \"x**2 + 3*y**2\""
    )


# ---------------------------------------------------------------------------------------------
# Built-in surfaces.


def _bowl_value(x, y):
    return x * x + y * y


def _bowl_grad(x, y):
    return 2.0 * x, 2.0 * y


def _bowl_hessian(x, y):
    return 2.0 + 0.0 * x, 0.0 * x, 2.0 + 0.0 * y


register(
    Surface(
        name="bowl",
        default_start=(-0.6, 0.5),  # every run reaches the minimum
        title="Bowl",
        formula="x² + y²",
        description="A perfectly round convex bowl: one minimum, every optimizer should find it. "
        "The baseline to compare step sizes and momentum on.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        known_points=(KnownPoint((0.0, 0.0), 0.0, "global_min"),),
        f_value=_bowl_value,
        f_grad=_bowl_grad,
        f_hessian=_bowl_hessian,
    )
)


def _kp(*points):
    """Known points as ((x, y), value, kind) triples. Coordinates and values were found with
    Newton's method in 40-digit mpmath on the same formulas, then rounded to float64."""
    return tuple(KnownPoint((float(x), float(y)), float(v), k) for (x, y), v, k in points)


def _on_axes(c):
    """The four points at distance c from the origin along the axes."""
    return ((c, 0.0), (-c, 0.0), (0.0, c), (0.0, -c))


def _mirrored(a, b):
    """(a, b) reflected in both axes."""
    return ((a, b), (-a, b), (a, -b), (-a, -b))


# --- sin_quadratic: a 1-D textbook trap (sin(3x) + x²/2) made into a 2-D surface. ---------------
# The y² term is a plain bowl across the valley, so the y = 0 slice is exactly sin(3x) + 0.5x².


def _sin_quadratic_value(x, y):
    return np.sin(3.0 * x) + 0.5 * x * x + y * y


def _sin_quadratic_grad(x, y):
    return 3.0 * np.cos(3.0 * x) + x, 2.0 * y


def _sin_quadratic_hessian(x, y):
    return 1.0 - 9.0 * np.sin(3.0 * x), 0.0 * x, 2.0 + 0.0 * y


register(
    Surface(
        name="sin_quadratic",
        default_start=(2.6, 1.2),  # on the right: the local minimum at x≈1.41
        title="Sine on a parabola",
        formula="sin(3x) + x²/2 + y²",
        description="A wavy valley: the global minimum is at x≈-0.47, but plain gradient descent "
        "started on the right settles in the local minimum at x≈1.41. Momentum or noise can "
        "carry it over the saddle at x≈0.59.",
        bounds=((-3.0, 3.0), (-2.0, 2.0)),
        known_points=_kp(
            ((-0.4710431708929681, 0.0), -0.8766554804954689, "global_min"),
            ((1.4079565765885815, 0.0), 0.10814209074104379, "local_min"),
            ((-2.322807407319497, 0.0), 2.0648606606726996, "local_min"),
            ((0.589531341226537, 0.0), 1.154275331989252, "saddle"),
            ((-1.7829324752265465, 0.0), 2.3936595457617114, "saddle"),
        ),
        f_value=_sin_quadratic_value,
        f_grad=_sin_quadratic_grad,
        f_hessian=_sin_quadratic_hessian,
    )
)


# --- saddle: the simplest saddle point. -------------------------------------------------------


def _saddle_value(x, y):
    return x * x - y * y


def _saddle_grad(x, y):
    return 2.0 * x, -2.0 * y


def _saddle_hessian(x, y):
    return 2.0 + 0.0 * x, 0.0 * x, -2.0 + 0.0 * y


register(
    Surface(
        name="saddle",
        default_start=(-0.5, 0.0),  # on the stable line y = 0: every run walks into the saddle and stops
        title="Saddle",
        formula="x² − y²",
        description="A saddle point at the origin, unbounded below along y. Gradient descent "
        "started exactly on the x-axis walks into the saddle and stops; any noise or offset in y "
        "lets it escape, slowly at first because the gradient is small near the saddle.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        known_points=_kp(((0.0, 0.0), 0.0, "saddle")),
        f_value=_saddle_value,
        f_grad=_saddle_grad,
        f_hessian=_saddle_hessian,
    )
)


# --- monkey_saddle: a degenerate saddle (three valleys, zero Hessian at the origin). ------------


def _monkey_saddle_value(x, y):
    return x * (x * x - 3.0 * y * y)


def _monkey_saddle_grad(x, y):
    return 3.0 * (x * x - y * y), -6.0 * x * y


def _monkey_saddle_hessian(x, y):
    return 6.0 * x, -6.0 * y, -6.0 * x


register(
    Surface(
        name="monkey_saddle",
        default_start=(1.3, 0.0),  # on the ridge y = 0: runs slow to a crawl at the flat saddle
        title="Monkey saddle",
        formula="x³ − 3xy²",
        description="A degenerate saddle: both the gradient and the Hessian vanish at the origin, "
        "so second-order tests cannot classify it and gradient descent slows to a crawl near it "
        "before sliding down one of the three valleys.",
        bounds=((-1.5, 1.5), (-1.5, 1.5)),
        # Degenerate (zero Hessian), listed as a saddle: it is neither a minimum nor a maximum.
        known_points=_kp(((0.0, 0.0), 0.0, "saddle")),
        f_value=_monkey_saddle_value,
        f_grad=_monkey_saddle_grad,
        f_hessian=_monkey_saddle_hessian,
    )
)


# --- plateau: a narrow Gaussian well in a flat plain. -----------------------------------------
# f = 1 − exp(−r²/(2σ²)) with σ = 0.5. The gradient 4r·exp(−2r²) is below 1e-4 for r > 2.4
# and about 2e-7 at the edge of the box (r = 3), so far from the well plain gradient descent
# barely moves. expm1 keeps full relative precision near the bottom of the well.


def _plateau_value(x, y):
    return -np.expm1(-2.0 * (x * x + y * y))


def _plateau_grad(x, y):
    e = np.exp(-2.0 * (x * x + y * y))
    return 4.0 * x * e, 4.0 * y * e


def _plateau_hessian(x, y):
    e = np.exp(-2.0 * (x * x + y * y))
    return (4.0 - 16.0 * x * x) * e, -16.0 * x * y * e, (4.0 - 16.0 * y * y) * e


register(
    Surface(
        name="plateau",
        default_start=(-2.0, 1.8),  # on the plain: the gradient is 5e-6, tiny but not zero
        title="Plateau",
        formula="1 − exp(−2(x² + y²))",
        description="A narrow well in a vast flat plain: beyond r≈2.4 the gradient is below "
        "1e-4, so gradient descent started there hardly moves. Adam rescales the tiny gradient and "
        "walks in at a steady pace; this is the vanishing-gradient problem in two dimensions.",
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        known_points=_kp(((0.0, 0.0), 0.0, "global_min")),
        f_value=_plateau_value,
        f_grad=_plateau_grad,
        f_hessian=_plateau_hessian,
    )
)


# --- rosenbrock (a = 1, b = 100). -------------------------------------------------------------


def _rosenbrock_value(x, y):
    return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x)


def _rosenbrock_grad(x, y):
    w = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * w, 200.0 * w


def _rosenbrock_hessian(x, y):
    return 2.0 - 400.0 * y + 1200.0 * x * x, -400.0 * x, 200.0 + 0.0 * y


register(
    Surface(
        name="rosenbrock",
        default_start=(-1.5, 2.0),  # the classic start, across the valley from the minimum
        title="Rosenbrock",
        formula="(1 − x)² + 100(y − x²)²",
        description="A long, curved, narrow valley: gradient descent quickly reaches the valley "
        "floor, then zig-zags across it and crawls toward the minimum at (1, 1). Momentum and "
        "Adam travel along the valley much faster.",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        known_points=_kp(((1.0, 1.0), 0.0, "global_min")),
        f_value=_rosenbrock_value,
        f_grad=_rosenbrock_grad,
        f_hessian=_rosenbrock_hessian,
    )
)


# --- rastrigin (A = 10, 2-D). -----------------------------------------------------------------
# The local minima sit slightly inside the integer grid (the x² term pulls them in), and the
# saddles and maxima slightly outside the half-integers. There are about a hundred minima in the
# box; only the first cell around the origin is listed.

_TWO_PI = 2.0 * np.pi
_RASTRIGIN_MIN = 0.9949586376523348  # 1-D local minimum of x² − 10cos(2πx) near 1
_RASTRIGIN_MAX = 0.5025460365546747  # 1-D local maximum near 1/2


def _rastrigin_value(x, y):
    return 20.0 + (x * x - 10.0 * np.cos(_TWO_PI * x)) + (y * y - 10.0 * np.cos(_TWO_PI * y))


def _rastrigin_grad(x, y):
    return (
        2.0 * x + 20.0 * np.pi * np.sin(_TWO_PI * x),
        2.0 * y + 20.0 * np.pi * np.sin(_TWO_PI * y),
    )


def _rastrigin_hessian(x, y):
    c = 40.0 * np.pi * np.pi
    return 2.0 + c * np.cos(_TWO_PI * x), 0.0 * x, 2.0 + c * np.cos(_TWO_PI * y)


def _rastrigin_points():
    m, s = _RASTRIGIN_MIN, _RASTRIGIN_MAX
    points = [((0.0, 0.0), 0.0, "global_min")]
    points += [(p, 0.9949590570932914, "local_min") for p in _on_axes(m)]
    points += [(p, 1.9899181141865827, "local_min") for p in _mirrored(m, m)]
    points += [(p, 20.251272990990113, "saddle") for p in _on_axes(s)]
    points += [(p, 40.50254598198023, "max") for p in _mirrored(s, s)]
    return _kp(*points)


register(
    Surface(
        name="rastrigin",
        default_start=(-2.5, 3.5),  # two dips from the origin: every run stops in the first
        title="Rastrigin",
        formula="20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
        description="An egg-crate of regularly spaced local minima on a bowl: gradient descent "
        "stops in the first dip it meets. Large noise, annealing or restarts are needed to reach "
        "the global minimum at the origin.",
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        known_points=_rastrigin_points(),
        f_value=_rastrigin_value,
        f_grad=_rastrigin_grad,
        f_hessian=_rastrigin_hessian,
    )
)


# --- himmelblau: four equal minima, four saddles, one maximum (all nine critical points). ------


def _himmelblau_value(x, y):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b


def _himmelblau_grad(x, y):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _himmelblau_hessian(x, y):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * a + 8.0 * x * x + 2.0, 4.0 * (x + y), 4.0 * b + 8.0 * y * y + 2.0


register(
    Surface(
        name="himmelblau",
        default_start=(-0.6, -0.6),  # between basins: optimizers end in different minima
        title="Himmelblau",
        formula="(x² + y − 11)² + (x + y² − 7)²",
        description="Four equally good minima separated by saddles: which one an optimizer "
        "reaches depends on where it starts, which makes it the surface to see basins of "
        "attraction on.",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        known_points=_kp(
            ((3.0, 2.0), 0.0, "global_min"),
            ((-2.805118086952745, 3.131312518250573), 0.0, "global_min"),
            ((-3.779310253377747, -3.2831859912861696), 0.0, "global_min"),
            ((3.5844283403304917, -1.8481265269644036), 0.0, "global_min"),
            ((3.385154183607021, 0.07385187983774928), 13.31192627040559, "saddle"),
            ((0.08667750455539636, 2.884254701174776), 67.71915008752615, "saddle"),
            ((-3.0730257507643897, -0.08135304428796751), 104.0151629175581, "saddle"),
            ((-0.12796134673068008, -1.9537149802445763), 178.33723920192747, "saddle"),
            ((-0.2708445906673476, -0.9230385564799815), 181.6165215225827, "max"),
        ),
        f_value=_himmelblau_value,
        f_grad=_himmelblau_grad,
        f_hessian=_himmelblau_hessian,
    )
)


# --- ackley (a = 20, b = 0.2, c = 2π). ------------------------------------------------------
# The first term is a cone at the origin: its gradient has no limit there and its Hessian blows
# up like 1/r. The formulas divide by d = r + 1e-300 instead of r: that changes nothing for
# r > ~1e-284, keeps every output finite (|x/d| ≤ √2), and gives gradient exactly 0 at the
# origin, where the cone's Hessian terms also drop to 0 and only the cosine term's (positive
# definite) Hessian remains. hypot avoids x² underflowing for tiny x.

_ACKLEY_TINY = 1e-300
_SQRT_HALF = float(np.sqrt(0.5))
_E = float(np.e)


def _ackley_value(x, y):
    r = _SQRT_HALF * np.hypot(x, y)
    c = np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y)))
    # Grouped so that each bracket is exactly 0 at the origin.
    return (20.0 - 20.0 * np.exp(-0.2 * r)) + (_E - c)


def _ackley_grad(x, y):
    r = _SQRT_HALF * np.hypot(x, y)
    d = r + _ACKLEY_TINY
    e = np.exp(-0.2 * r)
    c = np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y)))
    return (
        2.0 * e * (x / d) + np.pi * np.sin(_TWO_PI * x) * c,
        2.0 * e * (y / d) + np.pi * np.sin(_TWO_PI * y) * c,
    )


def _ackley_hessian(x, y):
    r = _SQRT_HALF * np.hypot(x, y)
    d = r + _ACKLEY_TINY
    u = x / d
    v = y / d
    e = np.exp(-0.2 * r)
    c = np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y)))
    sx = np.sin(_TWO_PI * x)
    sy = np.sin(_TWO_PI * y)
    pp = np.pi * np.pi * c
    return (
        2.0 * e * (0.5 * v * v / d - 0.1 * u * u) + pp * (2.0 * np.cos(_TWO_PI * x) - sx * sx),
        -2.0 * e * u * v * (0.1 + 0.5 / d) - pp * sx * sy,
        2.0 * e * (0.5 * u * u / d - 0.1 * v * v) + pp * (2.0 * np.cos(_TWO_PI * y) - sy * sy),
    )


def _ackley_points():
    # The first ring around the origin only; the box holds about a hundred local minima.
    a, b, s = 0.9521665459501717, 0.9684776587077244, 0.6257806168564638
    t, m = 0.6730965201107377, (0.5774125352782147, 0.8747620388753442)
    points = [((0.0, 0.0), 0.0, "global_min")]
    points += [(p, 2.579927557029872, "local_min") for p in _on_axes(a)]
    points += [(p, 3.57445187725768, "local_min") for p in _mirrored(b, b)]
    points += [(p, 3.2524692451131805, "saddle") for p in _on_axes(s)]
    points += [(p, 4.5587771352999855, "saddle") for p in _mirrored(*m) + _mirrored(*m[::-1])]
    points += [(p, 4.608932401890219, "max") for p in _mirrored(t, t)]
    return _kp(*points)


register(
    Surface(
        name="ackley",
        default_start=(-2.5, 2.5),  # in the ripples: every run is trapped by the nearest one
        title="Ackley",
        formula="−20·exp(−0.2·√(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20",
        description="A nearly flat, bumpy outer region around a deep funnel at the origin: "
        "gradient descent is trapped by the ripples, while noise, annealing or a large step can "
        "feel the overall slope toward the center.",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        known_points=_ackley_points(),
        f_value=_ackley_value,
        f_grad=_ackley_grad,
        f_hessian=_ackley_hessian,
    )
)


# --- six_hump_camel: all 15 critical points (6 minima, 7 saddles, 2 maxima) lie in the box. ----


def _six_hump_camel_value(x, y):
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


def _six_hump_camel_grad(x, y):
    x2 = x * x
    return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (-8.0 + 16.0 * y * y)


def _six_hump_camel_hessian(x, y):
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0 + 0.0 * x, -8.0 + 48.0 * y * y


register(
    Surface(
        name="six_hump_camel",
        default_start=(-1.25, -0.3),  # between basins: SGD finds a global minimum, Adam a local one
        title="Six-hump camel",
        formula="(4 − 2.1x² + x⁴/3)x² + xy + (4y² − 4)y²",
        description="Two global minima, four local minima, seven saddles and two maxima in a "
        "small box: a compact map of the critical points an optimizer can meet, and of which "
        "start leads to which minimum.",
        bounds=((-2.0, 2.0), (-1.2, 1.2)),
        known_points=_kp(
            ((0.08984201310031806, -0.7126564030207396), -1.0316284534898774, "global_min"),
            ((-0.08984201310031806, 0.7126564030207396), -1.0316284534898774, "global_min"),
            ((-1.703606714969981, 0.7960835686726251), -0.21546382438371764, "local_min"),
            ((1.703606714969981, -0.7960835686726251), -0.21546382438371764, "local_min"),
            ((-1.6071047529201972, -0.5686514548841314), 2.1042503103112584, "local_min"),
            ((1.6071047529201972, 0.5686514548841314), 2.1042503103112584, "local_min"),
            ((0.0, 0.0), 0.0, "saddle"),
            ((-1.1092053368047865, 0.7682680925095399), 0.5437186009781851, "saddle"),
            ((1.1092053368047865, -0.7682680925095399), 0.5437186009781851, "saddle"),
            ((-1.6380679841897785, -0.22867406904439408), 2.2293571975307147, "saddle"),
            ((1.6380679841897785, 0.22867406904439408), 2.2293571975307147, "saddle"),
            ((-1.2960702671671092, -0.6050843880386585), 2.22947081802986, "saddle"),
            ((1.2960702671671092, 0.6050843880386585), 2.22947081802986, "saddle"),
            ((-1.2302298765166526, -0.16233458445899496), 2.496295351023577, "max"),
            ((1.2302298765166526, 0.16233458445899496), 2.496295351023577, "max"),
        ),
        f_value=_six_hump_camel_value,
        f_grad=_six_hump_camel_grad,
        f_hessian=_six_hump_camel_hessian,
    )
)


# --- beale. ---------------------------------------------------------------------------------
# Three squared residuals a, b, c; derivatives by the chain rule on them.


def _beale_value(x, y):
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y * y
    c = 2.625 - x + x * y * y * y
    return a * a + b * b + c * c


def _beale_grad(x, y):
    y2 = y * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y2 * y
    gx = 2.0 * (a * (y - 1.0) + b * (y2 - 1.0) + c * (y2 * y - 1.0))
    gy = 2.0 * x * (a + 2.0 * y * b + 3.0 * y2 * c)
    return gx, gy


def _beale_hessian(x, y):
    y2 = y * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y2 * y
    ax, bx, cx = y - 1.0, y2 - 1.0, y2 * y - 1.0  # d/dx of the residuals
    ay, by, cy = x, 2.0 * x * y, 3.0 * x * y2  # d/dy of the residuals
    hxx = 2.0 * (ax * ax + bx * bx + cx * cx)
    hxy = 2.0 * (ax * ay + a + bx * by + 2.0 * y * b + cx * cy + 3.0 * y2 * c)
    hyy = 2.0 * (ay * ay + by * by + 2.0 * x * b + cy * cy + 6.0 * x * y * c)
    return hxx, hxy, hyy


register(
    Surface(
        name="beale",
        default_start=(-2.8, -1.7),  # in a flat valley: plain SGD crawls, momentum and Adam reach (3, 0.5)
        title="Beale",
        formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        description="Steep walls (values near 2e5 at the corners) around flat, narrow valleys: "
        "a learning rate that is safe in the valley blows up on the walls, and one that is safe on "
        "the walls crawls to the minimum at (3, 0.5). Adam's per-coordinate scaling helps.",
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        known_points=_kp(
            ((3.0, 0.5), 0.0, "global_min"),
            ((0.10053793732415836, -2.644513585023125), 9.86451228475556, "saddle"),
            ((0.0, 1.0), 14.203125, "saddle"),
        ),
        f_value=_beale_value,
        f_grad=_beale_grad,
        f_hessian=_beale_hessian,
    )
)


# --- styblinski_tang (2-D): separable, so its 9 critical points are the products of the 1-D
# roots of 4t³ − 32t + 5 (two minima and a maximum). ----------------------------------------

_ST_LOW, _ST_MID, _ST_HIGH = -2.903534027771177, 0.1567312567803401, 2.746802770990837


def _styblinski_tang_value(x, y):
    x2 = x * x
    y2 = y * y
    return 0.5 * ((x2 * x2 - 16.0 * x2 + 5.0 * x) + (y2 * y2 - 16.0 * y2 + 5.0 * y))


def _styblinski_tang_grad(x, y):
    return 2.0 * x * x * x - 16.0 * x + 2.5, 2.0 * y * y * y - 16.0 * y + 2.5


def _styblinski_tang_hessian(x, y):
    return 6.0 * x * x - 16.0, 0.0 * x, 6.0 * y * y - 16.0


register(
    Surface(
        name="styblinski_tang",
        default_start=(0.6, -0.6),  # signs (+, −): the shallower local minimum of that quadrant
        title="Styblinski–Tang",
        formula="½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
        description="Four minima of different depths in the four quadrants, with the deepest at "
        "(-2.90, -2.90): where gradient descent ends depends only on the signs of the start, so "
        "it finds the global minimum from only about a quarter of the starts.",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        known_points=_kp(
            ((_ST_LOW, _ST_LOW), -78.33233140754282, "global_min"),
            ((_ST_LOW, _ST_HIGH), -64.19561235905536, "local_min"),
            ((_ST_HIGH, _ST_LOW), -64.19561235905536, "local_min"),
            ((_ST_HIGH, _ST_HIGH), -50.05889331056788, "local_min"),
            ((_ST_LOW, _ST_MID), -38.97055334471606, "saddle"),
            ((_ST_MID, _ST_LOW), -38.97055334471606, "saddle"),
            ((_ST_HIGH, _ST_MID), -24.833834296228584, "saddle"),
            ((_ST_MID, _ST_HIGH), -24.833834296228584, "saddle"),
            ((_ST_MID, _ST_MID), 0.39122471811071613, "max"),
        ),
        f_value=_styblinski_tang_value,
        f_grad=_styblinski_tang_grad,
        f_hessian=_styblinski_tang_hessian,
    )
)


# --- goldstein_price: f = A·B with A = 1 + s²·P, B = 30 + t²·Q, s = x + y + 1, t = 2x − 3y.
# Product rule on A and B; dP/dx = dP/dy, so A's two first (and three second) derivatives
# coincide. The shared parts are repeated in each function because numba compiles each formula
# on its own and cannot call plain Python helpers. ---------------------------------------------


def _goldstein_price_value(x, y):
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return (1.0 + s * s * p) * (30.0 + t * t * q)


def _goldstein_price_grad(x, y):
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    pd = -14.0 + 6.0 * x + 6.0 * y  # dP/dx = dP/dy
    qx = -32.0 + 24.0 * x - 36.0 * y
    qy = 48.0 - 36.0 * x + 54.0 * y
    a = 1.0 + s * s * p
    b = 30.0 + t * t * q
    ad = 2.0 * s * p + s * s * pd  # dA/dx = dA/dy
    bx = 4.0 * t * q + t * t * qx
    by = -6.0 * t * q + t * t * qy
    return ad * b + a * bx, ad * b + a * by


def _goldstein_price_hessian(x, y):
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    pd = -14.0 + 6.0 * x + 6.0 * y
    qx = -32.0 + 24.0 * x - 36.0 * y
    qy = 48.0 - 36.0 * x + 54.0 * y
    a = 1.0 + s * s * p
    b = 30.0 + t * t * q
    ad = 2.0 * s * p + s * s * pd
    add = 2.0 * p + 4.0 * s * pd + 6.0 * s * s
    bx = 4.0 * t * q + t * t * qx
    by = -6.0 * t * q + t * t * qy
    bxx = 8.0 * q + 8.0 * t * qx + 24.0 * t * t
    bxy = -12.0 * q + 4.0 * t * qy - 6.0 * t * qx - 36.0 * t * t
    byy = 18.0 * q - 12.0 * t * qy + 54.0 * t * t
    return (
        add * b + 2.0 * ad * bx + a * bxx,
        add * b + ad * (bx + by) + a * bxy,
        add * b + 2.0 * ad * by + a * byy,
    )


register(
    Surface(
        name="goldstein_price",
        default_start=(0.25, 0.0),  # one learning rate for every run: unstable for some, wrong basin for others
        title="Goldstein–Price",
        formula="[1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·"
        "[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
        description="Values span six orders of magnitude, with the global minimum (0, -1) next to "
        "a local minimum at (-0.6, -0.4): a fixed learning rate is either unstable on the slopes "
        "or stuck in the wrong basin. Shows why step size must adapt to the scale.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        known_points=_kp(
            ((0.0, -1.0), 3.0, "global_min"),
            ((-0.6, -0.4), 30.0, "local_min"),
            ((1.8, 0.2), 84.0, "local_min"),
            ((1.2, 0.8), 840.0, "local_min"),
            ((-0.4, -0.6), 35.0, "saddle"),
            ((1.2, -0.2), 99.0, "saddle"),
            ((1.4, 0.6), 980.0, "saddle"),
            ((0.6, 0.4), 990.0, "saddle"),
            ((0.8, 0.2), 1155.0, "max"),
        ),
        f_value=_goldstein_price_value,
        f_grad=_goldstein_price_grad,
        f_hessian=_goldstein_price_hessian,
    )
)


# --- booth: a tilted, elongated quadratic (Hessian eigenvalues 18 and 2, condition number 9). --


def _booth_value(x, y):
    p = x + 2.0 * y - 7.0
    q = 2.0 * x + y - 5.0
    return p * p + q * q


def _booth_grad(x, y):
    p = x + 2.0 * y - 7.0
    q = 2.0 * x + y - 5.0
    return 2.0 * p + 4.0 * q, 4.0 * p + 2.0 * q


def _booth_hessian(x, y):
    return 10.0 + 0.0 * x, 8.0 + 0.0 * x, 10.0 + 0.0 * y


register(
    Surface(
        name="booth",
        default_start=(8.0, -8.0),  # far up the tilted bowl, the minimum at (1, 3) across it
        title="Booth",
        formula="(x + 2y − 7)² + (2x + y − 5)²",
        description="A convex but elongated, tilted bowl (condition number 9): gradient descent "
        "zig-zags across the narrow direction when the step is large, and momentum damps it.",
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        known_points=_kp(((1.0, 3.0), 0.0, "global_min")),
        f_value=_booth_value,
        f_grad=_booth_grad,
        f_hessian=_booth_hessian,
    )
)


# --- three_hump_camel: a global minimum flanked by two shallower minima and two saddles. --------


def _three_hump_camel_value(x, y):
    x2 = x * x
    return 2.0 * x2 - 1.05 * x2 * x2 + x2 * x2 * x2 / 6.0 + x * y + y * y


def _three_hump_camel_grad(x, y):
    x2 = x * x
    return x * (4.0 - 4.2 * x2 + x2 * x2) + y, x + 2.0 * y


def _three_hump_camel_hessian(x, y):
    x2 = x * x
    return 4.0 - 12.6 * x2 + 5.0 * x2 * x2, 1.0 + 0.0 * x, 2.0 + 0.0 * y


register(
    Surface(
        name="three_hump_camel",
        default_start=(-1.75, -1.75),  # beyond the saddles: one run ends in a side minimum
        title="Three-hump camel",
        formula="2x² − 1.05x⁴ + x⁶/6 + xy + y²",
        description="A global minimum at the origin between two shallow local minima: starts "
        "beyond the saddles at x≈±1.07 end in a side minimum unless momentum carries them over.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        known_points=_kp(
            ((0.0, 0.0), 0.0, "global_min"),
            ((-1.7475523458302888, 0.8737761729151444), 0.2986384422368598, "local_min"),
            ((1.7475523458302888, -0.8737761729151444), 0.2986384422368598, "local_min"),
            ((1.07054229182366, -0.53527114591183), 0.8773615577631402, "saddle"),
            ((-1.07054229182366, 0.53527114591183), 0.8773615577631402, "saddle"),
        ),
        f_value=_three_hump_camel_value,
        f_grad=_three_hump_camel_grad,
        f_hessian=_three_hump_camel_hessian,
    )
)


# --- easom: f = −h(x)·h(y) with h(t) = cos t · exp(−(t − π)²), so the derivatives factor:
# h' = −e·(sin t + 2u·cos t), h'' = e·(4u·sin t + (4u² − 3)·cos t),
# with u = t − π and e = exp(−u²).
# Outside the first ring the critical points have |f| < 1e-11 (numerically flat); only the
# global minimum and the ring of 4 minima, 4 maxima and 4 saddles around it are listed.

_EASOM_RING = (1.3049954504376675, 4.978189856741919)  # 1-D extrema of h next to π


def _easom_value(x, y):
    u = x - np.pi
    v = y - np.pi
    return -(np.cos(x) * np.exp(-u * u)) * (np.cos(y) * np.exp(-v * v))


def _easom_grad(x, y):
    u = x - np.pi
    v = y - np.pi
    ex = np.exp(-u * u)
    ey = np.exp(-v * v)
    hx = np.cos(x) * ex
    hy = np.cos(y) * ey
    dhx = -ex * (np.sin(x) + 2.0 * u * np.cos(x))
    dhy = -ey * (np.sin(y) + 2.0 * v * np.cos(y))
    return -dhx * hy, -hx * dhy


def _easom_hessian(x, y):
    u = x - np.pi
    v = y - np.pi
    ex = np.exp(-u * u)
    ey = np.exp(-v * v)
    hx = np.cos(x) * ex
    hy = np.cos(y) * ey
    dhx = -ex * (np.sin(x) + 2.0 * u * np.cos(x))
    dhy = -ey * (np.sin(y) + 2.0 * v * np.cos(y))
    d2hx = ex * (4.0 * u * np.sin(x) + (4.0 * u * u - 3.0) * np.cos(x))
    d2hy = ey * (4.0 * v * np.sin(y) + (4.0 * v * v - 3.0) * np.cos(y))
    return -d2hx * hy, -dhx * dhy, -hx * d2hy


def _easom_points():
    lo, hi = _EASOM_RING
    half_pi = 0.5 * np.pi
    points = [((np.pi, np.pi), -1.0, "global_min")]
    points += [((a, b), -8.110223891570066e-05, "local_min") for a in (lo, hi) for b in (lo, hi)]
    maxima = ((lo, np.pi), (hi, np.pi), (np.pi, lo), (np.pi, hi))
    points += [(p, 0.009005678148573858, "max") for p in maxima]
    # Where both cosines vanish: f = 0 exactly, the Hessian is off-diagonal only.
    zeros = (half_pi, 3.0 * half_pi)
    points += [((a, b), 0.0, "saddle") for a in zeros for b in zeros]
    return _kp(*points)


register(
    Surface(
        name="easom",
        default_start=(6.5, 3.0),  # outside the hole: the gradient is 8e-5 and points nowhere useful
        title="Easom",
        formula="−cos x · cos y · exp(−((x − π)² + (y − π)²))",
        description="A single narrow hole at (π, π) in an almost perfectly flat plane: from most "
        "starts the gradient is essentially zero, so no gradient method can find the minimum; "
        "only a start inside the hole, or a global search, does.",
        bounds=((-2.0, 8.0), (-2.0, 8.0)),
        known_points=_easom_points(),
        f_value=_easom_value,
        f_grad=_easom_grad,
        f_hessian=_easom_hessian,
    )
)
