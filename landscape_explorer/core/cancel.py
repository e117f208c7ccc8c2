"""The one cancel protocol of long computations (basin maps, exports, sweeps).

A long computation takes ``cancel``, a callable that returns True once the caller wants it to
stop; the computation polls it between pieces of work and raises ``Cancelled``. Nothing it would
have written is left behind.
"""
from __future__ import annotations

from typing import Callable, Optional

CancelCheck = Optional[Callable[[], bool]]


class Cancelled(Exception):
    """A long computation stopped because its ``cancel`` callback returned True."""


def check_cancel(cancel: CancelCheck, what: str = "computation") -> None:
    """Raise ``Cancelled`` if ``cancel`` is given and returns True."""
    if cancel is not None and cancel():
        raise Cancelled(f"{what} cancelled")
