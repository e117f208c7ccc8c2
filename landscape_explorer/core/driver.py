"""The step driver's formulas, shared by both engines (simulate.py's numpy engine and fused.py).

Around every optimizer update the driver clips the gradient and decides whether the particle
may take the new point; these functions say how, once. Like the surfaces' and optimizers'
formulas they are elementwise and branch-free, so the numpy engine calls them on arrays of all
particles and the fused engine compiles them into its loop over one particle: same operations,
same results.
"""
from __future__ import annotations

from typing import Any

import numpy as np

DIVERGENCE_LIMIT = 1e8  # |coordinate| beyond this counts as diverged: far outside any plot
NO_CLIP = -1.0  # the clip argument when the optimizer clips nothing


def clip_factor(gx: Any, gy: Any, clip: float) -> Any:
    """The factor torch.nn.utils.clip_grad_norm_ scales the gradient (gx, gy) by: clip / (norm +
    1e-6), clamped to 1 (it is applied always, so a small gradient is multiplied by exactly 1).
    ``clip`` must be > 0; callers skip this when there is no clip."""
    return np.minimum(clip / (np.sqrt(gx * gx + gy * gy) + 1e-6), 1.0)


def accepted(nx: Any, ny: Any, limit: float) -> Any:
    """Whether a particle may move to (nx, ny): finite and within ``limit`` in both coordinates.
    One that may not stays where it is from then on and counts as diverged."""
    return (np.isfinite(nx) & np.isfinite(ny)) & ((np.abs(nx) < limit) & (np.abs(ny) < limit))
