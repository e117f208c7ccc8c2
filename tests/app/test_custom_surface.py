"""The "Custom…" surface, on the real window: a formula typed in the field becomes the surface,
a bad one says why in red and leaves the surface alone, hostile text runs nothing, parameter
sliders rebuild the surface, custom surfaces round-trip through scenario files, and the last ten
are remembered."""
import json
import math

import numpy as np
import pytest
from PyQt6 import QtCore

from landscape_explorer.app.panels.controls import CUSTOM
from landscape_explorer.app.panels.custom_surface import ERROR_COLOR, RECENT_KEY, RECENT_MAX
from landscape_explorer.core.scenario import Scenario


def open_custom(w):
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData(CUSTOM))
    assert c.custom_editor.isVisible()
    return c.custom_editor


def type_formula(qtbot, ed, text):
    ed.field.selectAll()
    qtbot.keyClick(ed.field, QtCore.Qt.Key.Key_Delete)
    qtbot.keyClicks(ed.field, text)
    qtbot.waitUntil(lambda: not ed.busy(), timeout=60_000)


def test_choosing_custom_keeps_the_surface_until_a_formula_is_valid(qtbot, window):
    before = window.model.surface
    ed = open_custom(window)
    assert window.model.surface is before
    type_formula(qtbot, ed, "sin(3*x) + y^2")
    s = window.model.surface
    assert s.expression == "sin(3*x) + y^2"
    xy = np.array([[0.3, -0.7], [1.1, 0.4]])
    np.testing.assert_allclose(s.value(xy), np.sin(3 * xy[:, 0]) + xy[:, 1] ** 2, rtol=1e-12)
    assert "sin(3·x)" in ed.pretty_label.text() and "y²" in ed.pretty_label.text()
    assert ed.error_text() == ""
    # The picker still says Custom…, the runs restart on the new surface.
    assert window.controls.surface_combo.currentData() == CUSTOM
    window.engine.run_until_done()
    st = window.engine.state(window.model.runs[0].id)
    assert math.isclose(st.loss, float(s.value(st.position[None])[0]), rel_tol=1e-9)
    # Another surface, then Custom… again: the formula typed last comes back.
    window.controls.surface_combo.setCurrentIndex(window.controls.surface_combo.findData("bowl"))
    assert window.model.surface_name == "bowl" and not ed.isVisible()
    open_custom(window)
    qtbot.waitUntil(lambda: not ed.busy(), timeout=60_000)
    assert window.model.surface is s


@pytest.mark.parametrize("text", ["x +* y", "sin(x", "foo(x)", "x ** y ** "],
                         ids=["operator", "paren", "function", "trailing"])
def test_invalid_formula_shows_one_red_line_and_keeps_the_last_valid_surface(qtbot, window,
                                                                              text):
    ed = open_custom(window)
    type_formula(qtbot, ed, "x^2 + 2*y^2")
    valid = window.model.surface
    type_formula(qtbot, ed, text)
    assert window.model.surface is valid
    msg = ed.error_text()
    assert msg and "\n" not in msg
    assert ed.error_label.isVisible() and "\n" not in ed.error_label.text()
    assert ERROR_COLOR in ed.error_label.styleSheet()
    # Fixing the text clears the error.
    type_formula(qtbot, ed, "x^2 + 3*y^2")
    assert ed.error_text() == "" and not ed.error_label.isVisible()
    assert window.model.surface.expression == "x^2 + 3*y^2"


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch {marker}')", "9**9**9", "().__class__", "x.real",
    "(lambda: 1)()", "(" * 300 + "x" + ")" * 300, "x" + "+x" * 600,
], ids=["import", "power_tower", "dunder", "attribute", "lambda", "nesting", "length"])
def test_hostile_text_is_refused_without_side_effects(qtbot, window, tmp_path, text):
    marker = tmp_path / "pwned"
    ed = open_custom(window)
    before = window.model.surface
    ed.field.setText(text.format(marker=marker))
    ed.parse_now()
    qtbot.waitUntil(lambda: not ed.busy(), timeout=60_000)
    assert window.model.surface is before
    assert ed.error_text()
    assert not marker.exists()


def test_parameters_are_the_formulas_other_names_in_reading_order():
    from landscape_explorer.app.panels.custom_surface import formula_parameters

    assert formula_parameters("b*x^2 + a*y + sin(k*x) + e + pi*b") == ["b", "a", "k"]
    assert formula_parameters("__import__('os')") == []
    assert formula_parameters("x +* y") == []


def test_a_parameter_slider_changes_the_surface(qtbot, window):
    ed = open_custom(window)
    type_formula(qtbot, ed, "a*x^2 + y^2")
    assert list(ed.rows) == ["a"]
    assert window.model.surface_params == {"a": 1.0}
    row = ed.rows["a"]
    first = window.model.surface
    redrawn = []
    window.model.surfaceChanged.connect(redrawn.append)
    row.slider.setValue(row.slider.to_int(2.5))  # as a drag ends there
    qtbot.waitUntil(lambda: window.model.surface_params.get("a") == 2.5 and not ed.busy(),
                    timeout=60_000)
    assert redrawn
    s = window.model.surface
    assert s is not first and s.expression == "a*x^2 + y^2"
    np.testing.assert_allclose(s.value(np.array([[1.0, 0.5]])), [2.5 + 0.25], rtol=1e-12)
    assert row.spin.value() == 2.5
    assert "2.5" in ed.pretty_label.text()
    # The number field moves the slider and the surface too.
    row.spin.setValue(-1.0)
    qtbot.waitUntil(lambda: window.model.surface_params.get("a") == -1.0 and not ed.busy(),
                    timeout=60_000)
    np.testing.assert_allclose(window.model.surface.value(np.array([[1.0, 0.5]])), [-0.75])
    assert row.slider.float_value() == pytest.approx(-1.0)


def test_custom_surface_round_trips_through_a_scenario_file(qtbot, window, make_window, tmp_path):
    ed = open_custom(window)
    type_formula(qtbot, ed, "a*x^2 + sin(b*y)")
    ed.rows["b"].spin.setValue(3.0)
    qtbot.waitUntil(lambda: window.model.surface_params.get("b") == 3.0 and not ed.busy(),
                    timeout=60_000)
    # Default file names are plain words, never the formula's / or *.
    assert window.model.file_stem == "custom_surface"
    path = tmp_path / "custom.json"
    path.write_text(window.model.scenario().to_json())
    d = json.loads(path.read_text())
    assert d["surface"]["name"] == "a*x^2 + sin(b*y)"
    assert d["surface"]["params"] == {"a": 1.0, "b": 3.0}

    other = make_window()
    other.model.set_scenario(Scenario.from_json(path.read_text()))
    assert other.model.surface_params == {"a": 1.0, "b": 3.0}
    np.testing.assert_allclose(other.model.surface.value(np.array([[2.0, 0.5]])),
                               [4.0 + math.sin(1.5)], rtol=1e-12)
    oed = other.controls.custom_editor
    assert oed.isVisible() and oed.field.text() == "a*x^2 + sin(b*y)"
    assert {n: r.value() for n, r in oed.rows.items()} == {"a": 1.0, "b": 3.0}
    # A built-in surface's file has no params; a bad params value names its field.
    assert "params" not in Scenario(surface="bowl").to_dict()["surface"]
    bad = dict(d, surface=dict(d["surface"], params={"a": "one", "b": 3}))
    with pytest.raises(ValueError, match=r"surface\.params\.a"):
        Scenario.from_dict(bad)


def test_recent_formulas_are_remembered_most_recent_first_and_capped_at_ten(
        qtbot, window, settings):
    ed = open_custom(window)
    texts = [f"x^2 + {i}*y^2" for i in range(1, RECENT_MAX + 3)]
    for t in texts:
        type_formula(qtbot, ed, t)
        ed.field.editingFinished.emit()  # Enter, or the field losing focus
    recent = ed.recent()
    assert len(recent) == RECENT_MAX
    assert [r["text"] for r in recent] == texts[::-1][:RECENT_MAX]
    assert len(json.loads(settings.value(RECENT_KEY))) == RECENT_MAX
    # Using one again moves it to the front, once.
    ed.use_recent(recent[3])
    qtbot.waitUntil(lambda: not ed.busy(), timeout=60_000)
    assert window.model.surface.expression == recent[3]["text"]
    ed.field.editingFinished.emit()
    again = [r["text"] for r in ed.recent()]
    assert again[0] == recent[3]["text"] and len(again) == RECENT_MAX == len(set(again))
    # The menu offers them.
    ed.recent_menu.aboutToShow.emit()
    assert [a.text() for a in ed.recent_menu.actions()] == again


def test_a_new_formula_plays_without_freezing_for_the_compiler(window, qtbot, monkeypatch):
    """Typing a formula never seen before: the runs are rebuilt at once (nothing compiled on the
    UI thread), a timer tick while numba compiles the gradient in the background leaves them
    at their step instead of waiting, and they move once it is ready."""
    from landscape_explorer.core import fused

    if not fused.available():
        pytest.skip("numba is not installed: nothing is compiled")
    monkeypatch.delenv("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER", raising=False)
    m, engine = window.model, window.engine
    m.set_surface("sin(3*x) + 0.5*x**2 + 0.5*y**2 + 0.000321*x*y")
    rid = engine.run_ids()[0]
    st = engine.stepper(rid)
    assert st.step == 0 and not st.ready()  # the compile has only just started
    m.set_playing(True)
    engine.tick()  # returns without waiting for it
    assert st.step == 0
    qtbot.waitUntil(lambda: engine.stepper(rid).step > 0, timeout=120_000)
    m.set_playing(False)
