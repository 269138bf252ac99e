"""Comparison with a reference: DTW by hand, mirror, the studio's known changes, self."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from balletmirror.analysis.compare import compare
from balletmirror.analysis.compare.alignment import align, gaps, mirrored, symmetric, tempo_line
from balletmirror.analysis.compare.differences import similarity, with_hidden_leg_caveat
from balletmirror.analysis.compare.matching import rescue
from balletmirror.analysis.pipeline import analyze_motion
from balletmirror.core.records import Step
from balletmirror.features.signals import raised_leg
from balletmirror.studio.perform import perform

BASE = "5th; tendu front right; arabesque right 90; pirouette en_dehors right 2; passe right"


def _analysis(text: str, seed: int = 0):
    m = perform(text, fps=25.0, seed=seed).motion
    return analyze_motion(m, source={"path": None, "kind": "studio", "duration_s": m.duration_s})


@pytest.fixture(scope="module")
def reference():
    return _analysis("height=1.62; " + BASE, seed=100)


def test_dtw_textbook_path():
    # y holds x's second sample twice: the path waits one step on it, then runs diagonal
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])[:, None]
    y = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 4.0])[:, None]
    path, cost = align(x, y)
    assert path.tolist() == [[0, 0], [1, 1], [1, 2], [2, 3], [3, 4], [4, 5]]
    assert cost == 0.0
    # y holds still for 4 samples where x does not: x waits on its sample 1 meanwhile
    y2 = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0])[:, None]
    x2 = np.array([0.0, 1.0, 2.0, 3.0])[:, None]
    p2, _ = align(x2, y2)
    assert p2[0].tolist() == [0, 0] and p2[-1].tolist() == [3, 6]
    assert [j for i, j in p2 if i == 1] == [1, 2, 3, 4]


def test_gaps_on_a_path():
    tb = np.arange(0.0, 6.0, 0.1)
    ta = np.where(tb < 2.0, tb, np.where(tb < 3.5, 2.0, tb - 1.5))  # she skips 2-3.5 s
    found = gaps(ta, tb)
    assert [g["kind"] for g in found] == ["missing"]
    assert found[0]["reference_s"][0] == pytest.approx(2.0, abs=0.11)
    assert found[0]["reference_s"][1] == pytest.approx(3.5, abs=0.11)


def test_tempo_line_ignores_a_gap():
    tb = np.arange(0.0, 20.0, 0.1)
    ta = np.where(tb < 8, 1.1 * tb, 1.1 * tb - 3.0)  # 10% slower, 3 s left out at 8 s
    gap = [{"kind": "missing", "her_s": [8.8, 8.8], "reference_s": [8.0, 8.0]}]
    t0, r = tempo_line(ta, tb, gap)
    assert r == pytest.approx(1.1, abs=1e-6) and t0 == pytest.approx(0.0, abs=1e-6)


def test_a_step_the_path_swallowed_is_given_back():
    def step(name, a, b):
        return Step(name=name, start_s=a, end_s=b, side="right")

    hers = [step("tendu", 0, 2), step("passe", 3, 5), step("jump", 6, 7)]
    ref = [step("tendu", 0, 2), step("degage", 3, 5), step("jump", 6, 7)]
    # the path stands still at her 5.5 s while the reference dances 3-5 s: a gap
    tb = np.arange(0.0, 7.01, 0.1)
    ta = np.where(tb < 3.0, tb, np.where(tb <= 5.0, 5.5, tb))
    gap = [{"kind": "missing", "her_s": [5.5, 5.5], "reference_s": [3.0, 5.0]}]
    assert rescue([(0, 0), (None, 1), (2, 2)], hers, ref, gap, ta, tb) == \
        [(0, 0), (1, 1), (2, 2)]
    # a turn is not given back so: it is missing when no turn of hers lies there
    ref[1] = step("pirouette", 3, 5)
    assert rescue([(0, 0), (None, 1), (2, 2)], hers, ref, gap, ta, tb)[1] == (None, 1)


def test_mirrored_swaps_sides_and_reverses_turns():
    names = ["left_knee_angle", "right_knee_angle", "trunk_inclination", "turn_rate"]
    F = np.array([[1.0, 2.0, 3.0, 0.5]])
    assert mirrored(F, names).tolist() == [[2.0, 1.0, 3.0, -0.5]]


def test_symmetric_features_are_blind_to_sides():
    names = ["left_knee_angle", "right_knee_angle", "trunk_inclination", "turn_rate"]
    F = np.array([[1.0, 2.0, 3.0, -0.5], [4.0, 3.0, 3.0, 0.5]])
    out = symmetric(F, names)
    assert out.tolist() == [[2.0, 1.0, 3.0, 0.5], [4.0, 3.0, 3.0, 0.5]]
    np.testing.assert_array_equal(symmetric(mirrored(F, names), names), out)


def test_similarity_definition():
    assert similarity(0.0) == 100.0 and similarity(22.5) == 50.0 and similarity(90.0) == 0.0


def test_self_comparison_is_identical(reference):
    result = compare(reference, reference)
    assert result["similarity"] == 100.0 and result["tempo_ratio"] == pytest.approx(1.0)
    assert not result["mirrored"] and result["missing"] == [] and result["extra"] == []
    assert all(s["matched"] and s["differences"] == [] and s["timing_ms"] == 0
               for s in result["steps"])


def test_a_joint_seen_on_one_side_only_is_left_out(reference):
    # a pose model may lose one arm for most of a clip: its twin goes too, so that
    # mirroring and the side-blind features still find each feature's pair
    kin = reference.kinematics
    series = {**kin.series, "left_shoulder_elevation": np.full(len(kin.times), np.nan)}
    one_armed = dataclasses.replace(reference, kinematics=dataclasses.replace(kin, series=series))
    result = compare(one_armed, reference)
    names = result["alignment"]["features"]
    assert "left_shoulder_elevation" not in names and "right_shoulder_elevation" not in names
    assert result["missing"] == [] and result["tempo_ratio"] == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("seed", [0, 1])
def test_studio_known_changes_are_found(reference, seed):
    lower = compare(_analysis("height=1.72; " + BASE.replace("right 90", "right 70"), seed),
                    reference)
    leg = [d for s in lower["steps"] if s["reference_step"] == "arabesque"
           for d in s["differences"] if d["what"] == "leg_height"]
    assert leg and leg[0]["difference"] == pytest.approx(-20.0, abs=5.0)
    assert "lower" in leg[0]["message"] and lower["missing"] == []

    skipped = compare(_analysis("height=1.72; " + BASE.replace(
        "pirouette en_dehors right 2; ", ""), seed), reference)
    assert [m["step"] for m in skipped["missing"]] == ["pirouette"]

    slower = compare(_analysis(f"bpm={96 / 1.1:.2f}; height=1.72; " + BASE, seed), reference)
    assert slower["tempo_ratio"] == pytest.approx(1.1, rel=0.05) and slower["missing"] == []

    other = compare(_analysis("height=1.72; " + BASE.replace("right", "left"), seed),
                    reference)
    assert other["mirrored"] and other["missing"] == []
    same = compare(_analysis("height=1.72; " + BASE, seed), reference)
    assert not same["mirrored"] and same["similarity"] > 90


def test_compare_command(tmp_path):
    from balletmirror.studio.make import make_performance

    a = make_performance(BASE.replace("right", "left"), tmp_path / "a", video=False)["motion"]
    b = make_performance(BASE, tmp_path / "b", video=False)["motion"]
    proc = subprocess.run([sys.executable, "-m", "balletmirror", "compare", str(a), str(b),
                           "-o", str(tmp_path / "o"), "--no-report"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "o" / "results.json").read_text())
    assert doc["reference"]["mirrored"] is True and doc["reference"]["similarity"] > 50
    assert "reference" in proc.stdout and "mirrored" in proc.stdout


def test_a_step_on_the_other_leg_is_compared_working_leg_to_working_leg(reference):
    other = compare(_analysis("height=1.62; " + BASE.replace("arabesque right", "arabesque left"),
                              100), reference)
    row = next(s for s in other["steps"] if s["reference_step"] == "arabesque")
    assert not other["mirrored"] and row["her_side"] == "left"
    assert [d["what"] for d in row["differences"]] == ["side"]
    assert "working leg to working leg" in row["differences"][0]["message"]
    assert row["similarity"] > 80


def test_a_leg_hidden_from_the_camera_makes_its_height_unreliable(reference):
    ara = next(s for s in reference.steps if s.name == "arabesque")
    assert raised_leg(reference.signals, ara.start_s, ara.end_s) == ("right", 1.0)
    diff = [{"what": "leg_height", "difference": -41.0, "message": "your arabesque leg is 41 "
             "deg lower than the reference's"}, {"what": "turns", "message": "x"}]
    assert with_hidden_leg_caveat(diff, reference, reference, ara, ara) == diff  # motion capture
    # the pose model unsure of her right ankle (behind her body, from the front)
    seen = {**reference.signals.ankle_seen, "right": np.full(reference.motion.n_frames, 0.5)}
    hidden = dataclasses.replace(reference, signals=dataclasses.replace(reference.signals,
                                                                        ankle_seen=seen))
    marked = with_hidden_leg_caveat(diff, reference, hidden, ara,
                                    dataclasses.replace(ara, view="front"))
    assert marked[0]["reliable"] is False and "hidden" in marked[0]["caveat"]
    assert "right leg" in marked[0]["caveat"] and "front" in marked[0]["caveat"]
    assert marked[0]["message"].endswith("(unreliable: the leg was hidden from the camera)")
    assert marked[1] == diff[1]


def test_a_missing_reference_fails_before_the_analysis(tmp_path):
    from balletmirror.studio.make import make_performance

    a = make_performance(BASE, tmp_path / "a", video=False)["motion"]
    proc = subprocess.run([sys.executable, "-m", "balletmirror", "compare", str(a),
                           str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "nope.bvh" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


