"""Animated GIFs, written frame by frame: the file grows as the frames render, and memory stays
that of a few frames, however many there are (Pillow's save_all holds every frame until the
end: 100,000 frames grew past 3 GB).

Every frame uses one global palette, so colors do not shimmer from frame to frame. It is made
before the first frame from three sample frames (the first, a middle one, and the final one,
which holds every trail), with the runs' colors kept exact; Floyd–Steinberg dithering then hides
the steps that 256 colors would leave in the surface's smooth shading (banding)."""
from __future__ import annotations

import struct

import numpy as np

from landscape_explorer.core.atomic import atomic_path

from .formats import default_frames, frame_steps
from .frames import EncoderThread, rendered_frames
from .images import palette_image, qimage_to_array

FINAL_HOLD_S = 1.5  # the last frame stays up this long before the loop restarts
MIN_DELAY_MS = 20  # GIF delays are in 1/100 s, and browsers slow anything shorter to 100 ms


def frame_delays_ms(frames: int, fps: int) -> list:
    """Each frame's delay: 1/fps, the last one held FINAL_HOLD_S."""
    frame_ms = max(MIN_DELAY_MS, int(round(1000 / fps)))
    delays = [frame_ms] * frames
    delays[-1] = max(frame_ms, int(FINAL_HOLD_S * 1000))
    return delays


class GifStream:
    """A GIF89a written to an open binary file one frame at a time, all frames at ``size`` with
    the global ``palette`` (a Pillow "P" image); looping forever."""

    def __init__(self, fh, size, palette):
        self.fh = fh
        self.palette = palette
        self.frames = 0
        w, h = (int(v) for v in size)
        table = (list(palette.getpalette() or []) + [0] * 768)[:768]
        # Logical screen: a 256-entry global color table (flags 0xF7), background 0.
        fh.write(b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + bytes(table))
        # NETSCAPE2.0 application extension: loop forever.
        fh.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00")

    def add_rgb(self, rgb: np.ndarray, delay_ms: int) -> None:
        """Append one (h, w, 3) uint8 frame, shown for ``delay_ms``."""
        from PIL import GifImagePlugin, Image

        pic = Image.fromarray(np.ascontiguousarray(rgb), "RGB").quantize(
            palette=self.palette, dither=Image.Dither.FLOYDSTEINBERG)
        # Pillow's per-frame encoder (graphic control extension, image descriptor, LZW data);
        # with no local color table the frame uses the global palette it was quantized to.
        for chunk in GifImagePlugin.getdata(pic, duration=int(delay_ms), disposal=1):
            self.fh.write(chunk)
        self.frames += 1

    def close(self) -> None:
        self.fh.write(b";")  # trailer
        self.fh.flush()


def write_gif(scene, path, size, fps=30, frames=None, view="3d", progress=None, overlay=None,
              steps=None) -> None:
    """Animated GIF of the descent from step 0 to ``steps``, ``frames`` frames."""
    last = scene.scenario.steps if steps is None else int(steps)
    n = default_frames(last, fps) if frames is None else int(frames)
    at = frame_steps(last, n)
    samples = []
    for s in sorted({at[0], at[len(at) // 2], last}):
        scene.advance_to(s)
        samples.append(qimage_to_array(scene.image(view, *size, overlay=overlay))[..., :3])
    keep = [r.color for r in scene.scenario.enabled_runs()] + ["#FFFFFF", "#111111"]
    palette = palette_image(samples, 256, keep)
    del samples
    delays = frame_delays_ms(n, fps)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        gif = GifStream(fh, size, palette)

        def encode(item):
            img, delay = item
            gif.add_rgb(qimage_to_array(img)[..., :3], delay)

        with EncoderThread(encode) as encoder:
            for img, delay in zip(rendered_frames(scene, size, view, at, progress, overlay),
                                  delays):
                encoder.put((img, delay))
        gif.close()
