"""Placing the performance in the room: every track through its keys, the body put on
the floor frame by frame.

:func:`render_points` interpolates every track through its keys (monotone cubic: no
overshoot unless a key asks for it), runs the forward kinematics, and places the body
in the room frame by frame so that the planted foot never slides: during a support
span the planted point (the ball of the foot, or the mid-point of both) keeps the world
position it had when the span began, so turns pivot on the supporting foot; during a
flight the pelvis follows a ballistic parabola (g = 9.81 m/s^2) from take-off to
landing.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..core.physics import G
from ..core.skeleton import J
from .body import pose_joints, turn
from .pose import Stage


def support_modes(spans: list, times: np.ndarray) -> np.ndarray:
    """Per-frame support (left, right, both or air) from (t0, t1, mode) spans."""
    modes = np.full(len(times), "both", dtype=object)
    for t0, t1, mode in spans:
        modes[(times >= t0 - 1e-9) & (times < t1 - 1e-9)] = mode
    return modes


def _anchor_point(points: np.ndarray, mode: str) -> np.ndarray:
    if mode == "both":
        return 0.5 * (points[:, J["left_toe"]] + points[:, J["right_toe"]])
    return points[:, J[f"{mode}_toe"]]


def segments(modes: np.ndarray) -> list[tuple[int, int, str]]:
    edges = np.flatnonzero(modes[1:] != modes[:-1]) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(modes)]])
    return [(int(a), int(b), str(modes[a])) for a, b in zip(starts, stops, strict=True)]


def _flight(local: np.ndarray, world: np.ndarray, a: int, b: int, fps: float) -> None:
    """Ballistic flight of frames a..b-1: the pelvis leaves at frame a-1 and is back
    at the same height one frame after b-1."""
    start = world[a - 1, J["mid_hip"]] - local[a - 1, J["mid_hip"]] if a > 0 else np.zeros(3)
    airtime = (b - a + 1) / fps
    tau = (np.arange(a, b) - (a - 1)) / fps
    offset = start + np.outer(G * airtime / 2 * tau - G * tau**2 / 2, [0.0, 1.0, 0.0])
    world[a:b] = local[a:b] + offset[:, None, :]


def place_in_world(local: np.ndarray, modes: np.ndarray, fps: float,
                   drift: np.ndarray | None = None) -> np.ndarray:
    """Translate each frame of yaw-turned ``local`` joints so that planted feet stay put.

    The first planted point starts on the floor at the room's origin (x = z = 0);
    ``drift`` (frames, 3), cumulative metres, slides the planted point (a dancer
    travelling in a turn, an injected fault).
    """
    drift = np.zeros((len(local), 3)) if drift is None else drift
    world = np.empty_like(local)
    for a, b, mode in segments(modes):
        if mode == "air":
            _flight(local, world, a, b, fps)
            continue
        anchor = _anchor_point(local[a:b], mode)
        # the planted point stays where it was on the frame before (or at the origin)
        target = _anchor_point(world[a - 1][None], mode)[0] if a > 0 else np.zeros(3)
        target[1] = 0.0
        slide = drift[a:b] - (drift[a - 1] if a > 0 else 0.0)
        world[a:b] = local[a:b] + (target - anchor + slide)[:, None, :]
    return world


def _drift(stage: Stage, times: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """Cumulative slide (frames, 3) of the planted foot during turns that travel and
    bourrées: each drift is ``(t0, t1, metres[, angle])``, ``angle`` degrees from her
    facing at ``t0`` towards her left (0 forwards, the default; -90 to her right)."""
    out = np.zeros((len(times), 3))
    for t0, t1, metres, *rest in stage.drifts:
        if not metres:
            continue
        i0 = int(np.searchsorted(times, t0))
        heading = np.radians(yaw[min(i0, len(yaw) - 1)] + (rest[0] if rest else 0.0))
        ramp = np.clip((times - t0) / (t1 - t0), 0.0, 1.0)
        out += metres * ramp[:, None] * np.array([np.sin(heading), 0.0, np.cos(heading)])
    return out


def _spotting(stage: Stage, times: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """Head yaw relative to the trunk (degrees) while spotting: the head holds the
    front (the facing at the turn's start) until the body has turned ~75 degrees
    away, then whips round ahead of it (smoothed over 60 ms)."""
    head = np.zeros(len(times))
    for t0, t1 in stage.spots:
        inside = (times >= t0) & (times <= t1)
        if not inside.any():
            continue
        spot = yaw[inside][0]
        rel = (spot - yaw[inside] + 180.0) % 360.0 - 180.0
        head[inside] = np.clip(rel, -75.0, 75.0)
    width = max(1, int(round(0.06 * (1.0 / np.median(np.diff(times))))))
    return np.convolve(head, np.ones(width) / width, mode="same")


def _sorted_keys(keys: list) -> tuple[np.ndarray, np.ndarray]:
    """Times and values of a track's keys in time order, the last-added winning ties."""
    latest: dict[float, tuple[int, float]] = {}
    for t, seq, v in keys:
        t = round(t, 6)
        if t not in latest or seq > latest[t][0]:
            latest[t] = (seq, v)
    times = np.array(sorted(latest))
    return times, np.array([latest[t][1] for t in times])


def interpolate_tracks(stage: Stage, times: np.ndarray) -> dict[str, np.ndarray]:
    """Every track through its keys (monotone cubic, held before the first key and
    after the last)."""
    out = {}
    for name, keys in stage.keys.items():
        if not keys:
            out[name] = np.zeros(len(times))
            continue
        t, v = _sorted_keys(keys)
        if len(t) == 1:
            out[name] = np.full(len(times), v[0])
        else:
            out[name] = PchipInterpolator(t, v, extrapolate=False)(np.clip(times, t[0], t[-1]))
    return out


def render_points(stage: Stage, fps: float, *, sway: dict | None = None
                  ) -> tuple[np.ndarray, np.ndarray, dict]:
    """(times, world joints (frames, 23, 3), tracks) of the finished timeline;
    ``sway`` maps track names to (knot times, values) added smoothly."""
    times = np.arange(0.0, stage.t + 1e-9, 1.0 / fps)
    tracks = interpolate_tracks(stage, times)
    for name, (knots, values) in (sway or {}).items():
        tracks[name] = tracks[name] + PchipInterpolator(knots, values)(times)
    tracks["head_yaw"] = tracks["head_yaw"] + _spotting(stage, times, tracks["yaw"])
    local = turn(pose_joints(tracks, stage.body), tracks["yaw"])
    world = place_in_world(local, support_modes(stage.support, times), fps,
                           _drift(stage, times, tracks["yaw"]))
    return times, world, tracks


# ------------------------------------------------------------------ perform
