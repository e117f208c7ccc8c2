"""The verdict is the status: the run table and the status bar show every run's verdict all the
time, with the same icon and color; numbers read as people read them; narrow tables elide names
before they lose Step, Loss or Verdict."""
import numpy as np
import pytest

from app_helpers import bowl_state

from landscape_explorer.app.live_verdicts import live_verdicts_for
from landscape_explorer.app.verdict_style import verdict_style


def _verdicts_ready(window):
    lv = live_verdicts_for(window.engine)
    return lambda: lv.ready and all(lv.verdict(i) is not None for i in window.engine.run_ids())


def _play_to_end(qtbot, window, timeout=30000):
    window.model.set_speed(1e9)
    with qtbot.waitSignal(window.engine.finished, timeout=timeout):
        window.model.set_playing(True)
    qtbot.waitUntil(_verdicts_ready(window), timeout=10000)


def _row(window, label):
    (run,) = [r for r in window.model.runs if r.name == label]
    return run.id, window.run_table.row_texts(run.id)


def test_local_minimum_example_says_local_minimum(qtbot, make_window):
    window = make_window()
    window.file_actions.open_example("local_minimum")
    _play_to_end(qtbot, window)
    # The example's runs are named from their settings.
    rid, gd = _row(window, "gd lr=0.05")
    assert gd["Verdict"].startswith(verdict_style("local_min").icon)
    assert "local min" in gd["Verdict"] and "+0.98" in gd["Verdict"]  # the loss gap
    _, mom = _row(window, "sgd+momentum 0.9 lr=0.05")
    assert "global min" in mom["Verdict"]
    # The status bar says the same, in the same words.
    status = window.verdict_status.plain_text()
    assert "gd lr=0.05: local minimum +0.9848" in status and "global minimum" in status
    # The tooltip has the whole sentence with the numbers.
    row = window.run_table.row_of(rid)
    tip = window.run_table.item(row, 5).toolTip()
    assert tip.startswith("stuck in a local minimum at (1.408, 0)")


def test_step_zero_is_never_converged(qtbot, make_window):
    # Both runs start exactly at the bowl's minimum: at step 0 they are "not started", not
    # converged; after a step they "started on a stationary point".
    window = make_window(bowl_state(start=[0.0, 0.0]))
    qtbot.waitUntil(_verdicts_ready(window), timeout=10000)
    for rid in window.engine.run_ids():
        assert window.engine.state(rid).status != "converged"
        assert window.engine.state(rid).step == 0
        text = window.run_table.row_texts(rid)["Verdict"]
        assert text == f"{verdict_style('not_started').icon} not started"
        assert "converged" not in text and "minimum" not in text
    window.engine.single_step()
    qtbot.waitUntil(lambda: all("stationary" in window.run_table.row_texts(i)["Verdict"]
                                for i in window.engine.run_ids()), timeout=5000)
    window.model.request_reset()
    qtbot.waitUntil(lambda: all("not started" in window.run_table.row_texts(i)["Verdict"]
                                for i in window.engine.run_ids()), timeout=5000)


def test_adam_at_rosenbrock_minimum_reads_global_minimum(qtbot, make_window):
    window = make_window(bowl_state(
        surface="rosenbrock", bounds=[[-2, 2], [-1, 3]], start=[-1.5, 2.0], max_steps=1000,
        runs=[{"id": 1, "optimizer": "adam", "hyperparams": {"lr": 0.1}, "color": "#56B4E9"}]))
    _play_to_end(qtbot, window)
    s = window.engine.state(1)
    assert s.step == 1000
    assert 1e-4 < s.grad_norm < 1e-2  # not below any absolute "converged" threshold
    assert np.hypot(s.position[0] - 1, s.position[1] - 1) < 1e-2
    text = window.run_table.row_texts(1)["Verdict"]
    style = verdict_style("global_min")
    assert text.startswith(style.icon) and "global min" in text and "moving" not in text
    item = window.run_table.item(0, 5)
    assert item.foreground().color().name() == style.color
    # The status bar uses the same icon and color.
    html = window.verdict_status.text()
    assert f"color:{style.color}'>{style.icon}" in html


def test_verdicts_follow_single_steps_at_once(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(_verdicts_ready(window), timeout=10000)
    assert all("not started" in window.run_table.row_texts(i)["Verdict"]
               for i in window.engine.run_ids())
    window.engine.single_step()
    # Paused and stepped: no throttling, the verdict follows without waiting for a timer.
    assert all("moving" in window.run_table.row_texts(i)["Verdict"]
               for i in window.engine.run_ids())


def test_round_off_loss_reads_zero(qtbot, make_window):
    # Ackley's value near its minimum of 0 is round-off (3.6e-15 here): the table says 0.
    window = make_window(bowl_state(surface="ackley", bounds=[[-5, 5], [-5, 5]],
                                    start=[3e-16, 3e-16]))
    qtbot.waitUntil(_verdicts_ready(window), timeout=10000)
    assert window.engine.state(1).loss != 0
    assert window.run_table.row_texts(1)["Loss"] == "0"
    assert "-" not in window.run_table.row_texts(2)["Loss"]


@pytest.mark.parametrize("width", [1024, 1280, 1600])
def test_narrow_table_elides_names_before_hiding_numbers(qtbot, make_window, width):
    state = bowl_state(runs=[
        {"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.02}, "color": "#E69F00",
         "label": "plain gradient descent with a very long descriptive name"},
        {"id": 2, "optimizer": "adam", "hyperparams": {"lr": 0.05}, "color": "#56B4E9"},
    ])
    window = make_window(state, size=(width, 700))
    _play_to_end(qtbot, window)
    table = window.run_table
    for name in ("Step", "Loss", "Verdict"):
        assert table.column_visible_width(name) > 30, (width, name)
    # Step and Loss are never cut: their texts fit their columns.
    fm = table.fontMetrics()
    for rid in window.engine.run_ids():
        texts = table.row_texts(rid)
        for name, col in (("Step", 2), ("Loss", 3)):
            assert fm.horizontalAdvance(texts[name]) <= table.columnWidth(col)
    # Everything fits inside the viewport: no scrolling to reach the verdict.
    total = sum(table.columnWidth(c) for c in range(6) if not table.isColumnHidden(c))
    assert total <= table.viewport().width()
    # Widen the table: the name and the gradient come back, the name with the spare room.
    window.bottom_split.setSizes([100, 2000])
    qtbot.waitUntil(lambda: table.column_visible_width("|∇f|") > 30, timeout=5000)
    assert table.column_visible_width("Run") > 100
    assert "…" not in table.row_texts(2)["Verdict"]


def test_every_verdict_kind_has_a_distinct_readable_style(qapp):
    from PyQt6 import QtGui, QtWidgets

    from landscape_explorer.core.verdicts import VERDICT_KINDS

    styles = [verdict_style(k) for k in VERDICT_KINDS]
    assert len({s.icon for s in styles}) == len(styles)
    assert len({s.label for s in styles}) == len(styles)
    fm = QtGui.QFontMetrics(QtWidgets.QApplication.font())
    for k, s in zip(VERDICT_KINDS, styles):
        assert fm.inFont(s.icon), (k, s.icon)
        # Legible on the white table and on the dark 3D background alike: mid luminance.
        lum = QtGui.QColor(s.color).lightnessF()
        assert 0.25 <= lum <= 0.7, (k, s.color, lum)


@pytest.mark.parametrize("width", [1024, 1600])
def test_status_bar_verdicts_are_never_clipped(qtbot, make_window, width):
    window = make_window(size=(width, 700))
    qtbot.waitUntil(_verdicts_ready(window), timeout=10000)
    window.engine.single_step()
    label = window.verdict_status
    bar = window.statusBar()
    qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width() - 1, timeout=5000)
    assert label.geometry().left() >= 0 and label.geometry().right() <= bar.width()
    for rid in window.engine.run_ids():  # the same icons as the table
        icon = window.run_table.row_texts(rid)["Verdict"][0]
        assert icon in label.text()
