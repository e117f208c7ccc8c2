"""How a verdict looks, the same everywhere it is shown: the run table, split-view tile labels,
the status bar and exported pictures."""
from __future__ import annotations

from dataclasses import dataclass

from landscape_explorer.core.critical import format_number


@dataclass(frozen=True)
class VerdictStyle:
    icon: str  # one character, readable in any font Qt ships with
    color: str  # "#rrggbb", legible on the light table and the dark 3D background alike
    label: str  # a few words: what the table's Verdict column says
    short: str = ""  # one or two words, for a narrow table


VERDICT_STYLES = {
    "global_min": VerdictStyle("✓", "#2ca02c", "global minimum", "global min"),
    "local_min": VerdictStyle("✗", "#d62728", "local minimum", "local min"),
    "saddle": VerdictStyle("⋈", "#e377c2", "stalled at saddle", "saddle"),
    "plateau": VerdictStyle("≈", "#b8860b", "on a plateau", "plateau"),
    "diverged": VerdictStyle("↯", "#ff7f0e", "diverged", "diverged"),
    "left_domain": VerdictStyle("⊘", "#8c564b", "left the domain", "off domain"),
    "moving": VerdictStyle("→", "#1f77b4", "moving", "moving"),
    "stationary_start": VerdictStyle("■", "#9467bd", "stationary start", "stationary"),
    "not_started": VerdictStyle("○", "#7f7f7f", "not started", "not started"),
    "error": VerdictStyle("!", "#d62728", "error", "error"),
    "pending": VerdictStyle("·", "#7f7f7f", "analyzing…", "…"),
}


def verdict_style(kind: str) -> VerdictStyle:
    """The style of a verdict kind (core.verdicts.VERDICT_KINDS, 'error' for a run that failed,
    'pending' while the surface's critical points are being found)."""
    return VERDICT_STYLES[kind]


def verdict_label(verdict, short: bool = False) -> str:
    """The label of a core Verdict: its style's label (or short label), with the loss gap for a
    local minimum ("local minimum +2.94")."""
    style = verdict_style(verdict.kind)
    label = style.short if short and style.short else style.label
    if verdict.kind == "local_min" and verdict.gap == verdict.gap:  # not NaN
        label += f" +{format_number(verdict.gap)}" if not short else f" +{verdict.gap:.3g}"
    return label
