"""The main window: 3D landscape, 2D map, loss plot, live legend, and the control panel.

API for other parts of the app (export, render, analysis overlays):
``MainWindow(model=None)``, ``window.model``, ``window.engine``, ``window.view3d`` (None when
OpenGL is unavailable), ``window.view2d``, ``window.loss_plot``, ``window.run_table``,
``window.file_menu`` (add actions before ``window.file_menu_end``), ``window.view_menu``.
"""
from __future__ import annotations

import functools
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
from .views.view3d import SurfaceView3D, opengl_available

log = logging.getLogger(__name__)

SETTINGS_ORG = "landscape-explorer"
SETTINGS_APP = "landscape-explorer"
SETTINGS_VERSION = 1


def default_settings() -> QtCore.QSettings:
    return QtCore.QSettings(SETTINGS_ORG, SETTINGS_APP)


# Every top-level MainWindow, until Qt destroys it. A window's Python object sits in reference
# cycles (slots that capture it, the model's connections to its views), so without this the
# cyclic garbage collector would delete the C++ window whenever it happens to run: in the middle
# of Qt code, e.g. while a QGraphicsScene iterates its items (itemsBoundingRect) and calls an
# item's Python boundingRect, which deleted the scene under it (a segfault), or with half of the
# window's Python state already cleared. Windows are destroyed by Qt instead (deleteLater, or
# their parent), at a safe point of the event loop; the entry goes with the C++ object.
_LIVE_WINDOWS: dict[int, QtWidgets.QWidget] = {}


def keep_until_destroyed(window: QtWidgets.QWidget):
    key = id(window)
    _LIVE_WINDOWS[key] = window
    # Only an int and the dict's method: nothing the garbage collector could clear under it.
    window.destroyed.connect(functools.partial(_LIVE_WINDOWS.pop, key, None))


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
                from .presets import default_state
                model.apply_dict(default_state())
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
        self.controls = ControlPanel(model, self.engine)
        self.run_table.runActivated.connect(self.controls.select_run)

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
        self.bottom_split.setStretchFactor(0, 3)
        self.bottom_split.setStretchFactor(1, 2)
        self.main_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.main_split.setObjectName("main_split")
        self.main_split.addWidget(self.top_split)
        self.main_split.addWidget(self.bottom_split)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.main_split)
        self.top_split.setSizes([700, 460])
        self.main_split.setSizes([620, 240])
        self.bottom_split.setSizes([700, 460])

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
        from .export.dialog import install_file_actions

        install_file_actions(self)  # File › Open/Save/Examples/Export (export.py)
        from .analysis.panel import install_analysis

        install_analysis(self)  # Analyze menu and dock (analysis_panel.py)

        model.surfaceChanged.connect(self._update_title)
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
        self.step_label.setText(f"step {self.engine.target_step:,} / {self.model.max_steps:,}")

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
        if on and self.split_view is None:
            self.split_view = SplitView(self.model, self.engine)
            # Share the main view's camera only if the user moved it; otherwise each split view
            # frames the surface for its own (smaller) size.
            if self.view3d is not None and self.view3d._camera_touched and self.split_view.views:
                cam = self.view3d.camera_state()
                for v in self.split_view.views.values():
                    v.set_camera_state(cam)
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

    # ------------------------------------------------------------------ files and dialogs
    def save_png(self):
        if self.view3d is None:
            self.statusBar().showMessage("No 3D view to save: " + self.gl_reason, 5000)
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save 3D view as PNG", f"{self.model.surface_name}.png", "PNG images (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        self.save_png_to(path)

    def save_png_to(self, path: str, width: int | None = None, height: int | None = None):
        if self.split_view is not None and self.model.split:
            img = self.split_view.grab().toImage()
        else:
            dpr = self.view3d.devicePixelRatioF()
            w = width or int(self.view3d.width() * dpr)
            h = height or int(self.view3d.height() * dpr)
            img = self.view3d.render_image(w, h)
        from .export.render import RenderError, save_qimage

        try:
            save_qimage(img, path)  # temp file + rename: never a half-written PNG
        except (OSError, RenderError) as e:
            self.statusBar().showMessage(f"Could not save {path}: {e}", 8000)
            return False
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

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

    def save_settings(self):
        s = self.settings
        s.setValue("version", SETTINGS_VERSION)
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        for sp in (self.top_split, self.bottom_split, self.main_split):
            s.setValue(sp.objectName(), sp.saveState())
        s.setValue("model", json.dumps(self.model.to_dict()))
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

