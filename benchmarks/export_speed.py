"""Export speed, as a user meets it: wall time of the `render` command (start-up included) for
a 1280x800 PNG, a 120-frame 800x500 GIF and a 120-frame 1920x1080 MP4 of a bundled example,
beside the time of a bare `python -c "import landscape_explorer"` measured in the same run.

Targets (issue 11): PNG <= 1 s, GIF <= 6 s, MP4 <= 20 s. Needs a display: run it under
`xvfb-run -a`. Beside the wall time it prints the CPU seconds the command used (itself, Mesa's
threads and ffmpeg; not the X server): on a machine shared with other work, wall time grows
with the load while CPU time much less so.

    xvfb-run -a python benchmarks/export_speed.py [--example local_minimum] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, repeat):
    """(best wall seconds, CPU seconds of that run)."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        c0, t0 = cpu_of_children(), time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        dt, cpu = time.perf_counter() - t0, cpu_of_children() - c0
        if r.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
        best = min(best, (dt, cpu))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--example", default="local_minimum")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        sys.exit("no display: run under xvfb-run -a")
    py = sys.executable
    base, base_cpu = timed([py, "-c", "import landscape_explorer"], a.repeat)
    render = [py, "-m", "landscape_explorer", "render", a.example, "--quiet"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("PNG 1280x800", [*render, "-o", os.path.join(tmp, "a.png"), "--size", "1280x800"],
             1.0),
            ("GIF 800x500, 120 frames", [*render, "-o", os.path.join(tmp, "a.gif"), "--size",
                                         "800x500", "--frames", "120"], 6.0),
            ("MP4 1920x1080, 120 frames", [*render, "-o", os.path.join(tmp, "a.mp4"), "--size",
                                           "1920x1080", "--frames", "120"], 20.0),
        ]
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"python -c 'import landscape_explorer': {base:.2f} s ({base_cpu:.2f} s CPU)")
        for name, cmd, target in rows:
            t, cpu = timed(cmd, a.repeat)
            print(f"{name:<28} {t:6.2f} s wall, {cpu:6.2f} s CPU  (target <= {target:g} s; "
                  f"{'met' if t <= target else 'not met'})")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
