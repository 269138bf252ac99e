"""BVH rigs: every common naming, the structural fallback, and the user's mapping.

One documented body is written under each naming: a T-pose in cm, Y up, facing +Z (her
left is +X), the pelvis put at (0, 100, 0) by the root channels; frame 2 turns it 90
degrees about the vertical.  Canonical joints (cm, frame 1)::

    mid_hip (0, 100, 0)   left_hip (9, 95, 0)     left_knee (9, 50, 0)
    left_ankle (9, 8, 0)  left_toe (9, 2, 13)     neck (0, 145, 0)
    left_shoulder (18, 142, 0)  left_elbow (46, 142, 0)  left_wrist (71, 142, 0)

and the right side mirrored (x -> -x).  The clavicle runs from (3, 142, 0) to the
shoulder; the head joint is at (0, 155, 0) with its end site 18 cm above.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balletmirror.core.errors import ConfigError, InputError
from balletmirror.core.skeleton import J
from balletmirror.io.bvh import (
    MAPPABLE_JOINTS,
    RIGS,
    match_structure,
    name_side,
    parse_bvh_text,
    read_bvh,
    root_yaw_deg,
)

EXPECTED_CM = {"mid_hip": (0, 100, 0), "left_hip": (9, 95, 0), "left_knee": (9, 50, 0),
               "left_ankle": (9, 8, 0), "left_toe": (9, 2, 13), "neck": (0, 145, 0),
               "left_shoulder": (18, 142, 0), "left_elbow": (46, 142, 0),
               "left_wrist": (71, 142, 0)}
for _joint, (_x, _y, _z) in list(EXPECTED_CM.items()):
    if _joint.startswith("left_"):
        EXPECTED_CM["right_" + _joint[5:]] = (-_x, _y, _z)
NO_TOE = {j: p for j, p in EXPECTED_CM.items() if not j.endswith("_toe")}

# Per-side templates: {L} -> L/R, {Left} -> Left/Right, {left} -> left/right, {左} -> 左/右,
# {Links} -> Links/Rechts, {n} -> a/b (no side token at all).
_SIDES = {"left": {"L": "L", "Left": "Left", "left": "left", "左": "左", "Links": "Links",
                   "n": "a"},
          "right": {"L": "R", "Left": "Right", "left": "right", "左": "右", "Links": "Rechts",
                    "n": "b"}}


# --------------------------------------------------------------------------- writer
def _end(x, y, z):
    return ("End Site", (x, y, z), [])


def body(names: dict[str, str], *, spine=("Spine", "Chest"), neck=("Neck", "Head"),
         toes=True, mirror=False, turn=0.0, z_up=False, eyes=False, sole=(0, -6, 13)):
    """The documented body as (name, offset, children) nodes.

    ``names``: templates for pelvis, hip, knee, ankle, toe, clavicle, shoulder, elbow,
    wrist, knuckles (``None`` leaves a joint out).  ``spine``/``neck``: the trunk and neck
    joint names (the last neck joint is the head).  ``mirror`` puts the joints named left
    at -x; ``turn`` (degrees) turns the rest pose about the vertical (facing +Z turned
    towards +X); ``z_up`` writes it Z up: (x, y, z) -> (x, -z, y).  ``eyes`` adds two
    joints ``e1``/``e2`` 8.5 cm ahead of the head; ``sole`` is the foot's End Site
    (without toes).
    """
    c, s = np.cos(np.radians(turn)), np.sin(np.radians(turn))

    def place(x, y, z):
        x, z = c * x + s * z, -s * x + c * z
        return (x, 0.0 - z, y) if z_up else (x, y, z)

    def name(key, side):
        return names[key].format(**_SIDES[side])

    def leg(side, sx):
        tip = [_end(*place(*sole))] if not toes else [
            (name("toe", side), place(0, -6, 13), [_end(*place(0, 0, 5))])]
        return (name("hip", side), place(9 * sx, -5, 0), [
            (name("knee", side), place(0, -45, 0), [
                (name("ankle", side), place(0, -42, 0), tip)])])

    def arm(side, sx):
        hand = [_end(*place(8 * sx, 0, 0))]
        if names.get("knuckles"):
            hand = [(name("knuckles", side), place(8 * sx, 0, 0), [_end(*place(4 * sx, 0, 0))])]
        return (name("clavicle", side), place(3 * sx, 7, 0), [
            (name("shoulder", side), place(15 * sx, 0, 0), [
                (name("elbow", side), place(28 * sx, 0, 0), [
                    (name("wrist", side), place(25 * sx, 0, 0), hand)])])])

    left, right = (-1, 1) if mirror else (1, -1)
    face = [(f"e{k}", place(3 * sx, 3, 8.5), [_end(*place(0, 0, 1))])
            for k, sx in ((1, 1), (2, -1))] if eyes else []
    head = (neck[-1], place(0, 10 / (len(neck) - 1), 0), [_end(*place(0, 18, 0)), *face])
    for joint in reversed(neck[1:-1]):
        head = (joint, place(0, 10 / (len(neck) - 1), 0), [head])
    top = (neck[0], place(0, 10, 0), [head]) if len(neck) > 1 else head
    trunk = (spine[-1], place(0, 35 / len(spine), 0), [top, arm("left", left),
                                                       arm("right", right)])
    for joint in reversed(spine[:-1]):
        trunk = (joint, place(0, 35 / len(spine), 0), [trunk])
    return (names["pelvis"], (0, 0, 0), [leg("left", left), leg("right", right), trunk])


def bvh_text(tree, yaws=(0.0, 90.0), z_up=False) -> str:
    """BVH text: root at (0, 100, 0) cm turning by ``yaws`` about the vertical."""
    lines, count = ["HIERARCHY"], [0]

    def emit(node, depth):
        label, (x, y, z), children = node
        pad = "  " * depth
        if label == "End Site":
            lines.extend([f"{pad}End Site", f"{pad}{{", f"{pad}  OFFSET {x:.12g} {y:.12g} {z:.12g}",
                          f"{pad}}}"])
            return
        channels = ("6 Xposition Yposition Zposition Zrotation Xrotation Yrotation" if depth == 0
                    else "3 Zrotation Xrotation Yrotation")
        count[0] += 6 if depth == 0 else 3
        lines.extend([f"{pad}{'ROOT' if depth == 0 else 'JOINT'} {label}", f"{pad}{{",
                      f"{pad}  OFFSET {x:.12g} {y:.12g} {z:.12g}", f"{pad}  CHANNELS {channels}"])
        for child in children:
            emit(child, depth + 1)
        lines.append(f"{pad}}}")

    emit(tree, 0)
    lines += ["MOTION", f"Frames: {len(yaws)}", "Frame Time: 0.04"]
    for yaw in yaws:
        root = [0, 0, 100, 0, 0, yaw] if z_up else [0, 100, 0, 0, 0, yaw]
        if z_up:  # a turn about the vertical is a Z rotation there (channel order Z X Y)
            root = [0, 0, 100, yaw, 0, 0]
        lines.append(" ".join(f"{v:g}" for v in root + [0] * (count[0] - 6)))
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "rig.bvh") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_body(motion, expected=EXPECTED_CM, turn=0.0):
    """Frame 1 at the expected points (turned by ``turn``); frame 2 turned 90 degrees more."""
    for frame, yaw in ((0, turn), (1, turn + 90.0)):
        c, s = np.cos(np.radians(yaw)), np.sin(np.radians(yaw))
        for joint, (x, y, z) in expected.items():
            point = np.array([c * x + s * z, y, -s * x + c * z]) / 100
            np.testing.assert_allclose(motion.positions[frame, J[joint]], point, atol=1e-9,
                                       err_msg=f"{joint} frame {frame}")


# --------------------------------------------------------------------------- namings
MECANIM = {"pelvis": "Hips", "hip": "UpperLeg_{L}", "knee": "LowerLeg_{L}", "ankle": "Foot_{L}",
           "toe": "Toes_{L}", "clavicle": "Shoulder_{L}", "shoulder": "UpperArm_{L}",
           "elbow": "LowerArm_{L}", "wrist": "Hand_{L}"}
MECANIM_LEFT = {"pelvis": "Hips", "hip": "{Left}UpperLeg", "knee": "{Left}LowerLeg",
                "ankle": "{Left}Foot", "toe": "{Left}Toes", "clavicle": "{Left}Shoulder",
                "shoulder": "{Left}UpperArm", "elbow": "{Left}LowerArm", "wrist": "{Left}Hand",
                "knuckles": "{Left}MiddleProximal"}
SMPL = {"pelvis": "Pelvis", "hip": "{L}_Hip", "knee": "{L}_Knee", "ankle": "{L}_Ankle",
        "toe": "{L}_Foot", "clavicle": "{L}_Collar", "shoulder": "{L}_Shoulder",
        "elbow": "{L}_Elbow", "wrist": "{L}_Wrist", "knuckles": "{L}_Hand"}
SMPL_LOWER = {key: value.replace("{L}", "{left}").lower() for key, value in SMPL.items()}
ROKOKO = {"pelvis": "Hips", "hip": "{Left}Thigh", "knee": "{Left}Shin", "ankle": "{Left}Foot",
          "toe": "{Left}Toe", "clavicle": "{Left}Shoulder", "shoulder": "{Left}Arm",
          "elbow": "{Left}ForeArm", "wrist": "{Left}Hand", "knuckles": "{Left}HandMiddle1"}
NEURON = {"pelvis": "Hips", "hip": "{Left}UpLeg", "knee": "{Left}Leg", "ankle": "{Left}Foot",
          "clavicle": "{Left}Shoulder", "shoulder": "{Left}Arm", "elbow": "{Left}ForeArm",
          "wrist": "{Left}Hand", "knuckles": "{Left}InHandMiddle"}
CMU = {"pelvis": "Hips", "hip": "{Left}UpLeg", "knee": "{Left}Leg", "ankle": "{Left}Foot",
       "toe": "{Left}ToeBase", "clavicle": "{Left}Shoulder", "shoulder": "{Left}Arm",
       "elbow": "{Left}ForeArm", "wrist": "{Left}Hand"}
# MikuMikuDance-style Japanese names (センター: centre, 足: leg, ひざ: knee, 足首: ankle...).
JAPANESE = {"pelvis": "センター", "hip": "{左}足", "knee": "{左}ひざ", "ankle": "{左}足首",
            "toe": "{左}つま先", "clavicle": "{左}肩", "shoulder": "{左}腕", "elbow": "{左}ひじ",
            "wrist": "{左}手首"}
GERMAN = {"pelvis": "Becken", "hip": "{Links}Oberschenkel", "knee": "{Links}Knie",
          "ankle": "{Links}Knoechel", "toe": "{Links}Zeh", "clavicle": "{Links}Schluesselbein",
          "shoulder": "{Links}Oberarm", "elbow": "{Links}Unterarm", "wrist": "{Links}Hand"}


def meaningless() -> dict[str, str]:
    """j00 (pelvis), j11a/j11b (hips), j12a/b (knees)... j18a/b (wrists): no side token."""
    keys = ["hip", "knee", "ankle", "toe", "clavicle", "shoulder", "elbow", "wrist"]
    return {"pelvis": "j00", **{key: f"j{11 + k}{{n}}" for k, key in enumerate(keys)}}


@pytest.mark.parametrize("names, spine, neck, toes, rig", [
    (MECANIM, ("Spine", "Chest", "UpperChest"), ("Neck", "Head"), True, "mecanim"),
    (MECANIM_LEFT, ("Spine", "Chest", "UpperChest"), ("Neck", "Head"), True, "mecanim"),
    (SMPL, ("Spine1", "Spine2", "Spine3"), ("Neck", "Head"), True, "smpl"),
    (SMPL_LOWER, ("spine1", "spine2", "spine3"), ("neck", "head"), True, "smpl"),
    (ROKOKO, ("Spine", "Spine1", "Spine2"), ("Neck", "Head"), True, "rokoko"),
    (NEURON, ("Spine", "Spine1", "Spine2", "Spine3"), ("Neck", "Neck1", "Head"), False,
     "perception_neuron"),
    (CMU, ("LowerBack", "Spine", "Spine1"), ("Neck", "Neck1", "Head"), True, "cmu"),
], ids=["mecanim_L", "mecanim_Left", "smpl", "smpl_lower", "rokoko", "neuron", "cmu"])
def test_each_naming_reads_by_its_table(tmp_path, names, spine, neck, toes, rig):
    motion = read_bvh(write(tmp_path, bvh_text(body(names, spine=spine, neck=neck, toes=toes))))
    assert motion.provenance["rig"] == rig
    assert motion.provenance["source_units"] == "cm" and motion.provenance["up_axis"] == "+Y"
    assert_body(motion, EXPECTED_CM if toes else NO_TOE)
    joints = motion.provenance["rig_joints"]
    assert joints["left_shoulder"] == names["shoulder"].format(**_SIDES["left"])
    assert joints["head"] == neck[-1] and joints["neck"] == neck[0]
    # Her left is +X facing +Z; the structure finds the same joints.
    by_structure = read_bvh(write(tmp_path, bvh_text(body(names, spine=spine, neck=neck,
                                                          toes=toes)), "s.bvh"), rig="structure")
    assert by_structure.provenance["rig"] == "structure"
    if toes:  # everything, derived face and heels included
        np.testing.assert_allclose(by_structure.positions, motion.positions, atol=1e-9)
    else:  # the structure also takes the forward End Site of the foot as the toe
        assert_body(by_structure, NO_TOE)
        assert by_structure.provenance["rig_joints"]["left_toe"] == "LeftFoot/End Site"


def test_smpl_shoulder_is_the_upper_arm_and_collar_the_clavicle(tmp_path):
    motion = read_bvh(write(tmp_path, bvh_text(body(SMPL, spine=("Spine1", "Spine2", "Spine3")))))
    assert motion.provenance["rig_joints"]["left_shoulder"] == "L_Shoulder"
    assert motion.provenance["rig_joints"]["left_toe"] == "L_Foot"
    assert motion.provenance["rig_joints"]["left_ankle"] == "L_Ankle"
    assert "L_Collar" not in motion.provenance["rig_joints"].values()


def test_perception_neuron_needs_its_signature_else_cmu(tmp_path):
    text = bvh_text(body(NEURON, spine=("Spine", "Spine1", "Spine2"), toes=False))
    text = text.replace("InHandMiddle", "HandMiddle1")  # no InHand, no Spine3
    assert read_bvh(write(tmp_path, text)).provenance["rig"] == "cmu"


def test_tables_keep_their_spellings():
    assert RIGS["mecanim"]["left_upperarm"] == "(?:UpperArm_L|LeftUpperArm)"
    assert RIGS["smpl"]["right_upperarm"] == "(?:[mf]_avg_)?(?:R|Right)_Shoulder"
    assert RIGS["rokoko"]["left_shin"] == "LeftShin"


# --------------------------------------------------------------------------- structure
@pytest.mark.parametrize("names", [JAPANESE, GERMAN, meaningless()],
                         ids=["japanese", "german", "meaningless"])
def test_unknown_names_read_by_structure(tmp_path, names):
    path = write(tmp_path, bvh_text(body(names, spine=("s1", "s2", "s3"), neck=("n", "h"))))
    motion = read_bvh(path)
    prov = motion.provenance
    assert prov["rig"] == "structure"
    assert prov["rig_structure"]["pose"] == "rest pose"
    assert prov["rig_structure"]["facing"] == "feet"
    assert prov["rig_structure"]["sides"] == "geometry"
    assert prov["rig_structure"]["name_conflicts"] == []
    assert prov["rig_joints"]["left_knee"] == names["knee"].format(**_SIDES["left"])
    assert prov["rig_joints"]["mid_hip"] == names["pelvis"]
    assert prov["rig_joints"]["neck"] == "n" and prov["rig_joints"]["head"] == "h"
    assert prov["rig_joints"]["head_top"] == "h/End Site"
    assert_body(motion)
    np.testing.assert_allclose(root_yaw_deg(path), [0, 90], atol=1e-9)


def test_japanese_rig_facing_minus_z_has_her_left_at_minus_x(tmp_path):
    motion = read_bvh(write(tmp_path, bvh_text(body(JAPANESE, turn=180.0))))
    assert motion.provenance["rig"] == "structure"
    assert motion.provenance["rig_joints"]["left_hip"] == "左足"
    assert motion.joint("left_hip")[0, 0] == pytest.approx(-0.09)
    assert_body(motion, turn=180.0)


def test_mirrored_rig_geometry_wins_over_names(tmp_path):
    # Joints named left sit at -x while the feet point +Z: geometrically her right.
    path = write(tmp_path, bvh_text(body(CMU, spine=("Spine", "Chest"), mirror=True)))
    motion = read_bvh(path, rig="structure")
    prov = motion.provenance
    assert prov["rig_joints"]["left_hip"] == "RightUpLeg"
    assert prov["rig_joints"]["left_shoulder"] == "RightArm"
    assert_body(motion)
    assert any("'LeftUpLeg' is named left but lies on her right" == c
               for c in prov["rig_structure"]["name_conflicts"])
    # The name table trusts the names (as before): "auto" reads it as cmu, sides swapped.
    by_names = read_bvh(path)
    assert by_names.provenance["rig"] == "cmu"
    assert by_names.joint("left_hip")[0, 0] == pytest.approx(-0.09)


def test_mirrored_japanese_rig_read_by_structure(tmp_path):
    motion = read_bvh(write(tmp_path, bvh_text(body(JAPANESE, mirror=True))))
    assert motion.provenance["rig"] == "structure"
    assert motion.provenance["rig_joints"]["left_hip"] == "右足"
    assert len(motion.provenance["rig_structure"]["name_conflicts"]) == 4
    assert_body(motion)


@pytest.mark.parametrize("turn", [0.0, 180.0])
def test_without_toes_the_face_gives_the_facing(tmp_path, turn):
    # Feet end straight down (no toe, no forward End Site); two eyes ahead of the head.
    tree = body(meaningless(), toes=False, neck=("n", "h"), eyes=True, sole=(0, -6, 0),
                turn=turn)
    motion = read_bvh(write(tmp_path, bvh_text(tree)))
    assert motion.provenance["rig_structure"]["facing"] == "face"
    assert motion.provenance["rig_joints"]["head"] == "h"
    assert "left_toe" not in motion.provenance["rig_joints"]
    assert_body(motion, NO_TOE, turn=turn)


def test_z_up_rig_by_structure(tmp_path):
    y_up = read_bvh(write(tmp_path, bvh_text(body(meaningless())), "y.bvh"))
    z_up = read_bvh(write(tmp_path, bvh_text(body(meaningless(), z_up=True), z_up=True), "z.bvh"))
    assert z_up.provenance["rig"] == "structure" and z_up.provenance["up_axis"] == "+Z"
    np.testing.assert_allclose(z_up.positions, y_up.positions, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(turn=st.floats(-180, 180), mirror=st.booleans())
def test_structure_finds_her_left_whichever_way_the_rest_pose_faces(tmp_path_factory, turn,
                                                                     mirror):
    path = write(tmp_path_factory.mktemp("turn"), bvh_text(body(meaningless(), turn=turn,
                                                                 mirror=mirror)))
    motion = read_bvh(path)
    assert motion.provenance["rig"] == "structure"
    assert_body(motion, turn=turn)


def test_a_bvh_write_file_reads_by_structure(tmp_path):
    from balletmirror.io.bvh_write import write_bvh
    from balletmirror.studio.procedural import demo_motion

    demo = demo_motion(noise_m=0.0).slice(0, 30)
    path = write_bvh(demo, tmp_path / "demo.bvh")
    by_names, by_structure = read_bvh(path), read_bvh(path, rig="structure")
    assert by_names.provenance["rig"] == "cmu"
    for joint in ("left_hip", "right_knee", "left_ankle", "right_toe", "left_shoulder",
                  "right_wrist", "mid_hip", "neck"):
        np.testing.assert_allclose(by_structure.joint(joint), by_names.joint(joint), atol=1e-9,
                                   err_msg=joint)


def test_match_structure_reports_the_pose_it_read(tmp_path):
    bvh = parse_bvh_text(bvh_text(body(meaningless())))
    roles, notes = match_structure(bvh)
    assert bvh.names[roles["left_shin"]] == "j12a"
    assert notes["pose"] == "rest pose"


def test_legs_up_in_the_rest_pose_are_read_in_frame_one(tmp_path):
    # Rest pose with the legs pointing up (as Character Creator exports): frame 1
    # swings both hips 180 degrees about X, so the body stands there.
    # Rx180: (x, y, z) -> (x, -y, -z); the foot's End Site (0, 6, -13) becomes (0, -6, 13).
    text = bvh_text(body(meaningless(), toes=False, sole=(0, 6, -13)))
    text = text.replace("OFFSET 0 -45 0", "OFFSET 0 45 0").replace("OFFSET 0 -42 0",
                                                                   "OFFSET 0 42 0")
    lines = text.splitlines()
    names = [line.split()[1] for line in lines if line.strip().startswith(("ROOT", "JOINT"))]
    width = 6 + 3 * (len(names) - 1)
    hips = [names.index(n) for n in ("j11a", "j11b")]
    frame = [0.0, 100.0, 0.0, 0.0, 0.0, 0.0] + [0.0] * (width - 6)
    for k in hips:  # channels Zrotation Xrotation Yrotation of joint k
        frame[6 + 3 * (k - 1) + 1] = 180.0
    head = lines.index("MOTION")
    text = "\n".join(lines[:head] + ["MOTION", "Frames: 1", "Frame Time: 0.04",
                                     " ".join(f"{v:g}" for v in frame)]) + "\n"
    motion = read_bvh(write(tmp_path, text))
    assert motion.provenance["rig_structure"]["pose"] == "frame 1"
    assert motion.provenance["rig_joints"]["left_knee"] == "j12a"
    # Rx180 turns the knee offset (0, 45, 0) into (0, -45, 0): the T-pose again (no toes).
    for joint, (x, y, z) in NO_TOE.items():
        np.testing.assert_allclose(motion.positions[0, J[joint]], np.array([x, y, z]) / 100,
                                   atol=1e-9, err_msg=joint)


def test_name_side_tokens():
    cases = {"LeftUpLeg": "left", "UpperLeg_R": "right", "L_Hip": "left", "left_hip": "left",
             "Bip01 R Thigh": "right", "hand.l": "left", "左足": "left", "右ひじ": "right",
             "LinkerArm": "left", "RechtesBein": "right", "bras_gauche": "left",
             "pierna_derecha": "right", "braccio_sinistro": "left", "LHipJoint": "left",
             "mixamorig:RightArm": "right", "Hips": None, "j01": None, "Spine": None,
             "LeftRight": None, "Neck1": None}
    for name, side in cases.items():
        assert name_side(name) == side, name


# --------------------------------------------------------------------------- mapping
def _sideless(tmp_path: Path) -> Path:
    """Meaningless names, feet ending straight down, no face: no side can be told."""
    return write(tmp_path, bvh_text(body(meaningless(), toes=False, sole=(0, -6, 0))),
                 "sideless.bvh")


def test_unmappable_rig_says_how_to_map_it(tmp_path):
    path = _sideless(tmp_path)
    with pytest.raises(InputError, match=r"cannot tell her left from her right.*name them "
                       r"with --map left_hip=<joint> \(one --map per joint\)$"):
        read_bvh(path)
    with pytest.raises(InputError, match=r"--map"):
        root_yaw_deg(path)


FULL_MAPPING = {"left_hip": "j11a", "right_hip": "j11b", "left_knee": "j12a",
                "right_knee": "j12b", "left_ankle": "j13a", "right_ankle": "j13b",
                "left_shoulder": "j16a", "right_shoulder": "j16b", "left_elbow": "J17A",
                "right_elbow": "j17B", "left_wrist": "j18a", "right_wrist": "j18b",
                "mid_hip": "j00", "neck": "Neck", "head": "Head"}


def test_mapping_reads_a_rig_nothing_else_can(tmp_path):
    path = _sideless(tmp_path)
    motion = read_bvh(path, mapping=FULL_MAPPING)
    assert motion.provenance["rig"] == "mapping"
    assert motion.provenance["rig_mapping"]["left_elbow"] == "j17a"  # case-insensitive
    assert motion.provenance["rig_joints"]["right_elbow"] == "j17b"
    assert_body(motion, NO_TOE)
    np.testing.assert_allclose(root_yaw_deg(path, mapping=FULL_MAPPING), [0, 90], atol=1e-9)


def test_mapping_completes_a_name_table(tmp_path):
    text = bvh_text(body(CMU)).replace("RightLeg", "RightShin")
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=r"no joint for right_knee.*--map right_knee=<joint>"):
        read_bvh(path, rig="cmu")
    motion = read_bvh(path, rig="cmu", mapping={"right_knee": "rightshin"})
    assert motion.provenance["rig"] == "cmu"
    assert motion.provenance["rig_mapping"] == {"right_knee": "RightShin"}
    assert_body(motion)


def test_mapping_overrides_the_automatic_choice(tmp_path):
    # A mirrored CMU rig read by names: the mapping swaps the hips back.
    path = write(tmp_path, bvh_text(body(CMU, mirror=True)))
    motion = read_bvh(path, mapping={"left_hip": "RightUpLeg", "right_hip": "LeftUpLeg"})
    assert motion.provenance["rig_joints"]["left_hip"] == "RightUpLeg"
    np.testing.assert_allclose(motion.joint("left_hip")[0], [0.09, 0.95, 0], atol=1e-9)


@pytest.mark.parametrize("mapping, pattern", [
    ({"left_kne": "LeftLeg"}, r"unknown canonical joint 'left_kne' in the mapping; expected "
                              r"one of left_hip, left_knee, .*mid_hip, neck, head, head_top$"),
    ({"left_knee": "NoSuchJoint"}, r"the mapping gives left_knee = 'NoSuchJoint', but the file "
                                   r"has no joint of that name; joints in the file: Hips, "
                                   r".* \(\+\d+ more\)$"),
])
def test_bad_mapping_raises_input_error(tmp_path, mapping, pattern):
    path = write(tmp_path, bvh_text(body(CMU)))
    with pytest.raises(InputError, match=pattern):
        read_bvh(path, mapping=mapping)


@pytest.mark.parametrize("mapping", [["left_knee", "LeftLeg"], {"left_knee": 3}])
def test_mapping_of_the_wrong_type_is_a_config_error(tmp_path, mapping):
    path = write(tmp_path, bvh_text(body(CMU)))
    with pytest.raises(ConfigError, match=r"Expected mapping"):
        read_bvh(path, mapping=mapping)


def test_mappable_joints_are_the_measured_ones_and_the_head():
    assert {"left_knee", "mid_hip", "neck", "left_toe", "head"} <= set(MAPPABLE_JOINTS)


# --------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_real_files_read_by_structure_match_their_table(cmu_bvh_files):
    """The Character Creator rest pose has the legs up: the structure reads frame 1 and
    finds the table's joints (eyes aside, which it does not map)."""
    for path in cmu_bvh_files:
        by_table, by_structure = read_bvh(path), read_bvh(path, rig="structure")
        assert by_structure.provenance["rig_structure"]["pose"] == "frame 1"
        table, structure = (m.provenance["rig_joints"] for m in (by_table, by_structure))
        assert {j: n for j, n in table.items() if not j.endswith("_eye")} == structure
        measured = [J[j] for j in structure if j in J]
        np.testing.assert_allclose(by_structure.positions[:, measured],
                                   by_table.positions[:, measured], atol=1e-9)
