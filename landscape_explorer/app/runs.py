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


class RunEngine(QtCore.QObject):
    stepped = QtCore.pyqtSignal()  # runs moved: redraw trails, balls, curves
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
        model.startChanged.connect(self.restart)
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
        self._runs[rid] = run

    def _on_run_changed(self, rid: int):
        if rid not in self._runs:
            return
        run = self._runs[rid]
        old, new = run.spec, self.model.run(rid)
        run.spec = new
        stepping = dict(old.__dict__), dict(new.__dict__)
        for d in stepping:
            for k in ("color", "label", "enabled", "id"):
                d.pop(k, None)
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
                run.stepper.set_optimizer(new.build_optimizer())
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

    def _run_done(self, r: _Run) -> bool:
        return r.status in ("diverged", "converged", "error") or r.stepper.step >= self.model.max_steps

    def _all_done(self) -> bool:
        runs = self._active_runs()
        return bool(runs) and all(self._run_done(r) for r in runs)

    def _all_caught_up(self) -> bool:
        t = min(int(self._target), self.model.max_steps)
        return all(r.stepper.step >= t or self._run_done(r) for r in self._active_runs())

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
        before = {id(r): r.stepper.step for r in self._active_runs()}
        self._advance_all(STEP_BUDGET_S)
        moved = any(r.stepper.step != before.get(id(r), -1) for r in self._active_runs())
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

    def _advance_all(self, budget: float):
        t_end = time.perf_counter() + budget
        target = min(int(self._target), self.model.max_steps)
        while True:
            behind = [r for r in self._active_runs()
                      if r.stepper.step < target and not self._run_done(r)]
            if not behind:
                return
            left = t_end - time.perf_counter()
            if left <= 0:
                return
            share = left / len(behind)
            for r in behind:
                # At most double the last chunk: one slow measurement must not be followed by a
                # chunk sized on an outdated, optimistic cost.
                k = int(min(target - r.stepper.step, max(1, share / r.cost), 2 * r.last_k))
                r.last_k = k
                t0 = time.perf_counter()
                try:
                    r.stepper.advance(k)
                except Exception as e:
                    log.exception("run %s failed", r.spec.id)
                    r.error = str(e)
                    self.message.emit(f"Run {r.spec.name} stopped: {e}")
                    continue
                spent = time.perf_counter() - t0
                r.cost = 0.5 * r.cost + 0.5 * max(spent / k, 1e-7)
