"""`landscape-explorer lesson`: listing, reading, and self-contained HTML handouts (a real
subprocess; the handout renders with OpenGL under pytest-xvfb's display)."""
import base64
import io
import re
import subprocess
import sys

from PIL import Image

from landscape_explorer.core.lessons import lessons


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", "lesson", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_list_and_read():
    r = run("--list")
    assert r.returncode == 0
    assert [line.split()[1] for line in r.stdout.splitlines()] == [x.id for x in lessons()]
    r = run("local_minimum")
    assert r.returncode == 0
    assert "x ≈ −2.32, 2.94 above the global minimum" in " ".join(r.stdout.split())
    assert "Try this:" in r.stdout and "{" not in r.stdout


def test_unknown_lesson_and_bad_export_name(tmp_path):
    r = run("nope")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown lesson 'nope'" in r.stderr
    r = run("momentum", "--export", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "must end in .html" in r.stderr
    assert not list(tmp_path.iterdir())


def test_handout_is_self_contained_and_its_images_open(tmp_path):
    out = tmp_path / "handout.html"
    r = run("momentum", "--export", str(out))
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    assert "<title>Momentum carries the ball over a hump</title>" in page
    # Nothing outside the file: no links, scripts, frames or remote URLs.
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:)""", page)
    assert not re.search(r"https?://|<link|<script|<iframe|url\(", page)
    images = re.findall(r'src="data:image/(png|gif);base64,([A-Za-z0-9+/=]+)"', page)
    assert [kind for kind, _ in images] == ["png", "gif"]
    for kind, data in images:
        img = Image.open(io.BytesIO(base64.b64decode(data)))
        img.load()
        assert img.width >= 400 and (kind == "png" or img.n_frames > 10)
    assert "Try this:" in page and "x ≈ 1.41" in page
    assert [p.name for p in tmp_path.iterdir()] == ["handout.html"]


def test_a_task_that_changes_the_surface_shows_the_surface_it_makes(tmp_path):
    """The skip-connections handout: under each task, folded, the slice its solution trains
    and that slice's measures, the comparison the task asks for; the pictures differ."""
    import numpy as np

    from landscape_explorer.core.lessons import apply_edits, lesson, lesson_state

    out = tmp_path / "skip.html"
    r = run("skip_connections", "--export", str(out))
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    images = re.findall(r'src="data:image/(png|gif);base64,([A-Za-z0-9+/=]+)"', page)
    assert [kind for kind, _ in images] == ["png", "gif", "png", "png"]
    pictures = [np.asarray(Image.open(io.BytesIO(base64.b64decode(d))).convert("RGB"))
                for _, d in images if _ == "png"]
    assert all(p.shape[1] >= 400 for p in pictures)
    x = lesson("skip_connections")
    for t in x.tasks:
        s = lesson_state(x, apply_edits(x.scenario, t.solution)).surface
        caption = (f"{s['nonconvexity']:.0%} of the slice non-convex, {s['grid_minima']} "
                   f"local minim{'um' if s['grid_minima'] == 1 else 'a'} on the grid")
        assert caption in page
    # Three different surfaces: the pictures are not one picture three times.
    small = [np.asarray(Image.fromarray(p).resize((96, 60))).astype(int) for p in pictures]
    assert np.abs(small[0] - small[1]).mean() > 3 and np.abs(small[1] - small[2]).mean() > 3
