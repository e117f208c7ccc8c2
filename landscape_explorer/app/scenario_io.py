"""Scenario <-> app state, through the model's public API (``to_dict``/``apply_dict``) and the
3D view's camera helpers. Used by File › Open/Save and by the headless ``render``, so that a
saved file shows the same picture in both.

The app runs every optimizer from one start point: a scenario with several starts opens at its
first. ``steps`` in a scenario is how far the runs have gone (what the picture shows); the
app's max-steps setting is ``playback.max_steps``.
"""
from __future__ import annotations

from landscape_explorer.core.scenario import (
    Camera, Playback, RunConfig, Scenario, ScenarioError, ViewOptions,
)


def scenario_to_model_dict(sc: Scenario) -> dict:
    """The dict ``AppModel.apply_dict`` takes for this scenario (validated first)."""
    sc = sc.validated()
    start = sc.start_points()[0]
    runs = []
    for i, r in enumerate(sc.runs):
        runs.append({
            "id": i + 1, "optimizer": r.optimizer, "hyperparams": dict(r.hyperparams),
            "color": r.color, "label": r.label,
            "schedule": None if r.schedule is None else r.schedule["name"],
            "schedule_params": {} if r.schedule is None else dict(r.schedule.get("params", {})),
            "noise": r.noise, "clip": r.clip, "seed": r.seed, "enabled": r.enabled,
        })
    return {
        "surface": sc.surface, "bounds": [list(b) for b in sc.plot_bounds],
        "resolution": sc.resolution, "colormap": sc.view.colormap,
        "wireframe": sc.view.wireframe, "z_mode": sc.view.z_mode,
        "start": [float(start[0]), float(start[1])],
        "speed": sc.playback.speed,
        # The runs must be able to reach the scenario's step.
        "max_steps": max(sc.playback.max_steps, sc.steps, 1),
        "restart_on_edit": sc.playback.restart_on_edit, "split": sc.view.split,
        "log_loss": sc.view.log_loss, "runs": runs, "playing": False,
    }


def model_to_scenario(model, steps: int | None = None, camera: dict | None = None,
                      view_extras: dict | None = None, title: str = "",
                      description: str = "") -> Scenario:
    """A Scenario of the model's state. ``steps``: how far the runs are (default: max steps);
    ``camera``: the 3D view's ``camera_state()``; ``view_extras``: ViewOptions fields the model
    does not hold (show_markers, show_trails, show_legend)."""
    d = model.to_dict()
    runs = []
    for r in d["runs"]:
        sched = None
        if r.get("schedule"):
            sched = {"name": r["schedule"], "params": dict(r.get("schedule_params") or {})}
        runs.append(RunConfig(optimizer=r["optimizer"], hyperparams=dict(r["hyperparams"]),
                              label=r.get("label", ""), schedule=sched,
                              noise=float(r.get("noise", 0.0)), clip=r.get("clip"),
                              seed=int(r.get("seed", 0)), color=r.get("color", "#E69F00"),
                              enabled=bool(r.get("enabled", True))))
    view = ViewOptions(colormap=d["colormap"], wireframe=d["wireframe"], z_mode=d["z_mode"],
                       split=d["split"], log_loss=d["log_loss"])
    for k, v in (view_extras or {}).items():
        setattr(view, k, v)
    cam = None
    if camera is not None:
        cam = Camera(distance=float(camera["distance"]), elevation=float(camera["elevation"]),
                     azimuth=float(camera["azimuth"]),
                     center=tuple(float(v) for v in camera["center"]),
                     fov=float(camera.get("fov", 40.0)))
    sc = Scenario(
        surface=d["surface"], runs=runs, bounds=tuple(tuple(b) for b in d["bounds"]),
        resolution=d["resolution"], starts=[tuple(d["start"])],
        steps=int(d["max_steps"] if steps is None else steps), camera=cam, view=view,
        playback=Playback(speed=d["speed"], max_steps=d["max_steps"],
                          restart_on_edit=d["restart_on_edit"]),
        title=title, description=description,
    )
    return sc.validated()


def camera_dict(cam: Camera) -> dict:
    return {"center": tuple(cam.center), "distance": cam.distance, "elevation": cam.elevation,
            "azimuth": cam.azimuth, "fov": cam.fov}


def apply_scenario(model, sc: Scenario, engine=None, views3d=()) -> None:
    """Put the scenario into the app: model state, camera, and (with ``engine``) the runs
    advanced to the scenario's step. Validates everything first; on a bad scenario raises
    ScenarioError and changes nothing."""
    d = scenario_to_model_dict(sc)
    try:
        model.apply_dict(d)
    except (ValueError, KeyError) as e:  # the model's own checks (should not happen: validated)
        raise ScenarioError("", f"cannot open this scenario: {e}") from None
    for v in views3d:
        if sc.camera is not None:
            v.set_camera_state(camera_dict(sc.camera))
        else:
            v.frame_camera()
    if engine is not None:
        advance_to(model, engine, sc.steps, final_max_steps=d["max_steps"])


def advance_to(model, engine, step: int, final_max_steps: int | None = None,
               timeout: float = 120.0) -> None:
    """Run every enabled run forward to ``step`` (from where it is), synchronously.

    Uses the engine's own stepping (max steps as the target), so the picture is exactly what
    the live app shows at that step."""
    if step <= 0:
        return
    keep = model.max_steps if final_max_steps is None else final_max_steps
    model.set_max_steps(int(step))
    engine.run_until_done(timeout=timeout)
    if keep != model.max_steps:
        model.set_max_steps(int(keep))
        engine.stepped.emit()  # views and labels that show "step / max steps" catch up
