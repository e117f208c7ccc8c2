"""The live legend: each run's color, name, step, loss, gradient norm and verdict.

The verdict (reached the global minimum, stuck in a local one, ...) is the run's status, shown
all the time (app.live_verdicts), with the icon and color it has everywhere (app.verdict_style).
When the table is narrow, run names are elided first, then the gradient column goes; Step, Loss
and Verdict stay.
"""
from __future__ import annotations

import time

from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.critical import format_number, scales_of

from ..live_verdicts import live_verdicts_for
from ..verdict_style import verdict_label, verdict_style

COLUMNS = ("", "Run", "Step", "Loss", "|∇f|", "Verdict")
SWATCH, NAME, STEP, LOSS, GRAD, VERDICT = range(len(COLUMNS))
REFRESH_S = 0.1  # text that changes faster than this can't be read anyway
NAME_MIN_PX = 64  # an elided name keeps a few characters before the gradient column goes
PAD_PX = 14  # cell padding around the text


class RunTable(QtWidgets.QTableWidget):
    runActivated = QtCore.pyqtSignal(int)  # a row was clicked: select that run for editing

    def __init__(self, model, engine, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.model = model
        self.engine = engine
        self.verdicts = live_verdicts_for(engine)
        self._ids: list[int] = []
        self._last = 0.0
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeaderItem(GRAD).setToolTip("Gradient norm at the run's current point")
        self.horizontalHeaderItem(VERDICT).setToolTip(
            "Where the run is and what it means; hover a verdict for the numbers")
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.setWordWrap(False)
        # Columns are sized by _fit_columns to the viewport: never a horizontal scroll bar that
        # hides the verdict.
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        hh = self.horizontalHeader()
        hh.setMinimumSectionSize(8)
        hh.setStretchLastSection(False)
        for c in range(len(COLUMNS)):
            hh.setSectionResizeMode(c, QtWidgets.QHeaderView.ResizeMode.Fixed)
        self.cellClicked.connect(lambda row, _c: self.runActivated.emit(self._ids[row])
                                 if row < len(self._ids) else None)
        model.runsChanged.connect(self.rebuild)
        model.runChanged.connect(lambda _id: self.rebuild())
        engine.stepped.connect(self._maybe_refresh)
        engine.restarted.connect(self.refresh)
        engine.finished.connect(self.refresh)
        self.verdicts.changed.connect(self.refresh)
        self.rebuild()

    def rebuild(self):
        runs = [r for r in self.model.runs if r.enabled]
        self._ids = [r.id for r in runs]
        self.setRowCount(len(runs))
        for row, r in enumerate(runs):
            swatch = QtWidgets.QTableWidgetItem("●")
            swatch.setForeground(QtGui.QBrush(QtGui.QColor(r.color)))
            swatch.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            f = swatch.font()
            f.setPointSize(f.pointSize() + 4)
            swatch.setFont(f)
            self.setItem(row, SWATCH, swatch)
            name = QtWidgets.QTableWidgetItem(r.name)
            name.setToolTip(r.name)
            self.setItem(row, NAME, name)
            for c in (STEP, LOSS, GRAD):
                item = QtWidgets.QTableWidgetItem("")
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight |
                                      QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, c, item)
            self.setItem(row, VERDICT, QtWidgets.QTableWidgetItem(""))
        self.refresh()

    def _maybe_refresh(self):
        if time.perf_counter() - self._last >= REFRESH_S:
            self.refresh()

    def refresh(self):
        self._last = time.perf_counter()
        value_scale = scales_of(self.model.surface).value_range
        for row, rid in enumerate(self._ids):
            try:
                s = self.engine.state(rid)
            except KeyError:
                continue
            v = self.verdicts.verdict(rid)
            if s.status == "error":
                style, label, tip = verdict_style("error"), "error", "This run failed to step"
            elif v is None:
                style = verdict_style("pending")
                label, tip = style.label, "Finding the surface's critical points…"
            else:
                style, label, tip = verdict_style(v.kind), verdict_label(v), v.detail
            texts = {STEP: f"{s.step:,}", LOSS: format_number(s.loss, value_scale),
                     GRAD: format_number(s.grad_norm), VERDICT: f"{style.icon} {label}"}
            for c, text in texts.items():
                item = self.item(row, c)
                if item is not None and item.text() != text:
                    item.setText(text)
            item = self.item(row, VERDICT)
            if item is not None:
                if item.toolTip() != tip:
                    item.setToolTip(tip)
                if item.foreground().color().name() != style.color:
                    item.setForeground(QtGui.QBrush(QtGui.QColor(style.color)))
        self._fit_columns()

    # ------------------------------------------------------------------ layout
    def _text_width(self, col: int) -> int:
        fm = self.fontMetrics()
        hfm = self.horizontalHeader().fontMetrics()
        w = hfm.horizontalAdvance(COLUMNS[col])
        for row in range(self.rowCount()):
            item = self.item(row, col)
            if item is not None:
                w = max(w, fm.horizontalAdvance(item.text()))
        return w + PAD_PX

    def _fit_columns(self):
        avail = self.viewport().width()
        if avail <= 0:
            return
        swatch = 24
        fixed = {c: self._text_width(c) for c in (STEP, LOSS, GRAD, VERDICT)}
        name_full = self._text_width(NAME)
        # The gradient column goes before the name shrinks below a few characters.
        show_grad = swatch + sum(fixed.values()) + NAME_MIN_PX <= avail
        if not show_grad:
            del fixed[GRAD]
        self.setColumnHidden(GRAD, not show_grad)
        rest = avail - swatch - sum(fixed.values())
        name_w = max(min(name_full, rest), min(NAME_MIN_PX, max(rest, 24)))
        if rest > name_full:  # room to spare: the name column takes it
            name_w = rest
        widths = {SWATCH: swatch, NAME: name_w, **fixed}
        over = swatch + name_w + sum(fixed.values()) - avail
        if over > 0:  # narrower still: the verdict text elides last (its icon stays)
            widths[VERDICT] = max(fixed[VERDICT] - over, 40)
        for c, w in widths.items():
            if self.columnWidth(c) != w:
                self.setColumnWidth(c, w)

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_columns()

    # ------------------------------------------------------------------ tests
    def row_texts(self, run_id: int) -> dict:
        """The row's texts by column name (tests)."""
        row = self._ids.index(run_id)
        return {name: self.item(row, c).text() for c, name in enumerate(COLUMNS) if c}

    def column_visible_width(self, name: str) -> int:
        """Pixels of column ``name`` inside the viewport (0 when hidden or scrolled off)."""
        c = COLUMNS.index(name)
        if self.isColumnHidden(c):
            return 0
        x = self.columnViewportPosition(c)
        return max(0, min(x + self.columnWidth(c), self.viewport().width()) - max(x, 0))
