"""`landscape-explorer critical`: find and classify every critical point of a surface."""
from __future__ import annotations

import json

from .common import check_resolvable, parse_bounds, parse_surface, precise


def add_subcommand(sub):
    p = sub.add_parser("critical", help="find and classify every critical point of a surface")
    p.add_argument("--surface", required=True, help="surface name (see `list`)")
    p.add_argument("--xlim", metavar="XMIN,XMAX", help="search bounds in x (default: the "
                   "surface's plotting bounds)")
    p.add_argument("--ylim", metavar="YMIN,YMAX", help="search bounds in y")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_critical)


def _point_json(c) -> dict:
    return {"xy": list(c.xy), "value": c.value, "kind": c.kind,
            "eigenvalues": list(c.eigenvalues), "degenerate": c.degenerate}


def cmd_critical(args) -> int:
    from ..core.critical import critical_points

    surf = parse_surface(args.surface)
    bounds = parse_bounds(surf, args)
    check_resolvable(surf, bounds)
    cps = critical_points(surf, bounds)
    if args.json:
        print(json.dumps({"surface": surf.name, "bounds": [list(b) for b in bounds],
                          "critical_points": [_point_json(c) for c in cps]}))
        return 0
    from ..core.critical import scales_of

    vr, span = scales_of(surf).value_range, scales_of(surf).span
    (x0, x1), (y0, y1) = bounds
    print(f"{surf.title} ({surf.name}): {len(cps)} critical points in "
          f"[{x0:g}, {x1:g}] x [{y0:g}, {y1:g}]")
    for c in cps:
        lo, hi = c.eigenvalues
        print(f"  {c.kind:<11} ({precise(c.xy[0], span)}, {precise(c.xy[1], span)})  "
              f"value {precise(c.value, vr)}  "
              f"Hessian eigenvalues {lo:.4g}, {hi:.4g}" + ("  (degenerate)" if c.degenerate else ""))
    return 0
