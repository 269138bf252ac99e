"""Geometry of the canonical skeleton: vectors, angles, the pelvis's axes, the height.

Points are arrays (frames, joints, d) in :data:`balletmirror.core.skeleton.JOINTS`
order, d = 2 (a picture: x right, y down) or 3 (Y up); NaN where a joint is unknown,
and every result is NaN where the joints it needs are.
"""

from __future__ import annotations

import numpy as np

from .skeleton import SIDES, J

#: Fractions of standing height H between joint centres (Winter 2009, *Biomechanics and
#: Motor Control of Human Movement*, 4th ed., Fig. 4.1): ankle 0.039 H, knee 0.285 H,
#: hip 0.530 H, shoulder 0.818 H above the floor.  Shank + thigh + hip-to-shoulder:
WINTER_LEG_TRUNK_FRACTION = (0.285 - 0.039) + (0.530 - 0.285) + (0.818 - 0.530)
WINTER_EYE, WINTER_ANKLE = 0.936, 0.039


def unit_vectors(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis; NaN where the length is zero or unknown."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, v / np.where(norm > 0, norm, 1.0), np.nan)


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot products along the last axis."""
    return np.einsum("...i,...i->...", a, b)


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle between vectors (..., d) in degrees, in [0, 180]; NaN if either is unknown.

    Uses ``atan2(|u x v|, u . v)``, accurate near 0 and 180 degrees (unlike arccos).
    """
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.degrees(np.arctan2(cross, dot(u, v)))


def joint_angle(points: np.ndarray, a: str, b: str, c: str) -> np.ndarray:
    """Interior angle a-b-c at joint ``b`` (frames,), degrees, of points (frames, joints, d)."""
    return angle_between(points[:, J[a]] - points[:, J[b]], points[:, J[c]] - points[:, J[b]])


def pelvis_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orthonormal pelvis axes (frames, 3) each of 3D points: lateral (to her left), up,
    forward.

    lateral = left_hip - right_hip; up = mid_hip -> neck made orthogonal to it;
    forward = lateral x up (right-handed: facing +z when lateral is +x and up +y).
    """
    lateral = unit_vectors(points[:, J["left_hip"]] - points[:, J["right_hip"]])
    trunk = points[:, J["neck"]] - points[:, J["mid_hip"]]
    up = unit_vectors(trunk - dot(trunk, lateral)[:, None] * lateral)
    forward = np.cross(lateral, up)
    return lateral, up, forward


def _segment_length(points: np.ndarray, a: str, b: str) -> np.ndarray:
    return np.linalg.norm(points[:, J[a]] - points[:, J[b]], axis=-1)


def _height_from_segments(points: np.ndarray, quantile: float) -> float:
    """(shank + thigh + trunk) / 0.779, each length a ``quantile`` over frames and sides."""
    lengths = []
    for side in SIDES:
        legs = (_segment_length(points, f"{side}_knee", f"{side}_ankle")
                + _segment_length(points, f"{side}_hip", f"{side}_knee")
                + _segment_length(points, "mid_hip", "neck"))
        lengths.append(legs)
    values = np.concatenate(lengths)
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan")
    return float(np.quantile(values, quantile) / WINTER_LEG_TRUNK_FRACTION)


def _height_from_eyes(points: np.ndarray, quantile: float = 0.9) -> float:
    """Height of the eyes over the ankles when standing tallest, / (0.936 - 0.039).

    3D, Y up.  The ``quantile`` over frames picks upright frames; relevé lifts the
    ankles with the eyes, so it does not inflate the estimate.  NaN if the eyes or
    ankles are seen in fewer than 10% of the frames.
    """
    eyes = 0.5 * (points[:, J["left_eye"], 1] + points[:, J["right_eye"], 1])
    ankles = 0.5 * (points[:, J["left_ankle"], 1] + points[:, J["right_ankle"], 1])
    rise = (eyes - ankles)[np.isfinite(eyes - ankles)]
    if rise.size < max(1, 0.1 * len(points)):
        return float("nan")
    return float(np.quantile(rise, quantile) / (WINTER_EYE - WINTER_ANKLE))


def body_height(points: np.ndarray, *, quantile: float = 0.9) -> float:
    """Standing height estimated with Winter's (2009, Fig. 4.1) proportions.

    Parameters
    ----------
    points : array (frames, joints, 2 or 3)
    quantile : float
        Over frames: picks the upright, least foreshortened ones.

    Returns
    -------
    float
        In the points' units.  3D (Y up): from the eyes' height over the ankles
        (:func:`_height_from_eyes`), which does not depend on the proportions of the
        limbs (retargeted mocap rigs have long legs: the CMU files in ../shared/data
        read 1.92 m from their segments and 1.68 m from their eyes).  2D, or 3D
        without eyes: ``H = (shank + thigh + trunk) / 0.779`` with trunk = mid-hip to
        neck, each length the ``quantile`` of its projected length over frames
        (foreshortening only ever shortens them).  NaN when the joints are never seen.
    """
    if points.shape[-1] == 3:
        height = _height_from_eyes(points, quantile)
        if np.isfinite(height):
            return height
    return _height_from_segments(points, quantile)
