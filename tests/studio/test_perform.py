"""The synthetic studio: the choreography language, the procedural dancer's physical
plausibility, and the ground truth it writes."""

import numpy as np
import pytest

from balletmirror.core.errors import ConfigError
from balletmirror.core.geometry import joint_angle
from balletmirror.core.skeleton import J
from balletmirror.features.kinematics import compute_kinematics
from balletmirror.studio.perform import parse_choreography, perform
from balletmirror.studio.placement import segments, support_modes

EXAMPLE = ("5th; plie demi x2; plie grand; releve; tendu front right; "
           "developpe side left 90; passe right; pirouette en_dehors right 2; "
           "fouette right 16 tempo=1.4; arabesque right 80; saute x4")
EVERY_STEP = ("5th; plie demi; releve; tendu side left; degage front right; "
              "rond_de_jambe en_dehors right; developpe back right 80; "
              "grand_battement side left 100; passe left; arabesque left 70; "
              "attitude back right 80; pirouette en_dedans left 1; fouette right 4; "
              "saute; changement; tour 1; balance right 1.5; port_de_bras back; "
              "travel side 0.8")


@pytest.fixture(scope="module")
def example():
    return perform(EXAMPLE, seed=3)


@pytest.fixture(scope="module")
def every_step():
    return perform(EVERY_STEP, seed=5)


def test_example_parses_verbatim():
    c = parse_choreography(EXAMPLE)
    names = [s.name for s in c.steps]
    assert names == ["position", "plie", "plie", "plie", "releve", "tendu", "developpe",
                     "passe", "pirouette", "fouette", "arabesque"] + ["saute"] * 4
    fouette = c.steps[9]
    assert fouette.number == 16 and fouette.option("tempo", 0) == 1.4
    assert c.steps[6].side() == "left" and c.steps[6].words == {"side", "left"}


def test_phrases_styles_faults_and_accents():
    c = parse_choreography("bpm=120; style=sudden+strong; Plié grand fault=knees_in\n"
                           "# a comment\n style=sustained; relevé; pirouette right 3 "
                           "fault=late,low_passe late=0.2")
    plie, releve, pirouette = c.steps
    assert plie.bpm == 120 and plie.style == {"time": "sudden", "weight": "strong"}
    assert plie.faults == ("knees_in",) and plie.words == {"grand"}
    assert releve.style == {"time": "sustained"}
    assert pirouette.faults == ("late", "low_passe") and pirouette.option("late", 0) == 0.2


@pytest.mark.parametrize("text, message", [
    ("pirouete right 2", "unknown step 'pirouete'"),
    ("plie sideways", "plie does not take 'sideways'"),
    ("tendu front speed=2", "unknown option 'speed'"),
    ("releve fault=wobbly", "unknown fault 'wobbly'"),
    ("style=graceful; plie", "unknown style 'graceful'"),
    ("bpm=fast; plie", "expected a number for bpm="),
    ("", "no steps"),
])
def test_choreography_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_choreography(text)


def _support_spans(perf):
    return segments(support_modes(perf.support, perf.motion.times))


@pytest.mark.parametrize("fixture", ["example", "every_step"])
def test_planted_feet_do_not_slide(fixture, request):
    perf = request.getfixturevalue(fixture)
    p = perf.motion.positions
    worst = 0.0
    for a, b, mode in _support_spans(perf):
        sides = {"both": ("left", "right"), "air": ()}.get(mode, (mode,))
        for side in sides:
            toe = p[a:b, J[f"{side}_toe"]]
            worst = max(worst, float(np.linalg.norm(toe - toe[0], axis=1).max()))
            assert np.abs(toe[:, 1]).max() < 0.01  # and stays on the floor
    assert worst < 0.02  # metres, within a support span


def test_turns_in_truth_equal_the_integrated_yaw(every_step, example):
    for perf in (example, every_step):
        kin = compute_kinematics(perf.motion)
        for step in perf.truth["steps"]:
            if not step["turns"]:
                continue
            t = perf.motion.times
            inside = (t >= step["start_s"] - 0.3) & (t <= step["end_s"] + 0.3)
            yaw = kin["yaw"][inside]
            assert abs(yaw[-1] - yaw[0]) / 360.0 == pytest.approx(step["turns"], abs=0.05)
        total = sum(s["turns"] or 0 for s in perf.truth["steps"])
        assert perf.truth["turns_total"] == total


def test_direction_of_turns(every_step):
    kin = compute_kinematics(every_step.motion)
    t = every_step.motion.times
    for step in every_step.truth["steps"]:
        if step["step"] != "pirouette":
            continue
        inside = (t >= step["start_s"]) & (t <= step["end_s"])
        turned = kin["yaw"][inside][-1] - kin["yaw"][inside][0]
        # en dedans on the left working leg turns towards the supporting (right) leg:
        # clockwise seen from above, so the yaw decreases
        assert turned < 0


def test_joints_stay_within_human_limits(every_step, example):
    for perf in (example, every_step):
        p = perf.motion.positions
        for side in ("left", "right"):
            knee = joint_angle(p, f"{side}_hip", f"{side}_knee", f"{side}_ankle")
            assert knee.min() > 25.0 and knee.max() <= 180.0 + 1e-6
            elbow = joint_angle(p, f"{side}_shoulder", f"{side}_elbow", f"{side}_wrist")
            assert elbow.min() > 90.0
        bones = {}
        for a, b in (("left_hip", "left_knee"), ("right_knee", "right_ankle"),
                     ("left_shoulder", "left_elbow")):
            d = np.linalg.norm(p[:, J[a]] - p[:, J[b]], axis=1)
            bones[a + b] = d
            assert d.max() - d.min() < 1e-6  # rigid segments


def test_jumps_are_ballistic(example):
    p = example.motion.positions
    for step in example.truth["steps"]:
        if step["step"] != "jump":
            continue
        air = step["metrics"]["airtime_s"]
        assert step["metrics"]["height"] == pytest.approx(9.81 * air**2 / 8, abs=0.03)
    pelvis = p[:, J["mid_hip"], 1]
    feet = np.minimum(p[:, J["left_toe"], 1], p[:, J["right_toe"], 1])
    airborne = feet > 0.02
    accel = np.diff(pelvis, 2) * 50.0**2
    inner = airborne[1:-1] & airborne[:-2] & airborne[2:]
    assert inner.sum() > 20
    np.testing.assert_allclose(accel[inner], -9.81, atol=0.05)


def test_same_seed_same_motion_other_seed_differs():
    a = perform("5th; plie demi; pirouette right 1", seed=7)
    b = perform("5th; plie demi; pirouette right 1", seed=7)
    c = perform("5th; plie demi; pirouette right 1", seed=8)
    np.testing.assert_array_equal(a.motion.positions, b.motion.positions)
    assert a.truth == b.truth
    assert np.abs(a.motion.positions - c.motion.positions).max() > 1e-3


def test_truth_uses_the_step_schema(every_step):
    names = {s["step"] for s in every_step.truth["steps"]}
    assert names == {"plie", "releve", "tendu", "degage", "rond_de_jambe", "developpe",
                     "grand_battement", "passe", "arabesque", "attitude", "pirouette",
                     "fouette", "jump", "balance", "port_de_bras", "travel"}
    for s in every_step.truth["steps"]:
        assert set(s) >= {"step", "start_s", "end_s", "side", "turns", "metrics", "score",
                          "corrections", "faults"}
        assert s["end_s"] > s["start_s"]
    assert every_step.truth["schema"] == "balletmirror.truth/1"


def test_faults_are_injected_and_measurable():
    clean = perform("5th; plie demi; pirouette right 1", seed=1).truth["steps"]
    faulty = perform("5th; plie demi fault=knees_in; pirouette right 1 "
                     "fault=low_passe,bent_supporting_knee", seed=1).truth["steps"]
    assert faulty[0]["faults"] == ["knees_in"]
    assert faulty[1]["metrics"]["passe_height"] < clean[1]["metrics"]["passe_height"] - 0.2
    assert faulty[1]["metrics"]["min_supporting_knee_angle"] < 170 < \
        clean[1]["metrics"]["min_supporting_knee_angle"]


def test_example_truth_metrics(example):
    steps = {s["step"]: s for s in example.truth["steps"]}  # the last of each name
    assert steps["plie"]["metrics"]["depth"] == "grand"
    assert steps["plie"]["metrics"]["min_knee_angle"] < 100
    assert steps["arabesque"]["metrics"]["leg_height"] == pytest.approx(80, abs=3)
    assert steps["developpe"]["metrics"]["leg_height"] == pytest.approx(90, abs=3)
    assert steps["fouette"]["turns"] == 16.0
    durations = steps["fouette"]["metrics"]["turn_durations_s"]
    assert np.median(durations) == pytest.approx(1 / 1.4, abs=0.03)
    assert example.truth["turns_total"] == 18.0


def test_spotting_and_travel_in_turns():
    spotted = perform("5th; pirouette right 2", seed=2)
    plain = perform("5th; pirouette right 2 spot=no travel=0.3", seed=2)
    assert spotted.truth["steps"][0]["metrics"]["spotting"] is True
    assert plain.truth["steps"][0]["metrics"]["spotting"] is False
    # spotting: the head leads the body (head yaw relative to the trunk reaches ~75 deg)
    assert np.abs(spotted.tracks["head_yaw"]).max() > 60
    assert np.abs(plain.tracks["head_yaw"]).max() < 5
    assert plain.truth["steps"][0]["metrics"]["travel_m"] == pytest.approx(0.3, abs=0.02)
    assert spotted.truth["steps"][0]["metrics"]["travel_m"] < 0.005


@pytest.mark.slow
def test_example_renders(tmp_path):
    from balletmirror.studio.make import StudioSettings, make_performance

    paths = make_performance(EXAMPLE, tmp_path, settings=StudioSettings(fps=8.0, camera="side"))
    import av

    with av.open(str(paths["video"])) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
    from balletmirror.core.motion import load_motion

    assert frames == load_motion(paths["motion"]).n_frames


def test_styles_change_how_the_movement_travels():
    text = "5th; tendu side right; developpe front left 90"
    base = perform(f"style=direct+sustained+bound; {text}", seed=1)
    indirect = perform(f"style=indirect; {text}", seed=1)
    sudden = perform(f"style=sudden; {text}", seed=1)
    assert np.abs(base.tracks["head_yaw"]).max() < 1.0
    assert np.abs(indirect.tracks["head_yaw"]).max() > 20.0
    # sudden arrives in the first third of the time and holds: faster peak speed
    def peak_speed(perf):
        toe = perf.motion.positions[:, J["left_toe"]]
        return np.linalg.norm(np.diff(toe, axis=0), axis=1).max() * perf.motion.fps
    assert peak_speed(sudden) > 1.5 * peak_speed(base)
    light = perform("style=light; 5th; plie demi", seed=1).truth["steps"][0]
    strong = perform("style=strong; 5th; plie demi", seed=1).truth["steps"][0]
    assert strong["metrics"]["min_knee_angle"] < light["metrics"]["min_knee_angle"] - 10
