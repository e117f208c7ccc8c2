"""Loss against step for every run, growing live. The log scale plots the gap to the surface's
global minimum (loss − f*), which is what "how close did it get" means and stays positive.

The legend sits above the plot, never over a curve. A run that diverged is plotted up to where
its path left the plotting area (where the views draw it), with a cross there: its last huge
losses would squash every other curve into a flat line at the bottom.

A run repeated over K seeds (a noisy run, see RunEngine.set_repeats) adds the median of the K
runs (dashed) and the band from their 10th to their 90th percentile behind its own curve.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, sip

from landscape_explorer.core.sweep import loss_band

from .axes import distinct_axes, style_axes
from .geometry import bounds_exit
from .lifetime import Subscriptions

GAP_FLOOR = 1e-16
MAX_POINTS = 2000  # per curve: more than the plot has pixels across
CURVE_PX = 2.0
LEGEND_COLUMNS = 4  # at most; fewer where the plot is narrow
LEGEND_SPACING_PX = 14
LEGEND_OFFSET_PX = 40  # from the plot's left edge
LEGEND_FONT_PX = 11


class LossPlot(pg.PlotWidget):
    def __init__(self, model, engine, parent=None):
        super().__init__(parent, background=(32, 34, 40),
                         axisItems=distinct_axes("left", "bottom"))
        self.model = model
        self.engine = engine
        self.print_scale = 1.0
        pi = self.getPlotItem()
        pi.setLabel("bottom", "step")
        pi.showGrid(x=True, y=True, alpha=0.2)
        pi.setMenuEnabled(False)
        # Above the plot, in the title row: a legend inside the axes would cover curves.
        self.legend = pg.LegendItem(colCount=LEGEND_COLUMNS, horSpacing=LEGEND_SPACING_PX,
                                    verSpacing=-4)
        self.legend.setParentItem(pi)
        self.legend.anchor(itemPos=(0, 0), parentPos=(0, 0), offset=(LEGEND_OFFSET_PX, 0))
        self._curves: dict[int, pg.PlotDataItem] = {}
        self._ends: dict[int, pg.ScatterPlotItem] = {}
        self._drawn: dict[int, tuple] = {}
        self.bands = RepeatBands(self)
        self.subscriptions = subs = Subscriptions(self)
        subs.connect(model.runsChanged, self._sync_runs)
        subs.connect(model.runChanged, self._on_run_changed)
        subs.connect(model.logLossChanged, self._on_log)
        subs.connect(model.surfaceChanged, self._on_surface)
        subs.connect(model.boundsChanged, self._on_surface)
        subs.connect(engine.stepped, self.refresh)
        subs.connect(engine.restarted, self._on_restarted)
        subs.connect(engine.repeatsChanged, self._on_run_changed)
        style_axes(pi)
        self._on_log(model.log_loss)
        self._sync_runs()

    def _on_run_changed(self, _run_id):
        self._sync_runs()

    def plotted_loss(self, loss) -> np.ndarray:
        """Loss values as this plot draws them: the gap to f* on the log scale, always finite."""
        y = np.asarray(loss, dtype=np.float64)
        if self.model.log_loss:
            y = np.maximum(y - self.f_star(), GAP_FLOOR)
        return np.nan_to_num(y, nan=0.0, posinf=np.finfo(np.float32).max,
                             neginf=-np.finfo(np.float32).max)

    def _on_surface(self, *_):
        self.refresh(force=True)

    def _on_restarted(self):
        """Runs back at step 0: the plot takes its own range again (after a zoom, or a
        diverged run's range)."""
        self.getPlotItem().vb.enableAutoRange(x=True, y=True)
        self.refresh(force=True)

    def f_star(self) -> float:
        gm = self.model.surface.global_minimum
        return float(gm.value) if gm is not None else 0.0

    def _on_log(self, on: bool):
        pi = self.getPlotItem()
        pi.setLogMode(x=False, y=bool(on))
        pi.setLabel("left", "loss − f*  (log)" if on else "loss")
        style_axes(pi, self.print_scale)
        self.refresh(force=True)

    def _pen(self, color):
        return pg.mkPen(color, width=CURVE_PX * self.print_scale)

    def _sync_runs(self):
        wanted = {r.id: r for r in self.model.runs if r.enabled}
        for rid in list(self._curves):
            if rid not in wanted:
                self.removeItem(self._curves.pop(rid))
                self.removeItem(self._ends.pop(rid))
        for rid, spec in wanted.items():
            if rid not in self._curves:
                self._curves[rid] = self.plot(pen=self._pen(spec.color))
                end = pg.ScatterPlotItem(symbol="x", pen=pg.mkPen("#111111", width=1))
                end.setZValue(5)
                self.addItem(end)
                self._ends[rid] = end
            self._curves[rid].setPen(self._pen(spec.color))
            self._ends[rid].setBrush(pg.mkBrush(spec.color))
            self._ends[rid].setSize(14 * self.print_scale)
        self.bands.sync(wanted)
        self._fill_legend()
        self.refresh(force=True)

    def _fill_legend(self):
        """Entries in the run list's order; the title row grows to hold them."""
        self.legend.clear()
        size = f"{max(8, int(round(LEGEND_FONT_PX * self.print_scale)))}px"
        self.legend.setLabelTextSize(size)
        n = 0
        for r in self.model.runs:
            if r.id in self._curves:
                self.legend.addItem(self._curves[r.id], r.name)
                n += 1
                median = self.bands.legend_item(r.id)
                if median is not None:
                    self.legend.addItem(median[0], median[1])
                    n += 1
        self.legend.setVisible(n > 0)
        self._fit_legend()

    def _fit_legend(self):
        """As many legend columns as fit the plot's width (a narrow plot cut off the last
        ones), and the title row as tall as the rows that makes."""
        items = self.legend.items
        n = len(items)
        columns = self._legend_columns()
        self.legend.setColumnCount(columns)
        rows = max(1, math.ceil(n / columns))
        row_px = (LEGEND_FONT_PX + 9) * self.print_scale
        self.getPlotItem().layout.setRowFixedHeight(0, rows * row_px + 4 * self.print_scale
                                                    if n else 0)

    def _legend_columns(self) -> int:
        """The most columns (at most LEGEND_COLUMNS) whose widest entries fit side by side;
        entries fill the rows left to right, so column j holds entries j, j + c, ..."""
        items = self.legend.items
        if not items:
            return LEGEND_COLUMNS
        widths = [sample.boundingRect().width() + label.item.boundingRect().width()
                  + LEGEND_SPACING_PX * self.print_scale + 8 for sample, label in items]
        room = self.width() - LEGEND_OFFSET_PX - 8
        for c in range(min(LEGEND_COLUMNS, len(items)), 1, -1):
            if sum(max(widths[j::c]) for j in range(c)) <= room:
                return c
        return 1

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        legend = getattr(self, "legend", None)  # None while PlotWidget's constructor runs
        if legend is None or not legend.items or sip.isdeleted(legend) or \
                any(sip.isdeleted(label.item) for _, label in legend.items):
            return  # (a resize while Qt destroys the plot: nothing left to lay out)
        self._fit_legend()

    def set_caption(self, text: str | None):
        """Said after the step axis's name when the curves are not all there is (a comparison
        of two surfaces plots the left one's runs); None: just "step"."""
        self.getPlotItem().setLabel("bottom", f"step · {text}" if text else "step")

    def set_print_scale(self, k: float):
        """Text, curves and markers ``k`` times their screen size (for a large picture)."""
        self.print_scale = float(k)
        style_axes(self.getPlotItem(), self.print_scale)
        self._sync_runs()

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
                steps, path, loss = self.engine.history(rid)
                diverged = str(self.engine.stepper(rid).status[0]) == "diverged"
            except KeyError:
                continue
            self._drawn[rid] = key
            end = self._ends[rid]
            if diverged:
                k, _ = bounds_exit(path, self.model.bounds)
                k = max(k, 1)
                steps, loss = steps[:k], loss[:k]
            if len(steps) > MAX_POINTS:
                idx = np.unique(np.linspace(0, len(steps) - 1, MAX_POINTS).astype(np.intp))
                steps, loss = steps[idx], loss[idx]
            y = np.asarray(loss, dtype=np.float64)
            if log:
                y = np.maximum(y - fs, GAP_FLOOR)
            y = np.nan_to_num(y, nan=0.0, posinf=np.finfo(np.float32).max,
                              neginf=-np.finfo(np.float32).max)
            curve.setData(steps, y)
            if diverged:
                ey = np.log10(y[-1:]) if log else y[-1:]
                end.setData(steps[-1:], ey)
            end.setVisible(diverged)
        self.bands.refresh(force)
        # A lone point at step 0 would autorange to ±0.5 around it: show the first steps instead.
        vb = self.getPlotItem().vb
        if self.engine.target_step < 10:
            vb.setXRange(0, 10, padding=0.02)
        elif not vb.autoRangeEnabled()[0]:
            vb.enableAutoRange(x=True)


BAND_ALPHA = 90  # of 255: the 10-90 % band behind a repeated run's curve
BAND_QUANTILES = (0.1, 0.5, 0.9)


class RepeatBands:
    """For each run repeated over K > 1 seeds: the median loss of the K runs (dashed, in the
    run's color) and a translucent band between their 10 % and 90 % quantiles, step by step.
    A repeat that left the plotting area (diverged) counts with the loss where it left it, as
    its curve would be drawn: a band is about the runs, not about float overflow."""

    def __init__(self, plot: LossPlot):
        self.plot = plot
        self._items: dict[int, tuple] = {}  # run id -> (low, median, high, fill)
        self._drawn: dict[int, tuple] = {}

    def sync(self, wanted: dict):
        plot = self.plot
        for rid in list(self._items):
            if rid not in wanted:
                for item in self._items.pop(rid):
                    plot.removeItem(item)
        for rid, spec in wanted.items():
            if rid not in self._items:
                # Edges with an invisible pen, not pen=None: without a pen a PlotDataItem
                # builds no curve path, and the fill between the two would be empty.
                edge = pg.mkPen((0, 0, 0, 0))
                low, high = plot.plot(pen=edge), plot.plot(pen=edge)
                median = plot.plot()
                fill = pg.FillBetweenItem(low, high)
                for item, z in ((fill, -2), (low, -1), (high, -1), (median, 1)):
                    item.setZValue(z)
                plot.addItem(fill)
                self._items[rid] = (low, median, high, fill)
            low, median, high, fill = self._items[rid]
            color = pg.mkColor(spec.color)
            # Lighter than the run's own curve, which it crosses all the time.
            median.setPen(pg.mkPen(color.lighter(160), width=CURVE_PX * plot.print_scale,
                                   style=QtCore.Qt.PenStyle.DashLine))
            color.setAlpha(BAND_ALPHA)
            fill.setBrush(pg.mkBrush(color))
        self._drawn = {}

    def legend_item(self, rid):
        """(item, text) for the legend when the run is repeated, else None."""
        k = self.plot.engine.effective_repeats(rid)
        if rid not in self._items or k <= 1:
            return None
        return self._items[rid][1], f"median of {k} seeds, 10–90 % band"

    def band(self, rid):
        """(steps, (3, L) plotted quantiles 10/50/90 %) of a repeated run, or None."""
        eng = self.plot.engine
        if eng.effective_repeats(rid) <= 1:
            return None
        steps, paths, losses = eng.repeat_histories(rid)
        losses = losses.copy()
        bounds = self.plot.model.bounds
        for i in range(len(paths)):
            k, _ = bounds_exit(paths[i], bounds)
            if 0 < k < len(steps):
                losses[i, k:] = losses[i, k - 1]
        if len(steps) > MAX_POINTS:
            idx = np.unique(np.linspace(0, len(steps) - 1, MAX_POINTS).astype(np.intp))
            steps, losses = steps[idx], losses[:, idx]
        q = loss_band(losses, BAND_QUANTILES)
        return steps, self.plot.plotted_loss(q)

    def refresh(self, force: bool = False):
        if force:
            self._drawn = {}
        for rid, (low, median, high, fill) in self._items.items():
            try:
                key = (self.plot.engine.repeat_draw_key(rid), self.plot.model.log_loss)
            except KeyError:
                continue
            if self._drawn.get(rid) == key:
                continue
            self._drawn[rid] = key
            got = self.band(rid)
            for item in (low, median, high, fill):
                item.setVisible(got is not None)
            if got is None:
                continue
            steps, q = got
            low.setData(steps, q[0])
            median.setData(steps, q[1])
            high.setData(steps, q[2])
