"""Step recognition: the timeline of DESIGN.md's steps from the body signals.

The recogniser reads the body the way a teacher describes the steps, in a fixed
order of precedence, each stage claiming its frames so that later stages do not
read them again:

1. **Turns** (:func:`balletmirror.features.kinematics.rotation_segments` on the facing yaw):
   a rotation in the air is a turning jump (tour en l'air); on the ground it is a
   fouetté when the working leg opens and closes again (two or more whips of its
   knee) and a pirouette otherwise.  The working leg is the one off the floor.
2. **Jumps**: both feet off the floor together for at least ``min_flight_s``; the
   height follows from the airtime of a ballistic flight, ``h = g T^2 / 8``.
3. **Gestures of one leg** (one foot off the floor, pointed, or slid away from the
   other): passé (the toe drawn up to the supporting knee), the raised-leg family
   (grand battement: up and down within ``battement_s``; attitude: the knee bent at
   the top; arabesque: the leg behind; développé otherwise), and the low family
   (tendu: the toe stays on the floor; dégagé: it leaves it; rond de jambe: it
   sweeps round from front to back or back to front).  A passé held on relevé is a
   balance.
4. **Two-foot stances**: plié (the pelvis sinks, both knees bend; ``grand`` below
   ``grand_plie_knee``), relevé (the pelvis rises on both demi-pointes; held longer
   than ``balance_hold_s`` it is a balance; with the feet stepping in turn, a
   travelling bourrée), and port de bras (the arms raised while the feet stay).

Every threshold is a fraction of the body's height ``H`` or an angle in degrees, in
:class:`StepRules`.  Thresholds were set on the synthetic studio's performances (see
``benchmarks/accuracy.py``) from the size of each movement in the ballet manual
(a demi-plié lowers the pelvis by about 6% of the height, a relevé raises the heels
by about 12%), never on the test cases one by one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import find_peaks, peak_widths

from ..core.physics import flight_height
from ..core.records import Step
from ..core.series import unseen_as_nan
from ..core.skeleton import OTHER, SIDES
from ..core.vocabulary import in_family
from ..features.signals import Signals
from ..features.turns import (
    count_turns,
    rise_cycles,
    turn_durations,
    turn_marks,
    turning_legs,
    width_legs,
)


@dataclasses.dataclass(frozen=True)
class StepRules:
    """Thresholds of the recogniser.

    Units by name: ``*_lift``, ``*_rise``, ``*_drop``, ``*_reach``, ``*_bump``,
    ``*_top``, ``*_heels``, ``travel_h``, ``arms_travel``, ``min_arms`` and
    ``arabesque_behind`` are fractions of the body height ``H``; ``*_knee``,
    ``*_deg``, ``plie_bend`` and ``cambre_lean`` degrees; ``*_s`` seconds;
    ``travel_depth`` a log ratio of apparent sizes; ``min_yaw_path`` turns of the
    facing per turn counted; ``min_turn_quarters`` quarter turns.  The defaults were
    set on the synthetic studio (see the module docstring).
    """

    flight_lift: float = 0.05
    flight_rise: float = 0.08
    flight_bump: float = 0.03
    flight_top: float = 0.11
    contact_lift: float = 0.03
    min_flight_s: float = 0.12
    plie_drop: float = 0.03
    grand_plie_knee: float = 100.0
    plie_bend: float = 15.0
    cambre_lean: float = 12.0
    travel_h: float = 0.15
    travel_depth: float = 0.08
    releve_rise: float = 0.035
    releve_heels: float = 0.015
    balance_hold_s: float = 2.0
    foot_out_lift: float = 0.04
    foot_out_point: float = 0.06
    foot_out_reach: float = 0.08
    min_gesture_s: float = 0.4
    gesture_gap_s: float = 0.3
    passe_max_lift: float = 0.42
    raised_lift: float = 0.3
    degage_lift: float = 0.09
    min_reach: float = 0.1
    battement_s: float = 1.1
    attitude_knee: float = 140.0
    passe_knee: float = 115.0
    arabesque_behind: float = -0.1
    rond_sweep_deg: float = 100.0
    min_arms: float = -0.12
    min_port_de_bras_s: float = 1.5
    arms_travel: float = 0.25
    whip_knee_deg: float = 40.0
    turn_lift: float = 0.1
    min_turn_s: float = 0.3
    min_turn_quarters: int = 2
    min_yaw_path: float = 0.35
    turn_rise: float = 0.03
    turn_pause_s: float = 0.8
    fouette_rise: float = 0.035
    fouette_count_rise: float = 0.025
    absorb_s: float = 0.7


# ------------------------------------------------------------------ helpers
def runs(mask: np.ndarray, *, min_len: int = 1, max_gap: int = 0) -> list[tuple[int, int]]:
    """Half-open index runs ``[a, b)`` where ``mask`` holds, gaps of at most
    ``max_gap`` frames bridged, runs shorter than ``min_len`` dropped."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return []
    cuts = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.r_[idx[0], idx[cuts + 1]]
    ends = np.r_[idx[cuts], idx[-1]] + 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b - a >= min_len]


def _nan0(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, 0.0)


def _above(x: np.ndarray, threshold: float) -> np.ndarray:
    """``x > threshold``, False where ``x`` is unknown."""
    return np.isfinite(x) & (x > threshold)


def _frames(sig: Signals, seconds: float) -> int:
    return max(1, int(round(seconds * sig.fps)))


def _step(name: str, sig: Signals, a: int, b: int, *, side: str | None = None,
          turns: float | None = None, metrics: dict | None = None) -> Step:
    """The step ``name`` over frames ``[a, b)``."""
    return Step(name=name, start_s=float(sig.times[a]), end_s=float(sig.times[max(a, b - 1)]),
                side=side, turns=turns, metrics=metrics or {})


def _metres(sig: Signals, value_h: float) -> float | None:
    """A length in body heights as metres, when the body's height in metres is known."""
    return None if sig.height_m is None else round(float(value_h * sig.height_m), 4)


def _busy(steps: list[Step], sig: Signals) -> np.ndarray:
    busy = np.zeros(len(sig.times), dtype=bool)
    for s in steps:
        busy[sig.window(s.start_s, s.end_s)] = True
    return busy


# ------------------------------------------------------------------ flights and turns
def flights(sig: Signals, rules: StepRules) -> list[tuple[int, int]]:
    """Frames with both feet off the floor and the pelvis higher than on relevé
    (``flight_rise``) for at least ``min_flight_s``, topping out mid-air above
    ``flight_top`` (a relevé lifts the pelvis 5-9% of the height, a jump further)."""
    air = (_nan0(sig.lift["left"]) > rules.flight_lift) \
        & (_nan0(sig.lift["right"]) > rules.flight_lift) & (_nan0(sig.drop) < -rules.flight_rise)
    found = [(a, b) for a, b in runs(air, min_len=_frames(sig, rules.min_flight_s), max_gap=1)
             if _ballistic(sig, a, b, rules)
             and np.nanmin(sig.drop[a:b]) < -rules.flight_top]
    # the airtime runs from the toes leaving the floor to their touching it again
    off = np.fmin(_nan0(sig.lift["left"]), _nan0(sig.lift["right"])) > rules.contact_lift
    out = []
    for a, b in found:
        while a > 0 and off[a - 1]:
            a -= 1
        while b < len(off) and off[b]:
            b += 1
        out.append((a, b))
    return out


def _ballistic(sig: Signals, a: int, b: int, rules: StepRules) -> bool:
    """Whether the pelvis rises over its take-off and landing levels during ``[a, b)``
    and tops out inside the flight (a jump; a turn on relevé stays level)."""
    height = -_nan0(sig.drop)
    edge = _frames(sig, 0.1)
    before = height[max(0, a - edge)]
    after = height[min(len(height) - 1, b - 1 + edge)]
    top = a + int(np.argmax(height[a:b]))
    inside = a + 0.15 * (b - a) <= top <= a + 0.85 * (b - a)
    return bool(inside and height[top] - max(before, after) >= rules.flight_bump)


def working_side(sig: Signals, a: int, b: int) -> str:
    """The leg more off the floor over frames ``[a, b)``."""
    lifts = {s: np.nanmean(_nan0(sig.toe[s][a:b]) + _nan0(sig.lift[s][a:b])) for s in SIDES}
    return max(lifts, key=lifts.get)


def whips(sig: Signals, side: str, a: int, b: int, rules: StepRules) -> int:
    """How often the working knee opens and closes again inside ``[a, b)``."""
    knee = _nan0(sig.knee[side][a:b])
    peaks, _ = find_peaks(knee, prominence=rules.whip_knee_deg)
    return int(len(peaks))


def whip_height(sig: Signals, a: int, b: int, side: str) -> float | None:
    """A fouetté's whip: how high the working leg opens à la seconde, degrees from
    hanging down (the median over the turns of each turn's highest elevation, read
    as the 90th percentile of the elevation over the sequence)."""
    elevation = sig.elevation[side][a:b]
    if not np.isfinite(elevation).any():
        return None
    return round(float(np.nanquantile(elevation, 0.9)), 2)


def _turn_metrics(sig: Signals, a: int, b: int, side: str, turns: float) -> dict:
    support = OTHER[side]
    knee = sig.knee[support][a:b]
    toe, knee_h = _nan0(sig.toe[side][a:b]), sig.knee_height[support][a:b]
    passe = unseen_as_nan(np.nanmedian, toe / np.where(knee_h > 0.05, knee_h, np.nan))
    en_dehors = (turns < 0) == (side == "right")  # clockwise = to her right
    return {"direction": "en_dehors" if en_dehors else "en_dedans",
            "passe_height": round(float(passe), 4) if np.isfinite(passe) else None,
            "min_supporting_knee_angle": round(float(np.nanmin(knee)), 2)
            if np.isfinite(knee).any() else None,
            "releve_height_m": _metres(sig, float(unseen_as_nan(np.nanmedian,
                                                                sig.point[support][a:b])))}


def turning_steps(sig: Signals, rotations: list[dict], air: list[tuple[int, int]],
                  rules: StepRules) -> list[Step]:
    """Pirouettes and fouettés: from the whole-body rotations of the yaw in 3D motion
    capture, from the single view's cues in a video (:func:`turning_steps_2d`)."""
    if sig.space == "image":
        return turning_steps_2d(sig, air, rules)
    out = []
    for rot in rotations:
        w = sig.window(rot["start_s"], rot["end_s"])
        a, b = w.start, w.stop
        if any(fa < b and fb > a for fa, fb in air):
            continue  # a turning jump: counted with its flight in jump_steps
        a, b = _enclosing(single_support(sig, rules), a, b)
        side = working_side(sig, a, b)
        name = "fouette" if whips(sig, side, a, b, rules) >= 2 else "pirouette"
        metrics = _turn_metrics(sig, a, b, side, rot["turns"])
        if name == "fouette":
            metrics["whip_height"] = whip_height(sig, a, b, side)
        metrics["turn_durations_s"] = turn_durations(sig.times[a:b], sig.yaw[a:b])
        metrics["turn_marks_s"] = turn_marks(sig.times[a:b], sig.yaw[a:b])
        out.append(_step(name, sig, a, b, side=side, turns=abs(rot["turns"]), metrics=metrics))
    return out


def _enclosing(spans: list[tuple[int, int]], a: int, b: int) -> tuple[int, int]:
    """``[a, b)`` grown to the span that holds its middle (a turn with its preparation
    and finish on the same leg), or as it is."""
    mid = (a + b) // 2
    return next(((min(a, c), max(b, d)) for c, d in spans if c <= mid < d), (a, b))


def single_support(sig: Signals, rules: StepRules) -> list[tuple[int, int]]:
    """Stretches on one leg, the other foot raised at least ``turn_lift`` (retiré,
    or a fouetté's whip), at least ``min_turn_s`` long."""
    hold = 2 * _frames(sig, 0.15) + 1  # the pose model loses a leg for a frame or two
    high = maximum_filter1d(np.fmax(_nan0(sig.lift["left"]), _nan0(sig.lift["right"])), hold)
    low = minimum_filter1d(np.fmin(_nan0(sig.lift["left"]), _nan0(sig.lift["right"])), hold)
    mask = (high > rules.turn_lift) & (low < 2 * rules.foot_out_lift)
    return runs(mask, min_len=_frames(sig, rules.min_turn_s), max_gap=_frames(sig, 0.3))


def turn_sign(sig: Signals, a: int, b: int) -> float:
    """+1 turning counter-clockwise seen from above (to her left), -1 clockwise: the
    sign of the yaw's steps, leaving out the pose model's front/back flips."""
    yaw = sig.yaw[a:b]
    steps = np.diff(yaw[np.isfinite(yaw)])
    steps = steps[np.abs(steps) < 90.0]
    return 1.0 if steps.sum() > 0 else -1.0


def _held_still(sig: Signals, a: int, b: int, pivots: list[int], rules: StepRules) -> bool:
    """Quick quarter turns with a long stillness between them (``pause_s``): a
    balance held on relevé, the pose model losing her as she rises or comes down,
    not a pirouette (whose quarter turns follow each other until she lands)."""
    quick = sig.times[a + np.asarray(turning_legs(sig.times[a:b], pivots), dtype=int)]
    return bool(quick.size > 1 and np.diff(quick).max() > rules.turn_pause_s)


def yaw_path(sig: Signals, a: int, b: int) -> float:
    """How far the facing yaw travels inside ``[a, b)``, in turns, either way (the
    pose model's 3D facing is unreliable through a fast turn, but it moves)."""
    yaw = sig.yaw[a:b]
    steps = np.abs(np.diff(yaw[np.isfinite(yaw)]))
    return float(steps[steps < 90.0].sum() / 360.0)


def turning_steps_2d(sig: Signals, air: list[tuple[int, int]], rules: StepRules) -> list[Step]:
    """Turns on one leg seen by one camera: a stretch on one leg whose apparent width
    swings through at least ``min_turn_quarters`` quick quarter turns while the 3D
    facing travels at least ``min_yaw_path`` of a turn per turn counted (and, for a
    pirouette, the pelvis is up on relevé by ``turn_rise``); a fouetté when the
    pelvis rises at least three times (once a turn), else a pirouette; counted by
    :func:`balletmirror.features.turns.count_turns`."""
    out = []
    for a, b in single_support(sig, rules):
        if sum(max(0, min(b, fb) - max(a, fa)) for fa, fb in air) > 0.5 * (b - a):
            continue  # mostly in the air: a turning jump, counted with its flight
        pivots = width_legs(sig.width[a:b])
        if len(turning_legs(sig.times[a:b], pivots)) < rules.min_turn_quarters:
            continue
        height = -sig.drop[a:b]
        # a fouetté pliés and rises again with every turn: three deep rises at least
        kind = "fouette" if len(rise_cycles(height, prominence=rules.fouette_rise)) >= 3 \
            else "pirouette"
        count = count_turns(sig.width[a:b], height, kind=kind, times=sig.times[a:b],
                            rise=rules.fouette_count_rise)
        path = yaw_path(sig, a, b)
        if path < rules.min_yaw_path * max(1.0, count.turns):
            continue  # the width swung but the 3D body did not go round: a pose misread
        if kind == "pirouette" and _median(-sig.drop[a:b], 0.0) < rules.turn_rise:
            continue  # not up on relevé: a held pose the pose model misread as turning
        if kind == "pirouette" and _held_still(sig, a, b, pivots, rules):
            continue  # a balance held, the pose model losing her as she comes down
        side = working_side(sig, a, b)
        sign = turn_sign(sig, a, b)
        metrics = _turn_metrics(sig, a, b, side, sign * count.turns)
        if kind == "fouette":
            metrics["whip_height"] = whip_height(sig, a, b, side)
        marks = rise_cycles(height, prominence=rules.fouette_count_rise) if kind == "fouette" \
            else pivots[::4]
        metrics["turn_durations_s"] = [round(float(sig.times[a + j] - sig.times[a + i]), 4)
                                       for i, j in zip(marks[:-1], marks[1:], strict=True)]
        metrics["turn_marks_s"] = [round(float(sig.times[a + i]), 4) for i in marks]
        metrics["counted_from"] = count.method
        out.append(_step(kind, sig, a, b, side=side, turns=count.turns, metrics=metrics))
    return out


def _jump_turns(sig: Signals, fa: int, fb: int, rotations: list[dict],
                min_yaw_path: float) -> float:
    """Turns in the air: from one camera the width's quarter turns, provided the 3D
    facing travels ``min_yaw_path`` of a turn at least (as pirouettes must:
    a sauté seen from the side jitters in width without going round); in 3D the
    rotations of the facing overlapping the flight."""
    if sig.space == "image":
        a, b = max(0, fa - 2), min(len(sig.times), fb + 2)
        if len(turning_legs(sig.times[a:b], width_legs(sig.width[a:b]))) < 3:
            return 0.0
        turns = count_turns(sig.width[a:b], -sig.drop[a:b], kind="jump",
                            times=sig.times[a:b]).turns
        return turns if yaw_path(sig, a, b) >= min_yaw_path else 0.0
    return float(sum(abs(r["turns"]) for r in rotations
                     if r["start_s"] < sig.times[fb - 1] + 0.2
                     and r["end_s"] > sig.times[fa] - 0.2))


def jump_steps(sig: Signals, air: list[tuple[int, int]], rotations: list[dict],
               busy: np.ndarray, *, min_yaw_path: float = 0.35) -> list[Step]:
    """One jump per flight, with its airtime, height and any turns in the air."""
    out = []
    pad = _frames(sig, 0.15)
    for fa, fb in air:
        if busy[fa:fb].mean() > 0.5:
            continue
        airtime = float(sig.times[fb - 1] - sig.times[fa]) + 1.0 / sig.fps
        turns = _jump_turns(sig, fa, fb, rotations, min_yaw_path)
        metrics = {"kind": "tour_en_lair" if turns else "saute",
                   "height": round(flight_height(airtime), 4), "airtime_s": round(airtime, 4),
                   "takeoff_s": round(float(sig.times[fa]), 4),
                   "landing_s": round(float(sig.times[fb - 1]), 4)}
        a, b = max(0, fa - pad), min(len(sig.times), fb + pad)
        out.append(_step("jump", sig, a, b, turns=float(turns) if turns else None,
                         metrics=metrics))
    return out


# ------------------------------------------------------------------ one-leg gestures
@dataclasses.dataclass(frozen=True)
class Working:
    """Label-free view of the two legs, frame by frame: the *working* leg is the foot
    higher off the floor (or further out when both are down), the other supports.
    The pose model may swap the legs' labels for a few frames; the working leg's
    series do not care."""

    side: np.ndarray  # "left" / "right" per frame
    lift: np.ndarray
    toe: np.ndarray
    reach: np.ndarray  # out from where this toe rests (its 20th percentile), H
    elevation: np.ndarray
    knee: np.ndarray
    forward: np.ndarray
    angle: np.ndarray
    angle_2d: np.ndarray
    support_lift: np.ndarray
    support_point: np.ndarray
    support_knee_height: np.ndarray
    point_gap: np.ndarray  # working heel-over-toe minus the supporting one's


def working_leg(sig: Signals) -> Working:
    """The :class:`Working` series of ``sig``."""
    # from rest (NaN for a leg never seen)
    out = {s: sig.reach[s] - unseen_as_nan(np.nanquantile, sig.reach[s], 0.2) for s in SIDES}
    score = {s: _nan0(sig.lift[s]) + 0.5 * _nan0(out[s]) for s in SIDES}
    left = score["left"] >= score["right"]

    def pick(series: dict, work: bool = True) -> np.ndarray:
        a, b = (series["left"], series["right"]) if work else (series["right"], series["left"])
        return np.where(left, a, b)

    return Working(side=np.where(left, "left", "right"), lift=pick(sig.lift), toe=pick(sig.toe),
                   reach=pick(out), elevation=pick(sig.elevation), knee=pick(sig.knee),
                   forward=pick(sig.forward), angle=pick(sig.gesture_angle),
                   angle_2d=pick(sig.gesture_angle_2d),
                   support_lift=pick(sig.lift, False), support_point=pick(sig.point, False),
                   support_knee_height=pick(sig.knee_height, False),
                   point_gap=_nan0(pick(sig.point)) - _nan0(pick(sig.point, False)))


def _foot_out(sig: Signals, w: Working, rules: StepRules, scale: float = 1.0) -> np.ndarray:
    """Frames where the working foot is lifted, pointed or slid out (thresholds times
    ``scale``) while the other one stands."""
    out = (_nan0(w.lift) > scale * rules.foot_out_lift) \
        | (w.point_gap > scale * rules.foot_out_point) \
        | (_nan0(w.reach) > scale * rules.foot_out_reach)
    return out & (_nan0(w.support_lift) < rules.foot_out_lift)


def _sweep(angles: np.ndarray) -> float:
    known = angles[np.isfinite(angles)]
    if known.size < 3:
        return 0.0
    return float(np.ptp(np.degrees(np.unwrap(np.radians(known)))))


def _median(x: np.ndarray, default: float = np.nan) -> float:
    known = x[np.isfinite(x)]
    return float(np.median(known)) if known.size else default


def classify_gesture(sig: Signals, w: Working, a: int, b: int, rules: StepRules
                     ) -> Step | None:
    """Name one gesture of the working leg over frames ``[a, b)`` (module docstring)."""
    lift = _nan0(w.lift[a:b])
    sides, counts = np.unique(w.side[a:b][lift >= 0.5 * lift.max()], return_counts=True)
    side = str(sides[np.argmax(counts)])
    top = int(np.argmax(lift))
    high = lift >= 0.8 * lift[top]
    peak = float(np.quantile(lift, 0.9))  # the top, robust to a frame of noise
    knee_top = _median(w.knee[a:b][high], 180.0)
    knee_min = float(np.nanquantile(w.knee[a:b], 0.1)) if np.isfinite(w.knee[a:b]).any() \
        else 180.0
    elevation = float(np.nanmax(w.elevation[a:b]))
    up_s = float(np.sum(lift >= 0.5 * lift[top])) / sig.fps
    support_releve = _median(w.support_point[a:b][high], 0.0)
    if peak >= rules.raised_lift and not (
            peak < rules.passe_max_lift and knee_top < rules.attitude_knee - 30):
        metrics = {"leg_height": round(elevation, 2)}
        if up_s < rules.battement_s or (knee_min > rules.attitude_knee
                                        and up_s < 1.5 * rules.battement_s):
            return _step("grand_battement", sig, a, b, side=side, metrics=metrics)
        if knee_top < rules.attitude_knee:
            return _step("attitude", sig, a, b, side=side, metrics=metrics)
        if _median(w.forward[a:b][high], 0.0) < rules.arabesque_behind:
            return _step("arabesque", sig, a, b, side=side, metrics=metrics)
        return _step("developpe", sig, a, b, side=side, metrics=metrics)
    if (peak >= rules.raised_lift * 0.5 and knee_top < rules.attitude_knee) or (
            peak >= rules.degage_lift and knee_top < rules.passe_knee):
        knee_h = w.support_knee_height[a + top]
        metrics = {"passe_height": round(float(w.toe[a + top] / knee_h), 4)
                   if knee_h > 0.05 else None}
        if support_releve > rules.foot_out_point and up_s >= rules.balance_hold_s:
            return _step("balance", sig, a, b, side=side, metrics={"hold_s": round(up_s, 3)})
        return _step("passe", sig, a, b, side=side, metrics=metrics)
    reach = float(np.nanquantile(w.reach[a:b], 0.9)) if np.isfinite(w.reach[a:b]).any() \
        else 0.0
    if reach < rules.min_reach and peak < rules.degage_lift:
        return None  # the foot hardly left its place: not a step
    extension = _metres(sig, float(np.nanmax(w.reach[a:b])))
    out = _nan0(w.reach[a:b]) > 0.5 * reach
    if max(_sweep(w.angle[a:b][out]), _sweep(w.angle_2d[a:b][out])) >= rules.rond_sweep_deg:
        return _step("rond_de_jambe", sig, a, b, side=side)
    name = "degage" if peak >= rules.degage_lift else "tendu"
    return _step(name, sig, a, b, side=side, metrics={"extension_m": extension})


def _split_at_changes(w: Working, a: int, b: int, rules: StepRules, low_frames: int = 1
                      ) -> list[tuple[int, int]]:
    """Split ``[a, b)`` where the other leg takes over while the first is back home
    (a dégagé closed and a rond de jambe begun on the other leg); a label swap of the
    pose model with the foot still out does not split."""
    cuts = [i for i in range(a + 1, b)
            if w.side[i] != w.side[i - 1] and _nan0(w.lift[i - 1:i + 1]).max() < rules.foot_out_lift
            and _nan0(w.reach[i - 1:i + 1]).max() < rules.foot_out_reach]
    edges = sorted({a, *cuts, *_valleys(w.lift[a:b], rules, a, low_frames), b})
    return list(zip(edges[:-1], edges[1:], strict=True))


def _valleys(lift: np.ndarray, rules: StepRules, offset: int = 0, low_frames: int = 1
             ) -> list[int]:
    """Where the working foot came down between two gestures without touching home
    (a grand battement closed and a passé drawn up from cou-de-pied): the lowest
    frame between two lifts of at least ``degage_lift`` when it is under a third of
    the smaller one and the foot stays within twice ``foot_out_lift`` of the floor
    for ``low_frames`` (a held développé wavers far less, a leg the pose model loses
    for a frame or two is not down for long)."""
    filled = _nan0(lift)
    peaks, _ = find_peaks(filled, height=rules.degage_lift, prominence=0.5 * rules.degage_lift)
    out = []
    for p, q in zip(peaks[:-1], peaks[1:], strict=True):
        low = p + int(np.argmin(filled[p:q]))
        down = filled[p:q] < 2.0 * rules.foot_out_lift
        if filled[low] < min(filled[p], filled[q]) / 3.0 and down.sum() >= low_frames:
            out.append(offset + low)
    return out


def gesture_steps(sig: Signals, busy: np.ndarray, rules: StepRules) -> list[Step]:
    """Steps of one working leg, outside the frames already claimed."""
    w = working_leg(sig)
    strong = _foot_out(sig, w, rules, scale=1.5)
    mask = _foot_out(sig, w, rules) & ~busy
    out = []
    spans = runs(mask, min_len=_frames(sig, rules.min_gesture_s),
                 max_gap=_frames(sig, rules.gesture_gap_s))
    for a, b in (piece for span in spans
                 for piece in _split_at_changes(w, *span, rules, _frames(sig, 0.3))):
        if b - a >= _frames(sig, rules.min_gesture_s) and strong[a:b].sum() >= _frames(sig, 0.2):
            step = classify_gesture(sig, w, a, b, rules)
            if step is not None:
                out.append(step)
    return out


# ------------------------------------------------------------------ two-foot stances
def _peaks(x: np.ndarray, size: float) -> list[tuple[int, int, int]]:
    """(peak, start, end) of each bump of ``x`` reaching ``size`` with at least
    ``size`` of prominence; the bounds where it is 90% of the way down to its base,
    or back under half of ``size``, whichever comes first.
    Bumps sharing most of their frames with a bigger one are dropped."""
    filled = _nan0(x)
    peaks, _ = find_peaks(filled, height=size, prominence=size)
    if not peaks.size:
        return []
    _, _, left, right = peak_widths(filled, peaks, rel_height=0.9)
    out: list[tuple[int, int, int]] = []
    for i in np.argsort(-filled[peaks]):
        p, a, b = int(peaks[i]), int(np.floor(left[i])), int(np.ceil(right[i])) + 1
        # ...and no further than where it is back within half of ``size`` of rest
        low = np.flatnonzero(filled[a:p] < 0.5 * size)
        a = a + int(low[-1]) + 1 if low.size else a
        high = np.flatnonzero(filled[p:b] < 0.5 * size)
        b = p + int(high[0]) if high.size else b
        if all(min(b, d) - max(a, c) < 0.5 * min(b - a, d - c) for _, c, d in out):
            out.append((p, a, b))
    return sorted(out)


def _near(sig: Signals, i: int, steps: list[Step], seconds: float) -> bool:
    t = sig.times[i]
    return any(s.start_s - seconds <= t <= s.end_s + seconds for s in steps)


def _standing_knee(sig: Signals, side: str) -> float:
    """Her straight knee in this recording (the 80th percentile of the knee angle)."""
    known = sig.knee[side][np.isfinite(sig.knee[side])]
    return float(np.quantile(known, 0.8)) if known.size else 180.0


def stance_steps(sig: Signals, busy: np.ndarray, claimed: list[Step],
                 rules: StepRules) -> list[Step]:
    """Pliés, relevés, balances and bourrées outside the claimed frames."""
    out = []
    leaps = [s for s in claimed if in_family(s.name, "jump") or in_family(s.name, "turn")]
    for p, a, b in _peaks(sig.drop, rules.plie_drop):
        if busy[p] or busy[a:b].mean() > 0.4 or _near(sig, p, leaps, rules.absorb_s):
            continue  # inside another step (a pelvis shifting over the supporting leg)
        knee = float(np.nanmin(np.fmin(sig.knee["left"][a:b], sig.knee["right"][a:b])))
        bend = [_standing_knee(sig, side) - _median(sig.knee[side][max(a, p - 2):p + 3])
                for side in SIDES]
        bend = [x for x in bend if np.isfinite(x)]
        lean = _median(sig.trunk[max(a, p - 2):p + 3]) - _median(sig.trunk)
        if bend and max(bend) < rules.plie_bend and (lean >= rules.cambre_lean
                                                     or max(bend) < rules.plie_bend / 2):
            continue  # the hips sank, the knees did not bend (as the body bent: a cambré)
        depth = "grand" if knee < rules.grand_plie_knee else "demi"
        out.append(_step("plie", sig, a, b, metrics={"depth": depth,
                                                      "min_knee_angle": round(knee, 2)}))
    heels = np.fmin(_nan0(sig.point["left"]), _nan0(sig.point["right"]))
    for p, a, b in _peaks(-sig.drop, rules.releve_rise):
        if busy[p] or busy[a:b].mean() > 0.4 or _near(sig, p, leaps, rules.absorb_s):
            continue
        if heels[max(a, p - 3):p + 4].max() < rules.releve_heels:
            continue  # the pelvis is up but the heels are down: not on demi-pointe
        out.append(_releve_like(sig, p, a, b, rules))
    return out


def travelled(sig: Signals, a: int, b: int) -> tuple[float, float]:
    """How far she moved over ``[a, b)``: (across, in body heights; the change of her
    apparent size as a log ratio, a move towards or away from a camera).

    Each end is the median of its first or last fifth, so a wobble does not count."""
    n = max(1, (b - a) // 5)
    xy = sig.pelvis_xy[a:b]
    start = np.nanmedian(xy[:n], axis=0)
    end = np.nanmedian(xy[-n:], axis=0)
    across = float(np.linalg.norm(end - start)) if np.all(np.isfinite([start, end])) else 0.0
    size = sig.size[a:b]
    s0, s1 = unseen_as_nan(np.nanmedian, size[:n]), unseen_as_nan(np.nanmedian, size[-n:])
    depth = float(abs(np.log(s1 / s0))) if s0 > 0 and s1 > 0 else 0.0
    return across, depth


def _releve_like(sig: Signals, p: int, a: int, b: int, rules: StepRules) -> Step:
    rise = -sig.drop[a:b]
    top = rise >= 0.9 * rise[p - a]
    hold = float(np.sum(top)) / sig.fps
    across, depth = travelled(sig, a, b)
    if across >= rules.travel_h or depth >= rules.travel_depth:
        return _step("travel", sig, a, b, metrics={"distance_m": _metres(sig, across)
                                                    if across >= rules.travel_h else None})
    if hold >= rules.balance_hold_s:
        return _step("balance", sig, a, b, metrics={"hold_s": round(hold, 3)})
    height = _metres(sig, float(np.nanmax(np.fmin(sig.point["left"][a:b],
                                                   sig.point["right"][a:b]))))
    return _step("releve", sig, a, b, metrics={"releve_height_m": height})


def port_de_bras_steps(sig: Signals, busy: np.ndarray, rules: StepRules) -> list[Step]:
    """The arms carried through their positions (raised to the shoulders or above and
    moving by at least ``arms_travel`` in height) while the feet stay."""
    mask = _above(sig.arms, rules.min_arms) & ~busy
    out = []
    for a, b in runs(mask, min_len=_frames(sig, rules.min_port_de_bras_s),
                     max_gap=_frames(sig, 0.3)):
        lo = max(0, a - _frames(sig, 1.0))
        arms = sig.arms[lo:b]
        if np.isfinite(arms).sum() > 2 and np.nanmax(arms) - np.nanmin(arms) >= rules.arms_travel:
            out.append(_step("port_de_bras", sig, a, b))
    return out


# ------------------------------------------------------------------ the timeline
def detect_steps(sig: Signals, *, rotations: list[dict], rules: StepRules | None = None
                 ) -> list[Step]:
    """The step timeline of one performance.

    Parameters
    ----------
    sig : Signals
        From :func:`balletmirror.features.signals.compute_signals`.
    rotations : list of dict
        Whole-body rotations of the facing (``start_s``, ``end_s``, signed ``turns``:
        :func:`balletmirror.features.kinematics.rotation_segments`).
    rules : StepRules, optional
        Thresholds (the defaults were set on the synthetic studio).

    Returns
    -------
    list of Step
        Sorted by start, each unjudged (no score, no criteria yet).
    """
    r = rules or StepRules()
    air = flights(sig, r)
    steps = turning_steps(sig, rotations, air, r)
    steps += jump_steps(sig, air, rotations, _busy(steps, sig), min_yaw_path=r.min_yaw_path)
    steps += gesture_steps(sig, _busy(steps, sig), r)
    steps += stance_steps(sig, _busy(steps, sig), steps, r)
    steps += port_de_bras_steps(sig, _busy(steps, sig), r)
    return sorted(steps, key=lambda s: s.start_s)
