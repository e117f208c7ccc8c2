"""Where the 3D view looks from: framing the surface to fill the view (or a picture of another
shape), the camera's state, and the projection between the scene and widget pixels (ray casting
for clicks). A mixin of SurfaceView3D, which provides ``geometry_``, ``opts`` (pyqtgraph's
camera) and ``cameraChanged``."""
from __future__ import annotations

import math

import numpy as np
from PyQt6 import QtGui

FRAME_FILL = 0.92  # the framed surface reaches this fraction of the view's half-width/height


class CameraMixin:
    """Camera framing and projection for a pyqtgraph GLViewWidget showing a Geometry."""

    def init_camera(self):
        self.camera_touched = False  # until the user moves the camera, resizes re-frame it
        # A camera shared from a view of another shape keeps its direction and is fitted to
        # this one's size until the user moves it.
        self.fit_on_resize = False
        self.fit_pictures = False  # pictures keep the camera's direction, fitted to their shape
        self._frame_size = None  # (w, h) that framing computes for, if not the widget's
        self._frame_top = 0.0  # and the fraction of its height kept free at the top

    def frame_camera(self, size=None, top: float = 0.0):
        """Look at the whole surface from above a front corner, as close as the widget's shape
        (or ``size``, (width, height) of a picture) allows: the mesh's projection fills the view
        up to a small margin, centered; ``top``: a fraction of the height kept free at the top
        (a picture's legend)."""
        self._frame_size, self._frame_top = size, float(top)
        try:
            self._frame()
        finally:
            self._frame_size, self._frame_top = None, 0.0

    def _frame(self):
        geo = self.geometry_
        (x0, x1), (y0, y1) = geo.bounds
        self.opts["center"] = QtGui.QVector3D((x0 + x1) / 2, (y0 + y1) / 2, geo.height * 0.35)
        self.opts["elevation"], self.opts["azimuth"] = 38, -115
        self._fit()
        self.update()
        self.camera_touched = False
        self.cameraChanged.emit()

    def fit_to_view(self, size=None, top: float = 0.0):
        """Keep the viewing direction, and move the camera so that the surface fills the view
        (or a picture of ``size``): a camera shared from a view of another shape, such as the
        main view's in split mode, or a scenario's camera in a picture."""
        if self.geometry_ is None:
            return
        self._frame_size, self._frame_top = size, float(top)
        try:
            self._fit()
        finally:
            self._frame_size, self._frame_top = None, 0.0
        self.update()
        self.layout_balls()

    def _fit(self):
        # The fit depends only on the surface, the camera's direction and center, and the
        # picture's shape; an animation asks for the same one every frame, so the last few
        # answers are kept (the search below projects the outline a few hundred times).
        c, o = self.opts["center"], self.opts
        size = tuple(self._frame_size or (self.width(), self.height()))
        key = (self.geometry_, c.x(), c.y(), c.z(), o["elevation"], o["azimuth"], o["fov"],
               size, self._frame_top)
        memo = self.__dict__.setdefault("_fit_memo", {})
        if key in memo:
            center, o["distance"] = memo[key]
            o["center"] = QtGui.QVector3D(*center)
            return
        pts = self._outline_points()
        for _ in range(3):  # distance for the current center, then center the picture; twice
            o["distance"] = self._fitting_distance(pts)
            self._center_projection(pts)
        o["distance"] = self._fitting_distance(pts)
        if len(memo) >= 8:
            memo.clear()
        c = o["center"]
        memo[key] = ((c.x(), c.y(), c.z()), o["distance"])

    def _outline_points(self) -> np.ndarray:
        """Points of the mesh that bound its picture from any angle: its rim and a coarse grid."""
        geo = self.geometry_
        n = len(geo.xs)
        idx = np.unique(np.linspace(0, n - 1, min(n, 25)).astype(np.intp))
        gx, gy = np.meshgrid(geo.xs[idx], geo.ys[idx], indexing="ij")
        z = geo.z_grid[np.ix_(idx, idx)]
        return np.column_stack([gx.ravel(), gy.ravel(), z.ravel(), np.ones(z.size)])

    def _ndc(self, pts) -> np.ndarray:
        h = pts @ self._mvp().T
        with np.errstate(all="ignore"):
            return h[:, :2] / h[:, 3:4]

    def _fitting_distance(self, pts, fill: float = FRAME_FILL) -> float:
        """The camera distance at which the points' projection just fits within ``fill`` of
        the view (and below the kept-free top band), within [0.05, 50] x the surface's span.

        A closed form, not a search: in clip space a point's x and y do not depend on the
        distance (the frustum's scale is the field of view's) and its w, the depth in front of
        the camera, grows one for one as the camera backs away along its axis. So each point
        gives the least w, hence the least distance, at which it is inside; the fit is the
        largest of those. (A bisection took 24 projections of the outline a call, ~15 ms of a
        typed formula's redraw.)"""
        geo = self.geometry_
        span = max(geo.bounds[0][1] - geo.bounds[0][0], geo.bounds[1][1] - geo.bounds[1][0])
        lo, hi = 0.05 * span, 50.0 * span
        ceiling = fill - 2 * self._frame_top
        if ceiling <= 0:  # no room below the band: nothing fits, back off all the way
            return hi
        self.opts["distance"] = hi
        h = pts @ self._mvp().T
        hx, hy, w = h[:, 0], h[:, 1], h[:, 3]
        need = np.maximum.reduce([np.abs(hx) / fill, -hy / fill, hy / ceiling,
                                  np.full(len(w), 1e-9 * span)])  # and in front: w > 0
        d = hi + float(np.max(need - w))
        return float(min(max(d, lo), hi)) if math.isfinite(d) else hi

    def _center_projection(self, pts):
        """Move the look-at point so that the projection's bounding box is centered (below a
        kept-free top band)."""
        ndc = self._ndc(pts)
        cx = 0.5 * (ndc[:, 0].min() + ndc[:, 0].max())
        cy = 0.5 * (ndc[:, 1].min() + ndc[:, 1].max()) + self._frame_top
        c = self.opts["center"]
        mvp = self._mvp()
        h = mvp @ np.array([c.x(), c.y(), c.z(), 1.0])
        target = np.linalg.inv(mvp) @ np.array([cx * h[3], cy * h[3], h[2], h[3]])
        target = target[:3] / target[3]
        self.opts["center"] = QtGui.QVector3D(*(float(v) for v in target))

    def camera_state(self) -> dict:
        c = self.opts["center"]
        return {"center": (c.x(), c.y(), c.z()), "distance": self.opts["distance"],
                "elevation": self.opts["elevation"], "azimuth": self.opts["azimuth"],
                "fov": self.opts["fov"]}

    def set_camera_state(self, cam: dict, emit: bool = False):
        self.opts["center"] = QtGui.QVector3D(*cam["center"])
        for k in ("distance", "elevation", "azimuth", "fov"):
            self.opts[k] = cam[k]
        self._user_moved()  # a synced view moves with the one the user drags
        self.update()
        if emit:
            self.cameraChanged.emit()

    def _mvp(self) -> np.ndarray:
        w, h = self._frame_size or (self.width(), self.height())
        w, h = max(int(w), 1), max(int(h), 1)
        proj = self.projectionMatrix((0, 0, w, h), (0, 0, w, h))
        m = proj * self.viewMatrix()
        return np.array(m.data(), dtype=np.float64).reshape(4, 4).T  # QMatrix4x4 is column-major

    def mvp_matrix(self) -> np.ndarray:
        """(4, 4) projection × view matrix: scene coordinates to clip space (overlays)."""
        return self._mvp()

    def project(self, xyz) -> tuple[float, float]:
        """Widget pixel coordinates of a scene point (for tests and overlays)."""
        v = self._mvp() @ np.array([*xyz, 1.0])
        ndc = v[:3] / v[3]
        return ((ndc[0] + 1) / 2 * self.width(), (1 - ndc[1]) / 2 * self.height())

    def surface_point_at(self, px: float, py: float):
        """The (x, y) of the surface point under widget pixel (px, py), or None: a ray from the
        camera through the pixel, marched until it passes below the surface, then bisected on
        the surface's exact value."""
        geo = self.geometry_
        if geo is None:
            return None
        inv = np.linalg.inv(self._mvp())
        nx = 2.0 * px / max(self.width(), 1) - 1.0
        ny = 1.0 - 2.0 * py / max(self.height(), 1)
        a = inv @ np.array([nx, ny, -1.0, 1.0])
        b = inv @ np.array([nx, ny, 1.0, 1.0])
        a, b = a[:3] / a[3], b[:3] / b[3]
        d = b - a
        (x0, x1), (y0, y1) = geo.bounds
        zlo, zhi = -0.3 * geo.height, 1.3 * geo.height
        # Clip the ray to the box that holds the mesh.
        t0, t1 = 0.0, 1.0
        for lo, hi, o, dd in ((x0, x1, a[0], d[0]), (y0, y1, a[1], d[1]), (zlo, zhi, a[2], d[2])):
            if abs(dd) < 1e-15:
                if not lo <= o <= hi:
                    return None
                continue
            ta, tb = sorted(((lo - o) / dd, (hi - o) / dd))
            t0, t1 = max(t0, ta), min(t1, tb)
        if t0 >= t1:
            return None

        def above(t):
            p = a[None, :] + np.asarray(t)[:, None] * d[None, :]
            return p[:, 2] - geo.z_at(p[:, :2])

        ts = np.linspace(t0, t1, 1024)
        f = above(ts)
        below = np.nonzero(f <= 0)[0]
        if len(below) == 0:
            return None
        i = below[0]
        if i == 0:
            t = ts[0]
        else:
            lo, hi = ts[i - 1], ts[i]
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if above(np.array([mid]))[0] > 0:
                    lo = mid
                else:
                    hi = mid
            t = 0.5 * (lo + hi)
        p = a + t * d
        return float(p[0]), float(p[1])
