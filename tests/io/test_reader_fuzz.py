"""Fuzzing the keypoint JSON, CSV, C3D, TRC and saved-Motion readers.

Every property writes a generated file (random bytes, or a small valid file written here
and then mutated: cut at a byte, bytes flipped, JSON values or CSV cells replaced by odd
values, rows deleted or repeated, arrays and metadata replaced) and reads it.  Exactly
two outcomes are accepted: a :class:`Motion` that keeps its invariants (or, for
:func:`read_trc`, a consistent dict), or an :class:`InputError` whose message is one line
naming the file.  Anything else (a TypeError, an OverflowError, a crash or a hang of the
C3D parser) is a bug in the reader.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fixtures.poses import motion_of, project_front, standing_points
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import balletmirror.io.c3d as c3d_module
from balletmirror.core.errors import InputError
from balletmirror.core.motion import Motion, load_motion
from balletmirror.core.skeleton import JOINTS
from balletmirror.io.c3d import read_c3d
from balletmirror.io.keypoints import read_csv, read_keypoints_json
from balletmirror.io.trc import read_trc, write_trc

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=50)


# --------------------------------------------------------------------------- the property
def check_motion(motion: object) -> Motion:
    """``motion`` is a Motion that keeps the invariants its constructor promises."""
    assert isinstance(motion, Motion)
    n, dims = motion.n_frames, motion.ndim
    assert n >= 1 and motion.positions.shape == (n, len(JOINTS), dims)
    assert not np.isinf(motion.positions).any()
    assert motion.confidence.shape == (n, len(JOINTS))
    assert ((motion.confidence >= 0) & (motion.confidence <= 1)).all()
    assert (motion.confidence[np.isnan(motion.positions).any(axis=-1)] == 0).all()
    assert np.isfinite(motion.times).all() and (np.diff(motion.times) > 0).all()
    assert math.isfinite(motion.fps) and motion.fps > 0
    if motion.world is not None:
        assert not np.isinf(motion.world).any()
    json.dumps(motion.provenance)
    return motion


def outcome(read, path: Path, **options) -> object | None:
    """What ``read(path)`` gives: its result, or None after a one-line InputError."""
    try:
        result = read(path, **options)
    except InputError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, message
        assert str(path) in message, message
        return None
    return result


def read_motion_ok(read, path: Path, **options) -> Motion | None:
    result = outcome(read, path, **options)
    return None if result is None else check_motion(result)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def flip(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        if out:
            out[position % len(out)] = value
    return bytes(out)


BYTE_EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                      max_size=12)


# --------------------------------------------------------------------------- JSON values
ODD_NUMBERS = st.sampled_from([0, -1, 1, 2, 3, 0.5, -0.0, 1e308, -1e308, 1e-320, 10**30,
                               -(10**30), 10**400, 2**63, math.nan, math.inf, -math.inf])
JSON_LEAVES = st.one_of(st.none(), st.booleans(), ODD_NUMBERS, st.integers(-10**6, 10**6),
                        st.floats(allow_nan=True, allow_infinity=True),
                        st.text(max_size=8), st.sampled_from(["", "a", "0", "1.5", "nan"]))
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["keypoints", "image_id", "id",
                                                             "people", "score", "x", ""]),
                                            inner, max_size=4)),
    max_leaves=12)


def json_paths(doc, prefix=()):
    """Every path (tuple of keys and indices) to a node of ``doc``, the root included."""
    paths = [prefix]
    items = doc.items() if isinstance(doc, dict) else (
        enumerate(doc) if isinstance(doc, list) else ())
    for key, value in items:
        paths += json_paths(value, (*prefix, key))
    return paths


def json_edit(doc, path, action, value):
    """``doc`` with the node at ``path`` replaced, deleted or (in a list) repeated."""
    if not path:
        return value if action == "replace" else doc
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "replace":
        parent[key] = value
    elif action == "delete":
        del parent[key]
    elif isinstance(parent, list):
        parent.insert(key, json.loads(json.dumps(parent[key])))
    return doc


JSON_EDITS = st.lists(st.tuples(st.integers(0, 10**6),
                                st.sampled_from(["replace", "replace", "delete", "repeat"]),
                                JSON_VALUES), min_size=1, max_size=4)


def mutate_json(doc, edits):
    doc = json.loads(json.dumps(doc))
    for k, action, value in edits:
        paths = json_paths(doc)
        doc = json_edit(doc, paths[k % len(paths)], action, value)
    return doc


# --------------------------------------------------------------------------- keypoint files
def coco_keypoints(shift: float = 0.0) -> list:
    out = []
    for k in range(17):
        out += [100.0 + 3 * k + shift, 50.0 + 12 * k, 2]
    return out


COCO_RESULTS = [{"image_id": i, "category_id": 1, "keypoints": coco_keypoints(i), "score": 0.9}
                for i in (0, 1, 3)]
COCO_DATASET = {
    "images": [{"id": i, "width": 640, "height": 480, "file_name": f"{i}.jpg"} for i in range(4)],
    "annotations": [{"id": 10 + i, "image_id": i, "category_id": 1, "iscrowd": 0,
                     "num_keypoints": 17, "keypoints": coco_keypoints(i)} for i in (0, 1, 3)],
    "categories": [{"id": 1, "name": "person"}],
}
OPENPOSE = {"version": 1.3, "people": [
    {"person_id": [-1], "pose_keypoints_2d": [v for k in range(25)
                                              for v in (200.0 + 4 * k, 80.0 + 9 * k, 0.8)]},
    {"person_id": [-1], "pose_keypoints_2d": [v for k in range(25)
                                              for v in (20.0 + k, 30.0 + 2 * k, 0.4)]}]}
KEYPOINT_DOCS = {"coco-results": COCO_RESULTS, "coco-dataset": COCO_DATASET,
                 "openpose": OPENPOSE}


def write_json(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(KEYPOINT_DOCS))
def test_the_unmutated_keypoint_files_read(folder, name):
    motion = check_motion(read_keypoints_json(write_json(folder / f"{name}.json",
                                                         KEYPOINT_DOCS[name]), fps=25))
    assert motion.n_frames == (1 if name == "openpose" else 4)


@FUZZ
@given(data=st.binary(max_size=2000), person=st.sampled_from([None, 0, 1]))
def test_keypoints_random_bytes(folder, data, person):
    path = folder / "bytes.json"
    path.write_bytes(data)
    read_motion_ok(read_keypoints_json, path, person=person)


@FUZZ
@given(name=st.sampled_from(sorted(KEYPOINT_DOCS)), edits=JSON_EDITS,
       person=st.sampled_from([None, 0, 1]))
def test_keypoints_json_values_replaced(folder, name, edits, person):
    doc = mutate_json(KEYPOINT_DOCS[name], edits)
    path = folder / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    read_motion_ok(read_keypoints_json, path, person=person)


def number_paths(doc) -> list[tuple]:
    """Paths to the numbers (not booleans) of ``doc``."""
    def value(path):
        node = doc
        for key in path:
            node = node[key]
        return node
    return [p for p in json_paths(doc)
            if isinstance(value(p), (int, float)) and not isinstance(value(p), bool)]


@FUZZ
@given(name=st.sampled_from(sorted(KEYPOINT_DOCS)),
       edits=st.lists(st.tuples(st.integers(0, 10**6),
                                st.one_of(ODD_NUMBERS, st.floats(allow_nan=True,
                                                                 allow_infinity=True),
                                          st.integers(-10**20, 10**20), st.booleans(),
                                          st.none(), st.sampled_from(["1", "x"]))),
                      min_size=1, max_size=8),
       person=st.sampled_from([None, 0, 1]), fps=st.sampled_from([None, 25.0, 1e-3, 1e6]))
def test_keypoints_numbers_replaced(folder, name, edits, person, fps):
    doc = json.loads(json.dumps(KEYPOINT_DOCS[name]))
    paths = number_paths(doc)
    for k, value in edits:
        doc = json_edit(doc, paths[k % len(paths)], "replace", value)
    path = folder / "numbers.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    read_motion_ok(read_keypoints_json, path, person=person, fps=fps)


@FUZZ
@given(name=st.sampled_from(sorted(KEYPOINT_DOCS)), cut=st.integers(0, 10**6),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6))
def test_keypoints_text_cut_or_bytes_flipped(folder, name, cut, edits):
    data = json.dumps(KEYPOINT_DOCS[name]).encode()
    data = flip(data, edits) if edits else data[: cut % (len(data) + 1)]
    path = folder / "cut.json"
    path.write_bytes(data)
    read_motion_ok(read_keypoints_json, path)


@FEW
@given(broken=st.integers(0, 2), kind=st.sampled_from(["json", "bytes", "cut"]),
       edits=JSON_EDITS, data=st.binary(max_size=200))
def test_openpose_folder_with_one_broken_file(tmp_path_factory, broken, kind, edits, data):
    frames = tmp_path_factory.mktemp("openpose")
    for k in range(3):
        write_json(frames / f"clip_{k:012d}_keypoints.json", OPENPOSE)
    target = frames / f"clip_{broken:012d}_keypoints.json"
    if kind == "json":
        write_json(target, mutate_json(OPENPOSE, edits))
    elif kind == "bytes":
        target.write_bytes(data)
    else:
        target.write_bytes(target.read_bytes()[: len(data)])
    read_motion_ok(read_keypoints_json, frames)


# --------------------------------------------------------------------------- CSV
CSV_2D = ("time_s,nose_x,nose_y,left_hip_x,left_hip_y,right_hip_x,right_hip_y,"
          "left_hip_confidence\n"
          + "".join(f"{k * 0.04:.2f},{100 + k},{50 + k},{120 + k},{150},{80 + k},{150},0.9\n"
                    for k in range(5)))
CSV_3D = ("frame,left_knee_x,left_knee_y,left_knee_z,right_knee_x,right_knee_y,right_knee_z\n"
          + "".join(f"{k},{100 + k},{500},{20},{-100 + k},{500},{20}\n" for k in range(5)))
CSV_FILES = {"2d": CSV_2D, "3d": CSV_3D}
CELLS = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308",
                     "-1e308", "1e999", "1e-320", "9" * 400, "abc", "1_0", "0x10", "²", "٣",
                     "0", "-0", "1", "-1", "2", "0.5", '"', "'", "\x00", "\ufeff", "time",
                     "nose_x", "1e12", "1e13", "-5e11"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.text(max_size=8))
CSV_OPTIONS = st.sampled_from([{}, {"fps": 30.0}, {"units": "mm", "up": "z"}, {"units": "cm"},
                               {"fps": 1e-3}, {"fps": 1e6}])


def test_the_unmutated_csv_files_read(folder):
    for name, text in CSV_FILES.items():
        path = folder / f"{name}.csv"
        path.write_text(text)
        assert check_motion(read_csv(path)).n_frames == 5


@FUZZ
@given(data=st.binary(max_size=2000))
def test_csv_random_bytes(folder, data):
    path = folder / "bytes.csv"
    path.write_bytes(data)
    read_motion_ok(read_csv, path)
    path.write_bytes(CSV_2D.splitlines(keepends=True)[0].encode() + data)
    read_motion_ok(read_csv, path)


@FUZZ
@given(name=st.sampled_from(sorted(CSV_FILES)),
       cells=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), CELLS),
                      min_size=1, max_size=6),
       options=CSV_OPTIONS)
def test_csv_cells_replaced(folder, name, cells, options):
    grid = [line.split(",") for line in CSV_FILES[name].splitlines()]
    for row, col, value in cells:
        line = grid[row % len(grid)]
        line[col % len(line)] = value
    path = folder / "cells.csv"
    path.write_text("\n".join(",".join(line) for line in grid) + "\n", encoding="utf-8",
                    errors="surrogatepass")
    read_motion_ok(read_csv, path, **options)


@FUZZ
@given(name=st.sampled_from(sorted(CSV_FILES)),
       edits=st.lists(st.tuples(st.sampled_from(["delete", "repeat", "swap"]),
                                st.integers(0, 10**6)), min_size=1, max_size=6),
       cut=st.one_of(st.none(), st.integers(0, 10**6)), options=CSV_OPTIONS)
def test_csv_rows_deleted_repeated_or_cut(folder, name, edits, cut, options):
    lines = CSV_FILES[name].splitlines()
    for action, k in edits:
        if not lines:
            break
        k %= len(lines)
        if action == "delete":
            del lines[k]
        elif action == "repeat":
            lines.insert(k, lines[k])
        else:
            lines[k], lines[-1 - k] = lines[-1 - k], lines[k]
    text = "\n".join(lines) + "\n"
    if cut is not None:
        text = text[: cut % (len(text) + 1)]
    path = folder / "rows.csv"
    path.write_text(text)
    read_motion_ok(read_csv, path, **options)


# --------------------------------------------------------------------------- C3D
MARKERS_MM = {
    "LASI": (100, 120, 1000), "RASI": (100, -120, 1000), "LPSI": (-50, 50, 1000),
    "RPSI": (-50, -50, 1000), "LKNE": (80, 150, 500), "RKNE": (80, -150, 500),
    "LANK": (0, 140, 80), "RANK": (0, -140, 80), "LSHO": (0, 180, 1450),
    "RSHO": (0, -180, 1450), "LELB": (0, 220, 1150), "RELB": (0, -220, 1150),
}


def write_c3d(path: Path, *, frames: int = 5, analogs: bool = False) -> Path:
    ezc3d = pytest.importorskip("ezc3d")
    names = list(MARKERS_MM)
    data = np.ones((4, len(names), frames))
    for i, name in enumerate(names):
        data[:3, i, :] = np.asarray(MARKERS_MM[name], float)[:, None] + np.arange(frames)
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["POINT"]["LABELS"]["value"] = tuple(names)
    c["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    c["data"]["points"] = data
    residuals = np.zeros((1, len(names), frames))
    residuals[0, 2, 1] = -1
    c["data"]["meta_points"] = {"residuals": residuals,
                                "camera_masks": np.zeros((7, len(names), frames), dtype=bool)}
    if analogs:
        c["parameters"]["ANALOG"]["RATE"]["value"] = [200.0]
        c["parameters"]["ANALOG"]["LABELS"]["value"] = ("EMG1", "EMG2")
        c["data"]["analogs"] = np.arange(2 * 2 * frames, dtype=float).reshape(1, 2, 2 * frames)
    c.write(str(path))
    return path


@pytest.fixture(scope="module")
def c3d_files(folder):
    """Valid C3D files (points only; points and analogs), as bytes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(c3d_module, "PARSE_TIMEOUT_S", 5.0)
        yield [write_c3d(folder / "valid.c3d").read_bytes(),
               write_c3d(folder / "analog.c3d", analogs=True).read_bytes()]


def test_the_unmutated_c3d_files_read(folder, c3d_files):
    for k, data in enumerate(c3d_files):
        path = folder / f"unmutated{k}.c3d"
        path.write_bytes(data)
        motion = check_motion(read_c3d(path))
        assert motion.n_frames == 5 and motion.fps == 100.0


def test_a_c3d_cut_anywhere_in_its_data_is_refused(folder, c3d_files):
    for data in c3d_files:
        path = folder / "short.c3d"
        for cut in range(2 * 512, len(data) - 512, 97):
            path.write_bytes(data[:cut])
            with pytest.raises(InputError, match="not a readable C3D|cut short|damaged"):
                read_c3d(path)


@FUZZ
@given(data=st.binary(max_size=4000), header=st.booleans())
def test_c3d_random_bytes(folder, c3d_files, data, header):
    path = folder / "bytes.c3d"
    path.write_bytes((c3d_files[0][:512] + data) if header else data)
    read_motion_ok(read_c3d, path)


@FUZZ
@given(which=st.integers(0, 1), cut=st.integers(0, 10**6))
def test_c3d_truncated(folder, c3d_files, which, cut):
    data = c3d_files[which]
    path = folder / "cut.c3d"
    path.write_bytes(data[: cut % (len(data) + 1)])
    read_motion_ok(read_c3d, path)


@FUZZ
@given(which=st.integers(0, 1), edits=BYTE_EDITS, structure=st.booleans())
def test_c3d_bytes_flipped(folder, c3d_files, which, edits, structure):
    data = c3d_files[which]
    if structure:  # the header and the parameter section, where ezc3d trusts the sizes
        edits = [(position % 1536, value) for position, value in edits]
    path = folder / "flipped.c3d"
    path.write_bytes(flip(data, edits))
    read_motion_ok(read_c3d, path)


# --------------------------------------------------------------------------- saved Motion
@pytest.fixture(scope="module")
def motion_arrays(folder) -> dict[str, np.ndarray]:
    """The arrays of a saved image-space Motion with a world companion."""
    rng = np.random.default_rng(3)
    world = np.repeat(standing_points()[None], 4, axis=0)
    motion = Motion(positions=project_front(world),
                    confidence=rng.uniform(0.2, 1.0, (4, len(JOINTS))),
                    times=np.arange(4) / 30.0, fps=30.0, space="image", units="px",
                    world=world, image_size=(640, 480), view="front",
                    provenance={"reader": "test", "notes": ["a"]})
    with np.load(motion.save(folder / "saved.npz")) as data:
        return {k: data[k] for k in data.files}


def write_npz(path: Path, arrays: dict) -> Path:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def test_the_unmutated_npz_reads(folder, motion_arrays):
    motion = check_motion(load_motion(write_npz(folder / "valid.npz", motion_arrays)))
    assert motion.n_frames == 4 and motion.image_size == (640, 480)


@FUZZ
@given(data=st.binary(max_size=3000), zip_magic=st.booleans())
def test_npz_random_bytes(folder, data, zip_magic):
    path = folder / "bytes.npz"
    path.write_bytes((b"PK\x03\x04" + data) if zip_magic else data)
    read_motion_ok(load_motion, path)


@FUZZ
@given(cut=st.one_of(st.none(), st.integers(0, 10**6)), edits=BYTE_EDITS,
       inside=st.booleans())
def test_npz_cut_or_bytes_flipped(folder, motion_arrays, cut, edits, inside):
    path = folder / "flipped.npz"
    if inside:  # flip bytes inside the members and zip them again (their CRCs then match)
        raw = {}
        with zipfile.ZipFile(write_npz(path, motion_arrays)) as archive:
            raw = {name: archive.read(name) for name in archive.namelist()}
        names = sorted(raw)
        with zipfile.ZipFile(path, "w") as archive:
            for k, name in enumerate(names):
                mine = [e for i, e in enumerate(edits) if i % len(names) == k]
                archive.writestr(name, flip(raw[name], mine)[: None if cut is None else cut])
    else:
        data = write_npz(path, motion_arrays).read_bytes()
        path.write_bytes(flip(data, edits) if cut is None else data[: cut % (len(data) + 1)])
    read_motion_ok(load_motion, path)


DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.uint16,
                          np.bool_, np.complex128, "U3", "S3", "datetime64[s]",
                          "timedelta64[ms]"])
ODD_ARRAYS = st.one_of(
    hnp.arrays(dtype=DTYPES, shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=5)),
    hnp.arrays(dtype=np.float64, shape=st.sampled_from([(4, len(JOINTS), 2),
                                                         (4, len(JOINTS), 3), (4, len(JOINTS)),
                                                         (4,), (0, len(JOINTS), 2), (0,)]),
               elements=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                  st.sampled_from([1e308, -1e308, 1e13, 0.5, 2.0, -1.0]))),
    st.just(np.array([1, "a", None], dtype=object)),
    st.just(np.zeros(3, dtype=[("x", "f8"), ("y", "i4")])),
)
MEMBERS = st.sampled_from(["positions", "confidence", "times", "world", "meta"])


@FUZZ
@given(changes=st.lists(st.tuples(MEMBERS, st.one_of(st.none(), ODD_ARRAYS)), min_size=1,
                        max_size=3))
def test_npz_arrays_replaced_or_dropped(folder, motion_arrays, changes):
    arrays = dict(motion_arrays)
    for name, value in changes:
        if value is None:
            arrays.pop(name, None)
        else:
            arrays[name] = value
    read_motion_ok(load_motion, write_npz(folder / "arrays.npz", arrays))


META_KEYS = st.sampled_from(["schema", "fps", "space", "units", "image_size", "view",
                             "provenance", "joints"])


@FUZZ
@given(kind=st.sampled_from(["field", "field", "drop", "whole", "text"]), key=META_KEYS,
       value=JSON_VALUES, text=st.text(max_size=40))
def test_npz_meta_replaced(folder, motion_arrays, kind, key, value, text):
    meta = json.loads(str(motion_arrays["meta"]))
    if kind == "field":
        meta[key] = value
    elif kind == "drop":
        meta.pop(key)
    elif kind == "whole":
        meta = value
    arrays = {**motion_arrays, "meta": np.array(text if kind == "text" else json.dumps(meta))}
    read_motion_ok(load_motion, write_npz(folder / "meta.npz", arrays))


# --------------------------------------------------------------------------- TRC
@pytest.fixture(scope="module")
def trc_text(folder) -> str:
    motion = motion_of(np.repeat(standing_points()[None], 3, axis=0), fps=50.0)
    return write_trc(motion, folder / "valid.trc").read_text()


def check_trc(path: Path) -> None:
    result = outcome(read_trc, path)
    if result is None:
        return
    n, m = len(result["frames"]), len(result["markers"])
    assert result["points"].shape == (n, m, 3) and result["times"].shape == (n,)
    assert not np.isinf(result["points"]).any() and np.isfinite(result["times"]).all()
    assert math.isfinite(result["data_rate"]) and result["data_rate"] > 0


def test_the_unmutated_trc_reads(folder, trc_text):
    path = folder / "unmutated.trc"
    path.write_text(trc_text)
    assert read_trc(path)["points"].shape == (3, len(JOINTS), 3)


@FUZZ
@given(cut=st.one_of(st.none(), st.integers(0, 10**6)),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       cells=st.lists(st.tuples(st.integers(0, 10**6), CELLS), max_size=4))
def test_trc_mutated(folder, trc_text, cut, edits, cells):
    fields = trc_text.split("\t")
    for k, value in cells:
        fields[k % len(fields)] = value
    data = "\t".join(fields).encode("utf-8", "surrogatepass")
    data = flip(data, edits) if cut is None else data[: cut % (len(data) + 1)]
    path = folder / "mutated.trc"
    path.write_bytes(data)
    check_trc(path)


def _trc_with(trc_text: str, line: int, field: int, value: str) -> str:
    lines = trc_text.split("\n")
    fields = lines[line].split("\t")
    fields[field] = value
    lines[line] = "\t".join(fields)
    return "\n".join(lines)


# Each case was an internal error (OverflowError) or a result with NaN or infinite values.
@pytest.mark.parametrize(("line", "field", "value", "match"), [
    (2, 0, "nan", r"expected NumMarkers >= 0 and a DataRate from 0.001 to 1e\+06 frames/s, but "
                  r"got 23 and nan"),
    (2, 0, "-50", r"and a DataRate .* but got 23 and -50"),
    (2, 4, "0.0", r"mutated.trc: expected a length unit \(mm, cm, m\), but got units='0.0'"),
    (6, 0, "inf", r"mutated.trc:7: expected an integer Frame# and a finite Time, but got 'inf' "
                  r"and '0.0'"),
    (6, 0, "1.5", r"expected an integer Frame#"),
    (6, 1, "nan", r"expected an integer Frame# and a finite Time, but got '1' and 'nan'"),
    (6, 4, "1e999", r"mutated.trc:7: a coordinate is infinite or beyond ±1e\+12"),
])
def test_trc_reader_refuses_odd_values(folder, trc_text, line, field, value, match):
    path = folder / "mutated.trc"
    path.write_text(_trc_with(trc_text, line, field, value))
    with pytest.raises(InputError, match=match):
        read_trc(path)
