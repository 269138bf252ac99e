"""Ground truth of a studio performance, in the step schema of DESIGN.md.

The step list comes from the generators (what was danced, when, on which side, how
many turns, which faults were injected); every number in ``metrics`` is then
*measured on the generated 3D motion itself* (the same definitions the analysis
uses), so truth and analysis can be compared like for like:

* ``plie``: ``min_knee_angle`` (deg, the smaller knee's interior angle at the bottom).
* ``releve``: ``releve_height_m`` (the heels' highest rise above the floor).
* ``tendu``/``degage``: ``extension_m`` (working toe to supporting toe, horizontal).
* ``developpe``/``grand_battement``/``arabesque``/``attitude``: ``leg_height`` (deg,
  the hip-to-ankle line of the working leg from straight down, highest).
* ``passe``, turns: ``passe_height`` (working toe height over supporting knee height,
  1.0 = at the knee).
* ``pirouette``/``fouette``: also ``min_supporting_knee_angle``,
  ``releve_height_m``, ``turn_durations_s`` (time of each full turn of the pelvis),
  ``travel_m`` (how far the supporting toe moved).
* ``jump``: ``height`` (m, the pelvis's rise over its take-off height), ``airtime_s``.
* ``travel``: ``distance_m`` (pelvis, horizontal).
"""

from __future__ import annotations

import numpy as np

from ..kinematics import angle_between, compute_kinematics, joint_angle
from ..motion import Motion
from ..skeleton import J
from ..turns import turn_durations
from .perform import OTHER

TRUTH_SCHEMA = "balletmirror.truth/1"


def _window(times: np.ndarray, entry: dict) -> slice:
    a = int(np.searchsorted(times, entry["start_s"]))
    b = int(np.searchsorted(times, entry["end_s"], side="right"))
    return slice(a, max(b, a + 1))


def _leg_height(p: np.ndarray, side: str) -> float:
    leg = p[:, J[f"{side}_ankle"]] - p[:, J[f"{side}_hip"]]
    down = np.broadcast_to([0.0, -1.0, 0.0], leg.shape)
    return float(np.max(angle_between(leg, down)))


def _passe_height(p: np.ndarray, working: str) -> float:
    toe = p[:, J[f"{working}_toe"], 1]
    knee = p[:, J[f"{OTHER[working]}_knee"], 1]
    i = int(np.argmax(toe))
    return float(toe[i] / knee[i])


def _phase_frames(times: np.ndarray, phases: list) -> np.ndarray:
    """Indices of the frames inside any of the (t0, t1) phases."""
    inside = np.zeros(len(times), dtype=bool)
    for t0, t1 in phases:
        inside |= (times >= t0) & (times <= t1)
    return np.flatnonzero(inside)


def _turn_metrics(p, times, yaw, working, phases) -> dict:
    """Measured while turning (the ``phases``): the supporting leg straight and on
    relevé, the working foot in retiré (middle of each phase)."""
    support = OTHER[working]
    on = _phase_frames(times, phases)
    knee = joint_angle(p, f"{support}_hip", f"{support}_knee", f"{support}_ankle")[on]
    mids = [int(np.argmin(np.abs(times - 0.5 * (a + b)))) for a, b in phases]
    toe = p[:, J[f"{support}_toe"]]
    return {"passe_height": round(float(np.median([_passe_height(p[i:i + 1], working)
                                                   for i in mids])), 4),
            "min_supporting_knee_angle": round(float(np.min(knee)), 2),
            "releve_height_m": round(float(np.median(p[on, J[f"{support}_heel"], 1])), 4),
            "turn_durations_s": turn_durations(times, yaw),
            "travel_m": round(float(np.linalg.norm((toe[-1] - toe[0])[[0, 2]])), 4)}


def measure(entry: dict, times: np.ndarray, points: np.ndarray, yaw: np.ndarray) -> dict:
    """The measured metrics of one truth entry (see the module docstring)."""
    w = _window(times, entry)
    p, name, side = points[w], entry["step"], entry.get("side")
    if name == "plie":
        knees = [joint_angle(p, f"{s}_hip", f"{s}_knee", f"{s}_ankle") for s in OTHER]
        return {"min_knee_angle": round(float(np.min(knees)), 2)}
    if name == "releve":
        heels = np.minimum(p[:, J["left_heel"], 1], p[:, J["right_heel"], 1])
        return {"releve_height_m": round(float(np.max(heels)), 4)}
    if name in ("tendu", "degage"):
        d = p[:, J[f"{side}_toe"]] - p[:, J[f"{OTHER[side]}_toe"]]
        return {"extension_m": round(float(np.max(np.hypot(d[:, 0], d[:, 2]))), 4)}
    if name in ("developpe", "grand_battement", "arabesque", "attitude"):
        return {"leg_height": round(_leg_height(p, side), 2)}
    if name == "passe":
        return {"passe_height": round(_passe_height(p, side), 4)}
    if name in ("pirouette", "fouette"):
        return _turn_metrics(p, times[w], yaw[w], side, entry["_phases"])
    if name == "jump":
        pelvis = p[:, J["mid_hip"], 1]
        takeoff = int(np.argmin(np.abs(times[w] - entry["_takeoff_s"])))
        return {"height": round(float(pelvis.max() - pelvis[takeoff]), 4)}
    if name == "travel":
        pelvis = p[:, J["mid_hip"]]
        return {"distance_m": round(float(np.linalg.norm((pelvis[-1] - pelvis[0])[[0, 2]])), 4)}
    return {}


def truth_document(entries: list[dict], motion: Motion, *, choreography: str, seed: int,
                   bpm: float | None, camera: dict | None = None) -> dict:
    """The truth.json document of a performance (schema ``balletmirror.truth/1``)."""
    kin = compute_kinematics(motion)
    steps = []
    for entry in entries:
        step = {k: v for k, v in entry.items() if k != "text" and not k.startswith("_")}
        step["start_s"] = round(step["start_s"], 4)
        step["end_s"] = round(step["end_s"], 4)
        step["metrics"] = {**step.get("metrics", {}),
                           **measure(entry, motion.times, motion.positions, kin["yaw"])}
        step.update({"score": None, "corrections": []})
        steps.append(step)
    return {"schema": TRUTH_SCHEMA, "choreography": choreography, "seed": seed,
            "fps": motion.fps, "duration_s": round(motion.duration_s, 4),
            "height_m": motion.provenance.get("height_m"), "camera": camera, "bpm": bpm,
            "steps": steps,
            "turns_total": float(sum(s["turns"] or 0.0 for s in steps))}
