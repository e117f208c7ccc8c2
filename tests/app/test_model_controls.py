"""AppModel and the control panel, in both directions (napari style): change the model and the
widget follows; change the widget and the model follows."""
import json

import pytest
from PyQt6 import QtCore

import landscape_explorer as le
from landscape_explorer.app.panels.controls import ControlPanel
from landscape_explorer.app.model import AppModel
from landscape_explorer.app.palette import RUN_COLORS
from landscape_explorer.app.runs import RunEngine
from landscape_explorer.core.optimizers import optimizer_def

from app_helpers import bowl_state, scenario_dict


@pytest.fixture
def model():
    return AppModel.from_dict(scenario_dict(bowl_state()))


@pytest.fixture
def panel(qtbot, model):
    engine = RunEngine(model)
    p = ControlPanel(model, engine)
    qtbot.addWidget(p)
    p.engine_ref = engine
    return p


# ---------------------------------------------------------------------------------- model
def test_model_dict_round_trip_is_json(model):
    d = model.to_dict()
    again = AppModel.from_dict(json.loads(json.dumps(d)))
    assert again.to_dict() == d
    assert again.runs[1].hyperparams["betas"] == [0.9, 0.999]  # JSON-shaped, as in the file


def test_model_emits_and_validates(qtbot, model):
    with qtbot.waitSignal(model.startChanged) as sig:
        model.set_start((0.25, -0.5))
    assert sig.args == [(0.25, -0.5)]
    with qtbot.waitSignal(model.runChanged) as sig:
        model.set_hyperparam(1, "lr", 0.3)
    assert sig.args == [1] and model.run(1).hyperparams["lr"] == 0.3
    before = model.to_dict()
    with pytest.raises(ValueError, match="lr"):
        model.set_hyperparam(1, "lr", -1.0)
    with pytest.raises(ValueError):
        model.set_bounds(((1, 0), (0, 1)))
    with pytest.raises(ValueError, match="surface"):
        model.set_surface("no-such-surface")
    assert model.to_dict() == before


def test_new_runs_get_distinct_palette_colors(model):
    model.clear_runs()
    specs = [model.add_run("gd") for _ in range(5)]
    colors = [s.color for s in specs]
    assert colors == list(RUN_COLORS[:5])
    dup = model.duplicate_run(specs[0].id)
    assert dup.color not in colors and dup.hyperparams == specs[0].hyperparams


def test_switching_optimizer_keeps_learning_rate(model):
    model.update_run(1, optimizer="sgd")
    r = model.run(1)
    assert r.optimizer == "sgd" and r.hyperparams["lr"] == 0.02
    assert set(r.hyperparams) == {p.name for p in optimizer_def("sgd").params}


# ---------------------------------------------------------------------------------- controls
def test_model_to_widgets(panel, model):
    model.set_start((0.5, -0.75))
    assert (panel.start_x.value(), panel.start_y.value()) == (0.5, -0.75)
    model.set_max_steps(1234)
    assert panel.max_steps_spin.value() == 1234
    model.set_playing(True)
    assert panel.play_button.isChecked() and "Pause" in panel.play_button.text()
    model.set_playing(False)
    model.set_speed(500.0)
    assert abs(panel.speed_slider.float_value() - 500.0) / 500.0 < 0.02
    model.set_colormap("plasma")
    assert panel.colormap_combo.currentText() == "plasma"
    model.set_bounds(((-3, 1), (-2, 2)))
    assert [s.value() for s in panel.bound_spins] == [-3, 1, -2, 2]
    panel.select_run(1)
    model.set_hyperparam(1, "lr", 0.125)
    assert panel.lr_spin.value() == 0.125
    model.update_run(1, enabled=False)
    assert panel.run_list.item(0).checkState() == QtCore.Qt.CheckState.Unchecked
    model.set_split(True)
    assert panel.split_check.isChecked()


def test_widgets_to_model(panel, model):
    panel.start_x.setValue(0.4)
    assert model.start[0] == 0.4
    panel.max_steps_spin.setValue(777)
    assert model.max_steps == 777
    panel.play_button.click()
    assert model.playing
    panel.play_button.click()
    assert not model.playing
    panel.speed_slider.setValue(panel.speed_slider.maximum())
    assert panel.speed_label.text() == "max"
    panel.colormap_combo.setCurrentText("magma")
    assert model.colormap == "magma"
    panel.select_run(2)
    panel.lr_spin.setValue(0.01)
    assert model.run(2).hyperparams["lr"] == 0.01
    panel.hp_widgets["amsgrad"].check.setChecked(True)
    assert model.run(2).hyperparams["amsgrad"] is True
    panel.hp_widgets["betas"].spins[0].setValue(0.8)
    assert model.run(2).hyperparams["betas"] == [0.8, 0.999]
    panel.noise_spin.setValue(0.5)
    assert model.run(2).noise == 0.5
    panel.seed_spin.setValue(7)
    assert model.run(2).seed == 7
    panel.run_list.item(0).setCheckState(QtCore.Qt.CheckState.Unchecked)
    assert model.run(1).enabled is False
    panel.restart_check.setChecked(True)
    assert model.restart_on_edit


def test_invalid_widget_value_is_refused_and_shown(panel, model):
    panel.select_run(2)
    panel.hp_widgets["betas"].spins[0].setValue(1.0)  # torch requires beta1 < 1
    assert model.run(2).hyperparams["betas"] == [0.9, 0.999]
    assert "beta" in panel.error_label.text()
    assert panel.hp_widgets["betas"].spins[0].value() == 0.9  # snapped back


def test_optimizer_switch_rebuilds_the_form(panel, model):
    panel.select_run(1)
    assert set(panel.hp_widgets) == {"lr"}
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    assert model.run(1).optimizer == "sgd"
    assert set(panel.hp_widgets) == {p.name for p in optimizer_def("sgd").params}


@pytest.mark.parametrize("name", le.optimizer_names())
def test_every_hyperparameter_has_a_tooltip(panel, model, name):
    rid = model.add_run(name).id
    panel.select_run(rid)
    for p in optimizer_def(name).params:
        tip = panel.hp_widgets[p.name].toolTip()
        assert len(tip) > 15, (name, p.name, tip)  # a sentence, not a bare name
    assert panel.noise_spin.toolTip() and panel.seed_spin.toolTip()


def test_schedule_choice_builds_a_valid_schedule(panel, model):
    panel.select_run(1)
    idx = panel.schedule_combo.findData("cosine")
    if idx < 0:
        pytest.skip("no cosine schedule in this core")
    panel.schedule_combo.setCurrentIndex(idx)
    r = model.run(1)
    assert r.schedule["name"] == "cosine" and r.build_optimizer().schedule is not None
    assert "T_max" in panel.schedule_widgets




def test_a_surface_change_restarts_the_runs_once_and_a_click_at_the_start_still_restarts(qtbot):
    """A new surface announces its start after itself: the runs are rebuilt once (each
    rebuild refreshes every view). Clicking the start point again after the runs moved
    restarts them, as it always did."""
    model = AppModel.from_dict(scenario_dict(bowl_state()))
    engine = RunEngine(model)
    restarts = []
    engine.restarted.connect(lambda: restarts.append(1))
    model.set_surface("himmelblau")
    assert len(restarts) == 1
    assert all(engine.state(i).step == 0 for i in engine.run_ids())
    engine.single_step()
    assert all(engine.state(i).step == 1 for i in engine.run_ids())
    model.set_start(model.start)  # the same point, clicked again
    assert len(restarts) == 2
    assert all(engine.state(i).step == 0 for i in engine.run_ids())
    model.set_start((0.5, -0.25))
    assert len(restarts) == 3
    assert tuple(engine.stepper(engine.run_ids()[0]).starts[0]) == (0.5, -0.25)
