"""Built-in surfaces: shapes, exact derivatives against finite differences, known critical points,
and bit-identical results between the numpy path and numba-compiled scalar formulas."""
import numba
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core import fused
from landscape_explorer.core.surfaces import KINDS, Surface, surface, surface_names

ALL_NAMES = [
    "ackley", "beale", "booth", "bowl", "easom", "goldstein_price", "himmelblau", "monkey_saddle",
    "plateau", "rastrigin", "rosenbrock", "saddle", "sin_quadratic", "six_hump_camel",
    "styblinski_tang", "three_hump_camel",
]
# Unbounded below, so no global minimum to list.
NO_GLOBAL_MIN = {"saddle", "monkey_saddle"}

names = pytest.mark.parametrize("name", surface_names(), ids=str)


def _grid(s: Surface, n: int) -> np.ndarray:
    (x0, x1), (y0, y1) = s.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n), indexing="ij")
    return np.stack([gx, gy], axis=-1)


def _scales(s: Surface):
    """The surface's value range over its bounds, and the mean side of its box: the natural
    units for tolerances on values, gradients (scale/width) and Hessians (scale/width²)."""
    v = s.value(_grid(s, 101))
    (x0, x1), (y0, y1) = s.bounds
    return float(np.ptp(v)), 0.5 * ((x1 - x0) + (y1 - y0))


def _random_points(s: Surface, n: int, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = s.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


# --- registry and metadata ------------------------------------------------------------------


def test_public_names_include_all_builtins():
    assert set(ALL_NAMES) <= set(le.surface_names())
    assert le.surface_names() == sorted(le.surface_names())


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        surface("no_such_surface")
    message = str(err.value)
    assert "no_such_surface" in message
    for name in ALL_NAMES:
        assert name in message


def test_surface_passes_through_a_surface_object():
    s = surface("bowl")
    assert surface(s) is s


@names
def test_metadata(name):
    s = surface(name)
    assert s.name == name
    assert s.title and s.formula and s.description
    (x0, x1), (y0, y1) = s.bounds
    assert x0 < x1 and y0 < y1
    assert s.known_points, "every surface lists at least one critical point"
    for p in s.known_points:
        assert p.kind in KINDS
        assert x0 <= p.xy[0] <= x1 and y0 <= p.xy[1] <= y1, p
    assert len({p.xy for p in s.known_points}) == len(s.known_points), "duplicate known points"


# --- shapes and finiteness -------------------------------------------------------------------


@names
@pytest.mark.parametrize("shape", [(2,), (5, 2), (3, 4, 2)], ids=lambda sh: "x".join(map(str, sh)))
def test_shapes(name, shape):
    s = surface(name)
    (x0, x1), (y0, y1) = s.bounds
    xy = np.random.default_rng(1).uniform(0, 1, shape) * [x1 - x0, y1 - y0] + [x0, y0]
    lead = shape[:-1]
    assert s.value(xy).shape == lead
    assert s.grad(xy).shape == lead + (2,)
    assert s.hessian(xy).shape == lead + (2, 2)
    for out in (s.value(xy), s.grad(xy), s.hessian(xy)):
        assert out.dtype == np.float64


@names
def test_accepts_lists_and_rejects_bad_shapes(name):
    s = surface(name)
    assert s.value([0.5, 0.25]).shape == ()
    assert s.grad([[0.5, 0.25]]).shape == (1, 2)
    with pytest.raises(ValueError):
        s.value(np.zeros((4, 3)))


@names
def test_finite_over_bounds(name):
    s = surface(name)
    xy = _grid(s, 201)
    for out in (s.value(xy), s.grad(xy), s.hessian(xy)):
        assert np.all(np.isfinite(out))


# --- exact derivatives vs finite differences ---------------------------------------------------


@names
def test_gradient_matches_finite_differences(name):
    s = surface(name)
    scale, width = _scales(s)
    xy = _random_points(s, 100)
    h = 1e-6 * width
    fd = np.empty_like(xy)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        fd[:, i] = (s.value(xy + e) - s.value(xy - e)) / (2 * h)
    g = s.grad(xy)
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-8 * scale / width)


@names
def test_hessian_matches_finite_differences_of_gradient(name):
    s = surface(name)
    scale, width = _scales(s)
    xy = _random_points(s, 100, seed=1)
    h = 1e-6 * width
    fd = np.empty(xy.shape + (2,))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        fd[:, :, j] = (s.grad(xy + e) - s.grad(xy - e)) / (2 * h)
    np.testing.assert_allclose(s.hessian(xy), fd, rtol=1e-6, atol=1e-7 * scale / width**2)


@names
def test_hessian_symmetric(name):
    s = surface(name)
    H = s.hessian(_random_points(s, 50, seed=2))
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))


# --- known critical points --------------------------------------------------------------------


@names
def test_known_points_are_critical_with_correct_values(name):
    s = surface(name)
    scale, width = _scales(s)
    for p in s.known_points:
        g = s.grad(p.xy)
        assert np.all(np.abs(g) <= 1e-12 * scale / width), (p, g)
        assert abs(s.value(p.xy) - p.value) <= 1e-12 * max(1.0, abs(p.value)), (p, s.value(p.xy))


@names
def test_known_point_kinds_match_hessian(name):
    s = surface(name)
    for p in s.known_points:
        lo, hi = np.linalg.eigvalsh(s.hessian(p.xy))
        if p.kind in ("global_min", "local_min"):
            assert lo > 0, (p, lo, hi)
        elif p.kind == "max":
            assert hi < 0, (p, lo, hi)
        elif name == "monkey_saddle":  # degenerate: the Hessian vanishes
            assert lo == hi == 0, (p, lo, hi)
        else:
            assert lo < 0 < hi, (p, lo, hi)


@names
def test_global_minimum_is_lowest(name):
    s = surface(name)
    gm = s.global_minimum
    if name in NO_GLOBAL_MIN:
        assert gm is None
        return
    assert gm is not None
    scale, _ = _scales(s)
    tol = 1e-12 * max(1.0, scale)
    for p in s.known_points:
        if p.kind == "global_min":
            assert abs(p.value - gm.value) <= tol, "all global minima share one value"
        assert gm.value <= p.value + tol, p
    assert gm.value <= s.value(_grid(s, 401)).min() + tol


# --- surface-specific ------------------------------------------------------------------------


def test_sin_quadratic_slice_is_exactly_sin_plus_parabola():
    s = surface("sin_quadratic")
    xs = np.linspace(*s.bounds[0], 1001)
    v = s.value(np.column_stack([xs, np.zeros_like(xs)]))
    np.testing.assert_array_equal(v, np.sin(3 * xs) + 0.5 * xs**2)


def test_ackley_is_finite_at_and_near_its_cone_tip():
    s = surface("ackley")
    assert s.value([0.0, 0.0]) == 0.0
    np.testing.assert_array_equal(s.grad([0.0, 0.0]), [0.0, 0.0])
    H0 = s.hessian([0.0, 0.0])
    assert np.all(np.isfinite(H0)) and np.all(np.linalg.eigvalsh(H0) > 0)
    tiny = np.array([[1e-170, 0.0], [0.0, 5e-324], [1e-300, -1e-300], [1e-8, 2e-8]])
    for out in (s.value(tiny), s.grad(tiny), s.hessian(tiny)):
        assert np.all(np.isfinite(out))
    # Near the tip the gradient has the cone's slope: 20·0.2/√2 in the radial direction.
    assert np.linalg.norm(s.grad([1e-8, 0.0])) == pytest.approx(4 / np.sqrt(2), rel=1e-6)


def test_plateau_is_flat_far_from_the_well():
    s = surface("plateau")
    (x0, x1), _ = s.bounds
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    for r in (2.5, x1):
        ring = r * np.column_stack([np.cos(angles), np.sin(angles)])
        assert np.linalg.norm(s.grad(ring), axis=-1).max() < 1e-4


# --- numba: the engines' compiled formulas ------------------------------------------------------
# Both simulation engines take gradients from the numba-compiled formula (fused.gradient), so
# they call libm's elementary functions; Surface.value/grad/hessian run the same formulas on
# numpy arrays, whose exp, sin, cos... may differ from libm's in the last bit (numpy's AVX-512
# loops do). So: compiled == compiled, bit for bit; numpy == compiled within rounding.


@names
def test_engine_gradient_is_the_compiled_scalar_formula(name):
    s = surface(name)
    engine_grad = fused.gradient(s.f_grad)
    assert engine_grad is not None, "every built-in formula compiles"
    f_grad = numba.njit(s.f_grad)
    xy = np.concatenate([_random_points(s, 50, seed=3), [p.xy for p in s.known_points]])
    expected = np.array([f_grad(x, y) for x, y in xy])
    np.testing.assert_array_equal(engine_grad(xy), expected)
    assert engine_grad(xy[:6].reshape(2, 3, 2)).shape == (2, 3, 2)


@names
def test_numpy_formulas_agree_with_compiled_ones_within_rounding(name):
    s = surface(name)
    scale, width = _scales(s)
    f_value, f_grad, f_hessian = (numba.njit(f) for f in (s.f_value, s.f_grad, s.f_hessian))
    xy = np.concatenate([_random_points(s, 50, seed=3), [p.xy for p in s.known_points]])
    value = np.array([f_value(x, y) for x, y in xy])
    grad = np.array([f_grad(x, y) for x, y in xy])
    hess = np.array([f_hessian(x, y) for x, y in xy])
    # A few units in the last place of the surface's own scale: the size of its terms.
    eps = 64 * np.finfo(float).eps
    np.testing.assert_allclose(s.value(xy), value, rtol=eps, atol=eps * scale)
    np.testing.assert_allclose(s.grad(xy), grad, rtol=eps, atol=eps * scale / width)
    H = s.hessian(xy)
    np.testing.assert_allclose(np.stack([H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]], axis=-1), hess,
                               rtol=eps, atol=eps * scale / width ** 2)
