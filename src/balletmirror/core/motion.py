"""``Motion``: the one validated data model of balletmirror.

A Motion holds the positions of the canonical skeleton (:mod:`balletmirror.core.skeleton`)
over time, with per-joint confidence, per-frame timestamps and where it came from.

Coordinate conventions
----------------------
* ``space="image"``: 2D pixel coordinates, x to the right, y *down*, origin at the
  top-left corner of the (rotation-corrected) frame; ``units="px"``.
* ``space="world"``: 3D, right-handed, **Y up**; ``units="m"`` (or ``"height"`` after
  :func:`balletmirror.features.kinematics.normalise_by_height`).  For video the world frame is
  the camera's: x to the image's right, y up, z towards the camera, origin at the
  pelvis (MediaPipe world landmarks are hip-centred).  For mocap it is the capture
  volume's, converted to Y up and metres.

Missing values are ``NaN`` in ``positions`` with confidence ``0``; nothing is ever
invented: cleaning records what it filled in ``provenance``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, MotionValidationError
from .skeleton import DERIVED, JOINTS, J

SCHEMA = "balletmirror.motion/1"
SPACES = ("image", "world")
UNITS = {"image": ("px", "height"), "world": ("m", "height")}


def _fail(expected: str, got: object) -> MotionValidationError:
    return MotionValidationError(f"Expected {expected}, but got {got}")


def _as_float_array(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise _fail(f"{name} as a numeric array", type(value).__name__) from None
    return arr


def _check_positions(positions: np.ndarray, space: str) -> None:
    dims = 2 if space == "image" else 3
    if positions.ndim != 3 or positions.shape[1] != len(JOINTS) or positions.shape[2] != dims:
        raise _fail(
            f"positions of shape (frames, {len(JOINTS)}, {dims}) for space={space!r}",
            f"shape {positions.shape}",
        )
    if positions.shape[0] < 1:
        raise _fail("at least one frame", "0 frames")
    if np.isinf(positions).any():
        raise _fail("finite positions or NaN for missing", "infinite values")


def _check_times(times: np.ndarray, n_frames: int) -> None:
    if times.shape != (n_frames,):
        raise _fail(f"times of shape ({n_frames},)", f"shape {times.shape}")
    if not np.isfinite(times).all():
        raise _fail("finite timestamps", "NaN or infinite timestamps")
    if n_frames > 1 and not (np.diff(times) > 0).all():
        raise _fail("strictly increasing timestamps", "timestamps that repeat or go back")


def _check_confidence(confidence: np.ndarray, shape: tuple[int, int]) -> None:
    if confidence.shape != shape:
        raise _fail(f"confidence of shape {shape}", f"shape {confidence.shape}")
    if np.isnan(confidence).any() or (confidence < 0).any() or (confidence > 1).any():
        raise _fail("confidence in [0, 1]", "values outside it or NaN")


def _check_fps(fps: object) -> None:
    numeric = isinstance(fps, (int, float, np.integer, np.floating))
    if not (numeric and np.isfinite(fps) and fps > 0):
        raise _fail("fps > 0", repr(fps))


def _check_image_size(size) -> tuple[int, int] | None:
    if size is None:
        return None
    if len(size) != 2 or min(size) <= 0:
        raise _fail("image_size as (width, height) > 0", repr(size))
    return (int(size[0]), int(size[1]))


def _json_copy(provenance: dict) -> dict:
    try:
        return json.loads(json.dumps(dict(provenance)))
    except (TypeError, ValueError):
        raise _fail("a JSON-serialisable provenance dict", type(provenance)) from None


def _fill_derived(points: np.ndarray, conf: np.ndarray | None) -> None:
    """Fill NaN derived joints in place with the mid-point of their defining pair."""
    for name, (a, b) in DERIVED.items():
        i = J[name]
        missing = np.isnan(points[:, i]).any(axis=-1)
        if not missing.any():
            continue
        mid = 0.5 * (points[:, J[a]] + points[:, J[b]])
        points[missing, i] = mid[missing]
        if conf is not None:
            conf[missing, i] = np.minimum(conf[missing, J[a]], conf[missing, J[b]])


@dataclasses.dataclass(frozen=True, eq=False)
class Motion:
    """Positions of the canonical skeleton over time.

    Parameters
    ----------
    positions : array (frames, joints, 2|3)
        Joint positions in :data:`balletmirror.core.skeleton.JOINTS` order; NaN where missing.
    confidence : array (frames, joints)
        Per-joint confidence in [0, 1] (MediaPipe visibility; 1 for mocap); forced to 0
        where a position is NaN.
    times : array (frames,)
        Timestamps in seconds, strictly increasing (variable frame rate allowed).
    fps : float
        Nominal frame rate in frames/s (for filters and windows).
    space : {"image", "world"}
        See the module docstring for the axes.
    units : str
        "px" for image space, "m" for world space, or "height" (body heights, after
        :func:`balletmirror.features.kinematics.normalise_by_height`) for either.
    world : array (frames, joints, 3) or None
        Optional companion 3D estimate in metres (video pose backends), pelvis-centred.
    image_size : (width, height) or None
        Frame size in pixels after rotation correction, for image space.
    view : str or None
        Camera view if known ("front", "side", ...).
    provenance : dict
        JSON-serialisable record of the source, reader, backend and processing applied.
    """

    positions: np.ndarray
    confidence: np.ndarray
    times: np.ndarray
    fps: float
    space: str = "world"
    units: str = "m"
    world: np.ndarray | None = None
    image_size: tuple[int, int] | None = None
    view: str | None = None
    provenance: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.space not in SPACES:
            raise _fail(f"space in {SPACES}", repr(self.space))
        if self.units not in UNITS[self.space]:
            raise _fail(f"units in {UNITS[self.space]} for space={self.space!r}", repr(self.units))
        positions = _as_float_array("positions", self.positions)
        _check_positions(positions, self.space)
        n = positions.shape[0]
        times = _as_float_array("times", self.times)
        _check_times(times, n)
        confidence = _as_float_array("confidence", self.confidence)
        _check_confidence(confidence, positions.shape[:2])
        _check_fps(self.fps)
        world = None
        if self.world is not None:
            world = _as_float_array("world", self.world)
            if world.shape != (n, len(JOINTS), 3):
                raise _fail(f"world of shape ({n}, {len(JOINTS)}, 3)", f"shape {world.shape}")
            _fill_derived(world, None)
        _fill_derived(positions, confidence)
        confidence[np.isnan(positions).any(axis=-1)] = 0.0
        size = _check_image_size(self.image_size)
        provenance = _json_copy(self.provenance)
        for arr in (positions, confidence, times, world):
            if arr is not None:
                arr.setflags(write=False)
        for name, value in (("positions", positions), ("confidence", confidence),
                            ("times", times), ("world", world), ("fps", float(self.fps)),
                            ("image_size", size), ("provenance", provenance)):
            object.__setattr__(self, name, value)

    # ----------------------------------------------------------------- views
    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def ndim(self) -> int:
        """2 for image space, 3 for world space."""
        return int(self.positions.shape[2])

    @property
    def duration_s(self) -> float:
        """Time from the first frame to the end of the last one, in seconds."""
        return float(self.times[-1] - self.times[0] + 1.0 / self.fps)

    def joint(self, name: str) -> np.ndarray:
        """Positions of one joint, shape (frames, dims); a read-only view."""
        return self.positions[:, J[name]]

    @property
    def present(self) -> np.ndarray:
        """(frames, joints) bool: the position is known (not NaN)."""
        return ~np.isnan(self.positions).any(axis=-1)

    @property
    def covered(self) -> np.ndarray:
        """(frames,) bool: a person was found (at least the hips and shoulders known)."""
        core = [J[n] for n in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")]
        return self.present[:, core].all(axis=1)

    def replace(self, **changes: Any) -> Motion:
        """A new, validated Motion with some fields changed (this one is untouched)."""
        return dataclasses.replace(self, **changes)

    def with_provenance(self, **entries: Any) -> Motion:
        """A copy whose provenance has ``entries`` added."""
        return self.replace(provenance={**self.provenance, **entries})

    def slice(self, start: int, stop: int) -> Motion:
        """Frames ``start:stop`` as a new Motion."""
        world = None if self.world is None else self.world[start:stop]
        return self.replace(positions=self.positions[start:stop],
                            confidence=self.confidence[start:stop],
                            times=self.times[start:stop], world=world)

    # ------------------------------------------------------------- save/load
    def save(self, path: str | Path) -> Path:
        """Write the Motion losslessly to ``path`` (``.npz``: arrays + JSON metadata)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        meta = {"schema": SCHEMA, "fps": self.fps, "space": self.space, "units": self.units,
                "image_size": self.image_size, "view": self.view,
                "provenance": self.provenance, "joints": list(JOINTS)}
        arrays = {"positions": self.positions, "confidence": self.confidence,
                  "times": self.times, "meta": np.array(json.dumps(meta))}
        if self.world is not None:
            arrays["world"] = self.world
        np.savez_compressed(path, **arrays)
        return path


def load_motion(path: str | Path) -> Motion:
    """Read a Motion written by :meth:`Motion.save`.

    Raises
    ------
    InputError
        The file is not a balletmirror Motion or was written with another skeleton.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .npz Motion file ({exc})") from None
    if "meta" not in arrays:
        raise InputError(f"{path}: an .npz file but not a balletmirror Motion (no metadata)")
    meta = json.loads(str(arrays["meta"]))
    if meta.get("schema") != SCHEMA:
        raise InputError(f"{path}: expected schema {SCHEMA}, but got {meta.get('schema')!r}")
    if meta.get("joints") != list(JOINTS):
        raise InputError(f"{path}: written with another skeleton; expected joints {JOINTS}")
    size = meta.get("image_size")
    return Motion(positions=arrays["positions"], confidence=arrays["confidence"],
                  times=arrays["times"], fps=meta["fps"], space=meta["space"],
                  units=meta["units"], world=arrays.get("world"),
                  image_size=tuple(size) if size else None, view=meta.get("view"),
                  provenance=meta.get("provenance", {}))


def empty_arrays(n_frames: int, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """NaN positions (frames, joints, dims) and zero confidence (frames, joints) for readers."""
    return (np.full((n_frames, len(JOINTS), dims), np.nan), np.zeros((n_frames, len(JOINTS))))


def uniform_times(n_frames: int, fps: float) -> np.ndarray:
    """Timestamps ``i / fps`` in seconds for ``n_frames`` frames."""
    return np.arange(n_frames, dtype=np.float64) / float(fps)
