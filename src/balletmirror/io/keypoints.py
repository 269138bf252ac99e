"""Read 2D keypoint detections (COCO-17, OpenPose JSON) and joint-position CSV files.

JSON keypoints
--------------
:func:`read_keypoints_json` detects the layout from the content:

* **COCO results**: a list ``[{"image_id", "category_id", "keypoints": [x, y, v] * 17,
  "score"}, ...]`` (detectors, MMPose, Detectron2 exports);
* **COCO dataset**: a dict with ``"annotations"`` (and ``"images"``, whose ``width``
  and ``height`` give ``image_size``);
* **OpenPose**: ``{"people": [{"pose_keypoints_2d": [x, y, c] * K}]}`` with K = 25
  (BODY_25) or 18 (COCO-18), one file per frame: give one file, or the **folder** of
  ``*_000000000012_keypoints.json`` files, ordered by the number before
  ``_keypoints`` (by file name when some file has no number or two share one).

Keypoint → canonical joint:

=====================  ==================  =========================  ==================
canonical              COCO-17 (index)     OpenPose BODY_25 (index)   OpenPose COCO-18
=====================  ==================  =========================  ==================
nose                   nose (0)            Nose (0)                   Nose (0)
neck                   —                   Neck (1)                   Neck (1)
right/left_shoulder    (6) / (5)           RShoulder (2) / LSh. (5)   (2) / (5)
right/left_elbow       (8) / (7)           RElbow (3) / LElbow (6)    (3) / (6)
right/left_wrist       (10) / (9)          RWrist (4) / LWrist (7)    (4) / (7)
mid_hip                —                   MidHip (8)                 —
right/left_hip         (12) / (11)         RHip (9) / LHip (12)       (8) / (11)
right/left_knee        (14) / (13)         RKnee (10) / LKnee (13)    (9) / (12)
right/left_ankle       (16) / (15)         RAnkle (11) / LAnkle (14)  (10) / (13)
right/left_eye         (2) / (1)           REye (15) / LEye (16)      (14) / (15)
right/left_ear         (4) / (3)           REar (17) / LEar (18)      (16) / (17)
left/right_toe         —                   LBigToe (19) / RBigToe     —
                                           (22)
left/right_heel        —                   LHeel (21) / RHeel (24)    —
=====================  ==================  =========================  ==================

(OpenPose's LSmallToe/RSmallToe are not used; joints a layout lacks stay NaN, and
Motion derives ``neck`` and ``mid_hip`` from the shoulders and hips when absent.)

Confidence and missing points:

* a keypoint at exactly (0, 0), or with a NaN value (non-standard JSON), is missing
  (NaN, confidence 0), whatever its score;
* OpenPose: confidence = the keypoint score ``c`` (clipped to [0, 1]); ``c = 0`` is
  missing;
* COCO: when every third value in the file is 0, 1 or 2 it is the **visibility flag**
  ``v``: 0 is missing, 1 (labelled, occluded) and 2 (visible) get the detection's
  ``score`` (clipped to [0, 1]) or 1.0 when the entry has none (ground truth).
  Otherwise the third value is a per-keypoint score (clipped to [0, 1], ≤ 0 missing).

Frames: integer image ids / file numbers that are dense (their span is at most twice
their count) are frame numbers, and numbers with no detection become frames with
nobody (NaN); otherwise the distinct ids in sorted order are consecutive frames.
Times are ``(number - first number) / fps``; ``fps`` defaults to 30 with a note in
``provenance["notes"]``.

Several people per frame (``person=None``, the default): the first frame with
people takes the most prominent one (largest keypoint bounding-box diagonal × detection
score, or × mean keypoint confidence when there is no score); each later frame takes
the person whose keypoint centre is nearest to the last chosen one if it is within
half of that one's box diagonal, else the most prominent again.  ``person=k`` takes
the k-th person of each frame in the file's order (not a stable identity in OpenPose).

CSV
---
:func:`read_csv` reads ``<joint>_x,<joint>_y[,<joint>_z][,<joint>_confidence]``
columns named with the canonical joints (``_c`` is accepted for confidence), with an
optional ``time``/``time_s`` (seconds) or ``frame`` column.  2D files are image space
(pixels, y down); 3D files are world space, converted to metres and Y up.
:func:`write_csv` writes that format back.

Bad files
---------
Both readers refuse, with one :class:`~balletmirror.core.errors.InputError` that says
where (file, entry or annotation or person, line and column) and what to do: anything
that is not the layout above (a ``null``, a string or a list where a number belongs, an
``annotations`` or ``people`` that is not a list, an image id that is an object), an
infinite number or one beyond :data:`~balletmirror.core.motion.MAX_FILE_VALUE`
(1e12: no pixel, millimetre or second count is that large), and a frame rate, given or
implied by the times, outside :data:`~balletmirror.core.motion.FILE_FPS_RANGE`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..core.errors import InputError
from ..core.motion import (
    FILE_FPS_RANGE,
    MAX_FILE_VALUE,
    UNITS,
    Motion,
    describe_json,
    empty_arrays,
    uniform_times,
)
from ..core.skeleton import JOINTS, J

DEFAULT_FPS = 30.0

#: COCO-17 keypoint order; COCO's names are the canonical ones.
COCO17: tuple[str, ...] = JOINTS[:17]

#: OpenPose BODY_25 keypoint order.
OPENPOSE_BODY25: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
    "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)

#: OpenPose COCO-18 keypoint order.
OPENPOSE_COCO18: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar",
)

#: OpenPose keypoint name -> canonical joint (names absent here are not used).
OPENPOSE_TO_CANONICAL: dict[str, str] = {
    "Nose": "nose", "Neck": "neck", "MidHip": "mid_hip",
    **{f"{s}{part}": f"{side}_{joint}"
       for s, side in (("L", "left"), ("R", "right"))
       for part, joint in (("Shoulder", "shoulder"), ("Elbow", "elbow"), ("Wrist", "wrist"),
                           ("Hip", "hip"), ("Knee", "knee"), ("Ankle", "ankle"),
                           ("Eye", "eye"), ("Ear", "ear"), ("BigToe", "toe"),
                           ("Heel", "heel"))},
}

#: Layout name -> canonical joint of each keypoint (None: not used).
LAYOUTS: dict[str, tuple[str | None, ...]] = {
    "coco17": COCO17,
    "openpose-body25": tuple(OPENPOSE_TO_CANONICAL.get(n) for n in OPENPOSE_BODY25),
    "openpose-coco18": tuple(OPENPOSE_TO_CANONICAL.get(n) for n in OPENPOSE_COCO18),
}

_OPENPOSE_BY_COUNT = {25: "openpose-body25", 18: "openpose-coco18"}


class Candidate(NamedTuple):
    """One detected person in one frame, in canonical joint order."""

    xy: np.ndarray      # (joints, 2) pixels, NaN where missing
    conf: np.ndarray    # (joints,) in [0, 1], 0 where missing
    score: float        # detection score used to rank people


# ------------------------------------------------------------------ keypoints
def to_candidate(values: Sequence[float], layout: str, *, visibility: bool = False,
                 score: float | None = None) -> Candidate:
    """A flat ``[x, y, c] * K`` keypoint list as a canonical :class:`Candidate`.

    Parameters
    ----------
    values : sequence of float, length 3K
        Pixel coordinates and the third value (score, or COCO visibility).
    layout : str
        A :data:`LAYOUTS` name; K must match it (the caller checks).
    visibility : bool
        The third value is a COCO visibility flag (0 missing, 1/2 labelled).
    score : float, optional
        Detection score: the confidence of labelled keypoints when ``visibility``.
    """
    arr = np.asarray(values, dtype=np.float64).reshape(-1, 3)
    xy, third = arr[:, :2], arr[:, 2]
    missing = (third <= 0) | (xy == 0).all(axis=1) | ~np.isfinite(arr).all(axis=1)
    fixed = 1.0 if score is None else float(np.clip(score, 0.0, 1.0))
    conf = np.full(third.shape, fixed) if visibility else np.clip(third, 0.0, 1.0)
    out_xy, out_conf = np.full((len(JOINTS), 2), np.nan), np.zeros(len(JOINTS))
    for k, joint in enumerate(LAYOUTS[layout]):
        if joint is not None and not missing[k]:
            out_xy[J[joint]], out_conf[J[joint]] = xy[k], conf[k]
    present = out_conf[out_conf > 0]
    rank = score if score is not None else (float(present.mean()) if present.size else 0.0)
    return Candidate(out_xy, out_conf, float(rank))


def _size(c: Candidate) -> float:
    """Diagonal of the bounding box of the present keypoints, pixels (0 if < 2)."""
    xy = c.xy[~np.isnan(c.xy).any(axis=1)]
    if len(xy) < 2:
        return 0.0
    return float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))


def _centre(c: Candidate) -> np.ndarray:
    xy = c.xy[~np.isnan(c.xy).any(axis=1)]
    return xy.mean(axis=0) if len(xy) else np.full(2, np.nan)


def _prominent(cands: Sequence[Candidate]) -> Candidate:
    return max(cands, key=lambda c: _size(c) * c.score)


def _nearest(cands: Sequence[Candidate], previous: Candidate) -> Candidate | None:
    """The candidate nearest to ``previous`` if within half its box diagonal."""
    dist = [float(np.linalg.norm(_centre(c) - _centre(previous))) for c in cands]
    best = int(np.nanargmin(dist)) if not np.isnan(dist).all() else None
    if best is None or not dist[best] < 0.5 * _size(previous):
        return None
    return cands[best]


def select_people(frames: Sequence[Sequence[Candidate]],
                  person: int | None = None) -> list[Candidate | None]:
    """The person followed in each frame (None where nobody): see the module docstring."""
    chosen: list[Candidate | None] = []
    previous = None
    for cands in frames:
        cands = [c for c in cands if c.conf.any()]
        if person is not None:
            chosen.append(cands[person] if person < len(cands) else None)
            continue
        pick = (_nearest(cands, previous) if previous is not None and cands else None)
        pick = pick or (_prominent(cands) if cands else None)
        previous = pick or previous
        chosen.append(pick)
    return chosen


# --------------------------------------------------------------- frame numbers
def frame_axis(keys: Iterable[Any]) -> tuple[list[Any], np.ndarray]:
    """Keys of the frames in order, and their frame numbers (from 0).

    Dense integer keys (span at most twice their count) are frame numbers and the gaps
    become frames (their key is absent from the input); other keys are ranked.
    """
    unique = sorted(set(keys), key=lambda k: (type(k).__name__, k))
    ints = all(isinstance(k, int) and not isinstance(k, bool) for k in unique)
    if ints and unique and unique[-1] - unique[0] + 1 <= 2 * len(unique):
        order = list(range(unique[0], unique[-1] + 1))
        return order, np.arange(len(order), dtype=np.float64)
    return unique, np.arange(len(unique), dtype=np.float64)


# ------------------------------------------------------------------- parsers
class _Parsed(NamedTuple):
    frames: dict[Any, list[Candidate]]   # frame key -> people
    keys: list[Any]                      # every frame key (frames with nobody included)
    layout: str
    fmt: str
    image_size: tuple[int, int] | None


_COCO_VALUES = "a list of 51 numbers (x, y, v for each of the 17 COCO keypoints)"
_OPENPOSE_VALUES = "a list of 75 (BODY_25) or 54 (COCO-18) numbers (x, y, c per keypoint)"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is allowed
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); "
                         "give a COCO or OpenPose keypoint file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc}); check the path") from None
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, 100000 nested lists
        raise InputError(f"{path}: not usable JSON ({' '.join(str(exc).split())[:80]}); "
                         "give a COCO or OpenPose keypoint file") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(path: Path, values: Any, where: str, field: str, expected: str) -> list:
    """``values`` if it is a list of numbers (NaN allowed) within :data:`MAX_FILE_VALUE`."""
    if not isinstance(values, list):
        raise InputError(f"{path}: {where}: {field} is {describe_json(values)}; "
                         f"expected {expected}")
    for k, value in enumerate(values):
        if not _is_number(value) or abs(value) > MAX_FILE_VALUE:
            raise InputError(f"{path}: {where}: {field}[{k}] is {describe_json(value)}; "
                             "expected a number "
                             f"(NaN for missing) within ±{MAX_FILE_VALUE:g} in {expected}")
    return values


def _frame_key(path: Path, value: Any, where: str, field: str) -> Any:
    """An image id / frame key: an integer, a finite number or a string."""
    if isinstance(value, str) or (_is_number(value) and math.isfinite(value)):
        return value
    raise InputError(f"{path}: {where}: {field} is {describe_json(value)}; expected an "
                     "integer or a string naming the image")


def _score(path: Path, entry: dict, where: str) -> float | None:
    score = entry.get("score")
    if score is None:
        return None
    if not _is_number(score) or not abs(score) <= MAX_FILE_VALUE:
        raise InputError(f"{path}: {where}: score is {describe_json(score)}; expected the "
                         "detection score as a number (or no score)")
    return float(score)


def _coco_keypoints(path: Path, entry: Any, where: str) -> list:
    if not isinstance(entry, dict) or "keypoints" not in entry:
        got = "an object without them" if isinstance(entry, dict) else describe_json(entry)
        raise InputError(f"{path}: {where}: expected an object with 'keypoints', but got "
                         f"{got}; give COCO keypoint entries")
    values = _numbers(path, entry.get("keypoints"), where, "keypoints", _COCO_VALUES)
    if len(values) != 3 * len(COCO17):
        raise InputError(f"{path}: expected 17 COCO keypoints (51 numbers) in {where}, "
                         f"but got {len(values)} numbers; convert other layouts to COCO-17 "
                         "first")
    return values


def _is_visibility(entries: Sequence[dict]) -> bool:
    thirds = {float(v) for e in entries for v in e["keypoints"][2::3]}
    return thirds <= {0.0, 1.0, 2.0}


def _coco_frames(path: Path, entries: Sequence[tuple[str, Any]]) -> dict[Any, list[Candidate]]:
    """People by image id from ``(where, entry)`` pairs (``where`` names it in messages)."""
    for where, entry in entries:
        _coco_keypoints(path, entry, where)
    visibility = _is_visibility([entry for _, entry in entries])
    frames: dict[Any, list[Candidate]] = {}
    for where, entry in entries:
        cand = to_candidate(entry["keypoints"], "coco17", visibility=visibility,
                            score=_score(path, entry, where))
        key = _frame_key(path, entry.get("image_id", 0), where, "image_id")
        frames.setdefault(key, []).append(cand)
    return frames


def _dimension(path: Path, image: dict, where: str, key: str) -> float | None:
    value = image.get(key)
    if value is None or (_is_number(value) and 0 < value <= MAX_FILE_VALUE):
        return value
    raise InputError(f"{path}: {where}: {key} is {describe_json(value)}; expected the image "
                     f"{key} in pixels (a number > 0) or no {key}")


def _image_size(path: Path, images: Sequence[dict]) -> tuple[int, int] | None:
    sizes = {tuple(_dimension(path, im, f"image {i}", key) for key in ("width", "height"))
             for i, im in enumerate(images)}
    if len(sizes) != 1:
        return None
    w, h = sizes.pop()
    if w is None or h is None or w < 1 or h < 1:
        return None
    return (int(w), int(h))


def _list_of_objects(path: Path, data: dict, key: str, item: str) -> list[dict]:
    values = data.get(key, [])
    if not isinstance(values, list):
        raise InputError(f"{path}: '{key}' is {describe_json(values)}; expected a list of "
                         f"{item} objects")
    for i, value in enumerate(values):
        if not isinstance(value, dict):
            raise InputError(f"{path}: {item} {i}: expected an object, but got "
                             f"{describe_json(value)}")
    return values


def _parse_coco_dataset(path: Path, data: dict) -> _Parsed:
    annotations = [(f"annotation {i}", a) for i, a in
                   enumerate(_list_of_objects(path, data, "annotations", "annotation"))
                   if "keypoints" in a and not a.get("iscrowd")]
    images = _list_of_objects(path, data, "images", "image")
    frames = _coco_frames(path, annotations)
    keys = [_frame_key(path, im.get("id"), f"image {i}", "id") for i, im in enumerate(images)]
    return _Parsed(frames, keys + list(frames), "coco17", "coco-dataset",
                   _image_size(path, images))


def _parse_coco_results(path: Path, data: list) -> _Parsed:
    frames = _coco_frames(path, [(f"entry {i}", e) for i, e in enumerate(data)])
    return _Parsed(frames, list(frames), "coco17", "coco-results", None)


def _openpose_layout(path: Path, values: list, where: str) -> str:
    layout = _OPENPOSE_BY_COUNT.get(len(values) // 3) if len(values) % 3 == 0 else None
    if layout is None:
        raise InputError(f"{path}: {where}: expected 25 (BODY_25) or 18 (COCO-18) OpenPose "
                         f"keypoints, but got {len(values)} numbers; rerun OpenPose "
                         "with --model_pose BODY_25 or COCO")
    return layout


def _openpose_people(path: Path, data: dict) -> tuple[list[Candidate], str | None]:
    people = data.get("people")
    if not isinstance(people, list):
        raise InputError(f"{path}: expected OpenPose JSON with a 'people' list, but "
                         f"'people' is {describe_json(people)}; give an OpenPose "
                         "*_keypoints.json file")
    cands, layout = [], None
    for i, p in enumerate(people):
        if not isinstance(p, dict):
            raise InputError(f"{path}: person {i}: expected an object with "
                             f"'pose_keypoints_2d', but got {describe_json(p)}")
        if p.get("pose_keypoints_2d", []) == []:
            continue
        values = _numbers(path, p["pose_keypoints_2d"], f"person {i}", "pose_keypoints_2d",
                          _OPENPOSE_VALUES)
        layout = _openpose_layout(path, values, f"person {i}")
        cands.append(to_candidate(values, layout))
    return cands, layout


def _one_layout(path: Path, layouts: Iterable[str | None]) -> str:
    found = {lay for lay in layouts if lay is not None}
    if len(found) > 1:
        raise InputError(f"{path}: mixes OpenPose layouts {sorted(found)}; "
                         "use one --model_pose for every frame")
    return found.pop() if found else "openpose-body25"


def _parse_openpose_file(path: Path, data: dict) -> _Parsed:
    cands, layout = _openpose_people(path, data)
    return _Parsed({0: cands}, [0], _one_layout(path, [layout]), layout or "openpose", None)


def _file_number(name: str) -> int | None:
    match = re.search(r"(\d+)_keypoints\.json$", name) or re.search(r"(\d+)\D*$", name)
    return int(match.group(1)) if match else None


def _parse_openpose_folder(path: Path) -> _Parsed:
    files = sorted(path.glob("*.json"))
    if not files:
        raise InputError(f"{path}: the folder holds no OpenPose *_keypoints.json files; "
                         "give the folder OpenPose wrote with --write_json")
    numbers = [_file_number(f.name) for f in files]
    if None in numbers or len(set(numbers)) != len(numbers):
        numbers = list(range(len(files)))
    frames, layouts = {}, []
    for number, file in zip(numbers, files, strict=True):
        data = _load_json(file)
        if not isinstance(data, dict):
            raise InputError(f"{file}: expected an OpenPose frame (a JSON object with "
                             f"'people'), but got {describe_json(data)}; remove other JSON "
                             "files from the folder")
        frames[number], layout = _openpose_people(file, data)
        layouts.append(layout)
    layout = _one_layout(path, layouts)
    return _Parsed(frames, numbers, layout, layout, None)


def _parse_json(path: Path, data: Any) -> _Parsed:
    if isinstance(data, dict) and "people" in data:
        return _parse_openpose_file(path, data)
    if isinstance(data, dict) and "annotations" in data:
        return _parse_coco_dataset(path, data)
    if isinstance(data, list) and any(isinstance(e, dict) and "keypoints" in e for e in data):
        return _parse_coco_results(path, data)
    got = (f"a dict with keys {[_short(k) for k in sorted(data)[:8]]}"
           if isinstance(data, dict) else
           "an empty list" if data == [] else describe_json(data))
    raise InputError(f"{path}: expected COCO keypoint results (a list of entries with "
                     "'keypoints'), a COCO dataset ('annotations') or OpenPose JSON "
                     f"('people'), but got {got}; export COCO-17 or OpenPose keypoints")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_fps(path: Path, fps: float | None) -> None:
    if fps is None:
        return
    if not (_is_number(fps) and math.isfinite(fps) and fps > 0):
        raise InputError(f"{path}: expected fps > 0, but got {fps!r}")
    low, high = FILE_FPS_RANGE
    if not low <= fps <= high:
        raise InputError(f"{path}: expected fps from {low:g} to {high:g} frames/s, but got "
                         f"{fps:g}")


def _check_options(path: Path, fps: float | None, person: int | None) -> None:
    _check_fps(path, fps)
    if person is not None and (not isinstance(person, int) or person < 0):
        raise InputError(f"{path}: expected person as an index >= 0 or None, but got "
                         f"{person!r}")


def read_keypoints_json(path: Path, *, fps: float | None = None,
                        person: int | None = None) -> Motion:
    """Read COCO-17 or OpenPose keypoints (a file, or a folder of OpenPose frames).

    Parameters
    ----------
    path : Path
        A ``.json`` file, or a folder of OpenPose per-frame ``*_keypoints.json`` files.
    fps : float, optional
        Frame rate in frames/s; 30 is assumed (and noted in provenance) when absent.
    person : int, optional
        Index of the person in each frame's list; None follows the most prominent
        person with continuity (see the module docstring).

    Returns
    -------
    Motion
        ``space="image"``, ``units="px"``, positions (frames, joints, 2), x right and y
        down; NaN with confidence 0 where a keypoint or the person is missing;
        ``image_size`` from a COCO dataset's images when they agree.

    Raises
    ------
    InputError
        Unreadable or unrecognised JSON, a value of the wrong type or beyond
        :data:`~balletmirror.core.motion.MAX_FILE_VALUE` (its entry, annotation or person
        named), wrong keypoint count, no person in any frame, or bad options.
    """
    path = Path(path)
    _check_options(path, fps, person)
    if path.is_dir():
        parsed = _parse_openpose_folder(path)
    elif path.is_file():
        parsed = _parse_json(path, _load_json(path))
    else:
        raise InputError(f"{path}: no such file or folder; check the path")
    keys, numbers = frame_axis(parsed.keys)
    chosen = select_people([parsed.frames.get(k, []) for k in keys], person)
    if all(c is None for c in chosen):
        which = "" if person is None else f" for person {person}"
        raise InputError(f"{path}: no person keypoints{which} in any frame; check that the "
                         "file holds pose detections")
    positions, confidence = empty_arrays(len(keys), 2)
    for i, cand in enumerate(chosen):
        if cand is not None:
            positions[i], confidence[i] = cand.xy, cand.conf
    rate = float(fps) if fps is not None else DEFAULT_FPS
    notes = [] if fps is not None else [f"fps assumed: {DEFAULT_FPS:g} (pass fps=...)"]
    provenance = {"reader": "keypoints", "path": str(path), "format": parsed.fmt,
                  "layout": parsed.layout, "fps_assumed": fps is None, "notes": notes,
                  "person": "auto" if person is None else person,
                  "frames_with_person": int(sum(c is not None for c in chosen))}
    return Motion(positions=positions, confidence=confidence, times=numbers / rate,
                  fps=rate, space="image", units="px", image_size=parsed.image_size,
                  provenance=provenance)


# ----------------------------------------------------------------------- CSV
TIME_COLUMNS: tuple[str, ...] = ("time", "time_s", "frame")
CONFIDENCE_SUFFIXES: tuple[str, ...] = ("confidence", "c")
#: Length units of a 3D CSV, in metres per unit (other Motion units are kept as they are).
CSV_LENGTH_UNITS: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001}


class _Header(NamedTuple):
    time: tuple[str, int] | None               # (column name, index)
    fields: dict[tuple[str, str], int]         # (joint, "x"|"y"|"z"|"c") -> index
    dims: int


def _classify(name: str) -> tuple[str, str] | None:
    """``"left_knee_x"`` -> ("left_knee", "x"); confidence suffixes -> "c"; else None."""
    joint, _, suffix = name.rpartition("_")
    if joint not in J:
        return None
    if suffix in ("x", "y", "z"):
        return joint, suffix
    return (joint, "c") if suffix in CONFIDENCE_SUFFIXES else None


def _header_fields(path: Path, header: Sequence[str]) -> tuple[list, dict, list]:
    times, fields, unknown = [], {}, []
    for i, name in enumerate(header):
        field = _classify(name)
        if name in TIME_COLUMNS:
            times.append((name, i))
        elif field is None:
            unknown.append(name)
        elif field in fields:
            raise InputError(f"{path}: column {name!r} appears twice; keep one")
        else:
            fields[field] = i
    return times, fields, unknown


def _parse_header(path: Path, header: Sequence[str]) -> _Header:
    header = [h.strip().lower() for h in header]
    times, fields, unknown = _header_fields(path, header)
    if unknown:
        shown = ", ".join(repr(_short(u)) for u in unknown[:8]) + (
            f" and {len(unknown) - 8} more" if len(unknown) > 8 else "")
        raise InputError(f"{path}: unknown columns {shown}; "
                         f"expected <joint>_x, <joint>_y[, <joint>_z][, <joint>_confidence] "
                         f"with joints {', '.join(JOINTS)} and an optional time, time_s or "
                         "frame column")
    if len(times) > 1:
        raise InputError(f"{path}: several time columns {[t[0] for t in times]}; keep one")
    axes = {axis for _, axis in fields}
    if not {"x", "y"} <= axes:
        raise InputError(f"{path}: no <joint>_x and <joint>_y columns in the header "
                         f"{_short(','.join(header), 80)!r}; name them like "
                         "left_knee_x,left_knee_y")
    dims = 3 if "z" in axes else 2
    for joint in sorted({j for j, _ in fields}, key=JOINTS.index):
        lacking = [f"{joint}_{a}" for a in "xyz"[:dims] if (joint, a) not in fields]
        if lacking:
            raise InputError(f"{path}: column {', '.join(lacking)} is missing; every joint "
                             f"needs all of {'/'.join('xyz'[:dims])}")
    return _Header(times[0] if times else None, fields, dims)


def _cell(path: Path, text: str, line: int, column: str) -> float:
    """One cell as a number; NaN for an empty (or ``nan``) cell."""
    text = text.strip()
    if not text:
        return math.nan
    where = f"{path}: line {line}, column {_short(column)!r}"
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: expected a number or an empty cell, but got "
                         f"{_short(text)!r}; fix that cell") from None
    if abs(value) > MAX_FILE_VALUE:
        raise InputError(f"{where}: {_short(text)!r} is infinite or beyond "
                         f"±{MAX_FILE_VALUE:g}; fix that cell")
    return value


def _read_table(path: Path) -> tuple[list[str], np.ndarray, list[int]]:
    """Header, values (rows, columns) with NaN for empty cells, and each row's line."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is not None and not any(cell.strip() for cell in header):
                raise InputError(f"{path}: the header (line 1) is empty; write the column "
                                 "names there, like time_s,left_knee_x,left_knee_y")
            rows, lines = [], []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise InputError(f"{path}: line {reader.line_num} has {len(row)} cells, "
                                     f"but the header has {len(header)}; fix that row")
                rows.append([_cell(path, c, reader.line_num, header[k].strip())
                             for k, c in enumerate(row)])
                lines.append(reader.line_num)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the CSV ({exc}); check the file") from None
    if header is None or not rows:
        raise InputError(f"{path}: the CSV has no header or no data rows; write a header "
                         "line and one row per frame")
    return header, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(header)), lines


def _csv_times(path: Path, head: _Header, table: np.ndarray, lines: Sequence[int],
               fps: float | None) -> tuple[np.ndarray, float, list[str]]:
    """Timestamps (s), the frame rate, and notes on what was assumed."""
    if head.time is None:
        rate = fps or DEFAULT_FPS
        notes = [] if fps else [f"fps assumed: {DEFAULT_FPS:g} (pass fps=...)"]
        return uniform_times(len(table), rate), rate, notes
    name, col = head.time
    values = table[:, col]
    _check_increasing(path, name, values, lines)
    if name == "frame":
        rate = fps or DEFAULT_FPS
        notes = [] if fps else [f"fps assumed: {DEFAULT_FPS:g} (pass fps=...)"]
        times = (values - values[0]) / rate
        if (np.diff(times) <= 0).any():
            raise InputError(f"{path}: frame numbers {values[0]:g}, {values[1]:g}... are too "
                             "close together to tell the frames apart; number them 0, 1, 2...")
        return times, rate, notes
    estimate = None if fps or len(values) < 2 else _estimated_fps(path, name, values)
    rate = fps or estimate or DEFAULT_FPS
    notes = [] if fps or estimate else [f"fps assumed: {DEFAULT_FPS:g} (pass fps=...)"]
    return values, rate, notes


def _check_increasing(path: Path, name: str, values: np.ndarray, lines: Sequence[int]) -> None:
    """InputError at the first empty (or NaN) time cell, or one that does not increase."""
    if np.isnan(values).any():
        line = lines[int(np.flatnonzero(np.isnan(values))[0])]
        raise InputError(f"{path}: line {line}: the {name} cell is empty or NaN; fill every "
                         f"{name}")
    back = np.flatnonzero(np.diff(values) <= 0)
    if back.size:
        raise InputError(f"{path}: line {lines[back[0] + 1]}: {name} {values[back[0] + 1]:g} "
                         f"does not increase after {values[back[0]]:g}; sort the rows")


def _estimated_fps(path: Path, name: str, values: np.ndarray) -> float:
    """1 / the median step of ``values`` (s), within :data:`FILE_FPS_RANGE`."""
    step = float(np.median(np.diff(values)))
    low, high = FILE_FPS_RANGE
    if not low <= 1.0 / step <= high:
        raise InputError(f"{path}: the {name} column steps by {step:g} s (median), which is "
                         f"{1.0 / step:g} frames/s, outside {low:g} to {high:g}; write {name} "
                         "in seconds or pass fps=...")
    return round(1.0 / step, 6)


def _csv_confidence(path: Path, head: _Header, table: np.ndarray, lines: Sequence[int],
                    header: Sequence[str]) -> np.ndarray:
    """(frames, joints): the confidence columns, 1 where absent or empty."""
    conf = np.ones((len(table), len(JOINTS)))
    for (joint, axis), col in head.fields.items():
        if axis != "c":
            continue
        values = table[:, col]
        bad = np.flatnonzero((values < 0) | (values > 1))
        if bad.size:
            raise InputError(f"{path}: line {lines[bad[0]]}, column {header[col].strip()!r}: "
                             f"expected a confidence in [0, 1], but got {values[bad[0]]:g}")
        conf[:, J[joint]] = np.where(np.isnan(values), 1.0, values)
    return conf


def _csv_units(path: Path, dims: int, units: str | None, up: str) -> tuple[str, float, str]:
    """The file's unit name, the scale to apply, and the Motion's units."""
    space = "image" if dims == 2 else "world"
    scales = {u: 1.0 for u in UNITS[space]}
    scales.update(CSV_LENGTH_UNITS if dims == 3 else {})
    name = units or ("px" if dims == 2 else "m")
    if name not in scales:
        raise InputError(f"{path}: a {dims}D CSV takes units in {sorted(scales)}, "
                         f"but got {name!r}")
    if up not in ("y", "z") or (dims == 2 and up != "y"):
        raise InputError(f"{path}: expected up='y' (or 'z' for a 3D CSV), but got {up!r}")
    return name, scales[name], "m" if name in CSV_LENGTH_UNITS else name


def read_csv(path: Path, *, fps: float | None = None, units: str | None = None,
             up: str = "y") -> Motion:
    """Read a CSV of canonical joint positions.

    Parameters
    ----------
    path : Path
        Header ``[time|time_s|frame,]<joint>_x,<joint>_y[,<joint>_z][,<joint>_confidence]``
        with canonical joint names (any order, case-insensitive; ``_c`` for
        confidence), one row per frame; empty (or ``nan``) cells are missing, and a joint
        with one missing coordinate is missing.
    fps : float, optional
        Frame rate; else from ``time``/``time_s`` (1 / median step), else 30 (noted in
        provenance).  With a ``frame`` column, times are ``(frame - first) / fps``.
    units : str, optional
        2D: ``"px"`` (default) or another image unit of :data:`balletmirror.core.motion.UNITS`,
        kept as is; 3D: ``"m"`` (default), ``"cm"`` or ``"mm"``, converted to metres, or
        another world unit of :data:`balletmirror.core.motion.UNITS` (``"height"``), kept.
    up : {"y", "z"}
        Vertical axis of a 3D file; ``"z"`` is rotated to Y up: (x, y, z) -> (x, z, -y).

    Returns
    -------
    Motion
        2D: ``space="image"`` (x right, y down); 3D: ``space="world"``, metres, Y up.
        Confidence from the confidence columns (empty cell: 1), else 1; 0 where missing.

    Raises
    ------
    InputError
        An empty header, unknown columns, no x/y columns, a non-numeric, infinite or huge
        cell (line and column named), confidence outside [0, 1], times that do not
        increase, a frame rate outside :data:`~balletmirror.core.motion.FILE_FPS_RANGE`,
        or bad options.
    """
    path = Path(path)
    _check_fps(path, fps)
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    header, table, lines = _read_table(path)
    head = _parse_header(path, header)
    unit_name, scale, motion_units = _csv_units(path, head.dims, units, up)
    times, rate, notes = _csv_times(path, head, table, lines, fps)
    positions, _ = empty_arrays(len(table), head.dims)
    for (joint, axis), col in head.fields.items():
        if axis != "c":
            positions[:, J[joint], "xyz".index(axis)] = table[:, col] * scale
    if up == "z":
        positions = np.stack([positions[..., 0], positions[..., 2], -positions[..., 1]], -1)
    positions[np.isnan(positions).any(axis=-1)] = np.nan  # one empty coordinate: missing
    confidence = _csv_confidence(path, head, table, lines, header)
    space = "image" if head.dims == 2 else "world"
    provenance = {"reader": "csv", "path": str(path), "source_units": unit_name,
                  "up_axis": up, "fps_assumed": bool(notes), "notes": notes}
    return Motion(positions=positions, confidence=confidence, times=times, fps=rate,
                  space=space, units=motion_units,
                  provenance=provenance)


def _format(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def write_csv(motion: Motion, path: str | Path) -> Path:
    """Write ``motion`` as the CSV :func:`read_csv` reads (the inverse of it).

    Columns: ``time_s``, then for every joint of :data:`~balletmirror.core.skeleton.JOINTS`
    ``<joint>_x,<joint>_y[,<joint>_z],<joint>_confidence``; NaN is an empty cell and
    numbers are written with full precision.  Units and space are not stored: positions
    are written as they are (metres Y up for world space, pixels for image space), so
    read a motion in other units (``"height"``) back with ``units=`` that unit.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    axes = "xyz"[: motion.ndim]
    header = ["time_s"] + [f"{j}_{a}" for j in JOINTS for a in (*axes, "confidence")]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(motion.n_frames):
            row = [_format(motion.times[i])]
            for k in range(len(JOINTS)):
                row += [_format(v) for v in motion.positions[i, k]]
                row.append(_format(motion.confidence[i, k]))
            writer.writerow(row)
    return path
