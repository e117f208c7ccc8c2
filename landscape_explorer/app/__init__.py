"""The desktop app (PyQt6 + pyqtgraph.opengl). ``main()`` opens the main window.

Import what you need from the submodules (``app.main_window.MainWindow``, ``app.model.AppModel``);
this package itself imports no Qt until ``main`` runs, so ``import landscape_explorer.app`` is
cheap.
"""
from __future__ import annotations

import os
import sys

__all__ = ["display_problem", "main", "prepare_qt"]

NO_DISPLAY_HINT = "run it under a virtual X server (`xvfb-run -a landscape-explorer`) or set DISPLAY"


def display_problem() -> str | None:
    """One line saying why no window can open here (Linux with no reachable X display), or None.
    Qt itself would abort the process with several lines about platform plugins."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # a platform chosen on purpose (wayland, offscreen, vnc): Qt's business
    if os.environ.get("WAYLAND_DISPLAY") and not platform:
        return None
    display = os.environ.get("DISPLAY")
    if not display:
        return f"no display to open the window on: {NO_DISPLAY_HINT}"
    from .export.render import x_display_reachable

    if not x_display_reachable(display):
        return f"cannot connect to the X display {display!r}: {NO_DISPLAY_HINT}"
    return None


def prepare_qt():
    """Settings that must be made before the QApplication exists."""
    from PyQt6 import QtCore, QtGui

    # All GL views (main and split) share one context group, so pyqtgraph's per-class shader
    # programs and our buffers are valid in every view.
    QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    fmt = QtGui.QSurfaceFormat()
    fmt.setDepthBufferSize(24)
    QtGui.QSurfaceFormat.setDefaultFormat(fmt)


def main(argv=None) -> int:
    """Open the app; returns the exit code of the Qt event loop."""
    import time

    t0 = time.perf_counter()
    from PyQt6 import QtCore, QtWidgets

    argv = list(sys.argv[:1] if argv is None else ["landscape-explorer", *argv])
    app = QtWidgets.QApplication.instance()
    if app is None:
        prepare_qt()
        app = QtWidgets.QApplication(argv)
    app.setApplicationName("landscape-explorer")
    app.setOrganizationName("landscape-explorer")
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    window.startup_seconds = time.perf_counter() - t0
    code = app.exec()
    # The window is destroyed by Qt, not by the garbage collector (see main_window): now, while
    # the application still exists.
    window.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete.value)
    return code
