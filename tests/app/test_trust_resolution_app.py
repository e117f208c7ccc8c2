"""Bounds far too wide for the critical-point search, in the app: the analysis panel, the basin
map say so in one line instead of marking wrong kinds. (The run table's verdicts are relative to
the surface's own bounds, which the app always gets resolvable: the default ones.)"""
WIDE = [[-1e4, 1e4], [-1e4, 1e4]]
RESOLVE = "outside what the critical-point search can resolve"


def state(surface):
    return {"surface": surface, "bounds": WIDE, "resolution": 40, "start": [5000.0, 5000.0],
            "max_steps": 20, "speed": 60.0,
            "runs": [{"id": 1, "optimizer": "gd", "hyperparams": {"lr": 1e-9}, "color": "#E69F00"}]}


def test_analysis_and_basins_say_the_bounds_are_too_wide(qtbot, make_window):
    w = make_window(state("himmelblau"))
    panel = w.analysis
    qtbot.waitUntil(lambda: RESOLVE in panel.critical_label.text(), timeout=60000)
    text = panel.critical_label.text()
    assert "too close to tell apart" in text and "\n" not in text
    assert panel.critical == []  # no markers with wrong kinds
    panel.basins_tab.basins_res.setValue(16)
    panel.basins_tab.basins_steps.setValue(20)
    panel.basins_tab.compute_basins()
    qtbot.waitUntil(lambda: not panel.basins_tab.running, timeout=60000)
    assert RESOLVE in panel.basins_tab.basins_label.text()
    assert panel.basins_tab.basins_results in ([], None) or not panel.basins_tab.basins_results
