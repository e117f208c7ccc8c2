"""Learning-rate schedules with torch.optim.lr_scheduler semantics (stepped once per optimizer step)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True, eq=False)
class Schedule:
    name: str
    params: dict  # every parameter, defaults filled in, torch names
    f_lrs: Callable  # (base_lr, n, params) -> sequence of n floats

    def lrs(self, base_lr: float, n: int) -> np.ndarray:
        """The lr used by optimizer steps 1..n: step k uses the lr after k-1 scheduler.step() calls."""
        return np.asarray(self.f_lrs(float(base_lr), int(n), self.params), dtype=np.float64)

    def spec(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


def _constant_lrs(base_lr, n, params):
    return np.full(n, base_lr)


_REGISTRY: dict[str, tuple] = {
    # name: (f_lrs, (HyperParam-like (name, default, help), ...), validate(params) -> None)
}


def schedule_names() -> list[str]:
    return sorted(_REGISTRY)


def schedule(name: str, **kwargs) -> Schedule:
    raise NotImplementedError  # filled in by the schedules module owner
