"""The live legend: each run's color, name, step, loss, gradient norm and status."""
from __future__ import annotations

import time

from PyQt6 import QtCore, QtGui, QtWidgets

COLUMNS = ("", "Run", "Step", "Loss", "|∇f|", "Status")
REFRESH_S = 0.1  # text that changes faster than this can't be read anyway

_STATUS_TEXT = {"moving": "moving", "converged": "converged ✓", "diverged": "diverged ✗",
                "error": "error"}


class RunTable(QtWidgets.QTableWidget):
    runActivated = QtCore.pyqtSignal(int)  # a row was clicked: select that run for editing

    def __init__(self, model, engine, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.model = model
        self.engine = engine
        self._ids: list[int] = []
        self._last = 0.0
        self._trailing = QtCore.QTimer(self)
        self._trailing.setSingleShot(True)
        self._trailing.timeout.connect(self.refresh)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(0, 22)
        hh.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for c in range(2, len(COLUMNS)):
            hh.setSectionResizeMode(c, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.cellClicked.connect(lambda row, _c: self.runActivated.emit(self._ids[row])
                                 if row < len(self._ids) else None)
        model.runsChanged.connect(self.rebuild)
        model.runChanged.connect(lambda _id: self.rebuild())
        engine.stepped.connect(self._maybe_refresh)
        engine.restarted.connect(self.refresh)
        engine.finished.connect(self.refresh)
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
            self.setItem(row, 0, swatch)
            self.setItem(row, 1, QtWidgets.QTableWidgetItem(r.name))
            for c in range(2, len(COLUMNS)):
                item = QtWidgets.QTableWidgetItem("")
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight |
                                      QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, c, item)
        self.refresh()

    def _maybe_refresh(self):
        now = time.perf_counter()
        if now - self._last >= REFRESH_S:
            self.refresh()
        elif not self._trailing.isActive():
            # A step skipped now is shown when the interval is over: the last step of a burst
            # (the end of a run, an opened scenario) must not be left unshown.
            self._trailing.start(max(1, int((REFRESH_S - (now - self._last)) * 1000) + 1))

    def refresh(self):
        self._last = time.perf_counter()
        for row, rid in enumerate(self._ids):
            try:
                s = self.engine.state(rid)
            except KeyError:
                continue
            values = (f"{s.step:,}", f"{s.loss:.6g}", f"{s.grad_norm:.3g}",
                      _STATUS_TEXT.get(s.status, s.status))
            for c, text in enumerate(values, start=2):
                item = self.item(row, c)
                if item is not None and item.text() != text:
                    item.setText(text)

    def row_texts(self, run_id: int) -> dict:
        """The row's texts by column name (tests)."""
        row = self._ids.index(run_id)
        return {name: self.item(row, c).text() for c, name in enumerate(COLUMNS) if c}
