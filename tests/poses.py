"""Constructed poses with known geometry for the tests (metres, Y up, facing +z)."""

from __future__ import annotations

import numpy as np

from balletmirror.motion import Motion
from balletmirror.skeleton import JOINTS, J

#: A standing body facing +z: her left is +x.
STANDING = {
    "nose": (0.0, 1.52, 0.08), "left_eye": (0.03, 1.56, 0.07), "right_eye": (-0.03, 1.56, 0.07),
    "left_ear": (0.07, 1.54, 0.0), "right_ear": (-0.07, 1.54, 0.0),
    "left_shoulder": (0.17, 1.35, 0.0), "right_shoulder": (-0.17, 1.35, 0.0),
    "left_elbow": (0.17, 1.05, 0.0), "right_elbow": (-0.17, 1.05, 0.0),
    "left_wrist": (0.17, 0.80, 0.0), "right_wrist": (-0.17, 0.80, 0.0),
    "left_hip": (0.09, 0.87, 0.0), "right_hip": (-0.09, 0.87, 0.0),
    "left_knee": (0.09, 0.47, 0.0), "right_knee": (-0.09, 0.47, 0.0),
    "left_ankle": (0.09, 0.07, 0.0), "right_ankle": (-0.09, 0.07, 0.0),
    "left_heel": (0.09, 0.0, -0.05), "right_heel": (-0.09, 0.0, -0.05),
    "left_toe": (0.09, 0.0, 0.15), "right_toe": (-0.09, 0.0, 0.15),
}


def standing_points() -> np.ndarray:
    """(joints, 3) of the standing pose; derived joints filled."""
    p = np.full((len(JOINTS), 3), np.nan)
    for name, xyz in STANDING.items():
        p[J[name]] = xyz
    p[J["mid_hip"]] = 0.5 * (p[J["left_hip"]] + p[J["right_hip"]])
    p[J["neck"]] = 0.5 * (p[J["left_shoulder"]] + p[J["right_shoulder"]])
    return p


def motion_of(points: np.ndarray, *, fps: float = 50.0, **kwargs) -> Motion:
    """A world Motion from (frames, joints, 3) points (or one frame (joints, 3))."""
    pts = points[None] if points.ndim == 2 else points
    return Motion(positions=pts, confidence=np.ones(pts.shape[:2]),
                  times=np.arange(len(pts)) / fps, fps=fps, **kwargs)


def rotate_y(points: np.ndarray, degrees: np.ndarray | float) -> np.ndarray:
    """Rotate (..., joints, 3) points about the vertical axis by ``degrees`` (per frame)."""
    a = np.radians(np.asarray(degrees, dtype=float))
    c, s = np.cos(a), np.sin(a)
    x = c[..., None] * points[..., 0] + s[..., None] * points[..., 2]
    z = -s[..., None] * points[..., 0] + c[..., None] * points[..., 2]
    return np.stack([x, points[..., 1], z], axis=-1)


def spin(turns: float, *, seconds: float, fps: float = 50.0) -> np.ndarray:
    """(frames, joints, 3): the standing pose turning ``turns`` times at constant speed,
    counter-clockwise seen from above for positive ``turns``."""
    n = int(round(seconds * fps)) + 1
    yaw = np.linspace(0.0, 360.0 * turns, n)
    return rotate_y(np.broadcast_to(standing_points(), (n, len(JOINTS), 3)), yaw)


def project_front(points: np.ndarray, *, px_per_m: float = 300.0) -> np.ndarray:
    """Orthographic projection onto an image seen from +z: x right, y down, pixels."""
    x = 480 + px_per_m * points[..., 0]
    y = 520 - px_per_m * points[..., 1]
    return np.stack([x, y], axis=-1)
