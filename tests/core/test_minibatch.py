"""Real minibatches (core/minibatch.py): batch_size = n is full-batch descent to the bit, the
batch gradients of an epoch average to the full gradient, seeds reproduce, bad sizes are refused
by name, and each step follows the gradient of the very batch the API says it used."""
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.minibatch import Minibatches, particle_generator
from landscape_explorer.core.validation import ParameterError

SIN = le.surface("sinusoid_fit")  # 64 rows of the wave dataset
STARTS = np.array([[0.4, -2.0], [1.2, 1.0], [3.0, -0.5], [4.5, 2.5], [-0.5, 0.3]])
MODELS = ["linear_regression", "logistic_regression", "sinusoid_fit", "tanh_neuron"]


@pytest.fixture(scope="module")
def small_slice():
    return le.nn_slice(le.dataset("moons", n=40, seed=1), hidden=(6, 6), activation="tanh",
                       epochs=40, seed=2)


@pytest.mark.parametrize("opt", ["gd(lr=0.2)", "adam(lr=0.05)", "sgd(lr=0.1, momentum=0.9)"])
def test_batch_size_n_and_none_are_full_batch_descent_bit_for_bit(opt):
    from landscape_explorer.cli.common import parse_optimizer

    o = parse_optimizer(opt)
    full = le.simulate(SIN, o, STARTS, 150, seed=3)
    none = le.simulate(SIN, o, STARTS, 150, seed=3, batch_size=None)
    whole = le.simulate(SIN, o, STARTS, 150, seed=3, batch_size=SIN.dataset.n)
    assert (full.path == none.path).all() and (full.path == whole.path).all()
    assert (full.loss == whole.loss).all()
    # and a real minibatch is a different descent
    mini = le.simulate(SIN, o, STARTS, 150, seed=3, batch_size=8)
    assert not (mini.path[-1] == full.path[-1]).all()


def test_batch_size_n_on_a_slice_is_full_batch_bit_for_bit(small_slice):
    o = le.optimizer("sgd", lr=0.5)
    p0 = [[0.1, -0.2], [0.3, 0.4]]
    full = le.simulate(small_slice, o, p0, 20)
    whole = le.simulate(small_slice, o, p0, 20, batch_size=small_slice.dataset.n)
    assert (full.path == whole.path).all()


def test_an_epoch_is_every_row_once_in_sorted_batches_with_a_partial_last_batch():
    mb = Minibatches(n_rows=23, batch_size=5, n_particles=3, seed=7)
    assert mb.per_epoch == 5  # 5, 5, 5, 5, 3: drop_last=False
    for epoch in range(3):
        batches = [mb.rows(epoch * 5 + k + 1) for k in range(5)]
        assert [b.shape[1] for b in batches] == [5, 5, 5, 5, 3]
        for i in range(3):
            rows = np.concatenate([b[i] for b in batches])
            assert sorted(rows.tolist()) == list(range(23))
            for b in batches:
                assert (np.diff(b[i]) > 0).all()
    # particles shuffle differently, and so do epochs
    assert not (mb.rows(1)[0] == mb.rows(1)[1]).all()
    assert not (mb.rows(1)[0] == mb.rows(6)[0]).all()


def test_the_seed_maps_to_batches_as_documented():
    """Epoch e of particle i: argsort of draws e*n .. e*n+n-1 of its generator."""
    n, B, seed = 12, 4, 5
    mb = Minibatches(n, B, 4, seed)
    for i in range(4):
        g = particle_generator(seed, i)
        for epoch in range(3):
            order = np.argsort(g.random(n), kind="stable")
            for k in range(3):
                expect = np.sort(order[k * B:(k + 1) * B])
                assert (mb.rows(epoch * 3 + k + 1)[i] == expect).all()
                assert (mb.rows_of(i, epoch * 3 + k + 1) == expect).all()
    g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed).spawn(4)[2]))
    assert (particle_generator(seed, 2).random(5) == g.random(5)).all()


def test_random_access_matches_the_stream_far_out_and_going_back():
    mb = Minibatches(30, 7, 6, 11)
    far = mb.rows(5000).copy()
    assert all((mb.rows_of(i, 5000) == far[i]).all() for i in range(6))
    first = mb.rows(1).copy()  # back to the start: the streams begin again
    assert (Minibatches(30, 7, 6, 11).rows(1) == first).all()
    assert (mb.rows(5000) == far).all()


@pytest.mark.parametrize("name", MODELS)
def test_epoch_mean_of_batch_gradients_is_the_full_gradient(name):
    s = le.surface(name)
    n = s.dataset.n
    p = np.array([[0.7, -0.4], [1.9, 0.8], [-0.3, 1.1]])
    for B in (n // 8, 10):  # 8 even batches; 10 leaves a partial last batch
        mb = Minibatches(n, B, len(p), seed=1)
        gs, sizes = [], []
        for k in range(mb.per_epoch):
            rows = mb.rows(k + 1)
            gs.append(s.batch_gradient(p, rows))
            sizes.append(rows.shape[1])
            # each batch's gradient is the gradient of that batch's own surface
            for i in range(len(p)):
                ref = s.batch_surface(rows[i]).grad(p[i])
                assert np.allclose(gs[-1][i], ref, rtol=1e-12, atol=1e-14)
        w = np.array(sizes, dtype=float) / n
        mean = np.tensordot(w, np.array(gs), axes=1)
        assert np.allclose(mean, s.grad(p), rtol=1e-12, atol=1e-14)
        if n % B == 0:
            assert np.allclose(np.mean(gs, axis=0), s.grad(p), rtol=1e-12, atol=1e-14)


def test_batch_gradient_matches_finite_differences_of_the_batch_loss():
    rows = np.array([[3, 9, 17, 40], [0, 1, 2, 63]])
    p = np.array([[1.3, 0.2], [2.2, -1.0]])
    g = SIN.batch_gradient(p, rows)
    h = 1e-6
    for i in range(2):
        bs = SIN.batch_surface(rows[i])
        fd = [(bs.value(p[i] + e) - bs.value(p[i] - e)) / (2 * h) for e in np.eye(2) * h]
        assert np.allclose(g[i], fd, rtol=1e-6, atol=1e-9)


def test_slice_epoch_mean_and_batch_surface(small_slice):
    n = small_slice.dataset.n
    p = np.array([[0.2, -0.1], [-0.3, 0.25]])
    mb = Minibatches(n, 8, 2, seed=4)
    gs = [small_slice.batch_gradient(p, mb.rows(k + 1)) for k in range(mb.per_epoch)]
    assert np.allclose(np.mean(gs, axis=0), small_slice.grad(p), rtol=1e-10, atol=1e-12)
    rows = mb.rows(1)
    bs = small_slice.batch_surface(rows[1])
    assert np.allclose(bs.grad(p[1]), gs[0][1], rtol=1e-10, atol=1e-12)
    assert bs.dataset.n == 8 and (bs.center == small_slice.center).all()


def test_each_sgd_step_follows_the_batch_the_stepper_reports():
    lr = 0.3
    st = le.Stepper(SIN, le.optimizer("sgd", lr=lr), STARTS, seed=9, batch_size=6)
    for _ in range(25):  # across several epochs (64 rows: 11 batches, the last of 4)
        p = st.positions
        rows = [st.current_batch(i) for i in range(len(STARTS))]
        st.advance(1)
        for i, r in enumerate(rows):
            expect = p[i] - lr * SIN.batch_surface(r).grad(p[i])
            assert np.allclose(st.positions[i], expect, rtol=1e-12, atol=1e-13)
    assert (st.batch_at(2, 11) == st.batch_at(2, 11)).all() and len(st.batch_at(2, 11)) == 4


def test_stepper_and_simulate_take_the_same_minibatch_steps_and_seeds_reproduce():
    o = le.optimizer("adam", lr=0.05)
    res = le.simulate(SIN, o, STARTS, 40, seed=2, batch_size=5)
    again = le.simulate(SIN, o, STARTS, 40, seed=2, batch_size=5)
    other = le.simulate(SIN, o, STARTS, 40, seed=3, batch_size=5)
    assert (res.path == again.path).all()
    assert not (res.path[-1] == other.path[-1]).all()
    st = le.Stepper(SIN, o, STARTS, seed=2, batch_size=5)
    st.advance(17)
    st.advance(23)
    assert (st.positions == res.final).all()
    st.reset()
    st.advance(40)
    assert (st.positions == res.final).all()
    # the losses shown are the full-batch surface's
    assert np.allclose(res.final_loss, SIN.value(res.final), rtol=0, atol=0)


def test_a_particles_batches_do_not_depend_on_its_neighbours():
    a = le.Stepper(SIN, le.optimizer("sgd", lr=0.1), STARTS, seed=4, batch_size=8)
    b = le.Stepper(SIN, le.optimizer("sgd", lr=0.1), STARTS[:2], seed=4, batch_size=8)
    assert all((a.batch_at(1, s) == b.batch_at(1, s)).all() for s in (1, 9, 100))


def test_full_batch_stepper_reports_every_row_and_formula_surfaces_have_no_batches():
    st = le.Stepper(SIN, le.optimizer("gd", lr=0.1), STARTS)
    assert (st.current_batch(0) == np.arange(64)).all()
    bowl = le.Stepper("bowl", le.optimizer("gd", lr=0.1), [[1.0, 1.0]])
    with pytest.raises(ParameterError):
        bowl.current_batch(0)
    with pytest.raises(ParameterError) as e:
        st.batch_at(5, 1)
    assert e.value.name == "particle"


@pytest.mark.parametrize("bad", [0, 65, -3, 2.5, 8.0, True, False, "8", [8]])
def test_bad_batch_sizes_are_refused_by_name(bad):
    for call in (lambda: le.simulate(SIN, "sgd", STARTS, 5, batch_size=bad),
                 lambda: le.Stepper(SIN, "sgd", STARTS, batch_size=bad)):
        with pytest.raises(ParameterError) as e:
            call()
        assert e.value.name == "batch_size"
        assert "batch_size" in str(e.value) and "\n" not in str(e.value)


def test_batch_size_on_a_formula_surface_is_refused_and_noise_still_works():
    with pytest.raises(ParameterError) as e:
        le.simulate("bowl", "sgd", [[1.0, 1.0]], 5, batch_size=4)
    assert e.value.name == "batch_size" and "noise" in str(e.value)
    assert "\n" not in str(e.value)
    f = le.surface_from_loss(lambda t: float(t @ t), lambda t: 2 * t, np.ones(3),
                             np.eye(3)[:2])
    with pytest.raises(ParameterError):
        le.simulate(f, "sgd", [[0.1, 0.1]], 5, batch_size=1)
    noisy = le.simulate("bowl", le.optimizer("sgd", lr=0.1, noise=0.5), [[1.0, 1.0]], 5, seed=1)
    assert not (noisy.final == le.simulate("bowl", le.optimizer("sgd", lr=0.1),
                                           [[1.0, 1.0]], 5).final).all()


def test_recording_stays_per_recorded_frame():
    res = le.simulate(SIN, le.optimizer("sgd", lr=0.1), STARTS, 1000, batch_size=8,
                      record_every=250)
    assert res.path.shape == (5, len(STARTS), 2) and list(res.step_index) == [0, 250, 500,
                                                                               750, 1000]
