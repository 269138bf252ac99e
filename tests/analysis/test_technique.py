"""The ballet manual as data, the technique scores and corrections, views, fatigue."""

import json
import math

import numpy as np
import pytest

from balletmirror.analysis.fatigue import fatigue, trend
from balletmirror.analysis.pipeline import analyze_motion, results_document
from balletmirror.analysis.technique import (
    MEASURES,
    criterion_score,
    load_manual,
    view_of_yaw,
)
from balletmirror.core.camera import camera_preset
from balletmirror.core.errors import ConfigError
from balletmirror.core.records import Step
from balletmirror.core.vocabulary import METRICS, STEPS
from balletmirror.studio.perform import perform
from balletmirror.studio.video import ideal_pose_model


def _steps(text: str, view: str = "3d", seed: int = 5) -> tuple[Step, ...]:
    perf = perform(text, fps=30.0, seed=seed)
    motion = perf.motion if view == "3d" else ideal_pose_model(perf.motion, camera_preset(view))
    return analyze_motion(motion, source={}).steps


def _row(step: Step, criterion: str) -> dict:
    return next(r for r in step.criteria if r["criterion"] == criterion)


def _corrected(step: Step) -> set[str]:
    return {c.criterion for c in step.corrections}


def test_the_manual_is_complete_and_valid():
    header, criteria = load_manual()
    assert header["version"] == 1
    assert len(criteria) >= 15
    for c in criteria:
        assert set(c.steps) <= set(STEPS)
        assert c.quantity in MEASURES
        assert c.ideal[0] <= c.ideal[1] and c.tolerance > 0
        assert c.correction and all(isinstance(m, str) and m for m in c.correction.values())
        assert c.source and c.basis and c.views
        if "video" not in c.sources:
            assert c.video_reason
    covered = {s for c in criteria for s in c.steps}
    assert set(STEPS) - covered == {"port_de_bras", "travel", "other"}
    assert set(MEASURES) <= set(METRICS)  # every quantity is a metric of the vocabulary


@pytest.mark.parametrize("text, problem", [
    ("[[criterion]\n", "TOML"),
    ('[[criterion]]\nname = "x"\n', "header"),
    ('[[criterion]]\nname = "x"\nsteps = ["plie"]\nquantity = "nonsense"\nunits = "deg"\n'
     'ideal = [0, 1]\ntolerance = 1\nviews = ["front"]\ncorrection.low = "a"\n'
     'source = "s"\nbasis = "b"\n', "quantity"),
    ('[[criterion]]\nname = "x"\nsteps = ["plie"]\nquantity = "min_knee_angle"\n'
     'units = "deg"\nideal = [2, 1]\ntolerance = 1\nviews = ["front"]\ncorrection.low = "a"\n'
     'source = "s"\nbasis = "b"\n', "low <= high"),
    ('[[criterion]]\nname = "x"\nsteps = ["pirouete"]\nquantity = "min_knee_angle"\n'
     'units = "deg"\nideal = [1, 2]\ntolerance = 1\nviews = ["front"]\ncorrection.low = "a"\n'
     'source = "s"\nbasis = "b"\n', "steps of the vocabulary"),
])
def test_a_broken_manual_is_refused_in_one_line(text, problem):
    with pytest.raises(ConfigError, match=problem):
        load_manual(text)


def test_score_mapping():
    assert criterion_score(120.0, (100.0, 140.0), 15.0) == 100.0
    assert criterion_score(155.0, (100.0, 140.0), 15.0) == 50.0
    assert criterion_score(85.0, (100.0, 140.0), 15.0) == 50.0
    assert criterion_score(170.0, (100.0, 140.0), 15.0) == 0.0
    assert criterion_score(147.5, (100.0, 140.0), 15.0) == 75.0


def test_views_from_the_facing():
    assert view_of_yaw(0.0) == "front"
    assert view_of_yaw(360.0 + 10.0) == "front"
    assert view_of_yaw(45.0) == "three-quarter"
    assert view_of_yaw(-90.0) == "side"
    assert view_of_yaw(180.0) == "back"
    assert view_of_yaw(-135.0) == "three-quarter"


FAULTS = [
    ("5th; plie demi fault=knees_in", "plie", "knees_over_toes"),
    ("5th; plie grand fault=knees_in", "plie", "knees_over_toes"),
    ("5th; releve fault=bent_supporting_knee", "releve", "supporting_leg_straight"),
    ("5th; tendu front left fault=bent_supporting_knee", "tendu", "supporting_leg_straight"),
    ("5th; passe right fault=low_passe", "passe", "passe_height"),
    ("5th; pirouette en_dehors right 2 fault=low_passe", "pirouette", "passe_height"),
    ("5th; developpe side right 90 fault=hip_hiking", "developpe", "pelvis_level"),
    ("5th; grand_battement side left 100 fault=hip_hiking", "grand_battement", "pelvis_level"),
    ("5th; releve fault=sickled_foot", "releve", "sickling"),
]


@pytest.mark.parametrize("text, name, criterion", FAULTS)
def test_an_injected_fault_is_corrected_and_the_clean_step_is_not(text, name, criterion):
    faulty = next(s for s in _steps(text) if s.name == name)
    assert criterion in _corrected(faulty), faulty.criteria
    correction = next(c for c in faulty.corrections if c.criterion == criterion)
    assert faulty.start_s - 0.5 <= correction.at_s <= faulty.end_s + 0.5
    clean = next(s for s in _steps(text.split(" fault=")[0]) if s.name == name)
    assert criterion not in _corrected(clean), _row(clean, criterion)
    assert clean.score > faulty.score


def test_clean_steps_score_high_in_motion_capture():
    text = ("5th; plie demi; plie grand; releve; tendu side right; passe left; "
            "developpe front right 90; arabesque left 80; pirouette en_dehors right 2")
    steps = _steps(text)
    assert {s.name for s in steps} >= {"plie", "releve", "tendu", "passe", "developpe",
                                       "arabesque", "pirouette"}
    for s in steps:
        assert s.score is not None and s.score >= 80.0, (s.name, s.criteria)


def test_knees_falling_in_raise_an_injury_flag():
    perf = perform("5th; plie demi fault=knees_in", fps=30.0, seed=2)
    analysis = analyze_motion(perf.motion, source={})
    flags = analysis.technique["injury_flags"]
    assert [f["criterion"] for f in flags] == ["knees_over_toes"]
    assert flags[0]["step"] == "plie" and flags[0]["message"]


def test_a_criterion_the_view_cannot_judge_is_not_assessable():
    side = next(s for s in _steps("5th; plie demi", "side") if s.name == "plie")
    depth = _row(side, "plie_depth")
    assert not depth["assessable"] and "side" in depth["reason"]
    assert "score" not in depth and "plie_depth" not in _corrected(side)
    front = next(s for s in _steps("5th; releve", "front") if s.name == "releve")
    trunk = _row(front, "trunk_upright")
    assert not trunk["assessable"] and "front" in trunk["reason"]
    # a criterion the pose model cannot measure from any video view
    knees = _row(next(s for s in _steps("5th; plie demi", "front") if s.name == "plie"),
                 "knees_over_toes")
    assert not knees["assessable"] and "video" in knees["reason"]


def test_a_leg_hidden_from_the_camera_is_not_given_a_height():
    import dataclasses

    from balletmirror.core.skeleton import J

    motion = ideal_pose_model(perform("5th; arabesque right 90", fps=30.0, seed=5).motion,
                              camera_preset("front"))
    conf = motion.confidence.copy()
    conf[:, J["right_ankle"]] = 0.5  # the pose model unsure: the leg is behind her body
    for confidence, judged in ((motion.confidence, True), (conf, False)):
        steps = analyze_motion(dataclasses.replace(motion, confidence=confidence),
                               source={}).steps
        height = _row(next(s for s in steps if s.name == "arabesque"), "leg_height")
        assert height["assessable"] is judged
    assert "right leg was hidden" in height["reason"] and "0.50" in height["reason"]


def test_results_carry_steps_and_technique_as_plain_json():
    perf = perform("5th; plie demi x2; saute x3; pirouette en_dehors right 2", fps=30.0)
    analysis = analyze_motion(ideal_pose_model(perf.motion, camera_preset("front")),
                              source={"path": None, "kind": "video", "fps": 30.0,
                                      "frames": perf.motion.n_frames, "duration_s": 1.0})
    doc = json.loads(json.dumps(results_document(analysis), allow_nan=False))
    assert doc["turns_total"] == 2.0
    for step in doc["steps"]:
        assert {"step", "start_s", "end_s", "side", "turns", "metrics", "score",
                "corrections"} <= set(step)
        assert step["score"] is None or 0.0 <= step["score"] <= 100.0
    t = doc["technique"]
    assert t["manual"]["title"] and 0.0 <= t["score"] <= 100.0
    assert {"per_step", "injury_flags", "not_assessable", "fatigue", "score_mapping"} <= set(t)
    jumps = next(f for f in t["fatigue"] if f["step"] == "jump")
    truth = [s["metrics"]["height"] for s in perf.truth["steps"] if s["step"] == "jump"]
    assert jumps["repeats"] == 3  # the studio's last sauté comes out lower: that is seen
    assert jumps["tiring"] == (100 * (truth[-1] - truth[0]) / truth[0] < -10)


def test_fatigue_trend_and_flags():
    assert trend([1.0, 2.0, 3.0]) == pytest.approx(200.0)
    assert trend([1.0, 1.0]) is None

    def jump(h, t):
        return Step(name="jump", start_s=t, end_s=t + 0.5, metrics={"height": h})

    rows = fatigue([jump(0.30, 1), jump(0.28, 2), jump(0.25, 3), jump(0.22, 4)])
    assert rows[0]["step"] == "jump" and rows[0]["tiring"]
    assert rows[0]["change_pct"] < -10
    assert not fatigue([jump(0.3, 1), jump(0.3, 2), jump(0.31, 3)])[0]["tiring"]
    slowing = Step(name="fouette", start_s=0.0, end_s=4.0,
                   metrics={"turn_durations_s": [0.6, 0.62, 0.65, 0.68, 0.7, 0.75]})
    within = [r for r in fatigue([slowing]) if "within" in r["measure"]]
    assert within and within[0]["tiring"]


def test_fatigue_is_found_in_a_tiring_studio_session():
    # pliés getting shallower repetition after repetition
    text = "5th; " + "; ".join(f"plie demi depth={d}" for d in (70, 62, 55, 48))
    perf = perform(text, fps=30.0, seed=1)
    rows = analyze_motion(perf.motion, source={}).technique["fatigue"]
    plie = next(r for r in rows if r["step"] == "plie")
    assert plie["repeats"] == 4 and plie["tiring"]
    assert all(not math.isnan(v) for v in plie["values"])
    assert np.all(np.diff(plie["values"]) > 0)  # the knee opens a little more each time


def test_a_hidden_working_leg_is_judged_for_nothing_it_was_not_seen_doing():
    """Its height was "not judged" while "stretch your working leg" came from the same
    guessed keypoints: every criterion read on the raised leg abstains alike."""
    import dataclasses

    from fixtures.studio import studio_analysis

    from balletmirror.analysis.technique import Context, standing_baseline

    a = studio_analysis("5th; arabesque right 90; tendu front right")
    seen = {**a.signals.ankle_seen, "right": np.full(a.motion.n_frames, 0.5)}
    hidden = dataclasses.replace(a.signals, ankle_seen=seen)
    base = standing_baseline(hidden, list(a.steps))
    for step in a.steps:
        if step.name not in ("arabesque", "tendu"):
            continue
        ctx = Context(sig=hidden, step=step, frames=hidden.window(step.start_s, step.end_s),
                      base=base)
        for quantity in ("working_knee_bend", "leg_height", "foot_turn_in"):
            measured = MEASURES[quantity](ctx)
            if quantity == "foot_turn_in" and step.name != "tendu":
                continue  # judged on the supporting foot there
            assert isinstance(measured, str) and "right leg was hidden" in measured, (
                step.name, quantity, measured)
        # the same step on the left leg is judged on the left leg, which was seen
        left = dataclasses.replace(ctx, step=dataclasses.replace(step, side="left"))
        knee = MEASURES["working_knee_bend"](left)
        assert not (isinstance(knee, str) and "hidden" in knee), knee
