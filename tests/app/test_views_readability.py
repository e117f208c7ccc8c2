"""What the views show reads clearly: run colors, diverged runs, split tiles that fill, tick
labels that never repeat."""
import numpy as np
import pytest

from app_helpers import bowl_state

from landscape_explorer.app.palette import (MIN_RUN_COLOR_DELTA_E, MIN_RUN_COLOR_LIGHTNESS,
                                            RUN_COLORS, cielab, delta_e, next_run_color)
from landscape_explorer.app.views.axes import distinct_labels
from landscape_explorer.app.views.geometry import bounds_exit, path_to_exit
from landscape_explorer.app.views.view3d import BACKGROUND


def test_twelve_run_colors_are_distinct_and_none_near_black():
    assert len(RUN_COLORS) == 12
    used = []
    for _ in range(12):
        used.append(next_run_color(used))
    assert len(set(used)) == 12
    for i, a in enumerate(used):
        for b in used[i + 1:]:
            assert delta_e(a, b) >= MIN_RUN_COLOR_DELTA_E >= 20, (a, b)
        assert cielab(a)[0] >= MIN_RUN_COLOR_LIGHTNESS >= 40, a
        # Visible on the dark 3D background (and the dark end of magma / viridis).
        assert delta_e(a, "#%02x%02x%02x" % BACKGROUND) > 30, a
        assert delta_e(a, "#000004") > 40, a  # magma's darkest color


def test_cielab_matches_the_reference_values():
    np.testing.assert_allclose(cielab("#FFFFFF"), [100, 0, 0], atol=0.05)
    np.testing.assert_allclose(cielab("#000000"), [0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(cielab("#FF0000"), [53.24, 80.09, 67.20], atol=0.05)


def test_tick_labels_never_repeat():
    # Goldstein–Price's loss sits near 3 at the end: eleven log ticks between 3.00 and 3.01.
    assert len(set(distinct_labels(np.log10(np.linspace(3.0, 3.01, 11)), log=True))) == 11
    assert distinct_labels([0, 0.5, 1, 1.5]) == ["0", "0.5", "1", "1.5"]
    assert distinct_labels(np.log10([1e-6, 1, 10, 1e6]), log=True) == ["1e-6", "1", "10", "1e6"]
    labels = distinct_labels([812345.1, 812345.2, 812345.3])
    assert [float(v) for v in labels] == [812345.1, 812345.2, 812345.3]


def test_path_to_exit_ends_on_the_edge():
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    path = np.array([[1.0, 0.0], [-1.5, 0.5], [3.0, 1.0], [1e9, 0.0]])
    k, crossing = bounds_exit(path, bounds)
    assert k == 2
    # On the segment from (-1.5, 0.5) to (3, 1), where x = 2.
    np.testing.assert_allclose(crossing, [2.0, 0.5 + 0.5 * 3.5 / 4.5])
    assert path_to_exit(path, bounds).shape == (3, 2)
    inside = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert bounds_exit(inside, bounds) == (2, None)
    np.testing.assert_array_equal(path_to_exit(inside, bounds), inside)


def test_goldstein_price_ticks_are_distinct_in_the_app(make_window, qtbot):
    w = make_window(bowl_state(surface="goldstein_price", start=[0.3, -0.6], log_loss=True,
                               bounds=[[-2.0, 2.0], [-2.0, 2.0]]))
    w.engine.run_until_done()
    qtbot.wait(50)
    for plot in (w.loss_plot, w.view2d):
        for name in ("left", "bottom"):
            ax = plot.getPlotItem().getAxis(name)
            lo, hi = ax.range
            for _, ticks in ax.tickValues(lo, hi, 400):
                strings = ax.tickStrings(ticks, ax.scale, 1.0)
                assert len(set(strings)) == len(strings), (name, strings)


def test_diverged_run_ends_at_the_edge_and_keeps_the_loss_range(make_window, qtbot):
    state = bowl_state(max_steps=60)
    state["runs"].append({"id": 3, "optimizer": "gd", "hyperparams": {"lr": 1.5},
                          "color": "#009E73", "label": "too fast"})
    w = make_window(state)
    w.engine.run_until_done()
    qtbot.wait(50)
    assert str(w.engine.stepper(3).status[0]) == "diverged"
    # 2D: the path stops on the bounds with a cross there.
    line, head = w.view2d._paths[3]
    x, y = line.getData()
    (x0, x1), (y0, y1) = w.model.bounds
    assert len(x) >= 2
    end = (x[-1], y[-1])
    assert min(abs(end[0] - x0), abs(end[0] - x1), abs(end[1] - y0), abs(end[1] - y1)) < 1e-9
    assert np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    assert head.opts["symbol"] == "x"
    # 3D: the ball sits there too.
    items = w.view3d.trail_items(3)
    np.testing.assert_allclose(items["ball"].pos[0][:2], end, atol=1e-5)
    # The loss curve stops there and the plot's range is the other runs' business.
    steps, _, _ = w.engine.history(3)
    curve = w.loss_plot._curves[3]
    cx, cy = curve.getData()
    assert len(cx) < len(steps) and cx[-1] < 5
    vb = w.loss_plot.getPlotItem().vb
    qtbot.wait(50)
    (_, _), (ylo, yhi) = vb.viewRange()
    start_loss = float(w.model.surface.value(w.model.start))
    assert yhi < 10 * start_loss + 10  # not stretched to the diverged run's 1e16
    # Zoom, then Reset: the plot takes its own range again.
    vb.setYRange(0.0, 0.001)
    w.model.request_reset()
    w.engine.run_until_done()
    qtbot.wait(50)
    assert vb.autoRangeEnabled()[1]


def test_split_tiles_fill_with_the_surface(make_window, qtbot):
    w = make_window(bowl_state(), size=(1400, 900))
    if w.view3d is None:
        pytest.skip("no OpenGL")
    w.model.set_split(True)
    qtbot.waitUntil(lambda: w.split_view is not None and len(w.split_view.views) == 2)
    qtbot.wait(100)
    for view in w.split_view.views.values():
        frame = view.render_array(view.width(), view.height())
        bg = np.array(BACKGROUND[::-1])  # BGRA
        fg = np.abs(frame[..., :3].astype(int) - bg).sum(-1) > 30
        ys, xs = np.nonzero(fg)
        wide = (xs.max() - xs.min()) / frame.shape[1]
        tall = (ys.max() - ys.min()) / frame.shape[0]
        assert max(wide, tall) > 0.8, (wide, tall)
        assert fg.mean() > 0.25  # not a third of the tile with the rest dark
    # Tile labels carry the run's verdict.
    w.engine.run_until_done()
    qtbot.waitUntil(lambda: all(t.verdict is not None and t.verdict[0] != "not_started"
                                for t in w.split_view.tiles), timeout=20000)
    assert all("global minimum" in t.header.text() for t in w.split_view.tiles)


def test_loss_legend_fits_a_narrow_plot(qtbot, make_window):
    """Seven runs: on a narrow loss plot the legend takes fewer columns and more rows, and
    every entry lies inside the plot (with four fixed columns the last ones were cut off)."""
    from landscape_explorer.app.views.loss_plot import LossPlot

    state = {"surface": "bowl", "runs": [
        {"id": i + 1, "optimizer": o, "hyperparams": {"lr": 0.05}, "label": f"{o} run {i + 1}"}
        for i, o in enumerate(["gd", "sgd", "adam", "rmsprop", "adagrad", "nadam", "adamax"])]}
    w = make_window(state)
    for width in (330, 520, 1200):
        plot = LossPlot(w.model, w.engine)
        qtbot.addWidget(plot)
        plot.resize(width, 260)
        plot.show()
        qtbot.waitExposed(plot)
        labels = [label for _, label in plot.legend.items]
        assert len(labels) == 7
        for label in labels:
            r = plot.mapFromScene(label.mapRectToScene(label.item.boundingRect())).boundingRect()
            assert r.left() >= 0 and r.right() <= width, (width, label.text, r)
        assert plot.legend.columnCount == plot._legend_columns()
        if width == 1200:
            assert plot.legend.columnCount == 4
        if width == 330:
            assert plot.legend.columnCount < 4


@pytest.mark.parametrize("surface, size, top", [
    ("bowl", (1280, 800), 0.0), ("rosenbrock", (640, 900), 0.0),
    ("himmelblau", (1200, 500), 0.12), ("rastrigin", (800, 800), 0.3)])
def test_the_camera_fit_is_the_closest_that_shows_the_whole_surface(make_window, surface,
                                                                     size, top):
    """The framed distance against its definition: at it, every outline point projects inside
    the fill (and below the kept-free top band); a hair closer, some point does not. Up to
    single precision: Qt's view matrix is float32."""
    from landscape_explorer.app.views.camera import FRAME_FILL

    w = make_window(bowl_state(surface=surface, bounds=None))
    v = w.view3d
    if v is None:
        pytest.skip("no OpenGL")
    v.frame_camera(size=size, top=top)
    d = v.opts["distance"]
    v._frame_size, v._frame_top = size, top
    try:
        pts = v._outline_points()

        def inside(dist):
            v.opts["distance"] = dist
            ndc = v._ndc(pts)
            eps = 1e-5
            return (np.isfinite(ndc).all() and np.abs(ndc[:, 0]).max() <= FRAME_FILL + eps
                    and ndc[:, 1].min() >= -FRAME_FILL - eps
                    and ndc[:, 1].max() <= FRAME_FILL - 2 * top + eps)

        assert inside(d)
        assert not inside(d * (1 - 1e-4))
    finally:
        v._frame_size, v._frame_top = None, 0.0
