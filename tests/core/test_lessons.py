"""Lessons: every bundled lesson loads, says only what the simulation shows, and its tasks are
completed by what their hints say and not before."""
import copy
import json

import pytest

from landscape_explorer.core.lessons import (LessonError, apply_edits, evaluate, lesson, lessons,
                                             load_lesson, parse_lesson, render_paragraphs,
                                             simulated_state)

LESSONS = lessons()
IDS = [x.id for x in LESSONS]


@pytest.fixture(scope="module")
def states():
    return {x.id: simulated_state(x.scenario) for x in LESSONS}


def test_the_bundled_lessons():
    assert IDS == ["local_minimum", "momentum", "saddle_point", "plateau", "learning_rate",
                   "adaptive", "annealing"]
    assert lesson("plateau").title.startswith("Plateaus")
    with pytest.raises(LessonError, match="unknown lesson 'nope'"):
        lesson("nope")


@pytest.mark.parametrize("name", IDS)
def test_every_claim_of_the_lesson_holds(name, states):
    x = lesson(name)
    assert x.claims, "a lesson says what will happen"
    for i, c in enumerate(x.claims):
        assert evaluate(c, states[name]), f"{name}: claim {i} is false: {c}"


@pytest.mark.parametrize("name", IDS)
def test_numbers_in_the_text_come_from_the_simulation(name, states):
    x = lesson(name)
    text = render_paragraphs(x, states[name])
    assert len(text) == len(x.paragraphs)
    for raw, done in zip(x.paragraphs, text):
        assert "{" not in done
        if "{" in raw:
            assert done != raw


def test_the_local_minimum_lesson_says_what_the_issue_promised(states):
    text = " ".join(render_paragraphs(lesson("local_minimum"), states["local_minimum"]))
    assert "stops at x ≈ −2.32, 2.94 above the global minimum" in text


@pytest.mark.parametrize("name", IDS)
def test_tasks_are_not_done_before_and_done_after_their_solution(name, states):
    x = lesson(name)
    for t in x.tasks:
        assert not evaluate(t.check, states[name]), f"{name}/{t.id} is done before any edit"
        assert t.solution, f"{name}/{t.id} has no solution to test"
        solved = simulated_state(apply_edits(x.scenario, t.solution))
        assert evaluate(t.check, solved), f"{name}/{t.id}: the solution does not complete it"


def _valid():
    with open(lesson("momentum").path) as f:
        return json.load(f)


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.update(schema="x"), "schema"),
    (lambda d: d.update(version=2), "version"),
    (lambda d: d.update(id="Bad Id"), "id"),
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d.update(paragraphs=[]), "paragraphs"),
    (lambda d: d["paragraphs"].append("x is {gd.speed}"), "paragraphs[2]"),
    (lambda d: d["paragraphs"].append("x is {nobody.x}"), "paragraphs[2]"),
    (lambda d: d["paragraphs"].append("x is {oops"), "paragraphs[2]"),
    (lambda d: d["tasks"][0]["check"].update(run="Nobody"), "tasks[0].check"),
    (lambda d: d["tasks"][0].update(check={"run": "GD", "verdict": "happy"}),
     "tasks[0].check.verdict"),
    (lambda d: d["tasks"][0].update(check={"run": "GD", "param": "lr"}), "tasks[0].check"),
    (lambda d: d["tasks"][0].update(check={"all": []}), "tasks[0].check.all"),
    (lambda d: d["tasks"][0].update(hint=""), "tasks[0].hint"),
    (lambda d: d["tasks"][0].update(solution=[{"run": "GD"}]), "tasks[0].solution[0]"),
    (lambda d: d["claims"].append({"run": "GD", "quantity": "speed", "at_least": 1}),
     "claims[2].quantity"),
    (lambda d: d["scenario"].update(steps=-1), "scenario.steps"),
    (lambda d: d.update(tasks=[]), "tasks"),
])
def test_a_malformed_lesson_names_the_field(edit, field):
    d = copy.deepcopy(_valid())
    edit(d)
    with pytest.raises(LessonError) as info:
        parse_lesson(d)
    assert info.value.field == field, str(info.value)
    assert "\n" not in str(info.value)


def test_lesson_files_that_are_not_lessons(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("{ not json")
    with pytest.raises(LessonError, match="not a lesson file"):
        load_lesson(p)
    with pytest.raises(LessonError, match="cannot read"):
        load_lesson(tmp_path / "missing.json")
    with pytest.raises(LessonError, match="not a regular file"):
        load_lesson(tmp_path)
