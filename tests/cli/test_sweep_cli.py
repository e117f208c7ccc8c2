"""`landscape-explorer sweep` through a real subprocess."""
import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import landscape_explorer as le
from landscape_explorer.cli.sweep import parse_lrs


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", "sweep", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_lr_parsing():
    np.testing.assert_allclose(parse_lrs("1e-4:1:5"), [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    assert parse_lrs("0.1:0.1:1") == [0.1]
    assert parse_lrs("0.001, 0.01") == [0.001, 0.01]


@pytest.mark.parametrize("lr", ["1:0.1:3", "0:1:3", "-1:1:3", "1e-4:1:0", "1e-4:1:1000",
                                "1e-4:1", "a:b:c", "inf:1:3", "0.1,-1", "0.1,x", ""])
def test_bad_lr_is_one_line_and_exit_2(lr):
    r = run("--surface", "bowl", "--optimizer", "gd", "--lr", lr, "--starts", "4", "--steps", "5")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "--lr" in r.stderr and "Traceback" not in r.stderr


def test_json_table_csv_and_heatmap(tmp_path):
    out_csv, out_png = tmp_path / "s.csv", tmp_path / "s.png"
    r = run("--surface", "himmelblau", "--optimizer", "gd", "--optimizer", "adam", "--lr",
            "1e-3:1e-2:2", "--starts", "30", "--steps", "150", "--json", "-o", str(out_csv),
            "--png", str(out_png))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= {"cells", "best", "tuned"} and len(d["cells"]) == 4
    cell = d["cells"][0]
    for k in ("optimizer", "lr", "success_rate", "success_ci", "median_steps", "p90_steps",
              "divergence_rate", "final_loss_quantiles"):
        assert k in cell
    # The same numbers as the library.
    starts = le.sweep_starts("himmelblau", 30, seed=0)
    lib = le.sweep("himmelblau", ["gd", "adam"], [1e-3, 1e-2], starts, 150)
    assert [c["success_rate"] for c in d["cells"]] == [c.success_rate for c in lib.cells]
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 4 and float(rows[0]["success_rate"]) == lib.cells[0].success_rate
    img = np.asarray(Image.open(out_png).convert("RGB"))
    assert img.shape[0] > 200 and img.shape[1] > 400
    # The best cell of each row is outlined in red.
    red = (img[..., 0] > 200) & (img[..., 1] < 60) & (img[..., 2] < 60)
    assert red.sum() > 200


def test_bad_png_name_and_unwritable_output(tmp_path):
    r = run("--surface", "bowl", "--optimizer", "gd", "--lr", "0.1", "--starts", "4",
            "--steps", "5", "--png", str(tmp_path / "x.jpg"))
    assert r.returncode == 2 and "must end in .png" in r.stderr
    r = run("--surface", "bowl", "--optimizer", "gd", "--lr", "0.1", "--starts", "4",
            "--steps", "5", "-o", str(tmp_path / "missing" / "x.csv"))
    assert r.returncode == 2 and "cannot write" in r.stderr


def test_dask_local_gives_the_same_table():
    args = ["--surface", "rastrigin", "--optimizer", "adam", "--lr", "0.01:0.1:2", "--starts",
            "20", "--steps", "60", "--json"]
    here = json.loads(run(*args).stdout)
    r = run(*args, "--dask", "local", timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout)["cells"] == here["cells"]
