"""The studio's mannequin: a simple dancer a pose model sees like a real one.

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
ballet shoes, dark hair (:class:`~.paint.Palette`).  Parts behind the body's centre
are drawn a little darker than those in front (a depth cue between limbs of the same
colour).  The shoes are hulls of spheres at the ankle, heel and toe whose outline
reaches the heel and toe joints, so pointed feet look pointed; the hands extend the
forearm by 0.07 H.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from ..core.camera import Camera
from ..core.errors import InputError
from ..core.skeleton import J
from .paint import CIRCLE, DEFAULT_PALETTE, LIGHT_CAM, Palette, draw_shaded, lighten

_DEPTH_SHADE = 0.14

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
    pixels for :func:`draw_shaded`, or a callable drawing itself."""

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
        return self.px(c)[:, None, :] + r[:, None, None] * CIRCLE

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
        sections.append(centre + semi_lat * CIRCLE[:, :1] * lat + b * f.H * CIRCLE[:, 1:] * fwd)
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
         lighten(pal.skin, -0.12)),
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
    lambert = np.clip(normals @ LIGHT_CAM, 0.0, 1.0)
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
            draw_shaded(img, part.groups, _depth_shade(part.colour, part.depth - centre,
                                                        height_m))
    return img


def _depth_shade(colour, behind_m: float, height_m: float) -> tuple[float, float, float]:
    """Parts behind the body's centre a little darker (less light reaches them), those
    in front a little lighter: a depth cue between limbs of the same colour."""
    amount = float(np.clip(-behind_m / (0.15 * height_m) * _DEPTH_SHADE, -_DEPTH_SHADE,
                           0.5 * _DEPTH_SHADE))
    return lighten(colour, amount)
