"""The Learn menu and the Lesson panel, on the real window: every bundled lesson opens from the
menu, loads its scenario, shows its paragraphs with its own numbers, and ticks its tasks only when
the runs, changed through the app's model as the task's solution says, do what the task asks."""
import base64
import dataclasses
import io
import os
import re

import numpy as np
import pytest
from PIL import Image
from PyQt6 import QtWidgets

from landscape_explorer.core.lessons import (lesson as bundled, lesson_state, lessons,
                                             render_paragraphs, simulated_state, success_map)

LESSONS = lessons()


def apply_edits_in_app(model, edits, qtbot=None, window=None):
    """A task's solution, done as a user would through the controls: each edit through the
    model's setters (run fields by name, everything else a hyperparameter; a start as a click
    on the surface sets it; a network's fields in the Data panel, then Train and slice)."""
    for e in edits:
        if "start" in e:
            model.set_start(tuple(e["start"]))
            continue
        if "network" in e:
            dp = window.controls.data_panel
            qtbot.waitUntil(lambda: not dp.building, timeout=60_000)  # the lesson's own build
            for k, v in e["network"].items():
                {"skip": dp.skip_check.setChecked, "depth": dp.depth_spin.setValue}[k](v)
            assert dp.build_button.isVisible() and dp.build_button.isEnabled()
            dp.build_button.click()
            qtbot.waitUntil(lambda: not dp.building, timeout=240_000)
            continue
        run = next(r for r in model.runs if r.display_name == e["run"])
        changes, hps = {}, {}
        for k, v in e["set"].items():
            if k in ("optimizer", "noise", "clip", "schedule", "batch_size"):
                changes[k] = v
            else:
                hps[k] = v
        model.update_run(run.id, hyperparams=hps, **changes)


def run_to_end(qtbot, w):
    """Every run from the start to its last step, then wait for every run's verdict (if the
    lesson looks at verdicts: on a network slice they take minutes)."""
    w.model.request_reset()
    w.engine.run_until_done(timeout=120)
    lv = w.lesson_panel.verdicts
    if w.lesson_panel.lesson.uses_verdicts:
        qtbot.waitUntil(lambda: all(lv.verdict(r.id) is not None for r in w.model.runs
                                    if r.enabled), timeout=60_000)
    w.lesson_panel.check_tasks()
    qtbot.waitUntil(lambda: not w.lesson_panel.rates_pending(), timeout=60_000)
    w.lesson_panel.check_tasks()


@pytest.mark.parametrize("lesson", LESSONS, ids=[x.id for x in LESSONS])
def test_lesson_opens_from_learn_menu_and_tasks_tick_after_their_solution(qtbot, make_window,
                                                                          lesson):
    w = make_window()
    assert not w.lesson_dock.isVisible()
    w.lesson_actions[lesson.id].trigger()
    panel = w.lesson_panel
    assert w.lesson_dock.isVisible()
    assert panel.title.text() == lesson.title
    # The lesson's scenario is what the app now holds (a network slice once the Data panel has
    # trained it, with its progress bar in sight meanwhile).
    if lesson.scenario.surface_network:
        assert w.controls.data_panel.building
        assert w.controls.data_panel.progress_bar.isVisible()
        qtbot.waitUntil(lambda: w.model.surface_name == lesson.scenario.surface, timeout=240_000)
        assert w.model.surface.recipe == lesson.scenario.surface_network
        assert w.model.start == tuple(lesson.scenario.starts[0])
    assert w.model.surface_name == lesson.scenario.surface
    assert [r.display_name for r in w.model.runs] == [r.display_name for r in lesson.scenario.runs]
    # The paragraphs carry the numbers of the lesson's own simulation.
    qtbot.waitUntil(panel.numbers_ready, timeout=240_000)
    expected = render_paragraphs(lesson, lesson_state(lesson))
    shown = panel.paragraphs_text()
    for p in expected:
        assert p in shown
    assert "{" not in shown

    run_to_end(qtbot, w)
    for i, task in enumerate(lesson.tasks):
        assert not panel.tasks_done()[i], f"task {task.id} done before its solution"
        assert "✓" not in panel.task_views[i].mark.text()
        apply_edits_in_app(w.model, task.solution, qtbot, w)
        run_to_end(qtbot, w)
        assert panel.tasks_done()[i], f"task {task.id} not done after its solution"
        assert "✓" in panel.task_views[i].mark.text()


def test_back_and_next_walk_the_lessons_in_order(qtbot, make_window):
    w = make_window()
    w.lesson_actions[LESSONS[0].id].trigger()
    panel = w.lesson_panel
    assert not panel.back_button.isEnabled()
    seen = [panel.lesson.id]
    while panel.next_button.isEnabled():
        qtbot.mouseClick(panel.next_button, __import__("PyQt6").QtCore.Qt.MouseButton.LeftButton)
        seen.append(panel.lesson.id)
        if not panel.lesson.scenario.surface_network:  # a network slice arrives once trained
            assert w.model.surface_name == panel.lesson.scenario.surface
    assert seen == [x.id for x in LESSONS]
    assert panel.position.text() == f"Lesson {len(LESSONS)} of {len(LESSONS)}"
    panel.back_button.click()
    assert panel.lesson.id == LESSONS[-2].id
    # Opening another lesson while the numbers of the last one are still being worked out shows
    # the numbers of the one open, not of the one before.
    qtbot.waitUntil(panel.numbers_ready, timeout=240_000)
    for p in render_paragraphs(panel.lesson, lesson_state(panel.lesson)):
        assert p in panel.paragraphs_text()
    # Going back while the last lesson's network trains: the lesson open is the one shown, and
    # the network, when it is ready, does not replace it.
    assert w.model.surface_name == panel.lesson.scenario.surface
    dp = w.controls.data_panel
    qtbot.waitUntil(lambda: not dp.building, timeout=240_000)
    qtbot.wait(50)
    assert w.model.surface_name == panel.lesson.scenario.surface


def test_hint_appears_after_its_delay_and_not_for_a_done_task(qtbot, make_window):
    w = make_window()
    panel = w.lesson_panel
    lesson = LESSONS[1]
    quick = dataclasses.replace(lesson, tasks=tuple(
        dataclasses.replace(t, hint_after=0.2) for t in lesson.tasks))
    w.lesson_dock.show()
    panel.open_lesson(quick)
    tv = panel.task_views[0]
    assert not tv.hint_visible()
    with qtbot.waitSignal(tv.hint_timer.timeout, timeout=5000):
        pass
    assert tv.hint_visible()
    assert tv.task.hint in tv.hint.text()
    # Done: the hint goes away.
    apply_edits_in_app(w.model, tv.task.solution)
    run_to_end(qtbot, w)
    assert tv.done and not tv.hint_visible()


def test_success_rates_follow_the_runs_settings(qtbot, make_window):
    """The dock shows each run's success rate for its settings at that moment: 'working out…'
    right after a change, then the value the core gives for the new settings."""
    w = make_window()
    w.lesson_actions["random_restarts"].trigger()
    panel = w.lesson_panel
    lesson = bundled("random_restarts")
    state = simulated_state(lesson.scenario, lesson.derived)
    qtbot.waitUntil(lambda: not panel.rates_pending(), timeout=60_000)
    panel.check_tasks()
    text = panel.rates_label.text()
    for r in state.runs:
        assert f"{r.label}: <b>{r.numbers['success_rate']:.0%}</b>" in text
    gd = next(r for r in w.model.runs if r.display_name == "GD")
    w.model.update_run(gd.id, optimizer="sgd", hyperparams={"momentum": 0.95})
    assert "GD: <b>working out…</b>" in panel.rates_label.text()
    assert not panel.tasks_done()[1]  # unknown yet: not done
    qtbot.waitUntil(lambda: not panel.rates_pending(), timeout=60_000)
    panel.check_tasks()
    sc = lesson.scenario
    gd_now = next(r for r in w.model.runs if r.display_name == "GD")
    expected = success_map(sc.build_surface(), sc.plot_bounds, sc.steps,
                           gd_now.config()).global_min_fraction
    assert f"GD: <b>{expected:.0%}</b>" in panel.rates_label.text()
    assert panel.tasks_done()[1] == (expected >= 0.55)
    # The settings of the Momentum run: its rate is known already, shown at once.
    w.model.update_run(gd.id, hyperparams={"momentum": 0.9})
    momentum = state.run("Momentum").numbers["success_rate"]
    assert f"GD: <b>{momentum:.0%}</b>" in panel.rates_label.text()
    assert panel.tasks_done()[1]
    # Back to plain GD: the rate known for those settings, at once.
    w.model.update_run(gd.id, optimizer="gd", hyperparams={"lr": 0.05})
    assert f"GD: <b>{state.run('GD').numbers['success_rate']:.0%}</b>" in panel.rates_label.text()
    assert not panel.tasks_done()[1]
    # A lesson without success rates shows none.
    w.lesson_actions["momentum"].trigger()
    assert panel.rates_label.isHidden()


def _images(page):
    return re.findall(r'src="data:image/(png|gif);base64,([A-Za-z0-9+/=]+)"', page)


def test_export_handout_from_the_dock_writes_what_the_cli_writes(qtbot, make_window, tmp_path,
                                                                 monkeypatch):
    w = make_window()
    w.lesson_actions["random_restarts"].trigger()
    panel = w.lesson_panel
    target = tmp_path / "restarts"  # no extension: .html is added
    asked = []

    def save_dialog(parent, caption, directory, filters):
        asked.append((caption, directory))
        return str(target), filters

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", save_dialog)
    assert panel.export_button.isEnabled()
    with qtbot.waitSignal(panel.handoutWritten, timeout=240_000) as sig:
        panel.export_button.click()
        assert panel.handout_pending() and not panel.export_button.isEnabled()
        assert "Working out" in panel.export_status.text()
    assert asked == [("Export handout", "random_restarts.html")]
    path = sig.args[0]
    assert path == str(target) + ".html" and os.path.exists(path)
    assert panel.export_status.text() == f"Wrote {path}" and panel.export_button.isEnabled()
    page = open(path, encoding="utf-8").read()
    assert "<title>Random restarts and particle clouds</title>" in page
    assert not re.search(r"https?://|<link|<script|<iframe|url\(", page)
    state = simulated_state(bundled("random_restarts").scenario, {"success_rate"})
    for p in render_paragraphs(bundled("random_restarts"), state):
        assert p.replace("'", "&#x27;") in page
    images = _images(page)
    assert [k for k, _ in images] == ["png", "gif", "png", "png"]  # picture, steps, two maps
    for kind, data in images:
        img = Image.open(io.BytesIO(base64.b64decode(data)))
        img.load()
        assert img.width >= 200
    # The basin maps are mostly the global minimum's greens where the rate says so: a map is
    # not a blank.
    maps = [np.asarray(Image.open(io.BytesIO(base64.b64decode(d))).convert("RGB"))
            for _, d in images[2:]]
    assert all(len(np.unique(m.reshape(-1, 3), axis=0)) >= 3 for m in maps)
    # Cancelled at the dialog: nothing happens.
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    panel.export_button.click()
    assert not panel.handout_pending()


def test_export_handout_to_an_unwritable_place_says_why_in_one_line(qtbot, make_window,
                                                                    tmp_path, monkeypatch):
    w = make_window()
    w.lesson_actions["momentum"].trigger()
    panel = w.lesson_panel
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *a: (str(blocked / "handout.html"), ""))
    with qtbot.waitSignal(panel.handoutFailed, timeout=10_000) as sig:
        panel.export_button.click()
    assert "\n" not in sig.args[0] and sig.args[0]
    assert panel.export_status.text().startswith("Handout not written: ")
    assert "\n" not in panel.export_status.text()
    assert not panel.handout_pending() and panel.export_button.isEnabled()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
