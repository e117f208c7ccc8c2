"""GIFs written frame by frame, and frames encoded on a worker thread: the file grows as frames
are added, memory stays that of a few frames however long the animation, and an error or an
interrupt on either side stops both and leaves no file."""
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from PIL import Image

from landscape_explorer.app.export.frames import EncoderThread
from landscape_explorer.app.export.gif import GifStream, frame_delays_ms
from landscape_explorer.app.export.images import palette_image


def test_gif_stream_writes_each_frame_as_it_comes(tmp_path):
    rng = np.random.default_rng(0)
    colors = np.array([[230, 159, 0], [86, 180, 233], [30, 30, 30], [250, 250, 250]],
                      dtype=np.uint8)
    frames = [colors[rng.integers(0, 4, size=(24, 40))] for _ in range(5)]
    palette = palette_image(frames[:1], 256, keep=["#E69F00", "#56B4E9"])
    path = tmp_path / "a.gif"
    sizes = []
    with open(path, "wb") as fh:
        gif = GifStream(fh, (40, 24), palette)
        for i, f in enumerate(frames):
            gif.add_rgb(f, 100 + 10 * i)
            fh.flush()
            sizes.append(os.path.getsize(path))
        gif.close()
    assert all(b > a for a, b in zip(sizes, sizes[1:]))  # on disk at once, not at the end
    with Image.open(path) as im:
        assert im.n_frames == 5 and im.size == (40, 24) and im.info["loop"] == 0
        for i, f in enumerate(frames):
            im.seek(i)
            assert im.info["duration"] == 100 + 10 * i
            np.testing.assert_array_equal(np.asarray(im.convert("RGB")), f)  # exact colors


def test_delays_hold_the_last_frame():
    assert frame_delays_ms(4, 30) == [33, 33, 33, 1500]
    assert frame_delays_ms(3, 120) == [20, 20, 1500]  # browsers slow shorter delays
    assert frame_delays_ms(1, 1) == [1500]


def test_encoder_thread_encodes_in_order_off_the_callers_thread():
    seen = []
    with EncoderThread(lambda item: seen.append((item, threading.current_thread().name))) \
            as enc:
        for i in range(20):
            enc.put(i)
    assert [i for i, _ in seen] == list(range(20))
    assert {name for _, name in seen} == {"frame encoder"}


def test_encoder_error_reaches_the_caller():
    def encode(item):
        if item == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with EncoderThread(encode, depth=1) as enc:
            for i in range(50):
                enc.put(i)


def test_an_error_on_the_callers_side_stops_the_encoder():
    seen = []
    gate = threading.Event()

    def encode(item):
        gate.wait(5)
        seen.append(item)

    enc = EncoderThread(encode, depth=2)
    with pytest.raises(KeyboardInterrupt):
        with enc:
            enc.put(0)
            enc.put(1)
            gate.set()
            raise KeyboardInterrupt
    assert "frame encoder" not in {t.name for t in threading.enumerate()}
    assert len(seen) <= 2


def test_a_long_gif_keeps_memory_bounded(tmp_path):
    """The peak memory of a 1,200-frame GIF is about that of a 120-frame one (Pillow's
    save_all held every frame: 100,000 frames grew past 3 GB)."""
    script = textwrap.dedent("""
        import sys
        from landscape_explorer.app.export import render
        from landscape_explorer.core.scenario import example_path, load_scenario

        def rss_kb():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])

        peaks = {}
        def progress(done, total):
            peaks[done] = rss_kb()

        n = int(sys.argv[2])
        render.render_scenario(load_scenario(example_path("local_minimum")), sys.argv[1],
                               size=(200, 200), frames=n, progress=progress, overlay=False)
        early = max(v for k, v in peaks.items() if k <= 150)
        print(early, max(peaks.values()))
    """)
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/status")
    path = tmp_path / "long.gif"
    r = subprocess.run([sys.executable, "-c", script, str(path), "1200"], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    early, peak = (int(v) for v in r.stdout.split())
    with Image.open(path) as im:
        assert im.n_frames == 1200
    # 1,050 more frames of 200x200 held in memory would be over 40 MB (P images and RGB
    # arrays); written as they come, memory stays within noise of what it was at frame 150.
    assert peak - early < 12_000, (early, peak)
