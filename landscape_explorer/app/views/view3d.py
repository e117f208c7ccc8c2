"""The 3D landscape: a height-colored mesh, a trail and a ball per run, click to set the start.

Left-drag orbits, right/middle-drag pans, the wheel zooms (pyqtgraph's GLViewWidget); a click
that does not drag sets the start point under the cursor; Shift+drag moves the start point.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PyQt6 import QtCore, QtGui, QtOpenGL

from .camera import CameraMixin
from .geometry import Geometry, global_minima_in, path_to_exit
from .gl_items import GrowingLineItem, GrowingScatterItem
from .mesh import GridSurfaceItem
from .lifetime import Subscriptions
from ..palette import OUTLINE, START_MARKER, rgbf

log = logging.getLogger(__name__)

TRAIL_CAPACITY = 8192  # vertices per trail: buffers are allocated once at this size, rewritten
CLICK_SLOP_PX = 4  # a press and release closer than this is a click, not an orbit
TRAIL_PX = 3.5
BALL_PX = 15
BALL_OUTLINE_PX = 21
BACKGROUND = (32, 34, 40)
# Software OpenGL spends most of a frame on the mesh's triangles. So the mesh is drawn once per
# camera position into an offscreen buffer (color + depth) that later frames copy before drawing
# the moving parts; and while the user orbits, a lighter mesh stands in until the camera rests.
LOD_RESOLUTION = 90
LOD_SETTLE_S = 0.25

# A trail is its dark outline (a wide line) with the colored line over it. Both are depth-tested
# against the mesh; the colored line is drawn after the outline and a little nearer (its depth
# range ends a little before the outline's), so that it always wins over its own outline: at
# equal depth, a wide line's depth interpolation differs from a narrow one's, and a 4K picture's
# outline would bite into the line along one side. Polygon offset does not apply to lines.
_OUTLINE_GL = {GL.GL_DEPTH_TEST: True, GL.GL_BLEND: False, GL.GL_CULL_FACE: False,
               GL.GL_POLYGON_OFFSET_FILL: False, "glDepthFunc": (GL.GL_LESS,),
               "glDepthRange": (0.0, 0.99995)}
_LINE_GL = {GL.GL_DEPTH_TEST: True, GL.GL_BLEND: False, GL.GL_CULL_FACE: False,
            GL.GL_POLYGON_OFFSET_FILL: False, "glDepthFunc": (GL.GL_LEQUAL,),
            "glDepthRange": (0.0, 0.9999)}
# Balls are drawn over everything: a run hidden behind a hill must still be seen.
_BALL_GL = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: False, GL.GL_CULL_FACE: False}
# A trail's hidden parts: drawn without the depth test, blended, before the trail itself.
_GHOST_GL = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
             "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
GHOST_ALPHA = 0.45  # how strongly a trail shows through the hill in front of it
BALL_RING_STEP = 8  # px: a ball under another one in the same spot is this much larger
START_RING = 0.035  # the start ring's radius, as a fraction of the plotting area's width
MINIMUM_PX = BALL_OUTLINE_PX + 4
MINIMUM_COLOR = "#00E676"  # the global minimum's marker (as the analysis' critical points)


class SurfaceView3D(CameraMixin, gl.GLViewWidget):
    """Shows the model's surface and the engine's runs. ``run_filter`` (a set of run ids)
    limits it to some runs, for split mode."""

    cameraChanged = QtCore.pyqtSignal()

    def __init__(self, model, engine, run_filter=None, parent=None):
        super().__init__(parent)
        fmt = self.format()
        fmt.setDepthBufferSize(24)  # Qt's default format has none: the mesh would not occlude
        self.setFormat(fmt)
        self.model = model
        self.engine = engine
        self.run_filter = run_filter
        self.geometry_: Geometry | None = None
        self.setBackgroundColor(BACKGROUND)
        self.setMinimumSize(200, 160)
        self.opts["fov"] = 40
        self._press = None
        self._dragging_start = False
        # A camera shared from a view of another shape keeps its direction and is fitted to
        # this one's size until the user moves it.
        self.fit_on_resize = False
        self.fit_pictures = False  # pictures keep the camera's direction, fitted to their shape
        self._frame_size = None  # (w, h) that framing computes for, if not the widget's
        self._frame_top = 0.0  # and the fraction of its height kept free at the top
        self.camera_touched = False  # until the user moves the camera, resizes re-frame it

        self.mesh = GridSurfaceItem()
        self.addItem(self.mesh)
        self.lod_mesh = GridSurfaceItem()
        self.addItem(self.lod_mesh)
        self._layer = None  # which items drawItemTree draws (see _in_layer)
        self._scene_version = 0
        # Mesh layers drawn once per camera position: "screen" for the widget, "picture" for
        # offscreen pictures (another size); each {slot: (framebuffer, what it shows)}.
        self._mesh_layers: dict = {}
        self._export_fbo = None  # pictures' framebuffer, reused while the size stays
        self._export_pixels = None
        self.cache_enabled = True
        self.lod_enabled = True
        self._last_user_move = -1e9
        self._settle_timer = QtCore.QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(int(LOD_SETTLE_S * 1000) + 20)
        self._settle_timer.timeout.connect(self.update)
        self.wire = gl.GLLinePlotItem(mode="lines", color=(0, 0, 0, 0.35), width=1,
                                      glOptions="translucent")
        self.wire.setVisible(False)
        self.addItem(self.wire)
        self._trails: dict[int, tuple] = {}  # run id -> (outline item, color item, ball outline, ball)
        self._drawn: dict[int, tuple] = {}
        self.start_outline = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=15,
                                                  color=rgbf(OUTLINE), glOptions=_BALL_GL)
        self.start_marker = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=10,
                                                 color=rgbf(START_MARKER), glOptions=_BALL_GL)
        # A white ring on the ground around the start, drawn over the balls: a ball sitting at
        # the start (not moved yet, or stuck there) does not hide where the runs began.
        self.start_ring_outline = gl.GLLinePlotItem(pos=np.zeros((2, 3)), width=5,
                                                    color=rgbf(OUTLINE), mode="line_strip",
                                                    glOptions=_BALL_GL)
        self.start_ring = gl.GLLinePlotItem(pos=np.zeros((2, 3)), width=2.5,
                                            color=rgbf(START_MARKER), mode="line_strip",
                                            glOptions=_BALL_GL)
        # The global minimum, under the balls: where the runs should end up.
        # A green ring a little larger than a ball: one sitting there shows the ring around it.
        self.minimum_outline = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=MINIMUM_PX + 4,
                                                    color=rgbf(OUTLINE), glOptions=_BALL_GL)
        self.minimum_marker = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=MINIMUM_PX,
                                                   color=rgbf(MINIMUM_COLOR), glOptions=_BALL_GL)
        self.minimum_hole = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=MINIMUM_PX - 8,
                                                 color=rgbf(OUTLINE), glOptions=_BALL_GL)
        for item, depth in ((self.minimum_outline, 8), (self.minimum_marker, 9),
                            (self.minimum_hole, 9.5),
                            (self.start_outline, 10), (self.start_marker, 11),
                            (self.start_ring_outline, 60), (self.start_ring, 61)):
            item.setDepthValue(depth)
            self.addItem(item)

        self.cameraChanged.connect(self.layout_balls)
        # Broken when this view is destroyed: the model and the engine outlive split views.
        self.subscriptions = subs = Subscriptions(self)
        for sig in (model.surfaceChanged, model.boundsChanged, model.resolutionChanged):
            subs.connect(sig, self.rebuild)
        subs.connect(model.appearanceChanged, self.apply_appearance)
        subs.connect(model.startChanged, self._update_start)
        subs.connect(model.runsChanged, self._sync_runs)
        subs.connect(model.runChanged, self._on_run_changed)
        subs.connect(engine.stepped, self.refresh_runs)
        subs.connect(engine.restarted, self.refresh_runs)
        self.rebuild()
        self.fan = RepeatFan3D(self)

    # ------------------------------------------------------------------ scene
    def rebuild(self, *_):
        """New surface, bounds or resolution: sample the mesh once and frame the camera."""
        m = self.model
        self.geometry_ = geo = Geometry.of(m.surface, m.bounds, m.resolution, m.z_mode)
        colors = geo.colors(m.colormap)
        self.mesh.set_grid(geo.xs, geo.ys, geo.z_grid, colors, geo.defined)
        self._set_lod_mesh(colors)
        self._update_wire()
        self.frame_camera()
        self._update_start()
        self._update_minimum()
        self._sync_runs()

    def _on_run_changed(self, _run_id):
        self._sync_runs()

    def apply_appearance(self):
        """Color the mesh from the model's colormap and height mode (also what takes an
        overlay's colors, such as a basins map, off the mesh)."""
        m, geo = self.model, self.geometry_
        if geo is None or m.z_mode not in ("auto", geo.z_mode) or (
                m.z_mode == "auto" and Geometry(m.surface, m.bounds, 24, "auto").z_mode != geo.z_mode):
            self.rebuild()
            return
        colors = geo.colors(m.colormap)
        self.mesh.set_colors(colors)
        self._set_lod_mesh(colors)
        self._update_wire()

    def set_mesh_colors(self, colors: np.ndarray):
        """Color the mesh (and its coarse stand-in used while the camera moves) with (nx, ny, 4)
        float colors on the current grid: an overlay such as a basins map. apply_appearance()
        puts the height colors back."""
        self.mesh.set_colors(colors)
        n = colors.shape[0]
        idx = np.unique(np.linspace(0, n - 1, min(n, LOD_RESOLUTION)).astype(np.intp))
        self.lod_mesh.set_colors(colors[np.ix_(idx, idx)])
        self._scene_version += 1  # the cached mesh layer is stale
        self.update()

    def _set_lod_mesh(self, full_colors):
        """Every k-th vertex of the full mesh: the same heights and colors, fewer triangles."""
        geo = self.geometry_
        n = len(geo.xs)
        idx = np.unique(np.linspace(0, n - 1, min(n, LOD_RESOLUTION)).astype(np.intp))
        colors = full_colors[np.ix_(idx, idx)]
        self.lod_mesh.set_grid(geo.xs[idx], geo.ys[idx], geo.z_grid[np.ix_(idx, idx)], colors,
                               geo.defined[np.ix_(idx, idx)])
        self._scene_version += 1

    def _update_wire(self):
        self._scene_version += 1
        geo = self.geometry_
        self.wire.setVisible(self.model.wireframe)
        if not self.model.wireframe:
            return
        n = len(geo.xs)
        idx = np.unique(np.linspace(0, n - 1, min(n, 33)).astype(int))
        z = geo.z_grid + geo.lift * 0.5
        segs = []

        def pairs(pts, ok):
            # Segments (point k, point k+1), those with both ends where the surface exists.
            keep = np.repeat(ok[:-1] & ok[1:], 2)
            return np.repeat(pts, 2, axis=0)[1:-1][keep]

        for i in idx:  # lines of constant x, then of constant y
            pts = np.column_stack([np.full(n, geo.xs[i]), geo.ys, z[i, :]])
            segs.append(pairs(pts, geo.defined[i, :]))
            pts = np.column_stack([geo.xs, np.full(n, geo.ys[i]), z[:, i]])
            segs.append(pairs(pts, geo.defined[:, i]))
        self.wire.setData(pos=np.concatenate(segs).astype(np.float32))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        if self.geometry_ is None:
            return
        if not self.camera_touched:
            self.frame_camera()
        elif self.fit_on_resize:
            self.fit_to_view()

    def _update_start(self, *_):
        geo = self.geometry_
        xy = geo.clip_xy(np.array([self.model.start]))
        pos = np.array([[xy[0, 0], xy[0, 1], geo.z_on_mesh(xy)[0] + geo.lift]], dtype=np.float32)
        pos = np.nan_to_num(pos)
        self.start_outline.setData(pos=pos)
        self.start_marker.setData(pos=pos)
        (x0, x1), (y0, y1) = geo.bounds
        a = np.linspace(0, 2 * np.pi, 33)
        r = START_RING * max(x1 - x0, y1 - y0)
        ring = geo.clip_xy(xy[0] + r * np.column_stack([np.cos(a), np.sin(a)]))
        verts = np.column_stack([ring, geo.z_on_mesh(ring) + geo.lift]).astype(np.float32)
        verts = np.nan_to_num(verts)
        self.start_ring_outline.setData(pos=verts)
        self.start_ring.setData(pos=verts)

    def _update_minimum(self):
        geo = self.geometry_
        xy = global_minima_in(self.model.surface, geo.bounds)
        shown = len(xy) > 0
        for item in (self.minimum_outline, self.minimum_marker, self.minimum_hole):
            item.setVisible(shown)
        if shown:
            pos = np.nan_to_num(np.column_stack([xy, geo.z_on_mesh(xy) + geo.lift])
                                .astype(np.float32))
            for item in (self.minimum_outline, self.minimum_marker, self.minimum_hole):
                item.setData(pos=pos)

    def _visible_runs(self):
        return [r for r in self.model.runs if r.enabled
                and (self.run_filter is None or r.id in self.run_filter)]

    def _sync_runs(self):
        wanted = {r.id: r for r in self._visible_runs()}
        for rid in list(self._trails):
            if rid not in wanted:
                for item in self._trails.pop(rid):
                    self.removeItem(item)
        for rid, spec in wanted.items():
            if rid not in self._trails:
                zeros = np.zeros((1, 3), dtype=np.float32)
                # Where a hill hides the trail, a dimmed copy drawn without the depth test
                # shows it through the surface; where it is in sight the full color covers it.
                ghost = GrowingLineItem(TRAIL_CAPACITY, pos=zeros, width=TRAIL_PX,
                                        glOptions=_GHOST_GL, mode="line_strip")
                # Smooth lines: Mesa widens aliased wide lines to one side of the path, which
                # leaves a thick outline on one side only; antialiased ones are centered.
                under = GrowingLineItem(TRAIL_CAPACITY, pos=zeros, width=TRAIL_PX + 3,
                                        color=rgbf(OUTLINE), glOptions=_OUTLINE_GL,
                                        mode="line_strip", antialias=True)
                line = GrowingLineItem(TRAIL_CAPACITY, pos=zeros, width=TRAIL_PX,
                                       glOptions=_LINE_GL, mode="line_strip", antialias=True)
                # Smooth lines fade at their ends: round dots at the vertices join the pieces.
                joints = GrowingScatterItem(TRAIL_CAPACITY, pos=zeros, size=TRAIL_PX,
                                            glOptions=_LINE_GL)
                ball_under = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=BALL_OUTLINE_PX,
                                                  color=rgbf(OUTLINE), glOptions=_BALL_GL)
                ball = gl.GLScatterPlotItem(pos=np.zeros((1, 3)), size=BALL_PX,
                                            glOptions=_BALL_GL)
                # The outline first, the colored line over it (see _LINE_GL). Balls come last,
                # over everything.
                for item, depth in ((ghost, 0.5), (under, 1), (line, 2), (joints, 2.5),
                                    (ball_under, 20), (ball, 21)):
                    item.setDepthValue(depth)
                    self.addItem(item)
                self._trails[rid] = (under, line, ball_under, ball, ghost, joints)
            _, line, _, ball, ghost, joints = self._trails[rid]
            line.setData(color=rgbf(spec.color))
            joints.setData(color=rgbf(spec.color))
            ball.setData(color=rgbf(spec.color))
            ghost.setData(color=rgbf(spec.color, GHOST_ALPHA))
        order = [r.id for r in self._visible_runs()]
        for i, rid in enumerate(order):  # balls of later runs are drawn over earlier ones
            self._trails[rid][2].setDepthValue(20 + 2 * i)
            self._trails[rid][3].setDepthValue(21 + 2 * i)
        self._drawn = {}
        self.refresh_runs()

    def run_ids(self) -> list:
        """The runs this view draws."""
        return list(self._trails)

    def trail_items(self, run_id) -> dict:
        """The GL items of a run: 'outline', 'line', 'ghost', 'joints' (trail), 'ball_outline',
        'ball'."""
        under, line, ball_under, ball, ghost, joints = self._trails[run_id]
        return {"outline": under, "line": line, "ghost": ghost, "joints": joints,
                "ball_outline": ball_under, "ball": ball}

    def marker_items(self) -> list:
        """The start marker's and global minimum's GL items (pictures may hide them)."""
        return [self.start_outline, self.start_marker, self.start_ring_outline, self.start_ring,
                self.minimum_outline, self.minimum_marker, self.minimum_hole]

    def _run_diverged(self, rid) -> bool:
        try:
            return str(self.engine.stepper(rid).status[0]) == "diverged"
        except KeyError:
            return False

    def refresh_runs(self):
        geo = self.geometry_
        if geo is None:
            return
        moved = False
        for rid, (under, line, ball_under, ball, ghost, joints) in self._trails.items():
            try:
                key = (self.engine.draw_key(rid), id(geo))
                if self._drawn.get(rid) == key:
                    continue  # this run has not moved since the last draw
                _, path, _ = self.engine.history(rid)
            except KeyError:
                continue
            self._drawn[rid] = key
            if self._run_diverged(rid):
                path = path_to_exit(path, geo.bounds)  # drawn to the edge, its ball there
            verts = geo.trail_points(path, TRAIL_CAPACITY)
            for item in (under, line, ghost):
                item.setData(pos=verts)
            joints.setData(pos=geo.trail_corners(verts))
            head = verts[-1:].copy()
            ball_under.setData(pos=head)
            ball.setData(pos=head)
            moved = True
        if moved:
            self.layout_balls()

    def layout_balls(self):
        """Balls that land on the same spot on screen (runs that reached the same minimum, or
        have not moved from the start) are drawn as concentric rings, the earliest run outermost,
        so that none hides another."""
        order = [rid for rid in (r.id for r in self._visible_runs()) if rid in self._trails]
        if not order:
            return
        heads = np.array([self._trails[rid][3].pos[0] for rid in order], dtype=np.float64)
        h = np.column_stack([heads, np.ones(len(heads))]) @ self._mvp().T
        with np.errstate(all="ignore"):
            px = h[:, :2] / h[:, 3:4] * 0.5 * np.array([self.width(), self.height()])
        px = np.nan_to_num(px, nan=1e9, posinf=1e9, neginf=-1e9)
        near = np.hypot(px[:, None, 0] - px[None, :, 0], px[:, None, 1] - px[None, :, 1]) \
            < BALL_PX
        for i, rid in enumerate(order):
            later = int(near[i, i + 1:].sum())  # balls drawn over this one, in the same spot
            covered = bool(near[i, :i].any())  # it lies inside an earlier, larger ball
            size = BALL_PX + BALL_RING_STEP * later
            ball_under, ball = self._trails[rid][2:4]
            ball.setData(size=size)
            ball_under.setData(size=size + (2 if covered else BALL_OUTLINE_PX - BALL_PX))

    def _user_moved(self):
        self.camera_touched = True
        self.fit_on_resize = False
        self._last_user_move = time.perf_counter()
        self._settle_timer.start()

    def orbit(self, azim, elev):
        super().orbit(azim, elev)
        self._user_moved()
        self.cameraChanged.emit()

    def pan(self, dx, dy, dz, relative="global"):
        super().pan(dx, dy, dz, relative)
        self._user_moved()
        self.cameraChanged.emit()

    def wheelEvent(self, ev):
        super().wheelEvent(ev)
        self._user_moved()
        self.cameraChanged.emit()

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, ev):
        super().mousePressEvent(ev)
        self._press = ev.position()
        self._dragging_start = (ev.button() == QtCore.Qt.MouseButton.LeftButton and
                                bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier))
        if self._dragging_start:
            self._set_start_at(ev.position())

    def mouseMoveEvent(self, ev):
        if self._dragging_start and ev.buttons() & QtCore.Qt.MouseButton.LeftButton:
            self._set_start_at(ev.position())
            self.mousePos = ev.position()
            return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev):
        super().mouseReleaseEvent(ev)
        if self._press is not None and not self._dragging_start and \
                ev.button() == QtCore.Qt.MouseButton.LeftButton:
            moved = (ev.position() - self._press).manhattanLength()
            if moved <= CLICK_SLOP_PX:
                self._set_start_at(ev.position())
        self._press = None
        self._dragging_start = False

    def _set_start_at(self, pos):
        xy = self.surface_point_at(pos.x(), pos.y())
        if xy is not None:
            self.model.set_start(xy)

    # ------------------------------------------------------------------ painting
    def _in_layer(self, item) -> bool:
        static = item is self.mesh or item is self.wire
        layer = self._layer
        if item is self.lod_mesh:
            return layer == "lod"
        if layer == "static":
            return static
        if layer == "dynamic":
            return not static
        if layer == "lod":
            return item is not self.mesh
        return True

    def drawItemTree(self, item=None, useItemNames=False):
        if item is not None:
            return super().drawItemTree(item, useItemNames)
        saved = self.items
        self.items = [x for x in saved if self._in_layer(x)]
        try:
            super().drawItemTree(None, useItemNames)
        finally:
            self.items = saved

    def initializeGL(self):
        super().initializeGL()
        # GL objects must die while their context is current: free the cache before the
        # context goes, not whenever Python collects it.
        self.context().aboutToBeDestroyed.connect(self._free_gl)

    def _free_gl(self):
        if self._mesh_layers or self._export_fbo is not None:
            self.makeCurrent()
            self._mesh_layers = {}  # QOpenGLFramebufferObject's destructor runs here
            self._export_fbo = self._export_pixels = None
            self.doneCurrent()

    def _camera_key(self):
        c = self.opts["center"]
        return (c.x(), c.y(), c.z(), self.opts["distance"], self.opts["elevation"],
                self.opts["azimuth"], self.opts["fov"])

    def paintGL(self):
        moving = self.lod_enabled and time.perf_counter() - self._last_user_move < LOD_SETTLE_S
        if moving:
            self._layer = "lod"
            try:
                return super().paintGL()
            finally:
                self._layer = None
        if not self.cache_enabled:
            return super().paintGL()
        try:
            self._paint_cached()
        except Exception:  # a driver without framebuffer blits: draw everything every frame
            log.exception("cached mesh drawing failed; drawing the full scene each frame")
            self.cache_enabled = False
            self._mesh_layers = {}
            self._layer = None
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.defaultFramebufferObject())
            super().paintGL()
        finally:
            self._layer = None

    def _paint_cached(self):
        self._paint_over_mesh_layer("screen", self.defaultFramebufferObject(),
                                    self.deviceWidth(), self.deviceHeight())

    def _paint_over_mesh_layer(self, slot: str, target: int, w: int, h: int):
        """Draw the scene into framebuffer ``target`` (w x h): the mesh and wireframe come
        from a layer drawn only when the camera, the scene or the size changed (copied with
        its depth), then the moving parts are drawn over it, depth-tested against the mesh."""
        region = (0, 0, w, h)
        key = (self._camera_key(), self._scene_version, w, h, self.opts["bgcolor"])
        fbo, shown = self._mesh_layers.get(slot, (None, None))
        if fbo is None or fbo.width() != w or fbo.height() != h:
            fbo = QtOpenGL.QOpenGLFramebufferObject(
                w, h, QtOpenGL.QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
            shown = None
        if key != shown:
            fbo.bind()
            GL.glViewport(0, 0, w, h)
            self._layer = "static"
            self.paint(region=region, viewport=region)  # clears, then mesh and wireframe
        self._mesh_layers[slot] = (fbo, key)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, fbo.handle())
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, target)
        GL.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h,
                             GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT, GL.GL_NEAREST)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, target)
        GL.glViewport(0, 0, w, h)
        # The moving parts, depth-tested against the copied mesh depth; no clear.
        self._layer = "dynamic"
        try:
            self.setProjection(region, region)
            self.setModelview()
            self.drawItemTree()
        finally:
            self._layer = None

    # ------------------------------------------------------------------ images
    def picture_framebuffer(self, w: int, h: int):
        """The framebuffer pictures are rendered into, made once per size and reused: a video
        renders every frame into the same one. None if this driver cannot make one that large."""
        fbo = self._export_fbo
        if fbo is not None and fbo.width() == w and fbo.height() == h:
            return fbo
        self._export_fbo = self._export_pixels = None
        limit = min(int(GL.glGetIntegerv(GL.GL_MAX_RENDERBUFFER_SIZE)),
                    int(GL.glGetIntegerv(GL.GL_MAX_TEXTURE_SIZE)),
                    *(int(v) for v in np.ravel(GL.glGetIntegerv(GL.GL_MAX_VIEWPORT_DIMS))))
        if max(w, h) > limit:
            return None
        fbo = QtOpenGL.QOpenGLFramebufferObject(
            w, h, QtOpenGL.QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
        if not fbo.isValid():
            return None
        self._export_fbo = fbo
        self._export_pixels = np.empty((h, w, 4), dtype=np.uint8)
        return fbo

    def render_array(self, width: int, height: int) -> np.ndarray:
        """(height, width, 4) BGRA uint8, rendered offscreen at any size.

        One pass into a framebuffer of exactly that size (pyqtgraph's renderToArray draws the
        whole scene once per 1024-pixel tile: six times for 1280x800 and twelve for 1080p);
        tiles only where the driver cannot make a framebuffer that large."""
        w, h = int(width), int(height)
        self.makeCurrent()
        fbo = self.picture_framebuffer(w, h)
        if fbo is None:
            arr = self.renderToArray((w, h))
            self.update()
            return arr
        try:
            fbo.bind()
            if not self._picture_over_mesh_layer(fbo, w, h):
                GL.glViewport(0, 0, w, h)
                self.paint(region=(0, 0, w, h), viewport=(0, 0, w, h))
            fbo.bind()
            GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
            GL.glReadPixels(0, 0, w, h, GL.GL_BGRA, GL.GL_UNSIGNED_BYTE, self._export_pixels)
        finally:
            fbo.release()
        self.update()
        return self._export_pixels[::-1].copy()  # GL rows run bottom-up

    def _picture_over_mesh_layer(self, fbo, w, h) -> bool:
        """Draw a picture over the cached mesh layer (an animation's frames share one camera:
        the mesh, most of the work, is drawn once); False where that is not possible."""
        if not self.cache_enabled:
            return False
        try:
            self._paint_over_mesh_layer("picture", fbo.handle(), w, h)
            return True
        except Exception:  # a driver without framebuffer blits: draw everything
            log.exception("cached mesh drawing failed; drawing the full scene each frame")
            self.cache_enabled = False
            self._mesh_layers = {}
            self._layer = None
            return False

    def render_image(self, width: int, height: int) -> QtGui.QImage:
        arr = self.render_array(width, height)
        h, w = arr.shape[:2]
        # Format_ARGB32 is stored B, G, R, A in memory on little-endian machines: BGRA as is.
        img = QtGui.QImage(arr.data, w, h, 4 * w, QtGui.QImage.Format.Format_ARGB32)
        return img.copy()


# A repeated noisy run's other seeds: thin translucent lines on the surface, depth-tested,
# drawn before the run's own trail (depth values below it) so the trail stays on top.
_FAN_GL = {GL.GL_DEPTH_TEST: True, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
           "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
           "glDepthFunc": (GL.GL_LEQUAL,), "glDepthRange": (0.0, 0.99995)}
FAN_ALPHA = 0.35
FAN_PX = 1.5
FAN_CAPACITY = 2048  # vertices per repeat's line, fixed (buffers rewritten, not resized)


class RepeatFan3D:
    """The paths of each repeated run's other seeds (RunEngine.set_repeats) as faint lines on
    the surface, behind the run's own trail: one line item per repeat."""

    def __init__(self, view: SurfaceView3D):
        self.view = view
        self.engine = view.engine
        self.model = view.model
        self.items: dict[int, list] = {}
        self._drawn: dict[int, tuple] = {}
        subs = view.subscriptions
        for sig in (self.model.runsChanged, self.model.runChanged, self.engine.repeatsChanged):
            subs.connect(sig, self.sync)
        for sig in (self.engine.stepped, self.engine.restarted, self.model.surfaceChanged,
                    self.model.boundsChanged, self.model.appearanceChanged):
            subs.connect(sig, self.refresh)
        self.sync()

    def _wanted(self) -> dict:
        f = self.view.run_filter
        return {r.id: r for r in self.model.runs if r.enabled and (f is None or r.id in f)}

    def sync(self, *_):
        wanted = self._wanted()
        for rid in list(self.items):
            if rid not in wanted:
                for item in self.items.pop(rid):
                    self.view.removeItem(item)
        for rid in wanted:
            self.items.setdefault(rid, [])
        self._drawn = {}
        self.refresh()

    def refresh(self, *_):
        geo = self.view.geometry_
        if geo is None:
            return
        wanted = self._wanted()
        for rid, items in self.items.items():
            try:
                key = (self.engine.repeat_draw_key(rid), id(geo))
                if self._drawn.get(rid) == key:
                    continue
                _, paths, _ = self.engine.repeat_histories(rid)
            except KeyError:
                continue
            self._drawn[rid] = key
            extra = paths[1:]
            color = rgbf(wanted[rid].color, FAN_ALPHA) if rid in wanted else (1, 1, 1, FAN_ALPHA)
            while len(items) < len(extra):
                item = gl.GLLinePlotItem(pos=np.zeros((FAN_CAPACITY, 3), dtype=np.float32),
                                         width=FAN_PX, glOptions=_FAN_GL, mode="line_strip",
                                         antialias=True)
                item.setDepthValue(0.8)  # after the ghosts, before the trails' outlines
                self.view.addItem(item)
                items.append(item)
            while len(items) > len(extra):
                self.view.removeItem(items.pop())
            for item, path in zip(items, extra):
                item.setData(pos=geo.trail_vertices(path_to_exit(path, geo.bounds),
                                                    FAN_CAPACITY), color=color)


def opengl_available() -> tuple[bool, str]:
    """Whether an OpenGL >= 2.1 context can be made here, and why not."""
    import os

    if os.environ.get("LANDSCAPE_EXPLORER_NO_GL"):
        return False, "3D view turned off by LANDSCAPE_EXPLORER_NO_GL."
    try:
        from PyQt6 import QtGui as G

        # With shared contexts (prepare_qt) Qt has already made one: no need for a probe.
        shared = G.QOpenGLContext.globalShareContext()
        if shared is not None and shared.isValid():
            version = shared.format().version()
            if shared.isOpenGLES() or tuple(version) >= (2, 1):
                return True, ""

        ctx = G.QOpenGLContext()
        if not ctx.create():
            return False, "No OpenGL context could be created on this display."
        surf = G.QOffscreenSurface()
        surf.setFormat(ctx.format())
        surf.create()
        if not surf.isValid() or not ctx.makeCurrent(surf):
            return False, "An OpenGL context exists but cannot be made current."
        version = ctx.format().version()
        ctx.doneCurrent()
        if not ctx.isOpenGLES() and tuple(version) < (2, 1):
            return False, f"OpenGL {version[0]}.{version[1]} is too old (2.1 or newer needed)."
        return True, ""
    except Exception as e:  # pragma: no cover - depends on the machine
        return False, f"OpenGL failed to start: {e}"
