"""Labels through the real CLI: `render` to CSV/JSON/PNG with odd but valid Unicode writes them;
a scenario whose label holds a lone surrogate is refused in one line, with no file written."""
import csv
import io
import json
import subprocess
import sys

import pytest

from landscape_explorer.core.scenario import SCHEMA

LABEL = "Adam ✓ 学习率 é مرحبا 🏔️"


def scenario(tmp_path, label):
    d = {"schema": SCHEMA, "version": 1, "title": "labels",
         "surface": {"name": "bowl", "resolution": 24}, "starts": [[-1.0, 1.0]], "steps": 6,
         "runs": [{"label": label, "optimizer": "gd", "hyperparams": {"lr": 0.1}}]}
    p = tmp_path / "scenario.json"
    p.write_text(json.dumps(d))  # ensure_ascii: the surrogate travels as a \ud800 escape
    return p


def render(*args):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", "render", *map(str, args)],
                          capture_output=True, text=True, timeout=240)


def test_valid_unicode_label_is_written_by_csv_and_json(tmp_path):
    sc = scenario(tmp_path, LABEL)
    out = render(sc, "-o", tmp_path / "t.csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    assert {r["label"] for r in rows} == {LABEL}
    out = render(sc, "-o", tmp_path / "t.json")
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["runs"][0]["label"] \
        == LABEL


def test_valid_unicode_label_renders_a_png(tmp_path):
    out = render(scenario(tmp_path, LABEL), "-o", tmp_path / "p.png", "--size", "320x200")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("ext", [".csv", ".json", ".png", ".gif"])
def test_lone_surrogate_label_is_refused_in_one_line(tmp_path, ext):
    sc = scenario(tmp_path, "bad \ud800 label")
    out = render(sc, "-o", tmp_path / f"out{ext}")
    assert out.returncode == 2, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert "runs[0].label" in lines[0] and "lone surrogate U+D800" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]
