"""`landscape-explorer list`: surfaces, optimizers (with hyperparameters), schedules, and the
grammar of a typed surface (a formula in x and y, accepted wherever a surface name is)."""
from __future__ import annotations

import json

from .common import jsonable


def add_subcommand(sub):
    p = sub.add_parser("list", help="list surfaces, optimizers (with hyperparameters), schedules "
                                    "and the grammar of a typed surface")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)


def typed_surface_help() -> list[str]:
    """The grammar of a typed surface, as lines for `list` (from core.expressions' own tables,
    so the text cannot drift from what the parser accepts)."""
    from ..core import expressions as ex

    return [
        "Typed surfaces (anywhere a surface name is accepted: --surface, scenario files, the app):",
        "  names       x, y, the constants pi and e, and named parameters",
        "  operators   + - * / ** (^ also means power), unary minus, parentheses",
        "  functions   " + ", ".join(ex.function_signatures()),
        "  parameters  a scenario file's surface gives them values: {\"name\": \"a*sin(b*x) + "
        "y**2\", \"params\": {\"a\": 1, \"b\": 3}}; in Python: le.surface(\"a*sin(b*x) + "
        "y**2\", params={\"a\": 1, \"b\": 3})",
        f"  limits      at most {ex.MAX_LENGTH} characters, {ex.MAX_NESTING} levels of nesting, "
        f"{ex.MAX_NODES} terms, constant exponents up to {ex.MAX_EXPONENT}",
        "  example     landscape-explorer run --surface \"x**4 - 3*x**2 + y**2\" "
        "--optimizer adam --start 0.5,1",
        "  Derivatives are exact (symbolic). Where f is undefined (log(x) at x <= 0) the surface "
        "has a gap, and a particle that would step there stops.",
    ]


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
            "typed_surfaces": typed_surface_help(),
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
    print()
    print("\n".join(typed_surface_help()))
    return 0
