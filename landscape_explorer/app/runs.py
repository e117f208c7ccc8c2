"""The live engine behind the views: one core Stepper per run, advanced from a QTimer.

Stepping works toward a shared *target step*. Playing moves the target forward at the model's
speed; every enabled run advances toward it within a fixed time budget per timer tick, so the event
loop is never blocked for longer than about a frame, however fast the speed or slow the machine.
A run that is behind (just added, re-enabled, or restarted by an edit) catches up in later ticks,
so all runs stay side by side at the same step.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from PyQt6 import QtCore

import landscape_explorer as le

from .model import SPEED_MAX, AppModel

log = logging.getLogger(__name__)

TICK_MS = 16  # one frame at 60 Hz
STEP_BUDGET_S = 0.010  # stepping time per tick; the rest of the frame is for drawing
REDRAW_S = 0.030  # views redraw at most this often while stepping (~30 fps), and at the end
HISTORY_ROWS = 4096


_warm_done = threading.Event()
_warm_thread: threading.Thread | None = None


def start_warm_up():
    """Load numba and let the core compile what it compiles once per process (about a second
    or two), off the UI thread. The core does this on the first step otherwise, which would
    freeze the window the first time Play is pressed; until it is done the engine waits
    (without blocking) instead of stepping."""
    global _warm_thread
    if _warm_thread is not None:
        return

    def warm():
        try:
            import numba  # noqa: F401

            from landscape_explorer.core.optimizers import prepare_numba

            prepare_numba()
        except Exception:  # no numba: the core steps with numpy alone
            pass
        finally:
            _warm_done.set()

    _warm_thread = threading.Thread(target=warm, name="warm-up", daemon=True)
    _warm_thread.start()


def warm_up_pending() -> bool:
    return _warm_thread is not None and not _warm_done.is_set()


@dataclass(frozen=True)
class RunState:
    """A snapshot of one run for the views (all finite)."""

    id: int
    step: int
    position: np.ndarray  # (2,)
    loss: float
    grad_norm: float
    status: str  # 'converged' | 'moving' | 'diverged' | 'error'
    done: bool  # will not move any further (diverged, converged or at max steps)


_serials = itertools.count(1)


class _Run:
    def __init__(self, spec, stepper):
        self.spec = spec
        self.stepper = stepper
        # Repeats of a noisy run: the same run with seeds spec.seed+1, spec.seed+2, ... stepped
        # beside the main one (which stays the seed-spec.seed run, bit for bit).
        self.extras: list = []
        self.serial = next(_serials)  # tells a rebuilt run from the old one (ids get reused)
        self.error: str | None = None
        # Seconds per step, measured as we go. It starts pessimistic: a first chunk sized on an
        # optimistic guess would overrun the frame budget before there is any measurement.
        self.cost = 1e-3
        self.last_k = 1
        self._hist_key = None
        self._hist = None

    def history(self):
        key = self.stepper.step
        if key != self._hist_key:
            self._hist = self.stepper.history()
            self._hist_key = key
        return self._hist

    @property
    def status(self) -> str:
        return "error" if self.error else str(self.stepper.status[0])

    def steppers(self) -> list:
        return [self.stepper, *self.extras]


class RunEngine(QtCore.QObject):
    stepped = QtCore.pyqtSignal()  # runs moved: redraw trails, balls, curves
    repeatsChanged = QtCore.pyqtSignal(int)  # a run's repeats setting (id)
    restarted = QtCore.pyqtSignal()  # runs rebuilt or back at step 0 (new surface, start, ...)
    finished = QtCore.pyqtSignal()  # every enabled run reached max steps or stopped for good
    message = QtCore.pyqtSignal(str)

    def __init__(self, model: AppModel, parent=None):
        super().__init__(parent)
        self.model = model
        self._runs: dict[int, _Run] = {}
        self._target = 0.0
        self._last_tick = None
        self._last_emit = 0.0
        self._pending_draw = False
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

        model.surfaceChanged.connect(self.restart)
        model.startChanged.connect(self._on_start_changed)
        model.resetRequested.connect(self.restart)
        model.runsChanged.connect(self._sync_runs)
        model.runChanged.connect(self._on_run_changed)
        model.playingChanged.connect(self._on_playing)
        model.maxStepsChanged.connect(lambda _: self._wake())
        self._sync_runs()

    # ------------------------------------------------------------------ state for the views
    @property
    def target_step(self) -> int:
        return int(self._target)

    def run_ids(self) -> list[int]:
        return [r.id for r in self.model.runs if r.id in self._runs]

    def stepper(self, run_id: int):
        return self._runs[run_id].stepper

    def draw_key(self, run_id: int):
        """Changes whenever the run's drawing would: its stepper or its step."""
        r = self._runs[run_id]
        return (r.serial, r.stepper.step)

    def history(self, run_id: int):
        """(steps (L,), positions (L, 2), losses (L,)) for run_id, finite, cached per step."""
        steps, pos, loss = self._runs[run_id].history()
        return steps, pos[:, 0, :], loss[:, 0]

    # ------------------------------------------------------------------ repeats (noisy runs)
    def repeats(self, run_id: int) -> int:
        """How many seeds the run is repeated over (1: just the run): the run's ``repeats``
        setting, saved with the scenario; set with set_repeats."""
        return int(self.model.run(run_id).repeats)

    def effective_repeats(self, run_id: int) -> int:
        """The repeats actually stepped: a run with nothing random in it (no gradient noise, no
        minibatches) would repeat itself exactly, so it is stepped once."""
        try:
            r = self._runs[run_id]
        except KeyError:
            return 1
        return 1 + len(r.extras) if r is not None else 1

    def set_repeats(self, run_id: int, k: int):
        """Repeat run ``run_id`` over ``k`` seeds (its own and the next k-1): the repeats start
        at step 0 and catch up with the run. The run itself goes on where it is."""
        from landscape_explorer.core.sweep import MAX_REPEATS

        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or \
                not 1 <= k <= MAX_REPEATS:
            raise ValueError(f"invalid repeats: {k!r} (must be an integer in [1, {MAX_REPEATS}])")
        self.model.update_run(run_id, repeats=int(k))  # KeyError for an unknown run

    def repeat_histories(self, run_id: int):
        """(steps (L,), paths (K, L, 2), losses (K, L)) of the run and its repeats, on the run's
        own recorded steps; row 0 is the run itself. A repeat that stopped earlier (diverged or
        converged) stays where it stopped."""
        r = self._runs[run_id]
        steps, pos, loss = r.history()
        paths = [pos[:, 0, :]]
        losses = [loss[:, 0]]
        for st in r.extras:
            s2, p2, l2 = st.history()
            idx = np.clip(np.searchsorted(s2, steps, side="right") - 1, 0, len(s2) - 1)
            paths.append(p2[idx, 0, :])
            losses.append(l2[idx, 0])
        return steps, np.stack(paths), np.stack(losses)

    def repeat_draw_key(self, run_id: int):
        """Changes whenever the run's repeats would draw differently."""
        r = self._runs[run_id]
        return (r.serial, id(r.extras[0]) if r.extras else None,
                tuple(st.step for st in r.steppers()))

    def repeat_verdict_kinds(self, run_id: int) -> list[str]:
        """The verdict kind of the run and each repeat where they are now (row 0: the run)."""
        from landscape_explorer.core.verdicts import verdicts

        return [verdicts(st)[0].kind for st in self._runs[run_id].steppers()]

    def _build_extras(self, run: _Run):
        spec = run.spec
        k = int(spec.repeats)
        noisy = spec.noise > 0 or bool(getattr(spec, "batch_size", None))
        run.extras = []
        if k <= 1 or not noisy or run.error:
            return
        m = self.model
        opt = run.stepper.optimizer
        # Seed j of a minibatch run draws its own batches: the repeats of a run whose only
        # noise is its minibatches differ from it by those (core.sweep.repeat_runs' rows).
        run.extras = [le.Stepper(m.surface, opt, np.array([m.start], dtype=np.float64),
                                 seed=int(spec.seed) + j, history=HISTORY_ROWS,
                                 batch_size=spec.batch_size)
                      for j in range(1, k)]

    def state(self, run_id: int) -> RunState:
        r = self._runs[run_id]
        st = r.stepper
        status = r.status
        done = status in ("diverged", "converged", "error") or st.step >= self.model.max_steps
        return RunState(run_id, int(st.step), st.positions[0], float(st.losses[0]),
                        float(st.grad_norms[0]), status, bool(done))

    def states(self) -> list[RunState]:
        return [self.state(i) for i in self.run_ids()]

    # ------------------------------------------------------------------ control
    def restart(self, *_):
        """Every run back to step 0 at the model's start point."""
        self._target = 0.0
        for rid in list(self._runs):
            self._rebuild(rid)
        self.restarted.emit()
        self._wake()

    def _on_start_changed(self, *_):
        # A new surface announces its start after itself: the runs were rebuilt there a moment
        # ago, and a second rebuild (with every view's refresh) would change nothing.
        if self._runs and all(r.stepper.step == 0 and r.stepper.surface is self.model.surface
                              and tuple(r.stepper.starts[0]) == tuple(self.model.start)
                              for r in self._runs.values()):
            return
        self.restart()

    def single_step(self):
        self.model.set_playing(False)
        self._target = min(self._max_reachable() + 1, self.model.max_steps)
        self._advance_all(budget=0.25)
        self.stepped.emit()

    def run_until_done(self, timeout: float = 30.0):
        """Step to max steps synchronously (tests, benchmarks, render); not for the UI thread."""
        self._target = float(self.model.max_steps)
        t0 = time.perf_counter()
        while not self._all_caught_up() and time.perf_counter() - t0 < timeout:
            self._advance_all(budget=1.0)
        self.stepped.emit()

    def _max_reachable(self) -> int:
        steps = [r.stepper.step for r in self._active_runs()]
        return max(steps) if steps else int(self._target)

    def _sync_runs(self):
        specs = {r.id: r for r in self.model.runs}
        for rid in list(self._runs):
            if rid not in specs:
                del self._runs[rid]
        added = False
        for rid, spec in specs.items():
            if rid not in self._runs:
                self._runs[rid] = None  # placeholder so _rebuild knows it
                self._rebuild(rid)
                added = True
            else:
                self._runs[rid].spec = spec
        if added:
            self.restarted.emit()
        self.stepped.emit()
        self._wake()

    def _rebuild(self, rid: int):
        spec = self.model.run(rid)
        m = self.model
        try:
            opt = spec.build_optimizer()
            st = le.Stepper(m.surface, opt, np.array([m.start], dtype=np.float64),
                            seed=int(spec.seed), history=HISTORY_ROWS,
                            batch_size=spec.batch_size)
            run = _Run(spec, st)
        except Exception as e:  # never let a bad run take the window down
            log.exception("could not start run %s", rid)
            st = le.Stepper(m.surface, le.optimizer("gd", lr=0.0),
                            np.array([m.start], dtype=np.float64), history=HISTORY_ROWS)
            run = _Run(spec, st)
            run.error = str(e)
            self.message.emit(f"Run {spec.name}: {e}")
        self._build_extras(run)
        self._runs[rid] = run

    def _on_run_changed(self, rid: int):
        if rid not in self._runs:
            return
        run = self._runs[rid]
        old, new = run.spec, self.model.run(rid)
        run.spec = new
        stepping = dict(old.__dict__), dict(new.__dict__)
        for d in stepping:
            for k in ("color", "label", "enabled", "id", "repeats"):
                d.pop(k, None)
        if old.repeats != new.repeats:  # the run goes on; its repeats start from step 0
            self._build_extras(run)
            self.repeatsChanged.emit(rid)
            self._wake()
        if stepping[0] == stepping[1]:
            if old.enabled != new.enabled:
                self._wake()
            self.stepped.emit()  # color, label or visibility: redraw only
            return
        if self.model.restart_on_edit or old.seed != new.seed or \
                old.batch_size != new.batch_size or run.error:
            # The seed and the batch size fix the stepper's random streams: a new one means a
            # new run. It restarts alone and catches up with the others at the current step.
            self._rebuild(rid)
        else:
            try:
                opt = new.build_optimizer()
                noisy = (new.noise > 0) != (old.noise > 0) or \
                    getattr(new, "batch_size", None) != getattr(old, "batch_size", None)
                run.stepper.set_optimizer(opt)
                if noisy:  # repeats start or stop mattering
                    self._build_extras(run)
                for st in run.extras:
                    st.set_optimizer(opt)
            except Exception as e:
                self.message.emit(f"Run {new.name}: {e}")
        self.stepped.emit()
        self._wake()

    def _on_playing(self, playing: bool):
        if playing and self._all_done():
            # Play after the end means "again": start over rather than do nothing.
            self.restart()
        self._last_tick = None
        self._wake()

    def _wake(self):
        if not self.timer.isActive():
            self._last_tick = None
            self.timer.start()

    # ------------------------------------------------------------------ stepping
    def _active_runs(self) -> list[_Run]:
        return [r for r in self._runs.values() if r is not None and r.spec.enabled]

    def _stepper_done(self, st) -> bool:
        return str(st.status[0]) in ("diverged", "converged") or st.step >= self.model.max_steps

    def _run_done(self, r: _Run) -> bool:
        if r.error:
            return True
        return all(self._stepper_done(st) for st in r.steppers())

    def _behind(self, r: _Run, target: int) -> list:
        """The run's steppers (itself and its repeats) still short of ``target``."""
        if r.error:
            return []
        return [st for st in r.steppers() if st.step < target and not self._stepper_done(st)]

    def _all_done(self) -> bool:
        runs = self._active_runs()
        return bool(runs) and all(self._run_done(r) for r in runs)

    def _all_caught_up(self) -> bool:
        t = min(int(self._target), self.model.max_steps)
        return all(not self._behind(r, t) for r in self._active_runs())

    def tick(self):
        if warm_up_pending():
            return  # see start_warm_up: a few hundred ms at most after launch
        now = time.perf_counter()
        dt = 0.0 if self._last_tick is None else min(now - self._last_tick, 0.1)
        self._last_tick = now
        m = self.model
        if m.playing:
            if m.speed >= SPEED_MAX:
                self._target = float(m.max_steps)
            else:
                # Never let the target run far ahead of what the machine manages, or a slow
                # machine would keep stepping long after the user pressed pause.
                lag_cap = self._max_reachable() + max(1.0, m.speed * 0.25)
                self._target = min(self._target + m.speed * dt, lag_cap, float(m.max_steps))
        before = {id(r): [st.step for st in r.steppers()] for r in self._active_runs()}
        self._advance_all(STEP_BUDGET_S, wait_for_compiler=False)
        moved = any([st.step for st in r.steppers()] != before.get(id(r))
                    for r in self._active_runs())
        self._pending_draw |= moved
        caught_up = self._all_caught_up()
        if self._pending_draw and (caught_up or now - self._last_emit >= REDRAW_S):
            self._pending_draw = False
            self._last_emit = now
            self.stepped.emit()
        if m.playing and self._all_done():
            m.set_playing(False)
            self.finished.emit()
        if not m.playing and caught_up and not self._pending_draw:
            self.timer.stop()

    def _advance_all(self, budget: float, wait_for_compiler: bool = True):
        """Step the runs toward the target for about ``budget`` seconds. The playing timer
        passes wait_for_compiler=False: a run whose surface gradient numba is still compiling
        in the background (a newly typed formula) waits at its step, and the window keeps
        drawing, until it is ready (the timer keeps polling). Step and run_until_done wait."""
        t_end = time.perf_counter() + budget
        target = min(int(self._target), self.model.max_steps)
        while True:
            behind = [r for r in self._active_runs() if self._behind(r, target)
                      and (wait_for_compiler or all(st.ready() for st in r.steppers()))]
            if not behind:
                return
            left = t_end - time.perf_counter()
            if left <= 0:
                return
            share = left / len(behind)
            for r in behind:
                # At most double the last chunk: one slow measurement must not be followed by a
                # chunk sized on an outdated, optimistic cost.
                late = self._behind(r, target)
                lag = target - min(st.step for st in late)
                k = int(min(lag, max(1, share / r.cost), 2 * r.last_k))
                r.last_k = k
                t0 = time.perf_counter()
                try:
                    for st in late:
                        st.advance(min(k, target - st.step))
                except Exception as e:
                    log.exception("run %s failed", r.spec.id)
                    r.error = str(e)
                    self.message.emit(f"Run {r.spec.name} stopped: {e}")
                    continue
                spent = time.perf_counter() - t0
                r.cost = 0.5 * r.cost + 0.5 * max(spent / k, 1e-7)
