"""Trajectories of a scenario's runs as CSV (one row per run, step and particle) and JSON.

The paths come from ``le.simulate`` with every step recorded, from the scenario's settings and
seeds, so an export is complete (every step, every particle) and reproducible. Written atomically.
numpy/stdlib only.
"""
from __future__ import annotations

import csv
import io
import json

import numpy as np

from .atomic import Cancelled, atomic_write_text
from .validation import check_text

CSV_COLUMNS = ("run", "label", "optimizer", "color", "particle", "step", "x", "y", "loss")
JSON_SCHEMA = "landscape-explorer/trajectories"
JSON_VERSION = 1


def _num(v: float) -> str:
    return repr(float(v))  # shortest text that reads back to the same float64


def simulate_all(scenario, progress=None):
    """[(RunConfig, SimulationResult)] for the enabled runs, every step recorded."""
    out = []
    runs = scenario.build_optimizers()
    from .simulate import simulate

    surf = scenario.build_surface()
    starts = scenario.start_points()
    for i, (r, opt) in enumerate(runs):
        if progress is not None and progress(i, len(runs)) is False:
            raise Cancelled()
        out.append((r, simulate(surf, opt, starts, scenario.steps, seed=r.seed,
                                batch_size=r.batch_size)))
    return out


def _labels(results) -> list[str]:
    """Each run's label, checked: a lone surrogate (possible only in a RunConfig built by hand;
    loading and the app refuse one) cannot be encoded, so the export is refused before anything
    is written, naming the run, rather than ending in a UnicodeEncodeError or a changed label."""
    return [check_text(f"label of run {k}", r.display_name) for k, (r, _) in enumerate(results)]


def trajectories_csv(scenario, results=None) -> str:
    results = simulate_all(scenario) if results is None else results
    labels = _labels(results)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for k, (r, res) in enumerate(results):
        name = labels[k]
        for row, step in enumerate(res.step_index):
            for p in range(res.path.shape[1]):
                x, y = res.path[row, p]
                w.writerow((k, name, r.optimizer, r.color, p, int(step), _num(x), _num(y),
                            _num(res.loss[row, p])))
    return buf.getvalue()


def trajectories_dict(scenario, results=None) -> dict:
    results = simulate_all(scenario) if results is None else results
    runs = []
    for label, (r, res) in zip(_labels(results), results):
        runs.append({
            "label": label, "optimizer": r.optimizer, "color": r.color,
            "steps": [int(s) for s in res.step_index],
            "path": np.asarray(res.path).tolist(),  # [row][particle] = [x, y]
            "loss": np.asarray(res.loss).tolist(),  # [row][particle]
            "status": [str(s) for s in res.status],
            "steps_taken": [int(s) for s in res.steps_taken],
        })
    return {"schema": JSON_SCHEMA, "version": JSON_VERSION, "scenario": scenario.to_dict(),
            "runs": runs}


def write_trajectories_csv(scenario, path, results=None) -> None:
    atomic_write_text(path, trajectories_csv(scenario, results))


def write_trajectories_json(scenario, path, results=None) -> None:
    atomic_write_text(path, json.dumps(trajectories_dict(scenario, results),
                                       allow_nan=False) + "\n")
