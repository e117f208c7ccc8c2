"""The control panel as a person uses it: a stray wheel changes nothing, typed numbers beyond a
limit are refused out loud, forms come from the optimizer registry, and the model and the
widgets follow each other both ways (napari style)."""
import math

import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.app.model import AppModel
from landscape_explorer.app.panels.controls import HyperParamField, hyperparam_kind
from landscape_explorer.core.optimizers import HyperParam, optimizer_def

from app_helpers import active_control_panel, bowl_state, scenario_dict

EDITABLE = (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider)


@pytest.fixture
def model():
    return AppModel.from_dict(scenario_dict(bowl_state()))


@pytest.fixture
def panel(qtbot, model):
    # Smaller than its content: the panel scrolls.
    return active_control_panel(qtbot, model, 360, 420)


def _value(w):
    if isinstance(w, QtWidgets.QComboBox):
        return w.currentIndex()
    if isinstance(w, QtWidgets.QAbstractSpinBox):
        return w.text()
    return w.value()


def _wheel(w, up=False):
    pos = QtCore.QPointF(w.width() / 2, w.height() / 2)
    delta = QtCore.QPoint(0, 120 if up else -120)
    ev = QtGui.QWheelEvent(pos, w.mapToGlobal(pos), QtCore.QPoint(0, 0), delta,
                           QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                           QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(w, ev)


def _editable_widgets(panel):
    return [w for w in panel.widget().findChildren(QtWidgets.QWidget)
            if isinstance(w, EDITABLE) and w.isVisibleTo(panel) and w.isEnabled()
            and not isinstance(w, QtWidgets.QScrollBar)]


def test_wheel_without_focus_changes_no_control_and_scrolls_the_panel(qtbot, panel, model):
    panel.select_run(2)  # Adam: check boxes, a pair, floats in the form
    widgets = _editable_widgets(panel)
    kinds = {type(w).__name__ for w in widgets}
    assert {"QComboBox", "SciSpinBox", "IntSpinBox", "LogSlider"} <= kinds, kinds
    panel.setFocus()
    before_model = model.to_dict()
    bar = panel.verticalScrollBar()
    assert bar.maximum() > 0
    for w in widgets:
        assert not w.hasFocus()
        before = _value(w)
        bar.setValue(bar.maximum() // 2)
        scroll_before = bar.value()
        _wheel(w, up=False)
        _wheel(w, up=True)
        _wheel(w, up=True)
        assert _value(w) == before, (type(w).__name__, w.toolTip()[:40])
        assert bar.value() != scroll_before, type(w).__name__  # the wheel scrolled instead
    assert model.to_dict() == before_model


def test_wheel_with_focus_changes_the_control(qtbot, panel, model):
    sp = panel.max_steps_spin
    sp.setFocus()
    qtbot.waitUntil(sp.hasFocus)
    _wheel(sp, up=True)
    assert model.max_steps == 300 + sp.singleStep()


def test_resolution_typed_beyond_the_limit_says_so(qtbot, panel, model):
    sp = panel.resolution_spin
    sp.setFocus()
    sp.lineEdit().selectAll()
    qtbot.keyClicks(sp.lineEdit(), "5000")
    assert sp.lineEdit().text() == "5000"  # not silently cut to four digits of a max
    qtbot.keyClick(sp.lineEdit(), QtCore.Qt.Key.Key_Return)
    assert "out of range" in panel.error_label.text() and "1,000" in panel.error_label.text()
    assert model.resolution == 80 and sp.value() == 80


def test_enter_commits_a_number_and_space_does_not_blank_it(qtbot, panel, model):
    panel.select_run(1)
    sp = panel.lr_spin
    sp.setFocus()
    sp.lineEdit().selectAll()
    qtbot.keyClicks(sp.lineEdit(), "0.25")
    qtbot.keyClick(sp.lineEdit(), QtCore.Qt.Key.Key_Return)
    assert model.run(1).hyperparams["lr"] == 0.25
    sp.lineEdit().selectAll()
    qtbot.keyClick(sp.lineEdit(), QtCore.Qt.Key.Key_Space)
    assert sp.lineEdit().text() == "0.25"


# ------------------------------------------------------------------------------- forms
def test_form_fields_follow_the_registry_ranges():
    p = HyperParam("lr", 0.01, "Learning rate: how far each step goes.", low=0.0, low_open=True,
                   scale="log", typical=(1e-4, 1.0))
    f = HyperParamField(p)
    assert f.slider is not None and f.slider.log
    assert (f.slider.lo, f.slider.hi) == (1e-4, 1.0)  # the slider spans the typical values
    assert f.spins[0].minimum() == 0.0 and f.spins[0].maximum() > 1e9  # the field: all valid
    assert f.spins[0].log_steps
    m = HyperParam("momentum", 0.0, "Momentum factor.", low=0.0)  # no upper bound, no span
    f = HyperParamField(m)
    assert f.slider is None and f.spins[0].minimum() == 0.0 and f.spins[0].maximum() > 1e9
    c = HyperParam("cooling", 0.99, "Cooling factor.", low=0.0, high=1.0, high_open=True,
                   scale="linear")
    f = HyperParamField(c)
    assert f.slider is not None and not f.slider.log and (f.slider.lo, f.slider.hi) == (0, 1)
    assert "< 1" in f.toolTip()
    b = HyperParam("betas", (0.9, 0.999), "Decay rates.", kind="pair", low=0.0, high=1.0,
                   high_open=True)
    f = HyperParamField(b)
    assert len(f.spins) == 2 and all(sp.maximum() == 1.0 for sp in f.spins)
    t = HyperParam("amsgrad", False, "Use the AMSGrad variant.", kind="bool")
    assert HyperParamField(t).check is not None
    n = HyperParam("patience", 20, "Steps to wait.", kind="int", low=1)
    f = HyperParamField(n)
    assert isinstance(f.spins[0], QtWidgets.QSpinBox) and f.spins[0].minimum() == 1


def test_a_log_slider_moves_the_value_on_a_log_scale(qtbot):
    p = HyperParam("lr", 0.01, "Learning rate.", low=0.0, low_open=True, scale="log",
                   typical=(1e-4, 1.0))
    f = HyperParamField(p)
    got = []
    f.edited.connect(got.append)
    f.slider.setValue(f.slider.maximum() // 2)
    assert got[-1] == pytest.approx(1e-2, rel=0.01)  # the middle of 1e-4..1 in log space


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "perturbed_gd"])
def test_every_registry_field_gets_a_widget_of_its_kind(panel, model, name):
    rid = model.add_run(name).id
    panel.select_run(rid)
    for p in optimizer_def(name).params:
        w = panel.hp_widgets[p.name]
        kind = hyperparam_kind(p)
        assert w.kind == kind
        if kind == "bool":
            assert w.check.isChecked() == bool(model.run(rid).hyperparams[p.name])
        elif kind != "pair":
            assert math.isclose(w.spins[0].value(), model.run(rid).hyperparams[p.name])


def test_momentum_is_not_capped_at_one(panel, model):
    model.update_run(1, optimizer="sgd")
    panel.select_run(1)
    panel.hp_widgets["momentum"].spins[0].setValue(1.5)
    assert model.run(1).hyperparams["momentum"] == 1.5
    assert panel.hp_widgets["momentum"].spins[0].value() == 1.5


# ------------------------------------------------------------------------------- both ways
def test_model_to_widgets_both_ways_for_surface_settings(qtbot, panel, model):
    model.set_resolution(120)
    assert panel.resolution_spin.value() == 120
    panel.resolution_spin.setValue(64)
    assert model.resolution == 64
    model.set_z_mode("log")
    assert panel.z_mode_combo.currentText() == "log"
    panel.z_mode_combo.setCurrentText("linear")
    assert model.z_mode == "linear"
    model.set_surface("rosenbrock")
    assert panel.z_mode_combo.currentText() == "auto"  # Rosenbrock has no choice yet
    panel.select_run(1)
    model.update_run(1, hyperparams={"lr": 0.125})
    assert panel.lr_spin.value() == 0.125


def test_renaming_in_the_panel_survives_an_optimizer_change(qtbot, panel, model):
    panel.select_run(1)
    panel.label_edit.setFocus()
    panel.label_edit.selectAll()
    qtbot.keyClicks(panel.label_edit, "slow one")
    qtbot.keyClick(panel.label_edit, QtCore.Qt.Key.Key_Return)
    assert model.run(1).label == "slow one"
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    assert model.run(1).optimizer == "sgd" and model.run(1).name == "slow one"
    assert panel.label_edit.text() == "slow one"
    assert panel.run_list.item(0).text() == "slow one"
    panel.label_edit.clear()
    panel.label_edit.editingFinished.emit()
    assert panel.run_list.item(0).text() == model.run(1).auto_name  # back to automatic
    assert panel.label_edit.placeholderText() == model.run(1).auto_name
