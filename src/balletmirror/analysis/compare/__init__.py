"""Comparison with a reference performance: the same enchaînement, hers and another's.

1. **Features that survive the camera, the body and the room** (:func:`~.alignment.features`),
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
3. **Mirror**: the alignment itself uses side-blind features (:func:`~.alignment.symmetric`: each
   left/right pair as larger and smaller, the turn rate's size), so that a pose model
   swapping her legs' labels from one view does not derail it; along that path, the
   reference danced on the other side (:func:`~.alignment.mirrored`: left and right swapped, the
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
   neighbours and within ``RESCUE_S`` of it (:func:`~.matching.rescue`); where she danced
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

The alignment, the side and the timing (1-4) are in :mod:`.alignment`, the matching
of the steps (5) in :mod:`.matching`, what differs and the similarity (5-6) in
:mod:`.differences`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...core.records import Step
from ...core.skeleton import mirror_name
from ...core.vocabulary import step_word
from .alignment import (
    along,
    choose_side,
    gaps,
    intercept,
    shared_features,
    tempo_line,
    to_her_time,
)
from .differences import (
    SIMILARITY_ZERO_DEG,
    angle_messages,
    angle_rows,
    efforts,
    elevation_difference,
    metric_differences,
    side_difference,
    similarity,
    with_hidden_leg_caveat,
)
from .matching import match_steps, rescue, skipped

if TYPE_CHECKING:
    from ..pipeline import Analysis

__all__ = ["compare"]

#: the angles plotted against the reference's
PLOTTED = ("left_knee_angle", "right_knee_angle", "left_hip_flexion", "right_hip_flexion")


def _her_span(her: Analysis, i: int | None, aligned: tuple[float, float]) -> dict:
    """Her step ``i``, or, when none was recognised there, the stretch of hers the
    path aligns with the reference step (``aligned``, her seconds)."""
    if i is not None:
        h = her.steps[i]
        return {"her_index": i, "her_step": h.name, "her_side": h.side,
                "her_start_s": h.start_s, "her_end_s": h.end_s}
    a0, a1 = aligned
    return {"her_index": None, "her_step": None, "her_side": None,
            "her_start_s": round(a0, 2), "her_end_s": round(max(a1, a0 + 0.1), 2),
            "note": "no step of hers was recognised there: compared over the aligned "
                    "stretch"}


def _step_row(her: Analysis, ref: Analysis, i: int | None, j: int, al: dict,
              line: tuple[float, float], gap_list: list[dict]) -> dict:
    s = ref.steps[j]
    span = (to_her_time(s.start_s, al["ta"], al["tb"]), to_her_time(s.end_s, al["ta"], al["tb"]))
    row = {"reference_step": s.name, "reference_side": s.side,
           "reference_start_s": s.start_s, "reference_end_s": s.end_s,
           "matched": not (i is None and skipped(s, gap_list, her.steps, span))}
    if not row["matched"]:
        row.update(similarity=0.0, message=f"the reference's {step_word(s.name)} at "
                   f"{s.start_s:.1f} s is missing from yours")
        return row
    mine = _her_span(her, i, span)
    h = her.steps[i] if i is not None else Step(name=s.name, start_s=mine["her_start_s"],
                                                end_s=mine["her_end_s"])
    other_leg = side_difference(h, s, mirror=al["mirror"])
    # on the other leg (or her legs' labels swapped): working leg against working leg
    angles = angle_rows(her, ref, al["ta"], al["tb"], (h.start_s, h.end_s),
                        al["mirror"] != bool(other_leg))
    expected = intercept(s.start_s, al["ta"], al["tb"], line[1]) + line[1] * s.start_s
    row.update(mine, timing_ms=round(1000.0 * (h.start_s - expected)),
               duration_ratio=round((h.end_s - h.start_s) / max(s.end_s - s.start_s, 1e-6), 3),
               amplitude_ratio=None if angles["amplitude_ratio"] is None else
               round(angles["amplitude_ratio"], 3),
               angle_rms_deg=None if angles["rms_deg"] is None else round(angles["rms_deg"], 1),
               similarity=similarity(angles["rms_deg"]),
               differences=with_hidden_leg_caveat(
                   other_leg + metric_differences(h, s)
                   + elevation_difference(her, ref, h, s)
                   + angle_messages(angles["phases"], s.name), her, ref, h, s),
               efforts={"her": efforts(her, i), "reference": efforts(ref, j)})
    return row


def aligned_series(her: Analysis, ref: Analysis, al: dict) -> dict:
    """Knee and hip angles of both along the path, on the reference's clock (her
    sides mirrored back when the reference is danced on the other side), for plots;
    an angle either never saw is not plotted."""
    out: dict = {"t_ref": [round(float(t), 2) for t in al["tb"]], "her": {}, "reference": {}}
    for name in PLOTTED:
        if name not in her.kinematics.series or name not in ref.kinematics.series:
            continue
        x = along(her, mirror_name(name) if al["mirror"] else name, al["ta"])
        y = along(ref, name, al["tb"])
        if x is None or y is None:
            continue
        out["her"][name] = [round(float(v), 1) for v in x]
        out["reference"][name] = [round(float(v), 1) for v in y]
    return out


def compare(her: Analysis, ref: Analysis, *, reference_source: dict | None = None) -> dict:
    """Her performance against a reference of the same enchaînement.

    Parameters
    ----------
    her, ref : Analysis
        The two analyses (any sources: video, motion capture, keypoints).
    reference_source : dict, optional
        The reference's ``source`` block to report (default: ``ref.source``).

    Returns
    -------
    dict
        results.json's ``reference`` block: ``source``, ``mirrored`` and
        ``mirror_cost_ratio``, ``tempo_ratio`` (her duration over the reference's),
        ``offset_s``, ``duration_s``, ``similarity`` (0-100) and its definition, the
        ``alignment`` (its path as pairs of seconds), the ``aligned`` angles, one row
        per reference step in ``steps``, ``missing``, ``extra`` and ``gaps``.
    """
    names = shared_features(her, ref)
    al = choose_side(her, ref, names)
    gap_list = gaps(al["ta"], al["tb"])
    line = tempo_line(al["ta"], al["tb"], gap_list)
    hers, theirs = list(her.steps), list(ref.steps)
    pairs = rescue(match_steps(hers, theirs, al["ta"], al["tb"], mirror=al["mirror"]),
                   hers, theirs, gap_list, al["ta"], al["tb"])
    rows = [_step_row(her, ref, i, j, al, line, gap_list) for i, j in pairs]
    matched = {i for i, _ in pairs if i is not None}
    extra = [{"step": s.name, "start_s": s.start_s, "end_s": s.end_s}
             for k, s in enumerate(hers) if k not in matched]
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
