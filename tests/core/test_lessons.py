"""Lessons: every bundled lesson loads, says only what the simulation shows, and its tasks are
completed by what their hints say and not before."""
import copy
import json

import numpy as np
import pytest

from landscape_explorer.core.critical import critical_points
from landscape_explorer.core.lessons import (SUCCESS_GRID, LessonError, apply_edits, evaluate,
                                             lesson, lessons, load_lesson, parse_lesson,
                                             lesson_state, render_paragraphs, simulated_state, success_map)
from landscape_explorer.core.simulate import simulate
from landscape_explorer.core.verdicts import verdicts_at

LESSONS = lessons()
IDS = [x.id for x in LESSONS]


@pytest.fixture(scope="module")
def states():
    return {x.id: lesson_state(x) for x in LESSONS}


def test_the_bundled_lessons():
    # A course: minima and the learning rate first, then what gets a run out of a dip or off a
    # saddle, then the networks themselves.
    assert IDS == ["local_minimum", "learning_rate", "momentum", "warm_restarts", "saddle_point",
                   "plateau", "adaptive", "sgd_noise", "annealing", "random_restarts",
                   "skip_connections"]
    assert [x.order for x in LESSONS] == sorted(x.order for x in LESSONS)
    assert len({x.order for x in LESSONS}) == len(LESSONS)
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
        solved = lesson_state(x, apply_edits(x.scenario, t.solution))
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


def test_warm_restarts_free_the_ball_from_the_dip_its_first_cycle_ends_in(states):
    """The text says: the first cycle ends in the dip where Decaying stays, and the restart
    throws the ball out. Checked on the run's own path."""
    x = lesson("warm_restarts")
    sc = x.scenario
    run = next(r for r in sc.runs if r.display_name == "Warm restarts")
    period = run.schedule["params"]["T_0"]
    res = simulate(sc.build_surface(), run.build_optimizer(), sc.start_points(), sc.steps,
                   seed=run.seed, record_every=1)
    dip = states["warm_restarts"].run("Decaying").numbers["x"]
    at_restart = res.path[period, 0]
    assert abs(at_restart[0] - dip) < 0.02, "the first cycle ends in the Decaying run's dip"
    assert verdicts_at(sc.build_surface(), at_restart[None])[0].kind == "local_min"
    assert np.abs(res.path[period:, 0, 0] - dip).max() > 1.0, "the restart throws it out"
    assert states["warm_restarts"].run("Warm restarts").verdict == "global_min"


def test_success_rate_is_the_share_of_grid_starts_that_end_in_the_global_minimum(states):
    """Against its definition: every start of the grid simulated alone, its end classified."""
    x = lesson("random_restarts")
    sc = x.scenario
    surf = sc.build_surface()
    (x0, x1), (y0, y1) = sc.plot_bounds
    n = SUCCESS_GRID
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    starts = np.array([(a, b) for b in ys for a in xs])
    gmin = [c for c in critical_points(surf, sc.plot_bounds) if c.kind == "global_min"]
    for r in sc.enabled_runs():
        res = simulate(surf, r.build_optimizer(), starts, sc.steps, seed=r.seed,
                       record_every=sc.steps)
        near = np.min([np.hypot(*(res.final - c.xy).T) for c in gmin], axis=0)
        expected = float(np.mean(near < 1e-3))
        rate = states["random_restarts"].run(r.display_name).numbers["success_rate"]
        assert rate == pytest.approx(expected, abs=1.5 / n**2)
        assert rate == success_map(surf, sc.plot_bounds, sc.steps, r).global_min_fraction


def test_random_restarts_miss_as_often_as_the_text_says(states):
    """(1 − p)^k: k uniform restarts all miss the global minimum that often (seeded draws,
    within a 99.9% binomial interval)."""
    from landscape_explorer.core.basins import uniform_starts
    from landscape_explorer.core.sweep import wilson_interval

    x = lesson("random_restarts")
    sc = x.scenario
    gd = next(r for r in sc.runs if r.display_name == "GD")
    p = states["random_restarts"].run("GD").numbers["success_rate"]
    k, trials = 3, 600
    starts = uniform_starts(sc.build_surface(), k * trials, bounds=sc.plot_bounds, seed=7)
    res = simulate(sc.build_surface(), gd.build_optimizer(), starts, sc.steps,
                   record_every=sc.steps)
    gmin = next(c for c in critical_points(sc.build_surface(), sc.plot_bounds)
                if c.kind == "global_min")
    hit = (np.hypot(*(res.final - gmin.xy).T) < 1e-3).reshape(trials, k)
    misses = int((~hit.any(axis=1)).sum())
    lo, hi = wilson_interval(misses, trials, z=3.29)
    assert lo <= (1 - p) ** k <= hi


def test_lessons_say_which_derived_quantities_they_need():
    assert lesson("random_restarts").derived == {"success_rate"}
    assert lesson("momentum").derived == frozenset()
    # Only what a lesson uses is worked out: no basin maps for the others.
    assert "success_rate" not in simulated_state(lesson("momentum").scenario).runs[0].numbers


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["tasks"][0].update(solution=[{"start": [1.0]}]), "tasks[0].solution[0].start"),
    (lambda d: d["tasks"][0].update(solution=[{"start": [1.0, "a"]}]),
     "tasks[0].solution[0].start[1]"),
    (lambda d: d["claims"].append({"run": "GD", "quantity": "success_rate", "at_least": "x"}),
     "claims[2].at_least"),
    (lambda d: d["paragraphs"].append("{gd.success_rates:.0%}"), "paragraphs[2]"),
    (lambda d: d["claims"].append({"run": "GD", "batch_size_at_most": 0}),
     "claims[2].batch_size_at_most"),
    (lambda d: d["claims"].append({"run": "GD", "batch_size_at_least": 2.5}),
     "claims[2].batch_size_at_least"),
])
def test_malformed_derived_quantities_and_start_edits(edit, field):
    d = copy.deepcopy(_valid())
    edit(d)
    with pytest.raises(LessonError) as info:
        parse_lesson(d)
    assert info.value.field == field, str(info.value)


def test_a_start_edit_moves_every_run():
    x = lesson("random_restarts")
    moved = apply_edits(x.scenario, [{"start": [-1.0, 0.5]}])
    assert moved.starts == [(-1.0, 0.5)]
    assert simulated_state(moved).run("GD").verdict == "global_min"


def test_minibatch_gradient_noise_shrinks_with_the_batch_and_vanishes_at_the_full_data(states):
    """sgd_noise says: the variance of a minibatch gradient falls roughly like 1 / (batch size)
    and is zero at all 64 rows. Measured on the surface's own batch gradients at the point where
    full-batch descent stops, against the sampling-without-replacement formula."""
    x = lesson("sgd_noise")
    surf = x.scenario.build_surface()
    n = surf.dataset.n
    assert n == 64  # the text's "64 points"
    end = states["sgd_noise"].run("Full batch")
    p = np.array([end.numbers["x"], end.numbers["y"]])
    full = surf.batch_gradient(p[None], np.arange(n)[None])[0]
    rows = surf.batch_gradient(np.repeat(p[None], n, 0), np.arange(n)[:, None])
    spread = np.mean(np.sum((rows - rows.mean(0)) ** 2, axis=1))
    rng = np.random.default_rng(0)
    variances = {}
    for b in (4, 16, n):
        draws = 4000
        idx = np.argsort(rng.random((draws, n)), axis=1)[:, :b]
        g = surf.batch_gradient(np.repeat(p[None], draws, 0), idx)
        variances[b] = float(np.mean(np.sum((g - full) ** 2, axis=1)))
        expected = spread * (n - b) / (b * (n - 1))
        assert variances[b] == pytest.approx(expected, rel=0.1, abs=1e-20)
    assert variances[4] > 3 * variances[16] > 0
    assert variances[n] < 1e-20
