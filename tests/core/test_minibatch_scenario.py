"""batch_size in scenario files (RunConfig.batch_size) and on the CLI (`run --batch-size`)."""
import json
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.scenario import (RunConfig, Scenario, ScenarioError, load_scenario,
                                              save_scenario)


def scenario(**run):
    return {"schema": "landscape-explorer/scenario", "version": 1,
            "surface": {"name": "sinusoid_fit"}, "starts": [[0.5, 1.0]], "steps": 60,
            "runs": [dict({"optimizer": "sgd", "hyperparams": {"lr": 0.2}}, **run)]}


def test_batch_size_round_trips_and_runs_the_minibatch_descent(tmp_path):
    sc = Scenario.from_dict(scenario(batch_size=8, seed=5))
    assert sc.runs[0].batch_size == 8
    p = tmp_path / "s.json"
    save_scenario(sc, p)
    assert json.loads(p.read_text())["runs"][0]["batch_size"] == 8
    back = load_scenario(p)
    assert back.runs[0].batch_size == 8
    (rc, res), = back.simulate()
    ref = le.simulate("sinusoid_fit", le.optimizer("sgd", lr=0.2), [[0.5, 1.0]], 60, seed=5,
                      batch_size=8)
    assert (res.path == ref.path).all()
    full = le.simulate("sinusoid_fit", le.optimizer("sgd", lr=0.2), [[0.5, 1.0]], 60, seed=5)
    assert not (res.path[-1] == full.path[-1]).all()


def test_full_batch_runs_are_written_without_batch_size(tmp_path):
    sc = Scenario.from_dict(scenario())
    assert sc.runs[0].batch_size is None
    assert "batch_size" not in sc.to_dict()["runs"][0]
    assert "batch=" not in sc.runs[0].auto_name
    assert "batch=8" in RunConfig(optimizer="sgd", batch_size=8).auto_name


@pytest.mark.parametrize("bad, words", [
    (0, ["between 1"]), (-2, ["between 1"]), (2.5, ["whole number"]), (True, ["whole number"]),
    ("8", ["whole number"]), (65, ["[1, 64]"]),
])
def test_bad_batch_sizes_are_named_by_field_path(bad, words):
    with pytest.raises(ScenarioError) as e:
        Scenario.from_dict(scenario(batch_size=bad))
    assert e.value.field == "runs[0].batch_size"
    assert "\n" not in str(e.value) and str(e.value).startswith("runs[0].batch_size: ")
    for w in words:
        assert w in str(e.value)


def test_batch_size_on_a_formula_surface_is_named_by_field_path():
    d = scenario(batch_size=4)
    d["surface"] = {"name": "bowl"}
    with pytest.raises(ScenarioError) as e:
        Scenario.from_dict(d)
    assert e.value.field == "runs[0].batch_size" and "formula" in str(e.value)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_run_batch_size_matches_simulate():
    out = cli("run", "--surface", "sinusoid_fit", "--optimizer", "sgd(lr=0.2)", "--start",
              "0.5,1", "--steps", "40", "--seed", "2", "--batch-size", "8", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    ref = le.simulate("sinusoid_fit", le.optimizer("sgd", lr=0.2), [[0.5, 1.0]], 40, seed=2,
                      batch_size=8)
    assert data["batch_size"] == 8
    assert np.array(data["runs"][0]["path"]).tolist() == ref.path.tolist()
    text = cli("run", "--surface", "sinusoid_fit", "--optimizer", "sgd(lr=0.2)", "--start",
               "0.5,1", "--steps", "40", "--seed", "2", "--batch-size", "8")
    assert text.returncode == 0 and "minibatches of 8" in text.stdout


@pytest.mark.parametrize("surface, value, words", [
    ("sinusoid_fit", "0", ["whole number >= 1"]), ("sinusoid_fit", "2.5", ["whole number"]),
    ("sinusoid_fit", "65", ["batch_size", "[1, 64]"]), ("bowl", "4", ["batch_size", "formula"]),
])
def test_cli_bad_batch_size_is_one_line(surface, value, words):
    out = cli("run", "--surface", surface, "--optimizer", "sgd", "--start", "0.5,1",
              "--batch-size", value)
    assert out.returncode == 2
    line = out.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and "batch" in line
    for w in words:
        assert w in line
