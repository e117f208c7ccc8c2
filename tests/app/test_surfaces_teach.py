"""Every surface teaches from its default start, through the app: select the surface as a user
does (the surface combo box), press Play with the default runs, and read the verdicts."""
import sys
from pathlib import Path

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.app.live_verdicts import live_verdicts_for
from landscape_explorer.app.presets import default_scenario

sys.path.insert(0, str(Path(__file__).parents[1] / "core"))
from surface_lessons import LESSONS  # noqa: E402  (shared with tests/core)


@pytest.fixture
def default_window(qtbot, settings):
    from landscape_explorer.app.main_window import MainWindow
    from landscape_explorer.app.model import AppModel

    model = AppModel.from_scenario(default_scenario())
    w = MainWindow(model=model, settings=settings, restore=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_surface_teaches_from_its_default_start(qtbot, default_window):
    w = default_window
    lv = live_verdicts_for(w.engine)
    combo = w.controls.surface_combo
    w.model.set_speed(1e9)
    failures = []
    for name in le.surface_names():
        combo.setCurrentIndex(combo.findData(name))
        assert w.model.surface_name == name
        start = np.array(w.model.start)
        assert np.allclose(start, le.surface(name).default_start)
        with qtbot.waitSignal(w.engine.finished, timeout=60000):
            w.play_action.trigger()
            # Play at full speed, but stepped here in one go rather than at the frame budget
            # (a loaded test machine would take minutes per surface).
            w.engine.run_until_done(timeout=60)
        ids = [r.id for r in w.model.runs if r.enabled]
        qtbot.waitUntil(lambda: lv.ready and all(
            lv.verdict(i) is not None and lv.verdict(i).kind != "not_started" for i in ids),
            timeout=20000)
        vs = [lv.verdict(i) for i in ids]
        for rid, v in zip(ids, vs):
            moved = not np.array_equal(w.engine.state(rid).position, start)
            text = w.run_table.row_texts(rid)["Verdict"]
            if not moved or v.kind in ("stationary_start", "not_started"):
                failures.append(f"{name}: run {rid} did not move ({v.detail})")
            assert text, f"{name}: run {rid} has no verdict in the table"
        lesson, shows = LESSONS[name]
        if not shows(vs):
            failures.append(f"{name} should show: {lesson}; got " +
                            "; ".join(v.detail for v in vs))
    assert not failures, "\n".join(failures)
