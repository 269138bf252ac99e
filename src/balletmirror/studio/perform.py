"""Performing a choreography: key poses on a timeline, interpolated, placed on the floor.

Each step adds key poses (values of some :mod:`~balletmirror.studio.body` tracks at
some times), the time spans over which a foot (or both) is planted, flights, and
its ground-truth entry.  :func:`perform` interpolates every track through its keys
(monotone cubic: no overshoot unless a key asks for it), runs the forward
kinematics, and places the body in the room frame by frame so that the planted foot
never slides: during a support span the planted point (the ball of the foot, or the
mid-point of both) keeps the world position it had when the span began, so turns
pivot on the supporting foot; during a flight the pelvis follows a ballistic
parabola (g = 9.81 m/s^2) from take-off to landing.

Stances are solved by inverse kinematics (:func:`~balletmirror.studio.body.solve_leg`)
from where the feet stand, so legs keep their lengths and knees bend over the toes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..skeleton import J
from .body import (
    SIDES,
    SIGN,
    TRACKS,
    Body,
    leg_joints,
    neutral_tracks,
    pose_joints,
    solve_leg,
    turn,
)

G = 9.81
WRAPPED = ("_rot", "_dir")
OTHER = {"left": "right", "right": "left"}

#: Feet of the five positions: toe (ball) of each foot relative to the pelvis,
#: (outward, forward) in fractions of H, for the *front* foot's side "right".
POSITION_FEET = {
    1: {"right": (0.06, 0.05), "left": (0.06, 0.05)},
    2: {"right": (0.24, 0.05), "left": (0.24, 0.05)},
    4: {"right": (-0.04, 0.20), "left": (0.08, -0.04)},
    5: {"right": (-0.05, 0.05), "left": (0.09, -0.02)},
}
TURNOUT = 70.0  # degrees each foot, a well-trained student
ARMS = {  # (elevation, azimuth, elbow) of each arm
    "bras_bas": (15.0, 20.0, 35.0), "first": (70.0, 15.0, 45.0),
    "second": (80.0, 85.0, 15.0), "fifth": (165.0, 20.0, 35.0),
    "demi": (45.0, 70.0, 20.0), "arabesque_front": (95.0, 5.0, 5.0),
    "arabesque_side": (85.0, 95.0, 5.0),
}


@dataclasses.dataclass
class Stage:
    """The timeline under construction (mutable builder, private to :func:`perform`)."""

    body: Body
    keys: dict = dataclasses.field(default_factory=lambda: {n: [] for n in TRACKS})
    support: list = dataclasses.field(default_factory=list)  # (t0, t1, mode)
    truth: list = dataclasses.field(default_factory=list)
    t: float = 0.0
    position: int = 5
    front: str = "right"
    yaw: float = 0.0
    arms: str = "bras_bas"
    spots: list = dataclasses.field(default_factory=list)  # (t0, t1) turns with spotting
    drifts: list = dataclasses.field(default_factory=list)  # (t0, t1, metres) slides

    def key(self, t: float, values: dict) -> None:
        """Key the given track values at time ``t`` (seconds).  Keys may come in any
        order; at equal times the later one wins.  Rotations about a limb's own axis
        are unwrapped to the value nearest the track's previous key."""
        for name, value in values.items():
            track = self.keys[name]
            value = float(value)
            if track and name.endswith(WRAPPED):
                last = max(track)[2]
                value = last + (value - last + 180.0) % 360.0 - 180.0
            track.append((t, len(track), value))

    def plant(self, t0: float, t1: float, mode: str) -> None:
        """Declare the support between ``t0`` and ``t1``: left, right, both or air."""
        self.support.append((t0, t1, mode))


# ------------------------------------------------------------------ poses
def feet_of(position: int, front: str, body: Body) -> dict[str, tuple[float, float]]:
    """Toe (x, z) of each foot in the pelvis frame (x to her left), metres."""
    layout = POSITION_FEET[position]
    back = OTHER[front]
    out = {}
    for side, spec in ((front, layout["right"]), (back, layout["left"])):
        outward, forward = spec
        out[side] = (SIGN[side] * outward * body.height, forward * body.height)
    return out


def _ankle_from_toe(toe_xz, facing: float, releve: float, side: str, body: Body,
                    floor_y: float) -> np.ndarray:
    """Ankle position (3,) for a toe on the floor, the foot along ``facing``."""
    r = np.radians(releve)
    a = np.radians(facing)
    along = body.ball * np.cos(r) - body.ankle_h * np.sin(r)
    rise = body.ankle_h * np.cos(r) + body.ball * np.sin(r)
    fx, fz = SIGN[side] * np.sin(a), np.cos(a)
    return np.array([toe_xz[0] - along * fx, floor_y + rise, toe_xz[1] - along * fz])


def stance_pose(stage: Stage, *, drop: float = 0.0, releve: float = 0.0,
                knee_in: float = 0.0, feet=None) -> dict:
    """Both legs planted in the current position, the pelvis lowered by ``drop``
    metres (plié) and the heels raised ``releve`` degrees."""
    body = stage.body
    feet = _centred(feet or feet_of(stage.position, stage.front, body), releve, body)
    rise = body.ankle_h * np.cos(np.radians(releve)) + body.ball * np.sin(np.radians(releve))
    reach = body.thigh + body.shank
    horiz = max(np.hypot(x - SIGN[s] * body.hip_half, z) for s, (x, z) in feet.items())
    floor_y = -(rise + np.sqrt(reach**2 - horiz**2) - drop)
    values = {}
    for side, toe in feet.items():
        ankle = _ankle_from_toe(toe, TURNOUT, releve, side, body, floor_y)
        values.update(_solve(ankle, side, TURNOUT - knee_in, releve, body,
                             foot_facing=TURNOUT if knee_in else None))
    return values


def _centred(feet: dict, releve: float, body: Body) -> dict:
    """The feet shifted so that each ankle is as far (horizontally) from its hip as the
    other: both legs can then be straight at once, the pelvis centred over the feet."""
    offsets = {}
    for side, toe in feet.items():
        ankle = _ankle_from_toe(toe, TURNOUT, releve, side, body, 0.0)
        offsets[side] = np.array([ankle[0] - SIGN[side] * body.hip_half, ankle[2]])
    shift = -0.5 * (offsets["left"] + offsets["right"])
    return {side: (x + shift[0], z + shift[1]) for side, (x, z) in feet.items()}


def toe_on_floor_height(stage: Stage, working: str, direction: float, support: dict) -> float:
    """Thigh elevation (degrees) at which the straight, pointed working leg's toe just
    touches the floor that the supporting foot stands on (tendu, rond de jambe)."""
    def toe_y(elev: float) -> tuple[float, float]:
        tracks = {k: np.array([v]) for k, v in neutral_tracks(1).items()}
        tracks.update({k: np.array([v]) for k, v in support.items()})
        tracks.update({k: np.array([v]) for k, v in gesture(working, direction=direction,
                                                            height=elev, point=80.0).items()})
        floor = leg_joints(tracks, OTHER[working], stage.body)["toe"][0, 1]
        return leg_joints(tracks, working, stage.body)["toe"][0, 1], floor

    lo, hi = 0.0, 80.0
    for _ in range(40):  # bisection: the toe rises as the leg is raised
        mid = 0.5 * (lo + hi)
        y, floor = toe_y(mid)
        lo, hi = (mid, hi) if y < floor else (lo, mid)
    return 0.5 * (lo + hi)


def toe_path_pose(stage: Stage, working: str, toe: tuple[float, float], support: dict,
                  *, facing: float = TURNOUT) -> dict:
    """The straight working leg with its toe on the floor at ``toe`` (x, z in the pelvis
    frame): the foot points just enough for the straight leg to reach (tendu)."""
    body = stage.body
    tracks = {k: np.array([v]) for k, v in neutral_tracks(1).items()}
    tracks.update({k: np.array([v]) for k, v in support.items()})
    floor = leg_joints(tracks, OTHER[working], body)["toe"][0, 1]
    hip = np.array([SIGN[working] * body.hip_half, 0.0, 0.0])
    reach = body.thigh + body.shank
    lo, hi = 0.0, 89.0
    for _ in range(40):  # pointing the foot more brings the ankle nearer the hip
        mid = 0.5 * (lo + hi)
        ankle = _ankle_from_toe(toe, facing, mid, working, body, floor)
        lo, hi = (mid, hi) if np.linalg.norm(ankle - hip) > reach else (lo, mid)
    ankle = _ankle_from_toe(toe, facing, hi, working, body, floor)
    return _solve(ankle, working, facing, hi, body)


def _solve(ankle, side, facing, releve, body, foot_facing=None) -> dict:
    out = solve_leg(ankle[None], side=side, facing=np.array([facing]),
                    releve=np.array([releve]), body=body,
                    foot_facing=None if foot_facing is None else np.array([foot_facing]))
    return {k: float(v[0]) for k, v in out.items()}


def single_support_pose(stage: Stage, side: str, *, releve: float, knee: float = 0.0) -> dict:
    """The supporting leg ``side`` under the pelvis (its toe below the hip), straight
    (or bent ``knee`` degrees), heel raised ``releve`` degrees."""
    body = stage.body
    toe = (SIGN[side] * body.hip_half * 0.4, 0.04 * body.height)
    rise = body.ankle_h * np.cos(np.radians(releve)) + body.ball * np.sin(np.radians(releve))
    lt, ls = body.thigh, body.shank
    reach = np.sqrt(lt**2 + ls**2 + 2 * lt * ls * np.cos(np.radians(knee)))  # hip to ankle
    level = _ankle_from_toe(toe, TURNOUT, releve, side, body, 0.0)
    horiz = np.hypot(level[0] - SIGN[side] * body.hip_half, level[2])
    ankle = _ankle_from_toe(toe, TURNOUT, releve, side, body,
                            -(rise + np.sqrt(max(reach**2 - horiz**2, 0.0))))
    return _solve(ankle, side, TURNOUT, releve, body)


def gesture(side: str, *, direction: float, height: float, knee: float = 0.0,
            point: float = 75.0, turnout: float = TURNOUT) -> dict:
    """A working leg in the air: ``direction`` 0 devant / 90 seconde / 180 derrière,
    thigh ``height`` degrees from down, the leg turned out ``turnout`` degrees."""
    return {f"{side}_dir": direction, f"{side}_abd": 0.0, f"{side}_elev": height,
            f"{side}_rot": turnout - direction, f"{side}_knee": knee,
            f"{side}_point": point, f"{side}_sickle": 0.0}


def passe_pose(stage: Stage, side: str, support_pose: dict, *, level: str = "knee") -> dict:
    """Working leg ``side`` in retiré: the pointed toe at the supporting knee (``low``:
    at mid-shin; ``high``: above the knee)."""
    body = stage.body
    support = OTHER[side]
    tracks = {k: np.array([v]) for k, v in neutral_tracks(1).items()}
    tracks.update({k: np.array([v]) for k, v in support_pose.items()})
    legs = leg_joints(tracks, support, body)
    knee, ankle = legs["knee"][0], legs["ankle"][0]
    target = knee + {"knee": 0.0, "low": 0.45, "high": -0.15}[level] * (ankle - knee)
    target = target + np.array([SIGN[side] * 0.02, 0.0, 0.05]) * body.height
    toe_to_ankle = np.array([0.0, 1.0, 0.0]) * body.ball * 0.9 + np.array(
        [SIGN[side] * 0.03, 0.0, 0.0])
    return _solve(target + toe_to_ankle, side, 90.0, 80.0, body)


def arms(position: str, *, expand: float = 0.0) -> dict:
    """Both arms in a named ballet position (``expand`` widens them, degrees)."""
    elev, az, elbow = ARMS[position]
    out = {}
    for side in SIDES:
        out[f"{side}_arm_elev"] = min(elev + expand, 175.0)
        out[f"{side}_arm_dir"] = az + expand * 0.5
        out[f"{side}_elbow"] = max(elbow - expand, 0.0)
    return out


def arabesque_arms(working: str) -> dict:
    """Arabesque arms: the arm opposite the working leg forward, the other to the side."""
    fe, fa, fb = ARMS["arabesque_front"]
    se, sa, sb = ARMS["arabesque_side"]
    front = OTHER[working]
    return {f"{front}_arm_elev": fe, f"{front}_arm_dir": fa, f"{front}_elbow": fb,
            f"{working}_arm_elev": se, f"{working}_arm_dir": sa, f"{working}_elbow": sb}


# -------------------------------------------------------------- placement
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
@dataclasses.dataclass(frozen=True)
class Performance:
    """A performed choreography: the true 3D motion, its truth document and the tracks."""

    motion: object  # balletmirror.Motion
    truth: dict
    tracks: dict
    support: tuple  # (t0, t1, mode) spans: left, right, both (feet planted) or air


def perform(choreography, *, fps: float = 50.0, seed: int = 0,
            height_m: float | None = None) -> Performance:
    """Perform a choreography (text or :class:`~.choreography.Choreography`).

    Parameters
    ----------
    choreography : str or Choreography
        See :mod:`balletmirror.studio.choreography`.
    fps : float
        Frames per second of the motion.
    seed : int
        Natural variation: the same seed gives the same motion.  It sways the trunk
        and head by a degree or two (a living dancer is never perfectly still).
    height_m : float, optional
        The dancer's height (default: the choreography's ``height=``, or 1.65 m).

    Returns
    -------
    Performance
        ``motion`` (world space, metres, Y up, 23 canonical joints) and ``truth``.
    """
    from ..motion import Motion
    from .choreography import Choreography, parse_choreography
    from .steps import STEPS
    from .truth import truth_document

    chor = choreography if isinstance(choreography, Choreography) else \
        parse_choreography(choreography)
    body = Body(height_m or chor.height_m)
    stage = Stage(body=body)
    for spec in chor.steps:
        STEPS[spec.name](stage, spec)
    stage.t += 0.5  # a breath of stillness at the end
    times, points, tracks = _with_sway(stage, fps, seed)
    motion = Motion(positions=points, confidence=np.ones(points.shape[:2]), times=times,
                    fps=fps, space="world", units="m",
                    provenance={"reader": "studio", "choreography": chor.text, "seed": seed,
                                "height_m": body.height})
    bpm = chor.steps[0].bpm if chor.steps else None
    truth = truth_document(stage.truth, motion, choreography=chor.text, seed=seed, bpm=bpm)
    return Performance(motion=motion, truth=truth, tracks=tracks,
                       support=tuple(stage.support))


def _with_sway(stage: Stage, fps: float, seed: int):
    """Render the stage with a seeded, slow sway of trunk and head (about 1 degree)."""
    rng = np.random.default_rng(seed)
    knots = np.linspace(0.0, stage.t, int(stage.t * 2) + 2)
    sway = {name: (knots, rng.normal(0.0, amp, len(knots)))
            for name, amp in (("trunk_side", 1.0), ("trunk_lean", 0.8), ("head_tilt", 1.5))}
    return render_points(stage, fps, sway=sway)
