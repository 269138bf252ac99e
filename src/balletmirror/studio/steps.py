"""Step generators: each adds its key poses, support spans and ground truth to a Stage.

Timing follows the counts at the phrase's BPM (one count = 60 / bpm seconds): a
movement arrives in its pose on a count (a relevé is up on 1 and comes down on 3, a
jump lands on the count) as a dancer does to the music.  Every
generator starts from the dancer standing in her current position (``stage.position``,
the ``stage.front`` foot in front), returns her there, and records a truth entry in
the step schema of DESIGN.md, with the :mod:`~balletmirror.studio.measure` its
metrics are measured with afterwards on the true motion (:mod:`balletmirror.studio.truth`).

Expressive style changes how a movement travels between its key poses:
``sudden`` arrives in the first third of its time and holds, ``sustained`` uses all
of it; ``strong`` deepens pliés and lowers relevés, ``light`` the opposite;
``strong`` also drives through the middle of each movement and ``light`` carries
on at an even pace (:func:`ease`); ``free`` overshoots the arrival and settles,
``bound`` arrives without overshoot;
``indirect`` sends the head and chest off the straight path between key poses (and
curves the port de bras); ``expansive`` opens
the arms and lifts the chest, ``contracted`` rounds them in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ..core.errors import ConfigError
from ..core.physics import flight_height, flight_time
from ..core.skeleton import OTHER
from . import measure
from .body import SIGN as SIGN_OF
from .pose import (
    TURNOUT,
    Danced,
    Stage,
    arabesque_arms,
    arms,
    feet_of,
    gesture,
    passe_pose,
    single_support_pose,
    stance_pose,
    toe_on_floor_height,
    toe_path_pose,
)
from .spec import StepSpec

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
    if spec.style.get("space") == "indirect" and arrive - t0 > 0.2:
        # indirect: the head and the chest wander off the straight path and come back
        turn = 25.0 if len(stage.danced) % 2 else -25.0
        stage.key(0.5 * (t0 + arrive), {"head_yaw": turn, "trunk_twist": 0.4 * turn,
                                        "head_tilt": -8.0})
        stage.key(arrive, {"head_yaw": 0.0, "trunk_twist": 0.0, "head_tilt": 0.0})
    if spec.style.get("weight") in ("strong", "light"):
        _weighted_path(stage, spec, t0, arrive, pose)
    if spec.style.get("flow") == "free":
        before = {k: v for k, v in pose.items()}
        stage.key(arrive - 0.25 * (arrive - t0), _overshoot(stage, before))
    stage.key(arrive, pose)
    if arrive < t1:
        stage.key(t1, pose)


def ease(spec: StepSpec, u: float) -> float:
    """How far along its way a movement is at time fraction ``u`` (0..1), by Laban
    Weight: ``strong`` drives through the middle of the movement (quintic
    smootherstep, peak speed 1.875 x the mean), ``light`` carries on at an even,
    buoyant pace (linear, the key interpolation softens its ends), neutral eases in
    and out (smoothstep, peak 1.5 x the mean)."""
    weight = spec.style.get("weight")
    if weight == "strong":
        return u**3 * (10.0 - 15.0 * u + 6.0 * u * u)
    if weight == "light":
        return u
    return u * u * (3.0 - 2.0 * u)


def _value_at(stage: Stage, name: str, t: float, default: float) -> float:
    keyed = [k for k in stage.keys[name] if k[0] <= t]
    return max(keyed)[2] if keyed else default


def _weighted_path(stage: Stage, spec: StepSpec, t0: float, t1: float, pose: dict,
                   samples: int = 4) -> None:
    """Key the way from the pose at ``t0`` to ``pose`` at ``t1`` along :func:`ease`."""
    start = {name: _value_at(stage, name, t0, value) for name, value in pose.items()}
    for i in range(1, samples):
        u = i / samples
        e = ease(spec, u)
        stage.key(t0 + u * (t1 - t0), {name: start[name] + e * (value - start[name])
                                       for name, value in pose.items()})


def _overshoot(stage: Stage, pose: dict) -> dict:
    """10% beyond ``pose`` from the last keyed values (free flow)."""
    out = {}
    for name, value in pose.items():
        last = max(stage.keys[name])[2] if stage.keys[name] else value
        out[name] = value + 0.1 * (value - last)
    return out


def _rest(stage: Stage, spec: StepSpec, *, releve: float = 0.0) -> dict:
    weight = {"strong": -5.0, "light": 5.0}.get(spec.style.get("weight"), 0.0)
    pose = stance_pose(stage, releve=max(releve + (weight if releve else 0.0), 0.0))
    pose.update(arms(stage.arms, expand=_expand(spec)))
    pose.update({"trunk_lean": -0.3 * _expand(spec) / 5, "head_yaw": 0.0, "head_tilt": 0.0,
                 "pelvis_roll": 0.0, "yaw": stage.yaw})
    return pose


def _record(stage: Stage, spec: StepSpec, t0: float, t1: float, *, step: str | None = None,
            **entry) -> None:
    """What the step danced from ``t0`` to ``t1`` (its truth), named ``step`` in the
    vocabulary (default: the choreography's name)."""
    stage.danced.append(Danced(name=step or spec.name, start_s=t0, end_s=t1,
                               faults=tuple(spec.faults), style=dict(spec.style), **entry))


# ------------------------------------------------------------------ steps
def step_position(stage: Stage, spec: StepSpec) -> None:
    """Close into a position of the feet (1st, 2nd, 4th, 5th)."""
    number = int(spec.number or 5)
    if number not in (1, 2, 4, 5):
        raise ConfigError(f"{spec.text!r}: positions are 1st, 2nd, 4th and 5th")
    t0 = stage.t
    stage.position = number
    stage.key(t0, {"yaw": stage.yaw})
    if not stage.danced and t0 == 0.0:  # the performance opens standing in the position
        stage.key(t0, _rest(stage, spec))
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
    _stance_path(stage, spec, t0, mid, drop=(0.0, drop), releve=(0.0, heels),
                 knee_in=(0.0, knee_in))
    stage.key(mid, arms("demi" if grand else stage.arms, expand=_expand(spec)))
    _stance_path(stage, spec, mid, t1, drop=(drop, 0.0), releve=(heels, 0.0),
                 knee_in=(knee_in, 0.0))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t1, "both")
    _record(stage, spec, t0, t1, metrics={"depth": "grand" if grand else "demi"},
            measure=measure.knee_bend)
    stage.t = t1


def _stance_path(stage: Stage, spec: StepSpec, t0: float, t1: float, *, drop, releve,
                 knee_in, samples: int = 8) -> None:
    """Key both planted legs along a stance change (plié, relevé), solving the legs at
    ``samples`` moments so that the feet stay where they stand all the way through
    (angles interpolated between two far-apart stances would let them slide)."""
    time = spec.style.get("time")
    span = (t1 - t0) * (0.3 if time == "sudden" else 1.0)
    if "late" in spec.faults:
        span = min(span + spec.option("late", LATE_S), t1 - t0)
    for i in range(1, samples + 1):
        u = i / samples
        e = ease(spec, u)  # smooth start and arrival, as the Weight says
        stage.key(t0 + u * span, stance_pose(
            stage, drop=drop[0] + e * (drop[1] - drop[0]),
            releve=releve[0] + e * (releve[1] - releve[0]),
            knee_in=knee_in[0] + e * (knee_in[1] - knee_in[0])))
    if span < t1 - t0:
        stage.key(t1, stance_pose(stage, drop=drop[1], releve=releve[1], knee_in=knee_in[1]))


def _plie_drop(body, flexion: float, heels_up: bool) -> float:
    """How far the pelvis sinks when the knees bend ``flexion`` degrees (metres)."""
    lt, ls = body.thigh, body.shank
    bent = np.sqrt(lt**2 + ls**2 + 2 * lt * ls * np.cos(np.radians(flexion)))
    lift = 0.08 * body.height if heels_up else 0.0
    return lt + ls - bent * 0.97 - lift


def step_releve(stage: Stage, spec: StepSpec) -> None:
    """Rise to demi-pointe on both feet and come down."""
    counts = spec.option("counts", 4)
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    height = 75.0 + {"strong": -10.0, "light": 5.0}.get(spec.style.get("weight"), 0.0)
    bent = 0.04 * stage.body.height if "bent_supporting_knee" in spec.faults else 0.0
    stage.key(t0, _rest(stage, spec))
    t_up, t_down = t0 + 0.25 * (t1 - t0), t0 + 0.75 * (t1 - t0)  # up on 1, down on 3
    _stance_path(stage, spec, t0, t_up, drop=(0.0, bent), releve=(0.0, height),
                 knee_in=(0.0, 0.0))
    if "sickled_foot" in spec.faults:
        stage.key(t_up, {"left_sickle": 20.0, "right_sickle": 20.0})
    stage.key(t_down, stance_pose(stage, drop=bent, releve=height))
    _stance_path(stage, spec, t_down, t1, drop=(bent, 0.0), releve=(height, 0.0),
                 knee_in=(0.0, 0.0))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t1, "both")
    _record(stage, spec, t0, t1, measure=measure.heels_up)
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


def _toe_out(stage: Stage, working: str, word: str) -> tuple[np.ndarray, np.ndarray]:
    """Where the working toe starts (closed in the position) and ends (fully
    stretched along the floor), in the pelvis frame of the supporting stance."""
    body = stage.body
    feet = feet_of(stage.position, stage.front, body)
    support = OTHER[working]
    under = np.array([SIGN_OF[support] * body.hip_half * 0.4, 0.04 * body.height])
    start = under + np.subtract(feet[working], feet[support])
    g = SIGN_OF[working]
    reach = {"front": (0.0, 0.30), "side": (g * 0.30, 0.0), "back": (0.0, -0.30)}[word]
    end = under + np.array(reach) * body.height
    return start, end


def _lift_off(stage: Stage, spec: StepSpec, working: str, t: float,
              support: dict | None = None) -> None:
    """Key the working foot pointed on the floor where it stands closed (its heel
    raised first, so it never goes through the floor on its way up)."""
    support = support or _support_for(stage, working, spec)
    start, _ = _toe_out(stage, working, "front")
    stage.key(t, dict(support, **toe_path_pose(stage, working, tuple(start), support)))


def step_tendu(stage: Stage, spec: StepSpec, *, lift: float = 0.0,
               name: str = "tendu") -> None:
    """Battement tendu: the foot slides out along the floor, the heel leaving it, to
    a fully pointed foot, and closes back; dégagé: the pointed foot then leaves the
    floor by ``lift`` degrees."""
    working = spec.side()
    word, direction = _direction(spec)
    counts = spec.option("counts", 4 if name == "tendu" else 2)
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    # out on the first quarter of the counts, closed on the last
    travel = 0.25 * (0.3 if spec.style.get("time") == "sudden" else 1.0)
    t_out, t_in = t0 + travel * (t1 - t0), t1 - travel * (t1 - t0)
    stage.key(t0, _rest(stage, spec))
    support = _support_for(stage, working, spec)
    start, end = _toe_out(stage, working, word)
    facing = {"front": 80.0, "side": 90.0, "back": 100.0}[word]
    for u in np.linspace(0.0, 1.0, 7):
        pose = dict(support, **toe_path_pose(stage, working, tuple(start + u * (end - start)),
                                             support, facing=TURNOUT + u * (facing - TURNOUT)))
        if "sickled_foot" in spec.faults:
            pose[f"{working}_sickle"] = 25.0 * u
        stage.key(t0 + u * (t_out - t0), pose)
        stage.key(t1 - u * (t1 - t_in), pose)
    if lift:
        out = dict(support, **gesture(working, direction=direction,
                                      height=toe_on_floor_height(stage, working, direction,
                                                                 support) + lift, point=80.0))
        stage.key(t_out + 0.1 * (t_in - t_out), out)
        stage.key(t_in - 0.1 * (t_in - t_out), out)
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, step=name, side=working, metrics={"direction": word},
            measure=measure.extension)
    stage.t = t1


def step_degage(stage: Stage, spec: StepSpec) -> None:
    step_tendu(stage, spec, lift=20.0, name="degage")


def _raised_leg(stage: Stage, spec: StepSpec, *, name: str, direction: float, height: float,
                knee: float, counts: float, unfold: bool, metrics: dict | None = None) -> None:
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
    _lift_off(stage, spec, working, t0 + 0.08 * (t1 - t0), up_support := _support_for(
        stage, working, spec, extra=hike))
    if unfold:  # développé: through retiré
        retire = dict(passe_pose(stage, working, up_support), **up_support)
        _arrive(stage, spec, t0 + 0.08 * (t1 - t0), t0 + 0.25 * (t1 - t0), retire)
        _arrive(stage, spec, t0 + 0.25 * (t1 - t0), t0 + 0.5 * (t1 - t0), up)
    else:  # grand battement: brushed out through the tendu, thrown up
        word = {0.0: "front", 90.0: "side"}.get(direction, "back")
        _, toe = _toe_out(stage, working, word)
        stage.key(t0 + 0.25 * (t1 - t0), dict(up_support, **toe_path_pose(
            stage, working, tuple(toe), up_support)))
        _arrive(stage, spec, t0 + 0.25 * (t1 - t0), t0 + 0.5 * (t1 - t0), up)
    stage.key(t0 + 0.75 * (t1 - t0), up)
    if unfold:  # and folds back through retiré
        stage.key(t0 + 0.875 * (t1 - t0), dict(passe_pose(stage, working, up_support),
                                                **up_support))
    _lift_off(stage, spec, working, t0 + 0.9375 * (t1 - t0), up_support)
    _arrive(stage, spec, t0 + 0.9375 * (t1 - t0), t1, _rest(stage, spec))
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, step=name, side=working, metrics=dict(metrics or {}),
            measure=measure.leg_height)
    stage.t = t1


def step_developpe(stage: Stage, spec: StepSpec) -> None:
    word, direction = _direction(spec)
    _raised_leg(stage, spec, name="developpe", direction=direction,
                height=spec.number or 90.0, knee=0.0, counts=spec.option("counts", 8),
                unfold=True, metrics={"direction": word})


def step_grand_battement(stage: Stage, spec: StepSpec) -> None:
    word, direction = _direction(spec)
    _raised_leg(stage, spec, name="grand_battement", direction=direction,
                height=spec.number or 100.0, knee=0.0, counts=spec.option("counts", 2),
                unfold=False, metrics={"direction": word})


def step_arabesque(stage: Stage, spec: StepSpec) -> None:
    _raised_leg(stage, spec, name="arabesque", direction=180.0,
                height=spec.number or 80.0, knee=0.0, counts=spec.option("counts", 8),
                unfold=True)


def step_attitude(stage: Stage, spec: StepSpec) -> None:
    word = spec.word(("front", "back"), "back")
    _raised_leg(stage, spec, name="attitude", direction=0.0 if word == "front" else 180.0,
                height=spec.number or 80.0, knee=80.0, counts=spec.option("counts", 8),
                unfold=True, metrics={"direction": word})


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
    _lift_off(stage, spec, working, t0 + 0.1 * (t1 - t0), support)
    _arrive(stage, spec, t0 + 0.1 * (t1 - t0), t0 + 0.25 * (t1 - t0), up)  # up on 1
    stage.key(t0 + 0.75 * (t1 - t0), up)  # held to 3
    _lift_off(stage, spec, working, t0 + 0.875 * (t1 - t0), support)
    _arrive(stage, spec, t0 + 0.875 * (t1 - t0), t1, _rest(stage, spec))  # closed on 4
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, side=working, measure=measure.retire)
    stage.t = t1


# ------------------------------------------------------------------ turns
def turn_sign(spec: StepSpec, working: str) -> float:
    """+1 counter-clockwise seen from above (to her left), -1 clockwise.

    En dehors turns towards the working leg (right leg: to the right, clockwise),
    en dedans towards the supporting leg."""
    en_dehors = spec.word(("en_dehors", "en_dedans"), "en_dehors") == "en_dehors"
    towards_right = (working == "right") == en_dehors
    return -1.0 if towards_right else 1.0


def _turn_keys(stage: Stage, t0: float, t1: float, degrees: float) -> None:
    """Yaw from its value at ``t0`` by ``degrees`` at ``t1``, at a steady speed after a
    short acceleration (keys at 10% and 90%)."""
    y0 = stage.yaw
    stage.key(t0, {"yaw": y0})
    stage.key(t0 + 0.1 * (t1 - t0), {"yaw": y0 + 0.05 * degrees})
    stage.key(t0 + 0.9 * (t1 - t0), {"yaw": y0 + 0.95 * degrees})
    stage.key(t1, {"yaw": y0 + degrees})
    stage.yaw = y0 + degrees


def _spot(stage: Stage, spec: StepSpec, t0: float, t1: float) -> None:
    """Spot the turn between ``t0`` and ``t1`` unless the step says ``spot=no``."""
    if spec.options.get("spot", "yes") not in ("no", "false", "0", "off"):
        stage.spots.append((t0, t1))


def _turning_pose(stage: Stage, spec: StepSpec, working: str) -> dict:
    level = "low" if "low_passe" in spec.faults else spec.options.get("height", "knee")
    support = _support_for(stage, working, spec, releve=80.0)
    pose = passe_pose(stage, working, support, level=level)
    pose.update(support)
    pose.update(arms("first", expand=_expand(spec)))
    if "sickled_foot" in spec.faults:
        pose[f"{OTHER[working]}_sickle"] = 20.0
    return pose


def step_pirouette(stage: Stage, spec: StepSpec) -> None:
    """Pirouette: demi-plié, relevé in retiré on the supporting leg, N turns at the
    given tempo (turns/s, default 2), spotting, close in 5th with a demi-plié."""
    working = spec.side()
    turns = spec.number or 1.0
    tempo = spec.option("tempo", 2.0)
    b = beat(spec)
    t0 = stage.t
    t_rise, t_turn = t0 + b, t0 + 1.25 * b
    t_land = t_turn + turns / tempo
    t1 = t_land + 1.5 * b
    stage.key(t0, _rest(stage, spec))
    _stance_path(stage, spec, t0, t_rise, drop=(0.0, 0.06 * stage.body.height),
                 releve=(0.0, 0.0), knee_in=(0.0, 0.0))
    up = _turning_pose(stage, spec, working)
    stage.key(t_rise + 0.05, dict(stance_pose(stage, drop=0.03 * stage.body.height,
                                              releve=30.0)))
    stage.key(t_turn, up)
    stage.key(t_land - 0.05, up)
    _turn_keys(stage, t_turn, t_land, 360.0 * turns * turn_sign(spec, working))
    stage.key(t_land + 0.5 * b, stance_pose(stage, drop=0.06 * stage.body.height))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t_rise, "both")
    stage.plant(t_rise, t_land + 0.5 * b, OTHER[working])
    stage.plant(t_land + 0.5 * b, t1, "both")
    _spot(stage, spec, t_turn, t_land)
    stage.drifts.append((t_turn, t_land, spec.option("travel", 0.0)))
    _record(stage, spec, t_rise, t_land + 0.5 * b, side=working, turns=turns,
            phases=((t_turn, t_land),), measure=measure.turning,
            metrics={"direction": spec.word(("en_dehors", "en_dedans"), "en_dehors"),
                     "tempo": tempo, "travel_m": spec.option("travel", 0.0),
                     "spotting": bool(stage.spots and stage.spots[-1] == (t_turn, t_land))})
    stage.t = t1


def step_fouette(stage: Stage, spec: StepSpec) -> None:
    """Fouettés rond de jambe en tournant: each turn a plié on the supporting leg with
    the working leg thrown devant, whipped à la seconde at 90 degrees, and drawn into
    retiré as she rises and turns once (tempo = turns/s, default 1.5)."""
    working = spec.side()
    turns = int(spec.number or 8)
    tempo = spec.option("tempo", 1.5)
    b = beat(spec)
    cycle = 1.0 / tempo
    t0 = stage.t
    stage.key(t0, _rest(stage, spec))
    _stance_path(stage, spec, t0, t0 + b, drop=(0.0, 0.06 * stage.body.height),
                 releve=(0.0, 0.0), knee_in=(0.0, 0.0))
    sign = turn_sign(spec, working)
    plie = single_support_pose(stage, OTHER[working], releve=0.0, knee=35.0)
    whip_height = spec.option("depth", 90.0)
    up = _turning_pose(stage, spec, working)
    _lift_off(stage, spec, working, t0 + b + 0.1, plie)
    start = t0 + b + 0.4 / tempo  # the leg opens devant before the first whip
    stage.key(0.5 * (t0 + b + 0.1 + start), dict(passe_pose(stage, working, plie), **plie))
    for i in range(turns):
        c0 = start + i * cycle
        front = dict(plie, **gesture(working, direction=0.0, height=whip_height))
        side = dict(up, **gesture(working, direction=90.0, height=whip_height))
        stage.key(c0, front)
        stage.key(c0 + 0.3 * cycle, side)
        stage.key(c0 + 0.55 * cycle, up)
        stage.key(c0 + 0.95 * cycle, dict(up, **front) if i < turns - 1 else up)
        _turn_keys(stage, c0 + 0.3 * cycle, c0 + 0.95 * cycle, 360.0 * sign)
    end = start + turns * cycle
    t1 = end + 2 * b
    stage.key(end + 0.5 * b, stance_pose(stage, drop=0.06 * stage.body.height))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t0 + b, "both")
    stage.plant(t0 + b, end + 0.5 * b, OTHER[working])
    stage.plant(end + 0.5 * b, t1, "both")
    _spot(stage, spec, start, end)
    stage.drifts.append((start, end, spec.option("travel", 0.0)))
    _record(stage, spec, start, end + 0.5 * b, side=working, turns=float(turns),
            measure=measure.turning,
            phases=tuple((start + (i + 0.55) * cycle, start + (i + 0.95) * cycle)
                     for i in range(turns)),
            metrics={"direction": spec.word(("en_dehors", "en_dedans"), "en_dehors"),
                     "tempo": tempo, "whip_height": whip_height,
                     "spotting": bool(stage.spots and stage.spots[-1] == (start, end))})
    stage.t = t1


# ------------------------------------------------------------------ jumps
def _jump(stage: Stage, spec: StepSpec, *, kind: str, airtime: float, turns: float = 0.0,
          switch: bool = False) -> None:
    """Demi-plié, push through the feet, a ballistic flight of ``airtime`` seconds with
    pointed feet (turning ``turns`` times for a tour en l'air), land in demi-plié."""
    b = beat(spec)
    t0 = stage.t
    drop = 0.07 * stage.body.height
    # landed on the count (the first the plié, push and flight allow), pushed off
    # just before it
    t_land = t0 + b * np.ceil((0.15 + 0.12 + airtime) / b - 1e-9)
    t_off = t_land - airtime
    t_push = t_off - 0.12
    t1 = t_land + b  # a count to recover: the next jump pushes off on the "and"
    stage.key(t0, _rest(stage, spec))
    _stance_path(stage, spec, t0, t_push, drop=(0.0, drop), releve=(0.0, 0.0),
                 knee_in=(0.0, 20.0 if "knees_in" in spec.faults else 0.0))
    pointed = stance_pose(stage, releve=85.0)
    stage.key(t_off, pointed)
    if turns:
        sign = -1.0 if spec.side() == "right" else 1.0
        _turn_keys(stage, t_off, t_land, 360.0 * turns * sign)
        _spot(stage, spec, t_off, t_land)
    if switch:
        stage.front = OTHER[stage.front]
    stage.key(t_land, stance_pose(stage, releve=85.0))
    stage.key(t_land + 0.1, stance_pose(stage, releve=20.0, drop=0.03 * stage.body.height))
    stage.key(t_land + 0.3 * b, stance_pose(stage, drop=drop))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t_off, "both")
    stage.plant(t_off, t_land, "air")
    stage.plant(t_land, t1, "both")
    height = flight_height(airtime)
    _record(stage, spec, t_push, t_land + 0.3 * b, step="jump", turns=turns or None,
            takeoff_s=t_off, measure=measure.flight,
            metrics={"kind": kind, "height": round(height, 4), "airtime_s": airtime})
    stage.t = t1


def step_saute(stage: Stage, spec: StepSpec) -> None:
    height = spec.option("height", 0.0)
    if height < 0:
        raise ConfigError(f"{spec.text!r}: expected a jump height=metres > 0, but got "
                          f"{height:g}")
    _jump(stage, spec, kind="saute", airtime=flight_time(height) if height else 0.32)


def step_changement(stage: Stage, spec: StepSpec) -> None:
    _jump(stage, spec, kind="changement", airtime=0.34, switch=True)


def step_tour(stage: Stage, spec: StepSpec) -> None:
    turns = spec.number or 1.0
    _jump(stage, spec, kind="tour_en_lair", airtime=0.45 + 0.05 * turns, turns=turns,
          switch=turns % 1 == 0)


# ------------------------------------------------------ holds, arms, travel
def step_balance(stage: Stage, spec: StepSpec) -> None:
    """Balance: hold a relevé (in retiré if a side is named) for N seconds."""
    hold = spec.number or 2.0
    b = beat(spec)
    t0 = stage.t
    working = spec.side(default="") if ("left" in spec.words or "right" in spec.words) else ""
    stage.key(t0, _rest(stage, spec))
    if working:
        up = _turning_pose(stage, spec, working)
        up.update(arms("fifth", expand=_expand(spec)))
        stage.plant(t0, t0 + b, OTHER[working])
    else:
        up = dict(stance_pose(stage, releve=75.0), **arms("fifth", expand=_expand(spec)))
        stage.plant(t0, t0 + b, "both")
    stage.key(t0 + 0.5 * b, up)
    stage.key(t0 + 0.5 * b + hold, up)
    t1 = t0 + 1.5 * b + hold
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0 + b, t1, OTHER[working] if working else "both")
    _record(stage, spec, t0 + 0.5 * b, t0 + 0.5 * b + hold, side=working or None,
            metrics={"hold_s": hold})
    stage.t = t1


def step_port_de_bras(stage: Stage, spec: StepSpec) -> None:
    """Port de bras through first, fifth and second, with a cambré (front: forward
    bend, back: arched back, side: to the side)."""
    b = beat(spec)
    bend = spec.word(("front", "back", "side"), "front")
    t0 = stage.t
    rest = _rest(stage, spec)
    stage.key(t0, rest)
    e = _expand(spec)
    lean = {"front": {"trunk_lean": 45.0}, "back": {"trunk_lean": -25.0, "head_tilt": -20.0},
            "side": {"trunk_side": 25.0}}[bend]
    stage.key(t0 + 2 * b, arms("first", expand=e))
    stage.key(t0 + 4 * b, dict(arms("fifth", expand=e), **lean))
    stage.key(t0 + 6 * b, dict(arms("second", expand=e), trunk_lean=0.0, trunk_side=0.0,
                               head_tilt=0.0))
    if spec.style.get("space") == "indirect":
        stage.key(t0 + 5 * b, {"head_yaw": 30.0, "trunk_twist": 15.0})
        stage.key(t0 + 6 * b, {"head_yaw": 0.0, "trunk_twist": 0.0})
    stage.key(t0 + 8 * b, rest)
    stage.plant(t0, t0 + 8 * b, "both")
    _record(stage, spec, t0, t0 + 8 * b, metrics={"cambre": bend})
    stage.t = t0 + 8 * b


def step_travel(stage: Stage, spec: StepSpec) -> None:
    """Pas de bourrée couru: tiny alternating steps on demi-pointe in 5th, travelling
    N metres (default 1) to the front, side or back.  Each little step carries the
    moving foot half a step ahead of the body while the body passes over the planted
    one, so that every planted foot stays put and the body travels a step a step."""
    distance = spec.number or 1.0
    word = spec.word(("front", "side", "back"), "side")
    step = 0.05 * stage.body.height
    n = max(2, int(round(distance / step)))
    b = beat(spec)
    t0 = stage.t
    dt = 0.12
    stage.key(t0, _rest(stage, spec))
    _stance_path(stage, spec, t0, t0 + 0.5 * b, drop=(0.0, 0.0), releve=(0.0, 75.0),
                 knee_in=(0.0, 0.0))
    stage.plant(t0, t0 + 0.5 * b, "both")
    t = t0 + 0.5 * b
    where = {"left": 0.0, "right": 0.0}  # each foot's place along the travel, in steps
    for i in range(n + 1):
        mover = stage.front if i % 2 == 0 else OTHER[stage.front]
        planted = OTHER[mover]
        end = {mover: 0.5, planted: -0.5} if i < n else {mover: 0.0, planted: 0.0}
        mid = {mover: 0.5 * (where[mover] + end[mover]),
               planted: 0.5 * (where[planted] + end[planted])}
        stage.key(t + dt / 2, _bourree_pose(stage, mid, word, step, lifted=mover))
        stage.key(t + dt, _bourree_pose(stage, end, word, step))
        stage.plant(t, t + dt, planted)
        where = end
        t += dt
    t1 = t + b
    _stance_path(stage, spec, t, t1, drop=(0.0, 0.0), releve=(75.0, 0.0), knee_in=(0.0, 0.0))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t, t1, "both")
    _record(stage, spec, t0 + 0.5 * b, t, measure=measure.distance,
            metrics={"direction": word, "distance_m": round(n * step, 3)})
    stage.t = t1


def _bourree_pose(stage: Stage, where: dict, word: str, step: float,
                  lifted: str | None = None) -> dict:
    """A bourrée on demi-pointe, each foot ``where[side]`` steps along the travel from
    its place in the position; the ``lifted`` foot off the floor."""
    feet = feet_of(stage.position, stage.front, stage.body)
    dx, dz = {"front": (0.0, step), "back": (0.0, -step), "side": (-step, 0.0)}[word]
    feet = {s: (x + where[s] * dx, z + where[s] * dz) for s, (x, z) in feet.items()}
    pose = stance_pose(stage, releve=75.0, feet=feet)
    if lifted:
        pose[f"{lifted}_knee"] = pose[f"{lifted}_knee"] + 25.0
    return pose


def step_rond_de_jambe(stage: Stage, spec: StepSpec) -> None:
    """Rond de jambe à terre: the pointed toe draws a half circle on the floor, front
    to side to back (en dehors) or back to front (en dedans)."""
    working = spec.side()
    en_dehors = spec.word(("en_dehors", "en_dedans"), "en_dehors") == "en_dehors"
    counts = spec.option("counts", 4)
    t0, t1 = stage.t, stage.t + counts * beat(spec)
    stage.key(t0, _rest(stage, spec))
    support = _support_for(stage, working, spec)
    closed, front = _toe_out(stage, working, "front")
    _, back = _toe_out(stage, working, "back")
    centre = 0.5 * (front + back)
    radius = 0.5 * np.linalg.norm(front - back)
    g = SIGN_OF[working]
    angles = np.linspace(0.0, 180.0, 9) if en_dehors else np.linspace(180.0, 0.0, 9)
    arc = [centre + radius * np.array([g * np.sin(np.radians(a)), np.cos(np.radians(a))])
           for a in angles]
    points = ([closed + u * (arc[0] - closed) for u in (0.0, 0.33, 0.67)] + arc
              + [arc[-1] + u * (closed - arc[-1]) for u in (0.33, 0.67, 1.0)])
    for i, toe in enumerate(points):
        facing = TURNOUT + (20.0 if 0 < i < len(points) - 1 else 0.0)
        t = t0 + (i / (len(points) - 1)) * (t1 - t0)
        stage.key(t, dict(support, **toe_path_pose(stage, working, tuple(toe), support,
                                                   facing=facing)))
    stage.key(t1, _rest(stage, spec))
    stage.plant(t0, t1, OTHER[working])
    _record(stage, spec, t0, t1, side=working,
            metrics={"direction": "en_dehors" if en_dehors else "en_dedans"})
    stage.t = t1


@dataclasses.dataclass(frozen=True)
class Generator:
    """A step of the choreography language: how it is danced on the :class:`Stage`, the
    words it takes (its qualifiers in the choreography) and, when it takes a number, the
    lowest and highest a body can do and what the number means."""

    perform: Callable[[Stage, StepSpec], None]
    words: frozenset[str] = frozenset()
    number: tuple[float, float, str] | None = None


_LEG = frozenset({"front", "side", "back", "left", "right"})
_TURN = frozenset({"en_dehors", "en_dedans", "left", "right"})
#: What a body can do: 10 pirouettes, 64 fouettés (twice Odile's 32), a triple tour en
#: l'air; a leg no higher than 180 degrees; a balance held a minute; 10 m of bourrée.
_HEIGHT = (10.0, 180.0, "degrees of leg height")

#: The choreography's step names (:mod:`.perform`) and their generators.
GENERATORS: dict[str, Generator] = {
    "plie": Generator(step_plie, frozenset({"demi", "grand"})),
    "releve": Generator(step_releve),
    "tendu": Generator(step_tendu, _LEG),
    "degage": Generator(step_degage, _LEG),
    "rond_de_jambe": Generator(step_rond_de_jambe, _TURN),
    "developpe": Generator(step_developpe, _LEG, number=_HEIGHT),
    "grand_battement": Generator(step_grand_battement, _LEG, number=_HEIGHT),
    "passe": Generator(step_passe, frozenset({"left", "right"})),
    "arabesque": Generator(step_arabesque, frozenset({"left", "right"}), number=_HEIGHT),
    "attitude": Generator(step_attitude, frozenset({"front", "back", "left", "right"}),
                          number=_HEIGHT),
    "pirouette": Generator(step_pirouette, _TURN, number=(0.25, 10.0, "turns")),
    "fouette": Generator(step_fouette, _TURN, number=(1.0, 64.0, "turns")),
    "saute": Generator(step_saute, frozenset({"first", "fifth"})),
    "changement": Generator(step_changement),
    "tour": Generator(step_tour, frozenset({"left", "right"}), number=(0.5, 3.0, "turns")),
    "balance": Generator(step_balance, frozenset({"left", "right"}), number=(0.5, 60.0, "seconds")),
    "port_de_bras": Generator(step_port_de_bras, frozenset({"front", "side", "back"})),
    "travel": Generator(step_travel, _LEG, number=(0.1, 10.0, "metres")),
    "position": Generator(step_position, number=(1.0, 5.0, "the position")),
}
