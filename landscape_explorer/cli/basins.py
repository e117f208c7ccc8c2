"""`landscape-explorer basins`: color a grid of starts by the critical point each ends at."""
from __future__ import annotations

import json

import numpy as np

from ..core.validation import shown

from .common import (UsageError, bounded_int, check_output_writable, check_resolvable, check_size, parse_bounds,
                     parse_optimizer, parse_surface, seed_int, steps_int, write_png)

MAX_RESOLUTION = 4096
# Bytes per start while a map is computed: positions, optimizer state (up to 3 buffers), the
# last update, end points, labels and the image, with numpy's temporaries.
BYTES_PER_START = 240


def add_subcommand(sub):
    p = sub.add_parser("basins", help="color a grid of starts by the critical point each ends at")
    p.add_argument("--surface", required=True, help="surface name (see `list`)")
    p.add_argument("--optimizer", action="append", required=True, metavar="SPEC",
                   help='e.g. "adam(lr=0.05)"; repeat to put several maps side by side')
    p.add_argument("--resolution", type=bounded_int(1, MAX_RESOLUTION), default=256,
                   help=f"starts per axis (at most {MAX_RESOLUTION})")
    p.add_argument("--steps", type=steps_int, default=500)
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--xlim", metavar="XMIN,XMAX")
    p.add_argument("--ylim", metavar="YMIN,YMAX")
    p.add_argument("-o", "--output", metavar="PNG", help="write the map(s) to this PNG")
    p.add_argument("--json", action="store_true", help="print the fractions as JSON")
    p.set_defaults(func=cmd_basins)


def cmd_basins(args) -> int:
    from ..core.basins import basins

    surf = parse_surface(args.surface)
    opts = [parse_optimizer(s) for s in args.optimizer]
    n = args.resolution ** 2
    check_size(f"--resolution {args.resolution} (x {len(opts)} optimizer(s)) with --steps "
               f"{args.steps}", n * BYTES_PER_START, n * args.steps * len(opts),
               "use a smaller --resolution or fewer --steps")
    bounds = parse_bounds(surf, args)
    check_resolvable(surf, bounds)
    if args.output:
        if not args.output.lower().endswith(".png"):
            raise UsageError(f"invalid --output {shown(args.output)}: basins writes PNG; "
                             "give a .png name")
        check_output_writable(args.output)
    results = []
    for opt in opts:
        try:
            results.append(basins(surf, opt, resolution=args.resolution, steps=args.steps,
                                  bounds=bounds, seed=args.seed))
        except ValueError as e:
            raise UsageError(str(e)) from None
    if args.output:
        write_png(args.output, side_by_side([r.image() for r in results]))
    if args.json:
        print(json.dumps({
            "surface": surf.name, "resolution": args.resolution, "steps": args.steps,
            "seed": args.seed, "bounds": [list(b) for b in bounds],
            "runs": [{"optimizer": r.optimizer.name, "spec": r.optimizer.spec(),
                      "fractions": r.fractions, "global_min_fraction": r.global_min_fraction,
                      "seconds": r.seconds} for r in results],
            # The first (often only) optimizer's fractions, at the top level for convenience.
            "fractions": results[0].fractions,
            "output": args.output,
        }))
        return 0
    print(f"{surf.title} ({surf.name}): {args.resolution}x{args.resolution} starts, "
          f"{args.steps} steps, seed {args.seed}")
    for r in results:
        print(f"{r.optimizer.spec()}: {100 * r.global_min_fraction:.1f}% of starts reach the "
              f"global minimum ({r.seconds:.2f} s)")
        top = sorted(r.fractions.items(), key=lambda kv: -kv[1])
        for label, f in top[:8]:
            print(f"  {100 * f:6.2f}%  {label}")
        if len(top) > 8:
            rest = sum(f for _, f in top[8:])
            print(f"  {100 * rest:6.2f}%  {len(top) - 8} other outcomes")
    if args.output:
        print(f"wrote {args.output}")
    return 0


def side_by_side(images, gap: int = 8) -> np.ndarray:
    """Images (H, W, 3) next to each other on white, with a gap between them."""
    h = max(im.shape[0] for im in images)
    w = sum(im.shape[1] for im in images) + gap * (len(images) - 1)
    out = np.full((h, w, 3), 255, dtype=np.uint8)
    x = 0
    for im in images:
        out[: im.shape[0], x: x + im.shape[1]] = im
        x += im.shape[1] + gap
    return out
