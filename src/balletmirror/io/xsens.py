"""Read Xsens MVN exports (MVNX XML, segment-position CSV) into a
:class:`~balletmirror.core.motion.Motion`.

Public functions::

    read_mvnx(path, *, fps=None) -> Motion          # MVN's XML export (.mvnx)
    read_xsens_csv(path, *, fps=None) -> Motion     # MVN's "Segment Position" CSV
    looks_like_mvnx(head) -> bool                   # first bytes of a file: an <mvnx> root
    looks_like_xsens_csv(header) -> bool            # a CSV header line of segment positions

MVNX
----
``<mvnx>`` holds ``<subject frameRate="60" ...>`` with ``<segments><segment label="Pelvis"
id="1"><points><point label="pHipOrigin"><pos_b>x y z</pos_b></point>...`` and then
``<frames><frame time="..." index="..." ms="..." type="normal">`` whose ``<position>`` holds
3 numbers per segment and ``<orientation>`` 4 (the quaternion q0 q1 q2 q3 = w x y z of the
segment's frame in the global frame), in the order the ``<segments>`` header lists the
segments.  The Xsens namespace (``xmlns="http://www.xsens.com/mvn/mvnx"``) is optional.
Frames whose ``type`` is not ``normal`` (``identity``, ``tpose``, ``tpose-isb``: calibration
poses) are skipped and counted in ``provenance["skipped_frames"]``; a frame without a
``type`` is a normal one.  Every other frame element (velocities, joint angles, sensors) is
ignored.  Only the first ``<subject>`` is read; ``provenance["subjects"]`` says how many the
file holds.

The file is streamed with :func:`xml.etree.ElementTree.iterparse` and each frame is
dropped once read, so memory grows with the kept numbers only (16 positions and 3
orientations per frame), not with the XML tree.  **Safety**: the text ``<!DOCTYPE`` or
``<!ENTITY`` anywhere in the file is refused (MVNX needs no DTD; entity declarations are
how "billion laughs" expansion attacks work), so an undeclared ``&name;`` is an XML
error.  The encoding is UTF-8 (a BOM for UTF-8/UTF-16, or an XML declaration naming
ASCII, ISO-8859-1 or windows-1252, is honoured).

Segment-position CSV
--------------------
``Frame,ms,Pelvis x,Pelvis y,Pelvis z,L5 x,...`` (MVN Analyze/Animate "Segment Position"
export): a ``frame`` column, a time column in milliseconds (``ms``, ``time``,
``time_ms``; or ``time_s`` in seconds) and ``<Segment> x`` / ``<Segment>_x`` columns;
names are matched case-insensitively with spaces and underscores ignored (``Right Upper
Leg x`` is ``RightUpperLeg``; a ``Segment Position_`` prefix is dropped).  Comma, semicolon
or tab separated (the most frequent in the header line); with semicolons or tabs a decimal
comma is accepted.  An empty cell is a missing value (NaN); other columns are ignored and
listed in ``provenance["ignored_columns"]``.

Segments -> canonical joints
----------------------------
A segment's position is its origin, the joint to its parent (Xsens MVN user manual,
"segment origins"); this is how the BVH reader maps rig joints (:mod:`balletmirror.io.bvh`,
the roles in brackets), so the two readers share :func:`balletmirror.io.bvh._canonical`:

=========================  ===========================  ==============================
MVN segment origin         canonical joint              confidence
=========================  ===========================  ==============================
Left/RightUpperLeg         left/right_hip (thigh)       1
Left/RightLowerLeg         left/right_knee (shin)       1
Left/RightFoot             left/right_ankle (foot)      1
Left/RightToe              left/right_toe (toe)         1, the ball of the foot (MTP)
Left/RightUpperArm         left/right_shoulder          1, the gleno-humeral joint
Left/RightForeArm          left/right_elbow             1
Left/RightHand             left/right_wrist             1
Pelvis                     mid_hip (pelvis)             1, pHipOrigin between the hips
Neck                       neck (neck)                  1, C7/T1
Head                       (head: C1, for the face)     --
L5, L3, T12, T8, Shoulder  (not used)                   --
=========================  ===========================  ==============================

The hips, knees, ankles and shoulders (both UpperLeg, LowerLeg, Foot and UpperArm
segments) are required.

Derived joints (confidence 0.5)
-------------------------------
* **Heels** (MVNX with orientations): the Foot segment's ``pLeftHeelCenter`` /
  ``pRightHeelCenter`` point (else ``p...HeelFoot``), ``heel = foot origin + R(q_foot) @
  pos_b``.  Without the point, or without orientations (the CSV), the BVH reader's heel
  rule (``heel = ankle + l (-0.12 d + 0.52 n)`` in the frame where the shin is most nearly
  perpendicular to the foot) carried rigidly by the foot's rotation: the real one, or for
  the CSV a **foot frame built from the knee, ankle and toe**: x = ankle -> toe, z = the
  foot's lateral axis ``(ankle - knee) x (toe - ankle)``.  Where shin and foot are within
  11.5 degrees of a straight line (full pointe) that axis is undefined: it is carried from
  the nearest frame where it is defined, in the pelvis's frame (so it turns with her in a
  pirouette on pointe), and its sign is kept continuous from frame to frame.
* **Nose, eyes, ears**: the BVH reader's face rule (:data:`balletmirror.io.bvh.FACE_OFFSETS`
  x stature, in a head frame whose up is the head -> head-top direction and whose forward
  is her body's forward, both averaged in the head's frame).  MVNX: the head frame is the
  Head segment's orientation and the head top its ``pTopOfHead`` point (or ``pHeadTop``);
  the ears are the Head's ``pLeftAuricularis`` / ``pRightAuricularis`` points when the
  file has them.  CSV: the head frame is built per frame from the Neck -> Head direction
  (C7 -> C1) and her body's forward, so the face turns with the trunk and tilts with the
  neck but not with the head alone.
* Joints that cannot be derived (no Head segment, a zero-length foot) are NaN with
  confidence 0.

Axes, units, times
------------------
MVN's global frame is metres, right-handed, **Z up** (x forward at calibration, y to her
left).  Positions and rotations are turned to Y up by a -90 degree rotation about X,
``(x, y, z) -> (x, z, -y)`` (determinant +1, handedness kept), as for C3D.  Values beyond
+-10 km, or segment lengths giving a stature outside 0.5-3 m (Winter 2009 proportions,
:func:`balletmirror.io.bvh.estimate_stature`), are refused: they are not metres.

Times start at 0 at the first normal frame (the file's first stamp is kept in
``provenance["start_ms"]``).  Without ``fps``: MVNX from each frame's ``time`` attribute
(ms), else its ``ms`` attribute, else ``index / frameRate``; the nominal rate is the
``frameRate`` attribute (of ``<subject>``, else ``<mvnx>``).  CSV: from the time column,
else ``frame / 60`` (noted in ``provenance["notes"]``); its rate is ``(frames - 1) /
duration``, rounded to an integer when within 0.5%.  **With** ``fps``: times are ``(frame
number - first) / fps`` (MVNX ``index``, CSV ``Frame``, else the frame's order) whatever
the time stamps say, and ``fps`` is the rate.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import math
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from ..core.errors import InputError
from ..core.geometry import dot, unit_vectors
from ..core.motion import Motion
from ..core.skeleton import J
from .bvh import (
    DERIVED_CONFIDENCE,
    RigMatch,
    _body_forward,
    _canonical,
    _Pose,
    estimate_stature,
)

__all__ = ["looks_like_mvnx", "looks_like_xsens_csv", "read_mvnx", "read_xsens_csv"]

_SIDES = (("Left", "left"), ("Right", "right"))

#: The 23 segments of the MVN full-body model, in MVNX order (segment ids 1-23).
MVN_SEGMENTS: tuple[str, ...] = (
    "Pelvis", "L5", "L3", "T12", "T8", "Neck", "Head",
    "RightShoulder", "RightUpperArm", "RightForeArm", "RightHand",
    "LeftShoulder", "LeftUpperArm", "LeftForeArm", "LeftHand",
    "RightUpperLeg", "RightLowerLeg", "RightFoot", "RightToe",
    "LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "LeftToe",
)
#: MVN segment -> the :mod:`balletmirror.io.bvh` role whose joint origin it is.
SEGMENT_ROLES: dict[str, str] = {
    "Pelvis": "pelvis", "Neck": "neck", "Head": "head",
    **{f"{S}{segment}": f"{s}_{role}" for S, s in _SIDES for segment, role in (
        ("UpperLeg", "thigh"), ("LowerLeg", "shin"), ("Foot", "foot"), ("Toe", "toe"),
        ("UpperArm", "upperarm"), ("ForeArm", "forearm"), ("Hand", "hand"))},
}
#: Segments the file must have: hips, knees, ankles and shoulders.
REQUIRED_SEGMENTS: tuple[str, ...] = tuple(
    f"{S}{segment}" for S, _ in _SIDES for segment in ("UpperLeg", "LowerLeg", "Foot",
                                                         "UpperArm"))
#: Segments whose orientation is kept (they carry the points, heels and face).
ROTATED_SEGMENTS: tuple[str, ...] = ("Head", "LeftFoot", "RightFoot")
#: Derived point -> (segment, its MVNX point labels in order of preference).
POINTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "left_heel": ("LeftFoot", ("pLeftHeelCenter", "pLeftHeelFoot")),
    "right_heel": ("RightFoot", ("pRightHeelCenter", "pRightHeelFoot")),
    "left_ear": ("Head", ("pLeftAuricularis",)),
    "right_ear": ("Head", ("pRightAuricularis",)),
    "head_top": ("Head", ("pTopOfHead", "pHeadTop")),
}
_WANTED_POINTS = frozenset(label for _, labels in POINTS.values() for label in labels)

#: Z up -> Y up, a -90 degree rotation about X: (x, y, z) -> (x, z, -y).
Z_UP_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
DEFAULT_FPS = 60.0
#: Largest |coordinate| accepted, metres.
MAX_ABS_M = 1e4
#: Statures (m) accepted as a person measured in metres.
STATURE_RANGE_M = (0.5, 3.0)
#: Shin-foot sine under which the foot's lateral axis is carried (sin 11.5 deg).
MIN_SHIN_FOOT_SINE = 0.2
#: Time stamps closer than this (ms) are not milliseconds.
MIN_STEP_MS = 1.0
_FORBIDDEN = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "utf-16", "ascii", "iso8859-1", "cp1252"})


def _key(name: str) -> str:
    """Lower case without spaces, underscores, hyphens or brackets: ``"Right Fore-Arm"``
    -> ``"rightforearm"``."""
    return re.sub(r"[\s_\-()\[\]]", "", name.lower())


_SEGMENT_KEYS: dict[str, str] = {_key(s): s for s in MVN_SEGMENTS}


def _shown(text: object, limit: int = 40) -> str:
    """File text for a one-line message: whitespace runs (newlines too) as one space, cut."""
    return " ".join(str(text).split())[:limit]


def _segment_name(label: str) -> str | None:
    """The MVN segment a label or column stem names (``"Segment Position_Left Foot"``)."""
    key = _key(label)
    return _SEGMENT_KEYS.get(key.removeprefix("segmentposition"))


# =========================================================================== geometry
def quaternion_matrices(q: np.ndarray) -> np.ndarray:
    """Rotation matrices of quaternions ``(w, x, y, z)`` (normalised first).

    Parameters
    ----------
    q : array (..., 4)
        MVNX ``q0 q1 q2 q3``: the rotation from a segment's frame to the global frame.

    Returns
    -------
    array (..., 3, 3)
        ``R`` with ``global = R @ local``; NaN for a zero quaternion.
    """
    w, x, y, z = np.moveaxis(unit_vectors(q), -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def _fill_gaps(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``values`` (frames, ...) with invalid frames copied from the last valid one (the
    first valid one before it); all NaN when no frame is valid."""
    if not valid.any():
        return np.full_like(values, np.nan)
    index = np.where(valid, np.arange(len(valid)), -1)
    index = np.maximum.accumulate(index)
    index[index < 0] = int(np.argmax(valid))
    return values[index]


def _continuous_sign(vectors: np.ndarray) -> np.ndarray:
    """Flip vectors (frames, 3) so that each points within 90 degrees of the one before."""
    steps = np.where(dot(vectors[1:], vectors[:-1]) < 0, -1.0, 1.0)
    signs = np.concatenate([[1.0], np.cumprod(steps)])
    return vectors * signs[:, None]


def _pelvis_axes(pose: _Pose) -> np.ndarray:
    """(frames, 3, 3) pelvis rotations, columns (to her left, up the trunk, forward)."""
    p, c = pose.pos, pose.cols
    lateral = unit_vectors(p[:, c["left_thigh"]] - p[:, c["right_thigh"]])
    trunk = 0.5 * (p[:, c["left_upperarm"]] + p[:, c["right_upperarm"]]
                   - p[:, c["left_thigh"]] - p[:, c["right_thigh"]])
    up = unit_vectors(trunk - dot(trunk, lateral)[:, None] * lateral)
    return np.stack([lateral, up, np.cross(lateral, up)], axis=-1)


def foot_frames(knee: np.ndarray, ankle: np.ndarray, toe: np.ndarray,
                pelvis: np.ndarray) -> np.ndarray:
    """Foot rotations from three joint centres, for feet without an orientation.

    Parameters
    ----------
    knee, ankle, toe : array (frames, 3)
        Joint centres, metres, Y up.
    pelvis : array (frames, 3, 3)
        Pelvis rotations (any right-handed frame that turns with her pelvis).

    Returns
    -------
    array (frames, 3, 3)
        Columns: x = unit(ankle -> toe); z = the foot's lateral axis, unit
        ``(ankle - knee) x (toe - ankle)`` made perpendicular to x; y = z x x.  Where the
        shin and foot are nearly in line (sine under :data:`MIN_SHIN_FOOT_SINE`, full
        pointe) z is carried in the pelvis's frame from the last frame where it is
        defined (the first one, before it); its sign is kept continuous over frames.
        NaN where the joints are.
    """
    along = unit_vectors(toe - ankle)
    lateral = np.cross(unit_vectors(ankle - knee), along)
    sine = np.linalg.norm(lateral, axis=-1)
    in_pelvis = np.einsum("fji,fj->fi", pelvis, unit_vectors(lateral))
    valid = (sine > MIN_SHIN_FOOT_SINE) & np.isfinite(in_pelvis).all(axis=-1)
    in_pelvis = _continuous_sign(_fill_gaps(in_pelvis, valid))
    lateral = np.einsum("fij,fj->fi", pelvis, in_pelvis)
    lateral = unit_vectors(lateral - dot(lateral, along)[:, None] * along)
    return np.stack([along, np.cross(lateral, along), lateral], axis=-1)


def _head_frames(pose: _Pose) -> np.ndarray:
    """(frames, 3, 3) head rotations from the trunk: columns (forward, up, forward x up).

    Up is the neck -> head direction (C7 -> C1; the vertical without a Neck segment),
    forward is her body's forward made perpendicular to it."""
    c = pose.cols
    head = pose.pos[:, c["head"]]
    up = np.broadcast_to([0.0, 1.0, 0.0], head.shape)
    if "neck" in c:
        up = unit_vectors(head - pose.pos[:, c["neck"]])
    forward = _body_forward(pose)
    forward = unit_vectors(forward - dot(forward, up)[:, None] * up)
    return np.stack([forward, up, np.cross(forward, up)], axis=-1)


def _synthesise_rotations(pose: _Pose) -> None:
    """Fill the feet's and the head's rotations of ``pose`` in place from its joints."""
    c = pose.cols
    pelvis = _pelvis_axes(pose)
    for _, side in _SIDES:
        roles = [f"{side}_{r}" for r in ("shin", "foot", "toe")]
        if all(r in c for r in roles):
            knee, ankle, toe = (pose.pos[:, c[r]] for r in roles)
            pose.rot[:, c[f"{side}_foot"]] = foot_frames(knee, ankle, toe, pelvis)
    if "head" in c:
        pose.rot[:, c["head"]] = _head_frames(pose)


# =========================================================================== canonical
@dataclasses.dataclass(frozen=True, eq=False)
class _Segments:
    """Segment data of one recording, metres, Y up.

    positions: MVN segment -> (frames, 3); rotations: MVN segment -> (frames, 3, 3), or
    None (the CSV); offsets: derived point -> (point label, (3,) in the segment's frame).
    """

    positions: dict[str, np.ndarray]
    rotations: dict[str, np.ndarray] | None
    offsets: dict[str, tuple[str, np.ndarray]]


def _carried(segments: _Segments, name: str) -> np.ndarray | None:
    """World position (frames, 3) of derived point ``name``, or None when it cannot be."""
    segment = POINTS[name][0]
    rotations = segments.rotations or {}
    known = name in segments.offsets and segment in rotations and segment in segments.positions
    if not known:
        return None
    return segments.positions[segment] + rotations[segment] @ segments.offsets[name][1]


def _make_pose(segments: _Segments) -> _Pose:
    """A :class:`balletmirror.io.bvh._Pose` of the mapped segments (and the head top)."""
    roles = {SEGMENT_ROLES[s]: p for s, p in segments.positions.items() if s in SEGMENT_ROLES}
    head_top = _carried(segments, "head_top")
    if head_top is not None:
        roles["head_top"] = head_top
    cols = {role: k for k, role in enumerate(roles)}
    pos = np.stack(list(roles.values()), axis=1)
    rot = np.full(pos.shape + (3,), np.nan)
    for segment, matrices in (segments.rotations or {}).items():
        rot[:, cols[SEGMENT_ROLES[segment]]] = matrices
    return _Pose(match=RigMatch(rig="xsens-mvn", roles=dict(cols)), cols=cols, rot=rot, pos=pos,
                 unit="m", scale=1.0,
                 units_detected=False, up_axis="+Z", stature=estimate_stature(pos, cols))


def _check_stature(stature: float, source: str) -> None:
    low, high = STATURE_RANGE_M
    if math.isfinite(stature) and not low <= stature <= high:
        raise InputError(f"{source}: the segment lengths give a stature of {stature:.3g} m, "
                         f"outside {low:g}-{high:g} m; Xsens positions must be in metres")


def _canonical_arrays(segments: _Segments, source: str) -> tuple[np.ndarray, np.ndarray,
                                                                 dict[str, str], float]:
    """Canonical positions (frames, joints, 3) m, confidence (frames, joints), how each
    derived joint was made, and the stature (m)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN where joints are unknown
        pose = _make_pose(segments)
        _check_stature(pose.stature, source)
        if segments.rotations is None:
            _synthesise_rotations(pose)
        positions, confidence = _canonical(pose)
        for name in ("left_heel", "right_heel", "left_ear", "right_ear"):
            point = _carried(segments, name)
            if point is not None:
                positions[:, J[name]] = point
                confidence[:, J[name]] = DERIVED_CONFIDENCE
    return positions, confidence, _derived_notes(segments, pose), pose.stature


def _derived_notes(segments: _Segments, pose: _Pose) -> dict[str, str]:
    """Derived joint -> how it was made (for provenance)."""
    frames = "orientation" if segments.rotations is not None else "knee-ankle-toe frame"
    notes = {}
    for _, side in _SIDES:
        heel = f"{side}_heel"
        found = segments.offsets.get(heel) if _carried(segments, heel) is not None else None
        notes[heel] = (f"{found[0]} point carried by the foot orientation" if found
                       else f"io.bvh heel rule carried by the foot {frames}")
    if "head" in pose.cols:
        head = ("head orientation" if segments.rotations is not None
                else "head frame from neck -> head and her forward")
        for name in ("nose", "left_eye", "right_eye", "left_ear", "right_ear"):
            notes[name] = f"io.bvh face rule ({head})"
        for name in ("left_ear", "right_ear"):
            if _carried(segments, name) is not None:
                notes[name] = f"{segments.offsets[name][0]} point carried by the head"
    return {k: v + ", confidence 0.5" for k, v in notes.items()}


# =========================================================================== timing
@dataclasses.dataclass(frozen=True, eq=False)
class _Clock:
    """What a file says about the timing of its kept frames.

    stamps_ms: (frames,) time stamps in ms, or None; stamp_name: where they come from;
    numbers: (frames,) frame numbers, or None; declared_fps: the file's frame rate, or
    None; label(k): how a message names frame k.
    """

    stamps_ms: np.ndarray | None
    stamp_name: str
    numbers: np.ndarray | None
    declared_fps: float | None
    label: Callable[[int], str]
    n_frames: int


def _check_increasing(values: np.ndarray, clock: _Clock, what: str, hint: str,
                      source: str) -> None:
    bad = np.flatnonzero(~(np.diff(values) > 0))
    if bad.size:
        k = int(bad[0]) + 1
        raise InputError(f"{source}: {clock.label(k)}: {what} {values[k]:g} does not increase "
                         f"after {values[k - 1]:g}; {hint}")


def estimate_fps(seconds: np.ndarray) -> float:
    """``(frames - 1) / duration`` in frames/s, rounded to an integer within 0.5%.

    Parameters
    ----------
    seconds : array (frames,)
        Strictly increasing times in seconds, at least two.
    """
    rate = (len(seconds) - 1) / float(seconds[-1] - seconds[0])
    nearest = round(rate)
    return float(nearest) if nearest >= 1 and abs(rate - nearest) <= 0.005 * rate else rate


def _stamped_rate(clock: _Clock, seconds: np.ndarray, source: str) -> tuple[float, list[str]]:
    """The rate of stamped frames: declared, else estimated, else assumed (noted)."""
    if clock.declared_fps is not None:
        return clock.declared_fps, []
    if len(seconds) < 2:
        return DEFAULT_FPS, [f"fps assumed: {DEFAULT_FPS:g} (pass fps=...)"]
    step_ms = 1000.0 * float(seconds[-1] - seconds[0]) / (len(seconds) - 1)
    if step_ms < MIN_STEP_MS:
        raise InputError(f"{source}: the {clock.stamp_name} advances {step_ms:.3g} per frame "
                         f"({1000.0 / step_ms:.0f} frames/s if milliseconds); give times in "
                         "ms (or seconds as a time_s column), or pass fps=")
    return estimate_fps(seconds), []


def _finite(seconds: np.ndarray, what: str, source: str) -> np.ndarray:
    if not np.isfinite(seconds).all():
        raise InputError(f"{source}: the {what} span more than a float can hold; fix them")
    return seconds


def _timeline(clock: _Clock, fps: float | None,
              source: str) -> tuple[np.ndarray, float, list[str], str]:
    """Times (frames,) in s from 0, the nominal rate, notes, and the times' source."""
    numbers = clock.numbers
    if numbers is None:
        numbers = np.arange(clock.n_frames, dtype=np.float64)
    if fps is not None:
        _check_increasing(numbers, clock, "frame number", "fix the frame numbers", source)
        seconds = _finite((numbers - numbers[0]) / fps, "frame numbers", source)
        return seconds, float(fps), [], "frame numbers / fps"
    if clock.stamps_ms is not None:
        _check_increasing(clock.stamps_ms, clock, clock.stamp_name,
                          "pass fps= to time the frames by their number", source)
        seconds = _finite((clock.stamps_ms - clock.stamps_ms[0]) / 1000.0, clock.stamp_name,
                          source)
        rate, notes = _stamped_rate(clock, seconds, source)
        return seconds, rate, notes, f"{clock.stamp_name} (ms)"
    rate = clock.declared_fps or DEFAULT_FPS
    notes = [] if clock.declared_fps else [f"fps assumed: {DEFAULT_FPS:g} (pass fps=...)"]
    _check_increasing(numbers, clock, "frame number", "fix the frame numbers", source)
    seconds = _finite((numbers - numbers[0]) / rate, "frame numbers", source)
    return seconds, rate, notes, "frame numbers / frame rate"


def _check_fps(fps: float | None, source: str) -> None:
    if fps is None:
        return
    numeric = isinstance(fps, (int, float, np.integer, np.floating)) and not isinstance(
        fps, bool)
    if not (numeric and math.isfinite(fps) and fps > 0):
        raise InputError(f"{source}: expected fps > 0, but got {fps!r}")


def _assemble(segments: _Segments, clock: _Clock, fps: float | None, source: str,
              provenance: dict) -> Motion:
    """The validated Motion of ``segments``, timed by ``clock``."""
    times, rate, notes, time_source = _timeline(clock, fps, source)
    positions, confidence, derived, stature = _canonical_arrays(segments, source)
    provenance = {**provenance, "frames": clock.n_frames, "fps": rate,
                  "fps_assumed": bool(notes), "time_source": time_source,
                  "notes": provenance.get("notes", []) + notes, "up_axis": "+Z",
                  "rotation": "(x, y, z) -> (x, z, -y)",
                  "stature_m": stature if math.isfinite(stature) else None,
                  "derived": derived}
    if clock.stamps_ms is not None:
        provenance["start_ms"] = float(clock.stamps_ms[0])
    return Motion(positions=positions, confidence=confidence, times=times, fps=rate,
                  space="world", units="m", provenance=provenance)


# =========================================================================== MVNX
def _sniff_encoding(first: bytes, source: str) -> str:
    """The codec of an XML file from its BOM or declaration (UTF-8 by default)."""
    for bom, name in _BOMS:
        if first.startswith(bom):
            return name
    found = _DECLARED.match(first.lstrip())
    name = found[1].decode("ascii") if found else "utf-8"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        codec = ""
    if codec not in _ENCODINGS:
        raise InputError(f"{source}: the XML declares the encoding {name!r}, which is not "
                         "read; save the MVNX as UTF-8")
    return codec


class _GuardedText:
    """A text file-like over ``handle`` for iterparse that refuses DTDs and entities.

    ``read`` decodes the bytes (codec from :func:`_sniff_encoding`) and raises
    :class:`InputError` at the first ``<!DOCTYPE`` or ``<!ENTITY`` (also across reads).
    """

    def __init__(self, handle: IO[bytes], source: str) -> None:
        self._handle, self._source = handle, source
        self._decoder: codecs.IncrementalDecoder | None = None
        self._tail = ""
        self._offset = 0

    def _decode(self, raw: bytes) -> str:
        if self._decoder is None:
            self._decoder = codecs.getincrementaldecoder(_sniff_encoding(raw, self._source))()
        try:
            return self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise InputError(f"{self._source}: not an MVNX (XML) text file: the bytes at "
                             f"offset {self._offset + exc.start} are not "
                             f"{exc.encoding}") from None

    def read(self, size: int = -1) -> str:
        while True:
            raw = self._handle.read(size)
            text = self._decode(raw)
            self._offset += len(raw)
            if text or not raw:
                break
        window = self._tail + text
        if _FORBIDDEN.search(window):
            raise InputError(f"{self._source}: the file declares a DTD or entities "
                             "(<!DOCTYPE or <!ENTITY); MVNX needs neither and they are "
                             "refused for safety (entity expansion); export the MVNX again")
        self._tail = window[-16:]
        return text


def _local(tag: object) -> str:
    """An element's tag without its namespace: ``{http://...}frame`` -> ``frame``."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _floats(text: str | None, expected: int, what: str, source: str) -> np.ndarray:
    """``expected`` finite numbers within +-:data:`MAX_ABS_M` from whitespace-separated text."""
    parts = (text or "").split()
    if len(parts) != expected:
        raise InputError(f"{source}: {what} has {len(parts)} numbers, expected {expected}; "
                         "export the MVNX again")
    try:
        values = np.array(parts, dtype=np.float64)
    except ValueError:
        values = np.array([_number(p, what, source) for p in parts], dtype=np.float64)
    if not np.isfinite(values).all() or (np.abs(values) > MAX_ABS_M).any():
        bad = values[~(np.abs(values) <= MAX_ABS_M)][0]
        raise InputError(f"{source}: {what} holds {bad:g}; expected finite values "
                         f"within +-{MAX_ABS_M:g} (metres)")
    return values


def _number(text: str, what: str, source: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{source}: {what}: {text[:30]!r} is not a number") from None


@dataclasses.dataclass
class _MvnxState:
    """What the MVNX stream has gathered so far (first subject only)."""

    source: str
    root: dict[str, str] = dataclasses.field(default_factory=dict)
    subjects: int = 0
    in_first: bool = False
    subject: dict[str, str] = dataclasses.field(default_factory=dict)
    segments: list[str] = dataclasses.field(default_factory=list)
    points: dict[tuple[str, str], np.ndarray] = dataclasses.field(default_factory=dict)
    kept: list[tuple[str, int]] | None = None
    rotated: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    oriented: bool | None = None
    positions: list[np.ndarray] = dataclasses.field(default_factory=list)
    quaternions: list[np.ndarray] = dataclasses.field(default_factory=list)
    stamps: list[tuple[str | None, str | None, str | None]] = dataclasses.field(
        default_factory=list)
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)
    first_tc: str | None = None


def _take_point(state: _MvnxState, segment: str, point: ET.Element) -> None:
    label = point.get("label") or ""
    if label not in _WANTED_POINTS:
        return
    pos = next((child for child in point if _local(child.tag) == "pos_b"), None)
    if pos is None:
        raise InputError(f"{state.source}: segment {_shown(segment)}, point {label} has no "
                         "<pos_b>")
    state.points[(segment, label)] = _floats(pos.text, 3, f"segment {_shown(segment)}, point "
                                             f"{label}", state.source)


def _take_segment(state: _MvnxState, elem: ET.Element) -> None:
    label = elem.get("label")
    if not label:
        raise InputError(f"{state.source}: segment {len(state.segments) + 1} has no label; "
                         "export the MVNX again")
    name = _segment_name(label) or label
    state.segments.append(name)
    for point in elem.iter():
        if _local(point.tag) == "point":
            _take_point(state, name, point)


def _columns(state: _MvnxState) -> None:
    """Check the header's segments and choose the columns kept (at the first frame)."""
    if not state.segments:
        raise InputError(f"{state.source}: the subject has no <segments> before its frames; "
                         "export the MVNX again")
    index: dict[str, int] = {}
    for k, name in enumerate(state.segments):
        if name in SEGMENT_ROLES and name in index:
            raise InputError(f"{state.source}: segment {name} appears twice in <segments>")
        index.setdefault(name, k)
    missing = [s for s in REQUIRED_SEGMENTS if s not in index]
    if missing:
        found = _shown(", ".join(state.segments), 300)
        raise InputError(f"{state.source}: the subject lacks the segments {', '.join(missing)}"
                         f" (found {found}); export the full body")
    state.kept = [(s, index[s]) for s in SEGMENT_ROLES if s in index]
    state.rotated = [(s, index[s]) for s in ROTATED_SEGMENTS if s in index]


def _frame_name(elem: ET.Element, ordinal: int) -> str:
    index = elem.get("index")
    return f"frame index {_shown(index, 20)}" if index is not None else f"normal frame {ordinal}"


def _frame_orientation(state: _MvnxState, orientation: ET.Element | None,
                       name: str) -> None:
    """Keep the rotated segments' quaternions of one frame (or check there are none)."""
    present = orientation is not None
    if state.oriented is None:
        state.oriented = present
    if present != state.oriented:
        which = "has no" if state.oriented else "has an"
        other = "do" if state.oriented else "do not"
        raise InputError(f"{state.source}: {name} {which} <orientation> but earlier frames "
                         f"{other}; export the MVNX again")
    if not present:
        return
    values = _floats(orientation.text, 4 * len(state.segments), f"{name}: <orientation>",
                     state.source).reshape(-1, 4)
    kept = values[[k for _, k in state.rotated]]
    zero = np.linalg.norm(kept, axis=-1) < 1e-6
    if zero.any():
        segment = state.rotated[int(np.argmax(zero))][0]
        raise InputError(f"{state.source}: {name}: the orientation of {segment} is a zero "
                         "quaternion")
    state.quaternions.append(kept)


def _take_frame(state: _MvnxState, elem: ET.Element) -> None:
    kind = (elem.get("type") or "normal").lower()
    if kind != "normal":
        kind = _shown(kind, 30)
        state.skipped[kind] = state.skipped.get(kind, 0) + 1
        return
    if state.kept is None:
        _columns(state)
    name = _frame_name(elem, len(state.positions))
    children = {_local(child.tag): child for child in elem}
    if "position" not in children:
        raise InputError(f"{state.source}: {name} has no <position>; export segment "
                         "positions")
    values = _floats(children["position"].text, 3 * len(state.segments),
                     f"{name}: <position>", state.source).reshape(-1, 3)
    _frame_orientation(state, children.get("orientation"), name)
    state.positions.append(values[[k for _, k in state.kept]])
    state.stamps.append((elem.get("time"), elem.get("ms"), elem.get("index")))
    if state.first_tc is None:
        state.first_tc = elem.get("tc")


def _on_start(state: _MvnxState, stack: list[ET.Element], elem: ET.Element) -> None:
    tag = _local(elem.tag)
    if not stack and tag != "mvnx":
        raise InputError(f"{state.source}: not an MVNX file: the root element is <{tag[:40]}>, "
                         "expected <mvnx>; export the take as MVNX")
    if not stack:
        state.root = dict(elem.attrib)
    elif tag == "subject":
        state.subjects += 1
        state.in_first = state.subjects == 1
        if state.in_first:
            state.subject = dict(elem.attrib)
    stack.append(elem)


def _on_end(state: _MvnxState, stack: list[ET.Element], elem: ET.Element) -> None:
    stack.pop()
    tag = _local(elem.tag)
    if tag == "subject":
        state.in_first = False
        return
    if tag not in ("segment", "frame") or not stack:
        return
    parent = _local(stack[-1].tag)
    if state.in_first and tag == "segment" and parent == "segments":
        _take_segment(state, elem)
    elif state.in_first and tag == "frame" and parent == "frames":
        _take_frame(state, elem)
    stack[-1].remove(elem)  # read: let it go, so the tree never holds the frames


def _stream_mvnx(path: Path) -> _MvnxState:
    """Stream ``path`` into an :class:`_MvnxState` (raises InputError on any problem)."""
    source = str(path)
    state, stack = _MvnxState(source), []
    try:
        with path.open("rb") as handle:
            for event, elem in ET.iterparse(_GuardedText(handle, source),
                                            events=("start", "end")):
                if event == "start":
                    _on_start(state, stack, elem)
                else:
                    _on_end(state, stack, elem)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file; check the path") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    except ET.ParseError as exc:
        raise InputError(f"{source}: not well-formed XML ({exc}); export the take again "
                         "as MVNX") from None
    return state


def _check_stream(state: _MvnxState) -> None:
    source = state.source
    if state.subjects == 0:
        raise InputError(f"{source}: the MVNX file has no <subject>; export the take again")
    if not state.segments:
        raise InputError(f"{source}: the subject has no <segments>; export the take again")
    if not state.positions:
        skipped = ", ".join(f"{n} {k}" for k, n in state.skipped.items()) or "none"
        raise InputError(f"{source}: no normal frames (calibration frames skipped: {skipped});"
                         " export the recording, not only the calibration")


def _positive(text: str | None, what: str, source: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{source}: {what} {text[:30]!r} is not a positive number")
    return value


def _attribute_numbers(state: _MvnxState, k: int, what: str) -> np.ndarray | None:
    """Attribute ``k`` of every normal frame's stamps as floats; None when some lack it."""
    texts = [stamp[k] for stamp in state.stamps]
    if any(t is None for t in texts):
        return None
    values = np.empty(len(texts))
    for i, text in enumerate(texts):
        try:
            values[i] = float(text)
        except ValueError:
            values[i] = math.nan
        if not math.isfinite(values[i]):
            raise InputError(f"{state.source}: normal frame {i}: {what} {text[:30]!r} is not "
                             "a number")
    return values


def _mvnx_clock(state: _MvnxState) -> _Clock:
    rate_text = state.subject.get("frameRate", state.root.get("frameRate"))
    declared = _positive(rate_text, "frameRate", state.source)
    stamps, name = _attribute_numbers(state, 0, "time"), "time attribute"
    if stamps is None:
        stamps, name = _attribute_numbers(state, 1, "ms"), "ms attribute"
    numbers = _attribute_numbers(state, 2, "index")
    label = (lambda k: f"frame index {numbers[k]:g}") if numbers is not None else (
        lambda k: f"normal frame {k}")
    return _Clock(stamps_ms=stamps, stamp_name=name, numbers=numbers, declared_fps=declared,
                  label=label, n_frames=len(state.positions))


def _mvnx_segments(state: _MvnxState) -> _Segments:
    """The kept positions and rotations in Y-up metres, and the point offsets."""
    xyz = np.stack(state.positions) @ Z_UP_TO_Y_UP.T  # (frames, kept, 3)
    positions = {s: xyz[:, i] for i, (s, _) in enumerate(state.kept)}
    rotations = None
    if state.oriented:
        matrices = Z_UP_TO_Y_UP @ quaternion_matrices(np.stack(state.quaternions))
        rotations = {s: matrices[:, i] for i, (s, _) in enumerate(state.rotated)}
    offsets = {}
    for name, (segment, labels) in POINTS.items():
        label = next((lab for lab in labels if (segment, lab) in state.points), None)
        if label is not None:
            offsets[name] = (label, state.points[(segment, label)])
    return _Segments(positions=positions, rotations=rotations, offsets=offsets)


def read_mvnx(path: str | Path, *, fps: float | None = None) -> Motion:
    """Read an Xsens MVN MVNX (XML) export into a world-space Motion in metres, Y up.

    Parameters
    ----------
    path : path
        The ``.mvnx`` file.
    fps : float, optional
        Frame rate in frames/s; when given the times are ``(index - first index) / fps``
        whatever the frames' time stamps say (module docstring).

    Returns
    -------
    Motion
        ``space="world"``, ``units="m"``, positions (frames, 23, 3) of the normal frames
        of the first subject, Y up; confidence 1 for the segment origins, 0.5 for heels,
        nose, eyes and ears (module docstring); times in seconds from 0.  Provenance:
        subject label, subject count, skipped calibration frames, time source, how each
        derived joint was made, stature estimate.

    Raises
    ------
    InputError
        Missing file, not XML, a DTD or entity declaration, no ``<mvnx>`` root, no subject
        or segments, a missing required segment, a frame whose ``<position>`` or
        ``<orientation>`` has the wrong count of numbers or a non-finite value (the frame
        index is named), times that do not increase, no normal frames, or a bad ``fps``.
    """
    path = Path(path)
    _check_fps(fps, str(path))
    state = _stream_mvnx(path)
    _check_stream(state)
    notes = [] if state.subjects == 1 else [
        f"the file holds {state.subjects} subjects; the first was read"]
    provenance = {"reader": "mvnx", "path": str(path), "mvnx_version": state.root.get("version"),
                  "subject": state.subject.get("label"), "subjects": state.subjects,
                  "subject_read": 1, "configuration": state.subject.get("configuration"),
                  "segments": len(state.segments), "skipped_frames": dict(state.skipped),
                  "orientations": bool(state.oriented), "start_timecode": state.first_tc,
                  "notes": notes}
    return _assemble(_mvnx_segments(state), _mvnx_clock(state), fps, str(path), provenance)


_PROLOG_ITEM = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)",
                          re.DOTALL)


def _skip_prolog(text: str) -> str:
    """``text`` after the XML declaration, comments, processing instructions, DOCTYPE."""
    for _ in range(64):
        found = _PROLOG_ITEM.match(text)
        if not found:
            break
        text = text[found.end():]
    return text


def looks_like_mvnx(head: bytes) -> bool:
    """Whether the first bytes of a file (about 4 KB) are XML with an ``<mvnx>`` root.

    Parameters
    ----------
    head : bytes
        The start of the file; a BOM (UTF-8, UTF-16) is honoured.

    Returns
    -------
    bool
        True when, after the XML declaration, comments and processing instructions, the
        first element is ``mvnx`` (with or without a namespace prefix).  Never raises.
    """
    if not isinstance(head, (bytes, bytearray)):
        return False
    encoding = next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8")
    text = bytes(head).decode(encoding, errors="ignore")
    return re.match(r"\s*<(?:[A-Za-z_][\w.-]*:)?mvnx[\s/>]", _skip_prolog(text)) is not None


# =========================================================================== CSV
_TIME_KEYS = {"frame": "frame", "ms": "ms", "time": "ms", "timems": "ms", "times": "s"}
_AXIS_COLUMN = re.compile(r"(?P<stem>.+?)[\s_]+(?P<axis>[xyzXYZ])")


def _classify(name: str) -> tuple[str, str] | None:
    """``"Pelvis x"`` -> ("Pelvis", "x"); ``"Frame"`` -> ("frame", ""); ``"ms"`` -> ("ms",
    ""); ``"time_s"`` -> ("s", ""); anything else None."""
    key = _key(name)
    if key in _TIME_KEYS:
        return _TIME_KEYS[key], ""
    found = _AXIS_COLUMN.fullmatch(name.strip())
    segment = _segment_name(found["stem"]) if found else None
    return (segment, found["axis"].lower()) if segment else None


def _delimiter(line: str) -> str:
    return max(",;\t", key=line.count)


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


@dataclasses.dataclass(frozen=True)
class _CsvColumns:
    """Column indices: (segment, axis) -> column, frame, time (column, "ms"|"s"), ignored."""

    axes: dict[tuple[str, str], int]
    frame: int | None
    clock: tuple[int, str] | None
    ignored: list[str]

    def used(self) -> list[int]:
        """The columns read, in file order."""
        extra = [self.frame] if self.frame is not None else []
        extra += [self.clock[0]] if self.clock is not None else []
        return sorted({*self.axes.values(), *extra})


_CLOCKS = ("ms", "s")


def _fields(header: Sequence[str], source: str) -> tuple[dict[tuple[str, str], int],
                                                         list[str]]:
    """Classified columns (field -> index; duplicates refused) and the unknown ones."""
    fields: dict[tuple[str, str], int] = {}
    unknown: list[str] = []
    for i, name in enumerate(header):
        field = _classify(name)
        if field is None:
            unknown.append(name.strip()[:40])
            continue
        second_clock = field[0] in _CLOCKS and any(f[0] in _CLOCKS for f in fields)
        if field in fields or second_clock:
            raise InputError(f"{source}: column {name.strip()[:40]!r} repeats a column (or a "
                             "second time column); keep one")
        fields[field] = i
    return fields, unknown


def _csv_columns(header: Sequence[str], source: str) -> _CsvColumns:
    fields, unknown = _fields(header, source)
    segments = sorted({s for s, a in fields if a}, key=MVN_SEGMENTS.index)
    for segment in segments:
        lacking = [f"{segment} {a}" for a in "xyz" if (segment, a) not in fields]
        if lacking:
            raise InputError(f"{source}: column {', '.join(lacking)} is missing; every segment "
                             "needs x, y and z")
    missing = [s for s in REQUIRED_SEGMENTS if s not in segments]
    if missing:
        raise InputError(f"{source}: no columns for the segments {', '.join(missing)}; "
                         "export the segment positions of the full body")
    clock = next(((i, unit) for (unit, _), i in fields.items() if unit in _CLOCKS), None)
    return _CsvColumns(axes={f: i for f, i in fields.items() if f[1]},
                       frame=fields.get(("frame", "")), clock=clock, ignored=unknown)


def looks_like_xsens_csv(header: str) -> bool:
    """Whether a CSV header line is an Xsens MVN segment-position header.

    Parameters
    ----------
    header : str
        The first line of the file (a BOM is ignored).

    Returns
    -------
    bool
        True when it has ``x``, ``y`` and ``z`` columns (``Pelvis x``, ``pelvis_x``...) for
        the Pelvis and both UpperLeg, LowerLeg and Foot segments.  Never raises.
    """
    if not isinstance(header, str):
        return False
    lines = header.lstrip("\ufeff").splitlines()
    line = lines[0] if lines else ""
    try:
        fields = {_classify(name) for name in _split(line, _delimiter(line))}
    except csv.Error:
        return False
    needed = ("Pelvis", *(f"{S}{seg}" for S, _ in _SIDES for seg in ("UpperLeg", "LowerLeg",
                                                                    "Foot")))
    return all((segment, axis) in fields for segment in needed for axis in "xyz")


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a UTF-8 text CSV (byte {exc.start}); export the CSV "
                         "again") from None


def _cell(text: str, comma: bool, line: int, column: str, source: str) -> float:
    """A cell's number; NaN when empty; InputError when not a finite number."""
    text = text.strip()
    if not text:
        return math.nan
    try:
        value = float(text.replace(",", ".") if comma else text)
    except ValueError:
        value = math.inf
    if not math.isfinite(value):
        raise InputError(f"{source}: line {line}, column {column[:40]!r}: expected a finite "
                         f"number or an empty cell, but got {text[:30]!r}")
    return value


def _rows(reader: Iterable[list[str]], width: int, source: str,
          line: Callable[[], int]) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) of the non-blank rows, each of ``width`` cells."""
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise InputError(f"{source}: line {line()} has {len(row)} cells, but the header "
                             f"has {width}; fix that row")
        yield line(), row


def _read_table(text: str, source: str) -> tuple[list[str], np.ndarray, list[int], _CsvColumns]:
    """Header, used values (rows, used columns) with NaN for empty cells, lines, columns."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(f"{source}: the CSV is empty; export the segment positions")
    delimiter = _delimiter(lines[first])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise InputError(f"{source}: the CSV has no header line; export the segment positions")
    columns = _csv_columns(header, source)
    used = columns.used()
    comma = delimiter != ","
    values, numbers = [], []
    for line, row in _rows(reader, len(header), source, lambda: reader.line_num):
        values.append([_cell(row[k], comma, line, header[k], source) for k in used])
        numbers.append(line)
    if not values:
        raise InputError(f"{source}: the CSV has a header but no data rows")
    table = np.full((len(values), len(header)), np.nan)
    table[:, used] = np.asarray(values, dtype=np.float64)
    return header, table, numbers, columns


def _check_positions(table: np.ndarray, columns: _CsvColumns, header: Sequence[str],
                     lines: Sequence[int], source: str) -> None:
    cols = sorted(columns.axes.values())
    big = np.abs(table[:, cols]) > MAX_ABS_M
    if big.any():
        row, k = np.argwhere(big)[0]
        raise InputError(f"{source}: line {lines[row]}, column {header[cols[k]][:40]!r}: "
                         f"{table[row, cols[k]]:g} is beyond +-{MAX_ABS_M:g}; Xsens positions "
                         "are metres")


def _column(table: np.ndarray, col: int, header: Sequence[str], lines: Sequence[int],
            source: str) -> np.ndarray:
    """A time or frame column, without empty cells."""
    values = table[:, col]
    empty = np.flatnonzero(np.isnan(values))
    if empty.size:
        raise InputError(f"{source}: line {lines[empty[0]]}: the {_shown(header[col])} "
                         "cell is empty; fill every one")
    return values


def _csv_clock(table: np.ndarray, columns: _CsvColumns, header: Sequence[str],
               lines: Sequence[int], source: str) -> _Clock:
    stamps, name = None, ""
    if columns.clock is not None:
        col, unit = columns.clock
        stamps = _column(table, col, header, lines, source) * (1000.0 if unit == "s" else 1.0)
        name = f"{_shown(header[col])} column"
    numbers = None
    if columns.frame is not None:
        numbers = _column(table, columns.frame, header, lines, source)
    return _Clock(stamps_ms=stamps, stamp_name=name, numbers=numbers, declared_fps=None,
                  label=lambda k: f"line {lines[k]}", n_frames=len(table))


def read_xsens_csv(path: str | Path, *, fps: float | None = None) -> Motion:
    """Read an Xsens MVN "Segment Position" CSV into a world-space Motion in metres, Y up.

    Parameters
    ----------
    path : path
        The ``.csv`` file (header ``Frame,ms,Pelvis x,Pelvis y,Pelvis z,...``; variants in
        the module docstring), one row per frame, metres, Z up.
    fps : float, optional
        Frame rate in frames/s; when given the times are ``(frame - first frame) / fps``
        (row order without a frame column), whatever the time column says.  Without it
        and without a time column, 60 is assumed (noted in provenance).

    Returns
    -------
    Motion
        ``space="world"``, ``units="m"``, positions (frames, 23, 3) Y up; confidence 1
        for the segment origins, 0.5 for heels (from knee-ankle-toe foot frames), nose,
        eyes and ears (module docstring), 0 where a cell is empty.

    Raises
    ------
    InputError
        Missing or non-UTF-8 file, no segment columns for the hips, knees, ankles or
        shoulders, a segment without all of x/y/z, a duplicated column, a row of the wrong
        length or a cell that is not a finite number (line and column named), values
        beyond +-10 km, times or frame numbers that do not increase, or a bad ``fps``.
    """
    path = Path(path)
    source = str(path)
    _check_fps(fps, source)
    try:
        header, table, lines, columns = _read_table(_read_text(path), source)
    except csv.Error as exc:
        raise InputError(f"{source}: cannot read the CSV ({exc}); export it again") from None
    _check_positions(table, columns, header, lines, source)
    xyz = {s: table[:, [columns.axes[(s, a)] for a in "xyz"]] @ Z_UP_TO_Y_UP.T
           for s, axis in columns.axes if axis == "x"}
    segments = _Segments(positions=xyz, rotations=None, offsets={})
    provenance = {"reader": "xsens_csv", "path": source, "segments": len(xyz),
                  "ignored_columns": columns.ignored[:50], "orientations": False}
    clock = _csv_clock(table, columns, header, lines, source)
    return _assemble(segments, clock, fps, source, provenance)
