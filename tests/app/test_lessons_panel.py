"""The Learn menu and the Lesson panel, on the real window: every bundled lesson opens from the
menu, loads its scenario, shows its paragraphs with its own numbers, and ticks its tasks only when
the runs, changed through the app's model as the task's solution says, do what the task asks."""
import dataclasses

import pytest

from landscape_explorer.core.lessons import lessons, render_paragraphs, simulated_state

LESSONS = lessons()


def apply_edits_in_app(model, edits):
    """A task's solution, done as a user would through the controls: each edit through the
    model's setters (run fields by name, everything else a hyperparameter)."""
    for e in edits:
        run = next(r for r in model.runs if r.display_name == e["run"])
        changes, hps = {}, {}
        for k, v in e["set"].items():
            if k in ("optimizer", "noise", "clip", "schedule"):
                changes[k] = v
            else:
                hps[k] = v
        model.update_run(run.id, hyperparams=hps, **changes)


def run_to_end(qtbot, w):
    """Every run from the start to its last step, then wait for every run's verdict."""
    w.model.request_reset()
    w.engine.run_until_done(timeout=120)
    lv = w.lesson_panel.verdicts
    qtbot.waitUntil(lambda: all(lv.verdict(r.id) is not None for r in w.model.runs
                                if r.enabled), timeout=60_000)
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
    # The lesson's scenario is what the app now holds.
    assert w.model.surface_name == lesson.scenario.surface
    assert [r.display_name for r in w.model.runs] == [r.display_name for r in lesson.scenario.runs]
    # The paragraphs carry the numbers of the lesson's own simulation.
    qtbot.waitUntil(panel.numbers_ready, timeout=60_000)
    expected = render_paragraphs(lesson, simulated_state(lesson.scenario))
    shown = panel.paragraphs_text()
    for p in expected:
        assert p in shown
    assert "{" not in shown

    run_to_end(qtbot, w)
    for i, task in enumerate(lesson.tasks):
        assert not panel.tasks_done()[i], f"task {task.id} done before its solution"
        assert "✓" not in panel.task_views[i].mark.text()
        apply_edits_in_app(w.model, task.solution)
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
        assert w.model.surface_name == panel.lesson.scenario.surface
    assert seen == [x.id for x in LESSONS]
    assert panel.position.text() == f"Lesson {len(LESSONS)} of {len(LESSONS)}"
    panel.back_button.click()
    assert panel.lesson.id == LESSONS[-2].id
    # Opening another lesson while the numbers of the last one are still being worked out shows
    # the numbers of the one open, not of the one before.
    qtbot.waitUntil(panel.numbers_ready, timeout=60_000)
    for p in render_paragraphs(panel.lesson, simulated_state(panel.lesson.scenario)):
        assert p in panel.paragraphs_text()


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
