"""Sweeps: cells equal direct simulations classified by their verdicts; Wilson intervals;
best and tuned; the same table on a Dask cluster."""
import math

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.sweep import SweepCell, SweepResult, wilson_interval


def test_wilson_interval_by_hand():
    # 8 of 20 at 95 %: p = 0.4, z = 1.959964: centre (0.4 + z²/40) / (1 + z²/20) and half width
    # z·sqrt(0.4·0.6/20 + z²/1600) / (1 + z²/20), written out.
    z = 1.959963984540054
    centre = (0.4 + z * z / 40) / (1 + z * z / 20)
    half = z * math.sqrt(0.4 * 0.6 / 20 + z * z / 1600) / (1 + z * z / 20)
    lo, hi = wilson_interval(8, 20)
    assert lo == pytest.approx(centre - half, rel=1e-14) and lo == pytest.approx(0.2188, abs=1e-4)
    assert hi == pytest.approx(centre + half, rel=1e-14) and hi == pytest.approx(0.6134, abs=1e-4)
    assert wilson_interval(0, 50)[0] == 0.0 and wilson_interval(50, 50)[1] == 1.0


def test_a_cell_is_a_direct_simulation_classified_by_its_verdicts():
    starts = le.sweep_starts("himmelblau", 64, kind="grid")
    res = le.sweep("himmelblau", ["gd", "adam"], [0.001, 0.01], starts, 200, seed=3)
    assert len(res.cells) == 4
    for cell in res.cells:
        name = cell.optimizer
        sim = le.simulate("himmelblau", le.optimizer(name, lr=cell.lr), starts, 200, seed=3)
        kinds = [v.kind for v in sim.verdicts]
        assert cell.runs == 64
        assert cell.success_rate == kinds.count("global_min") / 64
        assert cell.success_ci == wilson_interval(kinds.count("global_min"), 64)
        assert cell.divergence_rate == np.mean(sim.status == "diverged")
        q = np.quantile(sim.final_loss, [0.1, 0.5, 0.9])
        np.testing.assert_allclose(cell.final_loss_quantiles, q, rtol=1e-12)
    # Himmelblau: four global minima, every start of gd at lr 0.01 gets to one of them.
    by = {(c.optimizer, c.lr): c for c in res.cells}
    assert by[("gd", 0.01)].success_rate == 1.0 and by[("gd", 0.01)].median_steps is not None


def _cell(opt, lr, success, steps, loss=1.0):
    return SweepCell(opt, lr, 100, success, wilson_interval(int(success * 100), 100), success,
                     steps, steps, 0.0, (loss, loss, loss))


def test_best_and_tuned_on_a_constructed_case():
    cells = (_cell("a", 0.1, 0.5, 30), _cell("a", 0.01, 0.9, 80), _cell("a", 1.0, 0.9, 40),
             _cell("b", 0.1, 0.7, 10), _cell("b", 1.0, 0.7, 10, loss=0.5),
             _cell("c", 0.1, 0.0, None))
    r = SweepResult("bowl", 100, np.zeros((1, 2)), 1, 0.0, cells)
    best = r.best()
    assert best["a"].lr == 1.0  # same success as 0.01, fewer steps
    assert best["b"].lr == 1.0  # same success and steps, lower final loss
    assert best["c"].lr == 0.1
    assert [c.optimizer for c in r.tuned()] == ["a", "b", "c"]
    d = r.as_dict()
    assert set(d) >= {"cells", "best", "tuned"} and d["cells"][0]["success_ci"] == \
        list(cells[0].success_ci)


def test_noisy_optimizers_are_repeated_over_seeds():
    res = le.sweep("sin_quadratic", [le.optimizer("gd", noise=1.0)], [0.05], [[2.5, 1.5]] * 3,
                   100, seeds=4)
    assert res.cells[0].runs == 12


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizers=[]), "invalid optimizers"), (dict(lrs=[]), "invalid lrs"),
    (dict(lrs=[0.0]), "invalid lr"), (dict(lrs=[float("nan")]), "invalid lr"),
    (dict(starts=np.zeros((0, 2))), "invalid starts"), (dict(steps=0), "invalid steps"),
    (dict(seeds=0), "invalid seeds"), (dict(target=float("inf")), "invalid target"),
    (dict(lrs=list(np.linspace(0.1, 1, 10_001))), "too many cells"),
    (dict(starts=10 ** 7, steps=10 ** 4), "sweep too large"),
])
def test_bad_arguments(kwargs, match):
    args = dict(surface="bowl", optimizers=["gd"], lrs=[0.1], starts=4, steps=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        le.sweep(**args)


def test_cancel_stops_a_sweep():
    from landscape_explorer.core.cancel import Cancelled

    calls = []
    with pytest.raises(Cancelled):
        le.sweep("bowl", ["gd"], [0.1, 0.2, 0.3], 10, 10, progress=calls.append,
                 cancel=lambda: len(calls) >= 1)
    # Stopped after the first of three cells (its simulation: nine tenths of a cell's work).
    assert calls == [pytest.approx(0.9 / 3)]


def test_dask_local_cluster_gives_exactly_the_in_process_table():
    import distributed
    starts = le.sweep_starts("rastrigin", 50, seed=1)
    typed = le.surface("x**2 + y**2 - cos(3*x)")  # a typed surface travels by its formula
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for surf in ("rastrigin", typed):
            here = le.sweep(surf, ["gd", "adam"], [0.01, 0.05], starts, 100)
            there = le.sweep(surf, ["gd", "adam"], [0.01, 0.05], starts, 100, client=client)
            assert here.cells == there.cells


def test_a_start_that_never_moves_is_no_success():
    """A start exactly at the global minimum (the gradient there is zero, so nothing moves)
    gets the per-run verdict "stationary_start", not a win: the sweep counts it the same way."""
    import landscape_explorer as le
    from landscape_explorer.core.verdicts import verdicts

    starts = np.array([[0.0, 0.0], [1.2, -0.7]])
    res = le.sweep("rastrigin", ["adam"], [0.05], starts, 50)
    per_run = [v.kind for v in verdicts(le.simulate("rastrigin", le.optimizer("adam", lr=0.05),
                                                    starts, 50))]
    assert per_run[0] == "stationary_start"
    cell = res.cells[0]
    assert cell.success_rate == sum(k == "global_min" for k in per_run) / 2
