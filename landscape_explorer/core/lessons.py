"""Lessons: a scenario, a few paragraphs, and "try this" tasks the app checks live.

A lesson is data, one JSON file in ``assets/lessons/`` (a teacher writes one without code)::

    {
      "schema": "landscape-explorer/lesson", "version": 1,
      "id": "local_minimum", "order": 1, "title": "Local versus global minimum",
      "scenario": { ...a scenario, as File > Save writes it... },
      "paragraphs": ["Gradient descent from x = −2 stops in the local minimum at
                      x ≈ {gd.x:.2f}, {gd.gap:.2f} above the global one.", "..."],
      "claims": [{"run": "GD", "verdict": "local_min"}, ...],
      "tasks": [{"id": "...", "prompt": "...", "hint": "...", "hint_after": 30,
                 "check": {"all": [{"run": "SGD", "param": "momentum", "at_least": 0.8},
                                   {"run": "SGD", "verdict": "global_min"}]},
                 "solution": [{"run": "SGD", "set": {"momentum": 0.9}}]}]
    }

Numbers in the text are not typed in: ``{gd.x:.2f}`` is filled from the simulation of the
lesson's own scenario (``RUN.QUANTITY`` with the run's label lower-cased, spaces as ``_``;
quantities in ``QUANTITIES``), so the text cannot drift from what the app shows, and
``claims`` (checks, in the language of the tasks) state what the paragraphs say will happen;
the tests run every lesson and fail if a claim is false.

Checks are data too: ``{"run": LABEL, "verdict": KIND}``, ``{"run": LABEL, "param": NAME,
"at_least" | "at_most" | "equals": V}``, ``{"run": LABEL, "optimizer": NAME}``,
``{"run": LABEL, "schedule": NAME}``, ``{"run": LABEL, "noise_at_least": V}``,
``{"run": LABEL, "batch_size_at_most" | "batch_size_at_least": N}`` (a full-batch run has no
batch size: both fail),
``{"run": LABEL, "quantity": x | y | loss | gap | steps, "at_least" | "at_most": V}``,
``{"runs_with_verdict": KIND, "at_least": N}``, ``{"surface": SURFACE_QUANTITY,
"at_least" | "at_most" | "equals": V}`` (a network slice's ``skip``, ``depth``,
``nonconvexity`` or ``grid_minima``: nn_slice.slice_measures), combined with ``{"all": [...]}``,
``{"any": [...]}`` and ``{"not": CHECK}``. They are evaluated on a ``LessonState`` (the runs'
settings and current verdicts), which the app builds from its model and the tests from a
simulation.

Most quantities are where a run is now. ``success_rate`` is not: it is a property of the run's
settings on the lesson's surface, the fraction of starts, one at the centre of each cell of a
``SUCCESS_GRID`` x ``SUCCESS_GRID`` grid over the plot (the basin map, ``core.basins``), from
which the run's optimizer (its hyperparameters, schedule, noise and clip, ``steps`` steps) ends
in a global minimum. It costs a basin map per run, so it is worked out only for lessons that
use it (``Lesson.derived``); the app works it out in the background whenever a run's settings
change and a check on it fails until it is known.

A task's ``solution`` is a list of edits a user could make: ``{"run": LABEL, "set": {field:
value}}`` (hyperparameters by name; ``optimizer``, ``noise``, ``clip``, ``schedule`` and
``batch_size`` as run fields), ``{"start": [x, y]}`` (where every run starts, as a click on the
surface sets it) or ``{"network": {field: value}}`` (the network a slice is made from, as the
Data panel's fields set it: ``skip``, ``hidden``, ``depth``...).

A lesson whose text, claims and tasks never look at a verdict (``Lesson.uses_verdicts``) is
simulated without them: on a network slice the critical-point search behind a verdict takes
minutes.
"""
from __future__ import annotations

import json
import math
import os
import re
import string
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from .assets import asset_path
from .scenario import RunConfig, Scenario, ScenarioError

SCHEMA = "landscape-explorer/lesson"
VERSION = 1
MAX_FILE_BYTES = 1024 * 1024
QUANTITIES = ("verdict", "x", "y", "loss", "gap", "steps", "success_rate")
# Quantities of a run's settings rather than of where its ball is, worked out on demand.
DERIVED_QUANTITIES = ("success_rate",)
# Quantities of the surface, for a network slice (placeholders {surface.NAME}).
SURFACE_QUANTITIES = ("skip", "depth", "nonconvexity", "grid_minima")
SURFACE_KEY = "surface"
SUCCESS_GRID = 48  # starts per side of the grid a success rate is measured on
_COMPARISONS = ("at_least", "at_most", "equals")


class LessonError(ValueError):
    """A lesson file that cannot be used; ``field`` is the path of the bad field."""

    def __init__(self, field_path: str, message: str):
        super().__init__(f"{field_path}: {message}" if field_path else message)
        self.field = field_path


@dataclass(frozen=True)
class Task:
    id: str
    prompt: str
    hint: str
    check: dict
    hint_after: float = 30.0  # seconds before the hint is shown
    solution: tuple = ()  # edits that complete the task: ({"run": L, "set": {...}}, ...)


@dataclass(frozen=True)
class Lesson:
    id: str
    order: int
    title: str
    scenario: Scenario
    paragraphs: tuple[str, ...]
    claims: tuple[dict, ...]
    tasks: tuple[Task, ...]
    path: str = ""

    @property
    def derived(self) -> frozenset:
        """The DERIVED_QUANTITIES its text, claims or tasks use (worked out only when used)."""
        used = set()
        for p in self.paragraphs:
            for _, name, _, _ in string.Formatter().parse(p):
                if name:
                    used.add(name.rsplit(".", 1)[-1])
        for c in (*self.claims, *(t.check for t in self.tasks)):
            used |= _check_quantities(c)
        return frozenset(used & set(DERIVED_QUANTITIES))

    @property
    def uses_verdicts(self) -> bool:
        """Whether its text, claims or tasks look at a verdict (or at the gap to the global
        minimum, which needs the same critical-point search)."""
        used = set()
        for p in self.paragraphs:
            for _, name, _, _ in string.Formatter().parse(p):
                if name:
                    used.add(name.rsplit(".", 1)[-1])
        for c in (*self.claims, *(t.check for t in self.tasks)):
            used |= _check_quantities(c)
            if _uses_verdict_check(c):
                used.add("verdict")
        return bool(used & {"verdict", "gap"})

    @property
    def uses_surface(self) -> bool:
        """Whether its text, claims or tasks look at the surface's measures."""
        for p in self.paragraphs:
            for _, name, _, _ in string.Formatter().parse(p):
                if name and name.split(".", 1)[0] == SURFACE_KEY:
                    return True
        return any(_uses_surface_check(c) for c in (*self.claims, *(t.check for t in self.tasks)))


@dataclass
class RunState:
    """What a check may look at for one run."""

    label: str
    optimizer: str
    hyperparams: dict
    noise: float = 0.0
    schedule: str | None = None
    batch_size: int | None = None  # None: full batch
    verdict: str | None = None  # a core.verdicts kind, None before the first verdict
    numbers: dict = field(default_factory=dict)  # x, y, loss, gap, steps


@dataclass
class LessonState:
    runs: list[RunState]
    # The surface's quantities (SURFACE_QUANTITIES) where known: a network slice's settings
    # and measures; a check on one that is missing fails.
    surface: dict = field(default_factory=dict)

    def run(self, label: str) -> RunState | None:
        for r in self.runs:
            if r.label == label:
                return r
        return None


# ---------------------------------------------------------------------------------------------
# Loading and validation.


def _need(cond, path, message):
    if not cond:
        raise LessonError(path, message)


def _text(v, path, empty_ok=False) -> str:
    _need(isinstance(v, str) and (empty_ok or v.strip()), path, "must be non-empty text")
    return v


def _check_check(c, path, labels):
    _need(isinstance(c, dict) and len(c) > 0, path, "a check must be an object")
    if "all" in c or "any" in c:
        key = "all" if "all" in c else "any"
        _need(set(c) == {key}, path, f"'{key}' stands alone in its object")
        _need(isinstance(c[key], list) and c[key], f"{path}.{key}", "must be a non-empty list")
        for i, sub in enumerate(c[key]):
            _check_check(sub, f"{path}.{key}[{i}]", labels)
        return
    if "not" in c:
        _need(set(c) == {"not"}, path, "'not' stands alone in its object")
        _check_check(c["not"], f"{path}.not", labels)
        return
    if "runs_with_verdict" in c:
        _need(set(c) == {"runs_with_verdict", "at_least"}, path,
              "expected {'runs_with_verdict': KIND, 'at_least': N}")
        _verdict_kind(c["runs_with_verdict"], f"{path}.runs_with_verdict")
        n = c["at_least"]
        _need(isinstance(n, int) and not isinstance(n, bool) and n >= 0, f"{path}.at_least",
              "must be an integer >= 0")
        return
    if SURFACE_KEY in c:
        _need(c[SURFACE_KEY] in SURFACE_QUANTITIES, f"{path}.{SURFACE_KEY}",
              f"must be one of {', '.join(SURFACE_QUANTITIES)}")
        cmp = set(c) - {SURFACE_KEY}
        _need(len(cmp) == 1 and cmp <= set(_COMPARISONS), path,
              f"a surface check has one of {', '.join(_COMPARISONS)}")
        key = cmp.pop()
        if key == "equals":
            v = c[key]
            _need(isinstance(v, (bool, int, float)) and (isinstance(v, bool) or
                                                       math.isfinite(v)),
                  f"{path}.equals", "must be true, false or a finite number")
        else:
            _number(c[key], f"{path}.{key}")
        return
    _need("run" in c, path, "a check names a run ('run'), a surface quantity ('surface'), or "
                            "combines checks (all/any/not)")
    _need(c["run"] in labels, f"{path}.run",
          f"no run labelled {c['run']!r} in the scenario (runs: {', '.join(labels)})")
    rest = set(c) - {"run"}
    if rest == {"verdict"}:
        _verdict_kind(c["verdict"], f"{path}.verdict")
    elif rest in ({"optimizer"}, {"schedule"}):
        _text(c[rest.pop()], f"{path}.{next(iter(set(c) - {'run'}))}")
    elif rest == {"noise_at_least"}:
        _number(c["noise_at_least"], f"{path}.noise_at_least")
    elif rest in ({"batch_size_at_most"}, {"batch_size_at_least"}):
        key = rest.pop()
        n = c[key]
        _need(isinstance(n, int) and not isinstance(n, bool) and n >= 1, f"{path}.{key}",
              "must be an integer >= 1")
    elif "quantity" in rest:
        _need(c["quantity"] in QUANTITIES[1:], f"{path}.quantity",
              f"must be one of {', '.join(QUANTITIES[1:])}")
        cmp = rest - {"quantity"}
        _need(len(cmp) == 1 and cmp <= {"at_least", "at_most"}, path,
              "a quantity check has at_least or at_most")
        key = cmp.pop()
        _number(c[key], f"{path}.{key}")
    elif "param" in rest:
        _text(c["param"], f"{path}.param")
        cmp = rest - {"param"}
        _need(len(cmp) == 1 and cmp <= set(_COMPARISONS), path,
              f"a param check has one of {', '.join(_COMPARISONS)}")
        key = cmp.pop()
        if key != "equals":
            _number(c[key], f"{path}.{key}")
    else:
        raise LessonError(path, "unknown check: expected verdict, param, quantity, optimizer, "
                                "schedule, noise_at_least or batch_size_at_most/at_least with the run")


def _uses_verdict_check(c) -> bool:
    if "all" in c or "any" in c:
        return any(_uses_verdict_check(x) for x in c.get("all", c.get("any")))
    if "not" in c:
        return _uses_verdict_check(c["not"])
    return "verdict" in c or "runs_with_verdict" in c


def _uses_surface_check(c) -> bool:
    if "all" in c or "any" in c:
        return any(_uses_surface_check(x) for x in c.get("all", c.get("any")))
    if "not" in c:
        return _uses_surface_check(c["not"])
    return SURFACE_KEY in c


def _check_quantities(c) -> set:
    if "all" in c or "any" in c:
        return set().union(*(_check_quantities(x) for x in c.get("all", c.get("any"))))
    if "not" in c:
        return _check_quantities(c["not"])
    return {c["quantity"]} if "quantity" in c else set()


def _number(v, path):
    _need(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v), path,
          "must be a finite number")


def _verdict_kind(v, path):
    from .verdicts import VERDICT_KINDS

    _need(v in VERDICT_KINDS, path, f"must be one of {', '.join(VERDICT_KINDS)}")


def _placeholders(text: str, path: str, labels: list[str]):
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is None:
            continue
        m = re.fullmatch(r"([a-z0-9_]+)\.([a-z_]+)", name)
        if m is None:
            raise LessonError(path, f"placeholder {{{name}}} must be RUN.QUANTITY, e.g. "
                                    "{gd.loss:.3g}")
        run, q = m.group(1), m.group(2)
        if run == SURFACE_KEY:
            _need(q in SURFACE_QUANTITIES, path, f"placeholder {{{name}}}: unknown surface "
                                                 f"quantity {q!r} (known: "
                                                 f"{', '.join(SURFACE_QUANTITIES)})")
            continue
        keys = {_key(label) for label in labels}
        _need(run in keys, path, f"placeholder {{{name}}}: no run {run!r} (runs: "
                                 f"{', '.join(sorted(keys))})")
        _need(q in QUANTITIES, path, f"placeholder {{{name}}}: unknown quantity {q!r} "
                                     f"(known: {', '.join(QUANTITIES)})")


def _key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def parse_lesson(d: Any, path: str = "") -> Lesson:
    """A Lesson from a parsed JSON object; LessonError naming the field if anything is wrong."""
    _need(isinstance(d, dict), "", "a lesson file holds one JSON object")
    _need(d.get("schema") == SCHEMA, "schema", f"must be {SCHEMA!r}")
    _need(d.get("version") == VERSION, "version", f"must be {VERSION}")
    allowed = {"schema", "version", "id", "order", "title", "scenario", "paragraphs", "claims",
               "tasks"}
    extra = sorted(set(d) - allowed)
    _need(not extra, extra[0] if extra else "", "unknown field")
    lid = _text(d.get("id"), "id")
    _need(re.fullmatch(r"[a-z0-9_]{1,40}", lid) is not None, "id",
          "must be lower-case letters, digits and _")
    order = d.get("order")
    _need(isinstance(order, int) and not isinstance(order, bool) and order >= 0, "order",
          "must be an integer >= 0")
    title = _text(d.get("title"), "title")
    try:
        scenario = Scenario.from_dict(d.get("scenario"))
    except ScenarioError as e:
        raise LessonError(f"scenario.{e.field}" if e.field else "scenario",
                          str(e).split(": ", 1)[-1]) from None
    labels = [r.display_name for r in scenario.runs]
    _need(len(set(labels)) == len(labels), "scenario.runs", "run labels must be distinct")
    _need(SURFACE_KEY not in {_key(label) for label in labels}, "scenario.runs",
          f"no run may be labelled {SURFACE_KEY!r}: {{{SURFACE_KEY}.…}} is the surface's")
    paras = d.get("paragraphs")
    _need(isinstance(paras, list) and 1 <= len(paras) <= 6, "paragraphs",
          "must be a list of 1 to 6 texts")
    for i, p in enumerate(paras):
        _text(p, f"paragraphs[{i}]")
        try:
            _placeholders(p, f"paragraphs[{i}]", labels)
        except ValueError as e:
            if isinstance(e, LessonError):
                raise
            raise LessonError(f"paragraphs[{i}]", f"bad placeholder: {e}") from None
    claims = d.get("claims", [])
    _need(isinstance(claims, list), "claims", "must be a list of checks")
    for i, c in enumerate(claims):
        _check_check(c, f"claims[{i}]", labels)
    tasks_raw = d.get("tasks")
    _need(isinstance(tasks_raw, list) and 1 <= len(tasks_raw) <= 3, "tasks",
          "must be a list of 1 to 3 tasks")
    tasks = []
    for i, t in enumerate(tasks_raw):
        p = f"tasks[{i}]"
        _need(isinstance(t, dict), p, "a task must be an object")
        extra = sorted(set(t) - {"id", "prompt", "hint", "hint_after", "check", "solution"})
        _need(not extra, f"{p}.{extra[0]}" if extra else p, "unknown field")
        tid = _text(t.get("id"), f"{p}.id")
        hint_after = t.get("hint_after", 30.0)
        _number(hint_after, f"{p}.hint_after")
        _check_check(t.get("check"), f"{p}.check", labels)
        sol = t.get("solution", [])
        _need(isinstance(sol, list), f"{p}.solution", "must be a list of edits")
        for j, edit in enumerate(sol):
            q = f"{p}.solution[{j}]"
            if isinstance(edit, dict) and set(edit) == {"network"}:
                _need(scenario.surface_network is not None, f"{q}.network",
                      "the lesson's surface is not a network slice")
                _need(isinstance(edit["network"], dict) and edit["network"], f"{q}.network",
                      "must be an object of network fields")
                try:
                    _with_network(scenario, edit["network"])
                except ScenarioError as e:
                    raise LessonError(f"{q}.network", str(e)) from None
                continue
            if isinstance(edit, dict) and set(edit) == {"start"}:
                xy = edit["start"]
                _need(isinstance(xy, list) and len(xy) == 2, f"{q}.start", "must be [x, y]")
                for k, v in enumerate(xy):
                    _number(v, f"{q}.start[{k}]")
                continue
            _need(isinstance(edit, dict) and set(edit) == {"run", "set"}, q,
                  "an edit is {'run': LABEL, 'set': {field: value}}, {'start': [x, y]} or "
                  "{'network': {field: value}}")
            _need(edit["run"] in labels, f"{q}.run", f"no run labelled {edit['run']!r}")
            _need(isinstance(edit["set"], dict) and edit["set"], f"{q}.set", "must be an object")
        tasks.append(Task(tid, _text(t.get("prompt"), f"{p}.prompt"),
                          _text(t.get("hint"), f"{p}.hint"), t["check"], float(hint_after),
                          tuple(sol)))
    _need(len({t.id for t in tasks}) == len(tasks), "tasks", "task ids must be distinct")
    return Lesson(lid, order, title, scenario, tuple(paras), tuple(claims), tuple(tasks), path)


def load_lesson(path) -> Lesson:
    """Read and validate one lesson file; LessonError naming the file and the field."""
    path = os.fspath(path)
    import stat

    try:
        st = os.stat(path)
    except OSError as e:
        raise LessonError("", f"cannot read {path!r}: {e.strerror}") from None
    _need(stat.S_ISREG(st.st_mode), "", f"cannot read {path!r}: not a regular file")
    _need(st.st_size <= MAX_FILE_BYTES, "", f"{path}: too large ({st.st_size} bytes)")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise LessonError("", f"{path}: not a lesson file: {e}".splitlines()[0]) from None
    try:
        return parse_lesson(d, path)
    except LessonError as e:
        raise LessonError(e.field, f"{path}: {str(e)}") from None


def lesson_dir() -> str:
    return str(asset_path("lessons"))


def lessons() -> list[Lesson]:
    """Every bundled lesson, in order."""
    out = [load_lesson(os.path.join(lesson_dir(), f)) for f in sorted(os.listdir(lesson_dir()))
           if f.endswith(".json")]
    return sorted(out, key=lambda lesson: (lesson.order, lesson.id))


def lesson(name: str) -> Lesson:
    """A bundled lesson by id."""
    found = {x.id: x for x in lessons()}
    if name not in found:
        raise LessonError("", f"unknown lesson {name!r}; valid: {', '.join(found)}")
    return found[name]


# ---------------------------------------------------------------------------------------------
# Checks, the simulated state, and the text.


def evaluate(check: Mapping, state: LessonState) -> bool:
    """Whether ``check`` holds in ``state`` (a run missing from the state fails its check)."""
    if "all" in check:
        return all(evaluate(c, state) for c in check["all"])
    if "any" in check:
        return any(evaluate(c, state) for c in check["any"])
    if "not" in check:
        return not evaluate(check["not"], state)
    if "runs_with_verdict" in check:
        n = sum(1 for r in state.runs if r.verdict == check["runs_with_verdict"])
        return n >= check["at_least"]
    if SURFACE_KEY in check:
        v = state.surface.get(check[SURFACE_KEY])
        if v is None:
            return False
        if "equals" in check:
            return v == check["equals"] and isinstance(v, bool) == isinstance(check["equals"], bool)
        if isinstance(v, bool) or not math.isfinite(v):
            return False
        return v >= check["at_least"] if "at_least" in check else v <= check["at_most"]
    r = state.run(check["run"])
    if r is None:
        return False
    if "verdict" in check:
        return r.verdict == check["verdict"]
    if "optimizer" in check:
        return r.optimizer == check["optimizer"]
    if "schedule" in check:
        return r.schedule == check["schedule"]
    if "noise_at_least" in check:
        return r.noise >= check["noise_at_least"]
    if "batch_size_at_most" in check:
        return r.batch_size is not None and r.batch_size <= check["batch_size_at_most"]
    if "batch_size_at_least" in check:
        return r.batch_size is not None and r.batch_size >= check["batch_size_at_least"]
    if "quantity" in check:
        q = r.numbers.get(check["quantity"])
        if q is None or not math.isfinite(q):
            return False
        return q >= check["at_least"] if "at_least" in check else q <= check["at_most"]
    v = r.hyperparams.get(check["param"])
    if "equals" in check:
        return v == check["equals"] or (isinstance(v, tuple) and list(v) == check["equals"])
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    if "at_least" in check:
        return v >= check["at_least"]
    return v <= check["at_most"]


def apply_edits(scenario: Scenario, edits) -> Scenario:
    """The scenario with a task's solution applied: hyperparameters by name; 'optimizer' (other
    hyperparameters keep their values where the new optimizer has them), 'noise', 'clip',
    'batch_size' and 'schedule' ({"name": ..., "params": {...}}) as run fields; {"start": [x, y]} moves the
    start. Validated."""
    from .optimizers import optimizer_def

    starts = list(scenario.starts)
    for e in edits:
        if "start" in e:
            starts = [tuple(float(v) for v in e["start"])]
        if "network" in e:
            scenario = _with_network(scenario, e["network"])
    runs = []
    for r in scenario.runs:
        for e in edits:
            if e.get("run") != r.display_name:
                continue
            for k, v in e["set"].items():
                if k == "optimizer":
                    keep = {p.name for p in optimizer_def(v).params}
                    r = replace(r, optimizer=v, hyperparams={
                        h: x for h, x in r.hyperparams.items() if h in keep})
                elif k in ("noise", "clip", "schedule", "batch_size"):
                    r = replace(r, **{k: v})
                else:
                    r = replace(r, hyperparams={**r.hyperparams, k: v})
        runs.append(r)
    return scenario.copy(runs=runs, starts=starts).validated()


def _with_network(scenario: Scenario, changes: Mapping) -> Scenario:
    """The scenario with its network slice's recipe changed (``depth`` respells ``hidden``);
    ScenarioError if the result is not a valid network."""
    net = dict(scenario.surface_network or {})
    net.update(changes)
    if "depth" in changes and "hidden" not in changes:
        net["hidden"] = net["hidden"][:1]
    d = scenario.to_dict()
    d["surface"]["network"] = net
    return Scenario.from_dict(d)


def surface_state(surface, measure: bool = True) -> dict:
    """The SURFACE_QUANTITIES of ``surface`` that can be known: none for a formula; a network
    slice's settings, and its measures (nn_slice.slice_measures: seconds, the first time;
    with ``measure`` False only if they are worked out already, as the app's UI thread asks)."""
    from .nn_slice import SliceSurface, cached_slice_measures, slice_measures

    if not isinstance(surface, SliceSurface) or surface.network is None:
        return {}
    out: dict = {"skip": surface.skip, "depth": len(surface.network.sizes) - 2}
    out.update((slice_measures(surface) if measure else cached_slice_measures(surface)) or {})
    return out


def success_map(surface, bounds, steps: int, run: RunConfig, cancel=None):
    """The basin map that ``success_rate`` is read from (``.global_min_fraction``): the run's
    optimizer from every start of a SUCCESS_GRID x SUCCESS_GRID grid over ``bounds``."""
    from .basins import basins

    return basins(surface, run.build_optimizer(), resolution=SUCCESS_GRID, steps=int(steps),
                  bounds=bounds, seed=int(run.seed or 0), cancel=cancel)


def simulated_state(scenario: Scenario, derived=(), verdicts: bool = True,
                    surface: bool = False) -> LessonState:
    """Every enabled run of the scenario simulated to its last step (from its first start),
    with its verdict (unless ``verdicts`` is False: ``Lesson.uses_verdicts``) and numbers; with
    the ``derived`` quantities (``Lesson.derived``) and, with ``surface``, the surface's
    quantities (``surface_state``) too."""
    from .critical import global_minimum_value

    g = global_minimum_value(scenario.build_surface()) if verdicts else None
    runs = []
    for r, res in scenario.simulate(record_every=max(1, scenario.steps)):
        kind = res.verdicts[0].kind if verdicts else None
        x, y = (float(c) for c in res.final[0])
        loss = float(res.final_loss[0])
        numbers = {"x": x, "y": y, "loss": loss, "gap": loss - g if g is not None else math.nan,
                   "steps": int(res.steps_taken[0])}
        if kind is not None:
            numbers["verdict"] = kind
        runs.append(RunState(
            r.display_name, r.optimizer, dict(r.hyperparams), float(r.noise or 0.0),
            r.schedule["name"] if r.schedule else None, r.batch_size, kind, numbers))
    if "success_rate" in derived:
        surf, bounds = scenario.build_surface(), scenario.plot_bounds
        for state, r in zip(runs, scenario.enabled_runs()):
            state.numbers["success_rate"] = success_map(surf, bounds, scenario.steps,
                                                        r).global_min_fraction
    return LessonState(runs, surface_state(scenario.build_surface()) if surface else {})


def lesson_state(lesson_: Lesson, scenario: Scenario | None = None) -> LessonState:
    """``simulated_state`` of the lesson's scenario (or ``scenario``: the lesson's with a
    task's edits) with what the lesson looks at, and nothing it does not."""
    return simulated_state(lesson_.scenario if scenario is None else scenario, lesson_.derived,
                           verdicts=lesson_.uses_verdicts, surface=lesson_.uses_surface)


def render_paragraphs(lesson_: Lesson, state: LessonState) -> list[str]:
    """The lesson's paragraphs with every {run.quantity} filled from ``state``."""
    values = {SURFACE_KEY: _Numbers(state.surface)}
    for r in state.runs:
        values[_key(r.label)] = _Numbers(r.numbers)
    return [p.format(**values) for p in lesson_.paragraphs]


class _Numbers:
    def __init__(self, numbers):
        self.__dict__.update({k: _Typeset(v) for k, v in numbers.items()})


class _Typeset:
    """A number that formats with a real minus sign (−2.32, not -2.32), as the prose does."""

    def __init__(self, v):
        self.v = v

    def __format__(self, spec):
        return format(self.v, spec).replace("-", "−")
