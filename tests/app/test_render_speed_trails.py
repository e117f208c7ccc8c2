"""What keeps the 3D view cheap to draw, checked on real OpenGL (Mesa under Xvfb): trail
buffers allocated once and drawing only the points they hold, pictures rendered in one pass
into a framebuffer that is reused, and the picture-fitting camera computed once per shape."""
import numpy as np
import pytest

from landscape_explorer.app.scenario_io import advance_to
from landscape_explorer.app.views.view3d import TRAIL_CAPACITY


def trail_line(view, rid):
    return view.trail_items(rid)["line"]


def buffer_bytes(view, item) -> int:
    """Bytes allocated for an item's vertex positions on the GPU."""
    view.makeCurrent()
    vbo = item.m_vbo_position
    vbo.bind()
    try:
        return vbo.size()
    finally:
        vbo.release()


def test_trails_hold_only_their_points_in_buffers_allocated_once(window):
    view = window.view3d
    rid = view.run_ids()[0]
    advance_to(window.model, window.engine, 20)
    view.render_array(320, 200)  # paints: uploads the buffers
    line = trail_line(view, rid)
    short = len(line.pos)
    allocated = buffer_bytes(view, line)
    assert 2 <= short < TRAIL_CAPACITY
    assert allocated == TRAIL_CAPACITY * 3 * 4  # float32 xyz, room for the longest trail
    advance_to(window.model, window.engine, 150)
    view.render_array(320, 200)
    assert len(line.pos) > short  # drawn: the points it holds, not the whole capacity
    assert buffer_bytes(view, line) == allocated  # rewritten in place, not re-allocated
    geo = view.geometry_
    _, path, _ = window.engine.history(rid)
    np.testing.assert_array_equal(line.pos, geo.trail_points(path, TRAIL_CAPACITY))
    # The ball sits on the trail's last point.
    np.testing.assert_array_equal(view.trail_items(rid)["ball"].pos[0], line.pos[-1])


def test_padded_trail_vertices_repeat_the_last_point(window):
    geo = window.view3d.geometry_
    path = np.array([[0.1, 0.2], [0.5, 0.4], [0.9, 0.1]])
    pts = geo.trail_points(path, 64)
    padded = geo.trail_vertices(path, 64)
    assert padded.shape == (64, 3)
    np.testing.assert_array_equal(padded[:len(pts)], pts)
    assert (padded[len(pts):] == pts[-1]).all()
    assert geo.trail_points(np.zeros((0, 2)), 64).shape == (1, 3)


def test_one_pass_picture_matches_pyqtgraph_tiles(window):
    """The single-framebuffer picture is the same as pyqtgraph's tiled renderToArray (which
    draws the scene once per 1024-pixel tile), and is not blank."""
    view = window.view3d
    advance_to(window.model, window.engine, 60)
    for size in ((1280, 800), (333, 211)):
        ours = view.render_array(*size)
        tiles = view.renderToArray(size)
        assert ours.shape == tiles.shape == (size[1], size[0], 4)
        differ = (np.abs(ours.astype(int) - tiles.astype(int)).max(axis=-1) > 8).mean()
        assert differ < 0.002  # a few antialiased line pixels at most
        assert len(np.unique(ours.reshape(-1, 4)[::7], axis=0)) > 50  # a shaded mesh


def test_picture_framebuffer_is_reused_while_the_size_stays(window):
    view = window.view3d
    view.render_array(400, 300)
    fbo = view.picture_framebuffer(400, 300)
    first = fbo.handle()
    a = view.render_array(400, 300)
    assert view.picture_framebuffer(400, 300).handle() == first
    b = view.render_array(400, 300)
    np.testing.assert_array_equal(a, b)  # a copy each time, not the reused buffer itself
    a[:] = 0
    assert b.any()
    view.render_array(200, 100)
    assert view.picture_framebuffer(200, 100).width() == 200


def test_remembered_fit_is_the_fit(window):
    view = window.view3d
    view.orbit(30, -10)
    start = view.camera_state()
    view.fit_to_view(size=(1920, 1080), top=0.1)
    fitted = view.camera_state()
    view.set_camera_state(start)
    view.fit_to_view(size=(1920, 1080), top=0.1)  # from the memo
    again = view.camera_state()
    assert again["center"] == pytest.approx(fitted["center"])
    assert again["distance"] == pytest.approx(fitted["distance"])
    view.set_camera_state(start)
    view.fit_to_view(size=(800, 800), top=0.1)  # another shape: another fit
    assert view.camera_state()["distance"] != pytest.approx(fitted["distance"])


def test_pictures_reuse_the_mesh_layer_until_the_scene_changes(window):
    """Frames of one camera draw the mesh once; new mesh colors (an overlay) or a camera move
    show in the next picture."""
    view = window.view3d
    advance_to(window.model, window.engine, 30)
    a = view.render_array(400, 250)
    b = view.render_array(400, 250)
    np.testing.assert_array_equal(a, b)
    n = len(view.geometry_.xs)
    red = np.zeros((n, n, 4), np.float32)
    red[..., 0] = red[..., 3] = 1.0
    view.set_mesh_colors(red)
    c = view.render_array(400, 250)
    reddish = (c[..., 2].astype(int) > 120) & (c[..., 1] < 60) & (c[..., 0] < 60)  # BGRA
    assert reddish.mean() > 0.1 and not ((a[..., 2] > 120) & (a[..., 1] < 60)).mean() > 0.1
    view.orbit(40, 0)
    d = view.render_array(400, 250)
    assert (np.abs(d.astype(int) - c.astype(int)).max(axis=-1) > 8).mean() > 0.05
    # Drawn over the layer, the same as drawn whole.
    tiles = view.renderToArray((400, 250))
    assert (np.abs(d.astype(int) - tiles.astype(int)).max(axis=-1) > 8).mean() < 0.002


def distance_to_polyline(points, line):
    """Each point's distance to the nearest segment of polyline ``line`` (both (n, 2))."""
    a, b = line[:-1], line[1:]
    ab = b - a
    L2 = np.maximum((ab ** 2).sum(axis=1), 1e-300)
    t = np.clip(((points[:, None, :] - a[None]) * ab[None]).sum(axis=2) / L2[None], 0, 1)
    near = a[None] + t[..., None] * ab[None]
    return np.sqrt(((points[:, None, :] - near) ** 2).sum(axis=2)).min(axis=1)


def test_a_crawling_trail_is_thinned_to_what_can_be_seen(window):
    """A run of 3,000 steps a hundredth of a grid cell long each (a crawl, or a run that has
    settled) is drawn with about one vertex per quarter cell, its first and last point kept,
    and every step it took lies within a quarter cell of the line drawn."""
    geo = window.view3d.geometry_
    (x0, x1), (y0, y1) = geo.bounds
    t = np.linspace(0, 1, 3000)
    path = np.column_stack([x0 + (x1 - x0) * (0.3 + 0.3 * t),
                            y0 + (y1 - y0) * (0.5 + 0.05 * np.sin(12 * t))])
    pts = geo.trail_points(path, TRAIL_CAPACITY)
    length = np.hypot(*np.diff(path, axis=0).T).sum()
    assert len(pts) <= length / (0.25 * geo.cell) + 2
    assert len(pts) < len(path) / 4
    np.testing.assert_array_equal(pts[0, :2], path[0].astype(np.float32))
    np.testing.assert_array_equal(pts[-1, :2], path[-1].astype(np.float32))
    assert distance_to_polyline(path, pts[:, :2].astype(np.float64)).max() <= 0.25 * geo.cell + 1e-6


def test_long_steps_keep_every_point(window):
    """Steps longer than a quarter cell (an oscillating or diverging run) lose nothing."""
    geo = window.view3d.geometry_
    (x0, x1), (y0, y1) = geo.bounds
    xs = np.linspace(x0, x1, 40)
    path = np.column_stack([xs, np.where(np.arange(40) % 2, y0 + 0.4 * (y1 - y0),
                                         y0 + 0.6 * (y1 - y0))])
    pts = geo.trail_points(path, TRAIL_CAPACITY)
    kept = {tuple(p) for p in np.round(pts[:, :2].astype(np.float64), 4)}
    assert all(tuple(p) in kept for p in np.round(path.astype(np.float32).astype(np.float64), 4))


def test_round_joints_only_where_the_trail_turns(window):
    """The joint dots fill the notch a wide smooth line leaves at a corner: every vertex where
    the trail turns by more than 20 degrees, and its ends; none along a straight stretch."""
    geo = window.view3d.geometry_
    straight = np.column_stack([np.linspace(0, 1, 30), np.linspace(0, 0.5, 30), np.zeros(30)])
    assert len(geo.trail_corners(straight.astype(np.float32))) == 2
    zig = np.column_stack([np.arange(12.0), np.where(np.arange(12) % 2, 1.0, 0.0), np.zeros(12)])
    np.testing.assert_array_equal(geo.trail_corners(zig), zig)  # turns of ~90 degrees
    t = np.linspace(0, np.pi / 2, 200)  # a quarter circle in 200 pieces: under 1 degree each
    arc = np.column_stack([np.cos(t), np.sin(t), np.zeros_like(t)])
    assert len(geo.trail_corners(arc)) == 2
    rid = window.view3d.run_ids()[0]
    from landscape_explorer.app.scenario_io import advance_to

    advance_to(window.model, window.engine, 120)
    window.view3d.render_array(320, 200)
    items = window.view3d.trail_items(rid)
    np.testing.assert_array_equal(items["joints"].pos, geo.trail_corners(items["line"].pos))
