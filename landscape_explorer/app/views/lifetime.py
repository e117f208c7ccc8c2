"""How long views live: connections to longer-lived objects that end with the view, and holding
a top-level widget until Qt, not Python's garbage collector, destroys it.

A view subscribes to the model and the engine, which outlive it (split views come and go). A
connection to a lambda or a plain function survives the view's C++ object, and the next signal
would call into a deleted widget (``RuntimeError: wrapped C/C++ object ... has been deleted``).
``Subscriptions`` records each connection and breaks them all when the view is destroyed.
"""
from __future__ import annotations

import functools

from PyQt6 import QtCore, QtWidgets


class Subscriptions:
    """Connections from other objects' signals to one owner's slots, broken together."""

    def __init__(self, owner):
        self._links: list = []
        # The handler holds only this object (no reference to the owner's wrapper).
        owner.destroyed.connect(self.disconnect_all)

    def connect(self, signal, slot) -> None:
        # The connection handle, not the signal: disconnecting through it is safe even when
        # the sender went first (at exit), where the bound signal would touch freed memory.
        self._links.append(signal.connect(slot))

    def disconnect_all(self, *_) -> None:
        links, self._links = self._links, []
        for link in links:
            try:
                QtCore.QObject.disconnect(link)
            except (TypeError, RuntimeError):  # already broken with the sender
                pass

    def __len__(self) -> int:
        return len(self._links)


# Every top-level widget held here until Qt destroys it. Its Python object sits in reference
# cycles (slots that capture it, the model's connections to its views), so without this the
# cyclic garbage collector would delete the C++ widget whenever it happens to run, in the
# middle of Qt code (e.g. while a QGraphicsScene iterates its items). Widgets are destroyed by
# Qt instead (deleteLater, or their parent), at a safe point of the event loop; the entry goes
# with the C++ object.
_LIVE_WIDGETS: dict[int, QtWidgets.QWidget] = {}


def keep_until_destroyed(widget: QtWidgets.QWidget) -> None:
    key = id(widget)
    _LIVE_WIDGETS[key] = widget
    # Only an int and the dict's method: nothing the garbage collector could clear under it.
    widget.destroyed.connect(functools.partial(_LIVE_WIDGETS.pop, key, None))
