"""Paint for the studio's pictures: the palette and the 2D primitives (OpenCV, anti-aliased,
sub-pixel) that the mannequin (:mod:`.figure`) and the room (:mod:`.room`) are drawn with.

Each part is drawn with a dark outline and two lighter inner layers offset towards
the light, so that limbs read as round.
"""

from __future__ import annotations

import dataclasses

import numpy as np

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


def lighten(colour, amount: float) -> tuple[float, float, float]:
    c = np.asarray(colour, dtype=float)
    return tuple(c + (255.0 - c) * amount) if amount >= 0 else tuple(c * (1.0 + amount))


# ----------------------------------------------------------- 2D primitives
SHIFT = 4  # OpenCV sub-pixel bits
ONE = 1 << SHIFT
N_RING = 16
CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, N_RING, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, N_RING, endpoint=False))], axis=-1)
#: Light direction in camera coordinates (x right, y down, z forward): from the
#: upper left, behind the camera.
LIGHT_CAM = np.array([-0.35, -0.6, -0.72]) / np.linalg.norm([-0.35, -0.6, -0.72])
_LIGHT_2D = LIGHT_CAM[:2] / np.linalg.norm(LIGHT_CAM[:2])
#: (scale of each ring about its centre, offset towards the light in ring radii,
#: lightening) of the inner shading layers.
_SHADE_LAYERS = ((0.74, 0.2, 0.09), (0.42, 0.38, 0.2))
_OUTLINE_PX = 1.1
_OUTLINE_DARKEN = -0.45


def to_cv(points: np.ndarray) -> np.ndarray:
    """Continuous pixel coordinates (corner origin) -> OpenCV fixed-point int32."""
    return np.round((points - 0.5) * ONE).astype(np.int32)


def hull(points: np.ndarray) -> np.ndarray:
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

    cv2.fillConvexPoly(img, to_cv(poly), tuple(float(c) for c in colour), cv2.LINE_AA, SHIFT)


def draw_shaded(img: np.ndarray, groups: list[np.ndarray], colour) -> None:
    """Draw a body part: each group of rings (k, m, 2) is filled as its convex hull,
    with a dark outline and lighter inner layers towards the light."""
    hulls = [hull(g.reshape(-1, 2)) for g in groups]
    for h in hulls:
        _fill(img, _grow(h, _OUTLINE_PX), lighten(colour, _OUTLINE_DARKEN))
    for h in hulls:
        _fill(img, h, colour)
    for scale, offset, amount in _SHADE_LAYERS:
        shade = lighten(colour, amount)
        for g in groups:
            _fill(img, hull(_shrink_rings(g, scale, offset).reshape(-1, 2)), shade)
