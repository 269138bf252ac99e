"""The studio's pose builder: the timeline a performance is built on, and the key poses
its steps are made of.

A :class:`Stage` collects key poses (values of some :mod:`~balletmirror.studio.body`
tracks at some times), the spans over which a foot (or both) is planted, the turns
that spot and the slides of the planted foot, and what each step danced
(:class:`Danced`, its ground truth before it is measured).  Stances are solved by
inverse kinematics (:func:`~balletmirror.studio.body.solve_leg`) from where the feet
stand, so legs keep their lengths and knees bend over the toes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from ..core.skeleton import OTHER, SIDES
from .body import SIGN, TRACKS, Body, leg_joints, neutral_tracks, solve_leg

if TYPE_CHECKING:
    from .measure import Measure

WRAPPED = ("_rot", "_dir")

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


@dataclasses.dataclass(frozen=True)
class Danced:
    """One step as a generator danced it: its name in the vocabulary, when (seconds,
    unrounded), the side, the turns, the metrics it was given, the faults and style it
    was danced with, and the studio's own timing marks the truth measures from
    (``phases``: the spans turning on relevé; ``takeoff_s``: a jump's take-off), and the
    :mod:`.measure` its truth is measured with."""

    name: str
    start_s: float
    end_s: float
    side: str | None = None
    turns: float | None = None
    metrics: dict = dataclasses.field(default_factory=dict)
    faults: tuple[str, ...] = ()
    style: dict = dataclasses.field(default_factory=dict)
    phases: tuple[tuple[float, float], ...] = ()
    takeoff_s: float | None = None
    measure: Measure | None = None


@dataclasses.dataclass
class Stage:
    """The timeline under construction (mutable builder, private to :func:`perform`)."""

    body: Body
    keys: dict = dataclasses.field(default_factory=lambda: {n: [] for n in TRACKS})
    support: list = dataclasses.field(default_factory=list)  # (t0, t1, mode)
    danced: list = dataclasses.field(default_factory=list)  # Danced steps
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
