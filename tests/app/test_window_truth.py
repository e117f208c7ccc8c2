"""One truth on screen: the run table, the status bar, the loss plot and the views show the same
step for the same run, after every way a person changes what is running. Also: the window's keys
work whatever has focus, and the layout holds from 1024×700 up and is remembered."""
import numpy as np
import pytest
from PyQt6 import QtCore, QtWidgets

from landscape_explorer.app.model import SPEED_MAX
from landscape_explorer.app.presets import built_presets
from landscape_explorer.core.scenario import example_names, example_path, load_example

from app_helpers import bowl_state


def settle(qtbot, window, timeout=30000):
    """Until the engine has nothing left to do (caught up, paused or finished) and every
    deferred redraw has run."""
    qtbot.waitUntil(lambda: not window.engine.timer.isActive(), timeout=timeout)
    qtbot.wait(150)  # throttled refreshes (tables redraw at most every 0.1 s) come due


def shown_steps(window):
    """{run id: (table, loss plot, 2D map, 3D view)} as each shows it."""
    out = {}
    table = window.run_table
    for row in range(table.rowCount()):
        name = table.item(row, 1).text()
        rid = next(r.id for r in window.model.runs if r.enabled and r.name == name)
        out[rid] = {"table": int(table.item(row, 2).text().replace(",", ""))}
    for rid, curve in window.loss_plot._curves.items():
        x, _ = curve.getData()
        out.setdefault(rid, {})["loss plot"] = int(x[-1])
    return out


def assert_one_truth(window):
    eng = window.engine
    states = {s.id: s for s in eng.states() if window.model.run(s.id).enabled}
    assert states
    shown = shown_steps(window)
    assert set(shown) == set(states)
    for rid, st in states.items():
        assert shown[rid] == {"table": st.step, "loss plot": st.step}, (rid, shown[rid], st.step)
        key = eng.draw_key(rid)
        assert window.view2d._drawn[rid] == key, "2D map shows another step"
        line, head = window.view2d._paths[rid]
        hx, hy = head.getData()
        at = window.view2d.geometry_.clip_xy(np.array([st.position]))[0]  # kept in the plot
        assert (hx[0], hy[0]) == pytest.approx(tuple(at), abs=1e-9)
        if window.view3d is not None:
            assert window.view3d._drawn[rid][0] == key, "3D view shows another step"
    top = max(s.step for s in states.values())
    assert window.step_label.text() == f"step {top:,} / {window.model.max_steps:,}"


def test_after_file_open(qtbot, window, tmp_path):
    path = tmp_path / "sc.json"
    path.write_text(load_example("local_minimum").to_json())
    assert window.file_actions.open_path(str(path))
    settle(qtbot, window)
    assert {s.step for s in window.engine.states()} == {load_example("local_minimum").steps}
    assert_one_truth(window)


@pytest.mark.parametrize("name", ["saddle_point", "rosenbrock_valley"])
def test_after_file_examples(qtbot, window, name):
    window.file_actions.example_actions[name].trigger()
    settle(qtbot, window)
    assert_one_truth(window)
    assert window.model.surface_name == load_example(name).surface


def test_after_a_preset(qtbot, window):
    panel = window.controls
    idx = panel.preset_combo.findData("bowl_learning_rates")
    panel.preset_combo.activated.emit(idx)
    assert window.model.playing
    qtbot.waitUntil(lambda: window.engine.target_step > 20, timeout=20000)
    window.model.set_playing(False)
    settle(qtbot, window)
    assert_one_truth(window)


def test_after_adding_a_run_while_paused(qtbot, make_window):
    window = make_window(bowl_state(max_steps=5000, speed=2000.0, runs=[
        {"optimizer": "gd", "hyperparams": {"lr": 0.0005}, "color": "#E69F00"},
        {"optimizer": "adam", "hyperparams": {"lr": 0.001}, "color": "#56B4E9"}]))
    window.model.set_playing(True)
    qtbot.waitUntil(lambda: window.engine.target_step >= 300, timeout=20000)
    window.model.set_playing(False)
    settle(qtbot, window)
    paused_at = window.engine.state(1).step
    window.controls.add_run("sgd")
    settle(qtbot, window)
    new = window.model.runs[-1].id
    assert window.engine.state(new).step == paused_at  # caught up with the others, though paused
    assert_one_truth(window)


def test_after_a_restart_at_max_speed(qtbot, window):
    window.model.set_speed(SPEED_MAX)
    window.model.set_playing(True)
    qtbot.waitUntil(lambda: not window.model.playing, timeout=30000)  # ran to the end
    settle(qtbot, window)
    assert_one_truth(window)
    qtbot.keyClick(window.view2d, QtCore.Qt.Key.Key_R)  # reset, then play again at max speed
    window.model.set_playing(True)
    qtbot.waitUntil(lambda: not window.model.playing, timeout=30000)
    settle(qtbot, window)
    assert_one_truth(window)


def test_status_bar_never_runs_ahead_of_the_runs(qtbot, make_window):
    # Both runs converge long before max steps: the status bar shows where they stopped.
    w = make_window(bowl_state(max_steps=100_000, runs=[
        {"optimizer": "gd", "hyperparams": {"lr": 0.2}, "color": "#E69F00"}]))
    w.model.set_speed(SPEED_MAX)
    w.model.set_playing(True)
    qtbot.waitUntil(lambda: not w.model.playing, timeout=30000)
    settle(qtbot, w)
    st = w.engine.state(1)
    assert st.status == "converged" and st.step < 100_000
    assert w.step_label.text() == f"step {st.step:,} / 100,000"


# ------------------------------------------------------------------------------- keys
def _activate(qtbot, window):
    with qtbot.waitActive(window):
        window.activateWindow()


def _focus(qtbot, widget):
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


@pytest.mark.parametrize("where", ["lr field", "max steps field", "optimizer combo",
                                   "speed slider", "play button"])
def test_space_right_r_work_with_focus_anywhere(qtbot, window, where):
    _activate(qtbot, window)
    panel = window.controls
    panel.select_run(1)
    widget = {"lr field": panel.lr_spin, "max steps field": panel.max_steps_spin,
              "optimizer combo": panel.optimizer_combo, "speed slider": panel.speed_slider,
              "play button": panel.play_button}[where]
    _focus(qtbot, widget)
    before_lr = window.model.run(1).hyperparams["lr"]
    before_speed = window.model.speed
    edit = widget.lineEdit() if isinstance(widget, QtWidgets.QAbstractSpinBox) else None
    text = edit.text() if edit is not None else None
    # Through the window system, as a real key press: Qt delivers it to the focus widget.
    keys = window.windowHandle()
    qtbot.keyClick(keys, QtCore.Qt.Key.Key_Space)
    assert window.model.playing
    qtbot.keyClick(keys, QtCore.Qt.Key.Key_Space)
    assert not window.model.playing
    settle(qtbot, window)
    step = window.engine.state(1).step
    qtbot.keyClick(keys, QtCore.Qt.Key.Key_Right)
    assert window.engine.state(1).step == step + 1
    qtbot.keyClick(keys, QtCore.Qt.Key.Key_R)
    assert window.engine.state(1).step == 0
    assert widget.hasFocus()
    # The focused field itself did not change.
    if text is not None:
        assert edit.text() == text
    assert window.model.run(1).hyperparams["lr"] == before_lr
    assert window.model.speed == before_speed
    assert window.model.run(1).optimizer == "gd"


def test_ctrl_s_works_from_a_text_field_and_keys_type_there(qtbot, window, monkeypatch):
    _activate(qtbot, window)
    panel = window.controls
    panel.select_run(1)
    _focus(qtbot, panel.label_edit)
    keys = window.windowHandle()
    for ch in "R un":  # in a name, R and Space are letters
        qtbot.keyClick(keys, ch)
    assert panel.label_edit.text() == "R un" and not window.model.playing
    from landscape_explorer.app.export import dialog

    asked = []
    # Ctrl+S opens the Export dialog (the same export as File > Export); cancel it.
    monkeypatch.setattr(dialog.ExportDialog, "exec",
                        lambda dlg: asked.append(dlg) or QtWidgets.QDialog.DialogCode.Rejected)
    qtbot.keyClick(keys, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1 and asked[0].selected_kind() == "png3d"


# ------------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000), (3840, 2160)])
def test_any_window_size_keeps_a_usable_map_and_a_scrolling_panel(qtbot, make_window, size):
    w = make_window(size=size)
    qtbot.waitUntil(lambda: w.width() <= size[0] + 1)
    assert w.view2d.width() >= 200 and w.view2d.height() >= 200
    panel = w.controls
    inner = panel.widget()
    if inner.sizeHint().height() > panel.viewport().height():
        assert panel.verticalScrollBar().maximum() > 0  # it scrolls, nothing is cut off
    assert panel.horizontalScrollBar().maximum() == 0  # and never sideways


def test_splitter_positions_are_remembered(qtbot, settings, make_window):
    from landscape_explorer.app.main_window import MainWindow

    w = make_window()
    w.top_split.setSizes([500, 600])
    w.top_split.splitterMoved.emit(500, 1)  # as a drag does
    sizes = w.top_split.sizes()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    again.resize(w.size())
    again.show()
    qtbot.waitExposed(again)
    assert again.top_split.sizes() == pytest.approx(sizes, abs=3)


def test_examples_menu_and_presets_are_the_same_list(window):
    combo = window.controls.preset_combo
    items = [combo.itemData(i) for i in range(1, combo.count())]
    # Scenario files, then the presets the app builds (trained networks: presets.built_presets),
    # which no scenario file can hold.
    presets = [d for d in items if isinstance(d, str)]
    assert items[len(presets):] == [("built", p.name) for p in built_presets()]
    assert presets == list(window.file_actions.example_actions) == example_names()
    for name in presets:
        assert example_path(name).endswith(name + ".json")
