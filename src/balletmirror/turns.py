"""Counting turns from a single 2D view (groundwork of the turn counter).

Seen from one camera, a turning body shows its full width twice a turn (facing the
camera, and showing its back) and its narrowest width twice a turn (the two
profiles, when the hip and shoulder lines point at the camera).  The width itself
survives the pose model's left/right label swaps (only its sign flips), so the
*profile passages* — minima of the apparent shoulder-and-hip width — are a cue that
does not depend on which side MediaPipe believes it sees: two per turn, whatever the
camera's position.  It does not tell the direction: the nose's drift across the
neck, the obvious 2D cue, is confounded by spotting (the head holds the front while
the body turns, then whips round), so the direction is left to the 3D yaw
(:func:`balletmirror.kinematics.rotation_segments`).

:func:`profile_passages` finds the passages with hysteresis (the width must come
back above ``high`` between two passages, so a wobble is not a turn);
:func:`count_turns_2d` turns them into a count to the nearest half turn (a quarter
when the rotation ends in profile).  Measured on the studio's true 2D keypoints
(tests/test_turns.py): exact for pirouettes of 1-3 turns and 8-32 fouettés from the
front, three-quarter, side and back views; not yet on the pose model's keypoints.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .skeleton import J


@dataclasses.dataclass(frozen=True)
class TurnCount:
    """Turns counted over a stretch of frames.

    Attributes
    ----------
    turns : float
        Unsigned, to the nearest quarter.
    passages_s : list of float
        Times of the profile passages (two per turn), seconds.
    """

    turns: float
    passages_s: list[float]


def apparent_width(points: np.ndarray, *, quantile: float = 0.95) -> np.ndarray:
    """|shoulder width| + |hip width| in the image, over its ``quantile`` (frames,).

    1 when she faces or shows her back to the camera, near 0 in profile; NaN where
    the shoulders or hips are unknown.  Label-swap proof (absolute widths).
    """
    w = (np.abs(points[:, J["left_shoulder"], 0] - points[:, J["right_shoulder"], 0])
         + np.abs(points[:, J["left_hip"], 0] - points[:, J["right_hip"], 0]))
    known = w[np.isfinite(w)]
    full = np.quantile(known, quantile) if known.size else np.nan
    return w / full


def profile_passages(width: np.ndarray, *, low: float = 0.45, high: float = 0.7
                     ) -> list[int]:
    """Frame indices of the profile passages: the narrowest frame of each dip of the
    normalised ``width`` below ``low``, dips separated by a return above ``high``."""
    passages, armed, best = [], True, None
    for t, w in enumerate(width):
        if not np.isfinite(w):
            continue
        if armed and w < low:
            armed, best = False, t
        elif not armed and w < width[best]:
            best = t
        elif not armed and w > high:
            passages.append(best)
            armed, best = True, None
    if best is not None:
        passages.append(best)
    return passages


def count_turns_2d(times: np.ndarray, points: np.ndarray, *, low: float = 0.45,
                   high: float = 0.7) -> TurnCount:
    """Turns in a stretch of 2D keypoints (frames, joints, 2) that holds one rotation.

    ``turns`` = passages / 2, to the nearest quarter: a stretch that starts in
    profile (width below ``low``: the camera at her side) does not count its first dip;
    one that starts facing (or backing) the camera and ends in profile has turned a
    quarter less than its passages say.
    """
    width = apparent_width(points)
    passages = profile_passages(width, low=low, high=high)
    known = np.flatnonzero(np.isfinite(width))
    starts = bool(known.size) and width[known[0]] < low
    ends = bool(known.size) and width[known[-1]] < low
    if starts and passages:  # she started in profile: that dip is not a passage
        passages = passages[1:]
    count = len(passages) / 2.0 - (0.25 if ends and not starts else 0.0)
    return TurnCount(turns=float(np.round(count * 4) / 4),
                     passages_s=[float(times[i]) for i in passages])
