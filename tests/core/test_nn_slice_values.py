"""The fast value path of a network slice (SliceValues: weights built per point in the matmul's
layout, the first layer from three fixed products, buffers reused, chunks on threads) computes
the same loss as the plain forward pass of the network at θ* + α·d₁ + β·d₂."""
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.nn_slice import MLP, SliceValues


@pytest.mark.parametrize("activation, skip, task", [
    ("relu", False, "classification"), ("relu", True, "classification"),
    ("tanh", True, "regression"), ("tanh", False, "regression"),
])
def test_slice_values_equal_the_networks_loss(activation, skip, task):
    ds = le.dataset("moons" if task == "classification" else "wave", n=37, seed=2)
    model = MLP((ds.dims, 5, 5, 5, 3, 1), activation, skip, task)  # widths differ: no skip at 3
    rng = np.random.default_rng(1)
    center = model.init(rng)
    dirs = rng.standard_normal((2, model.n_params))  # biases too: PCA directions have them
    ab = rng.uniform(-1.5, 1.5, (203, 2))
    fast = SliceValues(model, center, dirs, ds.X, ds.y)
    fast.chunk = 7  # many chunks, a partial last one, several threads
    got = fast(ab)
    ref = model.loss_and_grad(center + ab @ dirs, ds.X, ds.y, need_grad=False)[0]
    assert np.allclose(got, ref, rtol=1e-12, atol=1e-14)
    assert (fast(ab[:1]) == got[:1]).all()  # a chunk's result does not depend on its company


def test_the_slice_surface_uses_it_and_agrees_at_the_center():
    ds = le.dataset("moons", n=60, seed=0)
    s = le.nn_slice(ds, hidden=(6,), depth=3, skip=True, epochs=20, seed=1)
    assert s.value([0.0, 0.0]) == pytest.approx(s.train_loss, rel=1e-12)
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9)), -1)
    ref = s.network.loss_and_grad(s.center + grid.reshape(-1, 2) @ s.directions, ds.X, ds.y,
                                  need_grad=False)[0]
    assert np.allclose(s.value(grid).ravel(), ref, rtol=1e-12, atol=1e-14)
