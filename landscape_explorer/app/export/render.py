"""Pictures of a scenario without a window: PNG, animated GIF and MP4 (and the trajectories as
CSV or JSON). ``render_scenario`` picks the writer from the file's extension.

The parts, one job each: ``formats`` (what a render accepts), ``display`` (the Qt application
and OpenGL checks), ``scene`` (the app's views offscreen), ``frames`` (animation frames rendered
while the previous one is encoded), ``images`` (conversions and palettes), and one module per
writer: ``png``, ``gif``, ``mp4``. This module also gives their public names to callers that
import them from here.

Every file is written through ``core.atomic``: to a temporary name, renamed into place only when
complete; an error, an interrupt or a cancel (``Cancelled`` raised by the progress callback, or
the callback returning False) leaves no file and keeps an existing one intact.

OpenGL needs a display: on a machine with none, run under ``xvfb-run -a``.
"""
from __future__ import annotations

from landscape_explorer.core.scenario import Scenario

from .display import check_opengl, ensure_qapp, x_display_reachable
from .formats import (DEFAULT_FPS, DEFAULT_SECONDS, DEFAULT_SIZE, FORMATS, MAX_SIDE, MIN_SIDE,
                      VIEWS, RenderError, check_output, default_frames, frame_steps,
                      output_format)
from .gif import FINAL_HOLD_S, GifStream, write_gif
from .images import palette_image, qimage_to_array, save_palette_png, save_qimage
from .mp4 import mp4_writer_available, write_mp4
from .png import write_png
from .scene import (MARK_SCALE_FROM, PRINT_REFERENCE, Scene, compose, composite_layout,
                    grab_widget, print_scale, render_gl_view)

__all__ = [
    "DEFAULT_FPS", "DEFAULT_SECONDS", "DEFAULT_SIZE", "FORMATS", "MAX_SIDE", "MIN_SIDE", "VIEWS",
    "RenderError", "check_output", "default_frames", "frame_steps", "output_format",
    "check_opengl", "ensure_qapp", "x_display_reachable",
    "FINAL_HOLD_S", "GifStream", "write_gif", "palette_image", "qimage_to_array",
    "save_palette_png", "save_qimage", "mp4_writer_available", "write_mp4", "write_png",
    "MARK_SCALE_FROM", "PRINT_REFERENCE", "Scene", "compose", "composite_layout", "grab_widget",
    "print_scale", "render_gl_view", "render_scenario",
]


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
