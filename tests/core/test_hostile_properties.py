"""Property tests: any optimizer configuration over each hyperparameter's whole valid range and
its extremes, from starts anywhere within the divergence limit, on every surface, either is
refused with a ParameterError naming a parameter or runs to a finite result with valid
statuses, and never prints a warning (warnings are errors here)."""
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import landscape_explorer as le
from landscape_explorer.core.driver import DIVERGENCE_LIMIT
from landscape_explorer.core.optimizers import optimizer_def, optimizer_names
from landscape_explorer.core.simulate import STATUSES
from landscape_explorer.core.surfaces import surface_names
from landscape_explorer.core.validation import ParameterError

EXTREMES = [0.0, 5e-324, 1e-300, 1e-12, 0.5, 1 - 1e-16, 1.0, 1.5, 1e12, 1e300, 1.7e308]


def _value(p):
    """Values for hyperparameter p: inside its range, on its edges, and out of it."""
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        return st.one_of(st.integers(-3, 100), st.sampled_from([10 ** 15, 10 ** 400]))
    num = st.one_of(st.sampled_from(EXTREMES), st.floats(allow_nan=True, allow_infinity=True),
                    st.floats(0.0, 1.0))
    if p.kind == "pair":
        return st.tuples(num, num)
    return num


@st.composite
def configs(draw):
    name = draw(st.sampled_from(optimizer_names()))
    defn = optimizer_def(name)
    kwargs = {p.name: draw(_value(p)) for p in defn.params if draw(st.booleans())}
    if draw(st.booleans()):
        kwargs["clip"] = draw(st.sampled_from([1e-300, 1.0, 1e300, 0.0, -1.0]))
    return name, kwargs


coordinate = st.floats(-DIVERGENCE_LIMIT * 0.999, DIVERGENCE_LIMIT * 0.999)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs(), surf=st.sampled_from(surface_names()),
       start=st.tuples(coordinate, coordinate), seed=st.integers(0, 2 ** 63 - 1))
def test_any_configuration_is_refused_by_name_or_runs_finite(cfg, surf, start, seed):
    name, kwargs = cfg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            opt = le.optimizer(name, **kwargs)
        except ParameterError as e:
            assert e.name and e.name in str(e)
            assert "\n" not in str(e) and len(str(e)) < 300
            return
        res = le.simulate(surf, opt, [start], steps=6, seed=seed)
        verdicts = res.verdicts
    assert np.isfinite(res.path).all() and np.isfinite(res.loss).all()
    assert np.isfinite(res.grad_norm).all()
    assert set(res.status) <= set(STATUSES)
    assert all("nan" not in v.detail for v in verdicts)
