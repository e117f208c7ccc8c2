"""H.264 MP4 (imageio + imageio-ffmpeg): frames are piped to ffmpeg from the encoder thread
while the next one renders."""
from __future__ import annotations

import importlib

import numpy as np

from landscape_explorer.core.atomic import atomic_path

from .formats import RenderError, default_frames, frame_steps
from .frames import EncoderThread, rendered_frames
from .images import qimage_to_array


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
        importlib.import_module("imageio")
    except ImportError:
        return False, "MP4 export needs imageio: pip install imageio imageio-ffmpeg"
    return True, ""


def write_mp4(scene, path, size, fps=30, frames=None, view="3d", progress=None, overlay=None,
              steps=None) -> None:
    """H.264 MP4 of the descent from step 0 to ``steps``."""
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
            def encode(img):
                writer.append_data(np.ascontiguousarray(qimage_to_array(img)[..., :3]))

            with EncoderThread(encode) as encoder:
                for img in rendered_frames(scene, size, view, at, progress, overlay):
                    encoder.put(img)
        finally:
            writer.close()
