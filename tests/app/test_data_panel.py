"""The Data group of the surface picker and the Data panel (panels/data.py), through real widgets:
the fit drawn is the model at the run's current point, dataset edits rebuild the surface, network
slices build in a worker that never blocks the window and stops on Cancel."""
import numpy as np
import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.app.model import AppModel
from landscape_explorer.app.panels.controls import ControlPanel
from landscape_explorer.app.panels.data import (
    NN_SLICE, decision_boundary, fit_curve, grid_cached, slice_numbers_text,
)
from landscape_explorer.app.runs import RunEngine
from landscape_explorer.core.data_surfaces import DataSurface, data_surface
from landscape_explorer.core.datasets import dataset
from landscape_explorer.core.nn_slice import SliceSurface, grid_minima, nn_slice, nonconvexity
from landscape_explorer.core.scenario import ScenarioError


@pytest.fixture
def panel(qtbot):
    model = AppModel("bowl")
    model.add_run("gd", hyperparams={"lr": 0.1})
    model.add_run("adam", hyperparams={"lr": 0.05})
    engine = RunEngine(model)
    p = ControlPanel(model, engine)
    qtbot.addWidget(p)
    p.resize(360, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def choose(panel, name):
    combo = panel.surface_combo
    i = combo.findData(name)
    assert i >= 0, name
    combo.setCurrentIndex(i)


def test_data_group_lists_every_model_and_the_network_builder(panel):
    combo = panel.surface_combo
    names = [combo.itemData(i) for i in range(combo.count())]
    for n in ("linear_regression", "logistic_regression", "sinusoid_fit", "tanh_neuron",
              NN_SLICE):
        assert n in names
    # The heading is not a choice.
    heading = names.index(None)
    assert not combo.model().item(heading).isEnabled()
    assert panel.data_panel.isHidden()
    choose(panel, "sinusoid_fit")
    assert isinstance(panel.model.surface, DataSurface)
    assert not panel.data_panel.isHidden()
    assert panel.data_panel.net_box.isHidden()
    choose(panel, "bowl")
    assert panel.data_panel.isHidden()


@pytest.mark.parametrize("name", ["linear_regression", "sinusoid_fit", "tanh_neuron"])
def test_drawn_curve_is_the_model_at_the_runs_current_point(panel, name):
    choose(panel, name)
    engine = panel.engine
    for _ in range(3):
        engine.single_step()
    rid = panel.current_run_id
    w, b = engine.state(rid).position
    xs, ys = panel.data_panel.plot.curve()
    assert len(xs) > 10
    by_hand = {"linear_regression": w * xs + b, "sinusoid_fit": np.sin(w * xs + b),
               "tanh_neuron": w * np.tanh(b * xs)}[name]
    np.testing.assert_allclose(ys, by_hand, rtol=0, atol=1e-12)
    # The curve spans the data's x range.
    X = panel.model.surface.dataset.X[:, 0]
    assert xs.min() == pytest.approx(X.min()) and xs.max() == pytest.approx(X.max())
    # It follows the ball: another step, another curve.
    engine.single_step()
    w2, b2 = engine.state(rid).position
    assert (w2, b2) != (w, b)
    _, ys2 = panel.data_panel.plot.curve()
    np.testing.assert_allclose(ys2, fit_curve(name, (w2, b2), xs), atol=1e-12)


def test_decision_boundary_is_where_the_probability_is_one_half(panel):
    choose(panel, "logistic_regression")
    panel.engine.single_step()
    w1, w2 = panel.engine.state(panel.current_run_id).position
    xs, ys = panel.data_panel.plot.curve()
    assert len(xs) == 2
    np.testing.assert_allclose(w1 * xs + w2 * ys, 0.0, atol=1e-9)
    # The endpoints lie on the edge of the data box.
    assert decision_boundary((0.0, 0.0), ((-1, 1), (-1, 1))) is None
    seg = decision_boundary((1.0, -1.0), ((-1, 1), (-2, 2)))
    np.testing.assert_allclose(seg, [[-1, -1], [1, 1]])


def test_the_selected_run_is_the_one_drawn(panel):
    choose(panel, "linear_regression")
    for _ in range(5):
        panel.engine.single_step()
    ids = [r.id for r in panel.model.runs]
    positions = {rid: panel.engine.state(rid).position for rid in ids}
    assert not np.allclose(positions[ids[0]], positions[ids[1]])
    for rid in ids:
        panel.select_run(rid)
        panel.data_panel.refresh_fit()
        xs, ys = panel.data_panel.plot.curve()
        w, b = positions[rid]
        np.testing.assert_allclose(ys, w * xs + b, atol=1e-12)


def test_changing_the_dataset_rebuilds_the_surface_and_restarts(panel):
    choose(panel, "logistic_regression")
    dp = panel.data_panel
    combo_items = [dp.dataset_combo.itemText(i) for i in range(dp.dataset_combo.count())]
    # Only datasets the model can fit are offered (two features, 0/1 labels).
    assert "moons" in combo_items and "regression" not in combo_items and "wave" not in combo_items
    for _ in range(4):
        panel.engine.single_step()  # mid-run
    assert panel.engine.state(panel.current_run_id).step == 4
    dp.dataset_combo.setCurrentText("circles")
    s = panel.model.surface
    assert isinstance(s, DataSurface) and s.dataset.name == "circles"
    assert panel.engine.state(panel.current_run_id).step == 0
    dp.n_spin.setValue(150)
    dp.seed_spin.setValue(7)
    s = panel.model.surface
    ref = dataset("circles", n=150, seed=7)
    np.testing.assert_array_equal(s.dataset.X, ref.X)
    np.testing.assert_array_equal(s.dataset.y, ref.y)
    assert "circles (n = 150)" in dp.fit_label.text()
    dp.noise_spin.setValue(0.2)
    np.testing.assert_array_equal(panel.model.surface.dataset.X,
                                  dataset("circles", n=150, noise=0.2, seed=7).X)
    # The fit shown is still the model at the restarted run's point, on the new data.
    panel.engine.single_step()
    w1, w2 = panel.engine.state(panel.current_run_id).position
    xs, ys = dp.plot.curve()
    np.testing.assert_allclose(w1 * xs + w2 * ys, 0.0, atol=1e-9)


def test_a_model_picked_by_name_shows_its_own_dataset_truthfully(panel):
    choose(panel, "sinusoid_fit")
    dp = panel.data_panel
    ds = panel.model.surface.dataset
    assert dp.dataset_combo.currentText() == ds.name
    assert dp.n_spin.value() == ds.n
    assert dp.noise_spin.text() == "default" and dp.seed_spin.value() == 0
    np.testing.assert_array_equal(ds.X, data_surface("sinusoid_fit").dataset.X)


def test_scroll_over_the_dataset_combo_changes_nothing(panel, qtbot):
    choose(panel, "logistic_regression")
    dp = panel.data_panel
    before = dp.dataset_combo.currentText()
    surface = panel.model.surface
    combo = dp.dataset_combo
    panel.setFocus()
    pos = QtCore.QPointF(combo.width() / 2, combo.height() / 2)
    ev = QtGui.QWheelEvent(pos, combo.mapToGlobal(pos), QtCore.QPoint(0, 0),
                           QtCore.QPoint(0, -120), QtCore.Qt.MouseButton.NoButton,
                           QtCore.Qt.KeyboardModifier.NoModifier,
                           QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(combo, ev)
    assert combo.currentText() == before
    assert panel.model.surface is surface


def test_a_chosen_dataset_is_saved_and_loaded_with_the_scenario(panel, qtbot, tmp_path):
    """The dataset picked in the Data group goes into the scenario file (le.dataset's
    arguments) and comes back: the same rows, the same surface, shown in the panel."""
    choose(panel, "linear_regression")
    panel.data_panel.n_spin.setValue(90)
    ds = panel.model.surface.dataset
    assert ds.n == 90 and panel.model.scenario_problem() is None
    d = panel.model.to_dict()
    assert d["surface"]["name"] == "linear_regression"
    assert d["surface"]["dataset"] == ds.recipe and ds.recipe["n"] == 90
    loaded = AppModel.from_dict(d)
    np.testing.assert_array_equal(loaded.surface.dataset.X, ds.X)
    np.testing.assert_array_equal(loaded.surface.dataset.y, ds.y)
    pts = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    np.testing.assert_array_equal(loaded.surface.value(pts), panel.model.surface.value(pts))
    other = ControlPanel(loaded, RunEngine(loaded))
    qtbot.addWidget(other)
    assert other.data_panel.n_spin.value() == 90
    assert other.data_panel.dataset_combo.currentText() == ds.name


def test_a_csv_dataset_is_refused_with_a_reason(panel, tmp_path):
    from landscape_explorer.core.datasets import load_csv

    path = tmp_path / "points.csv"
    path.write_text("x,y\n" + "".join(f"{i / 10},{2 * i / 10 + 1}\n" for i in range(20)))
    panel.model.set_surface_object(data_surface("linear_regression", dataset=load_csv(path)))
    with pytest.raises(ScenarioError, match="not rows loaded from a file"):
        panel.model.to_dict()


def test_grid_cache_returns_the_surface_values():
    s = data_surface("tanh_neuron")
    c = grid_cached(s, s.bounds, 21)
    (x0, x1), (y0, y1) = s.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 21), np.linspace(y0, y1, 21), indexing="ij")
    xy = np.stack([gx, gy], -1)
    np.testing.assert_array_equal(c.value(xy), s.value(xy))
    other = np.array([[0.3, -0.7]])
    np.testing.assert_array_equal(c.value(other), s.value(other))


def _small_net(dp, epochs):
    dp.dataset_combo.setCurrentText("moons")
    dp.n_spin.setValue(60)
    dp.depth_spin.setValue(2)
    dp.width_spin.setValue(8)
    dp.epochs_spin.setValue(epochs)


def test_network_slice_builds_in_a_worker_and_becomes_the_surface(panel, qtbot):
    choose(panel, NN_SLICE)
    dp = panel.data_panel
    assert not dp.net_box.isHidden()
    before = panel.model.surface
    assert before.name == "bowl"  # nothing changes until a network is trained
    _small_net(dp, 60)
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    dp.build_button.click()
    assert dp.building and not dp.build_button.isEnabled() and dp.cancel_button.isEnabled()
    assert dp.progress_bar.isVisible()
    qtbot.waitUntil(lambda: not dp.building, timeout=120_000)
    timer.stop()
    assert ticks, "the event loop did not run while the network trained"
    s = panel.model.surface
    assert isinstance(s, SliceSurface)
    assert panel.surface_combo.currentData() == NN_SLICE
    assert panel.model.start == (0.0, 0.0)
    # The same network, built directly, gives the same slice and the numbers shown.
    ref = nn_slice(dataset("moons", n=60, seed=0), hidden=(8,), depth=2, epochs=60, seed=0)
    np.testing.assert_array_equal(s.center, ref.center)
    assert dp.slice_numbers == {"nonconvexity": nonconvexity(ref),
                                "grid_minima": grid_minima(ref)}
    assert dp.slice_label.text() == slice_numbers_text(dp.slice_numbers)
    assert dp.progress_bar.isHidden()
    # The slice goes into a scenario file as how it was made, and opens as the same slice.
    assert panel.model.scenario_problem() is None
    d = panel.model.to_dict()
    assert d["surface"]["name"] == NN_SLICE and d["surface"]["network"] == ref.recipe
    assert d["surface"]["network"]["hidden"] == [8, 8] and not d["surface"]["network"]["skip"]
    loaded = AppModel.from_dict(d)  # no Data panel listening: it trains the network itself
    np.testing.assert_array_equal(loaded.surface.center, ref.center)
    assert loaded.start == panel.model.start
    # The runs descend the slice.
    panel.engine.single_step()
    assert panel.engine.state(panel.current_run_id).step == 1


def test_a_rebuilt_network_keeps_the_start_and_a_scenario_trains_in_the_worker(panel, qtbot):
    """Ticking skip connections and training again keeps the runs' start (the two landscapes
    compare from one point); a scenario that names a slice is trained in the worker, with
    its progress bar, and nothing changes until it is ready; another scenario put in
    meanwhile wins."""
    choose(panel, NN_SLICE)
    dp = panel.data_panel
    _small_net(dp, 40)
    dp.build_button.click()
    qtbot.waitUntil(lambda: not dp.building, timeout=120_000)
    panel.model.set_start((0.4, -0.3))
    dp.skip_check.setChecked(True)
    dp.build_button.click()
    qtbot.waitUntil(lambda: not dp.building, timeout=120_000)
    assert panel.model.surface.skip and panel.model.start == (0.4, -0.3)
    saved = panel.model.scenario()
    # Another network (one not trained in this process) named by a scenario.
    other = saved.copy()
    net = saved.surface_network
    other.surface_network = dict(net, seed=4242, epochs=30,
                                 dataset=dict(net["dataset"], seed=4242))
    other.starts = [(0.1, 0.2)]
    panel.model.set_scenario(other)
    assert dp.building and dp.progress_bar.isVisible()
    assert panel.model.surface.recipe == saved.surface_network  # unchanged until trained
    qtbot.waitUntil(lambda: not dp.building, timeout=120_000)
    assert panel.model.surface.recipe == other.surface_network
    assert panel.model.start == (0.1, 0.2)
    # The panel's fields say which network it is: training again gives the same one.
    assert dp.skip_check.isChecked() and dp.epochs_spin.value() == 30
    assert dp.seed_spin.value() == 4242
    # A scenario put in while a network trains is what stays.
    third = saved.copy()
    third.surface_network = dict(saved.surface_network, seed=4343)
    panel.model.set_scenario(third)
    assert dp.building
    panel.model.set_surface("himmelblau")
    qtbot.waitUntil(lambda: not dp.building, timeout=120_000)
    qtbot.wait(50)
    assert panel.model.surface_name == "himmelblau"


def test_cancel_stops_training_promptly_and_keeps_the_surface(panel, qtbot):
    choose(panel, NN_SLICE)
    dp = panel.data_panel
    _small_net(dp, 20_000)  # long enough that only Cancel ends it
    dp.build_button.click()
    qtbot.waitUntil(lambda: dp.progress_bar.value() > 0, timeout=60_000)
    dp.cancel_button.click()
    assert not dp.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dp.building, timeout=20_000)
    assert dp.progress_bar.value() < 700  # it stopped in training, long before the end
    assert panel.model.surface.name == "bowl"
    assert "Cancelled" in dp.slice_label.text()
    assert dp.build_button.isEnabled()


def test_a_network_slices_point_draws_that_networks_decision_boundary(qtbot):
    """On a network slice the Data panel draws the network a point of the slice stands for:
    its decision boundary, where its logit changes sign on the data's plane, and a different
    boundary at another point."""
    from landscape_explorer.app.panels.data import FitPlot

    ds = dataset("moons", n=60, seed=0)
    s = nn_slice(ds, hidden=(8,), depth=2, epochs=60, seed=0)
    plot = FitPlot()
    qtbot.addWidget(plot)
    plot.set_surface(s)
    plot.show_params((0.0, 0.0))
    xs, ys = plot.curve()
    assert len(xs) > 10 and len(xs) % 2 == 0  # segments, drawn as pairs
    pts = np.column_stack([xs, ys])
    # On the line the network's logit is ~0 (a tenth of its size over the data at most).
    z = s.network_output((0.0, 0.0), pts)
    scale = np.abs(s.network_output((0.0, 0.0), ds.X)).max()
    assert np.abs(z).max() < 0.1 * scale
    plot.show_params((0.3, 0.0))
    xs2, ys2 = plot.curve()
    assert len(xs2) and not (len(xs2) == len(xs) and np.allclose(xs2, xs))
    z2 = s.network_output((0.3, 0.0), np.column_stack([xs2, ys2]))
    assert np.abs(z2).max() < 0.1 * np.abs(s.network_output((0.3, 0.0), ds.X)).max()


def test_network_output_is_what_the_slice_loss_is_made_of():
    """The network at a slice point, applied to the data, gives exactly the slice's loss."""
    ds = dataset("circles", n=50, seed=2)
    s = nn_slice(ds, hidden=(8,), depth=3, epochs=40, seed=1)
    for point in [(0.0, 0.0), (0.4, -0.3), (-1.0, 0.7)]:
        z = s.network_output(point, ds.X)
        loss = np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - ds.y * z)
        assert loss == pytest.approx(float(s.value(np.array(point))), rel=1e-12)
