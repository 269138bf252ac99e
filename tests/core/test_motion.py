"""Motion: the validated constructor and lossless save/load."""

import json

import numpy as np
import pytest
from fixtures.poses import motion_of, standing_points

from balletmirror.core.errors import InputError, MotionValidationError
from balletmirror.core.motion import Motion, load_motion
from balletmirror.core.skeleton import JOINTS, MIRROR_PERMUTATION, J, mirror_name

N = len(JOINTS)


def _args(frames=3, dims=3):
    return dict(positions=np.zeros((frames, N, dims)), confidence=np.ones((frames, N)),
                times=np.arange(frames) / 30.0, fps=30.0)


@pytest.mark.parametrize("change, message", [
    ({"positions": np.zeros((3, 5, 3))}, r"Expected positions of shape \(frames, 23, 3\)"),
    ({"positions": np.zeros((0, N, 3)), "confidence": np.ones((0, N)), "times": np.zeros(0)},
     "Expected at least one frame"),
    ({"times": np.array([0.0, 0.1, 0.1])}, "Expected strictly increasing timestamps"),
    ({"times": np.arange(4) / 30.0}, r"Expected times of shape \(3,\)"),
    ({"confidence": np.full((3, N), 1.5)}, r"Expected confidence in \[0, 1\]"),
    ({"fps": 0}, "Expected fps > 0"),
    ({"space": "camera"}, "Expected space in"),
    ({"units": "px"}, "Expected units in"),
    ({"positions": np.full((3, N, 3), np.inf)}, "Expected finite positions"),
    ({"provenance": {"bad": object()}}, "Expected a JSON-serialisable provenance"),
])
def test_constructor_refuses_bad_input(change, message):
    with pytest.raises(MotionValidationError, match=message):
        Motion(**{**_args(), **change})


def test_image_space_needs_two_dimensions():
    with pytest.raises(MotionValidationError, match=r"\(frames, 23, 2\) for space='image'"):
        Motion(**_args(), space="image", units="px")
    m = Motion(**_args(dims=2), space="image", units="px", image_size=(960, 540))
    assert m.ndim == 2 and m.image_size == (960, 540)


def test_derived_joints_filled_and_missing_confidence_zeroed():
    p = standing_points()
    p[J["mid_hip"]] = np.nan
    p[J["neck"]] = np.nan
    p[J["left_toe"]] = np.nan
    m = motion_of(p)
    np.testing.assert_allclose(m.joint("mid_hip")[0], [0.0, 0.87, 0.0])
    np.testing.assert_allclose(m.joint("neck")[0], [0.0, 1.35, 0.0])
    assert m.confidence[0, J["left_toe"]] == 0.0
    assert not m.present[0, J["left_toe"]]


def test_motion_is_immutable_and_does_not_alias_input():
    p = standing_points()
    m = motion_of(p)
    p[0, 0] = 99.0
    assert m.positions[0, 0, 0] != 99.0
    with pytest.raises(ValueError):
        m.positions[0, 0, 0] = 1.0


def test_save_load_is_lossless(tmp_path):
    rng = np.random.default_rng(1)
    pos = rng.normal(size=(7, N, 2)) * 100 + 300
    pos[2, 5] = np.nan
    conf = rng.uniform(size=(7, N))
    world = rng.normal(size=(7, N, 3))
    times = np.cumsum(rng.uniform(0.02, 0.05, size=7))
    m = Motion(positions=pos, confidence=conf, times=times, fps=29.97, space="image",
               units="px", world=world, image_size=(1080, 1920), view="front",
               provenance={"reader": "video", "notes": ["a", 1]})
    back = load_motion(m.save(tmp_path / "m.npz"))
    for name in ("positions", "confidence", "times", "world"):
        np.testing.assert_array_equal(getattr(back, name), getattr(m, name))
    assert (back.fps, back.space, back.units, back.image_size, back.view, back.provenance) == \
        (m.fps, m.space, m.units, m.image_size, m.view, m.provenance)


def test_load_refuses_foreign_npz(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(InputError, match="not a balletmirror Motion"):
        load_motion(path)
    np.savez(path, meta=np.array(json.dumps({"schema": "other/9"})))
    with pytest.raises(InputError, match="expected schema balletmirror.motion/1"):
        load_motion(path)


# ------------------------------------------------------------------ damaged .npz files
def _saved(tmp_path):
    """The arrays and metadata of a saved Motion, to damage."""
    m = Motion(**_args(frames=4, dims=2), space="image", units="px", image_size=(640, 480))
    with np.load(m.save(tmp_path / "ok.npz")) as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads(str(arrays["meta"]))


def _write(tmp_path, arrays, name="bad.npz"):
    path = tmp_path / name
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def _meta(meta):
    return np.array(meta if isinstance(meta, str) else json.dumps(meta))


class _OpensAFile:
    """Unpickling this opens (creates) ``marker``: a visible, harmless side effect."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("member", ["positions", "meta", "times"])
def test_load_refuses_a_pickle_without_unpickling_it(tmp_path, member):
    arrays, _ = _saved(tmp_path)
    marker = tmp_path / "unpickled.txt"
    arrays[member] = np.array([_OpensAFile(marker)], dtype=object)
    path = _write(tmp_path, arrays)
    with pytest.raises(InputError, match=rf"bad.npz: array '{member}' holds Python objects \(a "
                       r"pickle\), which balletmirror never loads; save it again"):
        load_motion(path)
    assert not marker.exists()
    with np.load(path, allow_pickle=True) as data:  # the file does carry the side effect
        data[member][0].close()
    assert marker.exists()


def test_load_refuses_a_pickle_or_npy_named_npz(tmp_path):
    import pickle

    marker = tmp_path / "unpickled.txt"
    (tmp_path / "p.npz").write_bytes(pickle.dumps(_OpensAFile(marker)))
    np.save(tmp_path / "a.npy", np.zeros(3))
    (tmp_path / "a.npy").rename(tmp_path / "a.npz")
    for name in ("p.npz", "a.npz"):
        with pytest.raises(InputError, match=rf"{name}: not a readable .npz Motion file \("
                           r"File is not a zip file\); save it again with Motion.save"):
            load_motion(tmp_path / name)
    assert not marker.exists()


# Each case was an internal error (JSONDecodeError, KeyError, TypeError, AttributeError...)
# or a Motion with infinite positions before.
@pytest.mark.parametrize(("change", "match"), [
    ({"meta": _meta("{not json")}, r"the metadata is not valid JSON \(Expecting property name"),
    ({"meta": _meta([1, 2])}, r"the metadata is a list of 2, not a JSON object"),
    ({"meta": _meta(5)}, r"the metadata is 5, not a JSON object"),
    ({"meta": _meta("\"text\"")}, r"the metadata is the string 'text', not a JSON object"),
    ({"meta": np.array(["a", "b"])}, r"the metadata is 2 strings, not one"),
    ({"meta": np.zeros(3)}, r"array 'meta' has dtype float64; expected text"),
    ({"positions": None}, r"a Motion file without its 'positions' array"),
    ({"confidence": None}, r"without its 'confidence' array"),
    ({"times": None}, r"without its 'times' array"),
    ({"positions": np.full((4, N, 2), "1.5")}, r"array 'positions' has dtype <U3; expected "
                                               r"numbers"),
    ({"times": np.array(["a"] * 4)}, r"array 'times' has dtype <U1; expected numbers"),
    ({"times": np.array([0, 1, 2, 3], dtype=complex)}, r"'times' has dtype complex128"),
    ({"times": np.zeros(4, dtype=[("x", "f8")])}, r"'times' has dtype \[\('x', '<f8'\)\]"),
    ({"confidence": np.ones((4, N), dtype=bool)}, r"'confidence' has dtype bool"),
    ({"positions": np.full((4, N, 2), 1e308)}, r"array 'positions' holds values beyond "
                                               r"±1e\+12 \(or infinite\)"),
    ({"positions": np.full((4, N, 2), np.inf)}, r"'positions' holds values beyond"),
    ({"positions": np.zeros((4, 5))}, r"bad.npz: Expected positions of shape \(frames, 23, 2\) "
                                      r"for space='image', but got shape \(4, 5\)"),
    ({"times": np.array([0.0, 1.0, 1.0, 2.0])}, r"bad.npz: Expected strictly increasing"),
    ({"confidence": np.full((4, N), np.nan)}, r"bad.npz: Expected confidence in \[0, 1\]"),
])
def test_load_refuses_damaged_arrays(tmp_path, change, match):
    arrays, _ = _saved(tmp_path)
    for name, value in change.items():
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value
    with pytest.raises(InputError, match=match) as info:
        load_motion(_write(tmp_path, arrays))
    assert str(info.value).startswith(str(tmp_path)) and "\n" not in str(info.value)


@pytest.mark.parametrize(("change", "match"), [
    ({"fps": None}, r"the metadata has no fps; save it again with Motion.save"),
    ({"space": None, "units": None}, r"the metadata has no space, units"),
    ({"fps": "30"}, r"the metadata's 'fps' is the string '30'; expected a frame rate from "
                    r"0.001 to 1e\+06 frames/s"),
    ({"fps": True}, r"'fps' is true"),
    ({"fps": float("nan")}, r"'fps' is nan"),
    ({"fps": 1e300}, r"'fps' is 1e\+300"),
    ({"space": ["image"]}, r"'space' is a list of 1; expected one of \('image', 'world'\)"),
    ({"units": {}}, r"'units' is an object; expected one of \('px', 'height'\)"),
    ({"image_size": 5}, r"'image_size' is 5; expected null or \[width, height\] in pixels"),
    ({"image_size": "ab"}, r"'image_size' is the string 'ab'"),
    ({"image_size": [float("nan"), 3]}, r"'image_size' is a list of 2"),
    ({"image_size": [1e400, 3]}, r"'image_size' is a list of 2"),
    ({"image_size": [-1, 3]}, r"'image_size' is a list of 2"),
    ({"view": {"a": 1}}, r"'view' is an object; expected null or a view name"),
    ({"provenance": [["a", "b"]]}, r"'provenance' is a list of 1; expected an object"),
    ({"schema": {"a": 1}}, r"expected schema balletmirror.motion/1, but got an object"),
    ({"joints": None}, r"written with another skeleton"),
])
def test_load_refuses_damaged_metadata(tmp_path, change, match):
    arrays, meta = _saved(tmp_path)
    for key, value in change.items():
        if value is None:
            del meta[key]
        else:
            meta[key] = value
    arrays["meta"] = _meta(meta)
    with pytest.raises(InputError, match=match) as info:
        load_motion(_write(tmp_path, arrays))
    assert "\n" not in str(info.value)


def test_load_refuses_a_truncated_or_damaged_archive(tmp_path):
    arrays, _ = _saved(tmp_path)
    data = _write(tmp_path, arrays).read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut.npz: not a readable .npz Motion file"):
        load_motion(tmp_path / "cut.npz")
    with pytest.raises(InputError, match=r"absent.npz: no such file; check the path"):
        load_motion(tmp_path / "absent.npz")


def test_load_checks_an_npy_header_against_its_bytes(tmp_path):
    import zipfile

    arrays, _ = _saved(tmp_path)
    path = _write(tmp_path, arrays)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["times.npy"] = members["times.npy"].replace(b"(4,)", b"(9,)", 1)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(InputError, match=r"array 'times' declares shape \(9,\) but holds 32 "
                       r"bytes of data"):
        load_motion(path)


def test_mirror_names():
    assert mirror_name("left_knee") == "right_knee"
    assert mirror_name("nose") == "nose"
    assert JOINTS[MIRROR_PERMUTATION[J["right_toe"]]] == "left_toe"
