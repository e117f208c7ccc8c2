"""landscape-explorer: see why training gets stuck, and how optimizers get out."""
from .core.surfaces import Surface, KnownPoint, surface, surface_names
from .core import expressions as _expressions  # noqa: F401  surface() accepts typed formulas
from .core.function_surfaces import surface_from_function
from .core.datasets import Dataset, dataset, dataset_names, load_csv
from .core.data_surfaces import DataSurface, data_surface, data_surface_names
from .core.nn_slice import SliceSurface, nn_slice, surface_from_loss
from .core.sweep import SweepCell, SweepResult, sweep, sweep_starts
from .core.optimizers import Optimizer, OptState, optimizer, optimizer_names
from .core.schedules import Schedule, schedule, schedule_names
from .core.simulate import simulate, SimulationResult, Stepper
from .core.basins import basins, BasinsResult, random_restarts
from .core.critical import critical_points, CriticalPoint
from .core.verdicts import verdicts, Verdict
from .core.validation import ParameterError
from .core.cancel import Cancelled

__version__ = "0.1.0"

__all__ = [
    "Surface", "KnownPoint", "surface", "surface_names", "surface_from_function",
    "Dataset", "dataset", "dataset_names", "load_csv", "DataSurface", "data_surface",
    "data_surface_names", "SliceSurface", "nn_slice", "surface_from_loss",
    "SweepCell", "SweepResult", "sweep", "sweep_starts",
    "Optimizer", "OptState", "optimizer", "optimizer_names",
    "Schedule", "schedule", "schedule_names",
    "simulate", "SimulationResult", "Stepper",
    "critical_points", "CriticalPoint", "verdicts", "Verdict", "basins", "BasinsResult",
    "random_restarts", "ParameterError", "Cancelled",
]
