"""Contour lines (views/contours.py): marching squares in numpy, checked against pyqtgraph's own
tracer and against lines whose position is known exactly, then drawn by Qt for real."""
import numpy as np
import pyqtgraph as pg
from PyQt6 import QtGui

from landscape_explorer.app.views.contours import ContourItem, contour_segments


def as_set(segments):
    return {tuple(sorted(map(tuple, np.round(s, 9)))) for s in segments}


def test_same_segments_as_pyqtgraphs_tracer():
    x = np.linspace(-1, 1, 61)
    X, Y = np.meshgrid(x, x, indexing="ij")
    g = np.sin(3 * X) + X ** 2 + Y ** 2 + 0.3 * X * Y
    for level in (0.2, 0.7, 1.4):
        ours = contour_segments(g, level)
        # pyqtgraph puts sample (i, j) at the pixel center (i + 0.5, j + 0.5).
        ref = np.array(pg.functions.isocurve(g, level, connected=False)).reshape(-1, 2, 2) - 0.5
        assert len(ours) > 10
        assert as_set(ours) == as_set(ref)


def test_a_plane_gives_its_exact_level_line():
    i, j = np.meshgrid(np.arange(30.0), np.arange(20.0), indexing="ij")
    g = 0.5 * i - 0.25 * j
    seg = contour_segments(g, 3.1)
    pts = seg.reshape(-1, 2)
    assert len(seg) > 5
    np.testing.assert_allclose(0.5 * pts[:, 0] - 0.25 * pts[:, 1], 3.1, atol=1e-12)
    # Nothing where the plane is all above or all below.
    assert contour_segments(g, 100.0).shape == (0, 2, 2)


def test_saddle_cells_and_undefined_cells():
    saddle = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert len(contour_segments(saddle, 0.5)) == 2
    g = np.tile(np.arange(6.0)[:, None], (1, 6))
    g[:, :3] = np.nan  # a gap: its cells give no line, the rest does
    seg = contour_segments(g, 2.5)
    assert len(seg) == 2 and (seg[..., 1] >= 3).all()
    assert contour_segments(np.zeros((1, 5)), 0.0).shape == (0, 2, 2)


def test_the_item_draws_the_line_where_it_is(qtbot):
    w = pg.PlotWidget(background=(0, 0, 0))
    qtbot.addWidget(w)
    w.resize(300, 300)
    x = np.linspace(-1, 1, 81)
    X, Y = np.meshgrid(x, x, indexing="ij")
    item = ContourItem(level=0.25, pen=pg.mkPen((255, 255, 255), width=3))
    item.setData(X ** 2 + Y ** 2)
    tr = QtGui.QTransform()
    tr.translate(-1.0, -1.0)
    tr.scale(2 / 80, 2 / 80)
    item.setTransform(tr)
    w.addItem(item)
    w.setXRange(-1, 1, padding=0)
    w.setYRange(-1, 1, padding=0)
    w.show()
    qtbot.waitExposed(w)
    img = w.grab().toImage()
    vb = w.getViewBox()

    def brightness(x, y):
        p = w.mapFromScene(vb.mapViewToScene(pg.Point(x, y)))
        return QtGui.QColor(img.pixel(p.x(), p.y())).value()

    assert brightness(0.5, 0.0) > 150 and brightness(0.0, -0.5) > 150  # on the circle r = 0.5
    assert brightness(0.0, 0.0) < 40 and brightness(0.8, 0.0) < 40  # inside and outside it


def test_all_levels_at_once_are_each_level_alone():
    """contour_levels (one pass for the 2D map's levels) against contour_segments level by
    level, on a grid with a hole of NaNs and levels exactly on sample values."""
    from landscape_explorer.app.views.contours import contour_levels, contour_segments

    x = np.linspace(-3, 3, 70)
    X, Y = np.meshgrid(x, x, indexing="ij")
    Z = np.sin(3 * X) + 0.5 * X ** 2 + Y ** 2
    Z[20:25, 30:44] = np.nan
    levels = list(np.linspace(np.nanmin(Z), np.nanmax(Z), 16)[1:-1]) + [float(Z[5, 5])]
    levels.sort()

    def canon(s):  # the same segments, in any order and either direction
        s = np.sort(np.round(s, 12), axis=1).reshape(len(s), -1)
        return s[np.lexsort(s.T[::-1])]

    together = contour_levels(Z, levels)
    assert len(together) == len(levels)
    for level, segs in zip(levels, together):
        alone = contour_segments(Z, level)
        assert len(alone) > 0
        np.testing.assert_array_equal(canon(segs), canon(alone))
