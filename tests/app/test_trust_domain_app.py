"""A typed surface with an undefined region, on the real window under Xvfb: the 3D mesh and the
2D heatmap have a gap where f is undefined (no NaN in any array handed to OpenGL, no triangle
touching the undefined side), and a run that would step into it reads "left the domain" in the
run table, in its own style."""
import numpy as np

from landscape_explorer.app.live_verdicts import live_verdicts_for
from landscape_explorer.app.verdict_style import verdict_style

LOG_STATE = {
    "surface": "log(x) + y**2", "bounds": [[-3.0, 3.0], [-3.0, 3.0]], "resolution": 60,
    "start": [1.5, 1.5], "max_steps": 300, "speed": 60.0, "wireframe": True,
    "runs": [{"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.05}, "color": "#E69F00"},
             {"id": 2, "optimizer": "adam", "hyperparams": {"lr": 0.1}, "color": "#56B4E9"}],
}


def _check_mesh(item, xs_defined):
    md = item.opts["meshdata"]
    verts, faces = md.vertexes(), md.faces()
    assert np.isfinite(verts).all() and np.isfinite(md.vertexNormals()).all()
    assert np.isfinite(md.vertexColors()).all()
    used = np.unique(faces)
    assert (verts[used, 0] > 0).all()  # no triangle reaches where log(x) is undefined
    n = int(round(np.sqrt(len(verts))))
    full = 2 * (n - 1) ** 2
    assert 0 < len(faces) < full
    # ... and the defined side is all there: every cell with four defined corners is drawn.
    cols = int(xs_defined(np.unique(verts[:, 0])).sum())
    assert len(faces) == 2 * (cols - 1) * (n - 1)


def test_mesh_and_heatmap_have_a_gap_where_f_is_undefined(qtbot, make_window):
    window = make_window(LOG_STATE)
    v3 = window.view3d
    _check_mesh(v3.mesh, lambda xs: xs > 0)
    _check_mesh(v3.lod_mesh, lambda xs: xs > 0)
    wire = v3.wire.pos
    assert np.isfinite(wire).all() and (wire[:, 0] > 0).all()
    # The 2D heatmap: transparent left of zero, opaque right of it; nothing non-finite.
    img = window.view2d.image.image
    assert img.ndim == 3 and img.shape[-1] == 4
    xs = np.linspace(-3, 3, img.shape[0])
    assert (img[xs <= 0, :, 3] == 0).all() and (img[xs > 0, :, 3] == 255).all()
    # The gapped mesh really renders: the frame is not blank.
    frame = v3.renderToArray((320, 240))
    assert frame[..., :3].std() > 5


def test_a_run_into_the_undefined_region_reads_left_the_domain(qtbot, make_window):
    window = make_window(LOG_STATE)
    lv = live_verdicts_for(window.engine)
    window.model.set_speed(1e9)
    with qtbot.waitSignal(window.engine.finished, timeout=30000):
        window.model.set_playing(True)
    qtbot.waitUntil(lambda: lv.ready and all(
        lv.verdict(i) is not None and lv.verdict(i).kind == "left_domain"
        for i in window.engine.run_ids()), timeout=10000)
    style = verdict_style("left_domain")
    for rid in window.engine.run_ids():
        text = window.run_table.row_texts(rid)["Verdict"]
        assert text == f"{style.icon} {style.label}"
        row = window.run_table.row_of(rid)
        item = window.run_table.item(row, 5)
        assert item.toolTip().startswith("left the domain of f at (")
        assert item.foreground().color().name() == style.color
        assert np.isfinite(window.engine.stepper(rid).positions).all()
        loss = float(window.run_table.row_texts(rid)["Loss"])
        assert np.isfinite(loss) and abs(loss) < 100
    assert "left the domain" in window.verdict_status.plain_text()
