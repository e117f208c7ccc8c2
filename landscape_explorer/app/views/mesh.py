"""The 3D view's surface: a height field on a regular grid, lit softly from both sides, with
normals from the grid's finite differences."""
from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from pyqtgraph.opengl import MeshData, shaders

# Height colors stay recognizable (they match the 2D heatmap) while a soft two-sided light gives
# the shape; pyqtgraph's 'shaded' shader darkens colors to 20% on faces turned from its light.
SURFACE_SHADER = shaders.ShaderProgram("le_surface", [
    shaders.VertexShader("""
        uniform mat4 u_mvp;
        uniform mat3 u_normal;
        attribute vec4 a_position;
        attribute vec3 a_normal;
        attribute vec4 a_color;
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            v_normal = normalize(u_normal * a_normal);
            v_color = a_color;
            gl_Position = u_mvp * a_position;
        }
    """),
    shaders.FragmentShader("""
        #ifdef GL_ES
        precision mediump float;
        #endif
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            float p = abs(dot(normalize(v_normal), normalize(vec3(0.35, 0.55, 1.0))));
            // The underside (seen past a steep near edge) is dimmed so it reads as such.
            float side = gl_FrontFacing ? 0.55 : 1.0;  // pyqtgraph winds the top clockwise
            gl_FragColor = vec4(v_color.rgb * (0.5 + 0.5 * p) * side, v_color.a);
        }
    """),
])

MESH_GL = {
    GL.GL_DEPTH_TEST: True,
    GL.GL_BLEND: False,
    GL.GL_CULL_FACE: False,
    # Push the mesh back in depth so trails lying on it always win the depth test.
    GL.GL_POLYGON_OFFSET_FILL: True,
    # The factor scales with the slope: steep walls seen edge-on are pushed back the most.
    "glPolygonOffset": (3.0, 3.0),
    "glDepthRange": (0.0, 1.0),
    "glDepthFunc": (GL.GL_LESS,),
}


class GridMeshData(MeshData):
    """MeshData whose vertex normals come from the grid's finite differences: pyqtgraph's own
    loop over vertices takes over a second for a 150x150 mesh."""

    def __init__(self, vertexes, faces, colors, normals):
        super().__init__(vertexes=vertexes, faces=faces, vertexColors=colors)
        self._grid_normals = normals

    def vertexNormals(self, indexed=None):
        if indexed is None:
            return self._grid_normals
        return self._grid_normals[self.faces()]


class GridSurfaceItem(gl.GLMeshItem):
    """A height field on a regular grid (what GLSurfacePlotItem draws, with fast normals)."""

    def __init__(self):
        super().__init__(shader=SURFACE_SHADER, smooth=True, computeNormals=True,
                         glOptions=MESH_GL)
        self._faces_cache = {}

    def _faces(self, nx, ny):
        if (nx, ny) not in self._faces_cache:
            idx = np.arange(nx * ny, dtype=np.uint32).reshape(nx, ny)
            a, b = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()
            c, d = idx[1:, :-1].ravel(), idx[1:, 1:].ravel()
            self._faces_cache = {(nx, ny): np.concatenate(
                [np.stack([a, b, c], 1), np.stack([c, b, d], 1)])}
        return self._faces_cache[(nx, ny)]

    def set_grid(self, xs, ys, z, colors, defined=None):
        """xs (nx,), ys (ny,), z (nx, ny) finite heights, colors (nx, ny, 4) floats; defined
        (nx, ny) bool: where the surface exists. A triangle with a corner where it does not is
        left out, so the mesh has a gap there (its vertices stay, finite, used by no face)."""
        nx, ny = z.shape
        faces = self._faces(nx, ny)
        if defined is not None and not np.all(defined):
            faces = faces[np.asarray(defined).ravel()[faces].all(axis=1)]
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        verts = np.stack([gx, gy, z], axis=-1).reshape(-1, 3).astype(np.float32)
        zx = np.gradient(z.astype(np.float64), xs, axis=0)
        zy = np.gradient(z.astype(np.float64), ys, axis=1)
        n = np.stack([-zx, -zy, np.ones_like(zx)], axis=-1)
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        self._md = GridMeshData(verts, faces,
                                 np.ascontiguousarray(colors, dtype=np.float32).reshape(-1, 4),
                                 n.reshape(-1, 3).astype(np.float32))
        self.setMeshData(meshdata=self._md)

    def set_colors(self, colors):
        self._md.setVertexColors(np.ascontiguousarray(colors, dtype=np.float32).reshape(-1, 4))
        self.meshDataChanged()
