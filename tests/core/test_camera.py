"""The pinhole camera: projection, presets, and settings it refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from balletmirror.core.camera import Camera, camera_preset, project
from balletmirror.core.errors import ConfigError


def level_camera(**kw) -> Camera:
    """A camera at (0, 1, 5) looking horizontally towards -z."""
    return Camera(position=(0.0, 1.0, 5.0), target=(0.0, 1.0, 0.0), **kw)


# ---------------------------------------------------------------- projection
def test_a_point_on_the_optical_axis_projects_to_the_image_centre():
    cam = camera_preset("three-quarter", width=960, height=540)
    pixels, depth = project(np.array(cam.target), cam)
    np.testing.assert_allclose(pixels, [480.0, 270.0], atol=1e-9)
    assert depth == pytest.approx(math.dist(cam.position, cam.target))


@pytest.mark.parametrize("d", [2.0, 4.5, 8.0])
def test_a_point_one_metre_right_lands_f_over_d_right_of_centre(d):
    cam = level_camera(focal_px=800.0)
    pixels, depth = project(np.array([1.0, 1.0, 5.0 - d]), cam)
    np.testing.assert_allclose(pixels, [480.0 + 800.0 / d, 270.0])
    assert depth == pytest.approx(d)


def test_image_y_grows_downwards_and_depth_away_from_the_camera():
    cam = level_camera()
    pts = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, -3.0]])
    pixels, depth = project(pts, cam)
    assert pixels[0, 1] < 270.0 < pixels[1, 1]
    np.testing.assert_allclose(depth, [5.0, 5.0, 8.0])


def test_points_behind_the_camera_project_to_nan():
    pixels, depth = project(np.array([0.0, 1.0, 6.0]), level_camera())
    assert np.isnan(pixels).all() and depth == pytest.approx(-1.0)


def test_focal_length_from_the_vertical_field_of_view():
    cam = level_camera(vfov_deg=90.0, height=400)
    assert cam.focal == pytest.approx(200.0)


@pytest.mark.parametrize(("name", "expected_xz"), [
    ("front", (0.0, 4.5)), ("side", (-4.5, 0.0)), ("side-left", (4.5, 0.0)),
    ("back", (0.0, -4.5)),
    ("three-quarter", (-4.5 / math.sqrt(2), 4.5 / math.sqrt(2)))])
def test_camera_presets_stand_around_the_dancer(name, expected_xz):
    cam = camera_preset(name)
    np.testing.assert_allclose([cam.position[0], cam.position[2]], expected_xz, atol=1e-9)
    assert cam.position[1] == pytest.approx(1.2)
    assert (cam.width, cam.height) == (960, 540)


def test_an_arbitrary_yaw_and_distance():
    cam = camera_preset("front", yaw_deg=30.0, distance_m=6.0, height_m=1.5)
    np.testing.assert_allclose(cam.position, (3.0, 1.5, 6.0 * math.cos(math.radians(30))))


def test_bad_camera_settings_are_refused():
    with pytest.raises(ConfigError, match="camera preset"):
        camera_preset("overhead")
    with pytest.raises(ConfigError, match="image size"):
        Camera(width=0)
    with pytest.raises(ConfigError, match="straight up or down"):
        Camera(position=(0.0, 5.0, 0.0), target=(0.0, 0.0, 0.0))
