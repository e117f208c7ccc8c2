"""Escape methods (core.escape): annealing, perturbed GD, SGLD as registered optimizers."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

import landscape_explorer as le

START = [[2.0, 2.0]]  # plain gradient descent from here stops in rastrigin's local minimum (2, 2)

ESCAPES = {
    "annealing": (dict(lr=0.5, temperature=10.0, cooling=0.998), 3000),
    "perturbed_gd": (dict(lr=0.002, g_thres=0.1, t_thres=15, radius=1.2, f_thres=0.01,
                          patience=50), 5000),
    # Langevin dynamics climbs rastrigin's barriers (about 9 high) only by thermal noise, so its
    # success rate is modest (about 15% of seeds with these settings): the single-seed test uses
    # a seed where it succeeds, and the batch test asks only that it beat plain GD's 0%.
    "sgld": (dict(lr=0.004, temperature=3.0, cooling=0.9998), 20000),
}
SGLD_SEED = 0


def test_gd_is_stuck_from_the_start():
    res = le.simulate("rastrigin", le.optimizer("gd", lr=0.002), START, steps=3000)
    (v,) = res.verdicts
    assert v.kind == "local_min"
    np.testing.assert_allclose(v.point.xy, (1.98991, 1.98991), atol=1e-4)


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_method_finds_rastrigin_global_minimum(name):
    hp, steps = ESCAPES[name]
    seed = SGLD_SEED if name == "sgld" else 0
    res = le.simulate("rastrigin", le.optimizer(name, **hp), START, steps=steps, seed=seed,
                      record_every=steps)
    (v,) = res.verdicts
    assert v.kind == "global_min", v.detail
    assert res.final_loss[0] < 0.9  # below every local minimum (the lowest is 0.995)


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_method_beats_gd_over_many_particles(name):
    hp, steps = ESCAPES[name]
    res = le.simulate("rastrigin", le.optimizer(name, **hp), np.repeat(START, 100, axis=0),
                      steps=steps, seed=1, record_every=steps)
    share = np.mean([v.kind == "global_min" for v in res.verdicts])
    assert share >= {"annealing": 0.8, "perturbed_gd": 0.8, "sgld": 0.03}[name], share


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_methods_are_seeded_and_vectorized(name):
    hp, _ = ESCAPES[name]
    opt = le.optimizer(name, **hp)
    starts = [[2.0, 2.0], [-1.0, 3.0], [0.5, -4.0]]
    a = le.simulate("rastrigin", opt, starts, steps=200, seed=7)
    b = le.simulate("rastrigin", opt, starts, steps=200, seed=7)
    c = le.simulate("rastrigin", opt, starts, steps=200, seed=8)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.array_equal(a.path, c.path)
    assert a.path.shape == (201, 3, 2) and np.isfinite(a.path).all()


def test_annealing_follows_metropolis():
    opt = le.optimizer("annealing", lr=0.3, temperature=2.0, cooling=0.5)
    p = np.array([[0.0, 0.0], [1.0, 1.0]])
    st = opt.init(p)
    rng = np.random.default_rng(3)
    s = le.surface("bowl")
    ctx = SimpleNamespace(value=s.value, grad=s.grad, rng=rng)
    new, st2 = opt.update(s.grad(p), st, p, ctx)
    ref = np.random.default_rng(3)
    prop = p + 0.3 * ref.standard_normal((2, 2))
    u = ref.random(2)
    delta = s.value(prop) - s.value(p)
    accept = (delta <= 0) | (u < np.exp(-delta / 2.0))
    np.testing.assert_array_equal(new, np.where(accept[:, None], prop, p))
    assert st2.count == 1
    # Step 2 runs at temperature 2 * 0.5.
    assert opt.scalars(2, 0.3)[1] == 1.0


def test_sgld_update_rule():
    opt = le.optimizer("sgld", lr=0.1, temperature=0.5, cooling=0.9)
    p = np.array([[1.0, -2.0]])
    s = le.surface("bowl")
    ctx = SimpleNamespace(value=s.value, grad=s.grad, rng=np.random.default_rng(0))
    g = s.grad(p)
    new, _ = opt.update(g, opt.init(p), p, ctx)
    xi = np.random.default_rng(0).standard_normal((1, 2))
    np.testing.assert_allclose(new, p - 0.1 * g + math.sqrt(2 * 0.1 * 0.5) * xi, rtol=0, atol=1e-15)
    # Temperature 0 is plain gradient descent.
    gd = le.simulate("bowl", le.optimizer("gd", lr=0.1), p, steps=20)
    sg = le.simulate("bowl", le.optimizer("sgld", lr=0.1, temperature=0.0), p, steps=20)
    # (gd rounds lr * g + p once, as torch's fused add does; sgld rounds twice)
    np.testing.assert_allclose(gd.path, sg.path, rtol=1e-14, atol=1e-15)


def test_perturbed_gd_kicks_off_a_saddle():
    # On the saddle's stable line plain GD converges to the saddle; PGD's kick (uniform in a
    # disc of the given radius) breaks the symmetry and it leaves along the unstable direction.
    gd = le.simulate("saddle", le.optimizer("gd", lr=0.05), [[1.0, 0.0]], steps=300)
    assert gd.verdicts[0].kind == "saddle"
    opt = le.optimizer("perturbed_gd", lr=0.05, g_thres=1e-3, t_thres=20, radius=0.01,
                       revert=False)
    res = le.simulate("saddle", opt, [[1.0, 0.0]], steps=300, seed=0)
    assert res.verdicts[0].kind in ("diverged", "moving")
    assert abs(res.final[0, 1]) > 1.0
    # Before the gradient is small there is no kick: the first steps are exactly GD's.
    np.testing.assert_allclose(res.path[:30], gd.path[:30], rtol=1e-14, atol=1e-15)


def test_perturbed_gd_does_not_touch_the_callers_gradient():
    opt = le.optimizer("perturbed_gd", g_thres=10.0)
    s = le.surface("bowl")
    p = np.zeros((3, 2))
    g = s.grad(p)
    g0 = g.copy()
    ctx = SimpleNamespace(value=s.value, grad=s.grad, rng=np.random.default_rng(0))
    new, _ = opt.update(g, opt.init(p), p, ctx)
    np.testing.assert_array_equal(g, g0)
    assert (np.hypot(*new.T) <= 0.1 + 1e-12).all() and (new != 0).any()


@pytest.mark.parametrize("name,kwargs,param", [
    ("annealing", {"lr": -1.0}, "lr"),
    ("annealing", {"temperature": 0.0}, "temperature"),
    ("annealing", {"cooling": 1.5}, "cooling"),
    ("annealing", {"cooling": float("nan")}, "cooling"),
    ("perturbed_gd", {"g_thres": -1e-3}, "g_thres"),
    ("perturbed_gd", {"t_thres": 0}, "t_thres"),
    ("perturbed_gd", {"t_thres": 2.5}, "t_thres"),
    ("perturbed_gd", {"radius": float("inf")}, "radius"),
    ("perturbed_gd", {"f_thres": -1.0}, "f_thres"),
    ("perturbed_gd", {"revert": 1}, "revert"),
    ("perturbed_gd", {"patience": 0}, "patience"),
    ("sgld", {"lr": float("nan")}, "lr"),
    ("sgld", {"temperature": -0.1}, "temperature"),
    ("sgld", {"cooling": 0.0}, "cooling"),
    ("sgld", {"momentum": 0.9}, "momentum"),
], ids=lambda v: str(v) if not isinstance(v, dict) else ",".join(f"{k}={v[k]}" for k in v))
def test_invalid_hyperparameters_are_named(name, kwargs, param):
    with pytest.raises(ValueError, match=param):
        le.optimizer(name, **kwargs)


def test_escape_methods_are_listed():
    names = le.optimizer_names()
    for n in ("annealing", "perturbed_gd", "sgld"):
        assert n in names
        opt = le.optimizer(n)
        assert opt.kernel is None and opt.defn.step is not None
        assert opt.spec().startswith(n + "(")
