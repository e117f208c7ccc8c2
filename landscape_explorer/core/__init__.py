"""The numpy core: surfaces, optimizers, simulation and analysis; never imports Qt."""
# The escape methods register themselves in the optimizer registry; importing them here, not
# from optimizers.py, keeps the registry whole whichever core module is imported first without
# an import cycle between the two.
from . import escape

__all__ = ["escape"]
