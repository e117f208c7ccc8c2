"""File › Open / Save / Export in the real window, with real OpenGL (pytest-xvfb)."""
import csv
import io
import json
import os

import numpy as np
import pytest
from PyQt6 import QtGui, QtWidgets

from landscape_explorer.app.export import dialog, file_actions
from landscape_explorer.app.export import from_window as export
from landscape_explorer.app.export import render
from landscape_explorer.app.scenario_io import advance_to
from landscape_explorer.core.atomic import Cancelled
from landscape_explorer.core.scenario import SCHEMA, load_scenario

COLORS = ("#E69F00", "#56B4E9")


@pytest.fixture
def win(window):
    fa = getattr(window, "file_actions", None) or file_actions.install_file_actions(window)
    advance_to(window.model, window.engine, 40)
    window.file_actions = fa
    return window


@pytest.fixture
def warnings(monkeypatch):
    """Message boxes recorded instead of shown."""
    seen = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning",
                        lambda parent, title, text, *a, **k: seen.append((title, text)))
    return seen


def rgba(path):
    img = QtGui.QImage(str(path))
    assert not img.isNull(), path
    return render.qimage_to_array(img)


def count_color(rgb, hex_color, tol=12):
    t = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb[..., :3].astype(int) - t).max(axis=-1) <= tol).sum())


def test_file_menu_has_scenario_and_export_actions(win):
    texts = [a.text() for a in win.file_menu.actions()]
    for t in ("Open scenario…", "Save scenario", "Save scenario as…", "Export", "Examples"):
        assert t in texts, texts
    fa = win.file_actions
    assert set(fa.export_actions) == set(export.KINDS)
    assert fa.open_action.shortcut().toString() == "Ctrl+O"


def test_png_of_3d_view_at_any_size_with_run_colors(win, tmp_path):
    out = tmp_path / "big.png"
    path = export.run_export(win, {"kind": "png3d", "path": str(out), "size": (1920, 1080)})
    assert path == str(out)
    a = rgba(out)
    assert a.shape == (1080, 1920, 4)
    for c in COLORS:
        assert count_color(a, c) > 10, c
    assert os.listdir(tmp_path) == ["big.png"]


def test_png_of_3d_view_transparent(win, tmp_path):
    out = tmp_path / "t.png"
    export.run_export(win, {"kind": "png3d", "path": str(out), "size": (800, 500),
                            "transparent": True})
    a = rgba(out)
    assert a[0, 0, 3] == 0 and a[-1, -1, 3] == 0
    assert (a[..., 3] == 255).mean() > 0.05


def test_png_at_window_size(win, tmp_path):
    out = tmp_path / "w.png"
    export.run_export(win, {"kind": "png3d", "path": str(out), "size": None})
    a = rgba(out)
    dpr = win.view3d.devicePixelRatioF()
    assert a.shape[:2] == (int(win.view3d.height() * dpr), int(win.view3d.width() * dpr))


@pytest.mark.parametrize("kind", ["png2d", "pngloss", "composite"])
def test_png_of_2d_loss_and_side_by_side(win, tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    export.run_export(win, {"kind": kind, "path": str(out), "size": (900, 600), "legend": True})
    a = rgba(out)
    assert a.shape == (600, 900, 4)
    assert len(np.unique(a[..., :3].reshape(-1, 3), axis=0)) > 20  # not blank
    for c in COLORS:
        assert count_color(a, c, tol=30) > 0, (kind, c)


def test_gif_export_frame_count(win, tmp_path):
    from PIL import Image

    out = tmp_path / "a.gif"
    calls = []
    export.run_export(win, {"kind": "gif", "path": str(out), "size": (320, 200), "fps": 10,
                            "frames": 9}, progress=lambda d, t: calls.append((d, t)))
    img = Image.open(out)
    assert img.n_frames == 9 and img.size == (320, 200)
    assert calls[-1] == (9, 9)


def test_mp4_export_readable(win, tmp_path):
    import imageio.v3 as iio

    out = tmp_path / "a.mp4"
    export.run_export(win, {"kind": "mp4", "path": str(out), "size": (320, 200), "fps": 10,
                            "frames": 8})
    frames = iio.imread(out)
    assert frames.shape == (8, 200, 320, 3)


@pytest.mark.parametrize("ext", ["gif", "mp4"])
def test_cancelled_export_leaves_no_file_and_keeps_the_old_one(win, tmp_path, ext):
    out = tmp_path / f"a.{ext}"

    def cancel_at_3(done, total):
        return done < 3

    with pytest.raises(Cancelled):
        export.run_export(win, {"kind": ext, "path": str(out), "size": (320, 200),
                                "frames": 10}, progress=cancel_at_3)
    assert os.listdir(tmp_path) == []
    out.write_bytes(b"old")
    with pytest.raises(Cancelled):
        export.run_export(win, {"kind": ext, "path": str(out), "size": (320, 200),
                                "frames": 10}, progress=cancel_at_3)
    assert out.read_bytes() == b"old"
    assert os.listdir(tmp_path) == [f"a.{ext}"]


def test_cancel_through_the_progress_dialog(win, tmp_path, qtbot, monkeypatch):
    out = tmp_path / "c.gif"
    monkeypatch.setattr(QtWidgets.QProgressDialog, "wasCanceled", lambda self: True)
    assert win.file_actions.export_with_progress(
        {"kind": "gif", "path": str(out), "size": (160, 100), "frames": 5, "fps": 10,
         "legend": True, "transparent": False}) is None
    assert not out.exists() and os.listdir(tmp_path) == []
    assert "cancelled" in win.statusBar().currentMessage()


def test_unwritable_export_path_is_reported_and_writes_nothing(win, tmp_path, warnings):
    out = tmp_path / "missing" / "x.png"
    assert win.file_actions.export_with_progress(
        {"kind": "png3d", "path": str(out), "size": (200, 100)}) is None
    assert warnings and "does not exist" in warnings[0][1]
    assert os.listdir(tmp_path) == []


def test_trajectories_csv_and_json(win, tmp_path):
    step = export.current_step(win)
    assert step == 40
    out = tmp_path / "t.csv"
    export.run_export(win, {"kind": "csv", "path": str(out)})
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    n_runs = len([r for r in win.model.runs if r.enabled])
    assert len(rows) == n_runs * (step + 1) * 1  # runs x steps x particles
    assert set(rows[0]) == {"run", "label", "optimizer", "color", "particle", "step", "x", "y",
                            "loss"}
    # the last row of each run is where the window's run is now
    for k, rid in enumerate(win.engine.run_ids()):
        last = [r for r in rows if int(r["run"]) == k][-1]
        pos = win.engine.state(rid).position
        assert float(last["x"]) == pytest.approx(pos[0], abs=1e-12)
        assert float(last["y"]) == pytest.approx(pos[1], abs=1e-12)
    outj = tmp_path / "t.json"
    export.run_export(win, {"kind": "json", "path": str(outj)})
    d = json.loads(outj.read_text())
    assert d["scenario"]["schema"] == SCHEMA
    assert len(d["runs"]) == n_runs and len(d["runs"][0]["path"]) == step + 1


def test_save_and_open_round_trip_restores_the_window(win, tmp_path, warnings):
    fa = win.file_actions
    win.model.set_colormap("plasma")
    win.model.set_log_loss(True)
    win.view3d.set_camera_state(dict(win.view3d.camera_state(), azimuth=12.0, elevation=44.0))
    p = tmp_path / "s.json"
    assert fa.save_to(str(p))
    saved_model = win.model.to_dict()
    saved_cam = win.view3d.camera_state()
    d = json.loads(p.read_text())
    assert d["schema"] == SCHEMA and d["steps"] == 40

    # change everything, then open
    win.model.set_surface("bowl", bounds=((-5, 5), (-5, 5)), start=(3.0, 3.0))
    win.model.set_colormap("viridis")
    win.model.add_run("sgd", hyperparams={"lr": 0.1})
    win.view3d.frame_camera()
    assert fa.open_path(str(p))
    assert not warnings
    assert win.model.to_dict() == saved_model
    cam = win.view3d.camera_state()
    for k in ("azimuth", "elevation", "distance", "fov"):
        assert cam[k] == pytest.approx(saved_cam[k]), k
    assert cam["center"] == pytest.approx(saved_cam["center"])
    assert export.current_step(win) == 40
    assert load_scenario(p) == export.window_scenario(win)


@pytest.mark.parametrize("content, words", [
    ("{ not json", ["not valid JSON"]),
    (json.dumps({"schema": SCHEMA, "version": 2, "surface": "bowl", "runs": []}), ["newer"]),
    (json.dumps({"schema": SCHEMA, "version": 1, "surface": "bowl",
                 "runs": [{"optimizer": "adma"}]}), ["runs[0].optimizer"]),
], ids=["corrupt", "newer", "bad-field"])
def test_bad_scenario_is_reported_and_changes_nothing(win, tmp_path, warnings, content, words):
    p = tmp_path / "bad.json"
    p.write_text(content)
    before = win.model.to_dict()
    step = export.current_step(win)
    assert not win.file_actions.open_path(str(p))
    assert len(warnings) == 1
    for w in words:
        assert w in warnings[0][1]
    assert win.model.to_dict() == before
    assert export.current_step(win) == step


def test_examples_open(win, warnings):
    fa = win.file_actions
    if not fa.example_actions:
        pytest.skip("no bundled examples for this core yet")
    for name in fa.example_actions:
        try:
            ok = fa.open_example(name)
        except Exception as e:  # pragma: no cover
            raise AssertionError(name) from e
        assert ok, (name, warnings)
        assert fa.path is None  # never saves into the package


def test_export_dialog_follows_the_chosen_kind(win, tmp_path):
    dlg = dialog.ExportDialog(win, "png3d")
    dlg.path.setText(str(tmp_path / "pic.png"))
    assert dlg.transparent.isEnabled() and not dlg.fps.isEnabled()
    dlg.kind.setCurrentIndex(list(export.KINDS).index("mp4"))
    o = dlg.options()
    assert o["kind"] == "mp4" and o["path"].endswith("pic.mp4")
    assert dlg.fps.isEnabled() and not dlg.transparent.isEnabled()
    dlg.size_combo.setCurrentIndex(dlg.size_combo.findText("Custom"))
    dlg.width_spin.setValue(640)
    dlg.height_spin.setValue(360)
    assert dlg.options()["size"] == (640, 360)
    dlg.kind.setCurrentIndex(list(export.KINDS).index("csv"))
    assert dlg.options()["path"].endswith("pic.csv") and not dlg.size_combo.isEnabled()
    dlg.close()


def test_png_of_split_views(win, tmp_path, qtbot):
    win.model.set_split(True)
    qtbot.wait(100)
    assert len(export.views3d(win)) == 2
    out = tmp_path / "split.png"
    export.run_export(win, {"kind": "png3d", "path": str(out), "size": (1000, 400)})
    a = rgba(out)
    assert a.shape == (400, 1000, 4)
    for i, c in enumerate(COLORS):  # each run in its own half
        assert count_color(a[:, 500 * i:500 * (i + 1)], c) > 0, c
    win.model.set_split(False)
