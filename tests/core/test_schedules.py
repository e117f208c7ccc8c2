"""Learning-rate schedules: torch.optim.lr_scheduler semantics to the digit, and validation."""
import json
import math

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.schedules import REQUIRED, Schedule, schedule_params

# Agreement with torch.optim.lr_scheduler over 300 steps of every schedule is checked against
# the recorded reference in test_torch_reference.py (test_schedule_alone_matches_torch).


def test_constant():
    np.testing.assert_array_equal(le.schedule("constant").lrs(0.05, 10), np.full(10, 0.05))


def test_step_k_uses_lr_after_k_minus_1_scheduler_steps():
    lrs = le.schedule("step", step_size=2, gamma=0.5).lrs(1.0, 6)
    np.testing.assert_array_equal(lrs, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25])
    lrs = le.schedule("linear", start_factor=0.5, total_iters=2).lrs(1.0, 4)
    np.testing.assert_allclose(lrs, [0.5, 0.75, 1.0, 1.0])


def test_cosine_reaches_eta_min_and_comes_back():
    lrs = le.schedule("cosine", T_max=10, eta_min=0.01).lrs(0.1, 21)
    assert lrs[10] == pytest.approx(0.01) and lrs[20] == pytest.approx(0.1)


def test_names_and_params():
    assert le.schedule_names() == sorted(["constant", "step", "exponential", "cosine",
                                          "cosine_warm_restarts", "cyclic", "linear"])
    for name in le.schedule_names():
        for pname, default, help_ in schedule_params(name):
            assert isinstance(pname, str) and help_.endswith(".")
            json.dumps(default)  # JSON-friendly, REQUIRED included
    required = {n: [p[0] for p in schedule_params(n) if p[1] is REQUIRED]
                for n in le.schedule_names()}
    assert required == {"constant": [], "step": ["step_size"], "exponential": ["gamma"],
                        "cosine": ["T_max"], "cosine_warm_restarts": ["T_0"],
                        "cyclic": ["max_lr"], "linear": []}


def test_defaults_are_torchs():
    assert dict((p[0], p[1]) for p in schedule_params("linear")) == dict(
        start_factor=1.0 / 3, end_factor=1.0, total_iters=5)
    assert dict((p[0], p[1]) for p in schedule_params("cyclic"))["step_size_up"] == 2000
    s = le.schedule("step", step_size=3)
    assert isinstance(s, Schedule) and s.params == dict(step_size=3, gamma=0.1)
    assert s.spec() == "step(step_size=3, gamma=0.1)"


@pytest.mark.parametrize("name, missing", [("step", "step_size"), ("exponential", "gamma"),
                                           ("cosine", "T_max"), ("cosine_warm_restarts", "T_0"),
                                           ("cyclic", "max_lr")])
def test_required_parameter_missing(name, missing):
    with pytest.raises(ValueError, match=missing):
        le.schedule(name)


INVALID = [
    ("step", dict(step_size=0), "step_size"), ("step", dict(step_size=2.5), "step_size"),
    ("step", dict(step_size=3, gamma=-0.1), "gamma"),
    ("exponential", dict(gamma=float("nan")), "gamma"),
    ("cosine", dict(T_max=0), "T_max"), ("cosine", dict(T_max=10, eta_min=-1.0), "eta_min"),
    ("cosine_warm_restarts", dict(T_0=-1), "T_0"),
    ("cosine_warm_restarts", dict(T_0=5, T_mult=0), "T_mult"),
    ("cyclic", dict(max_lr=-1.0), "max_lr"),
    ("cyclic", dict(max_lr=1.0, step_size_up=0), "step_size_up"),
    ("cyclic", dict(max_lr=1.0, step_size_down=-3), "step_size_down"),
    ("cyclic", dict(max_lr=1.0, mode="sawtooth"), "mode"),
    ("linear", dict(start_factor=0.0), "start_factor"),
    ("linear", dict(end_factor=1.5), "end_factor"),
    ("linear", dict(total_iters=0), "total_iters"),
]


@pytest.mark.parametrize("name, params, bad",
                         [pytest.param(*c, id=f"{c[0]}-{c[2]}") for c in INVALID])
def test_invalid_parameter_is_named(name, params, bad):
    with pytest.raises(ValueError) as exc:
        le.schedule(name, **params)
    assert bad in str(exc.value) and repr(params[bad]) in str(exc.value)


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(ValueError) as exc:
        le.schedule("cosine", T_max=10, tmax=3)
    assert "tmax" in str(exc.value) and "T_max" in str(exc.value) and "eta_min" in str(exc.value)


def test_unknown_schedule_lists_valid_ones():
    with pytest.raises(ValueError) as exc:
        le.schedule("cosinus")
    for name in le.schedule_names():
        assert name in str(exc.value)


def test_optimizer_lrs_use_the_schedule():
    opt = le.optimizer("adam", lr=0.1, schedule=le.schedule("cosine", T_max=100))
    np.testing.assert_array_equal(opt.lrs(0, 300), le.schedule("cosine", T_max=100).lrs(0.1, 300))
    np.testing.assert_array_equal(opt.lrs(250, 10), opt.lrs(0, 260)[250:])
    assert math.isclose(opt.lrs(100, 1)[0], 0.0, abs_tol=1e-15)
