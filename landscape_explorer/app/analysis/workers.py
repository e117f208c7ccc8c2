"""Analysis work off the UI thread: critical points, basins maps, particle clouds, restarts,
sweeps.

Each worker computes with the core only and hands results back through Qt signals, which arrive
queued on the UI thread. Nothing here touches a widget.
"""
from __future__ import annotations

import threading
import time

import numpy as np
from PyQt6 import QtCore

import landscape_explorer as le
from landscape_explorer.core.basins import basins
from landscape_explorer.core.cancel import Cancelled
from landscape_explorer.core.verdicts import VERDICT_KINDS, verdicts

from ..threads import CancellableWorker
class BasinsWorker(CancellableWorker):
    """Computes one basins map per optimizer; cancel() stops it at the next chunk of rows.
    done: the list of BasinsResult."""

    progress = QtCore.pyqtSignal(float)  # 0..1 over all maps

    def __init__(self, surface, optimizers, resolution=128, steps=300, bounds=None, seed=0,
                 parent=None):
        super().__init__(parent)
        self.surface = surface
        self.optimizers = list(optimizers)
        self.resolution, self.steps, self.bounds, self.seed = resolution, steps, bounds, seed

    def compute(self):
        n = len(self.optimizers)
        return [basins(self.surface, opt, resolution=self.resolution, steps=self.steps,
                       bounds=self.bounds, seed=self.seed, fast=True,
                       progress=lambda f, k=k: self.progress.emit((k + f) / n),
                       cancel=self.is_cancelled)
                for k, opt in enumerate(self.optimizers)]


class SweepWorker(CancellableWorker):
    """Runs one le.sweep; cancel() stops it before its next cell (optimizer x learning rate).
    done: the SweepResult."""

    progress = QtCore.pyqtSignal(float)  # 0..1 over the cells

    def __init__(self, surface, optimizers, lrs, starts, steps, seeds=1, parent=None):
        super().__init__(parent)
        self.args = (surface, list(optimizers), list(lrs), np.asarray(starts), int(steps))
        self.seeds = int(seeds)

    def compute(self):
        result = le.sweep(*self.args, seeds=self.seeds, progress=self.progress.emit,
                          cancel=self.is_cancelled)
        if self.is_cancelled():
            raise Cancelled  # cancelled during the last cell: its result is not wanted
        return result


class CallWorker(QtCore.QThread):
    """Runs fn() once off the UI thread and emits its result (critical points, restarts)."""

    done = QtCore.pyqtSignal(object, object)  # (tag, result)
    failed = QtCore.pyqtSignal(object, str)

    def __init__(self, tag, fn, parent=None):
        super().__init__(parent)
        self.tag, self.fn = tag, fn

    def run(self):
        try:
            result = self.fn()
        except Exception as e:
            self.failed.emit(self.tag, str(e))
            return
        self.done.emit(self.tag, result)


class CloudRunner(QtCore.QThread):
    """Steps a particle cloud with the core Stepper (small history: only positions matter) at
    ``speed`` steps per second, up to ``max_steps``; publishes snapshots the UI picks up."""

    finished_steps = QtCore.pyqtSignal(object)  # summary dict when it reaches max_steps

    def __init__(self, surface, optimizer, starts, max_steps, speed, seed=0, parent=None):
        super().__init__(parent)
        self.surface = le.surface(surface)
        self.optimizer = optimizer
        self.starts = np.asarray(starts, dtype=np.float64)
        self.max_steps = int(max_steps)
        self.speed = float(speed)
        self.seed = seed
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._lock = threading.Lock()
        self._snapshot = (0, self.starts.copy())

    def stop(self):
        self._stop.set()

    def set_paused(self, on: bool):
        (self._paused.set if on else self._paused.clear)()

    def set_speed(self, v: float):
        self.speed = float(v)

    def snapshot(self):
        """(step, positions (N, 2)) of the latest published state."""
        with self._lock:
            return self._snapshot

    def run(self):
        st = le.Stepper(self.surface, self.optimizer, self.starts, seed=self.seed, history=2)
        t_last = time.perf_counter()
        owed = 0.0
        chunk_cost = 1e-6  # seconds per step, measured
        while not self._stop.is_set() and st.step < self.max_steps:
            if self._paused.is_set():
                time.sleep(0.02)
                t_last = time.perf_counter()
                continue
            now = time.perf_counter()
            owed = min(owed + (now - t_last) * self.speed, max(1.0, 0.5 * self.speed))
            t_last = now
            # Steps due by now, in chunks of at most ~40 ms of work so stop() is prompt.
            k = int(min(owed, self.max_steps - st.step, max(1, 0.04 / chunk_cost)))
            if k < 1:
                time.sleep(0.005)
                continue
            t0 = time.perf_counter()
            st.advance(k)
            chunk_cost = max((time.perf_counter() - t0) / k, 1e-8)
            owed -= k
            with self._lock:
                self._snapshot = (st.step, st.positions)
        if st.step >= self.max_steps and not self._stop.is_set():
            vs = verdicts(st)
            kinds = [v.kind for v in vs]
            summary = {k: kinds.count(k) / len(kinds) for k in VERDICT_KINDS if k in kinds}
            self.finished_steps.emit({"step": st.step, "fractions": summary})
