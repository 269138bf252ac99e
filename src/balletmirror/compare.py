"""Comparison with a reference performance: the same enchaînement, hers and another's.

1. **Features that survive the camera, the body and the room** (:func:`features`),
   one row per frame: the joint angles of the kinematics (knees, hips' flexion and
   abduction, shoulders' elevation, elbows, the trunk's inclination; degrees over
   ``ANGLE_SCALE_DEG``), each foot's lift over the floor and the pelvis's drop from
   standing (body heights over ``HEIGHT_SCALE_H``), and the facing's rate of turn
   (turns per second, saturating at ``TURN_RATE_CAP``).  Both performances are
   resampled to ``RATE_HZ``.
2. **Alignment** by dynamic time warping (``dtaidistance``, Apache-2.0, C core:
   multivariate squared-Euclidean cost, a Sakoe-Chiba band wide enough for the two
   lengths' difference plus ``BAND`` of the longer, and a penalty on every
   non-diagonal move so that where both dance at the same pace the path stays
   diagonal; a pause or a faster tempo bends the path, a step danced by one and not
   the other makes it run straight along one axis (a gap).
3. **Mirror**: the alignment itself uses side-blind features (:func:`symmetric`: each
   left/right pair as larger and smaller, the turn rate's size), so that a pose model
   swapping her legs' labels from one view does not derail it; along that path, the
   reference danced on the other side (:func:`mirrored`: left and right swapped, the
   turns reversed) is preferred when its turns go her way against the reference's as
   danced (when both turn at ``TURNING`` or more on average), else when its features
   are the closer; and said.
4. **Timing**: the path's least-squares line ``t_her = t0 + r * t_ref`` (one offset
   per stretch between gaps, refitted without the points it misses by over 0.3 s)
   gives the tempo ratio ``r`` (above 1: she is slower); a step's timing is how far
   her start lies from where that line, with the offset of the path around that
   moment, puts the reference's start (positive: behind, late).
5. **Steps**: each reference step is carried into her time along the path and
   matched with her step of the same name (sides mirrored) that overlaps it most,
   else one of its family.  A reference step is missing where the path has a gap
   (she danced nothing there for ``MIN_GAP_S``), and a turn or a jump also where no
   step of hers of its family lies on the stretch aligned with it; a gesture a gap
   swallowed is given her unmatched step of its family that lies between the matched
   neighbours and within ``RESCUE_S`` of it (:func:`rescue`); where she danced
   but no step of hers was recognised (or one under another name), the comparison is
   made over the stretch of hers the path aligns with it.  A step of hers with no match is extra.
   For a matched pair: the metrics both have (leg height, plié depth, passé height,
   turns, jump height...), the mean difference of each joint angle over the
   aligned frames and over each third of the step (start, middle, end: those of
   ``REPORT_ANGLE_DEG`` or more are reported in words, at their third), the
   amplitude ratio (her range of the angles over the reference's), their Laban
   efforts side by side, and a similarity.
6. **Similarity** of a step: ``100 * max(0, 1 - d / SIMILARITY_ZERO_DEG)`` with ``d`` the
   root mean square, over the aligned frames and the joint angles, of her angle
   minus the reference's (degrees); the performance's is the mean over the
   reference's steps, a missing step counting 0.  A performance compared with itself
   scores 100.
"""

from __future__ import annotations

import numpy as np

from .expression import fill_nan
from .pipeline import Analysis
from .signals import HIDDEN_CONFIDENCE, OTHER, raised_leg
from .skeleton import mirror_name
from .summary import step_word

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
ANGLES = ("left_knee_angle", "right_knee_angle", "left_hip_flexion", "right_hip_flexion",
          "left_hip_abduction", "right_hip_abduction", "left_shoulder_elevation",
          "right_shoulder_elevation", "left_elbow_angle", "right_elbow_angle",
          "trunk_inclination")
REPORT_ANGLE_DEG = 10.0
SIMILARITY_ZERO_DEG = 45.0
MIN_GAP_S = 0.8
#: metric -> (units, what it is in a dancer's words, "more" and "less" as her value
#: against the reference's); the words follow "your <step>"
METRIC_WORDS = {
    "leg_height": ("deg", "leg", "higher", "lower"),
    "whip_height": ("deg", "whipping leg", "higher", "lower"),
    "min_knee_angle": ("deg", "knee bend", "shallower", "deeper"),
    "passe_height": ("knee heights", "retiré foot", "higher", "lower"),
    "releve_height_m": ("m", "relevé", "higher", "lower"),
    "height": ("m", "height", "higher", "lower"),
    "airtime_s": ("s", "time in the air", "longer", "shorter"),
    "hold_s": ("s", "balance", "longer", "shorter"),
    "extension_m": ("m", "foot", "further out", "nearer in"),
}
#: smallest difference worth a word, by units
NOTICE = {"deg": 3.0, "m": 0.03, "s": 0.05, "knee heights": 0.05, "turns": 0.25}
#: steps that may be read as one another when the difference is what is compared
FAMILIES = ({"tendu", "degage", "rond_de_jambe", "developpe", "grand_battement", "passe",
             "arabesque", "attitude"}, {"pirouette", "fouette"}, {"plie", "releve", "balance"},
            {"jump"}, {"port_de_bras"}, {"travel"})
GESTURES = FAMILIES[0]
LIMB_WORDS = {"knee_angle": "knee", "hip_flexion": "leg (hip flexion)",
              "hip_abduction": "leg (to the side)", "shoulder_elevation": "arm",
              "elbow_angle": "elbow", "trunk_inclination": "trunk"}


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
    """``(times, F)``: the named features resampled to ``RATE_HZ`` (gaps interpolated)."""
    times = analysis.kinematics.times
    grid = np.arange(times[0], times[-1] + 1e-9, 1.0 / RATE_HZ)
    cols = [np.interp(grid, times, fill_nan(_column(analysis, n))) for n in names]
    return grid, np.column_stack(cols)


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


# ------------------------------------------------------------------ alignment
def align(Fa: np.ndarray, Fb: np.ndarray) -> tuple[np.ndarray, float]:
    """The DTW path (pairs of row indices, (k, 2)) and its cost per step of the path."""
    from dtaidistance import dtw, dtw_ndim

    n, m = len(Fa), len(Fb)
    window = abs(n - m) + int(BAND * max(n, m)) + 2
    _, paths = dtw_ndim.warping_paths(np.ascontiguousarray(Fa, dtype=np.double),
                                      np.ascontiguousarray(Fb, dtype=np.double),
                                      window=window, penalty=PENALTY, use_c=True)
    path = np.array(dtw.best_path(paths), dtype=int)
    cost = float(np.mean(np.sum((Fa[path[:, 0]] - Fb[path[:, 1]]) ** 2, axis=1)))
    return path, cost


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


def _intercept(t_ref: float, ta: np.ndarray, tb: np.ndarray, r: float) -> float:
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


# ------------------------------------------------------------------ steps
def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _family(name: str) -> set[str]:
    return next((f for f in FAMILIES if name in f), {name})


def _candidates(hers: list[dict], s: dict, span: tuple[float, float], used: set[int],
                side: str | None) -> list[tuple[bool, bool, float, int]]:
    """(same side, same name, overlap, index) of her unused steps of the reference
    step's family that overlap its span carried into her time.  A step on the other
    leg still matches (she may have danced it on the wrong leg, or the pose model
    swapped her legs' labels); the difference is then said."""
    out = []
    for i, h in enumerate(hers):
        if i in used or h["step"] not in _family(s["step"]):
            continue
        o = _overlap(*span, h["start_s"], h["end_s"])
        if o > 0:
            out.append((not side or h.get("side") in (side, None), h["step"] == s["step"],
                        o, i))
    return out


def match_steps(hers: list[dict], ref: list[dict], ta: np.ndarray, tb: np.ndarray, *,
                mirror: bool) -> list[tuple[int | None, int]]:
    """(her step index or None, reference step index) for every reference step: her
    step of the same name overlapping it most (on the same leg first), else one of
    its family (an arabesque danced low may be read as a dégagé) overlapping half of
    it."""
    used: set[int] = set()
    out = []
    for j, s in enumerate(ref):
        span = (to_her_time(s["start_s"], ta, tb), to_her_time(s["end_s"], ta, tb))
        side = s.get("side")
        if mirror and side:
            side = OTHER[side]
        found = _candidates(hers, s, span, used, side)
        same = [c for c in found if c[1]]
        close = [c for c in found if c[2] >= 0.5 * (span[1] - span[0])]
        best = max(same or close, default=None)
        if best is not None:
            used.add(best[3])
        out.append((None if best is None else best[3], j))
    return out


RESCUE_S = 2.0  # s: how far from a gap a step of hers may be to be the one it swallowed


def rescue(pairs: list[tuple[int | None, int]], hers: list[dict], ref: list[dict],
           gap_list: list[dict], ta: np.ndarray, tb: np.ndarray
           ) -> list[tuple[int | None, int]]:
    """Give a reference step that a gap swallowed (not a turn or a jump: those go by
    :func:`skipped`'s own rule) her unmatched step of its family that lies, in the
    order of the steps, between the neighbours matched before and after it and within
    ``RESCUE_S`` of where the path puts it: the path laid a neighbouring step over hers
    (a passé over a pirouette's retiré) and left hers aside, she did not skip it."""
    out = list(pairs)
    used = {i for i, _ in pairs if i is not None}
    for k, (i, j) in enumerate(pairs):
        s = ref[j]
        if i is not None or s["step"] in DISTINCT or not skipped(s, gap_list):
            continue
        before = max((a for a, _ in out[:k] if a is not None), default=-1)
        after = min((a for a, _ in out[k + 1:] if a is not None), default=len(hers))
        at = to_her_time(s["start_s"], ta, tb)
        near = [(abs(hers[c]["start_s"] - at), c) for c in range(before + 1, after)
                if c not in used and hers[c]["step"] in _family(s["step"])
                and _overlap(at - RESCUE_S, at + RESCUE_S, hers[c]["start_s"],
                             hers[c]["end_s"]) > 0]
        if near:
            c = min(near)[1]
            out[k] = (c, j)
            used.add(c)
    return out


PHASES = ("start", "middle", "end")


def _phase_means(d: np.ndarray) -> dict[str, float]:
    """Mean of ``d`` over each third of the step's aligned frames."""
    return {p: float(np.mean(part)) for p, part in zip(PHASES, np.array_split(d, 3),
                                                         strict=True) if len(part)}


def _angle_rows(her: Analysis, ref: Analysis, ta: np.ndarray, tb: np.ndarray,
                span_her: tuple[float, float], mirror: bool) -> dict:
    """Mean difference (deg) of each joint angle over the aligned frames inside the
    step and over each of its thirds (start, middle, end), the RMS over all of them,
    and the amplitude ratio."""
    inside = (ta >= span_her[0]) & (ta <= span_her[1])
    if inside.sum() < 2:
        return {"rms_deg": None, "angles": {}, "phases": {}, "amplitude_ratio": None}
    diffs, phases, ranges = {}, {}, []
    all_d = []
    for name in ANGLES:
        if name not in her.kinematics.series:
            continue
        ref_name = mirror_name(name) if mirror and name.startswith(("left_", "right_")) \
            else name
        x = np.interp(ta[inside], her.kinematics.times, fill_nan(her.kinematics[name]))
        y = np.interp(tb[inside], ref.kinematics.times, fill_nan(ref.kinematics[ref_name]))
        if not (np.isfinite(her.kinematics[name]).any() and
                np.isfinite(ref.kinematics[ref_name]).any()):
            continue
        d = x - y
        diffs[name] = float(np.mean(d))
        phases[name] = _phase_means(d)
        all_d.append(d)
        if np.ptp(y) > 10.0:
            ranges.append(np.ptp(x) / np.ptp(y))
    rms = float(np.sqrt(np.mean(np.square(all_d)))) if all_d else None
    return {"rms_deg": rms, "angles": diffs, "phases": phases,
            "amplitude_ratio": float(np.median(ranges)) if ranges else None}


def similarity(rms_deg: float | None) -> float | None:
    """100 for identical angles, 0 at ``SIMILARITY_ZERO_DEG`` RMS difference."""
    if rms_deg is None:
        return None
    return round(100.0 * max(0.0, 1.0 - rms_deg / SIMILARITY_ZERO_DEG), 1)


def side_difference(her: dict, ref: dict, *, mirror: bool) -> list[dict]:
    """Her step on the other leg than the reference's (after mirroring), in words."""
    want = ref.get("side")
    if want and mirror:
        want = OTHER[want]
    if not want or not her.get("side") or her["side"] == want:
        return []
    return [{"what": "side", "her": her["side"], "reference": want, "difference": None,
             "units": "", "message": f"your {step_word(ref['step'])} is on the "
                                     f"{her['side']} leg where the reference's is on the "
                                     f"{want} (or the pose model swapped your legs): "
                                     f"its angles are compared working leg to working "
                                     f"leg"}]


def metric_differences(her: dict, ref: dict) -> list[dict]:
    """The step metrics both have, her value against the reference's, in words."""
    out = []
    name = step_word(ref["step"])
    for key, (units, noun, more, less) in METRIC_WORDS.items():
        a, b = her["metrics"].get(key), ref["metrics"].get(key)
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            continue
        d = float(a) - float(b)
        if abs(d) < NOTICE.get(units, 0.0):
            continue
        out.append({"what": key, "her": a, "reference": b, "difference": round(d, 4),
                    "units": units,
                    "message": f"your {name} {noun} is {abs(d):.2g} {units} "
                               f"{more if d > 0 else less} than the reference's"})
    if abs((her.get("turns") or 0) - (ref.get("turns") or 0)) >= NOTICE["turns"]:
        out.append({"what": "turns", "her": her.get("turns"), "reference": ref.get("turns"),
                    "difference": (her.get("turns") or 0) - (ref.get("turns") or 0),
                    "units": "turns",
                    "message": f"you turned {her.get('turns') or 0:g} where the reference "
                               f"turned {ref.get('turns') or 0:g}"})
    return out


def peak_elevation(analysis: Analysis, start_s: float, end_s: float) -> float | None:
    """The highest rise of either leg from hanging down within the span, degrees."""
    w = analysis.signals.window(start_s, end_s)
    peaks = [np.nanmax(analysis.signals.elevation[s][w]) for s in ("left", "right")
             if np.isfinite(analysis.signals.elevation[s][w]).any()]
    return float(max(peaks)) if peaks else None


def elevation_difference(her: Analysis, ref: Analysis, h: dict, s: dict) -> list[dict]:
    """For a gesture whose names differ (no shared leg-height metric): her working
    leg's highest elevation against the reference's."""
    if s["step"] not in GESTURES or ("leg_height" in h["metrics"] and
                                      "leg_height" in s["metrics"]):
        return []
    a, b = peak_elevation(her, h["start_s"], h["end_s"]), \
        peak_elevation(ref, s["start_s"], s["end_s"])
    if a is None or b is None or abs(a - b) < NOTICE["deg"]:
        return []
    d = a - b
    return [{"what": "leg_height", "her": round(a, 2), "reference": round(b, 2),
             "difference": round(d, 2), "units": "deg",
             "message": f"your {step_word(s['step'])} leg is {abs(d):.0f} deg "
                        f"{'higher' if d > 0 else 'lower'} than the reference's"}]


HIDDEN = ("{whose} {leg} leg was hidden from the camera near its height (the pose "
          "model's confidence in its ankle: {confidence:.2f}; seen from the {view}), and "
          "its height is guessed: compare from a view that sees the working leg (her "
          "side or three-quarter on that side)")


def hidden_leg(analysis: Analysis, step: dict, whose: str) -> str | None:
    """Why the step's leg height cannot be trusted (the raised leg hidden from the
    camera), or None."""
    seen = raised_leg(analysis.signals, step["start_s"], step["end_s"])
    if seen is None or seen[1] >= HIDDEN_CONFIDENCE:
        return None
    return HIDDEN.format(whose=whose, leg=seen[0], confidence=seen[1],
                         view=step.get("view") or "camera")


LEG_READINGS = ("leg_height", "hip_flexion", "hip_abduction", "knee_angle")


def with_hidden_leg_caveat(differences: list[dict], her: Analysis, ref: Analysis,
                           h: dict, s: dict) -> list[dict]:
    """Mark the leg's height and the legs' angles, in a gesture whose raised leg one of
    the two cameras did not see (:func:`hidden_leg`), as unreliable, with the reason
    (the pose model guesses a hidden leg: MediaPipe puts an arabesque leg behind her
    body on her chest, 140 degrees of hip flexion)."""
    if s["step"] not in GESTURES:
        return differences
    why = hidden_leg(ref, s, "the reference's") or hidden_leg(her, h, "your")
    if why is None:
        return differences
    return [{**d, "reliable": False, "caveat": why,
             "message": d["message"] + " (unreliable: the leg was hidden from the camera)"}
            if d["what"].endswith(LEG_READINGS) else d for d in differences]


def _angle_messages(phases: dict[str, dict[str, float]], step: str) -> list[dict]:
    """A joint angle that differs by ``REPORT_ANGLE_DEG`` or more in some third of the
    step, in words, at the third where it differs most."""
    out = []
    for name, by_phase in phases.items():
        phase, d = max(by_phase.items(), key=lambda kv: abs(kv[1]))
        if abs(d) < REPORT_ANGLE_DEG:
            continue
        side = name.split("_")[0] if name.startswith(("left_", "right_")) else ""
        kind = name.removeprefix("left_").removeprefix("right_")
        limb = f"{side} {LIMB_WORDS.get(kind, kind)}".strip()
        out.append({"what": name, "phase": phase, "difference": round(d, 1), "units": "deg",
                    "message": f"at the {phase} of your {step_word(step)} your {limb} angle "
                               f"is {abs(d):.0f} deg {'larger' if d > 0 else 'smaller'} than "
                               f"the reference's"})
    return out


def _efforts(analysis: Analysis, index: int | None) -> dict | None:
    if index is None:
        return None
    step = analysis.steps[index]
    for p in (analysis.expression or {}).get("phrases") or []:
        if p["start_s"] == step["start_s"] and p["step"] == step["step"]:
            return p.get("scales")
    return None


# ------------------------------------------------------------------ the comparison
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


def _path_cost(Fa: np.ndarray, Fb: np.ndarray, path: np.ndarray) -> float:
    return float(np.mean(np.sum((Fa[path[:, 0]] - Fb[path[:, 1]]) ** 2, axis=1)))


TURNING = 0.05  # turns/s: mean turn rate along the path above which turns decide the side


def _choose_side(her: Analysis, ref: Analysis, names: list[str]) -> dict:
    """Align on side-blind features, then along that path decide whether the
    reference is danced on her side or mirrored: by the direction of the turns when
    both turn (a pose model may swap the legs' labels, it seldom reverses a whole
    turn; on the studio's MediaPipe pairs the features chose the side no better than
    chance), else by the features."""
    ta_grid, Fa = features(her, names)
    tb_grid, Fb = features(ref, names)
    path, _ = align(symmetric(Fa, names), symmetric(Fb, names))
    cost, mcost = _path_cost(Fa, Fb, path), _path_cost(Fa, mirrored(Fb, names), path)
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


#: steps that cannot pass unseen: a turn or a jump with no step of hers of its kind
#: where the path puts it was not danced, gap or not (the path may lay a pirouette
#: over her passé: the same retiré, without the turn)
DISTINCT = ("pirouette", "fouette", "jump")


def skipped(s: dict, gap_list: list[dict], her_steps: list[dict] | None = None,
            span: tuple[float, float] | None = None) -> bool:
    """Whether a reference step was not danced: at least half of it inside a stretch
    she did not dance, or, for a turn or a jump, no step of hers of its family over
    the stretch the path aligns with it."""
    inside = sum(_overlap(s["start_s"], s["end_s"], *g["reference_s"]) for g in gap_list
                 if g["kind"] == "missing")
    if inside >= 0.5 * (s["end_s"] - s["start_s"]):
        return True
    if s["step"] not in DISTINCT or her_steps is None or span is None:
        return False
    return not any(h["step"] in _family(s["step"]) and _overlap(*span, h["start_s"],
                                                                 h["end_s"]) > 0
                   for h in her_steps)


def _her_span(her: Analysis, i: int | None, aligned: tuple[float, float]) -> dict:
    """Her step ``i``, or, when none was recognised there, the stretch of hers the
    path aligns with the reference step (``aligned``, her seconds)."""
    if i is not None:
        h = her.steps[i]
        return {"her_index": i, "her_step": h["step"], "her_side": h.get("side"),
                "her_start_s": h["start_s"], "her_end_s": h["end_s"]}
    a0, a1 = aligned
    return {"her_index": None, "her_step": None, "her_side": None,
            "her_start_s": round(a0, 2), "her_end_s": round(max(a1, a0 + 0.1), 2),
            "note": "no step of hers was recognised there: compared over the aligned "
                    "stretch"}


def _step_row(her: Analysis, ref: Analysis, i: int | None, j: int, al: dict,
              line: tuple[float, float], gap_list: list[dict]) -> dict:
    s = ref.steps[j]
    span = (to_her_time(s["start_s"], al["ta"], al["tb"]),
            to_her_time(s["end_s"], al["ta"], al["tb"]))
    row = {"reference_step": s["step"], "reference_side": s.get("side"),
           "reference_start_s": s["start_s"], "reference_end_s": s["end_s"],
           "matched": not (i is None and skipped(s, gap_list, her.steps, span))}
    if not row["matched"]:
        row.update(similarity=0.0, message=f"the reference's {step_word(s['step'])} at "
                   f"{s['start_s']:.1f} s is missing from yours")
        return row
    mine = _her_span(her, i, span)
    h = her.steps[i] if i is not None else {"step": s["step"], "metrics": {},
                                            "start_s": mine["her_start_s"],
                                            "end_s": mine["her_end_s"]}
    other_leg = side_difference(h, s, mirror=al["mirror"])
    # on the other leg (or her legs' labels swapped): working leg against working leg
    angles = _angle_rows(her, ref, al["ta"], al["tb"], (h["start_s"], h["end_s"]),
                         al["mirror"] != bool(other_leg))
    expected = _intercept(s["start_s"], al["ta"], al["tb"], line[1]) + line[1] * s["start_s"]
    row.update(mine, timing_ms=round(1000.0 * (h["start_s"] - expected)),
               duration_ratio=round((h["end_s"] - h["start_s"]) /
                                    max(s["end_s"] - s["start_s"], 1e-6), 3),
               amplitude_ratio=None if angles["amplitude_ratio"] is None else
               round(angles["amplitude_ratio"], 3),
               angle_rms_deg=None if angles["rms_deg"] is None else round(angles["rms_deg"], 1),
               similarity=similarity(angles["rms_deg"]),
               differences=with_hidden_leg_caveat(
                   other_leg + metric_differences(h, s)
                   + elevation_difference(her, ref, h, s)
                   + _angle_messages(angles["phases"], s["step"]), her, ref, h, s),
               efforts={"her": _efforts(her, i), "reference": _efforts(ref, j)})
    return row


PLOTTED = ("left_knee_angle", "right_knee_angle", "left_hip_flexion", "right_hip_flexion")


def aligned_series(her: Analysis, ref: Analysis, al: dict) -> dict:
    """Knee and hip angles of both along the path, on the reference's clock (her
    sides mirrored back when the reference is danced on the other side), for plots."""
    out: dict = {"t_ref": [round(float(t), 2) for t in al["tb"]], "her": {}, "reference": {}}
    for name in PLOTTED:
        if name not in her.kinematics.series or name not in ref.kinematics.series:
            continue
        mine = mirror_name(name) if al["mirror"] else name
        x = np.interp(al["ta"], her.kinematics.times, fill_nan(her.kinematics[mine]))
        y = np.interp(al["tb"], ref.kinematics.times, fill_nan(ref.kinematics[name]))
        out["her"][name] = [round(float(v), 1) for v in x]
        out["reference"][name] = [round(float(v), 1) for v in y]
    return out


def compare(her: Analysis, ref: Analysis, *, reference_source: dict | None = None) -> dict:
    """results.json's ``reference`` block: her performance against ``ref``."""
    names = shared_features(her, ref)
    al = _choose_side(her, ref, names)
    gap_list = gaps(al["ta"], al["tb"])
    line = tempo_line(al["ta"], al["tb"], gap_list)
    pairs = rescue(match_steps(her.steps, ref.steps, al["ta"], al["tb"], mirror=al["mirror"]),
                   her.steps, ref.steps, gap_list, al["ta"], al["tb"])
    rows = [_step_row(her, ref, i, j, al, line, gap_list) for i, j in pairs]
    matched = {i for i, _ in pairs if i is not None}
    extra = [{"step": s["step"], "start_s": s["start_s"], "end_s": s["end_s"]}
             for k, s in enumerate(her.steps) if k not in matched]
    sims = [r["similarity"] for r in rows if r["similarity"] is not None]
    her_span, ref_span = her.source.get("duration_s"), ref.source.get("duration_s")
    return {
        "source": reference_source or ref.source,
        "mirrored": al["mirror"],
        "mirror_cost_ratio": round(al["other_cost"] / max(al["cost"], 1e-9), 3),
        "tempo_ratio": round(line[1], 4),
        "offset_s": round(line[0], 3),
        "duration_s": {"her": her_span, "reference": ref_span},
        "similarity": round(float(np.mean(sims)), 1) if sims else None,
        "similarity_definition": "100 * max(0, 1 - RMS joint-angle difference / "
                                 f"{SIMILARITY_ZERO_DEG:g} deg) over the aligned frames; "
                                 "overall: mean over the reference's steps (missing = 0)",
        "alignment": {"method": "DTW (dtaidistance) on joint angles, foot lifts, pelvis "
                                "drop and turn rate at 10 Hz; Sakoe-Chiba band, "
                                "non-diagonal penalty",
                      "cost": round(al["cost"], 4), "features": names,
                      "path_s": [[round(float(a), 2), round(float(b), 2)]
                                 for a, b in zip(al["ta"], al["tb"], strict=True)]},
        "aligned": aligned_series(her, ref, al),
        "steps": rows,
        "missing": [{"step": r["reference_step"], "reference_start_s": r["reference_start_s"],
                     "reference_end_s": r["reference_end_s"]} for r in rows
                    if not r["matched"]],
        "extra": extra,
        "gaps": gap_list,
    }
