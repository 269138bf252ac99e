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
                       r"\(LFHD, RFHD, LBHD, RBHD, LSHO, RSHO\); pass mapping") as info:
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
