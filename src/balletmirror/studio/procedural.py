"""A small procedural 3D performance with known geometry, for tests and benchmarks.

(The built-in demo of ``balletmirror analyze`` is a synthetic-studio performance,
:data:`balletmirror.studio.make.DEMO_CHOREOGRAPHY`; this lighter motion needs no
choreography and no rendering, and its angles are set directly.)  A procedural dancer of
height ``H`` (segment proportions from Winter 2009, Fig. 4.1) stands in first position
(feet turned out 60 degrees each), does two demi-pliés and a grand plié with the arms à la seconde,
then rises to relevé in retiré (passé) and turns two pirouettes en dehors on the left
leg (clockwise seen from above), and closes.  Positions are in metres, Y up, the
dancer starting to face +z.  Sensor-like noise (2 mm, seeded) is added so that the
cleaning stage has work to do.  This is not the synthetic studio's ground truth.
"""

from __future__ import annotations

import numpy as np

from ..core.geometry import unit_vectors
from ..core.motion import Motion
from ..core.skeleton import JOINTS, J

#: (start_s, end_s, knee flexion in degrees at the deepest point)
DEMO_PLIES = ((1.0, 3.0, 50.0), (3.0, 5.0, 50.0), (5.0, 8.5, 110.0))
DEMO_TURN = (10.0, 11.6, -720.0)  # start, end, yaw change in degrees (two turns en dehors)


def _bump(t: np.ndarray, start: float, end: float) -> np.ndarray:
    """0 outside [start, end], a raised-cosine 0 -> 1 -> 0 inside."""
    x = np.clip((t - start) / (end - start), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(2 * np.pi * x)


def _ramp(t: np.ndarray, start: float, end: float) -> np.ndarray:
    """0 before ``start``, a smooth step to 1 at ``end``."""
    x = np.clip((t - start) / (end - start), 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _supporting_leg(p, side, hip_x, knee_flex, rise, H):
    """Fill hip/knee/ankle/heel/toe of a standing (turned-out) leg, body frame."""
    sign = 1.0 if side == "left" else -1.0
    turnout = np.radians(60.0)
    d = np.array([sign * np.sin(turnout), 0.0, np.cos(turnout)])
    up = np.array([0.0, 1.0, 0.0])
    half = np.radians(knee_flex / 2)[:, None]
    ankle = np.array([hip_x, 0.039 * H, 0.0]) + rise[:, None] * 0.07 * H * up
    knee = ankle + 0.246 * H * (np.sin(half) * d + np.cos(half) * up)
    hip = knee + 0.245 * H * (-np.sin(half) * d + np.cos(half) * up)
    foot_pitch = np.radians(70.0) * rise[:, None]  # relevé: the foot rotates about the toes
    toe = ankle + 0.11 * H * (np.cos(foot_pitch) * d - np.sin(foot_pitch) * up)
    heel = ankle - 0.04 * H * (np.cos(foot_pitch) * d - np.sin(foot_pitch) * up) - 0.03 * H * up
    for name, value in (("hip", hip), ("knee", knee), ("ankle", ankle), ("heel", heel),
                        ("toe", toe)):
        p[:, J[f"{side}_{name}"]] = value


def _passe(p, retire, H):
    """Blend the right leg towards retiré: the pointed foot at the left knee."""
    hip = p[:, J["right_hip"]]
    target = p[:, J["left_knee"]] + np.array([-0.02, 0.0, 0.03]) * H
    knee = hip + 0.245 * H * unit_vectors(np.array([-0.75, -0.35, 0.55]) + 0 * hip)
    ankle = knee + 0.246 * H * unit_vectors(target - knee)
    toe = ankle + 0.11 * H * unit_vectors(ankle - knee)
    heel = ankle + 0.04 * H * unit_vectors(np.array([0.0, 0.3, 1.0]) + 0 * hip)
    w = retire[:, None]
    for name, value in (("knee", knee), ("ankle", ankle), ("toe", toe), ("heel", heel)):
        i = J[f"right_{name}"]
        p[:, i] = (1 - w) * p[:, i] + w * value


def _upper_body(p, arms_up, arms_front, H):
    """Trunk, head and arms from the pelvis, body frame."""
    mid = 0.5 * (p[:, J["left_hip"]] + p[:, J["right_hip"]])
    neck = mid + np.array([0.0, 0.288 * H, 0.0])
    head = {"nose": (0.0, 0.092, 0.06), "left_eye": (0.03, 0.118, 0.045),
            "right_eye": (-0.03, 0.118, 0.045), "left_ear": (0.07, 0.10, -0.01),
            "right_ear": (-0.07, 0.10, -0.01)}
    for name, off in head.items():
        p[:, J[name]] = neck + np.array(off) * H
    elevation = np.radians(20 + 70 * arms_up)[:, None]
    for side, sign in (("left", 1.0), ("right", -1.0)):
        shoulder = neck + np.array([sign * 0.10 * H, 0.0, 0.0])
        out = np.column_stack([sign * np.sin(elevation[:, 0]) * (1 - 0.6 * arms_front),
                               -np.cos(elevation[:, 0]), 0.25 + 0.8 * arms_front])
        elbow = shoulder + 0.186 * H * unit_vectors(out)
        fore = unit_vectors(out + np.column_stack([-sign * 0.5 * arms_front, 0 * arms_front,
                                            0.3 + 0 * arms_front]))
        p[:, J[f"{side}_shoulder"]], p[:, J[f"{side}_elbow"]] = shoulder, elbow
        p[:, J[f"{side}_wrist"]] = elbow + 0.146 * H * fore


def _rotate_about_support(p, yaw_deg, support):
    """Rotate every frame about the vertical through the supporting ankle."""
    a = np.radians(yaw_deg)
    c, s = np.cos(a)[:, None], np.sin(a)[:, None]
    rel = p - support[:, None, :]
    x = c * rel[..., 0] + s * rel[..., 2]
    z = -s * rel[..., 0] + c * rel[..., 2]
    return np.stack([x, rel[..., 1], z], axis=-1) + support[:, None, :]


def demo_motion(*, fps: float = 60.0, height: float = 1.65, seed: int = 0,
                noise_m: float = 0.002) -> Motion:
    """The demo performance (see module docstring) as a world-space Motion."""
    H = height
    t = np.arange(0.0, 13.0, 1.0 / fps)
    flex = sum(depth * _bump(t, a, b) for a, b, depth in DEMO_PLIES)
    t0, t1, turn = DEMO_TURN
    rise = _ramp(t, 9.2, 9.8) - _ramp(t, 11.8, 12.4)
    retire = _ramp(t, 9.4, 9.9) - _ramp(t, 11.6, 12.1)
    p = np.full((len(t), len(JOINTS), 3), np.nan)
    _supporting_leg(p, "left", 0.05 * H, flex, rise, H)
    _supporting_leg(p, "right", -0.05 * H, flex, rise * (1 - retire), H)
    _passe(p, retire, H)
    _upper_body(p, _ramp(t, 0.5, 1.0) - _ramp(t, 8.6, 9.2), _ramp(t, 9.0, 9.6)
                - _ramp(t, 11.8, 12.4), H)
    p[:, J["mid_hip"]] = 0.5 * (p[:, J["left_hip"]] + p[:, J["right_hip"]])
    p[:, J["neck"]] = 0.5 * (p[:, J["left_shoulder"]] + p[:, J["right_shoulder"]])
    yaw = turn * _ramp(t, t0, t1)
    p = _rotate_about_support(p, yaw, p[:, J["left_ankle"]] * np.array([1.0, 0.0, 1.0]))
    p += np.random.default_rng(seed).normal(0.0, noise_m, p.shape)
    return Motion(positions=p, confidence=np.ones(p.shape[:2]), times=t, fps=fps,
                  space="world", units="m", view=None,
                  provenance={"reader": "demo", "generator": "balletmirror.studio.procedural",
                              "height_m": H, "seed": seed,
                              "choreography": "2 demi-pliés, grand plié, relevé passé, "
                                              "2 pirouettes en dehors"})
