"""Slide-ready pictures of every bundled example: each run can be seen, text grows with the
picture, and Ctrl+S exports with the Export dialog's remembered options."""
import numpy as np
import pytest
from PyQt6 import QtWidgets

from app_helpers import bowl_state

from landscape_explorer.app.export import render
from landscape_explorer.core.scenario import example_names, example_path, load_scenario


def rgba_mask(arr, color, tol=6):
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    px = arr[..., :3].astype(int)
    return (abs(px[..., 0] - r) <= tol) & (abs(px[..., 1] - g) <= tol) & \
        (abs(px[..., 2] - b) <= tol)


@pytest.mark.parametrize("name", example_names())
def test_every_run_is_visible_in_every_example(name):
    sc = load_scenario(example_path(name))
    with render.Scene(sc, views=("3d",)) as scene:
        scene.advance_to(sc.steps)
        arr = render.qimage_to_array(scene.image("3d", 1280, 720, overlay=False))
    for run in sc.enabled_runs():
        n = int(rgba_mask(arr, run.color).sum())
        assert n >= 250, f"{name}: {run.display_name} ({run.color}) covers {n} pixels"


def test_plot_text_grows_with_the_picture(make_window):
    w = make_window()
    assert render.print_scale(560, 380) == 1.0 and render.print_scale(1536, 1080) > 2.5
    for plot in (w.loss_plot, w.view2d):
        seen = []
        ax = plot.getPlotItem().getAxis("left")
        orig = plot.set_print_scale

        def spy(k, plot=plot, orig=orig, ax=ax, seen=seen):
            orig(k)
            pens = [c.opts["pen"].widthF() for c in plot.getPlotItem().listDataItems()
                    if c.isVisible() and hasattr(c.opts.get("pen"), "widthF")]
            seen.append((ax.style["tickFont"].pixelSize(), max(pens)))

        plot.set_print_scale = spy
        img = render.grab_widget(plot, 1536, 1080)
        assert (img.width(), img.height()) == (1536, 1080)
        (font_big, pen_big), (font_back, pen_back) = seen
        assert font_big >= 2.5 * 11 and font_back == 11  # scaled for the grab, then back
        assert pen_big >= 2.5 * pen_back


def test_ctrl_s_exports_through_the_dialog_with_remembered_options(make_window, tmp_path,
                                                                    monkeypatch):
    w = make_window(bowl_state())
    w.engine.run_until_done()
    from landscape_explorer.app.export import dialog

    seen = []

    def fake_exec(dlg):
        seen.append(dlg)
        if len(seen) == 1:
            dlg.select_size((1280, 720))
            dlg.transparent.setChecked(True)
            dlg.path.setText(str(tmp_path / "first.png"))
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialog.ExportDialog, "exec", fake_exec)
    assert w.save_png_action.shortcut().toString() == "Ctrl+S"
    w.save_png_action.trigger()
    first = tmp_path / "first.png"
    assert first.exists()
    from PyQt6 import QtGui
    img = QtGui.QImage(str(first))
    assert (img.width(), img.height()) == (1280, 720) and img.hasAlphaChannel()
    # The second time, the dialog opens with the same folder, size and options.
    w.save_png_action.trigger()
    dlg = seen[1]
    assert dlg.selected_kind() == "png3d"
    assert dlg.selected_size() == (1280, 720) and dlg.transparent.isChecked()
    assert dlg.path.text().startswith(str(tmp_path))
    # save_png_to goes the same way, with the remembered size.
    assert w.save_png_to(str(tmp_path / "again.png"))
    img = QtGui.QImage(str(tmp_path / "again.png"))
    assert (img.width(), img.height()) == (1280, 720)


def test_gif_has_no_banding(make_window, tmp_path):
    """A smooth surface in a GIF keeps many distinct shades (dithered, a palette from the
    frames), not a few flat bands."""
    from PIL import Image

    sc = load_scenario(example_path("local_minimum"))
    path = tmp_path / "a.gif"
    with render.Scene(sc, views=("3d",)) as scene:
        render.write_gif(scene, path, (320, 200), fps=10, frames=3, overlay=False)
    im = Image.open(path)
    frames = []
    for i in range(im.n_frames):
        im.seek(i)
        frames.append(np.asarray(im.convert("RGB")))
    last = frames[-1].astype(int)
    # Neighbouring pixels on the surface differ in small steps, not big jumps between bands:
    # the mean absolute difference stays small while many colors are used.
    assert len(np.unique(last.reshape(-1, 3), axis=0)) > 150
    with render.Scene(sc, views=("3d",)) as scene:
        scene.advance_to(sc.steps)
        ref = render.qimage_to_array(scene.image("3d", 320, 200, overlay=False))[..., :3]
    # Averaged over 4x4 blocks (what an eye does), the dithered frame is close to the original.
    blocks = lambda a: a[:200 // 4 * 4, :320 // 4 * 4].reshape(50, 4, 80, 4, 3).mean((1, 3))
    assert np.abs(blocks(last) - blocks(ref.astype(int))).mean() < 4.0
