"""How a verdict looks, the same everywhere it is shown: the run table, split-view tile labels,
the status bar and exported pictures."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerdictStyle:
    icon: str  # one character, readable in any font Qt ships with
    color: str  # "#rrggbb", legible on the light table and the dark 3D background alike
    label: str  # a few words: what the table's Verdict column says


VERDICT_STYLES = {
    "global_min": VerdictStyle("✓", "#2ca02c", "global minimum"),
    "local_min": VerdictStyle("✗", "#d62728", "local minimum"),
    "saddle": VerdictStyle("⨯", "#e377c2", "stalled at saddle"),
    "plateau": VerdictStyle("…", "#bcbd22", "crawling on plateau"),
    "diverged": VerdictStyle("↯", "#ff7f0e", "diverged"),
    "moving": VerdictStyle("→", "#1f77b4", "moving"),
    "not_started": VerdictStyle("○", "#7f7f7f", "not started"),
}


def verdict_style(kind: str) -> VerdictStyle:
    """The style of a verdict kind (core.verdicts.VERDICT_KINDS, or 'not_started')."""
    return VERDICT_STYLES[kind]
