"""Fatigue: how the same movement changes across its repetitions in one session.

For every measure below, the repetitions of each step that carries it (at least
:data:`MIN_REPEATS`; and each long fouetté sequence, turn by turn) are followed and a
line fitted to them with the Theil-Sen estimator (the median of the pairwise slopes:
one mis-measured repetition does not tilt it; Sen 1968, J. Am. Stat. Assoc.
63:1379); the change is the line's rise from the first repetition to the last, as a
percentage of its value at the first.  A change in the tiring direction (shallower
pliés, lower jumps, slower turns, shorter balances) beyond :data:`FATIGUE_PCT` is
flagged.

===================  =======  =================  =====================================
measure              units    tiring direction   carried by (today)
===================  =======  =================  =====================================
``min_knee_angle``   degrees  up (shallower)     plié
``height``           metres   down               jump
``turn_duration_s``  seconds  up (slower)        pirouette, fouetté (the mean of its
                                                 ``turn_durations_s``)
``hold_s``           seconds  down               balance
===================  =======  =================  =====================================
"""

from __future__ import annotations

import numpy as np

from ..core.records import Step
from ..core.vocabulary import STEPS

MIN_REPEATS = 3
FATIGUE_PCT = 10.0

#: measure -> (units, +1 if a rise means tiring else -1)
MEASURES = {
    "min_knee_angle": ("deg", 1.0),
    "height": ("m", -1.0),
    "turn_duration_s": ("s", 1.0),
    "hold_s": ("s", -1.0),
}


def _value(step: Step, measure: str) -> float | None:
    if measure == "turn_duration_s":
        d = step.metrics.get("turn_durations_s") or []
        return float(np.mean(d)) if d else None
    v = step.metrics.get(measure)
    return float(v) if v is not None and np.isfinite(v) else None


def trend(values: list[float]) -> float | None:
    """Theil-Sen change from the first to the last value, % of the line's first."""
    if len(values) < MIN_REPEATS:
        return None
    from scipy.stats import theilslopes

    x = np.arange(len(values), dtype=float)
    slope, intercept, _, _ = theilslopes(np.asarray(values, dtype=float), x)
    if abs(intercept) < 1e-9:
        return None
    return float(100.0 * slope * (len(values) - 1) / abs(intercept))


def _row(step: str, measure: str, units: str, sign: float, values: list[float],
         times: list[float]) -> dict | None:
    change = trend(values)
    if change is None:
        return None
    return {"step": step, "measure": measure, "units": units, "repeats": len(values),
            "values": [round(v, 4) for v in values], "at_s": [round(t, 3) for t in times],
            "change_pct": round(change, 1), "tiring": bool(sign * change > FATIGUE_PCT)}


def fatigue(steps: list[Step]) -> list[dict]:
    """Fatigue rows over repetitions of each step, and within long fouetté sequences.

    Parameters
    ----------
    steps : list of Step
        The timeline.

    Returns
    -------
    list of dict
        ``step``, ``measure``, ``units``, ``repeats``, the ``values`` and their
        times ``at_s``, the Theil-Sen ``change_pct`` and whether it is ``tiring``.
    """
    rows = []
    for measure, (units, sign) in MEASURES.items():
        for name in STEPS:
            reps = [(s.start_s, _value(s, measure)) for s in steps if s.name == name]
            reps = [(t, v) for t, v in reps if v is not None]
            row = _row(name, measure, units, sign, [v for _, v in reps], [t for t, _ in reps])
            if row:
                rows.append(row)
    for s in steps:
        durations = s.metrics.get("turn_durations_s") or []
        if s.name == "fouette" and len(durations) >= 2 * MIN_REPEATS:
            row = _row("fouette", "turn_duration_s (within one sequence)", "s", 1.0,
                       list(durations), [s.start_s] * len(durations))
            if row:
                rows.append(row)
    return rows
