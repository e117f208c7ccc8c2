"""What every subcommand shares: one-line usage errors, and parsing of optimizer specs, points,
bounds and surfaces without evaluating anything.

Every user error (unknown name, bad number, bad hyperparameter, a spec that is not a literal
call) ends with one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import ast

import numpy as np

from ..core.validation import MAX_INT, MEMORY_FRACTION, memory_budget, shown

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage over several lines; we print one
        raise UsageError(message)


# ---------------------------------------------------------------------------------------------
# Optimizer specs: "adam", "adam(lr=0.05, betas=(0.9, 0.99), schedule=cosine(T_max=200))".


MAX_SPEC_LENGTH = 1000  # characters of an optimizer or schedule spec
MAX_SPEC_DEPTH = 12  # nesting of a spec's syntax tree: schedule=cosine(...) and betas=(a, b) need 6


def _literal(node: ast.AST, where: str):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise UsageError(f"{where}: {shown(ast.unparse(node))} is not a literal value") from None


def _depth(node: ast.AST) -> int:
    """The depth of a syntax tree, without recursion (a deep tree must not overflow the stack)."""
    deepest, todo = 0, [(node, 1)]
    while todo:
        n, d = todo.pop()
        deepest = max(deepest, d)
        todo.extend((c, d + 1) for c in ast.iter_child_nodes(n))
    return deepest


def _parse_call(text: str, what: str):
    """Parse NAME or NAME(key=literal, ...) without evaluating anything."""
    usage = f"invalid {what} {shown(text)}: expected NAME or NAME(key=value, ...)"
    if len(text) > MAX_SPEC_LENGTH:
        raise UsageError(f"invalid {what}: {len(text)} characters (at most {MAX_SPEC_LENGTH})")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise UsageError(usage) from None
    if _depth(node) > MAX_SPEC_DEPTH:
        raise UsageError(f"invalid {what} {shown(text)}: nested more than {MAX_SPEC_DEPTH} deep")
    if isinstance(node, ast.Name):
        return node.id, {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise UsageError(usage)
    if node.args:
        raise UsageError(f"invalid {what} {shown(text)}: give arguments by name, e.g. lr=0.1")
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise UsageError(f"invalid {what} {shown(text)}: ** is not allowed")
        if kw.arg in kwargs:
            raise UsageError(f"invalid {what} {shown(text)}: {kw.arg} is given twice")
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
        if len(text) > 100:
            raise ValueError
        x, y = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"invalid point {shown(text)}: expected X,Y such as 2.5,-1") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise UsageError(f"invalid point {shown(text)}: coordinates must be finite")
    return x, y


def bounded_int(low: int, high: int):
    """An argparse type: a whole number in [low, high], refused in one line otherwise (a float,
    a 5,000-digit number)."""

    def parse(text: str) -> int:
        t = text.strip()
        if not (t.lstrip("+-").isdigit() and len(t) <= 20):
            raise argparse.ArgumentTypeError(f"invalid integer {shown(text)}: expected a whole "
                                             f"number in {low}..{high}")
        v = int(t)
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"must be in {low}..{high}, got {v}")
        return v

    return parse


MAX_STEPS = 100_000_000  # steps of one run: the CLI's stated maximum
MAX_SEED = 2 ** 63 - 1
positive_int = bounded_int(0, MAX_INT)
steps_int = bounded_int(0, MAX_STEPS)
seed_int = bounded_int(0, MAX_SEED)
MAX_WORK = 5_000_000_000  # particle-steps of one command: minutes on the fused engine
def gib(n: float) -> str:
    return f"{n / 2 ** 30:.1f} GiB" if n >= 2 ** 30 else f"{n / 2 ** 20:.0f} MiB"


def check_size(asked: str, nbytes: float, work: float, hint: str) -> None:
    """Refuse up front a request that would hold more than the memory budget or take more
    than MAX_WORK particle-steps, saying what was asked, what fits and what to change."""
    budget = memory_budget()
    if nbytes > budget:
        raise UsageError(f"{asked} would need {gib(nbytes)} of memory; at most {gib(budget)} "
                         f"fits ({MEMORY_FRACTION:.0%} of this machine): {hint}")
    if work > MAX_WORK:
        raise UsageError(f"{asked} is {work:.3g} particle-steps; at most {MAX_WORK:.3g} "
                         f"fit in one command: {hint}")


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


def check_resolvable(surf, bounds) -> None:
    """Refuse bounds on which the critical-point search (and the verdicts and basin labels
    built on it) cannot give a right answer: far too wide, too narrow or overflowing."""
    from ..core.critical import resolution_problem

    problem = resolution_problem(surf, bounds)
    if problem:
        (x0, x1), (y0, y1) = bounds
        raise UsageError(f"bounds x {x0:.12g}..{x1:.12g}, y {y0:.12g}..{y1:.12g} are outside what the "
                         f"critical-point search can resolve: {problem}")


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
