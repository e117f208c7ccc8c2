"""Hostile values typed, key by key as a person would, into every number field the app has: the
control panel (bounds, start, max steps, resolution, every hyperparameter, noise, clip, seed), the
custom surface's parameter fields, the analysis tabs and the export dialog. Each is refused with
the red one-line message (where the panel has one) or not taken at all; the value stays what it
was, and nothing non-finite reaches the model."""
import json
import math

import pytest
from PyQt6 import QtCore, QtWidgets

from landscape_explorer.app.model import AppModel
from landscape_explorer.app.panels.controls import CUSTOM
from landscape_explorer.app.panels.widgets import IntSpinBox, SciSpinBox

from app_helpers import active_control_panel, bowl_state, scenario_dict

HOSTILE_FLOAT = ["1e400", "-1e400", "1" * 400, "", "1e", "-"]
# An integer field takes no letter or point at all (its keys are ignored): these can be typed.
HOSTILE_INT = ["1" * 400, "-" + "9" * 400, "", "-"]


@pytest.fixture
def model():
    return AppModel.from_dict(scenario_dict(bowl_state()))


@pytest.fixture
def panel(qtbot, model):
    return active_control_panel(qtbot, model, 380, 900)


def type_into(qtbot, sp, text):
    sp.setFocus()
    sp.lineEdit().selectAll()
    qtbot.keyClick(sp.lineEdit(), QtCore.Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(sp.lineEdit(), text)
    qtbot.keyClick(sp.lineEdit(), QtCore.Qt.Key.Key_Return)


def assert_model_finite(model):
    text = json.dumps(model.to_dict(), allow_nan=False)  # ValueError on any nan or inf
    assert "Infinity" not in text


def number_fields(panel):
    return [w for w in panel.widget().findChildren(QtWidgets.QAbstractSpinBox)
            if isinstance(w, (SciSpinBox, IntSpinBox)) and w.isVisibleTo(panel) and w.isEnabled()]


@pytest.mark.parametrize("run_id", [1, 2], ids=["gd", "adam"])
def test_every_control_field_refuses_hostile_numbers_out_loud(qtbot, panel, model, run_id):
    panel.select_run(run_id)
    fields = number_fields(panel)
    assert len(fields) >= 8
    for sp in fields:
        for text in HOSTILE_FLOAT if isinstance(sp, SciSpinBox) else HOSTILE_INT:
            if not sp.isVisibleTo(panel):
                break
            before = sp.value()
            panel.show_error("")
            type_into(qtbot, sp, text)
            msg = panel.error_label.text()
            assert msg and "\n" not in msg and len(msg) < 200, (sp.toolTip(), text, msg)
            assert "Traceback" not in msg and "Overflow" not in msg
            assert sp.value() == before and math.isfinite(sp.value()), (sp.toolTip(), text)
            assert_model_finite(model)
    # The messages name the field and say what was wrong.
    type_into(qtbot, panel.max_steps_spin, "9" * 400)
    assert panel.error_label.text().startswith("Max steps: a number of 400 digits is out of range")
    type_into(qtbot, panel.start_x, "1e400")
    assert panel.error_label.text() == "Start: '1e400' is not a finite number"
    type_into(qtbot, panel.bound_spins[0], "")
    assert panel.error_label.text() == "Bounds x min: empty: type a number"


def test_minus_zero_is_zero(qtbot, panel, model):
    type_into(qtbot, panel.start_x, "-0")
    assert model.start[0] == 0.0 and math.copysign(1.0, model.start[0]) == 1.0
    assert panel.start_x.text() == "0"


def test_a_lone_surrogate_label_is_refused_in_one_line(qtbot, panel, model):
    panel.select_run(1)
    panel.label_edit.setText("bad \ud800 name")  # as a paste of broken UTF-16 would give it
    panel.label_edit.editingFinished.emit()
    assert "lone surrogate U+D800" in panel.error_label.text()
    assert model.run(1).label == ""


def test_custom_surface_parameter_field_refuses_hostile_numbers(qtbot, make_window):
    w = make_window()
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData(CUSTOM))
    ed = c.custom_editor
    ed.field.selectAll()
    qtbot.keyClick(ed.field, QtCore.Qt.Key.Key_Delete)
    qtbot.keyClicks(ed.field, "a*x^2 + y^2")
    qtbot.waitUntil(lambda: not ed.busy() and "a" in ed.rows, timeout=60000)
    spin = ed.rows["a"].spin
    for text in ("1e400", "9" * 400, ""):
        type_into(qtbot, spin, text)
        assert ed.error_text(), text
        assert ed.rows["a"].value() == 1.0
        assert_model_finite(w.model)


@pytest.mark.parametrize("tab,fields", [
    ("basins_tab", ["basins_res", "basins_steps"]),
    ("cloud_tab", ["cloud_n", "cloud_sigma", "restarts_k"]),
])
def test_analysis_fields_refuse_hostile_numbers_out_loud(qtbot, make_window, tab, fields):
    w = make_window()
    w.analysis.dock.show()
    t = getattr(w.analysis, tab)
    for name in fields:
        sp = getattr(t, name)
        for text in HOSTILE_FLOAT if isinstance(sp, SciSpinBox) else HOSTILE_INT:
            before = sp.value()
            type_into(qtbot, sp, text)
            labels = [lab.text() for lab in t.findChildren(QtWidgets.QLabel)
                      if lab.styleSheet().startswith("color: #ff6b5a")]
            assert any(labels) and all("\n" not in s for s in labels), (name, text, labels)
            assert sp.value() == before and math.isfinite(sp.value())


def test_export_dialog_fields_take_no_hostile_number(qtbot, make_window):
    # Qt's own spin boxes (with " px" and " fps" suffixes): letters are not taken at all and a
    # number beyond the range is not accepted, so no non-finite or huge value can get through.
    from landscape_explorer.app.export.dialog import ExportDialog

    w = make_window()
    dialog = ExportDialog(w)
    qtbot.addWidget(dialog)
    spins = dialog.findChildren(QtWidgets.QAbstractSpinBox)
    assert len(spins) == 4
    for sp in spins:
        for text in ("nan", "1" * 400, "-0", ""):
            before = sp.value()
            sp.lineEdit().setFocus()
            sp.lineEdit().selectAll()
            qtbot.keyClicks(sp.lineEdit(), text)
            qtbot.keyClick(sp.lineEdit(), QtCore.Qt.Key.Key_Return)
            sp.clearFocus()
            v = sp.value()
            assert math.isfinite(v) and sp.minimum() <= v <= sp.maximum(), (text, v)
            if text in ("nan", "-0", ""):
                assert v == before, (text, v)
