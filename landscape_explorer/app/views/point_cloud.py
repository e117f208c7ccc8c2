"""Many points in a 2D plot, each a round dot of a few pixels with a dark rim, redrawn every
frame. pyqtgraph's ScatterPlotItem builds a style key per point in Python on every setData
(about 20 ms for 5,000 points here), which a particle cloud stepping live cannot afford, and
stroking each point with a wide round pen is slower still. This item draws one pre-rendered dot
(rim and fill, antialiased) at every point with a single drawPixmapFragments call, its
fragments filled from numpy (what ScatterPlotItem's paint does, without its per-point keys)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from pyqtgraph.Qt import internals
from PyQt6 import QtCore, QtGui


class PointCloudItem(pg.GraphicsObject):
    """Points (x, y) in data coordinates, drawn ``size`` pixels wide in ``color`` over a rim."""

    def __init__(self, size: float = 4.0, color="#FFFFFF", rim=(17, 17, 17, 200),
                 rim_px: float = 0.6):
        super().__init__()
        self.size = float(size)
        self.rim_px = float(rim_px)
        self._rim = pg.mkColor(rim)
        self._color = pg.mkColor(color)
        self.data = np.zeros((0, 2))
        self._rect = QtCore.QRectF()
        self._frags = internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)
        self._dot: tuple | None = None  # (device pixel ratio, colors, the dot's pixmap)

    def set_color(self, color) -> None:
        self._color = pg.mkColor(color)
        self._dot = None
        self.update()

    def setData(self, x, y) -> None:
        """The points now; non-finite ones are not drawn."""
        xy = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
        xy = xy[np.isfinite(xy).all(axis=1)]
        self.prepareGeometryChange()
        self.data = xy
        if len(xy):
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            self._rect = QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        else:
            self._rect = QtCore.QRectF()
        self.informViewBoundsChanged()
        self.update()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if not len(self.data):
            return (None, None)
        return (float(self.data[:, ax].min()), float(self.data[:, ax].max()))

    def pixelPadding(self) -> float:
        return self.size / 2 + self.rim_px

    def boundingRect(self) -> QtCore.QRectF:
        if not len(self.data):
            return QtCore.QRectF()
        # The dots reach half their width (in pixels) past the outermost points.
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        pad = self.pixelPadding()
        return self._rect.adjusted(-pad * px, -pad * py, pad * px, pad * py)

    def _dot_pixmap(self, dpr: float) -> QtGui.QPixmap:
        key = (dpr, self._color.rgba(), self._rim.rgba(), self.size, self.rim_px)
        if self._dot is None or self._dot[0] != key:
            side = int(np.ceil((self.size + 2 * self.rim_px + 2) * dpr))
            pix = QtGui.QPixmap(side, side)
            pix.fill(QtCore.Qt.GlobalColor.transparent)
            q = QtGui.QPainter(pix)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            q.setPen(QtCore.Qt.PenStyle.NoPen)
            c = side / 2
            for color, d in ((self._rim, self.size + 2 * self.rim_px), (self._color, self.size)):
                q.setBrush(color)
                q.drawEllipse(QtCore.QPointF(c, c), d * dpr / 2, d * dpr / 2)
            q.end()
            self._dot = (key, pix)
        return self._dot[1]

    def paint(self, p: QtGui.QPainter, option=None, widget=None) -> None:
        if not len(self.data):
            return
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        dot = self._dot_pixmap(dpr)
        # Points to device pixels, then drawn untransformed: the dot keeps its size in pixels.
        pts = fn.transformCoordinates(p.transform(), self.data.T)
        pts = np.clip(pts, -2 ** 30, 2 ** 30)  # far-off points must not overflow Qt's ints
        p.resetTransform()
        self._frags.resize(pts.shape[1])
        frags = self._frags.ndarray()
        frags[:, 0:2] = pts.T
        frags[:, 2:6] = (0.0, 0.0, dot.width(), dot.height())  # the whole pixmap
        frags[:, 6:10] = (1 / dpr, 1 / dpr, 0.0, 1.0)  # scale x, y; rotation; opacity
        p.drawPixmapFragments(*self._frags.drawargs(), dot)
