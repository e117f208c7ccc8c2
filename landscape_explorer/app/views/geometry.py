"""How a surface maps to the screen: the sampled grid, the height scale and the colors.

Shared by the 3D view (mesh heights, trails, ray casting) and the 2D view (heatmap), so both color
the same point the same way. Pure numpy: testable without a display.
"""
from __future__ import annotations

import numpy as np

from ..palette import height_colors

HEIGHT_RATIO = 0.35  # mesh height as a fraction of the wider side of the plotting area
LIFT_RATIO = 0.01  # trails float this fraction of the mesh height above it (no z-fighting)
LOG_FLAT_FRACTION = 0.3  # auto height: use a log scale when this much of the area looks flat


class Geometry:
    _recent: list = []  # [(surface, key, Geometry)], the last two made by ``of``

    @classmethod
    def of(cls, surface, bounds, resolution: int, z_mode: str) -> "Geometry":
        """``Geometry(...)``, shared: the 2D map and the 3D mesh sample the same grid after every
        surface change (up to 300 samples a side), and a Geometry never changes once made."""
        key = (tuple(tuple(float(v) for v in b) for b in bounds), int(resolution), z_mode)
        for surf, k, geo in cls._recent:
            if surf is surface and k == key:
                return geo
        geo = cls(surface, bounds, resolution, z_mode)
        cls._recent = [(surface, key, geo), *cls._recent[:1]]
        return geo

    def __init__(self, surface, bounds, resolution: int, z_mode: str = "auto"):
        self.surface = surface
        self.bounds = bounds
        (x0, x1), (y0, y1) = bounds
        n = int(resolution)
        self.xs = np.linspace(x0, x1, n)
        self.ys = np.linspace(y0, y1, n)
        self.cell = max((x1 - x0), (y1 - y0)) / (n - 1)
        gx, gy = np.meshgrid(self.xs, self.ys, indexing="ij")
        v = np.asarray(surface.value(np.stack([gx, gy], axis=-1)), dtype=np.float64)
        finite = np.isfinite(v)
        if not finite.any():
            v = np.zeros_like(v)
            finite = np.ones_like(v, dtype=bool)
        # Where f is defined (a typed log(x) is not left of zero): the views leave a gap
        # elsewhere. The values there are set to vmax below only so that no array holds a NaN.
        self.defined = finite
        self.vmin = float(v[finite].min())
        self.vmax = float(v[finite].max())
        if not self.vmax > self.vmin:
            self.vmax = self.vmin + 1.0
        self.values = np.where(finite, v, self.vmax)  # (nx, ny), indexed [ix, iy]
        self.span = self.vmax - self.vmin
        # Log heights: a tiny offset keeps the minimum finite without flattening the valley.
        self._delta = self.span * 1e-4
        self._log_lo = np.log(self._delta)
        self._log_hi = np.log(self.span + self._delta)
        if z_mode == "auto":
            t_lin = (self.values - self.vmin) / self.span
            z_mode = "log" if np.mean(t_lin < 0.05) > LOG_FLAT_FRACTION else "linear"
        self.z_mode = z_mode
        self.height = HEIGHT_RATIO * max(x1 - x0, y1 - y0)
        self.lift = LIFT_RATIO * self.height
        self.t_grid = self.normalize(self.values)
        self.z_grid = (self.t_grid * self.height).astype(np.float32)

    def normalize(self, v) -> np.ndarray:
        """Loss values -> [0, 1] heights (clipped a little beyond for points off the grid)."""
        v = np.nan_to_num(np.asarray(v, dtype=np.float64), nan=self.vmax, posinf=self.vmax,
                          neginf=self.vmin)
        if self.z_mode == "log":
            d = np.maximum(v - self.vmin, 0.0) + self._delta
            t = (np.log(d) - self._log_lo) / (self._log_hi - self._log_lo)
        else:
            t = (v - self.vmin) / self.span
        return np.clip(t, -0.25, 1.25)

    def z_of_values(self, v) -> np.ndarray:
        return self.normalize(v) * self.height

    def z_at(self, xy) -> np.ndarray:
        """Display height of the surface at points xy (..., 2)."""
        return self.z_of_values(self.surface.value(xy))

    def mesh_z_at(self, xy) -> np.ndarray:
        """Height of the sampled grid, bilinearly interpolated: close to what the mesh shows
        between its vertices (in a narrow valley the mesh spans the valley floor from rim to
        rim and sits above the exact surface)."""
        xy = self.clip_xy(xy)
        nx, ny = len(self.xs), len(self.ys)
        fx = (xy[..., 0] - self.xs[0]) / (self.xs[-1] - self.xs[0]) * (nx - 1)
        fy = (xy[..., 1] - self.ys[0]) / (self.ys[-1] - self.ys[0]) * (ny - 1)
        i = np.clip(np.floor(fx).astype(np.intp), 0, nx - 2)
        j = np.clip(np.floor(fy).astype(np.intp), 0, ny - 2)
        tx, ty = fx - i, fy - j
        z = self.z_grid
        return ((1 - tx) * (1 - ty) * z[i, j] + tx * (1 - ty) * z[i + 1, j]
                + (1 - tx) * ty * z[i, j + 1] + tx * ty * z[i + 1, j + 1])

    def z_on_mesh(self, xy) -> np.ndarray:
        """Where to draw something lying on the surface: on the exact surface or the mesh,
        whichever is higher, so the mesh never hides it."""
        return np.maximum(self.z_at(xy), self.mesh_z_at(xy))

    def colors(self, colormap: str) -> np.ndarray:
        """(nx, ny, 4) RGBA floats for the grid."""
        return height_colors(colormap, self.t_grid)

    def clip_xy(self, xy) -> np.ndarray:
        """Finite, inside the plotting area (a diverged run is drawn at the edge)."""
        (x0, x1), (y0, y1) = self.bounds
        xy = np.nan_to_num(np.asarray(xy, dtype=np.float64), nan=0.0, posinf=1e300, neginf=-1e300)
        out = np.empty_like(xy)
        out[..., 0] = np.clip(xy[..., 0], x0, x1)
        out[..., 1] = np.clip(xy[..., 1], y0, y1)
        return out

    def trail_points(self, path, capacity: int) -> np.ndarray:
        """(n, 3) float32 vertices of a trail lying on the surface, lifted against z-fighting,
        n <= capacity (at least 1). Long steps are subdivided so the line follows hills instead
        of cutting through them; a path longer than ``capacity`` is thinned evenly."""
        p = self.clip_xy(path)
        if len(p) == 0:
            return np.zeros((1, 3), dtype=np.float32)
        if len(p) > 1:
            seg = np.hypot(*(np.diff(p, axis=0).T))
            sub = np.clip(np.ceil(seg / self.cell), 1, 16).astype(np.intp)
            if sub.sum() + 1 > capacity:
                sub[:] = 1
            if len(p) > capacity:
                p = p[np.linspace(0, len(p) - 1, capacity).astype(np.intp)]
                sub = np.ones(len(p) - 1, dtype=np.intp)
            starts = np.repeat(p[:-1], sub, axis=0)
            ends = np.repeat(p[1:], sub, axis=0)
            offs = np.arange(sub.sum()) - np.repeat(np.cumsum(sub) - sub, sub)
            frac = (offs / np.repeat(sub, sub))[:, None]
            pts = np.concatenate([starts + (ends - starts) * frac, p[-1:]], axis=0)
            pts = self.thin_subpixel(pts)
        else:
            pts = p
        out = np.empty((len(pts), 3), dtype=np.float32)
        out[:, :2] = pts
        out[:, 2] = self.z_on_mesh(pts) + self.lift
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)

    def thin_subpixel(self, pts: np.ndarray) -> np.ndarray:
        """A polyline thinned to about one point per quarter grid cell of its length (the first
        and the last always kept). A run that crawls or has settled takes thousands of steps a
        fraction of a pixel long, and software OpenGL pays for every segment of a wide smooth
        line, outline and joint; the dropped points lie within that quarter cell (about a pixel
        when the whole surface is in view) of the line drawn."""
        if len(pts) < 3:
            return pts
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
        bucket = np.floor(along / (0.25 * self.cell))
        keep = np.empty(len(pts), dtype=bool)
        keep[0] = True
        keep[1:] = bucket[1:] != bucket[:-1]
        keep[-1] = True
        return pts[keep]

    def trail_corners(self, pts: np.ndarray, min_turn_deg: float = 20.0) -> np.ndarray:
        """The vertices of a trail (n, 3) where it turns by more than ``min_turn_deg`` (in the
        plane), and its two ends: where a wide smooth line's pieces leave a notch that a round
        dot must fill. Along a gentle curve the pieces overlap and need none, and drawing a dot
        at every vertex cost software OpenGL as much as the line itself."""
        if len(pts) < 3:
            return pts
        d = np.diff(pts[:, :2].astype(np.float64), axis=0)
        a, b = d[:-1], d[1:]
        dot = (a * b).sum(axis=1)
        norms = np.hypot(*a.T) * np.hypot(*b.T)
        with np.errstate(all="ignore"):
            cos_turn = np.where(norms > 0, dot / norms, 1.0)
        keep = np.ones(len(pts), dtype=bool)
        keep[1:-1] = cos_turn < np.cos(np.radians(min_turn_deg))
        return pts[keep]

    def trail_vertices(self, path, capacity: int) -> np.ndarray:
        """trail_points padded to exactly (capacity, 3): unused vertices repeat the last one
        (zero-length, invisible), for a buffer that always has the same size."""
        pts = self.trail_points(path, capacity)
        out = np.empty((capacity, 3), dtype=np.float32)
        out[:len(pts)] = pts
        out[len(pts):] = pts[-1]
        return out


def bounds_exit(path, bounds):
    """Where a path first leaves the plotting area: (k, crossing) with k the index of the first
    point outside (or not finite) and crossing the point where the segment from point k-1 meets
    the area's edge; (len(path), None) if it never leaves. A diverged run is drawn up to there."""
    p = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    (x0, x1), (y0, y1) = bounds
    with np.errstate(invalid="ignore"):
        inside = (np.isfinite(p).all(axis=1) & (p[:, 0] >= x0) & (p[:, 0] <= x1)
                  & (p[:, 1] >= y0) & (p[:, 1] <= y1))
    out = np.nonzero(~inside)[0]
    if len(out) == 0:
        return len(p), None
    k = int(out[0])
    if k == 0:
        return 0, None
    a = p[k - 1]
    b = np.nan_to_num(p[k], nan=0.0, posinf=1e300, neginf=-1e300)
    d = b - a
    t = 1.0
    for axis, (lo, hi) in enumerate(((x0, x1), (y0, y1))):
        if d[axis] > 0:
            t = min(t, (hi - a[axis]) / d[axis])
        elif d[axis] < 0:
            t = min(t, (lo - a[axis]) / d[axis])
    return k, a + max(0.0, t) * d


def path_to_exit(path, bounds) -> np.ndarray:
    """The path up to where it leaves the plotting area, ending on the edge (see bounds_exit)."""
    p = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    k, crossing = bounds_exit(p, bounds)
    if crossing is None:
        return p[:max(k, 1)]
    return np.concatenate([p[:k], crossing[None]], axis=0)


def global_minima_in(surface, bounds) -> np.ndarray:
    """(k, 2) the surface's known global minima inside the bounds (six-hump camel has two)."""
    (x0, x1), (y0, y1) = bounds
    pts = [k.xy for k in surface.known_points if k.kind == "global_min"
           and x0 <= k.xy[0] <= x1 and y0 <= k.xy[1] <= y1]
    return np.array(pts, dtype=np.float64).reshape(-1, 2)
