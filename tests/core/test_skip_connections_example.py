"""examples/skip_connections.py: with the seed it uses, the network with skip connections has
the less non-convex slice and no more local minima, as the example prints and the paper says."""
import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "skip_connections.py"


def load_example():
    spec = importlib.util.spec_from_file_location("skip_connections_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_skip_connections_smooth_the_slice_with_the_examples_seed(tmp_path):
    ex = load_example()
    results = ex.compare()  # the example's own depth, width, data and seed
    (plain, nc_plain, min_plain), (skip, nc_skip, min_skip) = results[False], results[True]
    assert plain.network.skip is False and skip.network.skip is True
    assert plain.network.sizes == skip.network.sizes == (2,) + (ex.WIDTH,) * ex.DEPTH + (1,)
    assert nc_skip < nc_plain
    assert min_skip <= min_plain
    out = tmp_path / "split.png"
    ex.picture(results, str(out), size=120, samples=30)
    arr = np.asarray(Image.open(out).convert("RGB"))
    half = arr.shape[1] // 2
    assert arr.shape[0] > 120 and arr[:, :half].std() > 10 and arr[:, half:].std() > 10
    assert not np.array_equal(arr[:, :half][:, :half - 8], arr[:, half:][:, :half - 8])
