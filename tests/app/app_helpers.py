"""Shared helpers for the app tests (imported by name: tests/app is on sys.path)."""
import numpy as np


def bowl_state(**extra):
    state = {
        "surface": "bowl", "bounds": [[-2.0, 2.0], [-2.0, 2.0]], "resolution": 80,
        "start": [-1.5, 1.2], "max_steps": 300, "speed": 60.0,
        "runs": [
            {"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.02}, "color": "#E69F00"},
            {"id": 2, "optimizer": "adam", "hyperparams": {"lr": 0.05}, "color": "#56B4E9"},
        ],
    }
    state.update(extra)
    return state


def scenario_dict(state: dict) -> dict:
    """The scenario file (JSON) for a short test state like ``bowl_state()``: the app's model
    speaks only the scenario format, the tests write the few fields they care about."""
    if "schema" in state:
        return state
    view_keys = ("colormap", "wireframe", "z_mode", "split", "log_loss")
    play_keys = ("speed", "max_steps", "restart_on_edit")
    d = {"schema": "landscape-explorer/scenario", "version": 1,
         "surface": {"name": state.get("surface", "bowl"), "bounds": state.get("bounds"),
                     "resolution": state.get("resolution", 150)},
         "runs": [{k: v for k, v in r.items() if k != "id"} for r in state.get("runs", [])],
         "steps": 0,
         "view": {k: state[k] for k in view_keys if k in state},
         "playback": {k: state[k] for k in play_keys if k in state}}
    if "start" in state:
        d["starts"] = [list(state["start"])]
    return d


def color_pixels(bgra: np.ndarray, color: str, tol: int = 6) -> np.ndarray:
    """Mask of pixels within tol of '#RRGGBB' in a BGRA frame."""
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    px = bgra[..., :3].astype(int)
    return (abs(px[..., 2] - r) <= tol) & (abs(px[..., 1] - g) <= tol) & (abs(px[..., 0] - b) <= tol)


def active_control_panel(qtbot, model, width: int, height: int):
    """A ControlPanel of ``model`` with its own RunEngine (kept as ``engine_ref``), shown at
    width x height and made the active window: keyboard focus, so typing, needs that."""
    from landscape_explorer.app.panels.controls import ControlPanel
    from landscape_explorer.app.runs import RunEngine

    engine = RunEngine(model)
    p = ControlPanel(model, engine)
    p.engine_ref = engine
    qtbot.addWidget(p)
    p.resize(width, height)
    p.show()
    qtbot.waitExposed(p)
    with qtbot.waitActive(p):
        p.activateWindow()
    return p
