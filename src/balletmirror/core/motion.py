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
import io
import json
import math
import tokenize
import zipfile
import zlib
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
        """Write the Motion losslessly to ``path`` (``.npz``: arrays + JSON metadata; a
        name without the ``.npz`` suffix, in any case, gets it)."""
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        meta = {"schema": SCHEMA, "fps": self.fps, "space": self.space, "units": self.units,
                "image_size": self.image_size, "view": self.view,
                "provenance": self.provenance, "joints": list(JOINTS)}
        arrays = {"positions": self.positions, "confidence": self.confidence,
                  "times": self.times, "meta": np.array(json.dumps(meta))}
        if self.world is not None:
            arrays["world"] = self.world
        with open(path, "wb") as f:  # a file object: numpy renames no ".NPZ"
            np.savez_compressed(f, **arrays)
        return path


# ------------------------------------------------------------------ load_motion
#: The largest magnitude a reader (or :func:`load_motion`) takes from a file for a
#: coordinate or a timestamp, in the file's units (pixels, mm, m, seconds, frames):
#: beyond it the file is damaged, and squares or mid-points would overflow.  (Motion
#: itself takes any finite value.)
MAX_FILE_VALUE = 1e12
#: The frame rates a file may declare or imply, frames/s (one frame in ~17 minutes to
#: a million frames a second).
FILE_FPS_RANGE = (1e-3, 1e6)
#: Arrays of a saved Motion (``world`` optional) and the dtype kinds they may have.
MOTION_ARRAYS = ("positions", "confidence", "times", "world")
_NUMERIC_KINDS = "fiu"
#: Largest .npz member read (uncompressed), bytes: ~20 million frames of positions.
MAX_NPZ_MEMBER_BYTES = 2**32
_AGAIN = "save it again with Motion.save"


def describe_json(value: Any) -> str:
    """A JSON value as a message names it: ``null``, ``true``, ``the string 'ab'``, ``12``."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        shown = repr(value) if len(value) <= 40 else repr(value[:37]) + "..."
        return f"the string {shown}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else f"an integer of {len(str(value))} digits"
    if isinstance(value, float):
        return f"{value:g}"
    return type(value).__name__


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _npz_members(path: Path) -> dict[str, bytes]:
    """The raw ``.npy`` members of a zip archive that a Motion uses, by name."""
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    wanted = {f"{name}.npy": name for name in (*MOTION_ARRAYS, "meta")}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if i.filename in wanted]
            for info in infos:
                if info.file_size > MAX_NPZ_MEMBER_BYTES:
                    raise InputError(f"{path}: member {info.filename} declares "
                                     f"{info.file_size} bytes; not a Motion file ({_AGAIN})")
            return {wanted[i.filename]: archive.read(i) for i in infos}
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .npz Motion file ({_one_line(exc)}); "
                         f"{_AGAIN}") from None


#: What numpy's parser of a .npy header (``ast.literal_eval``, with a ``tokenize`` pass for
#: Python 2 headers, then ``np.dtype``) raises for a damaged header.
_NPY_HEADER_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, SyntaxError,
                      RecursionError, MemoryError, tokenize.TokenError)


def _npy_header(path: Path, name: str, stream: io.BytesIO) -> tuple[tuple, bool, np.dtype]:
    """Shape, Fortran order and dtype of one ``.npy`` member (never unpickles)."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(stream)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(stream)
    except _NPY_HEADER_ERRORS as exc:
        raise InputError(f"{path}: array {name!r} has a damaged header ({_one_line(exc)}); "
                         f"{_AGAIN}") from None
    raise InputError(f"{path}: array {name!r} uses .npy format {version}; {_AGAIN}")


def _check_dtype(path: Path, name: str, dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise InputError(f"{path}: array {name!r} holds Python objects (a pickle), which "
                         f"balletmirror never loads; {_AGAIN}")
    kinds = "U" if name == "meta" else _NUMERIC_KINDS
    if (dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in kinds
            or dtype.itemsize == 0):
        expected = "text" if name == "meta" else "numbers"
        raise InputError(f"{path}: array {name!r} has dtype {dtype}; expected {expected} "
                         f"({_AGAIN})")


def _npy_array(path: Path, name: str, raw: bytes) -> np.ndarray:
    """One ``.npy`` member as an array, after checking its header against its size."""
    stream = io.BytesIO(raw)
    shape, fortran, dtype = _npy_header(path, name, stream)
    _check_dtype(path, name, dtype)
    count = math.prod(shape)
    if min(shape, default=0) < 0 or count * dtype.itemsize != len(raw) - stream.tell():
        raise InputError(f"{path}: array {name!r} declares shape {shape} but holds "
                         f"{len(raw) - stream.tell()} bytes of data; {_AGAIN}")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=stream.tell())
    return flat.reshape(shape, order="F" if fortran else "C")


def _check_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """InputError unless the Motion arrays are there, within :data:`MAX_FILE_VALUE`."""
    for name in MOTION_ARRAYS[:3]:
        if name not in arrays:
            raise InputError(f"{path}: a Motion file without its {name!r} array; {_AGAIN}")
    for name in ("positions", "world", "times"):
        values = arrays.get(name, np.zeros(0)).astype(np.float64)
        if (np.abs(values[~np.isnan(values)]) > MAX_FILE_VALUE).any():
            raise InputError(f"{path}: array {name!r} holds values beyond "
                             f"±{MAX_FILE_VALUE:g} (or infinite); {_AGAIN}")


def _meta_dict(path: Path, meta: np.ndarray) -> dict:
    if meta.size != 1:
        raise InputError(f"{path}: the metadata is {meta.size} strings, not one; {_AGAIN}")
    try:
        data = json.loads(str(meta.reshape(-1)[0]))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: the metadata is not valid JSON ({_one_line(exc)[:80]}); "
                         f"{_AGAIN}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the metadata is {describe_json(data)}, not a JSON object; "
                         f"{_AGAIN}")
    if data.get("schema") != SCHEMA:
        got = describe_json(data.get("schema"))
        raise InputError(f"{path}: expected schema {SCHEMA}, but got {got}")
    if data.get("joints") != list(JOINTS):
        raise InputError(f"{path}: written with another skeleton (its metadata does not list "
                         f"balletmirror's {len(JOINTS)} joints, nose to right_toe); save it "
                         "again with Motion.save")
    return data


def _meta_field(path: Path, meta: dict, key: str, ok: bool, expected: str) -> None:
    if not ok:
        got = describe_json(meta[key]) if key in meta else "nothing"
        raise InputError(f"{path}: the metadata's {key!r} is {got}; expected {expected} "
                         f"({_AGAIN})")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_meta(path: Path, meta: dict) -> None:
    """InputError naming the first metadata field :meth:`Motion.save` would not write."""
    fps, size = meta.get("fps"), meta.get("image_size")
    low, high = FILE_FPS_RANGE
    _meta_field(path, meta, "fps", _is_number(fps) and low <= fps <= high,
                f"a frame rate from {low:g} to {high:g} frames/s")
    _meta_field(path, meta, "space", meta.get("space") in SPACES, f"one of {SPACES}")
    units = UNITS[meta["space"]]
    _meta_field(path, meta, "units", meta.get("units") in units, f"one of {units}")
    _meta_field(path, meta, "image_size", size is None or (
        isinstance(size, list) and len(size) == 2
        and all(_is_number(v) and 0 < v <= MAX_FILE_VALUE and v == int(v) for v in size)),
        "null or [width, height] in pixels")
    _meta_field(path, meta, "view", isinstance(meta.get("view"), (str, type(None))),
                "null or a view name")
    _meta_field(path, meta, "provenance", isinstance(meta.get("provenance", {}), dict),
                "an object")


def load_motion(path: str | Path) -> Motion:
    """Read a Motion written by :meth:`Motion.save`.

    The ``.npz`` archive is read member by member: each ``.npy`` header is checked
    (numeric dtype, or text for the metadata; a shape that matches the bytes stored)
    before its data is touched, and arrays of Python objects are refused without
    being unpickled.

    Raises
    ------
    InputError
        The file is not a readable ``.npz``, is not a balletmirror Motion, was written
        with another skeleton, or holds arrays or metadata that :meth:`Motion.save`
        would not write (:class:`MotionValidationError`, prefixed with the path, when
        the arrays do not make a valid Motion).
    """
    path = Path(path)
    arrays = {name: _npy_array(path, name, raw) for name, raw in _npz_members(path).items()}
    if "meta" not in arrays:
        raise InputError(f"{path}: an .npz file but not a balletmirror Motion (no metadata)")
    meta = _meta_dict(path, arrays["meta"])
    if any(key not in meta for key in ("fps", "space", "units")):
        missing = [key for key in ("fps", "space", "units") if key not in meta]
        raise InputError(f"{path}: the metadata has no {', '.join(missing)}; {_AGAIN}")
    _check_meta(path, meta)
    _check_arrays(path, arrays)
    size = meta.get("image_size")
    try:
        return Motion(positions=arrays["positions"], confidence=arrays["confidence"],
                      times=arrays["times"], fps=meta["fps"], space=meta["space"],
                      units=meta["units"], world=arrays.get("world"),
                      image_size=tuple(size) if size else None, view=meta.get("view"),
                      provenance=meta.get("provenance", {}))
    except MotionValidationError as exc:
        raise MotionValidationError(f"{path}: {exc}") from None


def empty_arrays(n_frames: int, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """NaN positions (frames, joints, dims) and zero confidence (frames, joints) for readers."""
    return (np.full((n_frames, len(JOINTS), dims), np.nan), np.zeros((n_frames, len(JOINTS))))


def uniform_times(n_frames: int, fps: float) -> np.ndarray:
    """Timestamps ``i / fps`` in seconds for ``n_frames`` frames."""
    return np.arange(n_frames, dtype=np.float64) / float(fps)
