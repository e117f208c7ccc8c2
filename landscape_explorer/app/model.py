"""The app's single source of truth, in the style of napari: views subscribe to its signals and
controls write back through its setters. Nothing here draws, and nothing here steps optimizers
(that is runs.RunEngine's job); the model only holds what the user chose.

Everything in it is plain data, so ``to_dict()`` is JSON-ready and ``apply_dict()`` restores it.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, asdict, replace

from PyQt6 import QtCore

import landscape_explorer as le
from landscape_explorer.core.optimizers import optimizer_def

from .palette import DEFAULT_COLORMAP, next_run_color

SPEED_MIN = 0.5  # steps per second: slow motion
SPEED_MAX = 100_000.0  # at or above this, "as fast as it can"
Z_MODES = ("auto", "linear", "log")


def _plain(v):
    """JSON-friendly copy: tuples become lists, numpy scalars become Python numbers."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if hasattr(v, "item") and callable(v.item):
        return v.item()
    return v


def _like_default(value, default):
    """Hyperparameters come back from JSON and spin boxes as lists and floats; give them the
    shape of the optimizer's default (tuple betas stay tuples, integer-valued ints stay ints)."""
    if isinstance(default, tuple) and isinstance(value, (list, tuple)):
        return tuple(_like_default(v, d) for v, d in zip(value, default))
    if isinstance(default, bool):
        return bool(value)
    if isinstance(default, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class RunSpec:
    """One optimizer run: what to run, not where it is (the engine holds its state)."""

    id: int
    optimizer: str = "gd"
    hyperparams: dict = field(default_factory=dict)
    color: str = "#E69F00"
    label: str = ""
    schedule: str | None = None
    schedule_params: dict = field(default_factory=dict)
    noise: float = 0.0
    clip: float | None = None
    seed: int = 0
    enabled: bool = True

    def __post_init__(self):
        defn = optimizer_def(self.optimizer)
        hp = {p.name: p.default for p in defn.params}
        for k, v in (self.hyperparams or {}).items():
            if k in hp:
                hp[k] = _like_default(v, hp[k])
        self.hyperparams = hp

    @property
    def name(self) -> str:
        return self.label or self.default_label()

    def default_label(self) -> str:
        lr = self.hyperparams.get("lr")
        text = self.optimizer
        if self.optimizer in ("sgd",) and self.hyperparams.get("momentum"):
            text = f"sgd+momentum {self.hyperparams['momentum']:g}"
        if lr is not None:
            text += f" lr={lr:g}"
        if self.noise:
            text += f" noise={self.noise:g}"
        return text

    def build_schedule(self):
        if not self.schedule:
            return None
        return le.schedule(self.schedule, **dict(self.schedule_params))

    def build_optimizer(self):
        """The core optimizer; raises ValueError naming a bad parameter."""
        return le.optimizer(self.optimizer, noise=float(self.noise), clip=self.clip,
                            schedule=self.build_schedule(), **self.hyperparams)

    def to_dict(self) -> dict:
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> "RunSpec":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: copy.deepcopy(v) for k, v in d.items() if k in known})


def default_start(bounds) -> tuple[float, float]:
    """Upper-left of the plotting area: far from most minima, so there is a descent to watch."""
    (x0, x1), (y0, y1) = bounds
    return (x0 + 0.2 * (x1 - x0), y0 + 0.8 * (y1 - y0))


class AppModel(QtCore.QObject):
    surfaceChanged = QtCore.pyqtSignal(str)
    boundsChanged = QtCore.pyqtSignal(object)
    resolutionChanged = QtCore.pyqtSignal(int)
    appearanceChanged = QtCore.pyqtSignal()  # colormap, wireframe, height mode
    runsChanged = QtCore.pyqtSignal()  # runs added, removed or reordered
    runChanged = QtCore.pyqtSignal(int)  # one run's settings (id)
    startChanged = QtCore.pyqtSignal(object)
    speedChanged = QtCore.pyqtSignal(float)
    maxStepsChanged = QtCore.pyqtSignal(int)
    playingChanged = QtCore.pyqtSignal(bool)
    restartOnEditChanged = QtCore.pyqtSignal(bool)
    splitChanged = QtCore.pyqtSignal(bool)
    logLossChanged = QtCore.pyqtSignal(bool)
    # Emitted when the user asks for a restart (reset button, start click); the engine listens.
    resetRequested = QtCore.pyqtSignal()

    def __init__(self, surface: str = "bowl", parent=None):
        super().__init__(parent)
        s = le.surface(surface)
        self._surface = s.name
        self._bounds = _bounds_tuple(s.bounds)
        self._resolution = 150
        self._colormap = DEFAULT_COLORMAP
        self._wireframe = False
        self._z_mode = "auto"
        self._runs: list[RunSpec] = []
        self._next_id = 1
        self._start = _point(s.default_start)
        self._speed = 60.0
        self._max_steps = 2000
        self._playing = False
        self._restart_on_edit = False
        self._split = False
        self._log_loss = False

    # ---------------------------------------------------------------- surface and display
    @property
    def surface_name(self) -> str:
        return self._surface

    @property
    def surface(self):
        return le.surface(self._surface)

    def set_surface(self, name: str, bounds=None, start=None):
        s = le.surface(name)  # raises ValueError listing valid names
        if name == self._surface and bounds is None and start is None:
            return
        self._surface = s.name
        self._bounds = _bounds_tuple(bounds if bounds is not None else s.bounds)
        if start is None:
            # The surface's own start (core.surfaces: chosen so the runs show its lesson) when
            # it lies inside the bounds shown.
            (x0, x1), (y0, y1) = self._bounds
            sx, sy = s.default_start
            start = (sx, sy) if x0 <= sx <= x1 and y0 <= sy <= y1 else default_start(self._bounds)
        self._start = _point(start)
        self.surfaceChanged.emit(s.name)
        self.startChanged.emit(self._start)

    @property
    def bounds(self):
        return self._bounds

    def set_bounds(self, bounds):
        b = _bounds_tuple(bounds)
        if b == self._bounds:
            return
        self._bounds = b
        self.boundsChanged.emit(b)

    @property
    def resolution(self) -> int:
        return self._resolution

    def set_resolution(self, n: int):
        n = int(n)
        if not 8 <= n <= 1000:
            raise ValueError(f"invalid resolution: {n} (must be 8..1000)")
        if n != self._resolution:
            self._resolution = n
            self.resolutionChanged.emit(n)

    @property
    def colormap(self) -> str:
        return self._colormap

    def set_colormap(self, name: str):
        if name != self._colormap:
            self._colormap = str(name)
            self.appearanceChanged.emit()

    @property
    def wireframe(self) -> bool:
        return self._wireframe

    def set_wireframe(self, on: bool):
        if bool(on) != self._wireframe:
            self._wireframe = bool(on)
            self.appearanceChanged.emit()

    @property
    def z_mode(self) -> str:
        return self._z_mode

    def set_z_mode(self, mode: str):
        if mode not in Z_MODES:
            raise ValueError(f"invalid height mode: {mode!r} (valid: {', '.join(Z_MODES)})")
        if mode != self._z_mode:
            self._z_mode = mode
            self.appearanceChanged.emit()

    # ---------------------------------------------------------------- runs
    @property
    def runs(self) -> list[RunSpec]:
        return list(self._runs)

    def run(self, run_id: int) -> RunSpec:
        for r in self._runs:
            if r.id == run_id:
                return r
        raise KeyError(f"no run with id {run_id}")

    def add_run(self, optimizer: str = "gd", **kw) -> RunSpec:
        if "color" not in kw:
            kw["color"] = next_run_color(r.color for r in self._runs)
        spec = RunSpec(id=self._next_id, optimizer=optimizer, **kw)
        spec.build_optimizer()  # validate before it joins the model
        self._next_id += 1
        self._runs.append(spec)
        self.runsChanged.emit()
        return spec

    def duplicate_run(self, run_id: int) -> RunSpec:
        src = self.run(run_id)
        d = src.to_dict()
        d.pop("id")
        d["color"] = next_run_color(r.color for r in self._runs)
        d["label"] = ""
        return self.add_run(**d)

    def remove_run(self, run_id: int):
        self.run(run_id)
        self._runs = [r for r in self._runs if r.id != run_id]
        self.runsChanged.emit()

    def clear_runs(self):
        if self._runs:
            self._runs = []
            self.runsChanged.emit()

    def update_run(self, run_id: int, **changes) -> RunSpec:
        """Change a run's settings. Switching optimizer keeps the hyperparameters it shares
        (lr, mostly). Raises ValueError (and changes nothing) if the result is invalid."""
        old = self.run(run_id)
        if "hyperparams" in changes:
            hp = dict(old.hyperparams)
            hp.update(changes["hyperparams"])
            changes["hyperparams"] = hp
        if "optimizer" in changes and changes["optimizer"] != old.optimizer:
            changes.setdefault("hyperparams", dict(old.hyperparams))
        if "schedule" in changes and changes["schedule"] != old.schedule:
            changes.setdefault("schedule_params", {})
        new = replace(old, **changes)
        new.__post_init__()
        new.build_optimizer()
        if new == old:
            return old
        self._runs = [new if r.id == run_id else r for r in self._runs]
        self.runChanged.emit(run_id)
        return new

    def set_hyperparam(self, run_id: int, name: str, value) -> RunSpec:
        return self.update_run(run_id, hyperparams={name: value})

    # ---------------------------------------------------------------- start and playback
    @property
    def start(self) -> tuple[float, float]:
        return self._start

    def set_start(self, xy):
        p = _point(xy)
        self._start = p
        self.startChanged.emit(p)  # always: clicking the same point again restarts the runs

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, steps_per_second: float):
        v = float(steps_per_second)
        if not math.isfinite(v):
            v = SPEED_MAX
        v = min(max(v, SPEED_MIN), SPEED_MAX)
        if v != self._speed:
            self._speed = v
            self.speedChanged.emit(v)

    @property
    def max_steps(self) -> int:
        return self._max_steps

    def set_max_steps(self, n: int):
        n = int(n)
        if n < 1:
            raise ValueError(f"invalid max steps: {n} (must be >= 1)")
        if n != self._max_steps:
            self._max_steps = n
            self.maxStepsChanged.emit(n)

    @property
    def playing(self) -> bool:
        return self._playing

    def set_playing(self, on: bool):
        if bool(on) != self._playing:
            self._playing = bool(on)
            self.playingChanged.emit(self._playing)

    def toggle_playing(self):
        self.set_playing(not self._playing)

    def request_reset(self):
        self.resetRequested.emit()

    @property
    def restart_on_edit(self) -> bool:
        return self._restart_on_edit

    def set_restart_on_edit(self, on: bool):
        if bool(on) != self._restart_on_edit:
            self._restart_on_edit = bool(on)
            self.restartOnEditChanged.emit(self._restart_on_edit)

    @property
    def split(self) -> bool:
        return self._split

    def set_split(self, on: bool):
        if bool(on) != self._split:
            self._split = bool(on)
            self.splitChanged.emit(self._split)

    @property
    def log_loss(self) -> bool:
        return self._log_loss

    def set_log_loss(self, on: bool):
        if bool(on) != self._log_loss:
            self._log_loss = bool(on)
            self.logLossChanged.emit(self._log_loss)

    # ---------------------------------------------------------------- (de)serialization
    def to_dict(self) -> dict:
        return _plain({
            "surface": self._surface,
            "bounds": self._bounds,
            "resolution": self._resolution,
            "colormap": self._colormap,
            "wireframe": self._wireframe,
            "z_mode": self._z_mode,
            "start": self._start,
            "speed": self._speed,
            "max_steps": self._max_steps,
            "restart_on_edit": self._restart_on_edit,
            "split": self._split,
            "log_loss": self._log_loss,
            "runs": [r.to_dict() for r in self._runs],
        })

    @classmethod
    def from_dict(cls, d: dict, parent=None) -> "AppModel":
        m = cls(d.get("surface", "bowl"), parent=parent)
        m.apply_dict(d)
        return m

    def apply_dict(self, d: dict):
        """Replace the model's state with ``d`` (as produced by to_dict; missing keys keep their
        current values). Validates everything before changing anything."""
        surface = le.surface(d.get("surface", self._surface)).name
        runs = None
        if "runs" in d:
            runs = []
            for i, rd in enumerate(d["runs"]):
                rd = dict(rd)
                rd.setdefault("id", i + 1)
                spec = RunSpec.from_dict(rd)
                spec.build_optimizer()
                runs.append(spec)
        bounds = _bounds_tuple(d["bounds"]) if "bounds" in d else None
        was_playing = self._playing
        self.set_playing(False)
        self.set_surface(surface, bounds=bounds, start=d.get("start"))
        if "resolution" in d:
            self.set_resolution(d["resolution"])
        if "colormap" in d:
            self.set_colormap(d["colormap"])
        if "wireframe" in d:
            self.set_wireframe(d["wireframe"])
        if "z_mode" in d:
            self.set_z_mode(d["z_mode"])
        for key, setter in (("speed", self.set_speed), ("max_steps", self.set_max_steps),
                            ("restart_on_edit", self.set_restart_on_edit),
                            ("split", self.set_split), ("log_loss", self.set_log_loss)):
            if key in d:
                setter(d[key])
        if runs is not None:
            self._runs = runs
            self._next_id = max([r.id for r in runs], default=0) + 1
            self.runsChanged.emit()
        self.request_reset()
        self.set_playing(bool(d.get("playing", was_playing)))


def _bounds_tuple(b):
    (x0, x1), (y0, y1) = b
    x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"invalid bounds: {b!r} (need finite xmin < xmax and ymin < ymax)")
    return ((x0, x1), (y0, y1))


def _point(xy):
    x, y = (float(v) for v in xy)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"invalid start point: {xy!r} (must be finite)")
    return (x, y)
