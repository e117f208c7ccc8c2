"""Each run's verdict, kept current while the runs step: the status the run table, the split
view's tile labels and the status bar show.

A verdict costs a critical point search per surface (about a second on a slow machine, cached by
the core, done here in a background thread) and a Newton search per run. While the runs play,
verdicts are recomputed a few times per second; when they are paused or stepped by hand, at once.

Any view gets the one instance of its engine with ``live_verdicts_for(engine)`` and listens to
``changed``; ``verdict(run_id)`` is a core ``Verdict`` (or None while the critical points of a
new surface are being found, or for a run that failed).
"""
from __future__ import annotations

import html
import threading
import weakref

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.cancel import Cancelled
from landscape_explorer.core.critical import PointLocator, ResolutionError, check_resolvable, \
    critical_points, has_cached_critical_points
from landscape_explorer.core.verdicts import Verdict, verdicts_at

from .threads import SEARCH_SETTLE_MS
from .verdict_style import verdict_label, verdict_style

THROTTLE_MS = 250  # while playing: verdicts at most four times a second
POLL_MS = 100  # while the critical point search runs in its thread
MESSAGE_SHARE = 0.67  # of the status bar's width, at most, for the verdicts summary

_INSTANCES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def live_verdicts_for(engine) -> "LiveVerdicts":
    """The LiveVerdicts of a RunEngine (made on first use, one per engine)."""
    lv = _INSTANCES.get(engine)
    if lv is None:
        lv = LiveVerdicts(engine.model, engine, parent=engine)
        _INSTANCES[engine] = lv
    return lv


class LiveVerdicts(QtCore.QObject):
    changed = QtCore.pyqtSignal()  # some run's verdict changed (or all were recomputed)

    def __init__(self, model, engine, parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self._verdicts: dict[int, Verdict] = {}
        self._keys: dict[int, tuple] = {}  # run id -> engine.draw_key at its verdict
        self._locator: PointLocator | None = None
        self._searching: set = set()  # surfaces whose critical points a thread is finding
        self._failed: dict = {}  # surface -> why its critical point search failed
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.refresh)
        self._search_timer = QtCore.QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_SETTLE_MS)
        self._search_timer.timeout.connect(self._start_search)
        engine.stepped.connect(self._on_stepped)
        engine.restarted.connect(self.refresh)
        engine.finished.connect(self.refresh)
        model.surfaceChanged.connect(self._on_surface)
        model.runsChanged.connect(self.refresh)
        model.runChanged.connect(lambda _id: self._schedule())
        self._on_surface()

    # ------------------------------------------------------------------ reading
    def verdict(self, run_id: int) -> Verdict | None:
        return self._verdicts.get(run_id)

    def verdicts(self) -> dict[int, Verdict]:
        return dict(self._verdicts)

    @property
    def failure(self) -> str | None:
        """Why the current surface has no verdicts (its critical point search failed), or None."""
        return self._failed.get(self.model.surface)

    @property
    def ready(self) -> bool:
        """Whether the current surface's critical points are known (verdicts can be given)."""
        return self._locator is not None

    # ------------------------------------------------------------------ scheduling
    def _on_stepped(self):
        if self.model.playing:
            self._schedule()
        else:
            self.refresh()  # a single step or the last steps of a run: say it at once

    def _schedule(self):
        if not self.timer.isActive():
            self.timer.start(THROTTLE_MS if self._locator is not None else POLL_MS)

    def _on_surface(self, *_):
        self._locator = None
        self._verdicts.clear()
        self._keys.clear()
        surf = self.model.surface
        if has_cached_critical_points(surf) and surf not in self._failed:
            self._search_timer.stop()
            self._locator = self._make_locator(surf)
        elif surf not in self._searching and surf not in self._failed:
            self._search_timer.start()  # (again): once the surface has settled
        self.refresh()

    def _start_search(self):
        surf = self.model.surface
        if surf in self._searching or surf in self._failed or has_cached_critical_points(surf):
            return
        # Keyed by the surface itself: a typed formula's parameter change keeps its name.
        self._searching.add(surf)
        model = self.model

        def search(s=surf):
            try:
                # Fills the core's cache, polled by refresh; stops if the surface is replaced.
                critical_points(s, cancel=lambda: model.surface is not s)
                check_resolvable(s)  # bounds it cannot resolve: say so, no wrong kinds
            except Cancelled:
                pass  # another surface is shown; this one is searched again if it comes back
            except ResolutionError as e:
                self._failed[s] = str(e)
            except Exception as e:  # a surface the search cannot handle: no verdicts
                self._failed[s] = f"{type(e).__name__}: {e}"
            finally:
                self._searching.discard(s)

        threading.Thread(target=search, name=f"critical-{surf.name}", daemon=True).start()

    def _make_locator(self, surf) -> PointLocator | None:
        """The surface's PointLocator, or None (the reason kept for failure()) where its bounds
        are outside what the critical-point search can resolve."""
        try:
            return PointLocator(surf)
        except ResolutionError as e:
            self._failed[surf] = str(e)
            return None

    # ------------------------------------------------------------------ computing
    def refresh(self):
        """Recompute the verdicts of runs that moved since their last verdict."""
        surf = self.model.surface
        if self._locator is None or self._locator.surf != surf:
            if surf in self._failed:
                self._verdicts.clear()
                self._keys.clear()
                self.changed.emit()
                return
            if not has_cached_critical_points(surf):
                self._verdicts.clear()
                self._keys.clear()
                if surf not in self._failed:
                    self.timer.start(POLL_MS)
                self.changed.emit()
                return
            self._locator = self._make_locator(surf)
            if self._locator is None:
                self.changed.emit()
                return
        ids = set(self.engine.run_ids())
        changed = False
        for rid in list(self._verdicts):
            if rid not in ids:
                del self._verdicts[rid]
                self._keys.pop(rid, None)
                changed = True
        # Runs at the same step share one call (one batched Newton search).
        groups: dict[int, list] = {}
        for rid in ids:
            state = self.engine.state(rid)
            key = self.engine.draw_key(rid)
            if state.status == "error":
                if self._verdicts.pop(rid, None) is not None:
                    changed = True
                self._keys.pop(rid, None)
                continue
            if self._keys.get(rid) == key and rid in self._verdicts:
                continue
            groups.setdefault(state.step, []).append((rid, key))
        for step, members in groups.items():
            xy, status, taken, starts, left = [], [], [], [], []
            for rid, _key in members:
                st = self.engine.stepper(rid)
                xy.append(st.positions[0])
                status.append(str(st.status[0]))
                taken.append(int(st.steps_taken[0]))
                starts.append(st.starts[0])
                left.append(bool(st.left_domain[0]))
            vs = verdicts_at(surf, np.array(xy), status=status, steps_taken=taken, steps=step,
                             starts=np.array(starts), locator=self._locator, left_domain=left)
            for (rid, key), v in zip(members, vs):
                if self._verdicts.get(rid) != v:
                    changed = True
                self._verdicts[rid] = v
                self._keys[rid] = key
        if changed:
            self.changed.emit()


class VerdictStatusLabel(QtWidgets.QLabel):
    """The status bar's summary: each enabled run's color dot and verdict (icon, color and label
    as in the run table). When the bar is too narrow for the labels, only the icons show; the
    tooltip has every run's verdict in full."""

    def __init__(self, model, engine, parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.verdicts = live_verdicts_for(engine)
        self.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self.verdicts.changed.connect(self.refresh)
        model.runsChanged.connect(self.refresh)
        model.runChanged.connect(lambda _id: self.refresh())
        self._full = self._short = self._icons = self._plain = ""
        self._filtering = False  # watching the status bar's resizes
        self.refresh()

    def _entries(self):
        out = []
        for r in self.model.runs:
            if not r.enabled or r.id not in self.engine.run_ids():
                continue
            v = self.verdicts.verdict(r.id)
            if self.engine.state(r.id).status == "error":
                style, label, detail = verdict_style("error"), "error", "failed to step"
            elif v is None and self.verdicts.failure:
                style, label = verdict_style("pending"), "no verdict"
                detail = f"no verdict: the critical point search failed ({self.verdicts.failure})"
            elif v is None:
                style = verdict_style("pending")
                label, detail = style.label, "finding the surface's critical points"
            else:
                style, label, detail = verdict_style(v.kind), verdict_label(v), v.detail
            out.append((r, style, label, detail))
        return out

    def refresh(self):
        entries = self._entries()
        esc = html.escape
        self._full = "&nbsp;&nbsp;".join(
            f"<span style='color:{r.color}'>●</span>&nbsp;{esc(r.name)}&nbsp;"
            f"<span style='color:{s.color}'>{s.icon}&nbsp;{esc(label)}</span>"
            for r, s, label, _ in entries)
        self._short = "&nbsp;&nbsp;".join(
            f"<span style='color:{r.color}'>●</span>"
            f"<span style='color:{s.color}'>{s.icon}&nbsp;{esc(label)}</span>"
            for r, s, label, _ in entries)
        self._icons = "&nbsp;".join(
            f"<span style='color:{r.color}'>●</span><span style='color:{s.color}'>{s.icon}</span>"
            for r, s, _label, _ in entries)
        self._plain = "  ".join(f"{r.name}: {label}" for r, _s, label, _ in entries)
        self.setToolTip("\n".join(f"{r.name}: {detail}" for r, _s, _l, detail in entries))
        self.updateGeometry()
        self._fit()

    def plain_text(self) -> str:
        """What the label says, without markup (tests)."""
        return self._plain

    def _available(self) -> int:
        """Room in the status bar: its width less the other permanent widgets and margins."""
        bar = self.parentWidget()
        if bar is None:
            return self.width()
        others = sum(w.sizeHint().width() + 12 for w in bar.findChildren(QtWidgets.QLabel)
                     if w is not self and w.isVisible() and w.parentWidget() is bar)
        # Leave a third of the bar to the messages shown on its left (hints, errors).
        return max(0, int(bar.width() * MESSAGE_SHARE) - others - 24)

    def _fit(self):
        avail = self._available()
        for text in (self._full, self._short, self._icons):
            if self._html_width(text) <= avail or text is self._icons:
                if self.text() != text:
                    self.setText(text)
                    self.updateGeometry()
                return

    def eventFilter(self, obj, ev):
        if obj is self.parentWidget() and ev.type() == QtCore.QEvent.Type.Resize:
            self._fit()
        return False

    def showEvent(self, ev):
        super().showEvent(ev)
        bar = self.parentWidget()
        if bar is not None and not self._filtering:
            bar.installEventFilter(self)
            self._filtering = True
        self._fit()

    def _html_width(self, text: str) -> int:
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setHtml(text)
        return int(doc.idealWidth()) + 8

    def sizeHint(self):
        # The version of the text that fits (_fit chose it), not the longest one: the status
        # bar would give it that width and clip the rest off.
        return QtCore.QSize(self._html_width(self.text()), super().sizeHint().height())

    def minimumSizeHint(self):
        return QtCore.QSize(self._html_width(self._icons), super().minimumSizeHint().height())
