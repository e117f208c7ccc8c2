"""`landscape-explorer critical` and `landscape-explorer basins` (loaded by cli.py).

Errors follow cli.py's rule: one line on stderr, exit status 2, never a traceback.
"""
from __future__ import annotations

import json

import numpy as np

from .cli import UsageError, parse_optimizer, parse_point, parse_surface, positive_int


def add_subcommands(sub):
    p = sub.add_parser("critical", help="find and classify every critical point of a surface")
    p.add_argument("--surface", required=True, help="surface name (see `list`)")
    p.add_argument("--xlim", metavar="XMIN,XMAX", help="search bounds in x (default: the "
                   "surface's plotting bounds)")
    p.add_argument("--ylim", metavar="YMIN,YMAX", help="search bounds in y")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_critical)

    p = sub.add_parser("basins", help="color a grid of starts by the critical point each ends at")
    p.add_argument("--surface", required=True, help="surface name (see `list`)")
    p.add_argument("--optimizer", action="append", required=True, metavar="SPEC",
                   help='e.g. "adam(lr=0.05)"; repeat to put several maps side by side')
    p.add_argument("--resolution", type=positive_int, default=256, help="starts per axis")
    p.add_argument("--steps", type=positive_int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--xlim", metavar="XMIN,XMAX")
    p.add_argument("--ylim", metavar="YMIN,YMAX")
    p.add_argument("-o", "--output", metavar="PNG", help="write the map(s) to this PNG")
    p.add_argument("--json", action="store_true", help="print the fractions as JSON")
    p.set_defaults(func=cmd_basins)


def _bounds(surf, args):
    (x0, x1), (y0, y1) = surf.bounds
    if args.xlim:
        x0, x1 = parse_point(args.xlim)
    if args.ylim:
        y0, y1 = parse_point(args.ylim)
    if not (x0 < x1 and y0 < y1):
        raise UsageError(f"invalid bounds x {x0:g}..{x1:g}, y {y0:g}..{y1:g}: min must be < max")
    return (x0, x1), (y0, y1)


def _point_json(c) -> dict:
    return {"xy": list(c.xy), "value": c.value, "kind": c.kind,
            "eigenvalues": list(c.eigenvalues), "degenerate": c.degenerate}


def cmd_critical(args) -> int:
    from .core.analysis import critical_points

    surf = parse_surface(args.surface)
    bounds = _bounds(surf, args)
    cps = critical_points(surf, bounds)
    if args.json:
        print(json.dumps({"surface": surf.name, "bounds": [list(b) for b in bounds],
                          "critical_points": [_point_json(c) for c in cps]}))
        return 0
    (x0, x1), (y0, y1) = bounds
    print(f"{surf.title} ({surf.name}): {len(cps)} critical points in "
          f"[{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]")
    for c in cps:
        lo, hi = c.eigenvalues
        print(f"  {c.kind:<11} ({c.xy[0]:.6g}, {c.xy[1]:.6g})  value {c.value:.6g}  "
              f"Hessian eigenvalues {lo:.4g}, {hi:.4g}" + ("  (degenerate)" if c.degenerate else ""))
    return 0


def cmd_basins(args) -> int:
    from .core.analysis import basins

    surf = parse_surface(args.surface)
    opts = [parse_optimizer(s) for s in args.optimizer]
    if args.resolution < 1:
        raise UsageError(f"invalid --resolution {args.resolution}: must be >= 1")
    bounds = _bounds(surf, args)
    if args.output:
        _check_writable(args.output)
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


def _check_writable(path: str):
    from .core.atomic import check_writable

    try:
        check_writable(path)
    except OSError as e:
        raise UsageError(f"cannot write {path!r}: {e}") from None


def write_png(path: str, rgb: np.ndarray):
    """Write atomically (core.atomic: a temporary file in the same directory, then os.replace)."""
    from PIL import Image

    from .core.atomic import atomic_write

    img = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    try:
        atomic_write(path, lambda f: img.save(f, format="PNG"))
    except OSError as e:
        raise UsageError(f"cannot write {path!r}: {e.strerror or e}") from None
