"""Read BVH (Biovision Hierarchy) motion capture into a :class:`~balletmirror.core.motion.Motion`.

Stages, each a small function usable on its own::

    parse_bvh(path) -> Bvh                      # text -> joint tree + channel values
    forward_kinematics(bvh) -> (rot, pos)       # global rotations and positions per frame
    match_rig(names) -> (rig, roles)            # joint names -> canonical roles (tables)
    match_structure(bvh) -> (roles, notes)      # joint tree + rest pose -> roles
    map_rig(bvh, mapping=) -> RigMatch          # tables, structure, the user's mapping
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
``provenance["extra_frame_lines"]``.  Counts (``Frames:``, ``CHANNELS``) are ASCII
digits, ``Frames`` at most 12 of them; ``Frame Time`` lies in :data:`FRAME_TIME_RANGE_S`
(1e-5 to 3600 s); every value is a finite number; joint positions beyond
:data:`MAX_COORDINATE` file units are refused.  Every malformed input raises one-line
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

Rig-name tables
---------------
Roles are found by case-insensitive *full* matches of these regexes against joint names
(end sites are ``"<parent>/End Site"``); the first matching joint in file order wins.
Right-side roles use ``R`` / ``Right`` in place of ``L`` / ``Left``.  The **mixamo**
patterns are the cmu ones with a required ``mixamorig\\d*[:_]`` prefix (``mixamorig:``,
``mixamorig1:``, ``mixamorig_``), except head_top: ``HeadTop_End|Head/End Site``.
Mixamo files exported without the prefix match the cmu column.  **perception_neuron**
(Axis Neuron) is the cmu table with neck ``Neck1?``, chosen by ``rig="auto"`` only when
a joint matches ``(Left|Right)InHand...`` or ``Spine3`` (:data:`RIG_SIGNATURES`).
**smpl** names may carry Unity's ``m_avg_`` / ``f_avg_`` prefix.  Every rig but
character_creator has pelvis ``Hips`` (smpl: ``Pelvis``), neck ``Neck``, head ``Head``
and head_top ``Head/End Site``.  The rig whose table matches every required role and the
most roles overall is used (ties: the order of :data:`RIGS`: character_creator,
mixamo, perception_neuron, cmu, mecanim, rokoko, smpl); its name goes to
``provenance["rig"]``.

=============  =========================  =================  =================
role           character_creator          cmu (and mixamo)   rokoko
=============  =========================  =================  =================
pelvis         ``CC_Base_Hip``            ``Hips``           ``Hips``
left_thigh     ``CC_Base_L_Thigh``        ``LeftUpLeg``      ``LeftThigh``
left_shin      ``CC_Base_L_Calf``         ``LeftLeg``        ``LeftShin``
left_foot      ``CC_Base_L_Foot``         ``LeftFoot``       ``LeftFoot``
left_toe       ``CC_Base_L_ToeBase``      ``LeftToeBase``    ``LeftToe(Base)``
left_upperarm  ``CC_Base_L_Upperarm``     ``LeftArm``        ``LeftArm``
left_forearm   ``CC_Base_L_Forearm``      ``LeftForeArm``    ``LeftForeArm``
left_hand      ``CC_Base_L_Hand``         ``LeftHand``       ``LeftHand``
left_eye       ``CC_Base_L_Eye``          ``LeftEye``        ``LeftEye``
neck           ``CC_Base_NeckTwist01``    ``Neck``           ``Neck``
head           ``CC_Base_Head``           ``Head``           ``Head``
head_top       ``CC_Base_Head/End Site``  ``Head/End Site``  ``Head/End Site``
=============  =========================  =================  =================

=============  =================================  =====================
role           mecanim (either spelling)          smpl (or left_hip...)
=============  =================================  =====================
pelvis         ``Hips``                           ``Pelvis``
left_thigh     ``UpperLeg_L`` / ``LeftUpperLeg``  ``L_Hip``
left_shin      ``LowerLeg_L`` / ``LeftLowerLeg``  ``L_Knee``
left_foot      ``Foot_L`` / ``LeftFoot``          ``L_Ankle``
left_toe       ``Toes_L`` / ``LeftToes``          ``L_Foot``
left_upperarm  ``UpperArm_L`` / ``LeftUpperArm``  ``L_Shoulder``
left_forearm   ``LowerArm_L`` / ``LeftLowerArm``  ``L_Elbow``
left_hand      ``Hand_L`` / ``LeftHand``          ``L_Wrist``
left_eye       ``Eye_L`` / ``LeftEye``            ``L_Eye``
neck           ``Neck``                           ``Neck``
head           ``Head``                           ``Head``
head_top       ``Head/End Site``                  ``Head/End Site``
=============  =================================  =====================

Clavicles are not mapped: CMU/Rokoko/Mixamo ``LeftShoulder``, Mecanim ``Shoulder_L``,
SMPL ``L_Collar``, Character Creator ``CC_Base_L_Clavicle``.  SMPL's ``L_Shoulder`` is
the shoulder joint (upper-arm origin) and its ``L_Foot`` the ball of the foot.

Structure (``rig="structure"``; ``rig="auto"`` when no table matches)
----------------------------------------------------------------------
Roles from the joint tree and the rest pose, so that any names read (Japanese 左/右,
German links/rechts, ``j01``...):

* **Points**: a node with a (nearly, < 0.1 % of the longest OFFSET) zero OFFSET shares its
  parent's point, and so does one at the same rest place as an earlier sibling point.
  Below each point the *main* child is the one with the longest path to a leaf.
* **Limbs**: from a child point, the main path's leading joints; three or more make a
  limb (hip/shoulder, knee/elbow, ankle/wrist, then toe/fingers).  With four or more, a
  first bone shorter than the second, whose second and third are more alike than first
  and second, is a clavicle (or hip bone) and is left out.
* **Body**: a *hips* point has two limbs among its child points, a *chest* point three
  child points or more, two of them limbs.  For each pair (at most 8 x 8, longest limbs
  first) the pelvis is their lowest common point and up = pelvis -> chest in the trial
  pose; the legs are the two longest limbs at the hips (not towards the chest) whose
  hip -> ankle has a cosine with up below -0.3; the neck branch is the chest's child whose
  chain ends highest (cosine > 0.3), the arms the two longest other limbs, each reaching
  at least 0.3 of the shorter leg.  The fit with the longest summed limbs wins.  Trial
  poses: the rest pose (all channels zero), else frame 1, else the middle frame (as in
  Character Creator files, whose rest pose has the legs pointing up).
* **Joints**: pelvis = the pelvis point's first node; thigh, shin, foot = the leg's first
  three points; toe = its fourth point if a joint, or the foot's end site when it points
  forward (horizontal part >= 0.5); upper arm, forearm, hand likewise; head = the first
  joint of the neck branch that branches (eyes, jaw), else its only joint, else the joint
  after the first with the longest bone to the next point; neck = the branch's first
  joint (or the chest's node when the branch starts at the head); head_top = the head's
  child point closest to up (cosine > 0.5).  Eyes are not mapped (they are derived).
* **Sides**: forward is the mean horizontal ankle -> toe direction of the feet, else the
  mean horizontal direction from the head to the points below it (eyes, nose); her left
  = up x forward (right-handed: Y up, facing +Z, left is +X); the limb whose first three
  points lie further along it is the left one.  Side tokens in the names
  (:func:`name_side`) decide only where the geometry cannot (no toes, no face); where they
  disagree with the geometry the geometry wins and the disagreement is listed.
* ``provenance["rig_structure"]``: ``pose``, ``facing`` (feet/face/none), ``sides``
  (geometry/names) and ``name_conflicts``; ``provenance["rig_joints"]`` (every rig) maps
  each canonical joint to the BVH joint it came from.  An ambiguous structure (no two
  legs, no arms and neck, no left and right) is an InputError.

User mapping
------------
``mapping={"left_knee": "Knie_L", ...}``: canonical joint (:data:`MAPPABLE_JOINTS`: the
measured joints below, ``head``, ``head_top``) -> BVH joint name, exact then
case-insensitive.  It overrides and completes the automatic roles (an automatic role
whose joint the user gave another role is dropped); when nothing automatic works it must
name the required joints alone (``provenance["rig"] = "mapping"``).  Unknown canonical
names and joints not in the file are InputErrors listing the choices; a rig that still
cannot be mapped gets an InputError ending ``name them with --map left_knee=<joint> (one
--map per joint)``.

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
from collections.abc import Callable, Mapping, Sequence
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
#: Joint coordinates beyond this (file units) are refused: distances of such points
#: would overflow, and no capture volume is near it.
MAX_COORDINATE = 1e100
POSITION_MODES = ("add", "replace")


# --------------------------------------------------------------------------- rig tables
def _rig_table(prefix: str, centre: dict[str, str], sided: dict[str, str]) -> dict[str, str]:
    """Role -> regex for one rig: ``prefix`` + pattern.

    In the ``sided`` patterns ``{s}`` stands for ``L`` / ``R`` and ``{side}`` for
    ``Left`` / ``Right``; each gives a ``left_<role>`` and a ``right_<role>`` entry.
    """
    table = {role: prefix + pattern for role, pattern in centre.items()}
    for side, short, word in (("left", "L", "Left"), ("right", "R", "Right")):
        for role, pattern in sided.items():
            table[f"{side}_{role}"] = prefix + pattern.format(s=short, side=word)
    return table


def _sided(**names: str) -> dict[str, str]:
    """Sided patterns from ``role=template`` pairs (``{s}``, ``{side}``: see _rig_table)."""
    return dict(names)


_CENTRE = {"pelvis": "Hips", "neck": "Neck", "head": "Head", "head_top": "Head/End Site"}
_CMU_SIDED = _sided(thigh="{side}UpLeg", shin="{side}Leg", foot="{side}Foot",
                    toe="{side}ToeBase", upperarm="{side}Arm", forearm="{side}ForeArm",
                    hand="{side}Hand", eye="{side}Eye")
#: Mecanim (Unity humanoid) bone names, both spellings: ``UpperLeg_L`` and ``LeftUpperLeg``.
_MECANIM_SIDED = {role: f"(?:{bone}_{{s}}|{{side}}{bone})" for role, bone in (
    ("thigh", "UpperLeg"), ("shin", "LowerLeg"), ("foot", "Foot"), ("toe", "Toes"),
    ("upperarm", "UpperArm"), ("forearm", "LowerArm"), ("hand", "Hand"), ("eye", "Eye"))}
#: SMPL joint names, ``L_Hip`` or ``left_hip``: its ``Shoulder`` is the upper-arm origin,
#: ``Collar`` the clavicle, ``Ankle`` the foot's origin and ``Foot`` the ball of the foot.
_SMPL_SIDED = {role: f"(?:{{s}}|{{side}})_{joint}" for role, joint in (
    ("thigh", "Hip"), ("shin", "Knee"), ("foot", "Ankle"), ("toe", "Foot"),
    ("upperarm", "Shoulder"), ("forearm", "Elbow"), ("hand", "Wrist"), ("eye", "Eye"))}
_ROKOKO_SIDED = _sided(thigh="{side}Thigh", shin="{side}Shin", foot="{side}Foot",
                       toe="{side}Toe(?:Base)?", upperarm="{side}Arm", forearm="{side}ForeArm",
                       hand="{side}Hand", eye="{side}Eye")

#: Rig name -> role -> case-insensitive full-match regex (see the module docstring).
#: The order is the preference when two rigs match equally many roles.
RIGS: dict[str, dict[str, str]] = {
    "character_creator": _rig_table(
        "CC_Base_",
        {"pelvis": "Hip", "neck": "NeckTwist01", "head": "Head", "head_top": "Head/End Site"},
        _sided(thigh="{s}_Thigh", shin="{s}_Calf", foot="{s}_Foot", toe="{s}_ToeBase",
               upperarm="{s}_Upperarm", forearm="{s}_Forearm", hand="{s}_Hand", eye="{s}_Eye")),
    "mixamo": _rig_table(r"mixamorig\d*[:_]",
                         {**_CENTRE, "head_top": "(?:HeadTop_End|Head/End Site)"}, _CMU_SIDED),
    "perception_neuron": _rig_table("", {**_CENTRE, "neck": "Neck1?"}, _CMU_SIDED),
    "cmu": _rig_table("", _CENTRE, _CMU_SIDED),
    "mecanim": _rig_table("", _CENTRE, _MECANIM_SIDED),
    "rokoko": _rig_table("", _CENTRE, _ROKOKO_SIDED),
    "smpl": _rig_table("(?:[mf]_avg_)?", {**_CENTRE, "pelvis": "Pelvis"}, _SMPL_SIDED),
}
#: Rigs that ``rig="auto"`` only chooses when one joint fully matches this regex (their
#: role names are another rig's): Perception Neuron's hand and four-part spine.
RIG_SIGNATURES: dict[str, str] = {"perception_neuron": r"(?:Left|Right)InHand\w*|Spine3"}
#: ``rig=`` choices: a table of :data:`RIGS`, ``"structure"`` (joint tree and rest pose),
#: or ``"auto"`` (the tables, then the structure).
RIG_CHOICES: tuple[str, ...] = ("auto", "structure", *RIGS)

#: Canonical joint -> the role whose joint origin it is (measured, confidence 1).
MEASURED_JOINTS: dict[str, str] = {
    **{f"{s}_{joint}": f"{s}_{role}" for s in ("left", "right") for joint, role in (
        ("hip", "thigh"), ("knee", "shin"), ("ankle", "foot"), ("toe", "toe"),
        ("shoulder", "upperarm"), ("elbow", "forearm"), ("wrist", "hand"), ("eye", "eye"))},
    "mid_hip": "pelvis",
    "neck": "neck",
}
#: Names a user ``mapping=`` may give joints for (canonical joint -> role): the measured
#: joints, the head joint (skull base, carries the face) and the head top.
MAPPABLE_JOINTS: dict[str, str] = {**MEASURED_JOINTS, "head": "head", "head_top": "head_top"}
#: Canonical joints a BVH rig must provide.
REQUIRED_JOINTS: tuple[str, ...] = ("left_hip", "right_hip", "left_knee", "right_knee",
                                    "left_ankle", "right_ankle", "left_shoulder",
                                    "right_shoulder")
_REQUIRED_ROLES = tuple(MEASURED_JOINTS[j] for j in REQUIRED_JOINTS)
_JOINT_OF_ROLE = {role: joint for joint, role in MAPPABLE_JOINTS.items()}


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


def _is_count(token: str) -> bool:
    """Whether ``token`` is a count written in ASCII digits (``int()`` also takes "٣")."""
    return token.isascii() and token.isdigit()


def _on_channels(b: _Builder, token: str, line: int) -> None:
    node = _current(b, "CHANNELS", line)
    if b.end_site[node] or b.channels[node]:
        raise b.fail(line, f"unexpected CHANNELS for {b.label(node)}")
    count_token, at = b.take("the channel count")
    if not _is_count(count_token) or not 0 < int(count_token) <= 6:
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
#: Accepted ``Frame Time`` (s): up to 100 kHz capture, down to one frame an hour.
FRAME_TIME_RANGE_S = (1e-5, 3600.0)
#: ``Frames:`` counts longer than this are refused before conversion (Python's ``int``
#: refuses strings of more than 4300 digits).
MAX_FRAME_DIGITS = 12
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


def _frame_count(rows: list[tuple[int, str]], source: str) -> int:
    """The ``Frames:`` count; one longer than :data:`MAX_FRAME_DIGITS` digits is refused."""
    frames = _header_value(rows, 0, _FRAMES_RE, "Frames:", source)
    digits = frames.lstrip("0") if _is_count(frames) else ""
    if not digits:
        raise InputError(f"{source}: line {rows[0][0]}: expected 'Frames:' a count of at "
                         f"least 1, but got {frames[:20]!r}")
    if len(digits) > MAX_FRAME_DIGITS:
        raise InputError(f"{source}: line {rows[0][0]}: 'Frames: {frames[:20]}...' is not a "
                         f"plausible frame count (more than {MAX_FRAME_DIGITS} digits)")
    return int(digits)


def _frame_time(rows: list[tuple[int, str]], source: str) -> float:
    """The ``Frame Time:`` in seconds, within :data:`FRAME_TIME_RANGE_S`."""
    time_text = _header_value(rows, 1, _FRAME_TIME_RE, "Frame Time:", source)
    try:
        frame_time = float(time_text)
    except ValueError:
        frame_time = math.nan
    if not (math.isfinite(frame_time) and frame_time > 0):
        raise InputError(f"{source}: line {rows[1][0]}: expected 'Frame Time:' in seconds > 0, "
                         f"but got {time_text[:30]!r}")
    low, high = FRAME_TIME_RANGE_S
    if not low <= frame_time <= high:
        raise InputError(f"{source}: line {rows[1][0]}: 'Frame Time: {time_text[:30]}' is not "
                         f"a plausible frame time (expected {low:g} to {high:g} seconds)")
    return frame_time


def _frame_header(rows: list[tuple[int, str]], source: str) -> tuple[int, float]:
    """(declared frame count, frame time in s) from the two lines after MOTION."""
    return _frame_count(rows, source), _frame_time(rows, source)


def _values_one_by_one(parts: list[list[str]], rows: list[tuple[int, str]],
                       source: str) -> np.ndarray:
    """The values by Python's ``float`` (slow path); InputError at the first bad token.

    NumPy's parser refuses some spellings that ``float`` takes (``"٣"``); those are kept.
    """
    values = []
    for k, tokens in enumerate(parts):
        for token in tokens:
            try:
                value = float(token)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise InputError(f"{source}: line {rows[k][0]} (frame {k + 1}): "
                                 f"{token[:30]!r} is not a number (expected finite numbers)")
            values.append(value)
    return np.array(values, dtype=np.float64)


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
        values = _values_one_by_one(parts, rows, source)
    if not np.isfinite(values).all():
        values = _values_one_by_one(parts, rows, source)
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


def _shortlist(items: Sequence[str], limit: int = 12) -> str:
    """``items`` joined by commas, at most ``limit`` of them, each cut to 40 characters."""
    shown = [item if len(item) <= 40 else item[:39] + "..." for item in items[:limit]]
    return ", ".join(shown) + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def _joint_names(names: Sequence[str]) -> list[str]:
    return [name for name in names if not name.endswith("/End Site")]


@functools.lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _match_roles(names: Sequence[str], table: dict[str, str]) -> dict[str, int]:
    """Role -> index of the first joint whose name fully matches the role's regex."""
    roles = {}
    for role, pattern in table.items():
        regex = _regex(pattern)
        hit = next((i for i, name in enumerate(names) if regex.fullmatch(name)), None)
        if hit is not None:
            roles[role] = hit
    return roles


def _has_signature(names: Sequence[str], rig: str) -> bool:
    pattern = RIG_SIGNATURES.get(rig)
    return pattern is None or any(_regex(pattern).fullmatch(name) for name in names)


def _complete(roles: dict[str, int]) -> bool:
    return all(role in roles for role in _REQUIRED_ROLES)


def _merge(found: dict[str, int], user: dict[str, int]) -> dict[str, int]:
    """The automatic roles overridden and completed by the user's.

    An automatic role whose joint the user gave to another role is dropped, so a mapping
    can swap joints (e.g. a rig whose sides are named the wrong way round).
    """
    taken = set(user.values())
    return {**{role: node for role, node in found.items() if node not in taken}, **user}


def _table_matches(names: Sequence[str], rig: str) -> dict[str, dict[str, int]]:
    """Rig -> roles found by its name table, for the tables ``rig`` asks for."""
    tables = {} if rig == "structure" else RIGS if rig == "auto" else {rig: RIGS[rig]}
    return {name: _match_roles(names, table) for name, table in tables.items()}


def _best_table(names: Sequence[str], found: dict[str, dict[str, int]], user: dict[str, int],
                *, forced: bool) -> str | None:
    """The table that (with the user's roles) gives every required role and the most roles;
    a table must find one required role itself (else the user's mapping did the work)."""
    complete = [rig for rig, roles in found.items()
                if any(role in roles for role in _REQUIRED_ROLES) and _complete(_merge(roles, user))
                and (forced or _has_signature(names, rig))]
    return max(complete, key=lambda rig: len(found[rig]), default=None)


def _unmapped_message(names: Sequence[str], found: dict[str, dict[str, int]],
                      user: dict[str, int], reason: str | None, source: str) -> str:
    closest = max(found, key=lambda rig: len(found[rig]), default=None)
    roles = _merge(found[closest] if closest else {}, user)
    missing = [j for j in REQUIRED_JOINTS if MEASURED_JOINTS[j] not in roles] or ["left_knee"]
    tried = f" (rigs tried: {', '.join(found)}; closest: {closest})" if found else ""
    structure = f"; by structure: {reason}" if reason else ""
    return (f"{source}: cannot map the rig to the canonical skeleton: no joint for "
            f"{', '.join(missing)}{tried}{structure}; joints in the file: "
            f"{_shortlist(_joint_names(names))}; name them with --map {missing[0]}=<joint> "
            "(one --map per joint)")


def find_joint(bvh: Bvh, name: str, *, joint: str = "a joint") -> int:
    """Node index of the joint called ``name``: exact match, then case-insensitive.

    Raises
    ------
    InputError
        No such joint; the message lists the file's joints (``joint`` names what it was for).
    """
    if name in bvh.names:
        return bvh.names.index(name)
    folded = " ".join(name.split()).casefold()
    hit = next((i for i, node in enumerate(bvh.names) if node.casefold() == folded), None)
    if hit is None:
        raise InputError(f"{bvh.source}: the mapping gives {joint} = {name[:40]!r}, but the file "
                         f"has no joint of that name; joints in the file: "
                         f"{_shortlist(_joint_names(bvh.names))}")
    return hit


def _user_role(bvh: Bvh, joint: object, name: object) -> tuple[str, int]:
    """(role, node) for one ``mapping`` entry ``canonical joint -> BVH joint name``."""
    if not (isinstance(joint, str) and isinstance(name, str)):
        raise ConfigError("Expected mapping entries canonical joint -> BVH joint name "
                          f"(strings), but got {joint!r}: {name!r}")
    key = joint.strip().lower()
    if key not in MAPPABLE_JOINTS:
        raise InputError(f"{bvh.source}: unknown canonical joint {joint[:40]!r} in the mapping; "
                         f"expected one of {_shortlist(list(MAPPABLE_JOINTS), 30)}")
    return MAPPABLE_JOINTS[key], find_joint(bvh, name, joint=key)


def _user_roles(bvh: Bvh, mapping: Mapping[str, str] | None) -> dict[str, int]:
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise ConfigError("Expected mapping as a dict of canonical joint -> BVH joint name, "
                          f"but got {type(mapping).__name__}")
    return dict(_user_role(bvh, joint, name) for joint, name in mapping.items())


@dataclasses.dataclass(frozen=True)
class RigMatch:
    """How the joints of a file were given roles (:func:`map_rig`).

    Attributes
    ----------
    rig : str
        A :data:`RIGS` name, ``"structure"`` or ``"mapping"`` (the user's mapping alone).
    roles : dict
        Role (``"left_thigh"``, ``"head"``...) -> node index in :attr:`Bvh.names`.
    structure : dict
        How the structural matcher decided (trial pose, facing, sides, name conflicts);
        empty for a name table.
    mapping : dict
        The user's mapping as resolved: canonical joint -> BVH joint name.
    """

    rig: str
    roles: dict[str, int]
    structure: dict = dataclasses.field(default_factory=dict)
    mapping: dict[str, str] = dataclasses.field(default_factory=dict)


def map_rig(bvh: Bvh, *, rig: str = "auto", mapping: Mapping[str, str] | None = None,
            position_mode: str = "add") -> RigMatch:
    """Give the file's joints their roles: name tables, then the structure, then the mapping.

    Parameters
    ----------
    bvh : Bvh
    rig : str
        One of :data:`RIG_CHOICES`: a table of :data:`RIGS`, ``"structure"`` or
        ``"auto"`` (the tables, then the structure).
    mapping : mapping of str to str, optional
        Canonical joint (a :data:`MAPPABLE_JOINTS` key) -> BVH joint name (exact, then
        case-insensitive); overrides and completes what the automatic matching found.
    position_mode : {"add", "replace"}
        For the frames the structural matcher may look at.

    Raises
    ------
    InputError
        A bad mapping entry, or no way to find every required joint; the message ends
        with how to name the joints with ``--map``.
    ConfigError
        ``rig`` outside the choices or a mapping that is not str -> str.
    """
    _check_choice("rig", rig, RIG_CHOICES)
    user = _user_roles(bvh, mapping)
    given = {_JOINT_OF_ROLE[role]: bvh.names[node] for role, node in user.items()}
    found = _table_matches(bvh.names, rig)
    best = _best_table(bvh.names, found, user, forced=rig not in ("auto", "structure"))
    if best is not None:
        return RigMatch(best, _merge(found[best], user), mapping=given)
    reason = None
    if rig in ("auto", "structure"):
        try:
            roles, notes = _structure(bvh, position_mode)
        except _NoStructure as exc:
            reason = str(exc)
        else:
            if _complete(_merge(roles, user)):
                return RigMatch("structure", _merge(roles, user), notes, given)
            reason = "the mapping gives joints it needs to other roles"
    if _complete(user):
        return RigMatch("mapping", user, mapping=given)
    raise InputError(_unmapped_message(bvh.names, found, user, reason, bvh.source))


def match_rig(names: Sequence[str], *, rig: str = "auto",
              source: str = "<bvh>") -> tuple[str, dict[str, int]]:
    """Find the rig of :data:`RIGS` that names these joints (name tables only).

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
    found = _table_matches(names, rig)
    best = _best_table(names, found, {}, forced=rig != "auto")
    if best is None:
        raise InputError(_unmapped_message(names, found, {}, None, source))
    return best, found[best]


# --------------------------------------------------------------------------- structure
#: Nodes closer than this fraction of the longest OFFSET share one point of the tree.
CO_LOCATED = 1e-3
#: Cosines with up (the pelvis -> chest direction of the trial pose): a leg's hip -> ankle
#: at most LEG_DOWN_COS, the neck branch's end at least NECK_UP_COS, the head top at least
#: HEAD_TOP_COS.
LEG_DOWN_COS, NECK_UP_COS, HEAD_TOP_COS = -0.3, 0.3, 0.5
#: A direction is horizontal when its part perpendicular to up is at least this fraction
#: (facing); a toe end site counts when it is at least TOE_FORWARD.
HORIZONTAL, TOE_FORWARD = 0.3, 0.5
#: Each arm reaches at least this fraction of the shorter leg (fingers and toes do not).
ARM_TO_LEG_REACH = 0.3
#: Branch points tried per kind (hips, chest), longest limbs first; points per limb
#: chain (clavicle, three joints, the rest), per neck chain, searched for a face; siblings
#: compared for co-location.
MAX_CANDIDATES, LIMB_POINTS, NECK_POINTS, FACE_SEARCH, MAX_SIBLINGS = 8, 6, 16, 64, 64

#: Words (whole, case-insensitive, camel case split) that name a side in joint names.
_SIDE_WORDS = {
    "left": re.compile(r"l|lt|lft|left\w*|link[a-z]*|gauche|izquierd[ao]|sinistr[ao]|esquerd[ao]"),
    "right": re.compile(r"r|rt|rgt|right\w*|recht[a-z]*|droite?|derech[ao]|destr[ao]|direit[ao]"),
}
#: Characters that name a side anywhere in a name (Chinese/Japanese, Korean).
_SIDE_CHARS = {"left": ("左", "왼"), "right": ("右", "오른")}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[^\W\d_]+")


def name_side(name: str) -> str | None:
    """``"left"`` / ``"right"`` when a joint name carries one side's token, else None.

    Tokens: Left/Right, L/R, Lt/Rt (any case, as words: ``LeftArm``, ``UpperLeg_L``,
    ``Bip01 L Thigh``, ``hand.l``), links/rechts (linker, rechte...), gauche/droite,
    izquierda/derecha, sinistra/destra, esquerda/direita, and 左/右 (왼/오른) anywhere.
    A name with both sides' tokens gives None.
    """
    found = {side for side, chars in _SIDE_CHARS.items() if any(c in name for c in chars)}
    for word in _WORD.findall(name):
        found.update(side for side, regex in _SIDE_WORDS.items() if regex.fullmatch(word.lower()))
    return found.pop() if len(found) == 1 else None


class _NoStructure(InputError):
    """The joint tree and poses show no body; the message says why (without the file)."""


def _unit(v: np.ndarray) -> np.ndarray | None:
    """``v / |v|``, or None when ``v`` is zero or not finite."""
    norm = float(np.linalg.norm(v))
    return v / norm if math.isfinite(norm) and norm > 0 else None


def _cos(v: np.ndarray, up: np.ndarray) -> float:
    """Cosine of the angle between ``v`` and the unit ``up``; NaN for a zero ``v``."""
    u = _unit(v)
    return float(u @ up) if u is not None else math.nan


def _rest_positions(bvh: Bvh) -> np.ndarray:
    """(nodes, 3) positions with every channel zero: summed OFFSETs, file units."""
    pos = np.array(bvh.offsets, dtype=np.float64)
    for node, parent in enumerate(bvh.parents):
        if parent >= 0:
            pos[node] += pos[parent]
    return pos


def _trial_poses(bvh: Bvh, position_mode: str):
    """(label, (nodes, 3) positions) to try: the rest pose, frame 1, the middle frame."""
    yield "rest pose", _rest_positions(bvh)
    for k in sorted({0, bvh.n_frames // 2}):
        one = dataclasses.replace(bvh, values=bvh.values[k:k + 1])
        yield f"frame {k + 1}", forward_kinematics(one, position_mode=position_mode)[1][0]


@dataclasses.dataclass(frozen=True, eq=False)
class _Tree:
    """The joint tree with co-located nodes merged into points (rest pose).

    A node with a (nearly) zero OFFSET shares its parent's point, and so does a node at
    the same place as an earlier sibling point (``bvh_write`` hangs the neck and both
    clavicles from one trunk joint, all at the neck).  A point is named by its first node.
    """

    bvh: Bvh
    point: list[int]  # (nodes,) the point of each node
    children: dict[int, list[int]]  # point -> child points, file order
    above: dict[int, int]  # point -> parent point, -1 at a root
    length: np.ndarray  # (nodes,) |OFFSET|, file units: a point's segment from its parent
    reach: dict[int, float]  # point -> longest path down to a leaf, file units
    main: dict[int, int]  # point -> the child point on that path

    def is_joint(self, p: int) -> bool:
        return not self.bvh.end_site[p]

    def chain(self, start: int, limit: int) -> list[int]:
        """``start`` and the points below it along the longest path, at most ``limit``."""
        chain = [start]
        while len(chain) < limit and chain[-1] in self.main:
            chain.append(self.main[chain[-1]])
        return chain

    def exit_node(self, chain: Sequence[int], k: int) -> int:
        """The node of point ``chain[k]`` that the next point hangs from (its rotation
        aims the segment); the point's own node at the end of the chain."""
        return self.bvh.parents[chain[k + 1]] if k + 1 < len(chain) else chain[k]

    def ancestors(self, p: int) -> list[int]:
        """``p`` and the points above it, up to its root."""
        out = []
        while p >= 0:
            out.append(p)
            p = self.above[p]
        return out

    def lca(self, a: int, b: int) -> int | None:
        """The lowest point above (or at) both ``a`` and ``b``; None in different trees."""
        seen = set(self.ancestors(a))
        return next((p for p in self.ancestors(b) if p in seen), None)

    def child_toward(self, p: int, q: int) -> int | None:
        """The child point of ``p`` on the way down to ``q``; None when ``q`` is not below."""
        path = self.ancestors(q)
        return next((path[k - 1] for k in range(1, len(path)) if path[k] == p), None)

    def subtree(self, p: int, limit: int) -> list[int]:
        """Points below ``p`` (breadth first, at most ``limit``)."""
        out, queue = [], list(self.children[p])
        while queue and len(out) < limit:
            q = queue.pop(0)
            out.append(q)
            queue.extend(self.children[q])
        return out


def _co_located(tree: dict, node: int, parent: int, eps: float) -> int | None:
    """The point ``node`` joins (its parent's, or a sibling point at the same place)."""
    if parent < 0:
        return None
    if tree["length"][node] <= eps:
        return tree["point"][parent]
    rest = tree["rest"]
    for sibling in tree["children"][tree["point"][parent]][:MAX_SIBLINGS]:
        if np.linalg.norm(rest[sibling] - rest[node]) <= eps:
            return sibling
    return None


def _reaches(children: dict[int, list[int]],
             length: np.ndarray) -> tuple[dict[int, float], dict[int, int]]:
    """Longest path down from each point and its first child point (children after parents)."""
    reach: dict[int, float] = {}
    main: dict[int, int] = {}
    for p in reversed(list(children)):
        best = max(children[p], key=lambda c: length[c] + reach[c], default=None)
        reach[p] = 0.0 if best is None else float(length[best] + reach[best])
        if best is not None:
            main[p] = best
    return reach, main


def _build_tree(bvh: Bvh) -> _Tree:
    length = np.linalg.norm(bvh.offsets, axis=1)
    inner = length[np.array(bvh.parents) >= 0]
    eps = CO_LOCATED * float(inner.max(initial=0.0))
    parts: dict = {"length": length, "rest": _rest_positions(bvh),
                   "point": list(range(len(bvh.names))), "children": {}}
    above: dict[int, int] = {}
    for node, parent in enumerate(bvh.parents):
        same = _co_located(parts, node, parent, eps)
        if same is not None:
            parts["point"][node] = same
            continue
        parts["children"][node] = []
        above[node] = parts["point"][parent] if parent >= 0 else -1
        if parent >= 0:
            parts["children"][parts["point"][parent]].append(node)
    reach, main = _reaches(parts["children"], length)
    return _Tree(bvh, parts["point"], parts["children"], above, length, reach, main)


@dataclasses.dataclass(frozen=True)
class _Limb:
    """A leg or an arm: its first joint (hip, shoulder) and the points below it."""

    points: tuple[int, ...]  # hip/shoulder, knee/elbow, ankle/wrist, then toe/fingers
    nodes: tuple[int, ...]  # the node of each point its next segment hangs from
    extra: tuple[int, ...]  # nodes left out before the first joint (a clavicle)
    reach: float  # file units, from the first joint to the farthest leaf


def _leading_joints(tree: _Tree, chain: Sequence[int]) -> int:
    """How many points of ``chain`` come before its first end site."""
    return next((k for k, p in enumerate(chain) if not tree.is_joint(p)), len(chain))


def _short_first_bone(lengths: np.ndarray) -> bool:
    """Whether the first of three bone lengths is a clavicle (or hip bone) before the limb:
    shorter than the second, and the second and third (upper arm, forearm) more alike."""
    with np.errstate(all="ignore"):
        ratios = np.abs(np.log(lengths[1:] / lengths[:-1]))
    return bool(lengths[0] < lengths[1] and ratios[1] < ratios[0])


def _limb(tree: _Tree, start: int) -> _Limb | None:
    """The limb that starts at point ``start``: three joints or more in a row, else None."""
    chain = tree.chain(start, LIMB_POINTS + 1)
    joints = _leading_joints(tree, chain)
    if joints < 3:
        return None
    nodes = [tree.exit_node(chain, k) for k in range(len(chain))]
    skip = int(joints >= 4 and _short_first_bone(tree.length[chain[1:4]]))
    return _Limb(tuple(chain[skip:LIMB_POINTS]), tuple(nodes[skip:LIMB_POINTS]),
                 tuple(nodes[:skip]), tree.reach[chain[skip]])


def _junctions(tree: _Tree, min_children: int) -> list[tuple[int, dict[int, _Limb]]]:
    """Points with ``min_children`` child points or more, two of them limbs, longest first."""
    found = []
    for p, kids in tree.children.items():
        if len(kids) >= min_children:
            limbs = {c: limb for c in kids if (limb := _limb(tree, c)) is not None}
            if len(limbs) >= 2:
                found.append((p, limbs))
    found.sort(key=lambda item: -sum(sorted(limb.reach for limb in item[1].values())[-2:]))
    return found[:MAX_CANDIDATES]


@dataclasses.dataclass(frozen=True, eq=False)
class _Body:
    """One reading of the tree: pelvis and chest points, legs, arms, the neck branch."""

    pelvis: int
    chest: int
    legs: tuple[_Limb, _Limb]
    arms: tuple[_Limb, _Limb]
    neck: tuple[int, ...]  # points of the neck branch, from the chest's child up
    up: np.ndarray  # (3,) unit pelvis -> chest in the trial pose
    score: float  # summed limb reach, file units


def _pick_legs(pose: np.ndarray, limbs: Sequence[_Limb],
               up: np.ndarray) -> tuple[_Limb, _Limb] | None:
    """The two longest limbs whose hip -> ankle goes down (against ``up``)."""
    down = [limb for limb in limbs
            if _cos(pose[limb.points[2]] - pose[limb.points[0]], up) < LEG_DOWN_COS]
    down.sort(key=lambda limb: -limb.reach)
    return (down[0], down[1]) if len(down) >= 2 else None


def _pick_arms(tree: _Tree, pose: np.ndarray, chest: int, limbs: dict[int, _Limb],
               up: np.ndarray) -> tuple[tuple[_Limb, _Limb], tuple[int, ...]] | None:
    """(arms, neck chain) at ``chest``: the neck is the branch that ends highest along
    ``up``, the arms the two longest other limbs."""
    ends = {c: _cos(pose[tree.chain(c, NECK_POINTS)[-1]] - pose[chest], up)
            for c in tree.children[chest]}
    neck = max(ends, key=lambda c: ends[c] if math.isfinite(ends[c]) else -2.0)
    arms = sorted((limb for c, limb in limbs.items() if c != neck), key=lambda limb: -limb.reach)
    if not ends[neck] > NECK_UP_COS or len(arms) < 2:
        return None
    return (arms[0], arms[1]), tuple(tree.chain(neck, NECK_POINTS))


def _fit(tree: _Tree, pose: np.ndarray, hips: tuple[int, dict[int, _Limb]],
         chest: tuple[int, dict[int, _Limb]]) -> _Body | None:
    """The body with legs at ``hips`` and arms at ``chest``, or None if the pose refutes it."""
    (hip_point, leg_limbs), (chest_point, arm_limbs) = hips, chest
    pelvis = tree.lca(hip_point, chest_point)
    up = _unit(pose[chest_point] - pose[pelvis]) if pelvis is not None else None
    if up is None or pelvis == chest_point:
        return None
    toward = tree.child_toward(hip_point, chest_point)
    legs = _pick_legs(pose, [limb for c, limb in leg_limbs.items() if c != toward], up)
    upper = _pick_arms(tree, pose, chest_point, arm_limbs, up)
    if legs is None or upper is None:
        return None
    arms, neck = upper
    if min(a.reach for a in arms) < ARM_TO_LEG_REACH * min(leg.reach for leg in legs):
        return None
    return _Body(pelvis, chest_point, legs, arms, neck, up,
                 sum(limb.reach for limb in (*legs, *arms)))


def _best_body(tree: _Tree, pose: np.ndarray, hips: list, chests: list) -> _Body | None:
    fits = (_fit(tree, pose, h, c) for h in hips for c in chests)
    return max((b for b in fits if b is not None), key=lambda b: b.score, default=None)


def _horizontal_mean(vectors: Sequence[np.ndarray], up: np.ndarray) -> np.ndarray | None:
    """Unit mean of the horizontal (perpendicular to ``up``) directions of the vectors
    that are mostly horizontal; None without any, or when they disagree (|mean| < 0.5)."""
    units = []
    for v in vectors:
        flat = v - (v @ up) * up
        if np.linalg.norm(flat) > HORIZONTAL * np.linalg.norm(v):
            units.append(_unit(flat))
    mean = np.mean(units, axis=0) if units else np.zeros(3)
    return _unit(mean) if np.linalg.norm(mean) >= 0.5 else None


def _head_index(tree: _Tree, chain: Sequence[int]) -> int | None:
    """Index in the neck chain of the head joint; None when the chain has no joint.

    The first joint that branches (eyes, jaw, head top leave it); else the only joint;
    else, after the first (the neck), the joint with the longest segment to the next
    point (the skull).
    """
    joints = _leading_joints(tree, chain)
    branching = [k for k in range(joints) if len(tree.children[chain[k]]) >= 2]
    if branching or joints <= 1:
        return branching[0] if branching else (0 if joints else None)
    out = [tree.length[chain[k + 1]] if k + 1 < len(chain) else 0.0 for k in range(1, joints)]
    return 1 + int(np.argmax(out))


def _facing(tree: _Tree, pose: np.ndarray, body: _Body) -> tuple[np.ndarray | None, str]:
    """The horizontal forward direction (file axes) and what gave it: the feet
    (ankle -> toe), else the face (points below the head), else None."""
    toes = [pose[leg.points[3]] - pose[leg.points[2]] for leg in body.legs
            if len(leg.points) >= 4]
    forward = _horizontal_mean(toes, body.up)
    if forward is not None:
        return forward, "feet"
    k = _head_index(tree, body.neck)
    if k is not None:
        head = body.neck[k]
        face = [pose[q] - pose[head] for q in tree.subtree(head, FACE_SEARCH)]
        forward = _horizontal_mean(face, body.up)
        if forward is not None:
            return forward, "face"
    return None, "none"


def _limb_side(bvh: Bvh, limb: _Limb) -> str | None:
    """The side the limb's joint names vote for (:func:`name_side`), None on a tie."""
    votes = [name_side(bvh.names[node]) for node in (*limb.extra, *limb.nodes)]
    left, right = votes.count("left"), votes.count("right")
    return "left" if left > right else "right" if right > left else None


def _left_by_geometry(pose: np.ndarray, pair: tuple[_Limb, _Limb],
                      left: np.ndarray | None) -> int | None:
    """Index of the limb further along her ``left`` (mean of its first three points)."""
    if left is None:
        return None
    d = [float(np.mean(pose[list(limb.points[:3])], axis=0) @ left) for limb in pair]
    if not abs(d[0] - d[1]) > 1e-6 * max(limb.reach for limb in pair):
        return None
    return 0 if d[0] > d[1] else 1


def _left_by_names(named: Sequence[str | None]) -> int | None:
    """Index of the limb the names call left, from one or both names; None if unknown."""
    if named[0] == named[1]:
        return None
    return 0 if named[0] == "left" or named[1] == "right" else 1


def _sides(tree: _Tree, pose: np.ndarray, pair: tuple[_Limb, _Limb],
           left: np.ndarray | None) -> tuple[tuple[_Limb, _Limb], str, list[str]]:
    """((left limb, right limb), "geometry" or "names", name conflicts)."""
    named = [_limb_side(tree.bvh, limb) for limb in pair]
    k = _left_by_geometry(pose, pair, left)
    how = "geometry"
    if k is None:
        k, how = _left_by_names(named), "names"
    if k is None:
        raise _NoStructure("cannot tell her left from her right: neither the feet (ankle -> "
                           "toe) nor the face show which way the rig faces, and the joint "
                           "names carry no side (Left/Right, L/R, links/rechts, 左/右...)")
    conflicts = [f"{tree.bvh.names[pair[i].nodes[0]]!r} is named {named[i]} but lies on her "
                 f"{side}" for i, side in ((k, "left"), (1 - k, "right"))
                 if named[i] not in (None, side)]
    return (pair[k], pair[1 - k]), how, conflicts


def _limb_roles(side: str, limb: _Limb, names: Sequence[str]) -> dict[str, int]:
    return {f"{side}_{name}": node for name, node in zip(names, limb.nodes, strict=False)}


def _leg_roles(tree: _Tree, pose: np.ndarray, up: np.ndarray, side: str,
               leg: _Limb) -> dict[str, int]:
    """Thigh, shin, foot and (a fourth joint, or an end site pointing forward) toe."""
    roles = _limb_roles(side, leg, ("thigh", "shin", "foot"))
    if len(leg.points) >= 4:
        v = pose[leg.points[3]] - pose[leg.points[2]]
        flat = np.linalg.norm(v - (v @ up) * up)
        if tree.is_joint(leg.points[3]) or flat >= TOE_FORWARD * np.linalg.norm(v) > 0:
            roles[f"{side}_toe"] = leg.nodes[3]
    return roles


def _neck_roles(tree: _Tree, pose: np.ndarray, body: _Body) -> dict[str, int]:
    """Neck (the neck branch's first joint, or the chest's when the branch starts at the
    head), head (:func:`_head_index`) and head top (the head's child point most nearly
    straight up, within 60 degrees)."""
    chain = body.neck
    k = _head_index(tree, chain)
    if k is None:
        return {}
    head = chain[k]  # the point's first node (co-located face bones may follow it)
    roles = {"neck": chain[0] if k > 0 else tree.bvh.parents[chain[0]], "head": head}
    ups = {c: _cos(pose[c] - pose[head], body.up) for c in tree.children[head]}
    top = max(ups, key=lambda c: ups[c] if math.isfinite(ups[c]) else -2.0, default=None)
    if top is not None and ups[top] > HEAD_TOP_COS:
        roles["head_top"] = top
    return roles


def _structure_roles(tree: _Tree, pose: np.ndarray, body: _Body,
                     label: str) -> tuple[dict[str, int], dict]:
    """Roles of the body and the provenance notes (pose, facing, sides, conflicts)."""
    forward, facing = _facing(tree, pose, body)
    left = _unit(np.cross(body.up, forward)) if forward is not None else None
    legs, leg_how, leg_conflicts = _sides(tree, pose, body.legs, left)
    arms, arm_how, arm_conflicts = _sides(tree, pose, body.arms, left)
    roles = {"pelvis": body.pelvis}
    for side, leg, arm in zip(("left", "right"), legs, arms, strict=True):
        roles.update(_leg_roles(tree, pose, body.up, side, leg))
        roles.update(_limb_roles(side, arm, ("upperarm", "forearm", "hand")))
    roles.update(_neck_roles(tree, pose, body))
    sides = leg_how if leg_how == arm_how else f"legs by {leg_how}, arms by {arm_how}"
    return roles, {"pose": label, "facing": facing, "sides": sides,
                   "name_conflicts": leg_conflicts + arm_conflicts}


def _structure(bvh: Bvh, position_mode: str) -> tuple[dict[str, int], dict]:
    """Roles from the joint tree and the rest pose (or the first frames); _NoStructure."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        tree = _build_tree(bvh)
        hips, chests = _junctions(tree, 2), _junctions(tree, 3)
        if not hips:
            raise _NoStructure("no joint where two leg chains (3 joints or more each) branch")
        if not chests:
            raise _NoStructure("no joint where two arm chains (3 joints or more each) and a "
                               "neck branch leave")
        tried = []
        for label, pose in _trial_poses(bvh, position_mode):
            tried.append(label)
            body = _best_body(tree, pose, hips, chests) if np.isfinite(pose).all() else None
            if body is not None:
                return _structure_roles(tree, pose, body, label)
    raise _NoStructure("no joint has two legs hanging down from it, away from a trunk that "
                       f"carries two arms and a neck, in the {' or '.join(tried)}")


def match_structure(bvh: Bvh, *, position_mode: str = "add") -> tuple[dict[str, int], dict]:
    """Find the roles from the joint tree and rest pose alone (module docstring).

    Returns
    -------
    roles : dict
        Role -> node index.
    notes : dict
        ``pose`` (the pose that was read: ``"rest pose"``, ``"frame 1"``...), ``facing``
        (``"feet"``, ``"face"`` or ``"none"``), ``sides`` (``"geometry"`` or
        ``"names"``) and ``name_conflicts`` (joints whose names say the other side).

    Raises
    ------
    InputError
        The structure is ambiguous (no two leg chains, no arms and neck, no way to tell
        left from right).
    """
    try:
        return _structure(bvh, position_mode)
    except _NoStructure as exc:
        raise InputError(f"{bvh.source}: cannot map the rig by its structure: {exc}") from None


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
    target = math.log(TYPICAL_STATURE_M) - math.log(stature)  # logs: no underflow to 0
    return min(UNIT_SCALES, key=lambda u: abs(math.log(UNIT_SCALES[u]) - target))


def _unit_scale(units: str | float, stature: float, source: str) -> tuple[str, float, bool]:
    """(unit name, metres per file unit, detected?) for the ``units`` option (a number,
    or a string of one as the command line gives it, is metres per file unit)."""
    if isinstance(units, str) and units.lower() not in ("auto", *UNIT_SCALES):
        try:
            units = float(units)
        except ValueError:
            pass
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

    match: RigMatch
    cols: dict[str, int]
    rot: np.ndarray  # (frames, roles, 3, 3)
    pos: np.ndarray  # (frames, roles, 3), metres
    unit: str
    scale: float
    units_detected: bool
    up_axis: str
    stature: float  # metres


def _finite_kinematics(bvh: Bvh, nodes: list[int],
                       position_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_kinematics` of ``nodes``; InputError when the positions overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        rot, pos = forward_kinematics(bvh, nodes, position_mode=position_mode)
    if not (np.isfinite(rot).all() and np.isfinite(pos).all()
            and np.abs(pos).max(initial=0.0) <= MAX_COORDINATE):
        raise InputError(f"{bvh.source}: the joint positions overflow (beyond "
                         f"{MAX_COORDINATE:g} file units): OFFSET or position channel values "
                         "too large")
    return rot, pos


def _pose(bvh: Bvh, *, units: str | float, up: str, rig: str, position_mode: str,
          mapping: Mapping[str, str] | None = None) -> _Pose:
    """Map the rig, run FK on the mapped joints, rotate to Y up and scale to metres."""
    forced_up = _parse_up(up)
    match = map_rig(bvh, rig=rig, mapping=mapping, position_mode=position_mode)
    roles = {"root": bvh.parents.index(-1), **match.roles}
    cols = {role: k for k, role in enumerate(roles)}
    rot, pos = _finite_kinematics(bvh, list(roles.values()), position_mode)
    up_axis = forced_up or detect_up_axis(pos, cols)
    turn = _UP_ROTATIONS[up_axis]
    rot, pos = turn @ rot, pos @ turn.T
    stature = estimate_stature(pos, cols)
    unit, scale, detected = _unit_scale(units, stature, bvh.source)
    with np.errstate(over="ignore"):
        pos = pos * scale
    if not np.isfinite(pos).all():
        raise InputError(f"{bvh.source}: the joint positions overflow in metres at {unit} per "
                         "file unit")
    return _Pose(match=match, cols=cols, rot=rot, pos=pos, unit=unit, scale=scale,
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


def _rig_provenance(bvh: Bvh, match: RigMatch) -> dict:
    """``rig_joints`` (canonical joint -> BVH joint), and how the structure or the user's
    mapping found them when they did."""
    entries: dict = {"rig_joints": {joint: bvh.names[match.roles[role]]
                                    for joint, role in MAPPABLE_JOINTS.items()
                                    if role in match.roles}}
    if match.structure:
        entries["rig_structure"] = match.structure
    if match.mapping:
        entries["rig_mapping"] = match.mapping
    return entries


def _provenance(path: Path, bvh: Bvh, pose: _Pose, fps: float, position_mode: str) -> dict:
    derived = "heels, nose, ears" + ("" if "left_eye" in pose.cols else ", eyes")
    return {"reader": "bvh", "path": str(path), "rig": pose.match.rig,
            **_rig_provenance(bvh, pose.match), "source_units": pose.unit,
            "unit_scale_m": pose.scale, "units_detected": pose.units_detected,
            "up_axis": pose.up_axis, "frames": bvh.n_frames, "frame_time_s": bvh.frame_time,
            "fps": fps, "nodes": len(bvh.names), "channels": int(bvh.values.shape[1]),
            "extra_frame_lines": bvh.extra_lines, "position_mode": position_mode,
            "stature_m": pose.stature, "derived": derived + " (confidence 0.5)"}


def read_bvh(path: str | Path, *, units: str | float = "auto", up: str = "auto",
             rig: str = "auto", position_mode: str = "add",
             mapping: Mapping[str, str] | None = None) -> Motion:
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
    rig : str
        :data:`RIG_CHOICES`: ``"auto"`` (the name tables of :data:`RIGS`, then the
        structure), ``"structure"`` (the joint tree and rest pose only), or one table
        (``"cmu"``, ``"mixamo"``, ``"character_creator"``, ``"perception_neuron"``,
        ``"mecanim"``, ``"rokoko"``, ``"smpl"``).
    position_mode : {"add", "replace"}
        How position channels combine with the OFFSET.
    mapping : mapping of str to str, optional
        Canonical joint (``"left_knee"``, ``"mid_hip"``, ``"head"``...: the keys of
        :data:`MAPPABLE_JOINTS`) -> BVH joint name (exact, then case-insensitive).
        Overrides and completes the automatic matching; with it alone a rig that
        nothing else reads can be mapped (it must then name the required joints).

    Returns
    -------
    Motion
        ``space="world"``, ``units="m"``, positions (frames, 23, 3), confidence 1 for
        measured joints and 0.5 for derived ones (heels, nose, ears; eyes when the rig
        has none), ``times = i / fps``; provenance records the rig (``rig``,
        ``rig_joints``: canonical joint -> BVH joint, ``rig_structure`` when the
        structure found them, ``rig_mapping`` when a mapping was given), source units,
        up axis and stature estimate.

    Raises
    ------
    InputError
        Missing or malformed file, a bad ``mapping`` entry (unknown canonical joint, or a
        joint the file lacks), or a rig without hips, knees, ankles or shoulders (the
        message ends with how to name them with ``--map``).
    ConfigError
        An option outside the choices above.
    """
    path = Path(path)
    _check_choice("position_mode", position_mode, POSITION_MODES)
    bvh = parse_bvh(path)
    pose = _pose(bvh, units=units, up=up, rig=rig, position_mode=position_mode,
                 mapping=mapping)
    positions, confidence = _canonical(pose)
    fps = frame_rate(bvh.frame_time)
    return Motion(positions=positions, confidence=confidence,
                  times=uniform_times(bvh.n_frames, fps), fps=fps, space="world", units="m",
                  provenance=_provenance(path, bvh, pose, fps, position_mode))


def root_yaw_deg(bvh: Bvh | str | Path, *, up: str = "auto", rig: str = "auto",
                 position_mode: str = "add",
                 mapping: Mapping[str, str] | None = None) -> np.ndarray:
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
    up, rig, position_mode, mapping
        As for :func:`read_bvh`.

    Returns
    -------
    array (frames,)
        Degrees.
    """
    if not isinstance(bvh, Bvh):
        bvh = parse_bvh(bvh)
    pose = _pose(bvh, units=1.0, up=up, rig=rig, position_mode=position_mode,
                 mapping=mapping)
    root_rot = pose.rot[:, pose.cols["root"]]
    forward = root_rot @ _mean_local(root_rot, _body_forward(pose))
    return np.degrees(np.unwrap(np.arctan2(forward[:, 0], forward[:, 2])))
