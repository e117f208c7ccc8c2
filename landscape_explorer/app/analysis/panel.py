"""The "Analyze" dock and menu over the main window's views: the Landscape tab (critical points
and live verdicts) here, and the Basins, Cloud, Step and Sweep tabs, each in its own module.

``install_analysis(window)`` adds everything to a MainWindow. Numbers come from the core, heavy
work runs in worker threads (workers), drawing is in overlays. What an overlay shows follows
what it describes: a new surface or new bounds clear every map, cloud and path; Reset clears the
restarts' paths and redraws the step arrows; closing the dock takes its pictures off the views.
"""
from __future__ import annotations

import functools
import threading

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.critical import check_resolvable, critical_points, \
    has_cached_critical_points
from landscape_explorer.core.verdicts import verdicts

from .basins_tab import BasinsTab
from ..verdict_style import verdict_style
from .cloud_tab import CloudTab
from .overlays import (KIND_STYLE, BasinsOverlay, CloudOverlay, CriticalMarkers2D,
                       CriticalMarkers3D, RestartsOverlay, StepArrows)
from .step_tab import StepTab
from .sweep_tab import SweepTab
from ..threads import SEARCH_SETTLE_MS, keep_alive
from .workers import CallWorker

MAX_CRITICAL_SHOWN = 40  # more markers than this bury the surface (Rastrigin has 441)
NEAREST_PER_KIND = 4  # beyond it: the global minima and this many of each kind near the start
VERDICT_DELAY_MS = 250
_PLURAL = {"global_min": ("global minimum", "global minima"),
           "local_min": ("local minimum", "local minima"),
           "saddle": ("saddle point", "saddle points"), "max": ("maximum", "maxima"),
           "degenerate": ("degenerate point", "degenerate points")}
LANDSCAPE, BASINS, CLOUD, STEP, SWEEP = range(5)


def install_analysis(window) -> "AnalysisPanel":
    """Add the Analyze menu and dock to a MainWindow; returns the panel."""
    panel = AnalysisPanel(window)
    window.analysis = panel
    dock = QtWidgets.QDockWidget("Analyze", window)
    dock.setObjectName("analysis_dock")
    dock.setWidget(panel)
    dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable |
                     QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable |
                     QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # opened from the Analyze menu; the views keep their room until then
    panel.dock = dock
    # Closed (its button or the menu), not merely tabbed behind another dock.
    dock.toggleViewAction().toggled.connect(lambda on: on or panel.dismiss())
    dock.installEventFilter(panel.close_watcher_for(dock))
    mb = window.menuBar()
    help_menu = getattr(window, "help_menu", None)
    menu = QtWidgets.QMenu("&Analyze", window)
    if help_menu is not None:
        mb.insertMenu(help_menu.menuAction(), menu)
    else:
        mb.addMenu(menu)
    panel.build_menu(menu)
    window.analyze_menu = menu
    window.installEventFilter(panel.close_watcher_for(window))  # stop workers at close
    return panel


def _stop_all(stoppers, *_):
    for stop in list(stoppers):
        stop()


def shown_critical_points(points, near) -> list:
    """All the points when they are few; else every global minimum and the NEAREST_PER_KIND of
    each other kind closest to ``near`` (the start point)."""
    if len(points) <= MAX_CRITICAL_SHOWN:
        return list(points)
    near = np.asarray(near, dtype=np.float64)
    keep = [c for c in points if c.kind == "global_min"]
    for kind in KIND_STYLE:
        if kind == "global_min":
            continue
        same = [c for c in points if c.kind == kind]
        same.sort(key=lambda c: float(np.hypot(*(np.asarray(c.xy) - near))))
        keep += same[:NEAREST_PER_KIND]
    return keep


class AnalysisPanel(QtWidgets.QTabWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.model = window.model
        self.engine = window.engine
        self.view2d = window.view2d
        self.view3d = window.view3d
        self.dock = None
        self.critical: list = []
        self._workers: set = set()
        # Set when the window closes: a critical-point search still running (minutes on a
        # network slice) stops at its next check instead of holding the window open.
        self._closing = threading.Event()
        self._stoppers: list = []  # cancel/stop callables of running workers
        self._compare_chosen = False
        self._combos: list = []
        self.setMinimumWidth(300)

        # Overlays
        self.markers2d = CriticalMarkers2D(self.view2d)
        self.markers3d = CriticalMarkers3D(self.view3d) if self.view3d is not None else None
        self.basins_overlay = BasinsOverlay(self.view2d, self.view3d)
        self.cloud_overlay = CloudOverlay(self.view2d, self.view3d)
        self.restarts_overlay = RestartsOverlay(self.view2d, self.view3d)
        self.arrows = StepArrows(self.view2d, self.view3d)

        self._build_landscape_tab()
        self.basins_tab = BasinsTab(self)
        self.addTab(self.basins_tab, "Basins")
        self.cloud_tab = CloudTab(self)
        self.addTab(self.cloud_tab, "Cloud")
        self.step_tab = StepTab(self)
        self.addTab(self.step_tab, "Step")
        self.sweep_tab = SweepTab(self)
        self.addTab(self.sweep_tab, "Sweep")

        self._search_timer = QtCore.QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_SETTLE_MS)
        self._search_timer.timeout.connect(self._find_critical_points)

        self._verdict_timer = QtCore.QTimer(self)
        self._verdict_timer.setSingleShot(True)
        self._verdict_timer.setInterval(VERDICT_DELAY_MS)
        self._verdict_timer.timeout.connect(self.refresh_verdicts)

        m = self.model
        for sig in (m.surfaceChanged, m.boundsChanged):
            sig.connect(self._on_surface)
        for sig in (m.resolutionChanged, m.appearanceChanged):
            sig.connect(self._redraw_overlays)
        m.startChanged.connect(self._show_critical_points)
        m.resetRequested.connect(self._on_reset)
        m.runsChanged.connect(self._on_runs)
        m.runChanged.connect(self._on_run_changed)
        m.speedChanged.connect(self.cloud_tab.set_speed)
        self.engine.stepped.connect(self._on_stepped)
        self.engine.restarted.connect(self._on_stepped)
        self.engine.repeatsChanged.connect(lambda _rid: self._verdict_timer.start())
        self._on_runs()
        self._on_surface()
        self.destroyed.connect(functools.partial(_stop_all, self._stoppers))

    # ================================================================== for the tabs
    def run_combo(self, tip) -> QtWidgets.QComboBox:
        """A combo box of the runs, kept in step with the model."""
        c = QtWidgets.QComboBox()
        c.setToolTip(tip)
        self._combos.append(c)
        return c

    def add_stopper(self, stop):
        self._stoppers.append(stop)

    def remove_stopper(self, stop):
        self._stoppers[:] = [f for f in self._stoppers if f != stop]

    def start_worker(self, worker):
        self._workers.add(worker)
        keep_alive(worker)
        worker.finished.connect(functools.partial(self._workers.discard, worker))
        worker.start()

    # ================================================================== landscape tab
    def _build_landscape_tab(self):
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        self.show_critical = QtWidgets.QCheckBox("Show critical points")
        self.show_critical.setToolTip("Mark the minima, saddles and maxima in both views "
                                      "(hover a marker for its value and Hessian eigenvalues)")
        self.show_critical.setChecked(False)
        self.show_critical.toggled.connect(self.set_critical_visible)
        lay.addWidget(self.show_critical)
        legend = " · ".join(f"<span style='color:{c}'>{'★●✕▲◆'[i]}</span> {label}"
                            for i, (c, _, label) in enumerate(KIND_STYLE.values()))
        leg = QtWidgets.QLabel(legend)
        leg.setWordWrap(True)
        lay.addWidget(leg)
        self.critical_label = QtWidgets.QLabel("Finding critical points…")
        self.critical_label.setWordWrap(True)
        lay.addWidget(self.critical_label)
        box = QtWidgets.QGroupBox("Verdicts")
        bl = QtWidgets.QVBoxLayout(box)
        self.verdict_label = QtWidgets.QLabel()
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.verdict_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        bl.addWidget(self.verdict_label)
        lay.addWidget(box)
        lay.addStretch(1)
        self.addTab(w, "Landscape")

    def build_menu(self, menu: QtWidgets.QMenu):
        self.critical_action = menu.addAction("Show critical points")
        self.critical_action.setCheckable(True)
        self.critical_action.setChecked(self.show_critical.isChecked())
        self.critical_action.setShortcut(QtGui.QKeySequence("Ctrl+K"))
        self.critical_action.toggled.connect(self.show_critical.setChecked)
        self.show_critical.toggled.connect(self.critical_action.setChecked)
        menu.addSeparator()
        for text, tab, slot in (("Basins of attraction…", BASINS, self.basins_tab.compute_basins),
                                ("Particle cloud…", CLOUD, self.cloud_tab.start_cloud),
                                ("Random restarts…", CLOUD, self.cloud_tab.run_restarts),
                                ("Learning-rate sweep…", SWEEP, self._no_action)):
            act = menu.addAction(text)
            act.triggered.connect(functools.partial(self._menu_go, tab, slot))
        menu.addSeparator()
        step = self.step_tab
        self.arrows_action = menu.addAction("Step illustration")
        self.arrows_action.setCheckable(True)
        self.arrows_action.toggled.connect(step.show_arrows.setChecked)
        step.show_arrows.toggled.connect(self.arrows_action.setChecked)
        self.arrows_action.toggled.connect(lambda on: on and self._show_tab(STEP))
        self.slow_action = menu.addAction("Slow motion")
        self.slow_action.setCheckable(True)
        self.slow_action.toggled.connect(step.slow_motion.setChecked)
        step.slow_motion.toggled.connect(self.slow_action.setChecked)
        menu.addSeparator()
        if self.dock is not None:
            menu.addAction(self.dock.toggleViewAction())

    def _no_action(self):
        """The sweep's menu entry only opens its tab: its settings come first."""

    def _menu_go(self, tab, slot, *_):
        self._show_tab(tab)
        slot()

    def _show_tab(self, index):
        if self.dock is not None:
            self.dock.show()
            self.dock.raise_()
        self.setCurrentIndex(index)

    # ================================================================== model changes
    def _on_runs(self):
        runs = self.model.runs
        compare = self.basins_tab.basins_compare
        for combo in self._combos:
            allow_none = combo is compare
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if allow_none:
                combo.addItem("(none)", None)
            for r in runs:
                pm = QtGui.QPixmap(12, 12)
                pm.fill(QtGui.QColor(r.color))
                combo.addItem(QtGui.QIcon(pm), r.name, r.id)
            i = combo.findData(current)
            if allow_none and i <= 0 and len(runs) > 1 and not self._compare_chosen:
                i = combo.findData(runs[1].id)  # two maps side by side unless told otherwise
                self._compare_chosen = True
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)
        self._verdict_timer.start()
        self.step_tab.refresh_step()
        self.sweep_tab.refresh_optimizers()

    def _on_run_changed(self, _run_id):
        self._on_runs()

    def _on_surface(self, *_):
        """New surface or bounds: old maps, clouds and paths no longer apply; find the critical
        points."""
        self.cloud_tab.clear()
        self.basins_tab.clear()
        self.sweep_tab.surface_changed()
        self.critical = []
        self._show_critical_points()
        self.critical_label.setText("Finding critical points…")
        self._search_timer.start()  # (again): once the surface and bounds have settled
        self._redraw_overlays()

    def _find_critical_points(self):
        surf, bounds = self.model.surface, self.model.bounds
        closing, model = self._closing, self.model

        def gone():  # the window closes, or the surface or bounds shown are others now
            return closing.is_set() or model.surface is not surf or model.bounds != bounds

        def find():
            # the verdicts' reference (the surface's own bounds), then the bounds shown
            critical_points(surf, cancel=gone)
            found = critical_points(surf, bounds, cancel=gone)
            # Bounds far too wide or narrow for the search: say so, rather than mark wrong kinds.
            check_resolvable(surf, bounds)
            return found

        w = CallWorker(("critical", surf, bounds), find)
        w.done.connect(self._on_critical)
        w.failed.connect(self._on_critical_failed)
        self.start_worker(w)

    def _on_reset(self):
        """Every run back at the start: the restarts' paths go (the arrows follow the runs)."""
        self.cloud_tab.clear_restarts()
        self.arrows.clear()

    def dismiss(self):
        """The dock was closed: its pictures leave the views (critical points stay, they have
        their own menu entry and shortcut)."""
        self.cloud_tab.clear()
        self.basins_tab.clear()
        self.step_tab.stop()

    def _on_critical(self, tag, result):
        if tag[1:] != (self.model.surface, self.model.bounds):
            return  # a stale answer for a surface no longer shown
        self.critical = list(result)
        self._show_critical_points()
        self.set_critical_visible(self.show_critical.isChecked())
        self.refresh_verdicts()

    def _on_critical_failed(self, tag, message):
        if tag[1:] != (self.model.surface, self.model.bounds):
            return  # a search stopped (or failed) for a surface no longer shown
        self.critical_label.setText(f"Could not find critical points: {message}")

    def _show_critical_points(self, *_):
        """Markers for the critical points (the nearest few of each kind where there are
        hundreds), and a count of them all."""
        shown = shown_critical_points(self.critical, self.model.start)
        self.markers2d.set_points(shown)
        if self.markers3d is not None:
            self.markers3d.set_points(shown)
        if not self.critical:
            return
        counts = {}
        for c in self.critical:
            counts[c.kind] = counts.get(c.kind, 0) + 1
        parts = [f"{n} {_PLURAL[k][n != 1]}" for k, n in counts.items()]
        text = f"{len(self.critical)} critical points: " + ", ".join(parts)
        if len(shown) < len(self.critical):
            text += (f". Marked: {len(shown)} — the global minimum and the "
                     f"{NEAREST_PER_KIND} of each kind nearest the start.")
        self.critical_label.setText(text)

    def _redraw_overlays(self, *_):
        self.markers2d.redraw()
        if self.markers3d is not None:
            self.markers3d.redraw()
        self.basins_overlay.redraw()
        self.cloud_overlay.redraw()
        self.restarts_overlay.redraw()
        self.step_tab.refresh_step()

    def set_critical_visible(self, on: bool):
        self.markers2d.set_visible(on)
        if self.markers3d is not None:
            self.markers3d.set_visible(on)

    def _on_stepped(self):
        if not self._verdict_timer.isActive():
            self._verdict_timer.start()
        self.step_tab.refresh_step()

    # ================================================================== verdicts
    def verdicts(self) -> dict:
        """run id -> Verdict for every run (empty until the critical points are known)."""
        surf = self.model.surface
        if not self.critical and not has_cached_critical_points(surf):
            return {}
        out = {}
        for rid in self.engine.run_ids():
            try:
                out[rid] = verdicts(self.engine.stepper(rid))[0]
            except KeyError:  # removed meanwhile
                continue
        return out

    def refresh_verdicts(self):
        vs = self.verdicts()
        lines = []
        for r in self.model.runs:
            v = vs.get(r.id)
            if v is None:
                continue
            k = self.engine.effective_repeats(r.id)
            head = f"<b>{r.name}</b>" + (f" (the seed-{r.seed} run)" if k > 1 else "")
            lines.append(f"<p><span style='color:{r.color}'>■</span> {head}: "
                         f"{verdict_style(v.kind).label}<br><small>{v.detail}</small>"
                         f"{self._repeats_line(r, k)}</p>")
        self.verdict_label.setText("".join(lines) or "Verdicts appear once the critical points "
                                                     "are known.")

    def _repeats_line(self, run, k: int) -> str:
        """For a run repeated over k seeds: how many of them reached the global minimum (and
        how many are still on their way)."""
        if k <= 1:
            return ""
        try:
            kinds = self.engine.repeat_verdict_kinds(run.id)
        except KeyError:
            return ""
        wins = kinds.count("global_min")
        moving = sum(x in ("moving", "not_started") for x in kinds)
        more = f", {moving} still moving" if moving else ""
        return (f"<br><small>Seeds {run.seed}–{run.seed + k - 1}: {wins} of {k} reached the "
                f"global minimum{more}.</small>")

    # ================================================================== shutdown
    def shutdown(self):
        self._closing.set()
        self.cloud_tab.stop_cloud()
        self.basins_tab.shutdown()
        self.sweep_tab.shutdown()
        for w in list(self._workers):
            w.wait(30000)

    def close_watcher_for(self, obj) -> QtCore.QObject:
        return _CloseWatcher(self, obj)


class _CloseWatcher(QtCore.QObject):
    """Stops the panel's workers when the window closes (threads must not outlive it)."""

    def __init__(self, panel, window):
        super().__init__(panel)
        self.panel, self.window_ = panel, window

    def eventFilter(self, obj, ev):
        if obj is self.window_ and ev.type() == QtCore.QEvent.Type.Close:
            if isinstance(obj, QtWidgets.QDockWidget):
                self.panel.dismiss()
            else:
                self.panel.shutdown()
        return False
