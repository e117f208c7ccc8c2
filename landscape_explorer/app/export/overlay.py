"""What a picture carries besides the views: its legend (title, runs, what the markers mean),
the step counter, and run labels on split tiles. Painted with QPainter on finished images."""
from __future__ import annotations

from landscape_explorer.core.scenario import Scenario

MINIMUM_KEY, START_KEY = "global minimum", "start"  # legend rows that are markers, not runs


def font_for(height: int, scale: float = 1.0):
    from PyQt6 import QtGui

    f = QtGui.QFont()
    f.setPixelSize(max(10, int(round(height * 0.028 * scale))))
    return f


def draw_run_label(p, x, y, text, color, height, bottom=False):
    """A run's color and name in a dark box at (x, y), or at the bottom-left of a tile of the
    given height with ``bottom`` (clear of the legend, which sits top-left)."""
    from PyQt6 import QtCore, QtGui

    p.setFont(font_for(height))
    fm = p.fontMetrics()
    pad = fm.height() // 3
    if bottom:
        y = y + height - fm.height() - 3 * pad
    w = fm.horizontalAdvance(text) + 2 * pad + fm.height()
    p.fillRect(QtCore.QRect(x + pad, y + pad, w, fm.height() + pad), QtGui.QColor(0, 0, 0, 150))
    sw = fm.height() // 2
    p.fillRect(QtCore.QRect(x + 2 * pad, y + pad + (fm.height() + pad - sw) // 2, sw, sw),
               QtGui.QColor(color))
    p.setPen(QtGui.QColor("white"))
    p.drawText(x + 2 * pad + sw + pad, y + pad + pad // 2 + fm.ascent(), text)


def overlay_rows(scenario: Scenario) -> list:
    """(swatch, text) rows of a picture's legend: the title, the runs, the markers."""
    surface = scenario.build_surface()
    rows = [(None, scenario.title or surface.title)]
    rows += [(r.color, r.display_name) for r in scenario.runs if r.enabled]
    if scenario.view.show_markers:  # what the green ring and the white ring are
        n = sum(k.kind == "global_min" for k in surface.known_points)
        if n:
            rows.append((MINIMUM_KEY, "global minimum" if n == 1 else "global minima"))
        rows.append((START_KEY, "start"))
    return rows


def overlay_height(scenario: Scenario, height: int) -> int:
    """Pixels from the top of a picture of this height to the bottom of its legend box."""
    from PyQt6 import QtGui

    line = QtGui.QFontMetrics(font_for(height)).height()
    pad = max(4, line // 2)
    return int(pad + len(overlay_rows(scenario)) * line + pad)


def draw_overlay(img, scenario: Scenario, step: int) -> None:
    """Title, the runs' colors and names, the markers' meaning and the step counter, painted
    on ``img``."""
    from PyQt6 import QtCore, QtGui

    from ..views.view3d import MINIMUM_COLOR

    h = img.height()
    p = QtGui.QPainter(img)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    font = font_for(h)
    p.setFont(font)
    fm = p.fontMetrics()
    line = fm.height()
    pad = max(4, line // 2)
    rows = overlay_rows(scenario)
    width = max(fm.horizontalAdvance(t) + (line if c else 0) for c, t in rows) + 2 * pad
    box = QtCore.QRectF(pad, pad, width, len(rows) * line + pad)
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.setBrush(QtGui.QColor(0, 0, 0, 140))
    p.drawRoundedRect(box, pad / 2, pad / 2)
    y = pad + pad / 2
    outline = QtGui.QPen(QtGui.QColor(17, 17, 17), max(1.0, line * 0.08))
    for color, text in rows:
        x = 2 * pad
        if color:
            r = line * 0.32
            center = QtCore.QPointF(x + r, y + line / 2)
            if color == START_KEY:
                p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                p.setPen(QtGui.QPen(QtGui.QColor(17, 17, 17), max(2.0, line * 0.18)))
                p.drawEllipse(center, r, r * 0.7)
                p.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255), max(1.0, line * 0.09)))
                p.drawEllipse(center, r, r * 0.7)
            elif color == MINIMUM_KEY:  # a green ring, as in the picture
                p.setPen(outline)
                p.setBrush(QtGui.QColor(MINIMUM_COLOR))
                p.drawEllipse(center, r, r)
                p.setBrush(QtGui.QColor(17, 17, 17))
                p.drawEllipse(center, r * 0.55, r * 0.55)
            else:
                p.setPen(outline)
                p.setBrush(QtGui.QColor(color))
                p.drawEllipse(center, r, r)
            x += line
        p.setPen(QtGui.QColor(255, 255, 255) if color else QtGui.QColor(235, 235, 235))
        p.drawText(QtCore.QPointF(x, y + fm.ascent()), text)
        y += line
    counter = f"step {step}"
    cw = fm.horizontalAdvance(counter)
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.setBrush(QtGui.QColor(0, 0, 0, 140))
    p.drawRoundedRect(QtCore.QRectF(img.width() - cw - 3 * pad, h - line - 2 * pad,
                                    cw + 2 * pad, line + pad), pad / 2, pad / 2)
    p.setPen(QtGui.QColor(235, 235, 235))
    p.drawText(QtCore.QPointF(img.width() - cw - 2 * pad, h - 1.5 * pad - line + fm.ascent()),
               counter)
    p.end()
