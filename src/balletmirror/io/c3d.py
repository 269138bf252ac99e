"""Read C3D motion-capture marker files into a world-space
:class:`~balletmirror.core.motion.Motion`.

A C3D file holds the 3D trajectories of skin markers, not joints.  This reader
turns markers into the canonical joints of :mod:`balletmirror.core.skeleton` with the
table below (:data:`MARKER_MAP`), for the Vicon Plug-in Gait full-body set and the
CMU Graphics Lab set (which uses the Plug-in Gait names except at the waist, see
:data:`MARKER_ALIASES`).

Markers → canonical joints
--------------------------
Each joint lists recipes in order of preference; per frame the first recipe whose
markers are all present is used ("A+B" is the mid-point of A and B).

==================  ==============================================  ====================
joint               recipe(s)                                       note
==================  ==============================================  ====================
left/right_hip      Harrington 2007 regression from LASI, RASI and  hip joint centre
                    the mid-point of LPSI+RPSI (or SACR)            (see below)
left/right_knee     LKNE+LKNM, else LKNE                            lateral (+ medial)
left/right_ankle    LANK+LMED, else LANK                            lateral (+ medial)
left/right_heel     LHEE
left/right_toe      LTOE                                            2nd metatarsal head
left/right_shoulder LSHO                                            acromion marker
left/right_elbow    LELB                                            lateral epicondyle
left/right_wrist    LWRA+LWRB, else LWRA, else LWRB                 radial/ulnar styloid
left/right_ear      LFHD+LBHD                                       side of the head
left_eye            0.7·LFHD + 0.3·RFHD                             approximation
right_eye           0.7·RFHD + 0.3·LFHD                             approximation
nose                LFHD+RFHD                                       front of the head
neck                C7+CLAV                                         root of the neck
mid_hip             (derived by Motion: mid-point of the hips)
==================  ==============================================  ====================

(Right joints use the ``R`` markers.)  CMU names: ``LFWT/RFWT`` (front waist) are
read as ``LASI/RASI`` and ``LBWT/RBWT`` (back waist) as ``LPSI/RPSI``; the rest of
the CMU set (``LFHD``, ``LSHO``, ``LELB``, ``LWRA/LWRB``, ``LKNE``, ``LANK``,
``LHEE``, ``LTOE``, ``C7``, ``CLAV``...) already uses these names.  A label's subject
prefix (``"Subject:LKNE"``) is dropped and labels are compared in upper case.

Approximations (documented, not hidden):

* **Hips** use the regression of Harrington et al. (2007), *J Biomech* 40:595-602,
  in the pelvis frame (origin mid-ASIS, x anterior, y superior, z to the right)::

      x = -0.24 PD - 9.9 mm,   y = -0.30 PW - 10.9 mm,   z = ±(0.33 PW + 7.3 mm)

  with PW the inter-ASIS distance and PD the distance from mid-ASIS to mid-PSIS.
  CMU waist markers sit on a belt near, not on, ASIS/PSIS: expect a centimetre or two.
* **Head**: Plug-in Gait has four head markers and no face markers.  The "nose" is
  the front of the head (forehead height, ~8 cm above the nose tip), the ears are the
  mid-points of the front and back head marker of each side, and the eyes lie on the
  front-head line 0.2·|LFHD-RFHD| either side of its centre (weights 0.7/0.3).
* **Single-marker fallbacks** (a knee without its medial marker, a wrist with one of
  its two markers) are used per frame and are biased by about the marker's distance
  from the joint centre (2-5 cm).

Axes and units
--------------
C3D laboratories are almost always **Z up**; balletmirror's world is Y up,
right-handed.  The conversion is a -90° rotation about X:
``(x, y, z) -> (x, z, -y)`` (determinant +1, so handedness is kept).  Give
``up="y"`` for a file that is already Y up.  Positions are scaled to metres from the
``POINT:UNITS`` parameter (``mm``, ``cm`` or ``m``; ``mm`` is assumed when absent),
or from the ``units`` option, which overrides it.

Missing markers (NaN in ezc3d, or a negative residual) give NaN positions with
confidence 0; present joints have confidence 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InputError
from ..core.geometry import unit_vectors
from ..core.motion import Motion, empty_arrays, uniform_times
from ..core.skeleton import JOINTS, J

#: A recipe: (marker, weight) pairs whose weighted sum is the joint (weights sum to 1).
Recipe = tuple[tuple[str, float], ...]

#: Marker names of other sets read as their Plug-in Gait equivalent (CMU waist belt).
MARKER_ALIASES: dict[str, str] = {
    "LFWT": "LASI",
    "RFWT": "RASI",
    "LBWT": "LPSI",
    "RBWT": "RPSI",
}

#: Joints that must be mapped for the file to be usable.
REQUIRED_JOINTS: tuple[str, ...] = (
    "left_hip", "right_hip", "left_knee", "right_knee",
    "left_ankle", "right_ankle", "left_shoulder", "right_shoulder",
)

#: Length units of ``POINT:UNITS`` and the ``units`` option, in metres per unit.
UNIT_SCALE: dict[str, float] = {
    "mm": 1e-3, "millimeter": 1e-3, "millimeters": 1e-3, "millimetre": 1e-3,
    "millimetres": 1e-3, "cm": 1e-2, "m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0,
    "metres": 1.0,
}

# Harrington et al. (2007) hip regression, coefficients and offsets in metres.
_HJC_AP = (-0.24, -0.0099)   # times pelvis depth
_HJC_SI = (-0.30, -0.0109)   # times pelvis width
_HJC_ML = (0.33, 0.0073)     # times pelvis width

#: The hip joint centres are computed by :func:`harrington_hip_centres`.
HIP_REGRESSION = "harrington2007"


def _mean(*names: str) -> Recipe:
    return tuple((name, 1.0 / len(names)) for name in names)


def _sided(side: str) -> dict[str, tuple[Recipe, ...]]:
    s = side[0].upper()
    o = "R" if s == "L" else "L"
    return {
        f"{side}_knee": (_mean(f"{s}KNE", f"{s}KNM"), _mean(f"{s}KNE")),
        f"{side}_ankle": (_mean(f"{s}ANK", f"{s}MED"), _mean(f"{s}ANK")),
        f"{side}_heel": (_mean(f"{s}HEE"),),
        f"{side}_toe": (_mean(f"{s}TOE"),),
        f"{side}_shoulder": (_mean(f"{s}SHO"),),
        f"{side}_elbow": (_mean(f"{s}ELB"),),
        f"{side}_wrist": (_mean(f"{s}WRA", f"{s}WRB"), _mean(f"{s}WRA"), _mean(f"{s}WRB")),
        f"{side}_ear": (_mean(f"{s}FHD", f"{s}BHD"),),
        f"{side}_eye": (((f"{s}FHD", 0.7), (f"{o}FHD", 0.3)),),
    }


#: Canonical joint -> recipes in order of preference (hips: see :data:`HIP_REGRESSION`).
MARKER_MAP: dict[str, tuple[Recipe, ...]] = {
    "nose": (_mean("LFHD", "RFHD"),),
    "neck": (_mean("C7", "CLAV"),),
    **_sided("left"),
    **_sided("right"),
}


# --------------------------------------------------------------------- geometry
def harrington_hip_centres(
    lasi: np.ndarray, rasi: np.ndarray, back: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hip joint centres from the pelvis markers (Harrington et al. 2007).

    Parameters
    ----------
    lasi, rasi : array (frames, 3)
        Left and right anterior superior iliac spine markers, metres, any right-handed
        frame.
    back : array (frames, 3)
        Mid-point of the posterior superior iliac spines (or the sacrum marker), metres.

    Returns
    -------
    left, right : array (frames, 3)
        Hip joint centres in metres, same frame; NaN where a marker is NaN.

    Notes
    -----
    Pelvis frame: origin mid-ASIS, z = unit(RASI - LASI) (to the right), x = the
    mid-PSIS→mid-ASIS direction made orthogonal to z (anterior), y = z × x (superior).
    With PW = |RASI - LASI| and PD = |mid-ASIS - back| in mm the centre is at
    x = -0.24 PD - 9.9, y = -0.30 PW - 10.9, z = ±(0.33 PW + 7.3) (+ right, - left).
    Harrington ME, Zavatsky AB, Lawson SEM, Yuan Z, Theologis TN (2007), J Biomech
    40(3):595-602, doi:10.1016/j.jbiomech.2006.02.003.
    """
    origin = 0.5 * (lasi + rasi)
    width = np.linalg.norm(rasi - lasi, axis=-1, keepdims=True)
    forward = origin - back
    depth = np.linalg.norm(forward, axis=-1, keepdims=True)
    z = unit_vectors(rasi - lasi)
    x = unit_vectors(forward - np.sum(forward * z, axis=-1, keepdims=True) * z)
    y = np.cross(z, x)
    centre = (origin + (_HJC_AP[0] * depth + _HJC_AP[1]) * x
              + (_HJC_SI[0] * width + _HJC_SI[1]) * y)
    lateral = (_HJC_ML[0] * width + _HJC_ML[1]) * z
    return centre - lateral, centre + lateral


def z_up_to_y_up(points: np.ndarray) -> np.ndarray:
    """Rotate Z-up coordinates to Y-up: ``(x, y, z) -> (x, z, -y)``.

    Parameters
    ----------
    points : array (..., 3)
        Right-handed, Z up.

    Returns
    -------
    array (..., 3)
        Right-handed, Y up (a -90° rotation about X; lengths and handedness kept).
    """
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


# ------------------------------------------------------------------ file access
def _import_ezc3d() -> Any:
    try:
        import ezc3d
    except ImportError:
        raise InputError("reading C3D files needs ezc3d: pip install 'balletmirror[c3d]'") \
            from None
    return ezc3d


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _open_c3d(path: Path) -> Any:
    ezc3d = _import_ezc3d()
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    try:
        return ezc3d.c3d(str(path))
    except (OSError, RuntimeError, ValueError, IndexError) as exc:
        raise InputError(f"{path}: not a readable C3D file ({_one_line(exc)}); "
                         "export the trial again as C3D") from None


def _param(c3d: Any, name: str) -> Any:
    """The value of ``POINT:<name>``, or None when absent or empty."""
    entry = c3d["parameters"]["POINT"].get(name)
    value = None if entry is None else entry.get("value")
    if value is None or len(value) == 0:
        return None
    return value


def strip_label(label: str) -> str:
    """``"Subject:LKNE "`` -> ``"LKNE"``: drop the subject prefix, blanks; upper case."""
    return str(label).split(":")[-1].strip().upper()


def _markers(c3d: Any) -> tuple[list[str], np.ndarray]:
    """Labels (stripped) and points (frames, markers, 3) in file units, NaN where missing."""
    raw: list[str] = []
    for key in ("LABELS", "LABELS2", "LABELS3", "LABELS4"):
        raw += list(_param(c3d, key) or [])
    labels = [strip_label(lab) for lab in raw]
    data = np.asarray(c3d["data"]["points"], dtype=np.float64)
    points = np.transpose(data[:3], (2, 1, 0)).copy()
    residuals = c3d["data"].get("meta_points", {}).get("residuals")
    if residuals is not None and np.size(residuals):
        bad = np.asarray(residuals, dtype=np.float64)[0].T < 0
        points[bad] = np.nan
    return labels[: points.shape[1]], points


def _unit_scale(path: Path, c3d: Any, units: str | None) -> tuple[float, str, bool]:
    """Metres per file unit, the unit name, and whether it was assumed."""
    found = _param(c3d, "UNITS")
    name = units or (str(found[0]).strip() if found is not None else "")
    assumed = not name
    name = (name or "mm").lower()
    if name not in UNIT_SCALE:
        raise InputError(f"{path}: unknown point units {name!r}; pass units='mm', 'cm' or 'm'")
    return UNIT_SCALE[name], name, assumed


def _frame_rate(path: Path, c3d: Any) -> float:
    rate = _param(c3d, "RATE")
    fps = float(rate[0]) if rate is not None else float(c3d["header"]["points"]["frame_rate"])
    if not np.isfinite(fps) or fps <= 0:
        raise InputError(f"{path}: the C3D file has no valid POINT:RATE ({fps}); "
                         "fix the export settings")
    return fps


# -------------------------------------------------------------------- mapping
def marker_table(labels: Sequence[str], points: np.ndarray) -> dict[str, np.ndarray]:
    """Marker name -> trajectory (frames, 3), with :data:`MARKER_ALIASES` added.

    An alias (``LFWT`` read as ``LASI``) is added only when the file has no marker of
    the Plug-in Gait name; the first of duplicated labels wins.
    """
    table: dict[str, np.ndarray] = {}
    for i, label in enumerate(labels):
        table.setdefault(label, points[:, i])
    for alias, name in MARKER_ALIASES.items():
        if alias in table and name not in table:
            table[name] = table[alias]
    return table


def _apply_recipe(recipe: Recipe, markers: Mapping[str, np.ndarray]) -> np.ndarray:
    return sum(weight * markers[name] for name, weight in recipe)


def _describe(recipe: Recipe) -> str:
    if len({w for _, w in recipe}) == 1:
        return "+".join(name for name, _ in recipe)
    return " + ".join(f"{w:g}*{name}" for name, w in recipe)


def resolve_joint(
    recipes: Sequence[Recipe], markers: Mapping[str, np.ndarray], n_frames: int
) -> tuple[np.ndarray, list[str]]:
    """Positions (frames, 3) of one joint from its recipes, and the recipes used.

    Per frame the first recipe whose markers are all present gives the position;
    recipes naming a marker the file lacks are skipped.  NaN where none applies.
    """
    out = np.full((n_frames, 3), np.nan)
    used = []
    for recipe in recipes:
        if not all(name in markers for name, _ in recipe):
            continue
        value = _apply_recipe(recipe, markers)
        fill = np.isnan(out).any(axis=1) & ~np.isnan(value).any(axis=1)
        out[fill] = value[fill]
        used.append(_describe(recipe))
    return out, used


def _pelvis_back(markers: Mapping[str, np.ndarray]) -> tuple[np.ndarray | None, str]:
    if "LPSI" in markers and "RPSI" in markers:
        back = 0.5 * (markers["LPSI"] + markers["RPSI"])
        if "SACR" in markers:
            back = np.where(np.isnan(back), markers["SACR"], back)
            return back, "LPSI+RPSI (else SACR)"
        return back, "LPSI+RPSI"
    if "SACR" in markers:
        return markers["SACR"], "SACR"
    return None, ""


def _hips(markers: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, str] | None:
    back, back_name = _pelvis_back(markers)
    if back is None or "LASI" not in markers or "RASI" not in markers:
        return None
    left, right = harrington_hip_centres(markers["LASI"], markers["RASI"], back)
    return left, right, f"Harrington 2007 regression from LASI, RASI, {back_name}"


def _user_recipes(
    path: Path, markers: Mapping[str, Any], mapping: Mapping[str, Any]
) -> dict[str, tuple[Recipe, ...]]:
    """A user ``mapping`` {joint: label | [labels] | None} as recipes (None: unmapped)."""
    unknown = sorted(set(mapping) - set(JOINTS))
    if unknown:
        raise InputError(f"{path}: mapping names unknown joints {unknown}; "
                         f"valid joints: {', '.join(JOINTS)}")
    recipes: dict[str, tuple[Recipe, ...]] = {}
    for joint, labels in mapping.items():
        names = [] if labels is None else [labels] if isinstance(labels, str) else list(labels)
        recipes[joint] = (_mean(*(strip_label(n) for n in names)),) if names else ()
    absent = sorted({n for r in recipes.values() for rec in r for n, _ in rec} - set(markers))
    if absent:
        raise InputError(f"{path}: mapping names markers the file lacks ({', '.join(absent)}); "
                         f"labels found: {', '.join(sorted(markers))}")
    return recipes


def map_markers(
    markers: Mapping[str, np.ndarray], n_frames: int,
    overrides: Mapping[str, tuple[Recipe, ...]] | None = None,
) -> tuple[np.ndarray, dict[str, str]]:
    """Canonical positions (frames, joints, 3) from markers, and the recipe of each joint.

    ``overrides`` (joint -> recipes) replace :data:`MARKER_MAP` and the hip regression
    for their joints; an empty tuple leaves the joint unmapped.
    """
    overrides = dict(overrides or {})
    positions = np.full((n_frames, len(JOINTS), 3), np.nan)
    used: dict[str, str] = {}
    hips = _hips(markers)
    for side, index in (("left", 0), ("right", 1)):
        if hips is not None and f"{side}_hip" not in overrides:
            positions[:, J[f"{side}_hip"]] = hips[index]
            used[f"{side}_hip"] = hips[2]
    for joint, recipes in {**MARKER_MAP, **overrides}.items():
        value, names = resolve_joint(recipes, markers, n_frames)
        if names:
            positions[:, J[joint]] = value
            used[joint] = ", else ".join(names)
    return positions, used


def _marker_set(markers: Mapping[str, Any], custom: bool) -> str:
    if custom:
        return "custom"
    if "LASI" in markers and "LFWT" not in markers:
        return "plug-in-gait"
    if "LFWT" in markers:
        return "cmu"
    return "unknown"


def _check_required(path: Path, used: Mapping[str, str], labels: Sequence[str]) -> None:
    missing = [j for j in REQUIRED_JOINTS if j not in used]
    if missing:
        shown = ", ".join(labels[:60]) + (" ..." if len(labels) > 60 else "")
        raise InputError(
            f"{path}: cannot map the required joints {', '.join(missing)} from the marker "
            f"labels found ({shown or 'none'}); pass mapping={{joint: marker label}} "
            "to name them")


# ---------------------------------------------------------------------- reader
def read_c3d(
    path: Path, *, mapping: Mapping[str, Any] | None = None, units: str | None = None,
    up: str = "z",
) -> Motion:
    """Read a C3D marker file as a world-space Motion of the canonical skeleton.

    Parameters
    ----------
    path : Path
        The ``.c3d`` file.
    mapping : dict, optional
        ``{joint: marker label | [labels] | None}``: overrides :data:`MARKER_MAP` (and
        the hip regression) for those joints; several labels are averaged; None leaves
        the joint unmapped.  Labels are matched without subject prefix, in upper case.
    units : {"mm", "cm", "m"}, optional
        Overrides the file's ``POINT:UNITS`` (``mm`` assumed when it has none).
    up : {"z", "y"}
        The file's vertical axis; ``"z"`` (the C3D norm) is rotated to Y up.

    Returns
    -------
    Motion
        ``space="world"``, ``units="m"``, positions (frames, joints, 3) Y up; NaN and
        confidence 0 where markers are missing, confidence 1 elsewhere; times
        ``i / POINT:RATE`` seconds from the first stored frame.

    Raises
    ------
    InputError
        ezc3d missing, unreadable or non-C3D file, unknown units, bad mapping, or the
        hips, knees, ankles and shoulders cannot all be mapped.
    """
    path = Path(path)
    if up not in ("y", "z"):
        raise InputError(f"{path}: expected up='z' or 'y', but got {up!r}")
    c3d = _open_c3d(path)
    labels, points = _markers(c3d)
    if points.shape[0] == 0:
        raise InputError(f"{path}: the C3D file holds no point frames; export the markers")
    scale, unit_name, assumed = _unit_scale(path, c3d, units)
    points = points * scale
    if up == "z":
        points = z_up_to_y_up(points)
    markers = marker_table(labels, points)
    overrides = _user_recipes(path, markers, mapping) if mapping else None
    joints, used = map_markers(markers, points.shape[0], overrides)
    _check_required(path, used, labels)
    fps = _frame_rate(path, c3d)
    _, confidence = empty_arrays(points.shape[0], 3)
    confidence[~np.isnan(joints).any(axis=-1)] = 1.0
    provenance = {
        "reader": "c3d", "path": str(path), "marker_set": _marker_set(markers, bool(mapping)),
        "mapping": used, "labels": labels, "source_units": unit_name,
        "units_assumed": assumed, "up_axis": up,
        "rotation": "(x, y, z) -> (x, z, -y)" if up == "z" else "none",
        "first_frame": int(c3d["header"]["points"]["first_frame"]), "rate_hz": fps,
    }
    return Motion(positions=joints, confidence=confidence,
                  times=uniform_times(points.shape[0], fps), fps=fps, space="world",
                  units="m", provenance=provenance)
