"""Still pictures: a true-color PNG through Qt's writer, or an 8-bit palette PNG."""
from __future__ import annotations

from .images import save_palette_png, save_qimage


def write_png(scene, path, size, view="3d", transparent=False, step=None, overlay=None,
              colors=None) -> None:
    scene.advance_to(scene.scenario.steps if step is None else step)
    img = scene.image(view, *size, transparent=transparent, overlay=overlay)
    if colors:
        keep = [r.color for r in scene.scenario.enabled_runs()] + ["#FFFFFF", "#111111"]
        save_palette_png(img, path, colors, keep=keep)
    else:
        save_qimage(img, path)
