"""MediaPipe Pose (BlazePose GHUM 3D) as a balletmirror pose backend.

Uses ``mediapipe.solutions.pose`` from mediapipe 0.10.21 with ``model_complexity=1``
(the "full" model, whose weights ship inside the wheel: nothing is downloaded; the
"lite" and "heavy" models would download theirs and fail offline).  Video mode
(``static_image_mode=False``) tracks the person from frame to frame.

Landmark mapping (BlazePose index -> canonical joint): 0 nose, 2/5 eyes (centre),
7/8 ears, 11/12 shoulders, 13/14 elbows, 15/16 wrists, 23/24 hips, 25/26 knees,
27/28 ankles, 29/30 heels, 31/32 foot index (-> toes).  BlazePose's "left" is the
person's left.  ``mid_hip`` and ``neck`` are derived by :class:`~balletmirror.Motion`.

World landmarks come in metres with origin between the hips, x right, y *down*,
z away from the camera; they are turned into our convention (Y up, z towards the
camera) by negating y and z (a rotation of 180 degrees about x, still right-handed).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator

import numpy as np

from ..core.skeleton import JOINTS, J
from . import PoseResult

BLAZEPOSE_TO_CANONICAL: dict[int, str] = {
    0: "nose", 2: "left_eye", 5: "right_eye", 7: "left_ear", 8: "right_ear",
    11: "left_shoulder", 12: "right_shoulder", 13: "left_elbow", 14: "right_elbow",
    15: "left_wrist", 16: "right_wrist", 23: "left_hip", 24: "right_hip",
    25: "left_knee", 26: "right_knee", 27: "left_ankle", 28: "right_ankle",
    29: "left_heel", 30: "right_heel", 31: "left_toe", 32: "right_toe",
}
_SRC = np.array(list(BLAZEPOSE_TO_CANONICAL))
_DST = np.array([J[n] for n in BLAZEPOSE_TO_CANONICAL.values()])
_WORLD_AXES = np.array([1.0, -1.0, -1.0])


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ (glog/TFLite) log lines MediaPipe writes straight to fds 1 and 2.

    They cannot be turned off from Python once the library is loaded, so both file
    descriptors point at /dev/null for the duration, and C's stdio buffers are
    flushed before they are restored (Python exceptions still propagate).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        _flush_c_stdio()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


class MediaPipePose:
    """BlazePose through ``mediapipe.solutions.pose`` (offline, bundled weights).

    Parameters
    ----------
    model_complexity : int
        Must be 1 here: 0 and 2 download their weights at first use.
    min_detection_confidence, min_tracking_confidence : float
        MediaPipe's thresholds, in [0, 1].
    static_image_mode : bool
        Detect afresh in every frame (slower; no tracking).
    smooth_landmarks : bool
        MediaPipe's own causal smoothing (a One-Euro filter).  Off by default: being
        causal it delays the keypoints by 15-35 ms (measured on the studio against the
        true keypoints by cross-correlating their velocities; 0-10 ms without it),
        which put the timing on the music 30 ms late.  Cleaning runs the same filter
        forwards and backwards instead (:func:`balletmirror.features.clean.one_euro`), which
        holds stillness as still without the delay.
    """

    def __init__(self, *, model_complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, static_image_mode: bool = False,
                 smooth_landmarks: bool = False):
        with _quiet_native_stderr():
            from mediapipe.python.solutions import pose as mp_pose

            self._pose = mp_pose.Pose(static_image_mode=static_image_mode,
                                      model_complexity=model_complexity,
                                      smooth_landmarks=smooth_landmarks,
                                      min_detection_confidence=min_detection_confidence,
                                      min_tracking_confidence=min_tracking_confidence)
            # Graph threads finish starting (and log) during the first frame: let
            # them do it now, on a blank frame, while the logs are silenced.
            self._pose.process(np.zeros((64, 64, 3), dtype=np.uint8))
        self._tracked = 0

    def process(self, rgb: np.ndarray) -> PoseResult | None:
        """Pose in one upright RGB frame (rows, cols, 3) uint8, or None if nobody."""
        if self._tracked < 3:  # the graph logs when it starts and when tracking starts
            with _quiet_native_stderr():
                found = self._pose.process(rgb)
        else:
            found = self._pose.process(rgb)
        if found.pose_landmarks is None:
            return None
        self._tracked += 1
        lm = found.pose_landmarks.landmark
        wl = found.pose_world_landmarks.landmark
        raw = np.array([(p.x, p.y, p.visibility) for p in lm])
        raw_world = np.array([(p.x, p.y, p.z) for p in wl]) * _WORLD_AXES
        image = np.full((len(JOINTS), 2), np.nan)
        conf = np.zeros(len(JOINTS))
        world = np.full((len(JOINTS), 3), np.nan)
        image[_DST] = raw[_SRC, :2]
        conf[_DST] = np.clip(raw[_SRC, 2], 0.0, 1.0)
        world[_DST] = raw_world[_SRC]
        return PoseResult(image=image, confidence=conf, world=world)

    def close(self) -> None:
        self._pose.close()
