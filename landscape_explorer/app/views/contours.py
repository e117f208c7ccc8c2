"""Contour lines of a grid of values, traced by marching squares in numpy.

pyqtgraph's IsocurveItem traces in a Python loop over cells: about 12 ms a level for a 90x90
grid here, so the 2D map's 14 levels took ~170 ms of every surface change, and the minibatch
overlay paid them at every step. Here every cell of a level is classified at once and each
crossing becomes one segment; the segments are drawn as one path of disjoint pairs. The 2D map's
levels are traced together (``contour_levels``): one pass ranks the samples among the levels,
and only the crossed cells are worked on (13 ms for 14 levels on 100 x 100 became 2.3 ms).
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
    return contour_levels(grid, [level])[0]


def contour_levels(grid: np.ndarray, levels) -> list[np.ndarray]:
    """``contour_segments`` of every level of ``levels`` (ascending), from one pass over the
    grid: each sample's rank among the levels tells, for every level at once, which cells it
    crosses (those whose corners' ranks differ), and only those cells (a few in a hundred) are
    worked on level by level."""
    d = np.asarray(grid, dtype=np.float64)
    lv = np.asarray(levels, dtype=np.float64).reshape(-1)
    if d.ndim != 2 or min(d.shape) < 2:
        return [np.zeros((0, 2, 2)) for _ in lv]
    # d > level m  <=>  more than m levels lie below d  <=>  rank > m.
    rank = np.searchsorted(lv, d, side="left")
    corners = (rank[:-1, :-1], rank[1:, :-1], rank[1:, 1:], rank[:-1, 1:])
    lo = np.minimum(np.minimum(corners[0], corners[1]), np.minimum(corners[2], corners[3]))
    hi = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
    crossed = lo < hi
    if not np.isfinite(d).all():
        finite = np.isfinite(d)
        crossed &= finite[:-1, :-1] & finite[1:, :-1] & finite[1:, 1:] & finite[:-1, 1:]
    ci, cj = np.nonzero(crossed)
    # One row per (cell, level it crosses), levels ascending: all levels in one go.
    n = (hi - lo)[ci, cj]
    first = np.repeat(lo[ci, cj], n)
    m = first + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    i, j = np.repeat(ci, n), np.repeat(cj, n)
    case = sum((np.repeat(c[ci, cj], n) > m).astype(np.intp) << bit
               for bit, c in enumerate(corners))
    level = lv[m]

    def edge(k, i, j, level):  # where the level crosses edge k of cells (i, j)
        p, q = ((i, j), (i + 1, j)) if k == 0 else ((i + 1, j), (i + 1, j + 1)) if k == 1 \
            else ((i, j + 1), (i + 1, j + 1)) if k == 2 else ((i, j), (i, j + 1))
        a, b = d[p], d[q]
        with np.errstate(all="ignore"):
            t = (level - a) / (b - a)
        return np.stack([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])], axis=-1)

    segs, seg_level = [np.zeros((0, 2, 2))], [np.zeros(0, dtype=np.intp)]
    for has, (k1, k2) in zip(_CASE_HAS, _PAIRS):
        sel = has[case]
        if sel.any():
            args = (i[sel], j[sel], level[sel])
            segs.append(np.stack([edge(k1, *args), edge(k2, *args)], axis=1))
            seg_level.append(m[sel])
    segs_all, at = np.concatenate(segs), np.concatenate(seg_level)
    order = np.argsort(at, kind="stable")
    bounds = np.searchsorted(at[order], np.arange(len(lv) + 1))
    return [segs_all[order[bounds[k]:bounds[k + 1]]] for k in range(len(lv))]


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
        self.set_segments(contour_segments(data, self.level) if data is not None else
                          np.zeros((0, 2, 2)))

    def set_segments(self, segments: np.ndarray) -> None:
        """Show ``segments`` (m, 2, 2), traced elsewhere (contour_levels: many levels at once)."""
        self.prepareGeometryChange()
        self.segments = segments
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
