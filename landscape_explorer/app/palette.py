"""Colors shared by every view, so a run is the same color in 3D, 2D, the loss plot and the legend.

Run colors are the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), which stays
distinguishable under the common forms of color blindness. Yellow and black come last: yellow is
hard to see on light backgrounds and black on dark colormaps.
"""
from __future__ import annotations

import numpy as np

RUN_COLORS = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#0072B2",  # blue
    "#F0E442",  # yellow
    "#000000",  # black
)

# Drawn under trails and around balls so they read on every colormap, light or dark.
OUTLINE = "#111111"
START_MARKER = "#FFFFFF"

# Colormaps offered for the surface (all ship with pyqtgraph; none needs matplotlib).
COLORMAPS = ("viridis", "cividis", "plasma", "inferno", "magma", "turbo", "CET-L1", "CET-L3")
DEFAULT_COLORMAP = "viridis"


def next_run_color(used) -> str:
    """The first palette color not in ``used``; cycles when all are taken."""
    used = {c.upper() for c in used}
    for c in RUN_COLORS:
        if c.upper() not in used:
            return c
    return RUN_COLORS[len(used) % len(RUN_COLORS)]


def rgb(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' -> (r, g, b) in 0..255."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgbf(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    r, g, b = rgb(color)
    return r / 255.0, g / 255.0, b / 255.0, float(alpha)


def colormap(name: str):
    import pyqtgraph as pg

    try:
        return pg.colormap.get(name)
    except Exception:  # unknown or unreadable map: never fail a redraw over a color choice
        return pg.colormap.get(DEFAULT_COLORMAP)


def height_colors(name: str, t: np.ndarray) -> np.ndarray:
    """RGBA floats (..., 4) for normalized heights t in [0, 1]."""
    cmap = colormap(name)
    lut = cmap.getLookupTable(0.0, 1.0, 512, alpha=True).astype(np.float32) / 255.0
    idx = np.clip(np.nan_to_num(t, nan=1.0) * 511.0, 0, 511).astype(np.intp)
    return lut[idx]
