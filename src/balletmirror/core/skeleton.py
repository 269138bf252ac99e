"""The canonical named skeleton every reader maps to.

Joint order is fixed; index with :func:`joint_index` or the ``J`` mapping, never with
literal numbers.  ``mid_hip`` (the pelvis centre) and ``neck`` (the mid-point of the
shoulders, roughly C7) are *derived* joints: readers may fill them from a real root
or neck joint (mocap), otherwise :class:`balletmirror.core.motion.Motion` derives them
from the hips and the shoulders.  Sides are the dancer's own: ``left_knee`` is her
left knee whichever way she faces.
"""

from __future__ import annotations

from typing import Final

JOINTS: Final[tuple[str, ...]] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
    "mid_hip",
    "neck",
)

J: Final[dict[str, int]] = {name: i for i, name in enumerate(JOINTS)}

#: Her two sides, and each side's other.
SIDES: Final[tuple[str, str]] = ("left", "right")
OTHER: Final[dict[str, str]] = {"left": "right", "right": "left"}

#: Derived joints and the pair of joints whose mid-point defines them.
DERIVED: Final[dict[str, tuple[str, str]]] = {
    "mid_hip": ("left_hip", "right_hip"),
    "neck": ("left_shoulder", "right_shoulder"),
}

#: Bones drawn and measured: (parent, child).
BONES: Final[tuple[tuple[str, str], ...]] = (
    ("neck", "nose"),
    ("nose", "left_eye"),
    ("nose", "right_eye"),
    ("left_eye", "left_ear"),
    ("right_eye", "right_ear"),
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("left_ankle", "left_toe"),
    ("left_heel", "left_toe"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
    ("right_ankle", "right_toe"),
    ("right_heel", "right_toe"),
    ("mid_hip", "neck"),
)

#: Limb groups whose left/right labels a pose model can swap together.
SWAP_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "legs": ("hip", "knee", "ankle", "heel", "toe"),
    "arms": ("shoulder", "elbow", "wrist"),
    "face": ("eye", "ear"),
}


def joint_index(name: str) -> int:
    """Index of ``name`` in :data:`JOINTS`; raises ``KeyError`` with the valid names."""
    try:
        return J[name]
    except KeyError:
        raise KeyError(f"Expected one of {', '.join(JOINTS)}, but got {name!r}") from None


def mirror_name(name: str) -> str:
    """The joint on the other side: ``left_knee`` -> ``right_knee``; centre joints stay."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


#: Permutation that swaps every left joint with its right twin.
MIRROR_PERMUTATION: Final[tuple[int, ...]] = tuple(J[mirror_name(n)] for n in JOINTS)


def group_pairs(group: str) -> list[tuple[int, int]]:
    """(left index, right index) of each joint in a :data:`SWAP_GROUPS` group."""
    return [(J[f"left_{part}"], J[f"right_{part}"]) for part in SWAP_GROUPS[group]]
