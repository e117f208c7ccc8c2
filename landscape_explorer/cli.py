"""The `landscape-explorer` command: the app with no arguments, subcommands for headless work.

Every user error (unknown name, bad number, bad hyperparameter, a spec that is not a literal
call) ends with one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys

import numpy as np

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage over several lines; we print one
        raise UsageError(message)


# ---------------------------------------------------------------------------------------------
# Optimizer specs: "adam", "adam(lr=0.05, betas=(0.9, 0.99), schedule=cosine(T_max=200))".


def _literal(node: ast.AST, where: str):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise UsageError(f"{where}: {ast.unparse(node)!r} is not a literal value") from None


def _parse_call(text: str, what: str):
    """Parse NAME or NAME(key=literal, ...) without evaluating anything."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        raise UsageError(f"invalid {what} {text!r}: expected NAME or NAME(key=value, ...)") from None
    if isinstance(node, ast.Name):
        return node.id, {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise UsageError(f"invalid {what} {text!r}: expected NAME or NAME(key=value, ...)")
    if node.args:
        raise UsageError(f"invalid {what} {text!r}: give arguments by name, e.g. lr=0.1")
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise UsageError(f"invalid {what} {text!r}: ** is not allowed")
        if kw.arg == "schedule" and isinstance(kw.value, (ast.Call, ast.Name)):
            kwargs[kw.arg] = parse_schedule(ast.unparse(kw.value))
        else:
            value = _literal(kw.value, f"{node.func.id}({kw.arg}=...)")
            kwargs[kw.arg] = tuple(value) if isinstance(value, list) else value
    return node.func.id, kwargs


def parse_schedule(text: str):
    from .core.schedules import schedule

    name, kwargs = _parse_call(text, "schedule")
    try:
        return schedule(name, **kwargs)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def parse_optimizer(text: str):
    """An Optimizer from a spec string; UsageError with one line if anything is wrong."""
    from .core.optimizers import optimizer

    name, kwargs = _parse_call(text, "optimizer")
    try:
        return optimizer(name, **kwargs)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def parse_surface(name: str):
    from .core.surfaces import surface

    try:
        return surface(name)
    except ValueError as e:
        raise UsageError(str(e)) from None


def parse_point(text: str) -> tuple[float, float]:
    parts = text.replace(" ", "").split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"invalid point {text!r}: expected X,Y such as 2.5,-1") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise UsageError(f"invalid point {text!r}: coordinates must be finite")
    return x, y


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {v}")
    return v


def _jsonable(v):
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


def optimizer_json(opt) -> dict:
    return {
        "optimizer": opt.name,
        "spec": opt.spec() + (f" schedule={opt.schedule.spec()}" if opt.schedule else ""),
        "hyperparams": {k: _jsonable(v) for k, v in opt.hyperparams.items()},
        "noise": opt.noise,
        "clip": opt.clip,
        "schedule": None if opt.schedule is None else
        {"name": opt.schedule.name, **{k: _jsonable(v) for k, v in opt.schedule.params.items()}},
    }


# ---------------------------------------------------------------------------------------------
# run


def _add_run(sub):
    p = sub.add_parser("run", help="run optimizers from start points and print where they end")
    p.add_argument("--surface", required=True, help="surface name (see `list`)")
    p.add_argument("--optimizer", action="append", required=True, metavar="SPEC",
                   help='e.g. "adam(lr=0.05)"; repeat to compare several')
    p.add_argument("--start", action="append", required=True, metavar="X,Y",
                   help="start point; repeat for several particles")
    p.add_argument("--steps", type=positive_int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object with full paths")
    p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    from .core.simulate import simulate

    surf = parse_surface(args.surface)
    opts = [parse_optimizer(s) for s in args.optimizer]
    starts = np.array([parse_point(s) for s in args.start])
    runs = []
    for opt in opts:
        res = simulate(surf, opt, starts, args.steps, seed=args.seed)
        runs.append((opt, res))
    if args.json:
        out = {
            "surface": surf.name, "steps": args.steps, "seed": args.seed,
            "starts": starts.tolist(),
            "runs": [dict(optimizer_json(opt),
                          final=res.final.tolist(), loss=res.final_loss.tolist(),
                          status=list(res.status), steps_taken=res.steps_taken.tolist(),
                          path=res.path.tolist(), path_loss=res.loss.tolist(),
                          verdicts=[verdict_json(v) for v in res.verdicts])
                     for opt, res in runs],
        }
        print(json.dumps(out))
        return 0
    print(f"{surf.title} ({surf.name}), {args.steps} steps, seed {args.seed}")
    for opt, res in runs:
        print(opt.spec() + (f" with schedule {opt.schedule.spec()}" if opt.schedule else ""))
        verdicts = res.verdicts
        for i, start in enumerate(starts):
            x, y = res.final[i]
            print(f"  from ({start[0]:g}, {start[1]:g}) -> ({x:.6g}, {y:.6g})  "
                  f"loss {res.final_loss[i]:.6g}  {res.status[i]}  "
                  f"{res.steps_taken[i]} steps")
            print(f"    verdict: {verdicts[i].detail}")
    return 0


def verdict_json(v) -> dict:
    p = v.point
    return {"kind": v.kind, "detail": v.detail,
            "point": None if p is None else {"xy": list(p.xy), "value": p.value, "kind": p.kind}}


# ---------------------------------------------------------------------------------------------
# list


def _add_list(sub):
    p = sub.add_parser("list", help="list surfaces, optimizers (with hyperparameters) and schedules")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)


def cmd_list(args) -> int:
    from .core import schedules
    from .core.optimizers import COMMON_PARAMS, optimizer_def, optimizer_names
    from .core.surfaces import surface, surface_names

    surfaces = [surface(n) for n in surface_names()]
    optimizers = [optimizer_def(n) for n in optimizer_names()]
    scheds = [(n, schedules.schedule_params(n)) for n in schedules.schedule_names()]
    if args.json:
        print(json.dumps({
            "surfaces": [{"name": s.name, "title": s.title, "formula": s.formula,
                          "bounds": s.bounds, "description": s.description} for s in surfaces],
            "optimizers": [{"name": d.name, "title": d.title, "description": d.description,
                            "hyperparams": {p.name: _jsonable(p.default) for p in d.params}}
                           for d in optimizers],
            "common": {p.name: p.default for p in COMMON_PARAMS},
            "schedules": [{"name": n, "params": {p[0]: _jsonable(p[1]) for p in ps}}
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


# ---------------------------------------------------------------------------------------------

# Each adds its subparser; modules owned by the analysis and export parts register here too.
SUBCOMMANDS = [_add_run, _add_list]


def _load_extra_subcommands():
    extra = []
    for modname in ("cli_analysis", "cli_render"):
        try:
            mod = __import__(f"{__package__}.{modname}", fromlist=["add_subcommands"])
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.{modname}":
                raise
            continue
        extra.append(mod.add_subcommands)
    return extra


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="landscape-explorer",
                     description="See why training gets stuck, and how optimizers get out. "
                                 "With no command, opens the app.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for add in SUBCOMMANDS + _load_extra_subcommands():
        add(sub)
    return parser


def _join_negative_points(argv: list[str]) -> list[str]:
    """argparse takes "-0.5,1" after --start for an option; "--start=-0.5,1" it reads right."""
    out = []
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a in POINT_OPTIONS and i + 1 < len(argv) and re.match(r"^-[\d.]", argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            next(it, None)
        else:
            out.append(a)
    return out


POINT_OPTIONS = {"--start", "--center"}


def main(argv=None) -> int:
    argv = _join_negative_points(sys.argv[1:] if argv is None else list(argv))
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            from .app import main as app_main

            return app_main([])
        return args.func(args)
    except UsageError as e:
        cmd = f" {args.command}" if "args" in locals() and getattr(args, "command", None) else ""
        print(f"landscape-explorer{cmd}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
