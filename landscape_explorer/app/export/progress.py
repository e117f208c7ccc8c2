"""The progress dialog of a long export, and the ``progress(done, total)`` callback the writers
take (returning False cancels them)."""
from __future__ import annotations

from typing import Callable

from PyQt6 import QtCore, QtWidgets


def cancellable_progress(parent: QtWidgets.QWidget, title: str, text: str,
                         label: Callable[[int, int], str] | None = None):
    """(dialog, progress): a window-modal dialog with Cancel that appears only if the work takes
    over 300 ms, and the callback that moves it, keeps the window painting (the work runs on
    the UI thread: OpenGL renders only there) and says whether to go on. ``label(done, total)``,
    if given, rewrites the dialog's text at each call. The caller closes the dialog."""
    prog = QtWidgets.QProgressDialog(text, "Cancel", 0, 100, parent)
    prog.setWindowTitle(title)
    prog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
    prog.setMinimumDuration(300)

    def progress(done: int, total: int) -> bool:
        prog.setMaximum(max(total, 1))
        prog.setValue(done)
        if label is not None:
            prog.setLabelText(label(done, total))
        QtWidgets.QApplication.processEvents()
        return not prog.wasCanceled()

    return prog, progress
