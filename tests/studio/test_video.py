"""Filming the synthetic studio: the true keypoints, drawing order, face and hair, video,
and whether MediaPipe sees the mannequin (slow)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from balletmirror.core.camera import Camera, camera_preset, project
from balletmirror.core.errors import ConfigError, InputError
from balletmirror.core.skeleton import J
from balletmirror.studio.paint import DEFAULT_PALETTE
from balletmirror.studio.procedural import demo_motion
from balletmirror.studio.video import (
    body_height,
    click_track,
    project_motion,
    render_frame,
    render_video,
    standing_height_px,
)

pytest.importorskip("cv2")  # drawing; PyAV is checked by the video tests
H = 1.65


@pytest.fixture(scope="module")
def standing() -> np.ndarray:
    """The demo dancer standing in first position, arms low (23, 3), metres."""
    return demo_motion(fps=10, noise_m=0.0).positions[0].copy()


def level_camera(**kw) -> Camera:
    """A camera at (0, 1, 5) looking horizontally towards -z."""
    return Camera(position=(0.0, 1.0, 5.0), target=(0.0, 1.0, 0.0), **kw)


def nearest(pixel: np.ndarray, colours: dict) -> str:
    """Name of the colour closest to ``pixel`` (RGB)."""
    return min(colours, key=lambda k: np.linalg.norm(np.subtract(pixel, colours[k], dtype=float)))


def test_project_motion_gives_image_space_keypoints():
    motion = demo_motion(fps=10)
    cam = camera_preset("front")
    keypoints = project_motion(motion, cam)
    assert keypoints.shape == (motion.n_frames, 23, 2)
    # facing the camera, her left hip is on the image's right
    assert (keypoints[:5, J["left_hip"], 0] > keypoints[:5, J["right_hip"], 0]).all()
    with pytest.raises(InputError, match="shape"):
        project_motion(np.zeros((4, 17, 3)), cam)


def test_body_height_and_its_size_in_pixels():
    motion = demo_motion(fps=10, height=1.8)
    assert body_height(motion) == pytest.approx(1.8, rel=0.02)
    cam = level_camera(focal_px=1000.0)
    px = standing_height_px(motion, cam, height_m=1.8)
    depth = 5.0 - motion.positions[:, J["mid_hip"], 2]
    np.testing.assert_allclose(px, 1000.0 * 1.8 / depth)


# ------------------------------------------------------------------ drawing
def test_a_frame_is_an_rgb_image_of_the_camera_size(standing):
    img = render_frame(standing, camera_preset("front", width=480, height=270), height_m=H)
    assert img.shape == (270, 480, 3) and img.dtype == np.uint8


def _arm_across_the_body(points: np.ndarray, z: float) -> np.ndarray:
    """The right forearm horizontal across the chest, ``z`` metres in front (+) of or
    behind (-) the body."""
    p = points.copy()
    chest_y = p[J["neck"], 1] - 0.12
    p[J["right_elbow"]] = [-0.12, chest_y, z]
    p[J["right_wrist"]] = [0.14, chest_y, z]
    return p


@pytest.mark.parametrize(("z", "expected"), [(0.3, "skin"), (-0.3, "leotard")])
def test_parts_are_drawn_farthest_first(standing, z, expected):
    points = _arm_across_the_body(standing, z)
    cam = camera_preset("front")
    img = render_frame(points, cam, height_m=H)
    mid = 0.5 * (points[J["right_elbow"]] + points[J["right_wrist"]])
    x, y = project(mid, cam)[0].astype(int)
    colours = {"skin": DEFAULT_PALETTE.skin, "leotard": DEFAULT_PALETTE.leotard}
    assert nearest(img[y, x], colours) == expected


@pytest.mark.parametrize(("view", "expected"), [("front", "tights"), ("back", "leotard")])
def test_a_leg_raised_in_front_covers_the_pelvis_or_hides_behind_it(standing, view, expected):
    """The right thigh raised horizontally in front (développé devant at 90 degrees):
    from the front the knee covers the leotard; from the back the pelvis hides it."""
    p = standing.copy()
    hip = p[J["right_hip"]]
    p[J["right_knee"]] = hip + [0.0, 0.0, 0.40]
    p[J["right_ankle"]] = p[J["right_knee"]] + [0.0, -0.40, 0.0]
    p[J["right_heel"]] = p[J["right_ankle"]] + [0.0, -0.03, -0.05]
    p[J["right_toe"]] = p[J["right_ankle"]] + [0.0, -0.03, 0.15]
    cam = camera_preset(view)
    img = render_frame(p, cam, height_m=H)
    x, y = project(p[J["right_knee"]], cam)[0].astype(int)
    colours = {"tights": DEFAULT_PALETTE.tights, "leotard": DEFAULT_PALETTE.leotard}
    assert nearest(img[y, x], colours) == expected


def _head_pixels(points: np.ndarray, cam: Camera, img: np.ndarray) -> np.ndarray:
    """Pixels (n, 3) within 10 cm of the head's centre (the ears' mid-point)."""
    centre = 0.5 * (points[J["left_ear"]] + points[J["right_ear"]])
    (cx, cy), depth = project(centre, cam)
    r = cam.focal * 0.10 / depth
    ys, xs = np.mgrid[0:img.shape[0], 0:img.shape[1]] + 0.5
    return img[(xs - cx) ** 2 + (ys - cy) ** 2 < r * r]


def _share(pixels: np.ndarray, name: str) -> float:
    """Share of the figure's pixels (the wall left out) nearest to colour ``name``."""
    p = DEFAULT_PALETTE
    colours = {"skin": p.skin, "hair": p.hair, "eye": p.eye_white, "wall": p.wall,
               "leotard": p.leotard}
    names = [nearest(px, colours) for px in pixels]
    figure = [n for n in names if n != "wall"]
    return figure.count(name) / len(figure)


def _close_up(view: str) -> Camera:
    """A camera 1.2 m from the head, so that the eyes are several pixels wide."""
    return camera_preset(view, distance_m=1.2, height_m=1.55, target_m=(0.0, 1.5, 0.0))


@pytest.mark.parametrize("close", [False, True])
@pytest.mark.parametrize(("view", "face"), [("front", True), ("back", False)])
def test_the_face_shows_towards_the_camera_and_the_hair_away(standing, view, face, close):
    cam = _close_up(view) if close else camera_preset(view)
    pixels = _head_pixels(standing, cam, render_frame(standing, cam, height_m=H))
    skin, hair = _share(pixels, "skin"), _share(pixels, "hair")
    if face:
        assert skin > 0.6 and hair < 0.3
    else:
        assert hair > 0.6 and skin < 0.35
    if close:  # the eyes are resolved: painted green, they show only from the front
        green = dataclasses.replace(DEFAULT_PALETTE, eye_white=(0, 255, 0))
        img = render_frame(standing, cam, height_m=H, palette=green)
        pixels = _head_pixels(standing, cam, img)
        eyes = np.mean([nearest(px, {"eye": (0, 255, 0), "other": DEFAULT_PALETTE.skin,
                                     "hair": DEFAULT_PALETTE.hair, "wall": DEFAULT_PALETTE.wall})
                        == "eye" for px in pixels])
        assert (eyes > 0.002) == face


def test_in_profile_both_face_and_hair_show(standing):
    cam = camera_preset("side")
    pixels = _head_pixels(standing, cam, render_frame(standing, cam, height_m=H))
    assert _share(pixels, "skin") > 0.3 and _share(pixels, "hair") > 0.25


def test_noise_is_seeded_and_blur_smooths(standing):
    cam = camera_preset("front", width=320, height=180)
    a = render_frame(standing, cam, height_m=H, noise_std=6.0, seed=3)
    b = render_frame(standing, cam, height_m=H, noise_std=6.0, seed=3)
    clean = render_frame(standing, cam, height_m=H)
    blurred = render_frame(standing, cam, height_m=H, blur_px=2.0)
    np.testing.assert_array_equal(a, b)
    assert 4.0 < np.std(a.astype(float) - clean) < 8.0
    assert np.abs(np.diff(blurred.astype(float), axis=1)).mean() < \
        np.abs(np.diff(clean.astype(float), axis=1)).mean()


def test_a_dancer_behind_the_camera_is_refused(standing):
    cam = Camera(position=(0.0, 1.0, 0.5), target=(0.0, 1.0, 5.0))
    with pytest.raises(InputError, match="in front of the camera"):
        render_frame(standing, cam, height_m=H)


# --------------------------------------------------------------------- audio
def test_click_track_beats_and_accents():
    sr = 8000
    y = click_track(4.0, bpm=120, offset_s=0.25, sr=sr)
    assert y.shape == (4 * sr,) and y.dtype == np.float32 and np.abs(y).max() <= 1.0
    beats = 0.25 + 0.5 * np.arange(8)
    peaks = [np.abs(y[int(b * sr):int(b * sr) + 200]).max() for b in beats]
    assert peaks[0] > 1.5 * max(peaks[1:])  # the downbeat is accented
    assert min(peaks[1:]) > 0.3
    assert np.abs(y[: int(0.24 * sr)]).max() == 0.0  # silence before the first beat
    with pytest.raises(ConfigError, match="bpm"):
        click_track(1.0, bpm=0)


# --------------------------------------------------------------------- video
def _probe(path):
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = list(c.decode(v))
        return {"frames": len(frames), "size": (v.codec_context.width, v.codec_context.height),
                "codec": v.codec_context.name, "pix_fmt": v.codec_context.pix_fmt,
                "times": [f.time for f in frames], "audio": len(c.streams.audio),
                "audio_rate": c.streams.audio[0].rate if c.streams.audio else None}


def test_render_video_writes_h264_with_audio(tmp_path):
    pytest.importorskip("av")
    motion = demo_motion(fps=24).slice(0, 12)
    cam = camera_preset("front", width=320, height=180)
    y = click_track(0.5, bpm=120, sr=22050)
    path = render_video(motion, 24, cam, tmp_path / "clip.mp4", audio=y, sr=22050)
    info = _probe(path)
    assert info["frames"] == 12 and info["size"] == (320, 180)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["times"][-1] == pytest.approx(11 / 24, abs=1e-3)
    assert info["audio"] == 1 and info["audio_rate"] == 22050


def test_render_video_keeps_variable_timestamps_and_no_audio(tmp_path):
    pytest.importorskip("av")
    motion = demo_motion(fps=24).slice(0, 6)
    times = np.array([0.0, 0.04, 0.1, 0.15, 0.3, 0.32])
    cam = camera_preset("side", width=160, height=96)
    info = _probe(render_video(motion, times, cam, tmp_path / "vfr.mp4"))
    assert info["frames"] == 6 and info["audio"] == 0
    np.testing.assert_allclose(info["times"], times, atol=1e-3)


def test_render_video_takes_a_motions_own_times(tmp_path):
    pytest.importorskip("av")
    motion = demo_motion(fps=20).slice(10, 14)
    cam = camera_preset("front", width=160, height=96)
    info = _probe(render_video(motion, None, cam, tmp_path / "own.mp4"))
    np.testing.assert_allclose(info["times"], [0.0, 0.05, 0.1, 0.15], atol=1e-3)
    with pytest.raises(ConfigError, match="times or fps"):
        render_video(motion.positions, None, cam, tmp_path / "x.mp4")


# ----------------------------------------------------------- detectability
LIMBS = [J[f"{s}_{n}"] for n in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
         for s in ("left", "right")]


@pytest.mark.slow
@pytest.mark.parametrize("view", ["front", "side", "three-quarter"])
def test_mediapipe_finds_the_mannequin_where_it_is(tmp_path, view):
    """30 frames (relevé, passé, the start of the turns) at 15 frames/s: the person is
    found in every frame and the mean limb-joint error is under 5 % of the body
    height in at least 80 % of them."""
    pytest.importorskip("mediapipe")
    from balletmirror.io import read_motion

    motion = demo_motion(fps=15).slice(int(8.8 * 15), int(8.8 * 15) + 30)
    cam = camera_preset(view)
    raw = read_motion(render_video(motion, None, cam, tmp_path / f"{view}.mp4", height_m=H))
    truth = project_motion(motion, cam)
    err = np.linalg.norm(raw.positions - truth, axis=-1) / standing_height_px(
        motion, cam, height_m=H)[:, None]
    within = np.nan_to_num(err[:, LIMBS].mean(axis=1), nan=1.0) < 0.05
    assert raw.covered.mean() == 1.0
    assert within.mean() >= 0.8, f"{view}: {within.mean():.0%} of frames within 5 %"
