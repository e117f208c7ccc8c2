"""The minibatch surface over the full-batch one, in the 2D map.

With minibatches a run does not descend the surface on screen (the loss over all the data) but,
step by step, the loss over the batch it stands on. This overlay draws that batch's loss as
orange contours over the full-batch map, at the same loss levels as the white full-batch contours
(one height scale for both, so where the orange lines crowd the batch is steeper), for the
selected run's *current* batch (the one its next step uses): step by step the orange landscape
shifts under the ball. The full-batch surface stays the reference; a label says which is which.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui

from .contours import ContourItem
from .lifetime import Subscriptions

BATCH_COLOR = (255, 150, 40)
BATCH_SAMPLES = 60  # samples per side of the batch surface: a loss over a batch per sample
N_LEVELS = 14  # as many as the full-batch contours (view2d.N_CONTOURS), at the same levels
REFRESH_MS = 60  # steps coalesce: at most one new batch surface per this many milliseconds


def batch_rows(engine, run_id):
    """The rows of run ``run_id``'s current minibatch (all rows without minibatches), or None
    when the surface is not made from data."""
    st = engine.stepper(run_id)
    if getattr(st.surface, "dataset", None) is None:
        return None
    return st.current_batch(0)


def batch_grid(surface, rows, bounds, samples: int = BATCH_SAMPLES):
    """(xs, ys, values (nx, ny) indexed [ix, iy]) of the loss over the rows ``rows`` only."""
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, samples), np.linspace(y0, y1, samples)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    v = surface.batch_surface(rows).value(np.stack([gx, gy], -1))
    return xs, ys, np.asarray(v, dtype=np.float64)


class BatchOverlay(QtCore.QObject):
    """Orange contours of the selected run's current minibatch loss on ``view2d``.
    ``current_run()`` gives the run id to follow (the selected run)."""

    def __init__(self, view2d, model, engine, current_run, parent=None):
        super().__init__(parent or view2d)
        self.view = view2d
        self.model = model
        self.engine = engine
        self.current_run = current_run
        self.enabled = False
        self.rows: np.ndarray | None = None  # the batch drawn now
        self.run_id: int | None = None
        self.values: np.ndarray | None = None  # its loss on the grid
        self._key = None
        self.curves: list[ContourItem] = []
        self.label = pg.TextItem(anchor=(0, 0), color=(235, 235, 235),
                                 fill=pg.mkBrush(20, 20, 24, 200))
        self.label.setZValue(20)
        self.label.hide()
        view2d.addItem(self.label, ignoreBounds=True)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.subscriptions = subs = Subscriptions(view2d)
        subs.connect(engine.stepped, self._schedule)
        subs.connect(engine.restarted, self._schedule)
        subs.connect(model.surfaceChanged, self._schedule)
        subs.connect(model.boundsChanged, self._schedule)
        subs.connect(model.appearanceChanged, self._schedule)

    def set_enabled(self, on: bool):
        on = bool(on)
        if on == self.enabled:
            return
        self.enabled = on
        self._key = None
        self.refresh()

    def _schedule(self, *_):
        if self.enabled and not self._timer.isActive():
            self._timer.start()

    def _clear(self):
        for c in self.curves:
            c.setVisible(False)
        self.label.hide()
        self.rows = self.values = self.run_id = None

    def _target_run(self):
        ids = self.engine.run_ids()
        rid = self.current_run()
        if rid in ids:
            return rid
        enabled = [r.id for r in self.model.runs if r.enabled and r.id in ids]
        return enabled[0] if enabled else None

    def refresh(self):
        """Draw the current batch's contours now (or take them away when off or not
        applicable)."""
        geo = getattr(self.view, "geometry_", None)
        rid = self._target_run() if self.enabled else None
        rows = batch_rows(self.engine, rid) if rid is not None else None
        if rows is None or geo is None:
            self._clear()
            self._key = None
            return
        surface = self.engine.stepper(rid).surface
        key = (id(surface), rid, rows.tobytes(), geo.bounds, geo.z_mode, geo.vmin, geo.vmax)
        if key == self._key:
            return
        self._key = key
        xs, ys, v = batch_grid(surface, rows, geo.bounds)
        self.rows, self.values, self.run_id = rows, v, rid
        t = geo.normalize(v)  # the full-batch surface's height scale: same levels, same lines
        (x0, x1), (y0, y1) = geo.bounds
        levels = np.linspace(0.0, 1.0, N_LEVELS + 2)[1:-1]
        if not self.curves:
            for _ in levels:
                c = ContourItem(pen=pg.mkPen(BATCH_COLOR + (210,), width=1.2))
                c.setZValue(5)
                self.view.addItem(c, ignoreBounds=True)
                self.curves.append(c)
        # Contours are in sample units (sample (i, j) at (i, j)): map them onto the plane.
        tr = QtGui.QTransform()
        tr.translate(x0, y0)
        tr.scale((x1 - x0) / (len(xs) - 1), (y1 - y0) / (len(ys) - 1))
        for c, level in zip(self.curves, levels):
            c.setTransform(tr)
            c.setData(t, float(level))
            c.setVisible(True)
        n = self.engine.stepper(rid).surface.dataset.n
        what = (f"minibatch: {len(rows)} of {n} rows" if len(rows) < n
                else f"minibatch: all {n} rows (full batch)")
        self.label.setHtml(
            f"<span style='color:rgb{BATCH_COLOR}'>━ {what}</span><br>"
            "<span style='color:#dddddd'>━ full batch (the surface)</span>")
        self.label.setToolTip(f"Orange: the loss over the rows that {self.model.run(rid).name} "
                              "steps on next; white: the loss over all the data")
        self.label.setPos(x0, y1)
        self.label.show()

    def legend_text(self) -> str:
        """What the label says now ('' when hidden)."""
        return self.label.textItem.toPlainText() if self.label.isVisible() else ""
