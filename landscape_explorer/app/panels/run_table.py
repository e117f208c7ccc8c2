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
NAME_HIDE_PX = 36  # narrower than this a name says nothing: the column goes
VERDICT_MIN_PX = 40  # the verdict's icon and a word's start
PAD_PX = 10  # cell padding around the text


class RunTable(QtWidgets.QTableWidget):
    runActivated = QtCore.pyqtSignal(int)  # a row was clicked: select that run for editing

    def __init__(self, model, engine, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.model = model
        self.engine = engine
        self.verdicts = live_verdicts_for(engine)
        self._ids: list[int] = []
        self._last = 0.0
        self._trailing = QtCore.QTimer(self)
        self._trailing.setSingleShot(True)
        self._trailing.timeout.connect(self.refresh)
        self._seed_counts: dict = {}  # run id -> (draw key, when, (label, sentence))
        self._short = False  # short verdict labels: the table is too narrow for the long ones
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
            swatch.setToolTip(r.name)
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
        now = time.perf_counter()
        if now - self._last >= REFRESH_S:
            self.refresh()
        elif not self._trailing.isActive():
            # A step skipped now is shown when the interval is over: the last step of a burst
            # (the end of a run, an opened scenario) must not be left unshown.
            self._trailing.start(max(1, int((REFRESH_S - (now - self._last)) * 1000) + 1))

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
            elif v is None and self.verdicts.failure:
                style, label = verdict_style("pending"), "no verdict"
                tip = f"No verdict: the critical point search failed ({self.verdicts.failure})"
            elif v is None:
                style = verdict_style("pending")
                label, tip = style.label, "Finding the surface's critical points…"
            else:
                style, label, tip = verdict_style(v.kind), verdict_label(v, self._short), v.detail
                seeds = self._seeds_line(rid)
                if seeds is not None:  # the verdict is the run's own seed's; say how all did
                    label = f"{label} · {seeds[0]}"
                    tip = f"{tip}\n{seeds[1]}"
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

    def set_caption(self, text: str | None):
        """The Run column's header says whose runs the rows are when a comparison shows two
        surfaces (the rows are the left one's); None: "Run"."""
        item = self.horizontalHeaderItem(1)
        if item is not None:
            item.setText("Run (left)" if text else COLUMNS[1])
            item.setToolTip(text or "")

    def _seeds_line(self, rid) -> tuple[str, str] | None:
        """For a run repeated over k seeds: ("w/k seeds", a sentence) on how many of them
        reached the global minimum; None for a run stepped once. Recounted whenever a seed
        moved (the table refreshes at most ten times a second)."""
        k = self.engine.effective_repeats(rid)
        if k <= 1:
            return None
        key = self.engine.repeat_draw_key(rid)
        now = time.perf_counter()
        cached = self._seed_counts.get(rid)
        if cached is None or cached[0] != key:
            kinds = self.engine.repeat_verdict_kinds(rid)
            wins = kinds.count("global_min")
            moving = sum(x in ("moving", "not_started") for x in kinds)
            seed = int(self.model.run(rid).seed)
            more = f", {moving} still moving" if moving else ""
            cached = (key, now, (f"{wins}/{k} seeds",
                                 f"Repeated over seeds {seed}–{seed + k - 1}: {wins} of {k} "
                                 f"reached the global minimum{more}. The verdict is the "
                                 f"seed-{seed} run's."))
            self._seed_counts[rid] = cached
        return cached[2]

    # ------------------------------------------------------------------ layout
    def _text_width(self, col: int) -> int:
        fm = self.fontMetrics()
        header = self.horizontalHeader()
        hfm = header.fontMetrics() if header is not None else fm
        w = hfm.horizontalAdvance(COLUMNS[col])
        for row in range(self.rowCount()):
            item = self.item(row, col)
            if item is not None:
                w = max(w, fm.horizontalAdvance(item.text()))
        return w + PAD_PX

    def _fit_columns(self):
        """Step, Loss and Verdict at their text's width; the name takes the rest. Narrower: the
        name elides down to a few characters, then the gradient column goes, then the name
        (the color swatch still tells the run; its tooltip names it); the verdict's words elide
        last, its icon stays."""
        viewport = self.viewport()
        avail = viewport.width() if viewport is not None else 0
        if avail <= 0:
            return
        swatch = 24
        fixed = {c: self._text_width(c) for c in (STEP, LOSS, GRAD, VERDICT)}
        name_full = self._text_width(NAME)
        show_grad = swatch + sum(fixed.values()) + NAME_MIN_PX <= avail
        if not show_grad:
            del fixed[GRAD]
        rest = avail - swatch - sum(fixed.values())
        show_name = rest >= NAME_HIDE_PX
        widths = {SWATCH: swatch, **fixed}
        if show_name:
            widths[NAME] = max(rest, min(name_full, rest))
        elif rest < 0 and not self._short:
            self._short = True  # the long labels do not fit: say it in fewer words
            self.refresh()
            return
        else:
            widths[VERDICT] = max(fixed[VERDICT] + min(rest, 0), VERDICT_MIN_PX)
        if self._short and rest > self._long_extra():
            self._short = False  # room again for the long labels
            self.refresh()
            return
        self.setColumnHidden(GRAD, not show_grad)
        self.setColumnHidden(NAME, not show_name)
        for c, w in widths.items():
            if self.columnWidth(c) != w:
                self.setColumnWidth(c, w)

    def _long_extra(self) -> int:
        """How much wider the verdict column would be with the long labels."""
        fm = self.fontMetrics()
        extra = 0
        for row, rid in enumerate(self._ids):
            v = self.verdicts.verdict(rid)
            if v is not None:
                extra = max(extra, fm.horizontalAdvance(verdict_label(v)) -
                            fm.horizontalAdvance(verdict_label(v, True)))
        return extra + NAME_MIN_PX

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_columns()

    # ------------------------------------------------------------------ tests
    def row_of(self, run_id: int) -> int:
        """The table row that shows run ``run_id`` (ValueError if it is not shown)."""
        return self._ids.index(run_id)

    def row_texts(self, run_id: int) -> dict:
        """The row's texts by column name (tests)."""
        row = self.row_of(run_id)
        items = {name: self.item(row, c) for c, name in enumerate(COLUMNS) if c}
        return {name: item.text() if item is not None else "" for name, item in items.items()}

    def column_visible_width(self, name: str) -> int:
        """Pixels of column ``name`` inside the viewport (0 when hidden or scrolled off)."""
        c = COLUMNS.index(name)
        if self.isColumnHidden(c):
            return 0
        x = self.columnViewportPosition(c)
        viewport = self.viewport()
        right = viewport.width() if viewport is not None else 0
        return max(0, min(x + self.columnWidth(c), right) - max(x, 0))
