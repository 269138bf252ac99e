"""Kinematics: known angles of constructed poses, invariants, yaw through many turns,
centre of mass and height."""

import numpy as np
import pytest
from fixtures.poses import motion_of, project_front, rotate_y, spin, standing_points
from hypothesis import given, settings
from hypothesis import strategies as st

from balletmirror.core.geometry import body_height
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import J
from balletmirror.features.kinematics import (
    DE_LEVA,
    centre_of_mass,
    compute_kinematics,
    normalise_by_height,
    rotation_segments,
    yaw_2d,
)
from balletmirror.studio.procedural import demo_motion


def _bend_knee(p: np.ndarray, side: str, degrees: float) -> np.ndarray:
    """Swing the shank backwards about the knee so the knee flexes by ``degrees``."""
    p = p.copy()
    knee = p[J[f"{side}_knee"]]
    a = np.radians(degrees)
    for name in ("ankle", "heel", "toe"):
        rel = p[J[f"{side}_{name}"]] - knee
        y, z = rel[1], rel[2]
        p[J[f"{side}_{name}"]] = knee + [rel[0], y * np.cos(a) + z * np.sin(a),
                                          -y * np.sin(a) + z * np.cos(a)]
    return p


def _raise_leg(p: np.ndarray, side: str, direction: np.ndarray) -> np.ndarray:
    """Point the whole straight leg (and foot) from the hip along ``direction``."""
    p = p.copy()
    hip = p[J[f"{side}_hip"]]
    d = direction / np.linalg.norm(direction)
    p[J[f"{side}_knee"]] = hip + 0.40 * d
    p[J[f"{side}_ankle"]] = hip + 0.80 * d
    p[J[f"{side}_toe"]] = hip + 0.95 * d
    p[J[f"{side}_heel"]] = hip + 0.78 * d + np.array([0.0, 0.0, -0.04])
    return p


def test_standing_pose_angles():
    k = compute_kinematics(motion_of(standing_points()))
    assert k.basis == "3d"
    for side in ("left", "right"):
        assert k[f"{side}_knee_angle"][0] == pytest.approx(180.0)
        assert k[f"{side}_elbow_angle"][0] == pytest.approx(180.0)
        assert k[f"{side}_shoulder_elevation"][0] == pytest.approx(0.0, abs=1e-9)
        assert k[f"{side}_hip_flexion"][0] == pytest.approx(0.0, abs=1e-9)
        assert k[f"{side}_hip_abduction"][0] == pytest.approx(0.0, abs=1e-9)
        assert k[f"{side}_hip_rotation"][0] == pytest.approx(0.0, abs=1e-9)
        # knee (0.07 above the floor) -> ankle -> toe 0.07 below and 0.15 ahead
        expected_ankle = 180 - np.degrees(np.arctan2(0.15, 0.07))
        assert k[f"{side}_ankle_angle"][0] == pytest.approx(expected_ankle)
    assert k["trunk_inclination"][0] == pytest.approx(0.0, abs=1e-9)
    assert k["pelvis_obliquity"][0] == pytest.approx(0.0, abs=1e-9)
    assert k["yaw"][0] == pytest.approx(0.0, abs=1e-9)


def test_bent_knee_and_raised_legs_known_angles():
    p = _bend_knee(standing_points(), "left", 90.0)
    p = _raise_leg(p, "right", np.array([0.0, 0.0, 1.0]))  # devant at 90
    k = compute_kinematics(motion_of(p))
    assert k["left_knee_angle"][0] == pytest.approx(90.0)
    assert k["right_hip_flexion"][0] == pytest.approx(90.0)
    assert k["right_hip_abduction"][0] == pytest.approx(0.0, abs=1e-9)
    seconde = _raise_leg(standing_points(), "left", np.array([1.0, -1.0, 0.0]))  # 45 a la seconde
    k = compute_kinematics(motion_of(seconde))
    assert k["left_hip_abduction"][0] == pytest.approx(45.0)
    arabesque = _raise_leg(standing_points(), "left", np.array([0.0, -0.5, -1.0]))
    k = compute_kinematics(motion_of(arabesque))
    assert k["left_hip_flexion"][0] == pytest.approx(-np.degrees(np.arctan2(1.0, 0.5)))


@pytest.mark.parametrize("turnout", [30.0, 60.0, 90.0])
def test_turnout_is_external_hip_rotation(turnout):
    p = standing_points()
    for side, sign in (("left", 1.0), ("right", -1.0)):
        ankle = p[J[f"{side}_ankle"]]
        for name, length in (("toe", 0.15), ("heel", -0.05)):
            a = np.radians(turnout)
            p[J[f"{side}_{name}"]] = ankle + [sign * length * np.sin(a), -0.07,
                                             length * np.cos(a)]
    k = compute_kinematics(motion_of(p))
    assert k["left_hip_rotation"][0] == pytest.approx(turnout, abs=1e-6)
    assert k["right_hip_rotation"][0] == pytest.approx(turnout, abs=1e-6)


def test_trunk_and_pelvis():
    p = standing_points()
    p[J["left_hip"]] += [0.0, 0.18 * np.tan(np.radians(10.0)), 0.0]  # hip hiked 10 deg
    k = compute_kinematics(motion_of(p))
    assert k["pelvis_obliquity"][0] == pytest.approx(10.0, abs=1e-6)
    lean = standing_points()
    for name in ("neck", "left_shoulder", "right_shoulder"):
        lean[J[name]] += [0.0, 0.0, 0.48 * np.tan(np.radians(20.0))]
    k = compute_kinematics(motion_of(lean))
    assert k["trunk_inclination"][0] == pytest.approx(20.0, abs=1e-6)


ANGLES = ["left_knee_angle", "right_knee_angle", "left_elbow_angle", "left_ankle_angle",
          "left_shoulder_elevation", "left_hip_flexion", "left_hip_abduction",
          "left_hip_rotation", "right_hip_rotation"]


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.2, 5.0),
       shift=st.tuples(*[st.floats(-10, 10)] * 3))
def test_angles_invariant_to_rotation_translation_scale(seed, scale, shift):
    demo = demo_motion()
    frames = demo.positions[::60]
    rng = np.random.default_rng(seed)
    moved = scale * frames @ _random_rotation(rng).T + np.array(shift)
    a = compute_kinematics(motion_of(frames))
    b = compute_kinematics(motion_of(moved))
    for name in ANGLES:
        np.testing.assert_allclose(b[name], a[name], atol=1e-6, err_msg=name)


@settings(max_examples=20, deadline=None)
@given(yaw=st.floats(-720, 720), scale=st.floats(0.2, 5.0))
def test_vertical_rotation_shifts_yaw_only(yaw, scale):
    frames = demo_motion().positions[::60]
    a = compute_kinematics(motion_of(frames))
    b = compute_kinematics(motion_of(scale * rotate_y(frames, yaw)))
    for name in ("trunk_inclination", "pelvis_obliquity"):
        np.testing.assert_allclose(b[name], a[name], atol=1e-6)
    diff = (b["yaw"] - a["yaw"] - yaw + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(diff, 0.0, atol=1e-6)


def test_yaw_of_a_ten_turn_spin():
    k = compute_kinematics(motion_of(spin(10, seconds=8.0, fps=50.0)))
    assert k["yaw"][-1] - k["yaw"][0] == pytest.approx(3600.0, abs=1e-6)
    segments = rotation_segments(k.times, k["yaw"])
    assert [s["turns"] for s in segments] == [10.0]
    back = compute_kinematics(motion_of(spin(-10, seconds=8.0, fps=50.0)))
    assert back["yaw"][-1] == pytest.approx(-3600.0, abs=1e-6)


def test_yaw_2d_estimate_follows_a_spin_seen_from_the_front():
    points = project_front(spin(3, seconds=3.0, fps=50.0))
    yaw = yaw_2d(points)
    assert abs(yaw[-1] - yaw[0]) == pytest.approx(3 * 360.0, abs=20.0)
    segments = rotation_segments(np.arange(len(yaw)) / 50.0, yaw)
    assert [abs(s["turns"]) for s in segments] == [3.0]


def test_rotation_segments_ignore_jitter_and_count_both_ways():
    t = np.arange(0, 12, 0.02)
    rng = np.random.default_rng(3)
    yaw = np.interp(t, [0, 2, 4, 6, 8, 12], [0, 0, 720, 720, 720 - 3 * 360, 720 - 3 * 360])
    yaw = yaw + rng.normal(0, 4.0, t.size)
    segs = rotation_segments(t, yaw)
    assert [s["turns"] for s in segs] == [2.0, -3.0]
    assert segs[0]["start_s"] == pytest.approx(2.0, abs=0.15)
    assert segs[0]["end_s"] == pytest.approx(4.0, abs=0.15)
    assert rotation_segments(t, rng.normal(0, 20.0, t.size)) == []


def test_rotations_the_same_way_split_at_a_pause():
    t = np.arange(0, 8, 0.02)
    # 2 turns, a 1 s pause, 3 more turns the same way
    yaw = np.interp(t, [0, 1, 2, 3, 4.5, 8], [0, 0, 720, 720, 720 + 3 * 360, 720 + 3 * 360])
    yaw = yaw + np.random.default_rng(1).normal(0, 2.0, t.size)
    assert [s["turns"] for s in rotation_segments(t, yaw)] == [2.0, 3.0]


def test_centre_of_mass_of_symmetric_pose_on_midline():
    com = centre_of_mass(standing_points()[None])
    assert com[0, 0] == pytest.approx(0.0, abs=1e-12)
    assert 0.8 < com[0, 1] < 1.0  # ~55% of a 1.6 m body
    assert sum(m for m, _ in DE_LEVA["female"].values()) + sum(
        m for k, (m, _) in DE_LEVA["female"].items() if k not in ("head", "trunk")) \
        == pytest.approx(1.0, abs=1e-3)


def test_height_estimate_and_normalisation():
    p = standing_points()
    # 3D: eyes 1.56 over ankles 0.07, over Winter's 0.936 - 0.039
    assert body_height(p[None]) == pytest.approx(1.49 / 0.897)
    # 2D (or no eyes): shank 0.40 + thigh 0.40 + trunk 0.48 over Winter's 0.779
    assert body_height(project_front(p)[None]) == pytest.approx(300 * 1.28 / 0.779)
    no_eyes = p.copy()
    no_eyes[[J["left_eye"], J["right_eye"]]] = np.nan
    assert body_height(no_eyes[None]) == pytest.approx(1.28 / 0.779)
    m = normalise_by_height(motion_of(2.5 * p))
    assert m.units == "height"
    assert body_height(m.positions) == pytest.approx(1.0)
    a = compute_kinematics(motion_of(p))
    b = compute_kinematics(m)
    np.testing.assert_allclose(b["left_knee_angle"], a["left_knee_angle"])


def test_image_space_angles_are_2d():
    p = _bend_knee(standing_points(), "left", 60.0)
    p = rotate_y(p, 90.0)  # seen from the side: the bend is in the picture plane
    image = project_front(p)[None]
    m = Motion(positions=image, confidence=np.ones(image.shape[:2]), times=[0.0], fps=25.0,
               space="image", units="px")
    k = compute_kinematics(m)
    assert k.basis == "2d"
    assert k["left_knee_angle"][0] == pytest.approx(120.0)
    assert "left_hip_rotation" not in k.series


def test_kinematics_csv(tmp_path):
    k = compute_kinematics(demo_motion())
    path = k.write_csv(tmp_path / "k.csv")
    header = path.read_text().splitlines()[0].split(",")
    assert header[0] == "time_s" and "left_knee_angle_deg" in header and "com_y_m" in header
    assert len(path.read_text().splitlines()) == len(k.times) + 1


@pytest.mark.realdata
def test_cmu_mocap_height_and_no_invented_turns(cmu_bvh_files):
    from balletmirror.io.bvh import root_yaw_deg
    from balletmirror.run import analyze_file

    for path in cmu_bvh_files:
        a = analyze_file(path)
        assert 1.6 < a.kinematics.height < 1.8
        assert a.kinematics.basis == "3d" and a.kinematics.height_units == "m"
        assert a.rotations == []  # neither clip turns (the root turns < 50 degrees)
        yaw = a.kinematics["yaw"] - a.kinematics["yaw"][0]
        root = root_yaw_deg(path)
        assert np.abs(yaw - (root - root[0])).max() < 25  # body yaw follows the pelvis
