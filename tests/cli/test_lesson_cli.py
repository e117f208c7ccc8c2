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
