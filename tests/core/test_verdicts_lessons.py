"""Every surface teaches from its default start: the default runs move and their verdicts tell
the surface's lesson (the fast, core-level half of tests/app/test_surfaces_teach.py)."""
import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.verdicts import verdicts

from surface_lessons import LESSONS, default_runs, default_steps


def test_every_surface_has_a_lesson():
    assert sorted(LESSONS) == le.surface_names()


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_default_start_teaches(name):
    s = le.surface(name)
    (x0, x1), (y0, y1) = s.bounds
    start = s.default_start
    assert x0 <= start[0] <= x1 and y0 <= start[1] <= y1
    # Not a stationary point: the gradient there is not zero.
    assert np.linalg.norm(s.grad(np.array(start))) > 0
    vs = []
    for opt in default_runs():
        res = le.simulate(s, opt, [start], steps=default_steps())
        assert not np.array_equal(res.path[-1, 0], res.path[0, 0]), f"{opt.spec()} never moved"
        (v,) = verdicts(res)
        assert v.kind not in ("stationary_start", "not_started"), v.detail
        vs.append(v)
    lesson, shows = LESSONS[name]
    assert shows(vs), f"{name} should show: {lesson}; got " + "; ".join(v.detail for v in vs)
