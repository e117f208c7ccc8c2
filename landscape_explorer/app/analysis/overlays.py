"""What the analysis draws over the main window's views, in 3D and 2D.

- critical point markers: one glyph per kind (star: global minimum, ring: local minimum,
  cross: saddle, triangle: maximum, diamond: degenerate), with a tooltip of the value and the
  Hessian's eigenvalues in both views;
- a basins-of-attraction map: an image in the 2D view and a texture on the 3D mesh;
- a particle cloud: points with short fading trails;
- random restarts: every path and end point, the best one highlighted;
- step arrows at a run's ball: gradient, momentum and the next update.

Each overlay follows the view's geometry (``view.geometry_``): it redraws when the surface, bounds
or resolution change. Only finite vertices reach GL items.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.basins import BasinsResult
from landscape_explorer.core.critical import CriticalPoint

from ..views.point_cloud import PointCloudItem

KIND_STYLE = {
    # kind: (color, 2D symbol, label)
    "global_min": ("#00E676", "star", "global minimum"),
    "local_min": ("#FFD54F", "o", "local minimum"),
    "saddle": ("#FFFFFF", "x", "saddle point"),
    "max": ("#FF5252", "t1", "maximum"),
    "degenerate": ("#E040FB", "d", "degenerate point"),
}
# Markers are drawn over the surface from every angle, like the balls.
_OVER_GL = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
            "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
_LINE_GL = {GL.GL_DEPTH_TEST: True, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
            "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}


def _rgbaf(color: str, alpha: float = 1.0):
    c = QtGui.QColor(color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


def _finite32(a) -> np.ndarray:
    return np.nan_to_num(np.asarray(a, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def point_tooltip(c: CriticalPoint) -> str:
    lo, hi = c.eigenvalues
    deg = " (degenerate)" if c.degenerate else ""
    return (f"{KIND_STYLE[c.kind][2].capitalize()}{deg}\n"
            f"at ({c.xy[0]:.5g}, {c.xy[1]:.5g})\nvalue {c.value:.6g}\n"
            f"Hessian eigenvalues {lo:.4g}, {hi:.4g}")


def _glyph(kind: str, r: float) -> np.ndarray:
    """Line segments (2k, 2) of a marker glyph of radius r around the origin."""
    def loop(pts):
        pts = np.asarray(pts)
        return np.stack([pts, np.roll(pts, -1, axis=0)], axis=1).reshape(-1, 2)

    if kind == "global_min":  # five-pointed star
        a = np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
        return loop(np.stack([rad * np.cos(a), rad * np.sin(a)], -1))
    if kind == "local_min":  # ring
        a = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        return loop(np.stack([0.8 * r * np.cos(a), 0.8 * r * np.sin(a)], -1))
    if kind == "saddle":  # cross
        d = 0.75 * r
        return np.array([[-d, -d], [d, d], [-d, d], [d, -d]])
    if kind == "max":  # triangle
        a = np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        return loop(np.stack([r * np.cos(a), r * np.sin(a)], -1))
    a = np.arange(4) * np.pi / 2  # degenerate: diamond
    return loop(np.stack([r * np.cos(a), r * np.sin(a)], -1))


# ---------------------------------------------------------------------------------------------
# Critical points


def glyph_radius(points, bounds) -> float:
    """A marker size that keeps neighbours apart: 1.8% of the area's width, or less where
    critical points crowd (rastrigin has 441 of them)."""
    (x0, x1), (y0, y1) = bounds
    r = 0.018 * max(x1 - x0, y1 - y0)
    if len(points) > 1:
        xy = np.array([c.xy for c in points])
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        d[np.diag_indices(len(xy))] = np.inf
        r = min(r, 0.35 * float(d.min()))
    return r


class CriticalMarkers3D(QtCore.QObject):
    """Glyphs lying just above the surface at each critical point, with hover tooltips."""

    def __init__(self, view3d):
        super().__init__(view3d)
        self.view = view3d
        self.points: list[CriticalPoint] = []
        self.items: dict[str, gl.GLLinePlotItem] = {}
        self.dots = gl.GLScatterPlotItem(pos=np.zeros((1, 3), np.float32), size=5,
                                         color=(1, 1, 1, 1), glOptions=_OVER_GL)
        self.dots.setDepthValue(15)
        self.dots.setVisible(False)
        view3d.addItem(self.dots)
        for kind, (color, _, _) in KIND_STYLE.items():
            item = gl.GLLinePlotItem(pos=np.zeros((2, 3), np.float32), mode="lines", width=2.5,
                                     color=_rgbaf(color), glOptions=_OVER_GL)
            item.setDepthValue(16)
            item.setVisible(False)
            view3d.addItem(item)
            self.items[kind] = item
        self._visible = False
        view3d.setMouseTracking(True)
        view3d.installEventFilter(self)

    def set_points(self, points):
        self.points = list(points)
        self.redraw()

    def set_visible(self, on: bool):
        self._visible = bool(on)
        self.redraw()

    def positions(self) -> np.ndarray:
        geo = self.view.geometry_
        if geo is None or not self.points:
            return np.zeros((0, 3), np.float32)
        xy = np.array([c.xy for c in self.points])
        return _finite32(np.column_stack([xy, geo.z_at(geo.clip_xy(xy)) + 2 * geo.lift]))

    def redraw(self, *_):
        geo = self.view.geometry_
        show = self._visible and bool(self.points) and geo is not None
        self.dots.setVisible(show)
        for item in self.items.values():
            item.setVisible(False)
        if not show:
            return
        r = glyph_radius(self.points, geo.bounds)
        pos = self.positions()
        self.dots.setData(pos=pos, color=np.array([_rgbaf(KIND_STYLE[c.kind][0])
                                                   for c in self.points], np.float32))
        for kind, item in self.items.items():
            idx = [i for i, c in enumerate(self.points) if c.kind == kind]
            if not idx:
                continue
            g = _glyph(kind, r)
            segs = np.concatenate([np.column_stack([g + pos[i, :2], np.full(len(g), pos[i, 2])])
                                   for i in idx])
            item.setData(pos=_finite32(segs))
            item.setVisible(True)

    def nearest(self, px: float, py: float, radius_px: float = 9.0):
        """The critical point drawn within radius_px of widget pixel (px, py), or None."""
        if not self._visible or not self.points:
            return None
        pos = self.positions()
        mvp = self.view.mvp_matrix()
        h = np.column_stack([pos.astype(np.float64), np.ones(len(pos))]) @ mvp.T
        with np.errstate(all="ignore"):
            ndc = h[:, :3] / h[:, 3:4]
        sx = (ndc[:, 0] + 1) / 2 * self.view.width()
        sy = (1 - ndc[:, 1]) / 2 * self.view.height()
        d = np.hypot(sx - px, sy - py)
        d = np.where(np.isfinite(d) & (h[:, 3] > 0), d, np.inf)
        i = int(np.argmin(d))
        return self.points[i] if d[i] <= radius_px else None

    def eventFilter(self, obj, ev):
        if ev.type() == QtCore.QEvent.Type.MouseMove and not ev.buttons():
            c = self.nearest(ev.position().x(), ev.position().y())
            if c is not None:
                QtWidgets.QToolTip.showText(ev.globalPosition().toPoint(), point_tooltip(c),
                                            self.view)
            else:
                QtWidgets.QToolTip.hideText()
        return False


class CriticalMarkers2D:
    """One scatter item per kind, each with its own symbol and hover tooltips."""

    def __init__(self, view2d):
        self.view = view2d
        self.items: dict[str, pg.ScatterPlotItem] = {}
        for kind, (color, symbol, _) in KIND_STYLE.items():
            item = pg.ScatterPlotItem(size=15 if kind == "global_min" else 11, symbol=symbol,
                                      pen=pg.mkPen("#111111", width=1.2),
                                      brush=pg.mkBrush(color), hoverable=True,
                                      hoverSize=18, tip=self._tip)
            item.setZValue(45)
            item.setVisible(False)
            view2d.addItem(item)
            self.items[kind] = item
        self.points: list[CriticalPoint] = []
        self._visible = False

    @staticmethod
    def _tip(x, y, data):
        return point_tooltip(data) if isinstance(data, CriticalPoint) else f"({x:.4g}, {y:.4g})"

    def set_points(self, points):
        self.points = list(points)
        self.redraw()

    def set_visible(self, on: bool):
        self._visible = bool(on)
        self.redraw()

    def redraw(self, *_):
        crowded = len(self.points) > 60
        for kind, item in self.items.items():
            pts = [c for c in self.points if c.kind == kind]
            size = (15 if kind == "global_min" else 11) if not crowded else \
                (12 if kind == "global_min" else 6)
            item.setData(x=[c.xy[0] for c in pts], y=[c.xy[1] for c in pts], data=pts,
                         size=size)
            item.setVisible(self._visible and bool(pts))


# ---------------------------------------------------------------------------------------------
# Basins of attraction


class BasinsOverlay:
    """A basins map as a translucent image in 2D, labelled with its optimizer, and as the 3D
    mesh's colors."""

    def __init__(self, view2d, view3d=None):
        self.view2d = view2d
        self.view3d = view3d
        self.result: BasinsResult | None = None
        self.name = ""
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-5)  # over the heatmap, under paths and markers
        self.image.setOpacity(0.8)
        self.image.setVisible(False)
        view2d.addItem(self.image)
        self.caption = pg.TextItem(anchor=(0, 0), color="#FFFFFF", fill=(0, 0, 0, 150))
        self.caption.setZValue(44)
        self.caption.setVisible(False)
        view2d.addItem(self.caption)
        self._visible = True
        self._textured = False

    def set_result(self, result: BasinsResult | None, name: str = ""):
        """The map to show (None: none), and the name of the run whose optimizer made it."""
        self.result = result
        self.name = name
        self.redraw()

    def set_visible(self, on: bool):
        self._visible = bool(on)
        self.redraw()

    @property
    def showing(self) -> bool:
        return self._visible and self.result is not None

    def redraw(self, *_):
        r = self.result
        if not self.showing:
            self.image.setVisible(False)
            self.caption.setVisible(False)
            v = self.view3d
            if v is not None and v.geometry_ is not None and self._textured:
                self._textured = False
                v.apply_appearance()  # the height colors back
            return
        # Row 0 of labels is the lowest y: with row-major order and a rect from y0 up, that is
        # the image's bottom row, as in the plot.
        rgb = r.colors()[r.labels]
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        (x0, x1), (y0, y1) = r.bounds
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.image.setVisible(True)
        self.caption.setText(f"Basins: {self.name or r.optimizer.spec()}")
        self.caption.setPos(x0, y1)
        self.caption.setVisible(True)
        self.texture_3d()

    def texture_3d(self, *_):
        v = self.view3d
        if v is None or v.geometry_ is None or not self.showing:
            return
        geo = v.geometry_
        v.set_mesh_colors(mesh_colors(self.result, geo.xs, geo.ys))
        self._textured = True


def mesh_colors(r: BasinsResult, xs, ys) -> np.ndarray:
    """(len(xs), len(ys), 4) float RGBA: each mesh vertex takes the color of the basins cell it
    lies in (the mesh is indexed [ix, iy])."""
    (x0, x1), (y0, y1) = r.bounds
    res = r.resolution
    col = np.clip(((np.asarray(xs) - x0) / (x1 - x0) * res).astype(int), 0, res - 1)
    row = np.clip(((np.asarray(ys) - y0) / (y1 - y0) * res).astype(int), 0, res - 1)
    lab = r.labels[row[None, :], col[:, None]]  # [ix, iy]
    rgb = r.colors()[lab].astype(np.float32) / 255.0
    return np.concatenate([rgb, np.ones(rgb.shape[:2] + (1,), np.float32)], axis=-1)


# ---------------------------------------------------------------------------------------------
# Particle cloud


class CloudOverlay:
    """N particles as points, with fading trails over their last few frames (3D: the first
    ``trail_particles`` particles; 2D: at most ``max_2d`` points, a uniform subsample)."""

    def __init__(self, view2d, view3d=None, color="#FFFFFF", trail_frames: int = 8,
                 trail_particles: int = 4000, max_2d: int = 5000):
        self.view2d, self.view3d = view2d, view3d
        self.color = color
        self.trail_frames = trail_frames
        self.trail_particles = trail_particles
        self.max_2d = max_2d
        self._frames: list[np.ndarray] = []
        # Each frame's points lifted onto the 3D surface, computed once per frame (the trails
        # reuse the last few) and again only when the surface changes: [(geometry, (N, 3))].
        self._lifted: list = []
        self._trail_colors = (None, None)  # ((k, m, color), (k-1)*m*2 x 4 colors)
        # A dark rim keeps particles visible over a basins map of similar colors.
        self.scatter2d = PointCloudItem(size=4, color=color, rim=(17, 17, 17, 200), rim_px=0.6)
        self.scatter2d.setZValue(30)
        view2d.addItem(self.scatter2d)
        self.points3d = self.trails3d = None
        if view3d is not None:
            self.points3d = gl.GLScatterPlotItem(pos=np.zeros((1, 3), np.float32), size=3,
                                                 color=_rgbaf(color), glOptions=_OVER_GL)
            self.points3d.setDepthValue(12)
            self.trails3d = gl.GLLinePlotItem(pos=np.zeros((2, 3), np.float32), mode="lines",
                                              width=1.5, glOptions=_LINE_GL)
            self.trails3d.setDepthValue(11)
            for item in (self.points3d, self.trails3d):
                item.setVisible(False)
                view3d.addItem(item)
        self.clear()

    def set_color(self, color: str):
        self.color = color
        self.scatter2d.set_color(color)

    def clear(self):
        self._frames = []
        self._lifted = []
        self.scatter2d.setData([], [])
        self.scatter2d.setVisible(False)
        if self.points3d is not None:
            self.points3d.setVisible(False)
            self.trails3d.setVisible(False)

    def push(self, positions: np.ndarray):
        """A new frame of positions (N, 2)."""
        self._frames.append(np.asarray(positions, dtype=np.float64))
        self._lifted.append((None, None))
        del self._frames[:-self.trail_frames]
        del self._lifted[:-self.trail_frames]
        self.redraw()

    def _lift(self, geo, i: int) -> np.ndarray:
        """Frame i's points on the 3D surface, (N, 3) float32."""
        done_for, pos = self._lifted[i]
        if done_for is not geo:
            xy = geo.clip_xy(self._frames[i])
            pos = _finite32(np.column_stack([xy, geo.z_at(xy) + 2 * geo.lift]))
            self._lifted[i] = (geo, pos)
        return pos

    def _fading_colors(self, k: int, m: int) -> np.ndarray:
        """Colors of k-1 segments per particle for m particles, fading with age."""
        key = (k, m, self.color)
        if self._trail_colors[0] != key:
            cols = np.empty((k - 1, m, 2, 4), np.float32)
            cols[...] = np.array(_rgbaf(self.color), np.float32)
            for j in range(k - 1):
                cols[j, :, 0, 3] = 0.85 * (j + 1) / k
                cols[j, :, 1, 3] = 0.85 * (j + 2) / k
            self._trail_colors = (key, cols.reshape(-1, 4))
        return self._trail_colors[1]

    def redraw(self, *_):
        if not self._frames:
            return
        p = self._frames[-1]
        geo2 = self.view2d.geometry_
        sub = p if len(p) <= self.max_2d else p[:: math.ceil(len(p) / self.max_2d)]
        sub = geo2.clip_xy(sub) if geo2 is not None else np.nan_to_num(sub)
        self.scatter2d.setData(sub[:, 0], sub[:, 1])
        self.scatter2d.setVisible(True)
        v = self.view3d
        if v is None or v.geometry_ is None:
            return
        geo = v.geometry_
        if len(self._lifted) != len(self._frames):  # frames pushed before a clear of the cache
            self._lifted = [(None, None)] * len(self._frames)
        pos = self._lift(geo, len(self._frames) - 1)
        # The color is set with the positions: pyqtgraph rewrites the point buffer in place
        # while the particle count stays.
        self.points3d.setData(pos=pos, color=_rgbaf(self.color))
        self.points3d.setVisible(True)
        frames = self._frames
        m = min(len(p), self.trail_particles)
        if len(frames) < 2 or m == 0:
            self.trails3d.setVisible(False)
            return
        k = len(frames)
        # Segment j joins frame j to j + 1 for the first m particles, fading with age.
        segs = np.empty((k - 1, m, 2, 3), np.float32)
        for j in range(k - 1):
            segs[j, :, 0] = self._lift(geo, j)[:m]
            segs[j, :, 1] = self._lift(geo, j + 1)[:m]
        cols = self._fading_colors(k, m)
        if self.trails3d.color is not cols:  # uploaded again only when it changes
            self.trails3d.setData(pos=segs.reshape(-1, 3), color=cols)
        else:
            self.trails3d.setData(pos=segs.reshape(-1, 3))
        self.trails3d.setVisible(True)


# ---------------------------------------------------------------------------------------------
# Random restarts


class RestartsOverlay:
    """Every restart's path and end point (thin, gray) and the best one highlighted (a thick
    gold path and a star)."""

    BEST = "#FFD600"
    OTHERS = (220, 220, 220, 150)

    def __init__(self, view2d, view3d=None):
        self.view2d, self.view3d = view2d, view3d
        self.paths2d = pg.PlotCurveItem(pen=pg.mkPen(self.OTHERS, width=1.2), connect="finite")
        self.ends2d = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#111111"),
                                         brush=pg.mkBrush(200, 200, 200, 220))
        self.best2d = pg.ScatterPlotItem(size=22, symbol="star", pen=pg.mkPen("#111111", width=1.5),
                                         brush=pg.mkBrush(self.BEST))
        self.path2d = pg.PlotCurveItem(pen=pg.mkPen(self.BEST, width=3),
                                       shadowPen=pg.mkPen("#111111", width=5))
        for item, z in ((self.paths2d, 40), (self.ends2d, 41), (self.path2d, 42),
                        (self.best2d, 43)):
            item.setZValue(z)
            item.setVisible(False)
            view2d.addItem(item)
        self.paths3d = self.ends3d = self.best3d = self.path3d = None
        if view3d is not None:
            self.paths3d = gl.GLLinePlotItem(pos=np.zeros((2, 3), np.float32), width=1.5,
                                             color=tuple(c / 255 for c in self.OTHERS),
                                             mode="lines", glOptions=_LINE_GL)
            self.ends3d = gl.GLScatterPlotItem(pos=np.zeros((1, 3), np.float32), size=6,
                                               color=(0.8, 0.8, 0.8, 1), glOptions=_OVER_GL)
            self.best3d = gl.GLScatterPlotItem(pos=np.zeros((1, 3), np.float32), size=18,
                                               color=_rgbaf(self.BEST), glOptions=_OVER_GL)
            self.path3d = gl.GLLinePlotItem(pos=np.zeros((2, 3), np.float32), width=3.5,
                                            color=_rgbaf(self.BEST), mode="line_strip",
                                            glOptions=_LINE_GL)
            for item, depth in ((self.paths3d, 12), (self.ends3d, 13), (self.path3d, 13),
                                (self.best3d, 14)):
                item.setDepthValue(depth)
                item.setVisible(False)
                view3d.addItem(item)
        self.result = None

    def set_result(self, rr):
        self.result = rr
        self.redraw()

    def redraw(self, *_):
        rr = self.result
        items = [self.paths2d, self.ends2d, self.best2d, self.path2d]
        if self.view3d is not None:
            items += [self.paths3d, self.ends3d, self.best3d, self.path3d]
        for item in items:
            item.setVisible(rr is not None)
        if rr is None:
            return
        geo2 = self.view2d.geometry_
        paths = rr.result.path  # (rows, K, 2)
        ends = geo2.clip_xy(rr.result.final)
        best = ends[rr.best]
        # All paths in one item, separated by a NaN row (connect="finite" breaks there).
        k = paths.shape[1]
        stacked = np.full((k, paths.shape[0] + 1, 2), np.nan)
        stacked[:, :-1] = np.swapaxes(geo2.clip_xy(paths), 0, 1)
        flat = stacked.reshape(-1, 2)
        self.paths2d.setData(flat[:, 0], flat[:, 1])
        self.ends2d.setData(ends[:, 0], ends[:, 1])
        self.best2d.setData([best[0]], [best[1]])
        path = geo2.clip_xy(paths[:, rr.best])
        self.path2d.setData(path[:, 0], path[:, 1])
        v = self.view3d
        if v is None or v.geometry_ is None:
            return
        geo = v.geometry_
        e = geo.clip_xy(rr.result.final)
        lift = 2 * geo.lift
        self.ends3d.setData(pos=_finite32(np.column_stack([e, geo.z_on_mesh(e) + lift])))
        self.best3d.setData(pos=_finite32(np.column_stack(
            [e[rr.best:rr.best + 1], geo.z_on_mesh(e[rr.best:rr.best + 1]) + lift])))
        segs = []
        for j in range(k):  # each path as segments ("lines" mode): no line joins two paths
            p = geo.clip_xy(paths[:, j])
            pts = np.column_stack([p, geo.z_on_mesh(p) + geo.lift])
            segs.append(np.repeat(pts, 2, axis=0)[1:-1])
        self.paths3d.setData(pos=_finite32(np.concatenate(segs)))
        self.path3d.setData(pos=geo.trail_vertices(paths[:, rr.best], 4096))


# ---------------------------------------------------------------------------------------------
# Step illustration


ARROW_STYLE = {
    # name: (color, label)
    "gradient": ("#FF5252", "−gradient"),
    "momentum": ("#40C4FF", "momentum"),
    "update": ("#FFFFFF", "next update"),
}


def arrow_segments(origin, direction, length, head=0.28) -> np.ndarray:
    """(6, 2): a shaft and a two-stroke head, from origin along direction, given length."""
    d = np.asarray(direction, dtype=np.float64)
    n = math.hypot(*d)
    if not (n > 0 and math.isfinite(n)):
        return np.zeros((0, 2))
    u = d / n
    tip = np.asarray(origin) + length * u
    w = np.array([-u[1], u[0]])
    back = tip - head * length * u
    return np.array([origin, tip, tip, back + 0.5 * head * length * w,
                     tip, back - 0.5 * head * length * w])


class StepArrows:
    """Arrows at a ball: descent direction (−gradient), momentum and the next update. Arrows
    show directions at a fixed length; the caption gives their sizes."""

    def __init__(self, view2d, view3d=None):
        self.view2d, self.view3d = view2d, view3d
        self.items2d, self.items3d = {}, {}
        for name, (color, _) in ARROW_STYLE.items():
            it = pg.PlotCurveItem(pen=pg.mkPen(color, width=2.5), connect="pairs")
            it.setZValue(48)
            it.setVisible(False)
            view2d.addItem(it)
            self.items2d[name] = it
            if view3d is not None:
                g = gl.GLLinePlotItem(pos=np.zeros((2, 3), np.float32), mode="lines", width=3,
                                      color=_rgbaf(color), glOptions=_OVER_GL)
                g.setDepthValue(22)
                g.setVisible(False)
                view3d.addItem(g)
                self.items3d[name] = g

    def clear(self):
        for it in list(self.items2d.values()) + list(self.items3d.values()):
            it.setVisible(False)

    def show(self, origin, vectors: dict):
        """vectors: name -> (2,) direction, or None to hide that arrow."""
        geo2 = self.view2d.geometry_
        if geo2 is None:
            return
        (x0, x1), (y0, y1) = geo2.bounds
        length = 0.12 * max(x1 - x0, y1 - y0)
        o = geo2.clip_xy(np.asarray(origin, dtype=np.float64))
        for name in ARROW_STYLE:
            vec = vectors.get(name)
            segs = arrow_segments(o, vec, length) if vec is not None else np.zeros((0, 2))
            it2 = self.items2d[name]
            if len(segs):
                it2.setData(segs[:, 0], segs[:, 1])
            it2.setVisible(bool(len(segs)))
            it3 = self.items3d.get(name)
            if it3 is None:
                continue
            geo = self.view3d.geometry_
            if geo is None or not len(segs):
                it3.setVisible(False)
                continue
            z = np.full(len(segs), float(geo.z_at(o[None])[0]) + 3 * geo.lift)
            it3.setData(pos=_finite32(np.column_stack([segs, z])))
            it3.setVisible(True)
