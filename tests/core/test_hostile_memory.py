"""Memory of a run is O(recorded rows x particles), whatever its length; schedules stream."""
import os
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.simulate import RUN_CHUNK
from landscape_explorer.core.validation import ParameterError


PEAK_SCRIPT = """
import resource, sys
import landscape_explorer as le
opt = le.optimizer("sgd", lr=0.01, schedule=le.schedule("cosine", T_max=1000))
le.simulate("himmelblau", opt, [[1.0, 1.0]], steps=1000, record_every=1000)  # warm up
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
le.simulate("himmelblau", opt, [[1.0, 1.0]], steps=10 ** 6, record_every=10 ** 6)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024)  # ru_maxrss is in KiB on Linux
"""


def test_million_steps_of_one_particle_stay_under_100_mb():
    # In a fresh process, the growth of its peak resident memory: what the run itself held
    # (tracemalloc would slow a million numpy steps tenfold).
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT], capture_output=True, text=True,
                         timeout=900, env=dict(os.environ, PYTHONWARNINGS="error"))
    assert out.returncode == 0, out.stderr
    grew_mb = float(out.stdout.split()[-1])
    assert grew_mb < 100, f"{grew_mb:.0f} MB"


def test_streamed_learning_rates_equal_the_whole_schedule():
    sched = le.schedule("cyclic", max_lr=0.5, step_size_up=7, mode="triangular2")
    opt = le.optimizer("sgd", lr=0.1, schedule=sched)
    whole = sched.lrs(0.1, 300)
    # windows in order, a repeated window, a jump ahead and a step back
    parts = [opt.lrs(0, 100), opt.lrs(100, 100), opt.lrs(100, 5), opt.lrs(250, 50),
             opt.lrs(3, 4)]
    np.testing.assert_array_equal(parts[0], whole[:100])
    np.testing.assert_array_equal(parts[1], whole[100:200])
    np.testing.assert_array_equal(parts[2], whole[100:105])
    np.testing.assert_array_equal(parts[3], whole[250:300])
    np.testing.assert_array_equal(parts[4], whole[3:7])


def test_chunked_run_equals_step_by_step_and_records_the_right_rows():
    opt = le.optimizer("adam", lr=0.05, schedule=le.schedule("step", step_size=50))
    steps = RUN_CHUNK + 123
    res = le.simulate("rosenbrock", opt, [[-1.0, 1.5]], steps=steps, record_every=1000)
    assert list(res.step_index[:3]) == [0, 1000, 2000] and res.step_index[-1] == steps
    st = le.Stepper("rosenbrock", opt, [[-1.0, 1.5]])
    st.advance(RUN_CHUNK - 1)
    st.advance(124)
    np.testing.assert_array_equal(st.positions, res.final)
    ref = le.simulate("rosenbrock", opt, [[-1.0, 1.5]], steps=2000)
    np.testing.assert_array_equal(res.path[1], ref.path[1000])
    np.testing.assert_array_equal(res.path[2], ref.path[2000])


def test_recording_beyond_the_memory_budget_is_refused_up_front():
    with pytest.raises(ParameterError) as e:
        le.simulate("bowl", "gd", [[1.0, 1.0]], steps=10 ** 15)
    assert e.value.name == "record_every" and "record less often" in str(e.value)
