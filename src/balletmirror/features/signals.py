"""Per-frame body signals that step recognition and the technique checks read.

Each signal is chosen to survive the camera: a level camera keeps the vertical, so
heights (of the feet over the floor, of the pelvis, of a raised ankle against the
hip) mean the same from the front, the side or three-quarters, in pixels or in
metres once divided by the body's height.  Joint angles come from the Kinematics
(3D where the Motion has 3D: mocap, or a video's 3D companion).

In a picture the keypoints are first :func:`depth_corrected`: a dancer travelling
towards the lens grows about the image's centre, her floor with her, and is shrunk
back by her apparent size (the running median of her trunk's and legs' lengths).

Units: heights and distances are fractions of the standing body height ``H``
(dimensionless); angles are degrees; times seconds.

* ``floor``: the level of the floor under her, the running minimum over
  ``floor_window_s`` of the lowest foot point (she never leaves the floor for that
  long), so it follows a camera tilt or a walk towards the camera.
* ``lift[side]``: the foot's lowest point (ankle, heel or toe) above its own floor
  level (the same running minimum, foot by foot: seen from the front, the back foot
  of a fifth position stands higher in the picture than the front one), at most
  ``FOOT_FLOOR_SPREAD`` above the common floor.
* ``toe[side]``, ``knee_height[side]``: the toe's and the knee's height over the floor.
* ``point[side]``: heel over toe, from its resting level (the clip's 10th
  percentile), positive on a pointed foot or a relevé.
* ``drop``: how far the pelvis is below its standing height
  (:func:`standing_pelvis`; positive in a plié, negative on relevé or in the air).
* ``elevation[side]``: the leg's rise from hanging straight down,
  ``arccos(vertical hip-to-ankle drop / leg length)`` (0 standing, 90 at hip level).
* ``reach[side]``: horizontal distance from this toe to the point under the pelvis
  (the supporting foot stays under her, the working foot goes out).
* ``size``: the eyes' height over the lowest foot point (the Motion's units): a
  dancer walking towards the camera grows in the picture.
* ``arms``: the wrists' mean height over the shoulders (positive = arms raised).
* ``forward[side]``, ``gesture_angle[side]`` (3D only, else NaN): the ankle's
  distance in front of the hip along the pelvis's forward axis (negative behind:
  arabesque), and the direction of this toe from the other one in the pelvis's
  horizontal plane (0 devant, 90 à la seconde, 180 derrière).
* ``gesture_angle_2d[side]`` (image space only): the same direction read in the
  picture, from the other toe to this one (x across, y down the picture: a toe
  brought towards the camera moves down it), degrees; its sweep, not its value, is
  what is used.
* ``foot_turnout[side]``, ``knee_turnout[side]`` (3D only): the horizontal
  direction of the foot (heel to toe) and of the knee seen from the ankle (ankle to
  knee) from the pelvis's forward axis, outward positive, degrees.  In a plié the
  knee travels over the toes when the two agree; "knees in" when the knee's is the
  smaller.
* ``sickle[side]`` (3D only): the forefoot's turn inwards out of the plane of the
  shank and the heel (knee, ankle, heel), degrees, positive inwards (sickled).
* ``obliquity``: the pelvis's tilt to the side (hip hiking), degrees.
* ``width`` (image space only, else NaN): the apparent shoulder-and-hip width
  (:func:`balletmirror.features.turns.apparent_width`) of the *raw* keypoints when given (the
  smoothing filter would flatten the narrow profile frames of a fast turn).
* ``head_yaw`` (3D only): the facing of the head (from the ears to the nose,
  horizontal), unwrapped, degrees, comparable with ``yaw``.
* ``ankle_seen[side]``: the pose model's confidence in the ankle (MediaPipe's
  visibility; 1 for motion capture): low where the leg is hidden behind her body, and
  :func:`raised_leg` uses it to tell a leg height read from a leg nobody saw.
"""""

from __future__ import annotations

import dataclasses
import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import median_filter, minimum_filter1d

from ..core.geometry import body_height, pelvis_frame
from ..core.motion import Motion
from ..core.series import unseen_as_nan
from ..core.skeleton import OTHER, SIDES, J
from .turns import apparent_width

if TYPE_CHECKING:
    from .kinematics import Kinematics

FOOT = ("ankle", "heel", "toe")
FOOT_FLOOR_SPREAD = 0.05  # H: how much higher one foot's floor may look (perspective)


@dataclasses.dataclass(frozen=True)
class Signals:
    """The signals of the module docstring, one value per frame (NaN where unseen)."""

    times: np.ndarray
    fps: float
    height: float
    height_units: str
    height_m: float | None
    floor: np.ndarray
    pelvis: np.ndarray
    drop: np.ndarray
    lift: dict[str, np.ndarray]
    toe: dict[str, np.ndarray]
    knee_height: dict[str, np.ndarray]
    point: dict[str, np.ndarray]
    elevation: dict[str, np.ndarray]
    reach: dict[str, np.ndarray]
    knee: dict[str, np.ndarray]
    arms: np.ndarray
    trunk: np.ndarray
    yaw: np.ndarray
    pelvis_xy: np.ndarray  # horizontal pelvis position in the picture / room, /H
    size: np.ndarray  # apparent size: eyes over the feet, in the Motion's units
    forward: dict[str, np.ndarray]
    gesture_angle: dict[str, np.ndarray]
    gesture_angle_2d: dict[str, np.ndarray]
    foot_turnout: dict[str, np.ndarray]
    knee_turnout: dict[str, np.ndarray]
    sickle: dict[str, np.ndarray]
    obliquity: np.ndarray
    head_yaw: np.ndarray
    width: np.ndarray
    ankle_seen: dict[str, np.ndarray]
    basis: str
    space: str

    def window(self, start_s: float, end_s: float) -> slice:
        """Frames from ``start_s`` to ``end_s`` (inclusive)."""
        a = int(np.searchsorted(self.times, start_s))
        b = int(np.searchsorted(self.times, end_s, side="right"))
        return slice(a, max(b, a + 1))


def vertical(points: np.ndarray, space: str) -> np.ndarray:
    """Height coordinate of every point: Y in world space (Y up), -y in an image."""
    return points[..., 1] if space == "world" else -points[..., 1]


def _nan_min(stack: list[np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"):
        arr = np.stack(stack)
        out = np.nanmin(np.where(np.isfinite(arr), arr, np.inf), axis=0)
    return np.where(np.isfinite(out), out, np.nan)


def floor_level(lowest: np.ndarray, fps: float, window_s: float = 1.5) -> np.ndarray:
    """Running minimum of the lowest foot point over ``window_s`` seconds."""
    known = np.isfinite(lowest)
    if not known.any():
        return np.full_like(lowest, np.nan)
    filled = np.interp(np.arange(len(lowest)), np.flatnonzero(known), lowest[known])
    size = max(3, int(round(window_s * fps)) | 1)
    return minimum_filter1d(filled, size=size, mode="nearest")


def _from_rest(x: np.ndarray, q: float = 0.1) -> np.ndarray:
    """``x`` minus its ``q`` quantile (its resting level: a flat foot seen at an angle
    shows its heel a little above or below its toe)."""
    known = x[np.isfinite(x)]
    return x - np.quantile(known, q) if known.size else x


def _horizontal(points: np.ndarray, space: str) -> np.ndarray:
    """Horizontal coordinates: (x, z) in world space, (x,) in an image."""
    return points[..., [0, 2]] if space == "world" else points[..., :1]


def _points_3d(motion: Motion) -> np.ndarray | None:
    if motion.ndim == 3:
        return motion.positions
    if motion.world is not None and np.isfinite(motion.world).any():
        return motion.world
    return None


def _outward_angle(v: np.ndarray, forward: np.ndarray, outward: np.ndarray) -> np.ndarray:
    """Direction of ``v`` from ``forward`` towards ``outward``, degrees."""
    return np.degrees(np.arctan2(np.einsum("ij,ij->i", v, outward),
                                 np.einsum("ij,ij->i", v, forward)))


def _sickle(p: np.ndarray, side: str) -> np.ndarray:
    """Angle of ankle->toe out of the (knee, ankle, heel) plane, inwards positive."""
    ankle = p[:, J[f"{side}_ankle"]]
    normal = np.cross(ankle - p[:, J[f"{side}_knee"]], p[:, J[f"{side}_heel"]] - ankle)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    foot = p[:, J[f"{side}_toe"]] - ankle
    foot /= np.linalg.norm(foot, axis=-1, keepdims=True)
    sign = 1.0 if side == "right" else -1.0
    return sign * np.degrees(np.arcsin(np.clip(np.einsum("ij,ij->i", foot, normal), -1, 1)))


def body_directions(motion: Motion) -> dict[str, dict[str, np.ndarray]]:
    """``forward``, ``gesture_angle``, ``foot_turnout``, ``knee_turnout`` and ``sickle`` of the
    module docstring, by side (NaN without 3D)."""
    p = _points_3d(motion)
    names = ("forward", "gesture_angle", "foot_turnout", "knee_turnout", "sickle")
    if p is None:
        nan = np.full(motion.n_frames, np.nan)
        return {name: {s: nan for s in SIDES} for name in names}
    lateral, _, forward = pelvis_frame(p)
    height = body_height(p)
    out: dict[str, dict[str, np.ndarray]] = {name: {} for name in names}
    for s in SIDES:
        o = OTHER[s]
        outward = lateral if s == "left" else -lateral
        leg = p[:, J[f"{s}_ankle"]] - p[:, J["mid_hip"]]
        out["forward"][s] = np.einsum("ij,ij->i", leg, forward) / height
        out["gesture_angle"][s] = _outward_angle(p[:, J[f"{s}_toe"]] - p[:, J[f"{o}_toe"]],
                                                 forward, outward)
        out["foot_turnout"][s] = _outward_angle(p[:, J[f"{s}_toe"]] - p[:, J[f"{s}_heel"]],
                                                forward, outward)
        out["knee_turnout"][s] = _outward_angle(p[:, J[f"{s}_knee"]] - p[:, J[f"{s}_ankle"]],
                                                forward, outward)
        out["sickle"][s] = _sickle(p, s)
    return out


def head_yaw(motion: Motion) -> np.ndarray:
    """``head_yaw`` of the module docstring (NaN without 3D)."""
    p = _points_3d(motion)
    if p is None:
        return np.full(motion.n_frames, np.nan)
    ahead = p[:, J["nose"]] - 0.5 * (p[:, J["left_ear"]] + p[:, J["right_ear"]])
    angle = np.arctan2(ahead[:, 0], ahead[:, 2])
    known = np.isfinite(angle)
    out = np.full(len(angle), np.nan)
    out[known] = np.degrees(np.unwrap(angle[known]))
    return out


SCALE_SEGMENTS = (("neck", "mid_hip"), ("left_hip", "left_knee"), ("right_hip", "right_knee"),
                  ("left_knee", "left_ankle"), ("right_knee", "right_ankle"))


def apparent_scale(points: np.ndarray, space: str, fps: float, *, window_s: float = 3.0,
                   deadband: float = 0.02) -> np.ndarray:
    """How much bigger she looks than usual, frame by frame (1 = her median size).

    In a picture a dancer who travels towards the camera grows: her pelvis stands
    higher over the floor in pixels though she stands as tall.  Each of the trunk,
    thighs and shanks (:data:`SCALE_SEGMENTS`) against its own median length, the
    median of the five per frame (an arm raised lifts the shoulders, a leg sent at
    the lens foreshortens, never most of them at once), its running median over
    ``window_s`` (longer than a step) follows a walk in depth.  A change within
    ``deadband`` (log ratio: a pose model's segments waver) is no walk.  1
    everywhere in world space (metres are metres).
    """
    n = len(points)
    if space != "image":
        return np.ones(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a segment never seen
        lengths = np.stack([np.linalg.norm(points[:, J[a], :2] - points[:, J[b], :2], axis=-1)
                            for a, b in SCALE_SEGMENTS], axis=1)
        ratio = np.nanmedian(lengths / np.nanmedian(lengths, axis=0), axis=1)
    known = np.flatnonzero(np.isfinite(ratio) & (ratio > 0))
    if known.size < 3:
        return np.ones(n)
    filled = np.interp(np.arange(n), known, ratio[known])
    smooth = median_filter(filled, size=max(3, int(round(window_s * fps)) | 1), mode="nearest")
    change = np.log(smooth / np.median(smooth))
    return np.exp(np.sign(change) * np.maximum(np.abs(change) - deadband, 0.0))


def depth_corrected(motion: Motion) -> np.ndarray:
    """Her keypoints as if she stayed at her usual distance from the camera.

    Through a level camera a point at height ``Y`` and depth ``Z`` is seen
    ``f (Y - Y_cam) / Z`` above the horizon, the image's middle row (pinhole model),
    and likewise across from the middle column: as she travels towards the lens
    everything she is, the floor under her included, moves away from the image's
    centre in proportion to her apparent size ``r`` (:func:`apparent_scale`).
    Shrinking the picture by ``r`` about its centre keeps the floor where it was and
    her heights the same.  Unchanged in world space or without the image size.
    """
    if motion.space != "image" or motion.image_size is None:
        return motion.positions
    return steady_picture(motion.positions, motion.image_size, motion.fps)


def steady_picture(px: np.ndarray, image_size: tuple[int, int], fps: float) -> np.ndarray:
    """Picture points (frames, joints, 2+) shrunk frame by frame by her apparent size
    (:func:`apparent_scale`) about the image's centre: :func:`depth_corrected` for any
    picture, e.g. motion capture filmed by a virtual camera."""
    centre = 0.5 * np.asarray(image_size, dtype=float)
    r = apparent_scale(px, "image", fps)
    return centre + (px - centre) / r[:, None, None]


def _width(motion: Motion, raw: Motion | None) -> np.ndarray:
    if motion.space != "image":
        return np.full(motion.n_frames, np.nan)
    source = raw if raw is not None and raw.n_frames == motion.n_frames else motion
    return apparent_width(source.positions)


def standing_pelvis(pelvis: np.ndarray, lift: dict, point: dict, ankle: dict,
                    kin: Kinematics) -> float:
    """Her standing pelvis height (body heights over the floor): the median over the
    frames where both feet are down and flat (heels and ankles at their lowest
    tenth) and both knees straight (within 12 degrees of their 80th percentile).
    Their 70th percentile, not a top one: a pose model may miss a heel's rise, and
    the relevés it lets through must not become the standing level."""
    mask = np.isfinite(pelvis)
    for s in SIDES:
        a = ankle[s]
        low = np.nanquantile(a, 0.1) if np.isfinite(a).any() else np.nan
        knee = kin[f"{s}_knee_angle"]
        straight = np.nanquantile(knee, 0.8) - 12.0 if np.isfinite(knee).any() else -np.inf
        mask &= (np.nan_to_num(lift[s], nan=1.0) < 0.03) & (np.nan_to_num(point[s], nan=1.0) < 0.03)
        mask &= np.nan_to_num(a - low, nan=1.0) < 0.02
        mask &= np.nan_to_num(knee, nan=180.0) >= straight
    chosen = pelvis[mask] if mask.sum() >= 3 else pelvis[np.isfinite(pelvis)]
    return float(np.quantile(chosen, 0.7)) if chosen.size else float("nan")


def _foot_heights(v: np.ndarray, fps: float, height: float, window_s: float) -> dict:
    """``floor``, ``lift``, ``toe``, ``knee_height``, ``point`` and ``pelvis`` (module
    docstring) from the vertical coordinate ``v`` of every joint."""
    lowest = {s: _nan_min([v[:, J[f"{s}_{f}"]] for f in FOOT]) for s in SIDES}
    floor = floor_level(_nan_min(list(lowest.values())), fps, window_s)
    # each foot's own floor, but never more than FOOT_FLOOR_SPREAD above the common one
    # (a foot held up longer than the window would otherwise become its own floor)
    lift = {s: (lowest[s] - np.clip(floor_level(lowest[s], fps, window_s),
                                    floor, floor + FOOT_FLOOR_SPREAD * height)) / height
            for s in SIDES}
    return {"floor": floor, "lift": lift,
            "toe": {s: (v[:, J[f"{s}_toe"]] - floor) / height for s in SIDES},
            "knee_height": {s: (v[:, J[f"{s}_knee"]] - floor) / height for s in SIDES},
            "ankle": {s: (v[:, J[f"{s}_ankle"]] - floor) / height for s in SIDES},
            "point": {s: _from_rest((v[:, J[f"{s}_heel"]] - v[:, J[f"{s}_toe"]]) / height)
                      for s in SIDES},
            "pelvis": (v[:, J["mid_hip"]] - floor) / height}


def apparent_size(v: np.ndarray) -> np.ndarray:
    """``size`` (module docstring) from the vertical coordinate of every joint as seen
    (not :func:`depth_corrected`: its change is how a walk in depth shows)."""
    return 0.5 * (v[:, J["left_eye"]] + v[:, J["right_eye"]]) \
        - _nan_min([v[:, J[f"{s}_{f}"]] for s in SIDES for f in FOOT])


def _leg_reach(v: np.ndarray, h: np.ndarray, height: float) -> tuple[dict, dict]:
    """``elevation`` and ``reach`` of each leg (module docstring)."""
    elevation, reach = {}, {}
    for s in SIDES:
        legdrop = (v[:, J[f"{s}_hip"]] - v[:, J[f"{s}_ankle"]]) / height
        length = unseen_as_nan(np.nanquantile, legdrop, 0.95)  # a leg never seen: NaN
        elevation[s] = np.degrees(np.arccos(np.clip(legdrop / length, -1.0, 1.0)))
        reach[s] = np.linalg.norm(h[:, J[f"{s}_toe"]] - h[:, J["mid_hip"]], axis=-1) / height
    return elevation, reach


def _gesture_angle_2d(motion: Motion) -> dict[str, np.ndarray]:
    """``gesture_angle_2d`` (module docstring), NaN outside image space."""
    p = motion.positions
    if motion.space != "image":
        return {s: np.full(motion.n_frames, np.nan) for s in SIDES}
    return {s: np.degrees(np.arctan2(p[:, J[f"{s}_toe"], 0] - p[:, J[f"{o}_toe"], 0],
                                     p[:, J[f"{s}_toe"], 1] - p[:, J[f"{o}_toe"], 1]))
            for s, o in (("left", "right"), ("right", "left"))}


def compute_signals(motion: Motion, kin: Kinematics, *, raw: Motion | None = None,
                    floor_window_s: float = 1.5) -> Signals:
    """The per-frame body signals of the module docstring for one clean Motion.

    Parameters
    ----------
    motion : Motion
        Clean (frames, 23, 2 or 3).
    kin : Kinematics
        Its kinematics (:func:`balletmirror.features.kinematics.compute_kinematics`).
    raw : Motion, optional
        The same frames before cleaning: the apparent width is read on them (the
        filters would flatten a fast turn's narrow profile frames).
    floor_window_s : float
        Seconds the floor's running minimum spans.

    Returns
    -------
    Signals
        One value per frame of each signal (heights and distances in body heights,
        angles in degrees), NaN where unseen.
    """
    space = motion.space
    seen = vertical(motion.positions, space)
    p = depth_corrected(motion)
    v = vertical(p, space)
    height = body_height(p)
    f = _foot_heights(v, motion.fps, height, floor_window_s)
    stand = standing_pelvis(f["pelvis"], f["lift"], f["point"], f["ankle"], kin)
    h = _horizontal(p, space)
    elevation, reach = _leg_reach(v, h, height)
    arms = unseen_as_nan(np.nanmean, [v[:, J[f"{s}_wrist"]] - v[:, J[f"{s}_shoulder"]]
                                       for s in SIDES], axis=0) / height  # no wrist: NaN
    return Signals(
        times=motion.times, fps=motion.fps, height=float(height), height_units=motion.units,
        height_m=float(kin.height) if kin.height_units == "m" else None,
        floor=f["floor"], toe=f["toe"], knee_height=f["knee_height"], pelvis=f["pelvis"],
        drop=stand - f["pelvis"], lift=f["lift"], point=f["point"], size=apparent_size(seen),
        elevation=elevation, reach=reach, knee={s: kin[f"{s}_knee_angle"] for s in SIDES},
        arms=arms, trunk=kin["trunk_inclination"], yaw=kin["yaw"],
        pelvis_xy=h[:, J["mid_hip"]] / height, basis=kin.basis, space=space,
        obliquity=kin["pelvis_obliquity"], head_yaw=head_yaw(motion), width=_width(motion, raw),
        gesture_angle_2d=_gesture_angle_2d(motion), **body_directions(motion),
        ankle_seen={s: motion.confidence[:, J[f"{s}_ankle"]] for s in SIDES})


#: the pose model's confidence in the raised leg's ankle, near its height, under which
#: the leg is taken as hidden from the camera (MediaPipe on the studio: 0.89-0.99 for an
#: arabesque leg the camera sees, 0.48-0.62 for one behind her body, from the front or
#: from the three-quarter view of her other side)
HIDDEN_CONFIDENCE = 0.8
NEAR_PEAK_DEG = 10.0  # frames within this of the leg's highest elevation are its height


def raised_leg(sig: Signals, start_s: float, end_s: float,
               leg: str | None = None) -> tuple[str, float] | None:
    """The leg raised highest between ``start_s`` and ``end_s`` (or ``leg``, when the
    step says which) and the mean confidence of its ankle over the frames within
    ``NEAR_PEAK_DEG`` of its height (below ``HIDDEN_CONFIDENCE``: the pose model guessed
    where a hidden leg was); None when that leg's elevation is not known there."""
    w = sig.window(start_s, end_s)
    peaks = {s: np.nanmax(sig.elevation[s][w]) for s in SIDES
             if (leg is None or s == leg) and np.isfinite(sig.elevation[s][w]).any()}
    if not peaks:
        return None
    leg = max(peaks, key=peaks.get)
    near = np.nan_to_num(sig.elevation[leg][w], nan=-np.inf) >= peaks[leg] - NEAR_PEAK_DEG
    return leg, float(np.mean(sig.ankle_seen[leg][w][near]))


def hidden_leg(sig: Signals, start_s: float, end_s: float,
               side: str | None = None) -> tuple[str, float] | None:
    """The raised leg (``side``'s, when the step has one) and its ankle's confidence when
    it was hidden from the camera near its height (:func:`raised_leg` under
    ``HIDDEN_CONFIDENCE``: its keypoints are a guess), else None."""
    seen = raised_leg(sig, start_s, end_s, side if side in OTHER else None)
    return seen if seen is not None and seen[1] < HIDDEN_CONFIDENCE else None
