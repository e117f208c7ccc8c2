"""Split mode: one 3D view per enabled run, in a grid, with their cameras kept in step. Each
tile's label shows its run's name and current verdict."""
from __future__ import annotations

import math

from PyQt6 import QtCore, QtWidgets

from landscape_explorer.core.critical import has_cached_critical_points
from landscape_explorer.core.verdicts import verdicts

from ..verdict_style import verdict_style
from .lifetime import Subscriptions
from .view3d import BACKGROUND, SurfaceView3D

TILE_ASPECT = 1.5  # width / height that shows a framed surface best
MAX_SPLIT = 8  # more GL views than this would crowd the screen and slow software OpenGL
VERDICT_INTERVAL_MS = 400  # verdicts in the tile labels are refreshed at most this often


def run_verdict(engine, model, run_id):
    """The verdict kind and text of a run now ('not_started' at step 0), or None while the
    surface's critical points are not known yet (the verdicts need them)."""
    try:
        st = engine.stepper(run_id)
    except KeyError:
        return None
    if st.step == 0:
        return "not_started", ""
    if not has_cached_critical_points(model.surface):
        return None
    v = verdicts(st)[0]
    return v.kind, v.detail


def grid_shape(n: int, width: int, height: int) -> tuple[int, int]:
    """(rows, columns) for n tiles in a width x height area, with tiles as close to the shape of
    a framed surface as the area allows (two runs side by side when wide, stacked when tall)."""
    if n <= 1:
        return 1, 1
    best = None
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        aspect = (width / cols) / max(height / rows, 1)
        score = abs(math.log(max(aspect, 1e-6) / TILE_ASPECT)) + 0.05 * (rows * cols - n)
        if best is None or score < best[0]:
            best = (score, rows, cols)
    return best[1], best[2]


class SplitTile(QtWidgets.QWidget):
    """One run's 3D view under a label with its name and verdict."""

    def __init__(self, model, engine, spec, parent=None):
        super().__init__(parent)
        self.run_id = spec.id
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.header = QtWidgets.QLabel()
        self.header.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.header.setStyleSheet("padding: 2px 6px; background: rgb%s;" % (BACKGROUND,))
        self.view = SurfaceView3D(model, engine, run_filter={spec.id})
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)
        self.spec = spec
        self.verdict = None
        self.show_label()

    def set_spec(self, spec):
        self.spec = spec
        self.show_label()

    def set_verdict(self, verdict):
        if verdict != self.verdict:
            self.verdict = verdict
            self.show_label()

    def show_label(self):
        spec = self.spec
        text = (f"<span style='color:{spec.color}; font-weight:bold'>● "
                f"{_escape(spec.name)}</span>")
        if self.verdict is not None:
            kind, detail = self.verdict
            st = verdict_style(kind)
            text += (f"&nbsp;&nbsp;<span style='color:{st.color}; font-weight:bold'>{st.icon} "
                     f"{st.label}</span>")
            self.header.setToolTip(detail)
        self.header.setText(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SplitView(QtWidgets.QWidget):
    def __init__(self, model, engine, parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.views: dict[int, SurfaceView3D] = {}
        self.tiles: list[SplitTile] = []
        self._placeholder = None
        self._shape = None
        self._syncing = False
        self.grid = QtWidgets.QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        # Verdicts cost a critical-point lookup per run: refreshed on a timer, not every step.
        self._verdict_timer = QtCore.QTimer(self)
        self._verdict_timer.setSingleShot(True)
        self._verdict_timer.setInterval(VERDICT_INTERVAL_MS)
        self._verdict_timer.timeout.connect(self.refresh_verdicts)
        self.subscriptions = subs = Subscriptions(self)
        subs.connect(model.runsChanged, self.rebuild)
        subs.connect(model.runChanged, self._on_run_changed)
        subs.connect(engine.stepped, self._schedule_verdicts)
        subs.connect(engine.restarted, self.refresh_verdicts)
        self.rebuild()

    def _wanted(self):
        return [r for r in self.model.runs if r.enabled][:MAX_SPLIT]

    def _on_run_changed(self, rid):
        wanted = [r.id for r in self._wanted()]
        if sorted(wanted) != sorted(self.views):
            self.rebuild()
            return
        for tile in self.tiles:
            if tile.run_id == rid:
                tile.set_spec(self.model.run(rid))
        self._schedule_verdicts()

    def _schedule_verdicts(self):
        if not self._verdict_timer.isActive():
            self._verdict_timer.start()

    def refresh_verdicts(self):
        for tile in self.tiles:
            tile.set_verdict(run_verdict(self.engine, self.model, tile.run_id))

    def share_camera(self, cam: dict):
        """Every tile looks from the direction of ``cam`` (a SurfaceView3D.camera_state() of a
        view of another shape), as close as fills the tile."""
        views = list(self.views.values())
        if not views:
            return
        self._syncing = True
        try:
            views[0].set_camera_state(cam)
            views[0].fit_to_view()
            fitted = views[0].camera_state()
            for view in views[1:]:
                view.set_camera_state(fitted)
            for view in views:
                view.fit_on_resize = True  # the tiles get their size later
        finally:
            self._syncing = False

    def rebuild(self):
        wanted = self._wanted()
        if [r.id for r in wanted] == list(self.views) and (self.tiles or not wanted):
            for tile, spec in zip(self.tiles, wanted):
                tile.set_spec(spec)
            if wanted or self._placeholder is not None:
                return
        views = [v for v in self.views.values() if v.camera_touched]
        camera = views[0].camera_state() if views else None
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.view.cameraChanged.disconnect()
            tile.deleteLater()  # its view disconnects from the model and engine as it goes
        if self._placeholder is not None:
            self.grid.removeWidget(self._placeholder)
            self._placeholder.deleteLater()
            self._placeholder = None
        self.tiles = []
        self.views = {}
        for spec in wanted:
            tile = SplitTile(self.model, self.engine, spec)
            if camera is not None:
                tile.view.set_camera_state(camera)
            tile.view.cameraChanged.connect(lambda view=tile.view: self._sync_cameras(view))
            self.tiles.append(tile)
            self.views[spec.id] = tile.view
        self._shape = None
        self._place_tiles()
        if not wanted:
            self._placeholder = QtWidgets.QLabel("No enabled runs to show")
            self._placeholder.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(self._placeholder, 0, 0)
        self.refresh_verdicts()

    def _place_tiles(self):
        shape = grid_shape(len(self.tiles), self.width(), self.height())
        if shape == self._shape:
            return
        self._shape = shape
        cols = shape[1]
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, i // cols, i % cols)

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._place_tiles()

    def _sync_cameras(self, source):
        if self._syncing or not source.camera_touched:
            return  # a tile framing itself for its size is not a camera move to share
        self._syncing = True
        try:
            cam = source.camera_state()
            for view in self.views.values():
                if view is not source:
                    view.set_camera_state(cam)
        finally:
            self._syncing = False
