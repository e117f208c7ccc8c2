"""Named slices of a real network's loss landscape: a surface name that stands for one fixed
``nn_slice`` recipe (dataset, architecture, seed, training), so that a scenario or a lesson can
refer to a network's landscape as it refers to any built-in surface::

    le.surface("mlp20_moons_plain")     # a 20-layer MLP without skip connections, trained on moons
    le.surface("mlp20_moons_skip")      # the same network with skip connections

Every input is fixed and seeded, so a name always gives the same surface. The network is
trained the first time its name is resolved (about a second) and the surface is kept for the
life of the process: the app, which resolves a scenario's surface name on every load, trains it
once. A lock makes two threads asking at once (the app's window and a lesson's worker) train
it once too.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

from .surfaces import Surface, add_surface_resolver


@dataclass(frozen=True)
class SliceRecipe:
    """The arguments of ``nn_slice`` (and of the dataset) that make one named slice."""

    title: str
    skip: bool
    dataset: str = "moons"
    n: int = 200
    data_seed: int = 0
    width: int = 8
    depth: int = 20
    activation: str = "relu"
    directions: str = "filter"
    seed: int = 1
    epochs: int = 300

    def build(self, name: str) -> Surface:
        from .datasets import dataset
        from .nn_slice import nn_slice

        ds = dataset(self.dataset, n=self.n, seed=self.data_seed)
        s = nn_slice(ds, hidden=(self.width,), depth=self.depth, activation=self.activation,
                     skip=self.skip, directions=self.directions, seed=self.seed,
                     epochs=self.epochs)
        # The scenario stores a surface by its name: the slice answers to the recipe's.
        return dataclasses.replace(s, name=name, title=self.title)


_DEEP = "a 20-layer, 8-wide ReLU network trained on two moons (200 points)"
RECIPES: dict[str, SliceRecipe] = {
    "mlp20_moons_plain": SliceRecipe(f"Network slice: {_DEEP}, no skip connections",
                                     skip=False),
    "mlp20_moons_skip": SliceRecipe(f"Network slice: {_DEEP}, with skip connections",
                                    skip=True),
}

_built: dict[str, Surface] = {}
_lock = threading.Lock()


def recipe_names() -> list[str]:
    """The names of the network slices, sorted."""
    return sorted(RECIPES)


def recipe_surface(name: str) -> Surface:
    """The slice named ``name`` (trained on first use, then kept)."""
    if name not in RECIPES:
        raise ValueError(f"unknown network slice {name!r}; valid: {', '.join(recipe_names())}")
    with _lock:
        if name not in _built:
            _built[name] = RECIPES[name].build(name)
        return _built[name]


def is_built(name: str) -> bool:
    """Whether the slice is trained already (resolving it would not train)."""
    return name in _built


def _resolve(name, params=None, bounds=None, dataset=None):
    if not (isinstance(name, str) and name in RECIPES):
        return None
    if params or dataset is not None:
        raise ValueError(f"{name} is a fixed network slice: it takes no params or dataset")
    return recipe_surface(name)


add_surface_resolver(_resolve)
