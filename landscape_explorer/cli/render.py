"""`landscape-explorer render SCENARIO.json -o out.png|out.gif|out.mp4`: pictures without a window.

Every error is one line and a non-zero exit, and no
output file is left half-written. OpenGL needs a display: on a headless machine run it under
``xvfb-run -a``.
"""
from __future__ import annotations

import os
import re
import sys

from ..core.validation import shown
from .common import UsageError

EXIT_FAILED = 1  # the render itself failed (no OpenGL, disk full, ...); bad arguments exit 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as a shell reports a process killed by SIGINT
BAR_WIDTH = 30


class Progress:
    """Frame progress on a stream: a bar redrawn in place on a terminal, a plain line every
    10% otherwise (a log file or a CI console gets a few lines, not a thousand)."""

    def __init__(self, stream, what: str):
        self.stream = stream
        self.what = what
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last_decile = -1
        self.open_line = False

    def __call__(self, done: int, total: int):
        total = max(int(total), 1)
        done = min(max(int(done), 0), total)
        if self.tty:
            filled = BAR_WIDTH * done // total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stream.write(f"\r{self.what} [{bar}] {done}/{total} frames")
            self.open_line = done < total
            if done == total:
                self.stream.write("\n")
        else:
            decile = 10 * done // total
            if decile == self.last_decile:
                return
            self.last_decile = decile
            self.stream.write(f"{self.what}: {done}/{total} frames ({100 * done // total}%)\n")
        self.stream.flush()

    def abandon(self):
        """End a half-drawn bar so that the next message starts on its own line."""
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False



def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,9})\s*[xX×]\s*(\d{1,9})\s*", text)
    if not m:
        raise UsageError(f"invalid size {shown(text)}: expected WIDTHxHEIGHT such as 1920x1080")
    return int(m.group(1)), int(m.group(2))


def add_subcommand(sub) -> None:
    p = sub.add_parser(
        "render", help="render a scenario file to PNG, GIF or MP4 (no window; needs OpenGL: "
                       "use xvfb-run -a on a machine with no display), or its trajectories "
                       "to CSV or JSON")
    p.add_argument("scenario", metavar="SCENARIO",
                   help="a scenario .json file, or the name of a bundled example")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file: .png, .gif, .mp4, or .csv/.json for the trajectories "
                        "(the format follows the extension)")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="pixels (default 1280x800)")
    p.add_argument("--fps", default="30", metavar="N", help="frames per second (GIF, MP4)")
    p.add_argument("--frames", default=None, metavar="N",
                   help="number of animation frames from step 0 to the scenario's last step "
                        "(default: 4 seconds' worth, at most one per step)")
    p.add_argument("--steps", default=None, metavar="N",
                   help="run to this step instead of the scenario's own")
    p.add_argument("--view", default="3d", choices=("3d", "2d", "loss", "composite"),
                   help="what to draw (default 3d; composite puts 3D, 2D and loss side by side)")
    p.add_argument("--transparent", action="store_true", help="transparent background (PNG)")
    p.add_argument("--colors", default=None, metavar="N",
                   help="PNG with at most N colors (2..256, a palette image): several times "
                        "smaller, for web pages and READMEs")
    p.add_argument("--no-legend", action="store_true",
                   help="no title, legend or step counter on the picture")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(func=cmd_render)


def _int_arg(name, text, lo, hi):
    try:
        if len(str(text)) > 20:
            raise ValueError
        v = int(text)
    except (TypeError, ValueError):
        raise UsageError(f"invalid {name} {shown(text)}: expected a whole number") from None
    if not lo <= v <= hi:
        raise UsageError(f"invalid {name} {v}: must be {lo}..{hi}")
    return v


def cmd_render(args) -> int:
    from ..core.scenario import ScenarioError, example_names, example_path, load_scenario

    size = parse_size(args.size)
    fps = _int_arg("--fps", args.fps, 1, 120)
    frames = None if args.frames is None else _int_arg("--frames", args.frames, 1, 100_000)
    colors = None if args.colors is None else _int_arg("--colors", args.colors, 2, 256)
    path = args.scenario
    if not os.path.exists(path):
        if path in example_names():
            path = example_path(path)
        elif not path.lower().endswith(".json") and os.sep not in path:
            raise UsageError(f"{path}: no such file or bundled example; examples: "
                             f"{', '.join(example_names())}")
    try:
        sc = load_scenario(path)
        if args.steps is not None:
            sc.steps = _int_arg("--steps", args.steps, 0, 1_000_000)
    except ScenarioError as e:
        raise UsageError(str(e)) from None

    # Argument checks that need no display come first, so that they fail fast anywhere.
    from ..app.export import render

    try:
        ext = render.output_format(args.output)
        if args.transparent and ext != ".png":
            raise render.RenderError("--transparent is only possible with a .png output")
        if colors is not None and ext != ".png":
            raise render.RenderError("--colors is only possible with a .png output")
        for name, v in zip(("width", "height"), size):
            if not render.MIN_SIDE <= v <= render.MAX_SIDE:
                raise render.RenderError(f"invalid --size {args.size}: {name} must be "
                                         f"{render.MIN_SIDE}..{render.MAX_SIDE} pixels")
        if ext == ".mp4" and (size[0] % 2 or size[1] % 2):
            raise render.RenderError(f"invalid --size {args.size}: MP4 (H.264) needs an even "
                                     "width and height")
        render.check_output(args.output)
    except render.RenderError as e:
        raise UsageError(str(e)) from None

    if len(sc.starts) > 1 and ext not in (".csv", ".json") and not args.quiet:
        print(f"note: pictures show the first of the {len(sc.starts)} start points (the app runs "
              "every optimizer from one start); .csv and .json outputs hold them all",
              file=sys.stderr)
    animated = ext in (".gif", ".mp4")
    progress = Progress(sys.stderr, f"rendering {os.path.basename(args.output)}") \
        if animated and not args.quiet else None
    try:
        with InterruptLatch() as latch:
            render.render_scenario(sc, args.output, size=size, fps=fps, frames=frames,
                                   view=args.view, transparent=args.transparent,
                                   overlay=False if args.no_legend else None, colors=colors,
                                   progress=latch.checked(progress))
    except render.RenderError as e:
        if progress is not None:
            progress.abandon()
        return _fail(args, str(e))
    except OSError as e:
        return _fail(args, f"{args.output}: {e.strerror or e}")
    except MemoryError:
        return _fail(args, "out of memory: try a smaller --size or fewer --frames")
    except KeyboardInterrupt:
        # The file is written to a temporary name and renamed only when complete
        # (core.atomic): an interrupted render leaves nothing behind.
        if progress is not None:
            progress.abandon()
        print(f"landscape-explorer render: interrupted; {args.output} was not written",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as e:  # never a traceback: one line saying what broke
        return _fail(args, f"render failed: {type(e).__name__}: {' '.join(str(e).split())}")
    if not args.quiet:
        what = "" if ext in (".csv", ".json") else f" ({size[0]}x{size[1]})"
        print(f"wrote {args.output}{what}")
    return 0


class InterruptLatch:
    """Ctrl+C (and SIGTERM) during a render, remembered.

    The signal still raises KeyboardInterrupt at once, as usual; but when it lands inside a Qt
    callback (paintGL while a frame renders) PyQt catches it there and the render would go on.
    The latch remembers the signal, and every frame tick raises it again from our own code, so
    an interrupt always interrupts, and the file (written under a temporary name) is never
    renamed into place."""

    def __init__(self):
        self.signum = None
        self._old = {}
        self._old_hook = None

    def __enter__(self) -> "InterruptLatch":
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._on_signal)
        # PyQt reports an exception it caught in a callback through sys.excepthook: an
        # interrupt caught there is re-raised at the next tick, not printed as a traceback.
        self._old_hook = sys.excepthook
        sys.excepthook = self._hook
        return self

    def __exit__(self, *exc) -> None:
        import signal

        sys.excepthook = self._old_hook
        for sig, old in self._old.items():
            signal.signal(sig, old)
        if exc[0] is None:
            self.raise_if_interrupted()

    def _hook(self, kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            self.signum = self.signum or 2
            return
        self._old_hook(kind, value, tb)

    def _on_signal(self, signum, frame):
        self.signum = signum
        raise KeyboardInterrupt()

    def raise_if_interrupted(self) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt()

    def checked(self, progress):
        """A progress callback that first raises a remembered interrupt."""
        def tick(done, total):
            self.raise_if_interrupted()
            return None if progress is None else progress(done, total)
        return tick


def _fail(args, message: str) -> int:
    print(f"landscape-explorer render: error: {message}", file=sys.stderr)
    return EXIT_FAILED
