"""The 2D particle cloud's points (views/point_cloud.py), drawn by Qt for real: each point is a
dot of its color with a dark rim where it is, nothing where no point is, and non-finite points
are dropped."""
import numpy as np
import pyqtgraph as pg
from PyQt6 import QtGui

from landscape_explorer.app.views.point_cloud import PointCloudItem


def render(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    return np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())[
        :, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def test_points_are_drawn_where_they_are(qtbot):
    w = pg.PlotWidget(background=(32, 34, 40))
    qtbot.addWidget(w)
    w.resize(400, 300)
    item = PointCloudItem(size=6, color="#FF0000")
    w.addItem(item)
    w.setXRange(0, 10, padding=0)
    w.setYRange(0, 10, padding=0)
    item.setData([2.0, 8.0, np.nan, np.inf], [2.0, 7.0, 5.0, 5.0])
    assert item.data.shape == (2, 2)  # the non-finite points are not kept
    w.show()
    qtbot.waitExposed(w)
    pixels = render(w)
    vb = w.getViewBox()
    for x, y in [(2.0, 2.0), (8.0, 7.0)]:
        scene = vb.mapViewToScene(pg.Point(x, y))
        pos = w.mapFromScene(scene)
        r, g, b = (int(v) for v in pixels[pos.y(), pos.x()])
        assert r > 200 and g < 60 and b < 60, (x, y, (r, g, b))
    # Away from both points: the background.
    scene = vb.mapViewToScene(pg.Point(5.0, 5.0))
    pos = w.mapFromScene(scene)
    background = np.array([32, 34, 40])
    assert np.abs(pixels[pos.y(), pos.x()].astype(int) - background).max() <= 4
    # A dark rim around the dot (darker than the red dot and than the background).
    scene = vb.mapViewToScene(pg.Point(2.0, 2.0))
    c = w.mapFromScene(scene)
    ring = [pixels[c.y(), c.x() + d] for d in range(3, 6)]
    assert min(int(p.astype(int).sum()) for p in ring) < background.sum() - 30


def test_empty_and_recolored(qtbot):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    item = PointCloudItem()
    w.addItem(item)
    item.setData([], [])
    assert item.boundingRect().isEmpty()
    assert item.dataBounds(0) == (None, None)
    item.setData([1.0, 3.0], [2.0, 4.0])
    assert item.dataBounds(0) == (1.0, 3.0) and item.dataBounds(1) == (2.0, 4.0)
    item.set_color("#00FF00")
    w.show()
    qtbot.waitExposed(w)
    render(w)  # paints with the new color without error
