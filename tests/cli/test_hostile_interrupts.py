"""SIGTERM interrupts like Ctrl+C; stale partial files of our own naming go on the next write."""
import os
import signal
import subprocess
import sys

from landscape_explorer.core.atomic import atomic_write_bytes

TERM_DURING_RUN = """
import os, signal, sys
import landscape_explorer.core.simulate as sim
from landscape_explorer.cli import main
real = sim.simulate
def terminated_midway(*a, **k):
    os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` would, while the run is under way
    return real(*a, **k)
sim.simulate = terminated_midway
sys.exit(main(["run", "--surface", "bowl", "--optimizer", "gd", "--start", "1,1"]))
"""


def test_sigterm_interrupts_a_command_like_ctrl_c():
    out = subprocess.run([sys.executable, "-c", TERM_DURING_RUN], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 128 + signal.SIGTERM, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_stale_part_files_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".x.png.pid{dead_pid}.abc123.part.png"
    live = tmp_path / f".x.png.pid{os.getpid()}.def456.part.png"
    other = tmp_path / f".y.png.pid{dead_pid}.abc123.part.png"  # another target: left alone
    for p in (stale, live, other):
        p.write_bytes(b"half a picture")
    atomic_write_bytes(tmp_path / "x.png", b"whole")
    assert (tmp_path / "x.png").read_bytes() == b"whole"
    assert not stale.exists()
    assert live.exists() and other.exists()
