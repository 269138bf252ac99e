"""C3D reader: Plug-in Gait and CMU markers written with ezc3d, with known joint answers.

The synthetic subject stands in a Z-up lab (millimetres) facing +X, so its left is
+Y; after the reader's (x, y, z) -> (x, z, -y) rotation and mm -> m scaling, it faces
+X with Y up, and its left side has negative z.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from balletmirror.core.errors import InputError
from balletmirror.core.skeleton import JOINTS, J
from balletmirror.io.c3d import harrington_hip_centres, read_c3d, z_up_to_y_up

ezc3d = pytest.importorskip("ezc3d")

# Lab coordinates in mm: X forward, Y left, Z up.
PIG_MM = {
    "LASI": (100, 120, 1000), "RASI": (100, -120, 1000),
    "LPSI": (-50, 50, 1000), "RPSI": (-50, -50, 1000),
    "LKNE": (80, 150, 500), "LKNM": (80, 50, 500), "RKNE": (80, -150, 500),
    "LANK": (0, 140, 80), "RANK": (0, -140, 80),
    "LHEE": (-60, 110, 50), "RHEE": (-60, -110, 50),
    "LTOE": (150, 110, 30), "RTOE": (150, -110, 30),
    "LSHO": (0, 180, 1450), "RSHO": (0, -180, 1450),
    "LELB": (0, 220, 1150), "RELB": (0, -220, 1150),
    "LWRA": (20, 230, 900), "LWRB": (-20, 210, 900),
    "RWRA": (20, -230, 900), "RWRB": (-20, -210, 900),
    "LFHD": (80, 70, 1650), "RFHD": (80, -70, 1650),
    "LBHD": (-80, 70, 1650), "RBHD": (-80, -70, 1650),
    "C7": (-60, 0, 1500), "CLAV": (60, 0, 1450),
}

# Expected canonical positions, metres, Y up (x, z_lab, -y_lab); hips worked by hand:
# PW = 240 mm, PD = 150 mm -> x = -0.24*150 - 9.9 = -45.9, y = -0.30*240 - 10.9 = -82.9,
# z = 0.33*240 + 7.3 = 86.5 mm from mid-ASIS (100, 1000 up, 0).
EXPECTED_M = {
    "left_hip": (0.0541, 0.9171, -0.0865), "right_hip": (0.0541, 0.9171, 0.0865),
    "mid_hip": (0.0541, 0.9171, 0.0),
    "left_knee": (0.08, 0.5, -0.10), "right_knee": (0.08, 0.5, 0.15),
    "left_ankle": (0.0, 0.08, -0.14), "right_ankle": (0.0, 0.08, 0.14),
    "left_heel": (-0.06, 0.05, -0.11), "right_heel": (-0.06, 0.05, 0.11),
    "left_toe": (0.15, 0.03, -0.11), "right_toe": (0.15, 0.03, 0.11),
    "left_shoulder": (0.0, 1.45, -0.18), "right_shoulder": (0.0, 1.45, 0.18),
    "left_elbow": (0.0, 1.15, -0.22), "right_elbow": (0.0, 1.15, 0.22),
    "left_wrist": (0.0, 0.9, -0.22), "right_wrist": (0.0, 0.9, 0.22),
    "nose": (0.08, 1.65, 0.0),
    "left_eye": (0.08, 1.65, -0.028), "right_eye": (0.08, 1.65, 0.028),
    "left_ear": (0.0, 1.65, -0.07), "right_ear": (0.0, 1.65, 0.07),
    "neck": (0.0, 1.475, 0.0),
}

N_FRAMES = 4


def write_c3d(path, markers, *, n_frames=N_FRAMES, units="mm", rate=100.0, labels=None,
              residuals=None):
    """Write ``markers`` {label: (x, y, z) or (frames, 3)} to a C3D file with ezc3d.

    ``residuals`` (markers, frames), optional: -1 flags a marker as not reconstructed.
    """
    names = list(markers)
    data = np.ones((4, len(names), n_frames))
    for i, name in enumerate(names):
        xyz = np.broadcast_to(np.asarray(markers[name], dtype=float), (n_frames, 3))
        data[:3, i, :] = xyz.T
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [rate]
    c["parameters"]["POINT"]["LABELS"]["value"] = tuple(labels or names)
    c["parameters"]["POINT"]["UNITS"]["value"] = [units]
    c["data"]["points"] = data
    if residuals is not None:
        c["data"]["meta_points"] = {
            "residuals": np.asarray(residuals, float)[None],
            "camera_masks": np.zeros((7, len(names), n_frames), dtype=bool)}
    c.write(str(path))
    return path


def expected_positions(n_frames=N_FRAMES):
    out = np.full((n_frames, len(JOINTS), 3), np.nan)
    for joint, xyz in EXPECTED_M.items():
        out[:, J[joint]] = xyz
    return out


@pytest.fixture
def pig_file(tmp_path):
    return write_c3d(tmp_path / "pig.c3d", PIG_MM)


def test_plug_in_gait_markers_give_canonical_joints_in_metres_y_up(pig_file):
    motion = read_c3d(pig_file)
    assert motion.space == "world" and motion.units == "m"
    assert motion.fps == 100.0
    np.testing.assert_allclose(motion.times, [0.0, 0.01, 0.02, 0.03])
    np.testing.assert_allclose(motion.positions, expected_positions(), atol=1e-9)
    np.testing.assert_array_equal(motion.confidence, 1.0)
    prov = motion.provenance
    assert prov["reader"] == "c3d" and prov["path"] == str(pig_file)
    assert prov["marker_set"] == "plug-in-gait"
    assert prov["source_units"] == "mm" and prov["up_axis"] == "z"
    assert prov["mapping"]["left_hip"].startswith("Harrington 2007")
    assert prov["mapping"]["left_knee"] == "LKNE+LKNM, else LKNE"
    assert prov["mapping"]["right_knee"] == "RKNE"
    assert prov["mapping"]["left_eye"] == "0.7*LFHD + 0.3*RFHD"


def test_left_joints_are_on_the_subjects_left(pig_file):
    motion = read_c3d(pig_file)
    for part in ("hip", "knee", "ankle", "shoulder", "elbow", "wrist", "ear", "eye"):
        # Facing +X with Y up, the subject's right is +Z.
        assert (motion.joint(f"left_{part}")[:, 2] < motion.joint(f"right_{part}")[:, 2]).all()


def test_missing_marker_gap_becomes_nan_with_zero_confidence(tmp_path):
    markers = dict(PIG_MM)
    lkne = np.tile(np.array(PIG_MM["RKNE"], float) * (1, -1, 1), (N_FRAMES, 1))
    lkne[1] = np.nan
    lwra = np.tile(np.array(PIG_MM["LWRA"], float), (N_FRAMES, 1))
    lwra[2] = np.nan
    markers.update(LKNE=lkne, LWRA=lwra)
    del markers["LKNM"]
    motion = read_c3d(write_c3d(tmp_path / "gap.c3d", markers))
    knee = motion.joint("left_knee")
    assert np.isnan(knee[1]).all() and motion.confidence[1, J["left_knee"]] == 0.0
    np.testing.assert_allclose(knee[[0, 2, 3]], [[0.08, 0.5, -0.15]] * 3)
    # The wrist falls back to its other marker for the frame where LWRA is missing.
    np.testing.assert_allclose(motion.joint("left_wrist")[2], [-0.02, 0.9, -0.21])
    np.testing.assert_allclose(motion.joint("left_wrist")[[0, 1, 3]], [[0.0, 0.9, -0.22]] * 3)
    assert motion.confidence[2, J["left_wrist"]] == 1.0


def test_negative_residual_marks_a_marker_missing(tmp_path):
    residuals = np.zeros((len(PIG_MM), N_FRAMES))
    residuals[list(PIG_MM).index("RANK"), 3] = -1.0
    motion = read_c3d(write_c3d(tmp_path / "residual.c3d", PIG_MM, residuals=residuals))
    assert np.isnan(motion.joint("right_ankle")[3]).all()
    assert motion.confidence[3, J["right_ankle"]] == 0.0
    np.testing.assert_allclose(motion.joint("right_ankle")[:3], [[0.0, 0.08, 0.14]] * 3)


def test_subject_prefixed_labels_are_stripped(tmp_path):
    labels = [f"Anna:{name}" for name in PIG_MM]
    motion = read_c3d(write_c3d(tmp_path / "prefixed.c3d", PIG_MM, labels=labels))
    np.testing.assert_allclose(motion.positions, expected_positions(), atol=1e-9)
    assert "LKNE" in motion.provenance["labels"]


def test_cmu_waist_markers_are_read_as_asis_and_psis(tmp_path):
    renames = {"LASI": "LFWT", "RASI": "RFWT", "LPSI": "LBWT", "RPSI": "RBWT"}
    cmu = {renames.get(name, name): xyz for name, xyz in PIG_MM.items()}
    motion = read_c3d(write_c3d(tmp_path / "cmu.c3d", cmu))
    assert motion.provenance["marker_set"] == "cmu"
    np.testing.assert_allclose(motion.positions, expected_positions(), atol=1e-9)


def test_sacrum_replaces_the_psis_markers(tmp_path):
    markers = {k: v for k, v in PIG_MM.items() if k not in ("LPSI", "RPSI")}
    markers["SACR"] = (-50, 0, 1000)
    motion = read_c3d(write_c3d(tmp_path / "sacr.c3d", markers))
    np.testing.assert_allclose(motion.joint("left_hip")[0], EXPECTED_M["left_hip"], atol=1e-9)


def test_metre_units_and_units_override(tmp_path):
    in_m = {k: np.asarray(v, float) / 1000 for k, v in PIG_MM.items()}
    motion = read_c3d(write_c3d(tmp_path / "m.c3d", in_m, units="m"))
    np.testing.assert_allclose(motion.positions, expected_positions(), atol=1e-9)
    # The file says mm, the option says cm: ten times larger.
    forced = read_c3d(write_c3d(tmp_path / "cm.c3d", in_m), units="cm")
    assert forced.provenance["source_units"] == "cm"
    np.testing.assert_allclose(forced.joint("left_knee")[0], [0.0008, 0.005, -0.001])


def test_y_up_file_is_not_rotated(tmp_path):
    y_up = {k: (v[0], v[2], -v[1]) for k, v in PIG_MM.items()}
    motion = read_c3d(write_c3d(tmp_path / "yup.c3d", y_up), up="y")
    np.testing.assert_allclose(motion.positions, expected_positions(), atol=1e-9)


def test_user_mapping_overrides_the_default(pig_file):
    motion = read_c3d(pig_file, mapping={"left_knee": "LKNM", "left_heel": None})
    np.testing.assert_allclose(motion.joint("left_knee")[0], [0.08, 0.5, -0.05])
    assert np.isnan(motion.joint("left_heel")).all()
    assert motion.provenance["marker_set"] == "custom"


def test_user_mapping_errors(pig_file):
    with pytest.raises(InputError, match=r"unknown joints \['left_foot'\].*valid joints"):
        read_c3d(pig_file, mapping={"left_foot": "LTOE"})
    with pytest.raises(InputError, match="mapping names markers the file lacks .LKNX."):
        read_c3d(pig_file, mapping={"left_knee": "LKNX"})


def test_missing_required_joints_names_them_and_the_labels(tmp_path):
    head_only = {k: PIG_MM[k] for k in ("LFHD", "RFHD", "LBHD", "RBHD", "LSHO", "RSHO")}
    path = write_c3d(tmp_path / "head.c3d", head_only)
    with pytest.raises(InputError, match=r"required joints left_hip, right_hip, left_knee, "
                       r"right_knee, left_ankle, right_ankle from the marker labels found "
                       r"\(LFHD, RFHD, LBHD, RBHD, LSHO, RSHO\); name them with "
                       r"--map left_hip=") as info:
        read_c3d(path)
    assert "\n" not in str(info.value)


def test_corrupt_file_is_one_line_input_error(tmp_path):
    path = tmp_path / "broken.c3d"
    path.write_bytes(b"this is not a c3d file\n" * 10)
    with pytest.raises(InputError, match="broken.c3d: not a readable C3D file") as info:
        read_c3d(path)
    assert "\n" not in str(info.value)


def test_absent_file_and_bad_options(tmp_path, pig_file):
    with pytest.raises(InputError, match="no such file"):
        read_c3d(tmp_path / "absent.c3d")
    with pytest.raises(InputError, match="unknown point units 'furlong'"):
        read_c3d(pig_file, units="furlong")
    with pytest.raises(InputError, match="expected up='z' or 'y', but got 'x'"):
        read_c3d(pig_file, up="x")


def test_missing_ezc3d_says_how_to_install(pig_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "ezc3d", None)
    with pytest.raises(InputError, match=r"pip install 'balletmirror\[c3d\]'"):
        read_c3d(pig_file)


def test_hip_regression_turns_with_the_pelvis():
    lasi = np.array([[100.0, 120, 1000]]) / 1000
    rasi = np.array([[100.0, -120, 1000]]) / 1000
    back = np.array([[-50.0, 0, 1000]]) / 1000
    left, right = harrington_hip_centres(*(z_up_to_y_up(p) for p in (lasi, rasi, back)))
    angle = np.deg2rad(37.0)
    rot = np.array([[np.cos(angle), 0, np.sin(angle)], [0, 1, 0],
                    [-np.sin(angle), 0, np.cos(angle)]])
    args = [z_up_to_y_up(p) @ rot.T for p in (lasi, rasi, back)]
    left_r, right_r = harrington_hip_centres(*args)
    np.testing.assert_allclose(left_r, left @ rot.T, atol=1e-12)
    np.testing.assert_allclose(right_r, right @ rot.T, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(right - left), 2 * (0.33 * 0.24 + 0.0073))


# ------------------------------------------------------------------ damaged files
# ezc3d trusts the sizes a C3D file declares: before these checks a cut or damaged file
# hung it, crashed it (SIGSEGV, taking the program with it) or read garbage quietly.
def _with_bytes(path, data):
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(("data", "match"), [
    (b"", r"not a readable C3D file \(no C3D header and parameter blocks in its 0 bytes\)"),
    (bytes(range(256)) * 8, r"not a readable C3D file \(no C3D header"),
    (b"\x02\x50" + bytes(3000), r"not a readable C3D file \(no processor type in the parameter "
                                r"section at block 2\)"),
])
def test_random_bytes_named_c3d_are_one_input_error(tmp_path, data, match):
    with pytest.raises(InputError, match=match) as info:
        read_c3d(_with_bytes(tmp_path / "noise.c3d", data))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("cut", "match"), [
    (846, r"not a readable C3D file \(no C3D header"),             # hung ezc3d
    (1100, r"cut short: its parameter section needs 1536 bytes, but the file has 1100"),
    (1600, r"cut short: its header declares 4 frames of 27 markers from block 4, which need at "
           r"least 2400 bytes, but the file has 1600"),
    (2500, r"cut short: its header declares 4 frames of 27 markers, which need 3264 bytes, but "
           r"the file has 2500 and ezc3d read 2 frames"),            # read quietly before
])
def test_a_truncated_c3d_is_refused(tmp_path, pig_file, cut, match):
    path = _with_bytes(tmp_path / "cut.c3d", pig_file.read_bytes()[:cut])
    with pytest.raises(InputError, match=match):
        read_c3d(path)


def _damage_record(pig_file, name: bytes, offset: int, value: int) -> bytes:
    """The file with the byte at ``offset`` from the record name ``name`` set to ``value``."""
    data = bytearray(pig_file.read_bytes())
    data[data.index(name) + offset] = value
    return bytes(data)


@pytest.mark.parametrize(("name", "offset", "value", "match"), [
    (b"CONTACT", -1, 0xB0, r"record 'CONTACT' at byte 1188: a description of -1 characters"),
    (b"DESCRIPTIONS", -1, 0xD7, r"record 'DESCRIPTIONS' at byte 662: a description of -1"),
    (b"OFFSET", 9, 0xC7, r"record 'OFFSET' at byte 856: type 2 with -57 dimensions"),
    (b"TYPE", -2, 113, r"record 'TYPE.*' at byte 958: type 4 with 68 dimensions"),
    (b"LABELS", 11, 200, r"record 'LABELS' at byte 539: it runs into the next record"),
    (b"USED", -1, 0, r"record 'USED' at byte 526: group id 0"),
])
def test_a_damaged_parameter_section_is_refused_before_ezc3d_reads_it(
        tmp_path, pig_file, name, offset, value, match):
    path = _with_bytes(tmp_path / "damaged.c3d", _damage_record(pig_file, name, offset, value))
    with pytest.raises(InputError, match=r"the C3D parameter section is damaged: " + match):
        read_c3d(path)


@pytest.mark.parametrize(("rate", "match"), [
    (float("nan"), r"the C3D header's point rate is nan; expected frames/s > 0"),
    (-100.0, r"the C3D header's point rate is -100"),
    (1e9, r"no valid POINT:RATE \(1e\+09; expected 0.001 to 1e\+06 frames/s\)"),
])
def test_nan_or_absurd_rates_are_refused(tmp_path, rate, match):
    with pytest.raises(InputError, match=match):
        read_c3d(write_c3d(tmp_path / "rate.c3d", PIG_MM, rate=rate))


def test_an_infinite_marker_coordinate_is_refused(tmp_path):
    path = write_c3d(tmp_path / "inf.c3d", {**PIG_MM, "LKNE": (np.inf, 0, 0)})
    with pytest.raises(InputError, match=r"marker LKNE has x = inf in frame 0, infinite or "
                       r"beyond ±1e\+12 file units; the file is damaged"):
        read_c3d(path)


def test_labels_that_are_not_printable_are_shown_on_one_line():
    from balletmirror.io.c3d import strip_label

    assert strip_label("Sub:l\nk\x00ne ") == "L?K?NE"


def _parse_and(action):
    def parse(path):
        action()
    return parse


def test_a_crash_of_ezc3d_is_an_input_error(pig_file, monkeypatch):
    import os
    import signal

    from balletmirror.io import c3d as module

    monkeypatch.setattr(module, "_parse", _parse_and(lambda: os.kill(os.getpid(),
                                                                     signal.SIGSEGV)))
    with pytest.raises(InputError, match=r"ezc3d crashed reading the file \(SIGSEGV\); the "
                       r"file is damaged: export the trial again as C3D"):
        read_c3d(pig_file)


def test_a_hang_of_ezc3d_is_an_input_error(pig_file, monkeypatch):
    import time

    from balletmirror.io import c3d as module

    monkeypatch.setattr(module, "_parse", _parse_and(lambda: time.sleep(60)))
    monkeypatch.setattr(module, "PARSE_TIMEOUT_S", 0.5)
    start = time.monotonic()
    with pytest.raises(InputError, match=r"ezc3d did not finish reading the file in 1 s"):
        read_c3d(pig_file)
    assert time.monotonic() - start < 10


def test_a_bug_in_the_parsing_child_stays_an_internal_error(pig_file, monkeypatch):
    from balletmirror.io import c3d as module

    monkeypatch.setattr(module, "_parse", _parse_and(lambda: {}["no such key"]))
    with pytest.raises(RuntimeError, match=r"the C3D parsing process .* failed \(exit code 1\)"):
        read_c3d(pig_file)


def test_zero_frames_read_by_ezc3d_are_refused(pig_file, monkeypatch):
    from balletmirror.io import c3d as module

    real = module._parse
    monkeypatch.setattr(module, "_parse",
                        lambda path: real(path)._replace(points=np.zeros((4, 27, 0)),
                                                         residuals=None))
    with pytest.raises(InputError, match=r"declares 4 frames .* ezc3d read 0 frames"):
        read_c3d(pig_file)


def test_the_parser_runs_in_this_process_where_it_cannot_fork(pig_file, monkeypatch):
    from balletmirror.io import c3d as module

    monkeypatch.setattr(module, "ISOLATE_PARSER", False)
    np.testing.assert_allclose(read_c3d(pig_file).positions, expected_positions(), atol=1e-4)
    path = pig_file.with_name("cut.c3d")
    path.write_bytes(pig_file.read_bytes()[:2500])
    with pytest.raises(InputError, match="cut short"):
        read_c3d(path)
