"""File › Open / Save / Save As / Examples / Export for the main window.

``install_file_actions(window)`` adds them to ``window.file_menu`` (above
``window.file_menu_end``) and returns the ``FileActions`` object that holds them. Exports go
through the Export dialog (dialog) and are made by from_window, with a cancellable progress
dialog.
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
from .dialog import ExportDialog, last_dir, remember_dir, remember_options, remembered_options
from .from_window import KINDS, run_export, views3d, window_scenario
from .progress import cancellable_progress
from ..scenario_io import advance_to, apply_scenario, camera_dict

log = logging.getLogger(__name__)


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
            self.window, "Open scenario", self.path or last_dir(self.window), "Scenarios (*.json)")
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
            remember_dir(self.window, path)
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
        start = self.path or os.path.join(last_dir(self.window), self.window.model.file_stem + ".json")
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
        remember_dir(self.window, path)
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
        name = os.path.basename(opts["path"])
        prog, progress = cancellable_progress(
            w, "Export", "Exporting…",
            label=lambda done, total: f"Exporting {name}: {done} of {total}")

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
        remember_dir(self.window, path)
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
