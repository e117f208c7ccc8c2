"""The Analyze menu and dock with real OpenGL (pytest-xvfb): critical point markers and their
tooltips, live verdicts, basins maps (worker thread, progress, cancel, 2D image and 3D texture),
particle clouds, random restarts and the step illustration."""
import time

import numpy as np
import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

from app_helpers import color_pixels

import landscape_explorer as le
from landscape_explorer.app.analysis.overlays import KIND_STYLE, mesh_colors

SIX_HUMP = {
    "surface": "six_hump_camel", "resolution": 80, "start": [-1.2, 0.72], "max_steps": 200,
    "speed": 1000.0,
    "runs": [
        {"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.01}, "color": "#E69F00"},
        {"id": 2, "optimizer": "adam", "hyperparams": {"lr": 0.05}, "color": "#56B4E9"},
    ],
}


def wait_critical(qtbot, panel):
    qtbot.waitUntil(lambda: bool(panel.critical), timeout=20000)


def test_menu_and_dock(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Analyze" in titles and titles.index("&Analyze") < titles.index("&Help")
    panel = window.analysis
    assert not panel.dock.isVisible()  # the views keep their room until asked
    texts = [a.text() for a in window.analyze_menu.actions()]
    for t in ("Show critical points", "Basins of attraction…", "Particle cloud…",
              "Random restarts…", "Step illustration", "Slow motion"):
        assert t in texts
    panel.arrows_action.setChecked(True)
    assert panel.dock.isVisible() and panel.currentIndex() == 3


def test_critical_markers_in_2d_and_3d_with_tooltips(qtbot, make_window):
    w = make_window(SIX_HUMP)
    panel = w.analysis
    wait_critical(qtbot, panel)
    assert "15 critical points" in panel.critical_label.text()
    assert "2 global minima" in panel.critical_label.text()
    panel.critical_action.setChecked(True)
    assert panel.show_critical.isChecked()
    items = panel.markers2d.items
    assert len(items["global_min"].data) == 2 and len(items["saddle"].data) == 7
    assert items["max"].isVisible() and items["local_min"].isVisible()
    tip = panel.markers2d._tip(0, 0, items["global_min"].data[0]["data"])
    assert "Global minimum" in tip and "value -1.0316" in tip and "Hessian eigenvalues" in tip

    v = w.view3d
    m3 = panel.markers3d
    assert all(m3.items[k].visible() for k in ("global_min", "local_min", "saddle", "max"))
    pos = m3.positions()
    gi = next(i for i, c in enumerate(m3.points) if c.kind == "global_min")
    px, py = v.project(pos[gi])
    hit = m3.nearest(px + 2, py - 1)
    assert hit is not None and hit.kind == "global_min"
    assert m3.nearest(-100, -100) is None
    # Hovering the marker in the 3D view shows its tooltip.
    ev = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, QtCore.QPointF(px, py),
                           QtCore.QPointF(v.mapToGlobal(QtCore.QPoint(round(px), round(py)))),
                           QtCore.Qt.MouseButton.NoButton, QtCore.Qt.MouseButton.NoButton,
                           QtCore.Qt.KeyboardModifier.NoModifier)
    QtCore.QCoreApplication.sendEvent(v, ev)
    qtbot.waitUntil(lambda: "Global minimum" in QtWidgets.QToolTip.text(), timeout=3000)
    assert "Hessian eigenvalues" in QtWidgets.QToolTip.text()
    QtWidgets.QToolTip.hideText()
    frame = v.render_array(v.width(), v.height())
    near = frame[int(py) - 12:int(py) + 12, int(px) - 12:int(px) + 12]
    assert color_pixels(near, KIND_STYLE["global_min"][0], tol=30).sum() > 3

    panel.critical_action.setChecked(False)
    assert not items["global_min"].isVisible() and not m3.items["global_min"].visible()


def test_live_verdicts(qtbot, make_window):
    w = make_window(SIX_HUMP)
    panel = w.analysis
    wait_critical(qtbot, panel)
    w.engine.run_until_done()
    panel.refresh_verdicts()
    vs = panel.verdicts()
    assert set(vs) == {1, 2}
    assert vs[1].kind == "local_min"
    text = panel.verdict_label.text()
    assert "gd lr=0.01" in text and "stuck in a local minimum" in text
    assert "above the global minimum" in text


def test_basins_map_in_2d_and_on_the_3d_mesh(qtbot, make_window):
    w = make_window(SIX_HUMP)
    panel = w.analysis
    wait_critical(qtbot, panel)
    panel.basins_tab.basins_res.setValue(24)
    panel.basins_tab.basins_steps.setValue(200)
    seen = []
    panel.basins_tab.basins_progress.valueChanged.connect(seen.append)
    panel.basins_tab.compute_basins()
    assert not panel.basins_tab.basins_go.isEnabled() and panel.basins_tab.basins_cancel.isEnabled()
    qtbot.waitUntil(lambda: not panel.basins_tab.running, timeout=60000)
    assert len(panel.basins_tab.basins_results) == 2  # gd and, side by side, adam
    r = panel.basins_tab.basins_results[0]
    assert sum(r.fractions.values()) == pytest.approx(1.0)
    assert "reach the global minimum" in panel.basins_tab.basins_label.text()
    assert seen and seen[-1] == 1000
    assert panel.basins_tab.basins_images.count() == 2
    # 2D: the map as an image over the heatmap, with the basins' own colors.
    img = panel.basins_overlay.image
    assert img.isVisible()
    np.testing.assert_array_equal(img.image, r.colors()[r.labels])
    # 3D: the mesh's vertex colors are the map's.
    v = w.view3d
    geo = v.geometry_
    cols = v.mesh.opts["meshdata"].vertexColors()
    np.testing.assert_allclose(cols, mesh_colors(r, geo.xs, geo.ys).reshape(-1, 4))
    frame = v.render_array(v.width(), v.height())
    top = r.colors()[np.argmax(r.counts)]
    lit = frame[..., :3].astype(int)[..., ::-1]  # RGB
    # Some pixel has the hue of the largest basin (shading scales it down, not around).
    ratio = lit / np.maximum(lit.max(-1, keepdims=True), 1)
    want = top / max(top.max(), 1)
    assert (np.abs(ratio - want).max(-1) < 0.08).sum() > 200
    # Turning the map off brings the height colors back.
    panel.basins_tab.basins_show.setChecked(False)
    assert not img.isVisible()
    np.testing.assert_allclose(v.mesh.opts["meshdata"].vertexColors(),
                               geo.colors(w.model.colormap).reshape(-1, 4))


def test_basins_cancel_is_prompt_and_ui_stays_responsive(qtbot, make_window):
    w = make_window(SIX_HUMP)
    panel = w.analysis
    panel.basins_tab.basins_res.setValue(512)
    panel.basins_tab.basins_steps.setValue(20000)
    panel.basins_tab.basins_compare.setCurrentIndex(0)  # (none)
    # Noise keeps it on the numpy engine: slow enough to cancel mid-way, no compile to wait for.
    w.model.update_run(1, noise=0.01)
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    panel.basins_tab.compute_basins()
    # The event loop keeps running while the worker computes (no sleeping UI thread): the
    # timer fires again and again before the map is anywhere near done.
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=30000)
    assert panel.basins_tab.running  # still computing
    panel.basins_tab.cancel_basins()
    # Cancel is answered within a chunk of steps, not at the end of 512² × 20000 steps.
    qtbot.waitUntil(lambda: not panel.basins_tab.running, timeout=10000)
    timer.stop()
    assert panel.basins_tab.basins_label.text() == "Cancelled."
    assert panel.basins_tab.basins_go.isEnabled()


def test_particle_cloud_100k(qtbot, make_window):
    w = make_window(dict(SIX_HUMP, max_steps=60, speed=200.0))
    panel = w.analysis
    panel.cloud_tab.cloud_n.setValue(100_000)
    panel.cloud_tab.cloud_dist.setCurrentIndex(1)  # uniform
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    panel.cloud_tab.start_cloud()
    qtbot.waitUntil(lambda: panel.cloud_tab.runner is None, timeout=60000)
    timer.stop()
    overlay = panel.cloud_overlay
    assert overlay.points3d.visible() and overlay._frames[-1].shape == (100_000, 2)
    assert overlay.trails3d.visible()
    assert len(overlay.scatter2d.data) <= overlay.max_2d
    qtbot.waitUntil(lambda: "%" in panel.cloud_tab.cloud_label.text(), timeout=30000)
    assert "After 60 steps" in panel.cloud_tab.cloud_label.text()
    assert len(ticks) >= 10  # the event loop ran all along (the cloud steps in its thread)
    v = w.view3d
    frame = v.render_array(v.width(), v.height())
    assert color_pixels(frame, "#E69F00", tol=40).sum() > 100  # the cloud, in the run's color


def test_cloud_gaussian_around_start_and_stop(qtbot, make_window):
    w = make_window(dict(SIX_HUMP, max_steps=100000, speed=50.0))
    panel = w.analysis
    panel.cloud_tab.cloud_n.setValue(500)
    panel.cloud_tab.cloud_sigma.setValue(0.02)
    starts = panel.cloud_tab.cloud_starts()
    np.testing.assert_allclose(starts.mean(0), w.model.start, atol=0.02)
    panel.cloud_tab.start_cloud()
    qtbot.wait(300)
    assert panel.cloud_tab.runner is not None and panel.cloud_tab.runner.isRunning()
    panel.cloud_tab.stop_cloud()
    assert panel.cloud_tab.runner is None and panel.cloud_tab.cloud_go.isEnabled()


def test_random_restarts(qtbot, make_window):
    w = make_window(dict(SIX_HUMP, max_steps=300))
    panel = w.analysis
    panel.cloud_tab.restarts_k.setValue(30)
    panel.cloud_tab.run_restarts()
    qtbot.waitUntil(lambda: "Best of 30" in panel.cloud_tab.restarts_label.text(), timeout=30000)
    rr = panel.cloud_tab.restarts_result
    assert rr.best_loss == pytest.approx(-1.0316284535, abs=1e-6)  # a global minimum
    assert "reached the global minimum" in panel.cloud_tab.restarts_label.text()
    assert panel.restarts_overlay.best2d.isVisible()
    assert panel.restarts_overlay.best3d.visible()


def test_step_illustration_and_slow_motion(qtbot, make_window):
    w = make_window(dict(SIX_HUMP, runs=[
        {"id": 1, "optimizer": "sgd", "hyperparams": {"lr": 0.01, "momentum": 0.9},
         "color": "#E69F00"}]))
    panel = w.analysis
    panel.step_tab.show_arrows.setChecked(True)
    for _ in range(3):
        w.engine.single_step()
    st = w.engine.stepper(1)
    pos, vecs, caption, eig = panel.step_tab.step_vectors(1)
    defn = st.optimizer.defn
    # The rule and the momentum buffer come from the optimizer registry.
    assert caption.startswith("step 3 · " + (defn.rule + " · " if defn.rule else "") + "lr = ")
    assert "g = (" in caption and "next update" in caption
    if defn.velocity:
        k = defn.state_names.index(defn.velocity)
        v = st.buffers[k, 0]
        assert f"{defn.velocity} = ({v[0]:.3g}, {v[1]:.3g})" in caption
        np.testing.assert_allclose(vecs["momentum"], -v)
    else:
        assert vecs["momentum"] is None
    # The next update is what the optimizer really does next (no noise in this run).
    before = st.positions[0]
    w.engine.single_step()
    np.testing.assert_allclose(st.positions[0] - before, vecs["update"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(eig, np.linalg.eigvalsh(le.surface("six_hump_camel").hessian(pos)))
    assert "Hessian eigenvalues at the ball" in panel.step_tab.hessian_label.text()
    shown = ("gradient", "update") + (("momentum",) if defn.velocity else ())
    for name in shown:
        assert panel.arrows.items2d[name].isVisible()
        assert panel.arrows.items3d[name].visible()

    speed = w.model.speed
    panel.slow_action.setChecked(True)
    assert w.model.speed == 1.0 and w.model.playing
    panel.step_tab.slow_motion.setChecked(False)
    assert w.model.speed == speed
    w.model.set_playing(False)


def test_new_surface_clears_maps(qtbot, make_window):
    w = make_window(SIX_HUMP)
    panel = w.analysis
    panel.basins_tab.basins_res.setValue(12)
    panel.basins_tab.basins_steps.setValue(50)
    panel.basins_tab.compute_basins()
    qtbot.waitUntil(lambda: not panel.basins_tab.running, timeout=60000)
    assert panel.basins_overlay.result is not None
    w.model.set_surface("himmelblau")
    assert panel.basins_overlay.result is None and not panel.basins_overlay.image.isVisible()
    qtbot.waitUntil(lambda: "9 critical points" in panel.critical_label.text(), timeout=20000)


def test_cancelled_basins_empty_the_progress_bar(qtbot, make_window):
    w = make_window(SIX_HUMP)
    tab = w.analysis.basins_tab
    tab.basins_res.setValue(512)
    tab.basins_steps.setValue(20000)
    tab.basins_compare.setCurrentIndex(0)
    w.model.update_run(1, noise=0.01)  # the numpy engine: slow enough to cancel mid-way
    tab.compute_basins()
    qtbot.waitUntil(lambda: tab.basins_progress.value() > 0, timeout=30000)
    tab.cancel_basins()
    qtbot.waitUntil(lambda: not tab.running, timeout=10000)
    assert tab.basins_progress.value() == 0 and tab.basins_label.text() == "Cancelled."


def test_many_critical_points_show_the_nearest_few_and_a_count(qtbot, make_window):
    w = make_window(dict(SIX_HUMP, surface="rastrigin", start=[2.2, -1.1], resolution=60))
    panel = w.analysis
    qtbot.waitUntil(lambda: bool(panel.critical), timeout=60000)
    n = len(panel.critical)
    assert n > 400  # rastrigin: 441 in its bounds
    assert f"{n} critical points" in panel.critical_label.text()
    shown = panel.markers2d.points
    assert len(shown) < 25 and f"Marked: {len(shown)}" in panel.critical_label.text()
    kinds = [c.kind for c in shown]
    assert kinds.count("global_min") == 1
    # The nearest local minima to the start are among those marked.
    local = sorted((c for c in panel.critical if c.kind == "local_min"),
                   key=lambda c: np.hypot(c.xy[0] - 2.2, c.xy[1] + 1.1))
    assert local[0] in shown and local[1] in shown
    w.model.set_start((-3.0, 3.0))  # markers follow the start
    assert local[0] not in panel.markers2d.points


def test_restarts_draw_every_path_and_reset_and_dock_clear_overlays(qtbot, make_window):
    w = make_window(dict(SIX_HUMP, max_steps=120))
    panel = w.analysis
    panel.dock.show()
    tab = panel.cloud_tab
    tab.restarts_k.setValue(12)
    tab.run_restarts()
    qtbot.waitUntil(lambda: tab.restarts_result is not None, timeout=30000)
    ov = panel.restarts_overlay
    x, y = ov.paths2d.getData()
    assert np.isnan(x).sum() == 12  # twelve paths, one NaN row after each
    assert ov.paths3d.visible() and ov.path3d.visible() and ov.best2d.isVisible()
    assert len(ov.paths3d.pos) >= 2 * 12
    # Reset: the paths go.
    w.model.request_reset()
    assert not ov.paths2d.isVisible() and not ov.paths3d.visible()
    # Arrows and a basins texture go when the dock closes.
    panel.step_tab.show_arrows.setChecked(True)
    w.engine.single_step()
    assert panel.arrows.items2d["gradient"].isVisible()
    btab = panel.basins_tab
    btab.basins_res.setValue(12)
    btab.basins_steps.setValue(40)
    btab.compute_basins()
    qtbot.waitUntil(lambda: not btab.running, timeout=60000)
    assert panel.basins_overlay.showing
    panel.dock.close()
    assert not panel.arrows.items2d["gradient"].isVisible()
    assert not panel.arrows.items3d["gradient"].visible()
    assert not panel.basins_overlay.showing and not panel.basins_overlay.image.isVisible()
    geo = w.view3d.geometry_
    np.testing.assert_allclose(w.view3d.mesh.opts["meshdata"].vertexColors(),
                               geo.colors(w.model.colormap).reshape(-1, 4))


def test_basins_legend_marks_the_global_minimum_and_labels_each_map(qtbot, make_window):
    w = make_window(SIX_HUMP)
    tab = w.analysis.basins_tab
    tab.basins_res.setValue(16)
    tab.basins_steps.setValue(200)
    tab.compute_basins()
    qtbot.waitUntil(lambda: not tab.running, timeout=60000)
    legend = tab.basins_legend.text()
    assert legend.count("★ global minimum") == 2  # six-hump camel has two
    captions = [tab.basins_images.itemAt(i).widget().findChild(QtWidgets.QLabel).text()
                for i in range(tab.basins_images.count())]
    assert "gd lr=0.01" in captions[0] and "adam lr=0.05" in captions[1]
    # Its own palette, not the runs' colors.
    from landscape_explorer.app.palette import RUN_COLORS
    r = tab.basins_results[0]
    run_rgb = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in RUN_COLORS}
    assert not run_rgb & {tuple(int(v) for v in c) for c in r.colors()}
    assert "Basins: gd lr=0.01" in w.analysis.basins_overlay.caption.textItem.toPlainText()


def test_closing_during_a_long_critical_point_search_stops_it(qtbot, make_window):
    """A surface whose critical-point search takes minutes (a slow Python function here, as a
    network slice is): closing the window cancels the search, whose worker then ends, and
    nothing half-found is kept."""
    from landscape_explorer.core.critical import has_cached_critical_points

    calls = {"n": 0}

    def slow(x, y):
        calls["n"] += 1
        time.sleep(0.02)
        return np.sin(3 * x) + 0.5 * x ** 2 + 0.5 * y ** 2

    surf = le.surface_from_function(slow, bounds=((-3, 3), (-3, 3)), name="slow_bowl")
    w = make_window()
    panel = w.analysis
    w.model.set_surface_object(surf)
    # The search starts once the surface has settled (SEARCH_SETTLE_MS).
    qtbot.waitUntil(lambda: any(x.tag[1] is surf and not x.isFinished()
                                for x in panel._workers), timeout=5000)
    workers = [x for x in panel._workers if x.tag[1] is surf]
    qtbot.waitUntil(lambda: calls["n"] > 5, timeout=20000)  # the search is under way
    w.close()
    qtbot.waitUntil(lambda: all(x.isFinished() for x in workers), timeout=20000)
    assert not has_cached_critical_points(surf)


def test_a_surface_replaced_at_once_is_never_searched_and_a_replaced_search_stops(qtbot,
                                                                                  make_window):
    """Typing a formula makes a surface at every pause: the critical points of one replaced
    within SEARCH_SETTLE_MS are never searched, and a search under way stops when its surface
    is replaced (it competed with drawing the new one)."""
    from landscape_explorer.app.threads import SEARCH_SETTLE_MS
    from landscape_explorer.core.critical import has_cached_critical_points

    import threading

    calls = {"n": 0}  # calls from other threads than the window's: searches

    def slow(x, y):
        if threading.current_thread() is not threading.main_thread():
            calls["n"] += 1
            time.sleep(0.02)
        return np.sin(3 * x) + 0.5 * x ** 2 + 0.5 * y ** 2

    w = make_window()
    panel = w.analysis
    first = le.surface_from_function(slow, bounds=((-3, 3), (-3, 3)), name="slow_first")
    w.model.set_surface_object(first)
    qtbot.wait(SEARCH_SETTLE_MS // 3)
    w.model.set_surface("himmelblau")
    qtbot.wait(2 * SEARCH_SETTLE_MS)
    assert calls["n"] == 0, "a surface gone before it settled was searched"
    assert not any(x.tag[1] is first for x in panel._workers)
    qtbot.waitUntil(lambda: has_cached_critical_points(w.model.surface), timeout=20000)

    second = le.surface_from_function(slow, bounds=((-3, 3), (-3, 3)), name="slow_second")
    w.model.set_surface_object(second)
    qtbot.waitUntil(lambda: calls["n"] > 3, timeout=20000)  # its search is under way
    workers = [x for x in panel._workers if x.tag[1] is second]
    w.model.set_surface("bowl")
    qtbot.waitUntil(lambda: all(x.isFinished() for x in workers), timeout=5000)
    assert not has_cached_critical_points(second)
    assert "Could not" not in panel.critical_label.text()  # the stop is not a failure to show
