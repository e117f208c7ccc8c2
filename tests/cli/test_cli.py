"""The CLI through a real subprocess: output, JSON, and one-line errors with exit status 2."""
import json
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le


def cli(*args):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", *args],
                          capture_output=True, text=True, timeout=120)


def test_run_prints_each_optimizer():
    out = cli("run", "--surface", "bowl", "--optimizer", "gd(lr=0.1)",
              "--optimizer", "gd(lr=0.2, noise=0.0)", "--start", "1,2", "--steps", "30")
    assert out.returncode == 0, out.stderr
    assert "gd(lr=0.1)" in out.stdout and "gd(lr=0.2)" in out.stdout
    assert "30 steps" in out.stdout
    res = le.simulate("bowl", le.optimizer("gd", lr=0.1), [[1.0, 2.0]], steps=30)
    x, y = res.final[0]
    assert f"({x:.6g}, {y:.6g})" in out.stdout


def test_run_json_has_full_paths():
    out = cli("run", "--surface", "bowl", "--optimizer", "gd(lr=0.1)", "--optimizer", "gd",
              "--start", "1,2", "--start", "-0.5,0.25", "--steps", "20", "--seed", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["surface"] == "bowl" and data["steps"] == 20 and data["seed"] == 3
    assert [r["optimizer"] for r in data["runs"]] == ["gd", "gd"]
    run = data["runs"][0]
    assert run["hyperparams"] == {"lr": 0.1}
    path = np.array(run["path"])
    assert path.shape == (21, 2, 2)
    ref = le.simulate("bowl", le.optimizer("gd", lr=0.1), [[1, 2], [-0.5, 0.25]], steps=20)
    np.testing.assert_array_equal(path, ref.path)


def test_list_names_everything():
    out = cli("list")
    assert out.returncode == 0, out.stderr
    for name in le.surface_names() + le.optimizer_names() + le.schedule_names():
        assert name in out.stdout
    assert "lr=" in out.stdout
    data = json.loads(cli("list", "--json").stdout)
    assert {o["name"] for o in data["optimizers"]} == set(le.optimizer_names())


@pytest.mark.parametrize("args,fragment", [
    (["--surface", "bwl", "--optimizer", "gd"], "unknown surface 'bwl'"),
    (["--surface", "bowl", "--optimizer", "adma"], "unknown optimizer 'adma'"),
    (["--surface", "bowl", "--optimizer", "gd(lr=-1)"], "lr"),
    (["--surface", "bowl", "--optimizer", "gd(lr=nan)"], "not a literal"),
    (["--surface", "bowl", "--optimizer", "gd(lr=__import__('os').getcwd())"], "not a literal"),
    (["--surface", "bowl", "--optimizer", "gd(0.1)"], "by name"),
    (["--surface", "bowl", "--optimizer", "gd(lr=0.1, momentum=0.9)"], "momentum"),
    (["--surface", "bowl", "--optimizer", "gd(lr="], "invalid optimizer"),
    (["--surface", "bowl", "--optimizer", "gd", "--steps", "ten"], "--steps"),
    (["--surface", "bowl", "--optimizer", "gd", "--steps", "-3"], "--steps"),
])
def test_bad_arguments_give_one_line_and_exit_2(args, fragment):
    out = cli("run", "--start", "1,1", *args)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert fragment in lines[0]
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("start", ["a,1", "1", "1,2,3", "inf,0"])
def test_bad_start_point(start):
    out = cli("run", "--surface", "bowl", "--optimizer", "gd", "--start", start)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "point" in out.stderr


def test_unknown_command_and_missing_arguments():
    for args in (["frobnicate"], ["run", "--surface", "bowl"]):
        out = cli(*args)
        assert out.returncode == 2
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
