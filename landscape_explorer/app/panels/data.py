"""The Data panel: landscapes that come from data.

A model's loss over a dataset is a surface (core.data_surfaces): here the user picks the dataset
(name, n, noise, seed) the current data model is fit to, and sees the data with the fit that the
selected run's current position stands for (the line, sinusoid or neuron curve of a regression;
the decision boundary of a logistic regression), redrawn as the ball moves. A point of the plane
IS a model: this plot is that model.

It also builds network slices (core.nn_slice, Li et al. 2018): training and the slice's grid are
computed in a worker thread with a progress bar and Cancel; the window never waits for them.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from landscape_explorer.core.cancel import check_cancel
from landscape_explorer.core.data_surfaces import MODELS, DataSurface, data_surface
from landscape_explorer.core.datasets import dataset, dataset_names
from landscape_explorer.core.nn_slice import (
    MAX_DEPTH, SliceSurface, cached_slice_measures, dataset_recipe, slice_from_recipe,
    slice_measures,
)

from ..views.contours import contour_segments
from ..threads import CancellableWorker
from .widgets import IntSpinBox, SciSpinBox, start_cancel_row

NN_SLICE = "nn_slice"  # the surface picker's "Network slice…" entry: the name slices carry
MAX_ROWS = 2000  # data rows the panel offers: every step's gradient is a pass over all of them
FIT_SAMPLES = 200  # points along a drawn regression curve
BOUNDARY_SAMPLES = 64  # grid samples a side where a network's decision boundary is traced
CLASS_COLORS = ("#4da3ff", "#ff8c42")


# ---------------------------------------------------------------------------------------------
# What a point of the plane stands for: pure numpy, testable without a display.


def fit_curve(model: str, params, xs: np.ndarray) -> np.ndarray:
    """The regression model ``model`` with parameters ``params`` (the two coordinates of a
    point of its loss surface), evaluated at ``xs``."""
    p, q = (float(v) for v in params)
    xs = np.asarray(xs, dtype=np.float64)
    if model == "linear_regression":
        return p * xs + q
    if model == "sinusoid_fit":
        return np.sin(p * xs + q)
    if model == "tanh_neuron":
        return p * np.tanh(q * xs)
    raise ValueError(f"{model!r} is not a regression model")


def decision_boundary(params, box) -> np.ndarray | None:
    """The segment of the line w1·x1 + w2·x2 = 0 (where a logistic regression without bias
    gives probability 1/2) inside the box ((x0, x1), (y0, y1)): (2, 2) endpoints, or None when
    w = 0 (every point is 1/2: no boundary) or the line misses the box."""
    w1, w2 = (float(v) for v in params)
    if w1 == 0.0 and w2 == 0.0:
        return None
    (x0, x1), (y0, y1) = box
    pts = []
    if w2 != 0.0:  # x2 = -w1/w2 x1: meets the left and right sides
        for x in (x0, x1):
            y = -w1 * x / w2
            if y0 <= y <= y1:
                pts.append((x, y))
    if w1 != 0.0:  # x1 = -w2/w1 x2: meets the bottom and top
        for y in (y0, y1):
            x = -w2 * y / w1
            if x0 <= x <= x1:
                pts.append((x, y))
    pts = sorted(set(pts))
    if len(pts) < 2:
        return None
    return np.array([pts[0], pts[-1]], dtype=np.float64)


def grid_cached(surface, bounds, resolution: int):
    """``surface`` with its values on the views' grid (geometry.Geometry samples
    meshgrid(linspace x, linspace y, indexing="ij")) computed now, here, and looked up later:
    a network slice costs seconds per grid, which belongs in the worker, not in the window's
    first paint. Any other point is computed as before."""
    (x0, x1), (y0, y1) = bounds
    n = int(resolution)
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n), indexing="ij")
    cached = np.asarray(surface.f_value(gx, gy), dtype=np.float64)
    f = surface.f_value

    def f_value(a, b):
        a_ = np.asarray(a)
        if a_.shape == gx.shape and np.array_equal(a_, gx) and np.array_equal(np.asarray(b), gy):
            return cached.copy()
        return f(a, b)

    return dataclasses.replace(surface, f_value=f_value)


def spec_recipe(spec: dict) -> dict:
    """The panel's fields (DataPanel.slice_spec: one seed for the data and the network, depth x
    width) as an nn_slice recipe (SliceSurface.recipe), what scenario files hold."""
    data = dataset(spec["dataset"], n=spec["n"], noise=spec["noise"], seed=spec["seed"])
    return {"dataset": dataset_recipe(data), "hidden": [int(spec["width"])] * int(spec["depth"]),
            "activation": spec["activation"], "skip": bool(spec["skip"]),
            "directions": spec["directions"], "seed": int(spec["seed"]),
            "epochs": int(spec["epochs"]), "lr": 0.01, "span": 1.0}


def recipe_spec(recipe: dict) -> dict | None:
    """A recipe as the panel's fields, or None where the fields cannot say it (layers of
    different widths, a network seed other than the data's, another lr or span)."""
    hidden, data = recipe["hidden"], recipe["dataset"]
    if len(set(hidden)) != 1 or data.get("seed", 0) != recipe["seed"] or \
            recipe["lr"] != 0.01 or recipe["span"] != 1.0:
        return None
    return {"dataset": data["name"], "n": data["n"], "noise": data.get("noise"),
            "seed": recipe["seed"], "depth": len(hidden), "width": hidden[0],
            "activation": recipe["activation"], "skip": recipe["skip"],
            "directions": recipe["directions"], "epochs": recipe["epochs"]}


class SliceWorker(CancellableWorker):
    """Trains each network of ``specs`` (panel fields, or ``{"recipe": ...}``) and computes its
    slice (and the slice's measures) off the UI thread. ``cancel()`` stops it at the next
    training chunk or between stages. done: [(SliceSurface, {"nonconvexity": ..,
    "grid_minima": ..}), ..]."""

    progress = QtCore.pyqtSignal(float, str)  # fraction of the whole job, what it is doing

    def __init__(self, specs, resolution: int, also_resolution: int | None = None):
        super().__init__()
        self.specs = [dict(s) for s in specs]
        self.resolution = int(resolution)
        # A second grid to have ready: the resolution the views show until a scenario's own
        # resolution is set (set_scenario installs the surface first).
        self.also_resolution = also_resolution

    def _check(self):
        check_cancel(self.is_cancelled, "network slice")

    def build(self, s: dict, k: int):
        m = len(self.specs)
        tag = f" ({k + 1} of {m})" if m > 1 else ""

        def say(f, what):
            self.progress.emit((k + f) / m, what + tag)

        recipe = s["recipe"] if "recipe" in s else spec_recipe(s)
        surf = slice_from_recipe(recipe, progress=lambda f: say(0.3 * f, "training"),
                                 cancel=self.is_cancelled)
        self._check()
        say(0.3, "computing the slice")
        cached = grid_cached(surf, surf.bounds, self.resolution)
        if self.also_resolution not in (None, self.resolution):
            cached = grid_cached(cached, surf.bounds, self.also_resolution)
        self._check()
        say(0.6, "measuring the landscape")
        numbers = slice_measures(surf)  # kept per recipe: the grid-cached copy finds them
        return cached, numbers

    def compute(self):
        results = [self.build(s, k) for k, s in enumerate(self.specs)]
        self._check()
        self.progress.emit(1.0, "done")
        return results

    def failure_text(self, e: Exception) -> str:
        return str(e).splitlines()[0] if str(e) else type(e).__name__


def slice_numbers_text(numbers: dict) -> str:
    return (f"non-convex: {100 * numbers['nonconvexity']:.1f} % of the slice · "
            f"local minima on the grid: {numbers['grid_minima']}")


# ---------------------------------------------------------------------------------------------
# The plot of the data and the fit.


class FitPlot(pg.PlotWidget):
    """The data as points, and the model that a point of the surface stands for."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedHeight(210)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.getPlotItem().showGrid(x=True, y=True, alpha=0.2)
        self.scatters = [pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(c))
                         for c in CLASS_COLORS]
        for s in self.scatters:
            self.addItem(s)
        self.fit = pg.PlotDataItem(pen=pg.mkPen("#f5f5f5", width=2))
        self.addItem(self.fit)
        self.surface = None
        self.params = None
        self._box = None

    def set_surface(self, surface):
        self.surface = surface
        ds = getattr(surface, "dataset", None)
        for s in self.scatters:
            s.clear()
        self.fit.setData([], [])
        self.params = None
        if ds is None:
            return
        X, y = ds.X, ds.y
        if ds.dims == 1:
            self.scatters[0].setData(X[:, 0], y)
            self.setLabel("bottom", ds.feature_names[0] if ds.feature_names else "x")
            self.setLabel("left", ds.target_name)
            lo, hi = float(X[:, 0].min()), float(X[:, 0].max())
            self._box = ((lo, hi), (float(y.min()), float(y.max())))
        else:
            for k in (0, 1):
                sel = y == k
                self.scatters[k].setData(X[sel, 0], X[sel, 1])
            names = ds.feature_names or ("x1", "x2")
            self.setLabel("bottom", names[0])
            self.setLabel("left", names[1])
            pad = 0.05 * float(np.ptp(X[:, :2]) or 1.0)
            self._box = ((float(X[:, 0].min()) - pad, float(X[:, 0].max()) + pad),
                         (float(X[:, 1].min()) - pad, float(X[:, 1].max()) + pad))
        (x0, x1), (y0, y1) = self._box
        # The data's range, fixed: a wild fit must not zoom the data away.
        self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.05)

    def show_params(self, params):
        """Draw the fit for the surface point ``params`` (None: no run to show)."""
        s = self.surface
        self.params = None if params is None else tuple(float(v) for v in params)
        if params is None or not isinstance(s, (DataSurface, SliceSurface)) or \
                self._box is None or not np.all(np.isfinite(params)):
            self.fit.setData([], [])
            return
        if isinstance(s, SliceSurface):
            self._show_network(s, params)
            return
        if MODELS[s.model].task == "regression":
            (x0, x1), _ = self._box
            xs = np.linspace(x0, x1, FIT_SAMPLES)
            self.fit.setData(xs, fit_curve(s.model, params, xs), connect="all")
        else:
            seg = decision_boundary(params, self._box)
            if seg is None:
                self.fit.setData([], [])
            else:
                self.fit.setData(seg[:, 0], seg[:, 1], connect="all")

    def _show_network(self, s, params):
        """The network the slice's point stands for: its curve over a 1-D dataset, or its
        decision boundary (logit 0, p = ½) over a 2-D one, traced on a grid over the data."""
        ds = s.dataset
        if s.network is None or ds is None:
            self.fit.setData([], [])
            return
        (x0, x1), (y0, y1) = self._box
        if ds.dims == 1:
            xs = np.linspace(x0, x1, FIT_SAMPLES)
            with np.errstate(all="ignore"):
                out = s.network_output(params, xs[:, None])
            if s.network.task == "classification":
                out = 0.5 * (1.0 + np.tanh(0.5 * out))  # the probability of class 1
            ok = np.isfinite(out)
            self.fit.setData(xs[ok], out[ok], connect="all")
            return
        if s.network.task != "classification":  # a value over the plane: no line to draw
            self.fit.setData([], [])
            return
        gx, gy = np.linspace(x0, x1, BOUNDARY_SAMPLES), np.linspace(y0, y1, BOUNDARY_SAMPLES)
        X, Y = np.meshgrid(gx, gy, indexing="ij")
        with np.errstate(all="ignore"):
            z = s.network_output(params, np.column_stack([X.ravel(), Y.ravel()]))
        seg = contour_segments(z.reshape(X.shape), 0.0)  # logit 0, in grid units
        if not len(seg):
            self.fit.setData([], [])
            return
        pts = seg.reshape(-1, 2)
        xs = x0 + pts[:, 0] * (x1 - x0) / (BOUNDARY_SAMPLES - 1)
        ys = y0 + pts[:, 1] * (y1 - y0) / (BOUNDARY_SAMPLES - 1)
        self.fit.setData(xs, ys, connect="pairs")

    def curve(self):
        """(xs, ys) drawn now (empty arrays when nothing is)."""
        xs, ys = self.fit.getData()
        if xs is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(xs), np.asarray(ys)


# ---------------------------------------------------------------------------------------------
# The panel.


class DataPanel(QtWidgets.QWidget):
    """Dataset of the current data model, the data with the fit, and the network-slice builder.
    ``current_run`` is a callable giving the run id whose fit is drawn (the selected run)."""

    sliceBuilt = QtCore.pyqtSignal(object)  # the numbers of the slice just shown
    # A built preset's networks are ready: (the right-hand surface, (left header, right header));
    # the left one is the model's surface now (views/compare_view.py shows both).
    comparisonReady = QtCore.pyqtSignal(object, object)
    message = QtCore.pyqtSignal(str)

    def __init__(self, model, engine=None, current_run=None, parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.current_run = current_run or (lambda: None)
        self.worker: SliceWorker | None = None
        self.slice_numbers: dict | None = None
        self._network_mode = False
        self._applied_surface = None  # the surface this panel built (its fields describe it)
        self._preset = None  # the built preset whose networks the worker is training
        self._scenario = None  # (scenario, playing) whose network the worker is training
        self._queued = None  # (scenario, playing) to load once the running build ends
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

        data_box = QtWidgets.QGroupBox("Data")
        form = QtWidgets.QFormLayout(data_box)
        self.dataset_combo = QtWidgets.QComboBox()
        self.dataset_combo.setToolTip("The data the model is fit to: its loss over them is the "
                                      "surface")
        form.addRow("Dataset", self.dataset_combo)
        self.n_spin = IntSpinBox(4, MAX_ROWS)
        self.n_spin.setValue(200)
        self.n_spin.setToolTip(f"Number of data points, 4 to {MAX_ROWS}")
        # Below 0 reads "default": the dataset's own noise level (each has its own).
        self.noise_spin = SciSpinBox(-0.05, 10.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setSpecialValueText("default")
        self.noise_spin.setValue(-0.05)
        self.noise_spin.setToolTip("Noise added to the data, 0 to 10 (\"default\": the "
                                   "dataset's own level)")
        self.seed_spin = IntSpinBox(0, 2 ** 31 - 1)
        self.seed_spin.setToolTip("Seed of the data: the same seed gives the same points")
        row = QtWidgets.QHBoxLayout()
        for label, w in (("n", self.n_spin), ("noise", self.noise_spin),
                         ("seed", self.seed_spin)):
            w.setKeyboardTracking(False)  # typed numbers apply on Enter, not per keystroke
            row.addWidget(QtWidgets.QLabel(label))
            row.addWidget(w, 1)
        form.addRow(row)
        self.fit_label = QtWidgets.QLabel()
        self.fit_label.setWordWrap(True)
        form.addRow(self.fit_label)
        self.plot = FitPlot()
        form.addRow(self.plot)
        self.batch_check = QtWidgets.QCheckBox("Show minibatch surface (2D map)")
        self.batch_check.setToolTip(
            "Orange contours in the 2D map: the loss over the selected run's current minibatch "
            "(the batch its next step follows), at the same levels as the white full-batch "
            "contours; they shift at every step")
        form.addRow(self.batch_check)
        lay.addWidget(data_box)

        self.net_box = QtWidgets.QGroupBox("Network slice (Li et al. 2018)")
        nf = QtWidgets.QFormLayout(self.net_box)
        self.depth_spin = IntSpinBox(1, MAX_DEPTH)
        self.depth_spin.setValue(6)
        self.depth_spin.setToolTip(f"Hidden layers, 1 to {MAX_DEPTH}")
        self.width_spin = IntSpinBox(4, 32)
        self.width_spin.setValue(16)
        self.width_spin.setToolTip("Neurons per hidden layer, 4 to 32")
        r2 = QtWidgets.QHBoxLayout()
        for label, w in (("depth", self.depth_spin), ("width", self.width_spin)):
            r2.addWidget(QtWidgets.QLabel(label))
            r2.addWidget(w, 1)
        nf.addRow(r2)
        self.activation_combo = QtWidgets.QComboBox()
        self.activation_combo.addItems(["relu", "tanh"])
        self.directions_combo = QtWidgets.QComboBox()
        self.directions_combo.addItem("random, filter-normalized", "filter")
        self.directions_combo.addItem("PCA of the training path", "pca")
        r3 = QtWidgets.QHBoxLayout()
        r3.addWidget(self.activation_combo)
        r3.addWidget(self.directions_combo, 1)
        nf.addRow(r3)
        self.skip_check = QtWidgets.QCheckBox("Skip connections (residual)")
        self.epochs_spin = IntSpinBox(1, 20_000)
        self.epochs_spin.setValue(300)
        self.epochs_spin.setToolTip("Full-batch Adam steps of training")
        r4 = QtWidgets.QHBoxLayout()
        r4.addWidget(self.skip_check, 1)
        r4.addWidget(QtWidgets.QLabel("epochs"))
        r4.addWidget(self.epochs_spin)
        nf.addRow(r4)
        r5, self.build_button, self.cancel_button = start_cancel_row(
            "Train and slice", self.build_slice, self.cancel_slice, start_stretch=1)
        nf.addRow(r5)
        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        nf.addRow(self.progress_bar)
        self.slice_label = QtWidgets.QLabel()
        self.slice_label.setWordWrap(True)
        nf.addRow(self.slice_label)
        lay.addWidget(self.net_box)

        self.dataset_combo.currentIndexChanged.connect(lambda _i: self._dataset_edited())
        for w in (self.n_spin, self.seed_spin):
            w.valueChanged.connect(lambda _v: self._dataset_edited())
        self.noise_spin.valueChanged.connect(lambda _v: self._dataset_edited())

        model.surfaceChanged.connect(self._on_surface)
        model.networkNeeded.connect(self.load_scenario)
        # Another scenario or surface put in while a scenario's network trains: that one wins.
        model.scenarioLoaded.connect(self._drop_pending_scenario)
        model.surfaceChanged.connect(self._drop_pending_scenario)
        if engine is not None:
            engine.stepped.connect(self.refresh_fit)
            engine.restarted.connect(self.refresh_fit)
        model.runsChanged.connect(self.refresh_fit)
        self._on_surface()

    # ------------------------------------------------------------------ what is shown
    def set_network_mode(self, on: bool):
        """Show the network builder (the surface picker's "Network slice…")."""
        self._network_mode = bool(on)
        self._on_surface()

    def _fill_datasets(self, task: str | None, current: str | None):
        names = [n for n in dataset_names()
                 if task is None or _dataset_task(n) == task]
        combo = self.dataset_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(names)
        if current in names:
            combo.setCurrentText(current)
        combo.blockSignals(False)

    def _on_surface(self, *_):
        s = self.model.surface
        network = self._network_mode or isinstance(s, SliceSurface)
        self.net_box.setVisible(network)
        ds = getattr(s, "dataset", None)
        if network:
            # A network fits either task (one logit or one value out): every dataset.
            self._fill_datasets(None, ds.name if isinstance(s, SliceSurface) and ds
                                else self.dataset_combo.currentText() or "moons")
        elif isinstance(s, DataSurface):
            self._fill_datasets(MODELS[s.model].task, ds.name if ds is not None else None)
        if s is not self._applied_surface and ds is not None and ds.n <= MAX_ROWS:
            # A surface chosen by name: the model's own dataset (default noise, seed 0).
            self._show_spec({"n": ds.n, "noise": None, "seed": 0})
        self.batch_check.setEnabled(isinstance(s, (DataSurface, SliceSurface)))
        if isinstance(s, SliceSurface):
            spec = recipe_spec(s.recipe) if s.recipe is not None else None
            if spec is not None:  # the fields say which network this is: Train makes it again
                self._show_network_fields(spec)
            self.plot.set_surface(s)
            task = s.network.task if s.network is not None else None
            dims = s.dataset.dims if s.dataset is not None else 0
            what = {("regression", 1): "its curve",
                    ("classification", 1): "its probability of class 1",
                    ("classification", 2): "its decision boundary (p = ½)"}.get((task, dims))
            drawn = (f"White: the network at the selected run's current (α, β), {what}, on "
                     "the data it was trained on." if what else
                     "The data it was trained on (this network's output is not drawn).")
            self.fit_label.setText(f"{s.title}.<br>Training loss at (0, 0): {s.train_loss:.4g}. "
                                   f"{drawn}")
            measures = cached_slice_measures(s)
            self.slice_label.setText(slice_numbers_text(measures) if measures else "")
        elif isinstance(s, DataSurface):
            self.plot.set_surface(s)
            m = MODELS[s.model]
            what = "the line" if s.model == "linear_regression" else \
                "the curve" if m.task == "regression" else "the decision boundary (p = ½)"
            self.fit_label.setText(f"{s.title}. White: {what} of the selected run's current "
                                   f"({m.axes[0]}, {m.axes[1]}).")
        else:
            self.plot.set_surface(None)
            self.fit_label.setText("")
        if network and not isinstance(s, SliceSurface):
            self.plot.set_surface(None)
            self.fit_label.setText("Pick the data and the network, then train it: its loss "
                                   "on a 2-D slice through the trained weights becomes the "
                                   "surface.")
        self.refresh_fit()

    def dataset_spec(self) -> dict:
        noise = float(self.noise_spin.value())
        return {"dataset": self.dataset_combo.currentText(), "n": int(self.n_spin.value()),
                "noise": None if noise < 0 else noise, "seed": int(self.seed_spin.value())}

    def _show_spec(self, spec: dict):
        for w, v in ((self.n_spin, spec["n"]), (self.seed_spin, spec["seed"]),
                     (self.noise_spin, -0.05 if spec["noise"] is None else spec["noise"])):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)

    def _dataset_edited(self):
        if self._network_mode or isinstance(self.model.surface, SliceSurface):
            return  # a network is rebuilt only when asked (training costs seconds)
        s = self.model.surface
        if not isinstance(s, DataSurface):
            return
        self.apply_dataset()

    def apply_dataset(self):
        """Rebuild the current data model's surface over the dataset the fields describe (the
        runs restart: the surface changed)."""
        s = self.model.surface
        spec = self.dataset_spec()
        try:
            ds = dataset(spec["dataset"], n=spec["n"], noise=spec["noise"], seed=spec["seed"])
            new = data_surface(s.model, ds)
        except ValueError as e:
            self.message.emit(str(e))
            return
        self._applied_surface = new
        self.model.set_surface_object(new, start=self.model.start)

    def refresh_fit(self, *_):
        rid = self.current_run()
        params = None
        if self.engine is not None:
            ids = self.engine.run_ids()
            if rid not in ids:
                enabled = [r.id for r in self.model.runs if r.enabled and r.id in ids]
                rid = enabled[0] if enabled else None
            if rid is not None:
                params = self.engine.state(rid).position
        self.plot.show_params(params)

    # ------------------------------------------------------------------ network slices
    def slice_spec(self) -> dict:
        spec = self.dataset_spec()
        spec.update(depth=int(self.depth_spin.value()), width=int(self.width_spin.value()),
                    activation=self.activation_combo.currentText(),
                    skip=self.skip_check.isChecked(),
                    directions=self.directions_combo.currentData(),
                    epochs=int(self.epochs_spin.value()))
        return spec

    def build_slice(self):
        """Train and slice in a worker; the window goes on meanwhile."""
        self._preset = self._scenario = None
        self._start_worker([self.slice_spec()])

    def load_scenario(self, scenario, playing: bool = False):
        """Train the network slice ``scenario`` names (model.networkNeeded) in the worker, then
        put the scenario in the model. A build already under way is cancelled: the scenario
        asked for last wins."""
        if self.worker is not None:
            self._queued = (scenario, playing)  # started when the running build has ended
            self.cancel_slice()
            return
        spec = recipe_spec(scenario.surface_network)
        if spec is not None:  # the network being trained, while it trains
            self._show_network_fields(spec)
        self._preset, self._scenario = None, (scenario, playing)
        self._start_worker([{"recipe": scenario.surface_network}],
                           resolution=scenario.resolution)

    def build_preset(self, preset):
        """Train a built preset's networks (presets.BuiltPreset) in the worker; when they are
        ready the first becomes the surface, with the preset's runs and start, and
        comparisonReady carries the second."""
        if self.worker is not None:
            return
        self._show_network_fields(preset.networks[0])
        self.model.set_resolution(preset.resolution)
        self._preset, self._scenario = preset, None
        self._start_worker(list(preset.networks))

    def _show_network_fields(self, spec: dict):
        self.dataset_combo.blockSignals(True)
        self._fill_datasets(None, spec["dataset"])
        self.dataset_combo.blockSignals(False)
        self._show_spec(spec)
        for w, v in ((self.depth_spin, spec["depth"]), (self.width_spin, spec["width"]),
                     (self.epochs_spin, spec["epochs"])):
            w.setValue(v)
        self.activation_combo.setCurrentText(spec["activation"])
        self.directions_combo.setCurrentIndex(self.directions_combo.findData(spec["directions"]))
        self.skip_check.setChecked(bool(spec["skip"]))

    def _drop_pending_scenario(self, *_):
        if self._scenario is None and self._queued is None:
            return
        self._scenario = self._queued = None
        self.cancel_slice()

    def _start_worker(self, specs, resolution: int | None = None):
        if self.worker is not None:
            return
        from ..threads import keep_alive

        res = self.model.resolution if resolution is None else int(resolution)
        self.worker = w = SliceWorker(specs, res, also_resolution=self.model.resolution)
        w.progress.connect(self._on_progress)
        w.done.connect(self._on_built)
        w.failed.connect(self._on_failed)
        w.cancelled.connect(self._on_cancelled)
        w.finished.connect(self._on_worker_finished)
        keep_alive(w)
        self.build_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("starting… %p%")
        self.progress_bar.show()
        self.slice_label.setText("")
        w.start()

    def cancel_slice(self):
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_bar.setFormat("cancelling…")

    @property
    def building(self) -> bool:
        return self.worker is not None

    def _on_progress(self, f, what):
        if self.worker is None or not self.cancel_button.isEnabled():
            return
        self.progress_bar.setValue(int(1000 * f))
        self.progress_bar.setFormat(f"{what}… %p%")

    def _on_built(self, results):
        surf, numbers = results[0]
        self.slice_numbers = numbers
        self._applied_surface = surf
        preset, self._preset = self._preset, None
        scenario, self._scenario = self._scenario, None
        m = self.model
        if scenario is not None:
            m.set_scenario(scenario[0], playing=scenario[1], surface=surf)
        elif preset is None:
            # A network rebuilt over the same plane (skip connections ticked, another depth):
            # the runs start where they did, so the two landscapes compare from one start.
            (x0, x1), (y0, y1) = surf.bounds
            sx, sy = m.start
            keep = isinstance(m.surface, SliceSurface) and x0 <= sx <= x1 and y0 <= sy <= y1
            m.set_surface_object(surf, start=(sx, sy) if keep else (0.0, 0.0))
        else:
            m.set_playing(False)
            m.set_split(False)
            m.set_surface_object(surf, start=preset.start)
            m.clear_runs()
            for rc in preset.runs:
                m.add_run(**{f.name: getattr(rc, f.name) for f in dataclasses.fields(rc)
                             if f.name != "color"})
        self.slice_label.setText(slice_numbers_text(numbers))
        self.sliceBuilt.emit(numbers)
        if preset is not None:
            headers = tuple(f"<b>{label}</b> · {slice_numbers_text(nums)}"
                            for label, (_s, nums) in zip(preset.labels, results))
            self.comparisonReady.emit(results[1][0], headers)

    def _on_failed(self, text):
        self._preset = self._scenario = None
        self.slice_label.setText(f"<span style='color:#ff6b5a'>Could not build the slice: "
                                 f"{text}</span>")

    def _on_cancelled(self):
        self._preset = self._scenario = None
        self.slice_label.setText("Cancelled: the surface is unchanged.")

    def _on_worker_finished(self):
        self.worker = None
        self.build_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress_bar.hide()
        queued, self._queued = self._queued, None
        if queued is not None:
            self.load_scenario(*queued)


def _dataset_task(name: str) -> str:
    return dataset(name, n=4, seed=0).task


__all__ = ["DataPanel", "FitPlot", "SliceWorker", "NN_SLICE", "fit_curve", "decision_boundary",
           "grid_cached", "slice_numbers_text"]
