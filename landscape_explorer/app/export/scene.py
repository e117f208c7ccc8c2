"""The offscreen scene: the app's own views (the same model, engine, 3D view, 2D view and loss
plot classes) for one scenario, never on screen, so that a rendered file looks exactly like the
app. Used by the ``render`` command and by File › Export, which builds a Scene from the window's
current state so that rendering animation frames never disturbs what the user is looking at.

OpenGL needs a display: on a machine with none, run under ``xvfb-run -a``.
"""
from __future__ import annotations

import numpy as np

from landscape_explorer.core.scenario import Scenario

from .display import check_opengl, ensure_qapp
from .formats import VIEWS, RenderError
from .overlay import draw_overlay, draw_run_label, overlay_height


class Scene:
    """The app's views for one scenario, offscreen. ``views`` picks which are built."""

    def __init__(self, scenario: Scenario, views=("3d",), fit_camera: bool = True):
        """``fit_camera``: pictures keep the scenario camera's direction and move it so the
        surface fills them (False: exactly the scenario's camera, e.g. a user's zoom)."""
        from PyQt6 import QtCore

        from ..model import AppModel
        from ..runs import RunEngine
        from ..scenario_io import apply_scenario

        ensure_qapp()
        self.scenario = sc = scenario.validated()
        self.model = AppModel(scenario=sc)  # a typed surface needs its params too
        self.engine = RunEngine(self.model)
        self.views3d = []
        self.view2d = self.loss_plot = None
        need3d = any(v in ("3d", "composite") for v in views)
        if need3d:
            check_opengl()
            from ..views.view3d import SurfaceView3D

        from ..views.lifetime import keep_until_destroyed

        def hidden(w):
            # Destroyed by close() (deleteLater), never by the garbage collector mid-event.
            keep_until_destroyed(w)
            # Shown, so that it has an OpenGL context, but never on screen.
            w.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            w.resize(640, 400)
            w.show()
            return w

        apply_scenario(self.model, sc)  # validated already: this cannot fail
        if need3d:
            ids = [r.id for r in self.model.runs if r.enabled]
            if sc.view.split and len(ids) > 1:
                self.views3d = [hidden(SurfaceView3D(self.model, self.engine, run_filter={i}))
                                for i in ids]
            else:
                self.views3d = [hidden(SurfaceView3D(self.model, self.engine))]
            from ..scenario_io import camera_dict

            for v in self.views3d:
                if sc.camera is not None:
                    v.set_camera_state(camera_dict(sc.camera))
                v.fit_pictures = fit_camera
        if any(v in ("2d", "composite") for v in views):
            from ..views.view2d import SurfaceView2D

            self.view2d = hidden(SurfaceView2D(self.model, self.engine))
        if any(v in ("loss", "composite") for v in views):
            from ..views.loss_plot import LossPlot

            self.loss_plot = hidden(LossPlot(self.model, self.engine))
        self.engine.timer.stop()
        self._final_max = self.model.max_steps
        self.step = 0
        self._apply_view_options()

    def _apply_view_options(self):
        """The scenario's show_markers / show_trails (pictures only; the app shows both)."""
        v = self.scenario.view
        for view in self.views3d:
            if not v.show_markers:
                for item in view.marker_items():
                    item.setVisible(False)
            if not v.show_trails:
                for rid in [r.id for r in self.model.runs if r.enabled]:
                    items = view.trail_items(rid) if rid in view.run_ids() else {}
                    for name in ("outline", "line", "ghost", "joints"):
                        if name in items:
                            items[name].setVisible(False)
        if self.view2d is not None and hasattr(self.view2d, "start_target"):
            self.view2d.start_target.setVisible(v.show_markers)

    def close(self):
        for w in self.views3d + [self.view2d, self.loss_plot]:
            if w is not None:
                w.close()
                w.deleteLater()
        self.engine.timer.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ stepping
    def restart(self):
        self.model.request_reset()
        self.engine.timer.stop()
        self.step = 0

    def advance_to(self, step: int):
        """Runs forward to ``step``; going back restarts them first."""
        from ..scenario_io import advance_to

        step = int(step)
        if step < self.step:
            self.restart()
        if step > self.step:
            advance_to(self.model, self.engine, step, final_max_steps=max(self._final_max, step))
        self.engine.timer.stop()
        self.step = step

    # ------------------------------------------------------------------ images
    def image(self, view: str, width: int, height: int, transparent: bool = False,
              overlay: bool | None = None):
        """A QImage (ARGB32) of one view at exactly width x height."""
        from PyQt6 import QtGui

        if overlay is None:
            overlay = self.scenario.view.show_legend
        if view == "3d":
            top = overlay_height(self.scenario, height) / height if overlay else 0.0
            img = self._image_3d(width, height, transparent, top)
            if overlay:
                img = img.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
                draw_overlay(img, self.scenario, self.step)
        elif view == "2d":
            img = grab_widget(self.view2d, width, height)
        elif view == "loss":
            img = grab_widget(self.loss_plot, width, height)
        elif view == "composite":
            img = self._composite(width, height, transparent, overlay)
        else:
            raise RenderError(f"unknown view {view!r}; valid: {', '.join(VIEWS)}")
        return img.convertToFormat(QtGui.QImage.Format.Format_ARGB32)

    def _image_3d(self, width, height, transparent, top=0.0):
        from PyQt6 import QtGui

        views = self.views3d
        if len(views) == 1:
            return render_gl_view(views[0], width, height, transparent, top)
        # Split mode: one view per run, side by side, each with its run's name.
        img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
        img.fill(0)
        p = QtGui.QPainter(img)
        edges = np.linspace(0, width, len(views) + 1).round().astype(int)
        enabled = [r for r in self.model.runs if r.enabled]
        for v, r, x0, x1 in zip(views, enabled, edges[:-1], edges[1:]):
            tile = render_gl_view(v, int(x1 - x0), height, transparent)
            p.drawImage(int(x0), 0, tile)
            draw_run_label(p, int(x0), 0, r.name, r.color, height, bottom=True)
        p.end()
        return img

    def _composite(self, width, height, transparent, overlay=False):
        from PyQt6 import QtGui

        left, right, top = composite_layout(width, height)
        legend = overlay_height(self.scenario, height) / height if overlay else 0.0
        img3d = self._image_3d(left, height, transparent, legend)
        if overlay:
            img3d = img3d.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
            draw_overlay(img3d, self.scenario, self.step)
        return compose(img3d,
                       grab_widget(self.view2d, right, top),
                       grab_widget(self.loss_plot, right, height - top), width, height,
                       transparent)


def composite_layout(width: int, height: int) -> tuple[int, int, int]:
    """Side by side: 3D on the left (3/5 of the width), 2D over the loss plot on the right.
    Returns (3D width, right column width, 2D height)."""
    left = int(round(width * 0.6))
    return left, width - left, height // 2


def compose(img3d, img2d, img_loss, width: int, height: int, transparent: bool = False):
    from PyQt6 import QtGui

    left, right, top = composite_layout(width, height)
    img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    img.fill(QtGui.QColor(32, 34, 40, 0 if transparent else 255))
    p = QtGui.QPainter(img)
    if img3d is not None:
        p.drawImage(0, 0, img3d)
    p.drawImage(left, 0, img2d)
    p.drawImage(left, top, img_loss)
    p.end()
    return img


MARK_SCALE_FROM = 600  # above this output height, balls and lines grow with the picture


def render_gl_view(view, width: int, height: int, transparent: bool = False, top: float = 0.0):
    """QImage of a GLViewWidget at any size, offscreen (renderToArray); with ``transparent`` the
    background is fully transparent. Balls and lines are sized in pixels, so for a large
    picture (a 4K slide) they are scaled up with it, to look as they do on screen. A framed
    camera keeps ``top`` (a fraction of the height) free for the legend."""
    import pyqtgraph.opengl as gl

    keep = view.opts["bgcolor"]
    reframe = not view.camera_touched
    camera = view.camera_state()
    if reframe:  # framed for the picture's shape, not the widget's
        view.frame_camera(size=(int(width), int(height)), top=top)
    elif view.fit_pictures:
        view.fit_to_view(size=(int(width), int(height)), top=top)
    if transparent:
        view.opts["bgcolor"] = (*keep[:3], 0.0)
    k = max(1.0, int(height) / MARK_SCALE_FROM)
    scaled = []
    if k > 1.0:
        for item in view.items:
            if isinstance(item, gl.GLScatterPlotItem) and getattr(item, "pxMode", True):
                scaled.append((item, "size", item.size))
                item.size = np.asarray(item.size, dtype=float) * k if np.ndim(item.size) \
                    else float(item.size) * k
            elif isinstance(item, gl.GLLinePlotItem):
                scaled.append((item, "width", item.width))
                item.width = float(item.width) * k
    try:
        return view.render_image(int(width), int(height))
    finally:
        for item, attr, value in scaled:
            setattr(item, attr, value)
        view.opts["bgcolor"] = keep
        if reframe:
            view.frame_camera()
        elif view.fit_pictures:
            view.set_camera_state(camera)
        view.update()


PRINT_REFERENCE = (560, 380)  # a plot this size or smaller is drawn as on screen


def print_scale(width: int, height: int) -> float:
    """How much larger than on screen a plot's text and lines are drawn in a picture of this
    size: a 2D map filling a 1920×1080 slide, or the loss plot in a 4K composite, read at 100 %."""
    return max(1.0, min(width / PRINT_REFERENCE[0], height / PRINT_REFERENCE[1]))


def grab_widget(widget, width: int, height: int):
    """QImage of a QWidget laid out at exactly width x height (then put back as it was); plots
    with ``set_print_scale`` get text and lines to match the size."""
    from PyQt6 import QtWidgets

    # Laid out at the requested size (not a scaled screenshot), then put back; a widget in a
    # layout is resized back by it on the next event anyway.
    keep = widget.size()
    scalable = hasattr(widget, "set_print_scale")
    if scalable:
        widget.set_print_scale(print_scale(width, height))
    widget.resize(int(width), int(height))
    QtWidgets.QApplication.processEvents()
    img = widget.grab().toImage()
    if scalable:
        widget.set_print_scale(1.0)
    widget.resize(keep)
    dpr = img.devicePixelRatio()
    if img.width() != width or img.height() != height or dpr != 1:
        from PyQt6 import QtCore

        img = img.scaled(int(width), int(height), QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                         QtCore.Qt.TransformationMode.SmoothTransformation)
        img.setDevicePixelRatio(1.0)
    return img
