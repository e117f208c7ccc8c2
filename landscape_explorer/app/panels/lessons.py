"""The Learn panel: one lesson at a time (core.lessons), its paragraphs with the numbers of its own
simulation filled in, and its "try this" tasks ticked live from what the app's runs are doing.

Opening a lesson puts its scenario into the model (the runs, the surface, the start), so the
user experiments on exactly what the text describes. The numbers in the paragraphs come from
``core.lessons.simulated_state`` (the lesson's scenario run to its end, up to a second on a slow
machine for a surface whose critical points are not known yet: done in a thread). The tasks are
checked against a ``LessonState`` built from the model (run labels, optimizer, hyperparameters,
noise, schedule), the live verdicts and each run's current position and loss; a task's hint
shows ``task.hint_after`` seconds after the lesson was opened, unless the task is done.

A lesson that uses a run's ``success_rate`` (a basin map of the run's settings, a fraction of a
second to a few seconds) gets it from the same worker thread: whenever a run's settings, the
surface, the bounds or the number of steps change, the panel asks for the new value, shows
"working out…" for that run until it arrives, and a check on it fails meanwhile; values are kept
per setting, so going back to an earlier setting is instant.

"Export handout…" writes the same page as ``landscape-explorer lesson NAME --export``
(app.export.handout): the numbers and basin maps are worked out in the worker thread while the
dock says so; the OpenGL pictures are rendered on the GUI thread (Qt owns GL there) behind a
cancellable progress dialog that keeps the window responsive; a failure is one line in the dock.
"""
from __future__ import annotations

import dataclasses
import html
import json
import math
import os
from concurrent.futures import Future, ThreadPoolExecutor

from PyQt6 import QtCore, QtGui, QtWidgets

from landscape_explorer.core.atomic import Cancelled
from landscape_explorer.core.critical import global_minimum_value, has_cached_critical_points
from landscape_explorer.core.lessons import (
    SUCCESS_GRID, Lesson, LessonState, RunState, evaluate, lessons, render_paragraphs,
    lesson_state, success_map, surface_state,
)

from ..export import handout, render
from ..export.progress import cancellable_progress
from ..live_verdicts import live_verdicts_for

POLL_MS = 50  # while the lesson's own simulation runs in its thread
DONE_COLOR = "#2ca02c"
HINT_COLOR = "#8a6d00"

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lesson-numbers")


def success_key(model, run) -> str:
    """Everything a run's success rate depends on, as text: equal keys, equal rates."""
    cfg = {k: v for k, v in dataclasses.asdict(run.config()).items()
           if k not in ("label", "color", "enabled")}
    return json.dumps([model.surface_name, model.surface_params, model.bounds, model.max_steps,
                       cfg], sort_keys=True, default=repr)


def live_lesson_state(model, engine, success_rates=None) -> LessonState:
    """What the tasks are checked against: every enabled run as the app has it right now;
    ``success_rates`` ({success_key: rate}) adds the rates known for the runs' settings."""
    verdicts = live_verdicts_for(engine)
    ids = set(engine.run_ids())
    gmin = None
    # Only from critical points already found: never a search on the UI thread (on a network
    # slice it takes minutes; the verdicts' own flag may still speak of the surface before).
    if has_cached_critical_points(model.surface):
        gmin = global_minimum_value(model.surface)
    runs = []
    for r in model.runs:
        if not r.enabled or r.id not in ids:
            continue
        st = engine.state(r.id)
        v = verdicts.verdict(r.id)
        x, y = (float(c) for c in st.position)
        loss = float(st.loss)
        numbers: dict[str, object] = {"x": x, "y": y, "loss": loss, "steps": int(st.step),
                   "gap": loss - gmin if gmin is not None else math.nan}
        if v is not None:
            numbers["verdict"] = v.kind
        if success_rates is not None:
            rate = success_rates.get(success_key(model, r))
            if rate is not None:
                numbers["success_rate"] = rate
        runs.append(RunState(r.display_name, r.optimizer, dict(r.hyperparams),
                             float(r.noise or 0.0),
                             r.schedule["name"] if r.schedule else None, r.batch_size,
                             v.kind if v is not None else None, numbers))
    # A slice's measures as far as the Data panel's worker has worked them out: never here,
    # on the UI thread (a check on one fails until then).
    return LessonState(runs, surface_state(model.surface, measure=False))


class TaskView(QtWidgets.QFrame):
    """One task: its prompt with a ✓ when done, and its hint once it is due."""

    def __init__(self, task, parent=None):
        super().__init__(parent)
        self.task = task
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.mark = QtWidgets.QLabel()
        self.mark.setFixedWidth(22)
        self.mark.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.prompt = QtWidgets.QLabel(task.prompt)
        self.prompt.setWordWrap(True)
        self.hint = QtWidgets.QLabel(f"Hint: {task.hint}")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {HINT_COLOR}; font-style: italic;")
        self.hint.hide()
        text = QtWidgets.QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        text.addWidget(self.prompt)
        text.addWidget(self.hint)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(self.mark)
        row.addLayout(text, 1)
        self.done = False
        self.hint_due = False
        self.hint_timer = QtCore.QTimer(self)
        self.hint_timer.setSingleShot(True)
        self.hint_timer.timeout.connect(self._hint_due)
        self.hint_timer.start(max(0, int(task.hint_after * 1000)))
        self.set_done(False)

    def _hint_due(self):
        self.hint_due = True
        self._update_hint()

    def set_done(self, done: bool):
        self.done = bool(done)
        self.mark.setText(f"<span style='color:{DONE_COLOR}; font-size:14pt'>✓</span>"
                          if self.done else "<span style='color:#7f7f7f; font-size:14pt'>○</span>")
        self.mark.setToolTip("Done" if self.done else "Not done yet")
        self._update_hint()

    def _update_hint(self):
        # A done task needs no hint; an undone one keeps it once it has appeared.
        self.hint.setVisible(self.hint_due and not self.done)

    def hint_visible(self) -> bool:
        return not self.hint.isHidden()


class LessonPanel(QtWidgets.QWidget):
    """Title, paragraphs and tasks of the current lesson, with Back and Next."""

    lessonOpened = QtCore.pyqtSignal(str)  # lesson id
    handoutWritten = QtCore.pyqtSignal(str)  # path
    handoutFailed = QtCore.pyqtSignal(str)  # the one-line reason shown

    def __init__(self, model, engine, parent=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.verdicts = live_verdicts_for(engine)
        self.all_lessons: list[Lesson] = lessons()
        self.lesson: Lesson | None = None
        self.task_views: list[TaskView] = []
        self._numbers: Future | None = None
        self.success_rates: dict[str, float] = {}  # success_key -> rate, kept per setting
        self._rate_jobs: dict[str, Future] = {}

        self.position = QtWidgets.QLabel()
        self.position.setStyleSheet("color: #666;")
        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.text = QtWidgets.QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.text.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.rates_label = QtWidgets.QLabel()
        self.rates_label.setWordWrap(True)
        self.rates_label.setToolTip(
            f"The share of {SUCCESS_GRID * SUCCESS_GRID:,} starts, one per cell of a "
            f"{SUCCESS_GRID} x {SUCCESS_GRID} grid over the plot, from which the run's settings "
            "end in the global minimum (its basin map)")
        self.rates_label.hide()
        self.tasks_title = QtWidgets.QLabel("<b>Try this</b>")
        self.tasks_box = QtWidgets.QVBoxLayout()
        self.tasks_box.setContentsMargins(0, 0, 0, 0)
        self.restart_button = QtWidgets.QPushButton("Restart lesson")
        self.restart_button.setToolTip("Put the lesson's runs back as the lesson set them up")
        self.restart_button.clicked.connect(
            lambda: self.lesson is not None and self.open_lesson(self.lesson))
        self.export_button = QtWidgets.QPushButton("Export handout…")
        self.export_button.setToolTip("Write this lesson as one self-contained HTML page (text, "
                                      "pictures, an animation) for a course site")
        self.export_button.clicked.connect(lambda _checked=False: self.export_handout())
        self.export_status = QtWidgets.QLabel()
        self.export_status.setWordWrap(True)
        self.export_status.hide()
        self._handout_job: tuple | None = None  # (lesson, path, Future of the material)
        self.back_button = QtWidgets.QPushButton("◀ Back")
        self.next_button = QtWidgets.QPushButton("Next ▶")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(+1))

        body = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(body)
        lay.addWidget(self.position)
        lay.addWidget(self.title)
        lay.addWidget(self.text)
        lay.addSpacing(6)
        lay.addWidget(self.rates_label)
        lay.addWidget(self.tasks_title)
        lay.addLayout(self.tasks_box)
        lay.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        nav = QtWidgets.QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addWidget(self.restart_button)
        nav.addWidget(self.next_button)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.export_status)
        outer.addWidget(self.export_button)
        outer.addLayout(nav)

        self.poll = QtCore.QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._poll)
        # Tasks are checked whenever what they look at may have changed.
        self.verdicts.changed.connect(self.check_tasks)
        engine.stepped.connect(self.check_tasks)
        engine.restarted.connect(self.check_tasks)
        model.runsChanged.connect(self.check_tasks)
        model.runChanged.connect(lambda _rid: self.check_tasks())
        self._show_nothing()

    # ------------------------------------------------------------------ navigation
    def index(self) -> int:
        ids = [x.id for x in self.all_lessons]
        return ids.index(self.lesson.id) if self.lesson is not None and self.lesson.id in ids else -1

    def step(self, delta: int):
        i = self.index() + delta
        if 0 <= i < len(self.all_lessons):
            self.open_lesson(self.all_lessons[i])

    def open_lesson(self, lesson: Lesson | str):
        """Show ``lesson`` (a Lesson or a bundled lesson's id) and load its scenario."""
        if isinstance(lesson, str):
            found = [x for x in self.all_lessons if x.id == lesson]
            if not found:
                raise ValueError(f"unknown lesson {lesson!r}; valid: "
                                 f"{', '.join(x.id for x in self.all_lessons)}")
            lesson = found[0]
        self.lesson = lesson
        # A lesson on a network slice: the model asks the Data panel to train it, and the
        # scenario is put in when it is ready (a few seconds, with a progress bar).
        # A task is "change this setting and see": the changed run replays from the start, as
        # the lesson's text describes it, rather than going on from where it stopped.
        sc = lesson.scenario.copy()
        sc.playback.restart_on_edit = True
        self.model.set_scenario(sc)
        self.model.set_restart_on_edit(True)
        i = self.index()
        self.position.setText(f"Lesson {i + 1} of {len(self.all_lessons)}" if i >= 0 else "Lesson")
        self.title.setText(lesson.title)
        self.back_button.setEnabled(i > 0)
        self.next_button.setEnabled(0 <= i < len(self.all_lessons) - 1)
        self.restart_button.setEnabled(True)
        self.export_button.setEnabled(self._handout_job is None)
        self.text.setText("<p style='color:#666'><i>Working out this lesson's numbers…</i></p>")
        self._numbers = _EXECUTOR.submit(lesson_state, lesson)
        self.poll.start()
        for tv in self.task_views:
            self.tasks_box.removeWidget(tv)
            tv.hide()  # gone at once, not when the event loop gets to deleting it
            tv.deleteLater()
        self.task_views = [TaskView(t) for t in lesson.tasks]
        for tv in self.task_views:
            self.tasks_box.addWidget(tv)
        self.tasks_title.show()
        self.check_tasks()
        self.lessonOpened.emit(lesson.id)

    def _show_nothing(self):
        self.rates_label.hide()
        self.position.setText("")
        self.title.setText("No lesson open")
        self.text.setText("Choose a lesson from the Learn menu.")
        self.tasks_title.hide()
        self.back_button.setEnabled(False)
        self.next_button.setEnabled(bool(self.all_lessons))
        self.restart_button.setEnabled(False)
        self.export_button.setEnabled(False)

    # ------------------------------------------------------------------ handout
    def export_handout(self, path: str | None = None):
        """Ask where (a save dialog, unless ``path`` is given) and write the lesson's handout."""
        if self.lesson is None or self._handout_job is not None:
            return
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export handout", f"{self.lesson.id}.html", "HTML page (*.html *.htm)")
            if not path:
                return
        if not path.lower().endswith((".html", ".htm")):
            path += ".html"
        try:
            render.check_output(path)
        except render.RenderError as e:
            self._handout_failed(str(e))
            return
        self._set_export_status(f"Working out the handout's numbers for "
                                f"{os.path.basename(path)}…")
        self.export_button.setEnabled(False)
        self._handout_job = (self.lesson, path,
                             _EXECUTOR.submit(handout.handout_material, self.lesson))
        self.poll.start()

    def handout_pending(self) -> bool:
        """Whether a handout is being made (tests)."""
        return self._handout_job is not None

    def _set_export_status(self, text: str, color: str = "#666"):
        self.export_status.setStyleSheet(f"color: {color};")
        self.export_status.setText(text)
        self.export_status.show()

    def _handout_failed(self, reason: str):
        reason = " ".join(reason.split())  # one line, whatever the error said
        self._set_export_status(f"Handout not written: {reason}", "#d62728")
        self.handoutFailed.emit(reason)

    def _poll_handout(self):
        # While the pictures render (job[2] None) the progress dialog processes events, this
        # timer included: that must not start a second write.
        if self._handout_job is None or self._handout_job[2] is None \
                or not self._handout_job[2].done():
            return
        lesson, path, fut = self._handout_job
        self._handout_job = (lesson, path, None)
        try:
            material = fut.result()
        except Exception as e:  # the lesson's simulation failed: say so, in one line
            self._handout_job = None
            self.export_button.setEnabled(self.lesson is not None)
            self._handout_failed(str(e))
            return
        try:
            self._write_handout(lesson, path, material)
        finally:
            self._handout_job = None
            self.export_button.setEnabled(self.lesson is not None)

    def _write_handout(self, lesson, path, material):
        self._set_export_status(f"Rendering the pictures of {os.path.basename(path)}…")
        prog, progress = cancellable_progress(self, "Export handout",
                                              "Rendering the handout's pictures…")

        try:
            handout.write_handout(lesson, path, progress=progress, material=material)
        except Cancelled:
            self._set_export_status("Handout cancelled; nothing was written")
            return
        except OSError as e:
            self._handout_failed(f"{e.filename or path}: {e.strerror or e}")
            return
        except (render.RenderError, ValueError) as e:
            self._handout_failed(str(e))
            return
        finally:
            prog.close()
        self._set_export_status(f"Wrote {path}", DONE_COLOR)
        self.handoutWritten.emit(path)

    def _poll(self):
        self._poll_rates()
        self._poll_numbers()
        self._poll_handout()
        if self._numbers is None and not self._rate_jobs and self._handout_job is None:
            self.poll.stop()

    def _poll_numbers(self):
        fut = self._numbers
        if fut is None or not fut.done():
            return
        self._numbers = None
        if self.lesson is None:
            return
        try:
            paras = render_paragraphs(self.lesson, fut.result())
        except Exception as e:  # a lesson whose numbers cannot be worked out: say so, plainly
            self.text.setText(f"<p style='color:#d62728'>Could not work out this lesson's "
                              f"numbers: {html.escape(str(e))}</p>")
            return
        self.text.setText("".join(f"<p>{html.escape(p)}</p>" for p in paras))

    def numbers_ready(self) -> bool:
        """Whether the paragraphs show their numbers (tests)."""
        return self.lesson is not None and self._numbers is None

    # ------------------------------------------------------------------ success rates
    def _uses_rates(self) -> bool:
        return self.lesson is not None and "success_rate" in self.lesson.derived

    def _request_rates(self):
        """Ask the worker for the success rate of every enabled run whose settings have none."""
        for r in self.model.runs:
            if not r.enabled:
                continue
            key = success_key(self.model, r)
            if key in self.success_rates or key in self._rate_jobs:
                continue
            self._rate_jobs[key] = _EXECUTOR.submit(
                success_map, self.model.surface, self.model.bounds, self.model.max_steps,
                r.config())
            self.poll.start()

    def _poll_rates(self):
        done = [k for k, f in self._rate_jobs.items() if f.done()]
        for k in done:
            fut = self._rate_jobs.pop(k)
            try:
                self.success_rates[k] = fut.result().global_min_fraction
            except Exception as e:  # settings the core refuses: say so in the line, not a crash
                self.success_rates[k] = math.nan
                self.rates_label.setToolTip(f"Could not work out a success rate: {e}")
        if done:
            self.check_tasks()

    def rates_pending(self) -> bool:
        """Whether a success rate the lesson needs is still being worked out (tests)."""
        return bool(self._rate_jobs)

    def _show_rates(self):
        if not self._uses_rates():
            self.rates_label.hide()
            return
        parts = []
        for r in self.model.runs:
            if not r.enabled:
                continue
            rate = self.success_rates.get(success_key(self.model, r))
            shown = ("working out…" if rate is None else "—" if not math.isfinite(rate)
                     else f"{rate:.0%}")
            parts.append(f"{html.escape(r.display_name)}: <b>{shown}</b>")
        self.rates_label.setText("Success rate now (share of starts that end in the global "
                                 "minimum): " + ", ".join(parts))
        self.rates_label.show()

    # ------------------------------------------------------------------ tasks
    def check_tasks(self):
        if self.lesson is None or not self.task_views:
            return
        rates = None
        if self._uses_rates():
            self._request_rates()
            rates = self.success_rates
        self._show_rates()
        state = live_lesson_state(self.model, self.engine, rates)
        for tv in self.task_views:
            tv.set_done(evaluate(tv.task.check, state))

    def tasks_done(self) -> list[bool]:
        return [tv.done for tv in self.task_views]

    def paragraphs_text(self) -> str:
        """The paragraphs as plain text (tests)."""
        d = QtGui.QTextDocument()
        d.setHtml(self.text.text())
        return d.toPlainText()


def install_lessons(window):
    """The Learn menu (one entry per bundled lesson) and the Lesson dock, hidden until used."""
    panel = LessonPanel(window.model, window.engine)
    dock = QtWidgets.QDockWidget("Lesson", window)
    dock.setObjectName("lesson_dock")
    dock.setWidget(panel)
    dock.setMinimumWidth(300)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    menu = window.menuBar().insertMenu(window.help_menu.menuAction(),
                                       QtWidgets.QMenu("&Learn", window))
    learn = menu.menu()
    actions = {}
    for i, lesson in enumerate(panel.all_lessons):
        act = learn.addAction(f"{i + 1}. {lesson.title}")
        act.setObjectName(f"lesson_{lesson.id}")

        def opened(_checked=False, lid=lesson.id):
            dock.show()
            dock.raise_()
            panel.open_lesson(lid)

        act.triggered.connect(opened)
        actions[lesson.id] = act
    learn.addSeparator()
    learn.addAction(dock.toggleViewAction())
    window.learn_menu = learn
    window.lesson_actions = actions
    window.lesson_panel = panel
    window.lesson_dock = dock
    return panel
