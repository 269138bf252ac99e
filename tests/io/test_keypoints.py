"""Keypoint JSON (COCO-17, OpenPose) and CSV readers, with small inputs and exact answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from balletmirror.core.errors import InputError
from balletmirror.core.motion import Motion
from balletmirror.core.skeleton import JOINTS, J
from balletmirror.io.keypoints import read_csv, read_keypoints_json, write_csv

# A person facing the camera: their left side is on the image's right (larger x).
BASE = {
    "nose": (100, 50), "left_eye": (105, 45), "right_eye": (95, 45),
    "left_ear": (110, 48), "right_ear": (90, 48),
    "left_shoulder": (120, 80), "right_shoulder": (80, 80),
    "left_elbow": (130, 110), "right_elbow": (70, 110),
    "left_wrist": (135, 140), "right_wrist": (65, 140),
    "left_hip": (112, 150), "right_hip": (88, 150),
    "left_knee": (114, 200), "right_knee": (86, 200),
    "left_ankle": (115, 250), "right_ankle": (85, 250),
}
# The COCO-17 order, written out from the COCO keypoint spec (not from the module).
COCO_ORDER = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
              "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
              "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
# OpenPose BODY_25 order (output format doc) and the canonical joint of each.
BODY25 = [("Nose", "nose"), ("Neck", "neck"), ("RShoulder", "right_shoulder"),
          ("RElbow", "right_elbow"), ("RWrist", "right_wrist"), ("LShoulder", "left_shoulder"),
          ("LElbow", "left_elbow"), ("LWrist", "left_wrist"), ("MidHip", "mid_hip"),
          ("RHip", "right_hip"), ("RKnee", "right_knee"), ("RAnkle", "right_ankle"),
          ("LHip", "left_hip"), ("LKnee", "left_knee"), ("LAnkle", "left_ankle"),
          ("REye", "right_eye"), ("LEye", "left_eye"), ("REar", "right_ear"),
          ("LEar", "left_ear"), ("LBigToe", "left_toe"), ("LSmallToe", None),
          ("LHeel", "left_heel"), ("RBigToe", "right_toe"), ("RSmallToe", None),
          ("RHeel", "right_heel")]
COCO18 = ["nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
          "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
          "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear"]
FEET = {"left_heel": (110, 258), "right_heel": (90, 258), "left_toe": (125, 262),
        "right_toe": (75, 262), "neck": (100, 78), "mid_hip": (100, 151)}


def coco_keypoints(pose=BASE, shift=(0, 0), scale=1.0, v=2, drop=()):
    """Flat [x, y, v] * 17; joints in ``drop`` get v = 0."""
    out = []
    for name in COCO_ORDER:
        x, y = pose[name]
        out += [x * scale + shift[0], y * scale + shift[1], 0 if name in drop else v]
    return out


def expected(n_frames, pose=BASE, shift=(0, 0), scale=1.0):
    """Canonical (frames, joints, 2) with the given joints, derived neck/mid_hip added."""
    out = np.full((n_frames, len(JOINTS), 2), np.nan)
    for name, (x, y) in pose.items():
        out[:, J[name]] = (x * scale + shift[0], y * scale + shift[1])
    for derived, (a, b) in (("mid_hip", ("left_hip", "right_hip")),
                            ("neck", ("left_shoulder", "right_shoulder"))):
        if np.isnan(out[:, J[derived]]).all():
            out[:, J[derived]] = 0.5 * (out[:, J[a]] + out[:, J[b]])
    return out


def write_json(path, data):
    path.write_text(json.dumps(data))
    return path


# ---------------------------------------------------------------- COCO results
def test_coco_results_give_canonical_positions_and_score_as_confidence(tmp_path):
    kps = coco_keypoints(drop=("left_eye",))
    ear = 3 * COCO_ORDER.index("right_ear")
    kps[ear:ear + 2] = [0, 0]                               # (0, 0) with v=2: missing
    entries = [{"image_id": i, "category_id": 1, "keypoints": kps, "score": 0.8}
               for i in (0, 1)]
    motion = read_keypoints_json(write_json(tmp_path / "res.json", entries), fps=25)
    want = expected(2)
    want[:, [J["left_eye"], J["right_ear"]]] = np.nan
    np.testing.assert_allclose(motion.positions, want)
    assert motion.space == "image" and motion.units == "px" and motion.fps == 25.0
    np.testing.assert_allclose(motion.times, [0.0, 0.04])
    conf = np.where(np.isnan(want).any(axis=-1), 0.0, 0.8)
    np.testing.assert_allclose(motion.confidence, conf)
    assert motion.provenance["format"] == "coco-results"
    assert motion.provenance["fps_assumed"] is False and motion.provenance["notes"] == []


def test_coco_left_right_mapping(tmp_path):
    entries = [{"image_id": 0, "keypoints": coco_keypoints(), "score": 1.0}]
    motion = read_keypoints_json(write_json(tmp_path / "lr.json", entries))
    np.testing.assert_allclose(motion.joint("left_wrist")[0], (135, 140))
    np.testing.assert_allclose(motion.joint("right_ankle")[0], (85, 250))
    assert np.isnan(motion.joint("left_heel")).all()
    assert motion.confidence[0, J["left_heel"]] == 0.0


def test_coco_per_keypoint_scores_and_missing_frames(tmp_path):
    kps = coco_keypoints()
    kps[2::3] = [0.5] * 17
    kps[3 * COCO_ORDER.index("nose") + 2] = 0.0
    entries = [{"image_id": i, "keypoints": kps, "score": 0.99} for i in (10, 11, 13)]
    motion = read_keypoints_json(write_json(tmp_path / "scores.json", entries))
    assert motion.n_frames == 4                     # image 12 had nobody: a NaN frame
    np.testing.assert_allclose(motion.times, np.arange(4) / 30)
    assert np.isnan(motion.positions[2]).all() and (motion.confidence[2] == 0).all()
    assert motion.confidence[0, J["left_knee"]] == 0.5
    assert motion.confidence[0, J["nose"]] == 0.0 and np.isnan(motion.joint("nose")).all()
    assert motion.provenance["fps_assumed"] is True
    assert motion.provenance["notes"] == ["fps assumed: 30 (pass fps=...)"]


def test_sparse_image_ids_are_ranked(tmp_path):
    entries = [{"image_id": i, "keypoints": coco_keypoints(), "score": 1}
               for i in (397133, 37777, 252219)]
    motion = read_keypoints_json(write_json(tmp_path / "sparse.json", entries), fps=10)
    np.testing.assert_allclose(motion.times, [0.0, 0.1, 0.2])


def test_largest_person_is_followed_with_continuity(tmp_path):
    big = lambda dx: coco_keypoints(shift=(dx, 0), scale=1.0)   # noqa: E731
    small = lambda dx: coco_keypoints(shift=(dx, 0), scale=0.5)  # noqa: E731
    grown = coco_keypoints(shift=(400, 0), scale=1.5)            # bigger than the dancer
    entries = [
        {"image_id": 0, "keypoints": small(400), "score": 0.9},
        {"image_id": 0, "keypoints": big(0), "score": 0.9},
        {"image_id": 1, "keypoints": grown, "score": 0.9},
        {"image_id": 1, "keypoints": big(10), "score": 0.9},        # near frame 0's dancer
        {"image_id": 2, "keypoints": small(400), "score": 0.9},     # dancer left the frame
    ]
    path = write_json(tmp_path / "people.json", entries)
    motion = read_keypoints_json(path)
    np.testing.assert_allclose(motion.positions[0], expected(1)[0])
    np.testing.assert_allclose(motion.positions[1], expected(1, shift=(10, 0))[0])
    np.testing.assert_allclose(motion.positions[2], expected(1, shift=(400, 0), scale=0.5)[0])
    assert motion.provenance["person"] == "auto"
    # person=0: the first entry of each frame, whoever it is; frame 2 has no second one.
    first = read_keypoints_json(path, person=0)
    np.testing.assert_allclose(first.positions[1], expected(1, shift=(400, 0), scale=1.5)[0])
    second = read_keypoints_json(path, person=1)
    assert np.isnan(second.positions[2]).all()
    np.testing.assert_allclose(second.positions[0], expected(1)[0])


# ---------------------------------------------------------------- COCO dataset
def test_coco_dataset_has_image_size_and_frames_without_people(tmp_path):
    data = {
        "images": [{"id": 5, "width": 640, "height": 480}, {"id": 6, "width": 640,
                                                             "height": 480},
                   {"id": 7, "width": 640, "height": 480}],
        "annotations": [{"image_id": 5, "keypoints": coco_keypoints(v=1)},
                        {"image_id": 7, "keypoints": coco_keypoints(v=2)},
                        {"image_id": 7, "keypoints": [0] * 51, "iscrowd": 1}],
        "categories": [{"id": 1, "name": "person"}],
    }
    motion = read_keypoints_json(write_json(tmp_path / "gt.json", data), fps=50)
    assert motion.image_size == (640, 480)
    assert motion.provenance["format"] == "coco-dataset"
    np.testing.assert_allclose(motion.positions[[0, 2]], expected(2))
    assert np.isnan(motion.positions[1]).all()
    np.testing.assert_allclose(motion.confidence[0, :17], 1.0)   # ground truth: no score


# -------------------------------------------------------------------- OpenPose
def openpose_frame(people):
    return {"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d": p}
                                       for p in people]}


def body25_keypoints(conf=0.7, dx=0.0):
    pose = {**BASE, **FEET}
    out = []
    for _, joint in BODY25:
        x, y = pose[joint] if joint else (1.0, 1.0)
        out += [x + dx, y, conf]
    return out


def test_openpose_body25_maps_neck_midhip_heels_and_big_toes(tmp_path):
    path = write_json(tmp_path / "clip_000000000000_keypoints.json",
                      openpose_frame([body25_keypoints()]))
    motion = read_keypoints_json(path)
    np.testing.assert_allclose(motion.positions[0], expected(1, pose={**BASE, **FEET})[0])
    np.testing.assert_allclose(motion.confidence[0], 0.7)
    assert motion.provenance["layout"] == "openpose-body25"


def test_openpose_coco18_and_zero_points(tmp_path):
    pose = {**BASE, "neck": (100, 78)}
    flat = []
    for joint in COCO18:
        flat += [*pose[joint], 0.6]
    flat[3 * COCO18.index("left_knee"):3 * COCO18.index("left_knee") + 3] = [0, 0, 0]
    motion = read_keypoints_json(write_json(tmp_path / "c18.json", openpose_frame([flat])))
    want = expected(1, pose=pose)
    want[0, J["left_knee"]] = np.nan
    np.testing.assert_allclose(motion.positions, want)
    assert motion.confidence[0, J["left_knee"]] == 0.0
    assert motion.provenance["layout"] == "openpose-coco18"


def test_openpose_folder_is_ordered_by_frame_number(tmp_path):
    folder = tmp_path / "json"
    folder.mkdir()
    for number, dx, people in ((2, 20.0, 1), (0, 0.0, 1), (1, 10.0, 0), (3, 30.0, 1)):
        frame = openpose_frame([body25_keypoints(dx=dx)] * people)
        write_json(folder / f"clip_{number:012d}_keypoints.json", frame)
    motion = read_keypoints_json(folder, fps=10)
    np.testing.assert_allclose(motion.times, [0.0, 0.1, 0.2, 0.3])
    np.testing.assert_allclose(motion.joint("nose")[[0, 2, 3], 0], [100.0, 120.0, 130.0])
    assert np.isnan(motion.positions[1]).all()
    assert motion.provenance["frames_with_person"] == 3


def test_openpose_folder_numbers_are_numeric_not_lexicographic(tmp_path):
    for number in (2, 10, 1):
        write_json(tmp_path / f"f_{number}_keypoints.json",
                   openpose_frame([body25_keypoints(dx=float(number))]))
    motion = read_keypoints_json(tmp_path)
    np.testing.assert_allclose(motion.joint("nose")[:, 0], [101.0, 102.0, 110.0])


# ---------------------------------------------------------------- JSON errors
@pytest.mark.parametrize(("content", "match"), [
    ("{not json", r"bad.json: not valid JSON .*give a COCO or OpenPose"),
    ('{"frames": []}', r"expected COCO keypoint results .* but got a dict with keys \['frames'\]"),
    ("[]", "but got an empty list"),
    ('[{"image_id": 1, "keypoints": [1, 2, 2]}]', r"expected 17 COCO keypoints \(51 numbers\) "
                                                  r"in entry 0, but got 3"),
    (json.dumps(openpose_frame([[1.0, 2.0, 0.5] * 135])), r"expected 25 \(BODY_25\) or 18"),
    (json.dumps(openpose_frame([])), "no person keypoints in any frame"),
])
def test_keypoint_json_errors(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=match) as info:
        read_keypoints_json(path)
    assert "\n" not in str(info.value)


KPS = coco_keypoints()


def _results(keypoints=KPS, **entry):
    return [{"image_id": 0, "category_id": 1, "keypoints": keypoints, **entry}]


def _dataset(annotations=None, images=None):
    data = {"annotations": annotations if annotations is not None else
            [{"id": 1, "image_id": 0, "keypoints": KPS}]}
    return {**data, "images": images} if images is not None else data


# Each case was an internal error (TypeError, ValueError, OverflowError...) before.
@pytest.mark.parametrize(("data", "match"), [
    (_results(None), r"entry 0: keypoints is null; expected a list of 51 numbers"),
    (_results("abc"), r"entry 0: keypoints is the string 'abc'; expected a list of 51"),
    (_results(["a"] * 51), r"entry 0: keypoints\[0\] is the string 'a'; expected a number"),
    (_results([[1, 2, 2]] * 17), r"entry 0: keypoints\[0\] is a list of 3; expected a number"),
    (_results([[1]] * 51), r"entry 0: keypoints\[0\] is a list of 1"),
    (_results([True] * 51), r"entry 0: keypoints\[0\] is true; expected a number"),
    (_results([1e308] * 51), r"keypoints\[0\] is 1e\+308; expected a number .* within ±1e\+12"),
    (_results([10**400] * 51), r"keypoints\[0\] is an integer of 401 digits"),
    (_results(KPS[:50]), r"17 COCO keypoints \(51 numbers\) in entry 0, but got 50 numbers"),
    (_results(KPS) + [{"image_id": {"a": 1}, "keypoints": KPS}],
     r"entry 1: image_id is an object; expected an integer or a string naming the image"),
    (_results(KPS, image_id=[1]), r"entry 0: image_id is a list of 1; expected an integer"),
    (_results(KPS, image_id=True), r"entry 0: image_id is true"),
    (_results(KPS, image_id=float("nan")), r"entry 0: image_id is nan"),
    (_results(KPS, score="high"), r"entry 0: score is the string 'high'; expected the "
                                  r"detection score as a number"),
    (_results(KPS, score={}), r"entry 0: score is an object"),
    (_results(KPS, score=float("nan")), r"entry 0: score is nan"),
    (_results() + [5], r"entry 1: expected an object with 'keypoints', but got 5"),
    (_results() + [{"image_id": 1}], r"entry 1: expected an object with 'keypoints', but got "
                                     "an object without them"),
    ({"annotations": {"a": 1}}, r"'annotations' is an object; expected a list of annotation"),
    (_dataset([{"image_id": 0, "keypoints": None}]),
     r"annotation 0: keypoints is null; expected a list of 51 numbers"),
    (_dataset([{"image_id": 0, "iscrowd": 1, "keypoints": KPS}, "x"]),
     r"annotation 1: expected an object, but got the string 'x'"),
    (_dataset(images=5), r"'images' is 5; expected a list of image objects"),
    (_dataset(images=[{"id": 0, "width": "a", "height": 480}]),
     r"image 0: width is the string 'a'; expected the image width in pixels"),
    (_dataset(images=[{"id": 0, "width": [640], "height": 480}]), r"image 0: width is a list"),
    (_dataset(images=[{"id": {}, "width": 640, "height": 480}]), r"image 0: id is an object"),
    (_dataset(images=[{"width": 640, "height": 480}]), r"image 0: id is null"),
    ({"people": {"a": 1}}, r"a 'people' list, but 'people' is an object"),
    ({"people": None}, r"a 'people' list, but 'people' is null"),
    ({"people": [1]}, r"person 0: expected an object with 'pose_keypoints_2d', but got 1"),
    ({"people": [{"pose_keypoints_2d": None}]},
     r"person 0: pose_keypoints_2d is null; expected a list of 75 \(BODY_25\) or 54"),
    ({"people": [{"pose_keypoints_2d": "abc"}]}, r"pose_keypoints_2d is the string 'abc'"),
    ({"people": [{"pose_keypoints_2d": 5}]}, r"person 0: pose_keypoints_2d is 5"),
    ({"people": [{"pose_keypoints_2d": ["a"] * 75}]}, r"pose_keypoints_2d\[0\] is the string"),
    ({"people": [{"pose_keypoints_2d": [[1, 2, 3]] * 25}]}, r"pose_keypoints_2d\[0\] is a list"),
    (5, r"but got 5; export COCO-17 or OpenPose keypoints"),
    ("hello", r"but got the string 'hello'; export COCO-17"),
    (None, r"but got null; export"),
    ([1, 2], r"but got a list of 2; export"),
])
def test_malformed_keypoint_json_is_one_input_error(tmp_path, data, match):
    path = write_json(tmp_path / "bad.json", data)
    with pytest.raises(InputError, match=match) as info:
        read_keypoints_json(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


@pytest.mark.parametrize(("text", "match"), [
    ("[" * 100000 + "]" * 100000, r"not usable JSON \(maximum recursion depth"),
    ('[{"keypoints": [' + "9" * 5000 + "]}]", r"not usable JSON \(Exceeds the limit"),
])
def test_unparsable_json_is_one_input_error(tmp_path, text, match):
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_keypoints_json(path)


def test_nan_keypoints_are_missing_and_two_frames_read(tmp_path):
    kps = list(KPS)
    kps[0] = float("nan")                                  # NaN (non-standard JSON) is missing
    motion = read_keypoints_json(write_json(tmp_path / "two.json",
                                            _results(kps) + _results(KPS, image_id=1)))
    assert motion.n_frames == 2 and np.isnan(motion.joint("nose")[0]).all()
    assert motion.confidence[0, J["nose"]] == 0.0 and motion.confidence[1, J["nose"]] == 1.0


def test_huge_image_ids_give_exact_frame_numbers(tmp_path):
    data = _results(KPS, image_id=10**30) + _results(KPS, image_id=10**30 + 1)
    motion = read_keypoints_json(write_json(tmp_path / "ids.json", data), fps=10)
    np.testing.assert_allclose(motion.times, [0.0, 0.1])


@pytest.mark.parametrize(("content", "match"), [
    ("{not json", r"clip_000000000001_keypoints.json: not valid JSON"),
    ("[1, 2]", r"clip_000000000001_keypoints.json: expected an OpenPose frame .* but got a "
               r"list of 2"),
    ('{"people": [{"pose_keypoints_2d": null}]}',
     r"clip_000000000001_keypoints.json: person 0: pose_keypoints_2d is null"),
])
def test_openpose_folder_with_one_broken_file_names_it(tmp_path, content, match):
    for number in range(3):
        write_json(tmp_path / f"clip_{number:012d}_keypoints.json",
                   openpose_frame([body25_keypoints()]))
    (tmp_path / "clip_000000000001_keypoints.json").write_text(content)
    with pytest.raises(InputError, match=match):
        read_keypoints_json(tmp_path)


@pytest.mark.parametrize("fps", [1e300, 1e-300, float("nan"), True, "30"])
def test_absurd_fps_options_are_refused(tmp_path, fps):
    with pytest.raises(InputError, match=r"expected fps (> 0|from 0.001 to 1e\+06 frames/s)"):
        read_keypoints_json(write_json(tmp_path / "k.json", _results()), fps=fps)
    with pytest.raises(InputError, match=r"expected fps (> 0|from 0.001 to 1e\+06 frames/s)"):
        read_csv(write_text(tmp_path / "k.csv", "nose_x,nose_y\n1,2\n"), fps=fps)


def test_keypoint_option_and_folder_errors(tmp_path):
    with pytest.raises(InputError, match="no OpenPose .*_keypoints.json files"):
        read_keypoints_json(tmp_path)
    with pytest.raises(InputError, match="no such file or folder"):
        read_keypoints_json(tmp_path / "absent.json")
    with pytest.raises(InputError, match="expected fps > 0, but got 0"):
        read_keypoints_json(tmp_path, fps=0)
    with pytest.raises(InputError, match="expected person as an index >= 0"):
        read_keypoints_json(tmp_path, person=-1)


# ------------------------------------------------------------------------ CSV
def write_text(path, text):
    path.write_text(text)
    return path


def test_csv_2d_with_time_confidence_and_gaps(tmp_path):
    path = write_text(tmp_path / "pose.csv",
                      "time_s,left_knee_x,left_knee_y,left_knee_confidence,right_knee_x,"
                      "right_knee_y\n"
                      "0.0,10,20,0.9,30,40\n"
                      "0.04,11,21,,,\n"
                      "0.08,12,22,0.5,32,42\n")
    motion = read_csv(path)
    assert motion.space == "image" and motion.units == "px"
    assert motion.fps == 25.0 and motion.provenance["fps_assumed"] is False
    np.testing.assert_allclose(motion.times, [0.0, 0.04, 0.08])
    np.testing.assert_allclose(motion.joint("left_knee"), [[10, 20], [11, 21], [12, 22]])
    np.testing.assert_allclose(motion.joint("right_knee"), [[30, 40], [np.nan] * 2, [32, 42]])
    np.testing.assert_allclose(motion.confidence[:, J["left_knee"]], [0.9, 1.0, 0.5])
    np.testing.assert_allclose(motion.confidence[:, J["right_knee"]], [1.0, 0.0, 1.0])
    assert np.isnan(motion.joint("nose")).all()


def test_csv_3d_millimetres_z_up_to_metres_y_up(tmp_path):
    path = write_text(tmp_path / "world.csv",
                      "frame,Left_Hip_X,left_hip_y,left_hip_z,right_hip_x,right_hip_y,"
                      "right_hip_z,right_hip_c\n"
                      "3,100,120,1000,100,-120,1000,1\n"
                      "4,110,120,1000,110,-120,1000,0.25\n")
    motion = read_csv(path, fps=100, units="mm", up="z")
    assert motion.space == "world" and motion.units == "m"
    np.testing.assert_allclose(motion.times, [0.0, 0.01])
    np.testing.assert_allclose(motion.joint("left_hip"), [[0.1, 1.0, -0.12], [0.11, 1.0, -0.12]])
    np.testing.assert_allclose(motion.joint("mid_hip"), [[0.1, 1.0, 0.0], [0.11, 1.0, 0.0]])
    np.testing.assert_allclose(motion.confidence[:, J["right_hip"]], [1.0, 0.25])
    assert motion.provenance["source_units"] == "mm" and motion.provenance["up_axis"] == "z"


def test_csv_without_time_assumes_30_fps(tmp_path):
    motion = read_csv(write_text(tmp_path / "p.csv", "nose_x,nose_y\n1,2\n3,4\n"))
    assert motion.fps == 30.0 and motion.provenance["notes"] == [
        "fps assumed: 30 (pass fps=...)"]
    np.testing.assert_allclose(motion.times, [0.0, 1 / 30])


@pytest.mark.parametrize(("text", "options", "match"), [
    ("time,left_knee_x,left_knee_y,tail_x\n0,1,2,3\n", {},
     r"unknown columns 'tail_x'; expected <joint>_x.* with joints nose, left_eye"),
    ("time,score\n0,1\n", {}, r"unknown columns 'score'"),
    ("time,left_knee_confidence\n0,1\n", {}, r"no <joint>_x and <joint>_y columns"),
    ("nose_x,nose_y,neck_x\n1,2,3\n", {}, r"column neck_y is missing"),
    ("nose_x,nose_y\n1,2\n3,abc\n", {},
     r"line 3, column 'nose_y': expected a number or an empty cell, but got 'abc'"),
    ("nose_x,nose_y\n1,inf\n", {}, r"line 2, column 'nose_y'"),
    ("time_s,nose_x,nose_y\n0,1,2\n0.1,1,2\n0.1,1,2\n", {},
     r"line 4: time_s 0.1 does not increase after 0.1; sort the rows"),
    ("time_s,nose_x,nose_y\n0,1,2\n,1,2\n", {}, r"line 3: the time_s cell is empty"),
    ("nose_x,nose_y\n1,2\n1,2,3\n", {}, r"line 3 has 3 cells, but the header has 2"),
    ("nose_x,nose_y,nose_c\n1,2,1.5\n", {}, r"expected a confidence in \[0, 1\], but got 1.5"),
    ("nose_x,nose_y\n1,2\n", {"units": "mm"}, r"a 2D CSV takes units in"),
    ("nose_x,nose_y\n1,2\n", {"up": "z"}, r"expected up='y'"),
    ("nose_x,nose_y,nose_x\n1,2,3\n", {}, r"column 'nose_x' appears twice"),
    ("", {}, r"no header or no data rows"),
])
def test_csv_errors(tmp_path, text, options, match):
    path = write_text(tmp_path / "bad.csv", text)
    with pytest.raises(InputError, match=match) as info:
        read_csv(path, **options)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


# Each case was accepted with a wrong result (inf positions, 30 fps assumed) or ended as an
# internal error before.
@pytest.mark.parametrize(("text", "options", "match"), [
    ("\n1,2\n", {}, r"the header \(line 1\) is empty; write the column names"),
    (" , \n1,2\n", {}, r"the header \(line 1\) is empty"),
    ("nose_x,nose_y\n", {}, r"no header or no data rows"),
    ("nose_x,nose_y\n1e308,1\n", {}, r"line 2, column 'nose_x': '1e308' is infinite or beyond "
                                    r"±1e\+12; fix that cell"),
    ("left_hip_x,left_hip_y,right_hip_x,right_hip_y\n1e308,1,1e308,1\n", {},
     r"column 'left_hip_x': '1e308' is infinite"),
    ("nose_x,nose_y\n" + "9" * 5000 + ",1\n", {}, r"'9{37}\.\.\.' is infinite or beyond"),
    ("nose_x,nose_y\n-inf,1\n", {}, r"'-inf' is infinite"),
    ("time,nose_x,nose_y\nnan,1,2\n", {}, r"line 2: the time cell is empty or NaN"),
    ("time,nose_x,nose_y\n-1e308,1,1\n1e308,1,1\n", {}, r"column 'time': '-1e308' is infinite"),
    ("time,nose_x,nose_y\n0,1,1\n1e-300,1,1\n", {},
     r"the time column steps by 1e-300 s \(median\), which is 1e\+300 frames/s, outside 0.001 "
     r"to 1e\+06; write time in seconds or pass fps="),
    ("time_s,nose_x,nose_y\n0,1,1\n5000,1,1\n", {}, r"steps by 5000 s \(median\)"),
    ("frame,nose_x,nose_y\n0,1,1\n5e-324,1,1\n", {"fps": 1e6},
     r"frame numbers 0, 4.94066e-324... are too close together"),
    ("nose_x,nose_y," + ",".join(f"u{k}" for k in range(20)) + "\n" + "1," * 21 + "1\n", {},
     r"unknown columns 'u0', .*'u7' and 12 more; expected"),
    ('"nose\nx",nose_y\n1,2\n', {}, r"unknown columns 'nose\\nx'"),
    ('"a\nb",c\n1,2\n', {}, r"unknown columns 'a\\nb', 'c'"),
])
def test_csv_errors_on_odd_values(tmp_path, text, options, match):
    path = write_text(tmp_path / "odd.csv", text)
    with pytest.raises(InputError, match=match) as info:
        read_csv(path, **options)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_csv_nan_cells_are_missing_and_one_row_reads(tmp_path):
    motion = read_csv(write_text(tmp_path / "nan.csv", "nose_x,nose_y,nose_c\nnan,1,nan\n"))
    assert motion.n_frames == 1 and np.isnan(motion.joint("nose")).all()
    assert motion.confidence[0, J["nose"]] == 0.0


def test_csv_header_without_joints_is_shown_on_one_line(tmp_path):
    path = write_text(tmp_path / "t.csv", '"time",left_knee_confidence\n0,1\n')
    with pytest.raises(InputError, match=r"in the header 'time,left_knee_confidence'; name"):
        read_csv(path)


# ------------------------------------------------------------------ round trip
def random_motion(dims, space, units, seed=0):
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(5, len(JOINTS), dims)) * (100 if space == "image" else 1)
    positions[1, J["left_wrist"]] = np.nan
    confidence = rng.uniform(0.1, 1.0, size=(5, len(JOINTS)))
    times = np.cumsum(rng.uniform(0.02, 0.05, size=5))
    return Motion(positions=positions, confidence=confidence, times=times, fps=30.0,
                  space=space, units=units)


@pytest.mark.parametrize(("dims", "space", "units"), [(2, "image", "px"), (3, "world", "m")])
def test_write_csv_read_csv_round_trip(tmp_path, dims, space, units):
    motion = random_motion(dims, space, units)
    back = read_csv(write_csv(motion, tmp_path / "round.csv"), fps=30.0)
    assert back.space == space and back.units == units
    np.testing.assert_allclose(back.positions, motion.positions, equal_nan=True)
    np.testing.assert_allclose(back.confidence, motion.confidence)
    np.testing.assert_allclose(back.times, motion.times)
    assert back.confidence[1, J["left_wrist"]] == 0.0


def test_round_trip_keeps_other_units_when_named(tmp_path):
    motion = random_motion(3, "world", "height")
    back = read_csv(write_csv(motion, tmp_path / "h.csv"), fps=30.0, units="height")
    assert back.units == "height"
    np.testing.assert_allclose(back.positions, motion.positions, equal_nan=True)


def test_write_csv_header(tmp_path):
    motion = random_motion(3, "world", "m")
    header = write_csv(motion, tmp_path / "h.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["time_s", "nose_x", "nose_y", "nose_z", "nose_confidence"]
    assert len(header) == 1 + 4 * len(JOINTS)
