"""A noisy run repeated over K seeds in the app: the engine steps the K runs (each exactly the
core's run of its seed), the loss plot shows their median and 10-90 % band, the 2D and 3D views
a faint fan of the other paths behind the run's own, and the verdicts say what they describe."""
import os

import numpy as np
import pytest

from landscape_explorer.core.sweep import loss_band, repeat_runs

NOISY = {
    "surface": "himmelblau", "resolution": 60, "start": [-0.3, 0.4], "max_steps": 150,
    "speed": 1000.0,
    "runs": [{"id": 1, "optimizer": "gd", "hyperparams": {"lr": 0.01}, "noise": 25.0,
              "seed": 3, "color": "#E69F00"},
             {"id": 2, "optimizer": "gd", "hyperparams": {"lr": 0.01}, "color": "#56B4E9"}],
}
K = 8


@pytest.fixture
def win(make_window):
    return make_window(NOISY, size=(1400, 900))


def _ids(w):
    return [r.id for r in w.model.runs]


def test_repeats_are_the_cores_runs_and_the_plot_shows_their_band(qtbot, win):
    eng = win.engine
    noisy, plain = _ids(win)
    assert eng.repeats(noisy) == 1 and eng.effective_repeats(noisy) == 1
    # The setting, from the control panel: enabled for the noisy run only.
    win.controls.select_run(plain)
    assert not win.controls.repeats_spin.isEnabled()
    win.controls.select_run(noisy)
    assert win.controls.repeats_spin.isEnabled()
    win.controls.repeats_spin.setValue(K)
    assert eng.repeats(noisy) == K and eng.effective_repeats(noisy) == K
    eng.run_until_done()
    steps, paths, losses = eng.repeat_histories(noisy)
    assert steps[-1] == 150 and paths.shape == (K, len(steps), 2)
    core = repeat_runs("himmelblau", win.model.run(noisy).build_optimizer(), (-0.3, 0.4), 150,
                       repeats=K, seed=3)
    np.testing.assert_array_equal(steps, core.step_index)
    np.testing.assert_array_equal(paths, core.paths)  # row 0 is the seed-3 run itself
    np.testing.assert_array_equal(losses, core.losses)
    # The band: per-step 10/50/90 % of the K losses, as drawn.
    band_steps, q = win.loss_plot.bands.band(noisy)
    np.testing.assert_array_equal(band_steps, steps)
    np.testing.assert_allclose(q, loss_band(core.losses), rtol=1e-12)
    low, median, high, fill = win.loss_plot.bands._items[noisy]
    assert fill.isVisible() and median.isVisible()
    # The band is a real area: as tall as the spread of the losses at the first steps.
    assert not fill.path().isEmpty() and fill.path().boundingRect().height() > 0
    np.testing.assert_allclose(median.getData()[1], q[1])
    assert not win.loss_plot.bands._items[plain][3].isVisible()  # nothing random: no band
    legend = [label.text for _, label in win.loss_plot.legend.items]
    assert f"median of {K} seeds, 10–90 % band" in legend
    # The 2D fan: the K-1 other paths, broken apart between repeats.
    x, y = win.view2d.fan.items[noisy].getData()
    assert np.isnan(x).sum() == K - 1
    finite = ~np.isnan(x)
    others = np.concatenate([p for p in core.paths[1:]])
    np.testing.assert_allclose(x[finite], others[:, 0])
    assert not win.view2d.fan.items[plain].isVisible()
    # The verdicts say which run they describe and how the seeds did.
    panel = win.analysis
    qtbot.waitUntil(lambda: "of 8 reached the global minimum" in panel.verdict_label.text(),
                    timeout=30000)
    wins = core.count("global_min")
    text = panel.verdict_label.text()
    assert "(the seed-3 run)" in text and f"{wins} of 8 reached the global minimum" in text
    shots = os.environ.get("LE_SCREENSHOTS")
    if shots:
        win.grab().save(os.path.join(shots, "repeats_window.png"))
        win.loss_plot.grab().save(os.path.join(shots, "repeats_loss.png"))


def test_the_3d_fan_draws_and_goes_with_the_setting(qtbot, win):
    eng = win.engine
    noisy, _ = _ids(win)
    v = win.view3d
    eng.run_until_done()
    v.refresh_runs()
    before = v.render_array(v.width(), v.height())
    eng.set_repeats(noisy, K)
    eng.run_until_done()
    assert len(v.fan.items[noisy]) == K - 1
    with_fan = v.render_array(v.width(), v.height())
    changed = np.abs(with_fan.astype(int) - before.astype(int)).max(axis=2) > 12
    assert changed.sum() > 400  # seven faint paths across the surface
    shots = os.environ.get("LE_SCREENSHOTS")
    if shots:
        v.grabFramebuffer().save(os.path.join(shots, "repeats_3d.png"))
    # Back to one: the fan and the band go; noise off: repeats no longer stepped.
    eng.set_repeats(noisy, 1)
    assert v.fan.items[noisy] == [] and eng.effective_repeats(noisy) == 1
    again = v.render_array(v.width(), v.height())
    assert (np.abs(again.astype(int) - before.astype(int)).max(axis=2) > 12).sum() < 50
    eng.set_repeats(noisy, 4)
    win.model.update_run(noisy, noise=0.0)
    assert eng.repeats(noisy) == 4 and eng.effective_repeats(noisy) == 1
    with pytest.raises(ValueError, match="invalid repeats"):
        eng.set_repeats(noisy, 0)


def test_repeats_are_saved_with_the_scenario_and_come_back(win, make_window):
    """The repeat count is the run's setting: written into the scenario file, read back, and
    stepped again in a window opened from it; the run itself does not restart when it changes."""
    eng = win.engine
    noisy, plain = _ids(win)
    eng.run_until_done()
    eng.set_repeats(noisy, 5)
    assert eng.stepper(noisy).step == 150  # the run goes on where it was
    d = win.model.to_dict()
    assert [r.get("repeats", 1) for r in d["runs"]] == [5, 1]
    assert "repeats" not in d["runs"][1]  # 1 is not written: files without repeats stay as they were
    from landscape_explorer.core.scenario import Scenario

    sc = Scenario.from_dict(d)
    assert [r.repeats for r in sc.runs] == [5, 1]
    other = make_window({**NOISY, "runs": [
        {**NOISY["runs"][0], "repeats": 5}, NOISY["runs"][1]]})
    assert other.engine.repeats(other.model.runs[0].id) == 5
    assert other.engine.effective_repeats(other.model.runs[0].id) == 5
    assert other.controls.repeats_spin.value() in (1, 5)  # shows the selected run's setting
    other.controls.select_run(other.model.runs[0].id)
    assert other.controls.repeats_spin.value() == 5
    with pytest.raises(ValueError, match="repeats"):
        eng.set_repeats(noisy, 0)
    assert eng.repeats(noisy) == 5


def test_the_run_table_says_how_the_seeds_did(qtbot, win):
    """The table's verdict is the run's own seed's; for a repeated run it adds how many of the
    seeds reached the global minimum, the same count as the core's runs of those seeds."""
    eng = win.engine
    noisy, plain = _ids(win)
    eng.set_repeats(noisy, K)
    eng.run_until_done()
    core = repeat_runs("himmelblau", win.model.run(noisy).build_optimizer(), (-0.3, 0.4), 150,
                       repeats=K, seed=3)
    table = win.run_table
    row = [r.id for r in win.model.runs].index(noisy)
    from landscape_explorer.app.panels.run_table import VERDICT

    qtbot.waitUntil(lambda: "seeds" in table.item(row, VERDICT).text(), timeout=30000)
    table.refresh()
    item = table.item(row, VERDICT)
    assert f"{core.count('global_min')}/{K} seeds" in item.text()
    assert f"{core.count('global_min')} of {K} reached the global minimum" in item.toolTip()
    assert "seeds" not in table.item(1 - row, VERDICT).text()  # the plain run: no count
