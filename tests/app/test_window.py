"""The main window with real OpenGL (Mesa under pytest-xvfb): clicks set the start point, runs
draw in their colors, split mode, live edits, divergence, shortcuts, settings. Qt warnings fail
the run (qt_log_level_fail = WARNING in pyproject)."""
import json
import time

import numpy as np
import pytest
from PyQt6 import QtCore, QtGui

from app_helpers import bowl_state, color_pixels

LEFT = QtCore.Qt.MouseButton.LeftButton


def run_to(window, steps, timeout=10.0):
    """Play until every enabled run reached ``steps`` (through the real timer)."""
    window.model.set_max_steps(max(window.model.max_steps, steps))
    window.model.set_speed(1e9)
    window.engine._target = float(steps)
    window.engine._wake()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        states = window.engine.states()
        if all(s.step >= steps or s.done for s in states):
            break
        QtCore.QCoreApplication.processEvents()
        time.sleep(0.005)
    QtCore.QCoreApplication.processEvents()


def test_window_opens_with_title_and_views(window):
    assert "Bowl" in window.windowTitle()
    assert window.view3d is not None and window.view3d.isValid()
    assert window.view2d.isVisible() and window.loss_plot.isVisible()
    assert window.file_menu.actions()[0] is window.save_png_action


def test_click_on_2d_sets_start_and_restarts_runs(qtbot, window):
    run_to(window, 20)
    target = (0.7, -0.4)
    pos = window.view2d.view_to_widget(*target)
    qtbot.mouseClick(window.view2d.viewport(), LEFT, pos=pos)
    cell = 4.0 / (window.model.resolution - 1)
    assert window.model.start == pytest.approx(target, abs=cell)
    for s in window.engine.states():
        assert s.step == 0
        np.testing.assert_allclose(s.position, window.model.start)
        steps, path, _ = window.engine.history(s.id)
        np.testing.assert_allclose(path[0], window.model.start)


@pytest.mark.parametrize("target", [(0.6, -0.9), (-1.2, 1.4), (1.5, 1.5)])
def test_click_on_3d_sets_start_at_the_surface_point_under_the_cursor(qtbot, window, target):
    v = window.view3d
    geo = v.geometry_
    z = float(geo.z_at(np.array(target)))
    px, py = v.project((target[0], target[1], z))
    qtbot.mouseClick(v, LEFT, pos=QtCore.QPoint(round(px), round(py)))
    assert window.model.start == pytest.approx(target, abs=geo.cell)
    # The ray cast agrees with the projection to well under a pixel's worth of surface.
    hit = v.surface_point_at(px, py)
    assert hit == pytest.approx(target, abs=geo.cell / 4)
    for s in window.engine.states():
        assert s.step == 0
        np.testing.assert_allclose(s.position, window.model.start)


def test_drag_orbits_instead_of_setting_start(qtbot, window):
    v = window.view3d
    before = window.model.start
    az = v.opts["azimuth"]
    c = QtCore.QPoint(v.width() // 2, v.height() // 2)
    qtbot.mousePress(v, LEFT, pos=c)
    ev = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, QtCore.QPointF(c.x() + 60, c.y()),
                           QtCore.QPointF(v.mapToGlobal(QtCore.QPoint(c.x() + 60, c.y()))),
                           LEFT, LEFT, QtCore.Qt.KeyboardModifier.NoModifier)
    QtCore.QCoreApplication.sendEvent(v, ev)
    qtbot.mouseRelease(v, LEFT, pos=QtCore.QPoint(c.x() + 60, c.y()))
    assert v.opts["azimuth"] != az
    assert window.model.start == before


def test_shift_drag_moves_start_point(qtbot, window):
    v = window.view3d
    geo = v.geometry_
    a = v.project((0.0, 0.0, float(geo.z_at(np.array([0.0, 0.0])))))
    b = v.project((1.0, -1.0, float(geo.z_at(np.array([1.0, -1.0])))))
    shift = QtCore.Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(v, LEFT, shift, QtCore.QPoint(round(a[0]), round(a[1])))
    assert window.model.start == pytest.approx((0, 0), abs=geo.cell)
    ev = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, QtCore.QPointF(*b),
                           QtCore.QPointF(v.mapToGlobal(QtCore.QPointF(*b))), LEFT, LEFT, shift)
    QtCore.QCoreApplication.sendEvent(v, ev)
    qtbot.mouseRelease(v, LEFT, shift, QtCore.QPoint(round(b[0]), round(b[1])))
    assert window.model.start == pytest.approx((1.0, -1.0), abs=geo.cell)


def _path_pixels(view, path, size):
    """Pixel positions of path points, in a frame rendered at ``size`` (same aspect)."""
    sx, sy = size[0] / view.width(), size[1] / view.height()
    geo = view.geometry_
    verts = geo.trail_vertices(path, len(path) * 20 + 2)
    pts = []
    for x, y, z in verts[: len(verts) // 2]:  # the first half: the head's ball sits at the end
        px, py = view.project((x, y, z))
        pts.append((px * sx, py * sy))
    return pts


def _colors_near(frame, pts, color, radius=4):
    mask = color_pixels(frame, color)
    h, w = mask.shape
    hits = 0
    for px, py in pts:
        x, y = int(round(px)), int(round(py))
        if 0 <= x < w and 0 <= y < h and mask[max(0, y - radius):y + radius + 1,
                                              max(0, x - radius):x + radius + 1].any():
            hits += 1
    return hits / max(len(pts), 1)


def test_runs_draw_in_their_colors_where_their_paths_are(qtbot, make_window):
    # On the bowl gradient descent heads straight for the origin while Adam's first steps go
    # diagonally (it follows the gradient's sign): from this start their paths stay apart.
    state = bowl_state(start=[-1.6, -0.5], runs=[
        {"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.01}, "color": "#E69F00"},
        {"id": 2, "optimizer": "adam", "hyperparams": {"lr": 0.02}, "color": "#CC79A7"},
    ])
    window = make_window(state)
    run_to(window, 60)
    v = window.view3d
    size = (v.width(), v.height())
    frame = v.render_array(*size)
    assert frame.shape == (size[1], size[0], 4)
    assert frame[..., :3].std() > 10  # not a blank frame
    for spec in window.model.runs:
        _, path, _ = window.engine.history(spec.id)
        assert len(path) > 10
        frac = _colors_near(frame, _path_pixels(v, path, size), spec.color)
        assert frac > 0.6, (spec.name, frac)
        assert color_pixels(frame, spec.color).sum() > 30
    # The 2D view draws the same colors.
    img = window.view2d.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_ARGB32)
    arr = np.frombuffer(img.constBits().asstring(img.sizeInBytes()), np.uint8).reshape(
        img.height(), img.bytesPerLine() // 4, 4)
    for spec in window.model.runs:
        assert color_pixels(arr, spec.color, tol=10).sum() > 20, spec.name


def test_render_image_any_size(window):
    img = window.view3d.render_image(1600, 1000)
    assert (img.width(), img.height()) == (1600, 1000)
    assert not img.isNull()


def test_split_mode_one_view_per_run_with_synced_cameras(qtbot, window):
    run_to(window, 40)
    window.model.set_split(True)
    sv = window.split_view
    assert sv is not None and window.stack3d.currentWidget() is sv
    assert sorted(sv.views) == [1, 2]
    for v in sv.views.values():
        qtbot.waitExposed(v)
    qtbot.wait(50)
    a, b = sv.views[1], sv.views[2]
    a.orbit(25, 5)
    assert b.camera_state() == a.camera_state()
    fa = a.render_array(a.width(), a.height())
    spec1, spec2 = window.model.run(1), window.model.run(2)
    assert color_pixels(fa, spec1.color).sum() > 10
    assert color_pixels(fa, spec2.color).sum() == 0  # each view shows only its run
    window.model.update_run(2, enabled=False)
    assert sorted(sv.views) == [1]
    window.model.set_split(False)
    assert window.stack3d.currentWidget() is window.view3d
    assert window.split_view is None


def test_live_learning_rate_edit_applies_from_next_step(qtbot, window):
    window.model.set_max_steps(100000)
    window.model.set_speed(300)
    window.model.set_playing(True)
    qtbot.waitUntil(lambda: window.engine.state(1).step >= 20, timeout=5000)
    window.controls.select_run(1)
    window.controls.lr_spin.setValue(0.001)
    st = window.engine.stepper(1)
    assert st.optimizer.hyperparams["lr"] == 0.001
    window.model.set_playing(False)
    qtbot.wait(50)  # a tick already queued when play stopped may still run: let it
    step_at_edit = st.step
    p_before = st.positions[0].copy()
    window.engine.single_step()
    # A single step brings every run to the furthest one's step + 1, so under load (when the
    # runs' last ticks went unevenly) run 1 may take a few steps to catch up: each with the new lr.
    taken = st.step - step_at_edit
    assert taken >= 1  # continued from where it was (a restart would put it back at the start)
    # gd on the bowl: p <- p - lr * 2p, with the new lr.
    np.testing.assert_allclose(st.positions[0], p_before * (1 - 2 * 0.001) ** taken, rtol=1e-12)


def test_restart_on_edit_restarts_the_run(qtbot, window):
    run_to(window, 50)
    window.model.set_restart_on_edit(True)
    old = window.engine.stepper(1)
    window.model.set_hyperparam(1, "lr", 0.05)
    st = window.engine.stepper(1)
    assert st is not old and st.optimizer.hyperparams["lr"] == 0.05
    steps, path, _ = window.engine.history(1)
    np.testing.assert_allclose(path[0], window.model.start)
    # It catches up with the others at the same step, from scratch with the new lr.
    qtbot.waitUntil(lambda: window.engine.state(1).step == window.engine.state(2).step,
                    timeout=5000)


def test_diverging_run_ends_diverged_without_errors(qtbot, make_window):
    window = make_window(bowl_state(max_steps=5000, runs=[
        {"id": 1, "optimizer": "gd", "hyperparams": {"lr": 1.5}, "color": "#D55E00"},
        {"id": 2, "optimizer": "gd", "hyperparams": {"lr": 0.1}, "color": "#0072B2"},
    ]))
    window.model.set_speed(1e9)
    with qtbot.waitSignal(window.engine.finished, timeout=10000):
        window.model.set_playing(True)
    s = window.engine.state(1)
    assert s.status == "diverged" and s.done
    assert np.isfinite(s.position).all()
    assert not window.model.playing
    assert window.run_table.row_texts(1)["Verdict"].endswith("diverged")
    # Nothing non-finite reached a GL item.
    for items in window.view3d._trails.values():
        for item in items:
            assert np.isfinite(item.pos).all()
    frame = window.view3d.render_array(320, 200)
    assert frame[..., :3].std() > 5


def test_stepping_is_split_into_ticks_within_the_step_budget(monkeypatch, make_window):
    """However fast the requested speed, one timer tick only steps for the engine's budget
    (STEP_BUDGET_S) and the rest waits for later ticks, so the event loop keeps running.
    Measured on a simulated clock where every step costs COST: deterministic, no wall time."""
    import landscape_explorer as le
    from landscape_explorer.app import runs as runs_mod

    # A tiny learning rate: no run converges (and stops stepping) during the test.
    runs = [{"id": i + 1, "optimizer": opt, "hyperparams": {"lr": 1e-6}}
            for i, opt in enumerate(["gd", "sgd", "adam", "rmsprop", "adagrad", "nadam"])]
    window = make_window(bowl_state(max_steps=10_000_000, runs=runs))
    runs_mod.start_warm_up()  # what the window starts after its first frame
    assert runs_mod._warm_done.wait(60)

    COST = 1e-4  # simulated seconds per step
    clock = {"t": 1000.0}
    monkeypatch.setattr(runs_mod, "time", type("FakeTime", (), {
        "perf_counter": staticmethod(lambda: clock["t"])}))
    real_advance = le.Stepper.advance

    def advance(self, k=1):
        real_advance(self, k)
        clock["t"] += k * COST

    monkeypatch.setattr(le.Stepper, "advance", advance)

    engine = window.engine
    window.model.set_speed(1e9)  # as fast as it can
    window.model.set_playing(True)
    per_tick = []
    for _ in range(30):  # direct calls: no real timer tick runs in between
        before = sum(s.step for s in engine.states())
        t0 = clock["t"]
        engine.tick()
        per_tick.append((sum(s.step for s in engine.states()) - before, clock["t"] - t0))
    window.model.set_playing(False)
    n = len(runs)
    # Every tick made progress, none went past the budget (by more than the one step per run
    # the last round may start with a sliver of budget left) ...
    assert all(steps > 0 for steps, _ in per_tick), per_tick
    assert all(spent <= runs_mod.STEP_BUDGET_S + n * COST + 1e-12 for _, spent in per_tick), per_tick
    assert all(steps <= runs_mod.STEP_BUDGET_S / COST + n for steps, _ in per_tick), per_tick
    # ... so the far target is reached over many ticks, not in one blocking call.
    assert all(not s.done for s in engine.states())
    assert engine.state(1).step < 30 * (runs_mod.STEP_BUDGET_S / COST + n)
    assert engine.target_step == 10_000_000


def test_keyboard_shortcuts(qtbot, window):
    with qtbot.waitActive(window):  # window shortcuts need the active window
        window.activateWindow()
    window.view3d.setFocus()
    handle = window.view3d
    qtbot.keyClick(handle, QtCore.Qt.Key.Key_Space)
    assert window.model.playing
    qtbot.keyClick(handle, QtCore.Qt.Key.Key_Space)
    assert not window.model.playing
    step = window.engine.state(1).step
    qtbot.keyClick(handle, QtCore.Qt.Key.Key_Right)
    assert window.engine.state(1).step == step + 1
    qtbot.keyClick(handle, QtCore.Qt.Key.Key_R)
    assert window.engine.state(1).step == 0
    assert window.save_png_action.shortcut().toString() == "Ctrl+S"
    assert window.play_action.shortcut().toString() == "Space"
    assert window.step_action.shortcut().toString() == "Right"
    assert window.reset_action.shortcut().toString() == "R"


def test_save_png(tmp_path, window):
    run_to(window, 30)
    path = tmp_path / "view.png"
    assert window.save_png_to(str(path))
    img = QtGui.QImage(str(path))
    assert img.width() > 100 and img.height() > 100


def test_settings_restore_layout_and_model(qtbot, settings, make_window):
    from landscape_explorer.app.main_window import MainWindow

    window = make_window()
    window.model.set_start((0.3, 0.4))
    window.model.set_colormap("magma")
    window.close()
    saved = json.loads(settings.value("model"))
    assert saved["view"]["colormap"] == "magma"  # the scenario file format
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.model.start == (0.3, 0.4)
    assert again.model.colormap == "magma"
    assert [r.optimizer for r in again.model.runs] == ["gd", "adam"]


def test_an_unreferenced_window_is_left_to_qt_not_to_the_garbage_collector(qtbot, settings):
    """A window's Python object sits in reference cycles: the garbage collector used to delete
    the C++ window at whatever moment it ran (mid-event: a segfault in QGraphicsScene)."""
    import gc
    import weakref

    from PyQt6 import sip

    from landscape_explorer.app.main_window import MainWindow

    w = MainWindow(settings=settings, restore=False)  # never shown, like a restored window
    qtbot.addWidget(w)  # closed and deleteLater()-ed after the test
    ref = weakref.ref(w)
    del w
    gc.collect()
    QtCore.QCoreApplication.processEvents()
    assert ref() is not None and not sip.isdeleted(ref())


def test_without_opengl_the_app_starts_in_2d(qtbot, monkeypatch, make_window):
    monkeypatch.setenv("LANDSCAPE_EXPLORER_NO_GL", "1")
    window = make_window()
    assert window.view3d is None
    assert "3D view is off" in window.statusBar().currentMessage()
    pos = window.view2d.view_to_widget(0.5, 0.5)
    qtbot.mouseClick(window.view2d.viewport(), LEFT, pos=pos)
    assert window.model.start == pytest.approx((0.5, 0.5), abs=0.06)
    window.model.set_split(True)  # nothing to split, nothing breaks
    run_to(window, 10)
    assert window.engine.state(1).step >= 10
