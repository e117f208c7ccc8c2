"""Scenarios: everything needed to reproduce a picture, as a small versioned JSON file.

A scenario holds the surface (name, plotting bounds, mesh resolution), the start point(s), how many
steps to run, the optimizer runs (optimizer, hyperparameters, schedule, noise, clip, seed,
minibatch size, color)
and how to look at it (camera and view options). The app saves and opens them, ``render`` turns
them into PNG/GIF/MP4 without a window, and the examples in the top-level ``assets/scenarios``
are scenarios.

Format (``version`` 1)::

    {
      "schema": "landscape-explorer/scenario", "version": 1,
      "title": "...", "description": "...",
      "surface": {"name": "rosenbrock", "bounds": [[-2, 2], [-1, 3]], "resolution": 150},
      "starts": [[-1.5, 2.0]],
      "steps": 300,
      "runs": [{"label": "", "optimizer": "adam", "hyperparams": {"lr": 0.05, ...},
                "schedule": {"name": "cosine", "params": {"T_max": 300}} | null,
                "noise": 0.0, "clip": null, "seed": 0, "batch_size": 8 (only when set),
                "color": "#E69F00", "enabled": true}],
      "camera": {"distance": 7.0, "elevation": 30.0, "azimuth": -60.0, "center": [0, 0, 0],
                 "fov": 40.0} | null,
      "view": {"colormap": "viridis", "wireframe": false, "z_mode": "auto", "split": false,
               "log_loss": false, "show_markers": true, "show_trails": true, "show_legend": true},
      "playback": {"speed": 60.0, "max_steps": 2000, "restart_on_edit": false}
    }

A network slice (nn_slice.py: a trained MLP's loss on a 2-D slice through its weights) is named
by how it is made: ``{"name": "nn_slice", "network": {"dataset": {"name": "spirals", "n": 100,
"seed": 0}, "hidden": [16], "depth": 12, "activation": "relu", "skip": false, "directions":
"filter", "seed": 0, "epochs": 300, "lr": 0.01, "span": 1.0}}`` (everything but the dataset may
be left out and takes nn_slice's default; ``depth`` repeats the first hidden width). Opening it
trains the network again (a second or so), with the same weights on the same machine.

A typed surface's name is its formula, ``{"name": "a*x**2 + sin(b*y)", "params": {"a": 1.5,
"b": 3}, ...}``: ``params`` (written only when there are any) holds the values of the formula's
named parameters.

Everything but ``schema``, ``version``, ``surface`` and ``runs`` may be left out and takes its
default; a bounds or camera of ``null`` means "the surface's own" / "framed automatically".
Unknown fields are rejected, so that a typo never silently does nothing.

Every problem raises ``ScenarioError`` whose message is one line naming the field, e.g.
``runs[1].optimizer: unknown optimizer 'adma'; valid: adam, ...``. A file written by a newer
version of the schema is refused with a message saying so, rather than half understood.

This module is numpy/stdlib only (it is part of the core).
"""
from __future__ import annotations

import copy
import json
import os
import stat
import re
from dataclasses import dataclass, field, fields, replace

import numpy as np

from .assets import asset_path
from .validation import as_finite_float, shown, text_problem
from .atomic import atomic_write_text

SCHEMA = "landscape-explorer/scenario"
VERSION = 1

# The app's run palette (app/palette.RUN_COLORS, colorblind-safe), repeated here because the
# core may not import the app; a test keeps the two equal.
DEFAULT_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2", "#F0E442",
                  "#8F7FD0", "#999933", "#EE8866", "#CAB2D6", "#EEDD88")
Z_MODES = ("auto", "linear", "log")
MAX_STEPS = 1_000_000
MAX_STARTS = 100_000
MAX_RESOLUTION = 1000
MIN_RESOLUTION = 8
MAX_PLAYBACK_STEPS = 10**9

_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


_LONG_WORD = re.compile(r"\S{201,}")  # longer than any file path a message names


def _shorten(m: "re.Match[str]") -> str:
    """A value a message repeats, cut down (a 400-digit number, a 100 kB string): one line."""
    return f"{m.group(0)[:40]}... ({len(m.group(0))} characters)"


class ScenarioError(ValueError):
    """A scenario that cannot be used. ``str(e)`` is one line; ``e.field`` is the field path
    ("runs[1].optimizer") or "" when the problem is the file as a whole."""

    def __init__(self, field_path: str, message: str):
        message = _LONG_WORD.sub(_shorten, message)
        self.field = field_path
        self.reason = message
        super().__init__(f"{field_path}: {message}" if field_path else message)


# ---------------------------------------------------------------------------------------------
# The model.


@dataclass
class RunConfig:
    optimizer: str = "gd"
    hyperparams: dict = field(default_factory=dict)  # torch names; JSON values (betas as list)
    label: str = ""
    schedule: dict | None = None  # {"name": "cosine", "params": {"T_max": 200}}
    noise: float = 0.0
    clip: float | None = None
    seed: int = 0
    # Rows per minibatch on a surface made from data (core/minibatch.py); None: the full batch.
    # The losses and verdicts of the run are the full-batch surface's.
    batch_size: int | None = None
    # Seeds the app steps this run over (its own and the next repeats-1), for the loss band
    # and the fan of paths of a noisy run (core.sweep.repeat_runs); 1: just the run.
    repeats: int = 1
    color: str = DEFAULT_COLORS[0]
    enabled: bool = True

    def build_optimizer(self):
        """The core Optimizer this run describes (raises ValueError if invalid)."""
        from .optimizers import optimizer

        sched = None
        if self.schedule is not None:
            from .schedules import schedule

            sched = schedule(self.schedule["name"], **_tuples(self.schedule.get("params", {})))
        return optimizer(self.optimizer, noise=self.noise, clip=self.clip, schedule=sched,
                         **_tuples(self.hyperparams))

    def validated(self) -> "RunConfig":
        """A checked, normalized copy (every hyperparameter present, JSON-shaped: betas as a
        list); ScenarioError naming the field if a value is invalid."""
        return _parse_run(_run_to_dict(self), 0, path="run")

    @property
    def display_name(self) -> str:
        """The label, or a short description made from the settings."""
        return self.label or self.auto_name

    @property
    def auto_name(self) -> str:
        """What the run is, from its settings alone: never a setting it does not have."""
        hp = self.hyperparams
        text = self.optimizer
        if hp.get("momentum"):
            text += f"+{'nesterov ' if hp.get('nesterov') else ''}momentum {hp['momentum']:g}"
        if "lr" in hp:
            text += f" lr={hp['lr']:g}"
        if self.noise:
            text += f" noise={self.noise:g}"
        if self.clip is not None:
            text += f" clip={self.clip:g}"
        if self.batch_size is not None:
            text += f" batch={self.batch_size}"
        if self.schedule:
            text += f" ({self.schedule['name']})"
        return text


@dataclass
class Camera:
    distance: float = 10.0
    elevation: float = 30.0  # degrees
    azimuth: float = -60.0  # degrees
    center: tuple = (0.0, 0.0, 0.0)  # in the 3D view's scene coordinates
    fov: float = 40.0  # vertical field of view, degrees


@dataclass
class ViewOptions:
    colormap: str = "viridis"
    wireframe: bool = False
    z_mode: str = "auto"  # how heights are drawn in 3D: auto, linear or log
    split: bool = False  # one 3D view per run
    log_loss: bool = False  # loss plot on a log axis
    # For rendered pictures (render, animations); the live app always shows markers and trails.
    show_markers: bool = True  # the start point
    show_trails: bool = True
    show_legend: bool = True  # title, legend and step counter painted on the picture


@dataclass
class Playback:
    speed: float = 60.0  # steps per second in the app
    max_steps: int = 2000
    restart_on_edit: bool = False


@dataclass
class Scenario:
    surface: str = "bowl"
    # Values of a typed surface's named parameters ({"a": 1.5}); None for every other surface.
    surface_params: dict | None = None
    # A data model's dataset, as le.dataset's arguments ({"name", "n", "noise", "seed"});
    # None: the model's default dataset (or a surface that is no data model).
    surface_dataset: dict | None = None
    # A network slice's recipe (nn_slice.slice_recipe's normalized arguments); None: no slice.
    surface_network: dict | None = None
    runs: list = field(default_factory=list)  # [RunConfig]
    bounds: tuple | None = None  # ((xmin, xmax), (ymin, ymax)); None: the surface's own
    resolution: int = 150
    starts: list = field(default_factory=list)  # [(x, y)]; empty: the default start
    steps: int = 300
    camera: Camera | None = None  # None: framed automatically
    view: ViewOptions = field(default_factory=ViewOptions)
    playback: Playback = field(default_factory=Playback)
    title: str = ""
    description: str = ""

    # ------------------------------------------------------------------ (de)serialization
    def to_dict(self) -> dict:
        d = {"schema": SCHEMA, "version": VERSION}
        if self.title:
            d["title"] = self.title
        if self.description:
            d["description"] = self.description
        surface: dict = {"name": self.surface,
                         "bounds": None if self.bounds is None else [list(b) for b in self.bounds],
                         "resolution": self.resolution}
        if self.surface_params:
            surface["params"] = dict(self.surface_params)
        if self.surface_dataset:
            surface["dataset"] = dict(self.surface_dataset)
        if self.surface_network:
            surface["network"] = copy.deepcopy(self.surface_network)
        d["surface"] = surface
        d["starts"] = [list(p) for p in self.starts]
        d["steps"] = self.steps
        d["runs"] = [_run_to_dict(r) for r in self.runs]
        d["camera"] = None if self.camera is None else {
            "distance": self.camera.distance, "elevation": self.camera.elevation,
            "azimuth": self.camera.azimuth, "center": list(self.camera.center),
            "fov": self.camera.fov}
        d["view"] = {f.name: getattr(self.view, f.name) for f in fields(ViewOptions)}
        d["playback"] = {f.name: getattr(self.playback, f.name) for f in fields(Playback)}
        return _plain(d)

    @classmethod
    def from_dict(cls, d) -> "Scenario":
        """Validate ``d`` (as read from JSON) completely; ScenarioError names the first bad field."""
        return _parse(d)

    def to_json(self) -> str:
        return _pretty(self.to_dict()) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Scenario":
        return _parse(_loads(text))

    def validated(self) -> "Scenario":
        """A checked, normalized copy (hyperparameter defaults filled in); ScenarioError if bad."""
        return _parse(self.to_dict())

    def copy(self, **changes) -> "Scenario":
        return replace(copy.deepcopy(self), **changes)

    # ------------------------------------------------------------------ building the core objects
    def build_surface(self, progress=None, cancel=None):
        """The scenario's surface. A network slice is trained (seconds, the first time: kept
        after that; ``progress`` and ``cancel`` as in nn_slice)."""
        from .surfaces import surface

        if self.surface_network:
            from .nn_slice import slice_from_recipe

            return slice_from_recipe(self.surface_network, progress=progress, cancel=cancel)
        return surface(self.surface, params=self.surface_params or None,
                       dataset=self.build_dataset())

    def build_dataset(self):
        """The data model's dataset the scenario names, or None (its default, or no model)."""
        if not self.surface_dataset:
            return None
        from .datasets import dataset

        return dataset(**self.surface_dataset)

    @property
    def plot_bounds(self) -> tuple:
        if self.bounds is not None:
            return tuple(tuple(float(v) for v in b) for b in self.bounds)
        net = self.surface_network
        if net and net["directions"] == "filter":  # known without training the network
            return ((-net["span"], net["span"]), (-net["span"], net["span"]))
        return tuple(tuple(float(v) for v in b) for b in self.build_surface().bounds)

    def start_points(self) -> np.ndarray:
        """(N, 2) float64; the default start (upper left of the plot) when none are given."""
        if self.starts:
            return np.array(self.starts, dtype=np.float64).reshape(-1, 2)
        return np.array([default_start(self.plot_bounds)])

    def enabled_runs(self) -> list:
        return [r for r in self.runs if r.enabled]

    def build_optimizers(self) -> list:
        """[(RunConfig, Optimizer)] for the enabled runs."""
        return [(r, r.build_optimizer()) for r in self.enabled_runs()]

    def simulate(self, record_every: int = 1, steps: int | None = None) -> list:
        """[(RunConfig, SimulationResult)] for every enabled run, each with its own seed and
        minibatch size (the recorded losses and verdicts are the full-batch surface's)."""
        from .simulate import simulate

        surf = self.build_surface()
        starts = self.start_points()
        n = self.steps if steps is None else int(steps)
        return [(r, simulate(surf, opt, starts, n, seed=r.seed,
                             record_every=min(record_every, max(n, 1)),
                             batch_size=r.batch_size))
                for r, opt in self.build_optimizers()]


def default_start(bounds) -> tuple:
    """Upper left of the plotting area: far from most minima, so there is a descent to watch."""
    (x0, x1), (y0, y1) = bounds
    return (x0 + 0.2 * (x1 - x0), y0 + 0.8 * (y1 - y0))


# ---------------------------------------------------------------------------------------------
# Files.


MAX_SCENARIO_BYTES = 1_000_000  # bundled scenarios are a few kB


def load_scenario(path) -> Scenario:
    """Read and validate a scenario file. Every problem is a one-line ScenarioError that starts
    with the file name."""
    path = os.fspath(path)
    try:
        # Look before opening: opening a FIFO blocks until a writer comes, and a device such
        # as /dev/zero never ends. Then read at most one byte past the limit, should the file
        # have grown meanwhile.
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError("", f"{path}: not a regular file (a pipe, device or socket)")
        if st.st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError("", f"{path}: {st.st_size:,} bytes; a scenario file is at most "
                                    f"{MAX_SCENARIO_BYTES:,}")
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
        if len(raw) > MAX_SCENARIO_BYTES:
            raise ScenarioError("", f"{path}: more than {MAX_SCENARIO_BYTES:,} bytes; a scenario "
                                    "file is at most that")
    except FileNotFoundError:
        raise ScenarioError("", f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError("", f"{path}: is a directory, not a scenario file") from None
    except OSError as e:
        raise ScenarioError("", f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError("", f"{path}: not a scenario file (not UTF-8 text)") from None
    try:
        return Scenario.from_json(text)
    except ScenarioError as e:
        raise ScenarioError(e.field, f"{path}: {e}") from None


def save_scenario(scenario: Scenario, path) -> None:
    """Validate, then write atomically: a failure leaves any existing file as it was."""
    text = scenario.validated().to_json()
    atomic_write_text(path, text)


def example_dir() -> str:
    return str(asset_path("scenarios"))


def example_names() -> list:
    """Names of the bundled example scenarios (file names without .json), sorted."""
    try:
        return sorted(f[:-5] for f in os.listdir(example_dir()) if f.endswith(".json"))
    except OSError:
        return []


def example_path(name: str) -> str:
    names = example_names()
    if name not in names:
        raise ScenarioError("", f"unknown example {name!r}; valid: {', '.join(names)}")
    return os.path.join(example_dir(), name + ".json")


def load_example(name: str) -> Scenario:
    return load_scenario(example_path(name))


# ---------------------------------------------------------------------------------------------
# Parsing and validation.


def _loads(text: str):
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ScenarioError("", f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") \
            from None
    except ValueError as e:  # NaN / Infinity
        raise ScenarioError("", f"not valid JSON ({e})") from None
    except RecursionError:
        raise ScenarioError("", "not valid JSON (nested too deeply)") from None


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed; numbers must be finite")


def _type_name(v) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null", int: "a number", float: "a number"}.get(type(v), type(v).__name__)


def _need(cond, path, message):
    if not cond:
        raise ScenarioError(path, message)


def _obj(v, path) -> dict:
    _need(isinstance(v, dict), path, f"expected an object, got {_type_name(v)}")
    return v


def _check_keys(d: dict, path: str, allowed, required=()):
    for k in d:
        if k not in allowed:
            raise ScenarioError(_join(path, str(k)),
                                f"unknown field; valid: {', '.join(allowed)}")
    for k in required:
        if k not in d:
            raise ScenarioError(_join(path, k), "missing")


def _join(path, key):
    return f"{path}.{key}" if path else key


def _number(v, path, lo=None, hi=None, lo_open=False) -> float:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    _need(ok, path, f"expected a number, got {_type_name(v)} {_short(v)}")
    f = as_finite_float(v)  # None for inf, nan and integers too large for a float
    _need(f is not None, path, f"must be a finite number, got {shown(v)}")
    v = f
    if lo is not None:
        if lo_open:
            _need(v > lo, path, f"must be > {lo:g}, got {v:g}")
        else:
            _need(v >= lo, path, f"must be >= {lo:g}, got {v:g}")
    if hi is not None:
        _need(v <= hi, path, f"must be <= {hi:g}, got {v:g}")
    return v


def _int(v, path, lo, hi) -> int:
    ok = isinstance(v, int) and not isinstance(v, bool) or (isinstance(v, float) and v.is_integer())
    _need(ok, path, f"expected a whole number, got {_type_name(v)} {_short(v)}")
    v = int(v)
    _need(lo <= v <= hi, path, f"must be between {lo} and {hi}, got {v}")
    return v


def _bool(v, path) -> bool:
    _need(isinstance(v, bool), path, f"expected true or false, got {_type_name(v)} {_short(v)}")
    return v


def _str(v, path) -> str:
    _need(isinstance(v, str), path, f"expected a string, got {_type_name(v)} {_short(v)}")
    problem = text_problem(v)  # a lone surrogate would break every export of this field
    _need(problem is None, path, str(problem))
    return v


def _short(v) -> str:
    s = json.dumps(v) if isinstance(v, (int, float, str, bool, type(None))) else ""
    return s if len(s) <= 40 else s[:37] + "..."


def _point(v, path) -> tuple:
    _need(isinstance(v, list) and len(v) == 2, path,
          f"expected a point [x, y], got {_type_name(v)} {_short(v)}".rstrip())
    return (_number(v[0], f"{path}[0]"), _number(v[1], f"{path}[1]"))


def _parse(d) -> Scenario:
    d = _obj(d, "")
    if d.get("schema") != SCHEMA:
        if "schema" not in d:
            raise ScenarioError("", f'not a landscape-explorer scenario (no "schema": "{SCHEMA}")')
        raise ScenarioError("schema", f"not a landscape-explorer scenario: {_short(d['schema'])} "
                                      f"(expected \"{SCHEMA}\")")
    version = d.get("version")
    _need(isinstance(version, int) and not isinstance(version, bool) and version >= 1, "version",
          f"expected a whole number >= 1, got {_short(version) or _type_name(version)}")
    if version > VERSION:
        from .. import __version__

        raise ScenarioError("version", f"this scenario uses schema version {version}, newer than "
                                       f"this landscape-explorer ({__version__}) can read "
                                       f"(up to {VERSION}); upgrade landscape-explorer to open it")
    _check_keys(d, "", ("schema", "version", "title", "description", "surface", "starts",
                        "steps", "runs", "camera", "view", "playback"),
                required=("surface", "runs"))
    sc = Scenario()
    sc.title = _str(d.get("title", ""), "title")
    sc.description = _str(d.get("description", ""), "description")

    # surface
    from .surfaces import surface as get_surface

    sd = d["surface"]
    if isinstance(sd, str):  # shorthand: "surface": "rosenbrock"
        sd = {"name": sd}
    sd = _obj(sd, "surface")
    _check_keys(sd, "surface", ("name", "bounds", "resolution", "params", "dataset", "network"),
                required=("name",))
    sparams = None
    if sd.get("params"):
        sparams = {}
        for k, v in _obj(sd["params"], "surface.params").items():
            sparams[str(k)] = _number(v, f"surface.params.{k}")
    sdata = None
    if sd.get("dataset") is not None:
        sdata = _parse_dataset(sd["dataset"], _str(sd["name"], "surface.name"))
    network = _parse_network_field(sd)
    try:
        from .datasets import dataset as make_dataset

        if network is not None:
            sc.surface = NETWORK_SLICE
        else:
            sc.surface = get_surface(_str(sd["name"], "surface.name"), params=sparams,
                                     dataset=make_dataset(**sdata) if sdata else None).name
    except ValueError as e:
        if isinstance(e, ScenarioError):
            raise
        raise ScenarioError("surface.params" if sparams and "param" in str(e) else "surface.name",
                            _strip_invalid(str(e))) from None
    sc.surface_params = sparams
    sc.surface_dataset = sdata
    sc.surface_network = network
    b = sd.get("bounds")
    if b is not None:
        _need(isinstance(b, list) and len(b) == 2, "surface.bounds",
              "expected [[xmin, xmax], [ymin, ymax]]")
        bx = _point(b[0], "surface.bounds[0]")
        by = _point(b[1], "surface.bounds[1]")
        _need(bx[0] < bx[1], "surface.bounds[0]", f"xmin must be < xmax, got {list(bx)}")
        _need(by[0] < by[1], "surface.bounds[1]", f"ymin must be < ymax, got {list(by)}")
        sc.bounds = (bx, by)
    sc.resolution = _int(sd.get("resolution", 150), "surface.resolution", MIN_RESOLUTION,
                         MAX_RESOLUTION)

    # starts: a list of points, or one point
    starts = d.get("starts", [])
    _need(isinstance(starts, list), "starts", f"expected a list of [x, y], got {_type_name(starts)}")
    if len(starts) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                for v in starts):
        starts = [starts]
    _need(len(starts) <= MAX_STARTS, "starts", f"at most {MAX_STARTS} start points, got {len(starts)}")
    sc.starts = [_point(p, f"starts[{i}]") for i, p in enumerate(starts)]
    sc.steps = _int(d.get("steps", 300), "steps", 0, MAX_STEPS)

    # runs
    runs = d["runs"]
    _need(isinstance(runs, list), "runs", f"expected a list of runs, got {_type_name(runs)}")
    sc.runs = [_parse_run(r, i) for i, r in enumerate(runs)]
    surf = None
    for i, rc in enumerate(sc.runs):
        if rc.batch_size is not None:
            from .minibatch import check_batch_size

            # Its dataset's rows, when it names one (a network's dataset: not its training).
            surf = surf or (_NetworkRows(sc.surface_network) if sc.surface_network
                            else sc.build_surface())
            try:
                check_batch_size(surf, rc.batch_size)
            except ValueError as e:
                raise ScenarioError(f"runs[{i}].batch_size", _strip_invalid(str(e))) from None

    # camera
    cam = d.get("camera")
    if cam is not None:
        cam = _obj(cam, "camera")
        _check_keys(cam, "camera", ("distance", "elevation", "azimuth", "center", "fov"))
        c = Camera()
        c.distance = _number(cam.get("distance", c.distance), "camera.distance", lo=0,
                             lo_open=True)
        c.elevation = _number(cam.get("elevation", c.elevation), "camera.elevation", -90, 90)
        c.azimuth = _number(cam.get("azimuth", c.azimuth), "camera.azimuth")
        c.fov = _number(cam.get("fov", c.fov), "camera.fov", 1, 179)
        center = cam.get("center", list(c.center))
        _need(isinstance(center, list) and len(center) == 3, "camera.center",
              "expected [x, y, z]")
        c.center = tuple(_number(v, f"camera.center[{i}]") for i, v in enumerate(center))
        sc.camera = c

    # view
    v = _obj(d.get("view", {}), "view")
    names = [f.name for f in fields(ViewOptions)]
    _check_keys(v, "view", names)
    vo = ViewOptions()
    for k, val in v.items():
        if k == "colormap":
            vo.colormap = _str(val, "view.colormap")
            _need(vo.colormap.strip() != "", "view.colormap", "must not be empty")
        elif k == "z_mode":
            _need(val in Z_MODES, "view.z_mode",
                  f"unknown height mode {_short(val)}; valid: {', '.join(Z_MODES)}")
            vo.z_mode = val
        else:
            setattr(vo, k, _bool(val, f"view.{k}"))
    sc.view = vo

    # playback
    p = _obj(d.get("playback", {}), "playback")
    _check_keys(p, "playback", [f.name for f in fields(Playback)])
    pb = Playback()
    if "speed" in p:
        pb.speed = _number(p["speed"], "playback.speed", lo=0, lo_open=True)
    if "max_steps" in p:
        pb.max_steps = _int(p["max_steps"], "playback.max_steps", 1, MAX_PLAYBACK_STEPS)
    if "restart_on_edit" in p:
        pb.restart_on_edit = _bool(p["restart_on_edit"], "playback.restart_on_edit")
    sc.playback = pb
    return sc


_RUN_KEYS = ("label", "optimizer", "hyperparams", "schedule", "noise", "clip", "seed",
             "batch_size", "repeats", "color", "enabled")


NETWORK_SLICE = "nn_slice"  # the name a network slice carries (nn_slice.py)


def _parse_network_field(sd: dict) -> dict | None:
    """surface.network, checked against surface.name: the slice's recipe, or None."""
    name = sd.get("name")
    if sd.get("network") is None:
        _need(name != NETWORK_SLICE, "surface.network",
              "a network slice names the network it slices: give surface.network")
        return None
    _need(name == NETWORK_SLICE, "surface.name",
          f"a surface with a network is a network slice: its name is {NETWORK_SLICE!r}, not "
          f"{_short(name)}")
    _need(sd.get("dataset") is None, "surface.dataset",
          "a network slice's dataset goes in surface.network.dataset")
    return _parse_network(sd["network"])


def _parse_network(v) -> dict:
    """surface.network: nn_slice's arguments, normalized (hidden widths spelled out, every
    default filled in), as SliceSurface.recipe holds them. Nothing is trained here."""
    from .nn_slice import MAX_DEPTH, MAX_WIDTH

    path = "surface.network"
    d = _obj(v, path)
    _check_keys(d, path, ("dataset", "hidden", "depth", "activation", "skip", "directions",
                          "seed", "epochs", "lr", "span"), required=("dataset",))
    from .datasets import dataset
    from .nn_slice import dataset_recipe

    args = _parse_dataset_args(d["dataset"], f"{path}.dataset")
    out: dict = {"dataset": dataset_recipe(dataset(**args))}
    hidden = d.get("hidden", [16, 16])
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        hidden = [hidden]
    _need(isinstance(hidden, list) and 1 <= len(hidden) <= MAX_DEPTH, f"{path}.hidden",
          f"expected a list of 1 to {MAX_DEPTH} layer widths, got {_short(hidden)}")
    widths = [_int(w, f"{path}.hidden[{i}]", 1, MAX_WIDTH) for i, w in enumerate(hidden)]
    if d.get("depth") is not None:
        widths = [widths[0]] * _int(d["depth"], f"{path}.depth", 1, MAX_DEPTH)
    out["hidden"] = widths
    activation = d.get("activation", "relu")
    _need(activation in ("relu", "tanh"), f"{path}.activation",
          f"unknown activation {_short(activation)}; valid: relu, tanh")
    out["activation"] = activation
    out["skip"] = _bool(d.get("skip", False), f"{path}.skip")
    directions = d.get("directions", "filter")
    _need(directions in ("filter", "pca"), f"{path}.directions",
          f"unknown directions {_short(directions)}; valid: filter, pca")
    out["directions"] = directions
    out["seed"] = _int(d.get("seed", 0), f"{path}.seed", 0, 2 ** 63 - 1)
    out["epochs"] = _int(d.get("epochs", 300), f"{path}.epochs", 1, 100_000)
    out["lr"] = _number(d.get("lr", 0.01), f"{path}.lr", lo=0, lo_open=True)
    out["span"] = _number(d.get("span", 1.0), f"{path}.span", lo=0, lo_open=True)
    return out


class _NetworkRows:
    """Enough of a network slice to check a batch size against (its dataset's rows), without
    training the network."""

    name = NETWORK_SLICE

    def __init__(self, network: dict):
        from .datasets import dataset

        self.dataset = dataset(**network["dataset"])

    def batch_gradient(self, *_args):  # what minibatch.supports_batches looks for
        raise NotImplementedError("a stand-in for checking batch sizes only")


def _parse_dataset(v, model: str) -> dict:
    """surface.dataset: le.dataset's arguments, for a data model (data_surfaces.py)."""
    from .data_surfaces import data_surface_names

    path = "surface.dataset"
    if model not in data_surface_names():
        raise ScenarioError(path, f"{_short(model)} takes no dataset: only a data model does "
                                  f"({', '.join(data_surface_names())})")
    return _parse_dataset_args(v, path)


def _parse_dataset_args(v, path: str) -> dict:
    """le.dataset's arguments at ``path``, checked by making the dataset."""
    from .datasets import dataset, dataset_names

    d = _obj(v, path)
    _check_keys(d, path, ("name", "n", "noise", "seed"), required=("name",))
    name = _str(d["name"], f"{path}.name")
    _need(name in dataset_names(), f"{path}.name",
          f"unknown dataset {_short(name)}; valid datasets: {', '.join(dataset_names())}")
    out: dict = {"name": name}
    if "n" in d:
        out["n"] = _int(d["n"], f"{path}.n", 4, 2 ** 31 - 1)
    if d.get("noise") is not None:
        out["noise"] = _number(d["noise"], f"{path}.noise", 0.0, 10.0)
    if "seed" in d:
        out["seed"] = _int(d["seed"], f"{path}.seed", 0, 2 ** 63 - 1)
    try:
        dataset(**out)
    except ValueError as e:  # n above what a dataset may hold, ...
        raise ScenarioError(path, _strip_invalid(str(e))) from None
    return out


def _parse_run(r, i, path=None) -> RunConfig:
    from .optimizers import optimizer_def

    path = f"runs[{i}]" if path is None else path
    r = _obj(r, path)
    _check_keys(r, path, _RUN_KEYS, required=("optimizer",))
    rc = RunConfig()
    rc.label = _str(r.get("label", ""), f"{path}.label")
    name = _str(r["optimizer"], f"{path}.optimizer")
    try:
        defn = optimizer_def(name)
    except ValueError as e:
        raise ScenarioError(f"{path}.optimizer", _strip_invalid(str(e))) from None
    rc.optimizer = defn.name
    hp = _obj(r.get("hyperparams", {}), f"{path}.hyperparams")
    valid = [p.name for p in defn.params]
    for k in hp:
        if k not in valid:
            raise ScenarioError(f"{path}.hyperparams.{k}",
                                f"{name} has no hyperparameter {k!r}; valid: {', '.join(valid)}")
    rc.noise = _number(r.get("noise", 0.0), f"{path}.noise", lo=0)
    clip = r.get("clip")
    rc.clip = None if clip is None else _number(clip, f"{path}.clip", lo=0, lo_open=True)
    rc.seed = _int(r.get("seed", 0), f"{path}.seed", 0, 2**63 - 1)
    batch = r.get("batch_size")
    # at most the dataset's rows: checked against the surface by _parse
    rc.batch_size = None if batch is None else _int(batch, f"{path}.batch_size", 1, 2**31 - 1)
    from .sweep import MAX_REPEATS

    rc.repeats = _int(r.get("repeats", 1), f"{path}.repeats", 1, MAX_REPEATS)
    color = _str(r.get("color", DEFAULT_COLORS[i % len(DEFAULT_COLORS)]), f"{path}.color")
    _need(bool(_COLOR_RE.match(color)), f"{path}.color",
          f"expected a color like \"#E69F00\", got {_short(color)}")
    rc.color = color.upper()
    rc.enabled = _bool(r.get("enabled", True), f"{path}.enabled")

    sched = r.get("schedule")
    if isinstance(sched, str):  # shorthand: "schedule": "cosine" (all defaults)
        sched = {"name": sched}
    if sched is not None:
        sched = _obj(sched, f"{path}.schedule")
        _check_keys(sched, f"{path}.schedule", ("name", "params"), required=("name",))
        sname = _str(sched["name"], f"{path}.schedule.name")
        params = _obj(sched.get("params", {}), f"{path}.schedule.params")
        schedule_obj = _build_schedule(sname, params, f"{path}.schedule")
        rc.schedule = {"name": schedule_obj.name, "params": _plain(dict(schedule_obj.params))}
    else:
        schedule_obj = None

    # Let the optimizer's own validation judge the values (torch's rules), then point at the field.
    from .optimizers import optimizer

    try:
        opt = optimizer(rc.optimizer, noise=rc.noise, clip=rc.clip, schedule=schedule_obj,
                        **_tuples(hp))
    except (ValueError, TypeError) as e:
        msg = _strip_invalid(str(e))
        m = re.search(r"invalid (\w+)", str(e))
        bad = m.group(1) if m else None
        if bad in valid:
            where = f"{path}.hyperparams.{bad}"
        elif bad in ("noise", "clip"):
            where = f"{path}.{bad}"
        elif bad and bad.startswith("beta") and "betas" in valid:
            where = f"{path}.hyperparams.betas"
        else:
            where = f"{path}.hyperparams"
        raise ScenarioError(where, msg) from None
    rc.hyperparams = _plain(dict(opt.hyperparams))
    return rc


def _build_schedule(name, params, path):
    from .schedules import schedule, schedule_names

    try:
        names = schedule_names()
    except Exception:  # noqa: BLE001 - a schedules module still being written
        names = []
    if name not in names:
        raise ScenarioError(f"{path}.name", f"unknown schedule {name!r}; valid: {', '.join(names)}")
    try:
        return schedule(name, **_tuples(params))
    except (ValueError, TypeError) as e:
        m = re.search(r"invalid (\w+)", str(e))
        where = f"{path}.params.{m.group(1)}" if m and m.group(1) in params else f"{path}.params"
        raise ScenarioError(where, _strip_invalid(str(e))) from None


def _strip_invalid(msg: str) -> str:
    """Core messages read "unknown optimizer 'x'; valid optimizers: ..."; keep them, one line."""
    return " ".join(msg.split())


def _tuples(d: dict) -> dict:
    """JSON lists -> tuples, as torch takes betas=(0.9, 0.999)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return v.item()
    return v


def _pretty(v, indent: int = 0) -> str:
    """JSON that reads well and diffs well: one field per line, but short lists (points, bounds,
    betas) on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_pretty(x, indent + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        flat = json.dumps(v, allow_nan=False)
        if not any(isinstance(x, dict) for x in v) and len(flat) <= 80:
            return flat
        return "[\n" + ",\n".join(inner + _pretty(x, indent + 1) for x in v) + "\n" + pad + "]"
    return json.dumps(v, allow_nan=False)


def _run_to_dict(r: RunConfig) -> dict:
    d = {"label": r.label, "optimizer": r.optimizer, "hyperparams": _plain(r.hyperparams),
         "schedule": None if r.schedule is None else
         {"name": r.schedule["name"], "params": _plain(r.schedule.get("params", {}))},
         "noise": r.noise, "clip": r.clip, "seed": r.seed, "color": r.color,
         "enabled": r.enabled}
    if r.batch_size is not None:  # written only when set: full-batch files stay as they were
        d["batch_size"] = _plain(r.batch_size)
    if r.repeats != 1:  # likewise
        d["repeats"] = int(r.repeats)
    return d
