"""Split mode: one 3D view per enabled run, in a grid, with their cameras kept in step."""
from __future__ import annotations

import math

from PyQt6 import QtCore, QtWidgets

from ..views.view3d import SurfaceView3D

MAX_SPLIT = 8  # more GL views than this would crowd the screen and slow software OpenGL


class SplitView(QtWidgets.QWidget):
    def __init__(self, model, engine, parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.views: dict[int, SurfaceView3D] = {}
        self._cells: list[QtWidgets.QWidget] = []
        self._syncing = False
        self.grid = QtWidgets.QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        model.runsChanged.connect(self.rebuild)
        model.runChanged.connect(self._on_run_changed)
        self.rebuild()

    def _wanted(self):
        return [r for r in self.model.runs if r.enabled][:MAX_SPLIT]

    def _on_run_changed(self, rid):
        wanted = [r.id for r in self._wanted()]
        if sorted(wanted) != sorted(self.views):
            self.rebuild()
        else:
            for cell in self._cells:
                if cell.run_id == rid:
                    self._style_header(cell.header, self.model.run(rid))

    def _style_header(self, label, spec):
        label.setText(f"● {spec.name}")
        label.setStyleSheet(f"color: {spec.color}; font-weight: bold; padding: 2px 6px;"
                            "background: #202228;")

    def rebuild(self):
        wanted = self._wanted()
        if [r.id for r in wanted] == list(self.views) and self._cells:
            for cell, spec in zip(self._cells, wanted):
                self._style_header(cell.header, spec)
            return
        camera = next(iter(self.views.values())).camera_state() if self.views else None
        for cell in self._cells:
            self.grid.removeWidget(cell)
            if cell.view is not None:
                cell.view.cameraChanged.disconnect()
            cell.deleteLater()
        self._cells = []
        self.views = {}
        n = len(wanted)
        cols = max(1, math.ceil(math.sqrt(n))) if n != 2 else 2
        for i, spec in enumerate(wanted):
            cell = QtWidgets.QWidget()
            v = QtWidgets.QVBoxLayout(cell)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(0)
            cell.header = QtWidgets.QLabel()
            self._style_header(cell.header, spec)
            cell.view = SurfaceView3D(self.model, self.engine, run_filter={spec.id})
            if camera is not None:
                cell.view.set_camera_state(camera)
            cell.view.cameraChanged.connect(
                lambda view=cell.view: self._sync_cameras(view))
            cell.run_id = spec.id
            v.addWidget(cell.header)
            v.addWidget(cell.view, 1)
            self.grid.addWidget(cell, i // cols, i % cols)
            self._cells.append(cell)
            self.views[spec.id] = cell.view
        if not wanted:
            cell = QtWidgets.QLabel("No enabled runs to show")
            cell.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            cell.view = None
            cell.run_id = None
            self.grid.addWidget(cell, 0, 0)
            self._cells.append(cell)

    def _sync_cameras(self, source):
        if self._syncing:
            return
        self._syncing = True
        try:
            cam = source.camera_state()
            for view in self.views.values():
                if view is not source:
                    view.set_camera_state(cam)
        finally:
            self._syncing = False
