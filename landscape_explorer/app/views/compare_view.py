"""Two different surfaces side by side, the same runs on both: the split view for comparisons
such as a network with and without skip connections (the "Skip connections" preset).

Split view (split_view.py) shows one tile per run, all on the model's surface. Here the left tile
is the model's surface and the right one a second surface, held by a *mirror* model: a second
AppModel whose runs, start, speed and playback follow the main model's, with its own RunEngine.
Each tile's header says which surface it is and the numbers measured on it.
"""
from __future__ import annotations

from dataclasses import fields

from PyQt6 import QtCore, QtWidgets

from landscape_explorer.core.scenario import RunConfig

from ..model import AppModel
from ..runs import RunEngine
from .lifetime import Subscriptions
from .view3d import BACKGROUND, SurfaceView3D


def _settings(run) -> dict:
    return {f.name: getattr(run, f.name) for f in fields(RunConfig)}


class MirrorModel(AppModel):
    """An AppModel over ``surface`` whose runs and playback follow ``main``'s."""

    def __init__(self, main: AppModel, surface, parent=None):
        super().__init__(parent=parent)
        self.main = main
        self.set_resolution(main.resolution)
        self.set_surface_object(surface, start=main.start)
        self._ids: dict[int, int] = {}  # main run id -> mirror run id
        self.subscriptions = subs = Subscriptions(self)
        subs.connect(main.runsChanged, self.follow_runs)
        subs.connect(main.runChanged, self.follow_run)
        subs.connect(main.startChanged, lambda p: self.set_start(p))
        subs.connect(main.resetRequested, self.request_reset)
        subs.connect(main.speedChanged, self.set_speed)
        subs.connect(main.maxStepsChanged, self.set_max_steps)
        subs.connect(main.restartOnEditChanged, self.set_restart_on_edit)
        subs.connect(main.resolutionChanged, self.set_resolution)
        subs.connect(main.appearanceChanged, self.follow_appearance)
        subs.connect(main.playingChanged, self.set_playing)
        self.set_speed(main.speed)
        self.set_max_steps(main.max_steps)
        self.set_restart_on_edit(main.restart_on_edit)
        self.follow_appearance()
        self.follow_runs()
        self.set_playing(main.playing)

    def follow_appearance(self):
        self.set_colormap(self.main.colormap)
        self.set_wireframe(self.main.wireframe)

    def follow_runs(self):
        self.clear_runs()
        self._ids = {}
        for r in self.main.runs:
            self._ids[r.id] = self.add_run(**_settings(r)).id

    def follow_run(self, main_id: int):
        if main_id in self._ids:
            self.update_run(self._ids[main_id], **_settings(self.main.run(main_id)))

    def mirror_id(self, main_id: int) -> int:
        return self._ids[main_id]


class CompareTile(QtWidgets.QWidget):
    """A 3D view under a header naming its surface and its numbers."""

    def __init__(self, model, engine, header: str, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.header = QtWidgets.QLabel(header)
        self.header.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setStyleSheet("padding: 3px 6px; color: #e8e8e8; background: rgb%s;"
                                  % (BACKGROUND,))
        self.view = SurfaceView3D(model, engine)
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)


class CompareView(QtWidgets.QWidget):
    """Left: the main model's surface; right: ``other`` (a surface), the same runs on both.
    ``headers``: the two tiles' header texts (rich text)."""

    def __init__(self, model: AppModel, engine: RunEngine, other, headers: tuple[str, str],
                 parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.left_surface = model.surface
        self.mirror = MirrorModel(model, other, parent=self)
        self.mirror_engine = RunEngine(self.mirror, self)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.tiles = [CompareTile(model, engine, headers[0]),
                      CompareTile(self.mirror, self.mirror_engine, headers[1])]
        for t in self.tiles:
            lay.addWidget(t, 1)

    def shows_model_surface(self) -> bool:
        """False once the main model moved to another surface: the comparison is over."""
        return self.model.surface is self.left_surface

    def close_down(self):
        self.mirror.set_playing(False)
        self.mirror_engine.timer.stop()
        self.mirror.subscriptions.disconnect_all()
