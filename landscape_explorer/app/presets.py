"""One-click classics: a surface, a start point and a few runs that tell a story.

A preset is a partial model dict (see AppModel.to_dict); presets whose surface or optimizers are
not in this version of the core are simply not offered.
"""
from __future__ import annotations

from dataclasses import dataclass

import landscape_explorer as le

from .palette import RUN_COLORS


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    state: dict

    def available(self) -> bool:
        if self.state["surface"] not in le.surface_names():
            return False
        return all(r["optimizer"] in le.optimizer_names() for r in self.state["runs"])


def _runs(*specs):
    runs = []
    for i, (opt, hp, extra) in enumerate(specs):
        d = {"id": i + 1, "optimizer": opt, "hyperparams": hp, "color": RUN_COLORS[i]}
        d.update(extra)
        runs.append(d)
    return runs


PRESETS = (
    Preset(
        "rosenbrock_sgd_momentum_adam", "SGD vs momentum vs Adam on Rosenbrock",
        "The banana valley: plain SGD crawls along the flat floor, momentum builds up speed, "
        "Adam rescales each coordinate and heads for the minimum at (1, 1).",
        {"surface": "rosenbrock", "start": [-1.5, 2.0], "max_steps": 3000, "speed": 300.0,
         "z_mode": "log", "log_loss": True,
         "runs": _runs(("sgd", {"lr": 0.0005}, {}),
                       ("sgd", {"lr": 0.0005, "momentum": 0.9}, {}),
                       ("adam", {"lr": 0.05}, {}))},
    ),
    Preset(
        "saddle_noise_escapes", "Stuck on a saddle: gradient noise escapes",
        "Started straight above the saddle of a wavy valley, gradient descent slides onto the "
        "saddle point and stops there: the gradient has nothing pointing off it. A little "
        "gradient noise (SGD's minibatch noise) tips it off, into the global minimum.",
        {"surface": "sin_quadratic", "start": [0.589531341226537, 1.5], "max_steps": 1500,
         "speed": 120.0,
         "runs": _runs(("gd", {"lr": 0.02}, {}),
                       ("gd", {"lr": 0.02}, {"noise": 0.3, "seed": 1}),
                       ("adam", {"lr": 0.02}, {}))},
    ),
    Preset(
        "local_minimum_momentum", "Local minimum: momentum rolls over the hump",
        "From the right, gradient descent settles in the local minimum at x ≈ 1.41. Momentum "
        "0.9 carries enough speed over the saddle to reach the global minimum at x ≈ −0.47; "
        "momentum 0.8 does not.",
        {"surface": "sin_quadratic", "start": [2.6, 1.6], "max_steps": 1500, "speed": 120.0,
         "runs": _runs(("gd", {"lr": 0.01}, {}),
                       ("sgd", {"lr": 0.01, "momentum": 0.8}, {}),
                       ("sgd", {"lr": 0.01, "momentum": 0.9}, {}))},
    ),
    Preset(
        "himmelblau_basins", "Four minima: where you start decides where you end",
        "Himmelblau's function has four equal minima; the same start sends different "
        "optimizers to different basins. Click around to map the basins yourself.",
        {"surface": "himmelblau", "start": [-0.3, -0.9], "max_steps": 1500, "speed": 150.0,
         "runs": _runs(("gd", {"lr": 0.005}, {}),
                       ("sgd", {"lr": 0.005, "momentum": 0.9}, {}),
                       ("adam", {"lr": 0.05}, {}))},
    ),
    Preset(
        "bowl_learning_rates", "Learning rate too large: oscillation and divergence",
        "On the simplest bowl, x² + y², gradient descent converges for lr < 1, oscillates "
        "as lr nears 1 and diverges beyond it.",
        {"surface": "bowl", "start": [-1.6, 1.2], "max_steps": 400, "speed": 30.0,
         "runs": _runs(("gd", {"lr": 0.1}, {}),
                       ("gd", {"lr": 0.9}, {}),
                       ("gd", {"lr": 1.1}, {}))},
    ),
    Preset(
        "bowl_adam_vs_sgd", "Adam vs SGD on a bowl",
        "Two optimizers, one click: SGD takes steps proportional to the slope, Adam steps of "
        "about lr in each coordinate, whatever the slope.",
        {"surface": "bowl", "start": [-1.6, 1.2], "max_steps": 600, "speed": 60.0,
         "runs": _runs(("sgd", {"lr": 0.02}, {}),
                       ("adam", {"lr": 0.05}, {}))},
    ),
)

DEFAULT_PRESET = "bowl_adam_vs_sgd"


def available_presets() -> list[Preset]:
    return [p for p in PRESETS if p.available()]


def preset(name: str) -> Preset:
    for p in PRESETS:
        if p.name == name:
            return p
    raise ValueError(f"unknown preset {name!r}; valid: {', '.join(p.name for p in PRESETS)}")


def apply_preset(model, name: str):
    p = preset(name)
    if not p.available():
        raise ValueError(f"preset {p.title!r} needs a surface or optimizer this version lacks")
    state = dict(p.state)
    state.setdefault("bounds", le.surface(state["surface"]).bounds)
    state.setdefault("z_mode", "auto")
    state["playing"] = True
    model.apply_dict(state)


def default_state() -> dict:
    """What a first launch shows: Adam and SGD side by side, ready to play."""
    for name in ("rosenbrock_sgd_momentum_adam", DEFAULT_PRESET):
        p = preset(name)
        if p.available():
            state = dict(p.state)
            state.setdefault("bounds", le.surface(state["surface"]).bounds)
            return state
    return {"surface": le.surface_names()[0], "runs": _runs(("gd", {"lr": 0.05}, {}))}
