"""A video read by a pose backend: the dancer's pose in every frame, as a raw Motion.

Frames come from :func:`balletmirror.io.video.iter_frames` (decoded in a background
thread, upright, downscaled for the model), one at a time: memory does not grow with
the video's length; only the landmarks (a few hundred bytes a frame) are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..core.motion import Motion
from ..core.skeleton import JOINTS
from ..io.video import VideoInfo, iter_frames, probe_video
from . import open_backend

#: Frame periods a video may end before its declared duration and still be whole.
MISSING_FRAMES = 3

Progress = Callable[[int, int | None], None]


def read_video(path: Path, *, progress: Progress | None = None, max_side: int | None = 1280,
               backend: str = "mediapipe", **pose_options) -> Motion:
    """Pose of the dancer in every frame of a video, as a raw image-space Motion.

    Parameters
    ----------
    path : Path
        Any video PyAV can decode.
    progress : callable(done, total), optional
        Called after each frame (``total`` may be None when the container does not know).
    max_side : int or None
        Longest side fed to the pose model, pixels (coordinates are returned in the
        full-resolution upright frame regardless).
    backend : str
        Pose backend name in :data:`balletmirror.pose.BACKENDS`.
    **pose_options
        Passed to the backend (e.g. ``model_complexity``).

    Returns
    -------
    Motion
        ``space="image"``, ``units="px"``, confidence = the backend's visibility, and
        ``world`` = its 3D estimate in metres (pelvis-centred, Y up).  Frames without a
        person are NaN with confidence 0 (never invented).

    Raises
    ------
    InputError
        Unreadable video, or no person in any frame.
    """
    info = probe_video(path)
    frames = _FrameBuffer(info.frames or 1024)
    report: dict = {}
    with open_backend(backend, **pose_options) as pose:
        for i, (t, rgb) in enumerate(iter_frames(path, max_side=max_side, report=report)):
            if frames.n and t <= frames.last_time:
                continue  # a repeated timestamp (broken VFR muxing): keep the first frame
            frames.append(t, pose.process(rgb), (info.width, info.height))
            if progress is not None:
                progress(i + 1, info.frames)
    return _assemble(path, info, backend, frames, incomplete(info, frames, report))


def incomplete(info: VideoInfo, frames: _FrameBuffer, report: dict) -> dict | None:
    """Where a truncated or damaged video stopped being readable, or None.

    The video is incomplete when decoding broke off (``report["error"]``) or its last
    frame came more than :data:`MISSING_FRAMES` frame periods before the video stream's
    declared end (a file cut short: its header still promises the whole).

    Returns
    -------
    dict or None
        ``readable_until_s`` (the last frame read, s), ``declared_s`` (what the file
        promises, s, or None) and ``reason``.
    """
    # the container's duration is its longest stream's: trusted only without sound
    declared = info.stream_duration_s or (None if info.has_audio else info.duration_s)
    last = float(frames.times[frames.n - 1]) if frames.n else 0.0
    short = declared is not None and last + MISSING_FRAMES / info.fps < declared
    if not (short or "error" in report):
        return None
    reason = report.get("error") or f"the file declares {declared:.2f} s: cut short?"
    return {"readable_until_s": round(last, 3),
            "declared_s": None if declared is None else round(declared, 3),
            "reason": reason}


class _FrameBuffer:
    """Per-frame pose results in preallocated arrays (grown by doubling), so that a
    long video costs a few hundred bytes a frame and no Python object per frame."""

    def __init__(self, capacity: int):
        n = len(JOINTS)
        self.n = 0
        self.found = 0
        self.times = np.empty(capacity)
        self.image = np.full((capacity, n, 2), np.nan)
        self.confidence = np.zeros((capacity, n))
        self.world = np.full((capacity, n, 3), np.nan)

    @property
    def last_time(self) -> float:
        return float(self.times[self.n - 1])

    def _grow(self) -> None:
        for name, fill in (("times", np.nan), ("image", np.nan), ("confidence", 0.0),
                           ("world", np.nan)):
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.full_like(arr, fill)]))

    def append(self, t: float, found, size: tuple[int, int]) -> None:
        if self.n == len(self.times):
            self._grow()
        self.times[self.n] = t
        if found is not None:
            self.image[self.n] = found.image * size
            self.confidence[self.n] = found.confidence
            self.world[self.n] = found.world
            self.found += 1
        self.n += 1


def _assemble(path: Path, info: VideoInfo, backend: str, frames: _FrameBuffer,
              gap: dict | None = None) -> Motion:
    if frames.n == 0:
        raise InputError(f"{path}: the video holds no decodable frame")
    if frames.found == 0:
        raise InputError(f"{path}: no person found in any of its {frames.n} frames")
    n = frames.n
    times = frames.times[:n]
    steps = np.diff(times)
    fps = 1.0 / float(np.median(steps)) if len(steps) else info.fps
    return Motion(positions=frames.image[:n], confidence=np.clip(frames.confidence[:n], 0, 1),
                  times=times, fps=fps, space="image", units="px", world=frames.world[:n],
                  image_size=(info.width, info.height),
                  provenance={"reader": "video", "path": str(path), "backend": backend,
                              "codec": info.codec, "rotation": info.rotation,
                              "container_fps": info.fps, "frames": n,
                              "frames_with_person": frames.found, "has_audio": info.has_audio,
                              **({"incomplete": gap} if gap else {})})
