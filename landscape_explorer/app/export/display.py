"""The Qt application that offscreen pictures need, and a clear error where there is no display
to make one on (Qt itself would abort the process with lines about platform plugins)."""
from __future__ import annotations

import os
import sys

from .formats import RenderError


def ensure_qapp():
    """The QApplication, created if needed; RenderError if there is no display to render on."""
    from PyQt6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is not None:
        return app
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                  or os.environ.get("WAYLAND_DISPLAY")
                                                  or os.environ.get("QT_QPA_PLATFORM")):
        raise RenderError("no display to render on (3D needs OpenGL): run it under a virtual "
                          "X server, e.g. `xvfb-run -a landscape-explorer render ...`")
    display = os.environ.get("DISPLAY")
    if (sys.platform.startswith("linux") and display and not os.environ.get("WAYLAND_DISPLAY")
            and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb"
            and not x_display_reachable(display)):
        # Qt would abort the process with several lines about platform plugins.
        raise RenderError(f"cannot connect to the X display {display!r}: run it under a virtual "
                          "X server, e.g. `xvfb-run -a landscape-explorer render ...`")
    global _APP
    from .. import prepare_qt

    prepare_qt()  # shared GL contexts (split views), depth buffer: as the app does
    # Held here: a QApplication that Python collects takes every widget down with it.
    _APP = QtWidgets.QApplication([sys.argv[0] if sys.argv else "landscape-explorer"])
    return _APP


_APP = None


def x_display_reachable(display: str, timeout: float = 2.0) -> bool:
    """Whether an X server answers at ``display`` (":0", "unix:1.0", "host:10")."""
    import re
    import socket

    m = re.fullmatch(r"(?:(?P<host>[^:/]*)/)?(?P<h>[^:]*):(?P<n>\d+)(?:\.\d+)?", display)
    if not m:
        return True  # a form we do not know (e.g. launchd paths): let Qt try
    host, n = m.group("h"), int(m.group("n"))
    if host in ("", "unix"):
        for addr in (f"/tmp/.X11-unix/X{n}", f"\0/tmp/.X11-unix/X{n}"):
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout)
                    sock.connect(addr)
                    return True
            except OSError:
                continue
        if host == "unix":
            return False
        host = "localhost"
    try:
        with socket.create_connection((host, 6000 + n), timeout=timeout):
            return True
    except OSError:
        return False


def check_opengl():
    """RenderError unless an OpenGL context for the 3D view can be made here."""
    from ..views.view3d import opengl_available

    ok, why = opengl_available()
    if not ok:
        raise RenderError(f"cannot render the 3D view: {why}")


