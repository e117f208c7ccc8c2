"""One-click classics: the bundled example scenarios (assets/scenarios), offered in the control
panel. They are the same list as File › Examples: a preset *is* a scenario file, and adding a file
there adds it to both. A preset opens at step 0 and plays (watch the story unfold); File ›
Examples opens the file at the step it was saved at.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from landscape_explorer.core.scenario import (
    RunConfig, Scenario, ScenarioError, example_names, load_example,
)

log = logging.getLogger(__name__)

DEFAULT_PRESET = "rosenbrock_valley"  # what a first launch shows


@dataclass(frozen=True)
class Preset:
    name: str  # the scenario file's name, without .json
    title: str
    description: str


def available_presets() -> list[Preset]:
    """The example scenarios that this version can open (a broken file is logged and skipped)."""
    out = []
    for name in example_names():
        try:
            sc = load_example(name)
        except ScenarioError as e:
            log.warning("example %s: %s", name, e)
            continue
        out.append(Preset(name, sc.title or name.replace("_", " "), sc.description))
    return out


def preset_scenario(name: str) -> Scenario:
    """The preset's scenario; ScenarioError naming the valid ones if there is no such preset."""
    return load_example(name)


def apply_preset(model, name: str, playing: bool = True):
    model.set_scenario(preset_scenario(name), playing=playing)


def default_scenario() -> Scenario:
    """What a first launch shows: a bundled example, or one plain run if none can be read."""
    try:
        return preset_scenario(DEFAULT_PRESET)
    except ScenarioError as e:
        log.warning("default example: %s", e)
    return Scenario(surface="bowl", runs=[RunConfig(optimizer="gd", hyperparams={"lr": 0.05})])
