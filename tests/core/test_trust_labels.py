"""Run labels are any valid Unicode, and every export writes them back exactly; a lone surrogate
(no character at all, which no encoder can write) is refused where it enters, naming the field,
and an export of a run built by hand with one is refused before any file appears."""
import csv
import io
import json

import pytest

import landscape_explorer as le
from landscape_explorer.core import scenario as S
from landscape_explorer.core.trajectories import (trajectories_csv, write_trajectories_csv,
                                                  write_trajectories_json)
from landscape_explorer.core.validation import ParameterError

ODD_BUT_VALID = ["Adam ✓ 学习率 0.1", "مرحبا bidi \u202e reversed", "e\u0301 combining",
                 "emoji 🏔️‍🔥 zwj", "tab\tand \u00a0nbsp", "\U0010fffd plane 16"]


def small_scenario(label):
    d = {"schema": S.SCHEMA, "version": 1, "title": "labels",
         "surface": {"name": "bowl", "resolution": 20}, "starts": [[-1.0, 1.0]], "steps": 4,
         "runs": [{"label": label, "optimizer": "gd", "hyperparams": {"lr": 0.1}}]}
    return d


@pytest.mark.parametrize("label", ODD_BUT_VALID)
def test_valid_unicode_labels_round_trip_through_every_export(label, tmp_path):
    sc = S.Scenario.from_json(json.dumps(small_scenario(label)))
    assert sc.runs[0].label == label
    write_trajectories_csv(sc, tmp_path / "t.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"),
                                           newline="")))
    assert {r["label"] for r in rows} == {label}
    write_trajectories_json(sc, tmp_path / "t.json")
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert data["runs"][0]["label"] == label
    S.save_scenario(sc, tmp_path / "s.json")
    assert S.load_scenario(tmp_path / "s.json").runs[0].label == label


def test_lone_surrogate_in_a_scenario_file_is_refused_naming_the_field(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps(small_scenario("before \ud800 after")))  # written as \ud800 escape
    with pytest.raises(S.ScenarioError) as e:
        S.load_scenario(p)
    assert e.value.field == "runs[0].label"
    assert "lone surrogate U+D800 at character 8" in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("ch", ["\ud800", "\udfff", "\udc80"])
def test_lone_surrogate_set_in_code_is_refused_by_every_export(ch, tmp_path):
    sc = S.Scenario.from_json(json.dumps(small_scenario("ok")))
    sc.runs[0].label = f"x{ch}"
    for write, name in ((write_trajectories_csv, "t.csv"), (write_trajectories_json, "t.json")):
        with pytest.raises(ParameterError, match=r"invalid label of run 0: not valid Unicode: "
                                                 r"a lone surrogate U\+D[89A-F][0-9A-F]{2} at "
                                                 r"character 2"):
            write(sc, tmp_path / name)
    with pytest.raises(S.ScenarioError, match="runs\\[0\\].label"):
        S.save_scenario(sc, tmp_path / "s.json")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a partial file
    with pytest.raises(ValueError):
        sc.runs[0].validated()  # what the app's run edits go through


def test_a_surrogate_pair_is_one_valid_character():
    # Python strings hold code points: a pair written as two escapes in JSON decodes to one.
    sc = S.Scenario.from_json(json.dumps(small_scenario("\U0001f600")).replace(
        "\\ud83d\\ude00", "\\ud83d\\ude00"))
    assert sc.runs[0].label == "😀"
    assert "😀" in trajectories_csv(sc)


def test_library_simulation_unaffected_by_the_check():
    assert le.simulate("bowl", "gd", [[1.0, 1.0]], 3).path.shape == (4, 1, 2)
