"""Bounds too wide or too narrow for the critical-point search: verdicts and basin maps say so in
one line (ResolutionError) instead of giving wrong kinds; on bounds it can resolve they answer."""
import time

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.basins import basins
from landscape_explorer.core.critical import (PointLocator, ResolutionError, check_resolvable,
                                              resolution_problem)
from landscape_explorer.core.verdicts import verdicts, verdicts_at

HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
WIDE = ((-1e4, 1e4), (-1e4, 1e4))
NARROW = ((1.0, 1.0 + 1e-12), (1.0, 1.0 + 1e-12))


@pytest.mark.parametrize("bounds,why", [(WIDE, "too close to tell apart"),
                                        (NARROW, "too narrow to resolve in double precision")],
                         ids=["wide", "narrow"])
def test_verdicts_refuse_bounds_they_cannot_resolve(bounds, why):
    with pytest.raises(ResolutionError, match=why) as e:
        PointLocator(le.surface("himmelblau"), bounds)
    assert "\n" not in str(e.value) and str(e.value).startswith("bounds x ")
    # A typed surface whose own bounds are too wide: simulate runs, its verdicts refuse.
    surf = le.surface(HIMMELBLAU, bounds=bounds)
    res = le.simulate(surf, "adam", [[bounds[0][0] * 0.5 + bounds[0][1] * 0.5,
                                      bounds[1][0] * 0.5 + bounds[1][1] * 0.5]], 5)
    with pytest.raises(ResolutionError, match=why):
        verdicts(res)
    with pytest.raises(ResolutionError):
        verdicts_at(surf, [[3.0, 2.0]])


def test_basins_refuse_before_doing_the_work():
    t = time.monotonic()
    with pytest.raises(ResolutionError, match="too close to tell apart"):
        # 2048^2 starts x 10^5 steps would run for hours: the refusal comes first.
        basins("himmelblau", "adam", resolution=2048, steps=100_000, bounds=WIDE)
    assert time.monotonic() - t < 60  # a hang guard, not a timing test
    with pytest.raises(ResolutionError, match="too narrow"):
        basins("himmelblau", "gd", resolution=8, steps=10, bounds=NARROW)


def test_resolvable_bounds_still_give_the_right_kinds():
    surf = le.surface(HIMMELBLAU, bounds=((-5, 5), (-5, 5)))
    check_resolvable(surf)
    v = verdicts_at(surf, [[3.0, 2.0]], steps_taken=[10], steps=10, starts=[[0.0, 0.0]])
    assert v[0].kind == "global_min"
    b = basins(surf, "gd", resolution=8, steps=50)
    assert np.isfinite(list(b.fractions.values())).all()


@pytest.mark.parametrize("name", le.surface_names())
def test_every_built_in_resolves_on_its_own_bounds(name):
    assert resolution_problem(name) is None


@pytest.mark.parametrize("text", ["log(x) + y**2", "sqrt(x) + (y - 1)**2", "acos(x/4) + y**2"])
def test_undefined_regions_are_not_mistaken_for_overflow(text):
    # f is NaN left of zero: that is where the search does not look, not an overflow.
    assert resolution_problem(text) is None
    PointLocator(le.surface(text))
