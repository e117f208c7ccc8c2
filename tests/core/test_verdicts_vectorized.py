"""The sweeps' vectorized classification gives exactly the per-run verdicts' kinds: many starts
on several surfaces and optimizers, with diverged, unstarted and stationary particles among
them."""
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.sweep import sweep_starts
from landscape_explorer.core.verdicts import classify_arrays, verdicts_at

CASES = [
    ("rastrigin", "adam", 0.05, 300),
    ("rastrigin", "sgd", 0.01, 200),
    ("himmelblau", "gd", 0.01, 150),
    ("himmelblau", "gd", 0.2, 50),  # diverges from most starts
    ("six_hump_camel", "sgd", 0.02, 80),
    ("rosenbrock", "adam", 0.02, 400),
    ("monkey_saddle", "gd", 0.01, 100),
    ("bowl", "gd", 0.05, 3),  # still moving
    ("plateau", "gd", 0.01, 50),  # crawling on the plateau
    ("easom", "adam", 0.01, 100),
]


@pytest.mark.parametrize("surface,opt,lr,steps", CASES,
                         ids=[f"{s}-{o}-{lr}" for s, o, lr, _ in CASES])
def test_same_kinds_as_the_per_run_verdicts(surface, opt, lr, steps):
    starts = np.concatenate([sweep_starts(surface, 400, seed=1),
                             sweep_starts(surface, 100, kind="grid")])
    res = le.simulate(surface, le.optimizer(opt, lr=lr), starts, steps)
    kw = dict(status=res.status, steps_taken=res.steps_taken, steps=steps, starts=res.path[0])
    scalar = [v.kind for v in verdicts_at(surface, res.final, **kw)]
    vector = classify_arrays(surface, res.final, **kw)
    assert list(vector) == scalar
    # Without starts or step counts (what a sweep passes, and the bare call).
    assert list(classify_arrays(surface, res.final, status=res.status)) == \
        [v.kind for v in verdicts_at(surface, res.final, status=res.status)]
    assert len(set(scalar)) >= 1


def test_every_kind_path_is_covered():
    """Diverged, not started, stationary start, at a critical point: the rare rules agree too."""
    surf = "himmelblau"
    cps = [c.xy for c in le.critical_points(surf)]
    xy = np.array(cps + [(0.3, 0.2), (1.0, 1.0), (4.9, -4.9)], dtype=np.float64)
    n = len(xy)
    status = np.array(["moving"] * (n - 1) + ["diverged"], dtype=object)
    taken = np.array([10] * (n - 2) + [0, 3])
    kw = dict(status=status, steps_taken=taken, steps=10, starts=xy.copy())
    assert list(classify_arrays(surf, xy, **kw)) == [v.kind for v in verdicts_at(surf, xy, **kw)]
    kinds = set(classify_arrays(surf, xy, **kw))
    assert {"diverged", "not_started", "stationary_start"} <= kinds
    moved = dict(kw, starts=xy + 1.0)
    got = list(classify_arrays(surf, xy, **moved))
    assert got == [v.kind for v in verdicts_at(surf, xy, **moved)]
    assert {"global_min", "saddle"} <= set(got)
    steps0 = dict(kw, steps=0)
    assert list(classify_arrays(surf, xy, **steps0)) == \
        [v.kind for v in verdicts_at(surf, xy, **steps0)]


def test_left_domain_agrees_with_the_per_run_verdicts():
    """A typed surface with an undefined region: particles that stop at its edge read
    left_domain in both, the others as before."""
    surf = le.surface("log(x) + (x - 2)**2 + y**2", bounds=((0.05, 4), (-2, 2)))
    starts = sweep_starts(surf, 300, seed=3)
    res = le.simulate(surf, le.optimizer("gd", lr=0.4), starts, 60)
    assert res.left_domain.any() and not res.left_domain.all()
    kw = dict(status=res.status, steps_taken=res.steps_taken, steps=60, starts=res.path[0],
              left_domain=res.left_domain)
    vector = list(classify_arrays(surf, res.final, **kw))
    assert vector == [v.kind for v in verdicts_at(surf, res.final, **kw)]
    assert vector.count("left_domain") == int(res.left_domain.sum())
