"""Pictures and files of what a main window shows: PNG of the 3D view (split tiles side by
side), of the 2D map, of the loss plot and of all three side by side; an animated GIF (Pillow) or
MP4 (imageio + imageio-ffmpeg) of the descent from step 0 to the current step; the trajectories
as CSV or JSON.

Animation frames are rendered offscreen by a ``render.Scene`` built from the window's current
state, so the live window is never disturbed. Animations and trajectories replay the runs from
their current settings and seeds (the same engine the window uses), so they match the window
unless a hyperparameter was changed while a run was going. Every file is written to a temporary
name and renamed into place when complete: a failed or cancelled export leaves no file and never
replaces an existing one with a broken one.
"""
from __future__ import annotations

from PyQt6 import QtGui

from . import overlay, render
from ..scenario_io import model_to_scenario

# kind: (menu text, extension, file-dialog filter)
KINDS = {
    "png3d": ("3D view as PNG…", ".png", "PNG images (*.png)"),
    "png2d": ("2D view as PNG…", ".png", "PNG images (*.png)"),
    "pngloss": ("Loss plot as PNG…", ".png", "PNG images (*.png)"),
    "composite": ("Side by side (3D, 2D, loss) as PNG…", ".png", "PNG images (*.png)"),
    "gif": ("Animation as GIF…", ".gif", "GIF animations (*.gif)"),
    "mp4": ("Video as MP4…", ".mp4", "MP4 videos (*.mp4)"),
    "csv": ("Trajectories as CSV…", ".csv", "CSV files (*.csv)"),
    "json": ("Trajectories as JSON…", ".json", "JSON files (*.json)"),
}
SIZE_PRESETS = (("Window size", None), ("1280 × 720", (1280, 720)), ("1920 × 1080", (1920, 1080)),
                ("2560 × 1440", (2560, 1440)), ("3840 × 2160 (4K)", (3840, 2160)),
                ("Custom", "custom"))


def current_step(window) -> int:
    steps = [s.step for s in window.engine.states()]
    return int(max(steps, default=0))


def views3d(window) -> list:
    """The 3D views on screen: the main one, or one per run in split mode."""
    split = getattr(window, "split_view", None)
    if split is not None and window.model.split and split.views:
        return list(split.views.values())
    return [window.view3d] if window.view3d is not None else []


def window_scenario(window, title: str = "", description: str = ""):
    cam = window.view3d.camera_state() if window.view3d is not None else None
    return model_to_scenario(window.model, steps=current_step(window), camera=cam,
                             title=title, description=description)


def window_size(widget) -> tuple[int, int]:
    dpr = widget.devicePixelRatioF() if widget is not None else 1.0
    if widget is None:
        return render.DEFAULT_SIZE
    return max(16, int(widget.width() * dpr)), max(16, int(widget.height() * dpr))


def image_3d(window, size=None, transparent=False, legend=False):
    """QImage of what the 3D area shows (all split views side by side in split mode); with
    ``legend``, a framed camera keeps the legend's band free."""
    views = views3d(window)
    if not views:
        raise render.RenderError(f"no 3D view: {getattr(window, 'gl_reason', 'OpenGL is off')}")
    if size is None:
        size = window_size(window.stack3d if len(views) > 1 else views[0])
    w, h = size
    if len(views) == 1:
        top = overlay.overlay_height(window_scenario(window), h) / h if legend else 0.0
        return render.render_gl_view(views[0], w, h, transparent, top)
    img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_ARGB32)
    img.fill(QtGui.QColor(32, 34, 40, 0 if transparent else 255))
    p = QtGui.QPainter(img)
    edges = [round(w * i / len(views)) for i in range(len(views) + 1)]
    runs = {r.id: r for r in window.model.runs}
    for (rid, v), x0, x1 in zip(window.split_view.views.items(), edges[:-1], edges[1:]):
        p.drawImage(x0, 0, render.render_gl_view(v, x1 - x0, h, transparent))
        if rid in runs:
            overlay.draw_run_label(p, x0, 0, runs[rid].name, runs[rid].color, h, bottom=True)
    p.end()
    return img


def export_image(window, kind: str, path, size=None, transparent=False, legend=False):
    """Write a PNG of one view (kind: png3d, png2d, pngloss, composite) atomically."""
    if kind == "png3d":
        img = image_3d(window, size, transparent, legend)
    elif kind == "png2d":
        img = render.grab_widget(window.view2d, *(size or window_size(window.view2d)))
    elif kind == "pngloss":
        img = render.grab_widget(window.loss_plot, *(size or window_size(window.loss_plot)))
    elif kind == "composite":
        if size is None:
            size = window_size(window.centralWidget())
        w, h = size
        left, right, top = render.composite_layout(w, h)
        img3d = image_3d(window, (left, h), transparent, legend) if views3d(window) else None
        if legend and img3d is not None:
            img3d = img3d.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
            overlay.draw_overlay(img3d, window_scenario(window), current_step(window))
        img = render.compose(img3d, render.grab_widget(window.view2d, right, top),
                             render.grab_widget(window.loss_plot, right, h - top), w, h,
                             transparent)
    else:
        raise ValueError(f"not an image export: {kind!r}")
    if legend and kind == "png3d":
        img = img.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
        overlay.draw_overlay(img, window_scenario(window), current_step(window))
    render.save_qimage(img, path)


def export_animation(window, path, size=None, fps=render.DEFAULT_FPS, frames=None, legend=True,
                     progress=None, view="3d"):
    """GIF or MP4 (from the extension) of the descent from step 0 to the current step."""
    ext = render.output_format(path)
    sc = window_scenario(window)
    if size is None:
        size = window_size(views3d(window)[0] if views3d(window) else None)
    w, h = size
    if ext == ".mp4":
        w, h = w - w % 2, h - h % 2  # H.264 wants even sides
    render.check_output(path)
    views = ("3d", "2d", "loss") if view == "composite" else (view,)
    # A camera the user moved is kept as it is; the default one fills the frames.
    touched = window.view3d is not None and window.view3d.camera_touched
    with render.Scene(sc, views=views, fit_camera=not touched) as scene:
        if ext == ".gif":
            render.write_gif(scene, path, (w, h), fps=fps, frames=frames, view=view,
                             progress=progress, overlay=legend)
        elif ext == ".mp4":
            render.write_mp4(scene, path, (w, h), fps=fps, frames=frames, view=view,
                             progress=progress, overlay=legend)
        else:
            raise render.RenderError(f"{path}: an animation must be .gif or .mp4")


def export_trajectories(window, path, progress=None):
    from landscape_explorer.core import trajectories

    sc = window_scenario(window)
    results = trajectories.simulate_all(sc, progress=progress)
    if str(path).lower().endswith(".csv"):
        trajectories.write_trajectories_csv(sc, path, results)
    else:
        trajectories.write_trajectories_json(sc, path, results)


def run_export(window, opts: dict, progress=None) -> str:
    """Do one export (``ExportDialog.options()``); returns the path written. Raises RenderError,
    ScenarioError, OSError or Cancelled; nothing is left on disk when it does."""
    kind, path = opts["kind"], opts["path"]
    if not path:
        raise render.RenderError("no file name given")
    ext = KINDS[kind][1]
    if not path.lower().endswith(ext):
        path += ext
    if opts.get("transparent") and kind not in ("png3d", "composite"):
        opts = dict(opts, transparent=False)
    render.check_output(path)
    if kind in ("png3d", "png2d", "pngloss", "composite"):
        export_image(window, kind, path, opts.get("size"), opts.get("transparent", False),
                     opts.get("legend", False))
    elif kind in ("gif", "mp4"):
        export_animation(window, path, opts.get("size"), fps=opts.get("fps", render.DEFAULT_FPS),
                         frames=opts.get("frames"), legend=opts.get("legend", True),
                         progress=progress)
    else:
        export_trajectories(window, path, progress=progress)
    return path
