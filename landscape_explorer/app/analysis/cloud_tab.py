"""The Analyze dock's "Cloud" tab: a particle cloud stepped live by a run's optimizer, and random
restarts (every restart's path drawn, the best one highlighted)."""
from __future__ import annotations

from PyQt6 import QtCore, QtWidgets

from landscape_explorer.core.basins import gaussian_starts, random_restarts, uniform_starts

from ..verdict_style import verdict_style
from ..panels.widgets import IntSpinBox, SciSpinBox, refusal_label, start_cancel_row
from ..threads import keep_alive
from .workers import CallWorker, CloudRunner

CLOUD_FRAME_MS = 33
RESTART_PATH_POINTS = 500  # rows kept per restart's path: enough for a smooth line


class CloudTab(QtWidgets.QWidget):
    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.model = panel.model
        self.cloud_overlay = panel.cloud_overlay
        self.restarts_overlay = panel.restarts_overlay
        self._cloud: CloudRunner | None = None
        self._cloud_drawn = None
        self.restarts_result = None
        self._restarts_worker = None
        self._cloud_timer = QtCore.QTimer(self)
        self._cloud_timer.setInterval(CLOUD_FRAME_MS)
        self._cloud_timer.timeout.connect(self._cloud_frame)
        lay = QtWidgets.QVBoxLayout(self)
        box = QtWidgets.QGroupBox("Particle cloud")
        form = QtWidgets.QFormLayout(box)
        self.cloud_run = panel.run_combo("The run whose optimizer steps the cloud")
        self.cloud_n = IntSpinBox(1, 200_000)
        self.cloud_n.setValue(2000)
        self.cloud_n.setToolTip("Number of particles (100,000 stay interactive)")
        self.cloud_dist = QtWidgets.QComboBox()
        self.cloud_dist.addItems(["Gaussian around the start", "Uniform over the bounds"])
        self.cloud_sigma = SciSpinBox(0.001, 1.0)
        self.cloud_sigma.setSingleStep(0.01)
        self.cloud_sigma.setValue(0.05)
        self.cloud_sigma.setToolTip("Standard deviation of the Gaussian, as a fraction of the "
                                    "plotting area's width")
        form.addRow("Optimizer", self.cloud_run)
        form.addRow("Particles", self.cloud_n)
        form.addRow("Starts", self.cloud_dist)
        form.addRow("Spread", self.cloud_sigma)
        row, self.cloud_go, self.cloud_stop = start_cancel_row(
            "Release cloud", self.start_cloud, self.stop_cloud, cancel_text="Stop")
        form.addRow(row)
        self.cloud_label = QtWidgets.QLabel()
        self.cloud_label.setWordWrap(True)
        form.addRow(self.cloud_label)
        self.error_label = refusal_label({"Particles": self.cloud_n, "Spread": self.cloud_sigma})
        form.addRow(self.error_label)
        lay.addWidget(box)

        box = QtWidgets.QGroupBox("Random restarts")
        form = QtWidgets.QFormLayout(box)
        self.restarts_k = IntSpinBox(1, 10_000)
        self.restarts_k.setValue(20)
        self.restarts_k.setToolTip("Starts drawn uniformly over the bounds; the best end is kept")
        form.addRow("Restarts", self.restarts_k)
        self.restarts_error = refusal_label({"Restarts": self.restarts_k})
        form.addRow(self.restarts_error)
        self.restarts_go = QtWidgets.QPushButton("Run restarts")
        self.restarts_go.clicked.connect(self.run_restarts)
        form.addRow(self.restarts_go)
        self.restarts_label = QtWidgets.QLabel("The classical remedy: try many starts, keep "
                                               "the best.")
        self.restarts_label.setWordWrap(True)
        form.addRow(self.restarts_label)
        lay.addWidget(box)
        lay.addStretch(1)

    # ------------------------------------------------------------------ particle cloud
    @property
    def runner(self) -> CloudRunner | None:
        """The cloud's worker while it runs."""
        return self._cloud

    def cloud_starts(self):
        n = self.cloud_n.value()
        if self.cloud_dist.currentIndex() == 0:
            (x0, x1), _ = self.model.bounds
            return gaussian_starts(self.model.start, n, self.cloud_sigma.value() * (x1 - x0),
                                   seed=0)
        return uniform_starts(self.model.surface, n, bounds=self.model.bounds, seed=0)

    def start_cloud(self):
        self.stop_cloud()
        rid = self.cloud_run.currentData()
        if rid is None:
            self.cloud_label.setText("Add a run first: the cloud uses a run's optimizer.")
            return
        try:
            spec = self.model.run(rid)
            opt = spec.build_optimizer()
        except (KeyError, ValueError) as e:
            self.cloud_label.setText(f"Cannot use this run: {e}")
            return
        self.cloud_overlay.set_color(spec.color)
        self.cloud_overlay.clear()
        starts = self.cloud_starts()
        self._cloud = CloudRunner(self.model.surface, opt, starts, self.model.max_steps,
                                  self.model.speed, seed=int(spec.seed))
        self._cloud.finished_steps.connect(self._on_cloud_done)
        keep_alive(self._cloud)
        self.panel.add_stopper(self._cloud.stop)
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
        self.panel.remove_stopper(c.stop)
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
        if (id(c), step) != self._cloud_drawn:
            self._cloud_drawn = (id(c), step)
            self.cloud_overlay.push(pos)
            if "%" not in self.cloud_label.text():
                self.cloud_label.setText(f"{len(pos):,} particles · step {step:,}")

    def _on_cloud_done(self, summary):
        parts = [f"{100 * f:.1f}% {verdict_style(k).label}" for k, f in summary["fractions"].items()]
        self.cloud_label.setText(f"After {summary['step']:,} steps: " + ", ".join(parts))

    def set_speed(self, v):
        if self._cloud is not None:
            self._cloud.set_speed(v)

    # ------------------------------------------------------------------ random restarts
    def run_restarts(self):
        rid = self.cloud_run.currentData()
        if rid is None:
            self.restarts_label.setText("Add a run first: restarts use a run's optimizer.")
            return
        try:
            opt = self.model.run(rid).build_optimizer()
        except (KeyError, ValueError) as e:
            self.restarts_label.setText(f"Cannot use this run: {e}")
            return
        k = self.restarts_k.value()
        surf, bounds, steps = self.model.surface, self.model.bounds, self.model.max_steps
        tag = ("restarts", surf, bounds, self.model.run(rid).name)

        def work():
            rr = random_restarts(surf, opt, k=k, steps=steps, bounds=bounds, seed=0,
                                 record_every=max(1, steps // RESTART_PATH_POINTS))
            return rr, rr.best_verdict

        self.restarts_go.setEnabled(False)
        self.restarts_label.setText(f"Running {k} restarts × {steps} steps…")
        w = CallWorker(tag, work)
        w.done.connect(self._on_restarts)
        w.failed.connect(self._on_restarts_failed)
        self._restarts_worker = w
        self.panel.start_worker(w)

    def _on_restarts(self, tag, result):
        self.restarts_go.setEnabled(True)
        self._restarts_worker = None
        if tag[1:3] != (self.model.surface, self.model.bounds):
            return  # stale: the surface changed while they ran
        rr, verdict = result
        self.restarts_result = rr
        self.restarts_overlay.set_result(rr)
        n = len(rr.starts)
        x, y = (0.0 if abs(v) < 1e-9 else float(v) for v in rr.best_point)
        self.restarts_label.setText(f"Best of {n} ({tag[3]}), highlighted: loss "
                                    f"{rr.best_loss:.4g} at ({x:.4g}, {y:.4g}) — {verdict.detail}")

    def _on_restarts_failed(self, tag, message):
        self.restarts_go.setEnabled(True)
        self._restarts_worker = None
        self.restarts_label.setText(f"Restarts failed: {message}")

    def clear(self):
        """Stale or dismissed (new surface or bounds, Reset, the dock closed): no cloud, no
        restart paths."""
        self.stop_cloud()
        self.cloud_overlay.clear()
        self.clear_restarts()

    def clear_restarts(self):
        self.restarts_result = None
        self.restarts_overlay.set_result(None)
