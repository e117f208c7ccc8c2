"""The Analyze dock's "Step" tab: arrows at a run's ball (−gradient, momentum, next update), a
caption with the update rule and the numbers, the Hessian's eigenvalues there, slow motion.

The momentum arrow and the rule come from the optimizer registry (``defn.velocity``, the name of
the velocity/momentum buffer among ``defn.state_names``, and ``defn.rule``): no table here.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from PyQt6 import QtCore, QtWidgets

from landscape_explorer.core.critical import eigenvalues
from landscape_explorer.core.optimizers import OptState

from .overlays import ARROW_STYLE

SLOW_MOTION_SPEED = 1.0  # steps per second


def _fmt2(v) -> str:
    return f"({v[0]:.3g}, {v[1]:.3g})"


def velocity_buffer(optimizer, buffers):
    """(name, (2,) value) of the optimizer's velocity/momentum buffer for particle 0, or None
    when it has none (or it is still zero, e.g. SGD without momentum)."""
    defn = optimizer.defn
    name = defn.velocity
    if not name or name not in defn.state_names:
        return None
    k = defn.state_names.index(name)
    if k >= len(buffers):
        return None
    v = np.asarray(buffers[k, 0], dtype=np.float64)
    return (name, v) if np.all(np.isfinite(v)) and math.hypot(*v) > 0 else None


def step_vectors(stepper, surface):
    """(position, vectors {gradient, momentum, update}, caption, eigenvalues) of particle 0 of
    a live Stepper: the next update is the optimizer's own update applied to a copy of its
    state, so the arrow is the step it will take (before gradient noise)."""
    opt = stepper.optimizer
    p = stepper.positions[:1]
    g = stepper.last_grad[:1]
    if opt.clip is not None:
        n = float(np.hypot(*g[0]))
        g = g * min(opt.clip / (n + 1e-6), 1.0)
    buffers = stepper.buffers
    ctx = SimpleNamespace(value=surface.value, grad=surface.grad, rng=np.random.default_rng(0))
    with np.errstate(all="ignore"):
        new, _ = opt.update(g, OptState(stepper.step, buffers[:, :1].copy()), p, ctx)
    update = np.nan_to_num(new[0] - p[0])
    velocity = velocity_buffer(opt, buffers)
    lr = float(opt.lrs(stepper.step, 1)[0])
    parts = [f"step {stepper.step:,}"]
    if opt.defn.rule:
        parts.append(opt.defn.rule)
    parts += [f"lr = {lr:.3g}", f"g = {_fmt2(g[0])}"]
    if velocity is not None:
        parts.append(f"{velocity[0]} = {_fmt2(velocity[1])}")
    parts.append(f"next update = {_fmt2(update)} (|Δ| = {math.hypot(*update):.3g}"
                 + (", before gradient noise)" if opt.noise else ")"))
    vectors = {"gradient": -g[0] if np.hypot(*g[0]) > 0 else None,
               "momentum": -velocity[1] if velocity is not None else None,
               "update": update if np.hypot(*update) > 0 else None}
    return p[0], vectors, " · ".join(parts), eigenvalues(surface, p[0])


class StepTab(QtWidgets.QWidget):
    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.model, self.engine = panel.model, panel.engine
        self.arrows = panel.arrows
        self._slow_prev_speed: float | None = None
        lay = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.step_run = panel.run_combo("The run whose step is illustrated")
        self.step_run.currentIndexChanged.connect(lambda _: self.refresh_step())
        form.addRow("Run", self.step_run)
        lay.addLayout(form)
        self.show_arrows = QtWidgets.QCheckBox("Show arrows at the ball")
        self.show_arrows.setToolTip("Red: −gradient · blue: momentum · white: the next update "
                                    "(directions; sizes in the caption)")
        self.show_arrows.toggled.connect(lambda _: self.refresh_step())
        lay.addWidget(self.show_arrows)
        self.slow_motion = QtWidgets.QCheckBox("Slow motion (one step per second)")
        self.slow_motion.toggled.connect(self.set_slow_motion)
        lay.addWidget(self.slow_motion)
        legend = " · ".join(f"<span style='color:{c}; background-color:#202228'>&nbsp;➜&nbsp;"
                            f"</span> {label}" for c, label in ARROW_STYLE.values())
        lay.addWidget(QtWidgets.QLabel(legend))
        self.step_caption = QtWidgets.QLabel()
        self.step_caption.setWordWrap(True)
        self.step_caption.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.step_caption)
        self.hessian_label = QtWidgets.QLabel()
        self.hessian_label.setWordWrap(True)
        lay.addWidget(self.hessian_label)
        lay.addStretch(1)

    def step_vectors(self, run_id):
        return step_vectors(self.engine.stepper(run_id), self.model.surface)

    def refresh_step(self):
        rid = self.step_run.currentData()
        if rid is None or rid not in self.engine.run_ids():
            self.arrows.clear()
            self.step_caption.setText("")
            self.hessian_label.setText("")
            return
        try:
            pos, vectors, caption, eig = self.step_vectors(rid)
        except Exception as e:  # an optimizer the illustration cannot replay: say so
            self.arrows.clear()
            self.step_caption.setText(f"No illustration for this run: {e}")
            return
        self.step_caption.setText(caption)
        lo, hi = (float(v) for v in eig)
        shape = ("a bowl (both curve up)" if lo > 0 else "a dome (both curve down)" if hi < 0
                 else "a saddle (one direction curves down)" if lo < 0 < hi else "flat in a "
                 "direction")
        self.hessian_label.setText(f"Hessian eigenvalues at the ball: {lo:.4g}, {hi:.4g} — "
                                   f"locally {shape}")
        if self.show_arrows.isChecked():
            self.arrows.show(pos, vectors)
        else:
            self.arrows.clear()

    def set_slow_motion(self, on: bool):
        m = self.model
        if on:
            if self._slow_prev_speed is None:
                self._slow_prev_speed = m.speed
            m.set_speed(SLOW_MOTION_SPEED)
            self.show_arrows.setChecked(True)
            m.set_playing(True)
        elif self._slow_prev_speed is not None:
            m.set_speed(self._slow_prev_speed)
            self._slow_prev_speed = None

    def stop(self):
        """The dock closed: no arrows, normal speed."""
        self.show_arrows.setChecked(False)
        self.slow_motion.setChecked(False)
        self.arrows.clear()
