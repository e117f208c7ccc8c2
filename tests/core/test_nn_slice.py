"""Network slices (Li et al. 2018): exact slice gradients, filter normalization, PCA directions."""
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.nn_slice import MLP, grid_minima, nonconvexity

DS = le.dataset("moons", n=120, seed=1)


@pytest.fixture(scope="module")
def filter_slice():
    return le.nn_slice(DS, hidden=(8, 8, 8), activation="tanh", epochs=80, seed=2)


@pytest.fixture(scope="module")
def pca_slice():
    return le.nn_slice(DS, hidden=(8,), depth=3, skip=True, directions="pca", epochs=120,
                       seed=3)


@pytest.mark.parametrize("activation, skip", [("relu", False), ("tanh", True)])
def test_backprop_gradient_of_the_network_is_exact(activation, skip):
    model = MLP((2, 6, 6, 6, 1), activation, skip, "classification")
    theta = model.init(np.random.default_rng(0))[None]
    loss, g = model.loss_and_grad(theta, DS.X, DS.y)
    rng = np.random.default_rng(1)
    for _ in range(5):
        v = rng.standard_normal(theta.shape[1])
        h = 1e-6
        fd = (model.loss_and_grad(theta + h * v, DS.X, DS.y, False)[0] -
              model.loss_and_grad(theta - h * v, DS.X, DS.y, False)[0]) / (2 * h)
        assert float(g[0] @ v) == pytest.approx(float(fd[0]), rel=1e-6, abs=1e-9)


def test_regression_networks_have_exact_gradients_too():
    ds = le.dataset("wave", n=50)
    model = MLP((1, 5, 5, 1), "tanh", False, "regression")
    theta = model.init(np.random.default_rng(4))[None]
    _, g = model.loss_and_grad(theta, ds.X, ds.y)
    e = np.zeros_like(theta)
    e[0, 7] = 1e-6
    fd = (model.loss_and_grad(theta + e, ds.X, ds.y, False)[0] -
          model.loss_and_grad(theta - e, ds.X, ds.y, False)[0]) / 2e-6
    assert g[0, 7] == pytest.approx(fd[0], rel=1e-6)


@pytest.mark.parametrize("which", ["filter_slice", "pca_slice"])
def test_slice_value_gradient_and_hessian_against_differences(which, request):
    s = request.getfixturevalue(which)
    (x0, x1), (y0, y1) = s.bounds
    p = np.array([[x0 + 0.3 * (x1 - x0), y0 + 0.6 * (y1 - y0)],
                  [x0 + 0.7 * (x1 - x0), y0 + 0.2 * (y1 - y0)]])
    h = 1e-6 * (x1 - x0)
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (s.value(p + e) - s.value(p - e)) / (2 * h)
        np.testing.assert_allclose(s.grad(p)[:, k], fd, rtol=1e-5, atol=1e-8)
        fdh = (s.grad(p + 100 * e) - s.grad(p - 100 * e)) / (200 * h)
        np.testing.assert_allclose(s.hessian(p)[:, k], fdh, rtol=1e-3, atol=1e-5)


def test_slice_at_the_origin_is_the_trained_networks_loss(filter_slice):
    s = filter_slice
    direct = s.network.loss_and_grad(s.center[None], DS.X, DS.y, False)[0][0]
    assert s.value([0.0, 0.0]) == pytest.approx(direct, rel=1e-13)
    assert s.value([0.0, 0.0]) == pytest.approx(s.train_loss, rel=1e-13)
    assert s.value([0.0, 0.0]) < s.value([0.8, -0.8])  # it trained: the centre is low


def test_filter_normalized_directions_have_the_centres_filter_norms(filter_slice):
    s = filter_slice
    model = s.network
    for d in s.directions:
        for i, (dp, cp) in enumerate(zip(model.unflatten(d), model.unflatten(s.center))):
            if i % 2:
                assert not dp.any()  # biases zeroed
            else:
                np.testing.assert_allclose(np.linalg.norm(dp, axis=1),
                                           np.linalg.norm(cp, axis=1), rtol=1e-12)
    assert s.directions.shape == (2, model.n_params)
    assert sum(int(np.prod(sh)) for sh in s.param_shapes) == model.n_params


def test_pca_directions_are_orthonormal_and_the_trajectory_ends_at_the_origin(pca_slice):
    s = pca_slice
    np.testing.assert_allclose(s.directions @ s.directions.T, np.eye(2), atol=1e-12)
    assert s.trajectory.shape[1] == 2 and len(s.trajectory) > 10
    np.testing.assert_allclose(s.trajectory[-1], [0.0, 0.0], atol=1e-12)
    # The trajectory starts far from the end and inside the slice's bounds.
    (x0, x1), _ = s.bounds
    assert np.hypot(*s.trajectory[0]) > 0.1 * (x1 - x0)
    assert np.abs(s.trajectory).max() <= x1


def test_optimizers_step_on_a_slice():
    s = le.nn_slice(DS, hidden=(6,), depth=2, epochs=40, seed=5)
    res = le.simulate(s, le.optimizer("adam", lr=0.05), [[0.8, -0.6]], 60)
    assert res.loss[-1, 0] < res.loss[0, 0]
    assert np.isfinite(res.path).all()


def test_nonconvexity_and_grid_minima_measure_what_they_say():
    bowl = le.surface("bowl")
    assert nonconvexity(bowl, 21) == 0.0 and grid_minima(bowl, 21) == 1
    saddle = le.surface("saddle")
    assert nonconvexity(saddle, 21) == 1.0 and grid_minima(saddle, 21) == 0
    assert grid_minima(le.surface("rastrigin"), 101) >= 20


def test_surface_from_loss_for_any_framework():
    A = np.diag([1.0, 4.0, 9.0])
    center = np.array([1.0, -2.0, 0.5])
    dirs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    s = le.surface_from_loss(lambda t: 0.5 * t @ A @ t, lambda t: A @ t, center, dirs)
    ab = np.array([0.3, -0.2])
    t = center + ab @ dirs
    assert s.value(ab) == pytest.approx(0.5 * t @ A @ t)
    np.testing.assert_allclose(s.grad(ab), dirs @ (A @ t))
    np.testing.assert_allclose(s.hessian(ab), dirs @ A @ dirs.T, rtol=1e-6)
    with pytest.raises(ValueError, match="directions must have shape"):
        le.surface_from_loss(lambda t: 0.0, lambda t: t, center, dirs[:, :2])


@pytest.mark.parametrize("kwargs, match", [
    (dict(dataset="moons"), "invalid dataset"), (dict(activation="gelu"), "invalid activation"),
    (dict(directions="random"), "invalid directions"), (dict(hidden=(0,)), "hidden width"),
    (dict(depth=21), "invalid depth"), (dict(skip=1), "invalid skip"),
    (dict(epochs=0), "invalid epochs"), (dict(seed=-1), "invalid seed"),
    (dict(span=float("inf")), "invalid span"),
])
def test_bad_arguments_are_one_clear_error(kwargs, match):
    args = dict(dataset=DS, hidden=(4,), epochs=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        le.nn_slice(**args)


def test_cancel_stops_training():
    from landscape_explorer.core.cancel import Cancelled

    with pytest.raises(Cancelled):
        le.nn_slice(DS, hidden=(4,), epochs=500, cancel=lambda: True)
