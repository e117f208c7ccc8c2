"""simulate() and Stepper: exact step counts, divergence, seeds, batching, fused == numpy."""
import os
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core import fused, simulate as simmod

# Every elementwise optimizer in the registry: a new one is tested here without a word.
ELEMENTWISE = [n for n in le.optimizer_names() if le.optimizer(n).elementwise]


def test_the_torch_optimizers_are_elementwise():
    assert set(ELEMENTWISE) >= {"gd", "sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw",
                                "adamax", "nadam", "radam", "lion"}


@pytest.fixture
def on_both_engines(monkeypatch):
    """on_both_engines(run) -> (run() on the fused engine, run() on the numpy engine), each
    checked to have run where it should."""
    calls = []
    real_run = fused.run

    def counting_run(*args, **kwargs):
        calls.append(1)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(fused, "run", counting_run)

    def both(run):
        monkeypatch.setattr(simmod, "FUSED_MIN_WORK", 0)
        calls.clear()
        on_fused = run()
        assert calls, "the fused engine did not run"
        monkeypatch.setattr(simmod, "FUSED_MIN_WORK", float("inf"))
        calls.clear()
        on_numpy = run()
        assert not calls, "the fused engine ran"
        return on_fused, on_numpy

    return both


def test_path_shape_and_start_rows():
    res = le.simulate("bowl", le.optimizer("gd", lr=0.1), [[1.0, 2.0], [0.5, -0.5]], steps=10)
    assert res.path.shape == (11, 2, 2)
    assert res.loss.shape == (11, 2)
    np.testing.assert_array_equal(res.path[0], [[1.0, 2.0], [0.5, -0.5]])
    np.testing.assert_array_equal(res.step_index, np.arange(11))
    # gd on the bowl: p_{t+1} = p_t - lr * 2 p_t = 0.8 p_t, written out.
    np.testing.assert_allclose(res.path[3], 0.8 ** 3 * res.path[0], rtol=1e-15)
    np.testing.assert_allclose(res.loss, (res.path ** 2).sum(-1), rtol=1e-15)


@pytest.mark.parametrize("steps,every,rows", [(300, 1, 301), (300, 300, 2), (300, 7, 44),
                                              (0, 1, 1), (5, 10, 2)])
def test_record_every_rows(steps, every, rows):
    res = le.simulate("bowl", "gd", [[1.0, 1.0]], steps=steps, record_every=every)
    assert res.path.shape[0] == rows
    assert res.step_index[-1] == steps
    full = le.simulate("bowl", "gd", [[1.0, 1.0]], steps=steps)
    np.testing.assert_array_equal(res.path, full.path[res.step_index])


def test_sgd_lr10_rosenbrock_diverges_with_finite_path():
    res = le.simulate("rosenbrock", le.optimizer("sgd", lr=10.0), [[-1.5, 2.0], [1.0, 1.0]],
                      steps=100)
    assert res.status[0] == "diverged"
    assert np.isfinite(res.path).all() and np.isfinite(res.loss).all()
    assert res.steps_taken[0] < 100
    # It stays at its last finite point from the step it would have diverged on.
    k = res.steps_taken[0]
    assert (res.path[k:, 0] == res.path[k, 0]).all()
    # The particle at the minimum is unaffected by its neighbour diverging.
    assert res.status[1] == "converged" and res.steps_taken[1] == 100


def test_no_numpy_warnings_on_divergence():
    code = ("import landscape_explorer as le;"
            "le.simulate('rosenbrock', le.optimizer('sgd', lr=10.0), [[-1.5, 2.0]], steps=500)")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_batch_equals_each_particle_alone(name):
    surf = le.surface("himmelblau" if "himmelblau" in le.surface_names() else "bowl")
    opt = le.optimizer(name, lr=0.01)
    starts = np.random.default_rng(3).uniform(-4, 4, (6, 2))
    batch = le.simulate(surf, opt, starts, steps=50)
    for i, s in enumerate(starts):
        alone = le.simulate(surf, opt, [s], steps=50)
        np.testing.assert_array_equal(batch.path[:, i], alone.path[:, 0])


def test_same_seed_same_noise_bit_for_bit():
    opt = le.optimizer("sgd", lr=0.01, noise=0.5)
    a = le.simulate("bowl", opt, [[1.0, 1.0]] * 4, steps=100, seed=7)
    b = le.simulate("bowl", opt, [[1.0, 1.0]] * 4, steps=100, seed=7)
    c = le.simulate("bowl", opt, [[1.0, 1.0]] * 4, steps=100, seed=8)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.array_equal(a.path, c.path)
    # noise differs between particles of one batch
    assert not np.array_equal(a.path[:, 0], a.path[:, 1])


def test_noise_is_gaussian_gradient_noise():
    # gd with lr on a zero-gradient direction: x moves by -lr * noise * N(0, 1) each step.
    res = le.simulate("bowl", le.optimizer("gd", lr=1.0, noise=2.0), [[0.0, 0.0]], steps=1,
                      seed=0)
    z = np.random.default_rng(0).standard_normal((1, 2))
    np.testing.assert_allclose(res.path[1], -2.0 * z, rtol=1e-15)


def test_clip_matches_clip_grad_norm():
    # gd(lr=1, clip=1) from (3, 4): gradient (6, 8) has norm 10 -> scaled by 1 / (10 + 1e-6).
    res = le.simulate("bowl", le.optimizer("gd", lr=1.0, clip=1.0), [[3.0, 4.0]], steps=1)
    g = np.array([6.0, 8.0]) * (1.0 / (10.0 + 1e-6))
    np.testing.assert_allclose(res.path[1, 0], np.array([3.0, 4.0]) - g, rtol=1e-15)


# The engines' contract: the fused engine and the numpy engine agree bit for bit, on every CPU
# (both take gradients from the same compiled formula; everything else is correctly rounded).
# Every optimizer runs on rastrigin, and every surface with one optimizer (each surface a
# different one): a step is the surface's gradient formula, then the optimizer's kernel, and each
# is checked against the other engine on its own.


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_fused_engine_is_bit_identical_to_numpy(name, on_both_engines):
    opt = le.optimizer(name, lr=0.05, clip=5.0)
    starts = np.random.default_rng(1).uniform(-5, 5, (64, 2))
    fused_res, plain = on_both_engines(
        lambda: le.simulate("rastrigin", opt, starts, steps=60, record_every=7))
    np.testing.assert_array_equal(fused_res.path, plain.path)
    np.testing.assert_array_equal(fused_res.status, plain.status)
    np.testing.assert_array_equal(fused_res.steps_taken, plain.steps_taken)


@pytest.mark.parametrize("surface", le.surface_names())
def test_fused_engine_is_bit_identical_to_numpy_on_every_surface(surface, on_both_engines):
    s = le.surface(surface)
    name = ELEMENTWISE[le.surface_names().index(surface) % len(ELEMENTWISE)]
    (x0, x1), (y0, y1) = s.bounds
    rng = np.random.default_rng(2)
    starts = np.column_stack([rng.uniform(x0, x1, 32), rng.uniform(y0, y1, 32)])
    starts = np.concatenate([starts, [p.xy for p in s.known_points]])
    opt = le.optimizer(name, lr=0.01, clip=None if len(surface) % 2 else 10.0)
    fused_res, plain = on_both_engines(lambda: le.simulate(s, opt, starts, steps=40))
    np.testing.assert_array_equal(fused_res.path, plain.path)
    np.testing.assert_array_equal(fused_res.steps_taken, plain.steps_taken)
    assert not np.array_equal(plain.final, starts), "nothing moved: the test would prove nothing"


def test_fused_engine_handles_divergence_like_numpy(on_both_engines):
    starts = np.array([[-1.5, 2.0], [1.0, 1.0], [0.0, 3.0]])
    opt = le.optimizer("sgd", lr=10.0)
    fused_res, plain = on_both_engines(lambda: le.simulate("rosenbrock", opt, starts, steps=40))
    assert (plain.status == "diverged").any()
    np.testing.assert_array_equal(fused_res.path, plain.path)
    np.testing.assert_array_equal(fused_res.status, plain.status)


def test_without_numba_numpy_alone_agrees_within_rounding(monkeypatch):
    # LANDSCAPE_EXPLORER_NO_NUMBA: numpy's own exp and cos, which may differ from libm's in the
    # last bit; over a few steps that stays at the rounding level.
    starts = np.random.default_rng(4).uniform(-3, 3, (16, 2))
    opt = le.optimizer("adam", lr=0.01)
    with_numba = le.simulate("ackley", opt, starts, steps=10)
    monkeypatch.setenv("LANDSCAPE_EXPLORER_NO_NUMBA", "1")
    monkeypatch.setattr(fused, "run", None)  # would fail if called
    alone = le.simulate("ackley", opt, starts, steps=10)
    assert simmod.Engine(le.surface("ackley"), opt, starts, 0).grad == le.surface("ackley").grad
    np.testing.assert_allclose(alone.path, with_numba.path, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bad", [[1.0], [[1.0, 2.0, 3.0]], [[np.nan, 0.0]], "x", []])
def test_bad_starts_rejected(bad):
    with pytest.raises(ValueError, match="starts"):
        le.simulate("bowl", "gd", bad, steps=1)


@pytest.mark.parametrize("kw", [{"steps": -1}, {"steps": 1.5}, {"steps": 10, "record_every": 0}])
def test_bad_counts_rejected(kw):
    with pytest.raises(ValueError, match="steps|record_every"):
        le.simulate("bowl", "gd", [[1.0, 1.0]], **kw)


def test_stepper_matches_simulate():
    opt = le.optimizer("gd", lr=0.05, noise=0.1)
    starts = [[1.0, 1.0], [-1.0, 0.5]]
    st = le.Stepper("bowl", opt, starts, seed=3)
    for k in (1, 5, 0, 44):
        st.advance(k)
    res = le.simulate("bowl", opt, starts, steps=50, seed=3)
    assert st.step == 50
    np.testing.assert_array_equal(st.positions, res.final)
    np.testing.assert_array_equal(st.losses, res.final_loss)
    steps, pos, losses = st.history()
    np.testing.assert_array_equal(pos, res.path[steps])


def test_stepper_history_is_bounded_and_spans_the_run():
    st = le.Stepper("bowl", le.optimizer("gd", lr=1e-4), [[1.0, 1.0]], history=64)
    st.advance(1_000_000)
    steps, pos, losses = st.history()
    assert len(steps) <= 65
    assert steps[0] == 0 and steps[-1] == 1_000_000
    assert (np.diff(steps) > 0).all()
    assert np.isfinite(pos).all()
    ref = le.simulate("bowl", le.optimizer("gd", lr=1e-4), [[1.0, 1.0]], steps=steps[5])
    np.testing.assert_array_equal(pos[5], ref.final)


def test_stepper_live_edit_applies_from_next_step():
    st = le.Stepper("bowl", le.optimizer("gd", lr=0.1), [[1.0, 1.0]])
    st.advance(2)
    before = st.positions
    st.set_optimizer(le.optimizer("gd", lr=0.25))
    st.advance(1)
    np.testing.assert_allclose(st.positions, before * (1 - 2 * 0.25), rtol=1e-15)
    st.reset()
    assert st.step == 0
    np.testing.assert_array_equal(st.positions, [[1.0, 1.0]])
    st.reset([[0.5, 0.5]])
    np.testing.assert_array_equal(st.positions, [[0.5, 0.5]])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_optimizer_converges_on_bowl(name):
    # Sign-like methods (rmsprop, adam, lion...) keep hopping by about lr around the minimum
    # at a constant lr; annealing the lr to zero, as in practice, lets every one settle.
    # adagrad's and adadelta's effective steps shrink by themselves; they start larger.
    opt = le.optimizer(name, lr={"adadelta": 1.0, "adagrad": 0.5}.get(name, 0.05),
                       schedule=le.schedule("cosine", T_max=3000))
    res = le.simulate("bowl", opt, [[1.5, -1.0], [-0.3, 0.8]], steps=3000)
    assert np.abs(res.final).max() < 1e-3, res.final


def test_core_imports_no_qt():
    code = ("import sys, landscape_explorer, landscape_explorer.core.simulate;"
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PyQt6', 'pyqtgraph', 'OpenGL', 'PySide6')];"
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_fused_loop_is_cached_on_disk(tmp_path):
    code = ("import numpy as np, landscape_explorer as le;"
            "from landscape_explorer.core import fused, simulate as sm;"
            "sm.FUSED_MIN_WORK = 0;"
            "le.simulate('bowl', le.optimizer('gd', lr=0.1), [[1.0, 2.0]], steps=3);"
            "o = le.optimizer('gd');"
            "d = fused.loop(le.surface('bowl').f_grad, o.kernel, type(o.scalars(1, 0.1)), 0);"
            "print(sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values()))")
    env = dict(os.environ, LANDSCAPE_EXPLORER_CACHE=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    assert runs[0].stdout.split() == ["0", "1"]  # compiled, then saved
    assert runs[1].stdout.split() == ["1", "0"]  # loaded from the cache
    assert list((tmp_path / "fused").glob("le_fused_*.py"))


def test_fused_stepper_carries_diverged_particles_across_calls(on_both_engines):
    # 7 particles: groups of lanes are not full, and some lanes arrive already diverged.
    starts = np.random.default_rng(5).uniform(-2, 2, (7, 2))
    opt = le.optimizer("sgd", lr=0.004, momentum=0.9)

    def run():
        st = le.Stepper("rosenbrock", opt, starts)
        for k in (30, 1, 45):
            st.advance(k)
        return st

    fused_st, plain = on_both_engines(run)
    assert 0 < (plain.status == "diverged").sum() < 7
    np.testing.assert_array_equal(fused_st.positions, plain.positions)
    np.testing.assert_array_equal(fused_st.last_update, plain.last_update)
    np.testing.assert_array_equal(fused_st.steps_taken, plain.steps_taken)
    np.testing.assert_array_equal(fused_st.status, plain.status)
