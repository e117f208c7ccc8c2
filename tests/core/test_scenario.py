"""Scenario files: round trip, validation messages that name the field, atomic writes."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core import atomic
from landscape_explorer.core.scenario import (
    SCHEMA, VERSION, Camera, RunConfig, Scenario, ScenarioError, ViewOptions, example_names,
    load_example, load_scenario, save_scenario,
)


def base(**changes):
    d = {
        "schema": SCHEMA, "version": VERSION,
        "title": "two runs on a bowl",
        "surface": {"name": "bowl", "bounds": [[-3, 3], [-2, 2]], "resolution": 64},
        "starts": [[1.5, -1.0], [-1.0, 1.0]],
        "steps": 25,
        "runs": [
            {"optimizer": "gd", "hyperparams": {"lr": 0.1}, "seed": 3},
            {"optimizer": "sgd", "hyperparams": {"lr": 0.05, "momentum": 0.9}, "noise": 0.1,
             "label": "momentum", "color": "#009e73", "enabled": True},
        ],
        "camera": {"distance": 9.0, "elevation": 25.0, "azimuth": -50.0, "center": [0, 0, 1]},
        "view": {"colormap": "plasma", "wireframe": True, "log_loss": True},
    }
    d.update(changes)
    return d


def test_round_trip_through_a_file_is_identical(tmp_path):
    sc = Scenario.from_dict(base())
    p = tmp_path / "s.json"
    save_scenario(sc, p)
    back = load_scenario(p)
    assert back == sc
    assert back.to_dict() == sc.to_dict()
    # and the file is stable: saving what was loaded writes the same bytes
    save_scenario(back, tmp_path / "t.json")
    assert (tmp_path / "t.json").read_bytes() == p.read_bytes()


def test_round_trip_keeps_every_field():
    sc = Scenario.from_dict(base())
    assert sc.surface == "bowl" and sc.bounds == ((-3.0, 3.0), (-2.0, 2.0)) and sc.resolution == 64
    assert sc.starts == [(1.5, -1.0), (-1.0, 1.0)] and sc.steps == 25
    assert sc.camera == Camera(9.0, 25.0, -50.0, (0.0, 0.0, 1.0), 40.0)
    assert sc.view.colormap == "plasma" and sc.view.wireframe and sc.view.log_loss
    r0, r1 = sc.runs
    assert r0.seed == 3 and r0.color == "#E69F00"  # palette color filled in by position
    assert r1.color == "#009E73" and r1.label == "momentum" and r1.noise == 0.1
    # hyperparameter defaults are written out, so a file keeps meaning the same thing
    assert r1.hyperparams["nesterov"] is False and r1.hyperparams["momentum"] == 0.9


def test_file_has_schema_and_version_and_is_valid_json(tmp_path):
    p = tmp_path / "s.json"
    save_scenario(Scenario.from_dict(base()), p)
    d = json.loads(p.read_text())
    assert d["schema"] == SCHEMA and d["version"] == VERSION


def test_scenario_builds_core_objects_and_simulates_reproducibly():
    sc = Scenario.from_dict(base())
    surf = sc.build_surface()
    assert surf is le.surface("bowl")
    built = sc.build_optimizers()
    assert [o.name for _, o in built] == ["gd", "sgd"]
    assert built[1][1].noise == 0.1
    a = sc.simulate()
    b = sc.simulate()
    for (ra, res_a), (rb, res_b) in zip(a, b):
        assert res_a.path.shape == (26, 2, 2)
        np.testing.assert_array_equal(res_a.path, res_b.path)
    # the run's own seed is used
    direct = le.simulate(surf, built[1][1], sc.start_points(), 25, seed=0)
    np.testing.assert_array_equal(a[1][1].path, direct.path)


def test_disabled_runs_are_not_simulated():
    d = base()
    d["runs"][0]["enabled"] = False
    sc = Scenario.from_dict(d)
    assert [r.label for r, _ in sc.simulate()] == ["momentum"]


def test_defaults_and_shorthands():
    sc = Scenario.from_dict({"schema": SCHEMA, "version": 1, "surface": "bowl",
                             "runs": [{"optimizer": "adam"}], "starts": [1, 2]})
    assert sc.bounds is None and sc.plot_bounds == ((-2.0, 2.0), (-2.0, 2.0))
    assert sc.starts == [(1.0, 2.0)] and sc.steps == 300 and sc.camera is None
    assert sc.view == ViewOptions()
    assert sc.runs[0].hyperparams["betas"] == [0.9, 0.999]
    no_start = Scenario.from_dict({"schema": SCHEMA, "version": 1, "surface": "bowl", "runs": []})
    assert no_start.start_points().shape == (1, 2)


def test_default_colors_match_the_app_palette():
    from landscape_explorer.core.scenario import DEFAULT_COLORS
    pal = pytest.importorskip("landscape_explorer.app.palette")
    assert tuple(c.upper() for c in pal.RUN_COLORS) == DEFAULT_COLORS


@pytest.mark.parametrize("change, field, words", [
    ({"runs": [{"optimizer": "gd"}, {"optimizer": "adma"}]}, "runs[1].optimizer",
     ["unknown optimizer 'adma'", "adam", "sgd"]),
    ({"runs": [{"optimizer": "gd", "hyperparams": {"lr": -1}}]}, "runs[0].hyperparams.lr",
     ["-1"]),
    ({"runs": [{"optimizer": "gd", "hyperparams": {"lerning_rate": 1}}]},
     "runs[0].hyperparams.lerning_rate", ["lr"]),
    ({"runs": [{"optimizer": "sgd", "hyperparams": {"momentum": -0.5}}]},
     "runs[0].hyperparams.momentum", ["-0.5"]),
    ({"runs": [{"optimizer": "gd", "noise": -1}]}, "runs[0].noise", [">= 0"]),
    ({"runs": [{"optimizer": "gd", "clip": 0}]}, "runs[0].clip", ["> 0"]),
    ({"runs": [{"optimizer": "gd", "color": "orange"}]}, "runs[0].color", ["orange"]),
    ({"runs": [{"optimizer": "gd", "seed": 1.5}]}, "runs[0].seed", ["whole number"]),
    ({"runs": [{"optimizer": "gd", "enabled": "yes"}]}, "runs[0].enabled", ["true or false"]),
    ({"runs": [{"optimizer": "gd", "speed": 3}]}, "runs[0].speed", ["unknown field"]),
    ({"runs": [{"hyperparams": {}}]}, "runs[0].optimizer", ["missing"]),
    ({"runs": "gd"}, "runs", ["list"]),
    ({"surface": {"name": "bowel"}}, "surface.name", ["unknown surface 'bowel'", "bowl"]),
    ({"surface": {"name": "bowl", "bounds": [[2, -2], [-1, 1]]}}, "surface.bounds[0]", ["xmin"]),
    ({"surface": {"name": "bowl", "resolution": 3}}, "surface.resolution", ["between"]),
    ({"starts": [[0, 0], [1, "a"]]}, "starts[1][1]", ["number"]),
    ({"starts": [[0, 0, 0]]}, "starts[0]", ["[x, y]"]),
    ({"steps": -5}, "steps", ["between"]),
    ({"camera": {"distance": 0}}, "camera.distance", ["> 0"]),
    ({"camera": {"center": [0, 0]}}, "camera.center", ["[x, y, z]"]),
    ({"view": {"z_mode": "cubic"}}, "view.z_mode", ["auto", "log"]),
    ({"view": {"wireframe": 1}}, "view.wireframe", ["true or false"]),
    ({"view": {"colour": "x"}}, "view.colour", ["unknown field", "colormap"]),
    ({"extra": 1}, "extra", ["unknown field"]),
    ({"version": 99}, "version", ["newer", "99", "upgrade"]),
    ({"version": "1"}, "version", ["whole number"]),
    ({"schema": "something/else"}, "schema", ["not a landscape-explorer scenario"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_fields_are_named_in_one_line(change, field, words):
    with pytest.raises(ScenarioError) as ei:
        Scenario.from_dict(base(**change))
    msg = str(ei.value)
    assert ei.value.field == field
    assert msg.startswith(field + ": ")
    assert "\n" not in msg
    for w in words:
        assert w in msg


def test_missing_schema_is_not_a_scenario():
    with pytest.raises(ScenarioError, match="not a landscape-explorer scenario"):
        Scenario.from_dict({"surface": "bowl", "runs": []})
    with pytest.raises(ScenarioError, match="expected an object"):
        Scenario.from_dict([1, 2])


@pytest.mark.parametrize("content, words", [
    (b'{"schema": "landscape-explorer/scenario", "version": 1, "runs": [', ["not valid JSON",
                                                                          "line 1"]),
    (b"", ["not valid JSON"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00", ["not"]),
    (b'{"schema": "landscape-explorer/scenario", "version": 1, "surface": "bowl", "runs": [],'
     b' "steps": NaN}', ["NaN"]),
])
def test_corrupt_files_give_one_line_with_the_file_name(tmp_path, content, words):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(ScenarioError) as ei:
        load_scenario(p)
    msg = str(ei.value)
    assert str(p) in msg and "\n" not in msg
    for w in words:
        assert w in msg


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.json")
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)


def test_newer_version_file_is_rejected_clearly(tmp_path):
    p = tmp_path / "future.json"
    p.write_text(json.dumps(dict(base(), version=VERSION + 1, hologram={"x": 1})))
    with pytest.raises(ScenarioError) as ei:
        load_scenario(p)
    assert ei.value.field == "version"
    assert "newer" in str(ei.value) and "upgrade" in str(ei.value)


def test_save_refuses_an_invalid_scenario_and_keeps_the_old_file(tmp_path):
    p = tmp_path / "s.json"
    save_scenario(Scenario.from_dict(base()), p)
    before = p.read_bytes()
    bad = Scenario.from_dict(base())
    bad.runs.append(RunConfig(optimizer="adma"))
    with pytest.raises(ScenarioError, match=r"runs\[2\].optimizer"):
        save_scenario(bad, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["s.json"]


def test_save_to_missing_directory_raises_and_writes_nothing(tmp_path):
    with pytest.raises(OSError):
        save_scenario(Scenario.from_dict(base()), tmp_path / "no" / "s.json")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# atomic writes


def test_atomic_write_replaces_only_on_success(tmp_path):
    p = tmp_path / "out.txt"
    atomic.atomic_write_text(p, "old")

    def failing(f):
        f.write("half of the new con")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic.atomic_write(p, failing, mode="w")
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_path_cancel_leaves_nothing(tmp_path):
    p = tmp_path / "movie.gif"
    with pytest.raises(atomic.Cancelled):
        with atomic.atomic_path(p) as tmp:
            assert os.path.dirname(tmp) == str(tmp_path)
            assert tmp.endswith(".gif")  # libraries choose the format from the extension
            with open(tmp, "wb") as f:
                f.write(b"GIF89a")
            raise atomic.Cancelled()
    assert os.listdir(tmp_path) == []


def test_atomic_file_gets_normal_permissions(tmp_path):
    p = tmp_path / "x.bin"
    atomic.atomic_write_bytes(p, b"123")
    mode = os.stat(p).st_mode & 0o777
    assert mode & 0o044  # readable by others as with open(), not mkstemp's 0600


def test_check_writable(tmp_path):
    atomic.check_writable(tmp_path / "fine.png")
    with pytest.raises(FileNotFoundError):
        atomic.check_writable(tmp_path / "missing" / "x.png")
    with pytest.raises(IsADirectoryError):
        atomic.check_writable(tmp_path)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# examples


def test_every_bundled_example_loads_and_simulates():
    names = example_names()
    if not names:
        pytest.skip("no examples bundled yet")
    for name in names:
        sc = load_example(name)
        assert sc.title and sc.description, name
        assert sc.runs, name
        for r, res in sc.simulate(record_every=max(sc.steps, 1)):
            assert np.isfinite(res.path).all()


def test_scenario_module_does_not_import_qt():
    code = ("import sys, landscape_explorer.core.scenario, landscape_explorer.core.atomic, "
            "landscape_explorer.core.trajectories; "
            "bad=[m for m in sys.modules if m.startswith(('PyQt', 'pyqtgraph', 'OpenGL'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------
# Each bundled example shows the lesson its description promises (checked by simulation).


def _final(sc, name):
    # Examples carry no labels (a label would go stale when the user edits the run): runs are
    # known by the names their settings give them.
    for r, res in sc.simulate():
        if r.display_name == name:
            return res
    raise AssertionError(f"no run {name!r}")


def _example(name):
    if name not in example_names():
        pytest.skip(f"example {name} not bundled")
    return load_example(name)


def test_example_local_minimum_gd_stuck_momentum_escapes():
    sc = _example("local_minimum")
    assert np.allclose(_final(sc, "gd lr=0.05").final[0], [1.408, 0.0], atol=0.01)  # local minimum
    assert np.allclose(_final(sc, "sgd+momentum 0.9 lr=0.05").final[0], [-0.471, 0.0], atol=0.01)


def test_example_saddle_gd_stalls_noise_escapes():
    sc = _example("saddle_point")
    gd = _final(sc, "gd lr=0.05")
    assert np.hypot(*gd.final[0]) < 1e-3 and gd.status[0] == "converged"
    for label in ("gd lr=0.05 noise=0.2", "perturbed_gd lr=0.05"):
        res = _final(sc, label)
        assert abs(res.final[0][1]) > 2.0, label  # off the ridge, downhill out of the plot


def test_example_rosenbrock_sgd_crawls_momentum_and_adam_race():
    sc = _example("rosenbrock_valley")
    d = {r.display_name: np.hypot(*(res.final[0] - [1, 1])) for r, res in sc.simulate()}
    assert d["sgd lr=0.0005"] > 1.0
    assert d["sgd+momentum 0.9 lr=0.0005"] < 0.2
    assert d["adam lr=0.05"] < 0.05


def test_example_rastrigin_only_annealing_finds_the_global_minimum():
    sc = _example("rastrigin_annealing")
    loss = {r.optimizer: float(res.final_loss[0]) for r, res in sc.simulate()}
    assert loss["sgd"] > 10 and loss["adam"] > 10
    assert loss["annealing"] < 0.1


def test_example_plateau_gd_barely_moves_adam_walks_in():
    sc = _example("plateau")
    start = sc.start_points()[0]
    gd = _final(sc, "gd lr=0.5")
    assert np.hypot(*(gd.final[0] - start)) < 0.3
    # The picture is taken mid-lesson: Adam is in the well (r ~ 0.3), momentum is on its way.
    assert np.hypot(*_final(sc, "adam lr=0.05").final[0]) < 0.05
    momentum = np.hypot(*_final(sc, "sgd+momentum 0.9 lr=0.5").final[0])
    assert 0.3 < momentum < np.hypot(*start) - 0.5


def test_trajectories_csv_one_row_per_run_step_particle(tmp_path):
    import csv

    from landscape_explorer.core import trajectories

    sc = Scenario.from_dict(base())  # 2 runs, 2 starts, 25 steps
    p = tmp_path / "t.csv"
    trajectories.write_trajectories_csv(sc, p)
    rows = list(csv.DictReader(p.open()))
    assert len(rows) == 2 * 26 * 2
    assert {(r["run"], r["step"], r["particle"]) for r in rows} == {
        (str(k), str(s), str(i)) for k in range(2) for s in range(26) for i in range(2)}
    res = sc.simulate()
    last = [r for r in rows if r["run"] == "1" and r["step"] == "25" and r["particle"] == "1"][0]
    assert float(last["x"]) == res[1][1].path[-1, 1, 0]  # exact: repr round-trips float64
    assert float(last["loss"]) == res[1][1].loss[-1, 1]
    j = tmp_path / "t.json"
    trajectories.write_trajectories_json(sc, j)
    d = json.loads(j.read_text())
    assert d["schema"] == trajectories.JSON_SCHEMA
    assert Scenario.from_dict(d["scenario"]) == sc
    assert np.array_equal(np.array(d["runs"][0]["path"]), res[0][1].path)


def test_trajectories_cancel_writes_nothing(tmp_path):
    from landscape_explorer.core import trajectories

    sc = Scenario.from_dict(base())
    with pytest.raises(atomic.Cancelled):
        trajectories.simulate_all(sc, progress=lambda done, total: False)
    assert os.listdir(tmp_path) == []


def _data_scenario(dataset, **run):
    return {"schema": "landscape-explorer/scenario", "version": 1,
            "surface": {"name": "sinusoid_fit", "dataset": dataset},
            "runs": [{"optimizer": "sgd", "hyperparams": {"lr": 0.1}, **run}], "steps": 20}


def test_a_data_models_dataset_round_trips():
    import landscape_explorer as le

    d = _data_scenario({"name": "regression", "n": 40, "noise": 0.3, "seed": 7}, batch_size=8)
    sc = Scenario.from_dict(d)
    again = Scenario.from_json(sc.to_json())
    assert again.surface_dataset == {"name": "regression", "n": 40, "noise": 0.3, "seed": 7}
    want = le.dataset("regression", n=40, noise=0.3, seed=7)
    got = again.build_surface().dataset
    np.testing.assert_array_equal(got.X, want.X)
    np.testing.assert_array_equal(got.y, want.y)
    # The runs step on that dataset: the same as simulate on the surface built by hand.
    res = again.simulate()[0][1]
    ref = le.simulate(le.surface("sinusoid_fit", dataset=want), again.runs[0].build_optimizer(),
                      again.start_points(), 20, seed=again.runs[0].seed, batch_size=8)
    np.testing.assert_array_equal(res.path, ref.path)


@pytest.mark.parametrize("surface,dataset,batch,field,words", [
    ("bowl", {"name": "regression"}, None, "surface.dataset", "takes no dataset"),
    ("sinusoid_fit", {"name": "wavez"}, None, "surface.dataset.name", "unknown dataset"),
    ("sinusoid_fit", {"name": "regression", "n": 2}, None, "surface.dataset.n", ""),
    ("sinusoid_fit", {"name": "regression", "colour": 1}, None, "surface.dataset.colour", ""),
    ("sinusoid_fit", {"name": "regression", "n": 10}, 16, "runs[0].batch_size", "10"),
])
def test_bad_datasets_are_named_by_field_path(surface, dataset, batch, field, words):
    d = _data_scenario(dataset, **({"batch_size": batch} if batch else {}))
    d["surface"]["name"] = surface
    with pytest.raises(ScenarioError) as e:
        Scenario.from_dict(d)
    assert e.value.field == field
    assert words in str(e.value) and "\n" not in str(e.value)
