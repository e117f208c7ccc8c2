"""Placeholder replaced within the next commits by the simulation engine."""
def simulate(*a, **k): raise NotImplementedError
class SimulationResult: pass
class Stepper: pass
