"""Converting finished pictures: QImage to numpy, Qt's writer, and 256-color palettes (palette
PNGs and GIFs) that keep the runs' colors exact."""
from __future__ import annotations

import os

import numpy as np

from landscape_explorer.core.atomic import atomic_path

from .formats import RenderError


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
