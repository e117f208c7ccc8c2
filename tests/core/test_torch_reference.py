"""Our optimizers and schedules against torch.optim, from a recording: no torch needed.

tests/data/torch_reference.npz is written by tools/record_torch_reference.py (run it with torch
installed; its docstring says how and what it records). For every optimizer configuration and
schedule below, on Rosenbrock, Rastrigin, Himmelblau and Beale, three starts each, it holds the
path torch.optim takes in STEPS steps (float64 tensors, torch's defaults otherwise, gradients from
our own analytic surfaces), every RECORD_EVERY-th row, twice:

- ``paths``: torch with its sqrt replaced by the correctly rounded (IEEE) sqrt and nothing else
  changed. Everything else is torch's own code and kernels, so we must reproduce these paths
  **bit for bit**, on both engines. Any difference, even one ulp, is a bug in our update order.
- torch's own paths. torch's float64 sqrt on CPU is not correctly rounded: the recording counted
  it one ulp off in about 1.2 % of calls (never more than one ulp: the tool asserts that at every
  call). Against torch itself the bound is therefore:
  * **bit for bit** at every row before the first step at which torch's sqrt differed from the
    IEEE one for that particle (recorded; for optimizers without a sqrt, every row);
  * after it, within the band that a sqrt accurate to one ulp allows: the recording ran each
    configuration six more times with other such sqrt functions (one ulp off at random in every
    call, and in 1.25 % of calls), and stores per row and particle 4x the largest distance any
    of them had put between itself and the IEEE run so far, and at least 4 ulps of the
    particle's largest coordinate so far (one perturbed step can round a coordinate to the
    neighbouring float), rounded up to a power of two. Where the dynamics contract, that is a
    few ulps of the coordinates; where they amplify rounding errors it grows: to 1e-4 for
    adadelta with rho=0.5 on Rosenbrock (where torch's own run ends 5e-6 from the IEEE one) and
    to 0.06 for Adam with betas (0.3, 0.7) on Rastrigin (a chaotic path that torch's own run
    happens to follow exactly). It is derived from each trajectory's own sensitivity, not a
    hand-picked rtol, and the tool refuses to write a recording in which torch's own run
    leaves it. The bit-for-bit comparison above is the sharp one.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core import fused
from landscape_explorer.core import simulate as simulate_module

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "torch_reference.npz"
RECORDER = "tools/record_torch_reference.py"

# Optimizers that are not torch.optim optimizers (nor lion-pytorch's Lion): they need the loss
# or random numbers, and have no torch reference. Every other registered optimizer must be in
# the recording.
NOT_IN_TORCH = {
    "annealing": "simulated annealing is not a torch.optim optimizer",
    "perturbed_gd": "perturbed gradient descent (Jin et al. 2017) is not in torch.optim",
    "sgld": "Langevin dynamics is not in torch.optim",
}
# gd has no torch class of its own: it is recorded as torch.optim.SGD without momentum, at an lr
# of its own (its default, 0.01, is not SGD's).
NO_TORCH_DEFAULTS = {"gd"}

with np.load(REFERENCE) as _npz:
    REF = {k: _npz[k] for k in _npz.files}
META = json.loads(bytes(REF["meta"]).decode())
CONFIGS = META["configs"]
SURFACES = list(META["surfaces"])
STEPS = META["steps"]
RECORD_EVERY = META["record_every"]
IEEE_PATHS = REF["paths"]  # (configs, surfaces, rows, N, 2)
TORCH_PATHS = (REF["paths"].view(np.uint64) ^ REF["torch_xor"]).view(np.float64)
FIRST_SQRT_MISMATCH = REF["first_sqrt_mismatch"]  # (configs, surfaces, N), 0: never
SQRT_BAND = np.exp2(REF["sqrt_band"].astype(np.float64))  # (configs, surfaces, rows, N)
ROW_STEPS = np.arange(0, STEPS + 1, RECORD_EVERY)


def _hyperparams(cfg):
    # JSON gives lists where torch (and we) take tuples (betas)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in cfg["hyperparams"].items()}


def make_optimizer(cfg):
    sched = le.schedule(cfg["schedule"], **cfg["schedule_args"])
    return le.optimizer(cfg["optimizer"], schedule=sched, **_hyperparams(cfg))


CASES = [pytest.param(ci, si, id=f"{cfg['id']}-{surface}")
         for ci, cfg in enumerate(CONFIGS) for si, surface in enumerate(SURFACES)]


def run_ours(ci, si, engine, monkeypatch):
    if engine == "fused":
        assert fused.available(), "numba is a dependency: the fused engine must be available"
        monkeypatch.setattr(simulate_module, "FUSED_MIN_WORK", 0)
    else:
        monkeypatch.setenv("LANDSCAPE_EXPLORER_NO_NUMBA", "1")
    surface = SURFACES[si]
    res = le.simulate(surface, make_optimizer(CONFIGS[ci]), META["surfaces"][surface],
                      steps=STEPS, record_every=RECORD_EVERY)
    assert (res.steps_taken == STEPS).all()
    assert np.array_equal(res.step_index, ROW_STEPS)
    return res.path


def _first_difference(ours, expected, steps=ROW_STEPS):
    rows, particles = np.nonzero((ours != expected).any(axis=-1))
    r, i = rows[0], particles[0]
    return (f"first difference at step {steps[r]}, particle {i}: ours {ours[r, i].tolist()}"
            f" vs torch {expected[r, i].tolist()}")


# --- the recording is complete and current -----------------------------------------------------

def test_recording_covers_every_torch_optimizer():
    recorded = {c["optimizer"] for c in CONFIGS}
    names = set(le.optimizer_names())
    assert names - recorded - set(NOT_IN_TORCH) == set(), \
        f"optimizers without a torch recording: re-run {RECORDER} with a configuration for them"
    assert recorded <= names and not recorded & set(NOT_IN_TORCH)
    for name in NOT_IN_TORCH:  # elementwise optimizers are torch-style and must be recorded
        assert le.optimizer(name).kernel is None, name


@pytest.mark.parametrize("name", sorted({c["optimizer"] for c in CONFIGS}))
def test_recording_switches_every_hyperparameter(name):
    """Each optimizer's defaults are recorded, and every hyperparameter (flags included) is off
    its default in some recorded configuration, so a new hyperparameter needs a recording."""
    configs = [_hyperparams(c) for c in CONFIGS if c["optimizer"] == name]
    if name not in NO_TORCH_DEFAULTS:
        assert {} in configs, f"{name}: its default configuration is not recorded"
    defaults = le.optimizer(name).hyperparams
    for hp, default in defaults.items():
        assert any(hp in c and c[hp] != default for c in configs), \
            f"{name}: no recorded configuration moves {hp} off its default {default!r}"


def test_recording_covers_every_schedule():
    recorded = {c["schedule"] for c in CONFIGS}
    assert recorded == set(le.schedule_names()), \
        f"schedules without a torch recording: re-run {RECORDER} with a configuration for them"
    modes = {c["schedule_args"].get("mode", "triangular") for c in CONFIGS
             if c["schedule"] == "cyclic"}
    assert modes == {"triangular", "triangular2", "exp_range"}
    for name in le.schedule_names():  # every parameter with a default is moved off it
        args = [c["schedule_args"] for c in CONFIGS if c["schedule"] == name]
        required = {k for k, d in META["scheduler_signatures"].get(name, {}).items()
                    if d.get("required")}
        defaults = le.schedule(name, **{k: v for k, v in args[0].items() if k in required}).params
        for k, default in defaults.items():
            if k not in required:
                assert any(k in a and a[k] != default for a in args), \
                    f"{name}: no recorded configuration moves {k} off its default {default!r}"


@pytest.mark.parametrize("surface", SURFACES)
def test_surface_gradients_are_those_recorded(surface):
    """The recording fed torch our own gradients; if a formula changed since, the paths below
    would differ for a reason that is not the optimizer's. Both engines take the gradient from
    the compiled formula (libm's sin, exp...), so that is the one checked to the bit; numpy's own
    evaluation may differ in the last bit where numpy has SIMD code of its own (AVX-512)."""
    from landscape_explorer.core import fused

    s = le.surface(surface)
    xy = REF[f"probe_xy_{surface}"]
    want = REF[f"probe_grad_{surface}"]
    compiled = fused.gradient(s.f_grad)
    assert compiled is not None, "numba is a dependency: the compiled gradient must exist"
    assert np.array_equal(compiled(np.ascontiguousarray(xy.reshape(-1, 2))).reshape(want.shape),
                          want), f"{surface}'s gradient changed since the recording: re-run {RECORDER}"
    np.testing.assert_allclose(s.grad(xy), want, rtol=1e-14, atol=1e-14 * np.abs(want).max())


def test_recording_states_its_provenance():
    assert META["torch"].startswith("2.")
    assert META["steps"] >= 100 and set(SURFACES) >= {"rosenbrock", "rastrigin", "himmelblau",
                                                       "beale"}
    assert IEEE_PATHS.shape == (len(CONFIGS), len(SURFACES), len(ROW_STEPS), 3, 2)
    assert REFERENCE.stat().st_size < 1_000_000


def test_torch_sqrt_is_within_one_ulp_and_its_misses_are_counted():
    """The premise of the bound: torch's float64 sqrt was never more than one ulp from the
    correctly rounded value, and was that one ulp off in a small fraction of calls."""
    sq = META["sqrt"]
    assert sq["max_ulps"] == 1
    assert 0 < sq["mismatches"] < 0.05 * sq["elements"]
    for cfg in CONFIGS:
        for s in cfg["per_surface"]:
            assert s["sqrt_max_ulps"] <= 1
            if s["sqrt_elements"] == 0:  # no sqrt: the two recorded runs are one
                ci, si = CONFIGS.index(cfg), SURFACES.index(s["surface"])
                assert not REF["torch_xor"][ci, si].any()
                assert (FIRST_SQRT_MISMATCH[ci, si] == 0).all()


# --- the paths ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ci, si", CASES)
def test_bit_identical_to_torch_with_ieee_sqrt(ci, si, monkeypatch):
    ours = run_ours(ci, si, "numpy", monkeypatch)
    expected = IEEE_PATHS[ci, si]
    assert np.array_equal(ours, expected), _first_difference(ours, expected)


# The fused (numba) engine compiles one loop per surface and optimizer kernel, a few seconds each
# on a fresh machine: it runs every configuration on two surfaces, Rastrigin (whose loops
# tests/core/test_simulate.py compiles anyway) and Rosenbrock. test_simulate checks that it is
# bit-identical to the numpy engine everywhere else.
FUSED_SURFACES = ("rastrigin", "rosenbrock")


@pytest.mark.parametrize("ci, si", [c for c in CASES if SURFACES[c.values[1]] in FUSED_SURFACES])
def test_fused_engine_bit_identical_to_torch_with_ieee_sqrt(ci, si, monkeypatch):
    ours = run_ours(ci, si, "fused", monkeypatch)
    expected = IEEE_PATHS[ci, si]
    assert np.array_equal(ours, expected), _first_difference(ours, expected)


@pytest.mark.parametrize("ci, si", CASES)
def test_matches_torch_itself(ci, si, monkeypatch):
    ours = run_ours(ci, si, "numpy", monkeypatch)
    expected = TORCH_PATHS[ci, si]
    first = FIRST_SQRT_MISMATCH[ci, si]
    for i in range(ours.shape[1]):
        exact = ROW_STEPS < first[i] if first[i] else np.ones(len(ROW_STEPS), dtype=bool)
        assert np.array_equal(ours[exact, i], expected[exact, i]), \
            f"particle {i} differs from torch before torch's sqrt did (step {first[i]})"
        deviation = np.abs(ours[:, i] - expected[:, i]).max(axis=-1)
        band = SQRT_BAND[ci, si, :, i]
        worst = int(np.argmax(deviation - band))
        assert (deviation <= band).all(), \
            (f"particle {i} at step {ROW_STEPS[worst]}: |ours - torch| = {deviation[worst]:.3g}"
             f" > {band[worst]:.3g}, what one-ulp sqrt errors explain")


@pytest.mark.parametrize("ci", range(len(CONFIGS)), ids=[c["id"] for c in CONFIGS])
def test_learning_rates_match_torch(ci):
    """The lr torch's scheduler gave every step (or torch's default lr), to the last bit."""
    ours = make_optimizer(CONFIGS[ci]).lrs(0, STEPS)
    assert np.array_equal(ours, REF["lrs"][ci]), \
        _first_difference(ours[:, None, None], REF["lrs"][ci][:, None, None],
                          np.arange(1, STEPS + 1))


SCHEDULE_LR_CASES = [
    pytest.param(k, b, id=f"{c['schedule']}-" + "-".join(
        f"{a}={v}" for a, v in c["schedule_args"].items()) + f"-lr{base}")
    for k, c in enumerate(META["schedule_lr_cases"])
    for b, base in enumerate(META["schedule_lr_bases"])]


@pytest.mark.parametrize("k, b", SCHEDULE_LR_CASES)
def test_schedule_alone_matches_torch(k, b):
    """300 steps of each schedule, from two base lrs: torch's recursive formulas are reproduced
    operation for operation, so the learning rates agree to the last bit."""
    case = META["schedule_lr_cases"][k]
    expected = REF["schedule_lrs"][k, b]
    ours = le.schedule(case["schedule"], **case["schedule_args"]).lrs(
        META["schedule_lr_bases"][b], len(expected))
    assert np.array_equal(ours, expected), \
        _first_difference(ours[:, None, None], expected[:, None, None],
                          np.arange(1, len(expected) + 1))


def test_every_schedule_alone_is_recorded():
    assert {c["schedule"] for c in META["schedule_lr_cases"]} == \
        set(le.schedule_names()) - {"constant"}


# --- names, defaults and validation -------------------------------------------------------------

def _torch_default(d):
    return tuple(d["value"]) if d.get("type") == "tuple" else d["value"]


@pytest.mark.parametrize("name", sorted(META["signatures"]))
def test_hyperparameters_and_defaults_are_torchs(name):
    sig = META["signatures"][name]
    for hp, ours in le.optimizer(name).hyperparams.items():
        assert hp in sig, f"{name}: {hp} is not a parameter of {name}'s torch class"
        theirs = _torch_default(sig[hp])
        assert ours == theirs, f"{name}: {hp} defaults to {ours!r}, torch's to {theirs!r}"
        assert type(ours).__name__ == sig[hp]["type"] or isinstance(ours, float), hp


@pytest.mark.parametrize("name", sorted(META["scheduler_signatures"]))
def test_schedule_parameters_and_defaults_are_torchs(name):
    sig = META["scheduler_signatures"][name]
    required = {k: 1 for k, d in sig.items() if d.get("required") and k != "base_lr"}
    for k in required:  # what torch requires, we require
        with pytest.raises(ValueError, match=k):
            le.schedule(name, **{j: v for j, v in required.items() if j != k})
    for k, ours in le.schedule(name, **required).params.items():
        assert k in sig, f"{name}: {k} is not a parameter of torch's scheduler"
        if k not in required:
            assert ours == _torch_default(sig[k]), f"{name}: {k} defaults to {ours!r}"


@pytest.mark.parametrize("case", META["validation"],
                         ids=[f"{c['optimizer']}-" + "-".join(
                             f"{k}={tuple(v) if isinstance(v, list) else v}".replace(" ", "")
                             for k, v in c["hyperparams"].items()) for c in META["validation"]])
def test_validation_agrees_with_torch(case):
    hp = {k: tuple(v) if isinstance(v, list) else v for k, v in case["hyperparams"].items()}
    if case["rejected"]:
        with pytest.raises(ValueError, match=next(iter(hp))):
            le.optimizer(case["optimizer"], **hp)
    else:
        le.optimizer(case["optimizer"], **hp)
