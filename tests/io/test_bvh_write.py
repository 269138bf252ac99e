"""BVH writer: round trips through our reader (demo, a 10-turn spin), Euler continuity,
units, rigs, missing frames, errors, and Blender's importer when bpy is installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from balletmirror.core.errors import ConfigError, InputError
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import J
from balletmirror.io.bvh import HEEL_BACK, HEEL_DOWN, parse_bvh, read_bvh, root_yaw_deg
from balletmirror.io.bvh_write import (
    NODES,
    ROTATION_CHANNELS,
    blend_twist,
    continuous_euler,
    kabsch,
    write_bvh,
)
from balletmirror.studio.procedural import DEMO_TURN, demo_motion

H = 1.65  # demo dancer's height, m
TOL = 0.002  # m

#: Measured joints (BVH joint origins the reader maps back), by group.
GROUPS = {
    "hips": ("left_hip", "right_hip", "mid_hip"),
    "knees": ("left_knee", "right_knee"),
    "ankles": ("left_ankle", "right_ankle"),
    "toes": ("left_toe", "right_toe"),
    "neck": ("neck",),
    "shoulders": ("left_shoulder", "right_shoulder"),
    "elbows": ("left_elbow", "right_elbow"),
    "wrists": ("left_wrist", "right_wrist"),
    "eyes": ("left_eye", "right_eye"),
}
MEASURED = tuple(j for group in GROUPS.values() for j in group)

#: Each measured joint's chain of bones from the pelvis centre (the root position).
_LIMBS = {"hip": (), "knee": ("hip",), "ankle": ("hip", "knee"), "toe": ("hip", "knee", "ankle"),
          "shoulder": ("neck",), "elbow": ("neck", "shoulder"),
          "wrist": ("neck", "shoulder", "elbow")}


def _chain(joint: str) -> list[tuple[str, str]]:
    """(parent, child) bones from mid_hip to ``joint`` (eyes: through the rigid head)."""
    if joint in ("mid_hip", "neck"):
        return [] if joint == "mid_hip" else [("mid_hip", "neck")]
    if joint.endswith("_eye"):
        return [("mid_hip", "neck"), ("neck", "left_ear"), ("left_ear", joint)]
    side, part = joint.split("_")
    names = ["mid_hip", *(n if n == "neck" else f"{side}_{n}" for n in _LIMBS[part]), joint]
    return list(zip(names[:-1], names[1:], strict=True))


def length_slack(motion: Motion, joint: str) -> np.ndarray:
    """(frames,) sum over the joint's chain of |bone length - its median|, metres.

    A BVH has constant bone lengths, so a joint can be off by at most this much more
    than the numerical tolerance where the source's bones stretch.
    """
    p = motion.positions
    slack = np.zeros(motion.n_frames)
    for a, b in _chain(joint):
        length = np.linalg.norm(p[:, J[a]] - p[:, J[b]], axis=-1)
        slack += np.abs(length - np.median(length))
    return slack


def errors(a: Motion, b: Motion, joint: str) -> np.ndarray:
    return np.linalg.norm(a.positions[:, J[joint]] - b.positions[:, J[joint]], axis=-1)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def demo() -> Motion:
    return demo_motion(noise_m=0.0)


@pytest.fixture(scope="module")
def demo_file(demo, tmp_path_factory) -> Path:
    return write_bvh(demo, tmp_path_factory.mktemp("bvh") / "demo.bvh")


@pytest.fixture(scope="module")
def demo_back(demo_file) -> Motion:
    return read_bvh(demo_file)


def spin(turns: float = 10.0, seconds: float = 5.0, fps: float = 60.0) -> Motion:
    """The demo's opening pose (first position, arms low), rigid, turning ``turns`` times
    counter-clockwise seen from above (+yaw about +Y) at constant speed about the vertical
    through the pelvis, which is moved to (0.3, y, -0.2) m."""
    pose = demo_motion(noise_m=0.0).positions[0]
    pose = pose - pose[J["mid_hip"]] * np.array([1.0, 0.0, 1.0])
    n = int(round(seconds * fps))
    yaw = 360.0 * turns * np.arange(n) / (n - 1)
    turn = Rotation.from_euler("y", yaw[:, None], degrees=True).as_matrix()
    positions = np.einsum("fij,kj->fki", turn, pose) + np.array([0.3, 0.0, -0.2])
    return Motion(positions=positions, confidence=np.ones(positions.shape[:2]),
                  times=np.arange(n) / fps, fps=fps)


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("group", list(GROUPS))
def test_demo_round_trip_within_2mm_plus_bone_stretch(demo, demo_back, group):
    """Every frame: error <= 2 mm + how much the demo's own bones stretch on the joint's chain.

    The demo is not rigid: its relevé passé blends the working leg linearly between two
    poses (the right shank shrinks to 0.34 of 0.41 m, the foot to 8 of 18 cm) and the
    pelvis widens from 16.6 to 20 cm while one hip drops; a BVH keeps bone lengths
    constant, so there the error grows by exactly that stretch.  On the other 621 of
    780 frames (every bone within 1 mm of its median) the slack is ~0.4 mm.
    """
    for joint in GROUPS[group]:
        err = errors(demo, demo_back, joint)
        assert (err <= TOL + length_slack(demo, joint)).all(), (joint, err.max())


def test_demo_rigid_frames_within_2mm(demo, demo_back):
    slack = np.max([length_slack(demo, j) for j in MEASURED], axis=0)
    rigid = slack < 0.001
    assert rigid.sum() > 600
    for joint in MEASURED:
        assert errors(demo, demo_back, joint)[rigid].max() < TOL, joint


def test_pirouettes_alone_round_trip_within_2mm(demo, tmp_path):
    """The held relevé passé (t 9.9-11.6 s) is rigid and holds the 720-degree turn."""
    start, stop = (int(np.searchsorted(demo.times, t)) for t in (9.9, 11.6))
    turn = demo.slice(start, stop)
    back = read_bvh(write_bvh(turn, tmp_path / "turn.bvh"))
    for joint in MEASURED:
        assert errors(turn, back, joint).max() < TOL, joint
    hips = turn.joint("left_hip") - turn.joint("right_hip")  # turns about the vertical
    heading = np.degrees(np.unwrap(np.arctan2(hips[:, 0], hips[:, 2])))
    yaw = root_yaw_deg(tmp_path / "turn.bvh")
    assert yaw[-1] - yaw[0] == pytest.approx(heading[-1] - heading[0], abs=0.01)
    assert heading[-1] - heading[0] < -715.0  # nearly all of the two turns en dehors


def test_ten_turn_spin_round_trips_within_2mm(tmp_path):
    motion = spin()
    path = write_bvh(motion, tmp_path / "spin.bvh")
    back = read_bvh(path)
    for joint in MEASURED:
        assert errors(motion, back, joint).max() < TOL, joint
    root = parse_bvh(path).values[:, 3:6]  # Z X Y
    assert np.abs(root[:, :2]).max() < 1e-3  # upright: all the turning is in Y
    assert root[-1, 2] - root[0, 2] == pytest.approx(3600.0, abs=1e-3)
    assert np.abs(np.diff(root, axis=0)).max() < 30.0
    yaw = root_yaw_deg(path)
    assert yaw[-1] - yaw[0] == pytest.approx(3600.0, abs=0.01)


def test_mocap_pelvis_off_the_hip_line_keeps_the_hips(tmp_path):
    """A mocap-like root joint 8 cm above and 3 cm behind the hip line, and an upper body
    that bends 25 degrees forward and back about it while the legs stand still: the root
    twist follows the rigid pelvis, not the trunk, so every joint stays within 2 mm."""
    pose = demo_motion(noise_m=0.0).positions[0].copy()
    pose[J["mid_hip"]] += np.array([0.0, 0.08, -0.03])
    n = 120
    bend = 25.0 * np.sin(np.linspace(0.0, 2 * np.pi, n))
    upper = [J[j] for j in ("neck", "nose", "left_eye", "right_eye", "left_ear", "right_ear",
                            "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                            "left_wrist", "right_wrist")]
    positions = np.repeat(pose[None], n, axis=0)
    tilt = Rotation.from_euler("x", bend[:, None], degrees=True).as_matrix()
    centre = pose[J["mid_hip"]]
    positions[:, upper] = np.einsum("fij,kj->fki", tilt, pose[upper] - centre) + centre
    motion = Motion(positions=positions, confidence=np.ones((n, 23)),
                    times=np.arange(n) / 60.0, fps=60.0)
    back = read_bvh(write_bvh(motion, tmp_path / "mocap.bvh"))
    for joint in MEASURED:
        assert errors(motion, back, joint).max() < TOL, joint


def test_rest_pose_is_a_t_pose_with_median_lengths(demo, demo_file):
    """Legs straight down, feet forward, trunk up, arms out to the sides (cm)."""
    bvh = parse_bvh(demo_file)

    def offset(name: str) -> np.ndarray:
        return bvh.offsets[bvh.index(name)]

    def length(a: str, b: str) -> float:
        return 100 * float(np.median(np.linalg.norm(demo.joint(a) - demo.joint(b), axis=-1)))

    np.testing.assert_allclose(offset("LeftLeg"), [0, -length("left_hip", "left_knee"), 0],
                               atol=1e-5)
    np.testing.assert_allclose(offset("RightToeBase"),
                               [0, 0, length("right_ankle", "right_toe")], atol=1e-5)
    np.testing.assert_allclose(offset("Neck"), [0, length("mid_hip", "neck"), 0], atol=1e-5)
    np.testing.assert_allclose(offset("LeftForeArm"),
                               [length("left_shoulder", "left_elbow"), 0, 0], atol=1e-5)
    np.testing.assert_allclose(offset("RightHand"),
                               [-length("right_elbow", "right_wrist"), 0, 0], atol=1e-5)
    assert not offset("Spine").any()


def test_derived_heels_follow_the_foot(demo, demo_back):
    """Heels are derived by the reader, not stored: its model puts the heel
    HEEL_BACK l behind and HEEL_DOWN l below the ankle (l = ankle-toe = 0.11 H here),
    the demo 0.04 H behind and 0.03 H below.  On flat-foot frames (no relevé: before
    9.2 s and after 12.4 s) the two must be exactly that far apart (+-2 mm); and the
    derived heel stays in the plane of knee, ankle and toes, where the demo's supporting
    heel lies, within 2 mm on every frame (the foot's twist is right)."""
    foot = 0.11 * H
    expected = np.hypot(0.04 * H - HEEL_BACK * foot, HEEL_DOWN * foot - 0.03 * H)
    flat = (demo.times < 9.2) | (demo.times > 12.4)
    for side in ("left", "right"):
        err = errors(demo, demo_back, f"{side}_heel")[flat]
        assert np.abs(err - expected).max() < TOL
    knee, ankle, toe, heel = (demo_back.positions[:, J[f"left_{n}"]]
                              for n in ("knee", "ankle", "toe", "heel"))
    normal = np.cross(knee - ankle, toe - ankle)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    assert np.abs(np.sum((heel - ankle) * normal, axis=-1)).max() < TOL


def test_derived_face_points_follow_the_head(demo, demo_back):
    """The eyes are stored (LeftEye/RightEye) and round-trip within 2 mm (GROUPS); the
    reader derives nose and ears from the eyes with its own proportions (ears 0.043 H to
    each side where the demo has 0.07 H): a constant offset on a rigid head, which must
    stay constant through the turns."""
    for joint, bound in (("nose", 0.01), ("left_ear", 0.05), ("right_ear", 0.05)):
        err = errors(demo, demo_back, joint)
        assert err.max() < bound, joint
        assert err.max() - err.min() < 0.001, joint


# --------------------------------------------------------------------------- channels
def test_euler_channels_are_continuous_through_the_turns(demo_file):
    bvh = parse_bvh(demo_file)
    rotations = bvh.values[:, 3:]
    assert np.abs(np.diff(rotations[:, :3], axis=0)).max() < 30.0  # the root
    assert np.abs(np.diff(rotations, axis=0)).max() < 30.0  # every joint
    heading = rotations[:, 2]  # root Yrotation: two turns en dehors (clockwise from above)
    assert heading[-1] - heading[0] == pytest.approx(DEMO_TURN[2], abs=1e-3)


def test_continuous_euler_passes_gimbal_and_full_turns():
    """A hinge bending from 0 to 170 degrees about X (the middle axis of ZXY) and a
    20-turn spin about Y come out as straight ramps, not principal-value jumps."""
    bend = np.linspace(0.0, 170.0, 50)
    ramp = np.column_stack([0 * bend, bend, 0 * bend])
    hinge = Rotation.from_euler("ZXY", ramp, degrees=True).as_euler("ZXY", degrees=True)
    assert np.abs(hinge[:, 0]).max() > 90  # scipy's principal values flip past 90
    np.testing.assert_allclose(continuous_euler(hinge[:, None])[:, 0], ramp, atol=1e-6)
    twirl = np.linspace(0.0, 7200.0, 400)
    spun = Rotation.from_euler("Y", twirl[:, None], degrees=True).as_euler("ZXY", degrees=True)
    np.testing.assert_allclose(continuous_euler(spun[:, None])[:, 0, 2], twirl, atol=1e-6)


def test_blend_twist_follows_strong_and_holds_faded_secondaries():
    """Strong secondary: its twist, unwrapped past +-pi; faded or missing: the last twist."""
    delta = np.array([0.5, 3.0, -3.0, -2.5, 1.0, np.nan, 0.2])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    wrap = 2 * np.pi
    expected = [0.5, 3.0, wrap - 3.0, wrap - 2.5, wrap - 2.5, wrap - 2.5,
                0.5 * (wrap + 0.2) + 0.5 * (wrap - 2.5)]
    np.testing.assert_allclose(blend_twist(delta, weight), expected)


def test_kabsch_recovers_a_rotation():
    rng = np.random.default_rng(1)
    rest = rng.normal(size=(5, 3))
    truth = Rotation.random(20, random_state=2).as_matrix()
    current = np.einsum("fij,pj->fpi", truth, rest)
    current[3] = np.nan
    found = kabsch(rest, current)
    np.testing.assert_allclose(np.delete(found, 3, axis=0), np.delete(truth, 3, axis=0),
                               atol=1e-12)
    assert np.isnan(found[3]).all()


# --------------------------------------------------------------------------- file
def test_file_parses_with_frames_frame_time_and_hierarchy(demo, demo_file, demo_back):
    bvh = parse_bvh(demo_file)
    assert bvh.n_frames == demo.n_frames == 780
    assert bvh.frame_time == pytest.approx(1 / 60, rel=1e-8)
    assert demo_back.fps == 60.0 and demo_back.n_frames == 780
    joints = [n for n in bvh.names if not n.endswith("End Site")]
    assert joints == [node.name for node in NODES]
    assert bvh.parents[bvh.index("LeftArm")] == bvh.index("LeftShoulder")
    assert bvh.parents[bvh.index("LeftShoulder")] == bvh.index("Spine")
    assert bvh.channels[0] == ("Xposition", "Yposition", "Zposition", *ROTATION_CHANNELS)
    assert all(bvh.channels[bvh.index(n)] == ROTATION_CHANNELS for n in joints[1:])
    assert "Head/End Site" in bvh.names and not bvh.offsets[0].any()
    assert demo_back.provenance["rig"] == "cmu"
    assert demo_back.provenance["source_units"] == "cm"
    assert demo_back.provenance["up_axis"] == "+Y"


@pytest.mark.parametrize("units", ["cm", "m"])
def test_units_round_trip(demo, demo_back, tmp_path, units):
    path = write_bvh(demo, tmp_path / "clip.bvh", units=units)
    back = read_bvh(path)  # units detected from the stature
    assert back.provenance["source_units"] == units
    np.testing.assert_allclose(back.positions, demo_back.positions, atol=1e-5)
    hip = parse_bvh(path).offsets[1, 0]
    assert hip == pytest.approx(np.median(np.linalg.norm(
        demo.joint("left_hip") - demo.joint("mid_hip"), axis=-1)) * {"cm": 100, "m": 1}[units],
        rel=1e-5)


def test_mixamo_names_read_back_as_mixamo(demo, demo_back, tmp_path):
    path = write_bvh(demo, tmp_path / "mixamo.bvh", rig="mixamo")
    assert parse_bvh(path).names[0] == "mixamorig:Hips"
    back = read_bvh(path)
    assert back.provenance["rig"] == "mixamo"
    np.testing.assert_allclose(back.positions, demo_back.positions, atol=1e-9)


# --------------------------------------------------------------------------- missing
def _with_nan(motion: Motion, frames, joints=None) -> Motion:
    positions = np.array(motion.positions)
    index = slice(None) if joints is None else [J[j] for j in joints]
    for f in frames:
        positions[f, index] = np.nan
    return motion.replace(positions=positions)


def test_missing_frames_hold_the_previous_values(demo, tmp_path):
    """Frames 0 and 100 all NaN: every other frame round-trips; frame 100 repeats frame
    99 and frame 0 takes frame 1 (BVH cannot hold NaN)."""
    gappy = _with_nan(demo, [0, 100])
    path = write_bvh(gappy, tmp_path / "gappy.bvh")
    values = parse_bvh(path).values
    np.testing.assert_array_equal(values[100], values[99])
    np.testing.assert_array_equal(values[0], values[1])
    back = read_bvh(path)
    others = np.setdiff1d(np.arange(demo.n_frames), [0, 100])
    for joint in MEASURED:
        err = errors(demo, back, joint)[others]
        assert (err <= TOL + length_slack(demo, joint)[others]).all(), joint


def test_a_missing_wrist_holds_only_its_forearm(demo, tmp_path):
    gappy = _with_nan(demo, [200], ["left_wrist"])
    path = write_bvh(gappy, tmp_path / "wrist.bvh")
    names = [node.name for node in NODES]
    values = parse_bvh(path).values[:, 3:].reshape(demo.n_frames, len(names), 3)
    k = names.index("LeftForeArm")
    np.testing.assert_array_equal(values[200, k], values[199, k])
    back = read_bvh(path)
    for joint in MEASURED:
        if joint != "left_wrist":
            assert errors(demo, back, joint)[200] < TOL, joint


# --------------------------------------------------------------------------- errors
def test_image_space_motion_is_refused(tmp_path):
    image = Motion(positions=np.zeros((3, 23, 2)), confidence=np.ones((3, 23)),
                   times=np.arange(3) / 30.0, fps=30.0, space="image", units="px")
    with pytest.raises(InputError, match="world-space Motion in metres.*space='image'"):
        write_bvh(image, tmp_path / "x.bvh")
    assert not (tmp_path / "x.bvh").exists()


def test_height_units_are_refused(demo, tmp_path):
    with pytest.raises(InputError, match="units='height'"):
        write_bvh(demo.replace(units="height"), tmp_path / "x.bvh")


def test_no_complete_frame_is_refused(demo, tmp_path):
    with pytest.raises(InputError, match="no frame has them all"):
        write_bvh(_with_nan(demo, range(demo.n_frames), ["nose"]), tmp_path / "x.bvh")


@pytest.mark.parametrize(("option", "value"), [("units", "furlong"), ("rig", "vicon")])
def test_bad_options_are_refused(demo, tmp_path, option, value):
    with pytest.raises(ConfigError, match=f"Expected {option} in"):
        write_bvh(demo, tmp_path / "x.bvh", **{option: value})


def test_unwritable_path_is_an_input_error(demo, tmp_path):
    with pytest.raises(InputError, match="cannot be written"):
        write_bvh(demo, tmp_path / "no" / "such" / "folder" / "x.bvh")


# --------------------------------------------------------------------------- Blender
_BLENDER_SCRIPT = """
import json, sys
import bpy
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_anim.bvh(filepath=sys.argv[1], global_scale=0.01, rotate_mode="NATIVE",
                        update_scene_fps=True, update_scene_duration=True)
arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
scene, names, rows = bpy.context.scene, json.loads(sys.argv[2]), []
for f in range(scene.frame_start, scene.frame_start + int(sys.argv[3])):
    scene.frame_set(f)
    heads = [arm.matrix_world @ arm.pose.bones[n].head for n in names]
    rows.append([[h.x, h.z, -h.y] for h in heads])  # Blender Z up -> Y up
print(json.dumps(rows))
"""


@pytest.mark.slow
def test_blender_imports_the_same_positions(demo, demo_file, demo_back):
    """Blender's own BVH importer (bpy, when installed) agrees with our reader."""
    pytest.importorskip("bpy")
    names = {"Hips": "mid_hip", "LeftLeg": "left_knee", "RightFoot": "right_ankle",
             "LeftToeBase": "left_toe", "Neck": "neck", "RightEye": "right_eye",
             "LeftArm": "left_shoulder", "RightHand": "right_wrist"}
    run = subprocess.run([sys.executable, "-c", _BLENDER_SCRIPT, str(demo_file),
                          json.dumps(list(names)), str(demo.n_frames)],
                         capture_output=True, text=True, check=True)
    blender = np.array(json.loads(run.stdout.strip().splitlines()[-1]))
    ours = demo_back.positions[:, [J[j] for j in names.values()]]
    assert np.abs(blender - ours).max() < 1e-4
