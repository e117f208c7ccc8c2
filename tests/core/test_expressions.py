"""Typed surfaces: parsing without evaluation, exact derivatives, twins of the built-ins."""
import math
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import landscape_explorer as le
from landscape_explorer.core.expressions import (ExpressionError, exact_critical_points,
                                                 expression_surface, parse_expression)

# Each built-in written as a user would type it.
TWINS = {
    "bowl": "x**2 + y**2",
    "sin_quadratic": "sin(3*x) + 0.5*x**2 + y**2",
    "saddle": "x^2 - y^2",
    "monkey_saddle": "x*(x**2 - 3*y**2)",
    "plateau": "1 - exp(-2*(x**2 + y**2))",
    "rosenbrock": "(1 - x)**2 + 100*(y - x**2)**2",
    "rastrigin": "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
    "himmelblau": "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "ackley": "-20*exp(-0.2*sqrt(0.5*(x**2 + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y)))"
              " + e + 20",
    "six_hump_camel": "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
    "beale": "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
    "styblinski_tang": "0.5*(x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)",
    "goldstein_price": "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
                       "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))",
    "booth": "(x + 2*y - 7)**2 + (2*x + y - 5)**2",
    "three_hump_camel": "2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2",
    "easom": "-cos(x)*cos(y)*exp(-((x - pi)**2 + (y - pi)**2))",
}


def test_the_sixteen_original_built_ins_have_typed_twins():
    assert len(TWINS) == 16 and set(TWINS) <= set(le.surface_names())


def _twin(name):
    builtin = le.surface(name)
    return builtin, le.surface(TWINS[name], bounds=builtin.bounds)


def _points(surf, n=400, seed=0):
    (x0, x1), (y0, y1) = surf.bounds
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], -1)


def _close(a, b, rel=1e-12):
    """Equal to within rel of the quantity's scale over the sample (round-off differs between
    a hand-written formula and the printed symbolic one)."""
    scale = max(1.0, float(np.abs(b).max()))
    np.testing.assert_allclose(a, b, rtol=0, atol=rel * scale)


@pytest.mark.parametrize("name", sorted(TWINS))
def test_typed_twin_has_the_builtins_values_and_exact_derivatives(name):
    builtin, typed = _twin(name)
    p = _points(builtin)
    _close(typed.value(p), builtin.value(p))
    _close(typed.grad(p), builtin.grad(p))
    _close(typed.hessian(p), builtin.hessian(p), rel=1e-11)


@pytest.mark.parametrize("name", sorted(TWINS))
def test_typed_twin_gives_the_builtins_optimizer_paths(name):
    builtin, typed = _twin(name)
    starts = _points(builtin, 8, seed=1)
    for opt in (le.optimizer("gd", lr=1e-4), le.optimizer("adam", lr=0.01)):
        a = le.simulate(typed, opt, starts, 60, seed=0)
        b = le.simulate(builtin, opt, starts, 60, seed=0)
        span = max(hi - lo for lo, hi in builtin.bounds)
        np.testing.assert_allclose(a.path, b.path, rtol=1e-12, atol=1e-12 * span)


@pytest.mark.parametrize("name", ["himmelblau", "six_hump_camel", "sin_quadratic", "rastrigin",
                                  "monkey_saddle"])
def test_typed_twin_has_the_builtins_critical_points(name):
    builtin, typed = _twin(name)
    a = le.critical_points(builtin)
    b = le.critical_points(typed)
    assert len(a) == len(b)
    span = max(hi - lo for lo, hi in builtin.bounds)
    for c in a:
        d = [math.hypot(c.xy[0] - q.xy[0], c.xy[1] - q.xy[1]) for q in b]
        j = int(np.argmin(d))
        assert d[j] < 1e-6 * span and b[j].kind == c.kind


@pytest.mark.parametrize("text", ["x**4 - 3*x**2 + y**2", "x^2 - y^2 + x*y", TWINS["himmelblau"],
                                  "x**3 - 3*x + y**2", "(x**2 - 1)**2 + (y**2 - 1)**2"])
def test_exact_critical_points_of_polynomials_agree_with_the_numeric_search(text):
    s = le.surface(text, bounds=((-5, 5), (-5, 5)))
    exact = exact_critical_points(s)
    numeric = le.critical_points(s)
    assert exact is not None and len(exact) == len(numeric) > 0
    for c in numeric:
        d = [math.hypot(c.xy[0] - p.xy[0], c.xy[1] - p.xy[1]) for p in exact]
        j = int(np.argmin(d))
        assert d[j] < 1e-7
        assert c.kind == exact[j].kind


def test_exact_critical_points_say_none_for_what_they_cannot_solve():
    assert exact_critical_points(le.surface("sin(x) + y**2")) is None
    assert exact_critical_points(le.surface("bowl")) is None


def test_parameters_and_bounds():
    s = le.surface("a*sin(b*x) + y**2", params={"a": 2, "b": 3}, bounds=((-1, 1), (-2, 2)))
    assert s.bounds == ((-1.0, 1.0), (-2.0, 2.0))
    p = np.array([[0.3, -0.4], [0.9, 1.5]])
    np.testing.assert_allclose(s.value(p), 2 * np.sin(3 * p[:, 0]) + p[:, 1] ** 2, rtol=1e-15)
    np.testing.assert_allclose(s.grad(p)[:, 0], 6 * np.cos(3 * p[:, 0]), rtol=1e-15)
    # The same text, parameters and bounds give the same object (per-surface caches work).
    assert le.surface("a*sin(b*x) + y**2", params={"a": 2, "b": 3},
                      bounds=((-1, 1), (-2, 2))) is s
    assert le.surface("a*sin(b*x) + y**2", params={"a": 1, "b": 3}) is not s
    with pytest.raises(ValueError, match="unknown name 'c'"):
        le.surface("c*x", params={"a": 1})
    with pytest.raises(ValueError, match="parameter a"):
        le.surface("a*x", params={"a": float("nan")})
    with pytest.raises(ValueError, match="reserved"):
        le.surface("x", params={"pi": 3})
    with pytest.raises(ValueError, match="bounds"):
        le.surface("x + y", bounds=((1, 0), (0, 1)))


def test_caret_is_power_and_constants_are_known():
    s = le.surface("x^3 + e*y - pi")
    p = np.array([[1.5, 2.0]])
    np.testing.assert_allclose(s.value(p), 1.5 ** 3 + math.e * 2 - math.pi, rtol=1e-15)


@pytest.mark.parametrize("text, field", [
    ("exp(x) + tanh(y)", None), ("atan2(y, x + 3)", None), ("max(x, y) + min(x, 0)", None),
    ("abs(x - 1) + sign(y)", None), ("log10(x + 4) + log2(y + 4) + cbrt(x)", None),
    ("sqrt(x**2 + y**2 + 1)", None), ("asinh(x) + acos(y / 4)", None),
])
def test_every_function_of_the_grammar_differentiates_correctly(text, field):
    s = le.surface(text)
    p = _points(s, 50, seed=3)
    _check_against_differences(s, p)


def _check_against_differences(s, p, tol=1e-6):
    """Gradient and Hessian against central differences where the function is smooth there."""
    h = 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (s.value(p + e) - s.value(p - e)) / (2 * h)
        g = s.grad(p)[:, k]
        ok = np.isfinite(fd) & np.isfinite(g) & (np.abs(fd - g) < 1e3 * tol * (1 + np.abs(g)))
        # Kinks (abs, min, max, sign) sit on measure-zero sets: almost every point is smooth.
        assert ok.mean() > 0.9, (s.name, k)
        np.testing.assert_allclose(g[ok], fd[ok], rtol=tol, atol=tol)
        fdh = (s.grad(p + e) - s.grad(p - e)) / (2 * h)
        H = s.hessian(p)[:, k, :]
        okh = ok[:, None] & np.isfinite(fdh) & np.isfinite(H) & \
            (np.abs(fdh - H) < 1e3 * 1e-5 * (1 + np.abs(H)))
        assert okh.mean() > 0.9, (s.name, k)
        np.testing.assert_allclose(H[okh], fdh[okh], rtol=1e-5, atol=1e-5)


# --- random expressions from the grammar against finite differences --------------------------

_leaf = st.one_of(st.sampled_from(["x", "y", "x", "y", "pi"]),
                  st.integers(1, 9).map(str), st.sampled_from(["0.5", "1.5", "2.25"]))


def _node(children):
    unary = st.sampled_from(["sin", "cos", "tanh", "atan", "exp", "sinh"])
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(unary, children).map(lambda t: f"{t[0]}({t[1]} / 4)"),
        st.tuples(children, st.sampled_from(["2", "3"])).map(lambda t: f"({t[0]})**{t[1]}"),
        children.map(lambda c: f"-{c}"),
    )


expressions = st.recursive(_leaf, _node, max_leaves=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_random_typed_expressions_have_exact_derivatives(text):
    s = le.surface(text, bounds=((-1.5, 1.5), (-1.5, 1.5)))
    p = _points(s, 30, seed=7)
    v = s.value(p)
    if not np.isfinite(v).all() or np.abs(v).max() > 1e8:
        return  # overflowing exp(exp(...)): differences say nothing there
    _check_against_differences(s, p, tol=1e-5)


# --- hostile text: refused at once, nothing run -----------------------------------------------

HOSTILE = [
    "9**9**9", "2**10000", "10**400", "(x+1)**1000", "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')", "x.__class__", "x.real", "lambda: 1", "[x for x in y]",
    "{x: y}", "x if y else 1", "x; import os", "exec('1')", "eval('x')", "getattr(x, 'real')",
    "(" * 10000 + "x" + ")" * 10000, "sin(" * 500 + "x" + ")" * 500, "x" + "+x" * 5000,
    "1" * 500, "1e999", "'text'", "b'bytes'", "1j*x", "True + x", "None", "x @ y", "x // y",
    "x % y", "x << 2", "x and y", "x < y", "not x", "~x", "*x", "sin(x, y)", "sin()",
    "sin(x=1)", "f(x)", "sin", "x + ", "", "   ", "x\x00", "xé", "1/0", "0**-1",
    "exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp("
    "exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp("
    "x" + ")" * 44,
]


@pytest.fixture
def hang_guard():
    """Fails a test that hangs instead of blocking the suite (a guard, not a timing)."""
    def boom(*_):
        raise TimeoutError("hung")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_text_is_refused_with_one_line_and_runs_nothing(text, tmp_path, monkeypatch,
                                                                 hang_guard):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as info:
        le.surface(text)
    msg = str(info.value)
    assert "\n" not in msg and 0 < len(msg) < 400
    assert not (tmp_path / "PWNED").exists()
    assert os.listdir(tmp_path) == []


def test_a_misspelt_name_lists_the_surfaces_not_the_grammar():
    with pytest.raises(ValueError, match="unknown surface 'rosenbrok'; valid surfaces: ackley"):
        le.surface("rosenbrok")


def test_error_points_at_the_offending_token():
    with pytest.raises(ExpressionError) as info:
        parse_expression("x + foo(y)")
    assert info.value.column == 4 and "foo" in str(info.value)


def test_undefined_regions_never_leak_non_finite_numbers():
    s = le.surface("log(x) + sqrt(y) + (x - 1)**2")
    assert np.isnan(s.value([[-1.0, 1.0]]))[0]
    res = le.simulate(s, le.optimizer("sgd", lr=0.4), [[0.2, 0.5], [1.5, 0.1], [0.05, 0.05]],
                      200)
    assert np.isfinite(res.path).all() and np.isfinite(res.loss).all()
    assert np.isfinite(res.grad_norm).all()


def test_typed_surfaces_run_on_the_fused_engine_as_built_ins_do():
    s = le.surface("sin(3*x) + 0.5*x**2 + 0.5*y**2")
    starts = _points(s, 2000, seed=4)
    env_off = os.environ.get("LANDSCAPE_EXPLORER_NO_NUMBA")
    assert env_off is None
    from landscape_explorer.core import simulate as sim

    fused = le.simulate(s, "adam", starts, 1200)  # 2.4 M particle-steps: the fused engine
    assert len(starts) * 1200 >= sim.FUSED_MIN_WORK
    code = ("import numpy as np, landscape_explorer as le, sys; "
            "s = le.surface('sin(3*x) + 0.5*x**2 + 0.5*y**2'); "
            "starts = np.frombuffer(sys.stdin.buffer.read()).reshape(-1, 2); "
            "sys.stdout.buffer.write(le.simulate(s, 'adam', starts, 1200).final.tobytes())")
    r = subprocess.run([sys.executable, "-c", code], input=starts.tobytes(), capture_output=True,
                       env=dict(os.environ, LANDSCAPE_EXPLORER_NO_NUMBA="1"), check=True)
    numpy_final = np.frombuffer(r.stdout).reshape(-1, 2)
    np.testing.assert_array_equal(fused.final, numpy_final)


# --- Python callables ------------------------------------------------------------------------

def test_function_surface_with_complex_step_derivatives():
    s = le.surface_from_function(lambda x, y: np.sin(3 * x) + 0.5 * x ** 2 + y ** 2,
                                 bounds=((-3, 3), (-2, 2)), name="wave")
    ref = le.surface("sin_quadratic")
    p = _points(ref, 200, seed=5)
    np.testing.assert_allclose(s.grad(p), ref.grad(p), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(s.hessian(p), ref.hessian(p), rtol=1e-8, atol=1e-8)
    assert not s.exact_derivatives and "approximate" in s.title
    assert "complex step" in s.description and not s.compilable
    res = le.simulate(s, "adam", [[1.0, 1.0]], 3000)  # large enough for the fused engine
    ref_res = le.simulate(ref, "adam", [[1.0, 1.0]], 3000)
    np.testing.assert_allclose(res.final, ref_res.final, atol=1e-9)


def test_function_surface_with_central_differences_when_complex_is_refused():
    def f(x, y):
        return np.maximum(x, -5.0) ** 2 + np.abs(y) ** 3  # np.maximum refuses complex input
    s = le.surface_from_function(f)
    p = np.array([[0.7, 0.4], [-1.2, -0.9]])
    np.testing.assert_allclose(s.grad(p), np.stack([2 * p[:, 0], 3 * p[:, 1] * np.abs(p[:, 1])],
                                                    -1), rtol=1e-9)
    assert "central differences" in s.description


def test_function_surface_with_given_derivatives_is_exact():
    s = le.surface_from_function(lambda x, y: x * x + 3 * y * y,
                                 grad=lambda x, y: (2 * x, 6 * y),
                                 hessian=lambda x, y: (2 + 0 * x, 0 * x, 6 + 0 * y))
    assert s.exact_derivatives and "approximate" not in s.title
    np.testing.assert_array_equal(s.grad([[1.0, 2.0]]), [[2.0, 12.0]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(f=None), "invalid f"), (dict(f=3), "invalid f"),
    (dict(f=lambda x, y: x, grad=5), "invalid grad"),
    (dict(f=lambda x, y: 1 / 0), "raised ZeroDivisionError"),
    (dict(f=lambda x, y: "a"), "must return"),
    (dict(f=lambda x, y: x + y, grad=lambda x, y: x), "grad"),
    (dict(f=lambda x, y: np.full_like(x, np.nan)), "not finite"),
    (dict(f=lambda x, y: x, bounds=((0, 0), (0, 1))), "bounds"),
])
def test_function_surface_bad_input_is_one_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        le.surface_from_function(**kwargs)
