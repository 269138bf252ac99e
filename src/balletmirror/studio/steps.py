"""Step generators: each adds its key poses, support spans and ground truth to a Stage.

Timing follows the counts at the phrase's BPM (one count = 60 / bpm seconds).  Every
generator starts from the dancer standing in her current position (``stage.position``,
the ``stage.front`` foot in front), returns her there, and records a truth entry in
the step schema of DESIGN.md (``metrics`` are measured afterwards on the true motion,
see :mod:`balletmirror.studio.truth`).

Expressive style changes how a movement travels between its key poses:
``sudden`` arrives in the first third of its time and holds, ``sustained`` uses all
of it; ``strong`` deepens pliés and lowers relevés, ``light`` the opposite;
``free`` overshoots the arrival and settles, ``bound`` arrives without overshoot;
``indirect`` curves the arms and head through extra waypoints; ``expansive`` opens
the arms and lifts the chest, ``contracted`` rounds them in.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ConfigError
from .choreography import StepSpec
from .perform import (
    OTHER,
    Stage,
    arabesque_arms,
    arms,
    gesture,
    passe_pose,
    single_support_pose,
    stance_pose,
    toe_on_floor_height,
)

LATE_S = 0.15


def beat(spec: StepSpec) -> float:
    """Seconds per count."""
    return 60.0 / spec.bpm


def _expand(spec: StepSpec) -> float:
    return {"expansive": 15.0, "contracted": -20.0}.get(spec.style.get("shape"), 0.0)


def _arrive(stage: Stage, spec: StepSpec, t0: float, t1: float, pose: dict) -> None:
    """Move from the pose at ``t0`` to ``pose``, arriving by ``t1`` as the style says."""
    time = spec.style.get("time")
    arrive = t0 + (t1 - t0) * (0.3 if time == "sudden" else 1.0)
    if "late" in spec.faults:
        arrive = min(arrive + spec.option("late", LATE_S), t1 + spec.option("late", LATE_S))
    if spec.style.get("flow") == "free":
        before = {k: v for k, v in pose.items()}
        stage.key(arrive - 0.25 * (arrive - t0), _overshoot(stage, before))
    stage.key(arrive, pose)
    if arrive < t1:
        stage.key(t1, pose)


def _overshoot(stage: Stage, pose: dict) -> dict:
    """10% beyond ``pose`` from the last keyed values (free flow)."""
    out = {}
    for name, value in pose.items():
        last = stage.keys[name][-1][1] if stage.keys[name] else value
        out[name] = value + 0.1 * (value - last)
    return out


def _rest(stage: Stage, spec: StepSpec, *, releve: float = 0.0) -> dict:
    weight = {"strong": -5.0, "light": 5.0}.get(spec.style.get("weight"), 0.0)
    pose = stance_pose(stage, releve=max(releve + (weight if releve else 0.0), 0.0))
    pose.update(arms(stage.arms, expand=_expand(spec)))
    pose.update({"trunk_lean": -0.3 * _expand(spec) / 5, "head_yaw": 0.0, "head_tilt": 0.0,
                 "pelvis_roll": 0.0, "yaw": stage.yaw})
    return pose


def _record(stage: Stage, spec: StepSpec, t0: float, t1: float, **entry) -> None:
    stage.truth.append({"step": spec.name, "start_s": t0, "end_s": t1, "side": None,
                        "turns": None, "metrics": {}, "faults": list(spec.faults),
                        "style": dict(spec.style), "text": spec.text, **entry})


# ------------------------------------------------------------------ steps
def step_position(stage: Stage, spec: StepSpec) -> None:
    """Close into a position of the feet (1st, 2nd, 4th, 5th)."""
    number = int(spec.number or 5)
    if number not in (1, 2, 4, 5):
        raise ConfigError(f"{spec.text!r}: positions are 1st, 2nd, 4th and 5th")
    t0 = stage.t
    stage.position = number
    stage.key(t0, {"yaw": stage.yaw})
    _arrive(stage, spec, t0, t0 + 2 * beat(spec), _rest(stage, spec))
    stage.plant(t0, t0 + 2 * beat(spec), "both")
    stage.t = t0 + 2 * beat(spec)


def step_plie(stage: Stage, spec: StepSpec) -> None:
    """Demi-plié (heels down) or grand plié (heels rise, except in 2nd)."""
    grand = "grand" in spec.words
    counts = spec.option("counts", 8 if grand else 4)
    depth = spec.option("depth", 115.0 if grand else 60.0)
    depth += {"strong": 10.0, "light": -10.0}.get(spec.style.get("weight"), 0.0)
    body = stage.body
    drop = _plie_drop(body, depth, grand and stage.position != 2)
    heels = 30.0 if grand and stage.position != 2 else 0.0
    knee_in = 20.0 if "knees_in" in spec.faults else 0.0
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    mid = 0.5 * (t0 + t1)
    stage.key(t0, _rest(stage, spec))
    bottom = stance_pose(stage, drop=drop, releve=heels, knee_in=knee_in)
    bottom.update(arms("demi" if grand else stage.arms, expand=_expand(spec)))
    _arrive(stage, spec, t0, mid, bottom)
    _arrive(stage, spec, mid, t1, _rest(stage, spec))
    stage.plant(t0, t1, "both")
    _record(stage, spec, t0, t1, metrics={"depth": "grand" if grand else "demi"})
    stage.t = t1


def _plie_drop(body, flexion: float, heels_up: bool) -> float:
    """How far the pelvis sinks when the knees bend ``flexion`` degrees (metres)."""
    import numpy as np

    lt, ls = body.thigh, body.shank
    bent = np.sqrt(lt**2 + ls**2 + 2 * lt * ls * np.cos(np.radians(flexion)))
    lift = 0.08 * body.height if heels_up else 0.0
    return lt + ls - bent * 0.97 - lift


def step_releve(stage: Stage, spec: StepSpec) -> None:
    """Rise to demi-pointe on both feet and come down."""
    counts = spec.option("counts", 4)
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    height = 75.0 + {"strong": -10.0, "light": 5.0}.get(spec.style.get("weight"), 0.0)
    stage.key(t0, _rest(stage, spec))
    up = _rest(stage, spec, releve=height)
    if "sickled_foot" in spec.faults:
        up.update({"left_sickle": 20.0, "right_sickle": 20.0})
    if "bent_supporting_knee" in spec.faults:
        up.update(stance_pose(stage, drop=0.04 * stage.body.height, releve=height))
    _arrive(stage, spec, t0, t0 + 0.3 * (t1 - t0), up)
    stage.key(t0 + 0.7 * (t1 - t0), up)
    _arrive(stage, spec, t0 + 0.7 * (t1 - t0), t1, _rest(stage, spec))
    stage.plant(t0, t1, "both")
    _record(stage, spec, t0, t1)
    stage.t = t1


def _direction(spec: StepSpec, default: str = "front") -> tuple[str, float]:
    word = spec.word(("front", "side", "back"), default)
    return word, {"front": 0.0, "side": 90.0, "back": 180.0}[word]


def _support_for(stage: Stage, working: str, spec: StepSpec, *, releve: float = 0.0,
                 extra: dict | None = None) -> dict:
    support = OTHER[working]
    knee = 15.0 if "bent_supporting_knee" in spec.faults else 0.0
    pose = single_support_pose(stage, support, releve=releve, knee=knee)
    pose.update(extra or {})
    return pose


def step_tendu(stage: Stage, spec: StepSpec, *, lift: float = 0.0,
               name: str = "tendu") -> None:
    """Battement tendu (the pointed foot slides out along the floor) or dégagé
    (``lift`` degrees off it)."""
    working = spec.side()
    word, direction = _direction(spec)
    counts = spec.option("counts", 4 if name == "tendu" else 2)
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    stage.key(t0, _rest(stage, spec))
    out = _support_for(stage, working, spec)
    touch = toe_on_floor_height(stage, working, direction, out)
    out.update(gesture(working, direction=direction, height=touch + lift, point=80.0))
    if "sickled_foot" in spec.faults:
        out[f"{working}_sickle"] = 25.0
    _arrive(stage, spec, t0, t0 + 0.4 * (t1 - t0), out)
    stage.key(t0 + 0.6 * (t1 - t0), out)
    _arrive(stage, spec, t0 + 0.6 * (t1 - t0), t1, _rest(stage, spec))
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, step=name, side=working, metrics={"direction": word})
    stage.t = t1


def step_degage(stage: Stage, spec: StepSpec) -> None:
    step_tendu(stage, spec, lift=20.0, name="degage")


def _raised_leg(stage: Stage, spec: StepSpec, *, name: str, direction: float, height: float,
                knee: float, counts: float, unfold: bool) -> None:
    """Développé, grand battement, arabesque, attitude: the working leg raised and
    held, the supporting leg straight."""
    working = spec.side()
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    stage.key(t0, _rest(stage, spec))
    hike = {"pelvis_roll": 8.0 * (1 if working == "left" else -1)} \
        if "hip_hiking" in spec.faults else {}
    lean = 0.25 * max(height - 45.0, 0.0) if direction > 135 else 0.0
    up = _support_for(stage, working, spec, extra=hike)
    up.update(gesture(working, direction=direction, height=height, knee=knee))
    up["trunk_lean"] = lean
    up.update(arabesque_arms(working) if direction > 135 else arms("second",
                                                                    expand=_expand(spec)))
    if unfold:  # développé: through retiré
        retire = passe_pose(stage, working, _support_for(stage, working, spec))
        retire.update(_support_for(stage, working, spec))
        _arrive(stage, spec, t0, t0 + 0.25 * (t1 - t0), retire)
        _arrive(stage, spec, t0 + 0.25 * (t1 - t0), t0 + 0.5 * (t1 - t0), up)
    else:
        _arrive(stage, spec, t0, t0 + 0.35 * (t1 - t0), up)
    stage.key(t0 + 0.7 * (t1 - t0), up)
    _arrive(stage, spec, t0 + 0.7 * (t1 - t0), t1, _rest(stage, spec))
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, step=name, side=working)
    stage.t = t1


def step_developpe(stage: Stage, spec: StepSpec) -> None:
    word, direction = _direction(spec)
    _raised_leg(stage, spec, name="developpe", direction=direction,
                height=spec.number or 90.0, knee=0.0, counts=spec.option("counts", 8),
                unfold=True)
    stage.truth[-1]["metrics"]["direction"] = word


def step_grand_battement(stage: Stage, spec: StepSpec) -> None:
    word, direction = _direction(spec)
    _raised_leg(stage, spec, name="grand_battement", direction=direction,
                height=spec.number or 100.0, knee=0.0, counts=spec.option("counts", 2),
                unfold=False)
    stage.truth[-1]["metrics"]["direction"] = word


def step_arabesque(stage: Stage, spec: StepSpec) -> None:
    _raised_leg(stage, spec, name="arabesque", direction=180.0,
                height=spec.number or 80.0, knee=0.0, counts=spec.option("counts", 8),
                unfold=False)


def step_attitude(stage: Stage, spec: StepSpec) -> None:
    word = spec.word(("front", "back"), "back")
    _raised_leg(stage, spec, name="attitude", direction=0.0 if word == "front" else 180.0,
                height=spec.number or 80.0, knee=80.0, counts=spec.option("counts", 8),
                unfold=False)
    stage.truth[-1]["metrics"]["direction"] = word


def step_passe(stage: Stage, spec: StepSpec) -> None:
    """Retiré: the working foot drawn up to the supporting knee and back to 5th."""
    working = spec.side()
    counts = spec.option("counts", 4)
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    level = "low" if "low_passe" in spec.faults else spec.options.get("height", "knee")
    stage.key(t0, _rest(stage, spec))
    support = _support_for(stage, working, spec)
    up = passe_pose(stage, working, support, level=level)
    up.update(support)
    up.update(arms("first", expand=_expand(spec)))
    _arrive(stage, spec, t0, t0 + 0.35 * (t1 - t0), up)
    stage.key(t0 + 0.65 * (t1 - t0), up)
    _arrive(stage, spec, t0 + 0.65 * (t1 - t0), t1, _rest(stage, spec))
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, side=working)
    stage.t = t1


STEPS: dict[str, Callable[[Stage, StepSpec], None]] = {
    "position": step_position, "plie": step_plie, "releve": step_releve,
    "tendu": step_tendu, "degage": step_degage, "developpe": step_developpe,
    "grand_battement": step_grand_battement, "arabesque": step_arabesque,
    "attitude": step_attitude, "passe": step_passe,
}
