"""Repeated noisy runs: K seeds from one start, each exactly the simulate call of its seed; the
loss band is the per-step quantiles over the runs."""
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.sweep import loss_band, repeat_runs


@pytest.mark.parametrize("surface,opt,start", [
    ("rastrigin", le.optimizer("sgd", lr=0.002, momentum=0.9, noise=2.0), (2.3, -1.7)),
    ("himmelblau", le.optimizer("adam", lr=0.05, noise=5.0), (0.0, 0.0)),
], ids=["rastrigin-sgd", "himmelblau-adam"])
def test_each_repeat_is_the_simulate_call_of_its_seed(surface, opt, start):
    rep = repeat_runs(surface, opt, start, 120, repeats=5, seed=7, record_every=3)
    assert rep.seeds == (7, 8, 9, 10, 11)
    assert rep.paths.shape == (5, len(rep.step_index), 2) and rep.losses.shape == (5, 41)
    for k, s in enumerate(rep.seeds):
        sim = le.simulate(surface, opt, [start], 120, seed=s, record_every=3)
        np.testing.assert_array_equal(rep.paths[k], sim.path[:, 0])
        np.testing.assert_array_equal(rep.losses[k], sim.loss[:, 0])
        assert rep.status[k] == sim.status[0]
        assert rep.kinds[k] == sim.verdicts[0].kind
    # The noise matters: the seeds end in different places.
    assert len({tuple(p) for p in rep.paths[:, -1]}) == 5
    assert rep.count("global_min") == sum(k == "global_min" for k in rep.kinds)


def test_loss_band_is_the_per_step_quantile_over_runs():
    losses = np.array([[5.0, 4.0, 3.0], [1.0, 2.0, 3.0], [3.0, 0.0, 9.0], [2.0, 2.0, 2.0],
                       [4.0, 8.0, 1.0]])
    q = loss_band(losses, (0.1, 0.5, 0.9))
    # By hand, numpy's linear rule: sorted column 0 is 1,2,3,4,5: the 10 % point is at rank
    # 0.4 -> 1 + 0.4 (2 - 1) = 1.4; the median 3; the 90 % at rank 3.6 -> 4 + 0.6 = 4.6.
    np.testing.assert_allclose(q[:, 0], [1.4, 3.0, 4.6])
    # column 2: 1,2,3,3,9 -> 1.4, 3, 3 + 0.6 * 6 = 6.6
    np.testing.assert_allclose(q[:, 2], [1.4, 3.0, 6.6])
    # One run: every quantile is that run.
    np.testing.assert_array_equal(loss_band(losses[:1])[0], losses[0])
    with pytest.raises(ValueError, match="invalid losses"):
        loss_band(np.zeros((0, 3)))


def test_repeats_refused_out_of_range():
    for bad in (0, 201, 2.5, True):
        with pytest.raises(ValueError, match="invalid repeats"):
            repeat_runs("bowl", "gd", (1.0, 1.0), 5, repeats=bad)


def test_repeats_of_a_minibatch_run_draw_their_own_batches():
    """With batch_size, seed k's row is simulate's minibatch run of seed k: the seeds differ
    by their batches (there is no other noise)."""
    surf = le.surface("sinusoid_fit")
    opt = le.optimizer("sgd", lr=0.2)
    r = repeat_runs(surf, opt, (1.2, -1.2), 30, repeats=3, seed=4, batch_size=4)
    for k, s in enumerate(r.seeds):
        ref = le.simulate(surf, opt, [(1.2, -1.2)], 30, seed=s, batch_size=4)
        np.testing.assert_array_equal(r.paths[k], ref.path[:, 0, :])
    assert not np.array_equal(r.paths[0], r.paths[1])
