"""The app's model is an evented wrapper over the core's Scenario: one description of what the
user set up, one JSON format, one run dataclass; per-surface height modes; examples == presets."""
import json
import os
from dataclasses import fields

import pytest

from landscape_explorer.app.model import AppModel, Run
from landscape_explorer.app.presets import apply_preset, available_presets
from landscape_explorer.core.assets import asset_path
from landscape_explorer.core.scenario import (
    MAX_RESOLUTION, RunConfig, Scenario, example_names, load_example,
)

from app_helpers import bowl_state, scenario_dict


@pytest.fixture
def model():
    return AppModel.from_dict(scenario_dict(bowl_state()))


def test_the_app_run_is_the_core_run_plus_a_session_id():
    names = [f.name for f in fields(Run)]
    assert names == [f.name for f in fields(RunConfig)] + ["id"]
    assert issubclass(Run, RunConfig)


def test_model_json_is_the_scenario_format_and_round_trips(model):
    model.set_start((0.25, -0.5))
    model.update_run(2, hyperparams={"betas": [0.8, 0.99]}, noise=0.1, seed=3)
    d = model.to_dict()
    sc = Scenario.from_dict(json.loads(json.dumps(d)))  # the core reads it as a scenario file
    assert sc.starts == [(0.25, -0.5)] and sc.runs[1].hyperparams["betas"] == [0.8, 0.99]
    assert "id" not in d["runs"][0]  # session ids are not saved
    again = AppModel.from_scenario(sc)
    assert again.to_dict() == d


def test_the_model_holds_what_the_scenario_says(model):
    sc = load_example("rosenbrock_valley")
    model.set_scenario(sc)
    assert model.surface_name == sc.surface
    assert model.bounds == sc.plot_bounds
    assert model.resolution == sc.resolution
    assert model.start == tuple(sc.start_points()[0])
    assert model.z_mode == sc.view.z_mode
    assert [r.config() for r in model.runs] == sc.validated().runs
    assert [r.id for r in model.runs] == [1, 2, 3]


def test_a_bad_run_changes_nothing_and_names_the_parameter(model):
    before = model.to_dict()
    with pytest.raises(ValueError, match="lr"):
        model.update_run(1, hyperparams={"lr": -1.0})
    with pytest.raises(ValueError, match="momentum"):
        model.add_run("sgd", hyperparams={"momentum": -0.5})
    assert model.to_dict() == before


def test_momentum_above_one_is_what_the_core_accepts(model):
    # torch (and the core) take any momentum >= 0; the app must not cap it at 1.
    model.update_run(1, optimizer="sgd", hyperparams={"momentum": 1.5})
    assert model.run(1).hyperparams["momentum"] == 1.5


def test_resolution_beyond_the_limit_is_refused_not_capped(model):
    with pytest.raises(ValueError, match=f"out of range.*{MAX_RESOLUTION}"):
        model.set_resolution(MAX_RESOLUTION + 1)
    assert model.resolution == 80


# ------------------------------------------------------------------------------- names
def test_a_renamed_run_keeps_its_name_when_its_optimizer_changes(model):
    model.update_run(1, label="my run")
    model.update_run(1, optimizer="sgd")
    assert model.run(1).name == "my run"


def test_an_automatic_name_never_describes_settings_the_run_lacks(model):
    model.update_run(1, optimizer="sgd", hyperparams={"momentum": 0.9})
    assert "momentum 0.9" in model.run(1).name
    model.update_run(1, optimizer="adam")
    r = model.run(1)
    assert "momentum" not in r.name and "momentum" not in r.hyperparams
    assert r.name.startswith("adam")
    model.update_run(1, schedule={"name": "cosine", "params": {"T_max": 100}})
    assert "cosine" in model.run(1).name
    model.update_run(1, schedule=None)
    assert "cosine" not in model.run(1).name


def test_no_example_run_carries_a_label_that_could_go_stale():
    for name in example_names():
        for r in load_example(name).runs:
            assert r.label == "", (name, r.label)


# ------------------------------------------------------------------------------- height mode
def test_height_mode_follows_each_surface_unless_changed_there(model):
    model.set_surface("rosenbrock")
    assert model.z_mode == "auto"
    model.set_z_mode("log")
    model.set_surface("sin_quadratic")
    assert model.z_mode == "auto"  # log from Rosenbrock would flatten the wavy valley
    model.set_z_mode("linear")
    model.set_surface("rosenbrock")
    assert model.z_mode == "log"  # the user's choice for Rosenbrock is remembered
    model.set_surface("sin_quadratic")
    assert model.z_mode == "linear"


def test_a_scenarios_height_mode_belongs_to_its_surface(model):
    apply_preset(model, "rosenbrock_valley", playing=False)
    assert model.surface_name == "rosenbrock" and model.z_mode == "log"
    model.set_surface("sin_quadratic")
    assert model.z_mode == "auto"


def test_surface_change_signals_the_new_height_mode(qtbot, model):
    model.set_surface("rosenbrock")
    model.set_z_mode("log")
    with qtbot.waitSignal(model.appearanceChanged):
        model.set_surface("bowl")
    assert model.z_mode == "auto"


# ------------------------------------------------------------------------------- examples
def test_presets_and_examples_are_one_list_backed_by_the_scenario_files():
    files = sorted(f[:-5] for f in os.listdir(asset_path("scenarios")) if f.endswith(".json"))
    assert files and example_names() == files
    presets = available_presets()
    assert [p.name for p in presets] == files
    for p in presets:
        assert p.title == load_example(p.name).title


@pytest.mark.parametrize("name", example_names())
def test_every_preset_loads_into_the_model_and_plays(qtbot, model, name):
    apply_preset(model, name)
    sc = load_example(name)
    assert model.playing
    assert model.surface_name == sc.surface
    assert model.start == tuple(sc.start_points()[0])
    assert [r.optimizer for r in model.runs] == [r.optimizer for r in sc.runs]
    assert len({r.color for r in model.runs}) == len(model.runs)
    model.set_playing(False)
