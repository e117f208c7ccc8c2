"""Animation frames: each rendered once, on the GUI thread (where OpenGL lives), and handed to
an encoder thread through a short queue, so that a frame is encoded while the next one renders
and no more than a few frames are ever held, however long the animation."""
from __future__ import annotations

import queue
import threading

from landscape_explorer.core.atomic import Cancelled

QUEUE_FRAMES = 3  # frames rendered ahead of the encoder at most
_END = object()


def check_progress(progress, done: int, total: int) -> None:
    """Report progress; Cancelled if the callback says stop (returns False or raises it)."""
    if progress is not None and progress(done, total) is False:
        raise Cancelled()


def rendered_frames(scene, size, view, steps, progress=None, overlay=None):
    """One QImage (ARGB32) per step number in ``steps``, advancing the runs between them."""
    total = len(steps)
    for i, s in enumerate(steps):
        check_progress(progress, i, total)
        scene.advance_to(s)
        yield scene.image(view, *size, overlay=overlay)
    check_progress(progress, total, total)


class EncoderThread:
    """Calls ``encode(item)`` on a worker thread for every item ``put``, in order.

    Used as a context manager: leaving normally waits for every item and re-raises an error of
    the encoder; leaving by an exception (an interrupt, a cancel, a render error) drops what is
    still queued and waits only for the item being encoded, so the caller can remove the file."""

    def __init__(self, encode, depth: int = QUEUE_FRAMES):
        self._encode = encode
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frame encoder", daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is not None or self._stop.is_set():
                continue  # keep draining, so that put() never blocks on a dead encoder
            try:
                self._encode(item)
            except Exception as e:  # re-raised on the caller's thread
                self._error = e

    def _raise_error(self):
        if self._error is not None:
            raise self._error

    def put(self, item) -> None:
        self._raise_error()
        self._queue.put(item)

    def finish(self) -> None:
        """Wait until every item is encoded; re-raise the encoder's error, if any."""
        self._queue.put(_END)
        self._thread.join()
        self._raise_error()

    def abandon(self) -> None:
        """Drop queued items and stop the worker after the item it is encoding."""
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_END)
        self._thread.join()

    def __enter__(self) -> "EncoderThread":
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.finish()
        else:
            self.abandon()
