"""The command line's manners: `render` shows its progress and can be interrupted without
leaving a file; with no display the app says what to do in one line; the README's `render`
examples use scenarios that exist. Real subprocesses (under pytest-xvfb's DISPLAY)."""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landscape_explorer.core.scenario import SCHEMA, example_names

ROOT = Path(__file__).resolve().parents[2]


def scenario_file(tmp_path, steps=40):
    d = {"schema": SCHEMA, "version": 1, "title": "progress test",
         "surface": {"name": "bowl", "resolution": 32}, "starts": [[-1.5, 1.5]], "steps": steps,
         "runs": [{"optimizer": "gd", "hyperparams": {"lr": 0.01}, "color": "#E69F00"}]}
    p = tmp_path / "scenario.json"
    p.write_text(json.dumps(d))
    return p


def cli(*args):
    return [sys.executable, "-m", "landscape_explorer", *map(str, args)]


def test_gif_progress_lines_when_stderr_is_not_a_terminal(tmp_path):
    out = tmp_path / "out.gif"
    r = subprocess.run(cli("render", scenario_file(tmp_path), "-o", out, "--size", "160x100",
                           "--frames", "20"), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1] == "rendering out.gif: 20/20 frames (100%)", r.stderr
    assert 2 <= len(lines) <= 11  # every 10%, not every frame
    assert "\r" not in r.stderr
    done = [int(re.search(r": (\d+)/20 frames", ln).group(1)) for ln in lines]
    assert done == sorted(done)
    assert out.exists()
    # --quiet: nothing at all.
    r = subprocess.run(cli("render", scenario_file(tmp_path), "-o", out, "--size", "160x100",
                           "--frames", "5", "-q"), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0 and r.stderr == "" and r.stdout == ""


def test_gif_progress_bar_on_a_terminal(tmp_path):
    out = tmp_path / "out.gif"
    master, slave = pty.openpty()
    p = subprocess.Popen(cli("render", scenario_file(tmp_path), "-o", out, "--size", "160x100",
                             "--frames", "12"), stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 240)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    assert p.wait(timeout=240) == 0
    text = err.decode()
    assert "\r" in text  # redrawn in place
    assert "[" + "#" * 30 + "] 12/12 frames" in text
    assert re.search(r"\[#*-+\] \d+/12 frames", text)  # a partly filled bar on the way
    assert out.exists()


def test_interrupted_render_leaves_no_file(tmp_path):
    out = tmp_path / "long.gif"
    p = subprocess.Popen(cli("render", scenario_file(tmp_path, steps=400), "-o", out,
                             "--size", "320x200", "--frames", "400"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         # As from a terminal: a test runner started in the background has
                         # SIGINT ignored, and children inherit that.
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Wait until frames are being written (the progress says so), then press Ctrl+C.
    first = p.stderr.readline()
    assert first.startswith("rendering long.gif: 0/400 frames"), first
    p.send_signal(signal.SIGINT)
    rest = p.stderr.read()
    rc = p.wait(timeout=120)
    assert rc == 130
    assert "Traceback" not in rest
    assert rest.strip().splitlines()[-1] == \
        f"landscape-explorer render: interrupted; {out} was not written"
    assert sorted(os.listdir(tmp_path)) == ["scenario.json"]  # no file, no temporary file


def _env_without_display(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X displays are Linux's")
@pytest.mark.parametrize("display", [None, ":987"])
def test_app_without_display_says_so_in_one_line(display):
    env = _env_without_display(**({"DISPLAY": display} if display else {}))
    t0 = time.monotonic()
    r = subprocess.run(cli(), capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("landscape-explorer: error:")
    assert "xvfb-run" in lines[0] and "DISPLAY" in lines[0]
    if display:
        assert display in lines[0]
    assert r.stdout == ""
    assert time.monotonic() - t0 < 60


def test_readme_render_examples_use_scenarios_that_exist():
    text = (ROOT / "README.md").read_text()
    found = re.findall(r"landscape-explorer render (\S+)", text)
    named = [f for f in found if not f.startswith(("...", "--"))]
    assert named, "the README has no render example"
    for name in named:
        assert name in example_names() or (ROOT / name).is_file(), name
