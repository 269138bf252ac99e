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


def test_mirror_names():
    assert mirror_name("left_knee") == "right_knee"
    assert mirror_name("nose") == "nose"
    assert JOINTS[MIRROR_PERMUTATION[J["right_toe"]]] == "left_toe"
