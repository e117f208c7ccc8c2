"""Never wait for the compiler: while the fused loop compiles in the background, steps run on the
numpy engine, and the rest of the run switches to the fused loop once it is ready; the result is
the same bit for bit as a run on either engine alone."""
import os
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core import fused, simulate as simmod


@pytest.fixture
def no_waiting(monkeypatch):
    monkeypatch.delenv("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER", raising=False)
    monkeypatch.setattr(simmod, "FUSED_MIN_WORK", 0)


@pytest.mark.parametrize("name,kw", [("sgd", dict(momentum=0.9)), ("adam", {}),
                                     ("radam", {}), ("nadam", dict(weight_decay=0.1))])
def test_a_run_that_switches_midway_equals_one_that_does_not(name, kw, no_waiting, monkeypatch):
    opt = le.optimizer(name, lr=0.02, **kw)
    starts = np.random.default_rng(3).uniform(-4, 4, (37, 2))
    fused.wait_ready(simmod.Engine(le.surface("rastrigin"), opt, starts, 0), timeout=None)
    steps_on = {"fused": 0}
    real_run, real_ready = fused.run, fused.ready
    numpy_steps = 7  # the loop "becomes ready" after this many steps of the run

    def counting_run(engine, table, *a, **k):
        steps_on["fused"] += len(table)
        return real_run(engine, table, *a, **k)

    calls = []

    def late_ready(engine, table=None):
        calls.append(1)
        return len(calls) > numpy_steps and real_ready(engine, table)

    monkeypatch.setattr(fused, "run", counting_run)
    monkeypatch.setattr(fused, "ready", late_ready)
    switched = le.simulate("rastrigin", opt, starts, steps=40, record_every=3)
    assert steps_on["fused"] == 40 - numpy_steps
    monkeypatch.setattr(fused, "ready", real_ready)
    steps_on["fused"] = 0
    on_fused = le.simulate("rastrigin", opt, starts, steps=40, record_every=3)
    assert steps_on["fused"] == 40
    monkeypatch.setattr(simmod, "FUSED_MIN_WORK", float("inf"))
    on_numpy = le.simulate("rastrigin", opt, starts, steps=40, record_every=3)
    for other in (on_fused, on_numpy):
        np.testing.assert_array_equal(switched.path, other.path)
        np.testing.assert_array_equal(switched.steps_taken, other.steps_taken)
        np.testing.assert_array_equal(switched.status, other.status)


def test_a_stepper_switches_midway_with_diverging_particles(no_waiting, monkeypatch):
    opt = le.optimizer("sgd", lr=0.004, momentum=0.9)
    starts = np.random.default_rng(5).uniform(-2, 2, (7, 2))
    fused.wait_ready(simmod.Engine(le.surface("rosenbrock"), opt, starts, 0), timeout=None)
    real_ready = fused.ready
    calls = []
    monkeypatch.setattr(fused, "ready",
                        lambda e, t=None: (calls.append(1), len(calls) > 20)[1] and real_ready(e, t))
    a = le.Stepper("rosenbrock", opt, starts)
    for k in (30, 1, 45):
        a.advance(k)
    monkeypatch.setattr(simmod, "FUSED_MIN_WORK", float("inf"))
    b = le.Stepper("rosenbrock", opt, starts)
    for k in (30, 1, 45):
        b.advance(k)
    assert 0 < (b.status == "diverged").sum() < 7
    for attr in ("positions", "last_update", "steps_taken", "status", "buffers"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))


def test_with_an_empty_compile_cache_the_run_starts_at_once_on_numpy(tmp_path):
    # A fresh process and empty caches: the first steps cannot wait for the compiler, so they
    # run on the numpy engine; whether the fused loop is ready before the end or not, the result
    # is the numpy engine's, bit for bit.
    code = (
        "import numpy as np, landscape_explorer as le;"
        "from landscape_explorer.core import fused, simulate as sm;"
        "sm.FUSED_MIN_WORK = 0;"
        "rows = [];"
        "real = fused.run;"
        "fused.run = lambda e, t, *a: (rows.append(len(t)), real(e, t, *a))[1];"
        "s = np.random.default_rng(0).uniform(-4, 4, (500, 2));"
        "o = le.optimizer('adam', lr=0.05);"
        "a = le.simulate('rastrigin', o, s, 3000, record_every=100);"
        "first = sum(rows);"
        "fused.wait_ready(sm.Engine(a.surface, o, s, 0));"
        "rows.clear();"
        "f = le.simulate('rastrigin', o, s, 3000, record_every=100);"
        "sm.FUSED_MIN_WORK = float('inf');"
        "n = le.simulate('rastrigin', o, s, 3000, record_every=100);"
        "print(first, sum(rows), np.array_equal(a.path, n.path), np.array_equal(f.path, n.path))")
    env = {k: v for k, v in os.environ.items() if k != "LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER"}
    env.update(LANDSCAPE_EXPLORER_CACHE=str(tmp_path / "le"), NUMBA_CACHE_DIR=str(tmp_path / "nb"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    first, after, same_first, same_fused = r.stdout.split()
    assert int(first) < 3000  # the run did not wait for the compiler before its first step
    assert int(after) == 3000  # once ready, the whole run is the fused loop's
    assert same_first == "True" and same_fused == "True"


def test_a_new_formulas_gradient_compiles_in_the_background(monkeypatch):
    """A Stepper on a typed formula is built without compiling anything; ``ready`` starts the
    gradient's compile in a background thread and says False until it is done, then the run
    steps exactly as one that waited for the compiler."""
    monkeypatch.delenv("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER", raising=False)
    # A formula no other test types: its gradient has never been compiled in this process.
    text = "sin(3*x) + 0.5*x**2 + 0.5*y**2 + 0.000123*x*y"
    surf = le.surface(text)
    st = le.Stepper(surf, le.optimizer("adam", lr=0.05), [[-2.0, 1.0]])
    assert st.status[0] == "moving" and st.step == 0  # read-outs need no compiled gradient
    if not fused.available():
        assert st.ready()
        return
    first = st.ready()
    assert not first  # compiling now, in another thread
    assert fused.wait_gradient_ready(surf.f_grad, timeout=120)
    assert st.ready()
    st.advance(25)
    monkeypatch.setenv("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER", "1")
    ref = le.simulate(surf, le.optimizer("adam", lr=0.05), [[-2.0, 1.0]], steps=25)
    np.testing.assert_array_equal(st.positions, ref.final)
