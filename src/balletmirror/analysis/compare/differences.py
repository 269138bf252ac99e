"""How a matched step of hers differs from the reference's, in numbers and in words.

The measures both steps have (:func:`metric_differences`, in the words of the
vocabulary's metrics), her leg against the reference's when their names differ
(:func:`elevation_difference`), the side (:func:`side_difference`), each joint angle
over the aligned frames and per third of the step (:func:`angle_rows`,
:func:`angle_messages`), the similarity, and a leg the camera did not see marked
unreliable (:func:`with_hidden_leg_caveat`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...core.records import Step
from ...core.skeleton import OTHER, SIDES, mirror_name
from ...core.vocabulary import METRICS, in_family, step_word
from ...features.signals import hidden_leg as hidden_leg_of
from .alignment import ANGLES, along

if TYPE_CHECKING:
    from ..pipeline import Analysis

REPORT_ANGLE_DEG = 10.0
SIMILARITY_ZERO_DEG = 45.0
#: smallest difference worth a word, by units
NOTICE = {"deg": 3.0, "m": 0.03, "s": 0.05, "knee heights": 0.05, "turns": 0.25}
#: the kinematics' angle series (without their side) in a dancer's words
LIMB_WORDS = {"knee_angle": "knee", "hip_flexion": "leg (hip flexion)",
              "hip_abduction": "leg (to the side)", "shoulder_elevation": "arm",
              "elbow_angle": "elbow", "trunk_inclination": "trunk"}
PHASES = ("start", "middle", "end")
HIDDEN = ("{whose} {leg} leg was hidden from the camera near its height (the pose "
          "model's confidence in its ankle: {confidence:.2f}; seen from the {view}), and "
          "its height is guessed: compare from a view that sees the working leg (her "
          "side or three-quarter on that side)")
#: the differences a hidden leg makes unreliable (by the end of their ``what``)
LEG_READINGS = ("leg_height", "hip_flexion", "hip_abduction", "knee_angle")


# ------------------------------------------------------------------ joint angles
def _phase_means(d: np.ndarray) -> dict[str, float]:
    """Mean of ``d`` over each third of the step's aligned frames."""
    return {p: float(np.mean(part)) for p, part in zip(PHASES, np.array_split(d, 3),
                                                         strict=True) if len(part)}


def angle_rows(her: Analysis, ref: Analysis, ta: np.ndarray, tb: np.ndarray,
               span_her: tuple[float, float], mirror: bool) -> dict:
    """Mean difference (deg) of each joint angle over the aligned frames inside the
    step and over each of its thirds (start, middle, end), the RMS over all of them,
    and the amplitude ratio; an angle either never saw is left out."""
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
        x, y = along(her, name, ta[inside]), along(ref, ref_name, tb[inside])
        if x is None or y is None:
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


def angle_messages(phases: dict[str, dict[str, float]], step: str) -> list[dict]:
    """A joint angle that differs by ``REPORT_ANGLE_DEG`` or more in some third of the
    step ``step`` (its name), in words, at the third where it differs most."""
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


# ------------------------------------------------------------------ the step's measures
def side_difference(her: Step, ref: Step, *, mirror: bool) -> list[dict]:
    """Her step on the other leg than the reference's (after mirroring), in words."""
    want = ref.side
    if want and mirror:
        want = OTHER[want]
    if not want or not her.side or her.side == want:
        return []
    return [{"what": "side", "her": her.side, "reference": want, "difference": None,
             "units": "", "message": f"your {step_word(ref.name)} is on the "
                                     f"{her.side} leg where the reference's is on the "
                                     f"{want} (or the pose model swapped your legs): "
                                     f"its angles are compared working leg to working "
                                     f"leg"}]


def metric_differences(her: Step, ref: Step) -> list[dict]:
    """The step metrics both have, her value against the reference's, in the words of
    :data:`balletmirror.core.vocabulary.METRICS`; and the turns."""
    out = []
    name = step_word(ref.name)
    for key, metric in METRICS.items():
        if metric.words is None:
            continue
        noun, more, less = metric.words
        a, b = her.metrics.get(key), ref.metrics.get(key)
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            continue
        d = float(a) - float(b)
        if abs(d) < NOTICE.get(metric.units, 0.0):
            continue
        out.append({"what": key, "her": a, "reference": b, "difference": round(d, 4),
                    "units": metric.units,
                    "message": f"your {name} {noun} is {abs(d):.2g} {metric.units} "
                               f"{more if d > 0 else less} than the reference's"})
    if abs((her.turns or 0) - (ref.turns or 0)) >= NOTICE["turns"]:
        out.append({"what": "turns", "her": her.turns, "reference": ref.turns,
                    "difference": (her.turns or 0) - (ref.turns or 0),
                    "units": "turns",
                    "message": f"you turned {her.turns or 0:g} where the reference "
                               f"turned {ref.turns or 0:g}"})
    return out


def peak_elevation(analysis: Analysis, start_s: float, end_s: float) -> float | None:
    """The highest rise of either leg from hanging down within the span, degrees."""
    w = analysis.signals.window(start_s, end_s)
    peaks = [np.nanmax(analysis.signals.elevation[s][w]) for s in SIDES
             if np.isfinite(analysis.signals.elevation[s][w]).any()]
    return float(max(peaks)) if peaks else None


def elevation_difference(her: Analysis, ref: Analysis, h: Step, s: Step) -> list[dict]:
    """For a gesture whose names differ (no shared leg-height metric): her working
    leg's highest elevation against the reference's."""
    if not in_family(s.name, "gesture") or ("leg_height" in h.metrics and
                                            "leg_height" in s.metrics):
        return []
    a, b = peak_elevation(her, h.start_s, h.end_s), peak_elevation(ref, s.start_s, s.end_s)
    if a is None or b is None or abs(a - b) < NOTICE["deg"]:
        return []
    d = a - b
    return [{"what": "leg_height", "her": round(a, 2), "reference": round(b, 2),
             "difference": round(d, 2), "units": "deg",
             "message": f"your {step_word(s.name)} leg is {abs(d):.0f} deg "
                        f"{'higher' if d > 0 else 'lower'} than the reference's"}]


# ------------------------------------------------------------------ a hidden leg
def hidden_leg(analysis: Analysis, step: Step, whose: str) -> str | None:
    """Why the step's leg height cannot be trusted (the raised leg, the working leg when
    the step has a side, hidden from the camera), or None."""
    seen = hidden_leg_of(analysis.signals, step.start_s, step.end_s, step.side)
    if seen is None:
        return None
    return HIDDEN.format(whose=whose, leg=seen[0], confidence=seen[1],
                         view=step.view or "camera")


def with_hidden_leg_caveat(differences: list[dict], her: Analysis, ref: Analysis,
                           h: Step, s: Step) -> list[dict]:
    """Mark the leg's height and the legs' angles, in a gesture whose raised leg one of
    the two cameras did not see (:func:`hidden_leg`), as unreliable, with the reason
    (the pose model guesses a hidden leg: MediaPipe puts an arabesque leg behind her
    body on her chest, 140 degrees of hip flexion)."""
    if not in_family(s.name, "gesture"):
        return differences
    why = hidden_leg(ref, s, "the reference's") or hidden_leg(her, h, "your")
    if why is None:
        return differences
    return [{**d, "reliable": False, "caveat": why,
             "message": d["message"] + " (unreliable: the leg was hidden from the camera)"}
            if d["what"].endswith(LEG_READINGS) else d for d in differences]


def efforts(analysis: Analysis, index: int | None) -> dict | None:
    """The Laban effort scales of step ``index`` of the analysis (its expression's
    phrase), or None."""
    if index is None:
        return None
    step = analysis.steps[index]
    for p in (analysis.expression or {}).get("phrases") or []:
        if p["start_s"] == step.start_s and p["step"] == step.name:
            return p.get("scales")
    return None
