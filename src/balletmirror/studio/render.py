"""Rendering the synthetic studio: a 3D dancer filmed by a phone on a tripod.

A motion of the canonical skeleton (frames, 23, 3) in metres (world: right-handed,
Y up; the dancer initially faces +z, her left is +x) is drawn frame by frame as a
simple mannequin in a dance studio and written as an H.264 video that a pose model
sees like a real dancer.  The projected joints (:func:`project_motion`) are the
ground truth every later accuracy figure is measured against.

Camera
------
A pinhole camera (:class:`Camera`) with no lens distortion.  Image coordinates are
continuous pixels, x to the right and y down, with the origin at the top-left
*corner* of the frame (a pixel's centre is at ``i + 0.5``), the convention of
normalised pose-model landmarks multiplied by the frame size.  The default lens is a
phone's main camera (26 mm equivalent: 69 degrees horizontal field of view in a 16:9
frame, 42.5 degrees vertical).

The mannequin
-------------
Sized from the body height ``H`` (estimated from the skeleton when not given):
tapered limbs (convex hulls of two or three spheres: thighs 0.056 H at the top to
0.034 H at the knee, upper arms 0.03 H to 0.022 H...), a lofted torso (elliptic
cross-sections from the crotch to the shoulders, following the hip and shoulder
lines), a neck, and an ellipsoid head ray-cast per pixel (supersampled 3 x 3) so
that the face (eyes, eyebrows, nose, mouth), the ears and the hair with its bun
show wherever the head really points: the face towards the camera, the bun away
from it, both in profile.  Parts are drawn farthest first (painter's algorithm on
each part's mean depth; the neck always over the torso and the head over the
neck).  Colours: skin-coloured arms and face, a dark leotard, pink tights, satin
ballet shoes, dark hair (:class:`Palette`).  Each part has a dark outline and two
lighter inner layers offset towards the light, so that limbs read as round, and
parts behind the body's centre are drawn a little darker than those in front (a
depth cue between limbs of the same colour).  The shoes are hulls of spheres at
the ankle, heel and toe whose outline reaches the heel and toe joints, so pointed
feet look pointed; the hands extend the forearm by 0.07 H.

The studio: a light wall facing the camera 3 m behind the dancer, a wooden floor
in perspective (Y = 0) with boards running away from the camera, a skirting board,
optionally a barre, and a soft contact shadow under the dancer.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..errors import ConfigError, InputError
from ..io.video_write import H264Writer
from ..kinematics import body_height as kinematics_body_height
from ..motion import Motion
from ..skeleton import JOINTS, J

# ------------------------------------------------------------------ camera
#: Vertical field of view of a phone's main camera in a 16:9 landscape frame, degrees.
PHONE_VFOV_DEG = 42.5

#: Camera azimuth around the dancer, degrees from her initial facing (+z),
#: counter-clockwise seen from above: +90 is on her left (+x).
PRESET_YAW_DEG: dict[str, float] = {
    "front": 0.0,
    "three-quarter": -45.0,
    "three-quarter-right": -45.0,
    "three-quarter-left": 45.0,
    "side": -90.0,
    "side-right": -90.0,
    "side-left": 90.0,
    "back": 180.0,
}


@dataclasses.dataclass(frozen=True)
class Camera:
    """A pinhole camera with no roll (the image's up is the world's up).

    Parameters
    ----------
    position : (x, y, z)
        Centre of projection, metres, world coordinates.
    target : (x, y, z)
        The point the optical axis passes through, metres.
    width, height : int
        Image size in pixels.
    vfov_deg : float
        Vertical field of view, degrees (ignored when ``focal_px`` is given).
    focal_px : float, optional
        Focal length in pixels (square pixels, principal point at the centre).
    """

    position: tuple[float, float, float] = (0.0, 1.2, 4.5)
    target: tuple[float, float, float] = (0.0, 0.9, 0.0)
    width: int = 960
    height: int = 540
    vfov_deg: float = PHONE_VFOV_DEG
    focal_px: float | None = None

    def __post_init__(self) -> None:
        for name in ("position", "target"):
            value = tuple(float(v) for v in getattr(self, name))
            if len(value) != 3 or not all(math.isfinite(v) for v in value):
                raise ConfigError(f"Expected {name} as 3 finite numbers, but got {value}")
            object.__setattr__(self, name, value)
        if self.width <= 0 or self.height <= 0:
            raise ConfigError(f"Expected an image size > 0, but got {self.width}x{self.height}")
        if self.focal_px is None and not 1.0 <= self.vfov_deg <= 170.0:
            raise ConfigError(f"Expected vfov_deg in [1, 170], but got {self.vfov_deg}")
        if self.focal_px is not None and not self.focal_px > 0:
            raise ConfigError(f"Expected focal_px > 0, but got {self.focal_px}")
        axis = np.subtract(self.target, self.position)
        horizontal = math.hypot(axis[0], axis[2])
        if horizontal < 1e-6 * max(1.0, float(np.linalg.norm(axis))):
            raise ConfigError("Expected a camera that does not look straight up or down, "
                              f"but got position {self.position} and target {self.target}")

    @functools.cached_property
    def focal(self) -> float:
        """Focal length in pixels."""
        if self.focal_px is not None:
            return float(self.focal_px)
        return 0.5 * self.height / math.tan(math.radians(self.vfov_deg) / 2)

    @property
    def centre(self) -> tuple[float, float]:
        """Principal point (image centre), pixels."""
        return 0.5 * self.width, 0.5 * self.height

    @functools.cached_property
    def rotation(self) -> np.ndarray:
        """(3, 3) rows: the camera's right, down and forward axes in world coordinates."""
        forward = np.subtract(self.target, self.position)
        forward = forward / np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        return np.stack([right, down, forward])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) in metres -> camera coordinates (..., 3): x right,
        y down, z forward (depth), metres."""
        return (np.asarray(points, dtype=float) - self.position) @ self.rotation.T


def camera_preset(name: str = "front", *, distance_m: float = 4.5, height_m: float = 1.2,
                  yaw_deg: float | None = None, target_m: tuple[float, float, float] = (
                      0.0, 0.9, 0.0), width: int = 960, height: int = 540,
                  vfov_deg: float = PHONE_VFOV_DEG) -> Camera:
    """A phone on a tripod looking at the dancer's centre.

    Parameters
    ----------
    name : str
        ``"front"`` (in front of her initial facing), ``"side"`` (= ``"side-right"``:
        from her right, seeing her right profile), ``"side-left"``,
        ``"three-quarter"`` (= ``"three-quarter-right"``: 45 degrees between front
        and her right), ``"three-quarter-left"``, ``"back"``.
    distance_m : float
        Horizontal distance from ``target_m`` to the camera, metres.
    height_m : float
        Height of the lens above the floor, metres.
    yaw_deg : float, optional
        Any azimuth instead of the preset's, degrees counter-clockwise seen from
        above from her initial facing (0 front, +90 her left, -90 her right, 180 back).
    target_m : (x, y, z)
        The point looked at, metres (default: the centre of a 1.65 m dancer standing
        at the origin).
    width, height : int
        Image size, pixels (960 x 540 landscape by default).
    vfov_deg : float
        Vertical field of view, degrees (a phone's main camera by default).

    Raises
    ------
    ConfigError
        Unknown preset name or a non-positive distance.
    """
    if name not in PRESET_YAW_DEG:
        raise ConfigError(f"Expected a camera preset in {sorted(PRESET_YAW_DEG)}, "
                          f"but got {name!r}")
    if not distance_m > 0:
        raise ConfigError(f"Expected distance_m > 0, but got {distance_m}")
    yaw = math.radians(PRESET_YAW_DEG[name] if yaw_deg is None else yaw_deg)
    tx, ty, tz = (float(v) for v in target_m)
    position = (tx + distance_m * math.sin(yaw), float(height_m), tz + distance_m * math.cos(yaw))
    return Camera(position=position, target=(tx, ty, tz), width=width, height=height,
                  vfov_deg=vfov_deg)


def project(points: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Pinhole projection of world points.

    Parameters
    ----------
    points : array (..., 3)
        World coordinates, metres.
    camera : Camera

    Returns
    -------
    pixels : array (..., 2)
        Image coordinates in pixels (x right, y down, origin at the top-left corner
        of the frame); NaN for points at or behind the camera's plane.
    depth : array (...,)
        Distance along the optical axis, metres (grows away from the camera).
    """
    cam = camera.to_camera(points)
    depth = cam[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        pixels = camera.focal * cam[..., :2] / depth[..., None] + np.array(camera.centre)
    pixels[depth <= 0] = np.nan
    return pixels, depth


def _world_points(points) -> np.ndarray:
    """(frames, 23, 3) float array from a world-space Motion or an array, metres."""
    if isinstance(points, Motion):
        if points.space != "world" or points.units != "m":
            raise InputError(f"Expected a world-space Motion in metres, but got "
                             f"space={points.space!r}, units={points.units!r}")
        points = points.positions
    arr = np.asarray(points, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (len(JOINTS), 3):
        raise InputError(f"Expected points of shape (frames, {len(JOINTS)}, 3), "
                         f"but got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError("Expected finite joint positions to render, but got NaN or inf")
    return arr


def project_motion(points, camera: Camera) -> np.ndarray:
    """Image-space keypoints of a 3D motion: the ground truth for a pose model.

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions of the canonical joints, metres.
    camera : Camera

    Returns
    -------
    array (frames, 23, 2)
        Pixels, x right, y down (the convention of image-space :class:`Motion`).
    """
    return project(_world_points(points), camera)[0]


def ideal_pose_model(motion: Motion, camera: Camera) -> Motion:
    """What a perfect pose model would return for ``motion`` filmed by ``camera``.

    An image-space Motion (the exact projected keypoints, confidence 1) with a
    camera-aligned 3D companion as MediaPipe gives one: metres, centred between the
    hips, x to the image's right, y up, z towards the lens.  The studio's oracle for
    the analysis stages (views, technique) without the pose model's errors.
    """
    world = _world_points(motion)
    cam = camera.to_camera(world) * np.array([1.0, -1.0, -1.0])
    cam = cam - cam[:, J["mid_hip"]][:, None, :]
    pixels = project_motion(world, camera)
    return Motion(positions=pixels, confidence=np.ones(pixels.shape[:2]), times=motion.times,
                  fps=motion.fps, space="image", units="px", world=cam,
                  image_size=(camera.width, camera.height),
                  provenance={"reader": "studio", "backend": "ideal"})


def body_height(points) -> float:
    """Standing body height, metres: :func:`balletmirror.kinematics.body_height` of the
    world positions (a Motion or an array (frames, 23, 3))."""
    return kinematics_body_height(_world_points(points))


def standing_height_px(points, camera: Camera, *, height_m: float | None = None) -> np.ndarray:
    """Projected standing body height per frame, pixels: ``f * H / depth(mid_hip)``.

    The unit of the studio's error tolerances ("within 5 % of body height").

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions, metres.
    camera : Camera
    height_m : float, optional
        Body height in metres (default: :func:`body_height`).

    Returns
    -------
    array (frames,)
    """
    p = _world_points(points)
    h = body_height(p) if height_m is None else float(height_m)
    depth = camera.to_camera(p[:, J["mid_hip"]])[:, 2]
    return camera.focal * h / depth


# ----------------------------------------------------------------- palette
RGB = tuple[int, int, int]


@dataclasses.dataclass(frozen=True)
class Palette:
    """Colours of the mannequin and the studio, RGB 0-255."""

    skin: RGB = (226, 176, 146)
    leotard: RGB = (38, 34, 52)
    tights: RGB = (238, 190, 186)
    shoes: RGB = (214, 146, 142)
    hair: RGB = (64, 42, 30)
    lips: RGB = (176, 86, 88)
    eye_white: RGB = (240, 238, 234)
    iris: RGB = (58, 40, 30)
    brows: RGB = (70, 48, 36)
    wall: RGB = (214, 210, 200)
    floor: RGB = (150, 118, 88)
    boards: RGB = (124, 94, 68)
    skirting: RGB = (236, 234, 228)
    barre: RGB = (178, 134, 90)


DEFAULT_PALETTE = Palette()


def _lighten(colour, amount: float) -> tuple[float, float, float]:
    c = np.asarray(colour, dtype=float)
    return tuple(c + (255.0 - c) * amount) if amount >= 0 else tuple(c * (1.0 + amount))


# ----------------------------------------------------------- 2D primitives
_SHIFT = 4  # OpenCV sub-pixel bits
_ONE = 1 << _SHIFT
_N_RING = 16
_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, _N_RING, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, _N_RING, endpoint=False))], axis=-1)
#: Light direction in camera coordinates (x right, y down, z forward): from the
#: upper left, behind the camera.
_LIGHT_CAM = np.array([-0.35, -0.6, -0.72]) / np.linalg.norm([-0.35, -0.6, -0.72])
_LIGHT_2D = _LIGHT_CAM[:2] / np.linalg.norm(_LIGHT_CAM[:2])
#: (scale of each ring about its centre, offset towards the light in ring radii,
#: lightening) of the inner shading layers.
_SHADE_LAYERS = ((0.74, 0.2, 0.09), (0.42, 0.38, 0.2))
_OUTLINE_PX = 1.1
_DEPTH_SHADE = 0.14
_OUTLINE_DARKEN = -0.45


def _to_cv(points: np.ndarray) -> np.ndarray:
    """Continuous pixel coordinates (corner origin) -> OpenCV fixed-point int32."""
    return np.round((points - 0.5) * _ONE).astype(np.int32)


def _hull(points: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(float)


def _grow(poly: np.ndarray, px: float) -> np.ndarray:
    """Push the vertices of a convex polygon out from its centroid by ``px``."""
    d = poly - poly.mean(axis=0)
    n = np.linalg.norm(d, axis=-1, keepdims=True)
    return poly + px * d / np.maximum(n, 1e-9)


def _shrink_rings(rings: np.ndarray, scale: float, offset: float) -> np.ndarray:
    """Rings (k, m, 2) scaled about their centres and moved towards the light."""
    centre = rings.mean(axis=1, keepdims=True)
    radius = np.linalg.norm(rings - centre, axis=-1).mean(axis=1)[:, None, None]
    return centre + scale * (rings - centre) + offset * radius * _LIGHT_2D


def _fill(img: np.ndarray, poly: np.ndarray, colour) -> None:
    import cv2

    cv2.fillConvexPoly(img, _to_cv(poly), tuple(float(c) for c in colour), cv2.LINE_AA, _SHIFT)


def _draw_shaded(img: np.ndarray, groups: list[np.ndarray], colour) -> None:
    """Draw a body part: each group of rings (k, m, 2) is filled as its convex hull,
    with a dark outline and lighter inner layers towards the light."""
    hulls = [_hull(g.reshape(-1, 2)) for g in groups]
    for h in hulls:
        _fill(img, _grow(h, _OUTLINE_PX), _lighten(colour, _OUTLINE_DARKEN))
    for h in hulls:
        _fill(img, h, colour)
    for scale, offset, amount in _SHADE_LAYERS:
        shade = _lighten(colour, amount)
        for g in groups:
            _fill(img, _hull(_shrink_rings(g, scale, offset).reshape(-1, 2)), shade)


# ------------------------------------------------------------- the figure
#: Radii of the spheres whose hull makes each limb, fractions of H.
_ARM = ((0.030, 0.022), (0.022, 0.016))  # upper arm, forearm: (start, end)
_HAND_LENGTH, _HAND_R = 0.07, (0.016, 0.011)
_THIGH_START, _THIGH_R = 0.12, (0.056, 0.034)
_SHANK_R = (0.034, 0.037, 0.021)  # knee, calf (30 % down), ankle
_FOOT_R = (0.021, 0.017, 0.011)  # ankle, heel, toe
_NECK_R = (0.03, 0.026)

#: Torso cross-sections: (s along mid-hip -> neck, lateral semi-axis added to the
#: half joint width or absolute (None), lateral, forward semi-axis, forward offset),
#: fractions of H.  s < 0 is below the hip line (the leotard's crotch).
_TORSO = (
    (-0.22, None, 0.034, 0.038, 0.0),
    (-0.10, None, 0.075, 0.056, -0.006),
    (0.05, "hip", 0.043, 0.068, -0.012),
    (0.2, None, 0.072, 0.056, -0.006),
    (0.45, None, 0.068, 0.050, 0.0),
    (0.75, None, 0.082, 0.058, 0.008),
    (0.94, "shoulder", 0.012, 0.046, 0.0),
    (1.04, None, 0.045, 0.034, -0.004),
)


@dataclasses.dataclass
class _Part:
    """One drawable piece of the figure at a depth (metres): ``groups`` of rings in
    pixels for :func:`_draw_shaded`, or a callable drawing itself."""

    depth: float
    colour: tuple
    groups: list[np.ndarray] = dataclasses.field(default_factory=list)
    draw: Callable[[np.ndarray], None] | None = None


class _Frame:
    """One frame's joints in camera coordinates with projection helpers."""

    def __init__(self, points: np.ndarray, camera: Camera, height_m: float):
        self.world = points
        self.cam = camera.to_camera(points)
        if (self.cam[:, 2] < 0.2).any():
            raise InputError("Expected the dancer in front of the camera (depth > 0.2 m), "
                             "but a joint is behind it or too close")
        self.camera = camera
        self.H = height_m
        self.centre = np.array(camera.centre)

    def px(self, cam_points: np.ndarray) -> np.ndarray:
        """Camera coordinates (..., 3) -> pixels (..., 2)."""
        return self.camera.focal * cam_points[..., :2] / cam_points[..., 2:3] + self.centre

    def joint(self, name: str) -> np.ndarray:
        """Camera coordinates (3,) of a canonical joint, metres."""
        return self.cam[J[name]]

    def rings(self, centres: np.ndarray, radii_h) -> np.ndarray:
        """Circles (k, 16, 2) in pixels for spheres at camera points (k, 3) with radii
        in fractions of H."""
        c = np.asarray(centres, dtype=float)
        r = self.camera.focal * np.asarray(radii_h) * self.H / c[:, 2]
        return self.px(c)[:, None, :] + r[:, None, None] * _CIRCLE

    def blob(self, centres: list[np.ndarray], radii_h, colour) -> _Part:
        """A part drawn as the hull of spheres at camera points, at their mean depth."""
        c = np.stack(centres)
        return _Part(float(c[:, 2].mean()), colour, [self.rings(c, radii_h)])


def _limb_parts(f: _Frame, pal: Palette) -> list[_Part]:
    """Upper arms, forearms, hands, thighs, shanks and shoes of both sides."""
    parts = []
    for s in ("left", "right"):
        sh, el, wr = (f.joint(f"{s}_{n}") for n in ("shoulder", "elbow", "wrist"))
        hip, knee, ank = (f.joint(f"{s}_{n}") for n in ("hip", "knee", "ankle"))
        hand_dir = (wr - el) / max(np.linalg.norm(wr - el), 1e-9)
        parts += [
            f.blob([sh, el], _ARM[0], pal.skin),
            f.blob([el, wr], _ARM[1], pal.skin),
            f.blob([wr, wr + _HAND_LENGTH * f.H * hand_dir], _HAND_R, pal.skin),
            f.blob([hip + _THIGH_START * (knee - hip), knee], _THIGH_R, pal.tights),
            f.blob([knee, knee + 0.3 * (ank - knee), ank], _SHANK_R, pal.tights),
            _foot(f, s, pal),
        ]
    return parts


def _foot(f: _Frame, side: str, pal: Palette) -> _Part:
    """The shoe: spheres at the ankle, heel and toe, the last two pulled in by their
    radius so that the shoe's outline reaches the heel and toe joints."""
    ank, heel, toe = (f.joint(f"{side}_{n}") for n in ("ankle", "heel", "toe"))
    centres = [ank]
    for point, r in ((heel, _FOOT_R[1]), (toe, _FOOT_R[2])):
        d = point - ank
        n = np.linalg.norm(d)
        centres.append(point - d / max(n, 1e-9) * min(r * f.H, 0.5 * n))
    return f.blob(centres, _FOOT_R, pal.shoes)


def _torso_frame(f: _Frame) -> tuple[np.ndarray, ...]:
    """Pelvis centre, spine vector (mid-hip -> neck), and unit lateral/forward axes
    at the hips and the shoulders (camera coordinates)."""
    mid, neck = f.joint("mid_hip"), f.joint("neck")
    spine = neck - mid
    up = spine / max(np.linalg.norm(spine), 1e-9)
    axes = []
    for a, b in (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")):
        lat = f.joint(a) - f.joint(b)
        lat = lat - (lat @ up) * up
        lat /= max(np.linalg.norm(lat), 1e-9)
        axes.append((lat, np.cross(lat, up)))
    return mid, spine, axes[0], axes[1]


def _torso_part(f: _Frame, pal: Palette) -> _Part:
    """The leotard: a loft of the :data:`_TORSO` cross-sections, each turning with a
    blend of the hip line (bottom) and the shoulder line (top)."""
    mid, spine, (lat0, fwd0), (lat1, fwd1) = _torso_frame(f)
    half = {"hip": 0.5 * np.linalg.norm(f.joint("left_hip") - f.joint("right_hip")),
            "shoulder": 0.5 * np.linalg.norm(f.joint("left_shoulder") - f.joint("right_shoulder"))}
    sections = []
    for s, base, a, b, off in _TORSO:
        w = float(np.clip(s, 0.0, 1.0))
        lat, fwd = (1 - w) * lat0 + w * lat1, (1 - w) * fwd0 + w * fwd1
        semi_lat = (half[base] if base else 0.0) + a * f.H
        centre = mid + s * spine + off * f.H * fwd
        sections.append(centre + semi_lat * _CIRCLE[:, :1] * lat + b * f.H * _CIRCLE[:, 1:] * fwd)
    rings = f.px(np.stack(sections))
    groups = [rings[i:i + 2] for i in range(len(rings) - 1)]
    return _Part(float((mid + 0.5 * spine)[2]), pal.leotard, groups)


# ------------------------------------------------------------------- head
#: Head ellipsoid semi-axes (lateral, up, forward) and centre offset from the mid-point
#: of the ears (lateral, up, forward), fractions of H.
_HEAD_SEMI = np.array([0.05, 0.068, 0.06])
_HEAD_OFFSET = np.array([0.0, 0.012, 0.002])
#: Nose: semi-axes and centre in the head frame (fractions of H); bun likewise.
_NOSE = (np.array([0.008, 0.022, 0.014]), np.array([0.0, -0.012, 0.053]))
_BUN = (np.array([0.03, 0.028, 0.026]), np.array([0.0, 0.045, -0.062]))
_SUPERSAMPLE = 3
#: Hairline elevation (degrees) as a function of |azimuth| (0 = the face's centre).
_HAIRLINE = (np.array([0.0, 35.0, 80.0, 105.0, 140.0, 180.0]),
             np.array([32.0, 32.0, 14.0, 14.0, -55.0, -55.0]))


def _head_axes(f: _Frame) -> tuple[np.ndarray, np.ndarray]:
    """Head centre (3,) and rotation (3, 3) whose columns are the head's lateral (to
    her left), up and forward axes, camera coordinates."""
    ears = 0.5 * (f.joint("left_ear") + f.joint("right_ear"))
    lat = f.joint("left_ear") - f.joint("right_ear")
    lat /= max(np.linalg.norm(lat), 1e-9)
    fwd = f.joint("nose") - ears
    fwd = fwd - (fwd @ lat) * lat
    fwd /= max(np.linalg.norm(fwd), 1e-9)
    up = np.cross(fwd, lat)
    rot = np.stack([lat, up, fwd], axis=1)
    return ears + rot @ (_HEAD_OFFSET * f.H), rot


def _ray_ellipsoid(origin: np.ndarray, dirs: np.ndarray, centre: np.ndarray,
                   rot: np.ndarray, semi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hit of rays (origin (3,), dirs (n, 3)) with an ellipsoid.

    Returns the ray parameter ``t`` (n,) (inf where missed) and the hit point in the
    ellipsoid's unit-sphere coordinates (n, 3)."""
    o = ((origin - centre) @ rot) / semi
    d = (dirs @ rot) / semi
    a = (d * d).sum(-1)
    b = 2.0 * (d @ o)
    c = o @ o - 1.0
    disc = b * b - 4 * a * c
    hit = disc >= 0
    t = (-b - np.sqrt(np.where(hit, disc, 0.0))) / (2 * a)
    return np.where(hit, t, np.inf), o + t[:, None] * d


def _face_colours(s: np.ndarray, pal: Palette) -> np.ndarray:
    """Colour (n, 3) of points on the unit head sphere (lateral, up, forward)."""
    az = np.degrees(np.arctan2(s[:, 0], s[:, 2]))
    el = np.degrees(np.arcsin(np.clip(s[:, 1], -1, 1)))
    aaz = np.abs(az)
    de = aaz - 33.0
    regions = (  # later regions paint over earlier ones
        (el > np.interp(aaz, *_HAIRLINE), pal.hair),
        ((az / 13.0) ** 2 + ((el + 38.0) / 4.0) ** 2 < 1, pal.lips),
        ((np.abs(de) < 12) & (np.abs(el - 17.0 + 0.012 * de ** 2) < 2.2), pal.brows),
        ((de / 11.0) ** 2 + ((el - 5.0) / 6.0) ** 2 < 1, pal.eye_white),
        ((de / 5.0) ** 2 + ((el - 4.0) / 5.5) ** 2 < 1, pal.iris),
        ((((aaz - 97.0) / 9.0) ** 2 + ((el + 8.0) / 15.0) ** 2 < 1) & (el < 18),
         _lighten(pal.skin, -0.12)),
    )
    out = np.empty((len(s), 3))
    out[:] = pal.skin
    for mask, colour in regions:
        out[mask] = colour
    return out


def _head_shapes(f: _Frame) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Head rotation (3, 3) and the (centre, semi-axes) of the head, nose and bun
    ellipsoids, camera coordinates, metres."""
    centre, rot = _head_axes(f)
    shapes = [(centre, _HEAD_SEMI * f.H)]
    for semi, offset in (_NOSE, _BUN):
        shapes.append((centre + rot @ (offset * f.H), semi * f.H))
    return rot, shapes


def _head_samples(f: _Frame, shapes) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """Pixel box (x0, y0, x1, y1) around the head and the supersampled ray
    directions (rows * k, cols * k, 3) through it, camera coordinates."""
    boxes = []
    for c, semi in shapes:
        r = f.camera.focal * semi.max() / c[2] + 1.5
        boxes.append(np.concatenate([f.px(c) - r, f.px(c) + r]))
    b = np.array(boxes)
    x0, y0 = (max(0, int(math.floor(v))) for v in b[:, :2].min(axis=0))
    x1 = min(f.camera.width, int(math.ceil(b[:, 2].max())))
    y1 = min(f.camera.height, int(math.ceil(b[:, 3].max())))
    k = _SUPERSAMPLE
    xs = (x0 + (np.arange(max(x1 - x0, 0) * k) + 0.5) / k - f.centre[0]) / f.camera.focal
    ys = (y0 + (np.arange(max(y1 - y0, 0) * k) + 0.5) / k - f.centre[1]) / f.camera.focal
    dirs = np.empty((len(ys), len(xs), 3))
    dirs[..., 0], dirs[..., 1], dirs[..., 2] = xs[None, :], ys[:, None], 1.0
    return (x0, y0, x1, y1), dirs


def _shade(normals: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """Lambert shading with ambient light and a darker rim, (n,)."""
    lambert = np.clip(normals @ _LIGHT_CAM, 0.0, 1.0)
    facing = np.abs((normals * dirs).sum(-1)) / np.linalg.norm(dirs, axis=-1)
    return (0.7 + 0.35 * lambert) * (0.86 + 0.14 * np.sqrt(facing))


def _head_colours(dirs: np.ndarray, hits: list, rot: np.ndarray, semis: np.ndarray,
                  pal: Palette) -> np.ndarray:
    """Shaded colours (n, 3) of rays (n, 3) that hit the head, nose or bun; ``hits``
    holds each ellipsoid's (t, unit-sphere point) for these rays."""
    which = np.argmin(np.stack([h[0] for h in hits]), axis=0)
    unit = hits[0][1].copy()
    for i in (1, 2):
        unit[which == i] = hits[i][1][which == i]
    normals = (unit / semis[which]) @ rot.T
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    colour = _face_colours(unit, pal)
    colour[which == 1] = pal.skin
    colour[which == 2] = pal.hair
    return colour * _shade(normals, dirs)[:, None]


def _render_head(f: _Frame, pal: Palette) -> tuple[tuple[int, int, int, int], np.ndarray,
                                                    np.ndarray] | None:
    """Ray-cast the head, nose and bun: box, premultiplied colour (rows, cols, 3) and
    coverage (rows, cols, 1), both averaged over the supersamples."""
    rot, shapes = _head_shapes(f)
    box, dirs = _head_samples(f, shapes)
    if dirs.size == 0:
        return None
    flat = dirs.reshape(-1, 3)
    hits = [_ray_ellipsoid(np.zeros(3), flat, c, rot, s) for c, s in shapes]
    covered = np.isfinite(np.minimum.reduce([t for t, _ in hits]))
    colour = np.zeros((len(flat), 3))
    colour[covered] = _head_colours(flat[covered], [(t[covered], u[covered]) for t, u in hits],
                                    rot, np.stack([s for _, s in shapes]), pal)
    k = _SUPERSAMPLE
    rows, cols = box[3] - box[1], box[2] - box[0]
    colour = colour.reshape(rows, k, cols, k, 3).mean(axis=(1, 3))
    alpha = covered.reshape(rows, k, cols, k).mean(axis=(1, 3))[..., None]
    return box, colour, alpha


def _head_part(f: _Frame, pal: Palette) -> _Part:
    centre, _ = _head_axes(f)

    def draw(img: np.ndarray) -> None:
        rendered = _render_head(f, pal)
        if rendered is None:
            return
        (x0, y0, x1, y1), colour, alpha = rendered
        roi = img[y0:y1, x0:x1]
        roi[:] = np.clip(roi * (1.0 - alpha) + colour, 0, 255).astype(np.uint8)

    return _Part(float(centre[2]), pal.skin, draw=draw)


def _neck_part(f: _Frame, pal: Palette) -> _Part:
    centre, rot = _head_axes(f)
    top = centre - rot[:, 1] * 0.045 * f.H
    return f.blob([f.joint("neck"), top], _NECK_R, pal.skin)


def _figure_parts(points: np.ndarray, camera: Camera, *, height_m: float,
                 palette: Palette = DEFAULT_PALETTE) -> list[_Part]:
    """The mannequin's parts for one frame, farthest first.

    Parameters
    ----------
    points : array (23, 3)
        World positions of the canonical joints, metres.
    camera : Camera
    height_m : float
        Body height, metres (sets the thickness of every part).
    palette : Palette
    """
    f = _Frame(points, camera, height_m)
    torso = _torso_part(f, palette)
    neck, head = _neck_part(f, palette), _head_part(f, palette)
    neck.depth = min(neck.depth, torso.depth - 1e-4)  # the neck always over the torso,
    head.depth = min(head.depth, neck.depth - 1e-4)  # the head always over the neck
    parts = _limb_parts(f, palette) + [torso, neck, head]
    return sorted(parts, key=lambda p: -p.depth)


def draw_figure(img: np.ndarray, points: np.ndarray, camera: Camera, *, height_m: float,
                palette: Palette = DEFAULT_PALETTE) -> np.ndarray:
    """Draw the mannequin for one frame into ``img`` (rows, cols, 3) uint8 RGB, in place.

    Parameters
    ----------
    img : array (camera.height, camera.width, 3) uint8
    points : array (23, 3)
        World positions of the canonical joints, metres.
    camera : Camera
    height_m : float
        Body height, metres.
    palette : Palette

    Returns
    -------
    img
    """
    parts = _figure_parts(points, camera, height_m=height_m, palette=palette)
    centre = float(np.median([p.depth for p in parts]))
    for part in parts:
        if part.draw is not None:
            part.draw(img)
        else:
            _draw_shaded(img, part.groups, _depth_shade(part.colour, part.depth - centre,
                                                        height_m))
    return img


def _depth_shade(colour, behind_m: float, height_m: float) -> tuple[float, float, float]:
    """Parts behind the body's centre a little darker (less light reaches them), those
    in front a little lighter: a depth cue between limbs of the same colour."""
    amount = float(np.clip(-behind_m / (0.15 * height_m) * _DEPTH_SHADE, -_DEPTH_SHADE,
                           0.5 * _DEPTH_SHADE))
    return _lighten(colour, amount)


# ----------------------------------------------------------------- studio
_WALL_BEHIND_M = 3.0
_BOARD_M = 0.16
_BARRE_HEIGHT_M = 1.0


def _floor_xz(camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Camera ground point, horizontal forward and right unit vectors (world, y = 0)."""
    fwd = np.subtract(camera.target, camera.position) * [1.0, 0.0, 1.0]
    fwd /= np.linalg.norm(fwd)
    right = np.array([-fwd[2], 0.0, fwd[0]])
    return np.array([camera.position[0], 0.0, camera.position[2]]), fwd, right


def _wall_distance(camera: Camera) -> float:
    """Horizontal distance from the camera to the wall behind the dancer, metres."""
    d = np.subtract(camera.target, camera.position)
    return math.hypot(d[0], d[2]) + _WALL_BEHIND_M


def _line(img, camera: Camera, a, b, colour, thickness: int = 1) -> None:
    import cv2

    (pa, pb), depth = project(np.array([a, b], dtype=float), camera)
    if (depth > 0.05).all():
        cv2.line(img, tuple(_to_cv(pa)), tuple(_to_cv(pb)), colour, thickness, cv2.LINE_AA,
                 _SHIFT)


def _floor_polygon(camera: Camera, wall: float) -> np.ndarray:
    """Pixels of the floor between 0.3 m in front of the camera and the wall."""
    ground, fwd, right = _floor_xz(camera)
    corners = [ground + fwd * d + right * s * w
               for d, w in ((0.3, 3.0), (wall, 60.0)) for s in (-1, 1)]
    pixels, _ = project(np.array(corners), camera)
    return pixels[[0, 2, 3, 1]]


def _draw_floor(img, camera: Camera, pal: Palette) -> None:
    import cv2

    wall = _wall_distance(camera)
    ground, fwd, right = _floor_xz(camera)
    poly = _floor_polygon(camera, wall)
    poly = np.vstack([poly, [[camera.width * 4, camera.height * 4],
                             [-camera.width * 3, camera.height * 4]]])
    cv2.fillPoly(img, [_to_cv(_hull(poly))], pal.floor, cv2.LINE_AA, _SHIFT)
    n = int(wall * 1.2 / _BOARD_M)
    for i in range(-n, n + 1):
        start = ground + fwd * 0.3 + right * i * _BOARD_M
        _line(img, camera, start, start + fwd * (wall - 0.3), pal.boards)
    for d in np.arange(1.0, wall, 1.3):
        a = ground + fwd * d - right * wall
        _line(img, camera, a, a + 2 * wall * right, _lighten(pal.boards, 0.1))
    skirting = [ground + fwd * wall + right * s * 60 + [0, y, 0] for s in (-1, 1)
                for y in (0.0, 0.1)]
    pixels, _ = project(np.array(skirting), camera)
    cv2.fillConvexPoly(img, _to_cv(_hull(pixels)), pal.skirting, cv2.LINE_AA, _SHIFT)


def _draw_barre(img, camera: Camera, pal: Palette) -> None:
    ground, fwd, right = _floor_xz(camera)
    wall = _wall_distance(camera)
    base = ground + fwd * (wall - 0.25) + [0.0, _BARRE_HEIGHT_M, 0.0]
    thick = max(2, int(round(camera.focal * 0.04 / wall)))
    for x in np.arange(-6.0, 6.1, 1.5):
        bracket = base + right * x
        _line(img, camera, bracket, bracket + fwd * 0.25, (150, 150, 154), max(1, thick // 2))
    _line(img, camera, base - right * 40, base + right * 40, _lighten(pal.barre, -0.3), thick + 1)
    _line(img, camera, base - right * 40, base + right * 40, pal.barre, thick - 1)


def studio_background(camera: Camera, *, palette: Palette = DEFAULT_PALETTE,
                      barre: bool = True) -> np.ndarray:
    """The empty studio seen by ``camera``: (height, width, 3) uint8 RGB.

    A wall facing the camera 3 m behind the target (lit a little brighter at the
    bottom), the floor (Y = 0) with boards running away from the camera, a skirting
    board and, optionally, a barre 1 m high along the wall.
    """
    rows = np.linspace(-0.06, 0.04, camera.height)[:, None, None]
    wall = np.clip(np.array(palette.wall, float) * (1 + rows), 0, 255)
    img = np.ascontiguousarray(np.broadcast_to(wall, (camera.height, camera.width, 3)),
                               dtype=np.uint8)
    _draw_floor(img, camera, palette)
    if barre:
        _draw_barre(img, camera, palette)
    return img


def _draw_shadow(img: np.ndarray, points: np.ndarray, camera: Camera, height_m: float) -> None:
    """Darken a soft ellipse on the floor under the feet (a contact shadow)."""
    import cv2

    feet = points[[J[n] for n in ("left_ankle", "right_ankle", "left_toe", "right_toe")]]
    centre = feet.mean(axis=0) * [1.0, 0.0, 1.0]
    lift = max(0.0, float(feet[:, 1].min()) - 0.05 * height_m)
    radius = 0.22 * height_m * (1.0 + 0.5 * np.ptp(feet[:, [0, 2]], axis=0).max() / height_m)
    ring = centre + radius * np.stack([_CIRCLE[:, 0], 0 * _CIRCLE[:, 0], 0.6 * _CIRCLE[:, 1]], -1)
    pixels, depth = project(ring, camera)
    if not (depth > 0.05).all():
        return
    x0, y0 = np.floor(pixels.min(axis=0)).astype(int) - 8
    x1, y1 = np.ceil(pixels.max(axis=0)).astype(int) + 8
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, camera.width), min(y1, camera.height)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillConvexPoly(mask, _to_cv(pixels - [x0, y0]), 1.0, cv2.LINE_AA, _SHIFT)
    mask = cv2.GaussianBlur(mask, (0, 0), 4.0) * (0.3 / (1.0 + 4.0 * lift))
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * (1.0 - mask[..., None])).astype(np.uint8)


# ---------------------------------------------------------------- frames
class _Noise:
    """Gaussian pixel noise from a few pre-drawn fields, shifted at random each frame
    (drawing 1.5 million normals per frame would cost more than the drawing)."""

    def __init__(self, shape: tuple[int, int], std: float, rng: np.random.Generator):
        pad = 32
        self.rng, self.shape, self.pad = rng, shape, pad
        size = (shape[0] + pad, shape[1] + pad, 3)
        self.fields = [np.round(rng.normal(0.0, std, size)).astype(np.int16) for _ in range(3)]

    def add(self, img: np.ndarray) -> np.ndarray:
        field = self.fields[int(self.rng.integers(len(self.fields)))]
        dy, dx = (int(v) for v in self.rng.integers(0, self.pad, 2))
        noise = field[dy:dy + self.shape[0], dx:dx + self.shape[1]]
        return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def render_frames(points, camera: Camera, *, height_m: float | None = None,
                  palette: Palette = DEFAULT_PALETTE, blur_px: float = 0.0,
                  noise_std: float = 0.0, seed: int = 0, barre: bool = True,
                  shadow: bool = True) -> Iterator[np.ndarray]:
    """Render a motion frame by frame (a generator: one frame in memory at a time).

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions of the canonical joints, metres (Y up).
    camera : Camera
    height_m : float, optional
        Body height in metres; default from the Motion's ``provenance["height_m"]``
        or :func:`body_height`.
    palette : Palette
        Colours.
    blur_px : float
        Standard deviation of a Gaussian blur of the whole frame, pixels (0: none).
    noise_std : float
        Standard deviation of Gaussian pixel noise, 8-bit levels (0: none).
    seed : int
        Seed of the noise.
    barre, shadow : bool
        Draw a barre on the wall; a contact shadow under the dancer.

    Yields
    ------
    array (camera.height, camera.width, 3) uint8
        RGB frames.
    """
    import cv2

    h = _height_of(points) if height_m is None else float(height_m)
    p = _world_points(points)
    background = studio_background(camera, palette=palette, barre=barre)
    noise = _Noise(background.shape[:2], noise_std, np.random.default_rng(seed)) \
        if noise_std > 0 else None
    for frame in p:
        img = background.copy()
        if shadow:
            _draw_shadow(img, frame, camera, h)
        draw_figure(img, frame, camera, height_m=h, palette=palette)
        if blur_px > 0:
            img = cv2.GaussianBlur(img, (0, 0), blur_px)
        yield noise.add(img) if noise is not None else img


def render_frame(points: np.ndarray, camera: Camera, **options) -> np.ndarray:
    """One frame (camera.height, camera.width, 3) uint8 RGB of the joints (23, 3) in
    metres; ``options`` as for :func:`render_frames` (give ``height_m`` for a single
    frame, the estimate from one frame is less stable)."""
    return next(render_frames(np.asarray(points, dtype=float)[None], camera, **options))


def _height_of(points) -> float:
    if isinstance(points, Motion) and "height_m" in points.provenance:
        return float(points.provenance["height_m"])
    return body_height(points)


# ------------------------------------------------------------------ audio
def click_track(duration_s: float, *, bpm: float, offset_s: float = 0.0,
                sr: int = 22050) -> np.ndarray:
    """A metronome: a short decaying sine burst on every beat.

    Parameters
    ----------
    duration_s : float
        Length of the track, seconds.
    bpm : float
        Beats per minute.
    offset_s : float
        Time of the first beat, seconds.
    sr : int
        Sample rate, Hz.

    Returns
    -------
    array (round(duration_s * sr),) float32
        Mono samples in [-1, 1].  Every 8th beat (counts "1" of a ballet phrase of
        eight, starting with the first) is accented: 1.5 kHz at amplitude 0.9;
        the others 1 kHz at 0.5; each burst lasts 60 ms with a 12 ms decay.
    """
    if not (bpm > 0 and sr > 0 and duration_s >= 0):
        raise ConfigError(f"Expected bpm > 0, sr > 0, duration_s >= 0, but got "
                          f"bpm={bpm}, sr={sr}, duration_s={duration_s}")
    y = np.zeros(int(round(duration_s * sr)), np.float32)
    t = np.arange(int(0.06 * sr)) / sr
    envelope = np.exp(-t / 0.012)
    clicks = {True: 0.9 * envelope * np.sin(2 * np.pi * 1500 * t),
              False: 0.5 * envelope * np.sin(2 * np.pi * 1000 * t)}
    beats = np.arange(offset_s, duration_s, 60.0 / bpm)
    for k, beat in enumerate(beats[beats >= 0]):
        start = int(round(beat * sr))
        burst = clicks[k % 8 == 0][: len(y) - start]
        y[start:start + len(burst)] += burst
    return y


# ------------------------------------------------------------------ video


def _frame_times(times_or_fps, n: int) -> tuple[np.ndarray, float]:
    """Timestamps (n,) from 0 in seconds and the nominal rate, frames/s."""
    if np.ndim(times_or_fps) == 0:
        fps = float(times_or_fps)
        if not (math.isfinite(fps) and fps > 0):
            raise ConfigError(f"Expected fps > 0, but got {times_or_fps!r}")
        return np.arange(n) / fps, fps
    t = np.asarray(times_or_fps, dtype=float)
    if t.shape != (n,) or not np.isfinite(t).all() or (n > 1 and (np.diff(t) <= 0).any()):
        raise ConfigError(f"Expected {n} strictly increasing finite times, but got "
                          f"shape {t.shape}")
    fps = 1.0 / float(np.median(np.diff(t))) if n > 1 else 30.0
    return t - t[0], fps


def render_video(points, times_or_fps, camera: Camera, path: str | Path, *,
                 audio: np.ndarray | None = None, sr: int = 22050, crf: int = 18,
                 preset: str = "veryfast",
                 progress: Callable[[int, int], None] | None = None, **options) -> Path:
    """Render a motion as an H.264 MP4 (yuv420p: plays in browsers), streaming.

    Parameters
    ----------
    points : Motion or array (frames, 23, 3)
        World positions of the canonical joints, metres.
    times_or_fps : float or array (frames,) or None
        A constant frame rate (frames/s), or each frame's timestamp in seconds
        (variable frame rate is kept); None takes a Motion's ``times``.
    camera : Camera
    path : path
        The ``.mp4`` file to write (its folder must exist).
    audio : array (samples,), optional
        Mono audio in [-1, 1] (e.g. :func:`click_track`), muxed as AAC.
    sr : int
        Sample rate of ``audio``, Hz.
    crf : int
        x264 constant rate factor (lower is better quality; 18 is visually lossless).
    preset : str
        x264 speed preset.
    progress : callable(done, total), optional
        Called after each frame.
    **options
        Look of the frames: see :func:`render_frames` (``height_m``, ``palette``,
        ``blur_px``, ``noise_std``, ``seed``, ``barre``, ``shadow``).

    Returns
    -------
    Path
        ``path``.
    """
    p = _world_points(points)
    if times_or_fps is None:
        if not isinstance(points, Motion):
            raise ConfigError("Expected times or fps for an array of points, but got None")
        times_or_fps = points.times
    times, fps = _frame_times(times_or_fps, len(p))
    options.setdefault("height_m", _height_of(points))
    path = Path(path)
    with H264Writer(path, camera.width, camera.height, fps, audio=audio, sr=sr, crf=crf,
                    preset=preset) as writer:
        for i, img in enumerate(render_frames(p, camera, **options)):
            writer.write(img, times[i])
            if progress is not None:
                progress(i + 1, len(p))
    return path
