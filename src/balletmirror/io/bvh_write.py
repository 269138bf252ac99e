"""Write a world-space :class:`~balletmirror.core.motion.Motion` to a BVH file.

``write_bvh(motion, path, units="cm", rig="cmu")`` turns joint positions into a
skeleton with constant bone lengths and per-frame joint rotations, readable by
:func:`balletmirror.io.bvh.read_bvh` and by common tools (Blender's BVH importer).

Hierarchy (CMU names; ``rig="mixamo"`` prefixes every name with ``mixamorig:``)
-------------------------------------------------------------------------------
::

    Hips                      mid_hip         6 channels (position + rotation)
    ├─ LeftUpLeg              left_hip
    │  └─ LeftLeg             left_knee
    │     └─ LeftFoot         left_ankle
    │        └─ LeftToeBase   left_toe        └─ End Site: toe tip
    ├─ RightUpLeg ...         (mirror)
    └─ Spine                  mid_hip (zero offset: the trunk turns apart from the pelvis;
       │                      Blender gives the then zero-length Hips bone a length)
       ├─ Neck                neck
       │  └─ Head             head = mid-point of the ears
       │     ├─ LeftEye       left_eye        └─ End Site
       │     ├─ RightEye      right_eye       └─ End Site
       │     └─ End Site      head top
       ├─ LeftShoulder        neck (clavicle: from the neck base to the shoulder)
       │  └─ LeftArm          left_shoulder
       │     └─ LeftForeArm   left_elbow
       │        └─ LeftHand   left_wrist      └─ End Site: finger tips
       └─ RightShoulder ...   (mirror)

The reader's ``cmu`` table maps these names back (``LeftArm`` origin = shoulder,
``LeftEye`` = eye, ``Head/End Site`` = head top); the clavicle ``LeftShoulder`` is not
mapped by it.  Every joint but the root has 3 rotation channels.

Rotation order
--------------
All joints: ``Zrotation Xrotation Yrotation`` (:data:`ROTATION_ORDER` ``"ZXY"``),
degrees, composed intrinsically in channel order, ``R = Rz @ Rx @ Ry``, as the reader
and Blender compose them.  Root: ``Xposition Yposition Zposition`` first.

Rest pose (the OFFSETs)
-----------------------
A T-pose facing +Z, Y up, the dancer's left towards +X: legs straight down, feet
forward and level, trunk and neck vertical, arms straight out to the sides.  Each
OFFSET is the median over the complete frames (every joint present) of the bone vector
expressed in its parent joint's frame, so bone lengths are the median lengths and are
constant over the clip.  For bones that their parent aims (every limb, trunk, neck) this
is the median length along the T-pose direction; for joints the parent positions as a
rigid group (the hips about the pelvis, the eyes about the head) it is their median
placement.  The root OFFSET is zero (Blender reads root positions as absolute; our
reader adds them to the OFFSET: zero makes both agree).  End sites, not measured, are
fractions of the stature estimate ``H`` (:func:`stature`): toe tip 0.04 H beyond the
ball of the foot, finger tips 0.108 H beyond the wrist (Winter 2009 hand length), eye
end sites 0.01 H ahead, head top 0.07 H above the ears.

Rotations from positions
------------------------
Global (world) rotations first, then ``local = parent_global.T @ global``.

* **Aimed joints** (every joint with one measured child, plus the root and the trunk):
  the rotation maps the rest bone direction exactly onto the current one (so positions
  round-trip up to bone-length changes) and sets the twist about the bone from a
  secondary direction, the sum of the unit vectors (or cross products of them) listed
  in :data:`NODES`, made perpendicular to the bone.  The root aims the left-right hip
  line and twists towards the pelvis-to-neck direction, or, where the pelvis centre
  sits off the hip line (a mocap root joint: :func:`pelvis_up`), towards that offset,
  which keeps such hips in place.  The trunk (``Spine``) aims pelvis -> neck and twists
  towards the shoulder line; thigh and shank twist towards the knee's hinge axis
  (thigh x shank, plus foot x shank so that a straight knee takes it from the foot;
  the two never cancel: a pointed foot only weakens the second); the foot aims the
  ball of the foot and twists towards the sole (ankle -> heel plus knee -> ankle); the
  upper arm and forearm twist towards the elbow plane; clavicles twist towards the
  trunk; the neck towards the ear line.  The twist is measured from the *minimal
  rotation relative to the parent* (the swing from the rest direction, in the parent's
  frame, to the current one).  Where the secondary fades (straight limb, foot in line
  with the shank: its perpendicular part below 0.2, in units of summed unit vectors,
  down to 0.05) the twist blends smoothly into the previous frame's
  (:func:`blend_twist`; 0, the minimal rotation, before any secondary was seen), so it
  does not flip at the +-180 degree wrap.
* **The head**: the proper rotation that best maps its rest face points (eyes, nose,
  ears about the head point) onto the current ones, by least squares (Kabsch 1976,
  *Acta Cryst.* A32:922; SVD with the determinant sign fix).
* **Toes, hands, eyes** have no measured child: local rotation zero.

Euler angles come from :mod:`scipy.spatial.transform` and are made continuous over
time: each frame takes, of the two equivalent Tait-Bryan solutions ``(z, x, y)`` and
``(z + 180, 180 - x, y + 180)``, each channel shifted by the multiple of 360 nearest the
previous frame, the one closest to the previous frame.  A dancer turning 32 fouettés
gets a root ``Yrotation`` that runs smoothly to 11,520 degrees.  Near gimbal lock
(``Xrotation`` at +-90 degrees, e.g. a thigh raised 90 degrees in front) ``Z`` and ``Y``
are individually ill-defined and can move fast although the rotation is continuous.

Missing values
--------------
BVH cannot hold NaN.  A joint whose aiming points are missing in a frame keeps its
previous frame's channel values (before its first known frame, its first known
values); a missing root position likewise.  A missing *secondary* point only keeps the
previous twist (:func:`blend_twist`).  Frames are written at ``Frame Time = 1 / motion.fps``;
timestamps of a variable-frame-rate Motion are not resampled.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..core.errors import ConfigError, InputError
from ..core.geometry import unit_vectors
from ..core.motion import Motion
from ..core.skeleton import JOINTS, J
from .bvh import ANKLE_TO_SHOULDER, UNIT_SCALES

#: Euler order of every joint: ``Zrotation Xrotation Yrotation``, ``R = Rz @ Rx @ Ry``.
ROTATION_ORDER = "ZXY"
ROTATION_CHANNELS = tuple(f"{axis}rotation" for axis in ROTATION_ORDER)
POSITION_CHANNELS = ("Xposition", "Yposition", "Zposition")
#: Joint-name prefix per rig (names otherwise CMU's, as read by ``read_bvh``'s tables).
RIG_PREFIXES: dict[str, str] = {"cmu": "", "mixamo": "mixamorig:"}
#: Joints a frame must have to count as complete (rest offsets come from those frames).
NEEDED_JOINTS: tuple[str, ...] = JOINTS
#: Face points the head rotation is fitted to (about the head point, the ears' mid-point).
FACE_POINTS: tuple[str, ...] = ("left_eye", "right_eye", "nose", "left_ear", "right_ear")
#: Secondary strength (perpendicular part of the summed unit vectors) where the twist
#: starts to follow it, and where it follows it fully.
TWIST_FADE = (0.05, 0.2)

_X, _Y, _Z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
_MX, _MY = (-1.0, 0.0, 0.0), (0.0, -1.0, 0.0)
_SHOULDERS = (("right_shoulder", "left_shoulder"),)
#: The pelvis centre must sit this far (fraction of the hip width) off the hip line for
#: the root's twist to follow it (a rigid pelvis, as in mocap rigs) instead of the trunk.
PELVIS_OFFSET = 0.1


@dataclasses.dataclass(frozen=True)
class Aim:
    """How an aimed joint's global rotation is found (module docstring).

    Attributes
    ----------
    origin, target : str
        Points (canonical joints or ``"head"``) whose difference is the bone.
    rest : (3,)
        Unit bone direction in the rest pose (world axes).
    rest_up : (3,)
        Unit secondary direction in the rest pose, perpendicular to ``rest``.
    secondary : tuple of tuple of str
        Terms summed into the secondary direction: ``(a, b)`` is the unit vector a -> b,
        ``(a, b, c, d)`` the cross product of the unit vectors a -> b and c -> d.
    """

    origin: str
    target: str
    rest: tuple[float, float, float]
    rest_up: tuple[float, float, float]
    secondary: tuple[tuple[str, ...], ...]


@dataclasses.dataclass(frozen=True)
class Node:
    """One BVH joint.

    Attributes
    ----------
    name : str
        CMU joint name (without the rig prefix).
    parent : str or None
        Parent joint name; None for the root.
    point : str
        Canonical joint (or ``"head"``) at the joint's origin.
    rotation : Aim or str
        An :class:`Aim`, ``"kabsch"`` (fitted to :data:`FACE_POINTS`) or ``"none"``
        (local rotation zero).
    end : ((3,), float) or None
        End site: rest direction and length as a fraction of stature.
    """

    name: str
    parent: str | None
    point: str
    rotation: Aim | str
    end: tuple[tuple[float, float, float], float] | None = None


def _leg(side: str) -> tuple[Node, ...]:
    s, n = side, side.capitalize()
    hip, knee, ankle, toe = (f"{s}_{j}" for j in ("hip", "knee", "ankle", "toe"))
    hinge = ((hip, knee, knee, ankle), (ankle, toe, knee, ankle))
    sole = ((ankle, f"{s}_heel"), (knee, ankle))
    return (
        Node(f"{n}UpLeg", "Hips", hip, Aim(hip, knee, _MY, _X, hinge)),
        Node(f"{n}Leg", f"{n}UpLeg", knee, Aim(knee, ankle, _MY, _X, hinge)),
        Node(f"{n}Foot", f"{n}Leg", ankle, Aim(ankle, toe, _Z, _MY, sole)),
        Node(f"{n}ToeBase", f"{n}Foot", f"{s}_toe", "none", end=(_Z, 0.04)),
    )


def _arm(side: str) -> tuple[Node, ...]:
    s, n = side, side.capitalize()
    out = _X if side == "left" else _MX
    trunk = (("mid_hip", "neck"),)
    return (
        Node(f"{n}Shoulder", "Spine", "neck", Aim("neck", f"{s}_shoulder", out, _Y, trunk)),
        Node(f"{n}Arm", f"{n}Shoulder", f"{s}_shoulder",
             Aim(f"{s}_shoulder", f"{s}_elbow", out, _Z, ((f"{s}_elbow", f"{s}_wrist"),))),
        Node(f"{n}ForeArm", f"{n}Arm", f"{s}_elbow",
             Aim(f"{s}_elbow", f"{s}_wrist", out, _Z, ((f"{s}_elbow", f"{s}_shoulder"),))),
        Node(f"{n}Hand", f"{n}ForeArm", f"{s}_wrist", "none", end=(out, 0.108)),
    )


#: The hierarchy in file (depth-first) order; see the module docstring.
NODES: tuple[Node, ...] = (
    Node("Hips", None, "mid_hip",
         Aim("right_hip", "left_hip", _X, _Y, (("mid_hip", "pelvis_up"),))),
    *_leg("left"),
    *_leg("right"),
    Node("Spine", "Hips", "mid_hip", Aim("mid_hip", "neck", _Y, _X, _SHOULDERS)),
    Node("Neck", "Spine", "neck", Aim("neck", "head", _Y, _X, (("right_ear", "left_ear"),))),
    Node("Head", "Neck", "head", "kabsch", end=(_Y, 0.07)),
    Node("LeftEye", "Head", "left_eye", "none", end=(_Z, 0.01)),
    Node("RightEye", "Head", "right_eye", "none", end=(_Z, 0.01)),
    *_arm("left"),
    *_arm("right"),
)


# --------------------------------------------------------------------------- vectors
def _skew(k: np.ndarray) -> np.ndarray:
    """Cross-product matrices (..., 3, 3) of vectors (..., 3)."""
    m = np.zeros(k.shape + (3,))
    m[..., 0, 1], m[..., 0, 2], m[..., 1, 2] = -k[..., 2], k[..., 1], -k[..., 0]
    m[..., 1, 0], m[..., 2, 0], m[..., 2, 1] = k[..., 2], -k[..., 1], k[..., 0]
    return m


def _axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotations (frames, 3, 3) by ``angle`` (frames,) radians about unit ``axis`` (frames, 3)."""
    k = _skew(axis)
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * k + (1.0 - c) * (k @ k)


def _swing(u: np.ndarray, v: np.ndarray, flip_axis: np.ndarray) -> np.ndarray:
    """Minimal rotations (frames, 3, 3) taking unit ``u`` (3,) onto unit ``v`` (frames, 3).

    Rodrigues' formula ``I + K + K^2 / (1 + u.v)`` with ``K = [u x v]``; where ``v`` is
    opposite to ``u`` the half turn about ``flip_axis`` (a unit vector perpendicular to ``u``).
    """
    k = _skew(np.cross(u, v))
    denom = 1.0 + v @ u
    opposite = ~(denom > 1e-9)
    safe = np.where(opposite, 1.0, denom)[:, None, None]
    rot = np.eye(3) + k + (k @ k) / safe
    rot[opposite & np.isfinite(denom)] = 2.0 * np.outer(flip_axis, flip_axis) - np.eye(3)
    return rot


def _perpendicular(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Component of ``v`` (frames, 3) perpendicular to unit ``axis`` (frames, 3)."""
    return v - np.sum(v * axis, axis=-1, keepdims=True) * axis


def _fade(strength: np.ndarray) -> np.ndarray:
    """Twist weight in [0, 1]: smoothstep of ``strength`` over :data:`TWIST_FADE`; 0 for NaN."""
    lo, hi = TWIST_FADE
    x = np.clip((np.nan_to_num(strength, nan=0.0) - lo) / (hi - lo), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


# --------------------------------------------------------------------------- rotations
def _term(points: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """One secondary term (frames, 3): unit(b - a), or unit(b - a) x unit(d - c)."""
    first = unit_vectors(points[names[1]] - points[names[0]])
    if len(names) == 2:
        return first
    return np.cross(first, unit_vectors(points[names[3]] - points[names[2]]))


def _secondary(points: dict[str, np.ndarray], terms: tuple[tuple[str, ...], ...]) -> np.ndarray:
    """Sum of the :class:`Aim` secondary terms, (frames, 3); NaN where a point is missing."""
    return sum(_term(points, names) for names in terms)


def blend_twist(delta: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Twist angles (frames,) about the bone, radians, from the minimal (swing) rotation.

    ``twist[t] = w[t] * delta[t] + (1 - w[t]) * twist[t - 1]``, starting from 0, with
    ``delta[t]`` (the secondary's twist) shifted by the multiple of 2 pi nearest
    ``twist[t - 1]``: the secondary where it is strong (``w = 1``), the previous twist
    relative to the parent where it has faded (``w = 0``, or ``delta`` NaN), a smooth
    blend between; never a jump at the +-180 degree wrap.
    """
    out = np.empty(len(delta))
    prev = 0.0
    for f, (d, w) in enumerate(zip(delta.tolist(), weight.tolist(), strict=True)):
        if w > 0.0 and math.isfinite(d):
            d += 2.0 * math.pi * round((prev - d) / (2.0 * math.pi))
            prev = w * d + (1.0 - w) * prev
        out[f] = prev
    return out


def aim_rotation(parent: np.ndarray, bone: np.ndarray, secondary: np.ndarray,
                 rest: np.ndarray, rest_up: np.ndarray) -> np.ndarray:
    """Global rotations of an aimed joint (module docstring).

    Parameters
    ----------
    parent : array (frames, 3, 3)
        The parent's global rotations (identity for the root).
    bone : array (frames, 3)
        Current bone vector, world axes (any length unit).
    secondary : array (frames, 3)
        Current secondary direction (need not be unit or perpendicular); NaN allowed.
    rest, rest_up : array (3,)
        Unit rest bone and secondary directions (perpendicular).

    Returns
    -------
    array (frames, 3, 3)
        ``R`` with ``R @ rest`` = the unit bone direction and ``R @ rest_up`` twisted about
        it by :func:`blend_twist` (towards the secondary, weighted by how far it stands
        off the bone); NaN where the bone is missing.
    """
    axis = unit_vectors(bone)
    swing = parent @ _swing(rest, np.einsum("fji,fj->fi", parent, axis), rest_up)
    current = swing @ rest_up
    side = _perpendicular(secondary, axis)
    target = unit_vectors(side)
    delta = np.arctan2(np.sum(np.cross(current, target) * axis, axis=-1),
                       np.sum(current * target, axis=-1))
    twist = blend_twist(delta, _fade(np.linalg.norm(side, axis=-1)))
    return _axis_angle(np.nan_to_num(axis), twist) @ swing


def kabsch(rest: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Proper rotations best mapping rest vectors onto current ones (least squares).

    Parameters
    ----------
    rest : array (points, 3)
        Rest vectors (e.g. face points about the head).
    current : array (frames, points, 3)
        The same vectors in each frame.

    Returns
    -------
    array (frames, 3, 3)
        ``R`` minimising ``sum |R @ rest_i - current_i|^2`` with ``det R = +1`` (Kabsch
        1976); NaN rows where any current vector is NaN.
    """
    valid = np.isfinite(current).all(axis=(1, 2))
    out = np.full((current.shape[0], 3, 3), np.nan)
    if not valid.any():
        return out
    h = np.einsum("pi,fpj->fij", rest, current[valid])
    u, _, vt = np.linalg.svd(h)
    det = np.linalg.det(np.swapaxes(vt, -1, -2) @ np.swapaxes(u, -1, -2))
    fix = np.eye(3) * np.ones((len(det), 1, 1))
    fix[:, 2, 2] = np.where(det < 0, -1.0, 1.0)
    out[valid] = np.swapaxes(vt, -1, -2) @ fix @ np.swapaxes(u, -1, -2)
    return out


def _frame(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Orthonormal frames (frames, 3, 3), columns: primary, secondary made perpendicular, cross."""
    e1 = unit_vectors(primary)
    e2 = unit_vectors(_perpendicular(secondary, e1))
    return np.stack([e1, e2, np.cross(e1, e2)], axis=-1)


def face_rest(points: dict[str, np.ndarray], complete: np.ndarray) -> np.ndarray:
    """Rest face points (len(FACE_POINTS), 3) about the head point, metres.

    Median over the complete frames of each point in the head frame (ear line, neck ->
    head), which in the T-pose rest is the world frame (+X left, +Y up).
    """
    frame = _frame(points["left_ear"] - points["right_ear"], points["head"] - points["neck"])
    local = [np.einsum("fji,fj->fi", frame, points[p] - points["head"]) for p in FACE_POINTS]
    return np.stack([np.median(v[complete], axis=0) for v in local])


def global_rotations(points: dict[str, np.ndarray],
                     complete: np.ndarray) -> dict[str, np.ndarray]:
    """Global rotation (frames, 3, 3) of every :data:`NODES` joint; NaN where unknown."""
    rot: dict[str, np.ndarray] = {}
    n = complete.shape[0]
    for node in NODES:
        parent = rot[node.parent] if node.parent else np.broadcast_to(np.eye(3), (n, 3, 3))
        if isinstance(node.rotation, Aim):
            a = node.rotation
            rot[node.name] = aim_rotation(parent, points[a.target] - points[a.origin],
                                          _secondary(points, a.secondary),
                                          np.array(a.rest), np.array(a.rest_up))
        elif node.rotation == "kabsch":
            current = np.stack([points[p] - points["head"] for p in FACE_POINTS], axis=1)
            rot[node.name] = kabsch(face_rest(points, complete), current)
        else:
            rot[node.name] = np.array(parent)
    return rot


# --------------------------------------------------------------------------- rest pose
def stature(points: dict[str, np.ndarray], complete: np.ndarray) -> float:
    """Stature estimate in metres: (thigh + shank + hip-to-shoulder) / 0.779 (Winter 2009).

    The same formula as the reader's (:func:`balletmirror.io.bvh.estimate_stature`), on
    median lengths over the complete frames, averaged over left and right.
    """
    def length(a: str, b: str) -> float:
        return float(np.mean([np.median(np.linalg.norm(
            points[f"{s}_{a}"][complete] - points[f"{s}_{b}"][complete], axis=-1))
            for s in ("left", "right")]))
    return (length("hip", "knee") + length("knee", "ankle")
            + length("hip", "shoulder")) / ANKLE_TO_SHOULDER


def rest_offsets(points: dict[str, np.ndarray], rot: dict[str, np.ndarray],
                 complete: np.ndarray) -> dict[str, np.ndarray]:
    """OFFSET (3,) of every joint and end site (``"<joint>/End Site"``), metres.

    A joint's OFFSET is the median over the complete frames of its bone vector in its
    parent's frame; the root's is zero; end sites are fractions of :func:`stature`.
    """
    offsets = {NODES[0].name: np.zeros(3)}
    height = stature(points, complete)
    parents = {node.name: node for node in NODES}
    for node in NODES[1:]:
        parent = parents[node.parent]
        bone = points[node.point] - points[parent.point]
        local = np.einsum("fji,fj->fi", rot[parent.name][complete], bone[complete])
        offsets[node.name] = np.median(local, axis=0)
    for node in NODES:
        if node.end is not None:
            offsets[f"{node.name}/End Site"] = np.array(node.end[0]) * node.end[1] * height
    return offsets


# --------------------------------------------------------------------------- channels
def _alternative(euler: np.ndarray) -> np.ndarray:
    """The other Tait-Bryan solution ``(a + 180, 180 - b, c + 180)`` of (..., 3) degrees."""
    alt = euler + np.array([180.0, 0.0, 180.0])
    alt[..., 1] = 180.0 - euler[..., 1]
    return alt


def _first_known(values: np.ndarray) -> np.ndarray:
    """(nodes, 3): each node's first finite row of ``values`` (frames, nodes, 3), else 0."""
    known = np.isfinite(values).all(axis=-1)
    first = np.argmax(known, axis=0)
    rows = values[first, np.arange(values.shape[1])]
    return np.where(known.any(axis=0)[:, None], rows, 0.0)


def continuous_euler(euler: np.ndarray) -> np.ndarray:
    """Make Euler angles continuous over time and fill NaN rows with the previous ones.

    Parameters
    ----------
    euler : array (frames, nodes, 3)
        Degrees, any of the equivalent solutions, NaN where unknown.

    Returns
    -------
    array (frames, nodes, 3)
        Per frame and node, of the two Tait-Bryan solutions with each channel shifted by
        the multiple of 360 nearest the previous frame, the one nearest it (sum of
        absolute differences); unknown rows repeat the previous frame (the first known
        row before it).
    """
    alt = _alternative(euler)
    out = np.empty_like(euler)
    prev = _first_known(euler)
    for f in range(euler.shape[0]):
        cands = np.stack([euler[f], alt[f]])
        cands = cands + 360.0 * np.round((prev - cands) / 360.0)
        dist = np.abs(cands - prev).sum(axis=-1)
        pick = np.where((dist[1] < dist[0])[:, None], cands[1], cands[0])
        prev = np.where(np.isfinite(pick), pick, prev)
        out[f] = prev
    return out


def local_euler(rot: dict[str, np.ndarray]) -> np.ndarray:
    """Local rotations of :data:`NODES` as continuous Euler angles (frames, nodes, 3), degrees.

    Channels in :data:`ROTATION_ORDER` (``Z, X, Y``); see :func:`continuous_euler`.
    """
    local = []
    for node in NODES:
        r = rot[node.name]
        local.append(np.swapaxes(rot[node.parent], -1, -2) @ r if node.parent else r)
    local = np.stack(local, axis=1)
    valid = np.isfinite(local).all(axis=(-2, -1))
    euler = np.full(local.shape[:-1], np.nan)
    with warnings.catch_warnings():
        # Exact gimbal lock: scipy sets the last angle to 0; continuity is handled below.
        warnings.filterwarnings("ignore", message="Gimbal lock detected")
        euler[valid] = Rotation.from_matrix(local[valid]).as_euler(ROTATION_ORDER, degrees=True)
    return continuous_euler(euler)


def hold(values: np.ndarray) -> np.ndarray:
    """Fill NaN rows of ``values`` (frames, k) with the previous finite row (first one before)."""
    known = np.isfinite(values).all(axis=-1)
    index = np.where(known, np.arange(len(values)), 0)
    np.maximum.accumulate(index, out=index)
    index[: int(np.argmax(known))] = int(np.argmax(known))
    return values[index]


# --------------------------------------------------------------------------- text
def _hierarchy_lines(offsets: dict[str, np.ndarray], scale: float, prefix: str) -> list[str]:
    """The HIERARCHY section, one string per line, offsets in file units."""
    children: dict[str | None, list[Node]] = {}
    for node in NODES:
        children.setdefault(node.parent, []).append(node)

    def block(node: Node, depth: int) -> list[str]:
        pad = "\t" * depth
        head = "ROOT" if node.parent is None else "JOINT"
        channels = (POSITION_CHANNELS if node.parent is None else ()) + ROTATION_CHANNELS
        lines = [f"{pad}{head} {prefix}{node.name}", pad + "{",
                 f"{pad}\tOFFSET {_numbers(offsets[node.name] * scale)}",
                 f"{pad}\tCHANNELS {len(channels)} {' '.join(channels)}"]
        for child in children.get(node.name, []):
            lines += block(child, depth + 1)
        if node.end is not None:
            end = offsets[f"{node.name}/End Site"] * scale
            lines += [f"{pad}\tEnd Site", f"{pad}\t{{", f"{pad}\t\tOFFSET {_numbers(end)}",
                      f"{pad}\t}}"]
        return lines + [pad + "}"]

    return ["HIERARCHY", *block(NODES[0], 0)]


def _numbers(values: np.ndarray) -> str:
    return " ".join(f"{v:.6f}" for v in np.round(values, 6) + 0.0)


# --------------------------------------------------------------------------- public
def _check_options(units: str, rig: str) -> None:
    if units not in UNIT_SCALES:
        raise ConfigError(f"Expected units in {tuple(UNIT_SCALES)}, but got {units!r}")
    if rig not in RIG_PREFIXES:
        raise ConfigError(f"Expected rig in {tuple(RIG_PREFIXES)}, but got {rig!r}")


def _check_motion(motion: Motion) -> None:
    if motion.space != "world" or motion.units != "m":
        raise InputError(f"BVH export needs a world-space Motion in metres, but got "
                         f"space={motion.space!r}, units={motion.units!r}")


def _points(motion: Motion) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Named points (frames, 3) in metres and the complete frames (frames,) bool.

    The canonical joints plus ``"head"`` (mid-ears) and ``"pelvis_up"`` (:func:`pelvis_up`).
    """
    points = {name: motion.positions[:, J[name]] for name in JOINTS}
    complete = motion.present[:, [J[name] for name in NEEDED_JOINTS]].all(axis=1)
    if not complete.any():
        raise InputError("BVH export needs at least one frame with every joint "
                         f"({', '.join(NEEDED_JOINTS)}), but no frame has them all")
    points["head"] = 0.5 * (points["left_ear"] + points["right_ear"])
    points["pelvis_up"] = pelvis_up(points, complete)
    return points, complete


def pelvis_up(points: dict[str, np.ndarray], complete: np.ndarray) -> np.ndarray:
    """The point (frames, 3) the root's twist turns towards, seen from the pelvis centre.

    Where the pelvis centre sits off the hip line (median distance over the complete
    frames above :data:`PELVIS_OFFSET` x the hip width: a mocap root joint, rigid with the
    hips) that offset, so the hips keep their place about it; otherwise (the mid-point of
    the hips: video, markers) the neck.
    """
    line = unit_vectors(points["left_hip"] - points["right_hip"])
    offset = _perpendicular(points["mid_hip"] - points["right_hip"], line)
    width = np.linalg.norm(points["left_hip"] - points["right_hip"], axis=-1)
    off_line = np.median(np.linalg.norm(offset[complete], axis=-1))
    if off_line > PELVIS_OFFSET * np.median(width[complete]):
        return points["mid_hip"] + offset
    return points["neck"]


def bvh_channels(motion: Motion) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Rest offsets and channel values of a Motion, before units and text.

    Returns
    -------
    offsets : dict
        Joint (and ``"<joint>/End Site"``) -> OFFSET (3,), metres.
    values : array (frames, 6 + 3 * (len(NODES) - 1))
        Root position (metres) then each joint's ``Z X Y`` rotation (degrees), in
        :data:`NODES` order.

    Raises
    ------
    InputError
        Not world space in metres, or no frame with every joint.
    """
    _check_motion(motion)
    points, complete = _points(motion)
    rot = global_rotations(points, complete)
    offsets = rest_offsets(points, rot, complete)
    euler = local_euler(rot)
    values = np.concatenate([hold(points["mid_hip"]), euler.reshape(len(euler), -1)], axis=1)
    return offsets, values


def write_bvh(motion: Motion, path: str | Path, *, units: str = "cm",
              rig: str = "cmu") -> Path:
    """Write a world-space Motion to a BVH file (hierarchy and method: module docstring).

    Parameters
    ----------
    motion : Motion
        ``space="world"``, ``units="m"``, positions (frames, 23, 3), Y up.
    path : path
        The ``.bvh`` file to write (its folder must exist); overwritten if present.
    units : {"cm", "m", "mm", "in", "cmu"}
        Length unit of the OFFSETs and root positions (:data:`balletmirror.io.bvh.UNIT_SCALES`).
    rig : {"cmu", "mixamo"}
        Joint names: CMU's, or the same with the ``mixamorig:`` prefix.

    Returns
    -------
    Path
        ``path``.  ``Frames`` = motion.n_frames, ``Frame Time`` = 1 / motion.fps seconds.

    Raises
    ------
    InputError
        The Motion is not world space in metres, or no frame has every joint
        (:data:`NEEDED_JOINTS`); the file cannot be written.
    ConfigError
        ``units`` or ``rig`` outside the choices above.
    """
    path = Path(path)
    _check_options(units, rig)
    scale = 1.0 / UNIT_SCALES[units]
    offsets, values = bvh_channels(motion)
    values[:, :3] *= scale
    values = np.round(values, 6) + 0.0  # no "-0.000000"
    lines = _hierarchy_lines(offsets, scale, RIG_PREFIXES[rig])
    lines += ["MOTION", f"Frames: {motion.n_frames}", f"Frame Time: {1.0 / motion.fps:.10f}"]
    try:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
            np.savetxt(fh, values, fmt="%.6f", delimiter=" ")
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return path


