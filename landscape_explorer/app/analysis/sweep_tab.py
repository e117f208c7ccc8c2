"""The Analyze dock's "Sweep" tab: the fair comparison. Pick optimizers and a learning-rate
range, run every optimizer x learning rate from many starts in a worker thread, and see the
success rates as a heatmap (the CLI's own picture) and a table. Clicking a cell or a table row
adds that optimizer at that learning rate as a run from the current start.

A result describes the surface it was computed on: a new surface or new bounds clears it (and
cancels a sweep under way), so what the tab shows is always about the surface on screen."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.optimizers import optimizer as make_optimizer, optimizer_names
from landscape_explorer.core.sweep import heatmap_picture, row_name, sweep_starts

from ..panels.widgets import IntSpinBox, SciSpinBox, WheelGuard, start_cancel_row
from ..threads import keep_alive
from .workers import SweepWorker

PROGRESS_STEPS = 1000
START_KINDS = (("uniform", "Uniform over the bounds"), ("grid", "Grid over the bounds"),
               ("gaussian", "Gaussian around the start"))
GAUSSIAN_SIGMA = 0.1  # x the bounds' span: the spread of Gaussian starts
HEAT_CELL = (60, 36)  # pixels per cell in the tab (the CLI's slide picture is larger)
HEAT_FONT_PX = 13
TABLE_HEADERS = ("Optimizer", "lr", "Success (95% CI)", "Median steps", "p90 steps", "Diverged")


class HeatmapLabel(QtWidgets.QLabel):
    """The heatmap picture at its own size (its labels stay readable; a wide one scrolls); a
    click reports the (optimizer, lr) under it."""

    cellClicked = QtCore.pyqtSignal(str, float)

    def __init__(self):
        super().__init__()
        self.picture = None
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click a cell: add that optimizer at that learning rate as a run")

    def set_picture(self, picture):
        self.picture = picture
        if picture is None:
            self.clear()
            self.setFixedSize(0, 0)
            return
        img = np.ascontiguousarray(picture.image)
        h, w = img.shape[:2]
        qimg = QtGui.QImage(img.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()
        self.setPixmap(QtGui.QPixmap.fromImage(qimg))
        self.setFixedSize(w, h)

    def widget_pos(self, optimizer: str, lr: float) -> QtCore.QPoint:
        """Where a cell's middle is on this widget (for tests and keyboard-free use)."""
        x, y = self.picture.cell_center(optimizer, lr)
        return QtCore.QPoint(int(x), int(y))

    def mousePressEvent(self, ev):
        if self.picture is not None and ev.button() == QtCore.Qt.MouseButton.LeftButton:
            p = ev.position()
            hit = self.picture.cell_at(p.x(), p.y())
            if hit is not None:
                self.cellClicked.emit(hit[0], float(hit[1]))
                return
        super().mousePressEvent(ev)


class SweepTab(QtWidgets.QScrollArea):
    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.model = panel.model
        self._worker: SweepWorker | None = None
        self._key = None  # (surface, bounds) the running or shown sweep is about
        self._configs: dict[str, dict] = {}  # row name -> the run settings it stands for
        self._swept: dict[str, dict] = {}  # the same, as they were when the sweep ran
        self.result = None
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QtWidgets.QWidget()
        self.setWidget(body)
        lay = QtWidgets.QVBoxLayout(body)

        lay.addWidget(QtWidgets.QLabel("Optimizers (each at every learning rate):"))
        self.optimizers = QtWidgets.QListWidget()
        self.optimizers.setToolTip("Tick the optimizers to compare. The runs' own settings "
                                   "(momentum, noise, ...) are listed first.")
        self.optimizers.setMaximumHeight(130)
        lay.addWidget(self.optimizers)

        form = QtWidgets.QFormLayout()
        lr_row = QtWidgets.QHBoxLayout()
        self.lr_lo = SciSpinBox(1e-8, 1e3, log_steps=True, factor=10.0)
        self.lr_lo.setValue(1e-3)
        self.lr_hi = SciSpinBox(1e-8, 1e3, log_steps=True, factor=10.0)
        self.lr_hi.setValue(1.0)
        self.lr_k = IntSpinBox(1, 50)
        self.lr_k.setValue(7)
        self.lr_k.setToolTip("How many learning rates, log-spaced from the first to the last")
        for w in (self.lr_lo, QtWidgets.QLabel("to"), self.lr_hi, QtWidgets.QLabel("×"),
                  self.lr_k):
            lr_row.addWidget(w)
        form.addRow("Learning rates", lr_row)
        start_row = QtWidgets.QHBoxLayout()
        self.starts_n = IntSpinBox(1, 100_000)
        self.starts_n.setValue(400)
        self.starts_n.setToolTip("Starts per optimizer and learning rate")
        self.start_kind = QtWidgets.QComboBox()
        for key, text in START_KINDS:
            self.start_kind.addItem(text, key)
        start_row.addWidget(self.starts_n)
        start_row.addWidget(self.start_kind, 1)
        form.addRow("Starts", start_row)
        self.steps = IntSpinBox(1, 100_000)
        self.steps.setValue(300)
        self.steps.setToolTip("Steps every run takes before its verdict")
        form.addRow("Steps", self.steps)
        self.seeds = IntSpinBox(1, 100)
        self.seeds.setValue(1)
        self.seeds.setToolTip("Repeat every run over this many seeds (for noisy optimizers)")
        form.addRow("Seeds", self.seeds)
        lay.addLayout(form)

        row, self.go, self.cancel_button = start_cancel_row("Run sweep", self.run_sweep,
                                                            self.cancel)
        lay.addLayout(row)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        lay.addWidget(self.progress)
        self.status = QtWidgets.QLabel("How often does each optimizer, at each learning rate, "
                                       "reach the global minimum from many starts?")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.heatmap = HeatmapLabel()
        self.heatmap.cellClicked.connect(self.load_cell)
        self.heatmap_area = QtWidgets.QScrollArea()
        self.heatmap_area.setWidget(self.heatmap)
        self.heatmap_area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.heatmap_area.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.heatmap_area.hide()
        lay.addWidget(self.heatmap_area)
        self.table = QtWidgets.QTableWidget(0, len(TABLE_HEADERS))
        self.table.setHorizontalHeaderLabels(TABLE_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setToolTip("Double-click a row: add that optimizer at that learning rate as "
                              "a run")
        self.table.cellDoubleClicked.connect(self._on_row)
        self.table.setMinimumHeight(160)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.table, 1)
        WheelGuard(self).guard_children(body)
        self.refresh_optimizers()

    # ------------------------------------------------------------------ choices
    def refresh_optimizers(self):
        """The runs' optimizers (with their own settings) first, then every optimizer at its
        defaults; ticks kept by name, the runs' ones ticked the first time."""
        ticked = {self.optimizers.item(i).text() for i in range(self.optimizers.count())
                  if self.optimizers.item(i).checkState() == QtCore.Qt.CheckState.Checked}
        first = self.optimizers.count() == 0
        configs: dict[str, dict] = {}
        from_runs: set[str] = set()
        for r in self.model.runs:
            cfg = {"optimizer": r.optimizer,
                   "hyperparams": {k: v for k, v in r.hyperparams.items() if k != "lr"},
                   "noise": r.noise, "clip": r.clip, "schedule": r.schedule}
            try:
                name = row_name(r.build_optimizer())
            except ValueError:
                continue
            configs.setdefault(name, cfg)
            from_runs.add(name)
        for name in optimizer_names():
            configs.setdefault(row_name(make_optimizer(name)), {"optimizer": name})
        if list(configs) == list(self._configs):
            self._configs = configs  # the same rows (a run's lr or color changed): keep the list
            return
        self._configs = configs
        self.optimizers.clear()
        for name in configs:
            item = QtWidgets.QListWidgetItem(name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            on = name in from_runs if first else name in ticked
            item.setCheckState(QtCore.Qt.CheckState.Checked if on else
                               QtCore.Qt.CheckState.Unchecked)
            self.optimizers.addItem(item)

    def set_checked(self, names):
        """Tick exactly these optimizers (row names)."""
        for i in range(self.optimizers.count()):
            item = self.optimizers.item(i)
            item.setCheckState(QtCore.Qt.CheckState.Checked if item.text() in names else
                               QtCore.Qt.CheckState.Unchecked)

    def checked(self) -> list[str]:
        return [self.optimizers.item(i).text() for i in range(self.optimizers.count())
                if self.optimizers.item(i).checkState() == QtCore.Qt.CheckState.Checked]

    def learning_rates(self) -> list[float]:
        lo, hi, k = self.lr_lo.value(), self.lr_hi.value(), self.lr_k.value()
        lo, hi = min(lo, hi), max(lo, hi)
        if k == 1 or lo == hi:
            return [lo]
        return [float(v) for v in np.geomspace(lo, hi, k)]

    def _build(self, name: str, lr: float | None = None):
        cfg = dict(self._configs[name])
        hp = dict(cfg.pop("hyperparams", {}))
        if lr is not None:
            hp["lr"] = lr
        from landscape_explorer.core.scenario import RunConfig

        return RunConfig(hyperparams=hp, **cfg).build_optimizer()

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self._worker is not None

    def run_sweep(self):
        if self._worker is not None:
            return  # a second click while one runs does nothing
        names = self.checked()
        if not names:
            self.status.setText("Tick at least one optimizer to sweep.")
            return
        try:
            opts = [self._build(n) for n in names]
            lrs = self.learning_rates()
            kind = self.start_kind.currentData()
            starts = sweep_starts(self.model.surface, self.starts_n.value(), kind=kind,
                                  center=self.model.start, sigma=GAUSSIAN_SIGMA,
                                  bounds=self.model.bounds, seed=0)
        except ValueError as e:
            self.status.setText(f"Cannot sweep: {e}")
            return
        self.clear()
        self._swept = {n: self._configs[n] for n in names}
        self._key = (self.model.surface, self.model.bounds)
        w = SweepWorker(self.model.surface, opts, lrs, starts, self.steps.value(),
                        seeds=self.seeds.value())
        w.progress.connect(self._on_progress)
        w.done.connect(self._on_done)
        w.failed.connect(lambda m: self._finished(f"Sweep failed: {m}"))
        w.cancelled.connect(self._on_cancelled)
        self._worker = w
        keep_alive(w)
        self.panel.add_stopper(w.cancel)
        self.go.setEnabled(False)
        self.cancel_button.setEnabled(True)
        cells = len(opts) * len(lrs)
        self.status.setText(f"Running {cells} cells ({len(opts)} optimizer"
                            f"{'s' * (len(opts) > 1)} × {len(lrs)} learning rates), "
                            f"{len(starts)} starts × {self.steps.value()} steps each…")
        w.start()

    def cancel(self):
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def _on_progress(self, f: float):
        if self._worker is not None:
            self.progress.setValue(int(PROGRESS_STEPS * f))

    def _finished(self, text, progress=0):
        w = self._worker
        if w is not None:
            w.wait(5000)
            self.panel.remove_stopper(w.cancel)
        self._worker = None
        self.go.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setValue(progress)
        self.status.setText(text)

    def _on_cancelled(self):
        stale = self._key != (self.model.surface, self.model.bounds)
        self._finished("The surface changed: the sweep was stopped; run it again." if stale
                       else "Cancelled.")

    def _on_done(self, result):
        if self._key != (self.model.surface, self.model.bounds):
            self._finished("The surface changed: the sweep was stopped; run it again.")
            return
        self._finished("", PROGRESS_STEPS)
        self.show_result(result)

    # ------------------------------------------------------------------ the result
    def show_result(self, result):
        self.result = result
        tuned = result.tuned()
        lines = [f"<b>{result.surface}</b>: {len(result.starts)} starts × {result.seeds} "
                 f"seed{'s' * (result.seeds > 1)} × {result.steps} steps per cell; success = "
                 f"verdict “reached the global minimum”."]
        if tuned:
            lines.append("Tuned (each at its own best learning rate): " + "; ".join(
                f"{c.optimizer} at lr {c.lr:.3g}: {100 * c.success_rate:.1f}%" for c in tuned))
        self.status.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.status.setText("<br>".join(lines))
        self.heatmap.set_picture(heatmap_picture(result, cell_w=HEAT_CELL[0],
                                                 cell_h=HEAT_CELL[1], title=False,
                                                 font_px=HEAT_FONT_PX))
        bar = self.heatmap_area.horizontalScrollBar().sizeHint().height()
        self.heatmap_area.setFixedHeight(self.heatmap.height() + bar)
        self.heatmap_area.show()
        best = {id(c) for c in result.best().values()}
        self.table.setRowCount(len(result.cells))
        for i, c in enumerate(result.cells):
            lo, hi = c.success_ci
            texts = (c.optimizer, f"{c.lr:.3g}",
                     f"{100 * c.success_rate:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]",
                     "–" if c.median_steps is None else f"{c.median_steps:.0f}",
                     "–" if c.p90_steps is None else f"{c.p90_steps:.0f}",
                     f"{100 * c.divergence_rate:.1f}%")
            for j, t in enumerate(texts):
                item = QtWidgets.QTableWidgetItem(t)
                if j:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight |
                                          QtCore.Qt.AlignmentFlag.AlignVCenter)
                if id(c) in best:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                    item.setToolTip("The best learning rate of this optimizer")
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()

    def _on_row(self, row: int, _col: int = 0):
        if self.result is not None and 0 <= row < len(self.result.cells):
            c = self.result.cells[row]
            self.load_cell(c.optimizer, c.lr)

    def load_cell(self, optimizer: str, lr: float):
        """Add ``optimizer`` at learning rate ``lr`` as a run (from the model's start), with
        the settings it had in the sweep (the runs may have changed since)."""
        if self.result is None or optimizer not in self._swept:
            return
        cfg = dict(self._swept[optimizer])
        hp = dict(cfg.pop("hyperparams", {}))
        hp["lr"] = float(lr)
        try:
            run = self.model.add_run(hyperparams=hp, **cfg)
        except ValueError as e:
            self.status.setText(f"Cannot add this run: {e}")
            return
        self.panel.window_.statusBar().showMessage(
            f"Added {run.name}: run it from the current start", 5000)

    def clear(self):
        """Stale (a new surface or bounds) or about to be replaced: cancel, forget, blank."""
        if self._worker is not None:
            self._worker.cancel()
        self.result = None
        self.heatmap.set_picture(None)
        self.heatmap_area.hide()
        self.table.setRowCount(0)
        self.progress.setValue(0)

    def surface_changed(self):
        """What the tab shows no longer describes the surface: clear it, and say so."""
        had = self.result is not None or self._worker is not None
        self.clear()
        if had:
            self.status.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            self.status.setText("The surface changed: the sweep was stopped; run it again."
                                if self._worker is not None else
                                "The surface changed: the old sweep no longer applies; run it "
                                "again.")

    def shutdown(self):
        w = self._worker
        if w is not None:
            w.cancel()
            w.wait(10000)
