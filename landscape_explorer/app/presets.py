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


# ---------------------------------------------------------------------------------------------
# Presets the app builds: a scenario file names its surface, and a trained network's slice is
# more than a name (its weights and random directions). These train their networks in the Data
# panel's worker (panels/data.py) and show in the comparison split view (views/compare_view.py).


@dataclass(frozen=True)
class BuiltPreset:
    name: str
    title: str
    description: str
    networks: tuple  # slice specs (panels.data.DataPanel.slice_spec() fields), shown left to right
    labels: tuple  # one header per network
    start: tuple[float, float]
    resolution: int  # mesh samples per side: every sample is a pass of the network over the data
    runs: tuple  # RunConfig of each run, on both surfaces


# Measured here (seed 0): non-convex 64 % and 22 grid minima without skips, 50 % and 3 with;
# about 10 s per network on a loaded 2-core machine.
_SKIP_NET = {"dataset": "spirals", "n": 100, "noise": None, "seed": 0, "depth": 12,
             "width": 16, "activation": "relu", "directions": "filter", "epochs": 300}

SKIP_CONNECTIONS = BuiltPreset(
    "skip_connections", "Skip connections: a deep network's landscape, with and without",
    "The same 12-layer MLP trained on the spirals, without skip connections (left) and with "
    "them (right), each sliced along filter-normalized random directions (Li et al. 2018, who "
    "found skip connections make deep networks' slices smoother). Beside each: the fraction "
    "of the slice that is non-convex and the local minima the grid finds. Two networks train "
    "first, with a progress bar.",
    networks=(dict(_SKIP_NET, skip=False), dict(_SKIP_NET, skip=True)),
    labels=("Without skip connections", "With skip connections"),
    start=(0.6, 0.5),
    resolution=80,
    # The slice is steep away from the trained weights (|∇| ≈ 300 at the start): plain SGD needs
    # a small step there; Adam's steps are about lr whatever the gradient.
    runs=(RunConfig(optimizer="sgd", hyperparams={"lr": 0.0005}),
          RunConfig(optimizer="adam", hyperparams={"lr": 0.01})),
)


def built_presets() -> list[BuiltPreset]:
    return [SKIP_CONNECTIONS]


def built_preset(name: str) -> BuiltPreset:
    for p in built_presets():
        if p.name == name:
            return p
    raise ValueError(f"no built preset {name!r}; valid: "
                     f"{', '.join(p.name for p in built_presets())}")
