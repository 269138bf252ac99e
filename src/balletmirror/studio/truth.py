"""Ground truth of a studio performance, in the step schema of DESIGN.md.

The step list comes from the generators (what was danced, when, on which side, how
many turns, which faults were injected); every number in ``metrics`` is then
*measured on the generated 3D motion itself* by the measure each generator chose
(:mod:`.measure`, the same definitions the analysis uses), so truth and analysis can
be compared like for like.
"""

from __future__ import annotations

import numpy as np

from ..core.motion import Motion
from ..core.records import TRUTH_SCHEMA, Step
from ..features.kinematics import compute_kinematics
from .pose import Danced


def _window(times: np.ndarray, entry: Danced) -> slice:
    a = int(np.searchsorted(times, entry.start_s))
    b = int(np.searchsorted(times, entry.end_s, side="right"))
    return slice(a, max(b, a + 1))


def measured(entry: Danced, times: np.ndarray, points: np.ndarray, yaw: np.ndarray) -> dict:
    """The metrics of one danced step measured on the motion over its frames (its
    generator's measure; none for a step without one)."""
    if entry.measure is None:
        return {}
    w = _window(times, entry)
    return entry.measure(points[w], times[w], yaw[w], entry)


def truth_document(danced: list[Danced], motion: Motion, *, choreography: str, seed: int,
                   bpm: float | None, camera: dict | None = None) -> dict:
    """The truth.json document of a performance (schema ``balletmirror.truth/1``).

    Parameters
    ----------
    danced : list of Danced
        What the generators danced, in order.
    motion : Motion
        The true 3D motion (world space, metres).
    choreography : str
        As written.
    seed : int
    bpm : float or None
        The tempo of its counts.
    camera : dict, optional
        How it was filmed.

    Returns
    -------
    dict
        Its ``steps`` in the step schema (each measured on ``motion``), ``turns_total``
        and the performance's settings.
    """
    kin = compute_kinematics(motion)
    steps = [Step(name=d.name, start_s=d.start_s, end_s=d.end_s, side=d.side, turns=d.turns,
                  metrics={**d.metrics, **measured(d, motion.times, motion.positions,
                                                   kin["yaw"])},
                  faults=d.faults, style=d.style) for d in danced]
    return {"schema": TRUTH_SCHEMA, "choreography": choreography, "seed": seed,
            "fps": motion.fps, "duration_s": round(motion.duration_s, 4),
            "height_m": motion.provenance.get("height_m"), "camera": camera, "bpm": bpm,
            "steps": [s.to_json() for s in steps],
            "turns_total": float(sum(s.turns or 0.0 for s in steps))}
