"""The "Custom…" surface: a formula of x and y typed in a field, checked as it is typed.

The text is parsed (core.expressions, through ``le.surface``) about 200 ms after the last key, in
a worker thread: sympy's first import takes about a second and differentiating a long formula a
few hundred milliseconds, and the window never waits for either. A valid formula becomes the
model's surface at once; an invalid one shows its one-line reason in red under the field, and the
last valid surface stays on screen. The parsed formula is shown pretty-printed beside the field
(with the parameters' current values in it). Every other name in the formula (``a``, ``k``…) is
a parameter with a slider; moving it rebuilds the surface the same way. The plotted bounds are
the Surface box's bounds fields, as for any surface.

The last ten formulas used (with their parameter values) are kept in QSettings and offered in a
"Recent" menu.
"""
from __future__ import annotations

import ast
import itertools
import json
import math
import re
from concurrent.futures import Future, ThreadPoolExecutor

from PyQt6 import QtCore, QtGui, QtWidgets

import landscape_explorer as le
from landscape_explorer.core import expressions

from .widgets import FloatSlider, SciSpinBox

DEBOUNCE_MS = 200  # after the last key, the text is parsed
RECENT_KEY = "custom_surfaces/recent"
RECENT_MAX = 10
PARAM_DEFAULT = 1.0
PARAM_SPAN = 5.0  # a parameter's slider covers at least -5 to 5 (and its value)
ERROR_COLOR = "#d62728"

# One worker: parses run one after the other, so a stale one never overtakes the newest, and the
# expression cache is only ever filled from this thread.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="formula")
_WARMED: Future | None = None


def warm_up_formulas() -> Future:
    """Import sympy and build a first formula in the worker thread (once per process), so the
    first formula the user types parses at typing speed."""
    global _WARMED
    if _WARMED is None:
        _WARMED = _WORKER.submit(le.surface, "x**2 + y**2")
    return _WARMED


def formula_parameters(text: str) -> list[str]:
    """The names in ``text`` that would be parameters (not x, y, pi, e or a function), in the
    order they first appear; [] when the text is not even Python-shaped (the parse says why)."""
    text = text.replace("^", "**").strip()
    if not text or len(text) > expressions.MAX_LENGTH:
        return []
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    funcs = set(expressions.FUNCTIONS)
    out: list[str] = []
    # In reading order (ast.walk goes breadth first: "b*x + a" would list a before b).
    nodes = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name)),
                   key=lambda n: (n.lineno, n.col_offset))
    for n in nodes:
        if isinstance(n, ast.Name) and id(n) not in called and n.id not in out \
                and n.id not in expressions.RESERVED and n.id not in funcs \
                and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", n.id):
            out.append(n.id)
    return out[:expressions.MAX_PARAMS]


def build_surface(text: str, params: dict):
    """(Surface, None) for a valid formula, (None, (message, column)) for an invalid one.
    Runs in the worker thread."""
    try:
        return le.surface(text, params=params or None), None
    except expressions.ExpressionError as e:
        return None, (str(e), e.column)
    except (ValueError, OverflowError, ZeroDivisionError, RecursionError, MemoryError) as e:
        return None, (f"cannot use this formula: {e}".splitlines()[0], None)


def one_line_error(message: str, column) -> str:
    message = message.splitlines()[0] if message else "invalid formula"
    if column is not None and "column" not in message:
        message += f" (at column {column + 1})"
    return message


class ParamRow(QtWidgets.QWidget):
    """One parameter: its name, a slider and a number field, kept in step."""

    valueChanged = QtCore.pyqtSignal(str, float)

    def __init__(self, name: str, value: float, parent=None):
        super().__init__(parent)
        self.name = name
        self.label = QtWidgets.QLabel(name)
        self.label.setMinimumWidth(18)
        self.slider = FloatSlider(-PARAM_SPAN, PARAM_SPAN)
        self.slider.setToolTip(f"Value of {name} in the formula")
        self.spin = SciSpinBox(-1e6, 1e6)
        self.spin.setToolTip(f"Value of {name} in the formula")
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.set_value(value)
        self.slider.floatChanged.connect(self._slid)
        self.spin.valueChanged.connect(self._typed)

    def set_value(self, v: float):
        lo, hi = min(-PARAM_SPAN, v), max(PARAM_SPAN, v)
        if (lo, hi) != (self.slider.lo, self.slider.hi):
            self.slider.lo, self.slider.hi = lo, hi
        self.slider.set_float(v)
        with QtCore.QSignalBlocker(self.spin):
            self.spin.setValue(v)

    def value(self) -> float:
        return self.spin.value()

    def _slid(self, v):
        v = float(f"{v:.4g}")  # 0.37, not 0.37000000000000011
        with QtCore.QSignalBlocker(self.spin):
            self.spin.setValue(v)
        self.valueChanged.emit(self.name, v)

    def _typed(self, v):
        self.set_value(v)
        self.valueChanged.emit(self.name, float(v))


class CustomSurfaceEditor(QtWidgets.QWidget):
    """The formula field, its pretty-printed parse, its error line and its parameter sliders."""

    applied = QtCore.pyqtSignal(str)  # the formula text, after it became the model's surface
    _parsed = QtCore.pyqtSignal()  # from the worker thread: a parse is done

    def __init__(self, model, settings: QtCore.QSettings | None = None, parent=None):
        super().__init__(parent)
        self.model = model
        self.settings = settings
        self.params: dict[str, float] = {}
        self.rows: dict[str, ParamRow] = {}
        self._serial = itertools.count(1)
        self._latest = 0
        self._pending: tuple[int, Future, str, dict] | None = None

        self.field = QtWidgets.QLineEdit()
        self.field.setObjectName("custom_formula")
        self.field.setPlaceholderText("e.g. sin(3*x) + a*y^2")
        self.field.setToolTip("A function of x and y. Allowed: " + expressions.GRAMMAR)
        self.field.setMaxLength(expressions.MAX_LENGTH)
        self.recent_button = QtWidgets.QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setToolTip("The last ten formulas you used")
        self.recent_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QtWidgets.QMenu(self.recent_button)
        self.recent_button.setMenu(self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.pretty_label = QtWidgets.QLabel()
        self.pretty_label.setWordWrap(True)
        self.pretty_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QtWidgets.QLabel()
        self.error_label.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error_label.setWordWrap(False)
        self.error_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                       QtWidgets.QSizePolicy.Policy.Preferred)
        self.params_box = QtWidgets.QVBoxLayout()
        self.params_box.setContentsMargins(0, 0, 0, 0)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("f(x, y) ="))
        top.addWidget(self.field, 1)
        top.addWidget(self.recent_button)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.error_label)
        lay.addWidget(self.pretty_label)
        lay.addLayout(self.params_box)
        self.error_label.hide()

        self.debounce = QtCore.QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.parse_now)
        # The worker says when a parse is done (a queued signal: handled on this thread at
        # once, where a polling timer had added up to its interval to every redraw).
        self._parsed.connect(self._poll, QtCore.Qt.ConnectionType.QueuedConnection)
        self.field.textEdited.connect(lambda _t: self.debounce.start())
        self.field.editingFinished.connect(self._remember_current)
        model.surfaceChanged.connect(lambda _name: self.sync_from_model())
        model.scenarioLoaded.connect(self._remember_current)
        self.sync_from_model()

    def showEvent(self, ev):
        # sympy is imported (in the formula thread) when the field first shows, not when the
        # window opens: at start-up that import competed with drawing the first frame.
        warm_up_formulas()
        super().showEvent(ev)

    # ------------------------------------------------------------------ model -> field
    def sync_from_model(self):
        """Show the model's surface when it is a typed one (opened from a file, chosen from the
        recent list): its text, its parameters, no error."""
        s = self.model.surface
        if not s.expression:
            return
        if self.field.text().strip() != s.expression:
            self.field.setText(s.expression)
        self.params = dict(self.model.surface_params)
        self._set_rows(list(self.params))
        self._show_ok(s)

    # ------------------------------------------------------------------ field -> model
    def parse_now(self):
        """Parse the field's text now (the debounce calls this) in the worker thread."""
        self.debounce.stop()
        text = self.field.text().strip()
        if not text:
            self._show_error("type a function of x and y, e.g. x^2 + 3*y^2")
            return
        names = formula_parameters(text)
        params = {n: self.params.get(n, PARAM_DEFAULT) for n in names}
        self._submit(text, params)

    def _submit(self, text: str, params: dict):
        serial = next(self._serial)
        self._latest = serial
        fut = _WORKER.submit(build_surface, text, params)
        self._pending = (serial, fut, text, params)
        fut.add_done_callback(self._announce_parsed)

    def _announce_parsed(self, _fut):
        try:
            self._parsed.emit()
        except RuntimeError:  # the editor is gone (window closed): nobody to tell
            pass

    def busy(self) -> bool:
        """Whether a typed formula is waiting to be parsed or applied (tests)."""
        return self.debounce.isActive() or self._pending is not None

    def _poll(self):
        if self._pending is None or not self._pending[1].done():
            return
        serial, fut, text, params = self._pending
        self._pending = None
        if serial != self._latest:
            return
        surf, error = fut.result()
        if error is not None:
            self._show_error(one_line_error(*error))
            return
        self.params = dict(params)
        self._set_rows(list(params))
        try:
            # The worker built it: this is a cache hit, no sympy on the UI thread.
            self.model.set_surface(text, params=params)
        except ValueError as e:
            self._show_error(one_line_error(str(e), None))
            return
        self._show_ok(surf)
        self.applied.emit(text)

    def _param_changed(self, name: str, value: float):
        self.params[name] = value
        text = self.model.surface.expression or self.field.text().strip()
        self._submit(text, {n: self.params[n] for n in self.rows})

    # ------------------------------------------------------------------ showing
    def _show_error(self, message: str):
        fm = QtGui.QFontMetrics(self.error_label.font())
        width = max(120, self.error_label.width() or self.width())
        self.error_label.setText(fm.elidedText(message, QtCore.Qt.TextElideMode.ElideRight, width))
        self.error_label.setToolTip(message)
        self.error_label.show()
        self.field.setStyleSheet(f"QLineEdit {{ border: 1px solid {ERROR_COLOR}; }}")

    def error_text(self) -> str:
        """The whole error message (the label may be elided to one line), or ""."""
        return self.error_label.toolTip() if self.error_label.isVisibleTo(self) else ""

    def _show_ok(self, surf):
        self.error_label.hide()
        self.error_label.setToolTip("")
        self.field.setStyleSheet("")
        self.pretty_label.setText(f"<i>= {_escape(surf.formula)}</i>")

    def _set_rows(self, names: list[str]):
        if list(self.rows) == names:
            for n, row in self.rows.items():
                row.set_value(self.params[n])
            return
        for row in self.rows.values():
            self.params_box.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for n in names:
            row = ParamRow(n, self.params[n])
            row.valueChanged.connect(self._param_changed)
            row.spin.refused.connect(lambda msg, n=n: self._show_error(f"{n}: {msg}"))
            self.params_box.addWidget(row)
            self.rows[n] = row

    # ------------------------------------------------------------------ recent formulas
    def recent(self) -> list[dict]:
        """[{"text": formula, "params": {...}}], most recent first, at most ten."""
        if self.settings is None:
            return []
        raw = self.settings.value(RECENT_KEY)
        try:
            items = json.loads(raw) if raw else []
        except (TypeError, ValueError):
            return []
        out = []
        for it in items if isinstance(items, list) else []:
            if isinstance(it, dict) and isinstance(it.get("text"), str) \
                    and isinstance(it.get("params", {}), dict):
                params = {str(k): float(v) for k, v in it.get("params", {}).items()
                          if isinstance(v, (int, float)) and math.isfinite(v)}
                out.append({"text": it["text"], "params": params})
        return out[:RECENT_MAX]

    def remember(self, text: str, params: dict):
        if self.settings is None:
            return
        items = [it for it in self.recent() if it["text"] != text]
        items.insert(0, {"text": text, "params": dict(params)})
        self.settings.setValue(RECENT_KEY, json.dumps(items[:RECENT_MAX]))

    def _remember_current(self):
        s = self.model.surface
        if s.expression:
            self.remember(s.expression, self.model.surface_params)

    def _fill_recent_menu(self):
        self.recent_menu.clear()
        items = self.recent()
        if not items:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for it in items:
            label = it["text"] + ("  [" + ", ".join(f"{k}={v:g}" for k, v in it["params"].items())
                                  + "]" if it["params"] else "")
            act = self.recent_menu.addAction(label)
            act.triggered.connect(lambda _c=False, it=it: self.use_recent(it))

    def use_recent(self, item: dict):
        self.field.setText(item["text"])
        self.params = dict(item["params"])
        self.parse_now()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
