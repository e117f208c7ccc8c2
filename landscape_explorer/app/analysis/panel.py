"""The "Analyze" dock and menu: critical points, verdicts, basins of attraction, particle clouds,
random restarts and the step illustration, over the main window's views.

``install_analysis(window)`` adds everything to a MainWindow; numbers come from core.analysis,
heavy work runs in worker threads (analysis_workers), drawing in analysis_overlays.
"""
from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.basins import gaussian_starts, random_restarts, uniform_starts
from landscape_explorer.core.critical import critical_points, eigenvalues, has_cached_critical_points
from landscape_explorer.core.optimizers import OptState
from landscape_explorer.core.verdicts import verdicts

from ..analysis.overlays import (ARROW_STYLE, KIND_STYLE, BasinsOverlay, CloudOverlay,
                                CriticalMarkers2D, CriticalMarkers3D, RestartsOverlay, StepArrows)
from ..analysis.workers import BasinsWorker, CallWorker, CloudRunner

VERDICT_TEXT = {"global_min": "global minimum", "local_min": "local minimum",
                "saddle": "near a saddle", "plateau": "on a plateau", "diverged": "diverged",
                "moving": "moving", "stationary_start": "started on a stationary point",
                "not_started": "not started"}
SLOW_MOTION_SPEED = 1.0  # steps per second
_PLURAL = {"global_min": ("global minimum", "global minima"),
           "local_min": ("local minimum", "local minima"),
           "saddle": ("saddle point", "saddle points"), "max": ("maximum", "maxima"),
           "degenerate": ("degenerate point", "degenerate points")}


_LIVE_THREADS: set = set()


def keep_alive(thread: QtCore.QThread):
    """Hold a worker until it finishes, whatever happens to the panel that started it: a QThread
    destroyed while running takes the process down. Workers have no Qt parent for that reason."""
    _LIVE_THREADS.add(thread)
    thread.finished.connect(functools.partial(_LIVE_THREADS.discard, thread))


def install_analysis(window) -> "AnalysisPanel":
    """Add the Analyze menu and dock to a MainWindow; returns the panel."""
    panel = AnalysisPanel(window)
    window.analysis = panel
    dock = QtWidgets.QDockWidget("Analyze", window)
    dock.setObjectName("analysis_dock")
    dock.setWidget(panel)
    dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable |
                     QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable |
                     QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # opened from the Analyze menu; the views keep their room until then
    panel.dock = dock
    mb = window.menuBar()
    help_menu = getattr(window, "help_menu", None)
    menu = QtWidgets.QMenu("&Analyze", window)
    if help_menu is not None:
        mb.insertMenu(help_menu.menuAction(), menu)
    else:
        mb.addMenu(menu)
    panel.build_menu(menu)
    window.analyze_menu = menu
    panel.close_watcher = _CloseWatcher(panel, window)
    window.installEventFilter(panel.close_watcher)  # stop workers when the window closes
    return panel


def _stop_all(stoppers, *_):
    for stop in list(stoppers):
        stop()


def _fmt2(v) -> str:
    return f"({v[0]:.3g}, {v[1]:.3g})"


class AnalysisPanel(QtWidgets.QTabWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.model = window.model
        self.engine = window.engine
        self.view2d = window.view2d
        self.view3d = window.view3d
        self.dock = None
        self.critical: list = []
        self._workers: set = set()
        self._stoppers: list = []  # cancel/stop callables of running workers
        self._basins_worker: BasinsWorker | None = None
        self._cloud: CloudRunner | None = None
        self._slow_prev_speed: float | None = None
        self._compare_chosen = False
        self.setMinimumWidth(300)

        # Overlays
        self.markers2d = CriticalMarkers2D(self.view2d)
        self.markers3d = CriticalMarkers3D(self.view3d) if self.view3d is not None else None
        self.basins_overlay = BasinsOverlay(self.view2d, self.view3d)
        self.cloud_overlay = CloudOverlay(self.view2d, self.view3d)
        self.restarts_overlay = RestartsOverlay(self.view2d, self.view3d)
        self.arrows = StepArrows(self.view2d, self.view3d)

        self._build_landscape_tab()
        self._build_basins_tab()
        self._build_cloud_tab()
        self._build_step_tab()

        self._verdict_timer = QtCore.QTimer(self)
        self._verdict_timer.setSingleShot(True)
        self._verdict_timer.setInterval(250)
        self._verdict_timer.timeout.connect(self.refresh_verdicts)
        self._cloud_timer = QtCore.QTimer(self)
        self._cloud_timer.setInterval(33)
        self._cloud_timer.timeout.connect(self._cloud_frame)

        m = self.model
        for sig in (m.surfaceChanged, m.boundsChanged):
            sig.connect(self._on_surface)
        for sig in (m.resolutionChanged, m.appearanceChanged):
            sig.connect(self._redraw_overlays)
        m.runsChanged.connect(self._on_runs)
        m.runChanged.connect(lambda _id: self._on_runs())
        m.speedChanged.connect(self._on_speed)
        self.engine.stepped.connect(self._on_stepped)
        self.engine.restarted.connect(self._on_stepped)
        self._on_runs()
        self._on_surface()
        self.destroyed.connect(functools.partial(_stop_all, self._stoppers))

    # ================================================================== tabs
    def _build_landscape_tab(self):
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        self.show_critical = QtWidgets.QCheckBox("Show critical points")
        self.show_critical.setToolTip("Mark every minimum, saddle and maximum in both views "
                                      "(hover a marker for its value and Hessian eigenvalues)")
        self.show_critical.setChecked(False)
        self.show_critical.toggled.connect(self.set_critical_visible)
        lay.addWidget(self.show_critical)
        legend = " · ".join(f"<span style='color:{c}'>{'★●✕▲◆'[i]}</span> {label}"
                            for i, (c, _, label) in enumerate(KIND_STYLE.values()))
        leg = QtWidgets.QLabel(legend)
        leg.setWordWrap(True)
        lay.addWidget(leg)
        self.critical_label = QtWidgets.QLabel("Finding critical points…")
        self.critical_label.setWordWrap(True)
        lay.addWidget(self.critical_label)
        box = QtWidgets.QGroupBox("Verdicts")
        bl = QtWidgets.QVBoxLayout(box)
        self.verdict_label = QtWidgets.QLabel()
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.verdict_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        bl.addWidget(self.verdict_label)
        lay.addWidget(box)
        lay.addStretch(1)
        self.addTab(w, "Landscape")

    def _run_combo(self, tip):
        c = QtWidgets.QComboBox()
        c.setToolTip(tip)
        return c

    def _build_basins_tab(self):
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        form = QtWidgets.QFormLayout()
        self.basins_run = self._run_combo("The run whose optimizer is mapped")
        self.basins_compare = self._run_combo("A second run to map side by side (optional)")
        self.basins_res = QtWidgets.QSpinBox()
        self.basins_res.setRange(8, 512)
        self.basins_res.setValue(128)
        self.basins_res.setToolTip("Starts per axis: the map has resolution² starts")
        self.basins_steps = QtWidgets.QSpinBox()
        self.basins_steps.setRange(1, 100_000)
        self.basins_steps.setValue(300)
        self.basins_steps.setToolTip("Steps each start runs before it is classified")
        form.addRow("Optimizer", self.basins_run)
        form.addRow("Compare with", self.basins_compare)
        form.addRow("Resolution", self.basins_res)
        form.addRow("Steps", self.basins_steps)
        lay.addLayout(form)
        row = QtWidgets.QHBoxLayout()
        self.basins_go = QtWidgets.QPushButton("Compute basins")
        self.basins_go.clicked.connect(self.compute_basins)
        self.basins_cancel = QtWidgets.QPushButton("Cancel")
        self.basins_cancel.setEnabled(False)
        self.basins_cancel.clicked.connect(self.cancel_basins)
        row.addWidget(self.basins_go)
        row.addWidget(self.basins_cancel)
        lay.addLayout(row)
        self.basins_progress = QtWidgets.QProgressBar()
        self.basins_progress.setRange(0, 1000)
        self.basins_progress.setValue(0)
        lay.addWidget(self.basins_progress)
        self.basins_show = QtWidgets.QCheckBox("Show the map on the surface")
        self.basins_show.setChecked(True)
        self.basins_show.toggled.connect(self.basins_overlay.set_visible)
        lay.addWidget(self.basins_show)
        self.basins_images = QtWidgets.QHBoxLayout()
        lay.addLayout(self.basins_images)
        self.basins_label = QtWidgets.QLabel("Color each start by the minimum it ends in.")
        self.basins_label.setWordWrap(True)
        lay.addWidget(self.basins_label)
        lay.addStretch(1)
        self.basins_results: list = []
        self.addTab(w, "Basins")

    def _build_cloud_tab(self):
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        box = QtWidgets.QGroupBox("Particle cloud")
        form = QtWidgets.QFormLayout(box)
        self.cloud_run = self._run_combo("The run whose optimizer steps the cloud")
        self.cloud_n = QtWidgets.QSpinBox()
        self.cloud_n.setRange(1, 200_000)
        self.cloud_n.setValue(2000)
        self.cloud_n.setToolTip("Number of particles (100,000 stay interactive)")
        self.cloud_dist = QtWidgets.QComboBox()
        self.cloud_dist.addItems(["Gaussian around the start", "Uniform over the bounds"])
        self.cloud_sigma = QtWidgets.QDoubleSpinBox()
        self.cloud_sigma.setRange(0.001, 1.0)
        self.cloud_sigma.setSingleStep(0.01)
        self.cloud_sigma.setDecimals(3)
        self.cloud_sigma.setValue(0.05)
        self.cloud_sigma.setToolTip("Standard deviation of the Gaussian, as a fraction of the "
                                    "plotting area's width")
        form.addRow("Optimizer", self.cloud_run)
        form.addRow("Particles", self.cloud_n)
        form.addRow("Starts", self.cloud_dist)
        form.addRow("Spread", self.cloud_sigma)
        row = QtWidgets.QHBoxLayout()
        self.cloud_go = QtWidgets.QPushButton("Release cloud")
        self.cloud_go.clicked.connect(self.start_cloud)
        self.cloud_stop = QtWidgets.QPushButton("Stop")
        self.cloud_stop.setEnabled(False)
        self.cloud_stop.clicked.connect(self.stop_cloud)
        row.addWidget(self.cloud_go)
        row.addWidget(self.cloud_stop)
        form.addRow(row)
        self.cloud_label = QtWidgets.QLabel()
        self.cloud_label.setWordWrap(True)
        form.addRow(self.cloud_label)
        lay.addWidget(box)

        box = QtWidgets.QGroupBox("Random restarts")
        form = QtWidgets.QFormLayout(box)
        self.restarts_k = QtWidgets.QSpinBox()
        self.restarts_k.setRange(1, 10_000)
        self.restarts_k.setValue(20)
        self.restarts_k.setToolTip("Starts drawn uniformly over the bounds; the best end is kept")
        form.addRow("Restarts", self.restarts_k)
        self.restarts_go = QtWidgets.QPushButton("Run restarts")
        self.restarts_go.clicked.connect(self.run_restarts)
        form.addRow(self.restarts_go)
        self.restarts_label = QtWidgets.QLabel("The classical remedy: try many starts, keep "
                                               "the best.")
        self.restarts_label.setWordWrap(True)
        form.addRow(self.restarts_label)
        lay.addWidget(box)
        lay.addStretch(1)
        self.addTab(w, "Cloud")

    def _build_step_tab(self):
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        form = QtWidgets.QFormLayout()
        self.step_run = self._run_combo("The run whose step is illustrated")
        self.step_run.currentIndexChanged.connect(lambda _: self.refresh_step())
        form.addRow("Run", self.step_run)
        lay.addLayout(form)
        self.show_arrows = QtWidgets.QCheckBox("Show arrows at the ball")
        self.show_arrows.setToolTip("Red: −gradient · blue: momentum · white: the next update "
                                    "(directions; sizes in the caption)")
        self.show_arrows.toggled.connect(lambda _: self.refresh_step())
        lay.addWidget(self.show_arrows)
        self.slow_motion = QtWidgets.QCheckBox("Slow motion (one step per second)")
        self.slow_motion.toggled.connect(self.set_slow_motion)
        lay.addWidget(self.slow_motion)
        legend = " · ".join(f"<span style='color:{c}; background-color:#202228'>&nbsp;➜&nbsp;"
                            f"</span> {label}" for c, label in ARROW_STYLE.values())
        lay.addWidget(QtWidgets.QLabel(legend))
        self.step_caption = QtWidgets.QLabel()
        self.step_caption.setWordWrap(True)
        self.step_caption.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.step_caption)
        self.hessian_label = QtWidgets.QLabel()
        self.hessian_label.setWordWrap(True)
        lay.addWidget(self.hessian_label)
        lay.addStretch(1)
        self.addTab(w, "Step")

    def build_menu(self, menu: QtWidgets.QMenu):
        self.critical_action = menu.addAction("Show critical points")
        self.critical_action.setCheckable(True)
        self.critical_action.setChecked(self.show_critical.isChecked())
        self.critical_action.setShortcut(QtGui.QKeySequence("Ctrl+K"))
        self.critical_action.toggled.connect(self.show_critical.setChecked)
        self.show_critical.toggled.connect(self.critical_action.setChecked)
        menu.addSeparator()
        for text, tab, slot in (("Basins of attraction…", 1, self.compute_basins),
                                ("Particle cloud…", 2, self.start_cloud),
                                ("Random restarts…", 2, self.run_restarts)):
            act = menu.addAction(text)
            act.triggered.connect(functools.partial(self._menu_go, tab, slot))
        menu.addSeparator()
        self.arrows_action = menu.addAction("Step illustration")
        self.arrows_action.setCheckable(True)
        self.arrows_action.toggled.connect(self.show_arrows.setChecked)
        self.show_arrows.toggled.connect(self.arrows_action.setChecked)
        self.arrows_action.toggled.connect(lambda on: on and self._show_tab(3))
        self.slow_action = menu.addAction("Slow motion")
        self.slow_action.setCheckable(True)
        self.slow_action.toggled.connect(self.slow_motion.setChecked)
        self.slow_motion.toggled.connect(self.slow_action.setChecked)
        menu.addSeparator()
        if self.dock is not None:
            menu.addAction(self.dock.toggleViewAction())

    def _menu_go(self, tab, slot, *_):
        self._show_tab(tab)
        slot()

    def _show_tab(self, index):
        if self.dock is not None:
            self.dock.show()
            self.dock.raise_()
        self.setCurrentIndex(index)

    # ================================================================== model changes
    def _on_runs(self):
        runs = self.model.runs
        for combo, allow_none in ((self.basins_run, False), (self.basins_compare, True),
                                  (self.cloud_run, False), (self.step_run, False)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if allow_none:
                combo.addItem("(none)", None)
            for r in runs:
                pm = QtGui.QPixmap(12, 12)
                pm.fill(QtGui.QColor(r.color))
                combo.addItem(QtGui.QIcon(pm), r.name, r.id)
            i = combo.findData(current)
            if allow_none and i <= 0 and len(runs) > 1 and not self._compare_chosen:
                i = combo.findData(runs[1].id)  # two maps side by side unless told otherwise
                self._compare_chosen = True
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)
        self._verdict_timer.start()
        self.refresh_step()

    def _on_surface(self, *_):
        """New surface or bounds: old maps and clouds no longer apply; find critical points."""
        self.stop_cloud()
        self.cloud_overlay.clear()
        self.cancel_basins()
        self.basins_overlay.set_result(None)
        self._set_basins_images([])
        self.restarts_overlay.set_result(None)
        self.critical = []
        self.markers2d.set_points([])
        if self.markers3d is not None:
            self.markers3d.set_points([])
        self.critical_label.setText("Finding critical points…")
        surf, bounds = self.model.surface, self.model.bounds

        def find():
            critical_points(surf)  # the verdicts' reference (the surface's own bounds)
            return critical_points(surf, bounds)

        self._start_worker(CallWorker(("critical", surf.name, bounds), find))
        self._redraw_overlays()

    def _start_worker(self, worker):
        self._workers.add(worker)
        keep_alive(worker)
        worker.done.connect(self._on_worker_done)
        worker.failed.connect(self._on_worker_failed)
        worker.finished.connect(functools.partial(self._workers.discard, worker))
        worker.start()

    def _on_worker_done(self, tag, result):
        if tag[0] == "critical":
            if tag[1:] != (self.model.surface_name, self.model.bounds):
                return  # a stale answer for a surface no longer shown
            self.critical = list(result)
            self.markers2d.set_points(self.critical)
            if self.markers3d is not None:
                self.markers3d.set_points(self.critical)
            self.set_critical_visible(self.show_critical.isChecked())
            counts = {}
            for c in self.critical:
                counts[c.kind] = counts.get(c.kind, 0) + 1
            parts = [f"{n} {_PLURAL[k][n != 1]}" for k, n in counts.items()]
            self.critical_label.setText(
                f"{len(self.critical)} critical points: " + ", ".join(parts) if parts
                else "No critical points inside the bounds.")
            self.refresh_verdicts()
        elif tag[0] == "restarts":
            self._on_restarts(tag, result)

    def _on_worker_failed(self, tag, message):
        if tag[0] == "critical":
            self.critical_label.setText(f"Could not find critical points: {message}")
        elif tag[0] == "restarts":
            self.restarts_go.setEnabled(True)
            self.restarts_label.setText(f"Restarts failed: {message}")

    def _redraw_overlays(self, *_):
        self.markers2d.redraw()
        if self.markers3d is not None:
            self.markers3d.redraw()
        self.basins_overlay.redraw()
        self.cloud_overlay.redraw()
        self.restarts_overlay.redraw()
        self.refresh_step()

    def set_critical_visible(self, on: bool):
        self.markers2d.set_visible(on)
        if self.markers3d is not None:
            self.markers3d.set_visible(on)

    def _on_stepped(self):
        if not self._verdict_timer.isActive():
            self._verdict_timer.start()
        self.refresh_step()

    # ================================================================== verdicts
    def verdicts(self) -> dict:
        """run id -> Verdict for every run (empty until the critical points are known)."""
        surf = self.model.surface
        if not self.critical and not has_cached_critical_points(surf):
            return {}
        out = {}
        for rid in self.engine.run_ids():
            try:
                out[rid] = verdicts(self.engine.stepper(rid))[0]
            except Exception:
                continue
        return out

    def refresh_verdicts(self):
        vs = self.verdicts()
        lines = []
        for r in self.model.runs:
            v = vs.get(r.id)
            if v is None:
                continue
            lines.append(f"<p><span style='color:{r.color}'>■</span> <b>{r.name}</b>: "
                         f"{VERDICT_TEXT[v.kind]}<br><small>{v.detail}</small></p>")
        self.verdict_label.setText("".join(lines) or "Verdicts appear once the critical points "
                                                     "are known.")

    # ================================================================== basins
    def _optimizer_of(self, run_id):
        return self.model.run(run_id).build_optimizer()

    def compute_basins(self):
        if self._basins_worker is not None:
            return
        ids = [self.basins_run.currentData()]
        if self.basins_compare.currentData() is not None and \
                self.basins_compare.currentData() != ids[0]:
            ids.append(self.basins_compare.currentData())
        ids = [i for i in ids if i is not None]
        if not ids:
            self.basins_label.setText("Add a run first: the map is of a run's optimizer.")
            return
        try:
            opts = [self._optimizer_of(i) for i in ids]
        except Exception as e:
            self.basins_label.setText(f"Cannot map this run: {e}")
            return
        self._basins_names = [self.model.run(i).name for i in ids]
        self._basins_key = (self.model.surface_name, self.model.bounds)
        w = BasinsWorker(self.model.surface, opts, resolution=self.basins_res.value(),
                         steps=self.basins_steps.value(), bounds=self.model.bounds)
        w.progress.connect(lambda f: self.basins_progress.setValue(int(1000 * f)))
        w.done.connect(self._on_basins)
        w.failed.connect(lambda m: self._basins_finished(f"Basins failed: {m}"))
        w.cancelled.connect(lambda: self._basins_finished("Cancelled."))
        self._basins_worker = w
        keep_alive(w)
        self._stoppers.append(w.cancel)
        self.basins_go.setEnabled(False)
        self.basins_cancel.setEnabled(True)
        self.basins_progress.setValue(0)
        self.basins_label.setText(f"Running {self.basins_res.value()}² starts × "
                                  f"{self.basins_steps.value()} steps…")
        w.start()

    def cancel_basins(self):
        if self._basins_worker is not None:
            self._basins_worker.cancel()

    def _basins_finished(self, text):
        w = self._basins_worker
        if w is not None:
            w.wait(5000)
            self._stoppers[:] = [f for f in self._stoppers if f != w.cancel]
        self._basins_worker = None
        self.basins_go.setEnabled(True)
        self.basins_cancel.setEnabled(False)
        self.basins_label.setText(text)

    def _on_basins(self, results):
        if getattr(self, "_basins_key", None) != (self.model.surface_name, self.model.bounds):
            self._basins_finished("The surface changed: compute the map again.")
            return
        self.basins_results = list(results)
        lines = []
        for name, r in zip(self._basins_names, results):
            lines.append(f"<b>{name}</b>: {100 * r.global_min_fraction:.1f}% of starts reach the "
                         f"global minimum, {100 * r.fractions.get('diverged', 0):.1f}% diverge, "
                         f"{100 * r.fractions.get('not_converged', 0):.1f}% do not settle "
                         f"({r.seconds:.1f} s)")
        self._basins_finished("")
        self.basins_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.basins_label.setText("<br>".join(lines))
        self._set_basins_images(results)
        self.basins_overlay.set_result(results[0])
        self.basins_progress.setValue(1000)

    def _set_basins_images(self, results):
        while self.basins_images.count():
            item = self.basins_images.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for r in results:
            img = np.ascontiguousarray(r.image())
            h, w = img.shape[:2]
            qimg = QtGui.QImage(img.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()
            lab = QtWidgets.QLabel()
            lab.setPixmap(QtGui.QPixmap.fromImage(qimg).scaled(
                140, 140, QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                QtCore.Qt.TransformationMode.FastTransformation))
            lab.setToolTip(f"{r.optimizer.spec()}: {100 * r.global_min_fraction:.1f}% reach the "
                           "global minimum")
            self.basins_images.addWidget(lab)

    # ================================================================== particle cloud
    def cloud_starts(self) -> np.ndarray:
        n = self.cloud_n.value()
        seed = 0
        if self.cloud_dist.currentIndex() == 0:
            (x0, x1), _ = self.model.bounds
            return gaussian_starts(self.model.start, n, self.cloud_sigma.value() * (x1 - x0),
                                      seed=seed)
        return uniform_starts(self.model.surface, n, bounds=self.model.bounds, seed=seed)

    def start_cloud(self):
        self.stop_cloud()
        rid = self.cloud_run.currentData()
        if rid is None:
            self.cloud_label.setText("Add a run first: the cloud uses a run's optimizer.")
            return
        try:
            spec = self.model.run(rid)
            opt = spec.build_optimizer()
        except Exception as e:
            self.cloud_label.setText(f"Cannot use this run: {e}")
            return
        self.cloud_overlay.set_color(spec.color)
        self.cloud_overlay.clear()
        starts = self.cloud_starts()
        self._cloud = CloudRunner(self.model.surface, opt, starts, self.model.max_steps,
                                  self.model.speed, seed=int(spec.seed))
        self._cloud.finished_steps.connect(self._on_cloud_done)
        keep_alive(self._cloud)
        self._stoppers.append(self._cloud.stop)
        self._cloud.start()
        self._cloud_timer.start()
        self.cloud_go.setEnabled(False)
        self.cloud_stop.setEnabled(True)
        self.cloud_label.setText(f"{len(starts):,} particles released.")
        self.cloud_overlay.push(starts)

    def stop_cloud(self):
        c = self._cloud
        if c is None:
            return
        self._cloud = None
        self._cloud_timer.stop()
        c.stop()
        self._stoppers[:] = [f for f in self._stoppers if f != c.stop]
        c.wait(10000)
        self._draw_cloud(c)
        self.cloud_go.setEnabled(True)
        self.cloud_stop.setEnabled(False)

    def _cloud_frame(self):
        c = self._cloud
        if c is None:
            return
        self._draw_cloud(c)
        if c.isFinished():
            self.stop_cloud()

    def _draw_cloud(self, c):
        step, pos = c.snapshot()
        if (id(c), step) != getattr(self, "_cloud_drawn", None):
            self._cloud_drawn = (id(c), step)
            self.cloud_overlay.push(pos)
            if "%" not in self.cloud_label.text():
                self.cloud_label.setText(f"{len(pos):,} particles · step {step:,}")

    def _on_cloud_done(self, summary):
        parts = [f"{100 * f:.1f}% {VERDICT_TEXT[k]}" for k, f in summary["fractions"].items()]
        self.cloud_label.setText(f"After {summary['step']:,} steps: " + ", ".join(parts))

    def _on_speed(self, v):
        if self._cloud is not None:
            self._cloud.set_speed(v)

    # ================================================================== random restarts
    def run_restarts(self):
        rid = self.cloud_run.currentData()
        if rid is None:
            self.restarts_label.setText("Add a run first: restarts use a run's optimizer.")
            return
        try:
            opt = self._optimizer_of(rid)
        except Exception as e:
            self.restarts_label.setText(f"Cannot use this run: {e}")
            return
        k = self.restarts_k.value()
        surf, bounds, steps = self.model.surface, self.model.bounds, self.model.max_steps
        tag = ("restarts", surf.name, bounds, self.model.run(rid).name)

        def work():
            rr = random_restarts(surf, opt, k=k, steps=steps, bounds=bounds, seed=0,
                                    record_every=max(1, steps // 500))
            return rr, rr.best_verdict

        self.restarts_go.setEnabled(False)
        self.restarts_label.setText(f"Running {k} restarts × {steps} steps…")
        self._start_worker(CallWorker(tag, work))

    def _on_restarts(self, tag, result):
        self.restarts_go.setEnabled(True)
        if tag[1:3] != (self.model.surface_name, self.model.bounds):
            return
        rr, verdict = result
        self.restarts_result = rr
        self.restarts_overlay.set_result(rr)
        n = len(rr.starts)
        x, y = (0.0 if abs(v) < 1e-9 else float(v) for v in rr.best_point)
        self.restarts_label.setText(f"Best of {n} ({tag[3]}): loss {rr.best_loss:.4g} at "
                                    f"({x:.4g}, {y:.4g}) — {verdict.detail}")

    # ================================================================== step illustration
    def step_vectors(self, run_id):
        """(position, vectors {gradient, momentum, update}, caption, eigenvalues) of a run."""
        st = self.engine.stepper(run_id)
        opt = st.optimizer
        surf = self.model.surface
        p = st.positions[:1]
        g = st.last_grad[:1]
        if opt.clip is not None:
            n = float(np.hypot(*g[0]))
            g = g * min(opt.clip / (n + 1e-6), 1.0)
        buffers = st.buffers
        buf = buffers[:, :1].copy()
        ctx = SimpleNamespace(value=surf.value, grad=surf.grad, rng=np.random.default_rng(0))
        with np.errstate(all="ignore"):
            new, _ = opt.update(g, OptState(st.step, buf), p, ctx)
        update = np.nan_to_num(new[0] - p[0])
        hp = opt.hyperparams
        name = opt.name
        momentum = None
        if name == "sgd" and hp.get("momentum"):
            momentum = buffers[0, 0]
        elif name in ("adam", "adamw", "adamax", "nadam", "radam", "lion"):
            momentum = buffers[0, 0]
        elif name == "rmsprop" and hp.get("momentum"):
            momentum = buffers[2, 0]
        lr = float(opt.lrs(st.step, 1)[0])
        rule = {
            "gd": "x ← x − lr·g",
            "sgd": ("v ← μ·v + (1−τ)·g,  x ← x − lr·v" if hp.get("momentum") else "x ← x − lr·g"),
            "adam": "m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  x ← x − lr·m̂/(√v̂ + ε)",
            "adamw": "x ← x(1 − lr·λ),  then Adam's step",
            "rmsprop": "v ← αv + (1−α)g²,  x ← x − lr·g/(√v + ε)",
            "adagrad": "s ← s + g²,  x ← x − lr·g/(√s + ε)",
            "lion": "x ← x − lr·sign(β₁m + (1−β₁)g),  m ← β₂m + (1−β₂)g",
            "annealing": "propose x + lr·ξ, accept by Metropolis at temperature T",
            "perturbed_gd": "x ← x − lr·g, with a random kick when |g| ≤ g_thres",
            "sgld": "x ← x − lr·g + √(2·lr·T)·ξ",
        }.get(name, f"{name} update")
        parts = [f"step {st.step:,}", rule, f"lr = {lr:.3g}", f"g = {_fmt2(g[0])}"]
        if momentum is not None:
            parts.append(f"{'v' if name in ('sgd', 'rmsprop') else 'm'} = {_fmt2(momentum)}")
        parts.append(f"next update = {_fmt2(update)} (|Δ| = {math.hypot(*update):.3g}"
                     + (", before gradient noise)" if opt.noise else ")"))
        caption = " · ".join(parts)
        eig = eigenvalues(surf, p[0])
        vectors = {"gradient": -g[0] if np.hypot(*g[0]) > 0 else None,
                   "momentum": (-np.asarray(momentum) if momentum is not None
                                and np.hypot(*momentum) > 0 else None),
                   "update": update if np.hypot(*update) > 0 else None}
        return p[0], vectors, caption, eig

    def refresh_step(self):
        rid = self.step_run.currentData()
        if rid is None or rid not in self.engine.run_ids():
            self.arrows.clear()
            self.step_caption.setText("")
            self.hessian_label.setText("")
            return
        try:
            pos, vectors, caption, eig = self.step_vectors(rid)
        except Exception as e:
            self.arrows.clear()
            self.step_caption.setText(f"No illustration for this run: {e}")
            return
        self.step_caption.setText(caption)
        lo, hi = (float(v) for v in eig)
        shape = ("a bowl (both curve up)" if lo > 0 else "a dome (both curve down)" if hi < 0
                 else "a saddle (one direction curves down)" if lo < 0 < hi else "flat in a "
                 "direction")
        self.hessian_label.setText(f"Hessian eigenvalues at the ball: {lo:.4g}, {hi:.4g} — "
                                   f"locally {shape}")
        if self.show_arrows.isChecked():
            self.arrows.show(pos, vectors)
        else:
            self.arrows.clear()

    def set_slow_motion(self, on: bool):
        m = self.model
        if on:
            if self._slow_prev_speed is None:
                self._slow_prev_speed = m.speed
            m.set_speed(SLOW_MOTION_SPEED)
            self.show_arrows.setChecked(True)
            m.set_playing(True)
        elif self._slow_prev_speed is not None:
            m.set_speed(self._slow_prev_speed)
            self._slow_prev_speed = None

    # ================================================================== shutdown
    def shutdown(self):
        self.stop_cloud()
        if self._basins_worker is not None:
            self._basins_worker.cancel()
            self._basins_worker.wait(10000)
        for w in list(self._workers):
            w.wait(30000)



class _CloseWatcher(QtCore.QObject):
    """Stops the panel's workers when the window closes (threads must not outlive it)."""

    def __init__(self, panel, window):
        super().__init__(panel)
        self.panel, self.window_ = panel, window

    def eventFilter(self, obj, ev):
        if obj is self.window_ and ev.type() == QtCore.QEvent.Type.Close:
            self.panel.shutdown()
        return False
