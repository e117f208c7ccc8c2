"""Loss against step for every run, growing live. The log scale plots the gap to the surface's
global minimum (loss − f*), which is what "how close did it get" means and stays positive."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .lifetime import Subscriptions

GAP_FLOOR = 1e-16
MAX_POINTS = 2000  # per curve: more than the plot has pixels across


class LossPlot(pg.PlotWidget):
    def __init__(self, model, engine, parent=None):
        super().__init__(parent, background=(32, 34, 40))
        self.model = model
        self.engine = engine
        pi = self.getPlotItem()
        pi.setLabel("bottom", "step")
        pi.showGrid(x=True, y=True, alpha=0.2)
        pi.setMenuEnabled(False)
        self.legend = pi.addLegend(offset=(-10, 10), labelTextSize="8pt", brush=(32, 34, 40, 210),
                                     pen=(90, 90, 100))
        self._curves: dict[int, pg.PlotDataItem] = {}
        self._drawn: dict[int, tuple] = {}
        self.subscriptions = subs = Subscriptions(self)
        subs.connect(model.runsChanged, self._sync_runs)
        subs.connect(model.runChanged, self._on_run_changed)
        subs.connect(model.logLossChanged, self._on_log)
        subs.connect(model.surfaceChanged, self._on_surface)
        subs.connect(engine.stepped, self.refresh)
        subs.connect(engine.restarted, self.refresh)
        self._on_log(model.log_loss)
        self._sync_runs()

    def _on_run_changed(self, _run_id):
        self._sync_runs()

    def _on_surface(self, _name):
        self.refresh(force=True)

    def f_star(self) -> float:
        gm = self.model.surface.global_minimum
        return float(gm.value) if gm is not None else 0.0

    def _on_log(self, on: bool):
        pi = self.getPlotItem()
        pi.setLogMode(x=False, y=bool(on))
        pi.setLabel("left", "loss − f*  (log)" if on else "loss")
        self.refresh(force=True)

    def _sync_runs(self):
        wanted = {r.id: r for r in self.model.runs if r.enabled}
        for rid in list(self._curves):
            if rid not in wanted:
                self.removeItem(self._curves.pop(rid))
        for rid, spec in wanted.items():
            if rid not in self._curves:
                self._curves[rid] = self.plot(pen=pg.mkPen(spec.color, width=2), name=spec.name)
            c = self._curves[rid]
            c.setPen(pg.mkPen(spec.color, width=2))
            c.opts["name"] = spec.name
        # Legend entries follow the run list order and names.
        self.legend.clear()
        for r in self.model.runs:
            if r.id in self._curves:
                self.legend.addItem(self._curves[r.id], r.name)
        self.refresh(force=True)

    def refresh(self, force: bool = False):
        if force:
            self._drawn = {}
        log = self.model.log_loss
        fs = self.f_star()
        for rid, curve in self._curves.items():
            try:
                key = self.engine.draw_key(rid)
                if self._drawn.get(rid) == key:
                    continue
                steps, _, loss = self.engine.history(rid)
            except KeyError:
                continue
            self._drawn[rid] = key
            if len(steps) > MAX_POINTS:
                idx = np.unique(np.linspace(0, len(steps) - 1, MAX_POINTS).astype(np.intp))
                steps, loss = steps[idx], loss[idx]
            y = np.asarray(loss, dtype=np.float64)
            if log:
                y = np.maximum(y - fs, GAP_FLOOR)
            y = np.nan_to_num(y, nan=0.0, posinf=np.finfo(np.float32).max,
                              neginf=-np.finfo(np.float32).max)
            curve.setData(steps, y)
        # A lone point at step 0 would autorange to ±0.5 around it: show the first steps instead.
        vb = self.getPlotItem().vb
        if self.engine.target_step < 10:
            vb.setXRange(0, 10, padding=0.02)
        elif not vb.autoRangeEnabled()[0]:
            vb.enableAutoRange(x=True)
