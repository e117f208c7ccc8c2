"""The Analyze dock's Sweep tab with real widgets (pytest-xvfb): a sweep runs in a worker while
the event loop keeps going, Cancel stops it, the heatmap and table show the same numbers as the
core, a click on a cell or a row adds that run, and what a person does by accident (double-click
Run, Cancel then Run, change the surface mid-sweep, wheel over a spin box) does no harm."""
import os

import numpy as np
import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

import landscape_explorer as le
from landscape_explorer.app.analysis.panel import SWEEP
from landscape_explorer.core.sweep import sweep_starts

HIMMELBLAU = {
    "surface": "himmelblau", "resolution": 60, "start": [0.0, 0.0], "max_steps": 200,
    "speed": 1000.0,
    "runs": [{"id": 1, "optimizer": "sgd", "hyperparams": {"lr": 0.01, "momentum": 0.9},
              "color": "#E69F00"}],
}


@pytest.fixture
def tab(make_window):
    w = make_window(HIMMELBLAU, size=(1500, 950))
    panel = w.analysis
    panel.dock.show()
    panel.setCurrentIndex(SWEEP)
    t = panel.sweep_tab
    t.set_checked({"sgd(momentum=0.9)", "adam"})
    t.lr_lo.setValue(1e-3)
    t.lr_hi.setValue(0.1)
    t.lr_k.setValue(3)
    t.starts_n.setValue(49)
    t.start_kind.setCurrentIndex(t.start_kind.findData("grid"))
    t.steps.setValue(150)
    return t


def _click(widget, pos=None):
    pos = pos or widget.rect().center()
    from PyQt6.QtTest import QTest

    QTest.mouseClick(widget, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier(0), pos)


def test_sweep_shows_the_cores_numbers_and_a_click_adds_the_run(qtbot, tab):
    model = tab.model
    assert tab.checked() == ["sgd(momentum=0.9)", "adam"]
    _click(tab.go)
    assert tab.running and not tab.go.isEnabled() and tab.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=120000)
    assert tab.progress.value() == tab.progress.maximum() and tab.go.isEnabled()
    res = tab.result
    starts = sweep_starts("himmelblau", 49, kind="grid", bounds=model.bounds)
    direct = le.sweep("himmelblau", [le.optimizer("sgd", momentum=0.9), "adam"],
                      list(np.geomspace(1e-3, 0.1, 3)), starts, 150)
    assert [(c.optimizer, c.lr, c.success_rate, c.divergence_rate) for c in res.cells] == \
        [(c.optimizer, c.lr, c.success_rate, c.divergence_rate) for c in direct.cells]
    # The table says the same, row by row, and the best row of each optimizer is bold.
    assert tab.table.rowCount() == 6
    best = {(c.optimizer, c.lr) for c in res.best().values()}
    for i, c in enumerate(res.cells):
        assert tab.table.item(i, 0).text() == c.optimizer
        assert tab.table.item(i, 2).text().startswith(f"{100 * c.success_rate:.1f}% [")
        assert tab.table.item(i, 0).font().bold() == ((c.optimizer, c.lr) in best)
    # The heatmap is the core's picture: a cell's middle pixel is its success rate's color.
    pic = tab.heatmap.picture
    c0 = res.cells[0]
    x, y = pic.cell_center(c0.optimizer, c0.lr)
    assert tuple(pic.image[int(y) + 12, int(x) - 30]) == le.core.sweep.viridis(c0.success_rate)
    # Clicking the cell of adam at the middle learning rate adds that run from the start.
    n = len(model.runs)
    lr = res.cells[4].lr
    _click(tab.heatmap, tab.heatmap.widget_pos("adam", lr))
    assert len(model.runs) == n + 1
    run = model.runs[-1]
    assert run.optimizer == "adam" and run.hyperparams["lr"] == lr
    # A table row (double-click) adds sgd with its momentum kept: the momentum of the sweep,
    # even after the run it came from has changed.
    model.update_run(model.runs[0].id, hyperparams={"momentum": 0.5})
    assert "sgd(momentum=0.9)" not in tab.checked()
    tab.table.cellDoubleClicked.emit(1, 0)
    run = model.runs[-1]
    assert run.optimizer == "sgd" and run.hyperparams["momentum"] == 0.9
    assert run.hyperparams["lr"] == res.cells[1].lr
    shots = os.environ.get("LE_SCREENSHOTS")
    if shots:
        tab.panel.window_.grab().save(os.path.join(shots, "sweep_window.png"))
        tab.panel.dock.grab().save(os.path.join(shots, "sweep_dock.png"))


def test_event_loop_runs_during_a_sweep_and_cancel_stops_it(qtbot, tab):
    tab.starts_n.setValue(2000)
    tab.steps.setValue(2000)
    tab.lr_k.setValue(20)  # 40 cells: far longer than the test waits
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    tab.go.click()
    tab.go.click()  # a double-click starts one sweep, not two
    worker = tab._worker
    qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=120000)
    before = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= before + 5, timeout=10000)  # the UI thread is free
    assert tab._worker is worker
    tab.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.running, timeout=30000)
    timer.stop()
    assert tab.status.text() == "Cancelled." and tab.result is None
    assert tab.progress.value() == 0 and tab.go.isEnabled()
    assert not worker.isRunning()
    # Run again after a cancel: a fresh sweep that finishes.
    tab.starts_n.setValue(25)
    tab.steps.setValue(50)
    tab.lr_k.setValue(2)
    tab.go.click()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=120000)
    assert len(tab.result.cells) == 4 and tab.result.cells[0].runs == 25


def test_surface_change_mid_sweep_stops_it_and_clears_an_old_result(qtbot, tab):
    tab.starts_n.setValue(2000)
    tab.steps.setValue(2000)
    tab.lr_k.setValue(20)
    tab.go.click()
    qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=120000)
    tab.model.set_surface("rastrigin")
    qtbot.waitUntil(lambda: not tab.running, timeout=30000)
    assert tab.result is None and "surface changed" in tab.status.text()
    # A finished sweep goes too when the surface changes after it.
    tab.starts_n.setValue(16)
    tab.steps.setValue(30)
    tab.lr_k.setValue(2)
    tab.go.click()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=120000)
    assert tab.result.surface == "rastrigin"
    tab.model.set_surface("himmelblau")
    assert tab.result is None and tab.table.rowCount() == 0 and tab.heatmap.picture is None
    assert "no longer applies" in tab.status.text()


def test_wheel_over_a_spin_box_changes_nothing(qtbot, tab):
    tab.setFocus()
    for w in (tab.lr_lo, tab.lr_k, tab.starts_n, tab.steps, tab.seeds, tab.start_kind):
        before = w.text() if isinstance(w, QtWidgets.QAbstractSpinBox) else w.currentIndex()
        pos = QtCore.QPointF(w.width() / 2, w.height() / 2)
        ev = QtGui.QWheelEvent(pos, w.mapToGlobal(pos), QtCore.QPoint(0, 0),
                               QtCore.QPoint(0, -120), QtCore.Qt.MouseButton.NoButton,
                               QtCore.Qt.KeyboardModifier.NoModifier,
                               QtCore.Qt.ScrollPhase.NoScrollPhase, False)
        QtWidgets.QApplication.sendEvent(w, ev)
        after = w.text() if isinstance(w, QtWidgets.QAbstractSpinBox) else w.currentIndex()
        assert after == before, type(w).__name__


def test_nothing_ticked_says_so(qtbot, tab):
    tab.set_checked(set())
    tab.go.click()
    assert not tab.running and "Tick at least one optimizer" in tab.status.text()
