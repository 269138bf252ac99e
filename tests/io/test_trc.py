"""TRC export for OpenSim: exact header, millimetres, blanks for missing joints, round trip.

Fixture: the standing pose of ``poses.py`` (metres, Y up, facing +z) drifting 10 cm/s
to her left (+x) for 5 frames at 50 frames/s.
"""

from __future__ import annotations

import numpy as np
import pytest
from fixtures.poses import motion_of, project_front, standing_points

from balletmirror.core.errors import InputError
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import JOINTS, J
from balletmirror.io.trc import HEADER_KEYS, read_trc, trc_points, write_trc

FPS = 50.0
N = 5
WIDTH = 2 + 3 * len(JOINTS)  # Frame#, Time, then X Y Z of each marker


def drifting(n: int = N) -> np.ndarray:
    """(n, joints, 3) metres: the standing pose moving 0.1 m/s along +x."""
    shift = np.zeros((n, 1, 3))
    shift[:, 0, 0] = 0.1 * np.arange(n) / FPS
    return standing_points()[None] + shift


def with_nan(points: np.ndarray, frame: int, joint: str) -> np.ndarray:
    out = points.copy()
    out[frame, J[joint]] = np.nan
    return out


def data_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[6:-1]


def opensim_fields(line: str) -> list[str]:
    """Fields as OpenSim's FileAdapter::tokenize counts them: the text before each tab,
    plus the text after the last tab only when it is not empty."""
    parts = line.split("\t")
    return parts if parts[-1] else parts[:-1]


# ------------------------------------------------------------------ round trip
def test_round_trip_gives_points_in_mm_times_and_markers(tmp_path):
    points = with_nan(drifting(), 2, "left_wrist")
    motion = motion_of(points, fps=FPS)
    back = read_trc(write_trc(motion, tmp_path / "plie.trc"))
    assert back["markers"] == list(JOINTS)
    assert back["points"].shape == (N, len(JOINTS), 3)
    np.testing.assert_allclose(back["points"], motion.positions * 1000.0, atol=1e-3)
    np.testing.assert_array_equal(back["times"], motion.times)
    np.testing.assert_array_equal(back["frames"], np.arange(1, N + 1))
    assert back["data_rate"] == FPS
    assert back["units"] == "mm"


def test_variable_frame_times_are_kept(tmp_path):
    times = np.array([0.0, 0.021, 0.039, 0.061, 0.08])
    motion = Motion(positions=drifting(), confidence=np.ones((N, len(JOINTS))), times=times,
                    fps=FPS)
    back = read_trc(write_trc(motion, tmp_path / "vfr.trc"))
    np.testing.assert_array_equal(back["times"], times)
    assert back["data_rate"] == FPS


# ---------------------------------------------------------------------- header
def test_header_lines_are_exact(tmp_path):
    path = write_trc(motion_of(drifting(), fps=FPS), tmp_path / "tendu.trc")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "PathFileType\t4\t(X/Y/Z)\ttendu.trc"
    assert lines[1].split("\t") == list(HEADER_KEYS)
    assert lines[1] == ("DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
                        "OrigDataStartFrame\tOrigNumFrames")
    assert lines[2].split("\t") == ["50.0", "50.0", "5", "23", "mm", "50.0", "1", "5"]
    assert lines[3] == "Frame#\tTime\t" + "".join(f"{name}\t\t\t" for name in JOINTS)
    assert lines[3].startswith("Frame#\tTime\tnose\t\t\tleft_eye\t\t\tright_eye\t")
    assert lines[4].startswith("\t\tX1\tY1\tZ1\tX2\tY2\tZ2\t")
    assert lines[4].endswith("X23\tY23\tZ23\t")
    assert lines[5] == ""
    assert lines[6].startswith("1\t0.0\t")
    assert lines[10].startswith("5\t0.08\t")
    assert len(data_lines(path)) == N
    back = read_trc(path)
    assert back["metadata"] == dict(zip(HEADER_KEYS, lines[2].split("\t"), strict=True))


def test_metres_become_millimetres(tmp_path):
    points = drifting(1)
    points[0, J["nose"]] = (1.0, 1.0, 1.0)
    back = read_trc(write_trc(motion_of(points, fps=FPS), tmp_path / "one.trc"))
    np.testing.assert_array_equal(back["points"][0, J["nose"]], [1000.0, 1000.0, 1000.0])
    assert data_lines(tmp_path / "one.trc")[0].split("\t")[2:5] == ["1000.000000"] * 3


def test_axes_are_written_unchanged_y_up(tmp_path):
    """World space is already Y up, right-handed, as OpenSim's ground: no rotation."""
    back = read_trc(write_trc(motion_of(standing_points(), fps=FPS), tmp_path / "up.trc"))
    np.testing.assert_allclose(back["points"][0, J["nose"]], [0.0, 1520.0, 80.0], atol=1e-6)
    np.testing.assert_allclose(back["points"][0, J["left_toe"]], [90.0, 0.0, 150.0], atol=1e-6)


# -------------------------------------------------------------------- missing
def test_missing_joint_is_blank_and_reads_back_as_nan(tmp_path):
    motion = motion_of(with_nan(drifting(), 2, "left_wrist"), fps=FPS)
    path = write_trc(motion, tmp_path / "gap.trc")
    k = 2 + 3 * J["left_wrist"]
    fields = data_lines(path)[2].split("\t")
    assert fields[k:k + 3] == ["", "", ""]
    assert all(data_lines(path)[1].split("\t")[k:k + 3])
    back = read_trc(path)
    assert np.isnan(back["points"][2, J["left_wrist"]]).all()
    assert np.isfinite(np.delete(back["points"], 2, axis=0)).all()
    assert np.isfinite(np.delete(back["points"][2], J["left_wrist"], axis=0)).all()


def test_missing_last_marker_keeps_the_row_length_opensim_counts(tmp_path):
    """``neck`` (the last marker) and a shoulder (so Motion cannot derive it) missing in
    frame 4: the row must still have Frame#, Time and 69 coordinate fields for OpenSim."""
    points = with_nan(with_nan(drifting(), 3, "right_shoulder"), 3, "neck")
    motion = motion_of(points, fps=FPS)
    assert np.isnan(motion.positions[3, J["neck"]]).all()
    path = write_trc(motion, tmp_path / "neck.trc")
    for line in data_lines(path):
        assert line.endswith("\t")
        assert len(opensim_fields(line)) == WIDTH
    assert opensim_fields(data_lines(path)[3])[-3:] == ["", "", ""]
    assert np.isnan(read_trc(path)["points"][3, J["neck"]]).all()


# ------------------------------------------------------------------- sources
def test_image_motion_exports_its_world_companion(tmp_path):
    world = drifting()
    image = Motion(positions=project_front(world), confidence=np.ones((N, len(JOINTS))),
                   times=np.arange(N) / FPS, fps=FPS, space="image", units="px",
                   world=world, image_size=(960, 720))
    points, units = trc_points(image)
    assert units == "m"
    np.testing.assert_array_equal(points, image.world)
    back = read_trc(write_trc(image, tmp_path / "video.trc"))
    np.testing.assert_allclose(back["points"], world * 1000.0, atol=1e-3)


def test_world_motion_exports_its_positions():
    motion = motion_of(drifting(), fps=FPS)
    points, units = trc_points(motion)
    assert units == "m"
    assert points is motion.positions


def test_2d_only_motion_is_refused(tmp_path):
    image = Motion(positions=project_front(drifting()), confidence=np.ones((N, len(JOINTS))),
                   times=np.arange(N) / FPS, fps=FPS, space="image", units="px")
    with pytest.raises(InputError, match=r"no 3D joints \(2D keypoints only\): no TRC"):
        write_trc(image, tmp_path / "flat.trc")
    assert not (tmp_path / "flat.trc").exists()


def test_motion_without_any_known_joint_is_refused(tmp_path):
    empty = motion_of(np.full((N, len(JOINTS), 3), np.nan), fps=FPS)
    with pytest.raises(InputError, match="no 3D joint known in any frame"):
        write_trc(empty, tmp_path / "empty.trc")


def test_height_units_are_refused(tmp_path):
    motion = motion_of(drifting(), fps=FPS).replace(units="height")
    with pytest.raises(InputError, match="units='height'"):
        write_trc(motion, tmp_path / "h.trc")
    assert not (tmp_path / "h.trc").exists()


def test_unwritable_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot be written"):
        write_trc(motion_of(drifting(), fps=FPS), tmp_path / "no_such_folder" / "x.trc")


# -------------------------------------------------------------------- reader
OPENSIM_STYLE = (
    "PathFileType\t4\t(X/Y/Z)\ttwo.trc\r\n"
    "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\t"
    "OrigNumFrames\r\n"
    "60.00\t60.00\t2\t2\tm\t60.00\t1\t2\r\n"
    "Frame#\tTime\tR.ASIS\t\t\tL.ASIS\r\n"
    "\t\tX1\tY1\tZ1\tX2\tY2\tZ2\r\n"
    "\r\n"
    "1\t0.000\t1.0\t0.5\t0.25\t\t\t\r\n"
    "2\t0.017\t1.1\t0.5\t0.25\t-0.1\t0.9\t0.2\r\n"
)


def test_reader_accepts_another_writers_file_in_metres(tmp_path):
    """CRLF, no trailing tabs, units in metres: points come back in mm."""
    path = tmp_path / "two.trc"
    path.write_bytes(OPENSIM_STYLE.encode())
    back = read_trc(path)
    assert back["markers"] == ["R.ASIS", "L.ASIS"]
    assert back["units"] == "m"
    assert back["data_rate"] == 60.0
    np.testing.assert_array_equal(back["times"], [0.0, 0.017])
    np.testing.assert_allclose(back["points"][:, 0], [[1000, 500, 250], [1100, 500, 250]])
    assert np.isnan(back["points"][0, 1]).all()
    np.testing.assert_allclose(back["points"][1, 1], [-100.0, 900.0, 200.0])


def test_reader_refuses_a_file_that_is_not_trc(tmp_path):
    path = tmp_path / "x.trc"
    path.write_text("time,nose_x\n0,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a TRC file"):
        read_trc(path)


def test_reader_refuses_a_row_longer_than_the_header(tmp_path):
    path = tmp_path / "long.trc"
    path.write_text(OPENSIM_STYLE.replace("0.2\r\n", "0.2\t7.0\r\n"), encoding="utf-8")
    with pytest.raises(InputError, match=r"long\.trc:8: expected Frame#, Time and 6"):
        read_trc(path)


def test_reader_refuses_units_that_are_not_lengths(tmp_path):
    path = tmp_path / "px.trc"
    path.write_text(OPENSIM_STYLE.replace("\tm\t", "\tpx\t"), encoding="utf-8")
    with pytest.raises(InputError, match="expected a length unit.*'px'"):
        read_trc(path)
