"""What a render accepts: output formats, views, picture sizes, and which steps an animation's
frames show. No Qt here: the CLI checks its arguments with these before any display is needed."""
from __future__ import annotations

import os

import numpy as np

from landscape_explorer.core.atomic import check_writable

FORMATS = (".png", ".gif", ".mp4", ".csv", ".json")  # the last two: trajectories, no display
VIEWS = ("3d", "2d", "loss", "composite")
MIN_SIDE, MAX_SIDE = 16, 8192
DEFAULT_SIZE = (1280, 800)
DEFAULT_FPS = 30
DEFAULT_SECONDS = 4.0  # default animation length


class RenderError(Exception):
    """Anything that stops a render; ``str(e)`` is one line for the user."""


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


def frame_steps(steps: int, frames: int) -> list:
    """``frames`` step numbers from 0 to ``steps``, evenly spread (repeats when frames > steps+1)."""
    if frames < 1:
        raise RenderError(f"invalid frame count {frames}: must be >= 1")
    if frames == 1:
        return [steps]
    return [int(v) for v in np.round(np.linspace(0, steps, frames))]


def default_frames(steps: int, fps: int) -> int:
    return int(max(2, min(steps + 1, round(fps * DEFAULT_SECONDS))))
