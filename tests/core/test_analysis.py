"""Critical points, verdicts, basins of attraction and random restarts (core.analysis)."""
import threading
import time
from collections import Counter

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.basins import basins, gaussian_starts, random_restarts, uniform_starts
from landscape_explorer.core.cancel import Cancelled
from landscape_explorer.core.verdicts import verdicts
def needs(*names):
    missing = [n for n in names if n not in le.surface_names()]
    return pytest.mark.skipif(bool(missing), reason=f"surfaces not available: {missing}")


# --- critical points ---------------------------------------------------------------------------


@needs("himmelblau")
def test_himmelblau_critical_points():
    cps = le.critical_points("himmelblau", bounds=((-5, 5), (-5, 5)))
    kinds = Counter(c.kind for c in cps)
    assert kinds == {"global_min": 4, "saddle": 4, "max": 1}
    mins = sorted((round(c.xy[0], 4), round(c.xy[1], 4)) for c in cps if c.kind == "global_min")
    assert mins == sorted([(3.0, 2.0), (-2.8051, 3.1313), (-3.7793, -3.2832), (3.5844, -1.8481)])
    (mx,) = [c for c in cps if c.kind == "max"]
    np.testing.assert_allclose(mx.xy, (-0.270845, -0.923039), atol=1e-5)
    np.testing.assert_allclose(mx.value, 181.617, atol=1e-3)
    s = le.surface("himmelblau")
    for c in cps:
        assert np.linalg.norm(s.grad(c.xy)) < 1e-8
        lo, hi = np.linalg.eigvalsh(s.hessian(c.xy))
        np.testing.assert_allclose(c.eigenvalues, (lo, hi), rtol=1e-9, atol=1e-9)
        assert {"global_min": lo > 0, "saddle": lo < 0 < hi, "max": hi < 0}[c.kind]
        assert not c.degenerate


@needs("six_hump_camel")
def test_six_hump_camel_critical_points():
    cps = le.critical_points("six_hump_camel", bounds=((-3, 3), (-2, 2)))
    kinds = Counter(c.kind for c in cps)
    # Two global minima at (±0.0898, ∓0.7126), four local minima; saddles and maxima between.
    assert kinds["global_min"] == 2 and kinds["local_min"] == 4
    g = sorted(c.xy for c in cps if c.kind == "global_min")
    np.testing.assert_allclose(g, [(-0.0898, 0.7126), (0.0898, -0.7126)], atol=1e-4)
    for c in cps:
        if c.kind == "global_min":
            np.testing.assert_allclose(c.value, -1.0316284535, atol=1e-9)
    # Euler characteristic of a disc: minima - saddles + maxima = 1 when no critical point is
    # on the boundary; a missed or duplicated point would break it.
    assert kinds["global_min"] + kinds["local_min"] - kinds["saddle"] + kinds["max"] == 1


@needs("rastrigin")
def test_rastrigin_finds_the_whole_lattice():
    cps = le.critical_points("rastrigin", bounds=((-2.2, 2.2), (-2.2, 2.2)))
    kinds = Counter(c.kind for c in cps)
    # Minima near the integers -2..2 (5 x 5), maxima near the half integers (4 x 4), saddles
    # at the mixed pairs (2 x 5 x 4).
    assert kinds == {"global_min": 1, "local_min": 24, "max": 16, "saddle": 40}
    (g,) = [c for c in cps if c.kind == "global_min"]
    np.testing.assert_allclose(g.xy, (0, 0), atol=1e-12)


def test_bowl_has_one_minimum_and_the_known_points_agree():
    for name in le.surface_names():
        s = le.surface(name)
        cps = le.critical_points(s)
        (x0, x1), (y0, y1) = s.bounds
        for kp in s.known_points:
            if not (x0 <= kp.xy[0] <= x1 and y0 <= kp.xy[1] <= y1):
                continue
            near = [c for c in cps if np.hypot(c.xy[0] - kp.xy[0], c.xy[1] - kp.xy[1]) < 1e-4]
            assert near, f"{name}: known {kp.kind} at {kp.xy} not found"
            if kp.kind in ("global_min", "local_min", "max"):
                assert near[0].kind == kp.kind or near[0].degenerate, (name, kp, near[0])
    (c,) = le.critical_points("bowl")
    assert c.kind == "global_min" and c.xy == (0.0, 0.0) and c.eigenvalues == (2.0, 2.0)


def test_degenerate_point_is_labelled_and_flat_regions_are_not_points():
    def monkey(x, y):
        return x ** 3 - 3 * x * y * y

    s = le.Surface("monkey_test", "Monkey", "", ((-2.0, 2.0), (-2.0, 2.0)), (),
                   monkey, lambda x, y: (3 * x * x - 3 * y * y, -6 * x * y),
                   lambda x, y: (6 * x, -6 * y, -6 * x))
    (c,) = le.critical_points(s)
    assert c.kind == "degenerate" and c.degenerate
    assert np.hypot(*c.xy) < 1e-6

    # A well in a plain so flat that its gradient underflows to zero away from the well.
    def v(x, y):
        return 1 - np.exp(-(x * x + y * y))

    def g(x, y):
        e = np.exp(-(x * x + y * y))
        return 2 * x * e, 2 * y * e

    def h(x, y):
        e = np.exp(-(x * x + y * y))
        return (2 - 4 * x * x) * e, -4 * x * y * e, (2 - 4 * y * y) * e

    flat = le.Surface("flat_test", "Flat", "", ((-40.0, 40.0), (-40.0, 40.0)), (), v, g, h)
    (c,) = le.critical_points(flat)
    assert c.kind == "global_min" and np.hypot(*c.xy) < 1e-9


def test_critical_points_rejects_bad_arguments():
    with pytest.raises(ValueError, match="bounds"):
        le.critical_points("bowl", bounds=((1, -1), (0, 1)))
    with pytest.raises(ValueError, match="grid"):
        le.critical_points("bowl", grid=1)
    with pytest.raises(ValueError, match="unknown surface"):
        le.critical_points("nope")


# --- verdicts ------------------------------------------------------------------------------------


@needs("sin_quadratic")
def test_verdicts_on_sin_quadratic():
    # The seed's example: from x = -2 gradient descent ends in the local minimum on the left,
    # from x = 0.3 it reaches the global one.
    res = le.simulate("sin_quadratic", le.optimizer("gd", lr=0.05), [[-2.0, 0.0], [0.3, 0.0]],
                      steps=300)
    left, right = res.verdicts
    assert left.kind == "local_min" and right.kind == "global_min"
    assert left.point.kind == "local_min" and right.point.kind == "global_min"
    gap = left.point.value - right.point.value
    assert gap > 0.5
    assert f"{gap:.4g}" in left.detail and "above the global minimum" in left.detail
    assert "reached the global minimum" in right.detail


@needs("saddle")
def test_saddle_stable_line_stalls_and_noise_escapes():
    start = [[1.0, 0.0]]  # on the saddle's stable line y = 0
    stuck = le.simulate("saddle", le.optimizer("gd", lr=0.05), start, steps=300).verdicts[0]
    assert stuck.kind == "saddle" and stuck.point.kind == "saddle"
    assert "saddle" in stuck.detail and "eigenvalues" in stuck.detail
    noisy = le.simulate("saddle", le.optimizer("gd", lr=0.05, noise=0.1), start, steps=300,
                        seed=0).verdicts[0]
    assert noisy.kind in ("diverged", "moving")


def test_verdicts_diverged_plateau_and_moving():
    res = le.simulate("bowl", le.optimizer("gd", lr=1.5), [[1.0, 1.0]], steps=200)
    (v,) = res.verdicts
    assert v.kind == "diverged" and "diverged after" in v.detail and v.point is None

    res = le.simulate("bowl", le.optimizer("gd", lr=1e-4), [[1.5, 1.5]], steps=10)
    (v,) = res.verdicts
    assert v.kind == "moving" and "still moving" in v.detail

    def v_(x, y):
        return 1 - np.exp(-(x * x + y * y))

    def g(x, y):
        e = np.exp(-(x * x + y * y))
        return 2 * x * e, 2 * y * e

    def h(x, y):
        e = np.exp(-(x * x + y * y))
        return (2 - 4 * x * x) * e, -4 * x * y * e, (2 - 4 * y * y) * e

    flat = le.Surface("plateau_test", "Flat", "", ((-10.0, 10.0), (-10.0, 10.0)), (), v_, g, h)
    # At r = 3.5 the gradient (3.4e-5) is tiny beside the average slope but still moves it; at
    # (5, 5) it is 1.9e-21, too small to change a float64 coordinate: it never leaves the start.
    res = le.simulate(flat, le.optimizer("gd", lr=0.1), [[3.5, 0.0], [0.5, 0.0], [5.0, 5.0]],
                      steps=100)
    a, b, c = res.verdicts
    assert res.path[-1, 0, 0] < 3.5
    assert a.kind == "plateau" and "plateau" in a.detail
    assert b.kind == "global_min"
    assert c.kind == "stationary_start" and "started on a stationary point" in c.detail
    assert res.status[0] == "moving"  # a plateau is not convergence: the app keeps stepping it

    # Walking down Rosenbrock's valley with a clear slope is moving, not a plateau.
    res = le.simulate("rosenbrock", le.optimizer("adam", lr=0.05), [[-1.5, 2.0]], steps=300)
    (v,) = res.verdicts
    assert res.grad_norm[0] > 1.0
    assert v.kind == "moving", v.detail


def test_verdicts_follow_a_live_stepper():
    st = le.Stepper("bowl", le.optimizer("gd", lr=0.1), [[1.0, 1.0], [-1.0, 0.5]])
    assert [v.kind for v in verdicts(st)] == ["not_started", "not_started"]
    st.advance(1)
    assert [v.kind for v in verdicts(st)] == ["moving", "moving"]
    st.advance(300)
    assert [v.kind for v in verdicts(st)] == ["global_min", "global_min"]


# --- basins ----------------------------------------------------------------------------------------


@needs("himmelblau")
def test_basins_fractions_sum_to_one_and_match_direct_simulation():
    opt = le.optimizer("gd", lr=0.01)
    b = basins("himmelblau", opt, resolution=32, steps=300)
    assert b.labels.shape == (32, 32)
    assert sum(b.fractions.values()) == pytest.approx(1.0, abs=1e-12)
    assert b.global_min_fraction == pytest.approx(
        sum(f for k, f in b.fractions.items() if k.startswith("global_min")))
    assert b.global_min_fraction > 0.9  # himmelblau's four minima are all global
    rng = np.random.default_rng(1)
    for i, j in rng.integers(0, 32, size=(8, 2)):
        start = [b.xs[j], b.ys[i]]
        direct = le.simulate("himmelblau", opt, [start], steps=300)
        np.testing.assert_array_equal(direct.final[0], b.final[i, j])
        (v,) = direct.verdicts
        outcome = b.outcomes[b.labels[i, j]]
        if v.point is not None:
            assert outcome.point is not None
            np.testing.assert_allclose(outcome.point.xy, v.point.xy, atol=1e-6)
        else:
            assert outcome.kind in ("not_converged", "diverged")
    img = b.image()
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8


def test_basins_labels_diverged_and_not_converged():
    b = basins("bowl", le.optimizer("gd", lr=1.5), resolution=8, steps=100)
    assert b.fractions == {"diverged": 1.0}
    b = basins("bowl", le.optimizer("gd", lr=1e-5), resolution=8, steps=3)
    assert b.fractions == {"not_converged": 1.0}
    assert b.global_min_fraction == 0.0
    b = basins("bowl", le.optimizer("gd", lr=0.1), resolution=8, steps=300)
    assert b.fractions == {"global_min at (0, 0)": 1.0}


def test_basins_progress_and_prompt_cancel():
    seen = []
    basins("bowl", le.optimizer("gd", lr=0.1), resolution=64, steps=20, chunk_rows=8,
              progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 8

    # Cancel from another thread, as the app does, while the computation runs.
    stop = threading.Event()
    calls = []
    cancelled_at = []

    def progress(f):
        calls.append(f)
        if len(calls) == 2:
            threading.Thread(target=lambda: (cancelled_at.append(time.perf_counter()),
                                             stop.set())).start()

    with pytest.raises(Cancelled):
        basins("bowl", le.optimizer("gd", lr=0.1, noise=0.01), resolution=256, steps=500,
                  chunk_rows=4, progress=progress, cancel=stop.is_set)
    assert time.perf_counter() - cancelled_at[0] < 1.0
    assert len(calls) < 64 // 2  # stopped within a chunk or two, not at the end


def test_basins_validates_arguments():
    opt = le.optimizer("gd")
    for kw, name in [({"resolution": 0}, "resolution"), ({"steps": -1}, "steps"),
                     ({"seed": 1.5}, "seed"), ({"progress": 3}, "progress"),
                     ({"bounds": ((0, 0), (0, 1))}, "bounds")]:
        with pytest.raises(ValueError, match=name):
            basins("bowl", opt, **kw)


def test_basins_noisy_is_reproducible():
    opt = le.optimizer("gd", lr=0.1, noise=0.5)
    a = basins("bowl", opt, resolution=16, steps=50, seed=3)
    b = basins("bowl", opt, resolution=16, steps=50, seed=3)
    np.testing.assert_array_equal(a.final, b.final)


# --- random restarts and particle clouds -------------------------------------------------------


@needs("rastrigin")
def test_random_restarts_keep_the_best():
    opt = le.optimizer("gd", lr=0.002)
    rr = random_restarts("rastrigin", opt, k=50, steps=300, seed=0)
    assert rr.starts.shape == (50, 2)
    assert rr.best_loss == rr.result.final_loss.min()
    one = le.simulate("rastrigin", opt, rr.starts[:1], steps=300)
    assert rr.best_loss <= one.final_loss[0]
    assert rr.best_verdict.kind in ("global_min", "local_min")


def test_start_clouds_are_seeded():
    a = uniform_starts("bowl", 1000, seed=1)
    assert a.shape == (1000, 2) and (np.abs(a) <= 2).all()
    np.testing.assert_array_equal(a, uniform_starts("bowl", 1000, seed=1))
    g = gaussian_starts((1.0, -1.0), 5000, 0.1, seed=2)
    np.testing.assert_allclose(g.mean(0), (1.0, -1.0), atol=0.01)
    np.testing.assert_allclose(g.std(0), 0.1, rtol=0.05)
