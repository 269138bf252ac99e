"""A pinhole camera: where the lens is, what it looks at, and how it projects.

Shared by the studio (which films its dancer through one) and the renderers (which
film motion capture through a virtual one).  Image coordinates are continuous
pixels, x to the right and y down, with the origin at the top-left *corner* of the
frame (a pixel's centre is at ``i + 0.5``), the convention of normalised pose-model
landmarks multiplied by the frame size.  World coordinates are metres, right-handed,
Y up.  The default lens is a phone's main camera (26 mm equivalent: 69 degrees
horizontal field of view in a 16:9 frame, 42.5 degrees vertical), with no distortion.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from .errors import ConfigError

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
