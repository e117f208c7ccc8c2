"""pyqtgraph GL items for data that changes size every frame (a trail growing by a step), whose
vertex buffers are allocated once at a capacity and rewritten in place, and which draw only the
vertices they hold. pyqtgraph's own items re-allocate a buffer whenever the array's size
changes; padding the array to a fixed size instead (as trails were) made every frame draw the
whole capacity: thousands of zero-length wide lines, which software OpenGL does not skip."""
from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl


class _FixedCapacityBuffers:
    """upload_vbo for pyqtgraph items: one allocation of ``capacity`` rows, then writes."""

    capacity = 1

    def upload_vbo(self, vbo, arr):
        if arr is None:
            vbo.destroy()
            return
        if not vbo.isCreated():
            vbo.create()
        vbo.bind()
        row = arr.nbytes // max(len(arr), 1) if np.ndim(arr) else arr.nbytes
        need = max(arr.nbytes, row * self.capacity)
        if vbo.size() < arr.nbytes:
            vbo.allocate(need)
        if arr.nbytes:
            vbo.write(0, arr, arr.nbytes)
        vbo.release()


class GrowingLineItem(_FixedCapacityBuffers, gl.GLLinePlotItem):
    """A GLLinePlotItem for up to ``capacity`` vertices, drawing only those it holds."""

    def __init__(self, capacity: int, **kwds):
        self.capacity = int(capacity)
        super().__init__(**kwds)


class GrowingScatterItem(_FixedCapacityBuffers, gl.GLScatterPlotItem):
    """A GLScatterPlotItem for up to ``capacity`` points, drawing only those it holds."""

    def __init__(self, capacity: int, **kwds):
        self.capacity = int(capacity)
        super().__init__(**kwds)
