"""Checks of user-given parameters, shared by the whole core.

Every check raises ``ParameterError``, a ``ValueError`` that carries the parameter's name in
``.name`` (so a caller such as the scenario loader can point at the field without parsing the
message), with a one-line message naming the parameter, the bad value and what is allowed:
``invalid lr: -1.0 (must be a finite number >= 0)``.
"""
from __future__ import annotations

import math
import os
from typing import Any, Iterable

import numpy as np


MEMORY_FRACTION = 0.25  # of the machine's memory: the most one computation may plan to hold


def memory_budget() -> int:
    """Bytes one computation may plan to hold: MEMORY_FRACTION of the machine's physical memory
    (of 16 GiB where the machine does not say)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 * 2 ** 30
    return int(total * MEMORY_FRACTION)


class ParameterError(ValueError):
    """A parameter has a bad value; ``name`` is the parameter (``"lr"``, ``"betas"``...)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def is_real(v: Any) -> bool:
    """True for a Python or numpy int or float (bool is not a number here)."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def is_int(v: Any) -> bool:
    """True for a Python or numpy integer (bool is not an integer here)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be written as UTF-8 (a file, a CSV cell, a picture's label), or None.
    Any valid Unicode is fine (accents, CJK, emoji, right-to-left); a lone surrogate (U+D800 to
    U+DFFF on its own, which JSON's \\ud800 escape and some clipboards produce) is no character at
    all, and no encoder can write it."""
    for i, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            return f"not valid Unicode: a lone surrogate U+{ord(ch):04X} at character {i + 1}"
    return None


def check_text(name: str, text: Any) -> str:
    """``text`` if it is a str of valid Unicode; else ParameterError naming ``name``."""
    if not isinstance(text, str):
        raise ParameterError(name, f"invalid {name}: {shown(text)} (must be text)")
    problem = text_problem(text)
    if problem is not None:
        raise ParameterError(name, f"invalid {name}: {problem}")
    return text


MAX_SHOWN = 40  # characters of a bad value that a message repeats


def shown(v: Any) -> str:
    """A bad value as a message repeats it: its repr, shortened when long (a 400-digit integer
    is "an integer of 400 digits", a long string its start and length), so that a message stays
    one short line whatever was given."""
    if is_int(v) and abs(int(v)).bit_length() > 64:
        # str() of a huge int can itself fail (Python's 4300-digit limit): count from the bits
        return f"an integer of about {int(abs(int(v)).bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(v)
    except RecursionError:
        return f"a deeply nested {type(v).__name__}"
    if len(text) > MAX_SHOWN:
        return f"{text[:MAX_SHOWN - 10]}... ({len(text)} characters)"
    return text


def as_finite_float(v: Any) -> float | None:
    """v as a float if it is a finite real number (an integer too large for a float is not),
    else None. Never raises."""
    if not is_real(v):
        return None
    try:
        f = float(v)
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _num(v: float) -> str:
    return f"{v:g}"


def range_text(low: float | None = None, high: float | None = None, low_open: bool = False,
               high_open: bool = False, integer: bool = False) -> str:
    """What a range allows, in the words of the error messages: ``a finite number >= 0``,
    ``in [0, 1)``, ``an integer >= 1``."""
    what = "an integer" if integer else "a finite number"
    if low is not None and high is not None:
        return (f"in {'(' if low_open else '['}{_num(low)}, {_num(high)}"
                f"{')' if high_open else ']'}")
    if low is not None:
        return f"{what} {'>' if low_open else '>='} {_num(low)}"
    if high is not None:
        return f"{what} {'<' if high_open else '<='} {_num(high)}"
    return what


def in_range(v: float, low: float | None, high: float | None, low_open: bool = False,
             high_open: bool = False) -> bool:
    """Whether the finite number v lies in the range (None: unbounded on that side)."""
    if low is not None and (v <= low if low_open else v < low):
        return False
    if high is not None and (v >= high if high_open else v > high):
        return False
    return True


def check_real(name: str, v: Any, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, label: str | None = None) -> float:
    """v must be a finite real number in the range; returns it as a float. ``label`` replaces
    the name in the message (``betas[0]``) while the error still carries ``name``."""
    f = as_finite_float(v)
    if f is None or not in_range(f, low, high, low_open, high_open):
        raise ParameterError(name, f"invalid {label or name}: {shown(v)} "
                                   f"(must be {range_text(low, high, low_open, high_open)})")
    return f


MAX_INT = 10 ** 15  # the largest integer parameter without a stated bound (exact as a float)


def check_int(name: str, v: Any, low: int | None = None, high: int | None = None) -> int:
    """v must be an integer (not a bool, not a float) in [low, high]; returns it as an int. With
    no ``high``, ``MAX_INT`` bounds it: every count here ends up in float arithmetic."""
    if high is None:
        high = MAX_INT
    if not is_int(v) or not in_range(v, low, high):
        raise ParameterError(name, f"invalid {name}: {shown(v)} "
                                   f"(must be {range_text(low, high, integer=True)})")
    return int(v)


def check_bounds(bounds: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """((xmin, xmax), (ymin, ymax)) as floats, finite, each min < max; ParameterError 'bounds'
    otherwise."""
    try:
        (x0, x1), (y0, y1) = bounds
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError, OverflowError):
        raise ParameterError("bounds", f"invalid bounds: {shown(bounds)} (must be ((xmin, xmax), "
                                       "(ymin, ymax)))") from None
    if not all(map(math.isfinite, (x0, x1, y0, y1))) or not (x0 < x1 and y0 < y1):
        raise ParameterError("bounds", f"invalid bounds: {shown(bounds)} (must be finite with "
                                       "min < max)")
    return (x0, x1), (y0, y1)


def check_nonneg(name: str, v: Any) -> float:
    """v must be a finite number >= 0."""
    return check_real(name, v, low=0.0)


def check_positive(name: str, v: Any) -> float:
    """v must be a finite number > 0."""
    return check_real(name, v, low=0.0, low_open=True)


def check_bool(name: str, v: Any) -> bool:
    """v must be True or False (not 0, 1 or a string)."""
    if not isinstance(v, (bool, np.bool_)):
        raise ParameterError(name, f"invalid {name}: {shown(v)} (must be True or False)")
    return bool(v)


def check_choice(name: str, v: Any, choices: Iterable[str]) -> str:
    """v must be one of the given strings."""
    choices = tuple(choices)
    if not isinstance(v, str) or v not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(name, f"invalid {name}: {shown(v)} (must be one of {listed})")
    return v


def check_callable(name: str, v: Any) -> None:
    """v must be None or callable (progress and cancel callbacks)."""
    if v is not None and not callable(v):
        raise ParameterError(name, f"invalid {name}: {shown(v)} (must be callable or None)")
