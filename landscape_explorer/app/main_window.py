"""The main window: 3D landscape, 2D map, loss plot, live legend, and the control panel.

API for other parts of the app (export, render, analysis overlays):
``MainWindow(model=None)``, ``window.model``, ``window.engine``, ``window.view3d`` (None when
OpenGL is unavailable), ``window.view2d``, ``window.loss_plot``, ``window.run_table``,
``window.file_menu`` (add actions before ``window.file_menu_end``), ``window.view_menu``,
``window.learn_menu``, ``window.lesson_actions`` ({lesson id: QAction}), ``window.lesson_panel``.
"""
from __future__ import annotations

import json
import logging

from PyQt6 import QtCore, QtGui, QtWidgets

import landscape_explorer as le

from .live_verdicts import VerdictStatusLabel
from .panels.controls import ControlPanel
from .views.loss_plot import LossPlot
from .model import AppModel
from .panels.run_table import RunTable
from .runs import RunEngine, start_warm_up
from .views.split_view import SplitView
from .views.view2d import SurfaceView2D
from .views import lifetime
from .views.view3d import SurfaceView3D, opengl_available

log = logging.getLogger(__name__)

SETTINGS_ORG = "landscape-explorer"
SETTINGS_APP = "landscape-explorer"
SETTINGS_VERSION = 1
MIN_MAP_SIZE = 220  # the 2D map stays usable however small the window


def default_settings() -> QtCore.QSettings:
    return QtCore.QSettings(SETTINGS_ORG, SETTINGS_APP)


# Held until Qt destroys it, never by the cyclic garbage collector mid-event (views.lifetime).
keep_until_destroyed = lifetime.keep_until_destroyed


# Keys that act on the whole window whatever widget has focus (only free-text fields, where
# these keys type, keep them).
WINDOW_KEYS = (QtCore.Qt.Key.Key_Space, QtCore.Qt.Key.Key_Right, QtCore.Qt.Key.Key_R)


def types_text(widget) -> bool:
    """A field where Space, R and Right type or move the cursor: a free-text line or text edit
    (a number field is not one: there they would only blank or garble the number)."""
    if isinstance(widget, (QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QtWidgets.QLineEdit):
        parent = widget.parentWidget()
        in_number = isinstance(parent, QtWidgets.QAbstractSpinBox)
        in_combo = isinstance(parent, QtWidgets.QComboBox)
        return not (in_number or in_combo) and not widget.isReadOnly()
    return False


class WindowKeys(QtCore.QObject):
    """Space, Right and R are the window's, whatever has focus: a focused spin box, combo box,
    slider or button would otherwise take them (Qt lets the focus widget override a shortcut)."""

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.window = window

    def focus_changed(self, _old, new):
        if new is None or new.window() is not self.window:
            return
        # A number field's or combo box's own line edit may be the one asked, not the field.
        edit = new.lineEdit() if isinstance(new, (QtWidgets.QAbstractSpinBox,
                                                  QtWidgets.QComboBox)) else None
        for w in (new, edit):
            if w is not None and not w.property("window_keys"):
                w.setProperty("window_keys", True)
                w.installEventFilter(self)

    def eventFilter(self, obj, ev):
        if ev.type() == QtCore.QEvent.Type.ShortcutOverride and isinstance(obj, QtWidgets.QWidget) \
                and ev.key() in WINDOW_KEYS and ev.modifiers() in (
                    QtCore.Qt.KeyboardModifier.NoModifier, QtCore.Qt.KeyboardModifier.KeypadModifier) \
                and obj.window() is self.window and not types_text(obj):
            ev.ignore()
            return True  # not overridden: the window's shortcut runs
        return False


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, model: AppModel | None = None, settings: QtCore.QSettings | None = None,
                 restore: bool = True, parent=None):
        super().__init__(parent)
        if parent is None:
            keep_until_destroyed(self)
        self.setObjectName("MainWindow")
        self.settings = settings if settings is not None else default_settings()
        restored_model = None
        if model is None:
            model = AppModel()
            restored_model = self._restore_model(model) if restore else False
            if not restored_model:
                from .presets import default_scenario
                model.set_scenario(default_scenario())
        self.model = model
        self.engine = RunEngine(model, self)
        self.gl_ok, self.gl_reason = opengl_available()

        self.view3d: SurfaceView3D | None = None
        self.split_view: SplitView | None = None
        self.stack3d = QtWidgets.QStackedWidget()
        if self.gl_ok:
            self.view3d = SurfaceView3D(model, self.engine)
            self.stack3d.addWidget(self.view3d)
        else:
            msg = QtWidgets.QLabel(f"3D view is off: {self.gl_reason}\n"
                                   "The 2D map, the loss plot and every control still work.")
            msg.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            msg.setWordWrap(True)
            self.stack3d.addWidget(msg)
        self.view2d = SurfaceView2D(model, self.engine)
        self.loss_plot = LossPlot(model, self.engine)
        self.run_table = RunTable(model, self.engine)
        self.controls = ControlPanel(model, self.engine, settings=self.settings)
        self.run_table.runActivated.connect(self.controls.select_run)
        self.controls.presetApplied.connect(
            lambda title: self.statusBar().showMessage(f"Preset: {title}", 8000))
        self.compare_view = None  # two surfaces side by side (views/compare_view.py)
        self.controls.data_panel.comparisonReady.connect(self.show_comparison)
        from .views.batch_overlay import BatchOverlay

        self.batch_overlay = BatchOverlay(self.view2d, model, self.engine,
                                          lambda: self.controls.current_run_id)
        self.controls.data_panel.batch_check.toggled.connect(self.batch_overlay.set_enabled)
        model.surfaceChanged.connect(self._end_comparison_if_stale)

        self.top_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.top_split.setObjectName("top_split")
        self.top_split.addWidget(self.stack3d)
        self.top_split.addWidget(self.view2d)
        self.top_split.setStretchFactor(0, 3)
        self.top_split.setStretchFactor(1, 2)
        self.bottom_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.bottom_split.setObjectName("bottom_split")
        self.bottom_split.addWidget(self.loss_plot)
        self.bottom_split.addWidget(self.run_table)
        # The table needs about as much room as the plot to show names and numbers in full.
        self.bottom_split.setStretchFactor(0, 1)
        self.bottom_split.setStretchFactor(1, 1)
        self.main_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.main_split.setObjectName("main_split")
        self.main_split.addWidget(self.top_split)
        self.main_split.addWidget(self.bottom_split)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.main_split)
        self.top_split.setSizes([700, 460])
        self.main_split.setSizes([620, 240])
        self.bottom_split.setSizes([580, 580])
        for sp in (self.top_split, self.bottom_split, self.main_split):
            sp.setChildrenCollapsible(False)  # no view can be dragged away to nothing
            # Remembered as soon as they move, not only on a clean quit.
            sp.splitterMoved.connect(lambda *_a, sp=sp: self._save_splitter(sp))
        self.view2d.setMinimumSize(MIN_MAP_SIZE, MIN_MAP_SIZE)

        self.controls_dock = QtWidgets.QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controls_dock")
        self.controls_dock.setWidget(self.controls)
        self.controls_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable |
                                       QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)

        self.step_label = QtWidgets.QLabel()
        # Each run's verdict, as in the run table (live_verdicts).
        self.verdict_status = VerdictStatusLabel(model, self.engine)
        self.statusBar().addPermanentWidget(self.verdict_status)
        self.statusBar().addPermanentWidget(self.step_label)
        self._build_actions()
        self.window_keys = WindowKeys(self)
        # Only the focus widget is asked whether it overrides a shortcut: watch that one (an
        # application-wide filter would see every event of every window).
        QtWidgets.QApplication.instance().focusChanged.connect(self.window_keys.focus_changed)
        from .export.file_actions import install_file_actions

        install_file_actions(self)  # File › Open/Save/Examples/Export (export.py)
        from .analysis.panel import install_analysis

        install_analysis(self)  # Analyze menu and dock (analysis_panel.py)
        from .panels.lessons import install_lessons

        install_lessons(self)  # Learn menu and the Lesson dock (panels/lessons.py)

        model.surfaceChanged.connect(self._update_title)
        model.maxStepsChanged.connect(lambda _n: self._update_step_label())
        model.runsChanged.connect(self._update_step_label)
        model.runChanged.connect(lambda _rid: self._update_step_label())
        model.splitChanged.connect(self._on_split)
        model.playingChanged.connect(self._on_playing)
        self.engine.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.engine.finished.connect(
            lambda: self.statusBar().showMessage("All runs finished. Play runs them again.", 5000))
        self.engine.stepped.connect(self._update_step_label)
        self.engine.restarted.connect(self._update_step_label)
        self._update_title()
        self._update_step_label()
        self._on_split(model.split)
        self._on_playing(model.playing)
        self.resize(1480, 920)
        if restore:
            self._restore_layout()
        if not self.gl_ok:
            self.statusBar().showMessage(f"3D view is off: {self.gl_reason}")
        else:
            self.statusBar().showMessage(
                "Click the surface to start every run there · drag to orbit · Shift+drag moves "
                "the start · Space plays", 15000)

    # ------------------------------------------------------------------ menus and shortcuts
    def _action(self, text, slot, shortcut=None, checkable=False, tip=None):
        act = QtGui.QAction(text, self)
        if shortcut:
            act.setShortcut(QtGui.QKeySequence(shortcut))
            act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        act.setCheckable(checkable)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.addAction(act)  # shortcuts work even when the menu bar is hidden
        return act

    def _build_actions(self):
        mb = self.menuBar()
        self.file_menu = mb.addMenu("&File")
        self.save_png_action = self._action("Save 3D view as PNG…", self.save_png, "Ctrl+S",
                                            tip="Save a picture of the 3D view")
        self.file_menu.addAction(self.save_png_action)
        # Scenario and export actions go above this separator (insertAction(file_menu_end, ...)).
        self.file_menu_end = self.file_menu.addSeparator()
        self.quit_action = self._action("Quit", self.close, "Ctrl+Q")
        self.file_menu.addAction(self.quit_action)

        self.run_menu = mb.addMenu("&Run")
        self.play_action = self._action("Play", self.model.toggle_playing, "Space",
                                        checkable=True, tip="Play or pause every run")
        self.step_action = self._action("Single step", self.engine.single_step, "Right")
        self.reset_action = self._action("Reset", self.model.request_reset, "R",
                                         tip="Every run back to the start point")
        for a in (self.play_action, self.step_action, self.reset_action):
            self.run_menu.addAction(a)

        self.view_menu = mb.addMenu("&View")
        self.split_action = self._action("Split view per run", self.model.set_split, "Ctrl+D",
                                         checkable=True)
        self.model.splitChanged.connect(self.split_action.setChecked)
        self.split_action.setChecked(self.model.split)
        self.wire_action = self._action("Wireframe", self.model.set_wireframe, "W",
                                        checkable=True)
        self.model.appearanceChanged.connect(
            lambda: self.wire_action.setChecked(self.model.wireframe))
        self.wire_action.setChecked(self.model.wireframe)
        self.log_action = self._action("Log-scale loss", self.model.set_log_loss, "L",
                                       checkable=True)
        self.model.logLossChanged.connect(self.log_action.setChecked)
        self.log_action.setChecked(self.model.log_loss)
        self.camera_action = self._action("Reset camera", self.reset_camera, "C")
        for a in (self.split_action, self.wire_action, self.log_action, self.camera_action):
            self.view_menu.addAction(a)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.controls_dock.toggleViewAction())

        self.help_menu = mb.addMenu("&Help")
        self.help_menu.addAction(self._action("About landscape-explorer", self.about))

    def _on_playing(self, on):
        self.play_action.setChecked(on)
        self.play_action.setText("Pause" if on else "Play")

    def _update_title(self, *_):
        s = self.model.surface
        self.setWindowTitle(f"{s.title or s.name} — landscape-explorer")

    def _update_step_label(self):
        # The step the runs are at (the furthest one; a finished run stays where it stopped),
        # the same number the table, the loss plot and the views show.
        steps = [s.step for s in self.engine.states()
                 if self.model.run(s.id).enabled]
        self.step_label.setText(f"step {max(steps, default=0):,} / {self.model.max_steps:,}")
        # Never squeezed by a long status message: a cut-off number would be a wrong number.
        self.step_label.setMinimumWidth(self.step_label.sizeHint().width())

    def reset_camera(self):
        if self.view3d is not None:
            self.view3d.frame_camera()
        if self.split_view is not None:
            for v in self.split_view.views.values():
                v.frame_camera()

    # ------------------------------------------------------------------ split mode
    def _on_split(self, on):
        if not self.gl_ok:
            return
        if on:
            self.end_comparison()  # split per run replaces the comparison
        if on and self.split_view is None:
            self.split_view = SplitView(self.model, self.engine)
            # Share the main view's camera only if the user moved it; otherwise each split view
            # frames the surface for its own (smaller) size.
            if self.view3d is not None and self.view3d.camera_touched:
                self.split_view.share_camera(self.view3d.camera_state())
            self.stack3d.addWidget(self.split_view)
        if on:
            self.stack3d.setCurrentWidget(self.split_view)
        else:
            self.stack3d.setCurrentWidget(self.view3d)
            if self.split_view is not None:
                # Each split view holds a GL context and a mesh: free them when not shown.
                self.stack3d.removeWidget(self.split_view)
                self.split_view.deleteLater()
                self.split_view = None

    # ------------------------------------------------------------------ comparisons
    def show_comparison(self, other, headers):
        """The model's surface and ``other`` side by side, the same runs on both."""
        if not self.gl_ok:
            return
        from .views.compare_view import CompareView

        self.end_comparison()
        self.model.set_split(False)
        self.compare_view = CompareView(self.model, self.engine, other, headers)
        self.stack3d.addWidget(self.compare_view)
        self.stack3d.setCurrentWidget(self.compare_view)
        # The 2D map, the loss plot and the table follow the left tile's surface (the model's):
        # each says so while the two are side by side.
        self._set_captions("the left tile's surface only")

    def _set_captions(self, text: str | None):
        self.view2d.set_caption(text)
        self.loss_plot.set_caption("left tile's runs" if text else None)
        self.run_table.set_caption(text)

    def end_comparison(self):
        cv, self.compare_view = self.compare_view, None
        if cv is not None:
            self._set_captions(None)
            cv.close_down()
            self.stack3d.removeWidget(cv)
            cv.deleteLater()
            if not self.model.split and self.view3d is not None:
                self.stack3d.setCurrentWidget(self.view3d)

    def _end_comparison_if_stale(self, *_):
        if self.compare_view is not None and not self.compare_view.shows_model_surface():
            self.end_comparison()

    # ------------------------------------------------------------------ files and dialogs
    def save_png(self):
        """Ctrl+S: the Export dialog for a PNG of the 3D view, with the last export's folder,
        size and options (title, legend, step counter, transparency)."""
        if self.view3d is None:
            self.statusBar().showMessage("No 3D view to save: " + self.gl_reason, 5000)
            return
        self.file_actions.export("png3d")

    def save_png_to(self, path: str, width: int | None = None, height: int | None = None):
        """A PNG of the 3D view (split tiles side by side in split mode) through the same export
        as File › Export, with the last export's options; True when written."""
        size = (width, height) if width and height else None
        return self.file_actions.export_now("png3d", path, size=size) is not None

    def about(self):
        QtWidgets.QMessageBox.about(
            self, "About landscape-explorer",
            f"<h3>landscape-explorer {le.__version__}</h3>"
            "<p>See why neural-network training gets stuck — local minima, saddle points, "
            "plateaus — and how optimizers get out.</p>"
            "<p>Click a point on the landscape to start every run there; drag to orbit, "
            "scroll to zoom, Shift+drag to move the start point. Space plays and pauses, "
            "→ takes one step, R resets.</p>"
            "<p>Optimizers follow torch.optim's update equations and defaults. "
            "Run colors use the Okabe–Ito colorblind-safe palette.</p>"
            "<p>MIT licensed.</p>")

    # ------------------------------------------------------------------ settings
    def _restore_model(self, model: AppModel) -> bool:
        raw = self.settings.value("model")
        if not raw:
            return False
        try:
            model.apply_dict(json.loads(raw))
            model.set_playing(False)
            z = self.settings.value("z_mode_per_surface")
            if z:
                model.set_z_mode_choices(json.loads(z))
            return True
        except Exception as e:  # a stale or foreign setting must never stop the app
            log.warning("ignoring saved settings: %s", e)
            return False

    def _restore_layout(self):
        s = self.settings
        if s.value("version") != SETTINGS_VERSION and str(s.value("version")) != str(SETTINGS_VERSION):
            return
        geo = s.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = s.value("windowState")
        if state is not None:
            self.restoreState(state)
        for sp in (self.top_split, self.bottom_split, self.main_split):
            v = s.value(sp.objectName())
            if v is not None:
                sp.restoreState(v)

    def _save_splitter(self, sp):
        self.settings.setValue("version", SETTINGS_VERSION)
        self.settings.setValue(sp.objectName(), sp.saveState())

    def save_settings(self):
        s = self.settings
        s.setValue("version", SETTINGS_VERSION)
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        for sp in (self.top_split, self.bottom_split, self.main_split):
            s.setValue(sp.objectName(), sp.saveState())
        s.setValue("model", json.dumps(self.model.to_dict()))
        s.setValue("z_mode_per_surface", json.dumps(self.model.z_mode_choices()))
        s.sync()

    def showEvent(self, ev):
        super().showEvent(ev)
        if not getattr(self, "_shown_once", False):
            self._shown_once = True
            # Keys go to the views, not to the first spin box: Space must play right away.
            (self.view3d or self.view2d).setFocus()
            # After the first frame, not before: the warm-up competes for the CPU.
            QtCore.QTimer.singleShot(300, start_warm_up)

    def closeEvent(self, ev):
        self.engine.timer.stop()
        self.model.set_playing(False)
        try:
            self.save_settings()
        except Exception as e:
            log.warning("could not save settings: %s", e)
        super().closeEvent(ev)

