"""Read BVH (Biovision Hierarchy) motion capture into a :class:`~balletmirror.core.motion.Motion`.

Stages, each a small function usable on its own::

    parse_bvh(path) -> Bvh                      # text -> joint tree + channel values
    forward_kinematics(bvh) -> (rot, pos)       # global rotations and positions per frame
    match_rig(names) -> (rig, roles)            # joint names -> canonical roles
    read_bvh(path) -> Motion                    # all of it, in metres, Y up
    root_yaw_deg(bvh) -> (frames,)              # root heading about the vertical

Format
------
``HIERARCHY`` then one ``ROOT`` (several are accepted) with nested ``JOINT`` and
``End Site`` blocks, each with one ``OFFSET x y z`` and (except end sites) optional
``CHANNELS n name...``; channel names are ``X|Y|Z`` + ``position|rotation`` in any
order and any subset.  Then ``MOTION``, ``Frames: n``, ``Frame Time: seconds`` and one
line of values per frame.  Tabs, CRLF, blank lines and extra spaces are accepted;
keywords and channel names are matched case-insensitively; a joint name is the rest of
its line.  **Frame count**: fewer data lines than ``Frames:`` declares is an error;
extra lines after the declared frames are ignored and counted in
``provenance["extra_frame_lines"]``.  Every malformed input raises one-line
:class:`~balletmirror.core.errors.InputError` naming the file (and the line).

Forward kinematics
------------------
Per joint the local transform is a translation then a rotation.  The translation is
the ``OFFSET`` plus the position channels (``position_mode="add"``, the default:
the Character Creator files in ``shared/data`` put the standing hip height in the root
OFFSET and a small displacement in the channels) or the OFFSET with the components
given by position channels replaced (``position_mode="replace"``: position channels as
absolute coordinates).
Rotation channels are in degrees and compose intrinsically in the order written:
``Zrotation Xrotation Yrotation`` gives ``Rz @ Rx @ Ry``.  ``global = parent_global @
local``; a child's position is ``parent_pos + parent_rot @ translation``.  End sites are
nodes named ``"<parent>/End Site"`` and get positions too.

Rig-name table
--------------
Roles are found by case-insensitive *full* matches of these regexes against joint names
(end sites are ``"<parent>/End Site"``); the first matching joint in file order wins.
Right-side roles use ``R_`` / ``Right`` in place of ``L_`` / ``Left``.  The **mixamo**
patterns are the cmu ones with a required ``mixamorig\\d*[:_]`` prefix (``mixamorig:``,
``mixamorig1:``, ``mixamorig_``), except head_top: ``HeadTop_End|Head/End Site``.
Mixamo files exported without the prefix match the cmu column.  The rig whose table
matches every required role and the most roles overall is used (preference on ties:
character_creator, mixamo, cmu); its name goes to ``provenance["rig"]``.

=============  ==========================  =================
role           character_creator           cmu (and mixamo)
=============  ==========================  =================
pelvis         ``CC_Base_Hip``             ``Hips``
left_thigh     ``CC_Base_L_Thigh``         ``LeftUpLeg``
left_shin      ``CC_Base_L_Calf``          ``LeftLeg``
left_foot      ``CC_Base_L_Foot``          ``LeftFoot``
left_toe       ``CC_Base_L_ToeBase``       ``LeftToeBase``
left_upperarm  ``CC_Base_L_Upperarm``      ``LeftArm``
left_forearm   ``CC_Base_L_Forearm``       ``LeftForeArm``
left_hand      ``CC_Base_L_Hand``          ``LeftHand``
left_eye       ``CC_Base_L_Eye``           ``LeftEye``
neck           ``CC_Base_NeckTwist01``     ``Neck``
head           ``CC_Base_Head``            ``Head``
head_top       ``CC_Base_Head/End Site``   ``Head/End Site``
=============  ==========================  =================

Roles give canonical joints: hips = thigh origins, knees = shin origins, ankles = foot
origins, toes = toe-base origins (the ball of the foot, MTP joint; not the toe tip),
shoulders = upper-arm origins (not the clavicle), elbows = forearm origins, wrists =
hand origins, eyes = eye joints, ``mid_hip`` = pelvis, ``neck`` = neck base; all
measured, confidence 1.  Hips, knees, ankles and shoulders are required.

Derived joints (confidence 0.5)
-------------------------------
* **Heels**: rigidly attached to the foot joint.  In the clip's frame where the shin is
  most nearly perpendicular to the foot, with ``d`` the unit ankle->toe-base direction,
  ``l`` that distance and ``n`` the unit component of the knee->ankle direction
  perpendicular to ``d`` (towards the sole), ``heel = ankle + l (-0.12 d + 0.52 n)``;
  that offset, expressed in the foot's frame, is carried by the foot's rotation to every
  frame, so it follows the foot on demi-pointe and full pointe.  The fractions put the
  heel's plantar-posterior point ~6 cm below and ~4.5 cm behind the ankle centre of a
  flat adult foot with the ball of the foot 2 cm above the floor (ankle height 0.039 H,
  foot length 0.152 H; Winter 2009, *Biomechanics and Motor Control of Human Movement*,
  Fig. 4.1).  Without a toe joint the heels stay NaN.
* **Nose, ears (and eyes when the rig has none)**: fixed points of a head frame
  (forward, up, left), scaled by the stature estimate ``H`` (below).  Offsets from the
  head joint (skull base), as (forward, up, left) x H: eyes (0.050, 0.018, +-0.019), nose
  tip (0.068, -0.008, 0), ears/tragion (0.005, 0, +-0.043).  For H = 1.7 m: pupils 8.5 cm
  in front of and 3 cm above the skull base, 6.5 cm apart; nose tip 3 cm ahead of and
  4.5 cm below them; ears 3 cm below the pupils and 7.3 cm to each side (half a head
  breadth).  These are rough adult proportions chosen for this reader, not values from
  an anthropometric table; they only need to put the points on the right part of the
  head.  The head frame:

  - rig with eye joints (Character Creator): *left* is the right->left eye direction and
    forward/up are turned about it so that the eyes sit at the elevation above; the
    points are placed relative to the measured eyes' mid-point;
  - otherwise *up* is the head->head-top direction when the rig has a head end site
    (CMU, Mixamo), else the vertical, and *forward* the body's forward
    ``(left - right) x up`` (left - right from shoulders + thighs), each averaged over
    the clip in the head joint's local frame (so the face turns with the head), forward
    made perpendicular to up, ``left = up x forward``.

Units and axes
--------------
Output is world space, metres, Y up, right-handed.  **Stature estimate** (Winter 2009
segment proportions): ``H = (thigh + shank + hip-to-shoulder) / 0.779`` where 0.779 H is
the ankle-to-shoulder height (0.818 - 0.039) of a standing adult; each length is the
median over frames of the joint distance, averaged over left and right, so it does not
depend on the rest pose or on the motion.  **Units**: with ``units="auto"`` the unit of
:data:`UNIT_SCALES` (m, cm, mm, in, and ``cmu`` = 1/0.45 inch, the ASF length unit of
the original CMU BVH conversions) that brings ``H`` closest to 1.7 m in log ratio is
chosen; ``units=`` forces one (or a float: metres per file unit).  **Up axis**: with
``up="auto"`` the dominant axis of the median trunk direction (mid-thighs -> mid-shoulders)
is taken as up (+Z for Z-up files) and rotated onto +Y by a proper rotation (right-handed
frame kept; e.g. Z up: ``(x, y, z) -> (x, z, -y)``); ``up="z"`` etc. forces it.

Frame rate: ``fps = 1 / Frame Time``, snapped to the nearest integer when within 1e-4
relative (``0.016667`` -> 60), since files print the frame time with few decimals.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..core.errors import ConfigError, InputError
from ..core.geometry import unit_vectors
from ..core.motion import Motion, empty_arrays, uniform_times
from ..core.skeleton import J

CHANNEL_NAMES: tuple[str, ...] = ("Xposition", "Yposition", "Zposition",
                                  "Xrotation", "Yrotation", "Zrotation")
_CHANNEL_LOOKUP = {name.lower(): name for name in CHANNEL_NAMES}
_AXIS = {"X": 0, "Y": 1, "Z": 2}

#: Metres per file unit for ``units=``; ``cmu`` is the CMU ASF unit (1/0.45 inch).
UNIT_SCALES: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254,
                                 "cmu": 0.0254 / 0.45}
#: Stature (m) the unit heuristic aims for.
TYPICAL_STATURE_M = 1.7
#: Ankle-to-shoulder height as a fraction of stature (Winter 2009: 0.818 - 0.039).
ANKLE_TO_SHOULDER = 0.779
#: Heel offset from the ankle, in ankle->toe-base lengths: (back along foot, towards sole).
HEEL_BACK, HEEL_DOWN = 0.12, 0.52
#: Face points from the head joint, (forward, up, left) as fractions of stature.
FACE_OFFSETS: dict[str, tuple[float, float, float]] = {
    "nose": (0.068, -0.008, 0.0),
    "left_eye": (0.050, 0.018, 0.019),
    "right_eye": (0.050, 0.018, -0.019),
    "left_ear": (0.005, 0.0, 0.043),
    "right_ear": (0.005, 0.0, -0.043),
}
MEASURED_CONFIDENCE, DERIVED_CONFIDENCE = 1.0, 0.5
POSITION_MODES = ("add", "replace")


# --------------------------------------------------------------------------- rig tables
def _rig_table(prefix: str, centre: dict[str, str], sided: dict[str, str],
               sides: tuple[str, str]) -> dict[str, str]:
    """Role -> regex for one rig: ``prefix`` + pattern, ``{s}`` replaced by the side token."""
    table = {role: prefix + pattern for role, pattern in centre.items()}
    for side, token in zip(("left", "right"), sides, strict=True):
        for role, pattern in sided.items():
            table[f"{side}_{role}"] = prefix + pattern.format(s=token)
    return table


_CMU_SIDED = {"thigh": "{s}UpLeg", "shin": "{s}Leg", "foot": "{s}Foot", "toe": "{s}ToeBase",
              "upperarm": "{s}Arm", "forearm": "{s}ForeArm", "hand": "{s}Hand", "eye": "{s}Eye"}

#: Rig name -> role -> case-insensitive full-match regex (see the module docstring).
RIGS: dict[str, dict[str, str]] = {
    "character_creator": _rig_table(
        "CC_Base_",
        {"pelvis": "Hip", "neck": "NeckTwist01", "head": "Head", "head_top": "Head/End Site"},
        {"thigh": "{s}_Thigh", "shin": "{s}_Calf", "foot": "{s}_Foot", "toe": "{s}_ToeBase",
         "upperarm": "{s}_Upperarm", "forearm": "{s}_Forearm", "hand": "{s}_Hand",
         "eye": "{s}_Eye"},
        ("L", "R")),
    "mixamo": _rig_table(
        r"mixamorig\d*[:_]",
        {"pelvis": "Hips", "neck": "Neck", "head": "Head",
         "head_top": "(?:HeadTop_End|Head/End Site)"},
        _CMU_SIDED, ("Left", "Right")),
    "cmu": _rig_table(
        "", {"pelvis": "Hips", "neck": "Neck", "head": "Head", "head_top": "Head/End Site"},
        _CMU_SIDED, ("Left", "Right")),
}

#: Canonical joint -> the role whose joint origin it is (measured, confidence 1).
MEASURED_JOINTS: dict[str, str] = {
    **{f"{s}_{joint}": f"{s}_{role}" for s in ("left", "right") for joint, role in (
        ("hip", "thigh"), ("knee", "shin"), ("ankle", "foot"), ("toe", "toe"),
        ("shoulder", "upperarm"), ("elbow", "forearm"), ("wrist", "hand"), ("eye", "eye"))},
    "mid_hip": "pelvis",
    "neck": "neck",
}
#: Canonical joints a BVH rig must provide.
REQUIRED_JOINTS: tuple[str, ...] = ("left_hip", "right_hip", "left_knee", "right_knee",
                                    "left_ankle", "right_ankle", "left_shoulder",
                                    "right_shoulder")
_REQUIRED_ROLES = tuple(MEASURED_JOINTS[j] for j in REQUIRED_JOINTS)


# --------------------------------------------------------------------------- parsed file
@dataclasses.dataclass(frozen=True, eq=False)
class Bvh:
    """A parsed BVH file: the joint tree and the raw channel values.

    Attributes
    ----------
    names : tuple of str, (nodes,)
        Joint names in file (depth-first) order; end sites are ``"<parent>/End Site"``.
    parents : tuple of int, (nodes,)
        Parent index of each node, -1 for a root; a parent always precedes its children.
    offsets : array (nodes, 3)
        ``OFFSET`` from the parent, in file units and axes.
    channels : tuple of tuple of str, (nodes,)
        Channel names of each node in file order (:data:`CHANNEL_NAMES` spelling).
    end_site : tuple of bool, (nodes,)
        Whether the node is an ``End Site``.
    values : array (frames, total channels)
        The MOTION rows: rotations in degrees, positions in file units.
    frame_time : float
        ``Frame Time`` in seconds.
    source : str
        The file the data came from (for messages and provenance).
    extra_lines : int
        Data lines after the declared frames, which were ignored.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray
    channels: tuple[tuple[str, ...], ...]
    end_site: tuple[bool, ...]
    values: np.ndarray
    frame_time: float
    source: str = "<string>"
    extra_lines: int = 0

    @property
    def n_frames(self) -> int:
        return int(self.values.shape[0])

    @functools.cached_property
    def columns(self) -> tuple[int, ...]:
        """First column of each node's channels in :attr:`values`, (nodes,)."""
        starts = np.concatenate([[0], np.cumsum([len(c) for c in self.channels])[:-1]])
        return tuple(int(s) for s in starts)

    def index(self, name: str) -> int:
        """Node index of the joint called ``name`` (exact match)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"Expected a joint of {self.source}, but got {name!r}") from None


# --------------------------------------------------------------------------- hierarchy
@dataclasses.dataclass
class _Builder:
    """Mutable state of the HIERARCHY parser (tokens with line numbers, open blocks)."""

    source: str
    tokens: list[tuple[str, int]]
    pos: int = 0
    names: list[str] = dataclasses.field(default_factory=list)
    parents: list[int] = dataclasses.field(default_factory=list)
    offsets: list[tuple[float, float, float] | None] = dataclasses.field(default_factory=list)
    channels: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    end_site: list[bool] = dataclasses.field(default_factory=list)
    opened_at: list[int] = dataclasses.field(default_factory=list)
    stack: list[int] = dataclasses.field(default_factory=list)

    def fail(self, line: int, what: str) -> InputError:
        return InputError(f"{self.source}: line {line}: {what}")

    def take(self, what: str) -> tuple[str, int]:
        if self.pos >= len(self.tokens):
            last = self.tokens[-1][1] if self.tokens else 1
            raise self.fail(last, f"expected {what}, but the HIERARCHY ended")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def label(self, node: int) -> str:
        return "End Site" if self.end_site[node] else repr(self.names[node])


def _tokenize(lines: Sequence[str], first_line: int) -> list[tuple[str, int]]:
    """Whitespace tokens with 1-based line numbers; braces are always their own tokens."""
    tokens = []
    for k, line in enumerate(lines):
        for token in line.replace("{", " { ").replace("}", " } ").split():
            tokens.append((token, first_line + k))
    return tokens


def _read_name(b: _Builder, keyword: str, line: int) -> str:
    """The joint name after ROOT/JOINT: the rest of its line, braces excluded."""
    words = []
    while b.pos < len(b.tokens) and b.tokens[b.pos][1] == line \
            and b.tokens[b.pos][0] not in ("{", "}"):
        words.append(b.tokens[b.pos][0])
        b.pos += 1
    if not words:
        raise b.fail(line, f"{keyword} without a joint name")
    return " ".join(words)


def _open(b: _Builder, name: str, line: int, *, end: bool) -> None:
    token, at = b.take(f"'{{' after {name!r}")
    if token != "{":
        raise b.fail(at, f"expected '{{' after {name!r}, but got {token!r}")
    b.names.append(name)
    b.parents.append(b.stack[-1] if b.stack else -1)
    b.offsets.append(None)
    b.channels.append(())
    b.end_site.append(end)
    b.opened_at.append(line)
    b.stack.append(len(b.names) - 1)


def _on_root(b: _Builder, token: str, line: int) -> None:
    name = _read_name(b, "ROOT", line)
    if b.stack:
        raise b.fail(line, f"ROOT {name!r} inside {b.label(b.stack[-1])}; "
                     "expected JOINT or End Site there")
    _open(b, name, line, end=False)


def _on_joint(b: _Builder, token: str, line: int) -> None:
    name = _read_name(b, "JOINT", line)
    if not b.stack:
        raise b.fail(line, f"JOINT {name!r} outside a ROOT (broken hierarchy)")
    if b.end_site[b.stack[-1]]:
        raise b.fail(line, f"JOINT {name!r} inside an End Site")
    _open(b, name, line, end=False)


def _on_end(b: _Builder, token: str, line: int) -> None:
    site, at = b.take("'Site' after 'End'")
    if site.upper() != "SITE":
        raise b.fail(at, f"expected 'End Site', but got 'End {site}'")
    if not b.stack or b.end_site[b.stack[-1]]:
        raise b.fail(line, "End Site outside a joint (broken hierarchy)")
    _open(b, f"{b.names[b.stack[-1]]}/End Site", line, end=True)


def _on_close(b: _Builder, token: str, line: int) -> None:
    if not b.stack:
        raise b.fail(line, "unexpected '}' (unbalanced braces)")
    node = b.stack.pop()
    if b.offsets[node] is None:
        raise b.fail(line, f"{b.label(node)} (line {b.opened_at[node]}) has no OFFSET")


def _current(b: _Builder, keyword: str, line: int) -> int:
    if not b.stack:
        raise b.fail(line, f"{keyword} outside a joint (broken hierarchy)")
    return b.stack[-1]


def _number(b: _Builder, what: str) -> float:
    token, at = b.take(what)
    try:
        value = float(token)
    except ValueError:
        raise b.fail(at, f"expected {what} (a number), but got {token!r}") from None
    if not math.isfinite(value):
        raise b.fail(at, f"expected {what} (a finite number), but got {token!r}")
    return value


def _on_offset(b: _Builder, token: str, line: int) -> None:
    node = _current(b, "OFFSET", line)
    if b.offsets[node] is not None:
        raise b.fail(line, f"a second OFFSET for {b.label(node)}")
    x, y, z = (_number(b, "an OFFSET value") for _ in range(3))
    b.offsets[node] = (x, y, z)


def _channel_name(b: _Builder) -> str:
    token, at = b.take("a channel name")
    name = _CHANNEL_LOOKUP.get(token.lower())
    if name is None:
        raise b.fail(at, f"unknown channel {token!r}; expected one of {', '.join(CHANNEL_NAMES)}")
    return name


def _on_channels(b: _Builder, token: str, line: int) -> None:
    node = _current(b, "CHANNELS", line)
    if b.end_site[node] or b.channels[node]:
        raise b.fail(line, f"unexpected CHANNELS for {b.label(node)}")
    count_token, at = b.take("the channel count")
    if not count_token.isdigit() or not 0 < int(count_token) <= 6:
        raise b.fail(at, f"expected a channel count from 1 to 6, but got {count_token!r}")
    names = tuple(_channel_name(b) for _ in range(int(count_token)))
    if len(set(names)) != len(names):
        raise b.fail(line, f"repeated channel in {' '.join(names)}")
    b.channels[node] = names


_HANDLERS: dict[str, Callable[[_Builder, str, int], None]] = {
    "ROOT": _on_root, "JOINT": _on_joint, "END": _on_end, "}": _on_close,
    "OFFSET": _on_offset, "CHANNELS": _on_channels,
}


def _parse_hierarchy(tokens: list[tuple[str, int]], source: str) -> _Builder:
    """Build the joint tree from the HIERARCHY tokens; raises InputError when broken."""
    b = _Builder(source, tokens)
    while b.pos < len(tokens):
        token, line = b.take("a keyword")
        handler = _HANDLERS.get(token.upper())
        if handler is None:
            raise b.fail(line, f"unexpected {token!r} in the HIERARCHY; expected ROOT, "
                         "JOINT, End Site, OFFSET, CHANNELS or '}'")
        handler(b, token, line)
    if b.stack:
        node = b.stack[0]
        raise b.fail(b.opened_at[node], f"unbalanced braces: {b.label(node)} is never closed")
    if not b.names:
        raise InputError(f"{source}: the HIERARCHY has no ROOT joint")
    return b


# --------------------------------------------------------------------------- motion
_FRAMES_RE = re.compile(r"frames\s*:\s*(\S+)", re.IGNORECASE)
_FRAME_TIME_RE = re.compile(r"frame\s+time\s*:\s*(\S+)", re.IGNORECASE)


def _header_value(rows: list[tuple[int, str]], k: int, pattern: re.Pattern[str],
                  label: str, source: str) -> str:
    """The value of the MOTION header line ``rows[k]`` (``Frames:`` or ``Frame Time:``)."""
    if k >= len(rows):
        raise InputError(f"{source}: expected '{label} ...' after MOTION, but the file ended")
    line, text = rows[k]
    match = pattern.fullmatch(text.strip())
    if match is None:
        raise InputError(f"{source}: line {line}: expected '{label} ...', "
                         f"but got {text.strip()[:60]!r}")
    return match.group(1)


def _frame_header(rows: list[tuple[int, str]], source: str) -> tuple[int, float]:
    """(declared frame count, frame time in s) from the two lines after MOTION."""
    frames = _header_value(rows, 0, _FRAMES_RE, "Frames:", source)
    if not frames.isdigit() or int(frames) < 1:
        raise InputError(f"{source}: line {rows[0][0]}: expected 'Frames:' a count of at "
                         f"least 1, but got {frames!r}")
    time_text = _header_value(rows, 1, _FRAME_TIME_RE, "Frame Time:", source)
    try:
        frame_time = float(time_text)
    except ValueError:
        frame_time = math.nan
    if not (math.isfinite(frame_time) and frame_time > 0):
        raise InputError(f"{source}: line {rows[1][0]}: expected 'Frame Time:' in seconds > 0, "
                         f"but got {time_text!r}")
    return int(frames), frame_time


def _first_bad_value(parts: list[list[str]], rows: list[tuple[int, str]],
                     source: str) -> InputError:
    """The error for the first token that is not a finite number (slow path)."""
    for k, tokens in enumerate(parts):
        for token in tokens:
            try:
                ok = math.isfinite(float(token))
            except ValueError:
                ok = False
            if not ok:
                return InputError(f"{source}: line {rows[k][0]} (frame {k + 1}): {token!r} is "
                                  "not a number (expected finite numbers)")
    return InputError(f"{source}: the frame values are not all finite numbers")


def _frame_values(rows: list[tuple[int, str]], n_channels: int, source: str) -> np.ndarray:
    """(frames, n_channels) float array from the data lines; checks every line's count."""
    parts = [text.split() for _, text in rows]
    counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    bad = np.flatnonzero(counts != n_channels)
    if bad.size:
        k = int(bad[0])
        raise InputError(f"{source}: line {rows[k][0]} (frame {k + 1}): expected {n_channels} "
                         f"values (one per channel), but got {counts[k]}")
    try:
        values = np.array(list(itertools.chain.from_iterable(parts)), dtype=np.float64)
    except ValueError:
        raise _first_bad_value(parts, rows, source) from None
    if not np.isfinite(values).all():
        raise _first_bad_value(parts, rows, source)
    return values.reshape(len(parts), n_channels)


def _parse_motion(rows: list[tuple[int, str]], n_channels: int,
                  source: str) -> tuple[np.ndarray, float, int]:
    """(values (frames, channels), frame time in s, ignored extra lines) of the MOTION part."""
    frames, frame_time = _frame_header(rows, source)
    data = rows[2:]
    if len(data) < frames:
        raise InputError(f"{source}: declares Frames: {frames}, but has only {len(data)} "
                         "frame lines")
    return _frame_values(data[:frames], n_channels, source), frame_time, len(data) - frames


# --------------------------------------------------------------------------- parse
def _split_sections(lines: list[str], source: str) -> tuple[int, int]:
    """Indices of the HIERARCHY and MOTION lines; raises InputError when either is missing."""
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(f"{source}: the file is empty")
    if lines[first].split()[0].upper() != "HIERARCHY":
        raise InputError(f"{source}: not a BVH file: expected 'HIERARCHY' on line {first + 1}, "
                         f"but got {lines[first].strip()[:60]!r}")
    motion = next((k for k, line in enumerate(lines)
                   if line.split()[:1] and line.split()[0].upper() == "MOTION"), None)
    if motion is None:
        raise InputError(f"{source}: no MOTION section (the file has only a HIERARCHY)")
    return first, motion


def parse_bvh_text(text: str, *, source: str = "<string>") -> Bvh:
    """Parse BVH text (see the module docstring for what is accepted).

    Parameters
    ----------
    text : str
        The whole file.
    source : str
        Name used in error messages and :attr:`Bvh.source`.

    Raises
    ------
    InputError
        Missing HIERARCHY or MOTION, broken hierarchy, unknown channels, bad frame lines.
    """
    lines = text.lstrip("\ufeff").splitlines()
    first, motion = _split_sections(lines, source)
    tree = _parse_hierarchy(_tokenize(lines[first + 1:motion], first + 2), source)
    n_channels = sum(len(c) for c in tree.channels)
    if n_channels == 0:
        raise InputError(f"{source}: the HIERARCHY declares no CHANNELS")
    rows = [(k + 1, line) for k, line in enumerate(lines) if k > motion and line.strip()]
    values, frame_time, extra = _parse_motion(rows, n_channels, source)
    return Bvh(names=tuple(tree.names), parents=tuple(tree.parents),
               offsets=np.array(tree.offsets, dtype=np.float64).reshape(-1, 3),
               channels=tuple(tree.channels), end_site=tuple(tree.end_site), values=values,
               frame_time=frame_time, source=source, extra_lines=extra)


def parse_bvh(path: str | Path) -> Bvh:
    """Read and parse a BVH file; raises InputError when it is missing or malformed."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return parse_bvh_text(data.decode("utf-8", errors="replace"), source=str(path))


# --------------------------------------------------------------------------- kinematics
def axis_rotation(axis: str, degrees: np.ndarray) -> np.ndarray:
    """Right-handed rotation matrices about ``axis`` ("X", "Y" or "Z").

    Parameters
    ----------
    degrees : array (...,)
        Angles in degrees.

    Returns
    -------
    array (..., 3, 3)
    """
    theta = np.radians(np.asarray(degrees, dtype=np.float64))
    c, s = np.cos(theta), np.sin(theta)
    i = _AXIS[axis]
    j, k = (i + 1) % 3, (i + 2) % 3
    m = np.zeros(theta.shape + (3, 3))
    m[..., i, i] = 1.0
    m[..., j, j] = c
    m[..., k, k] = c
    m[..., j, k] = -s
    m[..., k, j] = s
    return m


def local_transform(bvh: Bvh, node: int, *,
                    position_mode: str = "add") -> tuple[np.ndarray, np.ndarray]:
    """Local rotation (frames, 3, 3) and translation (frames, 3) of one node.

    Rotations compose in channel order (``Zrotation Xrotation Yrotation`` ->
    ``Rz @ Rx @ Ry``); position channels add to the OFFSET (``"add"``) or replace its
    components (``"replace"``).  Translations are in file units.
    """
    n = bvh.n_frames
    start = bvh.columns[node]
    rot = np.broadcast_to(np.eye(3), (n, 3, 3))
    trans = np.tile(bvh.offsets[node], (n, 1))
    for k, channel in enumerate(bvh.channels[node]):
        column = bvh.values[:, start + k]
        axis = channel[0]
        if channel.endswith("rotation"):
            rot = rot @ axis_rotation(axis, column)
        elif position_mode == "add":
            trans[:, _AXIS[axis]] += column
        else:
            trans[:, _AXIS[axis]] = column
    return np.array(rot), trans


def _with_ancestors(parents: Sequence[int], nodes: Sequence[int]) -> list[int]:
    """``nodes`` and all their ancestors, sorted so that parents come first."""
    keep: set[int] = set()
    for node in nodes:
        while node >= 0 and node not in keep:
            keep.add(node)
            node = parents[node]
    return sorted(keep)


def forward_kinematics(bvh: Bvh, nodes: Sequence[int] | None = None, *,
                       position_mode: str = "add") -> tuple[np.ndarray, np.ndarray]:
    """Global rotations and positions of the nodes in every frame (file units and axes).

    Parameters
    ----------
    bvh : Bvh
    nodes : sequence of int, optional
        Node indices to return (default all, end sites included); only they and their
        ancestors are computed.
    position_mode : {"add", "replace"}
        How position channels combine with the OFFSET (module docstring).

    Returns
    -------
    rotations : array (frames, len(nodes), 3, 3)
        ``global = parent_global @ local``.
    positions : array (frames, len(nodes), 3)
        ``parent_position + parent_global @ local_translation``, in file units.
    """
    _check_choice("position_mode", position_mode, POSITION_MODES)
    wanted = range(len(bvh.names)) if nodes is None else list(nodes)
    rot: dict[int, np.ndarray] = {}
    pos: dict[int, np.ndarray] = {}
    for node in _with_ancestors(bvh.parents, wanted):
        local_rot, local_trans = local_transform(bvh, node, position_mode=position_mode)
        parent = bvh.parents[node]
        if parent < 0:
            rot[node], pos[node] = local_rot, local_trans
        else:
            rot[node] = rot[parent] @ local_rot
            pos[node] = pos[parent] + np.einsum("fij,fj->fi", rot[parent], local_trans)
    if not wanted:
        return np.zeros((bvh.n_frames, 0, 3, 3)), np.zeros((bvh.n_frames, 0, 3))
    return np.stack([rot[n] for n in wanted], axis=1), np.stack([pos[n] for n in wanted], axis=1)


# --------------------------------------------------------------------------- rig mapping
def _check_choice(name: str, value: object, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(f"Expected {name} in {tuple(choices)}, but got {value!r}")


def _match_roles(names: Sequence[str], table: dict[str, str]) -> dict[str, int]:
    """Role -> index of the first joint whose name fully matches the role's regex."""
    roles = {}
    for role, pattern in table.items():
        regex = re.compile(pattern, re.IGNORECASE)
        hit = next((i for i, name in enumerate(names) if regex.fullmatch(name)), None)
        if hit is not None:
            roles[role] = hit
    return roles


def _missing_message(names: Sequence[str], rig: str, roles: dict[str, int], source: str) -> str:
    missing = [j for j in REQUIRED_JOINTS if MEASURED_JOINTS[j] not in roles]
    joints = [n for n in names if not n.endswith("/End Site")]
    shown = ", ".join(joints[:12]) + (f" (+{len(joints) - 12} more)" if len(joints) > 12 else "")
    return (f"{source}: cannot map the rig to the canonical skeleton: no joint for "
            f"{', '.join(missing)} (rigs tried: {', '.join(RIGS)}; closest: {rig}); "
            f"joints in the file: {shown}")


def match_rig(names: Sequence[str], *, rig: str = "auto",
              source: str = "<bvh>") -> tuple[str, dict[str, int]]:
    """Find the rig of :data:`RIGS` that names these joints.

    Parameters
    ----------
    names : sequence of str
        Joint names (:attr:`Bvh.names`).
    rig : str
        ``"auto"`` or a :data:`RIGS` name to force.

    Returns
    -------
    rig : str
        The rig's name.
    roles : dict
        Role (``"left_thigh"``, ``"head"``...) -> joint index, for the roles found.

    Raises
    ------
    InputError
        No rig provides every required joint; the message lists what is missing.
    """
    _check_choice("rig", rig, ("auto", *RIGS))
    tables = RIGS if rig == "auto" else {rig: RIGS[rig]}
    found = {name: _match_roles(names, table) for name, table in tables.items()}
    complete = [n for n, roles in found.items() if all(r in roles for r in _REQUIRED_ROLES)]
    if complete:
        best = max(complete, key=lambda n: len(found[n]))
        return best, found[best]
    closest = max(found, key=lambda n: len(found[n]))
    raise InputError(_missing_message(names, closest, found[closest], source))


# --------------------------------------------------------------------------- units, axes
_UP_ROTATIONS: dict[str, np.ndarray] = {
    "+Y": np.eye(3),
    "-Y": axis_rotation("X", np.array(180.0)),
    "+Z": axis_rotation("X", np.array(-90.0)),
    "-Z": axis_rotation("X", np.array(90.0)),
    "+X": axis_rotation("Z", np.array(90.0)),
    "-X": axis_rotation("Z", np.array(-90.0)),
}


def _mid(pos: np.ndarray, cols: dict[str, int], role: str) -> np.ndarray:
    """Mid-point of the left and right joints of ``role``, (frames, 3)."""
    return 0.5 * (pos[:, cols[f"left_{role}"]] + pos[:, cols[f"right_{role}"]])


def detect_up_axis(pos: np.ndarray, cols: dict[str, int]) -> str:
    """Signed axis ("+Y", "+Z"...) of the median trunk direction (mid-thighs -> mid-shoulders).

    Parameters
    ----------
    pos : array (frames, roles, 3)
        Positions in file axes; ``cols`` maps role -> column.
    """
    trunk = np.nanmedian(unit_vectors(_mid(pos, cols, "upperarm") - _mid(pos, cols, "thigh")),
                         axis=0)
    if not np.isfinite(trunk).all():
        return "+Y"
    k = int(np.argmax(np.abs(trunk)))
    return ("+" if trunk[k] >= 0 else "-") + "XYZ"[k]


_UP_ALIASES = {**{axis.lower(): axis for axis in _UP_ROTATIONS},
               **{axis[1].lower(): axis for axis in _UP_ROTATIONS if axis[0] == "+"}}


def _parse_up(up: str) -> str | None:
    """None for ``"auto"``, else the signed axis of :data:`_UP_ROTATIONS` (``"z"`` -> ``"+Z"``)."""
    if up == "auto":
        return None
    axis = _UP_ALIASES.get(up.lower()) if isinstance(up, str) else None
    if axis is None:
        raise ConfigError(f"Expected up in ('auto', {', '.join(map(repr, _UP_ALIASES))}), "
                          f"but got {up!r}")
    return axis


def _median_distance(pos: np.ndarray, cols: dict[str, int], a: str, b: str) -> float:
    """Median over frames of the a-b distance, averaged over left and right."""
    return float(np.mean([np.nanmedian(np.linalg.norm(
        pos[:, cols[f"{s}_{a}"]] - pos[:, cols[f"{s}_{b}"]], axis=-1)) for s in ("left", "right")]))


def estimate_stature(pos: np.ndarray, cols: dict[str, int]) -> float:
    """Stature from segment lengths: (thigh + shank + hip-to-shoulder) / 0.779 (Winter 2009).

    Parameters
    ----------
    pos : array (frames, roles, 3)
        Joint positions (any units; the result is in the same units).
    cols : dict
        Role -> column of ``pos``; needs thighs, shins, feet and upper arms.
    """
    legs = (_median_distance(pos, cols, "thigh", "shin")
            + _median_distance(pos, cols, "shin", "foot"))
    return (legs + _median_distance(pos, cols, "thigh", "upperarm")) / ANKLE_TO_SHOULDER


def detect_units(stature: float) -> str:
    """The :data:`UNIT_SCALES` unit that brings ``stature`` closest to 1.7 m (log ratio)."""
    return min(UNIT_SCALES, key=lambda u: abs(math.log(stature * UNIT_SCALES[u]
                                                       / TYPICAL_STATURE_M)))


def _unit_scale(units: str | float, stature: float, source: str) -> tuple[str, float, bool]:
    """(unit name, metres per file unit, detected?) for the ``units`` option."""
    if isinstance(units, (int, float)) and not isinstance(units, bool):
        if not (math.isfinite(units) and units > 0):
            raise ConfigError(f"Expected units > 0 (metres per file unit), but got {units!r}")
        return f"{float(units):g} m", float(units), False
    _check_choice("units", units, ("auto", *UNIT_SCALES))
    if units != "auto":
        return units, UNIT_SCALES[units], False
    if not (math.isfinite(stature) and stature > 0):
        raise InputError(f"{source}: cannot detect units: the legs and trunk have no length; "
                         "pass units=")
    unit = detect_units(stature)
    return unit, UNIT_SCALES[unit], True


# --------------------------------------------------------------------------- pose
@dataclasses.dataclass(frozen=True, eq=False)
class _Pose:
    """FK of the mapped joints in world space (metres, Y up)."""

    rig: str
    cols: dict[str, int]
    rot: np.ndarray  # (frames, roles, 3, 3)
    pos: np.ndarray  # (frames, roles, 3), metres
    unit: str
    scale: float
    units_detected: bool
    up_axis: str
    stature: float  # metres


def _pose(bvh: Bvh, *, units: str | float, up: str, rig: str, position_mode: str) -> _Pose:
    """Map the rig, run FK on the mapped joints, rotate to Y up and scale to metres."""
    forced_up = _parse_up(up)
    rig_name, roles = match_rig(bvh.names, rig=rig, source=bvh.source)
    roles = {"root": bvh.parents.index(-1), **roles}
    cols = {role: k for k, role in enumerate(roles)}
    rot, pos = forward_kinematics(bvh, list(roles.values()), position_mode=position_mode)
    up_axis = forced_up or detect_up_axis(pos, cols)
    turn = _UP_ROTATIONS[up_axis]
    rot, pos = turn @ rot, pos @ turn.T
    stature = estimate_stature(pos, cols)
    unit, scale, detected = _unit_scale(units, stature, bvh.source)
    return _Pose(rig=rig_name, cols=cols, rot=rot, pos=pos * scale, unit=unit, scale=scale,
                 units_detected=detected, up_axis=up_axis, stature=stature * scale)


def _body_forward(pose: _Pose) -> np.ndarray:
    """(frames, 3) horizontal unit forward: (left - right) x up, from shoulders and thighs."""
    p, c = pose.pos, pose.cols
    left = (p[:, c["left_upperarm"]] - p[:, c["right_upperarm"]]
            + p[:, c["left_thigh"]] - p[:, c["right_thigh"]])
    return unit_vectors(np.cross(left, np.array([0.0, 1.0, 0.0])))


def _mean_local(rot: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Unit mean over frames of ``rot.T @ v``: a world direction averaged in a joint's frame."""
    local = np.einsum("fji,fj->fi", rot, vectors)
    return unit_vectors(np.nanmean(local, axis=0))


def _in_head_frame(pose: _Pose, role: str) -> np.ndarray:
    """Median over frames of a joint's position in the head joint's frame, (3,)."""
    rot, head = pose.rot[:, pose.cols["head"]], pose.pos[:, pose.cols["head"]]
    return np.nanmedian(np.einsum("fji,fj->fi", rot, pose.pos[:, pose.cols[role]] - head), axis=0)


def _eye_axes(pose: _Pose) -> np.ndarray:
    """Head-local (forward, up, left) columns from the measured eyes.

    Left is the right->left eye direction; forward and up are placed so that the eye
    mid-point lies at the ``FACE_OFFSETS`` eye elevation in the plane perpendicular to it.
    """
    left_eye, right_eye = _in_head_frame(pose, "left_eye"), _in_head_frame(pose, "right_eye")
    left = unit_vectors(left_eye - right_eye)
    mid = 0.5 * (left_eye + right_eye)
    e = unit_vectors(mid - (mid @ left) * left)
    a, b, _ = FACE_OFFSETS["left_eye"]
    q = math.hypot(a, b)
    w = np.cross(left, e)
    return np.column_stack([(a * e + b * w) / q, (b * e - a * w) / q, left])


def _averaged_axes(pose: _Pose) -> np.ndarray:
    """Head-local (forward, up, left) columns from the head top (or vertical) and body forward."""
    rot, head = pose.rot[:, pose.cols["head"]], pose.pos[:, pose.cols["head"]]
    up_dir = np.broadcast_to([0.0, 1.0, 0.0], head.shape)
    if "head_top" in pose.cols:
        top = pose.pos[:, pose.cols["head_top"]] - head
        if np.nanmedian(np.linalg.norm(top, axis=-1)) > 0.01 * pose.stature:
            up_dir = top
    up = _mean_local(rot, up_dir)
    forward = _mean_local(rot, _body_forward(pose))
    forward = unit_vectors(forward - (forward @ up) * up)
    return np.column_stack([forward, up, np.cross(up, forward)])


def _face(pose: _Pose) -> dict[str, np.ndarray]:
    """Derived nose, eyes and ears (frames, 3) in metres; empty without a head joint.

    With measured eyes the points are placed relative to the eyes' mid-point, otherwise
    relative to the head joint; offsets are :data:`FACE_OFFSETS` x stature.
    """
    c = pose.cols
    if "head" not in c:
        return {}
    has_eyes = "left_eye" in c and "right_eye" in c
    axes = pose.rot[:, c["head"]] @ (_eye_axes(pose) if has_eyes else _averaged_axes(pose))
    anchor = pose.pos[:, c["head"]]
    if has_eyes:
        eye_offset = np.array(FACE_OFFSETS["left_eye"]) * (1.0, 1.0, 0.0)
        anchor = (0.5 * (pose.pos[:, c["left_eye"]] + pose.pos[:, c["right_eye"]])
                  - pose.stature * (axes @ eye_offset))
    return {name: anchor + pose.stature * (axes @ np.array(offset))
            for name, offset in FACE_OFFSETS.items()}


def _heel_offset(knee: np.ndarray, ankle: np.ndarray, toe: np.ndarray) -> np.ndarray:
    """Heel - ankle (3,) in one frame: ``l (-HEEL_BACK d + HEEL_DOWN n)`` (module docstring)."""
    foot = toe - ankle
    length = np.linalg.norm(foot)
    d = foot / length
    shin = ankle - knee
    n = unit_vectors(shin - (shin @ d) * d)
    return length * (-HEEL_BACK * d + HEEL_DOWN * n)


def _heel(pose: _Pose, side: str) -> np.ndarray | None:
    """Derived heel (frames, 3), rigid in the foot joint's frame; None without a toe."""
    c = pose.cols
    if f"{side}_toe" not in c:
        return None
    knee, ankle, toe = (pose.pos[:, c[f"{side}_{r}"]] for r in ("shin", "foot", "toe"))
    cosine = np.abs(np.sum(unit_vectors(ankle - knee) * unit_vectors(toe - ankle), axis=-1))
    if not np.isfinite(cosine).any():
        return None
    ref = int(np.nanargmin(cosine))
    foot_rot = pose.rot[:, c[f"{side}_foot"]]
    local = foot_rot[ref].T @ _heel_offset(knee[ref], ankle[ref], toe[ref])
    return ankle + foot_rot @ local


def _canonical(pose: _Pose) -> tuple[np.ndarray, np.ndarray]:
    """Canonical positions (frames, joints, 3) in metres and confidence (frames, joints)."""
    positions, confidence = empty_arrays(pose.pos.shape[0], 3)
    for joint, role in MEASURED_JOINTS.items():
        if role in pose.cols:
            positions[:, J[joint]] = pose.pos[:, pose.cols[role]]
            confidence[:, J[joint]] = MEASURED_CONFIDENCE
    derived = {f"{side}_heel": _heel(pose, side) for side in ("left", "right")}
    derived.update({joint: value for joint, value in _face(pose).items()
                    if MEASURED_JOINTS.get(joint) not in pose.cols})
    for joint, value in derived.items():
        if value is not None:
            positions[:, J[joint]] = value
            confidence[:, J[joint]] = DERIVED_CONFIDENCE
    return positions, confidence


# --------------------------------------------------------------------------- public
def frame_rate(frame_time: float) -> float:
    """``1 / frame_time`` in frames/s, snapped to an integer within 1e-4 relative."""
    fps = 1.0 / frame_time
    nearest = round(fps)
    return float(nearest) if nearest >= 1 and abs(fps - nearest) <= 1e-4 * nearest else fps


def _provenance(path: Path, bvh: Bvh, pose: _Pose, fps: float, position_mode: str) -> dict:
    derived = "heels, nose, ears" + ("" if "left_eye" in pose.cols else ", eyes")
    return {"reader": "bvh", "path": str(path), "rig": pose.rig, "source_units": pose.unit,
            "unit_scale_m": pose.scale, "units_detected": pose.units_detected,
            "up_axis": pose.up_axis, "frames": bvh.n_frames, "frame_time_s": bvh.frame_time,
            "fps": fps, "nodes": len(bvh.names), "channels": int(bvh.values.shape[1]),
            "extra_frame_lines": bvh.extra_lines, "position_mode": position_mode,
            "stature_m": pose.stature, "derived": derived + " (confidence 0.5)"}


def read_bvh(path: str | Path, *, units: str | float = "auto", up: str = "auto",
             rig: str = "auto", position_mode: str = "add") -> Motion:
    """Read a BVH file into a world-space Motion in metres, Y up.

    Parameters
    ----------
    path : path
        The ``.bvh`` file.
    units : {"auto", "m", "cm", "mm", "in", "cmu"} or float
        File units; ``"auto"`` decides from the stature estimate (module docstring); a
        float gives metres per file unit.
    up : {"auto", "y", "z", "x", "-y", "-z", "-x"}
        The file's up axis; ``"auto"`` takes the dominant trunk direction.
    rig : {"auto", "character_creator", "mixamo", "cmu"}
        Joint-naming table of :data:`RIGS`.
    position_mode : {"add", "replace"}
        How position channels combine with the OFFSET.

    Returns
    -------
    Motion
        ``space="world"``, ``units="m"``, positions (frames, 23, 3), confidence 1 for
        measured joints and 0.5 for derived ones (heels, nose, ears; eyes when the rig
        has none), ``times = i / fps``; provenance records the rig, source units, up axis
        and stature estimate.

    Raises
    ------
    InputError
        Missing or malformed file, or a rig without hips, knees, ankles or shoulders.
    ConfigError
        An option outside the choices above.
    """
    path = Path(path)
    _check_choice("position_mode", position_mode, POSITION_MODES)
    bvh = parse_bvh(path)
    pose = _pose(bvh, units=units, up=up, rig=rig, position_mode=position_mode)
    positions, confidence = _canonical(pose)
    fps = frame_rate(bvh.frame_time)
    return Motion(positions=positions, confidence=confidence,
                  times=uniform_times(bvh.n_frames, fps), fps=fps, space="world", units="m",
                  provenance=_provenance(path, bvh, pose, fps, position_mode))


def root_yaw_deg(bvh: Bvh | str | Path, *, up: str = "auto", rig: str = "auto",
                 position_mode: str = "add") -> np.ndarray:
    """Heading of the root joint about the vertical, unwrapped, in degrees.

    The root's forward axis is the body's forward ``(left - right) x up`` (shoulders +
    thighs) averaged over the clip in the root joint's local frame; each frame it is
    carried by the root's global FK rotation (in Y-up world axes) and its heading is
    ``atan2(x, z)``: 0 deg faces +Z, positive turns towards +X (counter-clockwise seen
    from above, the dancer's left).  ``np.unwrap`` removes the 360-degree jumps, so
    ``yaw[-1] - yaw[0]`` counts whole turns.

    Parameters
    ----------
    bvh : Bvh or path
        A parsed file or its path.
    up, rig, position_mode
        As for :func:`read_bvh`.

    Returns
    -------
    array (frames,)
        Degrees.
    """
    if not isinstance(bvh, Bvh):
        bvh = parse_bvh(bvh)
    pose = _pose(bvh, units=1.0, up=up, rig=rig, position_mode=position_mode)
    root_rot = pose.rot[:, pose.cols["root"]]
    forward = root_rot @ _mean_local(root_rot, _body_forward(pose))
    return np.degrees(np.unwrap(np.arctan2(forward[:, 0], forward[:, 2])))
