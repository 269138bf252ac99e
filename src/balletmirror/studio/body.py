"""The studio's procedural dancer: body proportions and forward kinematics.

A pose is a set of named *tracks* (arrays over frames, degrees unless stated) that
drive a kinematic tree; :func:`pose_joints` turns them into the canonical joints in
the pelvis's frame, and :func:`~.placement.place_in_world` puts the body in the room so that a
planted foot never slides.

Proportions (fractions of the height ``H``, Winter 2009, *Biomechanics and Motor
Control of Human Movement*, Fig. 4.1): ankle height 0.039, shank 0.246, thigh 0.245,
pelvis to neck 0.288, upper arm 0.186, forearm 0.146; hip joint centres 0.11 apart,
shoulder joint centres 0.19 apart (Winter's shoulder width 0.259 less the deltoids);
foot: heel 0.045 behind and ball 0.10 ahead of the ankle.

Axes: the pelvis frame has x to the dancer's left, y up and z forward; the world is
right-handed, Y up, metres, and ``yaw = 0`` faces +z (the default camera).

Leg tracks (``{side}`` = left/right): ``{side}_dir`` the azimuth of the gesture
(0 devant, 90 à la seconde, 180 derrière), ``{side}_abd`` a sideways tilt of the
gesture plane (outward +; used by stances, so that a near-vertical leg keeps its
``dir`` along the turnout and moves continuously), ``{side}_elev`` the angle of the
thigh from straight down, ``{side}_rot`` the rotation of the leg about its own axis
(external positive: turnout), ``{side}_knee`` knee flexion, ``{side}_point``
ankle plantar flexion (0 = foot flat when the shank is vertical, 70-85 pointed),
``{side}_sickle`` inversion of the foot.  Intrinsic order: rotate the gesture plane
about the vertical by ``dir``, tilt it by ``abd``, raise the thigh by ``elev``, turn
it about its axis by ``rot``; the knee bends backwards in the thigh's frame.

Upper body: ``trunk_lean`` (forward +), ``trunk_side`` (towards her left +),
``trunk_twist`` (épaulement, to her left +), ``{side}_arm_elev`` (0 down, 90
horizontal, 180 up), ``{side}_arm_dir`` (0 forward, 90 to the side),
``{side}_elbow`` (flexion, rounding the arm forwards and in), ``head_yaw`` (to her
left +, relative to the trunk), ``head_tilt`` (down +).  Whole body: ``yaw``,
``pelvis_roll`` (her left hip up +).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core.skeleton import JOINTS, SIDES, J

SIGN = {"left": 1.0, "right": -1.0}

LEG_TRACKS = ("dir", "abd", "elev", "rot", "knee", "point", "sickle")
ARM_TRACKS = ("arm_elev", "arm_dir", "elbow")
BODY_TRACKS = ("yaw", "pelvis_roll", "trunk_lean", "trunk_side", "trunk_twist", "head_yaw",
               "head_tilt")
TRACKS = BODY_TRACKS + tuple(f"{s}_{t}" for s in SIDES for t in LEG_TRACKS + ARM_TRACKS)

#: Head points relative to the neck, in the head frame, as fractions of H.
FACE = {"nose": (0.0, 0.092, 0.06), "left_eye": (0.03, 0.118, 0.045),
        "right_eye": (-0.03, 0.118, 0.045), "left_ear": (0.07, 0.10, -0.01),
        "right_ear": (-0.07, 0.10, -0.01)}


@dataclasses.dataclass(frozen=True)
class Body:
    """Segment lengths in metres for a dancer of height ``height`` (see module doc)."""

    height: float = 1.65

    def __getattr__(self, name: str) -> float:
        fractions = {"ankle_h": 0.039, "shank": 0.246, "thigh": 0.245, "trunk": 0.288,
                     "upper_arm": 0.186, "forearm": 0.146, "hip_half": 0.055,
                     "shoulder_half": 0.095, "heel": 0.045, "ball": 0.10}
        if name in fractions:
            return fractions[name] * self.height
        raise AttributeError(name)

    @property
    def standing_hip_height(self) -> float:
        """Hip joint height standing straight on flat feet, metres."""
        return self.ankle_h + self.shank + self.thigh


# --------------------------------------------------------------- rotations
def rot_x(deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (frames, 3, 3) about x by ``deg`` degrees (right-handed)."""
    a = np.radians(np.asarray(deg, dtype=float))
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def rot_y(deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (frames, 3, 3) about y (up)."""
    a = np.radians(np.asarray(deg, dtype=float))
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def rot_z(deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (frames, 3, 3) about z (forward)."""
    a = np.radians(np.asarray(deg, dtype=float))
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def _apply(r: np.ndarray, v) -> np.ndarray:
    """Rotate a constant vector (3,) or per-frame vectors (frames, 3)."""
    v = np.asarray(v, dtype=float)
    return np.einsum("fij,fj->fi", r, np.broadcast_to(v, r.shape[:-1]))


# ------------------------------------------------------------------- limbs
def leg_joints(tracks: dict, side: str, body: Body) -> dict[str, np.ndarray]:
    """Hip, knee, ankle, heel and toe of one leg in the pelvis frame, (frames, 3) each."""
    g = SIGN[side]
    t = {k: tracks[f"{side}_{k}"] for k in LEG_TRACKS}
    thigh = rot_y(g * t["dir"]) @ rot_z(g * t["abd"]) @ rot_x(-t["elev"]) @ rot_y(g * t["rot"])
    shank = thigh @ rot_x(t["knee"])
    foot = shank @ rot_x(t["point"]) @ rot_y(-g * t["sickle"])
    hip = np.broadcast_to([g * body.hip_half, 0.0, 0.0], (len(t["dir"]), 3))
    knee = hip + _apply(thigh, [0.0, -body.thigh, 0.0])
    ankle = knee + _apply(shank, [0.0, -body.shank, 0.0])
    heel = ankle + _apply(foot, [0.0, -body.ankle_h, -body.heel])
    toe = ankle + _apply(foot, [0.0, -body.ankle_h, body.ball])
    return {"hip": hip, "knee": knee, "ankle": ankle, "heel": heel, "toe": toe}


def _trunk_rotation(tracks: dict) -> np.ndarray:
    return rot_x(tracks["trunk_lean"]) @ rot_z(-tracks["trunk_side"]) @ rot_y(
        tracks["trunk_twist"])


def _forearm(upper: np.ndarray, inward: np.ndarray, elbow: np.ndarray) -> np.ndarray:
    """Unit forearm direction: ``upper`` bent by ``elbow`` degrees towards ``inward``."""
    w = inward - np.einsum("fi,fi->f", inward, upper)[:, None] * upper
    norm = np.linalg.norm(w, axis=1, keepdims=True)
    w = np.where(norm > 1e-6, w / np.maximum(norm, 1e-9), 0.0)
    a = np.radians(elbow)[:, None]
    return np.cos(a) * upper + np.sin(a) * w


def arm_joints(tracks: dict, side: str, trunk: np.ndarray, neck: np.ndarray,
               body: Body) -> dict[str, np.ndarray]:
    """Shoulder, elbow and wrist of one arm in the pelvis frame."""
    g = SIGN[side]
    elev = np.radians(tracks[f"{side}_arm_elev"])
    az = np.radians(tracks[f"{side}_arm_dir"])
    local = np.stack([g * np.sin(az) * np.sin(elev), -np.cos(elev),
                      np.cos(az) * np.sin(elev)], -1)
    upper = _apply(trunk, local)
    inward = _apply(trunk, [-g * 0.6, 0.1, 0.8])
    shoulder = neck + _apply(trunk, [g * body.shoulder_half, 0.0, 0.0])
    elbow = shoulder + body.upper_arm * upper
    wrist = elbow + body.forearm * _forearm(upper, inward, tracks[f"{side}_elbow"])
    return {"shoulder": shoulder, "elbow": elbow, "wrist": wrist}


def pose_joints(tracks: dict, body: Body) -> np.ndarray:
    """Canonical joints (frames, 23, 3) in the pelvis frame (pelvis centre at 0, not
    yet turned by ``yaw``: see :func:`~.placement.place_in_world`)."""
    n = len(tracks["yaw"])
    out = np.full((n, len(JOINTS), 3), np.nan)
    pelvis = rot_z(tracks["pelvis_roll"])
    for side in SIDES:
        for name, p in leg_joints(tracks, side, body).items():
            out[:, J[f"{side}_{name}"]] = _apply(pelvis, p)
    trunk = _trunk_rotation(tracks)
    neck = _apply(trunk, [0.0, body.trunk, 0.0])
    for side in SIDES:
        for name, p in arm_joints(tracks, side, trunk, neck, body).items():
            out[:, J[f"{side}_{name}"]] = p
    head = trunk @ rot_y(tracks["head_yaw"]) @ rot_x(tracks["head_tilt"])
    for name, offset in FACE.items():
        out[:, J[name]] = neck + _apply(head, np.array(offset) * body.height)
    out[:, J["neck"]] = 0.5 * (out[:, J["left_shoulder"]] + out[:, J["right_shoulder"]])
    out[:, J["mid_hip"]] = 0.5 * (out[:, J["left_hip"]] + out[:, J["right_hip"]])
    return out


def turn(points: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """Rotate (frames, joints, 3) about the vertical through the origin by ``yaw``."""
    return np.einsum("fij,fkj->fki", rot_y(yaw), points)


def neutral_tracks(n: int) -> dict[str, np.ndarray]:
    """Every track at 0 for ``n`` frames (standing straight, arms down)."""
    return {name: np.zeros(n) for name in TRACKS}


# ---------------------------------------------------------- inverse kinematics
def _azimuth_vector(deg: np.ndarray, sign: float) -> np.ndarray:
    """Horizontal unit vectors at azimuth ``deg`` (0 forward, positive outward)."""
    a = np.radians(deg)
    return np.stack([sign * np.sin(a), np.zeros_like(a), np.cos(a)], -1)


def _angles_of_thigh(thigh: np.ndarray, kneecap: np.ndarray, sign: float, facing: np.ndarray):
    """(dir, abd, elev, rot) putting the thigh along ``thigh`` with the kneecap along
    ``kneecap``, with ``dir`` = ``facing`` (so that a near-vertical leg is continuous)."""
    local = np.einsum("fji,fj->fi", rot_y(sign * facing), thigh)  # Ry(-dir) @ thigh
    elev = np.degrees(np.arcsin(np.clip(local[:, 2], -1.0, 1.0)))
    abd = sign * np.degrees(np.arctan2(local[:, 0], -local[:, 1]))
    m = rot_y(sign * facing) @ rot_z(sign * abd) @ rot_x(-elev)
    cap = np.einsum("fji,fj->fi", m, kneecap)
    rot = sign * np.degrees(np.arctan2(cap[:, 0], cap[:, 2]))
    return facing, abd, elev, rot


def _point_for(foot: np.ndarray, shank_r: np.ndarray) -> np.ndarray:
    """Ankle plantar flexion (degrees) that best aligns the foot with ``foot`` (unit)."""
    y, z = shank_r[:, :, 1], shank_r[:, :, 2]
    return np.degrees(np.arctan2(-np.einsum("fi,fi->f", foot, y), np.einsum("fi,fi->f", foot, z)))


def solve_leg(ankle: np.ndarray, *, side: str, facing: np.ndarray, releve: np.ndarray,
              body: Body, foot_facing: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Leg tracks that put the ankle at ``ankle`` (pelvis frame, (frames, 3)).

    The knee bends towards ``facing`` (azimuth in degrees, 0 forward, positive
    outward: the turnout), and the foot points along ``foot_facing`` (default
    ``facing``; a knee falling inside the toes has ``facing < foot_facing``), its heel
    raised by ``releve`` degrees (90: pointing straight down).  If the ankle is out
    of reach the leg points at it, straight.  Returns the leg's six tracks.
    """
    g = SIGN[side]
    hip = np.array([g * body.hip_half, 0.0, 0.0])
    v = ankle - hip
    length = np.minimum(np.linalg.norm(v, axis=1), body.thigh + body.shank - 1e-9)
    vhat = v / np.linalg.norm(v, axis=1, keepdims=True)
    lt, ls = body.thigh, body.shank
    knee = 180.0 - np.degrees(np.arccos(np.clip((lt**2 + ls**2 - length**2) / (2 * lt * ls),
                                                -1, 1)))
    alpha = np.arccos(np.clip((lt**2 + length**2 - ls**2) / (2 * lt * length), -1, 1))
    f = _azimuth_vector(facing, g)
    f_perp = f - np.einsum("fi,fi->f", f, vhat)[:, None] * vhat
    f_perp /= np.linalg.norm(f_perp, axis=1, keepdims=True)
    thigh = np.cos(alpha)[:, None] * vhat + np.sin(alpha)[:, None] * f_perp
    kneecap = f_perp - np.einsum("fi,fi->f", f_perp, thigh)[:, None] * thigh
    kneecap /= np.linalg.norm(kneecap, axis=1, keepdims=True)
    direction, abd, elev, rot = _angles_of_thigh(thigh, kneecap, g, facing)
    shank_r = (rot_y(g * direction) @ rot_z(g * abd) @ rot_x(-elev) @ rot_y(g * rot)
               @ rot_x(knee))
    r = np.radians(releve)[:, None]
    toes = f if foot_facing is None else _azimuth_vector(foot_facing, g)
    foot = toes * np.cos(r) + np.array([0.0, -1.0, 0.0]) * np.sin(r)
    twist = np.zeros_like(knee) if foot_facing is None else -(foot_facing - facing)
    return {f"{side}_dir": direction, f"{side}_abd": abd, f"{side}_elev": elev,
            f"{side}_rot": rot,
            f"{side}_knee": knee, f"{side}_point": _point_for(foot, shank_r),
            f"{side}_sickle": twist}
