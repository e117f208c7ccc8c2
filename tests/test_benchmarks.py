"""The benchmark scripts still run (a moved import broke benchmarks/basins.py for days unseen):
each headless one as a real subprocess, on the smallest work, printing its result lines. No
figure is checked here: timings are for benchmarks, on a quiet machine, not for tests."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CASES = {
    "basins.py": (["--resolution", "8", "--steps", "5", "--repeat", "1"],
                  ["core simulate", "analysis.basins, fast engine"]),
    "sweep.py": (["--starts", "10", "--steps", "10", "--lrs", "2", "--repeat", "1"],
                 ["core simulate", "sweep in-process", "one cell"]),
    "custom_surface.py": (["--particles", "2000", "--steps", "5", "--repeat", "1"],
                          ["ratio typed / built-in", "text -> 200x200 mesh numbers"]),
    "data_surfaces.py": (["--grid", "6", "--points", "40", "--depth", "2", "--width", "4"],
                         ["slice:", "live stepping on the slice", "minibatch SGD"]),
    "core_throughput.py": (["--particles", "2000", "--steps", "5", "--numpy-steps", "2",
                            "--repeat", "1", "--surfaces", "bowl", "--optimizers", "adam"],
                           ["adam"]),
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_script_runs(script):
    args, expected = CASES[script]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", script), *args],
                       capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    for text in expected:
        assert text in p.stdout, (text, p.stdout[-2000:])
