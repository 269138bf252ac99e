"""Kinematics of a clean Motion: joint angles, trunk and pelvis, facing yaw, centre of
mass and body height.

All angles are in degrees.  In 3D (world space, or the pose model's 3D companion of
a video Motion) the angles are anatomical; in 2D (image space only) they are the
angles *as projected on the image*, which equal the true ones only for movement in
the picture plane: each series says which (``Kinematics.basis``).

Conventions
-----------
* ``{side}_knee_angle``, ``{side}_elbow_angle``: interior angle hip-knee-ankle
  (shoulder-elbow-wrist); 180 = straight, smaller = more bent.
* ``{side}_ankle_angle``: interior angle knee-ankle-toe; larger = more pointed
  (about 100-115 standing flat, 140-170 pointed).
* ``{side}_hip_flexion``: angle of the thigh from straight down, projected on the
  pelvis's sagittal plane; positive forward (devant), negative backward (derrière).
* ``{side}_hip_abduction`` (3D): angle of the thigh out of the sagittal plane,
  positive away from the midline (à la seconde).
* ``{side}_hip_rotation`` (3D): rotation of the whole leg about the thigh's axis
  (swing-twist: the pelvis's forward direction carried onto the thigh by the shortest
  swing from straight down is the reference); the leg's facing is the foot (heel to
  toe) or, knee bent over 30 degrees, the knee; positive = external rotation
  (turnout).  It includes the small knee and ankle contributions, as a teacher's eye
  does.
* ``{side}_shoulder_elevation``: angle of the upper arm from the trunk's downward
  axis (0 arms down, 90 à la seconde, 180 en haut).
* ``trunk_inclination``: angle of the pelvis-to-neck axis from vertical (Y up in 3D;
  the image's vertical in 2D, assuming an upright camera).
* ``pelvis_obliquity``: elevation of the left hip over the right, degrees (positive:
  left hip higher; hip hiking shows here).
* ``yaw``: the facing direction about the vertical, unwrapped (continues through
  many turns: 720 after two turns).  3D: the horizontal normal of the hip and
  shoulder lines, 0 = facing +z (the camera, for video), increasing counter-clockwise
  seen from above.  2D estimate: see :func:`yaw_2d`.
* ``com_x/y/z``: centre of mass (de Leva 1996 segment table), in the Motion's units.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np

from ..core.geometry import (
    angle_between,
    body_height,
    dot,
    joint_angle,
    pelvis_frame,
    unit_vectors,
)
from ..core.motion import Motion
from ..core.series import zigzag_pivots
from ..core.skeleton import SIDES, J

#: de Leva (1996), "Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters",
#: J. Biomech. 29(9):1223-1230, Table 4: (mass fraction, CoM position from the proximal
#: end as a fraction of segment length).  Proximal/distal ends as approximated here:
#: head = ear mid-point (taken as its CoM); trunk = neck (C7) -> mid-hip; upper arm =
#: shoulder -> elbow; forearm = elbow -> wrist; hand = its CoM placed at wrist + 0.55 x
#: forearm vector (hand CoM at 0.75 of a hand ~ 0.74 forearm long, straight wrist);
#: thigh = hip -> knee; shank = knee -> ankle; foot = heel -> toe.
DE_LEVA = {
    "female": {"head": (0.0668, None), "trunk": (0.4257, 0.4151),
               "upper_arm": (0.0255, 0.5754), "forearm": (0.0138, 0.4559),
               "hand": (0.0056, None), "thigh": (0.1478, 0.3612),
               "shank": (0.0481, 0.4416), "foot": (0.0129, 0.4014)},
    "male": {"head": (0.0694, None), "trunk": (0.4346, 0.4486),
             "upper_arm": (0.0271, 0.5772), "forearm": (0.0162, 0.4574),
             "hand": (0.0061, None), "thigh": (0.1416, 0.4095),
             "shank": (0.0433, 0.4459), "foot": (0.0137, 0.4415)},
}
_SEGMENT_ENDS = {"trunk": ("neck", "mid_hip"), "upper_arm": ("shoulder", "elbow"),
                 "forearm": ("elbow", "wrist"), "thigh": ("hip", "knee"),
                 "shank": ("knee", "ankle"), "foot": ("heel", "toe")}


@dataclasses.dataclass(frozen=True)
class Kinematics:
    """Per-frame kinematic series of one Motion.

    Attributes
    ----------
    times : array (frames,)
        Seconds.
    series : dict of name -> array (frames,)
        Degrees for angles, the Motion's length units for positions; NaN where the
        joints involved are unknown.
    units : dict of name -> str
    basis : {"3d", "2d"}
        Whether angles are anatomical (3D) or projected on the image (2D).
    height : float
        Estimated standing height, in ``height_units`` (see :func:`body_height`).
    height_units : str
    """

    times: np.ndarray
    series: dict[str, np.ndarray]
    units: dict[str, str]
    basis: str
    height: float
    height_units: str

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name]

    def write_csv(self, path: str | Path) -> Path:
        """Write ``time_s`` and every series, one row per frame (empty cell = NaN)."""
        path = Path(path)
        names = list(self.series)
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["time_s", *[f"{n}_{self.units[n]}" for n in names]])
            columns = np.column_stack([self.times, *[self.series[n] for n in names]])
            for row in columns:
                writer.writerow(["" if np.isnan(v) else f"{v:.6g}" for v in row])
        return path


def _up_vector(points: np.ndarray) -> np.ndarray:
    """The world's up direction: +Y in 3D, -y (image rows grow downwards) in 2D."""
    return np.array([0.0, 1.0, 0.0]) if points.shape[-1] == 3 else np.array([0.0, -1.0])


def _swing(v: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Rotate ``v`` (frames, 3) by the shortest rotation taking unit ``start`` to unit
    ``end`` (Rodrigues' formula); NaN where ``end`` is opposite ``start``."""
    k = np.cross(start, end)
    s = np.linalg.norm(k, axis=-1, keepdims=True)
    c = dot(start, end)[:, None]
    k = np.where(s > 1e-9, k / np.maximum(s, 1e-12), 0.0)
    return v * c + np.cross(k, v) * s + k * dot(k, v)[:, None] * (1 - c)


def _leg_facing(points: np.ndarray, side: str, axis: np.ndarray) -> np.ndarray:
    """The direction the leg faces (kneecap), perpendicular to the thigh ``axis``.

    With the knee bent more than 30 degrees it is opposite the shank; with a straighter
    knee it is the foot (heel to toe) — both projected on the plane normal to the thigh.
    """
    knee, ankle = points[:, J[f"{side}_knee"]], points[:, J[f"{side}_ankle"]]
    shank = ankle - knee
    foot = points[:, J[f"{side}_toe"]] - points[:, J[f"{side}_heel"]]
    bent = angle_between(shank, axis) > 30.0
    cue = np.where(bent[:, None], -shank, foot)
    return cue - dot(cue, axis)[:, None] * axis


def hip_angles_3d(points: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """Flexion, abduction and rotation of one hip (degrees), see the module docstring.

    Rotation is a swing-twist decomposition: the pelvis's forward direction is carried
    onto the thigh by the shortest swing from straight down, and the rotation is the
    twist about the thigh from that reference to where the leg faces (so a turned-out
    leg à la seconde, kneecap to the ceiling, reads the same turnout as when standing).
    """
    lateral, up, forward = pelvis_frame(points)
    outward = lateral if side == "left" else -lateral
    thigh = points[:, J[f"{side}_knee"]] - points[:, J[f"{side}_hip"]]
    flexion = np.degrees(np.arctan2(dot(thigh, forward), -dot(thigh, up)))
    abduction = np.degrees(np.arcsin(np.clip(dot(unit_vectors(thigh), outward), -1, 1)))
    axis = unit_vectors(thigh)
    ref = _swing(forward, -up, axis)
    facing = _leg_facing(points, side, axis)
    signed = np.degrees(np.arctan2(dot(np.cross(ref, facing), axis), dot(ref, facing)))
    rotation = -signed if side == "left" else signed
    return {f"{side}_hip_flexion": flexion, f"{side}_hip_abduction": abduction,
            f"{side}_hip_rotation": rotation}


def hip_flexion_2d(points: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """Projected angle between the trunk's downward axis and the thigh (degrees, >= 0)."""
    down = points[:, J["mid_hip"]] - points[:, J["neck"]]
    thigh = points[:, J[f"{side}_knee"]] - points[:, J[f"{side}_hip"]]
    return {f"{side}_hip_flexion": angle_between(down, thigh)}


def limb_angles(points: np.ndarray, side: str) -> dict[str, np.ndarray]:
    """Knee, ankle, elbow and shoulder angles of one side (degrees)."""
    s = side
    down = points[:, J["mid_hip"]] - points[:, J["neck"]]
    upper_arm = points[:, J[f"{s}_elbow"]] - points[:, J[f"{s}_shoulder"]]
    return {
        f"{s}_knee_angle": joint_angle(points, f"{s}_hip", f"{s}_knee", f"{s}_ankle"),
        f"{s}_ankle_angle": joint_angle(points, f"{s}_knee", f"{s}_ankle", f"{s}_toe"),
        f"{s}_elbow_angle": joint_angle(points, f"{s}_shoulder", f"{s}_elbow", f"{s}_wrist"),
        f"{s}_shoulder_elevation": angle_between(upper_arm, down),
    }


def trunk_and_pelvis(points: np.ndarray) -> dict[str, np.ndarray]:
    """Trunk inclination from vertical and pelvis obliquity (degrees)."""
    up = _up_vector(points)
    trunk = points[:, J["neck"]] - points[:, J["mid_hip"]]
    hips = points[:, J["left_hip"]] - points[:, J["right_hip"]]
    rise = dot(hips, up)
    along = np.linalg.norm(hips - rise[:, None] * up, axis=-1)
    return {"trunk_inclination": angle_between(trunk, np.broadcast_to(up, trunk.shape)),
            "pelvis_obliquity": np.degrees(np.arctan2(rise, along))}


# -------------------------------------------------------------------- yaw
def _unwrap_known(angle_rad: np.ndarray) -> np.ndarray:
    """np.unwrap over the known samples only (NaN gaps kept; turns inside a gap are lost)."""
    out = np.full_like(angle_rad, np.nan)
    known = np.isfinite(angle_rad)
    out[known] = np.unwrap(angle_rad[known])
    return out


def yaw_3d(points: np.ndarray) -> np.ndarray:
    """Facing yaw (frames,) in degrees, unwrapped, from 3D points (Y up).

    The body's left-right axis is the mean of the unit hip and shoulder lines, taken
    horizontal; forward = that axis x up; yaw = atan2(forward_x, forward_z).
    """
    hips = unit_vectors(points[:, J["left_hip"]] - points[:, J["right_hip"]])
    shoulders = unit_vectors(points[:, J["left_shoulder"]] - points[:, J["right_shoulder"]])
    lateral = np.where(np.isfinite(shoulders), hips + shoulders, 2 * hips)
    lateral[:, 1] = 0.0
    forward = np.cross(lateral, np.array([0.0, 1.0, 0.0]))
    return np.degrees(_unwrap_known(np.arctan2(forward[:, 0], forward[:, 2])))


def yaw_2d(points: np.ndarray, *, width_quantile: float = 0.95) -> np.ndarray:
    """Estimated facing yaw (frames,) in degrees from 2D image points, unwrapped.

    From a single camera the facing angle is seen only through foreshortening:
    ``cos(yaw) ~ w / w_max`` with ``w`` the signed horizontal width of the shoulders
    and hips (left minus right image x: positive when she faces the camera, negative
    when she shows her back), normalised by its ``width_quantile`` quantile over the
    clip (her full width).  The sign of ``sin(yaw)`` is taken from the nose's offset
    from the shoulder mid-point (she faces her left = image right when the nose is to
    the right).  This is an *estimate*: it cannot tell a quarter turn from a
    three-quarter turn when the nose is hidden; counting turns from a single view needs
    more cues (which side of the face shows, the working leg's periodic whip).
    """
    widths = (points[:, J["left_shoulder"], 0] - points[:, J["right_shoulder"], 0]
              + points[:, J["left_hip"], 0] - points[:, J["right_hip"], 0])
    known = np.abs(widths[np.isfinite(widths)])
    full = np.quantile(known, width_quantile) if known.size else 0.0
    if full <= 0:  # never seen from the front or back: no foreshortening cue
        return np.full(len(points), np.nan)
    cos = np.clip(widths / full, -1.0, 1.0)
    nose_offset = points[:, J["nose"], 0] - points[:, J["neck"], 0]
    sin = np.sign(nose_offset) * np.sqrt(1.0 - cos**2)
    return np.degrees(_unwrap_known(np.arctan2(sin, cos)))


# ---------------------------------------------------------- centre of mass
def segment_centres(points: np.ndarray, *, sex: str = "female"
                    ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each body segment's centre of mass and mass share, from de Leva's (1996) table.

    Returns (names, centres (frames, segments, d), mass fractions (segments,)): head
    (mid-ears, else the nose), trunk, and per side upper arm, forearm, hand (55% of
    the forearm beyond the wrist), thigh, shank, foot.  NaN where an end is unknown.
    """
    table = DE_LEVA[sex]
    head = 0.5 * (points[:, J["left_ear"]] + points[:, J["right_ear"]])
    names, centres, masses = ["head"], [np.where(np.isfinite(head), head,
                                                  points[:, J["nose"]])], [table["head"][0]]
    frac, at = table["trunk"]
    neck, pelvis = points[:, J["neck"]], points[:, J["mid_hip"]]
    names.append("trunk")
    centres.append(neck + at * (pelvis - neck))
    masses.append(frac)
    for side in SIDES:
        for seg, (prox, dist) in _SEGMENT_ENDS.items():
            if seg == "trunk":
                continue
            frac, at = table[seg]
            p, d = points[:, J[f"{side}_{prox}"]], points[:, J[f"{side}_{dist}"]]
            names.append(f"{side}_{seg}")
            centres.append(p + at * (d - p))
            masses.append(frac)
        wrist, elbow = points[:, J[f"{side}_wrist"]], points[:, J[f"{side}_elbow"]]
        names.append(f"{side}_hand")
        centres.append(wrist + 0.55 * (wrist - elbow))
        masses.append(table["hand"][0])
    return names, np.stack(centres, axis=1), np.array(masses)


def centre_of_mass(points: np.ndarray, *, sex: str = "female") -> np.ndarray:
    """Whole-body centre of mass (frames, d): the mass-weighted mean of the
    :func:`segment_centres`.  NaN on frames where any segment end is unknown.
    """
    _, centres, masses = segment_centres(points, sex=sex)
    return np.einsum("fsd,s->fd", centres, masses) / masses.sum()


def normalise_by_height(motion: Motion) -> Motion:
    """The Motion scaled to body heights (units "height") about its first known pelvis.

    Makes dancers of different sizes and cameras at different distances comparable.
    """
    height = body_height(motion.positions)
    known = np.flatnonzero(np.isfinite(motion.positions[:, J["mid_hip"]]).all(axis=-1))
    origin = motion.positions[known[0], J["mid_hip"]] if known.size else 0.0
    world = None if motion.world is None else motion.world / body_height(motion.world)
    return motion.replace(positions=(motion.positions - origin) / height, units="height",
                          world=world)


# ------------------------------------------------------------------- stage
def _angle_points(motion: Motion) -> np.ndarray:
    """The points joint angles are measured on: 3D when there is any, else 2D."""
    if motion.ndim == 3:
        return motion.positions
    if motion.world is not None and np.isfinite(motion.world).any():
        return motion.world
    return motion.positions


def compute_kinematics(motion: Motion, *, sex: str = "female") -> Kinematics:
    """All the series of the module docstring for one (clean) Motion.

    Parameters
    ----------
    motion : Motion
        Clean (frames, 23, 2 or 3): world metres, or image pixels with or without a
        video's 3D companion (``world``).
    sex : {"female", "male"}
        De Leva's segment table for the centre of mass.

    Returns
    -------
    Kinematics
        One value per frame of every angle (degrees), the unwrapped facing ``yaw``
        (degrees, 0 = facing +z, the camera for video) and the centre of mass (the
        Motion's units), NaN where a joint it needs is unseen; ``basis`` says whether
        the angles are 3D (from 3D points when the Motion has them, else the image)
        and ``height`` the standing body height.
    """
    points = _angle_points(motion)
    three_d = points.shape[-1] == 3
    series: dict[str, np.ndarray] = {}
    for side in SIDES:
        series.update(limb_angles(points, side))
        series.update(hip_angles_3d(points, side) if three_d else hip_flexion_2d(points, side))
    series.update(trunk_and_pelvis(points))
    series["yaw"] = yaw_3d(points) if three_d else yaw_2d(points)
    units = {name: "deg" for name in series}
    com = centre_of_mass(motion.positions, sex=sex)
    for axis, name in zip(range(motion.ndim), ("com_x", "com_y", "com_z"), strict=False):
        series[name] = com[:, axis]
        units[name] = motion.units
    metric = points is not motion.positions  # the video's 3D companion, metres
    return Kinematics(times=motion.times.copy(), series=series, units=units,
                      basis="3d" if three_d else "2d", height=body_height(points),
                      height_units="m" if metric else motion.units)


# ------------------------------------------------------------------ turns
def _settled_bounds(seg: np.ndarray, settled: float, tolerance: float) -> tuple[int, int]:
    """Where a rotation really starts and ends inside ``seg`` (one zig-zag run).

    The levels before and after are the medians of the samples before the yaw first
    moves ``tolerance`` from the start, and after it last is ``tolerance`` short of the
    end; the rotation starts at the last sample within ``settled`` degrees of the first
    level and ends at the first sample within ``settled`` of the second.
    """
    sign = 1.0 if seg[-1] >= seg[0] else -1.0
    first_move = int(np.argmax((seg - seg[0]) * sign > tolerance))
    level0 = np.median(seg[: first_move + 1])
    near0 = np.flatnonzero(np.abs(seg[: first_move + 1] - level0) <= settled)
    last_move = int(np.flatnonzero((seg[-1] - seg) * sign > tolerance)[-1])
    level1 = np.median(seg[last_move:])
    near1 = np.flatnonzero(np.abs(seg[last_move:] - level1) <= settled)
    start = int(near0[-1]) if near0.size else 0
    end = last_move + int(near1[0]) if near1.size else len(seg) - 1
    return start, max(end, start)


def _split_at_pauses(times: np.ndarray, y: np.ndarray, pivots: list[int], *,
                     settled_deg: float, pause_s: float) -> list[int]:
    """Add a pivot in the middle of every pause: a stretch of at least ``pause_s``
    seconds over which the yaw stays within ``settled_deg`` (two pirouettes the
    same way with a breath between them are two rotations, not one)."""
    still = np.zeros(len(y), dtype=bool)
    j = 0
    for i in range(len(y)):  # frames from which the yaw stays put for pause_s
        j = max(j, i)
        while j + 1 < len(y) and times[j + 1] - times[i] <= pause_s:
            j += 1
        window = y[i:j + 1]
        still[i] = times[j] - times[i] >= 0.9 * pause_s and np.ptp(window) <= settled_deg
    cuts = []
    for a, b in zip(pivots[:-1], pivots[1:], strict=True):
        inner = np.flatnonzero(still[a + 1:b]) + a + 1
        groups = np.split(inner, np.flatnonzero(np.diff(inner) > 1) + 1) if inner.size else []
        cuts += [int(g[len(g) // 2]) for g in groups if g.size]
    return sorted(set(pivots) | set(cuts))


def rotation_segments(times: np.ndarray, yaw: np.ndarray, *, min_turns: float = 0.75,
                      tolerance_deg: float = 45.0, settled_deg: float = 10.0,
                      pause_s: float = 0.4) -> list[dict]:
    """Stretches where the whole body rotates one way by at least ``min_turns`` turns.

    Parameters
    ----------
    times : array (frames,)
        Seconds.
    yaw : array (frames,)
        Unwrapped facing yaw in degrees (NaN frames are skipped).
    min_turns : float
        Smallest rotation reported, in turns (360 degrees).
    tolerance_deg : float
        How far the yaw may move back (jitter, a wobble) inside one rotation.
    settled_deg : float
        Stillness before and after a rotation (within this many degrees) is trimmed.
    pause_s : float
        A stillness this long splits two rotations the same way.

    Returns
    -------
    list of dict
        ``start_s``, ``end_s``, ``turns`` (signed, to the nearest quarter; positive =
        counter-clockwise seen from above, i.e. turning to her left).
    """
    known = np.flatnonzero(np.isfinite(yaw))
    if known.size < 2:
        return []
    y = yaw[known]
    pivots = _split_at_pauses(times[known], y, zigzag_pivots(y, tolerance_deg),
                              settled_deg=settled_deg, pause_s=pause_s)
    out = []
    for a, b in zip(pivots[:-1], pivots[1:], strict=True):
        turns = (y[b] - y[a]) / 360.0
        if abs(turns) < min_turns:
            continue
        first, last = _settled_bounds(y[a:b + 1], settled_deg, tolerance_deg)
        out.append({"start_s": float(times[known[a + first]]),
                    "end_s": float(times[known[a + last]]),
                    "turns": float(np.round(turns * 4) / 4)})
    return out
