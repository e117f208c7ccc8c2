"""The control panel. Every widget writes to the model and follows the model's signals, so a
change from anywhere (a preset, a click in a view, a loaded scenario) shows here, and a change here
shows everywhere."""
from __future__ import annotations

import ast
import math

from PyQt6 import QtCore, QtWidgets

import landscape_explorer as le
from landscape_explorer.core.optimizers import COMMON_PARAMS, HyperParam, optimizer_def

from ..model import MAX_RESOLUTION, MIN_RESOLUTION, SPEED_MAX, SPEED_MIN, Z_MODES, AppModel
from ..palette import COLORMAPS, RUN_COLORS
from ..panels.widgets import FloatSlider, IntSpinBox, LogSlider, SciSpinBox, WheelGuard, color_icon

_COMMON_HELP = {p.name: p.help for p in COMMON_PARAMS}
# Where the registry leaves a side of a range open (None), a field still needs some end.
UNBOUNDED_FLOAT = 1e12
UNBOUNDED_INT = 2**31 - 1
MIN_PANEL_WIDTH = 300


def _schedule_params(name):
    try:
        from landscape_explorer.core.schedules import schedule_params
        return tuple(schedule_params(name))
    except Exception:  # an older core without parameter metadata: schedule defaults only
        return ()


def schedule_ui_default(pname: str, model: AppModel, lr: float):
    """A sensible value for a schedule parameter torch leaves without a default."""
    n = model.max_steps
    return {"step_size": max(1, n // 4), "gamma": 0.99, "T_max": n, "T_0": max(1, n // 4),
            "max_lr": 10 * lr, "total_iters": max(1, n // 10)}.get(pname, 1)


def _blocked(widget):
    return QtCore.QSignalBlocker(widget)


def hyperparam_kind(p: HyperParam) -> str:
    """The registry's kind; where it was left at its "float" default but the default value is
    plainly something else (True, 50, (0.9, 0.999)), the value's own kind."""
    if p.kind != "float":
        return p.kind
    d = p.default
    if isinstance(d, bool):
        return "bool"
    if isinstance(d, (tuple, list)):
        return "pair"
    if isinstance(d, int):
        return "int"
    return "float"


def hyperparam_slider_span(p: HyperParam):
    """(lo, hi) for a slider: the typical span when the registry gives one, else the valid
    range when both ends are finite (and positive for a log scale); None: no slider."""
    if hyperparam_kind(p) not in ("float", "int"):
        return None
    if p.typical is not None:
        lo, hi = (float(v) for v in p.typical)
    elif p.low is not None and p.high is not None:
        lo, hi = float(p.low), float(p.high)
    else:
        return None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        return None
    if p.scale == "log" and lo <= 0:
        return None
    return lo, hi


def _range_tip(p: HyperParam) -> str:
    if p.low is None and p.high is None:
        return ""
    lo = "" if p.low is None else f"{p.low:g} {'<' if p.low_open else '≤'} "
    hi = "" if p.high is None else f" {'<' if p.high_open else '≤'} {p.high:g}"
    return f" Valid: {lo}{p.name}{hi}."


class HyperParamField(QtWidgets.QWidget):
    """The editor of one hyperparameter, built from its registry entry: a check box (bool),
    two number fields (pair), or a number field with a slider over its typical span (log or
    linear, as the registry says). ``edited`` carries the new value; ``refused`` a one-line
    reason when a typed number is out of the valid range."""

    edited = QtCore.pyqtSignal(object)
    refused = QtCore.pyqtSignal(str)

    def __init__(self, p: HyperParam, parent=None):
        super().__init__(parent)
        self.param = p
        self.kind = hyperparam_kind(p)
        self.slider: FloatSlider | None = None
        self.spins: list = []
        self.check: QtWidgets.QCheckBox | None = None
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        tip = p.help + _range_tip(p)
        self.setToolTip(tip)
        if self.kind == "bool":
            self.check = QtWidgets.QCheckBox()
            self.check.setToolTip(tip)
            self.check.toggled.connect(lambda on: self.edited.emit(bool(on)))
            lay.addWidget(self.check)
            lay.addStretch(1)
            return
        span = hyperparam_slider_span(p)
        if span is not None:
            self.slider = FloatSlider(*span, log=p.scale == "log")
            self.slider.setToolTip(tip + (" (log scale)" if p.scale == "log" else ""))
            self.slider.floatChanged.connect(self._slider_moved)
            lay.addWidget(self.slider, 1)
        for _ in range(2 if self.kind == "pair" else 1):
            sp = self._make_spin(span)
            sp.setToolTip(tip)
            sp.refused.connect(lambda msg: self.refused.emit(f"{p.name}: {msg}"))
            sp.valueChanged.connect(self._spin_changed)
            lay.addWidget(sp, 0 if self.slider is not None else 1)
            self.spins.append(sp)

    def _make_spin(self, span):
        p = self.param
        if self.kind == "int":
            lo = -UNBOUNDED_INT if p.low is None else math.ceil(p.low + (1 if p.low_open else 0))
            hi = UNBOUNDED_INT if p.high is None else math.floor(p.high - (1 if p.high_open else 0))
            sp = IntSpinBox(lo, hi)
            sp.setMinimumWidth(70)
            return sp
        lo = -UNBOUNDED_FLOAT if p.low is None else float(p.low)
        hi = UNBOUNDED_FLOAT if p.high is None else float(p.high)
        sp = SciSpinBox(lo, hi, log_steps=p.scale == "log")
        if p.scale != "log":
            width = (span[1] - span[0]) if span else (hi - lo if p.low is not None and
                                                      p.high is not None else 1.0)
            sp.setSingleStep(float(f"{width / 20:.1g}"))
        sp.setMinimumWidth(86)
        return sp

    def _slider_moved(self, v):
        v = float(f"{v:.3g}")  # a slider position is not worth 15 digits
        if self.kind == "int":
            v = int(round(v))
        self.edited.emit(v)

    def _spin_changed(self, _v):
        if self.kind == "pair":
            self.edited.emit([float(sp.value()) for sp in self.spins])
        elif self.kind == "int":
            self.edited.emit(int(self.spins[0].value()))
        else:
            self.edited.emit(float(self.spins[0].value()))

    def set_value(self, v):
        """Show ``v`` (from the model) without emitting ``edited``."""
        if self.check is not None:
            with QtCore.QSignalBlocker(self.check):
                self.check.setChecked(bool(v))
            return
        values = list(v) if self.kind == "pair" else [v]
        for sp, x in zip(self.spins, values):
            with QtCore.QSignalBlocker(sp):
                sp.setValue(x)
        if self.slider is not None and values and isinstance(values[0], (int, float)):
            self.slider.set_float(float(values[0]))


class ControlPanel(QtWidgets.QScrollArea):
    """The left-hand panel: surface, runs, start point, playback, presets."""

    presetApplied = QtCore.pyqtSignal(str)  # the preset's title

    def __init__(self, model: AppModel, engine=None, parent=None, settings=None):
        super().__init__(parent)
        self.model = model
        self.engine = engine
        self.settings = settings  # QSettings: the custom surfaces' recent list
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QtWidgets.QWidget()
        self.setWidget(inner)
        self.wheel_guard = WheelGuard(self)
        lay = QtWidgets.QVBoxLayout(inner)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(8)
        self.current_run_id: int | None = None
        self.hp_widgets: dict[str, object] = {}
        self.schedule_widgets: dict[str, QtWidgets.QWidget] = {}

        lay.addWidget(self._build_presets())
        lay.addWidget(self._build_surface())
        lay.addWidget(self._build_playback())
        lay.addWidget(self._build_runs())
        lay.addWidget(self._build_editor())
        self.error_label = QtWidgets.QLabel("")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #ff6b5a;")
        lay.addWidget(self.error_label)
        lay.addStretch(1)

        m = model
        m.surfaceChanged.connect(self._on_surface)
        m.boundsChanged.connect(self._on_bounds)
        m.resolutionChanged.connect(lambda n: self._set(self.resolution_spin, n))
        m.appearanceChanged.connect(self._on_appearance)
        m.startChanged.connect(self._on_start)
        m.speedChanged.connect(self._on_speed)
        m.maxStepsChanged.connect(lambda n: self._set(self.max_steps_spin, n))
        m.playingChanged.connect(self._on_playing)
        m.restartOnEditChanged.connect(lambda on: self._set_checked(self.restart_check, on))
        m.splitChanged.connect(lambda on: self._set_checked(self.split_check, on))
        m.logLossChanged.connect(lambda on: self._set_checked(self.log_loss_check, on))
        m.runsChanged.connect(self._on_runs)
        m.runChanged.connect(self._on_run_changed)

        self._on_surface(m.surface_name)
        self._on_appearance()
        self._on_speed(m.speed)
        self._on_playing(m.playing)
        self._set(self.resolution_spin, m.resolution)
        self._set(self.max_steps_spin, m.max_steps)
        self._set_checked(self.restart_check, m.restart_on_edit)
        self._set_checked(self.split_check, m.split)
        self._set_checked(self.log_loss_check, m.log_loss)
        self._on_runs()
        self.wheel_guard.guard_children(self)
        self._fit_width()

    def _fit_width(self):
        """Combo boxes size to a short text, not their longest item; the panel is as wide as its
        content needs (plus the scroll bar), so nothing is cut off at the right."""
        inner = self.widget()
        for combo in inner.findChildren(QtWidgets.QComboBox):
            combo.setSizeAdjustPolicy(
                QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            if combo.minimumContentsLength() == 0:  # not chosen where it was built
                combo.setMinimumContentsLength(10)
        need = inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() \
            + 2 * self.frameWidth()
        self.setMinimumWidth(max(MIN_PANEL_WIDTH, need))

    # ================================================================== helpers
    @staticmethod
    def _set(widget, value):
        with _blocked(widget):
            widget.setValue(value)

    @staticmethod
    def _set_checked(widget, on):
        with _blocked(widget):
            widget.setChecked(bool(on))

    def _try(self, fn, *args, **kw):
        """Write to the model; a bad value shows a message and the widgets snap back."""
        try:
            fn(*args, **kw)
        except (ValueError, KeyError) as e:
            self.show_error(str(e))
            self._refresh_editor_values()
            return False
        self.error_label.setText("")
        return True

    def show_error(self, text: str):
        self.error_label.setText(text)
        if text:
            self.ensureWidgetVisible(self.error_label)

    # ================================================================== presets
    def _build_presets(self):
        from ..presets import available_presets

        box = QtWidgets.QGroupBox("Presets")
        lay = QtWidgets.QHBoxLayout(box)
        self.preset_combo = QtWidgets.QComboBox()
        self.preset_combo.addItem("Choose a classic…", None)
        for p in available_presets():
            self.preset_combo.addItem(p.title, p.name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, p.description,
                                          QtCore.Qt.ItemDataRole.ToolTipRole)
        self._add_built_presets()
        self.preset_combo.setToolTip("Load a ready-made comparison (the examples of File › "
                                     "Examples) and play it from the start")
        self.preset_combo.activated.connect(self._on_preset)
        lay.addWidget(self.preset_combo, 1)
        return box

    def _add_built_presets(self):
        """Presets the app builds (trained networks: presets.built_presets)."""
        from ..presets import built_presets

        for p in built_presets():
            self.preset_combo.addItem(p.title, ("built", p.name))
            self.preset_combo.setItemData(self.preset_combo.count() - 1, p.description,
                                          QtCore.Qt.ItemDataRole.ToolTipRole)

    def _apply_built_preset(self, name: str):
        from ..presets import built_preset

        self._show_network_builder()
        self.data_panel.build_preset(built_preset(name))
        self.ensureWidgetVisible(self.data_panel.progress_bar)

    def _show_network_builder(self):
        """The picker on "Network slice…" and the Data panel's builder in sight: a network is
        being trained (a built preset, a scenario that names a slice), with its progress."""
        from .data import NN_SLICE

        self.surface_combo.setCurrentIndex(self.surface_combo.findData(NN_SLICE))
        self.ensureWidgetVisible(self.data_panel.progress_bar)

    def _on_preset(self, index):
        from ..presets import apply_preset

        name = self.preset_combo.itemData(index)
        if isinstance(name, tuple):
            self._apply_built_preset(name[1])
            self.presetApplied.emit(self.preset_combo.itemText(index))
        elif name and self._try(apply_preset, self.model, name):
            self.presetApplied.emit(self.preset_combo.itemText(index))
        with _blocked(self.preset_combo):
            # Back to the prompt: after the next edit the setup is no longer the preset.
            self.preset_combo.setCurrentIndex(0)

    # ================================================================== surface
    def _build_surface(self):
        box = QtWidgets.QGroupBox("Surface")
        form = QtWidgets.QFormLayout(box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.surface_combo = QtWidgets.QComboBox()
        for name in le.surface_names():
            s = le.surface(name)
            self.surface_combo.addItem(s.title or name, name)
        self.surface_combo.addItem("Custom…", CUSTOM)
        self.surface_combo.setItemData(self.surface_combo.count() - 1,
                                       "Type your own function of x and y",
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self._add_data_surfaces()
        self.surface_combo.currentIndexChanged.connect(self._surface_chosen)
        form.addRow(self.surface_combo)
        from .custom_surface import CustomSurfaceEditor

        self.custom_editor = CustomSurfaceEditor(self.model, self.settings)
        self.custom_editor.hide()
        form.addRow(self.custom_editor)
        from .data import DataPanel

        self.data_panel = DataPanel(self.model, self.engine, lambda: self.current_run_id)
        self.model.networkNeeded.connect(lambda *_: self._show_network_builder())
        self.data_panel.message.connect(self.show_error)
        self.data_panel.hide()
        form.addRow(self.data_panel)
        self.formula_label = QtWidgets.QLabel()
        self.formula_label.setWordWrap(True)
        self.formula_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.formula_label)
        self.description_label = QtWidgets.QLabel()
        self.description_label.setWordWrap(True)
        form.addRow(self.description_label)

        bounds = QtWidgets.QWidget()
        g = QtWidgets.QGridLayout(bounds)
        g.setContentsMargins(0, 0, 0, 0)
        self.bound_spins = []
        for i, label in enumerate(("x", "y")):
            g.addWidget(QtWidgets.QLabel(label), i, 0)
            for j in range(2):
                sp = SciSpinBox(-1e6, 1e6)
                sp.setToolTip(f"{label} {'min' if j == 0 else 'max'} of the plotted area")
                sp.refused.connect(lambda msg, w=f"{label} {'min' if j == 0 else 'max'}":
                                   self.show_error(f"Bounds {w}: {msg}"))
                sp.valueChanged.connect(self._bounds_edited)
                g.addWidget(sp, i, 1 + j)
                self.bound_spins.append(sp)
        reset = QtWidgets.QToolButton()
        reset.setText("↺")
        reset.setToolTip("Back to the surface's own bounds")
        reset.clicked.connect(lambda: self._try(self.model.set_bounds, self.model.surface.bounds))
        g.addWidget(reset, 0, 3, 2, 1)
        form.addRow("Bounds", bounds)

        self.resolution_spin = IntSpinBox(MIN_RESOLUTION, MAX_RESOLUTION)
        self.resolution_spin.setSingleStep(10)
        self.resolution_spin.setToolTip(f"Mesh samples per side, {MIN_RESOLUTION} to "
                                        f"{MAX_RESOLUTION} (higher: smoother, slower)")
        self.resolution_spin.refused.connect(lambda msg: self.show_error(f"Resolution: {msg}"))
        self.resolution_spin.valueChanged.connect(
            lambda n: self._try(self.model.set_resolution, n))
        form.addRow("Resolution", self.resolution_spin)

        row = QtWidgets.QHBoxLayout()
        self.colormap_combo = QtWidgets.QComboBox()
        self.colormap_combo.addItems(COLORMAPS)
        self.colormap_combo.setToolTip("Colormap for height (the same in 3D and 2D)")
        self.colormap_combo.currentTextChanged.connect(
            lambda t: self._try(self.model.set_colormap, t))
        self.z_mode_combo = QtWidgets.QComboBox()
        self.z_mode_combo.addItems(Z_MODES)
        self.z_mode_combo.setToolTip("Height scale of this surface: log shows the floor of deep "
                                     "valleys; auto follows the surface (log when most of the "
                                     "area looks flat). Each surface keeps its own choice.")
        self.z_mode_combo.currentTextChanged.connect(
            lambda t: self._try(self.model.set_z_mode, t))
        self.colormap_combo.setMinimumContentsLength(7)
        self.z_mode_combo.setMinimumContentsLength(5)
        row.addWidget(self.colormap_combo, 1)
        row.addWidget(QtWidgets.QLabel("height"))
        row.addWidget(self.z_mode_combo)
        form.addRow("Colors", row)
        self.wireframe_check = QtWidgets.QCheckBox("Wireframe")
        self.wireframe_check.setToolTip("Draw grid lines on the 3D surface")
        self.wireframe_check.toggled.connect(lambda on: self._try(self.model.set_wireframe, on))
        form.addRow(self.wireframe_check)
        return box

    # ---- the "Data" group of the surface picker (landscapes from data, panels/data.py)
    def _add_data_surfaces(self):
        from landscape_explorer.core.data_surfaces import MODELS, data_surface_names

        from .data import NN_SLICE

        combo = self.surface_combo
        combo.insertSeparator(combo.count())
        combo.addItem("— Data: a model's loss over a dataset —", None)
        header = combo.model().item(combo.count() - 1)
        header.setEnabled(False)  # a heading, not a choice
        for name in data_surface_names():
            combo.addItem(f"Data: {MODELS[name].title}", name)
            combo.setItemData(combo.count() - 1, MODELS[name].description,
                              QtCore.Qt.ItemDataRole.ToolTipRole)
        combo.addItem("Data: Network slice…", NN_SLICE)
        combo.setItemData(combo.count() - 1,
                          "Train a small neural network and look at its loss on a 2-D slice "
                          "through its weights (Li et al. 2018)",
                          QtCore.Qt.ItemDataRole.ToolTipRole)

    def _show_data_panel(self, name):
        from landscape_explorer.core.data_surfaces import MODELS

        from .data import NN_SLICE

        self.data_panel.set_network_mode(name == NN_SLICE)
        self.data_panel.setVisible(name == NN_SLICE or name in MODELS)

    def _surface_chosen(self, index):
        name = self.surface_combo.itemData(index)
        self._show_data_panel(name)
        from .data import NN_SLICE

        if name == NN_SLICE:
            # The surface on screen stays until a network is trained and sliced.
            self.custom_editor.hide()
            self.formula_label.show()
            return
        if name == CUSTOM:
            # The surface on screen stays until a valid formula is typed.
            self.custom_editor.show()
            self.formula_label.hide()
            self.custom_editor.field.setFocus()
            if self.custom_editor.field.text().strip():
                self.custom_editor.parse_now()  # back to the formula typed last
            else:
                self.custom_editor.pretty_label.setText(
                    "<span style='color:#666'>Type a function of x and y; it replaces the "
                    "surface as soon as it is valid.</span>")
            return
        self.custom_editor.hide()
        self.formula_label.show()
        self._try(self.model.set_surface, name)

    def _on_surface(self, name):
        s = self.model.surface
        custom = bool(s.expression)
        with _blocked(self.surface_combo):
            self.surface_combo.setCurrentIndex(
                self.surface_combo.findData(CUSTOM) if custom
                else max(0, self.surface_combo.findData(name)))
        self.custom_editor.setVisible(custom or self.surface_combo.currentData() == CUSTOM)
        self._show_data_panel(self.surface_combo.currentData())
        # A typed surface's formula shows in the editor, beside the field.
        self.formula_label.setVisible(not self.custom_editor.isVisible())
        self.formula_label.setText(f"<i>f(x, y) = {s.formula}</i>" if s.formula else "")
        self.description_label.setText(s.description)
        self._on_bounds(self.model.bounds)
        self._on_start(self.model.start)

    def _on_bounds(self, b):
        (x0, x1), (y0, y1) = b
        for sp, v in zip(self.bound_spins, (x0, x1, y0, y1)):
            self._set(sp, v)

    def _bounds_edited(self):
        v = [sp.value() for sp in self.bound_spins]
        self._try(self.model.set_bounds, ((v[0], v[1]), (v[2], v[3])))
        if self.error_label.text():
            self._on_bounds(self.model.bounds)

    def _on_appearance(self):
        m = self.model
        with _blocked(self.colormap_combo):
            if self.colormap_combo.findText(m.colormap) < 0:
                self.colormap_combo.addItem(m.colormap)
            self.colormap_combo.setCurrentText(m.colormap)
        with _blocked(self.z_mode_combo):
            self.z_mode_combo.setCurrentText(m.z_mode)
        self._set_checked(self.wireframe_check, m.wireframe)

    # ================================================================== playback and start
    def _build_playback(self):
        box = QtWidgets.QGroupBox("Run")
        lay = QtWidgets.QVBoxLayout(box)
        row = QtWidgets.QHBoxLayout()
        self.play_button = QtWidgets.QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.toggled.connect(lambda on: self.model.set_playing(on))
        self.step_button = QtWidgets.QPushButton("Step")
        self.step_button.setToolTip("One step of every run (Right arrow)")
        self.step_button.clicked.connect(self._single_step)
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setToolTip("Every run back to the start point (R)")
        self.reset_button.clicked.connect(self.model.request_reset)
        for b in (self.play_button, self.step_button, self.reset_button):
            row.addWidget(b)
        lay.addLayout(row)

        form = QtWidgets.QFormLayout()
        start = QtWidgets.QHBoxLayout()
        self.start_x = SciSpinBox(-1e6, 1e6)
        self.start_y = SciSpinBox(-1e6, 1e6)
        for sp in (self.start_x, self.start_y):
            sp.setToolTip("Start point of every run (or click the surface)")
            sp.refused.connect(lambda msg: self.show_error(f"Start: {msg}"))
            sp.valueChanged.connect(self._start_edited)
            start.addWidget(sp)
        form.addRow("Start x, y", start)

        speed = QtWidgets.QHBoxLayout()
        self.speed_slider = LogSlider(SPEED_MIN, SPEED_MAX)
        self.speed_slider.setToolTip("Steps per second: from slow motion to as fast as it can "
                                     "(right end)")
        self.speed_slider.floatChanged.connect(lambda v: self.model.set_speed(v))
        self.speed_label = QtWidgets.QLabel()
        self.speed_label.setMinimumWidth(62)
        self.speed_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight |
                                      QtCore.Qt.AlignmentFlag.AlignVCenter)
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)
        form.addRow("Speed", speed)
        self.max_steps_spin = IntSpinBox(1, 10_000_000)
        self.max_steps_spin.setSingleStep(100)
        self.max_steps_spin.setGroupSeparatorShown(True)
        self.max_steps_spin.refused.connect(lambda msg: self.show_error(f"Max steps: {msg}"))
        self.max_steps_spin.setToolTip("Runs stop after this many steps")
        self.max_steps_spin.valueChanged.connect(lambda n: self._try(self.model.set_max_steps, n))
        form.addRow("Max steps", self.max_steps_spin)
        lay.addLayout(form)

        self.restart_check = QtWidgets.QCheckBox("Edits restart the run")
        self.restart_check.setToolTip("Off: a changed hyperparameter applies from the next step. "
                                      "On: the run starts over with it.")
        self.restart_check.toggled.connect(lambda on: self.model.set_restart_on_edit(on))
        self.split_check = QtWidgets.QCheckBox("Split view (one 3D view per run)")
        self.split_check.setToolTip("Compare runs side by side with synchronized cameras")
        self.split_check.toggled.connect(lambda on: self.model.set_split(on))
        self.log_loss_check = QtWidgets.QCheckBox("Log-scale loss plot")
        self.log_loss_check.setToolTip("Plot loss − f* on a log axis")
        self.log_loss_check.toggled.connect(lambda on: self.model.set_log_loss(on))
        for w in (self.restart_check, self.split_check, self.log_loss_check):
            lay.addWidget(w)
        return box

    def _single_step(self):
        if self.engine is not None:
            self.engine.single_step()

    def _on_playing(self, on):
        self._set_checked(self.play_button, on)
        self.play_button.setText("Pause" if on else "Play")
        icon = (QtWidgets.QStyle.StandardPixmap.SP_MediaPause if on
                else QtWidgets.QStyle.StandardPixmap.SP_MediaPlay)
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _on_speed(self, v):
        self.speed_slider.set_float(v)
        self.speed_label.setText("max" if v >= SPEED_MAX else f"{v:.3g}/s")

    def _on_start(self, xy):
        self._set(self.start_x, xy[0])
        self._set(self.start_y, xy[1])

    def _start_edited(self):
        self._try(self.model.set_start, (self.start_x.value(), self.start_y.value()))

    # ================================================================== run list
    def _build_runs(self):
        box = QtWidgets.QGroupBox("Optimizer runs")
        lay = QtWidgets.QVBoxLayout(box)
        self.run_list = QtWidgets.QListWidget()
        self.run_list.setMaximumHeight(140)
        self.run_list.setToolTip("Tick to show a run; select one to edit it below")
        self.run_list.currentRowChanged.connect(self._on_run_selected)
        self.run_list.itemChanged.connect(self._on_run_item_changed)
        lay.addWidget(self.run_list)
        row = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QToolButton()
        self.add_button.setText("Add ▾")
        self.add_button.setToolTip("Add a run with the chosen optimizer")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(self.add_button)
        for name in le.optimizer_names():
            act = menu.addAction(f"{optimizer_def(name).title}  ({name})")
            act.triggered.connect(lambda _=False, n=name: self.add_run(n))
        self.add_button.setMenu(menu)
        self.duplicate_button = QtWidgets.QPushButton("Duplicate")
        self.duplicate_button.setToolTip("Copy the selected run in a new color (e.g. to try "
                                         "another learning rate)")
        self.duplicate_button.clicked.connect(self._duplicate)
        self.remove_button = QtWidgets.QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove)
        row.addWidget(self.add_button)
        row.addWidget(self.duplicate_button)
        row.addWidget(self.remove_button)
        lay.addLayout(row)
        return box

    def add_run(self, optimizer: str):
        spec = self.model.add_run(optimizer)
        self.select_run(spec.id)

    def _duplicate(self):
        if self.current_run_id is not None:
            spec = self.model.duplicate_run(self.current_run_id)
            self.select_run(spec.id)

    def _remove(self):
        if self.current_run_id is not None:
            self.model.remove_run(self.current_run_id)

    def select_run(self, run_id: int):
        ids = [r.id for r in self.model.runs]
        if run_id in ids:
            self.run_list.setCurrentRow(ids.index(run_id))

    def _on_runs(self):
        runs = self.model.runs
        keep = self.current_run_id
        with _blocked(self.run_list):
            self.run_list.clear()
            for r in runs:
                item = QtWidgets.QListWidgetItem(color_icon(r.color), r.name)
                item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(QtCore.Qt.CheckState.Checked if r.enabled
                                   else QtCore.Qt.CheckState.Unchecked)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, r.id)
                self.run_list.addItem(item)
        ids = [r.id for r in runs]
        row = ids.index(keep) if keep in ids else (0 if ids else -1)
        with _blocked(self.run_list):
            self.run_list.setCurrentRow(row)
        self._on_run_selected(row)
        self.duplicate_button.setEnabled(bool(ids))
        self.remove_button.setEnabled(bool(ids))

    def _on_run_item_changed(self, item):
        rid = item.data(QtCore.Qt.ItemDataRole.UserRole)
        on = item.checkState() == QtCore.Qt.CheckState.Checked
        self._try(self.model.update_run, rid, enabled=on)

    def _on_run_selected(self, row):
        runs = self.model.runs
        rid = runs[row].id if 0 <= row < len(runs) else None
        self.current_run_id = rid
        self._rebuild_editor()

    def _on_run_changed(self, rid):
        runs = self.model.runs
        ids = [r.id for r in runs]
        if rid in ids:
            r = runs[ids.index(rid)]
            item = self.run_list.item(ids.index(rid))
            with _blocked(self.run_list):
                item.setText(r.name)
                item.setIcon(color_icon(r.color))
                item.setCheckState(QtCore.Qt.CheckState.Checked if r.enabled
                                   else QtCore.Qt.CheckState.Unchecked)
        if rid == self.current_run_id:
            run = self.model.run(rid)
            if self._editor_optimizer != run.optimizer or \
                    self._editor_schedule != _schedule_name(run):
                self._rebuild_editor()
            else:
                self._refresh_editor_values()

    # ================================================================== run editor
    def _build_editor(self):
        self.editor_box = QtWidgets.QGroupBox("Selected run")
        outer = QtWidgets.QVBoxLayout(self.editor_box)
        top = QtWidgets.QFormLayout()
        self.optimizer_combo = QtWidgets.QComboBox()
        for name in le.optimizer_names():
            d = optimizer_def(name)
            self.optimizer_combo.addItem(f"{d.title}  ({name})", name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1, d.description,
                                             QtCore.Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_edited)
        top.addRow("Optimizer", self.optimizer_combo)
        crow = QtWidgets.QHBoxLayout()
        self.color_button = QtWidgets.QToolButton()
        self.color_button.setToolTip("Run color (colorblind-safe palette)")
        self.color_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        cmenu = QtWidgets.QMenu(self.color_button)
        for c in RUN_COLORS:
            act = cmenu.addAction(color_icon(c), c)
            act.triggered.connect(lambda _=False, c=c: self._edit(color=c))
        self.color_button.setMenu(cmenu)
        self.label_edit = QtWidgets.QLineEdit()
        self.label_edit.setToolTip("Your name for this run, shown in the legend; it stays when "
                                   "you change the run. Empty: a name made from its settings.")
        self.label_edit.editingFinished.connect(self._label_edited)
        crow.addWidget(self.color_button)
        crow.addWidget(self.label_edit, 1)
        top.addRow("Color, name", crow)
        self.optimizer_description = QtWidgets.QLabel()
        self.optimizer_description.setWordWrap(True)
        top.addRow(self.optimizer_description)
        outer.addLayout(top)
        self.hp_form_host = QtWidgets.QWidget()
        self.hp_form = QtWidgets.QFormLayout(self.hp_form_host)
        self.hp_form.setContentsMargins(0, 0, 0, 0)
        self.hp_form.setFieldGrowthPolicy(
            QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addWidget(self.hp_form_host)

        common = QtWidgets.QFormLayout()
        self.noise_spin = SciSpinBox(0.0, UNBOUNDED_FLOAT)
        self.noise_spin.setToolTip(_COMMON_HELP.get("noise", ""))
        self.noise_spin.valueChanged.connect(lambda v: self._edit(noise=float(v)))
        self.noise_spin.refused.connect(lambda msg: self.show_error(f"noise: {msg}"))
        common.addRow("Gradient noise", self.noise_spin)
        self.clip_spin = SciSpinBox(0.0, UNBOUNDED_FLOAT)
        self.clip_spin.setSpecialValueText("off")
        self.clip_spin.setToolTip(_COMMON_HELP.get("clip", "") + " (0: off)")
        self.clip_spin.valueChanged.connect(lambda v: self._edit(clip=float(v) if v > 0 else None))
        self.clip_spin.refused.connect(lambda msg: self.show_error(f"clip: {msg}"))
        common.addRow("Clip grad norm", self.clip_spin)
        self.seed_spin = IntSpinBox(0, 2**31 - 1)
        self.seed_spin.setToolTip("Seed of the gradient noise: same seed, same run, bit for bit")
        self.seed_spin.valueChanged.connect(lambda v: self._edit(seed=int(v)))
        self.seed_spin.refused.connect(lambda msg: self.show_error(f"seed: {msg}"))
        common.addRow("Seed", self.seed_spin)
        self._build_batch_row(common)
        self._build_repeats(common)
        self.schedule_combo = QtWidgets.QComboBox()
        self.schedule_combo.addItem("none", None)
        for name in le.schedule_names():
            if name != "constant":
                self.schedule_combo.addItem(name, name)
        self.schedule_combo.setToolTip(_COMMON_HELP.get("schedule", ""))
        self.schedule_combo.currentIndexChanged.connect(self._schedule_edited)
        common.addRow("LR schedule", self.schedule_combo)
        outer.addLayout(common)
        self.schedule_host = QtWidgets.QWidget()
        self.schedule_form = QtWidgets.QFormLayout(self.schedule_host)
        self.schedule_form.setContentsMargins(12, 0, 0, 0)
        outer.addWidget(self.schedule_host)
        self._editor_optimizer = None
        self._editor_schedule = None
        return self.editor_box

    # ---------------------------------------------------------------- repeats (noisy runs)
    def _build_repeats(self, form):
        """A noisy run repeated over several seeds: the engine's setting, not the scenario's."""
        from landscape_explorer.core.sweep import MAX_REPEATS

        self.repeats_spin = IntSpinBox(1, MAX_REPEATS)
        self.repeats_spin.setToolTip(
            "Repeat this noisy run over this many seeds (its own and the next ones): the loss "
            "plot shows their median and 10–90 % band, the views a faint fan of their paths. "
            "Needs gradient noise (a run without it repeats itself exactly).")
        self.repeats_spin.valueChanged.connect(self._repeats_edited)
        self.repeats_spin.refused.connect(lambda msg: self.show_error(f"repeats: {msg}"))
        form.addRow("Repeats", self.repeats_spin)
        if self.engine is None:
            self.repeats_spin.setEnabled(False)

    def _repeats_edited(self, v):
        if self.engine is not None and self.current_run_id is not None:
            self._try(self.engine.set_repeats, self.current_run_id, int(v))

    def _refresh_repeats(self, run):
        if self.engine is None:
            return
        noisy = run.noise > 0 or bool(getattr(run, "batch_size", None))
        self.repeats_spin.setEnabled(noisy)
        self._set(self.repeats_spin, self.engine.repeats(run.id))
    # ---- minibatch size (landscapes from data: core/minibatch.py)
    def _build_batch_row(self, form):
        self.batch_spin = IntSpinBox(0, 1)
        self.batch_spin.setSpecialValueText("full")
        self.batch_spin.valueChanged.connect(
            lambda v: self._edit(batch_size=int(v) if v > 0 else None))
        self.batch_spin.refused.connect(lambda msg: self.show_error(f"batch size: {msg}"))
        form.addRow("Batch size", self.batch_spin)
        self.model.surfaceChanged.connect(lambda _n: self._refresh_batch())
        self._refresh_batch()

    def _refresh_batch(self):
        """The batch size field follows the surface: 1 … n rows on a surface made from data,
        disabled (and saying why) on a formula."""
        ds = getattr(self.model.surface, "dataset", None)
        sp = self.batch_spin
        run = None
        if self.current_run_id is not None:
            try:
                run = self.model.run(self.current_run_id)
            except KeyError:
                run = None
        with _blocked(sp):
            if ds is None:
                sp.setEnabled(False)
                sp.setValue(0)
                sp.setToolTip("Minibatches need a surface made from data (the Data group of "
                              "the surface picker): a formula has no data rows to sample. "
                              "Gradient noise imitates them here.")
                return
            sp.setEnabled(True)
            sp.setRange(0, ds.n)
            bs = run.batch_size if run is not None else None
            # A batch size above n (set on a larger dataset) is every row: the full batch.
            sp.setValue(0 if bs is None else min(int(bs), ds.n))
            sp.setToolTip(f"Rows per minibatch, 1 to {ds.n} (full: all {ds.n}); each step "
                          "follows the exact gradient of its batch, drawn without replacement "
                          "each epoch from the run's seed")

    def _edit(self, **changes):
        if self.current_run_id is not None:
            self._try(self.model.update_run, self.current_run_id, **changes)

    def _label_edited(self):
        if self.current_run_id is None:
            return
        text = self.label_edit.text().strip()
        if text != self.model.run(self.current_run_id).label:
            self._edit(label=text)

    def _optimizer_edited(self, index):
        name = self.optimizer_combo.itemData(index)
        if self.current_run_id is not None and name:
            self._edit(optimizer=name)

    def _schedule_edited(self, index):
        name = self.schedule_combo.itemData(index)
        if self.current_run_id is None:
            return
        run = self.model.run(self.current_run_id)
        if name is None:
            self._edit(schedule=None)
            return
        from landscape_explorer.core.schedules import REQUIRED

        params = {}
        for pname, default, _help in _schedule_params(name):
            if default is REQUIRED:
                params[pname] = schedule_ui_default(pname, self.model, run.hyperparams["lr"])
        self._edit(schedule={"name": name, "params": params})

    def _clear_form(self, form):
        while form.rowCount():
            form.removeRow(0)

    def _rebuild_editor(self):
        rid = self.current_run_id
        self.editor_box.setEnabled(rid is not None)
        self._clear_form(self.hp_form)
        self._clear_form(self.schedule_form)
        self.hp_widgets = {}
        self.schedule_widgets = {}
        if rid is None:
            self._editor_optimizer = None
            self._editor_schedule = None
            self.editor_box.setTitle("Selected run")
            return
        run = self.model.run(rid)
        defn = optimizer_def(run.optimizer)
        self._editor_optimizer = run.optimizer
        self._editor_schedule = _schedule_name(run)
        self.optimizer_description.setText(defn.description)
        for p in defn.params:
            w = HyperParamField(p)
            w.edited.connect(lambda v, n=p.name: self._edit(hyperparams={n: v}))
            w.refused.connect(self.show_error)
            self.hp_widgets[p.name] = w
            label = QtWidgets.QLabel(p.name)
            label.setToolTip(w.toolTip())
            self.hp_form.addRow(label, w)
        if run.schedule:
            params = run.schedule.get("params", {})
            for pname, default, help_ in _schedule_params(run.schedule["name"]):
                w = self._make_value_widget(
                    params.get(pname, default), help_,
                    lambda v, n=pname: self._schedule_param_edited(n, v))
                self.schedule_widgets[pname] = w
                lbl = QtWidgets.QLabel(pname)
                lbl.setToolTip(help_)
                self.schedule_form.addRow(lbl, w)
        self._refresh_editor_values()
        self.wheel_guard.guard_children(self.editor_box)
        self._fit_width()

    # The learning-rate field, for tests and for keyboard users who want it directly.
    @property
    def lr_spin(self):
        w = self.hp_widgets.get("lr")
        return w.spins[0] if w is not None else None

    @property
    def lr_slider(self):
        w = self.hp_widgets.get("lr")
        return w.slider if w is not None else None

    def _schedule_param_edited(self, name, value):
        run = self.model.run(self.current_run_id)
        params = dict(run.schedule.get("params", {}))
        params[name] = value
        self._edit(schedule={"name": run.schedule["name"], "params": params})

    def _make_value_widget(self, default, help_, on_change):
        """An editor for a schedule parameter shaped like ``default``: bool, int, float or a
        Python literal (schedules have no range metadata; the core validates the values)."""
        if isinstance(default, bool):
            w = QtWidgets.QCheckBox()
            w.toggled.connect(lambda on: on_change(bool(on)))
        elif isinstance(default, int):
            w = IntSpinBox(-UNBOUNDED_INT, UNBOUNDED_INT)
            w.valueChanged.connect(lambda v: on_change(int(v)))
            w.refused.connect(self.show_error)
        elif isinstance(default, float):
            w = SciSpinBox(-UNBOUNDED_FLOAT, UNBOUNDED_FLOAT)
            w.valueChanged.connect(lambda v: on_change(float(v)))
            w.refused.connect(self.show_error)
        else:  # None or strings (e.g. a schedule's mode): typed as a Python literal
            w = QtWidgets.QLineEdit()

            def parse(w=w):
                t = w.text().strip()
                try:
                    v = ast.literal_eval(t)
                except (ValueError, SyntaxError):
                    v = t
                on_change(v)
            w.editingFinished.connect(parse)
        w.setToolTip(help_)
        return w

    def _set_value_widget(self, w, v):
        if isinstance(w, HyperParamField):
            w.set_value(v)
        elif isinstance(w, QtWidgets.QCheckBox):
            self._set_checked(w, v)
        elif isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            self._set(w, v)
        elif isinstance(w, QtWidgets.QLineEdit):
            with _blocked(w):
                w.setText(repr(v) if not isinstance(v, str) else v)

    def _refresh_editor_values(self):
        rid = self.current_run_id
        if rid is None:
            return
        try:
            run = self.model.run(rid)
        except KeyError:
            return
        name = run.name if len(run.name) <= 32 else run.name[:31] + "…"
        self.editor_box.setTitle(f"Selected run: {name}")
        with _blocked(self.optimizer_combo):
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(run.optimizer))
        self.color_button.setIcon(color_icon(run.color, 18))
        with _blocked(self.label_edit):
            if not self.label_edit.hasFocus() or self.label_edit.text() == run.label:
                self.label_edit.setText(run.label)
            self.label_edit.setPlaceholderText(run.auto_name)
        for name, w in self.hp_widgets.items():
            self._set_value_widget(w, run.hyperparams[name])
        self._set(self.noise_spin, run.noise)
        self._set(self.clip_spin, run.clip or 0.0)
        self._set(self.seed_spin, run.seed)
        self._refresh_repeats(run)
        self._refresh_batch()
        with _blocked(self.schedule_combo):
            self.schedule_combo.setCurrentIndex(
                max(0, self.schedule_combo.findData(_schedule_name(run))))
        params = run.schedule.get("params", {}) if run.schedule else {}
        for pname, w in self.schedule_widgets.items():
            if pname in params:
                self._set_value_widget(w, params[pname])


CUSTOM = "<custom>"  # the surface picker's "Custom…" entry (never a surface name)


def _schedule_name(run):
    return run.schedule["name"] if run.schedule else None
