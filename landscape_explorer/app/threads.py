"""Worker threads that outlive the widget that started them (analysis tabs, the Data panel)."""
from __future__ import annotations

import functools

from PyQt6 import QtCore

_LIVE_THREADS: set = set()


def keep_alive(thread: QtCore.QThread):
    """Hold a worker until it finishes, whatever happens to the panel that started it: a QThread
    destroyed while running takes the process down. Workers have no Qt parent for that reason."""
    _LIVE_THREADS.add(thread)
    thread.finished.connect(functools.partial(_LIVE_THREADS.discard, thread))
