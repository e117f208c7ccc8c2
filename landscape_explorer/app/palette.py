"""Colors shared by every view, so a run is the same color in 3D, 2D, the loss plot and the legend.

Run colors start with the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
stays distinguishable under the common forms of color blindness, without its black (invisible on
the dark 3D background and on the dark end of magma or viridis). Five more, from Paul Tol's
qualitative schemes, make twelve that are pairwise at least 26 apart in CIELAB (ΔE*ab) and none
darker than L* 45; trails and balls carry a dark outline so that light colors read on the light
end of a colormap too.
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
    "#8F7FD0",  # lavender
    "#999933",  # olive
    "#EE8866",  # salmon
    "#CAB2D6",  # light purple
    "#EEDD88",  # sand
)
MIN_RUN_COLOR_DELTA_E = 26.0  # the smallest CIELAB distance between two run colors
MIN_RUN_COLOR_LIGHTNESS = 45.0  # L*: no run color near black

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


def cielab(color: str) -> np.ndarray:
    """'#RRGGBB' (sRGB) -> CIELAB (L*, a*, b*) under D65."""
    c = np.array(rgb(color), dtype=np.float64) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                  [0.0193, 0.1192, 0.9505]])
    xyz = m @ c / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str) -> float:
    """CIE76 color difference ΔE*ab between two '#RRGGBB' colors (about 2.3 is just noticeable)."""
    return float(np.linalg.norm(cielab(a) - cielab(b)))
