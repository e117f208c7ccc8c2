"""A network slice in a scenario file: named by how it is made (its recipe), trained again on
load with the same weights, checked field by field without training anything; and what lessons
read off a slice (its skip connections, depth and measures)."""
import copy

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core import nn_slice as ns
from landscape_explorer.core.lessons import (LessonError, apply_edits, evaluate, lesson,
                                             lesson_state, parse_lesson, surface_state)
from landscape_explorer.core.scenario import Scenario, ScenarioError

NET = {"dataset": {"name": "moons", "n": 40, "seed": 3}, "hidden": [6], "depth": 3,
       "epochs": 25}


def scenario_dict(network=None, **surface):
    return {"schema": "landscape-explorer/scenario", "version": 1,
            "surface": {"name": "nn_slice", "network": copy.deepcopy(network or NET), **surface},
            "starts": [[0.3, -0.2]], "steps": 12,
            "runs": [{"optimizer": "adam", "hyperparams": {"lr": 0.01}}]}


def test_a_scenario_names_a_slice_by_its_recipe_and_trains_the_same_network():
    sc = Scenario.from_dict(scenario_dict())
    net = sc.surface_network
    # Normalized: the depth spelled out as widths, every default written, the dataset's too.
    assert net["hidden"] == [6, 6, 6] and "depth" not in net
    assert net == {"dataset": ns.dataset_recipe(le.dataset("moons", n=40, seed=3)),
                   "hidden": [6, 6, 6], "activation": "relu", "skip": False,
                   "directions": "filter", "seed": 0, "epochs": 25, "lr": 0.01, "span": 1.0}
    surf = sc.build_surface()
    assert isinstance(surf, ns.SliceSurface) and surf.recipe == net
    assert sc.build_surface() is surf  # kept: opening it again trains nothing
    direct = le.nn_slice(le.dataset("moons", n=40, seed=3), hidden=(6,), depth=3, epochs=25)
    np.testing.assert_array_equal(surf.center, direct.center)
    np.testing.assert_array_equal(surf.directions, direct.directions)
    pts = np.random.default_rng(1).uniform(-1, 1, (30, 2))
    np.testing.assert_array_equal(surf.value(pts), direct.value(pts))
    assert direct.recipe == net  # what nn_slice records is what the file holds
    # Written and read back: the same recipe, the same slice.
    again = Scenario.from_json(sc.to_json())
    assert again.surface_network == net and again.to_dict() == sc.to_dict()
    assert again.build_surface() is surf
    (r, res), = sc.simulate()
    assert np.isfinite(res.final_loss).all() and res.steps_taken[0] == 12


def test_reading_a_slice_scenario_trains_nothing():
    net = dict(NET, seed=987)  # a recipe no other test trains
    sc = Scenario.from_dict(dict(scenario_dict(net), runs=[
        {"optimizer": "sgd", "hyperparams": {"lr": 0.01}, "batch_size": 8}]))
    assert ns.cached_slice(sc.surface_network) is None
    assert sc.validated().surface_network == sc.surface_network
    assert sc.plot_bounds == ((-1.0, 1.0), (-1.0, 1.0))  # a filter slice's: known untrained
    assert ns.cached_slice(sc.surface_network) is None
    # The batch size is checked against the dataset's rows, still without training.
    with pytest.raises(ScenarioError, match=r"runs\[0\]\.batch_size: .*\[1, 40\]"):
        Scenario.from_dict(dict(scenario_dict(net), runs=[
            {"optimizer": "sgd", "hyperparams": {"lr": 0.01}, "batch_size": 41}]))
    assert ns.cached_slice(sc.surface_network) is None


@pytest.mark.parametrize("surface, field", [
    ({"name": "nn_slice"}, "surface.network"),
    ({"name": "bowl", "network": NET}, "surface.name"),
    ({"name": "nn_slice", "network": NET, "dataset": {"name": "moons"}}, "surface.dataset"),
    ({"name": "nn_slice", "network": {"hidden": [4]}}, "surface.network.dataset"),
    ({"name": "nn_slice", "network": dict(NET, dataset={"name": "moon"})},
     "surface.network.dataset.name"),
    ({"name": "nn_slice", "network": dict(NET, dataset={"name": "moons", "n": 1})},
     "surface.network.dataset.n"),
    ({"name": "nn_slice", "network": dict(NET, hidden=[0])}, "surface.network.hidden[0]"),
    ({"name": "nn_slice", "network": dict(NET, hidden=[])}, "surface.network.hidden"),
    ({"name": "nn_slice", "network": dict(NET, depth=21)}, "surface.network.depth"),
    ({"name": "nn_slice", "network": dict(NET, activation="elu")},
     "surface.network.activation"),
    ({"name": "nn_slice", "network": dict(NET, skip="yes")}, "surface.network.skip"),
    ({"name": "nn_slice", "network": dict(NET, directions="pcb")},
     "surface.network.directions"),
    ({"name": "nn_slice", "network": dict(NET, epochs=0)}, "surface.network.epochs"),
    ({"name": "nn_slice", "network": dict(NET, lr=float("nan"))}, "surface.network.lr"),
    ({"name": "nn_slice", "network": dict(NET, span=-1)}, "surface.network.span"),
    ({"name": "nn_slice", "network": dict(NET, weights=[1, 2])}, "surface.network.weights"),
])
def test_a_bad_network_names_its_field_in_one_line(surface, field):
    d = scenario_dict()
    d["surface"] = surface
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(d)
    assert info.value.field == field, str(info.value)
    assert "\n" not in str(info.value)


def test_a_slice_of_rows_from_a_file_has_no_recipe(tmp_path):
    path = tmp_path / "pts.csv"
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f},{b:.3f},{int(a > b)}\n" for a, b in rng.uniform(-1, 1, (30, 2)))
    path.write_text("x1,x2,label\n" + rows)
    s = le.nn_slice(le.load_csv(path), hidden=(4,), epochs=5)
    assert s.recipe is None


def test_measures_are_worked_out_once_and_read_without_work_after():
    s = ns.slice_from_recipe(Scenario.from_dict(scenario_dict(dict(NET, seed=11))).surface_network)
    assert ns.cached_slice_measures(s) is None
    m = ns.slice_measures(s)
    assert m == {"nonconvexity": ns.nonconvexity(s), "grid_minima": ns.grid_minima(s)}
    assert ns.cached_slice_measures(s) == m
    # A copy of the slice (the app's grid-cached one) finds them by its recipe.
    import dataclasses
    assert ns.cached_slice_measures(dataclasses.replace(s)) == m
    state = surface_state(s)
    assert state == {"skip": False, "depth": 3, **m}
    assert surface_state(le.surface("bowl")) == {}


# ---------------------------------------------------------------------------------------------
# Lessons on a slice.


def test_the_skip_connections_lesson_needs_no_verdicts():
    x = lesson("skip_connections")
    assert not x.uses_verdicts and x.uses_surface
    assert lesson("local_minimum").uses_verdicts and not lesson("local_minimum").uses_surface


def _slice_lesson():
    return {"schema": "landscape-explorer/lesson", "version": 1, "id": "tiny_slice",
            "order": 99, "title": "A tiny slice", "scenario": scenario_dict(),
            "paragraphs": ["Non-convex: {surface.nonconvexity:.0%}, skip: {surface.skip}."],
            "claims": [{"surface": "skip", "equals": False}],
            "tasks": [{"id": "skip", "prompt": "Add skip connections.", "hint": "Tick it.",
                       "check": {"surface": "skip", "equals": True},
                       "solution": [{"network": {"skip": True}}]}]}


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["claims"].append({"surface": "beauty", "at_least": 1}), "claims[1].surface"),
    (lambda d: d["claims"].append({"surface": "depth"}), "claims[1]"),
    (lambda d: d["claims"].append({"surface": "depth", "at_least": "3"}), "claims[1].at_least"),
    (lambda d: d["claims"].append({"surface": "skip", "equals": None}), "claims[1].equals"),
    (lambda d: d["paragraphs"].append("{surface.colour}"), "paragraphs[1]"),
    (lambda d: d["tasks"][0].update(solution=[{"network": {"depth": 0}}]),
     "tasks[0].solution[0].network"),
    (lambda d: d["tasks"][0].update(solution=[{"network": {}}]), "tasks[0].solution[0].network"),
    (lambda d: d["scenario"]["runs"][0].update(label="Surface"), "scenario.runs"),
])
def test_a_malformed_slice_lesson_names_the_field(edit, field):
    d = _slice_lesson()
    edit(d)
    with pytest.raises(LessonError) as info:
        parse_lesson(d)
    assert info.value.field == field, str(info.value)


def test_a_network_edit_on_a_formula_lesson_is_refused():
    d = copy.deepcopy(_slice_lesson())
    d["scenario"]["surface"] = {"name": "bowl"}
    d["claims"] = []
    with pytest.raises(LessonError, match="not a network slice") as info:
        parse_lesson(d)
    assert info.value.field == "tasks[0].solution[0].network"


def test_surface_checks_and_edits_on_a_tiny_slice():
    x = parse_lesson(_slice_lesson())
    before = lesson_state(x)
    assert before.surface["skip"] is False and before.runs[0].verdict is None
    assert evaluate(x.claims[0], before) and not evaluate(x.tasks[0].check, before)
    solved = apply_edits(x.scenario, x.tasks[0].solution)
    assert solved.surface_network == dict(x.scenario.surface_network, skip=True)
    after = lesson_state(x, solved)
    assert evaluate(x.tasks[0].check, after)
    # A depth edit respells the widths; a check on a missing quantity fails, never raises.
    deeper = apply_edits(x.scenario, [{"network": {"depth": 5}}])
    assert deeper.surface_network["hidden"] == [6] * 5
    assert not evaluate({"surface": "nonconvexity", "at_most": 1.0},
                        type(before)(before.runs, {}))
    # equals tells true from 1.
    assert not evaluate({"surface": "depth", "equals": True}, type(before)(before.runs,
                                                                            {"depth": 1}))
