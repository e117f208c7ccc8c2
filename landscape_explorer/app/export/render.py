"""Pictures of a scenario without a window: PNG, animated GIF and MP4.

A ``Scene`` is an offscreen copy of the app's own views (the same model, engine, 3D view, 2D
view and loss plot classes), so a rendered file looks exactly like the app. It is used by the
``render`` command and by File › Export, which builds a Scene from the window's current state
so that rendering animation frames never disturbs what the user is looking at.

Every file is written through ``core.atomic``: to a temporary name, renamed into place only when
complete; an error or a cancel (``Cancelled`` raised by the progress callback, or the callback
returning False) leaves no file and keeps an existing one intact.

OpenGL needs a display: on a machine with none, run under ``xvfb-run -a``.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from landscape_explorer.core.atomic import Cancelled, atomic_path, check_writable
from landscape_explorer.core.scenario import Scenario

from .overlay import draw_overlay, draw_run_label, overlay_height

FORMATS = (".png", ".gif", ".mp4", ".csv", ".json")  # the last two: trajectories, no display
VIEWS = ("3d", "2d", "loss", "composite")
MIN_SIDE, MAX_SIDE = 16, 8192
DEFAULT_SIZE = (1280, 800)
DEFAULT_FPS = 30
DEFAULT_SECONDS = 4.0  # default animation length
FINAL_HOLD_S = 1.5  # the last GIF frame stays up this long before the loop restarts


class RenderError(Exception):
    """Anything that stops a render; ``str(e)`` is one line for the user."""


# ---------------------------------------------------------------------------------------------
# Qt and OpenGL


def ensure_qapp():
    """The QApplication, created if needed; RenderError if there is no display to render on."""
    from PyQt6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is not None:
        return app
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                  or os.environ.get("WAYLAND_DISPLAY")
                                                  or os.environ.get("QT_QPA_PLATFORM")):
        raise RenderError("no display to render on (3D needs OpenGL): run it under a virtual "
                          "X server, e.g. `xvfb-run -a landscape-explorer render ...`")
    display = os.environ.get("DISPLAY")
    if (sys.platform.startswith("linux") and display and not os.environ.get("WAYLAND_DISPLAY")
            and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb"
            and not x_display_reachable(display)):
        # Qt would abort the process with several lines about platform plugins.
        raise RenderError(f"cannot connect to the X display {display!r}: run it under a virtual "
                          "X server, e.g. `xvfb-run -a landscape-explorer render ...`")
    global _APP
    from .. import prepare_qt

    prepare_qt()  # shared GL contexts (split views), depth buffer: as the app does
    # Held here: a QApplication that Python collects takes every widget down with it.
    _APP = QtWidgets.QApplication([sys.argv[0] if sys.argv else "landscape-explorer"])
    return _APP


_APP = None


def x_display_reachable(display: str, timeout: float = 2.0) -> bool:
    """Whether an X server answers at ``display`` (":0", "unix:1.0", "host:10")."""
    import re
    import socket

    m = re.fullmatch(r"(?:(?P<host>[^:/]*)/)?(?P<h>[^:]*):(?P<n>\d+)(?:\.\d+)?", display)
    if not m:
        return True  # a form we do not know (e.g. launchd paths): let Qt try
    host, n = m.group("h"), int(m.group("n"))
    if host in ("", "unix"):
        for addr in (f"/tmp/.X11-unix/X{n}", f"\0/tmp/.X11-unix/X{n}"):
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout)
                    sock.connect(addr)
                    return True
            except OSError:
                continue
        if host == "unix":
            return False
        host = "localhost"
    try:
        with socket.create_connection((host, 6000 + n), timeout=timeout):
            return True
    except OSError:
        return False


def _check_opengl():
    from ..views.view3d import opengl_available

    ok, why = opengl_available()
    if not ok:
        raise RenderError(f"cannot render the 3D view: {why}")


def qimage_to_array(img) -> np.ndarray:
    """(H, W, 4) uint8 RGBA copy of a QImage."""
    from PyQt6 import QtGui

    img = img.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    w, h = img.width(), img.height()
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    arr = np.frombuffer(ptr, dtype=np.uint8).reshape(h, img.bytesPerLine())[:, :4 * w]
    return arr.reshape(h, w, 4).copy()


def save_qimage(img, path) -> None:
    """Write a QImage with Qt's image writer, atomically."""
    with atomic_path(path) as tmp:
        if not img.save(tmp, os.path.splitext(os.fspath(path))[1][1:].upper() or "PNG"):
            raise RenderError(f"{path}: Qt could not write the image")


# ---------------------------------------------------------------------------------------------
# The scene


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
            _check_opengl()
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


# ---------------------------------------------------------------------------------------------
# Files


def frame_steps(steps: int, frames: int) -> list:
    """``frames`` step numbers from 0 to ``steps``, evenly spread (repeats when frames > steps+1)."""
    if frames < 1:
        raise RenderError(f"invalid frame count {frames}: must be >= 1")
    if frames == 1:
        return [steps]
    return [int(v) for v in np.round(np.linspace(0, steps, frames))]


def default_frames(steps: int, fps: int) -> int:
    return int(max(2, min(steps + 1, round(fps * DEFAULT_SECONDS))))


def output_format(path) -> str:
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FORMATS:
        raise RenderError(f"{path}: unknown output format {ext or '(no extension)'!r}; "
                          f"use {', '.join(FORMATS)}")
    return ext


def check_output(path) -> None:
    """Fail now, before any rendering, if ``path`` cannot be written."""
    try:
        check_writable(path)
    except OSError as e:
        raise RenderError(str(e)) from None


def _tick(progress, done, total):
    if progress is not None and progress(done, total) is False:
        raise Cancelled()


def write_png(scene: Scene, path, size, view="3d", transparent=False, step=None,
              overlay=None, colors=None) -> None:
    scene.advance_to(scene.scenario.steps if step is None else step)
    img = scene.image(view, *size, transparent=transparent, overlay=overlay)
    if colors:
        keep = [r.color for r in scene.scenario.enabled_runs()] + ["#FFFFFF", "#111111"]
        save_palette_png(img, path, colors, keep=keep)
    else:
        save_qimage(img, path)


def save_palette_png(img, path, colors: int = 256, keep=()) -> None:
    """An 8-bit palette PNG (Pillow) with at most ``colors`` colors: several times smaller than
    a true-color one, for web pages and READMEs. ``keep``: '#RRGGBB' colors that must stay
    exact (the runs' colors cover few pixels, and a plain quantizer would shift them)."""
    from PIL import Image

    if not 2 <= int(colors) <= 256:
        raise RenderError(f"invalid colors {colors}: must be 2..256")
    arr = qimage_to_array(img)
    opaque = bool((arr[..., 3] == 255).all())
    rgb = Image.fromarray(np.ascontiguousarray(arr[..., :3]), "RGB")
    n = int(colors) - (0 if opaque else 1)
    palette = palette_image([arr[..., :3]], n, keep)
    pic = rgb.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    if not opaque:
        # One more palette entry for transparent pixels.
        idx = np.asarray(pic).copy()
        idx[arr[..., 3] < 128] = n
        pal = pic.getpalette()[:3 * n] + [0, 0, 0]
        pic = Image.fromarray(idx, "P")
        pic.putpalette(pal)
        pic.info["transparency"] = n
    with atomic_path(path) as tmp:
        pic.save(tmp, format="PNG", optimize=True,
                 **({} if opaque else {"transparency": n}))


def palette_image(frames, colors: int, keep=()):
    """A Pillow palette image of ``colors`` colors for RGB arrays ``frames``, with a block of
    each '#RRGGBB' in ``keep`` big enough that the median cut gives it its own entry (the runs'
    colors cover few pixels, and a plain quantizer would shift them)."""
    from PIL import Image

    keep = list(dict.fromkeys(k.upper() for k in keep))
    h, w = frames[0].shape[:2]
    block = max(8, h // 12)
    sample = Image.new("RGB", (w, h * len(frames) + block * max(1, len(keep))))
    for i, f in enumerate(frames):
        sample.paste(Image.fromarray(np.ascontiguousarray(f[..., :3]), "RGB"), (0, i * h))
    for i, c in enumerate(keep):
        sample.paste(Image.new("RGB", (w, block), c), (0, h * len(frames) + i * block))
    return sample.quantize(int(colors), method=Image.Quantize.MEDIANCUT)


def _frames(scene, size, view, steps, frames, progress, overlay, transparent=False):
    """Yield RGB(A) arrays for each frame, advancing the runs."""
    total = len(steps)
    for i, s in enumerate(steps):
        _tick(progress, i, total)
        scene.advance_to(s)
        arr = qimage_to_array(scene.image(view, *size, transparent=transparent,
                                          overlay=overlay))
        yield arr
    _tick(progress, total, total)


def write_gif(scene: Scene, path, size, fps=DEFAULT_FPS, frames=None, view="3d",
              progress=None, overlay=None, steps=None) -> None:
    """Animated GIF (Pillow) of the descent from step 0 to ``steps``, ``frames`` frames."""
    from PIL import Image

    last = scene.scenario.steps if steps is None else int(steps)
    n = default_frames(last, fps) if frames is None else int(frames)
    at = frame_steps(last, n)
    # One palette for every frame, so colors do not shimmer from frame to frame: from the first,
    # a middle and the final frame (which holds every trail), with the runs' colors kept
    # exact. Floyd–Steinberg dithering then hides the steps a 256-color palette would leave in
    # the surface's smooth shading (banding).
    samples = []
    for s in sorted({at[0], at[len(at) // 2], last}):
        scene.advance_to(s)
        samples.append(qimage_to_array(scene.image(view, *size, overlay=overlay))[..., :3])
    keep = [r.color for r in scene.scenario.enabled_runs()] + ["#FFFFFF", "#111111"]
    palette = palette_image(samples, 256, keep)
    pics = [Image.fromarray(a[..., :3]).quantize(palette=palette,
                                                 dither=Image.Dither.FLOYDSTEINBERG)
            for a in _frames(scene, size, view, at, n, progress, overlay)]
    frame_ms = max(20, int(round(1000 / fps)))  # GIF delays are in 1/100 s; browsers clamp < 20
    durations = [frame_ms] * n
    durations[-1] = max(frame_ms, int(FINAL_HOLD_S * 1000))
    with atomic_path(path) as tmp:
        pics[0].save(tmp, format="GIF", save_all=True, append_images=pics[1:],
                     duration=durations, loop=0, optimize=False, disposal=1)


def mp4_writer_available() -> tuple[bool, str]:
    try:
        import imageio_ffmpeg
    except ImportError:
        return False, ("MP4 export needs imageio-ffmpeg (which carries its own ffmpeg): "
                       "pip install imageio imageio-ffmpeg")
    try:
        imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as e:  # noqa: BLE001 - any failure means the same to the user
        return False, (f"MP4 export needs ffmpeg, which was not found ({e}); "
                       "pip install --force-reinstall imageio-ffmpeg, or set IMAGEIO_FFMPEG_EXE")
    try:
        import imageio  # noqa: F401
    except ImportError:
        return False, "MP4 export needs imageio: pip install imageio imageio-ffmpeg"
    return True, ""


def write_mp4(scene: Scene, path, size, fps=DEFAULT_FPS, frames=None, view="3d",
              progress=None, overlay=None, steps=None) -> None:
    """H.264 MP4 (imageio + imageio-ffmpeg) of the descent from step 0 to ``steps``."""
    ok, why = mp4_writer_available()
    if not ok:
        raise RenderError(why)
    import imageio.v2 as imageio

    w, h = size
    if w % 2 or h % 2:
        raise RenderError(f"MP4 needs an even width and height (H.264), got {w}x{h}")
    last = scene.scenario.steps if steps is None else int(steps)
    n = default_frames(last, fps) if frames is None else int(frames)
    at = frame_steps(last, n)
    with atomic_path(path) as tmp:
        writer = imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                    quality=8, pixelformat="yuv420p", macro_block_size=2,
                                    ffmpeg_log_level="error")
        try:
            for arr in _frames(scene, size, view, at, n, progress, overlay):
                writer.append_data(np.ascontiguousarray(arr[..., :3]))
        finally:
            writer.close()


def render_scenario(scenario: Scenario, path, size=DEFAULT_SIZE, fps=DEFAULT_FPS, frames=None,
                    view="3d", transparent=False, overlay=None, progress=None,
                    colors=None) -> None:
    """Render ``scenario`` to ``path``; the format comes from the extension: .png, .gif, .mp4,
    or .csv/.json for the trajectories themselves (these need no display)."""
    ext = output_format(path)
    if ext in (".csv", ".json"):
        from landscape_explorer.core import trajectories

        check_output(path)
        if ext == ".csv":
            trajectories.write_trajectories_csv(scenario, path)
        else:
            trajectories.write_trajectories_json(scenario, path)
        return
    if view not in VIEWS:
        raise RenderError(f"unknown view {view!r}; valid: {', '.join(VIEWS)}")
    w, h = (int(v) for v in size)
    for name, v in (("width", w), ("height", h)):
        if not MIN_SIDE <= v <= MAX_SIDE:
            raise RenderError(f"invalid {name} {v}: must be {MIN_SIDE}..{MAX_SIDE} pixels")
    if not 1 <= fps <= 120:
        raise RenderError(f"invalid fps {fps}: must be 1..120")
    if transparent and ext != ".png":
        raise RenderError("a transparent background is only possible in PNG")
    if ext == ".mp4":
        ok, why = mp4_writer_available()
        if not ok:
            raise RenderError(why)
    check_output(path)
    views = ("3d", "2d", "loss") if view == "composite" else (view,)
    with Scene(scenario, views=views) as scene:
        if ext == ".png":
            write_png(scene, path, (w, h), view=view, transparent=transparent, overlay=overlay,
                      colors=colors)
        elif ext == ".gif":
            write_gif(scene, path, (w, h), fps=fps, frames=frames, view=view,
                      progress=progress, overlay=overlay)
        else:
            write_mp4(scene, path, (w, h), fps=fps, frames=frames, view=view,
                      progress=progress, overlay=overlay)
