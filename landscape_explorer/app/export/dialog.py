"""File › Open / Save / Save As / Examples / Export for the main window.

``install_file_actions(window)`` adds them to ``window.file_menu`` (above
``window.file_menu_end``) and returns the ``FileActions`` object that holds them.

Exports:

- PNG of the 3D view at window size or any size (offscreen ``renderToArray``), optionally with
  a transparent background; PNG of the 2D view, of the loss plot, and of the views side by side;
- an animated GIF (Pillow) or MP4 (imageio + imageio-ffmpeg) of the descent from step 0 to the
  current step. Frames are rendered offscreen by a ``render.Scene`` built from the window's
  current state, so the live window is never disturbed; a progress dialog can cancel;
- the trajectories as CSV (one row per run, step and particle) or JSON.

Animations and trajectories replay the runs from their current settings and seeds (the same
engine the window uses), so they match the window unless a hyperparameter was changed while a
run was going.

Every file is written to a temporary name and renamed into place when complete: a failed or
cancelled export leaves no file and never replaces an existing one with a broken one.
"""
from __future__ import annotations

import logging
import os

from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.atomic import Cancelled
from landscape_explorer.core.scenario import (
    ScenarioError, example_names, example_path, load_scenario, save_scenario,
)

from . import render
from ..scenario_io import advance_to, apply_scenario, camera_dict, model_to_scenario

log = logging.getLogger(__name__)

# kind: (menu text, extension, file-dialog filter)
KINDS = {
    "png3d": ("3D view as PNG…", ".png", "PNG images (*.png)"),
    "png2d": ("2D view as PNG…", ".png", "PNG images (*.png)"),
    "pngloss": ("Loss plot as PNG…", ".png", "PNG images (*.png)"),
    "composite": ("Side by side (3D, 2D, loss) as PNG…", ".png", "PNG images (*.png)"),
    "gif": ("Animation as GIF…", ".gif", "GIF animations (*.gif)"),
    "mp4": ("Video as MP4…", ".mp4", "MP4 videos (*.mp4)"),
    "csv": ("Trajectories as CSV…", ".csv", "CSV files (*.csv)"),
    "json": ("Trajectories as JSON…", ".json", "JSON files (*.json)"),
}
SIZE_PRESETS = (("Window size", None), ("1280 × 720", (1280, 720)), ("1920 × 1080", (1920, 1080)),
                ("2560 × 1440", (2560, 1440)), ("3840 × 2160 (4K)", (3840, 2160)),
                ("Custom", "custom"))


# ---------------------------------------------------------------------------------------------
# What the window shows


def current_step(window) -> int:
    steps = [s.step for s in window.engine.states()]
    return int(max(steps, default=0))


def views3d(window) -> list:
    """The 3D views on screen: the main one, or one per run in split mode."""
    split = getattr(window, "split_view", None)
    if split is not None and window.model.split and split.views:
        return list(split.views.values())
    return [window.view3d] if window.view3d is not None else []


def window_scenario(window, title: str = "", description: str = ""):
    cam = window.view3d.camera_state() if window.view3d is not None else None
    return model_to_scenario(window.model, steps=current_step(window), camera=cam,
                             title=title, description=description)


def window_size(widget) -> tuple[int, int]:
    dpr = widget.devicePixelRatioF() if widget is not None else 1.0
    if widget is None:
        return render.DEFAULT_SIZE
    return max(16, int(widget.width() * dpr)), max(16, int(widget.height() * dpr))


def image_3d(window, size=None, transparent=False, legend=False):
    """QImage of what the 3D area shows (all split views side by side in split mode); with
    ``legend``, a framed camera keeps the legend's band free."""
    views = views3d(window)
    if not views:
        raise render.RenderError(f"no 3D view: {getattr(window, 'gl_reason', 'OpenGL is off')}")
    if size is None:
        size = window_size(window.stack3d if len(views) > 1 else views[0])
    w, h = size
    if len(views) == 1:
        top = render.overlay_height(window_scenario(window), h) / h if legend else 0.0
        return render.render_gl_view(views[0], w, h, transparent, top)
    img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_ARGB32)
    img.fill(QtGui.QColor(32, 34, 40, 0 if transparent else 255))
    p = QtGui.QPainter(img)
    edges = [round(w * i / len(views)) for i in range(len(views) + 1)]
    runs = {r.id: r for r in window.model.runs}
    for (rid, v), x0, x1 in zip(window.split_view.views.items(), edges[:-1], edges[1:]):
        p.drawImage(x0, 0, render.render_gl_view(v, x1 - x0, h, transparent))
        if rid in runs:
            render.draw_run_label(p, x0, 0, runs[rid].name, runs[rid].color, h, bottom=True)
    p.end()
    return img


def export_image(window, kind: str, path, size=None, transparent=False, legend=False):
    """Write a PNG of one view (kind: png3d, png2d, pngloss, composite) atomically."""
    if kind == "png3d":
        img = image_3d(window, size, transparent, legend)
    elif kind == "png2d":
        img = render.grab_widget(window.view2d, *(size or window_size(window.view2d)))
    elif kind == "pngloss":
        img = render.grab_widget(window.loss_plot, *(size or window_size(window.loss_plot)))
    elif kind == "composite":
        if size is None:
            size = window_size(window.centralWidget())
        w, h = size
        left, right, top = render.composite_layout(w, h)
        img3d = image_3d(window, (left, h), transparent, legend) if views3d(window) else None
        if legend and img3d is not None:
            img3d = img3d.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
            render.draw_overlay(img3d, window_scenario(window), current_step(window))
        img = render.compose(img3d, render.grab_widget(window.view2d, right, top),
                             render.grab_widget(window.loss_plot, right, h - top), w, h,
                             transparent)
    else:
        raise ValueError(f"not an image export: {kind!r}")
    if legend and kind == "png3d":
        img = img.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
        render.draw_overlay(img, window_scenario(window), current_step(window))
    render.save_qimage(img, path)


def export_animation(window, path, size=None, fps=render.DEFAULT_FPS, frames=None, legend=True,
                     progress=None, view="3d"):
    """GIF or MP4 (from the extension) of the descent from step 0 to the current step."""
    ext = render.output_format(path)
    sc = window_scenario(window)
    if size is None:
        size = window_size(views3d(window)[0] if views3d(window) else None)
    w, h = size
    if ext == ".mp4":
        w, h = w - w % 2, h - h % 2  # H.264 wants even sides
    render.check_output(path)
    views = ("3d", "2d", "loss") if view == "composite" else (view,)
    # A camera the user moved is kept as it is; the default one fills the frames.
    touched = window.view3d is not None and window.view3d.camera_touched
    with render.Scene(sc, views=views, fit_camera=not touched) as scene:
        if ext == ".gif":
            render.write_gif(scene, path, (w, h), fps=fps, frames=frames, view=view,
                             progress=progress, overlay=legend)
        elif ext == ".mp4":
            render.write_mp4(scene, path, (w, h), fps=fps, frames=frames, view=view,
                             progress=progress, overlay=legend)
        else:
            raise render.RenderError(f"{path}: an animation must be .gif or .mp4")


def export_trajectories(window, path, progress=None):
    from landscape_explorer.core import trajectories

    sc = window_scenario(window)
    results = trajectories.simulate_all(sc, progress=progress)
    if str(path).lower().endswith(".csv"):
        trajectories.write_trajectories_csv(sc, path, results)
    else:
        trajectories.write_trajectories_json(sc, path, results)


# ---------------------------------------------------------------------------------------------
# The dialog


class ExportDialog(QtWidgets.QDialog):
    """Choose what to export, the size and the options, and where; OK exports."""

    def __init__(self, window, kind="png3d", parent=None):
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Export")
        form = QtWidgets.QFormLayout(self)

        self.kind = QtWidgets.QComboBox()
        for k, (text, _, _) in KINDS.items():
            self.kind.addItem(text.rstrip("…"), k)
        form.addRow("Export", self.kind)

        self.size_combo = QtWidgets.QComboBox()
        for text, val in SIZE_PRESETS:
            self.size_combo.addItem(text, val)
        self.width_spin = QtWidgets.QSpinBox()
        self.height_spin = QtWidgets.QSpinBox()
        for s in (self.width_spin, self.height_spin):
            s.setRange(render.MIN_SIDE, render.MAX_SIDE)
            s.setSuffix(" px")
        self.width_spin.setValue(1920)
        self.height_spin.setValue(1080)
        size_row = QtWidgets.QHBoxLayout()
        size_row.addWidget(self.size_combo)
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QtWidgets.QLabel("×"))
        size_row.addWidget(self.height_spin)
        form.addRow("Size", size_row)

        self.transparent = QtWidgets.QCheckBox("Transparent background")
        self.transparent.setToolTip("The area around the surface is see-through (PNG only)")
        form.addRow("", self.transparent)
        self.legend = QtWidgets.QCheckBox("Title, legend and step counter on the picture")
        self.legend.setChecked(True)
        form.addRow("", self.legend)

        self.fps = QtWidgets.QSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(render.DEFAULT_FPS)
        self.fps.setSuffix(" fps")
        self.frames = QtWidgets.QSpinBox()
        self.frames.setRange(1, 100_000)
        step = current_step(window)
        self.frames.setValue(render.default_frames(step, render.DEFAULT_FPS))
        self.frames.setToolTip(f"Frames from step 0 to the current step ({step})")
        form.addRow("Frame rate", self.fps)
        form.addRow("Frames", self.frames)

        self.path = QtWidgets.QLineEdit()
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QtWidgets.QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)

        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok |
            QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

        self.kind.currentIndexChanged.connect(self._update)
        self.size_combo.currentIndexChanged.connect(self._update)
        self.kind.setCurrentIndex(list(KINDS).index(kind))
        self.restore(remembered_options(window))
        self._update()

    def restore(self, opts: dict):
        """Show remembered options (size, transparency, legend, frame rate)."""
        self.select_size(opts.get("size"))
        self.transparent.setChecked(bool(opts.get("transparent", False)))
        self.legend.setChecked(bool(opts.get("legend", True)))
        self.fps.setValue(int(opts.get("fps", render.DEFAULT_FPS)))

    def select_size(self, size):
        """Show ``size`` ((w, h), or None for the window's size): a preset, or Custom."""
        size = tuple(int(v) for v in size) if size else None
        presets = [self.size_combo.itemData(i) for i in range(self.size_combo.count())]
        if size in presets:
            self.size_combo.setCurrentIndex(presets.index(size))
            return
        self.width_spin.setValue(size[0])
        self.height_spin.setValue(size[1])
        self.size_combo.setCurrentIndex(presets.index("custom"))

    def selected_kind(self) -> str:
        return self.kind.currentData()

    def selected_size(self):
        val = self.size_combo.currentData()
        if val == "custom":
            return self.width_spin.value(), self.height_spin.value()
        return val

    def _update(self, *_):
        k = self.selected_kind()
        image = k in ("png3d", "png2d", "pngloss", "composite", "gif", "mp4")
        anim = k in ("gif", "mp4")
        self.size_combo.setEnabled(image)
        custom = image and self.size_combo.currentData() == "custom"
        self.width_spin.setEnabled(custom)
        self.height_spin.setEnabled(custom)
        self.transparent.setEnabled(k in ("png3d", "composite"))
        self.legend.setEnabled(k in ("png3d", "composite", "gif", "mp4"))
        self.fps.setEnabled(anim)
        self.frames.setEnabled(anim)
        ext = KINDS[k][1]
        p = self.path.text().strip()
        if not p:
            name = self.window_.model.surface_name
            p = os.path.join(_last_dir(self.window_), name + ("_trajectories" if k in ("csv", "json") else "")
                             + ext)
        else:
            p = os.path.splitext(p)[0] + ext
        self.path.setText(p)

    def _browse(self):
        k = self.selected_kind()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, KINDS[k][0].rstrip("…"),
                                                        self.path.text(), KINDS[k][2])
        if path:
            if not path.lower().endswith(KINDS[k][1]):
                path += KINDS[k][1]
            self.path.setText(path)

    def options(self) -> dict:
        return {"kind": self.selected_kind(), "path": self.path.text().strip(),
                "size": self.selected_size(), "transparent": self.transparent.isChecked(),
                "legend": self.legend.isChecked(), "fps": self.fps.value(),
                "frames": self.frames.value()}


def _settings(window):
    s = getattr(window, "settings", None)
    return s if isinstance(s, QtCore.QSettings) else QtCore.QSettings("landscape-explorer",
                                                                      "landscape-explorer")


def _last_dir(window) -> str:
    d = _settings(window).value("export/last_dir")
    return d if isinstance(d, str) and os.path.isdir(d) else os.path.expanduser("~")


def _remember_dir(window, path):
    _settings(window).setValue("export/last_dir", os.path.dirname(os.path.abspath(path)))


REMEMBERED = ("size", "transparent", "legend", "fps")


def remembered_options(window) -> dict:
    """The options of the last export (size, transparency, legend, frame rate), or defaults."""
    s = _settings(window)
    out = {"size": None, "transparent": False, "legend": True, "fps": render.DEFAULT_FPS}
    size = s.value("export/size")
    if isinstance(size, str) and "x" in size:
        try:
            w, h = (int(v) for v in size.split("x"))
            if render.MIN_SIDE <= w <= render.MAX_SIDE and render.MIN_SIDE <= h <= render.MAX_SIDE:
                out["size"] = (w, h)
        except ValueError:
            pass  # a hand-edited setting: the default size
    for key in ("transparent", "legend"):
        v = s.value(f"export/{key}")
        if v is not None:
            out[key] = v is True or str(v).lower() == "true"
    fps = s.value("export/fps")
    if fps is not None and str(fps).isdigit() and 1 <= int(fps) <= 120:
        out["fps"] = int(fps)
    return out


def remember_options(window, opts: dict):
    s = _settings(window)
    size = opts.get("size")
    s.setValue("export/size", f"{size[0]}x{size[1]}" if size else "")
    for key in ("transparent", "legend"):
        s.setValue(f"export/{key}", bool(opts.get(key)))
    s.setValue("export/fps", int(opts.get("fps", render.DEFAULT_FPS)))


def run_export(window, opts: dict, progress=None) -> str:
    """Do one export (``ExportDialog.options()``); returns the path written. Raises RenderError,
    ScenarioError, OSError or Cancelled; nothing is left on disk when it does."""
    kind, path = opts["kind"], opts["path"]
    if not path:
        raise render.RenderError("no file name given")
    ext = KINDS[kind][1]
    if not path.lower().endswith(ext):
        path += ext
    if opts.get("transparent") and kind not in ("png3d", "composite"):
        opts = dict(opts, transparent=False)
    render.check_output(path)
    if kind in ("png3d", "png2d", "pngloss", "composite"):
        export_image(window, kind, path, opts.get("size"), opts.get("transparent", False),
                     opts.get("legend", False))
    elif kind in ("gif", "mp4"):
        export_animation(window, path, opts.get("size"), fps=opts.get("fps", render.DEFAULT_FPS),
                         frames=opts.get("frames"), legend=opts.get("legend", True),
                         progress=progress)
    else:
        export_trajectories(window, path, progress=progress)
    return path


# ---------------------------------------------------------------------------------------------
# Menu actions


class FileActions(QtCore.QObject):
    """The scenario and export actions of one main window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.path: str | None = None  # the scenario file being edited, if any
        self.meta = ("", "")  # title and description of the opened scenario, kept on save
        used = {a.shortcut().toString() for a in window.findChildren(QtGui.QAction)
                if not a.shortcut().isEmpty()}

        def act(text, slot, shortcut=None, tip=None):
            a = QtGui.QAction(text, window)
            if shortcut and QtGui.QKeySequence(shortcut).toString() not in used:
                a.setShortcut(QtGui.QKeySequence(shortcut))
                a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
                window.addAction(a)
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(slot)
            return a

        self.open_action = act("Open scenario…", self.open, "Ctrl+O",
                               "Open a scenario file: surface, runs, start, camera and view")
        self.save_action = act("Save scenario", self.save, "Ctrl+S",
                               "Save everything needed to reproduce this picture")
        self.save_as_action = act("Save scenario as…", self.save_as, "Ctrl+Shift+S")
        self.examples_menu = QtWidgets.QMenu("Examples", window)
        self.example_actions = {}
        for name in example_names():
            title = name.replace("_", " ")
            try:
                title = load_scenario(example_path(name)).title or title
            except ScenarioError as e:  # a broken bundled file must not stop the app
                log.warning("example %s: %s", name, e)
                continue
            a = QtGui.QAction(title, window)
            a.triggered.connect(lambda _=False, n=name: self.open_example(n))
            self.examples_menu.addAction(a)
            self.example_actions[name] = a
        self.examples_menu.setEnabled(bool(self.example_actions))
        self.export_menu = QtWidgets.QMenu("Export", window)
        self.export_dialog_action = act("Export…", lambda: self.export(None), "Ctrl+E",
                                        "Export pictures, animations or trajectories")
        self.export_menu.addAction(self.export_dialog_action)
        self.export_menu.addSeparator()
        self.export_actions = {}
        for k, (text, _, _) in KINDS.items():
            a = act(text, lambda _=False, kind=k: self.export(kind))
            self.export_menu.addAction(a)
            self.export_actions[k] = a

        # Above the window's file_menu_end separator (before Quit), after its own actions.
        menu = window.file_menu
        before = getattr(window, "file_menu_end", None)
        add = (lambda a: menu.insertAction(before, a)) if before is not None else menu.addAction
        add_menu = (lambda m: menu.insertMenu(before, m)) if before is not None else menu.addMenu
        add_sep = (lambda: menu.insertSeparator(before)) if before is not None else \
            menu.addSeparator
        if menu.actions() and menu.actions()[0] is not before:
            add_sep()
        for a in (self.open_action, self.save_action, self.save_as_action):
            add(a)
        add_menu(self.examples_menu)
        add_sep()
        add_menu(self.export_menu)

    # ------------------------------------------------------------------ scenarios
    def _error(self, title, message):
        QtWidgets.QMessageBox.warning(self.window, title, message)

    def _status(self, text, ms=5000):
        self.window.statusBar().showMessage(text, ms)

    def open(self):
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Open scenario", self.path or _last_dir(self.window), "Scenarios (*.json)")
        if path:
            self.open_path(path)

    def open_path(self, path, remember=True) -> bool:
        """Load and show a scenario; on any problem say so and change nothing."""
        try:
            sc = load_scenario(path)
        except ScenarioError as e:
            self._error("Cannot open scenario", str(e))
            return False
        if not self.apply(sc):
            return False
        if remember:
            self.path = os.path.abspath(path)
            _remember_dir(self.window, path)
        self.meta = (sc.title, sc.description)
        self._status(f"Opened {path}" + (f" — {sc.title}" if sc.title else ""))
        return True

    def open_example(self, name) -> bool:
        ok = self.open_path(example_path(name), remember=False)
        if ok:
            self.path = None  # Save must not write into the installed package
        return ok

    def apply(self, sc) -> bool:
        w = self.window
        try:
            apply_scenario(w.model, sc)
        except (ScenarioError, ValueError) as e:
            self._error("Cannot open scenario", str(e))
            return False
        for v in views3d(w) + ([w.view3d] if w.view3d is not None else []):
            if sc.camera is not None:
                v.set_camera_state(camera_dict(sc.camera))
        advance_to(w.model, w.engine, sc.steps, final_max_steps=w.model.max_steps)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = self.path or os.path.join(_last_dir(self.window), self.window.model.surface_name + ".json")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save scenario", start,
                                                        "Scenarios (*.json)")
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        return self.save_to(path)

    def save_to(self, path) -> bool:
        try:
            sc = window_scenario(self.window, *self.meta)
            save_scenario(sc, path)
        except (ScenarioError, OSError, ValueError) as e:
            self._error("Cannot save scenario", _one_line(e, path))
            return False
        self.path = os.path.abspath(path)
        _remember_dir(self.window, path)
        self._status(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ export
    def export(self, kind=None):
        """The Export dialog, showing the last export's folder and options; OK exports."""
        dlg = ExportDialog(self.window, kind or "png3d")
        if dlg.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        opts = dlg.options()
        remember_options(self.window, opts)
        return self.export_with_progress(opts)

    def export_now(self, kind, path, size=None):
        """Export without the dialog, with the last export's options (and ``size`` if given);
        returns the path written or None."""
        opts = dict(remembered_options(self.window), kind=kind, path=path)
        if size is not None:
            opts["size"] = tuple(size)
        opts.setdefault("frames", None)
        return self.export_with_progress(opts)

    def export_with_progress(self, opts):
        """Run an export with a cancellable progress dialog; returns the path or None."""
        w = self.window
        was_playing = w.model.playing
        w.model.set_playing(False)  # the frames replay the runs; the live ones wait
        prog = QtWidgets.QProgressDialog("Exporting…", "Cancel", 0, 100, w)
        prog.setWindowTitle("Export")
        prog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        prog.setMinimumDuration(300)

        def progress(done, total):
            prog.setMaximum(max(total, 1))
            prog.setValue(done)
            prog.setLabelText(f"Exporting {os.path.basename(opts['path'])}: {done} of {total}")
            QtWidgets.QApplication.processEvents()
            return not prog.wasCanceled()

        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            path = run_export(w, opts, progress=progress)
        except Cancelled:
            self._status("Export cancelled; nothing was written")
            return None
        except (render.RenderError, ScenarioError, OSError, ValueError) as e:
            self._error("Export failed", _one_line(e, opts.get("path")))
            return None
        except MemoryError:
            self._error("Export failed", "Out of memory: try a smaller size or fewer frames.")
            return None
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
            prog.close()
            w.model.set_playing(was_playing)
        _remember_dir(self.window, path)
        self._status(f"Exported {path}")
        return path


def _one_line(e, path=None) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.filename or path}: {e.strerror}"
    return " ".join(str(e).split())


def install_file_actions(window) -> FileActions:
    """Add Open / Save / Save As / Examples / Export to ``window.file_menu``."""
    fa = FileActions(window)
    window.file_actions = fa
    return fa
