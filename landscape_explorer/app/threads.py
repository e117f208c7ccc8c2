"""Worker threads: the shape every cancellable job shares (analysis tabs, the Data panel), and
keeping a worker alive past the widget that started it."""
from __future__ import annotations

import functools
import threading

from PyQt6 import QtCore

from landscape_explorer.core.cancel import Cancelled

_LIVE_THREADS: set = set()

# A new surface's critical points (the verdicts', the Analyze panel's) are searched for this long
# after the last change of surface, and the search stops once the surface has changed again: while
# a formula is typed, each pause makes a surface, and the searches of the ones already gone
# competed with the redraw of the new one for the interpreter (seconds of work each).
SEARCH_SETTLE_MS = 300


def keep_alive(thread: QtCore.QThread):
    """Hold a worker until it finishes, whatever happens to the panel that started it: a QThread
    destroyed while running takes the process down. Workers have no Qt parent for that reason."""
    _LIVE_THREADS.add(thread)
    thread.finished.connect(functools.partial(_LIVE_THREADS.discard, thread))


class CancellableWorker(QtCore.QThread):
    """Runs ``compute()`` off the UI thread and ends with exactly one of ``done(result)``,
    ``failed(message)`` or ``cancelled()``. ``cancel()`` asks it to stop: ``compute`` passes
    ``is_cancelled`` to the core's cancel hooks, which raise Cancelled. Subclasses declare their
    own ``progress`` signal (its arguments differ)."""

    done = QtCore.pyqtSignal(object)
    failed = QtCore.pyqtSignal(str)
    cancelled = QtCore.pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cancel = threading.Event()

    def cancel(self):
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def compute(self):
        raise NotImplementedError

    def failure_text(self, e: Exception) -> str:
        """What the panel shows when compute() raised ``e``."""
        return str(e)

    def run(self):
        try:
            result = self.compute()
        except Cancelled:
            self.cancelled.emit()
            return
        except Exception as e:  # shown in the panel; the app goes on
            self.failed.emit(self.failure_text(e))
            return
        self.done.emit(result)
