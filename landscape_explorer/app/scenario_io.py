"""Putting a scenario on screen and taking one off it: the model (``AppModel.set_scenario`` /
``AppModel.scenario``), the 3D views' cameras and the engine's step. Used by File › Open/Save, the
examples and the headless ``render``, so that a saved file shows the same picture in all of them.

The app runs every optimizer from one start point: a scenario with several starts opens at its
first. ``steps`` in a scenario is how far the runs have gone (what the picture shows); the
app's max-steps setting is ``playback.max_steps``.
"""
from __future__ import annotations

from landscape_explorer.core.scenario import Camera, Scenario, ScenarioError


def camera_dict(cam: Camera) -> dict:
    """A core Camera as the 3D view's ``camera_state()`` dict."""
    return {"center": tuple(cam.center), "distance": cam.distance, "elevation": cam.elevation,
            "azimuth": cam.azimuth, "fov": cam.fov}


def camera_from_dict(state: dict) -> Camera:
    """The 3D view's ``camera_state()`` dict as a core Camera."""
    return Camera(distance=float(state["distance"]), elevation=float(state["elevation"]),
                  azimuth=float(state["azimuth"]),
                  center=tuple(float(v) for v in state["center"]),
                  fov=float(state.get("fov", 40.0)))


def model_to_scenario(model, steps: int | None = None, camera: dict | None = None,
                      view_extras: dict | None = None, title: str = "",
                      description: str = "") -> Scenario:
    """The model's scenario with what only the window knows: ``steps`` (how far the runs are;
    default max steps) and ``camera`` (the 3D view's ``camera_state()``)."""
    return model.scenario(steps=steps, camera=None if camera is None else camera_from_dict(camera),
                          view_extras=view_extras, title=title, description=description)


def apply_scenario(model, sc: Scenario, engine=None, views3d=()) -> None:
    """Put the scenario into the app: model state, camera, and (with ``engine``) the runs
    advanced to the scenario's step. Validates everything first; on a bad scenario raises
    ScenarioError and changes nothing."""
    try:
        model.set_scenario(sc)
    except ScenarioError:
        raise
    except (ValueError, KeyError) as e:  # the model's own checks (should not happen: validated)
        raise ScenarioError("", f"cannot open this scenario: {e}") from None
    for v in views3d:
        if sc.camera is not None:
            v.set_camera_state(camera_dict(sc.camera))
        else:
            v.frame_camera()
    if engine is not None:
        advance_to(model, engine, sc.steps, final_max_steps=model.max_steps)


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
