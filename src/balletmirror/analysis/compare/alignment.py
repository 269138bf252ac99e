"""Aligning her performance with the reference's in time, and on which side.

Features that survive the camera, the body and the room (:func:`features`), side-blind
(:func:`symmetric`) for the alignment itself; dynamic time warping (:func:`align`);
the side decided along the path (:func:`choose_side`); the tempo as the path's line
(:func:`tempo_line`) and the stretches one danced while the other stood still
(:func:`gaps`).  See :mod:`balletmirror.analysis.compare` for the method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...core.series import fill_nan
from ...core.skeleton import mirror_name

if TYPE_CHECKING:
    from ..pipeline import Analysis

RATE_HZ = 10.0
ANGLE_SCALE_DEG = 30.0
HEIGHT_SCALE_H = 0.1
BAND = 0.3  # of the longer performance, beyond the difference of their lengths
PENALTY = 0.6  # cost of a non-diagonal move, in squared feature units
#: turns/s at which the turn-rate feature saturates: it says whether and which way she
#: turns; beyond it, a video's facing that flips by half a turn within a frame or two
#: (a pose model taking her back for her front: 5 turns/s and more) would outweigh all
#: the other features together
TURN_RATE_CAP = 1.0
#: the joint angles of the kinematics compared (degrees)
ANGLES = ("left_knee_angle", "right_knee_angle", "left_hip_flexion", "right_hip_flexion",
          "left_hip_abduction", "right_hip_abduction", "left_shoulder_elevation",
          "right_shoulder_elevation", "left_elbow_angle", "right_elbow_angle",
          "trunk_inclination")
MIN_GAP_S = 0.8
TURNING = 0.05  # turns/s: mean turn rate along the path above which turns decide the side


# ------------------------------------------------------------------ features
def feature_names(analysis: Analysis) -> list[str]:
    """The angle series this analysis has, then the heights and the turn rate."""
    known = [n for n in ANGLES if n in analysis.kinematics.series
             and np.isfinite(analysis.kinematics[n]).mean() > 0.5]
    return known + ["left_lift", "right_lift", "drop", "turn_rate"]


def shared_features(her: Analysis, ref: Analysis) -> list[str]:
    """The features both performances have, with each left/right pair whole (a
    mirrored or side-blind feature needs its twin)."""
    theirs = set(feature_names(ref))
    both = [n for n in feature_names(her) if n in theirs]
    return [n for n in both if mirror_name(n) in both]


def _column(analysis: Analysis, name: str) -> np.ndarray:
    kin, sig = analysis.kinematics, analysis.signals
    if name in ("left_lift", "right_lift"):
        return sig.lift[name.split("_")[0]] / HEIGHT_SCALE_H
    if name == "drop":
        return sig.drop / HEIGHT_SCALE_H
    if name == "turn_rate":
        rate = np.gradient(fill_nan(kin["yaw"]), kin.times) / 360.0
        return np.clip(rate, -TURN_RATE_CAP, TURN_RATE_CAP)
    return kin[name] / ANGLE_SCALE_DEG


def features(analysis: Analysis, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(times, F)``: the named features resampled to ``RATE_HZ``.

    Returns
    -------
    times : array (rows,)
        Seconds.
    F : array (rows, features)
        In feature units (angles over ``ANGLE_SCALE_DEG``, heights over
        ``HEIGHT_SCALE_H``, turns per second); gaps interpolated, and a feature never
        seen at all (her feet, her facing) is 0: it then weighs as standing still.
    """
    times = analysis.kinematics.times
    grid = np.arange(times[0], times[-1] + 1e-9, 1.0 / RATE_HZ)
    cols = [np.interp(grid, times, np.nan_to_num(fill_nan(_column(analysis, n)), nan=0.0))
            for n in names]
    return grid, np.column_stack(cols)


def along(analysis: Analysis, name: str, times: np.ndarray) -> np.ndarray | None:
    """The kinematics' series ``name`` at ``times`` (seconds, along the path), its gaps
    interpolated; None when it was never seen."""
    x = analysis.kinematics[name]
    if not np.isfinite(x).any():
        return None
    return np.interp(times, analysis.kinematics.times, fill_nan(x))


def mirrored(F: np.ndarray, names: list[str]) -> np.ndarray:
    """The features of the same dance on the other side: left and right swapped, the
    turns reversed."""
    out = F.copy()
    for k, name in enumerate(names):
        if name == "turn_rate":
            out[:, k] = -F[:, k]
        elif name.startswith(("left_", "right_")):
            out[:, k] = F[:, names.index(mirror_name(name))]
    return out


def symmetric(F: np.ndarray, names: list[str]) -> np.ndarray:
    """Features blind to which side is which: each left/right pair as (larger,
    smaller), the turn rate as its size.  A pose model that swaps her legs' labels
    from one view, or a reference danced on the other side, aligns on these alike."""
    out = F.copy()
    for k, name in enumerate(names):
        if name == "turn_rate":
            out[:, k] = np.abs(F[:, k])
        elif name.startswith("left_"):
            other = names.index(mirror_name(name))
            out[:, k] = np.maximum(F[:, k], F[:, other])
            out[:, other] = np.minimum(F[:, k], F[:, other])
    return out


# ------------------------------------------------------------------ alignment
def path_cost(Fa: np.ndarray, Fb: np.ndarray, path: np.ndarray) -> float:
    """Mean squared feature distance along a path (pairs of row indices, (k, 2))."""
    return float(np.mean(np.sum((Fa[path[:, 0]] - Fb[path[:, 1]]) ** 2, axis=1)))


def align(Fa: np.ndarray, Fb: np.ndarray) -> tuple[np.ndarray, float]:
    """The DTW path (pairs of row indices, (k, 2)) and its cost per step of the path."""
    from dtaidistance import dtw, dtw_ndim

    n, m = len(Fa), len(Fb)
    window = abs(n - m) + int(BAND * max(n, m)) + 2
    _, paths = dtw_ndim.warping_paths(np.ascontiguousarray(Fa, dtype=np.double),
                                      np.ascontiguousarray(Fb, dtype=np.double),
                                      window=window, penalty=PENALTY, use_c=True)
    path = np.array(dtw.best_path(paths), dtype=int)
    return path, path_cost(Fa, Fb, path)


def choose_side(her: Analysis, ref: Analysis, names: list[str]) -> dict:
    """Align on side-blind features, then along that path decide whether the
    reference is danced on her side or mirrored: by the direction of the turns when
    both turn (a pose model may swap the legs' labels, it seldom reverses a whole
    turn; on the studio's MediaPipe pairs the features chose the side no better than
    chance), else by the features.

    Returns
    -------
    dict
        ``ta``, ``tb``: her and the reference's seconds along the path; ``mirror``;
        ``cost`` of the chosen side and ``other_cost`` of the other; ``path``.
    """
    ta_grid, Fa = features(her, names)
    tb_grid, Fb = features(ref, names)
    path, _ = align(symmetric(Fa, names), symmetric(Fb, names))
    cost, mcost = path_cost(Fa, Fb, path), path_cost(Fa, mirrored(Fb, names), path)
    k = names.index("turn_rate")
    turns = min(np.mean(np.abs(Fa[path[:, 0], k])), np.mean(np.abs(Fb[path[:, 1], k])))
    if turns > TURNING:
        by_turns = np.mean(Fa[path[:, 0], k] * Fb[path[:, 1], k])  # > 0: same direction
        mirror = bool(by_turns < 0)
    else:
        mirror = bool(mcost < cost)
    return {"ta": ta_grid[path[:, 0]], "tb": tb_grid[path[:, 1]], "mirror": mirror,
            "cost": mcost if mirror else cost, "other_cost": cost if mirror else mcost,
            "path": path}


# ------------------------------------------------------------------ timing
def tempo_line(ta: np.ndarray, tb: np.ndarray, gap_list: list[dict] | None = None
               ) -> tuple[float, float]:
    """``(t0, r)`` of ``t_her = t0 + r * t_ref`` fitted to the path by least squares,
    one intercept per stretch between gaps (a skipped step shifts the clock, it does
    not change the tempo), the path inside gaps left out; ``t0`` is the first
    stretch's intercept."""
    label = np.zeros(len(ta), dtype=int)
    keep = np.ones(len(ta), dtype=bool)
    for g in gap_list or []:
        inside = (ta >= g["her_s"][0]) & (ta <= g["her_s"][1]) & \
            (tb >= g["reference_s"][0]) & (tb <= g["reference_s"][1])
        keep &= ~inside
        label[tb > g["reference_s"][1]] += 1
    x, y, lab = tb[keep], ta[keep], label[keep]
    if len(x) < 2:
        return 0.0, 1.0
    r, t0 = _segment_fit(x, y, lab)
    for _ in range(3):  # refit without the stretches the line misses by over 0.3 s
        near = np.abs(y - (t0[lab] + r * x)) <= 0.3
        if near.sum() < 2 or near.all():
            break
        r, t0 = _segment_fit(x[near], y[near], lab[near], n_labels=len(t0))
    return float(t0[lab.min()]), r


def _segment_fit(x: np.ndarray, y: np.ndarray, lab: np.ndarray, *,
                 n_labels: int | None = None) -> tuple[float, np.ndarray]:
    """Least-squares slope shared by all stretches, one intercept each."""
    n = n_labels or int(lab.max()) + 1
    xc, yc = x.astype(float).copy(), y.astype(float).copy()
    t0 = np.zeros(n)
    for k in np.unique(lab):
        xc[lab == k] -= x[lab == k].mean()
        yc[lab == k] -= y[lab == k].mean()
    r = float(np.sum(xc * yc) / max(np.sum(xc * xc), 1e-12))
    for k in range(n):
        t0[k] = np.mean(y[lab == k] - r * x[lab == k]) if (lab == k).any() else \
            np.mean(y - r * x)
    return r, t0


def intercept(t_ref: float, ta: np.ndarray, tb: np.ndarray, r: float) -> float:
    """Her clock's offset around ``t_ref``: the median of ``t_her - r t_ref`` over the
    path within 2 s of it."""
    near = np.abs(tb - t_ref) <= 2.0
    return float(np.median((ta - r * tb)[near])) if near.any() else float(np.median(ta - r * tb))


def to_her_time(t_ref: float, ta: np.ndarray, tb: np.ndarray) -> float:
    """Where the path carries a reference time into hers (the mean of the aligned
    times at that instant)."""
    k = np.abs(tb - t_ref)
    return float(np.mean(ta[k <= k.min() + 1e-9]))


def gaps(ta: np.ndarray, tb: np.ndarray) -> list[dict]:
    """Stretches where one performance advances ``MIN_GAP_S`` or more while the other
    stands still on the path: a step one danced and the other did not."""
    out = []
    for mine, other, who in ((ta, tb, "missing"), (tb, ta, "extra")):
        start = 0
        for k in range(1, len(ta) + 1):
            if k == len(ta) or mine[k] - mine[start] > 1.5 / RATE_HZ:
                if other[k - 1] - other[start] >= MIN_GAP_S:
                    out.append({"kind": who, "her_s": [round(float(ta[start]), 2),
                                                       round(float(ta[k - 1]), 2)],
                                "reference_s": [round(float(tb[start]), 2),
                                                round(float(tb[k - 1]), 2)]})
                start = k
    return out
