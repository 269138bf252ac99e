"""What the studio's truth measures of a step on the true 3D motion.

Each step generator (:mod:`.steps`) names the measure of its truth when it records
what it danced; :func:`~.truth.truth_document` runs it over the step's frames.  The
definitions are the analysis's own, so truth and analysis compare like for like.  A
measure takes the step's joints ``p`` (frames, 23, 3) in metres, Y up, its ``times``
(s) and facing ``yaw`` (deg, unwrapped), and the step as danced (its side, the spans
it turned on relevé, a jump's take-off), and returns its metrics:

* :func:`knee_bend`: ``min_knee_angle`` (deg, the smaller knee's interior angle at the
  bottom: a plié).
* :func:`heels_up`: ``releve_height_m`` (the heels' highest rise above the floor).
* :func:`extension`: ``extension_m`` (working toe to supporting toe, horizontal: tendu,
  dégagé).
* :func:`leg_height`: ``leg_height`` (deg, the hip-to-ankle line of the working leg from
  straight down, highest: développé, grand battement, arabesque, attitude).
* :func:`retire`: ``passe_height`` (working toe height over supporting knee height,
  1.0 = at the knee).
* :func:`turning`: ``passe_height``, ``min_supporting_knee_angle``,
  ``releve_height_m``, ``turn_durations_s`` (time of each full turn of the pelvis),
  ``travel_m`` (how far the supporting toe moved): pirouettes, fouettés.
* :func:`flight`: ``height`` (m, the pelvis's rise over its take-off height).
* :func:`distance`: ``distance_m`` (pelvis, horizontal: a bourrée).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..core.geometry import angle_between, joint_angle
from ..core.skeleton import OTHER, SIDES, J
from ..features.turns import turn_durations

if TYPE_CHECKING:
    from .pose import Danced

#: ``measure(p, times, yaw, danced) -> metrics``
Measure = Callable[[np.ndarray, np.ndarray, np.ndarray, "Danced"], dict]


def _leg_height(p: np.ndarray, side: str) -> float:
    leg = p[:, J[f"{side}_ankle"]] - p[:, J[f"{side}_hip"]]
    down = np.broadcast_to([0.0, -1.0, 0.0], leg.shape)
    return float(np.max(angle_between(leg, down)))


def _passe_height(p: np.ndarray, working: str) -> float:
    toe = p[:, J[f"{working}_toe"], 1]
    knee = p[:, J[f"{OTHER[working]}_knee"], 1]
    i = int(np.argmax(toe))
    return float(toe[i] / knee[i])


def _phase_frames(times: np.ndarray, phases) -> np.ndarray:
    """Indices of the frames inside any of the (t0, t1) phases."""
    inside = np.zeros(len(times), dtype=bool)
    for t0, t1 in phases:
        inside |= (times >= t0) & (times <= t1)
    return np.flatnonzero(inside)


def knee_bend(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    knees = [joint_angle(p, f"{s}_hip", f"{s}_knee", f"{s}_ankle") for s in SIDES]
    return {"min_knee_angle": round(float(np.min(knees)), 2)}


def heels_up(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    heels = np.minimum(p[:, J["left_heel"], 1], p[:, J["right_heel"], 1])
    return {"releve_height_m": round(float(np.max(heels)), 4)}


def extension(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    side = danced.side
    d = p[:, J[f"{side}_toe"]] - p[:, J[f"{OTHER[side]}_toe"]]
    return {"extension_m": round(float(np.max(np.hypot(d[:, 0], d[:, 2]))), 4)}


def leg_height(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    return {"leg_height": round(_leg_height(p, danced.side), 2)}


def retire(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    return {"passe_height": round(_passe_height(p, danced.side), 4)}


def turning(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    """Measured while turning (the danced ``phases``): the supporting leg straight and
    on relevé, the working foot in retiré (middle of each phase)."""
    working = danced.side
    support = OTHER[working]
    on = _phase_frames(times, danced.phases)
    knee = joint_angle(p, f"{support}_hip", f"{support}_knee", f"{support}_ankle")[on]
    mids = [int(np.argmin(np.abs(times - 0.5 * (a + b)))) for a, b in danced.phases]
    toe = p[:, J[f"{support}_toe"]]
    return {"passe_height": round(float(np.median([_passe_height(p[i:i + 1], working)
                                                   for i in mids])), 4),
            "min_supporting_knee_angle": round(float(np.min(knee)), 2),
            "releve_height_m": round(float(np.median(p[on, J[f"{support}_heel"], 1])), 4),
            "turn_durations_s": turn_durations(times, yaw),
            "travel_m": round(float(np.linalg.norm((toe[-1] - toe[0])[[0, 2]])), 4)}


def flight(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    pelvis = p[:, J["mid_hip"], 1]
    takeoff = int(np.argmin(np.abs(times - danced.takeoff_s)))
    return {"height": round(float(pelvis.max() - pelvis[takeoff]), 4)}


def distance(p: np.ndarray, times: np.ndarray, yaw: np.ndarray, danced: Danced) -> dict:
    pelvis = p[:, J["mid_hip"]]
    return {"distance_m": round(float(np.linalg.norm((pelvis[-1] - pelvis[0])[[0, 2]])), 4)}
