"""Xsens MVN readers: MVNX and segment-position CSV built from a known body.

The body (MVN axes: metres, Z up, x forward, y to her left) stands with the hips 0.95 m
up, thighs 0.43 m, shanks 0.44 m, feet 0.14 m to the ball of the foot; then she raises
her left leg straight to the front (développé devant) to 30, 60 and 90 degrees, the
whole leg turning about her left hip.  In Y-up world axes a Z-up point (x, y, z) is
(x, z, -y): her left is -Z and she faces +X.
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest

from balletmirror.core.errors import InputError
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import J
from balletmirror.io.bvh import FACE_OFFSETS, HEEL_BACK, HEEL_DOWN
from balletmirror.io.c3d import z_up_to_y_up
from balletmirror.io.xsens import (
    MVN_SEGMENTS,
    Z_UP_TO_Y_UP,
    foot_frames,
    looks_like_mvnx,
    looks_like_xsens_csv,
    quaternion_matrices,
    read_mvnx,
    read_xsens_csv,
)

# --------------------------------------------------------------------------- the body
STANDING: dict[str, tuple[float, float, float]] = {
    "Pelvis": (0.0, 0.0, 0.95), "L5": (0.0, 0.0, 1.00), "L3": (0.0, 0.0, 1.08),
    "T12": (0.0, 0.0, 1.16), "T8": (0.0, 0.0, 1.26), "Neck": (0.0, 0.0, 1.42),
    "Head": (0.0, 0.0, 1.52),
}
for _S, _y in (("Right", -1.0), ("Left", 1.0)):
    STANDING.update({
        f"{_S}Shoulder": (0.0, 0.03 * _y, 1.38), f"{_S}UpperArm": (0.0, 0.18 * _y, 1.38),
        f"{_S}ForeArm": (0.0, 0.18 * _y, 1.10), f"{_S}Hand": (0.0, 0.18 * _y, 0.85),
        f"{_S}UpperLeg": (0.0, 0.09 * _y, 0.95), f"{_S}LowerLeg": (0.0, 0.09 * _y, 0.52),
        f"{_S}Foot": (0.0, 0.09 * _y, 0.08), f"{_S}Toe": (0.14, 0.09 * _y, 0.02),
    })
LEFT_LEG = ("LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "LeftToe")
RIGHT_FOOT = ("RightFoot", "RightToe")
#: Points of the segments header (segment frame = global frame in this calibration).
POINT_OFFSETS = {
    ("LeftFoot", "pLeftHeelCenter"): (-0.047, 0.0, -0.048),
    ("LeftFoot", "pLeftHeelFoot"): (-0.065, 0.0, -0.048),
    ("RightFoot", "pRightHeelCenter"): (-0.047, 0.0, -0.048),
    ("Head", "pTopOfHead"): (0.0, 0.0, 0.18),
    ("Head", "pLeftAuricularis"): (0.0, 0.07, 0.08),
    ("Head", "pRightAuricularis"): (0.0, -0.07, 0.08),
    ("Pelvis", "jL5S1"): (0.0, 0.0, 0.05),
}
#: canonical joint -> the MVN segment whose origin it is.
MEASURED = {"mid_hip": "Pelvis", "neck": "Neck", **{
    f"{s}_{joint}": f"{S}{segment}" for S, s in (("Left", "left"), ("Right", "right"))
    for joint, segment in (("hip", "UpperLeg"), ("knee", "LowerLeg"), ("ankle", "Foot"),
                           ("toe", "Toe"), ("shoulder", "UpperArm"), ("elbow", "ForeArm"),
                           ("wrist", "Hand"))}}
DEVELOPPE = (0.0, 30.0, 60.0, 90.0)


def about_y(degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotation about +y (her left) by ``degrees`` as (matrix, quaternion w x y z)."""
    a = np.radians(degrees)
    matrix = np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0],
                       [-np.sin(a), 0.0, np.cos(a)]])
    return matrix, np.array([np.cos(a / 2), 0.0, np.sin(a / 2), 0.0])


def pose(raise_deg: float = 0.0, point_deg: float = 0.0) -> tuple[dict, dict]:
    """Segment origins and quaternions (Z up): the left leg raised to the front by
    ``raise_deg``, the right foot turned toes-down about its ankle by ``point_deg``."""
    positions = {s: np.array(p) for s, p in STANDING.items()}
    quats = {s: np.array([1.0, 0.0, 0.0, 0.0]) for s in MVN_SEGMENTS}
    lift, q_lift = about_y(-raise_deg)       # takes "down" (0, 0, -1) to the front
    hip = positions["LeftUpperLeg"]
    for segment in LEFT_LEG:
        positions[segment] = hip + lift @ (positions[segment] - hip)
        quats[segment] = q_lift
    point, q_point = about_y(point_deg)      # toes down
    ankle = positions["RightFoot"]
    positions["RightToe"] = ankle + point @ (positions["RightToe"] - ankle)
    for segment in RIGHT_FOOT:
        quats[segment] = q_point
    return positions, quats


def bvh_heel(knee, ankle, toe) -> np.ndarray:
    """The BVH reader's heel rule in one frame: ankle + l (-0.12 d + 0.52 n)."""
    foot = toe - ankle
    d = foot / np.linalg.norm(foot)
    shin = ankle - knee
    n = shin - (shin @ d) * d
    return ankle + np.linalg.norm(foot) * (-HEEL_BACK * d + HEEL_DOWN * n / np.linalg.norm(n))


def yup(p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.array([p[0], p[2], -p[1]])


def numbers(values) -> str:
    return " ".join(f"{float(v):.12g}" for v in values)


# --------------------------------------------------------------------------- MVNX text
NS = ' xmlns="http://www.xsens.com/mvn/mvnx"'


def segments_xml(segments=MVN_SEGMENTS) -> str:
    parts = []
    for i, segment in enumerate(segments, 1):
        points = "".join(f'<point label="{label}"><pos_b>{numbers(offset)}</pos_b></point>'
                         for (seg, label), offset in POINT_OFFSETS.items() if seg == segment)
        parts.append(f'<segment label="{segment}" id="{i}"><points>{points}</points>'
                     "</segment>")
    return "<segments>\n" + "\n".join(parts) + "\n</segments>"


def calibration_xml(segments=MVN_SEGMENTS) -> str:
    zero, identity = numbers([0.0] * 3 * len(segments)), " ".join(["1 0 0 0"] * len(segments))
    return "".join(f'<frame type="{kind}" index="{-3 + k}"><orientation>{identity}'
                   f"</orientation><position>{zero}</position></frame>\n"
                   for k, kind in enumerate(("identity", "tpose", "tpose-isb")))


def frame_xml(i: int, positions: dict, quats: dict, *, segments=MVN_SEGMENTS,
              attrs: str | None = None, orientation: bool = True) -> str:
    if attrs is None:
        attrs = f'time="{round(i * 1000 / 60)}" index="{i}" tc="00:00:00:{i:02d}"'
    parts = [f'<frame {attrs} type="normal">']
    if orientation:
        parts.append(f"<orientation>{numbers(np.concatenate([quats[s] for s in segments]))}"
                     "</orientation>")
    parts.append(f"<position>{numbers(np.concatenate([positions[s] for s in segments]))}"
                 "</position>")
    parts.append(f"<velocity>{numbers([0.0] * 3 * len(segments))}</velocity></frame>")
    return "".join(parts)


def mvnx_text(poses=None, *, segments=MVN_SEGMENTS, ns: str = NS, rate: str = ' frameRate="60"',
              attrs=None, orientation: bool = True, calibration: bool = True,
              second_subject: bool = False, prolog: str = "") -> str:
    """An MVNX document of ``poses`` (default: the développé); ``attrs(i)`` gives a
    frame's attributes."""
    poses = [pose(a) for a in DEVELOPPE] if poses is None else poses
    frames = [frame_xml(i, p, q, segments=segments, orientation=orientation,
                        attrs=None if attrs is None else attrs(i))
              for i, (p, q) in enumerate(poses)]
    subject = (f'<subject label="Odette"{rate} segmentCount="{len(segments)}" '
               f'configuration="FullBody">\n{segments_xml(segments)}\n'
               f'<sensors><sensor label="Pelvis"/></sensors>\n'
               f'<frames segmentCount="{len(segments)}">\n'
               + (calibration_xml(segments) if calibration else "")
               + "\n".join(frames) + "\n</frames>\n</subject>\n")
    other = subject.replace('label="Odette"', 'label="Siegfried"').replace(
        "0.95", "0.99") if second_subject else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<mvnx version="4"{ns}>\n'
            '<mvn version="2022.0.0" build="123"/>\n<comment>développé</comment>\n'
            f"{subject}{other}<securityCode code=\"none\"/>\n</mvnx>\n")


def write(tmp_path, text: str | bytes, name: str = "take.mvnx"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def edit_frame(text: str, index: int, element: str, new: str) -> str:
    """Replace the body of ``<element>`` in the normal frame of ``index``."""
    pattern = rf'(<frame [^>]*index="{index}"[^>]*type="normal">.*?<{element}>)(.*?)(</{element}>)'
    out, n = re.subn(pattern, lambda m: m[1] + new + m[3], text, count=1, flags=re.S)
    assert n == 1
    return out


@pytest.fixture
def developpe(tmp_path) -> Motion:
    return read_mvnx(write(tmp_path, mvnx_text()))


# --------------------------------------------------------------------------- MVNX: joints
def test_segment_origins_land_on_their_canonical_joints_in_y_up_metres(developpe):
    standing, _ = pose()
    for joint, segment in MEASURED.items():
        np.testing.assert_allclose(developpe.positions[0, J[joint]], yup(standing[segment]),
                                   atol=1e-9, err_msg=joint)
        assert (developpe.confidence[:, J[joint]] == 1.0).all()
    assert developpe.space == "world" and developpe.units == "m"
    np.testing.assert_allclose(developpe.joint("left_hip")[0], [0.0, 0.95, -0.09])


def test_the_raised_left_leg_goes_to_the_front_at_hip_height(developpe):
    knee, ankle = developpe.joint("left_knee"), developpe.joint("left_ankle")
    for k, angle in enumerate(DEVELOPPE):
        a = np.radians(angle)
        np.testing.assert_allclose(knee[k], [0.43 * np.sin(a), 0.95 - 0.43 * np.cos(a), -0.09],
                                   atol=1e-9)
        np.testing.assert_allclose(ankle[k], [0.87 * np.sin(a), 0.95 - 0.87 * np.cos(a), -0.09],
                                   atol=1e-9)
    np.testing.assert_allclose(knee[3], [0.43, 0.95, -0.09], atol=1e-9)  # à la hauteur
    # the supporting leg does not move
    assert np.ptp(developpe.joint("right_knee"), axis=0).max() < 1e-12


def test_heels_are_the_heel_centre_points_carried_by_the_foot_orientation(developpe):
    offset = np.array(POINT_OFFSETS[("LeftFoot", "pLeftHeelCenter")])
    for k, angle in enumerate(DEVELOPPE):
        positions, _ = pose(angle)
        lift, _ = about_y(-angle)
        expected = yup(positions["LeftFoot"] + lift @ offset)
        np.testing.assert_allclose(developpe.joint("left_heel")[k], expected, atol=1e-9)
    np.testing.assert_allclose(developpe.joint("left_heel")[0], [-0.047, 0.032, -0.09],
                               atol=1e-9)
    assert (developpe.confidence[:, [J["left_heel"], J["right_heel"]]] == 0.5).all()
    assert "pLeftHeelCenter" in developpe.provenance["derived"]["left_heel"]


def test_ears_are_the_auricularis_points_and_the_face_follows_the_bvh_rule(developpe):
    np.testing.assert_allclose(developpe.joint("left_ear")[0], [0.0, 1.60, -0.07], atol=1e-9)
    np.testing.assert_allclose(developpe.joint("right_ear")[0], [0.0, 1.60, 0.07], atol=1e-9)
    stature = developpe.provenance["stature_m"]
    assert 1.6 < stature < 1.75
    head = np.array([0.0, 1.52, 0.0])
    for name in ("nose", "left_eye", "right_eye"):
        forward, up, left = FACE_OFFSETS[name]
        expected = head + stature * np.array([forward, up, -left])  # her left is -Z
        np.testing.assert_allclose(developpe.joint(name)[0], expected, atol=1e-9, err_msg=name)
        assert (developpe.confidence[:, J[name]] == 0.5).all()
    assert developpe.joint("nose")[0, 0] > 0.1  # she faces +X


def test_the_heel_falls_back_to_the_heel_foot_point_then_to_the_bvh_rule(tmp_path):
    text = re.sub(r'<point label="pLeftHeelCenter">.*?</point>', "", mvnx_text([pose()]))
    motion = read_mvnx(write(tmp_path, text))
    np.testing.assert_allclose(motion.joint("left_heel")[0], [-0.065, 0.032, -0.09], atol=1e-9)
    assert "pLeftHeelFoot" in motion.provenance["derived"]["left_heel"]
    text = re.sub(r'<point label="pRightHeel\w+">.*?</point>', "", text)
    motion = read_mvnx(write(tmp_path, text))
    assert "heel rule carried by the foot orientation" in motion.provenance["derived"][
        "right_heel"]
    knee, ankle, toe = (motion.joint(f"right_{j}")[0] for j in ("knee", "ankle", "toe"))
    np.testing.assert_allclose(motion.joint("right_heel")[0], bvh_heel(knee, ankle, toe),
                               atol=1e-9)


def test_a_file_without_orientations_derives_heels_and_face_from_the_joints(tmp_path):
    with_q = read_mvnx(write(tmp_path, mvnx_text()))
    without = read_mvnx(write(tmp_path, mvnx_text(orientation=False), "bare.mvnx"))
    measured = [J[j] for j in MEASURED]
    np.testing.assert_allclose(without.positions[:, measured], with_q.positions[:, measured])
    assert without.provenance["orientations"] is False
    assert np.isfinite(without.positions).all()
    csv = read_xsens_csv(write(tmp_path, xsens_csv_text(), "take.csv"))
    np.testing.assert_allclose(without.positions, csv.positions, atol=1e-9)


# --------------------------------------------------------------------------- MVNX: frames
def test_calibration_frames_are_skipped_and_counted(developpe):
    assert developpe.n_frames == len(DEVELOPPE)
    assert developpe.provenance["skipped_frames"] == {"identity": 1, "tpose": 1,
                                                      "tpose-isb": 1}
    assert not np.any(developpe.positions[:, J["left_hip"], 1] == 0.0)


def test_times_come_from_the_time_attribute_in_ms_and_fps_from_frame_rate(developpe):
    np.testing.assert_allclose(developpe.times, [0.0, 0.017, 0.033, 0.050])
    assert developpe.fps == 60.0
    assert developpe.provenance["time_source"] == "time attribute (ms)"
    assert developpe.provenance["start_timecode"] == "00:00:00:00"


def test_times_fall_back_to_the_ms_attribute_then_to_index_over_frame_rate(tmp_path):
    text = mvnx_text(rate=' frameRate="200"',
                     attrs=lambda i: f'index="{i}" ms="{1700000000000 + 5 * i}"')
    motion = read_mvnx(write(tmp_path, text))
    np.testing.assert_allclose(motion.times, np.arange(4) * 0.005, atol=1e-9)
    assert motion.fps == 200.0 and motion.provenance["start_ms"] == 1700000000000
    text = mvnx_text(rate=' frameRate="120"', attrs=lambda i: f'index="{10 + i}"')
    motion = read_mvnx(write(tmp_path, text))
    np.testing.assert_allclose(motion.times, np.arange(4) / 120)
    assert motion.provenance["time_source"] == "frame numbers / frame rate"


def test_fps_overrides_the_rate_and_times_frames_by_index(tmp_path):
    motion = read_mvnx(write(tmp_path, mvnx_text()), fps=100)
    assert motion.fps == 100.0
    np.testing.assert_allclose(motion.times, np.arange(4) / 100)


def test_without_any_rate_60_fps_is_assumed_and_noted(tmp_path):
    motion = read_mvnx(write(tmp_path, mvnx_text(rate="", attrs=lambda i: f'index="{i}"')))
    assert motion.fps == 60.0 and motion.provenance["fps_assumed"]
    assert any("fps assumed" in note for note in motion.provenance["notes"])


def test_the_namespace_is_optional_and_the_frame_rate_may_sit_on_the_root(tmp_path):
    text = mvnx_text(ns="", rate="").replace('<mvnx version="4"',
                                             '<mvnx version="4" frameRate="60"')
    motion = read_mvnx(write(tmp_path, text))
    assert motion.fps == 60.0 and motion.n_frames == 4


def test_several_subjects_read_the_first_and_say_so(tmp_path):
    motion = read_mvnx(write(tmp_path, mvnx_text(second_subject=True)))
    assert motion.provenance["subjects"] == 2 and motion.provenance["subject"] == "Odette"
    assert "first was read" in motion.provenance["notes"][0]
    np.testing.assert_allclose(motion.joint("mid_hip")[0, 1], 0.95)


def test_the_file_is_streamed_not_kept_as_a_tree(tmp_path):
    """400 frames of 24 KB, most of it quantities the reader ignores (as in real files:
    velocities, accelerations, joint angles, sensors): the peak of traced memory stays
    far under the file's size (a tree of the whole file would hold all of it)."""
    standing, quats = pose()
    ballast = "<jointAngle>" + numbers(np.linspace(0, 1, 1500)) + "</jointAngle>"
    frames = "\n".join(frame_xml(i, standing, quats).replace("</frame>", ballast + "</frame>")
                       for i in range(400))
    text = mvnx_text([pose()]).replace(frame_xml(0, standing, quats), frames)
    path = write(tmp_path, text)
    tracemalloc.start()
    try:
        motion = read_mvnx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert motion.n_frames == 400
    assert peak < 0.5 * path.stat().st_size, (peak, path.stat().st_size)


# --------------------------------------------------------------------------- MVNX: safety
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<mvnx><comment>&lol3;</comment></mvnx>
"""


@pytest.mark.parametrize("text", [
    BILLION_LAUGHS,
    '<?xml version="1.0"?><!DOCTYPE mvnx SYSTEM "http://example.com/x.dtd"><mvnx/>',
    mvnx_text(prolog='<!DOCTYPE mvnx [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'),
    # the declaration straddles iterparse's 16 KB reads
    '<?xml version="1.0"?><!--' + "x" * (16 * 1024 - 30) + "--><!DOCTYPE mvnx><mvnx/>",
], ids=["billion-laughs", "external-dtd", "external-entity", "across-reads"])
def test_dtds_and_entity_declarations_are_refused(tmp_path, text):
    with pytest.raises(InputError, match=r"declares a DTD or entities"):
        read_mvnx(write(tmp_path, text))


def test_an_undeclared_entity_is_an_xml_error(tmp_path):
    with pytest.raises(InputError, match="not well-formed XML .*undefined entity"):
        read_mvnx(write(tmp_path, mvnx_text().replace("développé", "&lol;")))


# --------------------------------------------------------------------------- MVNX: errors
def _without(segment: str) -> tuple[str, ...]:
    return tuple(s for s in MVN_SEGMENTS if s != segment)


@pytest.mark.parametrize(("text", "message"), [
    ("this is not XML at all", r"not well-formed XML \(syntax error"),
    (mvnx_text()[:-200], r"not well-formed XML \("),
    ("<svg><mvnx/></svg>", r"not an MVNX file: the root element is <svg>"),
    ("<mvnx version='4'/>", r"has no <subject>"),
    ("<mvnx><subject frameRate='60'/></mvnx>", r"the subject has no <segments>;"),
    (re.sub(r"<segments>.*?</segments>", "", mvnx_text(), flags=re.S),
     r"the subject has no <segments> before its frames"),
    (edit_frame(mvnx_text(), 2, "position", numbers([0.1] * 68)),
     r"frame index 2: <position> has 68 numbers, expected 69"),
    (edit_frame(mvnx_text(), 1, "position", numbers([0.1] * 68) + " nan"),
     r"frame index 1: <position> holds nan; expected finite values"),
    (edit_frame(mvnx_text(), 3, "position", numbers([0.1] * 68) + " inf"),
     r"frame index 3: <position> holds inf"),
    (edit_frame(mvnx_text(), 1, "position", numbers([0.1] * 68) + " 1e6"),
     r"frame index 1: <position> holds 1e\+06; expected finite values within \+-10000"),
    (edit_frame(mvnx_text(), 1, "position", numbers([0.1] * 68) + " 0x1f"),
     r"frame index 1: <position>: '0x1f' is not a number"),
    (edit_frame(mvnx_text(), 2, "orientation", numbers([1.0] * 91)),
     r"frame index 2: <orientation> has 91 numbers, expected 92"),
    (edit_frame(mvnx_text(), 2, "orientation", numbers([0.0] * 92)),
     r"frame index 2: the orientation of Head is a zero quaternion"),
    (re.sub(r'(index="2".*?)<orientation>.*?</orientation>', r"\1", mvnx_text(), flags=re.S),
     r"frame index 2 has no <orientation> but earlier frames do"),
    (re.sub(r'(index="1".*?)<position>.*?</position>', r"\1", mvnx_text(), flags=re.S),
     r"frame index 1 has no <position>"),
    (re.sub(r'<frame [^>]*type="normal">.*?</frame>', "", mvnx_text(), flags=re.S),
     r"no normal frames \(calibration frames skipped: 1 identity, 1 tpose, 1 tpose-isb\)"),
    (mvnx_text(segments=_without("LeftFoot")),
     r"the subject lacks the segments LeftFoot \(found Pelvis, L5"),
    (mvnx_text(segments=_without("RightUpperArm")), r"lacks the segments RightUpperArm"),
    (mvnx_text(attrs=lambda i: f'index="{i}" time="{[0, 17, 17, 50][i]}"'),
     r"frame index 2: time attribute 17 does not increase after 17; pass fps="),
    (mvnx_text(attrs=lambda i: f'index="{i}" time="t{i}"'),
     r"normal frame 0: time 't0' is not a number"),
    (mvnx_text(rate=' frameRate="fast"'), r"frameRate 'fast' is not a positive number"),
    (mvnx_text().replace('label="Pelvis" id="1"', 'id="1"'), r"segment 1 has no label"),
    (mvnx_text().replace('label="Head"', 'label="Neck"'), r"segment Neck appears twice"),
    (mvnx_text().replace("<pos_b>0 0 0.18</pos_b>", "<pos_b>0 0</pos_b>"),
     r"segment Head, point pTopOfHead has 2 numbers, expected 3"),
    (mvnx_text().replace('encoding="UTF-8"', 'encoding="EBCDIC-US"'),
     r"declares the encoding 'EBCDIC-US', which is not read"),
])
def test_each_malformed_mvnx_is_one_input_error(tmp_path, text, message):
    with pytest.raises(InputError, match=message) as caught:
        read_mvnx(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_millimetres_are_refused_by_the_stature_check(tmp_path):
    poses = [({s: p * 1000 for s, p in pos.items()}, q) for pos, q in (pose(), pose(30))]
    with pytest.raises(InputError, match=r"stature of 1.68e\+03 m, outside 0.5-3 m"):
        read_mvnx(write(tmp_path, mvnx_text(poses)))


def test_bytes_that_are_not_utf8_and_missing_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"not an MVNX \(XML\) text file: the bytes at offset"):
        read_mvnx(write(tmp_path, b"<mvnx>\xff\xfe\xfa</mvnx>"))
    with pytest.raises(InputError, match="no such file"):
        read_mvnx(tmp_path / "absent.mvnx")
    with pytest.raises(InputError, match=r"expected fps > 0, but got -1"):
        read_mvnx(write(tmp_path, mvnx_text()), fps=-1)


def test_a_utf16_file_with_a_bom_is_read(tmp_path):
    text = mvnx_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    motion = read_mvnx(write(tmp_path, text.encode("utf-16")))
    assert motion.n_frames == 4


# --------------------------------------------------------------------------- detection
@pytest.mark.parametrize(("head", "expected"), [
    (mvnx_text().encode()[:4096], True),
    (b'<?xml version="1.0"?>\n<!-- MVN -->\n<mvnx>', True),
    (b"\xef\xbb\xbf<mvnx version='4'>", True),
    ('<?xml version="1.0"?><mvnx/>'.encode("utf-16"), True),
    (b"<?xml version='1.0'?><x:mvnx xmlns:x='http://www.xsens.com/mvn/mvnx'>", True),
    (b"<mvnxfoo/>", False),
    (b"<?xml version='1.0'?><svg><mvnx/></svg>", False),
    (b"HIERARCHY\nROOT Hips\n", False),
    (b"Frame,ms,Pelvis x", False),
    (b"", False),
    (b"\xff\x00\x13garbage", False),
])
def test_looks_like_mvnx(head, expected):
    assert looks_like_mvnx(head) is expected


# --------------------------------------------------------------------------- CSV text
def spaced(segment: str) -> str:
    """``"RightUpperLeg"`` -> ``"Right Upper Leg"``, as MVN writes its CSV headers."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", segment)


def xsens_csv_text(poses=None, *, name=lambda s, a: f"{spaced(s)} {a}", sep: str = ",",
                   decimal: str = ".", frame: str | None = "Frame", clock: str | None = "ms",
                   stamps=None, segments=MVN_SEGMENTS) -> str:
    poses = [pose(a) for a in DEVELOPPE] if poses is None else poses
    stamps = [round(i * 1000 / 60) for i in range(len(poses))] if stamps is None else stamps
    header = ([frame] if frame else []) + ([clock] if clock else [])
    header += [name(s, a) for s in segments for a in "xyz"]
    rows = [sep.join(header)]
    for i, (positions, _) in enumerate(poses):
        cells = ([str(i)] if frame else []) + ([f"{stamps[i]:g}"] if clock else [])
        cells += [f"{v:.12g}".replace(".", decimal) for s in segments for v in positions[s]]
        rows.append(sep.join(cells))
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- CSV
def test_csv_segment_positions_land_on_the_same_joints_as_mvnx(tmp_path, developpe):
    motion = read_xsens_csv(write(tmp_path, xsens_csv_text(), "take.csv"))
    measured = [J[j] for j in MEASURED]
    np.testing.assert_allclose(motion.positions[:, measured], developpe.positions[:, measured],
                               atol=1e-9)
    assert (motion.confidence[:, measured] == 1.0).all()
    np.testing.assert_allclose(motion.times, [0.0, 0.017, 0.033, 0.050])
    assert motion.fps == 60.0 and not motion.provenance["fps_assumed"]
    assert motion.provenance["reader"] == "xsens_csv"


@pytest.mark.parametrize("variant", [
    dict(name=lambda s, a: f"{s.lower()}_{a}", sep=";", decimal=",", frame="frame",
         clock="time"),
    dict(name=lambda s, a: f"Segment Position_{spaced(s)} {a.upper()}", sep="\t"),
    dict(name=lambda s, a: f"{s}_{a}", frame="FRAME", clock="MS"),
], ids=["semicolon-decimal-comma", "tab-prefixed", "underscore"])
def test_csv_header_variants(tmp_path, variant):
    motion = read_xsens_csv(write(tmp_path, xsens_csv_text(**variant), "take.csv"))
    np.testing.assert_allclose(motion.joint("left_knee")[3], [0.43, 0.95, -0.09], atol=1e-9)
    np.testing.assert_allclose(motion.times, [0.0, 0.017, 0.033, 0.050])


def test_csv_without_time_uses_frame_over_fps_or_assumes_60(tmp_path):
    path = write(tmp_path, xsens_csv_text(clock=None), "take.csv")
    motion = read_xsens_csv(path, fps=120)
    np.testing.assert_allclose(motion.times, np.arange(4) / 120)
    motion = read_xsens_csv(path)
    assert motion.fps == 60.0 and motion.provenance["fps_assumed"]
    assert "fps assumed: 60" in motion.provenance["notes"][0]
    bare = read_xsens_csv(write(tmp_path, xsens_csv_text(clock=None, frame=None), "bare.csv"))
    np.testing.assert_allclose(bare.times, np.arange(4) / 60)


def test_csv_fps_overrides_the_ms_column_and_time_s_is_seconds(tmp_path):
    motion = read_xsens_csv(write(tmp_path, xsens_csv_text(), "take.csv"), fps=50)
    np.testing.assert_allclose(motion.times, np.arange(4) / 50)
    text = xsens_csv_text(clock="time_s", stamps=[0.0, 0.004, 0.008, 0.0125])
    motion = read_xsens_csv(write(tmp_path, text, "seconds.csv"))
    np.testing.assert_allclose(motion.times, [0.0, 0.004, 0.008, 0.0125])
    assert motion.fps == 240.0


def test_csv_ignores_other_columns_and_empty_cells_are_missing(tmp_path):
    rows = [line.split(",") for line in xsens_csv_text().splitlines()]
    rows = [[row[0], "Marker" if k == 0 else "9", *row[1:]] for k, row in enumerate(rows)]
    rows[2][3:6] = ["", "", ""]                  # frame 1: no Pelvis
    motion = read_xsens_csv(write(tmp_path, "\n".join(map(",".join, rows)), "take.csv"))
    assert motion.provenance["ignored_columns"] == ["Marker"]
    # Motion derives mid_hip from the hips where the Pelvis is missing
    np.testing.assert_allclose(motion.joint("mid_hip")[1], [0.0, 0.95, 0.0], atol=1e-9)
    assert motion.confidence[1, J["mid_hip"]] == 1.0
    assert np.isfinite(motion.joint("left_heel")).all()


def test_csv_heels_follow_the_bvh_rule_and_stay_rigid_in_the_raised_foot(tmp_path):
    motion = read_xsens_csv(write(tmp_path, xsens_csv_text(), "take.csv"))
    knee, ankle, toe, heel = (motion.joint(f"left_{j}") for j in ("knee", "ankle", "toe",
                                                                   "heel"))
    np.testing.assert_allclose(heel[0], bvh_heel(knee[0], ankle[0], toe[0]), atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(heel - ankle, axis=-1),
                               np.linalg.norm(heel[0] - ankle[0]), atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(heel - toe, axis=-1),
                               np.linalg.norm(heel[0] - toe[0]), atol=1e-9)
    np.testing.assert_allclose(heel[:, 2], -0.09, atol=1e-9)  # in her left leg's plane
    assert (motion.confidence[:, J["left_heel"]] == 0.5).all()


#: The right foot from flat through demi-pointe to full pointe (66.8 deg: in line with the
#: shin; 55-78 deg: within 11.5 deg of it, its lateral axis carried) and beyond it (an
#: arched foot, 85 deg).
POINTE = (0.0, 20.0, 40.0, 60.0, 66.8, 70.0, 75.0, 85.0)


def test_csv_heels_stay_behind_and_above_the_toes_through_full_pointe(tmp_path):
    poses = [pose(0.0, beta) for beta in POINTE]
    text = xsens_csv_text(poses, stamps=[round(i * 1000 / 60) for i in range(len(POINTE))])
    motion = read_xsens_csv(write(tmp_path, text, "pointe.csv"))
    heel, ankle = motion.joint("right_heel"), motion.joint("right_ankle")
    offset = heel[0] - ankle[0]                      # flat foot: the reference
    for k, beta in enumerate(POINTE):
        turn = Z_UP_TO_Y_UP @ about_y(beta)[0] @ Z_UP_TO_Y_UP.T
        np.testing.assert_allclose(heel[k], ankle[k] + turn @ offset, atol=1e-9,
                                   err_msg=f"{beta} deg")
    assert (heel[3:, 1] > motion.joint("right_toe")[3:, 1]).all()


def test_foot_frames_are_rotations_that_carry_the_lateral_axis_on_pointe():
    poses = [pose(0.0, beta)[0] for beta in POINTE]
    knee, ankle, toe = (np.array([z_up_to_y_up(p[s]) for p in poses])
                        for s in ("RightLowerLeg", "RightFoot", "RightToe"))
    pelvis = np.broadcast_to(np.eye(3), (len(POINTE), 3, 3))
    frames = foot_frames(knee, ankle, toe, pelvis)
    np.testing.assert_allclose(frames @ np.swapaxes(frames, -1, -2),
                               np.broadcast_to(np.eye(3), frames.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(frames), 1.0)
    np.testing.assert_allclose(frames[:, :, 2], np.broadcast_to(frames[0, :, 2], (8, 3)),
                               atol=1e-12)


@pytest.mark.parametrize(("text", "message"), [
    ("", r"the CSV is empty"),
    (xsens_csv_text().splitlines()[0] + "\n", r"a header but no data rows"),
    (xsens_csv_text().replace("Pelvis z,", "", 1), r"column Pelvis z is missing"),
    (xsens_csv_text(segments=_without("LeftFoot")), r"no columns for the segments LeftFoot"),
    ("left_knee_x,left_knee_y,left_knee_z\n1,2,3\n", r"no columns for the segments"),
    (xsens_csv_text().replace("Pelvis x", "L5 x", 1), r"column 'L5 x' repeats a column"),
    (xsens_csv_text().replace("Frame,ms", "ms,time", 1), r"second time column"),
    (xsens_csv_text().replace("\n1,17,0,", "\n1,17,abc,", 1),
     r"line 3, column 'Pelvis x': expected a finite number or an empty cell, but got 'abc'"),
    (xsens_csv_text().replace("\n2,33,0,", "\n2,33,nan,", 1),
     r"line 4, column 'Pelvis x'.*'nan'"),
    (xsens_csv_text().replace("\n2,33,0,", "\n2,33,1e6,", 1),
     r"line 4, column 'Pelvis x': 1e\+06 is beyond \+-10000"),
    (xsens_csv_text().replace("\n2,33,", "\n2,33,0,", 1),
     r"line 4 has 72 cells, but the header has 71; fix that row"),
    (xsens_csv_text(stamps=[0, 17, 17, 50]),
     r"line 4: ms column 17 does not increase after 17; pass fps="),
    (xsens_csv_text().replace("\n1,17,", "\n1,,", 1), r"line 3: the ms cell is empty"),
    (xsens_csv_text(clock="time", stamps=[0.0, 0.017, 0.033, 0.05]),
     r"the time column advances 0.0167 per frame \(60000 frames/s if milliseconds\)"),
])
def test_each_malformed_csv_is_one_input_error(tmp_path, text, message):
    with pytest.raises(InputError, match=message) as caught:
        read_xsens_csv(write(tmp_path, text, "take.csv"))
    assert "\n" not in str(caught.value)


def test_csv_missing_files_bad_bytes_and_bad_fps(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_xsens_csv(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="not a UTF-8 text CSV"):
        read_xsens_csv(write(tmp_path, b"Frame,\xff\xfe", "bad.csv"))
    with pytest.raises(InputError, match="expected fps > 0, but got nan"):
        read_xsens_csv(write(tmp_path, xsens_csv_text(), "take.csv"), fps=float("nan"))


def test_the_z_up_rotation_is_the_c3d_one_and_quaternions_are_rotations():
    p = np.array([[0.1, 0.2, 0.3]])
    np.testing.assert_allclose(p @ Z_UP_TO_Y_UP.T, z_up_to_y_up(p))
    assert np.linalg.det(Z_UP_TO_Y_UP) == pytest.approx(1.0)
    matrix, q = about_y(37.0)
    np.testing.assert_allclose(quaternion_matrices(q), matrix, atol=1e-12)
    np.testing.assert_allclose(quaternion_matrices(2 * q), matrix, atol=1e-12)


# --------------------------------------------------------------------------- detection
@pytest.mark.parametrize(("header", "expected"), [
    (xsens_csv_text().splitlines()[0], True),
    ("\ufeff" + xsens_csv_text(name=lambda s, a: f"{s.lower()}_{a}", sep=";").splitlines()[0],
     True),
    ("Frame,ms," + ",".join(f"{spaced(s)} {a}" for s in ("Pelvis", "Left Upper Leg",
                                                       "Right Upper Leg", "Left Lower Leg",
                                                       "Right Lower Leg", "Left Foot",
                                                       "Right Foot") for a in "xyz"), True),
    ("Frame,ms,Pelvis x,Pelvis y,Pelvis z", False),
    ("time,left_knee_x,left_knee_y,left_knee_z,left_hip_x,left_hip_y,left_hip_z", False),
    ("Frame,ms," + ",".join(f"{s} {a}" for s in MVN_SEGMENTS[:15] for a in "xyz"), False),
    ("", False),
    ("\ufeff", False),
    ('"unterminated, quote', False),
])
def test_looks_like_xsens_csv(header, expected):
    assert looks_like_xsens_csv(header) is expected

