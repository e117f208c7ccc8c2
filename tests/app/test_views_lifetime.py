"""Views that come and go leave nothing behind: a destroyed view is no longer called by the
model or the engine, whatever the user does afterwards."""
import os
import sys
import tempfile

import pytest
from PyQt6 import QtCore, QtWidgets


@pytest.fixture
def qt_errors(monkeypatch):
    """Every exception Qt's event loop hands to sys.excepthook (a slot that raised)."""
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda t, v, tb: seen.append(f"{t.__name__}: {v}"))
    return seen


def flush_deletes():
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete.value)
    QtWidgets.QApplication.processEvents()


@pytest.mark.qt_no_exception_capture
def test_split_on_and_off_then_edits_raise_nothing(make_window, qtbot, qt_errors):
    w = make_window()
    if w.view3d is None:
        pytest.skip("no OpenGL")
    m = w.model
    old_views = []
    for _ in range(5):
        m.set_split(True)
        qtbot.waitUntil(lambda: w.split_view is not None and len(w.split_view.views) == 2)
        old_views += list(w.split_view.views.values())
        qtbot.wait(30)
        m.set_split(False)
        flush_deletes()
    assert w.split_view is None
    # Everything that reaches the views through the model or the engine.
    m.set_start((0.5, -0.5))
    for spec in m.runs:
        m.update_run(spec.id, label=spec.name + " edited")
        m.set_hyperparam(spec.id, "lr", 0.03)
    m.add_run()
    m.set_surface("rosenbrock")
    m.set_bounds(((-2.0, 2.0), (-1.0, 3.0)))
    m.set_wireframe(True)
    w.engine.single_step()
    w.engine.single_step()
    m.request_reset()
    flush_deletes()
    from landscape_explorer.app.export.from_window import run_export
    with tempfile.TemporaryDirectory() as d:
        run_export(w, {"kind": "png3d", "path": os.path.join(d, "a.png"), "size": (320, 200)})
        run_export(w, {"kind": "composite", "path": os.path.join(d, "b.png"),
                       "size": (640, 360)})
    flush_deletes()
    assert qt_errors == []
    # And the split views really went: their GL contexts and meshes are freed.
    from PyQt6 import sip
    assert all(sip.isdeleted(v) for v in old_views)
