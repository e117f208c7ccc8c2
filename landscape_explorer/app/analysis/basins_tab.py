"""The Analyze dock's "Basins" tab: map which minimum each start ends in, for one run's optimizer
or two side by side, in a worker thread; each map is labelled with its optimizer, with a legend
of the outcomes (the global minimum marked) in the map's own colors."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.critical import format_xy

from ..panels.widgets import IntSpinBox, refusal_label, start_cancel_row
from ..threads import keep_alive
from .workers import BasinsWorker

THUMB_PX = 140
PROGRESS_STEPS = 1000


def outcome_text(outcome) -> str:
    """A legend line for a basins outcome."""
    if outcome.kind == "diverged":
        return "diverged"
    if outcome.kind == "not_converged":
        return "did not settle"
    words = {"global_min": "★ global minimum", "local_min": "local minimum",
             "saddle": "saddle point", "max": "maximum"}.get(outcome.kind, outcome.kind)
    return f"{words} at {format_xy(outcome.point.xy)}"


class BasinsTab(QtWidgets.QWidget):
    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.model = panel.model
        self.overlay = panel.basins_overlay
        self._worker: BasinsWorker | None = None
        self._names: list[str] = []
        self._key = None
        self.basins_results: list = []
        lay = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.basins_run = panel.run_combo("The run whose optimizer is mapped")
        self.basins_compare = panel.run_combo("A second run to map side by side (optional)")
        self.basins_res = IntSpinBox(8, 512)
        self.basins_res.setValue(128)
        self.basins_res.setToolTip("Starts per axis: the map has resolution² starts")
        self.basins_steps = IntSpinBox(1, 100_000)
        self.basins_steps.setValue(300)
        self.basins_steps.setToolTip("Steps each start runs before it is classified")
        form.addRow("Optimizer", self.basins_run)
        form.addRow("Compare with", self.basins_compare)
        form.addRow("Resolution", self.basins_res)
        form.addRow("Steps", self.basins_steps)
        # A number typed out of range (or not a number) is refused here, in one red line.
        self.error_label = refusal_label(
            {"Resolution": self.basins_res, "Steps": self.basins_steps})
        form.addRow(self.error_label)
        lay.addLayout(form)
        row, self.basins_go, self.basins_cancel = start_cancel_row(
            "Compute basins", self.compute_basins, self.cancel_basins)
        lay.addLayout(row)
        self.basins_progress = QtWidgets.QProgressBar()
        self.basins_progress.setRange(0, PROGRESS_STEPS)
        self.basins_progress.setValue(0)
        lay.addWidget(self.basins_progress)
        self.basins_show = QtWidgets.QCheckBox("Show the map on the surface")
        self.basins_show.setChecked(True)
        self.basins_show.toggled.connect(self.overlay.set_visible)
        lay.addWidget(self.basins_show)
        self.basins_images = QtWidgets.QHBoxLayout()
        lay.addLayout(self.basins_images)
        self.basins_legend = QtWidgets.QLabel()
        self.basins_legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.basins_legend.setWordWrap(True)
        lay.addWidget(self.basins_legend)
        self.basins_label = QtWidgets.QLabel("Color each start by the minimum it ends in.")
        self.basins_label.setWordWrap(True)
        lay.addWidget(self.basins_label)
        lay.addStretch(1)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def compute_basins(self):
        if self._worker is not None:
            return
        ids = [self.basins_run.currentData()]
        other = self.basins_compare.currentData()
        if other is not None and other != ids[0]:
            ids.append(other)
        ids = [i for i in ids if i is not None]
        if not ids:
            self.basins_label.setText("Add a run first: the map is of a run's optimizer.")
            return
        try:
            opts = [self.model.run(i).build_optimizer() for i in ids]
        except ValueError as e:
            self.basins_label.setText(f"Cannot map this run: {e}")
            return
        self._names = [self.model.run(i).name for i in ids]
        self._key = (self.model.surface, self.model.bounds)
        w = BasinsWorker(self.model.surface, opts, resolution=self.basins_res.value(),
                         steps=self.basins_steps.value(), bounds=self.model.bounds)
        w.progress.connect(lambda f: self.basins_progress.setValue(int(PROGRESS_STEPS * f)))
        w.done.connect(self._on_basins)
        w.failed.connect(lambda m: self._finished(f"Basins failed: {m}"))
        w.cancelled.connect(lambda: self._finished("Cancelled."))
        self._worker = w
        keep_alive(w)
        self.panel.add_stopper(w.cancel)
        self.basins_go.setEnabled(False)
        self.basins_cancel.setEnabled(True)
        self.basins_progress.setValue(0)
        self.basins_label.setText(f"Running {self.basins_res.value()}² starts × "
                                  f"{self.basins_steps.value()} steps…")
        w.start()

    def cancel_basins(self):
        if self._worker is not None:
            self._worker.cancel()

    def _finished(self, text, progress=0):
        """The worker is done (``progress`` is where the bar stays: empty unless a map came)."""
        w = self._worker
        if w is not None:
            w.wait(5000)
            self.panel.remove_stopper(w.cancel)
        self._worker = None
        self.basins_go.setEnabled(True)
        self.basins_cancel.setEnabled(False)
        self.basins_progress.setValue(progress)
        self.basins_label.setText(text)

    def _on_basins(self, results):
        if self._key != (self.model.surface, self.model.bounds):
            self._finished("The surface changed: compute the map again.")
            return
        self.basins_results = list(results)
        lines = []
        for name, r in zip(self._names, results):
            lines.append(f"<b>{name}</b>: {100 * r.global_min_fraction:.1f}% of starts reach the "
                         f"global minimum, {100 * r.fractions.get('diverged', 0):.1f}% diverge, "
                         f"{100 * r.fractions.get('not_converged', 0):.1f}% do not settle "
                         f"({r.seconds:.1f} s)")
        self._finished("", PROGRESS_STEPS)
        self.basins_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.basins_label.setText("<br>".join(lines))
        self.set_images(results, self._names)
        self.overlay.set_result(results[0], self._names[0])

    def set_images(self, results, names=()):
        """A thumbnail per map, each under its optimizer's name, and one legend for all: the
        maps share their colors (keyed to the critical points)."""
        while self.basins_images.count():
            item = self.basins_images.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for r, name in zip(results, names):
            img = np.ascontiguousarray(r.image())
            h, w = img.shape[:2]
            qimg = QtGui.QImage(img.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()
            box = QtWidgets.QWidget()
            v = QtWidgets.QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            caption = QtWidgets.QLabel(f"<b>{name}</b><br><small>{r.optimizer.spec()}</small>")
            caption.setWordWrap(True)
            pic = QtWidgets.QLabel()
            pic.setPixmap(QtGui.QPixmap.fromImage(qimg).scaled(
                THUMB_PX, THUMB_PX, QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                QtCore.Qt.TransformationMode.FastTransformation))
            pic.setToolTip(f"{r.optimizer.spec()}: {100 * r.global_min_fraction:.1f}% reach the "
                           "global minimum")
            v.addWidget(caption)
            v.addWidget(pic)
            self.basins_images.addWidget(box)
        self.basins_legend.setText(self.legend_html(results))

    @staticmethod
    def legend_html(results) -> str:
        """The outcomes some start reached in any of the maps, global minima first."""
        if not results:
            return ""
        r0 = results[0]
        reached = np.zeros(len(r0.outcomes), dtype=bool)
        for r in results:
            reached |= r.counts > 0
        colors = r0.colors()
        order = sorted(np.nonzero(reached)[0], key=lambda i: r0.outcomes[i].kind != "global_min")
        rows = []
        for i in order:
            c = "#%02x%02x%02x" % tuple(int(v) for v in colors[i])
            rows.append(f"<span style='color:{c}'>■</span> {outcome_text(r0.outcomes[i])}")
        return "<br>".join(rows)

    def shutdown(self):
        """Cancel a running map and wait for its thread (the window is closing)."""
        w = self._worker
        if w is not None:
            w.cancel()
            w.wait(10000)

    def clear(self):
        """Stale: a new surface or bounds, or the dock closed."""
        self.cancel_basins()
        self.basins_results = []
        self.overlay.set_result(None)
        self.set_images([])
        self.basins_progress.setValue(0)
