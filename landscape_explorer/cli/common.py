"""What every subcommand shares: one-line usage errors, and parsing of optimizer specs, points,
bounds and surfaces without evaluating anything.

Every user error (unknown name, bad number, bad hyperparameter, a spec that is not a literal
call) ends with one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import ast

import numpy as np

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
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
    from ..core.schedules import schedule

    name, kwargs = _parse_call(text, "schedule")
    try:
        return schedule(name, **kwargs)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def parse_optimizer(text: str):
    """An Optimizer from a spec string; UsageError with one line if anything is wrong."""
    from ..core.optimizers import optimizer

    name, kwargs = _parse_call(text, "optimizer")
    try:
        return optimizer(name, **kwargs)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def parse_surface(name: str):
    from ..core.surfaces import surface

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


def jsonable(v):
    if isinstance(v, tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


def optimizer_json(opt) -> dict:
    return {
        "optimizer": opt.name,
        "spec": opt.spec() + (f" schedule={opt.schedule.spec()}" if opt.schedule else ""),
        "hyperparams": {k: jsonable(v) for k, v in opt.hyperparams.items()},
        "noise": opt.noise,
        "clip": opt.clip,
        "schedule": None if opt.schedule is None else
        {"name": opt.schedule.name, **{k: jsonable(v) for k, v in opt.schedule.params.items()}},
    }


def precise(v: float, scale: float) -> str:
    """A value to 6 significant digits, or 0 where it is round-off beside ``scale`` (the
    surface's value range): Ackley's minimum prints 0, not -4.4e-16."""
    from ..core.critical import ROUND_OFF

    v = float(v)
    return "0" if abs(v) <= ROUND_OFF * abs(scale) else f"{v:.6g}"


def verdict_json(v) -> dict:
    p = v.point
    return {"kind": v.kind, "detail": v.detail,
            "point": None if p is None else {"xy": list(p.xy), "value": p.value, "kind": p.kind}}


def parse_bounds(surf, args):
    (x0, x1), (y0, y1) = surf.bounds
    if args.xlim:
        x0, x1 = parse_point(args.xlim)
    if args.ylim:
        y0, y1 = parse_point(args.ylim)
    if not (x0 < x1 and y0 < y1):
        raise UsageError(f"invalid bounds x {x0:g}..{x1:g}, y {y0:g}..{y1:g}: min must be < max")
    return (x0, x1), (y0, y1)


def check_output_writable(path: str):
    from ..core.atomic import check_writable

    try:
        check_writable(path)
    except OSError as e:
        raise UsageError(f"cannot write {path!r}: {e}") from None


def write_png(path: str, rgb: np.ndarray):
    """Write atomically (core.atomic: a temporary file in the same directory, then os.replace)."""
    from PIL import Image

    from ..core.atomic import atomic_write

    img = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    try:
        atomic_write(path, lambda f: img.save(f, format="PNG"))
    except OSError as e:
        raise UsageError(f"cannot write {path!r}: {e.strerror or e}") from None
