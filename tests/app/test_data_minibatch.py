"""Per-run batch size in the run editor and the minibatch-surface overlay, in a real window."""
import os

import numpy as np
import pytest

from landscape_explorer.app.main_window import MainWindow
from landscape_explorer.app.model import AppModel
from landscape_explorer.app.views.batch_overlay import batch_grid
from landscape_explorer.core.scenario import Scenario


@pytest.fixture
def data_window(qtbot, settings):
    model = AppModel("sinusoid_fit")
    model.add_run("gd", hyperparams={"lr": 0.3})
    model.add_run("sgd", hyperparams={"lr": 0.3})
    model.set_start((0.5, 2.0))
    w = MainWindow(model=model, settings=settings, restore=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_batch_size_field_edits_the_run_and_is_saved(data_window):
    w = data_window
    c, m = w.controls, w.model
    c.select_run(2)
    sp = c.batch_spin
    assert sp.isEnabled() and sp.text() == "full" and sp.maximum() == 64
    sp.setValue(8)
    assert m.run(2).batch_size == 8
    assert w.engine.stepper(2).batch_size == 8
    assert len(w.engine.stepper(2).current_batch(0)) == 8
    sc = Scenario.from_dict(m.to_dict())
    assert [r.batch_size for r in sc.runs] == [None, 8]
    sp.setValue(0)
    assert m.run(2).batch_size is None and sp.text() == "full"


def test_batch_size_is_disabled_on_a_formula_and_says_why(data_window):
    w = data_window
    c, m = w.controls, w.model
    c.select_run(2)
    c.batch_spin.setValue(8)
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("bowl"))
    assert not c.batch_spin.isEnabled()
    assert "formula has no data rows" in c.batch_spin.toolTip()
    # The run is full batch on a formula, and the scenario says so (a file with a batch size
    # on a formula is refused by the core).
    assert m.run(2).batch_size is None
    assert "batch_size" not in m.to_dict()["runs"][1]
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("linear_regression"))
    assert c.batch_spin.isEnabled() and c.batch_spin.text() == "full"


def test_smaller_dataset_takes_the_full_batch_truthfully(data_window):
    w = data_window
    c, m = w.controls, w.model
    c.select_run(2)
    c.batch_spin.setValue(40)
    c.data_panel.n_spin.setValue(20)  # fewer rows than the batch
    assert m.surface.dataset.n == 20
    assert m.run(2).batch_size is None
    assert c.batch_spin.text() == "full" and c.batch_spin.maximum() == 20
    assert w.engine.stepper(2).batch_size is None


def test_overlay_draws_the_current_batch_and_morphs_step_by_step(data_window, qtbot):
    w = data_window
    c, m, ov = w.controls, w.model, w.batch_overlay
    c.select_run(2)
    c.batch_spin.setValue(8)
    c.data_panel.batch_check.setChecked(True)
    assert ov.enabled and ov.run_id == 2
    st = w.engine.stepper(2)
    np.testing.assert_array_equal(ov.rows, st.current_batch(0))
    # The orange contours are the loss over exactly those rows (computed independently here).
    geo = w.view2d.geometry_
    sub = m.surface.batch_surface(ov.rows)
    xs = np.linspace(geo.bounds[0][0], geo.bounds[0][1], ov.values.shape[0])
    ys = np.linspace(geo.bounds[1][0], geo.bounds[1][1], ov.values.shape[1])
    k, j = 17, 41
    assert ov.values[k, j] == pytest.approx(float(sub.value(np.array([xs[k], ys[j]]))), rel=1e-12)
    assert not np.allclose(ov.values, batch_grid(m.surface, np.arange(64), geo.bounds)[2])
    assert "8 of 64 rows" in ov.legend_text() and "full batch" in ov.legend_text()
    assert all(cv.isVisible() for cv in ov.curves)
    first = ov.rows.copy()
    w.engine.single_step()
    qtbot.waitUntil(lambda: not np.array_equal(ov.rows, first), timeout=5000)
    np.testing.assert_array_equal(ov.rows, st.current_batch(0))
    # The full-batch run shows all rows.
    c.select_run(1)
    w.engine.single_step()
    qtbot.waitUntil(lambda: ov.run_id == 1, timeout=5000)
    assert len(ov.rows) == 64 and "all 64 rows" in ov.legend_text()


def test_toggling_the_overlay_twice_leaves_the_map_as_it_was(data_window):
    w = data_window
    ov, box = w.batch_overlay, w.controls.data_panel.batch_check
    items_before = len(w.view2d.getPlotItem().items)
    box.setChecked(True)
    box.setChecked(False)
    assert not ov.enabled and ov.rows is None
    assert not any(cv.isVisible() for cv in ov.curves) and ov.legend_text() == ""
    box.setChecked(True)
    box.setChecked(True)  # a second click on a checked box changes nothing
    assert ov.enabled and ov.rows is not None
    box.click()
    box.click()
    assert ov.enabled and len(ov.rows) == 64
    # The contour items are made once and reused: toggling does not pile them up.
    assert len(w.view2d.getPlotItem().items) == items_before + len(ov.curves)


def test_overlay_goes_away_on_a_formula(data_window):
    w = data_window
    c = w.controls
    c.data_panel.batch_check.setChecked(True)
    assert w.batch_overlay.rows is not None
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("bowl"))
    w.batch_overlay.refresh()
    assert w.batch_overlay.rows is None and w.batch_overlay.legend_text() == ""
    assert c.data_panel.isHidden()


def test_skip_connections_preset_shows_two_slices_side_by_side(data_window, qtbot, monkeypatch):
    from landscape_explorer.app import presets
    from landscape_explorer.core.nn_slice import SliceSurface, grid_minima, nonconvexity

    # The preset's networks, made small so the test trains in seconds: same code path.
    small = dict(presets.SKIP_CONNECTIONS.networks[0], n=40, depth=3, width=8, epochs=40)
    quick = presets.BuiltPreset(
        "skip_connections", "Skip connections", "", (dict(small, skip=False),
                                                     dict(small, skip=True)),
        ("Without skip connections", "With skip connections"), (0.3, 0.2), 24,
        presets.SKIP_CONNECTIONS.runs)
    monkeypatch.setattr(presets, "built_presets", lambda: [quick])
    w = data_window
    c, m = w.controls, w.model
    i = [k for k in range(c.preset_combo.count())
         if c.preset_combo.itemData(k) == ("built", "skip_connections")][0]
    c.preset_combo.setCurrentIndex(i)
    c.preset_combo.activated.emit(i)
    dp = c.data_panel
    assert dp.building
    qtbot.waitUntil(lambda: not dp.building, timeout=120_000)
    cv = w.compare_view
    assert cv is not None and w.stack3d.currentWidget() is cv
    left, right = m.surface, cv.mirror.surface
    assert isinstance(left, SliceSurface) and isinstance(right, SliceSurface)
    assert not left.network.skip and right.network.skip
    for tile, s, label in zip(cv.tiles, (left, right), quick.labels):
        text = tile.header.text()
        assert label in text
        assert f"{100 * nonconvexity(s):.1f} %" in text
        assert f"local minima on the grid: {grid_minima(s)}" in text
    # The same runs, from the same start, on both.
    assert [r.optimizer for r in cv.mirror.runs] == [r.optimizer for r in m.runs] == \
        ["sgd", "adam"]
    assert cv.mirror.start == m.start == (0.3, 0.2)
    w.engine.single_step()
    cv.mirror_engine.single_step()
    assert cv.mirror_engine.state(cv.mirror.runs[0].id).step == 1
    # Editing a run edits it on both sides.
    c.select_run(m.runs[1].id)
    m.update_run(m.runs[1].id, hyperparams={"lr": 0.005})
    assert cv.mirror.runs[1].hyperparams["lr"] == 0.005
    # The 2D map, the loss plot and the table show the left tile's surface, and say so.
    assert "left tile's surface only" in w.view2d.getPlotItem().titleLabel.text
    assert "left tile's runs" in w.loss_plot.getPlotItem().getAxis("bottom").labelText
    assert w.run_table.horizontalHeaderItem(1).text() == "Run (left)"
    shots = os.environ.get("LE_SCREENSHOTS")
    if shots:
        w.grab().save(os.path.join(shots, "skip_comparison.png"))
    # Another surface ends the comparison, and the captions go with it.
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("bowl"))
    assert w.compare_view is None and w.stack3d.currentWidget() is w.view3d
    assert not w.view2d.getPlotItem().titleLabel.isVisible()
    assert w.loss_plot.getPlotItem().getAxis("bottom").labelText == "step"
    assert w.run_table.horizontalHeaderItem(1).text() == "Run"
