"""`critical`, `basins` and the verdicts of `run`, through a real subprocess."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.basins import basins
def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def one_line_error(out):
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    return lines[0]


def test_critical_himmelblau_text_and_json():
    out = cli("critical", "--surface", "himmelblau")
    assert out.returncode == 0, out.stderr
    assert "9 critical points" in out.stdout
    assert out.stdout.count("global_min") == 4 and out.stdout.count("saddle") == 4
    assert "(3, 2)" in out.stdout

    out = cli("critical", "--surface", "himmelblau", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    kinds = sorted(c["kind"] for c in data["critical_points"])
    assert kinds == ["global_min"] * 4 + ["max"] + ["saddle"] * 4
    ref = le.critical_points("himmelblau")
    assert [c["xy"] for c in data["critical_points"]] == [list(c.xy) for c in ref]


def test_critical_with_bounds():
    out = cli("critical", "--surface", "rastrigin", "--xlim=-0.7,0.7", "--ylim=-0.7,0.7",
              "--json")
    assert out.returncode == 0, out.stderr
    kinds = sorted(c["kind"] for c in json.loads(out.stdout)["critical_points"])
    assert kinds == ["global_min", "max", "max", "max", "max", "saddle", "saddle", "saddle",
                     "saddle"]


def test_basins_png_and_json(tmp_path):
    png = tmp_path / "basins.png"
    out = cli("basins", "--surface", "himmelblau", "--optimizer", "gd(lr=0.01)",
              "--optimizer", "adam(lr=0.05)", "--resolution", "24", "--steps", "300",
              "-o", str(png), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert sum(data["fractions"].values()) == pytest.approx(1.0)
    assert [r["optimizer"] for r in data["runs"]] == ["gd", "adam"]
    for r in data["runs"]:
        assert sum(r["fractions"].values()) == pytest.approx(1.0)
    ref = basins("himmelblau", le.optimizer("gd", lr=0.01), resolution=24, steps=300)
    assert data["fractions"] == pytest.approx(ref.fractions)
    from PIL import Image

    img = np.asarray(Image.open(png))
    assert img.shape == (24, 24 * 2 + 8, 3)  # two maps side by side
    np.testing.assert_array_equal(img[:, :24], ref.image())
    assert [p for p in os.listdir(tmp_path)] == ["basins.png"]  # no temporary file left


def test_basins_text_summary():
    out = cli("basins", "--surface", "bowl", "--optimizer", "gd(lr=0.1)", "--resolution", "8",
              "--steps", "200")
    assert out.returncode == 0, out.stderr
    assert "100.0% of starts reach the global minimum" in out.stdout


@pytest.mark.parametrize("args,needle", [
    (("basins", "--surface", "nope", "--optimizer", "adam"), "unknown surface"),
    (("basins", "--surface", "bowl", "--optimizer", "adam(lr=-1)"), "lr"),
    (("basins", "--surface", "bowl", "--optimizer", "adam(lr=__import__('os'))"), "literal"),
    (("basins", "--surface", "bowl", "--optimizer", "adam", "--resolution", "0"), "resolution"),
    (("basins", "--surface", "bowl", "--optimizer", "adam", "--resolution", "x"), "resolution"),
    (("basins", "--surface", "bowl", "--optimizer", "adam", "-o", "/nonexistent/dir/b.png"),
     "does not exist"),
    (("basins", "--surface", "bowl"), "--optimizer"),
    (("critical", "--surface", "nope"), "unknown surface"),
    (("critical", "--surface", "bowl", "--xlim", "1,-1"), "bounds"),
    (("critical", "--surface", "bowl", "--ylim", "a,b"), "invalid"),
    (("critical",), "--surface"),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_bad_input_is_one_line_exit_2(args, needle):
    line = one_line_error(cli(*args))
    assert needle in line


def test_basins_does_not_replace_output_on_error(tmp_path):
    png = tmp_path / "b.png"
    png.write_bytes(b"old")
    one_line_error(cli("basins", "--surface", "bowl", "--optimizer", "nope", "-o", str(png)))
    assert png.read_bytes() == b"old"


def test_run_prints_verdicts():
    out = cli("run", "--surface", "sin_quadratic", "--optimizer", "gd(lr=0.05)",
              "--start=-2,0", "--start", "0.3,0", "--steps", "300")
    assert out.returncode == 0, out.stderr
    assert "verdict: stuck in a local minimum" in out.stdout
    assert "verdict: reached the global minimum" in out.stdout

    out = cli("run", "--surface", "sin_quadratic", "--optimizer", "gd(lr=0.05)",
              "--start=-2,0", "--start", "0.3,0", "--steps", "300", "--json")
    assert out.returncode == 0, out.stderr
    (run,) = json.loads(out.stdout)["runs"]
    assert [v["kind"] for v in run["verdicts"]] == ["local_min", "global_min"]
    assert run["verdicts"][1]["point"]["kind"] == "global_min"
