"""`landscape-explorer list`: surfaces, optimizers (with hyperparameters) and schedules."""
from __future__ import annotations

import json

from .common import jsonable


def add_subcommand(sub):
    p = sub.add_parser("list", help="list surfaces, optimizers (with hyperparameters) and schedules")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)


def cmd_list(args) -> int:
    from ..core import schedules
    from ..core.optimizers import COMMON_PARAMS, optimizer_def, optimizer_names
    from ..core.surfaces import surface, surface_names

    surfaces = [surface(n) for n in surface_names()]
    optimizers = [optimizer_def(n) for n in optimizer_names()]
    scheds = [(n, schedules.schedule_params(n)) for n in schedules.schedule_names()]
    if args.json:
        print(json.dumps({
            "surfaces": [{"name": s.name, "title": s.title, "formula": s.formula,
                          "bounds": s.bounds, "description": s.description} for s in surfaces],
            "optimizers": [{"name": d.name, "title": d.title, "description": d.description,
                            "hyperparams": {p.name: jsonable(p.default) for p in d.params}}
                           for d in optimizers],
            "common": {p.name: p.default for p in COMMON_PARAMS},
            "schedules": [{"name": n, "params": {p[0]: jsonable(p[1]) for p in ps}}
                          for n, ps in scheds],
        }))
        return 0
    print("Surfaces:")
    for s in surfaces:
        print(f"  {s.name:<18} {s.formula}")
    print("\nOptimizers (hyperparameter=default; all also take "
          f"{', '.join(f'{p.name}={p.default}' for p in COMMON_PARAMS)}):")
    for d in optimizers:
        hp = ", ".join(f"{p.name}={p.default!r}" for p in d.params)
        print(f"  {d.name:<10} {hp}")
    print("\nSchedules (parameter=default; '<required>' must be given):")
    for n, ps in scheds:
        args_ = ", ".join(f"{p[0]}={'<required>' if p[1] is schedules.REQUIRED else repr(p[1])}"
                          for p in ps)
        print(f"  {n:<22} {args_}")
    return 0
