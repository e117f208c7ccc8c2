"""Skip connections smooth the loss landscape (Li et al., "Visualizing the Loss Landscape of
Neural Nets", 2018), shown on a small network you can train here in seconds.

The same deep MLP (10 hidden layers of 16 ReLU units, same data, same initialization seed,
same filter-normalized random directions seed) is trained with and without residual skip
connections; each trained network's loss is sliced through its parameters along two random
directions, and the script prints, for each slice, the paper's non-convexity measure (the
fraction of the slice where |λ_min / λ_max| of the 2-D Hessian exceeds 0.1 with λ_min < 0)
and the number of local minima the grid resolves, then writes the two slices side by side.

    python examples/skip_connections.py [-o skip_connections.png]
"""
from __future__ import annotations

import argparse

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import landscape_explorer as le
from landscape_explorer.core.nn_slice import grid_minima, nonconvexity

SEED = 0  # initialization and directions; the claim (skip is smoother) is tested with it
DEPTH, WIDTH = 10, 16


def compare(depth: int = DEPTH, width: int = WIDTH, seed: int = SEED, n: int = 300):
    """{False: (slice, nonconvexity, minima), True: (...)} for the net without / with skips."""
    data = le.dataset("spirals", n=n, seed=seed)
    out = {}
    for skip in (False, True):
        s = le.nn_slice(data, hidden=(width,), depth=depth, skip=skip, seed=seed, epochs=300)
        out[skip] = (s, nonconvexity(s), grid_minima(s))
    return out


def picture(results, path: str, size: int = 320, samples: int = 160) -> None:
    """Both slices as log-loss maps with iso-lines, on one colour scale, side by side (the loss
    sampled on a samples x samples grid, drawn size x size pixels)."""
    from pyqtgraph import colormap

    lut = colormap.get("viridis").getLookupTable(nPts=256, alpha=False)
    grids = {}
    for skip, (s, _, _) in results.items():
        (x0, x1), (y0, y1) = s.bounds
        X, Y = np.meshgrid(np.linspace(x0, x1, samples), np.linspace(y1, y0, samples))
        grids[skip] = np.log10(s.value(np.stack([X, Y], -1)))
    lo = min(g.min() for g in grids.values())
    hi = max(g.max() for g in grids.values())
    pad, title_h, foot_h = 16, 64, 30
    img = Image.new("RGB", (2 * size + 3 * pad, size + title_h + foot_h), (32, 33, 36))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=16)
    small = ImageFont.load_default(size=13)
    for col, skip in enumerate((False, True)):
        s, nc, minima = results[skip]
        g = (grids[skip] - lo) / (hi - lo)
        rgb = lut[np.clip((g * 255).astype(int), 0, 255)].astype(np.uint8)
        level = np.floor(g * 16)  # iso-lines: where the 16-level band changes
        edge = np.zeros(g.shape, bool)
        edge[1:] |= level[1:] != level[:-1]
        edge[:, 1:] |= level[:, 1:] != level[:, :-1]
        rgb[edge] = (255, 255, 255)
        x = pad + col * (size + pad)
        tile = Image.fromarray(rgb).resize((size, size), Image.Resampling.NEAREST)
        img.paste(tile, (x, title_h))
        c = size // 2
        draw.ellipse((x + c - 5, title_h + c - 5, x + c + 5, title_h + c + 5),
                     outline=(230, 60, 60), width=2)  # the trained network, (0, 0)
        draw.text((x, 8), "with skip connections" if skip else "without skip connections",
                  fill=(240, 240, 240), font=font)
        draw.text((x, 34), f"non-convex: {nc:.1%}   local minima: {minima}",
                  fill=(240, 240, 240), font=font)
    draw.text((pad, title_h + size + 8),
              f"{DEPTH}x{WIDTH} ReLU MLP on spirals; log10 loss on one colour scale; red ring: "
              "the trained network", fill=(200, 200, 200), font=small)
    img.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="skip_connections.png")
    args = ap.parse_args()
    results = compare()
    for skip, (s, nc, minima) in results.items():
        print(f"{'with' if skip else 'without'} skip connections: train loss "
              f"{s.train_loss:.4f}, nonconvexity() {nc:.3f}, grid_minima() {minima}")
    picture(results, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
