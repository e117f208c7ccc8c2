"""The app's model: an evented wrapper around the core's ``Scenario`` (napari's pattern: a Qt-free
model, signals around it). The scenario is the single description of what the user set up
(surface, bounds, resolution, start, runs, view, playback); this class holds one, changes it only
through setters that validate with the core's own rules, and emits a signal for every change.
Views subscribe to the signals; controls write back through the setters.

What the app adds to a scenario is session state, not a second copy of it: each run's ``id`` (the
key the live engine and the views use; never saved), whether it is playing, and the height mode
the user chose for each surface this session. JSON is the scenario's JSON (``to_dict`` /
``from_dict`` / ``apply_dict`` speak the scenario file format).

Nothing here draws, and nothing here steps optimizers (that is runs.RunEngine's job).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, fields

from PyQt6 import QtCore

import landscape_explorer as le
from landscape_explorer.core.scenario import (
    MAX_PLAYBACK_STEPS, MAX_RESOLUTION, MIN_RESOLUTION, Z_MODES, RunConfig, Scenario,
    ScenarioError, default_start,
)

from .palette import next_run_color

__all__ = ["AppModel", "Run", "SPEED_MAX", "SPEED_MIN", "Z_MODES", "MIN_RESOLUTION",
           "MAX_RESOLUTION"]

SPEED_MIN = 0.5  # steps per second: slow motion
SPEED_MAX = 100_000.0  # at or above this, "as fast as it can"


@dataclass
class Run(RunConfig):
    """One run in the app: the core's RunConfig plus the id the engine and the views key on.
    Ids belong to this session (they are not saved); everything else is the scenario's."""

    id: int = 0

    @property
    def name(self) -> str:
        return self.display_name

    def config(self) -> RunConfig:
        """The plain core RunConfig (what a scenario file holds)."""
        return RunConfig(**{f.name: copy.deepcopy(getattr(self, f.name))
                            for f in fields(RunConfig)})

    @classmethod
    def checked(cls, config: RunConfig, run_id: int) -> "Run":
        """Validate ``config`` with the core's rules (ValueError with a one-line reason that
        names the parameter, e.g. "invalid lr: -1.0 ...") and give it an id."""
        try:
            rc = config.validated()
        except ScenarioError as e:
            raise ValueError(e.reason) from None
        return cls(id=int(run_id), **{f.name: getattr(rc, f.name) for f in fields(RunConfig)})


_RUN_FIELDS = {f.name for f in fields(RunConfig)}


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
    # A whole scenario was put in (File › Open, an example, restored settings).
    scenarioLoaded = QtCore.pyqtSignal()
    # A scenario names a network slice that is not trained yet: (scenario, playing). The Data
    # panel trains it in its worker and calls set_scenario again with the surface; nothing
    # changes until then. With no one listening, set_scenario trains it itself.
    networkNeeded = QtCore.pyqtSignal(object, bool)

    def __init__(self, surface: str = "bowl", parent=None, scenario: Scenario | None = None):
        super().__init__(parent)
        self._sc = Scenario(surface=le.surface(surface).name)
        # The Surface object in use: a typed surface with parameters is more than its name, and
        # building one again (sympy) is not free.
        self._surface = le.surface(self._sc.surface)
        self._sc.starts = [default_start(self._sc.plot_bounds)]
        self._next_id = 1
        self._playing = False
        # Height mode the user chose per surface this session; a surface not in here follows
        # its own suggestion ("auto").
        self._z_by_surface: dict[str, str] = {}
        if scenario is not None:
            self.set_scenario(scenario)

    @classmethod
    def from_scenario(cls, scenario: Scenario, parent=None) -> "AppModel":
        return cls(parent=parent, scenario=scenario)

    # ---------------------------------------------------------------- the scenario
    def scenario(self, steps: int | None = None, camera=None, view_extras: dict | None = None,
                 title: str = "", description: str = "") -> Scenario:
        """A validated copy of what the model holds, as a core Scenario. ``steps``: how far the
        runs are (default: max steps); ``camera``: a core Camera (or None: framed
        automatically); ``view_extras``: ViewOptions fields the app does not hold (show_markers,
        show_trails, show_legend)."""
        problem = self.scenario_problem()
        if problem is not None:
            raise ScenarioError("surface", problem)
        sc = copy.deepcopy(self._sc)
        sc.runs = [r.config() for r in self._sc.runs]
        sc.steps = int(self.max_steps if steps is None else steps)
        sc.camera = camera
        for k, v in (view_extras or {}).items():
            setattr(sc.view, k, v)
        sc.title, sc.description = title, description
        return sc.validated()

    def set_scenario(self, sc: Scenario, playing: bool = False, surface=None):
        """Replace everything the user set up by ``sc`` (validated first: on a bad scenario
        ScenarioError, and nothing changes). The runs go back to step 0, paused unless
        ``playing``. ``surface``: the scenario's network slice, trained elsewhere; without
        it a slice that is not trained yet is asked for (networkNeeded) and the scenario waits
        for it."""
        sc = sc.validated()
        runs = [Run.checked(rc, i + 1) for i, rc in enumerate(sc.runs)]
        if sc.surface_network:
            from landscape_explorer.core.nn_slice import cached_slice

            surface = surface or cached_slice(sc.surface_network)
            if surface is None and self.receivers(self.networkNeeded) > 0:
                self.networkNeeded.emit(sc, playing)
                return
            surface = surface or sc.build_surface()  # no one to train it in the background
        self.set_playing(False)
        if sc.surface_network:
            self._install_surface(surface, None, sc.bounds, tuple(sc.start_points()[0]))
        elif sc.surface_dataset:  # a data model over the dataset the file names
            self._install_surface(sc.build_surface(), None, sc.bounds,
                                  tuple(sc.start_points()[0]))
        else:
            self.set_surface(sc.surface, bounds=sc.bounds, start=tuple(sc.start_points()[0]),
                             params=sc.surface_params)
        self.set_resolution(sc.resolution)
        self._sc.view.colormap = sc.view.colormap
        self._sc.view.wireframe = sc.view.wireframe
        self._z_by_surface[sc.surface] = sc.view.z_mode
        self._sc.view.z_mode = sc.view.z_mode
        self.appearanceChanged.emit()
        self.set_speed(sc.playback.speed)
        self.set_max_steps(max(sc.playback.max_steps, sc.steps, 1))  # the runs must reach steps
        self.set_restart_on_edit(sc.playback.restart_on_edit)
        self.set_split(sc.view.split)
        self.set_log_loss(sc.view.log_loss)
        self._sc.steps = sc.steps
        self._sc.runs = runs
        self._next_id = len(runs) + 1
        self.runsChanged.emit()
        self.request_reset()
        self.scenarioLoaded.emit()
        self.set_playing(playing)

    # JSON: the scenario file format, nothing else.
    def to_dict(self) -> dict:
        return self.scenario().to_dict()

    @classmethod
    def from_dict(cls, d: dict, parent=None) -> "AppModel":
        return cls(parent=parent, scenario=Scenario.from_dict(d))

    def apply_dict(self, d: dict, playing: bool = False):
        self.set_scenario(Scenario.from_dict(d), playing=playing)

    # ---------------------------------------------------------------- surface and display
    @property
    def surface_name(self) -> str:
        return self._sc.surface

    @property
    def surface(self):
        return self._surface

    @property
    def file_stem(self) -> str:
        """A name for files about this surface: a built-in's name; for a typed formula (which
        may hold / or *) a plain word."""
        return "custom_surface" if self._surface.expression else self._sc.surface

    @property
    def surface_params(self) -> dict:
        """The values of a typed surface's named parameters ({} for any other surface)."""
        return dict(self._sc.surface_params or {})

    def set_surface(self, name: str, bounds=None, start=None, params=None):
        """Switch to the surface ``name``: a built-in's name or a formula of x and y, whose named
        parameters take their values from ``params``. A formula keeps the plotted bounds and the
        start when only its text or parameters change (the user is editing it)."""
        params = dict(params) if params else None
        s = le.surface(name, params=params)  # raises ValueError saying what is wrong
        self._install_surface(s, params, bounds, start)

    def set_surface_object(self, surface, start=None):
        """Switch to a surface built elsewhere: a model's loss over a dataset the user chose, or
        a network slice (the Data panel builds them). It is shown over its own bounds."""
        from landscape_explorer.core.surfaces import Surface

        if not isinstance(surface, Surface):
            raise ValueError(f"invalid surface: {surface!r}")
        self._install_surface(surface, None, surface.bounds, start)

    def scenario_problem(self) -> str | None:
        """Why the current surface cannot be written into a scenario file, or None if it can.
        A scenario names its surface, a data model's built-in dataset by le.dataset's
        arguments, and a network slice by how it was made (its recipe); rows loaded from a CSV
        file are more than that."""
        from landscape_explorer.core.data_surfaces import DataSurface, data_surface
        from landscape_explorer.core.nn_slice import SliceSurface

        s = self._surface
        if s.name in le.surface_names() or s.expression:
            return None
        if isinstance(s, SliceSurface):
            if s.recipe is not None:
                return None
            return ("a network slice is saved by how it is made, and this one's data were "
                    "loaded from a file")
        if isinstance(s, DataSurface):
            if s.dataset is not None and s.dataset.recipe is not None:
                return None
            default = data_surface(s.model)
            same = (s.dataset is not None and default.dataset is not None
                    and s.dataset.name == default.dataset.name
                    and s.dataset.X.shape == default.dataset.X.shape
                    and bool((s.dataset.X == default.dataset.X).all())
                    and bool((s.dataset.y == default.dataset.y).all()))
            if same:
                return None
            return (f"a scenario file names a built-in dataset by how it is made, not rows "
                    f"loaded from a file ({s.dataset.name if s.dataset is not None else s.model})")
        return "this surface was made in code, and a scenario file can only name it"

    def _install_surface(self, s, params, bounds, start):
        if s is self._surface and bounds is None and start is None:
            return
        if s.expression and self._surface.expression and bounds is None and start is None:
            # Editing a typed surface: the same view of the plane, the runs start where they
            # were; only the heights change.
            bounds, start = self.bounds, self.start
        new_bounds = _bounds_tuple(bounds) if bounds is not None else None
        plot = new_bounds if new_bounds is not None else _bounds_tuple(s.bounds)
        if start is None:
            # The surface's own start (core.surfaces: chosen so that the default runs show its
            # lesson) when it lies inside the bounds shown.
            (x0, x1), (y0, y1) = plot
            sx, sy = s.default_start
            start = (sx, sy) if x0 <= sx <= x1 and y0 <= sy <= y1 else default_start(plot)
        new_start = _point(start)
        old_bounds = self.bounds
        self._sc.surface = s.name
        self._sc.surface_params = params
        ds = getattr(s, "dataset", None)
        self._sc.surface_dataset = dict(ds.recipe) if ds is not None and \
            ds.recipe is not None and s.name in le.data_surface_names() else None
        recipe = getattr(s, "recipe", None)  # a network slice's (core.nn_slice)
        self._sc.surface_network = copy.deepcopy(recipe) if recipe is not None else None
        self._surface = s
        fitted = self._fit_batch_sizes(s)
        self._sc.bounds = None if new_bounds == _bounds_tuple(s.bounds) else new_bounds
        self._sc.starts = [new_start]
        z = self._z_by_surface.get(s.name, "auto")
        z_changed = z != self._sc.view.z_mode
        self._sc.view.z_mode = z
        self.surfaceChanged.emit(s.name)
        if self.bounds != old_bounds:
            self.boundsChanged.emit(self.bounds)
        if z_changed:
            self.appearanceChanged.emit()
        self.startChanged.emit(new_start)
        for rid in fitted:
            self.runChanged.emit(rid)

    def _fit_batch_sizes(self, surface) -> list[int]:
        """A run's minibatch size means rows of this surface's data: on a formula (no rows) or
        on a dataset with fewer rows than the batch, the run takes the full batch (what a batch
        of every row is, bit for bit) and says so in its settings. Returns the runs changed."""
        ds = getattr(surface, "dataset", None)
        changed = []
        runs = []
        for r in self._sc.runs:
            if r.batch_size is not None and (ds is None or r.batch_size > ds.n):
                r = copy.copy(r)
                r.batch_size = None
                changed.append(r.id)
            runs.append(r)
        self._sc.runs = runs
        return changed

    @property
    def bounds(self):
        # The surface in use, not one rebuilt from its name: a network slice or a model over a
        # chosen dataset has no name that rebuilds it.
        b = self._sc.bounds if self._sc.bounds is not None else self._surface.bounds
        return _bounds_tuple(b)

    def set_bounds(self, bounds):
        b = _bounds_tuple(bounds)
        if b == self.bounds:
            return
        self._sc.bounds = None if b == _bounds_tuple(self.surface.bounds) else b
        self.boundsChanged.emit(b)

    @property
    def resolution(self) -> int:
        return self._sc.resolution

    def set_resolution(self, n: int):
        n = int(n)
        if not MIN_RESOLUTION <= n <= MAX_RESOLUTION:
            raise ValueError(f"resolution {n} is out of range: the mesh takes "
                             f"{MIN_RESOLUTION} to {MAX_RESOLUTION} samples per side")
        if n != self._sc.resolution:
            self._sc.resolution = n
            self.resolutionChanged.emit(n)

    @property
    def colormap(self) -> str:
        return self._sc.view.colormap

    def set_colormap(self, name: str):
        name = str(name)
        if not name.strip():
            raise ValueError("invalid colormap: empty name")
        if name != self._sc.view.colormap:
            self._sc.view.colormap = name
            self.appearanceChanged.emit()

    @property
    def wireframe(self) -> bool:
        return self._sc.view.wireframe

    def set_wireframe(self, on: bool):
        if bool(on) != self._sc.view.wireframe:
            self._sc.view.wireframe = bool(on)
            self.appearanceChanged.emit()

    @property
    def z_mode(self) -> str:
        return self._sc.view.z_mode

    def set_z_mode(self, mode: str):
        """The height mode for the current surface only: another surface keeps its own."""
        if mode not in Z_MODES:
            raise ValueError(f"invalid height mode: {mode!r} (valid: {', '.join(Z_MODES)})")
        self._z_by_surface[self._sc.surface] = mode
        if mode != self._sc.view.z_mode:
            self._sc.view.z_mode = mode
            self.appearanceChanged.emit()

    def z_mode_choices(self) -> dict:
        """{surface: height mode} the user chose this session (for saving settings)."""
        return dict(self._z_by_surface)

    def set_z_mode_choices(self, choices: dict):
        """Restore what z_mode_choices returned; unknown surfaces and modes are dropped."""
        names = set(le.surface_names())
        self._z_by_surface = {str(k): v for k, v in dict(choices).items()
                              if k in names and v in Z_MODES}
        self._z_by_surface[self._sc.surface] = self._sc.view.z_mode

    # ---------------------------------------------------------------- runs
    @property
    def runs(self) -> list[Run]:
        return list(self._sc.runs)

    def run(self, run_id: int) -> Run:
        for r in self._sc.runs:
            if r.id == run_id:
                return r
        raise KeyError(f"no run with id {run_id}")

    def add_run(self, optimizer: str = "gd", **settings) -> Run:
        """A new run (validated first); settings are RunConfig fields."""
        unknown = set(settings) - _RUN_FIELDS
        if unknown:
            raise ValueError(f"unknown run setting(s): {', '.join(sorted(unknown))}")
        settings.setdefault("color", next_run_color(r.color for r in self._sc.runs))
        run = Run.checked(RunConfig(optimizer=optimizer, **settings), self._next_id)
        self._next_id += 1
        self._sc.runs.append(run)
        self.runsChanged.emit()
        return run

    def duplicate_run(self, run_id: int) -> Run:
        src = self.run(run_id).config()
        src.color = next_run_color(r.color for r in self._sc.runs)
        src.label = ""  # a copy is about to differ: its name follows its own settings
        return self.add_run(**{f.name: getattr(src, f.name) for f in fields(RunConfig)})

    def remove_run(self, run_id: int):
        self.run(run_id)
        self._sc.runs = [r for r in self._sc.runs if r.id != run_id]
        self.runsChanged.emit()

    def clear_runs(self):
        if self._sc.runs:
            self._sc.runs = []
            self.runsChanged.emit()

    def update_run(self, run_id: int, **changes) -> Run:
        """Change a run's settings (RunConfig fields). ``hyperparams`` are merged into the
        current ones; switching optimizer keeps the hyperparameters the two share (lr, mostly).
        The label is the user's: it stays whatever else changes. Raises ValueError (and changes
        nothing) if the result is invalid."""
        old = self.run(run_id)
        unknown = set(changes) - _RUN_FIELDS
        if unknown:
            raise ValueError(f"unknown run setting(s): {', '.join(sorted(unknown))}")
        cfg = old.config()
        hp = dict(cfg.hyperparams)
        hp.update(changes.pop("hyperparams", {}))
        for k, v in changes.items():
            setattr(cfg, k, copy.deepcopy(v))
        if cfg.optimizer != old.optimizer:
            from landscape_explorer.core.optimizers import optimizer_def

            names = {p.name for p in optimizer_def(cfg.optimizer).params}
            hp = {k: v for k, v in hp.items() if k in names}
        cfg.hyperparams = hp
        new = Run.checked(cfg, run_id)
        if new == old:
            return old
        self._sc.runs = [new if r.id == run_id else r for r in self._sc.runs]
        self.runChanged.emit(run_id)
        return new

    def set_hyperparam(self, run_id: int, name: str, value) -> Run:
        return self.update_run(run_id, hyperparams={name: value})

    # ---------------------------------------------------------------- start and playback
    @property
    def start(self) -> tuple[float, float]:
        return tuple(self._sc.starts[0])

    def set_start(self, xy):
        p = _point(xy)
        self._sc.starts = [p]
        self.startChanged.emit(p)  # always: clicking the same point again restarts the runs

    @property
    def speed(self) -> float:
        return self._sc.playback.speed

    def set_speed(self, steps_per_second: float):
        v = float(steps_per_second)
        if not math.isfinite(v):
            v = SPEED_MAX
        v = min(max(v, SPEED_MIN), SPEED_MAX)
        if v != self._sc.playback.speed:
            self._sc.playback.speed = v
            self.speedChanged.emit(v)

    @property
    def max_steps(self) -> int:
        return self._sc.playback.max_steps

    def set_max_steps(self, n: int):
        n = int(n)
        if not 1 <= n <= MAX_PLAYBACK_STEPS:
            raise ValueError(f"invalid max steps: {n} (must be 1 to {MAX_PLAYBACK_STEPS:,})")
        if n != self._sc.playback.max_steps:
            self._sc.playback.max_steps = n
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
        return self._sc.playback.restart_on_edit

    def set_restart_on_edit(self, on: bool):
        if bool(on) != self._sc.playback.restart_on_edit:
            self._sc.playback.restart_on_edit = bool(on)
            self.restartOnEditChanged.emit(bool(on))

    @property
    def split(self) -> bool:
        return self._sc.view.split

    def set_split(self, on: bool):
        if bool(on) != self._sc.view.split:
            self._sc.view.split = bool(on)
            self.splitChanged.emit(bool(on))

    @property
    def log_loss(self) -> bool:
        return self._sc.view.log_loss

    def set_log_loss(self, on: bool):
        if bool(on) != self._sc.view.log_loss:
            self._sc.view.log_loss = bool(on)
            self.logLossChanged.emit(bool(on))


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

