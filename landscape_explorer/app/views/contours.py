"""Contour lines of a grid of values, traced by marching squares in numpy.

pyqtgraph's IsocurveItem traces in a Python loop over cells: about 12 ms a level for a 90x90
grid here, so the 2D map's 14 levels took ~170 ms of every surface change, and the minibatch
overlay paid them at every step. Here every cell of a level is classified at once and each
crossing becomes one segment; the segments are drawn as one path of disjoint pairs.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui

# Which two cell edges a level crosses, for each marching-squares case (bit 1: corner (i, j),
# 2: (i+1, j), 4: (i+1, j+1), 8: (i, j+1) above the level). Edges: 0 = j side (i..i+1 at j),
# 1 = i+1 side, 2 = j+1 side, 3 = i side. The two saddle cases (5, 10) get two segments, each
# cutting off one corner above the level.
_PAIRS = {
    (3, 0): (1, 14, 5), (0, 1): (2, 13, 10), (3, 1): (3, 12), (1, 2): (4, 11, 5),
    (0, 2): (6, 9), (3, 2): (7, 8, 10),
}


# _PAIRS as masks: _CASE_HAS[p][case] says whether that case has the p-th pair's segment.
_CASE_HAS = np.zeros((len(_PAIRS), 16), dtype=bool)
for _p, _cases in enumerate(_PAIRS.values()):
    _CASE_HAS[_p, list(_cases)] = True


def contour_segments(grid: np.ndarray, level: float) -> np.ndarray:
    """(m, 2, 2) segments where ``grid`` (nx, ny) crosses ``level``, in sample units: sample
    (i, j) is at (i, j). Cells with a non-finite corner are skipped."""
    d = np.asarray(grid, dtype=np.float64)
    if d.ndim != 2 or min(d.shape) < 2:
        return np.zeros((0, 2, 2))
    above = d > level
    case = (above[:-1, :-1] * 1 + above[1:, :-1] * 2 + above[1:, 1:] * 4
            + above[:-1, 1:] * 8).astype(np.intp)
    finite = np.isfinite(d)
    case[~(finite[:-1, :-1] & finite[1:, :-1] & finite[1:, 1:] & finite[:-1, 1:])] = 0

    def edge(k, i, j):  # where the level crosses edge k of cells (i, j)
        p, q = ((i, j), (i + 1, j)) if k == 0 else ((i + 1, j), (i + 1, j + 1)) if k == 1 \
            else ((i, j + 1), (i + 1, j + 1)) if k == 2 else ((i, j), (i, j + 1))
        lo, hi = d[p], d[q]
        with np.errstate(all="ignore"):
            t = (level - lo) / (hi - lo)
        return np.stack([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])], axis=-1)

    out = []
    for has, (k1, k2) in zip(_CASE_HAS, _PAIRS):
        i, j = np.nonzero(has[case])
        if len(i):
            out.append(np.stack([edge(k1, i, j), edge(k2, i, j)], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 2, 2))


class ContourItem(pg.GraphicsObject):
    """The contour line of ``data`` at ``level`` (IsocurveItem's setData/setPen), in sample
    units; place it with setTransform."""

    def __init__(self, level: float = 0.0, pen=None):
        super().__init__()
        self.level = float(level)
        self.pen = pg.mkPen(pen if pen is not None else "w")
        self.segments = np.zeros((0, 2, 2))
        self.path = QtGui.QPainterPath()

    def setData(self, data, level: float | None = None) -> None:
        if level is not None:
            self.level = float(level)
        self.prepareGeometryChange()
        self.segments = contour_segments(data, self.level) if data is not None else \
            np.zeros((0, 2, 2))
        pts = self.segments.reshape(-1, 2)
        self.path = pg.arrayToQPath(pts[:, 0], pts[:, 1], connect="pairs") if len(pts) else \
            QtGui.QPainterPath()
        self.update()

    def setPen(self, *args, **kwargs) -> None:
        self.pen = pg.mkPen(*args, **kwargs)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self.path.boundingRect()

    def paint(self, p: QtGui.QPainter, *args) -> None:
        if self.path.isEmpty():
            return
        p.setPen(self.pen)
        p.drawPath(self.path)
