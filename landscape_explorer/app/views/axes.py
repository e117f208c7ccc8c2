"""Axes for the 2D map and the loss plot: tick labels that never repeat, and text and lines that
grow with a picture's size (a 1920×1080 slide is read at 100 %, not zoomed in)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtGui

TICK_FONT_PX = 11
LABEL_FONT_PX = 12
MAX_DIGITS = 15


def distinct_labels(values, log: bool = False) -> list[str]:
    """The shortest '%g'-style labels (fewest significant digits) that tell every tick value
    apart and each stay within 5% of the ticks' spacing of its value: ticks 3.0001, 3.0002, ...
    read as such, never as '3' eleven times."""
    v = np.asarray(values, dtype=np.float64)
    if log:
        v = 10.0 ** v
    if len(v) == 0:
        return []
    distinct = np.unique(v)
    gap = float(np.diff(distinct).min()) if len(distinct) > 1 else abs(float(v[0])) or 1.0
    for digits in range(1, MAX_DIGITS + 1):
        labels = [_fmt(x, digits) for x in v]
        close = all(abs(float(lab) - x) <= 0.05 * gap for lab, x in zip(labels, v))
        if close and len(set(labels)) == len(distinct):
            return labels
    return [_fmt(x, MAX_DIGITS) for x in v]


def _fmt(x: float, digits: int) -> str:
    if x == 0:
        return "0"
    s = f"{x:.{digits}g}"
    if 1e-3 <= abs(x) < 1e5:  # plain digits: 10, not 1e+01
        s = f"{float(s):.6f}".rstrip("0").rstrip(".")
        return s if "." not in s or len(s.split(".")[1]) <= digits else f"{x:.{digits}g}"
    if "e" in s:  # 1e+05 -> 1e5, 2.5e-07 -> 2.5e-7
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s


class DistinctAxis(pg.AxisItem):
    """An AxisItem whose labels are always distinct (see distinct_labels)."""

    def tickStrings(self, values, scale, spacing):
        if self.logMode:
            return distinct_labels(np.asarray(values, dtype=np.float64) + np.log10(scale),
                                   log=True)
        strings = super().tickStrings(values, scale, spacing)
        if len(set(strings)) == len(strings):
            return strings
        return distinct_labels(np.asarray(values, dtype=np.float64) * scale)


def distinct_axes(*names) -> dict:
    return {name: DistinctAxis(name) for name in names}


def style_axes(plot_item, scale: float = 1.0) -> None:
    """Fonts, tick lengths and pens of a PlotItem's axes, ``scale`` times the screen's."""
    for name in ("left", "bottom"):
        ax = plot_item.getAxis(name)
        ax.enableAutoSIPrefix(False)  # "loss (x0.001)" would make every tick label wrong by 1000
        font = QtGui.QFont()
        font.setPixelSize(max(8, int(round(TICK_FONT_PX * scale))))
        ax.setStyle(tickFont=font, tickLength=int(round(-5 * scale)),
                    tickTextOffset=int(round(3 * scale)))
        ax.setPen(pg.mkPen((150, 150, 150), width=max(1.0, scale)))
        ax.setTextPen(pg.mkPen((190, 190, 190)))
        label = ax.labelText
        if label:
            # Qt's rich text takes points; 0.75 pt to a pixel at 96 dpi.
            pt = 0.75 * max(9, int(round(LABEL_FONT_PX * scale)))
            ax.setLabel(label, units=ax.labelUnits or None,
                        **{"font-size": f"{pt:g}pt", "color": "#C8C8C8"})
