"""The Export dialog: what to export, at which size, with which options, and where. It opens
with the last export's folder, size and options (kept in the window's QSettings)."""
from __future__ import annotations

import os

from PyQt6 import QtCore, QtWidgets

from . import render
from .from_window import KINDS, SIZE_PRESETS, current_step


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
            name = self.window_.model.file_stem  # a typed formula may hold / or *
            p = os.path.join(last_dir(self.window_), name + ("_trajectories" if k in ("csv", "json") else "")
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


def settings_of(window):
    s = getattr(window, "settings", None)
    return s if isinstance(s, QtCore.QSettings) else QtCore.QSettings("landscape-explorer",
                                                                      "landscape-explorer")


def last_dir(window) -> str:
    d = settings_of(window).value("export/last_dir")
    return d if isinstance(d, str) and os.path.isdir(d) else os.path.expanduser("~")


def remember_dir(window, path):
    settings_of(window).setValue("export/last_dir", os.path.dirname(os.path.abspath(path)))


REMEMBERED = ("size", "transparent", "legend", "fps")


def remembered_options(window) -> dict:
    """The options of the last export (size, transparency, legend, frame rate), or defaults."""
    s = settings_of(window)
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
    s = settings_of(window)
    size = opts.get("size")
    s.setValue("export/size", f"{size[0]}x{size[1]}" if size else "")
    for key in ("transparent", "legend"):
        s.setValue(f"export/{key}", bool(opts.get(key)))
    s.setValue("export/fps", int(opts.get("fps", render.DEFAULT_FPS)))
