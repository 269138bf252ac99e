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
(:func:`balletmirror.features.kinematics.rotation_segments`).

:func:`profile_passages` finds the passages with hysteresis (the width must come
back above ``high`` between two passages, so a wobble is not a turn);
:func:`count_turns_2d` turns them into a count to the nearest half turn (a quarter
when the rotation ends in profile).  Measured on the studio's true 2D keypoints
(tests/test_turns.py): exact for pirouettes of 1-3 turns and 8-32 fouettés from the
front, three-quarter, side and back views; not yet on the pose model's keypoints.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from ..core.series import zigzag_pivots
from ..core.skeleton import J


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


def turn_marks(times: np.ndarray, yaw: np.ndarray) -> list[float]:
    """Times (s) of the half-turn marks of an unwrapped yaw (180, 540, ... degrees
    turned), one a turn: a dancer holding the front between turns, as in fouettés,
    sits on the whole-turn marks, so those are avoided.  NaN samples are skipped."""
    known = np.isfinite(yaw)
    if known.sum() < 2:
        return []
    yaw, times = yaw[known], times[known]
    turns = np.floor((np.abs(yaw - yaw[0]) + 180.0) / 360.0)
    return [round(float(times[j]), 4) for j in np.flatnonzero(np.diff(turns) > 0) + 1]


def turn_durations(times: np.ndarray, yaw: np.ndarray) -> list[float]:
    """Seconds between successive :func:`turn_marks`: one value per full turn after
    the first."""
    return [round(b - a, 4) for a, b in itertools.pairwise(turn_marks(times, yaw))]


# ------------------------------------------------------------------ fused counter
def width_legs(width: np.ndarray, *, tolerance: float = 0.25) -> list[int]:
    """Pivots of the zig-zag of the apparent width (first and last sample included).

    Each leg of the zig-zag (a swing of at least ``tolerance`` between a wide and a
    narrow extreme) is a quarter turn, whatever the camera's position: from the front,
    wide (facing) -> narrow (profile) -> wide (back) -> narrow -> wide; from the side,
    the same sequence shifted by a quarter.  Label-swap proof like the width itself.
    """
    known = np.flatnonzero(np.isfinite(width))
    if known.size < 2:
        return []
    return [int(known[i]) for i in zigzag_pivots(width[known], tolerance)]


def rise_cycles(height: np.ndarray, *, prominence: float = 0.02) -> list[int]:
    """Frames where the pelvis tops a rise (``height`` in body heights): a fouetté
    turns once on each rise from its plié."""
    from scipy.signal import find_peaks

    x = np.where(np.isfinite(height), height, np.nan)
    known = np.isfinite(x)
    if known.sum() < 3:
        return []
    filled = np.interp(np.arange(len(x)), np.flatnonzero(known), x[known])
    peaks, _ = find_peaks(filled, prominence=prominence)
    return [int(p) for p in peaks]


@dataclasses.dataclass(frozen=True)
class FusedCount:
    """Turns of one turning step and the cues they were counted from.

    Attributes
    ----------
    turns : float
        Unsigned: to the quarter for a pirouette, whole for a turning jump, the sum
        over the rises for a fouetté.
    quarters : int
        Quarter turns seen in the apparent width (zig-zag legs).
    rises : int
        Rises of the pelvis (fouetté cycles); 0 for other kinds.
    method : str
        Which cue decided.
    """

    turns: float
    quarters: int
    rises: int
    method: str


def turning_legs(times: np.ndarray, pivots: list[int], *, max_leg_s: float = 0.35
                 ) -> list[int]:
    """The pivots that end a quick leg (a quarter turn in at most ``max_leg_s``; a
    sway of the body while she holds a pose swings slower): the turning quarters."""
    return [b for a, b in zip(pivots[:-1], pivots[1:], strict=True)
            if times[b] - times[a] <= max_leg_s]


def quarters_seen(width: np.ndarray, pivots: list[int]) -> float:
    """Quarter turns along the zig-zag ``pivots`` of ``width``: every inner leg is one;
    the first and the last count the part of a quarter they cover, read as the
    angle from profile ``arcsin(width)`` against that of a whole leg (seen at an
    angle, she starts and ends half-way between profile and facing)."""
    legs = len(pivots) - 1
    if legs < 1:
        return 0.0
    angle = np.degrees(np.arcsin(np.clip(width[pivots], 0.0, 1.0)))
    if legs < 3:
        return float(legs)
    full = np.median(np.abs(np.diff(angle[1:-1]))) if legs > 2 else 90.0
    if full <= 0:  # the inner legs swing within one arcsin's flat top: count them whole
        full = 90.0
    ends = [abs(angle[1] - angle[0]), abs(angle[-1] - angle[-2])]
    return float(legs - 2 + sum(min(1.0, e / full) for e in ends))


def angle_passages(width: np.ndarray, pivots: list[int], *, wider: float = 0.1,
                   swing: float = 0.4) -> int | None:
    """Profile passages (two per turn) when the camera sees her resting pose at an
    angle, else None.

    Seen at an angle (three-quarter view) her resting width is neither her widest
    nor her narrowest: the turn swings above it (she squares up to the lens, by more
    than ``wider``) as well as below (by ``swing``).  Then the start and end legs are no quarter
    turns and :func:`quarters_seen` misreads them; the passages through profile do
    not: the narrow extremes of the zig-zag with a swing of at least ``swing`` on
    both sides (a wobble while she squares up to the lens swings less).  Widths as
    :func:`apparent_width`.
    """
    if len(pivots) < 3:
        return None
    w = width[pivots]
    if w[1:-1].max() < w[0] + wider or w[1:-1].min() > w[0] - swing:
        return None  # facing the lens or in profile at rest: not at an angle
    return sum(1 for i in range(1, len(w) - 1)
               if min(w[i - 1], w[i + 1]) - w[i] >= swing)


def count_turns(width: np.ndarray, height: np.ndarray, *, kind: str,
                times: np.ndarray | None = None, tolerance: float = 0.25,
                rise: float = 0.02, max_leg_s: float = 0.35,
                same_width: float = 0.15) -> FusedCount:
    """Turns in one turning step seen from a single 2D view.

    With ``times``, slow legs before the first quick one and after the last one
    (:func:`turning_legs`) are left out, except the one next to each (the turn's
    start and finish).
    ``kind`` is ``"pirouette"`` (quarters / 4 to the nearest quarter; to the nearest
    half turn when she finishes within ``same_width`` of the width she started at),
    ``"jump"`` (a tour en l'air lands facing where it took off: whole turns) or
    ``"fouette"``: one turn per rise of the pelvis, or more when the width shows
    more quarters inside that rise's cycle (a double inside the sequence).

    Parameters
    ----------
    width : array (frames,)
        The apparent width of the raw keypoints (:func:`apparent_width`: 1 facing the
        lens or her back, near 0 in profile).
    height : array (frames,)
        The pelvis's height, body heights (its rises count a fouetté's turns).
    kind : {"pirouette", "jump", "fouette"}
    times : array (frames,), optional
        Seconds: the slow legs around the turning are then left out.
    tolerance : float
        The zig-zag's tolerance, in width.
    rise : float
        A fouetté's rise, body heights.
    max_leg_s : float
        The longest quick quarter turn, seconds.
    same_width : float
        How close to her starting width she must finish to be facing the same way.

    Returns
    -------
    FusedCount
        The turns (unsigned), the quarters and rises seen, and the cue that decided.
    """
    pivots = width_legs(width, tolerance=tolerance)
    if times is not None:  # slow sways before and after the turning are left out
        quick = [i for i in range(1, len(pivots))
                 if times[pivots[i]] - times[pivots[i - 1]] <= max_leg_s]
        # ...but the legs on either side of the quick ones (the turn's start and
        # finish) belong to it
        pivots = pivots[max(quick[0] - 2, 0):quick[-1] + 2] if quick else pivots[:1]
    quarters = max(len(pivots) - 1, 0)
    if kind == "jump":
        whole = max(1, round(quarters_seen(width, pivots) / 4))
        return FusedCount(float(whole), quarters, 0, "width, whole turns")
    if kind != "fouette":
        seen = quarters_seen(width, pivots)
        if len(pivots) > 1 and abs(width[pivots[-1]] - width[pivots[0]]) < same_width:
            # she finishes as wide as she started: facing the same way or its opposite
            passages = angle_passages(width, pivots)
            if passages:
                return FusedCount(passages / 2, quarters, 0,
                                  "profile passages, seen at an angle")
            return FusedCount(float(2 * np.round(seen / 2) / 4), quarters, 0,
                              "width quarters, finishing as she started")
        return FusedCount(float(np.round(seen) / 4), quarters, 0, "width quarters")
    tops = rise_cycles(height, prominence=rise)
    if not tops:
        return FusedCount(float(np.round(quarters) / 4), quarters, 0, "width quarters")
    bounds = [0] + [int(0.5 * (a + b)) for a, b in zip(tops[:-1], tops[1:], strict=True)] \
        + [len(width)]
    total = 0.0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        inside = sum(1 for p in pivots[1:] if a <= p < b)
        # a single shows four quarters, noise a few more: a double needs ten
        total += max(1.0, float(inside // 5))
    return FusedCount(total, quarters, len(tops), "one turn per rise, doubles from the width")
