"""The studio's room: a light wall facing the camera 3 m behind the dancer, a wooden
floor in perspective (Y = 0) with boards running away from the camera, a skirting
board, optionally a barre, and a soft contact shadow under the dancer.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.camera import Camera, project
from ..core.skeleton import J
from .paint import CIRCLE, DEFAULT_PALETTE, SHIFT, Palette, hull, lighten, to_cv

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
        cv2.line(img, tuple(to_cv(pa)), tuple(to_cv(pb)), colour, thickness, cv2.LINE_AA,
                 SHIFT)


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
    cv2.fillPoly(img, [to_cv(hull(poly))], pal.floor, cv2.LINE_AA, SHIFT)
    n = int(wall * 1.2 / _BOARD_M)
    for i in range(-n, n + 1):
        start = ground + fwd * 0.3 + right * i * _BOARD_M
        _line(img, camera, start, start + fwd * (wall - 0.3), pal.boards)
    for d in np.arange(1.0, wall, 1.3):
        a = ground + fwd * d - right * wall
        _line(img, camera, a, a + 2 * wall * right, lighten(pal.boards, 0.1))
    skirting = [ground + fwd * wall + right * s * 60 + [0, y, 0] for s in (-1, 1)
                for y in (0.0, 0.1)]
    pixels, _ = project(np.array(skirting), camera)
    cv2.fillConvexPoly(img, to_cv(hull(pixels)), pal.skirting, cv2.LINE_AA, SHIFT)


def _draw_barre(img, camera: Camera, pal: Palette) -> None:
    ground, fwd, right = _floor_xz(camera)
    wall = _wall_distance(camera)
    base = ground + fwd * (wall - 0.25) + [0.0, _BARRE_HEIGHT_M, 0.0]
    thick = max(2, int(round(camera.focal * 0.04 / wall)))
    for x in np.arange(-6.0, 6.1, 1.5):
        bracket = base + right * x
        _line(img, camera, bracket, bracket + fwd * 0.25, (150, 150, 154), max(1, thick // 2))
    _line(img, camera, base - right * 40, base + right * 40, lighten(pal.barre, -0.3), thick + 1)
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


def draw_shadow(img: np.ndarray, points: np.ndarray, camera: Camera, height_m: float) -> None:
    """Darken a soft ellipse on the floor under the feet (a contact shadow)."""
    import cv2

    feet = points[[J[n] for n in ("left_ankle", "right_ankle", "left_toe", "right_toe")]]
    centre = feet.mean(axis=0) * [1.0, 0.0, 1.0]
    lift = max(0.0, float(feet[:, 1].min()) - 0.05 * height_m)
    radius = 0.22 * height_m * (1.0 + 0.5 * np.ptp(feet[:, [0, 2]], axis=0).max() / height_m)
    ring = centre + radius * np.stack([CIRCLE[:, 0], 0 * CIRCLE[:, 0], 0.6 * CIRCLE[:, 1]], -1)
    pixels, depth = project(ring, camera)
    if not (depth > 0.05).all():
        return
    x0, y0 = np.floor(pixels.min(axis=0)).astype(int) - 8
    x1, y1 = np.ceil(pixels.max(axis=0)).astype(int) + 8
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, camera.width), min(y1, camera.height)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillConvexPoly(mask, to_cv(pixels - [x0, y0]), 1.0, cv2.LINE_AA, SHIFT)
    mask = cv2.GaussianBlur(mask, (0, 0), 4.0) * (0.3 / (1.0 + 4.0 * lift))
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * (1.0 - mask[..., None])).astype(np.uint8)
