"""Timing shared by the benchmark scripts (run as `python benchmarks/NAME.py`, so this folder is
on the import path)."""
from __future__ import annotations

import time


def best_of(repeat, fn):
    """(the fastest of ``repeat`` wall-clock timings of fn(), the last result): the minimum is the
    run least disturbed by the rest of a shared machine."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
