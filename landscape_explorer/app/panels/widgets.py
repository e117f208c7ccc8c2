"""Small input widgets the control panel is built from."""
from __future__ import annotations

import math

from PyQt6 import QtCore, QtGui, QtWidgets


class _SaysOutOfRange:
    """Mixin for spin boxes: a number typed beyond the range is not silently capped or dropped;
    on Enter or leaving the field, ``refused`` carries a one-line reason and the box shows its
    value again. Enter commits a number in range (keyboard tracking is off)."""

    def _typed_number(self, text: str):
        raise NotImplementedError

    def _typed_out_of_range(self):
        """Why the typed text cannot be the value (one line), or None where it can."""
        text = self.cleanText().strip()
        if text == "":
            return "empty: type a number"
        v = self._typed_number(text)
        if v is None:
            shown = text if len(text) <= 20 else f"{text[:12]}… ({len(text)} characters)"
            return f"{shown!r} is not a number"
        if isinstance(v, float) and not math.isfinite(v):
            # 1e400 reads as inf, "nan" as nan: neither may reach a run or a surface.
            return f"{text[:20]!r} is not a finite number"
        if self.minimum() <= v <= self.maximum():
            return None
        return (f"{self._fmt(v)} is out of range: {self._fmt(self.minimum())} to "
                f"{self._fmt(self.maximum())}")

    @staticmethod
    def _fmt(v) -> str:
        if isinstance(v, int):
            if abs(v).bit_length() > 64:  # a 400-digit integer: no float, no long message
                return f"a number of {len(str(abs(v)))} digits" if abs(v).bit_length() < 14000 \
                    else "a number of thousands of digits"
            return f"{v:,}"
        return f"{v:g}"

    def _refuse_if_out_of_range(self) -> bool:
        msg = self._typed_out_of_range()
        if msg is None:
            return False
        self.refused.emit(msg)
        with QtCore.QSignalBlocker(self):
            self.setValue(self.value())  # show the value it still has
        self.lineEdit().setText(self.textFromValue(self.value()))
        return True

    def keyPressEvent(self, ev):
        if ev.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            if self._refuse_if_out_of_range():
                ev.accept()
                return
        super().keyPressEvent(ev)

    def focusOutEvent(self, ev):
        self._refuse_if_out_of_range()
        super().focusOutEvent(ev)


class IntSpinBox(_SaysOutOfRange, QtWidgets.QSpinBox):
    """A whole-number spin box that says so when a typed number is out of range."""

    refused = QtCore.pyqtSignal(str)

    def __init__(self, minimum=0, maximum=2**31 - 1, parent=None):
        super().__init__(parent)
        self.setRange(int(minimum), int(maximum))
        self.setKeyboardTracking(False)

    def _typed_number(self, text):
        try:
            return int(text.replace(",", "").replace(self.locale().groupSeparator(), "").strip())
        except ValueError:  # not an integer (also Python's limit on very long digit strings)
            return None

    def validate(self, text, pos):
        if any(c.isspace() for c in text.replace(self.locale().groupSeparator(), "")):
            return QtGui.QValidator.State.Invalid, text, pos  # a space never blanks a number
        t = text.replace(",", "").replace(self.locale().groupSeparator(), "").strip()
        if t in ("", "-", "+"):
            return QtGui.QValidator.State.Intermediate, text, pos
        try:
            v = int(t)
        except ValueError:
            return QtGui.QValidator.State.Invalid, text, pos
        if self.minimum() <= v <= self.maximum():
            return QtGui.QValidator.State.Acceptable, text, pos
        return QtGui.QValidator.State.Intermediate, text, pos  # typed on; said so on Enter


class SciSpinBox(_SaysOutOfRange, QtWidgets.QDoubleSpinBox):
    """A spin box that shows numbers as %g, so 1e-08 and 0.001 and 250 all read naturally.
    Arrow keys multiply or divide by ``factor`` when ``log_steps`` (for learning rates)."""

    refused = QtCore.pyqtSignal(str)

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

    def _typed_number(self, text):
        try:
            return float(text.replace(",", ".").strip())  # inf or nan: refused by the caller
        except ValueError:
            return None

    def valueFromText(self, text: str) -> float:
        try:
            v = float(text.replace(",", "."))
        except ValueError:
            return self.value()
        # A non-finite number never becomes the value; -0 is 0 (it would read "-0" back).
        return v + 0.0 if math.isfinite(v) else self.value()

    def validate(self, text, pos):
        if any(c.isspace() for c in text):
            return QtGui.QValidator.State.Invalid, text, pos  # a space never blanks a number
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


REFUSAL_COLOR = "#ff6b5a"  # the control panel's error red, legible on light and dark


def refusal_label(fields: dict) -> QtWidgets.QLabel:
    """A red one-line label that says why a number typed into one of ``fields`` ({name: an
    IntSpinBox or SciSpinBox}) was refused ("Steps: 1e400 is ..."), and is empty otherwise:
    it clears when any of them takes a value."""
    label = QtWidgets.QLabel("")
    label.setStyleSheet(f"color: {REFUSAL_COLOR};")
    for name, box in fields.items():
        box.refused.connect(lambda msg, name=name: label.setText(f"{name}: {msg}"))
        box.valueChanged.connect(lambda _v: label.setText(""))
    return label


def start_cancel_row(start_text: str, on_start, on_cancel, cancel_text: str = "Cancel",
                     start_stretch: int = 0):
    """A button that starts a job beside one that stops it, disabled until a job runs (the
    caller enables it while one does): (the row's layout, start button, cancel button)."""
    row = QtWidgets.QHBoxLayout()
    start = QtWidgets.QPushButton(start_text)
    start.clicked.connect(on_start)
    cancel = QtWidgets.QPushButton(cancel_text)
    cancel.setEnabled(False)
    cancel.clicked.connect(on_cancel)
    row.addWidget(start, start_stretch)
    row.addWidget(cancel)
    return row, start, cancel


class FloatSlider(QtWidgets.QSlider):
    """A horizontal slider over [lo, hi], on a log or a linear scale; ``floatChanged`` carries
    the value."""

    floatChanged = QtCore.pyqtSignal(float)
    TICKS = 1000

    def __init__(self, lo: float, hi: float, log: bool = False, parent=None):
        super().__init__(QtCore.Qt.Orientation.Horizontal, parent)
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi) or (log and lo <= 0):
            raise ValueError(f"invalid slider span: {lo:g} to {hi:g}"
                             + (" (a log scale needs lo > 0)" if log else ""))
        self.lo, self.hi, self.log = lo, hi, bool(log)
        self.setRange(0, self.TICKS)
        self.setPageStep(self.TICKS // 20)
        self.valueChanged.connect(lambda i: self.floatChanged.emit(self.to_float(i)))

    def _ends(self):
        return (math.log10(self.lo), math.log10(self.hi)) if self.log else (self.lo, self.hi)

    def to_float(self, i: int) -> float:
        a, b = self._ends()
        t = a + (b - a) * i / self.TICKS
        return 10 ** t if self.log else t

    def to_int(self, v: float) -> int:
        a, b = self._ends()
        v = min(max(v, self.lo), self.hi)
        t = math.log10(v) if self.log else v
        return int(round((t - a) / (b - a) * self.TICKS))

    def float_value(self) -> float:
        return self.to_float(self.value())

    def set_float(self, v: float, emit: bool = False):
        with QtCore.QSignalBlocker(self) if not emit else _nullcontext():
            self.setValue(self.to_int(v))


class LogSlider(FloatSlider):
    """A FloatSlider on a log scale (speeds, learning rates)."""

    def __init__(self, lo: float, hi: float, parent=None):
        super().__init__(lo, hi, log=True, parent=parent)


class WheelGuard(QtCore.QObject):
    """No silent edits: a wheel over a combo box, spin box or slider changes it only when it has
    keyboard focus (the user clicked it first); otherwise the wheel scrolls ``scroll_area``.
    Install with ``guard(widget)`` on each editable widget, including ones built later."""

    KINDS = (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider)

    def __init__(self, scroll_area: QtWidgets.QAbstractScrollArea):
        super().__init__(scroll_area)
        self.scroll_area = scroll_area

    def guard_children(self, root: QtWidgets.QWidget):
        for w in root.findChildren(QtWidgets.QWidget):
            if isinstance(w, self.KINDS) and not isinstance(w, QtWidgets.QScrollBar) \
                    and not w.property("wheel_guarded"):
                w.setProperty("wheel_guarded", True)
                # A wheel must never give focus either (Qt's WheelFocus would).
                w.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
                w.installEventFilter(self)

    def eventFilter(self, obj, ev):
        if ev.type() == QtCore.QEvent.Type.Wheel and isinstance(obj, QtWidgets.QWidget) \
                and not obj.hasFocus():
            bar = self.scroll_area.verticalScrollBar()
            QtCore.QCoreApplication.sendEvent(bar, _wheel_copy(ev, bar))
            return True  # the widget under the cursor does not change
        return False


def _wheel_copy(ev: QtGui.QWheelEvent, target: QtWidgets.QWidget) -> QtGui.QWheelEvent:
    pos = QtCore.QPointF(target.width() / 2, target.height() / 2)
    return QtGui.QWheelEvent(pos, target.mapToGlobal(pos), ev.pixelDelta(), ev.angleDelta(),
                             ev.buttons(), ev.modifiers(), ev.phase(), ev.inverted())


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
