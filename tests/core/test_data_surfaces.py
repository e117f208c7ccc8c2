"""Datasets and the two-parameter models whose loss over them is a surface."""
import numpy as np
import pytest

import landscape_explorer as le

MODELS = le.data_surface_names()


def test_the_four_models_and_seven_datasets_exist():
    assert MODELS == ["linear_regression", "logistic_regression", "sinusoid_fit", "tanh_neuron"]
    assert le.dataset_names() == ["blobs", "circles", "moons", "regression", "spirals", "wave",
                                  "xor"]


@pytest.mark.parametrize("name", le.dataset_names())
def test_datasets_are_seeded_and_shaped(name):
    a = le.dataset(name, n=50, seed=3)
    b = le.dataset(name, n=50, seed=3)
    c = le.dataset(name, n=50, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (50, a.dims) and a.y.shape == (50,)
    assert np.isfinite(a.X).all() and np.isfinite(a.y).all()
    if a.task == "classification":
        assert set(np.unique(a.y)) == {0.0, 1.0}


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="mnist"), "unknown dataset 'mnist'; valid datasets: blobs"),
    (dict(name="moons", n=2), "invalid n"), (dict(name="moons", n=10 ** 9), "invalid n"),
    (dict(name="moons", n=True), "invalid n"), (dict(name="moons", noise=-1), "invalid noise"),
    (dict(name="moons", noise=float("nan")), "invalid noise"),
    (dict(name="moons", seed=-1), "invalid seed"),
])
def test_bad_dataset_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        le.dataset(**kwargs)


def _grid(s, n=6):
    (x0, x1), (y0, y1) = s.bounds
    t = (np.arange(n) + 0.41) / n
    X, Y = np.meshgrid(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
    return np.stack([X.ravel(), Y.ravel()], -1)


@pytest.mark.parametrize("model", MODELS)
def test_gradient_and_hessian_are_exact(model):
    s = le.surface(model)
    p = _grid(s)
    h = 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (s.value(p + e) - s.value(p - e)) / (2 * h)
        np.testing.assert_allclose(s.grad(p)[:, k], fd, rtol=1e-6, atol=1e-7)
        fdh = (s.grad(p + e) - s.grad(p - e)) / (2 * h)
        np.testing.assert_allclose(s.hessian(p)[:, k, :], fdh, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model", MODELS)
def test_the_surface_is_the_models_mean_loss(model):
    s = le.surface(model)
    ds = s.dataset
    w = np.array([0.7, -0.4])
    if model == "linear_regression":
        expected = np.mean((w[0] * ds.X[:, 0] + w[1] - ds.y) ** 2)
    elif model == "logistic_regression":
        z = ds.X @ w
        p = 1 / (1 + np.exp(-z))
        expected = -np.mean(ds.y * np.log(p) + (1 - ds.y) * np.log(1 - p))
    elif model == "sinusoid_fit":
        expected = np.mean((np.sin(w[0] * ds.X[:, 0] + w[1]) - ds.y) ** 2)
    else:
        expected = np.mean((w[0] * np.tanh(w[1] * ds.X[:, 0]) - ds.y) ** 2)
    assert s.value(w) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("model", MODELS)
def test_minibatch_gradients_average_to_the_full_gradient_over_an_epoch(model):
    s = le.surface(model)
    perm = np.random.default_rng(0).permutation(s.dataset.n)
    batches = np.array_split(perm, 4)
    assert len({len(b) for b in batches}) == 1
    p = _grid(s, 4)
    mean = sum(s.batch_surface(b).grad(p) for b in batches) / len(batches)
    np.testing.assert_allclose(mean, s.grad(p), rtol=1e-12, atol=1e-14)
    full = s.batch_surface(np.arange(s.dataset.n))
    np.testing.assert_array_equal(full.grad(p), s.grad(p))


def test_tanh_neuron_has_a_saddle_at_the_origin_and_sinusoid_fit_many_minima():
    tn = le.surface("tanh_neuron")
    assert np.abs(tn.grad([0.0, 0.0])).max() == 0.0
    lo, hi = np.linalg.eigvalsh(tn.hessian([0.0, 0.0]))
    assert lo < 0 < hi
    kinds = [c.kind for c in le.critical_points(le.surface("sinusoid_fit"))]
    assert kinds.count("local_min") >= 2 and kinds.count("global_min") >= 1


def test_full_batch_gd_stops_in_a_local_minimum_of_the_sinusoid_fit():
    s = le.surface("sinusoid_fit")
    # Started at a low frequency, GD settles for the best constant fit (w ≈ 0): 0.55 above the
    # real fit at w ≈ 2.5, which a start at w = 1 reaches.
    res = le.simulate(s, le.optimizer("gd", lr=0.2), [[0.4, 0.1], [1.0, 0.0]], 400)
    stuck, found = res.verdicts
    assert stuck.kind == "local_min" and abs(stuck.point.xy[0]) < 0.2, stuck.detail
    assert found.kind == "global_min" and abs(found.point.xy[0] - 2.5) < 0.1, found.detail


@pytest.mark.parametrize("model", MODELS)
def test_data_surface_formulas_compile_for_the_fused_engine(model):
    """The fused engine compiles the same formula functions with numba; numba calls libm's
    tanh/exp/log1p where numpy may use its own SIMD code, so the two agree to round-off."""
    import numba

    s = le.surface(model)
    p = _grid(s, 12)
    compiled = numba.njit(s.f_grad)
    got = np.array([compiled(float(x), float(y)) for x, y in p])
    want = s.grad(p)
    scale = np.abs(want).max()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15 * scale)
    starts = _grid(s, 40)  # 1,600 starts x 1,300 steps: the fused engine runs them
    res = le.simulate(s, le.optimizer("adam", lr=0.02), starts, 1300, record_every=1300)
    assert np.isfinite(res.final).all() and (res.steps_taken == 1300).all()


def test_models_refuse_datasets_of_the_wrong_kind():
    with pytest.raises(ValueError, match="needs 1 feature column, the dataset 'moons' has 2"):
        le.surface("sinusoid_fit", dataset=le.dataset("moons"))
    with pytest.raises(ValueError, match="needs 0/1 class labels"):
        le.data_surface("logistic_regression", le.load_csv if False else
                        le.Dataset("r", np.ones((5, 2)), np.arange(5.0), "regression"))
    with pytest.raises(ValueError, match="takes no params, bounds or dataset"):
        le.surface("bowl", dataset=le.dataset("wave"))


# --- CSV --------------------------------------------------------------------------------------

def test_csv_round_trip(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8.5,1\n")
    ds = le.load_csv(p)
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6], [7, 8.5]])
    assert ds.task == "classification" and ds.feature_names == ("a", "b")
    s = le.surface("logistic_regression", dataset=ds)
    assert np.isfinite(s.value([0.1, 0.2]))


@pytest.mark.parametrize("text, kwargs, match", [
    ("a,b\n1,2\n3,4\n5,6\n7,8\n", dict(target="c"), "no column 'c' \\(columns: a, b\\)"),
    ("a,b\n1,2\n3,x\n5,6\n7,8\n", {}, "row 3, column 'b': 'x' is not a finite number"),
    ("a,b\n1,2\n3,nan\n5,6\n7,8\n", {}, "row 3, column 'b'"),
    ("a,b\n1,2\n3,4\n", {}, "2 data rows \\(at least 4"),
    ("a,b\n1,2\n3\n5,6\n7,8\n", {}, "row 3 has 1 cells"),
    ("", {}, "empty file"), ("a,a\n1,2\n1,2\n1,2\n1,2\n", {}, "repeated column"),
    ("b\n1\n2\n3\n4\n", {}, "no feature columns"),
])
def test_bad_csv_gives_one_clear_error(tmp_path, text, kwargs, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        le.load_csv(p, **kwargs)


def test_csv_that_is_not_a_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        le.load_csv(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="not a regular file"):
        le.load_csv(tmp_path)
