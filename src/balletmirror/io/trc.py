"""Write (and read back) TRC marker files, so that OpenSim can open a performance.

A TRC ("Track Row Column", Motion Analysis Corporation) file is the marker
trajectory format of OpenSim's Scale and Inverse Kinematics tools.  Every canonical
joint of :data:`balletmirror.core.skeleton.JOINTS` becomes one marker of the same name.

File layout
-----------
Tab-separated text, as OpenSim's ``TRCFileAdapter`` writes and reads it (below, one
space stands for one tab and ``_`` for an empty field)::

    PathFileType 4 (X/Y/Z) <file name>
    DataRate CameraRate NumFrames NumMarkers Units OrigDataRate OrigDataStartFrame OrigNumFrames
    50.0 50.0 250 23 mm 50.0 1 250
    Frame# Time nose _ _ left_eye _ _ ... neck _ _
    _ _ X1 Y1 Z1 X2 Y2 Z2 ... X23 Y23 Z23
    (blank line)
    1 0.0 x1 y1 z1 x2 y2 z2 ...

* ``DataRate`` = ``CameraRate`` = ``OrigDataRate`` = the Motion's nominal ``fps``
  (frames/s); ``Time`` is the Motion's own timestamp of each frame (seconds), so a
  variable frame rate is kept; ``Frame#`` counts from 1.
* Coordinates are in **millimetres** (``Units`` = ``mm``), converted from the
  Motion's metres (x 1000).
* A missing joint (NaN) is three **empty fields**, which OpenSim reads as a missing
  marker (NaN) for that frame.  Every field, the last included, is followed by a tab
  (as OpenSim writes): OpenSim counts one field per tab, so a row whose last marker is
  missing keeps its length.

Axes
----
OpenSim's ground frame is right-handed with **Y up** (its models face +X, with +Z to
their right).  A world-space Motion is already right-handed and Y up (see
:mod:`balletmirror.core.motion`), so the coordinates are written **unchanged**, without
rotation.  The heading about the vertical is not imposed: OpenSim's pelvis is a free
joint, so Inverse Kinematics finds the dancer's facing direction itself.  A video's
3D companion (``Motion.world``) has its origin at the pelvis (x to the image's right,
y up, z towards the lens): the feet lie below ``y = 0``; the origin is not moved.

References
----------
* OpenSim documentation, "Marker (.trc) Files", OpenSim User's Guide, section
  "File Formats" (opensimconfluence.atlassian.net).
* OpenSim source, ``OpenSim/Common/TRCFileAdapter.cpp`` (the reader whose rules, blank
  fields as NaN and one field per tab, this writer follows).
* Motion Analysis Corporation, EVaRT / Cortex user manual, appendix "TRC file format".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InputError
from ..core.motion import FILE_FPS_RANGE, MAX_FILE_VALUE, Motion
from ..core.skeleton import JOINTS

#: Millimetres per unit of length, for the ``Units`` TRC field and Motion units.
MM_PER_UNIT: dict[str, float] = {"mm": 1.0, "cm": 10.0, "m": 1000.0}

#: The keys of the second header line, in the order the format fixes.
HEADER_KEYS: tuple[str, ...] = ("DataRate", "CameraRate", "NumFrames", "NumMarkers", "Units",
                                "OrigDataRate", "OrigDataStartFrame", "OrigNumFrames")

#: Number of header lines before the data (the blank separator line excluded).
_HEADER_LINES = 5


# ----------------------------------------------------------------------- points
def trc_points(motion: Motion) -> tuple[np.ndarray, str]:
    """The 3D joints a TRC file of ``motion`` holds, and their units.

    Parameters
    ----------
    motion : Motion
        World space (3D positions), or image space with a ``world`` companion.

    Returns
    -------
    points : array (frames, joints, 3)
        World space: ``motion.positions``; image space: ``motion.world``.  Right-handed,
        Y up, unchanged (module docstring, "Axes"); NaN where a joint is missing.
    units : str
        Their length unit: ``motion.units`` for world space; for image space ``"m"``
        (the companion is in metres), or ``"height"`` after
        :func:`balletmirror.features.kinematics.normalise_by_height`, which scales it too.

    Raises
    ------
    InputError
        An image-space Motion without a 3D companion, or no 3D joint known in any frame.
    """
    if motion.space == "world":
        points, units = motion.positions, motion.units
    elif motion.world is not None:
        points, units = motion.world, ("height" if motion.units == "height" else "m")
    else:
        raise InputError("the Motion has no 3D joints (2D keypoints only): no TRC")
    if not np.isfinite(points).any():
        raise InputError("the Motion has no 3D joint known in any frame: no TRC")
    return points, units


def mm_per_unit(units: str) -> float:
    """Millimetres in one ``units`` (``"m"`` -> 1000, ``"cm"`` -> 10, ``"mm"`` -> 1).

    Raises
    ------
    InputError
        ``units`` is not a length (``"height"``: body heights after
        :func:`balletmirror.features.kinematics.normalise_by_height`) or is unknown.
    """
    if units == "height":
        raise InputError("TRC needs lengths, but the Motion is in body heights "
                         "(units='height'): export it before normalise_by_height")
    if units not in MM_PER_UNIT:
        raise InputError(f"expected a length unit ({', '.join(MM_PER_UNIT)}), "
                         f"but got units={units!r}")
    return MM_PER_UNIT[units]


# ---------------------------------------------------------------------- writing
def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (timestamps, rates)."""
    return repr(float(value))


def _coordinate(value: float) -> str:
    """A coordinate in mm to 1e-6 mm, or an empty field for NaN (missing)."""
    return "" if math.isnan(value) else f"{value:.6f}"


def header_lines(name: str, *, fps: float, n_frames: int, markers: Sequence[str]) -> list[str]:
    """The five header lines of a TRC file in millimetres (layout: module docstring).

    Parameters
    ----------
    name : str
        File name written on the first line.
    fps : float
        Nominal frame rate (frames/s): DataRate, CameraRate and OrigDataRate.
    n_frames : int
        NumFrames and OrigNumFrames.
    markers : sequence of str
        Marker names, in column order.
    """
    rate = _number(round(float(fps), 6))  # 24.99999999999998 (a mean of timestamps): 25.0
    values = (rate, rate, str(n_frames), str(len(markers)), "mm", rate, "1", str(n_frames))
    names = "".join(f"{m}\t\t\t" for m in markers)
    xyz = "".join(f"{a}{k}\t" for k in range(1, len(markers) + 1) for a in "XYZ")
    return [f"PathFileType\t4\t(X/Y/Z)\t{name}", "\t".join(HEADER_KEYS), "\t".join(values),
            f"Frame#\tTime\t{names}", f"\t\t{xyz}"]


def data_row(frame: int, time_s: float, points_mm: np.ndarray) -> str:
    """One data line: ``Frame#``, ``Time`` (s) and the (markers, 3) points in mm.

    Each field is followed by a tab; NaN coordinates are empty fields.
    """
    fields = [str(frame), _number(time_s)] + [_coordinate(v) for v in points_mm.ravel()]
    return "".join(f"{f}\t" for f in fields)


def write_trc(motion: Motion, path: str | Path, *, name: str | None = None) -> Path:
    """Write the 3D joints of ``motion`` to a TRC file for OpenSim (format: module docstring).

    Parameters
    ----------
    motion : Motion
        World space in metres, or image space with a 3D ``world`` companion
        (:func:`trc_points`).
    path : path
        The file to write (its folder must exist; ``.trc`` by convention); overwritten.
    name : str, optional
        The file name the header records (default ``path``'s: give the final name when
        writing to a temporary file first).

    Returns
    -------
    Path
        ``path``: one marker per joint of :data:`~balletmirror.core.skeleton.JOINTS`,
        coordinates in mm, ``Frame#`` from 1, ``Time`` = ``motion.times`` (s),
        ``DataRate`` = ``motion.fps``; missing joints as empty fields.

    Raises
    ------
    InputError
        No 3D joints (2D keypoints only), units that are not lengths (``"height"``), or
        the file cannot be written.  A refused Motion leaves no file.
    """
    path = Path(path)
    points, units = trc_points(motion)
    points_mm = points * mm_per_unit(units)
    lines = header_lines(name or path.name, fps=motion.fps, n_frames=motion.n_frames,
                         markers=JOINTS)
    try:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n\n")
            for i in range(motion.n_frames):
                fh.write(data_row(i + 1, motion.times[i], points_mm[i]) + "\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return path


# ---------------------------------------------------------------------- reading
def _fields(line: str) -> list[str]:
    """Tab-separated fields of one line, stripped (CRLF tolerated)."""
    return [f.strip() for f in line.rstrip("\r\n").split("\t")]


def _metadata(lines: list[str], path: Path) -> dict[str, str]:
    """The ``DataRate ... OrigNumFrames`` keys mapped to their values (text)."""
    if len(lines) < _HEADER_LINES or lines[0].split()[:1] != ["PathFileType"]:
        raise InputError(f"{path}: not a TRC file (expected a 'PathFileType' header line)")
    keys = [k for k in _fields(lines[1]) if k]
    values = [v for v in _fields(lines[2]) if v]
    missing = [k for k in ("DataRate", "NumMarkers", "Units") if k not in keys]
    if missing or len(keys) != len(values):
        raise InputError(f"{path}: expected the TRC keys {' '.join(HEADER_KEYS)} and one "
                         f"value each, but got keys {keys[:10]} and values {values[:10]}")
    return dict(zip(keys, values, strict=True))


def _marker_names(line: str, n_markers: int, path: Path) -> list[str]:
    """Marker names of the ``Frame# Time name ...`` line (empty fields dropped)."""
    labels = [f for f in _fields(line) if f]
    if labels[:2] != ["Frame#", "Time"] or len(labels) != n_markers + 2:
        raise InputError(f"{path}: expected 'Frame#', 'Time' and {n_markers} marker names "
                         f"(NumMarkers), but got {len(labels) - 2} names after {labels[:2]}")
    return labels[2:]


def _parse_row(line: str, n_markers: int, where: str) -> tuple[int, float, np.ndarray]:
    """Frame number, time (s) and (markers, 3) points of one data line; blanks are NaN."""
    width = 2 + 3 * n_markers
    fields = _fields(line)
    fields += [""] * (width - len(fields))
    if any(fields[width:]) or not fields[0] or not fields[1]:
        raise InputError(f"{where}: expected Frame#, Time and {3 * n_markers} coordinates, "
                         f"but got {len([f for f in fields if f])} non-empty fields")
    try:
        values = [float(f) if f else math.nan for f in fields[2:width]]
        frame, time_s = float(fields[0]), float(fields[1])
    except ValueError as exc:
        raise InputError(f"{where}: not a number ({exc})") from None
    if not (math.isfinite(frame) and frame == int(frame) and math.isfinite(time_s)):
        raise InputError(f"{where}: expected an integer Frame# and a finite Time, but got "
                         f"{fields[0][:20]!r} and {fields[1][:20]!r}")
    points = np.array(values).reshape(n_markers, 3)
    if (np.abs(points) > MAX_FILE_VALUE).any():
        raise InputError(f"{where}: a coordinate is infinite or beyond ±{MAX_FILE_VALUE:g}")
    frame = int(frame)
    points[np.isnan(points).any(axis=1)] = np.nan  # a marker with a blank is missing
    return frame, time_s, points


def read_trc(path: str | Path) -> dict[str, Any]:
    """Read a TRC marker file (the format of :func:`write_trc`, or OpenSim's own).

    Parameters
    ----------
    path : path
        The ``.trc`` file; tabs separate fields, CRLF line ends are accepted, and rows may
        end with or without a trailing tab.

    Returns
    -------
    dict
        ``"markers"`` : list of str, the marker names in column order;
        ``"frames"`` : int array (frames,), the ``Frame#`` column;
        ``"times"`` : float array (frames,), seconds;
        ``"points"`` : float array (frames, markers, 3), **millimetres** whatever the
        file's ``Units`` (m, cm or mm), NaN where a field is empty;
        ``"data_rate"`` : float, ``DataRate`` (frames/s);
        ``"units"`` : str, the file's declared ``Units`` (before conversion to mm);
        ``"metadata"`` : dict of str, every key of the second header line and its value.

    Raises
    ------
    InputError
        The file is missing, is not a TRC file, has units that are not m, cm or mm, a
        DataRate outside :data:`~balletmirror.core.motion.FILE_FPS_RANGE`, or a row that
        does not match its header (a Frame# that is not an integer, a Time that is not
        finite, a coordinate that is infinite or beyond
        :data:`~balletmirror.core.motion.MAX_FILE_VALUE`).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable TRC file ({exc})") from None
    meta = _metadata(lines, path)
    try:
        n_markers, data_rate = int(meta["NumMarkers"]), float(meta["DataRate"])
    except ValueError:
        raise InputError(f"{path}: NumMarkers and DataRate must be numbers, but got "
                         f"{meta['NumMarkers'][:20]!r} and {meta['DataRate'][:20]!r}") from None
    low, high = FILE_FPS_RANGE
    if not (n_markers >= 0 and low <= data_rate <= high):
        raise InputError(f"{path}: expected NumMarkers >= 0 and a DataRate from {low:g} to "
                         f"{high:g} frames/s, but got {n_markers} and {data_rate:g}")
    markers = _marker_names(lines[3], n_markers, path)
    try:
        scale = mm_per_unit(meta["Units"])
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    rows = [_parse_row(line, n_markers, f"{path}:{k + 1}")
            for k, line in enumerate(lines) if k >= _HEADER_LINES and line.strip()]
    frames = np.array([r[0] for r in rows], dtype=np.int64)
    times = np.array([r[1] for r in rows], dtype=np.float64)
    points = np.array([r[2] for r in rows]).reshape(len(rows), n_markers, 3) * scale
    return {"markers": markers, "frames": frames, "times": times, "points": points,
            "data_rate": data_rate, "units": meta["Units"], "metadata": meta}
