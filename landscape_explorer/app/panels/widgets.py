"""Small input widgets the control panel is built from."""
from __future__ import annotations

import math

from PyQt6 import QtCore, QtGui, QtWidgets


class SciSpinBox(QtWidgets.QDoubleSpinBox):
    """A spin box that shows numbers as %g, so 1e-08 and 0.001 and 250 all read naturally.
    Arrow keys multiply or divide by ``factor`` when ``log_steps`` (for learning rates)."""

    def __init__(self, minimum=0.0, maximum=1e6, log_steps=False, factor=2.0, parent=None):
        super().__init__(parent)
        self.setDecimals(15)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self.log_steps = log_steps
        self.factor = factor
        self.setSingleStep(0.1 if not log_steps else 1.0)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)

    def textFromValue(self, v: float) -> str:
        return f"{v:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        t = text.strip().replace(",", ".")
        if t in ("", "-", ".", "e", "-.", "+"):
            return QtGui.QValidator.State.Intermediate, text, pos
        try:
            v = float(t)
        except ValueError:
            if t[-1:] in "eE-+" and t[:-1]:
                return QtGui.QValidator.State.Intermediate, text, pos
            return QtGui.QValidator.State.Invalid, text, pos
        if self.minimum() <= v <= self.maximum():
            return QtGui.QValidator.State.Acceptable, text, pos
        return QtGui.QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int):
        if not self.log_steps:
            return super().stepBy(steps)
        v = self.value() or self.minimum() or 1e-6
        self.setValue(min(max(v * self.factor ** steps, self.minimum()), self.maximum()))


class LogSlider(QtWidgets.QSlider):
    """A horizontal slider over [lo, hi] on a log scale; ``floatChanged`` carries the value."""

    floatChanged = QtCore.pyqtSignal(float)
    TICKS = 1000

    def __init__(self, lo: float, hi: float, parent=None):
        super().__init__(QtCore.Qt.Orientation.Horizontal, parent)
        self.lo, self.hi = float(lo), float(hi)
        self.setRange(0, self.TICKS)
        self.setPageStep(self.TICKS // 20)
        self.valueChanged.connect(lambda i: self.floatChanged.emit(self.to_float(i)))

    def to_float(self, i: int) -> float:
        a, b = math.log10(self.lo), math.log10(self.hi)
        return 10 ** (a + (b - a) * i / self.TICKS)

    def to_int(self, v: float) -> int:
        a, b = math.log10(self.lo), math.log10(self.hi)
        v = min(max(v, self.lo), self.hi)
        return int(round((math.log10(v) - a) / (b - a) * self.TICKS))

    def float_value(self) -> float:
        return self.to_float(self.value())

    def set_float(self, v: float, emit: bool = False):
        with QtCore.QSignalBlocker(self) if not emit else _nullcontext():
            self.setValue(self.to_int(v))


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def color_icon(color: str, size: int = 14) -> QtGui.QIcon:
    pm = QtGui.QPixmap(size, size)
    pm.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pm)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    p.setBrush(QtGui.QColor(color))
    p.setPen(QtGui.QPen(QtGui.QColor("#111111"), 1))
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QtGui.QIcon(pm)
