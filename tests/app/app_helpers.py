"""Shared helpers for the app tests (imported by name: tests/app is on sys.path)."""
import numpy as np


def bowl_state(**extra):
    state = {
        "surface": "bowl", "bounds": [[-2.0, 2.0], [-2.0, 2.0]], "resolution": 80,
        "start": [-1.5, 1.2], "max_steps": 300, "speed": 60.0,
        "runs": [
            {"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.02}, "color": "#E69F00"},
            {"id": 2, "optimizer": "adam", "hyperparams": {"lr": 0.05}, "color": "#56B4E9"},
        ],
    }
    state.update(extra)
    return state


def color_pixels(bgra: np.ndarray, color: str, tol: int = 6) -> np.ndarray:
    """Mask of pixels within tol of '#RRGGBB' in a BGRA frame."""
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    px = bgra[..., :3].astype(int)
    return (abs(px[..., 2] - r) <= tol) & (abs(px[..., 1] - g) <= tol) & (abs(px[..., 0] - b) <= tol)
