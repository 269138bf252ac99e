"""BVH reader: parser, forward kinematics, rig mapping, units/axes, errors, real CMU files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from balletmirror.core.errors import ConfigError, InputError
from balletmirror.core.skeleton import JOINTS, J
from balletmirror.io import read_motion
from balletmirror.io.bvh import (
    FACE_OFFSETS,
    RIGS,
    forward_kinematics,
    parse_bvh,
    parse_bvh_text,
    read_bvh,
    root_yaw_deg,
)

# --------------------------------------------------------------------------- FK chain
# A -> B -> C -> End Site, unit offsets along +X.  B rotates "X Y Z", C "Z X Y".
CHAIN = """HIERARCHY
ROOT A
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT B
  {
    OFFSET 1 0 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    JOINT C
    {
      OFFSET 1 0 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 1 0
      }
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.5
0 0 0 0 0 0 0 0 0 0 0 0
10 20 30 90 0 0 0 0 0 90 0 0
0 0 0 0 0 0 90 90 0 90 90 0
"""

# Worked by hand with Rx90: (x,y,z)->(x,-z,y), Ry90: (x,y,z)->(z,y,-x), Rz90: (x,y,z)->(-y,x,z).
CHAIN_EXPECTED = np.array([
    # frame 0, rest: A, B, C, end
    [[0, 0, 0], [1, 0, 0], [2, 0, 0], [2, 1, 0]],
    # frame 1: root at (10,20,30) with Rz90, C with Rz90:
    # B = A + Rz90(1,0,0) = A + (0,1,0); C = B + (0,1,0); end = C + Rz90 Rz90 (0,1,0) = C - (0,1,0)
    [[10, 20, 30], [10, 21, 30], [10, 22, 30], [10, 21, 30]],
    # frame 2: B "X90 Y90 Z0" -> Rx90 @ Ry90; C "Z90 X90 Y0" -> Rz90 @ Rx90:
    # C = B + Rx90 Ry90 (1,0,0) = B + Rx90 (0,0,-1) = B + (0,1,0)
    # end = C + Rx90 Ry90 Rz90 Rx90 (0,1,0) = C + Rx90 Ry90 Rz90 (0,0,1) = C + Rx90 Ry90 (0,0,1)
    #     = C + Rx90 (1,0,0) = C + (1,0,0)
    [[0, 0, 0], [1, 0, 0], [1, 1, 0], [2, 1, 0]],
], dtype=float)


def write(tmp_path: Path, text: str, name: str = "clip.bvh") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_forward_kinematics_of_a_chain_with_mixed_channel_orders(tmp_path):
    bvh = parse_bvh(write(tmp_path, CHAIN))
    assert bvh.names == ("A", "B", "C", "C/End Site")
    assert bvh.parents == (-1, 0, 1, 2)
    assert bvh.channels[1] == ("Xrotation", "Yrotation", "Zrotation")
    assert bvh.frame_time == 0.5 and bvh.n_frames == 3
    rot, pos = forward_kinematics(bvh)
    assert rot.shape == (3, 4, 3, 3)
    np.testing.assert_allclose(pos, CHAIN_EXPECTED, atol=1e-9)


def test_rotation_order_matters():
    # Same angles, channels written in the other order: C's end lands elsewhere.
    swapped = CHAIN.replace("CHANNELS 3 Zrotation Xrotation Yrotation",
                            "CHANNELS 3 Xrotation Zrotation Yrotation")
    _, pos = forward_kinematics(parse_bvh_text(swapped))
    # C = Rx90 @ Rz90 now: end = C + Rx90 Ry90 Rx90 Rz90 (0,1,0) = C + Rx90 Ry90 Rx90 (-1,0,0)
    #   = C + Rx90 Ry90 (-1,0,0) = C + Rx90 (0,0,1) = C + (0,-1,0)
    np.testing.assert_allclose(pos[2, 3], [1, 0, 0], atol=1e-9)


def test_forward_kinematics_of_selected_nodes():
    bvh = parse_bvh_text(CHAIN)
    rot, pos = forward_kinematics(bvh, [3, 1])
    np.testing.assert_allclose(pos, CHAIN_EXPECTED[:, [3, 1]], atol=1e-9)
    assert rot.shape == (3, 2, 3, 3)


def test_position_channels_add_to_or_replace_the_offset():
    text = CHAIN.replace("OFFSET 0 0 0", "OFFSET 0 5 0", 1)
    bvh = parse_bvh_text(text)
    _, added = forward_kinematics(bvh)
    _, replaced = forward_kinematics(bvh, position_mode="replace")
    np.testing.assert_allclose(added[1, 0], [10, 25, 30], atol=1e-9)
    np.testing.assert_allclose(replaced[1, 0], [10, 20, 30], atol=1e-9)
    np.testing.assert_allclose(replaced[0, 0], [0, 0, 0], atol=1e-9)


def test_tabs_crlf_and_blank_lines_are_accepted(tmp_path):
    messy = "\r\n".join("\t " + line.replace(" ", " \t ") + "  " for line in CHAIN.splitlines())
    messy = messy.replace("MOTION", "\r\nMOTION") + "\r\n\r\n"
    _, pos = forward_kinematics(parse_bvh(write(tmp_path, messy)))
    np.testing.assert_allclose(pos, CHAIN_EXPECTED, atol=1e-9)


def test_extra_frame_lines_are_ignored_and_counted():
    bvh = parse_bvh_text(CHAIN.replace("Frames: 3", "Frames: 2"))
    assert bvh.n_frames == 2 and bvh.extra_lines == 1


def test_subset_of_channels_and_lower_case_names():
    # B has a single (lower-case) rotation channel: 6 + 1 + 3 = 10 values per frame.
    hierarchy = CHAIN.split("MOTION")[0].replace("CHANNELS 3 Xrotation Yrotation Zrotation",
                                                 "CHANNELS 1 zrotation")
    bvh = parse_bvh_text(hierarchy + "MOTION\nFrames: 1\nFrame Time: 0.5\n"
                         "10 20 30 90 0 0 0 90 0 0\n")
    assert bvh.channels[1] == ("Zrotation",)
    _, pos = forward_kinematics(bvh)
    np.testing.assert_allclose(pos[0], CHAIN_EXPECTED[1], atol=1e-9)


# --------------------------------------------------------------------------- full bodies
# T-pose in cm, Y up, facing +Z, so the body's LEFT is +X.  Root channels put the pelvis
# at (0, 100, 0).  Node: (name, offset, children); "End Site" nodes have no children.
def _end(x, y, z):
    return ("End Site", (x, y, z), [])


def _cmu_leg(side, sx):
    short = side[0]
    return (f"{short}HipJoint", (0, 0, 0), [
        (f"{side}UpLeg", (9 * sx, -5, 0), [
            (f"{side}Leg", (0, -45, 0), [
                (f"{side}Foot", (0, -42, 0), [
                    (f"{side}ToeBase", (0, -6, 13), [_end(0, 0, 5)])])])])])


def _arm(prefix, side, sx):
    return (f"{prefix}{side}Shoulder", (3 * sx, 8, 0), [
        (f"{prefix}{side}Arm", (15 * sx, 0, 0), [
            (f"{prefix}{side}ForeArm", (28 * sx, 0, 0), [
                (f"{prefix}{side}Hand", (25 * sx, 0, 0), [_end(8 * sx, 0, 0)])])])])


CMU_BODY = ("Hips", (0, 0, 0), [
    _cmu_leg("Left", 1), _cmu_leg("Right", -1),
    ("LowerBack", (0, 5, 0), [
        ("Spine", (0, 15, 0), [
            ("Spine1", (0, 15, 0), [
                ("Neck", (0, 10, 0), [
                    ("Neck1", (0, 5, 0), [
                        ("Head", (0, 5, 0), [_end(0, 18, 0)])])]),
                _arm("", "Left", 1), _arm("", "Right", -1)])])])])


def _mixamo_leg(side, sx):
    m = "mixamorig:"
    return (f"{m}{side}UpLeg", (9 * sx, -5, 0), [
        (f"{m}{side}Leg", (0, -45, 0), [
            (f"{m}{side}Foot", (0, -42, 0), [
                (f"{m}{side}ToeBase", (0, -6, 13), [
                    (f"{m}{side}Toe_End", (0, 0, 5), [_end(0, 0, 0)])])])])])


MIXAMO_BODY = ("mixamorig:Hips", (0, 0, 0), [
    _mixamo_leg("Left", 1), _mixamo_leg("Right", -1),
    ("mixamorig:Spine", (0, 5, 0), [
        ("mixamorig:Spine1", (0, 15, 0), [
            ("mixamorig:Spine2", (0, 15, 0), [
                ("mixamorig:Neck", (0, 10, 0), [
                    ("mixamorig:Head", (0, 10, 0), [
                        ("mixamorig:HeadTop_End", (0, 18, 0), [_end(0, 0, 0)])])]),
                _arm("mixamorig:", "Left", 1), _arm("mixamorig:", "Right", -1)])])])])


def _cc_side(s, sx):
    c = f"CC_Base_{s}_"
    leg = (f"{c}Thigh", (9 * sx, -5, 0), [
        (f"{c}Calf", (0, -45, 0), [
            (f"{c}Foot", (0, -42, 0), [
                (f"{c}ToeBase", (0, -6, 13), [_end(0, 0, 0)])])])])
    arm = (f"{c}Clavicle", (3 * sx, 8, 0), [
        (f"{c}Upperarm", (15 * sx, 0, 0), [
            (f"{c}Forearm", (28 * sx, 0, 0), [
                (f"{c}Hand", (25 * sx, 0, 0), [_end(0, 0, 0)])])])])
    eye = (f"{c}Eye", (3.25 * sx, 3.1, 8.5), [_end(0, 0, 0)])
    return leg, arm, eye


CC_BODY = ("CC_Base_Hip", (0, 0, 0), [
    ("CC_Base_Pelvis", (0, 0, 0), [_cc_side("L", 1)[0], _cc_side("R", -1)[0]]),
    ("CC_Base_Waist", (0, 5, 0), [
        ("CC_Base_Spine01", (0, 15, 0), [
            ("CC_Base_Spine02", (0, 15, 0), [
                ("CC_Base_NeckTwist01", (0, 10, 0), [
                    ("CC_Base_NeckTwist02", (0, 5, 0), [
                        ("CC_Base_Head", (0, 5, 0),
                         [_cc_side("L", 1)[2], _cc_side("R", -1)[2]])])]),
                _cc_side("L", 1)[1], _cc_side("R", -1)[1]])])])])

# Canonical positions (cm) of the T-pose with the pelvis at (0, 100, 0).
BODY_EXPECTED_CM = {
    "left_hip": (9, 95, 0), "left_knee": (9, 50, 0), "left_ankle": (9, 8, 0),
    "left_toe": (9, 2, 13), "left_shoulder": (18, 143, 0), "left_elbow": (46, 143, 0),
    "left_wrist": (71, 143, 0), "mid_hip": (0, 100, 0), "neck": (0, 145, 0),
}
for _name, (_x, _y, _z) in list(BODY_EXPECTED_CM.items()):
    if _name.startswith("left_"):
        BODY_EXPECTED_CM["right_" + _name[5:]] = (-_x, _y, _z)
HEAD_CM = (0, 155, 0)


def _emit(node, depth, root, lines, order):
    name, offset, children = node
    pad = "\t" * depth
    offset_line = f"{pad}\tOFFSET {offset[0]:.6f} {offset[1]:.6f} {offset[2]:.6f}"
    if name == "End Site":
        lines += [f"{pad}End Site", f"{pad}{{", offset_line, f"{pad}}}"]
        return
    channels = ("Xposition Yposition Zposition Zrotation Yrotation Xrotation" if root
                else "Zrotation Yrotation Xrotation")
    lines += [f"{pad}{'ROOT' if root else 'JOINT'} {name}", f"{pad}{{", offset_line,
              f"{pad}\tCHANNELS {len(channels.split())} {channels}"]
    order.append(name)
    for child in children:
        _emit(child, depth + 1, False, lines, order)
    lines.append(f"{pad}}}")


def bvh_text(tree, frames, frame_time=1 / 30, scale=1.0, z_up=False):
    """BVH text of ``tree``; ``frames`` are {joint: (channel values)} dicts, zeros elsewhere.

    ``scale`` multiplies offsets and root positions; ``z_up`` writes the same motion in a
    Z-up frame: (x, y, z) -> (x, -z, y), with Y rotations written as Z rotations.
    """
    def convert(node):
        name, (x, y, z), children = node
        x, y, z = x * scale, y * scale, z * scale
        offset = (x, 0.0 - z, y) if z_up else (x, y, z)  # 0.0 - z: no "-0.000000"
        return (name, offset, [convert(c) for c in children])

    lines, order = ["HIERARCHY"], []
    _emit(convert(tree), 0, True, lines, order)
    lines += ["MOTION", f"Frames: {len(frames)}", f"Frame Time: {frame_time:.7f}"]
    for frame in frames:
        row = []
        for k, name in enumerate(order):
            values = list(frame.get(name, [0.0] * (6 if k == 0 else 3)))
            if k == 0:
                x, y, z = (v * scale for v in values[:3])
                values[:3] = (x, -z, y) if z_up else (x, y, z)
                if z_up:  # Zrotation Yrotation Xrotation: the vertical turn moves to Z
                    assert values[3] == values[5] == 0, "only turns about the vertical"
                    values[3], values[4] = values[4], 0.0
            row += values
        lines.append(" ".join(f"{v:.6f}" for v in row))
    return "\n".join(lines) + "\n"


def _turning_frames(root_name):
    """Pelvis at (0, 100, 0), turning 0, 90, 180, 270, 360 degrees about the vertical."""
    return [{root_name: [0, 100, 0, 0, yaw, 0]} for yaw in (0, 90, 180, 270, 360)]


@pytest.mark.parametrize("tree, rig", [(CMU_BODY, "cmu"), (MIXAMO_BODY, "mixamo"),
                                       (CC_BODY, "character_creator")])
def test_full_body_maps_every_canonical_joint(tmp_path, tree, rig):
    path = write(tmp_path, bvh_text(tree, _turning_frames(tree[0])))
    motion = read_bvh(path)
    assert motion.provenance["rig"] == rig
    assert motion.provenance["source_units"] == "cm"
    assert motion.provenance["up_axis"] == "+Y"
    assert motion.positions.shape == (5, len(JOINTS), 3)
    assert np.isfinite(motion.positions).all()
    first = motion.positions[0]
    for name, expected in BODY_EXPECTED_CM.items():
        np.testing.assert_allclose(first[J[name]], np.array(expected) / 100, atol=1e-9,
                                   err_msg=name)
    # Facing +Z with Y up the body's left is +X: every left joint has x > 0.
    for name in JOINTS:
        if name.startswith("left_"):
            assert first[J[name], 0] > 0 > first[J["right_" + name[5:]], 0], name
    measured = [J[n] for n in BODY_EXPECTED_CM]
    assert (motion.confidence[:, measured] == 1.0).all()
    assert (motion.confidence[:, [J["left_heel"], J["right_heel"], J["nose"]]] == 0.5).all()


@pytest.mark.parametrize("tree", [CMU_BODY, MIXAMO_BODY])
def test_face_is_derived_from_the_head_frame(tmp_path, tree):
    motion = read_bvh(write(tmp_path, bvh_text(tree, _turning_frames(tree[0]))))
    stature = motion.provenance["stature_m"]
    # Head frame = world here (head top straight up, facing +Z): forward Z, up Y, left X.
    for name, (fwd, up, left) in FACE_OFFSETS.items():
        expected = np.array(HEAD_CM) / 100 + stature * np.array([left, up, fwd])
        np.testing.assert_allclose(motion.positions[0, J[name]], expected, atol=1e-9,
                                   err_msg=name)
    assert (motion.confidence[:, [J["left_eye"], J["left_ear"]]] == 0.5).all()


def test_measured_eyes_anchor_the_face(tmp_path):
    motion = read_bvh(write(tmp_path, bvh_text(CC_BODY, _turning_frames("CC_Base_Hip"))))
    p = motion.positions[0]
    np.testing.assert_allclose(p[J["left_eye"]], [0.0325, 1.581, 0.085], atol=1e-9)
    assert motion.confidence[0, J["left_eye"]] == 1.0
    eyes = 0.5 * (p[J["left_eye"]] + p[J["right_eye"]])
    assert p[J["nose"], 2] > eyes[2] and p[J["nose"], 1] < eyes[1]
    assert abs(p[J["nose"], 0]) < 1e-9
    assert p[J["left_ear"], 0] > p[J["left_eye"], 0] > 0 > p[J["right_ear"], 0]
    assert p[J["left_ear"], 2] < eyes[2]


def test_heel_is_below_and_behind_the_ankle(tmp_path):
    motion = read_bvh(write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips"))))
    heel, ankle, toe = (motion.positions[0, J[f"left_{n}"]] for n in ("heel", "ankle", "toe"))
    assert heel[2] < ankle[2] - 0.03  # behind (forward is +Z)
    assert abs(heel[1] - toe[1]) < 0.01  # on the floor level of the ball of the foot
    assert abs(heel[0] - ankle[0]) < 1e-9
    # Rigid in the foot frame: same distance from the ankle in every frame.
    dist = np.linalg.norm(motion.joint("left_heel") - motion.joint("left_ankle"), axis=1)
    np.testing.assert_allclose(dist, dist[0], atol=1e-9)


def test_turning_root_rotates_the_body_and_yaw(tmp_path):
    path = write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")))
    motion = read_bvh(path)
    # 90 degrees about +Y: (x, y, z) -> (z, y, -x); the left hip (9, -5, 0) -> (0, -5, -9).
    np.testing.assert_allclose(motion.joint("left_hip")[1], [0, 0.95, -0.09], atol=1e-9)
    np.testing.assert_allclose(motion.joint("left_hip")[4], [0.09, 0.95, 0], atol=1e-9)
    np.testing.assert_allclose(root_yaw_deg(path), [0, 90, 180, 270, 360], atol=1e-9)
    np.testing.assert_allclose(root_yaw_deg(parse_bvh(path)), [0, 90, 180, 270, 360], atol=1e-9)


def test_times_fps_and_provenance(tmp_path):
    path = write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips"), frame_time=0.016667))
    motion = read_motion(path)
    assert motion.fps == 60.0
    np.testing.assert_allclose(motion.times, np.arange(5) / 60, atol=1e-12)
    assert motion.duration_s == pytest.approx(5 / 60)
    prov = motion.provenance
    assert prov["reader"] == "bvh" and prov["path"] == str(path) and prov["frames"] == 5
    assert prov["frame_time_s"] == 0.016667


# --------------------------------------------------------------------------- units, axes
@pytest.mark.parametrize("scale, unit", [(0.01, "m"), (10.0, "mm"), (1 / 2.54, "in"),
                                         (0.45 / 2.54, "cmu")])
def test_units_are_detected_and_converted_to_metres(tmp_path, scale, unit):
    reference = read_bvh(write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")), "cm.bvh"))
    other = read_bvh(write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips"), scale=scale)))
    assert other.provenance["source_units"] == unit
    assert other.provenance["units_detected"] is True
    np.testing.assert_allclose(other.positions, reference.positions, atol=1e-5)


def test_explicit_units_override_detection(tmp_path):
    path = write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")))
    in_cm = read_bvh(path)
    as_metres = read_bvh(path, units="m")
    assert as_metres.provenance["source_units"] == "m"
    assert as_metres.provenance["units_detected"] is False
    np.testing.assert_allclose(as_metres.joint("left_knee"), in_cm.joint("left_knee") * 100,
                               atol=1e-9)
    np.testing.assert_allclose(read_bvh(path, units=0.01).positions, in_cm.positions, atol=1e-12)


@pytest.mark.parametrize("up", ["auto", "z", "+Z"])
def test_z_up_files_become_y_up(tmp_path, up):
    y_up = read_bvh(write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")), "y.bvh"))
    z_text = bvh_text(CMU_BODY, _turning_frames("Hips"), z_up=True)
    assert "OFFSET 9.000000 0.000000 -5.000000" in z_text  # the left thigh, written Z up
    z_up = read_bvh(write(tmp_path, z_text, "z.bvh"), up=up)
    assert z_up.provenance["up_axis"] == "+Z"
    np.testing.assert_allclose(z_up.positions, y_up.positions, atol=1e-9)
    assert (z_up.joint("neck")[:, 1] > z_up.joint("mid_hip")[:, 1]).all()
    np.testing.assert_allclose(root_yaw_deg(write(tmp_path, z_text, "z.bvh"), up=up),
                               [0, 90, 180, 270, 360], atol=1e-9)


# --------------------------------------------------------------------------- errors
def _motion_lines(n, values=12):
    return "\n".join(" ".join(["0"] * values) for _ in range(n))


HIERARCHY_ONLY = CHAIN.split("MOTION")[0]
MALFORMED = {
    "no hierarchy": ("MOTION\nFrames: 1\nFrame Time: 0.1\n0 0 0\n", r"expected 'HIERARCHY'"),
    "empty": ("  \n\n", r"the file is empty"),
    "no motion": (HIERARCHY_ONLY, r"no MOTION section"),
    "unclosed brace": (CHAIN.replace("}\nMOTION", "MOTION"),
                       r"unbalanced braces: 'A' is never closed"),
    "extra brace": (CHAIN.replace("}\nMOTION", "}\n}\nMOTION"), r"line 21: unexpected '}'"),
    "joint outside root": ("HIERARCHY\nJOINT B\n{\nOFFSET 0 0 0\n}\n" + CHAIN.split("}\n", 5)[-1],
                           r"line 2: JOINT 'B' outside a ROOT"),
    "root inside joint": (CHAIN.replace("JOINT C", "ROOT C"), r"ROOT 'C' inside 'B'"),
    "missing offset": (CHAIN.replace("    OFFSET 1 0 0\n", "", 1), r"'B' \(line 6\) has no OFFSET"),
    "end site offset": (CHAIN.replace("OFFSET 0 1 0", ""), r"End Site \(line 14\) has no OFFSET"),
    "bad offset": (CHAIN.replace("OFFSET 1 0 0", "OFFSET 1 zero 0", 1),
                   r"line 8: expected an OFFSET value \(a number\), but got 'zero'"),
    "missing brace": (CHAIN.replace("JOINT B\n  {", "JOINT B"), r"expected '\{' after 'B'"),
    "unknown channel": (CHAIN.replace("Yrotation Zrotation", "Yrot Zrotation"),
                        r"line 9: unknown channel 'Yrot'"),
    "channel count": (CHAIN.replace("CHANNELS 3 Xrotation", "CHANNELS three Xrotation"),
                      r"expected a channel count from 1 to 6, but got 'three'"),
    "short channel list": (CHAIN.replace("CHANNELS 3 Xrotation Yrotation Zrotation",
                                         "CHANNELS 4 Xrotation Yrotation Zrotation"),
                           r"unknown channel 'JOINT'"),
    "repeated channel": (CHAIN.replace("Xrotation Yrotation Zrotation",
                                       "Xrotation Xrotation Zrotation"), r"repeated channel"),
    "keyword": (CHAIN.replace("JOINT C", "BONE C"), r"unexpected 'BONE' in the HIERARCHY"),
    "frames header": (CHAIN.replace("Frames: 3", "Frames: many"),
                      r"expected 'Frames:' a count of at least 1, but got 'many'"),
    "zero frames": (CHAIN.replace("Frames: 3", "Frames: 0"), r"at least 1, but got '0'"),
    "frames missing": (CHAIN.replace("Frames: 3\n", ""), r"expected 'Frames: \.\.\.'"),
    "frame time": (CHAIN.replace("Frame Time: 0.5", "Frame Time: 0"),
                   r"expected 'Frame Time:' in seconds > 0, but got '0'"),
    "fewer lines": (CHAIN.replace("Frames: 3", "Frames: 5"),
                    r"declares Frames: 5, but has only 3 frame lines"),
    "value count": (HIERARCHY_ONLY + "MOTION\nFrames: 3\nFrame Time: 0.5\n"
                    + _motion_lines(1) + "\n" + _motion_lines(1, 11) + "\n" + _motion_lines(1),
                    r"line 25 \(frame 2\): expected 12 values \(one per channel\), but got 11"),
    "non-numeric": (CHAIN.replace("10 20 30 90", "10 abc 30 90"),
                    r"line 25 \(frame 2\): 'abc' is not a number"),
    "non-finite": (CHAIN.replace("10 20 30 90", "10 nan 30 90"), r"'nan' is not a number"),
    "no channels": ("HIERARCHY\nROOT A\n{\nOFFSET 0 0 0\n}\nMOTION\nFrames: 1\nFrame Time: 1\n\n",
                    r"declares no CHANNELS"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_raises_one_line_input_error(tmp_path, case):
    text, pattern = MALFORMED[case]
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=pattern) as info:
        read_bvh(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"no such file"):
        read_bvh(tmp_path / "absent.bvh")
    with pytest.raises(InputError, match=r"cannot be read"):
        parse_bvh(tmp_path)


def test_unmappable_rig_lists_what_is_missing(tmp_path):
    path = write(tmp_path, CHAIN)
    with pytest.raises(InputError, match=r"cannot map the rig .*no joint for left_hip, right_hip, "
                       r"left_knee.*by structure: no joint where two leg chains.*joints in the "
                       r"file: A, B, C; name them with --map left_hip=<joint> \(one --map per "
                       r"joint\)$"):
        read_bvh(path)
    with pytest.raises(InputError, match=r"cannot map"):
        root_yaw_deg(path)


def test_missing_one_required_joint(tmp_path):
    text = bvh_text(CMU_BODY, _turning_frames("Hips")).replace("RightLeg", "RightShin")
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=r"no joint for right_knee \(.*closest: cmu\).*"
                       r"--map right_knee=<joint>"):
        read_bvh(path, rig="cmu")
    # rig="auto" falls back on the structure, which finds the same joints.
    motion = read_bvh(path)
    assert motion.provenance["rig"] == "structure"
    assert motion.provenance["rig_joints"]["right_knee"] == "RightShin"
    reference = read_bvh(write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")), "ref.bvh"))
    np.testing.assert_allclose(motion.positions, reference.positions, atol=1e-12)


@pytest.mark.parametrize("option", [{"units": "furlong"}, {"units": -1.0}, {"up": "w"},
                                    {"rig": "vicon"}, {"position_mode": "both"}])
def test_bad_options_raise_config_error(tmp_path, option):
    path = write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")))
    with pytest.raises(ConfigError, match=r"Expected .*, but got"):
        read_bvh(path, **option)


def test_forced_rig(tmp_path):
    path = write(tmp_path, bvh_text(CMU_BODY, _turning_frames("Hips")))
    assert read_bvh(path, rig="cmu").provenance["rig"] == "cmu"
    with pytest.raises(InputError, match=r"closest: mixamo"):
        read_bvh(path, rig="mixamo")
    assert set(RIGS) == {"character_creator", "mixamo", "perception_neuron", "cmu", "mecanim",
                         "rokoko", "smpl"}


# --------------------------------------------------------------------------- real data
def _bone(motion, a, b):
    return float(np.median(np.linalg.norm(motion.joint(a) - motion.joint(b), axis=1)))


@pytest.mark.realdata
def test_real_cmu_files(cmu_bvh_files):
    for path in cmu_bvh_files:
        motion = read_bvh(path)
        prov = motion.provenance
        assert prov["rig"] == "character_creator" and prov["source_units"] == "cm"
        assert prov["up_axis"] == "+Y"
        assert np.isfinite(motion.positions).all(), "every canonical joint present"
        for a, b, low, high in (("hip", "knee", 0.35, 0.50), ("knee", "ankle", 0.35, 0.50),
                                ("shoulder", "elbow", 0.22, 0.36)):
            left, right = _bone(motion, f"left_{a}", f"left_{b}"), _bone(motion, f"right_{a}",
                                                                       f"right_{b}")
            assert low <= left <= high and low <= right <= high, (path.name, a, b, left, right)
            assert abs(left - right) <= 0.1 * max(left, right)
        y = motion.positions[..., 1]
        floor = y[:, [J["left_toe"], J["right_toe"], J["left_heel"], J["right_heel"]]].min()
        assert -0.05 < floor < 0.10
        assert min(y[:, J["left_ankle"]].min(), y[:, J["right_ankle"]].min()) < 0.15
        # Standing height: the eyes' highest point over the first half second, above the
        # floor, plus the eye-to-vertex distance (~0.064 H, Winter 2009).
        eyes = 0.5 * (y[:30, J["left_eye"]] + y[:30, J["right_eye"]])
        height = (eyes.max() - floor) / (1 - 0.064)
        assert 1.55 <= height <= 1.85, (path.name, height)
        assert 1.55 <= prov["stature_m"] <= 1.95
        assert np.mean(y[:, J["nose"]] > y[:, J["mid_hip"]]) > 0.9, "Y is up"
        assert motion.duration_s == pytest.approx(motion.n_frames / 60, abs=1e-9)
        yaw = root_yaw_deg(path)
        assert yaw.shape == (motion.n_frames,) and np.isfinite(yaw).all()
