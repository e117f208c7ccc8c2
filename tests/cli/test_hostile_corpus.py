"""The hostile corpus (tests/data/hostile/commands.txt): command lines a careful adversary tried.
Each must end with exit status 2 and exactly one line on stderr, with no traceback and no numpy
warning (the subprocess runs with warnings as errors), and must not hang (a generous time limit
guards against that; it is not a timing test)."""
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "commands.txt"
HANG_GUARD_S = 120

PLACEHOLDERS = {
    "{BIG}": "1" * 400,
    "{HUGE}": "9" * 5000,
    "{DEEP}": "+".join(["1"] * 2000),
    "{PARENS}": "(" * 500 + "1" + ")" * 500,
    "{LONGSPEC}": "gd(lr=0.1" + ", x=1" * 15000 + ")",
}


def corpus_lines():
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line


def expand(line, tmp):
    for k, v in PLACEHOLDERS.items():
        line = line.replace(k, v)
    return shlex.split(line.replace("{TMP}", str(tmp)))


def test_corpus_is_substantial():
    assert len(list(corpus_lines())) >= 50


@pytest.mark.parametrize("line", list(corpus_lines()))
def test_hostile_command_fails_in_one_line(line, tmp_path):
    env = dict(os.environ, PYTHONWARNINGS="error")
    out = subprocess.run([sys.executable, "-m", "landscape_explorer", *expand(line, tmp_path)],
                         capture_output=True, text=True, timeout=HANG_GUARD_S, env=env)
    lines = out.stderr.splitlines()
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("landscape-explorer"), out.stderr[-2000:]
    assert len(lines[0]) < 400, lines[0]
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no output, no partial file


def _render(scenario, tmp_path):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", "render", str(scenario),
                           "-o", str(tmp_path / "out.png")], capture_output=True, text=True,
                          timeout=HANG_GUARD_S, env=dict(os.environ, PYTHONWARNINGS="error"))


def test_fifo_scenario_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "scenario.json"
    os.mkfifo(fifo)
    out = _render(fifo, tmp_path)  # opening a FIFO for reading would block: the guard fails
    assert out.returncode == 2
    assert out.stderr.strip().endswith("not a regular file (a pipe, device or socket)")
    assert not (tmp_path / "out.png").exists()


def test_huge_scenario_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(50 * 2 ** 30)  # sparse: 50 GiB that take no disk
    out = _render(big, tmp_path)
    assert out.returncode == 2
    assert "a scenario file is at most 1,000,000" in out.stderr
    assert len(out.stderr.splitlines()) == 1


def test_negative_bounds_may_follow_a_space():
    out = subprocess.run([sys.executable, "-m", "landscape_explorer", "critical", "--surface",
                          "himmelblau", "--xlim", "-5,5", "--ylim", "-5,5", "--json"],
                         capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert out.returncode == 0, out.stderr
    import json

    assert json.loads(out.stdout)["bounds"] == [[-5, 5], [-5, 5]]
