"""The 2D top-down view: heatmap + contour lines, each run's path, a draggable start marker.

A click anywhere sets the start point; the white target can also be dragged.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui

from .contours import ContourItem, contour_levels
from .geometry import Geometry, global_minima_in, path_to_exit
from .lifetime import Subscriptions
from ..palette import OUTLINE, colormap
from .axes import distinct_axes, style_axes

N_CONTOURS = 14
CONTOUR_SAMPLES = 90
MAX_PATH_POINTS = 1500  # more than the pixels a path crosses; keeps redraws cheap
PATH_PX = 2.0
START_PX = 14
MINIMUM_PX = 15
MINIMUM_COLOR = "#00E676"  # as the 3D view's and the analysis' global-minimum markers


class SurfaceView2D(pg.PlotWidget):
    def __init__(self, model, engine, parent=None):
        super().__init__(parent, background=(32, 34, 40),
                         axisItems=distinct_axes("left", "bottom"))
        self.model = model
        self.engine = engine
        self.print_scale = 1.0
        self.geometry_: Geometry | None = None
        pi = self.getPlotItem()
        pi.setAspectLocked(True)
        pi.showGrid(x=False, y=False)
        pi.setLabel("bottom", "x")
        pi.setLabel("left", "y")
        pi.setMenuEnabled(False)
        pi.hideButtons()
        style_axes(pi)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-10)
        self.addItem(self.image)
        self._contours: list[ContourItem] = []
        self._paths: dict[int, tuple] = {}
        self._drawn: dict[int, tuple] = {}
        self.start_target = pg.TargetItem(pos=model.start, size=START_PX, movable=True,
                                          pen=pg.mkPen("w", width=2), brush=(255, 255, 255, 60),
                                          hoverPen=pg.mkPen("#ffffff", width=3))
        self.start_target.setZValue(50)
        # Where the runs should end up (as the 3D view's green dot).
        self.minimum_marker = pg.ScatterPlotItem(symbol="star", size=MINIMUM_PX,
                                                 pen=pg.mkPen(OUTLINE, width=1.2),
                                                 brush=pg.mkBrush(MINIMUM_COLOR))
        self.minimum_marker.setZValue(35)
        self.minimum_marker.setToolTip("Global minimum")
        self.addItem(self.minimum_marker)
        self.start_target.setToolTip("Start point: click anywhere or drag this marker")
        self.addItem(self.start_target)
        self.start_target.sigPositionChanged.connect(self._target_moved)
        self.scene().sigMouseClicked.connect(self._on_click)

        self.subscriptions = subs = Subscriptions(self)
        for sig in (model.surfaceChanged, model.boundsChanged, model.resolutionChanged,
                    model.appearanceChanged):
            subs.connect(sig, self.rebuild)
        subs.connect(model.startChanged, self._update_start)
        subs.connect(model.runsChanged, self._sync_runs)
        subs.connect(model.runChanged, self._on_run_changed)
        subs.connect(engine.stepped, self.refresh_runs)
        subs.connect(engine.restarted, self.refresh_runs)
        self.rebuild()
        self.fan = RepeatFan2D(self)

    def _on_run_changed(self, _run_id):
        self._sync_runs()

    def rebuild(self, *_):
        self._drawn = {}
        m = self.model
        # A coarser grid is plenty for an image; the 3D mesh uses the full resolution.
        self.geometry_ = geo = Geometry.of(m.surface, m.bounds, min(m.resolution, 300), m.z_mode)
        cmap = colormap(m.colormap)
        if geo.defined.all():
            self.image.setImage(geo.t_grid, levels=(0.0, 1.0),
                                lut=cmap.getLookupTable(0.0, 1.0, 256))
        else:  # colored by hand, transparent where the surface does not exist (a gap)
            lut = cmap.getLookupTable(0.0, 1.0, 256, alpha=True)
            rgba = lut[np.clip((geo.t_grid * 255).round(), 0, 255).astype(np.intp)]
            rgba[..., 3] = np.where(geo.defined, 255, 0)
            self.image.setImage(rgba, levels=None, lut=None, autoLevels=False)
        (x0, x1), (y0, y1) = geo.bounds
        n = len(geo.xs)
        # Image pixels are centered on the samples.
        hx, hy = (x1 - x0) / (n - 1) / 2, (y1 - y0) / (n - 1) / 2
        self.image.setRect(QtCore.QRectF(x0 - hx, y0 - hy, x1 - x0 + 2 * hx, y1 - y0 + 2 * hy))
        # The contour items are made once and fed new data: dropping an item that is still in
        # the scene (as a child of the image) would leave Qt a dangling pointer.
        # Contours are traced on every k-th sample and scaled back up to image pixels (sample
        # k*i is the center of pixel k*i): at most ~90 samples a side look the same.
        levels = np.linspace(0.0, 1.0, N_CONTOURS + 2)[1:-1]
        k = max(1, -(-len(geo.xs) // CONTOUR_SAMPLES))
        coarse = geo.t_grid[::k, ::k]
        if not self._contours:
            for level in levels:
                c = ContourItem(level=float(level), pen=pg.mkPen((255, 255, 255, 70), width=1))
                c.setParentItem(self.image)
                self._contours.append(c)
        to_pixels = QtGui.QTransform()
        to_pixels.translate(0.5, 0.5)
        to_pixels.scale(k, k)
        for c, level, segments in zip(self._contours, levels, contour_levels(coarse, levels)):
            c.level = float(level)
            c.setTransform(to_pixels)
            c.set_segments(segments)
        self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        minima = global_minima_in(m.surface, geo.bounds)
        self.minimum_marker.setData(minima[:, 0], minima[:, 1])
        self._update_start()
        self._sync_runs()

    def set_caption(self, text: str | None):
        """A line above the map saying what it shows when that is not obvious (a comparison of
        two surfaces shows the left one here); None: no line."""
        if text:
            self.getPlotItem().setTitle(text, size="9pt", color="#e8e8e8")
        else:
            self.getPlotItem().setTitle(None)

    def _update_start(self, *_):
        x, y = self.model.start
        self.start_target.blockSignals(True)
        self.start_target.setPos(x, y)
        self.start_target.blockSignals(False)

    def _target_moved(self):
        p = self.start_target.pos()
        if (p.x(), p.y()) != tuple(self.model.start):
            self.model.set_start((p.x(), p.y()))

    def _on_click(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or ev.double() or ev.isAccepted():
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = vb.mapSceneToView(ev.scenePos())
        (x0, x1), (y0, y1) = self.model.bounds
        if x0 <= p.x() <= x1 and y0 <= p.y() <= y1:
            ev.accept()
            self.model.set_start((p.x(), p.y()))

    def view_to_widget(self, x: float, y: float) -> QtCore.QPoint:
        """Widget (viewport) pixel of a data point, for tests."""
        scene = self.getPlotItem().vb.mapViewToScene(QtCore.QPointF(x, y))
        return self.mapFromScene(scene)

    def _sync_runs(self):
        wanted = {r.id: r for r in self.model.runs if r.enabled}
        for rid in list(self._paths):
            if rid not in wanted:
                for item in self._paths.pop(rid):
                    self.removeItem(item)
        for rid, spec in wanted.items():
            if rid not in self._paths:
                # The shadow pen draws the dark outline in the same item: one path, two strokes.
                line = pg.PlotCurveItem()
                head = pg.ScatterPlotItem()
                for item, z in ((line, 11), (head, 40)):
                    item.setZValue(z)
                    self.addItem(item)
                self._paths[rid] = (line, head)
            line, head = self._paths[rid]
            k = self.print_scale
            # The shadow pen draws the dark outline in the same item: one path, two strokes.
            line.setShadowPen(pg.mkPen(OUTLINE, width=PATH_PX * k + 2 * k))
            line.setPen(pg.mkPen(spec.color, width=PATH_PX * k))
            head.setPen(pg.mkPen(OUTLINE, width=2 * k))
            head.setBrush(pg.mkBrush(spec.color))
        self._drawn = {}
        self.refresh_runs()

    def refresh_runs(self):
        geo = self.geometry_
        if geo is None:
            return
        for rid, (line, head) in self._paths.items():
            try:
                key = self.engine.draw_key(rid)
                if self._drawn.get(rid) == key:
                    continue  # this run has not moved since the last draw
                _, path, _ = self.engine.history(rid)
            except KeyError:
                continue
            self._drawn[rid] = key
            diverged = self._run_diverged(rid)
            if diverged:
                path = path_to_exit(path, geo.bounds)  # to the edge, a cross marks the end
            p = geo.clip_xy(decimate(path, MAX_PATH_POINTS))
            line.setData(p[:, 0], p[:, 1])
            head.setData([p[-1, 0]], [p[-1, 1]], symbol="x" if diverged else "o",
                         size=(16 if diverged else 12) * self.print_scale)

    def set_print_scale(self, k: float):
        """Text, paths and markers ``k`` times their screen size (for a large picture)."""
        self.print_scale = float(k)
        style_axes(self.getPlotItem(), k)
        self.minimum_marker.setSize(MINIMUM_PX * k)
        # TargetItem keeps its size in pixels in its `scale` attribute (pyqtgraph's name).
        self.start_target.scale = START_PX * k
        self.start_target.setPen(pg.mkPen("w", width=2 * k))
        self.start_target.viewTransformChanged()
        for c in self._contours:
            c.setPen(pg.mkPen((255, 255, 255, 70), width=k))
        self._sync_runs()

    def _run_diverged(self, rid) -> bool:
        try:
            return str(self.engine.stepper(rid).status[0]) == "diverged"
        except KeyError:
            return False


def decimate(a, n: int):
    """At most about n rows of a, always keeping the first and the last."""
    if len(a) <= n:
        return a
    idx = np.unique(np.linspace(0, len(a) - 1, n).astype(np.intp))
    return a[idx]


FAN_ALPHA = 80  # of 255: a repeat's path, faint behind the run's own
FAN_PX = 1.0


class RepeatFan2D:
    """The paths of a repeated noisy run's other seeds (see RunEngine.set_repeats), faint and
    thin behind the run's own path: one curve item per run, the repeats joined by breaks."""

    def __init__(self, view: SurfaceView2D):
        self.view = view
        self.engine = view.engine
        self.model = view.model
        self.items: dict[int, pg.PlotCurveItem] = {}
        self._drawn: dict[int, tuple] = {}
        subs = view.subscriptions
        for sig in (self.model.runsChanged, self.model.runChanged, self.engine.repeatsChanged):
            subs.connect(sig, self.sync)
        for sig in (self.engine.stepped, self.engine.restarted, self.model.boundsChanged,
                    self.model.surfaceChanged):
            subs.connect(sig, self.refresh)
        self.sync()

    def sync(self, *_):
        wanted = {r.id: r for r in self.model.runs if r.enabled}
        for rid in list(self.items):
            if rid not in wanted:
                self.view.removeItem(self.items.pop(rid))
        for rid, spec in wanted.items():
            if rid not in self.items:
                item = pg.PlotCurveItem(connect="finite")
                item.setZValue(10)  # under the paths (11) and their heads
                self.view.addItem(item)
                self.items[rid] = item
            color = pg.mkColor(spec.color)
            color.setAlpha(FAN_ALPHA)
            self.items[rid].setPen(pg.mkPen(color, width=FAN_PX * self.view.print_scale))
        self._drawn = {}
        self.refresh()

    def paths(self, rid) -> np.ndarray:
        """(K-1, L, 2) the repeats' paths as drawn (the run's own is row 0 of the engine's)."""
        _, paths, _ = self.engine.repeat_histories(rid)
        return paths[1:]

    def refresh(self, *_):
        bounds = self.model.bounds
        for rid, item in self.items.items():
            try:
                key = (self.engine.repeat_draw_key(rid), bounds)
                if self._drawn.get(rid) == key:
                    continue
                extra = self.paths(rid)
            except KeyError:
                continue
            self._drawn[rid] = key
            if not len(extra):
                item.setData([], [])
                item.setVisible(False)
                continue
            parts = []
            for path in extra:
                p = path_to_exit(path, bounds)
                parts.append(decimate(p, MAX_PATH_POINTS // 4))
                parts.append(np.full((1, 2), np.nan))  # a break between repeats
            xy = np.concatenate(parts)
            (x0, x1), (y0, y1) = bounds
            xy[:, 0] = np.clip(xy[:, 0], x0, x1)
            xy[:, 1] = np.clip(xy[:, 1], y0, y1)
            item.setData(xy[:, 0], xy[:, 1])
            item.setVisible(True)
