"""`landscape-explorer render`: a real subprocess writing real files (under pytest-xvfb, whose
DISPLAY the subprocess inherits)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from landscape_explorer.core.scenario import SCHEMA

COLORS = ["#E69F00", "#56B4E9", "#009E73"]


def scenario_dict(**changes):
    d = {
        "schema": SCHEMA, "version": 1, "title": "render test",
        "surface": {"name": "bowl", "resolution": 48},
        "starts": [[-1.5, 1.5]], "steps": 40,
        "runs": [
            {"optimizer": "gd", "hyperparams": {"lr": 0.01}, "color": COLORS[0]},
            {"optimizer": "sgd", "hyperparams": {"lr": 0.03, "momentum": 0.5},
             "color": COLORS[1]},
            {"optimizer": "adam", "hyperparams": {"lr": 0.08}, "color": COLORS[2]},
        ],
    }
    d.update(changes)
    return d


@pytest.fixture
def scenario(tmp_path):
    p = tmp_path / "scenario.json"
    p.write_text(json.dumps(scenario_dict()))
    return p


def render(*args, env=None, timeout=240):
    cmd = [sys.executable, "-m", "landscape_explorer", "render", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else os.environ.copy())


def assert_one_line_error(r, *words):
    assert r.returncode != 0, r.stdout
    err = r.stderr.strip()
    assert "Traceback" not in r.stderr
    assert len(err.splitlines()) == 1, r.stderr
    assert err.startswith("landscape-explorer render: error:"), err
    for w in words:
        assert w in err, err


def has_color(rgb: np.ndarray, hex_color: str, tol: int = 12) -> int:
    target = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb[..., :3].astype(int) - target).max(axis=-1) <= tol).sum())


def test_png_has_the_requested_size_and_every_run_color(scenario, tmp_path):
    from PIL import Image

    out = tmp_path / "out.png"
    r = render(scenario, "-o", out, "--size", "640x360", "--no-legend")
    assert r.returncode == 0, r.stderr
    img = Image.open(out)
    assert img.format == "PNG" and img.size == (640, 360)
    rgb = np.asarray(img.convert("RGB"))
    for c in COLORS:
        assert has_color(rgb, c) >= 4, f"run color {c} not in the picture"
    # not a blank frame: the surface covers a good part of it
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 200
    assert sorted(os.listdir(tmp_path)) == ["out.png", "scenario.json"]


def test_large_transparent_png(scenario, tmp_path):
    from PIL import Image

    out = tmp_path / "big.png"
    r = render(scenario, "-o", out, "--size", "2400x1350", "--transparent")
    assert r.returncode == 0, r.stderr
    img = Image.open(out)
    assert img.size == (2400, 1350) and img.mode == "RGBA"
    a = np.asarray(img)[..., 3]
    assert a[0, -1] == 0 and a[-1, 0] == 0  # corners are background: transparent
    assert (a == 255).mean() > 0.05  # the surface is opaque


def test_gif_has_the_requested_frame_count(scenario, tmp_path):
    from PIL import Image

    out = tmp_path / "out.gif"
    r = render(scenario, "-o", out, "--size", "320x200", "--frames", "12", "--fps", "10")
    assert r.returncode == 0, r.stderr
    img = Image.open(out)
    assert img.format == "GIF" and img.size == (320, 200)
    assert img.n_frames == 12
    first = np.asarray(img.convert("RGB")).copy()
    img.seek(11)
    last = np.asarray(img.convert("RGB"))
    assert (first != last).any()  # the runs moved


def test_mp4_is_readable_by_imageio(scenario, tmp_path):
    import imageio.v3 as iio

    out = tmp_path / "out.mp4"
    r = render(scenario, "-o", out, "--size", "320x192", "--frames", "15", "--fps", "15")
    assert r.returncode == 0, r.stderr
    frames = iio.imread(out)
    assert frames.shape == (15, 192, 320, 3)


def test_composite_png(scenario, tmp_path):
    from PIL import Image

    out = tmp_path / "c.png"
    r = render(scenario, "-o", out, "--size", "900x500", "--view", "composite")
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == (900, 500)


@pytest.mark.parametrize("content, words", [
    ('{"schema": "landscape-explorer/scenario", "version": 1, "runs": [', ["not valid JSON"]),
    (json.dumps(scenario_dict(version=7)), ["newer", "upgrade"]),
    (json.dumps(scenario_dict(runs=[{"optimizer": "adma"}])), ["runs[0].optimizer", "adma"]),
], ids=["corrupt", "newer-version", "bad-field"])
def test_bad_scenarios_give_one_line_and_no_file(tmp_path, content, words):
    p = tmp_path / "bad.json"
    p.write_text(content)
    out = tmp_path / "out.png"
    r = render(p, "-o", out)
    assert_one_line_error(r, str(p), *words)
    assert r.returncode == 2
    assert not out.exists()


def test_missing_scenario(tmp_path):
    r = render(tmp_path / "nope.json", "-o", tmp_path / "out.png")
    assert_one_line_error(r, "no such file")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["missing-dir", "is-a-directory", "under-a-file"])
def test_unwritable_output_gives_clear_error_and_no_file(scenario, tmp_path, where):
    if where == "missing-dir":
        out = tmp_path / "no" / "such" / "dir" / "out.png"
    elif where == "is-a-directory":
        out = tmp_path / "dir.png"
        out.mkdir()
    else:
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "out.png"
    before = sorted(os.listdir(tmp_path))
    r = render(scenario, "-o", out)
    assert_one_line_error(r, str(out))
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can write to read-only directories")
def test_read_only_directory(scenario, tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    try:
        r = render(scenario, "-o", d / "out.png")
        assert_one_line_error(r, "not writable")
        assert os.listdir(d) == []
    finally:
        d.chmod(0o755)


@pytest.mark.parametrize("args, words", [
    (["-o", "out.bmp"], ["unknown output format", ".png"]),
    (["-o", "out"], ["unknown output format"]),
    (["-o", "out.png", "--size", "big"], ["invalid size"]),
    (["-o", "out.png", "--size", "4x4"], ["width"]),
    (["-o", "out.gif", "--transparent"], ["png"]),
    (["-o", "out.mp4", "--size", "321x200"], ["even"]),
    (["-o", "out.gif", "--fps", "0"], ["--fps"]),
    (["-o", "out.gif", "--frames", "x"], ["--frames"]),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_arguments(scenario, tmp_path, args, words):
    r = subprocess.run([sys.executable, "-m", "landscape_explorer", "render", str(scenario),
                        *args], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert_one_line_error(r, *words)
    assert r.returncode == 2
    assert sorted(os.listdir(tmp_path)) == ["scenario.json"]


def test_failed_render_keeps_an_existing_file(tmp_path):
    out = tmp_path / "out.png"
    out.write_bytes(b"precious")
    p = tmp_path / "bad.json"
    p.write_text("{")
    r = render(p, "-o", out)
    assert r.returncode == 2
    assert out.read_bytes() == b"precious"


def test_no_display_says_use_xvfb(scenario, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = render(scenario, "-o", tmp_path / "out.png", env=env)
    assert_one_line_error(r, "xvfb-run")
    assert r.returncode == 1
    assert not (tmp_path / "out.png").exists()


def test_bundled_example_by_name(tmp_path):
    from landscape_explorer.core.scenario import example_names

    names = example_names()
    if not names:
        pytest.skip("no bundled examples yet")
    out = tmp_path / "ex.png"
    r = render(names[0], "-o", out, "--size", "320x200")
    assert r.returncode == 0, r.stderr
    assert out.exists()


def test_palette_png_is_small_and_keeps_run_colors_exact(scenario, tmp_path):
    from PIL import Image

    full, small = tmp_path / "full.png", tmp_path / "small.png"
    assert render(scenario, "-o", full, "--size", "640x400").returncode == 0
    r = render(scenario, "-o", small, "--size", "640x400", "--colors", "256")
    assert r.returncode == 0, r.stderr
    img = Image.open(small)
    assert img.mode == "P" and img.size == (640, 400)
    assert small.stat().st_size < full.stat().st_size
    rgb = np.asarray(img.convert("RGB"))
    for c in COLORS:
        assert has_color(rgb, c, tol=0) > 0, c


def test_split_mode_and_single_views(tmp_path):
    from PIL import Image

    d = scenario_dict(view={"split": True})
    p = tmp_path / "split.json"
    p.write_text(json.dumps(d))
    out = tmp_path / "split.png"
    r = render(p, "-o", out, "--size", "900x300", "--no-legend")
    assert r.returncode == 0, r.stderr
    rgb = np.asarray(Image.open(out).convert("RGB"))
    # one view per run, each run's color in its own third
    for i, c in enumerate(COLORS):
        assert has_color(rgb[:, 300 * i:300 * (i + 1)], c) > 0, c
    for view, size in (("2d", "400x400"), ("loss", "500x250")):
        out = tmp_path / f"{view}.png"
        r = render(p, "-o", out, "--size", size, "--view", view)
        assert r.returncode == 0, r.stderr
        assert Image.open(out).size == tuple(int(v) for v in size.split("x"))


def test_trajectories_need_no_display(scenario, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = render(scenario, "-o", tmp_path / "t.csv", env=env)
    assert r.returncode == 0, r.stderr
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "run,label,optimizer,color,particle,step,x,y,loss"
    assert len(lines) == 1 + 3 * 41  # header + runs x (steps + 1) x 1 particle
    r = render(scenario, "-o", tmp_path / "t.json", env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads((tmp_path / "t.json").read_text())
    assert len(d["runs"]) == 3 and len(d["runs"][0]["path"]) == 41


def test_missing_mp4_encoder_says_how_to_get_it(monkeypatch):
    import imageio_ffmpeg

    from landscape_explorer.app.export import render as r

    def boom():
        raise RuntimeError("No ffmpeg exe could be found")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", boom)
    ok, why = r.mp4_writer_available()
    assert not ok and "imageio-ffmpeg" in why and "pip install" in why


def test_view_options_hide_trails_and_markers(tmp_path):
    from PIL import Image

    outs = {}
    for name, view in (("with", {}), ("without", {"show_trails": False, "show_markers": False})):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(scenario_dict(view=view)))
        outs[name] = tmp_path / f"{name}.png"
        assert render(p, "-o", outs[name], "--size", "480x300", "--no-legend").returncode == 0
    a = np.asarray(Image.open(outs["with"]).convert("RGB"))
    b = np.asarray(Image.open(outs["without"]).convert("RGB"))
    assert has_color(a, "#FFFFFF", tol=3) > has_color(b, "#FFFFFF", tol=3)  # the start marker
    for c in COLORS:  # the balls stay
        assert has_color(b, c) > 0, c


def test_unreachable_display_is_one_line(scenario, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":987"
    r = render(scenario, "-o", tmp_path / "out.png", env=env)
    assert_one_line_error(r, "xvfb-run", ":987")
    assert os.listdir(tmp_path) == ["scenario.json"]
