"""Filming the studio: frames and H.264 video of a 3D dancer, her click track, and the
keypoints the camera sees.

A motion of the canonical skeleton (frames, 23, 3) in metres (world: right-handed,
Y up; the dancer initially faces +z, her left is +x) is drawn frame by frame as the
mannequin (:mod:`.figure`) in the room (:mod:`.room`) and written as an H.264 video
that a pose model sees like a real dancer.  The projected joints
(:func:`project_motion`) are the ground truth every later accuracy figure is measured
against; :func:`ideal_pose_model` is what a perfect pose model would return.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..core.camera import Camera, project
from ..core.errors import ConfigError, InputError
from ..core.geometry import body_height as skeleton_height
from ..core.motion import Motion
from ..core.skeleton import JOINTS, J
from ..io.video_write import H264Writer
from .figure import draw_figure
from .paint import DEFAULT_PALETTE, Palette
from .room import draw_shadow, studio_background


# ------------------------------------------------------------ the truth keypoints
def _world_points(points) -> np.ndarray:
    """(frames, 23, 3) float array from a world-space Motion or an array, metres."""
    if isinstance(points, Motion):
        if points.space != "world" or points.units != "m":
            raise InputError(f"Expected a world-space Motion in metres, but got "
                             f"space={points.space!r}, units={points.units!r}")
        points = points.positions
    arr = np.asarray(points, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (len(JOINTS), 3):
        raise InputError(f"Expected points of shape (frames, {len(JOINTS)}, 3), "
                         f"but got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError("Expected finite joint positions to render, but got NaN or inf")
    return arr


def project_motion(points, camera: Camera) -> np.ndarray:
    """Image-space keypoints of a 3D motion: the ground truth for a pose model.

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions of the canonical joints, metres.
    camera : Camera

    Returns
    -------
    array (frames, 23, 2)
        Pixels, x right, y down (the convention of image-space :class:`Motion`).
    """
    return project(_world_points(points), camera)[0]


def ideal_pose_model(motion: Motion, camera: Camera, *, world: bool = True,
                     provenance: dict | None = None) -> Motion:
    """What a perfect pose model would return for ``motion`` filmed by ``camera``.

    Parameters
    ----------
    motion : Motion
        World space, metres.
    camera : Camera
    world : bool
        Add the camera-aligned 3D companion MediaPipe gives (metres, centred between
        the hips, x to the image's right, y up, z towards the lens): the studio's
        oracle for the analysis stages (views, technique) without the pose model's
        errors.  Without it, the bare keypoints (the studio's ``keypoints.npz``).
    provenance : dict, optional
        Instead of ``{"reader": "studio", "backend": "ideal"}``.

    Returns
    -------
    Motion
        Image space: the exact projected keypoints (pixels), confidence 1.
    """
    points = _world_points(motion)
    cam = None
    if world:
        cam = camera.to_camera(points) * np.array([1.0, -1.0, -1.0])
        cam = cam - cam[:, J["mid_hip"]][:, None, :]
    pixels = project_motion(points, camera)
    return Motion(positions=pixels, confidence=np.ones(pixels.shape[:2]), times=motion.times,
                  fps=motion.fps, space="image", units="px", world=cam,
                  image_size=(camera.width, camera.height),
                  provenance=provenance or {"reader": "studio", "backend": "ideal"})


def body_height(points) -> float:
    """Standing body height, metres: :func:`balletmirror.core.geometry.body_height` of the
    world positions (a Motion or an array (frames, 23, 3))."""
    return skeleton_height(_world_points(points))


def standing_height_px(points, camera: Camera, *, height_m: float | None = None) -> np.ndarray:
    """Projected standing body height per frame, pixels: ``f * H / depth(mid_hip)``.

    The unit of the studio's error tolerances ("within 5 % of body height").

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions, metres.
    camera : Camera
    height_m : float, optional
        Body height in metres (default: :func:`body_height`).

    Returns
    -------
    array (frames,)
    """
    p = _world_points(points)
    h = body_height(p) if height_m is None else float(height_m)
    depth = camera.to_camera(p[:, J["mid_hip"]])[:, 2]
    return camera.focal * h / depth


# ---------------------------------------------------------------- frames
class _Noise:
    """Gaussian pixel noise from a few pre-drawn fields, shifted at random each frame
    (drawing 1.5 million normals per frame would cost more than the drawing)."""

    def __init__(self, shape: tuple[int, int], std: float, rng: np.random.Generator):
        pad = 32
        self.rng, self.shape, self.pad = rng, shape, pad
        size = (shape[0] + pad, shape[1] + pad, 3)
        self.fields = [np.round(rng.normal(0.0, std, size)).astype(np.int16) for _ in range(3)]

    def add(self, img: np.ndarray) -> np.ndarray:
        field = self.fields[int(self.rng.integers(len(self.fields)))]
        dy, dx = (int(v) for v in self.rng.integers(0, self.pad, 2))
        noise = field[dy:dy + self.shape[0], dx:dx + self.shape[1]]
        return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def render_frames(points, camera: Camera, *, height_m: float | None = None,
                  palette: Palette = DEFAULT_PALETTE, blur_px: float = 0.0,
                  noise_std: float = 0.0, seed: int = 0, barre: bool = True,
                  shadow: bool = True) -> Iterator[np.ndarray]:
    """Render a motion frame by frame (a generator: one frame in memory at a time).

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions of the canonical joints, metres (Y up).
    camera : Camera
    height_m : float, optional
        Body height in metres; default from the Motion's ``provenance["height_m"]``
        or :func:`body_height`.
    palette : Palette
        Colours.
    blur_px : float
        Standard deviation of a Gaussian blur of the whole frame, pixels (0: none).
    noise_std : float
        Standard deviation of Gaussian pixel noise, 8-bit levels (0: none).
    seed : int
        Seed of the noise.
    barre, shadow : bool
        Draw a barre on the wall; a contact shadow under the dancer.

    Yields
    ------
    array (camera.height, camera.width, 3) uint8
        RGB frames.
    """
    import cv2

    h = _height_of(points) if height_m is None else float(height_m)
    p = _world_points(points)
    background = studio_background(camera, palette=palette, barre=barre)
    noise = _Noise(background.shape[:2], noise_std, np.random.default_rng(seed)) \
        if noise_std > 0 else None
    for frame in p:
        img = background.copy()
        if shadow:
            draw_shadow(img, frame, camera, h)
        draw_figure(img, frame, camera, height_m=h, palette=palette)
        if blur_px > 0:
            img = cv2.GaussianBlur(img, (0, 0), blur_px)
        yield noise.add(img) if noise is not None else img


def render_frame(points: np.ndarray, camera: Camera, **options) -> np.ndarray:
    """One frame (camera.height, camera.width, 3) uint8 RGB of the joints (23, 3) in
    metres; ``options`` as for :func:`render_frames` (give ``height_m`` for a single
    frame, the estimate from one frame is less stable)."""
    return next(render_frames(np.asarray(points, dtype=float)[None], camera, **options))


def _height_of(points) -> float:
    if isinstance(points, Motion) and "height_m" in points.provenance:
        return float(points.provenance["height_m"])
    return body_height(points)


# ------------------------------------------------------------------ audio
def click_track(duration_s: float, *, bpm: float, offset_s: float = 0.0,
                sr: int = 22050) -> np.ndarray:
    """A metronome: a short decaying sine burst on every beat.

    Parameters
    ----------
    duration_s : float
        Length of the track, seconds.
    bpm : float
        Beats per minute.
    offset_s : float
        Time of the first beat, seconds.
    sr : int
        Sample rate, Hz.

    Returns
    -------
    array (round(duration_s * sr),) float32
        Mono samples in [-1, 1].  Every 8th beat (counts "1" of a ballet phrase of
        eight, starting with the first) is accented: 1.5 kHz at amplitude 0.9;
        the others 1 kHz at 0.5; each burst lasts 60 ms with a 12 ms decay.
    """
    if not (bpm > 0 and sr > 0 and duration_s >= 0):
        raise ConfigError(f"Expected bpm > 0, sr > 0, duration_s >= 0, but got "
                          f"bpm={bpm}, sr={sr}, duration_s={duration_s}")
    y = np.zeros(int(round(duration_s * sr)), np.float32)
    t = np.arange(int(0.06 * sr)) / sr
    envelope = np.exp(-t / 0.012)
    clicks = {True: 0.9 * envelope * np.sin(2 * np.pi * 1500 * t),
              False: 0.5 * envelope * np.sin(2 * np.pi * 1000 * t)}
    beats = np.arange(offset_s, duration_s, 60.0 / bpm)
    for k, beat in enumerate(beats[beats >= 0]):
        start = int(round(beat * sr))
        burst = clicks[k % 8 == 0][: len(y) - start]
        y[start:start + len(burst)] += burst
    return y


# ------------------------------------------------------------------ video


def _frame_times(times_or_fps, n: int) -> tuple[np.ndarray, float]:
    """Timestamps (n,) from 0 in seconds and the nominal rate, frames/s."""
    if np.ndim(times_or_fps) == 0:
        fps = float(times_or_fps)
        if not (math.isfinite(fps) and fps > 0):
            raise ConfigError(f"Expected fps > 0, but got {times_or_fps!r}")
        return np.arange(n) / fps, fps
    t = np.asarray(times_or_fps, dtype=float)
    if t.shape != (n,) or not np.isfinite(t).all() or (n > 1 and (np.diff(t) <= 0).any()):
        raise ConfigError(f"Expected {n} strictly increasing finite times, but got "
                          f"shape {t.shape}")
    fps = 1.0 / float(np.median(np.diff(t))) if n > 1 else 30.0
    return t - t[0], fps


def render_video(points, times_or_fps, camera: Camera, path: str | Path, *,
                 audio: np.ndarray | None = None, sr: int = 22050, crf: int = 18,
                 preset: str = "veryfast",
                 progress: Callable[[int, int], None] | None = None, **options) -> Path:
    """Render a motion as an H.264 MP4 (yuv420p: plays in browsers), streaming.

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions of the canonical joints, metres.
    times_or_fps : float or array (frames,) or None
        A constant frame rate (frames/s), or each frame's timestamp in seconds
        (variable frame rate is kept); None takes a Motion's ``times``.
    camera : Camera
    path : path
        The ``.mp4`` file to write (its folder must exist).
    audio : array (samples,), optional
        Mono audio in [-1, 1] (e.g. :func:`click_track`), muxed as AAC.
    sr : int
        Sample rate of ``audio``, Hz.
    crf : int
        x264 constant rate factor (lower is better quality; 18 is visually lossless).
    preset : str
        x264 speed preset.
    progress : callable(done, total), optional
        Called after each frame.
    **options
        Look of the frames: see :func:`render_frames` (``height_m``, ``palette``,
        ``blur_px``, ``noise_std``, ``seed``, ``barre``, ``shadow``).

    Returns
    -------
    Path
        ``path``.
    """
    p = _world_points(points)
    if times_or_fps is None:
        if not isinstance(points, Motion):
            raise ConfigError("Expected times or fps for an array of points, but got None")
        times_or_fps = points.times
    times, fps = _frame_times(times_or_fps, len(p))
    options.setdefault("height_m", _height_of(points))
    path = Path(path)
    with H264Writer(path, camera.width, camera.height, fps, audio=audio, sr=sr, crf=crf,
                    preset=preset) as writer:
        for i, img in enumerate(render_frames(p, camera, **options)):
            writer.write(img, times[i])
            if progress is not None:
                progress(i + 1, len(p))
    return path
